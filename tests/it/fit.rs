//! `hardrun fit` and `hardrun doctor` against the real engine: fit finds an adjustment with
//! throw-away trials and writes it, the container then passes its probe under the profile
//! (catalogue off) through hardrun, and fails it without any one element of the adjustment;
//! doctor names the cause of a container that is down. Trials are named `hr-fit-PID-N` by
//! hardrun and removed by it; the tests check that none is left.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::doctor::NGINX;
use crate::engine::{Container, Engine, IMAGE, engine};
use crate::support::{HARDRUN, Outcome, Sandbox};

/// The profile of these tests: production with the catalogue off.
const PROFILE: &str = "extends: production\ncatalogue: off\n";

/// How a test checks that the container works.
pub(crate) enum Check {
    /// `sh -c CMD` inside succeeds.
    Command(&'static str),
    /// An HTTP GET of the path on the port answers 2xx or 3xx.
    Http(u16, &'static str),
    /// The port accepts a connection.
    Tcp(u16),
}

impl Check {
    fn fit_flags(&self) -> Vec<String> {
        match self {
            Check::Command(cmd) => vec!["--probe-cmd".into(), (*cmd).into()],
            Check::Http(port, path) => vec!["--probe-http".into(), format!("{port}{path}")],
            Check::Tcp(port) => vec!["--probe-tcp".into(), port.to_string()],
        }
    }

    fn passes(&self, engine: &Engine, container: &Container, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            let running = container.format("{{.State.Running}}");
            if running.as_deref() != Some("true") {
                return false;
            }
            let ip = container
                .format("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}")
                .unwrap_or_default();
            let ok = match self {
                Check::Command(cmd) => engine
                    .docker(["exec", &container.name, "sh", "-c", cmd])
                    .status
                    .success(),
                Check::Http(port, path) => http_ok(&format!("{ip}:{port}"), path),
                Check::Tcp(port) => TcpStream::connect(format!("{ip}:{port}")).is_ok(),
            };
            if ok {
                return true;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        false
    }
}

fn http_ok(address: &str, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = write!(stream, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n");
    let mut head = String::new();
    let _ = stream.take(12).read_to_string(&mut head);
    head.starts_with("HTTP/") && matches!(head.get(9..10), Some("2" | "3"))
}

/// What fit found, read back from the YAML it printed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Found {
    pub writable: Vec<String>,
    pub capabilities: Vec<String>,
    pub user: Option<String>,
    pub pids: Option<String>,
    pub memory: Option<String>,
}

impl Found {
    pub(crate) fn read(stdout: &str) -> Found {
        let mut found = Found::default();
        let list = |value: &str| -> Vec<String> {
            value
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        for line in stdout.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("writable:") {
                found.writable = list(v);
            } else if let Some(v) = line.strip_prefix("capabilities:") {
                found.capabilities = list(v);
            } else if let Some(v) = line.strip_prefix("user:") {
                found.user = Some(v.trim().trim_matches('"').to_owned());
            } else if let Some(v) = line.strip_prefix("pids:") {
                found.pids = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("memory:") {
                found.memory = Some(v.trim().to_owned());
            }
        }
        found
    }

    /// The adjustment as a project file.
    pub(crate) fn project_file(&self, image: &str) -> String {
        let mut out = format!("adjustments:\n  - image: \"{image}\"\n    reason: \"test\"\n");
        if !self.writable.is_empty() {
            out.push_str(&format!("    writable: [{}]\n", self.writable.join(", ")));
        }
        if !self.capabilities.is_empty() {
            out.push_str(&format!(
                "    capabilities: [{}]\n",
                self.capabilities.join(", ")
            ));
        }
        if let Some(user) = &self.user {
            out.push_str(&format!("    user: \"{user}\"\n"));
        }
        if let Some(pids) = &self.pids {
            out.push_str(&format!("    pids: {pids}\n"));
        }
        if let Some(memory) = &self.memory {
            out.push_str(&format!("    memory: {memory}\n"));
        }
        out
    }

    /// Each one-element-less variant, named.
    pub(crate) fn without_each(&self) -> Vec<(String, Found)> {
        let mut out = Vec::new();
        for (i, path) in self.writable.iter().enumerate() {
            let mut less = self.clone();
            less.writable.remove(i);
            out.push((format!("writable {path}"), less));
        }
        for (i, cap) in self.capabilities.iter().enumerate() {
            let mut less = self.clone();
            less.capabilities.remove(i);
            out.push((format!("capability {cap}"), less));
        }
        if self.user.is_some() {
            out.push((
                "user".into(),
                Found {
                    user: None,
                    ..self.clone()
                },
            ));
        }
        if self.pids.is_some() {
            out.push((
                "pids".into(),
                Found {
                    pids: None,
                    ..self.clone()
                },
            ));
        }
        if self.memory.is_some() {
            out.push((
                "memory".into(),
                Found {
                    memory: None,
                    ..self.clone()
                },
            ));
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.writable.is_empty()
            && self.capabilities.is_empty()
            && self.user.is_none()
            && self.pids.is_none()
            && self.memory.is_none()
    }
}

/// The sandbox with the catalogue-off profile.
fn sandbox(engine: &Engine) -> Sandbox {
    let sandbox = engine.sandbox();
    sandbox.write("production-nocat.yaml", PROFILE);
    sandbox
}

fn hardrun(sandbox: &Sandbox, args: &[String]) -> Outcome {
    let mut command = sandbox.command(HARDRUN);
    command.args(args);
    sandbox.outcome(command)
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// No trial container or network of the fit that printed `out` is left (trials are named
/// `hr-fit-PID-N` after hardrun's process, which fit's first line names).
fn no_trial_left(engine: &Engine, out: &Outcome) {
    let prefix = out
        .stderr
        .split("trials named ")
        .nth(1)
        .and_then(|rest| rest.split("N,").next())
        .filter(|p| p.starts_with("hr-fit-") && p.ends_with('-'))
        .unwrap_or_else(|| panic!("fit names its trials: {}", out.stderr))
        .to_owned();
    let containers = engine.docker_ok([
        "ps",
        "-a",
        "--filter",
        &format!("name={prefix}"),
        "--format",
        "{{.Names}}",
    ]);
    let networks = engine.docker_ok([
        "network",
        "ls",
        "--filter",
        &format!("name={prefix}"),
        "--format",
        "{{.Name}}",
    ]);
    let ours: Vec<&str> = containers
        .lines()
        .chain(networks.lines())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert!(
        ours.is_empty(),
        "trial containers or networks left: {ours:?}"
    );
}

/// What a test fits: the image, the command after it, the check and the time it may take.
pub(crate) struct Subject<'a> {
    pub image: &'a str,
    pub run: &'a [&'a str],
    pub check: Check,
    pub limit: Duration,
}

/// Runs the image under the profile through hardrun with `project` as `.hardrun.yaml`, and
/// checks it.
fn passes_under_profile(
    engine: &'static Engine,
    sandbox: &Sandbox,
    test: &str,
    project: &str,
    subject: &Subject,
) -> bool {
    let Subject {
        image,
        run,
        check,
        limit,
    } = subject;
    let limit = *limit;
    sandbox.write(".hardrun.yaml", project);
    let container = engine.container(test);
    let mut args = strings(&[
        "--profile",
        "./production-nocat.yaml",
        "run",
        "-d",
        "--name",
    ]);
    args.push(container.name.clone());
    args.push((*image).to_owned());
    args.extend(strings(run));
    let out = hardrun(sandbox, &args);
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    check.passes(engine, &container, limit)
}

/// Fit on `image`, then the checks of the acceptance: the written adjustment makes the probe
/// pass under the profile, and each element of it is needed. Returns what fit found and how
/// long it took.
pub(crate) fn fit_and_prove(
    engine: &'static Engine,
    test: &str,
    subject: &Subject,
) -> (Found, Duration) {
    let Subject {
        image,
        run,
        check,
        limit,
    } = subject;
    let sandbox = sandbox(engine);
    let mut args = strings(&["--profile", "./production-nocat.yaml", "fit"]);
    args.extend(check.fit_flags());
    args.extend(strings(&[
        "--seconds",
        &limit.as_secs().to_string(),
        "--write",
        "run",
        image,
    ]));
    args.extend(strings(run));
    let started = Instant::now();
    let out = hardrun(&sandbox, &args);
    let took = started.elapsed();
    eprintln!(
        "observed [{test}] fit took {:.1}s\n{}",
        took.as_secs_f64(),
        out.all_output()
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert!(
        out.stderr.contains("trial 1: the profile as it is"),
        "progress on stderr"
    );
    no_trial_left(engine, &out);
    let found = Found::read(&out.stdout);
    let written = std::fs::read_to_string(sandbox.cwd().join(".hardrun.yaml")).unwrap();
    assert!(
        written.contains(&format!("image: \"{image}\"")),
        "{written}"
    );
    // The written file itself: the probe passes under the profile through hardrun.
    assert!(
        passes_under_profile(engine, &sandbox, &format!("{test}-fit"), &written, subject),
        "{image} fails its probe under the adjustment fit wrote:\n{written}"
    );
    // Minimality: without any one element, it fails.
    for (what, less) in found.without_each() {
        let project = if less.is_empty() {
            String::new()
        } else {
            less.project_file(image)
        };
        let name = format!(
            "{test}-less-{}",
            what.replace(['/', ' '], "-").to_lowercase()
        );
        assert!(
            !passes_under_profile(engine, &sandbox, &name, &project, subject),
            "{image} passes its probe without {what}: fit kept an element it does not need"
        );
    }
    (found, took)
}

/// Busybox as a daemon that starts as root (as nginx and postgres do), writes a file into
/// `/home/app` and hands it to uid 1000, which needs CHOWN.
const WRITES_AND_CHOWNS: &str = "[ \"$(id -u)\" = 0 ] && echo ok > /home/app/state && chown 1000 /home/app/state && exec sleep 300";

#[test]
fn fit_finds_the_path_the_capability_and_the_user_and_each_is_needed() {
    let Some(engine) = engine() else { return };
    let (found, _) = fit_and_prove(
        engine,
        "fit-busybox",
        &Subject {
            image: IMAGE,
            run: &["sh", "-c", WRITES_AND_CHOWNS],
            check: Check::Command("test -f /home/app/state"),
            limit: Duration::from_secs(5),
        },
    );
    assert_eq!(found.writable, ["/home/app"]);
    assert_eq!(found.capabilities, ["CHOWN"]);
    assert_eq!(found.user.as_deref(), Some("0:0"));
}

#[test]
fn fit_probes_http_and_tcp_on_the_container_s_address() {
    let Some(engine) = engine() else { return };
    let serve = "echo hi > /home/app/index.html && exec httpd -f -p 8080 -h /home/app";
    for (test, check) in [
        ("fit-http", Check::Http(8080, "/index.html")),
        ("fit-tcp", Check::Tcp(8080)),
    ] {
        let (found, _) = fit_and_prove(
            engine,
            test,
            &Subject {
                image: IMAGE,
                run: &["sh", "-c", serve],
                check,
                limit: Duration::from_secs(5),
            },
        );
        assert_eq!(found.writable, ["/home/app"], "{test}");
        assert!(
            found.capabilities.is_empty() && found.user.is_none(),
            "{test}: {found:?}"
        );
    }
}

#[test]
fn fit_says_nothing_is_needed_for_what_the_profile_allows() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    let out = hardrun(
        &sandbox,
        &strings(&[
            "--profile",
            "./production-nocat.yaml",
            "fit",
            "--seconds",
            "2",
            "run",
            IMAGE,
            "sleep",
            "300",
        ]),
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert!(
        out.stdout.contains("no adjustment needed"),
        "{}",
        out.stdout
    );
    assert!(!sandbox.cwd().join(".hardrun.yaml").exists());
    no_trial_left(engine, &out);
}

#[test]
fn fit_gives_up_with_exit_3_when_the_deny_rules_leave_no_way() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    // Root is what this container needs, and this profile denies it.
    sandbox.write(
        "no-root.yaml",
        "extends: production\ncatalogue: off\nrules:\n  non-root-user:\n    level: deny\n",
    );
    let out = hardrun(
        &sandbox,
        &strings(&[
            "--profile",
            "./no-root.yaml",
            "fit",
            "--probe-cmd",
            "test -f /home/app/state",
            "--seconds",
            "3",
            "--write",
            "run",
            IMAGE,
            "sh",
            "-c",
            WRITES_AND_CHOWNS,
        ]),
    );
    assert_eq!(out.code, Some(3), "{}", out.all_output());
    assert!(out.stderr.contains("gave up"), "{}", out.stderr);
    assert!(
        !sandbox.cwd().join(".hardrun.yaml").exists(),
        "nothing written"
    );
    no_trial_left(engine, &out);
}

#[test]
fn fit_never_touches_the_user_s_container_name_or_volumes() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    let container = engine.container("fit-own-names");
    let volume = format!("hr-fit-volume-{}", std::process::id());
    let out = hardrun(
        &sandbox,
        &[
            "--profile",
            "./production-nocat.yaml",
            "fit",
            "--seconds",
            "2",
            "run",
            "--name",
            &container.name,
            "-v",
            &format!("{volume}:/data"),
            "-p",
            "127.0.0.1:18999:80",
            IMAGE,
            "sh",
            "-c",
            "touch /data/x && exec sleep 300",
        ]
        .map(str::to_owned),
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert_eq!(
        container.format("{{.Name}}"),
        None,
        "no container of the user's name"
    );
    let volumes = engine.docker_ok(["volume", "ls", "-q", "--filter", &format!("name={volume}")]);
    assert!(
        volumes.trim().is_empty(),
        "the user's volume was created: {volumes}"
    );
    no_trial_left(engine, &out);
}

#[test]
fn doctor_names_the_read_only_path_of_a_restarting_container() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    let container = engine.container("doctor-readonly");
    let out = hardrun(
        &sandbox,
        &[
            "--profile",
            "./production-nocat.yaml",
            "run",
            "-d",
            "--name",
            &container.name,
            IMAGE,
            "sh",
            "-c",
            "echo x > /home/app/state && exec sleep 300",
        ]
        .map(str::to_owned),
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    container.wait_for("{{.RestartCount}}", Duration::from_secs(10), |c| c != "0");
    let out = hardrun(&sandbox, &strings(&["doctor", &container.name]));
    assert_eq!(out.code, Some(1), "{}", out.all_output());
    assert!(
        out.stdout.contains("cause: read-only-rootfs"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("writable: [/home/app]"),
        "{}",
        out.stdout
    );
    let out = hardrun(
        &sandbox,
        &strings(&["doctor", "--format", "json", &container.name]),
    );
    assert_eq!(out.code, Some(1));
    let json = out.json();
    assert_eq!(json["causes"][0]["rule"], "read-only-rootfs");
    assert_eq!(json["adjustment"]["writable"][0], "/home/app");
}

#[test]
fn doctor_says_a_running_container_is_healthy_and_an_unknown_one_cannot_be_read() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    let container = engine.container("doctor-healthy");
    let out = hardrun(
        &sandbox,
        &[
            "run",
            "-d",
            "--name",
            &container.name,
            IMAGE,
            "sleep",
            "300",
        ]
        .map(str::to_owned),
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    let out = hardrun(&sandbox, &strings(&["doctor", &container.name]));
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    let out = hardrun(&sandbox, &strings(&["doctor", "hr-fit-no-such-container"]));
    assert_eq!(out.code, Some(2), "{}", out.all_output());
}

#[test]
fn run_verify_hints_at_the_cause_when_the_container_is_down_after_start() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    let container = engine.container("verify-hint");
    let out = hardrun(
        &sandbox,
        &[
            "--profile",
            "./production-nocat.yaml",
            "run",
            "--verify",
            "-d",
            "--name",
            &container.name,
            IMAGE,
            "sh",
            "-c",
            "chown 0 /tmp",
        ]
        .map(str::to_owned),
    );
    assert!(
        out.stderr.contains("likely drop-capabilities") && out.stderr.contains("CHOWN"),
        "{}",
        out.stderr
    );
}

/// A compose project of a test, taken down with its volumes when dropped.
struct Project<'a> {
    engine: &'static Engine,
    sandbox: &'a Sandbox,
    name: String,
}

impl Drop for Project<'_> {
    fn drop(&mut self) {
        let cwd = self.sandbox.cwd();
        let file = cwd.join("compose.yaml");
        let _ = self.engine.docker([
            "compose".as_ref(),
            "-f".as_ref(),
            file.as_os_str(),
            "-p".as_ref(),
            std::ffi::OsStr::new(&self.name),
            "down".as_ref(),
            "-v".as_ref(),
        ]);
    }
}

#[test]
fn fit_compose_finds_the_service_s_adjustment_and_compose_up_applies_it() {
    let Some(engine) = crate::lab::lab_engine() else {
        return;
    };
    let sandbox = sandbox(engine);
    let name = format!("hr-fitcompose-{}", std::process::id());
    sandbox.write(
        "compose.yaml",
        &format!(
            "name: {name}\nservices:\n  web:\n    image: {NGINX}\n    volumes:\n      - cache:/var/cache/nginx\nvolumes:\n  cache: {{}}\n"
        ),
    );
    let _project = Project {
        engine,
        sandbox: &sandbox,
        name: name.clone(),
    };
    let web = Container::named(engine, &format!("{name}-web-1"));
    let up = || {
        hardrun(
            &sandbox,
            &strings(&[
                "--profile",
                "./production-nocat.yaml",
                "compose",
                "up",
                "-d",
            ]),
        )
    };
    // Under the profile as it is, the service does not work.
    let out = up();
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert!(
        !Check::Http(80, "/").passes(engine, &web, Duration::from_secs(5)),
        "{NGINX} works under production without an adjustment: this test shows nothing"
    );
    let before = web.format("{{.Id}}");
    let mut args = strings(&["--profile", "./production-nocat.yaml", "fit"]);
    args.extend(Check::Http(80, "/").fit_flags());
    args.extend(strings(&["--seconds", "20", "--write", "compose", "web"]));
    let started = Instant::now();
    let out = hardrun(&sandbox, &args);
    eprintln!(
        "observed [fit compose] took {:.1}s\n{}",
        started.elapsed().as_secs_f64(),
        out.all_output()
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert!(
        out.stderr.contains("service web (nginx:hardrun-lab)")
            && out.stderr.contains("trial 1: the profile as it is"),
        "{}",
        out.stderr
    );
    no_trial_left(engine, &out);
    // The project's own container is the one it was.
    assert_eq!(
        web.format("{{.Id}}"),
        before,
        "fit touched the project's container"
    );
    let found = Found::read(&out.stdout);
    assert!(
        found.writable.contains(&"/var/lib/nginx".to_owned()),
        "{found:?}"
    );
    let written = std::fs::read_to_string(sandbox.cwd().join(".hardrun.yaml")).unwrap();
    assert!(written.contains("  - service: \"web\"\n"), "{written}");
    assert!(!written.contains("image:"), "{written}");
    // `hardrun compose up` applies it: the service comes up and answers.
    let out = up();
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert_ne!(
        web.format("{{.Id}}"),
        before,
        "compose recreated the service"
    );
    let adjusted = web
        .format("{{index .Config.Labels \"io.hardrun.adjusted\"}}")
        .unwrap_or_default();
    assert!(adjusted.contains("/var/lib/nginx"), "{adjusted}");
    assert!(
        Check::Http(80, "/").passes(engine, &web, Duration::from_secs(15)),
        "{NGINX} fails its probe under the adjustment fit wrote:\n{written}\n{}",
        web.logs()
    );
    // Minimality through compose: without any one of its paths, the service fails again.
    for (i, path) in found.writable.iter().enumerate() {
        let mut less = found.writable.clone();
        less.remove(i);
        let mut project = "adjustments:\n  - service: \"web\"\n    reason: \"test\"\n".to_owned();
        if !less.is_empty() {
            project.push_str(&format!("    writable: [{}]\n", less.join(", ")));
        }
        sandbox.write(".hardrun.yaml", &project);
        let out = up();
        assert_eq!(out.code, Some(0), "{}", out.all_output());
        assert!(
            !Check::Http(80, "/").passes(engine, &web, Duration::from_secs(5)),
            "{NGINX} passes its probe without {path}: fit kept a path it does not need"
        );
    }
}

#[test]
fn fit_compose_names_an_unknown_service_and_a_missing_image() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    sandbox.write(
        "compose.yaml",
        &format!("services:\n  web:\n    image: {IMAGE}\n"),
    );
    let out = hardrun(
        &sandbox,
        &strings(&[
            "--profile",
            "./production-nocat.yaml",
            "fit",
            "compose",
            "wbe",
        ]),
    );
    assert_eq!(out.code, Some(2), "{}", out.all_output());
    assert!(
        out.stderr
            .contains("no service 'wbe' in the compose project (did you mean 'web'?)")
            && out.stderr.contains("\nhelp: its services are: web"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("trials named"), "{}", out.stderr);
    assert!(!sandbox.cwd().join(".hardrun.yaml").exists());
    // A service whose image is not here: fit neither pulls nor builds it.
    sandbox.write(
        "compose.yaml",
        "services:\n  web:\n    image: hardrun-test/never-built:0\n",
    );
    let out = hardrun(
        &sandbox,
        &strings(&[
            "--profile",
            "./production-nocat.yaml",
            "fit",
            "compose",
            "web",
        ]),
    );
    assert_eq!(out.code, Some(2), "{}", out.all_output());
    assert!(
        out.stderr
            .contains("image 'hardrun-test/never-built:0' of service 'web' is not present locally")
            && out.stderr.contains("\nhelp: build or pull it first"),
        "{}",
        out.stderr
    );
}

#[test]
fn fit_keeps_a_read_only_bind_such_as_a_configuration_file() {
    let Some(engine) = engine() else { return };
    let sandbox = sandbox(engine);
    let conf = sandbox.write("app.conf", "lab\n");
    let out = hardrun(
        &sandbox,
        &strings(&[
            "--profile",
            "./production-nocat.yaml",
            "fit",
            "--probe-cmd",
            "grep -q lab /etc/app.conf",
            "--seconds",
            "5",
            "run",
            "-v",
            &format!("{}:/etc/app.conf:ro", conf.display()),
            IMAGE,
            "sleep",
            "300",
        ]),
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    assert!(
        out.stdout.contains("no adjustment needed"),
        "{}",
        out.all_output()
    );
    no_trial_left(engine, &out);
}

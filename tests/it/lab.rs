//! The lab: hardrun's real server images (`tests/lab/build`: nginx, redis, postgres and a small
//! Python app, each started the way its official image starts), run detached through hardrun on
//! the real engine under `baseline`, `production` and `strict`, and probed: hardened and still
//! working.
//!
//! - With the catalogue: every image passes its probe under every built-in profile (pyapp, which
//!   no catalogue entry knows, with a hand-written project adjustment). Under `strict` the only
//!   waivers are `image-tag` (a local image has no registry digest to pin) and `content-trust`
//!   (nobody signed it in a notary); nothing else is waived. Inside, the container is looked at
//!   so that "working" is not bought by loosening: every process's `CapEff`, `NoNewPrivs` and
//!   uid, and a read-only `/` where the profile asks for one.
//! - Without the catalogue (a profile that extends each built-in and says `catalogue: off`):
//!   the probe fails under `production` for the images that need an exception, `hardrun fit
//!   --write` in a temporary project directory finds the adjustment, the run with that
//!   `.hardrun.yaml` passes, and without any one capability, path or user it added, the probe
//!   fails (fit's minimality, seen on the real service).
//!
//! The lab images are built by `tests/lab/build` (by `.ci/run` when missing). Without them the
//! tests skip loudly, and under `HARDRUN_E2E=required` that is a failure. Containers are named
//! `hr-lab-*` and removed with their anonymous volumes by a guard; every wait is bounded, and a
//! failure shows the container's logs and what hardrun said. Figures (fit's wall clock, the
//! outcome of each image under each profile) are printed as `observed [lab] …` lines.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::engine::{Engine, e2e_required, engine, show, stdout};
use crate::fit::Found;
use crate::support::{HARDRUN, Outcome, Sandbox};

/// The built-in profiles every lab image must work under.
const PROFILES: [&str; 3] = ["baseline", "production", "strict"];

/// The only waivers `strict` gets, for a local image: no registry digest, no notary signature.
const STRICT_WAIVERS: [&str; 4] = [
    "--allow",
    "image-tag=a local lab image: built here, no registry digest to pin",
    "--allow",
    "content-trust=a local lab image: nobody signed it in a notary",
];

/// Where the lab's password file is mounted in the postgres container.
const PG_SECRET: &str = "/run/secrets/postgres-password";

/// How the test tells that a lab image works.
#[derive(Clone, Copy)]
enum Probe {
    /// An HTTP GET of `/` on the container port, published on 127.0.0.1, answers 200.
    Http(u16),
    /// `docker exec` of the command prints the text.
    Exec(&'static [&'static str], &'static str),
}

/// One lab image.
struct Lab {
    key: &'static str,
    image: &'static str,
    probe: Probe,
    /// The same probe as `hardrun fit` flags.
    fit_probe: &'static [&'static str],
    /// How long it may take to start and pass.
    limit: Duration,
}

const NGINX: Lab = Lab {
    key: "nginx",
    image: "nginx:hardrun-lab",
    probe: Probe::Http(80),
    fit_probe: &["--probe-http", "80/"],
    limit: Duration::from_secs(15),
};

const REDIS: Lab = Lab {
    key: "redis",
    image: "redis:hardrun-lab",
    // PING answers even where redis cannot write; SAVE proves its data set reaches /data.
    probe: Probe::Exec(
        &["sh", "-c", "redis-cli PING && redis-cli SAVE"],
        "PONG\nOK",
    ),
    fit_probe: &[
        "--probe-cmd",
        "redis-cli PING | grep -q PONG && redis-cli SAVE | grep -q OK",
    ],
    limit: Duration::from_secs(15),
};

const POSTGRES: Lab = Lab {
    key: "postgres",
    image: "postgres:hardrun-lab",
    probe: Probe::Exec(
        &["pg_isready", "-U", "postgres", "-h", "127.0.0.1"],
        "accepting connections",
    ),
    fit_probe: &["--probe-cmd", "pg_isready -U postgres -h 127.0.0.1"],
    limit: Duration::from_secs(30),
};

const PYAPP: Lab = Lab {
    key: "pyapp",
    image: "hardrun-lab/pyapp:1",
    probe: Probe::Http(8000),
    fit_probe: &["--probe-http", "8000/"],
    limit: Duration::from_secs(15),
};

/// pyapp's adjustment, written by hand: no catalogue entry knows the image. It runs as its
/// `USER app` by number, so that the tmpfs over /app/cache is owned by it.
const PYAPP_PROJECT: &str = "adjustments:
  - image: hardrun-lab/pyapp
    reason: \"the app writes its cache file under /app/cache at start, as app (10001:10001)\"
    writable: [/app/cache]
    user: \"10001:10001\"
";

/// The engine, once the lab images are there; `None` (said loudly) when they are not and the
/// end-to-end tests are not required.
pub(crate) fn lab_engine() -> Option<&'static Engine> {
    let engine = engine()?;
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/build");
        let out = Command::new(&script)
            .arg("--check")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    });
    match ready {
        Ok(()) => Some(engine),
        Err(why) if e2e_required() => panic!(
            "the lab tests are mandatory under HARDRUN_E2E=required and the lab images are not \
             there: {why}\nhelp: run tests/lab/build (.ci/run does when they are missing)"
        ),
        Err(why) => {
            let _ = writeln!(
                std::io::stderr(),
                "\nSKIPPED: the lab tests need the lab images ({why}); run tests/lab/build"
            );
            None
        }
    }
}

/// A lab container: `docker rm -f -v` on drop (postgres and redis have anonymous volumes).
pub(crate) struct LabContainer {
    pub(crate) name: String,
    engine: &'static Engine,
}

impl LabContainer {
    pub(crate) fn new(engine: &'static Engine, test: &str) -> LabContainer {
        let container = LabContainer {
            name: format!("hr-lab-{test}-{}", std::process::id()),
            engine,
        };
        let _ = engine.docker(["rm", "-f", "-v", &container.name]);
        container
    }

    fn format(&self, format: &str) -> Option<String> {
        self.engine.inspect_format(&self.name, format)
    }

    /// Waits until `done` holds of `{{format}}` (empty while the container cannot be read) or
    /// the time is up; the last value.
    pub(crate) fn wait_for(
        &self,
        format: &str,
        limit: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let value = self.format(format).unwrap_or_default();
            if done(&value) || start.elapsed() > limit {
                return value;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn exec(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["exec", self.name.as_str()];
        all.extend(args);
        self.engine.docker(all)
    }

    /// Its state and logs, for a failure message.
    fn report(&self) -> String {
        let state = self
            .format("{{json .State}} restarts={{.RestartCount}}")
            .unwrap_or_else(|| "no such container".into());
        let logs = self.engine.docker(["logs", "--tail", "40", &self.name]);
        format!(
            "container {}: {state}\nits logs:\n{}{}",
            self.name,
            String::from_utf8_lossy(&logs.stdout),
            String::from_utf8_lossy(&logs.stderr)
        )
    }
}

impl Drop for LabContainer {
    fn drop(&mut self) {
        let _ = self.engine.docker(["rm", "-f", "-v", &self.name]);
    }
}

/// A free port on 127.0.0.1 (bound and released; the engine binds it next).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// The body of an HTTP GET of `/` when it answers 200.
fn http_get(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(stream, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.")
        .then_some(())
        .filter(|_| head.get(9..12) == Some("200"))?;
    Some(body.to_owned())
}

/// One run of a lab image through hardrun.
struct Run<'a> {
    lab: &'a Lab,
    /// The profile: a built-in name or a path in the sandbox.
    profile: &'a str,
    strict: bool,
    /// The published port for an HTTP probe.
    port: Option<u16>,
}

impl Run<'_> {
    /// hardrun's options and the `run -d` command line (without the name).
    fn args(&self, sandbox: &Sandbox, name: &str) -> Vec<String> {
        let mut args = vec!["--no-audit".into(), "--profile".into(), self.profile.into()];
        if self.strict {
            args.extend(STRICT_WAIVERS.map(str::to_owned));
        }
        args.extend(["run", "-d", "--name", name].map(str::to_owned));
        args.extend(self.options(sandbox));
        args.push(self.lab.image.into());
        args
    }

    /// The image's options: the published port, postgres's password as a mounted file.
    fn options(&self, sandbox: &Sandbox) -> Vec<String> {
        let mut options = Vec::new();
        if let (Probe::Http(inside), Some(port)) = (self.lab.probe, self.port) {
            options.extend(["-p".into(), format!("127.0.0.1:{port}:{inside}")]);
        }
        if self.lab.key == "postgres" {
            let secret = sandbox.write("postgres-password", "lab-password\n");
            options.extend([
                "-v".into(),
                format!("{}:{PG_SECRET}:ro", secret.display()),
                "-e".into(),
                format!("POSTGRES_PASSWORD_FILE={PG_SECRET}"),
            ]);
        }
        options
    }

    /// Starts it (hardrun must accept it) and waits, bounded, for the probe: `Ok` when it
    /// passes, `Err(why)` when it does not.
    fn start(
        &self,
        engine: &'static Engine,
        sandbox: &Sandbox,
        test: &str,
    ) -> (LabContainer, Outcome, Result<(), String>) {
        let container = LabContainer::new(engine, test);
        let mut command = sandbox.command(HARDRUN);
        command.args(self.args(sandbox, &container.name));
        let out = sandbox.outcome(command);
        assert_eq!(
            out.code,
            Some(0),
            "hardrun refused or failed to start {} under {}\n{out}",
            self.lab.image,
            self.profile
        );
        let probed = self.probe(&container);
        (container, out, probed)
    }

    fn probe(&self, container: &LabContainer) -> Result<(), String> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < self.lab.limit {
            let restarts = container.format("{{.RestartCount}}").unwrap_or_default();
            let running = container.format("{{.State.Running}}").unwrap_or_default();
            if restarts != "0" || running == "false" {
                return Err(format!(
                    "it is down (restarts {restarts}, running {running})"
                ));
            }
            let passed = match self.lab.probe {
                Probe::Http(_) => {
                    let port = self.port.expect("a published port for an HTTP probe");
                    let got = http_get(port);
                    last = format!("GET / on 127.0.0.1:{port}: {got:?}");
                    got.is_some()
                }
                Probe::Exec(args, expected) => {
                    let out = container.exec(args);
                    last = format!("{args:?}: {}", show(&out));
                    out.status.success() && stdout(&out).contains(expected)
                }
            };
            if passed {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!(
            "the probe did not pass within {:?}; last: {last}",
            self.lab.limit
        ))
    }
}

/// One process's view of itself, from `/proc/PID/status`.
#[derive(Debug)]
struct Process {
    pid: String,
    uid: u32,
    cap_eff: u64,
    no_new_privs: bool,
}

/// Every process of the container but the `docker exec` shell that reads them (which runs as
/// the container's configured user: root under baseline, whose entrypoints drop privileges
/// themselves).
fn processes(container: &LabContainer) -> Vec<Process> {
    let out = container.exec(&[
        "sh",
        "-c",
        "for f in /proc/[0-9]*/status; do [ \"$f\" = /proc/$$/status ] || echo \"$f $(grep -E '^(Uid|CapEff|NoNewPrivs):' \"$f\" | tr -s '\\t\\n' '  ')\"; done",
    ]);
    assert!(out.status.success(), "read /proc\n{}", show(&out));
    stdout(&out)
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = |key: &str| words.iter().position(|w| *w == key).map(|i| words[i + 1]);
            Some(Process {
                pid: words.first()?.to_string(),
                uid: at("Uid:")?.parse().ok()?,
                cap_eff: u64::from_str_radix(at("CapEff:")?, 16).ok()?,
                no_new_privs: at("NoNewPrivs:")? == "1",
            })
        })
        .collect()
}

/// The capabilities baseline drops (a bit each in `CapEff`): NET_RAW, MKNOD, AUDIT_WRITE.
const BASELINE_DROPPED: u64 = (1 << 13) | (1 << 27) | (1 << 29);

/// Looks inside: no process holds more than the profile allows, and `/` is read-only where the
/// profile asks for it. Returns a one-line summary.
fn look_inside(container: &LabContainer, profile: &str) -> String {
    let seen = processes(container);
    assert!(!seen.is_empty(), "no process read\n{}", container.report());
    for process in &seen {
        assert!(
            process.no_new_privs,
            "{profile}: NoNewPrivs is off in {}: {process:?}",
            process.pid
        );
        if profile == "baseline" {
            assert_eq!(
                process.cap_eff & BASELINE_DROPPED,
                0,
                "baseline: NET_RAW, MKNOD or AUDIT_WRITE is effective: {process:?}"
            );
        } else {
            assert_eq!(
                process.cap_eff, 0,
                "{profile}: a capability is effective: {process:?}"
            );
            assert_ne!(
                process.uid, 0,
                "{profile}: a process runs as root: {process:?}"
            );
        }
    }
    let read_only = container.format("{{.HostConfig.ReadonlyRootfs}}");
    if profile != "baseline" {
        assert_eq!(
            read_only.as_deref(),
            Some("true"),
            "{profile}: / is writable"
        );
        let write = container.exec(&["sh", "-c", "touch /.hr-lab-write"]);
        assert!(
            !write.status.success()
                && String::from_utf8_lossy(&write.stderr).contains("Read-only file system"),
            "{profile}: / takes a write\n{}",
            show(&write)
        );
    }
    format!(
        "uids {:?}, CapEff {:?}, NoNewPrivs on, read-only / {}",
        seen.iter().map(|p| p.uid).collect::<Vec<_>>(),
        seen.iter()
            .map(|p| format!("{:x}", p.cap_eff))
            .collect::<Vec<_>>(),
        read_only.unwrap_or_default()
    )
}

/// What else proves the service works beyond its probe: pyapp's cache file, written by its own
/// uid.
fn works_beyond_the_probe(lab: &Lab, container: &LabContainer) {
    if lab.key == "pyapp" {
        let out = container.exec(&["cat", "/app/cache/started.json"]);
        assert!(
            out.status.success() && stdout(&out).contains("\"uid\": 10001"),
            "pyapp's cache file is not written by app (10001)\n{}",
            show(&out)
        );
    }
}

/// Under strict, hardrun waived image-tag (and content-trust, which changes no container)
/// and nothing else.
fn only_the_local_image_waivers(out: &Outcome, container: &LabContainer) {
    for line in out
        .stderr
        .lines()
        .filter(|l| l.starts_with("hardrun: waived:"))
    {
        assert!(
            line.starts_with("hardrun: waived: image-tag:")
                || line.starts_with("hardrun: waived: content-trust"),
            "strict waived something else: {line}"
        );
    }
    let waived = container.format("{{index .Config.Labels \"io.hardrun.waived\"}}");
    assert_eq!(waived.as_deref(), Some("image-tag"), "{out}");
}

/// The image under each built-in profile with the catalogue on (and, for pyapp, its project
/// adjustment): the probe passes, the inside is as hardened as the profile says, and `hardrun
/// verify` accepts the container.
fn works_under_every_profile(lab: &Lab) {
    let Some(engine) = lab_engine() else { return };
    let sandbox = engine.sandbox();
    if lab.key == "pyapp" {
        sandbox.write(".hardrun.yaml", PYAPP_PROJECT);
    }
    for profile in PROFILES {
        let run = Run {
            lab,
            profile,
            strict: profile == "strict",
            port: matches!(lab.probe, Probe::Http(_)).then(free_port),
        };
        let test = format!("{}-{profile}", lab.key);
        let (container, out, probed) = run.start(engine, &sandbox, &test);
        if let Err(why) = probed {
            panic!(
                "{} fails its probe under {profile} with the catalogue: {why}\nhardrun said:\n{}\n{}",
                lab.image,
                out.stderr,
                container.report()
            );
        }
        works_beyond_the_probe(lab, &container);
        let inside = look_inside(&container, profile);
        if run.strict {
            only_the_local_image_waivers(&out, &container);
        }
        let adjusted = container
            .format("{{index .Config.Labels \"io.hardrun.adjusted\"}}")
            .unwrap_or_default();
        assert!(
            !adjusted.is_empty() || lab.key == "pyapp" && profile == "baseline",
            "{}: no adjustment recorded under {profile}",
            lab.image
        );
        let mut verify = sandbox.command(HARDRUN);
        verify.args(["verify", &container.name]);
        let verified = sandbox.outcome(verify);
        assert_eq!(
            verified.code,
            Some(0),
            "verify does not accept {} under {profile}\n{verified}",
            lab.image
        );
        eprintln!(
            "observed [lab] {} under {profile}: works; adjusted: {}; {inside}",
            lab.image,
            if adjusted.is_empty() {
                "nothing"
            } else {
                &adjusted
            }
        );
    }
}

#[test]
fn nginx_works_under_every_profile() {
    works_under_every_profile(&NGINX);
}

#[test]
fn redis_works_under_every_profile() {
    works_under_every_profile(&REDIS);
}

#[test]
fn postgres_works_under_every_profile() {
    works_under_every_profile(&POSTGRES);
}

#[test]
fn pyapp_works_under_every_profile() {
    works_under_every_profile(&PYAPP);
}

/// `extends: PROFILE` with the catalogue off, written into the sandbox; its path.
fn without_catalogue(sandbox: &Sandbox, profile: &str) -> String {
    let file = format!("{profile}-nocat.yaml");
    sandbox.write(&file, &format!("extends: {profile}\ncatalogue: off\n"));
    format!("./{file}")
}

/// With the catalogue off: the probe fails under production when the image needs an
/// exception; then, per profile, `fit --write` finds the adjustment, the run with it passes,
/// and without each of its elements the probe fails. fit's wall clock is printed.
fn fit_finds_what_it_needs(lab: &Lab, needs_an_exception: bool) {
    let Some(engine) = lab_engine() else { return };
    for profile in PROFILES {
        let sandbox = engine.sandbox();
        let nocat = without_catalogue(&sandbox, profile);
        let strict = profile == "strict";
        let run = Run {
            lab,
            profile: &nocat,
            strict,
            port: matches!(lab.probe, Probe::Http(_)).then(free_port),
        };
        if profile == "production" {
            let (container, out, probed) =
                run.start(engine, &sandbox, &format!("{}-nocat", lab.key));
            assert_eq!(
                probed.is_err(),
                needs_an_exception,
                "{} under production without the catalogue: {probed:?}\n{}\n{}",
                lab.image,
                out.stderr,
                container.report()
            );
        }
        // fit, in the sandbox's (temporary) project directory.
        let mut args = vec!["--no-audit".to_owned(), "--profile".into(), nocat.clone()];
        if strict {
            args.extend(STRICT_WAIVERS.map(str::to_owned));
        }
        args.push("fit".into());
        args.extend(lab.fit_probe.iter().map(|s| (*s).to_owned()));
        args.extend([
            "--seconds".into(),
            lab.limit.as_secs().to_string(),
            "--write".into(),
            "run".into(),
        ]);
        args.extend(run.options(&sandbox));
        args.push(lab.image.into());
        let mut command = sandbox.command(HARDRUN);
        command.args(&args);
        let started = Instant::now();
        let fitted = sandbox.outcome(command);
        let took = started.elapsed();
        assert_eq!(
            fitted.code,
            Some(0),
            "fit {} under {profile}\n{fitted}",
            lab.image
        );
        let found = Found::read(&fitted.stdout);
        let project = sandbox.cwd().join(".hardrun.yaml");
        let written = std::fs::read_to_string(&project).unwrap_or_default();
        assert_eq!(
            found.is_empty(),
            written.is_empty(),
            "fit printed one adjustment and wrote another\n{fitted}\n{written}"
        );
        eprintln!(
            "observed [lab] fit {} under {profile} (catalogue off): {:.1}s: {}",
            lab.image,
            took.as_secs_f64(),
            fitted
                .stdout
                .lines()
                .find(|l| l.starts_with('#'))
                .unwrap_or_default()
        );
        // The run with what fit wrote passes its probe.
        let (container, out, probed) =
            run.start(engine, &sandbox, &format!("{}-{profile}-fit", lab.key));
        if let Err(why) = probed {
            panic!(
                "{} fails its probe under {profile} with the adjustment fit wrote: {why}\n{written}\nhardrun said:\n{}\n{}",
                lab.image,
                out.stderr,
                container.report()
            );
        }
        works_beyond_the_probe_after_fit(lab, &container);
        drop(container);
        // Minimality: each capability, path or user it added is needed.
        for (what, less) in found.without_each() {
            let text = if less.is_empty() {
                String::new()
            } else {
                less.project_file(lab.image)
            };
            std::fs::write(&project, text).expect("write the project file");
            let name = format!(
                "{}-{profile}-less-{}",
                lab.key,
                what.replace(['/', ' ', ':'], "-").to_lowercase()
            );
            let (container, out, probed) = run.start(engine, &sandbox, &name);
            assert!(
                probed.is_err(),
                "{} passes its probe under {profile} without {what}: fit kept what it does not need\n{}\n{}",
                lab.image,
                out.stderr,
                container.report()
            );
        }
    }
}

/// pyapp's cache file, whoever fit runs it as.
fn works_beyond_the_probe_after_fit(lab: &Lab, container: &LabContainer) {
    if lab.key == "pyapp" {
        let out = container.exec(&["test", "-s", "/app/cache/started.json"]);
        assert!(
            out.status.success(),
            "no cache file\n{}",
            container.report()
        );
    }
}

#[test]
fn fit_finds_nginx_s_adjustment_and_each_part_is_needed() {
    fit_finds_what_it_needs(&NGINX, true);
}

#[test]
fn fit_finds_redis_s_adjustment_and_each_part_is_needed() {
    // PING alone answers under production as it is (redis runs as the profile's user and
    // writes nothing at start); SAVE into /data, owned by redis, needs its user.
    fit_finds_what_it_needs(&REDIS, true);
}

#[test]
fn fit_finds_postgres_s_adjustment_and_each_part_is_needed() {
    fit_finds_what_it_needs(&POSTGRES, true);
}

#[test]
fn fit_finds_pyapp_s_adjustment_and_each_part_is_needed() {
    fit_finds_what_it_needs(&PYAPP, true);
}

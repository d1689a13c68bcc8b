//! `hardrun stack deploy` on the real engine: what the docker CLI's loader makes of the
//! hardened stack (`docker stack config`, no swarm needed), and a stack deployed on a
//! single-node swarm, looked at inside its task containers and checked by `hardrun verify`.
//!
//! The swarm lives for one test only: `docker swarm init --advertise-addr 127.0.0.1`, and a
//! guard that removes the stack, leaves the swarm (`--force`) and removes the `docker_gwbridge`
//! network the swarm created, even when the test fails. An engine already in a swarm is not
//! touched: the test fails and says so. Images are the local test images (`--resolve-image
//! never`: nothing is pulled).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::e2e::{UNTIL_TERM, hex_mask, probe_inside};
use crate::engine::{Container, Engine, IMAGE, e2e_required, engine, show, stdout};
use crate::support::Sandbox;

/// A docker CLI with `docker stack config` (CLI 23 and later), which hardrun needs to read a
/// stack: the engine's own CLI, else the first on `PATH` that has it. `None` (said loudly) when
/// there is none; a failure under `HARDRUN_E2E=required`.
fn stack_docker(engine: &Engine) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::iter::once(engine.docker.clone())
        .chain(std::env::split_paths(&path).map(|dir| dir.join("docker")));
    for candidate in candidates {
        let has_config = std::process::Command::new(&candidate)
            .args(["stack", "config", "--help"])
            .output()
            .is_ok_and(|o| o.status.success() && stdout(&o).contains("docker stack config"));
        if has_config {
            return Some(candidate);
        }
    }
    let message = "no docker CLI here has `docker stack config` (CLI 23 and later): the stack deploy tests cannot run";
    assert!(!e2e_required(), "{message} (HARDRUN_E2E=required)");
    eprintln!("SKIPPED: {message}");
    None
}

/// The engine's sandbox, handing off to `docker`.
fn sandbox_with(engine: &Engine, docker: &Path) -> Sandbox {
    let mut sandbox = engine.sandbox();
    sandbox.env("HARDRUN_DOCKER", docker);
    sandbox
}

/// A stack of two services of the plain test image: one that says no-new-privileges (which
/// Swarm ignores), one bare.
fn stack_file(sandbox: &Sandbox) {
    sandbox.write(
        "compose.yaml",
        &format!(
            r#"services:
  web:
    image: {IMAGE}
    command: ["sh", "-c", {UNTIL_TERM:?}]
    security_opt: ["no-new-privileges:true"]
    environment:
      GREETING: "$${{literal}}"
  worker:
    image: {IMAGE}
    command: ["sleep", "300"]
"#
        ),
    );
}

#[test]
fn the_hardened_stack_is_what_the_docker_loader_reads_and_names_what_swarm_cannot_express() {
    let Some(engine) = engine() else { return };
    let Some(docker) = stack_docker(engine) else {
        return;
    };
    let sandbox = sandbox_with(engine, &docker);
    stack_file(&sandbox);
    let out = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "--explain",
        "stack",
        "deploy",
        "-c",
        "compose.yaml",
        "hr-swarm-dry",
    ]);
    out.assert_code(0);
    // The dry run is the stack docker would get; its own loader reads it.
    let mut config = std::process::Command::new(&docker);
    config.args(["stack", "config", "-c", "-"]);
    let resolved = pipe(config, out.stdout.as_bytes());
    assert!(resolved.status.success(), "{}", show(&resolved));
    let model = hardrun_yaml(&stdout(&resolved));
    for name in ["web", "worker"] {
        let service = &model["services"][name];
        assert_eq!(service["read_only"], true, "{name}");
        assert_eq!(service["user"], "1000:1000");
        assert_eq!(service["cap_drop"], serde_json::json!(["ALL"]));
        assert_eq!(service["cap_add"], serde_json::json!(["NET_BIND_SERVICE"]));
        let limits = &service["deploy"]["resources"]["limits"];
        assert_eq!(limits["pids"], 100);
        assert_eq!(limits["memory"], "536870912");
        assert_eq!(service["deploy"]["restart_policy"]["condition"], "any");
        assert_eq!(service["logging"]["options"]["max-size"], "10m");
        assert_eq!(service["labels"]["io.hardrun.profile"], "production");
        let tmpfs: Vec<&Value> = service["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .filter(|v| v["type"] == "tmpfs")
            .collect();
        assert_eq!(tmpfs.len(), 2, "{name}: {tmpfs:?}");
    }
    // A `$` of a value survives the loader's second interpolation.
    assert_eq!(
        model["services"]["web"]["environment"]["GREETING"],
        "${literal}"
    );
    let explain = out.stderr.as_str();
    for said in [
        "services.web.security_opt is ignored by docker stack deploy",
        "Swarm on engine API",
        "a Swarm service cannot be given no-new-privileges",
        "a Swarm tmpfs cannot have these options",
    ] {
        assert!(
            explain.contains(said),
            "--explain lacks {said:?}:\n{explain}"
        );
    }

    // strict refuses what Swarm cannot express, and names the way out.
    let strict = sandbox.run([
        "--profile",
        "strict",
        "--dry-run",
        "stack",
        "deploy",
        "-c",
        "compose.yaml",
        "hr-swarm-dry",
    ]);
    strict.assert_code(125);
    assert!(
        strict.stderr.contains("inexpressible: deny")
            && strict.stderr.contains("--allow no-new-privileges=REASON"),
        "{strict:?}"
    );
}

/// Runs `command` with `input` on stdin.
fn pipe(mut command: std::process::Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("the stack is written");
    child.wait_with_output().expect("docker ends")
}

/// Reads YAML the way hardrun reads compose output.
fn hardrun_yaml(text: &str) -> Value {
    hardrun::compose::yaml::parse(text).expect("the loader printed YAML")
}

/// A single-node swarm for one test; the stack removed, the swarm left and its bridge network
/// removed on drop, whatever happened.
struct Swarm {
    engine: &'static Engine,
    stack: String,
    bridge_was_there: bool,
}

impl Swarm {
    fn init(engine: &'static Engine, stack: &str) -> Swarm {
        let state = engine.docker_ok(["info", "--format", "{{.Swarm.LocalNodeState}}"]);
        assert_eq!(
            state.trim(),
            "inactive",
            "this engine is already part of a swarm ({}): the swarm test creates and leaves a swarm of its own, so it does not run here; leave the swarm (`docker swarm leave`) or run the tests on another engine",
            state.trim()
        );
        let bridge_was_there = engine
            .docker(["network", "inspect", "docker_gwbridge"])
            .status
            .success();
        let swarm = Swarm {
            engine,
            stack: stack.to_owned(),
            bridge_was_there,
        };
        let init = engine.docker(["swarm", "init", "--advertise-addr", "127.0.0.1"]);
        assert!(init.status.success(), "{}", show(&init));
        swarm
    }

    /// The running task containers with `label`, once there are `count` of them.
    fn tasks(&self, label: &str, count: usize, limit: Duration) -> Vec<String> {
        self.tasks_with(&[label], count, limit)
    }

    /// The running task containers with every one of `labels`, once there are `count` of them.
    fn tasks_with(&self, labels: &[&str], count: usize, limit: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let mut args = vec!["ps".to_owned()];
            for label in labels {
                args.extend(["--filter".to_owned(), format!("label={label}")]);
            }
            args.extend(
                ["--filter", "status=running", "--format", "{{.Names}}"].map(str::to_owned),
            );
            let out = self.engine.docker(&args);
            let names: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
            if names.len() >= count {
                return names;
            }
            if start.elapsed() > limit {
                let ps = self.engine.docker([
                    "stack",
                    "ps",
                    "--no-trunc",
                    "--format",
                    "{{.Name}} {{.CurrentState}} {{.Error}}",
                    &self.stack,
                ]);
                panic!(
                    "{} of {count} tasks running after {limit:?}:\n{}",
                    names.len(),
                    show(&ps)
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        let _ = self.engine.docker(["stack", "rm", &self.stack]);
        let _ = self.engine.docker(["swarm", "leave", "--force"]);
        if !self.bridge_was_there {
            let _ = self.engine.docker(["network", "rm", "docker_gwbridge"]);
        }
    }
}

#[test]
fn a_production_stack_runs_every_control_swarm_can_express() {
    let Some(engine) = engine() else { return };
    let Some(docker) = stack_docker(engine) else {
        return;
    };
    let stack = format!("hr-swarm-e2e-{}", std::process::id());
    let sandbox = sandbox_with(engine, &docker);
    stack_file(&sandbox);
    let swarm = Swarm::init(engine, &stack);
    let out = sandbox.run([
        "--profile",
        "production",
        "stack",
        "deploy",
        "-c",
        "compose.yaml",
        "--resolve-image",
        "never",
        &stack,
    ]);
    out.assert_code(0);
    assert!(
        out.stderr.contains("no-new-privileges"),
        "the warning names what Swarm cannot express: {out:?}"
    );
    let tasks = swarm.tasks(
        &format!("com.docker.stack.namespace={stack}"),
        2,
        Duration::from_secs(60),
    );
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    for task in &tasks {
        // Named by Swarm, not by the test: `Container` only to look inside it.
        let container = Container::named(engine, task);
        let inside = probe_inside(engine, &container);
        eprintln!("observed [swarm {task}] inside: {inside:?}");
        assert_production_task(engine, task, &inside);
        assert_eq!(inside["gid"], "1000", "{task}");
        assert_eq!(
            hex_mask(inside.get("CapBnd")),
            1 << 10,
            "{task}: only NET_BIND_SERVICE is bounded"
        );
        assert!(
            inside["tmp_exec"].contains("Permission denied"),
            "{task}: noexec /tmp ran a script: {}",
            inside["tmp_exec"]
        );
        let inspect = engine.inspect(task);
        let host = &inspect["HostConfig"];
        assert_eq!(host["ReadonlyRootfs"], true);
        assert_eq!(host["NanoCpus"], 1_000_000_000_i64);
        if engine.swap_limit {
            // The profile's 1g of memory plus swap is the daemon's default for 512m.
            assert_eq!(host["MemorySwap"], 1_073_741_824_i64);
            assert_eq!(inside["swap"], "1073741824", "{task}");
        }
        assert_eq!(host["LogConfig"]["Config"]["max-file"], "3");
        assert_eq!(
            inspect["Config"]["Labels"]["io.hardrun.profile"],
            "production"
        );

        verified_as_a_task(&sandbox, task);
    }
    service_create(engine, &swarm, &sandbox);
    service_update(engine, &swarm, &sandbox);
    lab_stack(&swarm, &docker);
    drop(swarm);
    let state = engine.docker_ok(["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    assert_eq!(state.trim(), "inactive", "the swarm is left");
}

/// A task container hardened under production as far as Swarm can: a read-only root, the
/// profile's user 1000, no effective capability, the profile's pids and memory limits, a
/// writable /tmp; and no no-new-privileges, which Swarm cannot express (as --explain says).
fn assert_production_task(engine: &Engine, task: &str, inside: &BTreeMap<String, String>) {
    assert_root_read_only(engine, task);
    assert_eq!(inside["uid"], "1000", "{task}");
    assert_eq!(hex_mask(inside.get("CapEff")), 0, "{task}: CapEff");
    assert_eq!(inside["NoNewPrivs"], "0", "{task}");
    assert_eq!(inside["pids"], "100", "{task}");
    assert_eq!(inside["memory"], "536870912", "{task}");
    assert_eq!(inside["tmp_write"], "ok", "{task}: /tmp");
}

/// A write to `/` as root inside the task fails: its root filesystem is read-only.
fn assert_root_read_only(engine: &Engine, task: &str) {
    let root_write = engine.docker(["exec", "-u", "0", task, "touch", "/hardrun-x"]);
    assert!(
        String::from_utf8_lossy(&root_write.stderr).contains("Read-only file system"),
        "{task}: {}",
        show(&root_write)
    );
}

/// `hardrun verify` on a task: every rule passes but the two Swarm does not give a task
/// container (no-new-privileges cannot be expressed; Swarm restarts the task, the container
/// itself has no restart policy).
fn verified_as_a_task(sandbox: &Sandbox, task: &str) {
    let verified = sandbox.run(["--format", "json", "verify", task]);
    let failed: Vec<String> = verified.json()["containers"][0]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["verdict"] != "pass")
        .map(|v| format!("{} {}", v["rule"], v["verdict"]))
        .collect();
    assert_eq!(
        failed,
        [
            "\"no-new-privileges\" \"fail\"",
            "\"restart-policy\" \"fail\""
        ],
        "{task}: {verified:?}"
    );
}

/// A stack of lab servers on the same swarm under production: redis and postgres (its password
/// a Swarm secret) keep working hardened, looked at inside, probed and verified; nginx's
/// writable directories are a tmpfs Swarm cannot give an owner, and `--explain` says so.
fn lab_stack(swarm: &Swarm, docker: &Path) {
    let Some(engine) = crate::lab::lab_engine() else {
        return;
    };
    let stack = format!("hr-swarm-lab-{}", std::process::id());
    let sandbox = sandbox_with(engine, docker);
    sandbox.write("pg.txt", "not-a-real-password\n");
    sandbox.write(
        "lab.yaml",
        r#"services:
  cache:
    image: redis:hardrun-lab
  db:
    image: postgres:hardrun-lab
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/pg
    secrets: [pg]
secrets:
  pg:
    file: ./pg.txt
"#,
    );
    let out = sandbox.run([
        "--profile",
        "production",
        "stack",
        "deploy",
        "-c",
        "lab.yaml",
        "--resolve-image",
        "never",
        &stack,
    ]);
    out.assert_code(0);
    let namespace = format!("com.docker.stack.namespace={stack}");
    let task = |service: &str| {
        let label = format!("com.docker.swarm.service.name={stack}_{service}");
        swarm.tasks_with(&[&namespace, &label], 1, Duration::from_secs(90))[0].clone()
    };
    let (cache, db) = (task("cache"), task("db"));
    let probe = |task: &str, args: &[&str], want: &str| {
        let start = Instant::now();
        loop {
            let mut words = vec!["exec", task];
            words.extend_from_slice(args);
            let out = engine.docker(&words);
            if stdout(&out).contains(want) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{task}: `{}` never said {want:?}: {}",
                args.join(" "),
                show(&out)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    };
    probe(&cache, &["redis-cli", "PING"], "PONG");
    probe(&cache, &["redis-cli", "SAVE"], "OK");
    probe(
        &db,
        &["pg_isready", "-h", "127.0.0.1"],
        "accepting connections",
    );
    for task in [&cache, &db] {
        let container = Container::named(engine, task);
        let inside = probe_inside(engine, &container);
        eprintln!("observed [swarm lab {task}] inside: {inside:?}");
        assert_eq!(inside["uid"], "999", "{task}: the image's own account");
        assert_eq!(hex_mask(inside.get("CapEff")), 0, "{task}: CapEff");
        assert_eq!(inside["pids"], "100", "{task}");
        assert_root_read_only(engine, task);
        verified_as_a_task(&sandbox, task);
    }
    let _ = engine.docker(["stack", "rm", &stack]);

    // nginx: its writable directories exist in the image, and a Swarm tmpfs has no owner.
    sandbox.write(
        "web.yaml",
        "services:\n  web:\n    image: nginx:hardrun-lab\n",
    );
    let explain = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "--explain",
        "stack",
        "deploy",
        "-c",
        "web.yaml",
        &stack,
    ]);
    explain.assert_code(0);
    let plain = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "stack",
        "deploy",
        "-c",
        "web.yaml",
        &stack,
    ]);
    plain.assert_code(0);
    assert!(
        plain.stderr.contains(
            "hardrun: warning: read-only-rootfs: a Swarm tmpfs cannot be given the container user's owner: /var/cache/nginx, /var/lib/nginx, /var/log/nginx, /run will belong to root"
        ),
        "said without --explain too: {plain}"
    );
    assert!(
        explain
            .stderr
            .contains("/var/lib/nginx (mode=1777,uid=1000,gid=1000)")
            && explain
                .stderr
                .contains("the container's user may not be able to write there"),
        "{explain}"
    );
}

/// `hardrun service create` on the same swarm: the flags of its own table, the tmpfs with the
/// mode a service can give it.
fn service_create(engine: &'static Engine, swarm: &Swarm, sandbox: &Sandbox) {
    let name = format!("hr-swarm-svc-{}", std::process::id());
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "create",
        "--detach",
        "--name",
        &name,
        "--no-resolve-image",
        IMAGE,
        "sh",
        "-c",
        UNTIL_TERM,
    ]);
    out.assert_code(0);
    let tasks = swarm.tasks(
        &format!("com.docker.swarm.service.name={name}"),
        1,
        Duration::from_secs(60),
    );
    let task = &tasks[0];
    let container = Container::named(engine, task);
    let inside = probe_inside(engine, &container);
    eprintln!("observed [service {task}] inside: {inside:?}");
    assert_production_task(engine, task, &inside);
    let inspect = engine.inspect(task);
    assert_eq!(inspect["HostConfig"]["ReadonlyRootfs"], true);
    assert_eq!(
        inspect["Config"]["Labels"]["io.hardrun.profile"],
        "production"
    );
    let _ = engine.docker(["service", "rm", &name]);
}

/// `hardrun service update` of a service created unhardened by docker itself: a refused update
/// leaves it as it was; the hardening update gives its new task every control a service can
/// express, and `hardrun verify` agrees.
fn service_update(engine: &'static Engine, swarm: &Swarm, sandbox: &Sandbox) {
    let name = format!("hr-swarm-upd-{}", std::process::id());
    engine.docker_ok([
        "service",
        "create",
        "--detach",
        "--name",
        &name,
        "--no-resolve-image",
        IMAGE,
        "sh",
        "-c",
        UNTIL_TERM,
    ]);
    let service_label = format!("com.docker.swarm.service.name={name}");
    let first = swarm.tasks(&service_label, 1, Duration::from_secs(60));
    let version = || {
        engine.docker_ok([
            "service",
            "inspect",
            "--format",
            "{{.Version.Index}}",
            &name,
        ])
    };
    let before = version();
    let refused = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--detach",
        "--mount-add",
        "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
        &name,
    ]);
    refused.assert_code(125);
    assert!(refused.stderr.contains("no-docker-socket"), "{refused:?}");
    assert_eq!(
        version(),
        before,
        "a refused update leaves the service as it was"
    );
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--detach",
        "--no-resolve-image",
        &name,
    ]);
    out.assert_code(0);
    assert_ne!(version(), before, "the service was updated");
    let tasks = swarm.tasks_with(
        &[&service_label, "io.hardrun.profile=production"],
        1,
        Duration::from_secs(90),
    );
    let task = &tasks[0];
    assert!(!first.contains(task), "a new task: {first:?} {task}");
    let container = Container::named(engine, task);
    let inside = probe_inside(engine, &container);
    eprintln!("observed [service update {task}] inside: {inside:?}");
    assert_production_task(engine, task, &inside);
    assert_eq!(
        hex_mask(inside.get("CapBnd")),
        1 << 10,
        "only NET_BIND_SERVICE"
    );
    verified_as_a_task(sandbox, task);
    // Hardened once, the service needs nothing more: the update runs as typed.
    let again = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "service",
        "update",
        "--detach",
        &name,
    ]);
    again.assert_code(0);
    assert_eq!(
        again.stdout.trim(),
        format!("docker service update --detach {name}"),
        "{again:?}"
    );
    let _ = engine.docker(["service", "rm", &name]);
}

/// A sandbox whose fake docker answers `service inspect` with `service` (a fixture of
/// `tests/fixtures/swarm/`, as a list of one) or fails it, names the host network, and says API
/// 1.41; every other call is recorded as the handoff.
fn fake_swarm(service: Option<&str>) -> Sandbox {
    let mut sandbox = Sandbox::new();
    let inspect = match service {
        Some(name) => {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/swarm")
                .join(name);
            format!("printf '['; cat '{}'; printf ']'; exit 0", path.display())
        }
        None => "echo 'Error: no such service: web' >&2; exit 1".to_owned(),
    };
    sandbox.env(
        "FAKE_DOCKER_SCRIPT",
        format!(
            r#"case "$1 $2" in
  "service inspect") {inspect};;
  "network inspect") echo "fr9ku6c20p95ujcz3wg0rzaet host"; exit 0;;
  "version --format") echo 1.41; exit 0;;
esac"#
        ),
    );
    sandbox
}

/// The words docker got, as strings.
fn handed(out: &crate::support::Outcome) -> Vec<String> {
    out.docker_words()
}

#[test]
fn an_update_gets_the_hardening_the_service_lacks_before_the_service_name() {
    let sandbox = fake_swarm(Some("plain.json"));
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--image",
        "hardrun-test/busybox:1",
        "-d",
        "web",
    ]);
    out.assert_code(0);
    let argv = handed(&out);
    let user: Vec<String> = [
        "service",
        "update",
        "--image",
        "hardrun-test/busybox:1",
        "-d",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_eq!(argv[..5], user[..], "{out}");
    assert_eq!(argv.last().map(String::as_str), Some("web"));
    let line = argv.join(" ");
    for flag in [
        "--cap-drop ALL --cap-add NET_BIND_SERVICE",
        "--user 1000:1000",
        "--limit-memory 512m",
        "--limit-pids 100",
        "--read-only",
        "--mount-add type=tmpfs,dst=/tmp,tmpfs-size=104857600,tmpfs-mode=1777",
        "--log-driver json-file --log-opt max-size=10m --log-opt max-file=3",
        "--container-label-add io.hardrun.profile=production",
    ] {
        assert!(line.contains(flag), "{flag:?} missing: {line}");
    }
    // The plain service restarts on any exit already (Swarm's default).
    assert!(!line.contains("--restart-condition"), "{line}");
}

#[test]
fn an_update_is_judged_on_the_service_it_leaves_and_refusals_run_nothing() {
    // The probed service adds NET_ADMIN and is on the host network.
    let sandbox = fake_swarm(Some("probed.json"));
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--image",
        "hardrun-test/busybox:1",
        "web",
    ]);
    out.assert_code(125);
    assert!(out.stderr.contains("no-host-namespaces"), "{out}");
    assert_ne!(
        handed(&out)[..2],
        ["service", "update"],
        "the update never ran: {out}"
    );
    // The update's own flags: the socket, every capability.
    let sandbox = fake_swarm(Some("plain.json"));
    for flags in [
        &["--mount-add", "type=bind,src=/var/run/docker.sock,dst=/s"][..],
        &["--cap-add", "ALL"][..],
    ] {
        let mut args = vec!["--profile", "production", "service", "update"];
        args.extend(flags);
        args.push("web");
        let out = sandbox.run(&args);
        out.assert_code(125);
        assert!(
            out.stderr.contains(flags[1]),
            "the refusal names {flags:?}: {out}"
        );
        assert!(out.stderr.contains("help:"), "{out}");
        assert_ne!(handed(&out)[..2], ["service", "update"], "{out}");
    }
    // A service hardrun cannot inspect is not judged, and not updated.
    let sandbox = fake_swarm(None);
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--read-only",
        "web",
    ]);
    out.assert_code(125);
    assert!(
        out.stderr.contains("cannot inspect the service \"web\""),
        "{out}"
    );
    assert!(out.stderr.contains("no such service"), "{out}");
}

#[test]
fn a_rollback_is_judged_on_the_previous_spec_and_passes_only_as_typed() {
    // The previous spec of the updated service has no limits: a rollback cannot add them.
    let sandbox = fake_swarm(Some("updated.json"));
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--rollback",
        "web",
    ]);
    out.assert_code(125);
    assert!(
        out.stderr.contains("a rollback returns to lacks this"),
        "{out}"
    );
    assert!(out.stderr.contains("--allow pids-limit=REASON"), "{out}");
    // Waived, it runs as typed.
    let mut args: Vec<String> = Vec::new();
    for rule in [
        "cpu-limit",
        "drop-capabilities",
        "healthcheck",
        "log-rotation",
        "memory-limit",
        "non-root-user",
        "pids-limit",
        "read-only-rootfs",
        "no-dangerous-capabilities",
        "no-host-namespaces",
    ] {
        args.extend([
            "--allow".to_owned(),
            format!("{rule}=rolling back an incident"),
        ]);
    }
    args.extend(
        [
            "--profile",
            "production",
            "service",
            "update",
            "--rollback",
            "-d",
            "web",
        ]
        .map(str::to_owned),
    );
    let out = sandbox.run(&args);
    out.assert_code(0);
    assert_eq!(
        handed(&out),
        ["service", "update", "--rollback", "-d", "web"],
        "{out}"
    );
    // docker refuses --rollback with other flags; so does hardrun, before asking anything.
    let out = sandbox.run(["service", "update", "--rollback", "--read-only", "web"]);
    out.assert_code(125);
    assert!(
        out.stderr.contains("--rollback is given with --read-only"),
        "{out}"
    );
    out.assert_docker_not_run();
}

#[test]
fn the_dry_run_shows_the_hardened_update_and_other_service_commands_pass_through() {
    let sandbox = fake_swarm(Some("plain.json"));
    let out = sandbox.run([
        "--profile",
        "baseline",
        "--dry-run",
        "--format",
        "json",
        "service",
        "update",
        "--env-add",
        "API_TOKEN=hunter2",
        "web",
    ]);
    out.assert_code(0);
    let report = out.json();
    let command: Vec<String> = report["command"]
        .as_array()
        .unwrap_or_else(|| panic!("a command: {report:#}"))
        .iter()
        .map(|w| w.as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        !out.stdout.contains("hunter2"),
        "the secret is masked: {out}"
    );
    assert_eq!(
        command.last().map(String::as_str),
        Some("web"),
        "{command:?}"
    );
    assert!(
        command.iter().any(|w| w == "--container-label-add"),
        "the provenance labels: {command:?}"
    );
    assert!(command.iter().any(|w| w == "--env-add"), "{command:?}");
    for line in [
        &["service", "update", "--help"][..],
        &["service", "ls"][..],
        &["service", "update", "one", "two"][..],
    ] {
        let out = sandbox.run(line);
        out.assert_code(0);
        assert_eq!(handed(&out), line, "{out}");
    }
}

/// The long flags of a `--help` text: each option line's `--name`.
fn help_flags(help: &str) -> std::collections::BTreeSet<String> {
    help.lines()
        // An option's line is indented a little; its description's continuation lines a lot.
        .filter(|line| line.len() - line.trim_start().len() < 8)
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .filter_map(|line| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix("--"))
                .map(|name| name.trim_end_matches(',').to_owned())
        })
        .collect()
}

#[test]
fn the_service_flag_tables_are_the_docker_clis() {
    let Some(engine) = engine() else { return };
    // Hidden by the CLI below their API version (1.44 and 1.46), on this engine's 1.41; and
    // `--help`, which docker's help does not list.
    let hidden = ["health-start-interval", "oom-score-adj", "help"];
    for (command, table) in [
        ("create", hardrun::swarm::service::SERVICE_CREATE_FLAGS),
        ("update", hardrun::swarm::update::SERVICE_UPDATE_FLAGS),
    ] {
        let help = engine.docker_ok(["service", command, "--help"]);
        let docker = help_flags(&help);
        let ours: std::collections::BTreeSet<String> =
            table.iter().map(|f| f.long.to_owned()).collect();
        let missing: Vec<&String> = docker.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "service {command}: not in hardrun's table: {missing:?}"
        );
        let extra: Vec<&String> = ours
            .difference(&docker)
            .filter(|f| !hidden.contains(&f.as_str()))
            .collect();
        assert!(
            extra.is_empty(),
            "service {command}: not in docker's help: {extra:?}"
        );
        for flag in table
            .iter()
            .filter(|f| f.short.is_some() && f.long != "help")
        {
            let letter = flag.short.expect("a letter");
            assert!(
                help.contains(&format!("-{letter}, --{}", flag.long)),
                "service {command}: -{letter} is not --{}",
                flag.long
            );
        }
    }
}

#[test]
fn explain_names_what_the_update_cannot_express_and_strict_refuses_it() {
    let sandbox = fake_swarm(Some("plain.json"));
    let out = sandbox.run([
        "--profile",
        "production",
        "--explain",
        "--dry-run",
        "service",
        "update",
        "web",
    ]);
    out.assert_code(0);
    for said in [
        "the service \"web\" as the update leaves it",
        "Swarm on engine API 1.41",
        "a Swarm service cannot be given no-new-privileges",
        "kept      restart-policy",
        // Each change in the words the update is handed, not `docker run`'s.
        "+ --limit-memory 512m",
        "+ --limit-pids 100",
        "--mount-add type=tmpfs,dst=/tmp,",
        "--container-label-add io.hardrun.profile=production",
    ] {
        assert!(out.stderr.contains(said), "--explain lacks {said:?}: {out}");
    }
    for run_only in ["+ --memory", "+ --pids-limit", "--tmpfs /tmp", "+ --cpus"] {
        assert!(!out.stderr.contains(run_only), "{run_only:?} shown: {out}");
    }
    assert!(
        out.stdout
            .starts_with("docker service update --limit-cpu 1.0"),
        "{out}"
    );
    let json = sandbox.run([
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
        "service",
        "create",
        "hardrun-test/busybox:1",
    ]);
    json.assert_code(0);
    let report: Value = serde_json::from_str(&json.stdout).expect("the JSON report");
    let flags: Vec<&str> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .flat_map(|c| c["flags"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    for flag in [
        "--limit-memory",
        "--limit-pids",
        "--limit-cpu",
        "--container-label",
    ] {
        assert!(flags.contains(&flag), "{flag} not in {flags:?}");
    }
    assert!(!flags.contains(&"--memory"), "{flags:?}");
    let strict = sandbox.run(["--profile", "strict", "service", "update", "web"]);
    strict.assert_code(125);
    assert!(
        strict.stderr.contains("inexpressible: deny")
            && strict.stderr.contains("--allow no-new-privileges=REASON"),
        "{strict}"
    );
    assert_ne!(handed(&strict)[..2], ["service", "update"], "{strict}");
}

#[test]
fn an_update_rewrites_hardruns_record_of_an_earlier_hardening() {
    // Hardened with baseline and a waiver before; production now, without it.
    let sandbox = fake_swarm(Some("recorded.json"));
    let out = sandbox.run(["--profile", "production", "service", "update", "web"]);
    out.assert_code(0);
    let line = handed(&out).join(" ");
    assert!(
        line.contains("--container-label-rm io.hardrun.waived"),
        "{line}"
    );
    assert!(
        line.contains("--container-label-add io.hardrun.profile=production"),
        "{line}"
    );
    assert!(
        !line.contains("io.hardrun.version"),
        "the record it has already is not written again: {line}"
    );
    // A label under io.hardrun. typed by the user is still refused.
    let out = sandbox.run([
        "--profile",
        "production",
        "service",
        "update",
        "--container-label-add",
        "io.hardrun.profile=mine",
        "web",
    ]);
    out.assert_code(125);
    assert!(out.stderr.contains("io.hardrun.profile=mine"), "{out}");
}

//! `hardrun doctor` on the lab's real images (`tests/lab/build`), each run through hardrun
//! under `production` without any adjustment (the catalogue off): doctor names the rule that
//! broke it and the fix, in text and in JSON; an image that works under `production` as it is
//! is said to be healthy. Also postgres started as root (its `non-root-user` waived) without its
//! capabilities, and the limits: a tiny `--memory` is `memory-limit`, a tiny
//! `--pids-limit` is `pids-limit`.
//!
//! The engine gate of `engine.rs` applies, and the lab images are required as the engine is:
//! missing, they skip these tests loudly, and fail them under `HARDRUN_E2E=required`.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::engine::Engine;
use crate::lab::{LabContainer, lab_engine};
use crate::support::{HARDRUN, Outcome, Sandbox};

pub(crate) const NGINX: &str = "nginx:hardrun-lab";
const REDIS: &str = "redis:hardrun-lab";
const POSTGRES: &str = "postgres:hardrun-lab";
const PYAPP: &str = "hardrun-lab/pyapp:1";

/// The profile of these tests: production with the catalogue off.
const PROFILE: &str = "extends: production\ncatalogue: off\n";

fn sandbox(engine: &Engine) -> Sandbox {
    let sandbox = engine.sandbox();
    sandbox.write("production-nocat.yaml", PROFILE);
    sandbox
}

fn hardrun(sandbox: &Sandbox, args: &[&str]) -> Outcome {
    let mut command = sandbox.command(HARDRUN);
    command.args(args);
    sandbox.outcome(command)
}

/// `hardrun --profile production-nocat run -d --name NAME ARGS…`, which must start.
fn run(sandbox: &Sandbox, container: &LabContainer, args: &[&str]) {
    let mut line = vec![
        "--profile",
        "./production-nocat.yaml",
        "run",
        "-d",
        "--name",
        &container.name,
    ];
    line.extend(args);
    let out = hardrun(sandbox, &line);
    assert_eq!(out.code, Some(0), "{}", out.all_output());
}

/// Waits until the container has restarted (or stopped), then asks doctor in text and JSON.
fn doctor_after_a_restart(sandbox: &Sandbox, container: &LabContainer) -> (Outcome, Value) {
    container.wait_for(
        "{{.RestartCount}} {{.State.Running}}",
        Duration::from_secs(20),
        |v| !v.starts_with("0 ") || v.ends_with("false"),
    );
    let text = hardrun(sandbox, &["doctor", &container.name]);
    let json = hardrun(sandbox, &["doctor", "--format", "json", &container.name]);
    assert_eq!(json.code, text.code, "{}", json.all_output());
    (text, json.json())
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn nginx_under_production_is_read_only_rootfs_and_its_lib_directory() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    let container = LabContainer::new(engine, "doctor-nginx");
    run(&sandbox, &container, &[NGINX]);
    let (text, json) = doctor_after_a_restart(&sandbox, &container);
    assert_eq!(text.code, Some(1), "{}", text.all_output());
    assert!(
        text.stdout.contains("cause: read-only-rootfs:")
            && text.stdout.contains("Read-only file system"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("writable: [/var/lib/nginx]"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("fit --write run nginx:hardrun-lab"),
        "{}",
        text.stdout
    );
    assert_eq!(json["causes"][0]["rule"], "read-only-rootfs");
    assert_eq!(strings(&json["adjustment"]["writable"]), ["/var/lib/nginx"]);
    assert_eq!(json["healthy"], false);
}

#[test]
fn postgres_under_production_is_non_root_user_and_its_own_account() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    // The password as a file: production refuses it as a variable (env-secrets).
    let password = sandbox.write("password", "lab\n");
    let mount = format!("{}:/run/secrets/password:ro", password.display());
    let container = LabContainer::new(engine, "doctor-postgres");
    run(
        &sandbox,
        &container,
        &[
            "-v",
            &mount,
            "-e",
            "POSTGRES_PASSWORD_FILE=/run/secrets/password",
            POSTGRES,
        ],
    );
    let (text, json) = doctor_after_a_restart(&sandbox, &container);
    assert_eq!(text.code, Some(1), "{}", text.all_output());
    // The profile's uid 1000 is not in the image's /etc/passwd; the image's postgres is.
    assert!(
        text.stdout.contains("cause: non-root-user:")
            && text
                .stdout
                .contains("could not look up effective user ID 1000"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("user: \"999:999\""), "{}", text.stdout);
    assert_eq!(json["causes"][0]["rule"], "non-root-user");
    assert_eq!(json["adjustment"]["user"], "999:999");
}

#[test]
fn postgres_as_root_without_its_capabilities_is_drop_capabilities_and_its_run_directory() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    let password = sandbox.write("password", "lab\n");
    let mount = format!("{}:/run/secrets/password:ro", password.display());
    let container = LabContainer::new(engine, "doctor-postgres-root");
    // Root, as the official image starts, with non-root-user waived: the entrypoint's chmod of
    // the postgres user's PGDATA needs FOWNER, and its socket directory a writable /var/run.
    let out = hardrun(
        &sandbox,
        &[
            "--profile",
            "./production-nocat.yaml",
            "--allow",
            "non-root-user=the entrypoint drops to postgres",
            "run",
            "-d",
            "--name",
            &container.name,
            "--user",
            "0:0",
            "-v",
            &mount,
            "-e",
            "POSTGRES_PASSWORD_FILE=/run/secrets/password",
            POSTGRES,
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.all_output());
    let (text, json) = doctor_after_a_restart(&sandbox, &container);
    assert_eq!(text.code, Some(1), "{}", text.all_output());
    let rules: Vec<&str> = json["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"drop-capabilities") && rules.contains(&"read-only-rootfs"),
        "{}",
        text.stdout
    );
    // Then, once it gets that far, setpriv's drop to postgres needs SETUID (and SETGID).
    let capabilities = strings(&json["adjustment"]["capabilities"]);
    assert!(
        capabilities.contains(&"FOWNER".to_owned())
            && capabilities
                .iter()
                .all(|c| ["FOWNER", "SETUID", "SETGID", "CHOWN"].contains(&c.as_str())),
        "{}",
        text.stdout
    );
    assert_eq!(strings(&json["adjustment"]["writable"]), ["/var/run"]);
}

#[test]
fn the_python_app_under_production_is_read_only_rootfs_and_its_cache() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    let container = LabContainer::new(engine, "doctor-pyapp");
    run(&sandbox, &container, &[PYAPP]);
    let (text, json) = doctor_after_a_restart(&sandbox, &container);
    assert_eq!(text.code, Some(1), "{}", text.all_output());
    assert!(
        text.stdout.contains("cause: read-only-rootfs:")
            && text.stdout.contains("/app/cache/started.json"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("writable: [/app/cache]"),
        "{}",
        text.stdout
    );
    assert_eq!(json["causes"][0]["rule"], "read-only-rootfs");
    assert_eq!(strings(&json["adjustment"]["writable"]), ["/app/cache"]);
}

#[test]
fn redis_works_under_production_as_it_is_and_doctor_says_so() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    let container = LabContainer::new(engine, "doctor-redis");
    run(&sandbox, &container, &[REDIS]);
    // Up and answering before doctor is asked: a ready server, not one caught starting.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20)
        && !engine
            .docker(["exec", &container.name, "redis-cli", "ping"])
            .status
            .success()
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    let text = hardrun(&sandbox, &["doctor", &container.name]);
    assert_eq!(text.code, Some(0), "{}", text.all_output());
    assert!(
        text.stdout.contains("healthy: nothing to fix"),
        "{}",
        text.stdout
    );
    let json = hardrun(&sandbox, &["doctor", "--format", "json", &container.name]);
    assert_eq!(json.code, Some(0), "{}", json.all_output());
    let json = json.json();
    assert_eq!(json["healthy"], true);
    assert_eq!(json["causes"], Value::Array(Vec::new()));
}

#[test]
fn a_tiny_memory_limit_is_memory_limit() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    let container = LabContainer::new(engine, "doctor-oom");
    // The app's Python asks for 64 MiB under a 16 MiB limit without swap: the kernel kills it.
    run(
        &sandbox,
        &container,
        &[
            "--memory",
            "16m",
            "--memory-swap",
            "16m",
            PYAPP,
            "python3",
            "-c",
            "b = bytearray(64 << 20)",
        ],
    );
    container.wait_for("{{.State.OOMKilled}}", Duration::from_secs(30), |v| {
        v == "true"
    });
    let (text, json) = doctor_after_a_restart(&sandbox, &container);
    assert_eq!(text.code, Some(1), "{}", text.all_output());
    assert!(
        text.stdout.contains("cause: memory-limit:") && text.stdout.contains("OOMKilled"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("memory: 32m"), "{}", text.stdout);
    assert_eq!(json["causes"][0]["rule"], "memory-limit");
    assert_eq!(json["adjustment"]["memory"], "32m");
}

#[test]
fn a_tiny_pids_limit_is_pids_limit_though_the_master_runs() {
    let Some(engine) = lab_engine() else { return };
    let sandbox = sandbox(engine);
    // What nginx needs under production, so that the only thing in its way is the limit.
    sandbox.write(
        ".hardrun.yaml",
        "adjustments:\n  - image: nginx:hardrun-lab\n    reason: its writable paths\n    writable: [/run, /var/lib/nginx]\n",
    );
    let container = LabContainer::new(engine, "doctor-pids");
    run(&sandbox, &container, &["--pids-limit", "1", NGINX]);
    // The master runs; its workers cannot be forked.
    let start = Instant::now();
    let mut text = hardrun(&sandbox, &["doctor", &container.name]);
    while text.code != Some(1) && start.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(300));
        text = hardrun(&sandbox, &["doctor", &container.name]);
    }
    assert_eq!(text.code, Some(1), "{}", text.all_output());
    assert!(
        text.stdout.contains("cause: pids-limit:") && text.stdout.contains("fork() failed"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("pids: 2"), "{}", text.stdout);
    let json = hardrun(&sandbox, &["doctor", "--format", "json", &container.name]).json();
    assert_eq!(json["causes"][0]["rule"], "pids-limit");
    assert_eq!(json["adjustment"]["pids"], 2);
    // What the container already had stays in the adjustment doctor prints.
    assert_eq!(
        strings(&json["adjustment"]["writable"]),
        ["/run", "/var/lib/nginx"]
    );
}

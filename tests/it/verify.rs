//! `hardrun verify`, `run --verify` and image-aware planning, on the real engine.
//!
//! Like the other end-to-end tests these run only where an engine answers, and are mandatory
//! under `.ci/run` (see `engine::engine`).

use serde_json::Value;

use crate::engine::{Engine, IMAGE, IMAGE_LABEL, USER_IMAGE, engine, remove_replaced_images};
use crate::support::Outcome;

/// A command that keeps a container up until it is stopped.
const SLEEP: [&str; 2] = ["sleep", "300"];

fn failed_rules(report: &Value) -> Vec<String> {
    report["containers"][0]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["verdict"] == "fail")
        .map(|v| v["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn verdict<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["containers"][0]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["rule"] == rule)
        .unwrap_or_else(|| panic!("no verdict for {rule}: {report:#}"))
}

/// An image like `IMAGE` with extra Dockerfile instructions, made from an exported container
/// (no registry, no rootfs of our own).
fn image_with(engine: &Engine, tag: &str, changes: &[&str]) {
    let id = engine.docker_ok(["create", IMAGE, "true"]);
    let export = engine.docker(["export", &id]);
    assert!(export.status.success(), "docker export");
    let mut import = std::process::Command::new(&engine.docker);
    import.arg("import");
    let label = format!("LABEL {IMAGE_LABEL}=derived");
    for change in changes.iter().copied().chain([label.as_str()]) {
        import.args(["--change", change]);
    }
    import.args(["-", tag]);
    let mut child = import
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("docker import");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&export.stdout)
        .expect("feed docker import");
    assert!(child.wait().unwrap().success(), "docker import {tag}");
    engine.docker_ok(["rm", &id]);
    remove_replaced_images(engine);
}

#[test]
fn a_plain_docker_run_fails_verify_under_production_naming_the_rules() {
    let Some(engine) = engine() else { return };
    let container = engine.container("verify-plain");
    engine.docker_ok([
        "run",
        "-d",
        "--name",
        &container.name,
        IMAGE,
        SLEEP[0],
        SLEEP[1],
    ]);
    let sandbox = engine.sandbox();

    let text = sandbox.run(["verify", "--profile", "production", &container.name]);
    text.assert_code(1);
    for rule in [
        "read-only-rootfs",
        "non-root-user",
        "memory-limit",
        "no-new-privileges",
    ] {
        assert!(
            text.stdout.contains(&format!("fail   {rule}")),
            "{rule}\n{text}"
        );
    }

    let json = sandbox.run([
        "verify",
        "--profile",
        "production",
        "--format",
        "json",
        &container.name,
    ]);
    json.assert_code(1);
    let report = json.json();
    assert_eq!(report["containers"][0]["passed"], false);
    let failed = failed_rules(&report);
    for rule in [
        "cpu-limit",
        "drop-capabilities",
        "memory-limit",
        "no-new-privileges",
        "non-root-user",
        "pids-limit",
        "read-only-rootfs",
        "restart-policy",
    ] {
        assert!(
            failed.contains(&rule.to_owned()),
            "{rule} should fail: {failed:?}"
        );
    }
    assert_eq!(verdict(&report, "no-privileged")["verdict"], "pass");
    assert!(
        verdict(&report, "read-only-rootfs")["references"]
            .as_str()
            .unwrap()
            .contains("CIS 5.13")
    );
}

#[test]
fn the_same_command_through_hardrun_passes_run_verify_and_verify() {
    let Some(engine) = engine() else { return };
    let container = engine.container("verify-hardened");
    let sandbox = engine.sandbox();
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "--verify",
        "-d",
        "--name",
        &container.name,
        IMAGE,
        SLEEP[0],
        SLEEP[1],
    ]);
    out.assert_code(0);
    let id = out.stdout.trim();
    assert_eq!(id.len(), 64, "stdout is docker's container id: {out}");
    assert!(out.stderr.contains("0 fail"), "{out}");

    // Later, without --profile: the profile recorded on the container applies.
    let later = sandbox.run(["--format", "json", "verify", &container.name]);
    later.assert_code(0);
    let report = later.json();
    assert_eq!(report["containers"][0]["profile"], "production");
    assert!(failed_rules(&report).is_empty(), "{report:#}");
}

#[test]
fn run_verify_needs_a_detached_container() {
    let Some(engine) = engine() else { return };
    let sandbox = engine.sandbox();
    let out = sandbox.run(["run", "--verify", "--rm", IMAGE, "true"]);
    out.assert_code(2);
    assert!(out.stderr.contains("-d"), "{out}");
}

#[test]
fn a_waiver_given_at_run_is_reported_as_waived() {
    let Some(engine) = engine() else { return };
    let container = engine.container("verify-waived");
    let sandbox = engine.sandbox();
    sandbox
        .run([
            "--profile",
            "production",
            "--allow",
            "read-only-rootfs=writes to its root until v2",
            "run",
            "-d",
            "--name",
            &container.name,
            IMAGE,
            SLEEP[0],
            SLEEP[1],
        ])
        .assert_code(0);
    let out = sandbox.run(["verify", "--format", "json", &container.name]);
    out.assert_code(0);
    let report = out.json();
    let waived = verdict(&report, "read-only-rootfs");
    assert_eq!(waived["verdict"], "waived");
    assert!(
        waived["reasons"]
            .to_string()
            .contains("writes to its root until v2"),
        "verify says why: {waived}"
    );
}

#[test]
fn verify_cannot_evaluate_a_missing_container() {
    let Some(engine) = engine() else { return };
    let out: Outcome = engine
        .sandbox()
        .run(["verify", "hardrun-e2e-no-such-container"]);
    out.assert_code(2);
    assert!(out.stdout.contains("cannot evaluate"), "{out}");
}

#[test]
fn a_local_image_with_a_non_root_user_and_a_healthcheck_keeps_them() {
    let Some(engine) = engine() else { return };
    let sandbox = engine.sandbox();
    let out = sandbox.run([
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
        "run",
        USER_IMAGE,
    ]);
    out.assert_code(0);
    let report = out.json();
    let command: Vec<&str> = report["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        !command.contains(&"--user"),
        "the image's USER 1000 is kept: {command:?}"
    );
    assert!(!command.contains(&"--health-cmd"));
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("is local: user 1000, a HEALTHCHECK"),
        "{notes}"
    );

    // The root image gets the profile's user.
    let out = sandbox.run([
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
        "run",
        IMAGE,
    ]);
    let command = out.json()["command"].to_string();
    assert!(command.contains("\"--user\",\"1000:1000\""), "{command}");
}

#[test]
fn an_image_that_is_not_local_is_planned_without_it_and_explain_says_so() {
    let Some(engine) = engine() else { return };
    let out = engine.sandbox().run([
        "--profile",
        "production",
        "--explain",
        "--dry-run",
        "run",
        "hardrun-e2e/not-here:1",
    ]);
    out.assert_code(0);
    assert!(out.stderr.contains("is not present locally"), "{out}");
    assert!(out.stdout.contains("--user 1000:1000"), "{out}");
}

#[test]
fn an_image_volume_gets_no_tmpfs_and_stays_writable() {
    let Some(engine) = engine() else { return };
    let tag = "hardrun-test/busybox-volume:1";
    image_with(engine, tag, &["VOLUME /var/tmp"]);
    let container = engine.container("image-volume");
    let sandbox = engine.sandbox();
    let dry = sandbox.run(["--profile", "production", "--dry-run", "run", tag]);
    dry.assert_code(0);
    assert!(dry.stdout.contains("--tmpfs /tmp:"), "{dry}");
    assert!(!dry.stdout.contains("--tmpfs /var/tmp"), "{dry}");
    sandbox
        .run([
            "--profile",
            "production",
            "run",
            "-d",
            "--name",
            &container.name,
            tag,
            SLEEP[0],
            SLEEP[1],
        ])
        .assert_code(0);
    let writable = container.sh("touch /var/tmp/x && echo ok");
    assert_eq!(writable, "ok");
}

#[test]
fn the_daemon_s_default_log_driver_is_read_without_asking_the_engine() {
    let Some(engine) = engine() else { return };
    let out = engine.sandbox().run([
        "--profile",
        "production",
        "--explain",
        "--dry-run",
        "run",
        IMAGE,
    ]);
    out.assert_code(0);
    assert!(
        out.stderr.contains("the daemon's default log driver is"),
        "{out}"
    );
}

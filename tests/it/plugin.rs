//! hardrun as a docker CLI plugin, through the real docker CLI: installed as
//! `cli-plugins/docker-hardrun` in a private `DOCKER_CONFIG`, it is listed by `docker --help`,
//! answers docker's metadata call, and hardens `docker hardrun [options] run|compose …` with
//! docker's global options kept in front of the command, without recursion.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::process::Command;

use crate::compose::compose_sandbox;
use crate::engine::{IMAGE, engine, real_docker};
use crate::support::{HARDRUN, Outcome, Sandbox};

/// A `DOCKER_CONFIG` in the sandbox with hardrun installed as its only user plugin (Compose
/// stays where the system installed it).
fn plugin_config(sandbox: &Sandbox) -> PathBuf {
    let config = sandbox.root().join("docker-config");
    let plugin = config.join("cli-plugins/docker-hardrun");
    if !plugin.exists() {
        fs::create_dir_all(config.join("cli-plugins")).unwrap();
        symlink(HARDRUN, plugin).unwrap();
    }
    config
}

/// The real docker CLI with `args`, hardrun installed as its plugin.
fn docker(sandbox: &Sandbox, args: &[&str]) -> Outcome {
    let mut command: Command = sandbox.command(real_docker());
    command
        .env("DOCKER_CONFIG", plugin_config(sandbox))
        .args(args);
    sandbox.outcome(command)
}

#[test]
fn docker_lists_the_plugin_from_its_metadata() {
    let sandbox = Sandbox::new();
    let out = docker(&sandbox, &["--help"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("hardrun*") && l.contains("Harden")),
        "{out}"
    );
    assert!(!out.stdout.contains("failed to fetch metadata"), "{out}");
}

#[test]
fn docker_hardrun_dry_run_hardens_and_runs_nothing() {
    let sandbox = Sandbox::new();
    let out = docker(
        &sandbox,
        &["hardrun", "--dry-run", "run", "--rm", "busybox:1.36"],
    );
    out.assert_code(0).assert_docker_not_run();
    assert!(
        out.stdout.starts_with("docker run --rm --cap-drop NET_RAW"),
        "{out}"
    );
    assert!(out.stdout.contains("io.hardrun.profile=baseline"), "{out}");
}

#[test]
fn docker_hardrun_hands_the_hardened_command_to_docker_with_its_global_options() {
    let sandbox = Sandbox::new();
    let out = docker(
        &sandbox,
        &[
            "-H",
            "unix:///nonexistent/other.sock",
            "hardrun",
            "--profile",
            "production",
            "run",
            "--rm",
            "busybox:1.36",
            "true",
        ],
    );
    out.assert_code(0);
    let words = out.docker_words();
    assert_eq!(
        words[..4],
        ["-H", "unix:///nonexistent/other.sock", "run", "--rm"],
        "{out}"
    );
    for flag in ["--read-only", "--cap-drop", "--user"] {
        assert!(words.iter().any(|w| w == flag), "{flag}\n{out}");
    }
    assert_eq!(words[words.len() - 2..], ["busybox:1.36", "true"], "{out}");
    assert_eq!(
        out.active.as_deref(),
        Some("1"),
        "one hardrun, no recursion\n{out}"
    );
}

#[test]
fn docker_hardrun_refuses_as_hardrun_does() {
    let sandbox = Sandbox::new();
    let out = docker(
        &sandbox,
        &["hardrun", "run", "--privileged", "busybox:1.36"],
    );
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("rule 'no-privileged'"), "{out}");
    let out = docker(&sandbox, &["-H", "unix:///x.sock", "hardrun", "verify"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("DOCKER_HOST"), "{out}");
}

#[test]
fn docker_hardrun_compose_up_hardens_the_project() {
    let Some(sandbox) = compose_sandbox() else {
        return;
    };
    sandbox.write(
        "compose.yaml",
        "services:\n  web:\n    image: busybox:1.36\n    command: [sleep, \"60\"]\n",
    );
    let out = docker(
        &sandbox,
        &[
            "hardrun",
            "--profile",
            "production",
            "--dry-run",
            "compose",
            "up",
            "-d",
        ],
    );
    out.assert_code(0);
    assert!(out.stdout.contains("read_only: true"), "{out}");
    assert!(
        out.stdout.contains("io.hardrun.profile: production"),
        "{out}"
    );
}

#[test]
fn docker_hardrun_runs_a_hardened_container_on_the_engine() {
    let Some(engine) = engine() else {
        return;
    };
    let sandbox = engine.sandbox();
    let container = engine.container("plugin");
    let out = docker(
        &sandbox,
        &[
            "hardrun",
            "--profile",
            "production",
            "run",
            "-d",
            "--name",
            &container.name,
            IMAGE,
            "sleep",
            "300",
        ],
    );
    out.assert_code(0);
    let status = container.sh("grep -E '^NoNewPrivs' /proc/1/status; id -u");
    assert!(status.contains("NoNewPrivs:\t1"), "{status}");
    assert!(status.trim_end().ends_with("1000"), "{status}");
    assert_eq!(
        container
            .format("{{.HostConfig.ReadonlyRootfs}}")
            .as_deref(),
        Some("true")
    );
}

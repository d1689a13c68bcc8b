//! `--dry-run` runs nothing, on every path: run/create (with and without an image), every
//! command hardrun passes through, compose, exec and build. docker is a tripwire that records
//! any call; only Compose's read-only `config` and `version` reach the real docker, since
//! hardrun asks Compose to resolve a project before it can show it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::compose::compose_sandbox;
use crate::engine::real_docker;
use crate::support::{Outcome, Sandbox};

/// A docker that records every call in `tripped` and fails, except `compose … config` and
/// `compose version`, which it hands to the real docker.
fn tripwire(sandbox: &Sandbox) -> (PathBuf, PathBuf) {
    let script = sandbox.root().join("tripwire-docker");
    let tripped = sandbox.root().join("tripped");
    let real = real_docker();
    fs::write(
        &script,
        format!(
            r#"#!/bin/sh
reads=no
seen_compose=no
for word in "$@"; do
  case "$word" in
    compose) seen_compose=yes ;;
    config|version) [ "$seen_compose" = yes ] && reads=yes ;;
  esac
done
if [ "$reads" = yes ]; then exec '{real}' "$@"; fi
printf '%s\n' "$*" >> '{tripped}'
exit 99
"#,
            real = real.display(),
            tripped = tripped.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    (script, tripped)
}

#[track_caller]
fn assert_ran_nothing(sandbox: &mut Sandbox, args: &[&str]) -> Outcome {
    let (docker, tripped) = tripwire(sandbox);
    sandbox.env("HARDRUN_DOCKER", &docker);
    let out = sandbox.run(args);
    let calls = fs::read_to_string(&tripped).unwrap_or_default();
    assert!(calls.is_empty(), "{args:?} ran docker: {calls}\n{out}");
    out
}

#[test]
fn a_dry_run_of_a_passed_through_command_shows_it_and_runs_nothing() {
    for command in [
        &["rm", "-f", "web"][..],
        &["ps"],
        &["stop", "web"],
        &["image", "rm", "busybox:1.36"],
        &["run", "--help"],
        &["run", "--rm", "-e", "A=1"],
        &["create"],
        &["container", "ls", "-a"],
    ] {
        let mut sandbox = Sandbox::new();
        let mut args = vec!["--dry-run"];
        args.extend(command);
        let out = assert_ran_nothing(&mut sandbox, &args);
        out.assert_code(0);
        assert_eq!(
            out.stdout,
            format!("docker {}\n", command.join(" ")),
            "{command:?}\n{out}"
        );
    }
    let mut sandbox = Sandbox::new();
    let out = assert_ran_nothing(
        &mut sandbox,
        &["--dry-run", "--format", "json", "rm", "web"],
    );
    out.assert_code(0);
    assert_eq!(
        out.json()["command"],
        serde_json::json!(["docker", "rm", "web"])
    );
}

#[test]
fn a_dry_run_of_run_create_exec_and_build_runs_nothing() {
    for command in [
        &["run", "--rm", "busybox:1.36"][..],
        &["--profile", "production", "run", "-d", "busybox:1.36"],
        &["--verify", "run", "-d", "busybox:1.36"],
        &["create", "busybox:1.36"],
        &["exec", "-it", "web", "sh"],
        &["build", "-t", "app:1", "."],
        &["run", "--privileged", "busybox:1.36"],
    ] {
        let mut sandbox = Sandbox::new();
        let mut args = vec!["--dry-run"];
        args.extend(command);
        let out = assert_ran_nothing(&mut sandbox, &args);
        assert!(matches!(out.code, Some(0 | 125)), "{command:?}\n{out}");
    }
}

#[test]
fn a_dry_run_of_compose_only_asks_compose_to_resolve() {
    let Some(mut sandbox) = compose_sandbox() else {
        return;
    };
    sandbox.write(
        "compose.yaml",
        "services:\n  app:\n    image: busybox:1.36\n    command: [sleep, \"60\"]\n",
    );
    for command in [
        &["compose", "up", "-d"][..],
        &["compose", "run", "--rm", "app", "true"],
        &["compose", "create"],
        &["compose", "down"],
        &["compose", "rm", "-f"],
        &["compose", "stop"],
    ] {
        let mut args = vec!["--dry-run"];
        args.extend(command);
        let out = assert_ran_nothing(&mut sandbox, &args);
        out.assert_code(0);
        assert!(
            !out.stdout.is_empty(),
            "{command:?} shows what would run\n{out}"
        );
    }
}

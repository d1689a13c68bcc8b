//! The exec and build guards through the real binary: `docker exec` and `docker build` are
//! judged by `exec-privileged`, `exec-root` and `build-arg-secrets`, refused or warned about
//! per profile, and otherwise reach docker exactly as typed.

use std::fs;

use crate::support::{Outcome, Sandbox, words};

const SECRET: &str = "sk-secret-value";

#[track_caller]
fn assert_unchanged(out: &Outcome, user: &[&str]) {
    out.assert_code(0);
    assert_eq!(out.docker, Some(words(user)), "{out}");
}

#[track_caller]
fn assert_no_secret(out: &Outcome) {
    assert!(
        !out.all_output().contains(SECRET),
        "a secret was shown\n{out}"
    );
}

/// Runs hardrun with `options` before the docker words.
fn run(sandbox: &Sandbox, options: &[&str], docker: &[&str]) -> Outcome {
    let mut args: Vec<&str> = options.to_vec();
    args.extend(docker);
    sandbox.run(args)
}

// --- exec ------------------------------------------------------------------------------------

#[test]
fn exec_as_root_is_refused_under_production_and_docker_never_runs() {
    let out = run(
        &Sandbox::new(),
        &["--profile", "production"],
        &["exec", "-u", "0", "c", "id"],
    );
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr
            .contains("hardrun: refused by profile 'production': rule 'exec-root' forbids -u 0:"),
        "{out}"
    );
    assert!(out.stderr.contains("--allow exec-root"), "{out}");
}

#[test]
fn every_spelling_of_root_is_refused() {
    let sandbox = Sandbox::new();
    for user in [
        &["-u0"][..],
        &["--user=0:0"],
        &["-u", "root"],
        &["-itu", "0"],
        &["--user", "root:root"],
    ] {
        let mut docker = vec!["exec"];
        docker.extend(user);
        docker.extend(["c", "sh"]);
        let out = run(&sandbox, &["--profile", "production"], &docker);
        out.assert_code(125).assert_docker_not_run();
        assert!(out.stderr.contains("'exec-root'"), "{out}");
    }
}

#[test]
fn an_interactive_exec_passes_through_unchanged() {
    for profile in ["baseline", "production", "strict"] {
        let user = ["exec", "-it", "c", "sh"];
        let out = run(&Sandbox::new(), &["--profile", profile], &user);
        assert_unchanged(&out, &user);
        assert!(out.stderr.is_empty(), "{out}");
    }
    let user = [
        "container",
        "exec",
        "-u",
        "1000",
        "-e",
        "A=b",
        "-w",
        "/x",
        "c",
        "id",
    ];
    assert_unchanged(
        &run(&Sandbox::new(), &["--profile", "production"], &user),
        &user,
    );
}

#[test]
fn words_after_the_container_belong_to_the_command() {
    let user = ["exec", "c", "-u", "0", "--privileged"];
    let out = run(&Sandbox::new(), &["--profile", "production"], &user);
    assert_unchanged(&out, &user);
}

#[test]
fn allow_waives_exec_root_says_so_and_runs_it_unchanged() {
    let user = ["exec", "-u", "0", "c", "id"];
    let out = run(
        &Sandbox::new(),
        &["--profile", "production", "--allow", "exec-root"],
        &user,
    );
    assert_unchanged(&out, &user);
    assert!(
        out.stderr.contains("hardrun: waived: exec-root: -u 0:"),
        "{out}"
    );
}

#[test]
fn baseline_warns_about_root_and_refuses_privileged() {
    let user = ["exec", "-u", "root", "c", "id"];
    let out = run(&Sandbox::new(), &[], &user);
    assert_unchanged(&out, &user);
    assert!(
        out.stderr.contains("hardrun: warning: exec-root: -u root:"),
        "{out}"
    );
    let out = run(&Sandbox::new(), &[], &["exec", "--privileged", "c", "sh"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr
            .contains("rule 'exec-privileged' forbids --privileged"),
        "{out}"
    );
    let user = ["exec", "--privileged=false", "c", "sh"];
    assert_unchanged(&run(&Sandbox::new(), &[], &user), &user);
}

#[test]
fn development_only_warns() {
    let user = ["exec", "--privileged", "-u", "0", "c", "sh"];
    let out = run(&Sandbox::new(), &["--profile", "development"], &user);
    assert_unchanged(&out, &user);
    assert!(out.stderr.contains("warning: exec-privileged"), "{out}");
    assert!(out.stderr.contains("warning: exec-root"), "{out}");
}

#[test]
fn an_unknown_exec_flag_is_refused_naming_it() {
    let out = run(&Sandbox::new(), &[], &["exec", "--bogus", "c", "sh"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("unknown flag: --bogus"), "{out}");
}

#[test]
fn exec_help_and_an_exec_without_container_are_docker_s() {
    for user in [&["exec", "--help"][..], &["exec"], &["exec", "-u", "0"]] {
        let out = run(&Sandbox::new(), &["--profile", "production"], user);
        assert_unchanged(&out, user);
    }
}

#[test]
fn explain_and_json_cover_a_judged_exec() {
    let out = run(
        &Sandbox::new(),
        &["--profile", "production", "--explain"],
        &["exec", "-it", "c", "sh"],
    );
    out.assert_code(0);
    assert!(out.stderr.contains("kept      exec-root"), "{out}");
    assert!(out.stderr.contains("[CIS 5.24"), "{out}");
    let out = run(
        &Sandbox::new(),
        &["--profile", "production", "--dry-run", "--format", "json"],
        &["exec", "-u", "0", "c", "id"],
    );
    out.assert_code(125).assert_docker_not_run();
    let report = out.json();
    assert_eq!(report["refused"], true, "{out}");
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["rule"] == "exec-root" && c["kind"] == "refused"),
        "{out}"
    );
}

#[test]
fn a_dry_run_prints_the_command_and_runs_nothing() {
    let out = run(
        &Sandbox::new(),
        &["--dry-run"],
        &["exec", "-it", "c", "sh", "-c", "echo hi"],
    );
    out.assert_code(0).assert_docker_not_run();
    assert_eq!(out.stdout, "docker exec -it c sh -c 'echo hi'\n", "{out}");
}

// --- build -----------------------------------------------------------------------------------

#[test]
fn a_secret_build_arg_is_refused_under_production_and_its_value_never_shown() {
    let sandbox = Sandbox::new();
    let value = format!("API_TOKEN={SECRET}");
    for options in [
        &["--profile", "production"][..],
        &["--profile", "production", "--explain"],
        &["--profile", "production", "--dry-run"],
        &["--profile", "production", "--format", "json", "--dry-run"],
        &["--profile", "production", "--format", "json"],
    ] {
        let out = run(
            &sandbox,
            options,
            &["build", "--build-arg", &value, "-t", "app:1", "."],
        );
        out.assert_code(125).assert_docker_not_run();
        assert!(
            out.all_output().contains("--build-arg API_TOKEN=***"),
            "{out}"
        );
        assert!(out.all_output().contains("--secret"), "{out}");
        assert_no_secret(&out);
    }
    // The audit trail records the refusal, without the value.
    let audit = fs::read_to_string(sandbox.state_home().join("hardrun/audit.jsonl"))
        .expect("the refusal is audited");
    assert!(audit.contains("build-arg-secrets"), "{audit}");
    assert!(!audit.contains(SECRET), "{audit}");
}

#[test]
fn a_secret_build_arg_is_warned_about_under_baseline_and_built_unchanged() {
    let value = format!("DB_PASSWORD={SECRET}");
    let user = ["build", "--build-arg", value.as_str(), "."];
    let out = run(&Sandbox::new(), &[], &user);
    assert_unchanged(&out, &user);
    assert!(
        out.stderr
            .contains("hardrun: warning: build-arg-secrets: --build-arg DB_PASSWORD=***:"),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn ordinary_build_args_pass_through_unchanged() {
    for user in [
        &["build", "--build-arg", "VERSION=1.2", "-t", "app:1", "."][..],
        &[
            "buildx",
            "build",
            "--build-arg",
            "VERSION=1.2",
            "--push",
            "-t",
            "app:1",
            ".",
        ],
        &["image", "build", ".", "--build-arg=VERSION=1.2"],
        &["build", "--secret", "id=token,src=./token", "."],
    ] {
        let out = run(&Sandbox::new(), &["--profile", "production"], user);
        assert_unchanged(&out, user);
        assert!(out.stderr.is_empty(), "{out}");
    }
}

#[test]
fn buildx_build_is_guarded_the_same_way() {
    let value = format!("API_TOKEN={SECRET}");
    for docker in [
        &["buildx", "build", "--build-arg", value.as_str(), "."][..],
        &[
            "buildx",
            "--builder",
            "ci",
            "b",
            "--build-arg",
            value.as_str(),
            ".",
        ],
        &["builder", "build", ".", "--build-arg", value.as_str()],
    ] {
        let out = run(&Sandbox::new(), &["--profile", "production"], docker);
        out.assert_code(125).assert_docker_not_run();
        assert!(out.stderr.contains("'build-arg-secrets'"), "{out}");
        assert_no_secret(&out);
    }
}

#[test]
fn a_build_arg_taken_from_the_environment_is_judged() {
    let mut sandbox = Sandbox::new();
    sandbox.env("NPM_TOKEN", SECRET);
    let out = run(
        &sandbox,
        &["--profile", "production"],
        &["build", "--build-arg", "NPM_TOKEN", "."],
    );
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr.contains("forbids --build-arg NPM_TOKEN:"),
        "{out}"
    );
    assert_no_secret(&out);
    // Not in the environment: docker passes nothing, nothing to refuse.
    let user = ["build", "--build-arg", "NPM_TOKEN", "."];
    let out = run(&Sandbox::new(), &["--profile", "production"], &user);
    assert_unchanged(&out, &user);
}

#[test]
fn allow_waives_build_arg_secrets_and_docker_gets_the_real_value() {
    let value = format!("API_TOKEN={SECRET}");
    let user = ["build", "--build-arg", value.as_str(), "."];
    let out = run(
        &Sandbox::new(),
        &["--profile", "production", "--allow", "build-arg-secrets"],
        &user,
    );
    assert_unchanged(&out, &user);
    assert!(
        out.stderr.contains("hardrun: waived: build-arg-secrets"),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn a_build_dry_run_masks_the_secret_value() {
    let value = format!("API_TOKEN={SECRET}");
    let out = run(
        &Sandbox::new(),
        &["--dry-run"],
        &["build", "--build-arg", &value, "--build-arg", "V=1", "."],
    );
    out.assert_code(0).assert_docker_not_run();
    assert!(
        out.stdout
            .starts_with("docker build --build-arg 'API_TOKEN=***' --build-arg V=1 .\n"),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn an_unknown_build_flag_is_refused_naming_it() {
    let out = run(&Sandbox::new(), &[], &["build", "--bogus", "."]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("unknown flag: --bogus"), "{out}");
    assert!(
        out.stderr.contains("`docker build` without hardrun"),
        "{out}"
    );
}

#[test]
fn build_help_is_docker_s() {
    let user = ["build", "--help"];
    assert_unchanged(
        &run(&Sandbox::new(), &["--profile", "production"], &user),
        &user,
    );
}

//! Image policy and trust, and the audit trail (issue 5, items 4 and 7): `image-tag`'s
//! `registries`, the `content-trust` handoff, and the one JSON line per hardened invocation.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{Outcome, Sandbox};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A secret value the tests pass; it must never reach any output or the audit log.
const SECRET: &str = "hunter2";

fn pinned(name: &str) -> String {
    format!("{name}@{DIGEST}")
}

/// The audit log's lines, parsed; empty when the file does not exist.
fn audit_lines(path: &Path) -> Vec<Value> {
    let Ok(text) = fs::read_to_string(path) else {
        return Vec::new();
    };
    assert!(
        !text.contains(SECRET),
        "the audit log holds a secret:\n{text}"
    );
    text.lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON value per line: {e}\n{line}"))
        })
        .collect()
}

fn rules_of(record: &Value, list: &str) -> Vec<String> {
    record[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {record}"))
        .iter()
        .map(|c| c["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn assert_no_secret(out: &Outcome) {
    assert!(
        !out.all_output().contains(SECRET),
        "a secret was printed\n{out}"
    );
}

// --- image-tag: registries ----------------------------------------------------------------

fn registries_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun/profiles/acme.yaml",
        "extends: production\nrules:\n  image-tag:\n    registries: [docker.io/library, ghcr.io/acme/, \"registry.example.com:5000\"]\n",
    );
    sandbox
}

#[test]
fn an_image_outside_the_allowed_registries_is_refused() {
    let sandbox = registries_sandbox();
    for image in [
        "ghcr.io/acmeevil/app:1",
        "quay.io/acme/app:1",
        "acme/app:1",
        "registry.example.com/team/app:1",
    ] {
        let out = sandbox.run(["--profile", "acme", "run", image]);
        out.assert_code(125).assert_docker_not_run();
        assert!(
            out.stderr.contains("rule 'image-tag' forbids")
                && out
                    .stderr
                    .contains("outside the registries the profile allows"),
            "{image}\n{out}"
        );
    }
}

#[test]
fn an_image_inside_the_allowed_registries_runs() {
    let sandbox = registries_sandbox();
    for image in [
        "nginx:1.27",
        "docker.io/library/nginx:1.27",
        "ghcr.io/acme/app:1",
        "ghcr.io/acme/team/app:1",
        "registry.example.com:5000/team/app:2",
    ] {
        let out = sandbox.run(["--profile", "acme", "run", image]);
        out.assert_code(0);
        assert_eq!(out.docker_words().last().map(String::as_str), Some(image));
    }
}

#[test]
fn an_allowed_registry_does_not_excuse_latest() {
    let out = registries_sandbox().run(["--profile", "acme", "run", "ghcr.io/acme/app:latest"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("latest"), "{out}");
}

#[test]
fn the_registries_parameter_is_documented_and_shown() {
    let out = Sandbox::new().run(["rules", "image-tag"]);
    out.assert_code(0);
    assert!(out.stdout.contains("registries (default"), "{out}");
    let shown = registries_sandbox().run(["profiles", "show", "acme"]);
    shown.assert_code(0);
    assert!(shown.stdout.contains("ghcr.io/acme/"), "{shown}");
}

// --- content-trust ------------------------------------------------------------------------

#[test]
fn strict_hands_off_with_content_trust_and_says_so() {
    let sandbox = Sandbox::new();
    let image = pinned("nginx");
    let out = sandbox.run(["--profile", "strict", "run", &image]);
    out.assert_code(0);
    assert_eq!(out.content_trust.as_deref(), Some("1"), "{out}");

    let explained = sandbox.run(["--profile", "strict", "--explain", "run", &image]);
    explained.assert_code(0);
    assert!(
        explained
            .stderr
            .contains("hardrun: note: content-trust: docker runs with DOCKER_CONTENT_TRUST=1"),
        "{explained}"
    );
    assert!(explained.stderr.contains("docker CLI 29"), "{explained}");

    let json = sandbox.run([
        "--profile",
        "strict",
        "--format",
        "json",
        "--dry-run",
        "run",
        &image,
    ]);
    json.assert_code(0).assert_docker_not_run();
    let notes = json.json()["notes"].to_string();
    assert!(notes.contains("DOCKER_CONTENT_TRUST=1"), "{json}");
}

#[test]
fn strict_create_gets_content_trust_too() {
    let out = Sandbox::new().run(["--profile", "strict", "create", &pinned("nginx")]);
    out.assert_code(0);
    assert_eq!(out.content_trust.as_deref(), Some("1"), "{out}");
}

#[test]
fn production_and_baseline_leave_content_trust_alone() {
    let sandbox = Sandbox::new();
    for profile in ["production", "baseline", "development"] {
        let out = sandbox.run(["--profile", profile, "--explain", "run", "nginx:1.27"]);
        out.assert_code(0);
        assert_eq!(out.content_trust, None, "{profile}\n{out}");
        assert!(!out.stderr.contains("content-trust"), "{profile}\n{out}");
    }
}

#[test]
fn the_user_s_own_content_trust_setting_is_kept_and_said() {
    let mut sandbox = Sandbox::new();
    sandbox.env("DOCKER_CONTENT_TRUST", "0");
    let out = sandbox.run(["--profile", "strict", "--explain", "run", &pinned("nginx")]);
    out.assert_code(0);
    assert_eq!(out.content_trust.as_deref(), Some("0"), "{out}");
    assert!(
        out.stderr.contains("DOCKER_CONTENT_TRUST=0 is already set"),
        "{out}"
    );
}

#[test]
fn content_trust_can_be_waived_for_one_invocation() {
    let out = Sandbox::new().run([
        "--profile",
        "strict",
        "--allow",
        "content-trust=no notary on this network",
        "--explain",
        "run",
        &pinned("nginx"),
    ]);
    out.assert_code(0);
    assert_eq!(out.content_trust, None, "{out}");
    assert!(out.stderr.contains("--allow content-trust"), "{out}");
}

#[test]
fn content_trust_at_warn_only_notes() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun/profiles/trusting.yaml",
        "extends: baseline\nrules:\n  content-trust: warn\n",
    );
    let out = sandbox.run(["--profile", "trusting", "--explain", "run", "nginx:1.27"]);
    out.assert_code(0);
    assert_eq!(out.content_trust, None, "{out}");
    assert!(out.stderr.contains("not checked for signatures"), "{out}");
}

#[test]
fn content_trust_is_not_for_other_docker_commands() {
    let out = Sandbox::new().run(["--profile", "strict", "pull", "nginx:1.27"]);
    out.assert_code(0);
    assert_eq!(out.content_trust, None, "{out}");
}

#[test]
fn content_trust_is_a_documented_rule() {
    let out = Sandbox::new().run(["rules", "content-trust"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("levels:     off, warn, set, enforce, deny"),
        "{out}"
    );
    assert!(out.stdout.contains("docker CLI 29"), "{out}");
    assert!(out.stdout.contains("CIS 4.5"), "{out}");
}

// --- the audit trail ----------------------------------------------------------------------

fn audited() -> (Sandbox, std::path::PathBuf) {
    let mut sandbox = Sandbox::new();
    let log = sandbox.root().join("audit").join("audit.jsonl");
    sandbox.env("HARDRUN_AUDIT_FILE", &log);
    (sandbox, log)
}

#[test]
fn every_hardened_run_appends_one_line_without_secrets() {
    let (sandbox, log) = audited();
    let out = sandbox.run([
        "--profile",
        "development",
        "run",
        "-e",
        &format!("DB_PASSWORD={SECRET}"),
        "nginx:1.27",
    ]);
    out.assert_code(0);
    assert_no_secret(&out);
    // docker itself still gets the value.
    assert!(
        out.docker_words()
            .contains(&format!("DB_PASSWORD={SECRET}"))
    );
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let record = &lines[0];
    assert_eq!(record["profile"], "development");
    assert_eq!(record["command"], "run");
    assert_eq!(record["images"], serde_json::json!(["nginx:1.27"]));
    assert_eq!(record["refused"], false);
    assert_eq!(record["hardrun"], env!("CARGO_PKG_VERSION"));
    let changed = rules_of(record, "changes");
    assert!(changed.iter().any(|r| r == "env-secrets"), "{record}");
    assert!(changed.iter().any(|r| r == "log-rotation"), "{record}");
    let time = record["time"].as_str().unwrap();
    assert!(
        time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{time}"
    );
    assert!(record["uid"].is_u64(), "{record}");
    assert_eq!(
        record["cwd"].as_str().map(Path::new),
        Some(sandbox.cwd().as_path())
    );

    let again = sandbox.run(["--profile", "production", "create", "nginx:1.27"]);
    again.assert_code(0);
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1]["command"], "create");
    assert_eq!(lines[1]["profile"], "production");
    assert!(
        rules_of(&lines[1], "changes")
            .iter()
            .any(|r| r == "read-only-rootfs")
    );
}

#[test]
fn a_refused_run_is_recorded_with_its_refusal() {
    let (sandbox, log) = audited();
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "-e",
        &format!("DB_PASSWORD={SECRET}"),
        "nginx:1.27",
    ]);
    out.assert_code(125).assert_docker_not_run();
    assert_no_secret(&out);
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["refused"], true);
    assert_eq!(rules_of(&lines[0], "refusals"), ["env-secrets"]);
}

#[test]
fn waivers_and_content_trust_are_recorded() {
    let (sandbox, log) = audited();
    let out = sandbox.run([
        "--profile",
        "strict",
        "--allow",
        "no-privileged=needs the host's devices",
        "run",
        "--privileged",
        &pinned("nginx"),
    ]);
    out.assert_code(0);
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(rules_of(&lines[0], "waivers"), ["no-privileged"]);
    assert_eq!(
        lines[0]["docker_env"],
        serde_json::json!(["DOCKER_CONTENT_TRUST=1"])
    );
}

#[test]
fn a_dry_run_and_other_commands_are_not_recorded() {
    let (sandbox, log) = audited();
    sandbox
        .run(["--dry-run", "run", "nginx:1.27"])
        .assert_code(0);
    sandbox.run(["ps", "-a"]).assert_code(0);
    assert!(!log.exists(), "{:?}", fs::read_to_string(&log));
}

#[test]
fn the_log_defaults_to_the_state_directory() {
    let sandbox = Sandbox::new();
    sandbox.run(["run", "nginx:1.27"]).assert_code(0);
    let lines = audit_lines(&sandbox.state_home().join("hardrun").join("audit.jsonl"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["profile"], "baseline");
}

#[test]
fn hardrun_audit_off_writes_nothing() {
    let (mut sandbox, log) = audited();
    sandbox.env("HARDRUN_AUDIT", "off");
    let out = sandbox.run(["run", "nginx:1.27"]);
    out.assert_code(0);
    assert!(out.docker.is_some());
    assert!(!log.exists());
    assert!(!sandbox.state_home().exists());
}

#[test]
fn the_no_audit_option_writes_nothing() {
    let (sandbox, log) = audited();
    let out = sandbox.run(["--no-audit", "run", "nginx:1.27"]);
    out.assert_code(0);
    assert!(out.docker.is_some());
    assert!(!log.exists());
}

#[test]
fn an_unwritable_log_warns_once_and_docker_still_runs() {
    let mut sandbox = Sandbox::new();
    // A directory is not a file hardrun can append to.
    let directory = sandbox.cwd();
    sandbox.env("HARDRUN_AUDIT_FILE", &directory);
    let out = sandbox.run(["--profile", "production", "run", "nginx:1.27"]);
    out.assert_code(0);
    assert!(out.docker.is_some(), "{out}");
    let warnings = out
        .stderr
        .lines()
        .filter(|line| line.starts_with("hardrun: warning: cannot write the audit log"))
        .count();
    assert_eq!(warnings, 1, "{out}");
}

/// A fake docker that resolves a one-service project (`compose config`), accepts the hardened
/// model (`config --quiet`) and records the final `compose up`.
fn fake_compose(sandbox: &mut Sandbox, image: &str) {
    let model = format!(
        "name: demo\nservices:\n  web:\n    image: {image}\n    environment:\n      DB_PASSWORD: {SECRET}\n"
    );
    sandbox.env(
        "FAKE_DOCKER_SCRIPT",
        format!(
            "case \"$*\" in *'config --quiet'*) exit 0 ;; *config*) printf '%s' '{model}'; exit 0 ;; esac"
        ),
    );
}

#[test]
fn compose_up_is_recorded_per_service_without_secrets() {
    let (mut sandbox, log) = audited();
    fake_compose(&mut sandbox, "nginx:1.27");
    let out = sandbox.run(["--profile", "development", "compose", "up", "-d"]);
    out.assert_code(0);
    assert_no_secret(&out);
    let words = out.docker_words();
    assert!(
        words.ends_with(&["up".to_owned(), "-d".to_owned()]),
        "{out}"
    );
    assert_eq!(out.content_trust, None, "{out}");
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let record = &lines[0];
    assert_eq!(record["command"], "compose up");
    assert_eq!(record["images"], serde_json::json!(["nginx:1.27"]));
    let secrets: Vec<&Value> = record["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["rule"] == "env-secrets")
        .collect();
    assert!(!secrets.is_empty(), "{record}");
    assert!(secrets.iter().all(|c| c["service"] == "web"), "{record}");
}

#[test]
fn compose_under_strict_gets_content_trust_and_the_truth_about_it() {
    let (mut sandbox, log) = audited();
    fake_compose(&mut sandbox, &pinned("nginx"));
    let out = sandbox.run([
        "--profile",
        "strict",
        "--allow",
        "env-secrets=a test value",
        "--explain",
        "compose",
        "up",
    ]);
    out.assert_code(0);
    assert_no_secret(&out);
    assert_eq!(out.content_trust.as_deref(), Some("1"), "{out}");
    assert!(
        out.stderr
            .contains("compose does not implement content trust"),
        "{out}"
    );
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0]["docker_env"],
        serde_json::json!(["DOCKER_CONTENT_TRUST=1"])
    );
}

#[test]
fn a_refused_compose_project_is_recorded() {
    let (mut sandbox, log) = audited();
    fake_compose(&mut sandbox, "nginx:1.27");
    let out = sandbox.run(["--profile", "production", "compose", "up"]);
    out.assert_code(125);
    assert_no_secret(&out);
    let lines = audit_lines(&log);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["refused"], true);
    assert!(
        lines[0]["refusals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "env-secrets" && r["service"] == "web"),
        "{}",
        lines[0]
    );
}

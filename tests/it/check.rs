//! `hardrun check`: each input kind (compose, Dockerfile, script, Makefile, CI YAML, Kubernetes)
//! reported at its lines (snapshots), SARIF that validates
//! against the SARIF 2.1.0 schema with the places of a repository's findings, exit codes and
//! baselines, and the in-process compose reading against what Compose resolves. The schema and
//! the validator come from `.ci/check-tools`; under `.ci/run` (`HARDRUN_E2E=required`) a missing
//! tool is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use hardrun::check::compose_file::{self, Neighbours, Reading};
use hardrun::check::positions;
use hardrun::profile::builtin::Builtins;
use hardrun::waivers::{Date, Waivers};
use serde_json::Value;

use crate::support::Sandbox;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A sandbox whose working directory holds a copy of `tests/fixtures/check/NAME`.
fn repo(name: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    copy(&fixtures().join("check").join(name), &sandbox.cwd());
    sandbox
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The tools `.ci/check-tools` installs, or `None` (a failure under `.ci/run`).
fn tools() -> Option<PathBuf> {
    let dir = std::env::var_os("HARDRUN_CHECK_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/check-tools"));
    if dir.join("venv/bin/python").exists() && dir.join("sarif-schema-2.1.0.json").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var("HARDRUN_E2E").as_deref() != Ok("required"),
        "the check tests are mandatory under .ci/run and need .ci/check-tools' tools in {}",
        dir.display()
    );
    eprintln!(
        "SKIPPED: schema validation needs the tools of .ci/check-tools in {}",
        dir.display()
    );
    None
}

#[test]
fn each_input_kind_is_reported_at_its_lines() {
    let sandbox = repo("repo");
    for file in [
        "compose.yaml",
        "Dockerfile",
        "deploy.sh",
        "Makefile",
        ".github/workflows/ci.yml",
        "k8s/web.yaml",
    ] {
        let out = sandbox.run(["--profile", "production", "check", file]);
        out.assert_code(1);
        insta::assert_snapshot!(
            format!("check_{}", file.replace(['/', '.'], "_")),
            out.stdout
        );
    }
}

#[test]
fn sarif_of_a_repository_places_every_finding_and_validates() {
    let sandbox = repo("repo");
    let out = sandbox.run(["--profile", "production", "check", "--format", "sarif", "."]);
    out.assert_code(1);
    let sarif: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let at = |rule: &str, file: &str| -> Vec<(u64, u64)> {
        results
            .iter()
            .filter(|r| {
                r["ruleId"] == rule
                    && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == file
            })
            .map(|r| {
                let region = &r["locations"][0]["physicalLocation"]["region"];
                (
                    region["startLine"].as_u64().unwrap(),
                    region["startColumn"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // Merged from the anchor, where the value is written.
    assert_eq!(at("no-privileged", "compose.yaml"), [(2, 3)]);
    assert_eq!(at("no-docker-socket", "compose.yaml"), [(12, 9)]);
    assert_eq!(at("env-secrets", "compose.yaml"), [(10, 9)]);
    assert_eq!(at("image-tag", "compose.yaml"), [(6, 5)]);
    assert_eq!(at("non-root-user", "Dockerfile"), [(5, 6)]);
    assert_eq!(at("dockerfile-sudo", "Dockerfile"), [(3, 5)]);
    assert_eq!(at("no-privileged", "deploy.sh"), [(3, 15)]);
    assert_eq!(
        at("no-host-namespaces", ".github/workflows/ci.yml"),
        [(4, 30)]
    );
    assert!(
        results
            .iter()
            .all(|r| r["partialFingerprints"]["primaryLocationLineHash"].is_string())
    );
    let Some(tools) = tools() else { return };
    let sarif_file = sandbox.root().join("out.sarif");
    std::fs::write(&sarif_file, &out.stdout).unwrap();
    let validated = Command::new(tools.join("venv/bin/python"))
        .args([
            "-c",
            "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\nv=jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)\nerrors=list(v.iter_errors(doc))\nfor e in errors: print(e.json_path, e.message)\nsys.exit(1 if errors else 0)",
        ])
        .arg(tools.join("sarif-schema-2.1.0.json"))
        .arg(&sarif_file)
        .output()
        .unwrap();
    assert!(
        validated.status.success(),
        "the SARIF does not validate: {}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
}

#[test]
fn fingerprints_survive_lines_moving() {
    let sandbox = repo("repo");
    let before = sandbox.run([
        "--profile",
        "production",
        "check",
        "--format",
        "json",
        "compose.yaml",
    ]);
    let text = std::fs::read_to_string(sandbox.cwd().join("compose.yaml")).unwrap();
    std::fs::write(
        sandbox.cwd().join("compose.yaml"),
        format!("# moved\n\n{text}"),
    )
    .unwrap();
    let after = sandbox.run([
        "--profile",
        "production",
        "check",
        "--format",
        "json",
        "compose.yaml",
    ]);
    let prints = |out: &crate::support::Outcome| -> Vec<(String, u64)> {
        out.json()["files"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (before, after) = (prints(&before), prints(&after));
    assert_eq!(before.len(), after.len());
    for ((a, line_a), (b, line_b)) in before.iter().zip(&after) {
        assert_eq!(a, b);
        assert_eq!(line_a + 2, *line_b);
    }
}

#[test]
fn exit_codes_fail_on_and_baselines() {
    let clean = repo("clean");
    clean
        .run(["--profile", "production", "check"])
        .assert_code(0);
    let sandbox = repo("repo");
    sandbox
        .run(["--profile", "production", "check", "Dockerfile"])
        .assert_code(1);
    // Only low findings at or above critical: none.
    sandbox
        .run([
            "--profile",
            "production",
            "check",
            "--fail-on",
            "critical",
            "Dockerfile",
        ])
        .assert_code(0);
    sandbox
        .run([
            "--profile",
            "production",
            "check",
            "--write-baseline",
            "base.json",
            ".",
        ])
        .assert_code(1);
    let accepted = sandbox.run([
        "--profile",
        "production",
        "check",
        "--baseline",
        "base.json",
        ".",
    ]);
    accepted.assert_code(0);
    assert!(
        accepted.stdout.contains("accepted by the baseline"),
        "{}",
        accepted.stdout
    );
    // A new finding fails again.
    sandbox.write("more.sh", "docker run --privileged busybox:1.36\n");
    sandbox
        .run([
            "--profile",
            "production",
            "check",
            "--baseline",
            "base.json",
            ".",
        ])
        .assert_code(1);
    // A compose file Compose would refuse cannot be evaluated.
    sandbox.write(
        "bad/compose.yaml",
        "services:\n  a:\n    image: ${IMAGE:?set it}\n",
    );
    let bad = sandbox.run(["--profile", "production", "check", "bad"]);
    bad.assert_code(2);
    assert!(
        bad.stdout.contains("could not be evaluated"),
        "{}",
        bad.stdout
    );
}

#[test]
fn fix_prints_a_diff_and_changes_nothing() {
    let sandbox = repo("repo");
    let before = std::fs::read_to_string(sandbox.cwd().join("compose.yaml")).unwrap();
    let out = sandbox.run([
        "--profile",
        "production",
        "check",
        "--fix",
        "compose.yaml",
        "Dockerfile",
    ]);
    assert!(
        out.stdout.contains("+++ b/compose.hardrun.yaml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("-USER root\n+USER 1000:1000"),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.cwd().join("compose.yaml")).unwrap(),
        before
    );
}

#[test]
fn explain_says_how_each_compose_file_was_read() {
    let sandbox = repo("dotenv");
    let out = sandbox.run([
        "--profile",
        "production",
        "--explain",
        "check",
        "compose.yaml",
    ]);
    assert!(out.stdout.contains("read in process"), "{}", out.stdout);
    // The .env sets root and latest; the bind source is the project's, not the host's /data.
    assert!(out.stdout.contains("non-root-user"), "{}", out.stdout);
    assert!(out.stdout.contains("app:latest"), "{}", out.stdout);
}

/// Every compose file of the suite that hardrun reads in process gives the same findings (rule,
/// service, place, change) as the model `docker compose config` prints for it.
#[test]
fn in_process_reading_agrees_with_compose_on_every_compose_file_of_the_suite() {
    let Some(docker) = crate::compose::compose_docker() else {
        return;
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for root in ["compose", "check"] {
        for entry in std::fs::read_dir(fixtures().join(root)).unwrap() {
            let dir = entry.unwrap().path();
            let file = dir.join("compose.yaml");
            if file.is_file() {
                files.push(file);
            }
        }
    }
    let profile = hardrun::profile::load("production", &Builtins).unwrap();
    let waivers = Waivers::allowed_only(Vec::new(), Date::new(2026, 1, 1).unwrap());
    let mut compared = 0;
    for file in &files {
        let dir = file.parent().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        let neighbours = Neighbours {
            dotenv: std::fs::read_to_string(dir.join(".env")).ok(),
            override_file: ["compose.override.yaml", "compose.override.yml"]
                .iter()
                .find(|n| dir.join(n).is_file())
                .map(|n| (*n).to_owned()),
        };
        let Ok(Reading::InProcess(ours)) = compose_file::read(&text, dir, &neighbours, &|_| None)
        else {
            continue;
        };
        let mut command = Command::new(docker);
        command
            .args(["compose", "-f"])
            .arg(file)
            .arg("--project-directory")
            .arg(dir)
            .args(["--profile", "*", "config"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir());
        if let Some(config) = crate::compose::docker_config() {
            command.env("DOCKER_CONFIG", config);
        }
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = hardrun::compose::yaml::parse(&String::from_utf8_lossy(&out.stdout)).unwrap();
        let places = positions::index(&text);
        let judge = |model: &Value| -> Vec<(String, String, u32, u32, String)> {
            let mut found: Vec<_> = compose_file::judge(model, &places, "f", &profile, &waivers)
                .unwrap()
                .findings
                .into_iter()
                .map(|f| {
                    (
                        f.rule.to_owned(),
                        f.subject,
                        f.position.line,
                        f.position.column,
                        f.kind.to_owned(),
                    )
                })
                .collect();
            found.sort();
            found
        };
        assert_eq!(judge(&ours), judge(&theirs), "{}", file.display());
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} files compared");
}

/// For each compose-lint rule, the hardrun rule that finds the same services in the corpus
/// written for it (`tests/fixtures/check/compose-lint/CL-XXXX.yaml`: a hardened service `good`
/// and a service `bad` that breaks that rule alone), under `strict`; `None` where hardrun
/// judges differently, which the README says why.
const COMPOSE_LINT_RULES: [(&str, Option<&str>); 27] = [
    ("CL-0001", Some("no-docker-socket")),
    ("CL-0002", Some("no-privileged")),
    ("CL-0003", Some("no-new-privileges")),
    ("CL-0004", Some("image-tag")),
    ("CL-0005", Some("published-ports-bound")),
    ("CL-0006", Some("drop-capabilities")),
    ("CL-0007", Some("read-only-rootfs")),
    ("CL-0008", Some("no-host-namespaces")),
    ("CL-0009", Some("no-unconfined-security")),
    ("CL-0010", Some("no-host-namespaces")),
    ("CL-0011", Some("no-dangerous-capabilities")),
    ("CL-0013", None),
    ("CL-0014", Some("no-log-driver-none")),
    ("CL-0016", None),
    ("CL-0017", None),
    ("CL-0018", Some("non-root-user")),
    ("CL-0019", Some("image-tag")),
    ("CL-0020", Some("env-secrets")),
    ("CL-0021", Some("env-secrets")),
    ("CL-0022", Some("read-only-rootfs")),
    ("CL-0024", Some("no-dangerous-capabilities")),
    ("CL-0025", Some("no-sensitive-mounts")),
    ("CL-0026", Some("memory-limit")),
    ("CL-0027", Some("no-dangerous-capabilities")),
    ("CL-0028", Some("no-dangerous-capabilities")),
    ("CL-0029", Some("drop-capabilities")),
    ("CL-0030", Some("no-dangerous-capabilities")),
];

#[test]
fn every_compose_lint_rule_finds_what_a_hardrun_rule_finds_or_the_readme_says_why_not() {
    let Some(tools) = tools() else { return };
    let corpus = fixtures().join("check/compose-lint");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let sandbox = Sandbox::new();
    for (rule, ours) in COMPOSE_LINT_RULES {
        let file = corpus.join(format!("{rule}.yaml"));
        let theirs = Command::new(tools.join("venv/bin/compose-lint"))
            .args(["check", "--format", "json"])
            .arg(&file)
            .output()
            .unwrap();
        let theirs: Value = serde_json::from_slice(&theirs.stdout).expect("compose-lint's JSON");
        let mut flagged_by_them: Vec<String> = theirs["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .map(|f| f["service"].as_str().unwrap().to_owned())
            .collect();
        flagged_by_them.dedup();
        assert_eq!(
            flagged_by_them,
            ["bad"],
            "{rule}: the corpus file breaks that rule in 'bad' alone"
        );
        let out = sandbox.run([
            std::ffi::OsStr::new("--profile"),
            "strict".as_ref(),
            "check".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            file.as_os_str(),
        ]);
        let findings = out.json()["files"][0]["findings"]
            .as_array()
            .unwrap()
            .clone();
        match ours {
            Some(ours) => {
                let mut flagged: Vec<String> = findings
                    .iter()
                    .filter(|f| f["rule"] == ours)
                    .map(|f| f["subject"].as_str().unwrap().to_owned())
                    .collect();
                flagged.dedup();
                assert_eq!(flagged, ["service 'bad'"], "{rule} and {ours}");
            }
            None => assert!(
                readme
                    .lines()
                    .any(|l| l.contains(rule) && l.contains("compose-lint")),
                "{rule}: hardrun judges it differently, and the README must say why"
            ),
        }
        // The hardened service is clean under strict: nothing else is found in it.
        assert!(
            findings.iter().all(|f| f["subject"] != "service 'good'"),
            "{rule}: {findings:?}"
        );
    }
}

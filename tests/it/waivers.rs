//! Waivers that outlive one invocation (`.hardrun.yaml`, found upward from the working
//! directory) and reasons on `--allow`: through the real binary and the fake docker.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::{HARDRUN, Sandbox};

/// An image pinned by digest, which `strict` requires.
const PINNED: &str =
    "busybox:1.36@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A project file waiving no-privileged for `image`, until `expires` when given.
fn privileged_waiver(image: &str, expires: Option<&str>) -> String {
    let expires = expires
        .map(|date| format!("    expires: {date}\n"))
        .unwrap_or_default();
    format!(
        "waivers:\n  - rule: no-privileged\n    image: {image}\n    reason: \"loads a kernel module at start\"\n{expires}"
    )
}

fn run_privileged(sandbox: &Sandbox, image: &str) -> crate::support::Outcome {
    sandbox.run(["--profile", "production", "run", "--privileged", image])
}

#[test]
fn a_waiver_scoped_to_the_image_lets_privileged_through() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun.yaml", &privileged_waiver("busybox", None));
    let out = run_privileged(&sandbox, "busybox:1.36");
    out.assert_code(0);
    let docker = out.docker_words();
    assert!(docker.contains(&"--privileged".to_owned()), "{out}");
    assert!(
        docker.contains(&"io.hardrun.waived=no-privileged".to_owned()),
        "the waiver is recorded on the container\n{out}"
    );
    assert!(
        out.stderr.contains(
            "hardrun: waived: no-privileged: --privileged: a privileged container has every capability and device of the host (waiver at .hardrun.yaml:2:5: loads a kernel module at start)"
        ),
        "{out}"
    );
}

#[test]
fn a_waiver_until_a_future_date_applies() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        &privileged_waiver("busybox", Some("2999-12-31")),
    );
    run_privileged(&sandbox, "docker.io/library/busybox:1.36").assert_code(0);
}

#[test]
fn a_waiver_applies_to_its_image_and_tag_only() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun.yaml", &privileged_waiver("busybox:1.36", None));
    run_privileged(&sandbox, "busybox:1.36").assert_code(0);
    for other in ["busybox:1.37", "alpine:3.20", "acme/busybox:1.36"] {
        run_privileged(&sandbox, other)
            .assert_code(125)
            .assert_docker_not_run();
    }
}

#[test]
fn an_expired_waiver_no_longer_lets_privileged_through() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        &privileged_waiver("busybox", Some("2025-01-31")),
    );
    let out = run_privileged(&sandbox, "busybox:1.36");
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr.contains(
            "hardrun: refused by profile 'production': rule 'no-privileged' forbids --privileged: a privileged container has every capability and device of the host; a waiver for no-privileged expired on 2025-01-31 (.hardrun.yaml:2:5)"
        ),
        "{out}"
    );
}

#[test]
fn an_expired_waiver_whose_rule_has_nothing_to_refuse_is_a_warning() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        &privileged_waiver("busybox", Some("2025-01-31")),
    );
    let out = sandbox.run(["--profile", "production", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert!(
        out.stderr.contains(
            "hardrun: warning: no-privileged: the waiver for busybox expired on 2025-01-31 (.hardrun.yaml:2:5): the rule applies again"
        ),
        "{out}"
    );
}

#[test]
fn explain_and_json_show_the_waiver_with_its_reason() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        "waivers:\n  - rule: read-only-rootfs\n    image: ghcr.io/acme/legacy        # scope\n    reason: \"writes to /var/lib/app until v2\"\n    expires: 2999-03-31\n",
    );
    let note = "waiver: read-only-rootfs for ghcr.io/acme/legacy until 2999-03-31: writes to /var/lib/app until v2 (.hardrun.yaml:2:5)";
    let args = |extra: &[&'static str]| {
        let mut args = vec!["--profile", "production", "--dry-run"];
        args.extend(extra);
        args.extend(["run", "ghcr.io/acme/legacy:1.4"]);
        args
    };
    let text = sandbox.run(args(&["--explain"]));
    text.assert_code(0);
    assert!(
        text.stderr.contains(&format!("hardrun: note: {note}\n")),
        "{text}"
    );
    assert!(!text.stdout.contains("--read-only"), "{text}");

    let json = sandbox.run(args(&["--format", "json"]));
    json.assert_code(0);
    let report = json.json();
    let notes = report["notes"].as_array().expect("notes");
    assert!(notes.iter().any(|n| n == note), "{json}");
    let waived = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["rule"] == "read-only-rootfs")
        .expect("a change for read-only-rootfs");
    assert_eq!(waived["kind"], "waived");
    assert!(
        waived["reason"].as_str().unwrap().ends_with(
            "(waiver at .hardrun.yaml:2:5 until 2999-03-31: writes to /var/lib/app until v2)"
        ),
        "{json}"
    );
}

#[test]
fn a_waiver_in_a_parent_directory_is_found() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(".hardrun.yaml", &privileged_waiver("busybox", None));
    let below = sandbox.cwd().join("services").join("kernel");
    fs::create_dir_all(&below).unwrap();
    let mut command = sandbox.command(HARDRUN);
    command.current_dir(&below).args([
        "--profile",
        "production",
        "run",
        "--privileged",
        "busybox:1.36",
    ]);
    let out = sandbox.outcome(command);
    out.assert_code(0);
    assert!(
        out.stderr
            .contains(&format!("(waiver at {}:2:5: ", file.display())),
        "a file further up is named by its path\n{out}"
    );

    // The nearest file wins, even when it waives nothing.
    sandbox.write("services/.hardrun.yaml", "waivers: []\n");
    let mut command = sandbox.command(HARDRUN);
    command.current_dir(&below).args([
        "--profile",
        "production",
        "run",
        "--privileged",
        "busybox:1.36",
    ]);
    sandbox
        .outcome(command)
        .assert_code(125)
        .assert_docker_not_run();
}

/// Runs `hardrun --profile production run --privileged busybox:1.36` with `text` as the
/// project file: it must be an error (exit 2) and nothing may run.
#[track_caller]
fn project_error(text: &str) -> String {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun.yaml", text);
    let out = run_privileged(&sandbox, "busybox:1.36");
    out.assert_code(2).assert_docker_not_run();
    assert_eq!(out.stdout, "", "{out}");
    out.stderr
}

#[test]
fn an_invalid_date_is_an_error_at_its_line_and_column() {
    let stderr = project_error(&privileged_waiver("busybox", Some("2027-02-30")));
    assert_eq!(
        stderr,
        "hardrun: .hardrun.yaml:5:14: invalid date '2027-02-30': February 2027 has 28 days\n\
         help: write the last day the waiver applies as YYYY-MM-DD, such as 2027-03-31\n"
    );
    let stderr = project_error(&privileged_waiver("busybox", Some("31/03/2027")));
    assert!(
        stderr.starts_with(
            "hardrun: .hardrun.yaml:5:14: invalid date '31/03/2027': expected YYYY-MM-DD\n"
        ),
        "{stderr}"
    );
    // 2096 is a leap year (the waiver is valid and applies), 2100 is not.
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        &privileged_waiver("busybox", Some("2096-02-29")),
    );
    run_privileged(&sandbox, "busybox:1.36").assert_code(0);
    let stderr = project_error(&privileged_waiver("busybox", Some("2100-02-29")));
    assert!(stderr.contains("February 2100 has 28 days"), "{stderr}");
}

#[test]
fn an_unknown_rule_is_an_error_with_a_suggestion() {
    let stderr = project_error(
        "waivers:\n  - rule: no-priviliged\n    image: busybox\n    reason: \"why\"\n",
    );
    assert_eq!(
        stderr,
        "hardrun: .hardrun.yaml:2:11: unknown rule 'no-priviliged'\nhelp: did you mean 'no-privileged'?\n"
    );
}

#[test]
fn an_unknown_key_is_an_error_with_a_suggestion() {
    let stderr = project_error(
        "waivers:\n  - rule: no-privileged\n    image: busybox\n    reason: \"why\"\n    expire: 2027-01-01\n",
    );
    assert_eq!(
        stderr,
        "hardrun: .hardrun.yaml:5:5: unknown key 'expire' in a waiver\nhelp: did you mean 'expires'?\n"
    );
}

#[test]
fn a_waiver_without_a_reason_is_an_error() {
    let stderr = project_error("waivers:\n  - rule: no-privileged\n    image: busybox\n");
    assert!(
        stderr.starts_with(
            "hardrun: .hardrun.yaml:2:5: the waiver for 'no-privileged' needs a reason\nhelp: "
        ),
        "{stderr}"
    );
    let stderr =
        project_error("waivers:\n  - rule: no-privileged\n    image: busybox\n    reason: \"\"\n");
    assert!(
        stderr.starts_with("hardrun: .hardrun.yaml:4:13: the reason is empty\n"),
        "{stderr}"
    );
}

#[test]
fn a_waiver_needs_exactly_one_scope() {
    let stderr = project_error("waivers:\n  - rule: no-privileged\n    reason: \"why\"\n");
    assert!(
        stderr.starts_with(
            "hardrun: .hardrun.yaml:2:5: the waiver for 'no-privileged' has no scope\n"
        ),
        "{stderr}"
    );
    let stderr = project_error(
        "waivers:\n  - rule: no-privileged\n    image: busybox\n    service: web\n    reason: \"why\"\n",
    );
    assert!(
        stderr.starts_with("hardrun: .hardrun.yaml:4:5: a waiver has one scope, but this one has both 'image' (line 3) and 'service'\n"),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_project_file_is_an_error() {
    // A directory where the file should be cannot be read, whoever runs the test.
    let sandbox = Sandbox::new();
    fs::create_dir_all(sandbox.cwd().join(".hardrun.yaml")).unwrap();
    let out = run_privileged(&sandbox, "busybox:1.36");
    out.assert_code(2).assert_docker_not_run();
    assert!(
        out.stderr
            .starts_with("hardrun: cannot read the project file "),
        "{out}"
    );

    let sandbox = Sandbox::new();
    let file = sandbox.write(".hardrun.yaml", &privileged_waiver("busybox", None));
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&file).is_ok() {
        eprintln!("skipped: the test runs as root, which reads a file of mode 000");
        return;
    }
    let out = run_privileged(&sandbox, "busybox:1.36");
    out.assert_code(2).assert_docker_not_run();
    assert!(
        out.stderr.contains(&format!(
            "hardrun: cannot read the project file {}: Permission denied",
            file.display()
        )),
        "{out}"
    );
    assert!(out.stderr.contains("\nhelp: "), "{out}");
}

#[test]
fn commands_that_pass_through_do_not_read_the_project_file() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun.yaml", "waivers: [not, closed\n");
    let out = sandbox.run(["ps", "-a"]);
    out.assert_code(0);
    assert_eq!(out.docker_words(), ["ps", "-a"]);
}

#[test]
fn allow_takes_a_reason_that_explain_reports() {
    let out = Sandbox::new().run([
        "--allow",
        "no-privileged=loads a kernel module",
        "--explain",
        "--dry-run",
        "run",
        "--privileged",
        "busybox:1.36",
    ]);
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("hardrun: note: waiver: no-privileged (--allow): loads a kernel module\n"),
        "{out}"
    );
    assert!(
        out.stderr.contains("(--allow: loads a kernel module)"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("--label io.hardrun.waived=no-privileged"),
        "{out}"
    );
}

#[test]
fn allow_keeps_checking_the_rule_and_refuses_an_empty_reason() {
    let out = Sandbox::new().run(["--allow", "no-priviliged=why", "run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    assert!(out.stderr.contains("did you mean 'no-privileged'"), "{out}");
    let out = Sandbox::new().run(["--allow=no-privileged=", "run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    assert!(out.stderr.contains("gives an empty reason"), "{out}");
}

#[test]
fn strict_asks_for_a_reason_with_allow() {
    let sandbox = Sandbox::new();
    let out = sandbox.run([
        "--profile",
        "strict",
        "--allow",
        "no-privileged",
        "run",
        "--privileged",
        PINNED,
    ]);
    out.assert_code(2).assert_docker_not_run();
    assert_eq!(
        out.stderr,
        "hardrun: profile 'strict' needs a reason for every waiver, and --allow no-privileged gives none\n\
         help: say why: --allow 'no-privileged=why this container cannot follow the rule'\n"
    );

    let out = sandbox.run([
        "--profile",
        "strict",
        "--allow",
        "no-privileged=needed for X",
        "run",
        "--privileged",
        PINNED,
    ]);
    out.assert_code(0);
    assert!(
        out.docker_words().contains(&"--privileged".to_owned()),
        "{out}"
    );
    assert!(out.stderr.contains("(--allow: needed for X)"), "{out}");
}

#[test]
fn a_profile_that_extends_strict_asks_for_a_reason_too() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun/profiles/ours.yaml",
        "extends: strict\nrules:\n  pids-limit: warn\n",
    );
    let out = sandbox.run([
        "--profile",
        "ours",
        "--allow",
        "no-privileged",
        "run",
        "--privileged",
        PINNED,
    ]);
    out.assert_code(2).assert_docker_not_run();
    assert!(
        out.stderr
            .starts_with("hardrun: profile 'ours' needs a reason for every waiver"),
        "{out}"
    );
    // Other profiles take `--allow RULE` alone.
    sandbox
        .run([
            "--profile",
            "production",
            "--allow",
            "no-privileged",
            "run",
            "--privileged",
            "busybox:1.36",
        ])
        .assert_code(0);
}

// --- compose -----------------------------------------------------------------------------

/// A fake compose: `config` prints `model`, `config --quiet` accepts what it is given.
fn compose_sandbox(model: &str) -> Sandbox {
    let mut sandbox = Sandbox::new();
    sandbox.env("FAKE_MODEL", model).env(
        "FAKE_DOCKER_SCRIPT",
        r#"case "$*" in *"config --quiet"*) cat >/dev/null; exit 0;; *config*) printf '%s' "$FAKE_MODEL"; exit 0;; esac"#,
    );
    for variable in ["COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"] {
        sandbox.env_remove(variable);
    }
    sandbox
}

const MODEL: &str = "name: demo
services:
  monitor:
    image: gcr.io/cadvisor/cadvisor:v0.49.1
    privileged: true
  web:
    image: ghcr.io/acme/legacy:1.0
";

const COMPOSE_WAIVERS: &str = "waivers:
  - rule: no-privileged
    service: monitor
    reason: \"cadvisor needs the host's devices\"
  - rule: read-only-rootfs
    image: ghcr.io/acme/legacy
    reason: \"writes to /var/lib/app until v2\"
";

#[test]
fn compose_services_take_waivers_by_name_or_image() {
    let sandbox = compose_sandbox(MODEL);
    sandbox.write(".hardrun.yaml", COMPOSE_WAIVERS);
    let out = sandbox.run(["--profile", "production", "--dry-run", "compose", "up"]);
    out.assert_code(0);
    let model: serde_json::Value = serde_saphyr::from_str(&out.stdout).expect("a YAML model");
    let monitor = &model["services"]["monitor"];
    assert_eq!(monitor["privileged"], true, "{out}");
    assert_eq!(monitor["labels"]["io.hardrun.waived"], "no-privileged");
    let web = &model["services"]["web"];
    assert!(web.get("read_only").is_none(), "{out}");
    assert_eq!(web["labels"]["io.hardrun.waived"], "read-only-rootfs");
    assert!(
        out.stderr
            .contains("(waiver at .hardrun.yaml:2:5: cadvisor needs the host's devices)"),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("(waiver at .hardrun.yaml:5:5: writes to /var/lib/app until v2)"),
        "{out}"
    );
}

#[test]
fn an_expired_compose_waiver_says_so_in_the_refusal() {
    let sandbox = compose_sandbox(MODEL);
    sandbox.write(
        ".hardrun.yaml",
        &COMPOSE_WAIVERS.replace(
            "    reason: \"cadvisor",
            "    expires: 2025-01-31\n    reason: \"cadvisor",
        ),
    );
    let out = sandbox.run(["--profile", "production", "--dry-run", "compose", "up"]);
    out.assert_code(125);
    assert!(
        out.stderr.contains(
            "rule 'no-privileged' forbids services.monitor.privileged=true: a privileged container has every capability and device of the host; a waiver for no-privileged expired on 2025-01-31 (.hardrun.yaml:2:5)"
        ),
        "{out}"
    );
}

#[test]
fn an_invalid_project_file_stops_compose_before_it_runs() {
    let sandbox = compose_sandbox(MODEL);
    sandbox.write(
        ".hardrun.yaml",
        "waivers:\n  - rule: no-privileged\n    service: monitor\n",
    );
    let out = sandbox.run(["--profile", "production", "compose", "up"]);
    out.assert_code(2).assert_docker_not_run();
    assert!(
        out.stderr.starts_with(
            "hardrun: .hardrun.yaml:2:5: the waiver for 'no-privileged' needs a reason"
        ),
        "{out}"
    );
}

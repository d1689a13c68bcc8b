//! hardrun's command-line behaviour through the real binary and a fake docker.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};

use crate::support::{HARDRUN, Sandbox, assert_subsequence, fake_docker_dir, rule_ids, words};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Runs `args` and asserts docker received exactly `expected`.
#[track_caller]
fn assert_passthrough(args: &[&str], expected: &[&str]) {
    let out = Sandbox::new().run(args);
    out.assert_code(0);
    assert_eq!(out.docker, Some(words(expected)), "{out}");
    assert!(
        !out.stderr.contains("hardrun"),
        "a passthrough prints nothing of hardrun's\n{out}"
    );
}

// --- passthrough --------------------------------------------------------------------------

#[test]
fn ps_is_execed_with_exactly_its_arguments() {
    assert_passthrough(&["ps", "-a"], &["ps", "-a"]);
}

#[test]
fn other_docker_commands_pass_through_unchanged() {
    assert_passthrough(&["logs", "-f", "x"], &["logs", "-f", "x"]);
    assert_passthrough(&["build", "."], &["build", "."]);
    assert_passthrough(&["exec", "-it", "c", "sh"], &["exec", "-it", "c", "sh"]);
    assert_passthrough(&["images"], &["images"]);
    assert_passthrough(&["-H", "unix:///x", "ps"], &["-H", "unix:///x", "ps"]);
}

#[test]
fn a_double_dash_hands_version_to_docker() {
    assert_passthrough(&["--", "--version"], &["--version"]);
}

#[test]
fn passthrough_keeps_hardrun_s_option_names_inside_the_docker_command() {
    let out = Sandbox::new().run([
        "--profile",
        "production",
        "compose",
        "--profile",
        "web",
        "up",
    ]);
    out.assert_code(0);
    // compose is hardened through `config` (the fake docker prints an empty model) and handed
    // the model on a descriptor; compose's own `--profile web` stays where it was.
    let docker = out.docker_words();
    assert_eq!(docker[..3], ["compose", "--profile", "web"], "{out}");
    assert_eq!(docker.last().map(String::as_str), Some("up"), "{out}");
    assert!(!docker.contains(&"production".to_owned()), "{out}");
}

#[test]
fn passthrough_does_not_mangle_non_utf8_arguments() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let odd = OsStr::from_bytes(b"caf\xe9").to_owned();
    let out = Sandbox::new().run([OsStr::new("logs").to_owned(), odd.clone()]);
    out.assert_code(0);
    assert_eq!(out.docker, Some(vec!["logs".into(), odd]), "{out}");
}

// --- hardened run keeps the user's words ----------------------------------------------------

#[test]
fn hardened_run_keeps_every_user_argument_in_order_and_inserts_before_the_image() {
    let user = strings(&["run", "--rm", "-it", "busybox", "sh", "-c", "echo hi"]);
    let out = Sandbox::new().run(&user);
    out.assert_code(0);
    let docker = out.docker_words();
    assert_subsequence(&user, &docker);
    assert!(docker.len() > user.len(), "flags were added\n{out}");
    assert_eq!(docker[0], "run");
    assert_eq!(
        &docker[docker.len() - 4..],
        ["busybox", "sh", "-c", "echo hi"],
        "image and command stay at the end, unchanged\n{out}"
    );
    let image = docker.len() - 4;
    assert_subsequence(&user[..3], &docker[..image]);
    assert!(docker.contains(&"--pids-limit".to_owned()), "{out}");
}

#[test]
fn hardened_flags_go_before_a_double_dash_that_precedes_the_image() {
    let user = strings(&["run", "--rm", "--", "busybox", "echo", "hi"]);
    let out = Sandbox::new().run(&user);
    out.assert_code(0);
    let docker = out.docker_words();
    assert_subsequence(&user, &docker);
    assert_eq!(
        &docker[docker.len() - 4..],
        ["--", "busybox", "echo", "hi"],
        "{out}"
    );
    assert_eq!(
        docker.iter().filter(|w| *w == "--").count(),
        1,
        "the double dash is not duplicated\n{out}"
    );
}

#[test]
fn global_options_stay_before_the_run_command() {
    let user = strings(&["-H", "unix:///x", "run", "busybox:1.36"]);
    let out = Sandbox::new().run(&user);
    out.assert_code(0);
    let docker = out.docker_words();
    assert_eq!(&docker[..3], ["-H", "unix:///x", "run"], "{out}");
    assert_eq!(docker.last().map(String::as_str), Some("busybox:1.36"));
    assert!(docker.contains(&"--pids-limit".to_owned()), "{out}");
}

#[test]
fn container_create_is_hardened_too() {
    let user = strings(&["container", "create", "-it", "busybox:1.36", "sh"]);
    let out = Sandbox::new().run(&user);
    out.assert_code(0);
    let docker = out.docker_words();
    assert_subsequence(&user, &docker);
    assert!(
        docker.contains(&"no-new-privileges=true".to_owned()),
        "{out}"
    );
    assert_eq!(&docker[docker.len() - 2..], ["busybox:1.36", "sh"]);
}

#[test]
fn flags_after_the_image_belong_to_the_container() {
    let out = Sandbox::new().run(["run", "busybox", "--rm", "--privileged"]);
    out.assert_code(0);
    let docker = out.docker_words();
    assert_eq!(
        &docker[docker.len() - 3..],
        ["busybox", "--rm", "--privileged"],
        "{out}"
    );
    assert!(!out.stderr.contains("refused"), "{out}");
}

// --- exit status and the recursion guard ----------------------------------------------------

#[test]
fn docker_s_exit_status_is_hardrun_s() {
    let mut sandbox = Sandbox::new();
    sandbox.env("FAKE_DOCKER_EXIT", "7");
    sandbox.run(["ps"]).assert_code(7);
    let out = sandbox.run(["run", "--rm", "busybox:1.36", "false"]);
    out.assert_code(7);
    assert!(out.docker.is_some());
}

#[test]
fn closed_standard_descriptors_are_dev_null_for_hardrun_and_docker() {
    // hardrun starts without the standard library's runtime (src/start.rs) and opens closed
    // standard descriptors on /dev/null itself: the audit log must not become its stdout.
    let mut sandbox = Sandbox::new();
    let seen = sandbox.root().join("descriptors");
    sandbox.env(
        "FAKE_DOCKER_SCRIPT",
        format!(
            // Read before any redirection of the shell's own (dash redirects in the shell).
            "a=$(readlink /proc/$$/fd/0) b=$(readlink /proc/$$/fd/1) c=$(readlink /proc/$$/fd/2); \
             printf '%s\\n' \"$a\" \"$b\" \"$c\" > '{}'",
            seen.display()
        ),
    );
    let mut command = sandbox.command("/bin/sh");
    command
        .arg("-c")
        .arg("exec \"$0\" \"$@\" <&- >&- 2>&-")
        .arg(HARDRUN)
        .args(["--explain", "--profile", "production", "run", "nginx:1.27"]);
    let out = sandbox.outcome(command);
    out.assert_code(0);
    assert!(out.docker.is_some(), "{out}");
    assert_eq!(
        fs::read_to_string(&seen).unwrap(),
        "/dev/null\n/dev/null\n/dev/null\n"
    );
    let log = sandbox.state_home().join("hardrun/audit.jsonl");
    let log = fs::read_to_string(&log).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
    let record: serde_json::Value = serde_json::from_str(&log).expect("one JSON record");
    assert_eq!(record["command"], "run");
}

#[test]
fn docker_runs_with_hardrun_active_set_to_one() {
    let out = Sandbox::new().run(["run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(out.active.as_deref(), Some("1"), "{out}");
    let out = Sandbox::new().run(["ps"]);
    assert_eq!(out.active.as_deref(), Some("1"), "{out}");
}

#[test]
fn an_active_outer_hardrun_means_pass_through_unhardened() {
    let mut sandbox = Sandbox::new();
    sandbox.env("HARDRUN_ACTIVE", "1");
    let out = sandbox.run(["run", "--privileged", "busybox"]);
    out.assert_code(0);
    assert_eq!(
        out.docker,
        Some(words(&["run", "--privileged", "busybox"])),
        "{out}"
    );
    assert_eq!(out.active.as_deref(), Some("2"), "{out}");
}

#[test]
fn a_loop_through_wrappers_stops_with_126_and_names_hardrun_docker() {
    let mut sandbox = Sandbox::new();
    sandbox.env("HARDRUN_ACTIVE", "3");
    let out = sandbox.run(["ps"]);
    out.assert_code(126).assert_docker_not_run();
    assert!(out.stderr.contains("HARDRUN_DOCKER"), "{out}");
}

// --- finding docker -------------------------------------------------------------------------

#[test]
fn missing_docker_exits_127_with_a_clear_message() {
    let mut sandbox = Sandbox::new();
    let empty = sandbox.root().join("empty-bin");
    fs::create_dir_all(&empty).unwrap();
    sandbox.env_remove("HARDRUN_DOCKER").env("PATH", &empty);
    for args in [&["ps"][..], &["run", "busybox:1.36"][..]] {
        let out = sandbox.run(args);
        out.assert_code(127).assert_docker_not_run();
        assert!(out.stderr.contains("cannot find docker"), "{out}");
    }
}

#[test]
fn a_non_executable_hardrun_docker_exits_126() {
    let mut sandbox = Sandbox::new();
    let file = sandbox.root().join("not-executable");
    fs::write(&file, "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    sandbox.env("HARDRUN_DOCKER", &file);
    let out = sandbox.run(["ps"]);
    out.assert_code(126).assert_docker_not_run();
    assert!(out.stderr.contains("HARDRUN_DOCKER"), "{out}");
}

/// hardrun symlinked as `docker` first on PATH, the (fake) real docker second.
fn installed_as_docker() -> (Sandbox, std::path::PathBuf) {
    let mut sandbox = Sandbox::new();
    let bin = sandbox.root().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let link = bin.join("docker");
    symlink(HARDRUN, &link).unwrap();
    let path = std::env::join_paths([bin.as_path(), fake_docker_dir()]).unwrap();
    sandbox.env_remove("HARDRUN_DOCKER").env("PATH", path);
    (sandbox, link)
}

#[test]
fn installed_as_docker_it_skips_itself_on_path_and_reaches_the_real_docker() {
    let (sandbox, link) = installed_as_docker();
    let mut command = sandbox.command(&link);
    command.args(["ps"]);
    let out = sandbox.outcome(command);
    out.assert_code(0);
    assert_eq!(out.docker, Some(words(&["ps"])), "{out}");

    let mut command = sandbox.command(&link);
    command.args(["run", "--rm", "busybox:1.36"]);
    let out = sandbox.outcome(command);
    out.assert_code(0);
    assert!(
        out.docker_words().contains(&"--pids-limit".to_owned()),
        "run is hardened under the docker name too\n{out}"
    );
}

#[test]
fn installed_as_docker_version_and_help_belong_to_docker() {
    let (sandbox, link) = installed_as_docker();
    for flag in ["--version", "--help"] {
        let mut command = sandbox.command(&link);
        command.arg(flag);
        let out = sandbox.outcome(command);
        out.assert_code(0);
        assert_eq!(out.docker, Some(words(&[flag])), "{out}");
        assert!(
            out.stdout.is_empty(),
            "hardrun printed its own {flag}\n{out}"
        );
    }
}

#[test]
fn under_its_own_name_version_is_hardrun_s() {
    let out = Sandbox::new().run(["--version"]);
    out.assert_code(0).assert_docker_not_run();
    assert!(out.stdout.contains(env!("CARGO_PKG_VERSION")), "{out}");
}

// --- unreadable command lines ---------------------------------------------------------------

#[test]
fn an_unknown_run_flag_is_refused_with_125_and_named() {
    let out = Sandbox::new().run(["run", "--bogus", "img"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("--bogus"), "{out}");
}

#[test]
fn a_run_only_flag_on_create_is_refused() {
    let out = Sandbox::new().run(["create", "-d", "img"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("--detach"), "{out}");
}

#[test]
fn invalid_typed_values_are_refused() {
    for (args, flag) in [
        (["run", "--pids-limit", "abc", "img"], "--pids-limit"),
        (
            ["run", "--health-interval", "30", "img"],
            "--health-interval",
        ),
    ] {
        let out = Sandbox::new().run(args);
        out.assert_code(125).assert_docker_not_run();
        assert!(out.stderr.contains(flag), "{out}");
    }
}

// --- --allow ------------------------------------------------------------------------------

#[test]
fn allow_waives_a_refusal_for_this_invocation() {
    let out = Sandbox::new().run(["--allow", "no-privileged", "run", "--privileged", "busybox"]);
    out.assert_code(0);
    let docker = out.docker_words();
    assert!(docker.contains(&"--privileged".to_owned()), "{out}");
    assert_eq!(docker.last().map(String::as_str), Some("busybox"));
}

#[test]
fn allow_with_an_unknown_rule_is_a_usage_error_with_a_suggestion() {
    let out = Sandbox::new().run(["--allow", "no-priviliged", "run", "--privileged", "busybox"]);
    out.assert_code(2).assert_docker_not_run();
    assert!(out.stderr.contains("did you mean 'no-privileged'"), "{out}");

    let out = Sandbox::new().run(["--allow", "no-such-rule", "run", "busybox"]);
    out.assert_code(2).assert_docker_not_run();
    assert!(out.stderr.contains("no-such-rule"), "{out}");
}

// --- --dry-run, --format json, --explain --------------------------------------------------

#[test]
fn dry_run_prints_one_docker_command_and_runs_nothing() {
    let out = Sandbox::new().run(["--dry-run", "run", "--rm", "busybox:1.36"]);
    out.assert_code(0).assert_docker_not_run();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("docker run "), "{out}");
}

#[test]
fn dry_run_as_json_has_profile_refused_changes_and_command() {
    let out = Sandbox::new().run([
        "--format",
        "json",
        "--dry-run",
        "run",
        "--rm",
        "busybox:1.36",
        "echo",
        "hi",
    ]);
    out.assert_code(0).assert_docker_not_run();
    let json = out.json();
    assert_eq!(json["profile"], "baseline");
    assert_eq!(json["refused"], false);
    assert!(
        json["changes"].as_array().is_some_and(|c| !c.is_empty()),
        "{json:#}"
    );
    let command: Vec<&str> = json["command"]
        .as_array()
        .expect("command is an array")
        .iter()
        .map(|w| w.as_str().expect("words are strings"))
        .collect();
    assert_eq!(command[..2], ["docker", "run"]);
    assert_eq!(command[command.len() - 3..], ["busybox:1.36", "echo", "hi"]);
    for change in json["changes"].as_array().unwrap() {
        assert!(
            change["rule"].is_string() && change["kind"].is_string(),
            "{change:#}"
        );
    }
}

#[test]
fn a_refused_json_dry_run_exits_125_with_refused_true() {
    let out = Sandbox::new().run([
        "--format",
        "json",
        "--dry-run",
        "run",
        "--privileged",
        "busybox",
    ]);
    out.assert_code(125).assert_docker_not_run();
    let json = out.json();
    assert_eq!(json["refused"], true, "{json:#}");
    let refused: Vec<&serde_json::Value> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "refused")
        .collect();
    assert_eq!(refused.len(), 1, "{json:#}");
    assert_eq!(refused[0]["rule"], "no-privileged");
    assert_eq!(refused[0]["offending"], "--privileged");
}

#[test]
fn explain_writes_changes_to_stderr_and_nothing_to_stdout() {
    let out = Sandbox::new().run(["--explain", "run", "--rm", "busybox:1.36"]);
    out.assert_code(0);
    assert!(out.docker.is_some(), "--explain still runs docker\n{out}");
    assert!(out.stdout.is_empty(), "{out}");
    for needle in [
        "added",
        "kept",
        "no-new-privileges",
        "pids-limit",
        "log-rotation",
    ] {
        assert!(out.stderr.contains(needle), "missing {needle:?}\n{out}");
    }
    assert!(
        out.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("added") && l.contains("pids-limit")),
        "{out}"
    );
}

#[test]
fn a_refusal_names_the_rule_and_the_way_out_without_explain() {
    let out = Sandbox::new().run(["run", "--privileged", "busybox"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(out.stderr.contains("no-privileged"), "{out}");
    assert!(out.stderr.contains("--allow no-privileged"), "{out}");
    assert!(out.stdout.is_empty(), "{out}");
}

// --- secrets ------------------------------------------------------------------------------

const SECRET: &str = "hunter2";

#[test]
fn a_secret_value_is_never_shown_under_development() {
    let args = [
        "--profile",
        "development",
        "--dry-run",
        "run",
        "-e",
        "DB_PASSWORD=hunter2",
        "img:1",
    ];
    let out = Sandbox::new().run(args);
    out.assert_code(0).assert_docker_not_run();
    assert!(!out.all_output().contains(SECRET), "{out}");
    assert!(
        out.stdout.contains("DB_PASSWORD="),
        "the variable itself is kept\n{out}"
    );
    assert!(
        out.stderr.contains("env-secrets"),
        "it is warned about\n{out}"
    );

    let out = Sandbox::new().run(
        [
            "--profile",
            "development",
            "--explain",
            "--format",
            "json",
            "--dry-run",
        ]
        .into_iter()
        .chain(["run", "-e", "DB_PASSWORD=hunter2", "img:1"]),
    );
    out.assert_code(0);
    assert!(!out.all_output().contains(SECRET), "{out}");
    out.json();

    let out = Sandbox::new().run(
        ["--profile", "development", "--explain", "--dry-run"]
            .into_iter()
            .chain(["run", "--env=DB_PASSWORD=hunter2", "img:1"]),
    );
    out.assert_code(0);
    assert!(!out.all_output().contains(SECRET), "{out}");
}

#[test]
fn a_secret_is_refused_under_production_and_never_shown() {
    for format in ["text", "json"] {
        for explain in [false, true] {
            let mut args = vec!["--profile", "production", "--format", format];
            if explain {
                args.push("--explain");
            }
            args.extend(["--dry-run", "run", "-e", "DB_PASSWORD=hunter2", "img:1"]);
            let out = Sandbox::new().run(&args);
            out.assert_code(125).assert_docker_not_run();
            assert!(!out.all_output().contains(SECRET), "{args:?}\n{out}");
            assert!(out.all_output().contains("env-secrets"), "{args:?}\n{out}");
        }
    }
}

#[test]
fn docker_receives_the_real_secret_value_masking_is_for_display_only() {
    let out = Sandbox::new().run([
        "--profile",
        "development",
        "--explain",
        "run",
        "-e",
        "DB_PASSWORD=hunter2",
        "img:1",
    ]);
    out.assert_code(0);
    assert!(!out.all_output().contains(SECRET), "{out}");
    let docker = out.docker_words();
    assert_subsequence(
        &strings(&["run", "-e", "DB_PASSWORD=hunter2", "img:1"]),
        &docker,
    );
}

// --- hardrun's own subcommands --------------------------------------------------------------

#[test]
fn rules_lists_every_rule_id() {
    let ids = rule_ids();
    assert_eq!(ids.len(), 26, "{ids:?}");
    for id in [
        "no-privileged",
        "no-host-namespaces",
        "no-docker-socket",
        "no-sensitive-mounts",
        "no-unconfined-security",
        "no-dangerous-capabilities",
        "drop-capabilities",
        "no-new-privileges",
        "read-only-rootfs",
        "non-root-user",
        "memory-limit",
        "cpu-limit",
        "pids-limit",
        "healthcheck",
        "log-rotation",
        "no-log-driver-none",
        "restart-policy",
        "image-tag",
        "env-secrets",
        "env-config",
    ] {
        assert!(ids.iter().any(|i| i == id), "missing {id}: {ids:?}");
    }
}

#[test]
fn rules_table_columns_line_up() {
    let out = Sandbox::new().run(["rules"]);
    out.assert_code(0);
    // id, severity, title: the title starts at the same column on every line
    let title_columns: Vec<usize> = out
        .stdout
        .lines()
        .map(|line| {
            let after_id = line.find(' ').unwrap();
            let severity = after_id + line[after_id..].find(|c: char| c != ' ').unwrap();
            let after_severity = severity + line[severity..].find(' ').unwrap();
            after_severity + line[after_severity..].find(|c: char| c != ' ').unwrap()
        })
        .collect();
    assert!(
        title_columns.windows(2).all(|w| w[0] == w[1]),
        "columns differ: {title_columns:?}\n{out}"
    );
}

#[test]
fn rules_shows_one_rule_s_documentation() {
    let out = Sandbox::new().run(["rules", "no-privileged"]);
    out.assert_code(0).assert_docker_not_run();
    assert!(out.stdout.contains("CIS 5.5"), "{out}");
    assert!(out.stdout.contains("no-privileged"), "{out}");
}

#[test]
fn rules_with_an_unknown_id_is_a_usage_error() {
    let out = Sandbox::new().run(["rules", "nope"]);
    out.assert_code(2).assert_docker_not_run();
    assert!(out.stderr.contains("nope"), "{out}");
}

#[test]
fn rules_as_json_is_an_array_of_every_rule() {
    let out = Sandbox::new().run(["--format", "json", "rules"]);
    out.assert_code(0);
    let json = out.json();
    assert_eq!(json.as_array().map(Vec::len), Some(26), "{json:#}");
}

#[test]
fn profiles_list_shows_the_four_built_ins() {
    let out = Sandbox::new().run(["profiles", "list"]);
    out.assert_code(0).assert_docker_not_run();
    for name in ["baseline", "production", "strict", "development"] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(name)),
            "missing {name}\n{out}"
        );
    }
    assert_eq!(out.stdout.lines().count(), 4, "{out}");
}

#[test]
fn profiles_show_prints_the_resolved_profile() {
    let out = Sandbox::new().run(["profiles", "show", "production"]);
    out.assert_code(0).assert_docker_not_run();
    assert!(out.stdout.contains("resolved through: baseline"), "{out}");
    assert!(out.stdout.contains("read-only-rootfs"), "{out}");
    assert!(out.stdout.contains("level: enforce"), "{out}");
    // inherited from baseline
    assert!(out.stdout.contains("no-privileged: deny"), "{out}");
}

#[test]
fn completions_print_a_script() {
    let out = Sandbox::new().run(["completions", "bash"]);
    out.assert_code(0).assert_docker_not_run();
    assert!(out.stdout.contains("hardrun"), "{out}");
}

/// Masking follows the parse, so a short bundle ending in `e` (`-ite NAME=v`, `-iteNAME=v`)
/// hides the value as well as `-e NAME=v` does.
#[test]
fn a_secret_in_a_short_flag_bundle_is_never_shown() {
    for bundle in [
        &["-ite", "DB_PASSWORD=hunter2"][..],
        &["-iteDB_PASSWORD=hunter2"][..],
    ] {
        for format in ["text", "json"] {
            let mut args = vec![
                "--profile",
                "development",
                "--format",
                format,
                "--dry-run",
                "run",
            ];
            args.extend(bundle);
            args.push("img:1");
            let out = Sandbox::new().run(&args);
            out.assert_code(0);
            assert!(!out.all_output().contains(SECRET), "{args:?}\n{out}");
        }
    }
}

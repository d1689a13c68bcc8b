//! User profiles: where they are found, `extends`, and the errors a bad one gives.

use crate::support::{Outcome, Sandbox};

/// Overrides the pids limit, so which profile was applied shows in docker's argv.
const PIDS_42: &str = "\
description: test profile
extends: baseline
rules:
  pids-limit:
    level: enforce
    pids: 42
";

/// The value docker received for `flag` (`--flag value` spelling), last occurrence.
fn value_of(out: &Outcome, flag: &str) -> Option<String> {
    let words = out.docker_words();
    let at = words.iter().rposition(|w| w == flag)?;
    words.get(at + 1).cloned()
}

#[track_caller]
fn assert_label(out: &Outcome, profile: &str) {
    let label = format!("io.hardrun.profile={profile}");
    assert!(
        out.docker_words().contains(&label),
        "missing {label}\n{out}"
    );
}

// --- finding profiles -----------------------------------------------------------------------

#[test]
fn a_profile_file_given_by_path() {
    let sandbox = Sandbox::new();
    sandbox.write("my.yaml", PIDS_42);
    let out = sandbox.run(["--profile", "./my.yaml", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("42"),
        "{out}"
    );
    assert_label(&out, "my");
}

#[test]
fn a_profile_file_given_by_absolute_path() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("elsewhere/my.yml", PIDS_42);
    let out = sandbox.run([
        "--profile".as_ref(),
        path.as_os_str(),
        "run".as_ref(),
        "busybox:1.36".as_ref(),
    ]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("42"),
        "{out}"
    );
}

#[test]
fn a_profile_file_given_by_hardrun_profile() {
    let mut sandbox = Sandbox::new();
    sandbox.write("my.yaml", PIDS_42);
    sandbox.env("HARDRUN_PROFILE", "./my.yaml");
    let out = sandbox.run(["run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("42"),
        "{out}"
    );
}

#[test]
fn the_profile_option_beats_hardrun_profile() {
    let mut sandbox = Sandbox::new();
    sandbox.write("my.yaml", PIDS_42);
    sandbox.env("HARDRUN_PROFILE", "./my.yaml");
    let out = sandbox.run(["--profile", "production", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("100"),
        "{out}"
    );
    assert_label(&out, "production");
}

#[test]
fn a_project_profile_is_found_by_name() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun/profiles/team.yaml", PIDS_42);
    let out = sandbox.run(["--profile", "team", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("42"),
        "{out}"
    );
    assert_label(&out, "team");
}

#[test]
fn a_user_profile_in_xdg_config_home_is_found_by_name() {
    let sandbox = Sandbox::new();
    let dir = sandbox.config_home().join("hardrun/profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mine.yaml"), PIDS_42).unwrap();
    let out = sandbox.run(["--profile", "mine", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("42"),
        "{out}"
    );
    assert_label(&out, "mine");
}

#[test]
fn a_project_profile_shadows_a_user_profile_of_the_same_name() {
    let sandbox = Sandbox::new();
    let dir = sandbox.config_home().join("hardrun/profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("team.yaml"), PIDS_42.replace("42", "7")).unwrap();
    sandbox.write(".hardrun/profiles/team.yaml", PIDS_42);
    let out = sandbox.run(["--profile", "team", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("42"),
        "{out}"
    );
}

#[test]
fn profiles_list_includes_user_profiles() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun/profiles/team.yaml", PIDS_42);
    let out = sandbox.run(["profiles", "list"]);
    out.assert_code(0);
    assert!(out.stdout.lines().any(|l| l.starts_with("team ")), "{out}");
    assert_eq!(out.stdout.lines().count(), 5, "{out}");
}

#[test]
fn a_user_profile_extending_production_overrides_one_parameter() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "small.yaml",
        "extends: production\nrules:\n  memory-limit:\n    memory: 256m\n",
    );
    let out = sandbox.run(["--profile", "./small.yaml", "run", "nginx:1.27"]);
    out.assert_code(0);
    assert_eq!(value_of(&out, "--memory").as_deref(), Some("256m"), "{out}");
    // the rest of production is inherited: its swap of 1g, capped at docker's own default for a
    // 256m limit (memory + swap = 512m)
    assert_eq!(
        value_of(&out, "--memory-swap").as_deref(),
        Some("512m"),
        "{out}"
    );
    assert_eq!(
        value_of(&out, "--user").as_deref(),
        Some("1000:1000"),
        "{out}"
    );
    assert!(
        out.docker_words().contains(&"--read-only".to_owned()),
        "{out}"
    );
}

#[test]
fn a_project_profile_named_production_extends_the_built_in() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun/profiles/production.yaml",
        "extends: production\nrules:\n  memory-limit:\n    memory: 256m\n",
    );
    let out = sandbox.run(["--profile", "production", "run", "nginx:1.27"]);
    out.assert_code(0);
    assert_eq!(value_of(&out, "--memory").as_deref(), Some("256m"), "{out}");
    assert_eq!(
        value_of(&out, "--pids-limit").as_deref(),
        Some("100"),
        "{out}"
    );
    assert!(
        out.docker_words().contains(&"--read-only".to_owned()),
        "{out}"
    );

    let shown = sandbox.run(["profiles", "show", "production"]);
    shown.assert_code(0);
    assert!(shown.stdout.contains("memory: 256m"), "{shown}");
    assert!(
        shown.stdout.contains(".hardrun/profiles/production.yaml"),
        "{shown}"
    );
}

// --- bad profiles ---------------------------------------------------------------------------

/// Runs a `run` with the profile text in `./bad.yaml`; asserts exit 2 and no docker.
fn with_bad_profile(text: &str) -> Outcome {
    let sandbox = Sandbox::new();
    sandbox.write("bad.yaml", text);
    let out = sandbox.run(["--profile", "./bad.yaml", "run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    out
}

#[track_caller]
fn assert_mentions(out: &Outcome, needles: &[&str]) {
    for needle in needles {
        assert!(out.stderr.contains(needle), "missing {needle:?}\n{out}");
    }
}

#[test]
fn an_unknown_rule_id_points_at_it_and_suggests_the_right_one() {
    let out = with_bad_profile("rules:\n  no-priviliged: deny\n");
    assert_mentions(&out, &["./bad.yaml:2:3:", "did you mean 'no-privileged'"]);
}

#[test]
fn an_unknown_parameter_points_at_it_and_suggests_the_right_one() {
    let out = with_bad_profile(
        "extends: production\nrules:\n  memory-limit:\n    level: enforce\n    memroy: 256m\n",
    );
    assert_mentions(
        &out,
        &["./bad.yaml:5:5:", "memroy", "did you mean 'memory'"],
    );
}

#[test]
fn an_invalid_level_suggests_the_right_one() {
    let out = with_bad_profile("rules:\n  memory-limit: enforced\n");
    assert_mentions(&out, &["./bad.yaml:2:17:", "did you mean 'enforce'"]);
    let out = with_bad_profile("rules:\n  memory-limit:\n    level: enforced\n");
    assert_mentions(&out, &["./bad.yaml:3:12:", "did you mean 'enforce'"]);
}

#[test]
fn a_level_the_rule_does_not_accept_lists_the_accepted_ones() {
    let out = with_bad_profile("rules:\n  no-privileged: set\n");
    assert_mentions(&out, &["./bad.yaml:2:", "'set'", "off, warn, deny"]);
}

#[test]
fn a_bad_size_is_an_error_at_its_value() {
    let out = with_bad_profile("rules:\n  memory-limit:\n    level: set\n    memory: lots\n");
    assert_mentions(&out, &["./bad.yaml:4:13:", "memory"]);
}

#[test]
fn a_yaml_syntax_error_has_a_location() {
    let out = with_bad_profile("rules:\n  memory-limit: [unclosed\n");
    assert_mentions(&out, &["./bad.yaml:2:17:", "invalid YAML"]);
}

#[test]
fn an_unknown_top_level_key_suggests_rules() {
    let out = with_bad_profile("rule:\n  no-privileged: deny\n");
    assert_mentions(&out, &["./bad.yaml:1:1:", "did you mean 'rules'"]);
}

#[test]
fn extending_an_unknown_profile_lists_the_available_ones() {
    let out = with_bad_profile("extends: prod\n");
    assert_mentions(
        &out,
        &[
            "./bad.yaml:1:",
            "'prod'",
            "baseline, development, production, strict",
        ],
    );
}

#[test]
fn an_unknown_profile_name_lists_the_available_ones() {
    let out = Sandbox::new().run(["--profile", "prod", "run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    assert_mentions(
        &out,
        &[
            "unknown profile 'prod'",
            "baseline, development, production, strict",
        ],
    );
}

#[test]
fn a_missing_profile_file_is_a_usage_error() {
    let out = Sandbox::new().run(["--profile", "./nope.yaml", "run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    assert_mentions(&out, &["nope.yaml"]);
}

#[test]
fn an_extends_cycle_is_reported() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun/profiles/a.yaml", "extends: b\n");
    sandbox.write(".hardrun/profiles/b.yaml", "extends: a\n");
    let out = sandbox.run(["--profile", "a", "run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    assert_mentions(&out, &["extends itself"]);
}

#[test]
fn a_bad_profile_in_hardrun_profile_is_reported_too() {
    let mut sandbox = Sandbox::new();
    sandbox.write("bad.yaml", "rules:\n  no-priviliged: deny\n");
    sandbox.env("HARDRUN_PROFILE", "./bad.yaml");
    let out = sandbox.run(["run", "busybox:1.36"]);
    out.assert_code(2).assert_docker_not_run();
    assert_mentions(&out, &["./bad.yaml:2:3:"]);
}

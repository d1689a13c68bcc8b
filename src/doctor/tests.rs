//! Diagnoses of recorded containers: `tests/fixtures/doctor/CASE/` holds what `docker inspect`,
//! `docker logs --tail 100` and `docker diff` said of a busybox container run by hardrun under
//! `production`, failing in one way each.

use super::*;

fn recorded(case: &str) -> Evidence {
    let dir = format!(
        "{}/tests/fixtures/doctor/{case}",
        env!("CARGO_MANIFEST_DIR")
    );
    #[allow(clippy::disallowed_methods)] // the test reads its fixtures
    let read = |file: &str| std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
    let inspect: Value = serde_json::from_str(&read("inspect.json")).unwrap();
    Evidence {
        inspect: inspect[0].clone(),
        logs: read("logs.txt"),
        diff: read("diff.txt").lines().map(str::to_owned).collect(),
    }
}

fn only_cause(case: &str) -> (Diagnosis, Cause) {
    let diagnosis = diagnose(&recorded(case));
    assert!(!diagnosis.healthy, "{case}");
    assert_eq!(diagnosis.exit_code(), EXIT_CAUSE, "{case}");
    assert_eq!(diagnosis.causes.len(), 1, "{case}: {:?}", diagnosis.causes);
    let cause = diagnosis.causes[0].clone();
    (diagnosis, cause)
}

#[test]
fn a_running_container_is_healthy() {
    let diagnosis = diagnose(&recorded("healthy"));
    assert!(diagnosis.healthy);
    assert_eq!(diagnosis.exit_code(), EXIT_HEALTHY);
    assert!(text(&diagnosis).contains("healthy: nothing to fix"));
}

#[test]
fn a_read_only_path_is_read_only_rootfs_and_a_writable_path() {
    let (diagnosis, cause) = only_cause("readonly");
    assert_eq!(cause.rule, "read-only-rootfs");
    assert!(cause.evidence.contains("Read-only file system"));
    assert_eq!(cause.fix.writable[0].path, "/home/app");
    assert_eq!(diagnosis.state.profile.as_deref(), Some("production"));
    assert!(diagnosis.state.restart_count > 0);
    let shown = text(&diagnosis);
    assert!(shown.contains("writable: [/home/app]"), "{shown}");
    assert!(
        shown.contains("hardrun --profile production fit --write run hardrun-test/busybox:1"),
        "{shown}"
    );
}

#[test]
fn permission_denied_under_a_non_root_user_is_an_owned_tmpfs() {
    let (diagnosis, cause) = only_cause("denied");
    assert_eq!(cause.rule, "non-root-user");
    assert_eq!(diagnosis.state.user, "1000:1000");
    assert_eq!(cause.fix.writable[0].path, "/srv");
    assert!(cause.alternative.is_some());
}

#[test]
fn chown_not_permitted_is_the_chown_capability() {
    let (_, cause) = only_cause("chown");
    assert_eq!(cause.rule, "drop-capabilities");
    assert_eq!(cause.fix.capabilities, ["CHOWN"]);
}

#[test]
fn an_oom_kill_is_the_memory_limit() {
    let (diagnosis, cause) = only_cause("oom");
    assert_eq!(diagnosis.state.exit_code, 137);
    assert!(diagnosis.state.oom_killed);
    assert_eq!(cause.rule, "memory-limit");
    assert_eq!(cause.fix.memory.as_ref().unwrap().bytes, 32 << 20);
}

#[test]
fn a_failed_fork_is_the_pids_limit() {
    let (_, cause) = only_cause("fork");
    assert_eq!(cause.rule, "pids-limit");
    assert_eq!(cause.fix.pids, Some(10));
}

#[test]
fn json_names_the_cause_and_the_adjustment() {
    let value = json(&diagnose(&recorded("readonly")));
    assert_eq!(value["healthy"], false);
    assert_eq!(value["causes"][0]["rule"], "read-only-rootfs");
    assert_eq!(value["adjustment"]["writable"][0], "/home/app");
    assert_eq!(value["container"], "hr-fit-doc-readonly");
}

#[test]
fn an_exited_container_without_a_telling_line_cannot_be_told() {
    let mut evidence = recorded("readonly");
    evidence.logs = "something else went wrong\n".into();
    let diagnosis = diagnose(&evidence);
    assert_eq!(diagnosis.exit_code(), EXIT_UNKNOWN);
    assert!(text(&diagnosis).contains("cannot tell"));
    assert!(
        diagnosis
            .hint()
            .contains("hardrun --profile production fit")
    );
}

#[test]
fn the_hint_is_one_line_naming_rule_and_fix() {
    let diagnosis = diagnose(&recorded("chown"));
    let hint = diagnosis.hint();
    assert!(!hint.contains('\n'));
    assert!(hint.contains("drop-capabilities"), "{hint}");
    assert!(hint.contains("CHOWN added back"), "{hint}");
}

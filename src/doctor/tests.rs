//! Diagnoses of recorded containers: `tests/fixtures/doctor/CASE/` holds what `docker inspect`,
//! `docker logs --tail 100` and `docker diff` said of a busybox container run by hardrun under
//! `production`, failing in one way each; the `nginx-…` and `postgres-…` cases are the lab's
//! images (`tests/lab/build`), with the container's `/etc/passwd` as `docker cp` wrote it
//! (`passwd.tar`) where doctor reads it.

use super::*;

fn recorded(case: &str) -> Evidence {
    let dir = format!(
        "{}/tests/fixtures/doctor/{case}",
        env!("CARGO_MANIFEST_DIR")
    );
    #[allow(clippy::disallowed_methods)] // the test reads its fixtures
    let read = |file: &str| std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
    let inspect: Value = serde_json::from_str(&read("inspect.json")).unwrap();
    #[allow(clippy::disallowed_methods)] // the test reads its fixtures
    let passwd = std::fs::read(format!("{dir}/passwd.tar"))
        .ok()
        .and_then(|tar| first_file_of_tar(&tar))
        .unwrap_or_default();
    Evidence {
        inspect: inspect[0].clone(),
        logs: read("logs.txt"),
        diff: read("diff.txt").lines().map(str::to_owned).collect(),
        passwd,
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

#[test]
fn postgres_under_a_uid_it_does_not_know_is_non_root_user_and_its_own_account() {
    let (diagnosis, cause) = only_cause("postgres-unknown-user");
    assert_eq!(cause.rule, "non-root-user");
    assert!(
        cause
            .evidence
            .contains("could not look up effective user ID 1000")
    );
    assert_eq!(cause.fix.user.as_deref(), Some("999:999"));
    let text = text(&diagnosis);
    assert!(text.contains("user: \"999:999\""), "{text}");
}

#[test]
fn a_running_server_whose_workers_cannot_fork_is_not_healthy() {
    let (diagnosis, cause) = only_cause("nginx-cannot-fork");
    assert!(diagnosis.state.running);
    assert_eq!(cause.rule, "pids-limit");
    assert_eq!(cause.fix.pids, Some(2));
}

#[test]
fn the_passwd_of_docker_cp_is_read_from_its_tar() {
    #[allow(clippy::disallowed_methods)] // the test reads its fixtures
    let tar = std::fs::read(format!(
        "{}/tests/fixtures/doctor/postgres-unknown-user/passwd.tar",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let passwd = first_file_of_tar(&tar).unwrap();
    assert!(passwd.starts_with("root:x:0:0:"), "{passwd}");
    assert_eq!(first_file_of_tar(&[0; 1024]), None);
    assert_eq!(first_file_of_tar(b"short"), None);
}

#[test]
fn the_image_s_account_is_the_one_named_like_its_repository() {
    let passwd = "root:x:0:0::/root:/bin/sh\npostgres:x:999:998::/var/lib/postgresql:/bin/bash\napp:x:10001:10001::/app:/bin/sh\n";
    assert_eq!(
        image_account(passwd, "postgres:hardrun-lab"),
        Some("999:998".into())
    );
    assert_eq!(
        image_account(passwd, "docker.io/library/postgres@sha256:ab"),
        Some("999:998".into())
    );
    assert_eq!(
        image_account(passwd, "hardrun-lab/app:1"),
        Some("10001:10001".into())
    );
    assert_eq!(image_account(passwd, "redis"), None);
    assert_eq!(image_account("root:x:0:0::/:/bin/sh", "root"), None);
}

#[test]
fn a_compose_container_gets_a_service_adjustment_and_a_fit_compose_line() {
    let mut evidence = recorded("readonly");
    let labels = &mut evidence.inspect["Config"]["Labels"];
    labels["com.docker.compose.service"] = "web".into();
    labels["com.docker.compose.project"] = "shop".into();
    labels["com.docker.compose.project.config_files"] = "/srv/shop/compose.yaml".into();
    let diagnosis = diagnose(&evidence);
    assert_eq!(
        diagnosis.scope(),
        crate::waivers::Scope::Service("web".into())
    );
    assert!(
        diagnosis
            .fit_command()
            .ends_with("fit --write compose -p shop -f /srv/shop/compose.yaml web"),
        "{}",
        diagnosis.fit_command()
    );
    let text = text(&diagnosis);
    assert!(text.contains("  - service: \"web\""), "{text}");
    assert_eq!(json(&diagnosis)["service"], "web");
}

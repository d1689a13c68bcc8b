use std::ffi::OsString;
use std::path::Path;

use super::*;
use crate::swarm::current::container_spec;
use crate::swarm::service::{ServiceCommand, parse as parse_service};

fn words(line: &str) -> Vec<OsString> {
    line.split_whitespace().map(OsString::from).collect()
}

fn read(line: &str) -> Result<ServiceCommand, ServiceError> {
    let argv = words(line);
    let at = crate::swarm::service::service_word(&argv).expect("a service command");
    parse_service(&argv, at)
}

fn update(line: &str) -> ServiceUpdate {
    match read(line).unwrap() {
        ServiceCommand::Update(update) => update,
        other => panic!("not an update: {other:?}"),
    }
}

/// The spec `line` leaves `before` with.
fn applied(before: &ContainerSpec, line: &str) -> ContainerSpec {
    let mut spec = before.clone();
    update(line)
        .apply_to(&mut spec, Path::new("/"), &|name| {
            (name == "FROM_HOST").then(|| "h".to_owned())
        })
        .unwrap();
    spec
}

fn caps(list: &[Sourced<String>]) -> Vec<&str> {
    list.iter().map(|c| c.value.as_str()).collect()
}

fn probed() -> ContainerSpec {
    let service = crate::swarm::current::tests::fixture("probed.json");
    container_spec(&service["Spec"], &|_| "host".to_owned())
}

#[test]
fn the_table_is_sorted_and_its_letters_unique() {
    for pair in SERVICE_UPDATE_FLAGS.windows(2) {
        assert!(pair[0].long < pair[1].long, "{}", pair[1].long);
    }
    let mut letters: Vec<char> = SERVICE_UPDATE_FLAGS
        .iter()
        .filter_map(|f| f.short)
        .collect();
    let count = letters.len();
    letters.sort_unstable();
    letters.dedup();
    assert_eq!(letters.len(), count);
    assert_eq!(letters, ['d', 'h', 'q', 't', 'u', 'w']);
}

#[test]
fn every_word_is_kept_in_its_place_and_hardrun_flags_go_before_the_service() {
    for line in [
        "service update --image app:2 web",
        "-H unix:///x service update -d --env-add A=1 web",
        "service update --user=0 --read-only=false -- web",
    ] {
        let u = update(line);
        assert_eq!(
            u.apply(&[], &ContainerSpec::default(), &[]),
            words(line),
            "{line}"
        );
    }
    let u = update("service update --image app:2 web");
    assert_eq!(u.service(), "web");
    assert_eq!(
        u.apply(
            &[Edit::ReadOnlyRootfs, Edit::PidsLimit(100)],
            &ContainerSpec::default(),
            &[]
        ),
        words("service update --image app:2 --read-only --limit-pids 100 web")
    );
    // Before a `--`, never after it.
    let u = update("service update --image app:2 -- web");
    assert_eq!(
        u.apply(&[Edit::Init], &ContainerSpec::default(), &[]),
        words("service update --image app:2 --init -- web")
    );
}

#[test]
fn options_after_the_service_are_read_and_hardrun_flags_follow_them() {
    let u = update("service update web --user 0 -d");
    assert_eq!(u.service(), "web");
    let spec = applied(&ContainerSpec::default(), "service update web --user 0 -d");
    assert_eq!(spec.user.map(|u| u.value).as_deref(), Some("0"));
    assert_eq!(
        u.apply(
            &[Edit::User("1000:1000".into())],
            &ContainerSpec::default(),
            &[]
        ),
        words("service update web --user 0 -d --user 1000:1000")
    );
}

#[test]
fn what_updates_nothing_passes_through_and_doubt_is_refused() {
    for line in [
        "service update web --help",
        "service update -h web",
        "service update --read-only",
        "service update one two",
        "service update --read-only -- one two",
    ] {
        assert_eq!(read(line).unwrap(), ServiceCommand::PassThrough, "{line}");
    }
    assert!(matches!(
        read("service update --privileged web"),
        Err(ServiceError::Lex(_))
    ));
    // A create flag is not an update flag.
    assert!(matches!(
        read("service update --mount type=tmpfs,dst=/t web"),
        Err(ServiceError::Lex(_))
    ));
    assert!(matches!(
        read("service update --limit-memory lots web"),
        Err(ServiceError::InvalidValue { .. })
    ));
    assert!(matches!(
        read("service update --rollback --image app:1 web"),
        Err(ServiceError::WithRollback(flag)) if flag == "--image"
    ));
    assert!(update("service update --rollback -d -q web").is_rollback());
    assert!(!update("service update --rollback=false --image a web").is_rollback());
    use std::os::unix::ffi::OsStringExt;
    let argv = vec![
        OsString::from("service"),
        "update".into(),
        "--user".into(),
        OsString::from_vec(vec![0xff]),
        "web".into(),
    ];
    assert!(matches!(
        parse_service(&argv, 0),
        Err(ServiceError::NotUtf8(flag)) if flag == "user"
    ));
    let mut spec = ContainerSpec::default();
    assert!(
        update("service update --no-healthcheck --health-cmd true web")
            .apply_to(&mut spec, Path::new("/"), &|_| None)
            .is_err()
    );
    assert!(
        update(
            "service update --mount-add type=bind,src=/a,dst=/m --mount-add type=tmpfs,dst=/m web"
        )
        .apply_to(&mut spec, Path::new("/"), &|_| None)
        .is_err()
    );
}

#[test]
fn capabilities_are_a_tri_state_on_the_services_lists() {
    let before = probed();
    assert_eq!(caps(&before.cap_add), ["NET_ADMIN"]);
    // Dropping an added capability takes it out of the added ones, and drops nothing.
    let spec = applied(&before, "service update --cap-drop net_admin web");
    assert!(
        spec.cap_add.is_empty() && spec.cap_drop.is_empty(),
        "{spec:?}"
    );
    // ALL is dropped beside the capability the service adds.
    let spec = applied(&before, "service update --cap-drop ALL web");
    assert_eq!(
        (caps(&spec.cap_add), caps(&spec.cap_drop)),
        (vec!["NET_ADMIN"], vec!["ALL"])
    );
    assert_eq!(spec.cap_drop[0].origin, "--cap-drop ALL");
    // Adding takes precedence over dropping the same capability.
    let spec = applied(
        &before,
        "service update --cap-add CHOWN --cap-drop CAP_CHOWN web",
    );
    assert_eq!(caps(&spec.cap_add), ["NET_ADMIN", "CHOWN"]);
    assert!(spec.cap_drop.is_empty());
    // RESET empties the list first; ALL stands for the whole list.
    let spec = applied(
        &before,
        "service update --cap-add RESET --cap-add SYS_TIME web",
    );
    assert_eq!(caps(&spec.cap_add), ["SYS_TIME"]);
    let spec = applied(&before, "service update --cap-add ALL web");
    assert_eq!(caps(&spec.cap_add), ["ALL"]);
}

#[test]
fn each_pair_and_scalar_is_applied_as_docker_applies_it() {
    let before = probed();
    let spec = applied(
        &before,
        "service update --mount-add type=bind,src=/var/run/docker.sock,dst=/s --mount-rm /x --mount-add type=volume,src=v,dst=/hostetc --env-rm A --env-add B=2 --env-add FROM_HOST --container-label-rm a --container-label-add c=d --limit-memory 64m --limit-pids 50 --read-only --init --image app:2 --user 1000 --publish-rm 80 --publish-add 9090:90 web",
    );
    let mounts: Vec<(&str, MountKind)> = spec
        .mounts
        .iter()
        .map(|m| (m.value.target.as_str(), m.value.kind))
        .collect();
    assert_eq!(
        mounts,
        [("/s", MountKind::Bind), ("/hostetc", MountKind::Volume)],
        "by source, then target"
    );
    assert_eq!(
        spec.mounts[0].origin,
        "--mount-add type=bind,src=/var/run/docker.sock,dst=/s"
    );
    let env: Vec<(&str, Option<&str>)> = spec
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_deref()))
        .collect();
    assert_eq!(env, [("B", Some("2")), ("FROM_HOST", Some("h"))]);
    assert_eq!(spec.labels, [("c".to_owned(), "d".to_owned())]);
    assert_eq!(spec.memory.map(|m| m.value), Some(64 << 20));
    assert_eq!(spec.pids_limit.map(|p| p.value), Some(50));
    assert_eq!(spec.read_only.map(|r| r.value), Some(true));
    assert_eq!(spec.init.map(|i| i.value), Some(true));
    assert_eq!(spec.image, "app:2");
    assert_eq!(spec.user.map(|u| u.value).as_deref(), Some("1000"));
    let ports: Vec<&str> = spec
        .ports
        .iter()
        .map(|p| p.value.container_port.as_str())
        .collect();
    assert_eq!(ports, ["90"]);
    // `--read-only=false` is read as false, the last occurrence winning.
    let spec = applied(&before, "service update --read-only --read-only=false web");
    assert_eq!(spec.read_only.map(|r| r.value), Some(false));
}

#[test]
fn log_options_need_a_driver_and_a_driver_replaces_them() {
    let before = probed();
    let spec = applied(&before, "service update --log-opt max-file=2 web");
    assert_eq!(
        spec.log_opts, before.log_opts,
        "ignored without --log-driver"
    );
    let spec = applied(
        &before,
        "service update --log-driver json-file --log-opt max-file=2 web",
    );
    let opts: Vec<&(String, String)> = spec.log_opts.iter().map(|o| &o.value).collect();
    assert_eq!(opts, [&("max-file".to_owned(), "2".to_owned())]);
    // hardrun's log edits bring the driver and the options the service keeps.
    let u = update("service update web");
    let edits = [Edit::LogOpt {
        key: "max-file".into(),
        value: "3".into(),
    }];
    let hardened = u.apply(&edits, &before, &[]);
    assert_eq!(
        hardened,
        words(
            "service update --log-driver json-file --log-opt max-size=1m --log-opt max-file=3 web"
        )
    );
    let mut delivered = before.clone();
    let ServiceCommand::Update(reread) = parse_service(&hardened, 0).unwrap() else {
        panic!("an update")
    };
    reread
        .apply_to(&mut delivered, Path::new("/"), &|_| None)
        .unwrap();
    assert!(undelivered(&delivered, &edits).is_empty());
    assert_eq!(delivered.log_opt("max-size").unwrap().value.1, "1m");
    // With the user's own driver, only hardrun's options are added.
    let u = update("service update --log-driver local web");
    let after = applied(&before, "service update --log-driver local web");
    assert_eq!(
        u.apply(&edits, &after, &[]),
        words("service update --log-driver local --log-opt max-file=3 web")
    );
}

#[test]
fn the_health_check_and_the_restart_policy() {
    let before = probed();
    let disabled = applied(&before, "service update --no-healthcheck web");
    assert_eq!(
        disabled.health.disabled.as_ref().map(|d| d.value),
        Some(true)
    );
    assert_eq!(disabled.health.command, None);
    let spec = applied(&disabled, "service update --health-interval 30s web");
    assert_eq!(spec.health.disabled, None);
    assert_eq!(spec.health.interval, Some(30_000_000_000));
    assert_eq!(spec.health.command, None, "NONE is cleared, not kept");
    let spec = applied(
        &before,
        "service update --restart-condition on-failure --restart-max-attempts 3 web",
    );
    assert_eq!(
        spec.restart.map(|r| r.value).as_deref(),
        Some("on-failure:3")
    );
    let spec = applied(&before, "service update --restart-condition none web");
    assert_eq!(spec.restart.map(|r| r.value).as_deref(), Some("no"));
}

#[test]
fn an_edit_docker_would_cancel_is_undelivered() {
    // A service that drops NET_BIND_SERVICE: `--cap-add NET_BIND_SERVICE` only takes it out of
    // the dropped ones, so it is not added beside `--cap-drop ALL`.
    let before = applied(
        &ContainerSpec::default(),
        "service update --cap-drop NET_BIND_SERVICE web",
    );
    let edits = [
        Edit::CapDrop("ALL".into()),
        Edit::CapAdd("NET_BIND_SERVICE".into()),
    ];
    let u = update("service update web");
    let hardened = u.apply(&edits, &before, &[]);
    let ServiceCommand::Update(reread) = parse_service(&hardened, 0).unwrap() else {
        panic!("an update")
    };
    let mut delivered = before.clone();
    reread
        .apply_to(&mut delivered, Path::new("/"), &|_| None)
        .unwrap();
    assert_eq!(
        undelivered(&delivered, &edits),
        [&Edit::CapAdd("NET_BIND_SERVICE".into())]
    );
    // A tmpfs and a restart policy read back as Swarm has them.
    let hardened = applied(
        &ContainerSpec::default(),
        "service update --mount-add type=tmpfs,dst=/tmp,tmpfs-size=104857600,tmpfs-mode=1777 --restart-condition any web",
    );
    let edits = [
        Edit::Tmpfs {
            target: "/tmp".into(),
            options: "rw,noexec,nosuid,size=100m,mode=1777".into(),
        },
        Edit::Restart("unless-stopped".into()),
    ];
    assert!(undelivered(&hardened, &edits).is_empty());
}

#[test]
fn secret_values_are_masked() {
    let u = update("service update --env-add TOKEN=abc --env-add PLAIN=1 web");
    assert_eq!(
        u.masked(&["TOKEN".into()])
            .apply(&[], &ContainerSpec::default(), &[]),
        words("service update --env-add TOKEN=*** --env-add PLAIN=1 web")
    );
}

#[test]
fn hardrun_rewrites_its_own_record_and_only_what_changed() {
    let before = ContainerSpec {
        labels: [
            ("io.hardrun.profile", "baseline"),
            ("io.hardrun.version", "0.1.0"),
            ("io.hardrun.waived", "pids-limit"),
            ("app", "web"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec(),
        ..ContainerSpec::default()
    };
    let judged = without_record(&before);
    assert_eq!(judged.labels, [("app".to_owned(), "web".to_owned())]);
    let label = |key: &str, value: &str| Edit::Label {
        key: key.into(),
        value: value.into(),
    };
    let (edits, stale) = rewrite_record(
        &before,
        vec![
            Edit::ReadOnlyRootfs,
            label("io.hardrun.profile", "production"),
            label("io.hardrun.version", "0.1.0"),
        ],
    );
    assert_eq!(
        edits,
        [
            Edit::ReadOnlyRootfs,
            label("io.hardrun.profile", "production")
        ]
    );
    assert_eq!(stale, ["io.hardrun.waived"]);
    let u = update("service update web");
    let hardened = u.apply(&edits, &judged, &stale);
    assert_eq!(
        hardened,
        words(
            "service update --container-label-rm io.hardrun.waived --read-only --container-label-add io.hardrun.profile=production web"
        )
    );
}

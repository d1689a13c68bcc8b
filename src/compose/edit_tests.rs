//! The tests of `edit`: every edit written into services of several shapes, read back with
//! `service::service_spec`, checked against what Compose prints, and applied twice.

use serde_json::json;

use super::*;
use crate::compose::fixtures::*;
use crate::compose::service::{service_spec, spec_in_model};
use crate::plan::{ChangeKind, Plan};

/// Hardens service `name` of a model with the production profile, in place; the plan.
fn harden(model: &mut Value, name: &str) -> Plan {
    let spec = spec_in_model(model, name).expect("the service reads");
    let plan = production_plan(&spec);
    apply(&mut model["services"][name], &plan.edits());
    plan
}

/// One edit of every kind, with values that need care in the model (`$`, a fraction).
fn every_edit() -> Vec<Edit> {
    vec![
        Edit::ReadOnlyRootfs,
        Edit::Tmpfs {
            target: "/tmp".into(),
            options: "rw,noexec,nosuid,size=100m,mode=1777".into(),
        },
        Edit::Tmpfs {
            target: "/run".into(),
            options: String::new(),
        },
        Edit::CapDrop("ALL".into()),
        Edit::CapAdd("NET_BIND_SERVICE".into()),
        Edit::NoNewPrivileges,
        Edit::User("1000:1000".into()),
        Edit::Memory("512m".into()),
        Edit::MemorySwap("1g".into()),
        Edit::Cpus("1.5".into()),
        Edit::PidsLimit(100),
        Edit::HealthCmd("curl -f http://localhost:$PORT/ || exit 1".into()),
        Edit::HealthInterval("30s".into()),
        Edit::HealthTimeout("3s".into()),
        Edit::HealthRetries(3),
        Edit::HealthStartPeriod("5s".into()),
        Edit::LogDriver("json-file".into()),
        Edit::LogOpt {
            key: "max-size".into(),
            value: "10m".into(),
        },
        Edit::Restart("unless-stopped".into()),
        Edit::Init,
        Edit::Label {
            key: "io.hardrun.profile".into(),
            value: "production $1".into(),
        },
    ]
}

/// Services to apply edits to: canonical ones of several shapes, and a hand-written one in
/// the short forms a canonical model never has (tmpfs string, label list, env list).
fn edit_bases() -> Vec<(&'static str, Value)> {
    let short_forms = json!({
        "image": "app:1",
        "tmpfs": "/tmp:size=1m",
        "labels": ["io.hardrun.profile=old", "team=a"],
        "environment": ["A=1"],
        "cap_add": ["chown"],
        "security_opt": ["no-new-privileges=false", "no-new-privileges:false"],
        "healthcheck": {"test": ["CMD", "true"], "interval": "1m"},
        "logging": {"driver": "local", "options": {"max-size": "1g"}},
        "restart": "no"
    });
    let mut bases = vec![("short forms", short_forms)];
    for (text, name) in [
        (PLAIN, "web"),
        (HARDENED, "app"),
        (DEPLOY, "worker"),
        (DEPLOY, "any"),
        (VARIED, "sidecar"),
        (FORMS, "b"),
    ] {
        bases.push((name, service(&model(text), name).clone()));
    }
    bases
}

#[test]
fn every_edit_reads_back_from_the_model() {
    for (name, base) in edit_bases() {
        // Each edit alone.
        for edit in every_edit() {
            let mut service = base.clone();
            apply(&mut service, std::slice::from_ref(&edit));
            let spec = service_spec(name, &service).expect("the edited service reads");
            assert!(
                spec.satisfies(&edit),
                "{name}: {edit:?} not read back: {service:#}"
            );
        }
        // All of them at once.
        let mut service = base.clone();
        apply(&mut service, &every_edit());
        let spec = service_spec(name, &service).expect("the edited service reads");
        for edit in every_edit() {
            assert!(
                spec.satisfies(&edit),
                "{name}: {edit:?} not read back: {service:#}"
            );
        }
        // Applying the same edits again changes nothing.
        let once = service.clone();
        apply(&mut service, &every_edit());
        assert_eq!(service, once, "{name}");
    }
}

#[test]
fn a_service_that_is_not_a_mapping_is_left_alone() {
    for service in [json!(null), json!("web"), json!([1]), json!(2)] {
        // Nothing to edit, nothing done.
        let mut copy = service.clone();
        apply(&mut copy, &every_edit());
        assert_eq!(copy, service);
    }
}

#[test]
fn edits_write_compose_canonical_values_escaped() {
    let mut service = json!({"image": "app:1"});
    apply(&mut service, &every_edit());
    assert_eq!(
        service,
        json!({
            "image": "app:1",
            "read_only": true,
            "tmpfs": ["/tmp:rw,noexec,nosuid,size=100m,mode=1777", "/run"],
            "cap_drop": ["ALL"],
            "cap_add": ["NET_BIND_SERVICE"],
            "security_opt": ["no-new-privileges=true"],
            "user": "1000:1000",
            "mem_limit": "536870912",
            "memswap_limit": "1073741824",
            "cpus": 1.5,
            "pids_limit": 100,
            "healthcheck": {
                "test": ["CMD-SHELL", "curl -f http://localhost:$$PORT/ || exit 1"],
                "interval": "30s",
                "timeout": "3s",
                "retries": 3,
                "start_period": "5s"
            },
            "logging": {"driver": "json-file", "options": {"max-size": "10m"}},
            "restart": "unless-stopped",
            "init": true,
            "labels": {"io.hardrun.profile": "production $$1"}
        })
    );
    let mut swap = json!({});
    apply(
        &mut swap,
        &[Edit::MemorySwap("-1".into()), Edit::Cpus("3/2".into())],
    );
    assert_eq!(swap, json!({"memswap_limit": -1, "cpus": 1.5}));
}

#[test]
fn limits_are_written_where_the_user_sets_them_never_twice_different() {
    let deploy = model(DEPLOY);
    let mut worker = service(&deploy, "worker").clone();
    apply(
        &mut worker,
        &[
            Edit::Memory("128m".into()),
            Edit::Cpus("0.25".into()),
            Edit::PidsLimit(20),
        ],
    );
    // The deploy limits, and `mem_limit` beside them with the same value.
    assert_eq!(
        worker["deploy"]["resources"]["limits"],
        json!({"cpus": 0.25, "memory": "134217728", "pids": 20})
    );
    assert_eq!(worker["mem_limit"], json!("134217728"));
    assert_eq!(worker.get("cpus"), None);
    assert_eq!(worker.get("pids_limit"), None);
    // Reservations are not limits.
    assert_eq!(
        worker["deploy"]["resources"]["reservations"]["memory"],
        json!("67108864")
    );

    // Both spellings present: both get the value.
    let mut both = json!({
        "pids_limit": 50, "cpus": 2,
        "deploy": {"resources": {"limits": {"pids": 50, "cpus": 2}}}
    });
    apply(&mut both, &[Edit::PidsLimit(10), Edit::Cpus("1".into())]);
    assert_eq!(
        both,
        json!({
            "pids_limit": 10, "cpus": 1.0,
            "deploy": {"resources": {"limits": {"pids": 10, "cpus": 1.0}}}
        })
    );
    // Deploy limits without this one: still the deploy limits, since Compose refuses
    // `mem_limit` beside limits that lack (or differ from) it.
    let deploy = model(DEPLOY);
    let mut any = service(&deploy, "any").clone();
    apply(&mut any, &[Edit::Memory("1g".into()), Edit::PidsLimit(9)]);
    assert_eq!(
        any["deploy"]["resources"]["limits"],
        json!({"cpus": 2, "memory": "1073741824", "pids": 9})
    );
    assert_eq!((any.get("mem_limit"), any.get("pids_limit")), (None, None));
    // `resources` without `limits`: the service keys.
    let misc = model(MISC);
    let mut a = service(&misc, "a").clone();
    apply(&mut a, &[Edit::Memory("1g".into()), Edit::Cpus("2".into())]);
    assert_eq!(a["deploy"]["resources"], json!({}));
    assert_eq!(
        (&a["mem_limit"], &a["cpus"]),
        (&json!("1073741824"), &json!(2.0))
    );
}

#[test]
fn restart_goes_to_the_deploy_policy_when_there_is_one() {
    let deploy = model(DEPLOY);
    let mut worker = service(&deploy, "worker").clone();
    for (policy, expected) in [
        ("unless-stopped", json!({"condition": "unless-stopped"})),
        (
            "on-failure:5",
            json!({"condition": "on-failure", "max_attempts": 5}),
        ),
        ("always", json!({"condition": "any"})),
        ("no", json!({"condition": "none"})),
    ] {
        apply(&mut worker, &[Edit::Restart(policy.into())]);
        assert_eq!(worker["deploy"]["restart_policy"], expected, "{policy}");
        assert_eq!(worker.get("restart"), None, "{policy}");
        let spec = service_spec("worker", &worker).unwrap();
        assert_eq!(value(&spec.restart), Some(policy.into()));
    }
}

#[test]
fn tmpfs_edits_replace_the_entry_for_their_target_and_never_double_a_mount() {
    let mut listed = json!({"tmpfs": ["/tmp", "/run:size=1m", "/tmp/:size=0"]});
    apply(
        &mut listed,
        &[Edit::Tmpfs {
            target: "/tmp".into(),
            options: "size=100m".into(),
        }],
    );
    assert_eq!(listed["tmpfs"], json!(["/tmp:size=100m", "/run:size=1m"]));

    // A tmpfs volume at the target gets the size and mode; other volumes are left alone.
    let varied = model(VARIED);
    let mut service = service(&varied, "varied").clone();
    apply(
        &mut service,
        &[
            Edit::Tmpfs {
                target: "/tmp".into(),
                options: "rw,noexec,size=100m,mode=1777".into(),
            },
            Edit::Tmpfs {
                target: "/data".into(),
                options: "size=1m".into(),
            },
        ],
    );
    assert_eq!(
        service["volumes"][0],
        json!({"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": "104857600", "mode": 1023}})
    );
    assert_eq!(service["volumes"][1]["type"], json!("bind"));
    assert_eq!(service["tmpfs"], json!(["/var/tmp"]));
    let spec = service_spec("varied", &service).unwrap();
    assert_eq!(
        spec.mounts[0].value.tmpfs_options,
        "size=104857600,mode=1777"
    );
}

#[test]
fn list_edits_keep_entries_unique() {
    let mut service = json!({
        "cap_add": ["chown", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
        "cap_drop": ["all"],
        "security_opt": ["no-new-privileges:false", "label=disable", "no-new-privileges"]
    });
    apply(
        &mut service,
        &[
            Edit::CapDrop("ALL".into()),
            Edit::CapAdd("NET_BIND_SERVICE".into()),
            Edit::NoNewPrivileges,
        ],
    );
    // What the user added stays: hardrun never deletes a value the user wrote.
    assert_eq!(
        service,
        json!({
            "cap_add": ["chown", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
            "cap_drop": ["all"],
            "security_opt": ["label=disable", "no-new-privileges=true"]
        })
    );
}

#[test]
fn unlimited_swap_is_handed_back_as_a_number() {
    let risky = model(RISKY);
    let mut service = service(&risky, "risky").clone();
    assert_eq!(service["memswap_limit"], json!("-1"));
    let mut repaired = service.clone();
    repair(&mut repaired);
    assert_eq!(repaired["memswap_limit"], json!(-1));
    let spec = service_spec("risky", &repaired).unwrap();
    assert_eq!(value(&spec.memory_swap), Some(-1));
    // `apply` repairs too, even with no edit.
    apply(&mut service, &[]);
    assert_eq!(service, repaired);
    for other in [
        json!({"memswap_limit": "1073741824"}),
        json!({}),
        json!(null),
    ] {
        let mut copy = other.clone();
        repair(&mut copy);
        assert_eq!(copy, other);
    }
}

#[test]
fn a_disabled_health_check_gets_no_settings() {
    let risky = model(RISKY);
    let mut service = service(&risky, "risky").clone();
    apply(
        &mut service,
        &[
            Edit::HealthCmd("true".into()),
            Edit::HealthInterval("30s".into()),
            Edit::HealthRetries(3),
        ],
    );
    assert_eq!(service["healthcheck"], json!({"disable": true}));
}

#[test]
fn labels_and_log_options_keep_what_is_there() {
    let mut service = json!({
        "labels": ["team=a", "io.hardrun.profile=old"],
        "logging": {"driver": "local", "options": {"max-file": "5"}}
    });
    apply(
        &mut service,
        &[
            Edit::Label {
                key: "io.hardrun.profile".into(),
                value: "production".into(),
            },
            Edit::LogOpt {
                key: "max-size".into(),
                value: "10m".into(),
            },
        ],
    );
    assert_eq!(
        service,
        json!({
            "labels": ["team=a", "io.hardrun.profile=production"],
            "logging": {"driver": "local", "options": {"max-file": "5", "max-size": "10m"}}
        })
    );
}

#[test]
fn hardening_with_production_is_idempotent() {
    for (text, name) in [
        (PLAIN, "web"),
        (HARDENED, "app"),
        (DEPLOY, "worker"),
        (DEPLOY, "any"),
        (FORMS, "l"),
        (FORMS, "s"),
        (MISC, "a"),
        (MISC, "b"),
        (MISC, "c"),
        (SECRETS, "a"),
        (VARIED, "varied"),
        (VARIED, "sidecar"),
    ] {
        let mut model = model(text);
        let first = harden(&mut model, name);
        assert!(!first.is_refused(), "{name}: {first:#?}");
        let once = model.clone();
        let second = harden(&mut model, name);
        assert_eq!(second.edits(), [], "{name}: {second:#?}");
        assert_eq!(model, once, "{name}");
        // Applying the first plan again changes nothing either.
        apply(&mut model["services"][name], &first.edits());
        assert_eq!(model, once, "{name}");
    }
}

#[test]
fn a_varied_service_is_hardened_where_the_user_wrote_each_setting() {
    let mut model = model(VARIED);
    let plan = harden(&mut model, "varied");
    let kinds: Vec<(&str, ChangeKind)> = not_kept(&plan);
    for expected in [
        ("non-root-user", ChangeKind::Tightened),
        ("read-only-rootfs", ChangeKind::Added),
        ("read-only-rootfs", ChangeKind::Tightened),
        ("drop-capabilities", ChangeKind::Added),
        ("memory-limit", ChangeKind::Tightened),
        ("cpu-limit", ChangeKind::Tightened),
        ("pids-limit", ChangeKind::Tightened),
        ("healthcheck", ChangeKind::Added),
        ("log-rotation", ChangeKind::Added),
        ("no-new-privileges", ChangeKind::Tightened),
        // `set` keeps the user's `condition: none`, with a warning.
        ("restart-policy", ChangeKind::Warned),
    ] {
        assert!(kinds.contains(&expected), "{expected:?}: {plan:#?}");
    }
    // Checked by hand with `docker compose -f - config -q` (v2.40.3): accepted.
    assert_eq!(
        model["services"]["varied"],
        json!({
            "cap_add": ["NET_BIND_SERVICE"],
            "command": null,
            "deploy": {
                "resources": {"limits": {"cpus": 1.0, "memory": "536870912", "pids": 100}},
                "restart_policy": {"condition": "none"},
                "placement": {}
            },
            "entrypoint": null,
            "environment": {"GREETING": "cost: $$5", "LEVEL": "debug"},
            "healthcheck": {
                "test": ["CMD", "/bin/probe", "--port=$${PORT}"],
                "interval": "30s",
                "timeout": "3s",
                "retries": 3,
                "start_period": "5s"
            },
            "image": "registry.example/varied:4.1",
            "init": false,
            "labels": {
                "team": "payments",
                "io.hardrun.profile": "production",
                "io.hardrun.version": env!("CARGO_PKG_VERSION")
            },
            "logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
            "mem_limit": "536870912",
            "memswap_limit": "1073741824",
            "networks": {"default": null},
            "ports": [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 443, "published": "8443", "protocol": "tcp"}],
            "security_opt": ["label=type:container_t", "no-new-privileges=true"],
            "tmpfs": ["/var/tmp:size=100m,uid=1000,gid=1000"],
            "user": "1000:1000",
            "volumes": [
                {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": "104857600"}},
                {"type": "bind", "source": "/tmp/hrm/data", "target": "/data", "read_only": true, "bind": {"create_host_path": true}},
                {"type": "volume", "source": "cache", "target": "/cache", "volume": {}}
            ],
            "read_only": true,
            "cap_drop": ["ALL"]
        })
    );
}

#[test]
fn a_capability_added_outside_the_allow_list_is_refused_and_kept_in_the_model() {
    let mut model = model(VARIED);
    model["services"]["varied"]["cap_add"] = json!(["chown", "NET_BIND_SERVICE"]);
    let spec = spec_in_model(&model, "varied").expect("the service reads");
    let plan = production_plan(&spec);
    assert!(plan.is_refused(), "{plan:#?}");
    let refusal = plan.refusals().next().unwrap();
    assert_eq!(refusal.rule, "drop-capabilities");
    assert_eq!(
        refusal.offending.as_deref(),
        Some("services.varied.cap_add[0]=chown")
    );
    assert!(refusal.reason.contains("never deletes"), "{refusal:#?}");
}

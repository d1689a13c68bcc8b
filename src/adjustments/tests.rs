use super::*;
use crate::plan::plan;
use crate::profile::builtin::Builtins;
use crate::profile::{self, raw};
use crate::rules::Context;
use crate::spec::Edit;
use crate::waivers::{Date, Waivers};

const EXAMPLE: &str = "adjustments:
  - image: nginx
    reason: \"nginx writes its temp files, pid and logs\"
    expires: 2027-06-30
    writable: [/var/lib/nginx, /run, /var/log/nginx]
  - service: db
    reason: \"the entrypoint chowns the data directory\"
    capabilities: [chown, CAP_SETUID, SETGID]
    pids: 300
    memory: 1g
";

fn read(text: &str) -> Result<Vec<Adjustment>, String> {
    let root = raw::parse(text).map_err(|e| e.to_string())?;
    let raw::Value::Map(entries) = &root.value else {
        return Err("not a mapping".into());
    };
    read_adjustments(".hardrun.yaml", &entries[0].1, Kind::Project).map_err(|e| e.to_string())
}

fn production() -> Profile {
    profile::load("production", &Builtins).unwrap()
}

fn nginx() -> Relaxation {
    Relaxation {
        writable: ["/var/lib/nginx", "/run"]
            .map(|path| TmpfsParam {
                path: path.into(),
                options: String::new(),
            })
            .to_vec(),
        ..Relaxation::default()
    }
}

#[test]
fn the_example_reads_with_positions() {
    let read = read(EXAMPLE).unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].scope, Scope::Image("nginx".into()));
    assert_eq!(read[0].location, ".hardrun.yaml:2:5");
    assert_eq!(read[0].expires, Date::new(2027, 6, 30));
    assert_eq!(read[0].relax.writable.len(), 3);
    assert_eq!(read[1].scope, Scope::Service("db".into()));
    assert_eq!(read[1].relax.capabilities, ["CHOWN", "SETUID", "SETGID"]);
    assert_eq!(read[1].relax.pids, Some(300));
    assert_eq!(
        read[1].relax.memory.as_ref().map(|m| m.bytes),
        Some(1 << 30)
    );
}

#[test]
fn every_mistake_is_reported_at_its_line_and_column() {
    for (text, wanted) in [
        (
            "adjustments:\n  - {image: nginx, writable: [/run]}\n",
            ".hardrun.yaml:2:5: the adjustment for nginx needs a reason",
        ),
        (
            "adjustments:\n  - {reason: x, writable: [/run]}\n",
            ".hardrun.yaml:2:5: an adjustment has no scope",
        ),
        (
            "adjustments:\n  - {image: nginx, reason: x}\n",
            ".hardrun.yaml:2:5: the adjustment for nginx relaxes nothing",
        ),
        (
            "adjustments:\n  - {image: nginx, reason: x, capabilities: [ALL]}\n",
            "'ALL' is not a capability an adjustment can add back",
        ),
        (
            "adjustments:\n  - {image: nginx, reason: x, writeable: [/run]}\n",
            "did you mean 'writable'?",
        ),
        (
            "adjustments:\n  - {image: nginx, reason: x, writable: [run]}\n",
            "tmpfs path 'run' is not absolute",
        ),
        (
            "adjustments:\n  - {image: nginx, reason: x, pids: -1}\n",
            "invalid pids limit '-1'",
        ),
        (
            "adjustments:\n  - {image: nginx, service: web, reason: x, pids: 1}\n",
            "an adjustment has one scope",
        ),
    ] {
        let error = read(text).expect_err(text);
        assert!(error.contains(wanted), "{text}\n{error}");
    }
}

#[test]
fn relaxations_merge_paths_and_capabilities_and_keep_the_largest_limits() {
    let a = Relaxation {
        capabilities: vec!["CHOWN".into()],
        pids: Some(200),
        ..nginx()
    };
    let b = Relaxation {
        capabilities: vec!["CHOWN".into(), "SETUID".into()],
        pids: Some(150),
        user: Some("33:33".into()),
        writable: vec![TmpfsParam {
            path: "/run".into(),
            options: String::new(),
        }],
        ..Relaxation::default()
    };
    let merged = Relaxation::merged([&a, &b]);
    assert_eq!(merged.writable.len(), 2);
    assert_eq!(merged.capabilities, ["CHOWN", "SETUID"]);
    assert_eq!(merged.pids, Some(200));
    assert_eq!(merged.user.as_deref(), Some("33:33"));
}

#[test]
fn the_label_reads_back_as_what_it_records() {
    let relax = Relaxation {
        capabilities: vec!["CHOWN".into()],
        user: Some("33:33".into()),
        pids: Some(200),
        memory: Some(ByteSize {
            bytes: 1 << 30,
            text: "1g".into(),
        }),
        ..nginx()
    };
    assert_eq!(
        relax.label(),
        "writable=/var/lib/nginx,/run;capabilities=CHOWN;user=33:33;pids=200;memory=1g"
    );
    assert_eq!(Relaxation::from_label(&relax.label()), Some(relax));
    assert_eq!(Relaxation::from_label("nonsense"), None);
}

#[test]
fn an_adjusted_profile_relaxes_only_what_it_names() {
    let profile = production();
    let relax = Relaxation {
        capabilities: vec!["CHOWN".into()],
        pids: Some(500),
        ..nginx()
    };
    let relaxed = adjusted(&profile, &relax);
    let params = |id: &str| relaxed.setting(id).unwrap().params.clone();
    let tmpfs: Vec<String> = params("read-only-rootfs")
        .tmpfs
        .unwrap()
        .into_iter()
        .map(|t| format!("{}:{}", t.path, t.options))
        .collect();
    assert_eq!(
        tmpfs,
        [
            "/tmp:rw,noexec,nosuid,size=100m,mode=1777",
            "/var/tmp:rw,noexec,nosuid,size=100m,mode=1777",
            "/var/lib/nginx:rw,noexec,nosuid,size=100m,mode=1777",
            "/run:rw,noexec,nosuid,size=100m,mode=1777",
        ]
    );
    assert_eq!(
        params("drop-capabilities").add.unwrap(),
        ["NET_BIND_SERVICE", "CHOWN"]
    );
    assert_eq!(params("pids-limit").pids, Some(500));
    // Every other rule as it was, levels included.
    for (before, after) in profile.rules.iter().zip(&relaxed.rules) {
        assert_eq!(before.level, after.level, "{}", before.rule.id);
        if !["read-only-rootfs", "drop-capabilities", "pids-limit"].contains(&before.rule.id) {
            assert_eq!(before.params, after.params, "{}", before.rule.id);
        }
    }
    // A smaller limit than the profile's relaxes nothing.
    let smaller = adjusted(
        &profile,
        &Relaxation {
            pids: Some(10),
            ..Relaxation::default()
        },
    );
    assert_eq!(
        smaller.setting("pids-limit").unwrap().params.pids,
        Some(100)
    );
}

#[test]
fn root_is_a_loud_last_resort_and_never_past_deny() {
    let root = Relaxation {
        user: Some("root".into()),
        ..Relaxation::default()
    };
    let profile = production();
    assert_eq!(
        adjusted(&profile, &root)
            .setting("non-root-user")
            .unwrap()
            .level,
        Level::Warn
    );
    assert!(judged(&profile, &root, "here", &|_| false).is_empty());
    let mut strict = profile.clone();
    for setting in &mut strict.rules {
        if setting.rule.id == "non-root-user" {
            setting.level = Level::Deny;
        }
    }
    assert_eq!(
        adjusted(&strict, &root)
            .setting("non-root-user")
            .unwrap()
            .level,
        Level::Deny
    );
    let refused = judged(&strict, &root, ".hardrun.yaml:2:5", &|_| false);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].kind, ChangeKind::Refused);
    assert_eq!(
        refused[0].offending.as_deref(),
        Some("user: root (.hardrun.yaml:2:5)")
    );
}

#[test]
fn a_dangerous_capability_is_refused_as_if_typed() {
    let relax = Relaxation {
        capabilities: vec!["CHOWN".into(), "SYS_ADMIN".into()],
        ..Relaxation::default()
    };
    let changes = judged(&production(), &relax, ".hardrun.yaml:3:5", &|_| false);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].rule, "no-dangerous-capabilities");
    assert_eq!(changes[0].kind, ChangeKind::Refused);
    assert_eq!(
        changes[0].offending.as_deref(),
        Some("capabilities: SYS_ADMIN (.hardrun.yaml:3:5)")
    );
    let waived = judged(&production(), &relax, "x", &|id| {
        id == "no-dangerous-capabilities"
    });
    assert_eq!(waived[0].kind, ChangeKind::Waived);
}

#[test]
fn a_container_is_planned_with_its_adjustments_and_records_them() {
    let waivers = Waivers {
        adjustments: read(EXAMPLE).unwrap(),
        ..Waivers::allowed_only(Vec::new(), Date::new(2026, 12, 7).unwrap())
    };
    let spec = ContainerSpec {
        image: "nginx:1.27".into(),
        ..ContainerSpec::default()
    };
    let applied = waivers.for_container(&spec.image);
    let planned = plan(&production(), &spec, &applied, &Context::default());
    let edits = planned.edits();
    for path in ["/var/lib/nginx", "/run", "/var/log/nginx"] {
        assert!(
            edits.contains(&Edit::Tmpfs {
                target: path.into(),
                options: "rw,noexec,nosuid,size=100m,mode=1777,uid=1000,gid=1000".into()
            }),
            "{path}: {edits:?}"
        );
    }
    assert!(edits.contains(&Edit::Label {
        key: ADJUSTED_LABEL.into(),
        value: "writable=/var/lib/nginx,/run,/var/log/nginx".into()
    }));
    assert!(
        applied
            .notes()
            .iter()
            .any(|n| n.starts_with("adjusted: read-only-rootfs: /var/lib/nginx, /run, /var/log/nginx writable for nginx until 2027-06-30: nginx writes")),
        "{:?}",
        applied.notes()
    );
    // Not for another image, and not once expired.
    assert!(waivers.for_container("redis:7").relaxation().is_empty());
    let later = Waivers {
        today: Date::new(2027, 7, 1).unwrap(),
        ..waivers.clone()
    };
    let expired = later.for_container(&spec.image);
    assert!(expired.relaxation().is_empty());
    assert!(expired.notes()[0].contains("expired on 2027-06-30"));
    // A compose service by name.
    assert_eq!(
        waivers.for_service("db", "postgres:16").relaxation().pids,
        Some(300)
    );
}

#[test]
fn an_adjustment_s_user_runs_over_the_image_s_named_user_and_owns_its_tmpfs() {
    // The image says `USER app`: a name, which no tmpfs option can own a mount by.
    let waivers = Waivers {
        adjustments: read(
            "adjustments:\n  - image: hardrun-lab/pyapp\n    reason: \"the cache\"\n    writable: [/app/cache]\n    user: \"10001:10001\"\n",
        )
        .unwrap(),
        ..Waivers::allowed_only(Vec::new(), Date::new(2026, 12, 7).unwrap())
    };
    let spec = ContainerSpec {
        image: "hardrun-lab/pyapp:1".into(),
        ..ContainerSpec::default()
    };
    let context = Context {
        image: Some(crate::spec::ImageFacts {
            user: "app".into(),
            ..Default::default()
        }),
        ..Context::default()
    };
    let applied = waivers.for_container(&spec.image);
    let edits = plan(&production(), &spec, &applied, &context).edits();
    assert!(
        edits.contains(&Edit::User("10001:10001".into())),
        "{edits:?}"
    );
    for path in ["/tmp", "/app/cache"] {
        assert!(
            edits.contains(&Edit::Tmpfs {
                target: path.into(),
                options: "rw,noexec,nosuid,size=100m,mode=1777,uid=10001,gid=10001".into()
            }),
            "{path}: {edits:?}"
        );
    }
    // Without the adjustment the image's user stands, and the tmpfs carry no owner.
    let plain = plan(
        &production(),
        &spec,
        &Waivers::allowed_only(Vec::new(), Date::new(2026, 12, 7).unwrap())
            .for_container(&spec.image),
        &context,
    )
    .edits();
    assert!(
        !plain.iter().any(|e| matches!(e, Edit::User(_))),
        "{plain:?}"
    );
}

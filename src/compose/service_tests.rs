//! The tests of `service`: the fixtures of `fixtures` and hand-written services read into
//! `ContainerSpec`s, with their origins, and planned with the production profile.

use serde_json::json;

use super::*;
use crate::compose::fixtures::*;
use crate::plan::ChangeKind;

#[test]
fn a_plain_service_reads_as_an_empty_spec() {
    assert_eq!(
        spec(PLAIN, "web"),
        ContainerSpec {
            image: "nginx:1.27".into(),
            ..ContainerSpec::default()
        }
    );
}

#[test]
fn every_hardening_key_reads_with_its_model_path() {
    let spec = spec(HARDENED, "app");
    assert_eq!(spec.image, "registry.example/app:1.2.3");
    assert_eq!(origin(&spec.user), Some("services.app.user=1000:1000"));
    assert_eq!(origin(&spec.read_only), Some("services.app.read_only=true"));
    // `privileged: false` is not in Compose's output.
    assert_eq!(spec.privileged, None);
    assert_eq!(origins(&spec.cap_drop), ["services.app.cap_drop[0]=ALL"]);
    assert_eq!(values(&spec.cap_add), ["NET_BIND_SERVICE"]);
    assert_eq!(
        origin(&spec.no_new_privileges().cloned()),
        Some("services.app.security_opt[0]=no-new-privileges:true")
    );
    assert_eq!(origin(&spec.init), Some("services.app.init=true"));
    assert_eq!(value(&spec.memory), Some(512 << 20));
    assert_eq!(
        origin(&spec.memory),
        Some("services.app.mem_limit=536870912")
    );
    assert_eq!(value(&spec.memory_swap), Some(1 << 30));
    assert_eq!(value(&spec.nano_cpus), Some(500_000_000));
    assert_eq!(origin(&spec.nano_cpus), Some("services.app.cpus=0.5"));
    assert_eq!(value(&spec.pids_limit), Some(100));
    let tmpfs: Vec<(&str, &str, &str)> = spec
        .mounts
        .iter()
        .map(|m| {
            (
                m.value.target.as_str(),
                m.value.tmpfs_options.as_str(),
                m.origin.as_str(),
            )
        })
        .collect();
    assert_eq!(
        tmpfs,
        [
            (
                "/tmp",
                "rw,noexec,nosuid,size=100m,mode=1777",
                "services.app.tmpfs[0]=/tmp:rw,noexec,nosuid,size=100m,mode=1777"
            ),
            (
                "/var/tmp",
                "rw,noexec,nosuid,size=100m,mode=1777",
                "services.app.tmpfs[1]=/var/tmp:rw,noexec,nosuid,size=100m,mode=1777"
            ),
        ]
    );
    assert_eq!(
        value(&spec.health.command),
        Some("curl -f http://localhost/ || exit 1".into())
    );
    assert_eq!(
        origin(&spec.health.command),
        Some(
            r#"services.app.healthcheck.test=["CMD-SHELL","curl -f http://localhost/ || exit 1"]"#
        )
    );
    assert_eq!(spec.health.interval, Some(30_000_000_000));
    assert_eq!(spec.health.timeout, Some(3_000_000_000));
    assert_eq!(spec.health.start_period, Some(5_000_000_000));
    assert_eq!(spec.health.retries, Some(3));
    assert_eq!(value(&spec.log_driver), Some("json-file".into()));
    assert_eq!(
        spec.log_opt("max-size").map(|o| o.origin.as_str()),
        Some("services.app.logging.options.max-size=10m")
    );
    assert_eq!(
        spec.log_opt("max-file").map(|o| o.value.1.as_str()),
        Some("3")
    );
    assert_eq!(
        origin(&spec.restart),
        Some("services.app.restart=unless-stopped")
    );
    assert_eq!(spec.ports.len(), 1);
    assert_eq!(
        spec.ports[0].value,
        Port {
            host_ip: Some("127.0.0.1".into()),
            host_port: Some("8080".into()),
            container_port: "80/tcp".into(),
        }
    );
    assert_eq!(
        spec.ports[0].origin,
        "services.app.ports[0] 127.0.0.1:8080:80/tcp"
    );
    assert_eq!(spec.label("io.hardrun.profile"), Some("production"));
    assert_eq!(spec.env.len(), 1);
    assert_eq!(spec.env[0].origin, "services.app.environment.GREETING=***");
}

#[test]
fn a_service_with_every_control_complies_with_production() {
    let plan = production_plan(&spec(HARDENED, "app"));
    assert_eq!(not_kept(&plan), [], "{plan:#?}");
}

#[test]
fn a_plain_service_lacks_the_production_controls() {
    let plan = production_plan(&spec(PLAIN, "web"));
    assert!(!plan.is_refused(), "{plan:#?}");
    let added: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Added)
        .map(|c| c.rule)
        .collect();
    for rule in [
        "cpu-limit",
        "drop-capabilities",
        "healthcheck",
        "log-rotation",
        "memory-limit",
        "no-new-privileges",
        "non-root-user",
        "pids-limit",
        "read-only-rootfs",
        "restart-policy",
    ] {
        assert!(added.contains(&rule), "{rule} not added: {plan:#?}");
    }
}

#[test]
fn deploy_limits_and_restart_policy_win_over_the_service_keys() {
    let worker = spec(DEPLOY, "worker");
    assert_eq!(value(&worker.memory), Some(256 << 20));
    assert_eq!(
        origin(&worker.memory),
        Some("services.worker.deploy.resources.limits.memory=268435456")
    );
    assert_eq!(value(&worker.nano_cpus), Some(500_000_000));
    assert_eq!(
        origin(&worker.nano_cpus),
        Some("services.worker.deploy.resources.limits.cpus=0.5")
    );
    assert_eq!(value(&worker.pids_limit), Some(50));
    assert_eq!(value(&worker.restart), Some("on-failure:3".into()));
    assert_eq!(
        origin(&worker.restart),
        Some("services.worker.deploy.restart_policy.condition=on-failure")
    );
    let any = spec(DEPLOY, "any");
    assert_eq!(value(&any.nano_cpus), Some(2_000_000_000));
    assert_eq!(value(&any.restart), Some("always".into()));
    assert_eq!(any.memory, None);

    // A zero deploy limit does not override; a non-positive deploy pids limit neither.
    let spec = service_spec(
        "s",
        &json!({
            "mem_limit": "1g", "cpus": 1, "pids_limit": 10, "restart": "always",
            "deploy": {"resources": {"limits": {"memory": "0", "cpus": 0, "pids": -1}}}
        }),
    )
    .unwrap();
    assert_eq!(origin(&spec.memory), Some("services.s.mem_limit=1g"));
    assert_eq!(origin(&spec.nano_cpus), Some("services.s.cpus=1"));
    assert_eq!(origin(&spec.pids_limit), Some("services.s.pids_limit=10"));
    assert_eq!(origin(&spec.restart), Some("services.s.restart=always"));
}

#[test]
fn restart_policies_read_as_compose_maps_them() {
    let model = model(MISC);
    // `restart_policy` without a condition: Compose sends no policy, whatever `restart` is.
    let a = service_spec("a", service(&model, "a")).unwrap();
    assert_eq!(value(&a.restart), Some("no".into()));
    assert_eq!(
        origin(&a.restart),
        Some("services.a.deploy.restart_policy without a condition")
    );
    let b = service_spec("b", service(&model, "b")).unwrap();
    assert_eq!(value(&b.restart), Some("unless-stopped".into()));
    let none = service_spec(
        "n",
        &json!({"restart": "always", "deploy": {"restart_policy": {"condition": "none"}}}),
    )
    .unwrap();
    assert_eq!(value(&none.restart), Some("no".into()));
    let form = spec(FORMS, "b");
    assert_eq!(
        origin(&form.restart),
        Some("services.b.restart=on-failure:4")
    );
}

#[test]
fn short_and_long_volumes_read_as_mounts() {
    let model = model(VOLUMES);
    let short = spec_in_model(&model, "short").unwrap();
    let long = spec_in_model(&model, "long").unwrap();
    let read = |spec: &ContainerSpec| -> Vec<(MountKind, Option<String>, String, bool)> {
        spec.mounts
            .iter()
            .map(|m| {
                let m = &m.value;
                (m.kind, m.source.clone(), m.target.clone(), m.read_only)
            })
            .collect()
    };
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        read(&short),
        [
            (
                MountKind::Bind,
                some("/var/run/docker.sock"),
                "/var/run/docker.sock".into(),
                false
            ),
            (MountKind::Bind, some("/tmp/hrm/data"), "/data".into(), true),
            (MountKind::Volume, some("named"), "/srv".into(), false),
            (MountKind::Volume, None, "/cache".into(), false),
            (MountKind::Bind, some("/etc/ssl"), "/etc/ssl".into(), true),
        ]
    );
    assert_eq!(
        short.mounts[4].value.propagation.as_deref(),
        Some("rshared")
    );
    assert_eq!(
        origins(&short.mounts),
        [
            "services.short.volumes[0] bind /var/run/docker.sock:/var/run/docker.sock",
            "services.short.volumes[1] bind /tmp/hrm/data:/data:ro",
            "services.short.volumes[2] volume named:/srv",
            "services.short.volumes[3] volume /cache",
            "services.short.volumes[4] bind /etc/ssl:/etc/ssl:ro",
        ]
    );
    assert_eq!(values(&short.volumes_from), ["long:ro"]);
    assert_eq!(
        values(&short.devices),
        ["/dev/fuse:/dev/fuse:rwm", "/dev/snd:/dev/sound:rw"]
    );
    assert_eq!(
        origins(&long.devices),
        ["services.long.devices[0]=/dev/kvm:/dev/kvm:rwm"]
    );

    assert_eq!(
        read(&long),
        [
            (
                MountKind::Bind,
                some("/run/docker.sock"),
                "/sock".into(),
                true
            ),
            (MountKind::Volume, some("named"), "/srv".into(), false),
            (MountKind::Tmpfs, None, "/scratch".into(), false),
            (MountKind::Image, some("alpine:3"), "/img".into(), false),
            // `tmpfs: /run` in the file; a list in the model.
            (MountKind::Tmpfs, None, "/run".into(), false),
        ]
    );
    assert_eq!(long.mounts[0].value.propagation.as_deref(), Some("rslave"));
    // `mode: 0o1777` is 1023 in the model, and octal again in the options.
    assert_eq!(
        long.mounts[2].value.tmpfs_options,
        "size=67108864,mode=1777"
    );
    assert_eq!(long.mounts[4].origin, "services.long.tmpfs[0]=/run");
    assert!(long.mounts.iter().all(|m| m.value.bind_device.is_none()));

    // The socket is refused in either syntax, by its model path.
    for (spec, offending) in [
        (
            &short,
            "services.short.volumes[0] bind /var/run/docker.sock:/var/run/docker.sock",
        ),
        (
            &long,
            "services.long.volumes[0] bind /run/docker.sock:/sock:ro",
        ),
    ] {
        let plan = production_plan(spec);
        let refusal = plan
            .refusals()
            .find(|c| c.rule == "no-docker-socket")
            .unwrap_or_else(|| panic!("not refused: {plan:#?}"));
        assert_eq!(refusal.offending.as_deref(), Some(offending));
    }
}

#[test]
fn tmpfs_reads_as_a_string_or_a_list_and_the_last_entry_for_a_target_wins() {
    let forms = model(FORMS);
    let s = service_spec("s", service(&forms, "s")).unwrap();
    assert_eq!(s.mounts.len(), 1);
    assert_eq!(s.mounts[0].value.tmpfs_options, "size=64m");
    let l = service_spec("l", service(&forms, "l")).unwrap();
    let targets: Vec<&str> = l.mounts.iter().map(|m| m.value.target.as_str()).collect();
    assert_eq!(targets, ["/run", "/tmp"]);

    let single = service_spec("x", &json!({"tmpfs": "/run:ro,size=1m"})).unwrap();
    assert_eq!(single.mounts[0].origin, "services.x.tmpfs=/run:ro,size=1m");
    assert!(single.mounts[0].value.read_only);
    let twice = service_spec("x", &json!({"tmpfs": ["/tmp", "/tmp/:size=1m", ""]})).unwrap();
    assert_eq!(
        origins(&twice.mounts),
        ["services.x.tmpfs[1]=/tmp/:size=1m"]
    );
}

#[test]
fn a_risky_service_is_refused_by_each_refusal_rule() {
    let model = model(RISKY);
    let spec = spec_in_model(&model, "risky").unwrap();
    assert_eq!(values(&spec.cap_add), ["ALL", "SYS_ADMIN", "NET_ADMIN"]);
    assert_eq!(
        origins(&spec.cap_add),
        [
            "services.risky.cap_add[0]=ALL",
            "services.risky.cap_add[1]=sys_admin",
            "services.risky.cap_add[2]=CAP_NET_ADMIN"
        ]
    );
    assert_eq!(value(&spec.init), Some(false));
    assert_eq!(value(&spec.memory_swap), Some(-1));
    assert_eq!(value(&spec.pids_limit), Some(-1));
    assert_eq!(value(&spec.cpu_quota), Some(50_000));
    assert_eq!(value(&spec.cpu_period), Some(100_000));
    assert_eq!(value(&spec.restart), Some("no".into()));
    assert_eq!(
        origin(&spec.health.disabled),
        Some("services.risky.healthcheck.disable=true")
    );
    assert_eq!(value(&spec.log_driver), Some("syslog".into()));
    // The named volume is a bind of /var/run in disguise.
    assert_eq!(
        spec.mounts[1].value.bind_device.as_deref(),
        Some("/var/run")
    );
    assert_eq!(
        service_spec("risky", service(&model, "risky"))
            .unwrap()
            .mounts[1]
            .value
            .bind_device,
        None
    );
    let env: Vec<(&str, Option<&str>, &str)> = spec
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_deref(), v.origin.as_str()))
        .collect();
    assert_eq!(
        env,
        [
            (
                "DB_PASSWORD",
                Some("not-a-real-secret"),
                "services.risky.environment.DB_PASSWORD=***"
            ),
            ("EMPTY", Some(""), "services.risky.environment.EMPTY=***"),
            ("FROM_HOST", None, "services.risky.environment.FROM_HOST"),
            // `$$` in the model is one `$` in the container.
            (
                "PRICE",
                Some("$5 and ${HOME}"),
                "services.risky.environment.PRICE=***"
            ),
        ]
    );

    let plan = production_plan(&spec);
    let offending: Vec<(&str, &str)> = plan
        .refusals()
        .filter_map(|c| Some((c.rule, c.offending.as_deref()?)))
        .collect();
    for expected in [
        ("no-privileged", "services.risky.privileged=true"),
        ("no-host-namespaces", "services.risky.network_mode=host"),
        ("no-host-namespaces", "services.risky.pid=host"),
        ("no-host-namespaces", "services.risky.ipc=host"),
        ("no-host-namespaces", "services.risky.uts=host"),
        ("no-host-namespaces", "services.risky.userns_mode=host"),
        ("no-host-namespaces", "services.risky.cgroup=host"),
        (
            "no-docker-socket",
            "services.risky.volumes[0] bind /var/run:/host-run",
        ),
        (
            "no-docker-socket",
            "services.risky.volumes[1] volume sockvol:/x",
        ),
        ("no-docker-socket", "services.risky.use_api_socket=true"),
        (
            "no-dangerous-capabilities",
            "services.risky.cap_add[1]=sys_admin",
        ),
        (
            "no-unconfined-security",
            "services.risky.security_opt[1]=seccomp=unconfined",
        ),
        ("env-secrets", "services.risky.environment.DB_PASSWORD=***"),
        ("image-tag", "app:latest"),
    ] {
        assert!(
            offending.contains(&expected),
            "{expected:?}: {offending:#?}"
        );
    }
    // `healthcheck` is at `set` in production: a disabled check is reported, not refused.
    assert!(plan.changes.iter().any(|c| c.rule == "healthcheck"
        && c.kind == ChangeKind::Warned
        && c.offending.as_deref() == Some("services.risky.healthcheck.disable=true")));
    assert!(!format!("{plan:?}{spec:?}").contains("not-a-real-secret"));
}

#[test]
fn a_privileged_hook_makes_the_service_privileged() {
    // `post_start`/`pre_stop` as Compose v2.40.3 prints them (captured); `pre_start` is
    // Compose v5.3+, which v2.40.3 rejects, so that one is written by hand.
    let risky = model(RISKY);
    let mut hooked = service(&risky, "risky").clone();
    hooked["privileged"] = json!(false);
    let spec = service_spec("risky", &hooked).unwrap();
    assert_eq!(value(&spec.privileged), Some(true));
    assert_eq!(
        origin(&spec.privileged),
        Some("services.risky.post_start[0].privileged=true")
    );
    let plan = production_plan(&spec);
    assert!(
        plan.refusals().any(|c| c.rule == "no-privileged"
            && c.offending.as_deref() == Some("services.risky.post_start[0].privileged=true")),
        "{plan:#?}"
    );
    // The service's own setting is named first.
    let spec = service_spec("risky", service(&risky, "risky")).unwrap();
    assert_eq!(
        origin(&spec.privileged),
        Some("services.risky.privileged=true")
    );

    let pre_start = json!({
        "image": "app:1",
        "pre_start": [{"command": ["id"]}, {"command": ["chown", "-R", "app", "/data"], "privileged": true, "user": "root"}],
        "pre_stop": [{"command": ["true"], "privileged": false}]
    });
    let spec = service_spec("web", &pre_start).unwrap();
    assert_eq!(
        origin(&spec.privileged),
        Some("services.web.pre_start[1].privileged=true")
    );
    // A hook's user is not judged.
    assert_eq!(spec.user, None);
    let quiet = json!({"pre_stop": [{"privileged": false}], "post_start": "x"});
    assert_eq!(service_spec("web", &quiet).unwrap().privileged, None);
}

#[test]
fn string_forms_build_only_services_and_ports() {
    let b = spec(FORMS, "b");
    // Built from `build` only: no image reference, which image-tag does not judge.
    assert_eq!(b.image, "");
    assert!(
        production_plan(&b)
            .changes
            .iter()
            .any(|c| c.rule == "image-tag" && c.kind == ChangeKind::Kept)
    );
    // `read_only: "true"` and `privileged: "yes"` in the file are booleans in the model.
    assert_eq!(value(&b.read_only), Some(true));
    assert_eq!(value(&b.privileged), Some(true));
    assert_eq!(value(&b.nano_cpus), Some(250_000_000));
    assert_eq!(value(&b.pids_limit), Some(200));
    assert_eq!(value(&b.memory), Some(1 << 30));
    // `test: curl -f localhost` is CMD-SHELL in the model.
    assert_eq!(value(&b.health.command), Some("curl -f localhost".into()));
    assert_eq!(b.health.retries, Some(5));
    let ports: Vec<(Option<&str>, Option<&str>, &str, &str)> = b
        .ports
        .iter()
        .map(|p| {
            (
                p.value.host_ip.as_deref(),
                p.value.host_port.as_deref(),
                p.value.container_port.as_str(),
                p.origin.as_str(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            (
                None,
                Some("8080"),
                "80/tcp",
                "services.b.ports[0] 8080:80/tcp"
            ),
            (None, Some("53"), "53/udp", "services.b.ports[1] 53:53/udp"),
            (
                Some("::1"),
                Some("8443"),
                "443/tcp",
                "services.b.ports[2] [::1]:8443:443/tcp"
            ),
            (
                None,
                Some("9000"),
                "9000/tcp",
                "services.b.ports[3] 9000:9000/tcp"
            ),
            (
                None,
                Some("9001"),
                "9001/tcp",
                "services.b.ports[4] 9001:9001/tcp"
            ),
            (None, None, "7000/tcp", "services.b.ports[5] 7000/tcp"),
        ]
    );
    let plan = production_plan(&b);
    assert!(
        plan.refusals()
            .any(|c| c.rule == "published-ports-bound" || c.rule == "no-privileged"),
        "{plan:#?}"
    );
    // Short syntax, which a canonical model never has, reads as `-p` and `-v` would.
    let short = service_spec(
        "x",
        &json!({"ports": ["127.0.0.1:80:80", 7], "volumes": ["/var/run/docker.sock:/s:ro", 1]}),
    )
    .unwrap();
    assert_eq!(short.ports[0].value.host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(short.ports[0].origin, "services.x.ports[0] 127.0.0.1:80:80");
    assert_eq!(
        short.mounts[0].value.source.as_deref(),
        Some("/var/run/docker.sock")
    );
    assert!(short.mounts[0].value.read_only);
}

#[test]
fn health_tests_labels_and_log_options_read_as_compose_writes_them() {
    let misc = model(MISC);
    let a = service_spec("a", service(&misc, "a")).unwrap();
    assert_eq!(value(&a.health.command), Some("/bin/check --fast".into()));
    // `90s`, `1d` and `1500ms` in the file, Go durations in the model.
    assert_eq!(a.health.interval, Some(90_000_000_000));
    assert_eq!(a.health.timeout, Some(86_400_000_000_000));
    assert_eq!(a.health.start_period, Some(1_500_000_000));
    assert_eq!(a.label("price"), Some("$9"));
    assert_eq!(a.label("a.b"), Some("c"));
    assert_eq!(a.log_driver, None);
    let options: Vec<(&str, &str)> = a
        .log_opts
        .iter()
        .map(|o| (o.value.0.as_str(), o.value.1.as_str()))
        .collect();
    assert_eq!(options, [("max-file", "3"), ("tag", "")]);
    let env: Vec<(&str, Option<&str>)> = a
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_deref()))
        .collect();
    assert_eq!(
        env,
        [
            ("B", Some("true")),
            ("CMD", Some("echo $HOME")),
            ("N", Some("5"))
        ]
    );
    // `test: NONE` (a string) is a shell command in the model, as Compose runs it.
    let b = service_spec("b", service(&misc, "b")).unwrap();
    assert_eq!(value(&b.health.command), Some("NONE".into()));
    assert_eq!(b.health.disabled, None);
    let c = service_spec("c", service(&misc, "c")).unwrap();
    assert_eq!(value(&c.health.disabled), Some(true));
    assert_eq!(
        origin(&c.health.disabled),
        Some(r#"services.c.healthcheck.test=["NONE"]"#)
    );
    assert_eq!(c.health.command, None);
    assert_eq!(values(&c.security_opts), ["no-new-privileges"]);
}

#[test]
fn null_missing_and_wrong_types_are_absent_and_never_panic() {
    let spec = service_spec(
        "x",
        &json!({
            "image": 7, "user": "", "read_only": "maybe", "privileged": null, "cap_add": "ALL",
            "cap_drop": [1, "net_raw"], "security_opt": {}, "network_mode": "", "pid": null,
            "use_api_socket": 1, "volumes": [{"type": "bind"}, null, {"target": "/x", "type": 3}],
            "tmpfs": [1, null], "devices": [{"target": "/dev/x"}, null], "volumes_from": [null],
            "mem_limit": "lots", "memswap_limit": true, "cpus": "1/0", "pids_limit": "0x10",
            "cpu_quota": 0, "healthcheck": {"test": ["CMD", 1], "interval": 5, "retries": "x", "disable": "maybe"},
            "logging": {"driver": 1, "options": {"a": null, "b": [1]}},
            "restart": "", "deploy": {"resources": {"limits": null}, "restart_policy": "always"},
            "ports": [{"published": "80"}, null], "environment": {"A": [1], "B": {}},
            "labels": {"a": null}, "init": "on", "pre_start": [null, {"privileged": "yes"}]
        }),
    )
    .unwrap();
    assert_eq!(values(&spec.cap_drop), ["NET_RAW"]);
    assert_eq!(spec.mounts.len(), 1);
    assert_eq!(spec.mounts[0].value.kind, MountKind::Other);
    // `init: "on"` is cast as Compose casts it, and so is a hook's `privileged: "yes"`.
    assert_eq!(value(&spec.init), Some(true));
    assert_eq!(
        origin(&spec.privileged),
        Some("services.x.pre_start[1].privileged=true")
    );
    assert_eq!(
        ContainerSpec {
            cap_drop: Vec::new(),
            mounts: Vec::new(),
            init: None,
            privileged: None,
            ..spec
        },
        ContainerSpec::default()
    );
    for service in [json!(null), json!("web"), json!([1]), json!(2)] {
        let error = service_spec("web", &service).unwrap_err();
        assert!(matches!(error, ModelError::NotAService { .. }), "{error}");
        assert!(error.to_string().contains("\nhelp: "));
    }
    assert_eq!(
        spec_in_model(&json!({"services": {}}), "web")
            .unwrap_err()
            .to_string(),
        "the model has no service 'web'\nhelp: pass the name of a service that `docker compose config --services` lists"
    );
    assert!(spec_in_model(&json!([]), "web").is_err());
}

#[test]
fn secrets_copied_into_the_rootfs_are_named() {
    let model = model(SECRETS);
    assert_eq!(
        copied_into_rootfs(&model, "a"),
        [
            "services.a.secrets[0] envsec (environment)",
            "services.a.configs[0] cfg (content)"
        ]
    );
    assert_eq!(copied_into_rootfs(&model, "b"), Vec::<String>::new());
    let short =
        json!({"services": {"a": {"secrets": ["s", 1]}}, "secrets": {"s": {"content": "x"}}});
    assert_eq!(
        copied_into_rootfs(&short, "a"),
        ["services.a.secrets[0] s (content)"]
    );
}

#[test]
fn bind_volumes_are_found_only_for_the_local_driver_binding_a_device() {
    let spec = |volumes: Value| {
        let model = json!({
            "services": {"s": {"volumes": [{"type": "volume", "source": "v", "target": "/v"}]}},
            "volumes": volumes
        });
        spec_in_model(&model, "s").unwrap().mounts[0]
            .value
            .bind_device
            .clone()
    };
    assert_eq!(
        spec(json!({"v": {"driver_opts": {"o": "rbind,ro", "device": "/run", "type": "none"}}})),
        Some("/run".into())
    );
    assert_eq!(
        spec(json!({"v": {"driver": "nfs", "driver_opts": {"o": "bind", "device": "/run"}}})),
        None
    );
    assert_eq!(
        spec(json!({"v": {"driver_opts": {"o": "addr=1.2.3.4", "device": ":/x"}}})),
        None
    );
    assert_eq!(spec(json!({"v": {"driver_opts": {"o": "bind"}}})), None);
    assert_eq!(spec(json!({"v": null})), None);
    assert_eq!(spec(json!(null)), None);
}

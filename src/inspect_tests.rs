//! The tests of `inspect`: `docker inspect` output of real containers and images
//! (`tests/fixtures/inspect/`) and hand-written edge cases, read into `ContainerSpec` and
//! `ImageFacts`, with their origins, and planned with the production profile.

use serde_json::json;

use super::*;
use crate::plan::{self, ChangeKind, Plan};
use crate::profile::{self, Found, ProfileError, Source, builtin};
use crate::rules::Context;

const PLAIN: &str = include_str!("../tests/fixtures/inspect/plain.json");
const PRODUCTION: &str = include_str!("../tests/fixtures/inspect/production.json");
const RISKY: &str = include_str!("../tests/fixtures/inspect/risky.json");
const IMAGE: &str = include_str!("../tests/fixtures/inspect/image.json");
const IMAGE_PLAIN: &str = include_str!("../tests/fixtures/inspect/image_plain.json");

fn fixture(text: &str) -> ContainerSpec {
    let value: Value = serde_json::from_str(text).expect("the fixture is JSON");
    container_spec(&value).expect("the fixture reads as a container")
}

/// The built-in profiles only.
struct Builtins;

impl Source for Builtins {
    fn by_name(&self, name: &str, skip: Option<&str>) -> Result<Option<Found>, ProfileError> {
        let source = format!("built-in profile '{name}'");
        if skip == Some(source.as_str()) {
            return Ok(None);
        }
        Ok(builtin::get(name).map(|text| Found {
            source,
            text: text.to_owned(),
        }))
    }

    fn by_path(&self, path: &str) -> Result<Found, ProfileError> {
        Err(ProfileError::Read {
            path: path.to_owned(),
            reason: "these tests read built-in profiles only".into(),
        })
    }

    fn names(&self) -> Vec<String> {
        builtin::BUILTINS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect()
    }
}

fn production_plan(spec: &ContainerSpec) -> Plan {
    let profile = profile::load("production", &Builtins).expect("the built-in loads");
    let context = Context {
        profile: "production".into(),
        host_cpus: Some(2),
        ..Context::default()
    };
    plan::plan(&profile, spec, &crate::waivers::Applied::none(), &context)
}

/// `(rule, kind)` of every change that is not "kept" (provenance aside).
fn not_kept(plan: &Plan) -> Vec<(&'static str, ChangeKind)> {
    plan.changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Kept && c.rule != plan::PROVENANCE)
        .map(|c| (c.rule, c.kind))
        .collect()
}

fn value<T: Clone>(sourced: &Option<Sourced<T>>) -> Option<T> {
    sourced.as_ref().map(|s| s.value.clone())
}

fn values(list: &[Sourced<String>]) -> Vec<&str> {
    list.iter().map(|s| s.value.as_str()).collect()
}

#[test]
fn the_production_fixture_has_every_production_control() {
    let spec = fixture(PRODUCTION);
    assert_eq!(spec.image, "hardrun-test/busybox:1");
    assert_eq!(value(&spec.read_only), Some(true));
    for target in ["/tmp", "/var/tmp"] {
        let tmpfs = spec
            .mounts
            .iter()
            .find(|m| m.value.target == target)
            .unwrap_or_else(|| panic!("no mount at {target}: {spec:?}"));
        assert_eq!(tmpfs.value.kind, MountKind::Tmpfs);
        assert_eq!(
            tmpfs.value.tmpfs_options,
            "rw,noexec,nosuid,size=100m,mode=1777"
        );
        assert_eq!(
            tmpfs.origin,
            format!("HostConfig.Tmpfs {target}:rw,noexec,nosuid,size=100m,mode=1777")
        );
    }
    assert_eq!(values(&spec.cap_drop), ["ALL"]);
    assert_eq!(values(&spec.cap_add), ["NET_BIND_SERVICE"]);
    assert_eq!(
        spec.cap_add[0].origin,
        "HostConfig.CapAdd CAP_NET_BIND_SERVICE"
    );
    assert_eq!(
        value(&spec.no_new_privileges().cloned()),
        Some("no-new-privileges=true".into())
    );
    assert_eq!(value(&spec.user), Some("1000:1000".into()));
    assert_eq!(spec.user.as_ref().unwrap().origin, "Config.User=1000:1000");
    assert_eq!(value(&spec.memory), Some(512 << 20));
    assert_eq!(value(&spec.memory_swap), Some(1 << 30));
    assert_eq!(value(&spec.nano_cpus), Some(1_000_000_000));
    assert_eq!(value(&spec.pids_limit), Some(100));
    assert_eq!(
        spec.pids_limit.as_ref().unwrap().origin,
        "HostConfig.PidsLimit=100"
    );
    assert_eq!(spec.health.interval, Some(30_000_000_000));
    assert_eq!(spec.health.timeout, Some(3_000_000_000));
    assert_eq!(spec.health.start_period, Some(5_000_000_000));
    assert_eq!(spec.health.retries, Some(3));
    assert_eq!(spec.health.command, None);
    assert_eq!(spec.health.disabled, None);
    assert_eq!(value(&spec.log_driver), Some("json-file".into()));
    assert_eq!(
        spec.log_opt("max-size").map(|o| o.value.1.as_str()),
        Some("10m")
    );
    assert_eq!(
        spec.log_opt("max-file").map(|o| o.value.1.as_str()),
        Some("3")
    );
    assert_eq!(
        spec.log_opt("max-size").unwrap().origin,
        "HostConfig.LogConfig.Config max-size=10m"
    );
    assert_eq!(spec.restart, None);
    assert!(spec.auto_remove);
    assert_eq!(spec.label("io.hardrun.profile"), Some("production"));
    assert_eq!(spec.label("io.hardrun.version"), Some("0.1.0"));
    assert_eq!(spec.ports.len(), 1);
    assert_eq!(
        spec.ports[0].value,
        Port {
            host_ip: None,
            host_port: Some("8080".into()),
            container_port: "80/tcp".into(),
        }
    );
    assert_eq!(spec.ports[0].origin, "HostConfig.PortBindings 8080:80/tcp");
    assert_eq!(spec.privileged, None);
    assert_eq!(value(&spec.network), Some("default".into()));
    assert_eq!(spec.pid, None);
    assert!(spec.env.is_empty());
}

#[test]
fn the_risky_fixture_has_every_risk() {
    let spec = fixture(RISKY);
    assert_eq!(value(&spec.privileged), Some(true));
    assert_eq!(
        spec.privileged.as_ref().unwrap().origin,
        "HostConfig.Privileged=true"
    );
    assert_eq!(value(&spec.network), Some("host".into()));
    assert_eq!(
        spec.network.as_ref().unwrap().origin,
        "HostConfig.NetworkMode=host"
    );
    assert_eq!(value(&spec.pid), Some("host".into()));
    let socket = spec
        .mounts
        .iter()
        .find(|m| m.value.target == "/var/run/docker.sock")
        .expect("the socket is mounted");
    assert_eq!(socket.value.kind, MountKind::Bind);
    assert_eq!(socket.value.source.as_deref(), Some("/var/run/docker.sock"));
    assert!(!socket.value.read_only);
    assert_eq!(socket.value.propagation.as_deref(), Some("rprivate"));
    assert!(
        socket
            .origin
            .ends_with("bind /var/run/docker.sock:/var/run/docker.sock"),
        "{}",
        socket.origin
    );
    assert!(spec.mounts.iter().any(|m| m.value.kind == MountKind::Bind
        && m.value.source.as_deref() == Some("/etc")
        && m.value.target == "/host-etc"));
    assert_eq!(values(&spec.cap_add), ["SYS_ADMIN"]);
    assert!(values(&spec.security_opts).contains(&"seccomp=unconfined"));
    assert_eq!(spec.no_new_privileges(), None);
    let secret = spec
        .env
        .iter()
        .find(|v| v.name == "DB_PASSWORD")
        .expect("the variable is read");
    assert_eq!(secret.value.as_deref(), Some("not-a-real-secret"));
    assert_eq!(secret.origin, "Config.Env DB_PASSWORD=***");
    assert_eq!(value(&spec.restart), Some("on-failure:3".into()));
    assert_eq!(
        spec.restart.as_ref().unwrap().origin,
        "HostConfig.RestartPolicy=on-failure:3"
    );
    assert_eq!(spec.ports.len(), 1);
    assert_eq!(spec.ports[0].value.host_ip, None);
    assert!(!spec.auto_remove);
}

#[test]
fn the_plain_fixture_has_none_of_them() {
    let spec = fixture(PLAIN);
    assert_eq!(spec.image, "hardrun-test/busybox:1");
    assert_eq!(spec.user, None);
    assert_eq!(spec.read_only, None);
    assert_eq!(spec.privileged, None);
    assert!(spec.cap_add.is_empty() && spec.cap_drop.is_empty());
    assert!(spec.security_opts.is_empty());
    assert!(spec.mounts.is_empty());
    assert_eq!(spec.memory, None);
    assert_eq!(spec.memory_swap, None);
    assert_eq!(spec.nano_cpus, None);
    assert_eq!(spec.pids_limit, None);
    assert_eq!(spec.health, Health::default());
    assert_eq!(spec.restart, None);
    assert!(!spec.auto_remove);
    assert!(spec.ports.is_empty());
    assert!(spec.env.is_empty());
    assert!(spec.labels.is_empty());
    assert_eq!(spec.init, None);
    assert_eq!(value(&spec.network), Some("default".into()));
    assert_eq!(spec.pid, None);
}

#[test]
fn image_facts_come_from_the_image_config() {
    let image: Value = serde_json::from_str(IMAGE).unwrap();
    assert_eq!(
        image_facts(&image),
        ImageFacts {
            user: "1000".into(),
            healthcheck: true,
            volumes: vec!["/data".into()],
        }
    );
    let plain: Value = serde_json::from_str(IMAGE_PLAIN).unwrap();
    assert_eq!(image_facts(&plain), ImageFacts::default());
    assert_eq!(image_facts(&json!([1])), ImageFacts::default());
    assert_eq!(
        image_facts(&json!({"Config": {"Healthcheck": {"Test": ["NONE"]}, "User": 7}})),
        ImageFacts::default()
    );
    assert_eq!(
        image_facts(&json!({"Config": {"Volumes": {"/b": {}, "/a": {}}}})).volumes,
        ["/a", "/b"]
    );
}

#[test]
fn a_container_made_with_the_production_flags_complies_with_production() {
    let plan = production_plan(&fixture(PRODUCTION));
    // Every control the argv front end added reads back as compliant, although this
    // cgroup v1 engine reports `CgroupnsMode=host` for every container.
    assert_eq!(not_kept(&plan), [], "{plan:#?}");
}

#[test]
fn a_plain_container_lacks_the_production_controls() {
    let spec = fixture(PLAIN);
    let plan = production_plan(&spec);
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
        "memory-limit",
        "no-new-privileges",
        "non-root-user",
        "pids-limit",
        "read-only-rootfs",
        "restart-policy",
    ] {
        assert!(added.contains(&rule), "{rule} not added: {plan:#?}");
    }
    // The daemon's default `CgroupnsMode=host` is not read as a request: nothing is refused.
    assert_eq!(spec.cgroupns, None);
    assert!(!production_plan(&spec).is_refused());
}

#[test]
fn a_risky_container_is_refused_by_each_refusal_rule() {
    let plan = production_plan(&fixture(RISKY));
    let mut refused: Vec<&str> = plan.refusals().map(|c| c.rule).collect();
    refused.dedup();
    for rule in [
        "env-secrets",
        "no-dangerous-capabilities",
        "no-docker-socket",
        "no-host-namespaces",
        "no-privileged",
        "no-unconfined-security",
    ] {
        assert!(refused.contains(&rule), "{rule} did not refuse: {plan:#?}");
    }
    let offending: Vec<&str> = plan
        .refusals()
        .filter_map(|c| c.offending.as_deref())
        .collect();
    for origin in [
        "HostConfig.Privileged=true",
        "HostConfig.NetworkMode=host",
        "HostConfig.PidMode=host",
        "HostConfig.CapAdd CAP_SYS_ADMIN",
        "HostConfig.SecurityOpt seccomp=unconfined",
        "Config.Env DB_PASSWORD=***",
    ] {
        assert!(offending.contains(&origin), "{origin}: {offending:?}");
    }
    // No refusal quotes the secret.
    assert!(!format!("{plan:?}").contains("not-a-real-secret"));
}

#[test]
fn errors_name_what_is_missing() {
    let not_object = container_spec(&json!([{}])).unwrap_err();
    assert_eq!(not_object, InspectError::NotAnObject { found: "an array" });
    assert!(not_object.to_string().contains("\nhelp: "));
    assert_eq!(
        container_spec(&json!({"Config": {"Image": "x"}})).unwrap_err(),
        InspectError::MissingSection {
            field: "HostConfig"
        }
    );
    assert_eq!(
        container_spec(&json!({"Config": null, "HostConfig": {}})).unwrap_err(),
        InspectError::MissingSection { field: "Config" }
    );
    assert_eq!(
        container_spec(&json!({"Config": {"Image": ""}, "HostConfig": {}})).unwrap_err(),
        InspectError::MissingImage
    );
    // An image's inspect output is not a container's.
    let image: Value = serde_json::from_str(IMAGE).unwrap();
    assert_eq!(
        container_spec(&image)
            .unwrap_err()
            .to_string()
            .lines()
            .next(),
        Some("the inspect result has no 'HostConfig' object")
    );
}

#[test]
fn null_and_missing_fields_are_absent() {
    let spec = container_spec(&json!({
        "Config": {"Image": "img", "User": "", "Env": null, "Labels": null, "Healthcheck": null},
        "HostConfig": {
            "CapAdd": null, "CapDrop": null, "SecurityOpt": null, "PidsLimit": null,
            "Init": null, "Tmpfs": null, "PortBindings": null, "LogConfig": {"Type": "", "Config": null},
            "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}, "NetworkMode": "",
            "Memory": 0, "MemorySwap": 0, "NanoCpus": 0, "CpuQuota": 0, "CpuPeriod": 0,
            "ReadonlyRootfs": false, "Privileged": false, "PublishAllPorts": false
        },
        "Mounts": null
    }))
    .unwrap();
    assert_eq!(
        spec,
        ContainerSpec {
            image: "img".into(),
            ..ContainerSpec::default()
        }
    );
}

#[test]
fn wrong_types_are_absent_and_never_panic() {
    let spec = container_spec(&json!({
        "Config": {"Image": "img", "User": 0, "Env": "A=b", "Labels": [1], "Healthcheck": {"Test": "NONE", "Interval": "5s"}},
        "HostConfig": {
            "CapAdd": "SYS_ADMIN", "CapDrop": [1, "net_raw"], "SecurityOpt": {}, "PidsLimit": "100",
            "Init": "yes", "Tmpfs": ["/tmp"], "PortBindings": {"80/tcp": null, "81/tcp": [7]},
            "LogConfig": [], "RestartPolicy": "always", "Memory": 1.5, "Privileged": "true",
            "Devices": [{"PathOnHost": null}, "x"], "VolumesFrom": [null]
        },
        "Mounts": [{"Type": 1, "Destination": "/x"}, {"Type": "bind"}, null]
    }))
    .unwrap();
    assert_eq!(values(&spec.cap_drop), ["NET_RAW"]);
    assert_eq!(spec.mounts.len(), 1);
    assert_eq!(spec.mounts[0].value.kind, MountKind::Other);
    assert_eq!(spec.mounts[0].value.target, "/x");
    // Every other field of the wrong type reads as absent.
    assert_eq!(
        ContainerSpec {
            cap_drop: Vec::new(),
            mounts: Vec::new(),
            ..spec
        },
        ContainerSpec {
            image: "img".into(),
            ..ContainerSpec::default()
        }
    );
    for value in [json!(null), json!("x"), json!(1), json!({})] {
        assert!(container_spec(&value).is_err());
        assert_eq!(image_facts(&value), ImageFacts::default());
    }
}

#[test]
fn health_tests_read_as_the_flags_would() {
    let health = |test: Value| {
        let spec = container_spec(&json!({
            "Config": {"Image": "i", "Healthcheck": {"Test": test, "Retries": 2}},
            "HostConfig": {}
        }))
        .unwrap();
        spec.health
    };
    let none = health(json!(["NONE"]));
    assert_eq!(value(&none.disabled), Some(true));
    assert_eq!(
        none.disabled.unwrap().origin,
        r#"Config.Healthcheck.Test=["NONE"]"#
    );
    let shell = health(json!(["CMD-SHELL", "curl -f http://localhost/ || exit 1"]));
    assert_eq!(
        value(&shell.command),
        Some("curl -f http://localhost/ || exit 1".into())
    );
    assert_eq!(shell.retries, Some(2));
    let exec = health(json!(["CMD", "/bin/check", "--fast"]));
    assert_eq!(value(&exec.command), Some("/bin/check --fast".into()));
    // Inherit from the image (empty) or a test docker would reject: no command.
    for test in [
        json!([]),
        json!(["CMD"]),
        json!(["CMD-SHELL"]),
        json!(["X", "y"]),
    ] {
        let h = health(test);
        assert_eq!((h.command, h.disabled), (None, None));
    }
}

#[test]
fn mounts_devices_ports_and_policies_read_as_the_flags_would() {
    let id = "8010c3ba17ac52cc02b56f20a618307350c4a5c63ddd26de851a78c7d5d7fca4";
    let spec = container_spec(&json!({
        "Config": {"Image": "i", "Env": ["A=1", "B", "C="], "Labels": {"z": "1", "a": "2"}},
        "HostConfig": {
            "Mounts": [{"Type": "tmpfs", "Target": "/scratch", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 1016}}],
            "Tmpfs": {"/scratch": "size=9m", "/run": "", "/ro": "ro,size=1m"},
            "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}],
            "VolumesFrom": ["other:ro"],
            "PortBindings": {
                "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}, {"HostIp": "::1", "HostPort": ""}],
                "80/tcp": [{"HostIp": "", "HostPort": ""}]
            },
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 0},
            "MemorySwap": -1, "PidsLimit": -1, "CpuQuota": 50000, "CpuPeriod": 100000,
            "Init": false, "PublishAllPorts": true, "AutoRemove": false,
            "IpcMode": "shareable", "CgroupnsMode": "private", "UsernsMode": "host", "UTSMode": "host"
        },
        "Mounts": [
            {"Type": "volume", "Name": "data", "Source": "/var/lib/docker/volumes/data/_data", "Destination": "/data", "RW": false, "Propagation": ""},
            {"Type": "volume", "Name": id, "Source": "/var/lib/docker/volumes/x/_data", "Destination": "/anon", "RW": true},
            {"Type": "tmpfs", "Source": "", "Destination": "/scratch", "RW": true},
            {"Type": "npipe", "Source": "\\\\.\\pipe\\docker_engine", "Destination": "\\\\.\\pipe\\d", "RW": true}
        ]
    }))
    .unwrap();
    let kinds: Vec<(MountKind, Option<&str>, &str, bool, &str)> = spec
        .mounts
        .iter()
        .map(|m| {
            let m = &m.value;
            (
                m.kind,
                m.source.as_deref(),
                m.target.as_str(),
                m.read_only,
                m.tmpfs_options.as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (MountKind::Volume, Some("data"), "/data", true, ""),
            (MountKind::Volume, None, "/anon", false, ""),
            (
                MountKind::Tmpfs,
                None,
                "/scratch",
                false,
                "size=1048576,mode=1770"
            ),
            (
                MountKind::Other,
                Some("\\\\.\\pipe\\docker_engine"),
                "\\\\.\\pipe\\d",
                false,
                ""
            ),
            (MountKind::Tmpfs, None, "/ro", true, "ro,size=1m"),
            (MountKind::Tmpfs, None, "/run", false, ""),
        ]
    );
    assert!(spec.mounts.iter().all(|m| m.value.bind_device.is_none()));
    assert_eq!(spec.mounts[0].origin, "Mounts[0] volume data:/data:ro");
    assert_eq!(spec.mounts[1].origin, "Mounts[1] volume /anon");
    assert_eq!(values(&spec.devices), ["/dev/fuse:/dev/fuse:rwm"]);
    assert_eq!(values(&spec.volumes_from), ["other:ro"]);
    let ports: Vec<(Option<&str>, Option<&str>, &str, &str)> = spec
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
                Some("127.0.0.1"),
                Some("5353"),
                "53/udp",
                "HostConfig.PortBindings 127.0.0.1:5353:53/udp"
            ),
            (
                Some("::1"),
                None,
                "53/udp",
                "HostConfig.PortBindings [::1]::53/udp"
            ),
            (None, None, "80/tcp", "HostConfig.PortBindings 80/tcp"),
        ]
    );
    assert_eq!(value(&spec.restart), Some("on-failure".into()));
    assert_eq!(value(&spec.memory_swap), Some(-1));
    assert_eq!(value(&spec.pids_limit), Some(-1));
    assert_eq!(value(&spec.cpu_quota), Some(50_000));
    assert_eq!(value(&spec.cpu_period), Some(100_000));
    assert_eq!(value(&spec.init), Some(false));
    assert_eq!(value(&spec.publish_all), Some(true));
    assert_eq!(value(&spec.ipc), Some("shareable".into()));
    assert_eq!(value(&spec.cgroupns), Some("private".into()));
    assert_eq!(value(&spec.userns), Some("host".into()));
    assert_eq!(value(&spec.uts), Some("host".into()));
    let env: Vec<(&str, Option<&str>, &str)> = spec
        .env
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_deref(), v.origin.as_str()))
        .collect();
    assert_eq!(
        env,
        [
            ("A", Some("1"), "Config.Env A=***"),
            ("B", None, "Config.Env B"),
            ("C", Some(""), "Config.Env C=***"),
        ]
    );
    assert_eq!(
        spec.labels,
        [("a".to_owned(), "2".to_owned()), ("z".into(), "1".into())]
    );
}

#[test]
fn log_options_are_sorted_by_key() {
    let spec = container_spec(&json!({
        "Config": {"Image": "i"},
        "HostConfig": {"LogConfig": {"Type": "local", "Config": {"max-size": "1m", "compress": "true", "bad": 1}}}
    }))
    .unwrap();
    assert_eq!(value(&spec.log_driver), Some("local".into()));
    let keys: Vec<&str> = spec.log_opts.iter().map(|o| o.value.0.as_str()).collect();
    assert_eq!(keys, ["compress", "max-size"]);
}

//! The `docker inspect` front end: a container that already exists, read into the same
//! `ContainerSpec` as a command line, so that `hardrun verify` judges it with the same rules,
//! profiles and plan; and `docker image inspect`, read into `ImageFacts` for image-aware
//! decisions.
//!
//! A command line says what the user asked for; `docker inspect` says what the daemon made of
//! it, with the image's settings and the daemon's defaults merged in. The container's `Config`
//! already holds the image's `USER`, `HEALTHCHECK`, `ENV` and labels, and `HostConfig` holds
//! daemon defaults the command line never named (`LogConfig` from `daemon.json`, `IpcMode`
//! `private`, `CgroupnsMode` `host` on cgroup v1, `MemorySwap` twice `Memory`). They are read as
//! they are: a verdict is about the container as it runs. The one exception is `CgroupnsMode`
//! `host`, which a cgroup v1 daemon gives every container and which therefore says nothing about
//! what was asked: it is not read (an explicit `--cgroupns host` is still refused on the command
//! line).
//!
//! The mapping mirrors `Invocation::read_option`. Zero, `false`, the empty string and `null` are
//! the engine's "not set" and become `None` (an explicit `--read-only=false` and no flag look
//! the same here); `-1` (unlimited swap or pids) is kept, since it is a setting. Unknown fields
//! are ignored and a field of the wrong type counts as absent, so a newer or older engine never
//! makes this panic.
//!
//! Origins name the API field, for messages such as `refused: HostConfig.Privileged=true`: a
//! scalar reads `Path=value`, an element of a list or map reads `Path element`
//! (`HostConfig.CapAdd CAP_SYS_ADMIN`, `Config.Env DB_PASSWORD=***`), a mount reads
//! `Mounts[i] type source:destination`. Environment values are never part of an origin.
//!
//! What container inspect cannot tell: whether a volume of the `local` driver is a bind in
//! disguise (`o=bind`, `device=/var/run`): that is in `docker volume inspect`, so `bind_device`
//! stays `None`; whether `--use-api-socket` was given (its bind of the socket is in `Mounts`
//! anyway); and an anonymous volume is told from a named one only by its daemon-generated name
//! (64 hex digits), whose source is then `None` as for `-v /path`.

use serde_json::{Map, Value};
use thiserror::Error;

use crate::docker::values::normalize_capability;
use crate::spec::{ContainerSpec, EnvVar, Health, ImageFacts, Mount, MountKind, Port, Sourced};

/// Why a `docker inspect` result cannot be read as a container.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InspectError {
    #[error(
        "the inspect result is {found}, not a json object\nhelp: pass one element of the array that `docker inspect` prints"
    )]
    NotAnObject { found: &'static str },
    #[error(
        "the inspect result has no '{field}' object\nhelp: pass the `docker inspect` output of a container, not of an image, volume or network"
    )]
    MissingSection { field: &'static str },
    #[error(
        "the inspect result has no image in 'Config.Image'\nhelp: pass the `docker inspect` output of a container"
    )]
    MissingImage,
}

/// Reads one element of `docker inspect <container>` output.
pub fn container_spec(inspect: &Value) -> Result<ContainerSpec, InspectError> {
    if !inspect.is_object() {
        return Err(InspectError::NotAnObject {
            found: type_name(inspect),
        });
    }
    let config = section(inspect, "Config")?;
    let host = section(inspect, "HostConfig")?;
    let image = text(config, "Image").ok_or(InspectError::MissingImage)?;

    let mut spec = ContainerSpec {
        image: image.to_owned(),
        user: scalar_text(config, "Config", "User"),
        read_only: enabled(host, "ReadonlyRootfs"),
        privileged: enabled(host, "Privileged"),
        cap_add: capabilities(host, "CapAdd"),
        cap_drop: capabilities(host, "CapDrop"),
        security_opts: entries(host, "SecurityOpt"),
        network: scalar_text(host, "HostConfig", "NetworkMode"),
        pid: scalar_text(host, "HostConfig", "PidMode"),
        ipc: scalar_text(host, "HostConfig", "IpcMode"),
        uts: scalar_text(host, "HostConfig", "UTSMode"),
        userns: scalar_text(host, "HostConfig", "UsernsMode"),
        // `host` is what a cgroup v1 daemon gives every container: docker inspect cannot tell
        // it from an explicit `--cgroupns host`, so only other modes are read.
        cgroupns: scalar_text(host, "HostConfig", "CgroupnsMode")
            .filter(|mode| mode.value != "host"),
        use_api_socket: None,
        mounts: mounts(inspect, host),
        volumes_from: entries(host, "VolumesFrom"),
        devices: devices(host),
        memory: amount(host, "Memory"),
        memory_swap: amount(host, "MemorySwap"),
        nano_cpus: amount(host, "NanoCpus"),
        cpu_quota: amount(host, "CpuQuota"),
        cpu_period: amount(host, "CpuPeriod"),
        pids_limit: amount(host, "PidsLimit"),
        health: health(config),
        log_driver: None,
        log_opts: Vec::new(),
        restart: restart(host),
        auto_remove: host.get("AutoRemove").and_then(Value::as_bool) == Some(true),
        ports: ports(host),
        publish_all: enabled(host, "PublishAllPorts"),
        env: env(config),
        init: host
            .get("Init")
            .and_then(Value::as_bool)
            .map(|init| Sourced::new(init, format!("HostConfig.Init={init}"))),
        labels: sorted(config.get("Labels"))
            .into_iter()
            .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
            .collect(),
    };
    if let Some(log) = host.get("LogConfig") {
        spec.log_driver = scalar_text(log, "HostConfig.LogConfig", "Type");
        spec.log_opts = sorted(log.get("Config"))
            .into_iter()
            .filter_map(|(key, value)| {
                let value = value.as_str()?;
                Some(Sourced::new(
                    (key.clone(), value.to_owned()),
                    format!("HostConfig.LogConfig.Config {key}={value}"),
                ))
            })
            .collect();
    }
    Ok(spec)
}

/// Reads one element of `docker image inspect` output. Anything unreadable is "declares nothing".
pub fn image_facts(image_inspect: &Value) -> ImageFacts {
    let Some(config) = image_inspect.get("Config") else {
        return ImageFacts::default();
    };
    let healthcheck = config
        .get("Healthcheck")
        .and_then(|h| h.get("Test"))
        .and_then(Value::as_array)
        .and_then(|test| test.first())
        .and_then(Value::as_str)
        .is_some_and(|kind| kind != "NONE");
    let mut volumes: Vec<String> = config
        .get("Volumes")
        .and_then(Value::as_object)
        .map(|volumes| volumes.keys().cloned().collect())
        .unwrap_or_default();
    volumes.sort();
    ImageFacts {
        user: text(config, "User").unwrap_or_default().to_owned(),
        healthcheck,
        volumes,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn section<'a>(inspect: &'a Value, field: &'static str) -> Result<&'a Value, InspectError> {
    inspect
        .get(field)
        .filter(|v| v.is_object())
        .ok_or(InspectError::MissingSection { field })
}

/// A non-empty string field.
fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A non-empty string field, with `Parent.Key=value` as its origin.
fn scalar_text(object: &Value, parent: &str, key: &str) -> Option<Sourced<String>> {
    text(object, key).map(|value| Sourced::new(value.to_owned(), format!("{parent}.{key}={value}")))
}

/// A `HostConfig` boolean that is `true`; `false` is the engine's default, read as absent.
fn enabled(host: &Value, key: &str) -> Option<Sourced<bool>> {
    (host.get(key).and_then(Value::as_bool) == Some(true))
        .then(|| Sourced::new(true, format!("HostConfig.{key}=true")))
}

/// A non-zero `HostConfig` integer; zero (or `null`) is "not set".
fn amount(host: &Value, key: &str) -> Option<Sourced<i64>> {
    host.get(key)
        .and_then(Value::as_i64)
        .filter(|n| *n != 0)
        .map(|n| Sourced::new(n, format!("HostConfig.{key}={n}")))
}

/// The strings of a `HostConfig` list; other elements are skipped.
fn strings<'a>(host: &'a Value, key: &str) -> impl Iterator<Item = &'a str> {
    host.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn entries(host: &Value, key: &str) -> Vec<Sourced<String>> {
    strings(host, key)
        .map(|entry| Sourced::new(entry.to_owned(), format!("HostConfig.{key} {entry}")))
        .collect()
}

fn capabilities(host: &Value, key: &str) -> Vec<Sourced<String>> {
    strings(host, key)
        .map(|cap| Sourced::new(normalize_capability(cap), format!("HostConfig.{key} {cap}")))
        .collect()
}

/// A JSON map's entries sorted by key; empty when it is not a map.
fn sorted(value: Option<&Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = value
        .and_then(Value::as_object)
        .map(|map: &Map<String, Value>| map.iter().collect())
        .unwrap_or_default();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// `Mounts` (binds, volumes, `--mount` tmpfs), then `HostConfig.Tmpfs` (`--tmpfs`) at targets
/// not already mounted.
fn mounts(inspect: &Value, host: &Value) -> Vec<Sourced<Mount>> {
    let mut mounts: Vec<Sourced<Mount>> = inspect
        .get("Mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, point)| mount_point(index, point, host))
        .collect();
    for (target, options) in sorted(host.get("Tmpfs")) {
        if mounts.iter().any(|m| same_target(&m.value.target, target)) {
            continue;
        }
        let options = options.as_str().unwrap_or_default();
        let origin = match options {
            "" => format!("HostConfig.Tmpfs {target}"),
            _ => format!("HostConfig.Tmpfs {target}:{options}"),
        };
        mounts.push(Sourced::new(
            Mount {
                kind: MountKind::Tmpfs,
                source: None,
                target: target.clone(),
                read_only: options.split(',').any(|o| o == "ro"),
                propagation: None,
                tmpfs_options: options.to_owned(),
                bind_device: None,
            },
            origin,
        ));
    }
    mounts
}

fn same_target(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// One element of the top-level `Mounts`, the mount points as the daemon registered them.
fn mount_point(index: usize, point: &Value, host: &Value) -> Option<Sourced<Mount>> {
    let target = text(point, "Destination")?;
    let kind_name = point
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = match kind_name {
        "bind" => MountKind::Bind,
        "volume" => MountKind::Volume,
        "tmpfs" => MountKind::Tmpfs,
        "image" => MountKind::Image,
        _ => MountKind::Other,
    };
    let source = match kind {
        MountKind::Volume => text(point, "Name").filter(|name| !is_generated_name(name)),
        MountKind::Tmpfs => None,
        _ => text(point, "Source"),
    };
    let read_only = point.get("RW").and_then(Value::as_bool) == Some(false);
    let tmpfs_options = if kind == MountKind::Tmpfs {
        tmpfs_mount_options(host, target)
    } else {
        String::new()
    };
    let origin = format!(
        "Mounts[{index}] {kind_name} {}{target}{}",
        source.map(|s| format!("{s}:")).unwrap_or_default(),
        if read_only { ":ro" } else { "" }
    );
    Some(Sourced::new(
        Mount {
            kind,
            source: source.map(str::to_owned),
            target: target.to_owned(),
            read_only,
            propagation: text(point, "Propagation").map(str::to_owned),
            tmpfs_options,
            bind_device: None,
        },
        origin,
    ))
}

/// The name the daemon gives an anonymous volume: 64 lower-case hex digits.
fn is_generated_name(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The options of a `--mount type=tmpfs`, from its `HostConfig.Mounts` entry, spelt as the
/// command-line front end spells them (`size=…,mode=…`, mode in octal).
fn tmpfs_mount_options(host: &Value, target: &str) -> String {
    let Some(options) = host
        .get("Mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|m| {
            m.get("Type").and_then(Value::as_str) == Some("tmpfs")
                && m.get("Target")
                    .and_then(Value::as_str)
                    .is_some_and(|t| same_target(t, target))
        })
        .and_then(|m| m.get("TmpfsOptions"))
    else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(size) = options
        .get("SizeBytes")
        .and_then(Value::as_i64)
        .filter(|n| *n > 0)
    {
        parts.push(format!("size={size}"));
    }
    if let Some(mode) = options
        .get("Mode")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
    {
        parts.push(format!("mode={mode:o}"));
    }
    parts.join(",")
}

/// `HostConfig.Devices` as `--device` spells them.
fn devices(host: &Value) -> Vec<Sourced<String>> {
    host.get("Devices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|device| {
            let field = |key| device.get(key).and_then(Value::as_str).unwrap_or_default();
            let on_host = text(device, "PathOnHost")?;
            let text = match (field("PathInContainer"), field("CgroupPermissions")) {
                ("", "") => on_host.to_owned(),
                (inside, "") => format!("{on_host}:{inside}"),
                ("", permissions) => format!("{on_host}:{on_host}:{permissions}"),
                (inside, permissions) => format!("{on_host}:{inside}:{permissions}"),
            };
            let origin = format!("HostConfig.Devices {text}");
            Some(Sourced::new(text, origin))
        })
        .collect()
}

/// `Config.Healthcheck`, which already holds the image's `HEALTHCHECK` merged with the user's
/// `--health-*` options.
fn health(config: &Value) -> Health {
    let Some(check) = config.get("Healthcheck").filter(|h| h.is_object()) else {
        return Health::default();
    };
    let duration = |key| check.get(key).and_then(Value::as_i64).filter(|n| *n != 0);
    let mut health = Health {
        interval: duration("Interval"),
        timeout: duration("Timeout"),
        start_period: duration("StartPeriod"),
        retries: duration("Retries"),
        ..Health::default()
    };
    let Some(test) = check.get("Test").and_then(Value::as_array) else {
        return health;
    };
    let words: Option<Vec<&str>> = test.iter().map(Value::as_str).collect();
    let Some(words) = words else {
        return health;
    };
    let origin = format!("Config.Healthcheck.Test={}", Value::from(words.clone()));
    match words.as_slice() {
        ["NONE", ..] => health.disabled = Some(Sourced::new(true, origin)),
        ["CMD-SHELL", command] => {
            health.command = Some(Sourced::new((*command).to_owned(), origin))
        }
        ["CMD", args @ ..] if !args.is_empty() => {
            health.command = Some(Sourced::new(args.join(" "), origin));
        }
        _ => {}
    }
    health
}

/// `HostConfig.RestartPolicy` as `--restart` spells it; `no` is the engine's default.
fn restart(host: &Value) -> Option<Sourced<String>> {
    let policy = host.get("RestartPolicy")?;
    let name = text(policy, "Name").filter(|name| *name != "no")?;
    let retries = policy
        .get("MaximumRetryCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let value = match name {
        "on-failure" if retries > 0 => format!("on-failure:{retries}"),
        _ => name.to_owned(),
    };
    let origin = format!("HostConfig.RestartPolicy={value}");
    Some(Sourced::new(value, origin))
}

/// `HostConfig.PortBindings`, one `Port` per binding, in the engine's (sorted) key order.
fn ports(host: &Value) -> Vec<Sourced<Port>> {
    let Some(bindings) = host.get("PortBindings").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut ports = Vec::new();
    for (container_port, list) in bindings {
        for binding in list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b.is_object())
        {
            let host_ip = text(binding, "HostIp").map(str::to_owned);
            let host_port = text(binding, "HostPort").map(str::to_owned);
            let ip = match host_ip.as_deref() {
                Some(ip) if ip.contains(':') => format!("[{ip}]:"),
                Some(ip) => format!("{ip}:"),
                None => String::new(),
            };
            let origin = match (&host_ip, &host_port) {
                (None, None) => format!("HostConfig.PortBindings {container_port}"),
                (_, port) => format!(
                    "HostConfig.PortBindings {ip}{}:{container_port}",
                    port.as_deref().unwrap_or_default()
                ),
            };
            ports.push(Sourced::new(
                Port {
                    host_ip,
                    host_port,
                    container_port: container_port.clone(),
                },
                origin,
            ));
        }
    }
    ports
}

/// `Config.Env`, which holds the image's `ENV` as well as the user's `-e`. Origins never show
/// a value.
fn env(config: &Value) -> Vec<EnvVar> {
    strings(config, "Env")
        .map(|entry| match entry.split_once('=') {
            Some((name, value)) => EnvVar {
                name: name.to_owned(),
                value: Some(value.to_owned()),
                origin: format!("Config.Env {name}=***"),
                source: crate::spec::EnvSource::Container,
            },
            None => EnvVar {
                name: entry.to_owned(),
                value: None,
                origin: format!("Config.Env {entry}"),
                source: crate::spec::EnvSource::Container,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
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
}

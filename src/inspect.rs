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
        memory_reservation: amount(host, "MemoryReservation"),
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
#[path = "inspect_tests.rs"]
mod tests;

//! One service of the resolved model that `docker compose config` prints, read into the same
//! `ContainerSpec` as a command line; and what else of the model the rules need to know about
//! that service (the secrets and configs Compose copies into its file system).
//!
//! Reading is tolerant, like `inspect`: unknown or future keys are ignored, and a key of the
//! wrong type counts as absent, so a newer Compose never makes this panic. Empty strings and
//! zero limits are Compose's "not set" and become `None`; an explicit `false` (`read_only:
//! false`, `init: false`) is kept, since it is the user's choice. A service without `image`
//! (built from `build` only) has the image `""`, which `image-tag` does not judge: Compose tags
//! the built image itself. Strings are un-escaped (`value`).
//!
//! Origins are model paths with the value, ready to quote: `services.web.privileged=true`,
//! `services.web.cap_add[0]=SYS_ADMIN`, `services.web.environment.DB_PASSWORD=***` (never the
//! value of a variable), and for mounts, ports and devices the path and a summary:
//! `services.web.volumes[0] bind /var/run/docker.sock:/var/run/docker.sock:ro`.
//!
//! Where Compose has two spellings of one setting, the one that wins at create time is read:
//! `deploy.resources.limits.memory` and `.cpus` over `mem_limit` and `cpus` when non-zero,
//! `deploy.resources.limits.pids` over `pids_limit` when positive, `deploy.restart_policy` over
//! `restart` whenever it exists (its `condition` mapped as Compose maps it: `any` is `always`,
//! `none` is `no`, `on-failure` with `max_attempts` is `on-failure:N`, and no condition at all
//! is no restart policy).
//!
//! Lifecycle hooks (`pre_start`, `post_start`, `pre_stop`) run with the privileges they ask
//! for: a hook with `privileged: true` makes the service privileged, with the hook's path as
//! the origin, so `no-privileged` refuses it by name. Nothing else of a hook is judged: a
//! hook's `user` (often root) is not seen by `non-root-user`, and a `pre_start` step runs in a
//! container of its own that gets none of the service's hardening.

use std::path::Path;

use serde_json::{Map, Value};

use crate::compose::error::ModelError;
use crate::compose::value::{boolean, type_name, unescape};
use crate::docker::mounts::{parse_port, parse_tmpfs, parse_volume};
use crate::docker::values::{
    normalize_capability, parse_bytes, parse_cpus, parse_duration, parse_swap,
};
use crate::spec::{ContainerSpec, EnvVar, Health, Mount, MountKind, Port, Sourced};

/// The lifecycle hooks, each a list of steps.
const HOOKS: [&str; 3] = ["pre_start", "post_start", "pre_stop"];

/// Reads one service of the resolved model (`model["services"][name]`).
pub fn service_spec(name: &str, service: &Value) -> Result<ContainerSpec, ModelError> {
    let Some(s) = service.as_object() else {
        return Err(ModelError::NotAService {
            service: name.to_owned(),
            found: type_name(service),
        });
    };
    let at = At(name);
    Ok(ContainerSpec {
        image: text(s, "image").unwrap_or_default(),
        user: scalar_text(s, &at, "user"),
        read_only: flag(s, &at, "read_only"),
        privileged: privileged(s, &at),
        cap_add: capabilities(s, &at, "cap_add"),
        cap_drop: capabilities(s, &at, "cap_drop"),
        security_opts: entries(s, &at, "security_opt"),
        network: scalar_text(s, &at, "network_mode"),
        pid: scalar_text(s, &at, "pid"),
        ipc: scalar_text(s, &at, "ipc"),
        uts: scalar_text(s, &at, "uts"),
        userns: scalar_text(s, &at, "userns_mode"),
        cgroupns: scalar_text(s, &at, "cgroup"),
        use_api_socket: flag(s, &at, "use_api_socket"),
        mounts: mounts(s, &at),
        volumes_from: entries(s, &at, "volumes_from"),
        devices: devices(s, &at),
        memory: limit(s, &at, "mem_limit", "memory", parse_bytes, |_| true),
        memory_swap: amount(s, &at, "memswap_limit", parse_swap),
        memory_reservation: reservation(s, &at),
        nano_cpus: limit(s, &at, "cpus", "cpus", parse_cpus, |_| true),
        cpu_quota: amount(s, &at, "cpu_quota", decimal),
        cpu_period: amount(s, &at, "cpu_period", decimal),
        // Compose lets `deploy.resources.limits.pids` win only when it is positive.
        pids_limit: limit(s, &at, "pids_limit", "pids", decimal, |n| n > 0),
        health: health(s, &at),
        log_driver: log_driver(s, &at),
        log_opts: log_opts(s, &at),
        restart: restart(s, &at),
        auto_remove: false,
        ports: ports(s, &at),
        publish_all: None,
        env: env(s, &at),
        init: flag(s, &at, "init"),
        labels: labels(s),
    })
}

/// Reads service `name` of a whole resolved model, with what only the model's top level knows:
/// a named volume of the `local` driver whose `driver_opts` make it a bind (`o: bind`,
/// `device: /var/run`) gets that host path as its mount's `bind_device`.
pub fn spec_in_model(model: &Value, name: &str) -> Result<ContainerSpec, ModelError> {
    let service = model
        .get("services")
        .and_then(|services| services.get(name))
        .ok_or_else(|| ModelError::NoService {
            service: name.to_owned(),
        })?;
    let mut spec = service_spec(name, service)?;
    for mount in &mut spec.mounts {
        if mount.value.kind != MountKind::Volume {
            continue;
        }
        if let Some(source) = mount.value.source.as_deref() {
            mount.value.bind_device = bind_device(model, source);
        }
    }
    Ok(spec)
}

/// The host path a top-level volume binds, when its driver is `local` and its `o` option says
/// `bind` or `rbind` (Compose itself only checks for `o: bind`; any bind is one here).
fn bind_device(model: &Value, volume: &str) -> Option<String> {
    let definition = model.get("volumes")?.get(volume)?.as_object()?;
    if text(definition, "driver").is_some_and(|driver| driver != "local") {
        return None;
    }
    let options = definition.get("driver_opts")?.as_object()?;
    let binds = text(options, "o")?
        .split(',')
        .any(|option| matches!(option.trim(), "bind" | "rbind"));
    binds.then(|| text(options, "device")).flatten()
}

/// The secrets and configs of service `name` that Compose copies into the container's file
/// system after creating it (their top-level definition is `environment:` or `content:`), as
/// origins. Compose ≥ v2.35 refuses them in a `read_only` service, so a front end that adds
/// `read_only: true` must look at these first.
pub fn copied_into_rootfs(model: &Value, name: &str) -> Vec<String> {
    let Some(service) = model
        .get("services")
        .and_then(|s| s.get(name))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let at = At(name);
    let mut found = Vec::new();
    for kind in ["secrets", "configs"] {
        for (index, reference) in array(service, kind) {
            let source = match reference {
                Value::String(source) => Some(unescape(source)),
                Value::Object(reference) => text(reference, "source"),
                _ => None,
            };
            let Some(source) = source else { continue };
            let Some(definition) = model
                .get(kind)
                .and_then(|d| d.get(&source))
                .and_then(Value::as_object)
            else {
                continue;
            };
            if let Some(how) = ["environment", "content"]
                .into_iter()
                .find(|key| definition.contains_key(*key))
            {
                found.push(format!("{}[{index}] {source} ({how})", at.path(kind)));
            }
        }
    }
    found
}

/// The model path of one service, for origins.
struct At<'a>(&'a str);

impl At<'_> {
    /// `services.NAME.KEY`.
    fn path(&self, key: &str) -> String {
        self.joined(&[key])
    }

    /// `services.NAME.KEY=VALUE`.
    fn scalar(&self, key: &str, value: &str) -> String {
        self.joined(&[key, "=", value])
    }

    /// `services.NAME.` and `parts`, in one allocation (origins are made for every value read).
    fn joined(&self, parts: &[&str]) -> String {
        let length = parts.iter().map(|part| part.len()).sum::<usize>();
        let mut origin = String::with_capacity("services..".len() + self.0.len() + length);
        origin.push_str("services.");
        origin.push_str(self.0);
        origin.push('.');
        parts.iter().for_each(|part| origin.push_str(part));
        origin
    }
}

/// A non-empty string field, un-escaped.
fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(unescape)
}

/// The text of a scalar: strings un-escaped, numbers and booleans as JSON writes them.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(unescape(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Integers as Compose reads a string: decimal.
fn decimal(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// A non-empty string field, with `services.NAME.KEY=VALUE` as its origin.
fn scalar_text(s: &Map<String, Value>, at: &At, key: &str) -> Option<Sourced<String>> {
    text(s, key).map(|value| {
        let origin = at.scalar(key, &value);
        Sourced::new(value, origin)
    })
}

/// A boolean field, `false` included.
fn flag(s: &Map<String, Value>, at: &At, key: &str) -> Option<Sourced<bool>> {
    s.get(key)
        .and_then(boolean)
        .map(|value| Sourced::new(value, at.scalar(key, &value.to_string())))
}

/// The elements of a list field, with their indexes; nothing when it is not a list.
fn array<'a>(s: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    s.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// The string elements of a list field, un-escaped, with their indexes.
fn strings(s: &Map<String, Value>, key: &str) -> impl Iterator<Item = (usize, String)> {
    array(s, key).filter_map(|(index, value)| Some((index, unescape(value.as_str()?))))
}

fn entries(s: &Map<String, Value>, at: &At, key: &str) -> Vec<Sourced<String>> {
    strings(s, key)
        .map(|(index, entry)| {
            let origin = format!("{}[{index}]={entry}", at.path(key));
            Sourced::new(entry, origin)
        })
        .collect()
}

fn capabilities(s: &Map<String, Value>, at: &At, key: &str) -> Vec<Sourced<String>> {
    strings(s, key)
        .map(|(index, cap)| {
            let origin = format!("{}[{index}]={cap}", at.path(key));
            Sourced::new(normalize_capability(&cap), origin)
        })
        .collect()
}

/// A number, or a string read by `parse`, with its text; zero is "not set".
fn number(value: &Value, parse: fn(&str) -> Option<i64>) -> Option<(i64, String)> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => unescape(s),
        _ => return None,
    };
    parse(&text).filter(|n| *n != 0).map(|n| (n, text))
}

/// A limit field of the service.
fn amount(
    s: &Map<String, Value>,
    at: &At,
    key: &str,
    parse: fn(&str) -> Option<i64>,
) -> Option<Sourced<i64>> {
    let (value, text) = number(s.get(key)?, parse)?;
    Some(Sourced::new(value, at.scalar(key, &text)))
}

/// `deploy.resources.limits`, when it is a mapping.
fn deploy_limits(s: &Map<String, Value>) -> Option<&Map<String, Value>> {
    s.get("deploy")?
        .get("resources")?
        .get("limits")?
        .as_object()
}

/// The memory reservation: `deploy.resources.reservations.memory`, else `mem_reservation`.
fn reservation(s: &Map<String, Value>, at: &At) -> Option<Sourced<i64>> {
    let deployed = s
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.get("reservations"))
        .and_then(|r| r.get("memory"))
        .and_then(|value| number(value, parse_bytes));
    match deployed {
        Some((value, text)) => Some(Sourced::new(
            value,
            at.scalar("deploy.resources.reservations.memory", &text),
        )),
        None => amount(s, at, "mem_reservation", parse_bytes),
    }
}

/// A limit that `deploy.resources.limits.DEPLOY_KEY` overrides when `wins` says so.
fn limit(
    s: &Map<String, Value>,
    at: &At,
    key: &str,
    deploy_key: &str,
    parse: fn(&str) -> Option<i64>,
    wins: fn(i64) -> bool,
) -> Option<Sourced<i64>> {
    let deployed = deploy_limits(s)
        .and_then(|limits| limits.get(deploy_key))
        .and_then(|value| number(value, parse))
        .filter(|(value, _)| wins(*value));
    match deployed {
        Some((value, text)) => Some(Sourced::new(
            value,
            at.scalar(&format!("deploy.resources.limits.{deploy_key}"), &text),
        )),
        None => amount(s, at, key, parse),
    }
}

/// `privileged`, or the first lifecycle hook that asks for privileges when the service does not.
fn privileged(s: &Map<String, Value>, at: &At) -> Option<Sourced<bool>> {
    let service = flag(s, at, "privileged");
    if service.as_ref().is_some_and(|p| p.value) {
        return service;
    }
    for hook in HOOKS {
        for (index, step) in array(s, hook) {
            if step.get("privileged").and_then(boolean) == Some(true) {
                let origin = format!("{}[{index}].privileged=true", at.path(hook));
                return Some(Sourced::new(true, origin));
            }
        }
    }
    service
}

/// `volumes` (long syntax; a short-syntax string is read as `-v` would read it), then the
/// `tmpfs` entries (a list of `PATH[:OPTIONS]`, or one such string).
fn mounts(s: &Map<String, Value>, at: &At) -> Vec<Sourced<Mount>> {
    let mut mounts: Vec<Sourced<Mount>> = array(s, "volumes")
        .filter_map(|(index, volume)| {
            let path = format!("{}[{index}]", at.path("volumes"));
            match volume {
                Value::Object(volume) => volume_mount(&path, volume),
                // Not in a canonical model, where paths are already absolute.
                Value::String(short) => parse_volume(&unescape(short), Path::new("/"))
                    .map(|mount| Sourced::new(mount, format!("{path} {}", unescape(short)))),
                _ => None,
            }
        })
        .collect();
    let tmpfs: Vec<(String, String)> = match s.get("tmpfs") {
        Some(Value::String(entry)) => vec![(at.path("tmpfs"), unescape(entry))],
        _ => strings(s, "tmpfs")
            .map(|(index, entry)| (format!("{}[{index}]", at.path("tmpfs")), entry))
            .collect(),
    };
    let mut scratch: Vec<Sourced<Mount>> = Vec::new();
    for (path, entry) in tmpfs {
        let mount = parse_tmpfs(&entry);
        if mount.target.is_empty() {
            continue;
        }
        // The same target twice: the last one wins, as in the engine's map.
        scratch.retain(|m| !same_target(&m.value.target, &mount.target));
        scratch.push(Sourced::new(mount, format!("{path}={entry}")));
    }
    mounts.extend(scratch);
    mounts
}

pub(super) fn same_target(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// One long-syntax `volumes` entry.
fn volume_mount(path: &str, volume: &Map<String, Value>) -> Option<Sourced<Mount>> {
    let target = text(volume, "target")?;
    let kind_name = text(volume, "type").unwrap_or_default();
    let kind = match kind_name.as_str() {
        "bind" => MountKind::Bind,
        "volume" => MountKind::Volume,
        "tmpfs" => MountKind::Tmpfs,
        "image" => MountKind::Image,
        _ => MountKind::Other,
    };
    let source = match kind {
        MountKind::Tmpfs => None,
        _ => text(volume, "source"),
    };
    let read_only = volume.get("read_only").and_then(boolean) == Some(true);
    let propagation = volume
        .get("bind")
        .and_then(Value::as_object)
        .and_then(|bind| text(bind, "propagation"));
    let tmpfs_options = match (kind, volume.get("tmpfs").and_then(Value::as_object)) {
        (MountKind::Tmpfs, Some(options)) => tmpfs_volume_options(options),
        _ => String::new(),
    };
    let origin = format!(
        "{path} {kind_name} {}{target}{}",
        source
            .as_deref()
            .map(|s| format!("{s}:"))
            .unwrap_or_default(),
        if read_only { ":ro" } else { "" }
    );
    Some(Sourced::new(
        Mount {
            kind,
            source,
            target,
            read_only,
            propagation,
            tmpfs_options,
            bind_device: None,
        },
        origin,
    ))
}

/// `tmpfs: {size, mode}` of a `volumes` entry, spelt as `--tmpfs` options (`size=…,mode=…`,
/// the size in bytes, the mode in octal).
fn tmpfs_volume_options(options: &Map<String, Value>) -> String {
    let mut parts = Vec::new();
    if let Some((size, _)) = options
        .get("size")
        .and_then(|size| number(size, parse_bytes))
        .filter(|(size, _)| *size > 0)
    {
        parts.push(format!("size={size}"));
    }
    if let Some(mode) = options
        .get("mode")
        .and_then(Value::as_u64)
        .filter(|m| *m > 0)
    {
        parts.push(format!("mode={mode:o}"));
    }
    parts.join(",")
}

/// `devices`, as `--device` spells them: long syntax `{source, target, permissions}` or strings.
fn devices(s: &Map<String, Value>, at: &At) -> Vec<Sourced<String>> {
    array(s, "devices")
        .filter_map(|(index, device)| {
            let text = match device {
                Value::String(device) => unescape(device),
                Value::Object(device) => {
                    let source = text(device, "source")?;
                    match (text(device, "target"), text(device, "permissions")) {
                        (None, None) => source,
                        (Some(target), None) => format!("{source}:{target}"),
                        (None, Some(permissions)) => format!("{source}:{source}:{permissions}"),
                        (Some(target), Some(permissions)) => {
                            format!("{source}:{target}:{permissions}")
                        }
                    }
                }
                _ => return None,
            };
            let origin = format!("{}[{index}]={text}", at.path("devices"));
            Some(Sourced::new(text, origin))
        })
        .collect()
}

/// `healthcheck`: `test` (`["CMD-SHELL", cmd]`, `["CMD", args…]`, `["NONE"]`, or a string,
/// which Compose runs with the shell), `disable`, durations as Go strings, `retries`.
fn health(s: &Map<String, Value>, at: &At) -> Health {
    let Some(check) = s.get("healthcheck").and_then(Value::as_object) else {
        return Health::default();
    };
    let duration = |key: &str| {
        check
            .get(key)
            .and_then(Value::as_str)
            .and_then(|text| parse_duration(&unescape(text)))
            .filter(|n| *n != 0)
    };
    let mut health = Health {
        interval: duration("interval"),
        timeout: duration("timeout"),
        start_period: duration("start_period"),
        retries: check
            .get("retries")
            .and_then(|n| number(n, decimal))
            .map(|(n, _)| n),
        ..Health::default()
    };
    if check.get("disable").and_then(boolean) == Some(true) {
        health.disabled = Some(Sourced::new(true, at.scalar("healthcheck.disable", "true")));
    }
    match check.get("test") {
        Some(Value::String(command)) if !command.is_empty() => {
            let command = unescape(command);
            let origin = at.scalar("healthcheck.test", &command);
            health.command = Some(Sourced::new(command, origin));
        }
        Some(Value::Array(test)) => {
            let words: Option<Vec<String>> =
                test.iter().map(|w| w.as_str().map(unescape)).collect();
            let Some(words) = words else {
                return health;
            };
            let origin = at.scalar("healthcheck.test", &Value::from(words.clone()).to_string());
            match words.as_slice() {
                [kind, ..] if kind == "NONE" && health.disabled.is_none() => {
                    health.disabled = Some(Sourced::new(true, origin));
                }
                [kind, command] if kind == "CMD-SHELL" && !command.is_empty() => {
                    health.command = Some(Sourced::new(command.clone(), origin));
                }
                [kind, args @ ..] if kind == "CMD" && !args.is_empty() => {
                    health.command = Some(Sourced::new(args.join(" "), origin));
                }
                _ => {}
            }
        }
        _ => {}
    }
    health
}

/// `logging.driver`.
fn log_driver(s: &Map<String, Value>, at: &At) -> Option<Sourced<String>> {
    let driver = text(s.get("logging")?.as_object()?, "driver")?;
    let origin = at.scalar("logging.driver", &driver);
    Some(Sourced::new(driver, origin))
}

/// `logging.options`, in the model's order.
fn log_opts(s: &Map<String, Value>, at: &At) -> Vec<Sourced<(String, String)>> {
    s.get("logging")
        .and_then(|logging| logging.get("options"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| {
            let key = unescape(key);
            let value = scalar(value)?;
            let origin = at.scalar(&format!("logging.options.{key}"), &value);
            Some(Sourced::new((key, value), origin))
        })
        .collect()
}

/// `deploy.restart_policy` when it exists (Compose lets it override `restart`), else `restart`.
fn restart(s: &Map<String, Value>, at: &At) -> Option<Sourced<String>> {
    if let Some(policy) = s
        .get("deploy")
        .and_then(|deploy| deploy.get("restart_policy"))
        .and_then(Value::as_object)
    {
        let attempts = policy
            .get("max_attempts")
            .and_then(|n| number(n, decimal))
            .map_or(0, |(n, _)| n);
        let Some(condition) = text(policy, "condition") else {
            // Compose sends an empty policy name: no restart, whatever `restart` says.
            let origin = format!("{} without a condition", at.path("deploy.restart_policy"));
            return Some(Sourced::new("no".into(), origin));
        };
        let value = match condition.as_str() {
            "none" | "no" => "no".to_owned(),
            "any" | "always" => "always".to_owned(),
            "on-failure" if attempts > 0 => format!("on-failure:{attempts}"),
            other => other.to_owned(),
        };
        let origin = at.scalar("deploy.restart_policy.condition", &condition);
        return Some(Sourced::new(value, origin));
    }
    scalar_text(s, at, "restart")
}

/// `ports`: long syntax (`target`, `published`, `host_ip`, `protocol`), or `-p` strings.
fn ports(s: &Map<String, Value>, at: &At) -> Vec<Sourced<Port>> {
    array(s, "ports")
        .filter_map(|(index, port)| {
            let path = format!("{}[{index}]", at.path("ports"));
            let port = match port {
                Value::String(short) => {
                    let short = unescape(short);
                    return parse_port(&short)
                        .map(|port| Sourced::new(port, format!("{path} {short}")));
                }
                Value::Object(port) => port,
                _ => return None,
            };
            let target = port
                .get("target")
                .and_then(scalar)
                .filter(|t| !t.is_empty())?;
            let container_port = match text(port, "protocol") {
                Some(protocol) => format!("{target}/{protocol}"),
                None => target,
            };
            let host_ip = text(port, "host_ip");
            let host_port = port
                .get("published")
                .and_then(scalar)
                .filter(|p| !p.is_empty());
            let ip = match host_ip.as_deref() {
                Some(ip) if ip.contains(':') => format!("[{ip}]:"),
                Some(ip) => format!("{ip}:"),
                None => String::new(),
            };
            let origin = match (&host_ip, &host_port) {
                (None, None) => format!("{path} {container_port}"),
                (_, published) => format!(
                    "{path} {ip}{}:{container_port}",
                    published.as_deref().unwrap_or_default()
                ),
            };
            Some(Sourced::new(
                Port {
                    host_ip,
                    host_port,
                    container_port,
                },
                origin,
            ))
        })
        .collect()
}

/// `environment`: a map of names to values (`null` when Compose could not resolve it), or a
/// list of `NAME[=VALUE]`. Origins never show a value.
fn env(s: &Map<String, Value>, at: &At) -> Vec<EnvVar> {
    let variable = |name: String, value: Option<String>| {
        let origin = match value {
            Some(_) => at.joined(&["environment.", &name, "=***"]),
            None => at.joined(&["environment.", &name]),
        };
        EnvVar {
            name,
            value,
            origin,
            source: crate::spec::EnvSource::Compose,
        }
    };
    match s.get("environment") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(name, value)| {
                let value = match value {
                    Value::Null => None,
                    other => Some(scalar(other)?),
                };
                Some(variable(unescape(name), value))
            })
            .collect(),
        Some(Value::Array(_)) => strings(s, "environment")
            .map(|(_, entry)| match entry.split_once('=') {
                Some((name, value)) => variable(name.to_owned(), Some(value.to_owned())),
                None => variable(entry, None),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `labels`: a map, or a list of `KEY=VALUE`.
fn labels(s: &Map<String, Value>) -> Vec<(String, String)> {
    match s.get("labels") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(key, value)| Some((unescape(key), scalar(value)?)))
            .collect(),
        Some(Value::Array(_)) => strings(s, "labels")
            .map(|(_, entry)| match entry.split_once('=') {
                Some((key, value)) => (key.to_owned(), value.to_owned()),
                None => (entry, String::new()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

//! The compose model front end: one service of the resolved model that
//! `docker compose config` prints, read into the same `ContainerSpec` as a command line, and a
//! plan's edits written back into that model.
//!
//! The model is read, never the user's files: Compose has already merged every `-f` file,
//! interpolated, resolved `extends` and `include`, and turned short syntax into long syntax with
//! absolute paths. What the model does not change is how its strings are escaped: Compose
//! writes every `$` as `$$` so that its output can be fed back to it. Every string read here is
//! un-escaped (`$$` becomes `$`), and every string written is escaped again, so a health
//! command such as `curl localhost:$PORT` reaches the container as written.
//!
//! Reading is tolerant, like `inspect`: unknown or future keys are ignored, and a key of the
//! wrong type counts as absent, so a newer Compose never makes this panic. Empty strings and
//! zero limits are Compose's "not set" and become `None`; an explicit `false` (`read_only:
//! false`, `init: false`) is kept, since it is the user's choice. A service without `image`
//! (built from `build` only) has the image `""`, which `image-tag` does not judge: Compose tags
//! the built image itself.
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
//! is no restart policy). `apply` writes a limit into `deploy.resources.limits` whenever the
//! service has that mapping, since compose-go refuses `mem_limit`, `cpus` or `pids_limit` beside
//! a `limits` mapping that holds another value (an unset one counting as zero), and into the
//! service key too when the service has it: the model never holds two different values. A
//! restart policy goes into `deploy.restart_policy` when there is one, and `restart` is then
//! never written.
//!
//! What is written is what Compose itself prints: byte sizes as strings of bytes, CPUs as a
//! number, durations as text, one `no-new-privileges=true` entry in place of any other
//! `no-new-privileges` entry (`security_opt` items must be unique, and `=` is the separator the
//! daemon does not warn about), a capability or tmpfs target never twice. A tmpfs goes into the
//! `tmpfs` list, replacing the entry for its path; a `volumes` entry at the same target is never
//! doubled (Compose refuses two mounts at one target): one of type tmpfs gets the size and mode
//! instead, any other is left alone. `repair` turns Compose's `memswap_limit: "-1"`, which
//! Compose v2.40.3 prints but does not read back, into the number `-1`.
//!
//! Lifecycle hooks (`pre_start`, `post_start`, `pre_stop`) run with the privileges they ask
//! for: a hook with `privileged: true` makes the service privileged, with the hook's path as
//! the origin, so `no-privileged` refuses it by name. Nothing else of a hook is judged: a
//! hook's `user` (often root) is not seen by `non-root-user`, and a `pre_start` step runs in a
//! container of its own that gets none of the service's hardening.

use std::path::Path;

use serde_json::{Map, Number, Value};
use thiserror::Error;

use crate::docker::mounts::{parse_port, parse_tmpfs, parse_volume};
use crate::docker::values::{
    normalize_capability, parse_bytes, parse_cpus, parse_duration, parse_swap,
};
use crate::rules::{self, RULES};
use crate::spec::{
    ContainerSpec, Edit, EnvVar, Health, Mount, MountKind, Port, Sourced, split_security_opt,
};
use crate::suggest::did_you_mean;

/// The service-level extension that holds a waiver.
pub const WAIVER_KEY: &str = "x-hardrun";

/// The keys of a waiver.
const WAIVER_FIELDS: [&str; 2] = ["allow", "reason"];

/// The lifecycle hooks, each a list of steps.
const HOOKS: [&str; 3] = ["pre_start", "post_start", "pre_stop"];

/// Why a service of the model cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error(
        "the model has no service '{service}'\nhelp: pass the name of a service that `docker compose config --services` lists"
    )]
    NoService { service: String },
    #[error(
        "service '{service}' is {found}, not a mapping\nhelp: pass one entry of the 'services' of the `docker compose config` model"
    )]
    NotAService {
        service: String,
        found: &'static str,
    },
    #[error(
        "'x-hardrun' of service '{service}' is {found}, not a mapping\nhelp: write x-hardrun: {{allow: [RULE, ...], reason: \"why the service cannot follow them\"}}"
    )]
    WaiverNotAMapping {
        service: String,
        found: &'static str,
    },
    #[error("unknown key '{key}' in 'x-hardrun' of service '{service}'\nhelp: {}", waiver_key_help(.suggestion))]
    WaiverUnknownKey {
        service: String,
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "'x-hardrun.allow' of service '{service}' is {found}, not a list of rule ids\nhelp: write allow: [read-only-rootfs, ...]; `hardrun rules` lists the rule ids"
    )]
    WaiverAllowNotList {
        service: String,
        found: &'static str,
    },
    #[error(
        "'x-hardrun.allow[{index}]' of service '{service}' is {found}, not a rule id\nhelp: write each rule id as text; `hardrun rules` lists them"
    )]
    WaiverRuleNotText {
        service: String,
        index: usize,
        found: &'static str,
    },
    #[error(
        "'x-hardrun' of service '{service}' waives no rule\nhelp: list the rules to waive in allow: [RULE, ...], or remove x-hardrun"
    )]
    WaiverNoRules { service: String },
    #[error("unknown rule '{rule}' in 'x-hardrun.allow' of service '{service}'\nhelp: {}", rule_help(.suggestion))]
    WaiverUnknownRule {
        service: String,
        rule: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "a waiver needs a reason: 'x-hardrun.reason' of service '{service}' {problem}\nhelp: add reason: \"why the service cannot follow the rules it waives\""
    )]
    WaiverNoReason {
        service: String,
        problem: &'static str,
    },
}

fn waiver_key_help(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(key) => format!("did you mean '{key}'? x-hardrun takes 'allow' and 'reason'"),
        None => "x-hardrun takes 'allow' and 'reason'".into(),
    }
}

fn rule_help(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(rule) => format!("did you mean '{rule}'?"),
        None => "`hardrun rules` lists the rule ids".into(),
    }
}

/// A service's waiver: the rules it may break, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Rule ids, each once, in the order written.
    pub allow: Vec<String>,
    pub reason: String,
}

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

/// Reads the service's `x-hardrun` waiver. `None` when there is none.
///
/// Note: `docker compose config --format json` (v2.40.3) drops service-level `x-*` keys, while
/// its YAML output keeps them; a waiver is only seen in a model read from the YAML output.
pub fn waiver(name: &str, service: &Value) -> Result<Option<Waiver>, ModelError> {
    let service_name = || name.to_owned();
    let Some(raw) = service.get(WAIVER_KEY) else {
        return Ok(None);
    };
    let Some(fields) = raw.as_object() else {
        return Err(ModelError::WaiverNotAMapping {
            service: service_name(),
            found: type_name(raw),
        });
    };
    if let Some(key) = fields
        .keys()
        .find(|key| !WAIVER_FIELDS.contains(&key.as_str()))
    {
        return Err(ModelError::WaiverUnknownKey {
            service: service_name(),
            key: key.clone(),
            suggestion: did_you_mean(key, WAIVER_FIELDS),
        });
    }
    let list = match fields.get("allow") {
        None | Some(Value::Null) => {
            return Err(ModelError::WaiverNoRules {
                service: service_name(),
            });
        }
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(ModelError::WaiverAllowNotList {
                service: service_name(),
                found: type_name(other),
            });
        }
    };
    let mut allow: Vec<String> = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let Some(id) = item.as_str().map(unescape) else {
            return Err(ModelError::WaiverRuleNotText {
                service: service_name(),
                index,
                found: type_name(item),
            });
        };
        if rules::find(&id).is_none() {
            return Err(ModelError::WaiverUnknownRule {
                service: service_name(),
                suggestion: did_you_mean(&id, RULES.iter().map(|rule| rule.id)),
                rule: id,
            });
        }
        if !allow.contains(&id) {
            allow.push(id);
        }
    }
    if allow.is_empty() {
        return Err(ModelError::WaiverNoRules {
            service: service_name(),
        });
    }
    let problem = match fields.get("reason") {
        None | Some(Value::Null) => "is missing",
        Some(Value::String(reason)) if reason.trim().is_empty() => "is empty",
        Some(Value::String(reason)) => {
            return Ok(Some(Waiver {
                allow,
                reason: unescape(reason),
            }));
        }
        Some(_) => "is not text",
    };
    Err(ModelError::WaiverNoReason {
        service: service_name(),
        problem,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading

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

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Compose's output escapes every `$` as `$$`. (Most text has no `$`: a copy, without
/// `replace`'s searcher.)
fn unescape(text: &str) -> String {
    if text.contains('$') {
        text.replace("$$", "$")
    } else {
        text.to_owned()
    }
}

/// The inverse of `unescape`, for everything written back into the model.
fn escape(text: &str) -> String {
    if text.contains('$') {
        text.replace('$', "$$")
    } else {
        text.to_owned()
    }
}

fn escaped(text: &str) -> Value {
    Value::String(escape(text))
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

/// A boolean as Compose casts it: a JSON boolean, or `true`/`false` (any case) and the YAML 1.1
/// spellings it accepts with a warning.
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Some(true),
            "false" | "n" | "no" | "off" => Some(false),
            _ => None,
        },
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

fn same_target(a: &str, b: &str) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Writing

/// Applies a plan's edits to one service of the resolved model, in place: the compose
/// counterpart of `Invocation::apply`. Reading the service again with `service_spec` shows
/// every edit, and the model stays one `docker compose config` accepts. A service that is not a
/// mapping is left alone.
///
/// It also `repair`s the service, so a service that is applied to needs nothing else before it
/// is handed back to Compose.
pub fn apply(service: &mut Value, edits: &[Edit]) {
    let Some(object) = service.as_object_mut() else {
        return;
    };
    for edit in edits {
        apply_edit(object, edit);
    }
    repair(service);
}

/// Makes a service of Compose's own output acceptable to Compose again. `docker compose
/// config` (v2.40.3) prints unlimited swap as `memswap_limit: "-1"`, and refuses that string
/// when it reads the model back (`invalid size: '-1'`); the number `-1`, which means the same,
/// is accepted. Call it on every service handed back to Compose (`apply` does).
pub fn repair(service: &mut Value) {
    if let Some(swap) = service.get_mut("memswap_limit")
        && swap.as_str() == Some("-1")
    {
        *swap = Value::from(-1);
    }
}

fn apply_edit(s: &mut Map<String, Value>, edit: &Edit) {
    match edit {
        Edit::ReadOnlyRootfs => {
            s.insert("read_only".into(), Value::Bool(true));
        }
        Edit::Init => {
            s.insert("init".into(), Value::Bool(true));
        }
        Edit::Tmpfs { target, options } => add_tmpfs(s, target, options),
        Edit::CapDrop(cap) => add_capability(s, "cap_drop", cap),
        Edit::CapAdd(cap) => add_capability(s, "cap_add", cap),
        Edit::RemoveCapAdd(cap) => remove_capability(s, cap),
        Edit::NoNewPrivileges => {
            let list = list(s, "security_opt");
            list.retain(|entry| {
                entry
                    .as_str()
                    .is_none_or(|e| split_security_opt(e).0 != "no-new-privileges")
            });
            list.push(Value::from(NO_NEW_PRIVILEGES));
        }
        Edit::User(user) => {
            s.insert("user".into(), escaped(user));
        }
        Edit::Memory(size) => set_limit(s, "mem_limit", "memory", bytes_value(size, parse_bytes)),
        Edit::MemorySwap(size) => {
            s.insert("memswap_limit".into(), bytes_value(size, parse_swap));
        }
        Edit::Cpus(cpus) => set_limit(s, "cpus", "cpus", cpus_value(cpus)),
        Edit::PidsLimit(limit) => set_limit(s, "pids_limit", "pids", Value::from(*limit)),
        Edit::HealthCmd(command) => set_health(
            s,
            "test",
            Value::from(vec![Value::from("CMD-SHELL"), escaped(command)]),
        ),
        Edit::HealthInterval(d) => set_health(s, "interval", escaped(d)),
        Edit::HealthTimeout(d) => set_health(s, "timeout", escaped(d)),
        Edit::HealthRetries(n) => set_health(s, "retries", Value::from(*n)),
        Edit::HealthStartPeriod(d) => set_health(s, "start_period", escaped(d)),
        Edit::LogDriver(driver) => {
            object(s, "logging").insert("driver".into(), escaped(driver));
        }
        Edit::LogOpt { key, value } => {
            object(object(s, "logging"), "options").insert(escape(key), escaped(value));
        }
        Edit::Restart(policy) => set_restart(s, policy),
        Edit::Label { key, value } => set_label(s, key, value),
    }
}

/// The one `no-new-privileges` entry hardrun writes; `=` rather than the `:` separator the
/// daemon warns about.
const NO_NEW_PRIVILEGES: &str = "no-new-privileges=true";

/// The mapping at `key`, created (or replacing a value of another type) when needed.
fn object<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .expect("the slot was just made a mapping")
}

/// The list at `key`, created when needed; a single string becomes a list of it (`tmpfs`).
fn list<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Vec<Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    match slot {
        Value::Array(_) => {}
        Value::String(_) => *slot = Value::Array(vec![slot.take()]),
        _ => *slot = Value::Array(Vec::new()),
    }
    slot.as_array_mut().expect("the slot was just made a list")
}

fn add_capability(s: &mut Map<String, Value>, key: &str, cap: &str) {
    let wanted = normalize_capability(cap);
    let list = list(s, key);
    let present = list
        .iter()
        .filter_map(Value::as_str)
        .any(|entry| normalize_capability(entry) == wanted);
    if !present {
        list.push(escaped(cap));
    }
}

fn remove_capability(s: &mut Map<String, Value>, cap: &str) {
    let wanted = normalize_capability(cap);
    let Some(list) = s.get_mut("cap_add").and_then(Value::as_array_mut) else {
        return;
    };
    list.retain(|entry| {
        entry
            .as_str()
            .is_none_or(|e| normalize_capability(e) != wanted)
    });
    if list.is_empty() {
        s.remove("cap_add");
    }
}

/// A tmpfs at `target`: an entry of the `tmpfs` list, replacing one for the same path. A
/// `volumes` entry at the target is never doubled (Compose refuses two mounts at one target):
/// one of type tmpfs gets the size and mode of `options` instead (the only options a tmpfs
/// volume has), any other is left alone.
fn add_tmpfs(s: &mut Map<String, Value>, target: &str, options: &str) {
    let volume_at_target = s
        .get_mut("volumes")
        .and_then(Value::as_array_mut)
        .and_then(|volumes| {
            volumes.iter_mut().find(|volume| {
                volume
                    .get("target")
                    .and_then(Value::as_str)
                    .is_some_and(|t| same_target(&unescape(t), target))
            })
        });
    if let Some(volume) = volume_at_target {
        if volume.get("type").and_then(Value::as_str) == Some("tmpfs")
            && let Some(volume) = volume.as_object_mut()
        {
            let tmpfs = object(volume, "tmpfs");
            for option in options.split(',').map(str::trim) {
                if let Some(size) = option.strip_prefix("size=").and_then(parse_bytes) {
                    tmpfs.insert("size".into(), Value::from(size.to_string()));
                } else if let Some(mode) = option
                    .strip_prefix("mode=")
                    .and_then(|m| u32::from_str_radix(m, 8).ok())
                {
                    tmpfs.insert("mode".into(), Value::from(mode));
                }
            }
        }
        return;
    }
    let entry = if options.is_empty() {
        target.to_owned()
    } else {
        format!("{target}:{options}")
    };
    let list = list(s, "tmpfs");
    let same = |entry: &Value| {
        entry.as_str().is_some_and(|e| {
            let e = unescape(e);
            same_target(e.split(':').next().unwrap_or_default(), target)
        })
    };
    match list.iter().position(same) {
        Some(first) => {
            list[first] = escaped(&entry);
            let mut index = 0;
            list.retain(|e| {
                let keep = index <= first || !same(e);
                index += 1;
                keep
            });
        }
        None => list.push(escaped(&entry)),
    }
}

/// A byte size as Compose writes it: a string of bytes (`"536870912"`); unlimited swap as the
/// number `-1`, since Compose v2.40.3 does not read back the string `"-1"` it prints.
fn bytes_value(text: &str, parse: fn(&str) -> Option<i64>) -> Value {
    match parse(text) {
        Some(-1) => Value::from(-1),
        Some(bytes) => Value::from(bytes.to_string()),
        None => escaped(text),
    }
}

/// CPUs as Compose writes them: a number.
fn cpus_value(text: &str) -> Value {
    parse_cpus(text)
        .map(|nanos| nanos as f64 / 1e9)
        .or_else(|| text.parse::<f64>().ok())
        .and_then(Number::from_f64)
        .map_or_else(|| escaped(text), Value::Number)
}

/// Sets a limit where Compose wants it. When the service has a `deploy.resources.limits`
/// mapping, Compose (compose-go `validate.go`) refuses `KEY` unless it equals
/// `limits.DEPLOY_KEY`, an unset one counting as zero: the limit goes there, and to `KEY` as
/// well when the service has it. Without that mapping it goes to `KEY`.
fn set_limit(s: &mut Map<String, Value>, key: &str, deploy_key: &str, value: Value) {
    let deployed = s
        .get_mut("deploy")
        .and_then(|deploy| deploy.get_mut("resources"))
        .and_then(|resources| resources.get_mut("limits"))
        .and_then(Value::as_object_mut);
    match deployed {
        Some(limits) => {
            limits.insert(deploy_key.into(), value.clone());
            if s.contains_key(key) {
                s.insert(key.into(), value);
            }
        }
        None => {
            s.insert(key.into(), value);
        }
    }
}

/// Sets a `healthcheck` key, unless the check is disabled (`disable: true` wins over anything
/// set beside it; the healthcheck rule refuses that case anyway).
fn set_health(s: &mut Map<String, Value>, key: &str, value: Value) {
    let check = object(s, "healthcheck");
    if check.get("disable").and_then(boolean) == Some(true) {
        return;
    }
    check.insert(key.into(), value);
}

/// `restart`, or, when the service has a `deploy.restart_policy` (which overrides `restart`),
/// its `condition` and `max_attempts`; `restart` is then never written.
fn set_restart(s: &mut Map<String, Value>, policy: &str) {
    let Some(deployed) = s
        .get_mut("deploy")
        .and_then(|deploy| deploy.get_mut("restart_policy"))
        .and_then(Value::as_object_mut)
    else {
        s.insert("restart".into(), escaped(policy));
        return;
    };
    let (condition, attempts) = match policy.split_once(':') {
        Some(("on-failure", n)) => ("on-failure", n.parse::<i64>().ok()),
        _ => match policy {
            "always" => ("any", None),
            "no" => ("none", None),
            other => (other, None),
        },
    };
    deployed.insert("condition".into(), escaped(condition));
    match attempts {
        Some(n) => {
            deployed.insert("max_attempts".into(), Value::from(n));
        }
        None => {
            deployed.remove("max_attempts");
        }
    }
}

/// A label, in the map (or the `KEY=VALUE` list) the service has.
fn set_label(s: &mut Map<String, Value>, key: &str, value: &str) {
    if let Some(Value::Array(list)) = s.get_mut("labels") {
        list.retain(|entry| {
            entry.as_str().is_none_or(|e| {
                let e = unescape(e);
                e.split_once('=').map_or(e.as_str(), |(k, _)| k) != key
            })
        });
        list.push(escaped(&format!("{key}={value}")));
        return;
    }
    object(s, "labels").insert(escape(key), escaped(value));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::docker::values::parse_bool;
    use crate::plan::{self, ChangeKind, Plan};
    use crate::profile::{self, builtin::Builtins};
    use crate::rules::Context;

    // `docker compose -f x.yml config --format json` output of Compose v2.40.3, captured from
    // small files written for these tests (in /tmp/hrm, hence the project name and paths). One
    // service per line; the content is as Compose printed it.

    const PLAIN: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "web": {"command": null, "entrypoint": null, "image": "nginx:1.27", "networks": {"default": null}}
  }
}"#;

    const HARDENED: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "app": {"cap_add": ["NET_BIND_SERVICE"], "cap_drop": ["ALL"], "cpus": 0.5, "command": null, "entrypoint": null, "environment": {"GREETING": "hello"}, "healthcheck": {"test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "timeout": "3s", "interval": "30s", "retries": 3, "start_period": "5s"}, "image": "registry.example/app:1.2.3", "init": true, "labels": {"io.hardrun.profile": "production"}, "logging": {"driver": "json-file", "options": {"max-file": "3", "max-size": "10m"}}, "mem_limit": "536870912", "memswap_limit": "1073741824", "networks": {"default": null}, "pids_limit": 100, "ports": [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp"}], "read_only": true, "restart": "unless-stopped", "security_opt": ["no-new-privileges:true"], "tmpfs": ["/tmp:rw,noexec,nosuid,size=100m,mode=1777", "/var/tmp:rw,noexec,nosuid,size=100m,mode=1777"], "user": "1000:1000"}
  }
}"#;

    const DEPLOY: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "any": {"command": null, "deploy": {"resources": {"limits": {"cpus": 2}}, "restart_policy": {"condition": "any"}, "placement": {}}, "entrypoint": null, "image": "worker:2", "networks": {"default": null}},
    "worker": {"command": null, "deploy": {"resources": {"limits": {"cpus": 0.5, "memory": "268435456", "pids": 50}, "reservations": {"memory": "67108864"}}, "restart_policy": {"condition": "on-failure", "max_attempts": 3}, "placement": {}}, "entrypoint": null, "image": "worker:2", "mem_limit": "268435456", "networks": {"default": null}}
  }
}"#;

    const VOLUMES: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "long": {"command": null, "devices": [{"source": "/dev/kvm", "target": "/dev/kvm", "permissions": "rwm"}], "entrypoint": null, "image": "app:1", "networks": {"default": null}, "tmpfs": ["/run"], "volumes": [{"type": "bind", "source": "/run/docker.sock", "target": "/sock", "read_only": true, "bind": {"propagation": "rslave"}}, {"type": "volume", "source": "named", "target": "/srv", "volume": {"nocopy": true}}, {"type": "tmpfs", "target": "/scratch", "tmpfs": {"size": "67108864", "mode": 1023}}, {"type": "image", "source": "alpine:3", "target": "/img"}]},
    "short": {"command": null, "depends_on": {"long": {"condition": "service_started", "required": true}}, "devices": [{"source": "/dev/fuse", "target": "/dev/fuse", "permissions": "rwm"}, {"source": "/dev/snd", "target": "/dev/sound", "permissions": "rw"}], "entrypoint": null, "image": "app:1", "networks": {"default": null}, "volumes": [{"type": "bind", "source": "/var/run/docker.sock", "target": "/var/run/docker.sock", "bind": {"create_host_path": true}}, {"type": "bind", "source": "/tmp/hrm/data", "target": "/data", "read_only": true, "bind": {"create_host_path": true}}, {"type": "volume", "source": "named", "target": "/srv", "volume": {}}, {"type": "volume", "target": "/cache", "volume": {}}, {"type": "bind", "source": "/etc/ssl", "target": "/etc/ssl", "read_only": true, "bind": {"propagation": "rshared", "create_host_path": true}}], "volumes_from": ["long:ro"]}
  },
  "volumes": {"named": {"name": "hrm_named"}}
}"#;

    const RISKY: &str = r#"{
  "name": "hrm",
  "services": {
    "risky": {"cap_add": ["ALL", "sys_admin", "CAP_NET_ADMIN"], "cgroup": "host", "cpu_period": 100000, "cpu_quota": 50000, "command": null, "entrypoint": null, "environment": {"DB_PASSWORD": "not-a-real-secret", "EMPTY": "", "FROM_HOST": null, "PRICE": "$$5 and $${HOME}"}, "healthcheck": {"disable": true}, "image": "app:latest", "init": false, "ipc": "host", "logging": {"driver": "syslog"}, "memswap_limit": "-1", "network_mode": "host", "pid": "host", "pids_limit": -1, "privileged": true, "restart": "no", "security_opt": ["no-new-privileges:false", "seccomp=unconfined", "apparmor=unconfined"], "use_api_socket": true, "user": "root", "userns_mode": "host", "uts": "host", "volumes": [{"type": "bind", "source": "/var/run", "target": "/host-run"}, {"type": "volume", "source": "sockvol", "target": "/x", "volume": {}}], "post_start": [{"command": ["sh", "-c", "echo hi"], "user": "root", "privileged": true}], "pre_stop": [{"command": ["echo", "bye"]}]}
  },
  "volumes": {"sockvol": {"name": "hrm_sockvol", "driver": "local", "driver_opts": {"device": "/var/run", "o": "bind", "type": "none"}}}
}"#;

    const FORMS: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "b": {"build": {"context": "/tmp/hrm", "dockerfile": "Dockerfile"}, "cpus": 0.25, "command": null, "entrypoint": null, "healthcheck": {"test": ["CMD-SHELL", "curl -f localhost"], "retries": 5}, "mem_limit": "1073741824", "networks": {"default": null}, "pids_limit": 200, "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}, {"mode": "ingress", "target": 53, "published": "53", "protocol": "udp"}, {"mode": "ingress", "host_ip": "::1", "target": 443, "published": "8443", "protocol": "tcp"}, {"mode": "ingress", "target": 9000, "published": "9000", "protocol": "tcp"}, {"mode": "ingress", "target": 9001, "published": "9001", "protocol": "tcp"}, {"mode": "ingress", "target": 7000, "protocol": "tcp"}], "privileged": true, "read_only": true, "restart": "on-failure:4"},
    "l": {"build": {"context": "/tmp/hrm", "dockerfile": "Dockerfile"}, "command": null, "entrypoint": null, "image": "app:1", "networks": {"default": null}, "tmpfs": ["/run", "/tmp:size=64m,mode=1777"]},
    "s": {"command": null, "entrypoint": null, "image": "app:1", "networks": {"default": null}, "tmpfs": ["/tmp:size=64m"]}
  }
}"#;

    const MISC: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "a": {"command": null, "deploy": {"resources": {}, "restart_policy": {"max_attempts": 2}, "placement": {}}, "entrypoint": null, "environment": {"B": "true", "CMD": "echo $$HOME", "N": "5"}, "healthcheck": {"test": ["CMD", "/bin/check", "--fast"], "timeout": "24h0m0s", "interval": "1m30s", "start_period": "1.5s"}, "image": "app:1", "labels": {"a.b": "c", "price": "$$9"}, "logging": {"options": {"max-file": "3", "tag": ""}}, "networks": {"default": null}},
    "b": {"command": null, "deploy": {"resources": {}, "restart_policy": {"condition": "unless-stopped"}, "placement": {}}, "entrypoint": null, "healthcheck": {"test": ["CMD-SHELL", "NONE"]}, "image": "app:1", "networks": {"default": null}},
    "c": {"command": null, "entrypoint": null, "healthcheck": {"test": ["NONE"], "interval": "5s"}, "image": "app:1", "networks": {"default": null}, "security_opt": ["no-new-privileges"]}
  }
}"#;

    const SECRETS: &str = r#"{
  "configs": {"cfg": {"name": "hrm_cfg", "content": "x"}},
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "secrets": {"envsec": {"name": "hrm_envsec", "environment": "HOME"}, "filesec": {"name": "hrm_filesec", "file": "/tmp/hrm/s.txt"}},
  "services": {
    "a": {"command": null, "configs": [{"source": "cfg"}], "entrypoint": null, "image": "app:1", "networks": {"default": null}, "read_only": true, "secrets": [{"source": "envsec", "target": "/run/secrets/envsec"}, {"source": "filesec", "target": "/run/secrets/filesec"}]}
  }
}"#;

    const VARIED: &str = r#"{
  "name": "hrm",
  "networks": {"default": {"name": "hrm_default", "ipam": {}}},
  "services": {
    "sidecar": {"command": ["sh", "-c", "echo $$HOME"], "entrypoint": null, "image": "registry.example/sidecar:1.0", "networks": {"default": null}},
    "varied": {"cap_add": ["chown", "NET_BIND_SERVICE"], "command": null, "deploy": {"resources": {"limits": {"cpus": 4, "memory": "2147483648", "pids": 4096}}, "restart_policy": {"condition": "none"}, "placement": {}}, "entrypoint": null, "environment": {"GREETING": "cost: $$5", "LEVEL": "debug"}, "healthcheck": {"test": ["CMD", "/bin/probe", "--port=$${PORT}"]}, "image": "registry.example/varied:4.1", "init": false, "labels": {"team": "payments"}, "logging": {"driver": "json-file"}, "mem_limit": "2147483648", "memswap_limit": "-1", "networks": {"default": null}, "ports": [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 443, "published": "8443", "protocol": "tcp"}], "security_opt": ["no-new-privileges:false", "label=type:container_t"], "tmpfs": ["/var/tmp"], "user": "root", "volumes": [{"type": "tmpfs", "target": "/tmp"}, {"type": "bind", "source": "/tmp/hrm/data", "target": "/data", "read_only": true, "bind": {"create_host_path": true}}, {"type": "volume", "source": "cache", "target": "/cache", "volume": {}}]}
  },
  "volumes": {"cache": {"name": "hrm_cache"}}
}"#;

    fn model(text: &str) -> Value {
        serde_json::from_str(text).expect("the fixture is JSON")
    }

    fn service<'a>(model: &'a Value, name: &str) -> &'a Value {
        &model["services"][name]
    }

    fn spec(text: &str, name: &str) -> ContainerSpec {
        spec_in_model(&model(text), name).expect("the service reads")
    }

    fn value<T: Clone>(sourced: &Option<Sourced<T>>) -> Option<T> {
        sourced.as_ref().map(|s| s.value.clone())
    }

    fn origin<T>(sourced: &Option<Sourced<T>>) -> Option<&str> {
        sourced.as_ref().map(|s| s.origin.as_str())
    }

    fn values(list: &[Sourced<String>]) -> Vec<&str> {
        list.iter().map(|s| s.value.as_str()).collect()
    }

    fn origins<T>(list: &[Sourced<T>]) -> Vec<&str> {
        list.iter().map(|s| s.origin.as_str()).collect()
    }

    fn context() -> Context {
        Context {
            profile: "production".into(),
            host_cpus: Some(2),
            ..Context::default()
        }
    }

    fn production_plan(spec: &ContainerSpec) -> Plan {
        let profile = profile::load("production", &Builtins).expect("the built-in loads");
        plan::plan(&profile, spec, &[], &context())
    }

    /// `(rule, kind)` of every change that is not "kept" (provenance aside).
    fn not_kept(plan: &Plan) -> Vec<(&'static str, ChangeKind)> {
        plan.changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Kept && c.rule != plan::PROVENANCE)
            .map(|c| (c.rule, c.kind))
            .collect()
    }

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
            Edit::RemoveCapAdd("CHOWN".into()),
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

    /// Whether the spec has the setting the edit asks for. Exhaustive, so a new `Edit` variant
    /// must say how it reads back from the model.
    fn has_setting(spec: &ContainerSpec, edit: &Edit) -> bool {
        let text = |value: &Option<Sourced<String>>, wanted: &str| {
            value.as_ref().is_some_and(|v| v.value == wanted)
        };
        let number = |value: &Option<Sourced<i64>>, wanted: Option<i64>| {
            wanted.is_some() && value.as_ref().map(|v| v.value) == wanted
        };
        let enabled = |value: &Option<Sourced<bool>>| value.as_ref().is_some_and(|v| v.value);
        match edit {
            Edit::ReadOnlyRootfs => enabled(&spec.read_only),
            Edit::Tmpfs { target, options } => spec.mounts.iter().any(|m| {
                m.value.kind == MountKind::Tmpfs
                    && m.value.target == *target
                    && m.value.tmpfs_options == *options
            }),
            Edit::CapDrop(cap) => spec.cap_drop.iter().any(|c| c.value == *cap),
            Edit::CapAdd(cap) => spec.cap_add.iter().any(|c| c.value == *cap),
            Edit::RemoveCapAdd(cap) => !spec.cap_add.iter().any(|c| c.value == *cap),
            Edit::NoNewPrivileges => spec.no_new_privileges().is_some_and(|o| {
                split_security_opt(&o.value)
                    .1
                    .is_none_or(|v| parse_bool(v) == Some(true))
            }),
            Edit::User(user) => text(&spec.user, user),
            Edit::Memory(size) => number(&spec.memory, parse_bytes(size)),
            Edit::MemorySwap(size) => number(&spec.memory_swap, parse_swap(size)),
            Edit::Cpus(cpus) => number(&spec.nano_cpus, parse_cpus(cpus)),
            Edit::PidsLimit(limit) => number(&spec.pids_limit, Some(*limit)),
            Edit::HealthCmd(command) => text(&spec.health.command, command),
            Edit::HealthInterval(d) => spec.health.interval == parse_duration(d),
            Edit::HealthTimeout(d) => spec.health.timeout == parse_duration(d),
            Edit::HealthRetries(n) => spec.health.retries == Some(*n),
            Edit::HealthStartPeriod(d) => spec.health.start_period == parse_duration(d),
            Edit::LogDriver(driver) => text(&spec.log_driver, driver),
            Edit::LogOpt { key, value } => spec.log_opt(key).is_some_and(|o| o.value.1 == *value),
            Edit::Restart(policy) => text(&spec.restart, policy),
            Edit::Init => enabled(&spec.init),
            Edit::Label { key, value } => spec.label(key) == Some(value.as_str()),
        }
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
            // Nothing to edit, nothing done.
            let mut copy = service.clone();
            apply(&mut copy, &every_edit());
            assert_eq!(copy, service);
            assert_eq!(waiver("web", &service), Ok(None));
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
    fn every_edit_reads_back_from_the_model() {
        for (name, base) in edit_bases() {
            // Each edit alone.
            for edit in every_edit() {
                let mut service = base.clone();
                apply(&mut service, std::slice::from_ref(&edit));
                let spec = service_spec(name, &service).expect("the edited service reads");
                assert!(
                    has_setting(&spec, &edit),
                    "{name}: {edit:?} not read back: {service:#}"
                );
            }
            // All of them at once.
            let mut service = base.clone();
            apply(&mut service, &every_edit());
            let spec = service_spec(name, &service).expect("the edited service reads");
            for edit in every_edit() {
                assert!(
                    has_setting(&spec, &edit),
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
                Edit::NoNewPrivileges,
                Edit::RemoveCapAdd("CHOWN".into()),
            ],
        );
        assert_eq!(
            service,
            json!({
                "cap_add": ["CAP_NET_BIND_SERVICE"],
                "cap_drop": ["all"],
                "security_opt": ["label=disable", "no-new-privileges=true"]
            })
        );
        // The last capability removed: no empty list left behind.
        apply(
            &mut service,
            &[Edit::RemoveCapAdd("NET_BIND_SERVICE".into())],
        );
        assert_eq!(service.get("cap_add"), None);
        apply(
            &mut service,
            &[Edit::RemoveCapAdd("NET_BIND_SERVICE".into())],
        );
        assert_eq!(service.get("cap_add"), None);
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
            ("drop-capabilities", ChangeKind::Tightened),
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
                "tmpfs": ["/var/tmp:size=100m"],
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
            spec(
                json!({"v": {"driver_opts": {"o": "rbind,ro", "device": "/run", "type": "none"}}})
            ),
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

    #[test]
    fn a_waiver_reads_from_the_yaml_model() {
        // `docker compose config` (YAML, v2.40.3) keeps service-level `x-*` keys; its
        // `--format json` output drops them.
        let yaml = "name: hrm\nservices:\n  a:\n    image: app:1\n    networks:\n      default: null\n    x-hardrun:\n      allow:\n        - read-only-rootfs\n      reason: writes to /var/lib/app\nnetworks:\n  default:\n    name: hrm_default\n";
        let model: Value = serde_saphyr::from_str(yaml).expect("the YAML model reads");
        assert_eq!(
            waiver("a", service(&model, "a")),
            Ok(Some(Waiver {
                allow: vec!["read-only-rootfs".into()],
                reason: "writes to /var/lib/app".into(),
            }))
        );
        assert_eq!(waiver("a", &json!({"image": "x"})), Ok(None));
        let service = json!({"x-hardrun": {"allow": ["pids-limit", "cpu-limit", "pids-limit"], "reason": "costs $$5"}});
        assert_eq!(
            waiver("a", &service),
            Ok(Some(Waiver {
                allow: vec!["pids-limit".into(), "cpu-limit".into()],
                reason: "costs $5".into(),
            }))
        );
    }

    #[test]
    fn a_bad_waiver_is_an_error_that_says_what_to_write() {
        let error = |waiver_value: Value| {
            waiver("web", &json!({"x-hardrun": waiver_value})).expect_err("the waiver is refused")
        };
        let message = |waiver_value: Value| error(waiver_value).to_string();
        assert_eq!(
            message(json!({"allow": ["read-only-rootfs"]})),
            "a waiver needs a reason: 'x-hardrun.reason' of service 'web' is missing\nhelp: add reason: \"why the service cannot follow the rules it waives\""
        );
        for (reason, problem) in [
            (json!(""), "is empty"),
            (json!("  "), "is empty"),
            (json!(null), "is missing"),
            (json!(3), "is not text"),
        ] {
            assert_eq!(
                error(json!({"allow": ["read-only-rootfs"], "reason": reason})),
                ModelError::WaiverNoReason {
                    service: "web".into(),
                    problem
                }
            );
        }
        assert_eq!(
            message(json!({"allow": ["read-only-rootf"], "reason": "r"})),
            "unknown rule 'read-only-rootf' in 'x-hardrun.allow' of service 'web'\nhelp: did you mean 'read-only-rootfs'?"
        );
        assert_eq!(
            message(json!({"allow": ["networking"], "reason": "r"})),
            "unknown rule 'networking' in 'x-hardrun.allow' of service 'web'\nhelp: `hardrun rules` lists the rule ids"
        );
        assert_eq!(
            message(json!({"alow": ["pids-limit"], "reason": "r"})),
            "unknown key 'alow' in 'x-hardrun' of service 'web'\nhelp: did you mean 'allow'? x-hardrun takes 'allow' and 'reason'"
        );
        assert_eq!(
            error(json!({"allow": [], "reason": "r", "why": 1})),
            ModelError::WaiverUnknownKey {
                service: "web".into(),
                key: "why".into(),
                suggestion: None
            }
        );
        assert_eq!(
            message(json!({"allow": "pids-limit", "reason": "r"})),
            "'x-hardrun.allow' of service 'web' is a string, not a list of rule ids\nhelp: write allow: [read-only-rootfs, ...]; `hardrun rules` lists the rule ids"
        );
        assert_eq!(
            error(json!({"allow": ["pids-limit", 7], "reason": "r"})),
            ModelError::WaiverRuleNotText {
                service: "web".into(),
                index: 1,
                found: "a number"
            }
        );
        for allow in [json!([]), json!(null)] {
            assert_eq!(
                error(json!({"allow": allow, "reason": "r"})),
                ModelError::WaiverNoRules {
                    service: "web".into()
                }
            );
        }
        assert_eq!(
            error(json!({"reason": "r"})),
            ModelError::WaiverNoRules {
                service: "web".into()
            }
        );
        assert_eq!(
            message(json!(["pids-limit"])),
            "'x-hardrun' of service 'web' is a list, not a mapping\nhelp: write x-hardrun: {allow: [RULE, ...], reason: \"why the service cannot follow them\"}"
        );
        assert!(matches!(
            error(json!(null)),
            ModelError::WaiverNotAMapping { found: "null", .. }
        ));
        // Every message quotes the service and ends with a help line.
        for bad in [
            json!(1),
            json!({"allow": [1], "reason": "r"}),
            json!({"allow": [], "reason": "r"}),
        ] {
            let text = message(bad);
            assert!(
                text.contains("'web'") && text.contains("\nhelp: "),
                "{text}"
            );
        }
    }
}

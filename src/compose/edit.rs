//! A plan's edits written back into one service of the resolved model: the compose
//! counterpart of `Invocation::apply`. Reading the service again (`service::service_spec`)
//! shows every edit, and the model stays one `docker compose config` accepts.
//!
//! Where Compose has two spellings of one setting, the edit goes where it takes effect. A limit
//! is written into `deploy.resources.limits` whenever the service has that mapping, since
//! compose-go refuses `mem_limit`, `cpus` or `pids_limit` beside a `limits` mapping that holds
//! another value (an unset one counting as zero), and into the service key too when the service
//! has it: the model never holds two different values. A restart policy goes into
//! `deploy.restart_policy` when there is one, and `restart` is then never written.
//!
//! What is written is what Compose itself prints: byte sizes as strings of bytes, CPUs as a
//! number, durations as text, strings escaped (`value`), one `no-new-privileges=true` entry in
//! place of any other `no-new-privileges` entry (`security_opt` items must be unique, and `=` is
//! the separator the daemon does not warn about), a capability or tmpfs target never twice. A
//! tmpfs goes into the `tmpfs` list, replacing the entry for its path; a `volumes` entry at the
//! same target is never doubled (Compose refuses two mounts at one target): one of type tmpfs
//! gets the size and mode instead, any other is left alone. `repair` turns Compose's
//! `memswap_limit: "-1"`, which Compose v2.40.3 prints but does not read back, into the number
//! `-1`.

use serde_json::{Map, Number, Value};

use crate::compose::service::same_target;
use crate::compose::value::{boolean, escape, escaped, unescape};
use crate::docker::values::{normalize_capability, parse_bytes, parse_cpus, parse_swap};
use crate::spec::{Edit, split_security_opt};

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
#[path = "edit_tests.rs"]
mod tests;

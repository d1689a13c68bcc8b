//! A plan's edits written into one service of the stack model, where Swarm reads them
//! (`cli/compose/convert/service.go`, docker CLI 28): `read_only`, `init`, `user`,
//! `cap_drop`/`cap_add`, `healthcheck`, `logging`, container `labels`; limits in
//! `deploy.resources.limits` (`memory` as a string of bytes, `cpus` as a string, `pids` as an
//! integer: `mem_limit`, `cpus` and `pids_limit` break a stack); a tmpfs as a `volumes` entry
//! of type tmpfs with its size in bytes (service-level `tmpfs` is dropped by Swarm); a restart
//! policy as `deploy.restart_policy` (`always` and `unless-stopped` are `any`, `no` is `none`,
//! `on-failure:N` is `on-failure` with `max_attempts`).
//!
//! Edits Swarm cannot express never get here (`swarm::limits` takes them out of the plan);
//! should one arrive, it is not written. `version` is raised to the lowest v3 schema that has
//! the keys written (`init` 3.7, `pids` 3.9), never lowered. Values are written as they are
//! meant; `model::escape` doubles their `$` for the loader. Pure.

use serde_json::{Map, Value};

use crate::docker::values::{normalize_capability, parse_bytes};
use crate::spec::Edit;

/// Applies `edits` to `service` (a mapping; anything else is left alone), and returns the lowest
/// schema version (minor of 3) the written keys need.
pub fn apply(service: &mut Value, edits: &[Edit]) -> u32 {
    let Some(s) = service.as_object_mut() else {
        return 0;
    };
    edits
        .iter()
        .map(|edit| apply_edit(s, edit))
        .max()
        .unwrap_or(0)
}

/// Raises the model's `version` to `3.MINOR` when it is a lower 3.x (an absent version is the
/// loader's 3.13 already).
pub fn raise_version(model: &mut Value, minor: u32) {
    let Some(version) = model.get("version").and_then(Value::as_str) else {
        return;
    };
    let current = version
        .strip_prefix("3")
        .map(|rest| rest.strip_prefix('.').unwrap_or(rest))
        .map(|m| {
            if m.is_empty() {
                Some(0)
            } else {
                m.parse::<u32>().ok()
            }
        });
    if let Some(Some(current)) = current
        && current < minor
    {
        model["version"] = Value::from(format!("3.{minor}"));
    }
}

fn apply_edit(s: &mut Map<String, Value>, edit: &Edit) -> u32 {
    match edit {
        Edit::ReadOnlyRootfs => {
            s.insert("read_only".into(), Value::Bool(true));
        }
        Edit::Init => {
            s.insert("init".into(), Value::Bool(true));
            return 7;
        }
        Edit::Tmpfs { target, options } => add_tmpfs(s, target, options),
        Edit::CapDrop(cap) => add_capability(s, "cap_drop", cap),
        Edit::CapAdd(cap) => add_capability(s, "cap_add", cap),
        Edit::User(user) => {
            s.insert("user".into(), Value::from(user.as_str()));
        }
        Edit::Memory(size) => {
            let bytes = parse_bytes(size).map_or_else(|| size.clone(), |b| b.to_string());
            limits(s).insert("memory".into(), Value::from(bytes));
        }
        Edit::Cpus(cpus) => {
            limits(s).insert("cpus".into(), Value::from(cpus.as_str()));
        }
        Edit::PidsLimit(limit) => {
            limits(s).insert("pids".into(), Value::from(*limit));
            return 9;
        }
        Edit::HealthCmd(command) => set_health(
            s,
            "test",
            Value::from(vec![
                Value::from("CMD-SHELL"),
                Value::from(command.as_str()),
            ]),
        ),
        Edit::HealthInterval(d) => set_health(s, "interval", Value::from(d.as_str())),
        Edit::HealthTimeout(d) => set_health(s, "timeout", Value::from(d.as_str())),
        Edit::HealthRetries(n) => set_health(s, "retries", Value::from(*n)),
        Edit::HealthStartPeriod(d) => {
            set_health(s, "start_period", Value::from(d.as_str()));
            return 4;
        }
        Edit::LogDriver(driver) => {
            object(s, "logging").insert("driver".into(), Value::from(driver.as_str()));
        }
        Edit::LogOpt { key, value } => {
            object(object(s, "logging"), "options")
                .insert(key.clone(), Value::from(value.as_str()));
        }
        Edit::Restart(policy) => set_restart(s, policy),
        Edit::Label { key, value } => set_label(s, key, value),
        // Not expressible in a stack (`swarm::limits`).
        Edit::NoNewPrivileges | Edit::MemorySwap(_) => {}
    }
    0
}

/// The mapping at `key`, created (or replacing a value of another type) when needed.
fn object<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .expect("the slot was just made a mapping")
}

/// `deploy.resources.limits`.
fn limits(s: &mut Map<String, Value>) -> &mut Map<String, Value> {
    object(object(object(s, "deploy"), "resources"), "limits")
}

/// The list at `key`, created when needed; a single string becomes a list of it.
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
    if !list
        .iter()
        .filter_map(Value::as_str)
        .any(|entry| normalize_capability(entry) == wanted)
    {
        list.push(Value::from(cap));
    }
}

/// A `volumes` entry of type tmpfs at `target`, with the `size=` of `options` in bytes (the
/// only option a stack's tmpfs has). An entry already at the target is never doubled: one of
/// type tmpfs gets the size, any other is left alone.
fn add_tmpfs(s: &mut Map<String, Value>, target: &str, options: &str) {
    let size = options
        .split(',')
        .find_map(|o| o.trim().strip_prefix("size="))
        .and_then(parse_bytes);
    let same = |volume: &Value| {
        volume
            .get("target")
            .and_then(Value::as_str)
            .is_some_and(|t| t.trim_end_matches('/') == target.trim_end_matches('/'))
    };
    let volumes = list(s, "volumes");
    if let Some(volume) = volumes.iter_mut().find(|v| same(v)) {
        if volume.get("type").and_then(Value::as_str) == Some("tmpfs")
            && let (Some(volume), Some(size)) = (volume.as_object_mut(), size)
        {
            object(volume, "tmpfs").insert("size".into(), Value::from(size));
        }
        return;
    }
    let mut entry = Map::new();
    entry.insert("type".into(), Value::from("tmpfs"));
    entry.insert("target".into(), Value::from(target));
    if let Some(size) = size {
        let mut tmpfs = Map::new();
        tmpfs.insert("size".into(), Value::from(size));
        entry.insert("tmpfs".into(), Value::Object(tmpfs));
    }
    volumes.push(Value::Object(entry));
}

/// Sets a `healthcheck` key, unless the check is disabled.
fn set_health(s: &mut Map<String, Value>, key: &str, value: Value) {
    let check = object(s, "healthcheck");
    if check.get("disable").and_then(Value::as_bool) == Some(true) {
        return;
    }
    check.insert(key.into(), value);
}

/// `deploy.restart_policy`: its condition, and `max_attempts` for `on-failure:N`.
fn set_restart(s: &mut Map<String, Value>, policy: &str) {
    let (condition, attempts) = match policy.split_once(':') {
        Some(("on-failure", n)) => ("on-failure", n.parse::<i64>().ok()),
        _ => match policy {
            "always" | "unless-stopped" => ("any", None),
            "no" => ("none", None),
            other => (other, None),
        },
    };
    let restart = object(object(s, "deploy"), "restart_policy");
    restart.insert("condition".into(), Value::from(condition));
    match attempts {
        Some(n) => {
            restart.insert("max_attempts".into(), Value::from(n));
        }
        None => {
            restart.remove("max_attempts");
        }
    }
}

/// A container label, in the map (or the `KEY=VALUE` list) the service has.
fn set_label(s: &mut Map<String, Value>, key: &str, value: &str) {
    if let Some(Value::Array(list)) = s.get_mut("labels") {
        list.retain(|entry| {
            entry
                .as_str()
                .is_none_or(|e| e.split_once('=').map_or(e, |(k, _)| k) != key)
        });
        list.push(Value::from(format!("{key}={value}")));
        return;
    }
    object(s, "labels").insert(key.to_owned(), Value::from(value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::model;
    use serde_json::json;

    #[test]
    fn each_control_goes_where_swarm_reads_it() {
        let mut service = json!({"image": "app:1", "volumes": [{"type": "bind", "source": "/srv", "target": "/srv"}]});
        let minor = apply(
            &mut service,
            &[
                Edit::ReadOnlyRootfs,
                Edit::Tmpfs {
                    target: "/tmp".into(),
                    options: "rw,noexec,nosuid,size=100m".into(),
                },
                Edit::Tmpfs {
                    target: "/srv".into(),
                    options: "size=1m".into(),
                },
                Edit::CapDrop("ALL".into()),
                Edit::CapAdd("NET_BIND_SERVICE".into()),
                Edit::User("1000:1000".into()),
                Edit::Memory("512m".into()),
                Edit::Cpus("1.0".into()),
                Edit::PidsLimit(100),
                Edit::HealthInterval("30s".into()),
                Edit::LogDriver("json-file".into()),
                Edit::LogOpt {
                    key: "max-size".into(),
                    value: "10m".into(),
                },
                Edit::Restart("unless-stopped".into()),
                Edit::Init,
                Edit::Label {
                    key: "io.hardrun.profile".into(),
                    value: "production".into(),
                },
                Edit::NoNewPrivileges,
            ],
        );
        assert_eq!(minor, 9);
        assert_eq!(
            service,
            json!({
                "image": "app:1",
                "read_only": true,
                "volumes": [
                    {"type": "bind", "source": "/srv", "target": "/srv"},
                    {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": 104857600}},
                ],
                "cap_drop": ["ALL"],
                "cap_add": ["NET_BIND_SERVICE"],
                "user": "1000:1000",
                "deploy": {
                    "resources": {"limits": {"memory": "536870912", "cpus": "1.0", "pids": 100}},
                    "restart_policy": {"condition": "any"},
                },
                "healthcheck": {"interval": "30s"},
                "logging": {"driver": "json-file", "options": {"max-size": "10m"}},
                "init": true,
                "labels": {"io.hardrun.profile": "production"},
            })
        );
        // Reading it back shows every edit.
        let model = json!({"services": {"web": service}});
        let (spec, _) = model::spec(&model, "web").unwrap();
        assert_eq!(spec.pids_limit.map(|p| p.value), Some(100));
        assert_eq!(spec.memory.map(|m| m.value), Some(536_870_912));
        assert!(spec.mounts.iter().any(|m| m.value.target == "/tmp"));
    }

    #[test]
    fn on_failure_and_a_tmpfs_volume_already_there() {
        let mut service = json!({
            "deploy": {"restart_policy": {"condition": "on-failure", "max_attempts": 9, "delay": "5s"}},
            "volumes": [{"type": "tmpfs", "target": "/tmp/"}],
            "labels": ["a=b", "io.hardrun.profile=old"],
        });
        apply(
            &mut service,
            &[
                Edit::Restart("on-failure:3".into()),
                Edit::Restart("no".into()),
                Edit::Tmpfs {
                    target: "/tmp".into(),
                    options: "size=1k".into(),
                },
                Edit::Label {
                    key: "io.hardrun.profile".into(),
                    value: "strict".into(),
                },
            ],
        );
        assert_eq!(
            service["deploy"]["restart_policy"],
            json!({"condition": "none", "delay": "5s"})
        );
        assert_eq!(
            service["volumes"],
            json!([{"type": "tmpfs", "target": "/tmp/", "tmpfs": {"size": 1024}}])
        );
        assert_eq!(
            service["labels"],
            json!(["a=b", "io.hardrun.profile=strict"])
        );
    }

    #[test]
    fn the_version_is_raised_only_when_lower() {
        for (before, minor, after) in [
            (json!("3.3"), 9, json!("3.9")),
            (json!("3"), 7, json!("3.7")),
            (json!("3.13"), 9, json!("3.13")),
            (json!("3.9"), 7, json!("3.9")),
        ] {
            let mut model = json!({"version": before});
            raise_version(&mut model, minor);
            assert_eq!(model["version"], after);
        }
        let mut none = json!({});
        raise_version(&mut none, 9);
        assert_eq!(none, json!({}));
    }
}

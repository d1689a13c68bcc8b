//! The stack model that `docker stack config` prints (the docker CLI's own compose loader, v3
//! schema, not Compose v2), read as Swarm reads it, and written back so that `docker stack
//! deploy` reads what was checked.
//!
//! Reading: a service becomes a `ContainerSpec` through the compose reader
//! (`compose::service::service_spec`), after the keys Swarm ignores are set aside
//! (`IGNORED`: `docker stack deploy` warns and drops them, and service-level `tmpfs`, which it
//! drops without a word): a spec is what the task container gets, and each ignored key becomes
//! a note. `restart` stays: Swarm converts it when there is no `deploy.restart_policy`.
//!
//! Writing: `docker stack config` prints the model interpolated, and `stack deploy`
//! interpolates what it reads again, so every `$` of a value is written `$$` (`escape`); the
//! `env_file` paths it leaves relative are made absolute against the directory the loader used
//! (the first file's, or the working directory for stdin), since the hardened model is read
//! from `/dev/fd/N`. Pure.

use std::path::Path;

use serde_json::{Map, Value};

use crate::compose::error::ModelError;
use crate::compose::service::service_spec;
use crate::spec::ContainerSpec;

/// The service keys `docker stack deploy` does not give the task container: its
/// `UnsupportedProperties` (warned about, dropped; `restart` is converted, so it is not here),
/// and `tmpfs` (dropped silently; a tmpfs must be a `volumes` entry of type tmpfs).
pub const IGNORED: [&str; 16] = [
    "build",
    "cgroup_parent",
    "cgroupns_mode",
    "devices",
    "domainname",
    "external_links",
    "ipc",
    "links",
    "mac_address",
    "network_mode",
    "pid",
    "privileged",
    "security_opt",
    "shm_size",
    "tmpfs",
    "userns_mode",
];

fn ignored(key: &str) -> bool {
    IGNORED.contains(&key)
}

/// The service names of the model, in its order.
pub fn services(model: &Value) -> Vec<String> {
    model
        .get("services")
        .and_then(Value::as_object)
        .map(|services| services.keys().cloned().collect())
        .unwrap_or_default()
}

/// Service `name` as its task container gets it, and a note for each key Swarm ignores.
pub fn spec(model: &Value, name: &str) -> Result<(ContainerSpec, Vec<String>), ModelError> {
    let service = model
        .get("services")
        .and_then(|services| services.get(name))
        .ok_or_else(|| ModelError::NoService {
            service: name.to_owned(),
        })?;
    let mut notes = Vec::new();
    let effective = match service.as_object() {
        Some(object) => {
            let mut kept = Map::new();
            for (key, value) in object {
                if ignored(key) {
                    notes.push(format!(
                        "services.{name}.{key} is ignored by docker stack deploy: the task container does not get it"
                    ));
                } else {
                    kept.insert(key.clone(), value.clone());
                }
            }
            Value::Object(kept)
        }
        None => service.clone(),
    };
    Ok((service_spec(name, &effective)?, notes))
}

/// Makes the `env_file` entries of every service absolute against `directory`.
pub fn anchor_env_files(model: &mut Value, directory: &Path) {
    let Some(services) = model.get_mut("services").and_then(Value::as_object_mut) else {
        return;
    };
    for service in services.values_mut() {
        let Some(env_file) = service.get_mut("env_file") else {
            continue;
        };
        let anchor = |entry: &mut Value| {
            if let Some(path) = entry.as_str()
                && !Path::new(path).is_absolute()
            {
                *entry = Value::from(directory.join(path).to_string_lossy().into_owned());
            }
        };
        match env_file {
            Value::Array(entries) => entries.iter_mut().for_each(anchor),
            entry => anchor(entry),
        }
    }
}

/// The model as `docker stack deploy` must read it: every `$` of a string value doubled, since
/// the loader interpolates values again (keys are never interpolated).
pub fn escape(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::from(text.replace('$', "$$")),
        Value::Array(items) => Value::Array(items.iter().map(escape).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), escape(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_swarm_ignores_is_not_judged_but_noted() {
        let model = json!({"services": {"web": {
            "image": "nginx:1.27",
            "privileged": true,
            "security_opt": ["no-new-privileges:true"],
            "tmpfs": ["/run"],
            "userns_mode": "host",
            "read_only": true,
            "user": "1000",
        }}});
        let (spec, notes) = spec(&model, "web").unwrap();
        assert_eq!(spec.privileged, None);
        assert!(spec.security_opts.is_empty());
        assert!(spec.mounts.is_empty());
        assert_eq!(spec.userns, None);
        assert_eq!(spec.read_only.map(|r| r.value), Some(true));
        assert_eq!(spec.user.map(|u| u.value).as_deref(), Some("1000"));
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert!(notes[0].contains("services.web.privileged"));
    }

    #[test]
    fn values_are_escaped_for_a_second_interpolation() {
        let model =
            json!({"services": {"web": {"command": ["echo", "$HOME"], "labels": {"$k": "a$b"}}}});
        assert_eq!(
            escape(&model),
            json!({"services": {"web": {"command": ["echo", "$$HOME"], "labels": {"$k": "a$$b"}}}})
        );
    }

    #[test]
    fn relative_env_files_are_anchored() {
        let mut model = json!({"services": {
            "a": {"env_file": ["app.env", "/etc/x.env"]},
            "b": {"env_file": "b.env"},
        }});
        anchor_env_files(&mut model, Path::new("/srv/stack"));
        assert_eq!(
            model["services"]["a"]["env_file"],
            json!(["/srv/stack/app.env", "/etc/x.env"])
        );
        assert_eq!(
            model["services"]["b"]["env_file"],
            json!("/srv/stack/b.env")
        );
    }
}

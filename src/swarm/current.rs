//! A service as `docker service inspect` reports it, read as the spec of its task container:
//! what `service update` starts from. The fields are the engine API's `ServiceSpec`
//! (`TaskTemplate.ContainerSpec`, `Resources.Limits`, `RestartPolicy`, `LogDriver`,
//! `EndpointSpec.Ports`, `Networks`), each value's origin named as the API names it
//! (`ContainerSpec.User=0`), since the user never typed it. Capabilities are compared as the
//! engine compares them (`CAP_NET_ADMIN` is `NET_ADMIN`); the service API's `Privileges`
//! (no-new-privileges from API 1.44, seccomp and AppArmor modes) become the security options
//! `docker run` would have written. A network is named through `network_name`, since the spec
//! holds only its ID. Pure.

use serde_json::Value;

use crate::docker::values::normalize_capability;
use crate::spec::{ContainerSpec, EnvSource, EnvVar, Mount, MountKind, Port, Sourced};

/// The task container's spec of a service's `Spec` (or `PreviousSpec`).
pub fn container_spec(spec: &Value, network_name: &dyn Fn(&str) -> String) -> ContainerSpec {
    let task = &spec["TaskTemplate"];
    let c = &task["ContainerSpec"];
    let text = |key: &str| {
        c[key]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(|v| Sourced::new(v.to_owned(), format!("ContainerSpec.{key}={v}")))
    };
    let flag = |key: &str| {
        c[key]
            .as_bool()
            .map(|v| Sourced::new(v, format!("ContainerSpec.{key}={v}")))
    };
    let capabilities = |key: &str| -> Vec<Sourced<String>> {
        list(&c[key])
            .map(|cap| {
                Sourced::new(
                    normalize_capability(cap),
                    format!("ContainerSpec.{key} {cap}"),
                )
            })
            .collect()
    };
    let limits = &task["Resources"]["Limits"];
    let limit = |key: &str| {
        limits[key]
            .as_i64()
            .filter(|v| *v != 0)
            .map(|v| Sourced::new(v, format!("Resources.Limits.{key}={v}")))
    };
    let mut spec_out = ContainerSpec {
        image: c["Image"].as_str().unwrap_or_default().to_owned(),
        user: text("User"),
        read_only: flag("ReadOnly"),
        init: flag("Init"),
        cap_add: capabilities("CapabilityAdd"),
        cap_drop: capabilities("CapabilityDrop"),
        security_opts: privileges(&c["Privileges"]),
        mounts: c["Mounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(mount)
            .collect(),
        memory: limit("MemoryBytes"),
        nano_cpus: limit("NanoCPUs"),
        pids_limit: limit("Pids"),
        restart: restart(&task["RestartPolicy"]),
        ports: spec["EndpointSpec"]["Ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(port)
            .collect(),
        env: list(&c["Env"]).map(env).collect(),
        labels: c["Labels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        ..ContainerSpec::default()
    };
    health(&c["Healthcheck"], &mut spec_out);
    let driver = &task["LogDriver"];
    if let Some(name) = driver["Name"].as_str().filter(|n| !n.is_empty()) {
        spec_out.log_driver = Some(Sourced::new(
            name.to_owned(),
            format!("LogDriver.Name={name}"),
        ));
        spec_out.log_opts = driver["Options"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let v = v.as_str().unwrap_or_default();
                Sourced::new(
                    (k.clone(), v.to_owned()),
                    format!("LogDriver.Options {k}={v}"),
                )
            })
            .collect();
    }
    let networks = match task["Networks"].as_array() {
        Some(networks) if !networks.is_empty() => networks,
        // The deprecated top-level field, which the docker CLI still reads.
        _ => spec["Networks"].as_array().map_or(&[][..], Vec::as_slice),
    };
    spec_out.network = networks
        .iter()
        .filter_map(|n| n["Target"].as_str())
        .map(|id| {
            let name = network_name(id);
            Sourced::new(name.clone(), format!("Networks {name}"))
        })
        .next();
    spec_out
}

/// The strings of a JSON list.
fn list(value: &Value) -> impl Iterator<Item = &str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// `Privileges` as the security options `docker run` has for them.
fn privileges(privileges: &Value) -> Vec<Sourced<String>> {
    let mut options = Vec::new();
    if let Some(on) = privileges["NoNewPrivileges"].as_bool() {
        options.push(Sourced::new(
            format!("no-new-privileges:{on}"),
            format!("Privileges.NoNewPrivileges={on}"),
        ));
    }
    if privileges["Seccomp"]["Mode"].as_str() == Some("unconfined") {
        options.push(Sourced::new(
            "seccomp=unconfined".to_owned(),
            "Privileges.Seccomp.Mode=unconfined",
        ));
    }
    if privileges["AppArmor"]["Mode"].as_str() == Some("disabled") {
        options.push(Sourced::new(
            "apparmor=unconfined".to_owned(),
            "Privileges.AppArmor.Mode=disabled",
        ));
    }
    options
}

/// One entry of `Mounts`, as `--mount` would have given it.
fn mount(entry: &Value) -> Option<Sourced<Mount>> {
    let target = entry["Target"].as_str().filter(|t| !t.is_empty())?;
    let kind_text = entry["Type"].as_str().unwrap_or("volume");
    let kind = match kind_text {
        "bind" => MountKind::Bind,
        "volume" => MountKind::Volume,
        "tmpfs" => MountKind::Tmpfs,
        "image" => MountKind::Image,
        _ => MountKind::Other,
    };
    let source = entry["Source"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let mut tmpfs = Vec::new();
    if let Some(size) = entry["TmpfsOptions"]["SizeBytes"].as_i64() {
        tmpfs.push(format!("size={size}"));
    }
    if let Some(mode) = entry["TmpfsOptions"]["Mode"].as_u64() {
        tmpfs.push(format!("mode={mode:o}"));
    }
    let volume_options = &entry["VolumeOptions"]["DriverConfig"]["Options"];
    let binds = volume_options["o"]
        .as_str()
        .is_some_and(|o| o.split(',').any(|part| part == "bind" || part == "rbind"));
    let origin = format!(
        "Mounts {kind_text} {}:{target}",
        source.as_deref().unwrap_or_default()
    );
    Some(Sourced::new(
        Mount {
            kind,
            source,
            target: target.to_owned(),
            read_only: entry["ReadOnly"].as_bool().unwrap_or(false),
            propagation: entry["BindOptions"]["Propagation"]
                .as_str()
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            tmpfs_options: tmpfs.join(","),
            bind_device: binds
                .then(|| volume_options["device"].as_str().map(str::to_owned))
                .flatten(),
        },
        origin,
    ))
}

/// `RestartPolicy` as a container's policy: `any` restarts always, `none` never; a spec
/// without one (as a `PreviousSpec` is reported) has Swarm's default, `any`.
fn restart(policy: &Value) -> Option<Sourced<String>> {
    let Some(condition) = policy["Condition"].as_str() else {
        return Some(Sourced::new(
            "always".to_owned(),
            "RestartPolicy (none: Swarm's default, any)",
        ));
    };
    let attempts = policy["MaxAttempts"].as_u64().unwrap_or(0);
    let value = match condition {
        "any" => "always".to_owned(),
        "none" => "no".to_owned(),
        "on-failure" if attempts > 0 => format!("on-failure:{attempts}"),
        other => other.to_owned(),
    };
    Some(Sourced::new(
        value,
        format!("RestartPolicy.Condition={condition}"),
    ))
}

/// A published port: every published port of a service listens on every address.
fn port(entry: &Value) -> Sourced<Port> {
    let target = entry["TargetPort"].as_u64().unwrap_or(0);
    let published = entry["PublishedPort"].as_u64().filter(|p| *p != 0);
    let protocol = entry["Protocol"].as_str().unwrap_or("tcp");
    let container_port = if protocol == "tcp" {
        target.to_string()
    } else {
        format!("{target}/{protocol}")
    };
    Sourced::new(
        Port {
            host_ip: None,
            host_port: published.map(|p| p.to_string()),
            container_port,
        },
        format!(
            "EndpointSpec.Ports {}:{target}/{protocol}",
            published.unwrap_or(0)
        ),
    )
}

/// An `Env` entry; its value never part of the origin.
fn env(entry: &str) -> EnvVar {
    let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
    EnvVar {
        origin: format!("ContainerSpec.Env {name}=***"),
        name: name.to_owned(),
        value: Some(value.to_owned()),
        source: EnvSource::Container,
    }
}

/// `Healthcheck`: `NONE` disables it; durations are nanoseconds.
fn health(check: &Value, spec: &mut ContainerSpec) {
    let words: Vec<&str> = list(&check["Test"]).collect();
    let origin = format!("ContainerSpec.Healthcheck.Test={}", check["Test"]);
    match &words[..] {
        ["NONE", ..] => spec.health.disabled = Some(Sourced::new(true, origin)),
        ["CMD-SHELL", command] => {
            spec.health.command = Some(Sourced::new((*command).to_owned(), origin));
        }
        ["CMD", rest @ ..] if !rest.is_empty() => {
            spec.health.command = Some(Sourced::new(rest.join(" "), origin));
        }
        _ => {}
    }
    let nanos = |key: &str| check[key].as_i64().filter(|n| *n != 0);
    spec.health.interval = nanos("Interval");
    spec.health.timeout = nanos("Timeout");
    spec.health.start_period = nanos("StartPeriod");
    spec.health.retries = nanos("Retries");
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `docker service inspect` of real services (engine 20.10).
    pub(crate) fn fixture(name: &str) -> Value {
        let text = match name {
            "probed.json" => include_str!("../../tests/fixtures/swarm/probed.json"),
            "updated.json" => include_str!("../../tests/fixtures/swarm/updated.json"),
            _ => include_str!("../../tests/fixtures/swarm/plain.json"),
        };
        serde_json::from_str(text).expect("JSON")
    }

    #[test]
    fn a_service_the_engine_reported_is_its_task_containers_spec() {
        let service = fixture("probed.json");
        let spec = container_spec(&service["Spec"], &|id| format!("net-{id}"));
        assert_eq!(spec.image, "redis:hardrun-lab");
        assert_eq!(spec.cap_add[0].value, "NET_ADMIN");
        assert_eq!(
            spec.cap_add[0].origin,
            "ContainerSpec.CapabilityAdd CAP_NET_ADMIN"
        );
        assert!(spec.cap_drop.is_empty());
        assert_eq!(spec.read_only, None);
        assert_eq!(spec.init.map(|i| i.value), Some(false));
        let tmpfs = &spec.mounts[0].value;
        assert_eq!(tmpfs.kind, MountKind::Tmpfs);
        assert_eq!(tmpfs.tmpfs_options, "size=1000,mode=1777");
        let bind = &spec.mounts[1].value;
        assert_eq!(
            (bind.kind, bind.source.as_deref(), bind.read_only),
            (MountKind::Bind, Some("/etc"), true)
        );
        assert_eq!(
            spec.health.command.map(|c| c.value).as_deref(),
            Some("true")
        );
        assert_eq!(
            spec.log_driver.map(|d| d.value).as_deref(),
            Some("json-file")
        );
        assert_eq!(spec.log_opts[0].value, ("max-size".into(), "1m".into()));
        assert_eq!(spec.restart.map(|r| r.value).as_deref(), Some("always"));
        assert_eq!(spec.ports[0].value.host_port.as_deref(), Some("8080"));
        assert_eq!(spec.ports[0].value.container_port, "80");
        assert_eq!(spec.env[0].name, "A");
        assert_eq!(spec.labels, [("a".to_owned(), "b".to_owned())]);
        assert_eq!(
            spec.network.map(|n| n.value).as_deref(),
            Some("net-fr9ku6c20p95ujcz3wg0rzaet")
        );
        assert_eq!(spec.memory, None, "an empty Limits is no limit");
    }

    #[test]
    fn limits_user_read_only_and_on_failure_after_an_update() {
        let service = fixture("updated.json");
        let spec = container_spec(&service["Spec"], &str::to_owned);
        assert_eq!(spec.user.map(|u| u.value).as_deref(), Some("1000"));
        assert_eq!(spec.read_only.map(|r| r.value), Some(true));
        assert_eq!(spec.cap_drop[0].value, "ALL");
        assert_eq!(spec.pids_limit.map(|p| p.value), Some(50));
        assert_eq!(
            spec.restart.map(|r| r.value).as_deref(),
            Some("on-failure:3")
        );
        let previous = container_spec(&service["PreviousSpec"], &str::to_owned);
        assert_eq!(previous.user, None);
        assert_eq!(
            container_spec(&serde_json::json!({}), &str::to_owned)
                .restart
                .map(|r| r.value)
                .as_deref(),
            Some("always"),
            "Swarm restarts a task on any exit unless told otherwise"
        );
        assert!(previous.cap_drop.is_empty());
    }

    #[test]
    fn privileges_are_the_security_options_docker_run_has() {
        let spec = serde_json::json!({"TaskTemplate": {"ContainerSpec": {"Privileges": {
            "NoNewPrivileges": true,
            "Seccomp": {"Mode": "unconfined"},
            "AppArmor": {"Mode": "disabled"},
        }, "Healthcheck": {"Test": ["NONE"]}}}});
        let spec = container_spec(&spec, &str::to_owned);
        let options: Vec<&str> = spec
            .security_opts
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(
            options,
            [
                "no-new-privileges:true",
                "seccomp=unconfined",
                "apparmor=unconfined"
            ]
        );
        assert!(spec.no_new_privileges().is_some());
        assert_eq!(spec.health.disabled.map(|d| d.value), Some(true));
    }
}

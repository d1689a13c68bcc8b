//! `hardrun fit compose [OPTIONS] SERVICE`: fit's compose front end. The command line is
//! compose's root options and one service, read as `compose [OPTIONS] up SERVICE`, so that
//! Compose resolves the project as `up` would (the service's profiles included). A trial is that
//! service alone in a project of its own, named like the trial (`hr-fit-PID-N`, which is also
//! its container's name), made from the resolved model by `trial_model`: nothing of it touches
//! the project's containers, networks or volumes. Compose creates the trial from the model as
//! `hardrun compose up` hardens it, so the found adjustment is the one `compose up` applies;
//! it is scoped to the service (`service: NAME`). Pure.

use std::ffi::OsString;

use serde_json::{Map, Value, json};
use thiserror::Error;

use crate::compose::command::{self, ComposeCommand, ComposeError};

/// Why `fit compose` cannot fit.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FitComposeError {
    #[error(
        "fit compose needs the service to fit: `hardrun fit [--probe-…] compose [OPTIONS] SERVICE`\nhelp: name one service of the project after compose's own options, such as `hardrun fit compose -f compose.yaml web`"
    )]
    NoService,
    #[error(
        "fit compose fits one service, but {extra:?} follows '{service}'\nhelp: name one service after compose's own options (compose's options go before it), and fit each service on its own"
    )]
    MoreThanOne { service: String, extra: String },
    #[error(
        "cannot read this compose command line with certainty: {0}\nhelp: give compose's root options (-f, -p, --project-directory, --profile, --env-file …) and then the service"
    )]
    Command(#[from] ComposeError),
    #[error(
        "no service '{service}' in the compose project{suggestion}\nhelp: its services are: {known}"
    )]
    UnknownService {
        service: String,
        suggestion: String,
        known: String,
    },
}

/// The compose command of `words` (`compose [OPTIONS] SERVICE`, as typed after fit's own
/// options) read as `compose [OPTIONS] up SERVICE`, and the service.
pub fn command(words: &[OsString]) -> Result<(ComposeCommand, String), FitComposeError> {
    let (command, service, _) = commands(words)?;
    Ok((command, service))
}

/// `command`'s answer, and the project's command without the service (`compose [OPTIONS] up`),
/// which resolves when the service is unknown, to name the known ones.
pub fn commands(
    words: &[OsString],
) -> Result<(ComposeCommand, String, ComposeCommand), FitComposeError> {
    let at = command::root_end(words, 0)?.ok_or(FitComposeError::NoService)?;
    let service = words[at]
        .to_str()
        .ok_or_else(|| ComposeError::NotUtf8 {
            what: "the service name".into(),
        })?
        .to_owned();
    if let Some(extra) = words.get(at + 1) {
        return Err(FitComposeError::MoreThanOne {
            service,
            extra: extra.to_string_lossy().into_owned(),
        });
    }
    let mut argv: Vec<OsString> = words[..at].to_vec();
    argv.push("up".into());
    let project = command::parse(&argv, 0)?;
    argv.push(service.clone().into());
    Ok((command::parse(&argv, 0)?, service, project))
}

/// The service of the model, or which services there are.
pub fn service<'a>(model: &'a Value, name: &str) -> Result<&'a Value, FitComposeError> {
    let services = model.get("services").and_then(Value::as_object);
    if let Some(service) = services.and_then(|s| s.get(name)) {
        return Ok(service);
    }
    let known: Vec<&str> = services
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    Err(FitComposeError::UnknownService {
        service: name.to_owned(),
        suggestion: crate::suggest::did_you_mean(name, known.iter().copied())
            .map(|s| format!(" (did you mean '{s}'?)"))
            .unwrap_or_default(),
        known: if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        },
    })
}

/// The image the service's container runs: its `image`, else the one Compose builds for it
/// (`PROJECT-SERVICE`).
pub fn image(model: &Value, name: &str) -> Result<String, FitComposeError> {
    let service = service(model, name)?;
    Ok(match service.get("image").and_then(Value::as_str) {
        Some(image) => image.to_owned(),
        None => format!(
            "{}-{name}",
            model
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
        ),
    })
}

/// Where Compose puts the service's secrets and configs in its container: a secret at
/// `target` (under `/run/secrets/` when relative), else `/run/secrets/SOURCE`; a config at
/// `target`, else `/SOURCE`. Mount points, not writes, for fit's reading of `docker diff`.
pub fn secret_targets(model: &Value, name: &str) -> Vec<String> {
    let Some(service) = model.get("services").and_then(|s| s.get(name)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (kind, dir) in [("secrets", "/run/secrets"), ("configs", "")] {
        for reference in service
            .get(kind)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (source, target) = match reference {
                Value::String(source) => (Some(source.as_str()), None),
                _ => (
                    reference.get("source").and_then(Value::as_str),
                    reference.get("target").and_then(Value::as_str),
                ),
            };
            let path = match (target, source) {
                (Some(target), _) if target.starts_with('/') => target.to_owned(),
                (Some(target), _) => format!("{}/{target}", if dir.is_empty() { "" } else { dir }),
                (None, Some(source)) => format!("{dir}/{source}"),
                (None, None) => continue,
            };
            out.push(path);
        }
    }
    out
}

/// The keys a trial service leaves out: what links it to the project's other services,
/// containers and networks, publishes ports on the host, or names its container.
const LEFT_OUT: [&str; 14] = [
    "build",
    "container_name",
    "depends_on",
    "develop",
    "external_links",
    "links",
    "networks",
    "ports",
    "profiles",
    "pull_policy",
    "restart",
    "scale",
    "volumes_from",
    "post_start",
];

/// The trial project `trial` (also its container's name): service `name` of the resolved
/// model alone, with
/// - its image as Compose would run it, never pulled nor built (`pull_policy: never`);
/// - `container_name: TRIAL`, `restart: "no"`, one replica, no ports, no `depends_on`, links,
///   `volumes_from` or project networks (Compose gives the trial project its own default
///   network), and a `network_mode` naming another service or container left out;
/// - each volume and writable bind an empty tmpfs at its target, never the project's data
///   (a read-only bind, such as a configuration file, stays: nothing writes through it);
/// - the secrets and configs it uses, defined as in the project;
/// - with `healthy`, a health check interval of one second.
pub fn trial_model(
    model: &Value,
    name: &str,
    trial: &str,
    healthy: bool,
) -> Result<Value, FitComposeError> {
    let image = image(model, name)?;
    let mut service = service(model, name)?.clone();
    let Some(fields) = service.as_object_mut() else {
        return Ok(json!({ "name": trial, "services": { name: {} } }));
    };
    for key in LEFT_OUT {
        fields.remove(key);
    }
    if fields
        .get("network_mode")
        .and_then(Value::as_str)
        .is_some_and(|mode| mode.starts_with("service:") || mode.starts_with("container:"))
    {
        fields.remove("network_mode");
    }
    fields.insert("image".into(), json!(image));
    fields.insert("pull_policy".into(), json!("never"));
    fields.insert("container_name".into(), json!(trial));
    fields.insert("restart".into(), json!("no"));
    if let Some(deploy) = fields.get_mut("deploy").and_then(Value::as_object_mut) {
        deploy.remove("replicas");
        deploy.remove("restart_policy");
    }
    if let Some(volumes) = fields.get_mut("volumes").and_then(Value::as_array_mut) {
        for volume in volumes.iter_mut() {
            let kind = volume
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("volume");
            let read_only = volume.get("read_only").and_then(Value::as_bool) == Some(true);
            if kind == "tmpfs" || (kind == "bind" && read_only) {
                continue;
            }
            let target = volume.get("target").cloned().unwrap_or(Value::Null);
            *volume = json!({ "type": "tmpfs", "target": target });
        }
    }
    if healthy {
        let health = fields
            .entry("healthcheck")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        if let Some(health) = health {
            health.insert("interval".into(), json!("1s"));
        }
    }
    let mut out = Map::new();
    out.insert("name".into(), json!(trial));
    for top in ["secrets", "configs"] {
        let used: Vec<&str> = fields
            .get(top)
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r.get("source").or(Some(r)).and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        let defined: Map<String, Value> = model
            .get(top)
            .and_then(Value::as_object)
            .map(|all| {
                all.iter()
                    .filter(|(key, _)| used.contains(&key.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if !defined.is_empty() {
            out.insert(top.into(), Value::Object(defined));
        }
    }
    out.insert("services".into(), json!({ name: service }));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn the_service_follows_compose_s_root_options_and_reads_as_up() {
        let (command, service) =
            command(&words("compose -f a.yaml -p demo --profile debug web")).unwrap();
        assert_eq!(service, "web");
        assert_eq!(command.subcommand(), Some("up"));
        assert_eq!(command.services(), ["web".to_owned()]);
        assert_eq!(command.files(), [OsString::from("a.yaml")]);
        assert_eq!(command.project_name(), Some(OsString::from("demo")));
        assert_eq!(command.profiles(), [OsString::from("debug")]);
        let (_, _, project) = commands(&words("compose -f a.yaml web")).unwrap();
        assert_eq!(project.subcommand(), Some("up"));
        assert!(project.services().is_empty());
        assert_eq!(project.files(), [OsString::from("a.yaml")]);
    }

    #[test]
    fn a_service_named_like_a_compose_subcommand_is_the_service() {
        let (command, service) = command(&words("compose run")).unwrap();
        assert_eq!(service, "run");
        assert_eq!(command.subcommand(), Some("up"));
    }

    #[test]
    fn no_service_or_two_are_refused_with_a_help_line() {
        for line in ["compose", "compose -f a.yaml"] {
            let error = command(&words(line)).unwrap_err();
            assert_eq!(error, FitComposeError::NoService);
            assert!(error.to_string().contains("\nhelp: name one service"));
        }
        let error = command(&words("compose web db")).unwrap_err();
        assert_eq!(
            error,
            FitComposeError::MoreThanOne {
                service: "web".into(),
                extra: "db".into()
            }
        );
        assert!(error.to_string().contains("\nhelp: "), "{error}");
    }

    #[test]
    fn an_unknown_root_option_is_refused_as_compose_refuses_it() {
        let error = command(&words("compose --no-such web")).unwrap_err();
        assert!(matches!(error, FitComposeError::Command(_)), "{error:?}");
        assert!(error.to_string().contains("--no-such"), "{error}");
        assert!(error.to_string().contains("\nhelp: "), "{error}");
    }

    fn model() -> Value {
        json!({
            "name": "shop",
            "services": {
                "web": {
                    "image": "nginx:hardrun-lab",
                    "container_name": "shop-web",
                    "restart": "always",
                    "ports": [{ "target": 80, "published": "8080" }],
                    "depends_on": { "db": { "condition": "service_started" } },
                    "networks": { "front": null },
                    "profiles": ["web"],
                    "deploy": { "replicas": 3, "resources": { "limits": { "memory": "64M" } } },
                    "volumes": [
                        { "type": "volume", "source": "cache", "target": "/var/cache/nginx" },
                        { "type": "bind", "source": "/srv/conf", "target": "/etc/nginx/conf.d", "read_only": true },
                        { "type": "bind", "source": "/srv/logs", "target": "/var/log/nginx" },
                        { "type": "tmpfs", "target": "/run", "tmpfs": { "size": 1024 } }
                    ],
                    "secrets": [{ "source": "token", "target": "token" }],
                    "environment": { "A": "1" }
                },
                "db": { "build": { "context": "/srv/db" }, "network_mode": "service:web" }
            },
            "networks": { "front": { "name": "shop_front" } },
            "volumes": { "cache": { "name": "shop_cache" } },
            "secrets": {
                "token": { "name": "shop_token", "file": "/srv/token" },
                "other": { "name": "shop_other", "file": "/srv/other" }
            }
        })
    }

    #[test]
    fn the_trial_is_the_service_alone_in_a_project_of_its_own() {
        let trial = trial_model(&model(), "web", "hr-fit-7-1", false).unwrap();
        assert_eq!(
            trial,
            json!({
                "name": "hr-fit-7-1",
                "secrets": { "token": { "name": "shop_token", "file": "/srv/token" } },
                "services": { "web": {
                    "image": "nginx:hardrun-lab",
                    "pull_policy": "never",
                    "container_name": "hr-fit-7-1",
                    "restart": "no",
                    "deploy": { "resources": { "limits": { "memory": "64M" } } },
                    "volumes": [
                        { "type": "tmpfs", "target": "/var/cache/nginx" },
                        { "type": "bind", "source": "/srv/conf", "target": "/etc/nginx/conf.d", "read_only": true },
                        { "type": "tmpfs", "target": "/var/log/nginx" },
                        { "type": "tmpfs", "target": "/run", "tmpfs": { "size": 1024 } }
                    ],
                    "secrets": [{ "source": "token", "target": "token" }],
                    "environment": { "A": "1" }
                } }
            })
        );
    }

    #[test]
    fn a_built_service_runs_the_image_compose_built_and_loses_its_links() {
        let trial = trial_model(&model(), "db", "hr-fit-7-2", true).unwrap();
        let db = &trial["services"]["db"];
        assert_eq!(db["image"], "shop-db");
        assert_eq!(db["pull_policy"], "never");
        assert!(db.get("build").is_none() && db.get("network_mode").is_none());
        assert_eq!(db["healthcheck"], json!({ "interval": "1s" }));
        assert!(trial.get("secrets").is_none());
    }

    #[test]
    fn secrets_and_configs_are_where_compose_mounts_them() {
        let model = json!({ "services": { "db": {
            "secrets": ["pw", { "source": "key", "target": "tls.key" }, { "source": "x", "target": "/etc/x" }],
            "configs": [{ "source": "conf" }, { "source": "c", "target": "/etc/c.conf" }]
        } } });
        assert_eq!(
            secret_targets(&model, "db"),
            [
                "/run/secrets/pw",
                "/run/secrets/tls.key",
                "/etc/x",
                "/conf",
                "/etc/c.conf"
            ]
        );
        assert!(secret_targets(&model, "web").is_empty());
    }

    #[test]
    fn an_unknown_service_is_named_with_the_known_ones() {
        let error = trial_model(&model(), "wbe", "hr-fit-7-3", false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no service 'wbe' in the compose project (did you mean 'web'?)\nhelp: its services are: web, db"
        );
    }
}

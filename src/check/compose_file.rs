//! The compose front end of `check`: a compose file read in process where hardrun resolves it
//! exactly as Compose would, judged service by service, each finding at the line and column of
//! the user's file that set the value (or of the service, when the value is absent).
//!
//! In process: one file, no sibling `compose.override.*`, no `include`, no `extends`, no
//! `env_file`, no YAML tag (`!reset`, `!override`), a `.env` of plain `NAME=VALUE` lines, and
//! only the interpolation forms `interpolate` reads. Anchors and merge keys are read by
//! `compose::yaml` as Compose reads them. Relative bind sources are made absolute against the
//! file's directory, as Compose does. Anything else is read by `docker compose config`
//! (`commands/check.rs`), and `--explain` says which way each file went. Services of every
//! profile are judged (`--profile '*'` for Compose).

use std::path::Path;

use serde_json::{Map, Value};

use crate::check::interpolate::{Interpolation, dotenv, interpolate};
use crate::check::positions::{Position, Positions};
use crate::check::{Finding, findings_of_plan};
use crate::compose::limits::ServiceLimits;
use crate::compose::{service, waiver};
use crate::plan;
use crate::profile::Profile;
use crate::rules::Context;
use crate::spec::Edit;
use crate::waivers::Waivers;

/// How a compose file can be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Read here: the model, as `docker compose config` would print it for what the rules read.
    InProcess(Value),
    /// Compose must read it, and why.
    Compose(String),
}

/// What the file's directory holds besides it.
#[derive(Debug, Clone, Default)]
pub struct Neighbours {
    /// The text of the `.env` beside it.
    pub dotenv: Option<String>,
    /// The name of a `compose.override.*` / `docker-compose.override.*` beside it.
    pub override_file: Option<String>,
}

/// Reads a compose file in process, or says why Compose must. `Err` is a file Compose would
/// refuse too (a required variable without a value).
pub fn read(
    text: &str,
    dir: &Path,
    neighbours: &Neighbours,
    environment: &dyn Fn(&str) -> Option<String>,
) -> Result<Reading, String> {
    if let Some(name) = &neighbours.override_file {
        return Ok(Reading::Compose(format!(
            "{name} beside it is merged by Compose"
        )));
    }
    let mut model = match crate::compose::yaml::parse(text) {
        Ok(model) => model,
        Err(error) => {
            return Ok(Reading::Compose(format!(
                "YAML hardrun does not read: {error}"
            )));
        }
    };
    let Some(top) = model.as_object() else {
        return Ok(Reading::Compose("the file is not a mapping".into()));
    };
    if top.contains_key("include") {
        return Ok(Reading::Compose("it uses include".into()));
    }
    if let Some(services) = top.get("services").and_then(Value::as_object) {
        for (name, service) in services {
            for key in ["extends", "env_file"] {
                if service.get(key).is_some() {
                    return Ok(Reading::Compose(format!("service '{name}' uses {key}")));
                }
            }
        }
    }
    let variables = match neighbours.dotenv.as_deref().map(dotenv).transpose() {
        Ok(variables) => variables.unwrap_or_default(),
        Err(why) => return Ok(Reading::Compose(why.to_string())),
    };
    // The process environment wins over `.env`, as in Compose.
    let lookup = |name: &str| {
        environment(name).or_else(|| {
            variables
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        })
    };
    match interpolate_all(&mut model, &lookup) {
        Ok(()) => {}
        Err(Interpolation::Required { name, message }) => {
            return Err(format!(
                "required variable '{name}' is missing a value: {message}\nhelp: set it in the environment or in .env beside the file"
            ));
        }
        Err(Interpolation::Unsupported(why)) => return Ok(Reading::Compose(why)),
    }
    if let Some(services) = model.get_mut("services").and_then(Value::as_object_mut) {
        for (name, service) in services.iter_mut() {
            if let Err(why) = absolute_sources(service, dir) {
                return Ok(Reading::Compose(format!("service '{name}': {why}")));
            }
        }
    }
    Ok(Reading::InProcess(model))
}

/// Interpolates every string value (never a key), as Compose does before reading the model.
fn interpolate_all(
    value: &mut Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Interpolation> {
    match value {
        Value::String(text) => *text = interpolate(text, lookup)?,
        Value::Array(items) => {
            for item in items {
                interpolate_all(item, lookup)?;
            }
        }
        Value::Object(map) => {
            for (_, item) in map.iter_mut() {
                interpolate_all(item, lookup)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Relative bind sources (`./data:/data`, `source: ../x`) made absolute against `dir`, as
/// Compose makes them; `~` is left to Compose.
fn absolute_sources(service: &mut Value, dir: &Path) -> Result<(), String> {
    let Some(volumes) = service.get_mut("volumes").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    let absolute = |source: &str| -> Result<Option<String>, String> {
        if source.starts_with('~') {
            return Err(format!("a volume source under '~' ({source})"));
        }
        if source == "." || source == ".." || source.starts_with("./") || source.starts_with("../")
        {
            let joined = crate::spec::clean_path(&dir.join(source).to_string_lossy());
            return Ok(Some(joined));
        }
        Ok(None)
    };
    for volume in volumes {
        match volume {
            Value::String(short) => {
                let (source, rest) = short.split_once(':').unwrap_or((short.as_str(), ""));
                if rest.is_empty() {
                    continue;
                }
                if let Some(joined) = absolute(source)? {
                    *short = format!("{joined}:{rest}");
                }
            }
            Value::Object(long) => {
                if long.get("type").and_then(Value::as_str) != Some("bind") {
                    continue;
                }
                if let Some(Value::String(source)) = long.get_mut("source")
                    && let Some(joined) = absolute(source)?
                {
                    *source = joined;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// What one compose file's services come to.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub findings: Vec<Finding>,
    /// The edits the profile would make, by service, for `--fix`.
    pub edits: Vec<(String, Vec<Edit>)>,
}

/// Judges every service of `model`, placing findings with `positions` (of the user's file).
pub fn judge(
    model: &Value,
    positions: &Positions,
    file: &str,
    profile: &Profile,
    waivers: &Waivers,
) -> Result<Judged, String> {
    let context = Context {
        profile: profile.name.clone(),
        ..Context::default()
    };
    let empty = Map::new();
    let services = model
        .get("services")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut judged = Judged::default();
    for name in services.keys() {
        let spec = service::spec_in_model(model, name).map_err(|e| e.to_string())?;
        let recorded = waiver::waiver(name, &services[name])
            .map_err(|e| e.to_string())?
            .map(|w| w.allow)
            .unwrap_or_default();
        let applied = waivers
            .for_service(name, &spec.image)
            .and_recorded(&recorded);
        let limits = ServiceLimits {
            copied_into_rootfs: service::copied_into_rootfs(model, name),
        };
        let plan = plan::plan_within(profile, &spec, &applied, &context, &limits);
        let at_service = positions
            .exact(&format!("services.{name}"))
            .unwrap_or(Position { line: 1, column: 1 });
        let place = |rule: &'static str, offending: &str| -> Option<Position> {
            if rule == "image-tag" {
                return positions.exact(&format!("services.{name}.image"));
            }
            let path = offending.split(['=', ' ']).next()?;
            path.starts_with("services.")
                .then(|| positions.find(path))
                .flatten()
        };
        let subject = format!("service '{name}'");
        judged
            .findings
            .extend(findings_of_plan(&plan, file, &subject, at_service, &place));
        let edits = plan.edits();
        if !edits.is_empty() {
            judged.edits.push((name.clone(), edits));
        }
    }
    Ok(judged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_process(text: &str, neighbours: &Neighbours) -> Reading {
        read(text, Path::new("/srv/app"), neighbours, &|_| None).unwrap()
    }

    #[test]
    fn a_plain_file_is_read_in_process_with_its_dotenv() {
        let neighbours = Neighbours {
            dotenv: Some("TAG=1.27\n".into()),
            override_file: None,
        };
        let Reading::InProcess(model) = in_process(
            "services:\n  web:\n    image: nginx:${TAG}\n    volumes: [./data:/data]\n",
            &neighbours,
        ) else {
            panic!("read by Compose")
        };
        assert_eq!(model["services"]["web"]["image"], "nginx:1.27");
        assert_eq!(
            model["services"]["web"]["volumes"][0],
            "/srv/app/data:/data"
        );
    }

    #[test]
    fn what_only_compose_resolves_goes_to_compose() {
        let none = Neighbours::default();
        for text in [
            "include: [other.yaml]\nservices: {}\n",
            "services:\n  web:\n    extends: {file: base.yaml, service: web}\n",
            "services:\n  web:\n    image: x\n    env_file: app.env\n",
            "services:\n  web:\n    image: x\n    ports: !reset []\n",
            "services:\n  web:\n    image: ${A/b}\n",
        ] {
            assert!(
                matches!(in_process(text, &none), Reading::Compose(_)),
                "{text}"
            );
        }
        let beside = Neighbours {
            dotenv: None,
            override_file: Some("compose.override.yaml".into()),
        };
        assert!(matches!(
            in_process("services: {}\n", &beside),
            Reading::Compose(_)
        ));
    }

    #[test]
    fn a_required_variable_without_value_cannot_be_evaluated() {
        let error = read(
            "services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n",
            Path::new("/"),
            &Neighbours::default(),
            &|_| None,
        )
        .unwrap_err();
        assert!(error.contains("IMAGE"), "{error}");
    }
}

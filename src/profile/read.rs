//! Reads one profile document (a node tree) into rule levels and typed parameters, reporting
//! every mistake at its line and column with a suggestion.

use crate::docker::values::{parse_bool, parse_bytes, parse_cpus, parse_duration, parse_int};
use crate::profile::raw::{Key, Node, Value};
use crate::profile::{Inexpressible, ProfileError};
use crate::rules::env_config::{Format, FormatKind, Pattern, Required};
use crate::rules::{self, ByteSize, Duration, Level, Params, RULES, Rule, TmpfsParam};
use crate::suggest::did_you_mean;

/// One profile file, before `extends` is resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileDoc {
    pub description: Option<String>,
    /// The profile named by `extends`, positioned at the name.
    pub extends: Option<Key>,
    pub rules: Vec<RuleEntry>,
    /// `catalogue: on|off`: whether the catalogue of known images applies.
    pub catalogue: Option<bool>,
    /// `inexpressible: warn|deny`: what a front end that cannot express a control does (Swarm).
    pub inexpressible: Option<Inexpressible>,
}

/// A rule as one profile file sets it; absent parts come from the profile it extends.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEntry {
    pub rule: &'static Rule,
    pub level: Option<Level>,
    pub params: Params,
}

const TOP_KEYS: [&str; 5] = [
    "description",
    "extends",
    "rules",
    "catalogue",
    "inexpressible",
];

/// Reads a parsed profile. `file` names it in errors.
pub fn read(file: &str, root: &Node) -> Result<ProfileDoc, ProfileError> {
    let at = |position: (u64, u64), message: String, help: Option<String>| {
        ProfileError::invalid(file, position, message, help)
    };
    let entries = match &root.value {
        Value::Map(entries) => entries,
        Value::Null => {
            return Ok(ProfileDoc {
                description: None,
                extends: None,
                rules: vec![],
                catalogue: None,
                inexpressible: None,
            });
        }
        other => {
            return Err(at(
                root.at(),
                format!("a profile must be a mapping, found {}", other.kind()),
                Some("start with `extends: baseline` and a `rules:` mapping".into()),
            ));
        }
    };
    let mut doc = ProfileDoc {
        description: None,
        extends: None,
        rules: Vec::new(),
        catalogue: None,
        inexpressible: None,
    };
    for (key, value) in entries {
        match key.text.as_str() {
            "description" => doc.description = Some(scalar(file, value)?.to_owned()),
            "extends" => {
                doc.extends = Some(Key {
                    text: scalar(file, value)?.to_owned(),
                    line: value.line,
                    column: value.column,
                })
            }
            "rules" => doc.rules = read_rules(file, value)?,
            "catalogue" => {
                doc.catalogue = Some(match scalar(file, value)? {
                    "on" | "true" => true,
                    "off" | "false" => false,
                    other => {
                        return Err(at(
                            value.at(),
                            format!("invalid catalogue setting '{other}'"),
                            Some("write `catalogue: on` or `catalogue: off`".into()),
                        ));
                    }
                })
            }
            "inexpressible" => {
                doc.inexpressible = Some(match scalar(file, value)? {
                    "warn" => Inexpressible::Warn,
                    "deny" => Inexpressible::Deny,
                    other => {
                        return Err(at(
                            value.at(),
                            format!("invalid inexpressible setting '{other}'"),
                            Some("write `inexpressible: warn` or `inexpressible: deny`".into()),
                        ));
                    }
                })
            }
            other => {
                return Err(at(
                    key.at(),
                    format!("unknown key '{other}'"),
                    Some(help_for(
                        other,
                        TOP_KEYS.iter().copied(),
                        "the keys are: description, extends, rules, catalogue, inexpressible",
                    )),
                ));
            }
        }
    }
    Ok(doc)
}

fn read_rules(file: &str, node: &Node) -> Result<Vec<RuleEntry>, ProfileError> {
    let entries = match &node.value {
        Value::Map(entries) => entries,
        Value::Null => return Ok(Vec::new()),
        other => {
            return Err(ProfileError::invalid(
                file,
                node.at(),
                format!(
                    "'rules' must be a mapping of rule ids, found {}",
                    other.kind()
                ),
                Some("write `rules:` followed by lines such as `  no-privileged: deny`".into()),
            ));
        }
    };
    entries
        .iter()
        .map(|(id, value)| read_rule(file, id, value))
        .collect()
}

fn read_rule(file: &str, id: &Key, node: &Node) -> Result<RuleEntry, ProfileError> {
    let rule = rules::find(&id.text).ok_or_else(|| {
        ProfileError::invalid(
            file,
            id.at(),
            format!("unknown rule '{}'", id.text),
            Some(help_for(
                &id.text,
                RULES.iter().map(|r| r.id),
                "`hardrun rules` lists the rule ids",
            )),
        )
    })?;
    let mut entry = RuleEntry {
        rule,
        level: None,
        params: Params::default(),
    };
    match &node.value {
        Value::Scalar(_) => entry.level = Some(read_level(file, rule, node)?),
        Value::Map(params) => {
            for (key, value) in params {
                read_param(file, rule, &mut entry, key, value)?;
            }
        }
        other => {
            return Err(ProfileError::invalid(
                file,
                node.at(),
                format!(
                    "rule '{}' must be a level or a mapping, found {}",
                    rule.id,
                    other.kind()
                ),
                Some(format!(
                    "write `{}: {}` or `{}: {{level: …, …}}`",
                    rule.id,
                    levels(rule),
                    rule.id
                )),
            ));
        }
    }
    Ok(entry)
}

fn read_level(file: &str, rule: &Rule, node: &Node) -> Result<Level, ProfileError> {
    let text = scalar(file, node)?;
    let level = Level::from_name(text).filter(|level| rule.levels().contains(level));
    level.ok_or_else(|| {
        let names = rule.levels().iter().map(|l| l.name());
        let suggestion = did_you_mean(text, names.clone())
            .map(|s| format!("did you mean '{s}'? "))
            .unwrap_or_default();
        ProfileError::invalid(
            file,
            node.at(),
            format!("invalid level '{text}' for rule '{}'", rule.id),
            Some(format!(
                "{suggestion}rule '{}' accepts: {}",
                rule.id,
                levels(rule)
            )),
        )
    })
}

fn levels(rule: &Rule) -> String {
    rule.levels()
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_param(
    file: &str,
    rule: &Rule,
    entry: &mut RuleEntry,
    key: &Key,
    node: &Node,
) -> Result<(), ProfileError> {
    let name = key.text.as_str();
    if name == "level" {
        entry.level = Some(read_level(file, rule, node)?);
        return Ok(());
    }
    if !rule.params.iter().any(|(param, _)| *param == name) {
        let known: Vec<&str> = std::iter::once("level")
            .chain(rule.params.iter().map(|(p, _)| *p))
            .collect();
        return Err(ProfileError::invalid(
            file,
            key.at(),
            format!("unknown key '{name}' for rule '{}'", rule.id),
            Some(help_for(
                name,
                known.iter().copied(),
                &format!("rule '{}' takes: {}", rule.id, known.join(", ")),
            )),
        ));
    }
    let params = &mut entry.params;
    let bad = |expected: &str| {
        ProfileError::invalid(
            file,
            node.at(),
            format!(
                "invalid value for '{name}' of rule '{}': expected {expected}",
                rule.id
            ),
            None,
        )
    };
    match name {
        "user" => params.user = Some(scalar(file, node)?.to_owned()),
        "command" => params.command = Some(scalar(file, node)?.to_owned()),
        "driver" => params.driver = Some(scalar(file, node)?.to_owned()),
        "policy" => params.policy = Some(scalar(file, node)?.to_owned()),
        "drop" => params.drop = Some(list(file, node)?),
        "add" => params.add = Some(list(file, node)?),
        "capabilities" => params.capabilities = Some(list(file, node)?),
        "paths" => params.paths = Some(list(file, node)?),
        "names" => params.names = Some(list(file, node)?),
        "required" => params.required = Some(env_required(file, node)?),
        "formats" => params.formats = Some(env_formats(file, node)?),
        "registries" => params.registries = Some(list(file, node)?),
        "tmpfs" => params.tmpfs = Some(tmpfs(file, node)?),
        "memory" | "swap" | "max-size" => {
            let text = scalar(file, node)?;
            let bytes = parse_bytes(text).ok_or_else(|| bad("a size such as 512m"))?;
            let size = Some(ByteSize {
                bytes,
                text: text.to_owned(),
            });
            match name {
                "memory" => params.memory = size,
                "swap" => params.swap = size,
                _ => params.max_size = size,
            }
        }
        "cpus" => {
            let text = scalar(file, node)?;
            let nanos = parse_cpus(text)
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("a number of CPUs such as 1.5"))?;
            params.cpus = Some((nanos, text.to_owned()));
        }
        "pids" | "retries" | "max-file" => {
            let value = parse_int(scalar(file, node)?)
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("a positive integer"))?;
            match name {
                "pids" => params.pids = Some(value),
                "retries" => params.retries = Some(value),
                _ => params.max_file = Some(value),
            }
        }
        "interval" | "timeout" | "start-period" => {
            let text = scalar(file, node)?;
            let nanos = parse_duration(text)
                .filter(|n| *n >= 1_000_000)
                .ok_or_else(|| bad("a duration of at least 1ms with a unit, such as 30s"))?;
            let duration = Some(Duration {
                nanos,
                text: text.to_owned(),
            });
            match name {
                "interval" => params.interval = duration,
                "timeout" => params.timeout = duration,
                _ => params.start_period = duration,
            }
        }
        "require-digest" => {
            params.require_digest =
                Some(parse_bool(scalar(file, node)?).ok_or_else(|| bad("true or false"))?)
        }
        _ => unreachable!(
            "rule '{}' declares '{name}' but hardrun cannot read it",
            rule.id
        ),
    }
    Ok(())
}

/// A node's text, or an error at its position: for every file hardrun reads with `raw`.
pub(crate) fn scalar<'a>(file: &str, node: &'a Node) -> Result<&'a str, ProfileError> {
    match &node.value {
        Value::Scalar(text) => Ok(text),
        other => Err(ProfileError::invalid(
            file,
            node.at(),
            format!("expected a single value, found {}", other.kind()),
            None,
        )),
    }
}

pub(crate) fn list(file: &str, node: &Node) -> Result<Vec<String>, ProfileError> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .map(|item| scalar(file, item).map(str::to_owned))
            .collect(),
        other => Err(ProfileError::invalid(
            file,
            node.at(),
            format!("expected a list, found {}", other.kind()),
            Some("write a YAML list such as `[NET_BIND_SERVICE]`".into()),
        )),
    }
}

pub(crate) fn tmpfs(file: &str, node: &Node) -> Result<Vec<TmpfsParam>, ProfileError> {
    let Value::Seq(items) = &node.value else {
        return Err(ProfileError::invalid(
            file,
            node.at(),
            format!(
                "expected a list of tmpfs mounts, found {}",
                node.value.kind()
            ),
            Some("write `tmpfs: [{path: /tmp, options: \"rw,noexec,nosuid,size=100m\"}]`".into()),
        ));
    };
    items
        .iter()
        .map(|item| match &item.value {
            Value::Scalar(text) => {
                let (path, options) = text.split_once(':').unwrap_or((text, ""));
                tmpfs_entry(file, item, path, options)
            }
            Value::Map(fields) => {
                let mut path = None;
                let mut options = String::new();
                for (key, value) in fields {
                    match key.text.as_str() {
                        "path" => path = Some(scalar(file, value)?),
                        "options" => options = scalar(file, value)?.to_owned(),
                        other => {
                            return Err(ProfileError::invalid(
                                file,
                                key.at(),
                                format!("unknown key '{other}' in a tmpfs mount"),
                                Some(help_for(
                                    other,
                                    ["path", "options"],
                                    "a tmpfs mount takes: path, options",
                                )),
                            ));
                        }
                    }
                }
                let path = path.ok_or_else(|| {
                    ProfileError::invalid(
                        file,
                        item.at(),
                        "a tmpfs mount needs a 'path'".into(),
                        None,
                    )
                })?;
                tmpfs_entry(file, item, path, &options)
            }
            other => Err(ProfileError::invalid(
                file,
                item.at(),
                format!("expected a tmpfs mount, found {}", other.kind()),
                None,
            )),
        })
        .collect()
}

fn tmpfs_entry(
    file: &str,
    node: &Node,
    path: &str,
    options: &str,
) -> Result<TmpfsParam, ProfileError> {
    if !path.starts_with('/') {
        return Err(ProfileError::invalid(
            file,
            node.at(),
            format!("tmpfs path '{path}' is not absolute"),
            Some("container paths start with '/'".into()),
        ));
    }
    Ok(TmpfsParam {
        path: path.to_owned(),
        options: options.to_owned(),
    })
}

/// `env-config`'s `required`: a list of names, or of `{name, description, hint}`.
fn env_required(file: &str, node: &Node) -> Result<Vec<Required>, ProfileError> {
    let Value::Seq(items) = &node.value else {
        return Err(ProfileError::invalid(
            file,
            node.at(),
            format!("expected a list of variables, found {}", node.value.kind()),
            Some(
                "write `required: [{name: DATABASE_URL, description: \"…\", hint: \"…\"}]`".into(),
            ),
        ));
    };
    items
        .iter()
        .map(|item| match &item.value {
            Value::Scalar(name) => Ok(Required {
                name: variable_name(file, item, name)?,
                description: None,
                hint: None,
            }),
            Value::Map(fields) => {
                let mut name = None;
                let mut description = None;
                let mut hint = None;
                for (key, value) in fields {
                    match key.text.as_str() {
                        "name" => name = Some(variable_name(file, value, scalar(file, value)?)?),
                        "description" => description = Some(scalar(file, value)?.to_owned()),
                        "hint" => hint = Some(scalar(file, value)?.to_owned()),
                        other => {
                            return Err(ProfileError::invalid(
                                file,
                                key.at(),
                                format!("unknown key '{other}' in a required variable"),
                                Some(help_for(
                                    other,
                                    ["name", "description", "hint"],
                                    "a required variable takes: name, description, hint",
                                )),
                            ));
                        }
                    }
                }
                let name = name.ok_or_else(|| {
                    ProfileError::invalid(
                        file,
                        item.at(),
                        "a required variable needs a 'name'".into(),
                        None,
                    )
                })?;
                Ok(Required {
                    name,
                    description,
                    hint,
                })
            }
            other => Err(ProfileError::invalid(
                file,
                item.at(),
                format!("expected a variable, found {}", other.kind()),
                None,
            )),
        })
        .collect()
}

/// `env-config`'s `formats`: a list of `{name, type, schemes, pattern}`.
fn env_formats(file: &str, node: &Node) -> Result<Vec<Format>, ProfileError> {
    let Value::Seq(items) = &node.value else {
        return Err(ProfileError::invalid(
            file,
            node.at(),
            format!("expected a list of formats, found {}", node.value.kind()),
            Some("write `formats: [{name: PORT, type: port}]`".into()),
        ));
    };
    items.iter().map(|item| env_format(file, item)).collect()
}

fn env_format(file: &str, item: &Node) -> Result<Format, ProfileError> {
    let Value::Map(fields) = &item.value else {
        return Err(ProfileError::invalid(
            file,
            item.at(),
            format!("expected a format, found {}", item.value.kind()),
            Some("write `{name: PORT, type: port}`".into()),
        ));
    };
    let mut name = None;
    let mut kind: Option<&Node> = None;
    let mut schemes_field: Option<(&Key, &Node)> = None;
    let mut pattern_field: Option<(&Key, &Node)> = None;
    for (key, value) in fields {
        match key.text.as_str() {
            "name" => name = Some(variable_name(file, value, scalar(file, value)?)?),
            "type" => kind = Some(value),
            "schemes" => schemes_field = Some((key, value)),
            "pattern" => pattern_field = Some((key, value)),
            other => {
                return Err(ProfileError::invalid(
                    file,
                    key.at(),
                    format!("unknown key '{other}' in a format"),
                    Some(help_for(
                        other,
                        ["name", "type", "schemes", "pattern"],
                        "a format takes: name, type, schemes (url), pattern (regex)",
                    )),
                ));
            }
        }
    }
    let missing = |what: &str| {
        ProfileError::invalid(file, item.at(), format!("a format needs a '{what}'"), None)
    };
    let name = name.ok_or_else(|| missing("name"))?;
    let kind_node = kind.ok_or_else(|| missing("type"))?;
    let type_name = scalar(file, kind_node)?;
    let only_for = |(key, _): (&Key, &Node), param: &str, wanted: &str| {
        ProfileError::invalid(
            file,
            key.at(),
            format!("'{param}' applies to type {wanted} only, and {name} has type {type_name}"),
            Some(format!("remove '{param}', or use type {wanted}")),
        )
    };
    let kind = match type_name {
        "url" => {
            let schemes = match schemes_field {
                Some((_, node)) => list(file, node)?,
                None => Vec::new(),
            };
            if let Some(bad) = schemes.iter().find(|s| !is_scheme(s)) {
                let at = schemes_field.map_or(kind_node.at(), |(_, node)| node.at());
                return Err(ProfileError::invalid(
                    file,
                    at,
                    format!("invalid url scheme '{bad}' for {name}"),
                    Some("a scheme is a letter, then letters, digits, '+', '-' or '.', such as postgresql".into()),
                ));
            }
            FormatKind::Url { schemes }
        }
        "regex" => {
            let (_, node) = pattern_field.ok_or_else(|| {
                ProfileError::invalid(
                    file,
                    item.at(),
                    format!("the regex format of {name} needs a 'pattern'"),
                    Some(
                        "write `{name: LOG_LEVEL, type: regex, pattern: \"^(debug|info)$\"}`"
                            .into(),
                    ),
                )
            })?;
            let pattern = Pattern::new(scalar(file, node)?).map_err(|error| {
                ProfileError::invalid(
                    file,
                    node.at(),
                    format!("invalid regex for {name}: {error}"),
                    Some(
                        "patterns use the syntax of Rust's regex crate and match the whole value"
                            .into(),
                    ),
                )
            })?;
            FormatKind::Regex(pattern)
        }
        "port" => FormatKind::Port,
        "email" => FormatKind::Email,
        "bool" => FormatKind::Bool,
        "path" => FormatKind::Path,
        "int" => FormatKind::Int,
        other => {
            return Err(ProfileError::invalid(
                file,
                kind_node.at(),
                format!("unknown format type '{other}' for {name}"),
                Some(help_for(
                    other,
                    FormatKind::TYPES,
                    &format!("the types are: {}", FormatKind::TYPES.join(", ")),
                )),
            ));
        }
    };
    if let (Some(field), false) = (schemes_field, type_name == "url") {
        return Err(only_for(field, "schemes", "url"));
    }
    if let (Some(field), false) = (pattern_field, type_name == "regex") {
        return Err(only_for(field, "pattern", "regex"));
    }
    Ok(Format { name, kind })
}

fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A variable name as docker accepts it: not empty, no `=`, no whitespace.
fn variable_name(file: &str, node: &Node, name: &str) -> Result<String, ProfileError> {
    if name.is_empty() || name.contains('=') || name.contains(char::is_whitespace) {
        return Err(ProfileError::invalid(
            file,
            node.at(),
            format!("invalid variable name '{name}'"),
            Some("a variable name is not empty and has no '=' and no whitespace".into()),
        ));
    }
    Ok(name.to_owned())
}

/// "did you mean …?" when a candidate is close, else `otherwise`.
pub(crate) fn help_for<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: &str,
) -> String {
    match did_you_mean(word, candidates) {
        Some(suggestion) => format!("did you mean '{suggestion}'?"),
        None => otherwise.to_owned(),
    }
}

//! Profiles: named sets of rule levels and parameters, written in YAML, that may extend one
//! another.
//!
//! Built-in profiles are YAML files in `profiles/` embedded in the binary and read by the same
//! code as the user's. Finding profile files is left to a `Source` the caller provides, so this
//! module stays free of I/O.

use std::fmt;

use thiserror::Error;

use crate::rules::{Level, Params, RULES, Rule};

pub mod builtin;
pub mod frozen;
#[rustfmt::skip]
mod frozen_data;
pub mod raw;
pub mod read;

use read::ProfileDoc;

/// A profile after `extends` is resolved: every rule with its level and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Where it was read from: a path, or `built-in`.
    pub source: String,
    /// The profiles it extends, nearest first.
    pub extends: Vec<String>,
    /// Every rule of the registry, in registry order; rules the profile does not name are `off`.
    pub rules: Vec<RuleSetting>,
    /// Whether the catalogue of known images applies (`catalogue: off` turns it off).
    pub catalogue: bool,
    /// What happens to a control the front end cannot express (a Swarm stack has no
    /// no-new-privileges): reported, or refused.
    pub inexpressible: Inexpressible,
}

/// What a profile does with a control the front end cannot express (`inexpressible:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Inexpressible {
    /// Said in the report; the rest is delivered.
    #[default]
    Warn,
    /// Refused, with the way out named.
    Deny,
}

impl Profile {
    /// The setting of one rule; every rule of the registry has one.
    pub fn setting(&self, id: &str) -> Option<&RuleSetting> {
        self.rules.iter().find(|s| s.rule.id == id)
    }
}

/// One rule's level and parameters in a resolved profile.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetting {
    pub rule: &'static Rule,
    pub level: Level,
    pub params: Params,
}

/// A profile file found by a `Source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// What to call it in messages: its path, or `built-in profile 'NAME'`.
    pub source: String,
    pub text: String,
}

/// Where profiles come from. The caller implements it over the file system and the built-ins.
pub trait Source {
    /// The profile called `name`, skipping any whose `source` is `skip` (a profile that extends
    /// its own name extends the next one found).
    fn by_name(&self, name: &str, skip: Option<&str>) -> Result<Option<Found>, ProfileError>;
    /// A profile file given by path.
    fn by_path(&self, path: &str) -> Result<Found, ProfileError>;
    /// The names that `by_name` can find, sorted.
    fn names(&self) -> Vec<String>;
}

/// What is wrong with a profile. Rendered with `file:line:column` and a `help:` line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProfileError {
    #[error("{file}:{line}:{column}: {message}{}", help_line(.help))]
    Invalid {
        file: String,
        line: u64,
        column: u64,
        message: String,
        help: Option<String>,
    },
    #[error("unknown profile '{name}'\nhelp: the available profiles are: {}", .available.join(", "))]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("profile '{name}' extends itself through {}\nhelp: remove one of the `extends:` lines", .chain.join(" -> "))]
    Cycle { name: String, chain: Vec<String> },
    #[error(
        "cannot read profile {path:?}: {reason}\nhelp: check the path given to --profile or HARDRUN_PROFILE"
    )]
    Read { path: String, reason: String },
}

fn help_line(help: &Option<String>) -> String {
    help.as_ref()
        .map(|h| format!("\nhelp: {h}"))
        .unwrap_or_default()
}

impl ProfileError {
    /// A mistake at `(line, column)` of `file`, both 1-based.
    pub fn invalid(
        file: &str,
        (line, column): (u64, u64),
        message: String,
        help: Option<String>,
    ) -> Self {
        ProfileError::Invalid {
            file: file.to_owned(),
            line,
            column,
            message,
            help,
        }
    }

    fn yaml(file: &str, error: &raw::Error) -> Self {
        use raw::ErrorKind as Kind;
        let message = match &error.kind {
            Kind::Syntax(_) | Kind::DuplicateKey { .. } => {
                format!("invalid YAML: {}", error.message())
            }
            _ => error.message(),
        };
        let help = match &error.kind {
            Kind::Syntax(_) => "profiles are YAML mappings; see `hardrun profiles show baseline`",
            Kind::DuplicateKey { .. } => "a key may appear once in a mapping; remove one of them",
            Kind::Tag => "remove the tag: profile values are plain text, read by each rule",
            Kind::MultipleDocuments => {
                "a profile file holds one profile; remove the `---` line and what follows it"
            }
            Kind::ComplexKey { .. } => "write keys as single words, such as `memory-limit:`",
            Kind::Merge { .. } => {
                "write `<<: *name` or `<<: [*a, *b]` with the anchors on mappings"
            }
            Kind::RecursiveAlias => "an anchored value cannot contain an alias to itself",
            Kind::TooLarge => "aliases here copy values over and over; write out what is needed",
            Kind::TooDeep => "profiles nest a few levels deep; check the indentation and aliases",
        };
        Self::invalid(file, (error.line, error.column), message, Some(help.into()))
    }
}

/// Parses one profile file.
/// The text of a built-in profile is not parsed again: its tree is generated (`frozen`).
pub fn parse(found: &Found) -> Result<ProfileDoc, ProfileError> {
    let root = match frozen::tree_of(&found.text) {
        Some(tree) => tree,
        None => {
            raw::parse(&found.text).map_err(|error| ProfileError::yaml(&found.source, &error))?
        }
    };
    read::read(&found.source, &root)
}

/// Whether `--profile` names a file rather than a profile.
pub fn is_path(reference: &str) -> bool {
    reference.contains('/') || reference.ends_with(".yaml") || reference.ends_with(".yml")
}

/// Loads a profile by name or path and resolves its `extends` chain.
pub fn load(reference: &str, source: &dyn Source) -> Result<Profile, ProfileError> {
    let (name, first) = if is_path(reference) {
        let found = source.by_path(reference)?;
        let stem = reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .trim_end_matches(".yaml")
            .trim_end_matches(".yml")
            .to_owned();
        (stem, found)
    } else {
        let found = source
            .by_name(reference, None)?
            .ok_or_else(|| not_found(reference, source))?;
        (reference.to_owned(), found)
    };
    let mut docs = vec![(name.clone(), first.source.clone(), parse(&first)?)];
    while let Some(parent) = docs.last().and_then(|(_, _, doc)| doc.extends.clone()) {
        let (child_name, child_source, _) = docs.last().expect("not empty");
        let skip = (parent.text == *child_name).then(|| child_source.clone());
        let found = source
            .by_name(&parent.text, skip.as_deref())?
            .ok_or_else(|| {
                let child_source = child_source.clone();
                ProfileError::invalid(
                    &child_source,
                    parent.at(),
                    format!(
                        "profile '{}' extends unknown profile '{}'",
                        child_name, parent.text
                    ),
                    Some(format!(
                        "the available profiles are: {}",
                        source.names().join(", ")
                    )),
                )
            })?;
        if docs.iter().any(|(_, seen, _)| *seen == found.source) {
            let mut chain: Vec<String> = docs.iter().map(|(n, _, _)| n.clone()).collect();
            chain.push(parent.text.clone());
            return Err(ProfileError::Cycle { name, chain });
        }
        let doc = parse(&found)?;
        docs.push((parent.text.clone(), found.source, doc));
    }
    Ok(merge(name, first.source, docs))
}

fn not_found(name: &str, source: &dyn Source) -> ProfileError {
    ProfileError::NotFound {
        name: name.to_owned(),
        available: source.names(),
    }
}

/// Applies each document over the one it extends, root first.
fn merge(name: String, source: String, docs: Vec<(String, String, ProfileDoc)>) -> Profile {
    let mut rules: Vec<RuleSetting> = RULES
        .iter()
        .map(|rule| RuleSetting {
            rule,
            level: Level::Off,
            params: Params::default(),
        })
        .collect();
    let description = docs
        .iter()
        .find_map(|(_, _, doc)| doc.description.clone())
        .unwrap_or_default();
    let extends = docs.iter().skip(1).map(|(n, _, _)| n.clone()).collect();
    let catalogue = docs
        .iter()
        .find_map(|(_, _, doc)| doc.catalogue)
        .unwrap_or(true);
    let inexpressible = docs
        .iter()
        .find_map(|(_, _, doc)| doc.inexpressible)
        .unwrap_or_default();
    for (_, _, doc) in docs.into_iter().rev() {
        for entry in doc.rules {
            let setting = rules
                .iter_mut()
                .find(|s| s.rule.id == entry.rule.id)
                .expect("every rule id in a profile is in the registry");
            if let Some(level) = entry.level {
                setting.level = level;
            }
            setting.params = entry.params.over(&setting.params);
        }
    }
    Profile {
        name,
        description,
        source,
        extends,
        rules,
        catalogue,
        inexpressible,
    }
}

impl Params {
    /// These parameters, with the ones not set taken from `base`.
    pub fn over(self, base: &Params) -> Params {
        Params {
            user: self.user.or_else(|| base.user.clone()),
            user_over_image: self.user_over_image || base.user_over_image,
            tmpfs: self.tmpfs.or_else(|| base.tmpfs.clone()),
            drop: self.drop.or_else(|| base.drop.clone()),
            add: self.add.or_else(|| base.add.clone()),
            capabilities: self.capabilities.or_else(|| base.capabilities.clone()),
            memory: self.memory.or_else(|| base.memory.clone()),
            swap: self.swap.or_else(|| base.swap.clone()),
            cpus: self.cpus.or_else(|| base.cpus.clone()),
            pids: self.pids.or(base.pids),
            command: self.command.or_else(|| base.command.clone()),
            interval: self.interval.or_else(|| base.interval.clone()),
            timeout: self.timeout.or_else(|| base.timeout.clone()),
            start_period: self.start_period.or_else(|| base.start_period.clone()),
            retries: self.retries.or(base.retries),
            driver: self.driver.or_else(|| base.driver.clone()),
            max_size: self.max_size.or_else(|| base.max_size.clone()),
            max_file: self.max_file.or(base.max_file),
            policy: self.policy.or_else(|| base.policy.clone()),
            require_digest: self.require_digest.or(base.require_digest),
            registries: self.registries.or_else(|| base.registries.clone()),
            paths: self.paths.or_else(|| base.paths.clone()),
            names: self.names.or_else(|| base.names.clone()),
            required: self.required.or_else(|| base.required.clone()),
            formats: self.formats.or_else(|| base.formats.clone()),
        }
    }
}

impl fmt::Display for Profile {
    /// The resolved profile as YAML, for `hardrun profiles show`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# profile '{}' from {}", self.name, self.source)?;
        if !self.extends.is_empty() {
            writeln!(f, "# resolved through: {}", self.extends.join(" -> "))?;
        }
        writeln!(f, "description: {:?}", self.description)?;
        if !self.catalogue {
            writeln!(f, "catalogue: off")?;
        }
        if self.inexpressible == Inexpressible::Deny {
            writeln!(f, "inexpressible: deny")?;
        }
        writeln!(f, "rules:")?;
        for setting in &self.rules {
            let params = render_params(&setting.params);
            if params.is_empty() {
                writeln!(f, "  {}: {}", setting.rule.id, setting.level)?;
            } else {
                writeln!(f, "  {}:", setting.rule.id)?;
                writeln!(f, "    level: {}", setting.level)?;
                for (key, value) in params {
                    writeln!(f, "    {key}: {value}")?;
                }
            }
        }
        Ok(())
    }
}

fn render_params(params: &Params) -> Vec<(&'static str, String)> {
    let list = |items: &Vec<String>| format!("[{}]", items.join(", "));
    let mut out = Vec::new();
    let mut push = |key: &'static str, value: Option<String>| {
        if let Some(value) = value {
            out.push((key, value));
        }
    };
    push("user", params.user.as_ref().map(|u| format!("{u:?}")));
    push(
        "tmpfs",
        params.tmpfs.as_ref().map(|mounts| {
            let items: Vec<String> = mounts
                .iter()
                .map(|m| format!("{{path: {}, options: {:?}}}", m.path, m.options))
                .collect();
            format!("[{}]", items.join(", "))
        }),
    );
    push("drop", params.drop.as_ref().map(list));
    push("add", params.add.as_ref().map(list));
    push("capabilities", params.capabilities.as_ref().map(list));
    push("memory", params.memory.as_ref().map(|s| s.text.clone()));
    push("swap", params.swap.as_ref().map(|s| s.text.clone()));
    push(
        "cpus",
        params.cpus.as_ref().map(|(_, text)| format!("{text:?}")),
    );
    push("pids", params.pids.map(|n| n.to_string()));
    push("command", params.command.as_ref().map(|c| format!("{c:?}")));
    push("interval", params.interval.as_ref().map(|d| d.text.clone()));
    push("timeout", params.timeout.as_ref().map(|d| d.text.clone()));
    push(
        "start-period",
        params.start_period.as_ref().map(|d| d.text.clone()),
    );
    push("retries", params.retries.map(|n| n.to_string()));
    push("driver", params.driver.clone());
    push("max-size", params.max_size.as_ref().map(|s| s.text.clone()));
    push("max-file", params.max_file.map(|n| n.to_string()));
    push("policy", params.policy.clone());
    push(
        "require-digest",
        params.require_digest.map(|b| b.to_string()),
    );
    push("registries", params.registries.as_ref().map(list));
    push("paths", params.paths.as_ref().map(list));
    push("names", params.names.as_ref().map(list));
    push(
        "required",
        params.required.as_ref().map(|vars| {
            let items: Vec<String> = vars
                .iter()
                .map(|v| {
                    let mut fields = vec![format!("name: {:?}", v.name)];
                    fields.extend(
                        v.description
                            .as_ref()
                            .map(|d| format!("description: {d:?}")),
                    );
                    fields.extend(v.hint.as_ref().map(|h| format!("hint: {h:?}")));
                    format!("{{{}}}", fields.join(", "))
                })
                .collect();
            format!("[{}]", items.join(", "))
        }),
    );
    push(
        "formats",
        params.formats.as_ref().map(|formats| {
            use crate::rules::env_config::FormatKind;
            let items: Vec<String> = formats
                .iter()
                .map(|f| {
                    let extra = match &f.kind {
                        FormatKind::Url { schemes } if !schemes.is_empty() => {
                            let schemes: Vec<String> =
                                schemes.iter().map(|s| format!("{s:?}")).collect();
                            format!(", schemes: [{}]", schemes.join(", "))
                        }
                        FormatKind::Regex(pattern) => format!(", pattern: {:?}", pattern.text()),
                        _ => String::new(),
                    };
                    format!("{{name: {:?}, type: {}{extra}}}", f.name, f.kind.name())
                })
                .collect();
            format!("[{}]", items.join(", "))
        }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let found = Found {
            source: "p.yaml".into(),
            text: text.into(),
        };
        parse(&found).expect_err("should not parse").to_string()
    }

    #[test]
    fn yaml_errors_have_a_position_message_and_help() {
        assert_eq!(
            error("rules:\n  memory-limit: [unclosed\n"),
            "p.yaml:2:17: invalid YAML: unclosed bracket '['\n\
             help: profiles are YAML mappings; see `hardrun profiles show baseline`"
        );
        assert_eq!(
            error("rules:\n  pids-limit: set\n  pids-limit: off\n"),
            "p.yaml:3:3: invalid YAML: duplicate key 'pids-limit' (first at line 2)\n\
             help: a key may appear once in a mapping; remove one of them"
        );
        assert!(
            error("rules:\n  pids-limit: !!str set\n")
                .starts_with("p.yaml:2:15: tags are not supported in profiles\nhelp: ")
        );
        assert!(error("extends: baseline\n---\nrules: {}\n").starts_with("p.yaml:2:1: "));
    }

    #[test]
    fn anchors_and_merge_keys_reach_the_rules() {
        let found = Found {
            source: "p.yaml".into(),
            text: "rules:\n  memory-limit: &m\n    level: enforce\n    memory: 1g\n  \
                   pids-limit:\n    level: set\n    pids: 7\n  log-rotation:\n    <<: *m\n    \
                   level: set\n"
                .into(),
        };
        // `memory` is not a log-rotation parameter: the merged key is reported at the alias.
        assert!(
            parse(&found)
                .unwrap_err()
                .to_string()
                .starts_with("p.yaml:9:9: unknown key 'memory' for rule 'log-rotation'")
        );
    }
}

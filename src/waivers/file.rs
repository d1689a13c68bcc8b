//! The project file, `.hardrun.yaml`: its waivers, each with a rule, one scope (an image
//! reference or a compose service), a reason and an optional expiry. Read through the
//! span-carrying `profile::raw` tree, so every mistake has its line and column. Pure: the file
//! is found and read by `host::waivers`.

use crate::adjustments::{Adjustment, Kind as AdjustmentKind, read_adjustments};
use crate::profile::ProfileError;
use crate::profile::raw::{self, Key, Node, Value};
use crate::profile::read::{help_for, scalar};
use crate::rules::{self, RULES};
use crate::waivers::image::check_image;
use crate::waivers::{Date, Scope, Waiver};

/// The project file's name.
pub const FILE_NAME: &str = ".hardrun.yaml";

/// The keys of the project file.
const TOP_KEYS: [&str; 2] = ["waivers", "adjustments"];

/// The keys of one waiver.
const WAIVER_KEYS: [&str; 5] = ["rule", "image", "service", "reason", "expires"];

/// What the project file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    pub waivers: Vec<Waiver>,
    pub adjustments: Vec<Adjustment>,
}

/// Parses the project file's text. `file` names it in errors (`file:line:column: …`).
pub fn parse(file: &str, text: &str) -> Result<Project, ProfileError> {
    let root = raw::parse(text).map_err(|error| yaml_error(file, &error))?;
    let entries = match &root.value {
        Value::Null => return Ok(Project::default()),
        Value::Map(entries) => entries,
        other => {
            return Err(ProfileError::invalid(
                file,
                root.at(),
                format!("the project file must be a mapping, found {}", other.kind()),
                Some(SHAPE_HELP.into()),
            ));
        }
    };
    let mut project = Project::default();
    for (key, value) in entries {
        match key.text.as_str() {
            "waivers" => project.waivers = read_waivers(file, value)?,
            "adjustments" => {
                project.adjustments = read_adjustments(file, value, AdjustmentKind::Project)?
            }
            other => {
                return Err(ProfileError::invalid(
                    file,
                    key.at(),
                    format!("unknown key '{other}'"),
                    Some(help_for(
                        other,
                        TOP_KEYS,
                        "the project file takes: waivers, adjustments",
                    )),
                ));
            }
        }
    }
    Ok(project)
}

const SHAPE_HELP: &str = "write `waivers:` followed by items such as `- {rule: no-privileged, image: REPOSITORY, reason: \"why\"}`";

fn yaml_error(file: &str, error: &raw::Error) -> ProfileError {
    use raw::ErrorKind as Kind;
    let message = match &error.kind {
        Kind::Syntax(_) | Kind::DuplicateKey { .. } => {
            format!("invalid YAML: {}", error.message())
        }
        Kind::Tag => "tags are not supported in the project file".into(),
        Kind::MultipleDocuments => {
            "the project file is one YAML document, but a second one starts here".into()
        }
        Kind::TooLarge => format!(
            "the project file expands to more than {} values through aliases",
            raw::MAX_NODES
        ),
        _ => error.message(),
    };
    let help = match &error.kind {
        Kind::DuplicateKey { .. } => "a key may appear once in a mapping; remove one of them",
        Kind::Tag => "remove the tag: values are plain text",
        Kind::MultipleDocuments => "remove the `---` line and what follows it",
        _ => SHAPE_HELP,
    };
    ProfileError::invalid(file, (error.line, error.column), message, Some(help.into()))
}

fn read_waivers(file: &str, node: &Node) -> Result<Vec<Waiver>, ProfileError> {
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items.iter().map(|item| read_waiver(file, item)).collect(),
        other => Err(ProfileError::invalid(
            file,
            node.at(),
            format!("'waivers' must be a list, found {}", other.kind()),
            Some(SHAPE_HELP.into()),
        )),
    }
}

fn read_waiver(file: &str, node: &Node) -> Result<Waiver, ProfileError> {
    let at = |position: (u64, u64), message: String, help: &str| {
        ProfileError::invalid(file, position, message, Some(help.to_owned()))
    };
    let Value::Map(fields) = &node.value else {
        return Err(at(
            node.at(),
            format!("a waiver must be a mapping, found {}", node.value.kind()),
            SHAPE_HELP,
        ));
    };
    let mut rule = None;
    let mut scope: Option<(&Key, Scope)> = None;
    let mut reason = None;
    let mut expires = None;
    for (key, value) in fields {
        match key.text.as_str() {
            "rule" => {
                let id = scalar(file, value)?;
                let found = rules::find(id).ok_or_else(|| {
                    at(
                        value.at(),
                        format!("unknown rule '{id}'"),
                        &help_for(
                            id,
                            RULES.iter().map(|r| r.id),
                            "`hardrun rules` lists the rule ids",
                        ),
                    )
                })?;
                rule = Some(found.id);
            }
            "image" | "service" => {
                if let Some((first, _)) = &scope {
                    return Err(at(
                        key.at(),
                        format!(
                            "a waiver has one scope, but this one has both '{}' (line {}) and '{}'",
                            first.text, first.line, key.text
                        ),
                        "write one waiver per image or service",
                    ));
                }
                let new = read_scope(file, key, value)?;
                scope = Some((key, new));
            }
            "reason" => reason = Some(read_reason(file, value)?),
            "expires" => expires = Some(read_expires(file, value)?),
            other => {
                return Err(at(
                    key.at(),
                    format!("unknown key '{other}' in a waiver"),
                    &help_for(
                        other,
                        WAIVER_KEYS,
                        "a waiver takes: rule, image or service, reason, expires",
                    ),
                ));
            }
        }
    }
    let Some(rule) = rule else {
        return Err(at(
            node.at(),
            "a waiver needs a 'rule'".into(),
            "name the rule it waives, such as `rule: no-privileged`; `hardrun rules` lists them",
        ));
    };
    let Some((_, scope)) = scope else {
        return Err(at(
            node.at(),
            format!("the waiver for '{rule}' has no scope"),
            "add `image: REPOSITORY[:TAG]` or `service: NAME`; a waiver never covers everything",
        ));
    };
    let Some(reason) = reason else {
        return Err(at(
            node.at(),
            format!("the waiver for '{rule}' needs a reason"),
            "add `reason: \"why the rule cannot be followed\"`",
        ));
    };
    Ok(Waiver {
        rule,
        scope,
        reason,
        expires,
        file: file.to_owned(),
        line: node.line,
        column: node.column,
    })
}

/// The scope of a waiver or an adjustment: `image: REFERENCE` or `service: NAME`.
pub(crate) fn read_scope(file: &str, key: &Key, value: &Node) -> Result<Scope, ProfileError> {
    let at = |position: (u64, u64), message: String, help: &str| {
        ProfileError::invalid(file, position, message, Some(help.to_owned()))
    };
    let text = scalar(file, value)?.trim();
    if key.text == "image" {
        check_image(text).map_err(|problem| {
            at(
                value.at(),
                format!("invalid image reference '{text}': {problem}"),
                "write a repository, with or without a tag: `ghcr.io/acme/app` or `ghcr.io/acme/app:1.4`",
            )
        })?;
        return Ok(Scope::Image(text.to_owned()));
    }
    if text.is_empty() {
        return Err(at(
            value.at(),
            "the service name is empty".into(),
            "write the name of a compose service, such as `service: web`",
        ));
    }
    Ok(Scope::Service(text.to_owned()))
}

/// A reason: a non-empty text.
pub(crate) fn read_reason(file: &str, value: &Node) -> Result<String, ProfileError> {
    let text = scalar(file, value)?.trim();
    if text.is_empty() {
        return Err(ProfileError::invalid(
            file,
            value.at(),
            "the reason is empty".into(),
            Some("say why the rule cannot be followed, such as `reason: \"writes to /var/lib/app until v2\"`".into()),
        ));
    }
    Ok(text.to_owned())
}

/// An expiry: the last day something applies, `YYYY-MM-DD`.
pub(crate) fn read_expires(file: &str, value: &Node) -> Result<Date, ProfileError> {
    let text = scalar(file, value)?.trim();
    Date::parse(text).map_err(|problem| {
        ProfileError::invalid(
            file,
            value.at(),
            problem,
            Some("write the last day the waiver applies as YYYY-MM-DD, such as 2027-03-31".into()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waivers_of(file: &str, text: &str) -> Result<Vec<Waiver>, ProfileError> {
        parse(file, text).map(|project| project.waivers)
    }

    fn date(text: &str) -> Date {
        Date::parse(text).expect("a valid date")
    }

    fn error(text: &str) -> String {
        waivers_of(".hardrun.yaml", text)
            .expect_err("should not parse")
            .to_string()
    }

    const EXAMPLE: &str = "waivers:
  - rule: read-only-rootfs
    image: ghcr.io/acme/legacy        # an image reference
    reason: \"writes to /var/lib/app until v2\"
    expires: 2027-03-31
  - rule: no-privileged
    service: monitor
    reason: \"cadvisor needs the host's devices\"
";
    #[test]
    fn the_example_parses_with_positions() {
        let waivers = waivers_of(".hardrun.yaml", EXAMPLE).unwrap();
        assert_eq!(
            waivers,
            [
                Waiver {
                    rule: "read-only-rootfs",
                    scope: Scope::Image("ghcr.io/acme/legacy".into()),
                    reason: "writes to /var/lib/app until v2".into(),
                    expires: Some(Date {
                        year: 2027,
                        month: 3,
                        day: 31
                    }),
                    file: ".hardrun.yaml".into(),
                    line: 2,
                    column: 5,
                },
                Waiver {
                    rule: "no-privileged",
                    scope: Scope::Service("monitor".into()),
                    reason: "cadvisor needs the host's devices".into(),
                    expires: None,
                    file: ".hardrun.yaml".into(),
                    line: 6,
                    column: 5,
                },
            ]
        );
        assert_eq!(waivers[0].location(), ".hardrun.yaml:2:5");
    }

    #[test]
    fn an_empty_file_or_list_has_no_waivers() {
        assert_eq!(waivers_of("f", ""), Ok(vec![]));
        assert_eq!(waivers_of("f", "# nothing yet\n"), Ok(vec![]));
        assert_eq!(waivers_of("f", "waivers:\n"), Ok(vec![]));
        assert_eq!(waivers_of("f", "waivers: []\n"), Ok(vec![]));
    }

    #[test]
    fn flow_style_and_quoted_dates_waivers_of() {
        let waivers = waivers_of(
            "f",
            "waivers: [{rule: pids-limit, image: nginx, reason: x, expires: '2028-02-29'}]\n",
        )
        .unwrap();
        assert_eq!(waivers[0].expires, Some(date("2028-02-29")));
        assert_eq!((waivers[0].line, waivers[0].column), (1, 11));
    }

    #[test]
    fn every_mistake_is_reported_at_its_line_and_column() {
        assert_eq!(
            error(
                "waivers:\n  - rule: no-privileged\n    image: x\n    reason: y\n    expires: 2027-02-30\n"
            ),
            ".hardrun.yaml:5:14: invalid date '2027-02-30': February 2027 has 28 days\n\
             help: write the last day the waiver applies as YYYY-MM-DD, such as 2027-03-31"
        );
        assert_eq!(
            error("waivers:\n  - rule: no-priviliged\n    image: x\n    reason: y\n"),
            ".hardrun.yaml:2:11: unknown rule 'no-priviliged'\nhelp: did you mean 'no-privileged'?"
        );
        assert_eq!(
            error("waivers:\n  - rule: no-such-thing-at-all\n    image: x\n    reason: y\n"),
            ".hardrun.yaml:2:11: unknown rule 'no-such-thing-at-all'\nhelp: `hardrun rules` lists the rule ids"
        );
        assert_eq!(
            error("waivers:\n  - rule: no-privileged\n    image: x\n"),
            ".hardrun.yaml:2:5: the waiver for 'no-privileged' needs a reason\n\
             help: add `reason: \"why the rule cannot be followed\"`"
        );
        assert!(
            error("waivers:\n  - rule: no-privileged\n    image: x\n    reason: '  '\n")
                .starts_with(".hardrun.yaml:4:13: the reason is empty\nhelp: ")
        );
        assert_eq!(
            error(
                "waivers:\n  - rule: no-privileged\n    image: x\n    service: y\n    reason: z\n"
            ),
            ".hardrun.yaml:4:5: a waiver has one scope, but this one has both 'image' (line 3) and 'service'\n\
             help: write one waiver per image or service"
        );
        assert!(
            error("waivers:\n  - rule: no-privileged\n    reason: z\n").starts_with(
                ".hardrun.yaml:2:5: the waiver for 'no-privileged' has no scope\nhelp: add `image: "
            )
        );
        assert!(
            error("waivers:\n  - image: x\n    reason: z\n")
                .starts_with(".hardrun.yaml:2:5: a waiver needs a 'rule'\nhelp: ")
        );
        assert_eq!(
            error("waivers:\n  - rule: no-privileged\n    imgae: x\n    reason: z\n"),
            ".hardrun.yaml:3:5: unknown key 'imgae' in a waiver\nhelp: did you mean 'image'?"
        );
        assert_eq!(
            error("waiver:\n  - rule: no-privileged\n"),
            ".hardrun.yaml:1:1: unknown key 'waiver'\nhelp: did you mean 'waivers'?"
        );
        assert!(
            error("waivers: nope\n").starts_with(
                ".hardrun.yaml:1:10: 'waivers' must be a list, found a scalar\nhelp: "
            )
        );
        assert!(
            error("waivers:\n  - just-a-word\n")
                .starts_with(".hardrun.yaml:2:5: a waiver must be a mapping, found a scalar\n")
        );
        assert!(
            error("- a\n").starts_with(
                ".hardrun.yaml:1:1: the project file must be a mapping, found a list\n"
            )
        );
        assert!(
            error("waivers:\n  - rule: [no-privileged]\n")
                .starts_with(".hardrun.yaml:2:11: expected a single value, found a list")
        );
        assert!(
            error("waivers:\n  - rule: no-privileged\n    image: 'a b'\n    reason: z\n")
                .starts_with(
                    ".hardrun.yaml:3:12: invalid image reference 'a b': it contains white space\n"
                )
        );
        assert!(
            error("waivers:\n  - rule: x\n    service: ''\n    reason: z\n")
                .contains("unknown rule 'x'")
        );
        assert!(
            error("waivers:\n  - rule: no-privileged\n    service: ''\n    reason: z\n")
                .starts_with(".hardrun.yaml:3:14: the service name is empty\n")
        );
    }

    #[test]
    fn yaml_mistakes_have_positions_too() {
        assert!(
            error("waivers: [unclosed\n")
                .starts_with(".hardrun.yaml:1:10: invalid YAML: unclosed bracket")
        );
        assert_eq!(
            error("waivers: []\nwaivers: []\n"),
            ".hardrun.yaml:2:1: invalid YAML: duplicate key 'waivers' (first at line 1)\n\
             help: a key may appear once in a mapping; remove one of them"
        );
        assert!(
            error("waivers: !!seq []\n")
                .starts_with(".hardrun.yaml:1:10: tags are not supported in the project file\n")
        );
        assert!(error("waivers: []\n---\nwaivers: []\n").starts_with(
            ".hardrun.yaml:2:1: the project file is one YAML document, but a second one starts here\n"
        ));
    }
}

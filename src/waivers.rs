//! Waivers that outlive one invocation, and reasons for the ones that do not.
//!
//! A project keeps its waivers in `.hardrun.yaml` (found upward from the working directory by
//! `host::waivers`): each names a rule, exactly one scope (an image reference or a compose
//! service), a mandatory reason and an optional expiry date. `--allow RULE[=REASON]` waives a
//! rule for one invocation; under `strict` (by name or ancestry) the reason is mandatory.
//!
//! This module is pure: it parses the file's text (through the span-carrying `profile::raw`
//! tree, so every mistake has its line and column), parses `--allow` values, and decides which
//! waivers apply to a container or a service on a date it is given. Expired waivers do not
//! apply, and the plan says so where it matters: a refusal names the waiver that expired and
//! when.

use std::fmt;

use crate::plan::{Change, ChangeKind, PROVENANCE, Plan};
use crate::profile::raw::{self, Key, Node, Value};
use crate::profile::read::{help_for, scalar};
use crate::profile::{Profile, ProfileError};
use crate::rules::{self, RULES};
use crate::spec::Edit;
use crate::suggest::did_you_mean;

/// The project file's name.
pub const FILE_NAME: &str = ".hardrun.yaml";

/// The keys of the project file.
const TOP_KEYS: [&str; 1] = ["waivers"];

/// The keys of one waiver.
const WAIVER_KEYS: [&str; 5] = ["rule", "image", "service", "reason", "expires"];

/// The built-in profile under which `--allow` needs a reason.
const REASON_REQUIRED_UNDER: &str = "strict";

/// A calendar date (proleptic Gregorian), as written in `expires:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Whether `year` has a February 29th.
pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The days in `month` (1–12) of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// A date, if it exists.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day))
        .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(format!("invalid date '{text}': expected YYYY-MM-DD"));
        }
        let number = |range: std::ops::Range<usize>| -> u32 {
            text[range].parse().expect("four or two ASCII digits")
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let year = i32::try_from(year).expect("four digits fit");
        if year == 0 {
            return Err(format!("invalid date '{text}': there is no year 0"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("invalid date '{text}': there is no month {month}"));
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            let name = MONTHS[month as usize - 1];
            return Err(format!(
                "invalid date '{text}': {name} {year} has {last} days"
            ));
        }
        Ok(Date { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (negative: before), as a UTC clock gives it.
    pub fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's `civil_from_days`, over 400-year eras of 146097 days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).expect("1..=12"),
            day: u32::try_from(day).expect("1..=31"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// What a project waiver covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An image reference: a repository, with or without a tag (or digest), as written.
    Image(String),
    /// A compose service name.
    Service(String),
}

impl Scope {
    /// Whether the scope covers a container of `image` (a compose service when `service` is
    /// given).
    pub fn covers(&self, service: Option<&str>, image: &str) -> bool {
        match self {
            Scope::Image(reference) => image_matches(reference, image),
            Scope::Service(name) => service == Some(name.as_str()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Image(reference) => f.write_str(reference),
            Scope::Service(name) => write!(f, "service {name}"),
        }
    }
}

/// One waiver of the project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub rule: &'static str,
    pub scope: Scope,
    pub reason: String,
    pub expires: Option<Date>,
    /// Where it is written: the file as shown in messages, and the waiver's line and column.
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Waiver {
    /// `file:line:column`, for messages.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }

    /// Whether the waiver no longer applies on `today` (it applies through its expiry date).
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|date| date < today)
    }
}

/// One `--allow` value: `RULE` or `RULE=REASON`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub rule: &'static str,
    pub reason: Option<String>,
}

/// Every waiver an invocation knows of: its `--allow` values, the project file's waivers, and
/// the date that decides which of those have expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waivers {
    pub allowed: Vec<Allowed>,
    pub project: Vec<Waiver>,
    pub today: Date,
}

/// The waivers that concern one container or service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied<'a> {
    allowed: &'a [Allowed],
    /// Project waivers whose scope covers it and that have not expired.
    waivers: Vec<&'a Waiver>,
    /// Project waivers whose scope covers it but that have expired.
    expired: Vec<&'a Waiver>,
}

impl Waivers {
    /// Only `--allow` values, no project file.
    pub fn allowed_only(allowed: Vec<Allowed>, today: Date) -> Waivers {
        Waivers {
            allowed,
            project: Vec::new(),
            today,
        }
    }

    /// The waivers for a `docker run`/`create` of `image`: `--allow`, and the project waivers
    /// scoped to the image.
    pub fn for_container(&self, image: &str) -> Applied<'_> {
        self.select(None, image)
    }

    /// The waivers for the compose service `name` (of `image`, empty when it has none):
    /// `--allow`, and the project waivers scoped to the service or to its image.
    pub fn for_service(&self, name: &str, image: &str) -> Applied<'_> {
        self.select(Some(name), image)
    }

    fn select(&self, service: Option<&str>, image: &str) -> Applied<'_> {
        let (expired, waivers) = self
            .project
            .iter()
            .filter(|w| w.scope.covers(service, image))
            .partition(|w| w.expired(self.today));
        Applied {
            allowed: &self.allowed,
            waivers,
            expired,
        }
    }
}

impl Applied<'_> {
    /// The ids of the rules waived, for `plan::plan`.
    pub fn rules(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let all = self
            .allowed
            .iter()
            .map(|a| a.rule)
            .chain(self.waivers.iter().map(|w| w.rule));
        for id in all {
            if !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
        ids
    }

    /// Whether a rule is waived (by `--allow` or a project waiver in force).
    fn covers(&self, rule: &str) -> bool {
        self.allowed.iter().any(|a| a.rule == rule) || self.waivers.iter().any(|w| w.rule == rule)
    }

    /// One line per waiver with a reason, and per expired waiver, for `--explain` and JSON.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for allowed in self.allowed {
            if let Some(reason) = &allowed.reason {
                notes.push(format!("waiver: {} (--allow): {reason}", allowed.rule));
            }
        }
        for waiver in &self.waivers {
            let until = waiver
                .expires
                .map(|date| format!(" until {date}"))
                .unwrap_or_default();
            notes.push(format!(
                "waiver: {} for {}{until}: {} ({})",
                waiver.rule,
                waiver.scope,
                waiver.reason,
                waiver.location()
            ));
        }
        for waiver in &self.expired {
            notes.push(format!(
                "waiver: {} for {} expired on {} ({}): not applied",
                waiver.rule,
                waiver.scope,
                waiver.expires.expect("an expired waiver has a date"),
                waiver.location()
            ));
        }
        notes
    }

    /// Says in the plan why rules are waived, and what expired: a waived change gets the
    /// waiver's reason, a refusal the expired waiver for its rule, and an expired waiver whose
    /// rule did not refuse becomes a warning (the rule applies again).
    pub fn annotate(&self, plan: &mut Plan) {
        let mut labels: Vec<Edit> = Vec::new();
        for change in &mut plan.changes {
            match change.kind {
                ChangeKind::Waived => {
                    let why = self.reasons(change.rule);
                    if !why.is_empty() {
                        change.reason = format!("{} ({})", change.reason, why.join("; "));
                        // On the container too, so that `verify` can say why.
                        let label = Edit::Label {
                            key: format!("{}{}", crate::plan::WAIVER_REASON_LABEL, change.rule),
                            value: why.join("; "),
                        };
                        if !labels.contains(&label) {
                            labels.push(label);
                        }
                    }
                }
                ChangeKind::Refused => {
                    for waiver in self.expired.iter().filter(|w| w.rule == change.rule) {
                        change.reason = format!("{}; {}", change.reason, expired_waiver(waiver));
                    }
                }
                _ => {}
            }
        }
        if let Some(provenance) = plan.changes.iter_mut().find(|c| c.rule == PROVENANCE) {
            provenance.edits.extend(labels);
        }
        let at = plan
            .changes
            .iter()
            .position(|c| c.rule == PROVENANCE)
            .unwrap_or(plan.changes.len());
        let warnings: Vec<Change> = self
            .expired
            .iter()
            .filter(|w| !self.covers(w.rule))
            .filter(|w| {
                !plan
                    .changes
                    .iter()
                    .any(|c| c.rule == w.rule && c.kind == ChangeKind::Refused)
            })
            .map(|waiver| Change {
                rule: waiver.rule,
                kind: ChangeKind::Warned,
                reason: format!(
                    "the waiver for {} expired on {} ({}): the rule applies again",
                    waiver.scope,
                    waiver.expires.expect("an expired waiver has a date"),
                    waiver.location()
                ),
                offending: None,
                edits: Vec::new(),
            })
            .collect();
        plan.changes.splice(at..at, warnings);
    }

    /// Why `rule` is waived: the `--allow` reason and the project waivers' reasons.
    fn reasons(&self, rule: &str) -> Vec<String> {
        let allowed = self
            .allowed
            .iter()
            .filter(|a| a.rule == rule)
            .filter_map(|a| a.reason.as_ref())
            .map(|reason| format!("--allow: {reason}"));
        let project = self.waivers.iter().filter(|w| w.rule == rule).map(|w| {
            let until = w
                .expires
                .map(|date| format!(" until {date}"))
                .unwrap_or_default();
            format!("waiver at {}{until}: {}", w.location(), w.reason)
        });
        allowed.chain(project).collect()
    }
}

/// "a waiver for RULE expired on DATE (FILE:LINE:COLUMN)".
fn expired_waiver(waiver: &Waiver) -> String {
    format!(
        "a waiver for {} expired on {} ({})",
        waiver.rule,
        waiver.expires.expect("an expired waiver has a date"),
        waiver.location()
    )
}

/// Whether `profile` is `strict` or extends it, where `--allow` needs a reason.
pub fn requires_reason(profile: &Profile) -> bool {
    profile.name == REASON_REQUIRED_UNDER
        || profile.extends.iter().any(|p| p == REASON_REQUIRED_UNDER)
}

/// Reads the `--allow` values: `RULE` or `RULE=REASON` (split at the first `=`). The rule must
/// be known; the reason, when given, must not be empty, and is mandatory under `strict`.
pub fn parse_allow(values: &[String], profile: &Profile) -> Result<Vec<Allowed>, String> {
    let reason_required = requires_reason(profile);
    values
        .iter()
        .map(|value| {
            let (id, reason) = match value.split_once('=') {
                Some((id, reason)) => (id, Some(reason.trim())),
                None => (value.as_str(), None),
            };
            let rule = rules::find(id).ok_or_else(|| {
                let help = did_you_mean(id, RULES.iter().map(|r| r.id))
                    .map(|s| format!("did you mean '{s}'?"))
                    .unwrap_or_else(|| "`hardrun rules` lists the rule ids".into());
                format!("unknown rule '{id}' in --allow\nhelp: {help}")
            })?;
            match reason {
                Some("") => Err(format!(
                    "--allow '{value}' gives an empty reason\nhelp: write --allow '{id}=why this container cannot follow the rule'"
                )),
                None if reason_required => Err(format!(
                    "profile '{}' needs a reason for every waiver, and --allow {id} gives none\nhelp: say why: --allow '{id}=why this container cannot follow the rule'",
                    profile.name
                )),
                reason => Ok(Allowed {
                    rule: rule.id,
                    reason: reason.map(str::to_owned),
                }),
            }
        })
        .collect()
}

/// Parses the project file's text. `file` names it in errors (`file:line:column: …`).
pub fn parse(file: &str, text: &str) -> Result<Vec<Waiver>, ProfileError> {
    let root = raw::parse(text).map_err(|error| yaml_error(file, &error))?;
    let entries = match &root.value {
        Value::Null => return Ok(Vec::new()),
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
    let mut waivers = Vec::new();
    for (key, value) in entries {
        match key.text.as_str() {
            "waivers" => waivers = read_waivers(file, value)?,
            other => {
                return Err(ProfileError::invalid(
                    file,
                    key.at(),
                    format!("unknown key '{other}'"),
                    Some(help_for(other, TOP_KEYS, "the project file takes: waivers")),
                ));
            }
        }
    }
    Ok(waivers)
}

const SHAPE_HELP: &str = "write `waivers:` followed by items such as `- {rule: no-privileged, image: REPOSITORY, reason: \"why\"}`";

fn yaml_error(file: &str, error: &raw::Error) -> ProfileError {
    use raw::ErrorKind as Kind;
    let message = match &error.kind {
        Kind::Syntax(_) | Kind::DuplicateKey { .. } => format!("invalid YAML: {}", error.kind),
        Kind::Tag => "tags are not supported in the project file".into(),
        Kind::MultipleDocuments => {
            "the project file is one YAML document, but a second one starts here".into()
        }
        Kind::TooLarge => format!(
            "the project file expands to more than {} values through aliases",
            raw::MAX_NODES
        ),
        _ => error.kind.to_string(),
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
                let text = scalar(file, value)?.trim();
                let new = if key.text == "image" {
                    check_image(text).map_err(|problem| {
                        at(
                            value.at(),
                            format!("invalid image reference '{text}': {problem}"),
                            "write a repository, with or without a tag: `ghcr.io/acme/app` or `ghcr.io/acme/app:1.4`",
                        )
                    })?;
                    Scope::Image(text.to_owned())
                } else {
                    if text.is_empty() {
                        return Err(at(
                            value.at(),
                            "the service name is empty".into(),
                            "write the name of a compose service, such as `service: web`",
                        ));
                    }
                    Scope::Service(text.to_owned())
                };
                scope = Some((key, new));
            }
            "reason" => {
                let text = scalar(file, value)?.trim();
                if text.is_empty() {
                    return Err(at(
                        value.at(),
                        "the reason is empty".into(),
                        "say why the rule cannot be followed, such as `reason: \"writes to /var/lib/app until v2\"`",
                    ));
                }
                reason = Some(text.to_owned());
            }
            "expires" => {
                let text = scalar(file, value)?.trim();
                let date = Date::parse(text).map_err(|problem| {
                    at(
                        value.at(),
                        problem,
                        "write the last day the waiver applies as YYYY-MM-DD, such as 2027-03-31",
                    )
                })?;
                expires = Some(date);
            }
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

/// An image reference split into a normalized repository, a tag and a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference<'a> {
    repository: String,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

fn reference(text: &str) -> Reference<'_> {
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    let (repository, tag) = match rest.rfind(':') {
        Some(colon) if !rest[colon + 1..].contains('/') => {
            (&rest[..colon], Some(&rest[colon + 1..]))
        }
        _ => (rest, None),
    };
    Reference {
        repository: normalize(repository),
        tag,
        digest,
    }
}

/// docker's normalization: `nginx` is `docker.io/library/nginx`, `acme/app` is
/// `docker.io/acme/app`; a first component with a `.` or a `:`, or `localhost`, is a registry.
fn normalize(repository: &str) -> String {
    let (domain, path) = match repository.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest)
        }
        _ => ("docker.io", repository),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    if domain == "docker.io" && !path.contains('/') {
        format!("{domain}/library/{path}")
    } else {
        format!("{domain}/{path}")
    }
}

/// Why `text` cannot be a waiver's image reference, if it cannot.
fn check_image(text: &str) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("it is empty");
    }
    if text.chars().any(char::is_whitespace) {
        return Err("it contains white space");
    }
    let parts = reference(text);
    if parts.repository.ends_with('/') || text.starts_with(['/', ':', '@']) {
        return Err("the repository is empty");
    }
    if parts.tag == Some("") {
        return Err("the tag after ':' is empty");
    }
    if parts.digest == Some("") {
        return Err("the digest after '@' is empty");
    }
    Ok(())
}

/// Whether a waiver's image reference covers the image of a container: the same repository
/// (after docker's normalization), and the same tag and digest when the waiver names them. An
/// image without a tag or digest is `:latest`, as docker reads it.
pub fn image_matches(waiver: &str, image: &str) -> bool {
    if image.is_empty() {
        return false;
    }
    let wanted = reference(waiver);
    let actual = reference(image);
    let actual_tag = actual
        .tag
        .or_else(|| actual.digest.is_none().then_some("latest"));
    wanted.repository == actual.repository
        && wanted.tag.is_none_or(|tag| Some(tag) == actual_tag)
        && wanted
            .digest
            .is_none_or(|digest| Some(digest) == actual.digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{self, builtin::Builtins};
    use crate::rules::Context;
    use crate::spec::ContainerSpec;

    fn error(text: &str) -> String {
        parse(".hardrun.yaml", text)
            .expect_err("should not parse")
            .to_string()
    }

    fn date(text: &str) -> Date {
        Date::parse(text).expect("a valid date")
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
        let waivers = parse(".hardrun.yaml", EXAMPLE).unwrap();
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
        assert_eq!(parse("f", ""), Ok(vec![]));
        assert_eq!(parse("f", "# nothing yet\n"), Ok(vec![]));
        assert_eq!(parse("f", "waivers:\n"), Ok(vec![]));
        assert_eq!(parse("f", "waivers: []\n"), Ok(vec![]));
    }

    #[test]
    fn flow_style_and_quoted_dates_parse() {
        let waivers = parse(
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

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(
            date("2027-03-31"),
            Date {
                year: 2027,
                month: 3,
                day: 31
            }
        );
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(date("2000-02-29").to_string(), "2000-02-29");
        assert_eq!(
            Date::parse("2023-02-29"),
            Err("invalid date '2023-02-29': February 2023 has 28 days".into())
        );
        assert_eq!(
            Date::parse("1900-02-29"),
            Err("invalid date '1900-02-29': February 1900 has 28 days".into())
        );
        assert_eq!(
            Date::parse("2027-04-31"),
            Err("invalid date '2027-04-31': April 2027 has 30 days".into())
        );
        assert_eq!(
            Date::parse("2027-13-01"),
            Err("invalid date '2027-13-01': there is no month 13".into())
        );
        assert_eq!(
            Date::parse("2027-00-10"),
            Err("invalid date '2027-00-10': there is no month 0".into())
        );
        assert!(Date::parse("2027-01-00").is_err());
        assert!(Date::parse("0000-01-01").is_err());
        for bad in [
            "2027-3-31",
            "31/03/2027",
            "2027-03-31T00:00:00Z",
            "",
            "20270331",
            "２０２７-03-31",
        ] {
            assert_eq!(
                Date::parse(bad),
                Err(format!("invalid date '{bad}': expected YYYY-MM-DD")),
                "{bad}"
            );
        }
        assert!(
            is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(1900) && !is_leap_year(2023)
        );
        assert_eq!(Date::new(2023, 2, 29), None);
        assert!(date("2025-01-31") < date("2025-02-01"));
        assert!(date("2025-12-31") < date("2026-01-01"));
    }

    #[test]
    fn unix_days_become_utc_dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(19_783).to_string(), "2024-03-01");
        assert_eq!(Date::from_unix_days(20_089).to_string(), "2025-01-01");
        // Every day of four centuries round-trips through the calendar, in order.
        let mut previous = Date::from_unix_days(-1);
        for days in 0..146_097 {
            let day = Date::from_unix_days(days);
            assert_eq!(Date::new(day.year, day.month, day.day), Some(day));
            assert!(previous < day);
            previous = day;
        }
    }

    #[test]
    fn image_scopes_match_the_repository_and_any_tag_they_name() {
        assert!(image_matches("ghcr.io/acme/legacy", "ghcr.io/acme/legacy"));
        assert!(image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy:1.2"
        ));
        assert!(image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy:1.2@sha256:abc"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy2"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy/sub"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy",
            "docker.io/acme/legacy"
        ));
        assert!(!image_matches("ghcr.io/acme/legacy", ""));
        assert!(image_matches(
            "ghcr.io/acme/legacy:1.2",
            "ghcr.io/acme/legacy:1.2"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy:1.2",
            "ghcr.io/acme/legacy:1.3"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy:1.2",
            "ghcr.io/acme/legacy"
        ));
        // docker's normalization.
        assert!(image_matches("nginx", "docker.io/library/nginx:1.27"));
        assert!(image_matches("docker.io/library/nginx:1.27", "nginx:1.27"));
        assert!(image_matches("acme/app", "index.docker.io/acme/app:2"));
        assert!(!image_matches("nginx", "acme/nginx"));
        assert!(image_matches(
            "localhost:5000/app",
            "localhost:5000/app:dev"
        ));
        assert!(!image_matches(
            "localhost:5000/app",
            "localhost:5001/app:dev"
        ));
        // No tag is `latest`, unless the image is pinned by digest alone.
        assert!(image_matches("nginx:latest", "nginx"));
        assert!(!image_matches("nginx:latest", "nginx@sha256:abc"));
        assert!(image_matches("nginx@sha256:abc", "nginx:1.27@sha256:abc"));
        assert!(!image_matches("nginx@sha256:abc", "nginx:1.27"));
    }

    #[test]
    fn scopes_cover_images_or_services() {
        let image = Scope::Image("ghcr.io/acme/legacy".into());
        let service = Scope::Service("monitor".into());
        assert!(image.covers(None, "ghcr.io/acme/legacy:1"));
        assert!(image.covers(Some("web"), "ghcr.io/acme/legacy:1"));
        assert!(!service.covers(None, "monitor"));
        assert!(service.covers(Some("monitor"), "gcr.io/cadvisor/cadvisor:v0.49.1"));
        assert!(!service.covers(Some("web"), ""));
    }

    fn project(expires: Option<&str>) -> Waivers {
        Waivers {
            allowed: Vec::new(),
            project: vec![Waiver {
                rule: "no-privileged",
                scope: Scope::Image("busybox".into()),
                reason: "loads a kernel module".into(),
                expires: expires.map(date),
                file: ".hardrun.yaml".into(),
                line: 2,
                column: 5,
            }],
            today: date("2026-06-15"),
        }
    }

    #[test]
    fn a_waiver_applies_through_its_expiry_date_and_not_after() {
        for (expires, applies) in [
            (None, true),
            (Some("2026-06-16"), true),
            (Some("2026-06-15"), true),
            (Some("2026-06-14"), false),
        ] {
            let waivers = project(expires);
            let applied = waivers.for_container("busybox:1.36");
            assert_eq!(applied.rules().len(), usize::from(applies), "{expires:?}");
            assert_eq!(applied.expired.len(), usize::from(!applies), "{expires:?}");
        }
        let waivers = project(None);
        assert!(waivers.for_container("alpine:3").rules().is_empty());
        assert!(waivers.for_service("web", "alpine:3").rules().is_empty());
        assert_eq!(
            waivers.for_service("web", "busybox").rules(),
            ["no-privileged"]
        );
    }

    fn privileged_plan(profile: &str, waivers: &Waivers, image: &str) -> Plan {
        let profile = profile::load(profile, &Builtins).unwrap();
        let spec = ContainerSpec {
            image: image.into(),
            privileged: Some(crate::spec::Sourced::new(true, "--privileged")),
            ..ContainerSpec::default()
        };
        let applied = waivers.for_container(image);
        let mut plan = crate::plan::plan(&profile, &spec, &applied.rules(), &Context::default());
        applied.annotate(&mut plan);
        plan
    }

    fn change<'a>(plan: &'a Plan, rule: &str) -> &'a Change {
        plan.changes
            .iter()
            .find(|c| c.rule == rule)
            .expect("a change for the rule")
    }

    #[test]
    fn an_applied_waiver_waives_with_its_reason() {
        let waivers = project(Some("2026-12-31"));
        let plan = privileged_plan("baseline", &waivers, "busybox:1.36");
        assert!(!plan.is_refused());
        let waived = change(&plan, "no-privileged");
        assert_eq!(waived.kind, ChangeKind::Waived);
        assert!(
            waived
                .reason
                .ends_with("(waiver at .hardrun.yaml:2:5 until 2026-12-31: loads a kernel module)"),
            "{}",
            waived.reason
        );
        assert_eq!(
            waivers.for_container("busybox:1.36").notes(),
            [
                "waiver: no-privileged for busybox until 2026-12-31: loads a kernel module (.hardrun.yaml:2:5)"
            ]
        );
    }

    #[test]
    fn an_expired_waiver_is_named_in_the_refusal() {
        let waivers = project(Some("2025-01-31"));
        let plan = privileged_plan("baseline", &waivers, "busybox:1.36");
        assert!(plan.is_refused());
        assert!(
            change(&plan, "no-privileged").reason.ends_with(
                "; a waiver for no-privileged expired on 2025-01-31 (.hardrun.yaml:2:5)"
            ),
            "{plan:?}"
        );
        assert_eq!(
            waivers.for_container("busybox:1.36").notes(),
            [
                "waiver: no-privileged for busybox expired on 2025-01-31 (.hardrun.yaml:2:5): not applied"
            ]
        );
    }

    #[test]
    fn an_expired_waiver_whose_rule_does_not_refuse_is_a_warning() {
        let mut waivers = project(Some("2025-01-31"));
        waivers.project[0].rule = "read-only-rootfs";
        let plan = privileged_plan("production", &waivers, "busybox:1.36");
        let warning = plan
            .changes
            .iter()
            .find(|c| c.rule == "read-only-rootfs" && c.kind == ChangeKind::Warned)
            .expect("a warning");
        assert_eq!(
            warning.reason,
            "the waiver for busybox expired on 2025-01-31 (.hardrun.yaml:2:5): the rule applies again"
        );
        // Still planned as usual.
        assert!(
            plan.changes
                .iter()
                .any(|c| c.rule == "read-only-rootfs" && c.kind == ChangeKind::Added)
        );
        // An `--allow` covering the rule silences it.
        waivers.allowed.push(Allowed {
            rule: "read-only-rootfs",
            reason: None,
        });
        let plan = privileged_plan("production", &waivers, "busybox:1.36");
        assert!(
            !plan
                .changes
                .iter()
                .any(|c| c.kind == ChangeKind::Warned && c.rule == "read-only-rootfs")
        );
    }

    fn allow(values: &[&str], profile: &str) -> Result<Vec<Allowed>, String> {
        let profile = profile::load(profile, &Builtins).unwrap();
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        parse_allow(&values, &profile)
    }

    #[test]
    fn allow_takes_an_optional_reason_after_the_first_equals_sign() {
        assert_eq!(
            allow(&["no-privileged", "pids-limit=needs = many"], "baseline"),
            Ok(vec![
                Allowed {
                    rule: "no-privileged",
                    reason: None
                },
                Allowed {
                    rule: "pids-limit",
                    reason: Some("needs = many".into())
                },
            ])
        );
        assert_eq!(
            allow(&["no-priviliged=x"], "baseline"),
            Err(
                "unknown rule 'no-priviliged' in --allow\nhelp: did you mean 'no-privileged'?"
                    .into()
            )
        );
        assert!(
            allow(&["no-privileged= "], "baseline")
                .unwrap_err()
                .contains("empty reason")
        );
    }

    #[test]
    fn strict_needs_a_reason_for_every_allow() {
        assert!(requires_reason(
            &profile::load("strict", &Builtins).unwrap()
        ));
        assert!(!requires_reason(
            &profile::load("production", &Builtins).unwrap()
        ));
        let refused = allow(&["no-privileged"], "strict").unwrap_err();
        assert_eq!(
            refused,
            "profile 'strict' needs a reason for every waiver, and --allow no-privileged gives none\n\
             help: say why: --allow 'no-privileged=why this container cannot follow the rule'"
        );
        assert_eq!(
            allow(&["no-privileged=needed for X"], "strict"),
            Ok(vec![Allowed {
                rule: "no-privileged",
                reason: Some("needed for X".into())
            }])
        );
        let mut child = profile::load("production", &Builtins).unwrap();
        child.name = "ours".into();
        child.extends = vec!["strict".into(), "production".into()];
        assert!(requires_reason(&child));
        child.extends.remove(0);
        assert!(!requires_reason(&child));
    }

    #[test]
    fn allow_reasons_are_noted_and_shown_on_the_waived_change() {
        let waivers = Waivers::allowed_only(
            vec![Allowed {
                rule: "no-privileged",
                reason: Some("needed for X".into()),
            }],
            date("2026-01-01"),
        );
        let applied = waivers.for_container("busybox:1.36");
        assert_eq!(
            applied.notes(),
            ["waiver: no-privileged (--allow): needed for X"]
        );
        let plan = privileged_plan("baseline", &waivers, "busybox:1.36");
        assert!(
            change(&plan, "no-privileged")
                .reason
                .ends_with("(--allow: needed for X)")
        );
    }
}

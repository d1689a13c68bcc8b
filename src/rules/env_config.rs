//! `env-config`: the container's configuration, checked before it starts: variables the
//! application needs (`required`), and the format of their values (`formats`).
//!
//! The rule judges the effective environment, whatever the front end: `-e NAME=value`, `-e NAME`
//! with the value docker takes from the environment, `--env-file` lines, a compose service's
//! resolved `environment` (its `env_file`s included), a container's `Config.Env` for `verify`.
//! When a name is set more than once the last value counts, as in the container. Variables the
//! image sets with `ENV` are not seen on the run path.
//!
//! * `required: [{name, description, hint}]` (or just names): a variable that is not set, is
//!   named without a value (`-e NAME` with `NAME` unset: docker leaves it unset), or is empty, is
//!   a finding naming the variable, its description and the hint.
//! * `formats: [{name, type, …}]`: a variable that is set must have the format. The types are
//!   `url` (`scheme://…`, with `schemes: [postgresql, postgres]` to restrict the scheme; a port
//!   in the authority must be a number up to 65535), `port` (1 to 65535), `email` (the WHATWG
//!   "valid e-mail address"), `bool` (`true`, `false`, `1`, `0`, `yes`, `no`, `on`, `off`, in any
//!   case), `path` (absolute), `int` (decimal, optionally signed, 64-bit), `regex` (`pattern`,
//!   matched against the whole value).
//!
//! The rule only checks, it never edits: at `deny` a finding refuses the container, at `warn`,
//! `set` and `enforce` it is reported as a warning. A finding names the variable, the rule and
//! the expected format, never the value.

use std::fmt;

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, EnvSource, EnvVar};

pub const RULE: Rule = Rule {
    id: "env-config",
    title: "Check required environment variables and their formats",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &[],
    owasp: &[],
    protects: "A container started without the configuration it needs, or with a malformed value \
               (a database url of the wrong scheme, a port that is not a number), fails later and \
               further from the cause: at its first request, or by falling back to a default \
               such as an empty password or a local database.",
    may_break: "Nothing runs differently; at deny a container whose environment does not match \
                the profile is refused. Variables the image sets with ENV are not seen on the run \
                path: declare only what the command line or the compose file must give.",
    params: &[("required", "[]"), ("formats", "[]")],
    example: "docker run -e DATABASE_URL=mysql://db/app app:1",
    assess,
};

/// A variable the container must have, from `required:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    pub name: String,
    /// What the variable is for, shown when it is missing.
    pub description: Option<String>,
    /// How to set it, shown when it is missing.
    pub hint: Option<String>,
}

/// A format a variable's value must have, from `formats:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pub name: String,
    pub kind: FormatKind,
}

/// The formats a profile can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatKind {
    /// `scheme://…`; when `schemes` is not empty, one of them (compared without case).
    Url {
        schemes: Vec<String>,
    },
    Port,
    Email,
    Bool,
    Path,
    Int,
    Regex(Pattern),
}

impl FormatKind {
    /// The `type:` names, in the order the docs list them.
    pub const TYPES: [&'static str; 7] = ["url", "port", "email", "bool", "path", "int", "regex"];

    /// The `type:` name.
    pub fn name(&self) -> &'static str {
        match self {
            FormatKind::Url { .. } => "url",
            FormatKind::Port => "port",
            FormatKind::Email => "email",
            FormatKind::Bool => "bool",
            FormatKind::Path => "path",
            FormatKind::Int => "int",
            FormatKind::Regex(_) => "regex",
        }
    }

    /// What a value of this format is, for messages.
    pub fn expected(&self) -> String {
        match self {
            FormatKind::Url { schemes } if schemes.is_empty() => "a url (scheme://…)".into(),
            FormatKind::Url { schemes } => {
                format!("a url with scheme {} (scheme://…)", one_of(schemes))
            }
            FormatKind::Port => "a port number from 1 to 65535".into(),
            FormatKind::Email => "an email address".into(),
            FormatKind::Bool => "a boolean: true, false, 1, 0, yes, no, on or off".into(),
            FormatKind::Path => "an absolute path".into(),
            FormatKind::Int => "an integer".into(),
            FormatKind::Regex(pattern) => format!("a value matching {}", pattern.text()),
        }
    }

    /// Whether `value` has this format; when not, why, without quoting the value.
    pub fn check(&self, value: &str) -> Result<(), &'static str> {
        match self {
            FormatKind::Url { schemes } => check_url(value, schemes),
            FormatKind::Port => match value.parse::<u32>() {
                Ok(1..=65535) if value.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
                Ok(_) if value.bytes().all(|b| b.is_ascii_digit()) => Err("it is out of range"),
                _ => Err("it is not a number"),
            },
            FormatKind::Email => is_email(value)
                .then_some(())
                .ok_or("it is not of the form name@domain"),
            FormatKind::Bool => {
                const WORDS: [&str; 8] = ["true", "false", "1", "0", "yes", "no", "on", "off"];
                WORDS
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(value))
                    .then_some(())
                    .ok_or("it is not one of these words")
            }
            FormatKind::Path => value
                .starts_with('/')
                .then_some(())
                .ok_or("it does not start with /"),
            FormatKind::Int => {
                let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    Err("it is not a decimal number")
                } else if value.parse::<i64>().is_err() {
                    Err("it does not fit in 64 bits")
                } else {
                    Ok(())
                }
            }
            FormatKind::Regex(pattern) => pattern
                .is_match(value)
                .then_some(())
                .ok_or("it does not match"),
        }
    }
}

/// A regular expression from a profile, matched against whole values. Compared by its text.
#[derive(Clone)]
pub struct Pattern {
    text: String,
    whole: regex::Regex,
}

impl Pattern {
    /// Compiles a pattern; the error is the regex crate's own explanation.
    pub fn new(text: &str) -> Result<Pattern, String> {
        // Checked as written first: wrapping could balance a stray parenthesis.
        regex::Regex::new(text).map_err(|e| regex_error(&e))?;
        let whole = regex::Regex::new(&format!("^(?:{text})$")).map_err(|e| regex_error(&e))?;
        Ok(Pattern {
            text: text.to_owned(),
            whole,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the whole value matches.
    pub fn is_match(&self, value: &str) -> bool {
        self.whole.is_match(value)
    }
}

/// The last line of the regex crate's message (`error: unclosed group`), or all of it.
fn regex_error(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find_map(|line| line.strip_prefix("error: "))
        .map_or_else(|| text.clone(), str::to_owned)
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.text == other.text
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.text).finish()
    }
}

fn one_of(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn check_url(value: &str, schemes: &[String]) -> Result<(), &'static str> {
    let Some((scheme, rest)) = value.split_once("://") else {
        return Err("it is not of the form scheme://…");
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err("it does not start with a scheme");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let port = match host_port.rsplit_once(']') {
        Some((_, after)) => after.strip_prefix(':'),
        None => host_port.rsplit_once(':').map(|(_, p)| p),
    };
    if let Some(port) = port.filter(|p| !p.is_empty())
        && !(port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= 65535))
    {
        return Err("its port is not a number from 0 to 65535");
    }
    if !schemes.is_empty() && !schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        return Err("its scheme is another");
    }
    Ok(())
}

/// The WHATWG "valid e-mail address": `atext` characters and dots, `@`, then dot-separated
/// labels of letters, digits and inner hyphens, 63 characters at most.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    local_ok && domain.split('.').all(label_ok)
}

/// The variables as the container will see them: the last entry of each name.
fn effective(env: &[EnvVar]) -> Vec<&EnvVar> {
    let mut out: Vec<&EnvVar> = Vec::new();
    for var in env {
        match out.iter_mut().find(|v| v.name == var.name) {
            Some(slot) => *slot = var,
            None => out.push(var),
        }
    }
    out
}

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let required = params.required.as_deref().unwrap_or_default();
    let formats = params.formats.as_deref().unwrap_or_default();
    if required.is_empty() && formats.is_empty() {
        // Nothing declared (the built-ins): nothing to report, in explain or verify.
        return Vec::new();
    }
    let env = effective(&spec.env);
    let find = |name: &str| env.iter().copied().find(|v| v.name == name);
    let mut findings = Vec::new();
    for wanted in required {
        let name = &wanted.name;
        let (offending, state) = match find(name) {
            None => (format!("a missing {name}"), "is not set"),
            Some(var) => match var.value.as_deref() {
                None => (
                    var.origin.clone(),
                    "has no value: it is not set in your environment, so docker leaves it unset",
                ),
                Some("") => (var.origin.clone(), "is empty"),
                Some(_) => continue,
            },
        };
        let about = wanted
            .description
            .as_ref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let hint = wanted.hint.clone().unwrap_or_else(|| {
            format!(
                "set it with -e {name}=…, a line of an --env-file, or the service's environment"
            )
        });
        findings.push(Finding::Forbidden {
            offending,
            reason: format!("{name}{about} is required and {state}; {hint}"),
        });
    }
    for format in formats {
        let name = &format.name;
        let Some(var) = find(name) else { continue };
        let Some(value) = var.value.as_deref() else {
            continue;
        };
        if value.is_empty() && required.iter().any(|r| r.name == *name) {
            continue; // already reported as required
        }
        if let Err(why) = format.kind.check(value) {
            let quotes = matches!(var.source, EnvSource::EnvFile { .. }) && is_quoted(value);
            let note = if quotes {
                "; docker keeps the quotes around an env file's value as part of it"
            } else {
                ""
            };
            findings.push(Finding::Forbidden {
                offending: var.origin.clone(),
                reason: format!(
                    "{name} must be {} (format '{}'): {why}{note}",
                    format.kind.expected(),
                    format.kind.name()
                ),
            });
        }
    }
    if findings.is_empty() {
        vec![Finding::Satisfied(format!(
            "{} required variable{} set, {} format{} checked",
            required.len(),
            plural(required.len()),
            formats.len(),
            plural(formats.len())
        ))]
    } else {
        findings
    }
}

fn is_quoted(value: &str) -> bool {
    value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Parameters that make the rule's example act, for the registry's tests.
#[cfg(test)]
pub(crate) fn example_params() -> Params {
    Params {
        formats: Some(vec![Format {
            name: "DATABASE_URL".into(),
            kind: FormatKind::Url {
                schemes: vec!["postgresql".into(), "postgres".into()],
            },
        }]),
        ..Params::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, value: Option<&str>) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: value.map(str::to_owned),
            origin: match value {
                Some(_) => format!("-e {name}=***"),
                None => format!("-e {name}"),
            },
            source: match value {
                Some(_) => EnvSource::CommandLine,
                None => EnvSource::HostEnvironment,
            },
        }
    }

    fn spec(vars: Vec<EnvVar>) -> ContainerSpec {
        ContainerSpec {
            env: vars,
            ..ContainerSpec::default()
        }
    }

    fn required(name: &str) -> Params {
        Params {
            required: Some(vec![Required {
                name: name.into(),
                description: Some("the primary database".into()),
                hint: Some("set it with -e DATABASE_URL=postgresql://…".into()),
            }]),
            ..Params::default()
        }
    }

    fn format(kind: FormatKind) -> Params {
        Params {
            formats: Some(vec![Format {
                name: "V".into(),
                kind,
            }]),
            ..Params::default()
        }
    }

    /// Whether the rule catches `V=value` under this format.
    fn caught(kind: &FormatKind, value: &str) -> bool {
        let found = assess(
            &spec(vec![var("V", Some(value))]),
            &format(kind.clone()),
            &Context::default(),
        );
        match &found[..] {
            [Finding::Satisfied(_)] => false,
            [Finding::Forbidden { offending, reason }] => {
                assert_eq!(offending, "-e V=***");
                assert!(reason.starts_with("V must be "), "{reason}");
                assert!(reason.contains(&format!("(format '{}')", kind.name())));
                if value.len() > 3 {
                    assert!(!reason.contains(value), "{reason} shows the value");
                }
                true
            }
            other => panic!("{other:?}"),
        }
    }

    fn url(schemes: &[&str]) -> FormatKind {
        FormatKind::Url {
            schemes: schemes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn no_declarations_means_no_findings() {
        let found = assess(
            &spec(vec![var("A", Some("1"))]),
            &Params::default(),
            &Context::default(),
        );
        assert_eq!(found, []);
    }

    #[test]
    fn catches_a_missing_required_variable_with_its_description_and_hint() {
        let found = assess(
            &spec(vec![]),
            &required("DATABASE_URL"),
            &Context::default(),
        );
        let [Finding::Forbidden { offending, reason }] = &found[..] else {
            panic!("{found:?}");
        };
        assert_eq!(offending, "a missing DATABASE_URL");
        assert_eq!(
            reason,
            "DATABASE_URL (the primary database) is required and is not set; set it with -e \
             DATABASE_URL=postgresql://…"
        );
    }

    #[test]
    fn catches_a_required_variable_without_a_value_or_empty() {
        for value in [None, Some("")] {
            let found = assess(
                &spec(vec![var("DATABASE_URL", value)]),
                &required("DATABASE_URL"),
                &Context::default(),
            );
            assert!(
                matches!(&found[..], [Finding::Forbidden { offending, .. }] if offending.starts_with("-e DATABASE_URL")),
                "{found:?}"
            );
        }
        // Set and then unset: the last entry counts.
        let found = assess(
            &spec(vec![
                var("DATABASE_URL", Some("x")),
                var("DATABASE_URL", None),
            ]),
            &required("DATABASE_URL"),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Forbidden { .. }]));
    }

    #[test]
    fn does_not_catch_a_required_variable_that_is_set() {
        let found = assess(
            &spec(vec![var("DATABASE_URL", Some("postgresql://db/app"))]),
            &required("DATABASE_URL"),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]), "{found:?}");
    }

    #[test]
    fn a_default_hint_says_how_to_set_a_variable() {
        let params = Params {
            required: Some(vec![Required {
                name: "PORT".into(),
                description: None,
                hint: None,
            }]),
            ..Params::default()
        };
        let found = assess(&spec(vec![]), &params, &Context::default());
        let [Finding::Forbidden { reason, .. }] = &found[..] else {
            panic!("{found:?}");
        };
        assert!(reason.starts_with("PORT is required and is not set; set it with -e PORT=…"));
    }

    #[test]
    fn url_format() {
        let any = url(&[]);
        let pg = url(&["postgresql", "postgres"]);
        for ok in [
            "postgresql://db/app",
            "postgres://app@db:5432/app?sslmode=require",
            "POSTGRESQL://db",
            "postgresql:///app?host=/run/postgresql",
            "postgresql://[::1]:5432/app",
        ] {
            assert!(!caught(&pg, ok), "{ok}");
        }
        for bad in [
            "mysql://db/app",
            "db:5432",
            "localhost",
            "postgresql://db:port/app",
            "postgresql://db:99999/app",
            "postgresql://db/app name",
            "://db",
            "1pg://db",
        ] {
            assert!(caught(&pg, bad), "{bad}");
        }
        assert!(!caught(&any, "https://example.com:8443/x"));
        assert!(!caught(&any, "redis://cache"));
        assert!(caught(&any, "example.com"));
    }

    #[test]
    fn the_scheme_failure_names_the_allowed_schemes_not_the_value() {
        let found = assess(
            &spec(vec![var("V", Some("mysql://root@db/app"))]),
            &format(url(&["postgresql", "postgres"])),
            &Context::default(),
        );
        let [Finding::Forbidden { reason, .. }] = &found[..] else {
            panic!("{found:?}");
        };
        assert_eq!(
            reason,
            "V must be a url with scheme postgresql or postgres (scheme://…) (format 'url'): its \
             scheme is another"
        );
        assert!(!reason.contains("mysql"));
    }

    #[test]
    fn port() {
        for ok in ["1", "80", "8080", "65535"] {
            assert!(!caught(&FormatKind::Port, ok), "{ok}");
        }
        for bad in [
            "0",
            "65536",
            "-1",
            "+80",
            "80a",
            "",
            " 80",
            "http",
            "99999999999",
        ] {
            assert!(caught(&FormatKind::Port, bad), "{bad}");
        }
    }

    #[test]
    fn email() {
        for ok in [
            "admin@example.com",
            "a.b+tag@mail.example.org",
            "root@localhost",
        ] {
            assert!(!caught(&FormatKind::Email, ok), "{ok}");
        }
        for bad in [
            "admin",
            "admin@",
            "@example.com",
            "a@b@c",
            "a b@example.com",
            "admin@-example.com",
            "admin@example..com",
            "mailto:admin@example.com",
        ] {
            assert!(caught(&FormatKind::Email, bad), "{bad}");
        }
    }

    #[test]
    fn bool() {
        for ok in ["true", "False", "1", "0", "yes", "NO", "on", "off"] {
            assert!(!caught(&FormatKind::Bool, ok), "{ok}");
        }
        for bad in ["", "2", "y", "enabled", "true "] {
            assert!(caught(&FormatKind::Bool, bad), "{bad}");
        }
    }

    #[test]
    fn path() {
        for ok in ["/", "/var/lib/app", "/data dir"] {
            assert!(!caught(&FormatKind::Path, ok), "{ok}");
        }
        for bad in ["", "data", "./data", "~/data"] {
            assert!(caught(&FormatKind::Path, bad), "{bad}");
        }
    }

    #[test]
    fn int() {
        for ok in ["0", "4", "-12", "+7", "9223372036854775807"] {
            assert!(!caught(&FormatKind::Int, ok), "{ok}");
        }
        for bad in ["", "-", "1.5", "1e3", "0x10", "four", "9223372036854775808"] {
            assert!(caught(&FormatKind::Int, bad), "{bad}");
        }
    }

    #[test]
    fn regex_matches_the_whole_value() {
        let levels = FormatKind::Regex(Pattern::new("debug|info|warn|error").unwrap());
        for ok in ["debug", "info", "error"] {
            assert!(!caught(&levels, ok), "{ok}");
        }
        for bad in ["verbose", "debugging", "xinfo", ""] {
            assert!(caught(&levels, bad), "{bad}");
        }
        let anchored = FormatKind::Regex(Pattern::new("^(debug|info)$").unwrap());
        assert!(!caught(&anchored, "info"));
        assert!(caught(&anchored, "warn"));
    }

    #[test]
    fn invalid_patterns_are_errors_even_when_wrapping_would_balance_them() {
        assert_eq!(Pattern::new("(unclosed").unwrap_err(), "unclosed group");
        assert!(Pattern::new("a)|(b").is_err());
    }

    #[test]
    fn formats_skip_variables_that_are_not_set() {
        let found = assess(
            &spec(vec![]),
            &format(FormatKind::Port),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
        let found = assess(
            &spec(vec![var("V", None)]),
            &format(FormatKind::Port),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn a_quoted_env_file_value_gets_a_note_about_docker_keeping_quotes() {
        let var = EnvVar {
            name: "V".into(),
            value: Some("\"8080\"".into()),
            origin: "--env-file .env:1 V=***".into(),
            source: EnvSource::EnvFile {
                path: ".env".into(),
                line: 1,
            },
        };
        let found = assess(
            &spec(vec![var]),
            &format(FormatKind::Port),
            &Context::default(),
        );
        let [Finding::Forbidden { offending, reason }] = &found[..] else {
            panic!("{found:?}");
        };
        assert_eq!(offending, "--env-file .env:1 V=***");
        assert!(
            reason.ends_with("docker keeps the quotes around an env file's value as part of it")
        );
        assert!(!reason.contains("8080"));
    }
}

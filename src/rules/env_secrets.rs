//! `env-secrets`: refuses secrets passed as environment variables, where `docker inspect`, the
//! host's process list, shell history and every child process can read them.
//!
//! A variable is caught by its name or by its value's shape:
//!
//! * Name: the upper-cased name contains one of the `names` fragments. A fragment of six
//!   characters or more (`PASSWORD`, `SECRET`, `API_KEY`, …) matches anywhere in the name
//!   (`DBPASSWORD`, `API_KEYS`). A shorter one (`TOKEN`, `AUTH`) must match whole `_`-separated
//!   words, so `BASIC_AUTH` and `GITHUB_TOKEN` are caught but `AUTHOR` and `MAX_TOKENS` are not.
//!   Names ending in `_FILE` and values under `/run/secrets/` are references to a secret, not
//!   secrets.
//! * Value, whatever the name: a URL with a password (`scheme://user:pass@host`), an AWS access
//!   key id (`AKIA`/`ASIA` and 16 upper-case letters or digits), a PEM private key, a GitHub token
//!   (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`).
//!
//! Every value is judged, wherever it comes from: `-e NAME=value`, an `--env-file` line, a value
//! docker copies from hardrun's environment (`-e NAME`, a bare `NAME` in an env file), a compose
//! service's `environment`: all of them end up in the container's configuration, readable with
//! `docker inspect`. The advice fits the source: `NAME_FILE` with a mounted secret on the command
//! line, compose `secrets:` in a compose file, `docker secret` for swarm. A variable whose value
//! is not known (`-e NAME` with `NAME` unset) is not caught.
//! No finding ever quotes a value: origins are already masked, and reasons name the variable.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, EnvSource, EnvVar};

pub const RULE: Rule = Rule {
    id: "env-secrets",
    title: "Do not pass secrets in environment variables",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["4.10"],
    owasp: &["Rule #12"],
    protects: "Environment variables are readable through docker inspect, /proc on the host, \
               shell history and crash dumps, and are inherited by every child process; a mounted \
               secret file is readable only where it is mounted.",
    may_break: "Images that only read secrets from the environment; most official images accept \
                NAME_FILE pointing at a mounted secret. Names such as PASSWORD_POLICY are false \
                positives: waive them with a reason.",
    params: &[(
        "names",
        "PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, APIKEY, PRIVATE_KEY, ACCESS_KEY, \
         CREDENTIAL, AUTH",
    )],
    example: "docker run -e DB_PASSWORD=hunter2 postgres",
    assess,
};

const DEFAULT_NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "AUTH",
];

/// Fragments at least this long match anywhere in a name; shorter ones match whole words.
const SUBSTRING_MIN_LEN: usize = 6;

/// The names of the variables whose values look secret: reports mask their values.
pub fn secret_names(spec: &ContainerSpec, params: &Params) -> Vec<String> {
    let fragments = fragments(params);
    spec.env
        .iter()
        .filter(|var| secret_reason(var, &fragments).is_some())
        .map(|var| var.name.clone())
        .collect()
}

fn fragments(params: &Params) -> Vec<String> {
    match &params.names {
        Some(names) => names
            .iter()
            .map(|n| n.trim().to_ascii_uppercase())
            .collect(),
        None => DEFAULT_NAMES.iter().map(|n| (*n).to_owned()).collect(),
    }
}

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let fragments = fragments(params);
    let findings: Vec<Finding> = spec
        .env
        .iter()
        .filter_map(|var| {
            let reason = secret_reason(var, &fragments)?;
            Some(Finding::Forbidden {
                offending: var.origin.clone(),
                reason,
            })
        })
        .collect();
    if findings.is_empty() {
        vec![Finding::Satisfied(
            "no environment variable looks like a secret".into(),
        )]
    } else {
        findings
    }
}

/// Why this variable looks like a secret. The reason names the variable, never its value.
fn secret_reason(var: &EnvVar, fragments: &[String]) -> Option<String> {
    let value = var.value.as_deref().filter(|v| !v.is_empty())?;
    let name = &var.name;
    if let Some(shape) = secret_shape(value) {
        let advice = advice(var);
        return Some(format!("the value of {name} looks like {shape}; {advice}"));
    }
    let upper = name.to_ascii_uppercase();
    let is_reference = upper.ends_with("_FILE") || value.starts_with("/run/secrets/");
    if !is_reference && fragments.iter().any(|f| name_matches(&upper, f)) {
        let advice = advice(var);
        return Some(format!("the variable {name} looks like a secret; {advice}"));
    }
    None
}

/// How to move the secret out of the environment, fitting where the value comes from.
fn advice(var: &EnvVar) -> String {
    let name = &var.name;
    let mount = format!("mount the secret as a file and pass its path in {name}_FILE");
    match &var.source {
        EnvSource::CommandLine => format!(
            "values given on the command line show in docker inspect and the process list: {mount}"
        ),
        EnvSource::EnvFile { .. } => format!(
            "docker copies env file values into the container's configuration, where docker \
             inspect shows them: {mount} (in a swarm service, a `docker secret`)"
        ),
        EnvSource::HostEnvironment => format!(
            "docker copies the value from your environment into the container's configuration, \
             where docker inspect shows it: {mount} (in a swarm service, a `docker secret`)"
        ),
        EnvSource::Compose => format!(
            "a service's environment shows in docker inspect: declare the secret under compose \
             `secrets:` (a `docker secret` in swarm), give it to the service and pass \
             /run/secrets/<name> in {name}_FILE"
        ),
        EnvSource::Container => format!(
            "the container's configuration holds the value, readable with docker inspect: \
             {mount} (in a swarm service, a `docker secret`)"
        ),
    }
}

/// Why one `NAME=VALUE` pair looks like a secret, by the same tests as an environment
/// variable (the `names` fragments of `params`, the value shapes, the `_FILE` and
/// `/run/secrets/` exemptions), for other front ends such as build arguments. The evidence
/// never quotes the value: `by its name`, or `by its value, which looks like …`. An empty
/// value is not a secret.
pub fn secret_evidence(name: &str, value: &str, params: &Params) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    if let Some(shape) = secret_shape(value) {
        return Some(format!("by its value, which looks like {shape}"));
    }
    let upper = name.to_ascii_uppercase();
    let is_reference = upper.ends_with("_FILE") || value.starts_with("/run/secrets/");
    (!is_reference && fragments(params).iter().any(|f| name_matches(&upper, f)))
        .then(|| "by its name".to_owned())
}

/// Whether an upper-cased name contains a fragment, by the rule in the module docs.
fn name_matches(name: &str, fragment: &str) -> bool {
    if fragment.is_empty() {
        return false;
    }
    if fragment.len() >= SUBSTRING_MIN_LEN {
        return name.contains(fragment);
    }
    // The fragment's words are a run of the name's words: the fragment at the start of the
    // name or after a `_`, and at its end or before a `_`.
    // Overlapping occurrences count: `A_A` is a run of `AA_A_A`'s words at its second `A`.
    let bytes = name.as_bytes();
    let mut from = 0;
    while let Some(found) = name[from..].find(fragment) {
        let at = from + found;
        let end = at + fragment.len();
        if (at == 0 || bytes[at - 1] == b'_') && (end == bytes.len() || bytes[end] == b'_') {
            return true;
        }
        from = at + name[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// What a value looks like, when its shape alone gives it away as a credential.
fn secret_shape(value: &str) -> Option<&'static str> {
    if has_url_password(value) {
        Some("a url with a password")
    } else if has_aws_access_key_id(value) {
        Some("an aws access key id")
    } else if value.contains("-----BEGIN ") && value.contains("PRIVATE KEY-----") {
        Some("a pem private key")
    } else if has_github_token(value) {
        Some("a github token")
    } else {
        None
    }
}

/// `scheme://user:password@host…` anywhere in the value.
fn has_url_password(value: &str) -> bool {
    value.match_indices("://").any(|(at, _)| {
        let rest = &value[at + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(user, password)| !user.is_empty() && !password.is_empty())
    })
}

/// `AKIA` (long-term) or `ASIA` (temporary) followed by 16 upper-case letters or digits.
fn has_aws_access_key_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.windows(20).any(|w| {
        (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
            && w[4..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// A GitHub token prefix followed by at least 20 token characters.
fn has_github_token(value: &str) -> bool {
    const PREFIXES: [&str; 6] = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"];
    PREFIXES.iter().any(|prefix| {
        value.match_indices(prefix).any(|(at, _)| {
            value[at + prefix.len()..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count()
                >= 20
        })
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Whole words, as `name_matches` once read them: the name's `_`-separated words have the
    /// fragment's as a run.
    fn words_match(name: &str, fragment: &str) -> bool {
        let words: Vec<&str> = name.split('_').collect();
        let wanted: Vec<&str> = fragment.split('_').collect();
        words.windows(wanted.len()).any(|window| window == wanted)
    }

    proptest! {
        #[test]
        fn short_fragments_match_whole_words(name in "[AB_]{0,10}", fragment in "[AB_]{1,5}") {
            prop_assert_eq!(name_matches(&name, &fragment), words_match(&name, &fragment));
        }

        #[test]
        fn short_fragments_match_whole_words_in_any_text(name in "[AÉ_]{0,8}", fragment in "[AÉ_]{1,2}") {
            prop_assert_eq!(name_matches(&name, &fragment), words_match(&name, &fragment));
        }
    }

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

    fn findings(vars: Vec<EnvVar>, params: &Params) -> Vec<Finding> {
        let spec = ContainerSpec {
            env: vars,
            ..ContainerSpec::default()
        };
        assess(&spec, params, &Context::default())
    }

    fn caught(name: &str, value: &str) -> bool {
        match &findings(vec![var(name, Some(value))], &Params::default())[..] {
            [Finding::Forbidden { offending, .. }] => {
                assert_eq!(offending, &format!("-e {name}=***"));
                true
            }
            [Finding::Satisfied(_)] => false,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn catches_secret_names() {
        for name in [
            "DB_PASSWORD",
            "DBPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "PGPASSWD",
            "CLIENT_SECRET",
            "GITHUB_TOKEN",
            "TOKEN",
            "STRIPE_API_KEY",
            "API_KEYS",
            "OPENAI_APIKEY",
            "SSH_PRIVATE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "GOOGLE_CREDENTIALS",
            "BASIC_AUTH",
            "AUTH_HEADER",
            "db_password",
        ] {
            assert!(caught(name, "x1"), "{name}");
        }
    }

    #[test]
    fn catches_secret_shaped_values_under_any_name() {
        for value in [
            "postgres://app:s3cr3t@db:5432/app",
            "see https://x-access-token:abc@github.com/org/repo.git",
            "AKIAIOSFODNN7EXAMPLE",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "github_pat_11ABCDEFG0123456789_abcdefghij",
        ] {
            assert!(caught("UPSTREAM", value), "{value}");
        }
    }

    #[test]
    fn catches_the_profiles_own_fragments() {
        let params = Params {
            names: Some(vec!["pin".into()]),
            ..Params::default()
        };
        let found = findings(vec![var("SIM_PIN", Some("1234"))], &params);
        assert!(matches!(&found[..], [Finding::Forbidden { .. }]));
        // The profile's list replaces the default one.
        let found = findings(vec![var("DB_PASSWORD", Some("x"))], &params);
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_short_fragments_inside_words() {
        assert!(!caught("AUTHOR", "jane"));
        assert!(!caught("OAUTHLIB_INSECURE", "1"));
        assert!(!caught("MAX_TOKENS", "4096"));
        assert!(!caught("TOKENIZER", "bpe"));
    }

    #[test]
    fn does_not_catch_references_to_secrets() {
        assert!(!caught("DB_PASSWORD_FILE", "/run/secrets/db"));
        assert!(!caught("DB_PASSWORD", "/run/secrets/db_password"));
        assert!(!caught("DB_PASSWORD", ""));
    }

    #[test]
    fn does_not_catch_ordinary_values() {
        assert!(!caught("UPSTREAM", "https://example.com:8443/path?a=b:c@d"));
        assert!(!caught("REPO", "ssh://git@github.com/org/repo.git"));
        assert!(!caught("MODE", "production"));
        assert!(!caught("BRANCH", "ghp_short"));
    }

    #[test]
    fn does_not_catch_a_variable_whose_value_is_not_known() {
        // `-e DB_PASSWORD` with DB_PASSWORD unset on the host: docker passes no value.
        let found = findings(vec![var("DB_PASSWORD", None)], &Params::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    fn reason_for(source: EnvSource, origin: &str) -> String {
        let found = findings(
            vec![EnvVar {
                name: "DB_PASSWORD".into(),
                value: Some("hunter2-correct-horse".into()),
                origin: origin.into(),
                source,
            }],
            &Params::default(),
        );
        match &found[..] {
            [Finding::Forbidden { offending, reason }] => {
                assert_eq!(offending, origin);
                assert!(!reason.contains("hunter2"), "{reason}");
                reason.clone()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn catches_values_from_env_files_the_host_and_compose_with_fitting_advice() {
        let from_file = reason_for(
            EnvSource::EnvFile {
                path: ".env".into(),
                line: 3,
            },
            "--env-file .env:3 DB_PASSWORD=***",
        );
        assert!(from_file.contains("env file") && from_file.contains("DB_PASSWORD_FILE"));
        let from_host = reason_for(EnvSource::HostEnvironment, "-e DB_PASSWORD");
        assert!(from_host.contains("from your environment"), "{from_host}");
        assert!(from_host.contains("DB_PASSWORD_FILE"), "{from_host}");
        let from_compose = reason_for(
            EnvSource::Compose,
            "services.app.environment.DB_PASSWORD=***",
        );
        assert!(
            from_compose.contains("compose `secrets:`"),
            "{from_compose}"
        );
        assert!(from_compose.contains("docker secret"), "{from_compose}");
        let from_command_line = reason_for(EnvSource::CommandLine, "-e DB_PASSWORD=***");
        assert!(
            from_command_line.contains("command line"),
            "{from_command_line}"
        );
    }

    #[test]
    fn never_shows_a_value() {
        let secrets = [
            ("DB_PASSWORD", "hunter2-correct-horse"),
            ("UPSTREAM", "postgres://app:hunter3@db/app"),
            ("KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("GH", "ghp_0123456789abcdefghijABCDEFGHIJ012345"),
        ];
        let vars = secrets.iter().map(|(n, v)| var(n, Some(v))).collect();
        let found = findings(vars, &Params::default());
        assert_eq!(found.len(), secrets.len());
        for finding in &found {
            let Finding::Forbidden { offending, reason } = finding else {
                panic!("{finding:?}");
            };
            for (_, value) in secrets {
                assert!(!offending.contains(value) && !reason.contains(value));
            }
            assert!(!reason.contains("hunter"));
        }
    }

    #[test]
    fn the_documented_default_is_the_one_used() {
        assert_eq!(RULE.params[0].1, DEFAULT_NAMES.join(", "));
    }
}

//! The rule set: one file per rule, and the sorted registry `RULES`.
//!
//! A rule sees only a `ContainerSpec` and its parameters from the profile, and says what it
//! finds: compliant, edits that would add or tighten a control, or a setting no edit can fix.
//! What happens next (add, tighten, warn, refuse, waive) is the plan's business, decided by the
//! level the profile gives the rule. Rules do no I/O.

use std::fmt;

use crate::spec::{ContainerSpec, Edit, ImageFacts};

pub mod build_arg_secrets;
pub mod content_trust;
mod cpu_limit;
mod drop_capabilities;
pub mod env_config;
pub mod env_secrets;
pub mod exec_privileged;
pub mod exec_root;
mod healthcheck;
mod image_tag;
mod init_process;
mod log_rotation;
mod memory_limit;
mod no_dangerous_capabilities;
mod no_docker_socket;
mod no_host_namespaces;
mod no_log_driver_none;
mod no_new_privileges;
mod no_privileged;
mod no_sensitive_mounts;
mod no_unconfined_security;
mod non_root_user;
mod pids_limit;
mod published_ports_bound;
mod read_only_rootfs;
mod restart_policy;

/// Every rule, sorted by id.
pub const RULES: &[&Rule] = &[
    &build_arg_secrets::RULE,
    &content_trust::RULE,
    &cpu_limit::RULE,
    &drop_capabilities::RULE,
    &env_config::RULE,
    &env_secrets::RULE,
    &exec_privileged::RULE,
    &exec_root::RULE,
    &healthcheck::RULE,
    &image_tag::RULE,
    &init_process::RULE,
    &log_rotation::RULE,
    &memory_limit::RULE,
    &no_dangerous_capabilities::RULE,
    &no_docker_socket::RULE,
    &no_host_namespaces::RULE,
    &no_log_driver_none::RULE,
    &no_new_privileges::RULE,
    &no_privileged::RULE,
    &no_sensitive_mounts::RULE,
    &no_unconfined_security::RULE,
    &non_root_user::RULE,
    &pids_limit::RULE,
    &published_ports_bound::RULE,
    &read_only_rootfs::RULE,
    &restart_policy::RULE,
];

pub(crate) use drop_capabilities::default_add_back;
pub(crate) use read_only_rootfs::default_scratch;

/// Finds a rule by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

/// How bad a finding of the rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// What a rule does, which decides the levels it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// Forbids a setting (`--privileged`): `off`, `warn`, `deny`.
    Refusal,
    /// Adds a control when absent: `off`, `warn`, `set`, `enforce`, `deny`.
    Injection,
}

/// A rule's level in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Not evaluated.
    Off,
    /// Report only.
    Warn,
    /// Add when absent; keep the user's value, warning when it is weaker.
    Set,
    /// Like `set`, and tighten a weaker user value in the open.
    Enforce,
    /// Refuse a forbidden setting, or a weaker value; add when absent.
    Deny,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Off,
        Level::Warn,
        Level::Set,
        Level::Enforce,
        Level::Deny,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warn => "warn",
            Level::Set => "set",
            Level::Enforce => "enforce",
            Level::Deny => "deny",
        }
    }

    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.name() == name)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A tmpfs mount a profile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmpfsParam {
    pub path: String,
    pub options: String,
}

/// A byte size from a profile, with its spelling kept for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteSize {
    pub bytes: i64,
    pub text: String,
}

/// A duration from a profile, with its spelling kept for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    pub nanos: i64,
    pub text: String,
}

/// Rule parameters from a profile, already validated. Each rule reads the ones it declares in
/// `Rule::params` and falls back to its documented default for the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `non-root-user`: the `user[:group]` to run as.
    pub user: Option<String>,
    /// `non-root-user`: `user` wins over the image's own non-root `USER` too. Set only by an
    /// adjustment that names a user (never by a profile file): an image's `USER app` given by
    /// name cannot own the tmpfs hardrun adds, the adjustment's `uid:gid` can.
    pub user_over_image: bool,
    /// `read-only-rootfs`: scratch mounts.
    pub tmpfs: Option<Vec<TmpfsParam>>,
    /// `drop-capabilities`: capabilities to drop (`ALL` or names).
    pub drop: Option<Vec<String>>,
    /// `drop-capabilities`: capabilities to add back after dropping.
    pub add: Option<Vec<String>>,
    /// `no-dangerous-capabilities`: capabilities that may not be added.
    pub capabilities: Option<Vec<String>>,
    /// `memory-limit`.
    pub memory: Option<ByteSize>,
    /// `memory-limit`: memory plus swap.
    pub swap: Option<ByteSize>,
    /// `cpu-limit`: billionths of a CPU, with the spelling.
    pub cpus: Option<(i64, String)>,
    /// `pids-limit`.
    pub pids: Option<i64>,
    /// `healthcheck`: the command, when the profile gives one.
    pub command: Option<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub retries: Option<i64>,
    /// `log-rotation`.
    pub driver: Option<String>,
    pub max_size: Option<ByteSize>,
    pub max_file: Option<i64>,
    /// `restart-policy`.
    pub policy: Option<String>,
    /// `image-tag`.
    pub require_digest: Option<bool>,
    /// `image-tag`: registries or repository prefixes images may come from.
    pub registries: Option<Vec<String>>,
    /// `no-sensitive-mounts`: host paths that may not be mounted writable.
    pub paths: Option<Vec<String>>,
    /// `env-secrets`: name fragments that mark a variable as secret.
    pub names: Option<Vec<String>>,
    /// `env-config`: variables the container must have.
    pub required: Option<Vec<env_config::Required>>,
    /// `env-config`: formats the values of variables must have.
    pub formats: Option<Vec<env_config::Format>>,
}

/// Facts about the invocation that are not part of the container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The profile's name, for provenance labels.
    pub profile: String,
    /// CPUs on this host: docker refuses `--cpus` above it.
    pub host_cpus: Option<u32>,
    /// What the image declares, when it is present locally; `None` when it is not (or was not
    /// looked up), and rules then decide as if the image declared nothing.
    pub image: Option<ImageFacts>,
    /// The daemon's default log driver, when it was read.
    pub daemon_log_driver: Option<String>,
}

/// What a rule finds. A rule may return several (a weaker `max-size` and a missing `max-file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The rule does not apply here, and why.
    NotApplicable(String),
    /// Already compliant, and what satisfies it.
    Satisfied(String),
    /// The control is absent; these edits add it.
    Missing { edits: Vec<Edit>, reason: String },
    /// The user set a weaker value; these edits tighten it.
    Weaker {
        edits: Vec<Edit>,
        offending: String,
        reason: String,
    },
    /// A forbidden setting that no edit fixes.
    Forbidden { offending: String, reason: String },
}

impl Finding {
    /// The edits a finding asks for: those of `Missing` and `Weaker`, none otherwise.
    pub fn edits(&self) -> &[Edit] {
        match self {
            Finding::Missing { edits, .. } | Finding::Weaker { edits, .. } => edits,
            _ => &[],
        }
    }
}

/// Every edit the findings ask for, in order.
pub fn edits_of(findings: &[Finding]) -> Vec<Edit> {
    findings.iter().flat_map(Finding::edits).cloned().collect()
}

/// The arguments the findings forbid, in order.
pub fn forbidden_of(findings: &[Finding]) -> Vec<&str> {
    findings
        .iter()
        .filter_map(|f| match f {
            Finding::Forbidden { offending, .. } => Some(offending.as_str()),
            _ => None,
        })
        .collect()
}

/// One rule: its documentation and its check.
pub struct Rule {
    /// Kebab-case id, used in profiles, `--allow` and reports.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub kind: RuleKind,
    /// CIS Docker Benchmark v1.6.0 ids.
    pub cis: &'static [&'static str],
    /// OWASP Docker Security Cheat Sheet rules.
    pub owasp: &'static [&'static str],
    /// What the control protects against.
    pub protects: &'static str,
    /// What it may break.
    pub may_break: &'static str,
    /// The profile parameters it reads, with their defaults, as `name: default`.
    pub params: &'static [(&'static str, &'static str)],
    /// A command line the rule changes or refuses, replayed by the tests.
    pub example: &'static str,
    pub assess: fn(&ContainerSpec, &Params, &Context) -> Vec<Finding>,
}

impl Rule {
    /// The levels a profile may give this rule.
    pub fn levels(&self) -> &'static [Level] {
        match self.kind {
            RuleKind::Refusal => &[Level::Off, Level::Warn, Level::Deny],
            RuleKind::Injection => &Level::ALL,
        }
    }

    /// The references, for reports: `CIS 5.5, OWASP Rule #2`.
    pub fn references(&self) -> String {
        let cis = self.cis.iter().map(|id| format!("CIS {id}"));
        let owasp = self.owasp.iter().map(|id| format!("OWASP {id}"));
        cis.chain(owasp).collect::<Vec<_>>().join(", ")
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.id == other.id
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_kebab_case() {
        for pair in RULES.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} must sort before {}",
                pair[0].id,
                pair[1].id
            );
        }
        for rule in RULES {
            assert!(
                rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                rule.id
            );
        }
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the test lists the rule files
    fn every_rule_file_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != "mod.rs")
            .map(|name| name.trim_end_matches(".rs").replace('_', "-"))
            .collect();
        files.sort();
        let ids: Vec<&str> = RULES.iter().map(|rule| rule.id).collect();
        assert_eq!(files, ids);
    }

    #[test]
    fn every_rule_is_documented() {
        for rule in RULES {
            assert!(!rule.title.is_empty(), "{}", rule.id);
            assert!(rule.protects.len() > 20, "{}: protects", rule.id);
            assert!(rule.may_break.len() > 10, "{}: may_break", rule.id);
            // Configuration checks have no CIS or OWASP item.
            assert!(
                !rule.cis.is_empty() || !rule.owasp.is_empty() || rule.id == env_config::RULE.id,
                "{}: references",
                rule.id
            );
            assert!(rule.example.starts_with("docker "), "{}: example", rule.id);
        }
    }

    #[test]
    fn every_example_shows_its_rule_acting() {
        use std::ffi::OsString;
        use std::path::Path;

        use crate::docker::command::{DockerCommand, parse};

        let context = Context {
            host_cpus: Some(2),
            ..Context::default()
        };
        for rule in RULES {
            if rule.id == content_trust::RULE.id {
                // It acts on docker's environment at the handoff, not on the container: its
                // example is replayed through the binary (tests/it/policy.rs).
                continue;
            }
            let mut words = rule.example.split_whitespace();
            assert_eq!(words.next(), Some("docker"), "{}: example", rule.id);
            let argv: Vec<OsString> = words.map(OsString::from).collect();
            // `docker exec` / `docker build` examples are replayed through their guards.
            if let Some(guarded) = crate::docker::exec_guard::detect(&argv)
                .unwrap_or_else(|e| panic!("{}: {e}", rule.id))
            {
                let findings = match guarded {
                    crate::docker::exec_guard::Guarded::Exec(line) => line.findings(),
                    crate::docker::exec_guard::Guarded::Build(line) => {
                        line.findings(&Params::default(), &|_| None)
                    }
                };
                assert!(
                    findings
                        .iter()
                        .any(|(id, f)| *id == rule.id && matches!(f, Finding::Forbidden { .. })),
                    "{}: the example `{}` does not show the rule acting: {findings:?}",
                    rule.id,
                    rule.example
                );
                continue;
            }
            let invocation = match parse(argv) {
                Ok(DockerCommand::Create(invocation)) => invocation,
                other => panic!("{}: the example is not a run/create: {other:?}", rule.id),
            };
            let spec = invocation
                .to_spec(Path::new("/work"))
                .unwrap_or_else(|e| panic!("{}: {e}", rule.id));
            // env-config checks only what a profile declares.
            let params = if rule.id == env_config::RULE.id {
                env_config::example_params()
            } else {
                Params::default()
            };
            let findings = (rule.assess)(&spec, &params, &context);
            assert!(
                findings.iter().any(|f| matches!(
                    f,
                    Finding::Missing { .. } | Finding::Weaker { .. } | Finding::Forbidden { .. }
                )),
                "{}: the example `{}` does not show the rule acting: {findings:?}",
                rule.id,
                rule.example
            );
        }
    }
}

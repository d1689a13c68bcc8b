//! Why a service of the resolved model cannot be read: it is missing or not a mapping, or its
//! `x-hardrun` waiver is malformed. Every message names the service and ends with a help line
//! that says what to write.

use thiserror::Error;

/// Why a service of the model cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error(
        "the model has no service '{service}'\nhelp: pass the name of a service that `docker compose config --services` lists"
    )]
    NoService { service: String },
    #[error(
        "service '{service}' is {found}, not a mapping\nhelp: pass one entry of the 'services' of the `docker compose config` model"
    )]
    NotAService {
        service: String,
        found: &'static str,
    },
    #[error(
        "'x-hardrun' of service '{service}' is {found}, not a mapping\nhelp: write x-hardrun: {{allow: [RULE, ...], reason: \"why the service cannot follow them\"}}"
    )]
    WaiverNotAMapping {
        service: String,
        found: &'static str,
    },
    #[error("unknown key '{key}' in 'x-hardrun' of service '{service}'\nhelp: {}", waiver_key_help(.suggestion))]
    WaiverUnknownKey {
        service: String,
        key: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "'x-hardrun.allow' of service '{service}' is {found}, not a list of rule ids\nhelp: write allow: [read-only-rootfs, ...]; `hardrun rules` lists the rule ids"
    )]
    WaiverAllowNotList {
        service: String,
        found: &'static str,
    },
    #[error(
        "'x-hardrun.allow[{index}]' of service '{service}' is {found}, not a rule id\nhelp: write each rule id as text; `hardrun rules` lists them"
    )]
    WaiverRuleNotText {
        service: String,
        index: usize,
        found: &'static str,
    },
    #[error(
        "'x-hardrun' of service '{service}' waives no rule\nhelp: list the rules to waive in allow: [RULE, ...], or remove x-hardrun"
    )]
    WaiverNoRules { service: String },
    #[error("unknown rule '{rule}' in 'x-hardrun.allow' of service '{service}'\nhelp: {}", rule_help(.suggestion))]
    WaiverUnknownRule {
        service: String,
        rule: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "a waiver needs a reason: 'x-hardrun.reason' of service '{service}' {problem}\nhelp: add reason: \"why the service cannot follow the rules it waives\""
    )]
    WaiverNoReason {
        service: String,
        problem: &'static str,
    },
}

fn waiver_key_help(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(key) => format!("did you mean '{key}'? x-hardrun takes 'allow' and 'reason'"),
        None => "x-hardrun takes 'allow' and 'reason'".into(),
    }
}

fn rule_help(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(rule) => format!("did you mean '{rule}'?"),
        None => "`hardrun rules` lists the rule ids".into(),
    }
}

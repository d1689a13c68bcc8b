//! `check --format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
//!
//! One run of the tool `hardrun`, with every rule `check` can report (help text, a help URI,
//! a default level and a `security-severity`), and one result per finding: `ruleId`,
//! `ruleIndex`, `level` from the rule's severity (critical and high are `error`, medium
//! `warning`, low `note`), the file relative to the checked directory (`%SRCROOT%`) with the
//! line and column, and `partialFingerprints`. `primaryLocationLineHash` is hardrun's own
//! fingerprint (file, rule, subject and setting, never the line), which upload-sarif keeps
//! rather than hashing the line, so an alert survives its line moving. Files that could not be
//! evaluated are `toolExecutionNotifications`, and the invocation is then not successful.

use serde_json::{Value, json};

use crate::check::{CheckRule, DOCKERFILE_RULES, FileReport};
use crate::rules::{RULES, Severity};

/// Where each rule is documented: the README's rule table; `hardrun rules ID` prints the same.
pub const HELP_URI: &str = "https://github.com/hardrun/hardrun/blob/main/README.md#rules";

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` of a severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// Every rule `check` reports, in a fixed order: the registry's, then the Dockerfile ones.
pub fn all_rules() -> Vec<CheckRule> {
    RULES
        .iter()
        .filter_map(|rule| crate::check::rule(rule.id))
        .chain(DOCKERFILE_RULES)
        .collect()
}

/// `no-privileged` as `NoPrivileged`.
fn camel(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn rule_object(rule: &CheckRule) -> Value {
    json!({
        "id": rule.id,
        "name": camel(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help},
        "help": {
            "text": format!("{}\n\n{}\n\nhardrun rules {} prints the rule's documentation.", rule.title, rule.help, rule.id),
            "markdown": format!("**{}**\n\n{}\n\n`hardrun rules {}` prints the rule's documentation.", rule.title, rule.help, rule.id),
        },
        "helpUri": HELP_URI,
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "tags": ["security"],
            "security-severity": security_severity(rule.severity),
            "precision": "high",
        },
    })
}

/// A relative path as a URI reference: `/` separators, and `%`, spaces and `#`/`?` escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The SARIF document of a check.
pub fn document(reports: &[FileReport], version: &str) -> Value {
    let rules = all_rules();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for report in reports {
        if let Some(error) = &report.error {
            notifications.push(json!({
                "level": "error",
                "message": {"text": format!("{}: could not be evaluated: {error}", report.file)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&report.file), "uriBaseId": "%SRCROOT%"}}}],
            }));
        }
        for finding in &report.findings {
            let index = rules.iter().position(|r| r.id == finding.rule);
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level(finding.severity),
                "message": {"text": finding.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&finding.file), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": finding.position.line,
                            "startColumn": finding.position.column,
                        },
                    },
                }],
                "partialFingerprints": {
                    "primaryLocationLineHash": finding.fingerprint,
                    "hardrunFinding/v1": finding.fingerprint,
                },
                "properties": {"subject": finding.subject, "hardrun-change": finding.kind},
            });
            if let Some(index) = index {
                result["ruleIndex"] = json!(index);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "hardrun",
                "version": version,
                "semanticVersion": version,
                "informationUri": HELP_URI.trim_end_matches("#rules"),
                "rules": rules.iter().map(rule_object).collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": "hardrun/check/"},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory hardrun check was run in"}}},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
    }

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(
            uri("deploy/my app/compose.yaml"),
            "deploy/my%20app/compose.yaml"
        );
        assert_eq!(camel("no-privileged"), "NoPrivileged");
    }
}

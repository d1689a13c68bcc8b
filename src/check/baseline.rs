//! Baselines: the findings a project has accepted, so that `check` fails only on new ones.
//!
//! A baseline is JSON, `{"version": 1, "findings": [{"fingerprint", "rule", "file"}…]}`, one
//! entry per finding, written by `--write-baseline FILE` and read by `--baseline FILE`. A
//! finding is accepted when its fingerprint is in the baseline: the file, the rule, what was
//! judged and the setting, never the line, so moving lines keeps it accepted and a second,
//! equal finding in the same file (fingerprint `…#2`) is new.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::check::{FileReport, Finding};

/// The baseline of `findings`, as written to a file.
pub fn write(reports: &[FileReport]) -> String {
    let findings: Vec<Value> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .map(|f| json!({"fingerprint": f.fingerprint, "rule": f.rule, "file": f.file}))
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({"version": 1, "findings": findings}))
        .unwrap_or_default();
    text.push('\n');
    text
}

/// The fingerprints of a baseline file's text.
pub fn read(text: &str) -> Result<HashSet<String>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!("the baseline is not JSON: {e}\nhelp: write one with --write-baseline FILE")
    })?;
    if value.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(
            "the baseline has no \"version\": 1\nhelp: write one with --write-baseline FILE".into(),
        );
    }
    let findings = value.get("findings").and_then(Value::as_array).ok_or(
        "the baseline has no \"findings\" list\nhelp: write one with --write-baseline FILE",
    )?;
    findings
        .iter()
        .map(|entry| {
            entry
                .get("fingerprint")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| "a baseline entry has no \"fingerprint\"".to_owned())
        })
        .collect()
}

/// Removes the accepted findings; returns how many.
pub fn accept(reports: &mut [FileReport], accepted: &HashSet<String>) -> usize {
    let mut count = 0;
    for report in reports {
        let before = report.findings.len();
        report
            .findings
            .retain(|f: &Finding| !accepted.contains(&f.fingerprint));
        count += before - report.findings.len();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Kind, Position};
    use crate::rules::Severity;

    fn report(fingerprints: &[&str]) -> FileReport {
        FileReport {
            file: "compose.yaml".into(),
            kind: Kind::Compose,
            read: "in process".into(),
            error: None,
            findings: fingerprints
                .iter()
                .map(|fp| Finding {
                    rule: "no-privileged",
                    severity: Severity::Critical,
                    refused: true,
                    kind: "refused",
                    file: "compose.yaml".into(),
                    position: Position { line: 1, column: 1 },
                    subject: "service 'web'".into(),
                    offending: String::new(),
                    message: String::new(),
                    fingerprint: (*fp).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_written_baseline_accepts_what_it_holds_and_nothing_new() {
        let text = write(&[report(&["a", "b"])]);
        let accepted = read(&text).unwrap();
        let mut now = vec![report(&["a", "b", "c"])];
        assert_eq!(accept(&mut now, &accepted), 2);
        assert_eq!(now[0].findings.len(), 1);
        assert_eq!(now[0].findings[0].fingerprint, "c");
    }

    #[test]
    fn a_baseline_that_is_not_one_is_an_error() {
        assert!(read("[]").is_err());
        assert!(read("{\"version\": 1}").is_err());
    }
}

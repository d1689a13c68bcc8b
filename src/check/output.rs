//! `check`'s text and JSON reports. Text is grouped by file: each finding on its own line with
//! `line:column`, the SARIF level, the rule and the reason; then the files that could not be
//! evaluated, and a summary. JSON holds the same, per file, with the fingerprints.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::check::sarif::level;
use crate::check::{FileReport, fails};
use crate::rules::Severity;

/// The text report. `explain` adds how each file was read.
pub fn text(
    out: &mut dyn Write,
    reports: &[FileReport],
    fail_on: Option<Severity>,
    explain: bool,
    baselined: usize,
) -> io::Result<()> {
    let mut total = 0;
    let mut failing = 0;
    for report in reports {
        if report.findings.is_empty() && report.error.is_none() && !explain {
            continue;
        }
        writeln!(out, "{} ({})", report.file, report.kind)?;
        if explain {
            writeln!(out, "  read {}", report.read)?;
        }
        if let Some(error) = &report.error {
            for line in error.lines() {
                writeln!(out, "  could not be evaluated: {line}")?;
            }
        }
        for finding in &report.findings {
            total += 1;
            let fail = fails(finding, fail_on);
            failing += usize::from(fail);
            writeln!(
                out,
                "  {}:{}  {:<7}  {}  {}{}",
                finding.position.line,
                finding.position.column,
                level(finding.severity),
                finding.rule,
                finding.message,
                if fail { "" } else { " (not failing)" }
            )?;
        }
    }
    let unreadable = reports.iter().filter(|r| r.error.is_some()).count();
    write!(
        out,
        "{total} finding{} in {} file{} checked, {failing} failing",
        if total == 1 { "" } else { "s" },
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
    )?;
    if baselined > 0 {
        write!(out, ", {baselined} accepted by the baseline")?;
    }
    if unreadable > 0 {
        write!(out, ", {unreadable} could not be evaluated")?;
    }
    writeln!(out)
}

/// The JSON report.
pub fn json(reports: &[FileReport], fail_on: Option<Severity>, baselined: usize) -> Value {
    let files: Vec<Value> = reports
        .iter()
        .map(|report| {
            json!({
                "file": report.file,
                "kind": report.kind.name(),
                "read": report.read,
                "error": report.error,
                "findings": report.findings.iter().map(|f| json!({
                    "rule": f.rule,
                    "severity": f.severity.to_string(),
                    "level": level(f.severity),
                    "change": f.kind,
                    "fails": fails(f, fail_on),
                    "line": f.position.line,
                    "column": f.position.column,
                    "subject": f.subject,
                    "offending": f.offending,
                    "message": f.message,
                    "fingerprint": f.fingerprint,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| fails(f, fail_on))
        .count();
    json!({
        "files": files,
        "summary": {
            "files": reports.len(),
            "findings": findings,
            "failing": failing,
            "baselined": baselined,
            "unevaluated": reports.iter().filter(|r| r.error.is_some()).count(),
        },
    })
}

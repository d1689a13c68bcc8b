//! Everything hardrun tells the user about a plan: the explanation, the refusal, warnings, the
//! dry-run command, and the same as JSON.
//!
//! All user-facing text lives here and is written to a writer the caller passes, so the core
//! stays free of printing and tests can read exactly what a user would see. Values of secret
//! environment variables are masked before anything is written (see `Invocation::masked`).

mod decision;
mod rule_doc;

pub use decision::{Shown, decision_json, decision_text};
pub use rule_doc::{rule_json, write_rule};

use std::ffi::OsString;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::decision::Spelling;
use crate::docker::invocation::quote_words;
use crate::plan::{Change, ChangeKind, LABEL_NAMESPACE, PROVENANCE, Plan};
use crate::rules;
use crate::verify::{Outcome, Verdict};

/// How output is formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

impl From<crate::cli::OutputFormat> for Format {
    fn from(format: crate::cli::OutputFormat) -> Format {
        match format {
            crate::cli::OutputFormat::Text => Format::Text,
            crate::cli::OutputFormat::Json => Format::Json,
        }
    }
}

/// `docker …` as one copy-pasteable line.
pub fn command_line(argv: &[OsString]) -> String {
    let mut words = vec![OsString::from("docker")];
    words.extend(argv.iter().cloned());
    quote_words(&words)
}

/// Writes `--explain` output: one block per change.
/// `spelling` writes each edit as the handoff's words (`docker::invocation::render` for `run`).
pub fn explain(
    out: &mut dyn Write,
    plan: &Plan,
    source: &str,
    notes: &[String],
    spelling: Spelling,
) -> io::Result<()> {
    writeln!(out, "hardrun: profile '{}' ({source})", plan.profile)?;
    for note in notes {
        writeln!(out, "hardrun: note: {note}")?;
    }
    for change in &plan.changes {
        write_change(out, change, spelling)?;
    }
    let counts = [
        ChangeKind::Added,
        ChangeKind::Tightened,
        ChangeKind::Kept,
        ChangeKind::Refused,
        ChangeKind::Waived,
        ChangeKind::Warned,
    ]
    .map(|kind| {
        let n = plan.changes.iter().filter(|c| c.kind == kind).count();
        format!("{n} {kind}")
    });
    writeln!(out, "hardrun: {}", counts.join(", "))
}

fn write_change(out: &mut dyn Write, change: &Change, spelling: Spelling) -> io::Result<()> {
    let rule = rules::find(change.rule);
    let references = rule.map(|r| r.references()).filter(|r| !r.is_empty());
    let about = change
        .offending
        .as_ref()
        .map(|o| format!("{o}: "))
        .unwrap_or_default();
    write!(
        out,
        "  {:<9} {}: {about}{}",
        change.kind.name(),
        change.rule,
        change.reason
    )?;
    match references {
        Some(references) => writeln!(out, " [{references}]")?,
        None => writeln!(out)?,
    }
    if !change.edits.is_empty() {
        let flags: Vec<String> = change.edits.iter().flat_map(spelling).collect();
        let flags: Vec<OsString> = flags.into_iter().map(OsString::from).collect();
        writeln!(out, "            + {}", quote_words(&flags))?;
        if let Some(rule) = rule {
            writeln!(out, "            may break: {}", rule.may_break)?;
        }
    }
    if change.kind == ChangeKind::Refused || change.kind == ChangeKind::Waived {
        writeln!(out, "            {}", way_out(change))?;
    }
    Ok(())
}

fn way_out(change: &Change) -> String {
    match change.kind {
        ChangeKind::Waived => format!(
            "waived for this invocation (--allow {} or a waiver in the project)",
            change.rule
        ),
        _ if change.rule == PROVENANCE => format!(
            "help: rename the label (for example to com.example.…): labels under {LABEL_NAMESPACE} are hardrun's, under every profile, and cannot be waived"
        ),
        _ => {
            let fix = change
                .offending
                .as_ref()
                .map(|o| format!("change or remove {o}, or "))
                .unwrap_or_default();
            format!(
                "help: {fix}waive the rule for this invocation with `hardrun --allow {} …` (`=REASON` after the rule records why; strict requires it)",
                change.rule
            )
        }
    }
}

/// Writes the refusal message (always shown when a rule refuses).
pub fn refusal(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    for change in plan.refusals() {
        let about = change
            .offending
            .as_ref()
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        writeln!(
            out,
            "hardrun: refused by profile '{}': rule '{}' forbids{about}: {}",
            plan.profile, change.rule, change.reason
        )?;
        writeln!(out, "{}", way_out(change))?;
    }
    Ok(())
}

/// Writes one line per warning, per waiver and per value of the user's that was tightened
/// (shown without `--explain` too): nothing the user typed changes in silence.
pub fn warnings(out: &mut dyn Write, plan: &Plan) -> io::Result<()> {
    for change in &plan.changes {
        let about = change
            .offending
            .as_ref()
            .map(|o| format!("{o}: "))
            .unwrap_or_default();
        match change.kind {
            ChangeKind::Warned | ChangeKind::Waived => {
                let label = if change.kind == ChangeKind::Warned {
                    "warning"
                } else {
                    "waived"
                };
                writeln!(
                    out,
                    "hardrun: {label}: {}: {about}{}",
                    change.rule, change.reason
                )?;
            }
            ChangeKind::Tightened => {
                let now: Vec<String> = change.edits.iter().map(ToString::to_string).collect();
                writeln!(
                    out,
                    "hardrun: {} tightened {} to {} ({}: {}); keep yours with `--allow {}=REASON`",
                    plan.profile,
                    change.offending.as_deref().unwrap_or("a value you set"),
                    now.join(", "),
                    change.rule,
                    change.reason,
                    change.rule
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The plan and the final command as JSON; `spelling` as for `explain`.
pub fn to_json(
    plan: &Plan,
    source: &str,
    command: Option<&[OsString]>,
    notes: &[String],
    spelling: Spelling,
) -> Value {
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|change| {
            let rule = rules::find(change.rule);
            let flags: Vec<String> = change.edits.iter().flat_map(spelling).collect();
            json!({
                "rule": change.rule,
                "kind": change.kind.name(),
                "reason": change.reason,
                "offending": change.offending,
                "flags": flags,
                "references": rule.map(|r| r.references()),
                "may_break": rule.filter(|_| !change.edits.is_empty()).map(|r| r.may_break),
            })
        })
        .collect();
    let mut report = json!({
        "profile": plan.profile,
        "source": source,
        "refused": plan.is_refused(),
        "notes": notes,
        "changes": changes,
    });
    if let Some(argv) = command {
        let mut words = vec!["docker".to_owned()];
        words.extend(argv.iter().map(|w| w.to_string_lossy().into_owned()));
        report["command"] = json!(words);
        report["command_line"] = json!(command_line(argv));
    }
    report
}

/// The verdicts for one container, for `hardrun verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerVerdicts {
    pub name: String,
    pub id: String,
    pub image: String,
    pub profile: String,
    pub verdicts: Vec<Verdict>,
}

/// Writes `hardrun verify`'s report: a block per container, a verdict per rule, then the
/// containers that could not be evaluated.
pub fn verdicts(
    out: &mut dyn Write,
    reports: &[ContainerVerdicts],
    problems: &[String],
) -> io::Result<()> {
    for report in reports {
        let short_id: String = report.id.chars().take(12).collect();
        writeln!(
            out,
            "{} ({short_id}) image {} against profile '{}'",
            report.name, report.image, report.profile
        )?;
        for verdict in &report.verdicts {
            let references = if verdict.references.is_empty() {
                String::new()
            } else {
                format!(" [{}]", verdict.references)
            };
            writeln!(
                out,
                "  {:<6} {}: {}{references}",
                verdict.outcome,
                verdict.rule,
                verdict.reasons.join("; ")
            )?;
        }
        let count = |outcome| {
            report
                .verdicts
                .iter()
                .filter(|v| v.outcome == outcome)
                .count()
        };
        writeln!(
            out,
            "  {} pass, {} fail, {} waived, {} warn",
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::Waived),
            count(Outcome::Warn)
        )?;
    }
    if reports.is_empty() && problems.is_empty() {
        writeln!(out, "hardrun: no running container to verify")?;
    }
    for problem in problems {
        writeln!(out, "hardrun: cannot evaluate: {problem}")?;
    }
    Ok(())
}

/// `hardrun verify --format json`.
pub fn verdicts_json(
    out: &mut dyn Write,
    reports: &[ContainerVerdicts],
    problems: &[String],
) -> io::Result<()> {
    let containers: Vec<Value> = reports
        .iter()
        .map(|report| {
            let verdicts: Vec<Value> = report
                .verdicts
                .iter()
                .map(|v| {
                    json!({
                        "rule": v.rule,
                        "verdict": v.outcome.name(),
                        "reasons": v.reasons,
                        "references": v.references,
                    })
                })
                .collect();
            json!({
                "name": report.name,
                "id": report.id,
                "image": report.image,
                "profile": report.profile,
                "passed": !crate::verify::fails(&report.verdicts),
                "verdicts": verdicts,
            })
        })
        .collect();
    let value = json!({ "containers": containers, "errors": problems });
    writeln!(out, "{value:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    #[test]
    fn command_lines_are_shell_quoted() {
        let argv = words(&[
            "run",
            "--health-cmd",
            "curl -f http://localhost/ || exit 1",
            "img",
        ]);
        assert_eq!(
            command_line(&argv),
            "docker run --health-cmd 'curl -f http://localhost/ || exit 1' img"
        );
    }
}

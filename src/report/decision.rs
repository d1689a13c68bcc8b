//! What hardrun says about a `Decision`, in text or JSON: for one container (or guarded
//! command) the plan's explanation, warnings or refusal, and for a compose project the same per
//! service under its name. Written to the writers `deliver` passes.

use std::ffi::OsString;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::decision::{Decided, Decision};
use crate::plan::ChangeKind;
use crate::report::{explain, refusal, to_json, warnings};

/// What the handoff would run, as it may be shown (secret values masked).
#[derive(Debug, Clone, Copy)]
pub enum Shown<'a> {
    /// The docker command line, without the program name.
    Command(&'a [OsString]),
    /// The hardened compose model.
    Model(&'a Value),
}

/// The decision as JSON: one container's report (`profile`, `changes`, `notes`, and the
/// `command` when shown), or a project's (`services` by name, and the `model` when shown).
pub fn decision_json(decision: &Decision, shown: Option<Shown>) -> Value {
    if !decision.is_project() {
        let container = &decision.containers[0];
        let command = match shown {
            Some(Shown::Command(argv)) => Some(argv),
            _ => None,
        };
        return to_json(
            &container.plan,
            &decision.source,
            command,
            &notes(container, decision),
            decision.spelling,
        );
    }
    let services: Map<String, Value> = decision
        .containers
        .iter()
        .map(|container| {
            let mut report = to_json(
                &container.plan,
                &decision.source,
                None,
                &container.notes,
                decision.spelling,
            );
            if let Some(waiver) = &container.service_waiver {
                report["waiver"] = json!({"allow": waiver.allow, "reason": waiver.reason});
            }
            (container.service.clone().unwrap_or_default(), report)
        })
        .collect();
    let mut value = json!({
        "profile": decision.profile,
        "refused": decision.is_refused(),
        "services": services,
        "notes": decision.notes,
    });
    if let Some(Shown::Model(model)) = shown {
        value["model"] = model.clone();
    }
    value
}

/// The decision as text on `out` (stderr): with `explain` every change, else the warnings and
/// waivers; a refusal always, with the way out.
pub fn decision_text(
    out: &mut dyn Write,
    decision: &Decision,
    explain_all: bool,
) -> io::Result<()> {
    if !decision.is_project() {
        let container = &decision.containers[0];
        let notes = notes(container, decision);
        if explain_all {
            explain(
                out,
                &container.plan,
                &decision.source,
                &notes,
                decision.spelling,
            )?;
        }
        if container.plan.is_refused() {
            return refusal(out, &container.plan);
        }
        if !explain_all {
            warnings(out, &container.plan)?;
        }
        return Ok(());
    }
    if explain_all {
        for note in &decision.notes {
            writeln!(out, "hardrun: note: {note}")?;
        }
    }
    let refused = decision.is_refused();
    for container in &decision.containers {
        service_text(out, decision, container, explain_all, refused)?;
    }
    Ok(())
}

/// One service of a project: a heading when there is something to say, then as for one
/// container, and a refusal names the service's own way out too.
fn service_text(
    out: &mut dyn Write,
    decision: &Decision,
    container: &Decided,
    explain_all: bool,
    refused: bool,
) -> io::Result<()> {
    let plan = &container.plan;
    let name = container.service.as_deref().unwrap_or_default();
    let speaks = explain_all
        || plan.changes.iter().any(|c| {
            matches!(
                c.kind,
                ChangeKind::Warned
                    | ChangeKind::Waived
                    | ChangeKind::Refused
                    | ChangeKind::Tightened
            )
        });
    if speaks {
        match &container.service_waiver {
            Some(waiver) => writeln!(
                out,
                "hardrun: service '{name}': (x-hardrun waives {}: {})",
                waiver.allow.join(", "),
                waiver.reason
            )?,
            // A Kubernetes container is named `Kind/workload/container`.
            None if decision.command.starts_with("kubectl") => {
                writeln!(out, "hardrun: container '{name}':")?
            }
            None => writeln!(out, "hardrun: service '{name}':")?,
        }
    }
    if explain_all {
        explain(
            out,
            plan,
            &decision.source,
            &container.notes,
            decision.spelling,
        )?;
    } else if !refused {
        warnings(out, plan)?;
    }
    if plan.is_refused() {
        refusal(out, plan)?;
    }
    if plan.is_refused() && !decision.command.starts_with("kubectl") {
        writeln!(
            out,
            "help: or waive it for this service only: `x-hardrun: {{allow: [RULE], reason: \"why\"}}`"
        )?;
    }
    Ok(())
}

/// A single container's notes: its own, then the invocation's.
fn notes(container: &Decided, decision: &Decision) -> Vec<String> {
    container
        .notes
        .iter()
        .chain(&decision.notes)
        .cloned()
        .collect()
}

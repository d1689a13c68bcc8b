//! `hardrun verify`: the same rules, run against what a container really is.
//!
//! A running container is read from `docker inspect` into the same `ContainerSpec` the command
//! line front end builds, planned with the same profile, and every finding becomes a verdict:
//! a control that is present passes, one the plan would add, tighten or refuse fails, a rule
//! waived when the container was started (recorded in its `io.hardrun.waived` label) is waived,
//! and a rule the profile only warns about warns. Nothing here does I/O.

use std::fmt;

use crate::plan::{self, ChangeKind, PROVENANCE, WAIVED_LABEL};
use crate::profile::Profile;
use crate::rules::{self, Context};
use crate::spec::ContainerSpec;
use crate::waivers::Applied;

/// The verdict on one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Pass,
    Warn,
    Waived,
    Fail,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Waived => "waived",
            Outcome::Fail => "fail",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One rule's verdict, with the reasons behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rule: &'static str,
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    /// CIS and OWASP references of the rule.
    pub references: String,
}

/// The verdicts for one container, one per rule the profile evaluates, in registry order.
pub fn verify(profile: &Profile, spec: &ContainerSpec, context: &Context) -> Vec<Verdict> {
    let waived: Vec<String> = spec
        .label(WAIVED_LABEL)
        .map(|ids| {
            ids.split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // What adjustments relaxed when it was created applies again.
    let relax = spec
        .label(crate::adjustments::ADJUSTED_LABEL)
        .and_then(crate::adjustments::Relaxation::from_label)
        .unwrap_or_default();
    let waivers = Applied::recorded(&waived).and_recorded_relaxation(relax);
    let plan = plan::plan(profile, spec, &waivers, context);
    let mut verdicts: Vec<Verdict> = Vec::new();
    for change in plan.changes.iter().filter(|c| c.rule != PROVENANCE) {
        let outcome = match change.kind {
            ChangeKind::Kept => Outcome::Pass,
            ChangeKind::Warned => Outcome::Warn,
            ChangeKind::Waived => Outcome::Waived,
            ChangeKind::Added | ChangeKind::Tightened | ChangeKind::Refused => Outcome::Fail,
        };
        let mut reason = match &change.offending {
            Some(offending) => format!("{offending}: {}", change.reason),
            None => change.reason.clone(),
        };
        if outcome == Outcome::Waived
            && let Some(why) = spec.label(&format!("{}{}", plan::WAIVER_REASON_LABEL, change.rule))
        {
            reason = format!("{reason} (waived: {why})");
        }
        match verdicts.last_mut().filter(|v| v.rule == change.rule) {
            Some(verdict) => {
                verdict.outcome = verdict.outcome.max(outcome);
                verdict.reasons.push(reason);
            }
            None => verdicts.push(Verdict {
                rule: change.rule,
                outcome,
                reasons: vec![reason],
                references: rules::find(change.rule)
                    .map(|r| r.references())
                    .unwrap_or_default(),
            }),
        }
    }
    verdicts
}

/// Whether any verdict fails.
pub fn fails(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| v.outcome == Outcome::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::builtin::Builtins;
    use crate::spec::Sourced;

    fn production() -> Profile {
        crate::profile::load("production", &Builtins).unwrap()
    }

    #[test]
    fn a_plain_container_fails_production() {
        let spec = ContainerSpec {
            image: "busybox:1.36".into(),
            ..ContainerSpec::default()
        };
        let verdicts = verify(&production(), &spec, &Context::default());
        assert!(fails(&verdicts));
        let failed: Vec<&str> = verdicts
            .iter()
            .filter(|v| v.outcome == Outcome::Fail)
            .map(|v| v.rule)
            .collect();
        for rule in [
            "read-only-rootfs",
            "non-root-user",
            "memory-limit",
            "drop-capabilities",
            "no-new-privileges",
        ] {
            assert!(failed.contains(&rule), "{rule} should fail: {failed:?}");
        }
        let privileged = verdicts.iter().find(|v| v.rule == "no-privileged").unwrap();
        assert_eq!(privileged.outcome, Outcome::Pass);
        assert!(privileged.references.contains("CIS 5.5"));
    }

    #[test]
    fn a_waiver_recorded_on_the_container_is_reported_as_waived() {
        let spec = ContainerSpec {
            image: "busybox:1.36".into(),
            privileged: Some(Sourced::new(true, "HostConfig.Privileged")),
            labels: vec![(WAIVED_LABEL.into(), "no-privileged".into())],
            ..ContainerSpec::default()
        };
        let verdicts = verify(&production(), &spec, &Context::default());
        let privileged = verdicts.iter().find(|v| v.rule == "no-privileged").unwrap();
        assert_eq!(privileged.outcome, Outcome::Waived);
    }

    #[test]
    fn one_verdict_per_rule_with_the_worst_outcome() {
        let spec = ContainerSpec {
            image: "busybox:1.36".into(),
            ..ContainerSpec::default()
        };
        let verdicts = verify(&production(), &spec, &Context::default());
        let mut rules: Vec<&str> = verdicts.iter().map(|v| v.rule).collect();
        let count = rules.len();
        rules.dedup();
        assert_eq!(rules.len(), count);
        let memory = verdicts.iter().find(|v| v.rule == "memory-limit").unwrap();
        assert_eq!(memory.outcome, Outcome::Fail);
        assert_eq!(memory.reasons.len(), 2, "memory and swap");
    }
}

//! The pure core: a profile and a `ContainerSpec` in, a `Plan` out.
//!
//! Each rule's findings are turned into changes by the level the profile gives the rule: `set`
//! adds what is absent and keeps what the user wrote, `enforce` also tightens a weaker value in
//! the open, `deny` refuses, `warn` only reports, and a waiver (`--allow RULE`, the project
//! file, `x-hardrun`) waives. Nothing here reads
//! argv, YAML or the environment, so every front end gets the same decisions.

use std::fmt;

use crate::profile::Profile;
use crate::rules::{Context, Finding, Level};
use crate::spec::{ContainerSpec, Edit};
use crate::waivers::Applied;

/// The label that records which profile hardened a container.
pub const PROFILE_LABEL: &str = "io.hardrun.profile";
/// The label that records the hardrun version that hardened a container.
pub const VERSION_LABEL: &str = "io.hardrun.version";
/// The label that records the rules waived for a container, comma-separated, for `verify`.
pub const WAIVED_LABEL: &str = "io.hardrun.waived";
/// The prefix of the labels that record why a rule was waived (`io.hardrun.waiver.RULE`).
pub const WAIVER_REASON_LABEL: &str = "io.hardrun.waiver.";
/// The namespace of hardrun's labels.
pub const LABEL_NAMESPACE: &str = "io.hardrun.";
/// The pseudo-rule id under which provenance labels are reported.
pub const PROVENANCE: &str = "provenance";

/// What happened to one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// A control was absent and is added.
    Added,
    /// The user's value was weaker and is tightened.
    Tightened,
    /// The user's setting satisfies the rule, or the rule does not apply.
    Kept,
    /// The setting is forbidden: nothing runs.
    Refused,
    /// The rule was waived for this invocation.
    Waived,
    /// Reported only.
    Warned,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Tightened => "tightened",
            ChangeKind::Kept => "kept",
            ChangeKind::Refused => "refused",
            ChangeKind::Waived => "waived",
            ChangeKind::Warned => "warned",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One decision of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The rule id, or `provenance`.
    pub rule: &'static str,
    pub kind: ChangeKind,
    pub reason: String,
    /// The user's argument the change is about, as typed (secret values masked).
    pub offending: Option<String>,
    /// What the change adds or tightens; empty unless `Added` or `Tightened`.
    pub edits: Vec<Edit>,
}

/// Every decision for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub profile: String,
    pub changes: Vec<Change>,
}

impl Plan {
    /// Whether a rule refused the container.
    pub fn is_refused(&self) -> bool {
        self.changes.iter().any(|c| c.kind == ChangeKind::Refused)
    }

    /// The refusals.
    pub fn refusals(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Refused)
    }

    /// The ids of the rules waived, sorted, without repeats.
    pub fn waived_rules(&self) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = self
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Waived)
            .map(|c| c.rule)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Every edit to apply, in rule order.
    pub fn edits(&self) -> Vec<Edit> {
        self.changes
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Added | ChangeKind::Tightened))
            .flat_map(|c| c.edits.iter().cloned())
            .collect()
    }
}

/// What a front end cannot express in its own syntax. `plan_within` shows it every change that
/// would edit the container; the front end turns a change it cannot deliver into a refusal
/// that says why (a `compose run` option the model cannot override, a read-only root where
/// Compose copies secrets into it). It returns the warnings the delivery itself calls for,
/// which `plan_within` adds to the plan (a Swarm tmpfs that cannot have the container user's
/// owner).
pub trait Limits {
    fn limit(&self, change: &mut Change) -> Vec<Change>;
}

/// A front end that can deliver every edit.
pub struct NoLimits;

impl Limits for NoLimits {
    fn limit(&self, _change: &mut Change) -> Vec<Change> {
        Vec::new()
    }
}

/// Plans one container for a front end that can deliver every edit.
pub fn plan(profile: &Profile, spec: &ContainerSpec, waivers: &Applied, context: &Context) -> Plan {
    plan_within(profile, spec, waivers, context, &NoLimits)
}

/// Plans one container: each active rule's findings decided by its level, the scratch space it
/// adds owned by the container's user (`scratch`), `waivers` applied (waived rules, their
/// reasons, expired waivers), what the front end cannot deliver refused, and provenance labels
/// added.
pub fn plan_within(
    profile: &Profile,
    spec: &ContainerSpec,
    waivers: &Applied,
    context: &Context,
    limits: &dyn Limits,
) -> Plan {
    // The container's adjustments relax its rules as far as they name.
    let relax = waivers.relaxation();
    let adjusted;
    let rules_of = if relax.is_empty() {
        profile
    } else {
        adjusted = crate::adjustments::adjusted(profile, &relax);
        &adjusted
    };
    let mut changes = Vec::new();
    for setting in &rules_of.rules {
        if setting.level == Level::Off {
            continue;
        }
        let waived = waivers.covers(setting.rule.id);
        for finding in (setting.rule.assess)(spec, &setting.params, context) {
            changes.push(decide(setting.rule.id, setting.level, waived, finding));
        }
    }
    // The adjustments themselves, judged by the profile's deny rules.
    for adjustment in waivers.adjustments() {
        changes.extend(crate::adjustments::judged(
            profile,
            &adjustment.relax,
            &adjustment.location,
            &|id| waivers.covers(id),
        ));
    }
    crate::scratch::own_scratch(&mut changes, spec, context);
    let mut caveats = Vec::new();
    for change in changes
        .iter_mut()
        .filter(|c| matches!(c.kind, ChangeKind::Added | ChangeKind::Tightened))
    {
        caveats.extend(limits.limit(change));
    }
    changes.extend(caveats);
    let mut plan = Plan {
        profile: profile.name.clone(),
        changes,
    };
    waivers.annotate(&mut plan);
    let wanted = provenance_labels(&profile.name, &plan, waivers);
    let foreign = foreign_labels(spec, &wanted);
    if !foreign.is_empty() {
        plan.changes.extend(foreign);
    } else if !plan.is_refused()
        && let Some(change) = provenance(spec, &wanted)
    {
        plan.changes.push(change);
    }
    plan
}

/// Plans a command that creates no container (`docker exec`, `docker build`) from its guard's
/// findings: only refusal rules guard commands, so a forbidden setting is refused (`deny`),
/// waived or warned about; a satisfied rule is kept. Rules are in registry order.
pub fn plan_command(
    profile: &Profile,
    findings: &[(&'static str, Finding)],
    waivers: &Applied,
) -> Plan {
    let mut changes = Vec::new();
    for setting in profile.rules.iter().filter(|s| s.level != Level::Off) {
        let rule = setting.rule.id;
        let waived = waivers.covers(rule);
        for (_, finding) in findings.iter().filter(|(id, _)| *id == rule) {
            let (kind, offending, reason) = match finding.clone() {
                Finding::Forbidden { offending, reason } => {
                    let kind = if waived {
                        ChangeKind::Waived
                    } else if setting.level == Level::Deny {
                        ChangeKind::Refused
                    } else {
                        ChangeKind::Warned
                    };
                    (kind, Some(offending), reason)
                }
                Finding::Weaker {
                    offending, reason, ..
                } => (ChangeKind::Warned, Some(offending), reason),
                Finding::Missing { reason, .. } => (ChangeKind::Warned, None, reason),
                Finding::Satisfied(reason) => (ChangeKind::Kept, None, reason),
                Finding::NotApplicable(reason) => {
                    (ChangeKind::Kept, None, format!("not applicable: {reason}"))
                }
            };
            changes.push(Change {
                rule,
                kind,
                reason,
                offending,
                edits: Vec::new(),
            });
        }
    }
    let mut plan = Plan {
        profile: profile.name.clone(),
        changes,
    };
    waivers.annotate(&mut plan);
    plan
}

fn decide(rule: &'static str, level: Level, waived: bool, finding: Finding) -> Change {
    let change = |kind, reason, offending, edits| Change {
        rule,
        kind,
        reason,
        offending,
        edits,
    };
    match finding {
        Finding::NotApplicable(reason) => change(
            ChangeKind::Kept,
            format!("not applicable: {reason}"),
            None,
            vec![],
        ),
        Finding::Satisfied(reason) => change(ChangeKind::Kept, reason, None, vec![]),
        Finding::Missing { reason, .. } if waived => {
            change(ChangeKind::Waived, reason, None, vec![])
        }
        Finding::Missing { reason, .. } if level == Level::Warn => {
            change(ChangeKind::Warned, reason, None, vec![])
        }
        Finding::Missing { edits, reason } => change(ChangeKind::Added, reason, None, edits),
        Finding::Weaker {
            offending, reason, ..
        } if waived => change(ChangeKind::Waived, reason, Some(offending), vec![]),
        Finding::Weaker {
            offending,
            reason,
            edits,
        } => match level {
            // Nothing appended undoes what the user typed (a `--cap-add`), and hardrun never
            // deletes a typed word: enforce refuses instead.
            Level::Enforce if edits.is_empty() => change(
                ChangeKind::Refused,
                format!(
                    "{reason}; no flag hardrun could add undoes it, and hardrun never deletes \
                     what you typed"
                ),
                Some(offending),
                vec![],
            ),
            Level::Enforce => change(ChangeKind::Tightened, reason, Some(offending), edits),
            Level::Deny => change(ChangeKind::Refused, reason, Some(offending), vec![]),
            Level::Set => change(
                ChangeKind::Warned,
                format!("{reason} (kept: level 'set' does not tighten what you wrote)"),
                Some(offending),
                vec![],
            ),
            Level::Warn | Level::Off => change(ChangeKind::Warned, reason, Some(offending), vec![]),
        },
        Finding::Forbidden { offending, reason } if waived => {
            change(ChangeKind::Waived, reason, Some(offending), vec![])
        }
        Finding::Forbidden { offending, reason } if level == Level::Deny => {
            change(ChangeKind::Refused, reason, Some(offending), vec![])
        }
        Finding::Forbidden { offending, reason } => {
            change(ChangeKind::Warned, reason, Some(offending), vec![])
        }
    }
}

/// The labels hardrun records on a container: the profile, the hardrun version, the waived
/// rules and why each was waived.
fn provenance_labels(profile: &str, plan: &Plan, waivers: &Applied) -> Vec<(String, String)> {
    let mut wanted = vec![
        (PROFILE_LABEL.to_owned(), profile.to_owned()),
        (
            VERSION_LABEL.to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        ),
    ];
    let waived = plan.waived_rules().join(",");
    if !waived.is_empty() {
        wanted.push((WAIVED_LABEL.to_owned(), waived));
    }
    wanted.extend(waivers.reason_labels(plan));
    let relax = waivers.relaxation();
    if !relax.is_empty() {
        wanted.push((crate::adjustments::ADJUSTED_LABEL.to_owned(), relax.label()));
    }
    wanted
}

/// The labels of `wanted` the container lacks, as one change.
fn provenance(spec: &ContainerSpec, wanted: &[(String, String)]) -> Option<Change> {
    let edits: Vec<Edit> = wanted
        .iter()
        .filter(|(key, value)| spec.label(key) != Some(value.as_str()))
        .map(|(key, value)| Edit::Label {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    (!edits.is_empty()).then(|| Change {
        rule: PROVENANCE,
        kind: ChangeKind::Added,
        reason: "records the profile, the hardrun version and any waived rules on the container, for `docker inspect` and `hardrun verify`".into(),
        offending: None,
        edits,
    })
}

/// The user's labels in hardrun's namespace that are not exactly what hardrun records: refused
/// under every profile, since `verify` and the audit trust these labels and hardrun would
/// otherwise replace the user's value in silence. A label equal to hardrun's own (a hardened
/// command line run again) is no conflict.
fn foreign_labels(spec: &ContainerSpec, wanted: &[(String, String)]) -> Vec<Change> {
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in spec
        .labels
        .iter()
        .filter(|(k, _)| k.starts_with(LABEL_NAMESPACE))
    {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let value = spec.label(key).unwrap_or_default();
            let ours = wanted.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            let reason = match ours {
                Some(ours) if ours == value => return None,
                Some(ours) => format!(
                    "{key} is hardrun's record of how the container was hardened, which `hardrun verify` and the audit trust; hardrun records {key}={ours} here"
                ),
                None => format!(
                    "labels under {LABEL_NAMESPACE} are hardrun's record of how the container was hardened, which `hardrun verify` and the audit trust; hardrun records no {key}"
                ),
            };
            Some(Change {
                rule: PROVENANCE,
                kind: ChangeKind::Refused,
                reason,
                offending: Some(format!("label {key}={value}")),
                edits: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_decide_what_a_weaker_value_becomes() {
        let weaker = || Finding::Weaker {
            edits: vec![Edit::PidsLimit(100)],
            offending: "--pids-limit -1".into(),
            reason: "unlimited".into(),
        };
        assert_eq!(
            decide("pids-limit", Level::Warn, false, weaker()).kind,
            ChangeKind::Warned
        );
        assert_eq!(
            decide("pids-limit", Level::Set, false, weaker()).kind,
            ChangeKind::Warned
        );
        assert_eq!(
            decide("pids-limit", Level::Enforce, false, weaker()).kind,
            ChangeKind::Tightened
        );
        assert_eq!(
            decide("pids-limit", Level::Deny, false, weaker()).kind,
            ChangeKind::Refused
        );
        assert_eq!(
            decide("pids-limit", Level::Deny, true, weaker()).kind,
            ChangeKind::Waived
        );
    }

    #[test]
    fn levels_decide_what_a_missing_control_becomes() {
        let missing = || Finding::Missing {
            edits: vec![Edit::ReadOnlyRootfs],
            reason: "writable".into(),
        };
        assert_eq!(
            decide("r", Level::Warn, false, missing()).kind,
            ChangeKind::Warned
        );
        for level in [Level::Set, Level::Enforce, Level::Deny] {
            let change = decide("r", level, false, missing());
            assert_eq!(change.kind, ChangeKind::Added);
            assert_eq!(change.edits, [Edit::ReadOnlyRootfs]);
        }
        assert_eq!(
            decide("r", Level::Set, true, missing()).kind,
            ChangeKind::Waived
        );
    }

    #[test]
    fn only_deny_refuses_a_forbidden_setting() {
        let forbidden = || Finding::Forbidden {
            offending: "--privileged".into(),
            reason: "privileged".into(),
        };
        assert_eq!(
            decide("no-privileged", Level::Deny, false, forbidden()).kind,
            ChangeKind::Refused
        );
        assert_eq!(
            decide("no-privileged", Level::Warn, false, forbidden()).kind,
            ChangeKind::Warned
        );
        assert_eq!(
            decide("no-privileged", Level::Deny, true, forbidden()).kind,
            ChangeKind::Waived
        );
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn production_wanted(waived: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut wanted = labels(&[
            (PROFILE_LABEL, "production"),
            (VERSION_LABEL, env!("CARGO_PKG_VERSION")),
        ]);
        wanted.extend(labels(waived));
        wanted
    }

    #[test]
    fn provenance_labels_are_added_once() {
        let spec = ContainerSpec::default();
        let change = provenance(&spec, &production_wanted(&[])).unwrap();
        assert_eq!(change.edits.len(), 2);
        let labelled = ContainerSpec {
            labels: production_wanted(&[]),
            ..ContainerSpec::default()
        };
        assert_eq!(provenance(&labelled, &production_wanted(&[])), None);
        let waived = provenance(
            &labelled,
            &production_wanted(&[(WAIVED_LABEL, "no-privileged")]),
        )
        .unwrap();
        assert_eq!(
            waived.edits,
            [Edit::Label {
                key: WAIVED_LABEL.into(),
                value: "no-privileged".into()
            }]
        );
    }

    #[test]
    fn a_user_label_in_hardrun_s_namespace_is_refused_unless_it_is_hardrun_s_own() {
        let wanted = production_wanted(&[]);
        let spec = |pairs: &[(&str, &str)]| ContainerSpec {
            labels: labels(pairs),
            ..ContainerSpec::default()
        };
        let refused = foreign_labels(
            &spec(&[
                ("app", "web"),
                (PROFILE_LABEL, "mine"),
                ("io.hardrun.x", "1"),
            ]),
            &wanted,
        );
        let offending: Vec<_> = refused
            .iter()
            .map(|c| c.offending.clone().unwrap())
            .collect();
        assert_eq!(
            offending,
            ["label io.hardrun.profile=mine", "label io.hardrun.x=1"]
        );
        assert!(refused.iter().all(|c| c.kind == ChangeKind::Refused));
        assert!(refused[0].reason.contains("io.hardrun.profile=production"));
        // hardrun's own labels (a hardened line run again), or the last of a repeated label.
        assert!(foreign_labels(&spec(&[(PROFILE_LABEL, "production")]), &wanted).is_empty());
        assert!(
            foreign_labels(
                &spec(&[(PROFILE_LABEL, "mine"), (PROFILE_LABEL, "production")]),
                &wanted
            )
            .is_empty()
        );
        // Labels of other namespaces are the user's.
        assert!(foreign_labels(&spec(&[("io.hardrunner.x", "1")]), &wanted).is_empty());
    }
}

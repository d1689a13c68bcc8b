//! What the waivers that concern one container do to its plan: which rules they waive, the
//! notes `--explain` shows, the reasons written on waived changes (and on the container, for
//! `verify`), and what an expired waiver means. `plan::plan` applies them. Pure.

use crate::adjustments::{Adjustment, Relaxation};
use crate::plan::{Change, ChangeKind, PROVENANCE, Plan};
use crate::waivers::{Allowed, Scope, Waiver};

/// The waivers that concern one container or service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    allowed: Vec<Allowed>,
    /// Project waivers whose scope covers it and that have not expired.
    waivers: Vec<Waiver>,
    /// Project waivers whose scope covers it but that have expired.
    expired: Vec<Waiver>,
    /// Rules waived by a record of their own (`x-hardrun`, a container's labels).
    recorded: Vec<String>,
    /// Project adjustments whose scope covers it and that have not expired, or the relaxation
    /// recorded on a container.
    adjustments: Vec<Adjustment>,
    /// Project adjustments whose scope covers it but that have expired.
    expired_adjustments: Vec<Adjustment>,
}

impl Applied {
    pub(super) fn new(
        allowed: Vec<Allowed>,
        waivers: Vec<Waiver>,
        expired: Vec<Waiver>,
    ) -> Applied {
        Applied {
            allowed,
            waivers,
            expired,
            ..Applied::default()
        }
    }

    /// These waivers and the adjustments that concern the container.
    pub(super) fn with_adjustments(
        mut self,
        adjustments: Vec<Adjustment>,
        expired: Vec<Adjustment>,
    ) -> Applied {
        self.adjustments = adjustments;
        self.expired_adjustments = expired;
        self
    }

    /// These waivers and the relaxation recorded on a container (`io.hardrun.adjusted`), for
    /// `verify`.
    pub fn and_recorded_relaxation(mut self, relax: Relaxation) -> Applied {
        if !relax.is_empty() {
            self.adjustments.push(Adjustment {
                scope: Scope::Image(String::new()),
                reason: "recorded on the container".into(),
                expires: None,
                location: crate::adjustments::ADJUSTED_LABEL.into(),
                source: None,
                relax,
            });
        }
        self
    }

    /// The adjustments in force, merged into one relaxation.
    pub fn relaxation(&self) -> Relaxation {
        Relaxation::merged(self.adjustments.iter().map(|a| &a.relax))
    }

    /// The adjustments in force.
    pub fn adjustments(&self) -> &[Adjustment] {
        &self.adjustments
    }

    /// No waiver at all.
    pub fn none() -> Applied {
        Applied::default()
    }

    /// Only rules waived by a record of their own: a compose service's `x-hardrun` waiver, or
    /// the rules a container's labels say were waived when it was created.
    pub fn recorded(rules: &[String]) -> Applied {
        Applied::none().and_recorded(rules)
    }

    /// These waivers and the rules of a record of their own (see `recorded`).
    pub fn and_recorded(mut self, rules: &[String]) -> Applied {
        self.recorded.extend(rules.iter().cloned());
        self
    }

    /// The ids of the rules waived, without repeats, in the order they were given.
    pub fn rules(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let all = self
            .allowed
            .iter()
            .map(|a| a.rule)
            .chain(self.waivers.iter().map(|w| w.rule))
            .chain(self.recorded.iter().map(String::as_str));
        for id in all {
            if !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
        ids
    }

    /// Whether a rule is waived (by `--allow`, a project waiver in force or a record).
    pub fn covers(&self, rule: &str) -> bool {
        self.allowed.iter().any(|a| a.rule == rule)
            || self.waivers.iter().any(|w| w.rule == rule)
            || self.recorded.iter().any(|r| r == rule)
    }

    /// The project waivers that cover the container but have expired.
    pub fn expired(&self) -> &[Waiver] {
        &self.expired
    }

    /// One line per waiver with a reason, and per expired waiver, for `--explain` and JSON.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for allowed in &self.allowed {
            if let Some(reason) = &allowed.reason {
                notes.push(format!("waiver: {} (--allow): {reason}", allowed.rule));
            }
        }
        for waiver in &self.waivers {
            let until = waiver
                .expires
                .map(|date| format!(" until {date}"))
                .unwrap_or_default();
            notes.push(format!(
                "waiver: {} for {}{until}: {} ({})",
                waiver.rule,
                waiver.scope,
                waiver.reason,
                waiver.location()
            ));
        }
        for waiver in &self.expired {
            notes.push(format!(
                "waiver: {} for {} expired on {} ({}): not applied",
                waiver.rule,
                waiver.scope,
                waiver.expires.expect("an expired waiver has a date"),
                waiver.location()
            ));
        }
        for adjustment in &self.adjustments {
            let until = adjustment
                .expires
                .map(|date| format!(" until {date}"))
                .unwrap_or_default();
            let source = adjustment
                .source
                .as_ref()
                .map(|s| format!("; source: {s}"))
                .unwrap_or_default();
            let described = adjustment.relax.described();
            if described.is_empty() {
                notes.push(format!(
                    "adjusted: nothing for {}: {} ({}{source})",
                    adjustment.scope, adjustment.reason, adjustment.location
                ));
            }
            for (rule, what) in described {
                notes.push(format!(
                    "adjusted: {rule}: {what} for {}{until}: {} ({}{source})",
                    adjustment.scope, adjustment.reason, adjustment.location
                ));
            }
        }
        for adjustment in &self.expired_adjustments {
            notes.push(format!(
                "adjustment for {} expired on {} ({}): not applied",
                adjustment.scope,
                adjustment
                    .expires
                    .expect("an expired adjustment has a date"),
                adjustment.location
            ));
        }
        notes
    }

    /// Says in the plan why rules are waived, and what expired: a waived change gets the
    /// waiver's reason, a refusal the expired waiver for its rule, and an expired waiver whose
    /// rule did not refuse becomes a warning (the rule applies again).
    pub(crate) fn annotate(&self, plan: &mut Plan) {
        for change in &mut plan.changes {
            match change.kind {
                ChangeKind::Waived => {
                    let why = self.reasons(change.rule);
                    if !why.is_empty() {
                        change.reason = format!("{} ({})", change.reason, why.join("; "));
                    }
                }
                ChangeKind::Refused => {
                    for waiver in self.expired.iter().filter(|w| w.rule == change.rule) {
                        change.reason = format!("{}; {}", change.reason, expired_waiver(waiver));
                    }
                }
                _ => {}
            }
        }
        let at = plan
            .changes
            .iter()
            .position(|c| c.rule == PROVENANCE)
            .unwrap_or(plan.changes.len());
        let warnings: Vec<Change> = self
            .expired
            .iter()
            .filter(|w| !self.covers(w.rule))
            .filter(|w| {
                !plan
                    .changes
                    .iter()
                    .any(|c| c.rule == w.rule && c.kind == ChangeKind::Refused)
            })
            .map(|waiver| Change {
                rule: waiver.rule,
                kind: ChangeKind::Warned,
                reason: format!(
                    "the waiver for {} expired on {} ({}): the rule applies again",
                    waiver.scope,
                    waiver.expires.expect("an expired waiver has a date"),
                    waiver.location()
                ),
                offending: None,
                edits: Vec::new(),
            })
            .collect();
        plan.changes.splice(at..at, warnings);
    }

    /// The labels that record why rules are waived (`io.hardrun.waiver.RULE`), for each waived
    /// change of `plan` with a reason, once: on the container, so that `verify` can say why.
    pub(crate) fn reason_labels(&self, plan: &Plan) -> Vec<(String, String)> {
        let mut labels: Vec<(String, String)> = Vec::new();
        for change in plan.changes.iter().filter(|c| c.kind == ChangeKind::Waived) {
            let why = self.reasons(change.rule);
            let label = (
                format!("{}{}", crate::plan::WAIVER_REASON_LABEL, change.rule),
                why.join("; "),
            );
            if !why.is_empty() && !labels.contains(&label) {
                labels.push(label);
            }
        }
        labels
    }

    /// Why `rule` is waived: the `--allow` reason and the project waivers' reasons.
    fn reasons(&self, rule: &str) -> Vec<String> {
        let allowed = self
            .allowed
            .iter()
            .filter(|a| a.rule == rule)
            .filter_map(|a| a.reason.as_ref())
            .map(|reason| format!("--allow: {reason}"));
        let project = self.waivers.iter().filter(|w| w.rule == rule).map(|w| {
            let until = w
                .expires
                .map(|date| format!(" until {date}"))
                .unwrap_or_default();
            format!("waiver at {}{until}: {}", w.location(), w.reason)
        });
        allowed.chain(project).collect()
    }
}

/// "a waiver for RULE expired on DATE (FILE:LINE:COLUMN)".
fn expired_waiver(waiver: &Waiver) -> String {
    format!(
        "a waiver for {} expired on {} ({})",
        waiver.rule,
        waiver.expires.expect("an expired waiver has a date"),
        waiver.location()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{self, builtin::Builtins};
    use crate::rules::Context;
    use crate::spec::ContainerSpec;
    use crate::waivers::{Date, Scope, Waivers};

    fn date(text: &str) -> Date {
        Date::parse(text).expect("a valid date")
    }

    fn project(expires: Option<&str>) -> Waivers {
        Waivers {
            allowed: Vec::new(),
            project: vec![Waiver {
                rule: "no-privileged",
                scope: Scope::Image("busybox".into()),
                reason: "loads a kernel module".into(),
                expires: expires.map(date),
                file: ".hardrun.yaml".into(),
                line: 2,
                column: 5,
            }],
            adjustments: Vec::new(),
            catalogue: false,
            today: date("2026-06-15"),
        }
    }

    fn privileged_plan(profile: &str, waivers: &Waivers, image: &str) -> Plan {
        let profile = profile::load(profile, &Builtins).unwrap();
        let spec = ContainerSpec {
            image: image.into(),
            privileged: Some(crate::spec::Sourced::new(true, "--privileged")),
            ..ContainerSpec::default()
        };
        let applied = waivers.for_container(image);
        crate::plan::plan(&profile, &spec, &applied, &Context::default())
    }

    fn change<'a>(plan: &'a Plan, rule: &str) -> &'a Change {
        plan.changes
            .iter()
            .find(|c| c.rule == rule)
            .expect("a change for the rule")
    }

    #[test]
    fn an_applied_waiver_waives_with_its_reason() {
        let waivers = project(Some("2026-12-31"));
        let plan = privileged_plan("baseline", &waivers, "busybox:1.36");
        assert!(!plan.is_refused());
        let waived = change(&plan, "no-privileged");
        assert_eq!(waived.kind, ChangeKind::Waived);
        assert!(
            waived
                .reason
                .ends_with("(waiver at .hardrun.yaml:2:5 until 2026-12-31: loads a kernel module)"),
            "{}",
            waived.reason
        );
        assert_eq!(
            waivers.for_container("busybox:1.36").notes(),
            [
                "waiver: no-privileged for busybox until 2026-12-31: loads a kernel module (.hardrun.yaml:2:5)"
            ]
        );
    }

    #[test]
    fn an_expired_waiver_is_named_in_the_refusal() {
        let waivers = project(Some("2025-01-31"));
        let plan = privileged_plan("baseline", &waivers, "busybox:1.36");
        assert!(plan.is_refused());
        assert!(
            change(&plan, "no-privileged").reason.ends_with(
                "; a waiver for no-privileged expired on 2025-01-31 (.hardrun.yaml:2:5)"
            ),
            "{plan:?}"
        );
        assert_eq!(
            waivers.for_container("busybox:1.36").notes(),
            [
                "waiver: no-privileged for busybox expired on 2025-01-31 (.hardrun.yaml:2:5): not applied"
            ]
        );
    }

    #[test]
    fn an_expired_waiver_whose_rule_does_not_refuse_is_a_warning() {
        let mut waivers = project(Some("2025-01-31"));
        waivers.project[0].rule = "read-only-rootfs";
        let plan = privileged_plan("production", &waivers, "busybox:1.36");
        let warning = plan
            .changes
            .iter()
            .find(|c| c.rule == "read-only-rootfs" && c.kind == ChangeKind::Warned)
            .expect("a warning");
        assert_eq!(
            warning.reason,
            "the waiver for busybox expired on 2025-01-31 (.hardrun.yaml:2:5): the rule applies again"
        );
        // Still planned as usual.
        assert!(
            plan.changes
                .iter()
                .any(|c| c.rule == "read-only-rootfs" && c.kind == ChangeKind::Added)
        );
        // An `--allow` covering the rule silences it.
        waivers.allowed.push(Allowed {
            rule: "read-only-rootfs",
            reason: None,
        });
        let plan = privileged_plan("production", &waivers, "busybox:1.36");
        assert!(
            !plan
                .changes
                .iter()
                .any(|c| c.kind == ChangeKind::Warned && c.rule == "read-only-rootfs")
        );
    }

    #[test]
    fn allow_reasons_are_noted_and_shown_on_the_waived_change() {
        let waivers = Waivers::allowed_only(
            vec![Allowed {
                rule: "no-privileged",
                reason: Some("needed for X".into()),
            }],
            date("2026-01-01"),
        );
        let applied = waivers.for_container("busybox:1.36");
        assert_eq!(
            applied.notes(),
            ["waiver: no-privileged (--allow): needed for X"]
        );
        let plan = privileged_plan("baseline", &waivers, "busybox:1.36");
        assert!(
            change(&plan, "no-privileged")
                .reason
                .ends_with("(--allow: needed for X)")
        );
    }
}

//! What a hardened compose model cannot express, so that the plan refuses instead of handing
//! Compose a model that would not do what was checked: a `compose run` option overrides the
//! model when compose creates the container, so a weaker one cannot be tightened; and Compose
//! copies `environment:`/`content:` secrets and configs into the root filesystem and refuses
//! them in a read-only service. Pure.

use crate::plan::{Change, ChangeKind, Limits};
use crate::spec::Edit;

/// The limits of one service's model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceLimits {
    /// The secrets and configs Compose copies into the root filesystem (`compose::service::
    /// copied_into_rootfs`), as they are shown.
    pub copied_into_rootfs: Vec<String>,
}

impl Limits for ServiceLimits {
    fn limit(&self, change: &mut Change) -> Vec<Change> {
        refuse_run_override(change);
        if !self.copied_into_rootfs.is_empty() && change.edits.contains(&Edit::ReadOnlyRootfs) {
            change.kind = ChangeKind::Refused;
            change.offending = Some(self.copied_into_rootfs.join(", "));
            change.reason = "compose copies these secrets or configs into the root filesystem and refuses them in a read-only service: give them a `file:` source, or waive read-only-rootfs with an `x-hardrun` waiver".into();
            change.edits.clear();
        }
        Vec::new()
    }
}

/// A `compose run` option (`-u 0`, `--cap-add X`) overrides the model when compose starts the
/// container, so a hardened model cannot tighten it: such a change becomes a refusal. The
/// model's own values are shown as `services.…`.
fn refuse_run_override(change: &mut Change) {
    let from_run = change
        .offending
        .as_deref()
        .is_some_and(|o| !o.starts_with("services."));
    if change.kind == ChangeKind::Tightened && from_run {
        change.kind = ChangeKind::Refused;
        change.reason = format!(
            "{}; the `compose run` option overrides the model, so hardrun cannot tighten it",
            change.reason
        );
        change.edits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ChangeKind, Plan};

    fn change(kind: ChangeKind, offending: Option<&str>, edits: Vec<Edit>) -> Change {
        Change {
            rule: "non-root-user",
            kind,
            reason: "the container runs as root".into(),
            offending: offending.map(str::to_owned),
            edits,
        }
    }

    fn limit_all(limits: &ServiceLimits, plan: &mut Plan) {
        for change in &mut plan.changes {
            limits.limit(change);
        }
    }

    fn plan_of(changes: Vec<Change>) -> Plan {
        Plan {
            profile: "production".into(),
            changes,
        }
    }

    #[test]
    fn a_run_option_that_would_be_tightened_is_refused() {
        let mut plan = plan_of(vec![
            change(
                ChangeKind::Tightened,
                Some("-u 0"),
                vec![Edit::User("1000:1000".into())],
            ),
            change(
                ChangeKind::Tightened,
                Some("services.web.user=0"),
                vec![Edit::User("1000:1000".into())],
            ),
            change(ChangeKind::Added, None, vec![Edit::ReadOnlyRootfs]),
        ]);
        limit_all(&ServiceLimits::default(), &mut plan);
        let kinds: Vec<ChangeKind> = plan.changes.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Refused,
                ChangeKind::Tightened,
                ChangeKind::Added
            ]
        );
        assert!(plan.changes[0].edits.is_empty());
        assert!(plan.changes[0].reason.contains("compose run"));
    }

    #[test]
    fn read_only_is_refused_where_compose_copies_secrets_into_the_root() {
        let mut plan = plan_of(vec![change(
            ChangeKind::Added,
            None,
            vec![Edit::ReadOnlyRootfs],
        )]);
        limit_all(
            &ServiceLimits {
                copied_into_rootfs: vec!["services.web.secrets[0]=token".into()],
            },
            &mut plan,
        );
        assert!(plan.is_refused());
        assert_eq!(
            plan.changes[0].offending.as_deref(),
            Some("services.web.secrets[0]=token")
        );
        let mut untouched = plan_of(vec![change(
            ChangeKind::Added,
            None,
            vec![Edit::ReadOnlyRootfs],
        )]);
        limit_all(&ServiceLimits::default(), &mut untouched);
        assert!(!untouched.is_refused());
    }
}

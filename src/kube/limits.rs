//! What a Kubernetes pod template cannot say, and what Kubernetes needs said that docker does by
//! default. Pure.
//!
//! The rules ask in docker's terms. Kubernetes has no per-container process limit (the kubelet's
//! `podPidsLimit` is node policy), no log driver or rotation (the kubelet's
//! `containerLogMaxSize`/`containerLogMaxFiles`), no swap limit, no init process flag, and no
//! user by name (`runAsUser` is a number); it ignores an image's `HEALTHCHECK`, so a probe's
//! timings without a probe say nothing. Such edits are taken out of the plan and the change says
//! why (`Kept`, "not applicable", in `--explain` and JSON; a missing probe is a warning, since
//! the gap is real). A user by name is refused. Where docker is safe by default and Kubernetes
//! is not, `defaults` adds the setting: a container runs `Unconfined` unless a `seccompProfile`
//! says otherwise, and `runAsNonRoot: true` is what makes the kubelet refuse a root user.

use crate::plan::{Change, ChangeKind, Limits, Plan};
use crate::profile::Profile;
use crate::rules::Level;
use crate::spec::{ContainerSpec, Edit};

use super::yaml::Node;

/// The limits of one container of a pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodLimits {
    /// An init container: it runs to completion and takes no probe.
    pub init: bool,
    /// The container has a probe, whose timings the health check's edits set.
    pub has_probe: bool,
}

impl Limits for PodLimits {
    fn limit(&self, change: &mut Change) -> Vec<Change> {
        let health_command = change.edits.iter().any(|e| matches!(e, Edit::HealthCmd(_)));
        let mut missing: Vec<&'static str> = Vec::new();
        let mut refused = None;
        change
            .edits
            .retain(|edit| match self.gap(edit, health_command) {
                Gap::None => true,
                Gap::NoEquivalent(what) => {
                    if !missing.contains(&what) {
                        missing.push(what);
                    }
                    false
                }
                Gap::Refused(why) => {
                    refused = Some(why);
                    false
                }
            });
        if let Some(why) = refused {
            change.kind = ChangeKind::Refused;
            change.reason = format!("{}; {why}", change.reason);
            change.edits.clear();
            return Vec::new();
        }
        if missing.is_empty() {
            return Vec::new();
        }
        let said = missing.join("; ");
        if !change.edits.is_empty() {
            change.reason = format!("{} (not in Kubernetes: {said})", change.reason);
        } else if missing.contains(&NO_PROBE) {
            change.kind = ChangeKind::Warned;
            change.reason = format!("{}; {said}", change.reason);
        } else {
            change.kind = ChangeKind::Kept;
            change.reason = format!("not applicable: {said}");
        }
        Vec::new()
    }
}

const NO_PROBE: &str = "the kubelet ignores the image's HEALTHCHECK and hardrun cannot guess a probe: add a livenessProbe (or give the profile's healthcheck a command)";

enum Gap {
    None,
    NoEquivalent(&'static str),
    Refused(String),
}

impl PodLimits {
    fn gap(&self, edit: &Edit, health_command: bool) -> Gap {
        match edit {
            Edit::PidsLimit(_) => Gap::NoEquivalent(
                "Kubernetes has no per-container process limit; the kubelet's podPidsLimit is set per node",
            ),
            Edit::LogDriver(_) | Edit::LogOpt { .. } => Gap::NoEquivalent(
                "the kubelet rotates container logs per node (containerLogMaxSize, containerLogMaxFiles)",
            ),
            Edit::MemorySwap(_) => {
                Gap::NoEquivalent("Kubernetes has no per-container swap limit; swap is node policy")
            }
            Edit::Init => Gap::NoEquivalent(
                "Kubernetes has no init process flag; use shareProcessNamespace or an image with an init",
            ),
            Edit::User(user) if numeric_user(user).is_none() => Gap::Refused(format!(
                "Kubernetes takes a numeric runAsUser, and the profile's user is {user:?}: give the profile a numeric user"
            )),
            Edit::HealthCmd(_)
            | Edit::HealthInterval(_)
            | Edit::HealthTimeout(_)
            | Edit::HealthRetries(_)
            | Edit::HealthStartPeriod(_)
                if self.init =>
            {
                Gap::NoEquivalent("an init container runs to completion and takes no probe")
            }
            Edit::HealthInterval(_)
            | Edit::HealthTimeout(_)
            | Edit::HealthRetries(_)
            | Edit::HealthStartPeriod(_)
                if !self.has_probe && !health_command =>
            {
                Gap::NoEquivalent(NO_PROBE)
            }
            _ => Gap::None,
        }
    }
}

/// `uid[:gid]` as numbers.
pub fn numeric_user(user: &str) -> Option<(i64, Option<i64>)> {
    let (uid, gid) = match user.split_once(':') {
        Some((uid, gid)) => (uid, Some(gid)),
        None => (user, None),
    };
    let uid = uid.parse().ok()?;
    let gid = match gid {
        Some(gid) => Some(gid.parse().ok()?),
        None => None,
    };
    Some((uid, gid))
}

/// A setting Kubernetes needs written where docker is safe by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// `seccompProfile: {type: RuntimeDefault}`.
    Seccomp,
    /// `runAsNonRoot: true`.
    NonRoot,
}

/// The defaults one container needs, each with the change that reports it, given its plan:
/// seccomp while `no-unconfined-security` is on and neither the container nor its pod names a
/// profile; `runAsNonRoot` while `non-root-user` is on and the container's user (as planned)
/// is not root, unless the container or pod says it already.
pub fn defaults(
    profile: &Profile,
    plan: &Plan,
    spec: &ContainerSpec,
    pod: &Node,
    container: &Node,
) -> Vec<(Default, Change)> {
    if plan.is_refused() {
        return Vec::new();
    }
    let active = |rule: &str| {
        profile
            .setting(rule)
            .is_some_and(|s| !matches!(s.level, Level::Off | Level::Warn))
            && !plan
                .changes
                .iter()
                .any(|c| c.rule == rule && c.kind == ChangeKind::Waived)
    };
    let said = |key: &str| {
        [container, pod].iter().any(|node| {
            node.get("securityContext")
                .and_then(|s| s.get(key))
                .is_some_and(|v| !v.value.is_null())
        })
    };
    let mut wanted = Vec::new();
    if active("no-unconfined-security") && !said("seccompProfile") {
        wanted.push((
            Default::Seccomp,
            Change {
                rule: "no-unconfined-security",
                kind: ChangeKind::Added,
                reason: "Kubernetes runs a container without a seccomp profile unless one is named, where docker applies its default: seccompProfile RuntimeDefault".into(),
                offending: None,
                edits: Vec::new(),
            },
        ));
    }
    // A planned user edit writes runAsNonRoot itself; a kept user needs it said.
    let user_edit = plan.edits().iter().any(|e| matches!(e, Edit::User(_)));
    let non_root = !user_edit
        && spec
            .user
            .as_ref()
            .and_then(|u| numeric_user(&u.value))
            .is_some_and(|(uid, _)| uid != 0);
    if active("non-root-user") && non_root && !said("runAsNonRoot") {
        wanted.push((
            Default::NonRoot,
            Change {
                rule: "non-root-user",
                kind: ChangeKind::Added,
                reason:
                    "runAsNonRoot: true, so that the kubelet refuses to start the container as root"
                        .into(),
                offending: None,
                edits: Vec::new(),
            },
        ));
    }
    wanted
}

/// What the Pod Security Standards' restricted profile forbids and no rule refuses here: a
/// `hostPath` volume that is not sensitive (the rules refuse the engine's socket and system
/// paths). Said as a warning of `no-sensitive-mounts` while that rule is on: a namespace that
/// enforces the restricted profile refuses the pod.
pub fn restricted_warnings(profile: &Profile, plan: &Plan, spec: &ContainerSpec) -> Vec<Change> {
    let rule = "no-sensitive-mounts";
    let on = profile.setting(rule).is_some_and(|s| s.level != Level::Off);
    if !on || plan.is_refused() {
        return Vec::new();
    }
    spec.mounts
        .iter()
        .filter(|m| m.value.kind == crate::spec::MountKind::Bind)
        .map(|m| Change {
            rule,
            kind: ChangeKind::Warned,
            reason: "the Pod Security Standards' restricted profile forbids every hostPath volume: a namespace that enforces it refuses this pod".into(),
            offending: Some(m.origin.clone()),
            edits: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ChangeKind;

    fn change(edits: Vec<Edit>) -> Change {
        Change {
            rule: "pids-limit",
            kind: ChangeKind::Added,
            reason: "no limit".into(),
            offending: None,
            edits,
        }
    }

    const APP: PodLimits = PodLimits {
        init: false,
        has_probe: false,
    };

    #[test]
    fn an_edit_kubernetes_cannot_express_is_not_applicable() {
        let mut pids = change(vec![Edit::PidsLimit(100)]);
        APP.limit(&mut pids);
        assert_eq!(pids.kind, ChangeKind::Kept);
        assert!(pids.edits.is_empty());
        assert!(pids.reason.contains("podPidsLimit"), "{}", pids.reason);

        let mut memory = change(vec![
            Edit::Memory("512m".into()),
            Edit::MemorySwap("1g".into()),
        ]);
        APP.limit(&mut memory);
        assert_eq!(memory.kind, ChangeKind::Added);
        assert_eq!(memory.edits, [Edit::Memory("512m".into())]);
        assert!(memory.reason.contains("swap"), "{}", memory.reason);
    }

    #[test]
    fn probe_timings_need_a_probe() {
        let timings = || change(vec![Edit::HealthInterval("30s".into())]);
        let mut without = timings();
        APP.limit(&mut without);
        assert_eq!(without.kind, ChangeKind::Warned);
        let mut with = timings();
        PodLimits {
            has_probe: true,
            ..APP
        }
        .limit(&mut with);
        assert_eq!(with.edits.len(), 1);
        let mut init = timings();
        PodLimits {
            init: true,
            has_probe: true,
        }
        .limit(&mut init);
        assert_eq!(init.kind, ChangeKind::Kept);
    }

    #[test]
    fn a_user_by_name_is_refused() {
        let mut user = change(vec![Edit::User("app".into())]);
        APP.limit(&mut user);
        assert_eq!(user.kind, ChangeKind::Refused);
        assert_eq!(numeric_user("1000:1000"), Some((1000, Some(1000))));
        assert_eq!(numeric_user("1000"), Some((1000, None)));
        assert_eq!(numeric_user("app:1"), None);
    }
}

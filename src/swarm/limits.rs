//! What a Swarm stack cannot express, taken out of the plan before anything is written, and
//! said. `docker stack deploy` has no no-new-privileges (it ignores `security_opt`; the service
//! API has `Privileges.NoNewPrivileges` only from API 1.44 and the docker CLI never sends it)
//! and no swap limit (the daemon gives a task twice its memory limit as memory plus swap, so a
//! profile's swap of exactly that is delivered); `cap_drop`/`cap_add` and `deploy.resources.limits.pids` reach the task
//! only from API 1.41 (below, the daemon drops them without a word); a tmpfs has a size but no
//! `mode`, `uid` or `gid` (its options are API 1.46), and is always `rw,nosuid,nodev,noexec`.
//!
//! A change that loses a security control this way is reported (`inexpressible: warn`, the
//! default) or refused with the way out named (`inexpressible: deny`, as `strict` says). A
//! tmpfs that loses only its mode or owner loosens nothing: the rest of it is delivered and
//! the loss said, whatever the profile says; where the container's non-root user would need to
//! own it (any path but `/tmp` and `/var/tmp`), as a warning of its own. Pure.

use crate::docker::values::{parse_bytes, parse_swap};
use crate::plan::{Change, ChangeKind, Limits};
use crate::profile::{Inexpressible, Profile};
use crate::rules::Level;
use crate::spec::Edit;

/// The engine API from which the service spec has capabilities and a pids limit.
pub const CAPABILITIES_API: (u32, u32) = (1, 41);

/// The tmpfs options a stack delivers as asked (Swarm mounts every tmpfs read-write, nosuid,
/// nodev and noexec; its size is `tmpfs.size`).
const TMPFS_DELIVERED: [&str; 5] = ["rw", "noexec", "nosuid", "nodev", "size"];

/// The limits of a stack on one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackLimits {
    /// The engine's API version; `None` when it is unknown (taken as older than 1.41).
    pub api: Option<(u32, u32)>,
    pub policy: Inexpressible,
    /// The memory limit the task will have, in bytes (`task_memory`).
    pub memory: Option<i64>,
    /// Whether a tmpfs can have a mode: `service create --mount tmpfs-mode=` can, a stack file
    /// cannot.
    pub tmpfs_mode: bool,
}

/// The memory limit the task will have: the service's own, tightened to the profile's under
/// `enforce`, or the profile's when the service has none and `memory-limit` is on.
pub fn task_memory(own: Option<i64>, profile: &Profile) -> Option<i64> {
    let setting = profile
        .setting("memory-limit")
        .filter(|s| matches!(s.level, Level::Set | Level::Enforce));
    let wanted = setting.and_then(|s| s.params.memory.as_ref().map(|m| m.bytes));
    match (own, wanted) {
        (Some(own), Some(wanted)) if setting.is_some_and(|s| s.level == Level::Enforce) => {
            Some(own.min(wanted))
        }
        (Some(own), _) => Some(own),
        (None, wanted) => wanted,
    }
}

/// Reads `1.41`.
pub fn parse_api(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn api_text(api: Option<(u32, u32)>) -> String {
    api.map_or_else(
        || "an engine API hardrun could not learn".to_owned(),
        |(major, minor)| format!("engine API {major}.{minor}"),
    )
}

impl StackLimits {
    /// Why Swarm cannot deliver `edit`, and the way out; `None` when it can. `memory` is the
    /// memory limit the task will have.
    fn lost(&self, edit: &Edit, memory: Option<i64>) -> Option<(String, &'static str)> {
        let old = self.api.is_none_or(|api| api < CAPABILITIES_API);
        match edit {
            Edit::NoNewPrivileges => Some((
                "a Swarm service cannot be given no-new-privileges: the docker CLI never sends the service API's NoNewPrivileges (and docker stack deploy ignores security_opt)".into(),
                "set `\"no-new-privileges\": true` in /etc/docker/daemon.json on every node, then waive the rule with `--allow no-new-privileges=REASON`",
            )),
            Edit::MemorySwap(swap)
                if memory.is_some_and(|m| parse_swap(swap) == m.checked_mul(2)) =>
            {
                None
            }
            Edit::MemorySwap(_) => Some((
                "a Swarm service has no swap limit".into(),
                "use a profile whose memory-limit has no `swap:`, or waive it with `--allow memory-limit=REASON`",
            )),
            Edit::CapDrop(_) | Edit::CapAdd(_) if old => Some((
                format!(
                    "cap_drop and cap_add reach a Swarm task only from engine API 1.41, and this is {}",
                    api_text(self.api)
                ),
                "upgrade the engine to 20.10 or later, or waive the rule with `--allow drop-capabilities=REASON`",
            )),
            Edit::PidsLimit(_) if old => Some((
                format!(
                    "deploy.resources.limits.pids reaches a Swarm task only from engine API 1.41, and this is {}",
                    api_text(self.api)
                ),
                "upgrade the engine to 20.10 or later, or waive the rule with `--allow pids-limit=REASON`",
            )),
            _ => None,
        }
    }
}

/// The options of a tmpfs a stack cannot give it (`mode=1777`, `uid=1000`), and the options
/// that remain.
fn tmpfs_loss(options: &str, mode: bool) -> (Vec<String>, String) {
    let (kept, lost): (Vec<&str>, Vec<&str>) = options
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .partition(|o| {
            let key = o.split('=').next().unwrap_or_default();
            TMPFS_DELIVERED.contains(&key) || (mode && key == "mode")
        });
    (
        lost.into_iter().map(str::to_owned).collect(),
        kept.join(","),
    )
}

impl Limits for StackLimits {
    fn limit(&self, change: &mut Change) -> Vec<Change> {
        let mut lost: Vec<(String, &'static str)> = Vec::new();
        let mut tmpfs_lost: Vec<String> = Vec::new();
        // The scratch paths a non-root user needs to own, but a Swarm tmpfs cannot give it.
        let mut unowned: Vec<String> = Vec::new();
        let mut kept = Vec::new();
        let memory = change
            .edits
            .iter()
            .find_map(|edit| match edit {
                Edit::Memory(size) => parse_bytes(size),
                _ => None,
            })
            .or(self.memory);
        for edit in change.edits.drain(..) {
            if let Some(why) = self.lost(&edit, memory) {
                lost.push(why);
                continue;
            }
            match edit {
                // The daemon's default for a task with a memory limit (`lost` let it through).
                Edit::MemorySwap(_) => {}
                Edit::Tmpfs { target, options } => {
                    let (gone, options) = tmpfs_loss(&options, self.tmpfs_mode);
                    if !gone.is_empty() {
                        tmpfs_lost.push(format!("{target} ({})", gone.join(",")));
                    }
                    if gone.iter().any(|o| o.starts_with("uid="))
                        && !WORLD_WRITABLE.contains(&target.as_str())
                    {
                        unowned.push(target.clone());
                    }
                    kept.push(Edit::Tmpfs { target, options });
                }
                other => kept.push(other),
            }
        }
        change.edits = kept;
        if !tmpfs_lost.is_empty() {
            change.reason = format!(
                "{}; a Swarm tmpfs cannot have these options, so {} get the mode of the image's directory (unless a mode is given) and belong to root: the container's user may not be able to write there",
                change.reason,
                tmpfs_lost.join(", ")
            );
        }
        let caveats = unowned_warning(change.rule, &unowned).into_iter().collect();
        if lost.is_empty() {
            return caveats;
        }
        let why: Vec<&str> = lost.iter().map(|(why, _)| why.as_str()).collect();
        let way_out: Vec<&str> = lost.iter().map(|(_, way)| *way).collect();
        match self.policy {
            Inexpressible::Deny => {
                change.kind = ChangeKind::Refused;
                change.edits.clear();
                change.reason = format!(
                    "{}; {} (the profile says `inexpressible: deny`); help: {}",
                    change.reason,
                    why.join("; "),
                    way_out.join("; ")
                );
            }
            Inexpressible::Warn => {
                if change.edits.is_empty() {
                    change.kind = ChangeKind::Warned;
                }
                change.reason = format!(
                    "{}; not applied: {} ({})",
                    change.reason,
                    why.join("; "),
                    way_out.join("; ")
                );
            }
        }
        caveats
    }
}

/// The directories every image has world-writable (sticky, 1777): a tmpfs there keeps that
/// mode, so any user can write it without an owner.
const WORLD_WRITABLE: [&str; 2] = ["/tmp", "/var/tmp"];

/// The warning, beside the change, that a non-root container user may not be able to write the
/// Swarm tmpfs at `unowned`: a tmpfs mounted over a directory of the image keeps that
/// directory's owner (root) and, before runc 1.1.9, its mode. Said under every profile: the rest
/// of the tmpfs is delivered.
fn unowned_warning(rule: &'static str, unowned: &[String]) -> Option<Change> {
    if unowned.is_empty() {
        return None;
    }
    Some(Change {
        rule,
        kind: ChangeKind::Warned,
        reason: format!(
            "a Swarm tmpfs cannot be given the container user's owner: {} will belong to root where the image has the directory (and keep its mode before runc 1.1.9), so the service's non-root user may not be able to write there; help: an image whose writable directories belong to its user, or waive {rule} for this service (`x-hardrun: {{allow: [{rule}], reason: …}}`)",
            unowned.join(", ")
        ),
        offending: None,
        edits: Vec::new(),
    })
}

/// The limits of `service update --rollback`: the service returns to its previous spec, and
/// docker takes no other flag with a rollback, so nothing can be added. A change that would add
/// or tighten a control is refused, with the way out named; what a service cannot express at
/// all is said as for any service.
pub struct RollbackLimits(pub StackLimits);

impl Limits for RollbackLimits {
    fn limit(&self, change: &mut Change) -> Vec<Change> {
        let caveats = self.0.limit(change);
        if change.edits.is_empty() {
            return caveats;
        }
        change.kind = ChangeKind::Refused;
        change.edits.clear();
        change.reason = format!(
            "{}; the previous spec a rollback returns to lacks this, and `service update --rollback` takes no other flag to add it; help: update the service with hardrun instead (`hardrun service update --image IMAGE SERVICE` with the image to return to), or waive the rule with `--allow {}=REASON`",
            change.reason, change.rule
        );
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rule: &'static str, edits: Vec<Edit>) -> Change {
        Change {
            rule,
            kind: ChangeKind::Added,
            reason: "wanted".into(),
            offending: None,
            edits,
        }
    }

    const WARN: StackLimits = StackLimits {
        api: Some((1, 41)),
        policy: Inexpressible::Warn,
        memory: None,
        tmpfs_mode: false,
    };

    #[test]
    fn no_new_privileges_is_warned_or_refused_with_the_way_out() {
        let mut warned = change("no-new-privileges", vec![Edit::NoNewPrivileges]);
        WARN.limit(&mut warned);
        assert_eq!(warned.kind, ChangeKind::Warned);
        assert!(warned.edits.is_empty());
        assert!(warned.reason.contains("daemon.json"), "{}", warned.reason);
        let mut refused = change("no-new-privileges", vec![Edit::NoNewPrivileges]);
        StackLimits {
            policy: Inexpressible::Deny,
            ..WARN
        }
        .limit(&mut refused);
        assert_eq!(refused.kind, ChangeKind::Refused);
        assert!(refused.reason.contains("--allow no-new-privileges"));
    }

    #[test]
    fn a_swap_of_twice_the_memory_is_the_daemons_default() {
        let mut memory = change(
            "memory-limit",
            vec![Edit::Memory("512m".into()), Edit::MemorySwap("1g".into())],
        );
        StackLimits {
            policy: Inexpressible::Deny,
            ..WARN
        }
        .limit(&mut memory);
        assert_eq!(memory.kind, ChangeKind::Added);
        assert_eq!(memory.edits, [Edit::Memory("512m".into())]);
        let mut swap_only = change("memory-limit", vec![Edit::MemorySwap("1g".into())]);
        StackLimits {
            memory: Some(512 << 20),
            ..WARN
        }
        .limit(&mut swap_only);
        assert_eq!(swap_only.kind, ChangeKind::Added, "{}", swap_only.reason);
        assert!(swap_only.edits.is_empty());
    }

    #[test]
    fn what_remains_of_a_change_is_delivered() {
        let mut memory = change(
            "memory-limit",
            vec![Edit::Memory("512m".into()), Edit::MemorySwap("2g".into())],
        );
        WARN.limit(&mut memory);
        assert_eq!(memory.kind, ChangeKind::Added);
        assert_eq!(memory.edits, [Edit::Memory("512m".into())]);
        assert!(memory.reason.contains("no swap limit"));
    }

    #[test]
    fn capabilities_and_pids_need_api_1_41() {
        for api in [Some((1, 40)), None] {
            let limits = StackLimits { api, ..WARN };
            let mut caps = change("drop-capabilities", vec![Edit::CapDrop("ALL".into())]);
            limits.limit(&mut caps);
            assert_eq!(caps.kind, ChangeKind::Warned, "{api:?}");
            let mut pids = change("pids-limit", vec![Edit::PidsLimit(100)]);
            limits.limit(&mut pids);
            assert_eq!(pids.kind, ChangeKind::Warned);
        }
        let mut caps = change("drop-capabilities", vec![Edit::CapDrop("ALL".into())]);
        WARN.limit(&mut caps);
        assert_eq!(caps.kind, ChangeKind::Added);
    }

    #[test]
    fn a_tmpfs_keeps_its_size_and_loses_its_mode_and_owner_even_when_strict() {
        let mut tmpfs = change(
            "read-only-rootfs",
            vec![
                Edit::ReadOnlyRootfs,
                Edit::Tmpfs {
                    target: "/tmp".into(),
                    options: "rw,noexec,nosuid,size=100m,mode=1777,uid=1000,gid=1000".into(),
                },
            ],
        );
        StackLimits {
            policy: Inexpressible::Deny,
            ..WARN
        }
        .limit(&mut tmpfs);
        assert_eq!(tmpfs.kind, ChangeKind::Added);
        assert_eq!(
            tmpfs.edits[1],
            Edit::Tmpfs {
                target: "/tmp".into(),
                options: "rw,noexec,nosuid,size=100m".into()
            }
        );
        assert!(tmpfs.reason.contains("/tmp (mode=1777,uid=1000,gid=1000)"));
    }

    #[test]
    fn an_unowned_tmpfs_over_an_image_directory_is_a_warning_of_its_own() {
        let tmpfs = |target: &str| Edit::Tmpfs {
            target: target.into(),
            options: "rw,size=100m,mode=1777,uid=101,gid=101".into(),
        };
        let mut change = change(
            "read-only-rootfs",
            vec![Edit::ReadOnlyRootfs, tmpfs("/tmp"), tmpfs("/var/lib/nginx")],
        );
        for limits in [
            WARN,
            StackLimits {
                tmpfs_mode: true,
                policy: Inexpressible::Deny,
                ..WARN
            },
        ] {
            let caveats = limits.limit(&mut change.clone());
            assert_eq!(caveats.len(), 1, "{caveats:?}");
            assert_eq!(caveats[0].kind, ChangeKind::Warned);
            assert_eq!(caveats[0].rule, "read-only-rootfs");
            // /tmp is world-writable in the image already; /var/lib/nginx belongs to root.
            assert!(
                caveats[0]
                    .reason
                    .contains(": /var/lib/nginx will belong to root"),
                "{}",
                caveats[0].reason
            );
            assert!(
                caveats[0]
                    .reason
                    .contains("x-hardrun: {allow: [read-only-rootfs]")
            );
        }
        // Root's tmpfs has no owner to lose; nor has /tmp alone.
        let mut as_root = change.clone();
        as_root.edits = vec![Edit::Tmpfs {
            target: "/var/lib/nginx".into(),
            options: "rw,size=100m,mode=1777".into(),
        }];
        assert!(WARN.limit(&mut as_root).is_empty());
        change.edits.truncate(2);
        assert!(WARN.limit(&mut change).is_empty());
    }

    #[test]
    fn the_task_memory_is_the_services_or_the_profiles() {
        let load = |name| crate::profile::load(name, &crate::profile::builtin::Builtins).unwrap();
        let production = load("production");
        let baseline = load("baseline");
        assert_eq!(task_memory(None, &production), Some(512 << 20));
        assert_eq!(task_memory(Some(1 << 30), &production), Some(512 << 20));
        assert_eq!(task_memory(Some(1 << 20), &production), Some(1 << 20));
        assert_eq!(task_memory(None, &baseline), None);
    }

    #[test]
    fn a_rollback_refuses_what_it_would_have_to_add() {
        let rollback = RollbackLimits(WARN);
        let mut pids = change("pids-limit", vec![Edit::PidsLimit(100)]);
        rollback.limit(&mut pids);
        assert_eq!(pids.kind, ChangeKind::Refused);
        assert!(pids.edits.is_empty());
        assert!(
            pids.reason.contains("--allow pids-limit=REASON"),
            "{}",
            pids.reason
        );
        // What no service can express is warned as for any service, not refused.
        let mut privileges = change("no-new-privileges", vec![Edit::NoNewPrivileges]);
        rollback.limit(&mut privileges);
        assert_eq!(privileges.kind, ChangeKind::Warned);
        let mut kept = change("read-only-rootfs", Vec::new());
        kept.kind = ChangeKind::Kept;
        rollback.limit(&mut kept);
        assert_eq!(kept.kind, ChangeKind::Kept);
    }

    #[test]
    fn api_versions_are_read() {
        assert_eq!(parse_api("1.41\n"), Some((1, 41)));
        assert_eq!(parse_api("x"), None);
    }
}

//! `drop-capabilities`: drops the capabilities the container does not need, so that root in it
//! holds as little of root's power as possible.

use std::collections::BTreeSet;

use crate::docker::values::normalize_capability;
use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit, Sourced};

pub const RULE: Rule = Rule {
    id: "drop-capabilities",
    title: "Drop capabilities the container does not need",
    severity: Severity::High,
    kind: RuleKind::Injection,
    cis: &["5.4"],
    owasp: &["Rule #3"],
    protects: "Docker's 14 default capabilities let root in the container forge packets \
               (NET_RAW), create device nodes (MKNOD), ignore file permissions (DAC_OVERRIDE) \
               and change owners: each one widens what an attacker can do after a break-in.",
    may_break: "Images whose entrypoint changes owners or switches user (chown, gosu, su-exec), \
                ping, and anything else that relies on a default capability; add back what \
                they need with the profile's add list.",
    params: &[("drop", "ALL"), ("add", "NET_BIND_SERVICE")],
    example: "docker run --cap-add SYS_ADMIN busybox",
    assess,
};

/// The capabilities docker grants by default (`oci/caps/defaults.go`).
const DEFAULT_CAPS: [&str; 14] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const ALL: &str = "ALL";

/// The capabilities added back when the profile names none.
pub(crate) fn default_add_back() -> Vec<String> {
    vec!["NET_BIND_SERVICE".to_owned()]
}

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let wanted_drop = names(params.drop.as_deref().unwrap_or(&[ALL.to_owned()]));
    let default_add = default_add_back();
    let wanted_add = names(params.add.as_deref().unwrap_or(&default_add));
    let allowed = capability_set(&wanted_drop, &wanted_add);

    let user_drop: BTreeSet<String> = spec
        .cap_drop
        .iter()
        .map(|c| normalize_capability(&c.value))
        .collect();
    let user_add = first_origins(&spec.cap_add);
    let user_add_names: BTreeSet<String> = user_add.iter().map(|(cap, _)| cap.clone()).collect();

    // The daemon's rules (`TweakCapabilities`): `--cap-add ALL` wins over any drop.
    if let Some((_, origin)) = user_add.iter().find(|(cap, _)| cap == ALL) {
        // The container holds every capability, and no flag appended after it takes them
        // back: only the user can.
        let mut findings = vec![Finding::Weaker {
            edits: Vec::new(),
            offending: origin.clone(),
            reason: "--cap-add ALL grants every capability, whatever is dropped".into(),
        }];
        findings.extend(outside_allow_list(&user_add, &allowed));
        return findings;
    }

    let effective = if user_drop.contains(ALL) {
        user_add_names.clone()
    } else {
        let mut caps: BTreeSet<String> = DEFAULT_CAPS
            .iter()
            .map(|c| (*c).to_owned())
            .filter(|c| !user_drop.contains(c))
            .collect();
        caps.extend(user_add_names.iter().cloned());
        caps
    };
    if effective.is_subset(&allowed) {
        let reason = if user_drop.contains(ALL) {
            "kept --cap-drop ALL and the user's add-backs, all within the profile".to_owned()
        } else {
            "the capability set is within the profile's allow list".to_owned()
        };
        return vec![Finding::Satisfied(reason)];
    }

    let mut findings = Vec::new();
    let edits = tightening(
        &wanted_drop,
        &wanted_add,
        &user_drop,
        &user_add_names,
        &effective,
    );
    if !edits.is_empty() {
        findings.push(Finding::Missing {
            edits,
            reason: "the container keeps capabilities the profile drops".into(),
        });
    }
    findings.extend(outside_allow_list(&user_add, &allowed));
    findings
}

/// The capabilities a drop list and an add list leave, by the daemon's rules.
fn capability_set(drop: &[String], add: &[String]) -> BTreeSet<String> {
    let mut caps: BTreeSet<String> = if drop.iter().any(|c| c == ALL) {
        BTreeSet::new()
    } else {
        DEFAULT_CAPS
            .iter()
            .map(|c| (*c).to_owned())
            .filter(|c| !drop.contains(c))
            .collect()
    };
    caps.extend(add.iter().cloned());
    caps
}

/// The profile's drops the user has not made, and the profile's add-backs the container holds
/// now but would lose: an add-back never grants a capability the container does not have, so
/// it never undoes a drop of the user's.
fn tightening(
    wanted_drop: &[String],
    wanted_add: &[String],
    user_drop: &BTreeSet<String>,
    user_add: &BTreeSet<String>,
    effective: &BTreeSet<String>,
) -> Vec<Edit> {
    let drops = wanted_drop
        .iter()
        .filter(|cap| !user_drop.contains(*cap))
        .map(|cap| Edit::CapDrop(cap.clone()));
    let adds = wanted_add
        .iter()
        .filter(|cap| {
            !user_add.contains(*cap) && !user_drop.contains(*cap) && effective.contains(*cap)
        })
        .map(|cap| Edit::CapAdd(cap.clone()));
    drops.chain(adds).collect()
}

/// One finding for each capability the user adds outside the allow list.
fn outside_allow_list(user_add: &[(String, String)], allowed: &BTreeSet<String>) -> Vec<Finding> {
    user_add
        .iter()
        .filter(|(cap, _)| cap != ALL && !allowed.contains(cap))
        .map(|(_, origin)| Finding::Weaker {
            // Appending cannot take a capability back: only the user can.
            edits: Vec::new(),
            offending: origin.clone(),
            reason: "adds a capability outside the profile's allow list".into(),
        })
        .collect()
}

/// Normalized names, without duplicates, in order.
fn names(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in list.iter().map(|n| normalize_capability(n)) {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Each added capability once, with the origin of its first `--cap-add`.
fn first_origins(list: &[Sourced<String>]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for cap in list {
        let name = normalize_capability(&cap.value);
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, cap.origin.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(drop: &[&str], add: &[&str]) -> ContainerSpec {
        ContainerSpec {
            cap_drop: drop
                .iter()
                .map(|c| Sourced::new((*c).to_owned(), format!("--cap-drop {c}")))
                .collect(),
            cap_add: add
                .iter()
                .map(|c| Sourced::new((*c).to_owned(), format!("--cap-add {c}")))
                .collect(),
            ..ContainerSpec::default()
        }
    }

    fn baseline() -> Params {
        Params {
            drop: Some(vec!["NET_RAW".into(), "MKNOD".into(), "AUDIT_WRITE".into()]),
            add: Some(vec![]),
            ..Params::default()
        }
    }

    use crate::rules::edits_of as edits;

    /// Applies edits the way the front ends do: lists accumulate.
    fn apply(mut spec: ContainerSpec, edits: &[Edit]) -> ContainerSpec {
        for edit in edits {
            match edit {
                Edit::CapDrop(cap) => spec.cap_drop.push(Sourced::new(cap.clone(), "hardrun")),
                Edit::CapAdd(cap) => spec.cap_add.push(Sourced::new(cap.clone(), "hardrun")),
                other => panic!("unexpected edit {other:?}"),
            }
        }
        spec
    }

    fn assert_idempotent(spec: ContainerSpec, params: &Params) {
        let found = assess(&spec, params, &Context::default());
        let hardened = apply(spec.clone(), &edits(&found));
        let again = assess(&hardened, params, &Context::default());
        // What is left is what only the user can undo: a capability added outside the allow
        // list, which no appended flag takes back.
        assert!(
            again.iter().all(|f| matches!(f, Finding::Satisfied(_))
                || matches!(f, Finding::Weaker { edits, .. } if edits.is_empty())),
            "{spec:?} -> {hardened:?} -> {again:?}"
        );
        assert!(edits(&again).is_empty(), "{spec:?} -> {again:?}");
    }

    #[test]
    fn catches_default_capabilities_and_drops_all_keeping_the_add_back() {
        let found = assess(&spec(&[], &[]), &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::Missing { .. }]));
        assert_eq!(
            edits(&found),
            [
                Edit::CapDrop("ALL".into()),
                Edit::CapAdd("NET_BIND_SERVICE".into())
            ]
        );
    }

    #[test]
    fn catches_an_added_capability_outside_the_allow_list() {
        let found = assess(
            &spec(&[], &["SYS_ADMIN"]),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Missing { .. }, Finding::Weaker { edits, offending, .. }]
            if offending == "--cap-add SYS_ADMIN" && edits.is_empty())
        );
    }

    #[test]
    fn catches_an_add_beside_the_users_drop_all_without_re_adding() {
        let found = assess(
            &spec(&["ALL"], &["SYS_ADMIN"]),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Weaker { edits, offending, .. }]
            if offending == "--cap-add SYS_ADMIN" && edits.is_empty()),
            "{found:?}"
        );
    }

    #[test]
    fn catches_cap_add_all_as_weaker() {
        let found = assess(
            &spec(&[], &["ALL"]),
            &Params::default(),
            &Context::default(),
        );
        // No flag appended after `--cap-add ALL` takes a capability back.
        assert!(
            matches!(&found[..], [Finding::Weaker { offending, edits, .. }]
            if offending == "--cap-add ALL" && edits.is_empty())
        );
    }

    #[test]
    fn catches_the_baseline_drops() {
        let found = assess(&spec(&[], &[]), &baseline(), &Context::default());
        assert_eq!(
            edits(&found),
            [
                Edit::CapDrop("NET_RAW".into()),
                Edit::CapDrop("MKNOD".into()),
                Edit::CapDrop("AUDIT_WRITE".into()),
            ]
        );
        let found = assess(
            &spec(&["NET_RAW"], &["NET_RAW", "CHOWN"]),
            &baseline(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Missing { .. }, Finding::Weaker { offending, .. }]
            if offending == "--cap-add NET_RAW")
        );
    }

    #[test]
    fn does_not_re_add_a_capability_the_user_dropped() {
        let found = assess(
            &spec(&["NET_BIND_SERVICE"], &[]),
            &Params::default(),
            &Context::default(),
        );
        assert_eq!(edits(&found), [Edit::CapDrop("ALL".into())]);
    }

    #[test]
    fn does_not_catch_drop_all_with_or_without_the_add_back() {
        for spec in [
            spec(&["ALL"], &["NET_BIND_SERVICE"]),
            spec(&["ALL"], &[]),
            spec(&["all"], &["cap_net_bind_service"]),
        ] {
            let found = assess(&spec, &Params::default(), &Context::default());
            assert!(
                matches!(&found[..], [Finding::Satisfied(_)]),
                "{spec:?}: {found:?}"
            );
        }
    }

    #[test]
    fn does_not_catch_a_spec_within_the_baseline() {
        let found = assess(
            &spec(&["NET_RAW", "MKNOD", "AUDIT_WRITE"], &["CHOWN"]),
            &baseline(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn edits_are_idempotent() {
        let specs = [
            spec(&[], &[]),
            spec(&["NET_RAW"], &[]),
            spec(&["NET_BIND_SERVICE"], &["SYS_ADMIN"]),
            spec(&["ALL"], &["SYS_PTRACE", "NET_BIND_SERVICE"]),
            spec(&[], &["ALL"]),
            spec(&["MKNOD"], &["ALL", "NET_ADMIN"]),
            spec(&[], &["NET_RAW", "CHOWN"]),
        ];
        for params in [Params::default(), baseline()] {
            for spec in &specs {
                assert_idempotent(spec.clone(), &params);
            }
        }
    }
}

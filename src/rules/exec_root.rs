//! `exec-root`: refuses `docker exec -u root` (or uid 0), which runs a process as root inside a
//! container that may have been started as an unprivileged user.
//!
//! The user part decides, as the daemon reads it: `root`, a number equal to 0 (`0`, `00`, `+0`,
//! as Go's `strconv.Atoi` reads it), or an empty user part with a group (`:1000`, `:`), which
//! the daemon resolves to uid 0. An empty `--user ""` is the same as no `--user`: the
//! container's own user, which the command line does not show, so it is not caught (CIS 5.24
//! is about asking for root explicitly). The rule judges `docker exec` command lines (the exec
//! guard, `docker::exec_guard`), not containers: `assess` finds nothing in a container.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "exec-root",
    title: "Do not exec into containers as root",
    severity: Severity::Medium,
    kind: RuleKind::Refusal,
    cis: &["5.24"],
    owasp: &["Rule #2"],
    protects: "docker exec -u root undoes a container's non-root user for the new process: it can \
               read and change every file of the container, install tools, and reach the \
               kernel with root's uid, one kernel bug or writable mount away from the host.",
    may_break: "Maintenance that needs root inside the container (installing a package to \
                debug, fixing file ownership); prefer a rebuilt image or a one-off container, \
                or waive the rule for the one command.",
    params: &[],
    example: "docker exec -u 0 web id",
    assess,
};

/// Containers are not exec commands: nothing to find.
fn assess(_: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    Vec::new()
}

/// Judges the effective `--user` of a `docker exec`: its value and how it was typed, or `None`
/// when the flag is absent.
pub fn judge(user: Option<(&str, &str)>) -> Finding {
    match user {
        None => Finding::Satisfied("no --user: the command runs as the container's user".into()),
        Some(("", _)) => {
            Finding::Satisfied("an empty --user: the command runs as the container's user".into())
        }
        Some((value, origin)) if is_root(value) => Finding::Forbidden {
            offending: origin.to_owned(),
            reason: "the exec process runs as root in the container, whatever user the \
                     container runs as"
                .into(),
        },
        Some((_, origin)) => Finding::Satisfied(format!("kept {origin}: not root")),
    }
}

/// Whether a non-empty `user[:group]` runs as root: a user part that is empty, `root`, or a
/// number equal to 0.
pub fn is_root(user: &str) -> bool {
    let name = user.split_once(':').map_or(user, |(name, _)| name);
    name.is_empty() || name == "root" || name.parse::<i64>() == Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caught(user: &str) -> bool {
        match judge(Some((user, "-u x"))) {
            Finding::Forbidden { offending, .. } => {
                assert_eq!(offending, "-u x");
                true
            }
            Finding::Satisfied(_) => false,
            other => panic!("{user}: {other:?}"),
        }
    }

    #[test]
    fn catches_every_spelling_of_root() {
        for user in [
            "root",
            "0",
            "0:0",
            "root:root",
            "root:1000",
            "0:1000",
            "00",
            "+0",
            ":1000",
            ":",
        ] {
            assert!(caught(user), "{user}");
        }
    }

    #[test]
    fn does_not_catch_other_users() {
        for user in [
            "1000", "1000:0", "app", "app:root", "ROOT", "10", "rooty", "0x0",
        ] {
            assert!(!caught(user), "{user}");
        }
    }

    #[test]
    fn does_not_catch_no_user_or_an_empty_one() {
        assert!(matches!(judge(None), Finding::Satisfied(_)));
        assert!(!caught(""));
    }

    #[test]
    fn finds_nothing_in_a_container() {
        let spec = ContainerSpec::default();
        assert!(assess(&spec, &Params::default(), &Context::default()).is_empty());
    }
}

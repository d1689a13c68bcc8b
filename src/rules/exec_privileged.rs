//! `exec-privileged`: refuses `docker exec --privileged`, which gives one process in a running
//! container every capability of the host, whatever the container was started with.
//!
//! The rule judges `docker exec` command lines (the exec guard, `docker::exec_guard`), not
//! containers: `assess` finds nothing in a container, so `run`, compose and `verify` never
//! report it. pflag's last `--privileged` wins, so `--privileged --privileged=false` is not
//! privileged.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "exec-privileged",
    title: "Do not exec privileged processes into containers",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["5.23"],
    owasp: &["Rule #3"],
    protects: "docker exec --privileged gives the new process every capability and every host \
               device, outside the container's seccomp and AppArmor profiles: the controls the \
               container was started with (dropped capabilities, no-new-privileges) do not \
               apply to it.",
    may_break: "Debugging sessions that need a capability the container lacks; start a \
                dedicated debug container with only that capability instead, or waive the \
                rule for the one command.",
    params: &[],
    example: "docker exec --privileged web sh",
    assess,
};

/// Containers are not exec commands: nothing to find.
fn assess(_: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    Vec::new()
}

/// Judges the effective `--privileged` of a `docker exec`: its value and how it was typed, or
/// `None` when the flag is absent.
pub fn judge(privileged: Option<(bool, &str)>) -> Finding {
    match privileged {
        Some((true, origin)) => Finding::Forbidden {
            offending: origin.to_owned(),
            reason: "a privileged exec process has every capability and device of the host, \
                     outside the container's seccomp and AppArmor confinement"
                .into(),
        },
        _ => Finding::Satisfied("the exec process is not privileged".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_privileged() {
        assert!(matches!(
            judge(Some((true, "--privileged"))),
            Finding::Forbidden { offending, .. } if offending == "--privileged"
        ));
    }

    #[test]
    fn does_not_catch_absent_or_false() {
        assert!(matches!(judge(None), Finding::Satisfied(_)));
        assert!(matches!(
            judge(Some((false, "--privileged=false"))),
            Finding::Satisfied(_)
        ));
    }

    #[test]
    fn finds_nothing_in_a_container() {
        let spec = ContainerSpec::default();
        assert!(assess(&spec, &Params::default(), &Context::default()).is_empty());
    }
}

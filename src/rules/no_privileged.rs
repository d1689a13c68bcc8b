//! `no-privileged`: refuses `--privileged`, which undoes every other control.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "no-privileged",
    title: "Do not run privileged containers",
    severity: Severity::Critical,
    kind: RuleKind::Refusal,
    cis: &["5.5"],
    owasp: &["Rule #3"],
    protects: "A privileged container gets every capability and every host device, runs without \
               seccomp and AppArmor and with a writable /sys: root in it is root on the host.",
    may_break: "Containers that manage the host (device drivers, nested docker, some monitoring \
                agents); grant them the one capability or device they need instead.",
    params: &[],
    example: "docker run --privileged busybox",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    match &spec.privileged {
        Some(privileged) if privileged.value => vec![Finding::Forbidden {
            offending: privileged.origin.clone(),
            reason: "a privileged container has every capability and device of the host".into(),
        }],
        _ => vec![Finding::Satisfied("not privileged".into())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn findings(privileged: Option<bool>) -> Vec<Finding> {
        let spec = ContainerSpec {
            privileged: privileged.map(|p| Sourced::new(p, "--privileged")),
            ..ContainerSpec::default()
        };
        assess(&spec, &Params::default(), &Context::default())
    }

    #[test]
    fn catches_privileged() {
        assert!(
            matches!(&findings(Some(true))[..], [Finding::Forbidden { offending, .. }] if offending == "--privileged")
        );
    }

    #[test]
    fn does_not_catch_absent_or_false() {
        assert!(matches!(&findings(None)[..], [Finding::Satisfied(_)]));
        assert!(matches!(
            &findings(Some(false))[..],
            [Finding::Satisfied(_)]
        ));
    }
}

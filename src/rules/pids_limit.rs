//! `pids-limit`: a cap on the number of processes, so a fork bomb stays inside its container.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "pids-limit",
    title: "Limit the number of processes",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &["5.29"],
    owasp: &["Rule #7"],
    protects: "Without a pids limit a fork bomb or a thread leak in one container exhausts the \
               host's process table, and nothing on the host can start a process any more.",
    may_break: "Workloads with many processes or threads (build farms, JVMs with large pools, \
                prefork servers) fail to fork or spawn threads once they reach the limit.",
    params: &[("pids", "1024")],
    example: "docker run --pids-limit=-1 busybox",
    assess,
};

const DEFAULT_PIDS: i64 = 1024;

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let wanted = params.pids.unwrap_or(DEFAULT_PIDS);
    match &spec.pids_limit {
        Some(limit) if limit.value > 0 && limit.value <= wanted => {
            vec![Finding::Satisfied(format!("kept {}", limit.origin))]
        }
        // A typed `0` is unlimited, as `-1` is (the engine reads any value <= 0 so); the
        // `docker inspect` front end reads the engine's 0 as absent, so it never gets here.
        Some(limit) => vec![Finding::Weaker {
            edits: vec![Edit::PidsLimit(wanted)],
            offending: limit.origin.clone(),
            reason: if limit.value <= 0 {
                "the pids limit is unlimited".into()
            } else {
                format!("the pids limit is above the profile's {wanted}")
            },
        }],
        None => vec![Finding::Missing {
            edits: vec![Edit::PidsLimit(wanted)],
            reason: "no pids limit: a fork bomb can exhaust the host's process table".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn findings(limit: Option<i64>, params: &Params) -> Vec<Finding> {
        let spec = ContainerSpec {
            pids_limit: limit.map(|l| Sourced::new(l, format!("--pids-limit {l}"))),
            ..ContainerSpec::default()
        };
        assess(&spec, params, &Context::default())
    }

    #[test]
    fn catches_an_absent_limit() {
        assert!(matches!(
            &findings(None, &Params::default())[..],
            [Finding::Missing { edits, .. }] if edits == &[Edit::PidsLimit(1024)]
        ));
    }

    #[test]
    fn catches_an_unlimited_or_larger_limit() {
        for limit in [-1, 0, 4096] {
            let found = findings(Some(limit), &Params::default());
            assert!(
                matches!(&found[..], [Finding::Weaker { offending, edits, .. }]
                    if *offending == format!("--pids-limit {limit}") && edits == &[Edit::PidsLimit(1024)]),
                "{limit}"
            );
        }
    }

    #[test]
    fn does_not_catch_a_smaller_or_equal_limit() {
        for limit in [1, 100, 1024] {
            assert!(matches!(
                &findings(Some(limit), &Params::default())[..],
                [Finding::Satisfied(_)]
            ));
        }
    }

    #[test]
    fn uses_the_profiles_limit() {
        let params = Params {
            pids: Some(100),
            ..Params::default()
        };
        assert!(
            matches!(&findings(Some(1024), &params)[..], [Finding::Weaker { edits, .. }] if edits == &[Edit::PidsLimit(100)])
        );
        assert!(matches!(
            &findings(Some(100), &params)[..],
            [Finding::Satisfied(_)]
        ));
    }
}

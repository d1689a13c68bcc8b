//! `init-process`: runs a tiny init (`--init`, docker-init/tini) as pid 1, which reaps zombies
//! and forwards signals that most applications, written to be pid 1's children, ignore.
//!
//! Engine API 1.25 and later support `--init`.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "init-process",
    title: "Run an init process as pid 1",
    severity: Severity::Low,
    kind: RuleKind::Injection,
    cis: &[],
    owasp: &["Rule #7"],
    protects: "An application running as pid 1 does not reap orphaned children, whose zombies \
               fill the pids limit, and gets no default handler for SIGTERM, so docker stop \
               waits out its timeout and then kills it without a clean shutdown.",
    may_break: "Images whose entrypoint must itself be pid 1 (s6-overlay refuses to start \
                otherwise) or that already ship tini or dumb-init, which then runs as a \
                harmless second init.",
    params: &[],
    example: "docker run busybox",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    match &spec.init {
        Some(init) if init.value => vec![Finding::Satisfied(format!("kept {}", init.origin))],
        Some(init) => vec![Finding::Weaker {
            edits: vec![Edit::Init],
            offending: init.origin.clone(),
            reason: "the init process is turned off: pid 1 does not reap zombies or forward \
                     signals"
                .into(),
        }],
        None => vec![Finding::Missing {
            edits: vec![Edit::Init],
            reason: "pid 1 does not reap zombies or forward signals".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn findings(init: Option<bool>) -> Vec<Finding> {
        let spec = ContainerSpec {
            init: init.map(|i| Sourced::new(i, if i { "--init" } else { "--init=false" })),
            ..ContainerSpec::default()
        };
        assess(&spec, &Params::default(), &Context::default())
    }

    #[test]
    fn catches_a_missing_init() {
        let found = findings(None);
        let [Finding::Missing { edits, .. }] = &found[..] else {
            panic!("{found:?}");
        };
        assert_eq!(edits, &[Edit::Init]);
    }

    #[test]
    fn catches_init_turned_off_as_weaker() {
        let found = findings(Some(false));
        let [
            Finding::Weaker {
                edits, offending, ..
            },
        ] = &found[..]
        else {
            panic!("{found:?}");
        };
        assert_eq!(edits, &[Edit::Init]);
        assert_eq!(offending, "--init=false");
    }

    #[test]
    fn does_not_catch_init_on() {
        assert!(matches!(&findings(Some(true))[..], [Finding::Satisfied(_)]));
    }
}

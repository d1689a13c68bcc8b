//! `restart-policy`: restarts a container that crashes, so a denial of service by crashing it
//! does not last.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "restart-policy",
    title: "Restart crashed containers",
    severity: Severity::Low,
    kind: RuleKind::Injection,
    cis: &["5.15"],
    owasp: &["Rule #7"],
    protects: "Without a restart policy a service that is crashed on purpose (or by a bug) \
               stays down until someone notices.",
    may_break: "One-off jobs and containers meant to stop: they come back after a daemon \
                restart or a crash; a crash loop keeps restarting instead of failing visibly.",
    params: &[("policy", "unless-stopped")],
    example: "docker run busybox",
    assess,
};

const DEFAULT_POLICY: &str = "unless-stopped";
/// The most retries CIS 5.15 accepts for `on-failure`.
const CIS_MAX_RETRIES: i64 = 5;

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    // Docker refuses `--restart` with `--rm`.
    if spec.auto_remove {
        return vec![Finding::NotApplicable(
            "--rm: docker refuses a restart policy with --rm".into(),
        )];
    }
    let wanted = params.policy.as_deref().unwrap_or(DEFAULT_POLICY);
    match &spec.restart {
        Some(restart) if !restart.value.is_empty() && restart.value != "no" => {
            let retries = restart
                .value
                .strip_prefix("on-failure:")
                .and_then(|n| n.parse::<i64>().ok());
            vec![Finding::Satisfied(match retries {
                Some(n) if n > CIS_MAX_RETRIES => format!(
                    "kept {}; CIS 5.15 recommends at most {CIS_MAX_RETRIES} retries",
                    restart.origin
                ),
                _ => format!("kept {}", restart.origin),
            })]
        }
        Some(restart) => vec![Finding::Weaker {
            edits: vec![Edit::Restart(wanted.into())],
            offending: restart.origin.clone(),
            reason: "restarts are explicitly turned off".into(),
        }],
        None => vec![Finding::Missing {
            edits: vec![Edit::Restart(wanted.into())],
            reason: "no restart policy: a crashed container stays down".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn spec(restart: Option<&str>, auto_remove: bool) -> ContainerSpec {
        ContainerSpec {
            restart: restart.map(|r| Sourced::new(r.to_owned(), format!("--restart {r}"))),
            auto_remove,
            ..ContainerSpec::default()
        }
    }

    fn findings(spec: &ContainerSpec) -> Vec<Finding> {
        assess(spec, &Params::default(), &Context::default())
    }

    #[test]
    fn catches_an_absent_policy() {
        assert!(
            matches!(&findings(&spec(None, false))[..], [Finding::Missing { edits, .. }]
            if edits == &[Edit::Restart("unless-stopped".into())])
        );
    }

    #[test]
    fn catches_an_explicit_no() {
        for policy in ["no", ""] {
            let found = findings(&spec(Some(policy), false));
            assert!(
                matches!(&found[..], [Finding::Weaker { offending, .. }] if *offending == format!("--restart {policy}")),
                "{policy:?}"
            );
        }
    }

    #[test]
    fn does_not_catch_a_user_policy() {
        for policy in ["always", "unless-stopped", "on-failure", "on-failure:3"] {
            assert!(matches!(
                &findings(&spec(Some(policy), false))[..],
                [Finding::Satisfied(_)]
            ));
        }
        assert!(
            matches!(&findings(&spec(Some("on-failure:10"), false))[..], [Finding::Satisfied(reason)]
            if reason.contains("CIS 5.15"))
        );
    }

    #[test]
    fn does_not_apply_with_rm() {
        assert!(matches!(
            &findings(&spec(None, true))[..],
            [Finding::NotApplicable(_)]
        ));
        assert!(matches!(
            &findings(&spec(Some("no"), true))[..],
            [Finding::NotApplicable(_)]
        ));
    }

    #[test]
    fn uses_the_profiles_policy() {
        let params = Params {
            policy: Some("on-failure:5".into()),
            ..Params::default()
        };
        let found = assess(&spec(None, false), &params, &Context::default());
        assert!(
            matches!(&found[..], [Finding::Missing { edits, .. }] if edits == &[Edit::Restart("on-failure:5".into())])
        );
    }
}

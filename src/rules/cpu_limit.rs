//! `cpu-limit`: a CPU limit, so one container cannot starve the host and its neighbours.

use crate::docker::values::format_cpus;
use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "cpu-limit",
    title: "Limit CPU",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &["5.12"],
    owasp: &["Rule #7"],
    protects: "Without a limit a runaway or hijacked container (a crypto miner, a busy loop) \
               can take every CPU of the host and starve the other containers and the daemon.",
    may_break: "CPU-heavy work (builds, compression, JIT warm-up) runs slower; runtimes that \
                size thread pools from the host's CPU count may oversubscribe the limit.",
    params: &[("cpus", "1.0")],
    example: "docker run busybox",
    assess,
};

const NANOS_PER_CPU: i64 = 1_000_000_000;
/// The CFS period docker uses when only `--cpu-quota` is given, in microseconds.
const DEFAULT_PERIOD: i64 = 100_000;

fn assess(spec: &ContainerSpec, params: &Params, ctx: &Context) -> Vec<Finding> {
    let (profile_nanos, profile_text) = params
        .cpus
        .clone()
        .unwrap_or((NANOS_PER_CPU, format_cpus(NANOS_PER_CPU)));
    // Docker refuses `--cpus` above the host's CPU count.
    let host_nanos = ctx
        .host_cpus
        .filter(|cpus| *cpus > 0)
        .map(|cpus| i64::from(cpus) * NANOS_PER_CPU);
    let (wanted, text, capped) = match host_nanos {
        Some(host) if host < profile_nanos => (host, format_cpus(host), true),
        _ => (profile_nanos, profile_text, false),
    };
    let cap_note = if capped {
        format!(" (the profile's limit capped at the host's {text} CPUs)")
    } else {
        String::new()
    };

    // Docker refuses `--cpus` beside a positive `--cpu-quota` or `--cpu-period`.
    let quota = spec.cpu_quota.as_ref().filter(|quota| quota.value > 0);
    let period = spec.cpu_period.as_ref().filter(|period| period.value > 0);
    if let Some(quota) = quota {
        let period = period.map_or(DEFAULT_PERIOD, |period| period.value);
        let nanos = i128::from(quota.value) * i128::from(NANOS_PER_CPU) / i128::from(period);
        return if nanos <= i128::from(wanted) {
            vec![Finding::Satisfied(format!(
                "kept {}; hardrun cannot add --cpus beside it",
                quota.origin
            ))]
        } else {
            vec![Finding::Forbidden {
                offending: quota.origin.clone(),
                reason: format!(
                    "cpu quota above the profile's limit of {text}{cap_note}; --cpus cannot be \
                     combined with --cpu-quota"
                ),
            }]
        };
    }
    if period.is_some() {
        return vec![Finding::NotApplicable(
            "--cpu-period set: --cpus would conflict".into(),
        )];
    }

    match &spec.nano_cpus {
        Some(cpus) if cpus.value > 0 && cpus.value <= wanted => {
            vec![Finding::Satisfied(format!("kept {}", cpus.origin))]
        }
        Some(cpus) if cpus.value > 0 => vec![Finding::Weaker {
            edits: vec![Edit::Cpus(text.clone())],
            offending: cpus.origin.clone(),
            reason: format!("the cpu limit is above the profile's {text}{cap_note}"),
        }],
        // Typed, and no limit (0) or one the engine refuses: replaced in the open.
        Some(cpus) => vec![Finding::Weaker {
            edits: vec![Edit::Cpus(text.clone())],
            offending: cpus.origin.clone(),
            reason: format!("no cpu limit: the container can use every cpu of the host{cap_note}"),
        }],
        _ => vec![Finding::Missing {
            edits: vec![Edit::Cpus(text.clone())],
            reason: format!("no cpu limit: the container can use every cpu of the host{cap_note}"),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn spec(cpus: Option<i64>, quota: Option<i64>, period: Option<i64>) -> ContainerSpec {
        ContainerSpec {
            nano_cpus: cpus.map(|c| Sourced::new(c, format!("--cpus {}", format_cpus(c)))),
            cpu_quota: quota.map(|q| Sourced::new(q, format!("--cpu-quota {q}"))),
            cpu_period: period.map(|p| Sourced::new(p, format!("--cpu-period {p}"))),
            ..ContainerSpec::default()
        }
    }

    fn host(cpus: u32) -> Context {
        Context {
            host_cpus: Some(cpus),
            ..Context::default()
        }
    }

    #[test]
    fn catches_a_missing_limit() {
        let found = assess(
            &spec(None, None, None),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Missing { edits, .. }] if edits == &[Edit::Cpus("1.0".into())])
        );
        let found = assess(
            &spec(Some(0), Some(-1), Some(0)),
            &Params::default(),
            &Context::default(),
        );
        // A typed `--cpus 0` (no limit) is tightened in the open, not added as if absent.
        assert!(
            matches!(&found[..], [Finding::Weaker { edits, offending, .. }]
            if offending == "--cpus 0.0" && edits == &[Edit::Cpus("1.0".into())]),
            "{found:?}"
        );
    }

    #[test]
    fn catches_a_larger_limit_as_weaker() {
        let found = assess(
            &spec(Some(4 * NANOS_PER_CPU), None, None),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Weaker { offending, edits, .. }]
            if offending == "--cpus 4.0" && edits == &[Edit::Cpus("1.0".into())])
        );
    }

    #[test]
    fn caps_the_limit_at_the_hosts_cpus() {
        let params = Params {
            cpus: Some((4 * NANOS_PER_CPU, "4".into())),
            ..Params::default()
        };
        let found = assess(&spec(None, None, None), &params, &host(2));
        assert!(matches!(&found[..], [Finding::Missing { edits, reason }]
            if edits == &[Edit::Cpus("2.0".into())] && reason.contains("capped")));
        let found = assess(&spec(None, None, None), &params, &host(8));
        assert!(
            matches!(&found[..], [Finding::Missing { edits, .. }] if edits == &[Edit::Cpus("4".into())])
        );
    }

    #[test]
    fn catches_a_quota_above_the_limit_as_forbidden() {
        let found = assess(
            &spec(None, Some(200_000), None),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Forbidden { offending, .. }] if offending == "--cpu-quota 200000")
        );
        let found = assess(
            &spec(None, Some(50_000), Some(25_000)),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Forbidden { .. }]));
    }

    #[test]
    fn does_not_catch_a_quota_within_the_limit() {
        let found = assess(
            &spec(None, Some(50_000), None),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
        let found = assess(
            &spec(None, Some(100_000), Some(200_000)),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_add_cpus_beside_a_period() {
        let found = assess(
            &spec(None, None, Some(50_000)),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::NotApplicable(_)]));
    }

    #[test]
    fn does_not_catch_a_smaller_limit_or_the_applied_edit() {
        for cpus in [NANOS_PER_CPU / 2, NANOS_PER_CPU] {
            let found = assess(
                &spec(Some(cpus), None, None),
                &Params::default(),
                &Context::default(),
            );
            assert!(matches!(&found[..], [Finding::Satisfied(_)]));
        }
        let found = assess(
            &spec(Some(NANOS_PER_CPU), None, None),
            &Params::default(),
            &host(1),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }
}

//! `no-log-driver-none`: refuses a container whose logging is turned off (`--log-driver none`,
//! compose `logging: {driver: none}`, or the daemon's default `none` where hardrun reads it):
//! it keeps no trace of what it did, for an operator or an audit.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "no-log-driver-none",
    title: "Keep the container's logs",
    severity: Severity::Medium,
    kind: RuleKind::Refusal,
    cis: &[],
    owasp: &["Rule #7"],
    protects: "With the none driver nothing the container writes is kept: `docker logs` is empty \
               and an incident leaves no trace to investigate or audit.",
    may_break: "Containers that log nothing on purpose (a noisy sidecar); give them a rotated \
                json-file or local driver instead, or waive the rule with a reason.",
    params: &[],
    example: "docker run --log-driver none busybox",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, context: &Context) -> Vec<Finding> {
    const WAY_OUT: &str = "use a rotated driver (`--log-driver json-file`, or `local`; \
                           compose `logging: {driver: json-file}`) so its logs are kept";
    match spec.log_driver.as_ref().filter(|d| !d.value.is_empty()) {
        Some(driver) if driver.value == "none" => vec![Finding::Forbidden {
            offending: driver.origin.clone(),
            reason: format!("logging is off: nothing the container writes is kept; {WAY_OUT}"),
        }],
        Some(driver) => vec![Finding::Satisfied(format!(
            "the {} driver keeps the logs",
            driver.value
        ))],
        None if context.daemon_log_driver.as_deref() == Some("none") => {
            vec![Finding::Forbidden {
                offending: "the daemon's default log driver none".into(),
                reason: format!(
                    "logging is off by the daemon's default: nothing the container writes is \
                     kept; {WAY_OUT}"
                ),
            }]
        }
        None => vec![Finding::Satisfied(
            "the daemon's default log driver applies".into(),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn findings(driver: Option<&str>, default: Option<&str>) -> Vec<Finding> {
        let spec = ContainerSpec {
            log_driver: driver.map(|d| Sourced::new(d.to_owned(), format!("--log-driver {d}"))),
            ..ContainerSpec::default()
        };
        let context = Context {
            daemon_log_driver: default.map(str::to_owned),
            ..Context::default()
        };
        assess(&spec, &Params::default(), &context)
    }

    #[test]
    fn catches_logging_turned_off() {
        assert!(matches!(
            &findings(Some("none"), None)[..],
            [Finding::Forbidden { offending, reason }]
                if offending == "--log-driver none" && reason.contains("--log-driver json-file")
        ));
        assert!(matches!(
            &findings(None, Some("none"))[..],
            [Finding::Forbidden { offending, .. }] if offending.contains("daemon")
        ));
    }

    #[test]
    fn does_not_catch_a_driver_that_keeps_logs() {
        for (driver, default) in [
            (Some("json-file"), None),
            (Some("journald"), Some("none")),
            (None, Some("json-file")),
            (None, None),
            (Some(""), None),
        ] {
            assert!(
                matches!(&findings(driver, default)[..], [Finding::Satisfied(_)]),
                "{driver:?} {default:?}"
            );
        }
    }
}

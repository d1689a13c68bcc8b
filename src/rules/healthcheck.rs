//! `healthcheck`: a health check with bounded timings, so a hung container is seen as unhealthy
//! instead of running on silently.

use crate::rules::{Context, Duration, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "healthcheck",
    title: "Check the container's health",
    severity: Severity::Low,
    kind: RuleKind::Injection,
    cis: &["5.27", "4.6"],
    owasp: &[],
    protects: "Without a health check a hung or half-compromised service keeps running and \
               looks healthy to docker, orchestrators and restart policies.",
    may_break: "A command the image cannot run (no /bin/sh, no curl or wget) marks the \
                container unhealthy; short timeouts flag slow starters.",
    params: &[
        ("command", "none"),
        ("interval", "30s"),
        ("timeout", "3s"),
        ("retries", "3"),
        ("start-period", "5s"),
    ],
    example: "docker run busybox",
    assess,
};

const DEFAULT_INTERVAL: &str = "30s";
const DEFAULT_TIMEOUT: &str = "3s";
const DEFAULT_RETRIES: i64 = 3;
const DEFAULT_START_PERIOD: &str = "5s";

fn assess(spec: &ContainerSpec, params: &Params, context: &Context) -> Vec<Finding> {
    let health = &spec.health;
    // Docker rejects `--no-healthcheck` beside any `--health-*` option: nothing can be added.
    if let Some(disabled) = health.disabled.as_ref().filter(|d| d.value) {
        return vec![Finding::Forbidden {
            offending: disabled.origin.clone(),
            reason: "--no-healthcheck turns the image's health check off".into(),
        }];
    }

    let mut findings = Vec::new();
    let mut edits = Vec::new();
    let user_command = health.command.as_ref().filter(|c| !c.value.is_empty());
    let profile_command = params
        .command
        .as_ref()
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("none"));
    let image_check = context.image.as_ref().map(|image| image.healthcheck);
    match (user_command, profile_command) {
        (Some(command), _) => findings.push(Finding::Satisfied(format!("kept {}", command.origin))),
        // The image's HEALTHCHECK satisfies the presence part; the daemon merges it in.
        (None, _) if image_check == Some(true) => findings.push(Finding::Satisfied(
            "the image declares a HEALTHCHECK".into(),
        )),
        (None, Some(command)) => edits.push(Edit::HealthCmd(command.clone())),
        (None, None) => {}
    }

    // Zero is docker's "not set": the image's value, else the daemon's default, applies.
    let text = |d: &Option<Duration>, default: &str| {
        d.as_ref()
            .map_or_else(|| default.to_owned(), |d| d.text.clone())
    };
    let timings: [(&str, Option<i64>, Edit); 4] = [
        (
            "interval",
            health.interval,
            Edit::HealthInterval(text(&params.interval, DEFAULT_INTERVAL)),
        ),
        (
            "timeout",
            health.timeout,
            Edit::HealthTimeout(text(&params.timeout, DEFAULT_TIMEOUT)),
        ),
        (
            "retries",
            health.retries,
            Edit::HealthRetries(params.retries.unwrap_or(DEFAULT_RETRIES)),
        ),
        (
            "start period",
            health.start_period,
            Edit::HealthStartPeriod(text(&params.start_period, DEFAULT_START_PERIOD)),
        ),
    ];
    for (name, user, edit) in timings {
        match user {
            Some(value) if value != 0 => {
                findings.push(Finding::Satisfied(format!("kept the user's health {name}")));
            }
            _ => edits.push(edit),
        }
    }

    if !edits.is_empty() {
        let reason = if user_command.is_none() && image_check == Some(true) {
            "health check timings are not set: the image's HEALTHCHECK keeps its own schedule"
        } else if user_command.is_none() && profile_command.is_none() && image_check == Some(false)
        {
            "health check timings are not set; the image has no HEALTHCHECK and the profile no \
             command, so they take effect only once one is given"
        } else if user_command.is_none() && profile_command.is_none() {
            "health check timings are not set; without a command the timings apply to the \
             image's HEALTHCHECK only"
        } else if user_command.is_none() {
            "no health check command: a hung container looks healthy"
        } else {
            "health check timings are not set: docker's defaults wait 30s per probe"
        };
        findings.insert(
            0,
            Finding::Missing {
                edits,
                reason: reason.into(),
            },
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Health, Sourced};

    const SECOND: i64 = 1_000_000_000;

    use crate::rules::edits_of as edits;

    fn timings() -> Vec<Edit> {
        vec![
            Edit::HealthInterval("30s".into()),
            Edit::HealthTimeout("3s".into()),
            Edit::HealthRetries(3),
            Edit::HealthStartPeriod("5s".into()),
        ]
    }

    fn with_health(health: Health) -> ContainerSpec {
        ContainerSpec {
            health,
            ..ContainerSpec::default()
        }
    }

    #[test]
    fn catches_missing_timings_and_says_they_need_the_images_check() {
        let found = assess(
            &ContainerSpec::default(),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Missing { reason, .. }] if reason.contains("image's HEALTHCHECK only"))
        );
        assert_eq!(edits(&found), timings());
    }

    #[test]
    fn catches_a_missing_command_when_the_profile_has_one() {
        let params = Params {
            command: Some("wget -q --spider http://localhost/ || exit 1".into()),
            interval: Some(Duration {
                nanos: 10 * SECOND,
                text: "10s".into(),
            }),
            ..Params::default()
        };
        let found = assess(&ContainerSpec::default(), &params, &Context::default());
        let mut expected = vec![Edit::HealthCmd(
            "wget -q --spider http://localhost/ || exit 1".into(),
        )];
        expected.extend(timings());
        expected[1] = Edit::HealthInterval("10s".into());
        assert_eq!(edits(&found), expected);
    }

    #[test]
    fn does_not_add_a_command_spelled_none() {
        let params = Params {
            command: Some("none".into()),
            ..Params::default()
        };
        let found = assess(&ContainerSpec::default(), &params, &Context::default());
        assert_eq!(edits(&found), timings());
    }

    #[test]
    fn catches_no_healthcheck_as_forbidden_without_edits() {
        let spec = with_health(Health {
            disabled: Some(Sourced::new(true, "--no-healthcheck")),
            ..Health::default()
        });
        let found = assess(&spec, &Params::default(), &Context::default());
        assert!(
            matches!(&found[..], [Finding::Forbidden { offending, .. }] if offending == "--no-healthcheck")
        );
    }

    #[test]
    fn does_not_catch_no_healthcheck_false() {
        let spec = with_health(Health {
            disabled: Some(Sourced::new(false, "--no-healthcheck=false")),
            ..Health::default()
        });
        let found = assess(&spec, &Params::default(), &Context::default());
        assert_eq!(edits(&found), timings());
    }

    #[test]
    fn does_not_catch_the_users_own_settings() {
        let spec = with_health(Health {
            command: Some(Sourced::new("true".into(), "--health-cmd true")),
            interval: Some(60 * SECOND),
            timeout: Some(10 * SECOND),
            start_period: Some(SECOND),
            retries: Some(5),
            disabled: None,
        });
        let params = Params {
            command: Some("curl -f localhost".into()),
            ..Params::default()
        };
        let found = assess(&spec, &params, &Context::default());
        assert_eq!(found.len(), 5);
        assert!(found.iter().all(|f| matches!(f, Finding::Satisfied(_))));
    }

    #[test]
    fn adds_only_the_missing_timings() {
        let spec = with_health(Health {
            interval: Some(60 * SECOND),
            retries: Some(0),
            ..Health::default()
        });
        let found = assess(&spec, &Params::default(), &Context::default());
        assert_eq!(
            edits(&found),
            [
                Edit::HealthTimeout("3s".into()),
                Edit::HealthRetries(3),
                Edit::HealthStartPeriod("5s".into()),
            ]
        );
    }
}

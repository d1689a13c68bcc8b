//! `log-rotation`: rotates the container's log files, so a chatty or hostile container cannot
//! fill the host's disk through its own stdout.

use crate::docker::values::parse_bytes;
use crate::rules::{ByteSize, Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "log-rotation",
    title: "Rotate container logs",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &[],
    owasp: &["Rule #7"],
    protects: "The json-file driver keeps every line a container writes, unrotated by default: \
               a log flood fills /var/lib/docker and takes the host's other containers down.",
    may_break: "Old log lines are discarded beyond max-size × max-file; an explicit json-file \
                driver overrides a daemon default such as journald or a remote driver.",
    params: &[
        ("driver", "json-file"),
        ("max-size", "10m"),
        ("max-file", "3"),
    ],
    example: "docker run busybox",
    assess,
};

const DEFAULT_DRIVER: &str = "json-file";
const DEFAULT_MAX_SIZE: i64 = 10 << 20;
const DEFAULT_MAX_FILE: i64 = 3;

/// Drivers that write local files and take `max-size` and `max-file`.
const ROTATING: [&str; 2] = ["json-file", "local"];

/// The options each rotating driver accepts (`ValidateLogOpt`), with the generic `mode` and
/// `max-buffer-size` every driver takes.
fn accepts(driver: &str, key: &str) -> bool {
    let generic = matches!(key, "mode" | "max-buffer-size");
    generic
        || match driver {
            "json-file" => matches!(
                key,
                "max-size"
                    | "max-file"
                    | "compress"
                    | "labels"
                    | "labels-regex"
                    | "env"
                    | "env-regex"
                    | "tag"
            ),
            "local" => matches!(key, "max-size" | "max-file" | "compress"),
            _ => false,
        }
}

fn assess(spec: &ContainerSpec, params: &Params, context: &Context) -> Vec<Finding> {
    let driver = params.driver.as_deref().unwrap_or(DEFAULT_DRIVER);
    let max_size = params.max_size.clone().unwrap_or_else(|| ByteSize {
        bytes: DEFAULT_MAX_SIZE,
        text: "10m".into(),
    });
    let max_file = params.max_file.unwrap_or(DEFAULT_MAX_FILE);

    match spec.log_driver.as_ref().filter(|d| !d.value.is_empty()) {
        Some(user) if ROTATING.contains(&user.value.as_str()) => rotate_options(
            spec,
            &max_size,
            max_file,
            format!(
                "the {} driver does not rotate without these options",
                user.value
            ),
        ),
        Some(user) if user.value == "none" => vec![Finding::Satisfied("logging is off".into())],
        Some(user) => vec![Finding::Satisfied(format!(
            "the {} driver rotates or ships logs itself",
            user.value
        ))],
        None => match context.daemon_log_driver.as_deref() {
            // The daemon's default applies. A driver that is not a local file keeps its logs
            // elsewhere: rotation options would be invalid for it, so it is left alone.
            Some("none") => vec![Finding::Satisfied(
                "the daemon's default log driver is none".into(),
            )],
            Some(default) if !ROTATING.contains(&default) => vec![Finding::Satisfied(format!(
                "the daemon's default log driver {default} keeps logs outside the container's \
                 files; hardrun leaves it"
            ))],
            // A rotating default other than the profile's (`local`): its options, no driver.
            Some(default) if default != driver => rotate_options(
                spec,
                &max_size,
                max_file,
                format!(
                    "the daemon's default {default} driver keeps more than the profile allows \
                     without these options"
                ),
            ),
            // A typed `--log-driver=` asks for the daemon's default: with the profile's driver
            // as the default, its options are enough, and the user's word stays as typed.
            Some(default) if spec.log_driver.is_some() => rotate_options(
                spec,
                &max_size,
                max_file,
                format!(
                    "the daemon's default {default} driver does not rotate without these options"
                ),
            ),
            _ => {
                let findings = explicit_driver(spec, driver, &max_size, max_file);
                match &spec.log_driver {
                    // The default cannot be known: naming a driver changes the typed value.
                    Some(typed) => findings
                        .into_iter()
                        .map(|finding| match finding {
                            Finding::Missing { edits, .. } => Finding::Weaker {
                                edits,
                                offending: typed.origin.clone(),
                                reason: "an empty log driver is the daemon's default, which \
                                         hardrun cannot read"
                                    .into(),
                            },
                            other => other,
                        })
                        .collect(),
                    None => findings,
                }
            }
        },
    }
}

/// A rotating driver is in use: the rotation options it lacks, and findings for the ones set.
fn rotate_options(
    spec: &ContainerSpec,
    max_size: &ByteSize,
    max_file: i64,
    reason: String,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let missing = rotation(spec, max_size, max_file, &mut findings);
    if !missing.is_empty() {
        findings.insert(
            0,
            Finding::Missing {
                edits: missing,
                reason,
            },
        );
    }
    findings
}

/// No driver given, and the daemon's default is the profile's or unknown: an explicit driver,
/// so the options are valid whatever the daemon's default is.
fn explicit_driver(
    spec: &ContainerSpec,
    driver: &str,
    max_size: &ByteSize,
    max_file: i64,
) -> Vec<Finding> {
    // The user's options may be meant for the daemon's default driver.
    if let Some(option) = spec.log_opts.iter().find(|o| !accepts(driver, &o.value.0)) {
        return vec![Finding::NotApplicable(format!(
            "{} is not valid for the {driver} driver: the user's options are for the daemon's \
             default driver",
            option.origin
        ))];
    }
    let mut findings = Vec::new();
    let mut edits = vec![Edit::LogDriver(driver.into())];
    if ROTATING.contains(&driver) {
        edits.extend(rotation(spec, max_size, max_file, &mut findings));
    }
    findings.insert(
        0,
        Finding::Missing {
            edits,
            reason: "no log driver: the daemon's default may keep logs unrotated".into(),
        },
    );
    findings
}

/// Checks `max-size` and `max-file`: pushes findings for the user's values and returns the
/// edits for absent ones.
fn rotation(
    spec: &ContainerSpec,
    max_size: &ByteSize,
    max_file: i64,
    findings: &mut Vec<Finding>,
) -> Vec<Edit> {
    let mut missing = Vec::new();
    let checks = [
        (
            "max-size",
            max_size.text.clone(),
            spec.log_opt("max-size").map(|o| {
                (
                    o,
                    parse_bytes(&o.value.1).is_some_and(|b| b > 0 && b <= max_size.bytes),
                )
            }),
        ),
        (
            "max-file",
            max_file.to_string(),
            spec.log_opt("max-file").map(|o| {
                (
                    o,
                    o.value
                        .1
                        .parse::<i64>()
                        .is_ok_and(|n| n > 0 && n <= max_file),
                )
            }),
        ),
    ];
    for (key, value, user) in checks {
        let edit = Edit::LogOpt {
            key: key.into(),
            value: value.clone(),
        };
        match user {
            Some((option, true)) => {
                findings.push(Finding::Satisfied(format!("kept {}", option.origin)))
            }
            Some((option, false)) => findings.push(Finding::Weaker {
                edits: vec![edit],
                offending: option.origin.clone(),
                reason: format!("the log {key} is above the profile's {value}, or not valid"),
            }),
            None => missing.push(edit),
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn spec(driver: Option<&str>, opts: &[(&str, &str)]) -> ContainerSpec {
        ContainerSpec {
            log_driver: driver.map(|d| Sourced::new(d.to_owned(), format!("--log-driver {d}"))),
            log_opts: opts
                .iter()
                .map(|(k, v)| {
                    Sourced::new(
                        ((*k).to_owned(), (*v).to_owned()),
                        format!("--log-opt {k}={v}"),
                    )
                })
                .collect(),
            ..ContainerSpec::default()
        }
    }

    use crate::rules::edits_of as edits;

    fn with_daemon_default(driver: &str) -> Context {
        Context {
            daemon_log_driver: Some(driver.into()),
            ..Context::default()
        }
    }

    #[test]
    fn does_not_override_a_daemon_default_that_ships_logs_elsewhere() {
        for default in ["journald", "syslog", "fluentd", "awslogs", "none"] {
            let found = assess(
                &spec(None, &[]),
                &Params::default(),
                &with_daemon_default(default),
            );
            assert!(edits(&found).is_empty(), "{default}: {found:?}");
        }
    }

    #[test]
    fn catches_a_local_default_without_the_profile_s_limits_and_adds_only_options() {
        let found = assess(
            &spec(None, &[]),
            &Params::default(),
            &with_daemon_default("local"),
        );
        assert_eq!(
            edits(&found),
            [opt("max-size", "10m"), opt("max-file", "3")]
        );
    }

    /// Found by the differential suite: `--log-driver=` was replaced by `--log-driver
    /// json-file` in silence.
    #[test]
    fn a_typed_empty_driver_is_the_daemon_default_and_is_never_replaced_in_silence() {
        let found = assess(
            &spec(Some(""), &[]),
            &Params::default(),
            &with_daemon_default("json-file"),
        );
        assert_eq!(
            edits(&found),
            [opt("max-size", "10m"), opt("max-file", "3")]
        );
        let found = assess(
            &spec(Some(""), &[]),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[0], Finding::Weaker { offending, edits, .. }
                if offending == "--log-driver " && edits[0] == Edit::LogDriver("json-file".into())),
            "{found:?}"
        );
    }

    #[test]
    fn catches_a_json_file_default_as_before() {
        let found = assess(
            &spec(None, &[]),
            &Params::default(),
            &with_daemon_default("json-file"),
        );
        assert_eq!(edits(&found)[0], Edit::LogDriver("json-file".into()));
    }

    fn opt(key: &str, value: &str) -> Edit {
        Edit::LogOpt {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Applies edits as the docker front end does: the last driver wins, options by key.
    fn apply(mut spec: ContainerSpec, edits: &[Edit]) -> ContainerSpec {
        for edit in edits {
            match edit {
                Edit::LogDriver(d) => spec.log_driver = Some(Sourced::new(d.clone(), "hardrun")),
                Edit::LogOpt { key, value } => spec
                    .log_opts
                    .push(Sourced::new((key.clone(), value.clone()), "hardrun")),
                other => panic!("unexpected edit {other:?}"),
            }
        }
        spec
    }

    #[test]
    fn catches_no_driver_and_sets_driver_and_options() {
        // A typed empty driver: the same edits, as `Weaker` (see below).
        for driver in [None, Some("")] {
            let found = assess(&spec(driver, &[]), &Params::default(), &Context::default());
            assert!(matches!(
                (&found[..], driver),
                ([Finding::Missing { .. }], None) | ([Finding::Weaker { .. }], Some(_))
            ));
            assert_eq!(
                edits(&found),
                [
                    Edit::LogDriver("json-file".into()),
                    opt("max-size", "10m"),
                    opt("max-file", "3")
                ]
            );
        }
    }

    #[test]
    fn catches_json_file_without_rotation() {
        for driver in ["json-file", "local"] {
            let found = assess(
                &spec(Some(driver), &[]),
                &Params::default(),
                &Context::default(),
            );
            assert_eq!(
                edits(&found),
                [opt("max-size", "10m"), opt("max-file", "3")]
            );
        }
    }

    #[test]
    fn catches_larger_or_unreadable_values_as_weaker() {
        let found = assess(
            &spec(Some("json-file"), &[("max-size", "1g"), ("max-file", "x")]),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Weaker { offending, .. }, Finding::Weaker { .. }]
            if offending == "--log-opt max-size=1g")
        );
        let found = assess(
            &spec(Some("json-file"), &[("max-size", "-1")]),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(
            &found[..],
            [Finding::Missing { .. }, Finding::Weaker { .. }]
        ));
    }

    #[test]
    fn catches_the_users_options_beside_no_driver_keeping_a_smaller_one() {
        let found = assess(
            &spec(None, &[("max-size", "5m"), ("tag", "web")]),
            &Params::default(),
            &Context::default(),
        );
        assert_eq!(
            edits(&found),
            [Edit::LogDriver("json-file".into()), opt("max-file", "3")]
        );
    }

    #[test]
    fn does_not_set_a_driver_the_users_options_do_not_fit() {
        let found = assess(
            &spec(None, &[("syslog-address", "udp://x:514")]),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::NotApplicable(_)]));
    }

    #[test]
    fn does_not_catch_other_drivers() {
        for driver in ["none", "journald", "syslog", "fluentd", "awslogs"] {
            let found = assess(
                &spec(Some(driver), &[]),
                &Params::default(),
                &Context::default(),
            );
            assert!(matches!(&found[..], [Finding::Satisfied(_)]), "{driver}");
        }
    }

    #[test]
    fn does_not_catch_smaller_values() {
        let found = assess(
            &spec(Some("local"), &[("max-size", "5m"), ("max-file", "2")]),
            &Params::default(),
            &Context::default(),
        );
        assert!(found.iter().all(|f| matches!(f, Finding::Satisfied(_))));
    }

    #[test]
    fn edits_are_idempotent() {
        let specs = [
            spec(None, &[]),
            spec(Some(""), &[("max-file", "10")]),
            spec(Some("json-file"), &[("max-size", "1g")]),
            spec(Some("local"), &[("max-file", "0")]),
        ];
        for spec in specs {
            let found = assess(&spec, &Params::default(), &Context::default());
            let hardened = apply(spec.clone(), &edits(&found));
            let again = assess(&hardened, &Params::default(), &Context::default());
            assert!(
                again.iter().all(|f| matches!(f, Finding::Satisfied(_))),
                "{spec:?}: {again:?}"
            );
        }
    }
}

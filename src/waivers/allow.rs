//! `--allow RULE[=REASON]`: a waiver for one invocation. The rule must be known; under
//! `strict` (by name or ancestry) the reason is mandatory. Pure.

use crate::profile::Profile;
use crate::rules::{self, RULES};
use crate::suggest::did_you_mean;
use crate::waivers::Allowed;

/// The built-in profile under which `--allow` needs a reason.
const REASON_REQUIRED_UNDER: &str = "strict";

/// Whether `profile` is `strict` or extends it, where `--allow` needs a reason.
pub fn requires_reason(profile: &Profile) -> bool {
    profile.name == REASON_REQUIRED_UNDER
        || profile.extends.iter().any(|p| p == REASON_REQUIRED_UNDER)
}

/// Reads the `--allow` values: `RULE` or `RULE=REASON` (split at the first `=`). The rule must
/// be known; the reason, when given, must not be empty, and is mandatory under `strict`.
pub fn parse_allow(values: &[String], profile: &Profile) -> Result<Vec<Allowed>, String> {
    let reason_required = requires_reason(profile);
    values
        .iter()
        .map(|value| {
            let (id, reason) = match value.split_once('=') {
                Some((id, reason)) => (id, Some(reason.trim())),
                None => (value.as_str(), None),
            };
            let rule = rules::find(id).ok_or_else(|| {
                let help = did_you_mean(id, RULES.iter().map(|r| r.id))
                    .map(|s| format!("did you mean '{s}'?"))
                    .unwrap_or_else(|| "`hardrun rules` lists the rule ids".into());
                format!("unknown rule '{id}' in --allow\nhelp: {help}")
            })?;
            match reason {
                Some("") => Err(format!(
                    "--allow '{value}' gives an empty reason\nhelp: write --allow '{id}=why this container cannot follow the rule'"
                )),
                None if reason_required => Err(format!(
                    "profile '{}' needs a reason for every waiver, and --allow {id} gives none\nhelp: say why: --allow '{id}=why this container cannot follow the rule'",
                    profile.name
                )),
                reason => Ok(Allowed {
                    rule: rule.id,
                    reason: reason.map(str::to_owned),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{self, builtin::Builtins};

    fn allow(values: &[&str], profile: &str) -> Result<Vec<Allowed>, String> {
        let profile = profile::load(profile, &Builtins).unwrap();
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        parse_allow(&values, &profile)
    }

    #[test]
    fn allow_takes_an_optional_reason_after_the_first_equals_sign() {
        assert_eq!(
            allow(&["no-privileged", "pids-limit=needs = many"], "baseline"),
            Ok(vec![
                Allowed {
                    rule: "no-privileged",
                    reason: None
                },
                Allowed {
                    rule: "pids-limit",
                    reason: Some("needs = many".into())
                },
            ])
        );
        assert_eq!(
            allow(&["no-priviliged=x"], "baseline"),
            Err(
                "unknown rule 'no-priviliged' in --allow\nhelp: did you mean 'no-privileged'?"
                    .into()
            )
        );
        assert!(
            allow(&["no-privileged= "], "baseline")
                .unwrap_err()
                .contains("empty reason")
        );
    }

    #[test]
    fn strict_needs_a_reason_for_every_allow() {
        assert!(requires_reason(
            &profile::load("strict", &Builtins).unwrap()
        ));
        assert!(!requires_reason(
            &profile::load("production", &Builtins).unwrap()
        ));
        let refused = allow(&["no-privileged"], "strict").unwrap_err();
        assert_eq!(
            refused,
            "profile 'strict' needs a reason for every waiver, and --allow no-privileged gives none\n\
             help: say why: --allow 'no-privileged=why this container cannot follow the rule'"
        );
        assert_eq!(
            allow(&["no-privileged=needed for X"], "strict"),
            Ok(vec![Allowed {
                rule: "no-privileged",
                reason: Some("needed for X".into())
            }])
        );
        let mut child = profile::load("production", &Builtins).unwrap();
        child.name = "ours".into();
        child.extends = vec!["strict".into(), "production".into()];
        assert!(requires_reason(&child));
        child.extends.remove(0);
        assert!(!requires_reason(&child));
    }
}

//! The `x-hardrun` waiver of a compose service: the rules it may break, and the reason, which
//! is mandatory. A waiver that cannot be read is an error, never a waiver of nothing.

use serde_json::Value;

use crate::compose::error::ModelError;
use crate::compose::value::{type_name, unescape};
use crate::rules::{self, RULES};
use crate::suggest::did_you_mean;

/// The service-level extension that holds a waiver.
pub const WAIVER_KEY: &str = "x-hardrun";

/// The keys of a waiver.
const WAIVER_FIELDS: [&str; 2] = ["allow", "reason"];

/// A service's waiver: the rules it may break, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Rule ids, each once, in the order written.
    pub allow: Vec<String>,
    pub reason: String,
}

/// Reads the service's `x-hardrun` waiver. `None` when there is none.
///
/// Note: `docker compose config --format json` (v2.40.3) drops service-level `x-*` keys, while
/// its YAML output keeps them; a waiver is only seen in a model read from the YAML output.
pub fn waiver(name: &str, service: &Value) -> Result<Option<Waiver>, ModelError> {
    let service_name = || name.to_owned();
    let Some(raw) = service.get(WAIVER_KEY) else {
        return Ok(None);
    };
    let Some(fields) = raw.as_object() else {
        return Err(ModelError::WaiverNotAMapping {
            service: service_name(),
            found: type_name(raw),
        });
    };
    if let Some(key) = fields
        .keys()
        .find(|key| !WAIVER_FIELDS.contains(&key.as_str()))
    {
        return Err(ModelError::WaiverUnknownKey {
            service: service_name(),
            key: key.clone(),
            suggestion: did_you_mean(key, WAIVER_FIELDS),
        });
    }
    let list = match fields.get("allow") {
        None | Some(Value::Null) => {
            return Err(ModelError::WaiverNoRules {
                service: service_name(),
            });
        }
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(ModelError::WaiverAllowNotList {
                service: service_name(),
                found: type_name(other),
            });
        }
    };
    let mut allow: Vec<String> = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let Some(id) = item.as_str().map(unescape) else {
            return Err(ModelError::WaiverRuleNotText {
                service: service_name(),
                index,
                found: type_name(item),
            });
        };
        if rules::find(&id).is_none() {
            return Err(ModelError::WaiverUnknownRule {
                service: service_name(),
                suggestion: did_you_mean(&id, RULES.iter().map(|rule| rule.id)),
                rule: id,
            });
        }
        if !allow.contains(&id) {
            allow.push(id);
        }
    }
    if allow.is_empty() {
        return Err(ModelError::WaiverNoRules {
            service: service_name(),
        });
    }
    let problem = match fields.get("reason") {
        None | Some(Value::Null) => "is missing",
        Some(Value::String(reason)) if reason.trim().is_empty() => "is empty",
        Some(Value::String(reason)) => {
            return Ok(Some(Waiver {
                allow,
                reason: unescape(reason),
            }));
        }
        Some(_) => "is not text",
    };
    Err(ModelError::WaiverNoReason {
        service: service_name(),
        problem,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_waiver_reads_from_the_yaml_model() {
        // `docker compose config` (YAML, v2.40.3) keeps service-level `x-*` keys; its
        // `--format json` output drops them.
        let yaml = "name: hrm\nservices:\n  a:\n    image: app:1\n    networks:\n      default: null\n    x-hardrun:\n      allow:\n        - read-only-rootfs\n      reason: writes to /var/lib/app\nnetworks:\n  default:\n    name: hrm_default\n";
        let model: Value = serde_saphyr::from_str(yaml).expect("the YAML model reads");
        assert_eq!(
            waiver("a", &model["services"]["a"]),
            Ok(Some(Waiver {
                allow: vec!["read-only-rootfs".into()],
                reason: "writes to /var/lib/app".into(),
            }))
        );
        assert_eq!(waiver("a", &json!({"image": "x"})), Ok(None));
        let service = json!({"x-hardrun": {"allow": ["pids-limit", "cpu-limit", "pids-limit"], "reason": "costs $$5"}});
        assert_eq!(
            waiver("a", &service),
            Ok(Some(Waiver {
                allow: vec!["pids-limit".into(), "cpu-limit".into()],
                reason: "costs $5".into(),
            }))
        );
    }

    #[test]
    fn a_service_that_is_not_a_mapping_has_no_waiver() {
        for service in [json!(null), json!("web"), json!([1]), json!(2)] {
            assert_eq!(waiver("web", &service), Ok(None));
        }
    }

    #[test]
    fn a_bad_waiver_is_an_error_that_says_what_to_write() {
        let error = |waiver_value: Value| {
            waiver("web", &json!({"x-hardrun": waiver_value})).expect_err("the waiver is refused")
        };
        let message = |waiver_value: Value| error(waiver_value).to_string();
        assert_eq!(
            message(json!({"allow": ["read-only-rootfs"]})),
            "a waiver needs a reason: 'x-hardrun.reason' of service 'web' is missing\nhelp: add reason: \"why the service cannot follow the rules it waives\""
        );
        for (reason, problem) in [
            (json!(""), "is empty"),
            (json!("  "), "is empty"),
            (json!(null), "is missing"),
            (json!(3), "is not text"),
        ] {
            assert_eq!(
                error(json!({"allow": ["read-only-rootfs"], "reason": reason})),
                ModelError::WaiverNoReason {
                    service: "web".into(),
                    problem
                }
            );
        }
        assert_eq!(
            message(json!({"allow": ["read-only-rootf"], "reason": "r"})),
            "unknown rule 'read-only-rootf' in 'x-hardrun.allow' of service 'web'\nhelp: did you mean 'read-only-rootfs'?"
        );
        assert_eq!(
            message(json!({"allow": ["networking"], "reason": "r"})),
            "unknown rule 'networking' in 'x-hardrun.allow' of service 'web'\nhelp: `hardrun rules` lists the rule ids"
        );
        assert_eq!(
            message(json!({"alow": ["pids-limit"], "reason": "r"})),
            "unknown key 'alow' in 'x-hardrun' of service 'web'\nhelp: did you mean 'allow'? x-hardrun takes 'allow' and 'reason'"
        );
        assert_eq!(
            error(json!({"allow": [], "reason": "r", "why": 1})),
            ModelError::WaiverUnknownKey {
                service: "web".into(),
                key: "why".into(),
                suggestion: None
            }
        );
        assert_eq!(
            message(json!({"allow": "pids-limit", "reason": "r"})),
            "'x-hardrun.allow' of service 'web' is a string, not a list of rule ids\nhelp: write allow: [read-only-rootfs, ...]; `hardrun rules` lists the rule ids"
        );
        assert_eq!(
            error(json!({"allow": ["pids-limit", 7], "reason": "r"})),
            ModelError::WaiverRuleNotText {
                service: "web".into(),
                index: 1,
                found: "a number"
            }
        );
        for allow in [json!([]), json!(null)] {
            assert_eq!(
                error(json!({"allow": allow, "reason": "r"})),
                ModelError::WaiverNoRules {
                    service: "web".into()
                }
            );
        }
        assert_eq!(
            error(json!({"reason": "r"})),
            ModelError::WaiverNoRules {
                service: "web".into()
            }
        );
        assert_eq!(
            message(json!(["pids-limit"])),
            "'x-hardrun' of service 'web' is a list, not a mapping\nhelp: write x-hardrun: {allow: [RULE, ...], reason: \"why the service cannot follow them\"}"
        );
        assert!(matches!(
            error(json!(null)),
            ModelError::WaiverNotAMapping { found: "null", .. }
        ));
        // Every message quotes the service and ends with a help line.
        for bad in [
            json!(1),
            json!({"allow": [1], "reason": "r"}),
            json!({"allow": [], "reason": "r"}),
        ] {
            let text = message(bad);
            assert!(
                text.contains("'web'") && text.contains("\nhelp: "),
                "{text}"
            );
        }
    }
}

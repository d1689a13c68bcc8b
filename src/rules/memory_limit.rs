//! `memory-limit`: a memory limit, and a swap limit consistent with it (swap ≥ memory).

use crate::docker::values::format_bytes;
use crate::rules::{ByteSize, Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "memory-limit",
    title: "Limit memory and swap",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &["5.11"],
    owasp: &["Rule #7"],
    protects: "Without a limit one container can take all the host's memory and swap, and the \
               kernel's OOM killer then picks victims among every process on the host.",
    may_break: "Applications that need more than the limit are OOM-killed (exit 137); JVMs and \
                databases sized for the host must be sized for the limit.",
    params: &[("memory", "512m"), ("swap", "1g")],
    example: "docker run busybox",
    assess,
};

const DEFAULT_MEMORY: i64 = 512 << 20;
const DEFAULT_SWAP: i64 = 1 << 30;

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let memory = params
        .memory
        .clone()
        .unwrap_or_else(|| size(DEFAULT_MEMORY));
    let swap = params.swap.clone().unwrap_or_else(|| size(DEFAULT_SWAP));
    let mut findings = Vec::new();
    // The engine refuses a memory limit below the reservation: hardrun never sets one.
    let reservation = spec.memory_reservation.as_ref().filter(|r| r.value > 0);
    let above_reservation = |limit: i64| reservation.is_none_or(|r| r.value <= limit);
    let reservation_note = |limit: &str| {
        let r = reservation.expect("a reservation above the limit");
        format!(
            "the profile's memory limit {limit} is below {}, and the engine refuses a limit \
             below the reservation",
            r.origin
        )
    };

    // The memory limit the container will have once this rule's edits apply, for the swap
    // check; `None` when it will have none.
    let effective_memory = match &spec.memory {
        Some(user) if user.value > 0 && user.value <= memory.bytes => {
            findings.push(Finding::Satisfied(format!("kept {}", user.origin)));
            Some(user.value)
        }
        Some(user) if !above_reservation(memory.bytes) => {
            findings.push(Finding::Weaker {
                edits: Vec::new(),
                offending: user.origin.clone(),
                reason: reservation_note(&memory.text),
            });
            Some(user.value).filter(|m| *m > 0)
        }
        Some(user) => {
            let reason = if user.value > 0 {
                format!("the memory limit is above the profile's {}", memory.text)
            } else {
                "no memory limit: the container can use all the host's memory".into()
            };
            findings.push(Finding::Weaker {
                edits: vec![Edit::Memory(memory.text.clone())],
                offending: user.origin.clone(),
                reason,
            });
            Some(memory.bytes)
        }
        None => {
            // A user swap below the profile's memory would be invalid under it: docker needs
            // swap ≥ memory, so take the user's swap as the memory limit instead.
            let limit = match &spec.memory_swap {
                Some(user_swap) if user_swap.value > 0 && user_swap.value < memory.bytes => {
                    size(user_swap.value)
                }
                _ => memory.clone(),
            };
            if above_reservation(limit.bytes) {
                findings.push(Finding::Missing {
                    edits: vec![Edit::Memory(limit.text.clone())],
                    reason: "no memory limit: the container can use all the host's memory".into(),
                });
                Some(limit.bytes)
            } else {
                let r = reservation.expect("a reservation above the limit");
                findings.push(Finding::Weaker {
                    edits: Vec::new(),
                    offending: r.origin.clone(),
                    reason: reservation_note(&limit.text),
                });
                None
            }
        }
    };
    // Without a memory limit there is no swap limit to set (docker needs --memory for it).
    let Some(effective_memory) = effective_memory else {
        return findings;
    };

    // Docker needs swap ≥ memory; a profile swap below a kept, larger memory means no swap.
    let allowed_swap = if swap.bytes >= effective_memory {
        swap
    } else {
        size(effective_memory)
    };
    // What hardrun adds is never looser than docker's own default for that memory limit
    // (memory + swap = twice the memory).
    let added_swap = if allowed_swap.bytes > effective_memory.saturating_mul(2) {
        size(effective_memory.saturating_mul(2))
    } else {
        allowed_swap.clone()
    };
    match &spec.memory_swap {
        Some(user) if user.value > 0 && user.value <= allowed_swap.bytes => {
            findings.push(Finding::Satisfied(format!("kept {}", user.origin)));
        }
        Some(user) if user.value != 0 => {
            findings.push(Finding::Weaker {
                edits: vec![Edit::MemorySwap(added_swap.text.clone())],
                offending: user.origin.clone(),
                reason: format!("memory+swap is above the profile's {}", allowed_swap.text),
            });
        }
        _ => findings.push(Finding::Missing {
            edits: vec![Edit::MemorySwap(added_swap.text.clone())],
            reason: "no swap limit: docker would allow swap equal to the memory limit again".into(),
        }),
    }
    findings
}

fn size(bytes: i64) -> ByteSize {
    ByteSize {
        bytes,
        text: format_bytes(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn spec(memory: Option<i64>, swap: Option<i64>) -> ContainerSpec {
        ContainerSpec {
            memory: memory.map(|m| Sourced::new(m, format!("--memory {}", format_bytes(m)))),
            memory_swap: swap.map(|s| Sourced::new(s, format!("--memory-swap {s}"))),
            ..ContainerSpec::default()
        }
    }

    use crate::rules::edits_of as edits;

    #[test]
    fn catches_a_missing_limit_and_adds_memory_and_swap() {
        let found = assess(&spec(None, None), &Params::default(), &Context::default());
        assert_eq!(
            edits(&found),
            [Edit::Memory("512m".into()), Edit::MemorySwap("1g".into())]
        );
    }

    #[test]
    fn catches_a_larger_limit_as_weaker() {
        let found = assess(
            &spec(Some(4 << 30), None),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[0], Finding::Weaker { offending, .. } if offending == "--memory 4g")
        );
    }

    #[test]
    fn catches_unlimited_swap() {
        let found = assess(
            &spec(Some(256 << 20), Some(-1)),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[1], Finding::Weaker { .. }));
    }

    #[test]
    fn does_not_catch_a_smaller_user_limit() {
        let found = assess(
            &spec(Some(256 << 20), Some(256 << 20)),
            &Params::default(),
            &Context::default(),
        );
        assert!(found.iter().all(|f| matches!(f, Finding::Satisfied(_))));
    }

    #[test]
    fn swap_is_never_below_the_memory_that_stays() {
        let params = Params {
            memory: Some(size(2 << 30)),
            swap: Some(size(1 << 30)),
            ..Params::default()
        };
        let found = assess(&spec(Some(1536 << 20), None), &params, &Context::default());
        assert_eq!(edits(&found), [Edit::MemorySwap("1536m".into())]);
    }

    #[test]
    fn a_user_swap_below_the_profile_memory_becomes_the_memory_limit() {
        let found = assess(
            &spec(None, Some(256 << 20)),
            &Params::default(),
            &Context::default(),
        );
        assert_eq!(edits(&found), [Edit::Memory("256m".into())]);
    }

    #[test]
    fn the_added_swap_is_never_looser_than_docker_s_default() {
        // `-m 128m` alone: docker allows 128m of swap (memory + swap = 256m); the profile's 1g
        // would allow 896m.
        let found = assess(
            &spec(Some(128 << 20), None),
            &Params::default(),
            &Context::default(),
        );
        assert_eq!(edits(&found), [Edit::MemorySwap("256m".into())]);
        // A swap the user typed within the profile's limit is kept.
        let found = assess(
            &spec(Some(128 << 20), Some(1 << 30)),
            &Params::default(),
            &Context::default(),
        );
        assert!(found.iter().all(|f| matches!(f, Finding::Satisfied(_))));
    }

    #[test]
    fn a_limit_below_a_typed_reservation_is_never_set() {
        let reserved = |memory: Option<i64>| ContainerSpec {
            memory_reservation: Some(Sourced::new(1 << 30, "--memory-reservation 1g")),
            ..spec(memory, None)
        };
        // No memory limit typed: nothing is added below the reservation.
        let found = assess(&reserved(None), &Params::default(), &Context::default());
        assert!(
            matches!(&found[..], [Finding::Weaker { edits, offending, reason }]
            if edits.is_empty() && offending == "--memory-reservation 1g"
                && reason.contains("refuses a limit below the reservation")),
            "{found:?}"
        );
        // A typed limit above the profile's is not lowered below the reservation either.
        let found = assess(
            &reserved(Some(2 << 30)),
            &Params::default(),
            &Context::default(),
        );
        assert!(edits(&found).iter().all(|e| !matches!(e, Edit::Memory(_))));
        // A reservation within the profile's limit changes nothing.
        let small = ContainerSpec {
            memory_reservation: Some(Sourced::new(256 << 20, "--memory-reservation 256m")),
            ..spec(None, None)
        };
        assert_eq!(
            edits(&assess(&small, &Params::default(), &Context::default())),
            [Edit::Memory("512m".into()), Edit::MemorySwap("1g".into())]
        );
    }

    #[test]
    fn a_typed_unlimited_memory_is_tightened_not_added() {
        let found = assess(
            &spec(Some(0), None),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[0], Finding::Weaker { offending, .. } if offending == "--memory 0"),
            "{found:?}"
        );
    }
}

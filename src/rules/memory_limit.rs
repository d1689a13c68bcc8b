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

    // The memory limit the container will have once this rule's edits apply, for the swap check.
    let effective_memory = match &spec.memory {
        Some(user) if user.value > 0 && user.value <= memory.bytes => {
            findings.push(Finding::Satisfied(format!("kept {}", user.origin)));
            user.value
        }
        Some(user) if user.value > 0 => {
            findings.push(Finding::Weaker {
                edits: vec![Edit::Memory(memory.text.clone())],
                offending: user.origin.clone(),
                reason: format!("the memory limit is above the profile's {}", memory.text),
            });
            memory.bytes
        }
        _ => {
            // A user swap below the profile's memory would be invalid under it: docker needs
            // swap ≥ memory, so take the user's swap as the memory limit instead.
            let limit = match &spec.memory_swap {
                Some(user_swap) if user_swap.value > 0 && user_swap.value < memory.bytes => {
                    size(user_swap.value)
                }
                _ => memory.clone(),
            };
            findings.push(Finding::Missing {
                edits: vec![Edit::Memory(limit.text.clone())],
                reason: "no memory limit: the container can use all the host's memory".into(),
            });
            limit.bytes
        }
    };

    // Docker needs swap ≥ memory; a profile swap below a kept, larger memory means no swap.
    let wanted_swap = if swap.bytes >= effective_memory {
        swap
    } else {
        size(effective_memory)
    };
    match &spec.memory_swap {
        Some(user) if user.value > 0 && user.value <= wanted_swap.bytes => {
            findings.push(Finding::Satisfied(format!("kept {}", user.origin)));
        }
        Some(user) if user.value != 0 => {
            findings.push(Finding::Weaker {
                edits: vec![Edit::MemorySwap(wanted_swap.text.clone())],
                offending: user.origin.clone(),
                reason: format!("memory+swap is above the profile's {}", wanted_swap.text),
            });
        }
        _ => findings.push(Finding::Missing {
            edits: vec![Edit::MemorySwap(wanted_swap.text.clone())],
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
}

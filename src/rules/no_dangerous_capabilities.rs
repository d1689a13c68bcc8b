//! `no-dangerous-capabilities`: refuses `--cap-add` of capabilities that hand the container a
//! piece of the host: kernel modules, raw devices, other processes' memory, the firewall, the
//! clock, or (`ALL`) everything at once.
//!
//! The default list extends CIS 5.4 with docker-bench's community checks C.5.3.1-4
//! (`DAC_READ_SEARCH`, `SYS_MODULE`, `SYS_ADMIN`, `SYS_PTRACE`). Names are compared as the engine
//! compares them, upper case without `CAP_`, in the spec and in the profile alike.

use crate::docker::values::normalize_capability;
use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "no-dangerous-capabilities",
    title: "Do not add dangerous capabilities",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["5.4"],
    owasp: &["Rule #3"],
    protects: "Capabilities such as SYS_ADMIN, SYS_MODULE, SYS_PTRACE or DAC_READ_SEARCH are the \
               usual first step of a container escape; --cap-add ALL grants every one of them and \
               makes the daemon ignore --cap-drop.",
    may_break: "VPN clients and network tools (NET_ADMIN), debuggers and profilers (SYS_PTRACE, \
                PERFMON, BPF), FUSE and nested containers (SYS_ADMIN); waive the rule for them \
                with a reason.",
    params: &[(
        "capabilities",
        "ALL, SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, SYS_BOOT, SYS_TIME, DAC_READ_SEARCH, \
         NET_ADMIN, MAC_ADMIN, MAC_OVERRIDE, BPF, PERFMON, SYSLOG",
    )],
    example: "docker run --cap-add SYS_ADMIN busybox",
    assess,
};

/// The default list, each with what it gives the container.
const DEFAULT_CAPABILITIES: &[(&str, &str)] = &[
    (
        "ALL",
        "grants every capability, and the daemon then ignores --cap-drop",
    ),
    (
        "SYS_ADMIN",
        "allows mounts, namespaces and many other host administration calls",
    ),
    ("SYS_MODULE", "loads modules into the host's kernel"),
    ("SYS_PTRACE", "traces processes and reads their memory"),
    (
        "SYS_RAWIO",
        "gives raw access to i/o ports and block devices",
    ),
    ("SYS_BOOT", "reboots the host and loads a new kernel"),
    ("SYS_TIME", "sets the host's clock"),
    (
        "DAC_READ_SEARCH",
        "bypasses read permissions and opens host files by handle",
    ),
    (
        "NET_ADMIN",
        "reconfigures interfaces, routes and the firewall",
    ),
    ("MAC_ADMIN", "changes the mandatory access control policy"),
    ("MAC_OVERRIDE", "bypasses mandatory access control"),
    ("BPF", "loads bpf programs into the kernel"),
    (
        "PERFMON",
        "observes the kernel and other processes through perf",
    ),
    (
        "SYSLOG",
        "reads the kernel log, which leaks kernel addresses",
    ),
];

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let forbidden: Vec<String> = match &params.capabilities {
        Some(caps) => caps.iter().map(|c| normalize_capability(c)).collect(),
        None => DEFAULT_CAPABILITIES
            .iter()
            .map(|(cap, _)| (*cap).to_owned())
            .collect(),
    };
    let mut findings = Vec::new();
    for added in &spec.cap_add {
        let cap = normalize_capability(&added.value);
        if !forbidden.contains(&cap) {
            continue;
        }
        let what = DEFAULT_CAPABILITIES
            .iter()
            .find(|(name, _)| *name == cap)
            .map_or(
                "is on the profile's list of dangerous capabilities",
                |(_, what)| what,
            );
        findings.push(Finding::Forbidden {
            offending: added.origin.clone(),
            reason: format!("capability {cap} {what}"),
        });
    }
    if findings.is_empty() {
        findings.push(Finding::Satisfied(
            "no dangerous capability is added".into(),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::spec::Sourced;

    fn findings(added: &[&str], params: &Params) -> Vec<Finding> {
        let spec = ContainerSpec {
            cap_add: added
                .iter()
                .map(|c| Sourced::new((*c).to_owned(), format!("--cap-add {c}")))
                .collect(),
            ..ContainerSpec::default()
        };
        assess(&spec, params, &Context::default())
    }

    use crate::rules::forbidden_of as offending;

    fn reason(finding: &Finding) -> &str {
        match finding {
            Finding::Forbidden { reason, .. } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn catches_each_dangerous_capability() {
        for (cap, _) in DEFAULT_CAPABILITIES {
            let found = findings(&[cap], &Params::default());
            assert_eq!(offending(&found), [format!("--cap-add {cap}")]);
        }
    }

    #[test]
    fn catches_only_the_dangerous_ones_among_several() {
        let found = findings(
            &["NET_BIND_SERVICE", "SYS_PTRACE", "CHOWN", "ALL"],
            &Params::default(),
        );
        assert_eq!(offending(&found), ["--cap-add SYS_PTRACE", "--cap-add ALL"]);
        assert!(reason(&found[1]).contains("--cap-drop"));
    }

    #[test]
    fn catches_the_profiles_own_list_in_any_spelling() {
        let params = Params {
            capabilities: Some(vec!["cap_net_raw".into()]),
            ..Params::default()
        };
        let found = findings(&["NET_RAW", "SYS_ADMIN"], &params);
        assert_eq!(offending(&found), ["--cap-add NET_RAW"]);
        assert!(reason(&found[0]).contains("profile's list"));
    }

    #[test]
    fn does_not_catch_harmless_capabilities() {
        let found = findings(&["NET_BIND_SERVICE", "CHOWN", "SETUID"], &Params::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
        let found = findings(&[], &Params::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn the_documented_default_is_the_one_used() {
        let names: Vec<&str> = DEFAULT_CAPABILITIES.iter().map(|(cap, _)| *cap).collect();
        assert_eq!(RULE.params[0].1, names.join(", "));
    }
}

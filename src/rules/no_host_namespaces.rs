//! `no-host-namespaces`: refuses sharing the host's network, pid, ipc, uts, user or cgroup
//! namespace, each of which removes a wall between the container and the host.
//!
//! Only the `host` mode is refused. Joining another container's namespace
//! (`--network container:<id>`, compose `service:`) is not caught: the other container may be
//! unhardened, but that is its own rules' business.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Sourced};

pub const RULE: Rule = Rule {
    id: "no-host-namespaces",
    title: "Do not share the host's namespaces",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["5.10", "5.16", "5.17", "5.21", "5.31"],
    owasp: &[],
    protects: "A container in the host's network namespace reaches every service listening on the \
               host's localhost (a TCP docker API included); in the host's pid namespace it sees \
               and signals host processes; host ipc shares shared memory; host uts shares the \
               hostname; --userns=host opts out of user namespace remapping; host cgroupns shows \
               the host's cgroup tree.",
    may_break: "Host-level agents (monitoring, network tools, debuggers) that need the host's \
                view. Joins of another container's namespace (container:<id>) are not refused.",
    params: &[],
    example: "docker run --pid host busybox",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    let namespaces: [(&Option<Sourced<String>>, &str); 6] = [
        (
            &spec.network,
            "the host network namespace exposes the host's interfaces and every service \
             listening on its localhost, a tcp docker api included",
        ),
        (
            &spec.pid,
            "the host pid namespace lets the container see and signal every host process",
        ),
        (
            &spec.ipc,
            "the host ipc namespace shares the host's shared memory and semaphores",
        ),
        (
            &spec.uts,
            "the host uts namespace shares the host's hostname, which the container may change",
        ),
        (
            &spec.userns,
            "--userns=host opts out of the daemon's user namespace remapping: root in the \
             container is root on the host",
        ),
        (
            &spec.cgroupns,
            "the host cgroup namespace shows the container the host's whole cgroup tree",
        ),
    ];
    let findings: Vec<Finding> = namespaces
        .into_iter()
        .filter_map(|(mode, reason)| match mode {
            Some(mode) if mode.value == "host" => Some(Finding::Forbidden {
                offending: mode.origin.clone(),
                reason: reason.into(),
            }),
            _ => None,
        })
        .collect();
    if findings.is_empty() {
        vec![Finding::Satisfied("no host namespace is shared".into())]
    } else {
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(value: &str, flag: &str) -> Option<Sourced<String>> {
        Some(Sourced::new(value.into(), format!("{flag} {value}")))
    }

    use crate::rules::forbidden_of as offending;

    #[test]
    fn catches_each_host_namespace() {
        let spec = ContainerSpec {
            network: mode("host", "--network"),
            pid: mode("host", "--pid"),
            ipc: mode("host", "--ipc"),
            uts: mode("host", "--uts"),
            userns: mode("host", "--userns"),
            cgroupns: mode("host", "--cgroupns"),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert_eq!(
            offending(&found),
            [
                "--network host",
                "--pid host",
                "--ipc host",
                "--uts host",
                "--userns host",
                "--cgroupns host"
            ]
        );
    }

    #[test]
    fn catches_host_network_alone() {
        let spec = ContainerSpec {
            network: mode("host", "--net"),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert_eq!(offending(&found), ["--net host"]);
    }

    #[test]
    fn does_not_catch_private_modes_or_absence() {
        let spec = ContainerSpec {
            network: mode("bridge", "--network"),
            ipc: mode("private", "--ipc"),
            cgroupns: mode("private", "--cgroupns"),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
        let found = assess(
            &ContainerSpec::default(),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_container_joins() {
        // Joining another container's namespace is deliberately not refused.
        let spec = ContainerSpec {
            network: mode("container:db", "--network"),
            pid: mode("container:db", "--pid"),
            ipc: mode("container:db", "--ipc"),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }
}

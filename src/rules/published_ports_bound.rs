//! `published-ports-bound`: refuses ports published on every host address (`-p 8080:80`,
//! `-p 0.0.0.0:8080:80`, `-p [::]:8080:80`) and `-P`, because docker's own iptables rules open
//! them to the world ahead of the host's firewall.

use std::net::IpAddr;

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "published-ports-bound",
    title: "Bind published ports to a host address",
    severity: Severity::Medium,
    kind: RuleKind::Refusal,
    cis: &["5.14", "5.9"],
    owasp: &["Rule #5a"],
    protects: "A port published without an address listens on every interface, and docker's \
               iptables rules accept its traffic before UFW or firewalld deny rules, so a service \
               meant for localhost is exposed to the network.",
    may_break: "Services meant to be public: publish them on the public address explicitly \
                (-p 203.0.113.5:443:443). Containers reached from other hosts through -P.",
    params: &[],
    example: "docker run -p 8080:80 nginx",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(all) = spec.publish_all.as_ref().filter(|p| p.value) {
        findings.push(Finding::Forbidden {
            offending: all.origin.clone(),
            reason: "-P publishes every exposed port on every host address, past the host's \
                     firewall"
                .into(),
        });
    }
    for port in &spec.ports {
        if is_every_address(port.value.host_ip.as_deref()) {
            findings.push(Finding::Forbidden {
                offending: port.origin.clone(),
                reason: "the port is published on every host address, and docker's iptables \
                         rules bypass the host's firewall: bind it to an address, such as \
                         127.0.0.1"
                    .into(),
            });
        }
    }
    if !findings.is_empty() {
        findings
    } else if spec.ports.is_empty() {
        vec![Finding::NotApplicable("no published ports".into())]
    } else {
        vec![Finding::Satisfied(
            "every published port is bound to a host address".into(),
        )]
    }
}

/// No address, or an unspecified one (`0.0.0.0`, `::`, `[::]`).
fn is_every_address(host_ip: Option<&str>) -> bool {
    let Some(ip) = host_ip.map(str::trim).filter(|ip| !ip.is_empty()) else {
        return true;
    };
    let ip = ip
        .strip_prefix('[')
        .and_then(|ip| ip.strip_suffix(']'))
        .unwrap_or(ip);
    ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Port, Sourced};

    fn port(host_ip: Option<&str>) -> Sourced<Port> {
        let origin = match host_ip {
            Some(ip) => format!("-p {ip}:8080:80"),
            None => "-p 8080:80".into(),
        };
        Sourced::new(
            Port {
                host_ip: host_ip.map(str::to_owned),
                host_port: Some("8080".into()),
                container_port: "80".into(),
            },
            origin,
        )
    }

    fn findings(ports: Vec<Sourced<Port>>, publish_all: bool) -> Vec<Finding> {
        let spec = ContainerSpec {
            ports,
            publish_all: publish_all.then(|| Sourced::new(true, "-P")),
            ..ContainerSpec::default()
        };
        assess(&spec, &Params::default(), &Context::default())
    }

    use crate::rules::forbidden_of as offending;

    #[test]
    fn catches_ports_on_every_address() {
        for ip in [None, Some("0.0.0.0"), Some("::"), Some("[::]"), Some("")] {
            let found = findings(vec![port(ip)], false);
            assert_eq!(offending(&found).len(), 1, "{ip:?}");
        }
    }

    #[test]
    fn catches_publish_all() {
        let found = findings(vec![], true);
        assert_eq!(offending(&found), ["-P"]);
    }

    #[test]
    fn catches_only_the_unbound_port() {
        let found = findings(vec![port(Some("127.0.0.1")), port(None)], false);
        assert_eq!(offending(&found), ["-p 8080:80"]);
    }

    #[test]
    fn does_not_catch_bound_ports() {
        for ip in ["127.0.0.1", "192.0.2.10", "::1", "[::1]"] {
            let found = findings(vec![port(Some(ip))], false);
            assert!(matches!(&found[..], [Finding::Satisfied(_)]), "{ip}");
        }
    }

    #[test]
    fn does_not_apply_without_published_ports() {
        let found = findings(vec![], false);
        assert!(matches!(&found[..], [Finding::NotApplicable(_)]));
        let spec = ContainerSpec {
            publish_all: Some(Sourced::new(false, "--publish-all=false")),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::NotApplicable(_)]));
    }
}

//! `no-unconfined-security`: refuses `--security-opt` entries that switch off seccomp, AppArmor,
//! SELinux labelling or the masked `/proc` and `/sys` paths, the kernel-side walls that still
//! stand when a process escapes its namespaces.
//!
//! Entries are read as the daemon reads them: split on `=`, else on `:`. For `seccomp` and
//! `apparmor` the last entry wins, so only an effective `unconfined` is refused;
//! `label=disable` (also a bare `disable`) and `systempaths=unconfined` count wherever they are.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, split_security_opt};

pub const RULE: Rule = Rule {
    id: "no-unconfined-security",
    title: "Keep seccomp, AppArmor, SELinux and masked paths on",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["5.2", "5.3", "5.22"],
    owasp: &["Rule #6"],
    protects: "Seccomp blocks the syscalls most kernel exploits need, AppArmor and SELinux confine \
               file and device access, and the masked paths hide kernel interfaces in /proc and \
               /sys; unconfined, an escape needs one fewer step.",
    may_break: "Workloads that need a blocked syscall (some debuggers, nested containers, old \
                JVMs); give them a custom seccomp or AppArmor profile instead of none.",
    params: &[],
    example: "docker run --security-opt seccomp=unconfined busybox",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    let opts = &spec.security_opts;
    let last_of = |key: &str| {
        opts.iter()
            .rposition(|o| split_security_opt(&o.value).0 == key)
    };
    let last_seccomp = last_of("seccomp");
    let last_apparmor = last_of("apparmor");

    let mut findings = Vec::new();
    for (index, opt) in opts.iter().enumerate() {
        let reason = match split_security_opt(&opt.value) {
            ("seccomp", Some("unconfined")) if Some(index) == last_seccomp => {
                "seccomp=unconfined lets the container make every syscall, those most kernel \
                 exploits need included"
            }
            ("apparmor", Some("unconfined")) if Some(index) == last_apparmor => {
                "apparmor=unconfined removes the apparmor profile that confines file, mount and \
                 device access"
            }
            ("label", Some("disable")) | ("disable", None) => {
                "label=disable turns off selinux separation between the container and the host"
            }
            ("systempaths", Some("unconfined")) => {
                "systempaths=unconfined unmasks kernel interfaces in /proc and /sys"
            }
            _ => continue,
        };
        findings.push(Finding::Forbidden {
            offending: opt.origin.clone(),
            reason: reason.into(),
        });
    }
    if findings.is_empty() {
        findings.push(Finding::Satisfied(
            "seccomp, apparmor, selinux labels and masked paths are left on".into(),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn findings(entries: &[&str]) -> Vec<Finding> {
        let spec = ContainerSpec {
            security_opts: entries
                .iter()
                .map(|e| Sourced::new((*e).to_owned(), format!("--security-opt {e}")))
                .collect(),
            ..ContainerSpec::default()
        };
        assess(&spec, &Params::default(), &Context::default())
    }

    use crate::rules::forbidden_of as offending;

    #[test]
    fn catches_each_unconfined_option_in_both_spellings() {
        for entry in [
            "seccomp=unconfined",
            "seccomp:unconfined",
            "apparmor=unconfined",
            "apparmor:unconfined",
            "label=disable",
            "label:disable",
            "disable",
            "systempaths=unconfined",
        ] {
            let found = findings(&[entry]);
            assert_eq!(
                offending(&found),
                [format!("--security-opt {entry}")],
                "{entry}"
            );
        }
    }

    #[test]
    fn catches_every_offending_entry() {
        let found = findings(&["no-new-privileges", "seccomp=unconfined", "label=disable"]);
        assert_eq!(
            offending(&found),
            [
                "--security-opt seccomp=unconfined",
                "--security-opt label=disable"
            ]
        );
    }

    #[test]
    fn catches_unconfined_when_it_is_the_last_entry() {
        let found = findings(&["seccomp=/etc/docker/strict.json", "seccomp=unconfined"]);
        assert_eq!(offending(&found), ["--security-opt seccomp=unconfined"]);
    }

    #[test]
    fn does_not_catch_an_unconfined_entry_a_later_profile_overrides() {
        let found = findings(&["apparmor=unconfined", "apparmor=docker-default"]);
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_profiles_and_labels() {
        let found = findings(&[
            "seccomp=/etc/docker/seccomp.json",
            "seccomp=builtin",
            "apparmor=docker-default",
            "label=type:svirt_apache_t",
            "label=level:s0:c100,c200",
            "no-new-privileges=true",
        ]);
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }
}

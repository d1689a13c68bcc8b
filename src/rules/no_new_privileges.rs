//! `no-new-privileges`: sets the kernel's no_new_privs bit, so setuid binaries and file
//! capabilities cannot raise a process's privileges inside the container.

use crate::docker::values::parse_bool;
use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit, split_security_opt};

pub const RULE: Rule = Rule {
    id: "no-new-privileges",
    title: "Forbid gaining new privileges",
    severity: Severity::High,
    kind: RuleKind::Injection,
    cis: &["5.26"],
    owasp: &["Rule #4"],
    protects: "Without no_new_privs a process that runs as a non-root user can become root \
               again through a setuid binary (su, sudo, a planted one) or file capabilities.",
    may_break: "Images that rely on setuid tools at run time: sudo, su, ping on old images, \
                and entrypoints that switch user through a setuid helper.",
    params: &[],
    example: "docker run busybox",
    assess,
};

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    let Some(entry) = spec.no_new_privileges() else {
        return vec![Finding::Missing {
            edits: vec![Edit::NoNewPrivileges],
            reason: "no-new-privileges is not set: setuid binaries can raise privileges".into(),
        }];
    };
    match split_security_opt(&entry.value).1.map(parse_bool) {
        None | Some(Some(true)) => vec![Finding::Satisfied(format!("kept {}", entry.origin))],
        Some(Some(false)) => vec![Finding::Weaker {
            edits: vec![Edit::NoNewPrivileges],
            offending: entry.origin.clone(),
            reason: "no-new-privileges is turned off, even where the daemon turns it on".into(),
        }],
        Some(None) => vec![Finding::Weaker {
            edits: vec![Edit::NoNewPrivileges],
            offending: entry.origin.clone(),
            reason: "the no-new-privileges value is not a boolean docker accepts".into(),
        }],
    }
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

    #[test]
    fn catches_an_absent_option() {
        assert!(
            matches!(&findings(&[])[..], [Finding::Missing { edits, .. }] if edits == &[Edit::NoNewPrivileges])
        );
        assert!(matches!(
            &findings(&["seccomp=unconfined"])[..],
            [Finding::Missing { .. }]
        ));
    }

    #[test]
    fn catches_a_false_or_unreadable_value() {
        for entry in [
            "no-new-privileges=false",
            "no-new-privileges:0",
            "no-new-privileges=yes",
        ] {
            let found = findings(&[entry]);
            assert!(
                matches!(&found[..], [Finding::Weaker { offending, edits, .. }]
                    if *offending == format!("--security-opt {entry}") && edits == &[Edit::NoNewPrivileges]),
                "{entry}: {found:?}"
            );
        }
    }

    #[test]
    fn catches_a_later_false_over_an_earlier_true() {
        let found = findings(&["no-new-privileges", "no-new-privileges=false"]);
        assert!(matches!(&found[..], [Finding::Weaker { .. }]));
    }

    #[test]
    fn does_not_catch_any_true_spelling() {
        for entry in [
            "no-new-privileges",
            "no-new-privileges:true",
            "no-new-privileges=1",
            "no-new-privileges=T",
        ] {
            assert!(
                matches!(&findings(&[entry])[..], [Finding::Satisfied(_)]),
                "{entry}"
            );
        }
    }

    #[test]
    fn does_not_catch_the_appended_edit() {
        // The front end appends the option after the user's, so it is the last entry.
        let found = findings(&["no-new-privileges=false", "no-new-privileges"]);
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }
}

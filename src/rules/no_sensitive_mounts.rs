//! `no-sensitive-mounts`: refuses writable binds of the host's system directories, through which
//! a container can rewrite the host's binaries, configuration or kernel interfaces.
//!
//! A path is caught only when the cleaned source equals one on the list (`/etc`, not
//! `/etc/nginx`), and only when the mount is writable: a read-only bind is fine. A local volume
//! that binds such a path (`o=bind,device=/etc`) counts as a bind. Symlinks to these paths are not
//! resolved, since rules never look at the host.

use std::borrow::Cow;

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, MountKind, clean_path};

pub const RULE: Rule = Rule {
    id: "no-sensitive-mounts",
    title: "Do not mount the host's system directories writable",
    severity: Severity::High,
    kind: RuleKind::Refusal,
    cis: &["5.6"],
    owasp: &["Rule #8"],
    protects: "A writable bind of /, /etc, /usr, /boot, /proc, /sys, /dev or docker's own data \
               directory lets the container replace the host's binaries, users, boot files or \
               kernel settings, which is root on the host at the next login or boot.",
    may_break: "Host agents that really write these paths (configuration managers, node tooling). \
                Mount them :ro, or mount the narrower subdirectory needed (/etc/nginx is allowed).",
    params: &[(
        "paths",
        "/, /boot, /dev, /etc, /lib, /lib64, /proc, /sys, /usr, /bin, /sbin, /var/lib/docker",
    )],
    example: "docker run -v /etc:/host-etc busybox",
    assess,
};

const DEFAULT_PATHS: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/var/lib/docker",
];

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    // The defaults are written clean.
    let sensitive: Vec<Cow<'_, str>> = match &params.paths {
        Some(paths) => paths
            .iter()
            .map(|p| Cow::Owned(clean_path(p.trim())))
            .collect(),
        None => DEFAULT_PATHS.iter().map(|p| Cow::Borrowed(*p)).collect(),
    };
    let mut findings = Vec::new();
    for mount in &spec.mounts {
        if mount.value.read_only {
            continue;
        }
        let host_path = match mount.value.kind {
            MountKind::Bind => mount.value.source.as_deref(),
            MountKind::Volume => mount.value.bind_device.as_deref(),
            _ => None,
        };
        let Some(host_path) = host_path.map(|p| clean_path(p.trim())) else {
            continue;
        };
        if sensitive.iter().any(|path| *path == host_path) {
            findings.push(Finding::Forbidden {
                offending: mount.origin.clone(),
                reason: format!(
                    "the host's {host_path} is mounted writable: mount it read-only or mount \
                     only the subdirectory the container needs"
                ),
            });
        }
    }
    if findings.is_empty() {
        findings.push(Finding::Satisfied(
            "no sensitive host path is mounted writable".into(),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Mount, Sourced};

    fn mount(kind: MountKind, source: &str, read_only: bool) -> Sourced<Mount> {
        let suffix = if read_only { ":ro" } else { "" };
        Sourced::new(
            Mount {
                kind,
                source: Some(source.into()),
                target: "/host".into(),
                read_only,
                propagation: None,
                tmpfs_options: String::new(),
                bind_device: None,
            },
            format!("-v {source}:/host{suffix}"),
        )
    }

    fn findings(mounts: Vec<Sourced<Mount>>, params: &Params) -> Vec<Finding> {
        let spec = ContainerSpec {
            mounts,
            ..ContainerSpec::default()
        };
        assess(&spec, params, &Context::default())
    }

    #[test]
    fn catches_writable_system_directories() {
        for source in [
            "/",
            "/etc",
            "/etc/",
            "//usr",
            "/var/lib/docker",
            "/proc",
            "/lib/../sys",
        ] {
            let found = findings(
                vec![mount(MountKind::Bind, source, false)],
                &Params::default(),
            );
            let [Finding::Forbidden { offending, .. }] = &found[..] else {
                panic!("{source}: {found:?}");
            };
            assert_eq!(offending, &format!("-v {source}:/host"));
        }
    }

    #[test]
    fn catches_a_local_volume_that_binds_a_system_directory() {
        let mut volume = mount(MountKind::Volume, "etc", false);
        volume.value.bind_device = Some("/etc".into());
        let found = findings(vec![volume], &Params::default());
        assert!(matches!(&found[..], [Finding::Forbidden { .. }]));
    }

    #[test]
    fn catches_the_profiles_own_paths() {
        let params = Params {
            paths: Some(vec!["/srv/".into()]),
            ..Params::default()
        };
        let found = findings(vec![mount(MountKind::Bind, "/srv", false)], &params);
        assert!(matches!(&found[..], [Finding::Forbidden { .. }]));
        // The profile's list replaces the default one.
        let found = findings(vec![mount(MountKind::Bind, "/etc", false)], &params);
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_read_only_binds() {
        let found = findings(
            vec![mount(MountKind::Bind, "/etc", true)],
            &Params::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_subdirectories() {
        let found = findings(
            vec![
                mount(MountKind::Bind, "/etc/nginx", false),
                mount(MountKind::Bind, "/var/lib/docker-data", false),
                mount(MountKind::Bind, "/srv/app", false),
            ],
            &Params::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_named_volumes() {
        let found = findings(
            vec![mount(MountKind::Volume, "etc", false)],
            &Params::default(),
        );
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn the_documented_default_is_the_one_used() {
        assert_eq!(RULE.params[0].1, DEFAULT_PATHS.join(", "));
    }
}

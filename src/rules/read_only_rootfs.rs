//! `read-only-rootfs`: mounts the root filesystem read-only, with bounded tmpfs scratch space
//! where programs expect to write.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity, TmpfsParam};
use crate::spec::{ContainerSpec, Edit, MountKind};

pub const RULE: Rule = Rule {
    id: "read-only-rootfs",
    title: "Mount the root filesystem read-only",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &["5.13"],
    owasp: &["Rule #8"],
    protects: "A writable root filesystem lets an intruder replace binaries and configuration, \
               plant tools and persist across restarts of the process.",
    may_break: "Programs that write outside /tmp and /var/tmp (caches, pid files under /run, \
                s6-overlay, package installs at start) and `docker cp` into the container; \
                give them a volume or a tmpfs.",
    params: &[(
        "tmpfs",
        "/tmp:rw,noexec,nosuid,size=100m,mode=1777; /var/tmp:rw,noexec,nosuid,size=100m,mode=1777",
    )],
    example: "docker run nginx",
    assess,
};

/// The scratch mounts when the profile names none. `mode=1777` lets a non-root user write.
const DEFAULT_TMPFS: [&str; 2] = ["/tmp", "/var/tmp"];
const DEFAULT_TMPFS_OPTIONS: &str = "rw,noexec,nosuid,size=100m,mode=1777";

/// The scratch mounts when the profile names none.
pub(crate) fn default_scratch() -> Vec<TmpfsParam> {
    DEFAULT_TMPFS
        .iter()
        .map(|path| TmpfsParam {
            path: (*path).to_owned(),
            options: DEFAULT_TMPFS_OPTIONS.to_owned(),
        })
        .collect()
}

fn assess(spec: &ContainerSpec, params: &Params, context: &Context) -> Vec<Finding> {
    let tmpfs = params.tmpfs.clone().unwrap_or_else(default_scratch);

    // Scratch mounts the container lacks; they only ever travel with the read-only root, so a
    // level that keeps a writable root adds none.
    let mut scratch = Vec::new();
    let mut mount_findings = Vec::new();
    let image_volumes = context
        .image
        .as_ref()
        .map(|image| image.volumes.as_slice())
        .unwrap_or_default();
    for wanted in &tmpfs {
        // An image VOLUME stays writable on its own anonymous volume; a tmpfs would hide it.
        let path = wanted.path.trim_end_matches('/');
        if image_volumes
            .iter()
            .any(|v| v.trim_end_matches('/') == path)
        {
            mount_findings.push(Finding::Satisfied(format!(
                "{} is an image VOLUME and stays writable",
                wanted.path
            )));
            continue;
        }
        if !spec.has_mount_at(&wanted.path) {
            scratch.push(Edit::Tmpfs {
                target: wanted.path.clone(),
                options: wanted.options.clone(),
            });
            continue;
        }
        mount_findings.push(existing_mount(spec, wanted));
    }

    let mut findings = Vec::new();
    match &spec.read_only {
        Some(read_only) if read_only.value => {
            findings.push(Finding::Satisfied(format!("kept {}", read_only.origin)));
            if !scratch.is_empty() {
                findings.push(Finding::Missing {
                    edits: scratch,
                    reason: "the read-only root has no writable scratch space".into(),
                });
            }
        }
        Some(read_only) => findings.push(Finding::Weaker {
            edits: [vec![Edit::ReadOnlyRootfs], scratch].concat(),
            offending: read_only.origin.clone(),
            reason: "the root filesystem is explicitly writable".into(),
        }),
        None => findings.push(Finding::Missing {
            edits: [vec![Edit::ReadOnlyRootfs], scratch].concat(),
            reason: "the root filesystem is writable: binaries and configuration can be replaced"
                .into(),
        }),
    }
    findings.extend(mount_findings);
    findings
}

/// A user's mount at a scratch path is kept: adding a tmpfs there would fail with `Duplicate
/// mount point` or shadow it. Only a tmpfs without a size is tightened, because its pages are
/// charged to the container's memory and it may grow to half the host's RAM.
fn existing_mount(spec: &ContainerSpec, wanted: &TmpfsParam) -> Finding {
    let target = wanted.path.trim_end_matches('/');
    let at_target: Vec<_> = spec
        .mounts
        .iter()
        .filter(|m| m.value.target.trim_end_matches('/') == target)
        .collect();
    let unbounded = at_target
        .iter()
        .find(|m| m.value.kind == MountKind::Tmpfs && size_of(&m.value.tmpfs_options).is_none());
    let bounded = at_target
        .iter()
        .any(|m| m.value.kind != MountKind::Tmpfs || size_of(&m.value.tmpfs_options).is_some());
    match (unbounded, size_of(&wanted.options)) {
        (Some(mount), Some(size)) if !bounded => {
            let options = match mount.value.tmpfs_options.as_str() {
                "" => format!("size={size}"),
                user => format!("{user},size={size}"),
            };
            Finding::Weaker {
                edits: vec![Edit::Tmpfs {
                    target: mount.value.target.clone(),
                    options,
                }],
                offending: mount.origin.clone(),
                reason: format!(
                    "the tmpfs at {} has no size: it can grow to half the host's memory",
                    wanted.path
                ),
            }
        }
        _ => Finding::Satisfied(format!("kept the user's mount at {}", wanted.path)),
    }
}

/// The non-zero `size=` of tmpfs options (`size=0` means no limit).
fn size_of(options: &str) -> Option<&str> {
    options
        .split(',')
        .rev()
        .find_map(|option| option.trim().strip_prefix("size="))
        .filter(|size| size.chars().any(|c| c.is_ascii_digit() && c != '0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Mount, Sourced};

    fn mount(kind: MountKind, target: &str, options: &str) -> Sourced<Mount> {
        Sourced::new(
            Mount {
                kind,
                source: None,
                target: target.into(),
                read_only: false,
                propagation: None,
                tmpfs_options: options.into(),
                bind_device: None,
            },
            format!("--mount dst={target}"),
        )
    }

    fn spec(read_only: Option<bool>, mounts: Vec<Sourced<Mount>>) -> ContainerSpec {
        ContainerSpec {
            read_only: read_only.map(|r| Sourced::new(r, format!("--read-only={r}"))),
            mounts,
            ..ContainerSpec::default()
        }
    }

    use crate::rules::edits_of as edits;

    fn tmp(target: &str) -> Edit {
        Edit::Tmpfs {
            target: target.into(),
            options: DEFAULT_TMPFS_OPTIONS.into(),
        }
    }

    #[test]
    fn does_not_cover_an_image_volume_with_a_tmpfs() {
        let context = Context {
            image: Some(crate::spec::ImageFacts {
                volumes: vec!["/tmp".into()],
                ..Default::default()
            }),
            ..Context::default()
        };
        let found = assess(&spec(None, vec![]), &Params::default(), &context);
        assert_eq!(edits(&found), [Edit::ReadOnlyRootfs, tmp("/var/tmp")]);
        assert!(
            found
                .iter()
                .any(|f| matches!(f, Finding::Satisfied(r) if r.contains("image VOLUME")))
        );
    }

    /// Applies edits as the docker front end does: `--tmpfs` on the same target, last wins.
    fn apply(mut spec: ContainerSpec, edits: &[Edit]) -> ContainerSpec {
        for edit in edits {
            match edit {
                Edit::ReadOnlyRootfs => spec.read_only = Some(Sourced::new(true, "--read-only")),
                Edit::Tmpfs { target, options } => {
                    spec.mounts.retain(|m| {
                        !(m.value.kind == MountKind::Tmpfs && m.value.target == *target)
                    });
                    spec.mounts.push(mount(MountKind::Tmpfs, target, options));
                }
                other => panic!("unexpected edit {other:?}"),
            }
        }
        spec
    }

    #[test]
    fn catches_a_writable_root_and_adds_scratch_mounts() {
        let found = assess(&spec(None, vec![]), &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::Missing { .. }]));
        assert_eq!(
            edits(&found),
            [Edit::ReadOnlyRootfs, tmp("/tmp"), tmp("/var/tmp")]
        );
    }

    #[test]
    fn catches_an_explicit_writable_root_as_weaker_with_its_scratch_mounts() {
        let found = assess(
            &spec(Some(false), vec![]),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            matches!(&found[..], [Finding::Weaker { offending, edits, .. }]
            if offending == "--read-only=false" && edits.len() == 3)
        );
    }

    #[test]
    fn catches_missing_scratch_mounts_beside_a_read_only_root() {
        let found = assess(
            &spec(Some(true), vec![]),
            &Params::default(),
            &Context::default(),
        );
        assert!(matches!(
            &found[..],
            [Finding::Satisfied(_), Finding::Missing { .. }]
        ));
        assert_eq!(edits(&found), [tmp("/tmp"), tmp("/var/tmp")]);
    }

    #[test]
    fn catches_an_unbounded_user_tmpfs_and_keeps_its_options() {
        let mounts = vec![mount(MountKind::Tmpfs, "/tmp", "exec")];
        let found = assess(
            &spec(Some(true), mounts),
            &Params::default(),
            &Context::default(),
        );
        assert_eq!(
            edits(&found),
            [
                tmp("/var/tmp"),
                Edit::Tmpfs {
                    target: "/tmp".into(),
                    options: "exec,size=100m".into()
                }
            ]
        );
        let mounts = vec![mount(MountKind::Tmpfs, "/tmp", "size=0")];
        let found = assess(
            &spec(Some(true), mounts),
            &Params::default(),
            &Context::default(),
        );
        assert!(found.iter().any(|f| matches!(f, Finding::Weaker { .. })));
    }

    #[test]
    fn does_not_catch_a_read_only_root_with_the_users_own_mounts() {
        let mounts = vec![
            mount(MountKind::Volume, "/tmp/", ""),
            mount(MountKind::Tmpfs, "/var/tmp", "size=10m"),
        ];
        let found = assess(
            &spec(Some(true), mounts),
            &Params::default(),
            &Context::default(),
        );
        assert!(
            found.iter().all(|f| matches!(f, Finding::Satisfied(_))),
            "{found:?}"
        );
        assert!(
            matches!(&found[1], Finding::Satisfied(reason) if reason == "kept the user's mount at /tmp")
        );
    }

    #[test]
    fn does_not_add_scratch_mounts_the_profile_does_not_name() {
        let params = Params {
            tmpfs: Some(vec![]),
            ..Params::default()
        };
        let found = assess(&spec(None, vec![]), &params, &Context::default());
        assert_eq!(edits(&found), [Edit::ReadOnlyRootfs]);
    }

    #[test]
    fn edits_are_idempotent() {
        let specs = [
            spec(None, vec![]),
            spec(Some(false), vec![mount(MountKind::Tmpfs, "/tmp", "")]),
            spec(Some(true), vec![mount(MountKind::Bind, "/var/tmp", "")]),
            spec(
                None,
                vec![mount(MountKind::Tmpfs, "/var/tmp", "mode=1777,size=0")],
            ),
        ];
        for spec in specs {
            let found = assess(&spec, &Params::default(), &Context::default());
            let hardened = apply(spec.clone(), &edits(&found));
            let again = assess(&hardened, &Params::default(), &Context::default());
            assert!(
                again.iter().all(|f| matches!(f, Finding::Satisfied(_))),
                "{spec:?}: {again:?}"
            );
        }
    }
}

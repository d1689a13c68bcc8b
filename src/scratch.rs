//! Scratch space belongs to the user the container runs as.
//!
//! The engine mounts a tmpfs as root, and runc (1.1.5 here) then gives it the mode of the image
//! directory it covers, never its owner: `mode=1777` is ignored over an existing directory, and
//! a non-root process gets `Permission denied` on a 0755 one. Only `uid=`/`gid=` make a tmpfs
//! writable for that user whatever the image holds. So every tmpfs hardrun adds for a container
//! whose user is not root carries `uid=U[,gid=G]` of that user: the user the plan sets, else the
//! one the command line or model names, else the image's `USER`. A user given by name cannot be
//! resolved without the image's `/etc/passwd`, so its tmpfs keep the profile's options (`mode=`
//! then decides, which works where the image has no such directory or a 1777 one); an
//! adjustment's numeric `user:` runs the container over such an image `USER` (`non-root-user`),
//! and then owns them. Pure.

use crate::plan::{Change, ChangeKind};
use crate::rules::Context;
use crate::spec::{ContainerSpec, Edit};

/// The numeric `uid` and `gid` of a user as docker reads `--user` (`UID`, `UID:GID`); `None`
/// for root, a name, or anything else.
pub fn numeric_owner(user: &str) -> Option<(u32, Option<u32>)> {
    let (uid, gid) = match user.split_once(':') {
        Some((uid, gid)) => (uid, Some(gid)),
        None => (user, None),
    };
    let uid: u32 = uid.parse().ok()?;
    let gid = match gid {
        Some(gid) => Some(gid.parse::<u32>().ok()?),
        None => None,
    };
    (uid != 0).then_some((uid, gid))
}

/// The user the container will run as once `changes` apply.
fn planned_user<'a>(
    changes: &'a [Change],
    spec: &'a ContainerSpec,
    context: &'a Context,
) -> Option<&'a str> {
    let planned = changes
        .iter()
        .rev()
        .filter(|c| matches!(c.kind, ChangeKind::Added | ChangeKind::Tightened))
        .flat_map(|c| c.edits.iter().rev())
        .find_map(|e| match e {
            Edit::User(user) => Some(user.as_str()),
            _ => None,
        });
    planned
        .or(spec.user.as_ref().map(|u| u.value.as_str()))
        .or(context.image.as_ref().map(|i| i.user.as_str()))
        .filter(|u| !u.is_empty())
}

/// Gives every tmpfs the changes add to the container's non-root user (`uid=`, `gid=`), unless
/// its options already name an owner.
pub fn own_scratch(changes: &mut [Change], spec: &ContainerSpec, context: &Context) {
    let Some((uid, gid)) = planned_user(changes, spec, context).and_then(numeric_owner) else {
        return;
    };
    let owner = match gid {
        Some(gid) => format!("uid={uid},gid={gid}"),
        None => format!("uid={uid}"),
    };
    for change in changes
        .iter_mut()
        .filter(|c| matches!(c.kind, ChangeKind::Added | ChangeKind::Tightened))
    {
        for edit in &mut change.edits {
            if let Edit::Tmpfs { options, .. } = edit
                && !options
                    .split(',')
                    .any(|o| o.starts_with("uid=") || o.starts_with("gid="))
            {
                *options = if options.is_empty() {
                    owner.clone()
                } else {
                    format!("{options},{owner}")
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ImageFacts, Sourced};

    fn change(edits: Vec<Edit>) -> Change {
        Change {
            rule: "read-only-rootfs",
            kind: ChangeKind::Added,
            reason: String::new(),
            offending: None,
            edits,
        }
    }

    fn tmpfs(options: &str) -> Edit {
        Edit::Tmpfs {
            target: "/tmp".into(),
            options: options.into(),
        }
    }

    fn owned(changes: Vec<Change>, spec: &ContainerSpec, context: &Context) -> Vec<Edit> {
        let mut changes = changes;
        own_scratch(&mut changes, spec, context);
        changes.into_iter().flat_map(|c| c.edits).collect()
    }

    #[test]
    fn users_are_numeric_and_not_root() {
        assert_eq!(numeric_owner("1000:1000"), Some((1000, Some(1000))));
        assert_eq!(numeric_owner("101"), Some((101, None)));
        for user in ["0", "0:0", "root", "nginx", "101:www", "", ":1"] {
            assert_eq!(numeric_owner(user), None, "{user}");
        }
    }

    #[test]
    fn the_planned_user_owns_the_added_tmpfs() {
        let spec = ContainerSpec::default();
        let context = Context::default();
        let changes = vec![
            change(vec![tmpfs("rw,size=100m,mode=1777")]),
            Change {
                rule: "non-root-user",
                ..change(vec![Edit::User("1000:1000".into())])
            },
        ];
        assert_eq!(
            owned(changes, &spec, &context)[0],
            tmpfs("rw,size=100m,mode=1777,uid=1000,gid=1000")
        );
    }

    #[test]
    fn the_typed_user_then_the_image_s_user_own_it_and_root_leaves_it_alone() {
        let typed = ContainerSpec {
            user: Some(Sourced::new("101".into(), "-u 101")),
            ..ContainerSpec::default()
        };
        assert_eq!(
            owned(vec![change(vec![tmpfs("")])], &typed, &Context::default())[0],
            tmpfs("uid=101")
        );
        let image = Context {
            image: Some(ImageFacts {
                user: "65534:65534".into(),
                ..ImageFacts::default()
            }),
            ..Context::default()
        };
        assert_eq!(
            owned(
                vec![change(vec![tmpfs("size=1m")])],
                &ContainerSpec::default(),
                &image
            )[0],
            tmpfs("size=1m,uid=65534,gid=65534")
        );
        let root = ContainerSpec {
            user: Some(Sourced::new("root".into(), "-u root")),
            ..ContainerSpec::default()
        };
        assert_eq!(
            owned(vec![change(vec![tmpfs("size=1m")])], &root, &image)[0],
            tmpfs("size=1m")
        );
        // An owner already named is kept.
        assert_eq!(
            owned(
                vec![change(vec![tmpfs("uid=5")])],
                &typed,
                &Context::default()
            )[0],
            tmpfs("uid=5")
        );
    }
}

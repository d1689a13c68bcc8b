//! `non-root-user`: runs the container's process as an unprivileged user instead of the
//! image's user, which is root unless the image says otherwise.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, Edit};

pub const RULE: Rule = Rule {
    id: "non-root-user",
    title: "Run as a non-root user",
    severity: Severity::High,
    kind: RuleKind::Injection,
    cis: &["4.1"],
    owasp: &["Rule #2"],
    protects: "Root in a container is root on the host's kernel: one kernel bug, writable host \
               mount or extra capability away from owning the host.",
    may_break: "Images that need root at start (binding ports below 1024 without the \
                capability, chown in the entrypoint, package installs) and files in volumes \
                owned by another uid.",
    params: &[("user", "1000:1000")],
    example: "docker run --user root busybox",
    assess,
};

const DEFAULT_USER: &str = "1000:1000";

fn assess(spec: &ContainerSpec, params: &Params, context: &Context) -> Vec<Finding> {
    let wanted = params.user.as_deref().unwrap_or(DEFAULT_USER);
    let image_user = context.image.as_ref().map(|i| i.user.as_str());
    let user = match &spec.user {
        Some(user) if !user.value.is_empty() => user,
        // An adjustment's user wins over the image's own: the image may name its user (`USER
        // app`), which the tmpfs hardrun adds cannot be owned by without its /etc/passwd.
        None if params.user_over_image
            && image_user.is_some_and(|u| !image_user_is_root(u) && u != wanted) =>
        {
            return vec![Finding::Missing {
                edits: vec![Edit::User(wanted.into())],
                reason: format!(
                    "the adjustment runs it as {wanted}, not the image's USER {}",
                    image_user.unwrap_or_default()
                ),
            }];
        }
        // Without --user the image's USER applies: a non-root one satisfies the rule as it is.
        _ if image_user.is_some_and(|u| !image_user_is_root(u)) => {
            return vec![Finding::Satisfied(format!(
                "the image runs as USER {}, not root",
                image_user.unwrap_or_default()
            ))];
        }
        // A typed empty `--user=` asks for the image's user: a value the user set.
        Some(user) if user.value.is_empty() => {
            return vec![Finding::Weaker {
                edits: vec![Edit::User(wanted.into())],
                offending: user.origin.clone(),
                reason: "an empty user runs as the image's user, often root".into(),
            }];
        }
        _ => {
            return vec![Finding::Missing {
                edits: vec![Edit::User(wanted.into())],
                reason: "no user given: the image's user applies, often root".into(),
            }];
        }
    };
    let (name, group) = match user.value.split_once(':') {
        Some((name, group)) => (name, Some(group)),
        None => (user.value.as_str(), None),
    };
    if is_root(name) {
        return vec![Finding::Weaker {
            edits: vec![Edit::User(wanted.into())],
            offending: user.origin.clone(),
            reason: "the container runs as root".into(),
        }];
    }
    let reason = match group {
        None if name.parse::<i64>().is_ok() => format!(
            "kept {}; with no group given the group defaults to 0 (root) unless the image's \
             /etc/passwd lists the uid",
            user.origin
        ),
        Some(group) if is_root(group) => format!("kept {}; its group is root", user.origin),
        _ => format!("kept {}", user.origin),
    };
    vec![Finding::Satisfied(reason)]
}

/// Whether an image's `USER` means root: empty, or a root user part.
fn image_user_is_root(user: &str) -> bool {
    is_root(user.split(':').next().unwrap_or_default())
}

/// Whether a user (or group) part means root. An empty user part (`:1000`) means the default
/// user, root. Numbers are read as Go's `strconv.Atoi` reads them, so `00` and `+0` are root.
fn is_root(part: &str) -> bool {
    part.is_empty() || part == "root" || part.parse::<i64>() == Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sourced;

    fn findings(user: Option<&str>) -> Vec<Finding> {
        let spec = ContainerSpec {
            user: user.map(|u| Sourced::new(u.to_owned(), format!("--user {u}"))),
            ..ContainerSpec::default()
        };
        assess(&spec, &Params::default(), &Context::default())
    }

    fn findings_with_image_user(user: Option<&str>, image_user: &str) -> Vec<Finding> {
        let spec = ContainerSpec {
            user: user.map(|u| Sourced::new(u.to_owned(), format!("--user {u}"))),
            ..ContainerSpec::default()
        };
        let context = Context {
            image: Some(crate::spec::ImageFacts {
                user: image_user.to_owned(),
                ..Default::default()
            }),
            ..Context::default()
        };
        assess(&spec, &Params::default(), &context)
    }

    #[test]
    fn does_not_catch_an_image_whose_user_is_not_root() {
        assert!(matches!(
            &findings_with_image_user(None, "1000")[..],
            [Finding::Satisfied(_)]
        ));
        assert!(matches!(
            &findings_with_image_user(None, "nginx:nginx")[..],
            [Finding::Satisfied(_)]
        ));
    }

    #[test]
    fn catches_an_image_whose_user_is_root_or_unset() {
        for image_user in ["", "root", "0", "0:0"] {
            assert!(
                matches!(
                    &findings_with_image_user(None, image_user)[..],
                    [Finding::Missing { .. }]
                ),
                "{image_user:?}"
            );
        }
        // A root --user still loses against a non-root image user: the flag wins in docker.
        assert!(matches!(
            &findings_with_image_user(Some("0"), "1000")[..],
            [Finding::Weaker { .. }]
        ));
    }

    #[test]
    fn catches_an_absent_or_empty_user() {
        assert!(matches!(
            &findings(None)[..],
            [Finding::Missing { edits, .. }] if edits == &[Edit::User("1000:1000".into())]
        ));
        // A typed `--user=` is the user's own value: tightened in the open, never silently.
        assert!(matches!(
            &findings(Some(""))[..],
            [Finding::Weaker { edits, .. }] if edits == &[Edit::User("1000:1000".into())]
        ));
    }

    #[test]
    fn catches_every_spelling_of_root() {
        for user in [
            "0",
            "root",
            "0:0",
            "root:root",
            "0:1000",
            "root:app",
            "00",
            "+0",
            ":1000",
        ] {
            let found = findings(Some(user));
            assert!(
                matches!(&found[..], [Finding::Weaker { offending, edits, .. }]
                    if *offending == format!("--user {user}") && edits == &[Edit::User("1000:1000".into())]),
                "{user}: {found:?}"
            );
        }
    }

    #[test]
    fn does_not_catch_a_non_root_user() {
        for user in ["1000:1000", "app", "nobody:nogroup", "65534", "rootless"] {
            assert!(
                matches!(&findings(Some(user))[..], [Finding::Satisfied(_)]),
                "{user}"
            );
        }
    }

    #[test]
    fn does_not_catch_a_bare_uid_but_says_the_group_is_0() {
        assert!(
            matches!(&findings(Some("1000"))[..], [Finding::Satisfied(reason)] if reason.contains("group defaults to 0"))
        );
    }

    #[test]
    fn an_adjustment_s_user_wins_over_the_image_s_named_user() {
        let adjusted = Params {
            user: Some("10001:10001".into()),
            user_over_image: true,
            ..Params::default()
        };
        let context = Context {
            image: Some(crate::spec::ImageFacts {
                user: "app".into(),
                ..Default::default()
            }),
            ..Context::default()
        };
        let found = assess(&ContainerSpec::default(), &adjusted, &context);
        assert!(
            matches!(&found[..], [Finding::Missing { edits, reason }]
                if edits == &[Edit::User("10001:10001".into())] && reason.contains("USER app")),
            "{found:?}"
        );
        // A profile's user does not: the image's non-root USER satisfies the rule.
        let profile = Params {
            user_over_image: false,
            ..adjusted.clone()
        };
        assert!(matches!(
            &assess(&ContainerSpec::default(), &profile, &context)[..],
            [Finding::Satisfied(_)]
        ));
        // Nor over a user typed on the command line, nor when the image already runs as it.
        let typed = ContainerSpec {
            user: Some(Sourced::new("app".into(), "--user app")),
            ..ContainerSpec::default()
        };
        assert!(matches!(
            &assess(&typed, &adjusted, &context)[..],
            [Finding::Satisfied(_)]
        ));
        let same = Context {
            image: Some(crate::spec::ImageFacts {
                user: "10001:10001".into(),
                ..Default::default()
            }),
            ..Context::default()
        };
        assert!(matches!(
            &assess(&ContainerSpec::default(), &adjusted, &same)[..],
            [Finding::Satisfied(_)]
        ));
    }

    #[test]
    fn uses_the_profiles_user() {
        let params = Params {
            user: Some("65534:65534".into()),
            ..Params::default()
        };
        let found = assess(&ContainerSpec::default(), &params, &Context::default());
        assert!(
            matches!(&found[..], [Finding::Missing { edits, .. }] if edits == &[Edit::User("65534:65534".into())])
        );
    }
}

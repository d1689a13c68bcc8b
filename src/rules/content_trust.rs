//! `content-trust`: hands the command to docker with `DOCKER_CONTENT_TRUST=1` in its
//! environment, so that the docker CLI pulls and runs only images signed in the registry's
//! notary (Docker Content Trust), for `run`/`create` and `compose` alike.
//!
//! This rule changes no container setting: its `assess` finds nothing, so the plan holds no
//! change for it and `verify` gives it no verdict. What it decides is the environment of the
//! handoff, by its level: `set`, `enforce` and `deny` set `DOCKER_CONTENT_TRUST=1`, `warn` only
//! says in `--explain` (and the JSON `notes`) that images are not checked, `off` says nothing.
//! A `DOCKER_CONTENT_TRUST` already in the user's environment is kept as it is, and said so;
//! `--allow content-trust` leaves the environment alone for one invocation. `handoff` is the
//! decision, pure: `decision::decide` asks it, the commands read the user's environment, and
//! the handoff applies it.
//!
//! docker looks a tag up in the notary; a reference pinned by digest alone (`image@sha256:…`)
//! already names one image and is not looked up.
//!
//! Docker CLI 29 removed content trust (docker/cli#6603): there the variable is accepted and
//! ignored. Compose v2 never implemented it (docker/compose#11948): `hardrun compose` sets the
//! variable all the same and says that compose does not check signatures.

use crate::rules::{Context, Finding, Level, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

/// The docker CLI's switch for Docker Content Trust.
pub const VARIABLE: &str = "DOCKER_CONTENT_TRUST";

pub const RULE: Rule = Rule {
    id: "content-trust",
    title: "Pull and run only signed images",
    severity: Severity::Medium,
    kind: RuleKind::Injection,
    cis: &["4.5"],
    owasp: &[],
    protects: "With DOCKER_CONTENT_TRUST=1 the docker CLI resolves a tag to a digest through the \
               registry's notary and refuses an image nobody signed, so a tag pushed by a \
               stolen registry credential does not run. It is set in docker's environment at \
               the handoff, not on the container. Docker CLI 29 removed content trust and \
               ignores the variable, and docker compose never implemented it: there this rule \
               protects nothing.",
    may_break: "Every image without signed trust data: locally built or `docker load`ed images, \
                private registries without a notary, and any pull when the notary cannot be \
                reached (offline hosts, air-gapped networks); Docker Hub is retiring its notary \
                for official images, whose pulls then fail too. `docker run` fails before the \
                container starts. A no-op with docker CLI 29 or later, and for docker compose.",
    params: &[],
    example: "docker run nginx:1.27",
    assess,
};

/// Nothing to assess: content trust is a property of the docker CLI's environment at the
/// handoff, not of the container (see `handoff`).
fn assess(_: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    Vec::new()
}

/// What the handoff does about content trust, and what `--explain` says about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Handoff {
    /// The variables to add to docker's environment.
    pub env: Vec<(&'static str, &'static str)>,
    /// A note for `--explain` and the JSON `notes`.
    pub note: Option<String>,
}

/// Decides the handoff's environment. `level` is the profile's level for the rule (`None` when
/// the profile does not name it), `waived` whether `--allow content-trust` was given,
/// `user_value` the user's own `DOCKER_CONTENT_TRUST`, and `disabled_by_flag` whether the
/// command line turns it off again (`--disable-content-trust`, which docker honours over the
/// variable); `compose` whether compose, which ignores the variable, is the one handed to.
pub fn handoff(
    level: Option<Level>,
    waived: bool,
    user_value: Option<&str>,
    disabled_by_flag: bool,
    compose: bool,
) -> Handoff {
    const NO_OP: &str = "docker CLI 29 and later ignore it";
    let note = |text: String| Handoff {
        env: Vec::new(),
        note: Some(format!("content-trust: {text}")),
    };
    let level = match level {
        None | Some(Level::Off) => return Handoff::default(),
        Some(level) => level,
    };
    if let Some(value) = user_value {
        return note(format!(
            "{VARIABLE}={value} is already set in your environment: kept as you set it"
        ));
    }
    if level == Level::Warn {
        return note(format!(
            "images are not checked for signatures (level warn); at level set hardrun hands off with {VARIABLE}=1 ({NO_OP})"
        ));
    }
    if waived {
        return note(format!(
            "waived for this invocation (--allow content-trust): docker runs without {VARIABLE}"
        ));
    }
    let mut text = if compose {
        format!(
            "docker compose runs with {VARIABLE}=1, but compose does not implement content trust: the images it pulls are not checked (pull them first with `{VARIABLE}=1 docker pull`)"
        )
    } else {
        format!("docker runs with {VARIABLE}=1: only signed images are pulled and run ({NO_OP})")
    };
    if disabled_by_flag {
        text.push_str("; --disable-content-trust on your command line turns it off for this run");
    }
    Handoff {
        env: vec![(VARIABLE, "1")],
        note: Some(format!("content-trust: {text}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_no_container_setting() {
        assert!(
            assess(
                &ContainerSpec::default(),
                &Params::default(),
                &Context::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn set_enforce_and_deny_hand_off_with_the_variable() {
        for level in [Level::Set, Level::Enforce, Level::Deny] {
            let decided = handoff(Some(level), false, None, false, false);
            assert_eq!(decided.env, [(VARIABLE, "1")], "{level}");
            let note = decided.note.unwrap();
            assert!(note.contains("DOCKER_CONTENT_TRUST=1"), "{note}");
            assert!(note.contains("docker CLI 29"), "{note}");
        }
    }

    #[test]
    fn warn_only_notes_and_off_says_nothing() {
        let warned = handoff(Some(Level::Warn), false, None, false, false);
        assert!(warned.env.is_empty());
        assert!(warned.note.unwrap().contains("not checked"));
        assert_eq!(
            handoff(Some(Level::Off), false, None, false, false),
            Handoff::default()
        );
        assert_eq!(handoff(None, false, None, false, false), Handoff::default());
    }

    #[test]
    fn the_user_s_own_value_is_kept_and_said() {
        let kept = handoff(Some(Level::Deny), false, Some("0"), false, false);
        assert!(kept.env.is_empty());
        assert!(
            kept.note
                .unwrap()
                .contains("DOCKER_CONTENT_TRUST=0 is already set")
        );
    }

    #[test]
    fn a_waiver_leaves_the_environment_alone() {
        let waived = handoff(Some(Level::Set), true, None, false, false);
        assert!(waived.env.is_empty());
        assert!(waived.note.unwrap().contains("--allow content-trust"));
    }

    #[test]
    fn compose_gets_the_variable_and_the_truth() {
        let decided = handoff(Some(Level::Set), false, None, false, true);
        assert_eq!(decided.env, [(VARIABLE, "1")]);
        assert!(
            decided
                .note
                .unwrap()
                .contains("compose does not implement content trust")
        );
    }

    #[test]
    fn the_disabling_flag_is_named() {
        let decided = handoff(Some(Level::Set), false, None, true, false);
        assert_eq!(decided.env, [(VARIABLE, "1")]);
        assert!(decided.note.unwrap().contains("--disable-content-trust"));
    }
}

//! `image-tag`: refuses images that float (`nginx`, `nginx:latest`), so that what runs is the
//! image that was reviewed, and with `require-digest` anything not pinned by digest.
//!
//! The tag is what follows the last `:` after the last `/`, so a registry port
//! (`localhost:5000/app`) is not a tag. A digest (`@sha256:…`) pins the image whatever the tag.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

pub const RULE: Rule = Rule {
    id: "image-tag",
    title: "Run a pinned image",
    severity: Severity::Medium,
    kind: RuleKind::Refusal,
    cis: &["5.28"],
    owasp: &[],
    protects: "An untagged or :latest image changes under the same command whenever the \
               registry's tag moves, so a compromised or broken push runs without review; a \
               digest names exactly one image.",
    may_break: "Quick experiments with untagged images. Tags other than latest are mutable too: \
                set require-digest to accept only digests.",
    params: &[("require-digest", "false")],
    example: "docker run nginx:latest",
    assess,
};

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let image = spec.image.as_str();
    if image.is_empty() {
        return vec![Finding::NotApplicable("no image reference".into())];
    }
    let forbidden = |reason: &str| {
        vec![Finding::Forbidden {
            offending: image.to_owned(),
            reason: reason.into(),
        }]
    };
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    match digest {
        Some(digest) if is_digest(digest) => {
            return vec![Finding::Satisfied("pinned by digest".into())];
        }
        Some(_) => return forbidden("the image digest is not a valid digest"),
        None => {}
    }
    if params.require_digest == Some(true) {
        return forbidden("the profile requires images pinned by digest (image@sha256:…)");
    }
    let last_component = name.rsplit('/').next().unwrap_or(name);
    match last_component.rsplit_once(':').map(|(_, tag)| tag) {
        None => forbidden(
            "an untagged image resolves to :latest, which changes as the registry moves it",
        ),
        Some("latest") => forbidden("the latest tag changes as the registry moves it"),
        Some(tag) => vec![Finding::Satisfied(format!("tagged {tag}"))],
    }
}

/// `algorithm:hex` as the registry accepts it: sha256, sha384 or sha512, lower-case hex.
fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == length && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn findings(image: &str, require_digest: Option<bool>) -> Vec<Finding> {
        let spec = ContainerSpec {
            image: image.into(),
            ..ContainerSpec::default()
        };
        let params = Params {
            require_digest,
            ..Params::default()
        };
        assess(&spec, &params, &Context::default())
    }

    fn is_forbidden(image: &str, require_digest: Option<bool>) -> bool {
        match &findings(image, require_digest)[..] {
            [Finding::Forbidden { offending, .. }] => {
                assert_eq!(offending, image);
                true
            }
            [Finding::Satisfied(_)] => false,
            other => panic!("{image}: {other:?}"),
        }
    }

    #[test]
    fn catches_untagged_images() {
        assert!(is_forbidden("nginx", None));
        assert!(is_forbidden("localhost:5000/app", None));
        assert!(is_forbidden("registry.example.com:443/team/app", None));
    }

    #[test]
    fn catches_latest() {
        assert!(is_forbidden("nginx:latest", None));
        assert!(is_forbidden("ghcr.io/org/app:latest", None));
    }

    #[test]
    fn catches_a_tag_when_the_profile_requires_a_digest() {
        assert!(is_forbidden("nginx:1.27", Some(true)));
        assert!(matches!(&findings("nginx:1.27", Some(true))[..],
            [Finding::Forbidden { reason, .. }] if reason.contains("digest")));
    }

    #[test]
    fn catches_a_malformed_digest() {
        assert!(is_forbidden("nginx@sha256:abc", None));
    }

    #[test]
    fn does_not_catch_a_version_tag() {
        assert!(!is_forbidden("nginx:1.27", None));
        assert!(!is_forbidden("nginx:1.27", Some(false)));
        assert!(!is_forbidden("registry:5000/ns/app:2", None));
    }

    #[test]
    fn does_not_catch_a_digest() {
        assert!(!is_forbidden(&format!("nginx@{DIGEST}"), None));
        assert!(!is_forbidden(&format!("nginx@{DIGEST}"), Some(true)));
        assert!(!is_forbidden(&format!("nginx:latest@{DIGEST}"), Some(true)));
        assert!(!is_forbidden(&format!("localhost:5000/app@{DIGEST}"), None));
    }

    #[test]
    fn does_not_apply_without_an_image() {
        assert!(matches!(
            &findings("", None)[..],
            [Finding::NotApplicable(_)]
        ));
    }
}

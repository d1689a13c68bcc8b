//! `image-tag`: refuses images that float (`nginx`, `nginx:latest`), so that what runs is the
//! image that was reviewed, with `require-digest` anything not pinned by digest, and with
//! `registries` anything from outside the registries or repository prefixes the profile allows.
//!
//! The tag is what follows the last `:` after the last `/`, so a registry port
//! (`localhost:5000/app`) is not a tag. A digest (`@sha256:…`) pins the image whatever the tag.
//!
//! Registries are compared on the reference as docker normalizes it: no registry means
//! `docker.io`, a single-name repository is `docker.io/library/NAME`, and the first path
//! component is a registry only when it holds a `.` or a `:`, is `localhost`, or has upper-case
//! letters (`localhost:5000/app` has one, `acme/app` is `docker.io/acme/app`). An allowed entry
//! is read the same way, without the `library/` step (`docker.io/library` allows the official
//! images; `acme` means `docker.io/acme`), and matches whole path components:
//! `ghcr.io/acme` allows `ghcr.io/acme/app`, never `ghcr.io/acmeevil/app`.

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::ContainerSpec;

/// Docker Hub, where a reference without a registry points.
const DEFAULT_REGISTRY: &str = "docker.io";
/// Docker Hub's old name, which docker rewrites to `docker.io`.
const LEGACY_REGISTRY: &str = "index.docker.io";
/// The namespace of Docker Hub's official images.
const OFFICIAL_NAMESPACE: &str = "library";

pub const RULE: Rule = Rule {
    id: "image-tag",
    title: "Run a pinned image from an allowed registry",
    severity: Severity::Medium,
    kind: RuleKind::Refusal,
    cis: &["5.28"],
    owasp: &[],
    protects: "An untagged or :latest image changes under the same command whenever the \
               registry's tag moves, so a compromised or broken push runs without review; a \
               digest names exactly one image. An allow list of registries keeps images from \
               typo-squatted or unreviewed sources (docker.io/acmee/app) from running at all.",
    may_break: "Quick experiments with untagged images. Tags other than latest are mutable too: \
                set require-digest to accept only digests. With registries set, every image \
                from elsewhere, locally built ones included (a bare `myapp:1` is \
                docker.io/library/myapp), until its prefix is added.",
    params: &[
        ("require-digest", "false"),
        (
            "registries",
            "[] = any registry; e.g. [docker.io/library, ghcr.io/acme, registry.example.com:5000]",
        ),
    ],
    example: "docker run nginx:latest",
    assess,
};

fn assess(spec: &ContainerSpec, params: &Params, _: &Context) -> Vec<Finding> {
    let image = spec.image.as_str();
    if image.is_empty() {
        return vec![Finding::NotApplicable("no image reference".into())];
    }
    let forbidden = |reason: String| Finding::Forbidden {
        offending: image.to_owned(),
        reason,
    };
    let allowed: Vec<&str> = params
        .registries
        .iter()
        .flatten()
        .map(|entry| entry.trim().trim_end_matches('/'))
        .filter(|entry| !entry.is_empty())
        .collect();
    let (origin, outside) = if allowed.is_empty() {
        (None, None)
    } else {
        let repository = Repository::of(image);
        match allowed.iter().find(|entry| repository.is_under(entry)) {
            Some(entry) => (Some(*entry), None),
            None => (
                None,
                Some(forbidden(format!(
                    "the image is {repository}, outside the registries the profile allows ({})",
                    allowed.join(", ")
                ))),
            ),
        }
    };
    let pinning = pinning(image, params.require_digest == Some(true));
    let pinning = match pinning {
        Ok(satisfied) => match origin {
            Some(entry) => Finding::Satisfied(format!("{satisfied}, from {entry}")),
            None => Finding::Satisfied(satisfied),
        },
        Err(reason) => forbidden(reason.into()),
    };
    match outside {
        // One refusal names the registry; a floating tag is refused beside it, not a tag that
        // satisfies.
        Some(outside) if matches!(pinning, Finding::Satisfied(_)) => vec![outside],
        Some(outside) => vec![outside, pinning],
        None => vec![pinning],
    }
}

/// Whether the reference pins the image: what satisfies the rule, or why it does not.
fn pinning(image: &str, require_digest: bool) -> Result<String, &'static str> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    match digest {
        Some(digest) if is_digest(digest) => return Ok("pinned by digest".into()),
        Some(_) => return Err("the image digest is not a valid digest"),
        None => {}
    }
    if require_digest {
        return Err("the profile requires images pinned by digest (image@sha256:…)");
    }
    let last_component = name.rsplit('/').next().unwrap_or(name);
    match last_component.rsplit_once(':').map(|(_, tag)| tag) {
        None => {
            Err("an untagged image resolves to :latest, which changes as the registry moves it")
        }
        Some("latest") => Err("the latest tag changes as the registry moves it"),
        Some(tag) => Ok(format!("tagged {tag}")),
    }
}

/// An image's repository as docker normalizes it: registry and path, without tag or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// `docker.io`, `ghcr.io`, `localhost:5000`, lower-cased.
    pub registry: String,
    /// `library/nginx`, `acme/app`.
    pub path: String,
}

impl Repository {
    /// The repository of an image reference, the way docker's `ParseNormalizedNamed` reads it.
    pub fn of(image: &str) -> Repository {
        let name = image.split_once('@').map_or(image, |(name, _)| name);
        let (registry, remainder) = split_registry(name);
        let remainder = match remainder.rsplit_once('/') {
            Some((parent, last)) => {
                let last = last.split_once(':').map_or(last, |(repo, _)| repo);
                format!("{parent}/{last}")
            }
            None => remainder
                .split_once(':')
                .map_or(remainder, |(repo, _)| repo)
                .to_owned(),
        };
        let path = if registry == DEFAULT_REGISTRY && !remainder.contains('/') {
            format!("{OFFICIAL_NAMESPACE}/{remainder}")
        } else {
            remainder
        };
        Repository { registry, path }
    }

    /// Whether an allowed entry (`ghcr.io/acme`, `registry.example.com:5000`, `acme`) covers this
    /// repository, component by component.
    pub fn is_under(&self, entry: &str) -> bool {
        let entry = entry.trim().trim_end_matches('/');
        if entry.is_empty() {
            return false;
        }
        let (registry, path) = match entry.split_once('/') {
            Some((first, rest)) if is_registry(first) => (normalize_registry(first), rest),
            None if is_registry(entry) => (normalize_registry(entry), ""),
            _ => (DEFAULT_REGISTRY.to_owned(), entry),
        };
        if registry != self.registry {
            return false;
        }
        let mut mine = self.path.split('/');
        path.split('/')
            .filter(|component| !component.is_empty())
            .all(|component| mine.next() == Some(component))
    }
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.path)
    }
}

/// docker's `splitDockerDomain`: the registry (normalized) and the rest of the name.
fn split_registry(name: &str) -> (String, &str) {
    match name.split_once('/') {
        Some((first, rest)) if is_registry(first) => (normalize_registry(first), rest),
        _ => (DEFAULT_REGISTRY.to_owned(), name),
    }
}

/// Whether a first path component names a registry rather than a Docker Hub namespace.
fn is_registry(component: &str) -> bool {
    component.contains(['.', ':'])
        || component == "localhost"
        || component.bytes().any(|b| b.is_ascii_uppercase())
}

fn normalize_registry(registry: &str) -> String {
    let registry = registry.to_ascii_lowercase();
    if registry == LEGACY_REGISTRY {
        DEFAULT_REGISTRY.to_owned()
    } else {
        registry
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

    fn with_registries(image: &str, registries: &[&str]) -> Vec<Finding> {
        let spec = ContainerSpec {
            image: image.into(),
            ..ContainerSpec::default()
        };
        let params = Params {
            registries: Some(registries.iter().map(|r| (*r).to_owned()).collect()),
            ..Params::default()
        };
        assess(&spec, &params, &Context::default())
    }

    fn outside(image: &str, registries: &[&str]) -> bool {
        let found = with_registries(image, registries);
        let refused = found.iter().any(|f| {
            matches!(f, Finding::Forbidden { reason, .. } if reason.contains("outside the registries"))
        });
        if !refused {
            assert!(
                matches!(&found[..], [Finding::Satisfied(_)]),
                "{image}: {found:?}"
            );
        }
        refused
    }

    fn repository(image: &str) -> String {
        Repository::of(image).to_string()
    }

    #[test]
    fn references_are_normalized_as_docker_does() {
        assert_eq!(repository("nginx"), "docker.io/library/nginx");
        assert_eq!(repository("nginx:1.27"), "docker.io/library/nginx");
        assert_eq!(
            repository(&format!("nginx:1.27@{DIGEST}")),
            "docker.io/library/nginx"
        );
        assert_eq!(repository("acme/app:2"), "docker.io/acme/app");
        assert_eq!(repository("docker.io/nginx:1"), "docker.io/library/nginx");
        assert_eq!(
            repository("index.docker.io/acme/app:1"),
            "docker.io/acme/app"
        );
        assert_eq!(repository("localhost/app:1"), "localhost/app");
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(
            repository("registry.example.com:5000/team/app:2"),
            "registry.example.com:5000/team/app"
        );
        assert_eq!(repository("ghcr.io/acme/app:1"), "ghcr.io/acme/app");
        assert_eq!(repository("Registry/app:1"), "registry/app");
        // Without a `.`, a `:` or `localhost`, the first component is a Docker Hub namespace.
        assert_eq!(repository("registry/app:1"), "docker.io/registry/app");
    }

    #[test]
    fn catches_an_image_outside_the_allowed_registries() {
        let allowed = [
            "docker.io/library",
            "ghcr.io/acme/",
            "registry.example.com:5000",
        ];
        assert!(outside("ghcr.io/acmeevil/app:1", &allowed));
        assert!(outside("ghcr.io/other/app:1", &allowed));
        assert!(outside("acme/app:1", &allowed));
        assert!(outside("quay.io/library/nginx:1", &allowed));
        assert!(outside("registry.example.com/team/app:1", &allowed));
        assert!(outside("registry.example.com:5001/team/app:1", &allowed));
        assert!(outside("localhost:5000/app:1", &allowed));
        assert!(outside("ghcr.io/acme:1", &["ghcr.io/acme/app"]));
    }

    #[test]
    fn does_not_catch_an_image_inside_the_allowed_registries() {
        let allowed = [
            "docker.io/library",
            "ghcr.io/acme/",
            "registry.example.com:5000",
        ];
        assert!(!outside("nginx:1.27", &allowed));
        assert!(!outside("docker.io/library/nginx:1.27", &allowed));
        assert!(!outside("index.docker.io/library/nginx:1.27", &allowed));
        assert!(!outside("ghcr.io/acme/app:1", &allowed));
        assert!(!outside("ghcr.io/acme/team/app:1", &allowed));
        assert!(!outside("GHCR.io/acme/app:1", &allowed));
        assert!(!outside("registry.example.com:5000/team/app:1", &allowed));
        assert!(!outside(&format!("ghcr.io/acme/app@{DIGEST}"), &allowed));
        assert!(!outside("acme/app:1", &["acme"]));
        assert!(!outside("acme/app:1", &["docker.io"]));
        assert!(!outside("localhost:5000/app:1", &["localhost:5000"]));
        // No list, or an empty one, allows every registry.
        assert!(!outside("quay.io/x/y:1", &[]));
        assert!(!outside("quay.io/x/y:1", &["", " / "]));
    }

    #[test]
    fn an_allowed_registry_still_needs_a_pinned_image() {
        assert!(is_forbidden("ghcr.io/acme/app:latest", None));
        let found = with_registries("ghcr.io/acme/app:latest", &["ghcr.io/acme"]);
        assert!(
            matches!(&found[..], [Finding::Forbidden { reason, .. }] if reason.contains("latest")),
            "{found:?}"
        );
        let found = with_registries("ghcr.io/acme/app:1", &["ghcr.io/acme"]);
        assert!(
            matches!(&found[..], [Finding::Satisfied(why)] if why == "tagged 1, from ghcr.io/acme"),
            "{found:?}"
        );
    }

    #[test]
    fn an_outside_image_with_a_floating_tag_gets_both_refusals() {
        let found = with_registries("quay.io/x/y", &["ghcr.io/acme"]);
        assert!(
            matches!(&found[..], [
                Finding::Forbidden { reason: registry, .. },
                Finding::Forbidden { reason: tag, .. },
            ] if registry.contains("quay.io/x/y, outside the registries the profile allows (ghcr.io/acme)")
                && tag.contains("untagged")),
            "{found:?}"
        );
    }

    #[test]
    fn does_not_apply_without_an_image() {
        assert!(matches!(
            &findings("", None)[..],
            [Finding::NotApplicable(_)]
        ));
    }
}

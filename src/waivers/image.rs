//! Image references as a waiver's scope names them: docker's normalization of a repository
//! (`nginx` is `docker.io/library/nginx`), and whether a reference covers a container's image.
//! Pure.

/// An image reference split into a normalized repository, a tag and a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference<'a> {
    repository: String,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

fn reference(text: &str) -> Reference<'_> {
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    let (repository, tag) = match rest.rfind(':') {
        Some(colon) if !rest[colon + 1..].contains('/') => {
            (&rest[..colon], Some(&rest[colon + 1..]))
        }
        _ => (rest, None),
    };
    Reference {
        repository: normalize(repository),
        tag,
        digest,
    }
}

/// docker's normalization: `nginx` is `docker.io/library/nginx`, `acme/app` is
/// `docker.io/acme/app`; a first component with a `.` or a `:`, or `localhost`, is a registry.
fn normalize(repository: &str) -> String {
    let (domain, path) = match repository.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest)
        }
        _ => ("docker.io", repository),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    if domain == "docker.io" && !path.contains('/') {
        format!("{domain}/library/{path}")
    } else {
        format!("{domain}/{path}")
    }
}

/// Why `text` cannot be a waiver's image reference, if it cannot.
pub(super) fn check_image(text: &str) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("it is empty");
    }
    if text.chars().any(char::is_whitespace) {
        return Err("it contains white space");
    }
    let parts = reference(text);
    if parts.repository.ends_with('/') || text.starts_with(['/', ':', '@']) {
        return Err("the repository is empty");
    }
    if parts.tag == Some("") {
        return Err("the tag after ':' is empty");
    }
    if parts.digest == Some("") {
        return Err("the digest after '@' is empty");
    }
    Ok(())
}

/// Whether a waiver's image reference covers the image of a container: the same repository
/// (after docker's normalization), and the same tag and digest when the waiver names them. An
/// image without a tag or digest is `:latest`, as docker reads it.
pub fn image_matches(waiver: &str, image: &str) -> bool {
    if image.is_empty() {
        return false;
    }
    let wanted = reference(waiver);
    let actual = reference(image);
    let actual_tag = actual
        .tag
        .or_else(|| actual.digest.is_none().then_some("latest"));
    wanted.repository == actual.repository
        && wanted.tag.is_none_or(|tag| Some(tag) == actual_tag)
        && wanted
            .digest
            .is_none_or(|digest| Some(digest) == actual.digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waivers::Scope;

    #[test]
    fn image_scopes_match_the_repository_and_any_tag_they_name() {
        assert!(image_matches("ghcr.io/acme/legacy", "ghcr.io/acme/legacy"));
        assert!(image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy:1.2"
        ));
        assert!(image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy:1.2@sha256:abc"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy2"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy",
            "ghcr.io/acme/legacy/sub"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy",
            "docker.io/acme/legacy"
        ));
        assert!(!image_matches("ghcr.io/acme/legacy", ""));
        assert!(image_matches(
            "ghcr.io/acme/legacy:1.2",
            "ghcr.io/acme/legacy:1.2"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy:1.2",
            "ghcr.io/acme/legacy:1.3"
        ));
        assert!(!image_matches(
            "ghcr.io/acme/legacy:1.2",
            "ghcr.io/acme/legacy"
        ));
        // docker's normalization.
        assert!(image_matches("nginx", "docker.io/library/nginx:1.27"));
        assert!(image_matches("docker.io/library/nginx:1.27", "nginx:1.27"));
        assert!(image_matches("acme/app", "index.docker.io/acme/app:2"));
        assert!(!image_matches("nginx", "acme/nginx"));
        assert!(image_matches(
            "localhost:5000/app",
            "localhost:5000/app:dev"
        ));
        assert!(!image_matches(
            "localhost:5000/app",
            "localhost:5001/app:dev"
        ));
        // No tag is `latest`, unless the image is pinned by digest alone.
        assert!(image_matches("nginx:latest", "nginx"));
        assert!(!image_matches("nginx:latest", "nginx@sha256:abc"));
        assert!(image_matches("nginx@sha256:abc", "nginx:1.27@sha256:abc"));
        assert!(!image_matches("nginx@sha256:abc", "nginx:1.27"));
    }

    #[test]
    fn scopes_cover_images_or_services() {
        let image = Scope::Image("ghcr.io/acme/legacy".into());
        let service = Scope::Service("monitor".into());
        assert!(image.covers(None, "ghcr.io/acme/legacy:1"));
        assert!(image.covers(Some("web"), "ghcr.io/acme/legacy:1"));
        assert!(!service.covers(None, "monitor"));
        assert!(service.covers(Some("monitor"), "gcr.io/cadvisor/cadvisor:v0.49.1"));
        assert!(!service.covers(Some("web"), ""));
    }
}

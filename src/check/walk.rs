//! Which files `check` reads: the paths given, directories walked with ripgrep's walker
//! (`ignore`), honouring `.gitignore`, `.ignore` and the global git excludes, hidden
//! directories included (`.github/workflows`) but not `.git`. A file's kind comes from its name,
//! and for other YAML files from whether they look like a Kubernetes manifest.

use std::path::{Path, PathBuf};

use crate::check::Kind;
use crate::check::manifest::looks_like_manifest;

/// The compose files Compose reads by default, in its order.
pub const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The override files Compose merges over a default compose file beside them.
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// The kind of a file found in a directory, from its path; `None` for files `check` leaves.
pub fn classify(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if COMPOSE_FILES.contains(&name) {
        return Some(Kind::Compose);
    }
    if name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(Kind::Dockerfile);
    }
    if lower.ends_with(".sh")
        || lower.ends_with(".bash")
        || lower.ends_with(".mk")
        || matches!(name, "Makefile" | "makefile" | "GNUmakefile")
    {
        return Some(Kind::Script);
    }
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    let text = path.to_string_lossy();
    if yaml
        && (text.contains(".github/workflows/")
            || text.contains(".gitea/workflows/")
            || text.contains(".forgejo/workflows/")
            || matches!(
                name,
                ".gitlab-ci.yml"
                    | "azure-pipelines.yml"
                    | "bitbucket-pipelines.yml"
                    | ".drone.yml"
                    | ".travis.yml"
            )
            || text.ends_with(".circleci/config.yml"))
    {
        return Some(Kind::Script);
    }
    None
}

fn is_yaml(path: &Path) -> bool {
    let lower = path.to_string_lossy().to_ascii_lowercase();
    lower.ends_with(".yml") || lower.ends_with(".yaml")
}

/// The kind of a file the user named: by name, else a YAML file is a Kubernetes manifest when
/// it looks like one (`apiVersion:` and `kind:` lines) and a compose file otherwise, and any
/// other file a script.
pub fn classify_named(path: &Path, text: &dyn Fn() -> String) -> Kind {
    classify(path).unwrap_or_else(|| {
        if !is_yaml(path) {
            Kind::Script
        } else if looks_like_manifest(&text()) {
            Kind::Manifest
        } else {
            Kind::Compose
        }
    })
}

/// The files to check under `paths`, sorted, each with its kind.
#[allow(clippy::disallowed_methods)] // the I/O edge: the walk
pub fn files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Kind)>, String> {
    let mut found = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| {
            format!(
                "cannot read '{}': {e}\nhelp: name files or directories that exist",
                path.display()
            )
        })?;
        if metadata.is_file() {
            let text = || std::fs::read_to_string(path).unwrap_or_default();
            found.push((path.clone(), classify_named(path, &text)));
            continue;
        }
        let walk = ignore::WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walk {
            let entry = entry.map_err(|e| format!("cannot walk '{}': {e}", path.display()))?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            if let Some(kind) = classify(entry.path()) {
                found.push((entry.into_path(), kind));
            } else if is_yaml(entry.path())
                && std::fs::read_to_string(entry.path()).is_ok_and(|t| looks_like_manifest(&t))
            {
                found.push((entry.into_path(), Kind::Manifest));
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_names() {
        let kind = |p: &str| classify(Path::new(p));
        assert_eq!(kind("a/compose.yaml"), Some(Kind::Compose));
        assert_eq!(kind("a/compose.override.yaml"), None);
        assert_eq!(kind("Dockerfile.prod"), Some(Kind::Dockerfile));
        assert_eq!(kind("web.Dockerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind("scripts/deploy.sh"), Some(Kind::Script));
        assert_eq!(kind("Makefile"), Some(Kind::Script));
        assert_eq!(kind("./.github/workflows/ci.yml"), Some(Kind::Script));
        assert_eq!(kind("k8s/app.yaml"), None);
        let text = |t: &'static str| move || t.to_owned();
        assert_eq!(
            classify_named(Path::new("stack.yaml"), &text("services: {}\n")),
            Kind::Compose
        );
        assert_eq!(
            classify_named(Path::new("k.yaml"), &text("apiVersion: v1\nkind: Pod\n")),
            Kind::Manifest
        );
    }
}

//! The catalogue of known images: built-in adjustments for widely used official images, each
//! citing where its needs come from (the image's Dockerfile, entrypoint or documentation). It is
//! data: `profiles/catalogue/NAME.yaml`, one file per image, named after the last component of
//! its repository (`grafana/grafana` is `grafana.yaml`) and read with the project file's
//! adjustment reader, only when a container's image could match it. Applied when the image's
//! repository matches, whatever the tag, before the project's own adjustments; said in
//! `--explain`; off with `catalogue: off` in a profile. Pure.

use crate::adjustments::{Adjustment, Kind, read_adjustments};
use crate::profile::frozen;
use crate::profile::raw::{self, Value};

/// The catalogue's files: name, text.
pub const FILES: &[(&str, &str)] = &[
    ("caddy", include_str!("../profiles/catalogue/caddy.yaml")),
    (
        "grafana",
        include_str!("../profiles/catalogue/grafana.yaml"),
    ),
    ("httpd", include_str!("../profiles/catalogue/httpd.yaml")),
    (
        "mariadb",
        include_str!("../profiles/catalogue/mariadb.yaml"),
    ),
    (
        "memcached",
        include_str!("../profiles/catalogue/memcached.yaml"),
    ),
    ("mongo", include_str!("../profiles/catalogue/mongo.yaml")),
    ("mysql", include_str!("../profiles/catalogue/mysql.yaml")),
    ("nginx", include_str!("../profiles/catalogue/nginx.yaml")),
    (
        "postgres",
        include_str!("../profiles/catalogue/postgres.yaml"),
    ),
    (
        "prometheus",
        include_str!("../profiles/catalogue/prometheus.yaml"),
    ),
    (
        "rabbitmq",
        include_str!("../profiles/catalogue/rabbitmq.yaml"),
    ),
    ("redis", include_str!("../profiles/catalogue/redis.yaml")),
    (
        "traefik",
        include_str!("../profiles/catalogue/traefik.yaml"),
    ),
];

/// The catalogue's adjustments for a container of `image`.
pub fn for_image(image: &str) -> Vec<Adjustment> {
    let Some(name) = last_component(image) else {
        return Vec::new();
    };
    let Some((file, text)) = FILES.iter().find(|(file, _)| *file == name) else {
        return Vec::new();
    };
    read(file, text)
        .into_iter()
        .filter(|a| a.scope.covers(None, image))
        .collect()
}

/// The last path component of an image's repository: `nginx` for `docker.io/library/nginx:1`.
fn last_component(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next()?;
    let name = without_digest.rsplit('/').next()?;
    let name = name.split(':').next()?;
    (!name.is_empty()).then_some(name)
}

/// One catalogue file, its tree generated rather than parsed (`profile::frozen`). The files
/// are tested to read (below), so a file that does not is empty.
fn read(file: &str, text: &str) -> Vec<Adjustment> {
    let shown = format!("catalogue/{file}.yaml");
    let Some(root) = frozen::tree_of(text).or_else(|| raw::parse(text).ok()) else {
        return Vec::new();
    };
    let Value::Map(entries) = &root.value else {
        return Vec::new();
    };
    entries
        .iter()
        .find(|(key, _)| key.text == "adjustments")
        .and_then(|(_, node)| read_adjustments(&shown, node, Kind::Catalogue).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waivers::Scope;

    #[test]
    fn every_file_reads_and_cites_its_source() {
        for (file, text) in FILES {
            let root = raw::parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let Value::Map(entries) = &root.value else {
                panic!("{file}: not a mapping");
            };
            assert_eq!(entries.len(), 1, "{file}: only `adjustments:`");
            let read = read_adjustments(file, &entries[0].1, Kind::Catalogue)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(!read.is_empty(), "{file}");
            for adjustment in &read {
                assert!(
                    adjustment.source.as_deref().is_some_and(|s| !s.is_empty()),
                    "{file}: a source"
                );
                assert!(
                    adjustment.expires.is_none(),
                    "{file}: the catalogue does not expire"
                );
                let Scope::Image(image) = &adjustment.scope else {
                    panic!("{file}: an image scope");
                };
                assert_eq!(
                    last_component(image),
                    Some(*file),
                    "{file} is named after its image"
                );
                assert_eq!(for_image(&format!("{image}:1")).len(), 1, "{file}");
            }
        }
    }

    #[test]
    fn the_catalogue_never_asks_for_root_or_a_capability_beyond_low_ports() {
        for (file, text) in FILES {
            for adjustment in read(file, text) {
                let user = adjustment.relax.user.as_deref().unwrap_or("");
                assert!(!matches!(user, "root" | "0" | "0:0"), "{file}: {user}");
                for cap in &adjustment.relax.capabilities {
                    assert_eq!(cap, "NET_BIND_SERVICE", "{file}");
                }
            }
        }
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // lists the catalogue's directory
    fn every_file_of_the_directory_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/catalogue");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("the catalogue directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        on_disk.sort();
        let listed: Vec<String> = FILES
            .iter()
            .map(|(name, _)| format!("{name}.yaml"))
            .collect();
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn an_image_matches_by_repository_whatever_the_tag() {
        for image in [
            "nginx",
            "nginx:1.27",
            "docker.io/library/nginx:1.27-alpine",
            "nginx@sha256:0123",
        ] {
            assert_eq!(for_image(image).len(), 1, "{image}");
        }
        for image in [
            "ghcr.io/acme/nginx:1",
            "nginxinc/nginx-unprivileged:1",
            "busybox",
            "",
        ] {
            assert!(for_image(image).is_empty(), "{image}");
        }
        assert_eq!(for_image("grafana/grafana:11.0").len(), 1);
        assert_eq!(for_image("prom/prometheus:v3").len(), 1);
        assert_eq!(
            for_image("postgres:16")[0].relax.user.as_deref(),
            Some("999:999")
        );
    }
}

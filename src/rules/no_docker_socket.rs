//! `no-docker-socket`: refuses every route to the engine's API from inside the container, since
//! whoever can talk to the engine is root on the host.
//!
//! Caught: a bind of the docker or containerd socket (`/var/run/docker.sock`,
//! `/run/docker.sock`, rootless and Desktop `…/docker.sock`, `…/containerd.sock`), a bind of a
//! directory that holds one (`/`, `/var`, `/var/run`, `/run`, `/run/containerd`, `/run/user/<uid>`,
//! `…/.docker`, `…/.docker/run`), a local volume that binds one of those paths, and
//! `--use-api-socket`. Sources are cleaned the way docker cleans them (`//`, `.`, `..`, a trailing
//! `/`), and `/var/run` is read as `/run`. Read-only makes no difference: `:ro` does not make the
//! API read-only.
//!
//! Not caught: `--volumes-from` a container that has the socket, a symlink to the socket (rules
//! never look at the host), and the TCP API reached through `--network host` (that is
//! `no-host-namespaces`' business).

use crate::rules::{Context, Finding, Params, Rule, RuleKind, Severity};
use crate::spec::{ContainerSpec, MountKind, clean_path};

pub const RULE: Rule = Rule {
    id: "no-docker-socket",
    title: "Do not give the container the engine's socket",
    severity: Severity::Critical,
    kind: RuleKind::Refusal,
    cis: &["5.32"],
    owasp: &["Rule #1"],
    protects: "Access to the docker (or containerd) API is root on the host: a process that can \
               reach the socket can start a privileged container that mounts the host's disk. \
               Mounting the socket read-only does not make the API read-only.",
    may_break: "CI runners, reverse proxies and management UIs that drive docker from a container; \
                give them a filtering socket proxy or a remote, authorized API instead. \
                --volumes-from and symlinked sockets are not caught.",
    params: &[],
    example: "docker run -v /var/run/docker.sock:/var/run/docker.sock docker:cli",
    assess,
};

/// Directories that hold the engine's socket on a standard or rootful host.
const PARENTS: &[&str] = &["/", "/var", "/run", "/run/containerd"];

const NOT_READ_ONLY: &str = "access to the engine's api is root on the host, and a read-only \
                             mount does not make the api read-only";

fn assess(spec: &ContainerSpec, _: &Params, _: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for mount in &spec.mounts {
        let host_path = match mount.value.kind {
            MountKind::Bind => mount.value.source.as_deref(),
            MountKind::Volume => mount.value.bind_device.as_deref(),
            _ => None,
        };
        if let Some(what) = host_path.and_then(engine_route) {
            findings.push(Finding::Forbidden {
                offending: mount.origin.clone(),
                reason: format!("{what}: {NOT_READ_ONLY}"),
            });
        }
    }
    if let Some(api_socket) = spec.use_api_socket.as_ref().filter(|s| s.value) {
        findings.push(Finding::Forbidden {
            offending: api_socket.origin.clone(),
            reason: format!(
                "--use-api-socket mounts the engine's socket and the user's registry \
                 credentials: {NOT_READ_ONLY}"
            ),
        });
    }
    if findings.is_empty() {
        findings.push(Finding::Satisfied(
            "no mount reaches the engine's socket".into(),
        ));
    }
    findings
}

/// What a mount of this host path exposes, when it reaches the engine's socket.
fn engine_route(path: &str) -> Option<String> {
    let path = clean_path(path);
    // On most distributions `/var/run` is a symlink to `/run`.
    let path = match path.strip_prefix("/var/run") {
        Some("") => "/run".to_owned(),
        Some(rest) if rest.starts_with('/') => format!("/run{rest}"),
        _ => path,
    };
    if path == "docker.sock" || path.ends_with("/docker.sock") {
        Some("the mount is the docker api socket".into())
    } else if path == "containerd.sock" || path.ends_with("/containerd.sock") {
        Some("the mount is the containerd socket".into())
    } else if PARENTS.contains(&path.as_str())
        || is_rootless_runtime_dir(&path)
        || path.ends_with("/.docker")
        || path.ends_with("/.docker/run")
    {
        Some(format!("the mounted {path} holds the engine's socket"))
    } else {
        None
    }
}

/// `/run/user/<uid>`: `$XDG_RUNTIME_DIR`, where rootless docker puts its socket.
fn is_rootless_runtime_dir(path: &str) -> bool {
    path.strip_prefix("/run/user/")
        .is_some_and(|uid| !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()))
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
                target: "/s".into(),
                read_only,
                propagation: None,
                tmpfs_options: String::new(),
                bind_device: None,
            },
            format!("-v {source}:/s{suffix}"),
        )
    }

    fn bind(source: &str) -> Sourced<Mount> {
        mount(MountKind::Bind, source, false)
    }

    fn findings(mounts: Vec<Sourced<Mount>>) -> Vec<Finding> {
        let spec = ContainerSpec {
            mounts,
            ..ContainerSpec::default()
        };
        assess(&spec, &Params::default(), &Context::default())
    }

    fn forbidden(findings: &[Finding]) -> usize {
        offending(findings).len()
    }

    use crate::rules::forbidden_of as offending;

    #[test]
    fn catches_the_socket_at_every_spelling() {
        for source in [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "//var//run/docker.sock",
            "/var/run/docker.sock/",
            "/var/./run/../run/docker.sock",
            "/run/user/1000/docker.sock",
            "/home/me/.docker/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/snap/microk8s/common/run/containerd.sock",
        ] {
            let found = findings(vec![bind(source)]);
            assert_eq!(offending(&found), [format!("-v {source}:/s")], "{source}");
        }
    }

    #[test]
    fn catches_a_parent_directory_of_the_socket() {
        for source in [
            "/",
            "/var",
            "/var/run",
            "/run/",
            "/run/containerd",
            "/run/user/1000",
            "/home/me/.docker",
            "/home/me/.docker/run",
        ] {
            assert_eq!(forbidden(&findings(vec![bind(source)])), 1, "{source}");
        }
    }

    #[test]
    fn catches_a_read_only_socket() {
        let found = findings(vec![mount(MountKind::Bind, "/var/run/docker.sock", true)]);
        let [Finding::Forbidden { reason, .. }] = &found[..] else {
            panic!("{found:?}");
        };
        assert!(reason.contains("read-only"));
    }

    #[test]
    fn catches_a_local_volume_that_binds_the_socket_directory() {
        let mut volume = mount(MountKind::Volume, "sock", false);
        volume.value.bind_device = Some("/var/run".into());
        assert_eq!(forbidden(&findings(vec![volume])), 1);
    }

    #[test]
    fn catches_use_api_socket() {
        let spec = ContainerSpec {
            use_api_socket: Some(Sourced::new(true, "--use-api-socket")),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert_eq!(offending(&found), ["--use-api-socket"]);
    }

    #[test]
    fn catches_each_route_once() {
        let found = findings(vec![bind("/var/run/docker.sock"), bind("/run")]);
        assert_eq!(forbidden(&found), 2);
    }

    #[test]
    fn does_not_catch_ordinary_mounts() {
        let found = findings(vec![
            bind("/srv/data"),
            bind("/var/lib/app"),
            bind("/run/secrets"),
            bind("/run/user/1000/app"),
            bind("/home/me/docker.socket"),
            mount(MountKind::Volume, "docker.sock", false),
        ]);
        assert!(matches!(&found[..], [Finding::Satisfied(_)]), "{found:?}");
        let spec = ContainerSpec {
            use_api_socket: Some(Sourced::new(false, "--use-api-socket=false")),
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }

    #[test]
    fn does_not_catch_volumes_from() {
        // Known gap: the other container's mounts are not visible to a rule.
        let spec = ContainerSpec {
            volumes_from: vec![Sourced::new("ci-runner".into(), "--volumes-from ci-runner")],
            ..ContainerSpec::default()
        };
        let found = assess(&spec, &Params::default(), &Context::default());
        assert!(matches!(&found[..], [Finding::Satisfied(_)]));
    }
}

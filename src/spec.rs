//! `ContainerSpec`: the syntax-free, hardening-relevant view of one container, and `Edit`, the
//! vocabulary in which rules ask for changes.
//!
//! Rules see only this. A docker command line, a compose service and a `docker inspect` result
//! all become a `ContainerSpec`, so one rule set serves every front end and adding a rule never
//! touches a parser. Each front end turns `Edit`s back into its own syntax. Field names follow
//! the engine API's `HostConfig` where they can.

use std::fmt;

/// A value with the user's own spelling of where it came from (`--privileged`,
/// `-v /var/run/docker.sock:/s`), so that a refusal can name the argument to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    /// How the user wrote it, ready to quote in a message; never holds a secret value.
    pub origin: String,
}

impl<T> Sourced<T> {
    pub fn new(value: T, origin: impl Into<String>) -> Self {
        Self {
            value,
            origin: origin.into(),
        }
    }
}

/// What a mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Image,
    Other,
}

/// A bind, volume, image or tmpfs mount, from `-v`, `--mount` or `--tmpfs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    /// Host path (bind), volume name (volume), image (image); none for tmpfs and anonymous volumes.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// `shared`, `rshared`, `slave`, … when given.
    pub propagation: Option<String>,
    /// Mount options for a tmpfs (`rw,noexec,size=100m`), empty otherwise.
    pub tmpfs_options: String,
    /// For a volume mount backed by the local driver with `o=bind`: the host path it binds.
    pub bind_device: Option<String>,
}

/// A published port (`-p`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// The host address it is bound to; `None` means every address.
    pub host_ip: Option<String>,
    pub host_port: Option<String>,
    pub container_port: String,
}

/// Where an environment variable's value comes from, which decides how a secret in it is best
/// moved out (`NAME_FILE` and a mounted secret, compose `secrets:`, `docker secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    /// `-e NAME=value` on a command line.
    CommandLine,
    /// `-e NAME`, or a bare `NAME` line of an env file: docker copies the value from its own
    /// environment, which is hardrun's.
    HostEnvironment,
    /// A `NAME=value` line of an `--env-file`, as the user named the file; `line` is 1-based.
    EnvFile { path: String, line: usize },
    /// A compose service's resolved `environment` (which includes its `env_file`s).
    Compose,
    /// A container's configuration, as `docker inspect` reports it (image `ENV` included).
    Container,
}

/// An environment variable set for the container. The value is secret by default: it is never
/// printed, and `Debug` masks it.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    /// The value, `None` when the variable is named without one and its value is not known:
    /// `-e NAME` before hardrun's environment is consulted, or when `NAME` is not set there (docker
    /// then passes the bare name, which leaves the variable unset in the container).
    pub value: Option<String>,
    pub origin: String,
    pub source: EnvSource,
}

impl fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVar")
            .field("name", &self.name)
            .field("value", &self.value.as_ref().map(|_| "***"))
            .field("origin", &self.origin)
            .field("source", &self.source)
            .finish()
    }
}

/// The health check settings the user gave. Durations are nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    pub command: Option<Sourced<String>>,
    pub interval: Option<i64>,
    pub timeout: Option<i64>,
    pub start_period: Option<i64>,
    pub retries: Option<i64>,
    /// `--no-healthcheck`.
    pub disabled: Option<Sourced<bool>>,
}

/// The hardening-relevant view of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// The image reference as written.
    pub image: String,
    pub user: Option<Sourced<String>>,
    pub read_only: Option<Sourced<bool>>,
    pub privileged: Option<Sourced<bool>>,
    /// Capability names as the engine compares them (upper case, no `CAP_`).
    pub cap_add: Vec<Sourced<String>>,
    pub cap_drop: Vec<Sourced<String>>,
    /// `--security-opt` entries in order, as written.
    pub security_opts: Vec<Sourced<String>>,
    pub network: Option<Sourced<String>>,
    pub pid: Option<Sourced<String>>,
    pub ipc: Option<Sourced<String>>,
    pub uts: Option<Sourced<String>>,
    pub userns: Option<Sourced<String>>,
    pub cgroupns: Option<Sourced<String>>,
    pub use_api_socket: Option<Sourced<bool>>,
    pub mounts: Vec<Sourced<Mount>>,
    pub volumes_from: Vec<Sourced<String>>,
    pub devices: Vec<Sourced<String>>,
    /// Bytes.
    pub memory: Option<Sourced<i64>>,
    /// Bytes; `-1` is unlimited.
    pub memory_swap: Option<Sourced<i64>>,
    /// Billionths of a CPU.
    pub nano_cpus: Option<Sourced<i64>>,
    pub cpu_quota: Option<Sourced<i64>>,
    pub cpu_period: Option<Sourced<i64>>,
    pub pids_limit: Option<Sourced<i64>>,
    pub health: Health,
    pub log_driver: Option<Sourced<String>>,
    /// `--log-opt` entries, later keys winning, in order of first appearance.
    pub log_opts: Vec<Sourced<(String, String)>>,
    pub restart: Option<Sourced<String>>,
    pub auto_remove: bool,
    pub ports: Vec<Sourced<Port>>,
    pub publish_all: Option<Sourced<bool>>,
    pub env: Vec<EnvVar>,
    pub init: Option<Sourced<bool>>,
    /// Labels, later keys winning.
    pub labels: Vec<(String, String)>,
}

impl ContainerSpec {
    /// The effective value of a log option.
    pub fn log_opt(&self, key: &str) -> Option<&Sourced<(String, String)>> {
        self.log_opts.iter().rev().find(|o| o.value.0 == key)
    }

    /// The effective value of a label.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any mount (of any kind, tmpfs included) has this target.
    pub fn has_mount_at(&self, target: &str) -> bool {
        let target = target.trim_end_matches('/');
        self.mounts
            .iter()
            .any(|m| m.value.target.trim_end_matches('/') == target)
    }

    /// Whether `no-new-privileges` is on: the last `no-new-privileges` entry wins.
    pub fn no_new_privileges(&self) -> Option<&Sourced<String>> {
        self.security_opts
            .iter()
            .rev()
            .find(|o| security_opt_key(&o.value) == "no-new-privileges")
    }
}

/// Splits a security option into its key and value the way docker does: on `=`, else on `:`.
pub fn split_security_opt(entry: &str) -> (&str, Option<&str>) {
    if let Some((key, value)) = entry.split_once('=') {
        (key, Some(value))
    } else if let Some((key, value)) = entry.split_once(':') {
        (key, Some(value))
    } else {
        (entry, None)
    }
}

fn security_opt_key(entry: &str) -> &str {
    split_security_opt(entry).0
}

/// What the image itself declares, read from `docker image inspect` when the image is local.
/// The daemon merges these into the container at create time, so they decide, for example,
/// whether a container without `--user` runs as root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    /// `Config.User`; empty means root.
    pub user: String,
    /// Whether the image has a `HEALTHCHECK` that is not `NONE`.
    pub healthcheck: bool,
    /// `Config.Volumes`: paths the daemon mounts an anonymous, writable volume on.
    pub volumes: Vec<String>,
}

/// Lexical path cleaning, as Go's `path.Clean` (which docker applies to bind sources).
pub fn clean_path(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// A change a rule asks for, independent of syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    ReadOnlyRootfs,
    Tmpfs {
        target: String,
        options: String,
    },
    CapDrop(String),
    CapAdd(String),
    /// Remove the user's `--cap-add` of this capability.
    RemoveCapAdd(String),
    NoNewPrivileges,
    User(String),
    /// As the profile wrote it (`512m`).
    Memory(String),
    MemorySwap(String),
    Cpus(String),
    PidsLimit(i64),
    HealthCmd(String),
    HealthInterval(String),
    HealthTimeout(String),
    HealthRetries(i64),
    HealthStartPeriod(String),
    LogDriver(String),
    LogOpt {
        key: String,
        value: String,
    },
    Restart(String),
    Init,
    Label {
        key: String,
        value: String,
    },
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::ReadOnlyRootfs => write!(f, "read-only root filesystem"),
            Edit::Tmpfs { target, options } => write!(f, "tmpfs {target} ({options})"),
            Edit::CapDrop(cap) => write!(f, "drop capability {cap}"),
            Edit::CapAdd(cap) => write!(f, "add capability {cap}"),
            Edit::RemoveCapAdd(cap) => write!(f, "remove the added capability {cap}"),
            Edit::NoNewPrivileges => write!(f, "no-new-privileges"),
            Edit::User(user) => write!(f, "user {user}"),
            Edit::Memory(size) => write!(f, "memory {size}"),
            Edit::MemorySwap(size) => write!(f, "memory+swap {size}"),
            Edit::Cpus(cpus) => write!(f, "cpus {cpus}"),
            Edit::PidsLimit(limit) => write!(f, "pids limit {limit}"),
            Edit::HealthCmd(command) => write!(f, "health command {command:?}"),
            Edit::HealthInterval(d) => write!(f, "health interval {d}"),
            Edit::HealthTimeout(d) => write!(f, "health timeout {d}"),
            Edit::HealthRetries(n) => write!(f, "health retries {n}"),
            Edit::HealthStartPeriod(d) => write!(f, "health start period {d}"),
            Edit::LogDriver(driver) => write!(f, "log driver {driver}"),
            Edit::LogOpt { key, value } => write!(f, "log option {key}={value}"),
            Edit::Restart(policy) => write!(f, "restart {policy}"),
            Edit::Init => write!(f, "init process"),
            Edit::Label { key, value } => write!(f, "label {key}={value}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_like_go() {
        assert_eq!(clean_path("/"), "/");
        assert_eq!(clean_path("//var//run/"), "/var/run");
        assert_eq!(clean_path("/a/./b/../c"), "/a/c");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(clean_path("a/../../b"), "../b");
    }

    #[test]
    fn security_opts_split_on_equals_then_colon() {
        assert_eq!(
            split_security_opt("no-new-privileges"),
            ("no-new-privileges", None)
        );
        assert_eq!(
            split_security_opt("no-new-privileges:true"),
            ("no-new-privileges", Some("true"))
        );
        assert_eq!(
            split_security_opt("seccomp=a:b.json"),
            ("seccomp", Some("a:b.json"))
        );
        assert_eq!(
            split_security_opt("label:disable"),
            ("label", Some("disable"))
        );
    }

    #[test]
    fn env_values_never_show_in_debug_output() {
        let var = EnvVar {
            name: "DB_PASSWORD".into(),
            value: Some("hunter2".into()),
            origin: "-e DB_PASSWORD=***".into(),
            source: EnvSource::CommandLine,
        };
        assert!(!format!("{var:?}").contains("hunter2"));
    }

    #[test]
    fn the_last_no_new_privileges_entry_wins() {
        let spec = ContainerSpec {
            security_opts: vec![
                Sourced::new("no-new-privileges".into(), "a"),
                Sourced::new("no-new-privileges=false".into(), "b"),
            ],
            ..ContainerSpec::default()
        };
        assert_eq!(spec.no_new_privileges().unwrap().origin, "b");
    }
}

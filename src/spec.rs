//! `ContainerSpec`: the syntax-free, hardening-relevant view of one container, and `Edit`, the
//! vocabulary in which rules ask for changes.
//!
//! Rules see only this. A docker command line, a compose service and a `docker inspect` result
//! all become a `ContainerSpec`, so one rule set serves every front end and adding a rule never
//! touches a parser. Each front end turns `Edit`s back into its own syntax. Field names follow
//! the engine API's `HostConfig` where they can.

use std::fmt;

use crate::docker::values::{
    normalize_capability, parse_bool, parse_bytes, parse_cpus, parse_duration, parse_swap,
};

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
    /// Bytes: the soft limit (`--memory-reservation`); the engine refuses a memory limit below it.
    pub memory_reservation: Option<Sourced<i64>>,
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

    /// Whether the container already has what `edit` would set, so that applying the edit
    /// changes nothing the container gets. The front ends' tests read their applied edits back
    /// with it; the match is exhaustive, so a new `Edit` variant must say how it reads back.
    ///
    /// The setting that takes effect is what counts, not any occurrence of it: the last
    /// `no-new-privileges` entry, the last value of a log option or a label, and the last mount
    /// at a tmpfs target (trailing `/` aside, as the engine compares paths), which must be that
    /// tmpfs with exactly those options. A health setting is not satisfied while the check is
    /// disabled (`--no-healthcheck`, `disable: true`, `NONE`), since none takes effect then.
    ///
    /// Values are compared as docker reads them (`512m` is 536870912 bytes, `1.5` CPUs are
    /// 1500000000 nano-CPUs, `1m30s` is 90 s). An edit whose value docker would reject is never
    /// satisfied, not even by an unset setting: durations are held to this as limits are, or an
    /// unreadable `--health-interval` would look present wherever there is no interval at all.
    ///
    /// Capability names are compared as the engine compares them (`cap_chown` is `CHOWN`, as
    /// every front end reads it). A list edit asks only for its own entry (`CapDrop("ALL")`
    /// beside an added capability): what the entries add up to is the rules' business.
    pub fn satisfies(&self, edit: &Edit) -> bool {
        let text = |value: &Option<Sourced<String>>, wanted: &str| {
            value.as_ref().is_some_and(|v| v.value == wanted)
        };
        let number = |value: Option<i64>, wanted: Option<i64>| wanted.is_some() && value == wanted;
        let limit = |value: &Option<Sourced<i64>>| value.as_ref().map(|v| v.value);
        let enabled = |value: &Option<Sourced<bool>>| value.as_ref().is_some_and(|v| v.value);
        let has_cap = |list: &[Sourced<String>], cap: &str| {
            let cap = normalize_capability(cap);
            list.iter().any(|c| c.value == cap)
        };
        let checked = !enabled(&self.health.disabled);
        match edit {
            Edit::ReadOnlyRootfs => enabled(&self.read_only),
            Edit::Tmpfs { target, options } => {
                let target = target.trim_end_matches('/');
                self.mounts
                    .iter()
                    .rfind(|m| m.value.target.trim_end_matches('/') == target)
                    .is_some_and(|m| {
                        m.value.kind == MountKind::Tmpfs && m.value.tmpfs_options == *options
                    })
            }
            Edit::CapDrop(cap) => has_cap(&self.cap_drop, cap),
            Edit::CapAdd(cap) => has_cap(&self.cap_add, cap),
            Edit::NoNewPrivileges => self.no_new_privileges().is_some_and(|o| {
                split_security_opt(&o.value)
                    .1
                    .is_none_or(|v| parse_bool(v) == Some(true))
            }),
            Edit::User(user) => text(&self.user, user),
            Edit::Memory(size) => number(limit(&self.memory), parse_bytes(size)),
            Edit::MemorySwap(size) => number(limit(&self.memory_swap), parse_swap(size)),
            Edit::Cpus(cpus) => number(limit(&self.nano_cpus), parse_cpus(cpus)),
            Edit::PidsLimit(n) => number(limit(&self.pids_limit), Some(*n)),
            Edit::HealthCmd(command) => checked && text(&self.health.command, command),
            Edit::HealthInterval(d) => checked && number(self.health.interval, parse_duration(d)),
            Edit::HealthTimeout(d) => checked && number(self.health.timeout, parse_duration(d)),
            Edit::HealthRetries(n) => checked && number(self.health.retries, Some(*n)),
            Edit::HealthStartPeriod(d) => {
                checked && number(self.health.start_period, parse_duration(d))
            }
            Edit::LogDriver(driver) => text(&self.log_driver, driver),
            Edit::LogOpt { key, value } => self.log_opt(key).is_some_and(|o| o.value.1 == *value),
            Edit::Restart(policy) => text(&self.restart, policy),
            Edit::Init => enabled(&self.init),
            Edit::Label { key, value } => self.label(key) == Some(value.as_str()),
        }
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
    if is_clean(path) {
        return path.to_owned();
    }
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

/// Whether `clean_path` gives `path` back as it is: `/`, or non-empty names between single
/// slashes, none of them `.` or `..`, with no slash at the end.
fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let names = path.strip_prefix('/').unwrap_or(path);
    !names.is_empty()
        && names
            .split('/')
            .all(|name| !matches!(name, "" | "." | ".."))
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
#[path = "spec_tests.rs"]
mod tests;

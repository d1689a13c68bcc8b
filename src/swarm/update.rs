//! `docker service update [OPTIONS] SERVICE`, read as the docker CLI 28 reads it
//! (`cli/command/service/update.go`): its own flag table (`SERVICE_UPDATE_FLAGS`, the flags the
//! CLI hides below their API version included), options interspersed with the one `SERVICE`
//! (cobra's default, unlike `create`), and the update applied to the task container's spec of
//! the service as it is (`swarm::current`) the way `updateService` applies it: scalars replaced
//! (the last occurrence wins), `--*-add`/`--*-rm` pairs (removals, then additions, by key or
//! target), `--log-opt` only with a `--log-driver` (which replaces every option), the health
//! check reset by `--no-healthcheck`, and capabilities as a tri-state (`--cap-add X` takes `X`
//! out of the dropped ones if it is there, else adds it; `--cap-drop` likewise; `RESET`
//! empties a list; an `ALL` stands for the whole list).
//!
//! hardrun's edits are rendered as update flags and inserted before the service name, or after
//! the last option when options follow the name (so that hardrun's values are read last, as
//! before the image of `create`); every typed word is kept in its place. `undelivered` reads the
//! hardened update back to find any edit docker would not deliver (a tri-state that cancels
//! instead of adding), which the command then refuses.
//!
//! Fail closed: an unknown flag, a value hardrun must read that is not UTF-8 or that docker
//! rejects, and `--rollback` with other flags (which docker refuses) are refused; `--help` and
//! a line without exactly one `SERVICE` pass through, since nothing is updated. Pure.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use crate::docker::flags::{FlagDef, ValueKind, flag};
use crate::docker::lexer::{Occurrence, lex};
use crate::docker::mounts::{parse_mount, parse_port};
use crate::docker::values::{
    normalize_capability, parse_bytes, parse_cpus, parse_duration, parse_int,
};
use crate::spec::{ContainerSpec, Edit, EnvSource, EnvVar, MountKind, Port, Sourced};
use crate::swarm::service::{ServiceError, check_value, mask_variables};

use ValueKind::{Bool, Bytes, Decimal, Duration, Int, Text, Uint};

/// The `docker service update` flags (docker CLI 28.2), sorted by long name.
pub const SERVICE_UPDATE_FLAGS: &[FlagDef] = &[
    flag("args", None, Text),
    flag("cap-add", None, Text),
    flag("cap-drop", None, Text),
    flag("config-add", None, Text),
    flag("config-rm", None, Text),
    flag("constraint-add", None, Text),
    flag("constraint-rm", None, Text),
    flag("container-label-add", None, Text),
    flag("container-label-rm", None, Text),
    flag("credential-spec", None, Text),
    flag("detach", Some('d'), Bool),
    flag("dns-add", None, Text),
    flag("dns-option-add", None, Text),
    flag("dns-option-rm", None, Text),
    flag("dns-rm", None, Text),
    flag("dns-search-add", None, Text),
    flag("dns-search-rm", None, Text),
    flag("endpoint-mode", None, Text),
    flag("entrypoint", None, Text),
    flag("env-add", None, Text),
    flag("env-rm", None, Text),
    flag("force", None, Bool),
    flag("generic-resource-add", None, Text),
    flag("generic-resource-rm", None, Text),
    flag("group-add", None, Text),
    flag("group-rm", None, Text),
    flag("health-cmd", None, Text),
    flag("health-interval", None, Duration),
    flag("health-retries", None, Int),
    flag("health-start-interval", None, Duration),
    flag("health-start-period", None, Duration),
    flag("health-timeout", None, Duration),
    flag("help", Some('h'), Bool),
    flag("host-add", None, Text),
    flag("host-rm", None, Text),
    flag("hostname", None, Text),
    flag("image", None, Text),
    flag("init", None, Bool),
    flag("isolation", None, Text),
    flag("label-add", None, Text),
    flag("label-rm", None, Text),
    flag("limit-cpu", None, Decimal),
    flag("limit-memory", None, Bytes),
    flag("limit-pids", None, Int),
    flag("log-driver", None, Text),
    flag("log-opt", None, Text),
    flag("max-concurrent", None, Uint),
    flag("mount-add", None, Text),
    flag("mount-rm", None, Text),
    flag("network-add", None, Text),
    flag("network-rm", None, Text),
    flag("no-healthcheck", None, Bool),
    flag("no-resolve-image", None, Bool),
    flag("oom-score-adj", None, Int),
    flag("placement-pref-add", None, Text),
    flag("placement-pref-rm", None, Text),
    flag("publish-add", None, Text),
    flag("publish-rm", None, Text),
    flag("quiet", Some('q'), Bool),
    flag("read-only", None, Bool),
    flag("replicas", None, Uint),
    flag("replicas-max-per-node", None, Uint),
    flag("reserve-cpu", None, Decimal),
    flag("reserve-memory", None, Bytes),
    flag("restart-condition", None, Text),
    flag("restart-delay", None, Duration),
    flag("restart-max-attempts", None, Uint),
    flag("restart-window", None, Duration),
    flag("rollback", None, Bool),
    flag("rollback-delay", None, Duration),
    flag("rollback-failure-action", None, Text),
    flag("rollback-max-failure-ratio", None, Text),
    flag("rollback-monitor", None, Duration),
    flag("rollback-order", None, Text),
    flag("rollback-parallelism", None, Uint),
    flag("secret-add", None, Text),
    flag("secret-rm", None, Text),
    flag("stop-grace-period", None, Duration),
    flag("stop-signal", None, Text),
    flag("sysctl-add", None, Text),
    flag("sysctl-rm", None, Text),
    flag("tty", Some('t'), Bool),
    flag("ulimit-add", None, Text),
    flag("ulimit-rm", None, Text),
    flag("update-delay", None, Duration),
    flag("update-failure-action", None, Text),
    flag("update-max-failure-ratio", None, Text),
    flag("update-monitor", None, Duration),
    flag("update-order", None, Text),
    flag("update-parallelism", None, Uint),
    flag("user", Some('u'), Text),
    flag("with-registry-auth", None, Bool),
    flag("workdir", Some('w'), Text),
];

/// The text flags of `update` whose values hardrun reads.
const READ: [&str; 18] = [
    "cap-add",
    "cap-drop",
    "container-label-add",
    "container-label-rm",
    "env-add",
    "env-rm",
    "health-cmd",
    "image",
    "log-driver",
    "log-opt",
    "mount-add",
    "mount-rm",
    "network-add",
    "network-rm",
    "publish-add",
    "publish-rm",
    "restart-condition",
    "user",
];

/// The flags `--rollback` may be given with.
const WITH_ROLLBACK: [&str; 3] = ["rollback", "detach", "quiet"];

/// The health flags whose change makes docker rewrite the health check (`updateHealthcheck`).
const HEALTH: [&str; 5] = [
    "health-cmd",
    "health-interval",
    "health-retries",
    "health-timeout",
    "health-start-period",
];

/// A `docker service update` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUpdate {
    argv: Vec<OsString>,
    options: Vec<Occurrence>,
    /// The index of `service`.
    service_at: usize,
    /// The index of the service's name.
    name_at: usize,
    /// Where hardrun's flags go.
    insert_at: usize,
}

/// Reads the words after `update` (at `update_at`); `None` when docker answers without
/// updating anything (`--help`, no or several `SERVICE`s).
pub(super) fn parse(
    argv: &[OsString],
    service_at: usize,
    update_at: usize,
) -> Result<Option<ServiceUpdate>, ServiceError> {
    let mut options: Vec<Occurrence> = Vec::new();
    let mut positionals = Vec::new();
    let mut terminator = None;
    let mut index = update_at + 1;
    while index < argv.len() {
        let lexed = lex(argv, index, SERVICE_UPDATE_FLAGS)?;
        options.extend(lexed.occurrences);
        if let Some(at) = lexed.terminator {
            terminator = Some(at);
            positionals.extend(at + 1..argv.len());
            break;
        }
        if lexed.positional < argv.len() {
            positionals.push(lexed.positional);
        }
        index = lexed.positional + 1;
    }
    if options.iter().any(Occurrence::is_help) || positionals.len() != 1 {
        return Ok(None);
    }
    for occurrence in &options {
        check_value(occurrence, &READ)?;
    }
    let name_at = positionals[0];
    let rollback = last(&options, "rollback").is_some_and(Occurrence::enabled);
    if rollback
        && let Some(other) = options
            .iter()
            .find(|o| !WITH_ROLLBACK.contains(&o.flag.long))
    {
        return Err(ServiceError::WithRollback(format!("--{}", other.flag.long)));
    }
    let after_name = options
        .iter()
        .filter(|o| o.tokens.start > name_at)
        .map(|o| o.tokens.end)
        .max();
    let insert_at = after_name.unwrap_or(terminator.map_or(name_at, |t| t.min(name_at)));
    Ok(Some(ServiceUpdate {
        argv: argv.to_vec(),
        options,
        service_at,
        name_at,
        insert_at,
    }))
}

/// The last occurrence of a flag.
fn last<'a>(options: &'a [Occurrence], long: &str) -> Option<&'a Occurrence> {
    options.iter().rev().find(|o| o.flag.long == long)
}

/// A value with the words it came from.
fn at<T>(origin: &str, value: T) -> Sourced<T> {
    Sourced::new(value, origin.to_owned())
}

impl ServiceUpdate {
    /// docker's global options.
    pub fn docker_words(&self) -> &[OsString] {
        &self.argv[..self.service_at]
    }

    /// Every word, as typed.
    pub fn words(&self) -> &[OsString] {
        &self.argv
    }

    /// The index of `service`.
    pub fn service_at(&self) -> usize {
        self.service_at
    }

    /// The service, as typed.
    pub fn service(&self) -> &OsStr {
        &self.argv[self.name_at]
    }

    /// Whether this is `--rollback`: the service returns to its previous spec.
    pub fn is_rollback(&self) -> bool {
        last(&self.options, "rollback").is_some_and(Occurrence::enabled)
    }

    fn changed(&self, long: &str) -> bool {
        self.options.iter().any(|o| o.flag.long == long)
    }

    fn text_of(&self, occurrence: &Occurrence) -> String {
        occurrence
            .text()
            .and_then(OsStr::to_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn origin(&self, occurrence: &Occurrence) -> String {
        crate::docker::invocation::quote_words(&self.argv[occurrence.tokens.clone()])
    }

    /// Every value of a list flag, with its origin.
    fn values(&self, long: &str) -> Vec<(String, String)> {
        self.options
            .iter()
            .filter(|o| o.flag.long == long)
            .map(|o| (self.text_of(o), self.origin(o)))
            .collect()
    }

    /// The last value of a scalar flag, with its origin.
    fn scalar(&self, long: &str) -> Option<(String, String)> {
        last(&self.options, long).map(|o| (self.text_of(o), self.origin(o)))
    }

    /// The last value of a boolean flag, with its origin.
    fn boolean(&self, long: &str) -> Option<Sourced<bool>> {
        last(&self.options, long).map(|o| at(&self.origin(o), o.enabled()))
    }

    /// `spec`, the task container's spec of the service as it is, as docker's update leaves it.
    /// `host_variable` values `--env-add NAME` as the docker CLI does.
    pub fn apply_to(
        &self,
        spec: &mut ContainerSpec,
        cwd: &Path,
        host_variable: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ServiceError> {
        let invalid = |flag: &str, value: &str, expected| ServiceError::InvalidValue {
            flag: flag.to_owned(),
            value: value.to_owned(),
            expected,
        };
        // Container labels: removals, then additions.
        for (key, _) in self.values("container-label-rm") {
            spec.labels.retain(|(k, _)| *k != key);
        }
        for (raw, _) in self.values("container-label-add") {
            let (key, value) = raw.split_once('=').unwrap_or((&raw, ""));
            spec.labels.retain(|(k, _)| k != key);
            spec.labels.push((key.to_owned(), value.to_owned()));
        }
        if let Some((image, _)) = self.scalar("image") {
            spec.image = image;
        }
        self.apply_env(spec, host_variable);
        if let Some((user, origin)) = self.scalar("user") {
            spec.user = (!user.is_empty()).then(|| at(&origin, user));
        }
        if let Some(init) = self.boolean("init") {
            spec.init = Some(init);
        }
        // Mounts by target: the added ones replace those at their target; removals last.
        let mut added: Vec<Sourced<crate::spec::Mount>> = Vec::new();
        for (raw, origin) in self.values("mount-add") {
            let mount = parse_mount(&raw, cwd)
                .ok_or_else(|| invalid("mount-add", &raw, "expected type=…,source=…,target=…"))?;
            if added.iter().any(|m| m.value.target == mount.target) {
                return Err(invalid(
                    "mount-add",
                    &raw,
                    "a second mount at the same target",
                ));
            }
            added.push(at(&origin, mount));
        }
        spec.mounts
            .retain(|m| !added.iter().any(|a| a.value.target == m.value.target));
        spec.mounts.extend(added);
        let removed = self.values("mount-rm");
        spec.mounts
            .retain(|m| !removed.iter().any(|(target, _)| *target == m.value.target));
        // docker sorts them by source, then target, on every update.
        spec.mounts.sort_by(|a, b| {
            (
                a.value.source.as_deref().unwrap_or_default(),
                &a.value.target,
            )
                .cmp(&(
                    b.value.source.as_deref().unwrap_or_default(),
                    &b.value.target,
                ))
        });
        if let Some((cpus, origin)) = self.scalar("limit-cpu") {
            spec.nano_cpus = parse_cpus(&cpus).map(|v| at(&origin, v));
        }
        if let Some((memory, origin)) = self.scalar("limit-memory") {
            spec.memory = parse_bytes(&memory).map(|v| at(&origin, v));
        }
        if let Some((pids, origin)) = self.scalar("limit-pids") {
            spec.pids_limit = parse_int(&pids).map(|v| at(&origin, v));
        }
        self.apply_restart(spec);
        self.apply_networks(spec);
        self.apply_ports(spec);
        // `--log-opt` counts only with a driver, which replaces every option.
        if let Some((driver, origin)) = self.scalar("log-driver").filter(|(d, _)| !d.is_empty()) {
            spec.log_driver = Some(at(&origin, driver));
            spec.log_opts = self
                .values("log-opt")
                .into_iter()
                .map(|(raw, origin)| {
                    let (key, value) = raw.split_once('=').unwrap_or((&raw, ""));
                    at(&origin, (key.to_owned(), value.to_owned()))
                })
                .collect();
        }
        self.apply_health(spec)?;
        if let Some(read_only) = self.boolean("read-only") {
            spec.read_only = Some(read_only);
        }
        if self.changed("cap-add") || self.changed("cap-drop") {
            self.apply_capabilities(spec);
        }
        Ok(())
    }

    /// `--env-rm`, then `--env-add`, by name.
    fn apply_env(&self, spec: &mut ContainerSpec, host_variable: &dyn Fn(&str) -> Option<String>) {
        for (raw, _) in self.values("env-rm") {
            let name = raw.split_once('=').map_or(raw.as_str(), |(n, _)| n);
            spec.env.retain(|v| v.name != name);
        }
        for (raw, _) in self.values("env-add") {
            let (name, value, source) = match raw.split_once('=') {
                Some((name, value)) => (
                    name.to_owned(),
                    Some(value.to_owned()),
                    EnvSource::CommandLine,
                ),
                None => (raw.clone(), host_variable(&raw), EnvSource::HostEnvironment),
            };
            spec.env.retain(|v| v.name != name);
            spec.env.push(EnvVar {
                origin: format!("--env-add {name}=***"),
                name,
                value,
                source,
            });
        }
    }

    /// `--restart-condition` and `--restart-max-attempts`, on the policy the service has (or
    /// Swarm's default, `any`).
    fn apply_restart(&self, spec: &mut ContainerSpec) {
        let condition = self.scalar("restart-condition");
        let attempts = self.scalar("restart-max-attempts");
        if condition.is_none() && attempts.is_none() {
            return;
        }
        let current = spec.restart.as_ref().map(|r| r.value.clone());
        let (mut kind, mut count) = match current.as_deref() {
            Some("no") => ("none".to_owned(), None),
            Some(policy) => match policy.split_once(':') {
                Some(("on-failure", n)) => ("on-failure".to_owned(), Some(n.to_owned())),
                _ if policy == "on-failure" => ("on-failure".to_owned(), None),
                _ => ("any".to_owned(), None),
            },
            None => ("any".to_owned(), None),
        };
        let mut origin = spec
            .restart
            .as_ref()
            .map(|r| r.origin.clone())
            .unwrap_or_default();
        if let Some((value, o)) = condition {
            kind = value;
            origin = o;
        }
        if let Some((value, o)) = attempts {
            count = Some(value).filter(|n| n != "0");
            if origin.is_empty() {
                origin = o;
            }
        }
        let policy = match (kind.as_str(), count) {
            ("any", _) => "always".to_owned(),
            ("none", _) => "no".to_owned(),
            ("on-failure", Some(n)) => format!("on-failure:{n}"),
            (other, _) => other.to_owned(),
        };
        spec.restart = Some(at(&origin, policy));
    }

    /// `--network-rm`, then `--network-add`: the host network, once added, is what counts.
    fn apply_networks(&self, spec: &mut ContainerSpec) {
        for (raw, _) in self.values("network-rm") {
            if spec.network.as_ref().is_some_and(|n| n.value == raw) {
                spec.network = None;
            }
        }
        for (raw, origin) in self.values("network-add") {
            let name = raw
                .split(',')
                .find_map(|part| part.strip_prefix("name="))
                .unwrap_or(&raw)
                .to_owned();
            if spec.network.is_none() || name == "host" {
                spec.network = Some(at(&origin, name));
            }
        }
    }

    /// `--publish-rm` (by target port), then `--publish-add`.
    fn apply_ports(&self, spec: &mut ContainerSpec) {
        let target = |port: &str| port.trim_end_matches("/tcp").to_owned();
        for (raw, _) in self.values("publish-rm") {
            let gone = parse_port(&raw).map_or(raw.clone(), |p| p.container_port);
            spec.ports
                .retain(|p| target(&p.value.container_port) != target(&gone));
        }
        for (raw, origin) in self.values("publish-add") {
            let port = parse_port(&raw).unwrap_or(Port {
                host_ip: None,
                host_port: None,
                container_port: raw.clone(),
            });
            spec.ports.push(at(
                &origin,
                Port {
                    host_ip: None,
                    ..port
                },
            ));
        }
    }

    /// `updateHealthcheck`: `--no-healthcheck` alone disables the check; any other health flag
    /// enables it again with the values given.
    fn apply_health(&self, spec: &mut ContainerSpec) -> Result<(), ServiceError> {
        let others = HEALTH.iter().any(|f| self.changed(f));
        let disable = self.boolean("no-healthcheck");
        if !others && disable.is_none() {
            return Ok(());
        }
        if let Some(disable) = disable.filter(|d| d.value) {
            if others {
                return Err(ServiceError::InvalidValue {
                    flag: "no-healthcheck".into(),
                    value: "true".into(),
                    expected: "not with --health-* options (docker refuses them together)",
                });
            }
            spec.health = crate::spec::Health {
                disabled: Some(disable),
                ..crate::spec::Health::default()
            };
            return Ok(());
        }
        if spec.health.disabled.as_ref().is_some_and(|d| d.value) {
            spec.health.disabled = None;
            spec.health.command = None;
        }
        let duration = |long| self.scalar(long).and_then(|(v, _)| parse_duration(&v));
        if self.changed("health-interval") {
            spec.health.interval = duration("health-interval");
        }
        if self.changed("health-timeout") {
            spec.health.timeout = duration("health-timeout");
        }
        if self.changed("health-start-period") {
            spec.health.start_period = duration("health-start-period");
        }
        if let Some((retries, _)) = self.scalar("health-retries") {
            spec.health.retries = parse_int(&retries);
        }
        if let Some((command, origin)) = self.scalar("health-cmd") {
            spec.health.command = (!command.is_empty()).then(|| at(&origin, command));
        }
        Ok(())
    }

    /// `updateCapabilities`: the tri-state of `--cap-add` and `--cap-drop` on the service's lists.
    fn apply_capabilities(&self, spec: &mut ContainerSpec) {
        let named = |long| -> Vec<(String, String)> {
            self.values(long)
                .into_iter()
                .map(|(cap, origin)| (normalize_capability(&cap), origin))
                .collect()
        };
        let mut to_add = named("cap-add");
        let mut to_drop = named("cap-drop");
        let reset = |list: &mut Vec<(String, String)>, current: &mut Vec<Sourced<String>>| {
            if list.iter().any(|(c, _)| c == "RESET") {
                current.clear();
                list.retain(|(c, _)| c != "RESET");
            }
        };
        reset(&mut to_add, &mut spec.cap_add);
        reset(&mut to_drop, &mut spec.cap_drop);
        let has = |list: &[Sourced<String>], cap: &str| list.iter().any(|c| c.value == cap);
        for (cap, origin) in &to_drop {
            if to_add.iter().any(|(c, _)| c == cap) {
                continue;
            }
            if has(&spec.cap_add, cap) {
                spec.cap_add.retain(|c| c.value != *cap);
            } else if !has(&spec.cap_drop, cap) {
                spec.cap_drop.push(at(origin, cap.clone()));
            }
        }
        for (cap, origin) in &to_add {
            if has(&spec.cap_drop, cap) {
                spec.cap_drop.retain(|c| c.value != *cap);
            } else if !has(&spec.cap_add, cap) {
                spec.cap_add.push(at(origin, cap.clone()));
            }
        }
        for list in [&mut spec.cap_add, &mut spec.cap_drop] {
            if list.iter().any(|c| c.value == "ALL") {
                list.retain(|c| c.value == "ALL");
            }
        }
    }

    /// The command line with the plan's edits as update flags, inserted before the service
    /// name (or after the last option that follows it). `after` is the spec the user's update
    /// leaves: a log option needs a driver, and a driver replaces every option, so a log edit
    /// brings the driver and the options the service keeps. `unlabel` are the container labels
    /// to remove (`rewrite_record`).
    pub fn apply(
        &self,
        edits: &[Edit],
        after: &ContainerSpec,
        unlabel: &[String],
    ) -> Vec<OsString> {
        let mut words = self.argv[..self.insert_at].to_vec();
        for key in unlabel {
            words.extend(["--container-label-rm".into(), OsString::from(key)]);
        }
        words.extend(self.render(edits, after).into_iter().map(OsString::from));
        words.extend(self.argv[self.insert_at..].iter().cloned());
        words
    }

    fn render(&self, edits: &[Edit], after: &ContainerSpec) -> Vec<String> {
        let mut words: Vec<String> = edits
            .iter()
            .filter(|e| !matches!(e, Edit::LogDriver(_) | Edit::LogOpt { .. }))
            .flat_map(render)
            .collect();
        let wanted_driver = edits.iter().find_map(|e| match e {
            Edit::LogDriver(driver) => Some(driver.clone()),
            _ => None,
        });
        let wanted_opts: Vec<(&str, &str)> = edits
            .iter()
            .filter_map(|e| match e {
                Edit::LogOpt { key, value } => Some((key.as_str(), value.as_str())),
                _ => None,
            })
            .collect();
        if wanted_driver.is_none() && wanted_opts.is_empty() {
            return words;
        }
        let current = after.log_driver.as_ref().map(|d| d.value.clone());
        let user_driver = self
            .scalar("log-driver")
            .is_some_and(|(d, _)| !d.is_empty());
        let Some(driver) = wanted_driver.clone().or(current.clone()) else {
            // No driver to give the options to: `undelivered` says so.
            return words;
        };
        if !user_driver || wanted_driver.is_some() {
            words.extend(["--log-driver".to_owned(), driver.clone()]);
        }
        // Without the user's `--log-driver`, the options the service keeps are given again.
        if !user_driver && current.as_deref() == Some(driver.as_str()) {
            for opt in &after.log_opts {
                let (key, value) = &opt.value;
                if !wanted_opts.iter().any(|(k, _)| k == key) {
                    words.extend(["--log-opt".to_owned(), format!("{key}={value}")]);
                }
            }
        }
        for (key, value) in wanted_opts {
            words.extend(["--log-opt".to_owned(), format!("{key}={value}")]);
        }
        words
    }

    /// The command line with the values of the `--env-add` variables named in `secrets` masked.
    pub fn masked(&self, secrets: &[String]) -> ServiceUpdate {
        let mut masked = self.clone();
        mask_variables(&mut masked.argv, &self.options, "env-add", secrets);
        masked
    }
}

/// The service without hardrun's record of an earlier hardening (its container labels under
/// `io.hardrun.`): the update is judged as if the record were written afresh, as it is.
pub fn without_record(spec: &ContainerSpec) -> ContainerSpec {
    let mut spec = spec.clone();
    spec.labels
        .retain(|(key, _)| !key.starts_with(crate::plan::LABEL_NAMESPACE));
    spec
}

/// What the update does to hardrun's record on the service as it is (`before`): the plan's
/// edits without the labels the record has already, and the keys of the record hardrun no
/// longer writes (a waiver no longer given, say), to remove.
pub fn rewrite_record(before: &ContainerSpec, edits: Vec<Edit>) -> (Vec<Edit>, Vec<String>) {
    let ours = |key: &str| key.starts_with(crate::plan::LABEL_NAMESPACE);
    let written: Vec<&str> = edits
        .iter()
        .filter_map(|e| match e {
            Edit::Label { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    let mut stale: Vec<String> = before
        .labels
        .iter()
        .map(|(key, _)| key.clone())
        .filter(|key| ours(key) && !written.contains(&key.as_str()))
        .collect();
    stale.dedup();
    let edits = edits
        .into_iter()
        .filter(|e| match e {
            Edit::Label { key, value } => !(ours(key) && before.label(key) == Some(value)),
            _ => true,
        })
        .collect();
    (edits, stale)
}

/// One edit as `service update` flags: `create`'s, with `--mount-add` and
/// `--container-label-add` for the lists.
pub fn render(edit: &Edit) -> Vec<String> {
    let mut words = crate::swarm::service::render(edit);
    if let Some(first) = words.first_mut() {
        match first.as_str() {
            "--mount" => *first = "--mount-add".into(),
            "--container-label" => *first = "--container-label-add".into(),
            _ => {}
        }
    }
    words
}

/// The edits `spec` (the service as the hardened update leaves it) does not have: what docker
/// would not deliver. A tmpfs counts when the last mount at its target is a tmpfs (a service's
/// tmpfs has a size and a mode, never the other options), a restart policy as Swarm has it.
pub fn undelivered<'a>(spec: &ContainerSpec, edits: &'a [Edit]) -> Vec<&'a Edit> {
    let swarm_policy = |policy: &str| match policy {
        "unless-stopped" => "always".to_owned(),
        other => other.to_owned(),
    };
    edits
        .iter()
        .filter(|edit| match edit {
            Edit::Tmpfs { target, .. } => !spec
                .mounts
                .iter()
                .rfind(|m| m.value.target.trim_end_matches('/') == target.trim_end_matches('/'))
                .is_some_and(|m| m.value.kind == MountKind::Tmpfs),
            Edit::Restart(policy) => spec
                .restart
                .as_ref()
                .is_none_or(|r| swarm_policy(&r.value) != swarm_policy(policy)),
            // Never rendered: `swarm::limits` takes them out of the plan.
            Edit::NoNewPrivileges | Edit::MemorySwap(_) => false,
            other => !spec.satisfies(other),
        })
        .collect()
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;

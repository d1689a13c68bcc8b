//! `docker service create [OPTIONS] IMAGE [COMMAND] [ARG...]`, read as the docker CLI 28 reads
//! it (`cli/command/service/create.go`, `opts.go`): its own flag table (`SERVICE_CREATE_FLAGS`,
//! with the flags the CLI hides below their API version), options only before the image
//! (`SetInterspersed(false)`), each option into the `ContainerSpec` of the task container,
//! and a plan's edits rendered as `service create` flags inserted just before the image, every
//! word of the user's kept in its place (the last occurrence of a scalar flag wins, as in
//! `run`).
//!
//! Fail closed: an unknown flag, a value hardrun must read that is not UTF-8, and `--env-file`
//! (whose variables hardrun would have to read as docker does) are refused. `--help` and a line
//! without an image pass through, since nothing is created. Pure.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use thiserror::Error;

use crate::docker::flags::{FlagDef, ValueKind, flag};
use crate::docker::lexer::{LexError, Occurrence, lex};
use crate::docker::mounts::{parse_mount, parse_port};
use crate::docker::values::{
    normalize_capability, parse_bytes, parse_cpus, parse_duration, parse_int,
};
use crate::spec::{ContainerSpec, Edit, EnvSource, EnvVar, Port, Sourced};

use ValueKind::{Bool, Bytes, Decimal, Duration, Int, Text, Uint};

/// The `docker service create` flags (docker CLI 28.2), sorted by long name.
pub const SERVICE_CREATE_FLAGS: &[FlagDef] = &[
    flag("cap-add", None, Text),
    flag("cap-drop", None, Text),
    flag("config", None, Text),
    flag("constraint", None, Text),
    flag("container-label", None, Text),
    flag("credential-spec", None, Text),
    flag("detach", Some('d'), Bool),
    flag("dns", None, Text),
    flag("dns-option", None, Text),
    flag("dns-search", None, Text),
    flag("endpoint-mode", None, Text),
    flag("entrypoint", None, Text),
    flag("env", Some('e'), Text),
    flag("env-file", None, Text),
    flag("generic-resource", None, Text),
    flag("group", None, Text),
    flag("health-cmd", None, Text),
    flag("health-interval", None, Duration),
    flag("health-retries", None, Int),
    flag("health-start-interval", None, Duration),
    flag("health-start-period", None, Duration),
    flag("health-timeout", None, Duration),
    flag("help", Some('h'), Bool),
    flag("host", None, Text),
    flag("hostname", None, Text),
    flag("init", None, Bool),
    flag("isolation", None, Text),
    flag("label", Some('l'), Text),
    flag("limit-cpu", None, Decimal),
    flag("limit-memory", None, Bytes),
    flag("limit-pids", None, Int),
    flag("log-driver", None, Text),
    flag("log-opt", None, Text),
    flag("max-concurrent", None, Uint),
    flag("mode", None, Text),
    flag("mount", None, Text),
    flag("name", None, Text),
    flag("network", None, Text),
    flag("no-healthcheck", None, Bool),
    flag("no-resolve-image", None, Bool),
    flag("oom-score-adj", None, Int),
    flag("placement-pref", None, Text),
    flag("publish", Some('p'), Text),
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
    flag("rollback-delay", None, Duration),
    flag("rollback-failure-action", None, Text),
    flag("rollback-max-failure-ratio", None, Text),
    flag("rollback-monitor", None, Duration),
    flag("rollback-order", None, Text),
    flag("rollback-parallelism", None, Uint),
    flag("secret", None, Text),
    flag("stop-grace-period", None, Duration),
    flag("stop-signal", None, Text),
    flag("sysctl", None, Text),
    flag("tty", Some('t'), Bool),
    flag("ulimit", None, Text),
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

/// `docker service`'s own options.
const SERVICE_FLAGS: &[FlagDef] = &[flag("help", Some('h'), Bool)];

/// A `docker service create` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCreate {
    argv: Vec<OsString>,
    options: Vec<Occurrence>,
    /// The index of `service`.
    service_at: usize,
    /// The index of the image.
    image_at: usize,
}

/// What a `service` command line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceCommand {
    Create(ServiceCreate),
    Update(crate::swarm::update::ServiceUpdate),
    /// Another subcommand, `--help`, no image (create) or not one service (update): docker
    /// answers.
    PassThrough,
}

/// Why a `service create` line cannot be read with certainty.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ServiceError {
    #[error(transparent)]
    Lex(#[from] LexError),
    #[error("the value of --{0} is not UTF-8")]
    NotUtf8(String),
    #[error("invalid value {value:?} for --{flag}: {expected}")]
    InvalidValue {
        flag: String,
        value: String,
        expected: &'static str,
    },
    #[error("--env-file {0:?}: hardrun does not read the variables of a service's env files")]
    EnvFile(String),
    #[error("--rollback is given with {0}, which docker refuses")]
    WithRollback(String),
}

impl ServiceError {
    /// The `help:` line.
    pub fn help(&self) -> &'static str {
        match self {
            ServiceError::Lex(_) => {
                "check the flag against `docker service create --help` (or `update --help`)"
            }
            ServiceError::NotUtf8(_) => "write the value in UTF-8",
            ServiceError::InvalidValue { .. } => "docker would reject this value too; correct it",
            ServiceError::EnvFile(_) => {
                "pass the variables with `-e NAME=VALUE` (or a docker secret), so that hardrun can judge them"
            }
            ServiceError::WithRollback(_) => {
                "roll back with `service update --rollback SERVICE` alone, then update it"
            }
        }
    }
}

/// Where `service` stands (after the global options), for `docker [globals] service …`.
pub fn service_word(argv: &[OsString]) -> Option<usize> {
    let globals = lex(argv, 0, crate::docker::flags::GLOBAL_FLAGS).ok()?;
    (argv.get(globals.positional).and_then(|w| w.to_str()) == Some("service"))
        .then_some(globals.positional)
}

/// Reads `argv`, where `service_at` is the index of `service`.
pub fn parse(argv: &[OsString], service_at: usize) -> Result<ServiceCommand, ServiceError> {
    let own = lex(argv, service_at + 1, SERVICE_FLAGS)?;
    let create_at = own.positional;
    if own.occurrences.iter().any(Occurrence::is_help) || own.terminator.is_some() {
        return Ok(ServiceCommand::PassThrough);
    }
    match argv.get(create_at).and_then(|w| w.to_str()) {
        Some("create") => {}
        Some("update") => {
            return Ok(crate::swarm::update::parse(argv, service_at, create_at)?
                .map_or(ServiceCommand::PassThrough, ServiceCommand::Update));
        }
        _ => return Ok(ServiceCommand::PassThrough),
    }
    let lexed = lex(argv, create_at + 1, SERVICE_CREATE_FLAGS)?;
    if lexed.occurrences.iter().any(Occurrence::is_help) || lexed.positional >= argv.len() {
        return Ok(ServiceCommand::PassThrough);
    }
    for occurrence in &lexed.occurrences {
        check_value(occurrence, &READ)?;
        if occurrence.flag.long == "env-file" {
            return Err(ServiceError::EnvFile(
                occurrence
                    .text()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            ));
        }
    }
    Ok(ServiceCommand::Create(ServiceCreate {
        argv: argv.to_vec(),
        options: lexed.occurrences,
        service_at,
        image_at: lexed.positional,
    }))
}

/// The values hardrun reads with a type, checked as pflag would; `read` names the text flags
/// whose values hardrun reads (which must then be UTF-8).
pub(super) fn check_value(occurrence: &Occurrence, read: &[&str]) -> Result<(), ServiceError> {
    let Some(raw) = occurrence.text() else {
        return Ok(());
    };
    let name = occurrence.flag.long;
    let Some(value) = raw.to_str() else {
        return match occurrence.flag.kind {
            Text if !read.contains(&name) => Ok(()),
            _ => Err(ServiceError::NotUtf8(name.to_owned())),
        };
    };
    let (ok, expected) = match occurrence.flag.kind {
        Bool | Text => (true, ""),
        Int => (parse_int(value).is_some(), "expected an integer"),
        Uint => (
            crate::docker::values::parse_uint(value).is_some(),
            "expected an unsigned integer",
        ),
        Bytes | ValueKind::SwapBytes => (parse_bytes(value).is_some(), "expected a byte size"),
        Duration => (
            parse_duration(value).is_some(),
            "expected a duration with a unit",
        ),
        Decimal => (parse_cpus(value).is_some(), "expected a decimal number"),
    };
    if ok {
        Ok(())
    } else {
        Err(ServiceError::InvalidValue {
            flag: name.to_owned(),
            value: value.to_owned(),
            expected,
        })
    }
}

/// The text flags whose values hardrun reads.
const READ: [&str; 13] = [
    "cap-add",
    "cap-drop",
    "container-label",
    "env",
    "health-cmd",
    "log-driver",
    "log-opt",
    "mount",
    "network",
    "publish",
    "restart-condition",
    "user",
    "mode",
];

impl ServiceCreate {
    /// docker's global options.
    pub fn docker_words(&self) -> &[OsString] {
        &self.argv[..self.service_at]
    }

    /// The image, as typed.
    pub fn image(&self) -> &OsStr {
        &self.argv[self.image_at]
    }

    /// The task container's spec. `host_variable` values `-e NAME` as the docker CLI does.
    pub fn to_spec(
        &self,
        cwd: &Path,
        host_variable: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ContainerSpec, ServiceError> {
        let mut spec = ContainerSpec {
            image: self.image().to_string_lossy().into_owned(),
            ..ContainerSpec::default()
        };
        let mut attempts: Option<String> = None;
        for occurrence in &self.options {
            let origin =
                crate::docker::invocation::quote_words(&self.argv[occurrence.tokens.clone()]);
            let text = || {
                occurrence
                    .text()
                    .and_then(OsStr::to_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let o = origin.as_str();
            let invalid = |expected| ServiceError::InvalidValue {
                flag: occurrence.flag.long.to_owned(),
                value: text(),
                expected,
            };
            match occurrence.flag.long {
                "user" => spec.user = Some(at(o, text())),
                "read-only" => spec.read_only = Some(at(o, occurrence.enabled())),
                "init" => spec.init = Some(at(o, occurrence.enabled())),
                "no-healthcheck" => {
                    spec.health.disabled = Some(at(o, occurrence.enabled()));
                }
                "cap-add" => spec.cap_add.push(at(o, normalize_capability(&text()))),
                "cap-drop" => spec.cap_drop.push(at(o, normalize_capability(&text()))),
                // The predefined `host` network is host networking.
                "network" if spec.network.is_none() => {
                    let value = text();
                    let name = value
                        .split(',')
                        .find_map(|part| part.strip_prefix("name="))
                        .unwrap_or(&value)
                        .to_owned();
                    spec.network = Some(at(o, name));
                }
                "mount" => match parse_mount(&text(), cwd) {
                    Some(mount) => spec.mounts.push(at(o, mount)),
                    None => return Err(invalid("expected type=…,source=…,target=…")),
                },
                "limit-memory" => {
                    spec.memory = parse_bytes(&text()).map(|v| at(o, v));
                }
                "limit-cpu" => spec.nano_cpus = parse_cpus(&text()).map(|v| at(o, v)),
                "limit-pids" => spec.pids_limit = parse_int(&text()).map(|v| at(o, v)),
                "health-cmd" => spec.health.command = Some(at(o, text())),
                "health-interval" => spec.health.interval = parse_duration(&text()),
                "health-timeout" => spec.health.timeout = parse_duration(&text()),
                "health-start-period" => spec.health.start_period = parse_duration(&text()),
                "health-retries" => spec.health.retries = parse_int(&text()),
                "log-driver" => spec.log_driver = Some(at(o, text())),
                "log-opt" => {
                    let raw = text();
                    let (key, value) = raw.split_once('=').unwrap_or((&raw, ""));
                    spec.log_opts
                        .push(at(o, (key.to_owned(), value.to_owned())));
                }
                "restart-condition" => {
                    let policy = match text().as_str() {
                        "any" => "always".to_owned(),
                        "none" => "no".to_owned(),
                        other => other.to_owned(),
                    };
                    spec.restart = Some(at(o, policy));
                }
                "restart-max-attempts" => attempts = Some(text()),
                // Every published port of a service listens on every address of every node.
                "publish" => {
                    let raw = text();
                    let port = parse_port(&raw).unwrap_or(Port {
                        host_ip: None,
                        host_port: None,
                        container_port: raw.clone(),
                    });
                    spec.ports.push(at(
                        o,
                        Port {
                            host_ip: None,
                            ..port
                        },
                    ));
                }
                "env" => {
                    let raw = text();
                    let flag_text = if self.argv[occurrence.tokens.start]
                        .to_string_lossy()
                        .starts_with("--")
                    {
                        "--env"
                    } else {
                        "-e"
                    };
                    let (name, value, source) = match raw.split_once('=') {
                        Some((name, value)) => (
                            name.to_owned(),
                            Some(value.to_owned()),
                            EnvSource::CommandLine,
                        ),
                        None => (raw.clone(), host_variable(&raw), EnvSource::HostEnvironment),
                    };
                    spec.env.push(EnvVar {
                        origin: format!("{flag_text} {name}=***"),
                        name,
                        value,
                        source,
                    });
                }
                "container-label" => {
                    let raw = text();
                    let (key, value) = raw.split_once('=').unwrap_or((&raw, ""));
                    spec.labels.push((key.to_owned(), value.to_owned()));
                }
                _ => {}
            }
        }
        if let (Some(restart), Some(n)) = (spec.restart.as_mut(), attempts)
            && restart.value == "on-failure"
        {
            restart.value = format!("on-failure:{n}");
        }
        Ok(spec)
    }

    /// The command line with the plan's edits inserted just before the image.
    pub fn apply(&self, edits: &[Edit]) -> Vec<OsString> {
        let mut words = self.argv[..self.image_at].to_vec();
        words.extend(edits.iter().flat_map(render).map(OsString::from));
        words.extend(self.argv[self.image_at..].iter().cloned());
        words
    }

    /// The command line with the values of the `-e` variables named in `secrets` masked.
    pub fn masked(&self, secrets: &[String]) -> ServiceCreate {
        let mut masked = self.clone();
        mask_variables(&mut masked.argv, &self.options, "env", secrets);
        masked
    }
}

/// Masks, in `argv`, the values of the `NAME=VALUE` words of `flag` (`env`, `env-add`) whose
/// name is one of `secrets`, as `NAME=***`.
pub fn mask_variables(
    argv: &mut [OsString],
    options: &[Occurrence],
    flag: &str,
    secrets: &[String],
) {
    for occurrence in options.iter().filter(|o| o.flag.long == flag) {
        let Some(text) = occurrence.text().and_then(OsStr::to_str) else {
            continue;
        };
        let Some((name, _)) = text.split_once('=') else {
            continue;
        };
        if !secrets.iter().any(|s| s == name) {
            continue;
        }
        let last = occurrence.tokens.end - 1;
        let word = argv[last].to_string_lossy().into_owned();
        let prefix = &word[..word.len() - text.len()];
        argv[last] = format!("{prefix}{name}=***").into();
    }
}

/// A value with the words it came from.
fn at<T>(origin: &str, value: T) -> Sourced<T> {
    Sourced::new(value, origin.to_owned())
}

/// One edit as `service create` flags; nothing for what a service cannot express (taken out of
/// the plan by `swarm::limits` before).
pub fn render(edit: &Edit) -> Vec<String> {
    let pair = |flag: &str, value: String| vec![flag.to_owned(), value];
    match edit {
        Edit::ReadOnlyRootfs => vec!["--read-only".into()],
        Edit::Init => vec!["--init".into()],
        Edit::Tmpfs { target, options } => {
            let mut mount = format!("type=tmpfs,dst={target}");
            for option in options.split(',').map(str::trim) {
                if let Some(size) = option.strip_prefix("size=").and_then(parse_bytes) {
                    mount.push_str(&format!(",tmpfs-size={size}"));
                } else if let Some(mode) = option.strip_prefix("mode=") {
                    mount.push_str(&format!(",tmpfs-mode={mode}"));
                }
            }
            pair("--mount", mount)
        }
        Edit::CapDrop(cap) => pair("--cap-drop", cap.clone()),
        Edit::CapAdd(cap) => pair("--cap-add", cap.clone()),
        Edit::User(user) => pair("--user", user.clone()),
        Edit::Memory(size) => pair("--limit-memory", size.clone()),
        Edit::Cpus(cpus) => pair("--limit-cpu", cpus.clone()),
        Edit::PidsLimit(limit) => pair("--limit-pids", limit.to_string()),
        Edit::HealthCmd(command) => pair("--health-cmd", command.clone()),
        Edit::HealthInterval(d) => pair("--health-interval", d.clone()),
        Edit::HealthTimeout(d) => pair("--health-timeout", d.clone()),
        Edit::HealthRetries(n) => pair("--health-retries", n.to_string()),
        Edit::HealthStartPeriod(d) => pair("--health-start-period", d.clone()),
        Edit::LogDriver(driver) => pair("--log-driver", driver.clone()),
        Edit::LogOpt { key, value } => pair("--log-opt", format!("{key}={value}")),
        Edit::Restart(policy) => match policy.split_once(':') {
            Some(("on-failure", n)) => {
                let mut words = pair("--restart-condition", "on-failure".into());
                words.extend(pair("--restart-max-attempts", n.to_owned()));
                words
            }
            _ => pair(
                "--restart-condition",
                match policy.as_str() {
                    "always" | "unless-stopped" => "any",
                    "no" => "none",
                    other => other,
                }
                .to_owned(),
            ),
        },
        Edit::Label { key, value } => pair("--container-label", format!("{key}={value}")),
        Edit::NoNewPrivileges | Edit::MemorySwap(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    fn create(line: &str) -> ServiceCreate {
        let argv = words(line);
        match parse(&argv, service_word(&argv).unwrap()).unwrap() {
            ServiceCommand::Create(create) => create,
            other => panic!("not a create: {other:?}"),
        }
    }

    #[test]
    fn the_table_is_sorted_and_its_letters_unique() {
        for pair in SERVICE_CREATE_FLAGS.windows(2) {
            assert!(pair[0].long < pair[1].long, "{}", pair[1].long);
        }
        let mut letters: Vec<char> = SERVICE_CREATE_FLAGS
            .iter()
            .filter_map(|f| f.short)
            .collect();
        let count = letters.len();
        letters.sort_unstable();
        letters.dedup();
        assert_eq!(letters.len(), count);
    }

    #[test]
    fn options_stop_at_the_image_and_edits_go_just_before_it() {
        let c =
            create("-H unix:///x service create --name web -u 0 -e A=1 app:1 sh -c --read-only");
        assert_eq!(c.image(), "app:1");
        let spec = c.to_spec(Path::new("/"), &|_| None).unwrap();
        assert_eq!(spec.user.map(|u| u.value).as_deref(), Some("0"));
        assert_eq!(spec.read_only, None, "after the image it is the command's");
        assert_eq!(
            c.apply(&[Edit::User("1000:1000".into()), Edit::PidsLimit(100)]),
            words(
                "-H unix:///x service create --name web -u 0 -e A=1 --user 1000:1000 --limit-pids 100 app:1 sh -c --read-only"
            )
        );
    }

    #[test]
    fn each_control_is_read_as_the_task_gets_it() {
        let c = create(
            "service create --read-only --cap-drop ALL --limit-memory 64m --limit-pids 50 --network host --restart-condition on-failure --restart-max-attempts 3 --container-label a=b -p 8080:80 --mount type=bind,src=/var/run/docker.sock,dst=/s app:1",
        );
        let spec = c.to_spec(Path::new("/"), &|_| None).unwrap();
        assert_eq!(spec.read_only.map(|r| r.value), Some(true));
        assert_eq!(spec.cap_drop[0].value, "ALL");
        assert_eq!(spec.memory.map(|m| m.value), Some(64 << 20));
        assert_eq!(spec.pids_limit.map(|p| p.value), Some(50));
        assert_eq!(spec.network.map(|n| n.value).as_deref(), Some("host"));
        assert_eq!(
            spec.restart.map(|r| r.value).as_deref(),
            Some("on-failure:3")
        );
        assert_eq!(spec.labels, [("a".to_owned(), "b".to_owned())]);
        assert_eq!(spec.ports[0].value.host_ip, None);
        assert_eq!(spec.mounts[0].value.target, "/s");
    }

    #[test]
    fn edits_render_as_service_flags() {
        let rendered: Vec<String> = [
            Edit::Tmpfs {
                target: "/tmp".into(),
                options: "rw,noexec,size=100m,mode=1777".into(),
            },
            Edit::Memory("512m".into()),
            Edit::Restart("unless-stopped".into()),
            Edit::Restart("on-failure:2".into()),
            Edit::Label {
                key: "io.hardrun.profile".into(),
                value: "production".into(),
            },
            Edit::NoNewPrivileges,
        ]
        .iter()
        .flat_map(render)
        .collect();
        assert_eq!(
            rendered.join(" "),
            "--mount type=tmpfs,dst=/tmp,tmpfs-size=104857600,tmpfs-mode=1777 --limit-memory 512m --restart-condition any --restart-condition on-failure --restart-max-attempts 2 --container-label io.hardrun.profile=production"
        );
    }

    #[test]
    fn what_is_not_a_create_passes_through_and_doubt_is_refused() {
        for line in [
            "service ls",
            "service update --help web",
            "service update --read-only",
            "service update --read-only a b",
            "service create --help",
            "service create --name x",
        ] {
            let argv = words(line);
            assert_eq!(
                parse(&argv, 0).unwrap(),
                ServiceCommand::PassThrough,
                "{line}"
            );
        }
        let refused = |line: &str| parse(&words(line), 0).unwrap_err();
        assert!(matches!(
            refused("service create --privileged app"),
            ServiceError::Lex(_)
        ));
        assert!(matches!(
            refused("service create --env-file x.env app"),
            ServiceError::EnvFile(_)
        ));
        assert!(matches!(
            refused("service create --limit-memory lots app"),
            ServiceError::InvalidValue { .. }
        ));
    }

    #[test]
    fn secret_values_are_masked() {
        let c = create("service create -e TOKEN=abc -e PLAIN=1 app:1");
        let masked = c.masked(&["TOKEN".into()]).apply(&[]);
        assert_eq!(
            masked,
            words("service create -e TOKEN=*** -e PLAIN=1 app:1")
        );
    }
}

//! A `docker run`/`create` command line that knows where every user argument is.
//!
//! `Invocation` keeps the user's argv as it was typed and the position of each option, of a `--`
//! and of the image. It converts the options into a `ContainerSpec` with docker's own precedence
//! (last occurrence wins for scalars, lists accumulate), and applies a plan by inserting
//! canonical flags after the user's options, just before the image, so that hardrun's scalars
//! win and nothing the user typed moves or goes: hardrun never deletes a word the user typed.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use thiserror::Error;

use crate::docker::command::CommandKind;
use crate::docker::flags::{RUN_FLAGS, ValueKind};
use crate::docker::lexer::{LexError, Occurrence, lex};
use crate::docker::mounts::{parse_mount, parse_port, parse_tmpfs, parse_volume, split_csv};
use crate::docker::values::{
    normalize_capability, parse_bytes, parse_cpus, parse_duration, parse_int, parse_swap,
};
use crate::spec::{ContainerSpec, Edit, EnvSource, EnvVar, MountKind, Sourced};

/// Why a `run`/`create` command line cannot be read with certainty.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvocationError {
    #[error("{0}")]
    Lex(#[from] LexError),
    #[error("unknown flag: --{flag} (accepted by 'docker run' only, not by 'docker create')")]
    RunOnly { flag: String },
    #[error("invalid value {value:?} for --{flag}: {expected}")]
    InvalidValue {
        flag: String,
        value: String,
        expected: &'static str,
    },
    #[error("the value of --{flag} is not valid UTF-8")]
    NotUtf8 { flag: String },
}

/// A parsed `run`/`create` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    argv: Vec<OsString>,
    kind: CommandKind,
    globals: Vec<Occurrence>,
    options: Vec<Occurrence>,
    terminator: Option<usize>,
    image: usize,
}

impl Invocation {
    /// Reads the `run`/`create` options of `argv` starting at `options_start`. Returns `None`
    /// when docker should answer itself: `--help`, or no image.
    pub fn parse(
        argv: Vec<OsString>,
        globals: Vec<Occurrence>,
        kind: CommandKind,
        options_start: usize,
    ) -> Result<Option<Invocation>, InvocationError> {
        let lexed = lex(&argv, options_start, RUN_FLAGS)?;
        if kind == CommandKind::Create
            && let Some(occurrence) = lexed.occurrences.iter().find(|o| o.flag.run_only)
        {
            return Err(InvocationError::RunOnly {
                flag: occurrence.flag.long.to_owned(),
            });
        }
        let asks_help = lexed.occurrences.iter().any(Occurrence::is_help);
        if asks_help || lexed.positional >= argv.len() {
            return Ok(None);
        }
        for occurrence in &lexed.occurrences {
            check_value(occurrence)?;
        }
        Ok(Some(Invocation {
            image: lexed.positional,
            terminator: lexed.terminator,
            options: lexed.occurrences,
            globals,
            kind,
            argv,
        }))
    }

    /// The command line exactly as given.
    pub fn argv(&self) -> &[OsString] {
        &self.argv
    }

    pub fn kind(&self) -> CommandKind {
        self.kind
    }

    /// Whether the last `--disable-content-trust` turns content trust off for this run.
    pub fn disables_content_trust(&self) -> bool {
        self.options
            .iter()
            .rev()
            .find(|o| o.flag.long == "disable-content-trust")
            .is_some_and(|o| o.enabled())
    }

    /// The image word.
    pub fn image(&self) -> &OsStr {
        &self.argv[self.image]
    }

    /// Where the image word is in `argv`.
    pub fn image_index(&self) -> usize {
        self.image
    }

    /// Where the rest of the command line begins: the `--` that ends the options, else the image.
    pub fn rest_index(&self) -> usize {
        self.insertion_point()
    }

    /// The global options before the command word.
    pub fn globals(&self) -> &[Occurrence] {
        &self.globals
    }

    /// The `run`/`create` options, in order.
    pub fn options(&self) -> &[Occurrence] {
        &self.options
    }

    /// Where hardrun's flags go: before a `--` that ends the options, else before the image.
    fn insertion_point(&self) -> usize {
        self.terminator.unwrap_or(self.image)
    }

    /// The `--env-file` paths, in order, as given (relative to the working directory). docker
    /// reads them before the `-e` options, which override them; see `docker::env_file`.
    pub fn env_files(&self) -> Vec<&OsStr> {
        self.options
            .iter()
            .filter(|o| o.flag.canonical == "env-file")
            .filter_map(Occurrence::text)
            .collect()
    }

    /// The `--label-file` paths, in order (read at the edge, like env files).
    pub fn label_files(&self) -> Vec<&OsStr> {
        self.options
            .iter()
            .filter(|o| o.flag.canonical == "label-file")
            .filter_map(Occurrence::text)
            .collect()
    }

    /// The syntax-free view. Relative bind sources resolve against `cwd`, as docker does.
    /// `-e NAME` has no value here and `--env-file` is not read: the caller completes the
    /// environment with `docker::env_file::resolve_env`.
    pub fn to_spec(&self, cwd: &Path) -> Result<ContainerSpec, InvocationError> {
        let mut spec = ContainerSpec {
            image: text(self.image(), "image")?.to_owned(),
            ..ContainerSpec::default()
        };
        for occurrence in &self.options {
            self.read_option(&mut spec, occurrence, cwd)?;
        }
        Ok(spec)
    }

    fn read_option(
        &self,
        spec: &mut ContainerSpec,
        occurrence: &Occurrence,
        cwd: &Path,
    ) -> Result<(), InvocationError> {
        let flag = occurrence.flag.canonical;
        let origin = || self.origin(occurrence);
        let bool_value = || Some(Sourced::new(occurrence.enabled(), origin()));
        let value = || -> Result<&str, InvocationError> {
            text(occurrence.text().unwrap_or_default(), flag)
        };
        let invalid = |expected: &'static str| -> Result<(), InvocationError> {
            Err(InvocationError::InvalidValue {
                flag: flag.to_owned(),
                value: occurrence
                    .text()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                expected,
            })
        };
        let number = |parsed: Option<i64>| parsed.map(|n| Sourced::new(n, origin()));
        match flag {
            "user" => spec.user = Some(Sourced::new(value()?.to_owned(), origin())),
            "read-only" => spec.read_only = bool_value(),
            "privileged" => spec.privileged = bool_value(),
            "use-api-socket" => spec.use_api_socket = bool_value(),
            "init" => spec.init = bool_value(),
            "publish-all" => spec.publish_all = bool_value(),
            "no-healthcheck" => spec.health.disabled = bool_value(),
            "rm" => spec.auto_remove = occurrence.enabled(),
            "cap-add" => spec
                .cap_add
                .push(Sourced::new(normalize_capability(value()?), origin())),
            "cap-drop" => spec
                .cap_drop
                .push(Sourced::new(normalize_capability(value()?), origin())),
            "security-opt" => spec
                .security_opts
                .push(Sourced::new(value()?.to_owned(), origin())),
            // The first --network is the network mode; later ones attach more networks.
            "network" if spec.network.is_none() => {
                spec.network = Some(Sourced::new(network_name(value()?), origin()));
            }
            "pid" => spec.pid = Some(Sourced::new(value()?.to_owned(), origin())),
            "ipc" => spec.ipc = Some(Sourced::new(value()?.to_owned(), origin())),
            "uts" => spec.uts = Some(Sourced::new(value()?.to_owned(), origin())),
            "userns" => spec.userns = Some(Sourced::new(value()?.to_owned(), origin())),
            "cgroupns" => spec.cgroupns = Some(Sourced::new(value()?.to_owned(), origin())),
            "volume" => match parse_volume(value()?, cwd) {
                Some(mount) => spec.mounts.push(Sourced::new(mount, origin())),
                None => return invalid("expected [SOURCE:]TARGET[:OPTIONS]"),
            },
            "mount" => match parse_mount(value()?, cwd) {
                Some(mount) => spec.mounts.push(Sourced::new(mount, origin())),
                None => return invalid("expected type=…,source=…,target=…"),
            },
            "tmpfs" => {
                let mount = parse_tmpfs(value()?);
                // The same destination twice: the last one wins.
                spec.mounts.retain(|m| {
                    !(m.value.kind == MountKind::Tmpfs && m.value.target == mount.target)
                });
                spec.mounts.push(Sourced::new(mount, origin()));
            }
            "volumes-from" => spec
                .volumes_from
                .push(Sourced::new(value()?.to_owned(), origin())),
            "device" => spec
                .devices
                .push(Sourced::new(value()?.to_owned(), origin())),
            "memory" => spec.memory = number(parse_bytes(value()?)),
            "memory-swap" => spec.memory_swap = number(parse_swap(value()?)),
            "memory-reservation" => spec.memory_reservation = number(parse_bytes(value()?)),
            "cpus" => spec.nano_cpus = number(parse_cpus(value()?)),
            "cpu-quota" => spec.cpu_quota = number(parse_int(value()?)),
            "cpu-period" => spec.cpu_period = number(parse_int(value()?)),
            "pids-limit" => spec.pids_limit = number(parse_int(value()?)),
            "health-cmd" => spec.health.command = Some(Sourced::new(value()?.to_owned(), origin())),
            "health-interval" => spec.health.interval = parse_duration(value()?),
            "health-timeout" => spec.health.timeout = parse_duration(value()?),
            "health-start-period" => spec.health.start_period = parse_duration(value()?),
            "health-retries" => spec.health.retries = parse_int(value()?),
            "log-driver" => spec.log_driver = Some(Sourced::new(value()?.to_owned(), origin())),
            "log-opt" => {
                let (key, option) = value()?.split_once('=').unwrap_or((value()?, ""));
                spec.log_opts
                    .push(Sourced::new((key.to_owned(), option.to_owned()), origin()));
            }
            "restart" => spec.restart = Some(Sourced::new(value()?.to_owned(), origin())),
            "publish" => match parse_port(value()?) {
                Some(port) => spec.ports.push(Sourced::new(port, origin())),
                None => return invalid("expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"),
            },
            "env" => {
                let raw = value()?;
                let (name, value) = match raw.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_owned())),
                    None => (raw, None),
                };
                let flag_text = self.flag_text(occurrence);
                let (origin, source) = match value {
                    Some(_) => (format!("{flag_text} {name}=***"), EnvSource::CommandLine),
                    // docker takes the value from its environment: `resolve_env` fills it in.
                    None => (format!("{flag_text} {name}"), EnvSource::HostEnvironment),
                };
                spec.env.push(EnvVar {
                    name: name.to_owned(),
                    value,
                    origin,
                    source,
                });
            }
            // Files are read at the edge (`env_files`, `docker::env_file::resolve_env`).
            "env-file" => {}
            "label" => {
                let raw = value()?;
                let (key, label) = raw.split_once('=').unwrap_or((raw, ""));
                spec.labels.push((key.to_owned(), label.to_owned()));
            }
            _ => {}
        }
        Ok(())
    }

    /// The user's words for one option, shell-quoted: `--privileged`, `-v /a:/b`.
    fn origin(&self, occurrence: &Occurrence) -> String {
        quote_words(&self.argv[occurrence.tokens.clone()])
    }

    /// How the user spelled the flag of an occurrence (`-e` or `--env`), without its value.
    fn flag_text(&self, occurrence: &Occurrence) -> String {
        let word = self.argv[occurrence.tokens.start].to_string_lossy();
        if word.starts_with("--") {
            format!("--{}", occurrence.flag.long)
        } else {
            occurrence.flag.short.map_or_else(
                || format!("--{}", occurrence.flag.long),
                |c| format!("-{c}"),
            )
        }
    }

    /// A copy for display, in which the values of the named environment variables read
    /// `NAME=***`, however the user spelt the flag (`-e`, `--env=`, `-eNAME=…`, `-iteNAME=…`).
    /// pflag always takes a value from the end of its last word, so that suffix is replaced.
    pub fn masked(&self, names: &[String]) -> Invocation {
        let mut copy = self.clone();
        for occurrence in self.options.iter().filter(|o| o.flag.long == "env") {
            let Some(value) = occurrence.text() else {
                continue;
            };
            let value = value.as_bytes();
            let name_end = value.iter().position(|b| *b == b'=');
            let Some(name_end) = name_end else { continue };
            let name = String::from_utf8_lossy(&value[..name_end]);
            if !names.iter().any(|n| *n == name) {
                continue;
            }
            let last = occurrence.tokens.end - 1;
            let word = copy.argv[last].as_bytes();
            let mut shown = word[..word.len() - value.len()].to_vec();
            shown.extend_from_slice(&value[..=name_end]);
            shown.extend_from_slice(b"***");
            copy.argv[last] = OsString::from_vec(shown);
        }
        copy
    }

    /// The command line with the plan's edits: flags inserted before the image (or the `--`).
    /// Every word the user typed stays, in order.
    pub fn apply(&self, edits: &[Edit]) -> Vec<OsString> {
        let at = self.insertion_point();
        let mut out = Vec::with_capacity(self.argv.len() + edits.len() * 2);
        for (index, word) in self.argv.iter().enumerate() {
            if index == at {
                out.extend(edits.iter().flat_map(render).map(OsString::from));
            }
            out.push(word.clone());
        }
        out
    }
}

/// The docker flags for one edit. Values go in their own word, never through a shell.
pub fn render(edit: &Edit) -> Vec<String> {
    let pair = |flag: &str, value: String| vec![flag.to_owned(), value];
    match edit {
        Edit::ReadOnlyRootfs => vec!["--read-only".into()],
        Edit::Init => vec!["--init".into()],
        Edit::Tmpfs { target, options } if options.is_empty() => pair("--tmpfs", target.clone()),
        Edit::Tmpfs { target, options } => pair("--tmpfs", format!("{target}:{options}")),
        Edit::CapDrop(cap) => pair("--cap-drop", cap.clone()),
        Edit::CapAdd(cap) => pair("--cap-add", cap.clone()),
        Edit::NoNewPrivileges => pair("--security-opt", "no-new-privileges=true".into()),
        Edit::User(user) => pair("--user", user.clone()),
        Edit::Memory(size) => pair("--memory", size.clone()),
        Edit::MemorySwap(size) => pair("--memory-swap", size.clone()),
        Edit::Cpus(cpus) => pair("--cpus", cpus.clone()),
        Edit::PidsLimit(limit) => pair("--pids-limit", limit.to_string()),
        Edit::HealthCmd(command) => pair("--health-cmd", command.clone()),
        Edit::HealthInterval(d) => pair("--health-interval", d.clone()),
        Edit::HealthTimeout(d) => pair("--health-timeout", d.clone()),
        Edit::HealthRetries(n) => pair("--health-retries", n.to_string()),
        Edit::HealthStartPeriod(d) => pair("--health-start-period", d.clone()),
        Edit::LogDriver(driver) => pair("--log-driver", driver.clone()),
        Edit::LogOpt { key, value } => pair("--log-opt", format!("{key}={value}")),
        Edit::Restart(policy) => pair("--restart", policy.clone()),
        Edit::Label { key, value } => pair("--label", format!("{key}={value}")),
    }
}

/// Checks the values hardrun reads with a type, as docker's pflag would at parse time.
fn check_value(occurrence: &Occurrence) -> Result<(), InvocationError> {
    let Some(raw) = occurrence.text() else {
        return Ok(());
    };
    let flag = occurrence.flag.long;
    let valid = |expected: &'static str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(InvocationError::InvalidValue {
                flag: flag.to_owned(),
                value: raw.to_string_lossy().into_owned(),
                expected,
            })
        }
    };
    let Some(value) = raw.to_str() else {
        return match occurrence.flag.kind {
            ValueKind::Text => Ok(()),
            _ => Err(InvocationError::NotUtf8 {
                flag: flag.to_owned(),
            }),
        };
    };
    match occurrence.flag.kind {
        ValueKind::Bool | ValueKind::Text => Ok(()),
        ValueKind::Int => valid("expected an integer", parse_int(value).is_some()),
        ValueKind::Uint => valid(
            "expected an unsigned integer",
            crate::docker::values::parse_uint(value).is_some(),
        ),
        ValueKind::Bytes => valid("expected a size such as 512m", parse_bytes(value).is_some()),
        ValueKind::SwapBytes => valid(
            "expected a size such as 1g, or -1",
            parse_swap(value).is_some(),
        ),
        ValueKind::Duration => valid(
            "expected a duration with a unit, such as 30s",
            parse_duration(value).is_some(),
        ),
        ValueKind::Decimal => valid(
            "expected a number of CPUs such as 1.5",
            parse_cpus(value).is_some(),
        ),
    }
}

fn text<'a>(value: &'a OsStr, flag: &str) -> Result<&'a str, InvocationError> {
    value.to_str().ok_or_else(|| InvocationError::NotUtf8 {
        flag: flag.to_owned(),
    })
}

/// `--network` is a name, or CSV with `name=` (`opts.NetworkOpt.Set`): a value with `word=word`
/// anywhere is CSV, each key and value is trimmed and lower-cased, and the last `name=` wins.
fn network_name(value: &str) -> String {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let long_syntax = value
        .as_bytes()
        .windows(3)
        .any(|w| word(w[0]) && w[1] == b'=' && word(w[2]));
    if !long_syntax {
        return value.to_owned();
    }
    split_csv(value)
        .and_then(|fields| {
            fields
                .iter()
                .filter_map(|field| field.split_once('='))
                .rfind(|(key, _)| key.trim().to_lowercase() == "name")
                .map(|(_, name)| name.trim().to_lowercase())
        })
        .unwrap_or_else(|| value.to_owned())
}

/// Shell-quotes words for display, copy-pasteable into a POSIX shell.
pub fn quote_words(words: &[OsString]) -> String {
    words
        .iter()
        .map(|word| quote(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Shell-quotes one word for a POSIX shell: bare when it is made of safe characters, else in
/// single quotes. A non-UTF-8 word is shown lossily.
pub fn quote(word: &OsStr) -> String {
    let text = word.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
#[path = "invocation_tests.rs"]
mod tests;

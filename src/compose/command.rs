//! `docker [globals] compose [root options] SUBCOMMAND [options] [args]`, read as compose reads it.
//!
//! docker's global options were read by `docker::command`; this module starts after the word
//! `compose`. The root options are compose's own (`-f`, `-p`, `--profile`, `--env-file`, …) and
//! have their own letters: `-p` is the project name here and `--publish` after `run`, `-v` the
//! version here and `--volume` after `run`. They are read with the pflag clone
//! (`docker::lexer`), interspersed off, as compose declares them.
//!
//! One trap: compose's root command has cobra's `TraverseChildren`, so the *subcommand* is not
//! found by pflag but by cobra's `Traverse`, a heuristic that treats any `--word` or two-letter
//! `-x` as a flag even where pflag reads it as a value, and a `--` as a flag that takes the next
//! word. `docker compose -- x up` runs `up` (verified with compose v2.40.3), where a pflag
//! reading sees the subcommand `x`. Both readings are made here; when they disagree the command
//! line is refused rather than guessed, since one of them would let a container start unhardened.
//! When `Traverse` finds no subcommand word at all, compose runs none (it prints its help or an
//! error), and the command passes through.
//!
//! `up`, `create`, `run`, `scale` and `watch` (and `alpha watch`, `alpha scale` of older 2.x)
//! create containers and are hardened; every other subcommand, a missing one, and any `--help`
//! pass through. The options of `run` are read exactly (an unknown one is refused, as compose
//! refuses it); those of `up`, `create`, `scale` and `watch` are read with their v2.40 tables when
//! that succeeds, and best effort otherwise (compose validates them itself), only to learn the
//! services named, `--help` and `--dry-run`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use thiserror::Error;

use crate::compose::flags::{
    ALPHA_FLAGS, COMPOSE_ROOT_FLAGS, COMPOSE_RUN_FLAGS, CREATE_FLAGS, SCALE_FLAGS, UP_FLAGS,
    WATCH_FLAGS,
};
use crate::docker::flags::{FlagDef, ValueKind, by_long, by_short};
use crate::docker::invocation::quote_words;
use crate::docker::lexer::{LexError, Lexed, Occurrence, lex};
use crate::docker::values::{normalize_capability, parse_bool, parse_int};
use crate::spec::{EnvVar, Sourced};

/// Where options stand, for messages.
const ROOT: &str = "before the compose subcommand";
const RUN: &str = "of 'compose run'";
const ALPHA: &str = "of 'compose alpha'";

/// A compose subcommand that creates containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subcommand {
    Up,
    Create,
    Run,
    Scale,
    Watch,
}

impl Subcommand {
    /// The subcommand as compose names it.
    pub fn name(self) -> &'static str {
        match self {
            Subcommand::Up => "up",
            Subcommand::Create => "create",
            Subcommand::Run => "run",
            Subcommand::Scale => "scale",
            Subcommand::Watch => "watch",
        }
    }

    fn from_word(word: &str) -> Option<Subcommand> {
        match word {
            "up" => Some(Subcommand::Up),
            "create" => Some(Subcommand::Create),
            "run" => Some(Subcommand::Run),
            "scale" => Some(Subcommand::Scale),
            "watch" => Some(Subcommand::Watch),
            _ => None,
        }
    }

    /// The subcommand's option table, when hardrun knows it.
    fn table(self) -> &'static [FlagDef] {
        match self {
            Subcommand::Up => UP_FLAGS,
            Subcommand::Create => CREATE_FLAGS,
            Subcommand::Run => COMPOSE_RUN_FLAGS,
            Subcommand::Scale => SCALE_FLAGS,
            Subcommand::Watch => WATCH_FLAGS,
        }
    }
}

/// What hardrun does with a compose command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeAction {
    /// The subcommand creates containers: resolve the model, harden it, hand it back.
    Harden(Subcommand),
    /// Nothing is created (another subcommand, none, or `--help`): hand the argv to docker as is.
    PassThrough,
}

/// Why a compose command line cannot be read with certainty. Each is refused (exit 125).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComposeError {
    #[error("unknown option {flag} {place} (docker compose rejects it too)")]
    UnknownFlag { flag: String, place: &'static str },
    #[error("option {flag} {place} needs a value")]
    MissingValue { flag: String, place: &'static str },
    #[error("cannot read the options {place}: {error}")]
    BadOption {
        error: LexError,
        place: &'static str,
    },
    #[error("invalid value {value:?} for {flag} {place}: {expected}")]
    InvalidValue {
        flag: String,
        value: String,
        place: &'static str,
        expected: &'static str,
    },
    #[error(
        "cannot tell which compose subcommand runs: docker compose takes {word:?} as the subcommand, but the options {place} read otherwise; write them without '--' and without values that look like options"
    )]
    AmbiguousSubcommand { word: String, place: &'static str },
    #[error("'compose run' needs a SERVICE")]
    MissingService,
    #[error(
        "-f/--file is bundled with other options in {word:?}: write it as a word of its own, so hardrun can hand compose the hardened model in place of the files"
    )]
    BundledFile { word: String },
    #[error("{what} is not valid UTF-8")]
    NotUtf8 { what: String },
}

/// `docker compose run`'s options, read exactly, with the user's words for each value
/// (shell-quoted, as `docker::invocation::quote_words` writes them) so rules can name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeRun {
    /// The SERVICE word.
    pub service: String,
    /// Its index in the docker argv.
    pub service_at: usize,
    /// The words after SERVICE: the command, never options of `run` (`run web --cap-add X`).
    pub command: Vec<OsString>,
    /// The index of a `--` that ended the options, if one did.
    pub terminator: Option<usize>,
    /// Every option, in order, with argv indices.
    pub options: Vec<Occurrence>,
    /// `--cap-add`, normalized as the engine compares them (`sys_admin` → `SYS_ADMIN`).
    pub cap_add: Vec<Sourced<String>>,
    /// `--cap-drop`, normalized.
    pub cap_drop: Vec<Sourced<String>>,
    /// The last `-u/--user`.
    pub user: Option<Sourced<String>>,
    /// `-v/--volume` (and `--volumes`), raw, appended by compose to the service's volumes.
    pub volumes: Vec<Sourced<String>>,
    /// The last `--entrypoint`, raw: compose splits it with shell rules.
    pub entrypoint: Option<Sourced<String>>,
    /// `-e/--env`; origins read `-e NAME=***`, never the value.
    pub env: Vec<EnvVar>,
    /// `-p/--publish`, raw: they replace the service's ports.
    pub publish: Vec<Sourced<String>>,
    /// `-P/--service-ports`: the service's own ports are published (compose drops them otherwise).
    pub service_ports: bool,
    pub rm: bool,
    pub detach: bool,
}

/// A `docker compose` command line: the user's argv with the position of every root option,
/// the subcommand, and for `run` its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeCommand {
    argv: Vec<OsString>,
    compose_at: usize,
    root: Vec<Occurrence>,
    subcommand_at: Option<usize>,
    subcommand: Option<String>,
    options_at: Option<usize>,
    kind: Option<Subcommand>,
    help: bool,
    dry_run: bool,
    run: Option<ComposeRun>,
    services: Vec<String>,
}

/// Reads a compose command line. `argv` is docker's argv without the program name and
/// `argv[compose_at]` the word `compose` (docker's global options before it are not read here).
pub fn parse(argv: &[OsString], compose_at: usize) -> Result<ComposeCommand, ComposeError> {
    let root = read_stage(argv, compose_at + 1, COMPOSE_ROOT_FLAGS, ROOT)?;
    check_numbers(argv, &root.occurrences, ROOT)?;
    let mut flags: Vec<Occurrence> = root.occurrences.clone();
    let mut command = ComposeCommand {
        argv: argv.to_vec(),
        compose_at,
        root: root.occurrences,
        subcommand_at: root.command,
        subcommand: None,
        options_at: None,
        kind: None,
        help: false,
        dry_run: false,
        run: None,
        services: Vec::new(),
    };
    if let Some(at) = root.command {
        let (name, kind, options_at) = match argv[at].to_str() {
            Some("alpha") => {
                let alpha = read_stage(argv, at + 1, ALPHA_FLAGS, ALPHA)?;
                flags.extend(alpha.occurrences);
                match alpha.command {
                    Some(next) => {
                        let word = argv[next].to_str();
                        let kind = match word {
                            Some("watch") => Some(Subcommand::Watch),
                            Some("scale") => Some(Subcommand::Scale),
                            _ => None,
                        };
                        (format!("alpha {}", lossy(&argv[next])), kind, next + 1)
                    }
                    None => ("alpha".to_owned(), None, argv.len()),
                }
            }
            Some(word) => (word.to_owned(), Subcommand::from_word(word), at + 1),
            None => (lossy(&argv[at]), None, at + 1),
        };
        command.subcommand = Some(name);
        command.kind = kind;
        command.options_at = Some(options_at);
        // Whether every word after the subcommand was read with its table.
        let mut exact = true;
        let mut run_options = None;
        match kind {
            Some(Subcommand::Run) => {
                let lexed = lex(argv, options_at, COMPOSE_RUN_FLAGS)
                    .map_err(|error| lex_error(error, RUN))?;
                flags.extend(lexed.occurrences.iter().cloned());
                run_options = Some(lexed);
            }
            Some(kind) => match lex_interspersed(argv, options_at, kind.table()) {
                Ok((occurrences, positionals)) => {
                    flags.extend(occurrences);
                    command.services = positionals
                        .iter()
                        .map(|i| service_name(kind, &argv[*i]))
                        .collect();
                }
                Err(_) => {
                    exact = false;
                    command.services = guess_services(kind, &argv[options_at..]);
                }
            },
            None => exact = false,
        }
        command.help = last_bool(&flags, "help");
        command.dry_run = if exact {
            last_bool(&flags, "dry-run")
        } else {
            guess_dry_run(
                last_value(&flags, "dry-run"),
                argv.get(options_at..).unwrap_or_default(),
            )
        };
        if let Some(lexed) = run_options
            && !command.help
        {
            let run = read_run(argv, lexed)?;
            command.services = vec![run.service.clone()];
            command.run = Some(run);
        }
    } else {
        command.help = last_bool(&flags, "help");
        command.dry_run = last_bool(&flags, "dry-run");
    }
    Ok(command)
}

/// Where compose's root options end in `argv` (`argv[compose_at]` is `compose`): the index of
/// the first word cobra would try as a subcommand, `None` when only root options follow.
pub fn root_end(argv: &[OsString], compose_at: usize) -> Result<Option<usize>, ComposeError> {
    Ok(read_stage(argv, compose_at + 1, COMPOSE_ROOT_FLAGS, ROOT)?.command)
}

impl ComposeCommand {
    /// The docker argv this was read from (without the program name).
    pub fn argv(&self) -> &[OsString] {
        &self.argv
    }

    /// The index of the word `compose`.
    pub fn compose_at(&self) -> usize {
        self.compose_at
    }

    /// docker's global options, before `compose`.
    pub fn docker_words(&self) -> &[OsString] {
        &self.argv[..self.compose_at]
    }

    /// Harden the subcommand, or hand the command to docker as is.
    pub fn action(&self) -> ComposeAction {
        match self.kind {
            Some(kind) if !self.help => ComposeAction::Harden(kind),
            _ => ComposeAction::PassThrough,
        }
    }

    /// The root options, in order; their `tokens` index `argv()`.
    pub fn root(&self) -> &[Occurrence] {
        &self.root
    }

    /// The words between `compose` and the subcommand (all the rest when there is none).
    pub fn root_words(&self) -> &[OsString] {
        &self.argv[self.root_range()]
    }

    fn root_range(&self) -> std::ops::Range<usize> {
        self.compose_at + 1..self.subcommand_at.unwrap_or(self.argv.len())
    }

    /// The root words without any `-f/--file` and its value, in order, for handing compose the
    /// hardened model in place of the files. A `-f` bundled with other letters (`-vf x.yml`)
    /// cannot be taken out alone: refused.
    pub fn without_files(&self) -> Result<Vec<OsString>, ComposeError> {
        let mut dropped = vec![false; self.argv.len()];
        for occurrence in self.root.iter().filter(|o| o.flag.canonical == "file") {
            if occurrence.bundled {
                return Err(ComposeError::BundledFile {
                    word: lossy(&self.argv[occurrence.tokens.start]),
                });
            }
            for index in occurrence.tokens.clone() {
                dropped[index] = true;
            }
        }
        Ok(self
            .root_range()
            .filter(|index| !dropped[*index])
            .map(|index| self.argv[index].clone())
            .collect())
    }

    /// The index of the subcommand word (`alpha` for `alpha watch`), if there is one.
    pub fn subcommand_at(&self) -> Option<usize> {
        self.subcommand_at
    }

    /// The subcommand as typed (`up`, `alpha watch`; lossy when not UTF-8), if there is one.
    pub fn subcommand(&self) -> Option<&str> {
        self.subcommand.as_deref()
    }

    /// The index of the first word after the subcommand: where its options begin.
    pub fn options_at(&self) -> Option<usize> {
        self.options_at
    }

    /// The subcommand, its options and arguments: `argv()[subcommand_at..]`, empty when none.
    pub fn subcommand_words(&self) -> &[OsString] {
        match self.subcommand_at {
            Some(at) => &self.argv[at..],
            None => &[],
        }
    }

    /// Every `-f/--file`, in order.
    pub fn files(&self) -> Vec<OsString> {
        self.root_values("file")
    }

    /// The last `-p/--project-name`.
    pub fn project_name(&self) -> Option<OsString> {
        self.root_values("project-name").pop()
    }

    /// The last `--project-directory` (or its deprecated spelling `--workdir`).
    pub fn project_directory(&self) -> Option<OsString> {
        self.root_values("project-directory").pop()
    }

    /// Every `--profile`, in order.
    pub fn profiles(&self) -> Vec<OsString> {
        self.root_values("profile")
    }

    /// Every `--env-file`, in order.
    pub fn env_files(&self) -> Vec<OsString> {
        self.root_values("env-file")
    }

    /// The values of one root option (by canonical name), in order.
    pub fn root_values(&self, canonical: &str) -> Vec<OsString> {
        self.root
            .iter()
            .filter(|o| o.flag.canonical == canonical)
            .filter_map(Occurrence::text)
            .map(OsStr::to_os_string)
            .collect()
    }

    /// Whether `--dry-run` is on: it is persistent, so it counts before and after the
    /// subcommand (the last one wins). Exact for the root, `run` and the known tables; for a
    /// subcommand whose options could not be read, any `--dry-run` word before a `--` counts,
    /// so this can only over-report there. Do not skip hardening on it.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Whether `-h/--help` is on (at the root or for the subcommand): compose prints help and
    /// runs nothing.
    pub fn help(&self) -> bool {
        self.help
    }

    /// `compose run`'s options, when the action is `Harden(Run)`.
    pub fn run(&self) -> Option<&ComposeRun> {
        self.run.as_ref()
    }

    /// The services the subcommand names (`up web db`, `scale web=2` → `web`, `run web` → `web`),
    /// to limit what is reported; the whole model is hardened anyway. Empty means all. Best
    /// effort when the subcommand's options could not be read: then values of unknown options
    /// may appear here too.
    pub fn services(&self) -> &[String] {
        &self.services
    }
}

/// One stage of options (the root, or `alpha`): the options and the subcommand word cobra finds.
struct Stage {
    occurrences: Vec<Occurrence>,
    command: Option<usize>,
}

/// Reads a stage with pflag and checks that cobra's `Traverse` takes the same word as the
/// subcommand (see the module documentation).
fn read_stage(
    argv: &[OsString],
    start: usize,
    table: &'static [FlagDef],
    place: &'static str,
) -> Result<Stage, ComposeError> {
    let lexed = lex(argv, start, table).map_err(|error| lex_error(error, place))?;
    let command = match traverse(argv, start, table) {
        None => None,
        Some(at) if lexed.terminator.is_none() && at == lexed.positional => Some(at),
        Some(at) => {
            return Err(ComposeError::AmbiguousSubcommand {
                word: lossy(&argv[at]),
                place,
            });
        }
    };
    Ok(Stage {
        occurrences: lexed.occurrences,
        command,
    })
}

/// cobra's `Command.Traverse` loop: the index of the first word it tries as a subcommand.
/// `--name` without `=` takes the next word unless `name` is a known boolean (an unknown name,
/// and `--` itself, take it); a two-letter `-x` takes it unless `x` is a known boolean; any other
/// word starting with `-` is a flag on its own.
fn traverse(argv: &[OsString], start: usize, table: &[FlagDef]) -> Option<usize> {
    let is_bool = |flag: Option<&FlagDef>| flag.is_some_and(|f| !f.takes_value());
    let mut in_flag = false;
    for (index, word) in argv.iter().enumerate().skip(start) {
        let word = word.as_bytes();
        let has_equals = word.contains(&b'=');
        if word.starts_with(b"--") && !has_equals {
            let name = std::str::from_utf8(&word[2..]).ok();
            in_flag = !is_bool(name.and_then(|n| by_long(table, n)));
            continue;
        }
        if word.len() == 2 && word[0] == b'-' && !has_equals {
            let letter = word[1].is_ascii().then(|| char::from(word[1]));
            if !is_bool(letter.and_then(|l| by_short(table, l))) {
                in_flag = true;
                continue;
            }
        }
        if in_flag {
            in_flag = false;
            continue;
        }
        let is_flag = (word.len() >= 3 && word.starts_with(b"--"))
            || (word.len() >= 2 && word[0] == b'-' && word[1] != b'-');
        if !is_flag {
            return Some(index);
        }
    }
    None
}

/// pflag with interspersed parsing on (compose's `up`, `create`, `scale`, `watch`): options and
/// positional words mix until a `--`. Returns the options and the positional indices.
fn lex_interspersed(
    argv: &[OsString],
    start: usize,
    table: &'static [FlagDef],
) -> Result<(Vec<Occurrence>, Vec<usize>), LexError> {
    let mut occurrences = Vec::new();
    let mut positionals = Vec::new();
    let mut index = start;
    while index < argv.len() {
        let Lexed {
            occurrences: found,
            terminator,
            positional,
        } = lex(argv, index, table)?;
        occurrences.extend(found);
        if terminator.is_some() {
            positionals.extend(positional..argv.len());
            break;
        }
        if positional < argv.len() {
            positionals.push(positional);
        }
        index = positional + 1;
    }
    Ok((occurrences, positionals))
}

/// Checks the integer options (`--parallel`) as pflag does (`strconv.ParseInt`, base 0).
fn check_numbers(
    argv: &[OsString],
    occurrences: &[Occurrence],
    place: &'static str,
) -> Result<(), ComposeError> {
    for occurrence in occurrences.iter().filter(|o| o.flag.kind == ValueKind::Int) {
        let value = occurrence.text().unwrap_or_default();
        if value.to_str().and_then(parse_int).is_none() {
            let word = argv[occurrence.tokens.start].as_bytes();
            let flag = if word.starts_with(b"--") {
                format!("--{}", occurrence.flag.long)
            } else {
                occurrence.flag.short.map_or_else(
                    || format!("--{}", occurrence.flag.long),
                    |c| format!("-{c}"),
                )
            };
            return Err(ComposeError::InvalidValue {
                flag,
                value: value.to_string_lossy().into_owned(),
                place,
                expected: "expected an integer",
            });
        }
    }
    Ok(())
}

/// The options of `compose run` into their typed view.
fn read_run(argv: &[OsString], lexed: Lexed) -> Result<ComposeRun, ComposeError> {
    let service_at = lexed.positional;
    let Some(word) = argv.get(service_at) else {
        return Err(ComposeError::MissingService);
    };
    let service = word
        .to_str()
        .ok_or_else(|| ComposeError::NotUtf8 {
            what: format!("the SERVICE {RUN}"),
        })?
        .to_owned();
    let mut run = ComposeRun {
        service,
        service_at,
        command: argv[service_at + 1..].to_vec(),
        terminator: lexed.terminator,
        options: Vec::new(),
        cap_add: Vec::new(),
        cap_drop: Vec::new(),
        user: None,
        volumes: Vec::new(),
        entrypoint: None,
        env: Vec::new(),
        publish: Vec::new(),
        service_ports: false,
        rm: false,
        detach: false,
    };
    for occurrence in &lexed.occurrences {
        let origin = || quote_words(&argv[occurrence.tokens.clone()]);
        let text = || -> Result<&str, ComposeError> {
            occurrence
                .text()
                .unwrap_or_default()
                .to_str()
                .ok_or_else(|| ComposeError::NotUtf8 {
                    what: format!("the value of --{} {RUN}", occurrence.flag.long),
                })
        };
        let sourced = || -> Result<Sourced<String>, ComposeError> {
            Ok(Sourced::new(text()?.to_owned(), origin()))
        };
        match occurrence.flag.canonical {
            "cap-add" => run
                .cap_add
                .push(Sourced::new(normalize_capability(text()?), origin())),
            "cap-drop" => run
                .cap_drop
                .push(Sourced::new(normalize_capability(text()?), origin())),
            "user" => run.user = Some(sourced()?),
            "volume" => run.volumes.push(sourced()?),
            "entrypoint" => run.entrypoint = Some(sourced()?),
            "publish" => run.publish.push(sourced()?),
            "env" => run.env.push(env_var(argv, occurrence, text()?)),
            "service-ports" => run.service_ports = occurrence.enabled(),
            "rm" => run.rm = occurrence.enabled(),
            "detach" => run.detach = occurrence.enabled(),
            _ => {}
        }
    }
    run.options = lexed.occurrences;
    Ok(run)
}

/// `-e NAME=value` as an `EnvVar` whose origin names the variable, never its value.
fn env_var(argv: &[OsString], occurrence: &Occurrence, raw: &str) -> EnvVar {
    let spelled = if argv[occurrence.tokens.start].as_bytes().starts_with(b"--") {
        "--env"
    } else {
        "-e"
    };
    match raw.split_once('=') {
        Some((name, value)) => EnvVar {
            name: name.to_owned(),
            value: Some(value.to_owned()),
            origin: format!("{spelled} {name}=***"),
            source: crate::spec::EnvSource::CommandLine,
        },
        None => EnvVar {
            name: raw.to_owned(),
            value: None,
            origin: format!("{spelled} {raw}"),
            source: crate::spec::EnvSource::HostEnvironment,
        },
    }
}

/// A service named by a positional word: `scale` takes `SERVICE=REPLICAS`.
fn service_name(kind: Subcommand, word: &OsStr) -> String {
    let word = word.to_string_lossy();
    match (kind, word.split_once('=')) {
        (Subcommand::Scale, Some((name, _))) => name.to_owned(),
        _ => word.into_owned(),
    }
}

/// Services when the options could not be read: the words not starting with `-`, and every
/// word after a `--`.
fn guess_services(kind: Subcommand, words: &[OsString]) -> Vec<String> {
    let mut services = Vec::new();
    let mut options = true;
    for word in words {
        let bytes = word.as_bytes();
        if options && bytes == b"--" {
            options = false;
        } else if !options || !bytes.starts_with(b"-") {
            services.push(service_name(kind, word));
        }
    }
    services
}

/// `--dry-run` for options that were not read exactly: the last `--dry-run[=bool]` word before a
/// `--` wins over what the stages before said.
fn guess_dry_run(before: Option<bool>, words: &[OsString]) -> bool {
    let mut value = before.unwrap_or(false);
    for word in words {
        let bytes = word.as_bytes();
        if bytes == b"--" {
            break;
        }
        if bytes == b"--dry-run" {
            value = true;
        } else if let Some(text) = bytes.strip_prefix(b"--dry-run=")
            && let Some(parsed) = std::str::from_utf8(text).ok().and_then(parse_bool)
        {
            value = parsed;
        }
    }
    value
}

/// The last value of a boolean option among occurrences (pflag: the last one wins).
fn last_value(occurrences: &[Occurrence], canonical: &str) -> Option<bool> {
    occurrences
        .iter()
        .rev()
        .find(|o| o.flag.canonical == canonical)
        .map(Occurrence::enabled)
}

fn last_bool(occurrences: &[Occurrence], canonical: &str) -> bool {
    last_value(occurrences, canonical).unwrap_or(false)
}

fn lex_error(error: LexError, place: &'static str) -> ComposeError {
    match error {
        LexError::UnknownFlag { name } => ComposeError::UnknownFlag {
            flag: format!("--{name}"),
            place,
        },
        LexError::UnknownShorthand { letter, word } => ComposeError::UnknownFlag {
            flag: format!("-{letter} (in {word})"),
            place,
        },
        LexError::MissingValue { flag } => ComposeError::MissingValue { flag, place },
        error => ComposeError::BadOption { error, place },
    }
}

fn lossy(word: &OsStr) -> String {
    word.to_string_lossy().into_owned()
}
#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;

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

use crate::docker::flags::{FlagDef, ValueKind, by_long, by_short, flag};
use crate::docker::invocation::quote_words;
use crate::docker::lexer::{LexError, Lexed, Occurrence, lex};
use crate::docker::values::{normalize_capability, parse_bool, parse_int};
use crate::spec::{EnvVar, Sourced};

/// A flag that stores into another one (`--workdir` is `--project-directory` at the root).
const fn alias(long: &'static str, canonical: &'static str, kind: ValueKind) -> FlagDef {
    FlagDef {
        long,
        short: None,
        kind,
        canonical,
        run_only: false,
    }
}

use ValueKind::{Bool, Int, Text};

/// compose v2's root options (`cmd/compose/compose.go`: `addProjectFlags`, `RootCommand`),
/// hidden ones included, plus the `-h/--help` every docker plugin command inherits. Sorted by
/// long name. `--workdir` is the deprecated spelling of `--project-directory`;
/// `--insecure-registry` is v5's (v2.40 rejects it, so accepting it refuses nothing compose runs).
pub const COMPOSE_ROOT_FLAGS: &[FlagDef] = &[
    flag("all-resources", None, Bool),
    flag("ansi", None, Text),
    flag("compatibility", None, Bool),
    flag("dry-run", None, Bool),
    flag("env-file", None, Text),
    flag("file", Some('f'), Text),
    flag("help", Some('h'), Bool),
    flag("insecure-registry", None, Text),
    flag("no-ansi", None, Bool),
    flag("parallel", None, Int),
    flag("profile", None, Text),
    flag("progress", None, Text),
    flag("project-directory", None, Text),
    flag("project-name", Some('p'), Text),
    flag("verbose", None, Bool),
    flag("version", Some('v'), Bool),
    alias("workdir", "project-directory", Text),
];

/// `docker compose run`'s options (`cmd/compose/run.go`, v2.40/v5), with the hidden `-t/--tty`,
/// the names its normalize function maps (`--volumes`, `--labels`), and the inherited
/// `--dry-run` and `-h/--help`. Sorted by long name (bytewise: `no-TTY` before `no-deps`).
pub const COMPOSE_RUN_FLAGS: &[FlagDef] = &[
    flag("build", None, Bool),
    flag("cap-add", None, Text),
    flag("cap-drop", None, Text),
    flag("detach", Some('d'), Bool),
    flag("dry-run", None, Bool),
    flag("entrypoint", None, Text),
    flag("env", Some('e'), Text),
    flag("env-from-file", None, Text),
    flag("help", Some('h'), Bool),
    flag("interactive", Some('i'), Bool),
    flag("label", Some('l'), Text),
    alias("labels", "label", Text),
    flag("name", None, Text),
    flag("no-TTY", Some('T'), Bool),
    flag("no-deps", None, Bool),
    flag("publish", Some('p'), Text),
    flag("pull", None, Text),
    flag("quiet", Some('q'), Bool),
    flag("quiet-build", None, Bool),
    flag("quiet-pull", None, Bool),
    flag("remove-orphans", None, Bool),
    flag("rm", None, Bool),
    flag("service-ports", Some('P'), Bool),
    flag("tty", Some('t'), Bool),
    flag("use-aliases", None, Bool),
    flag("user", Some('u'), Text),
    flag("volume", Some('v'), Text),
    alias("volumes", "volume", Text),
    flag("workdir", Some('w'), Text),
];

/// The options `compose alpha` takes before its own subcommand.
const ALPHA_FLAGS: &[FlagDef] = &[flag("dry-run", None, Bool), flag("help", Some('h'), Bool)];

/// `compose up` (v2.40.3), with the hidden, deprecated `--y`.
const UP_FLAGS: &[FlagDef] = &[
    flag("abort-on-container-exit", None, Bool),
    flag("abort-on-container-failure", None, Bool),
    flag("always-recreate-deps", None, Bool),
    flag("attach", None, Text),
    flag("attach-dependencies", None, Bool),
    flag("build", None, Bool),
    flag("detach", Some('d'), Bool),
    flag("dry-run", None, Bool),
    flag("exit-code-from", None, Text),
    flag("force-recreate", None, Bool),
    flag("help", Some('h'), Bool),
    flag("menu", None, Bool),
    flag("no-attach", None, Text),
    flag("no-build", None, Bool),
    flag("no-color", None, Bool),
    flag("no-deps", None, Bool),
    flag("no-log-prefix", None, Bool),
    flag("no-recreate", None, Bool),
    flag("no-start", None, Bool),
    flag("pull", None, Text),
    flag("quiet-build", None, Bool),
    flag("quiet-pull", None, Bool),
    flag("remove-orphans", None, Bool),
    flag("renew-anon-volumes", Some('V'), Bool),
    flag("scale", None, Text),
    flag("timeout", Some('t'), Int),
    flag("timestamps", None, Bool),
    flag("wait", None, Bool),
    flag("wait-timeout", None, Int),
    flag("watch", Some('w'), Bool),
    alias("y", "yes", Bool),
    flag("yes", Some('y'), Bool),
];

/// `compose create` (v2.40.3), with the hidden, deprecated `--y`.
const CREATE_FLAGS: &[FlagDef] = &[
    flag("build", None, Bool),
    flag("dry-run", None, Bool),
    flag("force-recreate", None, Bool),
    flag("help", Some('h'), Bool),
    flag("no-build", None, Bool),
    flag("no-recreate", None, Bool),
    flag("pull", None, Text),
    flag("quiet-pull", None, Bool),
    flag("remove-orphans", None, Bool),
    flag("scale", None, Text),
    alias("y", "yes", Bool),
    flag("yes", Some('y'), Bool),
];

/// `compose scale` (v2.40.3).
const SCALE_FLAGS: &[FlagDef] = &[
    flag("dry-run", None, Bool),
    flag("help", Some('h'), Bool),
    flag("no-deps", None, Bool),
];

/// `compose watch` (v2.40.3).
const WATCH_FLAGS: &[FlagDef] = &[
    flag("dry-run", None, Bool),
    flag("help", Some('h'), Bool),
    flag("no-up", None, Bool),
    flag("prune", None, Bool),
    flag("quiet", None, Bool),
];

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
    for occurrence in occurrences.iter().filter(|o| o.flag.kind == Int) {
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
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn words(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    /// `docker compose …`, with `compose` at index 0.
    fn try_compose(items: &[&str]) -> Result<ComposeCommand, ComposeError> {
        let mut argv = words(&["compose"]);
        argv.extend(words(items));
        parse(&argv, 0)
    }

    fn compose(items: &[&str]) -> ComposeCommand {
        try_compose(items).unwrap_or_else(|e| panic!("{items:?}: {e}"))
    }

    fn action(items: &[&str]) -> ComposeAction {
        compose(items).action()
    }

    fn run_of(items: &[&str]) -> ComposeRun {
        compose(items).run().cloned().expect("a compose run")
    }

    fn origins(values: &[Sourced<String>]) -> Vec<&str> {
        values.iter().map(|s| s.origin.as_str()).collect()
    }

    fn values(values: &[Sourced<String>]) -> Vec<&str> {
        values.iter().map(|s| s.value.as_str()).collect()
    }

    // ---- tables ----

    #[test]
    fn tables_are_sorted_and_unique() {
        for table in [
            COMPOSE_ROOT_FLAGS,
            COMPOSE_RUN_FLAGS,
            ALPHA_FLAGS,
            UP_FLAGS,
            CREATE_FLAGS,
            SCALE_FLAGS,
            WATCH_FLAGS,
        ] {
            for pair in table.windows(2) {
                assert!(
                    pair[0].long < pair[1].long,
                    "{} before {}",
                    pair[0].long,
                    pair[1].long
                );
            }
            let mut shorts: Vec<char> = table.iter().filter_map(|f| f.short).collect();
            let before = shorts.len();
            shorts.sort_unstable();
            shorts.dedup();
            assert_eq!(before, shorts.len(), "a shorthand letter is used twice");
            for flag in table {
                assert!(
                    by_long(table, flag.canonical).is_some(),
                    "{} stores into a flag of the table",
                    flag.long
                );
            }
        }
    }

    #[test]
    fn letters_differ_between_the_root_and_run() {
        assert_eq!(
            by_short(COMPOSE_ROOT_FLAGS, 'p').unwrap().long,
            "project-name"
        );
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'p').unwrap().long, "publish");
        assert_eq!(by_short(COMPOSE_ROOT_FLAGS, 'v').unwrap().long, "version");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'v').unwrap().long, "volume");
        assert_eq!(by_short(COMPOSE_ROOT_FLAGS, 'f').unwrap().long, "file");
        assert!(by_short(COMPOSE_RUN_FLAGS, 'f').is_none());
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'T').unwrap().long, "no-TTY");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 't').unwrap().long, "tty");
        assert_eq!(
            by_short(COMPOSE_RUN_FLAGS, 'P').unwrap().long,
            "service-ports"
        );
        assert_eq!(by_short(COMPOSE_ROOT_FLAGS, 'h').unwrap().long, "help");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'h').unwrap().long, "help");
        assert_eq!(by_short(COMPOSE_RUN_FLAGS, 'w').unwrap().long, "workdir");
    }

    #[test]
    fn value_kinds_of_the_root_options() {
        let kind = |name: &str| by_long(COMPOSE_ROOT_FLAGS, name).unwrap().kind;
        for name in [
            "all-resources",
            "compatibility",
            "dry-run",
            "help",
            "no-ansi",
            "verbose",
            "version",
        ] {
            assert_eq!(kind(name), Bool, "{name}");
        }
        assert_eq!(kind("parallel"), Int);
        for name in [
            "ansi",
            "env-file",
            "file",
            "insecure-registry",
            "profile",
            "progress",
            "project-directory",
            "project-name",
            "workdir",
        ] {
            assert_eq!(kind(name), Text, "{name}");
        }
        assert_eq!(COMPOSE_ROOT_FLAGS.len(), 17);
    }

    #[test]
    fn hidden_spellings_share_the_storage_of_their_flag() {
        assert_eq!(
            by_long(COMPOSE_ROOT_FLAGS, "workdir").unwrap().canonical,
            "project-directory"
        );
        assert_eq!(
            by_long(COMPOSE_RUN_FLAGS, "volumes").unwrap().canonical,
            "volume"
        );
        assert_eq!(
            by_long(COMPOSE_RUN_FLAGS, "labels").unwrap().canonical,
            "label"
        );
        assert_eq!(by_long(UP_FLAGS, "y").unwrap().canonical, "yes");
        // The run table's long name is spelled as compose spells it.
        assert!(by_long(COMPOSE_RUN_FLAGS, "no-TTY").is_some());
        assert!(by_long(COMPOSE_RUN_FLAGS, "no-tty").is_none());
    }

    // ---- root options ----

    #[test]
    fn files_in_every_spelling_in_order() {
        let command = compose(&[
            "-f",
            "a.yml",
            "-f=b.yml",
            "--file",
            "c.yml",
            "-fd.yml",
            "--file=e.yml",
            "up",
        ]);
        assert_eq!(
            command.files(),
            words(&["a.yml", "b.yml", "c.yml", "d.yml", "e.yml"])
        );
        assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Up));
        assert_eq!(command.root().len(), 5);
    }

    #[test]
    fn a_stdin_file_is_a_file_like_any_other() {
        assert_eq!(compose(&["-f", "-", "up"]).files(), words(&["-"]));
    }

    #[test]
    fn project_name_spellings_and_the_last_one_wins() {
        assert_eq!(
            compose(&["-p", "name", "up"]).project_name(),
            Some("name".into())
        );
        assert_eq!(
            compose(&["--project-name=x", "up"]).project_name(),
            Some("x".into())
        );
        assert_eq!(
            compose(&["--project-name", "x", "-py", "up"]).project_name(),
            Some("y".into())
        );
        assert_eq!(compose(&["up"]).project_name(), None);
        // `-pf` is the project name "f", not a file.
        let command = compose(&["-pf", "up"]);
        assert_eq!(command.project_name(), Some("f".into()));
        assert!(command.files().is_empty());
    }

    #[test]
    fn profiles_and_env_files_keep_their_order() {
        let command = compose(&[
            "--profile",
            "web",
            "--env-file",
            ".env.prod",
            "--profile=db",
            "--env-file=.env.local",
            "up",
        ]);
        assert_eq!(command.profiles(), words(&["web", "db"]));
        assert_eq!(command.env_files(), words(&[".env.prod", ".env.local"]));
        assert_eq!(command.root_values("profile"), words(&["web", "db"]));
    }

    #[test]
    fn project_directory_and_its_deprecated_spelling() {
        assert_eq!(
            compose(&["--project-directory", "/a", "up"]).project_directory(),
            Some("/a".into())
        );
        assert_eq!(
            compose(&["--workdir", "/w", "up"]).project_directory(),
            Some("/w".into())
        );
        assert_eq!(
            compose(&["--project-directory=/a", "--workdir", "/b", "up"]).project_directory(),
            Some("/b".into())
        );
    }

    #[test]
    fn other_root_options_are_read_and_kept() {
        let command = compose(&[
            "--ansi",
            "never",
            "--progress=plain",
            "--parallel",
            "4",
            "--compatibility",
            "--all-resources",
            "--verbose",
            "--no-ansi",
            "-v",
            "--insecure-registry",
            "r.example",
            "up",
        ]);
        assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Up));
        let names: Vec<&str> = command.root().iter().map(|o| o.flag.long).collect();
        assert_eq!(
            names,
            [
                "ansi",
                "progress",
                "parallel",
                "compatibility",
                "all-resources",
                "verbose",
                "no-ansi",
                "version",
                "insecure-registry"
            ]
        );
        assert_eq!(command.root_words().len(), 12);
    }

    #[test]
    fn parallel_takes_a_base_0_integer() {
        for value in ["4", "-1", "0x10", "0o7", "1_000"] {
            assert!(try_compose(&["--parallel", value, "up"]).is_ok(), "{value}");
        }
        let error = try_compose(&["--parallel", "x", "up"]).unwrap_err();
        assert_eq!(
            error,
            ComposeError::InvalidValue {
                flag: "--parallel".into(),
                value: "x".into(),
                place: ROOT,
                expected: "expected an integer",
            }
        );
        assert_eq!(
            error.to_string(),
            "invalid value \"x\" for --parallel before the compose subcommand: expected an integer"
        );
        assert!(try_compose(&["--parallel=", "up"]).is_err());
    }

    #[test]
    fn dry_run_before_and_after_the_subcommand() {
        assert!(compose(&["--dry-run", "up"]).dry_run());
        assert!(compose(&["up", "--dry-run"]).dry_run());
        assert!(compose(&["up", "-d", "web", "--dry-run"]).dry_run());
        assert!(compose(&["run", "--dry-run", "web"]).dry_run());
        assert!(compose(&["--dry-run", "run", "web"]).dry_run());
        assert!(compose(&["create", "--dry-run"]).dry_run());
        assert!(compose(&["scale", "--dry-run", "web=2"]).dry_run());
        assert!(compose(&["watch", "--dry-run"]).dry_run());
        assert!(compose(&["alpha", "--dry-run", "watch"]).dry_run());
        assert!(!compose(&["up"]).dry_run());
        assert!(!compose(&["--dry-run=false", "up"]).dry_run());
        // The last one wins, root first.
        assert!(!compose(&["--dry-run", "up", "--dry-run=false"]).dry_run());
        assert!(compose(&["--dry-run=false", "up", "--dry-run"]).dry_run());
        assert!(!compose(&["--dry-run", "run", "--dry-run=0", "web"]).dry_run());
        // After SERVICE, or after `--`, it belongs to the container or names a service.
        assert!(!compose(&["run", "web", "--dry-run"]).dry_run());
        assert!(!compose(&["up", "--", "--dry-run"]).dry_run());
        // With no subcommand, and for subcommands that pass through (best effort).
        assert!(compose(&["--dry-run"]).dry_run());
        assert!(compose(&["down", "--dry-run"]).dry_run());
        assert!(!compose(&["down", "--", "--dry-run"]).dry_run());
        // Options hardrun cannot read: any `--dry-run` word counts.
        assert!(compose(&["up", "--some-new-flag", "--dry-run"]).dry_run());
        assert!(!compose(&["--dry-run", "up", "--new", "--dry-run=false"]).dry_run());
    }

    // ---- subcommands ----

    #[test]
    fn subcommands_that_create_containers_are_hardened() {
        assert_eq!(action(&["up"]), ComposeAction::Harden(Subcommand::Up));
        assert_eq!(action(&["up", "-d"]), ComposeAction::Harden(Subcommand::Up));
        assert_eq!(
            action(&["create"]),
            ComposeAction::Harden(Subcommand::Create)
        );
        assert_eq!(
            action(&["run", "web"]),
            ComposeAction::Harden(Subcommand::Run)
        );
        assert_eq!(
            action(&["scale", "web=3"]),
            ComposeAction::Harden(Subcommand::Scale)
        );
        assert_eq!(action(&["watch"]), ComposeAction::Harden(Subcommand::Watch));
        for kind in [
            Subcommand::Up,
            Subcommand::Create,
            Subcommand::Run,
            Subcommand::Scale,
            Subcommand::Watch,
        ] {
            assert_eq!(Subcommand::from_word(kind.name()), Some(kind));
        }
    }

    #[test]
    fn every_other_subcommand_passes_through() {
        for items in [
            &[][..],
            &["ps"],
            &["down", "-v"],
            &["exec", "web", "sh"],
            &["logs", "-f"],
            &["start"],
            &["restart", "web"],
            &["stop"],
            &["config", "--format", "json"],
            &["version"],
            &["ls"],
            &["build"],
            &["pull"],
            &["kill"],
            &["rm", "-f"],
            &["help", "up"],
            &["attach", "web"],
            &["upp"],
            &["UP"],
            &["-"],
            &["-f", "x.yml"],
            &["--help"],
            &["-h"],
            &["-v"],
        ] {
            assert_eq!(action(items), ComposeAction::PassThrough, "{items:?}");
        }
        assert_eq!(compose(&["ps"]).subcommand(), Some("ps"));
        assert_eq!(compose(&[]).subcommand(), None);
        assert_eq!(compose(&["-f", "x.yml"]).subcommand_at(), None);
    }

    #[test]
    fn a_value_option_may_hold_a_subcommand_word() {
        let command = compose(&["-p", "up", "ps"]);
        assert_eq!(command.action(), ComposeAction::PassThrough);
        assert_eq!(command.subcommand(), Some("ps"));
        assert_eq!(command.project_name(), Some("up".into()));
        let command = compose(&["-f", "run", "create"]);
        assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Create));
        assert_eq!(command.files(), words(&["run"]));
        // A boolean never takes the next word.
        assert_eq!(
            action(&["--compatibility", "up"]),
            ComposeAction::Harden(Subcommand::Up)
        );
        assert_eq!(
            action(&["--compatibility", "false", "up"]),
            ComposeAction::PassThrough
        );
    }

    #[test]
    fn alpha_watch_and_alpha_scale() {
        let command = compose(&["-p", "x", "alpha", "watch", "web"]);
        assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Watch));
        assert_eq!(command.subcommand(), Some("alpha watch"));
        assert_eq!(command.subcommand_at(), Some(3));
        assert_eq!(command.options_at(), Some(5));
        assert_eq!(command.root_words(), words(&["-p", "x"]));
        assert_eq!(
            command.subcommand_words(),
            words(&["alpha", "watch", "web"])
        );
        assert_eq!(command.services(), ["web"]);
        assert_eq!(
            action(&["alpha", "--dry-run", "watch"]),
            ComposeAction::Harden(Subcommand::Watch)
        );
        assert_eq!(
            action(&["alpha", "scale", "web=2"]),
            ComposeAction::Harden(Subcommand::Scale)
        );
        assert_eq!(action(&["alpha", "viz"]), ComposeAction::PassThrough);
        assert_eq!(action(&["alpha", "publish"]), ComposeAction::PassThrough);
        assert_eq!(action(&["alpha"]), ComposeAction::PassThrough);
        assert_eq!(compose(&["alpha"]).subcommand(), Some("alpha"));
        assert_eq!(
            action(&["alpha", "--help", "watch"]),
            ComposeAction::PassThrough
        );
        assert_eq!(
            action(&["alpha", "watch", "-h"]),
            ComposeAction::PassThrough
        );
        assert!(matches!(
            try_compose(&["alpha", "--bogus", "watch"]),
            Err(ComposeError::UnknownFlag { place: ALPHA, .. })
        ));
    }

    #[test]
    fn help_anywhere_compose_reads_it_passes_through() {
        for items in [
            &["--help", "up"][..],
            &["-h", "up"],
            &["--help=true", "up"],
            &["up", "--help"],
            &["up", "web", "--help"],
            &["up", "-dh"],
            &["create", "-h"],
            &["scale", "--help"],
            &["watch", "--help"],
            &["run", "--help"],
            &["run", "-h", "web"],
            &["run", "-dh", "web"],
            &["-h", "run", "web"],
        ] {
            assert_eq!(action(items), ComposeAction::PassThrough, "{items:?}");
            assert!(compose(items).help(), "{items:?}");
        }
        // `--help=false` is not help; the last one wins.
        assert_eq!(
            action(&["--help=false", "up"]),
            ComposeAction::Harden(Subcommand::Up)
        );
        assert_eq!(
            action(&["up", "--help", "--help=false"]),
            ComposeAction::Harden(Subcommand::Up)
        );
        // After SERVICE, `--help` is the container's.
        assert_eq!(
            action(&["run", "web", "--help"]),
            ComposeAction::Harden(Subcommand::Run)
        );
        // Where the options cannot be read, help is never guessed: hardened.
        assert_eq!(
            action(&["up", "--new-flag", "--help"]),
            ComposeAction::Harden(Subcommand::Up)
        );
        assert!(compose(&["run", "--help"]).run().is_none());
    }

    #[test]
    fn words_around_the_subcommand() {
        let argv = words(&["--context", "x", "compose", "-p", "n", "up", "-d", "web"]);
        let command = parse(&argv, 2).unwrap();
        assert_eq!(command.compose_at(), 2);
        assert_eq!(command.docker_words(), words(&["--context", "x"]));
        assert_eq!(command.root_words(), words(&["-p", "n"]));
        assert_eq!(command.subcommand_at(), Some(5));
        assert_eq!(command.options_at(), Some(6));
        assert_eq!(command.subcommand_words(), words(&["up", "-d", "web"]));
        assert_eq!(command.argv(), argv.as_slice());
        assert_eq!(command.root()[0].tokens, 3..5);
        let command = compose(&["-f", "a.yml"]);
        assert_eq!(command.root_words(), words(&["-f", "a.yml"]));
        assert!(command.subcommand_words().is_empty());
        assert_eq!(command.options_at(), None);
    }

    // ---- without_files ----

    #[test]
    fn without_files_keeps_the_rest_in_order() {
        let command = compose(&[
            "--profile",
            "a",
            "-f",
            "x.yml",
            "-p",
            "n",
            "--file=y.yml",
            "-fz.yml",
            "--env-file",
            "e",
            "--file",
            "w.yml",
            "--dry-run",
            "up",
            "-d",
        ]);
        assert_eq!(
            command.without_files().unwrap(),
            words(&["--profile", "a", "-p", "n", "--env-file", "e", "--dry-run"])
        );
        assert_eq!(
            compose(&["-p", "n", "up"]).without_files().unwrap(),
            words(&["-p", "n"])
        );
        assert!(compose(&["up"]).without_files().unwrap().is_empty());
        // A file named like an option is still a value, taken out with its flag.
        assert_eq!(
            compose(&["-f", "--profile", "--profile", "p", "up"])
                .without_files()
                .unwrap(),
            words(&["--profile", "p"])
        );
    }

    #[test]
    fn a_bundled_file_cannot_be_taken_out() {
        let error = compose(&["-vfx.yml", "up"]).without_files().unwrap_err();
        assert_eq!(
            error,
            ComposeError::BundledFile {
                word: "-vfx.yml".into()
            }
        );
        assert!(error.to_string().starts_with("-f/--file is bundled"));
        assert!(compose(&["-hfx.yml", "up"]).without_files().is_err());
        // With its value in the next word, cobra takes that word as the subcommand: compose
        // fails (verified), and hardrun refuses before.
        assert!(matches!(
            try_compose(&["-vf", "x.yml", "up"]),
            Err(ComposeError::AmbiguousSubcommand { .. })
        ));
        // A bundle without -f stays.
        assert_eq!(
            compose(&["-vpx", "-f", "a", "ps"]).without_files().unwrap(),
            words(&["-vpx"])
        );
    }

    // ---- compose run ----

    #[test]
    fn run_options_are_read_with_their_origins() {
        let run = run_of(&[
            "run",
            "--rm",
            "-u",
            "0",
            "--cap-add",
            "SYS_ADMIN",
            "-v",
            "/var/run/docker.sock:/s",
            "--entrypoint",
            "sh -c",
            "web",
            "id",
        ]);
        assert_eq!(run.service, "web");
        assert_eq!(run.service_at, 11);
        assert_eq!(run.command, words(&["id"]));
        assert!(run.rm);
        assert!(!run.detach);
        let user = run.user.as_ref().unwrap();
        assert_eq!((user.value.as_str(), user.origin.as_str()), ("0", "-u 0"));
        assert_eq!(values(&run.cap_add), ["SYS_ADMIN"]);
        assert_eq!(origins(&run.cap_add), ["--cap-add SYS_ADMIN"]);
        assert_eq!(values(&run.volumes), ["/var/run/docker.sock:/s"]);
        assert_eq!(origins(&run.volumes), ["-v /var/run/docker.sock:/s"]);
        let entrypoint = run.entrypoint.as_ref().unwrap();
        assert_eq!(entrypoint.value, "sh -c");
        assert_eq!(entrypoint.origin, "--entrypoint 'sh -c'");
        assert_eq!(run.options.len(), 5);
        assert_eq!(run.terminator, None);
        let command = compose(&["run", "--rm", "web"]);
        assert_eq!(command.services(), ["web"]);
        assert_eq!(command.action(), ComposeAction::Harden(Subcommand::Run));
    }

    #[test]
    fn run_without_a_tty() {
        let run = run_of(&["run", "-T", "web"]);
        assert_eq!(run.service, "web");
        assert_eq!(run.options[0].flag.long, "no-TTY");
        let run = run_of(&["run", "--no-TTY", "-T=false", "-it", "web", "sh"]);
        assert_eq!(run.command, words(&["sh"]));
        let names: Vec<&str> = run.options.iter().map(|o| o.flag.long).collect();
        assert_eq!(names, ["no-TTY", "no-TTY", "interactive", "tty"]);
    }

    #[test]
    fn after_service_every_word_belongs_to_the_command() {
        let run = run_of(&["run", "web", "--cap-add", "X", "-u", "0"]);
        assert!(run.cap_add.is_empty());
        assert!(run.user.is_none());
        assert_eq!(run.command, words(&["--cap-add", "X", "-u", "0"]));
    }

    #[test]
    fn run_values_in_every_spelling() {
        let run = run_of(&[
            "run",
            "--cap-add=cap_net_admin",
            "--cap-drop",
            "ALL",
            "-dP",
            "-p=8080:80",
            "--publish",
            "127.0.0.1:9000:9000",
            "-dv/a:/b",
            "--volumes",
            "/c:/d",
            "--volume=/e:/f",
            "--user=1000:1000",
            "-u2000",
            "--labels",
            "a=b",
            "-l",
            "c=d",
            "--entrypoint=",
            "web",
        ]);
        assert_eq!(values(&run.cap_add), ["NET_ADMIN"]);
        assert_eq!(origins(&run.cap_add), ["--cap-add=cap_net_admin"]);
        assert_eq!(values(&run.cap_drop), ["ALL"]);
        assert!(run.detach);
        assert!(run.service_ports);
        assert_eq!(values(&run.publish), ["8080:80", "127.0.0.1:9000:9000"]);
        assert_eq!(values(&run.volumes), ["/a:/b", "/c:/d", "/e:/f"]);
        assert_eq!(
            origins(&run.volumes),
            ["-dv/a:/b", "--volumes /c:/d", "--volume=/e:/f"]
        );
        assert_eq!(run.user.as_ref().unwrap().value, "2000");
        assert_eq!(run.entrypoint.as_ref().unwrap().value, "");
        assert_eq!(run.entrypoint.as_ref().unwrap().origin, "--entrypoint=");
        assert!(!run.rm);
        assert!(!run_of(&["run", "--rm", "--rm=false", "web"]).rm);
    }

    #[test]
    fn run_env_origins_never_show_values() {
        let run = run_of(&[
            "run",
            "-e",
            "A=secret",
            "--env",
            "B",
            "-eC=hidden",
            "--env=D=x",
            "web",
        ]);
        let origins: Vec<&str> = run.env.iter().map(|e| e.origin.as_str()).collect();
        assert_eq!(origins, ["-e A=***", "--env B", "-e C=***", "--env D=***"]);
        assert_eq!(run.env[0].value.as_deref(), Some("secret"));
        assert_eq!(run.env[1].value, None);
        let shown = format!("{:?}", run.env);
        assert!(!shown.contains("secret") && !shown.contains("hidden"));
    }

    #[test]
    fn run_options_end_at_a_double_dash() {
        let run = run_of(&["run", "--rm", "--", "web", "sh", "-c", "id"]);
        assert_eq!(run.service, "web");
        assert_eq!(run.terminator, Some(3));
        assert_eq!(run.command, words(&["sh", "-c", "id"]));
        // A value flag takes the next word, even one that looks like an option.
        let run = run_of(&["run", "--name", "--rm", "web"]);
        assert!(!run.rm);
        assert_eq!(run.service, "web");
    }

    #[test]
    fn run_without_service_is_an_error() {
        for items in [&["run"][..], &["run", "--rm"], &["run", "--rm", "--"]] {
            assert_eq!(
                try_compose(items).unwrap_err(),
                ComposeError::MissingService,
                "{items:?}"
            );
        }
        assert_eq!(
            ComposeError::MissingService.to_string(),
            "'compose run' needs a SERVICE"
        );
    }

    #[test]
    fn unknown_run_options_are_refused() {
        let error = try_compose(&["run", "--privileged", "web"]).unwrap_err();
        assert_eq!(
            error,
            ComposeError::UnknownFlag {
                flag: "--privileged".into(),
                place: RUN
            }
        );
        assert_eq!(
            error.to_string(),
            "unknown option --privileged of 'compose run' (docker compose rejects it too)"
        );
        assert!(matches!(
            try_compose(&["run", "--no-build", "web"]),
            Err(ComposeError::UnknownFlag { .. })
        ));
        assert!(matches!(
            try_compose(&["run", "-f", "x", "web"]),
            Err(ComposeError::UnknownFlag { .. })
        ));
        let error = try_compose(&["run", "-dx", "web"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown option -x (in -dx) of 'compose run' (docker compose rejects it too)"
        );
        let error = try_compose(&["run", "--user"]).unwrap_err();
        assert_eq!(
            error,
            ComposeError::MissingValue {
                flag: "--user".into(),
                place: RUN
            }
        );
        assert_eq!(
            error.to_string(),
            "option --user of 'compose run' needs a value"
        );
        assert!(matches!(
            try_compose(&["run", "--rm=maybe", "web"]),
            Err(ComposeError::BadOption { place: RUN, .. })
        ));
    }

    // ---- root errors ----

    #[test]
    fn root_errors_say_what_and_where() {
        let error = try_compose(&["--bogus", "up"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown option --bogus before the compose subcommand (docker compose rejects it too)"
        );
        // docker's global options are not compose's.
        for items in [
            &["--context", "x", "up"][..],
            &["-c", "x", "up"],
            &["-H", "x", "up"],
            &["--debug", "up"],
        ] {
            assert!(
                matches!(
                    try_compose(items),
                    Err(ComposeError::UnknownFlag { place: ROOT, .. })
                ),
                "{items:?}"
            );
        }
        let error = try_compose(&["-f"]).unwrap_err();
        assert_eq!(
            error,
            ComposeError::MissingValue {
                flag: "-f".into(),
                place: ROOT
            }
        );
        assert_eq!(
            error.to_string(),
            "option -f before the compose subcommand needs a value"
        );
        assert!(matches!(
            try_compose(&["--project-name"]),
            Err(ComposeError::MissingValue { .. })
        ));
        assert!(matches!(
            try_compose(&["--dry-run=maybe", "up"]),
            Err(ComposeError::BadOption {
                error: LexError::InvalidBool { .. },
                place: ROOT
            })
        ));
        assert!(matches!(
            try_compose(&["---x", "up"]),
            Err(ComposeError::BadOption { .. })
        ));
        // Options of the subcommand before it are compose's error too.
        assert!(matches!(
            try_compose(&["-d", "up"]),
            Err(ComposeError::UnknownFlag { .. })
        ));
    }

    #[test]
    fn where_cobra_and_pflag_disagree_on_the_subcommand_it_is_refused() {
        // compose runs `up` here (cobra's Traverse); pflag would read the subcommand `x`.
        for (items, word) in [
            (&["--", "x", "up"][..], "up"),
            (&["-p", "--file", "x", "up"], "up"),
            (&["-p", "-f", "x", "up"], "up"),
            (&["--profile", "--", "x", "up", "-d"], "up"),
            (&["-vp", "x", "up"], "x"),
        ] {
            let error = try_compose(items).unwrap_err();
            assert_eq!(
                error,
                ComposeError::AmbiguousSubcommand {
                    word: word.into(),
                    place: ROOT
                },
                "{items:?}"
            );
        }
        // Where cobra finds no subcommand word, compose runs none: pass through.
        for items in [&["--", "up"][..], &["-p", "--", "up"], &["--"]] {
            let command = compose(items);
            assert_eq!(command.action(), ComposeAction::PassThrough, "{items:?}");
            assert_eq!(command.subcommand_at(), None);
        }
        // Values that do not look like options read the same both ways.
        assert_eq!(
            action(&["-p", "x", "--file=y", "-fz", "up"]),
            ComposeAction::Harden(Subcommand::Up)
        );
        assert_eq!(
            action(&["--profile", "a=b", "up"]),
            ComposeAction::Harden(Subcommand::Up)
        );
    }

    #[test]
    fn traverse_follows_cobra() {
        let at = |items: &[&str]| traverse(&words(items), 0, COMPOSE_ROOT_FLAGS);
        assert_eq!(at(&["up"]), Some(0));
        assert_eq!(at(&["--dry-run", "up"]), Some(1));
        assert_eq!(at(&["-h", "up"]), Some(1));
        assert_eq!(at(&["-p", "x", "up"]), Some(2));
        assert_eq!(at(&["-px", "up"]), Some(1));
        assert_eq!(at(&["-vp", "up"]), Some(1));
        assert_eq!(at(&["--file=a", "up"]), Some(1));
        assert_eq!(at(&["--bogus", "x", "up"]), Some(2));
        assert_eq!(at(&["--", "x", "up"]), Some(2));
        assert_eq!(at(&["-", "up"]), Some(0));
        assert_eq!(at(&["-f"]), None);
        assert_eq!(at(&[]), None);
    }

    // ---- services ----

    #[test]
    fn services_named_by_the_subcommand() {
        assert_eq!(
            compose(&["up", "-d", "web", "db"]).services(),
            ["web", "db"]
        );
        assert_eq!(
            compose(&[
                "up", "--scale", "web=3", "--pull", "always", "-t", "5", "web"
            ])
            .services(),
            ["web"]
        );
        assert_eq!(
            compose(&["up", "web", "-d", "db"]).services(),
            ["web", "db"]
        );
        assert_eq!(compose(&["up", "-dt5", "web"]).services(), ["web"]);
        assert_eq!(compose(&["up", "--", "-web"]).services(), ["-web"]);
        assert_eq!(
            compose(&["create", "--no-recreate", "api"]).services(),
            ["api"]
        );
        assert_eq!(
            compose(&["scale", "web=2", "--no-deps", "db=3"]).services(),
            ["web", "db"]
        );
        assert_eq!(compose(&["watch", "web"]).services(), ["web"]);
        assert_eq!(compose(&["run", "-d", "web", "x"]).services(), ["web"]);
        assert!(compose(&["up"]).services().is_empty());
        assert!(compose(&["ps", "web"]).services().is_empty());
        // Options hardrun cannot read: best effort.
        assert_eq!(
            compose(&["up", "--new-flag", "web", "--", "db"]).services(),
            ["web", "db"]
        );
        assert_eq!(compose(&["scale", "--new", "web=2"]).services(), ["web"]);
    }

    #[test]
    fn unknown_options_of_other_subcommands_are_left_to_compose() {
        assert_eq!(
            action(&["up", "--some-future-flag", "x"]),
            ComposeAction::Harden(Subcommand::Up)
        );
        assert_eq!(
            action(&["create", "-Z"]),
            ComposeAction::Harden(Subcommand::Create)
        );
        assert_eq!(action(&["ps", "--bogus"]), ComposeAction::PassThrough);
        assert_eq!(
            action(&["up", "--y"]),
            ComposeAction::Harden(Subcommand::Up)
        );
    }

    // ---- non-UTF-8 ----

    #[test]
    fn non_utf8_words_do_not_panic() {
        let bad = |prefix: &[u8]| {
            let mut bytes = prefix.to_vec();
            bytes.push(0xff);
            OsString::from_vec(bytes)
        };
        let argv = |items: Vec<OsString>| {
            let mut all = words(&["compose"]);
            all.extend(items);
            all
        };
        // A root value: kept as bytes.
        let command = parse(&argv(vec!["-f".into(), bad(b"a"), "up".into()]), 0).unwrap();
        assert_eq!(command.files(), vec![bad(b"a")]);
        assert_eq!(command.without_files().unwrap(), Vec::<OsString>::new());
        // A subcommand word: passes through, named lossily.
        let command = parse(&argv(vec![bad(b"up")]), 0).unwrap();
        assert_eq!(command.action(), ComposeAction::PassThrough);
        assert_eq!(command.subcommand(), Some("up\u{fffd}"));
        // Option names.
        assert!(matches!(
            parse(&argv(vec![bad(b"--"), "up".into()]), 0),
            Err(ComposeError::UnknownFlag { .. })
        ));
        assert!(matches!(
            parse(&argv(vec![bad(b"-"), "up".into()]), 0),
            Err(ComposeError::UnknownFlag { .. })
        ));
        // run: a SERVICE or a value hardrun interprets must be UTF-8; the command need not.
        let error = parse(&argv(vec!["run".into(), bad(b"web")]), 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the SERVICE of 'compose run' is not valid UTF-8"
        );
        let error = parse(
            &argv(vec!["run".into(), "-u".into(), bad(b"0"), "web".into()]),
            0,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the value of --user of 'compose run' is not valid UTF-8"
        );
        let command = parse(&argv(vec!["run".into(), "web".into(), bad(b"x")]), 0).unwrap();
        assert_eq!(command.run().unwrap().command, vec![bad(b"x")]);
        // A value hardrun does not interpret is kept.
        assert!(
            parse(
                &argv(vec!["run".into(), "--name".into(), bad(b"n"), "web".into()]),
                0
            )
            .is_ok()
        );
        // Services of other subcommands, and alpha's subcommand.
        let command = parse(&argv(vec!["up".into(), bad(b"web")]), 0).unwrap();
        assert_eq!(command.services(), ["web\u{fffd}"]);
        let command = parse(&argv(vec!["alpha".into(), bad(b"watch")]), 0).unwrap();
        assert_eq!(command.action(), ComposeAction::PassThrough);
    }
}

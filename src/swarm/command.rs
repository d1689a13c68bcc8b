//! The `docker stack deploy` command line, read as the docker CLI 28 reads it: docker's global
//! options, `stack` (whose one persistent option is the deprecated `--orchestrator`), `deploy`
//! or its alias `up`, then its options interspersed with the one positional `STACK` (cobra
//! lets options follow it). `-c`/`--compose-file` is a pflag string slice: repeatable, each
//! value split at commas. A value with a `"` (pflag reads it as CSV, with quoting) or a `-c`
//! bundled with other letters (`-qc FILE`, which cannot be taken out on its own) is refused, never
//! guessed. Every other `stack` subcommand, `--help` and a line without exactly one `STACK`
//! are not deployments: they pass through. Pure.

use std::ffi::{OsStr, OsString};

use thiserror::Error;

use crate::docker::flags::{FlagDef, GLOBAL_FLAGS, ValueKind, flag};
use crate::docker::lexer::{LexError, Occurrence, lex};

/// `docker stack`'s own options (persistent: accepted by every subcommand too).
pub const STACK_FLAGS: &[FlagDef] = &[
    flag("help", Some('h'), ValueKind::Bool),
    flag("orchestrator", None, ValueKind::Text),
];

/// `docker stack deploy` (docker CLI 28.2, `cli/command/stack/deploy.go`), sorted by long name.
pub const DEPLOY_FLAGS: &[FlagDef] = &[
    flag("compose-file", Some('c'), ValueKind::Text),
    flag("detach", Some('d'), ValueKind::Bool),
    flag("help", Some('h'), ValueKind::Bool),
    flag("orchestrator", None, ValueKind::Text),
    flag("prune", None, ValueKind::Bool),
    flag("quiet", Some('q'), ValueKind::Bool),
    flag("resolve-image", None, ValueKind::Text),
    flag("with-registry-auth", None, ValueKind::Bool),
];

/// A `docker stack deploy` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackDeploy {
    /// Every word, as typed (without the program name).
    argv: Vec<OsString>,
    /// The end of docker's global options (the index of `stack`).
    stack_at: usize,
    /// The index of `deploy` (or `up`).
    deploy_at: usize,
    /// The argv ranges of the `-c` occurrences.
    file_tokens: Vec<std::ops::Range<usize>>,
    /// The compose files, in order, each value split at commas.
    files: Vec<OsString>,
    /// The stack's name.
    pub stack: String,
}

/// What a `stack` command line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackCommand {
    Deploy(StackDeploy),
    /// Not a deployment (another subcommand, `--help`, no or several `STACK`s): docker answers.
    PassThrough,
}

/// Why a `stack deploy` line cannot be read with certainty.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StackError {
    #[error(transparent)]
    Lex(#[from] LexError),
    #[error("the compose file value {0:?} has a quote, which docker reads as CSV")]
    Quoted(String),
    #[error("-c is bundled with other flags in {0:?}")]
    Bundled(String),
    #[error("the stack name {0:?} is not UTF-8")]
    NotUtf8(String),
}

impl StackError {
    /// The `help:` line.
    pub fn help(&self) -> &'static str {
        match self {
            StackError::Lex(_) => "check the flag against `docker stack deploy --help`",
            StackError::Quoted(_) => "name each file with its own `-c FILE`, without quotes",
            StackError::Bundled(_) => "write `-c FILE` as a word of its own",
            StackError::NotUtf8(_) => "name the stack in UTF-8",
        }
    }
}

/// Reads `argv` (without the program name), where `stack_at` is the index of `stack`.
pub fn parse(argv: &[OsString], stack_at: usize) -> Result<StackCommand, StackError> {
    let stack_options = lex(argv, stack_at + 1, STACK_FLAGS)?;
    if stack_options.occurrences.iter().any(Occurrence::is_help) {
        return Ok(StackCommand::PassThrough);
    }
    let deploy_at = stack_options.positional;
    if !matches!(
        argv.get(deploy_at).and_then(|w| w.to_str()),
        Some("deploy" | "up")
    ) || stack_options.terminator.is_some()
    {
        return Ok(StackCommand::PassThrough);
    }
    let mut occurrences = Vec::new();
    let mut positionals = Vec::new();
    let mut index = deploy_at + 1;
    while index < argv.len() {
        let lexed = lex(argv, index, DEPLOY_FLAGS)?;
        occurrences.extend(lexed.occurrences);
        if let Some(terminator) = lexed.terminator {
            positionals.extend(terminator + 1..argv.len());
            break;
        }
        if lexed.positional < argv.len() {
            positionals.push(lexed.positional);
        }
        index = lexed.positional + 1;
    }
    if occurrences.iter().any(Occurrence::is_help) || positionals.len() != 1 {
        return Ok(StackCommand::PassThrough);
    }
    let mut files = Vec::new();
    let mut file_tokens = Vec::new();
    for occurrence in occurrences.iter().filter(|o| o.flag.long == "compose-file") {
        let word = argv[occurrence.tokens.start].to_string_lossy().into_owned();
        if occurrence.bundled {
            return Err(StackError::Bundled(word));
        }
        let value = occurrence.text().unwrap_or_default();
        files.extend(split_files(value)?);
        file_tokens.push(occurrence.tokens.clone());
    }
    let stack = &argv[positionals[0]];
    let stack = stack
        .to_str()
        .ok_or_else(|| StackError::NotUtf8(stack.to_string_lossy().into_owned()))?
        .to_owned();
    Ok(StackCommand::Deploy(StackDeploy {
        argv: argv.to_vec(),
        stack_at,
        deploy_at,
        file_tokens,
        files,
        stack,
    }))
}

/// One `-c` value as pflag's string slice reads it: split at commas; empty is no file.
fn split_files(value: &OsStr) -> Result<Vec<OsString>, StackError> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let bytes = value.as_bytes();
    if bytes.contains(&b'"') {
        return Err(StackError::Quoted(value.to_string_lossy().into_owned()));
    }
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(bytes
        .split(|b| *b == b',')
        .map(|part| OsString::from_vec(part.to_vec()))
        .collect())
}

impl StackDeploy {
    /// docker's global options, as typed.
    pub fn docker_words(&self) -> &[OsString] {
        &self.argv[..self.stack_at]
    }

    /// The compose files, in order (`-` is stdin).
    pub fn files(&self) -> &[OsString] {
        &self.files
    }

    /// The words after the program name for `stack config`: the global options, `stack` and its
    /// options, `config`, then each file as `-c FILE`.
    pub fn config_words(&self) -> Vec<OsString> {
        let mut words = self.argv[..self.deploy_at].to_vec();
        words.push("config".into());
        for file in &self.files {
            words.push("-c".into());
            words.push(file.clone());
        }
        words
    }

    /// The user's command line with every `-c` occurrence taken out and `-c FILE` put right
    /// after `deploy`: every other word in its place.
    pub fn deploy_words(&self, file: &OsStr) -> Vec<OsString> {
        let mut words = Vec::with_capacity(self.argv.len() + 2);
        for (index, word) in self.argv.iter().enumerate() {
            if self.file_tokens.iter().any(|t| t.contains(&index)) {
                continue;
            }
            words.push(word.clone());
            if index == self.deploy_at {
                words.push("-c".into());
                words.push(file.to_owned());
            }
        }
        words
    }

    /// The directory relative paths of the stack are read against: the first file's, or the
    /// working directory for stdin (the docker CLI's `getConfigDetails`).
    pub fn first_file(&self) -> Option<&OsStr> {
        self.files.first().map(OsString::as_os_str)
    }
}

/// Where `stack` stands in a docker command line (after the global options), if it is there.
pub fn stack_word(argv: &[OsString]) -> Option<usize> {
    let globals = lex(argv, 0, GLOBAL_FLAGS).ok()?;
    (argv.get(globals.positional).and_then(|w| w.to_str()) == Some("stack"))
        .then_some(globals.positional)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    fn deploy(line: &str) -> StackDeploy {
        let argv = words(line);
        let at = stack_word(&argv).expect("a stack command");
        match parse(&argv, at).unwrap() {
            StackCommand::Deploy(deploy) => deploy,
            other => panic!("not a deployment: {other:?}"),
        }
    }

    fn kind(line: &str) -> Result<StackCommand, StackError> {
        let argv = words(line);
        parse(&argv, stack_word(&argv).unwrap())
    }

    #[test]
    fn files_are_repeatable_and_split_at_commas() {
        let d = deploy("-H unix:///x stack deploy -c a.yaml --compose-file=b.yaml,c.yaml demo");
        assert_eq!(d.files(), words("a.yaml b.yaml c.yaml"));
        assert_eq!(d.stack, "demo");
        assert_eq!(d.docker_words(), words("-H unix:///x"));
    }

    #[test]
    fn options_may_follow_the_stack_name_and_up_is_deploy() {
        let d = deploy("stack --orchestrator swarm up demo -c a.yaml --prune -q");
        assert_eq!(d.stack, "demo");
        assert_eq!(
            d.deploy_words(OsStr::new("/dev/fd/3")),
            words("stack --orchestrator swarm up -c /dev/fd/3 demo --prune -q")
        );
        assert_eq!(
            d.config_words(),
            words("stack --orchestrator swarm config -c a.yaml")
        );
        let after = deploy("stack deploy -c a.yaml -- demo");
        assert_eq!(after.stack, "demo");
    }

    #[test]
    fn every_other_word_keeps_its_place_in_the_handoff() {
        let d = deploy("stack deploy --resolve-image never -c a.yaml -d=false demo -c b.yaml");
        assert_eq!(
            d.deploy_words(OsStr::new("-")),
            words("stack deploy -c - --resolve-image never -d=false demo")
        );
    }

    #[test]
    fn what_is_not_a_deployment_passes_through() {
        for line in [
            "stack ls",
            "stack config -c a.yaml",
            "stack deploy --help",
            "stack -h",
            "stack deploy -c a.yaml",
            "stack deploy -c a.yaml one two",
        ] {
            assert_eq!(kind(line).unwrap(), StackCommand::PassThrough, "{line}");
        }
    }

    #[test]
    fn what_cannot_be_read_with_certainty_is_refused() {
        assert!(matches!(
            kind("stack deploy --bundle-file x demo"),
            Err(StackError::Lex(LexError::UnknownFlag { .. }))
        ));
        assert!(matches!(
            kind("stack deploy -qc a.yaml demo"),
            Err(StackError::Bundled(_))
        ));
        let quoted = vec![
            OsString::from("stack"),
            "deploy".into(),
            "-c".into(),
            "\"a,b\".yaml".into(),
            "demo".into(),
        ];
        assert!(matches!(parse(&quoted, 0), Err(StackError::Quoted(_))));
        assert!(matches!(
            kind("stack deploy demo -c"),
            Err(StackError::Lex(LexError::MissingValue { .. }))
        ));
    }
}

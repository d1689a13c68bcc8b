//! Where the docker command starts: docker's global options, then the command word.
//!
//! `docker [global options] run|create|container run|container create …` is hardened; every
//! other command passes through untouched. Global options have their own short letters (`-c` is
//! the context here, cpu shares after `run`), so they are read with their own table.

use std::ffi::OsString;

use thiserror::Error;

use crate::docker::flags::GLOBAL_FLAGS;
use crate::docker::invocation::{Invocation, InvocationError};
use crate::docker::lexer::{LexError, lex};

/// Which container-creating command the user ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Run,
    Create,
}

impl CommandKind {
    pub fn name(self) -> &'static str {
        match self {
            CommandKind::Run => "run",
            CommandKind::Create => "create",
        }
    }
}

/// What a docker command line is, for hardrun.
#[derive(Debug)]
pub enum DockerCommand {
    /// `run` or `create` with an image: hardened.
    Create(Invocation),
    /// `compose …`: the compose front end's business.
    Compose,
    /// Anything else, including `run --help` or a `run` without an image: passed through.
    Other,
}

/// Why a docker command line cannot be read with certainty.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    #[error("cannot read docker's global options: {0}")]
    Global(LexError),
    #[error("options between 'container' and its subcommand are not supported: {0:?}")]
    ContainerOptions(String),
    #[error(transparent)]
    Invocation(#[from] InvocationError),
}

/// Reads a docker command line (without the program name).
pub fn parse(argv: Vec<OsString>) -> Result<DockerCommand, CommandError> {
    let globals = lex(&argv, 0, GLOBAL_FLAGS).map_err(CommandError::Global)?;
    let at = globals.positional;
    let word = |index: usize| argv.get(index).and_then(|w| w.to_str());
    let (kind, options_start) = match word(at) {
        Some("run") => (CommandKind::Run, at + 1),
        Some("create") => (CommandKind::Create, at + 1),
        Some("compose") => return Ok(DockerCommand::Compose),
        Some("container") => match word(at + 1) {
            Some("run") => (CommandKind::Run, at + 2),
            Some("create") => (CommandKind::Create, at + 2),
            Some(next) if next.starts_with('-') && next != "--help" => {
                return Err(CommandError::ContainerOptions(next.to_owned()));
            }
            _ => return Ok(DockerCommand::Other),
        },
        _ => return Ok(DockerCommand::Other),
    };
    match Invocation::parse(argv, globals.occurrences, kind, options_start)? {
        Some(invocation) => Ok(DockerCommand::Create(invocation)),
        None => Ok(DockerCommand::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<DockerCommand, CommandError> {
        parse(words.iter().map(OsString::from).collect())
    }

    fn image_of(words: &[&str]) -> String {
        match parse_words(words).unwrap() {
            DockerCommand::Create(invocation) => invocation.image().to_string_lossy().into_owned(),
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn the_four_spellings_of_run_and_create() {
        assert_eq!(image_of(&["run", "img"]), "img");
        assert_eq!(image_of(&["create", "img"]), "img");
        assert_eq!(image_of(&["container", "run", "img"]), "img");
        assert_eq!(image_of(&["container", "create", "img"]), "img");
    }

    #[test]
    fn global_options_come_before_the_command_word() {
        assert_eq!(
            image_of(&[
                "-H",
                "unix:///x.sock",
                "--context=default",
                "-D",
                "run",
                "img"
            ]),
            "img"
        );
        assert_eq!(image_of(&["-c", "ctx", "run", "-c", "512", "img"]), "img");
        assert_eq!(image_of(&["-Dl", "debug", "run", "img"]), "img");
        assert_eq!(image_of(&["--tlsverify=false", "run", "img"]), "img");
    }

    #[test]
    fn a_global_option_after_run_is_a_run_option_or_an_error() {
        assert!(matches!(
            parse_words(&["run", "--context", "x", "img"]),
            Err(CommandError::Invocation(_))
        ));
        assert!(matches!(
            parse_words(&["run", "-H", "x", "img"]),
            Err(CommandError::Invocation(_))
        ));
    }

    #[test]
    fn other_commands_pass_through() {
        for words in [
            &["ps", "-a"][..],
            &["logs", "x"],
            &["build", "."],
            &["exec", "-it", "x", "sh"],
            &[],
            &["--version"],
        ] {
            assert!(
                matches!(parse_words(words).unwrap(), DockerCommand::Other),
                "{words:?}"
            );
        }
        assert!(matches!(
            parse_words(&["compose", "up"]).unwrap(),
            DockerCommand::Compose
        ));
        assert!(matches!(
            parse_words(&["container", "ls"]).unwrap(),
            DockerCommand::Other
        ));
    }

    #[test]
    fn run_without_image_or_with_help_passes_through_for_docker_to_answer() {
        assert!(matches!(
            parse_words(&["run"]).unwrap(),
            DockerCommand::Other
        ));
        assert!(matches!(
            parse_words(&["run", "--rm"]).unwrap(),
            DockerCommand::Other
        ));
        assert!(matches!(
            parse_words(&["run", "--help"]).unwrap(),
            DockerCommand::Other
        ));
    }

    #[test]
    fn unknown_global_options_are_refused() {
        assert!(matches!(
            parse_words(&["--bogus", "run", "img"]),
            Err(CommandError::Global(_))
        ));
        assert!(matches!(
            parse_words(&["container", "-x", "run", "img"]),
            Err(CommandError::ContainerOptions(_))
        ));
    }
}

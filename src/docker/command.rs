//! Where the docker command starts: docker's global options, then the command word.
//!
//! `docker [global options] run|create|container run|container create …` is hardened; every
//! other command passes through untouched. Global options have their own short letters (`-c` is
//! the context here, cpu shares after `run`), so they are read with their own table.

use std::ffi::OsString;

use thiserror::Error;

use crate::docker::flags::{GLOBAL_FLAGS, RUN_FLAGS};
use crate::docker::invocation::{Invocation, InvocationError};
use crate::docker::lexer::{LexError, find_extra, lex};

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
    /// `compose …`: the compose front end's business; the index of the word `compose`.
    Compose { at: usize },
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

/// Takes hardrun's own `word` (`--verify`) out of the options of a `run`/`create`, where docker
/// has no such flag, and says whether it was there. Any other command line is returned as is.
pub fn take_extra_option(mut argv: Vec<OsString>, word: &str) -> (Vec<OsString>, bool) {
    let Ok(globals) = lex(&argv, 0, GLOBAL_FLAGS) else {
        return (argv, false);
    };
    let at = globals.positional;
    let text = |index: usize| argv.get(index).and_then(|w| w.to_str());
    let start = match (text(at), text(at + 1)) {
        (Some("run" | "create"), _) => at + 1,
        (Some("container"), Some("run" | "create")) => at + 2,
        _ => return (argv, false),
    };
    let mut found = false;
    while let Ok(Some(index)) = find_extra(&argv, start, RUN_FLAGS, word) {
        argv.remove(index);
        found = true;
    }
    (argv, found)
}

/// Reads a docker command line (without the program name).
pub fn parse(argv: Vec<OsString>) -> Result<DockerCommand, CommandError> {
    let globals = lex(&argv, 0, GLOBAL_FLAGS).map_err(CommandError::Global)?;
    let at = globals.positional;
    let word = |index: usize| argv.get(index).and_then(|w| w.to_str());
    let (kind, options_start) = match word(at) {
        Some("run") => (CommandKind::Run, at + 1),
        Some("create") => (CommandKind::Create, at + 1),
        Some("compose") => return Ok(DockerCommand::Compose { at }),
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
    fn hardrun_s_verify_is_taken_out_of_run_options_only() {
        let words =
            |items: &[&str]| -> Vec<OsString> { items.iter().map(OsString::from).collect() };
        let (argv, found) = take_extra_option(words(&["run", "--verify", "-d", "img"]), "--verify");
        assert!(found);
        assert_eq!(argv, words(&["run", "-d", "img"]));
        let (argv, found) = take_extra_option(words(&["run", "-d", "img", "--verify"]), "--verify");
        assert!(!found);
        assert_eq!(argv.len(), 4);
        let (argv, found) = take_extra_option(words(&["ps", "--verify"]), "--verify");
        assert!(!found);
        assert_eq!(argv.len(), 2);
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
            DockerCommand::Compose { .. }
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

    fn invocation_of(words: &[&str]) -> Invocation {
        match parse_words(words).unwrap() {
            DockerCommand::Create(invocation) => invocation,
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn command_kinds_are_named_as_docker_names_them() {
        assert_eq!(CommandKind::Run.name(), "run");
        assert_eq!(CommandKind::Create.name(), "create");
        assert_eq!(
            invocation_of(&["container", "create", "i"]).kind(),
            CommandKind::Create
        );
        assert_eq!(invocation_of(&["-D", "run", "i"]).kind(), CommandKind::Run);
    }

    #[test]
    fn a_global_value_option_may_hold_a_command_word() {
        let invocation = invocation_of(&["--context", "run", "create", "img"]);
        assert_eq!(invocation.kind(), CommandKind::Create);
        assert_eq!(invocation.globals().len(), 1);
        assert_eq!(invocation.globals()[0].flag.long, "context");
        assert_eq!(invocation.globals()[0].text().unwrap(), "run");
        assert!(matches!(
            parse_words(&["--config", "compose", "ps"]).unwrap(),
            DockerCommand::Other
        ));
    }

    #[test]
    fn the_global_options_are_kept_on_the_invocation() {
        let invocation = invocation_of(&["-H", "tcp://h:2376", "--tlsverify", "run", "img"]);
        let names: Vec<&str> = invocation.globals().iter().map(|o| o.flag.long).collect();
        assert_eq!(names, ["host", "tlsverify"]);
        assert_eq!(invocation.argv()[0], "-H");
    }

    #[test]
    fn global_stage_errors() {
        assert!(matches!(
            parse_words(&["-H"]),
            Err(CommandError::Global(LexError::MissingValue { .. }))
        ));
        assert!(matches!(
            parse_words(&["--tls=maybe", "run", "img"]),
            Err(CommandError::Global(LexError::InvalidBool { .. }))
        ));
        assert!(matches!(
            parse_words(&["-Dx", "run", "img"]),
            Err(CommandError::Global(LexError::UnknownShorthand {
                letter: 'x',
                ..
            }))
        ));
    }

    #[test]
    fn run_stage_errors_are_invocation_errors_with_docker_messages() {
        let error = parse_words(&["run", "--context", "x", "img"]).unwrap_err();
        assert_eq!(error.to_string(), "unknown flag: --context");
        let error = parse_words(&["run", "-H", "x", "img"]).unwrap_err();
        assert_eq!(error.to_string(), "unknown shorthand flag: 'H' in -H");
        let error = parse_words(&["run", "--pids-limit", "x", "img"]).unwrap_err();
        assert!(matches!(
            error,
            CommandError::Invocation(InvocationError::InvalidValue { .. })
        ));
        let error = parse_words(&["container", "create", "-d", "img"]).unwrap_err();
        assert!(matches!(
            error,
            CommandError::Invocation(InvocationError::RunOnly { .. })
        ));
    }

    #[test]
    fn non_utf8_command_words_pass_through() {
        use std::os::unix::ffi::OsStringExt;
        let argv = vec![
            OsString::from_vec(vec![b'r', b'u', b'n', 0xff]),
            "img".into(),
        ];
        assert!(matches!(parse(argv).unwrap(), DockerCommand::Other));
        let argv = vec![
            OsString::from("container"),
            OsString::from_vec(vec![0xff]),
            "img".into(),
        ];
        assert!(matches!(parse(argv).unwrap(), DockerCommand::Other));
    }
}

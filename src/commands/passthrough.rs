//! Every docker command hardrun does not judge: handed to the real docker exactly as typed, or,
//! with `--dry-run`, only shown (a dry run never runs docker). Also the handoff of the guarded
//! commands (`exec`, `build`), which are judged but never changed.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::Cli;
use crate::decision::Decision;
use crate::deliver::Handoff;
use crate::exec;
use crate::host::locate_docker;
use crate::report::{Format, Shown, command_line};

/// `hardrun COMMAND …` for any other docker command: docker gets it unchanged; with
/// `--dry-run`, the command is printed (as text or JSON) and nothing runs.
pub fn run(options: &Cli, argv: &[OsString], depth: u32) -> ExitCode {
    if options.dry_run {
        return show(options, argv);
    }
    hand_off(argv, depth, &[])
}

/// What a dry run of a command hardrun passes through prints: the command docker would get.
fn show(options: &Cli, argv: &[OsString]) -> ExitCode {
    let text = match Format::from(options.format) {
        Format::Text => command_line(argv),
        Format::Json => {
            let mut words = vec!["docker".to_owned()];
            words.extend(argv.iter().map(|w| w.to_string_lossy().into_owned()));
            let json = serde_json::json!({
                "passthrough": true,
                "command": words,
                "command_line": command_line(argv),
            });
            format!("{json:#}")
        }
    };
    match writeln!(io::stdout(), "{text}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(crate::EXIT_USAGE),
    }
}

/// Execs docker with `args`, and `extra_env` added to its environment; returns only when that
/// fails.
pub fn hand_off(args: &[OsString], depth: u32, extra_env: &[(&str, &str)]) -> ExitCode {
    let error = match locate_docker() {
        Ok(docker) => exec::exec(&docker, args, depth, extra_env),
        Err(error) => error,
    };
    let _ = writeln!(io::stderr(), "hardrun: {error}");
    ExitCode::from(error.exit_code())
}

/// A command handed to docker as typed, once judged.
pub struct Verbatim<'a> {
    /// What docker receives.
    pub argv: &'a [OsString],
    /// The same, as it may be shown (secret values masked).
    pub shown: Vec<OsString>,
    pub depth: u32,
}

impl Handoff for Verbatim<'_> {
    fn shown(&self, _: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Command(&self.shown))
    }

    fn dry_run_text(&self, _: &Decision) -> Result<String, String> {
        Ok(command_line(&self.shown))
    }

    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String> {
        Ok(hand_off(self.argv, self.depth, &decision.docker_env))
    }
}

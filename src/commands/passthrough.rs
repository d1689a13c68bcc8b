//! Every docker command hardrun does not judge: handed to the real docker exactly as typed. Also
//! the handoff of the guarded commands (`exec`, `build`), which are judged but never changed.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::decision::Decision;
use crate::deliver::Handoff;
use crate::exec;
use crate::host::locate_docker;
use crate::report::{Shown, command_line};

/// `hardrun COMMAND …` for any other docker command: docker gets it unchanged.
pub fn run(argv: &[OsString], depth: u32) -> ExitCode {
    hand_off(argv, depth, &[])
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

//! `hardrun exec …`: `docker exec` judged by `exec-privileged` and `exec-root`
//! (`docker::exec_guard` reads it), then handed to docker exactly as typed.

use std::process::ExitCode;

use crate::cli::Cli;
use crate::docker::exec_guard::ExecLine;

pub fn run(options: &Cli, line: &ExecLine, depth: u32) -> Result<ExitCode, String> {
    let profile = super::profile(options)?;
    let argv = line.argv();
    super::judge_command(
        options,
        &profile,
        "exec",
        line.findings(),
        argv,
        argv.to_vec(),
        depth,
    )
}

//! `hardrun build …` (and `buildx build`, `builder build`): judged by `build-arg-secrets`
//! (`docker::build_guard` reads it), then handed to docker exactly as typed; every display of
//! the command masks the values of secret build arguments.

use std::process::ExitCode;

use crate::cli::Cli;
use crate::docker::build_guard::BuildLine;
use crate::rules::build_arg_secrets;

#[allow(clippy::disallowed_methods)] // the I/O edge: `--build-arg NAME` reads this environment
pub fn run(options: &Cli, line: &BuildLine, depth: u32) -> Result<ExitCode, String> {
    let profile = super::profile(options)?;
    let params = profile
        .setting(build_arg_secrets::RULE.id)
        .map(|s| s.params.clone())
        .unwrap_or_default();
    let findings = line.findings(&params, &|name| std::env::var_os(name));
    super::judge_command(
        options,
        &profile,
        "build",
        findings,
        line.argv(),
        line.masked(&params),
        depth,
    )
}

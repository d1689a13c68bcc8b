//! hardrun's commands, one file each, all thin: a command reads its input through its front end
//! (`docker/`, `compose/`, `inspect`), asks `decision::decide`, and hands the decision to
//! `deliver::deliver` with its own `Handoff`. What they share is here: the profile, the
//! waivers, and what they read of this process's environment. This is the edge.

pub mod build;
pub mod check;
pub mod completions;
pub mod compose;
pub mod doctor;
pub mod exec;
pub mod fit;
pub mod kubectl;
pub mod passthrough;
pub mod profiles;
pub mod rules;
pub mod run;
pub mod service;
pub mod service_update;
pub mod stack;
pub mod verify;

use crate::cli::Cli;
use crate::host::FileSource;
use crate::profile::{self, Profile, builtin};
use crate::waivers::{self, Allowed, Waivers};

/// The profile a reference names (a built-in, a user profile's name or a path); the default
/// profile when it is absent or empty.
pub fn load_profile(reference: Option<&str>) -> Result<Profile, String> {
    let reference = reference
        .filter(|r| !r.is_empty())
        .unwrap_or(builtin::DEFAULT);
    profile::load(reference, &FileSource::discover()).map_err(|error| error.to_string())
}

/// The profile of this invocation (`--profile`, `HARDRUN_PROFILE`).
pub fn profile(options: &Cli) -> Result<Profile, String> {
    load_profile(options.profile.as_deref())
}

/// The `--allow` values, `RULE` or `RULE=REASON`: known rules (else "did you mean"), and a
/// reason for each under `strict` (see `waivers::parse_allow`).
pub fn allowed(options: &Cli, profile: &Profile) -> Result<Vec<Allowed>, String> {
    waivers::parse_allow(&options.allow, profile)
}

/// Every waiver of this invocation: `--allow`, the project file found from here, and the
/// catalogue of known images unless the profile turns it off.
pub fn waivers(options: &Cli, profile: &Profile) -> Result<Waivers, String> {
    let mut waivers = crate::host::waivers(allowed(options, profile)?)?;
    waivers.catalogue = profile.catalogue;
    Ok(waivers)
}

/// The value docker (or compose) gives `-e NAME`: this process's environment, which the handoff
/// preserves.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn host_variable(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// The user's own `DOCKER_CONTENT_TRUST`, when set and not empty (docker reads an empty value as
/// unset).
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn user_content_trust() -> Option<String> {
    std::env::var_os(crate::rules::content_trust::VARIABLE)
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string_lossy().into_owned())
}

/// The path of the guarded commands (`exec`, `build`): judged with the profile and `--allow`
/// (project waivers are scoped to images and services, so only `--allow` applies), reported,
/// then refused or handed to docker exactly as typed. `shown` is `argv` as it may be shown.
pub fn judge_command(
    options: &Cli,
    profile: &Profile,
    command: &str,
    findings: Vec<(&'static str, crate::rules::Finding)>,
    argv: &[std::ffi::OsString],
    shown: Vec<std::ffi::OsString>,
    depth: u32,
) -> Result<std::process::ExitCode, String> {
    let waivers =
        Waivers::allowed_only(allowed(options, profile)?, waivers::Date::from_unix_days(0));
    let decision = crate::decision::decide(crate::decision::Request {
        command: command.to_owned(),
        profile,
        subjects: vec![crate::decision::Subject {
            service: None,
            image: String::new(),
            judged: crate::decision::Judged::Command(findings),
            waivers: waivers.for_container(""),
            service_waiver: None,
            notes: vec![format!(
                "docker {command} is judged, never changed: docker receives it as typed"
            )],
        }],
        trust: None,
    });
    let handoff = passthrough::Verbatim { argv, shown, depth };
    crate::deliver::deliver(options, &decision, &handoff)
}

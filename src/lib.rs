//! hardrun: applies a named hardening profile to `docker run`/`create` at the moment of
//! invocation, explains every change, and hands the hardened command to the real docker.
//!
//! This file is the only orchestration: it reads the environment, the working directory and
//! profile files, calls the pure core (`docker`, `profile`, `plan`, `rules`), prints through
//! `report`, and hands off through `exec`. See ARCHITECTURE.md for the map.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod cli;
pub mod compose;
pub mod compose_command;
pub mod context;
pub mod docker;
pub mod engine;
pub mod exec;
pub mod host;
pub mod inspect;
#[cfg(test)]
mod invariants;
pub mod plan;
pub mod profile;
pub mod report;
pub mod rules;
pub mod spec;
pub mod suggest;
pub mod verify;
pub mod verify_command;
pub mod waivers;

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, ProfilesAction};
use crate::docker::command::{DockerCommand, parse};
use crate::docker::invocation::Invocation;
use crate::host::{FileSource, locate_docker};
use crate::profile::{Profile, Source, builtin};
use crate::report::{Format, command_line};
use crate::report::{rule_json, write_rule};
use crate::rules::RULES;
use crate::verify_command::verify_containers;

/// Exit status for a refusal or a command line hardrun cannot read: docker's own "the run never
/// started".
pub const EXIT_REFUSED: u8 = 125;
/// Exit status for a usage or profile error of hardrun itself.
pub const EXIT_USAGE: u8 = 2;

/// Runs hardrun with the process arguments (program name first).
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn run(args: Vec<OsString>) -> ExitCode {
    let program = args.first().cloned().unwrap_or_else(|| "hardrun".into());
    let rest = args.get(1..).unwrap_or_default();
    let depth = std::env::var(exec::DEPTH_VARIABLE)
        .ok()
        .and_then(|d| d.parse::<u32>().ok())
        .unwrap_or(0);
    let as_docker = Path::new(&program).file_name() == Some(OsStr::new("docker"));
    let split = cli::split(rest, !as_docker);
    let options = match cli::fast_parse(&split.own) {
        Some(mut options) => {
            // clap reads HARDRUN_PROFILE itself; the fast path must too.
            if options.profile.is_none() {
                options.profile = std::env::var("HARDRUN_PROFILE").ok();
            }
            options
        }
        None => {
            let mut clap_args = vec![OsString::from("hardrun")];
            clap_args.extend(split.own.iter().cloned());
            match Cli::try_parse_from(clap_args) {
                Ok(options) => options,
                Err(error) => {
                    let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
                    let _ = error.print();
                    return ExitCode::from(code);
                }
            }
        }
    };
    if options.no_audit {
        audit::disable();
    }
    if depth > 0 && options.command.is_none() {
        // An outer hardrun already hardened this command; a wrapper led back here.
        return hand_off(&split.docker, depth);
    }
    let result = match &options.command {
        Some(command) => subcommand(command, &options),
        None => docker_command(&options, split.docker, depth),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(io::stderr(), "hardrun: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn format(options: &Cli) -> Format {
    Format::from(options.format)
}

/// Hardens `run`/`create`, passes every other command through.
fn docker_command(options: &Cli, argv: Vec<OsString>, depth: u32) -> Result<ExitCode, String> {
    // `hardrun run --verify -d …`: docker has no --verify, so among run's options it is ours.
    let (argv, verify_in_run) = docker::command::take_extra_option(argv, "--verify");
    let owned;
    let options = if verify_in_run && !options.verify {
        owned = Cli {
            verify: true,
            ..options.clone()
        };
        &owned
    } else {
        options
    };
    let invocation = match parse(argv.clone()) {
        Ok(DockerCommand::Create(invocation)) => invocation,
        Ok(DockerCommand::Compose { at }) => {
            let profile_of = || {
                let profile = load_profile(options.profile.as_deref())?;
                check_allow(&options.allow, &profile)?;
                Ok(profile)
            };
            return compose_command::compose(options, profile_of, argv, at, depth);
        }
        Ok(DockerCommand::Other) => return guard(options, argv, depth),
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "hardrun: cannot read this docker command line with certainty: {error}\nhelp: hardrun refuses rather than guesses where the image starts; check the flag, or run `docker {}` without hardrun",
                argv.first()
                    .map(|w| w.to_string_lossy())
                    .unwrap_or_default()
            );
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    harden(options, &invocation, depth)
}

/// `docker exec` and `docker build` (`docker::exec_guard`, `docker::build_guard`): judged with
/// the profile and `--allow`, then handed to docker exactly as typed. Every other command
/// passes through untouched.
#[allow(clippy::disallowed_methods)] // the I/O edge: `--build-arg NAME` reads this environment
fn guard(options: &Cli, argv: Vec<OsString>, depth: u32) -> Result<ExitCode, String> {
    let guarded = match docker::exec_guard::detect(&argv) {
        Ok(Some(guarded)) => guarded,
        Ok(None) => return Ok(hand_off(&argv, depth)),
        Err(error) => {
            let _ = writeln!(io::stderr(), "hardrun: {}", error.message());
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let profile = load_profile(options.profile.as_deref())?;
    // Project waivers are scoped to images and services: only --allow applies here.
    let allowed = check_allow(&options.allow, &profile)?;
    let waivers = waivers::Waivers::allowed_only(allowed, waivers::Date::from_unix_days(0));
    let applied = waivers.for_container("");
    let mut judged = guarded.judge(&profile, &applied.rules(), &|name| std::env::var_os(name));
    applied.annotate(&mut judged.plan);
    judged.notes.extend(applied.notes());
    if !options.dry_run {
        audit::append(&audit::Event {
            command: guarded.command().to_owned(),
            profile: &profile.name,
            source: &profile.source,
            allow: &options.allow,
            containers: vec![audit::Audited {
                service: None,
                image: "",
                plan: &judged.plan,
                waiver: None,
            }],
            docker_env: &[],
        });
    }
    let (stdout, stderr) = (&mut io::stdout().lock(), &mut io::stderr().lock());
    let (format, explain, dry_run) = (format(options), options.explain, options.dry_run);
    judged
        .report(stdout, stderr, &profile.source, format, explain, dry_run)
        .map_err(|e| format!("cannot write output: {e}"))?;
    if judged.plan.is_refused() {
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    if dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let _ = stdout.flush();
    let _ = stderr.flush();
    Ok(hand_off(&argv, depth))
}

/// Completes the container's environment as docker builds it: the `--env-file`s, read relative
/// to the working directory, then `-e`, whose `-e NAME` take their value from this environment.
/// An env file docker could not read is an error (exit 2, nothing runs).
#[allow(clippy::disallowed_methods)] // the I/O edge
fn with_environment(
    invocation: &Invocation,
    cwd: &Path,
    mut spec: spec::ContainerSpec,
) -> Result<spec::ContainerSpec, String> {
    let lookup = host_variable;
    let mut files = Vec::new();
    for path in invocation.env_files() {
        let shown = path.to_string_lossy();
        let bytes = std::fs::read(cwd.join(path))
            .map_err(|e| format!("cannot read --env-file {shown}: {e}"))?;
        files.push(docker::env_file::parse(&shown, &bytes, &lookup).map_err(|e| e.to_string())?);
    }
    spec.env = docker::env_file::resolve_env(files, std::mem::take(&mut spec.env), &lookup);
    Ok(spec)
}

/// The value docker (or compose) gives `-e NAME`: this process's environment, which the handoff
/// preserves.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub(crate) fn host_variable(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

#[allow(clippy::disallowed_methods)] // the I/O edge
fn harden(options: &Cli, invocation: &Invocation, depth: u32) -> Result<ExitCode, String> {
    let profile = load_profile(options.profile.as_deref())?;
    let waivers = host::waivers(check_allow(&options.allow, &profile)?)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let spec = match invocation.to_spec(&cwd) {
        Ok(spec) => spec,
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "hardrun: cannot read this docker command line with certainty: {error}\nhelp: docker would reject this value too; correct it and run again"
            );
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let spec = with_environment(invocation, &cwd, spec)?;
    let (context, mut notes) = context::gather(&profile, invocation, &spec);
    let applied = waivers.for_container(&spec.image);
    notes.extend(applied.notes());
    let allowed = applied.rules();
    let mut plan = plan::plan(&profile, &spec, &allowed, &context);
    applied.annotate(&mut plan);
    let trust = content_trust(
        &profile,
        allowed.iter().any(|r| r == rules::content_trust::RULE.id),
        Some(invocation),
    );
    notes.extend(trust.note.clone());
    if !options.dry_run {
        audit::append(&audit::Event {
            command: invocation.kind().name().to_owned(),
            profile: &profile.name,
            source: &profile.source,
            allow: &options.allow,
            containers: vec![audit::Audited {
                service: None,
                image: &spec.image,
                plan: &plan,
                waiver: None,
            }],
            docker_env: &trust.env,
        });
    }
    let edits = plan.edits();
    let hardened = invocation.apply(&edits);
    // What is shown (dry run, JSON) has secret values masked; only built when shown.
    let shown = || {
        invocation
            .masked(&secret_names(&profile, &spec))
            .apply(&edits)
    };
    let format = format(options);
    let stderr = &mut io::stderr().lock();
    let stdout = &mut io::stdout().lock();
    let io_error = |e: io::Error| format!("cannot write output: {e}");

    if plan.is_refused() {
        match format {
            Format::Json => {
                let report = report::to_json(&plan, &profile.source, None, &notes);
                let target: &mut dyn Write = if options.dry_run { stdout } else { stderr };
                writeln!(target, "{report:#}").map_err(io_error)?;
            }
            Format::Text => {
                if options.explain {
                    report::explain(stderr, &plan, &profile.source, &notes).map_err(io_error)?;
                }
                report::refusal(stderr, &plan).map_err(io_error)?;
            }
        }
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    match format {
        Format::Json if options.dry_run => {
            let report = report::to_json(&plan, &profile.source, Some(&shown()), &notes);
            writeln!(stdout, "{report:#}").map_err(io_error)?;
        }
        Format::Json if options.explain => {
            let report = report::to_json(&plan, &profile.source, Some(&shown()), &notes);
            writeln!(stderr, "{report:#}").map_err(io_error)?;
        }
        Format::Json => {}
        Format::Text => {
            if options.explain {
                report::explain(stderr, &plan, &profile.source, &notes).map_err(io_error)?;
            } else {
                report::warnings(stderr, &plan).map_err(io_error)?;
            }
            if options.dry_run {
                writeln!(stdout, "{}", command_line(&shown())).map_err(io_error)?;
            }
        }
    }
    if options.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let _ = stdout.flush();
    let _ = stderr.flush();
    if options.verify {
        return verify_command::run_and_verify(
            format, invocation, &hardened, &profile, depth, &trust.env,
        );
    }
    Ok(hand_off_with(&hardened, depth, &trust.env))
}

/// The secret-looking variables, by the profile's `env-secrets` parameters.
fn secret_names(profile: &Profile, spec: &spec::ContainerSpec) -> Vec<String> {
    let params = profile
        .setting(rules::env_secrets::RULE.id)
        .map(|s| s.params.clone())
        .unwrap_or_default();
    rules::env_secrets::secret_names(spec, &params)
}

/// The `--allow` values, `RULE` or `RULE=REASON`: known rules (else "did you mean"), and a
/// reason for each under `strict` (see `waivers::parse_allow`).
fn check_allow(allow: &[String], profile: &Profile) -> Result<Vec<waivers::Allowed>, String> {
    waivers::parse_allow(allow, profile)
}

/// Execs docker with `args`; returns only when that fails.
pub(crate) fn hand_off(args: &[OsString], depth: u32) -> ExitCode {
    hand_off_with(args, depth, &[])
}

/// Execs docker with `args` and `extra_env` added to its environment; returns only when that
/// fails.
pub(crate) fn hand_off_with(args: &[OsString], depth: u32, extra_env: &[(&str, &str)]) -> ExitCode {
    let error = match locate_docker() {
        Ok(docker) => exec::exec(&docker, args, depth, extra_env),
        Err(error) => error,
    };
    let _ = writeln!(io::stderr(), "hardrun: {error}");
    ExitCode::from(error.exit_code())
}

/// What the handoff does about content trust (the `content-trust` rule): the user's own
/// `DOCKER_CONTENT_TRUST` and a `--disable-content-trust` on the command line decide with the
/// profile's level. `invocation` is `None` for compose.
#[allow(clippy::disallowed_methods)] // the I/O edge: the user's DOCKER_CONTENT_TRUST
pub(crate) fn content_trust(
    profile: &Profile,
    waived: bool,
    invocation: Option<&Invocation>,
) -> rules::content_trust::Handoff {
    let level = profile
        .setting(rules::content_trust::RULE.id)
        .map(|s| s.level);
    // docker reads an empty value as unset.
    let user = std::env::var_os(rules::content_trust::VARIABLE)
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string_lossy().into_owned());
    let disabled = invocation.is_some_and(|i| {
        i.options()
            .iter()
            .rev()
            .find(|o| o.flag.long == "disable-content-trust")
            .is_some_and(|o| o.enabled())
    });
    rules::content_trust::handoff(
        level,
        waived,
        user.as_deref(),
        disabled,
        invocation.is_none(),
    )
}

fn load_profile(reference: Option<&str>) -> Result<Profile, String> {
    let reference = reference
        .filter(|r| !r.is_empty())
        .unwrap_or(builtin::DEFAULT);
    profile::load(reference, &FileSource::discover()).map_err(|error| error.to_string())
}

fn subcommand(command: &Command, options: &Cli) -> Result<ExitCode, String> {
    let stdout = &mut io::stdout().lock();
    let io_error = |e: io::Error| format!("cannot write output: {e}");
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "hardrun", stdout);
        }
        Command::Rules { id: None } => match format(options) {
            Format::Json => {
                let all: Vec<serde_json::Value> = RULES.iter().map(|r| rule_json(r)).collect();
                writeln!(stdout, "{:#}", serde_json::Value::Array(all)).map_err(io_error)?;
            }
            Format::Text => {
                for rule in RULES {
                    writeln!(
                        stdout,
                        "{:<27} {:<9} {}",
                        rule.id, rule.severity, rule.title
                    )
                    .map_err(io_error)?;
                }
            }
        },
        Command::Rules { id: Some(id) } => {
            let rule = rules::find(id).ok_or_else(|| {
                let help = suggest::did_you_mean(id, RULES.iter().map(|r| r.id))
                    .map(|s| format!("did you mean '{s}'?"))
                    .unwrap_or_else(|| "`hardrun rules` lists the rule ids".into());
                format!("unknown rule '{id}'\nhelp: {help}")
            })?;
            match format(options) {
                Format::Json => writeln!(stdout, "{:#}", rule_json(rule)).map_err(io_error)?,
                Format::Text => write_rule(stdout, rule).map_err(io_error)?,
            }
        }
        Command::Verify {
            profile,
            format: verify_format,
            project,
            containers,
        } => {
            let docker = locate_docker().map_err(|e| e.to_string())?;
            let reference = profile.as_deref().or(options.profile.as_deref());
            let profile = match reference.filter(|p| !p.is_empty()) {
                Some(reference) => Some(load_profile(Some(reference))?),
                None => None,
            };
            let format = Format::from(verify_format.unwrap_or(options.format));
            let code = verify_containers(
                &docker,
                containers,
                project.as_deref(),
                profile.as_ref(),
                format,
                stdout,
            );
            return Ok(ExitCode::from(code));
        }
        Command::Profiles { action } => {
            let source = FileSource::discover();
            match action {
                None | Some(ProfilesAction::List) => {
                    let mut listed = Vec::new();
                    for name in source.names() {
                        let profile = profile::load(&name, &source).map_err(|e| e.to_string())?;
                        listed.push(profile);
                    }
                    match format(options) {
                        Format::Json => {
                            let all: Vec<serde_json::Value> = listed
                                .iter()
                                .map(|p| serde_json::json!({"name": p.name, "source": p.source, "description": p.description}))
                                .collect();
                            writeln!(stdout, "{:#}", serde_json::Value::Array(all))
                                .map_err(io_error)?;
                        }
                        Format::Text => {
                            for p in listed {
                                writeln!(
                                    stdout,
                                    "{:<13} {}  ({})",
                                    p.name, p.description, p.source
                                )
                                .map_err(io_error)?;
                            }
                        }
                    }
                }
                Some(ProfilesAction::Show { name }) => {
                    let profile = profile::load(name, &source).map_err(|e| e.to_string())?;
                    write!(stdout, "{profile}").map_err(io_error)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! hardrun: applies a named hardening profile to `docker run`/`create` at the moment of
//! invocation, explains every change, and hands the hardened command to the real docker.
//!
//! This file is the only orchestration: it reads the environment, the working directory and
//! profile files, calls the pure core (`docker`, `profile`, `plan`, `rules`), prints through
//! `report`, and hands off through `exec`. See ARCHITECTURE.md for the map.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod docker;
pub mod exec;
#[cfg(test)]
mod invariants;
pub mod plan;
pub mod profile;
pub mod report;
pub mod rules;
pub mod spec;
pub mod suggest;

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, OutputFormat, ProfilesAction};
use crate::docker::command::{DockerCommand, parse};
use crate::docker::invocation::Invocation;
use crate::profile::{Found, Profile, ProfileError, Source, builtin};
use crate::report::{Format, command_line};
use crate::rules::{Context, RULES};

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
    match options.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
    }
}

/// Hardens `run`/`create`, passes every other command through.
fn docker_command(options: &Cli, argv: Vec<OsString>, depth: u32) -> Result<ExitCode, String> {
    let invocation = match parse(argv.clone()) {
        Ok(DockerCommand::Create(invocation)) => invocation,
        Ok(DockerCommand::Compose) => {
            let _ = writeln!(
                io::stderr(),
                "hardrun: note: compose projects are not hardened yet; passing the command to docker unchanged"
            );
            return Ok(hand_off(&argv, depth));
        }
        Ok(DockerCommand::Other) => return Ok(hand_off(&argv, depth)),
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

#[allow(clippy::disallowed_methods)] // the I/O edge
fn harden(options: &Cli, invocation: &Invocation, depth: u32) -> Result<ExitCode, String> {
    let profile = load_profile(options.profile.as_deref())?;
    check_allow(&options.allow)?;
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
    let cpu_limit_active = profile
        .rules
        .iter()
        .any(|s| s.rule.id == "cpu-limit" && s.level != rules::Level::Off);
    let context = Context {
        profile: profile.name.clone(),
        host_cpus: if cpu_limit_active { host_cpus() } else { None },
        ..Context::default()
    };
    let plan = plan::plan(&profile, &spec, &options.allow, &context);
    let secrets = secret_names(&profile, &spec);
    let hardened = invocation.apply(&plan.edits());
    let shown = invocation.masked(&secrets).apply(&plan.edits());
    let format = format(options);
    let stderr = &mut io::stderr().lock();
    let stdout = &mut io::stdout().lock();
    let io_error = |e: io::Error| format!("cannot write output: {e}");

    if plan.is_refused() {
        match format {
            Format::Json => {
                let report = report::to_json(&plan, &profile.source, None);
                let target: &mut dyn Write = if options.dry_run { stdout } else { stderr };
                writeln!(target, "{report:#}").map_err(io_error)?;
            }
            Format::Text => {
                if options.explain {
                    report::explain(stderr, &plan, &profile.source).map_err(io_error)?;
                }
                report::refusal(stderr, &plan).map_err(io_error)?;
            }
        }
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    match format {
        Format::Json if options.dry_run => {
            let report = report::to_json(&plan, &profile.source, Some(&shown));
            writeln!(stdout, "{report:#}").map_err(io_error)?;
        }
        Format::Json if options.explain => {
            let report = report::to_json(&plan, &profile.source, Some(&shown));
            writeln!(stderr, "{report:#}").map_err(io_error)?;
        }
        Format::Json => {}
        Format::Text => {
            if options.explain {
                report::explain(stderr, &plan, &profile.source).map_err(io_error)?;
            } else {
                report::warnings(stderr, &plan).map_err(io_error)?;
            }
            if options.dry_run {
                writeln!(stdout, "{}", command_line(&shown)).map_err(io_error)?;
            }
        }
    }
    if options.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let _ = stdout.flush();
    let _ = stderr.flush();
    Ok(hand_off(&hardened, depth))
}

/// The host's online CPUs, which docker compares `--cpus` with. One small file read; the
/// standard library's count also walks cgroup files, which costs more than the whole plan.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn host_cpus() -> Option<u32> {
    match std::fs::read_to_string("/sys/devices/system/cpu/online") {
        Ok(list) => count_cpu_list(list.trim()),
        Err(_) => std::thread::available_parallelism()
            .ok()
            .and_then(|n| u32::try_from(n.get()).ok()),
    }
}

/// Counts a kernel CPU list such as `0-3,8,10-11`.
fn count_cpu_list(list: &str) -> Option<u32> {
    list.split(',').try_fold(0u32, |total, part| {
        let count = match part.split_once('-') {
            Some((first, last)) => last.parse::<u32>().ok()?.checked_sub(first.parse().ok()?)? + 1,
            None => part.parse::<u32>().map(|_| 1).ok()?,
        };
        total.checked_add(count)
    })
}

/// The secret-looking variables, by the profile's `env-secrets` parameters.
fn secret_names(profile: &Profile, spec: &spec::ContainerSpec) -> Vec<String> {
    let params = profile
        .rules
        .iter()
        .find(|s| s.rule.id == rules::env_secrets::RULE.id)
        .map(|s| s.params.clone())
        .unwrap_or_default();
    rules::env_secrets::secret_names(spec, &params)
}

fn check_allow(allow: &[String]) -> Result<(), String> {
    for id in allow {
        if rules::find(id).is_none() {
            let help = suggest::did_you_mean(id, RULES.iter().map(|r| r.id))
                .map(|s| format!("did you mean '{s}'?"))
                .unwrap_or_else(|| "`hardrun rules` lists the rule ids".into());
            return Err(format!("unknown rule '{id}' in --allow\nhelp: {help}"));
        }
    }
    Ok(())
}

/// Execs docker with `args`; returns only when that fails.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn hand_off(args: &[OsString], depth: u32) -> ExitCode {
    let override_path = std::env::var_os(exec::DOCKER_VARIABLE);
    let path = std::env::var_os("PATH");
    let this = std::env::current_exe().ok();
    let error = match exec::find_docker(override_path.as_deref(), path.as_deref(), this.as_deref())
    {
        Ok(docker) => exec::exec(&docker, args, depth, &[]),
        Err(error) => error,
    };
    let _ = writeln!(io::stderr(), "hardrun: {error}");
    ExitCode::from(error.exit_code())
}

/// Profiles from `./.hardrun/profiles`, the user's config directory, and the built-ins.
struct FileSource {
    dirs: Vec<PathBuf>,
}

impl FileSource {
    #[allow(clippy::disallowed_methods)] // the I/O edge
    fn new() -> FileSource {
        let mut dirs = Vec::new();
        if let Ok(cwd) = std::env::current_dir() {
            dirs.push(cwd.join(".hardrun").join("profiles"));
        }
        if let Ok(strategy) = etcetera::choose_base_strategy() {
            use etcetera::BaseStrategy;
            dirs.push(strategy.config_dir().join("hardrun").join("profiles"));
        }
        FileSource { dirs }
    }

    #[allow(clippy::disallowed_methods)] // the I/O edge
    fn read(path: &Path) -> Result<Found, ProfileError> {
        std::fs::read_to_string(path)
            .map(|text| Found {
                source: path.display().to_string(),
                text,
            })
            .map_err(|error| ProfileError::Read {
                path: path.display().to_string(),
                reason: error.to_string(),
            })
    }
}

impl Source for FileSource {
    #[allow(clippy::disallowed_methods)] // the I/O edge
    fn by_name(&self, name: &str, skip: Option<&str>) -> Result<Option<Found>, ProfileError> {
        let mut skipping = skip.is_some();
        for dir in &self.dirs {
            for extension in ["yaml", "yml"] {
                let path = dir.join(format!("{name}.{extension}"));
                if !path.is_file() {
                    continue;
                }
                if skipping {
                    skipping = Some(path.display().to_string().as_str()) != skip;
                    continue;
                }
                return FileSource::read(&path).map(Some);
            }
        }
        let builtin_source = format!("built-in profile '{name}'");
        if skip == Some(builtin_source.as_str()) {
            return Ok(None);
        }
        Ok(builtin::get(name).map(|text| Found {
            source: builtin_source,
            text: text.to_owned(),
        }))
    }

    fn by_path(&self, path: &str) -> Result<Found, ProfileError> {
        FileSource::read(Path::new(path))
    }

    #[allow(clippy::disallowed_methods)] // the I/O edge
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = builtin::BUILTINS
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                if let Some(stem) = file
                    .strip_suffix(".yaml")
                    .or_else(|| file.strip_suffix(".yml"))
                {
                    names.push(stem.to_owned());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

fn load_profile(reference: Option<&str>) -> Result<Profile, String> {
    let reference = reference
        .filter(|r| !r.is_empty())
        .unwrap_or(builtin::DEFAULT);
    profile::load(reference, &FileSource::new()).map_err(|error| error.to_string())
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
        Command::Profiles { action } => {
            let source = FileSource::new();
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

fn rule_json(rule: &rules::Rule) -> serde_json::Value {
    let params: serde_json::Map<String, serde_json::Value> = rule
        .params
        .iter()
        .map(|(name, default)| ((*name).to_owned(), serde_json::Value::from(*default)))
        .collect();
    serde_json::json!({
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity.to_string(),
        "levels": rule.levels().iter().map(|l| l.name()).collect::<Vec<_>>(),
        "cis": rule.cis,
        "owasp": rule.owasp,
        "protects": rule.protects,
        "may_break": rule.may_break,
        "params": params,
        "example": rule.example,
    })
}

fn write_rule(out: &mut dyn Write, rule: &rules::Rule) -> io::Result<()> {
    writeln!(out, "{}: {}", rule.id, rule.title)?;
    writeln!(out, "  severity:   {}", rule.severity)?;
    let levels: Vec<&str> = rule.levels().iter().map(|l| l.name()).collect();
    writeln!(out, "  levels:     {}", levels.join(", "))?;
    writeln!(out, "  references: {}", rule.references())?;
    writeln!(out, "  protects:   {}", rule.protects)?;
    writeln!(out, "  may break:  {}", rule.may_break)?;
    if !rule.params.is_empty() {
        writeln!(out, "  parameters:")?;
        for (name, default) in rule.params {
            writeln!(out, "    {name} (default {default})")?;
        }
    }
    writeln!(out, "  example:    {}", rule.example)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_are_counted() {
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("0-1"), Some(2));
        assert_eq!(count_cpu_list("0-3,8,10-11"), Some(7));
        assert_eq!(count_cpu_list(""), None);
        assert_eq!(count_cpu_list("3-1"), None);
    }
}

//! hardrun: applies a named hardening profile to `docker run`/`create` at the moment of
//! invocation, explains every change, and hands the hardened command to the real docker.
//!
//! This file only dispatches: it reads hardrun's own options and hands the rest of the command
//! line to the command that owns it (`commands/`), each of which reads its input through a front
//! end, asks `decision::decide` and hands the decision to `deliver::deliver`. See
//! ARCHITECTURE.md for the map.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod adjustments;
pub mod audit;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod cli_plugin;
pub mod commands;
pub mod compose;
pub mod context;
pub mod decision;
pub mod deliver;
pub mod docker;
pub mod doctor;
pub mod engine;
pub mod exec;
pub mod fit;
#[doc(hidden)]
pub mod fuzz;
pub mod host;
pub mod inherited;
pub mod inspect;
#[cfg(test)]
mod invariants;
pub mod kube;
pub mod plan;
pub mod profile;
pub mod report;
pub mod rules;
pub mod scratch;
pub mod spec;
pub mod start;
pub mod suggest;
pub mod swarm;
pub mod symptoms;
pub mod verify;
pub mod waivers;
pub mod yaml_tree;

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::docker::command::{DockerCommand, parse};
use crate::docker::exec_guard::{self, Guarded};

pub use crate::deliver::EXIT_REFUSED;
/// Exit status for a usage or profile error of hardrun itself.
pub const EXIT_USAGE: u8 = 2;

/// Runs hardrun with the process arguments (program name first).
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn run(args: Vec<OsString>) -> ExitCode {
    let program = args.first().cloned().unwrap_or_else(|| "hardrun".into());
    let plugin_args;
    let rest = match Path::new(&program).file_name() {
        Some(name) if name == cli_plugin::PROGRAM => {
            match cli_plugin::call(args.get(1..).unwrap_or_default()) {
                cli_plugin::Call::Metadata => {
                    let _ = writeln!(io::stdout(), "{}", cli_plugin::metadata());
                    return ExitCode::SUCCESS;
                }
                cli_plugin::Call::Run(words) => {
                    plugin_args = words;
                    &plugin_args[..]
                }
                cli_plugin::Call::Unreadable(message) => {
                    let _ = writeln!(io::stderr(), "hardrun: {message}");
                    return ExitCode::from(EXIT_REFUSED);
                }
            }
        }
        _ => args.get(1..).unwrap_or_default(),
    };
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
        return commands::passthrough::run(&options, &split.docker, depth);
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

/// A docker command line: `run`/`create` and `compose` are hardened, `exec` and `build` judged,
/// every other command passes through untouched. `kubectl …` is not docker's: its manifests are
/// hardened for the real kubectl.
fn docker_command(options: &Cli, argv: Vec<OsString>, depth: u32) -> Result<ExitCode, String> {
    if argv.first().is_some_and(|w| w == "kubectl") {
        return commands::kubectl::run(options, &argv[1..], depth);
    }
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
    match parse(argv.clone()) {
        Ok(DockerCommand::Create(invocation)) => commands::run::run(options, &invocation, depth),
        Ok(DockerCommand::Compose { at }) => commands::compose::run(options, argv, at, depth),
        Ok(DockerCommand::Other) if swarm::service::service_word(&argv).is_some() => {
            let at = swarm::service::service_word(&argv).unwrap_or_default();
            commands::service::run(options, argv, at, depth)
        }
        Ok(DockerCommand::Other) if swarm::command::stack_word(&argv).is_some() => {
            let at = swarm::command::stack_word(&argv).unwrap_or_default();
            commands::stack::run(options, argv, at, depth)
        }
        Ok(DockerCommand::Other) => match exec_guard::detect(&argv) {
            Ok(Some(Guarded::Exec(line))) => commands::exec::run(options, &line, depth),
            Ok(Some(Guarded::Build(line))) => commands::build::run(options, &line, depth),
            Ok(None) => Ok(commands::passthrough::run(options, &argv, depth)),
            Err(error) => {
                let _ = writeln!(io::stderr(), "hardrun: {}", error.message());
                Ok(ExitCode::from(EXIT_REFUSED))
            }
        },
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "hardrun: cannot read this docker command line with certainty: {error}\nhelp: hardrun refuses rather than guesses where the image starts; check the flag, or run `docker {}` without hardrun",
                argv.first()
                    .map(|w| w.to_string_lossy())
                    .unwrap_or_default()
            );
            Ok(ExitCode::from(EXIT_REFUSED))
        }
    }
}

/// hardrun's own subcommands.
fn subcommand(command: &Command, options: &Cli) -> Result<ExitCode, String> {
    match command {
        Command::Completions { shell } => commands::completions::run(*shell),
        Command::Rules { id } => commands::rules::run(options, id.as_deref())?,
        Command::Verify {
            profile,
            format,
            project,
            containers,
        } => {
            return commands::verify::command(
                options.profile.as_deref(),
                profile.as_deref(),
                *format,
                options.format,
                project.as_deref(),
                containers,
            );
        }
        Command::Fit(args) => return commands::fit::run(options, args),
        Command::Doctor {
            format,
            tail,
            container,
        } => return commands::doctor::run(container, *tail, *format, options.format),
        Command::Profiles { action } => commands::profiles::run(options, action.as_ref())?,
        Command::Check {
            format,
            fail_on,
            baseline,
            write_baseline,
            fix,
            paths,
        } => {
            return commands::check::run(
                options,
                &commands::check::Options {
                    paths,
                    format: *format,
                    fail_on: fail_on.map(cli::FailOn::severity),
                    baseline: baseline.as_deref(),
                    write_baseline: write_baseline.as_deref(),
                    fix: *fix,
                },
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

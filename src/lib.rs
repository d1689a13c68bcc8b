//! hardrun: applies a named hardening profile to `docker run`/`create` at the moment of
//! invocation, explains every change, and hands the hardened command to the real docker.
//!
//! This file is the only orchestration: it reads the environment, the working directory and
//! profile files, calls the pure core (`docker`, `profile`, `plan`, `rules`), prints through
//! `report`, and hands off through `exec`. See ARCHITECTURE.md for the map.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod docker;
pub mod engine;
pub mod exec;
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
    let (context, notes) = planning_context(&profile, invocation, &spec);
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
            let report = report::to_json(&plan, &profile.source, Some(&shown), &notes);
            writeln!(stdout, "{report:#}").map_err(io_error)?;
        }
        Format::Json if options.explain => {
            let report = report::to_json(&plan, &profile.source, Some(&shown), &notes);
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
                writeln!(stdout, "{}", command_line(&shown)).map_err(io_error)?;
            }
        }
    }
    if options.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let _ = stdout.flush();
    let _ = stderr.flush();
    if options.verify {
        return run_and_verify(options, invocation, &hardened, &profile, depth);
    }
    Ok(hand_off(&hardened, depth))
}

/// Whether the profile evaluates a rule at all.
fn active(profile: &Profile, id: &str) -> bool {
    profile
        .rules
        .iter()
        .any(|s| s.rule.id == id && s.level != rules::Level::Off)
}

/// The facts outside the command line that change a decision, gathered only when an active
/// rule needs them: the host's CPUs, the image's configuration, the daemon's default log
/// driver. The notes say what was learned, for `--explain`.
fn planning_context(
    profile: &Profile,
    invocation: &Invocation,
    spec: &spec::ContainerSpec,
) -> (Context, Vec<String>) {
    let mut notes = Vec::new();
    let mut context = Context {
        profile: profile.name.clone(),
        host_cpus: active(profile, "cpu-limit").then(host_cpus).flatten(),
        ..Context::default()
    };
    let wants_image = ["non-root-user", "healthcheck", "read-only-rootfs"]
        .iter()
        .any(|id| active(profile, id));
    let wants_log_driver = active(profile, "log-rotation")
        && spec.log_driver.as_ref().is_none_or(|d| d.value.is_empty());
    if !wants_image && !wants_log_driver {
        return (context, notes);
    }
    let endpoint = engine_endpoint(invocation);
    if wants_image {
        let without = "planned without its USER, HEALTHCHECK and VOLUMEs";
        match engine::image(&endpoint, &spec.image) {
            engine::ImageLookup::Local(facts) => {
                notes.push(describe_image(&spec.image, &facts));
                context.image = Some(facts);
            }
            engine::ImageLookup::NotLocal => notes.push(format!(
                "image {} is not present locally: {without}",
                spec.image
            )),
            engine::ImageLookup::Unknown(why) => notes.push(format!(
                "image {} was not inspected ({why}): {without}",
                spec.image
            )),
        }
    }
    if wants_log_driver {
        context.daemon_log_driver = local_daemon_log_driver(&endpoint);
        notes.push(match &context.daemon_log_driver {
            Some(driver) => format!("the daemon's default log driver is {driver}"),
            None => "the daemon's default log driver is not known here: hardrun names json-file explicitly".into(),
        });
    }
    (context, notes)
}

fn describe_image(image: &str, facts: &spec::ImageFacts) -> String {
    let user = if facts.user.is_empty() {
        "root (no USER)"
    } else {
        facts.user.as_str()
    };
    let health = if facts.healthcheck {
        "a HEALTHCHECK"
    } else {
        "no HEALTHCHECK"
    };
    let volumes = if facts.volumes.is_empty() {
        "no VOLUME".to_owned()
    } else {
        format!("VOLUME {}", facts.volumes.join(" "))
    };
    format!("image {image} is local: user {user}, {health}, {volumes}")
}

/// Where the engine is, as docker would decide it for this command line.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn engine_endpoint(invocation: &Invocation) -> engine::Endpoint {
    let names_endpoint = invocation
        .globals()
        .iter()
        .any(|o| matches!(o.flag.long, "host" | "context" | "config"));
    let docker_host = std::env::var_os("DOCKER_HOST");
    let docker_context = std::env::var_os("DOCKER_CONTEXT");
    let current_context = if names_endpoint || docker_host.is_some() || docker_context.is_some() {
        None
    } else {
        let config_dir = std::env::var_os("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker")));
        config_dir
            .and_then(|dir| std::fs::read_to_string(dir.join("config.json")).ok())
            .and_then(|text| engine::current_context(&text))
    };
    engine::endpoint(
        names_endpoint,
        docker_host.as_deref(),
        docker_context.as_deref(),
        current_context.as_deref(),
    )
}

/// The default log driver of the daemon behind the standard local socket, from its command line
/// and `/etc/docker/daemon.json`; `None` for any other engine.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn local_daemon_log_driver(endpoint: &engine::Endpoint) -> Option<String> {
    let engine::Endpoint::Socket(socket) = endpoint else {
        return None;
    };
    if socket != Path::new(engine::DEFAULT_SOCKET) && socket != Path::new("/run/docker.sock") {
        return None;
    }
    let cmdline = std::fs::read_to_string("/var/run/docker.pid")
        .ok()
        .and_then(|pid| std::fs::read(format!("/proc/{}/cmdline", pid.trim())).ok());
    let daemon_json = std::fs::read_to_string("/etc/docker/daemon.json").ok();
    Some(engine::daemon_log_driver(
        cmdline.as_deref(),
        daemon_json.as_deref(),
    ))
}

/// `run --verify -d`: runs docker as a child, passes its output on, then verifies the
/// container it started against the same profile.
fn run_and_verify(
    options: &Cli,
    invocation: &Invocation,
    hardened: &[OsString],
    profile: &Profile,
    depth: u32,
) -> Result<ExitCode, String> {
    let detached = invocation
        .options()
        .iter()
        .any(|o| o.flag.long == "detach" && o.enabled());
    if !detached {
        return Err("--verify checks a container after it starts: run it detached with -d\nhelp: add -d to the docker command, or drop --verify and run `hardrun verify NAME` later".into());
    }
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let (status, stdout) = exec::run_collecting_stdout(&docker, hardened, depth)
        .map_err(|e| format!("cannot run {}: {e}", docker.display()))?;
    let _ = io::stdout().write_all(&stdout);
    let _ = io::stdout().flush();
    if !status.success() {
        let code = status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1);
        return Ok(ExitCode::from(code));
    }
    let id = String::from_utf8_lossy(&stdout)
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| line.trim().to_owned())
        .ok_or("docker printed no container id to verify")?;
    let code = verify_containers(
        &docker,
        &[id],
        Some(profile),
        format(options),
        &mut io::stderr().lock(),
    );
    Ok(ExitCode::from(code))
}

/// The real docker, as the handoff finds it.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn locate_docker() -> Result<PathBuf, exec::ExecError> {
    let override_path = std::env::var_os(exec::DOCKER_VARIABLE);
    let path = std::env::var_os("PATH");
    let this = std::env::current_exe().ok();
    exec::find_docker(override_path.as_deref(), path.as_deref(), this.as_deref())
}

/// `hardrun verify`: inspects the containers (all running ones when none is named), plans each
/// against its profile and reports the verdicts. Returns the exit status: 0 every rule passes,
/// 1 a rule fails, 2 a container could not be evaluated.
fn verify_containers(
    docker: &Path,
    containers: &[String],
    profile: Option<&Profile>,
    format: Format,
    out: &mut dyn Write,
) -> u8 {
    let mut problems: Vec<String> = Vec::new();
    let ids: Vec<String> = if containers.is_empty() {
        let ps = [OsStr::new("ps"), OsStr::new("-q"), OsStr::new("--no-trunc")];
        match exec::capture(docker, &ps) {
            Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            Ok(output) => {
                let complaint = String::from_utf8_lossy(&output.stderr);
                problems.push(format!("docker ps failed: {}", complaint.trim()));
                Vec::new()
            }
            Err(error) => {
                problems.push(format!("cannot run {}: {error}", docker.display()));
                Vec::new()
            }
        }
    } else {
        containers.to_vec()
    };
    let inspected = inspect_containers(docker, &ids, &mut problems);
    let source = FileSource::new();
    let mut reports = Vec::new();
    for item in &inspected {
        let text = |key: &str| {
            item.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_owned()
        };
        let name = text("Name").trim_start_matches('/').to_owned();
        let spec = match inspect::container_spec(item) {
            Ok(spec) => spec,
            Err(error) => {
                problems.push(format!("{name}: {error}"));
                continue;
            }
        };
        let loaded;
        let profile = match profile {
            Some(profile) => profile,
            None => {
                let reference = spec
                    .label(plan::PROFILE_LABEL)
                    .unwrap_or(builtin::DEFAULT)
                    .to_owned();
                loaded = match profile::load(&reference, &source) {
                    Ok(profile) => profile,
                    Err(error) => {
                        problems.push(format!(
                            "{name}: the profile '{reference}' recorded on it cannot be loaded: {error}\nhelp: name a profile with --profile"
                        ));
                        continue;
                    }
                };
                &loaded
            }
        };
        let context = Context {
            profile: profile.name.clone(),
            host_cpus: host_cpus(),
            image: image_facts_via_cli(docker, &text("Image")),
            ..Context::default()
        };
        reports.push(report::ContainerVerdicts {
            name,
            id: text("Id"),
            image: spec.image.clone(),
            profile: profile.name.clone(),
            verdicts: verify::verify(profile, &spec, &context),
        });
    }
    let _ = match format {
        Format::Json => report::verdicts_json(out, &reports, &problems),
        Format::Text => report::verdicts(out, &reports, &problems),
    };
    if !problems.is_empty() {
        2
    } else if reports.iter().any(|r| verify::fails(&r.verdicts)) {
        1
    } else {
        0
    }
}

/// `docker inspect` of the containers; what docker cannot find goes into `problems`.
fn inspect_containers(
    docker: &Path,
    ids: &[String],
    problems: &mut Vec<String>,
) -> Vec<serde_json::Value> {
    if ids.is_empty() {
        return Vec::new();
    }
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("inspect"),
        OsStr::new("--type"),
        OsStr::new("container"),
    ];
    args.extend(ids.iter().map(OsStr::new));
    let output = match exec::capture(docker, &args) {
        Ok(output) => output,
        Err(error) => {
            problems.push(format!("cannot run {}: {error}", docker.display()));
            return Vec::new();
        }
    };
    // docker prints what it found and complains about the rest.
    if !output.status.success() {
        let complaint = String::from_utf8_lossy(&output.stderr);
        problems.extend(
            complaint
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    }
    match serde_json::from_slice::<serde_json::Value>(&output.stdout) {
        Ok(serde_json::Value::Array(items)) => items,
        _ if output.stdout.iter().all(u8::is_ascii_whitespace) => Vec::new(),
        _ => {
            problems.push("docker inspect printed something that is not a JSON array".into());
            Vec::new()
        }
    }
}

/// The image's configuration through `docker image inspect` (for `verify`, which already talks
/// to docker through its CLI).
fn image_facts_via_cli(docker: &Path, image: &str) -> Option<spec::ImageFacts> {
    if image.is_empty() || image == "?" {
        return None;
    }
    let args = [
        OsStr::new("image"),
        OsStr::new("inspect"),
        OsStr::new(image),
    ];
    let output = exec::capture(docker, &args).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    json.as_array()?.first().map(inspect::image_facts)
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
fn hand_off(args: &[OsString], depth: u32) -> ExitCode {
    let error = match locate_docker() {
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
        Command::Verify {
            profile,
            format: verify_format,
            containers,
        } => {
            let docker = locate_docker().map_err(|e| e.to_string())?;
            let reference = profile.as_deref().or(options.profile.as_deref());
            let profile = match reference.filter(|p| !p.is_empty()) {
                Some(reference) => Some(load_profile(Some(reference))?),
                None => None,
            };
            let format = match verify_format.unwrap_or(options.format) {
                OutputFormat::Text => Format::Text,
                OutputFormat::Json => Format::Json,
            };
            let code = verify_containers(&docker, containers, profile.as_ref(), format, stdout);
            return Ok(ExitCode::from(code));
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

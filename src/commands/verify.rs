//! `hardrun verify`, `compose verify` and `run --verify`: asks docker for the containers, judges
//! each with `verify`, and reports.
//!
//! verify talks to docker through its CLI (`docker inspect`, `docker ps`, `docker image
//! inspect`), so contexts and remote hosts work as they do for the user; it is not on the
//! `run` path, where every millisecond counts.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::OutputFormat;
use crate::docker::invocation::Invocation;
use crate::host::{FileSource, host_cpus, locate_docker};
use crate::profile::{self, Profile, builtin};
use crate::report::{self, Format};
use crate::rules::Context;
use crate::{exec, inspect, plan, spec, verify};

/// `hardrun [--profile P] verify [--profile P] [--format F] [--project NAME] [CONTAINER…]`.
pub fn command(
    options_profile: Option<&str>,
    profile: Option<&str>,
    format: Option<OutputFormat>,
    default_format: OutputFormat,
    project: Option<&str>,
    containers: &[String],
) -> Result<ExitCode, String> {
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let reference = profile.or(options_profile);
    let profile = match reference.filter(|p| !p.is_empty()) {
        Some(reference) => Some(super::load_profile(Some(reference))?),
        None => None,
    };
    let format = Format::from(format.unwrap_or(default_format));
    let code = verify_containers(
        &docker,
        containers,
        project,
        profile.as_ref(),
        format,
        &mut io::stdout().lock(),
    );
    Ok(ExitCode::from(code))
}

/// `run --verify -d`: runs docker as a child, passes its output on, then verifies the
/// container it started against the same profile.
pub fn run_and_verify(
    format: Format,
    invocation: &Invocation,
    hardened: &[OsString],
    profile: &Profile,
    depth: u32,
    extra_env: &[(&str, &str)],
) -> Result<ExitCode, String> {
    let detached = invocation
        .options()
        .iter()
        .any(|o| o.flag.long == "detach" && o.enabled());
    if !detached {
        return Err("--verify checks a container after it starts: run it detached with -d\nhelp: add -d to the docker command, or drop --verify and run `hardrun verify NAME` later".into());
    }
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let (status, stdout) = exec::run_collecting_stdout(&docker, hardened, depth, extra_env)
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
        std::slice::from_ref(&id),
        None,
        Some(profile),
        format,
        &mut io::stderr().lock(),
    );
    if let Some(hint) = down_after_start(&docker, &id) {
        let _ = writeln!(io::stderr(), "{hint}");
    }
    Ok(ExitCode::from(code))
}

/// How long `run --verify` watches a started container before it stops looking.
const WATCH_AFTER_START: std::time::Duration = std::time::Duration::from_secs(3);

/// `doctor`'s one-line hint when the container is not running (or restarts) within a few
/// seconds of its start; `None` while it keeps running.
fn down_after_start(docker: &Path, id: &str) -> Option<String> {
    let start = std::time::Instant::now();
    loop {
        let diagnosis = super::doctor::diagnose(docker, id, 100).ok()?;
        let state = &diagnosis.state;
        if !state.running || state.restarting || state.restart_count > 0 {
            return Some(diagnosis.hint());
        }
        if start.elapsed() >= WATCH_AFTER_START {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// `hardrun verify`: inspects the containers (all running ones when none is named, those of a
/// compose project with `project`), plans each
/// against its profile and reports the verdicts. Returns the exit status: 0 every rule passes,
/// 1 a rule fails, 2 a container could not be evaluated.
pub fn verify_containers(
    docker: &Path,
    containers: &[String],
    project: Option<&str>,
    profile: Option<&Profile>,
    format: Format,
    out: &mut dyn Write,
) -> u8 {
    let mut problems: Vec<String> = Vec::new();
    let ids: Vec<String> = if containers.is_empty() {
        let filter = project.map(|p| format!("label=com.docker.compose.project={p}"));
        let mut ps = vec![OsStr::new("ps"), OsStr::new("-q"), OsStr::new("--no-trunc")];
        if let Some(filter) = &filter {
            ps.extend([OsStr::new("--filter"), OsStr::new(filter)]);
        }
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
    let source = FileSource::discover();
    let cpus = host_cpus();
    // Containers of one image (compose replicas) share one `docker image inspect`.
    let mut images: std::collections::HashMap<String, Option<spec::ImageFacts>> =
        std::collections::HashMap::new();
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
            host_cpus: cpus,
            image: images
                .entry(text("Image"))
                .or_insert_with_key(|image| image_facts_via_cli(docker, image))
                .clone(),
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

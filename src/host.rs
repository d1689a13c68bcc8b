//! What hardrun reads from the machine it runs on: profile files, the CPU count, where the real
//! docker is, where the engine is (the docker CLI's configuration), and the local daemon's
//! configuration.
//!
//! With `exec` and `engine`, this is the I/O edge: the core only ever sees what these functions
//! return.

use std::path::{Path, PathBuf};

use crate::docker::invocation::Invocation;
use crate::engine;
use crate::exec;
use crate::profile::{Found, ProfileError, Source, builtin};

/// The real docker, as the handoff finds it.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn locate_docker() -> Result<PathBuf, exec::ExecError> {
    let override_path = std::env::var_os(exec::DOCKER_VARIABLE);
    let path = std::env::var_os("PATH");
    let this = std::env::current_exe().ok();
    exec::find_docker(override_path.as_deref(), path.as_deref(), this.as_deref())
}

/// A standalone `docker-compose` on PATH, if there is one (to tell Compose v1 users why their
/// compose is not used).
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn standalone_compose() -> Option<PathBuf> {
    let path = std::env::var_os("PATH");
    let this = std::env::current_exe().ok();
    exec::find_program("docker-compose", path.as_deref(), this.as_deref())
}

/// The host's online CPUs, which docker compares `--cpus` with. One small file read; the
/// standard library's count also walks cgroup files, which costs more than the whole plan.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn host_cpus() -> Option<u32> {
    match std::fs::read_to_string("/sys/devices/system/cpu/online") {
        Ok(list) => count_cpu_list(list.trim()),
        Err(_) => std::thread::available_parallelism()
            .ok()
            .and_then(|n| u32::try_from(n.get()).ok()),
    }
}

/// Counts a kernel CPU list such as `0-3,8,10-11`.
pub fn count_cpu_list(list: &str) -> Option<u32> {
    list.split(',').try_fold(0u32, |total, part| {
        let count = match part.split_once('-') {
            Some((first, last)) => last.parse::<u32>().ok()?.checked_sub(first.parse().ok()?)? + 1,
            None => part.parse::<u32>().map(|_| 1).ok()?,
        };
        total.checked_add(count)
    })
}

/// Where the engine is, as docker would decide it for this command line.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn engine_endpoint(invocation: &Invocation) -> engine::Endpoint {
    let names_endpoint = invocation
        .globals()
        .iter()
        .any(|o| matches!(o.flag.long, "host" | "context" | "config"));
    endpoint_unless_named(names_endpoint)
}

/// Where the engine is, as docker would decide it when the global options name (or do not name)
/// a host, context or configuration.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn endpoint_unless_named(names_endpoint: bool) -> engine::Endpoint {
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
pub fn local_daemon_log_driver(endpoint: &engine::Endpoint) -> Option<String> {
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

/// The waivers of this invocation: the `--allow` values given, the waivers and adjustments of
/// the project file
/// (the first `.hardrun.yaml` upward from the working directory, up to `/`), and today's date
/// in UTC, which decides which of them have expired. A project file that cannot be read or
/// parsed is an error: nothing runs.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn waivers(allowed: Vec<crate::waivers::Allowed>) -> Result<crate::waivers::Waivers, String> {
    use crate::waivers::{Date, FILE_NAME, Waivers};
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let today = Date::from_unix_days(i64::try_from(seconds / 86_400).unwrap_or(i64::MAX));
    let unreadable = |path: &Path, error: std::io::Error| {
        format!(
            "cannot read the project file {}: {error}\nhelp: hardrun reads the project's waivers from it; make it readable, or move it away",
            path.display()
        )
    };
    let mut found = None;
    for dir in cwd.ancestors() {
        let path = dir.join(FILE_NAME);
        match std::fs::metadata(&path) {
            Ok(_) => {
                found = Some(path);
                break;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => return Err(unreadable(&path, e)),
        }
    }
    let project = match found {
        None => crate::waivers::Project::default(),
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
            // Named as the user knows it: `.hardrun.yaml` here, the full path further up.
            let shown = if path.parent() == Some(cwd.as_path()) {
                FILE_NAME.to_owned()
            } else {
                path.display().to_string()
            };
            crate::waivers::parse(&shown, &text).map_err(|e| e.to_string())?
        }
    };
    Ok(Waivers {
        allowed,
        project: project.waivers,
        adjustments: project.adjustments,
        catalogue: false,
        today,
    })
}

/// Profiles from `./.hardrun/profiles`, the user's config directory, and the built-ins.
pub struct FileSource {
    dirs: Vec<PathBuf>,
}

impl FileSource {
    #[allow(clippy::disallowed_methods)] // the I/O edge
    /// The profile directories of this working directory and user.
    pub fn discover() -> FileSource {
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

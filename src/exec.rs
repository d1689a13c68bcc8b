//! The only place hardrun starts another program: finding the real docker and exec'ing it.
//!
//! hardrun may itself be installed as `docker` (a symlink, or first on PATH), so the search
//! skips every candidate that is the running executable. On Unix the handoff is `exec`: docker
//! gets hardrun's PID, TTY, stdin and signals, and its exit status is the user's. A depth
//! counter in the environment stops a loop through wrapper scripts.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use thiserror::Error;

/// Environment variable naming the real docker explicitly.
pub const DOCKER_VARIABLE: &str = "HARDRUN_DOCKER";
/// Environment variable set for docker: how many hardruns are above it.
pub const DEPTH_VARIABLE: &str = "HARDRUN_ACTIVE";
/// More nested hardruns than this is a loop.
pub const MAX_DEPTH: u32 = 3;

/// Why docker could not be started.
#[derive(Debug, Error)]
pub enum ExecError {
    #[error(
        "cannot find docker on PATH (skipping hardrun itself)\nhelp: install the docker CLI, or set HARDRUN_DOCKER to its path"
    )]
    NotFound,
    #[error(
        "{variable} points to {path:?}, which is not an executable file\nhelp: set {variable} to the real docker binary, e.g. /usr/bin/docker"
    )]
    BadOverride {
        variable: &'static str,
        path: PathBuf,
    },
    #[error(
        "hardrun is calling itself (depth {depth}): the 'docker' it finds leads back to hardrun\nhelp: set HARDRUN_DOCKER to the real docker binary, e.g. /usr/bin/docker"
    )]
    Loop { depth: u32 },
    #[error(
        "cannot execute {path:?}: {source}\nhelp: check that docker is installed and executable, or set HARDRUN_DOCKER"
    )]
    Exec { path: PathBuf, source: io::Error },
}

impl ExecError {
    /// The shell's convention: 127 not found, 126 found but not executable.
    pub fn exit_code(&self) -> u8 {
        match self {
            ExecError::NotFound => 127,
            ExecError::Exec { source, .. } if source.kind() == io::ErrorKind::NotFound => 127,
            _ => 126,
        }
    }
}

/// Finds the real docker: `HARDRUN_DOCKER`, else the first `docker` on `path` that is not the
/// running hardrun.
pub fn find_docker(
    override_path: Option<&OsStr>,
    path: Option<&OsStr>,
    this_exe: Option<&Path>,
) -> Result<PathBuf, ExecError> {
    if let Some(explicit) = override_path.filter(|p| !p.is_empty()) {
        let explicit = PathBuf::from(explicit);
        return if is_executable(&explicit) {
            Ok(explicit)
        } else {
            Err(ExecError::BadOverride {
                variable: DOCKER_VARIABLE,
                path: explicit,
            })
        };
    }
    find_program("docker", path, this_exe).ok_or(ExecError::NotFound)
}

/// The first executable `name` on `path` that is not the running hardrun.
pub fn find_program(name: &str, path: Option<&OsStr>, this_exe: Option<&Path>) -> Option<PathBuf> {
    let this = this_exe.and_then(identity);
    std::env::split_paths(path.unwrap_or_default())
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| {
            is_executable(candidate) && (this.is_none() || identity(candidate) != this)
        })
}

/// Replaces this process with docker. Returns only on failure.
#[allow(clippy::disallowed_methods)] // the one place that starts a process and inspects files
pub fn exec(docker: &Path, args: &[OsString], depth: u32, extra_env: &[(&str, &str)]) -> ExecError {
    if depth >= MAX_DEPTH {
        return ExecError::Loop { depth };
    }
    let mut command = Command::new(docker);
    command
        .args(args)
        .env(DEPTH_VARIABLE, (depth + 1).to_string());
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let source = command.exec();
    ExecError::Exec {
        path: docker.to_owned(),
        source,
    }
}

/// Runs docker with `args` and collects its output: for hardrun's own questions (`inspect`,
/// `ps`), never for the user's command.
#[allow(clippy::disallowed_methods)] // the one place that starts a process
pub fn capture(docker: &Path, args: &[&OsStr]) -> io::Result<std::process::Output> {
    Command::new(docker)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
}

/// Like `capture`, with `input` on docker's stdin (hardrun's own questions only, such as
/// validating a hardened compose model).
#[allow(clippy::disallowed_methods)] // the one place that starts a process
pub fn capture_with_input(
    docker: &Path,
    args: &[&OsStr],
    input: &[u8],
) -> io::Result<std::process::Output> {
    use std::io::Write as _;
    let mut child = Command::new(docker)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output()?;
    // docker may stop reading early (an error); its output says why, not the broken pipe.
    let _ = writer.join();
    Ok(output)
}

/// Runs the user's command as a child instead of exec'ing it, because hardrun still has work
/// to do afterwards (`--verify`). stdin and stderr are the user's; stdout is collected and
/// returned, so the caller can pass it on and read the container id from it.
#[allow(clippy::disallowed_methods)] // the one place that starts a process
pub fn run_collecting_stdout(
    docker: &Path,
    args: &[OsString],
    depth: u32,
    extra_env: &[(&str, &str)],
) -> io::Result<(std::process::ExitStatus, Vec<u8>)> {
    let output = Command::new(docker)
        .args(args)
        .envs(extra_env.iter().copied())
        .env(DEPTH_VARIABLE, (depth + 1).to_string())
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()?;
    Ok((output.status, output.stdout))
}

#[allow(clippy::disallowed_methods)] // the one place that starts a process and inspects files
fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A file's identity (device, inode), following symlinks.
fn identity(path: &Path) -> Option<(u64, u64)> {
    path.metadata().ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the tests lay out fake executables
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn executable(path: &Path) {
        fs::write(path, "#!/bin/sh\n").unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn skips_hardrun_installed_as_docker() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first");
        let second = dir.path().join("second");
        fs::create_dir_all(&first).unwrap();
        fs::create_dir_all(&second).unwrap();
        let hardrun = dir.path().join("hardrun");
        executable(&hardrun);
        symlink(&hardrun, first.join("docker")).unwrap();
        executable(&second.join("docker"));
        let path = std::env::join_paths([&first, &second]).unwrap();
        let found = find_docker(None, Some(&path), Some(&hardrun)).unwrap();
        assert_eq!(found, second.join("docker"));
    }

    #[test]
    fn the_override_wins_and_must_be_executable() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("my-docker");
        executable(&docker);
        assert_eq!(
            find_docker(Some(docker.as_os_str()), None, None).unwrap(),
            docker
        );
        let missing = dir.path().join("missing");
        assert!(matches!(
            find_docker(Some(missing.as_os_str()), None, None),
            Err(ExecError::BadOverride { .. })
        ));
    }

    #[test]
    fn missing_docker_is_127() {
        let dir = tempfile::tempdir().unwrap();
        let error = find_docker(None, Some(dir.path().as_os_str()), None).unwrap_err();
        assert_eq!(error.exit_code(), 127);
    }
}

//! Helpers for running the real `hardrun` binary against a fake docker.
//!
//! The fake docker is a tiny shell script that records its argv (NUL-separated, plus the
//! argument count so that "no arguments" and "one empty argument" differ), the values of
//! `HARDRUN_ACTIVE` and `DOCKER_CONTENT_TRUST` it was given, and exits with
//! `FAKE_DOCKER_EXIT` (default 0). When `FAKE_DOCKER_SCRIPT` is set, the fake `eval`s it
//! first, with docker's arguments as `$@`: a test can make it answer one call (`compose
//! version`, say) and fail another.
//!
//! Every test gets its own `Sandbox`: a temporary directory holding the working directory, a
//! `HOME`, an `XDG_CONFIG_HOME` and an `XDG_STATE_HOME`, so the developer's own profiles never
//! leak in and hardrun's audit trail stays in the sandbox, and the file the fake docker writes
//! its log to.

#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

/// The `hardrun` binary under test.
pub const HARDRUN: &str = env!("CARGO_BIN_EXE_hardrun");

const FAKE_DOCKER: &str = r#"#!/bin/sh
# Fake docker for hardrun's integration tests: records argv and HARDRUN_ACTIVE.
printf '%s\0' "$@" > "$HARDRUN_FAKE_LOG"
printf '%s' "$#" > "$HARDRUN_FAKE_LOG.argc"
if [ "${HARDRUN_ACTIVE+set}" = set ]; then
  printf '%s' "$HARDRUN_ACTIVE" > "$HARDRUN_FAKE_LOG.active"
fi
if [ "${DOCKER_CONTENT_TRUST+set}" = set ]; then
  printf '%s' "$DOCKER_CONTENT_TRUST" > "$HARDRUN_FAKE_LOG.trust"
fi
if [ -n "${FAKE_DOCKER_SCRIPT:-}" ]; then
  eval "$FAKE_DOCKER_SCRIPT"
fi
exit "${FAKE_DOCKER_EXIT:-0}"
"#;

/// The directory holding the fake docker, named `docker`.
///
/// Written once per test process, before any test starts a child: an executable that some
/// forked child still holds open for writing cannot be exec'd (ETXTBSY), so the script is
/// never written while another test may be spawning. It is written to a temporary name and
/// renamed into place, so concurrent test processes never see half a script.
pub fn fake_docker_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hardrun-it-fake-docker");
        fs::create_dir_all(&dir).expect("create the fake docker's directory");
        let staging = dir.join(format!(".docker.{}", std::process::id()));
        fs::write(&staging, FAKE_DOCKER).expect("write the fake docker");
        fs::set_permissions(&staging, fs::Permissions::from_mode(0o755))
            .expect("make the fake docker executable");
        fs::rename(&staging, dir.join("docker")).expect("install the fake docker");
        dir
    })
}

/// The fake docker's path.
pub fn fake_docker() -> PathBuf {
    fake_docker_dir().join("docker")
}

/// What one run of hardrun did.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// The argv docker received, without its program name; `None` if docker was never run.
    pub docker: Option<Vec<OsString>>,
    /// `HARDRUN_ACTIVE` as docker saw it; `None` if unset or docker was never run.
    pub active: Option<String>,
    /// `DOCKER_CONTENT_TRUST` as docker saw it; `None` if unset or docker was never run.
    pub content_trust: Option<String>,
}

impl Outcome {
    /// docker's argv as strings; panics if docker was not run.
    pub fn docker_words(&self) -> Vec<String> {
        self.docker
            .as_ref()
            .unwrap_or_else(|| panic!("docker was never run\n{self}"))
            .iter()
            .map(|w| w.to_str().expect("UTF-8 argv").to_owned())
            .collect()
    }

    /// stdout and stderr together.
    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not valid JSON: {e}\n{self}"))
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit status\n{self}");
        self
    }

    #[track_caller]
    pub fn assert_docker_not_run(&self) -> &Self {
        assert!(self.docker.is_none(), "docker was run\n{self}");
        self
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "exit: {:?}", self.code)?;
        writeln!(f, "stdout:\n{}", self.stdout)?;
        writeln!(f, "stderr:\n{}", self.stderr)?;
        writeln!(f, "docker argv: {:?}", self.docker)?;
        writeln!(f, "docker HARDRUN_ACTIVE: {:?}", self.active)?;
        write!(f, "docker DOCKER_CONTENT_TRUST: {:?}", self.content_trust)
    }
}

/// One test's private world: working directory, home, config home, fake docker log.
pub struct Sandbox {
    root: TempDir,
    /// Extra environment for the next runs.
    env: Vec<(OsString, OsString)>,
    /// Variables to remove.
    removed: Vec<OsString>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        // Install the fake before this test starts any child (see `fake_docker_dir`).
        fake_docker_dir();
        let root = tempfile::tempdir().expect("create a temporary directory");
        for dir in ["work", "home", "config"] {
            fs::create_dir_all(root.path().join(dir)).expect("create sandbox directories");
        }
        Sandbox {
            root,
            env: Vec::new(),
            removed: Vec::new(),
        }
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The working directory hardrun runs in.
    pub fn cwd(&self) -> PathBuf {
        self.root().join("work")
    }

    /// `XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.root().join("config")
    }

    /// `XDG_STATE_HOME` (created on demand, by hardrun's audit trail).
    pub fn state_home(&self) -> PathBuf {
        self.root().join("state")
    }

    fn log(&self) -> PathBuf {
        self.root().join("docker.log")
    }

    /// Sets an environment variable for the following runs.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Removes an environment variable for the following runs.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Self {
        self.removed.push(key.as_ref().to_owned());
        self
    }

    /// Writes a file relative to the working directory, creating parent directories.
    pub fn write(&self, relative: impl AsRef<Path>, text: &str) -> PathBuf {
        let path = self.cwd().join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, text).expect("write file");
        path
    }

    /// A command for `program` with the sandbox's environment. HARDRUN_DOCKER points to the
    /// fake docker unless the test removes it.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.cwd())
            .env_remove("HARDRUN_PROFILE")
            .env_remove("HARDRUN_ACTIVE")
            .env_remove("FAKE_DOCKER_EXIT")
            .env_remove("FAKE_DOCKER_SCRIPT")
            .env_remove("DOCKER_CONTENT_TRUST")
            .env_remove("HARDRUN_AUDIT")
            .env_remove("HARDRUN_AUDIT_FILE")
            // The audit trail goes to the sandbox, never to the developer's state directory.
            .env("XDG_STATE_HOME", self.state_home())
            .env("HARDRUN_DOCKER", fake_docker())
            // No engine answers here, so image and daemon facts are the same on every machine.
            .env("DOCKER_HOST", "unix:///nonexistent/hardrun-it.sock")
            .env("HARDRUN_FAKE_LOG", self.log())
            .env("HOME", self.root().join("home"))
            .env("XDG_CONFIG_HOME", self.config_home());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for key in &self.removed {
            command.env_remove(key);
        }
        command
    }

    /// Runs hardrun with `args`.
    pub fn run<I, S>(&self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command(HARDRUN);
        command.args(args);
        self.outcome(command)
    }

    /// Runs a prepared command and collects what it and the fake docker did.
    pub fn outcome(&self, mut command: Command) -> Outcome {
        for file in [
            self.log(),
            log_sibling(&self.log(), "argc"),
            log_sibling(&self.log(), "active"),
            log_sibling(&self.log(), "trust"),
        ] {
            let _ = fs::remove_file(file);
        }
        let output = command.output().expect("start hardrun");
        let docker = fs::read(self.log()).ok().map(|bytes| {
            let argc: usize = fs::read_to_string(log_sibling(&self.log(), "argc"))
                .expect("the fake docker records its argc")
                .parse()
                .expect("argc is a number");
            let mut words: Vec<OsString> = bytes
                .split(|b| *b == 0)
                .map(|w| OsStr::from_bytes(w).to_owned())
                .collect();
            // printf leaves a NUL after the last word: the split gives one empty word too many.
            words.pop();
            if argc == 0 {
                words.clear();
            }
            assert_eq!(words.len(), argc, "fake docker log is consistent");
            words
        });
        let active = fs::read_to_string(log_sibling(&self.log(), "active")).ok();
        let content_trust = fs::read_to_string(log_sibling(&self.log(), "trust")).ok();
        Outcome {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
            docker,
            active,
            content_trust,
        }
    }
}

fn log_sibling(log: &Path, extension: &str) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Words as `OsString`s.
pub fn words(items: &[&str]) -> Vec<OsString> {
    items.iter().map(OsString::from).collect()
}

/// Whether `needle` occurs in `haystack` in order (not necessarily contiguously).
pub fn is_subsequence<T: PartialEq>(needle: &[T], haystack: &[T]) -> bool {
    let mut rest = haystack.iter();
    needle.iter().all(|n| rest.any(|h| h == n))
}

/// Asserts that `user` is a subsequence of `docker`.
#[track_caller]
pub fn assert_subsequence(user: &[String], docker: &[String]) {
    assert!(
        is_subsequence(user, docker),
        "the user's words are not kept in order\n user:   {user:?}\n docker: {docker:?}"
    );
}

/// The rule ids `hardrun rules` lists, taken from the binary itself.
pub fn rule_ids() -> Vec<String> {
    let out = Sandbox::new().run(["rules"]);
    out.assert_code(0);
    out.stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Splits a line the way a POSIX shell splits simple words: whitespace, single quotes, double
/// quotes (with `\"`, `\\`, `\$` and `` \` `` escapes) and backslash escapes. No expansions.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => word.push(e),
                            Some('\n') => {}
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => word.push('\\'),
                        },
                        other => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

#[test]
fn shell_words_splits_like_a_shell() {
    assert_eq!(
        shell_words(r#"docker run -e 'A=b c' "x\"y" a\ b '' plain"#),
        ["docker", "run", "-e", "A=b c", "x\"y", "a b", "", "plain"]
    );
}

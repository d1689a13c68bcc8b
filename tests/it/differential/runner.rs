//! Runs one line through the real docker CLI and through hardrun (whose `HARDRUN_DOCKER` is
//! that same CLI), each against a worker's own fake engine, and classifies the pair.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use super::compare::{self, NotKept, TYPED_FIELDS};
use super::fake_engine::{Create, FakeEngine};
use super::flag_table::{self, Flag};
use crate::support::HARDRUN;

/// How long one docker or hardrun process may take.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// The reasons for which hardrun may refuse a line docker accepts, judged true: a value that
/// is not UTF-8 cannot be read as text with certainty (docker itself sends U+FFFD for the bad
/// bytes), so no rule could judge it.
pub const ACCEPTED_FAIL_CLOSED: [&str; 1] = ["is not valid UTF-8"];

/// The value `-e HARDRUN_DIFF_HOST` copies from the environment.
pub const HOST_VALUE: &str = "from-the-host";

/// What one process did.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: Option<i32>,
    pub stderr: String,
    /// The bodies (with the query as `"(query)"`) of the creates the engine received.
    pub creates: Vec<Value>,
    /// Requests the fake engine had no answer for.
    pub unknown: Vec<String>,
    /// hardrun handed the command to docker (its audit record says not refused).
    pub handed_off: bool,
}

impl Run {
    pub fn created(&self) -> Option<&Value> {
        self.creates.first()
    }
}

/// How a line fared in one mode.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Both created; the bodies agree (mode off: equal; profiles: every user value kept).
    Same,
    /// hardrun refused by naming a rule (exit 125, nothing created).
    Refused,
    /// hardrun refused without a rule, failing closed: allowed if its reason is true, listed.
    FailClosed(String),
    /// docker rejects the line, and so does hardrun (nonzero, nothing created); `true` when
    /// hardrun's own reading rejected it before any handoff.
    RejectedByBoth(bool),
    Mismatch(String),
}

/// A worker: its fake engine, working directory, home and audit file.
pub struct Worker {
    pub engine: FakeEngine,
    dir: TempDir,
    docker: PathBuf,
}

impl Worker {
    pub fn new(docker: &Path, image_config: Value) -> Worker {
        let dir = tempfile::tempdir().expect("a worker directory");
        for sub in ["work/rel", "home", "config", "state", "docker-config"] {
            fs::create_dir_all(dir.path().join(sub)).expect("worker directories");
        }
        let work = dir.path().join("work");
        fs::write(
            work.join("app.env"),
            "FROM_FILE=1\n# a comment\nHARDRUN_DIFF_HOST\nQUOTED=\"kept as typed\"\n",
        )
        .expect("env file");
        fs::write(work.join("labels.txt"), "from.file=1\n# comment\nbare\n").expect("label file");
        fs::write(
            work.join("seccomp.json"),
            r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#,
        )
        .expect("seccomp profile");
        let engine = FakeEngine::start(&dir.path().join("engine.sock"), image_config);
        Worker {
            engine,
            dir,
            docker: docker.to_owned(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn audit(&self) -> PathBuf {
        self.dir.path().join("state/audit.jsonl")
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .current_dir(self.work())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path().join("home"))
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_STATE_HOME", self.path().join("state"))
            .env("DOCKER_CONFIG", self.path().join("docker-config"))
            .env("DOCKER_HOST", self.engine.host())
            .env("HARDRUN_DOCKER", &self.docker)
            .env("HARDRUN_AUDIT_FILE", self.audit())
            .env("HARDRUN_DIFF_HOST", HOST_VALUE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, mut command: Command) -> Run {
        let _ = fs::remove_file(self.work().join("cid.txt"));
        let _ = fs::remove_file(self.audit());
        let _ = self.engine.take();
        let (code, stderr) = run_bounded(&mut command);
        let (creates, unknown) = self.engine.take();
        let handed_off = fs::read_to_string(self.audit())
            .ok()
            .and_then(|text| {
                let last = text.lines().last()?.to_owned();
                serde_json::from_str::<Value>(&last).ok()
            })
            .is_some_and(|record| record["refused"] == false);
        Run {
            code,
            stderr,
            creates: creates.into_iter().map(with_query).collect(),
            unknown,
            handed_off,
        }
    }

    /// The real docker with `words`.
    pub fn docker(&self, words: &[OsString]) -> Run {
        let mut command = self.command(&self.docker);
        command.args(words);
        self.run(command)
    }

    /// hardrun `--profile PROFILE` with `words`.
    pub fn hardrun(&self, profile: &OsStr, words: &[OsString]) -> Run {
        let mut command = self.command(Path::new(HARDRUN));
        command.arg("--profile").arg(profile).args(words);
        self.run(command)
    }
}

fn with_query(create: Create) -> Value {
    let mut body = create.body;
    let query: serde_json::Map<String, Value> = create
        .query
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if let Value::Object(fields) = &mut body {
        fields.insert("(query)".into(), Value::Object(query));
    }
    body
}

/// Runs a prepared command with a deadline: its exit code and stderr.
fn run_bounded(command: &mut Command) -> (Option<i32>, String) {
    let mut child = command.spawn().expect("start the process");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the process") {
            break Some(status);
        }
        if started.elapsed() > PROCESS_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let _ = out.join();
    let stderr = err.join().unwrap_or_default();
    match status {
        Some(status) => (status.code(), stderr),
        None => (None, format!("TIMEOUT after {PROCESS_TIMEOUT:?}\n{stderr}")),
    }
}

/// Whether a refusal on stderr names `rule` (`rule 'ID' forbids …`).
fn stderr_names(stderr: &str, rule: &str) -> bool {
    stderr.contains(&format!("rule '{rule}'"))
}

/// Whether a refusal on stderr names one of `rules`.
fn names_a_rule(stderr: &str, rules: &[String]) -> bool {
    rules.iter().any(|rule| stderr_names(stderr, rule))
}

/// hardrun's stderr says it tightened a value by `rule`.
fn says_tightened(stderr: &str, rule: &str) -> bool {
    stderr
        .lines()
        .any(|line| line.contains(" tightened ") && line.contains(&format!("({rule}:")))
}

/// The pair's verdict for mode `off` (`profile == None`) or a built-in profile.
#[allow(clippy::too_many_arguments)]
pub fn verdict(
    docker: &Run,
    hardrun: &Run,
    bare: Option<&Value>,
    words: &[OsString],
    flags: &[Flag],
    rules: &[String],
    off: bool,
) -> Verdict {
    if !hardrun.unknown.is_empty() {
        return Verdict::Mismatch(format!(
            "the engine got requests it has no answer for: {:?}",
            hardrun.unknown
        ));
    }
    match (docker.created(), hardrun.created()) {
        (Some(user), Some(hardened)) => {
            if off {
                let (u, h) = (compare::normalized(user), compare::normalized(hardened));
                if u == h {
                    return Verdict::Same;
                }
                let paths = compare::differences(&u, &h);
                let shown: Vec<String> = paths
                    .iter()
                    .map(|p| format!("{p}: docker {} / hardrun {}", pick(&u, p), pick(&h, p)))
                    .collect();
                return Verdict::Mismatch(format!(
                    "bodies differ with every rule off: {}",
                    shown.join("; ")
                ));
            }
            let Some(bare) = bare else {
                return Verdict::Mismatch("no bare body to compare with".into());
            };
            let (typed, _) = flag_table::typed(words, flags);
            let typed_paths: Vec<&str> = TYPED_FIELDS
                .iter()
                .filter(|(flag, _)| typed.iter().any(|t| t == flag))
                .map(|(_, path)| *path)
                .collect();
            let mut user = user.clone();
            let mut hardened = hardened.clone();
            compare::sort_unordered(&mut user);
            compare::sort_unordered(&mut hardened);
            let lost: Vec<NotKept> = compare::not_kept(&user, bare, &hardened, &typed_paths)
                .into_iter()
                .filter(|n| {
                    !compare::tightening_rule(&n.path)
                        .is_some_and(|rule| says_tightened(&hardrun.stderr, rule))
                })
                .collect();
            if lost.is_empty() {
                Verdict::Same
            } else {
                let shown: Vec<String> = lost
                    .iter()
                    .map(|n| {
                        format!(
                            "{}: typed {} / hardened {}{}",
                            n.path,
                            show(n.user.as_ref()),
                            show(n.hardened.as_ref()),
                            if compare::tightening_rule(&n.path).is_some() {
                                " (no stderr line says it was tightened)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                Verdict::Mismatch(format!("a user value is not kept: {}", shown.join("; ")))
            }
        }
        (Some(_), None) => {
            if hardrun.handed_off {
                return Verdict::Mismatch(format!(
                    "docker accepts the line, but what hardrun handed to docker was rejected: {}",
                    first_line(&hardrun.stderr)
                ));
            }
            if hardrun.code != Some(125) {
                return Verdict::Mismatch(format!(
                    "docker accepts the line; hardrun exited {:?} without creating: {}",
                    hardrun.code,
                    first_line(&hardrun.stderr)
                ));
            }
            // hardrun's own labels are refused under every profile, `off` too.
            if stderr_names(&hardrun.stderr, "provenance")
                || (!off && names_a_rule(&hardrun.stderr, rules))
            {
                Verdict::Refused
            } else if names_a_rule(&hardrun.stderr, rules) {
                Verdict::Mismatch(format!(
                    "a rule refused with every rule off: {}",
                    first_line(&hardrun.stderr)
                ))
            } else if ACCEPTED_FAIL_CLOSED
                .iter()
                .any(|reason| hardrun.stderr.contains(reason))
            {
                Verdict::FailClosed(first_line(&hardrun.stderr))
            } else {
                Verdict::Mismatch(format!(
                    "docker accepts the line; hardrun refuses it without a rule, for a reason not \
                     judged true (runner::ACCEPTED_FAIL_CLOSED): {}",
                    first_line(&hardrun.stderr)
                ))
            }
        }
        (None, Some(_)) => Verdict::Mismatch(format!(
            "docker rejects the line ({}), hardrun created a container",
            first_line(&docker.stderr)
        )),
        (None, None) => {
            if hardrun.code.is_some_and(|c| c != 0) {
                Verdict::RejectedByBoth(!hardrun.handed_off)
            } else {
                Verdict::Mismatch(format!(
                    "docker rejects the line ({}), hardrun exited {:?}",
                    first_line(&docker.stderr),
                    hardrun.code
                ))
            }
        }
    }
}

fn pick(value: &Value, path: &str) -> String {
    show(path.split('.').try_fold(value, |v, k| v.get(k)))
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(absent)".to_owned(), Value::to_string)
}

/// The first line of a stderr that says something.
pub fn first_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(nothing on stderr)")
        .to_owned()
}

/// The image config the fake engine answers with: root, no healthcheck, no volumes.
pub fn default_image_config() -> Value {
    json!({"User": "", "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
           "Cmd": ["sh"], "Healthcheck": null, "Volumes": null, "WorkingDir": "", "Entrypoint": null})
}

//! `hardrun [--profile P] fit [--probe-…] [--seconds N] [--write] run … IMAGE …` (and
//! `… compose [OPTIONS] SERVICE`, `fit/compose.rs`): runs throw-away trial containers on the
//! engine and finds the smallest adjustment under which the probe passes (`fit::search`,
//! pure); this file runs the trials, probed by `fit/probe.rs`.
//!
//! A front end supplies a `Start`: how a trial container named `hr-fit-PID-N` is planned and
//! started, and what is removed with it. Everything after the start is shared: the probe, the
//! logs, `docker diff`, the owner of the main process, the search, the report and `--write`.
//!
//! `run`'s trial is the user's command line without what would touch the user's own containers
//! and data (`--name`, `-v`/`--mount`, `-p`/`-P`, `--restart`, `-d`/`--rm`/`-i`/`-t`, …): each of
//! the user's volumes and writable binds becomes an empty tmpfs (a read-only bind stays), and
//! the container is always removed and probed on its own address. It is planned by `decision::decide` with the profile (the catalogue off, the
//! project file's adjustments left out) and the candidate adjustment, as `hardrun run` would
//! plan it; a candidate the profile's deny rules refuse never runs. Trials write no audit
//! record: nothing of the user's runs.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::adjustments::{Adjustment, Relaxation, is_root};
use crate::cli::{Cli, FitArgs};
use crate::context;
use crate::decision::{self, Judged, Request, Subject};
use crate::docker::command::{DockerCommand, parse};
use crate::docker::invocation::Invocation;
use crate::exec;
use crate::fit::{self, DOCKER_DEFAULT_CAPS, Inputs, Outcome, Trial, Verdict};
use crate::host::locate_docker;
use crate::plan::NoLimits;
use crate::profile::Profile;
use crate::rules::{self, Context, Level};
use crate::waivers::{Allowed, FILE_NAME, Scope, Waivers};

mod compose;
mod probe;

use probe::{Probe, address, http_ok, tcp_ok};

/// `fit`'s exit status when no adjustment within the profile's deny rules makes the probe pass.
pub const EXIT_GAVE_UP: u8 = 3;

/// The flags a trial leaves out of the user's command line.
const LEFT_OUT: [&str; 15] = [
    "name",
    "detach",
    "rm",
    "interactive",
    "tty",
    "publish",
    "publish-all",
    "volume",
    "mount",
    "volumes-from",
    "restart",
    "cidfile",
    "attach",
    "detach-keys",
    "sig-proxy",
];

/// `hardrun fit …`: `run … IMAGE`, or `compose … SERVICE` (`fit/compose.rs`).
#[allow(clippy::disallowed_methods)] // the I/O edge: the working directory
pub fn run(options: &Cli, args: &FitArgs) -> Result<ExitCode, String> {
    let probe = Probe::of(args)?;
    if args.command.first().is_some_and(|word| word == "compose") {
        return compose::run(options, args, probe);
    }
    let invocation = match parse(args.command.clone()) {
        Ok(DockerCommand::Create(invocation)) if invocation.kind().name() == "run" => invocation,
        _ => {
            return Err("fit needs a `docker run` command line with an image, or a compose service: `hardrun fit [--probe-…] run [OPTIONS] IMAGE [COMMAND]` or `hardrun fit [--probe-…] compose [OPTIONS] SERVICE`\nhelp: write the run command as you would run it, after fit's own options".into());
        }
    };
    let mut profile = super::profile(options)?;
    // The catalogue's entries would hide what the image needs; fit finds it itself.
    profile.catalogue = false;
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let user_spec = invocation
        .to_spec(&cwd)
        .map_err(|e| format!("cannot read this docker command line with certainty: {e}"))?;
    let image = user_spec.image.clone();
    let base = trial_words(&invocation, &cwd, matches!(probe, Probe::Healthy))?;
    // The image's facts, once (its USER, VOLUMEs).
    let first = base.words("hr-fit-facts");
    let (context, _) = match parse(first) {
        Ok(DockerCommand::Create(trial)) => {
            let spec = trial.to_spec(&cwd).map_err(|e| e.to_string())?;
            context::gather(&profile, &trial, &spec)
        }
        _ => return Err("the trial command line cannot be read back".into()),
    };
    let mounted: Vec<String> = user_spec
        .mounts
        .iter()
        .map(|m| m.value.target.clone())
        .collect();
    let account = image_account(&docker, &image);
    let inputs = inputs(&profile, &context, account.as_deref(), &mounted);
    let start = RunStart {
        docker: docker.clone(),
        cwd: cwd.clone(),
        base,
        profile: &profile,
        context: &context,
    };
    fit_with(
        Fit {
            args,
            allowed: super::allowed(options, &profile)?,
            profile: &profile,
            probe,
            docker,
            cwd,
            label: image.clone(),
            scope: Scope::Image(image),
            inputs,
        },
        &start,
    )
}

/// A fit, whichever front end made it.
struct Fit<'a> {
    args: &'a FitArgs,
    profile: &'a Profile,
    /// The user's `--allow` values, which every trial has too.
    allowed: Vec<Allowed>,
    probe: Probe,
    docker: PathBuf,
    cwd: PathBuf,
    /// What is fitted, as the report names it (`nginx:1`, `service web (nginx:1)`).
    label: String,
    /// The scope of the adjustment: the image, or the compose service.
    scope: Scope,
    inputs: Inputs,
}

/// The search, its report, and with `--write` the project file; `start` starts the trials.
fn fit_with(fit: Fit, start: &(dyn Start + Sync)) -> Result<ExitCode, String> {
    let Fit {
        args,
        profile,
        allowed,
        probe,
        docker,
        cwd,
        label,
        scope,
        inputs,
    } = fit;
    let seconds = args.seconds.unwrap_or(if matches!(probe, Probe::Running) {
        5
    } else {
        30
    });
    let mut err = io::stderr();
    let _ = writeln!(
        err,
        "hardrun fit: {label} under profile '{}' (the catalogue is off while fit searches); probe: {} within {seconds}s; trials named hr-fit-{}-N, always removed",
        profile.name,
        probe.describe(),
        std::process::id()
    );
    let mut runner = Trials {
        docker,
        start,
        scope: scope.clone(),
        probe: probe.clone(),
        seconds,
        parallel: args.parallel.max(1),
        counter: AtomicUsize::new(0),
        allowed,
    };
    let started = Instant::now();
    let report = fit::search(&inputs, &mut runner, &mut |line: &str| {
        let _ = writeln!(io::stderr(), "hardrun fit: {line}");
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut out = io::stdout().lock();
    let summary = format!("{} trials in {elapsed:.1}s", report.trials);
    match report.verdict {
        Verdict::NothingNeeded => {
            let _ = writeln!(
                out,
                "# {label} passes under profile '{}' as it is: no adjustment needed ({summary})",
                profile.name
            );
            Ok(ExitCode::SUCCESS)
        }
        Verdict::GaveUp(why) => {
            let _ = writeln!(
                err,
                "hardrun fit: gave up on {label} under profile '{}' after {summary}: {why}\nhelp: no adjustment within the profile's deny rules makes the probe pass; check the probe (--seconds for a slow start), or waive the rule that stands in the way with a reason",
                profile.name
            );
            Ok(ExitCode::from(EXIT_GAVE_UP))
        }
        Verdict::Found(relax) => {
            if fit::runs_as_root(&relax) {
                let _ = writeln!(
                    err,
                    "hardrun fit: WARNING: {label} passes only as root (user {}): the last resort; non-root-user warns for it",
                    relax.user.as_deref().unwrap_or_default()
                );
            }
            let reason = format!(
                "found by hardrun fit{} under {} ({summary})",
                probe.flag(),
                profile.name
            );
            let item = crate::doctor::adjustment_yaml(&scope, &reason, &relax);
            let _ = writeln!(out, "# {label} needs: {relax}\nadjustments:\n{item}");
            if args.write {
                write_project_file(&cwd, &item)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Adds the item to the project file found upward from `cwd` (or a new one in `cwd`), checked
/// by reading it back.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn write_project_file(cwd: &Path, item: &str) -> Result<PathBuf, String> {
    let path = cwd
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.exists())
        .unwrap_or_else(|| cwd.join(FILE_NAME));
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let text = fit::project_file::append(&existing, item)?;
    crate::waivers::parse(FILE_NAME, &text).map_err(|e| {
        format!(
            "the project file would not read back with the adjustment: {e}\nhelp: {} is unchanged; add the adjustment printed above by hand",
            path.display()
        )
    })?;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let _ = writeln!(io::stderr(), "hardrun fit: added to {}", path.display());
    Ok(path)
}

/// What the search starts from: the capabilities the profile drops and may add back, the
/// image's user (its `USER`, else its own account, `account`), whether root is allowed, what is
/// writable already, the limits.
fn inputs(
    profile: &Profile,
    context: &Context,
    account: Option<&str>,
    mounted: &[String],
) -> Inputs {
    let params = |id: &str| profile.setting(id).filter(|s| s.level != Level::Off);
    let (drop, add) = params("drop-capabilities")
        .map(|s| {
            (
                s.params.drop.clone().unwrap_or_default(),
                s.params.add.clone().unwrap_or_else(rules::default_add_back),
            )
        })
        .unwrap_or_default();
    let norm = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|c| crate::docker::values::normalize_capability(c))
            .collect()
    };
    let (drop, add) = (norm(&drop), norm(&add));
    let candidates = DOCKER_DEFAULT_CAPS
        .iter()
        .map(|c| (*c).to_owned())
        .filter(|cap| (drop.iter().any(|d| d == "ALL") || drop.contains(cap)) && !add.contains(cap))
        .filter(|cap| {
            let relax = Relaxation {
                capabilities: vec![cap.clone()],
                ..Relaxation::default()
            };
            crate::adjustments::judged(profile, &relax, "fit", &|_| false)
                .iter()
                .all(|c| c.kind != crate::plan::ChangeKind::Refused)
        })
        .collect();
    let image_user = context
        .image
        .as_ref()
        .map(|i| i.user.clone())
        .filter(|u| !u.is_empty() && !is_root(u))
        .or_else(|| account.map(str::to_owned))
        .filter(|u| params("non-root-user").and_then(|s| s.params.user.as_ref()) != Some(u));
    let mut writable: Vec<String> = params("read-only-rootfs")
        .map(|s| {
            s.params
                .tmpfs
                .clone()
                .unwrap_or_else(rules::default_scratch)
        })
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.path)
        .collect();
    writable.extend(context.image.iter().flat_map(|i| i.volumes.clone()));
    writable.extend(mounted.iter().cloned());
    Inputs {
        candidates,
        image_user,
        root_allowed: profile
            .setting("non-root-user")
            .is_none_or(|s| s.level != Level::Deny),
        writable,
        memory: params("memory-limit").and_then(|s| s.params.memory.as_ref().map(|m| m.bytes)),
        pids: params("pids-limit").and_then(|s| s.params.pids),
    }
}

/// The image's own account for an image without `USER` that starts as root (postgres, redis):
/// the `/etc/passwd` entry named like its repository (`doctor::image_account`), read from a
/// container created for it (never started; removed with its volumes).
fn image_account(docker_path: &Path, image: &str) -> Option<String> {
    let name = format!("hr-fit-{}-passwd", std::process::id());
    let created =
        docker(docker_path, &["create", "--name", &name, image]).is_ok_and(|o| o.status.success());
    let passwd = created
        .then(|| docker(docker_path, &["cp", &format!("{name}:/etc/passwd"), "-"]).ok())
        .flatten()
        .filter(|o| o.status.success())
        .and_then(|o| crate::doctor::first_file_of_tar(&o.stdout));
    let _ = docker(docker_path, &["rm", "-f", "-v", &name]);
    crate::doctor::image_account(&passwd?, image)
}

/// The user's command line as a trial: what it keeps, in order, and what it adds.
struct Base {
    /// The words before the command word (docker's global options).
    globals: Vec<OsString>,
    /// The user's options that stay, then the tmpfs that stand in for volumes.
    options: Vec<OsString>,
    /// From the image (or the `--` before it) to the end.
    rest: Vec<OsString>,
}

impl Base {
    fn words(&self, name: &str) -> Vec<OsString> {
        let mut out = self.globals.clone();
        out.extend(
            ["run", "-d", "--name", name, "--restart", "no"]
                .iter()
                .map(OsString::from),
        );
        out.extend(self.options.iter().cloned());
        out.extend(self.rest.iter().cloned());
        out
    }
}

fn trial_words(invocation: &Invocation, cwd: &Path, healthy: bool) -> Result<Base, String> {
    let argv = invocation.argv();
    let global_end = invocation
        .globals()
        .iter()
        .map(|o| o.tokens.end)
        .max()
        .unwrap_or(0);
    let command_words = if argv.get(global_end).is_some_and(|w| w == "container") {
        2
    } else {
        1
    };
    let options_start = global_end + command_words;
    let rest_at = invocation.rest_index();
    let mut dropped = vec![false; argv.len()];
    for occurrence in invocation.options() {
        if LEFT_OUT.contains(&occurrence.flag.long) {
            for index in occurrence.tokens.clone() {
                dropped[index] = true;
            }
        }
    }
    for occurrence in invocation.options() {
        if !LEFT_OUT.contains(&occurrence.flag.long)
            && occurrence.tokens.clone().any(|i| dropped[i])
        {
            return Err(format!(
                "fit leaves --{} out of its trials, but it shares a word with --{}\nhelp: write the flags as separate words (`-d -i` rather than `-di`)",
                invocation
                    .options()
                    .iter()
                    .find(|o| LEFT_OUT.contains(&o.flag.long)
                        && o.tokens.clone().any(|i| occurrence.tokens.contains(&i)))
                    .map(|o| o.flag.long)
                    .unwrap_or("?"),
                occurrence.flag.long
            ));
        }
    }
    let mut options: Vec<OsString> = (options_start..rest_at)
        .filter(|i| !dropped[*i])
        .map(|i| argv[i].clone())
        .collect();
    // The user's volumes and writable binds: an empty tmpfs each, never the user's data.
    let spec = invocation.to_spec(cwd).map_err(|e| e.to_string())?;
    let kept_tmpfs: Vec<String> = invocation
        .options()
        .iter()
        .filter(|o| o.flag.long == "tmpfs")
        .filter_map(|o| o.text())
        .map(|t| {
            t.to_string_lossy()
                .split(':')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    for mount in &spec.mounts {
        if kept_tmpfs.contains(&mount.value.target) {
            continue;
        }
        options.extend(stand_in(&mount.value));
    }
    if healthy {
        options.extend(["--health-interval", "1s"].iter().map(OsString::from));
    }
    Ok(Base {
        globals: argv[..global_end].to_vec(),
        options,
        rest: argv[rest_at..].to_vec(),
    })
}

/// Why a trial did not start, as its outcome.
type NotStarted = Box<Outcome>;

/// How a front end starts a trial container, and removes it with what it made.
trait Start {
    /// Starts the trial container `name`, planned with `waivers` as the front end's command
    /// would plan it; else the outcome that says why it did not start (a refusal, docker's
    /// complaint).
    fn start(&self, waivers: &Waivers, name: &str) -> Result<(), NotStarted>;
    /// Removes the trial container `name` and whatever was made for it.
    fn remove(&self, name: &str);
}

/// `fit run`'s trials: the user's command line as a trial (`Base`), planned as `hardrun run`
/// plans it.
struct RunStart<'a> {
    docker: PathBuf,
    cwd: PathBuf,
    base: Base,
    profile: &'a Profile,
    context: &'a Context,
}

impl Start for RunStart<'_> {
    fn start(&self, waivers: &Waivers, name: &str) -> Result<(), NotStarted> {
        let Ok(DockerCommand::Create(invocation)) = parse(self.base.words(name)) else {
            return Err(not_started("the trial command line cannot be read back"));
        };
        let spec = invocation
            .to_spec(&self.cwd)
            .map_err(|e| not_started(&e.to_string()))?;
        let decision = decision::decide(Request {
            command: "run".into(),
            profile: self.profile,
            subjects: vec![Subject {
                service: None,
                image: spec.image.clone(),
                judged: Judged::Container {
                    spec: &spec,
                    context: self.context,
                    limits: &NoLimits,
                },
                waivers: waivers.for_container(&spec.image),
                service_waiver: None,
                notes: Vec::new(),
            }],
            trust: None,
        });
        let plan = &decision.containers[0].plan;
        refusal(plan)?;
        let hardened = invocation.apply(&plan.edits());
        let args: Vec<&OsStr> = hardened.iter().map(OsString::as_os_str).collect();
        let output = exec::capture(&self.docker, &args)
            .map_err(|e| not_started(&format!("cannot run docker: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            return Err(Box::new(Outcome {
                failure: format!("docker run failed: {stderr}"),
                logs: stderr,
                ..Outcome::default()
            }));
        }
        Ok(())
    }

    fn remove(&self, name: &str) {
        let _ = docker(&self.docker, &["rm", "-f", "-v", name]);
    }
}

/// The outcome of a trial whose plan the profile refuses (nothing runs).
fn refusal(plan: &crate::plan::Plan) -> Result<(), NotStarted> {
    if !plan.is_refused() {
        return Ok(());
    }
    let why: Vec<String> = plan
        .refusals()
        .map(|c| format!("{}: {}", c.rule, c.offending.clone().unwrap_or_default()))
        .collect();
    Err(Box::new(Outcome {
        refused: Some(why.join("; ")),
        ..Outcome::default()
    }))
}

fn docker(docker: &Path, args: &[&str]) -> io::Result<std::process::Output> {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    exec::capture(docker, &args)
}

/// What a trial gets for one of the user's mounts: a read-only bind as it is (a configuration
/// or a secret's file: nothing writes through it), anything else an empty tmpfs at its target.
fn stand_in(mount: &crate::spec::Mount) -> Vec<OsString> {
    let plain = |s: &str| !s.contains([',', '"', '=']) && !s.is_empty();
    match (&mount.kind, &mount.source) {
        (crate::spec::MountKind::Bind, Some(source))
            if mount.read_only && plain(source) && plain(&mount.target) =>
        {
            vec![
                "--mount".into(),
                format!("type=bind,source={source},target={},readonly", mount.target).into(),
            ]
        }
        _ => vec!["--tmpfs".into(), OsString::from(&mount.target)],
    }
}

/// The trials, on the engine.
struct Trials<'a> {
    docker: PathBuf,
    start: &'a (dyn Start + Sync),
    /// The scope of the candidate adjustment: the image, or the compose service.
    scope: Scope,
    probe: Probe,
    seconds: u64,
    parallel: usize,
    counter: AtomicUsize,
    /// The user's `--allow` values, which every trial has too.
    allowed: Vec<Allowed>,
}

impl fit::Runner for Trials<'_> {
    fn run(&mut self, trials: &[Trial]) -> Vec<Outcome> {
        let this = &*self;
        let mut outcomes = Vec::with_capacity(trials.len());
        for chunk in trials.chunks(self.parallel) {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|trial| scope.spawn(move || this.one(trial)))
                    .collect();
                for handle in handles {
                    outcomes.push(handle.join().unwrap_or_else(|_| Outcome {
                        failure: "the trial's thread panicked".into(),
                        ..Outcome::default()
                    }));
                }
            });
        }
        outcomes
    }
}

impl Trials<'_> {
    fn one(&self, trial: &Trial) -> Outcome {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("hr-fit-{}-{n}", std::process::id());
        let outcome = self.start_and_probe(trial, &name);
        self.start.remove(&name);
        outcome
    }

    fn docker(&self, args: &[&str]) -> io::Result<std::process::Output> {
        docker(&self.docker, args)
    }

    /// The trial's waivers: `--allow`, `read-only-rootfs` for the open trial, and the candidate
    /// adjustment; never the project file's nor the catalogue's.
    fn waivers(&self, trial: &Trial) -> Waivers {
        let mut allowed = self.allowed.clone();
        if trial.writable_root {
            allowed.push(Allowed {
                rule: "read-only-rootfs",
                reason: Some("hardrun fit: the trial that shows what the container writes".into()),
            });
        }
        Waivers {
            allowed,
            project: Vec::new(),
            adjustments: if trial.relax.is_empty() {
                Vec::new()
            } else {
                vec![Adjustment {
                    scope: self.scope.clone(),
                    reason: "hardrun fit: a candidate".into(),
                    expires: None,
                    location: "hardrun fit".into(),
                    source: None,
                    relax: trial.relax.clone(),
                }]
            },
            catalogue: false,
            today: crate::waivers::Date::from_unix_days(0),
        }
    }

    fn start_and_probe(&self, trial: &Trial, name: &str) -> Outcome {
        if let Err(outcome) = self.start.start(&self.waivers(trial), name) {
            return *outcome;
        }
        let (passed, failure, oom_killed) = self.watch(name);
        let logs = self
            .docker(&["logs", "--tail", "100", name])
            .map(|o| {
                let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
                text.push_str(&String::from_utf8_lossy(&o.stderr));
                text
            })
            .unwrap_or_default();
        let diff = if trial.writable_root && passed {
            self.docker(&["diff", name])
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let owner = if trial.writable_root && passed {
            self.docker(&["top", name, "-o", "pid,uid,gid,comm"])
                .ok()
                .and_then(|o| main_owner(&String::from_utf8_lossy(&o.stdout)))
        } else {
            None
        };
        Outcome {
            passed,
            refused: None,
            failure,
            oom_killed,
            logs,
            diff,
            owner,
        }
    }

    /// Polls the container until the probe passes, the container stops (or is restarted by
    /// the profile's restart policy), or time is up.
    fn watch(&self, name: &str) -> (bool, String, bool) {
        let deadline = Instant::now() + Duration::from_secs(self.seconds);
        let mut checks = 0u32;
        loop {
            let state = self
                .docker(&["inspect", "--type", "container", name])
                .ok()
                .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
                .and_then(|v| v.as_array().and_then(|a| a.first().cloned()))
                .unwrap_or_default();
            let running = state["State"]["Running"].as_bool().unwrap_or(false);
            let oom = state["State"]["OOMKilled"].as_bool().unwrap_or(false);
            if !running {
                let code = state["State"]["ExitCode"].as_i64().unwrap_or(-1);
                return (false, format!("exited with {code}"), oom);
            }
            // The profile's restart policy brings a crashed trial back, often between two
            // polls: it failed once already (its logs are read after the trial all the same).
            let restarts = state["RestartCount"].as_i64().unwrap_or(0);
            if restarts > 0 || state["State"]["Restarting"].as_bool() == Some(true) {
                return (false, "exited and was restarted".into(), oom);
            }
            let probed = match &self.probe {
                Probe::Running => None,
                Probe::Http { port, path } => Some(http_ok(&address(&state, *port), path)),
                Probe::Tcp(port) => Some(tcp_ok(&address(&state, *port))),
                Probe::Command(command) => Some(
                    self.docker(&["exec", name, "sh", "-c", command])
                        .is_ok_and(|o| o.status.success()),
                ),
                Probe::Healthy => Some(state["State"]["Health"]["Status"] == "healthy"),
            };
            if probed == Some(true) {
                return (true, String::new(), false);
            }
            // A container that already says what stands in its way will not pass: stop early.
            let waited = Instant::now() + Duration::from_secs(self.seconds) - deadline;
            if probed.is_some() && waited >= Duration::from_secs(3) && checks.is_multiple_of(3) {
                let logs = self
                    .docker(&["logs", "--tail", "50", name])
                    .map(|o| {
                        let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
                        text.push_str(&String::from_utf8_lossy(&o.stderr));
                        text
                    })
                    .unwrap_or_default();
                if let Some(seen) = crate::symptoms::read_logs(&logs).first() {
                    return (false, format!("its logs say: {}", seen.line), oom);
                }
            }
            checks += 1;
            if Instant::now() >= deadline {
                return match probed {
                    None => (true, String::new(), false),
                    Some(_) => (
                        false,
                        format!("the probe did not pass within {}s", self.seconds),
                        oom,
                    ),
                };
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// The `uid:gid` of the main process in `docker top … -o pid,uid,gid,comm`: the first one
/// listed but `--init`'s docker-init, which runs before it as the container's user, whatever
/// user the entrypoint then drops to.
fn main_owner(top: &str) -> Option<String> {
    top.lines().skip(1).find_map(|line| {
        let mut words = line.split_whitespace().skip(1);
        let uid: u32 = words.next()?.parse().ok()?;
        let gid: u32 = words.next()?.parse().ok()?;
        (words.next() != Some("docker-init")).then(|| format!("{uid}:{gid}"))
    })
}

fn not_started(why: &str) -> NotStarted {
    Box::new(failed(why))
}

fn failed(why: &str) -> Outcome {
    Outcome {
        failure: why.to_owned(),
        ..Outcome::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Mount, MountKind};

    fn mount(kind: MountKind, source: Option<&str>, target: &str, read_only: bool) -> Mount {
        Mount {
            kind,
            source: source.map(str::to_owned),
            target: target.into(),
            read_only,
            propagation: None,
            tmpfs_options: String::new(),
            bind_device: None,
        }
    }

    fn words(mount: &Mount) -> Vec<String> {
        stand_in(mount)
            .into_iter()
            .map(|w| w.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn the_main_process_is_the_first_but_docker_init() {
        let top = "PID UID GID COMMAND\n4242 0 0 docker-init\n4250 999 999 postgres\n4260 999 999 postgres\n";
        assert_eq!(main_owner(top).as_deref(), Some("999:999"));
        let top = "PID UID GID COMMAND\n4242 10001 10001 python3\n";
        assert_eq!(main_owner(top).as_deref(), Some("10001:10001"));
        assert_eq!(main_owner("PID UID GID COMMAND\n"), None);
    }

    #[test]
    fn a_read_only_bind_stays_and_everything_else_becomes_an_empty_tmpfs() {
        let secret = mount(MountKind::Bind, Some("/srv/pw"), "/run/secrets/pg", true);
        assert_eq!(
            words(&secret),
            [
                "--mount",
                "type=bind,source=/srv/pw,target=/run/secrets/pg,readonly"
            ]
        );
        for other in [
            mount(MountKind::Bind, Some("/srv/data"), "/data", false),
            mount(MountKind::Volume, Some("data"), "/data", true),
            mount(MountKind::Volume, None, "/data", false),
            // A path `--mount` cannot say stays out.
            mount(MountKind::Bind, Some("/srv/a,b"), "/data", true),
        ] {
            assert_eq!(words(&other), ["--tmpfs", "/data"], "{other:?}");
        }
    }
}

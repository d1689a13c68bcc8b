//! `hardrun fit`'s search: the smallest adjustment under which a container's probe passes.
//!
//! The search is pure: it asks a `Runner` for trials (a candidate `Relaxation`, with or without
//! a writable root) and reads their `Outcome`s; the command (`commands/fit.rs`) runs each trial
//! as a throw-away container through the same decision path as `hardrun run`. The steps:
//!
//! 1. the profile as it is: when the probe passes, nothing is needed;
//! 2. an open trial: a writable root and every candidate capability (docker's default set,
//!    less what the profile already adds back and what its deny rules forbid), as the
//!    profile's user, then as the image's `USER` (or, without one, its own account named like
//!    its repository), then as root (the last resort, said loudly); when root passes only
//!    because the entrypoint dropped to a user of its own (its main process runs as that uid),
//!    that user is tried from the start and wins if it passes;
//!    an OOM kill or a failed fork raises memory or pids and tries again;
//! 3. the paths that trial wrote to (`docker diff`) and those the logs name as read-only become
//!    owned tmpfs, with the root read-only again; up to three rounds add what the logs name;
//! 4. capabilities and paths are cut down by bisection (a set is dropped whole when the probe
//!    passes without it), then every element left is removed alone, in one parallel batch, and
//!    kept only when the probe fails without it (minimality); pids, memory and the user too.
//!
//! When even the open trial fails, or what the deny rules allow is not enough, the search
//! gives up with what it saw.

use crate::adjustments::{Relaxation, is_root};
use crate::rules::{ByteSize, TmpfsParam};
use crate::symptoms::{self, Symptom};

/// docker's default capability set (moby `oci/caps/defaults.go`), the candidates fit may add.
pub const DOCKER_DEFAULT_CAPS: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SYS_CHROOT",
    "MKNOD",
    "AUDIT_WRITE",
    "SETFCAP",
];

/// The root user, as fit writes it.
pub const ROOT: &str = "0:0";

/// One trial container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    /// The candidate adjustment.
    pub relax: Relaxation,
    /// Whether `read-only-rootfs` is waived for it (the open trial, read with `docker diff`).
    pub writable_root: bool,
}

/// What a trial showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub passed: bool,
    /// The decision refused the candidate (the profile's deny rules): nothing ran.
    pub refused: Option<String>,
    /// Why the probe failed, in a few words (`exited with 1`, `no answer on 80`).
    pub failure: String,
    pub oom_killed: bool,
    /// The container's last log lines.
    pub logs: String,
    /// `docker diff`, for a trial with a writable root.
    pub diff: Vec<String>,
    /// The numeric `uid:gid` its main process ran as, for a passing trial with a writable root
    /// (a user the image names cannot own a tmpfs until it is a number).
    pub owner: Option<String>,
}

/// Runs trials; a batch may run in parallel. Returns one outcome per trial, in order.
pub trait Runner {
    fn run(&mut self, trials: &[Trial]) -> Vec<Outcome>;
}

/// What the search starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Capabilities fit may add (engine spelling).
    pub candidates: Vec<String>,
    /// The image's `USER`, when it is not root; else its own account (`uid:gid` of the
    /// `/etc/passwd` entry named like its repository), when it has one.
    pub image_user: Option<String>,
    /// Whether the profile's deny rules allow root (`non-root-user` below `deny`).
    pub root_allowed: bool,
    /// Paths writable already (the profile's tmpfs, volumes).
    pub writable: Vec<String>,
    /// The profile's memory limit in bytes, and its pids limit.
    pub memory: Option<i64>,
    pub pids: Option<i64>,
}

/// How the search ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The probe passes under the profile as it is.
    NothingNeeded,
    /// The smallest adjustment found.
    Found(Relaxation),
    /// No adjustment within the profile's deny rules makes the probe pass.
    GaveUp(String),
}

/// The search's result, with what it tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub verdict: Verdict,
    /// One line per trial: what it tried and how it went.
    pub tried: Vec<String>,
    pub trials: usize,
}

/// How many times memory or pids are doubled before fit stops raising them.
const MAX_RAISES: usize = 3;
/// Rounds of paths read from the logs after the diff's.
const LOG_ROUNDS: usize = 3;

struct Search<'a> {
    runner: &'a mut dyn Runner,
    progress: &'a mut dyn FnMut(&str),
    tried: Vec<String>,
    trials: usize,
    /// Every trial run, with its outcome.
    seen: Vec<(Trial, Outcome)>,
}

impl Search<'_> {
    /// Runs the trials not run before (a trial already run is answered from memory).
    fn batch(&mut self, trials: &[Trial]) -> Vec<Outcome> {
        let mut fresh: Vec<Trial> = Vec::new();
        for trial in trials {
            if !self.seen.iter().any(|(t, _)| t == trial) && !fresh.contains(trial) {
                fresh.push(trial.clone());
            }
        }
        if !fresh.is_empty() {
            let outcomes = self.runner.run(&fresh);
            for (trial, outcome) in fresh.into_iter().zip(outcomes) {
                self.trials += 1;
                let line = format!(
                    "trial {}: {}: {}",
                    self.trials,
                    describe(&trial),
                    result(&outcome)
                );
                (self.progress)(&line);
                self.tried.push(line);
                self.seen.push((trial, outcome));
            }
        }
        trials
            .iter()
            .map(|trial| {
                self.seen
                    .iter()
                    .find(|(t, _)| t == trial)
                    .map(|(_, o)| o.clone())
                    .unwrap_or_default()
            })
            .collect()
    }

    fn one(&mut self, trial: Trial) -> Outcome {
        self.batch(std::slice::from_ref(&trial)).remove(0)
    }

    fn passes(&mut self, relax: &Relaxation) -> bool {
        self.one(Trial {
            relax: relax.clone(),
            writable_root: false,
        })
        .passed
    }
}

fn describe(trial: &Trial) -> String {
    let mut parts = Vec::new();
    if trial.writable_root {
        parts.push("writable root".to_owned());
    }
    let relax = trial.relax.to_string();
    if relax.is_empty() {
        parts.push("the profile as it is".to_owned());
    } else {
        parts.push(relax);
    }
    parts.join("; ")
}

fn result(outcome: &Outcome) -> String {
    match (&outcome.refused, outcome.passed) {
        (Some(why), _) => format!("refused by the profile: {why}"),
        (None, true) => "passed".to_owned(),
        (None, false) if outcome.failure.is_empty() => "failed".to_owned(),
        (None, false) => format!("failed ({})", outcome.failure),
    }
}

/// Searches for the smallest adjustment under which the probe passes. `progress` hears each
/// trial as it ends.
pub fn search(inputs: &Inputs, runner: &mut dyn Runner, progress: &mut dyn FnMut(&str)) -> Report {
    let mut search = Search {
        runner,
        progress,
        tried: Vec::new(),
        trials: 0,
        seen: Vec::new(),
    };
    let verdict = run_search(inputs, &mut search);
    Report {
        verdict,
        tried: search.tried,
        trials: search.trials,
    }
}

fn run_search(inputs: &Inputs, search: &mut Search) -> Verdict {
    let first = search.one(Trial {
        relax: Relaxation::default(),
        writable_root: false,
    });
    if first.passed {
        return Verdict::NothingNeeded;
    }
    if let Some(why) = &first.refused {
        return Verdict::GaveUp(format!(
            "the profile refuses the command line itself, whatever the adjustment: {why}"
        ));
    }
    // 2. The open trial, user by user.
    let mut users: Vec<Option<String>> = vec![None];
    if let Some(user) = &inputs.image_user {
        users.push(Some(user.clone()));
    }
    if inputs.root_allowed {
        users.push(Some(ROOT.to_owned()));
    }
    // Every user at once (they are independent); the first in that order that passes wins.
    let mut open: Option<(Relaxation, Outcome)> = None;
    let mut last_failure = first;
    let mut refused: Option<String> = None;
    let mut round: Vec<Relaxation> = users
        .into_iter()
        .map(|user| Relaxation {
            capabilities: inputs.candidates.clone(),
            user,
            ..Relaxation::default()
        })
        .collect();
    for _ in 0..=2 * MAX_RAISES {
        let trials: Vec<Trial> = round
            .iter()
            .map(|relax| Trial {
                relax: relax.clone(),
                writable_root: true,
            })
            .collect();
        let outcomes = search.batch(&trials);
        if let Some(at) = outcomes.iter().position(|o| o.passed) {
            open = Some((round[at].clone(), outcomes[at].clone()));
            break;
        }
        // Raise the limits of those that ran out of memory or processes, and try those again.
        let mut next = Vec::new();
        for (mut relax, outcome) in round.into_iter().zip(outcomes) {
            if outcome.refused.is_none() && raise_limits(inputs, &mut relax, &outcome) {
                next.push(relax);
            }
            match &outcome.refused {
                Some(why) => refused = Some(why.clone()),
                None => last_failure = outcome,
            }
        }
        if next.is_empty() {
            break;
        }
        round = next;
    }
    // An entrypoint that starts as root and drops to a user of its own (gosu, setpriv) names
    // the user it means to run as: that user from the start, before root is settled for.
    if let Some((as_root, outcome)) = &open
        && as_root.user.as_deref() == Some(ROOT)
        && let Some(owner) = outcome.owner.as_ref().filter(|o| !is_root(o))
    {
        let own = Relaxation {
            user: Some(owner.clone()),
            ..as_root.clone()
        };
        let outcome = search.one(Trial {
            relax: own.clone(),
            writable_root: true,
        });
        if outcome.passed {
            open = Some((own, outcome));
        }
    }
    let Some((mut relax, open_outcome)) = open else {
        return Verdict::GaveUp(format!(
            "the probe fails even with a writable root and every capability the profile allows ({}){}{}",
            inputs.candidates.join(", "),
            evidence(&last_failure),
            refused
                .map(|why| format!("; the profile refused the next candidate: {why}"))
                .unwrap_or_default()
        ));
    };
    // 3. Paths from the diff, then from the logs.
    let mut paths = symptoms::writable_from_diff(&open_outcome.diff, &inputs.writable);
    relax.writable = tmpfs(&paths);
    let mut passed = false;
    for _ in 0..=LOG_ROUNDS {
        let outcome = search.one(Trial {
            relax: relax.clone(),
            writable_root: false,
        });
        if outcome.passed {
            passed = true;
            break;
        }
        let mut added = false;
        for seen in symptoms::read_logs(&outcome.logs) {
            if let Symptom::ReadOnly { path } | Symptom::PermissionDenied { path } = seen.symptom {
                for dir in [symptoms::parent(&path), path] {
                    if dir != "/" && !paths.iter().any(|p| symptoms::under(&dir, p)) {
                        paths.push(dir);
                        added = true;
                        break;
                    }
                }
            }
        }
        // The tmpfs belong to the user only when it is a number: the one the open trial ran as.
        if let Some(owner) = &open_outcome.owner
            && !is_root(owner)
            && relax.user.as_deref() != Some(owner.as_str())
            && relax
                .user
                .as_deref()
                .is_none_or(|u| !u.chars().all(|c| c.is_ascii_digit() || c == ':'))
        {
            relax.user = Some(owner.clone());
            added = true;
        }
        added |= raise_limits(inputs, &mut relax, &outcome);
        last_failure = outcome;
        if !added {
            break;
        }
        relax.writable = tmpfs(&paths);
    }
    if !passed {
        return Verdict::GaveUp(format!(
            "the probe passes with a writable root, but not with the paths it wrote to as tmpfs ({}){}",
            paths.join(", "),
            evidence(&last_failure)
        ));
    }
    // The paths are now the container user's own tmpfs: the profile's user may do now what
    // needed another user on the image's own directories.
    if relax.user.is_some() {
        let profile_user = Relaxation {
            user: None,
            ..relax.clone()
        };
        if search.passes(&profile_user) {
            relax = profile_user;
        }
    }
    // 4. Cut down, then prove each element needed.
    let caps = relax.capabilities.clone();
    let base = relax.clone();
    relax.capabilities = needed_by_the_logs(
        search,
        &|set| Relaxation {
            capabilities: set.to_vec(),
            ..base.clone()
        },
        &caps,
    );
    relax
        .capabilities
        .sort_by_key(|cap| caps.iter().position(|c| c == cap));
    let dirs: Vec<String> = relax.writable.iter().map(|t| t.path.clone()).collect();
    let base = relax.clone();
    let kept = needed(
        search,
        &|set| Relaxation {
            writable: tmpfs(set),
            ..base.clone()
        },
        &[],
        &dirs,
    );
    relax.writable = tmpfs(&kept);
    minimal(search, relax)
}

/// Raises memory (after an OOM kill) or pids (after a failed fork); whether it did.
fn raise_limits(inputs: &Inputs, relax: &mut Relaxation, outcome: &Outcome) -> bool {
    let seen = symptoms::read_logs(&outcome.logs);
    let mut raised = false;
    if outcome.oom_killed || seen.iter().any(|s| s.symptom == Symptom::OutOfMemory) {
        let now = relax.memory.as_ref().map(|m| m.bytes).or(inputs.memory);
        if let Some(now) = now
            && inputs.memory.is_some_and(|base| now < base << MAX_RAISES)
        {
            relax.memory = Some(bytes(now * 2));
            raised = true;
        }
    }
    if seen.iter().any(|s| s.symptom == Symptom::CannotFork) {
        let now = relax.pids.or(inputs.pids);
        if let Some(now) = now
            && inputs.pids.is_some_and(|base| now < base << MAX_RAISES)
        {
            relax.pids = Some(now * 2);
            raised = true;
        }
    }
    raised
}

fn bytes(value: i64) -> ByteSize {
    ByteSize {
        bytes: value,
        text: crate::docker::values::format_bytes(value),
    }
}

fn tmpfs(paths: &[String]) -> Vec<TmpfsParam> {
    paths
        .iter()
        .map(|path| TmpfsParam {
            path: path.clone(),
            options: String::new(),
        })
        .collect()
}

fn evidence(outcome: &Outcome) -> String {
    if let Some(why) = &outcome.refused {
        return format!("; the last candidate was refused: {why}");
    }
    let seen = symptoms::read_logs(&outcome.logs);
    let mut out = String::new();
    if !outcome.failure.is_empty() {
        out.push_str(&format!("; the last trial {}", outcome.failure));
    }
    if let Some(seen) = seen.first() {
        out.push_str(&format!("; its logs say: {}", seen.line));
    }
    out
}

/// The part of `candidates` the probe needs on top of `fixed`, by bisection (the probe is
/// known to pass with all of them): a part is dropped whole when the probe passes without it.
/// `make` builds the trial's relaxation from the set of items it includes.
fn needed(
    search: &mut Search,
    make: &dyn Fn(&[String]) -> Relaxation,
    fixed: &[String],
    candidates: &[String],
) -> Vec<String> {
    if candidates.is_empty() || search.passes(&make(fixed)) {
        return Vec::new();
    }
    if candidates.len() == 1 {
        return candidates.to_vec();
    }
    let (left, right) = candidates.split_at(candidates.len() / 2);
    // What of the right half is needed with all of the left, then what of the left with that.
    let with_left: Vec<String> = fixed.iter().chain(left).cloned().collect();
    let right_needed = needed(search, make, &with_left, right);
    let with_right: Vec<String> = fixed.iter().chain(&right_needed).cloned().collect();
    let mut left_needed = needed(search, make, &with_right, left);
    left_needed.extend(right_needed);
    left_needed
}

/// The capabilities the probe needs, guided by the logs: from none, each trial adds the
/// capabilities its `Operation not permitted` lines name (a chown, a setuid …), while they are
/// candidates; when that does not end in a pass, bisection over all of them decides.
fn needed_by_the_logs(
    search: &mut Search,
    make: &dyn Fn(&[String]) -> Relaxation,
    candidates: &[String],
) -> Vec<String> {
    let mut guess: Vec<String> = Vec::new();
    for _ in 0..candidates.len().min(6) {
        let outcome = search.one(Trial {
            relax: make(&guess),
            writable_root: false,
        });
        if outcome.passed {
            return guess;
        }
        let named: Vec<String> = symptoms::read_logs(&outcome.logs)
            .into_iter()
            .filter_map(|seen| match seen.symptom {
                Symptom::NotPermitted { capability } => Some(capability.to_owned()),
                _ => None,
            })
            .filter(|cap| candidates.contains(cap) && !guess.contains(cap))
            .collect();
        if named.is_empty() {
            break;
        }
        guess.extend(named);
    }
    needed(search, make, &[], candidates)
}

/// One element of a found relaxation, for the minimality check.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Element {
    Capability(String),
    Path(String),
    User,
    Pids,
    Memory,
}

/// The elements, the user first (giving up root matters most), then the limits,
/// capabilities and paths.
fn elements(relax: &Relaxation) -> Vec<Element> {
    let mut out = Vec::new();
    if relax.user.is_some() {
        out.push(Element::User);
    }
    if relax.pids.is_some() {
        out.push(Element::Pids);
    }
    if relax.memory.is_some() {
        out.push(Element::Memory);
    }
    out.extend(relax.capabilities.iter().cloned().map(Element::Capability));
    out.extend(relax.writable.iter().map(|t| Element::Path(t.path.clone())));
    out
}

fn without(relax: &Relaxation, element: &Element) -> Relaxation {
    let mut relax = relax.clone();
    match element {
        Element::Capability(cap) => relax.capabilities.retain(|c| c != cap),
        Element::Path(path) => relax.writable.retain(|t| t.path != *path),
        Element::User => relax.user = None,
        Element::Pids => relax.pids = None,
        Element::Memory => relax.memory = None,
    }
    relax
}

/// Removes each element alone, in one batch, and keeps it only when the probe fails without
/// it; repeats while something was dropped, then confirms the set itself passes.
fn minimal(search: &mut Search, mut relax: Relaxation) -> Verdict {
    for _ in 0..=elements(&relax).len() {
        let elements = elements(&relax);
        let trials: Vec<Trial> = elements
            .iter()
            .map(|element| Trial {
                relax: without(&relax, element),
                writable_root: false,
            })
            .collect();
        let outcomes = search.batch(&trials);
        let mut dropped = false;
        for (element, outcome) in elements.iter().zip(outcomes) {
            // Root is given up whenever it can be; a non-root user too.
            if outcome.passed && outcome.refused.is_none() {
                relax = without(&relax, element);
                dropped = true;
                // One at a time: two elements may each be unneeded only while the other stays.
                break;
            }
        }
        if !dropped {
            return if relax.is_empty() {
                Verdict::NothingNeeded
            } else {
                Verdict::Found(relax)
            };
        }
        if !search.passes(&relax) {
            return Verdict::GaveUp(
                "the probe passed and failed under the same adjustment: it is not repeatable; \
                 give the container more time with --seconds, or a steadier probe"
                    .into(),
            );
        }
    }
    Verdict::Found(relax)
}

/// Whether a found relaxation runs as root, which fit says loudly.
pub fn runs_as_root(relax: &Relaxation) -> bool {
    relax.user.as_deref().is_some_and(is_root)
}

pub mod compose;
pub mod project_file;

#[cfg(test)]
mod tests;

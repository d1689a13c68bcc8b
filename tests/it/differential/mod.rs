//! The differential suite: the real docker CLI is the oracle.
//!
//! Each line runs through the installed `docker` directly and through hardrun (whose
//! `HARDRUN_DOCKER` is that same CLI), each against a recording fake engine (`fake_engine`),
//! and the two `POST /containers/create` bodies are compared as JSON:
//!
//! - mode `off`, a user profile that turns every rule off: the bodies are equal, except
//!   hardrun's provenance labels (`io.hardrun.*`) and the lists docker itself sends in no fixed
//!   order (`compare::UNORDERED`, checked by running each corpus line through docker twice);
//! - each built-in profile: every value the user set is kept (maps and lists may gain entries),
//!   or tightened with a line on stderr naming the rule, or hardrun refuses (125) naming a rule.
//!
//! A line docker rejects must be rejected by hardrun too (nonzero, nothing created). A refusal
//! that names no rule where docker accepts is hardrun failing closed: counted and listed, to be
//! judged by its stated reason. Lines: the corpus (`corpus`), a few with non-UTF-8 bytes, and
//! `HARDRUN_DIFF_COUNT` (default 500) generated from `HARDRUN_DIFF_SEED` (default 13) over the
//! installed CLI's flag table (`generator`). A generated line runs under mode `off` and one
//! built-in profile in turn (`HARDRUN_DIFF_ALL_PROFILES=1`: every profile); corpus lines run
//! under every mode. `HARDRUN_DIFF_JOBS` (default 4) workers run in parallel.

mod compare;
mod compose;
mod corpus;
mod fake_engine;
mod flag_table;
mod generator;
mod runner;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;

use crate::support::{rule_ids, shell_words};
use runner::{Run, Verdict, Worker};

const PROFILES: [&str; 4] = ["baseline", "production", "strict", "development"];

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {text:?}")),
        Err(_) => default,
    }
}

/// One line to try, and the modes to try it in.
struct Case {
    origin: String,
    words: Vec<OsString>,
    modes: Vec<&'static str>,
    /// Run docker twice, to see where docker itself varies.
    twice: bool,
}

/// Lines whose bytes a shell line cannot hold.
fn byte_lines() -> Vec<Vec<OsString>> {
    let value = |bytes: &[u8]| OsString::from_vec(bytes.to_vec());
    vec![
        vec![
            "create".into(),
            "-e".into(),
            value(b"CAFE=caf\xe9"),
            "busybox:1.36".into(),
        ],
        vec![
            "create".into(),
            value(b"--label=k=\xff\xfe"),
            "busybox:1.36".into(),
            value(b"arg\xff"),
        ],
        vec![
            "create".into(),
            "--name".into(),
            value(b"hr-diff-\xff"),
            "busybox:1.36".into(),
        ],
        vec![
            "create".into(),
            "-v".into(),
            value(b"/tmp/\xff:/data"),
            "busybox:1.36".into(),
        ],
    ]
}

fn show_words(words: &[OsString]) -> String {
    words
        .iter()
        .map(|w| {
            let text = w.to_string_lossy();
            if text.is_empty() || text.contains([' ', '\'', '"', '|', '$', '*', '{']) {
                format!("'{}'", text.replace('\'', r"'\''"))
            } else {
                text.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the workers found.
#[derive(Default)]
struct Findings {
    /// (mode, verdict, origin, line).
    verdicts: Vec<(&'static str, Verdict, String, String)>,
    /// Paths where docker's two runs of a line differed: whether sorting made them equal, and
    /// the line.
    docker_varies: BTreeMap<String, (bool, String)>,
}

/// The docker CLI a user of this machine runs: `HARDRUN_DIFF_DOCKER`, else the first `docker`
/// on `PATH`.
pub fn installed_docker() -> PathBuf {
    if let Some(docker) = std::env::var_os("HARDRUN_DIFF_DOCKER") {
        return PathBuf::from(docker);
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("docker"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("docker"))
}

#[test]
fn docker_is_the_oracle_for_run_and_create() {
    let started = Instant::now();
    let docker = installed_docker();
    let version = std::process::Command::new(&docker)
        .args(["version", "--format", "{{.Client.Version}}"])
        .env("DOCKER_HOST", "unix:///nonexistent/hr-diff.sock")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    assert!(
        !version.is_empty(),
        "the differential suite needs the docker CLI ({}); it runs no container and needs no \
         engine",
        docker.display()
    );
    let flags = flag_table::read(&docker);
    let rules = rule_ids();
    let seed = env_number("HARDRUN_DIFF_SEED", 13);
    let count = env_number("HARDRUN_DIFF_COUNT", 500) as usize;
    let jobs = env_number("HARDRUN_DIFF_JOBS", 4).max(1) as usize;
    let all_profiles = std::env::var("HARDRUN_DIFF_ALL_PROFILES").as_deref() == Ok("1");

    let profiles_dir = tempfile::tempdir().expect("a directory for the off profile");
    let off_profile = profiles_dir.path().join("off.yaml");
    let mut yaml = String::from("description: every rule off\ncatalogue: off\nrules:\n");
    for rule in &rules {
        yaml.push_str(&format!("  {rule}: off\n"));
    }
    std::fs::write(&off_profile, yaml).expect("write the off profile");

    let mut cases: Vec<Case> = Vec::new();
    let every_mode: Vec<&'static str> = std::iter::once("off").chain(PROFILES).collect();
    for line in corpus::LINES {
        cases.push(Case {
            origin: "corpus".into(),
            words: shell_words(line).into_iter().map(OsString::from).collect(),
            modes: every_mode.clone(),
            twice: true,
        });
    }
    for words in byte_lines() {
        cases.push(Case {
            origin: "corpus (bytes)".into(),
            words,
            modes: every_mode.clone(),
            twice: true,
        });
    }
    let corpus_size = cases.len();
    let generated = generator::generate(&flags, seed, count);
    let mut coverage: BTreeSet<(String, generator::Syntax)> = BTreeSet::new();
    let mut shapes: BTreeSet<&str> = BTreeSet::new();
    for (i, line) in generated.iter().enumerate() {
        coverage.extend(line.used.iter().cloned());
        shapes.extend(line.shapes.iter().copied());
        let modes = if all_profiles {
            every_mode.clone()
        } else {
            vec!["off", PROFILES[i % PROFILES.len()]]
        };
        cases.push(Case {
            origin: format!("generated #{i} (seed {seed})"),
            words: line.words.clone(),
            modes,
            twice: false,
        });
    }

    let findings = Mutex::new(Findings::default());
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                let worker = Worker::new(&docker, runner::default_image_config());
                let mut bare: HashMap<Vec<OsString>, Option<Value>> = HashMap::new();
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(index) else { break };
                    let direct = worker.docker(&case.words);
                    let mut varies = Vec::new();
                    if case.twice
                        && let (Some(a), Some(b)) =
                            (direct.created(), worker.docker(&case.words).created())
                    {
                        for path in compare::differences(a, b) {
                            let sorted = compare::differences(
                                &compare::normalized(a),
                                &compare::normalized(b),
                            );
                            varies.push((path.clone(), !sorted.contains(&path)));
                        }
                    }
                    let (_, image) = flag_table::typed(&case.words, &flags);
                    let bare_body = image.and_then(|i| {
                        let command_words = usize::from(case.words[0] == "container") + 1;
                        let mut key = case.words[..command_words].to_vec();
                        key.push(case.words[i].clone());
                        bare.entry(key.clone())
                            .or_insert_with(|| worker.docker(&key).created().cloned())
                            .clone()
                    });
                    let mut verdicts = Vec::new();
                    for mode in &case.modes {
                        let profile: OsString = if *mode == "off" {
                            off_profile.clone().into()
                        } else {
                            (*mode).into()
                        };
                        let hardened: Run = worker.hardrun(&profile, &case.words);
                        let verdict = runner::verdict(
                            &direct,
                            &hardened,
                            bare_body.as_ref(),
                            &case.words,
                            &flags,
                            &rules,
                            *mode == "off",
                        );
                        let verdict = match verdict {
                            Verdict::Mismatch(why) => Verdict::Mismatch(format!(
                                "{why}\n      docker: exit {:?}: {}\n      hardrun: exit {:?}: {}",
                                direct.code,
                                runner::first_line(&direct.stderr),
                                hardened.code,
                                hardened.stderr.trim().replace('\n', "\n               ")
                            )),
                            other => other,
                        };
                        verdicts.push((
                            *mode,
                            verdict,
                            case.origin.clone(),
                            show_words(&case.words),
                        ));
                    }
                    let mut findings = findings.lock().expect("findings");
                    findings.verdicts.extend(verdicts);
                    for (path, sorted) in varies {
                        findings
                            .docker_varies
                            .insert(path, (sorted, show_words(&case.words)));
                    }
                }
            });
        }
    });
    let findings = findings.into_inner().expect("findings");

    // The summary, per mode.
    let mut summary = String::new();
    let generated_flags: BTreeSet<&String> = coverage.iter().map(|(flag, _)| flag).collect();
    let syntaxes: BTreeSet<&str> = coverage.iter().map(|(_, s)| s.name()).collect();
    summary.push_str(&format!(
        "differential suite: docker CLI {version}, seed {seed}, corpus {corpus_size} lines, \
         generated {count} lines, {jobs} workers\n  generator coverage: {} of {} flags \
         (left out: {}), {} (flag, syntax) pairs over {} syntaxes [{}], line shapes [{}]\n",
        generated_flags.len(),
        flags.len(),
        generator::LEFT_OUT
            .iter()
            .map(|(f, why)| format!("--{f}: {why}"))
            .collect::<Vec<_>>()
            .join(", "),
        coverage.len(),
        syntaxes.len(),
        syntaxes.iter().copied().collect::<Vec<_>>().join(" "),
        shapes.iter().copied().collect::<Vec<_>>().join(", "),
    ));
    let unordered_seen: Vec<&String> = findings
        .docker_varies
        .iter()
        .filter(|(_, (sorted, _))| *sorted)
        .map(|(p, _)| p)
        .collect();
    summary.push_str(&format!(
        "  docker itself varied between two runs at: {unordered_seen:?} (compared as multisets)\n"
    ));
    let mut failures = Vec::new();
    for (path, (sorted, line)) in &findings.docker_varies {
        if !sorted {
            failures.push(format!(
                "docker's own body varies at {path} between two runs of `docker {line}`; add \
                 it to compare::UNORDERED if it is a list docker keeps in no order"
            ));
        }
    }
    let mut fail_closed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for mode in std::iter::once("off").chain(PROFILES) {
        let (mut same, mut refused, mut closed, mut both, mut own, mut mismatch) =
            (0, 0, 0, 0, 0, 0);
        for (m, verdict, origin, line) in &findings.verdicts {
            if *m != mode {
                continue;
            }
            match verdict {
                Verdict::Same => same += 1,
                Verdict::Refused => refused += 1,
                Verdict::FailClosed(why) => {
                    closed += 1;
                    fail_closed
                        .entry(why.clone())
                        .or_default()
                        .push(format!("[{mode}] {line}"));
                }
                Verdict::RejectedByBoth(by_hardrun) => {
                    both += 1;
                    own += usize::from(*by_hardrun);
                }
                Verdict::Mismatch(why) => {
                    mismatch += 1;
                    failures.push(format!("[{mode}] {origin}: docker {line}\n    {why}"));
                }
            }
        }
        summary.push_str(&format!(
            "  {mode:<11} SAME {same:>4}  REFUSED {refused:>4}  FAIL-CLOSED {closed:>3}  \
             REJECTED-BY-BOTH {both:>4} (by hardrun's own reading {own})  MISMATCH {mismatch}\n"
        ));
    }
    if !fail_closed.is_empty() {
        summary.push_str("  accepted refusals (hardrun fails closed where docker accepts):\n");
        for (why, lines) in &fail_closed {
            summary.push_str(&format!("    {why}\n"));
            for line in lines.iter().take(3) {
                summary.push_str(&format!("      {line}\n"));
            }
            if lines.len() > 3 {
                summary.push_str(&format!("      … {} more\n", lines.len() - 3));
            }
        }
    }
    summary.push_str(&format!(
        "  run time {:.1} s\n",
        started.elapsed().as_secs_f64()
    ));
    // Straight to stderr, past the test harness's capture: the figures are the point.
    let _ = std::io::stderr().write_all(summary.as_bytes());
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("differential-summary.txt"),
        &summary,
    );
    assert!(
        failures.is_empty(),
        "{} mismatch(es) between docker and hardrun:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

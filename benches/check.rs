//! `hardrun check`'s throughput against compose-lint's on the same compose files: the corpus
//! of `tests/fixtures/check/compose-lint/` (one file per compose-lint rule).
//!
//! Three rows per tool, all as whole processes, alternating the tools so that both see the
//! same machine load: one process per file (what a per-file pre-commit hook costs), one process
//! for all the files (what a CI job costs), and, for hardrun, the in-process reading and
//! judging of each file (the library, no process). compose-lint comes from `.ci/check-tools`
//! (`target/check-tools/venv/bin/compose-lint`, or `$HARDRUN_CHECK_TOOLS`). Run with
//! `cargo bench --bench check`; without `--bench` (as under `cargo test --all-targets`) it runs
//! one round as a smoke test and judges nothing.

#![allow(clippy::disallowed_methods, clippy::print_stdout)] // a benchmark drives processes

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hardrun::check::compose_file::{self, Neighbours, Reading};
use hardrun::check::positions;
use hardrun::profile::builtin::Builtins;
use hardrun::waivers::{Date, Waivers};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/compose-lint");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn compose_lint() -> Option<PathBuf> {
    let dir = std::env::var_os("HARDRUN_CHECK_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/check-tools"));
    let path = dir.join("venv/bin/compose-lint");
    path.exists().then_some(path)
}

/// Runs a command to its end, its output discarded; the wall time.
fn time(program: &Path, args: &[&std::ffi::OsStr]) -> Duration {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start the tool");
    let elapsed = start.elapsed();
    // 0 or 1: the corpus has findings on purpose.
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{} failed: {status}",
        program.display()
    );
    elapsed
}

fn per_file_ms(total: Duration, files: usize, rounds: usize) -> f64 {
    total.as_secs_f64() * 1000.0 / (files * rounds) as f64
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 5 } else { 1 };
    let files = corpus();
    let hardrun = PathBuf::from(env!("CARGO_BIN_EXE_hardrun"));
    let lint = compose_lint();
    if full && lint.is_none() {
        panic!("the benchmark compares with compose-lint: run .ci/check-tools first");
    }
    let hardrun_args = |file: &Path| -> Vec<std::ffi::OsString> {
        vec![
            "--profile".into(),
            "strict".into(),
            "check".into(),
            "--format".into(),
            "json".into(),
            file.as_os_str().to_owned(),
        ]
    };
    let lint_args = |file: &Path| -> Vec<std::ffi::OsString> {
        vec![
            "check".into(),
            "--format".into(),
            "json".into(),
            file.as_os_str().to_owned(),
        ]
    };
    let refs = |args: &[std::ffi::OsString]| -> Vec<std::ffi::OsString> { args.to_vec() };
    // One process per file.
    let (mut ours, mut theirs) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        for file in &files {
            let a = refs(&hardrun_args(file));
            let a: Vec<&std::ffi::OsStr> = a.iter().map(|s| s.as_os_str()).collect();
            let b = refs(&lint_args(file));
            let b: Vec<&std::ffi::OsStr> = b.iter().map(|s| s.as_os_str()).collect();
            // Alternate which goes first.
            if round % 2 == 0 {
                ours += time(&hardrun, &a);
                if let Some(lint) = &lint {
                    theirs += time(lint, &b);
                }
            } else {
                if let Some(lint) = &lint {
                    theirs += time(lint, &b);
                }
                ours += time(&hardrun, &a);
            }
        }
    }
    // One process for all the files.
    let (mut ours_all, mut theirs_all) = (Duration::ZERO, Duration::ZERO);
    let mut all_ours: Vec<&std::ffi::OsStr> = ["--profile", "strict", "check", "--format", "json"]
        .iter()
        .map(std::ffi::OsStr::new)
        .collect();
    all_ours.extend(files.iter().map(|f| f.as_os_str()));
    let mut all_theirs: Vec<&std::ffi::OsStr> = ["check", "--format", "json"]
        .iter()
        .map(std::ffi::OsStr::new)
        .collect();
    all_theirs.extend(files.iter().map(|f| f.as_os_str()));
    for _ in 0..rounds {
        ours_all += time(&hardrun, &all_ours);
        if let Some(lint) = &lint {
            theirs_all += time(lint, &all_theirs);
        }
    }
    // In process: read, index and judge each file.
    let profile = hardrun::profile::load("strict", &Builtins).unwrap();
    let waivers = Waivers::allowed_only(Vec::new(), Date::new(2026, 1, 1).unwrap());
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(f).unwrap()))
        .collect();
    let iterations = if full { 200 } else { 2 };
    let start = Instant::now();
    let mut found = 0;
    for _ in 0..iterations {
        for (path, text) in &texts {
            let dir = path.parent().unwrap();
            let Ok(Reading::InProcess(model)) =
                compose_file::read(text, dir, &Neighbours::default(), &|_| None)
            else {
                panic!("{} is read in process", path.display());
            };
            let places = positions::index(text);
            found += compose_file::judge(&model, &places, "f", &profile, &waivers)
                .unwrap()
                .findings
                .len();
        }
    }
    let in_process = start.elapsed();
    assert!(found > 0);
    let n = files.len();
    let ours_file = per_file_ms(ours, n, rounds);
    let ours_batch = per_file_ms(ours_all, n, rounds);
    let in_process_us = in_process.as_secs_f64() * 1e6 / (n * iterations) as f64;
    println!("hardrun check vs compose-lint, {n} compose files, {rounds} round(s)");
    println!(
        "{:<44} {:>12} {:>14} {:>8}",
        "", "hardrun", "compose-lint", "ratio"
    );
    let row = |name: &str, ours: f64, theirs: Option<f64>| match theirs {
        Some(theirs) => println!(
            "{name:<44} {ours:>9.2} ms {theirs:>11.2} ms {:>7.0}×",
            theirs / ours
        ),
        None => println!("{name:<44} {ours:>9.2} ms {:>14} {:>8}", "-", "-"),
    };
    let lint_file = lint.as_ref().map(|_| per_file_ms(theirs, n, rounds));
    let lint_batch = lint.as_ref().map(|_| per_file_ms(theirs_all, n, rounds));
    row("one process per file (per file)", ours_file, lint_file);
    row(
        "one process for all files (per file)",
        ours_batch,
        lint_batch,
    );
    println!(
        "{:<44} {in_process_us:>9.1} µs",
        "in process, read + judge (per file)"
    );
    if full {
        let json = serde_json::json!({
            "files": n,
            "rounds": rounds,
            "hardrun_ms_per_file_process_each": ours_file,
            "hardrun_ms_per_file_one_process": ours_batch,
            "hardrun_us_per_file_in_process": in_process_us,
            "compose_lint_ms_per_file_process_each": lint_file,
            "compose_lint_ms_per_file_one_process": lint_batch,
        });
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-check.json");
        let _ = std::fs::write(out, serde_json::to_string_pretty(&json).unwrap());
    }
}

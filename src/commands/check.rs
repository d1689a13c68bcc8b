//! `hardrun check [PATH…]`: reads each file (compose, Dockerfile, script, Kubernetes manifest)
//! with its front end (`check::*`), judges it with
//! the profile, and writes text, JSON or SARIF. Files are judged in parallel on std threads.
//! Exit 0 when nothing fails, 1 when a finding fails (`--fail-on SEVERITY`, else what the
//! profile refuses), 2 when a file could not be evaluated or the command is wrong.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::check::compose_file::{self, Neighbours, Reading};
use crate::check::walk::{self, OVERRIDE_FILES};
use crate::check::{
    self, FileReport, Kind, baseline, dockerfile, fix, output, positions, sarif, script,
};
use crate::cli::{CheckFormat, Cli};
use crate::profile::Profile;
use crate::rules::Severity;
use crate::waivers::Waivers;

/// The options of `check`.
pub struct Options<'a> {
    pub paths: &'a [PathBuf],
    pub format: CheckFormat,
    pub fail_on: Option<Severity>,
    pub baseline: Option<&'a Path>,
    pub write_baseline: Option<&'a Path>,
    pub fix: bool,
}

/// Exit status when a file could not be evaluated.
const EXIT_UNEVALUATED: u8 = 2;

#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn run(cli: &Cli, options: &Options) -> Result<ExitCode, String> {
    let profile = super::profile(cli)?;
    let waivers = super::waivers(cli, &profile)?;
    let default = [PathBuf::from(".")];
    let paths = if options.paths.is_empty() {
        &default[..]
    } else {
        options.paths
    };
    let files = walk::files(paths)?;
    let mut reports = judge_all(&files, &profile, &waivers, options.fix);
    for (report, _) in &mut reports {
        check::settle(&mut report.findings);
    }
    let (mut reports, fixes): (Vec<FileReport>, Vec<Option<String>>) = reports.into_iter().unzip();
    if let Some(path) = options.write_baseline {
        std::fs::write(path, baseline::write(&reports))
            .map_err(|e| format!("cannot write the baseline '{}': {e}", path.display()))?;
    }
    let baselined = match options.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the baseline '{}': {e}\nhelp: write one with --write-baseline FILE", path.display()))?;
            let accepted = baseline::read(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            baseline::accept(&mut reports, &accepted)
        }
        None => 0,
    };
    let mut stdout = io::stdout().lock();
    if options.fix {
        for diff in fixes.iter().flatten() {
            let _ = stdout.write_all(diff.as_bytes());
        }
    } else {
        match options.format {
            CheckFormat::Text => {
                let _ = output::text(
                    &mut stdout,
                    &reports,
                    options.fail_on,
                    cli.explain,
                    baselined,
                );
            }
            CheckFormat::Json => {
                let value = output::json(&reports, options.fail_on, baselined);
                let _ = writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            }
            CheckFormat::Sarif => {
                let value = sarif::document(&reports, env!("CARGO_PKG_VERSION"));
                let _ = writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            }
        }
    }
    if cli.explain && (options.format != CheckFormat::Text || options.fix) {
        let mut stderr = io::stderr().lock();
        for report in &reports {
            let _ = writeln!(
                stderr,
                "hardrun: {} ({}) read {}",
                report.file, report.kind, report.read
            );
        }
    }
    if reports.iter().any(|r| r.error.is_some()) {
        return Ok(ExitCode::from(EXIT_UNEVALUATED));
    }
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| check::fails(f, options.fail_on));
    Ok(ExitCode::from(u8::from(failing)))
}

/// Judges every file, on as many threads as there are CPUs; the reports in the files' order,
/// each with its `--fix` diff when asked.
fn judge_all(
    files: &[(PathBuf, Kind)],
    profile: &Profile,
    waivers: &Waivers,
    fix: bool,
) -> Vec<(FileReport, Option<String>)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, (FileReport, Option<String>))> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some((path, kind)) = files.get(index) else {
                            break;
                        };
                        done.push((index, judge_file(path, *kind, profile, waivers, fix)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, report)| report).collect()
}

/// The name a report gives a file: relative to the working directory, `/`-separated.
fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    text.to_owned()
}

#[allow(clippy::disallowed_methods)] // the I/O edge: files, the environment, Compose
fn judge_file(
    path: &Path,
    kind: Kind,
    profile: &Profile,
    waivers: &Waivers,
    want_fix: bool,
) -> (FileReport, Option<String>) {
    let file = shown(path);
    let mut report = FileReport {
        file: file.clone(),
        kind,
        read: "in process".into(),
        findings: Vec::new(),
        error: None,
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            report.error = Some(format!("cannot read it: {error}"));
            return (report, None);
        }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let absolute_dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let mut diff = None;
    match kind {
        Kind::Dockerfile => {
            report.findings = dockerfile::judge(&text, &file, profile);
            if want_fix
                && let Some(user) = profile
                    .setting("non-root-user")
                    .and_then(|s| s.params.user.clone())
                    .or_else(|| Some("1000:1000".into()))
            {
                diff = fix::dockerfile(&file, &text, &user);
            }
        }
        Kind::Script => {
            let judged = script::judge(&text, &file, &absolute_dir, profile, waivers);
            report.findings = judged.findings;
            if !judged.unreadable.is_empty() {
                report.error = Some(judged.unreadable.join("\n"));
            }
        }
        Kind::Manifest => match check::manifest::judge(&text, &file, profile, waivers) {
            Ok(findings) => report.findings = findings,
            Err(error) => report.error = Some(error),
        },
        Kind::Compose => {
            let neighbours = Neighbours {
                dotenv: std::fs::read_to_string(dir.join(".env")).ok(),
                override_file: OVERRIDE_FILES
                    .iter()
                    .find(|name| dir.join(name).is_file())
                    .map(|name| (*name).to_owned()),
            };
            let environment = |name: &str| std::env::var(name).ok();
            let model = match compose_file::read(&text, &absolute_dir, &neighbours, &environment) {
                Ok(Reading::InProcess(model)) => Ok(model),
                Ok(Reading::Compose(why)) => {
                    report.read = format!("by docker compose config: {why}");
                    by_compose(path, &absolute_dir)
                }
                Err(error) => Err(error),
            };
            match model {
                Ok(model) => {
                    let places = positions::index(&text);
                    match compose_file::judge(&model, &places, &file, profile, waivers) {
                        Ok(judged) => {
                            report.findings = judged.findings;
                            if want_fix {
                                diff = fix::compose_override(&file, &judged.edits);
                            }
                        }
                        Err(error) => report.error = Some(error),
                    }
                }
                Err(error) => report.error = Some(error),
            }
        }
    }
    (report, diff)
}

/// The model `docker compose config` prints for the file, every profile's services included.
fn by_compose(path: &Path, dir: &Path) -> Result<serde_json::Value, String> {
    let docker = crate::host::locate_docker().map_err(|e| e.to_string())?;
    let argv: Vec<std::ffi::OsString> = vec![
        "compose".into(),
        "-f".into(),
        path.as_os_str().to_owned(),
        "--project-directory".into(),
        dir.as_os_str().to_owned(),
        "--profile".into(),
        "*".into(),
        "config".into(),
    ];
    let command = crate::compose::command::parse(&argv, 0).map_err(|e| e.to_string())?;
    crate::compose::resolve::resolve_project(&docker, &command).map(|resolved| resolved.model)
}

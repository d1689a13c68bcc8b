//! `hardrun run …` and `hardrun create …` (also `container run|create`): the user's command line
//! read into a `ContainerSpec` (`docker::invocation`), its environment completed as docker
//! builds it, the facts beyond the command line gathered (`context`), decided, and delivered:
//! docker gets the user's words with hardrun's flags inserted before the image.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::Cli;
use crate::context;
use crate::decision::{self, Decision, Judged, Request, Subject, Trust};
use crate::deliver::{self, EXIT_REFUSED, Handoff};
use crate::docker::env_file;
use crate::docker::invocation::{Invocation, InvocationError};
use crate::plan::NoLimits;
use crate::profile::Profile;
use crate::report::{Format, Shown, command_line};
use crate::spec::ContainerSpec;

/// Hardens one `run`/`create`.
#[allow(clippy::disallowed_methods)] // the I/O edge: the working directory
pub fn run(options: &Cli, invocation: &Invocation, depth: u32) -> Result<ExitCode, String> {
    let profile = super::profile(options)?;
    let waivers = super::waivers(options, &profile)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let spec = match invocation.to_spec(&cwd) {
        Ok(spec) => spec,
        Err(error) => {
            let help = match error {
                InvocationError::NotUtf8 { .. } => {
                    "docker would send the value with the invalid bytes replaced by U+FFFD; hardrun refuses rather than judge a value that is not what you typed: write it in UTF-8"
                }
                _ => "docker would reject this value too; correct it and run again",
            };
            let _ = writeln!(
                io::stderr(),
                "hardrun: cannot read this docker command line with certainty: {error}\nhelp: {help}"
            );
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let spec = match with_files(invocation, &cwd, spec) {
        Ok(spec) => spec,
        Err(message) => {
            // docker's own status for a file it cannot read.
            let _ = writeln!(io::stderr(), "hardrun: {message}");
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let (context, notes) = context::gather(&profile, invocation, &spec);
    let decision = decision::decide(Request {
        command: invocation.kind().name().to_owned(),
        profile: &profile,
        subjects: vec![Subject {
            service: None,
            image: spec.image.clone(),
            judged: Judged::Container {
                spec: &spec,
                context: &context,
                limits: &NoLimits,
            },
            waivers: waivers.for_container(&spec.image),
            service_waiver: None,
            notes,
        }],
        trust: Some(Trust {
            user_setting: super::user_content_trust(),
            disabled_by_flag: invocation.disables_content_trust(),
            compose: false,
        }),
    });
    let handoff = Docker {
        invocation,
        profile: &profile,
        shown: std::cell::OnceCell::new(),
        verify: options.verify.then(|| Format::from(options.format)),
        depth,
    };
    deliver::deliver(options, &decision, &handoff)
}

/// Completes what docker reads from files: the container's environment as docker builds it
/// (the `--env-file`s, read relative to the working directory, then `-e`, whose `-e NAME` take
/// their value from this environment) and the labels of the `--label-file`s (before the
/// `--label`s, as docker reads them, with the same file grammar; a bare `KEY` is a label with
/// an empty value). A file docker could not read is an error, for which docker exits 125.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn with_files(
    invocation: &Invocation,
    cwd: &Path,
    mut spec: ContainerSpec,
) -> Result<ContainerSpec, String> {
    let read = |flag: &str, path: &std::ffi::OsStr, lookup: &dyn Fn(&str) -> Option<String>| {
        let shown = path.to_string_lossy();
        let bytes = std::fs::read(cwd.join(path))
            .map_err(|e| format!("cannot read {flag} {shown}: {e}"))?;
        env_file::parse(&shown, &bytes, lookup).map_err(|e| e.to_string())
    };
    let lookup = super::host_variable;
    let mut files = Vec::new();
    for path in invocation.env_files() {
        files.push(read("--env-file", path, &lookup)?);
    }
    spec.env = env_file::resolve_env(files, std::mem::take(&mut spec.env), &lookup);
    let mut labels = Vec::new();
    for path in invocation.label_files() {
        let entries = read("--label-file", path, &|_| Some(String::new()))?;
        labels.extend(
            entries
                .into_iter()
                .map(|var| (var.name, var.value.unwrap_or_default())),
        );
    }
    if !labels.is_empty() {
        labels.append(&mut spec.labels);
        spec.labels = labels;
    }
    Ok(spec)
}

/// The handoff of `run`/`create`: the user's argv with the plan's edits applied, exec'd; or,
/// with `--verify`, run as a child and the started container verified.
struct Docker<'a> {
    invocation: &'a Invocation,
    profile: &'a Profile,
    /// The hardened argv with secret values masked, built when first shown.
    shown: std::cell::OnceCell<Vec<OsString>>,
    /// `--verify`, and the format of its report.
    verify: Option<Format>,
    depth: u32,
}

impl Docker<'_> {
    fn container(decision: &Decision) -> &decision::Decided {
        &decision.containers[0]
    }

    fn masked(&self, decision: &Decision) -> &[OsString] {
        self.shown.get_or_init(|| {
            let container = Docker::container(decision);
            self.invocation
                .masked(&container.secrets)
                .apply(&container.plan.edits())
        })
    }
}

impl Handoff for Docker<'_> {
    fn shown(&self, decision: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Command(self.masked(decision)))
    }

    fn dry_run_text(&self, decision: &Decision) -> Result<String, String> {
        Ok(command_line(self.masked(decision)))
    }

    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String> {
        let hardened = self
            .invocation
            .apply(&Docker::container(decision).plan.edits());
        match self.verify {
            Some(format) => super::verify::run_and_verify(
                format,
                self.invocation,
                &hardened,
                self.profile,
                self.depth,
                &decision.docker_env,
            ),
            None => Ok(super::passthrough::hand_off(
                &hardened,
                self.depth,
                &decision.docker_env,
            )),
        }
    }
}

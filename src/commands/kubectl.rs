//! `hardrun kubectl …`: the manifests of `kubectl apply|create|replace -f FILE|DIR|-` hardened
//! with the same profiles and rules, and handed to the real kubectl on an inherited descriptor
//! (`-f /dev/fd/N`, a memfd); the user's files are never rewritten. Every other kubectl command
//! passes through as typed. The manifests are read (`kube::manifest`), every container of every
//! workload is decided together within what a pod template can say (`kube::limits`), and the
//! plans are written back in Kubernetes' terms (`kube::stream`).

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::Cli;
use crate::decision::{self, Decision, Judged, Request, Subject};
use crate::deliver::{self, EXIT_REFUSED, Handoff};
use crate::exec;
use crate::kube::command::{self, CommandError, FileCommand, KubectlCommand, Source};
use crate::kube::limits::{self, PodLimits};
use crate::kube::manifest::{self, Manifest};
use crate::kube::stream::{self, ContainerEdits, Hardened};
use crate::kube::yaml::Node;
use crate::report::{Format, Shown, command_line};
use crate::rules::Context;

/// Environment variable naming the real kubectl explicitly.
pub const KUBECTL_VARIABLE: &str = "HARDRUN_KUBECTL";

/// The extensions kubectl reads in a directory.
const EXTENSIONS: [&str; 3] = ["json", "yaml", "yml"];

/// `hardrun [options] kubectl WORDS…`.
pub fn run(options: &Cli, words: &[OsString], depth: u32) -> Result<ExitCode, String> {
    let command = match command::parse(words) {
        Ok(KubectlCommand::Files(command)) => command,
        Ok(KubectlCommand::PassThrough) => return Ok(pass_through(options, words, depth)),
        Err(error) => {
            let what = match error {
                CommandError::UnknownFlag(_)
                | CommandError::MissingValue(_)
                | CommandError::NotUtf8(_) => {
                    "cannot read this kubectl command line with certainty"
                }
                _ => "cannot harden this kubectl command",
            };
            let _ = writeln!(io::stderr(), "hardrun: {what}: {error}");
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let profile = super::profile(options)?;
    let waivers = super::waivers(options, &profile)?;
    let manifests = read_sources(&command)?;
    let context = Context {
        profile: profile.name.clone(),
        ..Context::default()
    };
    // One subject per container of every workload of every manifest, in that order.
    let mut places = Vec::new();
    let mut limits = Vec::new();
    for (m, (_, manifest)) in manifests.iter().enumerate() {
        for (w, workload) in manifest.workloads.iter().enumerate() {
            for (c, container) in workload.containers.iter().enumerate() {
                places.push((m, w, c));
                limits.push(PodLimits {
                    init: container.init,
                    has_probe: container.spec.health.command.is_some(),
                });
            }
        }
    }
    let subjects = places
        .iter()
        .zip(&limits)
        .map(|(&(m, w, c), limits)| {
            let workload = &manifests[m].1.workloads[w];
            let container = &workload.containers[c];
            Subject {
                service: Some(workload.container_name(container)),
                image: container.spec.image.clone(),
                judged: Judged::Container {
                    spec: &container.spec,
                    context: &context,
                    limits,
                },
                waivers: waivers.for_container(&container.spec.image),
                service_waiver: None,
                notes: Vec::new(),
            }
        })
        .collect();
    let mut decision = decision::decide(Request {
        command: format!("kubectl {}", command.verb),
        profile: &profile,
        subjects,
        trust: None,
    });
    let mut edits: Vec<Vec<ContainerEdits>> = vec![Vec::new(); manifests.len()];
    for (decided, &(m, w, c)) in decision.containers.iter_mut().zip(&places) {
        let manifest = &manifests[m];
        let workload = &manifest.1.workloads[w];
        let container = &workload.containers[c];
        let (pod, entry) = manifest.1.pod_and_entry(w, c);
        let defaults = limits::defaults(
            &profile,
            &decided.plan,
            &container.spec,
            pod.unwrap_or(&Node::map()),
            entry.unwrap_or(&Node::map()),
        );
        let plan_edits = if decided.plan.is_refused() {
            Vec::new()
        } else {
            decided.plan.edits()
        };
        let (kinds, changes): (Vec<_>, Vec<_>) = defaults.into_iter().unzip();
        let warnings = limits::restricted_warnings(&profile, &decided.plan, &container.spec);
        decided.plan.changes.extend(changes);
        decided.plan.changes.extend(warnings);
        edits[m].push(ContainerEdits {
            workload: w,
            container: c,
            edits: plan_edits,
            defaults: kinds,
            secrets: decided.secrets.clone(),
        });
    }
    let hardened: Vec<Hardened> = manifests
        .iter()
        .zip(&edits)
        .map(|((_, manifest), edits)| stream::harden(manifest, edits))
        .collect();
    let handoff = Kubectl {
        command: &command,
        text: join(hardened.iter().map(|h| h.text.as_str())),
        shown: join(hardened.iter().map(|h| h.shown.as_str())),
        documents: serde_json::Value::Array(
            hardened.iter().flat_map(|h| h.documents.clone()).collect(),
        ),
        depth,
    };
    deliver::deliver(options, &decision, &handoff)
}

/// Streams joined, each starting a document of its own.
fn join<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    let mut joined = String::new();
    for text in texts {
        if !joined.is_empty() {
            if !joined.ends_with('\n') {
                joined.push('\n');
            }
            if !text.starts_with("---") {
                joined.push_str("---\n");
            }
        }
        joined.push_str(text);
    }
    joined
}

/// Every manifest the command names, read: files as named, directories as kubectl walks them
/// (their `.json`, `.yaml` and `.yml` files in name order; subdirectories with `-R`), and stdin.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn read_sources(command: &FileCommand) -> Result<Vec<(String, Manifest)>, String> {
    let mut files: Vec<(String, String)> = Vec::new();
    for source in &command.sources {
        match source {
            Source::Stdin => {
                let mut text = String::new();
                io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| format!("cannot read the manifests on stdin: {e}"))?;
                files.push(("-".into(), text));
            }
            Source::Path(path) if path.is_dir() => {
                for file in walk(path, command.recursive)? {
                    let text = read_file(&file)?;
                    files.push((file.display().to_string(), text));
                }
            }
            Source::Path(path) => {
                let text = read_file(path)?;
                files.push((path.display().to_string(), text));
            }
        }
    }
    files
        .into_iter()
        .map(|(name, text)| {
            manifest::read(&text, &name)
                .map(|manifest| (name, manifest))
                .map_err(|e| format!("cannot read this manifest with certainty: {e}"))
        })
        .collect()
}

#[allow(clippy::disallowed_methods)] // the I/O edge
fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {:?}: {e}\nhelp: give kubectl's -f a readable file, a directory or -",
            path.display().to_string()
        )
    })
}

/// A directory's manifests in name order, as kubectl visits them.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn walk(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            format!(
                "cannot read the directory {:?}: {e}",
                dir.display().to_string()
            )
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut files = Vec::new();
    for entry in entries {
        if entry.is_dir() {
            if recursive {
                files.extend(walk(&entry, recursive)?);
            }
        } else if entry
            .extension()
            .and_then(OsStr::to_str)
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            files.push(entry);
        }
    }
    Ok(files)
}

/// The handoff of kubectl: the hardened manifests on an inherited descriptor.
struct Kubectl<'a> {
    command: &'a FileCommand,
    text: String,
    shown: String,
    documents: serde_json::Value,
    depth: u32,
}

impl Handoff for Kubectl<'_> {
    fn shown(&self, _: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Model(&self.documents))
    }

    fn dry_run_text(&self, _: &Decision) -> Result<String, String> {
        Ok(self.shown.clone())
    }

    fn hand_off(&self, _: &Decision) -> Result<ExitCode, String> {
        let kubectl = locate_kubectl()?;
        let error = crate::inherited::exec_with_model(
            &kubectl,
            "hardrun-manifests",
            self.text.as_bytes(),
            |file| self.command.with_file(file),
            self.depth,
            &[],
        )
        .map_err(|e| format!("cannot hand the manifests to kubectl: {e}"))?;
        Ok(kubectl_failed(&error))
    }
}

/// The real kubectl: `HARDRUN_KUBECTL`, else the first `kubectl` on PATH that is not hardrun.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn locate_kubectl() -> Result<PathBuf, String> {
    if let Some(explicit) = std::env::var_os(KUBECTL_VARIABLE).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(explicit));
    }
    let path = std::env::var_os("PATH");
    let this = std::env::current_exe().ok();
    exec::find_program("kubectl", path.as_deref(), this.as_deref()).ok_or_else(|| {
        format!("cannot find kubectl on PATH (skipping hardrun itself)\nhelp: install kubectl, or set {KUBECTL_VARIABLE} to its path")
    })
}

/// Every other kubectl command: kubectl gets it as typed; a dry run only shows it.
fn pass_through(options: &Cli, words: &[OsString], depth: u32) -> ExitCode {
    if options.dry_run {
        let line = format!(
            "kubectl{}",
            command_line(words)
                .strip_prefix("docker")
                .unwrap_or_default()
        );
        let text = match Format::from(options.format) {
            Format::Text => line,
            Format::Json => {
                let mut all = vec!["kubectl".to_owned()];
                all.extend(words.iter().map(|w| w.to_string_lossy().into_owned()));
                format!(
                    "{:#}",
                    serde_json::json!({"passthrough": true, "command": all, "command_line": line})
                )
            }
        };
        return match writeln!(io::stdout(), "{text}") {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(crate::EXIT_USAGE),
        };
    }
    match locate_kubectl() {
        Ok(kubectl) => exec_kubectl(&kubectl, words, depth),
        Err(message) => {
            let _ = writeln!(io::stderr(), "hardrun: {message}");
            ExitCode::from(127)
        }
    }
}

/// Execs kubectl; returns only when that fails, with the shell's status for it.
fn exec_kubectl(kubectl: &Path, args: &[OsString], depth: u32) -> ExitCode {
    kubectl_failed(&exec::exec(kubectl, args, depth, &[]))
}

/// Says why kubectl could not be executed: the shell's status for it.
fn kubectl_failed(error: &exec::ExecError) -> ExitCode {
    let message = match error {
        exec::ExecError::Exec { path, source } => format!(
            "cannot execute {:?}: {source}\nhelp: check that kubectl is installed and executable, or set {KUBECTL_VARIABLE}",
            path.display().to_string()
        ),
        exec::ExecError::Loop { depth } => format!(
            "hardrun is calling itself (depth {depth}): the 'kubectl' it finds leads back to hardrun\nhelp: set {KUBECTL_VARIABLE} to the real kubectl binary"
        ),
        other => other.to_string(),
    };
    let _ = writeln!(io::stderr(), "hardrun: {message}");
    ExitCode::from(error.exit_code())
}

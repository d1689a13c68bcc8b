//! `hardrun service update … SERVICE`: the service judged as the update will leave it. This
//! edge asks the engine for the service as it is (`docker service inspect`, and the names of
//! its networks, which the spec holds by ID), applies the update to its task container's spec
//! (`swarm::update`), decides that spec within what a service can express (`swarm::limits`),
//! and hands docker the user's words with hardrun's update flags inserted before the service.
//! Before anything runs the hardened update is read back on the service as it is, and an edit
//! docker would not deliver refuses the update.
//!
//! A service hardrun cannot inspect (no such service, no swarm, an engine that does not
//! answer) or whose networks it cannot name is refused: hardrun does not judge what it cannot
//! see. `--rollback` is judged on the previous spec (`RollbackLimits`: what it lacks is
//! refused, since a rollback takes no other flag); a service without one passes through, as
//! docker refuses to roll it back.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::cli::Cli;
use crate::decision::{self, Decision, Judged, Request, Subject, Trust};
use crate::deliver::{self, EXIT_REFUSED, Handoff};
use crate::exec;
use crate::host::{host_cpus, locate_docker};
use crate::plan::Limits;
use crate::report::{Shown, command_line};
use crate::rules::Context;
use crate::spec::{ContainerSpec, Edit};
use crate::swarm::current::container_spec;
use crate::swarm::limits::{RollbackLimits, StackLimits, parse_api, task_memory};
use crate::swarm::service::{ServiceCommand, parse};
use crate::swarm::update::{ServiceUpdate, rewrite_record, undelivered, without_record};

/// `hardrun [options] [docker globals] service update …`, read.
#[allow(clippy::disallowed_methods)] // the I/O edge: the working directory
pub fn run(options: &Cli, update: &ServiceUpdate, depth: u32) -> Result<ExitCode, String> {
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let profile = super::profile(options)?;
    super::allowed(options, &profile)?;
    let waivers = super::waivers(options, &profile)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let service = match inspect(&docker, update) {
        Ok(service) => service,
        Err(message) => return Ok(refuse(&message)),
    };
    let rollback = update.is_rollback();
    let judged = if rollback {
        &service["PreviousSpec"]
    } else {
        &service["Spec"]
    };
    if rollback && !judged.is_object() {
        // docker refuses to roll back a service without a previous spec: nothing changes.
        return Ok(super::passthrough::run(options, update.words(), depth));
    }
    let names = match network_names(&docker, update.docker_words(), judged) {
        Ok(names) => names,
        Err(message) => return Ok(refuse(&message)),
    };
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    // hardrun's record of an earlier hardening is rewritten, not judged as the user's labels.
    let before = container_spec(judged, &name_of);
    let mut spec = without_record(&before);
    if !rollback && let Err(error) = update.apply_to(&mut spec, &cwd, &super::host_variable) {
        return Ok(super::service::unreadable(&error));
    }
    let (api, api_note) = super::stack::api_version(&docker, update.docker_words());
    let stack_limits = StackLimits {
        api: api.as_deref().and_then(parse_api),
        policy: profile.inexpressible,
        memory: task_memory(spec.memory.as_ref().map(|m| m.value), &profile),
        tmpfs_mode: true,
    };
    let rollback_limits = RollbackLimits(stack_limits);
    let limits: &dyn Limits = if rollback {
        &rollback_limits
    } else {
        &stack_limits
    };
    let context = Context {
        profile: profile.name.clone(),
        host_cpus: host_cpus(),
        ..Context::default()
    };
    let name = update.service().to_string_lossy().into_owned();
    let mut decision = decision::decide(Request {
        command: "service update".into(),
        profile: &profile,
        subjects: vec![Subject {
            service: None,
            image: spec.image.clone(),
            judged: Judged::Container {
                spec: &spec,
                context: &context,
                limits,
            },
            waivers: waivers.for_container(&spec.image),
            service_waiver: None,
            notes: vec![
                format!(
                    "the service {name:?} as {}: its spec from docker service inspect{}",
                    if rollback {
                        "the rollback returns it"
                    } else {
                        "the update leaves it"
                    },
                    if rollback {
                        " (PreviousSpec)"
                    } else {
                        ", with the update's flags applied"
                    }
                ),
                super::service::service_note(&api_note),
            ],
        }],
        trust: Some(Trust {
            user_setting: super::user_content_trust(),
            disabled_by_flag: false,
            compose: false,
        }),
    });
    if rollback {
        unrecorded_provenance(&mut decision);
    }
    let handoff = Update {
        update,
        before,
        after: spec,
        cwd,
        rollback,
        shown: OnceCell::new(),
        depth,
    };
    deliver::deliver(options, &decision, &handoff)
}

/// A rollback takes no flag, so the provenance labels cannot be recorded on it: said, not
/// added (the previous spec keeps the labels it had).
fn unrecorded_provenance(decision: &mut Decision) {
    for change in decision
        .containers
        .iter_mut()
        .flat_map(|c| c.plan.changes.iter_mut())
        .filter(|c| c.rule == crate::plan::PROVENANCE && !c.edits.is_empty())
    {
        change.edits.clear();
        change.kind = crate::plan::ChangeKind::Warned;
        change.reason = format!(
            "{}; not recorded: `service update --rollback` takes no other flag, so the task containers keep the labels of the previous spec",
            change.reason
        );
    }
}

/// Says why nothing runs: the refusal's status.
fn refuse(message: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "hardrun: {message}");
    ExitCode::from(EXIT_REFUSED)
}

/// `docker [globals] service inspect SERVICE`: the service as it is.
fn inspect(docker: &Path, update: &ServiceUpdate) -> Result<Value, String> {
    let name = update.service().to_string_lossy().into_owned();
    let mut words: Vec<&OsStr> = update
        .docker_words()
        .iter()
        .map(OsString::as_os_str)
        .collect();
    words.extend([
        OsStr::new("service"),
        OsStr::new("inspect"),
        update.service(),
    ]);
    let output = exec::capture(docker, &words)
        .map_err(|e| format!("cannot run {}: {e}", docker.display()))?;
    let help = "help: hardrun judges a service as the update will leave it, and cannot without it; check the name with `docker service ls` (on a swarm manager), or run the update without hardrun";
    if !output.status.success() {
        return Err(format!(
            "cannot inspect the service {name:?} to judge its update: {}\n{help}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let services: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!("cannot read what docker service inspect said of {name:?}: {e}\n{help}")
    })?;
    match services.as_array().map(Vec::as_slice) {
        Some([service]) if service["Spec"].is_object() => Ok(service.clone()),
        _ => Err(format!(
            "docker service inspect did not give one service for {name:?}\n{help}"
        )),
    }
}

/// The names of the networks a service spec attaches, by ID (`docker network inspect`); a
/// spec without networks asks nothing.
fn network_names(
    docker: &Path,
    docker_words: &[OsString],
    spec: &Value,
) -> Result<BTreeMap<String, String>, String> {
    let ids: Vec<&str> = [&spec["TaskTemplate"]["Networks"], &spec["Networks"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|n| n["Target"].as_str())
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut words: Vec<&OsStr> = docker_words.iter().map(OsString::as_os_str).collect();
    words.extend(["network", "inspect", "--format", "{{.Id}} {{.Name}}"].map(OsStr::new));
    words.extend(ids.iter().map(OsStr::new));
    let output = exec::capture(docker, &words)
        .map_err(|e| format!("cannot run {}: {e}", docker.display()))?;
    if !output.status.success() {
        return Err(format!(
            "cannot name the networks of the service ({}): {}\nhelp: hardrun must know whether the service is on the host network; run it on a swarm manager",
            ids.join(", "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(id, name)| (id.to_owned(), name.to_owned()))
        .collect())
}

/// The handoff of `service update`: the user's words with hardrun's update flags before the
/// service; a rollback as typed.
struct Update<'a> {
    update: &'a ServiceUpdate,
    /// The service as it is (for a rollback, as it was), hardrun's record included.
    before: ContainerSpec,
    /// The service as the user's update leaves it.
    after: ContainerSpec,
    cwd: PathBuf,
    rollback: bool,
    shown: OnceCell<Vec<OsString>>,
    depth: u32,
}

impl Update<'_> {
    fn hardened(&self, update: &ServiceUpdate, decision: &Decision) -> Vec<OsString> {
        if self.rollback {
            return update.words().to_vec();
        }
        let (edits, unlabel) = rewrite_record(&self.before, decision.containers[0].plan.edits());
        update.apply(&edits, &self.after, &unlabel)
    }

    fn masked(&self, decision: &Decision) -> &[OsString] {
        self.shown.get_or_init(|| {
            let masked = self.update.masked(&decision.containers[0].secrets);
            self.hardened(&masked, decision)
        })
    }
}

impl Handoff for Update<'_> {
    fn shown(&self, decision: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Command(self.masked(decision)))
    }

    fn dry_run_text(&self, decision: &Decision) -> Result<String, String> {
        Ok(command_line(self.masked(decision)))
    }

    /// The hardened update, read back on the service as it is: every edit must be delivered.
    fn check(&self, decision: &Decision) -> Result<(), String> {
        if self.rollback {
            return Ok(());
        }
        let plan = &decision.containers[0].plan;
        let edits = plan.edits();
        let words = self.hardened(self.update, decision);
        let reread = match parse(&words, self.update.service_at()) {
            Ok(ServiceCommand::Update(reread)) => reread,
            other => {
                return Err(format!(
                    "hardrun cannot read back its own hardened update ({other:?})\nhelp: run the update without hardrun, and report this"
                ));
            }
        };
        let mut delivered = self.before.clone();
        reread
            .apply_to(&mut delivered, &self.cwd, &super::host_variable)
            .map_err(|e| format!("hardrun cannot read back its own hardened update: {e}"))?;
        let missing = undelivered(&delivered, &edits);
        let written: Vec<&str> = edits
            .iter()
            .filter_map(|e| match e {
                Edit::Label { key, .. } => Some(key.as_str()),
                _ => None,
            })
            .collect();
        let stale: Vec<&str> = delivered
            .labels
            .iter()
            .map(|(key, _)| key.as_str())
            .filter(|key| key.starts_with(crate::plan::LABEL_NAMESPACE) && !written.contains(key))
            .collect();
        if !stale.is_empty() {
            return Err(format!(
                "docker's update would leave the service with hardrun labels it no longer writes: {}\nhelp: remove them with `--container-label-rm`, and report this",
                stale.join(", ")
            ));
        }
        if missing.is_empty() {
            return Ok(());
        }
        let rules: Vec<&str> = plan
            .changes
            .iter()
            .filter(|c| c.edits.iter().any(|e| missing.contains(&e)))
            .map(|c| c.rule)
            .collect();
        let flags: Vec<String> = missing
            .iter()
            .flat_map(|e| crate::swarm::update::render(e))
            .collect();
        Err(format!(
            "docker's update would not leave the service with {} (a capability the service adds or drops already is cancelled by its opposite, a log option needs a driver)\nhelp: update the service so that it has them (`docker service inspect` shows what it has), or waive {} with `--allow RULE=REASON`",
            flags.join(" "),
            rules.join(", ")
        ))
    }

    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String> {
        let hardened = self.hardened(self.update, decision);
        Ok(super::passthrough::hand_off(
            &hardened,
            self.depth,
            &decision.docker_env,
        ))
    }
}

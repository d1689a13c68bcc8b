//! `hardrun compose …`: a Compose project hardened with the same profiles and rules, through
//! the real Compose v2. Compose resolves the project (`compose::resolve`), each service of the
//! resolved model becomes a `ContainerSpec` (`compose::service`), the services are decided
//! together, the plans are applied to the model, and Compose validates the hardened model and
//! gets it on an inherited descriptor. `compose verify` checks the project's running
//! containers; every other compose command passes through.

use std::cell::OnceCell;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::cli::Cli;
use crate::compose::command::{ComposeAction, ComposeCommand, parse};
use crate::compose::limits::ServiceLimits;
use crate::compose::resolve::{self, Program};
use crate::compose::run_options::with_run_options;
use crate::compose::{edit, service, waiver};
use crate::decision::{self, Decision, Judged, Request, Subject, Trust};
use crate::deliver::{self, EXIT_REFUSED, Handoff};
use crate::host::{host_cpus, locate_docker};
use crate::profile::Profile;
use crate::report::Shown;
use crate::rules::Context;
use crate::spec::ContainerSpec;
use crate::waivers::Waivers;

/// `hardrun [options] [docker globals] compose …`; `compose_at` is the index of `compose`.
pub fn run(
    options: &Cli,
    argv: Vec<OsString>,
    compose_at: usize,
    depth: u32,
) -> Result<ExitCode, String> {
    let command = match parse(&argv, compose_at) {
        Ok(command) => command,
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "hardrun: cannot read this compose command line with certainty: {error}\nhelp: hardrun refuses rather than guesses which subcommand runs; check the flag, or run it without hardrun"
            );
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let docker = locate_docker().map_err(|e| e.to_string())?;
    if command.subcommand() == Some("verify") {
        return verify(options, &docker, &command);
    }
    if command.action() == ComposeAction::PassThrough {
        return Ok(super::passthrough::run(options, &argv, depth));
    }
    let profile = profile(options)?;
    let waivers = super::waivers(options, &profile)?;
    let resolve::Resolved { program, mut model } = resolve::resolve_project(&docker, &command)?;
    let decision = decide(&profile, &waivers, &command, &model)?;
    for container in &decision.containers {
        let name = container.service.as_deref().unwrap_or_default();
        let service = &mut model["services"][name];
        if !container.plan.is_refused() {
            edit::apply(service, &container.plan.edits());
        }
        edit::repair(service);
    }
    let handoff = Compose {
        program,
        command: &command,
        model,
        yaml: OnceCell::new(),
        project_directory: OnceCell::new(),
        depth,
    };
    deliver::deliver(options, &decision, &handoff)
}

/// The profile, with `--allow` checked against it before compose is asked anything.
fn profile(options: &Cli) -> Result<Profile, String> {
    let profile = super::profile(options)?;
    super::allowed(options, &profile)?;
    Ok(profile)
}

/// Decides every service of the model: its spec (with the `compose run` options for the
/// service that runs), its waivers (`--allow`, the project file's for the service or its image,
/// its own `x-hardrun`) and what its model cannot express.
fn decide(
    profile: &Profile,
    waivers: &Waivers,
    command: &ComposeCommand,
    model: &Value,
) -> Result<Decision, String> {
    let names: Vec<String> = model
        .get("services")
        .and_then(Value::as_object)
        .map(|services| services.keys().cloned().collect())
        .unwrap_or_default();
    let context = Context {
        profile: profile.name.clone(),
        host_cpus: host_cpus(),
        ..Context::default()
    };
    let mut services: Vec<(String, ContainerSpec, Option<waiver::Waiver>, ServiceLimits)> =
        Vec::new();
    for name in names {
        let mut spec = service::spec_in_model(model, &name).map_err(|e| e.to_string())?;
        let waiver = waiver::waiver(&name, &model["services"][&name]).map_err(|e| e.to_string())?;
        if let Some(run) = command.run().filter(|run| run.service == name) {
            with_run_options(&mut spec, run, &super::host_variable);
        }
        let limits = ServiceLimits {
            copied_into_rootfs: service::copied_into_rootfs(model, &name),
        };
        services.push((name, spec, waiver, limits));
    }
    let subjects = services
        .iter()
        .map(|(name, spec, waiver, limits)| {
            let recorded = waiver
                .as_ref()
                .map(|w| w.allow.as_slice())
                .unwrap_or_default();
            Subject {
                service: Some(name.clone()),
                image: spec.image.clone(),
                judged: Judged::Container {
                    spec,
                    context: &context,
                    limits,
                },
                waivers: waivers
                    .for_service(name, &spec.image)
                    .and_recorded(recorded),
                service_waiver: waiver.clone(),
                notes: Vec::new(),
            }
        })
        .collect();
    Ok(decision::decide(Request {
        command: format!("compose {}", command.subcommand().unwrap_or_default()),
        profile,
        subjects,
        trust: Some(Trust {
            user_setting: super::user_content_trust(),
            disabled_by_flag: false,
            compose: true,
        }),
    }))
}

/// The handoff of compose: the hardened model, validated by compose, on an inherited
/// descriptor.
struct Compose<'a> {
    program: Program,
    command: &'a ComposeCommand,
    model: Value,
    /// The hardened model as YAML, written when first needed.
    yaml: OnceCell<Result<String, String>>,
    project_directory: OnceCell<Result<PathBuf, String>>,
    depth: u32,
}

impl Compose<'_> {
    fn yaml(&self) -> Result<&str, String> {
        self.yaml
            .get_or_init(|| {
                serde_saphyr::to_string(&self.model)
                    .map_err(|e| format!("cannot write the hardened model: {e}"))
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    fn project_directory(&self) -> Result<&Path, String> {
        self.project_directory
            .get_or_init(|| resolve::project_directory(self.command))
            .as_deref()
            .map_err(Clone::clone)
    }
}

impl Handoff for Compose<'_> {
    fn shown(&self, _: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Model(&self.model))
    }

    fn dry_run_text(&self, _: &Decision) -> Result<String, String> {
        self.yaml().map(str::to_owned)
    }

    fn check(&self, decision: &Decision) -> Result<(), String> {
        let changed = crate::inherited::changed_rules(decision);
        resolve::validate(
            &self.program,
            self.command,
            self.project_directory()?,
            self.yaml()?.as_bytes(),
            &changed,
        )
    }

    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String> {
        resolve::hand_over(
            &self.program,
            self.command,
            self.yaml()?,
            self.model.get("name").and_then(Value::as_str),
            self.project_directory()?,
            self.depth,
            &decision.docker_env,
        )
    }
}

/// `hardrun compose [root flags] verify`: the running containers of the project, judged by
/// `hardrun verify`. The project is `-p`, else the name compose resolves.
fn verify(options: &Cli, docker: &Path, command: &ComposeCommand) -> Result<ExitCode, String> {
    let name = resolve::project_name(docker, command)?;
    let profile = match options.profile.as_deref() {
        Some(_) => Some(profile(options)?),
        None => None,
    };
    let code = super::verify::verify_containers(
        docker,
        &[],
        Some(&name),
        profile.as_ref(),
        crate::report::Format::from(options.format),
        &mut io::stdout().lock(),
    );
    Ok(ExitCode::from(code))
}

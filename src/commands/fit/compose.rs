//! `hardrun [--profile P] fit [--probe-…] [--seconds N] [--write] compose [OPTIONS] SERVICE`:
//! fit's compose front end, the edge of `fit::compose`. Compose resolves the project as
//! `compose up SERVICE` would; each trial is the service alone in a project of its own
//! (`hr-fit-PID-N`: its container, and the default network Compose makes for it), planned by
//! `commands::compose::decide` exactly as `hardrun compose up` plans the service, and created by
//! Compose from the hardened model on stdin; then probed and read by the same code as `fit run`'s
//! trials. The adjustment is scoped to the service and, with `--write`, goes to the project
//! file `hardrun compose` reads from the working directory.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use super::{
    Fit, NotStarted, Outcome, Probe, Start, docker, fit_with, inputs, not_started, refusal,
};
use crate::cli::{Cli, FitArgs};
use crate::compose::command::ComposeCommand;
use crate::compose::resolve::{self, Program};
use crate::compose::{edit, service};
use crate::docker::command::{DockerCommand, parse};
use crate::fit::compose::{self as trial, FitComposeError};
use crate::host::locate_docker;
use crate::profile::Profile;
use crate::waivers::{FILE_NAME, Scope, Waivers};

/// `hardrun fit … compose [OPTIONS] SERVICE`.
#[allow(clippy::disallowed_methods)] // the I/O edge: the working directory
pub(super) fn run(options: &Cli, args: &FitArgs, probe: Probe) -> Result<ExitCode, String> {
    let (command, name, project) = trial::commands(&args.command).map_err(|e| e.to_string())?;
    let mut profile = crate::commands::profile(options)?;
    // The catalogue's entries would hide what the image needs; fit finds it itself.
    profile.catalogue = false;
    let allowed = crate::commands::allowed(options, &profile)?;
    let docker_path = locate_docker().map_err(|e| e.to_string())?;
    let resolve::Resolved { program, model } =
        match resolve::resolve_project(&docker_path, &command) {
            Ok(resolved) => resolved,
            // Compose refuses a service it does not know: the project without it names the known ones.
            Err(complaint) => match resolve::resolve_project(&docker_path, &project) {
                Ok(resolved) => {
                    trial::service(&resolved.model, &name).map_err(|e| e.to_string())?;
                    return Err(complaint);
                }
                Err(_) => return Err(complaint),
            },
        };
    let image = trial::image(&model, &name).map_err(|e| e.to_string())?;
    // Read as `hardrun compose` reads it, before any trial: an unreadable service fails here.
    let user_spec = service::spec_in_model(&model, &name).map_err(|e| e.to_string())?;
    // Trials never pull nor build (`pull_policy: never`): the image must be here.
    if !docker(
        &docker_path,
        &["image", "inspect", "--format", "{{.Id}}", &image],
    )
    .is_ok_and(|o| o.status.success())
    {
        return Err(format!(
            "image '{image}' of service '{name}' is not present locally, and fit's trials never pull nor build\nhelp: build or pull it first (`docker compose build {name}` or `docker compose pull {name}`), then fit again"
        ));
    }
    let project_directory = resolve::project_directory(&command)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    // The image's facts (its USER, VOLUMEs), as `fit run` reads them, for the search's inputs.
    let facts_line: Vec<OsString> = vec!["run".into(), image.clone().into()];
    let context = match parse(facts_line) {
        Ok(DockerCommand::Create(invocation)) => {
            let spec = invocation.to_spec(&cwd).map_err(|e| e.to_string())?;
            crate::context::gather(&profile, &invocation, &spec).0
        }
        _ => {
            return Err(format!(
                "cannot read the image reference '{image}'\nhelp: give the service an image docker can run"
            ));
        }
    };
    let mut mounted: Vec<String> = user_spec
        .mounts
        .iter()
        .map(|m| m.value.target.clone())
        .collect();
    mounted.extend(trial::secret_targets(&model, &name));
    let account = super::image_account(&docker_path, &image);
    let inputs = inputs(&profile, &context, account.as_deref(), &mounted);
    let start = ComposeStart {
        docker: docker_path.clone(),
        program,
        command,
        model,
        service: name.clone(),
        healthy: matches!(probe, Probe::Healthy),
        project_directory: project_directory.clone(),
        profile: &profile,
    };
    let code = fit_with(
        Fit {
            args,
            profile: &profile,
            allowed,
            probe,
            docker: docker_path,
            cwd: cwd.clone(),
            label: format!("service {name} ({image})"),
            scope: Scope::Service(name),
            inputs,
        },
        &start,
    )?;
    if args.write {
        note_where_it_applies(&cwd, &project_directory);
    }
    Ok(code)
}

/// `hardrun compose` reads the project file upward from where it runs: says so when a run from
/// the project directory would not find the file fit wrote.
fn note_where_it_applies(cwd: &Path, project_directory: &Path) {
    let file_dir = cwd
        .ancestors()
        .find(|dir| dir.join(FILE_NAME).exists())
        .unwrap_or(cwd);
    if !project_directory.starts_with(file_dir) {
        let _ = writeln!(
            io::stderr(),
            "hardrun fit: note: hardrun compose reads {} when it runs in {} or below; run it from there, not from the project directory {}",
            file_dir.join(FILE_NAME).display(),
            file_dir.display(),
            project_directory.display()
        );
    }
}

/// `fit compose`'s trials: the service alone in a trial project, created by Compose.
struct ComposeStart<'a> {
    docker: PathBuf,
    program: Program,
    command: ComposeCommand,
    model: Value,
    service: String,
    healthy: bool,
    project_directory: PathBuf,
    profile: &'a Profile,
}

impl Start for ComposeStart<'_> {
    fn start(&self, waivers: &Waivers, name: &str) -> Result<(), NotStarted> {
        let mut model = trial::trial_model(&self.model, &self.service, name, self.healthy)
            .map_err(|e: FitComposeError| not_started(&e.to_string()))?;
        let decision =
            crate::commands::compose::decide(self.profile, waivers, &self.command, &model)
                .map_err(|e| not_started(&e))?;
        let plan = &decision
            .containers
            .first()
            .ok_or_else(|| not_started("the trial project has no service"))?
            .plan;
        refusal(plan)?;
        let service = &mut model["services"][&self.service];
        edit::apply(service, &plan.edits());
        edit::repair(service);
        let yaml = serde_saphyr::to_string(&model)
            .map_err(|e| not_started(&format!("cannot write the trial's model: {e}")))?;
        resolve::up_trial(
            &self.program,
            &self.project_directory,
            name,
            yaml.as_bytes(),
        )
        .map_err(|stderr| {
            Box::new(Outcome {
                failure: format!("docker compose up failed: {stderr}"),
                logs: stderr,
                ..Outcome::default()
            })
        })
    }

    fn remove(&self, name: &str) {
        let _ = docker(&self.docker, &["rm", "-f", "-v", name]);
        let _ = docker(&self.docker, &["network", "rm", &format!("{name}_default")]);
    }
}

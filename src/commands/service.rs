//! `hardrun service create|update …`: a Swarm service hardened like a `docker run`. The command
//! line is read with the subcommand's own flag table (`swarm::service`, `swarm::update`), the
//! task container's spec decided with what a service cannot express on this engine
//! (`swarm::limits`, after the engine's API version), and docker gets the user's words with
//! hardrun's flags inserted (before the image of `create`, before the service of `update`).
//! An update is judged on the service as it will be: `docker service inspect` (this edge)
//! gives the service as it is, the update is applied to it, and the hardened update is read
//! back before it runs (`swarm::update::undelivered`). A `--rollback` is judged on the
//! service's previous spec, and refused where that spec lacks what the profile adds, since a
//! rollback takes no other flags. Every other `service` command passes through.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::Cli;
use crate::decision::{self, Decision, Judged, Request, Subject, Trust};
use crate::deliver::{self, EXIT_REFUSED, Handoff};
use crate::host::{host_cpus, locate_docker};
use crate::report::{Shown, command_line};
use crate::rules::Context;
use crate::swarm::limits::{StackLimits, parse_api, task_memory};
use crate::swarm::service::{ServiceCommand, ServiceCreate, ServiceError, parse};

/// `hardrun [options] [docker globals] service …`; `service_at` is the index of `service`.
#[allow(clippy::disallowed_methods)] // the I/O edge: the working directory
pub fn run(
    options: &Cli,
    argv: Vec<OsString>,
    service_at: usize,
    depth: u32,
) -> Result<ExitCode, String> {
    let create = match parse(&argv, service_at) {
        Ok(ServiceCommand::Create(create)) => create,
        Ok(ServiceCommand::Update(update)) => {
            return super::service_update::run(options, &update, depth);
        }
        Ok(ServiceCommand::PassThrough) => {
            return Ok(super::passthrough::run(options, &argv, depth));
        }
        Err(error) => return Ok(unreadable(&error)),
    };
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let profile = super::profile(options)?;
    let waivers = super::waivers(options, &profile)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let spec = match create.to_spec(&cwd, &super::host_variable) {
        Ok(spec) => spec,
        Err(error) => return Ok(unreadable(&error)),
    };
    let (api, api_note) = super::stack::api_version(&docker, create.docker_words());
    let limits = StackLimits {
        api: api.as_deref().and_then(parse_api),
        policy: profile.inexpressible,
        memory: task_memory(spec.memory.as_ref().map(|m| m.value), &profile),
        tmpfs_mode: true,
    };
    let context = Context {
        profile: profile.name.clone(),
        host_cpus: host_cpus(),
        ..Context::default()
    };
    let decision = decision::decide(Request {
        command: "service create".into(),
        profile: &profile,
        subjects: vec![Subject {
            service: None,
            image: spec.image.clone(),
            judged: Judged::Container {
                spec: &spec,
                context: &context,
                limits: &limits,
            },
            waivers: waivers.for_container(&spec.image),
            service_waiver: None,
            notes: vec![service_note(&api_note)],
        }],
        trust: Some(Trust {
            user_setting: super::user_content_trust(),
            disabled_by_flag: false,
            compose: false,
        }),
    });
    let handoff = Service {
        create: &create,
        shown: std::cell::OnceCell::new(),
        depth,
    };
    deliver::deliver(options, &decision, &handoff)
}

/// Says that the command line cannot be read with certainty: the refusal's status.
pub(super) fn unreadable(error: &ServiceError) -> ExitCode {
    let _ = writeln!(
        io::stderr(),
        "hardrun: cannot read this service command line with certainty: {error}\nhelp: {}",
        error.help()
    );
    ExitCode::from(EXIT_REFUSED)
}

/// The note on what a service cannot express on this engine.
pub(super) fn service_note(api_note: &str) -> String {
    api_note
        .replace("a stack cannot", "a service cannot")
        .replace(", nor a tmpfs mode or owner", ", nor a tmpfs owner")
}

/// The handoff of `service create`: the user's words with hardrun's flags before the image.
struct Service<'a> {
    create: &'a ServiceCreate,
    shown: std::cell::OnceCell<Vec<OsString>>,
    depth: u32,
}

impl Service<'_> {
    fn masked(&self, decision: &Decision) -> &[OsString] {
        self.shown.get_or_init(|| {
            let container = &decision.containers[0];
            self.create
                .masked(&container.secrets)
                .apply(&container.plan.edits())
        })
    }
}

impl Handoff for Service<'_> {
    fn shown(&self, decision: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Command(self.masked(decision)))
    }

    fn dry_run_text(&self, decision: &Decision) -> Result<String, String> {
        Ok(command_line(self.masked(decision)))
    }

    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String> {
        let hardened = self.create.apply(&decision.containers[0].plan.edits());
        Ok(super::passthrough::hand_off(
            &hardened,
            self.depth,
            &decision.docker_env,
        ))
    }
}

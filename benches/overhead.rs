//! How much hardrun adds in front of docker.
//!
//! 1. Whole-process wall time: `hardrun --profile production run … nginx:1.27` up to the exec of
//!    a docker that exits at once (`true`), against running that same `true` directly with the
//!    final, hardened argv. Also a passthrough command (`hardrun ps`) and a 200-word `run`.
//!    Runs are interleaved (alternating order) so drift in the machine hits both sides alike.
//! 2. In-process: parse + spec + plan + apply + mask of a 200-word `docker run` against the
//!    production profile loaded once, and the profile loading itself (built-in YAML resolved
//!    through `extends`), which the binary does on every run.
//! 3. Compose: hardrun's own work on the model `docker compose config` prints, for a generated
//!    project of 200 services (parse, plan every service, apply, serialize), as
//!    `hardrun compose` does it between its calls to docker; and, for scale and only when
//!    `docker compose version` works, the wall time of that `docker compose config` call itself.
//!
//! `cargo bench --bench overhead` runs it in full; without `--bench` (as under
//! `cargo test --all-targets`) it runs a few iterations of everything as a smoke test.
//! See benches/README.md.

#![allow(clippy::disallowed_methods)] // tests and benchmarks drive processes and files

use std::ffi::OsString;
use std::fmt::Write as _;
use std::hint::black_box;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hardrun::compose::{edit, service, waiver, yaml};
use hardrun::docker::command::{DockerCommand, parse};
use hardrun::docker::invocation::Invocation;
use hardrun::plan::{Plan, plan};
use hardrun::profile::builtin::Builtins;
use hardrun::profile::{Profile, load};
use hardrun::rules::{self, Context};
use hardrun::spec::ContainerSpec;
use hardrun::waivers::{Applied, Date, Waivers};

#[path = "support/compose_model.rs"]
mod compose_model;
use compose_model::compose_model;

/// The hardrun binary cargo built for this bench (release under `cargo bench`).
const HARDRUN: &str = env!("CARGO_BIN_EXE_hardrun");
/// The goal stated in the output: hardrun's added wall time, median, per invocation.
const GOAL: Duration = Duration::from_millis(1);
const PROFILE: &str = "production";
/// The goal for compose (issue 4, item 8): parse + plan + apply of a 200-service model, median.
const COMPOSE_GOAL: Duration = Duration::from_millis(10);
/// The services in the generated compose model.
const COMPOSE_SERVICES: usize = 200;

/// How much to measure.
struct Config {
    full: bool,
    process_warmup: usize,
    process_runs: usize,
    /// Batches and iterations per batch for the end-to-end in-process pipeline.
    pipeline: (usize, usize),
    /// Batches and iterations per batch for each stage of the pipeline.
    stage: (usize, usize),
    /// Batches and iterations per batch for profile loading.
    profile: (usize, usize),
    /// Batches and iterations per batch for each compose stage and total.
    compose: (usize, usize),
    /// Warm-up and measured runs of the real `docker compose config`, when there is one.
    compose_runs: (usize, usize),
    /// The services in the generated compose model: `COMPOSE_SERVICES` in a full run.
    compose_services: usize,
}

impl Config {
    fn from_args() -> Config {
        // `cargo bench` passes `--bench`; `cargo test --all-targets` does not.
        let args: Vec<String> = std::env::args().skip(1).collect();
        let full = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--quick");
        if full {
            Config {
                full,
                process_warmup: 30,
                process_runs: 300,
                pipeline: (40, 500),
                stage: (20, 250),
                profile: (20, 100),
                compose: (12, 10),
                compose_runs: (1, 5),
                compose_services: COMPOSE_SERVICES,
            }
        } else {
            Config {
                full,
                process_warmup: 2,
                process_runs: 10,
                pipeline: (3, 10),
                stage: (3, 10),
                profile: (3, 5),
                compose: (2, 2),
                compose_runs: (0, 1),
                compose_services: 20,
            }
        }
    }
}

fn words(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

/// A typical `docker run` (without the program name).
fn typical_run() -> Vec<OsString> {
    words(&[
        "run",
        "-d",
        "--rm",
        "--name",
        "web",
        "-p",
        "8080:80",
        "-e",
        "NGINX_HOST=example.com",
        "-e",
        "NGINX_PORT=80",
        "-v",
        "/srv/site:/usr/share/nginx/html:ro",
        "--label",
        "app=web",
        "nginx:1.27",
    ])
}

/// A 200-word `docker run` (without the program name): environment, binds, ports, labels,
/// capabilities and the rest of a large service definition, in several spellings.
fn large_run() -> Vec<OsString> {
    let mut w: Vec<String> = ["run", "-d", "--name", "api", "--hostname", "api-1"]
        .map(String::from)
        .to_vec();
    let pair = |w: &mut Vec<String>, flag: &str, value: String| {
        w.push(flag.to_owned());
        w.push(value);
    };
    let settings = [
        "APP_ENV",
        "APP_MODE",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "HTTP_PORT",
        "GRPC_PORT",
        "DB_HOST",
        "DB_PORT",
        "DB_NAME",
        "DB_USER",
        "DB_POOL",
        "CACHE_HOST",
        "CACHE_PORT",
        "CACHE_TTL",
        "QUEUE_URL",
        "QUEUE_WORKERS",
        "FEATURE_A",
        "FEATURE_B",
        "FEATURE_C",
        "TZ",
        "LANG",
        "REGION",
        "ZONE",
        "CLUSTER",
        "SERVICE",
        "VERSION",
        "BUILD",
        "COMMIT",
        "OTEL_ENDPOINT",
        "OTEL_SERVICE",
        "METRICS_PORT",
        "TRACE_RATIO",
        "MAX_BODY",
        "TIMEOUT_MS",
        "RETRIES",
        "WORKERS",
    ];
    for (i, name) in settings.iter().enumerate() {
        match i % 6 {
            0 => w.push(format!("--env={name}=value-{i}")),
            1 => pair(&mut w, "--env", format!("{name}=value-{i}")),
            _ => pair(&mut w, "-e", format!("{name}=value-{i}")),
        }
    }
    for i in 0..14 {
        if i % 5 == 4 {
            pair(
                &mut w,
                "--mount",
                format!("type=bind,source=/srv/api/data{i},target=/data/{i},readonly"),
            );
        } else {
            pair(&mut w, "-v", format!("/srv/api/vol{i}:/mnt/vol{i}:ro"));
        }
    }
    for i in 0..8 {
        pair(
            &mut w,
            "-p",
            format!("127.0.0.1:{}:{}", 18080 + i, 8080 + i),
        );
    }
    for i in 0..26 {
        pair(
            &mut w,
            "--label",
            format!("com.example.team{i}=platform-{i}"),
        );
    }
    for cap in ["NET_RAW", "MKNOD", "AUDIT_WRITE", "SYS_CHROOT", "SETFCAP"] {
        pair(&mut w, "--cap-drop", cap.to_owned());
    }
    for (flag, value) in [
        ("--network", "backend"),
        ("--add-host", "db.internal:10.0.0.5"),
        ("--dns", "10.0.0.2"),
        ("--ulimit", "nofile=4096:8192"),
        ("--workdir", "/app"),
        ("--memory", "256m"),
        ("--restart", "on-failure:3"),
        ("--tmpfs", "/run:rw,size=16m"),
        ("--stop-timeout", "20"),
    ] {
        pair(&mut w, flag, value.to_owned());
    }
    w.push("--init".into());
    w.push("registry.example.com/team/api:2.14.1".into());
    w.push("serve".into());
    w.push("--port=8080".into());
    w.into_iter().map(OsString::from).collect()
}

/// Everything `hardrun` does between reading argv and exec'ing docker, minus I/O: the
/// hardened argv, and the masked copy it would print.
struct Outcome {
    hardened: Vec<OsString>,
    shown: Vec<OsString>,
}

fn invocation(argv: &[OsString]) -> Invocation {
    match parse(argv.to_vec()) {
        Ok(DockerCommand::Create(invocation)) => invocation,
        other => panic!("not a run command: {other:?}"),
    }
}

fn secrets(profile: &Profile, spec: &ContainerSpec) -> Vec<String> {
    let params = profile
        .setting(rules::env_secrets::RULE.id)
        .map(|s| s.params.clone())
        .unwrap_or_default();
    rules::env_secrets::secret_names(spec, &params)
}

fn context(profile: &Profile) -> Context {
    Context {
        profile: profile.name.clone(),
        host_cpus: std::thread::available_parallelism()
            .ok()
            .and_then(|n| u32::try_from(n.get()).ok()),
        ..Context::default()
    }
}

/// The waivers `hardrun run` applies to a container of `image` with no `--allow` and no project
/// file: the catalogue's adjustments for the image, unless the profile turns the catalogue off.
fn applied(profile: &Profile, image: &str) -> Applied {
    Waivers {
        catalogue: profile.catalogue,
        ..Waivers::allowed_only(Vec::new(), Date::from_unix_days(0))
    }
    .for_container(image)
}

fn pipeline(profile: &Profile, context: &Context, cwd: &Path, argv: &[OsString]) -> Outcome {
    let invocation = invocation(argv);
    let spec = invocation.to_spec(cwd).expect("a valid command line");
    let plan = plan(profile, &spec, &applied(profile, &spec.image), context);
    let edits = plan.edits();
    let hardened = invocation.apply(&edits);
    let shown = invocation.masked(&secrets(profile, &spec)).apply(&edits);
    Outcome { hardened, shown }
}

/// The service names of a model, in its order.
fn service_names(model: &serde_json::Value) -> Vec<String> {
    model
        .get("services")
        .and_then(serde_json::Value::as_object)
        .map(|services| services.keys().cloned().collect())
        .unwrap_or_default()
}

/// The context `hardrun compose` plans with.
fn compose_context(profile: &Profile) -> Context {
    Context {
        profile: profile.name.clone(),
        host_cpus: hardrun::host::host_cpus(),
        ..Context::default()
    }
}

/// The plan of one service, as `commands::compose` decides it (no `--allow`, no
/// `compose run` options): the spec read from the whole model, the service's waiver, the plan.
/// The model has no secrets or configs Compose copies into the root filesystem, so the
/// read-only refusal those would cause never applies.
fn plan_service(
    profile: &Profile,
    context: &Context,
    model: &serde_json::Value,
    name: &str,
) -> Plan {
    let spec = service::spec_in_model(model, name).expect("a readable service");
    let waived = waiver::waiver(name, &model["services"][name])
        .expect("a valid waiver")
        .map(|waiver| waiver.allow)
        .unwrap_or_default();
    let planned = plan(profile, &spec, &Applied::recorded(&waived), context);
    assert!(service::copied_into_rootfs(model, name).is_empty());
    planned
}

/// Writes one service's plan into the model, as `commands::compose` does.
fn apply_service(model: &mut serde_json::Value, name: &str, planned: &Plan) {
    let service = &mut model["services"][name];
    if !planned.is_refused() {
        edit::apply(service, &planned.edits());
    }
    edit::repair(service);
}

/// Everything `hardrun compose` does between reading what `docker compose config` printed and
/// writing the hardened model: parse, then plan and apply each service in turn.
fn harden_model(
    profile: &Profile,
    context: &Context,
    text: &str,
) -> (serde_json::Value, Vec<(String, Plan)>) {
    let mut model = yaml::parse(text).expect("the model compose printed");
    let mut plans = Vec::new();
    for name in service_names(&model) {
        let planned = plan_service(profile, context, &model, &name);
        apply_service(&mut model, &name, &planned);
        plans.push((name, planned));
    }
    (model, plans)
}

/// The first path where two models differ, if any.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            keys.into_iter()
                .find_map(|key| match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) => first_difference(u, v, &format!("{path}.{key}")),
                    _ => Some(format!("{path}.{key}")),
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| path.to_owned()),
    }
}

/// The real `docker compose -f <model> config` in a scratch directory, as hardrun calls it.
struct ComposeCall {
    wall: Stats,
    /// Where compose's output differs from the generated model (`None`: nowhere).
    difference: Option<String>,
}

/// Times `docker compose -f compose.yaml config` on `text`; `None` when `docker compose
/// version` does not work here.
fn compose_config_call(text: &str, (warmup, runs): (usize, usize)) -> Option<ComposeCall> {
    let docker = hardrun::host::locate_docker().ok()?;
    let command = |args: &[&str], dir: &Path| {
        let mut command = Command::new(&docker);
        command
            .args(args)
            .current_dir(dir)
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .env_remove("COMPOSE_FILE")
            .stdin(Stdio::null());
        command
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let version = command(&["compose", "version"], dir.path()).output().ok()?;
    if !version.status.success() {
        return None;
    }
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write the model");
    let mut printed = String::new();
    let mut wall = Vec::new();
    for run in 0..warmup + runs {
        let start = Instant::now();
        let output = command(&["compose", "-f", "compose.yaml", "config"], dir.path())
            .output()
            .expect("run docker compose config");
        let elapsed = start.elapsed().as_nanos() as f64;
        assert!(
            output.status.success(),
            "docker compose config refuses the generated model: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if run >= warmup {
            wall.push(elapsed);
        }
        printed = String::from_utf8(output.stdout).expect("UTF-8 from compose");
    }
    let generated = yaml::parse(text).expect("the generated model");
    let resolved = yaml::parse(&printed).expect("compose's model");
    Some(ComposeCall {
        wall: Stats::of(wall),
        difference: first_difference(&generated, &resolved, ""),
    })
}

/// Order statistics of a sample.
#[derive(Clone, Copy)]
struct Stats {
    /// The size of the sample.
    count: usize,
    min: f64,
    median: f64,
    p90: f64,
    mean: f64,
}

impl Stats {
    fn of(mut sample: Vec<f64>) -> Stats {
        assert!(!sample.is_empty());
        sample.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let rank = q * (sample.len() - 1) as f64;
            let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
            sample[low] + (sample[high] - sample[low]) * (rank - low as f64)
        };
        Stats {
            count: sample.len(),
            min: sample[0],
            median: at(0.5),
            p90: at(0.9),
            mean: sample.iter().sum::<f64>() / sample.len() as f64,
        }
    }
}

/// Runs `f` in `batches` batches of `per_batch` iterations after one warm-up batch; the
/// statistics are of the nanoseconds per iteration of each batch.
fn per_iteration(batches: usize, per_batch: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..per_batch {
        f();
    }
    let sample = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    Stats::of(sample)
}

/// Like `per_iteration`, with a fresh input from `setup` for each iteration, made before its
/// batch is timed and dropped after.
fn per_iteration_with<T>(
    batches: usize,
    per_batch: usize,
    mut setup: impl FnMut() -> T,
    mut f: impl FnMut(&mut T),
) -> Stats {
    let mut batch = || {
        let mut inputs: Vec<T> = (0..per_batch).map(|_| setup()).collect();
        let start = Instant::now();
        for input in &mut inputs {
            f(input);
        }
        let elapsed = start.elapsed().as_nanos() as f64 / per_batch as f64;
        drop(inputs);
        elapsed
    };
    batch();
    Stats::of((0..batches).map(|_| batch()).collect())
}

/// A hermetic environment for the child processes: no profile files, no outer hardrun.
struct Sandbox {
    dir: tempfile::TempDir,
    path: OsString,
    /// `DOCKER_HOST` for the children; `None` leaves the default local socket.
    docker_host: Option<OsString>,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::create_dir_all(dir.path().join("config")).expect("a config directory");
        Sandbox {
            dir,
            path: std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
            docker_host: None,
        }
    }

    /// The same, with no engine to ask: hardrun's own cost without the image lookup.
    fn without_engine() -> Sandbox {
        Sandbox {
            docker_host: Some("unix:///nonexistent/hardrun-bench.sock".into()),
            ..Sandbox::new()
        }
    }

    /// `program args…` in the sandbox, all output discarded.
    fn command(&self, program: &Path, args: &[OsString], docker: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", &self.path)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env(hardrun::exec::DOCKER_VARIABLE, docker)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(host) = &self.docker_host {
            command.env("DOCKER_HOST", host);
        }
        command
    }

    /// The argv hardrun hands to docker for `args`, recorded by a docker that writes it out.
    fn handed_off(&self, args: &[OsString]) -> Vec<OsString> {
        let docker = self.dir.path().join("record-docker");
        let record = self.dir.path().join("argv.txt");
        std::fs::write(
            &docker,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
                record.display()
            ),
        )
        .expect("write the recording docker");
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755))
            .expect("make the recording docker executable");
        let _ = std::fs::remove_file(&record);
        let status = self
            .command(Path::new(HARDRUN), args, &docker)
            .stderr(Stdio::inherit())
            .status()
            .expect("run hardrun");
        assert!(status.success(), "hardrun {args:?} failed: {status}");
        let text = std::fs::read_to_string(&record).expect("hardrun exec'd the recording docker");
        text.lines().map(OsString::from).collect()
    }
}

/// One process measured against the direct exec of the same docker.
struct ProcessRow {
    name: &'static str,
    words: usize,
    /// `hardrun`, or `env` for the floor.
    wrapper: String,
    wrapped: Stats,
    direct: Stats,
    /// The per-pair differences, wrapped − direct: each pair ran back to back.
    differences: Stats,
}

impl ProcessRow {
    /// The added wall time: the median of the paired differences.
    fn added(&self) -> f64 {
        self.differences.median
    }
}

fn wall_time(mut command: Command) -> f64 {
    let start = Instant::now();
    let status = command.status().expect("spawn");
    let elapsed = start.elapsed();
    assert!(status.success(), "{command:?} failed: {status}");
    elapsed.as_nanos() as f64
}

/// `wrapper wrapper_args…` (which ends by exec'ing `fake_docker docker_args…`) against
/// `fake_docker docker_args…`.
fn measure_process(
    config: &Config,
    sandbox: &Sandbox,
    fake_docker: &Path,
    name: &'static str,
    (wrapper, wrapper_args): (&Path, &[OsString]),
    docker_args: &[OsString],
) -> ProcessRow {
    let wrapped = || sandbox.command(wrapper, wrapper_args, fake_docker);
    let direct = || sandbox.command(fake_docker, docker_args, fake_docker);
    let mut with = Vec::with_capacity(config.process_runs);
    let mut without = Vec::with_capacity(config.process_runs);
    for i in 0..config.process_warmup + config.process_runs {
        let (h, d) = if i % 2 == 0 {
            let h = wall_time(wrapped());
            (h, wall_time(direct()))
        } else {
            let d = wall_time(direct());
            (wall_time(wrapped()), d)
        };
        if i >= config.process_warmup {
            with.push(h);
            without.push(d);
        }
    }
    let differences = with.iter().zip(&without).map(|(h, d)| h - d).collect();
    ProcessRow {
        name,
        words: docker_args.len(),
        wrapper: wrapper
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        wrapped: Stats::of(with),
        direct: Stats::of(without),
        differences: Stats::of(differences),
    }
}

/// `program` in /bin, /usr/bin or on PATH: `true` is the cheapest docker there is, `env` the
/// cheapest wrapper.
fn system_program(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["/bin", "/usr/bin"]
        .iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&path))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`{program}` on this system"))
}

fn ms(ns: f64) -> String {
    format!("{:.3}", ns / 1e6)
}

fn us(ns: f64) -> String {
    format!("{:.1}", ns / 1e3)
}

fn stats_json(stats: &Stats) -> serde_json::Value {
    serde_json::json!({
        "min_ns": stats.min.round(),
        "median_ns": stats.median.round(),
        "p90_ns": stats.p90.round(),
        "mean_ns": stats.mean.round(),
    })
}

/// `target/` (or wherever cargo put this bench): the bench binary is `<target>/<profile>/deps/…`.
fn target_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .ancestors()
        .nth(3)
        .map(Path::to_owned)
}

/// `--compose-stage STAGE ITERATIONS`: runs one compose stage (`parse`, `plan`, `apply`,
/// `goal`) ITERATIONS times on the 200-service model after the same setup, and nothing else.
/// For instruction counts: `benches/instructions.sh` runs it under cachegrind with 0 and N
/// iterations and divides the difference by N.
fn compose_stage_args() -> Option<(String, usize)> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--compose-stage")?;
    let stage = args
        .get(at + 1)
        .expect("--compose-stage STAGE ITERATIONS")
        .clone();
    let iterations = args
        .get(at + 2)
        .and_then(|n| n.parse().ok())
        .expect("--compose-stage STAGE ITERATIONS");
    Some((stage, iterations))
}

/// One compose stage, `iterations` times, after the setup every stage shares.
fn compose_stage(stage: &str, iterations: usize) {
    let profile = load(PROFILE, &Builtins).expect("the built-in production profile loads");
    let context = compose_context(&profile);
    let text = compose_model(COMPOSE_SERVICES);
    let parsed = yaml::parse(&text).expect("the generated model parses");
    let names = service_names(&parsed);
    let plans: Vec<Plan> = names
        .iter()
        .map(|name| plan_service(&profile, &context, &parsed, name))
        .collect();
    // A fresh model per iteration of `apply`, as many whatever the iterations, so copying and
    // dropping them is part of the setup, not of the stage.
    const FRESH: usize = 20;
    assert!(iterations <= FRESH, "at most {FRESH} iterations");
    let mut models: Vec<serde_json::Value> = match stage {
        "apply" => (0..FRESH).map(|_| parsed.clone()).collect(),
        _ => Vec::new(),
    };
    let mut fresh = models.iter_mut();
    for _ in 0..iterations {
        match stage {
            "parse" => {
                black_box(yaml::parse(black_box(&text)).unwrap());
            }
            "plan" => {
                for name in &names {
                    black_box(plan_service(&profile, &context, black_box(&parsed), name));
                }
            }
            "apply" => {
                let model = fresh.next().expect("a fresh model per iteration");
                for (name, planned) in names.iter().zip(&plans) {
                    apply_service(black_box(model), name, planned);
                }
            }
            "goal" => {
                black_box(harden_model(&profile, &context, black_box(&text)));
            }
            other => panic!("unknown compose stage {other:?}: parse, plan, apply or goal"),
        }
    }
    black_box(models);
}

fn main() {
    if let Some((stage, iterations)) = compose_stage_args() {
        compose_stage(&stage, iterations);
        return;
    }
    let config = Config::from_args();
    let started = Instant::now();
    let sandbox = Sandbox::new();
    let docker = system_program("true");
    let env = system_program("env");
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    // Other work on the machine shows in the process figures: record it with them.
    let loadavg = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());

    // The profile, once, as a long-running caller would hold it.
    let profile = load(PROFILE, &Builtins).expect("the built-in production profile loads");
    let context = context(&profile);
    let cwd = sandbox.dir.path().to_owned();
    let typical = typical_run();
    let large = large_run();
    assert_eq!(large.len(), 200, "the large command line has 200 words");

    // What hardrun hands to docker, recorded from the real binary, must be what the library
    // computes in-process: both halves of this bench measure the same work.
    let own = |rest: &[OsString]| {
        let mut args = words(&["--profile", PROFILE]);
        args.extend(rest.iter().cloned());
        args
    };
    let typical_final = sandbox.handed_off(&own(&typical));
    let large_final = sandbox.handed_off(&own(&large));
    assert_eq!(
        typical_final,
        pipeline(&profile, &context, &cwd, &typical).hardened
    );
    assert_eq!(
        large_final,
        pipeline(&profile, &context, &cwd, &large).hardened
    );
    let ps = words(&["ps"]);
    assert_eq!(sandbox.handed_off(&ps), ps);
    {
        let invocation = invocation(&large);
        let spec = invocation.to_spec(&cwd).unwrap();
        let applied = applied(&profile, &spec.image);
        assert!(!plan(&profile, &spec, &applied, &context).is_refused());
    }

    // 1. Whole process.
    let hardrun = Path::new(HARDRUN);
    let mut floor_args = vec![docker.clone().into_os_string()];
    floor_args.extend(typical_final.iter().cloned());
    let processes = [
        measure_process(
            &config,
            &sandbox,
            &docker,
            "run, typical (production)",
            (hardrun, &own(&typical)),
            &typical_final,
        ),
        measure_process(
            &config,
            &Sandbox::without_engine(),
            &docker,
            "run, typical, no engine",
            (hardrun, &own(&typical)),
            &typical_final,
        ),
        measure_process(
            &config,
            &sandbox,
            &docker,
            "run, 200 words (production)",
            (hardrun, &own(&large)),
            &large_final,
        ),
        measure_process(
            &config,
            &sandbox,
            &docker,
            "ps (passthrough)",
            (hardrun, &ps),
            &ps,
        ),
        measure_process(
            &config,
            &sandbox,
            &docker,
            "floor: env true (typical argv)",
            (&env, &floor_args),
            &typical_final,
        ),
    ];

    // 2. In process.
    let (batches, per_batch) = config.profile;
    let loading = per_iteration(batches, per_batch, || {
        black_box(load(black_box(PROFILE), &Builtins).unwrap());
    });
    let (batches, per_batch) = config.pipeline;
    let total_large = per_iteration(batches, per_batch, || {
        black_box(pipeline(&profile, &context, &cwd, black_box(&large)).shown);
    });
    let total_typical = per_iteration(batches, per_batch, || {
        black_box(pipeline(&profile, &context, &cwd, black_box(&typical)).shown);
    });
    let invocation = invocation(&large);
    let spec = invocation.to_spec(&cwd).unwrap();
    let large_applied = applied(&profile, &spec.image);
    let planned: Plan = plan(&profile, &spec, &large_applied, &context);
    let edits = planned.edits();
    let (batches, per_batch) = config.stage;
    let stages = [
        (
            "parse (lex, check values)",
            per_iteration(batches, per_batch, || {
                black_box(parse(black_box(&large).clone()).unwrap());
            }),
        ),
        (
            "to_spec",
            per_iteration(batches, per_batch, || {
                black_box(black_box(&invocation).to_spec(&cwd).unwrap());
            }),
        ),
        (
            "plan (all rules)",
            per_iteration(batches, per_batch, || {
                black_box(plan(&profile, black_box(&spec), &large_applied, &context));
            }),
        ),
        (
            "apply (edits, argv)",
            per_iteration(batches, per_batch, || {
                black_box(black_box(&invocation).apply(&black_box(&planned).edits()));
            }),
        ),
        (
            "mask (secret names, shown argv)",
            per_iteration(batches, per_batch, || {
                let secrets = secrets(&profile, black_box(&spec));
                black_box(black_box(&invocation).masked(&secrets).apply(&edits));
            }),
        ),
    ];
    let iterations = config.pipeline.0 * config.pipeline.1;
    // The image lookup on the engine's local socket, when an engine answers there.
    let socket = hardrun::engine::Endpoint::Socket(hardrun::engine::DEFAULT_SOCKET.into());
    let (batches, per_batch) = config.profile;
    let lookups: Vec<(&str, Stats)> = [
        ("nginx:1.27", "not local"),
        ("hardrun-test/busybox:1", "local"),
    ]
    .into_iter()
    .filter_map(|(image, label)| {
        let found = hardrun::engine::image(&socket, image);
        let expected = match label {
            "local" => matches!(found, hardrun::engine::ImageLookup::Local(_)),
            _ => found == hardrun::engine::ImageLookup::NotLocal,
        };
        expected.then(|| {
            let stats = per_iteration(batches, per_batch.min(20), || {
                black_box(hardrun::engine::image(&socket, black_box(image)));
            });
            (label, stats)
        })
    })
    .collect();

    // 3. Compose: hardrun's own work on a 200-service model, then compose's call, for scale.
    let compose_text = compose_model(config.compose_services);
    let compose_context = compose_context(&profile);
    let parsed = yaml::parse(&compose_text).expect("the generated model parses");
    {
        // hardrun's reader reads the model as serde-saphyr, the reader it replaced, does.
        let before: serde_json::Value = serde_saphyr::from_str(&compose_text).unwrap();
        assert_eq!(parsed, before);
        assert_eq!(
            parsed.to_string(),
            before.to_string(),
            "keys in the same order"
        );
    }
    let names = service_names(&parsed);
    assert_eq!(names.len(), config.compose_services);
    let (hardened, compose_plans) = harden_model(&profile, &compose_context, &compose_text);
    assert!(
        compose_plans
            .iter()
            .all(|(_, planned)| !planned.is_refused()),
        "production refuses no service of the generated model"
    );
    let compose_edits: usize = compose_plans.iter().map(|(_, p)| p.edits().len()).sum();
    {
        // The partly hardened services keep their user: the model reads as written.
        let spec = service::spec_in_model(&parsed, "svc-005").unwrap();
        assert_eq!(
            spec.user.map(|user| user.value).as_deref(),
            Some("1000:1000")
        );
    }
    let hardened_text = serde_saphyr::to_string(&hardened).expect("the hardened model as YAML");
    let (batches, per_batch) = config.compose;
    let plan_all = |model: &serde_json::Value| -> Vec<Plan> {
        names
            .iter()
            .map(|name| plan_service(&profile, &compose_context, model, name))
            .collect()
    };
    let compose_plans_only = plan_all(&parsed);
    let compose_stages = [
        (
            "parse (compose::yaml::parse)",
            per_iteration(batches, per_batch, || {
                black_box(yaml::parse(black_box(&compose_text)).unwrap());
            }),
        ),
        (
            "plan (spec_in_model + waiver + plan)",
            per_iteration(batches, per_batch, || {
                black_box(plan_all(black_box(&parsed)));
            }),
        ),
        (
            "apply (apply + repair)",
            per_iteration_with(
                batches,
                per_batch,
                || parsed.clone(),
                |model| {
                    for (name, planned) in names.iter().zip(&compose_plans_only) {
                        apply_service(black_box(model), name, planned);
                    }
                },
            ),
        ),
        (
            "serialize (serde_saphyr::to_string)",
            per_iteration(batches, per_batch, || {
                black_box(serde_saphyr::to_string(black_box(&hardened)).unwrap());
            }),
        ),
    ];
    // For scale: the reader hardrun used before; what parsing could cost at best, the YAML
    // parser's events alone (as `compose::yaml` asks for them) with no tree built; and the
    // same model as JSON through serde_json.
    let compose_json = serde_json::to_string(&parsed).expect("the model as JSON");
    let compose_floors = [
        (
            "for scale: serde_saphyr::from_str (before)",
            per_iteration(batches, per_batch, || {
                let value: serde_json::Value =
                    serde_saphyr::from_str(black_box(&compose_text)).unwrap();
                black_box(value);
            }),
        ),
        (
            "for scale: YAML events only (granit-parser)",
            per_iteration(batches, per_batch, || {
                let mut events = 0usize;
                let options = granit_parser::options! { emit_comments: false };
                let parser = granit_parser::Parser::new_from_str_with_options(
                    black_box(&compose_text),
                    options,
                );
                for event in parser {
                    black_box(event.expect("valid YAML"));
                    events += 1;
                }
                black_box(events);
            }),
        ),
        (
            "for scale: the model as JSON (serde_json)",
            per_iteration(batches, per_batch, || {
                let value: serde_json::Value =
                    serde_json::from_str(black_box(&compose_json)).unwrap();
                black_box(value);
            }),
        ),
    ];
    let compose_hardening = per_iteration(batches, per_batch, || {
        black_box(harden_model(
            &profile,
            &compose_context,
            black_box(&compose_text),
        ));
    });
    let compose_total = per_iteration(batches, per_batch, || {
        let (model, plans) = harden_model(&profile, &compose_context, black_box(&compose_text));
        black_box((serde_saphyr::to_string(&model).unwrap(), plans));
    });
    let compose_call = compose_config_call(&compose_text, config.compose_runs);
    let compose_met = compose_hardening.median < COMPOSE_GOAL.as_nanos() as f64;

    // 4. Report.
    let typical_row = &processes[0];
    let met = typical_row.added() < GOAL.as_nanos() as f64;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "hardrun overhead benchmark");
    let _ = writeln!(
        w,
        "goal: < 1 ms median added wall time (hardrun --profile production run … nginx:1.27 vs exec of docker directly)"
    );
    let _ = writeln!(
        w,
        "goal (compose): < 10 ms median for parse + plan + apply of a {COMPOSE_SERVICES}-service model (issue 4 item 8)"
    );
    let _ = writeln!(
        w,
        "mode: {}   cpus: {cpus}   load (1 min) at start: {loadavg}\nfake docker: {}   hardrun: {HARDRUN}",
        if config.full {
            "full (cargo bench)"
        } else {
            "smoke (no --bench: few iterations, figures not meaningful)"
        },
        docker.display(),
    );
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "1. whole process, spawn to exit, {} interleaved runs each after {} warm-up (ms)",
        config.process_runs, config.process_warmup
    );
    let _ = writeln!(
        w,
        "   argv = words the fake docker receives; direct = the fake docker run with that argv;\n   added = wrapped - direct per interleaved pair (each pair runs back to back): median, p90 and\n   mean of those differences; its min column is min(wrapped) - min(direct)"
    );
    let _ = writeln!(
        w,
        "{:<30} {:>6} {:<8} {:>8} {:>8} {:>8} {:>8}",
        "command", "argv", "side", "min", "median", "p90", "mean"
    );
    for row in &processes {
        for (side, stats) in [
            (row.wrapper.as_str(), &row.wrapped),
            ("direct", &row.direct),
        ] {
            let _ = writeln!(
                w,
                "{:<30} {:>6} {:<8} {:>8} {:>8} {:>8} {:>8}",
                row.name,
                row.words,
                side,
                ms(stats.min),
                ms(stats.median),
                ms(stats.p90),
                ms(stats.mean),
            );
        }
        let _ = writeln!(
            w,
            "{:<30} {:>6} {:<8} {:>8} {:>8} {:>8} {:>8}   (difference of medians {})",
            row.name,
            "",
            "added",
            ms(row.wrapped.min - row.direct.min),
            ms(row.differences.median),
            ms(row.differences.p90),
            ms(row.differences.mean),
            ms(row.wrapped.median - row.direct.median),
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "2. in process, production profile loaded once (µs per iteration, statistics over batches)"
    );
    let _ = writeln!(
        w,
        "{:<44} {:>9} {:>9} {:>9} {:>9}",
        "work", "min", "median", "p90", "mean"
    );
    let line = |w: &mut String, name: &str, stats: &Stats| {
        let _ = writeln!(
            w,
            "{:<44} {:>9} {:>9} {:>9} {:>9}",
            name,
            us(stats.min),
            us(stats.median),
            us(stats.p90),
            us(stats.mean),
        );
    };
    line(w, "load profile 'production' (YAML + extends)", &loading);
    line(
        w,
        &format!("pipeline, 200-word run ({iterations} iterations)"),
        &total_large,
    );
    for (name, stats) in &stages {
        line(w, &format!("  {name}"), stats);
    }
    line(
        w,
        &format!("pipeline, {}-word typical run", typical.len()),
        &total_typical,
    );
    for (label, stats) in &lookups {
        line(
            w,
            &format!("image lookup on the engine socket ({label})"),
            stats,
        );
    }
    if lookups.is_empty() {
        let _ = writeln!(
            w,
            "image lookup: no engine answers on {}",
            hardrun::engine::DEFAULT_SOCKET
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "3. compose, {} services, production profile loaded once (ms per iteration, statistics over batches)",
        config.compose_services
    );
    let _ = writeln!(
        w,
        "   model as `docker compose config` prints it: {} KiB in, {} KiB out, {} edits; {} x {} iterations",
        compose_text.len() / 1024,
        hardened_text.len() / 1024,
        compose_edits,
        config.compose.0,
        config.compose.1,
    );
    let _ = writeln!(
        w,
        "{:<44} {:>9} {:>9} {:>9} {:>9}",
        "work", "min", "median", "p90", "mean"
    );
    let ms_line = |w: &mut String, name: &str, stats: &Stats| {
        let _ = writeln!(
            w,
            "{:<44} {:>9} {:>9} {:>9} {:>9}",
            name,
            ms(stats.min),
            ms(stats.median),
            ms(stats.p90),
            ms(stats.mean),
        );
    };
    for (name, stats) in &compose_stages {
        ms_line(w, &format!("  {name}"), stats);
    }
    ms_line(w, "parse + plan + apply (the goal)", &compose_hardening);
    ms_line(w, "parse + plan + apply + serialize", &compose_total);
    for (name, stats) in &compose_floors {
        ms_line(w, name, stats);
    }
    match &compose_call {
        Some(call) => {
            ms_line(
                w,
                &format!(
                    "docker compose config, {} run(s) (for scale)",
                    call.wall.count
                ),
                &call.wall,
            );
            let _ = writeln!(
                w,
                "   compose prints the generated model back {}",
                match &call.difference {
                    None => "unchanged".to_owned(),
                    Some(path) => format!("changed, first at {path}"),
                }
            );
        }
        None => {
            let _ = writeln!(w, "docker compose config: skipped: no compose");
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "result: {} ms median added wall time for the typical run: {} (goal < 1 ms)",
        ms(typical_row.added()),
        match (config.full, met) {
            (false, _) => "not judged in smoke mode",
            (true, true) => "MET",
            (true, false) => "NOT MET",
        },
    );
    let floor = processes
        .iter()
        .find(|row| row.wrapper == "env")
        .expect("the floor row");
    let no_engine = processes
        .iter()
        .find(|row| row.name == "run, typical, no engine")
        .expect("the no-engine row");
    let _ = writeln!(
        w,
        "        without an engine to ask (no image lookup): {} ms",
        ms(no_engine.added()),
    );
    let _ = writeln!(
        w,
        "        of which {} ms is the floor of any exec'ing wrapper (env) and {} ms hardrun's own start-up and work",
        ms(floor.added()),
        ms(typical_row.added() - floor.added()),
    );
    let _ = writeln!(
        w,
        "        in-process share: {} ms loading the profile + {} ms parse/plan/apply/mask",
        ms(loading.median),
        ms(total_typical.median),
    );
    let _ = writeln!(
        w,
        "compose: {} ms median for parse + plan + apply of {} services: {} (goal < 10 ms for {COMPOSE_SERVICES}){}",
        ms(compose_hardening.median),
        config.compose_services,
        match (config.full, compose_met) {
            (false, _) => "not judged in smoke mode",
            (true, true) => "MET",
            (true, false) => "NOT MET",
        },
        compose_call
            .as_ref()
            .map_or_else(String::new, |call| format!(
                "; the docker compose config call itself: {} ms",
                ms(call.wall.median)
            )),
    );
    let _ = writeln!(w, "elapsed: {:.1} s", started.elapsed().as_secs_f64());
    print!("{out}");

    if config.full
        && let Some(dir) = target_dir()
    {
        let json = serde_json::json!({
            "goal_added_median_ns": GOAL.as_nanos() as u64,
            "goal_met": met,
            "cpus": cpus,
            "load_average_1min_at_start": loadavg,
            "fake_docker": docker.display().to_string(),
            "process_runs": config.process_runs,
            "process_warmup": config.process_warmup,
            "floor_added_median_ns": floor.added().round(),
            "image_lookup_ns": lookups.iter().map(|(label, stats)| {
                serde_json::json!({"image": label, "stats": stats_json(stats)})
            }).collect::<Vec<_>>(),
            "processes": processes.iter().map(|row| serde_json::json!({
                "command": row.name,
                "docker_words": row.words,
                "wrapper": row.wrapper,
                "wrapped": stats_json(&row.wrapped),
                "direct": stats_json(&row.direct),
                "paired_differences": stats_json(&row.differences),
                "difference_of_minimums_ns": (row.wrapped.min - row.direct.min).round(),
                "difference_of_medians_ns": (row.wrapped.median - row.direct.median).round(),
            })).collect::<Vec<_>>(),
            "in_process_ns_per_iteration": {
                "load_profile": stats_json(&loading),
                "pipeline_200_words": stats_json(&total_large),
                "pipeline_typical": stats_json(&total_typical),
                "stages_200_words": stages.iter().map(|(name, stats)| {
                    serde_json::json!({"stage": name, "stats": stats_json(stats)})
                }).collect::<Vec<_>>(),
            },
            "compose": {
                "services": config.compose_services,
                "model_bytes": compose_text.len(),
                "hardened_model_bytes": hardened_text.len(),
                "edits": compose_edits,
                "goal_parse_plan_apply_median_ns": COMPOSE_GOAL.as_nanos() as u64,
                "goal_met": compose_met,
                "stages_ns_per_iteration": compose_stages.iter().map(|(name, stats)| {
                    serde_json::json!({"stage": name, "stats": stats_json(stats)})
                }).collect::<Vec<_>>(),
                "parse_plan_apply_ns": stats_json(&compose_hardening),
                "parse_plan_apply_serialize_ns": stats_json(&compose_total),
                "for_scale_ns_per_iteration": compose_floors.iter().map(|(name, stats)| {
                    serde_json::json!({"work": name, "stats": stats_json(stats)})
                }).collect::<Vec<_>>(),
                "docker_compose_config_wall_ns": compose_call.as_ref().map(|call| stats_json(&call.wall)),
                "docker_compose_prints_model_unchanged": compose_call.as_ref().map(|call| call.difference.is_none()),
            },
        });
        let path = dir.join("bench-overhead.json");
        match std::fs::write(&path, format!("{json:#}\n")) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(error) => eprintln!("cannot write {}: {error}", path.display()),
        }
    }
}

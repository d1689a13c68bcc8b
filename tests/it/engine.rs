//! The Docker Engine gate and the locally built test images for the end-to-end tests.
//!
//! `engine()` answers once per test process. When no engine answers, the end-to-end tests are
//! skipped, loudly, unless `HARDRUN_E2E=required` (set by `.ci/run`), where that is a failure.
//! When one answers, the two test images are built from the machine's `busybox-static` and
//! `docker import`ed: nothing is pulled from a registry.
//!
//! - `hardrun-test/busybox:1`: busybox with an applet link for every command, `/etc/passwd`
//!   (root, nobody, app 1000:1000), `/etc/group`, mode-1777 `/tmp` and `/var/tmp`; no `USER`,
//!   no `HEALTHCHECK`.
//! - `hardrun-test/busybox-user:1`: the same files, with `USER 1000` and a one-second
//!   `HEALTHCHECK` that always passes.
//!
//! Both carry the label `hardrun-test.image` (outside hardrun's own `io.hardrun.` labels); a
//! rebuild removes the images it replaced.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::Sandbox;

/// The plain test image.
pub const IMAGE: &str = "hardrun-test/busybox:1";
/// The test image that declares `USER 1000` and a `HEALTHCHECK`.
pub const USER_IMAGE: &str = "hardrun-test/busybox-user:1";

/// The busybox binary laid into the test images (Debian's `busybox-static`).
const BUSYBOX: &str = "/bin/busybox";

/// What the engine under test is.
#[derive(Debug)]
pub struct Engine {
    /// The real docker CLI.
    pub docker: PathBuf,
    /// 1 or 2.
    pub cgroup_version: u32,
    /// Whether the engine can limit swap (`memory.memsw.*` on cgroup v1).
    pub swap_limit: bool,
    /// The engine's CPU count.
    pub cpus: u32,
}

/// The engine, once its test images are built; `None` (after saying so loudly) when no engine
/// answers and the end-to-end tests are not required.
pub fn engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let docker = real_docker();
            let probed = probe(&docker, &[]);
            // Straight to the process's stderr: the test harness captures eprintln!.
            let engine = gate(probed, e2e_required(), &mut std::io::stderr())?;
            build_images(&engine);
            Some(engine)
        })
        .as_ref()
}

/// Whether `HARDRUN_E2E=required` (as `.ci/run` sets it).
pub fn e2e_required() -> bool {
    std::env::var("HARDRUN_E2E").is_ok_and(|v| v == "required")
}

/// What to do with the probe's answer: the engine, a loud skip (said on `loud`), or a failure
/// when required.
pub fn gate(
    probed: Result<Engine, String>,
    required: bool,
    loud: &mut dyn Write,
) -> Option<Engine> {
    match probed {
        Ok(engine) => Some(engine),
        Err(why) if required => panic!(
            "end-to-end tests are mandatory under .ci/run (HARDRUN_E2E=required) and no Docker \
             Engine answers: {why}"
        ),
        Err(why) => {
            let _ = writeln!(
                loud,
                "\n\
                 ************************************************************************\n\
                 SKIPPED: end-to-end tests need a Docker Engine; none answers ({why}).\n\
                 Every e2e:: test passes without checking anything. Run .ci/run, or set\n\
                 HARDRUN_E2E=required, to make a missing engine a failure.\n\
                 ************************************************************************"
            );
            None
        }
    }
}

/// Asks the engine what it is. `env` is added to docker's environment (tests point
/// `DOCKER_HOST` somewhere empty).
pub fn probe(docker: &Path, env: &[(&str, &str)]) -> Result<Engine, String> {
    let info = |format: Option<&str>| -> Result<String, String> {
        let mut command = Command::new(docker);
        command.arg("info").envs(env.iter().copied());
        if let Some(format) = format {
            command.args(["--format", format]);
        }
        let out = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", docker.display()))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "`docker info` fails ({}): {}",
                out.status,
                stderr.trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    if let Err(failed) = info(None) {
        // `docker info` only says "errors pretty printing info"; `docker version` says why
        // ("Cannot connect to the Docker daemon at …").
        let why = Command::new(docker)
            .args(["version", "--format", "{{.Server.Version}}"])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .map(|out| String::from_utf8_lossy(&out.stderr).trim().to_owned())
            .unwrap_or_default();
        return Err(if why.is_empty() {
            failed
        } else {
            format!("{failed}; {why}")
        });
    }
    let server = info(Some("{{.ServerVersion}}"))?;
    if server.is_empty() {
        return Err("`docker info` names no server version".into());
    }
    let cgroup_version = match info(Some("{{.CgroupVersion}}"))?.as_str() {
        "2" => 2,
        // Engines before 20.10 do not report it and only run on v1.
        "1" | "" => 1,
        other => return Err(format!("unknown cgroup version {other:?}")),
    };
    let swap_limit = info(Some("{{json .SwapLimit}}"))? == "true";
    let cpus = info(Some("{{.NCPU}}"))?
        .parse()
        .map_err(|e| format!("NCPU: {e}"))?;
    Ok(Engine {
        docker: docker.to_owned(),
        cgroup_version,
        swap_limit,
        cpus,
    })
}

/// The real docker CLI: `/usr/bin/docker`, else the first `docker` on `PATH`.
pub fn real_docker() -> PathBuf {
    let usual = PathBuf::from("/usr/bin/docker");
    if is_executable(&usual) {
        return usual;
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("docker"))
                .find(|candidate| is_executable(candidate))
        })
        .unwrap_or_else(|| PathBuf::from("docker"))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

// --- the test images ----------------------------------------------------------------------

const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
";

const GROUP: &str = "\
root:x:0:
nogroup:x:65534:
app:x:1000:
";

/// Builds both test images (every test run: it takes about a second and keeps the images in
/// step with the machine's busybox).
fn build_images(engine: &Engine) {
    let work = tempfile::tempdir().expect("create the image's build directory");
    let rootfs = work.path().join("rootfs");
    lay_rootfs(&rootfs);
    let tarball = work.path().join("rootfs.tar");
    pack(&rootfs, &tarball);
    import(engine, &tarball, IMAGE, &[]);
    import(
        engine,
        &tarball,
        USER_IMAGE,
        &[
            "USER 1000",
            "HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD true",
        ],
    );
    remove_replaced_images(engine);
}

/// The root filesystem: busybox with one link per applet, users, groups and scratch space.
fn lay_rootfs(rootfs: &Path) {
    for dir in [
        "bin", "etc", "tmp", "var/tmp", "proc", "sys", "dev", "root", "home/app",
    ] {
        fs::create_dir_all(rootfs.join(dir)).expect("create the image's directories");
    }
    let bin = rootfs.join("bin");
    fs::copy(BUSYBOX, bin.join("busybox")).unwrap_or_else(|e| {
        panic!("copy {BUSYBOX} into the test image (install busybox-static): {e}")
    });
    let list = Command::new(BUSYBOX)
        .arg("--list")
        .output()
        .expect("run busybox --list");
    assert!(list.status.success(), "busybox --list fails: {list:?}");
    let applets = String::from_utf8(list.stdout).expect("applet names are UTF-8");
    let mut linked = 0;
    for applet in applets.lines().map(str::trim) {
        if applet.is_empty() || applet == "busybox" || applet.contains('/') {
            continue;
        }
        symlink("busybox", bin.join(applet)).expect("link a busybox applet");
        linked += 1;
    }
    assert!(
        bin.join("sh").exists(),
        "busybox has no sh applet ({linked} linked)"
    );
    fs::write(rootfs.join("etc/passwd"), PASSWD).expect("write /etc/passwd");
    fs::write(rootfs.join("etc/group"), GROUP).expect("write /etc/group");
    for (dir, mode) in [
        ("tmp", 0o1777),
        ("var/tmp", 0o1777),
        ("root", 0o700),
        ("home/app", 0o755),
    ] {
        fs::set_permissions(rootfs.join(dir), fs::Permissions::from_mode(mode))
            .expect("set a directory's mode");
    }
}

/// Packs `rootfs` owned by root, except `/home/app`, owned by 1000:1000 (whoever runs the
/// tests: tar writes the owners, nothing is chowned).
fn pack(rootfs: &Path, tarball: &Path) {
    let tar = |args: &[&OsStr]| {
        let out = Command::new("tar")
            .arg("-C")
            .arg(rootfs)
            .args(args)
            .output()
            .expect("run tar");
        assert!(out.status.success(), "tar {args:?} fails: {out:?}");
    };
    tar(&[
        "--numeric-owner".as_ref(),
        "--owner=0".as_ref(),
        "--group=0".as_ref(),
        "--exclude=./home/app".as_ref(),
        "-cf".as_ref(),
        tarball.as_os_str(),
        ".".as_ref(),
    ]);
    tar(&[
        "--numeric-owner".as_ref(),
        "--owner=1000".as_ref(),
        "--group=1000".as_ref(),
        "-rf".as_ref(),
        tarball.as_os_str(),
        "./home/app".as_ref(),
    ]);
}

/// Marks the test images, so that the ones a rebuild replaced can be found and removed.
pub const IMAGE_LABEL: &str = "hardrun-test.image";

/// `docker import`s the tarball under `tag`.
fn import(engine: &Engine, tarball: &Path, tag: &str, changes: &[&str]) {
    let label = format!("LABEL {IMAGE_LABEL}=busybox");
    let mut args: Vec<&OsStr> = vec!["import".as_ref(), "--change".as_ref(), label.as_ref()];
    for change in changes {
        args.push("--change".as_ref());
        args.push(change.as_ref());
    }
    args.push(tarball.as_os_str());
    args.push(tag.as_ref());
    let out = engine.docker(&args);
    assert!(
        out.status.success(),
        "docker import {tag} fails\n{}",
        show(&out)
    );
}

/// Removes the test images that rebuilds left without a tag (best effort: a container of
/// another test process may still use one; a later run removes it).
pub fn remove_replaced_images(engine: &Engine) {
    let replaced = engine.docker([
        "image",
        "ls",
        "--quiet",
        "--no-trunc",
        "--filter",
        "dangling=true",
        "--filter",
        &format!("label={IMAGE_LABEL}"),
    ]);
    for id in stdout(&replaced).lines() {
        let _ = engine.docker(["image", "rm", id]);
    }
}

// --- running things -----------------------------------------------------------------------

impl Engine {
    /// The real docker with `args`; stdin is empty.
    pub fn docker<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Command::new(&self.docker)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run docker")
    }

    /// The real docker with `args`, which must succeed; its stdout, trimmed.
    #[track_caller]
    pub fn docker_ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let out = self.docker(&args);
        let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
        assert!(
            out.status.success(),
            "docker {shown:?} fails\n{}",
            show(&out)
        );
        stdout(&out)
    }

    /// `docker inspect CONTAINER`, the one object.
    #[track_caller]
    pub fn inspect(&self, container: &str) -> serde_json::Value {
        let text = self.docker_ok(["inspect", "--type", "container", container]);
        let mut all: serde_json::Value =
            serde_json::from_str(&text).expect("docker inspect prints JSON");
        all[0].take()
    }

    /// `docker inspect --format FORMAT CONTAINER`, or `None` when there is no such container.
    pub fn inspect_format(&self, container: &str, format: &str) -> Option<String> {
        let out = self.docker([
            "inspect",
            "--type",
            "container",
            "--format",
            format,
            container,
        ]);
        out.status.success().then(|| stdout(&out))
    }

    /// The ids of containers, running or not, named exactly `name`.
    pub fn containers_named(&self, name: &str) -> String {
        self.docker_ok([
            "ps",
            "-a",
            "-q",
            "--no-trunc",
            "--filter",
            &format!("name=^/{name}$"),
        ])
    }

    /// A sandbox (private working directory, HOME and XDG_CONFIG_HOME) whose hardrun hands
    /// off to the real docker.
    pub fn sandbox(&self) -> Sandbox {
        let mut sandbox = Sandbox::new();
        sandbox.env("HARDRUN_DOCKER", &self.docker);
        // The fake-docker sandbox points DOCKER_HOST nowhere; here the real engine must answer.
        match std::env::var_os("DOCKER_HOST") {
            Some(host) => sandbox.env("DOCKER_HOST", host),
            None => sandbox.env_remove("DOCKER_HOST"),
        };
        // HOME is the sandbox's: keep the docker CLI's own configuration (contexts) where the
        // probe found it.
        if std::env::var_os("DOCKER_CONFIG").is_none()
            && let Some(home) = std::env::var_os("HOME")
        {
            sandbox.env("DOCKER_CONFIG", Path::new(&home).join(".docker"));
        }
        sandbox
    }

    /// A unique container name for `test`, removed (with its container) when dropped.
    pub fn container(&'static self, test: &str) -> Container {
        Container {
            name: format!("hardrun-e2e-{test}-{}", std::process::id()),
            engine: self,
            owned: true,
        }
    }

    /// A cgroup file of the container, seen from inside: `v1` is `controller/file` under
    /// `/sys/fs/cgroup` on cgroup v1, `v2` the file under `/sys/fs/cgroup` on v2.
    pub fn cgroup_file(&self, v1: &str, v2: &str) -> String {
        match self.cgroup_version {
            2 => format!("/sys/fs/cgroup/{v2}"),
            _ => format!("/sys/fs/cgroup/{v1}"),
        }
    }
}

/// A container name; `docker rm -f` on drop.
pub struct Container {
    pub name: String,
    engine: &'static Engine,
    /// Whether it is removed on drop (not a container someone else named, such as a Swarm
    /// task, which its stack removes).
    owned: bool,
}

impl Container {
    /// A container the test did not create (a Swarm task): looked at, never removed.
    pub fn named(engine: &'static Engine, name: &str) -> Container {
        Container {
            name: name.to_owned(),
            engine,
            owned: false,
        }
    }

    /// `docker exec NAME sh -c SCRIPT` (as the container's user), which must succeed; stdout.
    #[track_caller]
    pub fn sh(&self, script: &str) -> String {
        self.engine
            .docker_ok(["exec", &self.name, "sh", "-c", script])
    }

    /// `docker inspect` of this container.
    #[track_caller]
    pub fn inspect(&self) -> serde_json::Value {
        self.engine.inspect(&self.name)
    }

    /// `docker inspect --format FORMAT`, `None` while there is no such container.
    pub fn format(&self, format: &str) -> Option<String> {
        self.engine.inspect_format(&self.name, format)
    }

    /// Polls `format` until `done` holds, for at most `limit`; the last value.
    pub fn wait_for(
        &self,
        format: &str,
        limit: Duration,
        done: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let start = Instant::now();
        loop {
            let value = self.format(format);
            if value.as_deref().is_some_and(&done) || start.elapsed() > limit {
                return value;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The container's logs (stdout and stderr).
    pub fn logs(&self) -> String {
        let out = self.engine.docker(["logs", &self.name]);
        format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr))
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let _ = self.engine.docker(["rm", "-f", &self.name]);
    }
}

/// A docker in front of the real one that records the argv of every call (NUL-separated
/// words, each call ended by an ASCII record separator) and then `exec`s the real docker:
/// what hardrun actually handed over, beside any question hardrun asked docker itself.
pub struct Recorder {
    log: PathBuf,
}

const RECORDER: &str = r#"#!/bin/sh
{ printf '%s\0' "$@"; printf '\036'; } >> "$HARDRUN_E2E_RECORD"
exec "$HARDRUN_E2E_REAL_DOCKER" "$@"
"#;

impl Recorder {
    /// Installs the recorder in `sandbox` and points its HARDRUN_DOCKER at it.
    ///
    /// The script is written by a child process, never by this one: a file this process held
    /// open for writing could be inherited by a child that another test forks meanwhile, and
    /// exec'ing it would then fail with ETXTBSY.
    pub fn install(engine: &Engine, sandbox: &mut Sandbox) -> Recorder {
        let dir = sandbox.root().join("recorder");
        fs::create_dir_all(&dir).expect("create the recorder's directory");
        let script = dir.join("docker");
        let out = Command::new("/bin/sh")
            .args([
                "-c",
                r#"printf '%s' "$1" > "$2" && chmod 755 "$2""#,
                "sh",
                RECORDER,
            ])
            .arg(&script)
            .output()
            .expect("write the recording docker");
        assert!(out.status.success(), "write the recording docker: {out:?}");
        let log = dir.join("calls");
        sandbox
            .env("HARDRUN_DOCKER", &script)
            .env("HARDRUN_E2E_REAL_DOCKER", &engine.docker)
            .env("HARDRUN_E2E_RECORD", &log);
        Recorder { log }
    }

    /// Every call's argv, without docker's name, in order.
    pub fn calls(&self) -> Vec<Vec<String>> {
        let Ok(bytes) = fs::read(&self.log) else {
            return Vec::new();
        };
        bytes
            .split(|b| *b == 0x1e)
            .filter(|call| !call.is_empty())
            .map(|call| {
                let mut words: Vec<String> = call
                    .split(|b| *b == 0)
                    .map(|w| String::from_utf8(w.to_vec()).expect("UTF-8 argv"))
                    .collect();
                words.pop(); // after the NUL that ends the last word
                words
            })
            .collect()
    }

    /// The calls that start with `command` (the handoff of `docker run …` starts with `run`;
    /// hardrun's own questions, such as `image inspect`, do not).
    pub fn calls_of(&self, command: &str) -> Vec<Vec<String>> {
        self.calls()
            .into_iter()
            .filter(|call| call.first().is_some_and(|w| w == command))
            .collect()
    }
}

/// Trimmed stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// An output, for failure messages.
pub fn show(out: &Output) -> String {
    format!(
        "status: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// --- the gate itself ----------------------------------------------------------------------

#[test]
fn the_probe_fails_when_no_engine_answers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = format!("unix://{}", dir.path().join("none.sock").display());
    let probed = probe(&real_docker(), &[("DOCKER_HOST", &socket)]);
    probed.expect_err("no engine listens in an empty directory");
}

#[test]
fn a_missing_engine_is_a_loud_skip_by_default() {
    let mut said = Vec::new();
    assert!(gate(Err("no engine".into()), false, &mut said).is_none());
    let said = String::from_utf8(said).unwrap();
    assert!(
        said.contains("SKIPPED: end-to-end tests need a Docker Engine; none answers (no engine)"),
        "{said}"
    );
}

#[test]
#[should_panic(expected = "end-to-end tests are mandatory under .ci/run")]
fn a_missing_engine_is_a_failure_when_required() {
    gate(Err("no engine".into()), true, &mut std::io::sink());
}

//! End-to-end: the real `hardrun` binary hands hardened commands to the real docker, and each
//! control of each built-in profile is observed inside the running container (`docker exec`)
//! and through `docker inspect`.
//!
//! Every test starts with the engine gate (see `engine.rs`): without an engine the tests skip
//! loudly, and under `.ci/run` (`HARDRUN_E2E=required`) they fail instead. Containers get
//! unique names and are removed by a guard, so the tests run in parallel with each other and
//! with other test processes.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::engine::{Container, Engine, IMAGE, Recorder, USER_IMAGE, engine, show, stdout};
use crate::support::{HARDRUN, Outcome, Sandbox, shell_words};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A main process that runs until TERM and then exits 0 (PID 1 ignores signals it does not
/// handle). It prints `ready` once the trap is in place.
pub(crate) const UNTIL_TERM: &str = r#"trap "exit 0" TERM; echo ready; sleep 300 & wait"#;

/// docker's default capability set (moby `oci/caps/defaults.go`).
const DOCKER_DEFAULT_CAPS: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SYS_CHROOT",
    "MKNOD",
    "AUDIT_WRITE",
    "SETFCAP",
];

/// A capability's bit in `/proc/PID/status` masks.
pub(crate) fn cap_bit(name: &str) -> u64 {
    let number = match name {
        "CHOWN" => 0,
        "DAC_OVERRIDE" => 1,
        "FOWNER" => 3,
        "FSETID" => 4,
        "KILL" => 5,
        "SETGID" => 6,
        "SETUID" => 7,
        "SETPCAP" => 8,
        "NET_BIND_SERVICE" => 10,
        "NET_RAW" => 13,
        "SYS_CHROOT" => 18,
        "MKNOD" => 27,
        "AUDIT_WRITE" => 29,
        "SETFCAP" => 31,
        other => panic!("no bit for capability {other}"),
    };
    1 << number
}

/// docker's default set without `drop`.
fn default_caps_without(drop: &[&str]) -> u64 {
    DOCKER_DEFAULT_CAPS
        .iter()
        .filter(|cap| !drop.contains(cap))
        .map(|cap| cap_bit(cap))
        .fold(0, |mask, bit| mask | bit)
}

/// Runs hardrun (in `sandbox`, handing off to whatever docker the sandbox names).
fn hardrun(sandbox: &Sandbox, args: &[&str]) -> Outcome {
    sandbox.run(args)
}

/// Logs a figure for the report; shown with `--nocapture`.
fn observed(test: &str, what: impl std::fmt::Display) {
    eprintln!("observed [{test}] {what}");
}

// --- the four built-in profiles -----------------------------------------------------------

/// What a profile must make true inside its container.
struct Expected {
    profile: &'static str,
    /// hardrun's own options before the docker command.
    options: &'static [&'static str],
    /// docker run options before the image.
    run_options: &'static [&'static str],
    /// Read-only root, tmpfs `/tmp` and `/var/tmp`, user 1000:1000, memory/swap/CPU limits.
    production_controls: bool,
    cap_eff: u64,
    cap_bnd: u64,
    no_new_privs: bool,
    pids_max: &'static str,
    restart: &'static [&'static str],
    init: bool,
    port_bound_to: Option<&'static str>,
}

/// Everything read from inside the container: `key=value` lines.
pub(crate) fn probe_inside(engine: &Engine, container: &Container) -> BTreeMap<String, String> {
    let cgroup = |v1, v2| engine.cgroup_file(v1, v2);
    let script = format!(
        r#"
echo "uid=$(id -u)"
echo "gid=$(id -g)"
if err=$(touch /tmp/hardrun-probe 2>&1); then echo tmp_write=ok; else echo "tmp_write=$err"; fi
if err=$(touch /var/tmp/hardrun-probe 2>&1); then echo var_tmp_write=ok; else echo "var_tmp_write=$err"; fi
echo "tmp_owner=$(stat -c %u:%g /tmp)"
echo "var_tmp_owner=$(stat -c %u:%g /var/tmp)"
printf '#!/bin/sh\necho ran\n' > /tmp/hardrun-exec 2>/dev/null && chmod 755 /tmp/hardrun-exec
if out=$(/tmp/hardrun-exec 2>&1); then echo "tmp_exec=$out"; else echo "tmp_exec=$out"; fi
echo "tmp_mode=$(stat -c %a /tmp)"
echo "tmp_mount=$(grep ' /tmp ' /proc/mounts)"
echo "var_tmp_mount=$(grep ' /var/tmp ' /proc/mounts)"
grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs):' /proc/1/status | tr -d ' \t' | tr ':' '='
read_file() {{ if [ -e "$2" ]; then echo "$1=$(cat "$2")"; else echo "$1=missing"; fi; }}
read_file pids {pids}
read_file memory {memory}
read_file swap {swap}
read_file cpu_quota {cpu_quota}
read_file cpu_period {cpu_period}
"#,
        pids = cgroup("pids/pids.max", "pids.max"),
        memory = cgroup("memory/memory.limit_in_bytes", "memory.max"),
        swap = cgroup("memory/memory.memsw.limit_in_bytes", "memory.swap.max"),
        cpu_quota = cgroup("cpu/cpu.cfs_quota_us", "cpu.max"),
        cpu_period = cgroup("cpu/cpu.cfs_period_us", "cpu.max"),
    );
    container
        .sh(&script)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

pub(crate) fn hex_mask(text: Option<&String>) -> u64 {
    let text = text.expect("a capability mask in /proc/1/status");
    u64::from_str_radix(text, 16).expect("a hex capability mask")
}

/// Runs `IMAGE` detached under `expected.profile` through hardrun and checks every control.
fn check_profile(expected: &Expected) {
    let Some(engine) = engine() else { return };
    let started = Instant::now();
    let test = expected.profile;
    let container = engine.container(&format!("profile-{test}"));
    let sandbox = engine.sandbox();

    let mut args = vec!["--profile", expected.profile];
    args.extend(expected.options);
    args.extend(["run", "-d", "--name", &container.name]);
    args.extend(expected.run_options);
    args.extend([IMAGE, "sh", "-c", UNTIL_TERM]);
    let out = hardrun(&sandbox, &args);
    out.assert_code(0);
    let status = container.wait_for("{{.State.Status}}", Duration::from_secs(10), |s| {
        s == "running"
    });
    assert_eq!(status.as_deref(), Some("running"), "{}", container.logs());

    let inside = probe_inside(engine, &container);
    let inspect = container.inspect();
    let host = &inspect["HostConfig"];
    observed(test, format!("inside: {inside:?}"));

    // Writing to / (as root, so that only a read-only root can refuse it).
    let root_write = engine.docker(["exec", "-u", "0", &container.name, "touch", "/hardrun-x"]);
    if expected.production_controls {
        assert!(!root_write.status.success(), "/ is writable");
        assert!(
            String::from_utf8_lossy(&root_write.stderr).contains("Read-only file system"),
            "{}",
            show(&root_write)
        );
        assert_eq!(host["ReadonlyRootfs"], true);
    } else {
        assert!(root_write.status.success(), "{}", show(&root_write));
        assert_eq!(host["ReadonlyRootfs"], false);
    }
    observed(
        test,
        format!(
            "touch / as root: {:?}",
            String::from_utf8_lossy(&root_write.stderr).trim()
        ),
    );

    // The user, and /tmp.
    let (uid, gid) = if expected.production_controls {
        ("1000", "1000")
    } else {
        ("0", "0")
    };
    assert_eq!(inside["uid"], uid, "id -u");
    assert_eq!(inside["gid"], gid, "id -g");
    assert_eq!(inside["tmp_write"], "ok", "/tmp is writable by the user");
    assert_eq!(
        inside["var_tmp_write"], "ok",
        "/var/tmp is writable by the user"
    );
    if expected.production_controls {
        // The scratch space belongs to the container's user (`uid=`, `gid=`), whatever the
        // image's directories are.
        assert_eq!(inside["tmp_owner"], "1000:1000");
        assert_eq!(inside["var_tmp_owner"], "1000:1000");
        assert_eq!(inspect["Config"]["User"], "1000:1000");
        for key in ["tmp_mount", "var_tmp_mount"] {
            let mount = &inside[key];
            let fields: Vec<&str> = mount.split(' ').collect();
            assert_eq!(fields.get(2), Some(&"tmpfs"), "{key}: {mount}");
            let options: Vec<&str> = fields[3].split(',').collect();
            for option in ["rw", "nosuid", "noexec", "size=102400k"] {
                assert!(options.contains(&option), "{key} lacks {option}: {mount}");
            }
        }
        assert_eq!(inside["tmp_mode"], "1777");
        assert!(
            inside["tmp_exec"].contains("Permission denied"),
            "noexec /tmp ran a script: {}",
            inside["tmp_exec"]
        );
        for path in ["/tmp", "/var/tmp"] {
            assert_eq!(
                host["Tmpfs"][path], "rw,noexec,nosuid,size=100m,mode=1777,uid=1000,gid=1000",
                "{host:#}"
            );
        }
    } else {
        assert_eq!(inside["tmp_mount"], "", "no tmpfs on /tmp");
        assert_eq!(inside["tmp_exec"], "ran");
    }

    // Capabilities and no-new-privileges of the main process.
    assert_eq!(
        hex_mask(inside.get("CapEff")),
        expected.cap_eff,
        "CapEff {:#018x} != expected {:#018x}",
        hex_mask(inside.get("CapEff")),
        expected.cap_eff
    );
    assert_eq!(
        hex_mask(inside.get("CapBnd")),
        expected.cap_bnd,
        "CapBnd {:#018x} != expected {:#018x}",
        hex_mask(inside.get("CapBnd")),
        expected.cap_bnd
    );
    let nnp = if expected.no_new_privs { "1" } else { "0" };
    assert_eq!(inside["NoNewPrivs"], nnp, "NoNewPrivs");

    // Limits, from the container's own cgroup files.
    assert_eq!(inside["pids"], expected.pids_max, "pids.max");
    if expected.production_controls {
        assert_eq!(host["Memory"], 536_870_912_u64);
        assert_eq!(host["MemorySwap"], 1_073_741_824_u64);
        assert_eq!(host["NanoCpus"], 1_000_000_000_u64);
        assert_eq!(inside["memory"], "536870912", "memory limit");
        if engine.swap_limit {
            // v1: memory+swap; v2: swap alone.
            let swap = if engine.cgroup_version == 2 {
                "536870912"
            } else {
                "1073741824"
            };
            assert_eq!(inside["swap"], swap, "swap limit");
        }
        // Without swap-limit support the engine drops the swap limit from the cgroup and
        // only HostConfig.MemorySwap (checked above) records it.
        if engine.cgroup_version == 2 {
            assert_eq!(inside["cpu_quota"], "100000 100000", "cpu.max");
        } else {
            assert_eq!(inside["cpu_quota"], "100000", "cpu.cfs_quota_us");
            assert_eq!(inside["cpu_period"], "100000", "cpu.cfs_period_us");
        }
    } else {
        assert_eq!(host["Memory"], 0);
        assert_eq!(host["NanoCpus"], 0);
        if engine.cgroup_version == 2 {
            assert_eq!(inside["memory"], "max");
            assert!(inside["cpu_quota"].starts_with("max"), "{inside:?}");
        } else {
            let memory: u64 = inside["memory"].parse().expect("a number");
            assert!(memory > 1 << 60, "memory is limited: {memory}");
            assert_eq!(inside["cpu_quota"], "-1", "cpu.cfs_quota_us");
        }
    }

    // Logs, restart policy, labels, init, ports.
    assert_eq!(host["LogConfig"]["Type"], "json-file", "{host:#}");
    assert_eq!(host["LogConfig"]["Config"]["max-size"], "10m");
    assert_eq!(host["LogConfig"]["Config"]["max-file"], "3");
    let restart = host["RestartPolicy"]["Name"].as_str().unwrap_or_default();
    assert!(
        expected.restart.contains(&restart),
        "restart policy {restart:?}, expected one of {:?}",
        expected.restart
    );
    let labels = &inspect["Config"]["Labels"];
    assert_eq!(labels["io.hardrun.profile"], expected.profile);
    assert_eq!(labels["io.hardrun.version"], VERSION);
    assert_eq!(
        host["Init"] == true,
        expected.init,
        "Init: {}",
        host["Init"]
    );
    let security = host["SecurityOpt"].to_string();
    assert_eq!(
        security.contains("no-new-privileges=true"),
        expected.no_new_privs,
        "{security}"
    );
    if let Some(address) = expected.port_bound_to {
        let binding = &inspect["NetworkSettings"]["Ports"]["80/tcp"][0];
        assert_eq!(binding["HostIp"], address, "{binding}");
        assert_eq!(host["PortBindings"]["80/tcp"][0]["HostIp"], address);
    }

    observed(
        test,
        format!(
            "CapEff={} CapBnd={} NoNewPrivs={} uid={} pids.max={} memory={} swap={} \
             cpu_quota={} cpu_period={} tmp={:?} Memory={} MemorySwap={} NanoCpus={} \
             LogConfig={} RestartPolicy={} Init={} Labels={} Ports={}",
            inside["CapEff"],
            inside["CapBnd"],
            inside["NoNewPrivs"],
            inside["uid"],
            inside["pids"],
            inside["memory"],
            inside["swap"],
            inside["cpu_quota"],
            inside["cpu_period"],
            inside["tmp_mount"],
            host["Memory"],
            host["MemorySwap"],
            host["NanoCpus"],
            host["LogConfig"],
            host["RestartPolicy"],
            host["Init"],
            labels,
            inspect["NetworkSettings"]["Ports"],
        ),
    );
    observed(test, format!("took {:?}", started.elapsed()));
}

#[test]
fn baseline_controls_hold_in_a_real_container() {
    check_profile(&Expected {
        profile: "baseline",
        options: &[],
        run_options: &[],
        production_controls: false,
        cap_eff: default_caps_without(&["NET_RAW", "MKNOD", "AUDIT_WRITE"]),
        cap_bnd: default_caps_without(&["NET_RAW", "MKNOD", "AUDIT_WRITE"]),
        no_new_privs: true,
        pids_max: "1024",
        restart: &["no", ""],
        init: false,
        port_bound_to: None,
    });
}

#[test]
fn production_controls_hold_in_a_real_container() {
    check_profile(&Expected {
        profile: "production",
        options: &[],
        run_options: &[],
        production_controls: true,
        // User 1000 with --cap-drop ALL --cap-add NET_BIND_SERVICE: nothing effective, and
        // only NET_BIND_SERVICE in the bounding set.
        cap_eff: 0,
        cap_bnd: cap_bit("NET_BIND_SERVICE"),
        no_new_privs: true,
        pids_max: "100",
        restart: &["unless-stopped"],
        init: false,
        port_bound_to: None,
    });
}

#[test]
fn strict_controls_hold_in_a_real_container() {
    check_profile(&Expected {
        profile: "strict",
        // A `docker import`ed image has no repository digest to pin, and no signed trust data
        // in a notary (strict's content trust would have docker ask notary.docker.io).
        options: &[
            "--allow",
            "image-tag=an imported image has no digest",
            "--allow",
            "content-trust=an imported image is not signed",
        ],
        run_options: &["-p", "127.0.0.1::80"],
        production_controls: true,
        cap_eff: 0,
        cap_bnd: cap_bit("NET_BIND_SERVICE"),
        no_new_privs: true,
        pids_max: "100",
        restart: &["unless-stopped"],
        init: true,
        port_bound_to: Some("127.0.0.1"),
    });
}

#[test]
fn development_changes_only_the_logs_in_a_real_container() {
    check_profile(&Expected {
        profile: "development",
        options: &[],
        run_options: &[],
        production_controls: false,
        cap_eff: default_caps_without(&[]),
        cap_bnd: default_caps_without(&[]),
        no_new_privs: false,
        pids_max: "max",
        restart: &["no", ""],
        init: false,
        port_bound_to: None,
    });
}

#[test]
fn docker_default_capabilities_are_the_known_mask() {
    assert_eq!(default_caps_without(&[]), 0xa804_25fb);
    assert_eq!(
        default_caps_without(&["NET_RAW", "MKNOD", "AUDIT_WRITE"]),
        0x8004_05fb
    );
}

// --- health checks ------------------------------------------------------------------------

/// Polls the container's health status until `healthy`, for at most 20 s.
#[track_caller]
fn assert_becomes_healthy(container: &Container, test: &str) {
    let started = Instant::now();
    let status = container.wait_for(
        "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
        Duration::from_secs(20),
        |s| s == "healthy",
    );
    assert_eq!(
        status.as_deref(),
        Some("healthy"),
        "health log: {:?}",
        container.format("{{json .State.Health}}")
    );
    observed(test, format!("healthy after {:?}", started.elapsed()));
}

#[test]
fn a_profile_health_command_makes_the_container_healthy() {
    let Some(engine) = engine() else { return };
    let container = engine.container("health");
    let sandbox = engine.sandbox();
    sandbox.write(
        "health.yaml",
        "extends: production\n\
         rules:\n  \
           healthcheck:\n    \
             level: set\n    \
             command: \"true\"\n    \
             interval: 1s\n    \
             timeout: 1s\n    \
             retries: 1\n    \
             start-period: 1s\n",
    );
    let out = hardrun(
        &sandbox,
        &[
            "--profile",
            "./health.yaml",
            "run",
            "-d",
            "--name",
            &container.name,
            IMAGE,
            "sh",
            "-c",
            UNTIL_TERM,
        ],
    );
    out.assert_code(0);
    let inspect = container.inspect();
    let health = &inspect["Config"]["Healthcheck"];
    assert_eq!(health["Test"], serde_json::json!(["CMD-SHELL", "true"]));
    assert_eq!(health["Interval"], 1_000_000_000_u64);
    assert_eq!(health["Retries"], 1);
    assert_eq!(inspect["Config"]["User"], "1000:1000", "still production");
    assert_becomes_healthy(&container, "health");
}

#[test]
fn the_image_with_user_and_healthcheck_runs_as_declared() {
    let Some(engine) = engine() else { return };
    let container = engine.container("user-image");
    let sandbox = engine.sandbox();
    // baseline changes neither the user nor the health check.
    let out = hardrun(
        &sandbox,
        &[
            "run",
            "-d",
            "--name",
            &container.name,
            USER_IMAGE,
            "sh",
            "-c",
            UNTIL_TERM,
        ],
    );
    out.assert_code(0);
    assert_eq!(container.sh("id -u; id -g"), "1000\n1000");
    assert_eq!(
        container.sh("echo $HOME; stat -c %u /home/app"),
        "/home/app\n1000"
    );
    assert_becomes_healthy(&container, "user-image");
}

// --- refusals -----------------------------------------------------------------------------

/// A refused run exits 125, never reaches docker, and leaves no container.
#[track_caller]
fn assert_refused_without_container(options: &[&str], run_options: &[&str], rule: &str) {
    let Some(engine) = engine() else { return };
    let container = engine.container(&format!("refused-{rule}"));
    let mut sandbox = engine.sandbox();
    let recorder = Recorder::install(engine, &mut sandbox);
    let mut args = options.to_vec();
    args.extend(["run", "--name", &container.name]);
    args.extend(run_options);
    args.extend([IMAGE, "true"]);
    let out = hardrun(&sandbox, &args);
    out.assert_code(125);
    assert!(
        out.stderr.contains(&format!("rule '{rule}'")),
        "the refusal names {rule}\n{out}"
    );
    assert_eq!(
        recorder.calls_of("run"),
        Vec::<Vec<String>>::new(),
        "docker run was called\n{out}"
    );
    assert_eq!(
        engine.containers_named(&container.name),
        "",
        "a refused run left a container"
    );
}

#[test]
fn a_refused_privileged_run_creates_no_container() {
    assert_refused_without_container(
        &["--profile", "production"],
        &["--privileged"],
        "no-privileged",
    );
}

#[test]
fn strict_refuses_an_image_not_pinned_by_digest() {
    assert_refused_without_container(
        &["--profile", "strict"],
        &["-p", "127.0.0.1::80"],
        "image-tag",
    );
}

// --- the handoff: exit status, stdin, signals ---------------------------------------------

#[track_caller]
fn assert_exit_status_passes_through(profile: &str) {
    let Some(engine) = engine() else { return };
    let sandbox = engine.sandbox();
    let out = hardrun(
        &sandbox,
        &[
            "--profile",
            profile,
            "run",
            "--rm",
            IMAGE,
            "sh",
            "-c",
            "exit 7",
        ],
    );
    out.assert_code(7);
}

#[test]
fn the_exit_status_passes_through_under_baseline() {
    assert_exit_status_passes_through("baseline");
}

#[test]
fn the_exit_status_passes_through_under_production() {
    assert_exit_status_passes_through("production");
}

#[test]
fn stdin_passes_through() {
    let Some(engine) = engine() else { return };
    let sandbox = engine.sandbox();
    for profile in ["baseline", "production"] {
        let mut child = sandbox
            .command(HARDRUN)
            .args(["--profile", profile, "run", "-i", "--rm", IMAGE, "cat"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hardrun");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"hi\n")
            .expect("write to hardrun's stdin");
        let out = child.wait_with_output().expect("wait for hardrun");
        assert!(out.status.success(), "{profile}: {}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n", "{profile}");
    }
}

/// Waits for `child` to exit, for at most `limit`; kills it after that.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll hardrun") {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_term_signal_to_hardrun_stops_the_container() {
    let Some(engine) = engine() else { return };
    let container = engine.container("term");
    let sandbox = engine.sandbox();
    let mut child = sandbox
        .command(HARDRUN)
        .args([
            "run",
            "--name",
            &container.name,
            IMAGE,
            "sh",
            "-c",
            r#"trap "exit 143" TERM; echo ready; sleep 300 & wait"#,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hardrun");

    // Running, and the trap in place (PID 1 ignores a TERM it does not handle).
    let start = Instant::now();
    while !(container.format("{{.State.Running}}").as_deref() == Some("true")
        && container.logs().contains("ready"))
    {
        if let Some(status) = child.try_wait().expect("poll hardrun") {
            panic!("hardrun exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the container did not start: {}",
            container.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .output()
        .expect("run kill");
    assert!(kill.status.success(), "{}", show(&kill));
    let status = wait_at_most(&mut child, Duration::from_secs(15));
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let status = status.unwrap_or_else(|| panic!("hardrun ignored TERM for 15 s: {stderr}"));
    observed(
        "term",
        format!(
            "hardrun exited {status} {:?} after TERM",
            signalled.elapsed()
        ),
    );
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert_eq!(
        container.format("{{.State.Running}} {{.State.ExitCode}}"),
        Some("false 143".to_owned())
    );
}

// --- what runs is what was explained ------------------------------------------------------

/// The first JSON object in `text`: it starts a line, and docker may write to the same stderr
/// after it.
fn first_json(text: &str) -> Value {
    let start = text
        .match_indices('{')
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text[..i].ends_with('\n'))
        .unwrap_or_else(|| panic!("no JSON object in {text}"));
    serde_json::Deserializer::from_str(&text[start..])
        .into_iter::<Value>()
        .next()
        .unwrap_or_else(|| panic!("no JSON in {text}"))
        .unwrap_or_else(|e| panic!("invalid JSON ({e}) in {text}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|w| w.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn explain_and_dry_run_match_what_docker_ran() {
    let Some(engine) = engine() else { return };
    let container = engine.container("explain");
    let mut sandbox = engine.sandbox();
    let recorder = Recorder::install(engine, &mut sandbox);
    let run = [
        "run",
        "-d",
        "--name",
        &container.name,
        "--memory",
        "1g",
        "-e",
        "MODE=test",
        "-p",
        "127.0.0.1::80",
        IMAGE,
        "sh",
        "-c",
        UNTIL_TERM,
    ];
    let with = |options: &[&str]| -> Vec<String> {
        options
            .iter()
            .chain(run.iter())
            .map(|w| (*w).to_owned())
            .collect()
    };

    let dry_text = sandbox.run(with(&["--profile", "production", "--dry-run"]));
    dry_text.assert_code(0);
    let dry_json = sandbox.run(with(&[
        "--profile",
        "production",
        "--format",
        "json",
        "--dry-run",
    ]));
    dry_json.assert_code(0);
    assert_eq!(
        recorder.calls_of("run"),
        Vec::<Vec<String>>::new(),
        "a dry run ran docker"
    );
    assert_eq!(engine.containers_named(&container.name), "");

    let real = sandbox.run(with(&[
        "--profile",
        "production",
        "--format",
        "json",
        "--explain",
    ]));
    real.assert_code(0);
    let calls = recorder.calls();
    let heads: Vec<String> = calls
        .iter()
        .map(|c| c[..c.len().min(2)].join(" "))
        .collect();
    observed("explain", format!("docker calls: {heads:?}"));
    let runs = recorder.calls_of("run");
    assert_eq!(runs.len(), 1, "one handoff: {:?}", recorder.calls());
    let ran = runs[0].clone();
    assert_eq!(
        recorder.calls().last(),
        Some(&ran),
        "the handoff is docker's last call"
    );

    // --dry-run, text and JSON, is exactly what docker received.
    let text_words = shell_words(dry_text.stdout.trim());
    assert_eq!(text_words[0], "docker");
    assert_eq!(text_words[1..], ran[..], "text dry run");
    let dry = dry_json.json();
    let command = strings(&dry["command"]);
    assert_eq!(command[0], "docker");
    assert_eq!(command[1..], ran[..], "JSON dry run");

    // --explain describes the same plan, and every flag it lists was handed to docker.
    let explained = first_json(&real.stderr);
    assert_eq!(
        explained["changes"], dry["changes"],
        "explain and dry run disagree"
    );
    let changes = explained["changes"].as_array().expect("changes");
    let mut added = 0;
    for change in changes {
        let flags = strings(&change["flags"]);
        if flags.is_empty() {
            continue;
        }
        added += 1;
        assert!(
            ran.windows(flags.len()).any(|w| w == flags.as_slice()),
            "{} {}: {flags:?} not in {ran:?}",
            change["kind"],
            change["rule"]
        );
    }
    assert!(
        added >= 10,
        "production adds most of its controls: {changes:?}"
    );
    let tightened = changes
        .iter()
        .any(|c| c["kind"] == "tightened" && c["rule"] == "memory-limit");
    assert!(tightened, "--memory 1g is tightened: {changes:?}");

    // And the container runs with it.
    let inspect = container.inspect();
    assert_eq!(
        inspect["HostConfig"]["Memory"], 536_870_912_u64,
        "512m wins"
    );
    assert_eq!(
        inspect["Config"]["Labels"]["io.hardrun.profile"],
        "production"
    );
    assert_eq!(stdout_id(&real), inspect["Id"].as_str().unwrap_or_default());
}

/// The container id `docker run -d` printed.
fn stdout_id(out: &Outcome) -> &str {
    out.stdout.trim()
}

#[test]
fn the_engine_answers_and_the_test_images_are_built() {
    let Some(engine) = engine() else { return };
    observed(
        "engine",
        format!(
            "cgroup v{} swap limit {} cpus {} docker {}",
            engine.cgroup_version,
            engine.swap_limit,
            engine.cpus,
            engine.docker.display()
        ),
    );
    assert!(matches!(engine.cgroup_version, 1 | 2));
    assert!(engine.cpus >= 1);
    let config = |image: &str| -> Value {
        let out = engine.docker(["image", "inspect", "--format", "{{json .Config}}", image]);
        assert!(out.status.success(), "{image}: {}", show(&out));
        observed("engine", format!("{image}: {}", stdout(&out)));
        serde_json::from_str(&stdout(&out)).expect("JSON")
    };
    let plain = config(IMAGE);
    assert_eq!(plain["User"], "");
    assert_eq!(plain["Healthcheck"], Value::Null);
    let user = config(USER_IMAGE);
    assert_eq!(user["User"], "1000");
    assert_eq!(
        user["Healthcheck"]["Test"],
        serde_json::json!(["CMD-SHELL", "true"])
    );
    assert_eq!(user["Healthcheck"]["Interval"], 1_000_000_000_u64);
}

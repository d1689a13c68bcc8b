//! The tests of `invocation`: edits inserted into `run`/`create` command lines without moving a
//! user word, rendered as flags that read back as their settings, and quoting for display.

use std::os::unix::ffi::OsStringExt;

use super::*;
use crate::docker::command::{DockerCommand, parse};

const CWD: &str = "/work";

fn words(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

fn invocation_of(argv: Vec<OsString>) -> Invocation {
    match parse(argv.clone()) {
        Ok(DockerCommand::Create(invocation)) => invocation,
        other => panic!("{argv:?}: not a run/create: {other:?}"),
    }
}

fn invocation(argv: &[&str]) -> Invocation {
    invocation_of(words(argv))
}

fn strings(argv: &[OsString]) -> Vec<String> {
    argv.iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect()
}

fn applied(argv: &[&str], edits: &[Edit]) -> Vec<String> {
    strings(&invocation(argv).apply(edits))
}

fn spec_of(argv: Vec<OsString>) -> ContainerSpec {
    invocation_of(argv)
        .to_spec(Path::new(CWD))
        .expect("the hardened command line reads back")
}

/// One edit of every kind, with values a user could not confuse with flags.
fn every_edit() -> Vec<Edit> {
    vec![
        Edit::ReadOnlyRootfs,
        Edit::Tmpfs {
            target: "/tmp".into(),
            options: "rw,noexec,nosuid,size=100m,mode=1777".into(),
        },
        Edit::Tmpfs {
            target: "/run".into(),
            options: String::new(),
        },
        Edit::CapDrop("ALL".into()),
        Edit::CapAdd("NET_BIND_SERVICE".into()),
        Edit::NoNewPrivileges,
        Edit::User("1000:1000".into()),
        Edit::Memory("512m".into()),
        Edit::MemorySwap("1g".into()),
        Edit::Cpus("1.5".into()),
        Edit::PidsLimit(100),
        Edit::HealthCmd("curl -f http://localhost/ || exit 1".into()),
        Edit::HealthInterval("30s".into()),
        Edit::HealthTimeout("3s".into()),
        Edit::HealthRetries(3),
        Edit::HealthStartPeriod("5s".into()),
        Edit::LogDriver("json-file".into()),
        Edit::LogOpt {
            key: "max-size".into(),
            value: "10m".into(),
        },
        Edit::Restart("unless-stopped".into()),
        Edit::Init,
        Edit::Label {
            key: "io.hardrun.profile".into(),
            value: "production".into(),
        },
    ]
}

#[test]
fn apply_inserts_before_the_image() {
    let out = applied(
        &["run", "--rm", "-it", "img", "sh", "-c", "ls"],
        &[Edit::ReadOnlyRootfs, Edit::User("1000:1000".into())],
    );
    assert_eq!(
        out,
        [
            "run",
            "--rm",
            "-it",
            "--read-only",
            "--user",
            "1000:1000",
            "img",
            "sh",
            "-c",
            "ls"
        ]
    );
    // After the value of a trailing value flag, not inside it.
    let out = applied(&["run", "-dtp", "80:80", "img"], &[Edit::Init]);
    assert_eq!(out, ["run", "-dtp", "80:80", "--init", "img"]);
    // With global options and `container run`, still just before the image.
    let out = applied(
        &["-H", "unix:///x.sock", "container", "run", "img"],
        &[Edit::Init],
    );
    assert_eq!(
        out,
        ["-H", "unix:///x.sock", "container", "run", "--init", "img"]
    );
    // With no options at all, right after the command word.
    let out = applied(&["create", "img"], &[Edit::PidsLimit(100)]);
    assert_eq!(out, ["create", "--pids-limit", "100", "img"]);
}

#[test]
fn apply_inserts_before_a_double_dash() {
    let out = applied(
        &["run", "--rm", "--", "busybox", "ls"],
        &[Edit::ReadOnlyRootfs],
    );
    assert_eq!(out, ["run", "--rm", "--read-only", "--", "busybox", "ls"]);
    // An image that looks like a flag stays behind its `--`.
    let out = applied(&["run", "--", "--rm"], &[Edit::Init]);
    assert_eq!(out, ["run", "--init", "--", "--rm"]);
    // A `--` after the image is the container's.
    let out = applied(&["run", "img", "--", "x"], &[Edit::Init]);
    assert_eq!(out, ["run", "--init", "img", "--", "x"]);
    // A `--` taken as a value is not a terminator.
    let out = applied(&["run", "--entrypoint", "--", "img"], &[Edit::Init]);
    assert_eq!(out, ["run", "--entrypoint", "--", "--init", "img"]);
}

#[test]
fn apply_keeps_every_user_word_in_order() {
    let edits: Vec<Edit> = every_edit();
    let rendered: Vec<String> = edits.iter().flat_map(render).collect();
    for (argv, at) in [
        (&["run", "img"][..], 1),
        (&["run", "-dit", "--rm", "-e", "-x", "img", "--rm"], 5),
        (&["-c", "ctx", "create", "-c", "512", "--", "img", "a"], 5),
        (&["run", "--read-only", "false", "img"], 2),
        (
            &[
                "container",
                "run",
                "-p=80:80",
                "-eK=V",
                "--cap-add",
                "CHOWN",
                "i",
            ],
            6,
        ),
    ] {
        let out = applied(argv, &edits);
        let mut wanted: Vec<String> = argv[..at].iter().map(|w| (*w).to_owned()).collect();
        wanted.extend(rendered.iter().cloned());
        wanted.extend(argv[at..].iter().map(|w| (*w).to_owned()));
        assert_eq!(out, wanted, "{argv:?}");
    }
}

#[test]
fn apply_with_no_edits_is_the_identity() {
    for argv in [
        &["run", "img"][..],
        &[
            "run",
            "--cap-add",
            "CHOWN",
            "--",
            "img",
            "--cap-add",
            "CHOWN",
        ],
    ] {
        assert_eq!(applied(argv, &[]), argv);
    }
}

#[test]
fn apply_never_removes_a_word_the_user_typed() {
    let argv = [
        "run",
        "--cap-add",
        "CHOWN",
        "-dit",
        "--cap-add=cap_chown",
        "-eCHOWN",
        "img",
        "--cap-add",
        "CHOWN",
    ];
    let out = applied(&argv, &[Edit::CapDrop("ALL".into())]);
    let mut wanted: Vec<&str> = argv[..6].to_vec();
    wanted.extend(["--cap-drop", "ALL"]);
    wanted.extend(&argv[6..]);
    assert_eq!(out, wanted);
}

#[test]
fn render_of_every_edit_reads_back_as_its_setting() {
    // On a bare command line, one edit at a time.
    for edit in every_edit() {
        let hardened = invocation(&["run", "img"]).apply(std::slice::from_ref(&edit));
        let spec = spec_of(hardened);
        assert!(spec.satisfies(&edit), "{edit:?}: {spec:?}");
        assert_eq!(spec.image, "img");
    }
    // Memory, spelled out.
    let spec = spec_of(invocation(&["run", "img"]).apply(&[Edit::Memory("512m".into())]));
    assert_eq!(spec.memory.map(|m| m.value), Some(512 << 20));
}

#[test]
fn rendered_edits_win_over_the_user_weaker_settings() {
    let argv = [
        "run",
        "--read-only=false",
        "--tmpfs",
        "/tmp",
        "--cap-add",
        "CHOWN",
        "--cap-add",
        "cap_chown",
        "--security-opt",
        "no-new-privileges=false",
        "-uroot",
        "-m2g",
        "--memory-swap=-1",
        "--cpus",
        "8",
        "--pids-limit=-1",
        "--health-cmd",
        "true",
        "--health-interval",
        "1h",
        "--health-timeout",
        "1h",
        "--health-retries",
        "99",
        "--health-start-period",
        "1h",
        "--log-driver",
        "syslog",
        "--log-opt",
        "max-size=1g",
        "--restart",
        "no",
        "--init=false",
        "--label",
        "io.hardrun.profile=mine",
        "--",
        "img",
        "--read-only=false",
    ];
    let edits = every_edit();
    let hardened = invocation(&argv).apply(&edits);
    let spec = spec_of(hardened);
    for edit in &edits {
        assert!(spec.satisfies(edit), "{edit:?}: {spec:?}");
    }
    assert_eq!(spec.image, "img");
}

#[test]
fn rendered_values_that_look_like_flags_stay_values() {
    let edits = [
        Edit::User("--privileged".into()),
        Edit::HealthCmd("--rm -x".into()),
        Edit::Label {
            key: "k".into(),
            value: "-v /:/host".into(),
        },
        Edit::LogOpt {
            key: "tag".into(),
            value: "--".into(),
        },
    ];
    let spec = spec_of(invocation(&["run", "img"]).apply(&edits));
    for edit in &edits {
        assert!(spec.satisfies(edit), "{edit:?}");
    }
    assert_eq!(spec.privileged, None);
    assert!(spec.mounts.is_empty());
    assert!(!spec.auto_remove);
    assert_eq!(spec.image, "img");
}

#[test]
fn the_user_argv_is_kept_losslessly() {
    let inputs: Vec<Vec<OsString>> = vec![
        words(&["run", "img"]),
        words(&["run", "-dit", "--rm", "img", "sh", "-c", "echo 'hi there'"]),
        words(&[
            "-H",
            "x",
            "-Dl",
            "debug",
            "container",
            "create",
            "--",
            "img",
        ]),
        words(&[
            "run",
            "-e",
            "-x",
            "--name",
            "--rm",
            "busybox",
            "--privileged",
        ]),
        words(&["run", "--read-only", "false", "img"]),
        words(&[
            "run",
            "-dtp80:80",
            "-p=81:81",
            "-e=BAR=baz",
            "-it=false",
            "img",
        ]),
        words(&["run", "--user=", "--restart=", "-", "x"]),
        words(&["run", "-dv/var/run/docker.sock:/s", "-u0", "-m512m", "img"]),
        words(&["run", "--mount", "type=bind,\"src=/a,b\",dst=/c", "img"]),
        words(&["run", "--entrypoint", "", "img", ""]),
        words(&["run", "--cpus=3/2", "--pids-limit=0100", "img"]),
        vec![
            "run".into(),
            "--name".into(),
            OsString::from_vec(vec![0xff, 0x00, b'x']),
            "-e".into(),
            OsString::from_vec(vec![b'K', b'=', 0xc3]),
            "img".into(),
            OsString::from_vec(vec![0xfe]),
        ],
    ];
    for input in inputs {
        let invocation = invocation_of(input.clone());
        assert_eq!(invocation.argv(), input.as_slice());
        assert_eq!(invocation.apply(&[]), input);
    }
}

#[test]
fn quoting_is_minimal_and_safe() {
    assert_eq!(quote(OsStr::new("max-size=10m")), "max-size=10m");
    assert_eq!(quote(OsStr::new("/tmp:rw,size=1m")), "/tmp:rw,size=1m");
    assert_eq!(quote(OsStr::new("")), "''");
    assert_eq!(quote(OsStr::new("a b")), "'a b'");
    assert_eq!(quote(OsStr::new("it's")), "'it'\\''s'");
    assert_eq!(quote(OsStr::new("$HOME")), "'$HOME'");
}

//! Property tests over the whole pipeline: argv → `command::parse` → `to_spec` → `plan` with
//! each built-in profile → `apply`, and back.
//!
//! (a) Nothing panics, whatever the bytes of argv. (b) Hardening only ever adds words before
//! the image: every user word survives in order, except the `--cap-add` words a plan removes,
//! and the image and its arguments stay at the end untouched. (c) Hardening is idempotent: the
//! hardened command line, planned again with the same profile, needs no further edit; (c) is
//! checked on the structured lines and on every arbitrary line hardrun can read.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use crate::docker::command::{DockerCommand, parse};
use crate::docker::flags::RUN_FLAGS;
use crate::docker::invocation::{Invocation, render};
use crate::plan::{self, Plan};
use crate::profile::builtin::{self, Builtins};
use crate::profile::{self, Profile};
use crate::rules::{Context, Params};
use crate::spec::ContainerSpec;
use crate::waivers::Applied;

const CWD: &str = "/work";

fn profiles() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        builtin::BUILTINS
            .iter()
            .map(|(name, _)| {
                profile::load(name, &Builtins)
                    .unwrap_or_else(|e| panic!("built-in profile {name}: {e}"))
            })
            .collect()
    })
}

fn context(profile: &Profile) -> Context {
    Context {
        profile: profile.name.clone(),
        host_cpus: Some(2),
        ..Context::default()
    }
}

fn plan_for(profile: &Profile, spec: &ContainerSpec) -> Plan {
    plan::plan(profile, spec, &Applied::none(), &context(profile))
}

fn create(argv: Vec<OsString>) -> Option<Invocation> {
    match parse(argv) {
        Ok(DockerCommand::Create(invocation)) => Some(invocation),
        _ => None,
    }
}

#[test]
fn the_built_in_profiles_load() {
    let names: Vec<&str> = profiles().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["baseline", "development", "production", "strict"]);
}

// (a) No panic on arbitrary argv -----------------------------------------------------------

/// Words that reach deep into the grammar: every flag in each spelling, and values that sit on
/// the edges of the value grammars.
fn tokens() -> Vec<String> {
    let mut tokens = Vec::new();
    for flag in RUN_FLAGS {
        tokens.push(format!("--{}", flag.long));
        tokens.push(format!("--{}=", flag.long));
        tokens.push(format!("--{}=1", flag.long));
        if let Some(letter) = flag.short {
            tokens.push(format!("-{letter}"));
            tokens.push(format!("-{letter}="));
            tokens.push(format!("-d{letter}"));
        }
    }
    for value in [
        "run",
        "create",
        "container",
        "compose",
        "img",
        "busybox:1.36",
        "--",
        "-",
        "",
        "=",
        ":",
        "-H",
        "-c",
        "--context",
        "-dit",
        "-dtp80:80",
        "-it=false",
        "-eFOO=bar",
        "-u0",
        "-dv/var/run/docker.sock:/s",
        "true",
        "false",
        "0",
        "-1",
        "0100",
        "0x10",
        "++1",
        "9223372036854775807",
        "-9223372036854775808",
        "1e2147483647",
        "1e-2147483648",
        "10/010",
        "0.0000000001",
        "1.5g",
        "1p",
        "1s",
        "1.5h",
        "30",
        "host",
        "ALL",
        "cap_sys_admin",
        "no-new-privileges=false",
        "seccomp=unconfined",
        "/tmp",
        "/tmp:size=0",
        "/tmp/:exec",
        "/var/tmp",
        "type=tmpfs,dst=/tmp",
        "type=bind,src=/,dst=/h",
        "type=volume,dst=/x,volume-opt=o=bind,volume-opt=device=/run",
        "\"",
        "a,\"b",
        "[::1]:80:80",
        "[::1",
        "127.0.0.1::80",
        "max-size=100m",
        "max-file=0",
        "json-file",
        "none",
        "on-failure:9",
        "root",
        ":0",
        "DB_PASSWORD=hunter2",
        "URL=https://u:p@h",
    ] {
        tokens.push(value.to_owned());
    }
    tokens
}

fn arbitrary_word() -> impl Strategy<Value = OsString> {
    let prefixes = [
        "-", "--", "-d", "--e", "--name=", "-e", "-p", "--tmpfs=", "--cpus=",
    ];
    prop_oneof![
        4 => prop::sample::select(tokens()).prop_map(OsString::from),
        2 => prop::collection::vec(any::<u8>(), 0..12).prop_map(OsString::from_vec),
        2 => (prop::sample::select(prefixes.to_vec()), prop::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(prefix, bytes)| {
                let mut word = prefix.as_bytes().to_vec();
                word.extend(bytes);
                OsString::from_vec(word)
            }),
        1 => "\\PC{0,10}".prop_map(OsString::from),
    ]
}

/// Edge values for typed and parsed flags.
const EDGE_VALUES: &[&str] = &[
    "",
    "-",
    "--",
    "=",
    "0",
    "-0",
    "+1",
    "-1",
    "++1",
    "0100",
    "08",
    "0x",
    "0x10",
    "0b2",
    "1_000",
    "_1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "1e2147483647",
    "1e-2147483648",
    "1e+9",
    "1.",
    ".5",
    ".",
    "3/2",
    "10/010",
    "1/0",
    "0x10/0b10",
    "-1/2",
    "0.0000000001",
    "1.5g",
    "8e",
    "1 k",
    "1.2.3",
    "9999999999999999999999p",
    "1s2",
    "1.5h",
    "-1s",
    "1µs",
    "999999999999h",
    "\u{0}",
    "é",
    "/tmp",
    "/tmp:",
    ":/tmp",
    "a:b:c:d",
    "[::1]:80",
    "type=tmpfs",
    "\"unterminated",
    "name=host,alias=x",
    "name=bridge,name=host",
    "alias=x, name=HOST",
    "type=bind,src=/var/run,dst=/x\n,type=tmpfs",
    "type=volume,dst=/x,volume-opt=o=rbind,volume-opt=device=var/run",
    "\n",
    "\r\n",
    "host",
    "ALL",
];

/// A typed or parsed flag with an edge value, in one or two words.
fn flag_with_edge_value() -> impl Strategy<Value = Vec<OsString>> {
    let flags: Vec<String> = RUN_FLAGS
        .iter()
        .filter(|f| f.takes_value())
        .map(|f| f.long.to_owned())
        .collect();
    (
        prop::sample::select(flags),
        prop::sample::select(EDGE_VALUES),
        any::<bool>(),
    )
        .prop_map(|(flag, value, attached)| {
            if attached {
                vec![OsString::from(format!("--{flag}={value}"))]
            } else {
                vec![OsString::from(format!("--{flag}")), OsString::from(value)]
            }
        })
}

fn arbitrary_argv() -> impl Strategy<Value = Vec<OsString>> {
    let heads: [&[&str]; 7] = [
        &[],
        &["run"],
        &["run"],
        &["create"],
        &["container", "run"],
        &["container", "create"],
        &["-H", "unix:///x.sock", "run"],
    ];
    (
        prop::sample::select(heads.to_vec()),
        prop::collection::vec(
            prop_oneof![
                3 => arbitrary_word().prop_map(|word| vec![word]),
                1 => flag_with_edge_value(),
            ],
            0..12,
        ),
    )
        .prop_map(|(head, rest)| {
            let mut argv: Vec<OsString> = head.iter().map(OsString::from).collect();
            argv.extend(rest.into_iter().flatten());
            argv
        })
}

/// Runs everything hardrun does with a command line, with every built-in profile, printing to
/// buffers.
fn exercise(argv: Vec<OsString>) -> Result<(), TestCaseError> {
    let all: Vec<&Profile> = profiles().iter().collect();
    exercise_with(argv, &all, true)
}

/// Parses, reads, plans with `profiles`, applies and reads back; writes the reports when
/// `reports` is set.
fn exercise_with(
    argv: Vec<OsString>,
    profiles: &[&Profile],
    reports: bool,
) -> Result<(), TestCaseError> {
    let Some(invocation) = create(argv) else {
        return Ok(());
    };
    prop_assert_eq!(invocation.apply(&[]), invocation.argv().to_vec());
    let Ok(spec) = invocation.to_spec(Path::new(CWD)) else {
        return Ok(());
    };
    for profile in profiles {
        let plan = plan_for(profile, &spec);
        let edits = plan.edits();
        let hardened = invocation.apply(&edits);
        if reports {
            let secrets = crate::rules::env_secrets::secret_names(&spec, &Params::default());
            let shown = invocation.masked(&secrets).apply(&edits);
            let mut out = Vec::new();
            let _ = crate::report::explain(
                &mut out,
                &plan,
                &profile.source,
                &[],
                crate::docker::invocation::render,
            );
            let _ = crate::report::refusal(&mut out, &plan);
            let _ = crate::report::warnings(&mut out, &plan);
            let _ = crate::report::to_json(
                &plan,
                &profile.source,
                Some(&shown),
                &[],
                crate::docker::invocation::render,
            );
            let _ = crate::report::command_line(&shown);
        }
        if plan.is_refused() {
            continue;
        }
        // What hardrun hands to docker reads back, with the same image.
        let again = create(hardened.clone());
        prop_assert!(
            again.is_some(),
            "the hardened line does not parse: {:?}",
            hardened
        );
        let again = again.expect("checked");
        prop_assert_eq!(again.image(), invocation.image());
        let spec_again = again.to_spec(Path::new(CWD));
        prop_assert!(
            spec_again.is_ok(),
            "the hardened line does not read: {:?}: {:?}",
            hardened,
            spec_again
        );
        // Hardening twice is hardening once, whatever the user wrote.
        let replan = plan_for(profile, &spec_again.expect("checked"));
        prop_assert!(
            !replan.is_refused() && replan.edits().is_empty(),
            "{}: hardening {:?} again changes it: {:?}",
            profile.name,
            hardened,
            replan.edits()
        );
    }
    Ok(())
}

#[test]
fn no_panic_on_any_value_flag_with_any_edge_value() {
    // One profile per line, in turn, to keep this exhaustive walk fast.
    let mut turn = profiles().iter().cycle();
    for flag in RUN_FLAGS.iter().filter(|f| f.takes_value()) {
        for value in EDGE_VALUES {
            let argv = vec![
                OsString::from("run"),
                OsString::from(format!("--{}={value}", flag.long)),
                OsString::from("img"),
            ];
            let profile = turn.next().expect("profiles");
            if let Err(error) = exercise_with(argv.clone(), &[profile], false) {
                panic!("{argv:?}: {error}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_panic_on_arbitrary_argv(argv in arbitrary_argv()) {
        exercise(argv)?;
    }

    #[test]
    fn no_panic_on_arbitrary_bytes(words in prop::collection::vec(
        prop::collection::vec(any::<u8>(), 0..16), 0..10)
    ) {
        let argv: Vec<OsString> = words.into_iter().map(OsString::from_vec).collect();
        exercise(argv.clone())?;
        let mut run = vec![OsString::from("run")];
        run.extend(argv);
        exercise(run)?;
    }
}

// (b) and (c) Structured, valid command lines -----------------------------------------------

/// One user option, in one of its spellings, as separate words.
fn option() -> impl Strategy<Value = Vec<String>> {
    let fixed: &[&[&str]] = &[
        &["--rm"],
        &["--rm=false"],
        &["-i"],
        &["-t"],
        &["-it"],
        &["-it=false"],
        &["--privileged=false"],
        &["--privileged=0"],
        &["-v", "/data:/data"],
        &["-v./conf:/conf:ro"],
        &["--volume=named:/n"],
        &["-v", "/srv:/tmp"],
        &["--mount", "type=bind,src=/opt,dst=/opt,ro"],
        &["--mount", "type=tmpfs,dst=/tmp"],
        &["--mount=type=tmpfs,dst=/var/tmp,tmpfs-size=1m"],
        &["-p", "127.0.0.1:8080:80"],
        &["-p=127.0.0.1:8443:443"],
        &["--publish", "[::1]:9000:9000"],
        &["-e", "FOO=bar"],
        &["-eLANG=C"],
        &["--env=HOME"],
        &["-e=PATH=/bin"],
        &["--memory", "256m"],
        &["-m2g"],
        &["--memory=1.5g"],
        &["-m", "100m"],
        &["--memory", "0"],
        &["--memory-swap", "-1"],
        &["--memory-swap=2g"],
        &["--memory-swap", "256m"],
        &["--user", "1000:1000"],
        &["-u0"],
        &["--user=root"],
        &["-u", "nobody"],
        &["--user="],
        &["-u", ":1000"],
        &["--read-only"],
        &["--read-only=false"],
        &["--tmpfs", "/tmp"],
        &["--tmpfs", "/tmp:size=0"],
        &["--tmpfs", "/run:size=1m"],
        &["--tmpfs=/var/tmp:rw"],
        &["--tmpfs", "/var/tmp/"],
        &["--log-driver", "json-file"],
        &["--log-driver=local"],
        &["--log-driver", "syslog"],
        &["--log-driver", "none"],
        &["--log-driver="],
        &["--log-opt", "max-size=100m"],
        &["--log-opt", "max-size=1m"],
        &["--log-opt=max-file=10"],
        &["--log-opt", "max-file=0"],
        &["--log-opt", "mode=non-blocking"],
        &["--log-opt", "tag=x"],
        &["--restart", "no"],
        &["--restart=always"],
        &["--restart", "on-failure:3"],
        &["--restart="],
        &["--pids-limit", "-1"],
        &["--pids-limit=50"],
        &["--pids-limit", "0"],
        &["--pids-limit=0100"],
        &["--pids-limit", "5000"],
        &["--cpus", "4"],
        &["--cpus=0.5"],
        &["--cpus", "3/2"],
        &["--cpus", "0"],
        &["--cpu-quota", "50000"],
        &["--cpu-quota=200000"],
        &["--cpu-period", "100000"],
        &["-c", "512"],
        &["--health-cmd", "curl -f http://localhost/ || exit 1"],
        &["--health-interval", "1h"],
        &["--health-interval=0s"],
        &["--health-retries", "0"],
        &["--health-timeout=10s"],
        &["--health-start-period", "1m"],
        &["--no-healthcheck"],
        &["--no-healthcheck=false"],
        &["--init"],
        &["--init=false"],
        &["--security-opt", "no-new-privileges"],
        &["--security-opt=no-new-privileges=false"],
        &["--security-opt", "no-new-privileges:true"],
        &["--security-opt", "label=level:s0"],
        &["--name", "web"],
        &["--name", "--rm"],
        &["-h", "host"],
        &["-w", "/app"],
        &["--network", "bridge"],
        &["--net=none"],
        &["--label", "k=v"],
        &["-l", "io.hardrun.profile=mine"],
        &["--cap-drop", "NET_RAW"],
        &["--cap-drop=all"],
        &["--cap-drop", "NET_BIND_SERVICE"],
        &["--entrypoint", ""],
        &["--shm-size", "64m"],
        &["--ulimit", "nofile=1024:2048"],
    ];
    let caps = [
        "CHOWN",
        "chown",
        "cap_net_raw",
        "NET_BIND_SERVICE",
        "net_bind_service",
        "SETUID",
        "KILL",
        "AUDIT_WRITE",
    ];
    // Settings some profiles refuse: the others must still keep every word.
    let refused: &[&[&str]] = &[
        &["--privileged"],
        &["--pid=host"],
        &["--network", "host"],
        &["-v", "/var/run/docker.sock:/var/run/docker.sock"],
        &["--mount", "type=bind,src=/etc,dst=/host-etc"],
        &["--use-api-socket"],
        &["--cap-add", "SYS_ADMIN"],
        &["--cap-add=all"],
        &["--security-opt", "seccomp=unconfined"],
        &["-e", "DB_PASSWORD=hunter2"],
        &["-p", "8080:80"],
        &["-P"],
    ];
    let words = |words: &&[&str]| {
        words
            .iter()
            .map(|w| (*w).to_owned())
            .collect::<Vec<String>>()
    };
    prop_oneof![
        16 => prop::sample::select(fixed).prop_map(move |w| words(&w)),
        1 => prop::sample::select(refused).prop_map(move |w| words(&w)),
        2 => (prop::sample::select(caps.to_vec()), any::<bool>()).prop_map(|(cap, attached)| {
            if attached {
                vec![format!("--cap-add={cap}")]
            } else {
                vec!["--cap-add".to_owned(), cap.to_owned()]
            }
        }),
    ]
}

/// Options accepted by `run` only, kept out of `create` lines.
fn run_only_option() -> impl Strategy<Value = Vec<String>> {
    let fixed: &[&[&str]] = &[
        &["-d"],
        &["-dit"],
        &["-dp127.0.0.1:80:80"],
        &["-dv/srv:/srv"],
        &["--sig-proxy=false"],
        &["--detach-keys", "ctrl-p,q"],
        &["-dtp", "127.0.0.1:81:81"],
    ];
    prop::sample::select(fixed).prop_map(|words| {
        words
            .iter()
            .map(|w| (*w).to_owned())
            .collect::<Vec<String>>()
    })
}

/// A valid `run`/`create` command line, and where its image is.
#[derive(Debug, Clone)]
struct Line {
    argv: Vec<OsString>,
    /// The index of the image.
    image: usize,
    /// Whether a `--` stands just before the image.
    terminated: bool,
}

fn line() -> impl Strategy<Value = Line> {
    let heads: [&[&str]; 6] = [
        &["run"],
        &["create"],
        &["container", "run"],
        &["container", "create"],
        &["-H", "unix:///x.sock", "run"],
        &["-c", "ctx", "--log-level=debug", "create"],
    ];
    let images = [
        "busybox:1.36",
        "nginx:1.25",
        "registry.example.com:5000/team/app:2.0",
        "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "-",
    ];
    let args = [
        "sh",
        "-c",
        "echo hi",
        "--rm",
        "--privileged",
        "--cap-add",
        "SYS_ADMIN",
        "-v",
        "/:/host",
        "--",
    ];
    (
        prop::sample::select(heads.to_vec()),
        prop::collection::vec(option(), 0..8),
        prop::collection::vec(run_only_option(), 0..2),
        any::<bool>(),
        prop::sample::select(images.to_vec()),
        prop::collection::vec(prop::sample::select(args.to_vec()), 0..4),
    )
        .prop_map(|(head, options, run_only, terminated, image, args)| {
            let mut argv: Vec<OsString> = head.iter().map(OsString::from).collect();
            let is_run = head.last() == Some(&"run");
            for words in options.iter().chain(run_only.iter().filter(|_| is_run)) {
                argv.extend(words.iter().map(OsString::from));
            }
            if terminated {
                argv.push("--".into());
            }
            let at = argv.len();
            argv.push(image.into());
            argv.extend(args.iter().map(OsString::from));
            Line {
                argv,
                image: at,
                terminated,
            }
        })
}

/// Whether `needle` appears in `haystack` in order (not necessarily contiguous).
fn is_subsequence(needle: &[OsString], haystack: &[OsString]) -> bool {
    let mut rest = haystack.iter();
    needle.iter().all(|word| rest.any(|w| w == word))
}

fn read(line: &Line) -> Result<(Invocation, ContainerSpec), TestCaseError> {
    let invocation = create(line.argv.clone());
    prop_assert!(invocation.is_some(), "does not parse: {:?}", line.argv);
    let invocation = invocation.expect("checked");
    prop_assert_eq!(invocation.image(), line.argv[line.image].as_os_str());
    let spec = invocation.to_spec(Path::new(CWD));
    prop_assert!(spec.is_ok(), "does not read: {:?}: {:?}", line.argv, spec);
    Ok((invocation, spec.expect("checked")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn hardening_keeps_every_user_word_in_order(line in line()) {
        let (invocation, spec) = read(&line)?;
        for profile in profiles() {
            let plan = plan_for(profile, &spec);
            if plan.is_refused() {
                continue;
            }
            let edits = plan.edits();
            let hardened = invocation.apply(&edits);
            let survivors = &line.argv;
            prop_assert!(
                is_subsequence(survivors, &hardened),
                "{}: user words lost or reordered: {:?} -> {:?}",
                profile.name, line.argv, hardened
            );
            // Nothing but the rendered edits is added.
            let added: usize = edits.iter().map(|e| render(e).len()).sum();
            prop_assert_eq!(hardened.len(), survivors.len() + added);
            // The image and its arguments are the end of the line, untouched, with the `--`
            // the user wrote still just before the image.
            let tail = &line.argv[line.image..];
            prop_assert!(
                hardened.ends_with(tail),
                "{}: the image and its arguments moved: {:?} -> {:?}",
                profile.name, line.argv, hardened
            );
            if line.terminated {
                prop_assert_eq!(hardened[hardened.len() - tail.len() - 1].as_os_str(), "--");
            }
        }
    }

    #[test]
    fn hardening_twice_equals_hardening_once(line in line()) {
        let (invocation, spec) = read(&line)?;
        for profile in profiles() {
            let plan = plan_for(profile, &spec);
            if plan.is_refused() {
                continue;
            }
            let hardened = invocation.apply(&plan.edits());
            let again = Line {
                image: hardened.len() - (line.argv.len() - line.image),
                argv: hardened,
                terminated: line.terminated,
            };
            let (_, spec_again) = read(&again)?;
            let replan = plan_for(profile, &spec_again);
            prop_assert!(
                !replan.is_refused(),
                "{}: the hardened line is refused: {:?}\n{:?}",
                profile.name, again.argv, replan
            );
            prop_assert!(
                replan.edits().is_empty(),
                "{}: hardening {:?} again changes it: {:?}\n-> {:?}",
                profile.name, line.argv, again.argv, replan.edits()
            );
        }
    }
}

//! No silent change to a value the user typed: under `enforce` a tightened scalar is said on
//! stderr without `--explain`, a typed word is never deleted (what appending cannot undo is
//! refused by name), a profile's value never loosens what docker itself would do, and hardrun
//! never hands over a request the engine would refuse because of what hardrun added.

use crate::support::{Outcome, Sandbox, assert_subsequence};

fn production(run_options: &[&str]) -> Outcome {
    let mut args = vec!["--profile", "production", "run"];
    args.extend(run_options);
    args.push("busybox:1.36");
    Sandbox::new().run(args)
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn a_tightened_value_is_said_on_stderr_without_explain() {
    for (typed, shown, now, rule) in [
        (
            &["--memory", "2g"][..],
            "--memory 2g",
            "memory 512m",
            "memory-limit",
        ),
        (&["--cpus", "4"], "--cpus 4", "cpus 1.0", "cpu-limit"),
        (
            &["--pids-limit=-1"],
            "--pids-limit=-1",
            "pids limit 100",
            "pids-limit",
        ),
        (
            &["-m", "512m", "--memory-swap=2g"],
            "--memory-swap=2g",
            "memory+swap 1g",
            "memory-limit",
        ),
        (&["--cpus", "-1"], "--cpus -1", "cpus 1.0", "cpu-limit"),
        (
            &["-u", "root"],
            "-u root",
            "user 1000:1000",
            "non-root-user",
        ),
    ] {
        let out = production(typed);
        out.assert_code(0);
        let line = format!("hardrun: production tightened {shown} to {now} ({rule}: ");
        assert!(
            out.stderr.lines().any(|l| l.starts_with(&line)
                && l.ends_with(&format!("keep yours with `--allow {rule}=REASON`"))),
            "{line}\n{out}"
        );
        // The user's words are all still there, in order.
        let mut user = vec!["run"];
        user.extend(typed);
        user.push("busybox:1.36");
        assert_subsequence(&strings(&user), &out.docker_words());
    }
}

#[test]
fn a_cap_add_outside_the_allow_list_is_refused_not_deleted() {
    let out = production(&["--cap-add", "CHOWN"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr.contains(
            "rule 'drop-capabilities' forbids --cap-add CHOWN: adds a capability outside the profile's allow list"
        ),
        "{out}"
    );
    assert!(out.stderr.contains("--allow drop-capabilities"), "{out}");
    // Under baseline's `set`, a capability outside its allow list is kept with a warning.
    let out = Sandbox::new().run(["run", "--cap-add", "NET_RAW", "busybox:1.36"]);
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("hardrun: warning: drop-capabilities: --cap-add NET_RAW"),
        "{out}"
    );
    assert_subsequence(
        &strings(&["run", "--cap-add", "NET_RAW", "busybox:1.36"]),
        &out.docker_words(),
    );
}

#[test]
fn cap_add_all_is_refused_under_enforce() {
    let out = Sandbox::new().run([
        "--profile",
        "production",
        "--allow",
        "no-dangerous-capabilities",
        "run",
        "--cap-add",
        "ALL",
        "busybox:1.36",
    ]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr
            .contains("rule 'drop-capabilities' forbids --cap-add ALL"),
        "{out}"
    );
}

#[test]
fn a_memory_limit_is_never_set_below_a_typed_reservation() {
    let out = production(&["--memory-reservation", "1g"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr.contains(
            "rule 'memory-limit' forbids --memory-reservation 1g: the profile's memory limit 512m is below --memory-reservation 1g, and the engine refuses a limit below the reservation"
        ),
        "{out}"
    );
    // Under baseline nothing adds a memory limit; with a profile at `set`, the reservation is
    // respected and said.
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun/profiles/soft.yaml",
        "extends: production\nrules:\n  memory-limit:\n    level: set\n",
    );
    let out = sandbox.run([
        "--profile",
        "soft",
        "run",
        "--memory-reservation",
        "1g",
        "busybox:1.36",
    ]);
    out.assert_code(0);
    assert!(!out.docker_words().iter().any(|w| w == "--memory"), "{out}");
    assert!(
        out.stderr
            .contains("hardrun: warning: memory-limit: --memory-reservation 1g"),
        "{out}"
    );
}

#[test]
fn the_added_swap_is_never_looser_than_docker_s_default() {
    let out = production(&["-m", "128m"]);
    out.assert_code(0);
    let words = out.docker_words();
    let at = words
        .iter()
        .position(|w| w == "--memory-swap")
        .expect("a swap limit");
    assert_eq!(words[at + 1], "256m", "{out}");
}

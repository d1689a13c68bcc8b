//! hardrun's label namespace is hardrun's: a user label under `io.hardrun.` (command line,
//! `--label-file`, compose `labels`) is refused under every profile, since `verify` and the
//! audit trust those labels; hardrun's own labels on a hardened command line run again are not.

use crate::compose::compose_sandbox;
use crate::support::Sandbox;

#[test]
fn a_user_label_in_hardrun_s_namespace_is_refused_under_every_profile() {
    for profile in ["baseline", "production", "strict", "development"] {
        for label in [
            "io.hardrun.profile=mine",
            "io.hardrun.version=9.9",
            "io.hardrun.x=1",
        ] {
            let out =
                Sandbox::new().run(["--profile", profile, "run", "-l", label, "busybox:1.36"]);
            out.assert_code(125).assert_docker_not_run();
            assert!(
                out.stderr
                    .contains(&format!("rule 'provenance' forbids label {label}")),
                "{profile} {label}\n{out}"
            );
            assert!(out.stderr.contains("help: rename the label"), "{out}");
        }
    }
}

#[test]
fn a_label_file_is_read_and_judged_too() {
    let sandbox = Sandbox::new();
    sandbox.write("labels", "# ours\napp=web\nio.hardrun.profile=mine\n");
    let out = sandbox.run(["run", "--label-file", "labels", "busybox:1.36"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr
            .contains("rule 'provenance' forbids label io.hardrun.profile=mine"),
        "{out}"
    );
    // A label file docker cannot read: docker's status, 125.
    let out = sandbox.run(["run", "--label-file", "missing", "busybox:1.36"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr.contains("cannot read --label-file missing"),
        "{out}"
    );
    sandbox.write("bad", "a b=1\n");
    let out = sandbox.run(["run", "--label-file", "bad", "busybox:1.36"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr
            .contains("bad:1: variable 'a b' contains whitespaces"),
        "{out}"
    );
}

#[test]
fn hardrun_s_own_labels_on_a_hardened_line_are_kept() {
    let sandbox = Sandbox::new();
    let first = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "run",
        "busybox:1.36",
    ]);
    first.assert_code(0);
    let hardened = crate::support::shell_words(first.stdout.trim());
    let mut again = vec!["--profile".to_owned(), "production".to_owned()];
    again.extend(hardened.into_iter().skip(1));
    let out = sandbox.run(&again);
    out.assert_code(0);
    assert_eq!(out.docker_words(), again[2..], "{out}");
}

#[test]
fn a_compose_label_in_hardrun_s_namespace_is_refused() {
    let Some(sandbox) = compose_sandbox() else {
        return;
    };
    sandbox.write(
        "compose.yaml",
        "services:\n  app:\n    image: busybox:1.36\n    labels:\n      io.hardrun.profile: mine\n",
    );
    let out = sandbox.run(["compose", "up", "-d"]);
    out.assert_code(125);
    assert!(
        out.stderr
            .contains("rule 'provenance' forbids label io.hardrun.profile=mine"),
        "{out}"
    );
}

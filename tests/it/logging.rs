//! A container with logging turned off keeps no trace for an audit: `no-log-driver-none` warns
//! under baseline and development, refuses under production and strict, and names the way out.

use crate::support::Sandbox;

const OFF: [&str; 5] = ["run", "--log-driver", "none", "--rm", "busybox:1.36"];

fn under(profile: &str) -> crate::support::Outcome {
    let mut args = vec!["--profile", profile];
    args.extend(OFF);
    Sandbox::new().run(args)
}

#[test]
fn production_and_strict_refuse_log_driver_none_and_name_the_way_out() {
    for profile in ["production", "strict"] {
        let out = under(profile);
        out.assert_code(125).assert_docker_not_run();
        assert!(
            out.stderr.contains(&format!(
                "hardrun: refused by profile '{profile}': rule 'no-log-driver-none' forbids --log-driver none"
            )),
            "{out}"
        );
        assert!(out.stderr.contains("--log-driver json-file"), "{out}");
        assert!(
            out.stderr.contains("hardrun --allow no-log-driver-none"),
            "{out}"
        );
    }
}

#[test]
fn baseline_and_development_warn_and_keep_the_user_s_driver() {
    for profile in ["baseline", "development"] {
        let out = under(profile);
        out.assert_code(0);
        assert!(
            out.stderr.contains(
                "hardrun: warning: no-log-driver-none: --log-driver none: logging is off"
            ),
            "{profile}\n{out}"
        );
        let docker = out.docker_words();
        let at = docker.iter().position(|w| w == "--log-driver").unwrap();
        assert_eq!(
            docker[at + 1],
            "none",
            "{profile}: the user's driver is kept\n{out}"
        );
    }
}

#[test]
fn a_waiver_lets_it_through_under_production() {
    let out = Sandbox::new().run([
        "--profile",
        "production",
        "--allow",
        "no-log-driver-none=a sidecar that only forwards",
        "--allow",
        "image-tag",
        "--dry-run",
        "run",
        "--log-driver",
        "none",
        "busybox:1.36",
    ]);
    out.assert_code(0).assert_docker_not_run();
    assert!(out.stdout.contains("--log-driver none"), "{out}");
    assert!(out.stderr.contains("waived: no-log-driver-none"), "{out}");
}

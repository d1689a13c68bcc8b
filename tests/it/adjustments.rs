//! Adjustments, exceptions narrower than a waiver: the project file's `adjustments:` relax a
//! rule only as far as they name, for one image or compose service, are shown in `--explain`
//! and JSON, recorded on the container, and accepted by `verify`.

use crate::compose::compose_sandbox;
use crate::engine::{IMAGE, engine};
use crate::support::Sandbox;

const NGINX: &str = "adjustments:
  - image: nginx
    reason: \"nginx writes its temp files, pid and logs\"
    writable: [/var/lib/nginx, /run, /var/log/nginx]
    capabilities: [CHOWN]
";

fn tmpfs_of(words: &[String]) -> Vec<String> {
    words
        .windows(2)
        .filter(|w| w[0] == "--tmpfs")
        .map(|w| w[1].clone())
        .collect()
}

#[test]
fn an_adjustment_adds_owned_writable_paths_and_capabilities_for_its_image_only() {
    // Images the catalogue does not know, so only the project's adjustment applies.
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        &NGINX.replace("image: nginx", "image: shop/web"),
    );
    let out = sandbox.run(["--profile", "production", "run", "-d", "shop/web:1.27"]);
    out.assert_code(0);
    let words = out.docker_words();
    let tmpfs = tmpfs_of(&words);
    for path in [
        "/var/lib/nginx",
        "/run",
        "/var/log/nginx",
        "/tmp",
        "/var/tmp",
    ] {
        assert!(
            tmpfs.contains(&format!(
                "{path}:rw,noexec,nosuid,size=100m,mode=1777,uid=1000,gid=1000"
            )),
            "{path}: {tmpfs:?}\n{out}"
        );
    }
    assert!(
        words
            .windows(2)
            .any(|w| w[0] == "--cap-add" && w[1] == "CHOWN"),
        "{out}"
    );
    assert!(
        words.iter().any(|w| w == "--read-only"),
        "the rule stays on\n{out}"
    );
    assert!(
        words
            .iter()
            .any(|w| w == "io.hardrun.adjusted=writable=/var/lib/nginx,/run,/var/log/nginx;capabilities=CHOWN"),
        "{out}"
    );
    // Another image gets none of it.
    let other = sandbox.run(["--profile", "production", "run", "-d", "shop/api:7.2"]);
    other.assert_code(0);
    assert_eq!(tmpfs_of(&other.docker_words()).len(), 2, "{other}");
}

#[test]
fn explain_and_json_say_what_was_adjusted_and_why() {
    let sandbox = Sandbox::new();
    sandbox.write(".hardrun.yaml", NGINX);
    let out = sandbox.run([
        "--profile",
        "production",
        "--explain",
        "--dry-run",
        "run",
        "nginx:1.27",
    ]);
    out.assert_code(0);
    assert!(
        out.stderr.contains(
            "hardrun: note: adjusted: read-only-rootfs: /var/lib/nginx, /run, /var/log/nginx writable for nginx: nginx writes its temp files, pid and logs (.hardrun.yaml:2:5)"
        ),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("hardrun: note: adjusted: drop-capabilities: CHOWN added back for nginx"),
        "{out}"
    );
    let json = sandbox
        .run([
            "--profile",
            "production",
            "--format",
            "json",
            "--dry-run",
            "run",
            "nginx:1.27",
        ])
        .json();
    let notes: Vec<String> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("adjusted: read-only-rootfs")),
        "{json:#}"
    );
}

#[test]
fn an_adjustment_never_relaxes_past_a_deny_rule() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        "adjustments:\n  - image: busybox\n    reason: \"needs mounts\"\n    capabilities: [SYS_ADMIN]\n",
    );
    let out = sandbox.run(["--profile", "production", "run", "busybox:1.36"]);
    out.assert_code(125).assert_docker_not_run();
    assert!(
        out.stderr.contains(
            "rule 'no-dangerous-capabilities' forbids capabilities: SYS_ADMIN (.hardrun.yaml:2:5)"
        ),
        "{out}"
    );
}

#[test]
fn root_as_the_last_resort_is_said_loudly() {
    let sandbox = Sandbox::new();
    sandbox.write(
        ".hardrun.yaml",
        "adjustments:\n  - image: busybox\n    reason: \"the entrypoint needs root\"\n    user: root\n",
    );
    let out = sandbox.run(["--profile", "production", "run", "busybox:1.36"]);
    out.assert_code(0);
    assert!(!out.docker_words().iter().any(|w| w == "--user"), "{out}");
    assert!(
        out.stderr.contains("hardrun: warning: non-root-user:"),
        "{out}"
    );
}

#[test]
fn a_compose_service_takes_its_adjustments_by_name() {
    let Some(sandbox) = compose_sandbox() else {
        return;
    };
    sandbox.write(
        "compose.yaml",
        "services:\n  web:\n    image: busybox:1.36\n    command: [sleep, \"60\"]\n",
    );
    sandbox.write(
        ".hardrun.yaml",
        "adjustments:\n  - service: web\n    reason: \"writes its cache\"\n    writable: [/var/cache/web]\n    pids: 300\n",
    );
    let out = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "compose",
        "up",
        "-d",
    ]);
    out.assert_code(0);
    assert!(
        out.stdout
            .contains("/var/cache/web:rw,noexec,nosuid,size=100m,mode=1777,uid=1000,gid=1000"),
        "{out}"
    );
    assert!(out.stdout.contains("pids_limit: 300"), "{out}");
}

#[test]
fn verify_accepts_an_adjusted_container() {
    let Some(engine) = engine() else { return };
    let container = engine.container("adjusted");
    let sandbox = engine.sandbox();
    sandbox.write(
        ".hardrun.yaml",
        "adjustments:\n  - image: hardrun-test/busybox\n    reason: \"writes /var/cache/app\"\n    writable: [/var/cache/app]\n    capabilities: [CHOWN]\n",
    );
    let out = sandbox.run([
        "--profile",
        "production",
        "run",
        "-d",
        "--name",
        &container.name,
        IMAGE,
        "sleep",
        "300",
    ]);
    out.assert_code(0);
    let inside = container.sh("touch /var/cache/app/x && stat -c %u:%g /var/cache/app");
    assert_eq!(inside.trim(), "1000:1000");
    let verified = sandbox.run(["--format", "json", "verify", &container.name]);
    verified.assert_code(0);
    let report = verified.json();
    let verdicts = report["containers"][0]["verdicts"].as_array().unwrap();
    assert!(!verdicts.is_empty(), "{report:#}");
    let fails: Vec<&serde_json::Value> =
        verdicts.iter().filter(|v| v["verdict"] == "fail").collect();
    assert!(fails.is_empty(), "{report:#}");
    // Without the record, the added capability would fail drop-capabilities.
    assert!(
        verdicts
            .iter()
            .any(|v| v["rule"] == "drop-capabilities" && v["verdict"] == "pass"),
        "{report:#}"
    );
}

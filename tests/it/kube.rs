//! `hardrun kubectl`: the manifests of `tests/fixtures/kube/` hardened by the real binary.
//! Snapshots of what `--dry-run` prints; every hardened manifest validated against the
//! Kubernetes schemas by `kubernetes-validate --strict` (PyPI, pinned in `.ci/run`; a missing
//! validator fails under `HARDRUN_E2E=required` and is skipped loudly otherwise) and checked
//! control by control against the Pod Security Standards' restricted profile; hardened twice
//! it stays the same; the user's compliant settings survive; and the handoff to a fake kubectl
//! that records its argv and the manifests it was given. No cluster runs here.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hardrun::kube::manifest::pod_path;
use hardrun::kube::yaml::{self, Node, Value};

use crate::support::{Outcome, Sandbox};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kube");

/// The fixtures, by file name, sorted.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(FIXTURES)
        .expect("the kube fixtures")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    names
}

fn fixture(name: &str) -> String {
    fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()
}

/// A sandbox holding `name` (as `name`), and the outcome of a production dry run of it.
fn dry_run(name: &str, profile: &str) -> (Sandbox, Outcome) {
    let sandbox = Sandbox::new();
    sandbox.write(name, &fixture(name));
    let outcome = sandbox.run([
        "--profile",
        profile,
        "--dry-run",
        "kubectl",
        "apply",
        "-f",
        name,
    ]);
    (sandbox, outcome)
}

/// The fixtures production hardens (the others it refuses), with what it printed.
fn hardened_with_stderr() -> Vec<(String, String, String)> {
    fixtures()
        .into_iter()
        .filter_map(|name| {
            let (_, outcome) = dry_run(&name, "production");
            (outcome.code == Some(0)).then_some((name, outcome.stdout, outcome.stderr))
        })
        .collect()
}

fn hardened_fixtures() -> Vec<(String, String)> {
    hardened_with_stderr()
        .into_iter()
        .map(|(name, stdout, _)| (name, stdout))
        .collect()
}

#[test]
fn every_fixture_is_hardened_or_refused_as_the_snapshot_says() {
    for name in fixtures() {
        let (_, outcome) = dry_run(&name, "production");
        assert!(
            outcome.docker.is_none(),
            "a dry run never runs anything: {name}"
        );
        insta::assert_snapshot!(
            format!("kube_production_{}", name.replace('.', "_")),
            format!(
                "exit: {:?}\n--- stdout\n{}--- stderr\n{}",
                outcome.code, outcome.stdout, outcome.stderr
            )
        );
    }
}

#[test]
fn production_refuses_what_the_profile_forbids_naming_the_rule() {
    for (name, rule) in [
        ("privileged.yaml", "no-privileged"),
        ("docker-socket.yaml", "no-docker-socket"),
        ("host-network.yaml", "no-host-namespaces"),
    ] {
        let (_, outcome) = dry_run(name, "production");
        assert_eq!(outcome.code, Some(125), "{name}: {}", outcome.stderr);
        assert!(outcome.stdout.is_empty(), "{name}");
        assert!(
            outcome.stderr.contains(&format!("rule '{rule}' forbids")),
            "{name}: {}",
            outcome.stderr
        );
        assert!(outcome.stderr.contains(&format!("({name}:")), "{name}");
    }
    // What the restricted profile forbids and no rule refuses is said.
    let (_, outcome) = dry_run("host-path.yaml", "production");
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains(
            "warning: no-sensitive-mounts: mountPath: /var/log/pods (host-path.yaml:18:35)"
        ),
        "{}",
        outcome.stderr
    );
}

/// `kind: List` items as documents of their own, for the validator (which has no List schema).
fn flattened(stream: &str) -> String {
    let mut out = String::new();
    for document in yaml::parse_stream(stream).unwrap() {
        let Some(root) = document.root else { continue };
        match kind(&root) {
            Some("List") => {
                for item in root.get("items").and_then(Node::items).unwrap_or_default() {
                    out.push_str(&yaml::write_document(item));
                }
            }
            _ => out.push_str(&yaml::write_document(&root)),
        }
    }
    out
}

fn kind(node: &Node) -> Option<&str> {
    node.get("kind").and_then(Node::scalar)
}

/// `kubernetes-validate` when installed; a failure under `HARDRUN_E2E=required` when not.
fn validator() -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("kubernetes-validate"))
        .find(|p| p.is_file());
    let required = std::env::var("HARDRUN_E2E").is_ok_and(|v| v == "required");
    match found {
        Some(path) => Some(path),
        None if required => panic!(
            "kubernetes-validate is mandatory under .ci/run (HARDRUN_E2E=required) and is not on \
             PATH: `python3 -m pip install kubernetes-validate==1.37.0`"
        ),
        None => {
            eprintln!(
                "\n********************************************************************\n\
                 SKIPPED: kube::hardened_manifests_validate_against_the_schemas needs\n\
                 kubernetes-validate (pip install kubernetes-validate==1.37.0);\n\
                 set HARDRUN_E2E=required to make its absence a failure.\n\
                 ********************************************************************"
            );
            None
        }
    }
}

#[test]
fn hardened_manifests_validate_against_the_schemas() {
    let Some(validator) = validator() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut validated = 0;
    for (name, stdout) in hardened_fixtures() {
        let path = dir.path().join(format!("{name}.yaml"));
        fs::write(&path, flattened(&stdout)).unwrap();
        let output = Command::new(&validator)
            .args(["--strict", "-k", "1.30.0", "-k", "1.37.0"])
            .arg(&path)
            .output()
            .expect("run kubernetes-validate");
        let report = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}:\n{report}\n{stdout}");
        for line in report.lines() {
            // A kind of someone else's API group has no schema: hardrun left it as written.
            let foreign = line.starts_with("WARN") && line.contains("api version example.com/");
            assert!(
                line.starts_with("INFO") || foreign,
                "{name}: {line}\n{stdout}"
            );
            validated += usize::from(line.starts_with("INFO") && line.contains("passed"));
        }
    }
    assert!(validated >= 20, "{validated} resources validated");
}

/// Each control of the Pod Security Standards' restricted profile (baseline's included) that a
/// pod template breaks, as `control: where`.
fn restricted_violations(pod: &Node) -> Vec<String> {
    let mut found = Vec::new();
    let truthy = |node: Option<&Node>| node.and_then(Node::as_bool) == Some(true);
    let pod_security = pod.get("securityContext");
    let at = |key: &str| pod_security.and_then(|s| s.get(key));
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if truthy(pod.get(key)) {
            found.push(format!("hostNamespaces: {key}"));
        }
    }
    const ALLOWED_VOLUMES: [&str; 9] = [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ];
    for volume in pod.get("volumes").and_then(Node::items).unwrap_or_default() {
        let Value::Map(entries) = &volume.value else {
            continue;
        };
        for (key, _) in entries.iter().filter(|(k, _)| k.text != "name") {
            if !ALLOWED_VOLUMES.contains(&key.text.as_str()) {
                found.push(format!("restrictedVolumes: {}", key.text));
            }
        }
    }
    if let Some(sysctls) = at("sysctls").and_then(Node::items)
        && !sysctls.is_empty()
    {
        found.push("sysctls: set".into());
    }
    let pod_non_root = truthy(at("runAsNonRoot"));
    if at("runAsUser").and_then(Node::as_int) == Some(0) {
        found.push("runAsUser: pod runs as 0".into());
    }
    let pod_seccomp = at("seccompProfile")
        .and_then(|s| s.get("type"))
        .and_then(Node::scalar);
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for container in pod.get(list).and_then(Node::items).unwrap_or_default() {
            let name = container.get("name").and_then(Node::scalar).unwrap_or("?");
            let security = container.get("securityContext");
            let own = |key: &str| security.and_then(|s| s.get(key));
            let mut say = |control: &str| found.push(format!("{control}: {list}/{name}"));
            if truthy(own("privileged")) {
                say("privileged");
            }
            if own("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false) {
                say("allowPrivilegeEscalation");
            }
            if !(truthy(own("runAsNonRoot")) || pod_non_root && own("runAsNonRoot").is_none()) {
                say("runAsNonRoot");
            }
            if own("runAsUser").and_then(Node::as_int) == Some(0) {
                say("runAsUser");
            }
            let seccomp = own("seccompProfile")
                .and_then(|s| s.get("type"))
                .and_then(Node::scalar)
                .or(pod_seccomp);
            if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
                say("seccompProfile_restricted");
            }
            let caps = own("capabilities");
            let names = |key: &str| -> Vec<String> {
                caps.and_then(|c| c.get(key))
                    .and_then(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::scalar)
                    .map(str::to_owned)
                    .collect()
            };
            if !names("drop").iter().any(|c| c == "ALL") {
                say("capabilities_restricted (drop ALL)");
            }
            if names("add").iter().any(|c| c != "NET_BIND_SERVICE") {
                say("capabilities_restricted (add)");
            }
            if own("procMount")
                .and_then(Node::scalar)
                .is_some_and(|p| p != "Default")
            {
                say("procMount");
            }
            if let Some(kind) = own("appArmorProfile")
                .and_then(|a| a.get("type"))
                .and_then(Node::scalar)
                && !matches!(kind, "RuntimeDefault" | "Localhost")
            {
                say("appArmorProfile");
            }
            if let Some(options) = own("seLinuxOptions") {
                let kind = options.get("type").and_then(Node::scalar).unwrap_or("");
                let allowed = ["", "container_t", "container_init_t", "container_kvm_t"];
                if !allowed.contains(&kind)
                    || options.get("user").is_some()
                    || options.get("role").is_some()
                {
                    say("seLinuxOptions");
                }
            }
            for port in container
                .get("ports")
                .and_then(Node::items)
                .unwrap_or_default()
            {
                if port
                    .get("hostPort")
                    .and_then(Node::as_int)
                    .is_some_and(|p| p != 0)
                {
                    say("hostPorts");
                }
            }
            for probe in hardrun::kube::manifest::PROBES {
                let probe = container.get(probe);
                let host = ["httpGet", "tcpSocket"].iter().any(|k| {
                    probe
                        .and_then(|p| p.get(k))
                        .and_then(|p| p.get("host"))
                        .is_some()
                });
                if host {
                    say("hostProbesAndHostLifecycle");
                }
            }
        }
    }
    found
}

/// Every pod template of a stream, with the resource it belongs to.
fn pods(stream: &str) -> Vec<(String, Node)> {
    let mut pods = Vec::new();
    let mut visit = |resource: &Node| {
        let kind = kind(resource).unwrap_or_default();
        let version = resource
            .get("apiVersion")
            .and_then(Node::scalar)
            .unwrap_or_default();
        if let Some(path) = pod_path(kind, version) {
            let mut node = Some(resource);
            for step in path {
                node = node.and_then(|n| n.get(step));
            }
            let name = resource
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::scalar)
                .unwrap_or_default();
            pods.push((format!("{kind}/{name}"), node.cloned().expect("a pod spec")));
        }
    };
    for document in yaml::parse_stream(stream).unwrap() {
        let Some(root) = document.root else { continue };
        if kind(&root) == Some("List") {
            for item in root.get("items").and_then(Node::items).unwrap_or_default() {
                visit(item);
            }
        } else {
            visit(&root);
        }
    }
    pods
}

#[test]
fn hardened_manifests_satisfy_each_control_of_the_restricted_profile() {
    let mut checked = 0;
    for (name, stdout, stderr) in hardened_with_stderr() {
        for (resource, pod) in pods(&stdout) {
            let mut violations = restricted_violations(&pod);
            // No rule refuses a hostPath that is not sensitive; hardrun warns that the
            // restricted profile would.
            let warned = stderr.contains("restricted profile forbids every hostPath volume");
            violations.retain(|v| !(warned && v == "restrictedVolumes: hostPath"));
            assert!(
                violations.is_empty(),
                "{name}: {resource}: {violations:?}\n{stdout}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} pod templates checked");
}

#[test]
fn the_restricted_check_finds_what_an_unhardened_manifest_lacks() {
    let (_, pod) = pods(&fixture("deployment.yaml")).remove(0);
    let mut controls: Vec<String> = restricted_violations(&pod)
        .into_iter()
        .map(|v| v.split(':').next().unwrap().to_owned())
        .collect();
    controls.sort();
    assert_eq!(
        controls,
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted (drop ALL)",
            "runAsNonRoot",
            "seccompProfile_restricted"
        ]
    );
    let broken = "apiVersion: v1\nkind: Pod\nspec:\n  hostPID: true\n  volumes: [{name: h, hostPath: {path: /}}]\n  containers:\n  - name: a\n    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}, runAsUser: 0}\n    ports: [{containerPort: 1, hostPort: 80}]\n";
    let (_, pod) = pods(broken).remove(0);
    let found = restricted_violations(&pod).join("\n");
    for control in [
        "hostNamespaces",
        "restrictedVolumes",
        "privileged",
        "capabilities_restricted (add)",
        "runAsUser",
        "hostPorts",
    ] {
        assert!(found.contains(control), "{control}: {found}");
    }
}

#[test]
fn hardening_twice_changes_nothing() {
    for (name, stdout) in hardened_fixtures() {
        let sandbox = Sandbox::new();
        sandbox.write("hardened.yaml", &stdout);
        let again = sandbox.run([
            "--profile",
            "production",
            "--dry-run",
            "kubectl",
            "apply",
            "-f",
            "hardened.yaml",
        ]);
        assert_eq!(again.code, Some(0), "{name}: {}", again.stderr);
        assert_eq!(again.stdout, stdout, "{name}");
        assert!(
            !again.stderr.contains("tightened"),
            "{name}: {}",
            again.stderr
        );
    }
}

#[test]
fn a_compliant_manifest_and_unknown_kinds_pass_through_as_written() {
    for name in ["compliant.yaml", "custom-resource.yaml"] {
        let (_, outcome) = dry_run(name, "production");
        assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
        assert_eq!(
            outcome.stdout.trim_end(),
            fixture(name).trim_end(),
            "{name}"
        );
    }
}

#[test]
fn the_users_settings_that_satisfy_a_rule_are_kept() {
    let (_, outcome) = dry_run("partial.yaml", "production");
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
    let (_, pod) = pods(&outcome.stdout).remove(0);
    let security = pod.get("securityContext").unwrap();
    // The pod's own user satisfies non-root-user: kept, and not overridden per container.
    assert_eq!(security.get("runAsUser").unwrap().as_int(), Some(1001));
    assert_eq!(security.get("fsGroup").unwrap().as_int(), Some(2000));
    let container = &pod.get("containers").unwrap().items().unwrap()[0];
    let own = container.get("securityContext").unwrap();
    assert!(own.get("runAsUser").is_none());
    let drop: Vec<&str> = own
        .get("capabilities")
        .and_then(|c| c.get("drop"))
        .and_then(Node::items)
        .unwrap()
        .iter()
        .filter_map(Node::scalar)
        .collect();
    assert_eq!(drop, ["NET_RAW", "ALL"]);
    // The probe's period (level set keeps it), the request within the limit, the memory emptyDir.
    let probe = container.get("livenessProbe").unwrap();
    assert_eq!(probe.get("periodSeconds").unwrap().as_int(), Some(10));
    let requests = container
        .get("resources")
        .and_then(|r| r.get("requests"))
        .unwrap();
    assert_eq!(requests.get("cpu").and_then(Node::scalar), Some("500m"));
    let volumes = pod.get("volumes").and_then(Node::items).unwrap();
    assert_eq!(
        volumes[0].get("name").and_then(Node::scalar),
        Some("scratch")
    );
    assert!(outcome.stdout.contains("prometheus.io/scrape: \"true\""));
}

/// A fake kubectl in the sandbox that records its arguments and the manifests `-f` names.
fn fake_kubectl(sandbox: &Sandbox) -> PathBuf {
    let path = sandbox.root().join("bin/kubectl");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let log = sandbox.root().join("kubectl");
    fs::write(
        &path,
        format!(
            "#!/bin/sh\n: > '{log}.argv'\nprev=\nfor a in \"$@\"; do\n  printf '%s\\n' \"$a\" >> '{log}.argv'\n  if [ \"$prev\" = -f ]; then cat \"$a\" > '{log}.manifest'; fi\n  prev=$a\ndone\nexit 3\n",
            log = log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn recorded(sandbox: &Sandbox, what: &str) -> Option<String> {
    fs::read_to_string(sandbox.root().join(format!("kubectl.{what}"))).ok()
}

#[test]
fn kubectl_gets_the_hardened_manifests_on_an_inherited_descriptor() {
    let (mut sandbox, dry) = dry_run("multi-document.yaml", "production");
    let kubectl = fake_kubectl(&sandbox);
    sandbox.env("HARDRUN_KUBECTL", &kubectl);
    let outcome = sandbox.run([
        "--profile",
        "production",
        "kubectl",
        "--context",
        "prod",
        "apply",
        "-f",
        "multi-document.yaml",
        "--server-side",
    ]);
    assert_eq!(
        outcome.code,
        Some(3),
        "kubectl's status: {}",
        outcome.stderr
    );
    let argv = recorded(&sandbox, "argv").expect("kubectl ran");
    let words: Vec<&str> = argv.lines().collect();
    assert_eq!(words[..4], ["--context", "prod", "apply", "-f"]);
    assert!(words[4].starts_with("/dev/fd/"), "{words:?}");
    assert_eq!(words[5..], ["--server-side"]);
    assert_eq!(
        recorded(&sandbox, "manifest").unwrap(),
        dry.stdout.trim_end().to_owned() + "\n"
    );
    // The user's file is as it was.
    let file = fs::read_to_string(sandbox.cwd().join("multi-document.yaml")).unwrap();
    assert_eq!(file, fixture("multi-document.yaml"));
}

#[test]
fn manifests_on_stdin_and_in_directories_are_hardened_too() {
    let mut sandbox = Sandbox::new();
    let kubectl = fake_kubectl(&sandbox);
    sandbox.env("HARDRUN_KUBECTL", &kubectl);
    let mut command = sandbox.command(env!("CARGO_BIN_EXE_hardrun"));
    command
        .args(["--profile", "production", "kubectl", "create", "-f", "-"])
        .stdin(Stdio::piped());
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(fixture("job.yaml").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = recorded(&sandbox, "manifest").unwrap();
    assert!(
        manifest.contains("allowPrivilegeEscalation: false"),
        "{manifest}"
    );

    for name in ["deployment.yaml", "cronjob.yaml"] {
        sandbox.write(format!("deploy/{name}"), &fixture(name));
    }
    sandbox.write("deploy/nested/job.yaml", &fixture("job.yaml"));
    sandbox.write("deploy/notes.txt", "kind: Pod\n");
    let flat = sandbox.run([
        "--profile",
        "production",
        "kubectl",
        "apply",
        "-f",
        "deploy",
    ]);
    assert_eq!(flat.code, Some(3), "{}", flat.stderr);
    let manifest = recorded(&sandbox, "manifest").unwrap();
    let kinds: Vec<String> = pods(&manifest).into_iter().map(|(r, _)| r).collect();
    assert_eq!(kinds, ["CronJob/backup", "Deployment/web"]);
    let deep = sandbox.run([
        "--profile",
        "production",
        "kubectl",
        "replace",
        "-R",
        "-f",
        "deploy",
    ]);
    assert_eq!(deep.code, Some(3), "{}", deep.stderr);
    let manifest = recorded(&sandbox, "manifest").unwrap();
    let kinds: Vec<String> = pods(&manifest).into_iter().map(|(r, _)| r).collect();
    assert_eq!(kinds, ["CronJob/backup", "Deployment/web", "Job/migrate"]);
}

#[test]
fn other_kubectl_commands_pass_through_and_refusals_never_reach_kubectl() {
    let mut sandbox = Sandbox::new();
    let kubectl = fake_kubectl(&sandbox);
    // Found on PATH, as kubectl would be.
    let path = format!(
        "{}:{}",
        kubectl.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    sandbox.env("PATH", &path);
    let outcome = sandbox.run(["kubectl", "-n", "shop", "get", "pods", "-o", "wide"]);
    assert_eq!(outcome.code, Some(3));
    assert_eq!(
        recorded(&sandbox, "argv").unwrap(),
        "-n\nshop\nget\npods\n-o\nwide\n"
    );

    let shown = sandbox.run(["--dry-run", "kubectl", "delete", "-f", "x.yaml"]);
    assert_eq!(shown.stdout, "kubectl delete -f x.yaml\n");

    let _ = fs::remove_file(sandbox.root().join("kubectl.argv"));
    sandbox.write("privileged.yaml", &fixture("privileged.yaml"));
    let refused = sandbox.run([
        "--profile",
        "production",
        "kubectl",
        "apply",
        "-f",
        "privileged.yaml",
    ]);
    assert_eq!(refused.code, Some(125));
    assert!(recorded(&sandbox, "argv").is_none(), "kubectl never ran");

    for line in [
        &["kubectl", "apply", "-k", "."][..],
        &["kubectl", "create", "deployment", "web", "--image=nginx"],
        &["kubectl", "apply", "--bogus", "-f", "x.yaml"],
    ] {
        let refused = sandbox.run(line);
        assert_eq!(refused.code, Some(125), "{line:?}: {}", refused.stderr);
        assert!(refused.stderr.contains("help: "), "{}", refused.stderr);
        assert!(recorded(&sandbox, "argv").is_none(), "{line:?}");
    }
}

#[test]
fn explain_and_json_say_what_kubernetes_has_no_field_for() {
    let sandbox = Sandbox::new();
    sandbox.write("deployment.yaml", &fixture("deployment.yaml"));
    let outcome = sandbox.run([
        "--profile",
        "production",
        "--dry-run",
        "--format",
        "json",
        "kubectl",
        "apply",
        "-f",
        "deployment.yaml",
    ]);
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
    let json = outcome.json();
    let text = json.to_string();
    for gap in ["podPidsLimit", "containerLogMaxSize", "swap"] {
        assert!(text.contains(gap), "{gap}: {json:#}");
    }
    let model = &json["model"];
    assert_eq!(model[0]["kind"], "Deployment", "{json:#}");
    assert_eq!(
        model[0]["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRoot"],
        true
    );
}

#[test]
fn secret_values_are_never_shown_but_kubectl_gets_them() {
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    image: busybox:1.36\n    env:\n    - {name: DB_PASSWORD, value: hunter2}\n";
    let mut sandbox = Sandbox::new();
    sandbox.write("pod.yaml", manifest);
    let shown = sandbox.run(["--dry-run", "kubectl", "apply", "-f", "pod.yaml"]);
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert!(!shown.stdout.contains("hunter2") && !shown.stderr.contains("hunter2"));
    assert!(shown.stdout.contains("value: \"***\""), "{}", shown.stdout);
    let json = sandbox.run([
        "--dry-run",
        "--format",
        "json",
        "kubectl",
        "apply",
        "-f",
        "pod.yaml",
    ]);
    assert!(!json.stdout.contains("hunter2"), "{}", json.stdout);

    let kubectl = fake_kubectl(&sandbox);
    sandbox.env("HARDRUN_KUBECTL", &kubectl);
    let handed = sandbox.run(["kubectl", "apply", "-f", "pod.yaml"]);
    assert_eq!(handed.code, Some(3), "{}", handed.stderr);
    assert!(
        recorded(&sandbox, "manifest")
            .unwrap()
            .contains("value: hunter2")
    );
    let production = sandbox.run([
        "--profile",
        "production",
        "kubectl",
        "apply",
        "-f",
        "pod.yaml",
    ]);
    assert_eq!(production.code, Some(125));
    assert!(
        production
            .stderr
            .contains("env DB_PASSWORD=*** (pod.yaml:9:34)"),
        "{}",
        production.stderr
    );
}

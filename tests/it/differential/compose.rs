//! The compose half of the differential suite, with Compose v2 as the oracle: `docker compose
//! config --format json` of the user's project against that of what hardrun hands to Compose
//! (`hardrun --dry-run compose … up` prints the hardened YAML; it is fed back to `docker compose
//! -f - config --format json`). With every rule off the two are equal but for hardrun's
//! provenance labels; under each built-in profile every key the user set keeps its value (maps
//! and lists may gain entries; a tightened scalar is said on stderr), or hardrun refuses by
//! name. Over the fixtures of `tests/fixtures/compose` and a few generated projects.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};

use super::compare;
use super::generator::Rng;
use crate::compose::{PRINTED, compose_sandbox, copy_fixture, docker_in, without_files};
use crate::support::{Sandbox, rule_ids};

/// Where a service's value lives that a rule may tighten (in the open, on stderr).
const TIGHTENED_BY: [(&str, &str); 17] = [
    ("user", "non-root-user"),
    ("read_only", "read-only-rootfs"),
    ("tmpfs", "read-only-rootfs"),
    ("mem_limit", "memory-limit"),
    ("memswap_limit", "memory-limit"),
    ("deploy.resources.limits.memory", "memory-limit"),
    ("cpus", "cpu-limit"),
    ("deploy.resources.limits.cpus", "cpu-limit"),
    ("pids_limit", "pids-limit"),
    ("deploy.resources.limits.pids", "pids-limit"),
    ("restart", "restart-policy"),
    ("deploy.restart_policy", "restart-policy"),
    ("init", "init-process"),
    ("healthcheck", "healthcheck"),
    ("logging", "log-rotation"),
    ("cap_add", "drop-capabilities"),
    ("cap_drop", "drop-capabilities"),
];

fn tightening_rule(path: &str) -> Option<&'static str> {
    TIGHTENED_BY
        .iter()
        .find(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}.")))
        .map(|(_, rule)| *rule)
}

/// One project to try: a fixture, or generated files.
struct Project {
    name: String,
    /// Files to write (relative path, text), or the fixture to copy.
    files: Vec<(String, String)>,
    fixture: Option<&'static str>,
    root: Vec<&'static str>,
}

const KEYS: [(&str, &[&str]); 14] = [
    ("mem_limit", &["512m", "2g", "1e3m", ".5g", "64M", "1.5GB"]),
    ("cpus", &["0.5", "1.5", "4", "2"]),
    ("pids_limit", &["100", "-1", "4096"]),
    ("user", &["\"1000:1000\"", "root", "\"0\"", "nobody"]),
    ("read_only", &["true", "false"]),
    ("init", &["true", "false"]),
    (
        "restart",
        &["always", "\"no\"", "on-failure:3", "unless-stopped"],
    ),
    (
        "cap_add",
        &["[NET_ADMIN]", "[CHOWN, NET_BIND_SERVICE]", "[ALL]"],
    ),
    ("cap_drop", &["[ALL]", "[NET_RAW]"]),
    ("tmpfs", &["[/tmp]", "[\"/run:size=10m\"]"]),
    (
        "environment",
        &["{A: \"1\", B: two}", "[X=1, Y=]", "{API_TOKEN: hunter2}"],
    ),
    ("ports", &["[\"8080:80\"]", "[\"127.0.0.1:9000:9000\"]"]),
    ("privileged", &["true", "false"]),
    (
        "logging",
        &[
            "{driver: json-file, options: {max-size: 5m}}",
            "{driver: local}",
        ],
    ),
];

/// A few generated projects: services with keys from `KEYS`.
fn generated(seed: u64, count: usize) -> Vec<Project> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|i| {
            let mut yaml = format!("name: hr-diff-gen{i}\nservices:\n");
            for s in 0..1 + rng.below(2) {
                yaml.push_str(&format!(
                    "  svc{s}:\n    image: \"busybox@sha256:{}\"\n",
                    "1".repeat(64)
                ));
                let mut keys = std::collections::BTreeSet::new();
                for _ in 0..1 + rng.below(4) {
                    let (key, values) = rng.pick(&KEYS);
                    if keys.insert(*key) {
                        yaml.push_str(&format!("    {key}: {}\n", rng.pick(values)));
                    }
                }
            }
            Project {
                name: format!("generated #{i} (seed {seed})"),
                files: vec![("compose.yaml".into(), yaml)],
                fixture: None,
                root: Vec::new(),
            }
        })
        .collect()
}

fn json_of(out: &std::process::Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn without_provenance(service: &Value) -> Value {
    let mut service = service.clone();
    if let Some(Value::Object(labels)) = service.get_mut("labels") {
        labels.retain(|key, _| !key.starts_with(compare::PROVENANCE));
        if labels.is_empty() {
            service.as_object_mut().map(|s| s.remove("labels"));
        }
    }
    service
}

/// A verdict for one project in one mode: `Ok(true)` same, `Ok(false)` refused by a rule,
/// `Err` a mismatch.
fn verdict(
    sandbox: &Sandbox,
    project: &Project,
    user: &Value,
    mode: &str,
    profile: &str,
    rules: &[String],
) -> Result<bool, String> {
    let mut args = vec!["--profile", profile, "--dry-run", "compose"];
    args.extend(&project.root);
    args.push("up");
    let out = sandbox.run(&args);
    if out.code == Some(125) {
        let named = rules
            .iter()
            .any(|rule| out.stderr.contains(&format!("'{rule}'")));
        return if named && mode != "off" {
            Ok(false)
        } else {
            Err(format!(
                "hardrun refused without naming a rule:\n{}",
                out.stderr
            ))
        };
    }
    if out.code != Some(0) {
        return Err(format!("hardrun exited {:?}:\n{}", out.code, out.stderr));
    }
    let mut config = without_files(&project.root);
    config.extend(["-f", "-", "config", "--format", "json"]);
    let mut with_compose = vec!["compose"];
    with_compose.extend(config);
    let hardened = docker_in(sandbox, &with_compose, out.stdout.as_bytes());
    if !hardened.status.success() {
        return Err(format!(
            "Compose does not read what hardrun would hand it: {}",
            String::from_utf8_lossy(&hardened.stderr)
        ));
    }
    let hardened = json_of(&hardened, "docker compose -f - config");
    let empty = Map::new();
    let services = user["services"].as_object().unwrap_or(&empty);
    let mut problems = Vec::new();
    for (name, service) in services {
        let Some(theirs) = hardened["services"].get(name) else {
            problems.push(format!("service {name} is gone"));
            continue;
        };
        if mode == "off" {
            let (u, h) = (without_provenance(service), without_provenance(theirs));
            for path in compare::differences(&u, &h) {
                problems.push(format!(
                    "services.{name}.{path} differs with every rule off"
                ));
            }
            continue;
        }
        for lost in compare::not_kept(service, &Value::Null, theirs, &[]) {
            let said = tightening_rule(&lost.path).is_some_and(|rule| {
                out.stderr
                    .lines()
                    .any(|l| l.contains(" tightened ") && l.contains(&format!("({rule}:")))
            });
            if !said {
                problems.push(format!(
                    "services.{name}.{}: the user's {} became {}",
                    lost.path,
                    lost.user.map_or("(absent)".into(), |v| v.to_string()),
                    lost.hardened.map_or("(absent)".into(), |v| v.to_string())
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(true)
    } else {
        Err(problems.join("\n      "))
    }
}

#[test]
fn compose_is_the_oracle_for_projects() {
    let Some(_) = compose_sandbox() else {
        return; // said loudly by the gate; a failure under .ci/run
    };
    let rules = rule_ids();
    let seed = super::env_number("HARDRUN_DIFF_SEED", 13);
    let mut projects: Vec<Project> = PRINTED
        .iter()
        .map(|(fixture, root, _)| Project {
            name: format!("tests/fixtures/compose/{fixture} {}", root.join(" ")),
            files: Vec::new(),
            fixture: Some(fixture),
            root: root.to_vec(),
        })
        .collect();
    projects.extend(generated(seed, 6));
    let mut off = String::from("description: every rule off\ncatalogue: off\nrules:\n");
    for rule in &rules {
        off.push_str(&format!("  {rule}: off\n"));
    }
    let modes = ["off", "baseline", "production", "strict", "development"];
    let results = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(project) = projects.get(index) else {
                        break;
                    };
                    let sandbox = compose_sandbox().expect("the compose gate passed");
                    if let Some(fixture) = project.fixture {
                        copy_fixture(&sandbox, fixture);
                    }
                    for (path, text) in &project.files {
                        sandbox.write(path, text);
                    }
                    let off_profile = sandbox.write("hr-diff-off.yaml", &off);
                    let off_profile = off_profile.to_string_lossy().into_owned();
                    let mut config = vec!["compose"];
                    config.extend(&project.root);
                    config.extend(["config", "--format", "json"]);
                    let user = docker_in(&sandbox, &config, b"");
                    let user =
                        json_of(&user, &format!("docker compose config of {}", project.name));
                    for mode in modes {
                        let profile = if mode == "off" {
                            off_profile.as_str()
                        } else {
                            mode
                        };
                        let verdict = verdict(&sandbox, project, &user, mode, profile, &rules);
                        results.lock().expect("results").push((
                            mode,
                            project.name.clone(),
                            verdict,
                        ));
                    }
                }
            });
        }
    });
    let results = results.into_inner().expect("results");
    let mut summary = format!(
        "compose differential: {} fixtures + {} generated projects (seed {seed})\n",
        PRINTED.len(),
        projects.len() - PRINTED.len()
    );
    let mut failures = Vec::new();
    for mode in modes {
        let (mut same, mut refused, mut mismatch) = (0, 0, 0);
        for (m, name, verdict) in &results {
            if *m != mode {
                continue;
            }
            match verdict {
                Ok(true) => same += 1,
                Ok(false) => refused += 1,
                Err(why) => {
                    mismatch += 1;
                    failures.push(format!("[{mode}] {name}:\n      {why}"));
                }
            }
        }
        summary.push_str(&format!(
            "  {mode:<11} SAME {same:>3}  REFUSED {refused:>3}  MISMATCH {mismatch}\n"
        ));
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), summary.as_bytes());
    assert!(
        failures.is_empty(),
        "{} mismatch(es) between Compose and hardrun:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

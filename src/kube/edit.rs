//! A plan's edits written into a pod template in Kubernetes' own terms. Pure.
//!
//! | edit | written |
//! |---|---|
//! | read-only root | `securityContext.readOnlyRootFilesystem: true` |
//! | tmpfs at a path | an `emptyDir` volume `{medium: Memory, sizeLimit}` and its `volumeMounts` entry; the `sizeLimit` of the user's memory `emptyDir` there when it has none |
//! | cap drop/add | `securityContext.capabilities.drop`/`add` entries |
//! | no-new-privileges | `securityContext.allowPrivilegeEscalation: false` |
//! | user `uid[:gid]` | `runAsUser`, `runAsGroup`, `runAsNonRoot: true` |
//! | memory, cpus | `resources.limits.memory`/`cpu` (a larger request is lowered to the limit) |
//! | health command | `livenessProbe.exec.command: [/bin/sh, -c, …]` |
//! | health timings | `periodSeconds`, `timeoutSeconds`, `failureThreshold`, `initialDelaySeconds` of the probe read |
//! | restart | the pod's `restartPolicy`: `Always`, or `OnFailure` in a Job's pod |
//! | label | the container's entry in the pod template's annotation `io.hardrun/CONTAINER`, a JSON object |
//!
//! Edits with no equivalent were taken out of the plan by `limits`; they change nothing here.
//! The user's values are changed only where the plan tightens them; nothing else is removed.

use crate::docker::values::{parse_bytes, parse_cpus, parse_duration};
use crate::spec::Edit;

use super::limits::{Default, numeric_user};
use super::manifest::{Container, PROBES, Workload};
use super::quantity::{self, bytes_quantity, cpu_quantity};
use super::yaml::{Node, Value};

/// The root of one workload in its document: the document's root, or the `List` item.
pub fn workload_root<'a>(document: &'a mut Node, workload: &Workload) -> Option<&'a mut Node> {
    match workload.item {
        Some(at) => match &mut document.get_mut("items")?.value {
            Value::Seq(items) => items.get_mut(at),
            _ => None,
        },
        None => Some(document),
    }
}

/// Writes `edits` and `defaults` for `container` into its workload, whose root is `root`.
/// Returns whether anything was written.
pub fn apply(
    root: &mut Node,
    workload: &Workload,
    container: &Container,
    edits: &[Edit],
    defaults: &[Default],
) -> bool {
    if edits.is_empty() && defaults.is_empty() {
        return false;
    }
    let (template_path, _) = workload.pod_path.split_at(workload.pod_path.len() - 1);
    let mut annotations = Vec::new();
    {
        let Some(pod) = walk(root, workload.pod_path) else {
            return false;
        };
        let list = if container.init {
            "initContainers"
        } else {
            "containers"
        };
        for edit in edits {
            match edit {
                Edit::Restart(_) => {
                    let policy = if matches!(workload.kind.as_str(), "Job" | "CronJob") {
                        "OnFailure"
                    } else {
                        "Always"
                    };
                    pod.set("restartPolicy", Node::text(policy));
                }
                Edit::Tmpfs { target, options } => scratch(pod, list, container, target, options),
                Edit::Label { key, value } => annotations.push((key.clone(), value.clone())),
                _ => {}
            }
        }
        let Some(entry) = pod.get_mut(list).and_then(|l| match &mut l.value {
            Value::Seq(items) => items.get_mut(container.index),
            _ => None,
        }) else {
            return false;
        };
        for edit in edits {
            container_edit(entry, edit);
        }
        for default in defaults {
            let Some(security) = entry.child("securityContext") else {
                continue;
            };
            match default {
                Default::Seccomp => {
                    let mut profile = Node::map();
                    profile.set("type", Node::text("RuntimeDefault"));
                    security.set("seccompProfile", profile);
                }
                Default::NonRoot => security.set("runAsNonRoot", Node::plain("true")),
            }
        }
    }
    if !annotations.is_empty() {
        let template = if template_path.is_empty() {
            Some(&mut *root)
        } else {
            walk(root, template_path)
        };
        if let Some(notes) = template
            .and_then(|t| t.child("metadata"))
            .and_then(|m| m.child("annotations"))
        {
            let key = super::manifest::annotation_key(&container.name);
            let mut labels: serde_json::Map<String, serde_json::Value> = notes
                .get(&key)
                .and_then(Node::scalar)
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default();
            for (label, value) in annotations {
                labels.insert(label, serde_json::Value::String(value));
            }
            let record = serde_json::Value::Object(labels).to_string();
            notes.set(&key, Node::text(&record));
        }
    }
    true
}

fn walk<'a>(mut node: &'a mut Node, path: &[&str]) -> Option<&'a mut Node> {
    for step in path {
        node = node.get_mut(step)?;
    }
    Some(node)
}

/// An edit of the container's own entry.
fn container_edit(entry: &mut Node, edit: &Edit) {
    let set_security = |entry: &mut Node, key: &str, value: Node| {
        if let Some(security) = entry.child("securityContext") {
            security.set(key, value);
        }
    };
    match edit {
        Edit::ReadOnlyRootfs => {
            set_security(entry, "readOnlyRootFilesystem", Node::plain("true"));
        }
        Edit::NoNewPrivileges => {
            set_security(entry, "allowPrivilegeEscalation", Node::plain("false"));
        }
        Edit::CapDrop(cap) | Edit::CapAdd(cap) => {
            let key = if matches!(edit, Edit::CapDrop(_)) {
                "drop"
            } else {
                "add"
            };
            let cap = crate::docker::values::normalize_capability(cap);
            if let Some(list) = entry
                .child("securityContext")
                .and_then(|s| s.child("capabilities"))
                .and_then(|c| c.list(key))
                && !list.iter().any(|n| n.scalar() == Some(cap.as_str()))
            {
                list.push(Node::text(&cap));
            }
        }
        Edit::User(user) => {
            let Some((uid, gid)) = numeric_user(user) else {
                return;
            };
            set_security(entry, "runAsUser", Node::plain(uid.to_string()));
            if let Some(gid) = gid {
                set_security(entry, "runAsGroup", Node::plain(gid.to_string()));
            }
            set_security(entry, "runAsNonRoot", Node::plain("true"));
        }
        Edit::Memory(size) => {
            if let Some(bytes) = parse_bytes(size) {
                limit(
                    entry,
                    "memory",
                    bytes_quantity(bytes),
                    bytes,
                    quantity::quantity_bytes,
                );
            }
        }
        Edit::Cpus(cpus) => {
            if let Some(nano) = parse_cpus(cpus) {
                limit(
                    entry,
                    "cpu",
                    cpu_quantity(nano),
                    nano,
                    quantity::quantity_nano,
                );
            }
        }
        Edit::HealthCmd(command) => {
            let mut exec = Node::map();
            exec.set(
                "command",
                Node::new(Value::Seq(vec![
                    Node::text("/bin/sh"),
                    Node::text("-c"),
                    Node::text(command),
                ])),
            );
            if let Some(probe) = entry.child("livenessProbe") {
                probe.set("exec", exec);
            }
        }
        Edit::HealthInterval(d) => probe_seconds(entry, "periodSeconds", d),
        Edit::HealthTimeout(d) => probe_seconds(entry, "timeoutSeconds", d),
        Edit::HealthStartPeriod(d) => probe_seconds(entry, "initialDelaySeconds", d),
        Edit::HealthRetries(n) => {
            if let Some(probe) = probe(entry) {
                probe.set("failureThreshold", Node::plain(n.to_string()));
            }
        }
        _ => {}
    }
}

/// The probe the health check was read from, else a new `livenessProbe`.
fn probe(entry: &mut Node) -> Option<&mut Node> {
    let key = PROBES
        .iter()
        .find(|key| entry.get(key).is_some())
        .copied()
        .unwrap_or(PROBES[0]);
    entry.child(key)
}

fn probe_seconds(entry: &mut Node, key: &str, duration: &str) {
    let Some(nanos) = parse_duration(duration) else {
        return;
    };
    let seconds = (nanos + 999_999_999) / 1_000_000_000;
    let minimum = if key == "initialDelaySeconds" { 0 } else { 1 };
    if let Some(probe) = probe(entry) {
        probe.set(key, Node::plain(seconds.max(minimum).to_string()));
    }
}

/// Sets `resources.limits.KEY`, and lowers a request above it (the API refuses a request
/// above its limit).
fn limit(entry: &mut Node, key: &str, quantity: String, value: i64, read: fn(&str) -> Option<i64>) {
    let Some(resources) = entry.child("resources") else {
        return;
    };
    if let Some(limits) = resources.child("limits") {
        limits.set(key, Node::text(&quantity));
    }
    let request = resources
        .get("requests")
        .and_then(|r| r.get(key))
        .and_then(Node::scalar)
        .and_then(read);
    if request.is_some_and(|r| r > value)
        && let Some(requests) = resources.child("requests")
    {
        requests.set(key, Node::text(&quantity));
    }
}

/// A memory-backed `emptyDir` at `target`: the `sizeLimit` of the user's when one is mounted
/// there without it, else a volume of hardrun's own and its mount.
fn scratch(pod: &mut Node, list: &str, container: &Container, target: &str, options: &str) {
    let size = options
        .split(',')
        .find_map(|o| o.strip_prefix("size="))
        .and_then(parse_bytes);
    let target = target.trim_end_matches('/');
    let mounted = container
        .spec
        .mounts
        .iter()
        .any(|m| m.value.target.trim_end_matches('/') == target);
    let entry_mounts = pod
        .get(list)
        .and_then(Node::items)
        .and_then(|items| items.get(container.index))
        .and_then(|entry| entry.get("volumeMounts"))
        .and_then(Node::items)
        .unwrap_or_default();
    let existing = entry_mounts
        .iter()
        .find(|m| {
            m.get("mountPath")
                .and_then(Node::scalar)
                .map(|p| p.trim_end_matches('/'))
                == Some(target)
        })
        .and_then(|m| m.get("name").and_then(Node::scalar))
        .map(str::to_owned);
    if mounted {
        // The user's memory emptyDir there: give it a size.
        let (Some(name), Some(size)) = (existing, size) else {
            return;
        };
        if let Some(Value::Seq(volumes)) = pod.get_mut("volumes").map(|v| &mut v.value)
            && let Some(empty) = volumes
                .iter_mut()
                .find(|v| v.get("name").and_then(Node::scalar) == Some(name.as_str()))
                .and_then(|v| v.child("emptyDir"))
        {
            empty.set("sizeLimit", Node::text(&bytes_quantity(size)));
        }
        return;
    }
    let name = volume_name(&container.name, target);
    let mut empty = Node::map();
    empty.set("medium", Node::text("Memory"));
    if let Some(size) = size {
        empty.set("sizeLimit", Node::text(&bytes_quantity(size)));
    }
    let mut volume = Node::map();
    volume.set("name", Node::text(&name));
    volume.set("emptyDir", empty);
    if let Some(volumes) = pod.list("volumes")
        && !volumes
            .iter()
            .any(|v| v.get("name").and_then(Node::scalar) == Some(name.as_str()))
    {
        volumes.push(volume);
    }
    let mut mount = Node::map();
    mount.set("name", Node::text(&name));
    mount.set("mountPath", Node::text(target));
    if let Some(Value::Seq(items)) = pod.get_mut(list).map(|l| &mut l.value)
        && let Some(mounts) = items
            .get_mut(container.index)
            .and_then(|e| e.list("volumeMounts"))
    {
        mounts.push(mount);
    }
}

/// A volume name of hardrun's for one container's scratch path: `hardrun-app-var-tmp`, a DNS
/// label of at most 63 characters.
pub fn volume_name(container: &str, target: &str) -> String {
    let words: String = format!("hardrun-{container}-{}", target.trim_matches('/'))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut name = String::new();
    for c in words.chars() {
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    name.truncate(63);
    name.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_names_are_dns_labels() {
        assert_eq!(volume_name("app", "/var/tmp/"), "hardrun-app-var-tmp");
        assert_eq!(volume_name("App_1", "/tmp"), "hardrun-app-1-tmp");
        let long = volume_name(&"a".repeat(70), "/tmp");
        assert_eq!(long.len(), 63);
    }
}

//! A Kubernetes manifest read into its workloads: the pod template of every Pod, Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, Job and CronJob (also inside a `kind: List`), each of its
//! containers and init containers as a `ContainerSpec`, with the line and column of the
//! container and of every field read, so that a message (or a SARIF result) can point at it.
//!
//! `read(text, file)` is the whole API, and pure; `container` reads each container's fields. The pod's `securityContext` applies to every
//! container that does not set the field itself, as the kubelet applies it. Documents of any
//! other kind, or of a kind above in an API group that is not Kubernetes' own (a CRD may be
//! called `Deployment`), are kept and yield no workload. What a field means in docker's terms:
//!
//! | Kubernetes | `ContainerSpec` |
//! |---|---|
//! | `securityContext.privileged` | `privileged` |
//! | `allowPrivilegeEscalation` | `no-new-privileges=true` (false) or `=false` (true) |
//! | `readOnlyRootFilesystem` | `read_only` |
//! | `capabilities.add`/`drop` | `cap_add`/`cap_drop` (only as Kubernetes compares them) |
//! | `runAsUser`[`:runAsGroup`] | `user` |
//! | `seccompProfile`, `appArmorProfile` `Unconfined` | `seccomp=unconfined`, `apparmor=unconfined` |
//! | `hostNetwork`/`hostPID`/`hostIPC` | `network`/`pid`/`ipc` `host` |
//! | `volumeMounts` of `hostPath` | bind mounts; of `emptyDir` `medium: Memory`, tmpfs (`size=` from `sizeLimit`); others volumes |
//! | `resources.limits.memory`/`cpu` | `memory`, `nano_cpus` |
//! | `livenessProbe` (else `readinessProbe`, `startupProbe`) | `health` |
//! | `ports[].hostPort` | published ports |
//! | `env[].value` | the environment |
//! | `restartPolicy` (default `Always`) | `restart`: `always`, `on-failure` (also a Job's `Never`: the Job retries), `no` |
//! | the pod template's annotation `io.hardrun/CONTAINER` (a JSON object) | labels |

use thiserror::Error;

use crate::spec::ContainerSpec;

use super::yaml::{self, Document, Node, Value};

mod container;

/// A 1-based line and column in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

impl Position {
    fn of(node: &Node) -> Position {
        Position {
            line: node.line,
            column: node.column,
        }
    }
}

/// A field that was read, by its path from the document's (or `List` item's) root, such as
/// `spec.template.spec.containers[0].securityContext.privileged`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub path: String,
    pub at: Position,
}

/// One container of a pod template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    /// An entry of `initContainers` rather than `containers`.
    pub init: bool,
    /// Its index in `containers` or `initContainers`.
    pub index: usize,
    pub spec: ContainerSpec,
    /// Where the container's entry starts.
    pub at: Position,
    /// Every field read for it, its pod's included, in the order read.
    pub fields: Vec<Field>,
}

/// A workload: a resource with a pod template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub kind: String,
    /// `metadata.name`, empty when missing.
    pub name: String,
    pub namespace: Option<String>,
    /// The index of its document in `Manifest::documents`.
    pub document: usize,
    /// Its index in `items` when the document is a `kind: List`.
    pub item: Option<usize>,
    pub at: Position,
    /// The path from its root to the pod spec (`spec.template.spec`).
    pub pod_path: &'static [&'static str],
    pub containers: Vec<Container>,
}

impl Workload {
    /// How messages name a container: `Deployment/web/app`.
    pub fn container_name(&self, container: &Container) -> String {
        format!("{}/{}/{}", self.kind, self.name, container.name)
    }
}

/// A manifest: its documents as written, and the workloads found in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub documents: Vec<Document>,
    pub workloads: Vec<Workload>,
}

impl Manifest {
    /// The pod spec and the entry of container `c` of workload `w`, as their document holds
    /// them.
    pub fn pod_and_entry(&self, w: usize, c: usize) -> (Option<&Node>, Option<&Node>) {
        let workload = &self.workloads[w];
        let container = &workload.containers[c];
        let mut node = self.documents[workload.document].root.as_ref();
        if let Some(item) = workload.item {
            node = node
                .and_then(|n| n.get("items"))
                .and_then(Node::items)
                .and_then(|items| items.get(item));
        }
        for step in workload.pod_path {
            node = node.and_then(|n| n.get(step));
        }
        let list = if container.init {
            "initContainers"
        } else {
            "containers"
        };
        let entry = node
            .and_then(|n| n.get(list))
            .and_then(Node::items)
            .and_then(|items| items.get(container.index));
        (node, entry)
    }
}

/// Why a manifest cannot be read with certainty.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}:{column}: {message}\nhelp: {help}")]
pub struct ManifestError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub help: String,
}

/// The kinds with a pod template, the API groups they belong to, and the path to the pod spec.
const WORKLOADS: &[(&str, &[&str], &[&str])] = &[
    ("Pod", &[""], &["spec"]),
    (
        "Deployment",
        &["apps", "extensions"],
        &["spec", "template", "spec"],
    ),
    ("StatefulSet", &["apps"], &["spec", "template", "spec"]),
    (
        "DaemonSet",
        &["apps", "extensions"],
        &["spec", "template", "spec"],
    ),
    (
        "ReplicaSet",
        &["apps", "extensions"],
        &["spec", "template", "spec"],
    ),
    ("Job", &["batch"], &["spec", "template", "spec"]),
    (
        "CronJob",
        &["batch"],
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// The pod spec's path for a kind of workload in an API version, if it is one.
pub fn pod_path(kind: &str, api_version: &str) -> Option<&'static [&'static str]> {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    WORKLOADS
        .iter()
        .find(|(k, groups, _)| *k == kind && groups.contains(&group))
        .map(|(_, _, path)| *path)
}

/// Reads a manifest (one or more YAML documents) named `file` in messages.
pub fn read(text: &str, file: &str) -> Result<Manifest, ManifestError> {
    let documents = yaml::parse_stream(text).map_err(|e| ManifestError {
        file: file.into(),
        line: e.line,
        column: e.column,
        message: e.message(),
        help: "hardrun reads the manifest's YAML before kubectl does; fix the YAML, or run kubectl without hardrun".into(),
    })?;
    let reader = Reader { file };
    let mut workloads = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        let Some(root) = &document.root else { continue };
        if kind_of(root) == Some("List") {
            let items = root.get("items").and_then(Node::items).unwrap_or_default();
            for (at, item) in items.iter().enumerate() {
                if let Some(workload) = reader.workload(item, index, Some(at))? {
                    workloads.push(workload);
                }
            }
        } else if let Some(workload) = reader.workload(root, index, None)? {
            workloads.push(workload);
        }
    }
    Ok(Manifest {
        documents,
        workloads,
    })
}

fn kind_of(node: &Node) -> Option<&str> {
    node.get("kind").and_then(Node::scalar)
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn error(&self, node: &Node, message: String, help: &str) -> ManifestError {
        ManifestError {
            file: self.file.into(),
            line: node.line,
            column: node.column,
            message,
            help: help.into(),
        }
    }

    fn workload(
        &self,
        root: &Node,
        document: usize,
        item: Option<usize>,
    ) -> Result<Option<Workload>, ManifestError> {
        let (Some(kind), api_version) = (
            kind_of(root),
            root.get("apiVersion").and_then(Node::scalar).unwrap_or(""),
        ) else {
            return Ok(None);
        };
        let Some(path) = pod_path(kind, api_version) else {
            return Ok(None);
        };
        let metadata = root.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar)
            .unwrap_or_default()
            .to_owned();
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::scalar)
            .map(str::to_owned);
        let mut pod = Some(root);
        for step in path {
            pod = pod.and_then(|n| n.get(step));
        }
        let mut workload = Workload {
            kind: kind.to_owned(),
            name,
            namespace,
            document,
            item,
            at: Position::of(root),
            pod_path: path,
            containers: Vec::new(),
        };
        let Some(pod) = pod.filter(|p| matches!(p.value, Value::Map(_))) else {
            return Ok(Some(workload));
        };
        // The pod template's metadata: the pod's own for a Pod.
        let template_metadata = if path.len() == 1 {
            metadata
        } else {
            let mut node = Some(root);
            for step in &path[..path.len() - 1] {
                node = node.and_then(|n| n.get(step));
            }
            node.and_then(|n| n.get("metadata"))
        };
        let pod_prefix = path.join(".");
        for (list, init) in [("initContainers", true), ("containers", false)] {
            let Some(entries) = pod.get(list) else {
                continue;
            };
            let Some(items) = entries.items() else {
                return Err(self.error(
                    entries,
                    format!("{list} is {}, not a list", entries.value.kind()),
                    "write the containers as a list of mappings",
                ));
            };
            for (index, entry) in items.iter().enumerate() {
                let prefix = format!("{pod_prefix}.{list}[{index}]");
                let container = self.container(
                    kind,
                    pod,
                    &pod_prefix,
                    template_metadata,
                    entry,
                    &prefix,
                    (index, init),
                )?;
                workload.containers.push(container);
            }
        }
        Ok(Some(workload))
    }
}

/// The annotation that holds hardrun's labels for one container of a pod template.
pub fn annotation_key(container: &str) -> String {
    format!("io.hardrun/{container}")
}

/// The probes, in the order the first present one is read as the health check.
pub const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;

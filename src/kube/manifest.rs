//! A Kubernetes manifest read into its workloads: the pod template of every Pod, Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, Job and CronJob (also inside a `kind: List`), each of its
//! containers and init containers as a `ContainerSpec`, with the line and column of the
//! container and of every field read, so that a message (or a SARIF result) can point at it.
//!
//! `read(text, file)` is the whole API, and pure. The pod's `securityContext` applies to every
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

use crate::spec::{ContainerSpec, EnvSource, EnvVar, Health, Mount, MountKind, Port, Sourced};

use super::yaml::{self, Document, Node, Value};

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

/// What is read of one container: its spec and the fields read.
struct Reading<'a> {
    reader: &'a Reader<'a>,
    spec: ContainerSpec,
    fields: Vec<Field>,
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

    #[allow(clippy::too_many_arguments)]
    fn container(
        &self,
        kind: &str,
        pod: &Node,
        pod_prefix: &str,
        template_metadata: Option<&Node>,
        entry: &Node,
        prefix: &str,
        (index, init): (usize, bool),
    ) -> Result<Container, ManifestError> {
        if !matches!(entry.value, Value::Map(_)) {
            return Err(self.error(
                entry,
                format!("a container is {}, not a mapping", entry.value.kind()),
                "write each container as a mapping with a name and an image",
            ));
        }
        let name = entry
            .get("name")
            .and_then(Node::scalar)
            .unwrap_or_default()
            .to_owned();
        let mut reading = Reading {
            reader: self,
            spec: ContainerSpec::default(),
            fields: Vec::new(),
        };
        if let Some(image) = entry.get("image") {
            reading.field(&format!("{prefix}.image"), image);
            reading.spec.image = image.scalar().unwrap_or_default().to_owned();
        }
        reading.security(pod, pod_prefix, entry, prefix)?;
        reading.host_namespaces(pod, pod_prefix)?;
        reading.mounts(pod, pod_prefix, entry, prefix)?;
        reading.resources(entry, prefix)?;
        reading.health(entry, prefix)?;
        reading.ports(entry, prefix)?;
        reading.env(entry, prefix);
        reading.restart(kind, pod, pod_prefix);
        reading.annotations(template_metadata, &name);
        Ok(Container {
            name,
            init,
            index,
            spec: reading.spec,
            at: Position::of(entry),
            fields: reading.fields,
        })
    }
}

impl Reading<'_> {
    /// Records a field and returns how it is quoted in messages: `path: value (file:line:col)`.
    fn field(&mut self, path: &str, node: &Node) -> String {
        self.fields.push(Field {
            path: path.to_owned(),
            at: Position::of(node),
        });
        let short = path
            .rsplit_once(']')
            .map_or(path, |(_, rest)| rest.trim_start_matches('.'));
        let short = short.rsplit_once("spec.").map_or(short, |(_, rest)| rest);
        let shown = match &node.value {
            Value::Scalar { text, .. } => text.clone(),
            Value::Seq(_) => "[…]".into(),
            Value::Map(_) => "{…}".into(),
        };
        format!(
            "{short}: {shown} ({}:{}:{})",
            self.reader.file, node.line, node.column
        )
    }

    fn boolean(&mut self, path: &str, node: &Node) -> Result<Sourced<bool>, ManifestError> {
        let Some(value) = node.as_bool() else {
            return Err(self.reader.error(
                node,
                format!("{path} takes true or false, not {:?}", scalar_text(node)),
                "write true or false, unquoted",
            ));
        };
        let origin = self.field(path, node);
        Ok(Sourced::new(value, origin))
    }

    fn integer(&mut self, path: &str, node: &Node) -> Result<(i64, String), ManifestError> {
        let Some(value) = node.as_int() else {
            return Err(self.reader.error(
                node,
                format!("{path} takes a whole number, not {:?}", scalar_text(node)),
                "write a decimal number, unquoted",
            ));
        };
        let origin = self.field(path, node);
        Ok((value, origin))
    }

    /// The container's `securityContext`, field by field falling back to the pod's.
    fn security(
        &mut self,
        pod: &Node,
        pod_prefix: &str,
        entry: &Node,
        prefix: &str,
    ) -> Result<(), ManifestError> {
        let own = entry.get("securityContext");
        let shared = pod.get("securityContext");
        let pick = |key: &str| -> Option<(String, &Node)> {
            own.and_then(|c| c.get(key))
                .filter(|v| !v.value.is_null())
                .map(|v| (format!("{prefix}.securityContext.{key}"), v))
                .or_else(|| {
                    shared
                        .and_then(|c| c.get(key))
                        .filter(|v| !v.value.is_null())
                        .map(|v| (format!("{pod_prefix}.securityContext.{key}"), v))
                })
        };
        let container_only = |key: &str| {
            own.and_then(|c| c.get(key))
                .filter(|v| !v.value.is_null())
                .map(|v| (format!("{prefix}.securityContext.{key}"), v))
        };
        if let Some((path, node)) = container_only("privileged") {
            self.spec.privileged = Some(self.boolean(&path, node)?);
        }
        if let Some((path, node)) = container_only("readOnlyRootFilesystem") {
            self.spec.read_only = Some(self.boolean(&path, node)?);
        }
        if let Some((path, node)) = container_only("allowPrivilegeEscalation") {
            let allowed = self.boolean(&path, node)?;
            let option = format!("no-new-privileges={}", !allowed.value);
            self.spec
                .security_opts
                .push(Sourced::new(option, allowed.origin));
        }
        if let Some((path, capabilities)) = container_only("capabilities") {
            for (key, list) in [("add", true), ("drop", false)] {
                let Some(names) = capabilities.get(key) else {
                    continue;
                };
                let Some(items) = names.items() else {
                    return Err(self.reader.error(
                        names,
                        format!("{path}.{key} is {}, not a list", names.value.kind()),
                        "write the capabilities as a list, such as [ALL]",
                    ));
                };
                for (at, item) in items.iter().enumerate() {
                    let text = item.scalar().unwrap_or_default();
                    let canonical = crate::docker::values::normalize_capability(text);
                    if canonical != text {
                        return Err(self.reader.error(
                            item,
                            format!("capability {text:?} is not written as Kubernetes compares capabilities"),
                            &format!("write {canonical:?}: Kubernetes' Pod Security Standards compare the names exactly, in upper case and without CAP_"),
                        ));
                    }
                    let origin = self.field(&format!("{path}.{key}[{at}]"), item);
                    let cap = Sourced::new(canonical, origin);
                    if list {
                        self.spec.cap_add.push(cap);
                    } else {
                        self.spec.cap_drop.push(cap);
                    }
                }
            }
        }
        let user = pick("runAsUser");
        let group = pick("runAsGroup");
        if let Some((path, node)) = user {
            let (uid, mut origin) = self.integer(&path, node)?;
            let mut text = uid.to_string();
            if let Some((path, node)) = group {
                let (gid, group_origin) = self.integer(&path, node)?;
                text = format!("{uid}:{gid}");
                origin = format!("{origin}, {group_origin}");
            }
            self.spec.user = Some(Sourced::new(text, origin));
        }
        if let Some((path, node)) = pick("runAsNonRoot") {
            self.boolean(&path, node)?;
        }
        for (key, option) in [
            ("seccompProfile", "seccomp"),
            ("appArmorProfile", "apparmor"),
        ] {
            let Some((path, profile)) = pick(key) else {
                continue;
            };
            let Some(kind) = profile.get("type") else {
                continue;
            };
            let origin = self.field(&format!("{path}.type"), kind);
            let value = match kind.scalar().unwrap_or_default() {
                "Unconfined" => "unconfined".to_owned(),
                "Localhost" => profile
                    .get("localhostProfile")
                    .and_then(Node::scalar)
                    .unwrap_or("localhost")
                    .to_owned(),
                _ => continue,
            };
            self.spec
                .security_opts
                .push(Sourced::new(format!("{option}={value}"), origin));
        }
        Ok(())
    }

    fn host_namespaces(&mut self, pod: &Node, pod_prefix: &str) -> Result<(), ManifestError> {
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            let Some(node) = pod.get(key).filter(|v| !v.value.is_null()) else {
                continue;
            };
            let on = self.boolean(&format!("{pod_prefix}.{key}"), node)?;
            if !on.value {
                continue;
            }
            let value = Some(Sourced::new("host".to_owned(), on.origin));
            match key {
                "hostNetwork" => self.spec.network = value,
                "hostPID" => self.spec.pid = value,
                _ => self.spec.ipc = value,
            }
        }
        Ok(())
    }

    /// Each `volumeMounts` entry, as the pod's volume of that name makes it.
    fn mounts(
        &mut self,
        pod: &Node,
        pod_prefix: &str,
        entry: &Node,
        prefix: &str,
    ) -> Result<(), ManifestError> {
        let volumes = pod.get("volumes").and_then(Node::items).unwrap_or_default();
        let mounts = entry
            .get("volumeMounts")
            .and_then(Node::items)
            .unwrap_or_default();
        for (at, mount) in mounts.iter().enumerate() {
            let path = format!("{prefix}.volumeMounts[{at}]");
            let Some(target) = mount.get("mountPath").and_then(Node::scalar) else {
                continue;
            };
            let name = mount.get("name").and_then(Node::scalar).unwrap_or_default();
            let read_only = match mount.get("readOnly").filter(|v| !v.value.is_null()) {
                Some(node) => self.boolean(&format!("{path}.readOnly"), node)?.value,
                None => false,
            };
            let volume = volumes
                .iter()
                .enumerate()
                .find(|(_, v)| v.get("name").and_then(Node::scalar) == Some(name));
            let mut value = Mount {
                kind: MountKind::Volume,
                source: Some(name.to_owned()),
                target: target.to_owned(),
                read_only,
                propagation: mount
                    .get("mountPropagation")
                    .and_then(Node::scalar)
                    .map(str::to_owned),
                tmpfs_options: String::new(),
                bind_device: None,
            };
            let at = mount.get("mountPath").unwrap_or(mount);
            let mut origin = self.field(&format!("{path}.mountPath"), at);
            if let Some((index, volume)) = volume {
                let volume_path = format!("{pod_prefix}.volumes[{index}]");
                if let Some(host) = volume.get("hostPath") {
                    value.kind = MountKind::Bind;
                    value.source = host.get("path").and_then(Node::scalar).map(str::to_owned);
                    let at = host.get("path").unwrap_or(host);
                    origin = format!(
                        "{origin} from {}",
                        self.field(&format!("{volume_path}.hostPath.path"), at)
                    );
                } else if let Some(empty) = volume.get("emptyDir")
                    && empty.get("medium").and_then(Node::scalar) == Some("Memory")
                {
                    value.kind = MountKind::Tmpfs;
                    value.source = None;
                    if let Some(size) = empty.get("sizeLimit") {
                        let text = size.scalar().unwrap_or_default();
                        let Some(bytes) = quantity_bytes(text) else {
                            return Err(self.reader.error(
                                size,
                                format!("sizeLimit {text:?} is not a quantity"),
                                "write a size such as 64Mi",
                            ));
                        };
                        self.field(&format!("{volume_path}.emptyDir.sizeLimit"), size);
                        value.tmpfs_options = format!("size={bytes}");
                    }
                }
            }
            self.spec.mounts.push(Sourced::new(value, origin));
        }
        Ok(())
    }

    fn resources(&mut self, entry: &Node, prefix: &str) -> Result<(), ManifestError> {
        let Some(resources) = entry.get("resources") else {
            return Ok(());
        };
        // A request is no docker reservation: a request above the limit the plan sets is
        // lowered to it (`edit`), where the engine would refuse the limit.
        let wanted = [("limits", "memory"), ("limits", "cpu")];
        for (group, key) in wanted {
            let Some(node) = resources.get(group).and_then(|g| g.get(key)) else {
                continue;
            };
            let text = node.scalar().unwrap_or_default();
            let value = if key == "cpu" {
                quantity_nano(text)
            } else {
                quantity_bytes(text)
            };
            let Some(value) = value else {
                return Err(self.reader.error(
                    node,
                    format!("resources.{group}.{key} {text:?} is not a quantity"),
                    "write a quantity such as 512Mi or 500m",
                ));
            };
            let origin = self.field(&format!("{prefix}.resources.{group}.{key}"), node);
            let value = Some(Sourced::new(value, origin));
            if key == "memory" {
                self.spec.memory = value;
            } else {
                self.spec.nano_cpus = value;
            }
        }
        Ok(())
    }

    /// The first probe of `livenessProbe`, `readinessProbe`, `startupProbe`.
    fn health(&mut self, entry: &Node, prefix: &str) -> Result<(), ManifestError> {
        let Some((key, probe)) = PROBES
            .iter()
            .find_map(|key| entry.get(key).map(|p| (*key, p)))
        else {
            return Ok(());
        };
        let path = format!("{prefix}.{key}");
        let origin = self.field(&path, probe);
        let mut health = Health {
            command: Some(Sourced::new(probe_summary(probe), origin)),
            ..Health::default()
        };
        let seconds = |n: i64| n.saturating_mul(1_000_000_000);
        for (field, slot) in [
            ("periodSeconds", &mut health.interval),
            ("timeoutSeconds", &mut health.timeout),
            ("initialDelaySeconds", &mut health.start_period),
            ("failureThreshold", &mut health.retries),
        ] {
            if let Some(node) = probe.get(field) {
                let (n, _) = self.integer(&format!("{path}.{field}"), node)?;
                *slot = Some(if field == "failureThreshold" {
                    n
                } else {
                    seconds(n)
                });
            }
        }
        self.spec.health = health;
        Ok(())
    }

    fn ports(&mut self, entry: &Node, prefix: &str) -> Result<(), ManifestError> {
        let ports = entry.get("ports").and_then(Node::items).unwrap_or_default();
        for (at, port) in ports.iter().enumerate() {
            let Some(host_port) = port.get("hostPort").filter(|p| !p.value.is_null()) else {
                continue;
            };
            let origin = self.field(&format!("{prefix}.ports[{at}].hostPort"), host_port);
            let text = |key: &str| port.get(key).and_then(Node::scalar).map(str::to_owned);
            self.spec.ports.push(Sourced::new(
                Port {
                    host_ip: text("hostIP").filter(|ip| ip != "0.0.0.0" && ip != "::"),
                    host_port: host_port.scalar().map(str::to_owned),
                    container_port: text("containerPort").unwrap_or_default(),
                },
                origin,
            ));
        }
        Ok(())
    }

    fn env(&mut self, entry: &Node, prefix: &str) {
        let vars = entry.get("env").and_then(Node::items).unwrap_or_default();
        for (at, var) in vars.iter().enumerate() {
            let Some(name) = var.get("name").and_then(Node::scalar) else {
                continue;
            };
            // `valueFrom` (a Secret, a ConfigMap, a field) keeps the value out of the manifest.
            let Some(value) = var.get("value") else {
                continue;
            };
            let path = format!("{prefix}.env[{at}].value");
            self.fields.push(Field {
                path,
                at: Position::of(value),
            });
            self.spec.env.push(EnvVar {
                name: name.to_owned(),
                value: Some(value.scalar().unwrap_or_default().to_owned()),
                origin: format!(
                    "env {name}=*** ({}:{}:{})",
                    self.reader.file, value.line, value.column
                ),
                source: EnvSource::Container,
            });
        }
    }

    fn restart(&mut self, kind: &str, pod: &Node, pod_prefix: &str) {
        let (policy, origin) = match pod
            .get("restartPolicy")
            .and_then(|n| n.scalar().map(|t| (t, n)))
        {
            Some((text, node)) => (
                text.to_owned(),
                self.field(&format!("{pod_prefix}.restartPolicy"), node),
            ),
            // A Job's pods have no default; kubectl refuses a Job without one.
            None if matches!(kind, "Job" | "CronJob") => return,
            None => (
                "Always".to_owned(),
                "restartPolicy: Always (the default)".to_owned(),
            ),
        };
        // A Job's controller starts a new pod for a failed one (`backoffLimit` times), so a
        // Job's pods restart on failure whatever their own policy.
        let job = matches!(kind, "Job" | "CronJob");
        let value = match policy.as_str() {
            "Always" => "always",
            "OnFailure" => "on-failure",
            _ if job => "on-failure",
            _ => "no",
        };
        let origin = if job && policy != "OnFailure" {
            format!("{origin}, retried by the Job's backoffLimit")
        } else {
            origin
        };
        self.spec.restart = Some(Sourced::new(value.to_owned(), origin));
    }

    /// hardrun's record on the pod template: the annotation `io.hardrun/CONTAINER`, a JSON
    /// object of the labels docker would carry (a pod's containers may differ in them).
    fn annotations(&mut self, metadata: Option<&Node>, container: &str) {
        let Some(record) = metadata
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(&annotation_key(container)))
        else {
            return;
        };
        let text = record.scalar().unwrap_or_default();
        let labels: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).unwrap_or_default();
        for (key, value) in labels {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            self.spec.labels.push((key, value));
        }
    }
}

/// The annotation that holds hardrun's labels for one container of a pod template.
pub fn annotation_key(container: &str) -> String {
    format!("io.hardrun/{container}")
}

/// The probes, in the order the first present one is read as the health check.
pub const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

/// A probe in words, as the health check's command.
fn probe_summary(probe: &Node) -> String {
    if let Some(exec) = probe.get("exec") {
        let words: Vec<&str> = exec
            .get("command")
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar)
            .collect();
        return format!("exec {}", words.join(" "));
    }
    for kind in ["httpGet", "tcpSocket", "grpc"] {
        if let Some(probe) = probe.get(kind) {
            let port = probe.get("port").and_then(Node::scalar).unwrap_or_default();
            let path = probe.get("path").and_then(Node::scalar).unwrap_or_default();
            return format!("{kind} {port}{path}");
        }
    }
    "probe".into()
}

fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, .. } => text.clone(),
        other => other.kind().to_owned(),
    }
}

/// A Kubernetes quantity (`512Mi`, `1G`, `1.5Gi`, `100m`, `1e3`) as a number of units, times
/// `scale`, rounded up as Kubernetes rounds a quantity to its smallest unit.
fn quantity(text: &str, scale: f64) -> Option<i64> {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let text = text.trim();
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
        .or_else(|| text.strip_suffix('P').map(|n| (n, 1e15)))
        .or_else(|| text.strip_suffix('E').map(|n| (n, 1e18)))
        .unwrap_or((text, 1.0));
    let valid = !number.is_empty()
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'e' | b'E'));
    let value: f64 = number.parse().ok().filter(|_| valid)?;
    let scaled = (value * factor * scale).ceil();
    (scaled.is_finite() && scaled >= 0.0 && scaled < i64::MAX as f64).then_some(scaled as i64)
}

/// A memory quantity in bytes.
pub fn quantity_bytes(text: &str) -> Option<i64> {
    quantity(text, 1.0)
}

/// A CPU quantity in billionths of a CPU.
pub fn quantity_nano(text: &str) -> Option<i64> {
    quantity(text, 1e9)
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;

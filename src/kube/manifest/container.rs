//! One container of a pod template read into a `ContainerSpec`, field by field, each field
//! recorded with its path and position: its `securityContext` (falling back to the pod's), the
//! pod's host namespaces, its mounts as the pod's volumes make them, resources, the first probe,
//! host ports, the environment, the pod's restart policy and hardrun's annotation. Pure.

use crate::spec::{ContainerSpec, EnvSource, EnvVar, Health, Mount, MountKind, Port, Sourced};

use super::super::quantity::{quantity_bytes, quantity_nano};
use super::super::yaml::{Node, Value};
use super::{Container, Field, ManifestError, PROBES, Position, Reader, annotation_key};

/// What is read of one container: its spec and the fields read.
struct Reading<'a> {
    reader: &'a Reader<'a>,
    spec: ContainerSpec,
    fields: Vec<Field>,
}

impl Reader<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn container(
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

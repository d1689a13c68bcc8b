//! The hardened manifest: every document as the user wrote it, but those hardrun changed,
//! which are written back from their trees (`yaml::write_document`). Pure.

use super::edit;
use super::limits::Default;
use super::manifest::{Container, Manifest, Workload};
use super::yaml::{self, Node, Value};
use crate::spec::Edit;

/// What to write into one container: its workload's and its own index in the manifest, the
/// plan's edits and the defaults Kubernetes needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEdits {
    pub workload: usize,
    pub container: usize,
    pub edits: Vec<Edit>,
    pub defaults: Vec<Default>,
    /// The variables whose values look secret: masked wherever the manifest is shown.
    pub secrets: Vec<String>,
}

/// The hardened stream: its text, the text as it may be shown (secret values masked), and its
/// documents as JSON (masked) for `--format json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hardened {
    pub text: String,
    pub shown: String,
    pub documents: Vec<serde_json::Value>,
    /// How many documents were changed.
    pub changed: usize,
}

/// Every document's tree with the containers' edits applied, and whether each was changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    pub roots: Vec<Option<Node>>,
    pub changed: Vec<bool>,
}

/// Applies every container's edits to a copy of its document.
pub fn edit(manifest: &Manifest, edits: &[ContainerEdits]) -> Edited {
    let mut roots: Vec<Option<Node>> = manifest.documents.iter().map(|d| d.root.clone()).collect();
    let mut changed = vec![false; roots.len()];
    for wanted in edits {
        let workload = &manifest.workloads[wanted.workload];
        let container = &workload.containers[wanted.container];
        let Some(root) = roots[workload.document]
            .as_mut()
            .and_then(|document| edit::workload_root(document, workload))
        else {
            continue;
        };
        if edit::apply(root, workload, container, &wanted.edits, &wanted.defaults) {
            changed[workload.document] = true;
        }
    }
    Edited { roots, changed }
}

/// Applies every container's edits to a copy of its document and writes the stream.
pub fn harden(manifest: &Manifest, edits: &[ContainerEdits]) -> Hardened {
    let Edited { roots, changed } = edit(manifest, edits);
    let text = write(manifest, &roots, &changed);
    let mut masked = changed.clone();
    let mut shown_roots = roots.clone();
    for wanted in edits.iter().filter(|w| !w.secrets.is_empty()) {
        let workload = &manifest.workloads[wanted.workload];
        let container = &workload.containers[wanted.container];
        if let Some(root) = shown_roots[workload.document]
            .as_mut()
            .and_then(|document| edit::workload_root(document, workload))
            && mask(root, workload, container, &wanted.secrets)
        {
            masked[workload.document] = true;
        }
    }
    let shown = write(manifest, &shown_roots, &masked);
    let documents = shown_roots.iter().flatten().map(yaml::to_json).collect();
    Hardened {
        text,
        shown,
        documents,
        changed: changed.iter().filter(|c| **c).count(),
    }
}

/// The stream: documents not `changed` as written, the others written from `roots`.
fn write(manifest: &Manifest, roots: &[Option<Node>], changed: &[bool]) -> String {
    let mut text = String::new();
    let mut after_written = false;
    for (index, document) in manifest.documents.iter().enumerate() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        match (&roots[index], changed[index]) {
            (Some(root), true) => {
                text.push_str(&yaml::write_document(root));
                after_written = true;
            }
            _ => {
                let starts = document.text.starts_with("---") || document.text.starts_with('%');
                if after_written && !starts {
                    text.push_str("---\n");
                }
                text.push_str(&document.text);
                after_written = false;
            }
        }
    }
    text
}

/// Masks the values of `secrets` in the container's `env`; whether any was there.
fn mask(root: &mut Node, workload: &Workload, container: &Container, secrets: &[String]) -> bool {
    let list = if container.init {
        "initContainers"
    } else {
        "containers"
    };
    let mut node = Some(root);
    for step in workload.pod_path.iter().copied().chain([list]) {
        node = node.and_then(|n| n.get_mut(step));
    }
    let Some(Value::Seq(items)) = node.map(|n| &mut n.value) else {
        return false;
    };
    let Some(Value::Seq(vars)) = items
        .get_mut(container.index)
        .and_then(|entry| entry.get_mut("env"))
        .map(|env| &mut env.value)
    else {
        return false;
    };
    let mut masked = false;
    for var in vars {
        let secret = var
            .get("name")
            .and_then(Node::scalar)
            .is_some_and(|name| secrets.iter().any(|s| s == name));
        if secret && var.get("value").is_some() {
            var.set("value", Node::text("***"));
            masked = true;
        }
    }
    masked
}

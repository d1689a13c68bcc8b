//! The `kube_manifest` fuzz target: arbitrary bytes read as a Kubernetes manifest stream and,
//! when they read, hardened by each built-in profile as `hardrun kubectl apply` hardens them
//! (`decision::decide` within `kube::limits`, then `kube::stream`). The hardened stream must
//! read back to the very trees that were written (same values, same scalar styles, so kubectl
//! types them alike), hardening it again must change nothing, and every field hardrun does not
//! write must pass through as it was. A failed property panics, which the fuzzer reports as a
//! crash. Pure.

use crate::decision::{self, Judged, Request, Subject};
use crate::kube::limits::{self, PodLimits};
use crate::kube::manifest::{self, Manifest};
use crate::kube::stream::{self, ContainerEdits};
use crate::kube::yaml::{Node, Value};
use crate::profile::Profile;
use crate::rules::Context;
use crate::waivers::Applied;

/// The target: see the module's documentation.
pub fn kube_manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = manifest::read(text, "fuzz.yaml") else {
        return;
    };
    for profile in super::profiles() {
        check(&manifest, profile);
    }
}

/// The three properties, for one profile.
fn check(manifest: &Manifest, profile: &Profile) {
    let edits = container_edits(manifest, profile);
    let hardened = stream::harden(manifest, &edits);
    let edited = stream::edit(manifest, &edits);
    let again = manifest::read(&hardened.text, "hardened.yaml").unwrap_or_else(|error| {
        panic!(
            "the hardened manifest does not read back under {}: {error}\n{}",
            profile.name, hardened.text
        )
    });
    let written: Vec<&Node> = edited.roots.iter().flatten().collect();
    let read: Vec<&Node> = again
        .documents
        .iter()
        .filter_map(|d| d.root.as_ref())
        .collect();
    assert_eq!(
        written.len(),
        read.len(),
        "the hardened manifest has another number of documents under {}:\n{}",
        profile.name,
        hardened.text
    );
    for (written, read) in written.iter().zip(&read) {
        assert_eq!(
            bare(written),
            bare(read),
            "a hardened document reads back as another tree under {}:\n{}",
            profile.name,
            hardened.text
        );
    }
    for (document, root) in manifest.documents.iter().zip(&edited.roots) {
        if let (Some(original), Some(root)) = (&document.root, root)
            && let Err(path) = passes_through(original, root, "")
        {
            panic!(
                "hardening under {} changed {path:?}, a field it does not write:\n{}",
                profile.name, hardened.text
            );
        }
    }
    let twice = stream::harden(&again, &container_edits(&again, profile));
    assert_eq!(
        twice.text, hardened.text,
        "hardening twice under {} changes the manifest",
        profile.name
    );
}

/// Every container's edits, decided as `hardrun kubectl` decides them.
fn container_edits(manifest: &Manifest, profile: &Profile) -> Vec<ContainerEdits> {
    let context = Context {
        profile: profile.name.clone(),
        ..Context::default()
    };
    let mut places = Vec::new();
    let mut pod_limits = Vec::new();
    for (w, workload) in manifest.workloads.iter().enumerate() {
        for (c, container) in workload.containers.iter().enumerate() {
            places.push((w, c));
            pod_limits.push(PodLimits {
                init: container.init,
                has_probe: container.spec.health.command.is_some(),
            });
        }
    }
    let subjects = places
        .iter()
        .zip(&pod_limits)
        .map(|(&(w, c), limits)| {
            let workload = &manifest.workloads[w];
            let container = &workload.containers[c];
            Subject {
                service: Some(workload.container_name(container)),
                image: container.spec.image.clone(),
                judged: Judged::Container {
                    spec: &container.spec,
                    context: &context,
                    limits,
                },
                waivers: Applied::none(),
                service_waiver: None,
                notes: Vec::new(),
            }
        })
        .collect();
    let decision = decision::decide(Request {
        command: "kubectl apply".into(),
        profile,
        subjects,
        trust: None,
    });
    decision
        .containers
        .iter()
        .zip(&places)
        .map(|(decided, &(w, c))| {
            let container = &manifest.workloads[w].containers[c];
            let (pod, entry) = manifest.pod_and_entry(w, c);
            let defaults = limits::defaults(
                profile,
                &decided.plan,
                &container.spec,
                pod.unwrap_or(&Node::map()),
                entry.unwrap_or(&Node::map()),
            );
            let edits = if decided.plan.is_refused() {
                Vec::new()
            } else {
                decided.plan.edits()
            };
            ContainerEdits {
                workload: w,
                container: c,
                edits,
                defaults: defaults.into_iter().map(|(kind, _)| kind).collect(),
                secrets: decided.secrets.clone(),
            }
        })
        .collect()
}

/// What a tree says as kubectl reads it, without positions: each scalar's text, and whether it
/// was plain where that may change its type (YAML 1.1 types a plain `yes`, `0644`, `1e3`, `~`,
/// but no text with a space or an indicator in front, which a writer may quote); nulls as one.
#[derive(Debug, PartialEq)]
enum Bare {
    Null,
    Scalar(String, bool),
    Seq(Vec<Bare>),
    Map(Vec<(Bare, Bare)>),
}

fn bare(node: &Node) -> Bare {
    match &node.value {
        value if value.is_null() => Bare::Null,
        Value::Scalar { text, plain } => bare_scalar(text, *plain),
        Value::Seq(items) => Bare::Seq(items.iter().map(bare).collect()),
        Value::Map(entries) => Bare::Map(
            entries
                .iter()
                .map(|(key, value)| (bare_scalar(&key.text, key.plain), bare(value)))
                .collect(),
        ),
    }
}

fn bare_scalar(text: &str, plain: bool) -> Bare {
    if plain && matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Bare::Null;
    }
    Bare::Scalar(text.to_owned(), plain && may_be_typed(text))
}

/// Whether YAML 1.1 might read a plain `text` as something else than text: a boolean or null
/// word, a merge or value key, or anything that starts like a number (`1`, `-1`, `+.5`, `.inf`,
/// `0x1F`, `1:30`, a date), on one line. Generous on purpose: a scalar this says yes for must keep its style.
fn may_be_typed(text: &str) -> bool {
    const WORDS: [&str; 25] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "<<", "=",
    ];
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let number = |rest: &str| {
        rest.starts_with(|c: char| c.is_ascii_digit())
            || rest
                .strip_prefix('.')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit() || "iInN".contains(c)))
    };
    // No YAML 1.1 type's form ends with a colon (`1:30` does not).
    !text.contains('\n') && !text.ends_with(':') && (WORDS.contains(&text) || number(unsigned))
}

/// The keys on the way to what hardrun writes: their values are compared field by field.
const ON_THE_WAY: [&str; 21] = [
    "items",
    "spec",
    "template",
    "jobTemplate",
    "containers",
    "initContainers",
    "metadata",
    "annotations",
    "securityContext",
    "capabilities",
    "drop",
    "add",
    "resources",
    "limits",
    "requests",
    "volumes",
    "volumeMounts",
    "emptyDir",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
];

/// The keys whose values hardrun sets (or replaces whole).
const WRITTEN: [&str; 15] = [
    "restartPolicy",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seccompProfile",
    "memory",
    "cpu",
    "exec",
    "periodSeconds",
    "timeoutSeconds",
    "initialDelaySeconds",
    "failureThreshold",
    "sizeLimit",
];

/// Whether every field of `original` that hardrun does not write is in `hardened` as it was:
/// no key removed, no list shortened, values under other keys untouched. The path of the first
/// field that is not, otherwise.
fn passes_through(original: &Node, hardened: &Node, path: &str) -> Result<(), String> {
    match (&original.value, &hardened.value) {
        (Value::Map(entries), Value::Map(_)) => {
            for (key, value) in entries {
                let at = format!("{path}.{}", key.text);
                let Some(kept) = hardened.get(&key.text) else {
                    return Err(at);
                };
                if WRITTEN.contains(&key.text.as_str()) || key.text.starts_with("io.hardrun/") {
                    continue;
                }
                if ON_THE_WAY.contains(&key.text.as_str()) {
                    passes_through(value, kept, &at)?;
                } else if bare(value) != bare(kept) {
                    return Err(at);
                }
            }
            Ok(())
        }
        (Value::Seq(items), Value::Seq(kept)) if items.len() <= kept.len() => {
            for (index, (item, kept)) in items.iter().zip(kept).enumerate() {
                passes_through(item, kept, &format!("{path}[{index}]"))?;
            }
            Ok(())
        }
        // A null on the way becomes the mapping or list hardrun writes into.
        (value, _) if value.is_null() => Ok(()),
        _ if bare(original) == bare(hardened) => Ok(()),
        _ => Err(path.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_hardrun_does_not_write_must_pass_through() {
        let original = crate::kube::yaml::parse("spec:\n  x: 1\n  runAsUser: 0\n").unwrap();
        let same = crate::kube::yaml::parse("spec:\n  x: 1\n  runAsUser: 1000\n").unwrap();
        let changed = crate::kube::yaml::parse("spec:\n  x: 2\n  runAsUser: 0\n").unwrap();
        assert_eq!(passes_through(&original, &same, ""), Ok(()));
        assert_eq!(
            passes_through(&original, &changed, ""),
            Err(".spec.x".into())
        );
    }
}

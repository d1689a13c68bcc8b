//! The Kubernetes front end of `check`: every container of a manifest's workloads
//! (`kube::manifest`), judged with the profile, each finding at the field that set the value
//! (the `(file:line:column)` its origin ends with) or at the container's entry.
//!
//! Rules Kubernetes has no field for are not judged here: `log-rotation` and
//! `no-log-driver-none` (the kubelet rotates container logs), `pids-limit` (a node setting),
//! `init-process` (no pod field) and `content-trust` (docker's environment).

use crate::check::positions::Position;
use crate::check::{Finding, findings_of_plan};
use crate::kube::manifest;
use crate::plan::{self, NoLimits};
use crate::profile::Profile;
use crate::rules::Context;
use crate::waivers::Waivers;

/// The rules a manifest cannot express.
pub const NOT_IN_KUBERNETES: [&str; 5] = [
    "content-trust",
    "init-process",
    "log-rotation",
    "no-log-driver-none",
    "pids-limit",
];

/// The place an origin ends with: `… (FILE:LINE:COLUMN)`.
fn place_in(origin: &str) -> Option<Position> {
    let inner = origin.strip_suffix(')')?;
    let inner = &inner[inner.rfind('(')? + 1..];
    let mut parts = inner.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some(Position { line, column })
}

/// Judges every container of the manifest in `text`.
pub fn judge(
    text: &str,
    file: &str,
    profile: &Profile,
    waivers: &Waivers,
) -> Result<Vec<Finding>, String> {
    let manifest = manifest::read(text, file).map_err(|e| e.to_string())?;
    let context = Context {
        profile: profile.name.clone(),
        ..Context::default()
    };
    let mut findings = Vec::new();
    for workload in &manifest.workloads {
        for container in &workload.containers {
            let applied = waivers.for_container(&container.spec.image);
            let mut plan =
                plan::plan_within(profile, &container.spec, &applied, &context, &NoLimits);
            plan.changes
                .retain(|change| !NOT_IN_KUBERNETES.contains(&change.rule));
            let at = Position {
                line: container.at.line as u32,
                column: container.at.column as u32,
            };
            let image_at = container
                .fields
                .iter()
                .find(|f| f.path.ends_with(".image"))
                .map(|f| Position {
                    line: f.at.line as u32,
                    column: f.at.column as u32,
                });
            let place = |rule: &'static str, offending: &str| -> Option<Position> {
                if rule == "image-tag" {
                    return image_at;
                }
                place_in(offending)
            };
            let subject = workload.container_name(container);
            findings.extend(findings_of_plan(&plan, file, &subject, at, &place));
        }
    }
    Ok(findings)
}

/// Whether a YAML text is a Kubernetes manifest: a line `apiVersion:` and a line `kind:` at the
/// start of a document.
pub fn looks_like_manifest(text: &str) -> bool {
    let starts = |key: &str| text.lines().any(|line| line.starts_with(key));
    starts("apiVersion:") && starts("kind:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::builtin::Builtins;
    use crate::waivers::Date;

    #[test]
    fn origins_give_their_places() {
        assert_eq!(
            place_in("securityContext.privileged: true (k8s/app.yaml:12:25)"),
            Some(Position {
                line: 12,
                column: 25
            })
        );
        assert_eq!(place_in("--privileged"), None);
    }

    #[test]
    fn a_privileged_container_is_found_at_its_field() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n          securityContext:\n            privileged: true\n";
        let profile = crate::profile::load("production", &Builtins).unwrap();
        let waivers = Waivers::allowed_only(Vec::new(), Date::new(2026, 1, 1).unwrap());
        let found = judge(text, "app.yaml", &profile, &waivers).unwrap();
        let privileged = found.iter().find(|f| f.rule == "no-privileged").unwrap();
        assert_eq!(
            privileged.position,
            Position {
                line: 12,
                column: 25
            }
        );
        assert_eq!(privileged.subject, "Deployment/web/app");
        assert!(found.iter().all(|f| f.rule != "log-rotation"));
        assert!(looks_like_manifest(text));
    }
}

//! `hardrun check`: the profile's rules as a static audit of a repository's files, for CI.
//!
//! Each input kind has a front end that turns a file into the same `ContainerSpec`s the run
//! path judges, with the places in the file each origin came from: compose files
//! (`compose_file`, read in process where hardrun resolves them exactly as Compose would),
//! Dockerfiles (`dockerfile`), and the `docker run`/`create` lines of scripts, Makefiles and CI
//! YAML (`script`), and Kubernetes manifests (`manifest`, over `kube::manifest`). Every spec is planned with the profile (`plan::plan_within`), and every
//! change that is not `kept` or `waived` is a `Finding` at a line and column of the user's
//! file. The findings are written as text, JSON or SARIF (`output`, `sarif`), compared with a
//! baseline (`baseline`), and fixes offered as a diff (`fix`). Only `walk` and
//! `commands/check.rs` do I/O.

pub mod baseline;
pub mod compose_file;
pub mod dockerfile;
pub mod fix;
pub mod interpolate;
pub mod manifest;
pub mod output;
pub mod positions;
pub mod sarif;
pub mod script;
pub mod walk;

use std::fmt;

use crate::plan::{ChangeKind, PROVENANCE, Plan};
use crate::rules::{self, Severity};

pub use positions::Position;

/// What kind of file an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Compose,
    Dockerfile,
    Script,
    Manifest,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Compose => "compose",
            Kind::Dockerfile => "dockerfile",
            Kind::Script => "script",
            Kind::Manifest => "kubernetes",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A rule `check` reports: one of the registry's, or one of the Dockerfile front end's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckRule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// What the rule protects against, for the help text.
    pub help: &'static str,
}

/// The rules only Dockerfiles have: no container setting expresses them.
pub const DOCKERFILE_RULES: [CheckRule; 2] = [
    CheckRule {
        id: "dockerfile-add-url",
        title: "Do not ADD files from a URL",
        severity: Severity::Medium,
        help: "ADD with a URL downloads at build time without a checksum the build verifies \
               (unless --checksum is given), so the image depends on whatever the server sends. \
               Download with curl and verify a checksum in a RUN step, or use ADD --checksum=sha256:….",
    },
    CheckRule {
        id: "dockerfile-sudo",
        title: "Do not grant passwordless sudo in the image",
        severity: Severity::High,
        help: "A NOPASSWD rule in sudoers (or a build argument that writes one) lets any process \
               of the container's user become root, which undoes a non-root USER. Drop sudo from \
               the image, and run the container with no-new-privileges.",
    },
];

/// The rule `id` as `check` reports it.
pub fn rule(id: &str) -> Option<CheckRule> {
    if let Some(rule) = rules::find(id) {
        return Some(CheckRule {
            id: rule.id,
            title: rule.title,
            severity: rule.severity,
            help: rule.protects,
        });
    }
    DOCKERFILE_RULES.iter().copied().find(|rule| rule.id == id)
}

/// One finding, at a place of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Whether the profile's level for the rule refuses it (`deny`).
    pub refused: bool,
    /// What happened, as the run path would say: `refused`, `added`, `tightened`, `warned`.
    pub kind: &'static str,
    pub file: String,
    pub position: Position,
    /// What was judged: `service web`, `final stage`, `docker run at line 3`.
    pub subject: String,
    /// The user's setting, as written (secret values masked); empty when it is absent.
    pub offending: String,
    pub message: String,
    /// The identity of the finding, which does not change when lines move: the file, the rule,
    /// the subject and the offending setting without its place.
    pub fingerprint: String,
}

/// What was read of one file, and what was found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: String,
    pub kind: Kind,
    /// How the file was read, for `--explain`: `in process`, or why Compose read it.
    pub read: String,
    pub findings: Vec<Finding>,
    /// Why the file could not be judged; its findings are then empty.
    pub error: Option<String>,
}

/// A finding's stable identity: FNV-1a 64 over the parts, as 16 hex digits.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The evidence of an origin without its list indexes (`services.web.cap_add[0]=X` is
/// `services.web.cap_add[]=X`) and places (` (app.yaml:12:25)`), so inserting an item or a
/// line above does not change the identity.
fn evidence(offending: &str) -> String {
    let offending = &without_places(offending);
    let mut out = String::with_capacity(offending.len());
    let mut skipping = false;
    for c in offending.chars() {
        match c {
            '[' if !skipping => {
                skipping = true;
                out.push('[');
            }
            ']' if skipping => {
                skipping = false;
                out.push(']');
            }
            c if skipping && c.is_ascii_digit() => {}
            c => {
                skipping = false;
                out.push(c);
            }
        }
    }
    out
}

/// `text` without its ` (FILE:LINE:COLUMN)` parts.
fn without_places(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(" (") {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inner = &rest[open + 2..open + close];
        let mut parts = inner.rsplitn(3, ':');
        let numbers = parts.next().is_some_and(|c| c.parse::<u32>().is_ok())
            && parts.next().is_some_and(|l| l.parse::<u32>().is_ok())
            && parts.next().is_some();
        if numbers {
            out.push_str(&rest[..open]);
        } else {
            out.push_str(&rest[..open + close + 1]);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The findings of one plan: every change that is not kept, waived or provenance. `place`
/// says where a change's offending setting was written (`None`: at the subject).
pub fn findings_of_plan(
    plan: &Plan,
    file: &str,
    subject: &str,
    at_subject: Position,
    place: &dyn Fn(&'static str, &str) -> Option<Position>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for change in &plan.changes {
        if change.rule == PROVENANCE || matches!(change.kind, ChangeKind::Kept | ChangeKind::Waived)
        {
            continue;
        }
        let Some(rule) = rule(change.rule) else {
            continue;
        };
        let offending = change.offending.clone().unwrap_or_default();
        let position = place(change.rule, &offending).unwrap_or(at_subject);
        let message = if offending.is_empty() {
            format!("{subject}: {}", change.reason)
        } else {
            format!("{subject}: {offending}: {}", change.reason)
        };
        let fingerprint = fingerprint(&[file, change.rule, subject, &evidence(&offending)]);
        findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            refused: change.kind == ChangeKind::Refused,
            kind: change.kind.name(),
            file: file.to_owned(),
            position,
            subject: subject.to_owned(),
            offending,
            message,
            fingerprint,
        });
    }
    findings
}

/// Findings sorted by place, then rule; a fingerprint seen twice in one file gets `#2`, `#3`.
pub fn settle(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file, a.position, a.rule, &a.subject).cmp(&(&b.file, b.position, b.rule, &b.subject))
    });
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for finding in findings.iter_mut() {
        let count = seen.entry(finding.fingerprint.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            finding.fingerprint = format!("{}#{count}", finding.fingerprint);
        }
    }
}

/// Whether a finding makes `check` fail: at or above `fail_on` when it is given, else when
/// the profile refuses it.
pub fn fails(finding: &Finding, fail_on: Option<Severity>) -> bool {
    match fail_on {
        Some(threshold) => finding.severity >= threshold,
        None => finding.refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_forgets_list_indexes() {
        assert_eq!(
            evidence("services.web.cap_add[3]=SYS_ADMIN"),
            "services.web.cap_add[]=SYS_ADMIN"
        );
        assert_eq!(evidence("-v /a:/b"), "-v /a:/b");
        assert_eq!(
            evidence("runAsUser: 0 (k.yaml:3:4), runAsGroup: 0 (k.yaml:4:4)"),
            "runAsUser: 0, runAsGroup: 0"
        );
        assert_eq!(evidence("a (not a place)"), "a (not a place)");
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
    }
}

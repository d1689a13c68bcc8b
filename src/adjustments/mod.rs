//! Adjustments: exceptions narrower than a waiver.
//!
//! A waiver turns a rule off for a container; an adjustment relaxes a rule only as far as it
//! names, and the rule stays on for everything else: paths made writable (an owned tmpfs each,
//! under `read-only-rootfs`), capabilities added back (`drop-capabilities`), the user to run as
//! (`non-root-user`; root only as a loud last resort), a larger pids or memory limit. Each is
//! scoped to an image or a compose service, carries a reason and optionally an expiry, and
//! lives in the project file `.hardrun.yaml` (`read`). `plan::plan_within` applies the
//! adjustments of a container by planning it with `adjusted(profile)`; an adjustment never
//! relaxes a rule past the profile's `deny` rules (a capability `no-dangerous-capabilities`
//! forbids is refused, a root user under a `deny` `non-root-user` is not applied). What was
//! relaxed is recorded on the container (`io.hardrun.adjusted`) so that `verify` judges it by
//! the same adjustment. Pure.

mod read;

pub use read::{Kind, read_adjustments};

use std::fmt;

use crate::docker::values::{format_bytes, normalize_capability, parse_bytes};
use crate::plan::{Change, ChangeKind};
use crate::profile::Profile;
use crate::rules::{self, ByteSize, Level, TmpfsParam};
use crate::spec::{ContainerSpec, Sourced};
use crate::waivers::{Date, Scope};

/// The label that records what adjustments relaxed for a container.
pub const ADJUSTED_LABEL: &str = "io.hardrun.adjusted";

/// What an adjustment relaxes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relaxation {
    /// Paths made writable: a tmpfs each (owned by the container's user, `scratch`); empty
    /// options take the profile's scratch options.
    pub writable: Vec<TmpfsParam>,
    /// Capabilities added back after the profile's drop (engine spelling).
    pub capabilities: Vec<String>,
    /// The user to run as.
    pub user: Option<String>,
    /// A larger pids limit.
    pub pids: Option<i64>,
    /// A larger memory limit.
    pub memory: Option<ByteSize>,
}

/// One adjustment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub scope: Scope,
    pub reason: String,
    pub expires: Option<Date>,
    /// Where it is written (`file:line:column`), for messages.
    pub location: String,
    /// Where the catalogue learned what the image needs.
    pub source: Option<String>,
    pub relax: Relaxation,
}

impl Adjustment {
    /// Whether it no longer applies on `today` (it applies through its expiry date).
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|date| date < today)
    }
}

impl Relaxation {
    pub fn is_empty(&self) -> bool {
        *self == Relaxation::default()
    }

    /// Several relaxations for one container, as one: paths and capabilities together, the
    /// last user named, the largest limits.
    pub fn merged<'a>(all: impl IntoIterator<Item = &'a Relaxation>) -> Relaxation {
        let mut merged = Relaxation::default();
        for relax in all {
            for path in &relax.writable {
                if !merged.writable.iter().any(|p| p.path == path.path) {
                    merged.writable.push(path.clone());
                }
            }
            for cap in &relax.capabilities {
                if !merged.capabilities.contains(cap) {
                    merged.capabilities.push(cap.clone());
                }
            }
            if relax.user.is_some() {
                merged.user.clone_from(&relax.user);
            }
            merged.pids = merged.pids.max(relax.pids);
            if relax
                .memory
                .as_ref()
                .is_some_and(|m| merged.memory.as_ref().is_none_or(|old| m.bytes > old.bytes))
            {
                merged.memory.clone_from(&relax.memory);
            }
        }
        merged
    }

    /// The rules it relaxes, each with what it relaxes, for notes.
    pub fn described(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.writable.is_empty() {
            let paths: Vec<&str> = self.writable.iter().map(|p| p.path.as_str()).collect();
            out.push(("read-only-rootfs", format!("{} writable", paths.join(", "))));
        }
        if !self.capabilities.is_empty() {
            out.push((
                "drop-capabilities",
                format!("{} added back", self.capabilities.join(", ")),
            ));
        }
        if let Some(user) = &self.user {
            let root = is_root(user);
            out.push((
                "non-root-user",
                if root {
                    "runs as root, the last resort".to_owned()
                } else {
                    format!("runs as {user}")
                },
            ));
        }
        if let Some(pids) = self.pids {
            out.push(("pids-limit", format!("pids limit {pids}")));
        }
        if let Some(memory) = &self.memory {
            out.push(("memory-limit", format!("memory limit {}", memory.text)));
        }
        out
    }

    /// The value of `io.hardrun.adjusted`: `writable=/a,/b;capabilities=CHOWN;user=33:33;
    /// pids=200;memory=1g`, the parts in that order, absent ones left out.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if !self.writable.is_empty() {
            let paths: Vec<&str> = self.writable.iter().map(|p| p.path.as_str()).collect();
            parts.push(format!("writable={}", paths.join(",")));
        }
        if !self.capabilities.is_empty() {
            parts.push(format!("capabilities={}", self.capabilities.join(",")));
        }
        if let Some(user) = &self.user {
            parts.push(format!("user={user}"));
        }
        if let Some(pids) = self.pids {
            parts.push(format!("pids={pids}"));
        }
        if let Some(memory) = &self.memory {
            parts.push(format!("memory={}", memory.text));
        }
        parts.join(";")
    }

    /// Reads `io.hardrun.adjusted` back; `None` when it is not what `label` writes.
    pub fn from_label(text: &str) -> Option<Relaxation> {
        let mut relax = Relaxation::default();
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=')?;
            match key {
                "writable" => {
                    relax.writable = value
                        .split(',')
                        .filter(|p| p.starts_with('/'))
                        .map(|path| TmpfsParam {
                            path: path.to_owned(),
                            options: String::new(),
                        })
                        .collect();
                }
                "capabilities" => {
                    relax.capabilities = value.split(',').map(normalize_capability).collect();
                }
                "user" => relax.user = Some(value.to_owned()),
                "pids" => relax.pids = Some(value.parse().ok()?),
                "memory" => {
                    relax.memory = Some(ByteSize {
                        bytes: parse_bytes(value)?,
                        text: value.to_owned(),
                    });
                }
                _ => return None,
            }
        }
        Some(relax)
    }
}

impl fmt::Display for Relaxation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let described: Vec<String> = self
            .described()
            .into_iter()
            .map(|(rule, what)| format!("{rule}: {what}"))
            .collect();
        f.write_str(&described.join("; "))
    }
}

/// Whether a user (its user part) means root.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default();
    name.is_empty() || name == "root" || name.parse::<i64>() == Ok(0)
}

/// The profile as it applies to a container with this relaxation: the rules it names relaxed
/// as far as it says, every other rule as it was.
pub fn adjusted(profile: &Profile, relax: &Relaxation) -> Profile {
    let mut profile = profile.clone();
    for setting in &mut profile.rules {
        let params = &mut setting.params;
        match setting.rule.id {
            "read-only-rootfs" if !relax.writable.is_empty() => {
                let mut tmpfs = params.tmpfs.clone().unwrap_or_else(rules::default_scratch);
                let options = tmpfs.first().map(|t| t.options.clone()).unwrap_or_default();
                for path in &relax.writable {
                    if !tmpfs.iter().any(|t| t.path == path.path) {
                        tmpfs.push(TmpfsParam {
                            path: path.path.clone(),
                            options: if path.options.is_empty() {
                                options.clone()
                            } else {
                                path.options.clone()
                            },
                        });
                    }
                }
                params.tmpfs = Some(tmpfs);
            }
            "drop-capabilities" if !relax.capabilities.is_empty() => {
                let mut add = params.add.clone().unwrap_or_else(rules::default_add_back);
                for cap in &relax.capabilities {
                    if !add.iter().any(|a| normalize_capability(a) == *cap) {
                        add.push(cap.clone());
                    }
                }
                params.add = Some(add);
            }
            "non-root-user" => match &relax.user {
                // Root only below `deny`, and said: the rule warns instead of adding a user.
                Some(user) if is_root(user) && setting.level != Level::Deny => {
                    setting.level = Level::Warn;
                }
                Some(user) if is_root(user) => {}
                Some(user) => {
                    params.user = Some(user.clone());
                    params.user_over_image = true;
                }
                None => {}
            },
            "pids-limit" => {
                if let Some(pids) = relax.pids {
                    params.pids = Some(params.pids.map_or(pids, |p| p.max(pids)));
                }
            }
            "memory-limit" => {
                if let Some(memory) = &relax.memory
                    && params
                        .memory
                        .as_ref()
                        .is_none_or(|m| m.bytes < memory.bytes)
                {
                    params.memory = Some(memory.clone());
                    // Swap never below the memory limit.
                    if params.swap.as_ref().is_some_and(|s| s.bytes < memory.bytes) {
                        params.swap = Some(ByteSize {
                            bytes: memory.bytes,
                            text: format_bytes(memory.bytes),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    profile
}

/// What the profile's deny rules say of the relaxation itself: a capability it adds back that
/// `no-dangerous-capabilities` forbids is refused (or warned about, at `warn`), as it would be
/// typed; a root user under a `deny` `non-root-user` is refused. `waived` rules are waived.
pub fn judged(
    profile: &Profile,
    relax: &Relaxation,
    location: &str,
    waived: &dyn Fn(&str) -> bool,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(setting) = profile
        .setting("no-dangerous-capabilities")
        .filter(|s| s.level != Level::Off && !relax.capabilities.is_empty())
    {
        let spec = ContainerSpec {
            cap_add: relax
                .capabilities
                .iter()
                .map(|cap| Sourced::new(cap.clone(), format!("capabilities: {cap} ({location})")))
                .collect(),
            ..ContainerSpec::default()
        };
        for finding in (setting.rule.assess)(&spec, &setting.params, &Default::default()) {
            if let rules::Finding::Forbidden { offending, reason } = finding {
                let kind = if waived(setting.rule.id) {
                    ChangeKind::Waived
                } else if setting.level == Level::Deny {
                    ChangeKind::Refused
                } else {
                    ChangeKind::Warned
                };
                changes.push(Change {
                    rule: setting.rule.id,
                    kind,
                    reason: format!("{reason}; an adjustment relaxes a rule only within the profile's deny rules"),
                    offending: Some(offending),
                    edits: Vec::new(),
                });
            }
        }
    }
    if let (Some(user), Some(setting)) = (&relax.user, profile.setting("non-root-user"))
        && is_root(user)
        && setting.level == Level::Deny
        && !waived(setting.rule.id)
    {
        changes.push(Change {
            rule: setting.rule.id,
            kind: ChangeKind::Refused,
            reason: "the adjustment runs the container as root, which the profile denies; an adjustment relaxes a rule only within the profile's deny rules".into(),
            offending: Some(format!("user: {user} ({location})")),
            edits: Vec::new(),
        });
    }
    changes
}

#[cfg(test)]
mod tests;

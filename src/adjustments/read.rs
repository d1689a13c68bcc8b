//! The `adjustments:` list of the project file, read from the span-carrying tree so that every
//! mistake has its line and column and a way to fix it.
//!
//! ```yaml
//! adjustments:
//!   - image: nginx                      # or `service: web`
//!     reason: "nginx writes its temp files, pid and logs"
//!     expires: 2027-06-30               # optional
//!     writable: [/var/lib/nginx, /run, /var/log/nginx]
//!     capabilities: [CHOWN]
//!     user: "33:33"
//!     pids: 200
//!     memory: 1g
//! ```

use crate::adjustments::{Adjustment, Relaxation};
use crate::docker::values::{normalize_capability, parse_bytes, parse_int};
use crate::profile::ProfileError;
use crate::profile::raw::{Key, Node, Value};
use crate::profile::read::{help_for, list, scalar, tmpfs};
use crate::rules::ByteSize;
use crate::waivers::Scope;
use crate::waivers::file::{read_expires, read_reason, read_scope};

/// The keys of one adjustment.
const KEYS: [&str; 10] = [
    "image",
    "source",
    "service",
    "reason",
    "expires",
    "writable",
    "capabilities",
    "user",
    "pids",
    "memory",
];

const SHAPE_HELP: &str = "write `adjustments:` followed by items such as `- {image: nginx, reason: \"why\", writable: [/var/lib/nginx]}`";

/// How strictly an adjustment is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A project's: it must relax something.
    Project,
    /// The catalogue's: an entry may record that an image needs nothing.
    Catalogue,
}

/// Reads the `adjustments:` list. `file` names the file in errors and locations.
pub fn read_adjustments(
    file: &str,
    node: &Node,
    kind: Kind,
) -> Result<Vec<Adjustment>, ProfileError> {
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => items
            .iter()
            .map(|item| read_one(file, item, kind))
            .collect(),
        other => Err(ProfileError::invalid(
            file,
            node.at(),
            format!("'adjustments' must be a list, found {}", other.kind()),
            Some(SHAPE_HELP.into()),
        )),
    }
}

fn read_one(file: &str, node: &Node, kind: Kind) -> Result<Adjustment, ProfileError> {
    let at = |position: (u64, u64), message: String, help: &str| {
        ProfileError::invalid(file, position, message, Some(help.to_owned()))
    };
    let Value::Map(fields) = &node.value else {
        return Err(at(
            node.at(),
            format!(
                "an adjustment must be a mapping, found {}",
                node.value.kind()
            ),
            SHAPE_HELP,
        ));
    };
    let mut scope: Option<(&Key, Scope)> = None;
    let mut reason = None;
    let mut expires = None;
    let mut source = None;
    let mut relax = Relaxation::default();
    for (key, value) in fields {
        match key.text.as_str() {
            "image" | "service" => {
                if let Some((first, _)) = &scope {
                    return Err(at(
                        key.at(),
                        format!(
                            "an adjustment has one scope, but this one has both '{}' (line {}) and '{}'",
                            first.text, first.line, key.text
                        ),
                        "write one adjustment per image or service",
                    ));
                }
                scope = Some((key, read_scope(file, key, value)?));
            }
            "reason" => reason = Some(read_reason(file, value)?),
            "expires" => expires = Some(read_expires(file, value)?),
            "source" => source = Some(scalar(file, value)?.trim().to_owned()),
            "writable" => relax.writable = tmpfs(file, value)?,
            "capabilities" => {
                for (index, name) in list(file, value)?.iter().enumerate() {
                    let cap = normalize_capability(name);
                    let position = match &value.value {
                        Value::Seq(items) => items[index].at(),
                        _ => value.at(),
                    };
                    if cap.is_empty()
                        || cap == "ALL"
                        || !cap.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    {
                        return Err(at(
                            position,
                            format!("'{name}' is not a capability an adjustment can add back"),
                            "name each capability, such as CHOWN or NET_BIND_SERVICE (never ALL)",
                        ));
                    }
                    if !relax.capabilities.contains(&cap) {
                        relax.capabilities.push(cap);
                    }
                }
            }
            "user" => {
                let user = scalar(file, value)?.trim();
                if user.is_empty() {
                    return Err(at(
                        value.at(),
                        "the user is empty".into(),
                        "write the user to run as, such as `user: \"33:33\"` (uid:gid)",
                    ));
                }
                relax.user = Some(user.to_owned());
            }
            "pids" => {
                let text = scalar(file, value)?;
                relax.pids = Some(parse_int(text).filter(|n| *n > 0).ok_or_else(|| {
                    at(
                        value.at(),
                        format!("invalid pids limit '{text}'"),
                        "write a positive number of processes, such as `pids: 200`",
                    )
                })?);
            }
            "memory" => {
                let text = scalar(file, value)?;
                let bytes = parse_bytes(text).filter(|b| *b > 0).ok_or_else(|| {
                    at(
                        value.at(),
                        format!("invalid memory limit '{text}'"),
                        "write a size, such as `memory: 1g`",
                    )
                })?;
                relax.memory = Some(ByteSize {
                    bytes,
                    text: text.to_owned(),
                });
            }
            other => {
                return Err(at(
                    key.at(),
                    format!("unknown key '{other}' in an adjustment"),
                    &help_for(
                        other,
                        KEYS,
                        "an adjustment takes: image or service, reason, expires, source, writable, capabilities, user, pids, memory",
                    ),
                ));
            }
        }
    }
    let Some((_, scope)) = scope else {
        return Err(at(
            node.at(),
            "an adjustment has no scope".into(),
            "add `image: REPOSITORY[:TAG]` or `service: NAME`; an adjustment never covers everything",
        ));
    };
    let Some(reason) = reason else {
        return Err(at(
            node.at(),
            format!("the adjustment for {scope} needs a reason"),
            "add `reason: \"what the container needs and why\"`",
        ));
    };
    if relax.is_empty() && kind == Kind::Project {
        return Err(at(
            node.at(),
            format!("the adjustment for {scope} relaxes nothing"),
            "name what it relaxes: writable, capabilities, user, pids or memory",
        ));
    }
    Ok(Adjustment {
        scope,
        reason,
        expires,
        location: format!("{file}:{}:{}", node.line, node.column),
        source,
        relax,
    })
}

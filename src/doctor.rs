//! `hardrun doctor`'s diagnosis: why a container exited, restarts or is unhealthy, named as
//! the rule that caused it, with the adjustment that fixes it.
//!
//! From what docker says of the container (`docker inspect`: state, exit code, `OOMKilled`,
//! restart count, user, limits, hardrun's labels), its last log lines and `docker diff`:
//! `Read-only file system` on a path → `read-only-rootfs`, a writable path; `Permission denied`
//! under a non-root user → `non-root-user`, an owned tmpfs for the path (or the image's user);
//! `Operation not permitted` from chown/setuid/setgid → `drop-capabilities`, the capability;
//! exit 137 with `OOMKilled` → `memory-limit`; a process that cannot fork → `pids-limit`.
//! Pure; `commands/doctor.rs` asks docker.

use serde_json::{Value, json};

use crate::adjustments::{ADJUSTED_LABEL, Relaxation, is_root};
use crate::docker::values::format_bytes;
use crate::plan::PROFILE_LABEL;
use crate::rules::{ByteSize, TmpfsParam};
use crate::symptoms::{self, Symptom};
use crate::waivers::Scope;

/// `doctor`'s exit status: the container is healthy.
pub const EXIT_HEALTHY: u8 = 0;
/// A cause was found.
pub const EXIT_CAUSE: u8 = 1;
/// The container is not healthy and doctor cannot tell why (or could not read it).
pub const EXIT_UNKNOWN: u8 = 2;

/// What docker says of the container.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// One element of `docker inspect`'s array.
    pub inspect: Value,
    /// The last log lines (stdout and stderr).
    pub logs: String,
    /// `docker diff`.
    pub diff: Vec<String>,
    /// The container's `/etc/passwd` (empty when it cannot be read): the image's own users.
    pub passwd: String,
}

/// The container's state, as doctor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub name: String,
    pub image: String,
    pub status: String,
    pub running: bool,
    pub restarting: bool,
    pub exit_code: i64,
    pub oom_killed: bool,
    pub restart_count: i64,
    /// `State.Health.Status`, when the container has a health check.
    pub health: Option<String>,
    pub user: String,
    pub profile: Option<String>,
    /// What hardrun's adjustments already relaxed (`io.hardrun.adjusted`).
    pub adjusted: Relaxation,
    pub memory: Option<i64>,
    pub pids: Option<i64>,
    /// The compose service, project and files, for a container Compose created.
    pub compose: Option<ComposeOrigin>,
}

/// Where a container Compose created comes from (its `com.docker.compose.*` labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeOrigin {
    pub service: String,
    pub project: String,
    /// `com.docker.compose.project.config_files`: comma-separated paths.
    pub files: Vec<String>,
}

/// A cause: the rule, what showed it, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub rule: &'static str,
    /// What doctor saw: a log line, or the state.
    pub evidence: String,
    /// The adjustment that fixes it, in addition to what the container already had.
    pub fix: Relaxation,
    /// Another way, when there is one (`or: user: "999:999"`).
    pub alternative: Option<String>,
}

/// The diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub state: State,
    pub healthy: bool,
    pub causes: Vec<Cause>,
}

impl Diagnosis {
    pub fn exit_code(&self) -> u8 {
        if self.healthy {
            EXIT_HEALTHY
        } else if self.causes.is_empty() {
            EXIT_UNKNOWN
        } else {
            EXIT_CAUSE
        }
    }

    /// The causes' fixes as one adjustment.
    pub fn fix(&self) -> Relaxation {
        Relaxation::merged(self.causes.iter().map(|c| &c.fix))
    }

    /// The `hardrun fit` command line that finds the whole adjustment: `fit … compose … SERVICE`
    /// for a container Compose created, else `fit … run IMAGE`.
    pub fn fit_command(&self) -> String {
        let profile = self.state.profile.as_deref().unwrap_or("production");
        match &self.state.compose {
            Some(origin) => {
                let files: String = origin.files.iter().map(|f| format!(" -f {f}")).collect();
                format!(
                    "hardrun --profile {profile} fit --write compose -p {}{files} {}",
                    origin.project, origin.service
                )
            }
            None => format!(
                "hardrun --profile {profile} fit --write run {}",
                self.state.image
            ),
        }
    }

    /// The scope of the adjustment doctor suggests: the compose service, else the image.
    pub fn scope(&self) -> Scope {
        match &self.state.compose {
            Some(origin) => Scope::Service(origin.service.clone()),
            None => Scope::Image(self.state.image.clone()),
        }
    }

    /// The one-line hint for `run --verify`.
    pub fn hint(&self) -> String {
        match self.causes.first() {
            Some(cause) => format!(
                "hardrun: {} is {}: likely {} ({}); fix: {}; see `hardrun doctor {}`",
                self.state.name,
                self.state.status,
                cause.rule,
                cause.evidence,
                cause.fix,
                self.state.name
            ),
            None => format!(
                "hardrun: {} is {}; see `hardrun doctor {}`, or find what it needs with `{}`",
                self.state.name,
                self.state.status,
                self.state.name,
                self.fit_command()
            ),
        }
    }
}

/// Reads the state from `docker inspect`.
pub fn state(inspect: &Value) -> State {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let number = |value: &Value| value.as_i64().filter(|n| *n > 0);
    let labels = &inspect["Config"]["Labels"];
    State {
        name: text(&inspect["Name"]).trim_start_matches('/').to_owned(),
        image: text(&inspect["Config"]["Image"]),
        status: text(&inspect["State"]["Status"]),
        running: inspect["State"]["Running"].as_bool().unwrap_or(false),
        restarting: inspect["State"]["Restarting"].as_bool().unwrap_or(false),
        exit_code: inspect["State"]["ExitCode"].as_i64().unwrap_or(0),
        oom_killed: inspect["State"]["OOMKilled"].as_bool().unwrap_or(false),
        restart_count: inspect["RestartCount"].as_i64().unwrap_or(0),
        health: inspect["State"]["Health"]["Status"]
            .as_str()
            .map(str::to_owned),
        user: text(&inspect["Config"]["User"]),
        profile: labels[PROFILE_LABEL].as_str().map(str::to_owned),
        adjusted: labels[ADJUSTED_LABEL]
            .as_str()
            .and_then(Relaxation::from_label)
            .unwrap_or_default(),
        memory: number(&inspect["HostConfig"]["Memory"]),
        pids: number(&inspect["HostConfig"]["PidsLimit"]),
        compose: labels["com.docker.compose.service"]
            .as_str()
            .map(|service| ComposeOrigin {
                service: service.to_owned(),
                project: text(&labels["com.docker.compose.project"]),
                files: labels["com.docker.compose.project.config_files"]
                    .as_str()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|f| !f.is_empty() && !f.starts_with("/dev/fd/"))
                    .map(str::to_owned)
                    .collect(),
            }),
    }
}

/// The diagnosis of one container. A container that runs, never restarted and is not
/// unhealthy is healthy unless its logs say it cannot fork or is out of memory (a server whose
/// workers do not start keeps running).
pub fn diagnose(evidence: &Evidence) -> Diagnosis {
    let state = state(&evidence.inspect);
    let seen = symptoms::read_logs(&evidence.logs);
    let degraded =
        |symptom: &Symptom| matches!(symptom, Symptom::CannotFork | Symptom::OutOfMemory);
    let healthy = state.running
        && !state.restarting
        && state.restart_count == 0
        && state.health.as_deref().is_none_or(|h| h != "unhealthy")
        && !seen.iter().any(|s| degraded(&s.symptom));
    let mut causes = Vec::new();
    if !healthy {
        if state.oom_killed {
            let memory = state.memory.unwrap_or(512 << 20) * 2;
            causes.push(Cause {
                rule: "memory-limit",
                evidence: format!(
                    "exit {}, killed by the kernel for using more than its memory limit (OOMKilled)",
                    state.exit_code
                ),
                fix: Relaxation {
                    memory: Some(ByteSize {
                        bytes: memory,
                        text: format_bytes(memory),
                    }),
                    ..Relaxation::default()
                },
                alternative: None,
            });
        }
        for seen in &seen {
            if let Some(cause) = cause_of(&state, &seen.symptom, &seen.line, evidence)
                && !causes
                    .iter()
                    .any(|c: &Cause| c.fix == cause.fix && c.rule == cause.rule)
            {
                causes.push(cause);
            }
        }
    }
    Diagnosis {
        state,
        healthy,
        causes,
    }
}

/// The image's own account for it, as `uid:gid`: the `/etc/passwd` entry named like the
/// image's repository (`postgres` for `postgres:17`, `pyapp` for `lab/pyapp:1`).
pub fn image_account(passwd: &str, image: &str) -> Option<String> {
    let reference = image.split('@').next().unwrap_or(image);
    let last = reference.rsplit('/').next().unwrap_or(reference);
    let repository = last.split(':').next().unwrap_or(last);
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let uid = fields.nth(1)?;
        let gid = fields.next()?;
        (name == repository && uid != "0" && uid.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("{uid}:{gid}"))
    })
}

/// The first regular file of a tar stream (`docker cp CONTAINER:/etc/passwd -` writes one),
/// as text; PAX and GNU extension headers before it are skipped.
pub fn first_file_of_tar(tar: &[u8]) -> Option<String> {
    let mut at = 0;
    while at + 512 <= tar.len() {
        let header = &tar[at..at + 512];
        if header.iter().all(|b| *b == 0) {
            return None;
        }
        let size_field = std::str::from_utf8(&header[124..136]).ok()?;
        let size =
            usize::from_str_radix(size_field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
                .ok()?;
        let body = at + 512;
        if matches!(header[156], b'0' | 0) {
            let bytes = tar.get(body..body + size)?;
            return Some(String::from_utf8_lossy(bytes).into_owned());
        }
        at = body + size.div_ceil(512) * 512;
    }
    None
}

fn writable(path: String) -> Relaxation {
    Relaxation {
        writable: vec![TmpfsParam {
            path,
            options: String::new(),
        }],
        ..Relaxation::default()
    }
}

/// The directory to make writable for a path a log line names: the path when the diff or the
/// line says it is a directory, else its parent.
fn directory_for(path: &str, line: &str, diff: &[String]) -> String {
    let lower = line.to_ascii_lowercase();
    let is_dir = lower.contains("directory '")
        || lower.contains("opendir")
        || diff.iter().any(|d| {
            d.split_once(' ')
                .is_some_and(|(_, p)| p.starts_with(path) && p[path.len()..].starts_with('/'))
        });
    if is_dir && !lower.contains("mkdir") && !lower.contains("can't create directory") {
        path.to_owned()
    } else {
        symptoms::parent(path)
    }
}

fn cause_of(state: &State, symptom: &Symptom, line: &str, evidence: &Evidence) -> Option<Cause> {
    let diff = &evidence.diff;
    let cause = match symptom {
        Symptom::ReadOnly { path } => Cause {
            rule: "read-only-rootfs",
            evidence: line.to_owned(),
            fix: writable(directory_for(path, line, diff)),
            alternative: None,
        },
        Symptom::PermissionDenied { path } if !state.user.is_empty() && !is_root(&state.user) => {
            Cause {
                rule: "non-root-user",
                evidence: format!("{line} (as user {})", state.user),
                fix: writable(directory_for(path, line, diff)),
                alternative: Some(
                    "run as the user that owns the path in the image (`user:`), found with `hardrun fit`"
                        .into(),
                ),
            }
        }
        Symptom::PermissionDenied { .. } => return None,
        Symptom::NotPermitted { capability } => Cause {
            rule: "drop-capabilities",
            evidence: line.to_owned(),
            fix: Relaxation {
                capabilities: vec![(*capability).to_owned()],
                ..Relaxation::default()
            },
            alternative: None,
        },
        Symptom::CannotFork => Cause {
            rule: "pids-limit",
            evidence: line.to_owned(),
            fix: Relaxation {
                pids: Some(state.pids.unwrap_or(100) * 2),
                ..Relaxation::default()
            },
            alternative: None,
        },
        Symptom::UnknownUser => {
            let account = image_account(&evidence.passwd, &state.image);
            Cause {
                rule: "non-root-user",
                evidence: format!("{line} (as user {})", state.user),
                alternative: match &account {
                    Some(_) => None,
                    None => Some(
                        "run as a user the image's /etc/passwd names (`user:`), found with `hardrun fit`"
                            .into(),
                    ),
                },
                fix: Relaxation {
                    user: account,
                    ..Relaxation::default()
                },
            }
        }
        Symptom::OutOfMemory => {
            let memory = state.memory.unwrap_or(512 << 20) * 2;
            Cause {
                rule: "memory-limit",
                evidence: line.to_owned(),
                fix: Relaxation {
                    memory: Some(ByteSize {
                        bytes: memory,
                        text: format_bytes(memory),
                    }),
                    ..Relaxation::default()
                },
                alternative: None,
            }
        }
    };
    Some(cause)
}

/// The adjustment as `.hardrun.yaml` YAML (an item of `adjustments:`), for an image or a
/// compose service.
pub fn adjustment_yaml(scope: &Scope, reason: &str, relax: &Relaxation) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let (key, value) = match scope {
        Scope::Image(image) => ("image", image),
        Scope::Service(name) => ("service", name),
    };
    let mut out = format!(
        "  - {key}: {}\n    reason: {}\n",
        quote(value),
        quote(reason)
    );
    if !relax.writable.is_empty() {
        let paths: Vec<&str> = relax.writable.iter().map(|t| t.path.as_str()).collect();
        out.push_str(&format!("    writable: [{}]\n", paths.join(", ")));
    }
    if !relax.capabilities.is_empty() {
        out.push_str(&format!(
            "    capabilities: [{}]\n",
            relax.capabilities.join(", ")
        ));
    }
    if let Some(user) = &relax.user {
        out.push_str(&format!("    user: {}\n", quote(user)));
    }
    if let Some(pids) = relax.pids {
        out.push_str(&format!("    pids: {pids}\n"));
    }
    if let Some(memory) = &relax.memory {
        out.push_str(&format!("    memory: {}\n", memory.text));
    }
    out
}

/// The diagnosis as text.
pub fn text(diagnosis: &Diagnosis) -> String {
    let state = &diagnosis.state;
    let mut out = format!(
        "{}: {} (exit code {}, OOMKilled {}, restarts {}{})\n",
        state.name,
        state.status,
        state.exit_code,
        state.oom_killed,
        state.restart_count,
        state
            .health
            .as_ref()
            .map(|h| format!(", health {h}"))
            .unwrap_or_default()
    );
    if diagnosis.healthy {
        out.push_str("healthy: nothing to fix\n");
        return out;
    }
    if diagnosis.causes.is_empty() {
        out.push_str(&format!(
            "cannot tell why from its state and logs\nhelp: find what it needs with `{}`\n",
            diagnosis.fit_command()
        ));
        return out;
    }
    for cause in &diagnosis.causes {
        out.push_str(&format!("cause: {}: {}\n", cause.rule, cause.evidence));
        if !cause.fix.is_empty() {
            out.push_str(&format!("  fix: {}\n", cause.fix));
        }
        if let Some(alternative) = &cause.alternative {
            out.push_str(&format!("  or: {alternative}\n"));
        }
    }
    let fix = Relaxation::merged([&state.adjusted, &diagnosis.fix()]);
    out.push_str("adjustment (add to .hardrun.yaml under `adjustments:`):\n");
    out.push_str(&adjustment_yaml(
        &diagnosis.scope(),
        "found by hardrun doctor",
        &fix,
    ));
    out.push_str(&format!(
        "or find the whole adjustment with: {}\n",
        diagnosis.fit_command()
    ));
    out
}

/// The diagnosis as JSON.
pub fn json(diagnosis: &Diagnosis) -> Value {
    let state = &diagnosis.state;
    let relax_json = |relax: &Relaxation| {
        json!({
            "writable": relax.writable.iter().map(|t| t.path.clone()).collect::<Vec<_>>(),
            "capabilities": relax.capabilities,
            "user": relax.user,
            "pids": relax.pids,
            "memory": relax.memory.as_ref().map(|m| m.text.clone()),
        })
    };
    json!({
        "container": state.name,
        "image": state.image,
        "service": state.compose.as_ref().map(|c| c.service.clone()),
        "status": state.status,
        "exit_code": state.exit_code,
        "oom_killed": state.oom_killed,
        "restart_count": state.restart_count,
        "health": state.health,
        "profile": state.profile,
        "healthy": diagnosis.healthy,
        "causes": diagnosis.causes.iter().map(|c| json!({
            "rule": c.rule,
            "evidence": c.evidence,
            "fix": relax_json(&c.fix),
            "alternative": c.alternative,
        })).collect::<Vec<_>>(),
        "adjustment": (!diagnosis.causes.is_empty())
            .then(|| relax_json(&Relaxation::merged([&state.adjusted, &diagnosis.fix()]))),
        "fit": (!diagnosis.healthy).then(|| diagnosis.fit_command()),
    })
}

#[cfg(test)]
mod tests;

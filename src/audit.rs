//! The audit trail: one JSON line per hardened invocation, appended to
//! `$XDG_STATE_HOME/hardrun/audit.jsonl` (`~/.local/state/hardrun/audit.jsonl`; the data
//! directory where the platform has no state directory).
//!
//! Every `run`/`create` and every compose `up`/`create`/`run`/`scale`/`watch` that hardrun
//! decides on is recorded, refused ones included; `--dry-run` runs nothing and records nothing.
//! The record is built from the plan (whose reasons and origins never hold a secret value),
//! the image references and the profile, never from argv, so no value of an environment
//! variable reaches the file. `HARDRUN_AUDIT=off` turns the log off, `HARDRUN_AUDIT_FILE=PATH`
//! moves it. A log that cannot be written never stops the container: one warning on stderr, and
//! the handoff goes on.
//!
//! `line` (the JSON line, written directly: this runs on every hardened invocation), `record`
//! (the same record as a `serde_json::Value`, which `line` is tested against) and `rfc3339`
//! (the time) are pure; `append` is the edge.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::docker::invocation::render;
use crate::plan::{ChangeKind, PROVENANCE, Plan};
use crate::waivers::Date;

/// Turns the log off: `off`, `0`, `false` or `no`.
pub const ENABLE_VARIABLE: &str = "HARDRUN_AUDIT";
/// The log's path, instead of the state directory's `hardrun/audit.jsonl`.
pub const FILE_VARIABLE: &str = "HARDRUN_AUDIT_FILE";

/// One container the invocation decided on.
#[derive(Debug, Clone, Copy)]
pub struct Audited<'a> {
    /// The compose service; `None` for `run`/`create`.
    pub service: Option<&'a str>,
    /// The image reference as the command line or the model names it.
    pub image: &'a str,
    pub plan: &'a Plan,
    /// A compose `x-hardrun` waiver: the rules it waives and its reason.
    pub waiver: Option<(&'a [String], &'a str)>,
}

/// One hardened invocation.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// `run`, `create`, `compose up`, …
    pub command: String,
    pub profile: &'a str,
    /// Where the profile was read from.
    pub source: &'a str,
    /// `--allow` rules.
    pub allow: &'a [String],
    pub containers: Vec<Audited<'a>>,
    /// What hardrun added to docker's environment (`DOCKER_CONTENT_TRUST=1`).
    pub docker_env: &'a [(&'a str, &'a str)],
}

/// Who and where, gathered at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Circumstances {
    /// Since the Unix epoch.
    pub time: Duration,
    /// `USER`, else `LOGNAME`.
    pub user: Option<String>,
    pub uid: u32,
    pub cwd: Option<PathBuf>,
}

/// The JSON record of one invocation.
pub fn record(event: &Event, at: &Circumstances) -> Value {
    let mut images: Vec<&str> = Vec::new();
    let mut changes = Vec::new();
    let mut refusals = Vec::new();
    let mut waivers = Vec::new();
    for container in &event.containers {
        if !container.image.is_empty() && !images.contains(&container.image) {
            images.push(container.image);
        }
        let with_service = |mut value: Value| {
            if let Some(service) = container.service {
                value["service"] = json!(service);
            }
            value
        };
        for change in &container.plan.changes {
            match change.kind {
                // The provenance labels hardrun adds are the record itself; a refusal of the
                // user's label in hardrun's namespace is a refusal like any other.
                _ if change.rule == PROVENANCE && change.kind != ChangeKind::Refused => {}
                ChangeKind::Kept => {}
                ChangeKind::Added | ChangeKind::Tightened => {
                    let flags: Vec<String> = change.edits.iter().flat_map(render).collect();
                    changes.push(with_service(json!({
                        "rule": change.rule,
                        "kind": change.kind.name(),
                        "flags": flags,
                    })));
                }
                ChangeKind::Warned => changes.push(with_service(json!({
                    "rule": change.rule,
                    "kind": change.kind.name(),
                    "offending": change.offending,
                }))),
                ChangeKind::Refused => refusals.push(with_service(json!({
                    "rule": change.rule,
                    "offending": change.offending,
                    "reason": change.reason,
                }))),
                ChangeKind::Waived => {
                    let mut waiver = with_service(json!({
                        "rule": change.rule,
                        "offending": change.offending,
                        "reason": change.reason,
                    }));
                    if let Some((_, reason)) = container
                        .waiver
                        .filter(|(rules, _)| rules.iter().any(|r| r == change.rule))
                    {
                        waiver["x-hardrun"] = json!(reason);
                    }
                    waivers.push(waiver);
                }
            }
        }
    }
    let docker_env: Vec<String> = event
        .docker_env
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    json!({
        "time": rfc3339(at.time),
        "user": at.user,
        "uid": at.uid,
        "cwd": at.cwd.as_ref().map(|cwd| cwd.to_string_lossy()),
        "hardrun": env!("CARGO_PKG_VERSION"),
        "profile": event.profile,
        "profile_source": event.source,
        "command": event.command,
        "images": images,
        "refused": !refusals.is_empty(),
        "changes": changes,
        "refusals": refusals,
        "waivers": waivers,
        "allow": event.allow,
        "docker_env": docker_env,
    })
}

/// The record of one invocation as one line of JSON, newline included: byte for byte
/// `record(event, at).to_string()`, written without building the tree.
pub fn line(event: &Event, at: &Circumstances) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("{\"time\":\"");
    out.push_str(&rfc3339(at.time));
    out.push_str("\",\"user\":");
    optional_string(&mut out, at.user.as_deref());
    out.push_str(",\"uid\":");
    out.push_str(&at.uid.to_string());
    out.push_str(",\"cwd\":");
    optional_string(
        &mut out,
        at.cwd.as_ref().map(|cwd| cwd.to_string_lossy()).as_deref(),
    );
    out.push_str(concat!(",\"hardrun\":\"", env!("CARGO_PKG_VERSION"), "\""));
    field(&mut out, "profile", event.profile);
    field(&mut out, "profile_source", event.source);
    field(&mut out, "command", &event.command);
    out.push_str(",\"images\":[");
    let mut images: Vec<&str> = Vec::new();
    for container in &event.containers {
        if !container.image.is_empty() && !images.contains(&container.image) {
            if !images.is_empty() {
                out.push(',');
            }
            string(&mut out, container.image);
            images.push(container.image);
        }
    }
    let refused = event.containers.iter().any(|container| {
        container
            .plan
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::Refused)
    });
    out.push_str(if refused {
        "],\"refused\":true"
    } else {
        "],\"refused\":false"
    });
    for (name, wanted) in [
        ("changes", Listed::Changes),
        ("refusals", Listed::Refusals),
        ("waivers", Listed::Waivers),
    ] {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":[");
        let mut first = true;
        for container in &event.containers {
            for change in &container.plan.changes {
                // The provenance labels hardrun adds are the record itself; a refusal of the
                // user's label in hardrun's namespace is a refusal like any other.
                let provenance = change.rule == PROVENANCE && change.kind != ChangeKind::Refused;
                if provenance || Listed::of(change.kind) != Some(wanted) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                entry(&mut out, container, change);
            }
        }
        out.push(']');
    }
    out.push_str(",\"allow\":[");
    for (index, rule) in event.allow.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        string(&mut out, rule);
    }
    out.push_str("],\"docker_env\":[");
    for (index, (key, value)) in event.docker_env.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        string(&mut out, &format!("{key}={value}"));
    }
    out.push_str("]}\n");
    out
}

/// The list of the record a change goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    Changes,
    Refusals,
    Waivers,
}

impl Listed {
    fn of(kind: ChangeKind) -> Option<Listed> {
        match kind {
            ChangeKind::Kept => None,
            ChangeKind::Added | ChangeKind::Tightened | ChangeKind::Warned => Some(Listed::Changes),
            ChangeKind::Refused => Some(Listed::Refusals),
            ChangeKind::Waived => Some(Listed::Waivers),
        }
    }
}

/// One entry of `changes`, `refusals` or `waivers`, with the keys in `record`'s order.
fn entry(out: &mut String, container: &Audited, change: &crate::plan::Change) {
    out.push_str("{\"rule\":");
    string(out, change.rule);
    match change.kind {
        ChangeKind::Added | ChangeKind::Tightened => {
            field(out, "kind", change.kind.name());
            out.push_str(",\"flags\":[");
            let mut first = true;
            for flag in change.edits.iter().flat_map(render) {
                if !first {
                    out.push(',');
                }
                first = false;
                string(out, &flag);
            }
            out.push(']');
        }
        ChangeKind::Warned => {
            field(out, "kind", change.kind.name());
            out.push_str(",\"offending\":");
            optional_string(out, change.offending.as_deref());
        }
        ChangeKind::Refused | ChangeKind::Waived | ChangeKind::Kept => {
            out.push_str(",\"offending\":");
            optional_string(out, change.offending.as_deref());
            field(out, "reason", &change.reason);
        }
    }
    if let Some(service) = container.service {
        field(out, "service", service);
    }
    if change.kind == ChangeKind::Waived
        && let Some((_, reason)) = container
            .waiver
            .filter(|(rules, _)| rules.iter().any(|r| r == change.rule))
    {
        field(out, "x-hardrun", reason);
    }
    out.push('}');
}

/// `,"name":"value"`.
fn field(out: &mut String, name: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    string(out, value);
}

fn optional_string(out: &mut String, value: Option<&str>) {
    match value {
        Some(value) => string(out, value),
        None => out.push_str("null"),
    }
}

/// A JSON string as serde_json writes it: `"` and `\\` escaped, control characters as
/// `\b \t \n \f \r` or `\u00xx`, everything else as is.
fn string(out: &mut String, value: &str) {
    out.push('"');
    let mut rest = value;
    while let Some(at) = rest.find(|c: char| c < ' ' || c == '"' || c == '\\') {
        out.push_str(&rest[..at]);
        let c = rest.as_bytes()[at];
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\x08' => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\x0c' => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 0xf)]));
            }
        }
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// A time since the Unix epoch as RFC 3339 in UTC, to the millisecond:
/// `2024-02-29T23:59:59.123Z`.
pub fn rfc3339(since_epoch: Duration) -> String {
    let seconds = since_epoch.as_secs();
    let of_day = seconds % 86_400;
    let date = Date::from_unix_days(i64::try_from(seconds / 86_400).unwrap_or(i64::MAX));
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since_epoch.subsec_millis()
    )
}

/// Set by `--no-audit` for this process.
static DISABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns the log off for this invocation (`--no-audit`).
pub fn disable() {
    DISABLED.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `HARDRUN_AUDIT` leaves the log on.
pub fn enabled(setting: Option<&str>) -> bool {
    !setting.is_some_and(|value| {
        ["off", "0", "false", "no"]
            .iter()
            .any(|off| value.trim().eq_ignore_ascii_case(off))
    })
}

/// Appends the event to the log, unless it is turned off. A failure is one warning on stderr.
#[allow(clippy::disallowed_methods)] // the I/O edge
pub fn append(event: &Event) {
    let setting = std::env::var(ENABLE_VARIABLE).ok();
    if DISABLED.load(std::sync::atomic::Ordering::Relaxed) || !enabled(setting.as_deref()) {
        return;
    }
    let Some(path) = location() else {
        warn(
            Path::new("(no state directory: set HARDRUN_AUDIT_FILE)"),
            &io::Error::from(io::ErrorKind::NotFound),
        );
        return;
    };
    let circumstances = Circumstances {
        time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default(),
        user: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|user| !user.is_empty()),
        uid: rustix::process::getuid().as_raw(),
        cwd: std::env::current_dir().ok(),
    };
    if let Err(error) = write_line(&path, line(event, &circumstances).as_bytes()) {
        warn(&path, &error);
    }
}

/// `HARDRUN_AUDIT_FILE`, else `hardrun/audit.jsonl` in the state (or data) directory.
#[allow(clippy::disallowed_methods)] // the I/O edge
fn location() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(FILE_VARIABLE).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    use etcetera::BaseStrategy;
    let strategy = etcetera::choose_base_strategy().ok()?;
    let dir = strategy.state_dir().unwrap_or_else(|| strategy.data_dir());
    Some(dir.join("hardrun").join("audit.jsonl"))
}

/// One append of a whole line (`O_APPEND`, so concurrent hardruns do not interleave lines);
/// the file is created private (0600), its directory 0700 when it is missing (looked for only
/// then: the usual run opens and writes, nothing else).
#[allow(clippy::disallowed_methods)] // the I/O edge
fn write_line(path: &Path, line: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
    };
    let mut file = match open() {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)?;
            }
            open()?
        }
        opened => opened?,
    };
    file.write_all(line)
}

fn warn(path: &Path, error: &io::Error) {
    let _ = writeln!(
        io::stderr(),
        "hardrun: warning: cannot write the audit log {}: {error}; the command runs anyway (HARDRUN_AUDIT=off turns the log off)",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Change;
    use crate::spec::Edit;

    /// The shared conversion (`waivers::Date`), as (year, month, day).
    fn civil_from_days(days: u64) -> (u64, u64, u64) {
        let date = Date::from_unix_days(i64::try_from(days).unwrap());
        (
            u64::try_from(date.year).unwrap(),
            u64::from(date.month),
            u64::from(date.day),
        )
    }

    #[test]
    fn civil_dates_are_gregorian() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(31), (1970, 2, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(365), (1971, 1, 1));
        // 2000 is a leap year (divisible by 400), 2100 is not.
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(47_540), (2100, 2, 28));
        assert_eq!(civil_from_days(47_541), (2100, 3, 1));
        assert_eq!(civil_from_days(10_957), (2000, 1, 1));
    }

    #[test]
    fn days_and_dates_round_trip() {
        // Counting days month by month from 1970 lands on every date the conversion gives.
        let mut days = 0;
        for year in 1970..2200u64 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            for month in 1..=12u64 {
                let length = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=length {
                    assert_eq!(civil_from_days(days), (year, month, day), "day {days}");
                    days += 1;
                }
            }
        }
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(Duration::ZERO), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(Duration::from_millis(951_868_799_123)),
            "2000-02-29T23:59:59.123Z"
        );
        assert_eq!(
            rfc3339(Duration::from_secs(1_700_000_000)),
            "2023-11-14T22:13:20.000Z"
        );
    }

    #[test]
    fn the_log_is_on_unless_turned_off() {
        assert!(enabled(None));
        assert!(enabled(Some("on")));
        assert!(enabled(Some("")));
        for off in ["off", "OFF", "0", "false", "no", " off "] {
            assert!(!enabled(Some(off)), "{off}");
        }
    }

    fn at() -> Circumstances {
        Circumstances {
            time: Duration::from_secs(1_700_000_000),
            user: Some("alice".into()),
            uid: 1000,
            cwd: Some(PathBuf::from("/home/alice/app")),
        }
    }

    fn change(rule: &'static str, kind: ChangeKind, offending: Option<&str>) -> Change {
        Change {
            rule,
            kind,
            reason: format!("{rule} reason"),
            offending: offending.map(str::to_owned),
            edits: Vec::new(),
        }
    }

    #[test]
    fn a_run_is_recorded_with_its_changes_and_waivers() {
        let mut added = change("read-only-rootfs", ChangeKind::Added, None);
        added.edits = vec![Edit::ReadOnlyRootfs];
        let mut provenance = change(PROVENANCE, ChangeKind::Added, None);
        provenance.edits = vec![Edit::Label {
            key: "io.hardrun.profile".into(),
            value: "production".into(),
        }];
        let plan = Plan {
            profile: "production".into(),
            changes: vec![
                added,
                change("image-tag", ChangeKind::Kept, None),
                change(
                    "env-secrets",
                    ChangeKind::Warned,
                    Some("-e DB_PASSWORD=***"),
                ),
                change("no-privileged", ChangeKind::Waived, Some("--privileged")),
                provenance,
            ],
        };
        let allow = vec!["no-privileged".to_owned()];
        let event = Event {
            command: "run".into(),
            profile: "production",
            source: "built-in profile 'production'",
            allow: &allow,
            containers: vec![Audited {
                service: None,
                image: "nginx:1.27",
                plan: &plan,
                waiver: None,
            }],
            docker_env: &[("DOCKER_CONTENT_TRUST", "1")],
        };
        assert_eq!(line(&event, &at()), format!("{}\n", record(&event, &at())));
        let record = record(&event, &at());
        assert_eq!(
            record,
            json!({
                "time": "2023-11-14T22:13:20.000Z",
                "user": "alice",
                "uid": 1000,
                "cwd": "/home/alice/app",
                "hardrun": env!("CARGO_PKG_VERSION"),
                "profile": "production",
                "profile_source": "built-in profile 'production'",
                "command": "run",
                "images": ["nginx:1.27"],
                "refused": false,
                "changes": [
                    {"rule": "read-only-rootfs", "kind": "added", "flags": ["--read-only"]},
                    {"rule": "env-secrets", "kind": "warned", "offending": "-e DB_PASSWORD=***"},
                ],
                "refusals": [],
                "waivers": [{"rule": "no-privileged", "offending": "--privileged", "reason": "no-privileged reason"}],
                "allow": ["no-privileged"],
                "docker_env": ["DOCKER_CONTENT_TRUST=1"],
            })
        );
        // One line.
        assert!(!record.to_string().contains('\n'));
    }

    #[test]
    fn a_refused_label_in_hardrun_namespace_is_a_refusal_of_the_record() {
        let plan = Plan {
            profile: "baseline".into(),
            changes: vec![change(
                PROVENANCE,
                ChangeKind::Refused,
                Some("label io.hardrun.profile=mine"),
            )],
        };
        let event = Event {
            command: "run".into(),
            profile: "baseline",
            source: "built-in profile 'baseline'",
            allow: &[],
            containers: vec![Audited {
                service: None,
                image: "busybox:1.36",
                plan: &plan,
                waiver: None,
            }],
            docker_env: &[],
        };
        let record = record(&event, &at());
        assert_eq!(record["refused"], true, "{record:#}");
        assert_eq!(
            record["refusals"],
            json!([{"rule": "provenance", "offending": "label io.hardrun.profile=mine", "reason": "provenance reason"}])
        );
    }

    #[test]
    fn compose_services_are_recorded_each_with_its_name() {
        let refused = Plan {
            profile: "production".into(),
            changes: vec![change(
                "no-privileged",
                ChangeKind::Refused,
                Some("services.web.privileged"),
            )],
        };
        let waived = Plan {
            profile: "production".into(),
            changes: vec![change(
                "read-only-rootfs",
                ChangeKind::Waived,
                Some("services.db.read_only"),
            )],
        };
        let waiver_rules = vec!["read-only-rootfs".to_owned()];
        let event = Event {
            command: "compose up".into(),
            profile: "production",
            source: "built-in profile 'production'",
            allow: &[],
            containers: vec![
                Audited {
                    service: Some("web"),
                    image: "nginx:1.27",
                    plan: &refused,
                    waiver: None,
                },
                Audited {
                    service: Some("db"),
                    image: "postgres:16",
                    plan: &waived,
                    waiver: Some((&waiver_rules, "writes to /var/lib/postgresql")),
                },
                Audited {
                    service: Some("db2"),
                    image: "postgres:16",
                    plan: &waived,
                    waiver: None,
                },
            ],
            docker_env: &[],
        };
        assert_eq!(line(&event, &at()), format!("{}\n", record(&event, &at())));
        let record = record(&event, &at());
        assert_eq!(record["command"], "compose up");
        assert_eq!(record["images"], json!(["nginx:1.27", "postgres:16"]));
        assert_eq!(record["refused"], true);
        assert_eq!(
            record["refusals"],
            json!([{"service": "web", "rule": "no-privileged", "offending": "services.web.privileged", "reason": "no-privileged reason"}])
        );
        assert_eq!(
            record["waivers"],
            json!([
                {"service": "db", "rule": "read-only-rootfs", "offending": "services.db.read_only", "reason": "read-only-rootfs reason", "x-hardrun": "writes to /var/lib/postgresql"},
                {"service": "db2", "rule": "read-only-rootfs", "offending": "services.db.read_only", "reason": "read-only-rootfs reason"},
            ])
        );
        assert_eq!(record["docker_env"], json!([]));
    }

    #[test]
    fn the_line_is_the_record_as_serde_json_writes_it() {
        let mut changes = vec![
            change("no-privileged", ChangeKind::Refused, None),
            change("env-secrets", ChangeKind::Warned, None),
            change("memory-limit", ChangeKind::Tightened, Some("--memory 9g")),
            change(PROVENANCE, ChangeKind::Refused, None),
            change("no-privileged", ChangeKind::Waived, Some("--privileged")),
            change("read-only-rootfs", ChangeKind::Waived, None),
            change("image-tag", ChangeKind::Kept, None),
            change("cpu-limit", ChangeKind::Added, None),
        ];
        changes[2].edits = vec![Edit::Memory("512m".into())];
        changes[1].reason = "a \"quoted\" \\ reason\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} é ☃ /".into();
        let plan = Plan {
            profile: "p\"q".into(),
            changes,
        };
        let allow = vec!["a".to_owned(), "b\\c".to_owned()];
        let waiver_rules = vec!["no-privileged".to_owned()];
        for (user, cwd, service) in [
            (None, None, None),
            (Some("bob \"b\""), Some("/tmp/x\ny"), Some("web\u{0}")),
        ] {
            let event = Event {
                command: "compose\tup".into(),
                profile: "p\"q",
                source: "/home/a\\b.yaml",
                allow: &allow,
                containers: vec![
                    Audited {
                        service,
                        image: "",
                        plan: &plan,
                        waiver: Some((&waiver_rules, "why \"not\"")),
                    },
                    Audited {
                        service,
                        image: "nginx:1",
                        plan: &plan,
                        waiver: None,
                    },
                ],
                docker_env: &[("DOCKER_CONTENT_TRUST", "1"), ("X", "\"")],
            };
            let at = Circumstances {
                user: user.map(str::to_owned),
                cwd: cwd.map(PathBuf::from),
                ..at()
            };
            assert_eq!(line(&event, &at), format!("{}\n", record(&event, &at)));
        }
    }
}

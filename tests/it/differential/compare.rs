//! The comparisons of the differential suite, over the JSON of `POST /containers/create`
//! (and over `docker compose config --format json`): equality up to hardrun's provenance
//! labels and docker's own unordered lists, and "every value the user set is kept".

use serde_json::{Map, Value};

/// Lists docker itself sends in no fixed order: the CLI collects them from a Go map
/// (`copts.volumes.GetMap()` for binds, `UlimitOpt`'s map for ulimits), and the docker CLI 28
/// sends the `-e` variables of one line in no fixed order either (seen: two runs of
/// `create -e HARDRUN_DIFF_HOST -e HR_DIFF_UNSET --env-file app.env IMAGE` gave the two `-e`
/// values swapped). The suite checks that docker varies nowhere else by running each corpus line
/// twice.
pub const UNORDERED: [&str; 3] = ["HostConfig.Binds", "HostConfig.Ulimits", "Env"];

/// hardrun's own labels.
pub const PROVENANCE: &str = "io.hardrun.";

/// Where the value of each field hardrun may tighten lives, with the rule that tightens it.
/// A user value elsewhere must be kept as typed.
pub const TIGHTENED_BY: [(&str, &str); 15] = [
    ("User", "non-root-user"),
    ("HostConfig.ReadonlyRootfs", "read-only-rootfs"),
    ("HostConfig.Memory", "memory-limit"),
    ("HostConfig.MemorySwap", "memory-limit"),
    ("HostConfig.NanoCpus", "cpu-limit"),
    ("HostConfig.CpuQuota", "cpu-limit"),
    ("HostConfig.CpuPeriod", "cpu-limit"),
    ("HostConfig.PidsLimit", "pids-limit"),
    ("HostConfig.RestartPolicy", "restart-policy"),
    ("HostConfig.Init", "init-process"),
    ("Healthcheck", "healthcheck"),
    ("HostConfig.LogConfig", "log-rotation"),
    ("HostConfig.CapAdd", "drop-capabilities"),
    ("HostConfig.CapDrop", "drop-capabilities"),
    ("HostConfig.Tmpfs", "read-only-rootfs"),
];

/// The fields a typed flag sets, for flags whose typed value can equal docker's default (so
/// that a typed `--read-only=false` or `--pids-limit 0` still counts as set by the user).
pub const TYPED_FIELDS: [(&str, &str); 17] = [
    ("user", "User"),
    ("read-only", "HostConfig.ReadonlyRootfs"),
    ("memory", "HostConfig.Memory"),
    ("memory-swap", "HostConfig.MemorySwap"),
    ("cpus", "HostConfig.NanoCpus"),
    ("cpu-quota", "HostConfig.CpuQuota"),
    ("cpu-period", "HostConfig.CpuPeriod"),
    ("pids-limit", "HostConfig.PidsLimit"),
    ("restart", "HostConfig.RestartPolicy.Name"),
    ("init", "HostConfig.Init"),
    ("privileged", "HostConfig.Privileged"),
    ("log-driver", "HostConfig.LogConfig.Type"),
    ("health-interval", "Healthcheck.Interval"),
    ("health-timeout", "Healthcheck.Timeout"),
    ("health-retries", "Healthcheck.Retries"),
    ("health-start-period", "Healthcheck.StartPeriod"),
    ("oom-kill-disable", "HostConfig.OomKillDisable"),
];

/// The rule that may tighten the field at `path`.
pub fn tightening_rule(path: &str) -> Option<&'static str> {
    TIGHTENED_BY
        .iter()
        .find(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}.")))
        .map(|(_, rule)| *rule)
}

fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn get_mut<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(value, |v, key| v.get_mut(key))
}

/// The body without hardrun's provenance labels, with docker's unordered lists sorted.
pub fn normalized(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(Value::Object(labels)) = body.get_mut("Labels") {
        labels.retain(|key, _| !key.starts_with(PROVENANCE));
    }
    sort_unordered(&mut body);
    body
}

/// Sorts the lists docker sends in no fixed order.
pub fn sort_unordered(body: &mut Value) {
    for path in UNORDERED {
        if let Some(Value::Array(items)) = get_mut(body, path) {
            items.sort_by_key(Value::to_string);
        }
    }
}

/// The paths where `a` and `b` differ (leaves: scalars and lists).
pub fn differences(a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_differences(a, b, "", &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk_differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let (x, y) = (a.get(key), b.get(key));
                match (x, y) {
                    (Some(x), Some(y)) => walk_differences(x, y, &join(path, key), out),
                    _ => out.push(join(path, key)),
                }
            }
        }
        _ if a != b => out.push(path.to_owned()),
        _ => {}
    }
}

/// A value the user set that the hardened body does not keep.
#[derive(Debug, Clone, PartialEq)]
pub struct NotKept {
    pub path: String,
    pub user: Option<Value>,
    pub hardened: Option<Value>,
}

/// Whether `small` is a sub-multiset of `large`.
fn contains_all(large: &[Value], small: &[Value]) -> bool {
    let mut rest: Vec<&Value> = large.iter().collect();
    small.iter().all(|item| {
        rest.iter()
            .position(|r| *r == item)
            .map(|i| rest.remove(i))
            .is_some()
    })
}

/// Every leaf the user set (where `user` differs from `bare`, docker's body for the bare
/// image, or a path in `typed`) that `hardened` does not keep. Maps and objects may gain
/// entries, lists may gain elements; a scalar must be equal.
pub fn not_kept(user: &Value, bare: &Value, hardened: &Value, typed: &[&str]) -> Vec<NotKept> {
    let mut out = Vec::new();
    walk_kept(user, bare, hardened, "", &mut out);
    for path in typed {
        if out.iter().any(|n| n.path == *path) {
            continue;
        }
        let (u, h) = (get(user, path), get(hardened, path));
        let same = match (u, h) {
            (Some(Value::Array(u)), Some(Value::Array(h))) => contains_all(h, u),
            (u, h) => u == h,
        };
        if !same {
            out.push(NotKept {
                path: (*path).to_owned(),
                user: u.cloned(),
                hardened: h.cloned(),
            });
        }
    }
    out
}

fn walk_kept(user: &Value, bare: &Value, hardened: &Value, path: &str, out: &mut Vec<NotKept>) {
    static NULL: Value = Value::Null;
    let empty = Map::new();
    if let Value::Object(fields) = user {
        let bare_fields = bare.as_object().unwrap_or(&empty);
        for (key, value) in fields {
            let here = join(path, key);
            let bare_value = bare_fields.get(key).unwrap_or(&NULL);
            match hardened.get(key) {
                Some(h) => walk_kept(value, bare_value, h, &here, out),
                None if value == bare_value => {}
                None => out.push(NotKept {
                    path: here,
                    user: Some(value.clone()),
                    hardened: None,
                }),
            }
        }
        return;
    }
    if user == bare {
        return;
    }
    let kept = match (user, hardened) {
        (Value::Array(u), Value::Array(h)) => contains_all(h, u),
        (u, h) => u == h,
    };
    if !kept {
        out.push(NotKept {
            path: path.to_owned(),
            user: Some(user.clone()),
            hardened: Some(hardened.clone()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn provenance_labels_and_unordered_lists_are_ignored() {
        let docker = json!({"Labels": {"a": "b"}, "HostConfig": {"Binds": ["/x:/x", "/a:/a"]}});
        let hardrun = json!({"Labels": {"a": "b", "io.hardrun.profile": "off"},
                             "HostConfig": {"Binds": ["/a:/a", "/x:/x"]}});
        assert_eq!(normalized(&docker), normalized(&hardrun));
        assert_eq!(
            differences(
                &json!({"A": 1, "B": {"C": [1]}}),
                &json!({"A": 1, "B": {"C": [2]}})
            ),
            ["B.C"]
        );
    }

    #[test]
    fn a_user_value_must_be_kept_and_additions_are_fine() {
        let bare = json!({"User": "", "HostConfig": {"Memory": 0, "CapDrop": null}});
        let user = json!({"User": "1000", "HostConfig": {"Memory": 0, "CapDrop": ["CHOWN"]}});
        let hardened = json!({"User": "1000", "HostConfig": {"Memory": 536870912, "CapDrop": ["CHOWN", "ALL"]}});
        assert_eq!(not_kept(&user, &bare, &hardened, &[]), []);
        let changed = json!({"User": "0", "HostConfig": {"Memory": 0, "CapDrop": ["ALL"]}});
        let paths: Vec<String> = not_kept(&user, &bare, &changed, &["HostConfig.Memory"])
            .into_iter()
            .map(|n| n.path)
            .collect();
        assert_eq!(paths, ["User", "HostConfig.CapDrop"]);
        // A typed value equal to docker's default counts as set.
        let paths: Vec<String> = not_kept(&user, &bare, &hardened, &["HostConfig.Memory"])
            .into_iter()
            .map(|n| n.path)
            .collect();
        assert_eq!(paths, ["HostConfig.Memory"]);
        assert_eq!(tightening_rule("Healthcheck.Interval"), Some("healthcheck"));
        assert_eq!(tightening_rule("HostConfig.Binds"), None);
    }
}

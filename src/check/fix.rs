//! `check --fix`: what would fix the findings, as a unified diff on stdout. No file is ever
//! written.
//!
//! For a compose file, a new override file beside it (`compose.hardrun.yaml`) holding the
//! profile's edits for each service, written by `compose::edit::apply` as the run path writes
//! them; the user adds it with `docker compose -f compose.yaml -f compose.hardrun.yaml`. For a
//! Dockerfile, the lines to change: a root `USER` of the final stage replaced by the profile's
//! user, or that `USER` added at the end when the final stage sets none.

use serde_json::{Map, Value};

use crate::check::dockerfile::instructions;
use crate::spec::Edit;

/// The name of the override file `--fix` proposes beside a compose file.
pub const OVERRIDE: &str = "compose.hardrun.yaml";

/// A diff that creates `path` with `lines`.
fn creation(path: &str, lines: &[String]) -> String {
    let mut diff = format!(
        "--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{} @@\n",
        lines.len()
    );
    for line in lines {
        diff.push('+');
        diff.push_str(line);
        diff.push('\n');
    }
    diff
}

/// The override that applies `edits` (by service) to the compose file at `file`.
pub fn compose_override(file: &str, edits: &[(String, Vec<Edit>)]) -> Option<String> {
    if edits.is_empty() {
        return None;
    }
    let mut services = Map::new();
    for (name, edits) in edits {
        let mut service = Value::Object(Map::new());
        crate::compose::edit::apply(&mut service, edits);
        services.insert(name.clone(), service);
    }
    let mut model = Map::new();
    model.insert("services".into(), Value::Object(services));
    let yaml = serde_saphyr::to_string(&Value::Object(model)).ok()?;
    let dir = match file.rfind('/') {
        Some(at) => &file[..=at],
        None => "",
    };
    let base = file.rsplit('/').next().unwrap_or(file);
    let mut lines = vec![format!(
        "# hardrun check --fix: add with `docker compose -f {base} -f {OVERRIDE}`"
    )];
    lines.extend(yaml.lines().map(str::to_owned));
    Some(creation(&format!("{dir}{OVERRIDE}"), &lines))
}

/// The Dockerfile lines that give the final stage the profile's `user`.
pub fn dockerfile(file: &str, text: &str, user: &str) -> Option<String> {
    let read = instructions(text);
    let last_from = read.iter().rposition(|i| i.keyword == "FROM")?;
    let last_user = read[last_from..].iter().rev().find(|i| i.keyword == "USER");
    let header = format!("--- a/{file}\n+++ b/{file}\n");
    match last_user {
        Some(user_line) => {
            let name = user_line
                .arguments
                .split(':')
                .next()
                .unwrap_or_default()
                .trim();
            if name != "root" && name != "0" {
                return None;
            }
            let old = text.lines().nth(user_line.line as usize - 1)?;
            Some(format!(
                "{header}@@ -{line},1 +{line},1 @@\n-{old}\n+USER {user}\n",
                line = user_line.line
            ))
        }
        None if read[last_from..].iter().any(|i| i.keyword == "FROM") => {
            let count = text.lines().count();
            let last = text.lines().last().unwrap_or_default();
            Some(format!(
                "{header}@@ -{count},1 +{count},2 @@\n {last}\n+USER {user}\n"
            ))
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_user_is_replaced_and_a_missing_one_added() {
        let replaced = dockerfile("Dockerfile", "FROM a\nUSER root\nCMD x\n", "1000:1000").unwrap();
        assert!(
            replaced.contains("@@ -2,1 +2,1 @@\n-USER root\n+USER 1000:1000\n"),
            "{replaced}"
        );
        let added = dockerfile("Dockerfile", "FROM a\nCMD x\n", "1000:1000").unwrap();
        assert!(
            added.contains("@@ -2,1 +2,2 @@\n CMD x\n+USER 1000:1000\n"),
            "{added}"
        );
        assert!(dockerfile("Dockerfile", "FROM a\nUSER app\n", "1000").is_none());
    }

    #[test]
    fn the_compose_override_holds_each_services_edits() {
        let diff = compose_override(
            "deploy/compose.yaml",
            &[(
                "web".into(),
                vec![Edit::ReadOnlyRootfs, Edit::NoNewPrivileges],
            )],
        )
        .unwrap();
        assert!(
            diff.starts_with("--- /dev/null\n+++ b/deploy/compose.hardrun.yaml\n"),
            "{diff}"
        );
        assert!(diff.contains("+    read_only: true"), "{diff}");
        assert!(diff.contains("no-new-privileges"), "{diff}");
    }
}

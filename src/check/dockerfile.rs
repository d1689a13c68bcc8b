//! The Dockerfile front end of `check`: instructions read with their lines, and what of them
//! the profile's rules judge.
//!
//! - `non-root-user`: the final stage sets no `USER` (through the stages it is built `FROM`),
//!   or sets root (`root`, `0`, with any group).
//! - `healthcheck`: no `HEALTHCHECK` in the final stage or the stages it builds on, or
//!   `HEALTHCHECK NONE`.
//! - `env-secrets`: an `ENV` whose name or value looks secret (the rule's own test and names);
//!   `build-arg-secrets`: an `ARG` default that does.
//! - `image-tag`: every `FROM` of an image (not of an earlier stage, not `scratch`), judged by
//!   the rule with the profile's parameters (`require-digest`, `registries`).
//! - `dockerfile-sudo`: a `NOPASSWD` rule written by a `RUN`, or an `ARG` that turns one on
//!   (a name with `SUDO` and `NOPASSWD`, or a `SUDO` argument defaulting to true); judged at
//!   `non-root-user`'s level, which it undoes.
//! - `dockerfile-add-url`: `ADD` of an `http(s)://` source without `--checksum`; judged at
//!   `image-tag`'s level (content that changes without review).
//!
//! A rule the profile turns `off` finds nothing. Pure: text in, findings out.

use crate::check::positions::Position;
use crate::check::{Finding, fingerprint};
use crate::profile::Profile;
use crate::rules::env_secrets::secret_evidence;
use crate::rules::{Context, Finding as RuleFinding, Level, Severity};
use crate::spec::{ContainerSpec, EnvSource, EnvVar};

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper case.
    pub keyword: String,
    pub arguments: String,
    pub line: u32,
    /// The column of the arguments, 1-based.
    pub column: u32,
}

/// The instructions of a Dockerfile. Comments, blank lines and heredoc bodies are skipped.
pub fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let mut joined = trimmed.trim_end().to_owned();
        while joined.ends_with('\\') {
            joined.pop();
            let Some((_, next)) = lines.next() else { break };
            let next = next.trim();
            if next.starts_with('#') {
                joined.push('\\');
                continue;
            }
            let kept = joined.trim_end().len();
            joined.truncate(kept);
            joined.push(' ');
            joined.push_str(next);
        }
        let (keyword, arguments) = joined
            .split_once(char::is_whitespace)
            .unwrap_or((&joined, ""));
        let arguments = arguments.trim_start();
        let column = (indent + (joined.len() - arguments.len()) + 1) as u32;
        // A heredoc (`RUN <<EOF`): its body is not instructions.
        if let Some(marker) = heredoc(arguments) {
            for (_, body) in lines.by_ref() {
                if body.trim() == marker {
                    break;
                }
            }
        }
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            arguments: arguments.to_owned(),
            line: number as u32 + 1,
            column,
        });
    }
    out
}

/// The terminator of a heredoc the arguments open, `<<EOF`, `<<-EOF` or `<<"EOF"`.
fn heredoc(arguments: &str) -> Option<String> {
    let at = arguments.find("<<")?;
    let rest = arguments[at + 2..].trim_start_matches('-');
    let word: String = rest
        .trim_matches(|c| c == '"' || c == '\'')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// One build stage.
#[derive(Debug, Clone, Default)]
struct Stage {
    image: String,
    from: Position,
    name: Option<String>,
    /// The last `USER`, with its place.
    user: Option<(String, Position)>,
    /// The last `HEALTHCHECK`: whether it is `NONE`, and its place.
    health: Option<(bool, Position)>,
}

/// `FROM [--platform=…] IMAGE [AS NAME]`.
fn from(arguments: &str) -> (String, Option<String>) {
    let words: Vec<&str> = arguments
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let image = words.first().copied().unwrap_or_default().to_owned();
    let name = match words.get(1..) {
        Some([word, name, ..]) if word.eq_ignore_ascii_case("as") => {
            Some(name.to_ascii_lowercase())
        }
        _ => None,
    };
    (image, name)
}

/// `ENV A=b C=d` or `ENV A b`: the names and values.
fn env_pairs(arguments: &str) -> Vec<(String, String)> {
    let words = shell_words(arguments);
    if words.len() >= 2 && !words[0].contains('=') {
        return vec![(words[0].clone(), words[1..].join(" "))];
    }
    words
        .iter()
        .filter_map(|w| w.split_once('=').map(|(n, v)| (n.to_owned(), v.to_owned())))
        .collect()
}

/// Words split on spaces, with quotes removed (enough for `ENV` and `ARG`).
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default();
    name == "root" || name == "0"
}

/// The profile's level for `id`, `off` when it has none.
fn level(profile: &Profile, id: &str) -> Level {
    profile.setting(id).map_or(Level::Off, |s| s.level)
}

struct Out<'a> {
    file: &'a str,
    findings: Vec<Finding>,
}

impl Out<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        severity: Severity,
        level: Level,
        position: Position,
        subject: &str,
        offending: &str,
        reason: &str,
    ) {
        let refused = level == Level::Deny;
        let message = if offending.is_empty() {
            format!("{subject}: {reason}")
        } else {
            format!("{subject}: {offending}: {reason}")
        };
        self.findings.push(Finding {
            rule,
            severity,
            refused,
            kind: if refused { "refused" } else { "warned" },
            file: self.file.to_owned(),
            position,
            subject: subject.to_owned(),
            offending: offending.to_owned(),
            message,
            fingerprint: fingerprint(&[self.file, rule, subject, offending]),
        });
    }
}

/// Judges a Dockerfile with the profile.
pub fn judge(text: &str, file: &str, profile: &Profile) -> Vec<Finding> {
    let instructions = instructions(text);
    let mut out = Out {
        file,
        findings: Vec::new(),
    };
    let mut stages: Vec<Stage> = Vec::new();
    let context = Context {
        profile: profile.name.clone(),
        ..Context::default()
    };
    let user_level = level(profile, "non-root-user");
    let tag_level = level(profile, "image-tag");
    for instruction in &instructions {
        let at = Position {
            line: instruction.line,
            column: instruction.column,
        };
        let args = instruction.arguments.as_str();
        match instruction.keyword.as_str() {
            "FROM" => {
                let (image, name) = from(args);
                let earlier = stages
                    .iter()
                    .any(|s| s.name.as_deref() == Some(&image.to_ascii_lowercase()));
                if !earlier
                    && image != "scratch"
                    && let Some(setting) = profile.setting("image-tag")
                    && setting.level != Level::Off
                {
                    let spec = ContainerSpec {
                        image: image.clone(),
                        ..ContainerSpec::default()
                    };
                    for finding in (setting.rule.assess)(&spec, &setting.params, &context) {
                        if let RuleFinding::Forbidden { reason, .. } = finding {
                            let origin = format!("FROM {image}");
                            out.push(
                                "image-tag",
                                setting.rule.severity,
                                setting.level,
                                at,
                                "stage",
                                &origin,
                                &reason,
                            );
                        }
                    }
                }
                stages.push(Stage {
                    image,
                    from: Position {
                        line: instruction.line,
                        column: 1,
                    },
                    name,
                    ..Stage::default()
                });
            }
            "USER" => {
                if let Some(stage) = stages.last_mut() {
                    stage.user = Some((args.trim().to_owned(), at));
                }
            }
            "HEALTHCHECK" => {
                if let Some(stage) = stages.last_mut() {
                    let none = args.trim().eq_ignore_ascii_case("none");
                    stage.health = Some((none, at));
                }
            }
            "ENV" => {
                if let Some(setting) = profile.setting("env-secrets")
                    && setting.level != Level::Off
                {
                    let env = env_pairs(args)
                        .into_iter()
                        .map(|(name, value)| EnvVar {
                            origin: format!("ENV {name}=***"),
                            name,
                            value: Some(value),
                            source: EnvSource::Container,
                        })
                        .collect();
                    let spec = ContainerSpec {
                        env,
                        ..ContainerSpec::default()
                    };
                    for finding in (setting.rule.assess)(&spec, &setting.params, &context) {
                        if let RuleFinding::Forbidden { offending, reason } = finding {
                            out.push(
                                "env-secrets",
                                setting.rule.severity,
                                setting.level,
                                at,
                                "image environment",
                                &offending,
                                &reason,
                            );
                        }
                    }
                }
            }
            "ARG" => {
                for (name, value) in env_pairs(args) {
                    if let Some(setting) = profile.setting("build-arg-secrets")
                        && setting.level != Level::Off
                        && let Some(evidence) = secret_evidence(&name, &value, &setting.params)
                    {
                        out.push(
                            "build-arg-secrets",
                            setting.rule.severity,
                            setting.level,
                            at,
                            "build argument",
                            &format!("ARG {name}=***"),
                            &format!(
                                "the default of build argument {name} looks like a secret ({evidence}); docker history keeps it"
                            ),
                        );
                    }
                    if user_level != Level::Off && sudo_argument(&name, &value) {
                        let rule = super::rule("dockerfile-sudo").expect("registered");
                        out.push(
                            rule.id,
                            rule.severity,
                            user_level,
                            at,
                            "build argument",
                            &format!("ARG {name}={value}"),
                            "a build argument that turns on passwordless sudo",
                        );
                    }
                }
            }
            "RUN" if user_level != Level::Off && writes_nopasswd(args) => {
                let rule = super::rule("dockerfile-sudo").expect("registered");
                out.push(
                    rule.id,
                    rule.severity,
                    user_level,
                    at,
                    "RUN",
                    "NOPASSWD",
                    "writes a NOPASSWD rule for sudo: the user can become root without a password",
                );
            }
            "ADD" => {
                let words = shell_words(args);
                let checksum = words.iter().any(|w| w.starts_with("--checksum"));
                if tag_level != Level::Off && !checksum {
                    for source in words.iter().filter(|w| !w.starts_with("--")).rev().skip(1) {
                        if source.starts_with("http://") || source.starts_with("https://") {
                            let rule = super::rule("dockerfile-add-url").expect("registered");
                            out.push(
                                rule.id,
                                rule.severity,
                                tag_level,
                                at,
                                "ADD",
                                source,
                                "downloads from a URL without a checksum",
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(last) = stages.last() {
        final_stage(&mut out, profile, &stages, last);
    }
    out.findings
}

/// `USER` and `HEALTHCHECK` of the final stage, through the stages it builds on.
fn final_stage(out: &mut Out, profile: &Profile, stages: &[Stage], last: &Stage) {
    let mut chain = vec![last];
    let mut current = last;
    while let Some(parent) = stages
        .iter()
        .find(|s| s.name.as_deref() == Some(&current.image.to_ascii_lowercase()))
    {
        if chain.iter().any(|s| std::ptr::eq(*s, parent)) {
            break;
        }
        chain.push(parent);
        current = parent;
    }
    let user = chain.iter().find_map(|s| s.user.clone());
    let health = chain.iter().find_map(|s| s.health);
    if let Some(setting) = profile.setting("non-root-user")
        && setting.level != Level::Off
    {
        match user {
            None => out.push(
                "non-root-user",
                setting.rule.severity,
                Level::Warn,
                last.from,
                "final stage",
                "",
                "sets no USER: the container runs as the base image's user, root unless the base image says otherwise",
            ),
            Some((user, at)) if is_root(&user) => out.push(
                "non-root-user",
                setting.rule.severity,
                setting.level,
                at,
                "final stage",
                &format!("USER {user}"),
                "the container runs as root",
            ),
            Some(_) => {}
        }
    }
    if let Some(setting) = profile.setting("healthcheck")
        && setting.level != Level::Off
    {
        match health {
            None => out.push(
                "healthcheck",
                setting.rule.severity,
                Level::Warn,
                last.from,
                "final stage",
                "",
                "has no HEALTHCHECK: nothing tells the engine the service stopped answering",
            ),
            Some((true, at)) => out.push(
                "healthcheck",
                setting.rule.severity,
                setting.level,
                at,
                "final stage",
                "HEALTHCHECK NONE",
                "turns the health check off",
            ),
            Some(_) => {}
        }
    }
}

/// A `RUN` that writes a `NOPASSWD` sudoers rule.
fn writes_nopasswd(arguments: &str) -> bool {
    arguments.contains("NOPASSWD")
}

/// An `ARG` that turns on passwordless sudo: a name with `SUDO` (and `NOPASSWD`, or a value
/// that is true).
fn sudo_argument(name: &str, value: &str) -> bool {
    let name = name.to_ascii_uppercase();
    if !name.contains("SUDO") {
        return false;
    }
    name.contains("NOPASSWD")
        || value.contains("NOPASSWD")
        || matches!(
            value.to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::builtin::Builtins;

    fn production() -> Profile {
        crate::profile::load("production", &Builtins).unwrap()
    }

    fn rules_at(text: &str) -> Vec<(&'static str, u32)> {
        judge(text, "Dockerfile", &production())
            .iter()
            .map(|f| (f.rule, f.position.line))
            .collect()
    }

    #[test]
    fn instructions_join_continuations_and_skip_heredocs() {
        let text = "FROM a\nRUN echo \\\n  one\nRUN <<EOF\nUSER root\nEOF\nUSER app\n";
        let read = instructions(text);
        let keywords: Vec<(&str, u32)> =
            read.iter().map(|i| (i.keyword.as_str(), i.line)).collect();
        assert_eq!(keywords, [("FROM", 1), ("RUN", 2), ("RUN", 4), ("USER", 7)]);
        assert_eq!(read[1].arguments, "echo one");
    }

    #[test]
    fn a_final_stage_without_user_or_healthcheck_is_found_at_its_from() {
        let found = rules_at(
            "FROM golang:1.22 AS build\nUSER 1000\nFROM debian:12\nCOPY --from=build /a /a\n",
        );
        assert!(found.contains(&("non-root-user", 3)), "{found:?}");
        assert!(found.contains(&("healthcheck", 3)), "{found:?}");
    }

    #[test]
    fn a_stage_built_on_another_inherits_its_user_and_healthcheck() {
        let found = rules_at(
            "FROM debian:12 AS base\nUSER 1000\nHEALTHCHECK CMD true\nFROM base\nRUN true\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn root_latest_secrets_sudo_and_urls_are_found_where_written() {
        let text = "FROM nginx:latest\nARG API_TOKEN=sk-live-0123456789abcdef\nENV DB_PASSWORD=hunter2\nRUN echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers\nADD https://example.com/x.tgz /x\nHEALTHCHECK CMD true\nUSER root\n";
        let found = rules_at(text);
        for expected in [
            ("image-tag", 1),
            ("build-arg-secrets", 2),
            ("env-secrets", 3),
            ("dockerfile-sudo", 4),
            ("dockerfile-add-url", 5),
            ("non-root-user", 7),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }
}

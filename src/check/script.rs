//! The script front end of `check`: the `docker run`/`create` command lines of shell scripts,
//! Makefiles and CI YAML, read with the docker front end's own grammar (`docker::command`) and
//! judged as `hardrun run` would judge them.
//!
//! A line continued with `\` is one command. A command starts at the word `docker` and ends at
//! an unquoted `;`, `&&`, `||`, `|`, `&`, `)` (outside `$(…)`), a `#` comment or the end of the
//! line; quotes are removed as the shell removes them, and `$VAR`, `$(…)` and `${…}` are kept
//! as words (an image `$IMAGE` is judged as that text). A YAML line's `run:` or `- ` prefix is
//! just text before the word. What the grammar cannot read with certainty is reported as a line
//! that could not be evaluated, never guessed. `--env-file` and `-e NAME` are not read: the
//! values they bring are the host's at run time.

use std::ffi::OsString;
use std::path::Path;

use crate::check::positions::Position;
use crate::check::{Finding, findings_of_plan};
use crate::docker::command::{DockerCommand, parse};
use crate::plan::{self, NoLimits};
use crate::profile::Profile;
use crate::rules::Context;
use crate::waivers::Waivers;

/// One docker command found in a file: its words after `docker`, the place of `docker`, and
/// the place of each word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
    pub at: Position,
    pub word_places: Vec<Position>,
}

/// The docker commands of a text.
pub fn commands(text: &str) -> Vec<Command> {
    let mut found = Vec::new();
    // Logical lines: characters with their places, continuations joined.
    let mut chars: Vec<(char, Position)> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (number, line) in lines.iter().enumerate() {
        let continued = line.ends_with('\\');
        let body = if continued {
            &line[..line.len() - 1]
        } else {
            line
        };
        for (column, c) in body.chars().enumerate() {
            chars.push((
                c,
                Position {
                    line: number as u32 + 1,
                    column: column as u32 + 1,
                },
            ));
        }
        if continued {
            chars.push((' ', Position::default()));
            continue;
        }
        scan_line(&chars, &mut found);
        chars.clear();
    }
    if !chars.is_empty() {
        scan_line(&chars, &mut found);
    }
    found
}

/// The words of a logical line, each with the place of its first character; `None` marks the
/// end of a command (`;`, `&&`, `|`, …).
fn words(chars: &[(char, Position)]) -> Vec<Option<(String, Position)>> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start: Option<Position> = None;
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut i = 0;
    let flush = |word: &mut String, start: &mut Option<Position>, out: &mut Vec<_>| {
        if let Some(at) = start.take() {
            out.push(Some((std::mem::take(word), at)));
        }
    };
    while i < chars.len() {
        let (c, at) = chars[i];
        let next = chars.get(i + 1).map(|(c, _)| *c);
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') if matches!(next, Some('"' | '\\' | '$' | '`')) => {
                word.push(next.unwrap_or_default());
                i += 1;
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(at);
            }
            (None, '\\') => {
                if let Some(next) = next {
                    word.push(next);
                    start.get_or_insert(at);
                    i += 1;
                }
            }
            (None, '$') if next == Some('(') => {
                depth += 1;
                word.push_str("$(");
                start.get_or_insert(at);
                i += 1;
            }
            (None, ')') if depth > 0 => {
                depth -= 1;
                word.push(')');
            }
            (None, c) if depth == 0 && c.is_whitespace() => flush(&mut word, &mut start, &mut out),
            (None, ';' | '&' | '|' | ')' | '`') if depth == 0 => {
                flush(&mut word, &mut start, &mut out);
                out.push(None);
            }
            (None, '#') if depth == 0 && start.is_none() => {
                flush(&mut word, &mut start, &mut out);
                out.push(None);
                break;
            }
            (None, c) => {
                word.push(c);
                start.get_or_insert(at);
            }
        }
        i += 1;
    }
    flush(&mut word, &mut start, &mut out);
    out
}

fn scan_line(chars: &[(char, Position)], found: &mut Vec<Command>) {
    let words = words(chars);
    let mut i = 0;
    while i < words.len() {
        let Some((word, at)) = &words[i] else {
            i += 1;
            continue;
        };
        if word != "docker" {
            i += 1;
            continue;
        }
        let mut command = Command {
            words: Vec::new(),
            at: *at,
            word_places: Vec::new(),
        };
        i += 1;
        while let Some(Some((word, place))) = words.get(i) {
            command.words.push(word.clone());
            command.word_places.push(*place);
            i += 1;
        }
        found.push(command);
    }
}

/// What the scripts of one file come to: findings, and the commands that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub findings: Vec<Finding>,
    pub unreadable: Vec<String>,
}

/// Judges every `docker run`/`create` of `text`.
pub fn judge(text: &str, file: &str, dir: &Path, profile: &Profile, waivers: &Waivers) -> Judged {
    let context = Context {
        profile: profile.name.clone(),
        ..Context::default()
    };
    let mut judged = Judged::default();
    for command in commands(text) {
        let argv: Vec<OsString> = command.words.iter().map(OsString::from).collect();
        let invocation = match parse(argv) {
            Ok(DockerCommand::Create(invocation)) => invocation,
            Ok(_) => continue,
            Err(error) => {
                judged.unreadable.push(format!(
                    "{file}:{}:{}: cannot read this docker command line with certainty: {error}",
                    command.at.line, command.at.column
                ));
                continue;
            }
        };
        let spec = match invocation.to_spec(dir) {
            Ok(spec) => spec,
            Err(error) => {
                judged.unreadable.push(format!(
                    "{file}:{}:{}: {error}",
                    command.at.line, command.at.column
                ));
                continue;
            }
        };
        let applied = waivers.for_container(&spec.image);
        let plan = plan::plan_within(profile, &spec, &applied, &context, &NoLimits);
        let subject = format!("docker {} {}", invocation.kind().name(), spec.image);
        let place = |_: &'static str, offending: &str| -> Option<Position> {
            let first = offending.split([' ', '=']).next()?;
            if first.is_empty() {
                return None;
            }
            command
                .words
                .iter()
                .position(|w| w == first || w.starts_with(&format!("{first}=")))
                .or_else(|| command.words.iter().position(|w| w.starts_with(first)))
                .map(|index| command.word_places[index])
        };
        judged
            .findings
            .extend(findings_of_plan(&plan, file, &subject, command.at, &place));
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_found_with_their_places() {
        let text = "#!/bin/sh\nset -e\nif true; then sudo docker run --rm \\\n  --privileged \"$IMAGE\" sh -c 'a; b' && echo ok\nfi\n";
        let found = commands(text);
        assert_eq!(found.len(), 1);
        let command = &found[0];
        assert_eq!(
            command.at,
            Position {
                line: 3,
                column: 20
            }
        );
        assert_eq!(
            command.words,
            ["run", "--rm", "--privileged", "$IMAGE", "sh", "-c", "a; b"]
        );
        assert_eq!(command.word_places[2], Position { line: 4, column: 3 });
    }

    #[test]
    fn makefile_and_yaml_lines_are_read_alike() {
        let found = commands(
            "run:\n\tdocker run -v $(PWD):/src $(IMAGE) # build\n      - run: docker create busybox:1.36\n",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].words, ["run", "-v", "$(PWD):/src", "$(IMAGE)"]);
        assert_eq!(found[1].words, ["create", "busybox:1.36"]);
    }
}

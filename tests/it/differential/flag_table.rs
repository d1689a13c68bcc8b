//! The installed docker CLI's flag table for `run` and `create`, read from `docker run --help`
//! and `docker create --help` at run time, so a new docker version is covered without editing.

use std::path::Path;
use std::process::Command;

/// One flag as the help lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The long name, without `--`.
    pub long: String,
    /// The one-letter shorthand.
    pub short: Option<char>,
    /// The value's type word (`list`, `string`, `bytes`, …); `None` for a boolean.
    pub kind: Option<String>,
    /// Only `docker run` has it (`--detach`, `--sig-proxy`, …).
    pub run_only: bool,
}

impl Flag {
    pub fn takes_value(&self) -> bool {
        self.kind.is_some()
    }
}

/// Reads one option line of cobra's help: `  -e, --env list   Set …` or `      --rm   Auto…`.
fn parse_line(line: &str) -> Option<(String, Option<char>, Option<String>)> {
    let line = line.trim_start();
    let (short, rest) = match line.strip_prefix('-') {
        Some(rest) if !rest.starts_with('-') => {
            let letter = rest.chars().next()?;
            let rest = rest[letter.len_utf8()..].strip_prefix(", ")?;
            (Some(letter), rest)
        }
        _ => (None, line),
    };
    let rest = rest.strip_prefix("--")?;
    let mut words = rest.split_whitespace();
    let long = words.next()?.to_owned();
    if !long
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return None;
    }
    // The type word is lowercase and separated from the description by two spaces; a
    // description starts with a capital letter.
    let after = &rest[long.len()..];
    let kind = after
        .strip_prefix(' ')
        .filter(|a| !a.starts_with(' '))
        .and_then(|a| a.split_whitespace().next())
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
        .map(str::to_owned);
    Some((long, short, kind))
}

fn help(docker: &Path, command: &str) -> String {
    let out = Command::new(docker)
        .args([command, "--help"])
        .env("COLUMNS", "200")
        .output()
        .unwrap_or_else(|e| panic!("run {} {command} --help: {e}", docker.display()));
    assert!(
        out.status.success(),
        "docker {command} --help failed: {out:?}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every flag of `docker run`, with those `docker create` lacks marked `run_only`.
pub fn read(docker: &Path) -> Vec<Flag> {
    let create: Vec<String> = help(docker, "create")
        .lines()
        .filter_map(parse_line)
        .map(|(long, _, _)| long)
        .collect();
    let flags: Vec<Flag> = help(docker, "run")
        .lines()
        .filter_map(parse_line)
        .map(|(long, short, kind)| Flag {
            run_only: !create.contains(&long),
            long,
            short,
            kind,
        })
        .collect();
    assert!(
        flags.len() > 80
            && flags
                .iter()
                .any(|f| f.long == "env" && f.short == Some('e')),
        "could not read docker's flag table from its help: {flags:?}"
    );
    flags
}

#[test]
fn help_lines_are_read_as_flags() {
    assert_eq!(
        parse_line("  -e, --env list                     Set environment variables"),
        Some(("env".into(), Some('e'), Some("list".into())))
    );
    assert_eq!(
        parse_line("      --rm                           Automatically remove the container"),
        Some(("rm".into(), None, None))
    );
    assert_eq!(
        parse_line("      --cpus decimal                 Number of CPUs"),
        Some(("cpus".into(), None, Some("decimal".into())))
    );
    assert_eq!(
        parse_line("                                       (host:ip)"),
        None
    );
}

/// What the line types, read the way pflag reads it (a compact copy, enough to know which
/// flags the user wrote): the long names of the flags before the image, and the index of the
/// image (`None` when the line has none). `words[0]` is the command word (`run`/`create`;
/// `container` is skipped).
pub fn typed(words: &[std::ffi::OsString], flags: &[Flag]) -> (Vec<String>, Option<usize>) {
    let mut names = Vec::new();
    let mut i = usize::from(words.first().is_some_and(|w| w == "container")) + 1;
    while i < words.len() {
        let word = words[i].to_string_lossy();
        if word == "--" {
            return (names, (i + 1 < words.len()).then_some(i + 1));
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, has_value) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            let Some(flag) = flags.iter().find(|f| f.long == name) else {
                return (names, None);
            };
            names.push(flag.long.clone());
            if flag.takes_value() && !has_value {
                i += 1;
            }
        } else if word.len() > 1 && word.starts_with('-') {
            let letters: Vec<char> = word[1..].chars().collect();
            for (j, letter) in letters.iter().enumerate() {
                let Some(flag) = flags.iter().find(|f| f.short == Some(*letter)) else {
                    return (names, None);
                };
                names.push(flag.long.clone());
                if flag.takes_value() {
                    if j + 1 == letters.len() {
                        i += 1;
                    }
                    break;
                }
                if letters.get(j + 1) == Some(&'=') {
                    break;
                }
            }
        } else {
            return (names, Some(i));
        }
        i += 1;
    }
    (names, None)
}

//! A faithful clone of pflag's argument loop with interspersed parsing off.
//!
//! docker reads its own global options and then the `run`/`create` options with pflag, stopping
//! at the first word that is not an option. Where that word is decides what the image is, and a
//! wrapper that guesses differently from pflag hardens the wrong container or breaks the command.
//! This module reproduces `parseArgs`, `parseLongArg` and `parseSingleShortArg` byte for byte:
//! bundles (`-dit`, `-dp80:80`), `-p=80:80`, attached values (`-eFOO=bar`), `--`, a lone `-`,
//! booleans that never consume the next word, and value flags that always do.

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use thiserror::Error;

use crate::docker::flags::{FlagDef, by_long, by_short};
use crate::docker::values::parse_bool;

/// The value one occurrence of a flag carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagValue {
    /// A boolean flag, with its value (`--rm` is true, `--rm=false` false).
    Bool(bool),
    /// A value flag's text, exactly as typed.
    Text(OsString),
}

/// One flag as it was read from argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The flag from the table.
    pub flag: &'static FlagDef,
    /// Its value.
    pub value: FlagValue,
    /// The argv indices it was read from: one word, or two for `--flag value`.
    pub tokens: Range<usize>,
    /// True when the word also holds other flags (`-dit`): it cannot be removed on its own.
    pub bundled: bool,
}

impl Occurrence {
    /// The text value, for a value flag.
    pub fn text(&self) -> Option<&OsStr> {
        match &self.value {
            FlagValue::Text(text) => Some(text),
            FlagValue::Bool(_) => None,
        }
    }

    /// The boolean value, for a boolean flag.
    pub fn enabled(&self) -> bool {
        matches!(self.value, FlagValue::Bool(true))
    }

    /// Whether this is `--help` (or `-h` where it means help) turned on: docker answers itself.
    pub fn is_help(&self) -> bool {
        self.flag.long == "help" && self.enabled()
    }
}

/// What the option loop read from one stage of argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed {
    /// The flags, in order.
    pub occurrences: Vec<Occurrence>,
    /// The index of a `--` that ended the options, if one did.
    pub terminator: Option<usize>,
    /// The index of the first positional word (argv length when there is none).
    pub positional: usize,
}

/// Why a stage of argv could not be read. Each of these is also an error for docker.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LexError {
    #[error("unknown flag: --{name}")]
    UnknownFlag { name: String },
    #[error("unknown shorthand flag: '{letter}' in {word}")]
    UnknownShorthand { letter: char, word: String },
    #[error("flag needs an argument: {flag}")]
    MissingValue { flag: String },
    #[error("bad flag syntax: {word}")]
    BadSyntax { word: String },
    #[error("invalid argument {value:?} for \"{flag}\" flag: not a boolean")]
    InvalidBool { flag: String, value: String },
}

/// Reads options from `argv[start..]` with `table`, stopping at the first positional word.
pub fn lex(argv: &[OsString], start: usize, table: &'static [FlagDef]) -> Result<Lexed, LexError> {
    match scan(argv, start, table, None)? {
        Scan::Done(lexed) => Ok(lexed),
        Scan::Extra(_) => unreachable!("no extra word was asked for"),
    }
}

/// Where `word`, a flag docker does not have but hardrun accepts among docker's options
/// (`--verify`), stands in option position, if it does: not as a flag's value, not after the
/// image. Errors are docker's, for the options before it.
pub fn find_extra(
    argv: &[OsString],
    start: usize,
    table: &'static [FlagDef],
    word: &str,
) -> Result<Option<usize>, LexError> {
    match scan(argv, start, table, Some(word.as_bytes()))? {
        Scan::Done(_) => Ok(None),
        Scan::Extra(index) => Ok(Some(index)),
    }
}

enum Scan {
    Done(Lexed),
    Extra(usize),
}

/// pflag's loop; stops early at `extra` when it stands in option position.
fn scan(
    argv: &[OsString],
    start: usize,
    table: &'static [FlagDef],
    extra: Option<&[u8]>,
) -> Result<Scan, LexError> {
    let mut occurrences = Vec::new();
    let mut index = start;
    while index < argv.len() {
        let word = argv[index].as_bytes();
        if extra == Some(word) {
            return Ok(Scan::Extra(index));
        }
        if word.len() < 2 || word[0] != b'-' {
            return Ok(Scan::Done(Lexed {
                occurrences,
                terminator: None,
                positional: index,
            }));
        }
        if word == b"--" {
            return Ok(Scan::Done(Lexed {
                occurrences,
                terminator: Some(index),
                positional: index + 1,
            }));
        }
        index = if word[1] == b'-' {
            lex_long(argv, index, table, &mut occurrences)?
        } else {
            lex_short(argv, index, table, &mut occurrences)?
        };
    }
    Ok(Scan::Done(Lexed {
        occurrences,
        terminator: None,
        positional: argv.len(),
    }))
}

/// `parseLongArg`: `--name`, `--name=value`, `--name value`. Returns the next index.
fn lex_long(
    argv: &[OsString],
    index: usize,
    table: &'static [FlagDef],
    out: &mut Vec<Occurrence>,
) -> Result<usize, LexError> {
    let word = argv[index].as_bytes();
    let body = &word[2..];
    if body.is_empty() || body[0] == b'-' || body[0] == b'=' {
        return Err(LexError::BadSyntax { word: lossy(word) });
    }
    let (name, attached) = match body.iter().position(|b| *b == b'=') {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let flag = std::str::from_utf8(name)
        .ok()
        .and_then(|name| by_long(table, name))
        .ok_or_else(|| LexError::UnknownFlag { name: lossy(name) })?;
    let display = format!("--{}", flag.long);
    if !flag.takes_value() {
        let value = match attached {
            Some(text) => bool_value(&display, text)?,
            None => true,
        };
        out.push(occurrence(
            flag,
            FlagValue::Bool(value),
            index..index + 1,
            false,
        ));
        return Ok(index + 1);
    }
    match attached {
        Some(text) => {
            out.push(occurrence(flag, text_value(text), index..index + 1, false));
            Ok(index + 1)
        }
        None if index + 1 < argv.len() => {
            let value = FlagValue::Text(argv[index + 1].clone());
            out.push(occurrence(flag, value, index..index + 2, false));
            Ok(index + 2)
        }
        None => Err(LexError::MissingValue { flag: display }),
    }
}

/// `parseShortArg` over a bundle such as `-dit` or `-dp80:80`. Returns the next index.
fn lex_short(
    argv: &[OsString],
    index: usize,
    table: &'static [FlagDef],
    out: &mut Vec<Occurrence>,
) -> Result<usize, LexError> {
    let word = argv[index].as_bytes();
    let first = out.len();
    let mut shorthands = &word[1..];
    let mut next = index + 1;
    while !shorthands.is_empty() {
        let letter = char::from(shorthands[0]);
        let flag = (shorthands[0].is_ascii())
            .then(|| by_short(table, letter))
            .flatten()
            .ok_or_else(|| LexError::UnknownShorthand {
                letter: lossy(&shorthands[..utf8_len(shorthands)])
                    .chars()
                    .next()
                    .unwrap_or('?'),
                word: lossy(word),
            })?;
        let display = format!("-{letter}");
        let (value, rest, end) = if shorthands.len() > 2 && shorthands[1] == b'=' {
            let text = &shorthands[2..];
            let value = if flag.takes_value() {
                text_value(text)
            } else {
                FlagValue::Bool(bool_value(&display, text)?)
            };
            (value, &[][..], index + 1)
        } else if !flag.takes_value() {
            (FlagValue::Bool(true), &shorthands[1..], index + 1)
        } else if shorthands.len() > 1 {
            (text_value(&shorthands[1..]), &[][..], index + 1)
        } else if index + 1 < argv.len() {
            next = index + 2;
            (FlagValue::Text(argv[index + 1].clone()), &[][..], index + 2)
        } else {
            return Err(LexError::MissingValue { flag: display });
        };
        out.push(occurrence(flag, value, index..end, false));
        shorthands = rest;
    }
    if out.len() - first > 1 {
        for occurrence in &mut out[first..] {
            occurrence.bundled = true;
        }
    }
    Ok(next)
}

fn occurrence(
    flag: &'static FlagDef,
    value: FlagValue,
    tokens: Range<usize>,
    bundled: bool,
) -> Occurrence {
    Occurrence {
        flag,
        value,
        tokens,
        bundled,
    }
}

fn bool_value(display: &str, text: &[u8]) -> Result<bool, LexError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(parse_bool)
        .ok_or_else(|| LexError::InvalidBool {
            flag: display.trim_start_matches('-').to_owned(),
            value: lossy(text),
        })
}

fn text_value(bytes: &[u8]) -> FlagValue {
    FlagValue::Text(OsString::from_vec(bytes.to_vec()))
}

fn utf8_len(bytes: &[u8]) -> usize {
    match bytes[0] {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
    .min(bytes.len())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::flags::{GLOBAL_FLAGS, RUN_FLAGS};

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    /// Lexes run options and returns (long name, value) pairs plus the first positional word.
    fn run(words: &[&str]) -> (Vec<(String, String)>, Option<String>) {
        let argv = argv(words);
        let lexed = lex(&argv, 0, RUN_FLAGS).expect("lexes");
        let flags = lexed
            .occurrences
            .iter()
            .map(|o| {
                let value = match &o.value {
                    FlagValue::Bool(b) => b.to_string(),
                    FlagValue::Text(t) => t.to_string_lossy().into_owned(),
                };
                (o.flag.long.to_owned(), value)
            })
            .collect();
        let image = argv
            .get(lexed.positional)
            .map(|w| w.to_string_lossy().into_owned());
        (flags, image)
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn options_end_at_the_image_and_later_words_belong_to_the_container() {
        let (flags, image) = run(&["busybox", "--rm", "--privileged"]);
        assert!(flags.is_empty());
        assert_eq!(image.as_deref(), Some("busybox"));
    }

    #[test]
    fn a_double_dash_ends_options() {
        let argv = argv(&["--rm", "--", "busybox", "ls"]);
        let lexed = lex(&argv, 0, RUN_FLAGS).unwrap();
        assert_eq!(lexed.terminator, Some(1));
        assert_eq!(lexed.positional, 2);
    }

    #[test]
    fn a_lone_dash_is_positional() {
        let (flags, image) = run(&["-", "x"]);
        assert!(flags.is_empty());
        assert_eq!(image.as_deref(), Some("-"));
    }

    #[test]
    fn long_value_flags_consume_the_next_word_even_if_it_looks_like_a_flag() {
        let (flags, image) = run(&["-e", "-x", "--name", "--rm", "busybox"]);
        assert_eq!(flags, pairs(&[("env", "-x"), ("name", "--rm")]));
        assert_eq!(image.as_deref(), Some("busybox"));
        let (flags, _) = run(&["--pids-limit", "-1", "img"]);
        assert_eq!(flags, pairs(&[("pids-limit", "-1")]));
    }

    #[test]
    fn equals_and_empty_values() {
        let (flags, _) = run(&["--user=", "--name=a=b", "img"]);
        assert_eq!(flags, pairs(&[("user", ""), ("name", "a=b")]));
    }

    #[test]
    fn booleans_never_consume_the_next_word() {
        let (flags, image) = run(&["--read-only", "false", "img"]);
        assert_eq!(flags, pairs(&[("read-only", "true")]));
        assert_eq!(image.as_deref(), Some("false"));
    }

    #[test]
    fn booleans_take_parsebool_values_after_equals() {
        let (flags, _) = run(&["--rm=0", "--privileged=T", "--init=false", "img"]);
        assert_eq!(
            flags,
            pairs(&[("rm", "false"), ("privileged", "true"), ("init", "false")])
        );
        let err = lex(&argv(&["--rm=yes", "img"]), 0, RUN_FLAGS).unwrap_err();
        assert!(matches!(err, LexError::InvalidBool { .. }));
    }

    #[test]
    fn short_bundles_give_the_rest_of_the_word_to_the_first_value_flag() {
        let (flags, image) = run(&["-dtp80:80", "img"]);
        assert_eq!(
            flags,
            pairs(&[("detach", "true"), ("tty", "true"), ("publish", "80:80")])
        );
        assert_eq!(image.as_deref(), Some("img"));
        let (flags, image) = run(&["-dtp", "80:80", "img"]);
        assert_eq!(
            flags,
            pairs(&[("detach", "true"), ("tty", "true"), ("publish", "80:80")])
        );
        assert_eq!(image.as_deref(), Some("img"));
        let (flags, _) = run(&["-dit", "img"]);
        assert_eq!(
            flags,
            pairs(&[("detach", "true"), ("interactive", "true"), ("tty", "true")])
        );
    }

    #[test]
    fn short_equals_is_stripped_and_applies_to_the_letter_before_it() {
        let (flags, _) = run(&["-p=81:81", "-e=BAR=baz", "img"]);
        assert_eq!(flags, pairs(&[("publish", "81:81"), ("env", "BAR=baz")]));
        let (flags, _) = run(&["-it=false", "img"]);
        assert_eq!(flags, pairs(&[("interactive", "true"), ("tty", "false")]));
    }

    #[test]
    fn attached_short_values() {
        let (flags, _) = run(&[
            "-eFOO=bar",
            "-m512m",
            "-u0",
            "-dv/var/run/docker.sock:/s",
            "img",
        ]);
        assert_eq!(
            flags,
            pairs(&[
                ("env", "FOO=bar"),
                ("memory", "512m"),
                ("user", "0"),
                ("detach", "true"),
                ("volume", "/var/run/docker.sock:/s"),
            ])
        );
    }

    #[test]
    fn pflag_quirk_short_value_flag_followed_by_a_lone_equals() {
        // `-p=` is two bytes, so pflag does not strip the `=`: the value is "=".
        let (flags, _) = run(&["-p=", "img"]);
        assert_eq!(flags, pairs(&[("publish", "=")]));
    }

    #[test]
    fn an_extra_word_is_found_only_in_option_position() {
        let find = |words: &[&str]| find_extra(&argv(words), 0, RUN_FLAGS, "--verify").unwrap();
        assert_eq!(find(&["--verify", "-d", "img"]), Some(0));
        assert_eq!(find(&["-d", "--verify", "img"]), Some(1));
        assert_eq!(find(&["--name", "--verify", "img"]), None);
        assert_eq!(find(&["img", "--verify"]), None);
        assert_eq!(find(&["--", "--verify"]), None);
        assert!(
            find_extra(
                &argv(&["--bogus", "--verify", "img"]),
                0,
                RUN_FLAGS,
                "--verify"
            )
            .is_err()
        );
    }

    #[test]
    fn errors_match_docker() {
        let err = |words: &[&str]| lex(&argv(words), 0, RUN_FLAGS).unwrap_err();
        assert_eq!(
            err(&["--read", "img"]),
            LexError::UnknownFlag {
                name: "read".into()
            }
        );
        assert_eq!(
            err(&["--Rm", "img"]),
            LexError::UnknownFlag { name: "Rm".into() }
        );
        assert!(matches!(
            err(&["-H", "x", "img"]),
            LexError::UnknownShorthand { letter: 'H', .. }
        ));
        assert!(matches!(err(&["--name"]), LexError::MissingValue { .. }));
        assert!(matches!(err(&["-e"]), LexError::MissingValue { .. }));
        assert!(matches!(err(&["---x", "img"]), LexError::BadSyntax { .. }));
        assert!(matches!(err(&["--=x", "img"]), LexError::BadSyntax { .. }));
        assert!(matches!(
            err(&["-d=", "img"]),
            LexError::UnknownShorthand { letter: '=', .. }
        ));
    }

    #[test]
    fn global_stage_uses_its_own_letters_and_bundles() {
        let argv = argv(&["-Dl", "debug", "-c", "ctx", "run", "-c", "512", "img"]);
        let lexed = lex(&argv, 0, GLOBAL_FLAGS).unwrap();
        let names: Vec<&str> = lexed.occurrences.iter().map(|o| o.flag.long).collect();
        assert_eq!(names, ["debug", "log-level", "context"]);
        assert_eq!(lexed.positional, 4);
    }

    #[test]
    fn token_ranges_cover_the_options_exactly() {
        let argv = argv(&["-dtp", "80:80", "--name", "x", "--rm", "img"]);
        let lexed = lex(&argv, 0, RUN_FLAGS).unwrap();
        let ranges: Vec<Range<usize>> =
            lexed.occurrences.iter().map(|o| o.tokens.clone()).collect();
        assert_eq!(ranges, [0..1, 0..1, 0..2, 2..4, 4..5]);
        assert!(lexed.occurrences[0].bundled && lexed.occurrences[2].bundled);
        assert!(!lexed.occurrences[3].bundled);
    }

    #[test]
    fn non_utf8_values_survive() {
        let bad = OsString::from_vec(vec![b'-', b'e', 0xff, b'=', b'1']);
        let argv = vec![bad, OsString::from("img")];
        let lexed = lex(&argv, 0, RUN_FLAGS).unwrap();
        assert_eq!(
            lexed.occurrences[0].text().unwrap().as_bytes(),
            &[0xff, b'=', b'1']
        );
    }
}

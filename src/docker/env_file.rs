//! docker's `--env-file` grammar, and the effective environment of a `run`/`create`.
//!
//! An env file is read the way the docker CLI 28 reads it (`pkg/kvfile`, through
//! `opts.ParseEnvFile`):
//!
//! * the file must be valid UTF-8; a UTF-8 byte order mark on the first line is dropped;
//! * lines end at `\n` (a `\r` before it is dropped); a line of 64 KiB or more is an error;
//! * leading whitespace is removed from each line; empty lines and lines starting with `#` are
//!   skipped;
//! * `KEY=VALUE` is split at the first `=` and kept verbatim: no quote removal, no escapes, no
//!   interpolation, trailing whitespace kept (`A="b"` is the three characters `"b"`);
//! * a `KEY` without `=` takes its value from docker's environment (hardrun's, which docker
//!   inherits), and is left out when it is not set there;
//! * an empty key (`=x`) or a key with a space or a tab (`A B=c`, `A =c`) is an error.
//!
//! docker reads every `--env-file` in order, then appends the `-e` values, so `-e` wins over a
//! file and a later entry over an earlier one. `-e NAME` without `=` also takes its value from
//! the environment; when `NAME` is not set there docker passes the bare name, which leaves the
//! variable unset in the container.
//!
//! Everything here is pure: the caller reads the files and passes a lookup for the environment.
//! Errors name the file, the line and the key, never a value.

use std::fmt;

use crate::spec::{EnvSource, EnvVar};

/// The longest line `bufio.Scanner` accepts, `\n` included (`bufio.MaxScanTokenSize`).
const MAX_LINE: usize = 64 * 1024;

/// Why an env file cannot be read, at a 1-based line. Shown as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for EnvFileError {}

/// The variables of one env file, in order. `file` is the path as the user gave it, for origins
/// and errors; `lookup` reads the environment for bare `KEY` lines.
pub fn parse(
    file: &str,
    bytes: &[u8],
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<EnvVar>, EnvFileError> {
    let error = |line: usize, message: String| EnvFileError {
        file: file.to_owned(),
        line,
        message,
    };
    let mut vars = Vec::new();
    for (index, raw) in lines(bytes).enumerate() {
        let number = index + 1;
        if raw.len() >= MAX_LINE {
            return Err(error(
                number,
                format!(
                    "line too long: docker reads lines of at most {} bytes",
                    MAX_LINE - 1
                ),
            ));
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            return Err(error(number, "invalid UTF-8".into()));
        };
        let text = if number == 1 {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        let line = text.trim_start_matches(char::is_whitespace);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (line, None),
        };
        if key.is_empty() {
            return Err(error(number, "no variable name before '='".into()));
        }
        if key.contains([' ', '\t']) {
            return Err(error(
                number,
                format!("variable '{key}' contains whitespaces"),
            ));
        }
        let var = match value {
            Some(value) => EnvVar {
                name: key.to_owned(),
                value: Some(value.to_owned()),
                origin: format!("--env-file {file}:{number} {key}=***"),
                source: EnvSource::EnvFile {
                    path: file.to_owned(),
                    line: number,
                },
            },
            None => match lookup(key) {
                Some(value) => EnvVar {
                    name: key.to_owned(),
                    value: Some(value),
                    origin: format!("--env-file {file}:{number} {key}"),
                    source: EnvSource::HostEnvironment,
                },
                // Not set in the environment: docker leaves it out.
                None => continue,
            },
        };
        vars.push(var);
    }
    Ok(vars)
}

/// The lines of a file as `bufio.ScanLines` splits them: at `\n`, a `\r` before it dropped, and
/// a last line without `\n` kept when it is not empty.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = bytes.is_empty();
    bytes
        .split(|b| *b == b'\n')
        .filter(move |_| !empty)
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// The container's environment as docker builds it: the env files' variables in order, then
/// the command line's, whose `-e NAME` (source `HostEnvironment`, no value) take their value
/// from `lookup`. Later entries win, as in the container.
pub fn resolve_env(
    files: Vec<Vec<EnvVar>>,
    command_line: Vec<EnvVar>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Vec<EnvVar> {
    let mut env: Vec<EnvVar> = files.into_iter().flatten().collect();
    env.extend(command_line.into_iter().map(|mut var| {
        if var.value.is_none() && var.source == EnvSource::HostEnvironment {
            var.value = lookup(&var.name);
        }
        var
    }));
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn pairs(text: &[u8], lookup: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
        parse("app.env", text, lookup)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|v| (v.name, v.value.expect("a value")))
            .collect()
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    fn error(text: &[u8]) -> String {
        parse("app.env", text, &no_env)
            .expect_err("should not parse")
            .to_string()
    }

    #[test]
    fn keeps_key_value_lines_verbatim() {
        let text = b"A=1\nB=\"quoted\"\nC='single'\nD=a=b=c\nE=\nF=  spaced  \nG=$HOME\n";
        assert_eq!(
            pairs(text, &no_env),
            [
                pair("A", "1"),
                pair("B", "\"quoted\""),
                pair("C", "'single'"),
                pair("D", "a=b=c"),
                pair("E", ""),
                pair("F", "  spaced  "),
                pair("G", "$HOME"),
            ]
        );
    }

    #[test]
    fn skips_comments_and_blank_lines_and_trims_leading_whitespace() {
        let text = b"# a comment\n\n   \n\t# indented comment\n  A=1\n\tB=2 # not a comment\n";
        assert_eq!(
            pairs(text, &no_env),
            [pair("A", "1"), pair("B", "2 # not a comment")]
        );
    }

    #[test]
    fn strips_a_byte_order_mark_on_the_first_line_only() {
        assert_eq!(pairs(b"\xEF\xBB\xBFA=1\n", &no_env), [pair("A", "1")]);
        // A BOM later is not whitespace: it stays part of the key.
        let vars = parse("app.env", b"A=1\n\xEF\xBB\xBFB=2\n", &no_env).unwrap();
        assert_eq!(vars[1].name, "\u{feff}B");
    }

    #[test]
    fn a_bare_key_takes_the_host_value_or_is_left_out() {
        let host = |name: &str| (name == "FROM_HOST").then(|| "h".to_owned());
        let vars = parse("app.env", b"FROM_HOST\nNOT_SET\nA=1\n", &host).unwrap();
        assert_eq!(vars.len(), 2);
        assert_eq!(vars[0].name, "FROM_HOST");
        assert_eq!(vars[0].value.as_deref(), Some("h"));
        assert_eq!(vars[0].source, EnvSource::HostEnvironment);
        assert_eq!(vars[0].origin, "--env-file app.env:1 FROM_HOST");
        assert_eq!(vars[1].name, "A");
    }

    #[test]
    fn origins_name_the_file_and_line_never_the_value() {
        let vars = parse("conf/.env", b"# c\nDB_PASSWORD=hunter2\n", &no_env).unwrap();
        assert_eq!(vars[0].origin, "--env-file conf/.env:2 DB_PASSWORD=***");
        assert_eq!(
            vars[0].source,
            EnvSource::EnvFile {
                path: "conf/.env".into(),
                line: 2
            }
        );
        assert!(!format!("{vars:?}").contains("hunter2"));
    }

    #[test]
    fn crlf_line_ends_and_a_missing_last_newline_are_read_like_docker() {
        assert_eq!(
            pairs(b"A=1\r\nB=2\r\nC=3", &no_env),
            [pair("A", "1"), pair("B", "2"), pair("C", "3")]
        );
        assert_eq!(pairs(b"", &no_env), []);
        assert_eq!(pairs(b"\n", &no_env), []);
        // Only the last \r goes: one inside the value stays.
        assert_eq!(pairs(b"A=1\r\r\n", &no_env), [pair("A", "1\r")]);
    }

    #[test]
    fn whitespace_in_a_key_is_an_error_at_its_line() {
        assert_eq!(
            error(b"A=1\nx y=2\n"),
            "app.env:2: variable 'x y' contains whitespaces"
        );
        assert_eq!(
            error(b"# c\n\nA =1\n"),
            "app.env:3: variable 'A ' contains whitespaces"
        );
        assert_eq!(
            error(b"A\tB\n"),
            "app.env:1: variable 'A\tB' contains whitespaces"
        );
    }

    #[test]
    fn an_empty_key_is_an_error_that_does_not_show_the_value() {
        let message = error(b"=hunter2\n");
        assert_eq!(message, "app.env:1: no variable name before '='");
    }

    #[test]
    fn invalid_utf8_is_an_error_that_does_not_show_the_bytes() {
        assert_eq!(error(b"A=1\nB=\xff\xfe\n"), "app.env:2: invalid UTF-8");
    }

    #[test]
    fn a_line_as_long_as_docker_allows_is_read_and_a_longer_one_is_an_error() {
        let mut fits = b"A=".to_vec();
        fits.resize(MAX_LINE - 1, b'x');
        fits.push(b'\n');
        assert_eq!(parse("app.env", &fits, &no_env).unwrap().len(), 1);
        let mut long = b"A=".to_vec();
        long.resize(MAX_LINE, b'x');
        assert!(error(&long).starts_with("app.env:1: line too long"));
    }

    #[test]
    fn command_line_values_override_files_and_bare_names_read_the_host() {
        let file = parse("a.env", b"A=file\nB=file\n", &no_env).unwrap();
        let command_line = vec![
            EnvVar {
                name: "A".into(),
                value: Some("cli".into()),
                origin: "-e A=***".into(),
                source: EnvSource::CommandLine,
            },
            EnvVar {
                name: "TOKEN".into(),
                value: None,
                origin: "-e TOKEN".into(),
                source: EnvSource::HostEnvironment,
            },
            EnvVar {
                name: "UNSET".into(),
                value: None,
                origin: "-e UNSET".into(),
                source: EnvSource::HostEnvironment,
            },
        ];
        let host = |name: &str| (name == "TOKEN").then(|| "t".to_owned());
        let env = resolve_env(vec![file], command_line, &host);
        let shown: Vec<(&str, Option<&str>)> = env
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("A", Some("file")),
                ("B", Some("file")),
                ("A", Some("cli")),
                ("TOKEN", Some("t")),
                ("UNSET", None),
            ]
        );
    }
}

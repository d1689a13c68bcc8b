//! Compose's interpolation, for the compose files hardrun reads itself, and the `.env` lines it
//! reads with it.
//!
//! What is done here is what compose-go does: `$$` is a `$`, `$NAME` and `${NAME}` the
//! variable (empty when unset), `${NAME:-default}` / `${NAME-default}` the default when the
//! variable is unset or empty / unset, `${NAME:+other}` / `${NAME+other}` the other text when
//! it is set and not empty / set, `${NAME:?message}` / `${NAME?message}` an error; defaults may
//! themselves hold variables. The result is written as the resolved model writes text, with
//! every `$` doubled, so the model readers un-escape it as they un-escape Compose's output.
//!
//! Anything else (a `$` before something that is not a name or a brace, an unclosed brace, a
//! `.env` line with quotes, escapes or variables) is `Unsupported`: hardrun then lets Compose
//! read the file rather than guess.

use thiserror::Error;

/// Why a text was not interpolated here.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Interpolation {
    /// Compose would refuse the file: a required variable is missing.
    #[error("required variable '{name}' is missing a value: {message}")]
    Required { name: String, message: String },
    /// Compose reads this, but hardrun does not read it itself.
    #[error("{0}")]
    Unsupported(String),
}

fn name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// Interpolates `text` with `lookup`, writing `$` as `$$`.
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Interpolation> {
    if !text.contains('$') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push_str("$$");
                i += 2;
            }
            Some(&n) if name_start(n) => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && name_char(chars[end]) {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                out.push_str(&escape(&lookup(&name).unwrap_or_default()));
                i = end;
            }
            Some('{') => {
                let close = matching_brace(&chars, i + 1).ok_or_else(|| {
                    Interpolation::Unsupported(format!("an unclosed '${{' in '{text}'"))
                })?;
                let inner: String = chars[i + 2..close].iter().collect();
                out.push_str(&braced(&inner, lookup)?);
                i = close + 1;
            }
            _ => {
                return Err(Interpolation::Unsupported(format!(
                    "a '$' that starts no variable in '{text}'"
                )));
            }
        }
    }
    Ok(out)
}

/// The index of the `}` that closes the `{` at `open`.
fn matching_brace(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (index, c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

fn escape(value: &str) -> String {
    value.replace('$', "$$")
}

/// `NAME`, `NAME:-default` and the other forms inside `${…}`.
fn braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Interpolation> {
    let end = inner.find(|c: char| !name_char(c)).unwrap_or(inner.len());
    let (name, rest) = inner.split_at(end);
    if name.is_empty() || !name.starts_with(name_start) {
        return Err(Interpolation::Unsupported(format!(
            "'${{{inner}}}' is not a variable hardrun reads"
        )));
    }
    let value = lookup(name);
    let set = value.is_some();
    let full = value.as_deref().is_some_and(|v| !v.is_empty());
    let own = || escape(value.as_deref().unwrap_or_default());
    let (operator, argument) = if rest.is_empty() {
        return Ok(own());
    } else if let Some(argument) = rest.strip_prefix(":-") {
        (":-", argument)
    } else if let Some(argument) = rest.strip_prefix(":+") {
        (":+", argument)
    } else if let Some(argument) = rest.strip_prefix(":?") {
        (":?", argument)
    } else if let Some(argument) = rest.strip_prefix('-') {
        ("-", argument)
    } else if let Some(argument) = rest.strip_prefix('+') {
        ("+", argument)
    } else if let Some(argument) = rest.strip_prefix('?') {
        ("?", argument)
    } else {
        return Err(Interpolation::Unsupported(format!(
            "'${{{inner}}}' is not a variable hardrun reads"
        )));
    };
    let raw = argument;
    let argument = || interpolate(raw, lookup);
    Ok(match operator {
        ":-" if !full => argument()?,
        "-" if !set => argument()?,
        ":+" => {
            if full {
                argument()?
            } else {
                String::new()
            }
        }
        "+" => {
            if set {
                argument()?
            } else {
                String::new()
            }
        }
        ":?" if !full => {
            return Err(Interpolation::Required {
                name: name.to_owned(),
                message: raw.to_owned(),
            });
        }
        "?" if !set => {
            return Err(Interpolation::Required {
                name: name.to_owned(),
                message: raw.to_owned(),
            });
        }
        _ => own(),
    })
}

/// The variables of a `.env` file, when every line is one hardrun reads exactly as Compose
/// does: blank, a `#` comment, or `[export ]NAME=VALUE` with a plain value (no quotes, `$`,
/// `#`, backslash, or spaces around it).
pub fn dotenv(text: &str) -> Result<Vec<(String, String)>, Interpolation> {
    let mut variables = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let unsupported = || {
            Interpolation::Unsupported(format!(
                ".env line {} is not a plain NAME=VALUE line",
                number + 1
            ))
        };
        let (name, value) = line.split_once('=').ok_or_else(unsupported)?;
        let plain_name = name.starts_with(name_start) && name.chars().all(name_char);
        let plain_value = !value
            .chars()
            .any(|c| matches!(c, '\'' | '"' | '$' | '#' | '\\' | '`') || c.is_whitespace());
        if !plain_name || !plain_value {
            return Err(unsupported());
        }
        variables.push((name.to_owned(), value.to_owned()));
    }
    Ok(variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(text: &str) -> Result<String, Interpolation> {
        let lookup = |name: &str| match name {
            "TAG" => Some("1.27".to_owned()),
            "EMPTY" => Some(String::new()),
            "DOLLAR" => Some("a$b".to_owned()),
            _ => None,
        };
        interpolate(text, &lookup)
    }

    #[test]
    fn variables_and_defaults_read_as_compose_reads_them() {
        assert_eq!(with("nginx:${TAG}").unwrap(), "nginx:1.27");
        assert_eq!(with("nginx:$TAG").unwrap(), "nginx:1.27");
        assert_eq!(with("${MISSING:-latest}").unwrap(), "latest");
        assert_eq!(with("${EMPTY:-x}").unwrap(), "x");
        assert_eq!(with("${EMPTY-x}").unwrap(), "");
        assert_eq!(with("${TAG:+set}").unwrap(), "set");
        assert_eq!(with("${MISSING+set}").unwrap(), "");
        assert_eq!(with("${MISSING:-${TAG}}").unwrap(), "1.27");
        assert_eq!(with("$$HOME").unwrap(), "$$HOME");
        assert_eq!(with("${DOLLAR}").unwrap(), "a$$b");
        assert_eq!(with("$MISSING").unwrap(), "");
    }

    #[test]
    fn required_variables_and_unknown_forms_are_not_guessed() {
        assert!(matches!(
            with("${MISSING:?set it}"),
            Err(Interpolation::Required { .. })
        ));
        assert!(matches!(with("${TAG"), Err(Interpolation::Unsupported(_))));
        assert!(matches!(with("$1"), Err(Interpolation::Unsupported(_))));
        assert!(matches!(
            with("${TAG/x/y}"),
            Err(Interpolation::Unsupported(_))
        ));
    }

    #[test]
    fn plain_dotenv_lines_are_read_and_the_rest_left_to_compose() {
        let read = dotenv("# tag\nTAG=1.27\nexport USER_ID=1000\n\n").unwrap();
        assert_eq!(
            read,
            vec![
                ("TAG".to_owned(), "1.27".to_owned()),
                ("USER_ID".to_owned(), "1000".to_owned())
            ]
        );
        assert!(dotenv("A=\"quoted\"").is_err());
        assert!(dotenv("A=${B}").is_err());
        assert!(dotenv("A=x # comment").is_err());
    }
}

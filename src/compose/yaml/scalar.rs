//! The scalars of a compose model typed as serde-saphyr types them: an untagged plain scalar as
//! null, a YAML 1.1 boolean, an integer (any base, `_` separators), a float or text; a tagged
//! one as its core-schema tag says. Pure.

use std::borrow::Cow;

use granit_parser::ScalarStyle;
use serde_json::{Number, Value};

use super::{ErrorKind, Tagged};

/// A scalar's value: plain ones typed as serde-saphyr types them, quoted and block ones text,
/// tagged ones as their tag says.
pub(super) fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<Tagged>,
) -> Result<Value, ErrorKind> {
    let invalid = |text: &str, expected| ErrorKind::Invalid {
        text: text.to_owned(),
        expected,
    };
    match tag {
        None if style == ScalarStyle::Plain => plain(text),
        None | Some(Tagged::Str | Tagged::NonSpecific) => Ok(Value::String(text.into_owned())),
        Some(Tagged::Null) => Ok(Value::Null),
        Some(Tagged::Bool) => yaml11_bool(yaml_trim(&text))
            .map(Value::Bool)
            .ok_or_else(|| invalid(&text, "a boolean")),
        Some(Tagged::Int) => {
            let t = yaml_trim(&text);
            let value = if t.starts_with('-') {
                signed(t)
                    .and_then(|v| i64::try_from(v).ok())
                    .map(Value::from)
            } else {
                unsigned(t)
                    .and_then(|v| u64::try_from(v).ok())
                    .map(Value::from)
            };
            value.ok_or_else(|| invalid(&text, "a 64-bit integer"))
        }
        Some(Tagged::Float) => match float(yaml_trim(&text)) {
            Float::Finite(number) => Ok(Value::Number(number)),
            Float::NonFinite => Err(ErrorKind::NonFinite {
                text: text.into_owned(),
            }),
            Float::Not => Err(invalid(&text, "a number")),
        },
        Some(tag @ (Tagged::Seq | Tagged::Map)) => Err(ErrorKind::TagMismatch {
            tag: tag.name().to_owned(),
            found: "a scalar",
        }),
        Some(Tagged::Merge) => Err(ErrorKind::TagMismatch {
            tag: "!!merge".into(),
            found: "anything but the key `<<`",
        }),
    }
}

/// An untagged plain scalar, typed as serde-saphyr's `deserialize_any` types it: null, then a
/// YAML 1.1 boolean, then an integer, then a float, else text.
pub(in crate::compose) fn plain(text: Cow<'_, str>) -> Result<Value, ErrorKind> {
    if is_null(&text) {
        return Ok(Value::Null);
    }
    let t = yaml_trim(&text);
    match t.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => {}
        // Only these begin a boolean; nothing else that begins with a letter is a number
        // (Rust's float parser reads `inf` and `nan`, but those stay text).
        Some(b't' | b'T' | b'f' | b'F' | b'y' | b'Y' | b'n' | b'N' | b'o' | b'O') => {
            return Ok(match yaml11_bool(t) {
                Some(b) => Value::Bool(b),
                None => Value::String(text.into_owned()),
            });
        }
        _ => return Ok(Value::String(text.into_owned())),
    }
    let unsigned_text = t.strip_prefix(['+', '-']).unwrap_or(t);
    // `0X1F`, `0O17`, `0B1` and `+.nan`, `-.nan` stay text.
    if matches!(unsigned_text.as_bytes(), [b'0', b'X' | b'O' | b'B', ..])
        || matches!(unsigned_text, ".nan" | ".NaN" | ".NAN") && t != unsigned_text
    {
        return Ok(Value::String(text.into_owned()));
    }
    let integer = if t.starts_with('-') {
        signed(t)
            .and_then(|v| i64::try_from(v).ok())
            .map(Value::from)
    } else {
        unsigned(t)
            .and_then(|v| u64::try_from(v).ok())
            .map(Value::from)
    };
    if let Some(integer) = integer {
        return Ok(integer);
    }
    match float(t) {
        Float::Finite(number) => Ok(Value::Number(number)),
        Float::NonFinite => Err(ErrorKind::NonFinite {
            text: text.into_owned(),
        }),
        Float::Not => Ok(Value::String(text.into_owned())),
    }
}

/// `""`, `~`, `null`, `Null`, `NULL`: a plain scalar that is nothing.
pub(super) fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// The padding serde-saphyr trims before typing a scalar.
pub(super) fn yaml_trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

/// YAML 1.1's booleans, any case: `true`, `yes`, `y`, `on`, `false`, `no`, `n`, `off`.
fn yaml11_bool(t: &str) -> Option<bool> {
    let is = |word: &str| t.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || is("y") || is("on") {
        Some(true)
    } else if is("false") || is("no") || is("n") || is("off") {
        Some(false)
    } else {
        None
    }
}

/// A key's integer identity, as serde-saphyr compares keys: `11`, `+11`, `0xB`, `0o13` and
/// `1_1` are the same key. Zero is never negative.
pub(super) fn integer_key(t: &str) -> Option<(bool, u128)> {
    if !matches!(t.as_bytes().first(), Some(b'0'..=b'9' | b'+' | b'-')) {
        return None;
    }
    if t.starts_with('-') {
        signed(t).map(|v| (v < 0, v.unsigned_abs()))
    } else {
        unsigned(t).map(|v| (false, v))
    }
}

/// An integer with an optional `+`: decimal without leading zeros, `0x`, `0o` or `0b`, with
/// single underscores between digits.
fn unsigned(t: &str) -> Option<u128> {
    if t.starts_with('-') {
        return None;
    }
    let (radix, digits) = radix(t.strip_prefix('+').unwrap_or(t));
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    magnitude(digits, radix)
}

/// An integer with an optional sign, as `unsigned` reads it.
fn signed(t: &str) -> Option<i128> {
    let (negative, rest) = match t.strip_prefix('+') {
        Some(rest) => (false, rest),
        None => match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        },
    };
    let (radix, digits) = radix(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    let magnitude = magnitude(digits, radix)?;
    if !negative {
        return i128::try_from(magnitude).ok();
    }
    if magnitude == i128::MIN.unsigned_abs() {
        return Some(i128::MIN);
    }
    i128::try_from(magnitude).ok().map(|v| -v)
}

fn radix(rest: &str) -> (u32, &str) {
    for (prefixes, radix) in [(["0x", "0X"], 16), (["0o", "0O"], 8), (["0b", "0B"], 2)] {
        for prefix in prefixes {
            if let Some(digits) = rest.strip_prefix(prefix) {
                return (radix, digits);
            }
        }
    }
    (10, rest)
}

/// Digits in `radix`, with single underscores between them; `None` on anything else or on
/// overflow.
fn magnitude(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut seen = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i > 0 && bytes[i - 1] != b'_';
            let after = i + 1 < bytes.len() && bytes[i + 1] != b'_';
            if !before || !after {
                return None;
            }
            continue;
        }
        let digit = (b as char).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(digit))?;
        seen = true;
    }
    seen.then_some(value)
}

/// What a scalar is as a float.
enum Float {
    Finite(Number),
    /// `.inf`, `.nan` (any sign, three cases) or a numeral beyond `f64`.
    NonFinite,
    Not,
}

fn float(t: &str) -> Float {
    let unsigned = t
        .strip_prefix('-')
        .unwrap_or_else(|| t.strip_prefix('+').unwrap_or(t));
    if matches!(
        unsigned,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF"
    ) {
        return Float::NonFinite;
    }
    match t.parse::<f64>() {
        Ok(v) => match Number::from_f64(v) {
            Some(number) => Float::Finite(number),
            // Rust also reads `inf`, `infinity` and `nan`: those stay text.
            None if v.is_infinite()
                && t.strip_prefix(['+', '-'])
                    .unwrap_or(t)
                    .starts_with(|c: char| c.is_ascii_digit()) =>
            {
                Float::NonFinite
            }
            None => Float::Not,
        },
        Err(_) => Float::Not,
    }
}

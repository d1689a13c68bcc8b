//! Value grammars of the docker CLI, read exactly as docker reads them.
//!
//! pflag and docker's `opts` package decide what `--pids-limit=0100`, `-m 1.5g`, `--cpus 3/2`
//! or `--health-interval 1m30s` mean. A rule that compares a user's value with a profile's must
//! read it the same way, or it would keep a value it should tighten. Every reader here returns
//! `None` for text docker would reject, so callers can refuse instead of guessing.

/// `strconv.ParseBool`: the spellings pflag accepts for `--flag=VALUE` on a boolean flag.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `strconv.ParseInt(text, 0, 64)`: base prefixes `0x`, `0o`, `0b`, a leading `0` for octal,
/// and `_` between digits.
pub fn parse_int(text: &str) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = parse_uint(body)?;
    if negative {
        if magnitude == 1u64 << 63 {
            Some(i64::MIN)
        } else {
            i64::try_from(magnitude).ok().map(|m| -m)
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `strconv.ParseUint(text, 0, 64)`.
pub fn parse_uint(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest, true)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest, true)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    if !underscores_ok(&lower, prefixed) {
        return None;
    }
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    // `from_str_radix` takes a leading `+`; Go's ParseUint takes no sign at all.
    if digits.is_empty() || digits.starts_with('+') {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

/// Go's `underscoreOK`: underscores only between digits, or after a base prefix.
fn underscores_ok(text: &str, prefixed: bool) -> bool {
    if !text.contains('_') {
        return true;
    }
    let bytes = text.as_bytes();
    // A prefix (`0x`, `0o`, `0b`, or the octal `0`) counts as a digit before an underscore.
    let mut previous = if prefixed { b'0' } else { b'^' };
    let start = if text.len() > 1 && bytes[0] == b'0' && bytes[1].is_ascii_alphabetic() {
        2
    } else {
        0
    };
    for &byte in &bytes[start..] {
        if byte == b'_' {
            if previous != b'0' {
                return false;
            }
            previous = b'_';
        } else if byte.is_ascii_hexdigit() {
            previous = b'0';
        } else {
            previous = b'!';
        }
    }
    previous != b'_'
}

/// go-units `RAMInBytes`: `512m`, `1.5g`, `512MiB`, `100 k`; always 1024-based; a bare number
/// is bytes.
pub fn parse_bytes(text: &str) -> Option<i64> {
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(number_end);
    if number.is_empty() || !number.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    // `\d+(\.\d+)*`: every dot must be followed by digits.
    if number.split('.').any(str::is_empty) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let mut chars = rest.chars().peekable();
    let multiplier: i64 = match chars.peek().map(char::to_ascii_lowercase) {
        Some('k') => 1 << 10,
        Some('m') => 1 << 20,
        Some('g') => 1 << 30,
        Some('t') => 1 << 40,
        Some('p') => 1 << 50,
        _ => 1,
    };
    if multiplier != 1 {
        chars.next();
    }
    if matches!(chars.peek(), Some('i' | 'I')) {
        chars.next();
    }
    if matches!(chars.peek(), Some('b' | 'B')) {
        chars.next();
    }
    if chars.next().is_some() {
        return None;
    }
    let bytes = value * multiplier as f64;
    if bytes >= i64::MAX as f64 {
        return None;
    }
    Some(bytes as i64)
}

/// `--memory-swap`: a byte size, or `-1` for unlimited.
pub fn parse_swap(text: &str) -> Option<i64> {
    if text == "-1" {
        Some(-1)
    } else {
        parse_bytes(text)
    }
}

/// Go's `time.ParseDuration`, in nanoseconds. A unit is required except for `0`.
pub fn parse_duration(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale: f64 = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += value * scale;
    }
    if total > i64::MAX as f64 {
        return None;
    }
    let nanos = total.round() as i64;
    Some(if negative { -nanos } else { nanos })
}

/// `opts.NanoCPUs`: a `big.Rat` (`1.5`, `3/2`, `15e-1`) with at most nine fractional digits,
/// in billionths of a CPU.
pub fn parse_cpus(text: &str) -> Option<i64> {
    if let Some((numerator, denominator)) = text.split_once('/') {
        // `big.Rat.SetString` reads both sides base-0: `10/010` is 10/8.
        let numerator = i128::from(parse_int(numerator)?);
        let denominator = i128::from(parse_uint(denominator)?);
        if denominator <= 0 {
            return None;
        }
        let scaled = numerator.checked_mul(1_000_000_000)?;
        if scaled % denominator != 0 {
            return None;
        }
        return i64::try_from(scaled / denominator).ok();
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .chars()
        .chain(fraction.chars())
        .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    // value = digits * 10^(exponent - fraction.len()); nanos = value * 10^9.
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    let shift = i32::try_from(fraction.len())
        .ok()
        .and_then(|fraction| exponent.checked_add(9)?.checked_sub(fraction))?;
    let nanos = if shift >= 0 {
        digits.checked_mul(10i128.checked_pow(shift as u32)?)?
    } else {
        let divisor = 10i128.checked_pow(shift.unsigned_abs())?;
        if digits % divisor != 0 {
            return None;
        }
        digits / divisor
    };
    let nanos = i64::try_from(nanos).ok()?;
    Some(if negative { -nanos } else { nanos })
}

/// A capability as the engine compares it: upper case, without the `CAP_` prefix.
pub fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_owned)
        .unwrap_or(upper)
}

/// Formats a byte count the way profiles write it (`512m`, `1g`, `1536k`).
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [(i64, &str); 4] = [
        (1 << 40, "t"),
        (1 << 30, "g"),
        (1 << 20, "m"),
        (1 << 10, "k"),
    ];
    for (size, suffix) in UNITS {
        if bytes != 0 && bytes % size == 0 {
            return format!("{}{suffix}", bytes / size);
        }
    }
    format!("{bytes}")
}

/// Formats billionths of a CPU as a decimal (`1.5`, `0.25`, `2`).
pub fn format_cpus(nanos: i64) -> String {
    let whole = nanos / 1_000_000_000;
    let fraction = nanos % 1_000_000_000;
    if fraction == 0 {
        return format!("{whole}.0");
    }
    let digits = format!("{fraction:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_accept_every_parsebool_spelling_and_nothing_else() {
        for yes in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        for bad in ["yes", "no", "tRUE", "", "2"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    #[test]
    fn integers_are_base_0() {
        assert_eq!(parse_int("100"), Some(100));
        assert_eq!(parse_int("0100"), Some(64));
        assert_eq!(parse_int("0x10"), Some(16));
        assert_eq!(parse_int("0X10"), Some(16));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("0x_10"), Some(16));
        assert_eq!(parse_int("-1"), Some(-1));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn integers_reject_what_go_rejects() {
        for bad in [
            "",
            "-",
            "1__0",
            "_1",
            "1_",
            "08",
            "0x",
            "1e3",
            "12a",
            "9223372036854775808",
        ] {
            assert_eq!(parse_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn byte_sizes_are_1024_based_and_a_bare_number_is_bytes() {
        assert_eq!(parse_bytes("512"), Some(512));
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("512MiB"), Some(512 << 20));
        assert_eq!(parse_bytes("512mb"), Some(512 << 20));
        assert_eq!(parse_bytes("1.5g"), Some(1_610_612_736));
        assert_eq!(parse_bytes("100 k"), Some(100 << 10));
        assert_eq!(parse_bytes("1b"), Some(1));
        for bad in ["", "m", "-1", "1.2.3", "12x", "1 gg", ".5g", "1..2"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
        assert_eq!(parse_swap("-1"), Some(-1));
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("30s"), Some(30_000_000_000));
        assert_eq!(parse_duration("1m30s"), Some(90_000_000_000));
        assert_eq!(parse_duration("1.5h"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("500ms"), Some(500_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("-1s"), Some(-1_000_000_000));
        for bad in ["30", "", "s", "1d", "1.2.3s", "1s2"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn cpus_are_rationals_with_at_most_nine_fractional_digits() {
        assert_eq!(parse_cpus("1"), Some(1_000_000_000));
        assert_eq!(parse_cpus("1.0"), Some(1_000_000_000));
        assert_eq!(parse_cpus("0.5"), Some(500_000_000));
        assert_eq!(parse_cpus(".5"), Some(500_000_000));
        assert_eq!(parse_cpus("3/2"), Some(1_500_000_000));
        assert_eq!(parse_cpus("15e-1"), Some(1_500_000_000));
        assert_eq!(parse_cpus("0.000000001"), Some(1));
        assert_eq!(parse_cpus("0.0000000001"), None);
        assert_eq!(parse_cpus("abc"), None);
        assert_eq!(parse_cpus("1/0"), None);
    }

    #[test]
    fn capabilities_compare_without_case_or_prefix() {
        assert_eq!(normalize_capability("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize_capability("NET_BIND_SERVICE"), "NET_BIND_SERVICE");
        assert_eq!(normalize_capability("all"), "ALL");
    }

    #[test]
    fn formatting_round_trips() {
        assert_eq!(format_bytes(512 << 20), "512m");
        assert_eq!(format_bytes(1 << 30), "1g");
        assert_eq!(format_bytes(1000), "1000");
        assert_eq!(format_cpus(1_000_000_000), "1.0");
        assert_eq!(format_cpus(1_500_000_000), "1.5");
        assert_eq!(format_cpus(250_000_000), "0.25");
    }
}

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

/// go-units `RAMInBytes` (v0.5, which docker 23 and later use): the number is everything up to
/// the last digit, dot or space and is read by Go's `strconv.ParseFloat` (`1e3m`, `.5g`, `1.g`,
/// `+1g`, `0x1p10`, `1_000m`); the rest, lower-cased, is a suffix `b`, or `k`/`m`/`g`/`t`/`p`
/// with an optional `b` or `ib`; always 1024-based; one space may stand between number and
/// suffix; a bare number is bytes. Sizes that do not fit an `i64` (where Go's conversion is
/// undefined) and text with non-ASCII bytes (Go lower-cases the Kelvin sign to `k`) are `None`.
pub fn parse_bytes(text: &str) -> Option<i64> {
    if !text.is_ascii() {
        return None;
    }
    let sep = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (number, suffix) = if text.as_bytes()[sep] == b' ' {
        (&text[..sep], &text[sep + 1..])
    } else {
        (&text[..=sep], &text[sep + 1..])
    };
    let size = parse_go_float(number)?;
    if size < 0.0 {
        return None;
    }
    let suffix = suffix.to_ascii_lowercase();
    let multiplier: f64 = match suffix.as_bytes() {
        [] | [b'b'] => 1.0,
        [unit, rest @ ..] if rest.is_empty() || rest == b"b" || rest == b"ib" => match unit {
            b'k' => (1u64 << 10) as f64,
            b'm' => (1u64 << 20) as f64,
            b'g' => (1u64 << 30) as f64,
            b't' => (1u64 << 40) as f64,
            b'p' => (1u64 << 50) as f64,
            _ => return None,
        },
        _ => return None,
    };
    let bytes = size * multiplier;
    if !bytes.is_finite() || bytes >= 9_223_372_036_854_775_808.0 {
        return None;
    }
    Some(bytes as i64)
}

/// Go's `strconv.ParseFloat(text, 64)` for finite numbers: an optional sign, decimal digits
/// with an optional `.` and `e` exponent, or a `0x` mantissa with a mandatory `p` exponent;
/// `_` between digits. `inf` and `nan` are `None` (no caller can take them).
pub fn parse_go_float(text: &str) -> Option<f64> {
    // `_` only between two digits (hex digits after `0x`, whose `x` counts as one).
    let bytes = text.as_bytes();
    let hex = text.contains(['x', 'X']);
    let digit = |b: u8| b.is_ascii_digit() || (hex && b.is_ascii_hexdigit());
    for (i, _) in text.match_indices('_') {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 1).copied();
        if !(before.is_some_and(|b| digit(b) || (hex && matches!(b, b'x' | b'X')))
            && after.is_some_and(digit))
        {
            return None;
        }
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, body) = match clean.as_bytes().first()? {
        b'-' => (true, &clean[1..]),
        b'+' => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let value = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let (mantissa, exponent) = hex.split_once(['p', 'P'])?;
        let exponent: i32 = exponent.parse().ok()?;
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let mut value = 0f64;
        for c in whole.chars().chain(fraction.chars()) {
            value = value * 16.0 + f64::from(c.to_digit(16)?);
        }
        let shift = exponent.checked_sub(4 * i32::try_from(fraction.len()).ok()?)?;
        value * 2f64.powi(shift)
    } else {
        // Rust's grammar is Go's decimal one, but for the words `inf`, `nan`, `infinity`.
        if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if !value.is_finite() {
        return None;
    }
    Some(if negative { -value } else { value })
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
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // `big.Rat.SetString`: a `0x`, `0o` or `0b` mantissa (a leading `0` alone is decimal);
    // an `e` exponent (base 10) except after `0x`, or a `p` exponent (base 2); `_` between
    // digits.
    let lower = body.to_ascii_lowercase();
    let (radix, mantissa) = if let Some(rest) = lower.strip_prefix("0x") {
        (16u32, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, lower.as_str())
    };
    let exponent_at = if radix == 16 {
        mantissa.find('p')
    } else {
        mantissa.find(['e', 'p'])
    };
    let (mantissa, exponent) = match exponent_at {
        Some(at) => {
            let base: i128 = if mantissa.as_bytes()[at] == b'p' {
                2
            } else {
                10
            };
            let digits = &mantissa[at + 1..];
            if digits.is_empty() || digits.contains('_') {
                return None;
            }
            (&mantissa[..at], Some((base, digits.parse::<i32>().ok()?)))
        }
        None => (mantissa, None),
    };
    if !underscores_ok(&lower, radix != 10) {
        return None;
    }
    let mantissa: String = mantissa.chars().filter(|c| *c != '_').collect();
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((&mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    // value = digits / radix^fraction × base^exponent; nanos = value × 10^9, exactly.
    let mut numerator: i128 = 0;
    for c in whole.chars().chain(fraction.chars()) {
        numerator = numerator
            .checked_mul(i128::from(radix))?
            .checked_add(i128::from(c.to_digit(radix)?))?;
    }
    numerator = numerator.checked_mul(1_000_000_000)?;
    let mut denominator = i128::from(radix).checked_pow(u32::try_from(fraction.len()).ok()?)?;
    if let Some((base, power)) = exponent {
        let factor = base.checked_pow(power.unsigned_abs())?;
        if power >= 0 {
            numerator = numerator.checked_mul(factor)?;
        } else {
            denominator = denominator.checked_mul(factor)?;
        }
    }
    if numerator % denominator != 0 {
        return None;
    }
    let nanos = i64::try_from(numerator / denominator).ok()?;
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
        for bad in ["", "m", "-1", "1.2.3", "12x", "1 gg", "1..2"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
        assert_eq!(parse_swap("-1"), Some(-1));
    }

    /// What the docker CLI 28.2.2 accepted and rejected (`docker create --memory=VALUE`),
    /// found by the differential suite: the number is a Go float.
    #[test]
    fn byte_sizes_read_the_number_as_a_go_float() {
        for (text, bytes) in [
            ("1e3m", 1000 << 20),
            (".5g", 512 << 20),
            ("1.g", 1 << 30),
            ("+1g", 1 << 30),
            ("1.5GB", 1_610_612_736),
            ("1_000m", 1000 << 20),
            ("1_0", 10),
            ("1e3", 1000),
            ("1 g", 1 << 30),
            ("1kib", 1 << 10),
            ("1KiB", 1 << 10),
            ("1kb", 1 << 10),
            ("1.", 1),
            ("-0", 0),
            ("1E3M", 1000 << 20),
            ("0x1p10", 1024),
            ("0x1p10k", 1 << 20),
            ("1p", 1 << 50),
            ("0.5", 0),
            ("1.5e2k", 150 << 10),
            ("1_000.5m", 1_049_100_288),
        ] {
            assert_eq!(parse_bytes(text), Some(bytes), "{text}");
        }
        for bad in [
            "0x10m",
            "inf",
            "infm",
            "nan",
            "1  g",
            "1g ",
            " 1g",
            "1.2.3g",
            "1bb",
            "1ib",
            ".",
            "-1",
            "1e400",
            "1e",
            "1ee",
            "1m1",
            "",
            "1x",
            "1mm",
            "1__0",
            "_1",
            "9.3e18",
            "1\u{212a}",
        ] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
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
        // What the docker CLI 28.2.2 accepted (`docker create --cpus=VALUE`), found by the
        // differential suite: `big.Rat` takes base prefixes, `p` exponents and underscores.
        for (text, nanos) in [
            ("1e0", 1_000_000_000),
            ("2E-1", 200_000_000),
            ("3/4", 750_000_000),
            ("1.", 1_000_000_000),
            ("+1", 1_000_000_000),
            ("-1", -1_000_000_000),
            ("0x10", 16_000_000_000),
            ("0x1p-1", 500_000_000),
            ("0x1.8p1", 3_000_000_000),
            ("1_0", 10_000_000_000),
            ("0b1", 1_000_000_000),
            ("0o7", 7_000_000_000),
            ("010", 10_000_000_000),
            ("1.0e+1", 10_000_000_000),
            ("1e-9", 1),
            ("-1/2", -500_000_000),
            ("+.5", 500_000_000),
        ] {
            assert_eq!(parse_cpus(text), Some(nanos), "{text}");
        }
        assert_eq!(parse_cpus("0x1e1"), Some(481_000_000_000));
        for bad in ["1/3", " 1", "inf", "1/-2", "", "1e", "1__0"] {
            assert_eq!(parse_cpus(bad), None, "{bad}");
        }
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

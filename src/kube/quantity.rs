//! Kubernetes quantities (`512Mi`, `1G`, `1.5Gi`, `500m`, `1e3`): read as a number of bytes or
//! of billionths of a CPU, and written back in Kubernetes' units. Pure.

/// A Kubernetes quantity (`512Mi`, `1G`, `1.5Gi`, `100m`, `1e3`) as a number of units, times
/// `scale`, rounded up as Kubernetes rounds a quantity to its smallest unit.
fn quantity(text: &str, scale: f64) -> Option<i64> {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let text = text.trim();
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
        .or_else(|| text.strip_suffix('P').map(|n| (n, 1e15)))
        .or_else(|| text.strip_suffix('E').map(|n| (n, 1e18)))
        .unwrap_or((text, 1.0));
    let valid = !number.is_empty()
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b'e' | b'E'));
    let value: f64 = number.parse().ok().filter(|_| valid)?;
    let scaled = (value * factor * scale).ceil();
    (scaled.is_finite() && scaled >= 0.0 && scaled < i64::MAX as f64).then_some(scaled as i64)
}

/// A memory quantity in bytes.
pub fn quantity_bytes(text: &str) -> Option<i64> {
    quantity(text, 1.0)
}

/// A CPU quantity in billionths of a CPU.
pub fn quantity_nano(text: &str) -> Option<i64> {
    quantity(text, 1e9)
}

/// Bytes as a Kubernetes quantity: `512Mi`, `1Gi`, or a plain number of bytes.
pub fn bytes_quantity(bytes: i64) -> String {
    for (unit, suffix) in [(1i64 << 30, "Gi"), (1 << 20, "Mi"), (1 << 10, "Ki")] {
        if bytes % unit == 0 && bytes != 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// Billionths of a CPU as a Kubernetes quantity: `1`, `500m` (rounded up to a millicore).
pub fn cpu_quantity(nano: i64) -> String {
    let milli = (nano + 999_999) / 1_000_000;
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_read_as_kubernetes_reads_them() {
        assert_eq!(quantity_bytes("512Mi"), Some(512 << 20));
        assert_eq!(quantity_bytes("1G"), Some(1_000_000_000));
        assert_eq!(quantity_bytes("1.5Gi"), Some(3 << 29));
        assert_eq!(quantity_bytes("1024"), Some(1024));
        assert_eq!(quantity_bytes("1e3"), Some(1000));
        assert_eq!(quantity_nano("500m"), Some(500_000_000));
        assert_eq!(quantity_nano("2"), Some(2_000_000_000));
        assert_eq!(quantity_nano("0.25"), Some(250_000_000));
        assert_eq!(quantity_bytes("lots"), None);
        assert_eq!(quantity_bytes("-1Mi"), None);
    }

    #[test]
    fn quantities_are_written_in_kubernetes_units() {
        assert_eq!(bytes_quantity(512 << 20), "512Mi");
        assert_eq!(bytes_quantity(1 << 30), "1Gi");
        assert_eq!(bytes_quantity(1000), "1000");
        assert_eq!(cpu_quantity(1_000_000_000), "1");
        assert_eq!(cpu_quantity(1_500_000_000), "1500m");
        assert_eq!(cpu_quantity(1), "1m");
    }
}

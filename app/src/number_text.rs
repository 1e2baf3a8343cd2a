//! Numbers as people read them, written with integer arithmetic only: core's
//! float formatting (Grisu and Dragon with their tables) is about 12 KB of the
//! browser build, for a handful of figures with a decimal or two.

/// `x` rounded to at most `decimals` places (0 to 6), without trailing zeros:
/// `decimal(9.25, 2)` is `9.25`, `decimal(-81.0, 2)` is `-81`,
/// `decimal(1.25, 1)` is `1.3` (half away from zero). Beyond 10^12, and for
/// what is not a finite number, the whole part only: no figure shown here is that large.
pub fn decimal(x: f64, decimals: u32) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "NaN".to_owned() } else if x > 0.0 { "∞".to_owned() } else { "-∞".to_owned() };
    }
    let decimals = decimals.min(6);
    let scale = 10u64.pow(decimals);
    let magnitude = x.abs();
    let (whole, fraction) = if magnitude < 1e12 {
        let scaled = (magnitude * scale as f64).round() as u64;
        (scaled / scale, scaled % scale)
    } else {
        (magnitude as u64, 0)
    };
    let sign = if x < 0.0 && (whole, fraction) != (0, 0) { "-" } else { "" };
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// Like [`decimal`], but always with exactly one decimal: `6062.5`, `0.0`.
pub fn one_decimal(x: f64) -> String {
    let text = decimal(x, 1);
    if text.contains('.') || !x.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

/// A whole number of pixels, seconds…: `x` rounded (half away from zero).
pub fn whole(x: f64) -> String {
    decimal(x, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_rust_formats_them() {
        for (x, d) in [(9.25, 2), (-81.0, 2), (7.5, 1), (0.0, 1), (-0.0, 2), (123.456, 2), (0.1, 3), (868.3, 1), (2.5e9, 1)] {
            let rust = format!("{x:.d$}", d = d as usize);
            let trimmed = if rust.contains('.') { rust.trim_end_matches('0').trim_end_matches('.') } else { &rust };
            let trimmed = if trimmed == "-0" { "0" } else { trimmed };
            assert_eq!(decimal(x, d), trimmed, "{x} to {d}");
        }
        assert_eq!(decimal(1.25, 1), "1.3", "half away from zero");
        assert_eq!(decimal(-0.04, 1), "0", "no minus on a zero");
        assert_eq!(one_decimal(6062.5), "6062.5");
        assert_eq!(one_decimal(0.0), "0.0");
        assert_eq!(one_decimal(20.0), "20.0");
        assert_eq!(whole(4160.0), "4160");
        assert_eq!(whole(2.5), "3");
        assert_eq!(whole(1e15), "1000000000000000");
        assert_eq!(decimal(f64::NAN, 1), "NaN");
    }
}

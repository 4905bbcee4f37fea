//! Number parsing and printing with the exact acceptance rules Redis's config code relies on:
//! `string2ll` (strict), C's `strtoll`/`strtol` (leading blanks, sign, clamping on overflow),
//! `memtoull` (memory units `b k kb m mb g gb`, case-insensitive), `strtod`, and the
//! `1gb`/`1mb`/`1kb` notation CONFIG REWRITE writes.
//!
//! Pure functions on bytes; never panic.

use crate::lexer::is_c_space;

/// Redis's `string2ll`: an optional `-`, no leading zeros, no blanks, no `+`, at most 20 bytes,
/// and within `i64`.
pub(crate) fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// The outcome of C's `strtoll`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Strtol {
    /// The value, clamped to the `i64` range on overflow.
    pub value: i64,
    /// Index of the first byte not consumed (0 when no digits were found).
    pub end: usize,
    /// Whether the value overflowed (`errno == ERANGE`).
    pub overflow: bool,
}

impl Strtol {
    /// Whether the whole input was consumed (`*endptr == '\0'`).
    pub fn complete(&self, input: &[u8]) -> bool {
        self.end >= input.len()
    }
}

/// C's `strtoll(s, &end, base)` for bases 8 and 10: skips leading blanks, takes an optional sign,
/// then digits. With no digits, `end` is 0 (nothing consumed).
pub(crate) fn strtoll(s: &[u8], base: u32) -> Strtol {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = s.get(i) {
        negative = sign == b'-';
        i += 1;
    }
    let start = i;
    let limit: u128 = if negative {
        i64::MAX as u128 + 1
    } else {
        i64::MAX as u128
    };
    let mut v: u128 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(base)) {
        if !overflow {
            v = v * u128::from(base) + u128::from(d);
            if v > limit {
                overflow = true;
            }
        }
        i += 1;
    }
    if i == start {
        return Strtol {
            value: 0,
            end: 0,
            overflow: false,
        };
    }
    let value = if overflow {
        if negative { i64::MIN } else { i64::MAX }
    } else if negative {
        (v as i64).wrapping_neg()
    } else {
        v as i64
    };
    Strtol {
        value,
        end: i,
        overflow,
    }
}

/// Redis's `memtoull`: digits followed by an optional unit (`b`, `k`=1000, `kb`=1024, `m`, `mb`,
/// `g`, `gb`, any case). A leading `-` is an error; the empty string is 0; an overflowing number
/// saturates and the multiplication wraps, as in C.
pub(crate) fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = &s[digits..];
    let is = |u: &str| unit.eq_ignore_ascii_case(u.as_bytes());
    let mul: u64 = if unit.is_empty() || is("b") {
        1
    } else if is("k") {
        1000
    } else if is("kb") {
        1024
    } else if is("m") {
        1000 * 1000
    } else if is("mb") {
        1024 * 1024
    } else if is("g") {
        1000 * 1000 * 1000
    } else if is("gb") {
        1024 * 1024 * 1024
    } else {
        return None;
    };
    if digits >= 128 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in &s[..digits] {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
        {
            Some(x) => v = x,
            None => {
                v = u64::MAX;
                break;
            }
        }
    }
    Some(v.wrapping_mul(mul))
}

/// How CONFIG REWRITE writes a byte count (`rewriteConfigFormatMemory`).
pub(crate) fn format_memory(bytes: u64) -> String {
    const GB: u64 = 1024 * 1024 * 1024;
    const MB: u64 = 1024 * 1024;
    const KB: u64 = 1024;
    if bytes != 0 && bytes.is_multiple_of(GB) {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes.is_multiple_of(MB) {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes.is_multiple_of(KB) {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

/// Redis's `string2d`: the whole input is a finite-or-infinite double, no leading blank, no NaN.
pub(crate) fn string2d(s: &[u8]) -> Option<f64> {
    if s.first().is_none_or(|&b| is_c_space(b)) {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    let v: f64 = text.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/// `%f` followed by `trimDoubleString`: six decimals, then trailing zeros and a trailing dot
/// removed (`99.900000` → `99.9`, `50.000000` → `50`).
pub(crate) fn format_trimmed_double(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-1"), Some(-1));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(string2ll(b"9223372036854775808"), None);
        for bad in [
            &b""[..],
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"-",
            b"-0",
            b"1a",
            b"99999999999999999999999",
        ] {
            assert_eq!(string2ll(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn strtoll_follows_c() {
        assert_eq!(
            strtoll(b"  +42x", 10),
            Strtol {
                value: 42,
                end: 5,
                overflow: false
            }
        );
        assert_eq!(
            strtoll(b"", 10),
            Strtol {
                value: 0,
                end: 0,
                overflow: false
            }
        );
        assert_eq!(strtoll(b"-", 10).end, 0);
        assert_eq!(strtoll(b"777", 8).value, 511);
        assert_eq!(strtoll(b"8", 8).end, 0);
        let big = strtoll(b"99999999999999999999", 10);
        assert!(big.overflow);
        assert_eq!(big.value, i64::MAX);
        assert_eq!(strtoll(b"-99999999999999999999", 10).value, i64::MIN);
    }

    #[test]
    fn memtoull_units() {
        assert_eq!(memtoull(b"1"), Some(1));
        assert_eq!(memtoull(b"1b"), Some(1));
        assert_eq!(memtoull(b"1k"), Some(1000));
        assert_eq!(memtoull(b"1kb"), Some(1024));
        assert_eq!(memtoull(b"1KB"), Some(1024));
        assert_eq!(memtoull(b"2m"), Some(2_000_000));
        assert_eq!(memtoull(b"2mb"), Some(2 * 1024 * 1024));
        assert_eq!(memtoull(b"1g"), Some(1_000_000_000));
        assert_eq!(memtoull(b"1Gb"), Some(1 << 30));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"1tb"), None);
        assert_eq!(memtoull(b"1.5mb"), None);
        assert_eq!(memtoull(b" 1"), None);
    }

    #[test]
    fn formats_like_rewrite() {
        assert_eq!(format_memory(0), "0");
        assert_eq!(format_memory(1024 * 1024), "1mb");
        assert_eq!(format_memory(512 * 1024 * 1024), "512mb");
        assert_eq!(format_memory(1 << 30), "1gb");
        assert_eq!(format_memory(16384), "16kb");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_trimmed_double(99.9), "99.9");
        assert_eq!(format_trimmed_double(50.0), "50");
        assert_eq!(string2d(b"99.9"), Some(99.9));
        assert_eq!(string2d(b" 1"), None);
        assert_eq!(string2d(b"nan"), None);
    }
}

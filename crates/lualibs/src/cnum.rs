//! C numeric conversions as Redis's build of the libraries performs them (x86-64, glibc):
//! `printf("%.*g")`, `strtod`, and the double-to-integer casts whose out-of-range results C leaves
//! undefined and the CPU's `cvttsd2si` defines (the "integer indefinite" value, `MIN`).
//!
//! Pure functions on numbers and bytes; nothing here touches Lua.

/// 2^63 as a double, the first value out of range for `int64_t`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// `(int)x`: truncation toward zero; NaN and out-of-range values give `INT_MIN`.
pub(crate) fn f64_to_i32(x: f64) -> i32 {
    if x > -2_147_483_649.0 && x < 2_147_483_648.0 {
        x as i32
    } else {
        i32::MIN
    }
}

/// `(int64_t)x` (also `(long)x` and `lua_Integer` casts): NaN and out-of-range give `INT64_MIN`.
pub(crate) fn f64_to_i64(x: f64) -> i64 {
    if (-TWO_POW_63..TWO_POW_63).contains(&x) {
        x as i64
    } else {
        i64::MIN
    }
}

/// `(uint64_t)x` (also `size_t`) as gcc compiles it: values below 2^63 (and NaN) go through the
/// signed conversion, larger ones are offset by 2^63 first.
pub(crate) fn f64_to_u64(x: f64) -> u64 {
    if x >= TWO_POW_63 {
        (f64_to_i64(x - TWO_POW_63) as u64) ^ (1 << 63)
    } else {
        f64_to_i64(x) as u64
    }
}

/// Appends `x` formatted like `printf("%.{precision}g", x)` with glibc (`inf`, `-nan`, `1e+100`).
pub(crate) fn format_g(out: &mut Vec<u8>, x: f64, precision: usize) {
    if x.is_sign_negative() {
        out.push(b'-');
    }
    if x.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if x.is_infinite() {
        out.extend_from_slice(b"inf");
        return;
    }
    let p = precision.max(1);
    // Rust's exponent format is correctly rounded with ties to even, like glibc: its digits are
    // the P significant digits %g prints, whichever style it picks.
    let sci = format!("{:.*e}", p - 1, x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if exp < -4 || exp >= p as i32 {
        out.push(digits[0]);
        push_fraction(out, &digits[1..]);
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(e.to_string().as_bytes());
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend_from_slice(&digits[..int_len]);
        push_fraction(out, &digits[int_len..]);
    } else {
        out.push(b'0');
        let mut frac = vec![b'0'; (-exp - 1) as usize];
        frac.extend_from_slice(&digits);
        push_fraction(out, &frac);
    }
}

/// Appends `.digits` without trailing zeros, or nothing when no digit is left (%g without `#`).
fn push_fraction(out: &mut Vec<u8>, digits: &[u8]) {
    let end = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    if end > 0 {
        out.push(b'.');
        out.extend_from_slice(&digits[..end]);
    }
}

/// glibc `strtod` on a NUL-terminated string (the end of `s`, or its first NUL, terminates it).
/// Returns the value and how many bytes it consumed, or `None` when no number starts here
/// (`endptr == nptr`). Accepts what glibc accepts: leading white space, a sign, decimal and
/// hexadecimal (`0x1.8p3`) forms, `inf`/`infinity`, `nan`/`nan(chars)`, any case.
pub(crate) fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while matches!(at(i), b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let negative = at(i) == b'-';
    if matches!(at(i), b'+' | b'-') {
        i += 1;
    }
    let (magnitude, end) = if starts_with_ignore_case(&s[i.min(s.len())..], b"inf") {
        let len = if starts_with_ignore_case(&s[i..], b"infinity") {
            8
        } else {
            3
        };
        (f64::INFINITY, i + len)
    } else if starts_with_ignore_case(&s[i.min(s.len())..], b"nan") {
        parse_nan(s, i + 3)
    } else if at(i) == b'0'
        && at(i + 1) | 0x20 == b'x'
        && (at(i + 2).is_ascii_hexdigit() || (at(i + 2) == b'.' && at(i + 3).is_ascii_hexdigit()))
    {
        parse_hex(s, i + 2)
    } else {
        parse_decimal(s, i)?
    };
    Some((if negative { -magnitude } else { magnitude }, end))
}

fn starts_with_ignore_case(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// `nan` or `nan(n-char-sequence)`, starting after "nan". glibc reads the sequence as the NaN's
/// payload when it is a whole number (base prefixes allowed).
fn parse_nan(s: &[u8], start: usize) -> (f64, usize) {
    let quiet_nan = f64::from_bits(0x7ff8_0000_0000_0000);
    if s.get(start) != Some(&b'(') {
        return (quiet_nan, start);
    }
    let body_start = start + 1;
    let body_len = s[body_start..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .unwrap_or(s.len() - body_start);
    let close = body_start + body_len;
    if s.get(close) != Some(&b')') {
        return (quiet_nan, start);
    }
    let payload = parse_c_unsigned(&s[body_start..close]).unwrap_or(0) & ((1 << 51) - 1);
    (f64::from_bits(quiet_nan.to_bits() | payload), close + 1)
}

/// `strtoull(s, &end, 0)` where the whole of `s` must be consumed.
fn parse_c_unsigned(s: &[u8]) -> Option<u64> {
    let (digits, radix) = match s {
        [b'0', x, rest @ ..] if x | 0x20 == b'x' => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (s, 10),
    };
    let text = std::str::from_utf8(digits).ok()?;
    if text.is_empty() {
        return None;
    }
    // strtoull saturates on overflow.
    Some(u64::from_str_radix(text, radix).unwrap_or(u64::MAX))
}

/// Decimal digits with an optional fraction and exponent. The exponent counts only when digits
/// follow it ("1e" is the number 1 followed by "e").
fn parse_decimal(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = start;
    let mut digits = 0;
    while at(i).is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if at(i) == b'.' {
        i += 1;
        while at(i).is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if at(i) | 0x20 == b'e' {
        let mut j = i + 1;
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        if at(j).is_ascii_digit() {
            while at(j).is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).ok()?;
    // Rust's parser is correctly rounded like glibc's and takes this same syntax ("1.", ".5").
    let value = text.parse::<f64>().ok()?;
    Some((value, i))
}

/// The hexadecimal form after "0x": hex digits, an optional fraction, an optional binary exponent
/// `p[+-]digits`; correctly rounded (ties to even), like glibc.
fn parse_hex(s: &[u8], start: usize) -> (f64, usize) {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = start;
    let mut mantissa: u64 = 0;
    let mut sticky = false;
    let mut exp2: i64 = 0;
    let mut seen_dot = false;
    loop {
        let c = at(i);
        if c == b'.' && !seen_dot {
            seen_dot = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        if mantissa >> 60 == 0 {
            mantissa = mantissa << 4 | u64::from(d);
            if seen_dot {
                exp2 -= 4;
            }
        } else {
            // Out of room: the digit only matters as a sticky bit (and its place value).
            sticky |= d != 0;
            if !seen_dot {
                exp2 += 4;
            }
        }
        i += 1;
    }
    if at(i) | 0x20 == b'p' {
        let mut j = i + 1;
        let negative = at(j) == b'-';
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        if at(j).is_ascii_digit() {
            let mut e: i64 = 0;
            while at(j).is_ascii_digit() {
                e = (e * 10 + i64::from(at(j) - b'0')).min(1 << 40);
                j += 1;
            }
            exp2 += if negative { -e } else { e };
            i = j;
        }
    }
    (compose_binary(mantissa, sticky, exp2), i)
}

/// `mantissa * 2^exp2` (plus a little more when `sticky`), rounded to the nearest double with
/// ties to even, including subnormals and overflow to infinity.
fn compose_binary(mantissa: u64, sticky: bool, exp2: i64) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let bits = 64 - i64::from(mantissa.leading_zeros());
    let top_exp = bits - 1 + exp2; // the value lies in [2^top_exp, 2^(top_exp + 1))
    if top_exp > 1023 {
        return f64::INFINITY;
    }
    // Exponent of the last bit the double can keep: 52 bits below the top, but not below 2^-1074.
    let lsb_exp = (top_exp - 52).max(-1074);
    let drop = lsb_exp - exp2;
    let mut kept: u128;
    let mut lsb_exp = lsb_exp;
    if drop <= 0 {
        kept = u128::from(mantissa) << (-drop);
    } else if drop > 100 {
        return 0.0;
    } else {
        let m = u128::from(mantissa);
        kept = m >> drop;
        let rest = m & ((1u128 << drop) - 1);
        let half = 1u128 << (drop - 1);
        if rest > half || (rest == half && (sticky || kept & 1 == 1)) {
            kept += 1;
        }
    }
    if kept >> 53 != 0 {
        kept >>= 1;
        lsb_exp += 1;
    }
    if kept < 1 << 52 {
        // Subnormal (only possible at the bottom exponent).
        return f64::from_bits(kept as u64);
    }
    let biased = lsb_exp + 52 + 1023;
    if biased >= 2047 {
        return f64::INFINITY;
    }
    f64::from_bits(((biased as u64) << 52) | (kept as u64 & ((1 << 52) - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(x: f64, p: usize) -> String {
        let mut out = Vec::new();
        format_g(&mut out, x, p);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn format_g_matches_glibc() {
        assert_eq!(g(0.1, 14), "0.1");
        assert_eq!(g(1.0 / 3.0, 14), "0.33333333333333");
        assert_eq!(g(-0.0, 14), "-0");
        assert_eq!(g(1e100, 14), "1e+100");
        assert_eq!(g(1e15, 14), "1e+15");
        assert_eq!(g(1e14, 14), "1e+14");
        assert_eq!(g(123456789012345678.0, 14), "1.2345678901235e+17");
        assert_eq!(g(2f64.powi(53), 14), "9.007199254741e+15");
        assert_eq!(g(-1.5e-7, 14), "-1.5e-07");
        assert_eq!(g(0.0001, 14), "0.0001");
        assert_eq!(g(0.00001, 14), "1e-05");
        assert_eq!(g(12345678901234.0, 14), "12345678901234");
        assert_eq!(g(5e-324, 14), "4.9406564584125e-324");
        assert_eq!(g(f64::INFINITY, 14), "inf");
        assert_eq!(g(f64::NEG_INFINITY, 14), "-inf");
        // Ties round to even, as glibc does on exact binary halves.
        assert_eq!(g(0.25, 1), "0.2");
        assert_eq!(g(2.5, 1), "2");
        assert_eq!(g(9.5, 1), "1e+01");
        assert_eq!(g(0.375, 2), "0.38");
        assert_eq!(g(99.5, 2), "1e+02");
    }

    #[test]
    fn strtod_matches_glibc() {
        let v = |s: &str| strtod(s.as_bytes());
        assert_eq!(v("1.5x"), Some((1.5, 3)));
        assert_eq!(v("1e"), Some((1.0, 1)));
        assert_eq!(v("1e+5"), Some((1e5, 4)));
        assert_eq!(v("1."), Some((1.0, 2)));
        assert_eq!(v(".5"), Some((0.5, 2)));
        assert_eq!(v("."), None);
        assert_eq!(v("-"), None);
        assert_eq!(v("+7"), Some((7.0, 2)));
        assert_eq!(v("0x10"), Some((16.0, 4)));
        assert_eq!(v("0x"), Some((0.0, 1)));
        assert_eq!(v("0xg"), Some((0.0, 1)));
        assert_eq!(v("0x1p4"), Some((16.0, 5)));
        assert_eq!(v("0x1.8"), Some((1.5, 5)));
        assert_eq!(v("0x.8p1"), Some((1.0, 6)));
        assert_eq!(v("-0x10"), Some((-16.0, 5)));
        assert_eq!(v("1e5000"), Some((f64::INFINITY, 6)));
        assert_eq!(v("Infinity"), Some((f64::INFINITY, 8)));
        assert_eq!(v("-inFinit"), Some((f64::NEG_INFINITY, 4)));
        let (nan, len) = v("-nan(123)").unwrap();
        assert!(nan.is_nan() && nan.is_sign_negative() && len == 9);
        assert_eq!(nan.to_bits() & 0xffff, 123);
        assert_eq!(v("nan(12").map(|(_, len)| len), Some(3));
        assert_eq!(v("0x1p-1074"), Some((5e-324, 9)));
        assert_eq!(v("0x1p1024"), Some((f64::INFINITY, 8)));
        assert_eq!(
            v("0x1fffffffffffff8p0").map(|(x, _)| x),
            Some(2f64.powi(57))
        );
    }

    #[test]
    fn casts_follow_cvttsd2si() {
        assert_eq!(f64_to_i32(3e9), i32::MIN);
        assert_eq!(f64_to_i32(-2147483648.9), -2147483648);
        assert_eq!(f64_to_i32(f64::NAN), i32::MIN);
        assert_eq!(f64_to_i64(1e30), i64::MIN);
        assert_eq!(f64_to_i64(-1.9), -1);
        assert_eq!(f64_to_u64(2f64.powi(64)), 0);
        assert_eq!(f64_to_u64(2f64.powi(63)), 1 << 63);
        assert_eq!(f64_to_u64(f64::NAN), 1 << 63);
        assert_eq!(f64_to_u64(f64::INFINITY), 0);
        assert_eq!(f64_to_u64(2f64.powi(64) - 2048.0), 0xffff_ffff_ffff_f800);
    }
}

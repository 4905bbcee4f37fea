//! Integer text helpers shared by the decoders and the encoders.
//!
//! Owns the two conversions on the hot path: Redis's strict `string2ll`
//! (`util.c`) for lengths read from the wire, and a stack-buffer integer
//! formatter for lengths and integers written to it. No allocation here.

/// Parses `s` exactly as Redis's `string2ll`: an optional `-`, then digits
/// with no leading zero (except `0` itself), nothing else, at most 20 bytes,
/// within `i64`. `-0`, `+1`, `01`, ` 1` and the empty string are rejected.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    // Redis: `slen >= LONG_STR_SIZE` (21) is not a number.
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (&first, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut value = u64::from(first - b'0');
    for &b in rest {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        // i64::MIN's magnitude is one more than i64::MAX.
        if value > i64::MAX as u64 + 1 {
            return None;
        }
        Some((value as i64).wrapping_neg())
    } else {
        i64::try_from(value).ok()
    }
}

/// Position of the first `needle` in `haystack`.
#[inline]
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Decimal digits of an integer, written into a stack buffer.
pub(crate) struct IntText {
    buf: [u8; 20],
    start: usize,
}

impl IntText {
    /// Formats an unsigned value (lengths).
    #[inline]
    pub(crate) fn unsigned(mut v: u64) -> Self {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        IntText { buf, start }
    }

    /// Formats a signed value; `unsigned_abs` keeps `i64::MIN` exact.
    #[inline]
    pub(crate) fn signed(v: i64) -> Self {
        let mut text = IntText::unsigned(v.unsigned_abs());
        if v < 0 {
            // u64::MAX has 20 digits but |i64::MIN| has 19, so there is room.
            text.start -= 1;
            text.buf[text.start] = b'-';
        }
        text
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_follows_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"7"), Some(7));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"+1",
            b"01",
            b" 1",
            b"1 ",
            b"1a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"000000000000000000001",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn int_text_formats_extremes() {
        assert_eq!(IntText::signed(0).as_bytes(), b"0");
        assert_eq!(IntText::signed(-42).as_bytes(), b"-42");
        assert_eq!(
            IntText::signed(i64::MIN).as_bytes(),
            b"-9223372036854775808"
        );
        assert_eq!(IntText::signed(i64::MAX).as_bytes(), b"9223372036854775807");
        assert_eq!(
            IntText::unsigned(u64::MAX).as_bytes(),
            b"18446744073709551615"
        );
    }
}

//! Redis's line-level text rules, re-implemented from their behaviour: splitting a config line
//! into arguments (`sdssplitargs`: quotes, `\xHH` and backslash escapes, `''` is the empty
//! string), quoting a value back (`sdscatrepr`), trimming, and the plain single-space split
//! CONFIG SET uses for multi-argument values.
//!
//! Works on bytes; never panics, never reads past its input.

/// C's `isspace` in the "C" locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits a line into arguments as `sdssplitargs` does. `None` on unbalanced quotes or on a
/// closing quote followed by something other than a space (`"foo"bar`). An empty or blank line
/// gives an empty vector.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_c_space(line[p]) {
            p += 1;
        }
        if p >= line.len() || line[p] == 0 {
            return Some(args);
        }
        let mut current = Vec::new();
        let (mut in_dq, mut in_sq) = (false, false);
        loop {
            let c = at(p);
            if in_dq {
                if c == b'\\'
                    && at(p + 1) == b'x'
                    && let (Some(h), Some(l)) = (hex_value(at(p + 2)), hex_value(at(p + 3)))
                {
                    current.push(h * 16 + l);
                    p += 4;
                    continue;
                }
                if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_c_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_sq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_c_space(at(p + 1)) {
                        return None;
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    current.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    other => current.push(other),
                }
            }
            p += 1;
        }
        args.push(current);
    }
}

/// Appends `value` quoted as `sdscatrepr` does: in double quotes, with `\\ \" \n \r \t \a \b`
/// escaped and other non-printable bytes as `\xHH`.
pub(crate) fn push_repr(out: &mut String, value: &[u8]) {
    out.push('"');
    for &b in value {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
}

/// `value` quoted by [`push_repr`].
pub(crate) fn repr(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_repr(&mut out, value);
    out
}

/// Whether [`split_args`] would not give `value` back unquoted (`sdsneedsrepr`).
pub(crate) fn needs_repr(value: &[u8]) -> bool {
    value.is_empty()
        || value.iter().any(|&b| {
            matches!(b, b'\\' | b'"' | b'\'') || is_c_space(b) || !(0x20..=0x7e).contains(&b)
        })
}

/// Trims the bytes in `set` from both ends (`sdstrim`).
pub(crate) fn trim<'a>(line: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = line
        .iter()
        .position(|b| !set.contains(b))
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !set.contains(b))
        .map_or(start, |i| i + 1);
    &line[start..end.max(start)]
}

/// Splits on every single `sep` byte as `sdssplitlen` does: empty input gives no element,
/// `"a  b"` gives `a`, ``, `b`.
pub(crate) fn split_on(value: &[u8], sep: u8) -> Vec<&[u8]> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(|&b| b == sep).collect()
}

/// The bytes up to the first NUL, as a C string would see them.
pub(crate) fn c_str(value: &[u8]) -> &[u8] {
    match value.iter().position(|&b| b == 0) {
        Some(n) => &value[..n],
        None => value,
    }
}

/// Lossy UTF-8 text of a C string.
pub(crate) fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(c_str(value)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(
            split("save 900 1"),
            Some(vec!["save".into(), "900".into(), "1".into()])
        );
        assert_eq!(split("logfile ''"), Some(vec!["logfile".into(), "".into()]));
        assert_eq!(
            split("logfile \"\""),
            Some(vec!["logfile".into(), "".into()])
        );
        assert_eq!(split("  a\t\tb  "), Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            split("x \"a\\nb\\x41\\\"\""),
            Some(vec!["x".into(), "a\nbA\"".into()])
        );
        assert_eq!(split("x 'it\\'s'"), Some(vec!["x".into(), "it's".into()]));
        assert_eq!(split("x 'a\\nb'"), Some(vec!["x".into(), "a\\nb".into()]));
        assert_eq!(split("x ab\"cd\""), Some(vec!["x".into(), "abcd".into()]));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split("x \"unterminated"), None);
        assert_eq!(split("x 'unterminated"), None);
        assert_eq!(split("x \"foo\"bar"), None);
        assert_eq!(split("x \"\\x4\""), Some(vec!["x".into(), "x4".into()]));
        assert_eq!(split("x \"\\"), None);
    }

    #[test]
    fn repr_round_trips_through_split() {
        for v in [
            &b""[..],
            b"a b",
            b"q\"uote\\",
            b"\x00\x01\xff\n\t",
            b"plain",
        ] {
            let line = format!("k {}", repr(v));
            assert_eq!(
                split_args(line.as_bytes()),
                Some(vec![b"k".to_vec(), v.to_vec()])
            );
        }
        assert_eq!(repr(b"a\x01"), "\"a\\x01\"");
    }

    #[test]
    fn trims_and_splits() {
        assert_eq!(trim(b" \t x y \r\n", b" \t\r\n"), b"x y");
        assert_eq!(trim(b"   ", b" "), b"");
        assert_eq!(split_on(b"", b' '), Vec::<&[u8]>::new());
        assert_eq!(split_on(b"a  b ", b' '), vec![&b"a"[..], b"", b"b", b""]);
    }
}

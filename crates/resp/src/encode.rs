//! Reply and command encoding: values out, as RESP2 or RESP3 bytes.
//!
//! Owns the writers a server uses for every reply, the replication stream's
//! command encoding ([`write_command`]), and Redis's two double formats
//! ([`format_double_g17`] for replies, [`format_double_human`] for stored
//! `INCRBYFLOAT` results). Writers append to a `BytesMut` and allocate only
//! when it grows: integers and doubles are formatted in stack buffers.
//! It must not decide which protocol a client speaks: callers pass [`Proto`].

use std::fmt::{self, Write as _};

use bytes::{BufMut, BytesMut};

use crate::Proto;
use crate::frame::Frame;
use crate::num::IntText;

const CRLF: &[u8] = b"\r\n";

/// Appends `prefix`, `n` in decimal, CRLF: the header of most RESP types.
#[inline]
fn write_header(out: &mut BytesMut, prefix: u8, n: u64) {
    let text = IntText::unsigned(n);
    out.reserve(1 + text.as_bytes().len() + 2);
    out.put_u8(prefix);
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(CRLF);
}

/// `usize` to `u64` without a cast that could truncate on exotic targets.
#[inline]
fn len_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// `+s\r\n`. `s` must not contain CRLF.
pub fn write_simple(out: &mut BytesMut, s: &[u8]) {
    out.reserve(s.len() + 3);
    out.put_u8(b'+');
    out.extend_from_slice(s);
    out.extend_from_slice(CRLF);
}

/// `-msg\r\n`, `msg` given without the `-`; a `\r` or `\n` in it becomes a
/// space, as Redis's `addReplyErrorFormat` does, so the reply stays one line.
pub fn write_error(out: &mut BytesMut, msg: &[u8]) {
    out.reserve(msg.len() + 3);
    out.put_u8(b'-');
    let start = out.len();
    out.extend_from_slice(msg);
    for b in &mut out[start..] {
        if *b == b'\r' || *b == b'\n' {
            *b = b' ';
        }
    }
    out.extend_from_slice(CRLF);
}

/// `:v\r\n`
pub fn write_integer(out: &mut BytesMut, v: i64) {
    let text = IntText::signed(v);
    out.reserve(text.as_bytes().len() + 3);
    out.put_u8(b':');
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(CRLF);
}

/// `$len\r\ndata\r\n`
pub fn write_bulk(out: &mut BytesMut, data: &[u8]) {
    out.reserve(data.len() + 24 + 2);
    write_header(out, b'$', len_u64(data.len()));
    out.extend_from_slice(data);
    out.extend_from_slice(CRLF);
}

/// A missing string: RESP2 `$-1\r\n`, RESP3 `_\r\n`.
pub fn write_null(out: &mut BytesMut, proto: Proto) {
    out.extend_from_slice(match proto {
        Proto::Resp2 => b"$-1\r\n",
        Proto::Resp3 => b"_\r\n",
    });
}

/// A missing aggregate: RESP2 `*-1\r\n`, RESP3 `_\r\n`.
pub fn write_null_array(out: &mut BytesMut, proto: Proto) {
    out.extend_from_slice(match proto {
        Proto::Resp2 => b"*-1\r\n",
        Proto::Resp3 => b"_\r\n",
    });
}

/// `*n\r\n`; `n` elements must follow.
pub fn write_array_len(out: &mut BytesMut, n: usize) {
    write_header(out, b'*', len_u64(n));
}

/// RESP3 `%n\r\n`, RESP2 `*2n\r\n`; `n_pairs` key-value pairs must follow.
pub fn write_map_len(out: &mut BytesMut, proto: Proto, n_pairs: usize) {
    match proto {
        Proto::Resp2 => write_header(out, b'*', len_u64(n_pairs).saturating_mul(2)),
        Proto::Resp3 => write_header(out, b'%', len_u64(n_pairs)),
    }
}

/// RESP3 `~n\r\n`, RESP2 `*n\r\n`.
pub fn write_set_len(out: &mut BytesMut, proto: Proto, n: usize) {
    let prefix = match proto {
        Proto::Resp2 => b'*',
        Proto::Resp3 => b'~',
    };
    write_header(out, prefix, len_u64(n));
}

/// RESP3 `>n\r\n`, RESP2 `*n\r\n` (pub/sub messages).
pub fn write_push_len(out: &mut BytesMut, proto: Proto, n: usize) {
    let prefix = match proto {
        Proto::Resp2 => b'*',
        Proto::Resp3 => b'>',
    };
    write_header(out, prefix, len_u64(n));
}

/// A double as Redis 7.0's `addReplyDouble`: RESP3 `,<%.17g>\r\n`, RESP2 a
/// bulk string of the same text; infinities are `inf` and `-inf`.
pub fn write_double(out: &mut BytesMut, proto: Proto, v: f64) {
    let text = G17::new(v);
    match proto {
        Proto::Resp2 => write_bulk(out, text.as_bytes()),
        Proto::Resp3 => {
            out.reserve(text.as_bytes().len() + 3);
            out.put_u8(b',');
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(CRLF);
        }
    }
}

/// RESP3 `#t` / `#f`, RESP2 `:1` / `:0`.
pub fn write_bool(out: &mut BytesMut, proto: Proto, v: bool) {
    out.extend_from_slice(match (proto, v) {
        (Proto::Resp2, true) => b":1\r\n",
        (Proto::Resp2, false) => b":0\r\n",
        (Proto::Resp3, true) => b"#t\r\n",
        (Proto::Resp3, false) => b"#f\r\n",
    });
}

/// RESP3 `=len\r\nfmt:text\r\n` (e.g. `txt`), RESP2 a bulk string of `text`.
pub fn write_verbatim(out: &mut BytesMut, proto: Proto, format: &[u8; 3], text: &[u8]) {
    match proto {
        Proto::Resp2 => write_bulk(out, text),
        Proto::Resp3 => {
            out.reserve(text.len() + 24 + 6);
            write_header(out, b'=', len_u64(text.len()).saturating_add(4));
            out.extend_from_slice(format);
            out.put_u8(b':');
            out.extend_from_slice(text);
            out.extend_from_slice(CRLF);
        }
    }
}

/// A command as a multibulk request, `*n` then one bulk per argument: the
/// encoding of the replication stream and of requests to another server.
pub fn write_command<A: AsRef<[u8]>>(out: &mut BytesMut, args: &[A]) {
    // Per argument: `$`, up to 20 digits, two CRLFs.
    let payload: usize = args.iter().map(|a| a.as_ref().len() + 25).sum();
    out.reserve(payload + 24);
    write_array_len(out, args.len());
    for arg in args {
        write_bulk(out, arg.as_ref());
    }
}

/// Writes `frame` in RESP3. `Null` is `_`; an `Error` holding CR or LF is a
/// blob error `!<len>` so its bytes survive; a `Simple` must not contain CRLF.
pub fn write_frame(out: &mut BytesMut, frame: &Frame) {
    match frame {
        Frame::Simple(s) => write_simple(out, s),
        Frame::Error(e) if e.iter().any(|&b| b == b'\r' || b == b'\n') => {
            write_header(out, b'!', len_u64(e.len()));
            out.extend_from_slice(e);
            out.extend_from_slice(CRLF);
        }
        Frame::Error(e) => write_error(out, e),
        Frame::Integer(v) => write_integer(out, *v),
        Frame::Bulk(b) => write_bulk(out, b),
        Frame::Null => write_null(out, Proto::Resp3),
        Frame::Double(v) => write_double(out, Proto::Resp3, *v),
        Frame::Boolean(v) => write_bool(out, Proto::Resp3, *v),
        Frame::BigNumber(n) => {
            out.put_u8(b'(');
            out.extend_from_slice(n);
            out.extend_from_slice(CRLF);
        }
        Frame::Verbatim { format, text } => {
            write_header(out, b'=', len_u64(format.len() + 1 + text.len()));
            out.extend_from_slice(format);
            out.put_u8(b':');
            out.extend_from_slice(text);
            out.extend_from_slice(CRLF);
        }
        Frame::Array(items) => write_items(out, b'*', items),
        Frame::Set(items) => write_items(out, b'~', items),
        Frame::Push(items) => write_items(out, b'>', items),
        Frame::Map(pairs) => write_pairs(out, b'%', pairs),
        Frame::Attribute(pairs) => write_pairs(out, b'|', pairs),
    }
}

fn write_items(out: &mut BytesMut, prefix: u8, items: &[Frame]) {
    write_header(out, prefix, len_u64(items.len()));
    for item in items {
        write_frame(out, item);
    }
}

fn write_pairs(out: &mut BytesMut, prefix: u8, pairs: &[(Frame, Frame)]) {
    write_header(out, prefix, len_u64(pairs.len()));
    for (key, value) in pairs {
        write_frame(out, key);
        write_frame(out, value);
    }
}

/// C's `printf("%.17g", v)` as glibc prints it: 17 significant digits,
/// trailing zeros removed, exponent form when the exponent is below -4 or
/// above 16. `inf`, `-inf`, `nan` (`-nan` for a NaN with its sign bit set).
pub fn format_double_g17(v: f64) -> String {
    let text = G17::new(v);
    // The text is ASCII by construction.
    String::from_utf8_lossy(text.as_bytes()).into_owned()
}

/// A double as Redis's `ld2string(.., LD_STR_HUMAN)` stores `INCRBYFLOAT`
/// results: no exponent, no trailing zeros or point, at most 17 digits after
/// the point, `-0` written `0`. Within those 17 places the digits are the
/// shortest that read back as `v` (Redis gets the same effect from computing
/// in `long double`): `10.6`, `3`, `-0.5`, `5e20` as `500000000000000000000`.
pub fn format_double_human(v: f64) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `Display` for floats is the shortest round-trip text, never in
    // exponent form.
    let mut text = v.to_string();
    let places = text.find('.').map_or(0, |dot| text.len() - dot - 1);
    if places > 17 {
        // Redis prints `%.17Lf`: round to 17 places, then trim.
        text = format!("{v:.17}");
        let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(trimmed);
    }
    if text == "-0" {
        text.remove(0);
    }
    text
}

/// A small ASCII text in a stack buffer.
struct StackText<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    fn new() -> Self {
        StackText {
            buf: [0; N],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        // Callers size N for the longest text; a longer one is truncated
        // rather than a panic.
        if self.len < N {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(N - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize> fmt::Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > N {
            return Err(fmt::Error);
        }
        self.extend(s.as_bytes());
        Ok(())
    }
}

/// `%.17g` text of a double. The longest is 23 bytes (`-0.0001` followed by
/// 16 more digits).
struct G17(StackText<32>);

impl G17 {
    fn new(v: f64) -> Self {
        let mut out = StackText::new();
        if v.is_nan() {
            out.extend(if v.is_sign_negative() {
                b"-nan"
            } else {
                b"nan"
            });
        } else if v.is_infinite() {
            out.extend(if v > 0.0 { b"inf" } else { b"-inf" });
        } else {
            write_g17_finite(&mut out, v);
        }
        G17(out)
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Digits of `%.17g` come from `%.16e`, which Rust's formatter rounds
/// exactly (ties to even), as glibc does.
fn write_g17_finite(out: &mut StackText<32>, v: f64) {
    // `-d.dddddddddddddddde-308` is at most 24 bytes, so this cannot fail.
    let mut sci = StackText::<32>::new();
    let _ = write!(sci, "{v:.16e}");
    let sci = sci.as_bytes();
    let (negative, sci) = match sci.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, sci),
    };
    let e_at = sci.iter().position(|&b| b == b'e').unwrap_or(sci.len());
    let mut digits = [b'0'; 17];
    let mut n_digits = 0;
    for &b in sci[..e_at].iter().filter(|b| b.is_ascii_digit()) {
        if n_digits < digits.len() {
            digits[n_digits] = b;
            n_digits += 1;
        }
    }
    let exp = parse_exponent(sci.get(e_at + 1..).unwrap_or(&[]));
    // Significant digits left once trailing zeros go (at least one).
    let significant = digits.iter().rposition(|&d| d != b'0').map_or(1, |i| i + 1);

    if negative {
        out.push(b'-');
    }
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let int_digits = exp as usize + 1;
            out.extend(&digits[..int_digits]);
            if significant > int_digits {
                out.push(b'.');
                out.extend(&digits[int_digits..significant]);
            }
        } else {
            out.extend(b"0.");
            for _ in 0..(-exp - 1) {
                out.push(b'0');
            }
            out.extend(&digits[..significant]);
        }
    } else {
        out.push(digits[0]);
        if significant > 1 {
            out.push(b'.');
            out.extend(&digits[1..significant]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let magnitude = IntText::unsigned(u64::from(exp.unsigned_abs()));
        if magnitude.as_bytes().len() < 2 {
            out.push(b'0');
        }
        out.extend(magnitude.as_bytes());
    }
}

/// The exponent of Rust's `{:e}` output: an optional `-`, then digits.
fn parse_exponent(text: &[u8]) -> i32 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        _ => (1, text),
    };
    let magnitude = digits
        .iter()
        .filter(|b| b.is_ascii_digit())
        .fold(0i32, |acc, &b| {
            acc.saturating_mul(10).saturating_add(i32::from(b - b'0'))
        });
    sign * magnitude
}

#[cfg(test)]
mod tests;

//! Incremental request decoding: client bytes in, argument vectors out.
//!
//! Owns the two request grammars Redis accepts on a client connection, with
//! Redis 7.0's limits and error texts:
//! - multibulk (`*<n>\r\n` then `n` times `$<len>\r\n<bytes>\r\n`), as
//!   `processMultibulkBuffer` in `networking.c`;
//! - inline (one line split like `sdssplitargs` in `sds.c`), as
//!   `processInlineBuffer`.
//!
//! It must not touch sockets, commands or authentication: the caller reads
//! into a `BytesMut`, calls [`RequestParser::parse`] until it returns
//! `Ok(None)`, and on `Err` replies `-ERR {err}` and closes the connection.
//!
//! Redis quirks kept on purpose, because a Redis client may rely on them:
//! - the line of a `*` or `$` length ends at its first `\r`, and the byte after
//!   that `\r` is skipped whatever it is;
//! - the two bytes after bulk data are skipped without being checked;
//! - a `*` count `<= 0` (`*0`, `*-1`) is skipped, and so is an inline line that
//!   splits into no argument;
//! - a NUL byte ends an inline line's arguments (`sdssplitargs` reads a C
//!   string). Unlike Redis, a NUL does not hide a later `\n` or `\r` from the
//!   line search, so such a request is parsed instead of stalling.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::ProtocolError;
use crate::num::{find_byte, parse_i64};

/// Size limits applied while decoding; the defaults are Redis 7.0's.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest bulk string accepted (`proto-max-bulk-len`). A server reading
    /// its master's stream may raise it to `u64::MAX`, as Redis skips this
    /// check for the master client.
    pub max_bulk_len: u64,
    /// Largest `*` argument count of a request, and largest aggregate length
    /// of a reply frame.
    pub max_multibulk_len: u64,
    /// Longest run of bytes waited on for the end of an inline request or of
    /// a length line (`PROTO_INLINE_MAX_SIZE`).
    pub max_inline_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            // Redis 7.0 accepts counts up to INT_MAX (1024*1024 was the 6.x limit).
            max_multibulk_len: i32::MAX as u64,
            max_inline_len: 64 * 1024,
        }
    }
}

/// Bulk arguments at least this long make the parser grow the buffer ahead of
/// the socket reads (Redis's `PROTO_MBULK_BIG_ARG`).
const BIG_ARG_BYTES: usize = 32 * 1024;

/// Least growth step while waiting for a big argument.
const BIG_ARG_STEP_BYTES: usize = 64 * 1024;

/// Most argument slots reserved before the arguments arrive, as Redis's
/// `argv_len = min(multibulklen, 1024)`.
const MAX_ARGS_PREALLOCATED: usize = 1024;

/// Decodes client requests incrementally.
///
/// State between calls exists only inside a multibulk request: an inline
/// request and a `*` count line are consumed only once complete.
#[derive(Debug, Default)]
pub struct RequestParser {
    /// Arguments still expected by the multibulk request in progress; 0 when
    /// no multibulk request is in progress.
    multibulk_remaining: u64,
    /// Length of the bulk argument being read, once its `$` line is consumed;
    /// `None` while that line is awaited. Only meaningful when
    /// `multibulk_remaining > 0`.
    bulk_len: Option<usize>,
    /// Arguments of the multibulk request in progress.
    args: Vec<Bytes>,
    /// Total length of `args`, Redis's `argv_len_sum`.
    args_bytes: usize,
}

/// What reading a `*` count line did.
enum CountLine {
    /// The line is not complete yet; nothing consumed.
    Incomplete,
    /// A count `<= 0`: consumed, and no request results from it.
    Empty,
    /// A positive count: consumed, a multibulk request is now in progress.
    Started,
}

impl RequestParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses at most one command from the front of `buf`, consuming the
    /// bytes it used.
    ///
    /// `Ok(Some(args))` is a complete command with at least one argument;
    /// multibulk arguments are split off `buf` without copying. `Ok(None)`
    /// asks for more bytes; what was consumed stays consumed and the progress
    /// is kept here. `Err` is a protocol error: the connection must be closed,
    /// and this parser not used again.
    pub fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        while self.multibulk_remaining == 0 {
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            if first == b'*' {
                match self.read_count_line(buf, limits)? {
                    CountLine::Incomplete => return Ok(None),
                    CountLine::Empty => continue,
                    CountLine::Started => break,
                }
            }
            match read_inline(buf, limits)? {
                None => return Ok(None),
                Some(args) if args.is_empty() => continue,
                Some(args) => return Ok(Some(args)),
            }
        }
        self.read_bulks(buf, limits)
    }

    /// Bytes of the arguments collected so far for the command in progress,
    /// for `client-query-buffer-limit` accounting (add the buffer's own size).
    pub fn pending_bytes(&self) -> usize {
        self.args_bytes
    }

    /// True when a multibulk command is partly parsed.
    pub fn in_progress(&self) -> bool {
        self.multibulk_remaining > 0
    }

    /// Reads `*<count>\r?`; `buf[0]` is `*`.
    fn read_count_line(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<CountLine, ProtocolError> {
        let Some(line_len) = length_line(buf, limits, ProtocolError::TooBigMbulkCount)? else {
            return Ok(CountLine::Incomplete);
        };
        let count = parse_i64(&buf[1..line_len]).ok_or(ProtocolError::InvalidMultibulkLength)?;
        if count > 0 && count as u64 > limits.max_multibulk_len {
            return Err(ProtocolError::InvalidMultibulkLength);
        }
        buf.advance(line_len + 2);
        if count <= 0 {
            return Ok(CountLine::Empty);
        }
        let count = count as u64;
        self.multibulk_remaining = count;
        self.bulk_len = None;
        self.args_bytes = 0;
        let preallocated =
            usize::try_from(count).map_or(MAX_ARGS_PREALLOCATED, |n| n.min(MAX_ARGS_PREALLOCATED));
        self.args = Vec::with_capacity(preallocated);
        Ok(CountLine::Started)
    }

    /// Reads the bulk arguments of the multibulk request in progress.
    fn read_bulks(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        while self.multibulk_remaining > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let Some(len) = read_bulk_len_line(buf, limits)? else {
                        return Ok(None);
                    };
                    self.bulk_len = Some(len);
                    len
                }
            };
            // `len <= max_bulk_len` was checked, but on a 32-bit target the
            // sum may still overflow: treat that as a length we cannot hold.
            let needed = len.checked_add(2).ok_or(ProtocolError::InvalidBulkLength)?;
            if buf.len() < needed {
                if len >= BIG_ARG_BYTES {
                    reserve_for_big_arg(buf, needed);
                }
                return Ok(None);
            }
            let arg = buf.split_to(len).freeze();
            buf.advance(2);
            self.args_bytes += len;
            self.args.push(arg);
            self.bulk_len = None;
            self.multibulk_remaining -= 1;
        }
        self.args_bytes = 0;
        Ok(Some(std::mem::take(&mut self.args)))
    }
}

/// Finds the end of a `*` or `$` length line, which Redis ends at the first
/// `\r` and requires one more byte after it. Returns the index of that `\r`,
/// or `None` while incomplete; `too_big` when `max_inline_len` bytes hold no `\r`.
fn length_line(
    buf: &[u8],
    limits: &Limits,
    too_big: ProtocolError,
) -> Result<Option<usize>, ProtocolError> {
    match find_byte(buf, b'\r') {
        None if buf.len() > limits.max_inline_len => Err(too_big),
        None => Ok(None),
        Some(cr) if cr + 2 > buf.len() => Ok(None),
        Some(cr) => Ok(Some(cr)),
    }
}

/// Reads a `$<len>\r?` line, consuming it once complete and valid.
fn read_bulk_len_line(buf: &mut BytesMut, limits: &Limits) -> Result<Option<usize>, ProtocolError> {
    let Some(line_len) = length_line(buf, limits, ProtocolError::TooBigBulkCount)? else {
        return Ok(None);
    };
    if buf[0] != b'$' {
        return Err(ProtocolError::ExpectedDollar(buf[0]));
    }
    let len = parse_i64(&buf[1..line_len]).ok_or(ProtocolError::InvalidBulkLength)?;
    if len < 0 || len as u64 > limits.max_bulk_len {
        return Err(ProtocolError::InvalidBulkLength);
    }
    let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
    buf.advance(line_len + 2);
    Ok(Some(len))
}

/// Grows `buf` toward `needed` bytes while a big argument arrives, at most
/// doubling what has arrived so far: the declared length is only a claim.
fn reserve_for_big_arg(buf: &mut BytesMut, needed: usize) {
    let missing = needed - buf.len();
    let step = missing.min(buf.len().max(BIG_ARG_STEP_BYTES));
    buf.reserve(step);
}

/// Reads one inline request line, consuming it once complete. `Some(vec![])`
/// for a line with no argument.
fn read_inline(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(newline) = find_byte(buf, b'\n') else {
        if buf.len() > limits.max_inline_len {
            return Err(ProtocolError::TooBigInlineRequest);
        }
        return Ok(None);
    };
    let (line_len, terminator_len) = if newline > 0 && buf[newline - 1] == b'\r' {
        (newline - 1, 2)
    } else {
        (newline, 1)
    };
    let line = buf.split_to(line_len).freeze();
    buf.advance(terminator_len);
    split_args(&line).map(Some)
}

/// C's `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Bytes that end an unquoted argument (`sdssplitargs` does not stop on `\v`
/// or `\f` there, though it skips them between arguments).
fn ends_plain_arg(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Splits an inline line like Redis's `sdssplitargs`. Plain arguments are
/// slices of `line`; quoted ones are unescaped into new buffers.
fn split_args(line: &Bytes) -> Result<Vec<Bytes>, ProtocolError> {
    // `sdssplitargs` reads a C string: a NUL ends it.
    let s = &line[..find_byte(line, 0).unwrap_or(line.len())];
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < s.len() && is_c_space(s[p]) {
            p += 1;
        }
        if p == s.len() {
            return Ok(args);
        }
        let start = p;
        while p < s.len() && !ends_plain_arg(s[p]) && s[p] != b'"' && s[p] != b'\'' {
            p += 1;
        }
        if p < s.len() && (s[p] == b'"' || s[p] == b'\'') {
            let (arg, next) = quoted_arg(s, start, p)?;
            args.push(Bytes::from(arg));
            p = next;
        } else {
            args.push(line.slice(start..p));
            // Step over the byte that ended the argument, if any.
            p = (p + 1).min(s.len());
        }
    }
}

/// Reads an argument from `start` whose first quote is at `quote`: the plain
/// prefix, then the quoted part up to its closing quote, which must be
/// followed by a space or the end. Returns the argument and where to go on.
fn quoted_arg(s: &[u8], start: usize, quote: usize) -> Result<(Vec<u8>, usize), ProtocolError> {
    // Past the end reads as the C string's terminating NUL.
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let closes = |i: usize| at(i + 1) == 0 || is_c_space(at(i + 1));
    let mut arg = s[start..quote].to_vec();
    let double = s[quote] == b'"';
    let mut p = quote + 1;
    loop {
        match at(p) {
            0 => return Err(ProtocolError::UnbalancedQuotes),
            b'\\' if double && at(p + 1) == b'x' && is_hex(at(p + 2)) && is_hex(at(p + 3)) => {
                arg.push(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3)));
                p += 4;
            }
            b'\\' if double && at(p + 1) != 0 => {
                arg.push(match at(p + 1) {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => 0x08,
                    b'a' => 0x07,
                    other => other,
                });
                p += 2;
            }
            b'\\' if !double && at(p + 1) == b'\'' => {
                arg.push(b'\'');
                p += 2;
            }
            b'"' if double => {
                return if closes(p) {
                    Ok((arg, (p + 1).min(s.len())))
                } else {
                    Err(ProtocolError::UnbalancedQuotes)
                };
            }
            b'\'' if !double => {
                return if closes(p) {
                    Ok((arg, (p + 1).min(s.len())))
                } else {
                    Err(ProtocolError::UnbalancedQuotes)
                };
            }
            other => {
                arg.push(other);
                p += 1;
            }
        }
    }
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests;

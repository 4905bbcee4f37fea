//! Reply frames: the RESP2 and RESP3 value grammar, parsed from bytes.
//!
//! Owns [`Frame`] and [`parse_frame`], used where Ferrodis reads replies: a
//! replica reading its master's replies during the handshake, and tests
//! reading a server's replies. It must not touch requests (see `request`) or
//! the replication stream's bulk RDB payload, which is not a frame (`$<len>`
//! with no trailing CRLF, or `$EOF:<mark>`): the caller reads that itself.
//!
//! The parser is non-consuming and keeps no state: an incomplete frame is
//! parsed again from its start on the next call. It checks every length
//! against [`Limits`] before using it, reserves no more slots than the bytes
//! present could fill, and bounds nesting at [`MAX_DEPTH`].

use bytes::Bytes;

use crate::error::ProtocolError;
use crate::num::{find_byte, parse_i64};
use crate::request::Limits;

/// Deepest aggregate nesting accepted; deeper input is an error rather than a
/// risk to the stack.
pub const MAX_DEPTH: usize = 128;

/// Fewest bytes one element of an aggregate takes on the wire (`_\r\n`); caps
/// the slots reserved before the elements are parsed.
const MIN_FRAME_BYTES: usize = 3;

/// Most slots reserved for an aggregate before its elements are parsed.
const MAX_PREALLOCATED: usize = 4096;

/// One RESP2 or RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+text`
    Simple(Bytes),
    /// `-text`, and RESP3 blob errors `!<len>`: the text without the `-`.
    Error(Bytes),
    /// `:n`
    Integer(i64),
    /// `$<len>`
    Bulk(Bytes),
    /// RESP2 `$-1` and `*-1`, RESP3 `_`.
    Null,
    /// `*<n>`
    Array(Vec<Frame>),
    /// RESP3 `,` (`inf`, `-inf`, `nan` included).
    Double(f64),
    /// RESP3 `#t` / `#f`.
    Boolean(bool),
    /// RESP3 `(`: an optionally negative run of digits, kept as text.
    BigNumber(Bytes),
    /// RESP3 `=<len>`: `format` is the 3 bytes before the `:`.
    Verbatim { format: Bytes, text: Bytes },
    /// RESP3 `%<pairs>`.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~<n>`.
    Set(Vec<Frame>),
    /// RESP3 `><n>`.
    Push(Vec<Frame>),
    /// RESP3 `|<pairs>`: attributes, returned as a frame of their own; the
    /// reply they describe is the next frame.
    Attribute(Vec<(Frame, Frame)>),
}

/// Parses one frame from the front of `buf` without consuming it.
///
/// `Ok(Some((frame, used)))` with `used <= buf.len()` the frame's length;
/// `Ok(None)` if `buf` holds only part of a frame; `Err` if the bytes are not
/// a valid frame within `limits`.
pub fn parse_frame(buf: &[u8], limits: &Limits) -> Result<Option<(Frame, usize)>, ProtocolError> {
    let mut parser = Parser {
        buf,
        pos: 0,
        limits,
    };
    Ok(parser.frame(0)?.map(|frame| (frame, parser.pos)))
}

type Step<T> = Result<Option<T>, ProtocolError>;

/// Unwraps `Ok(Some(x))`, returns `Ok(None)` (incomplete) or the error.
macro_rules! ready {
    ($e:expr) => {
        match $e? {
            Some(value) => value,
            None => return Ok(None),
        }
    };
}

struct Parser<'a> {
    buf: &'a [u8],
    /// Next unread byte; never past `buf.len()`.
    pos: usize,
    limits: &'a Limits,
}

impl<'a> Parser<'a> {
    fn frame(&mut self, depth: usize) -> Step<Frame> {
        let Some(&kind) = self.buf.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let frame = match kind {
            b'+' => Frame::Simple(Bytes::copy_from_slice(ready!(self.line()))),
            b'-' => Frame::Error(Bytes::copy_from_slice(ready!(self.line()))),
            b':' => {
                Frame::Integer(parse_i64(ready!(self.line())).ok_or(ProtocolError::InvalidInteger)?)
            }
            b'$' => match ready!(self.bulk_len(true)) {
                None => Frame::Null,
                Some(len) => Frame::Bulk(Bytes::copy_from_slice(ready!(self.bulk_data(len)))),
            },
            b'!' => {
                let len = ready!(self.blob_len());
                Frame::Error(Bytes::copy_from_slice(ready!(self.bulk_data(len))))
            }
            b'=' => {
                let len = ready!(self.blob_len());
                verbatim(ready!(self.bulk_data(len)))?
            }
            b'_' => match ready!(self.line()) {
                b"" => Frame::Null,
                _ => return Err(ProtocolError::InvalidNull),
            },
            b',' => Frame::Double(parse_double(ready!(self.line()))?),
            b'#' => match ready!(self.line()) {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return Err(ProtocolError::InvalidBoolean),
            },
            b'(' => Frame::BigNumber(big_number(ready!(self.line()))?),
            b'*' => match ready!(self.aggregate_len(true)) {
                None => Frame::Null,
                Some(n) => Frame::Array(ready!(self.elements(n, depth))),
            },
            b'~' => {
                let n = ready!(self.count());
                Frame::Set(ready!(self.elements(n, depth)))
            }
            b'>' => {
                let n = ready!(self.count());
                Frame::Push(ready!(self.elements(n, depth)))
            }
            b'%' => {
                let n = ready!(self.count());
                Frame::Map(ready!(self.pairs(n, depth)))
            }
            b'|' => {
                let n = ready!(self.count());
                Frame::Attribute(ready!(self.pairs(n, depth)))
            }
            other => return Err(ProtocolError::InvalidTypeByte(other)),
        };
        Ok(Some(frame))
    }

    /// The rest of the current line, up to its CRLF, which is consumed.
    fn line(&mut self) -> Step<&'a [u8]> {
        let buf: &'a [u8] = self.buf;
        let rest = &buf[self.pos..];
        // A line's CRLF must come within `max_inline_len` bytes.
        let window = &rest[..rest.len().min(self.limits.max_inline_len.saturating_add(2))];
        let mut from = 0;
        while let Some(cr) = find_byte(&window[from..], b'\r').map(|i| from + i) {
            match window.get(cr + 1) {
                Some(b'\n') => {
                    self.pos += cr + 2;
                    return Ok(Some(&rest[..cr]));
                }
                Some(_) => from = cr + 1,
                None => break,
            }
        }
        if rest.len() >= self.limits.max_inline_len.saturating_add(2) {
            return Err(ProtocolError::TooBigLine);
        }
        Ok(None)
    }

    /// A bulk length line: `Some(None)` is `-1` where `null_ok`.
    fn bulk_len(&mut self, null_ok: bool) -> Step<Option<usize>> {
        let len = parse_i64(ready!(self.line())).ok_or(ProtocolError::InvalidBulkLength)?;
        if len == -1 && null_ok {
            return Ok(Some(None));
        }
        if len < 0 || len as u64 > self.limits.max_bulk_len {
            return Err(ProtocolError::InvalidBulkLength);
        }
        let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
        Ok(Some(Some(len)))
    }

    /// A length line of a RESP3 blob type, which has no null form.
    fn blob_len(&mut self) -> Step<usize> {
        match ready!(self.bulk_len(false)) {
            Some(len) => Ok(Some(len)),
            None => Err(ProtocolError::InvalidBulkLength),
        }
    }

    /// `len` bytes of bulk data and their CRLF.
    fn bulk_data(&mut self, len: usize) -> Step<&'a [u8]> {
        let buf: &'a [u8] = self.buf;
        let rest = &buf[self.pos..];
        let Some(needed) = len.checked_add(2) else {
            return Err(ProtocolError::InvalidBulkLength);
        };
        if rest.len() < needed {
            return Ok(None);
        }
        if &rest[len..needed] != b"\r\n" {
            return Err(ProtocolError::MissingBulkTerminator);
        }
        self.pos += needed;
        Ok(Some(&rest[..len]))
    }

    /// An aggregate length line: `Some(None)` is `-1` where `null_ok`.
    fn aggregate_len(&mut self, null_ok: bool) -> Step<Option<usize>> {
        let n = parse_i64(ready!(self.line())).ok_or(ProtocolError::InvalidMultibulkLength)?;
        if n == -1 && null_ok {
            return Ok(Some(None));
        }
        if n < 0 || n as u64 > self.limits.max_multibulk_len {
            return Err(ProtocolError::InvalidMultibulkLength);
        }
        let n = usize::try_from(n).map_err(|_| ProtocolError::InvalidMultibulkLength)?;
        Ok(Some(Some(n)))
    }

    /// A length line of a RESP3 aggregate, which has no null form.
    fn count(&mut self) -> Step<usize> {
        match ready!(self.aggregate_len(false)) {
            Some(n) => Ok(Some(n)),
            None => Err(ProtocolError::InvalidMultibulkLength),
        }
    }

    /// Slots worth reserving for `n` elements of at least `min_bytes` each.
    fn capacity(&self, n: usize, min_bytes: usize) -> usize {
        let fit = (self.buf.len() - self.pos) / min_bytes;
        n.min(fit).min(MAX_PREALLOCATED)
    }

    fn elements(&mut self, n: usize, depth: usize) -> Step<Vec<Frame>> {
        if depth >= MAX_DEPTH {
            return Err(ProtocolError::NestingTooDeep);
        }
        let mut items = Vec::with_capacity(self.capacity(n, MIN_FRAME_BYTES));
        for _ in 0..n {
            items.push(ready!(self.frame(depth + 1)));
        }
        Ok(Some(items))
    }

    fn pairs(&mut self, n: usize, depth: usize) -> Step<Vec<(Frame, Frame)>> {
        if depth >= MAX_DEPTH {
            return Err(ProtocolError::NestingTooDeep);
        }
        let mut items = Vec::with_capacity(self.capacity(n, 2 * MIN_FRAME_BYTES));
        for _ in 0..n {
            let key = ready!(self.frame(depth + 1));
            let value = ready!(self.frame(depth + 1));
            items.push((key, value));
        }
        Ok(Some(items))
    }
}

fn verbatim(data: &[u8]) -> Result<Frame, ProtocolError> {
    if data.len() < 4 || data[3] != b':' {
        return Err(ProtocolError::InvalidVerbatim);
    }
    Ok(Frame::Verbatim {
        format: Bytes::copy_from_slice(&data[..3]),
        text: Bytes::copy_from_slice(&data[4..]),
    })
}

/// Parses a RESP3 double: `inf`, `-inf`, `nan` or a decimal number.
fn parse_double(line: &[u8]) -> Result<f64, ProtocolError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
        .ok_or(ProtocolError::InvalidDouble)
}

fn big_number(line: &[u8]) -> Result<Bytes, ProtocolError> {
    let digits = line.strip_prefix(b"-").unwrap_or(line);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::InvalidBigNumber);
    }
    Ok(Bytes::copy_from_slice(line))
}

#[cfg(test)]
mod tests;

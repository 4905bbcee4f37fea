//! Protocol errors: invalid input from the wire, as values.
//!
//! Owns the error type and its exact texts. The request errors print Redis
//! 7.0's text without the `ERR ` prefix, so a server replies
//! `-ERR {error}` and closes the connection, as `processMultibulkBuffer` and
//! `processInlineBuffer` in Redis's `networking.c` do. The reply-frame errors
//! have no Redis counterpart (Redis reads replies with hiredis); their texts
//! follow the same `Protocol error: ...` shape.

use std::fmt;

/// Why a request or a reply frame could not be decoded.
///
/// Every variant is a fault of the peer, never of this crate: the decoders
/// return it instead of panicking, whatever the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// `*` count not an integer, or above `Limits::max_multibulk_len`; also an
    /// aggregate length in a reply frame that is not valid.
    InvalidMultibulkLength,
    /// The `*` count line grew past `Limits::max_inline_len` without a `\r`.
    TooBigMbulkCount,
    /// A multibulk argument did not start with `$`; holds the byte found.
    ExpectedDollar(u8),
    /// A `$` length line grew past `Limits::max_inline_len` without a `\r`.
    TooBigBulkCount,
    /// `$` length not an integer, negative, or above `Limits::max_bulk_len`.
    InvalidBulkLength,
    /// An inline request grew past `Limits::max_inline_len` without a `\n`.
    TooBigInlineRequest,
    /// An inline request had an unclosed quote, or a closing quote followed
    /// by something other than a space.
    UnbalancedQuotes,
    /// Reply frame: a line longer than `Limits::max_inline_len`.
    TooBigLine,
    /// Reply frame: the first byte names no RESP2 or RESP3 type; holds it.
    InvalidTypeByte(u8),
    /// Reply frame: a `:` integer that is not a valid signed 64-bit integer.
    InvalidInteger,
    /// Reply frame: a `,` double that does not parse.
    InvalidDouble,
    /// Reply frame: a `#` boolean other than `t` or `f`.
    InvalidBoolean,
    /// Reply frame: a `(` big number that is not an optionally signed run of digits.
    InvalidBigNumber,
    /// Reply frame: a `=` verbatim string shorter than 4 bytes or without `:`
    /// after its 3-byte format.
    InvalidVerbatim,
    /// Reply frame: a `_` null with something before its CRLF.
    InvalidNull,
    /// Reply frame: bulk data not followed by CRLF.
    MissingBulkTerminator,
    /// Reply frame: aggregates nested deeper than the parser allows.
    NestingTooDeep,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match *self {
            ProtocolError::InvalidMultibulkLength => "invalid multibulk length",
            ProtocolError::TooBigMbulkCount => "too big mbulk count string",
            ProtocolError::ExpectedDollar(byte) => {
                // Redis's addReplyErrorFormat turns CR and LF into spaces so
                // the error stays on one line.
                let shown = match byte {
                    b'\r' | b'\n' => ' ',
                    other => char::from(other),
                };
                return write!(f, "Protocol error: expected '$', got '{shown}'");
            }
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::TooBigInlineRequest => "too big inline request",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in request",
            ProtocolError::TooBigLine => "too big line",
            ProtocolError::InvalidTypeByte(byte) => {
                let shown = match byte {
                    b'\r' | b'\n' => ' ',
                    other => char::from(other),
                };
                return write!(f, "Protocol error: got '{shown}' as reply type byte");
            }
            ProtocolError::InvalidInteger => "invalid integer",
            ProtocolError::InvalidDouble => "invalid double",
            ProtocolError::InvalidBoolean => "invalid boolean",
            ProtocolError::InvalidBigNumber => "invalid big number",
            ProtocolError::InvalidVerbatim => "invalid verbatim string",
            ProtocolError::InvalidNull => "invalid null",
            ProtocolError::MissingBulkTerminator => "bulk data not followed by CRLF",
            ProtocolError::NestingTooDeep => "reply nested too deep",
        };
        write!(f, "Protocol error: {text}")
    }
}

impl std::error::Error for ProtocolError {}

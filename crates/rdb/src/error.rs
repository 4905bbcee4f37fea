//! Input faults of the RDB format, each with the byte offset where it was found.

use std::fmt;

/// Something the input did wrong, and where.
#[derive(Debug)]
pub struct Error {
    /// Offset in the stream (from its first byte) where the fault was detected.
    pub offset: u64,
    pub kind: ErrorKind,
}

#[derive(Debug)]
pub enum ErrorKind {
    /// The underlying reader or writer failed.
    Io(std::io::Error),
    /// The stream ended inside a record.
    Truncated,
    /// Not an RDB file: the first bytes are not `REDIS` and four digits.
    BadMagic,
    /// An RDB version newer than `MAX_READ_VERSION` (or 0).
    UnsupportedVersion(u16),
    /// The checksum after the EOF opcode (or at the end of a DUMP payload) does not match.
    BadChecksum { expected: u64, found: u64 },
    /// A byte that is neither an opcode nor an object type we know.
    UnknownType(u8),
    /// A type we recognise but cannot hold (streams, modules), named.
    UnsupportedType(&'static str),
    /// A length larger than what is left of the input or than the format allows.
    TooLarge { what: &'static str, len: u64 },
    /// Bytes that break the format's rules (bad listpack, duplicate member, ...).
    Corrupt(String),
}

impl Error {
    pub fn new(offset: u64, kind: ErrorKind) -> Error {
        Error { offset, kind }
    }

    pub fn corrupt(offset: u64, what: impl Into<String>) -> Error {
        Error::new(offset, ErrorKind::Corrupt(what.into()))
    }

    /// True when the input simply ended early (a short read on a replication link).
    pub fn is_truncated(&self) -> bool {
        matches!(self.kind, ErrorKind::Truncated)
    }

    pub fn is_checksum(&self) -> bool {
        matches!(self.kind, ErrorKind::BadChecksum { .. })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Io(e) => write!(f, "I/O error: {e}"),
            ErrorKind::Truncated => write!(f, "Unexpected EOF reading RDB file"),
            ErrorKind::BadMagic => write!(f, "Wrong signature trying to load DB from file"),
            ErrorKind::UnsupportedVersion(v) => write!(f, "Can't handle RDB format version {v}"),
            ErrorKind::BadChecksum { expected, found } => write!(
                f,
                "RDB CRC error: wrong RDB checksum expected: ({expected:x}) got ({found:x})"
            ),
            ErrorKind::UnknownType(t) => write!(f, "Unknown RDB encoding type {t}"),
            ErrorKind::UnsupportedType(what) => write!(f, "unsupported type: {what}"),
            ErrorKind::TooLarge { what, len } => write!(f, "{what} length {len} is out of range"),
            ErrorKind::Corrupt(what) => write!(f, "{what}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.kind, self.offset)
    }
}

impl std::error::Error for Error {}

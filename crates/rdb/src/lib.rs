//! The RDB format as a stream of records: a `Reader` that turns bytes into `Record`s and a
//! `Writer` that turns records into bytes Redis 7.0 loads. It knows no keyspace, no clock and no
//! sockets: the server decides what a record means (which database, whether an expired key is
//! kept) and where the bytes go (a file, a replica's socket, a DUMP payload).
//!
//! Input faults are values: every malformed, truncated or oversized input is an `Error` carrying
//! the byte offset where it was found; lengths are checked against what is left before anything
//! is allocated for them.

pub mod dump;
mod error;
pub mod intset;
pub mod listpack;
mod lzf;
mod reader;
mod writer;
mod ziplist;
mod zipmap;

pub use error::{Error, ErrorKind};
pub use reader::Reader;
pub use writer::{
    Writer, WriterOptions, canonical_i64, format_score, object_type_byte, push_score,
};

/// The version we write: what Redis 7.0 writes and loads.
pub const RDB_VERSION: u16 = 10;
/// The newest version we read (Redis 7.4).
pub const MAX_READ_VERSION: u16 = 12;

/// The CRC Redis puts after the EOF opcode and at the end of DUMP payloads (Jones polynomial,
/// reflected), the `crc` crate's `CRC_64_REDIS`.
pub const CRC64: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

/// Object type bytes (Redis's `RDB_TYPE_*`).
pub mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE_PRE_GA: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    pub const SET_LISTPACK: u8 = 20;
    pub const STREAM_LISTPACKS_3: u8 = 21;
    /// Redis 7.4 hashes with field expiry.
    pub const HASH_METADATA_PRE_GA: u8 = 22;
    pub const HASH_LISTPACK_EX_PRE_GA: u8 = 23;
    pub const HASH_METADATA: u8 = 24;
    pub const HASH_LISTPACK_EX: u8 = 25;
}

/// Opcode bytes (Redis's `RDB_OPCODE_*`).
pub mod opcodes {
    pub const SLOT_INFO: u8 = 244;
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION_PRE_GA: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// Quicklist 2 node containers.
pub mod quicklist {
    pub const CONTAINER_PLAIN: u64 = 1;
    pub const CONTAINER_PACKED: u64 = 2;
}

/// One record of an RDB stream, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An `AUX` field (`redis-ver`, `repl-id`, `repl-offset`, `lua` scripts of old versions, ...).
    Aux {
        key: Vec<u8>,
        value: Vec<u8>,
    },
    SelectDb(u64),
    ResizeDb {
        db_size: u64,
        expires_size: u64,
    },
    /// A function library (`FUNCTION2`): its source code.
    Function(Vec<u8>),
    Key(KeyRecord),
    /// The end of the stream; the checksum (when present and non-zero) has been verified.
    Eof,
}

/// A key, its metadata and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRecord {
    pub key: Vec<u8>,
    /// Absolute expiry in unix milliseconds (`EXPIRETIME_MS`, or `EXPIRETIME` × 1000).
    pub expire_at_ms: Option<i64>,
    /// `IDLE`: seconds since last access.
    pub idle_s: Option<u64>,
    /// `FREQ`: the LFU counter.
    pub freq: Option<u8>,
    pub value: Object,
}

/// A value, decoded out of whatever encoding it was stored in.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    String(Vec<u8>),
    /// Head to tail.
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    /// Field-value pairs in stored order. `expire_at_ms` is set only by Redis 7.4's hash field
    /// expiry types; the server decides whether it can keep such fields.
    Hash(Vec<HashField>),
    /// Member-score pairs in stored order.
    ZSet(Vec<(Vec<u8>, f64)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HashField {
    pub field: Vec<u8>,
    pub value: Vec<u8>,
    pub expire_at_ms: Option<i64>,
}

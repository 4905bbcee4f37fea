//! Reading an RDB stream record by record: the header, the opcodes (`AUX`, `SELECTDB`, the
//! per-key prefixes, ...), and every value encoding Redis 2.x to 7.4 writes for strings, lists,
//! sets, sorted sets and hashes, each decoded into an `Object`.
//!
//! The reader pulls from any `Read` through its own 64 KiB buffer (a file, or a socket during a
//! replica's diskless load) and keeps the CRC64 of everything consumed, checked at `EOF`. It
//! never trusts a length: strings grow as their bytes arrive, collections preallocate a bounded
//! amount, compact encodings (listpack, ziplist, intset, zipmap) are checked entry by entry
//! before anything is taken from them. It does not know what a record means: which database,
//! whether an expired key is kept, what to do with a hash field TTL are the server's decisions.

use crate::listpack::{self, Entry};
use crate::{
    Error, ErrorKind, HashField, KeyRecord, MAX_READ_VERSION, Object, Record, intset, opcodes,
    quicklist, types, ziplist, zipmap,
};
use std::collections::HashSet;
use std::io::{self, Read};

/// How much the reader reads ahead.
const BUF_SIZE: usize = 64 * 1024;
/// The first buffer: enough for a typical DUMP payload.
const MIN_BUF_SIZE: usize = 1024;
/// The longest string we accept (a claimed length beyond this is garbage, not data).
const MAX_STRING_LEN: u64 = 1 << 32;
/// The most elements preallocated for a collection whatever its claimed size.
const MAX_PREALLOC: usize = 1 << 14;
/// Redis's `EB_EXPIRE_TIME_MAX`: the largest hash field expiry (unix ms).
const MAX_FIELD_EXPIRE_MS: u64 = (1 << 48) - 1;
/// Module value opcodes (`RDB_MODULE_OPCODE_*`).
const MODULE_OPCODE_EOF: u64 = 0;
const MODULE_OPCODE_SINT: u64 = 1;
const MODULE_OPCODE_UINT: u64 = 2;
const MODULE_OPCODE_FLOAT: u64 = 3;
const MODULE_OPCODE_DOUBLE: u64 = 4;
const MODULE_OPCODE_STRING: u64 = 5;

static CRC: crc::Crc<u64, crc::Table<16>> = crate::CRC64;

/// Reads an RDB stream: header first, then `next_record` until `Record::Eof`.
///
/// Keys whose value is an empty collection are skipped, as Redis 7.0's `rdbLoad` does ("empty
/// keys skipped", a trace of an old bug): `next_record` moves on to the next record and
/// counts them in `empty_keys_skipped`. `read_object` (a DUMP payload) reports them as
/// corrupt, as RESTORE does. Module auxiliary data (`MODULE_AUX`) is skipped by walking its
/// self-describing opcodes, as `redis-check-rdb` does; module and stream values are errors.
pub struct Reader<R: Read> {
    inner: R,
    /// Read-ahead: `buf[pos..end]` is not consumed yet. Starts small and grows to BUF_SIZE,
    /// so a small DUMP payload does not cost a 64 KiB buffer.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// CRC64 of everything consumed before `buf[crc_pos]`.
    crc: crc::Digest<'static, u64, crc::Table<16>>,
    crc_pos: usize,
    version: u16,
    verify_checksum: bool,
    /// `EOF` was read (and its checksum checked).
    finished: bool,
    /// `EXPIRETIME*`, `IDLE`, `FREQ` seen since the last key: they belong to the next one.
    pending: Prefixes,
    empty_keys_skipped: u64,
    module_aux_skipped: u64,
}

#[derive(Default)]
struct Prefixes {
    expire_at_ms: Option<i64>,
    idle_s: Option<u64>,
    freq: Option<u8>,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the header (`REDIS` and four digits of version).
    pub fn new(inner: R) -> Result<Reader<R>, Error> {
        let mut reader = Reader::without_header(inner, 0);
        let header = reader.array::<9>()?;
        if &header[..5] != b"REDIS" || !header[5..].iter().all(u8::is_ascii_digit) {
            return Err(Error::new(0, ErrorKind::BadMagic));
        }
        let version = header[5..]
            .iter()
            .fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
        if version == 0 || version > MAX_READ_VERSION {
            return Err(Error::new(5, ErrorKind::UnsupportedVersion(version)));
        }
        reader.version = version;
        Ok(reader)
    }

    /// A reader for a bare object body (a DUMP payload), of the given RDB version.
    pub fn without_header(inner: R, version: u16) -> Reader<R> {
        Reader {
            inner,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            base: 0,
            crc: CRC.digest(),
            crc_pos: 0,
            version,
            verify_checksum: true,
            finished: false,
            pending: Prefixes::default(),
            empty_keys_skipped: 0,
            module_aux_skipped: 0,
        }
    }

    pub fn version(&self) -> u16 {
        self.version
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Whether a non-zero checksum after EOF is verified (default true).
    pub fn set_verify_checksum(&mut self, verify: bool) {
        self.verify_checksum = verify;
    }

    /// Keys skipped because their value was an empty collection.
    pub fn empty_keys_skipped(&self) -> u64 {
        self.empty_keys_skipped
    }

    /// `MODULE_AUX` records skipped.
    pub fn module_aux_skipped(&self) -> u64 {
        self.module_aux_skipped
    }

    /// The inner reader. Bytes read ahead and not consumed are lost: see `into_parts`.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The inner reader and the bytes read ahead from it but not consumed (what follows the
    /// RDB on a replication link, for instance).
    pub fn into_parts(self) -> (R, Vec<u8>) {
        let rest = self.buf[self.pos..self.end].to_vec();
        (self.inner, rest)
    }

    /// The next record. After `Record::Eof`, returns `Record::Eof` again.
    pub fn next_record(&mut self) -> Result<Record, Error> {
        if self.finished {
            return Ok(Record::Eof);
        }
        loop {
            let opcode = self.u8()?;
            match opcode {
                opcodes::EXPIRETIME => {
                    let seconds = i32::from_le_bytes(self.array::<4>()?);
                    self.pending.expire_at_ms = Some(i64::from(seconds) * 1000);
                }
                opcodes::EXPIRETIME_MS => {
                    self.pending.expire_at_ms = Some(i64::from_le_bytes(self.array::<8>()?));
                }
                opcodes::IDLE => self.pending.idle_s = Some(self.length()?),
                opcodes::FREQ => self.pending.freq = Some(self.u8()?),
                opcodes::EOF => return self.finish(),
                opcodes::SELECTDB => return Ok(Record::SelectDb(self.length()?)),
                opcodes::RESIZEDB => {
                    let db_size = self.length()?;
                    let expires_size = self.length()?;
                    return Ok(Record::ResizeDb {
                        db_size,
                        expires_size,
                    });
                }
                opcodes::SLOT_INFO => {
                    // slot id, slot size, expires slot size: sizing hints for cluster mode.
                    for _ in 0..3 {
                        self.length()?;
                    }
                }
                opcodes::AUX => {
                    let key = self.string()?;
                    let value = self.string()?;
                    return Ok(Record::Aux { key, value });
                }
                opcodes::MODULE_AUX => {
                    self.skip_module_aux()?;
                    self.module_aux_skipped += 1;
                }
                opcodes::FUNCTION_PRE_GA => return self.function_pre_ga(),
                opcodes::FUNCTION2 => return Ok(Record::Function(self.string()?)),
                type_byte => {
                    let key = self.string()?;
                    let value = self.value(type_byte)?;
                    let prefixes = std::mem::take(&mut self.pending);
                    match value {
                        Some(value) => {
                            return Ok(Record::Key(KeyRecord {
                                key,
                                expire_at_ms: prefixes.expire_at_ms,
                                idle_s: prefixes.idle_s,
                                freq: prefixes.freq,
                                value,
                            }));
                        }
                        None => self.empty_keys_skipped += 1,
                    }
                }
            }
        }
    }

    /// Reads one object body of the given type byte. An empty collection is an error here.
    pub fn read_object(&mut self, type_byte: u8) -> Result<Object, Error> {
        let at = self.offset();
        self.value(type_byte)?
            .ok_or_else(|| Error::corrupt(at, "empty collection"))
    }

    /// `EOF`: the checksum that follows it (version 5 on), against what we computed.
    fn finish(&mut self) -> Result<Record, Error> {
        self.crc.update(&self.buf[self.crc_pos..self.pos]);
        self.crc_pos = self.pos;
        let expected = self.crc.clone().finalize();
        if self.version >= 5 {
            let at = self.offset();
            let found = u64::from_le_bytes(self.array::<8>()?);
            if found != 0 && self.verify_checksum && found != expected {
                return Err(Error::new(at, ErrorKind::BadChecksum { expected, found }));
            }
        }
        self.finished = true;
        Ok(Record::Eof)
    }

    /// `FUNCTION` of Redis 7.0 release candidates: name, engine, optional description and
    /// code, turned into the GA form (`#!<engine> name=<name>` + code) as 7.0's loader does.
    fn function_pre_ga(&mut self) -> Result<Record, Error> {
        let name = self.string()?;
        let engine = self.string()?;
        if self.length()? != 0 {
            self.string()?;
        }
        let code = self.string()?;
        let mut payload = b"#!".to_vec();
        payload.extend_from_slice(&engine);
        payload.extend_from_slice(b" name=");
        payload.extend_from_slice(&name);
        payload.push(b'\n');
        payload.extend_from_slice(&code);
        Ok(Record::Function(payload))
    }

    /// `MODULE_AUX`: module id, `when` (as a UINT opcode and a value), then the module's data
    /// as typed opcodes up to a module EOF (`rdbLoadCheckModuleValue`).
    fn skip_module_aux(&mut self) -> Result<(), Error> {
        let _module_id = self.length()?;
        let at = self.offset();
        if self.length()? != MODULE_OPCODE_UINT {
            return Err(Error::corrupt(at, "bad when_opcode in module aux data"));
        }
        let _when = self.length()?;
        loop {
            let at = self.offset();
            match self.length()? {
                MODULE_OPCODE_EOF => return Ok(()),
                MODULE_OPCODE_SINT | MODULE_OPCODE_UINT => {
                    self.length()?;
                }
                MODULE_OPCODE_FLOAT => {
                    self.array::<4>()?;
                }
                MODULE_OPCODE_DOUBLE => {
                    self.array::<8>()?;
                }
                MODULE_OPCODE_STRING => {
                    self.string()?;
                }
                other => {
                    return Err(Error::corrupt(
                        at,
                        format!("unknown module opcode {other} in module aux data"),
                    ));
                }
            }
        }
    }

    // ---- values ----

    /// One value of `type_byte`; `None` for an empty collection (a key Redis skips).
    fn value(&mut self, type_byte: u8) -> Result<Option<Object>, Error> {
        let at = self.offset();
        match type_byte {
            types::STRING => Ok(Some(Object::String(self.string()?))),
            types::LIST => {
                let len = self.length()?;
                let mut items = Vec::with_capacity(prealloc(len));
                for _ in 0..len {
                    items.push(self.string()?);
                }
                Ok(non_empty(items).map(Object::List))
            }
            types::SET => {
                let len = self.length()?;
                let mut members = Vec::with_capacity(prealloc(len));
                for _ in 0..len {
                    members.push(self.string()?);
                }
                check_unique(members.iter().map(Vec::as_slice), "set member").map_err(at_(at))?;
                Ok(non_empty(members).map(Object::Set))
            }
            types::ZSET | types::ZSET_2 => {
                let len = self.length()?;
                let mut pairs = Vec::with_capacity(prealloc(len));
                for _ in 0..len {
                    let member = self.string()?;
                    let score_at = self.offset();
                    let score = if type_byte == types::ZSET_2 {
                        f64::from_le_bytes(self.array::<8>()?)
                    } else {
                        self.ascii_double()?
                    };
                    if score.is_nan() {
                        return Err(Error::corrupt(score_at, "Zset with NAN score detected"));
                    }
                    pairs.push((member, score));
                }
                check_unique(pairs.iter().map(|(m, _)| m.as_slice()), "zset member")
                    .map_err(at_(at))?;
                Ok(non_empty(pairs).map(Object::ZSet))
            }
            types::HASH => {
                let len = self.length()?;
                let mut fields = Vec::with_capacity(prealloc(len));
                for _ in 0..len {
                    let field = self.string()?;
                    let value = self.string()?;
                    fields.push(HashField {
                        field,
                        value,
                        expire_at_ms: None,
                    });
                }
                check_unique(fields.iter().map(|f| f.field.as_slice()), "hash field")
                    .map_err(at_(at))?;
                Ok(non_empty(fields).map(Object::Hash))
            }
            types::HASH_METADATA | types::HASH_METADATA_PRE_GA => {
                self.hash_with_ttls(type_byte == types::HASH_METADATA)
            }
            types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
                self.quicklist(type_byte == types::LIST_QUICKLIST_2)
            }
            types::HASH_ZIPMAP => {
                let blob = self.string()?;
                let pairs = zipmap::pairs(&blob).map_err(at_(at))?;
                check_unique(pairs.iter().map(|(f, _)| *f), "hash field").map_err(at_(at))?;
                let fields = pairs
                    .into_iter()
                    .map(|(f, v)| HashField {
                        field: f.to_vec(),
                        value: v.to_vec(),
                        expire_at_ms: None,
                    })
                    .collect();
                Ok(Some(Object::Hash(fields)))
            }
            types::LIST_ZIPLIST => {
                let blob = self.string()?;
                let items = ziplist::entries(&blob).map_err(at_(at))?;
                Ok(non_empty(to_bytes(&items)).map(Object::List))
            }
            types::SET_INTSET => {
                let blob = self.string()?;
                let values = intset::decode(&blob).map_err(at_(at))?;
                let members = values.iter().map(|v| v.to_string().into_bytes()).collect();
                Ok(Some(Object::Set(members)))
            }
            types::SET_LISTPACK => {
                let blob = self.string()?;
                let members = to_bytes(&listpack::entries(&blob).map_err(at_(at))?);
                check_unique(members.iter().map(Vec::as_slice), "set member").map_err(at_(at))?;
                Ok(non_empty(members).map(Object::Set))
            }
            types::ZSET_ZIPLIST | types::ZSET_LISTPACK => {
                let blob = self.string()?;
                let entries = if type_byte == types::ZSET_ZIPLIST {
                    ziplist::entries(&blob)
                } else {
                    listpack::entries(&blob)
                };
                let pairs = zset_pairs(&entries.map_err(at_(at))?).map_err(at_(at))?;
                Ok(non_empty(pairs).map(Object::ZSet))
            }
            types::HASH_ZIPLIST | types::HASH_LISTPACK => {
                let blob = self.string()?;
                let entries = if type_byte == types::HASH_ZIPLIST {
                    ziplist::entries(&blob)
                } else {
                    listpack::entries(&blob)
                };
                let fields = hash_tuples(&entries.map_err(at_(at))?, false).map_err(at_(at))?;
                Ok(non_empty(fields).map(Object::Hash))
            }
            types::HASH_LISTPACK_EX | types::HASH_LISTPACK_EX_PRE_GA => {
                if type_byte == types::HASH_LISTPACK_EX {
                    // The smallest field expiry: a hint, recomputed from the fields.
                    self.array::<8>()?;
                }
                let blob = self.string()?;
                let entries = listpack::entries(&blob).map_err(at_(at))?;
                let fields = hash_tuples(&entries, true).map_err(at_(at))?;
                Ok(non_empty(fields).map(Object::Hash))
            }
            types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 | types::STREAM_LISTPACKS_3 => {
                Err(Error::new(at, ErrorKind::UnsupportedType("stream")))
            }
            types::MODULE_PRE_GA | types::MODULE_2 => {
                Err(Error::new(at, ErrorKind::UnsupportedType("module")))
            }
            other => Err(Error::new(
                at.saturating_sub(1),
                ErrorKind::UnknownType(other),
            )),
        }
    }

    /// `HASH_METADATA` (7.4): the smallest expiry, then per field a TTL relative to it (0 =
    /// none, else expiry - min + 1), field, value. The pre-GA form has no minimum and absolute
    /// TTLs.
    fn hash_with_ttls(&mut self, relative: bool) -> Result<Option<Object>, Error> {
        let at = self.offset();
        let min_expire = if relative {
            let min = u64::from_le_bytes(self.array::<8>()?);
            if min > MAX_FIELD_EXPIRE_MS + 1 {
                return Err(Error::corrupt(at, "Hash read invalid minExpire value"));
            }
            min
        } else {
            0
        };
        let len = self.length()?;
        let mut fields = Vec::with_capacity(prealloc(len));
        for _ in 0..len {
            let ttl_at = self.offset();
            let ttl = self.length()?;
            let expire_at = match (ttl, relative) {
                (0, _) => 0,
                (ttl, true) => ttl.checked_add(min_expire).map_or(u64::MAX, |t| t - 1),
                (ttl, false) => ttl,
            };
            if expire_at > MAX_FIELD_EXPIRE_MS {
                return Err(Error::corrupt(
                    ttl_at,
                    format!("invalid expireAt time: {expire_at}"),
                ));
            }
            let field = self.string()?;
            let value = self.string()?;
            fields.push(HashField {
                field,
                value,
                expire_at_ms: (expire_at != 0).then_some(expire_at as i64),
            });
        }
        check_unique(fields.iter().map(|f| f.field.as_slice()), "hash field").map_err(at_(at))?;
        Ok(non_empty(fields).map(Object::Hash))
    }

    /// Quicklists: a node count, then nodes: ziplists (version 1), or (version 2) a container
    /// kind and a listpack or, for PLAIN, one raw element. Empty nodes are skipped as Redis
    /// does; a list left empty is an empty key.
    fn quicklist(&mut self, v2: bool) -> Result<Option<Object>, Error> {
        let len = self.length()?;
        let mut items = Vec::new();
        for _ in 0..len {
            let at = self.offset();
            let container = if v2 {
                self.length()?
            } else {
                quicklist::CONTAINER_PACKED
            };
            if container != quicklist::CONTAINER_PACKED && container != quicklist::CONTAINER_PLAIN {
                return Err(Error::corrupt(at, "Quicklist integrity check failed."));
            }
            let node_at = self.offset();
            let blob = self.string()?;
            if blob.is_empty() {
                return Err(Error::corrupt(node_at, "empty quicklist node"));
            }
            if container == quicklist::CONTAINER_PLAIN {
                items.push(blob);
                continue;
            }
            let entries = if v2 {
                listpack::entries(&blob)
            } else {
                ziplist::entries(&blob)
            };
            items.extend(entries.map_err(at_(node_at))?.iter().map(Entry::to_bytes));
        }
        Ok(non_empty(items).map(Object::List))
    }

    // ---- strings, lengths, numbers ----

    /// A length (`rdbLoadLen`): 6 bits, 14 bits, 32 or 64 bits big-endian. An "encoded value"
    /// prefix reads as its 6 bits, as Redis reads it where it expects a length.
    fn length(&mut self) -> Result<u64, Error> {
        Ok(self.length_or_encoding()?.0)
    }

    /// A length, and whether it is really a special string encoding (`RDB_ENCVAL`).
    fn length_or_encoding(&mut self) -> Result<(u64, bool), Error> {
        let at = self.offset();
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok((u64::from(b & 0x3F), false)),
            1 => Ok(((u64::from(b & 0x3F) << 8) | u64::from(self.u8()?), false)),
            3 => Ok((u64::from(b & 0x3F), true)),
            _ => match b {
                0x80 => Ok((u64::from(u32::from_be_bytes(self.array::<4>()?)), false)),
                0x81 => Ok((u64::from_be_bytes(self.array::<8>()?), false)),
                _ => Err(Error::corrupt(
                    at,
                    format!("Unknown length encoding {b} in rdbLoadLen()"),
                )),
            },
        }
    }

    /// A string: raw, an integer (8, 16, 32 bits LE) rendered in decimal, or LZF-compressed.
    fn string(&mut self) -> Result<Vec<u8>, Error> {
        let at = self.offset();
        let (len, encoded) = self.length_or_encoding()?;
        if !encoded {
            return self.bytes(checked_len(at, len, "string")?);
        }
        let value = match len {
            0 => i64::from(self.u8()? as i8),
            1 => i64::from(i16::from_le_bytes(self.array::<2>()?)),
            2 => i64::from(i32::from_le_bytes(self.array::<4>()?)),
            3 => return self.lzf_string(),
            other => {
                return Err(Error::corrupt(
                    at,
                    format!("Unknown RDB string encoding type {other}"),
                ));
            }
        };
        Ok(value.to_string().into_bytes())
    }

    /// An LZF string: compressed length, uncompressed length, compressed bytes.
    fn lzf_string(&mut self) -> Result<Vec<u8>, Error> {
        let at = self.offset();
        let clen = checked_len(at, self.length()?, "compressed string")?;
        let len = checked_len(at, self.length()?, "string")?;
        let compressed = self.bytes(clen)?;
        if len == 0 {
            return Ok(Vec::new());
        }
        // LZF expands at most ~88 times (a 3-byte back reference yields 264 bytes): a claim
        // beyond that is corrupt, and must not make us allocate it.
        if len / 100 > clen {
            return Err(Error::corrupt(at, "Invalid LZF compressed string"));
        }
        crate::lzf::decompress(&compressed, len)
            .ok_or_else(|| Error::corrupt(at, "Invalid LZF compressed string"))
    }

    /// A score of the old `ZSET` type: a length byte (253 NaN, 254 +inf, 255 -inf) and ASCII.
    fn ascii_double(&mut self) -> Result<f64, Error> {
        let at = self.offset();
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            len => {
                let text = self.bytes(usize::from(len))?;
                parse_score(&text).ok_or_else(|| Error::corrupt(at, "bad double value"))
            }
        }
    }

    // ---- the buffer ----

    fn u8(&mut self) -> Result<u8, Error> {
        if self.pos == self.end {
            self.fill(1)?;
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        if self.end - self.pos < N {
            self.fill(N)?;
        }
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(out)
    }

    /// `len` bytes, taken as they arrive: a length the input cannot back fails as truncated
    /// without having been allocated.
    fn bytes(&mut self, len: usize) -> Result<Vec<u8>, Error> {
        if self.end - self.pos >= len {
            let out = self.buf[self.pos..self.pos + len].to_vec();
            self.pos += len;
            return Ok(out);
        }
        let mut out = Vec::with_capacity(len.min(BUF_SIZE));
        loop {
            let take = (self.end - self.pos).min(len - out.len());
            out.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            if out.len() == len {
                return Ok(out);
            }
            self.fill(1)?;
        }
    }

    /// Makes at least `need` (≤ BUF_SIZE) unconsumed bytes available, or fails as truncated.
    fn fill(&mut self, need: usize) -> Result<(), Error> {
        debug_assert!(need <= BUF_SIZE);
        self.crc.update(&self.buf[self.crc_pos..self.pos]);
        self.buf.copy_within(self.pos..self.end, 0);
        self.base += self.pos as u64;
        self.end -= self.pos;
        self.pos = 0;
        self.crc_pos = 0;
        if self.buf.len() < BUF_SIZE {
            let grown = (self.buf.len() * 4).clamp(MIN_BUF_SIZE, BUF_SIZE).max(need);
            self.buf.resize(grown, 0);
        }
        while self.end < need {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    return Err(Error::new(
                        self.base + self.end as u64,
                        ErrorKind::Truncated,
                    ));
                }
                Ok(n) => self.end += n.min(self.buf.len() - self.end),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::new(self.base + self.end as u64, ErrorKind::Io(e))),
            }
        }
        Ok(())
    }
}

// ---- pure helpers ----

fn prealloc(len: u64) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX).min(MAX_PREALLOC)
}

fn checked_len(at: u64, len: u64, what: &'static str) -> Result<usize, Error> {
    if len > MAX_STRING_LEN {
        return Err(Error::new(at, ErrorKind::TooLarge { what, len }));
    }
    usize::try_from(len).map_err(|_| Error::new(at, ErrorKind::TooLarge { what, len }))
}

/// Wraps a blob decoder's message as a corrupt-value error at `at`.
fn at_(at: u64) -> impl Fn(String) -> Error {
    move |what| Error::corrupt(at, what)
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn to_bytes(entries: &[Entry<'_>]) -> Vec<Vec<u8>> {
    entries.iter().map(Entry::to_bytes).collect()
}

/// Redis refuses duplicate set members, hash fields and zset members on load.
fn check_unique<'a>(
    items: impl ExactSizeIterator<Item = &'a [u8]> + Clone,
    what: &str,
) -> Result<(), String> {
    let n = items.len();
    let dup = || Err(format!("duplicate {what} detected"));
    if n <= 16 {
        let all: Vec<&[u8]> = items.collect();
        for (i, a) in all.iter().enumerate() {
            if all[..i].contains(a) {
                return dup();
            }
        }
        return Ok(());
    }
    let mut seen = HashSet::with_capacity(n);
    for item in items {
        if !seen.insert(item) {
            return dup();
        }
    }
    Ok(())
}

/// A score as `strtod` would read it (what Redis's listpack zsets hold: `%.17g`, `inf`).
fn parse_score(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.trim().parse::<f64>().ok()
}

/// Member-score pairs of a ziplist or listpack zset.
fn zset_pairs(entries: &[Entry<'_>]) -> Result<Vec<(Vec<u8>, f64)>, String> {
    if !entries.chunks_exact(2).remainder().is_empty() {
        return Err("zset has an odd number of entries".into());
    }
    let mut pairs = Vec::with_capacity(entries.len() / 2);
    for pair in entries.chunks_exact(2) {
        let score = match pair[1] {
            Entry::Int(v) => v as f64,
            Entry::Str(s) => parse_score(s).ok_or("zset score is not a number")?,
        };
        if score.is_nan() {
            return Err("Zset with NAN score detected".into());
        }
        pairs.push((pair[0].to_bytes(), score));
    }
    check_unique(pairs.iter().map(|(m, _)| m.as_slice()), "zset member")?;
    Ok(pairs)
}

/// Field-value pairs of a ziplist or listpack hash, or (`with_ttl`, 7.4's listpackex)
/// field-value-expiry triples: expiry an integer, 0 = none, fields with one first and in
/// ascending order (`_lpEntryValidation`).
fn hash_tuples(entries: &[Entry<'_>], with_ttl: bool) -> Result<Vec<HashField>, String> {
    let tuple = if with_ttl { 3 } else { 2 };
    if !entries.chunks_exact(tuple).remainder().is_empty() {
        return Err(format!(
            "hash listpack entries are not a multiple of {tuple}"
        ));
    }
    let mut fields = Vec::with_capacity(entries.len() / tuple);
    let mut last_expire: Option<u64> = None;
    for t in entries.chunks_exact(tuple) {
        let mut expire_at_ms = None;
        if with_ttl {
            let expire = t[2]
                .as_int()
                .and_then(|v| u64::try_from(v).ok())
                .filter(|&v| v <= MAX_FIELD_EXPIRE_MS)
                .ok_or("hash field expiry is not a valid time")?;
            if expire != 0 {
                if last_expire.is_some_and(|last| last == 0 || expire < last) {
                    return Err("hash field expiries are out of order".into());
                }
                expire_at_ms = Some(expire as i64);
            }
            last_expire = Some(expire);
        }
        fields.push(HashField {
            field: t[0].to_bytes(),
            value: t[1].to_bytes(),
            expire_at_ms,
        });
    }
    check_unique(fields.iter().map(|f| f.field.as_slice()), "hash field")?;
    Ok(fields)
}

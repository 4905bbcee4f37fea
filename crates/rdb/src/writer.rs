//! Writing an RDB stream: header, aux fields, databases, keys, EOF and checksum, in the
//! encodings Redis 7.0.15 writes and loads (RDB version 10).
//!
//! The writer offers the format's primitives (lengths, strings, doubles, type bytes) and a
//! generic `object` for decoded values. The server writes its own collections with the
//! primitives, because it knows their compact forms (list chunks are listpacks already).

use crate::{CRC64, Error, ErrorKind, KeyRecord, Object, RDB_VERSION, opcodes, types};
use std::io::Write;

/// What `rdbcompression` and `rdbchecksum` say.
#[derive(Clone, Copy, Debug)]
pub struct WriterOptions {
    /// LZF-compress strings longer than 20 bytes when that saves space.
    pub compression: bool,
    /// Write the CRC64 after EOF (else eight zero bytes, which loaders skip).
    pub checksum: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            compression: true,
            checksum: true,
        }
    }
}

/// Strings up to this length are tried as integers (Redis's rdbTryIntegerEncoding, 11 chars).
const INT_ENCODING_MAX_LEN: usize = 11;
/// Strings longer than this are tried with LZF.
const LZF_MIN_LEN: usize = 20;
/// Collections up to these sizes are written as listpacks/intsets by `object` (Redis 7.0's
/// default `*-max-listpack-entries` and `-value`, `set-max-intset-entries`).
const GENERIC_LISTPACK_ENTRIES: usize = 128;
const GENERIC_LISTPACK_VALUE: usize = 64;
const GENERIC_INTSET_ENTRIES: usize = 512;
/// Elements per listpack node when `object` writes a list (list-max-listpack-size -2: 8 KB).
const GENERIC_LIST_NODE_BYTES: usize = 8192;

/// Writes an RDB stream into `W`, keeping the running checksum.
pub struct Writer<W: Write> {
    out: W,
    digest: crc::Digest<'static, u64, crc::Table<16>>,
    options: WriterOptions,
    written: u64,
    lzf: crate::lzf::Compressor,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W, options: WriterOptions) -> Writer<W> {
        Writer {
            out,
            digest: CRC64.digest(),
            options,
            written: 0,
            lzf: Default::default(),
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::new(self.written, ErrorKind::Io(e))
    }

    /// Raw bytes, counted in the checksum.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.options.checksum {
            self.digest.update(bytes);
        }
        self.out.write_all(bytes).map_err(|e| self.io(e))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// `REDIS0010`.
    pub fn header(&mut self) -> Result<(), Error> {
        self.raw(format!("REDIS{RDB_VERSION:04}").as_bytes())
    }

    pub fn aux(&mut self, key: &[u8], value: &[u8]) -> Result<(), Error> {
        self.raw(&[opcodes::AUX])?;
        self.string(key)?;
        self.string(value)
    }

    pub fn aux_int(&mut self, key: &[u8], value: i64) -> Result<(), Error> {
        let mut buf = itoa_buf(value);
        let text = buf.format();
        self.aux(key, text)
    }

    pub fn select_db(&mut self, db: u64) -> Result<(), Error> {
        self.raw(&[opcodes::SELECTDB])?;
        self.length(db)
    }

    pub fn resize_db(&mut self, db_size: u64, expires_size: u64) -> Result<(), Error> {
        self.raw(&[opcodes::RESIZEDB])?;
        self.length(db_size)?;
        self.length(expires_size)
    }

    /// `EXPIRETIME_MS` for the key that follows.
    pub fn expire_at_ms(&mut self, at_ms: i64) -> Result<(), Error> {
        self.raw(&[opcodes::EXPIRETIME_MS])?;
        self.raw(&at_ms.to_le_bytes())
    }

    /// `IDLE` for the key that follows.
    pub fn idle(&mut self, idle_s: u64) -> Result<(), Error> {
        self.raw(&[opcodes::IDLE])?;
        self.length(idle_s)
    }

    /// `FREQ` for the key that follows.
    pub fn freq(&mut self, freq: u8) -> Result<(), Error> {
        self.raw(&[opcodes::FREQ, freq])
    }

    /// `FUNCTION2` with a library's source.
    pub fn function(&mut self, code: &[u8]) -> Result<(), Error> {
        self.raw(&[opcodes::FUNCTION2])?;
        self.string(code)
    }

    pub fn object_type(&mut self, type_byte: u8) -> Result<(), Error> {
        self.raw(&[type_byte])
    }

    /// A length: 6-bit, 14-bit, 32-bit or 64-bit big-endian.
    pub fn length(&mut self, len: u64) -> Result<(), Error> {
        if len < 1 << 6 {
            self.raw(&[len as u8])
        } else if len < 1 << 14 {
            self.raw(&[0x40 | (len >> 8) as u8, len as u8])
        } else if len <= u32::MAX as u64 {
            let b = (len as u32).to_be_bytes();
            self.raw(&[0x80, b[0], b[1], b[2], b[3]])
        } else {
            self.raw(&[0x81])?;
            self.raw(&len.to_be_bytes())
        }
    }

    /// A string as Redis's rdbSaveRawString: integer-encoded when it is a short canonical
    /// integer that fits 32 bits, LZF when enabled and worth it, else plain.
    pub fn string(&mut self, s: &[u8]) -> Result<(), Error> {
        if s.len() <= INT_ENCODING_MAX_LEN
            && let Some(n) = canonical_i64(s)
            && self.try_int_string(n)?
        {
            return Ok(());
        }
        if self.options.compression
            && s.len() > LZF_MIN_LEN
            && let Some(packed) = self.lzf.compress(s)
        {
            self.raw(&[0xC3])?;
            self.length(packed.len() as u64)?;
            self.length(s.len() as u64)?;
            return self.raw(&packed);
        }
        self.length(s.len() as u64)?;
        self.raw(s)
    }

    /// A string holding an integer: the INT8/16/32 encodings when it fits, else its decimal form.
    pub fn int_string(&mut self, n: i64) -> Result<(), Error> {
        if self.try_int_string(n)? {
            return Ok(());
        }
        let mut buf = itoa_buf(n);
        let text = buf.format();
        self.length(text.len() as u64)?;
        self.raw(text)
    }

    fn try_int_string(&mut self, n: i64) -> Result<bool, Error> {
        if let Ok(v) = i8::try_from(n) {
            self.raw(&[0xC0, v as u8])?;
        } else if let Ok(v) = i16::try_from(n) {
            let b = v.to_le_bytes();
            self.raw(&[0xC1, b[0], b[1]])?;
        } else if let Ok(v) = i32::try_from(n) {
            let b = v.to_le_bytes();
            self.raw(&[0xC2, b[0], b[1], b[2], b[3]])?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// An 8-byte little-endian IEEE double (ZSET_2 scores).
    pub fn binary_double(&mut self, v: f64) -> Result<(), Error> {
        self.raw(&v.to_le_bytes())
    }

    /// A whole key record: expiry, then type, key and value (generic encodings).
    pub fn key(&mut self, record: &KeyRecord) -> Result<(), Error> {
        if let Some(at) = record.expire_at_ms {
            self.expire_at_ms(at)?;
        }
        if let Some(idle) = record.idle_s {
            self.idle(idle)?;
        }
        if let Some(freq) = record.freq {
            self.freq(freq)?;
        }
        self.object_type(object_type_byte(&record.value))?;
        self.string(&record.key)?;
        self.object_body(&record.value)
    }

    /// The body of `object` in the encoding `object_type_byte` names.
    pub fn object_body(&mut self, object: &Object) -> Result<(), Error> {
        match object {
            Object::String(s) => self.string(s),
            Object::List(items) => self.list_body(items.iter().map(Vec::as_slice)),
            Object::Set(members) => match intset_values(members) {
                Some(ints) => self.string(&crate::intset::build(&ints)),
                None if fits_listpack(members.iter().map(Vec::as_slice), members.len()) => {
                    self.length(members.len() as u64)?;
                    for m in members {
                        self.string(m)?;
                    }
                    Ok(())
                }
                None => {
                    self.length(members.len() as u64)?;
                    for m in members {
                        self.string(m)?;
                    }
                    Ok(())
                }
            },
            Object::Hash(fields) => {
                let flat = fields
                    .iter()
                    .flat_map(|f| [f.field.as_slice(), f.value.as_slice()]);
                if fits_listpack(flat.clone(), fields.len()) {
                    let mut lp = crate::listpack::Builder::new();
                    flat.for_each(|s| lp.push(s));
                    self.string(&lp.finish())
                } else {
                    self.length(fields.len() as u64)?;
                    for f in fields {
                        self.string(&f.field)?;
                        self.string(&f.value)?;
                    }
                    Ok(())
                }
            }
            Object::ZSet(entries) => {
                if fits_listpack(entries.iter().map(|e| e.0.as_slice()), entries.len()) {
                    let mut lp = crate::listpack::Builder::new();
                    for (member, score) in entries {
                        lp.push(member);
                        push_score(&mut lp, *score);
                    }
                    self.string(&lp.finish())
                } else {
                    // Redis writes ZSET_2 from the highest score down, so that loading
                    // inserts at the skiplist head; any order loads the same set.
                    self.length(entries.len() as u64)?;
                    for (member, score) in entries.iter().rev() {
                        self.string(member)?;
                        self.binary_double(*score)?;
                    }
                    Ok(())
                }
            }
        }
    }

    /// A LIST_QUICKLIST_2 body: listpack nodes of up to 8 KB.
    pub fn list_body<'a>(&mut self, items: impl Iterator<Item = &'a [u8]>) -> Result<(), Error> {
        let mut nodes = Vec::new();
        let mut lp = crate::listpack::Builder::new();
        let mut node_bytes = 0;
        for item in items {
            if lp.count() > 0 && node_bytes + item.len() > GENERIC_LIST_NODE_BYTES {
                nodes.push(std::mem::take(&mut lp).finish());
                node_bytes = 0;
            }
            node_bytes += item.len() + 2;
            lp.push(item);
        }
        if lp.count() > 0 {
            nodes.push(lp.finish());
        }
        self.length(nodes.len() as u64)?;
        for node in &nodes {
            self.length(crate::quicklist::CONTAINER_PACKED)?;
            self.string(node)?;
        }
        Ok(())
    }

    /// EOF and the checksum; returns the inner writer (flushed).
    pub fn finish(mut self) -> Result<W, Error> {
        self.raw(&[opcodes::EOF])?;
        let crc = if self.options.checksum {
            self.digest.clone().finalize()
        } else {
            0
        };
        self.out
            .write_all(&crc.to_le_bytes())
            .map_err(|e| self.io(e))?;
        self.written += 8;
        self.out.flush().map_err(|e| self.io(e))?;
        Ok(self.out)
    }

    /// The inner writer, without EOF (for DUMP bodies).
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The type byte `Writer::object_body` writes for `object`.
pub fn object_type_byte(object: &Object) -> u8 {
    match object {
        Object::String(_) => types::STRING,
        Object::List(_) => types::LIST_QUICKLIST_2,
        Object::Set(m) if intset_values(m).is_some() => types::SET_INTSET,
        Object::Set(_) => types::SET,
        Object::Hash(f)
            if fits_listpack(
                f.iter()
                    .flat_map(|f| [f.field.as_slice(), f.value.as_slice()]),
                f.len(),
            ) =>
        {
            types::HASH_LISTPACK
        }
        Object::Hash(_) => types::HASH,
        Object::ZSet(e) if fits_listpack(e.iter().map(|e| e.0.as_slice()), e.len()) => {
            types::ZSET_LISTPACK
        }
        Object::ZSet(_) => types::ZSET_2,
    }
}

/// A score as Redis 7.0 stores it in a listpack: an integer when it is one, else its text.
pub fn push_score(lp: &mut crate::listpack::Builder, score: f64) {
    if score.fract() == 0.0 && score.abs() < (1u64 << 53) as f64 {
        lp.push_int(score as i64);
    } else {
        lp.push(format_score(score).as_bytes());
    }
}

/// Shortest text that reads back as the same double (`inf`, `-inf` as strtod accepts them).
pub fn format_score(score: f64) -> String {
    if score.is_infinite() {
        return if score > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    format!("{score:?}")
}

fn fits_listpack<'a>(items: impl Iterator<Item = &'a [u8]>, count: usize) -> bool {
    count <= GENERIC_LISTPACK_ENTRIES
        && items.into_iter().all(|s| s.len() <= GENERIC_LISTPACK_VALUE)
}

fn intset_values(members: &[Vec<u8>]) -> Option<Vec<i64>> {
    if members.is_empty() || members.len() > GENERIC_INTSET_ENTRIES {
        return None;
    }
    members.iter().map(|m| canonical_i64(m)).collect()
}

/// A canonical decimal i64 (no '+', no leading zeros, no "-0"), as Redis's string2ll accepts:
/// the listpack's rule (lpStringToInt64) is the same one.
pub fn canonical_i64(s: &[u8]) -> Option<i64> {
    crate::listpack::string_to_i64(s)
}

/// A small stack buffer rendering an integer in decimal.
struct ItoaBuf {
    n: i64,
    bytes: [u8; 20],
}

fn itoa_buf(n: i64) -> ItoaBuf {
    ItoaBuf { n, bytes: [0; 20] }
}

impl ItoaBuf {
    fn format(&mut self) -> &[u8] {
        let mut pos = self.bytes.len();
        let neg = self.n < 0;
        let mut v = self.n.unsigned_abs();
        loop {
            pos -= 1;
            self.bytes[pos] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if neg {
            // 20 bytes hold "-9223372036854775808" exactly (19 digits and the sign).
            pos -= 1;
            self.bytes[pos] = b'-';
        }
        &self.bytes[pos..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut Writer<Vec<u8>>) -> Result<(), Error>) -> Vec<u8> {
        let mut w = Writer::new(Vec::new(), WriterOptions::default());
        f(&mut w).unwrap();
        w.into_inner()
    }

    #[test]
    fn lengths_use_the_shortest_form() {
        assert_eq!(written(|w| w.length(63)), [63]);
        assert_eq!(written(|w| w.length(64)), [0x40, 64]);
        assert_eq!(written(|w| w.length(16383)), [0x7f, 0xff]);
        assert_eq!(written(|w| w.length(16384)), [0x80, 0, 0, 0x40, 0]);
        assert_eq!(
            written(|w| w.length(1 << 32)),
            [0x81, 0, 0, 0, 1, 0, 0, 0, 0]
        );
    }

    #[test]
    fn strings_are_int_encoded_like_redis() {
        assert_eq!(written(|w| w.string(b"12")), [0xC0, 12]);
        assert_eq!(written(|w| w.string(b"-129")), [0xC1, 0x7f, 0xff]);
        assert_eq!(written(|w| w.string(b"100000")), [0xC2, 0xa0, 0x86, 1, 0]);
        // Not canonical, or too wide for 32 bits: plain.
        assert_eq!(written(|w| w.string(b"012")), [3, b'0', b'1', b'2']);
        assert_eq!(written(|w| w.string(b"4294967296"))[0], 10);
        assert_eq!(written(|w| w.int_string(i64::MIN))[0], 20);
    }

    #[test]
    fn long_repetitive_strings_are_compressed() {
        let s = vec![b'a'; 200];
        let out = written(|w| w.string(&s));
        assert_eq!(out[0], 0xC3);
        assert!(out.len() < 40);
        let mut plain = Writer::new(
            Vec::new(),
            WriterOptions {
                compression: false,
                checksum: true,
            },
        );
        plain.string(&s).unwrap();
        assert_eq!(plain.into_inner().len(), 202);
    }

    #[test]
    fn canonical_integers() {
        assert_eq!(canonical_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(canonical_i64(b"-0"), None);
        assert_eq!(canonical_i64(b"+1"), None);
        assert_eq!(canonical_i64(b"007"), None);
        assert_eq!(format_score(1.5), "1.5");
        assert_eq!(format_score(f64::NEG_INFINITY), "-inf");
    }
}

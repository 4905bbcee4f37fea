//! Hand-built RDB bytes for the reader's tests: a stream builder, and the legacy blobs
//! (ziplist, zipmap) no code of ours writes.
#![allow(dead_code)]

use ferrodis_rdb::{CRC64, listpack};

/// An RDB byte stream under construction.
pub struct Rdb {
    pub bytes: Vec<u8>,
}

impl Rdb {
    /// `REDIS` and a four-digit version.
    pub fn new(version: u16) -> Rdb {
        Rdb {
            bytes: format!("REDIS{version:04}").into_bytes(),
        }
    }

    /// No header: a DUMP-style object body.
    pub fn body() -> Rdb {
        Rdb { bytes: Vec::new() }
    }

    pub fn u8(mut self, b: u8) -> Rdb {
        self.bytes.push(b);
        self
    }

    pub fn raw(mut self, b: &[u8]) -> Rdb {
        self.bytes.extend_from_slice(b);
        self
    }

    /// A length in its shortest form.
    pub fn len(mut self, n: u64) -> Rdb {
        if n < 64 {
            self.bytes.push(n as u8);
        } else if n < 16384 {
            self.bytes.push(0x40 | (n >> 8) as u8);
            self.bytes.push(n as u8);
        } else if n <= u32::MAX as u64 {
            self.bytes.push(0x80);
            self.bytes.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.bytes.push(0x81);
            self.bytes.extend_from_slice(&n.to_be_bytes());
        }
        self
    }

    /// A plain (length-prefixed) string.
    pub fn str(self, s: &[u8]) -> Rdb {
        self.len(s.len() as u64).raw(s)
    }

    /// A key: type byte, key name; the value follows.
    pub fn key(self, type_byte: u8, key: &[u8]) -> Rdb {
        self.u8(type_byte).str(key)
    }

    /// `EOF` and the CRC64 of everything before the checksum.
    pub fn eof(self) -> Vec<u8> {
        let mut bytes = self.u8(255).bytes;
        let crc = CRC64.checksum(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    }

    /// `EOF` with a zero checksum (checksums disabled on save).
    pub fn eof_no_crc(self) -> Vec<u8> {
        self.u8(255).raw(&[0; 8]).bytes
    }

    pub fn done(self) -> Vec<u8> {
        self.bytes
    }
}

pub fn lp(items: &[&[u8]]) -> Vec<u8> {
    let mut b = listpack::Builder::new();
    for item in items {
        b.push(item);
    }
    b.finish()
}

/// A ziplist of these entries as Redis 6 builds one (canonical integers integer-encoded).
pub fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev_size = 0usize;
    let mut tail = 10;
    for item in items {
        let start = body.len();
        tail = 10 + start;
        if prev_size < 254 {
            body.push(prev_size as u8);
        } else {
            body.push(0xFE);
            body.extend_from_slice(&(prev_size as u32).to_le_bytes());
        }
        match listpack::string_to_i64(item) {
            Some(v @ 0..=12) => body.push(0xF1 + v as u8),
            Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
            Some(v) if i16::try_from(v).is_ok() => {
                body.push(0xC0);
                body.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                body.push(0xF0);
                body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            Some(v) if i32::try_from(v).is_ok() => {
                body.push(0xD0);
                body.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Some(v) => {
                body.push(0xE0);
                body.extend_from_slice(&v.to_le_bytes());
            }
            None if item.len() < 64 => {
                body.push(item.len() as u8);
                body.extend_from_slice(item);
            }
            None if item.len() < 16384 => {
                body.push(0x40 | (item.len() >> 8) as u8);
                body.push(item.len() as u8);
                body.extend_from_slice(item);
            }
            None => {
                body.push(0x80);
                body.extend_from_slice(&(item.len() as u32).to_be_bytes());
                body.extend_from_slice(item);
            }
        }
        prev_size = body.len() - start;
    }
    let total = 10 + body.len() + 1;
    let mut out = Vec::new();
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(tail as u32).to_le_bytes());
    out.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xFF);
    out
}

/// A zipmap of these pairs, each value followed by `free` unused bytes.
pub fn zipmap(pairs: &[(&[u8], &[u8])], free: u8) -> Vec<u8> {
    let mut out = vec![pairs.len().min(254) as u8];
    let len = |out: &mut Vec<u8>, l: usize| {
        if l < 254 {
            out.push(l as u8);
        } else {
            out.push(254);
            out.extend_from_slice(&(l as u32).to_le_bytes());
        }
    };
    for (f, v) in pairs {
        len(&mut out, f.len());
        out.extend_from_slice(f);
        len(&mut out, v.len());
        out.push(free);
        out.extend_from_slice(v);
        out.extend(std::iter::repeat_n(0u8, usize::from(free)));
    }
    out.push(0xFF);
    out
}

pub fn intset(values: &[i64]) -> Vec<u8> {
    ferrodis_rdb::intset::build(values)
}

/// "abcabcabcabc" LZF-compressed by hand: a 3-byte literal run, then a long back reference
/// (length 9, distance 3).
pub const LZF_ABC4: &[u8] = &[0x02, b'a', b'b', b'c', 0xE0, 0x00, 0x02];

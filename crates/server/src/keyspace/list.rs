//! `List`: the list type, shaped as Redis 7.0's quicklist: a deque of chunks, each one packed
//! buffer of listpack entries (a length-prefixed encoding, canonical integers stored as integers,
//! each entry followed by its length so the buffer can be walked backwards). A chunk holds up to
//! `list-max-listpack-size` worth of entries; chunks split when an insert does not fit and merge
//! with a neighbour when removals leave both small; an emptied chunk is freed.
//!
//! Memory is Redis's: chunk buffers hold exactly the bytes of a Redis listpack's entries (the
//! `listpack` codec below is byte-compatible with Redis 7.0's, pinned by a test vector taken from
//! `DUMP`), and a chunk fills to the same size limit. A clone copies the chunk buffers: what a
//! write pays when a snapshot shares the list.
//!
//! Also home of `Elem` (an element as stored: bytes or an integer) and of the `listpack` codec,
//! which small hashes share. Knows nothing of commands, replies or the keyspace; indexes here are
//! already normalized (callers turn LRANGE's negative indexes into positions).
#![allow(dead_code)] // The list commands arrive in the data-types issue; nothing calls this yet.

use super::parse_i64_strict;
use listpack::{Encoded, OVERHEAD};
use std::collections::VecDeque;

/// Redis's `optimization_level`: chunk byte limits for fill -1..-5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Redis's `SIZE_SAFETY_LIMIT`: the byte limit of a chunk when the fill counts entries.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis's `FILL_MAX`: the largest entry count per chunk.
const FILL_MAX: i64 = (1 << 15) - 1;

/// One element as stored: packed encodings keep canonical integers (as Redis's `string2ll`
/// accepts them) as integers, which format back to exactly the bytes that were stored.
#[derive(Clone, Copy, Debug)]
pub enum Elem<'a> {
    Bytes(&'a [u8]),
    Int(i64),
}

impl<'a> Elem<'a> {
    /// The element's bytes, formatting an integer into `buf`.
    pub fn as_bytes<'b>(&'b self, buf: &'b mut itoa::Buffer) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Elem::Bytes(b) => b,
            Elem::Int(n) => buf.format(n).as_bytes(),
        }
    }

    pub fn to_vec(self) -> Vec<u8> {
        self.as_bytes(&mut itoa::Buffer::new()).to_vec()
    }

    /// Length of the element's bytes.
    pub fn len(&self) -> usize {
        match *self {
            Elem::Bytes(b) => b.len(),
            Elem::Int(n) => itoa::Buffer::new().format(n).len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Elem::Bytes(b) if b.is_empty())
    }

    /// True when the element's bytes are `bytes`. (To compare many elements with one value,
    /// `List::position` parses the value once.)
    pub fn eq_bytes(&self, bytes: &[u8]) -> bool {
        match *self {
            Elem::Bytes(b) => b == bytes,
            Elem::Int(n) => parse_i64_strict(bytes) == Some(n),
        }
    }
}

impl PartialEq for Elem<'_> {
    fn eq(&self, other: &Elem<'_>) -> bool {
        match (*self, *other) {
            (Elem::Int(a), Elem::Int(b)) => a == b,
            (Elem::Bytes(a), Elem::Bytes(b)) => a == b,
            (Elem::Int(n), Elem::Bytes(b)) | (Elem::Bytes(b), Elem::Int(n)) => {
                parse_i64_strict(b) == Some(n)
            }
        }
    }
}
impl Eq for Elem<'_> {}

/// A value elements are compared with, its integer form computed once.
#[derive(Clone, Copy)]
pub(super) struct Needle<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Needle<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Needle<'a> {
        Needle {
            bytes,
            int: parse_i64_strict(bytes),
        }
    }

    #[inline]
    pub(super) fn matches(&self, e: Elem<'_>) -> bool {
        match e {
            Elem::Bytes(b) => b == self.bytes,
            Elem::Int(n) => self.int == Some(n),
        }
    }
}

/// The listpack entry codec of Redis 7.0 (`listpack.c`): an encoding byte (with the length or
/// a small integer folded in), the payload, then the backlen (the entry's length, 7 bits a byte,
/// read from its last byte backwards). Buffers here hold entries only; a Redis listpack adds a
/// 6-byte header and an end byte (`to_redis_blob`). One extension: strings of 4 GiB or more,
/// which Redis keeps in plain quicklist nodes, use encoding byte 0xF5 with a 64-bit length.
///
/// Buffers are built only by this module, so decoding trusts them: a malformed entry is a
/// ferrodis bug and panics.
pub(super) mod listpack {
    use super::{Elem, parse_i64_strict};

    /// Bytes a Redis listpack adds around its entries: 4-byte total, 2-byte count, end byte.
    pub const OVERHEAD: usize = 7;

    const STR6: u8 = 0x80;
    const INT13: u8 = 0xC0;
    const STR12: u8 = 0xE0;
    const STR32: u8 = 0xF0;
    const INT16: u8 = 0xF1;
    const INT24: u8 = 0xF2;
    const INT32: u8 = 0xF3;
    const INT64: u8 = 0xF4;
    /// Ferrodis only: a string of 4 GiB or more.
    const STR64: u8 = 0xF5;
    const EOF: u8 = 0xFF;

    /// One entry, encoded but not yet written.
    #[derive(Clone, Copy)]
    pub struct Encoded<'a> {
        head: [u8; 9],
        head_len: u8,
        data: &'a [u8],
        back: [u8; 10],
        back_len: u8,
    }

    impl<'a> Encoded<'a> {
        /// An element as `lpAppend` stores it: canonical integers in an integer encoding.
        pub fn element(value: &'a [u8]) -> Encoded<'a> {
            match parse_i64_strict(value) {
                Some(n) => Encoded::int(n),
                None => Encoded::string(value),
            }
        }

        /// An integer in the smallest of Redis's integer encodings that holds it.
        pub fn int(v: i64) -> Encoded<'a> {
            let mut head = [0u8; 9];
            let head_len = if (0..=127).contains(&v) {
                head[0] = v as u8;
                1
            } else if (-4096..=4095).contains(&v) {
                let u = (v as u16) & 0x1fff;
                head[0] = INT13 | (u >> 8) as u8;
                head[1] = u as u8;
                2
            } else if (-32768..=32767).contains(&v) {
                head[0] = INT16;
                head[1..3].copy_from_slice(&(v as i16).to_le_bytes());
                3
            } else if (-8388608..=8388607).contains(&v) {
                head[0] = INT24;
                head[1..4].copy_from_slice(&(v as i32).to_le_bytes()[..3]);
                4
            } else if let Ok(v32) = i32::try_from(v) {
                head[0] = INT32;
                head[1..5].copy_from_slice(&v32.to_le_bytes());
                5
            } else {
                head[0] = INT64;
                head[1..9].copy_from_slice(&v.to_le_bytes());
                9
            };
            Encoded::with_head(head, head_len, &[])
        }

        /// A string, never integer-encoded (hash fields and values).
        pub fn string(s: &'a [u8]) -> Encoded<'a> {
            let len = s.len();
            let mut head = [0u8; 9];
            let head_len = if len < 64 {
                head[0] = STR6 | len as u8;
                1
            } else if len < 4096 {
                head[0] = STR12 | (len >> 8) as u8;
                head[1] = len as u8;
                2
            } else if let Ok(l) = u32::try_from(len) {
                head[0] = STR32;
                head[1..5].copy_from_slice(&l.to_le_bytes());
                5
            } else {
                head[0] = STR64;
                head[1..9].copy_from_slice(&(len as u64).to_le_bytes());
                9
            };
            Encoded::with_head(head, head_len, s)
        }

        fn with_head(head: [u8; 9], head_len: usize, data: &'a [u8]) -> Encoded<'a> {
            let (back, back_len) = backlen(head_len + data.len());
            Encoded {
                head,
                head_len: head_len as u8,
                data,
                back,
                back_len: back_len as u8,
            }
        }

        /// Bytes the entry takes, backlen included.
        #[inline]
        pub fn len(&self) -> usize {
            self.head_len as usize + self.data.len() + self.back_len as usize
        }

        /// Writes the entry into `out`, which is exactly `len()` bytes.
        pub fn write(&self, out: &mut [u8]) {
            let h = self.head_len as usize;
            let d = self.data.len();
            out[..h].copy_from_slice(&self.head[..h]);
            out[h..h + d].copy_from_slice(self.data);
            out[h + d..].copy_from_slice(&self.back[..self.back_len as usize]);
        }

        pub fn append_to(&self, buf: &mut Vec<u8>) {
            buf.extend_from_slice(&self.head[..self.head_len as usize]);
            buf.extend_from_slice(self.data);
            buf.extend_from_slice(&self.back[..self.back_len as usize]);
        }
    }

    /// Bytes of the backlen of an entry whose encoding and payload take `l` bytes, with
    /// Redis's thresholds (`lpEncodeBacklen`; note its `<`), extended past 2^35.
    #[inline]
    fn backlen_size(l: usize) -> usize {
        if l <= 127 {
            1
        } else if l < 16383 {
            2
        } else if l < 2097151 {
            3
        } else if l < 268435455 {
            4
        } else {
            let groups = (usize::BITS - l.leading_zeros()).div_ceil(7) as usize;
            groups.max(5)
        }
    }

    /// The backlen bytes in memory order: the highest 7-bit group first, every byte but the first
    /// flagged with 0x80, so a reader starting at the last byte knows when to stop.
    fn backlen(l: usize) -> ([u8; 10], usize) {
        let n = backlen_size(l);
        let mut out = [0u8; 10];
        for (i, b) in out[..n].iter_mut().enumerate() {
            let group = ((l as u64) >> (7 * (n - 1 - i))) as u8 & 0x7f;
            *b = if i == 0 { group } else { group | 0x80 };
        }
        (out, n)
    }

    /// The element starting at `off` and the offset just past its backlen.
    #[inline]
    pub fn decode(buf: &[u8], off: usize) -> (Elem<'_>, usize) {
        let b = buf[off];
        let (elem, enc_len) = if b & 0x80 == 0 {
            (Elem::Int(b as i64), 1)
        } else if b & 0xC0 == STR6 {
            let l = (b & 0x3f) as usize;
            (Elem::Bytes(&buf[off + 1..off + 1 + l]), 1 + l)
        } else if b & 0xE0 == INT13 {
            let u = (((b & 0x1f) as i64) << 8) | buf[off + 1] as i64;
            (Elem::Int(if u >= 1 << 12 { u - (1 << 13) } else { u }), 2)
        } else if b & 0xF0 == STR12 {
            let l = (((b & 0x0f) as usize) << 8) | buf[off + 1] as usize;
            (Elem::Bytes(&buf[off + 2..off + 2 + l]), 2 + l)
        } else {
            let p = &buf[off + 1..];
            match b {
                STR32 => {
                    let l = u32::from_le_bytes([p[0], p[1], p[2], p[3]]) as usize;
                    (Elem::Bytes(&p[4..4 + l]), 5 + l)
                }
                INT16 => (Elem::Int(i16::from_le_bytes([p[0], p[1]]) as i64), 3),
                INT24 => {
                    let v = i32::from_le_bytes([0, p[0], p[1], p[2]]) >> 8;
                    (Elem::Int(v as i64), 4)
                }
                INT32 => {
                    let v = i32::from_le_bytes([p[0], p[1], p[2], p[3]]);
                    (Elem::Int(v as i64), 5)
                }
                INT64 => {
                    let v = i64::from_le_bytes(p[..8].try_into().expect("8 bytes"));
                    (Elem::Int(v), 9)
                }
                STR64 => {
                    let l = u64::from_le_bytes(p[..8].try_into().expect("8 bytes")) as usize;
                    (Elem::Bytes(&p[8..8 + l]), 9 + l)
                }
                _ => unreachable!("bad packed entry byte {b:#x} at {off}: a ferrodis bug"),
            }
        };
        (elem, off + enc_len + backlen_size(enc_len))
    }

    /// A string entry (hash listpacks hold only strings) and the offset past it.
    #[inline]
    pub fn decode_str(buf: &[u8], off: usize) -> (&[u8], usize) {
        match decode(buf, off) {
            (Elem::Bytes(b), next) => (b, next),
            (Elem::Int(_), _) => unreachable!("integer entry in a string-only listpack"),
        }
    }

    /// The offset where the entry ending at `end` starts.
    #[inline]
    pub fn prev(buf: &[u8], end: usize) -> usize {
        let mut len = 0usize;
        let mut shift = 0;
        let mut i = end;
        loop {
            i -= 1;
            let b = buf[i];
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        i - len
    }

    /// Offset of entry `j` of a buffer holding `count` entries (`j == count`: the end), walking
    /// from the nearer end.
    pub fn offset_of(buf: &[u8], count: usize, j: usize) -> usize {
        if j <= count / 2 {
            (0..j).fold(0, |off, _| decode(buf, off).1)
        } else {
            (j..count).fold(buf.len(), |end, _| prev(buf, end))
        }
    }

    /// The Redis listpack (header, entries, end byte) that RDB stores for these entries.
    pub fn to_redis_blob(entries: &[u8], count: usize) -> Vec<u8> {
        let total = entries.len() + OVERHEAD;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&u32::try_from(total).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&u16::try_from(count).unwrap_or(u16::MAX).to_le_bytes());
        out.extend_from_slice(entries);
        out.push(EOF);
        out
    }

    /// Resizes the `old` bytes at `off` to `new` bytes, moving what follows, and returns them
    /// (to be overwritten).
    pub fn open_gap(buf: &mut Vec<u8>, off: usize, old: usize, new: usize) -> &mut [u8] {
        let len = buf.len();
        if new > old {
            buf.resize(len + new - old, 0);
            buf.copy_within(off + old..len, off + new);
        } else if new < old {
            buf.copy_within(off + old..len, off + new);
            buf.truncate(len - (old - new));
        }
        &mut buf[off..off + new]
    }
}

/// One chunk: `count` entries packed in `buf`. Never empty while in a list.
#[derive(Clone, Default)]
struct Chunk {
    buf: Vec<u8>,
    count: u32,
}

impl Chunk {
    fn single(enc: &Encoded<'_>) -> Chunk {
        let mut buf = Vec::with_capacity(enc.len().max(16));
        enc.append_to(&mut buf);
        Chunk { buf, count: 1 }
    }

    fn offset_of(&self, j: usize) -> usize {
        listpack::offset_of(&self.buf, self.count as usize, j)
    }

    /// Inserts an entry before entry `j`, growing the buffer within `cap_limit`.
    fn insert_at(&mut self, j: usize, enc: &Encoded<'_>, cap_limit: usize) {
        let off = self.offset_of(j);
        reserve(&mut self.buf, enc.len(), cap_limit);
        enc.write(listpack::open_gap(&mut self.buf, off, 0, enc.len()));
        self.count += 1;
    }

    /// Removes `n` entries starting at entry `j`.
    fn remove_entries(&mut self, j: usize, n: usize) {
        let start = self.offset_of(j);
        let end = (0..n).fold(start, |off, _| listpack::decode(&self.buf, off).1);
        self.buf.drain(start..end);
        self.count -= n as u32;
    }
}

/// Makes room for `add` bytes: doubling, but never past `limit` (the chunk's byte limit), so a
/// full chunk's buffer is no bigger than Redis's listpack.
fn reserve(buf: &mut Vec<u8>, add: usize, limit: usize) {
    let need = buf.len() + add;
    if need > buf.capacity() {
        let target = (buf.capacity() * 2).max(16).clamp(need, limit.max(need));
        buf.reserve_exact(target - buf.len());
    }
}

/// After removals: gives memory back once a buffer is less than half used.
fn shrink_sparse(buf: &mut Vec<u8>) {
    if buf.capacity() > 64 && buf.len() * 2 < buf.capacity() {
        buf.shrink_to(buf.len() + buf.len() / 8);
    }
}

/// A chunk that a new neighbour relieves of growth keeps at most 1/8 slack.
fn shrink_closed(buf: &mut Vec<u8>) {
    if buf.capacity() - buf.len() > buf.len() / 8 + 16 {
        buf.shrink_to_fit();
    }
}

/// The chunk-size rules of `list-max-listpack-size`, as Redis's `_quicklistNodeAllowInsert`
/// (sizes counted as a Redis listpack's, header included).
#[derive(Clone, Copy)]
struct Policy {
    fill: i32,
}

impl Policy {
    fn max_lp_bytes(self) -> usize {
        if self.fill < 0 {
            OPTIMIZATION_LEVEL[(-self.fill - 1) as usize]
        } else {
            SIZE_SAFETY_LIMIT
        }
    }

    /// The largest buffer a chunk grows to by itself.
    fn cap_limit(self) -> usize {
        self.max_lp_bytes() - OVERHEAD
    }

    /// May `c` take one more entry of `add` bytes? (A new chunk takes any entry.)
    fn can_add(self, c: &Chunk, add: usize) -> bool {
        c.count == 0
            || (c.buf.len() + OVERHEAD + add <= self.max_lp_bytes()
                && (self.fill < 0 || (c.count as i64) < self.fill as i64))
    }

    /// May `c` grow by `add` bytes without gaining an entry (LSET)?
    fn can_grow(self, c: &Chunk, add: usize) -> bool {
        c.buf.len() + OVERHEAD + add <= self.max_lp_bytes()
    }

    /// Should neighbours `a` and `b` become one? Only when the result is at most half full, so
    /// that an insert right after does not split them again.
    fn can_merge(self, a: &Chunk, b: &Chunk) -> bool {
        a.buf.len() + b.buf.len() + OVERHEAD <= self.max_lp_bytes() / 2
            && (self.fill < 0 || (a.count + b.count) as i64 <= (self.fill as i64 / 2).max(1))
    }
}

/// A list. See the module doc.
#[derive(Clone)]
pub struct List {
    chunks: VecDeque<Chunk>,
    len: usize,
    /// `list-max-listpack-size`, clamped to Redis's range -5..=32767.
    fill: i32,
}

impl List {
    /// An empty list whose chunks follow `list-max-listpack-size` = `fill`.
    pub fn new(fill: i64) -> List {
        List {
            chunks: VecDeque::new(),
            len: 0,
            fill: fill.clamp(-5, FILL_MAX) as i32,
        }
    }

    /// Applies a new `list-max-listpack-size` to future inserts (existing chunks stay, as Redis).
    pub fn set_fill(&mut self, fill: i64) {
        self.fill = fill.clamp(-5, FILL_MAX) as i32;
    }

    pub fn fill(&self) -> i64 {
        self.fill as i64
    }

    fn policy(&self) -> Policy {
        Policy { fill: self.fill }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Chunks in use (Redis's quicklist node count: DEBUG OBJECT's `ql_nodes`).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Heap bytes held: the chunk deque and every chunk buffer's capacity.
    pub fn memory_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + self.chunks.iter().map(|c| c.buf.capacity()).sum::<usize>()
    }

    pub fn push_back(&mut self, value: &[u8]) {
        let enc = Encoded::element(value);
        let p = self.policy();
        match self.chunks.back_mut() {
            Some(c) if p.can_add(c, enc.len()) => {
                reserve(&mut c.buf, enc.len(), p.cap_limit());
                enc.append_to(&mut c.buf);
                c.count += 1;
            }
            last => {
                if let Some(c) = last {
                    shrink_closed(&mut c.buf);
                }
                self.chunks.push_back(Chunk::single(&enc));
            }
        }
        self.len += 1;
    }

    pub fn push_front(&mut self, value: &[u8]) {
        let enc = Encoded::element(value);
        let p = self.policy();
        match self.chunks.front_mut() {
            Some(c) if p.can_add(c, enc.len()) => c.insert_at(0, &enc, p.cap_limit()),
            first => {
                if let Some(c) = first {
                    shrink_closed(&mut c.buf);
                }
                self.chunks.push_front(Chunk::single(&enc));
            }
        }
        self.len += 1;
    }

    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        let c = self.chunks.front_mut()?;
        let (e, next) = listpack::decode(&c.buf, 0);
        let value = e.to_vec();
        c.buf.drain(..next);
        c.count -= 1;
        self.len -= 1;
        self.after_remove(0);
        Some(value)
    }

    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        let ci = self.chunks.len().checked_sub(1)?;
        let c = &mut self.chunks[ci];
        let start = listpack::prev(&c.buf, c.buf.len());
        let value = listpack::decode(&c.buf, start).0.to_vec();
        c.buf.truncate(start);
        c.count -= 1;
        self.len -= 1;
        self.after_remove(ci);
        Some(value)
    }

    /// The chunk holding element `index` (< len) and the element's place in it, walking from
    /// the nearer end.
    fn locate(&self, index: usize) -> (usize, usize) {
        assert!(
            index < self.len,
            "locate({index}) in a list of {}",
            self.len
        );
        if index < self.len / 2 {
            let mut i = index;
            for (ci, c) in self.chunks.iter().enumerate() {
                if i < c.count as usize {
                    return (ci, i);
                }
                i -= c.count as usize;
            }
        } else {
            let mut from_end = self.len - 1 - index;
            for (ci, c) in self.chunks.iter().enumerate().rev() {
                if from_end < c.count as usize {
                    return (ci, c.count as usize - 1 - from_end);
                }
                from_end -= c.count as usize;
            }
        }
        unreachable!("chunk counts disagree with len {}", self.len)
    }

    pub fn get(&self, index: usize) -> Option<Elem<'_>> {
        if index >= self.len {
            return None;
        }
        let (ci, j) = self.locate(index);
        let c = &self.chunks[ci];
        Some(listpack::decode(&c.buf, c.offset_of(j)).0)
    }

    pub fn front(&self) -> Option<Elem<'_>> {
        self.get(0)
    }

    pub fn back(&self) -> Option<Elem<'_>> {
        let c = self.chunks.back()?;
        Some(listpack::decode(&c.buf, listpack::prev(&c.buf, c.buf.len())).0)
    }

    /// Replaces element `index` (LSET). False if out of range.
    pub fn set(&mut self, index: usize, value: &[u8]) -> bool {
        if index >= self.len {
            return false;
        }
        let (ci, j) = self.locate(index);
        let p = self.policy();
        let enc = Encoded::element(value);
        let c = &mut self.chunks[ci];
        let off = c.offset_of(j);
        let old = listpack::decode(&c.buf, off).1 - off;
        let new = enc.len();
        if new <= old || c.count == 1 || p.can_grow(c, new - old) {
            reserve(&mut c.buf, new.saturating_sub(old), p.cap_limit());
            enc.write(listpack::open_gap(&mut c.buf, off, old, new));
            if new < old {
                shrink_sparse(&mut c.buf);
            }
        } else {
            // Too big for its chunk: take it out and insert it anew (which may split).
            c.buf.drain(off..off + old);
            c.count -= 1;
            self.len -= 1;
            let inserted = self.insert(index, value);
            debug_assert!(inserted);
        }
        true
    }

    /// Inserts `value` before element `index`; `index == len` appends. False if out of range.
    pub fn insert(&mut self, index: usize, value: &[u8]) -> bool {
        if index > self.len {
            return false;
        }
        if index == 0 {
            self.push_front(value);
            return true;
        }
        if index == self.len {
            self.push_back(value);
            return true;
        }
        let (ci, j) = self.locate(index);
        let enc = Encoded::element(value);
        let (n, p) = (enc.len(), self.policy());
        if p.can_add(&self.chunks[ci], n) {
            self.chunks[ci].insert_at(j, &enc, p.cap_limit());
        } else if j == 0 && p.can_add(&self.chunks[ci - 1], n) {
            // First of a full chunk (and index > 0, so a previous chunk exists): append there.
            let prev = &mut self.chunks[ci - 1];
            let end = prev.count as usize;
            prev.insert_at(end, &enc, p.cap_limit());
        } else if j == 0 {
            self.chunks.insert(ci, Chunk::single(&enc));
            self.merge_around(ci);
        } else {
            // Split the full chunk before entry j, then place the element at the seam.
            let c = &mut self.chunks[ci];
            let off = c.offset_of(j);
            let right = Chunk {
                buf: c.buf.split_off(off),
                count: c.count - j as u32,
            };
            c.count = j as u32;
            self.chunks.insert(ci + 1, right);
            if p.can_add(&self.chunks[ci], n) {
                let end = j;
                self.chunks[ci].insert_at(end, &enc, p.cap_limit());
            } else if p.can_add(&self.chunks[ci + 1], n) {
                self.chunks[ci + 1].insert_at(0, &enc, p.cap_limit());
            } else {
                self.chunks.insert(ci + 1, Chunk::single(&enc));
            }
            shrink_closed(&mut self.chunks[ci].buf);
            let right = self.merge_around(ci) + 1;
            if right < self.chunks.len() {
                self.merge_around(right);
            }
        }
        self.len += 1;
        true
    }

    /// Removes element `index`. False if out of range.
    pub fn remove(&mut self, index: usize) -> bool {
        if index >= self.len {
            return false;
        }
        let (ci, j) = self.locate(index);
        self.chunks[ci].remove_entries(j, 1);
        self.len -= 1;
        self.after_remove(ci);
        true
    }

    /// Keeps elements `start..=end` (LTRIM, indexes normalized); an empty range clears the list.
    pub fn trim(&mut self, start: usize, end: usize) {
        if start > end || start >= self.len {
            self.clear();
            return;
        }
        let drop_back = self.len - 1 - end.min(self.len - 1);
        self.remove_front(start);
        self.remove_back(drop_back);
    }

    pub fn clear(&mut self) {
        self.chunks = VecDeque::new();
        self.len = 0;
    }

    /// Removes the first `n` elements.
    fn remove_front(&mut self, mut n: usize) {
        while n > 0 {
            let c = self.chunks.front_mut().expect("n <= len");
            let count = c.count as usize;
            if count <= n {
                self.chunks.pop_front();
                self.len -= count;
                n -= count;
            } else {
                c.remove_entries(0, n);
                self.len -= n;
                self.after_remove(0);
                n = 0;
            }
        }
    }

    /// Removes the last `n` elements.
    fn remove_back(&mut self, mut n: usize) {
        while n > 0 {
            let ci = self.chunks.len() - 1;
            let c = &mut self.chunks[ci];
            let count = c.count as usize;
            if count <= n {
                self.chunks.pop_back();
                self.len -= count;
                n -= count;
            } else {
                c.remove_entries(count - n, n);
                self.len -= n;
                self.after_remove(ci);
                n = 0;
            }
        }
    }

    /// After entries left chunk `ci`: frees it if empty, else merges it with a small neighbour
    /// and gives back unused capacity.
    fn after_remove(&mut self, ci: usize) {
        if self.chunks[ci].count == 0 {
            self.chunks.remove(ci);
            return;
        }
        let ci = self.merge_around(ci);
        shrink_sparse(&mut self.chunks[ci].buf);
    }

    /// Merges chunk `ci` into a neighbour when both are small; returns where its entries now are.
    fn merge_around(&mut self, ci: usize) -> usize {
        let p = self.policy();
        if ci > 0 && p.can_merge(&self.chunks[ci - 1], &self.chunks[ci]) {
            self.merge_next(ci - 1);
            ci - 1
        } else if ci + 1 < self.chunks.len() && p.can_merge(&self.chunks[ci], &self.chunks[ci + 1])
        {
            self.merge_next(ci);
            ci
        } else {
            ci
        }
    }

    fn merge_next(&mut self, ci: usize) {
        let next = self.chunks.remove(ci + 1).expect("a next chunk");
        let c = &mut self.chunks[ci];
        c.buf.reserve_exact(next.buf.len());
        c.buf.extend_from_slice(&next.buf);
        c.count += next.count;
    }

    /// LREM: removes up to |count| elements equal to `value`, from the head when count > 0,
    /// from the tail when count < 0, all when 0. Returns how many were removed.
    pub fn remove_matching(&mut self, value: &[u8], count: i64) -> usize {
        let needle = Needle::new(value);
        let from_tail = count < 0;
        let mut budget = if count == 0 {
            usize::MAX
        } else {
            usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
        };
        let mut removed = 0;
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let n = self.chunks.len();
        for step in 0..n {
            if budget == 0 {
                break;
            }
            let c = &mut self.chunks[if from_tail { n - 1 - step } else { step }];
            spans.clear();
            let mut off = 0;
            while off < c.buf.len() && (from_tail || spans.len() < budget) {
                let (e, next) = listpack::decode(&c.buf, off);
                if needle.matches(e) {
                    spans.push((off, next));
                }
                off = next;
            }
            let take = spans.len().min(budget);
            let chosen = if from_tail {
                &spans[spans.len() - take..]
            } else {
                &spans[..take]
            };
            remove_spans(&mut c.buf, chosen);
            c.count -= take as u32;
            budget -= take;
            removed += take;
        }
        if removed > 0 {
            self.len -= removed;
            self.rebalance();
        }
        removed
    }

    /// Drops empty chunks and merges small neighbours everywhere, in one pass.
    fn rebalance(&mut self) {
        let p = self.policy();
        let mut out: VecDeque<Chunk> = VecDeque::with_capacity(self.chunks.len());
        for c in std::mem::take(&mut self.chunks) {
            if c.count == 0 {
                continue;
            }
            match out.back_mut() {
                Some(last) if p.can_merge(last, &c) => {
                    last.buf.extend_from_slice(&c.buf);
                    last.count += c.count;
                }
                _ => out.push_back(c),
            }
        }
        for c in &mut out {
            shrink_sparse(&mut c.buf);
        }
        self.chunks = out;
    }

    /// LPOS: positions (from the head) of elements equal to `value`. `rank` > 0 skips the first
    /// rank-1 matches scanning from the head; < 0 scans from the tail (0 is taken as 1: the
    /// command rejects it). `count` 0 returns every match, else at most `count`; `maxlen` 0
    /// compares every element, else at most `maxlen`.
    pub fn position(&self, value: &[u8], rank: i64, count: usize, maxlen: usize) -> Vec<usize> {
        let needle = Needle::new(value);
        let skip = rank.unsigned_abs().max(1) - 1;
        let limit = if maxlen == 0 { usize::MAX } else { maxlen };
        let mut out = Vec::new();
        let mut matches = 0u64;
        let mut visit = |i: usize, e: Elem<'_>| -> bool {
            if needle.matches(e) {
                matches += 1;
                if matches > skip {
                    out.push(i);
                    return count != 0 && out.len() >= count;
                }
            }
            false
        };
        if rank >= 0 {
            for (i, e) in self.iter().enumerate().take(limit) {
                if visit(i, e) {
                    break;
                }
            }
        } else {
            for (k, e) in self.iter().rev().enumerate().take(limit) {
                if visit(self.len - 1 - k, e) {
                    break;
                }
            }
        }
        out
    }

    /// Every element, head to tail (double-ended).
    /// The list as RDB's quicklist nodes: one Redis listpack blob per chunk, head to tail.
    pub fn redis_listpacks(&self) -> impl ExactSizeIterator<Item = Vec<u8>> + '_ {
        self.chunks
            .iter()
            .map(|c| listpack::to_redis_blob(&c.buf, c.count as usize))
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            chunks: self.chunks.iter(),
            front: &[],
            back: &[],
            remaining: self.len,
        }
    }

    /// Elements `start..=end` (indexes normalized, `end` clamped to the last; LRANGE).
    pub fn range(&self, start: usize, end: usize) -> Iter<'_> {
        if start > end || start >= self.len {
            return Iter {
                chunks: self.chunks.range(0..0),
                front: &[],
                back: &[],
                remaining: 0,
            };
        }
        let end = end.min(self.len - 1);
        let (ca, ja) = self.locate(start);
        let (cb, jb) = self.locate(end);
        let a = &self.chunks[ca];
        let b = &self.chunks[cb];
        let (off_a, off_b) = (a.offset_of(ja), b.offset_of(jb + 1));
        let remaining = end - start + 1;
        if ca == cb {
            Iter {
                chunks: self.chunks.range(0..0),
                front: &a.buf[off_a..off_b],
                back: &[],
                remaining,
            }
        } else {
            Iter {
                chunks: self.chunks.range(ca + 1..cb),
                front: &a.buf[off_a..],
                back: &b.buf[..off_b],
                remaining,
            }
        }
    }

    /// Checks the structure: counts agree with the buffers, no empty chunk, chunk sizes within
    /// the rules that built them. Panics on a violation (a ferrodis bug).
    #[cfg(test)]
    fn check_invariants(&self) {
        let mut total = 0;
        for (ci, c) in self.chunks.iter().enumerate() {
            assert!(c.count > 0, "empty chunk {ci}");
            let (mut off, mut n) = (0, 0);
            while off < c.buf.len() {
                off = listpack::decode(&c.buf, off).1;
                n += 1;
            }
            assert_eq!(off, c.buf.len(), "chunk {ci} ends mid-entry");
            assert_eq!(n, c.count as usize, "chunk {ci} count");
            total += n;
        }
        assert_eq!(total, self.len, "len");
    }
}

/// Removes the byte spans (sorted, disjoint) from `buf` in one pass.
fn remove_spans(buf: &mut Vec<u8>, spans: &[(usize, usize)]) {
    let Some(&(first, _)) = spans.first() else {
        return;
    };
    let mut write = first;
    for (i, &(_, end)) in spans.iter().enumerate() {
        let next = spans.get(i + 1).map_or(buf.len(), |s| s.0);
        buf.copy_within(end..next, write);
        write += next - end;
    }
    buf.truncate(write);
}

/// An iterator over list elements, from both ends.
#[derive(Clone)]
pub struct Iter<'a> {
    chunks: std::collections::vec_deque::Iter<'a, Chunk>,
    /// Undelivered entries of the chunk being read from the front.
    front: &'a [u8],
    /// Undelivered entries of the chunk being read from the back.
    back: &'a [u8],
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.remaining == 0 {
            return None;
        }
        if self.front.is_empty() {
            self.front = match self.chunks.next() {
                Some(c) => &c.buf,
                None => std::mem::take(&mut self.back),
            };
        }
        let (e, next) = listpack::decode(self.front, 0);
        self.front = &self.front[next..];
        self.remaining -= 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        if self.back.is_empty() {
            self.back = match self.chunks.next_back() {
                Some(c) => &c.buf,
                None => std::mem::take(&mut self.front),
            };
        }
        let start = listpack::prev(self.back, self.back.len());
        let e = listpack::decode(self.back, start).0;
        self.back = &self.back[..start];
        self.remaining -= 1;
        Some(e)
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    type Model = VecDeque<Vec<u8>>;

    /// Elements chosen to cross every encoding boundary: integer widths, non-canonical integers
    /// (stored as strings), string length classes, backlen widths, and elements bigger than the
    /// smallest chunk.
    fn element(rng: &mut StdRng) -> Vec<u8> {
        const POOL: &[&[u8]] = &[
            b"a",
            b"b",
            b"",
            b"0",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"127",
            b"128",
            b"-1",
            b"-4096",
            b"-4097",
            b"4095",
            b"4096",
            b"32767",
            b"-32768",
            b"32768",
            b"8388607",
            b"-8388608",
            b"8388608",
            b"2147483647",
            b"-2147483648",
            b"2147483648",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"9223372036854775808",
            b"hello world",
        ];
        match rng.random_range(0..100) {
            0..=59 => POOL[rng.random_range(0..POOL.len())].to_vec(),
            60..=74 => rng
                .random_range(-100_000i64..100_000)
                .to_string()
                .into_bytes(),
            75..=84 => {
                let lens = [62, 63, 64, 125, 126, 127, 128, 4094, 4095, 4096];
                vec![b'x'; lens[rng.random_range(0..lens.len())]]
            }
            85..=97 => {
                let n = rng.random_range(0..300);
                (0..n).map(|_| rng.random()).collect()
            }
            _ => vec![b'y'; rng.random_range(5000..20000)],
        }
    }

    fn assert_same(list: &List, model: &Model) {
        list.check_invariants();
        assert_eq!(list.len(), model.len());
        let got: Vec<Vec<u8>> = list.iter().map(|e| e.to_vec()).collect();
        assert!(got.iter().eq(model.iter()), "contents differ");
    }

    fn model_position(m: &Model, v: &[u8], rank: i64, count: usize, maxlen: usize) -> Vec<usize> {
        let order: Vec<usize> = if rank >= 0 {
            (0..m.len()).collect()
        } else {
            (0..m.len()).rev().collect()
        };
        let limit = if maxlen == 0 { m.len() } else { maxlen };
        let skip = rank.unsigned_abs().max(1) as usize - 1;
        let take = if count == 0 { usize::MAX } else { count };
        let hits = order.into_iter().take(limit).filter(|&i| m[i] == v);
        hits.skip(skip).take(take).collect()
    }

    fn model_lrem(m: &mut Model, v: &[u8], count: i64) -> usize {
        let mut hits: Vec<usize> = (0..m.len()).filter(|&i| m[i] == v).collect();
        if count < 0 {
            hits.reverse();
        }
        let k = if count == 0 {
            hits.len()
        } else {
            hits.len().min(count.unsigned_abs() as usize)
        };
        let mut gone = hits[..k].to_vec();
        gone.sort_unstable();
        for &i in gone.iter().rev() {
            m.remove(i);
        }
        k
    }

    /// A value to search for: usually one in the list, so LREM/LPOS find matches.
    fn needle(rng: &mut StdRng, m: &Model) -> Vec<u8> {
        if !m.is_empty() && rng.random_bool(0.7) {
            m[rng.random_range(0..m.len())].clone()
        } else {
            element(rng)
        }
    }

    /// One seeded run: random operations on a `List` and a `VecDeque` model, compared after
    /// every step. `target` steers the length.
    fn run_model(seed: u64, fill: i64, steps: usize, target: usize) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut list = List::new(fill);
        let mut model = Model::new();
        for step in 0..steps {
            let len = model.len();
            let grow = len < target;
            let op = rng.random_range(0..20);
            let ctx = format!("seed {seed} fill {fill} step {step} op {op}");
            match op {
                0..=2 if grow || op == 0 => {
                    let v = element(&mut rng);
                    list.push_back(&v);
                    model.push_back(v);
                }
                0..=2 => {
                    let v = element(&mut rng);
                    list.push_front(&v);
                    model.push_front(v);
                }
                3 => assert_eq!(list.pop_front(), model.pop_front(), "{ctx}"),
                4 => assert_eq!(list.pop_back(), model.pop_back(), "{ctx}"),
                5 => {
                    let i = rng.random_range(0..len + 2);
                    let got = list.get(i).map(|e| e.to_vec());
                    assert_eq!(got.as_ref(), model.get(i), "{ctx}");
                }
                6 => {
                    let i = rng.random_range(0..len + 2);
                    let v = element(&mut rng);
                    assert_eq!(list.set(i, &v), i < len, "{ctx}");
                    if i < len {
                        model[i] = v;
                    }
                }
                7 | 8 => {
                    let i = rng.random_range(0..len + 2);
                    let v = element(&mut rng);
                    assert_eq!(list.insert(i, &v), i <= len, "{ctx}");
                    if i <= len {
                        model.insert(i, v);
                    }
                }
                9 if !grow || op == 9 && rng.random_bool(0.3) => {
                    let i = rng.random_range(0..len + 2);
                    assert_eq!(list.remove(i), i < len, "{ctx}");
                    if i < len {
                        model.remove(i);
                    }
                }
                10 if rng.random_bool(0.2) => {
                    let start = rng.random_range(0..len + 3);
                    let end = rng.random_range(0..len + 3);
                    list.trim(start, end);
                    if start > end || start >= len {
                        model.clear();
                    } else {
                        let end = end.min(len - 1);
                        model.truncate(end + 1);
                        model.drain(..start);
                    }
                }
                11 | 12 => {
                    let v = needle(&mut rng, &model);
                    let count = rng.random_range(-3i64..=3);
                    let removed = list.remove_matching(&v, count);
                    assert_eq!(removed, model_lrem(&mut model, &v, count), "{ctx}");
                }
                13 => {
                    let v = needle(&mut rng, &model);
                    let rank = [1i64, 2, 3, -1, -2, -3, 0][rng.random_range(0..7)];
                    let count = rng.random_range(0..4);
                    let maxlen = rng.random_range(0..len + 2);
                    assert_eq!(
                        list.position(&v, rank, count, maxlen),
                        model_position(&model, &v, rank, count, maxlen),
                        "{ctx}"
                    );
                }
                14 => {
                    let start = rng.random_range(0..len + 2);
                    let end = rng.random_range(0..len + 2);
                    let got: Vec<Vec<u8>> = list.range(start, end).map(|e| e.to_vec()).collect();
                    let want: Vec<Vec<u8>> = if start > end || start >= len {
                        vec![]
                    } else {
                        model.range(start..=end.min(len - 1)).cloned().collect()
                    };
                    assert_eq!(got, want, "{ctx}");
                    // Reverse and mixed-end walks of the same range.
                    let rev: Vec<Vec<u8>> =
                        list.range(start, end).rev().map(|e| e.to_vec()).collect();
                    assert!(rev.iter().eq(want.iter().rev()), "{ctx} rev");
                    let mut it = list.range(start, end);
                    let (mut lo, mut hi) = (0, want.len());
                    while lo < hi {
                        if rng.random_bool(0.5) {
                            assert_eq!(it.next().map(|e| e.to_vec()).as_ref(), Some(&want[lo]));
                            lo += 1;
                        } else {
                            hi -= 1;
                            assert_eq!(
                                it.next_back().map(|e| e.to_vec()).as_ref(),
                                Some(&want[hi])
                            );
                        }
                    }
                    assert!(it.next().is_none() && it.next_back().is_none(), "{ctx} end");
                }
                15 if rng.random_bool(0.05) => {
                    let fills = [-1i64, -2, -5, 0, 1, 2, 3, 64, -9, 100_000];
                    list.set_fill(fills[rng.random_range(0..fills.len())]);
                }
                16 if rng.random_bool(0.1) => {
                    // A clone is independent of its original.
                    let mut copy = list.clone();
                    assert_same(&copy, &model);
                    copy.push_back(b"only in the copy");
                    copy.pop_front();
                }
                _ => {
                    let got = list.front().map(|e| e.to_vec());
                    assert_eq!(got.as_ref(), model.front(), "{ctx}");
                    let got = list.back().map(|e| e.to_vec());
                    assert_eq!(got.as_ref(), model.back(), "{ctx}");
                }
            }
            assert_same(&list, &model);
        }
    }

    #[test]
    fn model_default_fill() {
        for seed in 0..4 {
            run_model(seed, -2, 3000, 400);
        }
    }

    #[test]
    fn model_tiny_chunks_split_and_merge() {
        for (i, fill) in [1i64, 2, 3, 0, -1].into_iter().enumerate() {
            for seed in 0..3 {
                run_model(100 + 10 * i as u64 + seed, fill, 2500, 120);
            }
        }
    }

    #[test]
    fn model_long_lists() {
        run_model(7, -1, 4000, 2000);
        run_model(8, 5, 4000, 2000);
    }

    /// The codec writes exactly what Redis 7.0.15 writes: the listpack below is the node of
    /// `RPUSH tl a 0 127 128 -1 -4096 4095 4096 -4097 32767 -32768 32768 8388607 -8388608 8388608
    /// 2147483647 -2147483648 2147483648 9223372036854775807 -9223372036854775808 01 -0 ""
    /// x*63 y*64 z*200` taken from `DUMP tl` (rdbcompression no).
    #[test]
    fn listpack_bytes_match_redis_dump() {
        let redis = concat!(
            "c30100001a0081610200017f01c08002dfff02d00002cfff02f1001003f1ffef03f1ff7f03f1008003f200800004f2ff",
            "ff7f04f200008004f30000800005f3ffffff7f05f30000008005f4000000800000000009f4ffffffffffffff7f09f400",
            "000000000000800982303103822d30038001bf7878787878787878787878787878787878787878787878787878787878",
            "7878787878787878787878787878787878787878787878787878787878787878787840e0407979797979797979797979",
            "797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979",
            "797979797942e0c87a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a",
            "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a",
            "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a",
            "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a",
            "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a01caff",
        );
        let want: Vec<u8> = (0..redis.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&redis[i..i + 2], 16).unwrap())
            .collect();
        let elements: Vec<Vec<u8>> = [
            "a",
            "0",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-4097",
            "32767",
            "-32768",
            "32768",
            "8388607",
            "-8388608",
            "8388608",
            "2147483647",
            "-2147483648",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "01",
            "-0",
            "",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([vec![b'x'; 63], vec![b'y'; 64], vec![b'z'; 200]])
        .collect();
        let mut list = List::new(-2);
        for e in &elements {
            list.push_back(e);
        }
        assert_eq!(list.chunk_count(), 1);
        let c = &list.chunks[0];
        assert_eq!(listpack::to_redis_blob(&c.buf, c.count as usize), want);
        let back: Vec<Vec<u8>> = list.iter().map(|e| e.to_vec()).collect();
        assert_eq!(back, elements);
    }

    /// Backlen widths change at Redis's thresholds (entry lengths 127/128, 16382/16383), and a
    /// backward walk reads them all.
    #[test]
    fn backlen_boundaries_walk_both_ways() {
        let mut list = List::new(-5);
        let lens = [
            125, 126, 127, 16375, 16376, 16377, 16378, 16379, 16380, 70000,
        ];
        for &n in &lens {
            list.push_back(&vec![b'q'; n]);
        }
        let fwd: Vec<usize> = list.iter().map(|e| e.len()).collect();
        let mut rev: Vec<usize> = list.iter().rev().map(|e| e.len()).collect();
        rev.reverse();
        assert_eq!(fwd, lens);
        assert_eq!(rev, lens);
        list.check_invariants();
    }

    #[test]
    fn chunks_respect_fill() {
        let mut list = List::new(3);
        for i in 0..10 {
            list.push_back(format!("e{i}").as_bytes());
        }
        assert_eq!(list.chunk_count(), 4, "3 entries a chunk");
        let mut list = List::new(-1);
        for _ in 0..100 {
            list.push_back(&[b'k'; 100]);
        }
        // 102 bytes an entry, 4096 bytes a listpack with its 7 bytes of header: 40 a chunk.
        assert_eq!(list.chunk_count(), 3);
        assert!(list.chunks.iter().all(|c| c.buf.len() + OVERHEAD <= 4096));
        // Removing most elements merges what is left.
        list.remove_matching(&[b'k'; 100], 90);
        assert_eq!(list.chunk_count(), 1);
    }

    #[test]
    fn clone_is_independent() {
        let mut a = List::new(2);
        for i in 0..10 {
            a.push_back(i.to_string().as_bytes());
        }
        let b = a.clone();
        a.set(3, b"changed");
        a.pop_front();
        assert_eq!(b.get(3).unwrap().to_vec(), b"3");
        assert_eq!(b.len(), 10);
    }

    /// Redis 7.0.15 measured 16.09 bytes an element for RPUSH of "element:0".."element:999999"
    /// and 5.00 for the integers 0..999999 (used_memory delta / 1M).
    #[test]
    fn memory_per_element_at_most_redis() {
        let n = 1_000_000;
        let mut strings = List::new(-2);
        let mut ints = List::new(-2);
        for i in 0..n {
            strings.push_back(format!("element:{i}").as_bytes());
            ints.push_back(i.to_string().as_bytes());
        }
        let per_string = strings.memory_bytes() as f64 / n as f64;
        let per_int = ints.memory_bytes() as f64 / n as f64;
        eprintln!("list: {per_string:.2} bytes per string element, {per_int:.2} per integer");
        assert!(per_string <= 16.09, "{per_string}");
        assert!(per_int <= 5.00, "{per_int}");
    }
}

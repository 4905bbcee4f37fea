//! The HyperLogLog string format of Redis 7.0 (`src/hyperloglog.c`), byte for byte: the `HYLL`
//! header with its cached cardinality, the dense and sparse register encodings, the hash that
//! picks a register, and the cardinality estimator. Pure functions over the string's bytes: no
//! keyspace, no replies, no configuration beyond what the caller passes in.
//!
//! The string is a 16-byte header followed by the registers:
//!
//! ```text
//! "HYLL" | encoding (0 dense, 1 sparse) | 3 unused | cached cardinality (u64 little endian)
//! ```
//!
//! The cache is valid while bit 7 of its last byte is clear. Dense registers are 16384 6-bit
//! counters packed from the least significant bit of each byte up. Sparse registers are a run
//! length code of three opcodes: ZERO `00xxxxxx` (1..64 zero registers), XZERO `01xxxxxx
//! yyyyyyyy` (1..16384 zero registers), VAL `1vvvvvxx` (1..4 registers of value 1..32).
//!
//! Redis reads its strings one byte past their end in places (an XZERO opcode cut off by the
//! end, the last dense register); there it usually finds the terminating NUL of its string
//! buffer, so these functions read such a byte as 0. The exception, and the one known way these
//! bytes can differ from Redis's: when an update splits an XZERO cut off by the end (only in a
//! string corrupted by hand), Redis writes the last byte of the new opcodes past the end of its
//! string and reads it back later as the missing byte; we keep nothing past the end.

/// Register index bits (Redis's HLL_P).
pub const P: u32 = 14;
/// Hash bits left for the run of zeroes (HLL_Q).
const Q: u32 = 64 - P;
pub const REGISTERS: usize = 1 << P;
const REGISTER_MAX: u8 = (1 << 6) - 1;
pub const HDR_SIZE: usize = 16;
pub const DENSE_SIZE: usize = HDR_SIZE + (REGISTERS * 6).div_ceil(8);
/// Redis's seed for MurmurHash64A in hllPatLen.
pub const HASH_SEED: u64 = 0xadc8_3b19;

const ENCODING_AT: usize = 4;
const CARD_AT: usize = 8;
pub const DENSE: u8 = 0;
pub const SPARSE: u8 = 1;

const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;
/// 0.5 / ln(2), the estimator's alpha for m → ∞.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// A sparse representation whose opcodes do not cover exactly the 16384 registers (Redis's
/// `INVALIDOBJ Corrupted HLL object detected`).
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt;

/// Register counts by value: the input of the estimator.
pub type Histogram = [u32; 64];

// ---- hashing ---------------------------------------------------------------------------------

/// MurmurHash64A (Austin Appleby's MurmurHash2, 64-bit) as Redis uses it: blocks of eight bytes
/// read little endian whatever the machine, the seed a 32-bit value.
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("chunks of eight"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element falls in and the length of its hash's `00..1` pattern after the
/// index bits (1..=51): Redis's hllPatLen.
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, HASH_SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The bit above the 50 used ones ends the run, so the count is at most Q + 1.
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

// ---- header ----------------------------------------------------------------------------------

/// Whether a string is a HyperLogLog Redis accepts (isHLLObjectOrReply): the magic, a known
/// encoding, and a dense one of the exact size. Returns the encoding. A sparse body is only
/// checked when it is read.
pub fn validate(s: &[u8]) -> Option<u8> {
    if s.len() < HDR_SIZE || &s[..4] != b"HYLL" {
        return None;
    }
    match s[ENCODING_AT] {
        DENSE if s.len() == DENSE_SIZE => Some(DENSE),
        SPARSE => Some(SPARSE),
        _ => None,
    }
}

pub fn encoding(s: &[u8]) -> u8 {
    s[ENCODING_AT]
}

/// The cached cardinality, when valid.
pub fn cached_card(s: &[u8]) -> Option<u64> {
    let card = u64::from_le_bytes(s[CARD_AT..HDR_SIZE].try_into().expect("eight bytes"));
    (card >> 63 == 0).then_some(card)
}

pub fn set_cached_card(s: &mut [u8], card: u64) {
    s[CARD_AT..HDR_SIZE].copy_from_slice(&card.to_le_bytes());
}

pub fn invalidate_cache(s: &mut [u8]) {
    s[HDR_SIZE - 1] |= 0x80;
}

/// A new, empty HLL as PFADD and PFMERGE create it: sparse, one XZERO opcode covering every
/// register, and a valid cached cardinality of 0.
pub fn new_sparse() -> Vec<u8> {
    let mut s = Vec::with_capacity(HDR_SIZE + 2);
    s.extend_from_slice(b"HYLL");
    s.push(SPARSE);
    s.resize(HDR_SIZE, 0);
    let mut left = REGISTERS;
    while left > 0 {
        let run = left.min(SPARSE_XZERO_MAX_LEN);
        s.extend_from_slice(&xzero(run));
        left -= run;
    }
    s
}

// ---- dense -----------------------------------------------------------------------------------

/// Register `i` of a dense body (HLL_DENSE_GET_REGISTER).
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = regs[byte] as u32;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u32;
    (((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX as u32) as u8
}

/// Sets register `i` of a dense body to `val` (HLL_DENSE_SET_REGISTER). The last register
/// never reaches the byte past the body (its bits end at the body's last bit).
pub fn dense_write(regs: &mut [u8], i: usize, val: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let mask = REGISTER_MAX as u32;
    let v = val as u32;
    regs[byte] = (regs[byte] as u32 & !(mask << fb) | (v << fb)) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        *next = (*next as u32 & !(mask >> (8 - fb)) | (v >> (8 - fb))) as u8;
    }
}

/// Raises register `i` to `count` if it is lower (hllDenseSet). Returns whether it changed.
pub fn dense_raise(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_write(regs, i, count);
        true
    } else {
        false
    }
}

fn dense_histogram(regs: &[u8]) -> Histogram {
    let mut h = [0u32; 64];
    // Four registers in every three bytes.
    for g in regs.chunks_exact(3) {
        let (b0, b1, b2) = (g[0], g[1], g[2]);
        h[(b0 & 63) as usize] += 1;
        h[((b0 >> 6 | b1 << 2) & 63) as usize] += 1;
        h[((b1 >> 4 | b2 << 4) & 63) as usize] += 1;
        h[(b2 >> 2) as usize] += 1;
    }
    h
}

// ---- sparse ----------------------------------------------------------------------------------

/// One sparse opcode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Zero(usize),
    XZero(usize),
    Val { value: u8, len: usize },
}

impl Op {
    /// Bytes the opcode takes.
    fn size(self) -> usize {
        match self {
            Op::XZero(_) => 2,
            _ => 1,
        }
    }

    fn span(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) => n,
            Op::Val { len, .. } => len,
        }
    }
}

/// Decodes the opcode at `p` (which must be inside `s`).
fn op_at(s: &[u8], p: usize) -> Op {
    let b = s[p];
    if b & 0x80 != 0 {
        Op::Val {
            value: ((b >> 2) & 0x1f) + 1,
            len: (b & 0x3) as usize + 1,
        }
    } else if b & 0x40 == 0 {
        Op::Zero((b & 0x3f) as usize + 1)
    } else {
        let low = s.get(p + 1).copied().unwrap_or(0) as usize;
        Op::XZero((((b & 0x3f) as usize) << 8 | low) + 1)
    }
}

fn val(value: u8, len: usize) -> u8 {
    ((value - 1) << 2 | (len as u8 - 1)) | 0x80
}

fn zero(len: usize) -> u8 {
    (len - 1) as u8
}

fn xzero(len: usize) -> [u8; 2] {
    let l = len - 1;
    [(l >> 8) as u8 | 0x40, (l & 0xff) as u8]
}

/// The opcodes of a sparse body, in order.
pub fn sparse_ops(body: &[u8]) -> impl Iterator<Item = Op> + '_ {
    let mut p = 0;
    std::iter::from_fn(move || {
        if p >= body.len() {
            return None;
        }
        let op = op_at(body, p);
        p += op.size();
        Some(op)
    })
}

/// Walks a sparse body calling `set(index, value)` for every register of a VAL opcode, as
/// hllSparseToDense and hllMerge do, and fails unless the opcodes cover exactly the 16384
/// registers. An opcode that would pass the last register fails at once: Redis 7.0.15 as
/// shipped stopped there and accepted a trailing VAL opcode when the registers before it added
/// up; the 7.0.15 we test against (Debian's, with the CVE-2025-32023 fix) rejects it.
fn for_each_sparse_val(body: &[u8], mut set: impl FnMut(usize, u8)) -> Result<(), Corrupt> {
    let mut idx = 0usize;
    for op in sparse_ops(body) {
        let end = idx + op.span();
        if end > REGISTERS {
            return Err(Corrupt);
        }
        if let Op::Val { value, .. } = op {
            for i in idx..end {
                set(i, value);
            }
        }
        idx = end;
    }
    if idx == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Converts a sparse HLL to dense in place (hllSparseToDense): the header is kept (cached
/// cardinality and unused bytes included) with the encoding changed. A dense one is left alone.
/// On error the string is unchanged.
pub fn to_dense(s: &mut Vec<u8>) -> Result<(), Corrupt> {
    if s[ENCODING_AT] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(&s[..HDR_SIZE]);
    dense[ENCODING_AT] = DENSE;
    let regs = &mut dense[HDR_SIZE..];
    for_each_sparse_val(&s[HDR_SIZE..], |i, v| dense_write(regs, i, v))?;
    *s = dense;
    Ok(())
}

/// Raises register `index` of a sparse HLL to `count` if it is lower (hllSparseSet), editing
/// the opcodes in place exactly as Redis does, so that the same additions give the same bytes.
/// Promotes the HLL to dense when `count` does not fit a VAL opcode, or when the edit would
/// make the string longer than `max_bytes` (hll-sparse-max-bytes). Returns whether a register
/// changed; `Corrupt` when the opcodes do not reach `index` or the promotion finds them invalid.
pub fn sparse_raise(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: u64,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(s, index, count);
    }
    // Step 1: find the opcode covering `index`, and the one before it.
    let mut p = HDR_SIZE;
    let mut first = 0usize;
    let mut prev = None;
    let mut op = None;
    while p < s.len() {
        let o = op_at(s, p);
        if index < first + o.span() {
            op = Some(o);
            break;
        }
        prev = Some(p);
        p += o.size();
        first += o.span();
    }
    let Some(op) = op else {
        return Err(Corrupt);
    };
    // Step 2: the cases that need no split.
    match op {
        Op::Val { value, .. } if value >= count => return Ok(false),
        Op::Val { len: 1, .. } | Op::Zero(1) => {
            s[p] = val(count, 1);
            merge_adjacent_vals(s, prev.unwrap_or(HDR_SIZE));
            invalidate_cache(s);
            return Ok(true);
        }
        _ => {}
    }
    // Step 3: split the opcode into up to three: before, the register, after.
    let last = first + op.span() - 1;
    let mut seq: Vec<u8> = Vec::with_capacity(5);
    let zeroes = |seq: &mut Vec<u8>, len: usize| {
        if len > SPARSE_ZERO_MAX_LEN {
            seq.extend_from_slice(&xzero(len));
        } else {
            seq.push(zero(len));
        }
    };
    match op {
        Op::Zero(_) | Op::XZero(_) => {
            if index != first {
                zeroes(&mut seq, index - first);
            }
            seq.push(val(count, 1));
            if index != last {
                zeroes(&mut seq, last - index);
            }
        }
        Op::Val { value, .. } => {
            if index != first {
                seq.push(val(value, index - first));
            }
            seq.push(val(count, 1));
            if index != last {
                seq.push(val(value, last - index));
            }
        }
    }
    let old_size = op.size();
    let new_len = (s.len() + seq.len()) as i64 - old_size as i64;
    if seq.len() > old_size && new_len as u64 > max_bytes {
        return promote(s, index, count);
    }
    // An XZERO cut off by the end of the string (only in a corrupted one) ends up one byte
    // shorter than written, as in Redis.
    let old_end = (p + old_size).min(s.len());
    s.splice(p..old_end, seq);
    s.truncate(new_len as usize);
    // Step 4: the split may have left equal VAL opcodes side by side.
    merge_adjacent_vals(s, prev.unwrap_or(HDR_SIZE));
    invalidate_cache(s);
    Ok(true)
}

/// Joins adjacent VAL opcodes of equal value whose lengths fit one opcode, looking at no more
/// than five opcodes from `p` (Step 4 of hllSparseSet).
fn merge_adjacent_vals(s: &mut Vec<u8>, mut p: usize) {
    let mut budget = 5;
    while p < s.len() && budget > 0 {
        budget -= 1;
        let op = op_at(s, p);
        let Op::Val { value, len } = op else {
            p += op.size();
            continue;
        };
        if p + 1 < s.len()
            && let Op::Val {
                value: v2,
                len: len2,
            } = op_at(s, p + 1)
            && value == v2
            && len + len2 <= SPARSE_VAL_MAX_LEN
        {
            s[p + 1] = val(value, len + len2);
            s.remove(p);
            // Try the merged opcode against the next one too.
            continue;
        }
        p += 1;
    }
}

/// The sparse → dense promotion inside hllSparseSet, then the register update on the dense form.
fn promote(s: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(s)?;
    let changed = dense_raise(&mut s[HDR_SIZE..], index, count);
    // Redis asserts this: a promotion only happens for a register that needs raising.
    debug_assert!(changed, "promoted for a register that did not change");
    Ok(true)
}

// ---- whole-HLL operations --------------------------------------------------------------------

/// Adds an element to a valid HLL (hllAdd). Returns whether a register changed.
pub fn add(s: &mut Vec<u8>, element: &[u8], max_bytes: u64) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    match s[ENCODING_AT] {
        DENSE => Ok(dense_raise(&mut s[HDR_SIZE..], index, count)),
        _ => sparse_raise(s, index, count, max_bytes),
    }
}

/// Raises every register of a valid HLL to at least the one in `max` (the write loop of
/// pfmergeCommand: a sparse HLL may be promoted on the way). The HLL was validated by reading
/// it, so no update can fail; like Redis, the loop would go on if one did.
pub fn raise_all(s: &mut Vec<u8>, max: &[u8; REGISTERS], max_bytes: u64) {
    for (i, &m) in max.iter().enumerate() {
        if m == 0 {
            continue;
        }
        if s[ENCODING_AT] == DENSE {
            dense_raise(&mut s[HDR_SIZE..], i, m);
        } else {
            let _ = sparse_raise(s, i, m, max_bytes);
        }
    }
}

/// `max[i] = max(max[i], register i)` over a valid HLL (hllMerge).
pub fn merge_into(max: &mut [u8; REGISTERS], s: &[u8]) -> Result<(), Corrupt> {
    let body = &s[HDR_SIZE..];
    if s[ENCODING_AT] == DENSE {
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(body, i));
        }
        return Ok(());
    }
    for_each_sparse_val(body, |i, v| max[i] = max[i].max(v))
}

/// The register histogram of a valid HLL. A sparse one whose opcodes do not cover exactly the
/// 16384 registers is `Corrupt` (hllSparseRegHisto's `invalid`).
pub fn histogram(s: &[u8]) -> Result<Histogram, Corrupt> {
    let body = &s[HDR_SIZE..];
    if s[ENCODING_AT] == DENSE {
        return Ok(dense_histogram(body));
    }
    let mut h = [0u32; 64];
    let mut idx = 0usize;
    for op in sparse_ops(body) {
        let (value, n) = match op {
            Op::Zero(n) | Op::XZero(n) => (0, n),
            Op::Val { value, len } => (value, len),
        };
        h[value as usize] = h[value as usize].wrapping_add(n as u32);
        idx += n;
    }
    if idx == REGISTERS {
        Ok(h)
    } else {
        Err(Corrupt)
    }
}

/// The histogram of plain one-byte registers (PFCOUNT of several keys).
pub fn raw_histogram(max: &[u8; REGISTERS]) -> Histogram {
    let mut h = [0u32; 64];
    for &r in max {
        h[(r & 63) as usize] += 1;
    }
    h
}

/// The cardinality estimate of a register histogram: Otmar Ertl's improved estimator ("New
/// cardinality estimation algorithms for HyperLogLog sketches", arXiv:1702.01284), computed in
/// the order Redis 7.0's hllCount does so the result is bit for bit the same.
pub fn estimate(h: &Histogram) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - h[Q as usize + 1] as f64) / m);
    for j in (1..=Q as usize).rev() {
        z += h[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(h[0] as f64 / m);
    let e = llround(ALPHA_INF * m * m / z) as f64;
    double_to_u64(e)
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prev = z;
        z += x * y;
        y += y;
        if z_prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prev = z;
        y *= 0.5;
        // Redis writes pow(1 - x, 2), which compilers turn into this product.
        let d = 1.0 - x;
        z -= d * d * y;
        if z_prev == z {
            return z / 3.0;
        }
    }
}

const TWO_63: f64 = (1u64 << 63) as f64;

/// C's llroundl on x86-64: half away from zero; out of range (an infinite estimate from an
/// all-51 histogram) gives LLONG_MIN.
fn llround(x: f64) -> i64 {
    let r = x.round();
    if r.is_nan() || !(-TWO_63..TWO_63).contains(&r) {
        i64::MIN
    } else {
        r as i64
    }
}

/// C's `(uint64_t)` of a double as x86-64 compilers emit it (the negative LLONG_MIN case
/// wraps to 2^63 rather than saturating).
fn double_to_u64(e: f64) -> u64 {
    if e >= TWO_63 {
        ((e - TWO_63) as i64 as u64) ^ (1 << 63)
    } else {
        e as i64 as u64
    }
}

/// The estimate of a valid HLL (hllCount).
pub fn count(s: &[u8]) -> Result<u64, Corrupt> {
    histogram(s).map(|h| estimate(&h))
}

/// PFDEBUG DECODE's text of a sparse body: `Z:16384`, `z:3`, `v:2,1`, space separated.
pub fn decode(body: &[u8]) -> String {
    let parts: Vec<String> = sparse_ops(body)
        .map(|op| match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val { value, len } => format!("v:{value},{len}"),
        })
        .collect();
    parts.join(" ")
}

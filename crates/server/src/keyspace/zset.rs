//! `ZSet`: the sorted-set value, in Redis 7.0's two encodings.
//!
//! - `listpack`: small sets (at most `zset-max-listpack-entries` members, none longer than
//!   `zset-max-listpack-value` bytes) are one exactly-sized buffer of records in (score, member)
//!   order; every operation is a linear walk, as in Redis.
//! - `skiplist`: bigger sets. Not a skiplist here but an AVL tree with subtree sizes (O(log n)
//!   insert, delete, rank, and range by rank, score or lex) plus a chained hash table from member
//!   to node (O(1) score lookup). Nodes live in one arena `Vec` linked by `u32` indices, members
//!   of up to 14 bytes inline in their node and longer ones in one byte arena, so a set is three
//!   flat allocations: cloning it (what a write pays when a snapshot shares the value, design.md
//!   "Snapshots without fork") is three `memcpy`s, never a walk over a pointer graph.
//!
//! The hash table is chained like Redis's dict (bucket = hash & mask, load factor at most 1,
//! shrunk below 10%), so ZSCAN can use Redis's reverse-binary cursor and keep its guarantee:
//! a member present for the whole scan is returned, whatever grows, shrinks or rebuilds happen
//! in between.
//!
//! Order is Redis's: by score (compared as doubles, so -0 and 0 are equal), ties by member bytes
//! (memcmp). This module also owns the parsing of score and lex range arguments, because their
//! exact syntax is part of the range semantics. It knows nothing of commands, replies or the
//! keyspace: callers pass the encoding limits and a random source, and decide what an empty set
//! means (the key is deleted).
use foldhash::fast::FixedState;
use rand::Rng;
use std::cmp::Ordering;
use std::hash::BuildHasher;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Limits, results and range arguments
// ---------------------------------------------------------------------------------------------

/// The encoding thresholds, read from the config when a command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZsetLimits {
    /// `zset-max-listpack-entries`.
    pub max_listpack_entries: usize,
    /// `zset-max-listpack-value`, in bytes.
    pub max_listpack_value: usize,
}

impl Default for ZsetLimits {
    fn default() -> Self {
        ZsetLimits {
            max_listpack_entries: 128,
            max_listpack_value: 64,
        }
    }
}

impl ZsetLimits {
    /// From the config's `u64` directives (values beyond `usize` saturate).
    pub fn new(max_listpack_entries: u64, max_listpack_value: u64) -> Self {
        ZsetLimits {
            max_listpack_entries: usize::try_from(max_listpack_entries).unwrap_or(usize::MAX),
            max_listpack_value: usize::try_from(max_listpack_value).unwrap_or(usize::MAX),
        }
    }
}

/// Redis refuses to grow a listpack past 1 GB (`LISTPACK_MAX_SAFETY_SIZE`) and converts instead.
const LISTPACK_MAX_SAFETY_BYTES: usize = 1 << 30;

/// What `insert` did, as ZADD counts it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InsertResult {
    Added,
    /// The score changed; `old` is the previous one.
    Updated {
        old: f64,
    },
    /// The member was present with an equal score (as doubles: -0 equals 0, the old one is kept).
    Unchanged,
}

/// One end of a score interval (ZRANGEBYSCORE, ZCOUNT, ZREMRANGEBYSCORE): `(1.5` is exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreBound {
    pub value: f64,
    pub exclusive: bool,
}

impl ScoreBound {
    #[cfg(test)]
    pub fn inclusive(value: f64) -> Self {
        ScoreBound {
            value,
            exclusive: false,
        }
    }

    /// zslValueGteMin.
    fn admits_as_min(&self, score: f64) -> bool {
        if self.exclusive {
            score > self.value
        } else {
            score >= self.value
        }
    }

    /// zslValueLteMax.
    fn admits_as_max(&self, score: f64) -> bool {
        if self.exclusive {
            score < self.value
        } else {
            score <= self.value
        }
    }
}

/// One end of a lex interval (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    NegInf,
    /// `+`: above every member.
    PosInf,
    /// `[member`
    Inclusive(&'a [u8]),
    /// `(member`
    Exclusive(&'a [u8]),
}

impl LexBound<'_> {
    /// zslLexValueGteMin.
    fn admits_as_min(&self, member: &[u8]) -> bool {
        match *self {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Inclusive(b) => member >= b,
            LexBound::Exclusive(b) => member > b,
        }
    }

    /// zslLexValueLteMax.
    fn admits_as_max(&self, member: &[u8]) -> bool {
        match *self {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Inclusive(b) => member <= b,
            LexBound::Exclusive(b) => member < b,
        }
    }
}

/// A ZADD INCR / ZINCRBY whose result would be NaN (`inf + -inf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanScore;

impl std::fmt::Display for NanScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("resulting score is not a number (NaN)")
    }
}

/// The score ZINCRBY / ZADD INCR stores: `current + incr`, refused when NaN.
pub fn add_incr(current: f64, incr: f64) -> Result<f64, NanScore> {
    let score = current + incr;
    if score.is_nan() {
        Err(NanScore)
    } else {
        Ok(score)
    }
}

/// A score argument (ZADD, ZINCRBY) as Redis's string2d reads it: the whole string must be a
/// number; no leading space; `inf`/`-inf` allowed; overflow (`1e400`), underflow to zero
/// (`1e-400`) and NaN refused. `None` is "value is not a valid float".
pub fn parse_score(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let (value, erange) = strtod_whole(s)?;
    if value.is_nan() || (erange && (value.is_infinite() || value == 0.0)) {
        return None;
    }
    Some(value)
}

/// A ZRANGEBYSCORE-style bound exactly as Redis's zslParseRange reads it: an optional `(` for
/// exclusive, then C's strtod over the C string (so it ends at a NUL byte, may start with
/// whitespace, may be hex, `inf`, `+inf`, `-inf`; an empty number is 0; overflow gives ±inf);
/// NaN refused. `None` is "min or max is not a float".
pub fn parse_score_bound(arg: &[u8]) -> Option<ScoreBound> {
    let c_str = match arg.iter().position(|&b| b == 0) {
        Some(nul) => &arg[..nul],
        None => arg,
    };
    let (exclusive, number) = match c_str.first() {
        Some(b'(') => (true, &c_str[1..]),
        _ => (false, c_str),
    };
    // strtod converts nothing in "" and leaves the end pointer on the terminator: 0, accepted.
    let value = if number.is_empty() {
        0.0
    } else {
        strtod_whole(number)?.0
    };
    if value.is_nan() {
        return None;
    }
    Some(ScoreBound { value, exclusive })
}

/// A ZRANGEBYLEX-style bound exactly as Redis's zslParseLexRangeItem reads it: `-`, `+`,
/// `[member`, `(member`. (`+`/`-` are tested as C strings, so a NUL may follow them.) `None` is
/// "min or max not valid string range item".
pub fn parse_lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    let alone = arg.len() == 1 || arg.get(1) == Some(&0);
    match arg.first()? {
        b'+' if alone => Some(LexBound::PosInf),
        b'-' if alone => Some(LexBound::NegInf),
        b'(' => Some(LexBound::Exclusive(&arg[1..])),
        b'[' => Some(LexBound::Inclusive(&arg[1..])),
        _ => None,
    }
}

/// ZRANGE/ZREMRANGEBYRANK index rules: negative counts from the end, both ends inclusive.
/// `None` when the range is empty.
pub fn normalize_rank_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

/// A LIMIT offset/count pair with Redis's semantics: a negative offset returns nothing, a
/// negative count means no limit. Returns the `(offset, limit)` the range methods take.
pub fn redis_limit(offset: i64, count: i64) -> (usize, Option<usize>) {
    (
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(count).ok(),
    )
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's strtod applied to all of `s`: `Some((value, erange))` when, after leading whitespace, the
/// whole rest is one number; `erange` is set on overflow to ±inf and on underflow to zero.
fn strtod_whole(s: &[u8]) -> Option<(f64, bool)> {
    let start = s.iter().position(|&b| !is_c_space(b))?;
    let body = &s[start..];
    let (negative, unsigned) = match body[0] {
        b'-' => (true, &body[1..]),
        b'+' => (false, &body[1..]),
        _ => (false, body),
    };
    if unsigned.len() >= 2 && unsigned[0] == b'0' && (unsigned[1] | 0x20) == b'x' {
        let (magnitude, erange) = parse_hex_float(&unsigned[2..])?;
        return Some((if negative { -magnitude } else { magnitude }, erange));
    }
    // Rust's grammar for decimal numbers, inf, infinity and nan is strtod's.
    let value: f64 = std::str::from_utf8(body).ok()?.parse().ok()?;
    let erange = if value.is_infinite() {
        !(unsigned.eq_ignore_ascii_case(b"inf") || unsigned.eq_ignore_ascii_case(b"infinity"))
    } else if value == 0.0 {
        unsigned
            .iter()
            .take_while(|&&b| b != b'e' && b != b'E')
            .any(|b| (b'1'..=b'9').contains(b))
    } else {
        false
    };
    Some((value, erange))
}

/// The part of a hex float after `0x`: hex digits, an optional fraction, an optional binary
/// exponent `p[+-]digits`; correctly rounded. `None` when it is not entirely that.
fn parse_hex_float(s: &[u8]) -> Option<(f64, bool)> {
    let mut mantissa: u64 = 0;
    let mut exp2: i64 = 0;
    let mut digits = 0usize;
    let mut seen_point = false;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (b as char).to_digit(16) {
            digits += 1;
            if mantissa >> 60 == 0 {
                mantissa = mantissa << 4 | u64::from(d);
                if seen_point {
                    exp2 -= 4;
                }
            } else {
                // Beyond 60 bits only stickiness matters for rounding.
                mantissa |= u64::from(d != 0);
                if !seen_point {
                    exp2 += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if i < s.len() {
        if s[i] | 0x20 != b'p' {
            return None;
        }
        let mut j = i + 1;
        let negative = match s.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        if j >= s.len() {
            return None;
        }
        let mut e: i64 = 0;
        for &b in &s[j..] {
            if !b.is_ascii_digit() {
                return None;
            }
            e = (e * 10 + i64::from(b - b'0')).min(1 << 20);
        }
        exp2 += if negative { -e } else { e };
    }
    Some(scale_to_f64(mantissa, exp2))
}

/// `mantissa * 2^exp2`, rounded to nearest even, with strtod's ERANGE flag.
fn scale_to_f64(mantissa: u64, exp2: i64) -> (f64, bool) {
    if mantissa == 0 {
        return (0.0, false);
    }
    let lz = mantissa.leading_zeros();
    let m = mantissa << lz;
    // value = (m / 2^63) * 2^e with m / 2^63 in [1, 2)
    let e = exp2 - i64::from(lz) + 63;
    if e > 1023 {
        return (f64::INFINITY, true);
    }
    let keep = if e >= -1022 { 53 } else { 53 - (-1022 - e) };
    if keep <= 0 {
        // Below half the smallest subnormal, or exactly half (ties to even: zero).
        let bits = u64::from(keep == 0 && m > 1 << 63);
        return (f64::from_bits(bits), bits == 0);
    }
    let drop = (64 - keep) as u32;
    let kept = m >> drop;
    let rest = m & ((1u64 << drop) - 1);
    let half = 1u64 << (drop - 1);
    let rounded = kept + u64::from(rest > half || (rest == half && kept & 1 == 1));
    if e >= -1022 {
        let (r, e) = if rounded == 1 << 53 {
            (1u64 << 52, e + 1)
        } else {
            (rounded, e)
        };
        if e > 1023 {
            return (f64::INFINITY, true);
        }
        let bits = ((e + 1023) as u64) << 52 | (r & ((1 << 52) - 1));
        (f64::from_bits(bits), false)
    } else {
        // Subnormal: `rounded` counts units of 2^-1074; a carry into bit 52 is the smallest
        // normal, which the same bit pattern encodes.
        (f64::from_bits(rounded), false)
    }
}

/// The order of a sorted set: by score as doubles, ties by member bytes.
#[inline]
fn cmp_key(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    if s1 < s2 {
        Ordering::Less
    } else if s1 > s2 {
        Ordering::Greater
    } else {
        m1.cmp(m2)
    }
}

/// The ranks `[from, to)` of the window `[lo, hi)` after skipping `offset` and taking at most
/// `limit`, counted from the low end, or from the high end when `reverse`.
fn apply_limit(
    lo: usize,
    hi: usize,
    reverse: bool,
    offset: usize,
    limit: Option<usize>,
) -> (usize, usize) {
    let n = hi.saturating_sub(lo);
    let skip = offset.min(n);
    let take = limit.map_or(n - skip, |l| l.min(n - skip));
    if reverse {
        (hi - skip - take, hi - skip)
    } else {
        (lo + skip, lo + skip + take)
    }
}

// ---------------------------------------------------------------------------------------------
// ZSet
// ---------------------------------------------------------------------------------------------

/// A sorted set. Never empty once stored: the caller deletes the key instead.
#[derive(Clone)]
pub enum ZSet {
    Listpack(Listpack),
    Skiplist(Box<Tree>),
}

impl ZSet {
    /// An empty set (ZADD on a new key); the first insert picks the encoding the limits allow.
    pub fn new(limits: &ZsetLimits) -> ZSet {
        ZSet::with_hints(0, 0, limits)
    }

    /// Redis's zsetTypeCreate: a listpack when `size_hint` elements of `max_member_len` bytes fit
    /// the limits, else the big encoding sized for `size_hint`. Redis 7.0's ZADD on a new key is
    /// `with_hints(1, len of its first member)`; ZRANGESTORE's is `with_hints(result len, 0)`.
    pub fn with_hints(size_hint: usize, max_member_len: usize, limits: &ZsetLimits) -> ZSet {
        if size_hint <= limits.max_listpack_entries && max_member_len <= limits.max_listpack_value {
            ZSet::Listpack(Listpack::default())
        } else {
            ZSet::Skiplist(Box::new(Tree::with_capacity(size_hint)))
        }
    }

    /// A new set from entries in (score, member) order, built in O(n) in the encoding Redis gives
    /// a set it builds whole (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE, RDB loading):
    /// listpack when the count, the longest member and the total size fit the limits. Entries
    /// out of order or with a repeated member are inserted one by one instead (a later entry
    /// wins); NaN scores are skipped.
    pub fn from_sorted_entries<M: AsRef<[u8]>>(entries: &[(M, f64)], limits: &ZsetLimits) -> ZSet {
        let max_len = entries
            .iter()
            .map(|(m, _)| m.as_ref().len())
            .max()
            .unwrap_or(0);
        let total: usize = entries.iter().map(|(m, _)| m.as_ref().len()).sum();
        let ordered = entries.iter().all(|(_, s)| !s.is_nan())
            && entries
                .windows(2)
                .all(|w| cmp_key(w[0].1, w[0].0.as_ref(), w[1].1, w[1].0.as_ref()).is_lt());
        if ordered {
            let iter = entries.iter().map(|(m, s)| (m.as_ref(), *s));
            if entries.len() <= limits.max_listpack_entries
                && max_len <= limits.max_listpack_value
                && total < LISTPACK_MAX_SAFETY_BYTES
            {
                let lp = Listpack::from_sorted(iter);
                if !lp.has_duplicate_members() {
                    return ZSet::Listpack(lp);
                }
            } else {
                let tree = Tree::build(iter, entries.len());
                if !tree.has_duplicate_members() {
                    return ZSet::Skiplist(Box::new(tree));
                }
            }
        }
        let mut z = ZSet::with_hints(entries.len(), max_len, limits);
        for (m, s) in entries {
            if !s.is_nan() {
                z.insert(m.as_ref(), *s, limits);
            }
        }
        z
    }

    pub fn len(&self) -> usize {
        match self {
            ZSet::Listpack(lp) => lp.len,
            ZSet::Skiplist(t) => t.len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            ZSet::Listpack(_) => "listpack",
            ZSet::Skiplist(_) => "skiplist",
        }
    }

    /// Heap and inline bytes this value holds (MEMORY USAGE, used_memory accounting).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<ZSet>()
            + match self {
                ZSet::Listpack(lp) => lp.buf.capacity(),
                ZSet::Skiplist(t) => std::mem::size_of::<Tree>() + t.heap_bytes(),
            }
    }

    /// ZSCORE.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Listpack(lp) => lp.find(member).map(|f| f.score),
            ZSet::Skiplist(t) => t.find(member, member_hash(member)).map(|i| t.node(i).score),
        }
    }

    /// Adds `member` or moves it to `score` (zsetAdd without the flags, which the caller checks
    /// against `score()` first). Converts a listpack that would outgrow the limits, as Redis does
    /// on adding, never on updating. A NaN score is a caller bug and changes nothing.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &ZsetLimits) -> InsertResult {
        debug_assert!(!score.is_nan(), "NaN score reached ZSet::insert");
        if score.is_nan() {
            return InsertResult::Unchanged;
        }
        match self {
            ZSet::Skiplist(t) => t.insert(member, score),
            ZSet::Listpack(lp) => {
                if let Some(found) = lp.find(member) {
                    return lp.update(found, member, score);
                }
                if lp.len < limits.max_listpack_entries
                    && member.len() <= limits.max_listpack_value
                    && lp.buf.len() + member.len() + RECORD_MAX_OVERHEAD
                        <= LISTPACK_MAX_SAFETY_BYTES
                {
                    lp.insert_new(member, score);
                    return InsertResult::Added;
                }
                let mut tree = Tree::build(lp.entries(), lp.len);
                let result = tree.insert(member, score);
                *self = ZSet::Skiplist(Box::new(tree));
                result
            }
        }
    }

    /// ZREM of one member.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Listpack(lp) => match lp.find(member) {
                Some(f) => {
                    lp.remove_bytes(f.start, f.end, 1);
                    true
                }
                None => false,
            },
            ZSet::Skiplist(t) => {
                let removed = t.remove(member);
                t.maybe_shrink();
                removed
            }
        }
    }

    /// ZRANK (`reverse`: ZREVRANK), 0-based.
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<usize> {
        let rank = match self {
            ZSet::Listpack(lp) => lp.find(member)?.rank,
            ZSet::Skiplist(t) => t.rank_of(t.find(member, member_hash(member))?),
        };
        Some(if reverse { self.len() - 1 - rank } else { rank })
    }

    /// The element at 0-based `rank` in ascending order.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        if rank >= self.len() {
            return None;
        }
        self.ranks(rank, rank + 1, false).next()
    }

    /// All elements in ascending order.
    pub fn iter(&self) -> Range<'_> {
        self.ranks(0, self.len(), false)
    }

    /// ZRANGE start stop (`reverse`: ZREVRANGE / REV): Redis's index rules (negative counts
    /// from the end, both inclusive), counted from the highest score when `reverse`.
    pub fn range_by_rank(&self, start: i64, end: i64, reverse: bool) -> Range<'_> {
        let len = self.len();
        match normalize_rank_range(start, end, len) {
            None => Range::empty(),
            Some((s, e)) if reverse => self.ranks(len - 1 - e, len - s, true),
            Some((s, e)) => self.ranks(s, e + 1, false),
        }
    }

    /// ZRANGEBYSCORE (`reverse`: ZREVRANGEBYSCORE; `min` is always the low end) with LIMIT
    /// `offset`, `limit` (see `redis_limit`), counted from the high end when `reverse`.
    pub fn range_by_score(
        &self,
        min: ScoreBound,
        max: ScoreBound,
        reverse: bool,
        offset: usize,
        limit: Option<usize>,
    ) -> Range<'_> {
        let (lo, hi) = self.score_window(min, max);
        let (from, to) = apply_limit(lo, hi, reverse, offset, limit);
        self.ranks(from, to, reverse)
    }

    /// ZRANGEBYLEX (`reverse`: ZREVRANGEBYLEX; `min` is always the low end) with LIMIT. Meant
    /// for sets whose scores are all equal; on others the result is some contiguous run, as in
    /// Redis.
    pub fn range_by_lex(
        &self,
        min: LexBound<'_>,
        max: LexBound<'_>,
        reverse: bool,
        offset: usize,
        limit: Option<usize>,
    ) -> Range<'_> {
        let (lo, hi) = self.lex_window(min, max);
        let (from, to) = apply_limit(lo, hi, reverse, offset, limit);
        self.ranks(from, to, reverse)
    }

    /// ZCOUNT.
    pub fn count_in_score_range(&self, min: ScoreBound, max: ScoreBound) -> usize {
        let (lo, hi) = self.score_window(min, max);
        hi - lo
    }

    /// ZLEXCOUNT.
    pub fn count_in_lex_range(&self, min: LexBound<'_>, max: LexBound<'_>) -> usize {
        let (lo, hi) = self.lex_window(min, max);
        hi - lo
    }

    /// ZREMRANGEBYRANK with Redis's index rules; returns how many were removed.
    pub fn remove_range_by_rank(&mut self, start: i64, end: i64) -> usize {
        match normalize_rank_range(start, end, self.len()) {
            Some((s, e)) => self.remove_ranks(s, e + 1),
            None => 0,
        }
    }

    /// ZREMRANGEBYSCORE.
    pub fn remove_range_by_score(&mut self, min: ScoreBound, max: ScoreBound) -> usize {
        let (lo, hi) = self.score_window(min, max);
        self.remove_ranks(lo, hi)
    }

    /// ZREMRANGEBYLEX.
    pub fn remove_range_by_lex(&mut self, min: LexBound<'_>, max: LexBound<'_>) -> usize {
        let (lo, hi) = self.lex_window(min, max);
        self.remove_ranks(lo, hi)
    }

    /// ZPOPMIN: up to `count` lowest elements, lowest first.
    pub fn pop_min(&mut self, count: usize) -> Vec<(Vec<u8>, f64)> {
        let k = count.min(self.len());
        let popped = self
            .ranks(0, k, false)
            .map(|(m, s)| (m.to_vec(), s))
            .collect();
        self.remove_ranks(0, k);
        popped
    }

    /// ZPOPMAX: up to `count` highest elements, highest first.
    pub fn pop_max(&mut self, count: usize) -> Vec<(Vec<u8>, f64)> {
        let len = self.len();
        let k = count.min(len);
        let popped = self
            .ranks(len - k, len, true)
            .map(|(m, s)| (m.to_vec(), s))
            .collect();
        self.remove_ranks(len - k, len);
        popped
    }

    /// ZRANDMEMBER without a count.
    pub fn random_member<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(&[u8], f64)> {
        if self.is_empty() {
            return None;
        }
        self.get_by_rank(rng.random_range(0..self.len()))
    }

    /// ZRANDMEMBER with a count, as Redis 7.0: 0 gives nothing; a negative count gives |count|
    /// independent picks (repeats allowed); a count at least the size gives the whole set,
    /// highest first; otherwise that many distinct members (in order for a listpack, random order
    /// otherwise). `emit` returns false to stop early (the client is being closed).
    pub fn random_members<R: Rng + ?Sized>(
        &self,
        count: i64,
        rng: &mut R,
        mut emit: impl FnMut(&[u8], f64) -> bool,
    ) {
        let len = self.len();
        if count == 0 || len == 0 {
            return;
        }
        if count < 0 || count == 1 {
            let picks = count.unsigned_abs();
            match self {
                ZSet::Listpack(lp) => {
                    let offsets = lp.offsets(0, len);
                    for _ in 0..picks {
                        let (member, score, _) =
                            read_record(&lp.buf, offsets[rng.random_range(0..len)]);
                        if !emit(member, score) {
                            return;
                        }
                    }
                }
                ZSet::Skiplist(t) => {
                    for _ in 0..picks {
                        let n = t.node(t.at_rank(rng.random_range(0..len)));
                        if !emit(t.member_of(n), n.score) {
                            return;
                        }
                    }
                }
            }
            return;
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if count >= len {
            // Redis walks the set with zuiInitIterator, which starts at the tail.
            for (member, score) in self.ranks(0, len, true) {
                if !emit(member, score) {
                    return;
                }
            }
            return;
        }
        let mut picks = rand::seq::index::sample(rng, len, count).into_vec();
        match self {
            ZSet::Listpack(lp) => {
                picks.sort_unstable();
                let mut it = lp.entries().enumerate();
                for rank in picks {
                    let Some((_, (member, score))) = it.find(|(r, _)| *r == rank) else {
                        return;
                    };
                    if !emit(member, score) {
                        return;
                    }
                }
            }
            ZSet::Skiplist(t) => {
                for rank in picks {
                    let n = t.node(t.at_rank(rank));
                    if !emit(t.member_of(n), n.score) {
                        return;
                    }
                }
            }
        }
    }

    /// ZSCAN: emits some elements and returns the next cursor (0 when done). A listpack emits
    /// everything at once and returns 0, whatever the cursor; the big encoding walks hash
    /// buckets in Redis's reverse-binary order, visiting buckets until `count` elements were
    /// emitted or 20 * `count` + 1 buckets were visited (Redis doubles COUNT for a zset, whose
    /// scan list holds member and score, then allows ten times that many more buckets), so every
    /// member present for the whole scan is emitted at least once.
    pub fn scan(&self, cursor: u64, count: usize, mut emit: impl FnMut(&[u8], f64)) -> u64 {
        match self {
            ZSet::Listpack(lp) => {
                for (member, score) in lp.entries() {
                    emit(member, score);
                }
                0
            }
            ZSet::Skiplist(t) => t.scan(cursor, count, emit),
        }
    }

    /// Panics if an internal invariant is broken: order, uniqueness, counts, tree balance and
    /// sizes, hash chains, arena accounting. For tests and debugging.
    #[cfg(test)]
    pub fn check_invariants(&self) {
        match self {
            ZSet::Listpack(lp) => lp.check_invariants(),
            ZSet::Skiplist(t) => t.check_invariants(),
        }
    }

    /// Ranks `[lo, hi)` of the elements within the score interval.
    fn score_window(&self, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
        match self {
            ZSet::Listpack(lp) => {
                lp.window(|s, _| min.admits_as_min(s), |s, _| max.admits_as_max(s))
            }
            ZSet::Skiplist(t) => {
                let lo = t.count_prefix(|s, _| !min.admits_as_min(s));
                let hi = t.count_prefix(|s, _| max.admits_as_max(s));
                (lo, hi.max(lo))
            }
        }
    }

    /// Ranks `[lo, hi)` of the elements within the lex interval (exact when all scores are
    /// equal; some contiguous run otherwise: for a listpack walked forward, the one Redis
    /// walks).
    fn lex_window(&self, min: LexBound<'_>, max: LexBound<'_>) -> (usize, usize) {
        // zzlIsInLexRange / zslIsInLexRange: nothing unless the last member is admitted by
        // `min` and the first by `max` (implied when scores are equal; decisive otherwise).
        let len = self.len();
        let ends = self
            .get_by_rank(0)
            .zip(self.get_by_rank(len.saturating_sub(1)));
        match ends {
            Some(((first, _), (last, _)))
                if min.admits_as_min(last) && max.admits_as_max(first) => {}
            _ => return (0, 0),
        }
        match self {
            ZSet::Listpack(lp) => {
                lp.window(|_, m| min.admits_as_min(m), |_, m| max.admits_as_max(m))
            }
            ZSet::Skiplist(t) => {
                let lo = t.count_prefix(|_, m| !min.admits_as_min(m));
                let hi = t.count_prefix(|_, m| max.admits_as_max(m));
                (lo, hi.max(lo))
            }
        }
    }

    /// Iterates ascending ranks `[from, to)`, from `to - 1` down when `reverse`.
    fn ranks(&self, from: usize, to: usize, reverse: bool) -> Range<'_> {
        let to = to.min(self.len());
        if from >= to {
            return Range::empty();
        }
        let inner = match self {
            ZSet::Listpack(lp) if reverse => RangeInner::ListpackRev {
                buf: &lp.buf,
                offsets: lp.offsets(from, to),
            },
            ZSet::Listpack(lp) => RangeInner::Listpack(LpIter {
                buf: &lp.buf,
                pos: lp.offset_of_rank(from),
            }),
            ZSet::Skiplist(t) if reverse => RangeInner::Tree(TreeCursor::new(t, to - 1, true)),
            ZSet::Skiplist(t) => RangeInner::Tree(TreeCursor::new(t, from, false)),
        };
        Range {
            inner,
            remaining: to - from,
        }
    }

    /// Removes ascending ranks `[from, to)`; returns how many.
    fn remove_ranks(&mut self, from: usize, to: usize) -> usize {
        let to = to.min(self.len());
        if from >= to {
            return 0;
        }
        match self {
            ZSet::Listpack(lp) => {
                let start = lp.offset_of_rank(from);
                let end = start
                    + LpIter {
                        buf: &lp.buf,
                        pos: start,
                    }
                    .skip_bytes(to - from);
                lp.remove_bytes(start, end, to - from);
            }
            ZSet::Skiplist(t) => t.remove_ranks(from, to),
        }
        to - from
    }
}

/// Elements of a set in order (ascending, or descending for reverse ranges), borrowed.
pub struct Range<'a> {
    inner: RangeInner<'a>,
    remaining: usize,
}

enum RangeInner<'a> {
    Listpack(LpIter<'a>),
    /// Record offsets of the window; popped from the end.
    ListpackRev {
        buf: &'a [u8],
        offsets: Vec<usize>,
    },
    Tree(TreeCursor<'a>),
}

impl Range<'_> {
    fn empty() -> Self {
        Range {
            inner: RangeInner::Listpack(LpIter { buf: &[], pos: 0 }),
            remaining: 0,
        }
    }
}

impl<'a> Iterator for Range<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        match &mut self.inner {
            RangeInner::Listpack(it) => it.next(),
            RangeInner::ListpackRev { buf, offsets } => {
                let (member, score, _) = read_record(buf, offsets.pop()?);
                Some((member, score))
            }
            RangeInner::Tree(cursor) => cursor.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Range<'_> {}

// ---------------------------------------------------------------------------------------------
// Listpack
// ---------------------------------------------------------------------------------------------

/// Largest record overhead: an 8-byte score and a 10-byte LEB128 length.
const RECORD_MAX_OVERHEAD: usize = 18;

/// The small encoding: records `score (f64, 8 bytes LE) | member length (LEB128) | member`, in
/// (score, member) order, in one buffer kept exactly sized as Redis keeps a listpack.
#[derive(Clone, Default)]
pub struct Listpack {
    buf: Vec<u8>,
    len: usize,
}

/// Where `Listpack::find` found a member.
struct LpFound {
    start: usize,
    end: usize,
    rank: usize,
    score: f64,
}

/// Reads the record at `pos`: (member, score, offset of the next record).
#[inline]
fn read_record(buf: &[u8], pos: usize) -> (&[u8], f64, usize) {
    let mut score = [0u8; 8];
    score.copy_from_slice(&buf[pos..pos + 8]);
    let mut len = 0usize;
    let mut at = pos + 8;
    for shift in (0..70).step_by(7) {
        let b = buf[at];
        at += 1;
        len |= usize::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
        if b & 0x80 == 0 {
            break;
        }
    }
    (&buf[at..at + len], f64::from_le_bytes(score), at + len)
}

/// A record's score and length prefix, and how many of the bytes are used. A score of -0 is
/// stored as 0: Redis's listpack holds an integral score as an integer (zzlInsertAt's
/// double2ll), which has no negative zero, so ZSCORE of a small set says "0" where a skiplist
/// keeps "-0".
fn record_head(member: &[u8], score: f64) -> ([u8; RECORD_MAX_OVERHEAD], usize) {
    let mut head = [0u8; RECORD_MAX_OVERHEAD];
    let score = if score == 0.0 { 0.0 } else { score };
    head[..8].copy_from_slice(&score.to_le_bytes());
    let mut n = 8;
    let mut len = member.len();
    loop {
        let low = (len & 0x7f) as u8;
        len >>= 7;
        head[n] = if len == 0 { low } else { low | 0x80 };
        n += 1;
        if len == 0 {
            return (head, n);
        }
    }
}

/// Record iterator from a byte offset.
struct LpIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl LpIter<'_> {
    /// Advances over `n` records; returns the bytes skipped.
    fn skip_bytes(&mut self, n: usize) -> usize {
        let start = self.pos;
        for _ in 0..n {
            if self.next().is_none() {
                break;
            }
        }
        self.pos - start
    }
}

impl<'a> Iterator for LpIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (member, score, next) = read_record(self.buf, self.pos);
        self.pos = next;
        Some((member, score))
    }
}

impl Listpack {
    fn entries(&self) -> LpIter<'_> {
        LpIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    fn from_sorted<'m>(entries: impl Iterator<Item = (&'m [u8], f64)>) -> Listpack {
        let mut lp = Listpack::default();
        for (member, score) in entries {
            let (head, n) = record_head(member, score);
            lp.buf.extend_from_slice(&head[..n]);
            lp.buf.extend_from_slice(member);
            lp.len += 1;
        }
        lp.buf.shrink_to_fit();
        lp
    }

    fn find(&self, member: &[u8]) -> Option<LpFound> {
        let mut it = self.entries();
        let mut rank = 0;
        loop {
            let start = it.pos;
            let (m, score) = it.next()?;
            if m == member {
                return Some(LpFound {
                    start,
                    end: it.pos,
                    rank,
                    score,
                });
            }
            rank += 1;
        }
    }

    fn offset_of_rank(&self, rank: usize) -> usize {
        let mut it = self.entries();
        it.skip_bytes(rank);
        it.pos
    }

    /// Record offsets of ranks `[from, to)`.
    fn offsets(&self, from: usize, to: usize) -> Vec<usize> {
        let mut it = LpIter {
            buf: &self.buf,
            pos: self.offset_of_rank(from),
        };
        let mut offsets = Vec::with_capacity(to - from);
        for _ in from..to {
            offsets.push(it.pos);
            if it.next().is_none() {
                offsets.pop();
                break;
            }
        }
        offsets
    }

    /// The window `[lo, hi)` Redis's listpack code walks: from the first element admitted by
    /// `min` while elements are admitted by `max`.
    fn window(
        &self,
        min: impl Fn(f64, &[u8]) -> bool,
        max: impl Fn(f64, &[u8]) -> bool,
    ) -> (usize, usize) {
        let mut it = self.entries();
        let mut lo = 0;
        loop {
            match it.next() {
                None => return (self.len, self.len),
                Some((m, s)) if min(s, m) => {
                    if !max(s, m) {
                        return (lo, lo);
                    }
                    break;
                }
                Some(_) => lo += 1,
            }
        }
        let mut hi = lo + 1;
        for (m, s) in it {
            if !max(s, m) {
                break;
            }
            hi += 1;
        }
        (lo, hi)
    }

    fn update(&mut self, found: LpFound, member: &[u8], score: f64) -> InsertResult {
        if found.score == score {
            return InsertResult::Unchanged;
        }
        self.remove_bytes(found.start, found.end, 1);
        self.insert_new(member, score);
        InsertResult::Updated { old: found.score }
    }

    fn insert_new(&mut self, member: &[u8], score: f64) {
        let mut it = self.entries();
        let pos = loop {
            let start = it.pos;
            match it.next() {
                Some((m, s)) if cmp_key(s, m, score, member).is_lt() => {}
                _ => break start,
            }
        };
        self.write_record_at(pos, member, score);
    }

    fn write_record_at(&mut self, pos: usize, member: &[u8], score: f64) {
        let (head, n) = record_head(member, score);
        let record = n + member.len();
        let old = self.buf.len();
        self.buf.reserve_exact(record);
        self.buf.resize(old + record, 0);
        self.buf.copy_within(pos..old, pos + record);
        self.buf[pos..pos + n].copy_from_slice(&head[..n]);
        self.buf[pos + n..pos + record].copy_from_slice(member);
        self.len += 1;
    }

    fn remove_bytes(&mut self, start: usize, end: usize, records: usize) {
        self.buf.drain(start..end);
        self.len -= records;
        if self.buf.capacity() > self.buf.len() + self.buf.len() / 8 + 16 {
            self.buf.shrink_to_fit();
        }
    }

    fn has_duplicate_members(&self) -> bool {
        let mut members: Vec<&[u8]> = self.entries().map(|(m, _)| m).collect();
        members.sort_unstable();
        members.windows(2).any(|w| w[0] == w[1])
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        let mut count = 0;
        let mut prev: Option<(&[u8], f64)> = None;
        let mut it = self.entries();
        for (m, s) in it.by_ref() {
            assert!(!s.is_nan(), "listpack: NaN score");
            if let Some((pm, ps)) = prev {
                assert!(
                    cmp_key(ps, pm, s, m).is_lt(),
                    "listpack: records out of order"
                );
            }
            prev = Some((m, s));
            count += 1;
        }
        assert_eq!(it.pos, self.buf.len(), "listpack: trailing bytes");
        assert_eq!(count, self.len, "listpack: length");
        assert!(!self.has_duplicate_members(), "listpack: repeated member");
    }
}

// ---------------------------------------------------------------------------------------------
// The big encoding: an arena AVL tree with subtree sizes plus a chained member hash
// ---------------------------------------------------------------------------------------------

const NIL: u32 = u32::MAX;
/// Members up to this length live in their node.
const INLINE_MEMBER: usize = 14;
/// `Node::member_len` for a member in `Tree::spill`.
const SPILLED: u8 = u8::MAX;
/// Redis's DICT_HT_INITIAL_SIZE.
const MIN_BUCKETS: usize = 4;
/// An arena with fewer live nodes than 1/ARENA_SLACK of its slots is rebuilt compact.
const ARENA_SLACK: usize = 4;

/// One element: 40 bytes.
#[derive(Clone, Copy)]
struct Node {
    score: f64,
    left: u32,
    right: u32,
    /// Nodes in this subtree, itself included; 0 marks a free arena slot.
    size: u32,
    /// The next node in this member's hash bucket, or the next free slot.
    chain: u32,
    /// AVL height of this subtree; a leaf is 1.
    height: u8,
    /// The member's length when at most `INLINE_MEMBER` (its bytes are in `inline`), else
    /// `SPILLED`: `inline` then holds its length (6 bytes LE) and offset in `Tree::spill`
    /// (8 bytes LE).
    member_len: u8,
    inline: [u8; INLINE_MEMBER],
}

const _: () = assert!(std::mem::size_of::<Node>() == 40);

impl Node {
    fn spilled_ref(&self) -> (usize, usize) {
        let mut len = [0u8; 8];
        len[..6].copy_from_slice(&self.inline[..6]);
        let mut off = [0u8; 8];
        off.copy_from_slice(&self.inline[6..14]);
        (
            u64::from_le_bytes(len) as usize,
            u64::from_le_bytes(off) as usize,
        )
    }

    fn set_spilled_ref(&mut self, len: usize, offset: usize) {
        self.member_len = SPILLED;
        self.inline[..6].copy_from_slice(&(len as u64).to_le_bytes()[..6]);
        self.inline[6..14].copy_from_slice(&(offset as u64).to_le_bytes());
    }
}

/// The hash of a member, seeded once per process (hash flooding needs the seed).
fn member_hash(member: &[u8]) -> u64 {
    static STATE: OnceLock<FixedState> = OnceLock::new();
    STATE
        .get_or_init(|| FixedState::with_seed(rand::random()))
        .hash_one(member)
}

fn table_size(len: usize) -> usize {
    len.max(MIN_BUCKETS).next_power_of_two()
}

/// The big encoding (OBJECT ENCODING `skiplist`).
#[derive(Clone)]
pub struct Tree {
    /// The arena: live nodes and free slots.
    nodes: Vec<Node>,
    root: u32,
    /// Head of the free-slot list, linked through `Node::chain`.
    free: u32,
    len: u32,
    /// First node of each hash chain; a power of two long, at least `len` (load factor <= 1).
    buckets: Vec<u32>,
    /// Bytes of members longer than `INLINE_MEMBER`.
    spill: Vec<u8>,
    /// Bytes in `spill` that belong to removed members.
    spill_garbage: usize,
}

impl Tree {
    fn with_capacity(size_hint: usize) -> Tree {
        // A hint is not a promise: never reserve more than a modest start from one.
        let n = size_hint.min(1 << 16);
        Tree {
            nodes: Vec::with_capacity(n),
            root: NIL,
            free: NIL,
            len: 0,
            buckets: vec![NIL; table_size(n)],
            spill: Vec::new(),
            spill_garbage: 0,
        }
    }

    /// A perfectly balanced tree over entries already in order; `n` is a capacity hint.
    fn build<'m>(entries: impl Iterator<Item = (&'m [u8], f64)>, n: usize) -> Tree {
        let mut t = Tree {
            nodes: Vec::with_capacity(n),
            root: NIL,
            free: NIL,
            len: 0,
            buckets: Vec::new(),
            spill: Vec::new(),
            spill_garbage: 0,
        };
        for (member, score) in entries {
            t.alloc(member, score);
        }
        let count = t.nodes.len();
        t.len = count as u32;
        t.root = t.build_range(0, count);
        t.resize_table(table_size(count));
        t
    }

    fn build_range(&mut self, lo: usize, hi: usize) -> u32 {
        if lo >= hi {
            return NIL;
        }
        let mid = lo + (hi - lo) / 2;
        let left = self.build_range(lo, mid);
        let right = self.build_range(mid + 1, hi);
        let n = mid as u32;
        self.node_mut(n).left = left;
        self.node_mut(n).right = right;
        self.update(n);
        n
    }

    fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.buckets.capacity() * std::mem::size_of::<u32>()
            + self.spill.capacity()
    }

    #[inline]
    fn node(&self, n: u32) -> &Node {
        &self.nodes[n as usize]
    }

    #[inline]
    fn node_mut(&mut self, n: u32) -> &mut Node {
        &mut self.nodes[n as usize]
    }

    #[inline]
    fn member_of<'a>(&'a self, node: &'a Node) -> &'a [u8] {
        if node.member_len == SPILLED {
            let (len, off) = node.spilled_ref();
            &self.spill[off..off + len]
        } else {
            &node.inline[..node.member_len as usize]
        }
    }

    #[inline]
    fn member(&self, n: u32) -> &[u8] {
        self.member_of(self.node(n))
    }

    #[inline]
    fn cmp_nodes(&self, a: u32, b: u32) -> Ordering {
        let (na, nb) = (self.node(a), self.node(b));
        cmp_key(na.score, self.member_of(na), nb.score, self.member_of(nb))
    }

    #[inline]
    fn size(&self, n: u32) -> usize {
        if n == NIL {
            0
        } else {
            self.node(n).size as usize
        }
    }

    #[inline]
    fn height(&self, n: u32) -> u8 {
        if n == NIL { 0 } else { self.node(n).height }
    }

    // --- the arena ---

    fn alloc(&mut self, member: &[u8], score: f64) -> u32 {
        let mut node = Node {
            score,
            left: NIL,
            right: NIL,
            size: 1,
            chain: NIL,
            height: 1,
            member_len: 0,
            inline: [0; INLINE_MEMBER],
        };
        if member.len() <= INLINE_MEMBER {
            node.member_len = member.len() as u8;
            node.inline[..member.len()].copy_from_slice(member);
        } else {
            node.set_spilled_ref(member.len(), self.spill.len());
            self.spill.extend_from_slice(member);
        }
        if self.free != NIL {
            let n = self.free;
            self.free = self.node(n).chain;
            *self.node_mut(n) = node;
            n
        } else {
            // u32 indices: ~4 billion members, far beyond the memory they would need.
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        }
    }

    fn release(&mut self, n: u32) {
        let free = self.free;
        let node = self.node_mut(n);
        let spilled = if node.member_len == SPILLED {
            node.spilled_ref().0
        } else {
            0
        };
        node.size = 0;
        node.member_len = 0;
        node.chain = free;
        self.free = n;
        self.spill_garbage += spilled;
    }

    /// Gives back memory after removals: rebuilds a mostly empty arena, shrinks a hash table
    /// below 10% full (Redis's htNeedsResize), compacts a mostly dead spill buffer.
    fn maybe_shrink(&mut self) {
        let live = self.len as usize;
        if self.nodes.len() > 64 && live < self.nodes.len() / ARENA_SLACK {
            *self = Tree::build(TreeCursor::new(self, 0, false).take(live), live);
            return;
        }
        if self.buckets.len() > MIN_BUCKETS && live * 100 / self.buckets.len() < 10 {
            self.resize_table(table_size(live));
        }
        if self.spill_garbage > 4096 && self.spill_garbage * 2 > self.spill.len() {
            let mut spill = Vec::with_capacity(self.spill.len() - self.spill_garbage);
            for node in self.nodes.iter_mut() {
                if node.size != 0 && node.member_len == SPILLED {
                    let (len, off) = node.spilled_ref();
                    node.set_spilled_ref(len, spill.len());
                    spill.extend_from_slice(&self.spill[off..off + len]);
                }
            }
            self.spill = spill;
            self.spill_garbage = 0;
        }
    }

    // --- the hash table ---

    fn find(&self, member: &[u8], hash: u64) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut n = self.buckets[hash as usize & (self.buckets.len() - 1)];
        while n != NIL {
            if self.member(n) == member {
                return Some(n);
            }
            n = self.node(n).chain;
        }
        None
    }

    fn link(&mut self, n: u32, hash: u64) {
        let b = hash as usize & (self.buckets.len() - 1);
        self.node_mut(n).chain = self.buckets[b];
        self.buckets[b] = n;
    }

    fn unlink(&mut self, n: u32, hash: u64) {
        if self.buckets.is_empty() {
            return;
        }
        let b = hash as usize & (self.buckets.len() - 1);
        let next = self.node(n).chain;
        if self.buckets[b] == n {
            self.buckets[b] = next;
            return;
        }
        let mut p = self.buckets[b];
        while p != NIL {
            if self.node(p).chain == n {
                self.node_mut(p).chain = next;
                return;
            }
            p = self.node(p).chain;
        }
    }

    fn resize_table(&mut self, buckets: usize) {
        self.buckets = vec![NIL; buckets];
        for n in 0..self.nodes.len() as u32 {
            if self.node(n).size != 0 {
                let hash = member_hash(self.member(n));
                self.link(n, hash);
            }
        }
    }

    fn has_duplicate_members(&self) -> bool {
        self.buckets.iter().any(|&head| {
            let mut a = head;
            while a != NIL {
                let mut b = self.node(a).chain;
                while b != NIL {
                    if self.member(a) == self.member(b) {
                        return true;
                    }
                    b = self.node(b).chain;
                }
                a = self.node(a).chain;
            }
            false
        })
    }

    // --- the AVL tree ---

    fn update(&mut self, n: u32) {
        let (l, r) = (self.node(n).left, self.node(n).right);
        let size = (self.size(l) + self.size(r) + 1) as u32;
        let height = self.height(l).max(self.height(r)) + 1;
        let node = self.node_mut(n);
        node.size = size;
        node.height = height;
    }

    fn rotate_right(&mut self, n: u32) -> u32 {
        let l = self.node(n).left;
        self.node_mut(n).left = self.node(l).right;
        self.node_mut(l).right = n;
        self.update(n);
        self.update(l);
        l
    }

    fn rotate_left(&mut self, n: u32) -> u32 {
        let r = self.node(n).right;
        self.node_mut(n).right = self.node(r).left;
        self.node_mut(r).left = n;
        self.update(n);
        self.update(r);
        r
    }

    /// Restores size, height and AVL balance at `n` after one child changed; returns the new
    /// subtree root.
    fn rebalance(&mut self, n: u32) -> u32 {
        self.update(n);
        let (l, r) = (self.node(n).left, self.node(n).right);
        let (hl, hr) = (self.height(l), self.height(r));
        if hl > hr + 1 {
            if self.height(self.node(l).left) < self.height(self.node(l).right) {
                let l = self.rotate_left(l);
                self.node_mut(n).left = l;
            }
            return self.rotate_right(n);
        }
        if hr > hl + 1 {
            if self.height(self.node(r).right) < self.height(self.node(r).left) {
                let r = self.rotate_right(r);
                self.node_mut(n).right = r;
            }
            return self.rotate_left(n);
        }
        n
    }

    /// Inserts the detached node `i` into the subtree at `n`; returns the new subtree root.
    fn attach(&mut self, n: u32, i: u32) -> u32 {
        if n == NIL {
            return i;
        }
        if self.cmp_nodes(i, n).is_lt() {
            let l = self.attach(self.node(n).left, i);
            self.node_mut(n).left = l;
        } else {
            let r = self.attach(self.node(n).right, i);
            self.node_mut(n).right = r;
        }
        self.rebalance(n)
    }

    /// Takes node `target` out of the subtree at `n`; returns the new subtree root.
    fn detach(&mut self, n: u32, target: u32) -> u32 {
        if n == NIL {
            return NIL;
        }
        if n == target {
            let (l, r) = (self.node(n).left, self.node(n).right);
            if l == NIL {
                return r;
            }
            if r == NIL {
                return l;
            }
            let (r, successor) = self.detach_min(r);
            let node = self.node_mut(successor);
            node.left = l;
            node.right = r;
            return self.rebalance(successor);
        }
        if self.cmp_nodes(target, n).is_lt() {
            let l = self.detach(self.node(n).left, target);
            self.node_mut(n).left = l;
        } else {
            let r = self.detach(self.node(n).right, target);
            self.node_mut(n).right = r;
        }
        self.rebalance(n)
    }

    /// Takes the lowest node out of the subtree at `n`: (new subtree root, that node).
    fn detach_min(&mut self, n: u32) -> (u32, u32) {
        let l = self.node(n).left;
        if l == NIL {
            return (self.node(n).right, n);
        }
        let (l, min) = self.detach_min(l);
        self.node_mut(n).left = l;
        (self.rebalance(n), min)
    }

    fn rank_of(&self, i: u32) -> usize {
        let mut n = self.root;
        let mut rank = 0;
        while n != NIL {
            let left = self.node(n).left;
            if n == i {
                return rank + self.size(left);
            }
            if self.cmp_nodes(i, n).is_lt() {
                n = left;
            } else {
                rank += self.size(left) + 1;
                n = self.node(n).right;
            }
        }
        rank
    }

    /// The node at ascending `rank` (which must be below `len`).
    fn at_rank(&self, mut rank: usize) -> u32 {
        let mut n = self.root;
        while n != NIL {
            let left = self.node(n).left;
            let ls = self.size(left);
            match rank.cmp(&ls) {
                Ordering::Less => n = left,
                Ordering::Equal => return n,
                Ordering::Greater => {
                    rank -= ls + 1;
                    n = self.node(n).right;
                }
            }
        }
        self.root
    }

    /// How many elements lead the order while `pred` holds (exact when `pred` is true on a
    /// prefix, as score bounds are; some rank in `0..=len` otherwise).
    fn count_prefix(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut n = self.root;
        let mut count = 0;
        while n != NIL {
            let node = self.node(n);
            if pred(node.score, self.member_of(node)) {
                count += self.size(node.left) + 1;
                n = node.right;
            } else {
                n = node.left;
            }
        }
        count
    }

    // --- operations ---

    fn insert(&mut self, member: &[u8], score: f64) -> InsertResult {
        let hash = member_hash(member);
        if let Some(n) = self.find(member, hash) {
            let old = self.node(n).score;
            if old == score {
                return InsertResult::Unchanged;
            }
            self.root = self.detach(self.root, n);
            let node = self.node_mut(n);
            node.score = score;
            node.left = NIL;
            node.right = NIL;
            node.size = 1;
            node.height = 1;
            self.root = self.attach(self.root, n);
            return InsertResult::Updated { old };
        }
        if self.len as usize >= self.buckets.len() {
            self.resize_table(table_size(self.len as usize + 1));
        }
        let n = self.alloc(member, score);
        self.link(n, hash);
        self.root = self.attach(self.root, n);
        self.len += 1;
        InsertResult::Added
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        let hash = member_hash(member);
        match self.find(member, hash) {
            Some(n) => {
                self.remove_node(n, hash);
                true
            }
            None => false,
        }
    }

    /// Removes node `n` (whose member hashes to `hash`); the caller calls `maybe_shrink`.
    fn remove_node(&mut self, n: u32, hash: u64) {
        self.unlink(n, hash);
        self.root = self.detach(self.root, n);
        self.release(n);
        self.len -= 1;
    }

    fn remove_ranks(&mut self, from: usize, to: usize) {
        let len = self.len as usize;
        let k = to - from;
        if k * 4 >= len {
            // Cheaper to rebuild from the survivors than to rebalance k times.
            let survivors = TreeCursor::new(self, 0, false)
                .take(from)
                .chain(TreeCursor::new(self, to.min(len - 1), false).take(len - to));
            *self = Tree::build(survivors, len - k);
            return;
        }
        for _ in 0..k {
            let n = self.at_rank(from);
            let hash = member_hash(self.member(n));
            self.remove_node(n, hash);
        }
        self.maybe_shrink();
    }

    fn scan(&self, cursor: u64, count: usize, mut emit: impl FnMut(&[u8], f64)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = (self.buckets.len() - 1) as u64;
        let mut v = cursor;
        let mut emitted = 0;
        let mut budget = count.max(1).saturating_mul(20).saturating_add(1);
        loop {
            let mut n = self.buckets[(v & mask) as usize];
            while n != NIL {
                let node = self.node(n);
                emit(self.member_of(node), node.score);
                emitted += 1;
                n = node.chain;
            }
            // Redis's dictScan: increment the reversed cursor, so buckets split by a grow or
            // merged by a shrink are never skipped.
            v |= !mask;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
            budget -= 1;
            if v == 0 || emitted >= count || budget == 0 {
                return v;
            }
        }
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        // Tree shape and order.
        fn walk(t: &Tree, n: u32, depth: usize) -> (usize, u8) {
            if n == NIL {
                return (0, 0);
            }
            assert!(depth < 64, "tree: too deep");
            let node = t.node(n);
            assert_ne!(node.size, 0, "tree: free slot linked");
            assert!(!node.score.is_nan(), "tree: NaN score");
            let (ls, lh) = walk(t, node.left, depth + 1);
            let (rs, rh) = walk(t, node.right, depth + 1);
            assert!(lh.abs_diff(rh) <= 1, "tree: unbalanced");
            assert_eq!(node.size as usize, ls + rs + 1, "tree: size");
            assert_eq!(node.height, lh.max(rh) + 1, "tree: height");
            if node.left != NIL {
                assert!(t.cmp_nodes(node.left, n).is_lt(), "tree: left child order");
            }
            if node.right != NIL {
                assert!(
                    t.cmp_nodes(n, node.right).is_lt(),
                    "tree: right child order"
                );
            }
            (ls + rs + 1, lh.max(rh) + 1)
        }
        let (size, _) = walk(self, self.root, 0);
        assert_eq!(size, self.len as usize, "tree: len");
        let in_order: Vec<u32> = {
            let mut c = TreeCursor::new(self, 0, false);
            (0..size).map(|_| c.next_node()).collect()
        };
        for w in in_order.windows(2) {
            assert!(
                self.cmp_nodes(w[0], w[1]).is_lt(),
                "tree: in-order sequence"
            );
        }
        // Arena accounting.
        let live = self.nodes.iter().filter(|n| n.size != 0).count();
        assert_eq!(live, size, "arena: live slots");
        let mut free = 0;
        let mut f = self.free;
        while f != NIL {
            assert_eq!(self.node(f).size, 0, "arena: live slot on the free list");
            free += 1;
            f = self.node(f).chain;
        }
        assert_eq!(live + free, self.nodes.len(), "arena: free list");
        let spilled: usize = self
            .nodes
            .iter()
            .filter(|n| n.size != 0 && n.member_len == SPILLED)
            .map(|n| n.spilled_ref().0)
            .sum();
        assert_eq!(
            spilled + self.spill_garbage,
            self.spill.len(),
            "spill: accounting"
        );
        // Hash table.
        assert!(self.buckets.len().is_power_of_two(), "hash: bucket count");
        assert!(size <= self.buckets.len(), "hash: load factor");
        let mut chained = 0;
        for (b, &head) in self.buckets.iter().enumerate() {
            let mut n = head;
            while n != NIL {
                let hash = member_hash(self.member(n));
                assert_eq!(
                    hash as usize & (self.buckets.len() - 1),
                    b,
                    "hash: wrong bucket"
                );
                chained += 1;
                n = self.node(n).chain;
            }
        }
        assert_eq!(chained, size, "hash: chained nodes");
        assert!(!self.has_duplicate_members(), "hash: repeated member");
        for &n in &in_order {
            let m = self.member(n);
            assert_eq!(self.find(m, member_hash(m)), Some(n), "hash: lookup");
        }
    }
}

/// In-order walk of a tree from a rank, ascending or descending. Its stack holds the nodes
/// still to visit on the way back up (at most the tree's height plus one).
struct TreeCursor<'a> {
    tree: &'a Tree,
    stack: Vec<u32>,
    reverse: bool,
}

impl<'a> TreeCursor<'a> {
    /// A cursor whose first element is the one at ascending `rank`.
    fn new(tree: &'a Tree, mut rank: usize, reverse: bool) -> Self {
        let mut stack = Vec::with_capacity(tree.height(tree.root) as usize + 1);
        let mut n = tree.root;
        while n != NIL {
            let left = tree.node(n).left;
            let ls = tree.size(left);
            match rank.cmp(&ls) {
                Ordering::Less => {
                    if !reverse {
                        stack.push(n);
                    }
                    n = left;
                }
                Ordering::Equal => {
                    stack.push(n);
                    break;
                }
                Ordering::Greater => {
                    if reverse {
                        stack.push(n);
                    }
                    rank -= ls + 1;
                    n = tree.node(n).right;
                }
            }
        }
        TreeCursor {
            tree,
            stack,
            reverse,
        }
    }

    fn next_node(&mut self) -> u32 {
        let Some(n) = self.stack.pop() else {
            return NIL;
        };
        let t = self.tree;
        let mut c = if self.reverse {
            t.node(n).left
        } else {
            t.node(n).right
        };
        while c != NIL {
            self.stack.push(c);
            c = if self.reverse {
                t.node(c).right
            } else {
                t.node(c).left
            };
        }
        n
    }
}

impl<'a> Iterator for TreeCursor<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.next_node();
        if n == NIL {
            return None;
        }
        let node = self.tree.node(n);
        Some((self.tree.member_of(node), node.score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use std::collections::{BTreeSet, HashMap, HashSet};

    // --- the model: a BTreeSet in Redis's order plus a member -> score map ---

    /// A score ordered as Redis compares doubles: -0 equals 0. Never NaN.
    #[derive(Clone, Copy, Debug)]
    struct OrderedScore(f64);

    impl PartialEq for OrderedScore {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }
    impl Eq for OrderedScore {}
    impl PartialOrd for OrderedScore {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for OrderedScore {
        fn cmp(&self, other: &Self) -> Ordering {
            self.0.partial_cmp(&other.0).expect("no NaN in the model")
        }
    }

    /// An element with its score's exact bits, so -0 and 0 are told apart.
    type Elem = (Vec<u8>, u64);

    #[derive(Clone, Default)]
    struct Model {
        set: BTreeSet<(OrderedScore, Vec<u8>)>,
        map: HashMap<Vec<u8>, f64>,
    }

    impl Model {
        fn insert(&mut self, member: &[u8], score: f64) -> InsertResult {
            match self.map.get(member).copied() {
                Some(old) if old == score => InsertResult::Unchanged,
                Some(old) => {
                    self.set.remove(&(OrderedScore(old), member.to_vec()));
                    self.set.insert((OrderedScore(score), member.to_vec()));
                    self.map.insert(member.to_vec(), score);
                    InsertResult::Updated { old }
                }
                None => {
                    self.set.insert((OrderedScore(score), member.to_vec()));
                    self.map.insert(member.to_vec(), score);
                    InsertResult::Added
                }
            }
        }

        fn remove(&mut self, member: &[u8]) -> bool {
            match self.map.remove(member) {
                Some(old) => {
                    self.set.remove(&(OrderedScore(old), member.to_vec()));
                    true
                }
                None => false,
            }
        }

        fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
            self.set.iter().map(|(s, m)| (m.clone(), s.0)).collect()
        }

        fn remove_all(&mut self, elems: &[(Vec<u8>, f64)]) {
            for (m, _) in elems {
                self.remove(m);
            }
        }
    }

    /// A score's bits, with -0 read as 0: a listpack stores -0 as 0 (see `record_head`), a
    /// skiplist keeps it, and the model does not track encodings
    /// (`negative_zero_equals_zero_and_keeps_its_sign` pins the sign per encoding).
    fn zbits(s: f64) -> u64 {
        (if s == 0.0 { 0.0 } else { s }).to_bits()
    }

    fn bits(items: &[(Vec<u8>, f64)]) -> Vec<Elem> {
        items.iter().map(|(m, s)| (m.clone(), zbits(*s))).collect()
    }

    fn collect(range: Range<'_>) -> Vec<Elem> {
        let claimed = range.len();
        let items: Vec<Elem> = range.map(|(m, s)| (m.to_vec(), zbits(s))).collect();
        assert_eq!(claimed, items.len(), "Range::len");
        items
    }

    /// Redis's C code for ZRANGE indexes, written independently of `normalize_rank_range`.
    fn model_rank_window(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
        let llen = len as i128;
        let (mut s, mut e) = (start as i128, end as i128);
        if s < 0 {
            s += llen;
        }
        if e < 0 {
            e += llen;
        }
        if s < 0 {
            s = 0;
        }
        if s > e || s >= llen {
            return None;
        }
        if e >= llen {
            e = llen - 1;
        }
        Some((s as usize, e as usize))
    }

    fn model_by_rank(sorted: &[(Vec<u8>, f64)], start: i64, end: i64, rev: bool) -> Vec<Elem> {
        let mut items = sorted.to_vec();
        if rev {
            items.reverse();
        }
        match model_rank_window(start, end, items.len()) {
            Some((s, e)) => bits(&items[s..=e]),
            None => vec![],
        }
    }

    fn in_score_range(s: f64, min: ScoreBound, max: ScoreBound) -> bool {
        let above = if min.exclusive {
            s > min.value
        } else {
            s >= min.value
        };
        let below = if max.exclusive {
            s < max.value
        } else {
            s <= max.value
        };
        above && below
    }

    fn in_lex_range(m: &[u8], min: LexBound<'_>, max: LexBound<'_>) -> bool {
        let above = match min {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Inclusive(b) => m >= b,
            LexBound::Exclusive(b) => m > b,
        };
        let below = match max {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Inclusive(b) => m <= b,
            LexBound::Exclusive(b) => m < b,
        };
        above && below
    }

    fn model_filtered(
        sorted: &[(Vec<u8>, f64)],
        keep: impl Fn(&[u8], f64) -> bool,
        rev: bool,
        offset: usize,
        limit: Option<usize>,
    ) -> Vec<Elem> {
        let mut items: Vec<(Vec<u8>, f64)> = sorted
            .iter()
            .filter(|(m, s)| keep(m, *s))
            .cloned()
            .collect();
        if rev {
            items.reverse();
        }
        let items: Vec<_> = items
            .into_iter()
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
            .collect();
        bits(&items)
    }

    // --- generators ---

    fn member_pool(rng: &mut SmallRng, n: usize, long_members: bool) -> Vec<Vec<u8>> {
        let mut seen = HashSet::new();
        let mut pool = vec![];
        for i in 0..n {
            let m = match i % 5 {
                0 => format!("m{i}").into_bytes(),
                1 => format!("member:{i:07}").into_bytes(),
                2 => vec![0, 255, i as u8, (i >> 8) as u8, rng.random()],
                3 if long_members => {
                    format!("x{i}-{}", "y".repeat(rng.random_range(0..80))).into_bytes()
                }
                3 => format!("member-name-{i}").into_bytes(),
                _ => format!("{:x}", rng.random::<u32>() % 4096).into_bytes(),
            };
            if seen.insert(m.clone()) {
                pool.push(m);
            }
        }
        if seen.insert(vec![]) {
            pool.push(vec![]);
        }
        pool
    }

    fn gen_score(rng: &mut SmallRng, uniform: bool) -> f64 {
        if uniform {
            return if rng.random_bool(0.5) { 0.0 } else { -0.0 };
        }
        match rng.random_range(0..12) {
            0 => f64::INFINITY,
            1 => f64::NEG_INFINITY,
            2 => -0.0,
            3 => 0.0,
            4..=7 => f64::from(rng.random_range(-5..5)),
            8..=9 => f64::from(rng.random_range(-12..12)) / 4.0,
            _ => rng.random_range(-1e6..1e6),
        }
    }

    fn gen_score_bound(rng: &mut SmallRng) -> ScoreBound {
        ScoreBound {
            value: gen_score(rng, false),
            exclusive: rng.random_bool(0.4),
        }
    }

    /// A lex bound's kind (0 -, 1 +, 2 [, 3 () and bytes.
    fn gen_lex_bound(rng: &mut SmallRng, pool: &[Vec<u8>]) -> (u8, Vec<u8>) {
        let kind = match rng.random_range(0..10) {
            0 => 0,
            1 => 1,
            2..=5 => 2,
            _ => 3,
        };
        let mut bytes = pool[rng.random_range(0..pool.len())].clone();
        if rng.random_bool(0.3) {
            let cut = rng.random_range(0..=bytes.len());
            bytes.truncate(cut);
        }
        (kind, bytes)
    }

    fn lex_bound(spec: &(u8, Vec<u8>)) -> LexBound<'_> {
        match spec.0 {
            0 => LexBound::NegInf,
            1 => LexBound::PosInf,
            2 => LexBound::Inclusive(&spec.1),
            _ => LexBound::Exclusive(&spec.1),
        }
    }

    /// Score bounds around a present score, so a removal takes a few elements, not a third.
    fn narrow_score_bounds(
        rng: &mut SmallRng,
        sorted: &[(Vec<u8>, f64)],
    ) -> (ScoreBound, ScoreBound) {
        let low = match sorted.len() {
            0 => gen_score(rng, false),
            n => sorted[rng.random_range(0..n)].1,
        };
        let width = [0.0, 0.25, 1.0][rng.random_range(0..3)];
        let min = ScoreBound {
            value: low,
            exclusive: rng.random_bool(0.3),
        };
        let max = ScoreBound {
            value: low + width,
            exclusive: rng.random_bool(0.3),
        };
        (min, max)
    }

    /// Lex bounds on present members a few ranks apart.
    fn narrow_lex_bounds(
        rng: &mut SmallRng,
        sorted: &[(Vec<u8>, f64)],
    ) -> ((u8, Vec<u8>), (u8, Vec<u8>)) {
        if sorted.is_empty() {
            return ((0, vec![]), (1, vec![]));
        }
        let lo = rng.random_range(0..sorted.len());
        let hi = (lo + rng.random_range(0..4)).min(sorted.len() - 1);
        let kind = |rng: &mut SmallRng| if rng.random_bool(0.3) { 3 } else { 2 };
        (
            (kind(rng), sorted[lo].0.clone()),
            (kind(rng), sorted[hi].0.clone()),
        )
    }

    fn gen_index(rng: &mut SmallRng, len: usize) -> i64 {
        let len = len as i64;
        match rng.random_range(0..20) {
            0 => i64::MIN,
            1 => i64::MAX,
            _ => rng.random_range(-len - 3..=len + 3),
        }
    }

    fn gen_limit(rng: &mut SmallRng, len: usize) -> (usize, Option<usize>) {
        match rng.random_range(0..6) {
            0 => (0, None),
            1 => redis_limit(rng.random_range(-2..2), rng.random_range(-2..3)),
            _ => {
                let count = rng.random_range(-1..=len as i64 + 2);
                redis_limit(rng.random_range(0..=len as i64 + 2), count)
            }
        }
    }

    // --- the property test driver ---

    #[derive(Clone, Copy)]
    struct Scenario {
        limits: ZsetLimits,
        /// Members up to ~90 bytes, past the default listpack value limit.
        long_members: bool,
        /// Every score is ±0, so lex ranges are well defined and checked against the model.
        uniform: bool,
        ops: usize,
    }

    /// Redis's rule for when a set is a listpack: it starts as one, converts on the add that
    /// would break a limit, and only a set built whole (from_sorted_entries) can be one again.
    fn fits_listpack(sorted: &[(Vec<u8>, f64)], limits: &ZsetLimits) -> bool {
        sorted.len() <= limits.max_listpack_entries
            && sorted
                .iter()
                .all(|(m, _)| m.len() <= limits.max_listpack_value)
    }

    fn run_scenario(seed: u64, sc: Scenario) {
        let mut rng = SmallRng::seed_from_u64(seed);
        let pool = member_pool(&mut rng, 600, sc.long_members);
        let limits = sc.limits;
        let mut z = ZSet::new(&limits);
        let mut model = Model::default();
        let mut expect_listpack = true;
        for step in 0..sc.ops {
            let ctx = format!("seed {seed} step {step}");
            let member = pool[rng.random_range(0..pool.len())].clone();
            match rng.random_range(0..1000) {
                0..=479 => {
                    let score = gen_score(&mut rng, sc.uniform);
                    let adds = !model.map.contains_key(&member);
                    if adds
                        && (model.map.len() + 1 > limits.max_listpack_entries
                            || member.len() > limits.max_listpack_value)
                    {
                        expect_listpack = false;
                    }
                    assert_eq!(
                        z.insert(&member, score, &limits),
                        model.insert(&member, score),
                        "{ctx}"
                    );
                }
                480..=579 => assert_eq!(z.remove(&member), model.remove(&member), "{ctx}"),
                580..=639 => {
                    // ZINCRBY.
                    let incr = gen_score(&mut rng, sc.uniform);
                    let current = model.map.get(&member).copied().unwrap_or(0.0);
                    assert_eq!(zbits(z.score(&member).unwrap_or(0.0)), zbits(current));
                    match add_incr(current, incr) {
                        Ok(new) => {
                            if !model.map.contains_key(&member)
                                && (model.map.len() + 1 > limits.max_listpack_entries
                                    || member.len() > limits.max_listpack_value)
                            {
                                expect_listpack = false;
                            }
                            assert_eq!(z.insert(&member, new, &limits), model.insert(&member, new));
                        }
                        Err(e) => {
                            assert!(current.is_infinite() && incr == -current, "{ctx}");
                            assert_eq!(e.to_string(), "resulting score is not a number (NaN)");
                        }
                    }
                }
                640..=659 => {
                    let count = rng.random_range(0..5);
                    let want: Vec<_> = model.sorted().into_iter().take(count).collect();
                    assert_eq!(bits(&z.pop_min(count)), bits(&want), "{ctx} pop_min");
                    model.remove_all(&want);
                }
                660..=679 => {
                    let count = rng.random_range(0..5);
                    let want: Vec<_> = model.sorted().into_iter().rev().take(count).collect();
                    assert_eq!(bits(&z.pop_max(count)), bits(&want), "{ctx} pop_max");
                    model.remove_all(&want);
                }
                680..=719 => {
                    let sorted = model.sorted();
                    let (start, end) = if rng.random_bool(0.8) {
                        let len = sorted.len() as i64;
                        let start = rng.random_range(-len - 2..=len + 2);
                        (start, start + rng.random_range(0..4))
                    } else {
                        (
                            gen_index(&mut rng, sorted.len()),
                            gen_index(&mut rng, sorted.len()),
                        )
                    };
                    let want: Vec<_> = match model_rank_window(start, end, sorted.len()) {
                        Some((s, e)) => sorted[s..=e].to_vec(),
                        None => vec![],
                    };
                    assert_eq!(
                        z.remove_range_by_rank(start, end),
                        want.len(),
                        "{ctx} zremrangebyrank {start} {end}"
                    );
                    model.remove_all(&want);
                }
                720..=759 => {
                    let (min, max) = if rng.random_bool(0.8) {
                        narrow_score_bounds(&mut rng, &model.sorted())
                    } else {
                        (gen_score_bound(&mut rng), gen_score_bound(&mut rng))
                    };
                    let want: Vec<_> = model
                        .sorted()
                        .into_iter()
                        .filter(|(_, s)| in_score_range(*s, min, max))
                        .collect();
                    assert_eq!(
                        z.remove_range_by_score(min, max),
                        want.len(),
                        "{ctx} zremrangebyscore"
                    );
                    model.remove_all(&want);
                }
                760..=799 => {
                    let (a, b) = if rng.random_bool(0.8) {
                        narrow_lex_bounds(&mut rng, &model.sorted())
                    } else {
                        (
                            gen_lex_bound(&mut rng, &pool),
                            gen_lex_bound(&mut rng, &pool),
                        )
                    };
                    let (min, max) = (lex_bound(&a), lex_bound(&b));
                    if sc.uniform {
                        let want: Vec<_> = model
                            .sorted()
                            .into_iter()
                            .filter(|(m, _)| in_lex_range(m, min, max))
                            .collect();
                        assert_eq!(
                            z.remove_range_by_lex(min, max),
                            want.len(),
                            "{ctx} zremrangebylex"
                        );
                        model.remove_all(&want);
                    } else {
                        // Unspecified order: only self-consistency, on a copy.
                        let mut copy = z.clone();
                        let listed = collect(copy.range_by_lex(min, max, false, 0, None));
                        let counted = copy.count_in_lex_range(min, max);
                        assert_eq!(listed.len(), counted, "{ctx}");
                        assert_eq!(copy.remove_range_by_lex(min, max), counted, "{ctx}");
                        assert_eq!(copy.len(), z.len() - counted, "{ctx}");
                        copy.check_invariants();
                    }
                }
                800..=824 => {
                    // Rebuilt whole, as ZUNIONSTORE / ZRANGESTORE / RDB loading do.
                    let sorted = model.sorted();
                    z = ZSet::from_sorted_entries(&sorted, &limits);
                    expect_listpack = fits_listpack(&sorted, &limits);
                }
                825..=849 => {
                    // A snapshot shares the value; the write clones it and the snapshot keeps
                    // its view.
                    let snapshot = z.clone();
                    let before = model.sorted();
                    let score = gen_score(&mut rng, sc.uniform);
                    if !model.map.contains_key(&member)
                        && (model.map.len() + 1 > limits.max_listpack_entries
                            || member.len() > limits.max_listpack_value)
                    {
                        expect_listpack = false;
                    }
                    z.insert(&member, score, &limits);
                    model.insert(&member, score);
                    z.remove(&pool[0]);
                    model.remove(&pool[0]);
                    snapshot.check_invariants();
                    assert_eq!(collect(snapshot.iter()), bits(&before), "{ctx} snapshot");
                }
                850..=851 => {
                    // The key is deleted when empty; a new one starts as a listpack.
                    let all = z.pop_min(usize::MAX);
                    assert_eq!(bits(&all), bits(&model.sorted()), "{ctx}");
                    model = Model::default();
                    z = ZSet::new(&limits);
                    expect_listpack = true;
                }
                _ => {
                    // Re-add present members with a new score (updates never convert).
                    let present: Vec<Vec<u8>> = model.map.keys().take(3).cloned().collect();
                    for m in present {
                        let score = gen_score(&mut rng, sc.uniform);
                        assert_eq!(
                            z.insert(&m, score, &limits),
                            model.insert(&m, score),
                            "{ctx}"
                        );
                    }
                }
            }
            z.check_invariants();
            let sorted = model.sorted();
            assert_eq!(collect(z.iter()), bits(&sorted), "{ctx} contents");
            assert_eq!(z.len(), sorted.len(), "{ctx}");
            let want_encoding = if expect_listpack {
                "listpack"
            } else {
                "skiplist"
            };
            assert_eq!(z.encoding_name(), want_encoding, "{ctx} encoding");
            check_queries(&z, &model, &sorted, &pool, &mut rng, sc.uniform, &ctx);
        }
    }

    fn check_queries(
        z: &ZSet,
        model: &Model,
        sorted: &[(Vec<u8>, f64)],
        pool: &[Vec<u8>],
        rng: &mut SmallRng,
        uniform: bool,
        ctx: &str,
    ) {
        let len = sorted.len();
        for _ in 0..3 {
            let m = &pool[rng.random_range(0..pool.len())];
            let pos = sorted.iter().position(|(x, _)| x == m);
            assert_eq!(
                z.score(m).map(zbits),
                model.map.get(m).map(|s| zbits(*s)),
                "{ctx}"
            );
            assert_eq!(z.rank(m, false), pos, "{ctx} zrank");
            assert_eq!(z.rank(m, true), pos.map(|p| len - 1 - p), "{ctx} zrevrank");
        }
        let r = rng.random_range(0..len + 2);
        assert_eq!(
            z.get_by_rank(r).map(|(m, s)| (m.to_vec(), zbits(s))),
            sorted.get(r).map(|(m, s)| (m.clone(), zbits(*s))),
            "{ctx}"
        );
        for rev in [false, true] {
            let (start, end) = (gen_index(rng, len), gen_index(rng, len));
            assert_eq!(
                collect(z.range_by_rank(start, end, rev)),
                model_by_rank(sorted, start, end, rev),
                "{ctx} zrange {start} {end} rev={rev}"
            );
            let (min, max) = (gen_score_bound(rng), gen_score_bound(rng));
            let (offset, limit) = gen_limit(rng, len);
            assert_eq!(
                collect(z.range_by_score(min, max, rev, offset, limit)),
                model_filtered(
                    sorted,
                    |_, s| in_score_range(s, min, max),
                    rev,
                    offset,
                    limit
                ),
                "{ctx} zrangebyscore {min:?} {max:?} rev={rev} limit {offset} {limit:?}"
            );
            assert_eq!(
                z.count_in_score_range(min, max),
                sorted
                    .iter()
                    .filter(|(_, s)| in_score_range(*s, min, max))
                    .count(),
                "{ctx} zcount"
            );
            let (a, b) = (gen_lex_bound(rng, pool), gen_lex_bound(rng, pool));
            let (lmin, lmax) = (lex_bound(&a), lex_bound(&b));
            let (offset, limit) = gen_limit(rng, len);
            let got = collect(z.range_by_lex(lmin, lmax, rev, offset, limit));
            let counted = z.count_in_lex_range(lmin, lmax);
            if uniform {
                assert_eq!(
                    got,
                    model_filtered(
                        sorted,
                        |m, _| in_lex_range(m, lmin, lmax),
                        rev,
                        offset,
                        limit
                    ),
                    "{ctx} zrangebylex {lmin:?} {lmax:?} rev={rev} limit {offset} {limit:?}"
                );
                assert_eq!(
                    counted,
                    sorted
                        .iter()
                        .filter(|(m, _)| in_lex_range(m, lmin, lmax))
                        .count(),
                    "{ctx} zlexcount"
                );
            } else {
                assert!(counted <= len && got.len() <= counted, "{ctx}");
                assert_eq!(
                    collect(z.range_by_lex(lmin, lmax, rev, 0, None)).len(),
                    counted,
                    "{ctx}"
                );
            }
        }
    }

    const SEEDS: [u64; 5] = [1, 2, 3, 0xdead_beef, 20_240_601];

    fn run_all(sc: Scenario) {
        for seed in SEEDS {
            run_scenario(seed, sc);
        }
    }

    #[test]
    fn model_short_members_convert_by_count() {
        run_all(Scenario {
            limits: ZsetLimits::new(64, 64),
            long_members: false,
            uniform: false,
            ops: 5000,
        });
    }

    #[test]
    fn model_default_limits_long_members_convert_by_value_size() {
        run_all(Scenario {
            limits: ZsetLimits::default(),
            long_members: true,
            uniform: false,
            ops: 5000,
        });
    }

    #[test]
    fn model_tiny_limits_convert_often() {
        run_all(Scenario {
            limits: ZsetLimits::new(4, 8),
            long_members: true,
            uniform: false,
            ops: 5000,
        });
    }

    #[test]
    fn model_zero_entries_is_always_skiplist() {
        run_all(Scenario {
            limits: ZsetLimits::new(0, 0),
            long_members: true,
            uniform: false,
            ops: 3000,
        });
    }

    #[test]
    fn model_huge_limits_stay_listpack() {
        run_all(Scenario {
            limits: ZsetLimits::new(1 << 20, 1 << 20),
            long_members: true,
            uniform: false,
            ops: 3000,
        });
    }

    #[test]
    fn model_equal_scores_lex_ranges() {
        for limits in [
            ZsetLimits::default(),
            ZsetLimits::new(4, 8),
            ZsetLimits::new(0, 0),
        ] {
            run_all(Scenario {
                limits,
                long_members: true,
                uniform: true,
                ops: 3000,
            });
        }
    }

    // --- pinned Redis behaviours ---

    #[test]
    fn listpack_converts_on_the_129th_member_and_on_a_65_byte_member() {
        let limits = ZsetLimits::default();
        let mut z = ZSet::new(&limits);
        for i in 0..128 {
            z.insert(format!("m{i}").as_bytes(), f64::from(i), &limits);
        }
        assert_eq!(z.encoding_name(), "listpack");
        // Updating never converts.
        assert_eq!(
            z.insert(b"m5", 1000.0, &limits),
            InsertResult::Updated { old: 5.0 }
        );
        assert_eq!(z.encoding_name(), "listpack");
        z.insert(b"m128", 128.0, &limits);
        assert_eq!(z.encoding_name(), "skiplist");
        // Removing never converts back.
        z.remove_range_by_rank(0, -2);
        assert_eq!((z.len(), z.encoding_name()), (1, "skiplist"));

        let mut z = ZSet::new(&limits);
        z.insert(&[b'a'; 64], 1.0, &limits);
        assert_eq!(z.encoding_name(), "listpack");
        z.insert(&[b'b'; 65], 1.0, &limits);
        assert_eq!(z.encoding_name(), "skiplist");
        z.check_invariants();
    }

    #[test]
    fn creation_hints_follow_redis_70_zadd_and_zrangestore() {
        let limits = ZsetLimits::default();
        assert_eq!(ZSet::with_hints(1, 3, &limits).encoding_name(), "listpack");
        assert_eq!(ZSet::with_hints(1, 65, &limits).encoding_name(), "skiplist");
        assert_eq!(
            ZSet::with_hints(129, 0, &limits).encoding_name(),
            "skiplist"
        );
        assert_eq!(
            ZSet::with_hints(1, 0, &ZsetLimits::new(0, 64)).encoding_name(),
            "skiplist"
        );
        // A huge hint does not reserve a huge arena.
        assert!(ZSet::with_hints(usize::MAX, 0, &limits).memory_bytes() < 4 << 20);

        let entries: Vec<(Vec<u8>, f64)> = (0..128)
            .map(|i| (format!("{i:04}").into_bytes(), 1.0))
            .collect();
        assert_eq!(
            ZSet::from_sorted_entries(&entries, &limits).encoding_name(),
            "listpack"
        );
        let entries: Vec<(Vec<u8>, f64)> = (0..129)
            .map(|i| (format!("{i:04}").into_bytes(), 1.0))
            .collect();
        let z = ZSet::from_sorted_entries(&entries, &limits);
        assert_eq!(z.encoding_name(), "skiplist");
        z.check_invariants();
    }

    #[test]
    fn from_sorted_entries_accepts_unsorted_and_repeated_input() {
        let limits = ZsetLimits::new(4, 64);
        for n in [3usize, 50] {
            let mut entries: Vec<(Vec<u8>, f64)> = (0..n)
                .map(|i| (format!("k{i}").into_bytes(), f64::from((i * 7 % 5) as u32)))
                .collect();
            entries.reverse();
            entries.push((b"k0".to_vec(), -1.0)); // a repeat: the later entry wins
            entries.push((b"nan".to_vec(), f64::NAN)); // skipped
            let z = ZSet::from_sorted_entries(&entries, &limits);
            z.check_invariants();
            assert_eq!(z.len(), n);
            assert_eq!(z.score(b"k0"), Some(-1.0));
            assert_eq!(z.rank(b"k0", false), Some(0));
            assert_eq!(z.score(b"nan"), None);
            // Sorted but with a member twice under two scores.
            let dup = vec![(b"a".to_vec(), 1.0), (b"a".to_vec(), 2.0)];
            let z = ZSet::from_sorted_entries(&dup, &ZsetLimits::new(n as u64, 64));
            assert_eq!((z.len(), z.score(b"a")), (1, Some(2.0)));
            let z = ZSet::from_sorted_entries(&dup, &ZsetLimits::new(0, 64));
            assert_eq!((z.len(), z.score(b"a")), (1, Some(2.0)));
            z.check_invariants();
        }
    }

    #[test]
    fn negative_zero_equals_zero_and_keeps_its_sign() {
        // Redis 7.0: a listpack stores -0 as the integer 0; a skiplist keeps the double -0.
        for (limits, kept) in [
            (ZsetLimits::default(), 0.0f64),
            (ZsetLimits::new(0, 0), -0.0),
        ] {
            let mut z = ZSet::new(&limits);
            z.insert(b"b", -0.0, &limits);
            z.insert(b"a", 0.0, &limits);
            z.insert(b"c", 0.0, &limits);
            // Ties by member across -0 and 0, as Redis compares doubles.
            let order: Vec<&[u8]> = z.iter().map(|(m, _)| m).collect();
            assert_eq!(order, vec![&b"a"[..], b"b", b"c"]);
            // ZADD of an equal score is no update: what was stored stays.
            assert_eq!(z.insert(b"b", 0.0, &limits), InsertResult::Unchanged);
            assert_eq!(z.score(b"b").map(f64::to_bits), Some(kept.to_bits()));
            let zero = ScoreBound::inclusive(0.0);
            assert_eq!(z.count_in_score_range(zero, zero), 3);
            let neg = ScoreBound::inclusive(-0.0);
            assert_eq!(z.count_in_score_range(neg, neg), 3);
        }
    }

    #[test]
    fn limit_semantics_match_redis() {
        let limits = ZsetLimits::new(0, 0);
        let mut z = ZSet::new(&limits);
        for i in 0..10 {
            z.insert(format!("{i}").as_bytes(), f64::from(i), &limits);
        }
        let all = (
            ScoreBound::inclusive(f64::NEG_INFINITY),
            ScoreBound::inclusive(f64::INFINITY),
        );
        let run = |offset: i64, count: i64, rev: bool| -> Vec<f64> {
            let (o, l) = redis_limit(offset, count);
            z.range_by_score(all.0, all.1, rev, o, l)
                .map(|(_, s)| s)
                .collect()
        };
        assert_eq!(
            run(-1, 5, false),
            Vec::<f64>::new(),
            "negative offset: nothing"
        );
        assert_eq!(run(10, 5, false), Vec::<f64>::new());
        assert_eq!(
            run(8, -1, false),
            vec![8.0, 9.0],
            "negative count: no limit"
        );
        assert_eq!(run(1, 2, true), vec![8.0, 7.0]);
        assert_eq!(run(0, 0, false), Vec::<f64>::new());
        assert_eq!(
            z.range_by_rank(-3, -1, true)
                .map(|(_, s)| s)
                .collect::<Vec<_>>(),
            vec![2.0, 1.0, 0.0]
        );
        assert_eq!(z.range_by_rank(5, 2, false).len(), 0);
        assert_eq!(z.range_by_rank(i64::MIN, i64::MAX, false).len(), 10);
    }

    // --- parsing ---

    #[test]
    fn score_bounds_parse_as_zslparserange() {
        let ok = |s: &[u8], v: f64, ex: bool| {
            let b =
                parse_score_bound(s).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(s)));
            assert_eq!(
                (b.value.to_bits(), b.exclusive),
                (v.to_bits(), ex),
                "{:?}",
                String::from_utf8_lossy(s)
            );
        };
        ok(b"1.5", 1.5, false);
        ok(b"(1.5", 1.5, true);
        ok(b"-inf", f64::NEG_INFINITY, false);
        ok(b"+inf", f64::INFINITY, false);
        ok(b"inf", f64::INFINITY, false);
        ok(b"(-Infinity", f64::NEG_INFINITY, true);
        ok(b"", 0.0, false);
        ok(b"(", 0.0, true);
        ok(b" \t1", 1.0, false);
        ok(b"( 2", 2.0, true);
        ok(b"1e500", f64::INFINITY, false);
        ok(b"-1e500", f64::NEG_INFINITY, false);
        ok(b"1e-400", 0.0, false);
        ok(b"0x10", 16.0, false);
        ok(b"-0x1.8p1", -3.0, false);
        ok(b"0X.8", 0.5, false);
        ok(b"1.5\0garbage", 1.5, false);
        ok(b"-0", -0.0, false);
        ok(b".5", 0.5, false);
        ok(b"5.", 5.0, false);
        for bad in [
            &b"abc"[..],
            b"1 ",
            b" ",
            b"((1",
            b"nan",
            b"(nan",
            b"-nan",
            b"1e",
            b"0x",
            b"0x1p",
            b"0xg",
            b"[1",
            b"1,5",
            b"\xff",
            b"inf inity",
        ] {
            assert_eq!(
                parse_score_bound(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn scores_parse_as_string2d() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"+INF"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"0x1p3"), Some(8.0));
        assert_eq!(parse_score(b"4.9e-324"), Some(5e-324));
        assert_eq!(
            parse_score(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(parse_score(b"0e-999"), Some(0.0));
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"1\0",
            b"1e400",
            b"-1e400",
            b"1e-400",
            b"0x1p-1080",
            b"0x1p1024",
            b"nan",
            b"abc",
        ] {
            assert_eq!(parse_score(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn hex_floats_round_to_nearest_even() {
        let hex = |s: &str| parse_score(s.as_bytes()).unwrap();
        assert_eq!(hex("0x1.fffffffffffff8p0"), 2.0); // a tie rounds to even (up)
        assert_eq!(
            hex("0x1.fffffffffffff7p0"),
            f64::from_bits(0x3fff_ffff_ffff_ffff)
        );
        assert_eq!(hex("0x1.00000000000008p0"), 1.0); // a tie rounds to even (down)
        assert_eq!(hex("0x1.000000000000080000000001p0"), 1.0 + f64::EPSILON);
        assert_eq!(hex("0x1p-1074"), f64::from_bits(1));
        assert_eq!(hex("0x1.8p-1074"), f64::from_bits(2));
        assert_eq!(hex("0x1p-1022"), f64::MIN_POSITIVE);
        assert_eq!(hex("0x1.fffffffffffffp1023"), f64::MAX);
        assert_eq!(hex("0x0000000000000000000001p4"), 16.0);
        assert_eq!(parse_score_bound(b"0x1p-1075").map(|b| b.value), Some(0.0));
        assert_eq!(
            parse_score_bound(b"0x1.1p-1075").map(|b| b.value),
            Some(f64::from_bits(1))
        );
    }

    #[test]
    fn lex_bounds_parse_as_zslparselexrangeitem() {
        assert_eq!(parse_lex_bound(b"-"), Some(LexBound::NegInf));
        assert_eq!(parse_lex_bound(b"+"), Some(LexBound::PosInf));
        assert_eq!(parse_lex_bound(b"+\0x"), Some(LexBound::PosInf)); // a C-string test
        assert_eq!(parse_lex_bound(b"[a"), Some(LexBound::Inclusive(b"a")));
        assert_eq!(
            parse_lex_bound(b"(a\0b"),
            Some(LexBound::Exclusive(b"a\0b"))
        );
        assert_eq!(parse_lex_bound(b"["), Some(LexBound::Inclusive(b"")));
        for bad in [&b""[..], b"a", b"+a", b"-a", b"--", b"]a"] {
            assert_eq!(
                parse_lex_bound(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn incr_to_nan_is_refused() {
        assert_eq!(add_incr(1.0, 2.5), Ok(3.5));
        assert_eq!(add_incr(f64::INFINITY, 1.0), Ok(f64::INFINITY));
        assert_eq!(add_incr(f64::INFINITY, f64::NEG_INFINITY), Err(NanScore));
        assert_eq!(
            NanScore.to_string(),
            "resulting score is not a number (NaN)"
        );
    }

    #[test]
    fn lex_ranges_on_unequal_scores_never_panic() {
        // Redis leaves this unspecified; we only promise a consistent contiguous run.
        for limits in [ZsetLimits::default(), ZsetLimits::new(0, 0)] {
            let mut z = ZSet::new(&limits);
            for (i, m) in ["d", "a", "c", "b", "e"].iter().enumerate() {
                z.insert(m.as_bytes(), f64::from(i as u32), &limits);
            }
            for (a, b) in [
                (&b"[b"[..], &b"[d"[..]),
                (b"-", b"+"),
                (b"+", b"-"),
                (b"(z", b"[a"),
            ] {
                let (min, max) = (parse_lex_bound(a).unwrap(), parse_lex_bound(b).unwrap());
                let n = z.count_in_lex_range(min, max);
                assert_eq!(z.range_by_lex(min, max, true, 0, None).len(), n);
                let mut copy = z.clone();
                assert_eq!(copy.remove_range_by_lex(min, max), n);
                copy.check_invariants();
            }
        }
    }

    // --- ZSCAN and ZRANDMEMBER ---

    #[test]
    fn scan_returns_every_member_present_throughout_despite_grows_and_shrinks() {
        let limits = ZsetLimits::default();
        for seed in SEEDS {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut z = ZSet::new(&limits);
            let stable: Vec<Vec<u8>> = (0..300)
                .map(|i| format!("stable-{i}").into_bytes())
                .collect();
            for m in &stable {
                z.insert(m, rng.random_range(0.0..100.0), &limits);
            }
            let mut transient: Vec<Vec<u8>> = vec![];
            let mut seen = HashSet::new();
            let mut cursor = 0;
            let mut calls = 0;
            loop {
                cursor = z.scan(cursor, 10, |m, _| {
                    seen.insert(m.to_vec());
                });
                calls += 1;
                if cursor == 0 {
                    break;
                }
                // Churn between calls: the table grows to thousands of buckets, shrinks back,
                // and the arena is rebuilt, while stable members move score.
                let grow = calls % 20 < 10;
                for _ in 0..rng.random_range(0..400) {
                    if grow {
                        let m = format!("t-{}", rng.random::<u32>()).into_bytes();
                        z.insert(&m, 1.0, &limits);
                        transient.push(m);
                    } else if let Some(m) = transient.pop() {
                        z.remove(&m);
                    }
                }
                let m = &stable[rng.random_range(0..stable.len())];
                z.insert(m, rng.random_range(0.0..100.0), &limits);
                z.check_invariants();
                assert!(calls < 100_000, "scan does not terminate");
            }
            for m in &stable {
                assert!(
                    seen.contains(m),
                    "seed {seed}: {:?} missed",
                    String::from_utf8_lossy(m)
                );
            }
        }
    }

    #[test]
    fn listpack_scan_returns_everything_with_cursor_zero() {
        let limits = ZsetLimits::default();
        let mut z = ZSet::new(&limits);
        for i in 0..20 {
            z.insert(format!("{i}").as_bytes(), 1.0, &limits);
        }
        let mut n = 0;
        assert_eq!(z.scan(12345, 1, |_, _| n += 1), 0);
        assert_eq!(n, 20);
    }

    #[test]
    fn random_members_follow_zrandmember_count_rules() {
        let mut rng = SmallRng::seed_from_u64(7);
        for limits in [ZsetLimits::default(), ZsetLimits::new(0, 0)] {
            let mut z = ZSet::new(&limits);
            for i in 0..50 {
                z.insert(format!("m{i:02}").as_bytes(), f64::from(i), &limits);
            }
            let draw = |count: i64, rng: &mut SmallRng| {
                let mut out = vec![];
                z.random_members(count, rng, |m, s| {
                    out.push((m.to_vec(), s));
                    true
                });
                out
            };
            assert!(draw(0, &mut rng).is_empty());
            // Negative: repeats allowed, exactly |count|.
            let picks = draw(-500, &mut rng);
            assert_eq!(picks.len(), 500);
            assert!(picks.iter().all(|(m, s)| z.score(m) == Some(*s)));
            let distinct: HashSet<_> = picks.iter().map(|(m, _)| m.clone()).collect();
            assert!(distinct.len() > 40, "picks cover the set");
            // Positive, below the size: distinct.
            for count in [1, 2, 16, 17, 49] {
                let picks = draw(count, &mut rng);
                let distinct: HashSet<_> = picks.iter().map(|(m, _)| m.clone()).collect();
                assert_eq!(
                    (picks.len(), distinct.len()),
                    (count as usize, count as usize)
                );
            }
            // At least the size: the whole set, highest first (Redis's zuiInitIterator).
            let all: Vec<_> = z
                .range_by_rank(0, -1, true)
                .map(|(m, s)| (m.to_vec(), s))
                .collect();
            assert_eq!(draw(50, &mut rng), all);
            assert_eq!(draw(i64::MAX, &mut rng), all);
            // The emitter can stop a huge negative count.
            let mut n = 0;
            z.random_members(i64::MIN, &mut rng, |_, _| {
                n += 1;
                n < 10
            });
            assert_eq!(n, 10);
            assert!(z.random_member(&mut rng).is_some());
        }
        assert!(
            ZSet::new(&ZsetLimits::default())
                .random_member(&mut rng)
                .is_none()
        );
    }

    // --- memory and the arena ---

    #[test]
    fn big_set_removals_shrink_arena_table_and_spill() {
        let limits = ZsetLimits::default();
        let mut z = ZSet::new(&limits);
        let mut model = Model::default();
        for i in 0..20_000u32 {
            let m = format!("a-rather-long-member-name-{i}").into_bytes();
            let s = f64::from(i % 1000);
            z.insert(&m, s, &limits);
            model.insert(&m, s);
        }
        z.check_invariants();
        let full = z.memory_bytes();
        // Small range removals go node by node; big ones rebuild.
        assert_eq!(z.remove_range_by_rank(100, 199), 100);
        assert_eq!(
            z.remove_range_by_score(ScoreBound::inclusive(500.0), ScoreBound::inclusive(999.0)),
            10_000
        );
        let expected: Vec<_> = model
            .sorted()
            .into_iter()
            .filter(|(_, s)| *s < 500.0)
            .enumerate()
            .filter(|(i, _)| !(100..200).contains(i))
            .map(|(_, e)| e)
            .collect();
        assert_eq!(collect(z.iter()), bits(&expected));
        // One by one down to a few: the arena is rebuilt, the table shrinks, spill compacts.
        for (m, _) in expected.iter().skip(50) {
            assert!(z.remove(m));
        }
        z.check_invariants();
        assert_eq!(z.len(), 50);
        assert!(
            z.memory_bytes() < full / 50,
            "{} vs {}",
            z.memory_bytes(),
            full
        );
        assert_eq!(collect(z.iter()), bits(&expected[..50]));
    }

    fn bytes_per_member(n: u32) -> f64 {
        let limits = ZsetLimits::default();
        let mut z = ZSet::new(&limits);
        for i in 0..n {
            z.insert(format!("member:{i}").as_bytes(), f64::from(i), &limits);
        }
        assert_eq!(z.len(), n as usize);
        z.memory_bytes() as f64 / f64::from(n)
    }

    #[test]
    fn small_members_cost_under_90_bytes_each() {
        let per = bytes_per_member(100_000);
        assert!(per <= 90.0, "{per:.1} bytes per member");
    }

    #[test]
    #[ignore = "1M inserts: run with --ignored to measure"]
    fn one_million_small_members() {
        let per = bytes_per_member(1_000_000);
        eprintln!("1M members: {per:.1} bytes per member");
        assert!(per <= 90.0);
    }

    #[test]
    fn clone_is_a_flat_copy() {
        let limits = ZsetLimits::new(0, 0);
        let mut z = ZSet::new(&limits);
        for i in 0..1000u32 {
            z.insert(
                format!("member-number-{i}").as_bytes(),
                f64::from(i),
                &limits,
            );
        }
        let snapshot = z.clone();
        // A clone holds exactly the live bytes: no per-member allocations to copy.
        assert!(snapshot.memory_bytes() <= z.memory_bytes());
        z.pop_min(500);
        assert_eq!(snapshot.len(), 1000);
        assert_eq!(snapshot.rank(b"member-number-0", false), Some(0));
        snapshot.check_invariants();
        z.check_invariants();
    }
}

//! The keyspace: numbered databases, each split into segments held by reference-counted
//! pointers (design.md, "Snapshots without fork"). A snapshot clones the segment pointers; a
//! write to a segment still shared copies that segment's table of slot pointers first, then the
//! one slot it changes (`segment_mut`, `slot_mut`); values are shared the same way. What a
//! snapshot made writes copy is counted (`cow_bytes`, INFO `rdb_last_cow_size`).
//!
//! This module owns storage, key counts, expiry bookkeeping, SCAN cursors and WATCH marks.
//! It does not know about clients, replies, replication or time: callers pass `now_ms` and
//! decide what an expired key means (a master deletes it, a replica only hides it).

pub mod hash;
mod key;
pub mod list;
pub mod set;
mod value;
pub mod zset;

pub use key::Key;
pub use value::{Value, ValueType, parse_i64_strict};

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Segments per database. A power of two; a snapshot copies at this grain.
pub const SEGMENTS: usize = 256;
const POS_BITS: u32 = 56;
const POS_MASK: u64 = (1 << POS_BITS) - 1;

/// One key's slot: its value, absolute expiry and last access.
#[derive(Clone)]
pub struct Entry {
    pub value: Value,
    /// Absolute unix time in ms at which the key expires; 0 = no expiry. Changed only through
    /// `Db` so the volatile-key counts stay exact.
    expire_at_ms: u64,
    /// Last access, in unix seconds (truncated), for OBJECT IDLETIME.
    pub lru_s: u32,
}

impl Entry {
    pub fn new(value: Value, now_ms: u64) -> Entry {
        Entry {
            value,
            expire_at_ms: 0,
            lru_s: (now_ms / 1000) as u32,
        }
    }

    /// An entry as a snapshot recorded it: value, absolute expiry and last access.
    pub fn restored(value: Value, expire_at_ms: Option<u64>, lru_s: u32) -> Entry {
        Entry {
            value,
            expire_at_ms: expire_at_ms.map_or(0, |t| t.max(1)),
            lru_s,
        }
    }

    /// The absolute expiry in ms, if the key is volatile.
    pub fn expire_at(&self) -> Option<u64> {
        (self.expire_at_ms != 0).then_some(self.expire_at_ms)
    }

    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expire_at_ms != 0 && self.expire_at_ms <= now_ms
    }
}

/// Bytes one key costs in the keyspace besides its heap-held key and value bytes: its slot
/// allocation and (about) one table bucket pointer and control byte.
pub const SLOT_BYTES: usize = std::mem::size_of::<Slot>() + 8 + std::mem::size_of::<SlotPtr>() + 1;

/// A key and its entry, as stored in a segment's table.
#[derive(Clone)]
struct Slot {
    key: Key,
    entry: Entry,
}

/// Hash tables keyed by a precomputed hash, so each operation hashes its key once (the same
/// hash also picks the segment and orders SCAN). Slots live in allocations of their own: the
/// table then holds 8 bytes per bucket, so its load factor (7/16 to 7/8 in an open-addressing
/// table) costs little, and each key costs one 64-byte allocation (56-byte slot and its
/// reference count) plus ~9-18 bytes of table.
type SegmentMap = HashTable<SlotPtr>;

/// A slot behind its own reference count: copying a segment for a snapshot copies pointers,
/// and a write then copies only the one slot it changes, not the whole segment's slots (that
/// made a BGSAVE under random writes copy every slot: 2x Redis's fork cost, bench/persistence).
type SlotPtr = triomphe::Arc<Slot>;

#[derive(Clone, Default)]
struct Segment {
    map: SegmentMap,
    /// Keys in this segment that carry an expiry.
    volatile: usize,
}

/// Bytes copied because a write touched a segment a snapshot still shared (INFO
/// `rdb_last_cow_size`): the price of a fork-less snapshot, counted where it is paid.
static COW_BYTES: AtomicU64 = AtomicU64::new(0);

/// Total bytes copied on write since the process started; a save reports the difference.
pub fn cow_bytes() -> u64 {
    COW_BYTES.load(Ordering::Relaxed)
}

/// Write access to a segment, copying it first when a snapshot shares it.
#[inline]
fn segment_mut(seg: &mut Arc<Segment>) -> &mut Segment {
    if Arc::strong_count(seg) > 1 {
        let bytes = seg.map.capacity() * (std::mem::size_of::<SlotPtr>() + 1);
        COW_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
    }
    Arc::make_mut(seg)
}

/// Write access to a slot, copying it first when a snapshot shares it.
#[inline]
fn slot_mut(slot: &mut SlotPtr) -> &mut Slot {
    if !slot.is_unique() {
        COW_BYTES.fetch_add(std::mem::size_of::<Slot>() as u64 + 8, Ordering::Relaxed);
    }
    SlotPtr::make_mut(slot)
}

/// A point-in-time view of one database: its segment pointers, cloned. Writes made after it was
/// taken copy the segments they touch, so the view never changes.
#[derive(Clone)]
pub struct DbSnapshot {
    segments: Vec<Arc<Segment>>,
    len: usize,
    volatile: usize,
}

impl DbSnapshot {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    /// The segments one by one, so a save can release each as soon as it is written: writes to
    /// a released segment no longer copy anything.
    pub fn into_segments(self) -> impl Iterator<Item = SegmentSnapshot> {
        self.segments.into_iter().map(SegmentSnapshot)
    }
}

/// One segment of a snapshot.
pub struct SegmentSnapshot(Arc<Segment>);

impl SegmentSnapshot {
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.0.map.iter().map(|slot| (&slot.key, &slot.entry))
    }
}

/// A WATCH registration: the flag is raised when the key is modified.
pub type WatchFlag = Arc<AtomicBool>;

/// One numbered database.
pub struct Db {
    segments: Vec<Arc<Segment>>,
    hasher: FixedState,
    len: usize,
    volatile: usize,
    /// Keys some client WATCHes, with the flags to raise on modification.
    watched: std::collections::HashMap<Key, Vec<WatchFlag>>,
    /// Where the active expiry cycle resumes.
    expire_cursor: usize,
}

/// What one step of the active expiry cycle did.
#[derive(Default)]
pub struct ExpireStep {
    pub expired: Vec<Key>,
    pub segments_visited: usize,
    /// True when the cursor wrapped around: the whole database was visited.
    pub wrapped: bool,
}

/// The outcome of a read lookup that also checks expiry.
pub enum ReadLookup<'a> {
    Missing,
    /// Present but logically expired: the caller decides (delete on a master, hide on a replica).
    Expired,
    Live(&'a Entry),
}

impl Db {
    pub fn new(hasher: FixedState) -> Db {
        let empty = Arc::new(Segment::default());
        Db {
            segments: (0..SEGMENTS).map(|_| Arc::clone(&empty)).collect(),
            hasher,
            len: 0,
            volatile: 0,
            watched: Default::default(),
            expire_cursor: 0,
        }
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn segment_index(hash: u64) -> usize {
        ((hash >> 32) as usize) & (SEGMENTS - 1)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keys with an expiry.
    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    /// The entry, expired or not.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        let h = self.hash(key);
        self.segments[Self::segment_index(h)]
            .map
            .find(h, |s| s.key.as_bytes() == key)
            .map(|s| &s.entry)
    }

    /// One-hash read: finds the key, reports it expired, or returns it after recording the
    /// access for OBJECT IDLETIME. The access time is not updated while the segment is shared
    /// with a snapshot (as Redis skips LRU updates while a fork child runs), so reads never copy.
    #[inline]
    pub fn lookup_read(&mut self, key: &[u8], now_ms: u64) -> ReadLookup<'_> {
        let h = self.hash(key);
        let seg = &mut self.segments[Self::segment_index(h)];
        let eq = |s: &SlotPtr| s.key.as_bytes() == key;
        let found: Option<&Slot> = if Arc::get_mut(seg).is_some() {
            let owned = Arc::get_mut(seg).expect("segment checked unshared just above");
            owned.map.find_mut(h, eq).map(|s| {
                if let Some(unshared) = SlotPtr::get_mut(s)
                    && !unshared.entry.is_expired(now_ms)
                {
                    unshared.entry.lru_s = (now_ms / 1000) as u32;
                }
                &**s
            })
        } else {
            seg.map.find(h, eq).map(|b| &**b)
        };
        match found {
            None => ReadLookup::Missing,
            Some(s) if s.entry.is_expired(now_ms) => ReadLookup::Expired,
            Some(s) => ReadLookup::Live(&s.entry),
        }
    }

    /// Records an access for OBJECT IDLETIME (skipped on a segment shared with a snapshot).
    #[inline]
    pub fn touch_lru(&mut self, key: &[u8], now_ms: u64) {
        let _ = self.lookup_read(key, now_ms);
    }

    /// Mutable access to a value, recording the access (copying its segment first if a
    /// snapshot shares it).
    pub fn get_value_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Value> {
        let h = self.hash(key);
        let seg = &mut self.segments[Self::segment_index(h)];
        let eq = |s: &SlotPtr| s.key.as_bytes() == key;
        if Arc::get_mut(seg).is_none() {
            seg.map.find(h, eq)?;
        }
        segment_mut(seg).map.find_mut(h, eq).map(|s| {
            let s = slot_mut(s);
            s.entry.lru_s = (now_ms / 1000) as u32;
            &mut s.entry.value
        })
    }

    /// Inserts or replaces a key. `keep_ttl` keeps an existing, unexpired key's expiry; otherwise
    /// the key has none. Returns the old entry (which may be logically expired: callers that
    /// must account for that check `Entry::is_expired`).
    pub fn insert(
        &mut self,
        key: &[u8],
        value: Value,
        keep_ttl: bool,
        now_ms: u64,
    ) -> Option<Entry> {
        let h = self.hash(key);
        let hasher = self.hasher;
        let seg = segment_mut(&mut self.segments[Self::segment_index(h)]);
        let mut entry = Entry::new(value, now_ms);
        match seg.map.entry(
            h,
            |s| s.key.as_bytes() == key,
            |s| hasher.hash_one(s.key.as_bytes()),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut o) => {
                let slot = &mut slot_mut(o.get_mut()).entry;
                if keep_ttl && !slot.is_expired(now_ms) {
                    entry.expire_at_ms = slot.expire_at_ms;
                } else if slot.expire_at_ms != 0 {
                    seg.volatile -= 1;
                    self.volatile -= 1;
                }
                Some(std::mem::replace(slot, entry))
            }
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(SlotPtr::new(Slot {
                    key: Key::new(key),
                    entry,
                }));
                self.len += 1;
                None
            }
        }
    }

    /// Adds a key that must not exist yet (loading a snapshot): one hash, one probe. Returns
    /// false, changing nothing, if the key is already present.
    pub fn insert_new(&mut self, key: &[u8], entry: Entry) -> bool {
        let h = self.hash(key);
        let hasher = self.hasher;
        let seg = segment_mut(&mut self.segments[Self::segment_index(h)]);
        match seg.map.entry(
            h,
            |s| s.key.as_bytes() == key,
            |s| hasher.hash_one(s.key.as_bytes()),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(v) => {
                if entry.expire_at_ms != 0 {
                    seg.volatile += 1;
                    self.volatile += 1;
                }
                v.insert(SlotPtr::new(Slot {
                    key: Key::new(key),
                    entry,
                }));
                self.len += 1;
                true
            }
        }
    }

    /// Makes room for `additional` more keys spread over the segments (RDB's RESIZEDB hint),
    /// so loading does not rehash as it goes.
    pub fn reserve(&mut self, additional: usize) {
        let per_segment = additional.div_ceil(SEGMENTS);
        let hasher = self.hasher;
        for seg in &mut self.segments {
            segment_mut(seg)
                .map
                .reserve(per_segment, |s| hasher.hash_one(s.key.as_bytes()));
        }
    }

    /// Inserts a whole entry (value, expiry, access time), replacing any existing one.
    pub fn insert_entry(&mut self, key: &[u8], entry: Entry) -> Option<Entry> {
        let expire = entry.expire_at_ms;
        let lru = entry.lru_s;
        let old = self.insert(key, entry.value, false, 0);
        let h = self.hash(key);
        let seg = segment_mut(&mut self.segments[Self::segment_index(h)]);
        if let Some(s) = seg.map.find_mut(h, |s| s.key.as_bytes() == key) {
            let s = slot_mut(s);
            s.entry.lru_s = lru;
            s.entry.expire_at_ms = expire;
            if expire != 0 {
                seg.volatile += 1;
                self.volatile += 1;
            }
        }
        old
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let h = self.hash(key);
        let seg = &mut self.segments[Self::segment_index(h)];
        let eq = |s: &SlotPtr| s.key.as_bytes() == key;
        seg.map.find(h, eq)?;
        let seg = segment_mut(seg);
        let (ptr, _) = seg.map.find_entry(h, eq).ok()?.remove();
        // A slot a snapshot still shares stays with the snapshot; we take a copy of its entry.
        let slot = SlotPtr::try_unwrap(ptr).unwrap_or_else(|shared| (*shared).clone());
        if slot.entry.expire_at_ms != 0 {
            seg.volatile -= 1;
            self.volatile -= 1;
        }
        self.len -= 1;
        Some(slot.entry)
    }

    /// Sets (Some) or clears (None) a key's expiry. Returns false if the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], at_ms: Option<u64>) -> bool {
        let h = self.hash(key);
        let seg = &mut self.segments[Self::segment_index(h)];
        let eq = |s: &SlotPtr| s.key.as_bytes() == key;
        if seg.map.find(h, eq).is_none() {
            return false;
        }
        let seg = segment_mut(seg);
        let Some(s) = seg.map.find_mut(h, eq) else {
            return false;
        };
        let e = &mut slot_mut(s).entry;
        let new = at_ms.map_or(0, |t| t.max(1));
        match (e.expire_at_ms != 0, new != 0) {
            (false, true) => {
                seg.volatile += 1;
                self.volatile += 1;
            }
            (true, false) => {
                seg.volatile -= 1;
                self.volatile -= 1;
            }
            _ => {}
        }
        e.expire_at_ms = new;
        true
    }

    /// Removes every key. Returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.len;
        let empty = Arc::new(Segment::default());
        for s in &mut self.segments {
            *s = Arc::clone(&empty);
        }
        self.len = 0;
        self.volatile = 0;
        self.expire_cursor = 0;
        n
    }

    /// Swaps the data (not the WATCH registrations) of two databases, as SWAPDB does.
    /// The point-in-time view a save serializes (cheap: one pointer clone per segment).
    pub fn snapshot(&self) -> DbSnapshot {
        DbSnapshot {
            segments: self.segments.clone(),
            len: self.len,
            volatile: self.volatile,
        }
    }

    /// The hasher seed, so a database loaded elsewhere can be built compatible with this one.
    pub fn hasher(&self) -> FixedState {
        self.hasher
    }

    pub fn swap_data(&mut self, other: &mut Db) {
        std::mem::swap(&mut self.segments, &mut other.segments);
        std::mem::swap(&mut self.len, &mut other.len);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        std::mem::swap(&mut self.expire_cursor, &mut other.expire_cursor);
    }

    /// Every (key, entry), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.segments
            .iter()
            .flat_map(|s| s.map.iter().map(|slot| (&slot.key, &slot.entry)))
    }

    /// One SCAN step. The cursor is (segment << 56 | position threshold); inside a segment keys
    /// are visited in order of their hash position, so a key present for the whole scan is
    /// returned exactly once whatever is inserted or removed meanwhile. Calls `emit` for each key
    /// visited and returns the next cursor (0 when done). Visits at least `count` keys (fewer
    /// only at the end) and all keys sharing the last position.
    pub fn scan(&self, cursor: u64, count: usize, mut emit: impl FnMut(&Key, &Entry)) -> u64 {
        let mut seg = (cursor >> POS_BITS) as usize;
        let mut threshold = cursor & POS_MASK;
        let mut visited = 0usize;
        let mut batch: Vec<(u64, &Key, &Entry)> = Vec::new();
        let count = count.max(1);
        while seg < SEGMENTS {
            batch.clear();
            for slot in self.segments[seg].map.iter() {
                let pos = self.hash(slot.key.as_bytes()) & POS_MASK;
                if pos >= threshold {
                    batch.push((pos, &slot.key, &slot.entry));
                }
            }
            let want = count - visited;
            if batch.len() > want {
                batch.sort_unstable_by_key(|b| b.0);
                let last_pos = batch[want - 1].0;
                for (pos, k, e) in batch.iter() {
                    if *pos > last_pos {
                        break;
                    }
                    emit(k, e);
                }
                // Positions are < 2^56, so `last_pos + 1` may carry into the segment bits, which
                // correctly means "the start of the next segment".
                return ((seg as u64) << POS_BITS) + last_pos + 1;
            }
            for (_, k, e) in batch.iter() {
                emit(k, e);
            }
            visited += batch.len();
            seg += 1;
            threshold = 0;
            if visited >= count {
                return if seg < SEGMENTS {
                    (seg as u64) << POS_BITS
                } else {
                    0
                };
            }
        }
        0
    }

    /// A uniformly chosen segment's random key (close enough to uniform for RANDOMKEY).
    pub fn random_key(&self, rng: &mut impl rand::Rng) -> Option<(&Key, &Entry)> {
        if self.len == 0 {
            return None;
        }
        let start = rng.random_range(0..SEGMENTS);
        for i in 0..SEGMENTS {
            let seg = &self.segments[(start + i) % SEGMENTS];
            if !seg.map.is_empty() {
                let n = rng.random_range(0..seg.map.len());
                return seg.map.iter().nth(n).map(|s| (&s.key, &s.entry));
            }
        }
        None
    }

    /// One step of the active expiry cycle: removes the expired keys of up to `max_segments`
    /// segments that hold volatile keys, resuming where the last step stopped.
    pub fn expire_step(&mut self, now_ms: u64, max_segments: usize) -> ExpireStep {
        let mut step = ExpireStep::default();
        if self.volatile == 0 {
            step.wrapped = true;
            return step;
        }
        let mut looked = 0;
        while looked < SEGMENTS && step.segments_visited < max_segments {
            let idx = self.expire_cursor;
            self.expire_cursor = (self.expire_cursor + 1) % SEGMENTS;
            if self.expire_cursor == 0 {
                step.wrapped = true;
            }
            looked += 1;
            if self.segments[idx].volatile == 0 {
                continue;
            }
            step.segments_visited += 1;
            let any = self.segments[idx]
                .map
                .iter()
                .any(|s| s.entry.is_expired(now_ms));
            if !any {
                continue;
            }
            let seg = segment_mut(&mut self.segments[idx]);
            let before = seg.map.len();
            let mut removed_volatile = 0;
            let expired = &mut step.expired;
            seg.map.retain(|s| {
                if s.entry.is_expired(now_ms) {
                    expired.push(s.key.clone());
                    removed_volatile += 1;
                    false
                } else {
                    true
                }
            });
            seg.volatile -= removed_volatile;
            let removed = before - seg.map.len();
            self.volatile -= removed_volatile;
            self.len -= removed;
            if step.wrapped {
                break;
            }
        }
        step
    }

    /// Registers a WATCH on `key`.
    pub fn watch(&mut self, key: &[u8], flag: &WatchFlag) {
        self.watched
            .entry(Key::new(key))
            .or_default()
            .push(Arc::clone(flag));
    }

    /// Removes a WATCH registration.
    pub fn unwatch(&mut self, key: &[u8], flag: &WatchFlag) {
        if let Some(list) = self.watched.get_mut(key) {
            list.retain(|f| !Arc::ptr_eq(f, flag));
            if list.is_empty() {
                self.watched.remove(key);
            }
        }
    }

    /// The keys some client WATCHes in this database.
    pub fn watched_keys(&self) -> Vec<Key> {
        self.watched.keys().cloned().collect()
    }

    /// Marks the watchers of `key` dirty: their EXEC will fail.
    #[inline]
    pub fn signal_modified(&mut self, key: &[u8]) {
        if self.watched.is_empty() {
            return;
        }
        if let Some(list) = self.watched.get(key) {
            for f in list {
                f.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Marks the watchers of every key dirty (FLUSHDB, SWAPDB). With `only_existing`, only keys
    /// that exist now (what Redis does for FLUSH: watching a missing key is not disturbed).
    pub fn signal_all(&mut self, only_existing: bool) {
        for (k, list) in &self.watched {
            if only_existing && self.get(k.as_bytes()).is_none() {
                continue;
            }
            for f in list {
                f.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Approximate heap bytes held by the keyspace structures (for INFO memory breakdowns).
    pub fn overhead_bytes(&self) -> usize {
        self.segments
            .iter()
            .map(|s| {
                s.map.capacity() * (std::mem::size_of::<SlotPtr>() + 1) + s.map.len() * SLOT_BYTES
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        Db::new(FixedState::with_seed(42))
    }

    #[test]
    fn counts_follow_inserts_removes_and_expiry() {
        let mut d = db();
        d.insert(b"a", Value::from_bytes(b"1"), false, 0);
        d.insert(b"b", Value::from_bytes(b"2"), false, 0);
        assert_eq!(d.len(), 2);
        assert!(d.set_expire(b"a", Some(100)));
        assert_eq!(d.volatile_len(), 1);
        d.insert(b"a", Value::from_bytes(b"3"), true, 0);
        assert_eq!(d.get(b"a").unwrap().expire_at(), Some(100));
        d.insert(b"a", Value::from_bytes(b"3"), false, 0);
        assert_eq!(d.volatile_len(), 0);
        d.remove(b"b");
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn scan_returns_each_stable_key_once_despite_churn() {
        let mut d = db();
        for i in 0..5000 {
            d.insert(format!("k{i}").as_bytes(), Value::Int(i), false, 0);
        }
        let mut seen = std::collections::HashMap::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            let mut got = vec![];
            cursor = d.scan(cursor, 10, |k, _| got.push(k.clone()));
            for k in got {
                *seen.entry(k).or_insert(0) += 1;
            }
            // Churn: add and remove other keys while scanning.
            round += 1;
            d.insert(format!("new{round}").as_bytes(), Value::Int(0), false, 0);
            d.remove(format!("new{}", round / 2).as_bytes());
            if cursor == 0 {
                break;
            }
        }
        for i in 0..5000 {
            assert_eq!(
                seen.get(&Key::new(format!("k{i}").as_bytes())),
                Some(&1),
                "k{i}"
            );
        }
    }

    #[test]
    fn expire_step_removes_only_expired() {
        let mut d = db();
        for i in 0..1000 {
            let k = format!("k{i}");
            d.insert(k.as_bytes(), Value::Int(i), false, 0);
            if i % 2 == 0 {
                d.set_expire(k.as_bytes(), Some(10));
            }
        }
        let mut total = 0;
        loop {
            let step = d.expire_step(11, 16);
            total += step.expired.len();
            if step.wrapped {
                break;
            }
        }
        assert_eq!(total, 500);
        assert_eq!(d.len(), 500);
        assert_eq!(d.volatile_len(), 0);
    }

    #[test]
    fn snapshot_sharing_copies_on_write() {
        let mut d = db();
        d.insert(b"x", Value::Int(1), false, 0);
        let snapshot: Vec<_> = d.segments.clone();
        d.insert(b"x", Value::Int(2), false, 0);
        let idx = Db::segment_index(d.hash(b"x"));
        let h = d.hash(b"x");
        let old = snapshot[idx]
            .map
            .find(h, |s| s.key.as_bytes() == b"x")
            .unwrap();
        assert_eq!(old.entry.value.as_int(), Some(1));
        assert_eq!(d.get(b"x").unwrap().value.as_int(), Some(2));
    }
}

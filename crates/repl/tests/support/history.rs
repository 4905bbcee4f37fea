//! The ground truth the simulation checks PSYNC2 against: every replication ID names one
//! history, and a (replid, offset) pair names exactly one dataset. A history is written by the
//! one master that owns the ID; it may fork from a parent history at an offset (a promotion, or
//! a master restarted from its RDB), and below that offset it *is* the parent.
//!
//! A second master writing different data under an ID at an offset already written is the
//! bug class PSYNC2 exists to prevent; `record` reports it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash-style: the keys are random IDs and offsets, and SipHash dominated debug-build runs.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    /// Only the first 16 bytes count: IDs are random hex, so 64 bits of them are plenty (the
    /// map still compares whole keys).
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(2) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

struct History {
    replid: String,
    /// (parent history, fork offset): offsets below `start` belong to the parent.
    parent: Option<usize>,
    start: u64,
    /// Dataset digest after each command boundary, by offset.
    at: FxMap<u64, u64>,
}

#[derive(Default)]
pub struct Histories {
    ids: FxMap<String, usize>,
    list: Vec<History>,
}

impl Histories {
    /// A new ID whose history starts at `start` with dataset `digest`; `parent` is the ID it
    /// continues (its dataset at `start` must be the same one).
    pub fn begin(
        &mut self,
        replid: &str,
        parent: Option<&str>,
        start: u64,
        digest: u64,
    ) -> Result<(), String> {
        if self.ids.contains_key(replid) {
            return Err(format!("replid {replid} began twice"));
        }
        let parent = match parent {
            Some(p) => {
                let at = self.digest_at(p, start);
                if at != Some(digest) {
                    return Err(format!(
                        "{replid} forks from {p} at {start} with digest {digest:x}, but {p} had {at:x?} there"
                    ));
                }
                Some(self.ids[p])
            }
            None => None,
        };
        self.ids.insert(replid.to_string(), self.list.len());
        self.list.push(History {
            replid: replid.to_string(),
            parent,
            start,
            at: FxMap::from_iter([(start, digest)]),
        });
        Ok(())
    }

    /// The master owning `replid` reached `offset` with dataset `digest`.
    pub fn record(&mut self, replid: &str, offset: u64, digest: u64) -> Result<(), String> {
        let &h = self
            .ids
            .get(replid)
            .ok_or_else(|| format!("write under unknown replid {replid}"))?;
        let history = &mut self.list[h];
        if offset < history.start {
            return Err(format!(
                "write under {replid} at {offset}, before its start"
            ));
        }
        match history.at.insert(offset, digest) {
            Some(old) if old != digest => Err(format!(
                "two datasets under one replid: {replid} at {offset} was {old:x}, now {digest:x}"
            )),
            _ => Ok(()),
        }
    }

    /// The dataset `replid`'s history had at `offset`, None when `offset` is not a command
    /// boundary of that history.
    pub fn digest_at(&self, replid: &str, offset: u64) -> Option<u64> {
        let mut h = *self.ids.get(replid)?;
        loop {
            let history = &self.list[h];
            if offset >= history.start {
                return history.at.get(&offset).copied();
            }
            h = history.parent?;
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
}

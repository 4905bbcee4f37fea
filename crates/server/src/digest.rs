//! DEBUG DIGEST and DEBUG DIGEST-VALUE, computed the way Redis 7.0 computes them (SHA1 mixing
//! per key, XOR across keys, so the result does not depend on iteration order), so a Ferrodis
//! replica can be compared with a Redis one directly.

use crate::keyspace::{Db, Entry, Value};
use sha1::{Digest as _, Sha1};

pub type Digest20 = [u8; 20];

/// digest = SHA1(digest ^ SHA1(data)): order-sensitive mixing.
fn mix(digest: &mut Digest20, data: &[u8]) {
    xor(digest, data);
    let h = Sha1::digest(&digest[..]);
    digest.copy_from_slice(&h);
}

/// digest ^= SHA1(data)
fn xor(digest: &mut Digest20, data: &[u8]) {
    let h = Sha1::digest(data);
    for (d, x) in digest.iter_mut().zip(h.iter()) {
        *d ^= x;
    }
}

/// The digest of one value (and the presence of its expiry), as Redis's xorObjectDigest:
/// ordered collections (lists) mix their elements in order; unordered ones (sets, hashes,
/// sorted sets) xor per-element digests, so iteration order never matters.
pub fn value_digest(entry: &Entry) -> Digest20 {
    let mut d = [0u8; 20];
    mix_value(&mut d, entry);
    d
}

fn mix_value(d: &mut Digest20, entry: &Entry) {
    let value = &entry.value;
    mix(d, &value.value_type().code().to_be_bytes());
    let mut buf = itoa::Buffer::new();
    match value {
        Value::List(list) => {
            for e in list.iter() {
                let mut ebuf = itoa::Buffer::new();
                mix(d, e.as_bytes(&mut ebuf));
            }
        }
        Value::Set(set) => {
            for m in set.iter() {
                let mut ebuf = itoa::Buffer::new();
                xor(d, m.as_bytes(&mut ebuf));
            }
        }
        Value::ZSet(z) => {
            for (member, score) in z.iter() {
                let mut e = [0u8; 20];
                mix(&mut e, member);
                mix(&mut e, ferrodis_resp::format_double_g17(score).as_bytes());
                xor(d, &e);
            }
        }
        Value::Hash(h) => {
            for (field, val) in h.iter() {
                let mut e = [0u8; 20];
                mix(&mut e, field);
                mix(&mut e, val);
                xor(d, &e);
            }
        }
        string => mix(d, string.str_bytes(&mut buf)),
    }
    if entry.expire_at().is_some() {
        xor(d, b"!!expire!!");
    }
}

/// The digest of every database (all zeros when the keyspace is empty).
pub fn dataset_digest(dbs: &[Db]) -> Digest20 {
    let mut total = [0u8; 20];
    for (j, db) in dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix(&mut total, &(j as u32).to_be_bytes());
        for (key, entry) in db.iter() {
            let mut d = [0u8; 20];
            mix(&mut d, key.as_bytes());
            mix_value(&mut d, entry);
            xor(&mut total, &d);
        }
    }
    total
}

pub fn hex(d: &Digest20) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

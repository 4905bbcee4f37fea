//! DEBUG DIGEST and DEBUG DIGEST-VALUE, computed the way Redis 7.0 computes them (SHA1 mixing
//! per key, XOR across keys, so the result does not depend on iteration order), so a Ferrodis
//! replica can be compared with a Redis one directly.

use crate::keyspace::{Db, Entry};
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

/// The type codes Redis's RDB and digest use.
fn type_code(entry: &Entry) -> u32 {
    match entry.value.value_type() {
        crate::keyspace::ValueType::String => 0,
    }
}

/// The digest of one value (and the presence of its expiry), as Redis's xorObjectDigest.
pub fn value_digest(entry: &Entry) -> Digest20 {
    let mut d = [0u8; 20];
    mix_value(&mut d, entry);
    d
}

fn mix_value(d: &mut Digest20, entry: &Entry) {
    mix(d, &type_code(entry).to_be_bytes());
    let mut buf = itoa::Buffer::new();
    mix(d, entry.value.str_bytes(&mut buf));
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

//! `Key`: a key name stored inline when short (most keys are), on the heap otherwise.
//! Owns only the byte representation; hashing and equality are those of `[u8]` so maps keyed by
//! `Key` can be queried with a plain `&[u8]`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};

const INLINE_CAP: usize = 22;

/// A key name. 24 bytes; names of up to 22 bytes need no allocation.
#[derive(Clone)]
pub struct Key(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, data: [u8; INLINE_CAP] },
    Heap(Box<[u8]>),
}

const _: () = assert!(std::mem::size_of::<Key>() == 24);

impl Key {
    pub fn new(bytes: &[u8]) -> Key {
        if bytes.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..bytes.len()].copy_from_slice(bytes);
            Key(Repr::Inline {
                len: bytes.len() as u8,
                data,
            })
        } else {
            Key(Repr::Heap(bytes.into()))
        }
    }

    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, data } => &data[..*len as usize],
            Repr::Heap(b) => b,
        }
    }
}

impl From<&[u8]> for Key {
    fn from(b: &[u8]) -> Key {
        Key::new(b)
    }
}

impl Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Key {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Must equal `<[u8] as Hash>::hash` so lookups by `&[u8]` find the key.
        self.as_bytes().hash(state)
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::Key;
    use std::hash::BuildHasher;

    #[test]
    fn inline_and_heap_keys_hash_like_slices() {
        let state = foldhash::fast::FixedState::with_seed(7);
        for s in [
            &b""[..],
            b"k",
            b"0123456789012345678901",
            b"01234567890123456789012345",
        ] {
            let k = Key::new(s);
            assert_eq!(k.as_bytes(), s);
            assert_eq!(state.hash_one(&k), state.hash_one(s));
        }
    }
}

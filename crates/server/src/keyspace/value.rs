//! `Value`: what a key holds. Strings are stored the compact ways Redis uses (integer, short inline,
//! heap); heap values are reference-counted so a snapshot can share them with the live keyspace
//! and a write copies only the value it touches (design.md, "Snapshots without fork").

use super::hash::Hash;
use super::list::List;
use super::set::Set;
use super::zset::ZSet;
use std::sync::Arc;
use triomphe::{HeaderSlice, ThinArc};

const INLINE_CAP: usize = 14;
/// Redis stores strings up to this length as "embstr"; longer ones as "raw".
const EMBSTR_LIMIT: usize = 44;

/// A key's value. 16 bytes.
#[derive(Clone)]
pub enum Value {
    /// A string that is a canonical 64-bit integer (Redis's "int" encoding). Redis keeps those in
    /// 0..10000 in shared objects (OBJECT REFCOUNT 2147483647).
    Int(i64),
    /// An int-encoded string in an object of its own, as Redis's COPY duplicates a shared
    /// integer (dupStringObject). Behaves as `Int` except in OBJECT REFCOUNT.
    OwnInt(i64),
    /// A short string held inline.
    Inline {
        len: u8,
        data: [u8; INLINE_CAP],
    },
    /// An immutable heap string in one allocation, shared by reference count.
    Raw(ThinArc<(), u8>),
    /// A heap string that was grown in place (APPEND, SETRANGE, SETBIT), with spare capacity.
    Growable(Arc<Vec<u8>>),
    /// Collections, each behind one reference count: a snapshot shares them, a write to one
    /// still shared copies that value only (`Arc::make_mut`).
    List(Arc<List>),
    Hash(Arc<Hash>),
    Set(Arc<Set>),
    ZSet(Arc<ZSet>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

/// The type names TYPE reports and SCAN TYPE filters on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValueType {
    String,
    List,
    Set,
    ZSet,
    Hash,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Hash => "hash",
        }
    }

    /// Redis's object type code (OBJ_STRING..OBJ_HASH), used by RDB and DEBUG DIGEST.
    pub fn code(self) -> u32 {
        match self {
            ValueType::String => 0,
            ValueType::List => 1,
            ValueType::Set => 2,
            ValueType::ZSet => 3,
            ValueType::Hash => 4,
        }
    }
}

impl Value {
    /// Builds the most compact representation of a string, as Redis's tryObjectEncoding does.
    pub fn from_bytes(bytes: &[u8]) -> Value {
        if let Some(n) = canonical_int(bytes) {
            return Value::Int(n);
        }
        Value::from_bytes_no_int(bytes)
    }

    /// Builds a string value that is never integer-encoded.
    pub fn from_bytes_no_int(bytes: &[u8]) -> Value {
        if bytes.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..bytes.len()].copy_from_slice(bytes);
            Value::Inline {
                len: bytes.len() as u8,
                data,
            }
        } else {
            Value::Raw(ThinArc::from_header_and_slice((), bytes))
        }
    }

    /// Takes ownership of a buffer that will likely grow again (APPEND/SETRANGE results).
    pub fn from_growable(bytes: Vec<u8>) -> Value {
        Value::Growable(Arc::new(bytes))
    }

    pub fn is_string(&self) -> bool {
        matches!(
            self,
            Value::Int(_)
                | Value::OwnInt(_)
                | Value::Inline { .. }
                | Value::Raw(_)
                | Value::Growable(_)
        )
    }

    pub fn value_type(&self) -> ValueType {
        match self {
            Value::List(_) => ValueType::List,
            Value::Hash(_) => ValueType::Hash,
            Value::Set(_) => ValueType::Set,
            Value::ZSet(_) => ValueType::ZSet,
            _ => ValueType::String,
        }
    }

    /// The string's bytes, formatting integers into `buf`.
    #[inline]
    pub fn str_bytes<'a>(&'a self, buf: &'a mut itoa::Buffer) -> &'a [u8] {
        match self {
            Value::Int(n) | Value::OwnInt(n) => buf.format(*n).as_bytes(),
            Value::Inline { len, data } => &data[..*len as usize],
            Value::Raw(arc) => raw_slice(arc),
            Value::Growable(v) => v.as_slice(),
            // Callers check `is_string` first; a collection has no string form.
            Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => &[],
        }
    }

    /// The string's bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = itoa::Buffer::new();
        self.str_bytes(&mut buf).to_vec()
    }

    /// Length in bytes of the string form.
    pub fn str_len(&self) -> usize {
        match self {
            Value::Int(n) | Value::OwnInt(n) => itoa::Buffer::new().format(*n).len(),
            Value::Inline { len, .. } => *len as usize,
            Value::Raw(arc) => raw_slice(arc).len(),
            Value::Growable(v) => v.len(),
            Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => 0,
        }
    }

    /// The integer a string holds, if it parses as one (strict, like Redis's string2ll).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) | Value::OwnInt(n) => Some(*n),
            other if !other.is_string() => None,
            other => {
                let mut buf = itoa::Buffer::new();
                parse_i64_strict(other.str_bytes(&mut buf))
            }
        }
    }

    /// OBJECT REFCOUNT's answer: Redis shares the integers 0..10000 (OBJ_SHARED_INTEGERS), whose
    /// refcount reads as INT_MAX; every other value has one owner.
    pub fn refcount(&self) -> i64 {
        match self {
            Value::Int(n) if (0..10000).contains(n) => i32::MAX as i64,
            _ => 1,
        }
    }

    /// The copy COPY stores, as Redis's dupStringObject: a fresh object (a shared integer
    /// becomes an unshared one) with the same encoding.
    pub fn duplicate(&self) -> Value {
        match self {
            Value::Int(n) => Value::OwnInt(*n),
            other => other.clone(),
        }
    }

    /// True for a list, hash, set or sorted set with no elements left (to be deleted: Redis
    /// never keeps an empty collection).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
            _ => false,
        }
    }

    /// OBJECT ENCODING's answer.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::OwnInt(_) => "int",
            Value::Inline { .. } => "embstr",
            Value::Raw(arc) if raw_slice(arc).len() <= EMBSTR_LIMIT => "embstr",
            Value::Raw(_) | Value::Growable(_) => "raw",
            // Redis 7.0 stores every list as a quicklist (small listpack lists came in 7.2).
            Value::List(_) => "quicklist",
            Value::Hash(h) => h.encoding_name(),
            Value::Set(s) => s.encoding_name(),
            Value::ZSet(z) => z.encoding_name(),
        }
    }

    /// Mutable access to the bytes of a string that is about to be modified in place: converts it
    /// to the growable form (copying it only if it is shared with a snapshot).
    pub fn make_growable(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Value::Growable(_)) {
            *self = Value::Growable(Arc::new(self.to_vec()));
        }
        match self {
            Value::Growable(arc) => Arc::make_mut(arc),
            _ => unreachable!("converted to Growable above"),
        }
    }

    /// Bytes this value owns on the heap (for MEMORY USAGE and used-memory estimates).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Int(_) | Value::OwnInt(_) | Value::Inline { .. } => 0,
            Value::Raw(arc) => 16 + raw_slice(arc).len(),
            Value::Growable(v) => 40 + v.capacity(),
            Value::List(l) => 16 + l.memory_bytes(),
            Value::Hash(h) => 16 + h.memory_bytes(),
            Value::Set(s) => 16 + s.memory_bytes(),
            Value::ZSet(z) => 16 + z.memory_bytes(),
        }
    }
}

fn raw_slice(arc: &ThinArc<(), u8>) -> &[u8] {
    let hs: &HeaderSlice<triomphe::HeaderWithLength<()>, [u8]> = arc;
    &hs.slice
}

/// Parses a canonical decimal i64 (no sign '+', no leading zeros, no spaces), as Redis's string2ll.
pub fn parse_i64_strict(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits[0] == b'0' {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// A string that Redis would store with the "int" encoding.
fn canonical_int(bytes: &[u8]) -> Option<i64> {
    if bytes.len() > 20 {
        return None;
    }
    parse_i64_strict(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(Value::from_bytes(b"12345").encoding_name(), "int");
        assert_eq!(Value::from_bytes(b"012345").encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(b"hello").encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(&[b'x'; 44]).encoding_name(), "embstr");
        assert_eq!(Value::from_bytes(&[b'x'; 45]).encoding_name(), "raw");
        let mut v = Value::from_bytes(b"ab");
        v.make_growable().extend_from_slice(b"cd");
        assert_eq!(v.to_vec(), b"abcd");
        assert_eq!(v.encoding_name(), "raw");
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64_strict(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64_strict(b"9223372036854775808"), None);
        assert_eq!(parse_i64_strict(b"+1"), None);
        assert_eq!(parse_i64_strict(b"01"), None);
        assert_eq!(parse_i64_strict(b"-0"), None);
        assert_eq!(parse_i64_strict(b" 1"), None);
    }
}

//! RDB objects into our values, in the encodings Redis gives a loaded key under the current
//! config (a listpack hash over `hash-max-listpack-entries` becomes a table, and so on).

use crate::keyspace::Value;
use crate::keyspace::hash::{Hash, HashLimits};
use crate::keyspace::list::List;
use crate::keyspace::set::{Set, SetLimits};
use crate::keyspace::zset::{ZSet, ZsetLimits};
use ferrodis_config::Config;
use ferrodis_rdb::Object;
use std::sync::Arc;

/// The encoding thresholds a loaded value is built under.
#[derive(Clone, Copy)]
pub struct Limits {
    list_fill: i64,
    hash: HashLimits,
    set: SetLimits,
    zset: ZsetLimits,
}

impl Limits {
    pub fn from_config(c: &Config) -> Limits {
        Limits {
            list_fill: c.list_max_listpack_size as i64,
            hash: HashLimits {
                max_listpack_entries: c.hash_max_listpack_entries as usize,
                max_listpack_value: c.hash_max_listpack_value as usize,
            },
            set: SetLimits {
                max_intset_entries: c.set_max_intset_entries as usize,
            },
            zset: ZsetLimits::new(c.zset_max_listpack_entries, c.zset_max_listpack_value),
        }
    }
}

/// Why an object cannot become a value.
pub enum DecodeError {
    /// A Redis 7.4 hash with field expiry: we cannot keep the TTLs, and dropping them would
    /// silently change the data.
    HashFieldExpiry,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::HashFieldExpiry => {
                write!(f, "unsupported: hash fields with expiry (Redis 7.4 HFE)")
            }
        }
    }
}

/// Builds the value an object describes. The RDB reader has already refused empty
/// collections and duplicate members, so every element lands.
pub fn to_value(object: Object, limits: &Limits) -> Result<Value, DecodeError> {
    Ok(match object {
        Object::String(s) => Value::from_bytes(&s),
        Object::List(items) => {
            let mut list = List::new(limits.list_fill);
            for item in &items {
                list.push_back(item);
            }
            Value::List(Arc::new(list))
        }
        Object::Set(members) => {
            let mut set = match members.first() {
                Some(first) => Set::from_first(first, &limits.set),
                None => Set::new(),
            };
            for m in members.iter().skip(1) {
                set.add(m, &limits.set);
            }
            Value::Set(Arc::new(set))
        }
        Object::Hash(fields) => {
            if fields.iter().any(|f| f.expire_at_ms.is_some()) {
                return Err(DecodeError::HashFieldExpiry);
            }
            let mut hash = Hash::new();
            for f in &fields {
                hash.set(&f.field, &f.value, &limits.hash);
            }
            Value::Hash(Arc::new(hash))
        }
        Object::ZSet(mut entries) => {
            entries.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            Value::ZSet(Arc::new(ZSet::from_sorted_entries(&entries, &limits.zset)))
        }
    })
}

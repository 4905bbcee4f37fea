//! Our values in RDB encodings, as Redis 7.0.15 writes them: integers and strings with integer
//! and LZF encodings, lists as quicklist-2 listpack nodes (our chunks are listpacks already),
//! small hashes and sorted sets as listpacks, small integer sets as intsets, the rest as plain
//! element sequences. Also DUMP payloads.

use crate::keyspace::hash::Hash;
use crate::keyspace::set::Set;
use crate::keyspace::zset::ZSet;
use crate::keyspace::{Entry, Value};
use ferrodis_rdb::{Error, Writer, listpack, types};
use std::io::Write;

/// Writes one key: expiry, type, key, value.
pub fn write_key<W: Write>(w: &mut Writer<W>, key: &[u8], entry: &Entry) -> Result<(), Error> {
    if let Some(at) = entry.expire_at() {
        w.expire_at_ms(at as i64)?;
    }
    w.object_type(type_byte(&entry.value))?;
    w.string(key)?;
    write_value(w, &entry.value)
}

/// The RDB type byte for a value's current encoding.
pub fn type_byte(value: &Value) -> u8 {
    match value {
        Value::List(_) => types::LIST_QUICKLIST_2,
        Value::Hash(h) => match **h {
            Hash::Listpack(_) => types::HASH_LISTPACK,
            Hash::Table(_) => types::HASH,
        },
        Value::Set(s) => match **s {
            Set::Intset(_) => types::SET_INTSET,
            Set::Table(_) => types::SET,
        },
        Value::ZSet(z) => match **z {
            ZSet::Listpack(_) => types::ZSET_LISTPACK,
            _ => types::ZSET_2,
        },
        _ => types::STRING,
    }
}

/// A value's body in the encoding `type_byte` names.
pub fn write_value<W: Write>(w: &mut Writer<W>, value: &Value) -> Result<(), Error> {
    match value {
        Value::Int(n) | Value::OwnInt(n) => w.int_string(*n),
        Value::List(list) => {
            let nodes = list.redis_listpacks();
            w.length(nodes.len() as u64)?;
            for node in nodes {
                w.length(ferrodis_rdb::quicklist::CONTAINER_PACKED)?;
                w.string(&node)?;
            }
            Ok(())
        }
        Value::Hash(hash) => match &**hash {
            Hash::Listpack(_) => {
                let mut lp = listpack::Builder::new();
                for (field, value) in hash.iter() {
                    lp.push(field);
                    lp.push(value);
                }
                w.string(&lp.finish())
            }
            Hash::Table(_) => {
                w.length(hash.len() as u64)?;
                for (field, value) in hash.iter() {
                    w.string(field)?;
                    w.string(value)?;
                }
                Ok(())
            }
        },
        Value::Set(set) => match &**set {
            Set::Intset(ints) => {
                let values: Vec<i64> = ints.iter().collect();
                w.string(&ferrodis_rdb::intset::build(&values))
            }
            Set::Table(_) => {
                w.length(set.len() as u64)?;
                let mut buf = itoa::Buffer::new();
                for member in set.iter() {
                    w.string(member.as_bytes(&mut buf))?;
                }
                Ok(())
            }
        },
        Value::ZSet(zset) => match &**zset {
            ZSet::Listpack(_) => {
                let mut lp = listpack::Builder::new();
                for (member, score) in zset.iter() {
                    lp.push(member);
                    ferrodis_rdb::push_score(&mut lp, score);
                }
                w.string(&lp.finish())
            }
            ZSet::Skiplist(_) => {
                // Highest score first, as Redis writes a skiplist (its loader then inserts at
                // the head); any order loads the same set.
                w.length(zset.len() as u64)?;
                for (member, score) in zset.range_by_rank(0, -1, true) {
                    w.string(member)?;
                    w.binary_double(score)?;
                }
                Ok(())
            }
        },
        string => {
            let mut buf = itoa::Buffer::new();
            w.string(string.str_bytes(&mut buf))
        }
    }
}

/// DUMP's payload for a value: type byte, body, RDB version, CRC64.
pub fn dump_payload(value: &Value, compression: bool) -> Vec<u8> {
    let options = ferrodis_rdb::WriterOptions {
        compression,
        checksum: false,
    };
    let mut w = Writer::new(Vec::new(), options);
    // Writing into a Vec cannot fail.
    let written = w
        .object_type(type_byte(value))
        .and_then(|()| write_value(&mut w, value));
    debug_assert!(written.is_ok());
    ferrodis_rdb::dump::seal(w.into_inner())
}

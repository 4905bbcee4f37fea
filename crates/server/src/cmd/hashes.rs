//! Hash commands. Small hashes keep insertion order in one packed buffer (`listpack`), bigger
//! ones are tables (`hashtable`); a hash emptied by HDEL no longer exists. HINCRBYFLOAT is
//! recorded as `HSET key field <result>` so replicas store the master's exact text.

use super::ctx::parse_int;
use super::flags::*;
use super::strings::long_double;
use super::{CmdError, CmdResult, Command, Ctx};
use crate::errors;
use crate::keyspace::Value;
use crate::keyspace::hash::{Hash, HashLimits};
use bytes::Bytes;
use std::sync::Arc;

const W: u32 = WRITE | DENYOOM;

pub static COMMANDS: &[Command] = &[
    Command::new("hset", -4, W | FAST, hset)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Set the string value of a hash field", "2.0.0"),
    Command::new("hmset", -4, W | FAST, hmset)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Set multiple hash fields to multiple values", "2.0.0"),
    Command::new("hsetnx", 4, W | FAST, hsetnx)
        .keys(1, 1, 1)
        .group("hash")
        .doc(
            "Set the value of a hash field, only if the field does not exist",
            "2.0.0",
        ),
    Command::new("hget", 3, READONLY | FAST, hget)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get the value of a hash field", "2.0.0"),
    Command::new("hmget", -3, READONLY | FAST, hmget)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get the values of all the given hash fields", "2.0.0"),
    Command::new("hdel", -3, WRITE | FAST, hdel)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Delete one or more hash fields", "2.0.0"),
    Command::new("hlen", 2, READONLY | FAST, hlen)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get the number of fields in a hash", "2.0.0"),
    Command::new("hexists", 3, READONLY | FAST, hexists)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Determine if a hash field exists", "2.0.0"),
    Command::new("hstrlen", 3, READONLY | FAST, hstrlen)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get the length of the value of a hash field", "3.2.0"),
    Command::new("hgetall", 2, READONLY, hgetall)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get all the fields and values in a hash", "2.0.0"),
    Command::new("hkeys", 2, READONLY, hkeys)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get all the fields in a hash", "2.0.0"),
    Command::new("hvals", 2, READONLY, hvals)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get all the values in a hash", "2.0.0"),
    Command::new("hincrby", 4, W | FAST, hincrby)
        .keys(1, 1, 1)
        .group("hash")
        .doc(
            "Increment the integer value of a hash field by the given number",
            "2.0.0",
        ),
    Command::new("hincrbyfloat", 4, W | FAST, hincrbyfloat)
        .keys(1, 1, 1)
        .group("hash")
        .doc(
            "Increment the float value of a hash field by the given amount",
            "2.6.0",
        ),
    Command::new("hscan", -3, READONLY, hscan)
        .keys(1, 1, 1)
        .group("hash")
        .doc(
            "Incrementally iterate hash fields and associated values",
            "2.8.0",
        ),
    Command::new("hrandfield", -2, READONLY, hrandfield)
        .keys(1, 1, 1)
        .group("hash")
        .doc("Get one or multiple random fields from a hash", "6.2.0"),
];

fn limits(ctx: &Ctx) -> HashLimits {
    HashLimits {
        max_listpack_entries: ctx.core.config.hash_max_listpack_entries as usize,
        max_listpack_value: ctx.core.config.hash_max_listpack_value as usize,
    }
}

/// The hash at `key` for reading: Ok(None) if missing, WRONGTYPE if not a hash.
fn read_hash(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Arc<Hash>>, CmdError> {
    match ctx.lookup_read(key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(Arc::clone(h))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// The hash at `key` for writing, created empty when `create` (copied first if a snapshot
/// shares it).
fn write_hash<'c>(
    ctx: &'c mut Ctx,
    key: &[u8],
    create: bool,
) -> Result<Option<&'c mut Hash>, CmdError> {
    let exists = match ctx.lookup_write(key) {
        None => false,
        Some(Value::Hash(_)) => true,
        Some(_) => return Err(errors::WRONGTYPE.into()),
    };
    if !exists {
        if !create {
            return Ok(None);
        }
        let now = ctx.now_ms;
        ctx.db()
            .insert(key, Value::Hash(Arc::new(Hash::new())), false, now);
    }
    match ctx.lookup_write(key) {
        Some(Value::Hash(h)) => Ok(Some(Arc::make_mut(h))),
        _ => Ok(None),
    }
}

/// Sets field/value pairs; returns how many fields are new.
fn set_pairs(ctx: &mut Ctx, args: &[Bytes]) -> Result<usize, CmdError> {
    if !args.len().is_multiple_of(2) {
        return Err(errors::arity(ctx.cmd.name).into());
    }
    let lim = limits(ctx);
    let key = &args[1];
    let Some(hash) = write_hash(ctx, key, true)? else {
        return Ok(0);
    };
    let mut added = 0;
    for pair in args[2..].chunks(2) {
        if hash.set(&pair[0], &pair[1], &lim) {
            added += 1;
        }
    }
    ctx.modified(key);
    Ok(added)
}

fn hset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = set_pairs(ctx, args)?;
    ctx.int(n as i64);
    Ok(())
}

fn hmset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_pairs(ctx, args)?;
    ctx.ok();
    Ok(())
}

fn hsetnx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lim = limits(ctx);
    let key = &args[1];
    let Some(hash) = write_hash(ctx, key, true)? else {
        return Ok(());
    };
    if hash.contains(&args[2]) {
        ctx.int(0);
        return Ok(());
    }
    hash.set(&args[2], &args[3], &lim);
    ctx.modified(key);
    ctx.int(1);
    Ok(())
}

fn hget(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match read_hash(ctx, &args[1])? {
        Some(h) => match h.get(&args[2]) {
            Some(v) => ctx.bulk(v),
            None => ctx.null(),
        },
        None => ctx.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let hash = read_hash(ctx, &args[1])?;
    ctx.array(args.len() - 2);
    for f in &args[2..] {
        match hash.as_ref().and_then(|h| h.get(f)) {
            Some(v) => ctx.bulk(v),
            None => ctx.null(),
        }
    }
    Ok(())
}

fn hdel(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let Some(hash) = write_hash(ctx, key, false)? else {
        ctx.int(0);
        return Ok(());
    };
    let removed = args[2..].iter().filter(|f| hash.remove(f)).count();
    if removed > 0 {
        ctx.modified(key);
        ctx.delete_if_emptied(key);
    }
    ctx.int(removed as i64);
    Ok(())
}

fn hlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = read_hash(ctx, &args[1])?.map_or(0, |h| h.len());
    ctx.int(n as i64);
    Ok(())
}

fn hexists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let found = read_hash(ctx, &args[1])?.is_some_and(|h| h.contains(&args[2]));
    ctx.int(found as i64);
    Ok(())
}

fn hstrlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = read_hash(ctx, &args[1])?
        .and_then(|h| h.get(&args[2]).map(|v| v.len()))
        .unwrap_or(0);
    ctx.int(n as i64);
    Ok(())
}

/// HGETALL / HKEYS / HVALS.
fn reply_pairs(ctx: &mut Ctx, key: &[u8], fields: bool, values: bool) -> CmdResult {
    let Some(hash) = read_hash(ctx, key)? else {
        if fields && values {
            ctx.map(0);
        } else {
            ctx.array(0);
        }
        return Ok(());
    };
    if fields && values {
        ctx.map(hash.len());
    } else {
        ctx.array(hash.len());
    }
    for (f, v) in hash.iter() {
        if fields {
            ctx.bulk(f);
        }
        if values {
            ctx.bulk(v);
        }
    }
    Ok(())
}

fn hgetall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_pairs(ctx, &args[1], true, true)
}

fn hkeys(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_pairs(ctx, &args[1], true, false)
}

fn hvals(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    reply_pairs(ctx, &args[1], false, true)
}

fn hincrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let delta = parse_int(&args[3])?;
    let lim = limits(ctx);
    let key = &args[1];
    let Some(hash) = write_hash(ctx, key, true)? else {
        return Ok(());
    };
    let current = match hash.get(&args[2]) {
        None => 0,
        Some(v) => {
            crate::keyspace::parse_i64_strict(v).ok_or("ERR hash value is not an integer")?
        }
    };
    let new = current.checked_add(delta).ok_or(errors::OVERFLOW)?;
    hash.set(&args[2], itoa::Buffer::new().format(new).as_bytes(), &lim);
    ctx.modified(key);
    ctx.int(new);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let delta = long_double::parse(&args[3]).ok_or(errors::NOT_FLOAT)?;
    // Redis checks the increment itself before the hash (HINCRBYFLOAT h f inf).
    if !delta.is_finite() {
        return Err("ERR value is NaN or Infinity".into());
    }
    let lim = limits(ctx);
    let key = &args[1];
    let Some(hash) = write_hash(ctx, key, true)? else {
        return Ok(());
    };
    let current = match hash.get(&args[2]) {
        None => long_double::Ld::from_i64(0),
        Some(v) => long_double::parse(v).ok_or("ERR hash value is not a float")?,
    };
    let new = long_double::add(current, delta).ok_or(errors::INCR_NAN_INF)?;
    let text = long_double::format_human(new);
    hash.set(&args[2], text.as_bytes(), &lim);
    ctx.modified(key);
    ctx.bulk(text.as_bytes());
    let effect = vec![
        Bytes::from_static(b"HSET"),
        key.clone(),
        args[2].clone(),
        Bytes::from(text),
    ];
    ctx.rewrite_effect(effect);
    Ok(())
}

fn hscan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = super::keys::parse_cursor(&args[2])?;
    // Redis's order: the cursor, the key (a missing one answers an empty scan, whatever the
    // options), then the options.
    let Some(hash) = read_hash(ctx, &args[1])? else {
        ctx.array(2);
        ctx.bulk(b"0");
        ctx.array(0);
        return Ok(());
    };
    let (pattern, count) = parse_scan_options(&args[3..])?;
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = hash.scan(cursor, count, |f, v| {
        if pattern
            .as_ref()
            .is_none_or(|p| crate::glob::matches(p, f, false))
        {
            found.push((f.to_vec(), v.to_vec()));
        }
    });
    ctx.array(2);
    ctx.bulk(itoa::Buffer::new().format(next).as_bytes());
    ctx.array(found.len() * 2);
    for (f, v) in &found {
        ctx.bulk(f);
        ctx.bulk(v);
    }
    Ok(())
}

/// Parses `[MATCH pattern] [COUNT count]` of HSCAN/SSCAN.
pub fn parse_scan_options(args: &[Bytes]) -> Result<(Option<Bytes>, usize), CmdError> {
    let mut pattern = None;
    let mut count = 10usize;
    let mut i = 0;
    while i < args.len() {
        let Some(val) = args.get(i + 1) else {
            return Err(errors::SYNTAX.into());
        };
        match args[i].to_ascii_uppercase().as_slice() {
            b"COUNT" => {
                let n = parse_int(val)?;
                if n < 1 {
                    return Err(errors::SYNTAX.into());
                }
                count = n as usize;
            }
            b"MATCH" => {
                // "*" matches everything: skip matching, as Redis does.
                pattern = (val.as_ref() != b"*").then(|| val.clone());
            }
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 2;
    }
    Ok((pattern, count))
}

fn hrandfield(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Redis's order: the count, then the syntax, then WITHVALUES's tighter range.
    let count = match args.get(2) {
        None => None,
        Some(a) => {
            let n = parse_int(a)?;
            if n == i64::MIN {
                return Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807".into());
            }
            Some(n)
        }
    };
    if args.len() > 4 {
        return Err(errors::SYNTAX.into());
    }
    let with_values = match args.get(3) {
        None => false,
        Some(a) if a.eq_ignore_ascii_case(b"WITHVALUES") => true,
        Some(_) => return Err(errors::SYNTAX.into()),
    };
    // Redis checks this range only WITHVALUES; without, a huge negative count makes it try to
    // reply that many fields until memory runs out. We refuse that one instead.
    let limit = -(i64::MAX / 2)..=i64::MAX / 2;
    if count.is_some_and(|n| !limit.contains(&n) && (with_values || n < 0)) {
        return Err("ERR value is out of range".into());
    }
    let hash = read_hash(ctx, &args[1])?;
    let Some(count) = count else {
        let core = &mut *ctx.core;
        match hash.as_ref().and_then(|h| h.random_entry(&mut core.rng)) {
            Some((f, _)) => ferrodis_resp::write_bulk(ctx.out, f),
            None => ferrodis_resp::write_null(ctx.out, ctx.client.proto),
        }
        return Ok(());
    };
    let Some(hash) = hash else {
        ctx.array(0);
        return Ok(());
    };
    let mut picked: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    hash.random_entries(count, &mut ctx.core.rng, |f, v| {
        picked.push((f.to_vec(), v.to_vec()))
    });
    let resp3_pairs = with_values && ctx.client.proto == ferrodis_resp::Proto::Resp3;
    ctx.array(if with_values && !resp3_pairs {
        picked.len() * 2
    } else {
        picked.len()
    });
    for (f, v) in &picked {
        if resp3_pairs {
            ctx.array(2);
        }
        ctx.bulk(f);
        if with_values {
            ctx.bulk(v);
        }
    }
    Ok(())
}

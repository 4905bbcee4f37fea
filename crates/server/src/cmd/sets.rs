//! Set commands. Sets of integers are `intset`s (sorted, so SMEMBERS is in numeric order as in
//! Redis), others `hashtable`s. A set emptied by a command no longer exists. SPOP is recorded as
//! `SREM key member...` (or `DEL key` when it empties the set), as Redis 7.0 does.

use super::ctx::parse_int;
use super::flags::*;
use super::hashes::parse_scan_options;
use super::{CmdError, CmdResult, Command, Ctx};
use crate::errors;
use crate::keyspace::Value;
use crate::keyspace::set::{Set, SetLimits};
use bytes::Bytes;
use std::sync::Arc;

const W: u32 = WRITE | DENYOOM;

pub static COMMANDS: &[Command] = &[
    Command::new("sadd", -3, W | FAST, sadd)
        .keys(1, 1, 1)
        .group("set")
        .doc("Add one or more members to a set", "1.0.0"),
    Command::new("srem", -3, WRITE | FAST, srem)
        .keys(1, 1, 1)
        .group("set")
        .doc("Remove one or more members from a set", "1.0.0"),
    Command::new("scard", 2, READONLY | FAST, scard)
        .keys(1, 1, 1)
        .group("set")
        .doc("Get the number of members in a set", "1.0.0"),
    Command::new("sismember", 3, READONLY | FAST, sismember)
        .keys(1, 1, 1)
        .group("set")
        .doc("Determine if a given value is a member of a set", "1.0.0"),
    Command::new("smismember", -3, READONLY | FAST, smismember)
        .keys(1, 1, 1)
        .group("set")
        .doc(
            "Returns the membership associated with the given elements for a set",
            "6.2.0",
        ),
    Command::new("smembers", 2, READONLY, smembers)
        .keys(1, 1, 1)
        .group("set")
        .doc("Get all the members in a set", "1.0.0"),
    Command::new("spop", -2, WRITE | FAST, spop)
        .keys(1, 1, 1)
        .group("set")
        .doc(
            "Remove and return one or multiple random members from a set",
            "1.0.0",
        ),
    Command::new("srandmember", -2, READONLY, srandmember)
        .keys(1, 1, 1)
        .group("set")
        .doc("Get one or multiple random members from a set", "1.0.0"),
    Command::new("smove", 4, WRITE | FAST, smove)
        .keys(1, 2, 1)
        .group("set")
        .doc("Move a member from one set to another", "1.0.0"),
    Command::new("sinter", -2, READONLY, sinter)
        .keys(1, -1, 1)
        .group("set")
        .doc("Intersect multiple sets", "1.0.0"),
    Command::new("sintercard", -3, READONLY | MOVABLE_KEYS, sintercard)
        .group("set")
        .doc(
            "Intersect multiple sets and return the cardinality of the result",
            "7.0.0",
        ),
    Command::new("sinterstore", -3, W, sinterstore)
        .keys(1, -1, 1)
        .group("set")
        .doc(
            "Intersect multiple sets and store the resulting set in a key",
            "1.0.0",
        ),
    Command::new("sunion", -2, READONLY, sunion)
        .keys(1, -1, 1)
        .group("set")
        .doc("Add multiple sets", "1.0.0"),
    Command::new("sunionstore", -3, W, sunionstore)
        .keys(1, -1, 1)
        .group("set")
        .doc(
            "Add multiple sets and store the resulting set in a key",
            "1.0.0",
        ),
    Command::new("sdiff", -2, READONLY, sdiff)
        .keys(1, -1, 1)
        .group("set")
        .doc("Subtract multiple sets", "1.0.0"),
    Command::new("sdiffstore", -3, W, sdiffstore)
        .keys(1, -1, 1)
        .group("set")
        .doc(
            "Subtract multiple sets and store the resulting set in a key",
            "1.0.0",
        ),
    Command::new("sscan", -3, READONLY, sscan)
        .keys(1, 1, 1)
        .group("set")
        .doc("Incrementally iterate Set elements", "2.0.0"),
];

fn limits(ctx: &Ctx) -> SetLimits {
    SetLimits {
        max_intset_entries: ctx.core.config.set_max_intset_entries as usize,
    }
}

/// The set at `key` for reading: Ok(None) if missing, WRONGTYPE if not a set.
fn read_set(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Arc<Set>>, CmdError> {
    match ctx.lookup_read(key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(Arc::clone(s))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// The set at `key` for writing (copied first if a snapshot shares it).
fn write_set<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut Set>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(Arc::make_mut(s))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// The size of the set at `key` looked up as Redis's lookupKeyWrite: expired first, touched,
/// no keyspace hit or miss counted.
fn set_len_for_write(ctx: &mut Ctx, key: &[u8]) -> Result<Option<usize>, CmdError> {
    if !ctx.exists_for_write(key) {
        return Ok(None);
    }
    match ctx.lookup_quiet(key).map(|e| &e.value) {
        Some(Value::Set(s)) => Ok(Some(s.len())),
        Some(_) => Err(errors::WRONGTYPE.into()),
        None => Ok(None),
    }
}

/// Members as owned byte strings (for replies and set algebra).
fn members(set: &Set) -> Vec<Vec<u8>> {
    set.iter().map(|e| e.to_vec()).collect()
}

fn sadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let lim = limits(ctx);
    let key = &args[1];
    let mut added = 0;
    let mut rest = &args[2..];
    if write_set(ctx, key)?.is_none() {
        // A new set takes its encoding from its first member (and holds it already).
        let now = ctx.now_ms;
        let set = Set::from_first(&args[2], &lim);
        ctx.db().insert(key, Value::Set(Arc::new(set)), false, now);
        added = 1;
        rest = &args[3..];
    }
    let Some(set) = write_set(ctx, key)? else {
        return Ok(());
    };
    added += rest.iter().filter(|m| set.add(m, &lim)).count();
    if added > 0 {
        ctx.modified(key);
    }
    ctx.int(added as i64);
    Ok(())
}

fn srem(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let Some(set) = write_set(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    let removed = args[2..].iter().filter(|m| set.remove(m)).count();
    if removed > 0 {
        ctx.modified(key);
        ctx.delete_if_emptied(key);
    }
    ctx.int(removed as i64);
    Ok(())
}

fn scard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = read_set(ctx, &args[1])?.map_or(0, |s| s.len());
    ctx.int(n as i64);
    Ok(())
}

fn sismember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let found = read_set(ctx, &args[1])?.is_some_and(|s| s.contains(&args[2]));
    ctx.int(found as i64);
    Ok(())
}

fn smismember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let set = read_set(ctx, &args[1])?;
    ctx.array(args.len() - 2);
    for m in &args[2..] {
        let found = set.as_ref().is_some_and(|s| s.contains(m));
        ctx.int(found as i64);
    }
    Ok(())
}

fn reply_members(ctx: &mut Ctx, list: &[Vec<u8>]) {
    ctx.set_len(list.len());
    for m in list {
        ctx.bulk(m);
    }
}

fn smembers(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let list = read_set(ctx, &args[1])?
        .map(|s| members(&s))
        .unwrap_or_default();
    reply_members(ctx, &list);
    Ok(())
}

/// Parses SPOP/SRANDMEMBER's count.
fn parse_count(arg: &[u8]) -> Result<i64, CmdError> {
    parse_int(arg).map_err(|_| "ERR value is out of range, must be positive".into())
}

/// Pops up to `count` random members of the set at `key` (already type-checked and expired by
/// the caller's write lookup). The keyspace and the server's rng are disjoint fields of the
/// core, so both are borrowed at once.
fn pop_random_members(ctx: &mut Ctx, key: &[u8], count: usize) -> Vec<Vec<u8>> {
    let (db, now) = (ctx.client.db, ctx.now_ms);
    let core = &mut *ctx.core;
    let Some(Value::Set(set)) = core.dbs[db].get_value_mut(key, now) else {
        return Vec::new();
    };
    let set = Arc::make_mut(set);
    (0..count)
        .map_while(|_| set.pop_random(&mut core.rng))
        .collect()
}

fn spop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(errors::SYNTAX.into());
    }
    let key = &args[1];
    let Some(count_arg) = args.get(2) else {
        // One member, recorded as SREM key member.
        if write_set(ctx, key)?.is_none() {
            ctx.null();
            return Ok(());
        }
        let Some(member) = pop_random_members(ctx, key, 1).pop() else {
            ctx.null();
            return Ok(());
        };
        ctx.modified(key);
        ctx.delete_if_emptied(key);
        ctx.bulk(&member);
        ctx.rewrite_effect(vec![
            Bytes::from_static(b"SREM"),
            key.clone(),
            Bytes::from(member),
        ]);
        return Ok(());
    };
    let count = parse_count(count_arg)?;
    if count < 0 {
        return Err("ERR value is out of range, must be positive".into());
    }
    // Redis looks the key up for writing (no keyspace hit or miss); only the whole-set case
    // reads it again, through SUNION, and counts that hit.
    let Some(size) = set_len_for_write(ctx, key)? else {
        ctx.set_len(0);
        return Ok(());
    };
    if count == 0 {
        ctx.set_len(0);
        return Ok(());
    }
    let mut popped = Vec::new();
    if count as usize >= size {
        // The whole set: reply with it, delete the key, record DEL.
        if let Some(set) = read_set(ctx, key)? {
            popped = members(&set);
        }
        ctx.db().remove(key);
        ctx.modified(key);
        ctx.suppress_own_effect();
        ctx.also_propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
    } else {
        popped = pop_random_members(ctx, key, count as usize);
        ctx.modified(key);
        ctx.suppress_own_effect();
        // Redis records the removals as SREMs of at most 1024 members each.
        for batch in popped.chunks(1024) {
            let mut effect = vec![Bytes::from_static(b"SREM"), key.clone()];
            effect.extend(batch.iter().map(|m| Bytes::copy_from_slice(m)));
            ctx.also_propagate(effect);
        }
    }
    reply_members(ctx, &popped);
    Ok(())
}

fn srandmember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        return Err(errors::SYNTAX.into());
    }
    let Some(count_arg) = args.get(2) else {
        let set = read_set(ctx, &args[1])?;
        let member = set
            .as_ref()
            .and_then(|s| s.random_member(&mut ctx.core.rng).map(|e| e.to_vec()));
        match member {
            Some(m) => ctx.bulk(&m),
            None => ctx.null(),
        }
        return Ok(());
    };
    let count = parse_int(count_arg)?;
    if count == i64::MIN {
        return Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807".into());
    }
    // Redis parses the count before it looks the key up (a bad count beats WRONGTYPE).
    let set = read_set(ctx, &args[1])?;
    let mut picked: Vec<Vec<u8>> = Vec::new();
    if let Some(set) = &set {
        set.random_members(count, &mut ctx.core.rng, |e| picked.push(e.to_vec()));
    }
    ctx.array(picked.len());
    for m in &picked {
        ctx.bulk(m);
    }
    Ok(())
}

fn smove(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (src, dst, member) = (&args[1], &args[2], &args[3]);
    let lim = limits(ctx);
    // Redis looks both keys up (expiring either), then answers 0 for a missing source before
    // it checks the destination's type.
    let src_exists = ctx.exists_for_write(src);
    ctx.exists_for_write(dst);
    if !src_exists {
        ctx.int(0);
        return Ok(());
    }
    write_set(ctx, src)?;
    let dst_exists = write_set(ctx, dst)?.is_some();
    if src == dst {
        let has = write_set(ctx, src)?.is_some_and(|s| s.contains(member));
        ctx.int(has as i64);
        return Ok(());
    }
    let removed = write_set(ctx, src)?.is_some_and(|s| s.remove(member));
    if !removed {
        ctx.int(0);
        return Ok(());
    }
    ctx.modified(src);
    ctx.delete_if_emptied(src);
    if !dst_exists {
        let now = ctx.now_ms;
        let set = Set::from_first(member, &lim);
        ctx.db().insert(dst, Value::Set(Arc::new(set)), false, now);
    }
    if let Some(set) = write_set(ctx, dst)? {
        set.add(member, &lim);
    }
    ctx.modified(dst);
    ctx.int(1);
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Inter,
    Union,
    Diff,
}

/// Reads every set named in `keys` (None for missing keys); WRONGTYPE if any is not a set.
fn read_sets(ctx: &mut Ctx, keys: &[Bytes]) -> Result<Vec<Option<Arc<Set>>>, CmdError> {
    keys.iter().map(|k| read_set(ctx, k)).collect()
}

/// Computes an intersection, union or difference, in the order Redis produces it.
fn compute(op: SetOp, sets: &[Option<Arc<Set>>]) -> Vec<Vec<u8>> {
    match op {
        SetOp::Inter => {
            if sets.iter().any(|s| s.is_none()) {
                return Vec::new();
            }
            let mut ordered: Vec<&Arc<Set>> = sets.iter().flatten().collect();
            ordered.sort_by_key(|s| s.len());
            let Some((first, rest)) = ordered.split_first() else {
                return Vec::new();
            };
            members(first)
                .into_iter()
                .filter(|m| rest.iter().all(|s| s.contains(m)))
                .collect()
        }
        SetOp::Union => {
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for s in sets.iter().flatten() {
                for m in members(s) {
                    if seen.insert(m.clone()) {
                        out.push(m);
                    }
                }
            }
            out
        }
        SetOp::Diff => {
            let Some(Some(first)) = sets.first() else {
                return Vec::new();
            };
            members(first)
                .into_iter()
                .filter(|m| !sets[1..].iter().flatten().any(|s| s.contains(m)))
                .collect()
        }
    }
}

fn set_op(ctx: &mut Ctx, args: &[Bytes], op: SetOp) -> CmdResult {
    let sets = read_sets(ctx, &args[1..])?;
    let result = compute(op, &sets);
    reply_members(ctx, &result);
    Ok(())
}

fn set_op_store(ctx: &mut Ctx, args: &[Bytes], op: SetOp) -> CmdResult {
    let dst = &args[1];
    let sets = read_sets(ctx, &args[2..])?;
    let result = compute(op, &sets);
    let lim = limits(ctx);
    let existed = ctx.exists(dst);
    if result.is_empty() {
        if existed {
            ctx.db().remove(dst);
            ctx.modified(dst);
        } else {
            // Redis still counts a change: the command is propagated.
            ctx.dirty += 1;
        }
        ctx.int(0);
        return Ok(());
    }
    let mut set = Set::new();
    for m in &result {
        set.add(m, &lim);
    }
    let n = set.len();
    ctx.set_key(dst, Value::Set(Arc::new(set)), false);
    ctx.int(n as i64);
    Ok(())
}

fn sinter(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_op(ctx, args, SetOp::Inter)
}

fn sunion(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_op(ctx, args, SetOp::Union)
}

fn sdiff(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_op(ctx, args, SetOp::Diff)
}

fn sinterstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_op_store(ctx, args, SetOp::Inter)
}

fn sunionstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_op_store(ctx, args, SetOp::Union)
}

fn sdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    set_op_store(ctx, args, SetOp::Diff)
}

fn sintercard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Parse failures answer the range message, as Redis's getRangeLongFromObjectOrReply.
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = parse_int(&args[1]).map_err(|_| NUMKEYS)?;
    if numkeys <= 0 {
        return Err(NUMKEYS.into());
    }
    let numkeys = numkeys as usize;
    if args.len() < 2 + numkeys {
        return Err("ERR Number of keys can't be greater than number of args".into());
    }
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if args[i].eq_ignore_ascii_case(b"LIMIT") && i + 1 < args.len() {
            const LIMIT: &str = "ERR LIMIT can't be negative";
            let n = parse_int(&args[i + 1]).map_err(|_| LIMIT)?;
            if n < 0 {
                return Err(LIMIT.into());
            }
            limit = n as usize;
            i += 2;
        } else {
            return Err(errors::SYNTAX.into());
        }
    }
    let sets = read_sets(ctx, &args[2..2 + numkeys])?;
    let mut n = compute(SetOp::Inter, &sets).len();
    if limit > 0 {
        n = n.min(limit);
    }
    ctx.int(n as i64);
    Ok(())
}

fn sscan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = super::keys::parse_cursor(&args[2])?;
    // Redis's order: the cursor, the key (a missing one answers an empty scan, whatever the
    // options), then the options.
    let Some(set) = read_set(ctx, &args[1])? else {
        ctx.array(2);
        ctx.bulk(b"0");
        ctx.array(0);
        return Ok(());
    };
    let (pattern, count) = parse_scan_options(&args[3..])?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = set.scan(cursor, count, |e| {
        let mut buf = itoa::Buffer::new();
        let m = e.as_bytes(&mut buf);
        if pattern
            .as_ref()
            .is_none_or(|p| crate::glob::matches(p, m, false))
        {
            found.push(m.to_vec());
        }
    });
    ctx.array(2);
    ctx.bulk(itoa::Buffer::new().format(next).as_bytes());
    ctx.array(found.len());
    for m in &found {
        ctx.bulk(m);
    }
    Ok(())
}

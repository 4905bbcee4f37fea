//! Generic key commands and database-wide ones: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY,
//! MOVE, OBJECT, the EXPIRE/TTL family, SELECT, SWAPDB, FLUSHDB, FLUSHALL, DBSIZE.
//! Every expiry is recorded as an absolute `PEXPIREAT` effect, one already past as `DEL`.

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::errors;
use crate::glob;
use crate::keyspace::{Entry, Key, ValueType};
use bytes::Bytes;

pub static COMMANDS: &[Command] = &[
    Command::new("del", -2, WRITE, del).keys(1, -1, 1).doc("Delete a key", "1.0.0"),
    Command::new("unlink", -2, WRITE | FAST, del).keys(1, -1, 1).doc("Delete a key asynchronously in another thread", "4.0.0"),
    Command::new("exists", -2, READONLY | FAST, exists).keys(1, -1, 1).doc("Determine if a key exists", "1.0.0"),
    Command::new("type", 2, READONLY | FAST, type_cmd).keys(1, 1, 1).doc("Determine the type stored at key", "1.0.0"),
    Command::new("keys", 2, READONLY, keys).doc("Find all keys matching the given pattern", "1.0.0"),
    Command::new("scan", -2, READONLY, scan).doc("Incrementally iterate the keys space", "2.8.0"),
    Command::new("randomkey", 1, READONLY, randomkey).doc("Return a random key from the keyspace", "1.0.0"),
    Command::new("rename", 3, WRITE, rename).keys(1, 2, 1).doc("Rename a key", "1.0.0"),
    Command::new("renamenx", 3, WRITE | FAST, renamenx).keys(1, 2, 1).doc("Rename a key, only if the new key does not exist", "1.0.0"),
    Command::new("copy", -3, WRITE | DENYOOM, copy).keys(1, 2, 1).doc("Copy a key", "6.2.0"),
    Command::new("move", 3, WRITE | FAST, move_cmd).keys(1, 1, 1).doc("Move a key to another database", "1.0.0"),
    Command::new("touch", -2, READONLY | FAST, touch).keys(1, -1, 1).doc("Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1"),
    Command::container("object", -2, OBJECT_SUBCOMMANDS).group("generic"),
    Command::new("expire", -3, WRITE | FAST, expire).keys(1, 1, 1).doc("Set a key's time to live in seconds", "1.0.0"),
    Command::new("pexpire", -3, WRITE | FAST, pexpire).keys(1, 1, 1).doc("Set a key's time to live in milliseconds", "2.6.0"),
    Command::new("expireat", -3, WRITE | FAST, expireat).keys(1, 1, 1).doc("Set the expiration for a key as a UNIX timestamp", "1.2.0"),
    Command::new("pexpireat", -3, WRITE | FAST, pexpireat).keys(1, 1, 1).doc("Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"),
    Command::new("ttl", 2, READONLY | FAST, ttl).keys(1, 1, 1).doc("Get the time to live for a key in seconds", "1.0.0"),
    Command::new("pttl", 2, READONLY | FAST, pttl).keys(1, 1, 1).doc("Get the time to live for a key in milliseconds", "2.6.0"),
    Command::new("expiretime", 2, READONLY | FAST, expiretime).keys(1, 1, 1).doc("Get the expiration Unix timestamp for a key", "7.0.0"),
    Command::new("pexpiretime", 2, READONLY | FAST, pexpiretime).keys(1, 1, 1).doc("Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"),
    Command::new("persist", 2, WRITE | FAST, persist).keys(1, 1, 1).doc("Remove the expiration from a key", "2.2.0"),
    Command::new("dbsize", 1, READONLY | FAST, dbsize).group("server").doc("Return the number of keys in the selected database", "1.0.0"),
    Command::new("select", 2, LOADING | STALE | FAST, select).group("connection").doc("Change the selected database for the current connection", "1.0.0"),
    Command::new("swapdb", 3, WRITE | FAST, swapdb).group("server").doc("Swaps two Redis databases", "4.0.0"),
    Command::new("flushdb", -1, WRITE, flushdb).group("server").doc("Remove all keys from the current database", "1.0.0"),
    Command::new("flushall", -1, WRITE, flushall).group("server").doc("Remove all keys from all databases", "1.0.0"),
];

static OBJECT_SUBCOMMANDS: &[Command] = &[
    Command::new("object|encoding", 3, READONLY, object_encoding)
        .keys(2, 2, 1)
        .doc("Inspect the internal encoding of a Redis object", "2.2.3"),
    Command::new("object|refcount", 3, READONLY, object_refcount)
        .keys(2, 2, 1)
        .doc(
            "Get the number of references to the value of the key",
            "2.2.3",
        ),
    Command::new("object|idletime", 3, READONLY, object_idletime)
        .keys(2, 2, 1)
        .doc(
            "Get the time since a Redis object was last accessed",
            "2.2.3",
        ),
    Command::new("object|freq", 3, READONLY, object_freq)
        .keys(2, 2, 1)
        .doc(
            "Get the logarithmic access frequency counter of a Redis object",
            "4.0.0",
        ),
    Command::new("object|help", 2, LOADING | STALE, object_help)
        .doc("Show helpful text about the different subcommands", "6.2.0"),
];

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: i64) -> Bytes {
    Bytes::from(itoa::Buffer::new().format(n).to_owned())
}

fn del(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut n = 0;
    for key in &args[1..] {
        if ctx.delete_key(key) {
            n += 1;
        }
    }
    ctx.int(n);
    Ok(())
}

fn exists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = args[1..]
        .iter()
        .filter(|k| ctx.lookup_notouch(k).is_some())
        .count();
    ctx.int(n as i64);
    Ok(())
}

fn type_cmd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let name = ctx
        .lookup_notouch(&args[1])
        .map_or("none", |e| e.value.value_type().name());
    ctx.simple(name);
    Ok(())
}

fn keys(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let pattern = &args[1];
    let all = pattern.as_ref() == b"*";
    let now = ctx.now_ms;
    let found: Vec<Key> = ctx.core.dbs[ctx.client.db]
        .iter()
        .filter(|(k, e)| !e.is_expired(now) && (all || key_matches(pattern, k.as_bytes())))
        .map(|(k, _)| k.clone())
        .collect();
    ctx.array(found.len());
    for k in found {
        ctx.bulk(k.as_bytes());
    }
    Ok(())
}

/// KEYS and SCAN MATCH as Redis matches keys: a pattern of exactly "*" matches every key (both
/// commands short-cut it), otherwise stringmatchlen, which matches the empty key only with the
/// empty pattern (its loop never runs for an empty string), so "**" does not match "".
fn key_matches(pattern: &[u8], key: &[u8]) -> bool {
    match (pattern, key) {
        (b"*", _) => true,
        (_, b"") => pattern.is_empty(),
        _ => glob::matches(pattern, key, false),
    }
}

/// Parses a SCAN cursor as Redis's parseScanCursorOrReply: C `strtoul` over the argument up to
/// its first NUL, so a sign is accepted ("-1" is 2^64-1, "+5" is 5), an empty cursor is 0, and
/// leading space, trailing garbage and overflow are refused.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, super::CmdError> {
    let invalid = || super::CmdError::from("ERR invalid cursor");
    let text = arg.split(|&c| c == 0).next().unwrap_or_default();
    if text
        .first()
        .is_some_and(|&c| c.is_ascii_whitespace() || c == 0x0b)
    {
        return Err(invalid());
    }
    let (neg, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        // strtoul parsed nothing: the end pointer is the start, at the terminating NUL only
        // when the argument was empty.
        return if text.is_empty() {
            Ok(0)
        } else {
            Err(invalid())
        };
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(invalid());
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u64))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

fn scan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = parse_cursor(&args[1])?;
    let mut count = 10usize;
    let mut pattern: Option<Bytes> = None;
    let mut type_filter: Option<Bytes> = None;
    let mut i = 2;
    while i < args.len() {
        let opt = args[i].to_ascii_uppercase();
        let Some(val) = args.get(i + 1) else {
            return Err(errors::SYNTAX.into());
        };
        match opt.as_slice() {
            b"COUNT" => {
                let n = parse_int(val)?;
                if n < 1 {
                    return Err(errors::SYNTAX.into());
                }
                count = n as usize;
            }
            b"MATCH" => pattern = Some(val.clone()),
            b"TYPE" => type_filter = Some(val.clone()),
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 2;
    }
    // Keys visited that match the pattern, with their type.
    let mut found: Vec<(Key, ValueType)> = Vec::new();
    let now = ctx.now_ms;
    let next = ctx.core.dbs[ctx.client.db].scan(cursor, count, |k, e: &Entry| {
        if pattern
            .as_ref()
            .is_none_or(|p| key_matches(p, k.as_bytes()))
        {
            found.push((k.clone(), e.value.value_type()));
        }
    });
    let mut live = Vec::with_capacity(found.len());
    for (k, vtype) in found {
        // As Redis's scanGenericCommand: the TYPE check looks the key up, which expires it
        // (its type is then "none"); a key that is still there and expired is then expired
        // and left out.
        if let Some(wanted) = &type_filter {
            let name = if ctx.lookup_notouch(k.as_bytes()).is_none() {
                "none"
            } else {
                vtype.name()
            };
            if !wanted.eq_ignore_ascii_case(name.as_bytes()) {
                continue;
            }
        }
        let still_expired = ctx
            .db()
            .get(k.as_bytes())
            .is_some_and(|e| e.is_expired(now));
        if still_expired && ctx.expire_if_needed(k.as_bytes()) {
            continue;
        }
        live.push(k);
    }
    ctx.array(2);
    ctx.bulk(itoa::Buffer::new().format(next).as_bytes());
    ctx.array(live.len());
    for k in live {
        ctx.bulk(k.as_bytes());
    }
    Ok(())
}

fn randomkey(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    for _ in 0..100 {
        let db = ctx.client.db;
        let core = &mut *ctx.core;
        let picked = core.dbs[db]
            .random_key(&mut core.rng)
            .map(|(k, _)| k.clone());
        let Some(key) = picked else {
            ctx.null();
            return Ok(());
        };
        if ctx.expire_if_needed(key.as_bytes()) && !ctx.core.is_replica() {
            continue;
        }
        ctx.bulk(key.as_bytes());
        return Ok(());
    }
    ctx.null();
    Ok(())
}

fn rename_generic(ctx: &mut Ctx, args: &[Bytes], nx: bool) -> CmdResult {
    let (src, dst) = (&args[1], &args[2]);
    if !ctx.exists_for_write(src) {
        return Err(errors::NO_SUCH_KEY.into());
    }
    if src == dst {
        if nx {
            ctx.int(0);
        } else {
            ctx.ok();
        }
        return Ok(());
    }
    // The destination is looked up (and expired) even when it will be overwritten.
    if ctx.exists_for_write(dst) && nx {
        ctx.int(0);
        return Ok(());
    }
    let Some(entry) = ctx.db().remove(src) else {
        return Err(errors::NO_SUCH_KEY.into());
    };
    ctx.modified(src);
    ctx.db().insert_entry(dst, entry);
    ctx.modified(dst);
    if nx {
        ctx.int(1);
    } else {
        ctx.ok();
    }
    Ok(())
}

fn rename(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// Parses a C `int` argument as Redis's getIntFromObjectOrReply (database indexes): a 64-bit
/// integer outside `int` range has its own error, before any index check.
fn parse_c_int(arg: &[u8]) -> Result<i64, super::CmdError> {
    let n = parse_int(arg)?;
    if i32::try_from(n).is_err() {
        return Err(
            "ERR value is out of range, value must between -2147483648 and 2147483647".into(),
        );
    }
    Ok(n)
}

/// Parses a database index argument and checks it exists.
fn parse_db_index(ctx: &Ctx, arg: &[u8]) -> Result<usize, super::CmdError> {
    let n = parse_c_int(arg)?;
    if n < 0 || n as usize >= ctx.core.dbs.len() {
        return Err(errors::DB_INDEX.into());
    }
    Ok(n as usize)
}

fn copy(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (src, dst) = (&args[1], &args[2]);
    let mut target_db = ctx.client.db;
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        let opt = args[i].to_ascii_uppercase();
        match opt.as_slice() {
            b"REPLACE" => replace = true,
            b"DB" if i + 1 < args.len() => {
                target_db = parse_db_index(ctx, &args[i + 1])?;
                i += 1;
            }
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 1;
    }
    if target_db == ctx.client.db && src == dst {
        return Err(errors::SAME_OBJECT.into());
    }
    let Some(mut entry) = ctx.lookup_read(src).cloned() else {
        ctx.int(0);
        return Ok(());
    };
    entry.value = entry.value.duplicate();
    if exists_in(ctx, target_db, dst) && !replace {
        ctx.int(0);
        return Ok(());
    }
    let dst_db = &mut ctx.core.dbs[target_db];
    dst_db.insert_entry(dst, entry);
    dst_db.signal_modified(dst);
    ctx.dirty += 1;
    ctx.int(1);
    Ok(())
}

/// Whether `key` exists in database `db`, as `exists_for_write` there (Redis's lookupKeyWrite
/// on another database: COPY's and MOVE's destination), a deletion recorded in that db.
fn exists_in(ctx: &mut Ctx, db: usize, key: &[u8]) -> bool {
    let current = std::mem::replace(&mut ctx.client.db, db);
    let found = ctx.exists_for_write(key);
    ctx.client.db = current;
    found
}

fn move_cmd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let target = parse_db_index(ctx, &args[2])?;
    if target == ctx.client.db {
        return Err(errors::SAME_OBJECT.into());
    }
    if !ctx.exists_for_write(key) {
        ctx.int(0);
        return Ok(());
    }
    if exists_in(ctx, target, key) {
        ctx.int(0);
        return Ok(());
    }
    let Some(entry) = ctx.db().remove(key) else {
        ctx.int(0);
        return Ok(());
    };
    ctx.modified(key);
    ctx.core.dbs[target].insert_entry(key, entry);
    ctx.core.dbs[target].signal_modified(key);
    ctx.int(1);
    Ok(())
}

fn touch(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = args[1..]
        .iter()
        .filter(|k| ctx.lookup_read(k).is_some())
        .count();
    ctx.int(n as i64);
    Ok(())
}

fn object_entry<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Option<&'c Entry> {
    ctx.lookup_notouch(key)
}

fn object_encoding(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match object_entry(ctx, &args[2]).map(|e| e.value.encoding_name()) {
        Some(enc) => ctx.bulk(enc.as_bytes()),
        None => ctx.null(),
    }
    Ok(())
}

fn object_refcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match object_entry(ctx, &args[2]).map(|e| e.value.refcount()) {
        Some(rc) => ctx.int(rc),
        None => ctx.null(),
    }
    Ok(())
}

fn lfu_policy(ctx: &Ctx) -> bool {
    use ferrodis_config::MaxmemoryPolicy as P;
    matches!(
        ctx.core.config.maxmemory_policy,
        P::AllkeysLfu | P::VolatileLfu
    )
}

fn object_idletime(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let now_s = (ctx.now_ms / 1000) as u32;
    let Some(lru) = object_entry(ctx, &args[2]).map(|e| e.lru_s) else {
        ctx.null();
        return Ok(());
    };
    if lfu_policy(ctx) {
        return Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.".into());
    }
    ctx.int(now_s.wrapping_sub(lru) as i64);
    Ok(())
}

fn object_freq(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if object_entry(ctx, &args[2]).is_none() {
        ctx.null();
        return Ok(());
    }
    if !lfu_policy(ctx) {
        return Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.".into());
    }
    // The LFU counter starts at LFU_INIT_VAL (5) as in Redis; access counting arrives with eviction.
    ctx.int(5);
    Ok(())
}

fn object_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let lines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.array(lines.len());
    for l in lines {
        ctx.simple(l);
    }
    Ok(())
}

/// EXPIRE's NX/XX/GT/LT conditions.
#[derive(Default, Clone, Copy)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn parse_expire_flags(args: &[Bytes]) -> Result<ExpireFlags, super::CmdError> {
    let mut f = ExpireFlags::default();
    for a in args {
        match a.to_ascii_uppercase().as_slice() {
            b"NX" => f.nx = true,
            b"XX" => f.xx = true,
            b"GT" => f.gt = true,
            b"LT" => f.lt = true,
            _ => {
                return Err(
                    format!("ERR Unsupported option {}", String::from_utf8_lossy(a)).into(),
                );
            }
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err("ERR NX and XX, GT or LT options at the same time are not compatible".into());
    }
    if f.gt && f.lt {
        return Err("ERR GT and LT options at the same time are not compatible".into());
    }
    Ok(f)
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT as Redis's expireGenericCommand.
fn expire_generic(ctx: &mut Ctx, args: &[Bytes], unit_ms: i64, relative: bool) -> CmdResult {
    let key = &args[1];
    // As Redis: the flags are checked before the time.
    let flags = parse_expire_flags(&args[3..])?;
    let when = parse_int(&args[2])?;
    let invalid = || super::CmdError::from(errors::invalid_expire(ctx.cmd.name));
    let mut at = when.checked_mul(unit_ms).ok_or_else(invalid)?;
    if relative {
        at = at.checked_add(ctx.now_ms as i64).ok_or_else(invalid)?;
    }
    if !ctx.exists_for_write(key) {
        ctx.int(0);
        return Ok(());
    }
    let Some(current) = ctx.db().get(key).map(|e| e.expire_at()) else {
        ctx.int(0);
        return Ok(());
    };
    let allowed = match current {
        None => !flags.xx && !flags.gt,
        Some(cur) => {
            let cur = cur as i64;
            !(flags.nx || (flags.gt && at <= cur) || (flags.lt && at >= cur))
        }
    };
    if !allowed {
        ctx.int(0);
        return Ok(());
    }
    if at <= ctx.now_ms as i64 && !ctx.core.is_replica() {
        ctx.delete_key(key);
        let verb = if ctx.core.config.lazyfree_lazy_expire {
            "UNLINK"
        } else {
            "DEL"
        };
        ctx.rewrite_effect(vec![b(verb), key.clone()]);
        ctx.int(1);
        return Ok(());
    }
    ctx.db().set_expire(key, Some(at.max(1) as u64));
    ctx.modified(key);
    if ctx.propagating() {
        let mut effect = vec![b("PEXPIREAT"), key.clone(), num(at)];
        effect.extend(args[3..].iter().cloned());
        ctx.rewrite_effect(effect);
    }
    ctx.int(1);
    Ok(())
}

fn expire(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, 1000, true)
}

fn pexpire(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, 1, true)
}

fn expireat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, 1000, false)
}

fn pexpireat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    expire_generic(ctx, args, 1, false)
}

/// TTL family: -2 missing, -1 no expiry, else the remaining time or the absolute time.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], in_ms: bool, absolute: bool) -> CmdResult {
    let now = ctx.now_ms as i64;
    let reply = match ctx.lookup_notouch(key).map(|e| e.expire_at()) {
        None => -2,
        Some(None) => -1,
        Some(Some(at)) => {
            // As Redis's ttlGenericCommand: seconds are rounded, (ms + 500) / 1000, for the
            // absolute time too; computed wide, since an expiry may be near i64::MAX.
            let ms = if absolute {
                at as i64
            } else {
                (at as i64 - now).max(0)
            };
            if in_ms {
                ms
            } else {
                ((ms as i128 + 500) / 1000) as i64
            }
        }
    };
    ctx.int(reply);
    Ok(())
}

fn ttl(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], false, false)
}

fn pttl(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], true, false)
}

fn expiretime(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], false, true)
}

fn pexpiretime(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ttl_generic(ctx, &args[1], true, true)
}

fn persist(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let had = ctx.exists_for_write(key) && ctx.db().get(key).and_then(|e| e.expire_at()).is_some();
    if had {
        ctx.db().set_expire(key, None);
        ctx.modified(key);
    }
    ctx.int(had as i64);
    Ok(())
}

fn dbsize(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.db().len();
    ctx.int(n as i64);
    Ok(())
}

fn select(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = parse_c_int(&args[1])?;
    if n < 0 || n as usize >= ctx.core.dbs.len() {
        return Err(errors::DB_INDEX.into());
    }
    ctx.client.db = n as usize;
    ctx.ok();
    Ok(())
}

fn swapdb(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let a = parse_c_int(&args[1]).map_err(|_| "ERR invalid first DB index")?;
    let z = parse_c_int(&args[2]).map_err(|_| "ERR invalid second DB index")?;
    let n = ctx.core.dbs.len() as i64;
    if a < 0 || a >= n || z < 0 || z >= n {
        return Err(errors::DB_INDEX.into());
    }
    let (a, z) = (a as usize, z as usize);
    if a != z {
        // Watchers of keys in either database may now see other values.
        touch_watched_across(ctx, a, z);
        touch_watched_across(ctx, z, a);
        let (lo, hi) = (a.min(z), a.max(z));
        let (left, right) = ctx.core.dbs.split_at_mut(hi);
        left[lo].swap_data(&mut right[0]);
    }
    ctx.dirty += 1;
    ctx.ok();
    Ok(())
}

/// Marks dirty the watchers of keys of `db` that exist in `db` or in `other` (the database
/// whose contents `db` is about to show), as Redis's touchAllWatchedKeysInDb.
fn touch_watched_across(ctx: &mut Ctx, db: usize, other: usize) {
    for key in ctx.core.dbs[db].watched_keys() {
        let k = key.as_bytes();
        if ctx.core.dbs[db].get(k).is_some() || ctx.core.dbs[other].get(k).is_some() {
            ctx.core.dbs[db].signal_modified(k);
        }
    }
}

/// Parses the optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL.
fn parse_flush_mode(args: &[Bytes]) -> CmdResult {
    match args.len() {
        1 => Ok(()),
        2 if args[1].eq_ignore_ascii_case(b"ASYNC") || args[1].eq_ignore_ascii_case(b"SYNC") => {
            Ok(())
        }
        _ => Err(errors::SYNTAX.into()),
    }
}

fn flushdb(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    parse_flush_mode(args)?;
    let db = ctx.db();
    db.signal_all(true);
    let removed = db.clear() as u64;
    // Always propagated, even when the database was already empty (as Redis does).
    ctx.dirty += removed + 1;
    ctx.ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    parse_flush_mode(args)?;
    let mut removed = 0;
    for db in ctx.core.dbs.iter_mut() {
        db.signal_all(true);
        removed += db.clear() as u64;
    }
    // As Redis's flushAllDataAndResetRDB: a running background save is abandoned (it would
    // resurrect the data) and, with save points, the now empty dataset is saved at once.
    ctx.core.dirty += removed;
    ctx.core.cancel_bgsave();
    if !ctx.core.config.save.is_empty() {
        let _ = ctx.core.save_now();
    }
    ctx.dirty += 1;
    ctx.ok();
    Ok(())
}

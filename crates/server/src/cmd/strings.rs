//! String commands. Effects with relative times are recorded as absolute ones
//! (`SET k v EX 10` → `SET k v PXAT t`), INCRBYFLOAT as `SET ... KEEPTTL`, GETSET and
//! `SET ... GET` as plain `SET` (design.md, "One order for every write").

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::errors;
use crate::keyspace::{ReadLookup, Value};
use bytes::Bytes;

pub(crate) mod long_double;

const W: u32 = WRITE | DENYOOM;
const R: u32 = READONLY;

pub static COMMANDS: &[Command] = &[
    Command::new("get", 2, R | FAST, get)
        .keys(1, 1, 1)
        .group("string")
        .doc("Get the value of a key", "1.0.0"),
    Command::new("set", -3, W, set)
        .keys(1, 1, 1)
        .group("string")
        .doc("Set the string value of a key", "1.0.0"),
    Command::new("setnx", 3, W | FAST, setnx)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Set the value of a key, only if the key does not exist",
            "1.0.0",
        ),
    Command::new("setex", 4, W, setex)
        .keys(1, 1, 1)
        .group("string")
        .doc("Set the value and expiration of a key", "2.0.0"),
    Command::new("psetex", 4, W, psetex)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Set the value and expiration in milliseconds of a key",
            "2.6.0",
        ),
    Command::new("getset", 3, W | FAST, getset)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Set the string value of a key and return its old value",
            "1.0.0",
        ),
    Command::new("getdel", 2, WRITE | FAST, getdel)
        .keys(1, 1, 1)
        .group("string")
        .doc("Get the value of a key and delete the key", "6.2.0"),
    Command::new("getex", -2, WRITE | FAST, getex)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Get the value of a key and optionally set its expiration",
            "6.2.0",
        ),
    Command::new("mget", -2, R | FAST, mget)
        .keys(1, -1, 1)
        .group("string")
        .doc("Get the values of all the given keys", "1.0.0"),
    Command::new("mset", -3, W, mset)
        .keys(1, -1, 2)
        .group("string")
        .doc("Set multiple keys to multiple values", "1.0.1"),
    Command::new("msetnx", -3, W, msetnx)
        .keys(1, -1, 2)
        .group("string")
        .doc(
            "Set multiple keys to multiple values, only if none of the keys exist",
            "1.0.1",
        ),
    Command::new("incr", 2, W | FAST, incr)
        .keys(1, 1, 1)
        .group("string")
        .doc("Increment the integer value of a key by one", "1.0.0"),
    Command::new("decr", 2, W | FAST, decr)
        .keys(1, 1, 1)
        .group("string")
        .doc("Decrement the integer value of a key by one", "1.0.0"),
    Command::new("incrby", 3, W | FAST, incrby)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Increment the integer value of a key by the given amount",
            "1.0.0",
        ),
    Command::new("decrby", 3, W | FAST, decrby)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Decrement the integer value of a key by the given number",
            "1.0.0",
        ),
    Command::new("incrbyfloat", 3, W | FAST, incrbyfloat)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Increment the float value of a key by the given amount",
            "2.6.0",
        ),
    Command::new("append", 3, W | FAST, append)
        .keys(1, 1, 1)
        .group("string")
        .doc("Append a value to a key", "2.0.0"),
    Command::new("strlen", 2, R | FAST, strlen)
        .keys(1, 1, 1)
        .group("string")
        .doc("Get the length of the value stored in a key", "2.2.0"),
    Command::new("getrange", 4, R, getrange)
        .keys(1, 1, 1)
        .group("string")
        .doc("Get a substring of the string stored at a key", "2.4.0"),
    Command::new("substr", 4, R, getrange)
        .keys(1, 1, 1)
        .group("string")
        .doc("Get a substring of the string stored at a key", "1.0.0"),
    Command::new("setrange", 4, W, setrange)
        .keys(1, 1, 1)
        .group("string")
        .doc(
            "Overwrite part of a string at key starting at the specified offset",
            "2.2.0",
        ),
    Command::new("setbit", 4, W, setbit)
        .keys(1, 1, 1)
        .group("bitmap")
        .doc(
            "Sets or clears the bit at offset in the string value stored at key",
            "2.2.0",
        ),
    Command::new("getbit", 3, R | FAST, getbit)
        .keys(1, 1, 1)
        .group("bitmap")
        .doc(
            "Returns the bit value at offset in the string value stored at key",
            "2.2.0",
        ),
    Command::new("bitcount", -2, R, bitcount)
        .keys(1, 1, 1)
        .group("bitmap")
        .doc("Count set bits in a string", "2.6.0"),
    Command::new("bitpos", -3, R, bitpos)
        .keys(1, 1, 1)
        .group("bitmap")
        .doc("Find first bit set or clear in a string", "2.8.7"),
    Command::new("lcs", -3, R, lcs)
        .keys(1, 2, 1)
        .group("string")
        .doc("Find longest common substring", "7.0.0"),
];

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: i64) -> Bytes {
    Bytes::from(itoa::Buffer::new().format(n).to_owned())
}

fn get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // The hot path: one hash lookup, the reply written straight from the stored value.
    let core = &mut *ctx.core;
    match core.dbs[ctx.client.db].lookup_read(&args[1], ctx.now_ms) {
        ReadLookup::Live(e) => {
            if !e.value.is_string() {
                // The key was found: Redis counts the hit before the type check fails.
                core.stats.keyspace_hits += 1;
                return Err(errors::WRONGTYPE.into());
            }
            let mut buf = itoa::Buffer::new();
            ferrodis_resp::write_bulk(ctx.out, e.value.str_bytes(&mut buf));
            core.stats.keyspace_hits += 1;
        }
        ReadLookup::Missing => {
            core.stats.keyspace_misses += 1;
            ferrodis_resp::write_null(ctx.out, ctx.client.proto);
        }
        ReadLookup::Expired => {
            ctx.expire_if_needed(&args[1]);
            ctx.core.stats.keyspace_misses += 1;
            ctx.null();
        }
    }
    Ok(())
}

/// When a SET-family key expires.
#[derive(Clone, Copy, PartialEq)]
enum Expiry {
    None,
    KeepTtl,
    /// Absolute unix ms; `relative` says whether the client gave a relative time.
    At {
        ms: u64,
        relative: bool,
    },
}

/// The time options of SET and GETEX.
#[derive(Clone, Copy, PartialEq)]
enum TimeOpt {
    Ex,
    Px,
    ExAt,
    PxAt,
}

impl TimeOpt {
    fn parse(opt: &[u8]) -> Option<TimeOpt> {
        match opt {
            b"EX" => Some(TimeOpt::Ex),
            b"PX" => Some(TimeOpt::Px),
            b"EXAT" => Some(TimeOpt::ExAt),
            b"PXAT" => Some(TimeOpt::PxAt),
            _ => None,
        }
    }

    /// (ms per unit, relative to now)
    fn unit(self) -> (i64, bool) {
        match self {
            TimeOpt::Ex => (1000, true),
            TimeOpt::Px => (1, true),
            TimeOpt::ExAt => (1000, false),
            TimeOpt::PxAt => (1, false),
        }
    }
}

/// SET's and GETEX's options, read as Redis's parseExtendedStringArgumentsOrReply reads them:
/// every option is parsed before any time is checked, an option may be repeated (the last time
/// given wins), conflicting ones are a syntax error.
#[derive(Default)]
struct ExtendedArgs<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    time: Option<(TimeOpt, &'a [u8])>,
}

impl<'a> ExtendedArgs<'a> {
    /// `for_set`: SET (NX, XX, GET, KEEPTTL) rather than GETEX (PERSIST).
    fn parse(opts: &'a [Bytes], for_set: bool) -> Result<ExtendedArgs<'a>, super::CmdError> {
        let mut a = ExtendedArgs::default();
        let mut i = 0;
        while i < opts.len() {
            let opt = opts[i].to_ascii_uppercase();
            let next = opts.get(i + 1);
            let no_time = a.time.is_none();
            match (opt.as_slice(), TimeOpt::parse(&opt)) {
                (b"NX", _) if for_set && !a.xx => a.nx = true,
                (b"XX", _) if for_set && !a.nx => a.xx = true,
                (b"GET", _) if for_set => a.get = true,
                (b"KEEPTTL", _) if for_set && no_time => a.keep_ttl = true,
                (b"PERSIST", _) if !for_set && no_time => a.persist = true,
                (_, Some(t))
                    if !a.keep_ttl
                        && !a.persist
                        && a.time.is_none_or(|(cur, _)| cur == t)
                        && next.is_some() =>
                {
                    a.time = next.map(|n| (t, n.as_ref()));
                    i += 1;
                }
                _ => return Err(errors::SYNTAX.into()),
            }
            i += 1;
        }
        Ok(a)
    }

    /// The time option as an absolute expiry, checked as Redis's getExpireMillisecondsOrReply.
    fn expiry(&self, ctx: &Ctx) -> Result<Expiry, super::CmdError> {
        match self.time {
            Some((t, arg)) => {
                let (unit, relative) = t.unit();
                expiry_from(ctx, unit, relative, arg)
            }
            None if self.keep_ttl => Ok(Expiry::KeepTtl),
            None => Ok(Expiry::None),
        }
    }
}

/// Turns EX/PX/EXAT/PXAT arguments into an absolute time, with Redis's checks.
fn expiry_from(
    ctx: &Ctx,
    unit_ms: i64,
    relative: bool,
    arg: &[u8],
) -> Result<Expiry, super::CmdError> {
    let v = parse_int(arg)?;
    let invalid = || super::CmdError::from(errors::invalid_expire(ctx.cmd.name));
    if v <= 0 {
        return Err(invalid());
    }
    let mut ms = v.checked_mul(unit_ms).ok_or_else(invalid)?;
    if relative {
        ms = ms.checked_add(ctx.now_ms as i64).ok_or_else(invalid)?;
    }
    Ok(Expiry::At {
        ms: ms as u64,
        relative,
    })
}

/// Applies a SET-family write: value, expiry, WATCH, dirty, and the recorded effect.
fn store(ctx: &mut Ctx, key: &Bytes, value_arg: &Bytes, expiry: Expiry) {
    let keep = expiry == Expiry::KeepTtl;
    ctx.set_key(key, Value::from_bytes(value_arg), keep);
    if let Expiry::At { ms, .. } = expiry {
        ctx.db().set_expire(key, Some(ms));
    }
}

fn set(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = ExtendedArgs::parse(&args[3..], true)?;
    let expiry = opts.expiry(ctx)?;
    let (nx, xx, want_get) = (opts.nx, opts.xx, opts.get);
    let key = &args[1];
    let old = if want_get {
        ctx.read_string(key)?
    } else {
        None
    };
    // Plain SET needs no existence check (the hot path): `set_key` replaces whatever is there
    // and records a logically expired old key's expiry itself.
    let blocked = (nx || xx) && {
        let exists = if want_get {
            old.is_some()
        } else {
            ctx.exists_for_write(key)
        };
        (nx && exists) || (xx && !exists)
    };
    if blocked {
        match (want_get, old) {
            (true, Some(v)) => ctx.bulk_value(&v),
            _ => ctx.null(),
        }
        return Ok(());
    }
    store(ctx, key, &args[2], expiry);
    match (want_get, old) {
        (true, Some(v)) => ctx.bulk_value(&v),
        (true, None) => ctx.null(),
        _ => ctx.ok(),
    }
    if ctx.propagating() {
        let mut effect = vec![b("SET"), key.clone(), args[2].clone()];
        match expiry {
            // Every expiry form (EX, PX, EXAT, PXAT) is propagated as PXAT, as Redis 7.0.
            Expiry::At { ms, .. } => {
                effect.extend([b("PXAT"), num(ms as i64)]);
                ctx.rewrite_effect(effect);
            }
            Expiry::KeepTtl if want_get => {
                effect.push(b("KEEPTTL"));
                ctx.rewrite_effect(effect);
            }
            Expiry::None if want_get => ctx.rewrite_effect(effect),
            _ => {}
        }
    }
    Ok(())
}

fn setnx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if ctx.exists_for_write(&args[1]) {
        ctx.int(0);
    } else {
        store(ctx, &args[1], &args[2], Expiry::None);
        ctx.int(1);
    }
    Ok(())
}

fn setex_generic(ctx: &mut Ctx, args: &[Bytes], unit_ms: i64) -> CmdResult {
    let expiry = expiry_from(ctx, unit_ms, true, &args[2])?;
    store(ctx, &args[1], &args[3], expiry);
    ctx.ok();
    if let (true, Expiry::At { ms, .. }) = (ctx.propagating(), expiry) {
        ctx.rewrite_effect(vec![
            b("SET"),
            args[1].clone(),
            args[3].clone(),
            b("PXAT"),
            num(ms as i64),
        ]);
    }
    Ok(())
}

fn setex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    setex_generic(ctx, args, 1000)
}

fn psetex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    setex_generic(ctx, args, 1)
}

fn getset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let old = ctx.read_string(&args[1])?;
    store(ctx, &args[1], &args[2], Expiry::None);
    match old {
        Some(v) => ctx.bulk_value(&v),
        None => ctx.null(),
    }
    if ctx.propagating() {
        ctx.rewrite_effect(vec![b("SET"), args[1].clone(), args[2].clone()]);
    }
    Ok(())
}

fn getdel(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match ctx.read_string(&args[1])? {
        Some(v) => {
            ctx.delete_key(&args[1]);
            ctx.bulk_value(&v);
            if ctx.propagating() {
                ctx.rewrite_effect(vec![b("DEL"), args[1].clone()]);
            }
        }
        None => ctx.null(),
    }
    Ok(())
}

fn getex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let opts = ExtendedArgs::parse(&args[2..], false)?;
    let key = &args[1];
    // As Redis: a missing key replies nil before the time is checked.
    let Some(v) = ctx.read_string(key)? else {
        ctx.null();
        return Ok(());
    };
    let expiry = opts.expiry(ctx)?;
    ctx.bulk_value(&v);
    if let Expiry::At { ms, .. } = expiry {
        if ms <= ctx.now_ms && !ctx.core.is_replica() {
            ctx.delete_key(key);
            ctx.rewrite_effect(vec![b("DEL"), key.clone()]);
        } else {
            ctx.db().set_expire(key, Some(ms));
            ctx.modified(key);
            ctx.rewrite_effect(vec![b("PEXPIREAT"), key.clone(), num(ms as i64)]);
        }
    } else if opts.persist {
        let had = ctx.db().get(key).and_then(|e| e.expire_at()).is_some();
        if had {
            ctx.db().set_expire(key, None);
            ctx.modified(key);
            ctx.rewrite_effect(vec![b("PERSIST"), key.clone()]);
        }
    }
    Ok(())
}

fn mget(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.array(args.len() - 1);
    for key in &args[1..] {
        match ctx.lookup_read(key).map(|e| e.value.clone()) {
            Some(v) if v.is_string() => ctx.bulk_value(&v),
            _ => ctx.null(),
        }
    }
    Ok(())
}

fn mset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(errors::arity(ctx.cmd.name).into());
    }
    for pair in args[1..].chunks(2) {
        store(ctx, &pair[0], &pair[1], Expiry::None);
    }
    ctx.ok();
    Ok(())
}

fn msetnx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(errors::arity(ctx.cmd.name).into());
    }
    let any_exists = args[1..].chunks(2).any(|p| ctx.exists_for_write(&p[0]));
    if any_exists {
        ctx.int(0);
        return Ok(());
    }
    for pair in args[1..].chunks(2) {
        store(ctx, &pair[0], &pair[1], Expiry::None);
    }
    ctx.int(1);
    Ok(())
}

/// INCR/DECR family: in place on an integer value, keeping the TTL.
fn incr_by(ctx: &mut Ctx, key: &Bytes, delta: i64) -> CmdResult {
    let new = match ctx.lookup_write(key) {
        Some(v) => {
            if !v.is_string() {
                return Err(errors::WRONGTYPE.into());
            }
            let current = v.as_int().ok_or(errors::NOT_INTEGER)?;
            let new = current.checked_add(delta).ok_or(errors::OVERFLOW)?;
            *v = Value::Int(new);
            new
        }
        None => {
            let now = ctx.now_ms;
            ctx.db().insert(key, Value::Int(delta), false, now);
            delta
        }
    };
    ctx.modified(key);
    ctx.int(new);
    Ok(())
}

fn incr(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    incr_by(ctx, &args[1], 1)
}

fn decr(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    incr_by(ctx, &args[1], -1)
}

fn incrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let d = parse_int(&args[2])?;
    incr_by(ctx, &args[1], d)
}

fn decrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let d = parse_int(&args[2])?;
    if d == i64::MIN {
        return Err("ERR decrement would overflow".into());
    }
    incr_by(ctx, &args[1], -d)
}

/// INCRBYFLOAT in `long double`, as Redis: the key's type first, then its value, then the
/// increment; the result is stored as its text (never int-encoded), keeping the TTL.
fn incrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    use long_double::Ld;
    let current = match ctx.lookup_write(&args[1]) {
        None => Ld::from_i64(0),
        Some(v) if !v.is_string() => return Err(errors::WRONGTYPE.into()),
        Some(Value::Int(n)) => Ld::from_i64(*n),
        Some(v) => long_double::parse(&v.to_vec()).ok_or(errors::NOT_FLOAT)?,
    };
    let delta = long_double::parse(&args[2]).ok_or(errors::NOT_FLOAT)?;
    let new = long_double::add(current, delta).ok_or(errors::INCR_NAN_INF)?;
    let text = long_double::format_human(new);
    ctx.set_key(&args[1], Value::from_bytes_no_int(text.as_bytes()), true);
    ctx.bulk(text.as_bytes());
    if ctx.propagating() {
        let effect = vec![b("SET"), args[1].clone(), Bytes::from(text), b("KEEPTTL")];
        ctx.rewrite_effect(effect);
    }
    Ok(())
}

/// Checks that a string of `len` bytes stays under proto-max-bulk-len.
fn check_string_length(ctx: &Ctx, len: u64) -> CmdResult {
    if len > ctx.core.config.proto_max_bulk_len {
        return Err(errors::STRING_TOO_LONG.into());
    }
    Ok(())
}

fn append(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let new_len = match ctx.lookup_write(key) {
        None => None,
        Some(v) if !v.is_string() => return Err(errors::WRONGTYPE.into()),
        Some(v) => Some(v.str_len() + args[2].len()),
    };
    match new_len {
        None => {
            store(ctx, key, &args[2], Expiry::None);
            ctx.int(args[2].len() as i64);
        }
        Some(len) => {
            check_string_length(ctx, len as u64)?;
            if let Some(v) = ctx.lookup_write(key) {
                v.make_growable().extend_from_slice(&args[2]);
            }
            ctx.modified(key);
            ctx.int(len as i64);
        }
    }
    Ok(())
}

fn strlen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = ctx.read_string(&args[1])?.map_or(0, |v| v.str_len());
    ctx.int(n as i64);
    Ok(())
}

/// Clamps Redis-style inclusive (start, end) indexes (negative from the end) to `len`.
fn clamp_range(start: i64, end: i64, len: i64) -> Option<(usize, usize)> {
    let mut s = if start < 0 { len + start } else { start };
    let mut e = if end < 0 { len + end } else { end };
    if s < 0 {
        s = 0;
    }
    if e < 0 {
        e = 0;
    }
    if e >= len {
        e = len - 1;
    }
    if s > e || len == 0 {
        return None;
    }
    Some((s as usize, e as usize))
}

fn getrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let Some(v) = ctx.read_string(&args[1])? else {
        ctx.bulk(b"");
        return Ok(());
    };
    let mut buf = itoa::Buffer::new();
    let s = v.str_bytes(&mut buf);
    if start < 0 && end < 0 && start > end {
        ctx.bulk(b"");
        return Ok(());
    }
    match clamp_range(start, end, s.len() as i64) {
        Some((a, z)) => ferrodis_resp::write_bulk(ctx.out, &s[a..=z]),
        None => ctx.bulk(b""),
    }
    Ok(())
}

fn setrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = parse_int(&args[2])?;
    if offset < 0 {
        return Err("ERR offset is out of range".into());
    }
    let key = &args[1];
    let value = &args[3];
    let exists = match ctx.lookup_write(key) {
        None => false,
        Some(v) if !v.is_string() => return Err(errors::WRONGTYPE.into()),
        Some(_) => true,
    };
    if !exists {
        if value.is_empty() {
            ctx.int(0);
            return Ok(());
        }
        check_string_length(ctx, offset as u64 + value.len() as u64)?;
        let mut buf = vec![0u8; offset as usize];
        buf.extend_from_slice(value);
        let len = buf.len();
        let now = ctx.now_ms;
        ctx.db().insert(key, Value::from_growable(buf), false, now);
        ctx.modified(key);
        ctx.int(len as i64);
        return Ok(());
    }
    let cur_len = ctx.lookup_write(key).map_or(0, |v| v.str_len());
    if value.is_empty() {
        ctx.int(cur_len as i64);
        return Ok(());
    }
    check_string_length(ctx, offset as u64 + value.len() as u64)?;
    let mut len = cur_len;
    if let Some(v) = ctx.lookup_write(key) {
        let buf = v.make_growable();
        let end = offset as usize + value.len();
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf[offset as usize..end].copy_from_slice(value);
        len = buf.len();
    }
    ctx.modified(key);
    ctx.int(len as i64);
    Ok(())
}

/// Parses a bit offset: 0 .. 2^32*8-1 (512MB strings), as Redis's getBitOffsetFromArgument.
fn parse_bit_offset(arg: &[u8], ctx: &Ctx) -> Result<u64, super::CmdError> {
    let v = crate::keyspace::parse_i64_strict(arg).ok_or(errors::BIT_OFFSET)?;
    let max_bits = (ctx.core.config.proto_max_bulk_len as i64).saturating_mul(8);
    if v < 0 || v >= max_bits {
        return Err(errors::BIT_OFFSET.into());
    }
    Ok(v as u64)
}

fn setbit(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = parse_bit_offset(&args[2], ctx)?;
    let on = match args[3].as_ref() {
        b"1" => true,
        b"0" => false,
        _ => return Err(errors::BIT_VALUE.into()),
    };
    let key = &args[1];
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    let old = match ctx.lookup_write(key) {
        Some(v) if !v.is_string() => return Err(errors::WRONGTYPE.into()),
        Some(v) => {
            let buf = v.make_growable();
            if buf.len() <= byte {
                buf.resize(byte + 1, 0);
            }
            let old = buf[byte] & mask != 0;
            if on {
                buf[byte] |= mask;
            } else {
                buf[byte] &= !mask;
            }
            old
        }
        None => {
            let mut buf = vec![0u8; byte + 1];
            if on {
                buf[byte] |= mask;
            }
            let now = ctx.now_ms;
            ctx.db().insert(key, Value::from_growable(buf), false, now);
            false
        }
    };
    ctx.modified(key);
    ctx.int(old as i64);
    Ok(())
}

fn getbit(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let offset = parse_bit_offset(&args[2], ctx)?;
    let bit = match ctx.read_string(&args[1])? {
        None => 0,
        Some(v) => {
            let mut buf = itoa::Buffer::new();
            let s = v.str_bytes(&mut buf);
            let byte = (offset >> 3) as usize;
            if byte < s.len() {
                (s[byte] >> (7 - (offset & 7))) & 1
            } else {
                0
            }
        }
    };
    ctx.int(bit as i64);
    Ok(())
}

/// Parses the optional BYTE|BIT unit of BITCOUNT/BITPOS.
fn parse_unit(arg: Option<&Bytes>) -> Result<bool, super::CmdError> {
    match arg.map(|a| a.to_ascii_uppercase()) {
        None => Ok(false),
        Some(u) if u == b"BYTE" => Ok(false),
        Some(u) if u == b"BIT" => Ok(true),
        Some(_) => Err(errors::SYNTAX.into()),
    }
}

/// Resolves a BITCOUNT/BITPOS range to inclusive bit positions over a string of `len` bytes.
fn bit_range(start: i64, end: i64, len: usize, is_bit: bool) -> Option<(u64, u64)> {
    let total = if is_bit { len as i64 * 8 } else { len as i64 };
    let (s, e) = clamp_range(start, end, total)?;
    if is_bit {
        Some((s as u64, e as u64))
    } else {
        Some((s as u64 * 8, e as u64 * 8 + 7))
    }
}

/// Set bits between the bit positions `first` and `last` (inclusive).
fn count_bits(s: &[u8], first: u64, last: u64) -> u64 {
    let (fb, lb) = ((first / 8) as usize, (last / 8) as usize);
    let all: u64 = s[fb..=lb].iter().map(|b| b.count_ones() as u64).sum();
    let before_first = s[fb] & !(0xFFu8 >> (first % 8));
    let after_last = s[lb] & (0xFFu8 >> (last % 8) >> 1);
    all - before_first.count_ones() as u64 - after_last.count_ones() as u64
}

/// BITCOUNT as Redis's bitcountCommand, whose order shows in replies: the key is looked up
/// first (a missing key counts 0 whatever the arguments), then start and end, then an empty
/// negative range answers 0 before the unit is checked.
fn bitcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let Some(v) = ctx.read_string(&args[1])? else {
        ctx.int(0);
        return Ok(());
    };
    let mut buf = itoa::Buffer::new();
    let s = v.str_bytes(&mut buf);
    let count = match args.len() {
        2 => s.iter().map(|b| b.count_ones() as u64).sum(),
        4 | 5 => {
            let start = parse_int(&args[2])?;
            let end = parse_int(&args[3])?;
            if start < 0 && end < 0 && start > end {
                0
            } else {
                let is_bit = parse_unit(args.get(4))?;
                bit_range(start, end, s.len(), is_bit).map_or(0, |(a, z)| count_bits(s, a, z))
            }
        }
        _ => return Err(errors::SYNTAX.into()),
    };
    ctx.int(count as i64);
    Ok(())
}

/// The first bit equal to `bit` between bit positions `first` and `last` (inclusive), skipping
/// whole bytes that cannot hold it.
fn find_bit(s: &[u8], first: u64, last: u64, bit: u8) -> Option<u64> {
    let skip = if bit == 1 { 0x00 } else { 0xFF };
    let mut i = first;
    while i <= last {
        let byte = s[(i >> 3) as usize];
        if i & 7 == 0 && i + 7 <= last && byte == skip {
            i += 8;
            continue;
        }
        if (byte >> (7 - (i & 7))) & 1 == bit {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// BITPOS as Redis's bitposCommand: the bit argument first, then the key (a missing key is all
/// clear bits), then start, the unit, and end, in that order.
fn bitpos(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let bit = match parse_int(&args[2])? {
        0 => 0u8,
        1 => 1u8,
        _ => return Err("ERR The bit argument must be 1 or 0.".into()),
    };
    let Some(v) = ctx.read_string(&args[1])? else {
        ctx.int(if bit == 1 { -1 } else { 0 });
        return Ok(());
    };
    let mut buf = itoa::Buffer::new();
    let s = v.str_bytes(&mut buf);
    let (start, end, is_bit) = match args.len() {
        3 => (0, None, false),
        4..=6 => {
            let start = parse_int(&args[3])?;
            let is_bit = args.len() == 6 && parse_unit(args.get(5))?;
            let end = args.get(4).map(|a| parse_int(a)).transpose()?;
            (start, end, is_bit)
        }
        _ => return Err(errors::SYNTAX.into()),
    };
    let Some((a, z)) = bit_range(start, end.unwrap_or(-1), s.len(), is_bit) else {
        ctx.int(-1);
        return Ok(());
    };
    let found = find_bit(s, a, z, bit);
    let reply = match found {
        Some(pos) => pos as i64,
        // Looking for a clear bit with no end given: the string is padded with zeros on the right.
        None if bit == 0 && end.is_none() => (z + 1) as i64,
        None => -1,
    };
    ctx.int(reply);
    Ok(())
}

/// One common run found by LCS: its ranges (inclusive) in each string.
struct LcsMatch {
    a: (usize, usize),
    b: (usize, usize),
}

impl LcsMatch {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

/// The values LCS compares: a missing key is an empty string; a key of another type is
/// LCS's own error, checked (as in Redis) before the options.
fn lcs_operand(ctx: &mut Ctx, key: &[u8]) -> Result<Vec<u8>, super::CmdError> {
    match ctx.lookup_read(key) {
        None => Ok(Vec::new()),
        Some(e) if e.value.is_string() => Ok(e.value.to_vec()),
        Some(_) => Err("ERR The specified keys must contain string values".into()),
    }
}

/// LCS as Redis's lcsCommand: the keys first, then the options, then the table (refused when
/// its 4-byte cells would exceed proto-max-bulk-len), then the walk back from the end that
/// emits each common run, last first.
fn lcs(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let a = lcs_operand(ctx, &args[1])?;
    let bb = lcs_operand(ctx, &args[2])?;
    let (mut want_len, mut want_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: usize = 0;
    let mut i = 3;
    while i < args.len() {
        let opt = args[i].to_ascii_uppercase();
        match opt.as_slice() {
            b"LEN" => want_len = true,
            b"IDX" => want_idx = true,
            b"WITHMATCHLEN" => with_match_len = true,
            b"MINMATCHLEN" if i + 1 < args.len() => {
                min_match_len = parse_int(&args[i + 1])?.max(0) as usize;
                i += 1;
            }
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 1;
    }
    if want_len && want_idx {
        return Err("ERR If you want both the length and indexes, please just use IDX.".into());
    }
    let (la, lb) = (a.len(), bb.len());
    let table_bytes = (la as u128 + 1) * (lb as u128 + 1) * 4;
    if table_bytes > ctx.core.config.proto_max_bulk_len as u128 {
        return Err(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len".into(),
        );
    }
    let w = lb + 1;
    let mut dp = vec![0u32; (la + 1) * w];
    for i in 1..=la {
        for j in 1..=lb {
            dp[i * w + j] = if a[i - 1] == bb[j - 1] {
                dp[(i - 1) * w + j - 1] + 1
            } else {
                dp[(i - 1) * w + j].max(dp[i * w + j - 1])
            };
        }
    }
    let total = dp[la * w + lb] as usize;
    if want_len {
        ctx.int(total as i64);
        return Ok(());
    }
    let mut result = vec![0u8; total];
    let mut idx = total;
    let (mut i, mut j) = (la, lb);
    let mut matches: Vec<LcsMatch> = Vec::new();
    let mut cur: Option<LcsMatch> = None;
    while i > 0 && j > 0 {
        if a[i - 1] == bb[j - 1] {
            idx -= 1;
            result[idx] = a[i - 1];
            cur = Some(match cur {
                Some(m) => LcsMatch {
                    a: (i - 1, m.a.1),
                    b: (j - 1, m.b.1),
                },
                None => LcsMatch {
                    a: (i - 1, i - 1),
                    b: (j - 1, j - 1),
                },
            });
            i -= 1;
            j -= 1;
            // A run ends where the next step back is not a match too.
            let continues = i > 0 && j > 0 && a[i - 1] == bb[j - 1];
            if !continues {
                matches.extend(cur.take());
            }
        } else {
            matches.extend(cur.take());
            if dp[(i - 1) * w + j] > dp[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
        }
    }
    matches.extend(cur.take());
    if !want_idx {
        ctx.bulk(&result);
        return Ok(());
    }
    matches.retain(|m| m.len() >= min_match_len);
    ctx.map(2);
    ctx.bulk(b"matches");
    ctx.array(matches.len());
    for m in &matches {
        ctx.array(if with_match_len { 3 } else { 2 });
        ctx.array(2);
        ctx.int(m.a.0 as i64);
        ctx.int(m.a.1 as i64);
        ctx.array(2);
        ctx.int(m.b.0 as i64);
        ctx.int(m.b.1 as i64);
        if with_match_len {
            ctx.int(m.len() as i64);
        }
    }
    ctx.bulk(b"len");
    ctx.int(total as i64);
    Ok(())
}

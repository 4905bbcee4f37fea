//! ZPOPMIN, ZPOPMAX, ZMPOP and the blocking pops BZPOPMIN, BZPOPMAX, BZMPOP (Redis's
//! genericZpopCommand and blockingGenericZpopCommand). Reply shapes differ by command and
//! protocol exactly as in Redis 7.0: ZPOPMIN without a count is a flat [member, score] in both
//! protocols, with a count RESP3 nests [member, score] pairs; BZPOPMIN is a flat [key, member,
//! score]; ZMPOP/BZMPOP are [key, [[member, score], ...]]. ZMPOP, BZMPOP and a served
//! BZPOPMIN/BZPOPMAX are recorded as `ZPOPMIN|ZPOPMAX key [count]`.

use super::{modified_n, parse_int_at_least, write_zset, zset_len_for_write};
use crate::blocking::TimeoutReply;
use crate::cmd::{CmdError, CmdResult, Ctx};
use crate::errors;
use bytes::Bytes;
use ferrodis_resp::Proto;

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Min,
    Max,
}

impl End {
    fn pop_name(self) -> &'static str {
        match self {
            End::Min => "ZPOPMIN",
            End::Max => "ZPOPMAX",
        }
    }
}

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: usize) -> Bytes {
    Bytes::from(itoa::Buffer::new().format(n).to_owned())
}

/// Pops up to `count` elements of the set at `key` (known to exist), lowest or highest first;
/// deletes the key when emptied. Each element is one change, as Redis counts `dirty`.
fn pop_elements(ctx: &mut Ctx, key: &[u8], end: End, count: usize) -> Vec<(Vec<u8>, f64)> {
    let Ok(Some(z)) = write_zset(ctx, key) else {
        return Vec::new();
    };
    let popped = match end {
        End::Min => z.pop_min(count),
        End::Max => z.pop_max(count),
    };
    ctx.delete_if_emptied(key);
    modified_n(ctx, key, popped.len());
    popped
}

/// The length of a candidate set for a pop: None if missing (or, when serving a blocked
/// client, of another type: Redis serves only the key that became ready, so a key of the
/// wrong type earlier in the list must not turn the wake-up into an error).
fn candidate(ctx: &mut Ctx, key: &[u8]) -> Result<Option<usize>, CmdError> {
    match zset_len_for_write(ctx, key) {
        Err(_) if ctx.client.serving_blocked => Ok(None),
        other => Ok(other?.filter(|&n| n > 0)),
    }
}

pub(super) fn zpopmin(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zpop_generic(ctx, args, End::Min)
}

pub(super) fn zpopmax(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zpop_generic(ctx, args, End::Max)
}

/// ZPOPMIN/ZPOPMAX key [count]. A missing key answers an empty array, with or without count.
fn zpop_generic(ctx: &mut Ctx, args: &[Bytes], end: End) -> CmdResult {
    if args.len() > 3 {
        return Err(errors::SYNTAX.into());
    }
    let count = match args.get(2) {
        Some(a) => Some(parse_int_at_least(
            a,
            0,
            "ERR value is out of range, must be positive",
        )?),
        None => None,
    };
    let key = &args[1];
    if candidate(ctx, key)?.is_none() || count == Some(0) {
        ctx.array(0);
        return Ok(());
    }
    let n = count.map_or(1, |c| usize::try_from(c).unwrap_or(usize::MAX));
    let popped = pop_elements(ctx, key, end, n);
    let nested = count.is_some() && ctx.proto() == Proto::Resp3;
    ctx.array(if nested {
        popped.len()
    } else {
        popped.len() * 2
    });
    for (member, score) in &popped {
        if nested {
            ctx.array(2);
        }
        ctx.bulk(member);
        ctx.double(*score);
    }
    Ok(())
}

/// `numkeys key... MIN|MAX [COUNT count]` from `args[at]`: the keys, the end and the count.
fn parse_mpop(args: &[Bytes], at: usize) -> Result<(&[Bytes], End, usize), CmdError> {
    let numkeys = parse_int_at_least(&args[at], 1, "ERR numkeys should be greater than 0")?;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|&w| w < args.len())
        .ok_or(errors::SYNTAX)?;
    let end = match args[where_at].to_ascii_lowercase().as_slice() {
        b"min" => End::Min,
        b"max" => End::Max,
        _ => return Err(errors::SYNTAX.into()),
    };
    let mut count: Option<usize> = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && super::is(&args[j], "count") && j + 1 < args.len() {
            let n = parse_int_at_least(&args[j + 1], 1, "ERR count should be greater than 0")?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
            j += 2;
        } else {
            return Err(errors::SYNTAX.into());
        }
    }
    Ok((&args[at + 1..where_at], end, count.unwrap_or(1)))
}

/// Pops from the first non-empty set among `keys` (a key of another type met first is an
/// error) and replies [key, [[member, score], ...]]; recorded as `ZPOPMIN|ZPOPMAX key n`.
/// False if every key was missing.
fn mpop_first(ctx: &mut Ctx, keys: &[Bytes], end: End, count: usize) -> Result<bool, CmdError> {
    for key in keys {
        let Some(len) = candidate(ctx, key)? else {
            continue;
        };
        let popped = pop_elements(ctx, key, end, count);
        ctx.array(2);
        ctx.bulk(key);
        ctx.array(popped.len());
        for (member, score) in &popped {
            ctx.array(2);
            ctx.bulk(member);
            ctx.double(*score);
        }
        ctx.rewrite_effect(vec![b(end.pop_name()), key.clone(), num(count.min(len))]);
        return Ok(true);
    }
    Ok(false)
}

pub(super) fn zmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(args, 1)?;
    if !mpop_first(ctx, keys, end, count)? {
        ctx.null_array();
    }
    Ok(())
}

pub(super) fn bzpopmin(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bzpop_generic(ctx, args, End::Min)
}

pub(super) fn bzpopmax(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bzpop_generic(ctx, args, End::Max)
}

/// Blocks (or, where a client may not block, replies the timeout's null array).
fn block(ctx: &mut Ctx, keys: &[Bytes], deadline_ms: u64, args: &[Bytes]) {
    if ctx.may_block() || ctx.client.serving_blocked {
        ctx.block_on(keys, deadline_ms, TimeoutReply::NullArray, args);
    } else {
        ctx.null_array();
    }
}

/// BZPOPMIN/BZPOPMAX key [key ...] timeout: the first non-empty key in argument order serves,
/// replying a flat [key, member, score]; otherwise block.
fn bzpop_generic(ctx: &mut Ctx, args: &[Bytes], end: End) -> CmdResult {
    let deadline_ms = ctx.parse_block_timeout(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    for key in keys {
        if candidate(ctx, key)?.is_none() {
            continue;
        }
        let popped = pop_elements(ctx, key, end, 1);
        let Some((member, score)) = popped.first() else {
            continue;
        };
        ctx.array(3);
        ctx.bulk(key);
        ctx.bulk(member);
        ctx.double(*score);
        ctx.rewrite_effect(vec![b(end.pop_name()), key.clone()]);
        return Ok(());
    }
    block(ctx, keys, deadline_ms, args);
    Ok(())
}

/// BZMPOP timeout numkeys key... MIN|MAX [COUNT count]. Redis parses the timeout after the
/// rest, so its errors come last.
pub(super) fn bzmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(args, 2)?;
    let deadline_ms = ctx.parse_block_timeout(&args[1])?;
    if !mpop_first(ctx, keys, end, count)? {
        block(ctx, keys, deadline_ms, args);
    }
    Ok(())
}

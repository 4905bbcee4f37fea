//! Sorted-set commands, as Redis 7.0's `t_zset.c`. The value type and its range arithmetic live
//! in `keyspace/zset.rs`; this module parses arguments, checks types, shapes replies for RESP2
//! and RESP3 and records effects. A set emptied by a command no longer exists.
//!
//! Submodules: `range` (ZRANGE and its older forms, ZRANGESTORE), `setops` (ZUNION, ZINTER,
//! ZDIFF, their STORE forms, ZINTERCARD), `pop` (ZPOPMIN/ZPOPMAX, ZMPOP and the blocking pops).
//! Effects: most writes propagate as sent; ZMPOP and BZMPOP as `ZPOPMIN|ZPOPMAX key count`,
//! a served BZPOPMIN/BZPOPMAX as `ZPOPMIN|ZPOPMAX key` (design.md, "One order for every write").

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdError, CmdResult, Command, Ctx};
use crate::errors;
use crate::glob;
use crate::keyspace::Value;
use crate::keyspace::zset::{
    self, InsertResult, LexBound, ScoreBound, ZSet, ZsetLimits, parse_lex_bound, parse_score,
    parse_score_bound,
};
use bytes::Bytes;
use ferrodis_resp::{self as resp, Proto};
use std::sync::Arc;

mod pop;
mod range;
mod setops;

const W: u32 = WRITE | DENYOOM;
const R: u32 = READONLY;
const G: &str = "sorted-set";

/// Error texts of the sorted-set commands (as `t_zset.c` writes them).
const NOT_A_FLOAT: &str = "ERR value is not a valid float";
const MINMAX_NOT_FLOAT: &str = "ERR min or max is not a float";
const MINMAX_NOT_LEX: &str = "ERR min or max not valid string range item";
const NAN_RESULT: &str = "ERR resulting score is not a number (NaN)";

pub static COMMANDS: &[Command] = &[
    Command::new("zadd", -4, W | FAST, zadd).keys(1, 1, 1).group(G).doc(
        "Add one or more members to a sorted set, or update its score if it already exists",
        "1.2.0",
    ),
    Command::new("zincrby", 4, W | FAST, zincrby)
        .keys(1, 1, 1)
        .group(G)
        .doc("Increment the score of a member in a sorted set", "1.2.0"),
    Command::new("zrem", -3, WRITE | FAST, zrem)
        .keys(1, 1, 1)
        .group(G)
        .doc("Remove one or more members from a sorted set", "1.2.0"),
    Command::new("zcard", 2, R | FAST, zcard)
        .keys(1, 1, 1)
        .group(G)
        .doc("Get the number of members in a sorted set", "1.2.0"),
    Command::new("zscore", 3, R | FAST, zscore)
        .keys(1, 1, 1)
        .group(G)
        .doc("Get the score associated with the given member in a sorted set", "1.2.0"),
    Command::new("zmscore", -3, R | FAST, zmscore)
        .keys(1, 1, 1)
        .group(G)
        .doc("Get the score associated with the given members in a sorted set", "6.2.0"),
    Command::new("zrank", 3, R | FAST, zrank)
        .keys(1, 1, 1)
        .group(G)
        .doc("Determine the index of a member in a sorted set", "2.0.0"),
    Command::new("zrevrank", 3, R | FAST, zrevrank).keys(1, 1, 1).group(G).doc(
        "Determine the index of a member in a sorted set, with scores ordered from high to low",
        "2.0.0",
    ),
    Command::new("zcount", 4, R | FAST, zcount).keys(1, 1, 1).group(G).doc(
        "Count the members in a sorted set with scores within the given values",
        "2.0.0",
    ),
    Command::new("zlexcount", 4, R | FAST, zlexcount).keys(1, 1, 1).group(G).doc(
        "Count the number of members in a sorted set between a given lexicographical range",
        "2.8.9",
    ),
    Command::new("zrange", -4, R, range::zrange)
        .keys(1, 1, 1)
        .group(G)
        .doc("Return a range of members in a sorted set", "1.2.0"),
    Command::new("zrangestore", -5, W, range::zrangestore)
        .keys(1, 2, 1)
        .group(G)
        .doc("Store a range of members from sorted set into another key", "6.2.0"),
    Command::new("zrangebyscore", -4, R, range::zrangebyscore)
        .keys(1, 1, 1)
        .group(G)
        .doc("Return a range of members in a sorted set, by score", "1.0.5"),
    Command::new("zrevrangebyscore", -4, R, range::zrevrangebyscore).keys(1, 1, 1).group(G).doc(
        "Return a range of members in a sorted set, by score, with scores ordered from high to low",
        "2.2.0",
    ),
    Command::new("zrangebylex", -4, R, range::zrangebylex).keys(1, 1, 1).group(G).doc(
        "Return a range of members in a sorted set, by lexicographical range",
        "2.8.9",
    ),
    Command::new("zrevrangebylex", -4, R, range::zrevrangebylex).keys(1, 1, 1).group(G).doc(
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
        "2.8.9",
    ),
    Command::new("zrevrange", -4, R, range::zrevrange).keys(1, 1, 1).group(G).doc(
        "Return a range of members in a sorted set, by index, with scores ordered from high to low",
        "1.2.0",
    ),
    Command::new("zpopmin", -2, WRITE | FAST, pop::zpopmin)
        .keys(1, 1, 1)
        .group(G)
        .doc("Remove and return members with the lowest scores in a sorted set", "5.0.0"),
    Command::new("zpopmax", -2, WRITE | FAST, pop::zpopmax)
        .keys(1, 1, 1)
        .group(G)
        .doc("Remove and return members with the highest scores in a sorted set", "5.0.0"),
    Command::new("zmpop", -4, WRITE | MOVABLE_KEYS, pop::zmpop)
        .group(G)
        .doc("Remove and return members with scores in a sorted set", "7.0.0"),
    Command::new("zrandmember", -2, R, zrandmember)
        .keys(1, 1, 1)
        .group(G)
        .doc("Get one or multiple random elements from a sorted set", "6.2.0"),
    Command::new("zremrangebyrank", 4, WRITE, zremrangebyrank)
        .keys(1, 1, 1)
        .group(G)
        .doc("Remove all members in a sorted set within the given indexes", "2.0.0"),
    Command::new("zremrangebyscore", 4, WRITE, zremrangebyscore)
        .keys(1, 1, 1)
        .group(G)
        .doc("Remove all members in a sorted set within the given scores", "1.2.0"),
    Command::new("zremrangebylex", 4, WRITE, zremrangebylex).keys(1, 1, 1).group(G).doc(
        "Remove all members in a sorted set between the given lexicographical range",
        "2.8.9",
    ),
    Command::new("zunion", -3, R | MOVABLE_KEYS, setops::zunion)
        .group(G)
        .doc("Add multiple sorted sets", "6.2.0"),
    Command::new("zinter", -3, R | MOVABLE_KEYS, setops::zinter)
        .group(G)
        .doc("Intersect multiple sorted sets", "6.2.0"),
    Command::new("zdiff", -3, R | MOVABLE_KEYS, setops::zdiff)
        .group(G)
        .doc("Subtract multiple sorted sets", "6.2.0"),
    Command::new("zunionstore", -4, W | MOVABLE_KEYS, setops::zunionstore)
        .keys(1, 1, 1)
        .group(G)
        .doc(
            "Add multiple sorted sets and store the resulting sorted set in a new key",
            "2.0.0",
        ),
    Command::new("zinterstore", -4, W | MOVABLE_KEYS, setops::zinterstore)
        .keys(1, 1, 1)
        .group(G)
        .doc(
            "Intersect multiple sorted sets and store the resulting sorted set in a new key",
            "2.0.0",
        ),
    Command::new("zdiffstore", -4, W | MOVABLE_KEYS, setops::zdiffstore)
        .keys(1, 1, 1)
        .group(G)
        .doc(
            "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            "6.2.0",
        ),
    Command::new("zintercard", -3, R | MOVABLE_KEYS, setops::zintercard)
        .group(G)
        .doc(
            "Intersect multiple sorted sets and return the cardinality of the result",
            "7.0.0",
        ),
    Command::new("zscan", -3, R, zscan)
        .keys(1, 1, 1)
        .group(G)
        .doc("Incrementally iterate sorted sets elements and associated scores", "2.8.0"),
    Command::new("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, pop::bzpopmin).keys(1, -2, 1).group(G).doc(
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        "5.0.0",
    ),
    Command::new("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, pop::bzpopmax).keys(1, -2, 1).group(G).doc(
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        "5.0.0",
    ),
    Command::new("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, pop::bzmpop).group(G).doc(
        "Remove and return members with scores in a sorted set or block until one is available",
        "7.0.0",
    ),
];

// ---- access -------------------------------------------------------------------------------

/// The encoding thresholds in force (read per command: CONFIG SET applies to the next write).
fn limits(ctx: &Ctx) -> ZsetLimits {
    let c = &ctx.core.config;
    ZsetLimits::new(c.zset_max_listpack_entries, c.zset_max_listpack_value)
}

/// The sorted set at `key` for reading (Redis's lookupKeyRead: counts a hit or miss): Ok(None)
/// if missing, WRONGTYPE if another type. The `Arc` is a cheap clone; drop it before writing
/// the same key, or the write copies the set.
fn read_zset(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Arc<ZSet>>, CmdError> {
    match ctx.lookup_read(key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(Arc::clone(z))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// Redis's lookupKeyWrite plus the type check, without copying a set a snapshot shares:
/// the set's length, or None if the key is missing.
fn zset_len_for_write(ctx: &mut Ctx, key: &[u8]) -> Result<Option<usize>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z.len())),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// The sorted set at `key` for writing (copied first if a snapshot shares it).
fn write_zset<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut ZSet>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(Arc::make_mut(z))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// Records `changes` modifications of `key` (Redis adds each to `server.dirty`) with one
/// WATCH/blocking signal.
fn modified_n(ctx: &mut Ctx, key: &[u8], changes: usize) {
    if changes > 0 {
        ctx.modified(key);
        ctx.dirty += changes as u64 - 1;
    }
}

/// Stores the result of a STORE command (ZRANGESTORE, ZUNIONSTORE, ...) as Redis's setKey
/// (any old value and its TTL replaced) and replies its size; an empty result deletes the
/// destination instead and replies 0.
fn store_result(ctx: &mut Ctx, dst: &[u8], z: ZSet) {
    let n = z.len();
    if n > 0 {
        ctx.set_key(dst, Value::ZSet(Arc::new(z)), false);
    } else {
        ctx.delete_key(dst);
    }
    ctx.int(n as i64);
}

// ---- replies ------------------------------------------------------------------------------

/// The array header for `n` elements: with scores, RESP2 gives one flat array of member,
/// score, member, ...; RESP3 an array of [member, score] pairs.
fn reply_elements_len(ctx: &mut Ctx, n: usize, withscores: bool) {
    if withscores && ctx.proto() == Proto::Resp2 {
        ctx.array(n * 2);
    } else {
        ctx.array(n);
    }
}

/// One element of a reply begun by `reply_elements_len`.
fn reply_element(ctx: &mut Ctx, member: &[u8], score: f64, withscores: bool) {
    write_element(ctx.out, ctx.client.proto, member, score, withscores);
}

/// `reply_element` for callers holding other parts of the context borrowed.
fn write_element(
    out: &mut bytes::BytesMut,
    proto: Proto,
    member: &[u8],
    score: f64,
    withscores: bool,
) {
    if withscores && proto == Proto::Resp3 {
        resp::write_array_len(out, 2);
    }
    resp::write_bulk(out, member);
    if withscores {
        resp::write_double(out, proto, score);
    }
}

/// Writes elements with `reply_elements_len`'s shapes.
fn reply_elements<'a>(
    ctx: &mut Ctx,
    elements: impl ExactSizeIterator<Item = (&'a [u8], f64)>,
    withscores: bool,
) {
    reply_elements_len(ctx, elements.len(), withscores);
    for (member, score) in elements {
        reply_element(ctx, member, score, withscores);
    }
}

// ---- argument parsing -----------------------------------------------------------------------

fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// A score interval (`1`, `(1`, `-inf`, ...), or "min or max is not a float".
fn parse_score_range(min: &[u8], max: &[u8]) -> Result<(ScoreBound, ScoreBound), CmdError> {
    match (parse_score_bound(min), parse_score_bound(max)) {
        (Some(lo), Some(hi)) => Ok((lo, hi)),
        _ => Err(MINMAX_NOT_FLOAT.into()),
    }
}

/// A lex interval (`-`, `+`, `[a`, `(a`), or "min or max not valid string range item".
fn parse_lex_range<'a>(
    min: &'a [u8],
    max: &'a [u8],
) -> Result<(LexBound<'a>, LexBound<'a>), CmdError> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some(lo), Some(hi)) => Ok((lo, hi)),
        _ => Err(MINMAX_NOT_LEX.into()),
    }
}

/// Redis's getRangeLongFromObjectOrReply with a message: an integer in `min..=i64::MAX`, or
/// the message (also for a non-integer).
fn parse_int_at_least(arg: &[u8], min: i64, msg: &'static str) -> Result<i64, CmdError> {
    match parse_int(arg) {
        Ok(n) if n >= min => Ok(n),
        _ => Err(msg.into()),
    }
}

// ---- ZADD, ZINCRBY --------------------------------------------------------------------------

#[derive(Clone, Copy, Default)]
struct ZaddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    incr: bool,
    ch: bool,
}

/// What one ZADD pair did (zsetAdd's out flags).
#[derive(Clone, Copy, PartialEq)]
enum AddOutcome {
    Added,
    Updated,
    /// Present with an equal score: processed, nothing changed.
    Same,
    /// Skipped by NX, XX, GT or LT.
    Nop,
}

/// zsetAdd: applies one score-member pair under the flags; returns what happened and the
/// score the member has (for INCR's reply).
fn zadd_one(
    z: &mut ZSet,
    member: &[u8],
    mut score: f64,
    f: ZaddFlags,
    limits: &ZsetLimits,
) -> Result<(AddOutcome, f64), CmdError> {
    match z.score(member) {
        Some(current) => {
            if f.nx {
                return Ok((AddOutcome::Nop, score));
            }
            if f.incr {
                score = zset::add_incr(current, score).map_err(|_| CmdError::from(NAN_RESULT))?;
            }
            if (f.lt && score >= current) || (f.gt && score <= current) {
                return Ok((AddOutcome::Nop, score));
            }
            if score == current {
                return Ok((AddOutcome::Same, score));
            }
            z.insert(member, score, limits);
            Ok((AddOutcome::Updated, score))
        }
        None if f.xx => Ok((AddOutcome::Nop, score)),
        None => {
            let outcome = match z.insert(member, score, limits) {
                InsertResult::Added => AddOutcome::Added,
                InsertResult::Updated { .. } => AddOutcome::Updated,
                InsertResult::Unchanged => AddOutcome::Same,
            };
            Ok((outcome, score))
        }
    }
}

fn zadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, false)
}

fn zincrby(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zadd_generic(ctx, args, true)
}

/// ZADD and ZINCRBY (zaddGenericCommand). ZINCRBY is ZADD with INCR set, options included:
/// `ZINCRBY k nx m` reads "nx" as an option and fails with a syntax error, as in Redis.
fn zadd_generic(ctx: &mut Ctx, args: &[Bytes], incr: bool) -> CmdResult {
    let mut f = ZaddFlags {
        incr,
        ..ZaddFlags::default()
    };
    let mut first = 2;
    while let Some(opt) = args.get(first) {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"ch" => f.ch = true,
            b"incr" => f.incr = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            _ => break,
        }
        first += 1;
    }
    let pairs = &args[first..];
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(errors::SYNTAX.into());
    }
    if f.nx && f.xx {
        return Err("ERR XX and NX options at the same time are not compatible".into());
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return Err("ERR GT, LT, and/or NX options at the same time are not compatible".into());
    }
    if f.incr && pairs.len() > 2 {
        return Err("ERR INCR option supports a single increment-element pair".into());
    }
    // Every score is checked before anything changes: all or nothing.
    let scores = pairs
        .chunks(2)
        .map(|p| parse_score(&p[0]).ok_or(NOT_A_FLOAT))
        .collect::<Result<Vec<f64>, _>>()?;

    let key = &args[1];
    let limits = limits(ctx);
    if zset_len_for_write(ctx, key)?.is_none() {
        if f.xx {
            return zadd_reply(ctx, f, 0, 0, None);
        }
        // Redis's ZADD creates the key in the encoding its first member allows.
        let z = ZSet::with_hints(1, pairs[1].len(), &limits);
        let now = ctx.now_ms;
        ctx.db().insert(key, Value::ZSet(Arc::new(z)), false, now);
    }
    let Some(z) = write_zset(ctx, key)? else {
        return Ok(());
    };
    let (mut added, mut updated) = (0usize, 0usize);
    let mut last: Option<f64> = None;
    for (pair, &score) in pairs.chunks(2).zip(&scores) {
        // A NaN increment changes nothing (INCR has one pair), so returning is all-or-nothing.
        let (outcome, newscore) = zadd_one(z, &pair[1], score, f, &limits)?;
        match outcome {
            AddOutcome::Added => added += 1,
            AddOutcome::Updated => updated += 1,
            AddOutcome::Same => {}
            AddOutcome::Nop => continue,
        }
        last = Some(newscore);
    }
    modified_n(ctx, key, added + updated);
    zadd_reply(ctx, f, added, updated, last)
}

fn zadd_reply(
    ctx: &mut Ctx,
    f: ZaddFlags,
    added: usize,
    updated: usize,
    last: Option<f64>,
) -> CmdResult {
    if f.incr {
        match last {
            Some(score) => ctx.double(score),
            None => ctx.null(),
        }
    } else {
        ctx.int((if f.ch { added + updated } else { added }) as i64);
    }
    Ok(())
}

// ---- single-key reads -----------------------------------------------------------------------

fn zrem(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let Some(z) = write_zset(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    let mut deleted = 0usize;
    for member in &args[2..] {
        if z.remove(member) {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    ctx.delete_if_emptied(key);
    modified_n(ctx, key, deleted);
    ctx.int(deleted as i64);
    Ok(())
}

fn zcard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = read_zset(ctx, &args[1])?.map_or(0, |z| z.len());
    ctx.int(n as i64);
    Ok(())
}

fn zscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match read_zset(ctx, &args[1])?.and_then(|z| z.score(&args[2])) {
        Some(score) => ctx.double(score),
        None => ctx.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let z = read_zset(ctx, &args[1])?;
    ctx.array(args.len() - 2);
    for member in &args[2..] {
        match z.as_ref().and_then(|z| z.score(member)) {
            Some(score) => ctx.double(score),
            None => ctx.null(),
        }
    }
    Ok(())
}

fn zrank(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rank_generic(ctx, args, false)
}

fn zrevrank(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    rank_generic(ctx, args, true)
}

fn rank_generic(ctx: &mut Ctx, args: &[Bytes], reverse: bool) -> CmdResult {
    match read_zset(ctx, &args[1])?.and_then(|z| z.rank(&args[2], reverse)) {
        Some(rank) => ctx.int(rank as i64),
        None => ctx.null(),
    }
    Ok(())
}

fn zcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (min, max) = parse_score_range(&args[2], &args[3])?;
    let n = read_zset(ctx, &args[1])?.map_or(0, |z| z.count_in_score_range(min, max));
    ctx.int(n as i64);
    Ok(())
}

fn zlexcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (min, max) = parse_lex_range(&args[2], &args[3])?;
    let n = read_zset(ctx, &args[1])?.map_or(0, |z| z.count_in_lex_range(min, max));
    ctx.int(n as i64);
    Ok(())
}

// ---- ZREMRANGEBY* ---------------------------------------------------------------------------

/// The interval of a ZREMRANGEBY* command.
enum RemoveRange<'a> {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound<'a>, LexBound<'a>),
}

/// zremrangeGenericCommand: the range is parsed before the key is looked up.
fn remove_range(ctx: &mut Ctx, key: &[u8], range: RemoveRange<'_>) -> CmdResult {
    let Some(z) = write_zset(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    let removed = match range {
        RemoveRange::Rank(start, end) => z.remove_range_by_rank(start, end),
        RemoveRange::Score(min, max) => z.remove_range_by_score(min, max),
        RemoveRange::Lex(min, max) => z.remove_range_by_lex(min, max),
    };
    ctx.delete_if_emptied(key);
    modified_n(ctx, key, removed);
    ctx.int(removed as i64);
    Ok(())
}

fn zremrangebyrank(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    remove_range(ctx, &args[1], RemoveRange::Rank(start, end))
}

fn zremrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (min, max) = parse_score_range(&args[2], &args[3])?;
    remove_range(ctx, &args[1], RemoveRange::Score(min, max))
}

fn zremrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (min, max) = parse_lex_range(&args[2], &args[3])?;
    remove_range(ctx, &args[1], RemoveRange::Lex(min, max))
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------

/// ZRANDMEMBER key [count [WITHSCORES]]. The count is checked before the key.
fn zrandmember(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let Some(count_arg) = args.get(2) else {
        let Some(z) = read_zset(ctx, &args[1])? else {
            ctx.null();
            return Ok(());
        };
        match z.random_member(&mut ctx.core.rng) {
            Some((member, _)) => ctx.bulk(member),
            None => ctx.null(),
        }
        return Ok(());
    };
    let count = parse_int(count_arg)?;
    if count == i64::MIN {
        return Err(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
                .into(),
        );
    }
    if args.len() > 4 || (args.len() == 4 && !is(&args[3], "withscores")) {
        return Err(errors::SYNTAX.into());
    }
    let withscores = args.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err("ERR value is out of range".into());
    }
    let Some(z) = read_zset(ctx, &args[1])? else {
        ctx.array(0);
        return Ok(());
    };
    // Negative: |count| independent picks; 1: one pick; else distinct members, at most all.
    let n = if count < 0 || count == 1 {
        count.unsigned_abs() as usize
    } else {
        (count as usize).min(z.len())
    };
    reply_elements_len(ctx, n, withscores);
    let proto = ctx.proto();
    let out = &mut *ctx.out;
    z.random_members(count, &mut ctx.core.rng, |member, score| {
        write_element(out, proto, member, score, withscores);
        true
    });
    Ok(())
}

// ---- ZSCAN ----------------------------------------------------------------------------------

/// ZSCAN key cursor [MATCH pattern] [COUNT count]. The cursor is checked before the key, the
/// options after it (a missing key answers an empty scan whatever they say).
fn zscan(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let cursor = super::keys::parse_cursor(&args[2])?;
    let Some(z) = read_zset(ctx, &args[1])? else {
        ctx.array(2);
        ctx.bulk(b"0");
        ctx.array(0);
        return Ok(());
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < args.len() {
        let Some(val) = args.get(i + 1) else {
            return Err(errors::SYNTAX.into());
        };
        if is(&args[i], "count") {
            let n = parse_int(val)?;
            if n < 1 {
                return Err(errors::SYNTAX.into());
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(&args[i], "match") {
            // Exactly "*" matches everything, the empty member included.
            pattern = (val.as_ref() != b"*").then_some(val.as_ref());
        } else {
            return Err(errors::SYNTAX.into());
        }
        i += 2;
    }
    let mut found: Vec<(Vec<u8>, f64)> = Vec::new();
    let next = z.scan(cursor, count, |member, score| {
        if pattern.is_none_or(|p| glob::matches(p, member, false)) {
            found.push((member.to_vec(), score));
        }
    });
    ctx.array(2);
    ctx.bulk(itoa::Buffer::new().format(next).as_bytes());
    ctx.array(found.len() * 2);
    for (member, score) in &found {
        ctx.bulk(member);
        // Redis scans scores as strings: %.17g, in both protocols.
        ctx.bulk(resp::format_double_g17(*score).as_bytes());
    }
    Ok(())
}

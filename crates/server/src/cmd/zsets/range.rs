//! ZRANGE (7.0's unified form: BYSCORE, BYLEX, REV, LIMIT, WITHSCORES), ZRANGESTORE, and the
//! older forms that are fixed choices of it: ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX.
//! One parser for all of them, as Redis's zrangeGenericCommand, so the argument rules and
//! errors are the same everywhere.

use super::super::ctx::parse_int;
use super::{
    ZSet, is, limits, parse_lex_range, parse_score_range, read_zset, reply_elements, store_result,
};
use crate::cmd::{CmdResult, Ctx};
use crate::errors;
use crate::keyspace::zset::{LexBound, ScoreBound, redis_limit};
use bytes::Bytes;

/// How the range is given; `Auto` until the arguments say (ZRANGE, ZRANGESTORE).
#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Order of the result; `Auto` until REV is seen (ZRANGE, ZRANGESTORE).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// A parsed interval. Score and lex bounds are always (low, high), whatever the direction.
#[derive(Clone, Copy)]
enum Interval<'a> {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound<'a>, LexBound<'a>),
}

pub(super) fn zrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, By::Auto, Direction::Auto)
}

pub(super) fn zrangestore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 2, Some(&args[1]), By::Auto, Direction::Auto)
}

pub(super) fn zrevrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, By::Rank, Direction::Reverse)
}

pub(super) fn zrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, By::Score, Direction::Forward)
}

pub(super) fn zrevrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, By::Score, Direction::Reverse)
}

pub(super) fn zrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, By::Lex, Direction::Forward)
}

pub(super) fn zrevrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    zrange_generic(ctx, args, 1, None, By::Lex, Direction::Reverse)
}

/// zrangeGenericCommand: `<src> <min> <max>` at `src`, then options. A BY or REV the command
/// already fixed is a syntax error, as is a second BYSCORE/BYLEX/REV. Parse errors come before
/// the key is looked up; WRONGTYPE after.
fn zrange_generic(
    ctx: &mut Ctx,
    args: &[Bytes],
    src: usize,
    dst: Option<&Bytes>,
    mut by: By,
    mut direction: Direction,
) -> CmdResult {
    let mut withscores = false;
    let mut offset: i64 = 0;
    let mut limit: i64 = -1;
    let mut j = src + 3;
    while j < args.len() {
        let more = args.len() - j - 1;
        let arg = &args[j];
        if dst.is_none() && is(arg, "withscores") {
            withscores = true;
        } else if is(arg, "limit") && more >= 2 {
            offset = parse_int(&args[j + 1])?;
            limit = parse_int(&args[j + 2])?;
            j += 2;
        } else if direction == Direction::Auto && is(arg, "rev") {
            direction = Direction::Reverse;
        } else if by == By::Auto && is(arg, "bylex") {
            by = By::Lex;
        } else if by == By::Auto && is(arg, "byscore") {
            by = By::Score;
        } else {
            return Err(errors::SYNTAX.into());
        }
        j += 1;
    }
    let reverse = direction == Direction::Reverse;
    if by == By::Auto {
        by = By::Rank;
    }
    // Redis tests the value, not the presence: `LIMIT 0 -1` passes with a rank range.
    if limit != -1 && by == By::Rank {
        return Err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
                .into(),
        );
    }
    if withscores && by == By::Lex {
        return Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX".into());
    }
    // Reverse score and lex ranges are written max first.
    let (lo, hi) = if reverse && by != By::Rank {
        (&args[src + 2], &args[src + 1])
    } else {
        (&args[src + 1], &args[src + 2])
    };
    let interval = match by {
        By::Score => {
            let (min, max) = parse_score_range(lo, hi)?;
            Interval::Score(min, max)
        }
        By::Lex => {
            let (min, max) = parse_lex_range(lo, hi)?;
            Interval::Lex(min, max)
        }
        By::Auto | By::Rank => Interval::Rank(parse_int(lo)?, parse_int(hi)?),
    };

    let Some(z) = read_zset(ctx, &args[src])? else {
        match dst {
            Some(dst) => store_result(ctx, dst, ZSet::new(&limits(ctx))),
            None => ctx.array(0),
        }
        return Ok(());
    };
    let (offset, limit) = redis_limit(offset, limit);
    let elements = match interval {
        Interval::Rank(start, end) => z.range_by_rank(start, end, reverse),
        Interval::Score(min, max) => z.range_by_score(min, max, reverse, offset, limit),
        Interval::Lex(min, max) => z.range_by_lex(min, max, reverse, offset, limit),
    };
    match dst {
        None => reply_elements(ctx, elements, withscores),
        Some(dst) => {
            // As Redis's ZRANGESTORE: a rank range longer than the listpack limit starts in the
            // big encoding; other results start small and convert as members arrive.
            let limits = limits(ctx);
            let hint = match interval {
                Interval::Rank(..) => elements.len(),
                _ => 0,
            };
            let mut out = ZSet::with_hints(hint, 0, &limits);
            for (member, score) in elements {
                out.insert(member, score, &limits);
            }
            store_result(ctx, dst, out);
        }
    }
    Ok(())
}

//! ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis's
//! zunionInterDiffGenericCommand). Inputs may be sorted sets or plain sets, whose members count
//! with score 1. Scores are combined exactly as Redis does, in the same order (inputs sorted by
//! size, stably), because floating-point sums depend on it: `weight * score` is NaN → 0, and a
//! SUM that gives NaN (`inf + -inf`) is 0.

use super::super::ctx::parse_int;
use super::{
    ZSet, is, limits, parse_int_at_least, reply_element, reply_elements_len, store_result,
};
use crate::cmd::{CmdError, CmdResult, Ctx};
use crate::errors;
use crate::keyspace::Value;
use crate::keyspace::set::Set;
use crate::keyspace::zset::parse_score;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Arc;

/// One input key.
enum Source {
    Missing,
    ZSet(Arc<ZSet>),
    Set(Arc<Set>),
}

impl Source {
    /// Looks an input up (lookupKeyRead): a sorted set, a plain set, or missing; WRONGTYPE
    /// for any other type.
    fn read(ctx: &mut Ctx, key: &[u8]) -> Result<Source, CmdError> {
        match ctx.lookup_read(key).map(|e| &e.value) {
            None => Ok(Source::Missing),
            Some(Value::ZSet(z)) => Ok(Source::ZSet(Arc::clone(z))),
            Some(Value::Set(s)) => Ok(Source::Set(Arc::clone(s))),
            Some(_) => Err(errors::WRONGTYPE.into()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::ZSet(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }

    /// The member's score here (1 in a plain set).
    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::ZSet(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }

    /// Visits every element (a sorted set in order) until `f` returns false.
    fn each(&self, mut f: impl FnMut(&[u8], f64) -> bool) {
        match self {
            Source::Missing => {}
            Source::ZSet(z) => {
                for (member, score) in z.iter() {
                    if !f(member, score) {
                        return;
                    }
                }
            }
            Source::Set(s) => {
                let mut buf = itoa::Buffer::new();
                for e in s.iter() {
                    if !f(e.as_bytes(&mut buf), 1.0) {
                        return;
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// zunionInterAggregate, with C's comparisons (a NaN `value` never wins MIN or MAX).
fn aggregate(target: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += value;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => *target = if value < *target { value } else { *target },
        Aggregate::Max => *target = if value > *target { value } else { *target },
    }
}

/// `weight * score`, where NaN (0 * inf) counts as 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() { 0.0 } else { v }
}

/// What the command does with the result.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    /// ZUNION, ZINTER, ZDIFF: reply the elements.
    Reply,
    /// The STORE forms: store at the key in `args[1]`.
    Store,
    /// ZINTERCARD: reply the count.
    Cardinality,
}

pub(super) fn zunion(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 1, Op::Union, Output::Reply)
}

pub(super) fn zinter(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 1, Op::Inter, Output::Reply)
}

pub(super) fn zdiff(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 1, Op::Diff, Output::Reply)
}

pub(super) fn zunionstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 2, Op::Union, Output::Store)
}

pub(super) fn zinterstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 2, Op::Inter, Output::Store)
}

pub(super) fn zdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 2, Op::Diff, Output::Store)
}

pub(super) fn zintercard(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    generic(ctx, args, 1, Op::Inter, Output::Cardinality)
}

/// The options after the keys.
struct Options {
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    /// ZINTERCARD's LIMIT; 0 is none.
    limit: usize,
}

/// `numkeys` at `args[numkeys_at]`, the keys after it, then options. As in Redis the keys are
/// looked up (and type-checked) before the options are parsed.
fn generic(ctx: &mut Ctx, args: &[Bytes], numkeys_at: usize, op: Op, output: Output) -> CmdResult {
    let setnum = parse_int(&args[numkeys_at])?;
    if setnum < 1 {
        return Err(format!(
            "ERR at least 1 input key is needed for '{}' command",
            ctx.cmd.name
        )
        .into());
    }
    let first_key = numkeys_at + 1;
    if setnum > (args.len() - first_key) as i64 {
        return Err(errors::SYNTAX.into());
    }
    let setnum = setnum as usize;
    let mut sources = Vec::with_capacity(setnum);
    for key in &args[first_key..first_key + setnum] {
        sources.push(Source::read(ctx, key)?);
    }
    let opts = parse_options(&args[first_key + setnum..], setnum, op, output)?;
    let mut inputs: Vec<(Source, f64)> = sources.into_iter().zip(opts.weights).collect();
    if op != Op::Diff {
        // Smallest first (a stable sort, as glibc's qsort): it fixes the order scores combine.
        inputs.sort_by_key(|(s, _)| s.len());
    }

    if output == Output::Cardinality {
        let n = inter_cardinality(&inputs, opts.limit);
        ctx.int(n as i64);
        return Ok(());
    }
    let mut result = match op {
        Op::Union => union(&inputs, opts.aggregate),
        Op::Inter => inter(&inputs, opts.aggregate),
        Op::Diff => diff(&inputs),
    };
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    match output {
        Output::Store => {
            // Built whole, as Redis's zsetConvertToListpackIfNeeded decides the encoding.
            let z = ZSet::from_sorted_entries(&result, &limits(ctx));
            store_result(ctx, &args[1], z);
        }
        _ => {
            reply_elements_len(ctx, result.len(), opts.withscores);
            for (member, score) in &result {
                reply_element(ctx, member, *score, opts.withscores);
            }
        }
    }
    Ok(())
}

/// WEIGHTS (not for ZDIFF, ZINTERCARD), AGGREGATE (likewise), WITHSCORES (only when the result
/// is replied), LIMIT (only ZINTERCARD).
fn parse_options(
    mut rest: &[Bytes],
    setnum: usize,
    op: Op,
    output: Output,
) -> Result<Options, CmdError> {
    let mut o = Options {
        weights: vec![1.0; setnum],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let scored = op != Op::Diff && output != Output::Cardinality;
    while let Some(word) = rest.first() {
        if scored && rest.len() > setnum && is(word, "weights") {
            for (w, arg) in o.weights.iter_mut().zip(&rest[1..=setnum]) {
                *w = parse_score(arg).ok_or("ERR weight value is not a float")?;
            }
            rest = &rest[setnum + 1..];
        } else if scored && rest.len() >= 2 && is(word, "aggregate") {
            o.aggregate = match rest[1].to_ascii_lowercase().as_slice() {
                b"sum" => Aggregate::Sum,
                b"min" => Aggregate::Min,
                b"max" => Aggregate::Max,
                _ => return Err(errors::SYNTAX.into()),
            };
            rest = &rest[2..];
        } else if output == Output::Reply && is(word, "withscores") {
            o.withscores = true;
            rest = &rest[1..];
        } else if output == Output::Cardinality && rest.len() >= 2 && is(word, "limit") {
            let n = parse_int_at_least(&rest[1], 0, "ERR LIMIT can't be negative")?;
            o.limit = usize::try_from(n).unwrap_or(usize::MAX);
            rest = &rest[2..];
        } else {
            return Err(errors::SYNTAX.into());
        }
    }
    Ok(o)
}

fn union(inputs: &[(Source, f64)], how: Aggregate) -> Vec<(Vec<u8>, f64)> {
    let mut acc: HashMap<Vec<u8>, f64, foldhash::fast::RandomState> = HashMap::default();
    for (src, weight) in inputs {
        src.each(|member, score| {
            let value = weighted(score, *weight);
            match acc.get_mut(member) {
                Some(target) => aggregate(target, value, how),
                None => {
                    acc.insert(member.to_vec(), value);
                }
            }
            true
        });
    }
    acc.into_iter().collect()
}

/// The score of `member` (with `first`, its weighted score in the smallest input) if every
/// other input holds it too.
fn inter_score(rest: &[(Source, f64)], member: &[u8], first: f64, how: Aggregate) -> Option<f64> {
    let mut score = first;
    for (src, weight) in rest {
        // Not weighted(): a NaN here is left to the aggregate, as in Redis.
        let value = src.score(member)? * weight;
        aggregate(&mut score, value, how);
    }
    Some(score)
}

fn inter(inputs: &[(Source, f64)], how: Aggregate) -> Vec<(Vec<u8>, f64)> {
    let mut out = Vec::new();
    let Some(((smallest, weight), rest)) = inputs.split_first() else {
        return out;
    };
    smallest.each(|member, score| {
        if let Some(s) = inter_score(rest, member, weighted(score, *weight), how) {
            out.push((member.to_vec(), s));
        }
        true
    });
    out
}

/// ZINTERCARD: how many members every input holds, stopping at `limit` (0: no limit).
fn inter_cardinality(inputs: &[(Source, f64)], limit: usize) -> usize {
    let mut n = 0;
    let Some(((smallest, _), rest)) = inputs.split_first() else {
        return 0;
    };
    smallest.each(|member, _| {
        if rest.iter().all(|(src, _)| src.score(member).is_some()) {
            n += 1;
        }
        limit == 0 || n < limit
    });
    n
}

/// Members of the first input that no other input holds, with their first-input scores.
fn diff(inputs: &[(Source, f64)]) -> Vec<(Vec<u8>, f64)> {
    let mut out = Vec::new();
    let Some(((first, _), rest)) = inputs.split_first() else {
        return out;
    };
    first.each(|member, score| {
        if rest.iter().all(|(src, _)| src.score(member).is_none()) {
            out.push((member.to_vec(), score));
        }
        true
    });
    out
}

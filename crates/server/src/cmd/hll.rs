//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, and the PFDEBUG / PFSELFTEST hooks of Redis's
//! own tests. A HLL is a plain string in Redis 7.0's format (`hll/format.rs`), so a value copied
//! from Redis counts the same here and the same commands build the same bytes.
//!
//! Effects: PFADD and PFMERGE are deterministic and propagate as sent. PFCOUNT of one key
//! rewrites the cached cardinality in the value (so GET shows the change, on a replica too);
//! that is a change (WATCH, dirty) and, as in Redis 7.0, `PFCOUNT key` is then propagated so a
//! replica rewrites its cache the same way and GET stays byte-identical down the chain.

mod format;

use super::flags::*;
use super::{CmdError, CmdResult, Command, Ctx};
use crate::errors;
use crate::keyspace::Value;
use bytes::Bytes;
use format::{Corrupt, DENSE, HDR_SIZE, REGISTERS, SPARSE};

pub static COMMANDS: &[Command] = &[
    Command::new("pfadd", -2, WRITE | DENYOOM | FAST, pfadd)
        .keys(1, 1, 1)
        .group("hyperloglog")
        .doc(
            "Adds the specified elements to the specified HyperLogLog.",
            "2.8.9",
        ),
    Command::new("pfcount", -2, READONLY | MAY_REPLICATE, pfcount)
        .keys(1, -1, 1)
        .group("hyperloglog")
        .doc(
            "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
            "2.8.9",
        ),
    Command::new("pfmerge", -2, WRITE | DENYOOM, pfmerge)
        .keys(1, -1, 1)
        .group("hyperloglog")
        .doc("Merge N different HyperLogLogs into a single one.", "2.8.9"),
    Command::new("pfdebug", 3, WRITE | DENYOOM | ADMIN, pfdebug)
        .keys(2, 2, 1)
        .group("hyperloglog")
        .doc("Internal commands for debugging HyperLogLog values", "2.8.9"),
    Command::new("pfselftest", 1, ADMIN, pfselftest)
        .group("hyperloglog")
        .doc("An internal command for testing HyperLogLog values", "2.8.9"),
];

fn corrupt(_: Corrupt) -> CmdError {
    errors::HLL_INVALID.into()
}

/// Checks that a value is a HyperLogLog (Redis's isHLLObjectOrReply): another type gets the
/// usual WRONGTYPE, a string that is not a HLL the HyperLogLog wording. Returns the encoding.
fn check_hll(v: &Value) -> Result<u8, CmdError> {
    if !v.is_string() {
        return Err(errors::WRONGTYPE.into());
    }
    let mut buf = itoa::Buffer::new();
    format::validate(v.str_bytes(&mut buf)).ok_or_else(|| errors::HLL_WRONGTYPE.into())
}

/// The bytes of a key already checked to hold a HLL, made the key's own for an update in place
/// (Redis's dbUnshareStringValue: the value is a raw string afterwards).
fn hll_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> &'a mut Vec<u8> {
    let now = ctx.now_ms;
    ctx.db()
        .get_value_mut(key, now)
        .expect("the key was looked up just before")
        .make_growable()
}

/// Adds elements to a HLL; `created` counts as one change, as in pfaddCommand. Invalidates the
/// cached cardinality when anything changed. Returns the number of changes.
fn add_elements(
    s: &mut Vec<u8>,
    elements: &[Bytes],
    created: bool,
    max_bytes: u64,
) -> Result<u64, Corrupt> {
    let mut updated = created as u64;
    for e in elements {
        updated += format::add(s, e, max_bytes)? as u64;
    }
    if updated > 0 {
        format::invalidate_cache(s);
    }
    Ok(updated)
}

fn pfadd(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let max_bytes = ctx.core.config.hll_sparse_max_bytes;
    let exists = match ctx.lookup_write(key) {
        None => false,
        Some(v) => {
            check_hll(v)?;
            true
        }
    };
    // A corrupted HLL fails part way: additions already made stay, unannounced, as in Redis.
    let updated = if exists {
        add_elements(hll_mut(ctx, key), &args[2..], false, max_bytes).map_err(corrupt)?
    } else {
        let mut s = format::new_sparse();
        let updated = add_elements(&mut s, &args[2..], true, max_bytes).map_err(corrupt)?;
        let now = ctx.now_ms;
        ctx.db().insert(key, Value::from_growable(s), false, now);
        updated
    };
    if updated > 0 {
        ctx.modified(key);
        ctx.dirty += updated - 1;
    }
    ctx.int((updated > 0) as i64);
    Ok(())
}

fn pfcount(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 2 {
        let max = union_registers(ctx, &args[1..])?.0;
        let card = format::estimate(&format::raw_histogram(&max));
        ctx.int(card as i64);
        return Ok(());
    }
    let key = &args[1];
    match ctx.lookup_read(key) {
        None => {
            ctx.int(0);
            return Ok(());
        }
        Some(e) => check_hll(&e.value)?,
    };
    let s = hll_mut(ctx, key);
    let (card, computed) = match format::cached_card(s) {
        Some(card) => (card, false),
        None => {
            let card = format::count(s).map_err(corrupt)?;
            format::set_cached_card(s, card);
            (card, true)
        }
    };
    if computed {
        // A change of the value: WATCH sees it, and `PFCOUNT key` is propagated (as Redis).
        ctx.modified(key);
    }
    // Redis replies with the cached u64 as a signed integer.
    ctx.int(card as i64);
    Ok(())
}

/// The register-wise maximum of the HLLs at `keys` (missing keys are empty HLLs), and whether
/// any of them is dense. Fails on the first key that is not a valid HLL.
fn union_registers(
    ctx: &mut Ctx,
    keys: &[Bytes],
) -> Result<(Box<[u8; REGISTERS]>, bool), CmdError> {
    let mut max = Box::new([0u8; REGISTERS]);
    let mut any_dense = false;
    for key in keys {
        let Some(e) = ctx.lookup_read(key) else {
            continue;
        };
        any_dense |= check_hll(&e.value)? == DENSE;
        let mut buf = itoa::Buffer::new();
        format::merge_into(&mut max, e.value.str_bytes(&mut buf)).map_err(corrupt)?;
    }
    Ok((max, any_dense))
}

/// Writes a union into the destination HLL (pfmergeCommand): dense if any input was, else it
/// stays sparse unless the registers promote it.
fn write_union(
    s: &mut Vec<u8>,
    max: &[u8; REGISTERS],
    use_dense: bool,
    max_bytes: u64,
) -> Result<(), Corrupt> {
    if use_dense {
        format::to_dense(s)?;
    }
    format::raise_all(s, max, max_bytes);
    format::invalidate_cache(s);
    Ok(())
}

fn pfmerge(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // The destination is read as a source too, which also checks that it is a HLL.
    let (max, use_dense) = union_registers(ctx, &args[1..])?;
    let dest = &args[1];
    let max_bytes = ctx.core.config.hll_sparse_max_bytes;
    if ctx.lookup_write(dest).is_some() {
        write_union(hll_mut(ctx, dest), &max, use_dense, max_bytes).map_err(corrupt)?;
    } else {
        let mut s = format::new_sparse();
        let written = write_union(&mut s, &max, use_dense, max_bytes);
        let now = ctx.now_ms;
        ctx.db().insert(dest, Value::from_growable(s), false, now);
        written.map_err(corrupt)?;
    }
    ctx.modified(dest);
    ctx.ok();
    Ok(())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. GETREG and TODENSE convert a sparse HLL to dense
/// and then count as a change (propagated), without signalling the key, as Redis.
fn pfdebug(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[2];
    match ctx.lookup_write(key) {
        None => return Err("ERR The specified key does not exist".into()),
        Some(v) => check_hll(v)?,
    };
    let sub = args[1].to_ascii_lowercase();
    let s = hll_mut(ctx, key);
    match sub.as_slice() {
        b"getreg" => {
            let converted = format::encoding(s) == SPARSE;
            format::to_dense(s).map_err(corrupt)?;
            let regs: Vec<u8> = (0..REGISTERS)
                .map(|i| format::dense_get(&s[HDR_SIZE..], i))
                .collect();
            ctx.dirty += converted as u64;
            ctx.array(REGISTERS);
            for r in regs {
                ctx.int(r as i64);
            }
        }
        b"decode" => {
            if format::encoding(s) != SPARSE {
                return Err("ERR HLL encoding is not sparse".into());
            }
            let text = format::decode(&s[HDR_SIZE..]);
            ctx.bulk(text.as_bytes());
        }
        b"encoding" => {
            let name = if format::encoding(s) == DENSE {
                "dense"
            } else {
                "sparse"
            };
            ctx.simple(name);
        }
        b"todense" => {
            let converted = format::encoding(s) == SPARSE;
            format::to_dense(s).map_err(corrupt)?;
            ctx.dirty += converted as u64;
            ctx.int(converted as i64);
        }
        _ => {
            let name = String::from_utf8_lossy(&args[1]).replace(['\r', '\n'], " ");
            return Err(format!("ERR Unknown PFDEBUG subcommand '{name}'").into());
        }
    }
    Ok(())
}

fn pfselftest(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let max_bytes = ctx.core.config.hll_sparse_max_bytes;
    selftest(&mut rand::rng(), max_bytes)?;
    ctx.ok();
    Ok(())
}

/// PFSELFTEST: dense registers keep what is written to them without disturbing neighbours, and
/// the estimate of up to 10^7 distinct elements stays within six standard errors, the sparse
/// and dense forms agreeing while the sparse one lasts.
fn selftest(rng: &mut impl rand::Rng, max_bytes: u64) -> Result<(), String> {
    const CYCLES: usize = 1000;
    let mut dense = vec![0u8; format::DENSE_SIZE];
    let mut expected = vec![0u8; REGISTERS];
    for _ in 0..CYCLES {
        for (i, e) in expected.iter_mut().enumerate() {
            *e = rng.random::<u8>() & 63;
            format::dense_write(&mut dense[HDR_SIZE..], i, *e);
        }
        for (i, &e) in expected.iter().enumerate() {
            let got = format::dense_get(&dense[HDR_SIZE..], i);
            if got != e {
                return Err(format!(
                    "TESTFAILED Register {i} should be {e} but is {got}"
                ));
            }
        }
    }

    dense.fill(0);
    let mut sparse = format::new_sparse();
    let rel_err = 1.04 / (REGISTERS as f64).sqrt();
    let seed: u64 = rng.random();
    let mut checkpoint: u64 = 1;
    for j in 1..=10_000_000u64 {
        let ele = (j ^ seed).to_le_bytes();
        let (index, count) = format::pattern(&ele);
        format::dense_raise(&mut dense[HDR_SIZE..], index, count);
        let _ = format::add(&mut sparse, &ele, max_bytes);
        if j != checkpoint {
            continue;
        }
        if j < max_bytes / 2 && format::encoding(&sparse) != SPARSE {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let dense_card = format::count(&dense).unwrap_or(0);
        if Ok(dense_card) != format::count(&sparse) {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abs_err = checkpoint.abs_diff(dense_card);
        let max_err = if j == 10 {
            // Collisions make a larger error at 10 elements statistically likely.
            1
        } else {
            (rel_err * 6.0 * checkpoint as f64).ceil() as u64
        };
        if abs_err > max_err {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abs_err}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::format::*;

    /// Reference values computed with Redis 7.0.15's MurmurHash64A (src/hyperloglog.c).
    #[test]
    fn murmur64a_matches_redis() {
        let cases: &[(&[u8], u64, u64)] = &[
            (b"", HASH_SEED, 0xd8df_ea65_85bc_9732),
            (b"", 0, 0),
            (b"a", HASH_SEED, 0x53d2_470a_9b43_b1a7),
            (b"a", 0, 0x0717_17d2_d36b_6b11),
            (b"ab", HASH_SEED, 0x0eae_d676_4371_42cf),
            (b"abc", HASH_SEED, 0x77ec_90ae_b374_e502),
            (b"abcdefg", HASH_SEED, 0x22fe_613b_b08c_9602),
            (b"abcdefgh", HASH_SEED, 0xf3a6_5df5_5991_4567),
            (b"abcdefgh", 0, 0xafdb_0257_ff41_aa98),
            (b"abcdefghi", HASH_SEED, 0x834f_ba4d_9152_daf7),
            (b"hello world", HASH_SEED, 0xa919_bc30_51f6_24b7),
            (
                b"The quick brown fox jumps over the lazy dog",
                HASH_SEED,
                0x5160_6c5c_5b56_1ace,
            ),
            (
                b"The quick brown fox jumps over the lazy dog",
                0,
                0x5589_ca33_042a_861b,
            ),
        ];
        for &(data, seed, want) in cases {
            assert_eq!(murmur64a(data, seed), want, "{data:?} seed {seed:#x}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(murmur64a(&all, HASH_SEED), 0x5952_02c0_4f15_7049);
    }

    #[test]
    fn pattern_takes_the_index_from_the_low_14_bits_and_the_run_from_the_rest() {
        // "a" hashes to 0x53d2470a9b43b1a7: register 0x31a7, then ...1110 above it.
        assert_eq!(pattern(b"a"), (12711, 2));
        // "hello world": 0xa919bc3051f624b7, register 0x24b7, then ...1000.
        assert_eq!(pattern(b"hello world"), (9399, 4));
    }

    #[test]
    fn new_sparse_is_one_xzero_with_a_valid_zero_cache() {
        let s = new_sparse();
        assert_eq!(
            s,
            b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff".to_vec(),
            "XZERO:16384"
        );
        assert_eq!(cached_card(&s), Some(0));
        assert_eq!(decode(&s[HDR_SIZE..]), "Z:16384");
        assert_eq!(count(&s), Ok(0));
    }

    #[test]
    fn dense_registers_are_independent() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
        for i in 0..REGISTERS {
            dense_write(&mut regs, i, (i % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&regs, i), (i % 64) as u8, "register {i}");
        }
    }

    #[test]
    fn sparse_set_splits_and_merges_like_redis() {
        let mut s = new_sparse();
        assert_eq!(sparse_raise(&mut s, 1000, 2, 3000), Ok(true));
        assert_eq!(decode(&s[HDR_SIZE..]), "Z:1000 v:2,1 Z:15383");
        assert_eq!(cached_card(&s), None, "an update invalidates the cache");
        assert_eq!(sparse_raise(&mut s, 1000, 2, 3000), Ok(false));
        sparse_raise(&mut s, 1001, 2, 3000).unwrap();
        assert_eq!(decode(&s[HDR_SIZE..]), "Z:1000 v:2,2 Z:15382");
        sparse_raise(&mut s, 1003, 2, 3000).unwrap();
        assert_eq!(decode(&s[HDR_SIZE..]), "Z:1000 v:2,2 z:1 v:2,1 Z:15380");
        sparse_raise(&mut s, 1002, 2, 3000).unwrap();
        assert_eq!(decode(&s[HDR_SIZE..]), "Z:1000 v:2,4 Z:15380");
        sparse_raise(&mut s, 1001, 5, 3000).unwrap();
        assert_eq!(decode(&s[HDR_SIZE..]), "Z:1000 v:2,1 v:5,1 v:2,2 Z:15380");
    }

    #[test]
    fn sparse_promotes_on_a_large_count_or_on_size() {
        let mut s = new_sparse();
        sparse_raise(&mut s, 7, 33, 3000).unwrap();
        assert_eq!(encoding(&s), DENSE);
        assert_eq!(s.len(), DENSE_SIZE);
        assert_eq!(dense_get(&s[HDR_SIZE..], 7), 33);

        let mut s = new_sparse();
        // The first split needs 16 + 5 bytes.
        sparse_raise(&mut s, 500, 1, 20).unwrap();
        assert_eq!(encoding(&s), DENSE);
        assert_eq!(dense_get(&s[HDR_SIZE..], 500), 1);
    }

    #[test]
    fn sparse_not_covering_every_register_is_corrupt() {
        let mut s = new_sparse();
        s.truncate(HDR_SIZE);
        s.push(0x3f); // z:64 only
        assert_eq!(count(&s), Err(Corrupt));
        assert_eq!(to_dense(&mut s), Err(Corrupt));
        assert_eq!(sparse_raise(&mut s, 100, 1, 3000), Err(Corrupt));
        assert_eq!(sparse_raise(&mut s, 10, 1, 3000), Ok(true));
        let mut max = [0u8; REGISTERS];
        assert_eq!(merge_into(&mut max, &s), Err(Corrupt));
    }

    #[test]
    fn estimate_of_known_histograms() {
        let mut h = [0u32; 64];
        h[0] = REGISTERS as u32;
        assert_eq!(estimate(&h), 0);
        h[0] -= 1;
        h[1] = 1;
        assert_eq!(estimate(&h), 1);
    }

    #[test]
    fn selftest_passes() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        super::selftest(&mut rng, 3000).unwrap();
    }
}

//! The generator of `differential_types`: seeded commands over small key and member spaces,
//! per family, with the probes (run on both servers) that keep blocking pops from blocking and
//! lex ranges on sorted sets whose scores are all equal. Knows nothing of how replies are
//! compared.

use super::{Cmd, Pair, cmd, s, upper};
use redis::Value;

/// splitmix64: small, seedable, and the same on every platform.
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// True with probability `pct`/100.
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

// ---------------------------------------------------------------------------------------------
// Key, member and argument pools.

const LISTS: &[&str] = &["l0", "l1", "l2"];
const HASHES: &[&str] = &["h0", "h1", "h2"];
const SETS: &[&str] = &["s0", "s1", "s2"];
/// `zl` is mostly added to with score 0, for lex ranges (see `Gen::lex_guard`).
const ZSETS: &[&str] = &["z0", "z1", "z2", "zl"];
const HLLS: &[&str] = &["p0", "p1"];
const STRINGS: &[&str] = &["str"];

/// Every key the generator uses, for dumps on failure.
pub fn all_keys() -> Vec<&'static str> {
    [LISTS, HASHES, SETS, ZSETS, HLLS, STRINGS].concat()
}

/// A key of the family, or now and then any key (which may hold another type).
fn key(r: &mut Rng, family: &[&str]) -> Vec<u8> {
    if r.chance(5) {
        s(r.pick(&all_keys()))
    } else {
        s(r.pick(family))
    }
}

fn keys(r: &mut Rng, family: &[&str], max: usize) -> Vec<Vec<u8>> {
    (0..1 + r.below(max)).map(|_| key(r, family)).collect()
}

/// 70 bytes: longer than the default `*-max-listpack-value` (64).
const LONG: &str = "a-member-longer-than-the-listpack-value-limit-of-sixty-four-bytes-xxxx";

/// Small integers (intsets, listpack integers) with the encoding edges of intset and listpack.
const INT_MEMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "-1",
    "-2",
    "12",
    "127",
    "128",
    "4095",
    "4096",
    "65535",
    "65536",
    "-32768",
    "-32769",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "-9223372036854775808",
];

/// Non-integers, near-integers that are not canonical, and binary.
const STR_MEMBERS: &[&str] = &[
    "a",
    "b",
    "c",
    "foo",
    "bar",
    "",
    "01",
    "+1",
    "-0",
    "1.5",
    " 2",
    "0x1f",
    "9223372036854775808",
    "\u{0}bin\u{ff}",
    LONG,
];

fn member(r: &mut Rng) -> Vec<u8> {
    match r.below(100) {
        0..=54 => s(r.pick(&INT_MEMBERS[..14])),
        55..=74 => s(r.pick(INT_MEMBERS)),
        _ => s(r.pick(STR_MEMBERS)),
    }
}

/// An integer member from a wider range, so sets can outgrow the default thresholds.
fn wide_member(r: &mut Rng) -> Vec<u8> {
    r.below(700).to_string().into_bytes()
}

fn members(r: &mut Rng, max: usize) -> Vec<Vec<u8>> {
    let wide = r.chance(8);
    let n = if wide {
        10 + r.below(40)
    } else {
        1 + r.below(max)
    };
    (0..n)
        .map(|_| if wide { wide_member(r) } else { member(r) })
        .collect()
}

/// Hash values: integers, floats for HINCRBYFLOAT, strings, a long one.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "7",
    "100",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "-0.25",
    "1e3",
    "3.0",
    "0.1",
    "inf",
    "abc",
    "",
    "01",
    " 5",
    LONG,
];

const INDEXES: &[&str] = &[
    "0", "0", "1", "2", "3", "-1", "-1", "-2", "-3", "5", "10", "100", "-100", "abc", "1.5",
];

const COUNTS: &[&str] = &["0", "1", "1", "2", "3", "5", "10", "100", "-1", "abc"];

const INCRS: &[&str] = &[
    "1",
    "-1",
    "5",
    "100",
    "-100",
    "0",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "abc",
];

const FLOAT_INCRS: &[&str] = &[
    "1", "-1", "0.5", "0.1", "-0.25", "1e2", "1.5e-3", "3", "inf", "nan", "abc", "", "1e308",
];

/// Scores: integers, fractions, extremes, invalid.
const SCORES: &[&str] = &[
    "0", "1", "1", "2", "2", "3", "-1", "-2", "2.5", "-3.75", "10", "100", "0.1", "1e3", "inf",
    "-inf", "+inf", "1e308", "nan", "abc", "",
];

const SCORE_BOUNDS: &[&str] = &[
    "-inf", "+inf", "inf", "0", "1", "(1", "2", "(2", "2.5", "(2.5", "3", "10", "(10", "-1", "(-1",
    "100", "abc", "(", "nan",
];

const LEX_BOUNDS: &[&str] = &[
    "-", "+", "[a", "(a", "[b", "(b", "[c", "[foo", "(foo", "[1", "(1", "[10", "[", "(", "a",
    "[\u{0}",
];

const WEIGHTS: &[&str] = &["1", "2", "0", "-1", "0.5", "inf", "-inf", "abc"];

/// Timeouts for blocking commands outside MULTI (their keys exist, so they never wait).
const SHORT_TIMEOUTS: &[&str] = &["0.01", "0.02", "0.01", "-1", "abc"];
/// Timeouts inside MULTI, where a blocking command never waits.
const MULTI_TIMEOUTS: &[&str] = &["0", "0", "1", "0.01", "-1", "abc", "inf"];

fn end(r: &mut Rng) -> Vec<u8> {
    s(r.pick(&["LEFT", "RIGHT", "left", "RIGHT", "UP"]))
}

// ---------------------------------------------------------------------------------------------
// The generator.

/// What a generator may know about the servers: probes run on both and must agree.
pub struct Gen<'a> {
    pub r: Rng,
    pub pair: &'a mut Pair,
    /// Whether ferrodis has sorted sets yet (`COMMAND INFO zadd`).
    pub zsets: bool,
}

/// One block of commands: a single command, or MULTI ... EXEC/DISCARD.
pub type Block = Vec<Cmd>;

impl Gen<'_> {
    /// One block.
    pub fn block(&mut self) -> Block {
        if self.r.chance(4) {
            return self.multi_block();
        }
        if self.r.chance(8)
            && let Some(del) = self.repair()
        {
            return vec![del];
        }
        self.command(false)
    }

    /// Cross-type writes and RENAME leave keys holding another family's type, which would
    /// turn most later commands on them into WRONGTYPE: a key found so is deleted.
    fn repair(&mut self) -> Option<Cmd> {
        let (family, want) = self.r.pick(&[
            (LISTS, "list"),
            (HASHES, "hash"),
            (SETS, "set"),
            (ZSETS, "zset"),
            (HLLS, "string"),
        ]);
        let k = s(self.r.pick(family));
        match self.pair.probe(&vec![s("TYPE"), k.clone()]) {
            Value::SimpleString(t) if t != want && t != "none" => Some(vec![s("DEL"), k]),
            _ => None,
        }
    }

    fn multi_block(&mut self) -> Block {
        let mut b = vec![cmd(&["MULTI"])];
        for _ in 0..1 + self.r.below(6) {
            let mut inner = self.command(true);
            b.append(&mut inner);
        }
        b.push(if self.r.chance(8) {
            cmd(&["DISCARD"])
        } else {
            cmd(&["EXEC"])
        });
        b
    }

    /// One command (a block of one, or MULTI [blocking pop] EXEC when that pop would block).
    fn command(&mut self, in_multi: bool) -> Block {
        let weights = [
            ("list", 24),
            ("hash", 18),
            ("set", 18),
            ("zset", if self.zsets { 22 } else { 0 }),
            ("hll", 5),
            ("generic", 13),
        ];
        let total: usize = weights.iter().map(|w| w.1).sum();
        let mut at = self.r.below(total);
        let family = weights
            .iter()
            .find(|w| {
                if at < w.1 {
                    true
                } else {
                    at -= w.1;
                    false
                }
            })
            .expect("a family")
            .0;
        match family {
            "list" => self.list_command(in_multi),
            "hash" => vec![hash_command(&mut self.r)],
            "set" => vec![set_command(&mut self.r)],
            "zset" => self.zset_command(in_multi),
            "hll" => vec![hll_command(&mut self.r)],
            _ => vec![generic_command(&mut self.r)],
        }
    }

    /// A blocking command: sent as is when one of `sources` exists (it answers at once),
    /// else inside MULTI, where it answers as if it timed out.
    fn blocking(
        &mut self,
        in_multi: bool,
        sources: &[Vec<u8>],
        build: impl Fn(&[u8]) -> Cmd,
    ) -> Block {
        if in_multi {
            let t = self.r.pick(MULTI_TIMEOUTS);
            return vec![build(t.as_bytes())];
        }
        let mut probe = vec![s("EXISTS")];
        probe.extend(sources.iter().cloned());
        if self.pair.probe(&probe) != Value::Int(0) {
            let t = self.r.pick(SHORT_TIMEOUTS);
            vec![build(t.as_bytes())]
        } else {
            let t = self.r.pick(MULTI_TIMEOUTS);
            vec![cmd(&["MULTI"]), build(t.as_bytes()), cmd(&["EXEC"])]
        }
    }

    fn list_command(&mut self, in_multi: bool) -> Block {
        let r = &mut self.r;
        let c = match r.below(30) {
            0..=3 => {
                let mut c = vec![s(r.pick(&["LPUSH", "RPUSH"])), key(r, LISTS)];
                c.extend(members(r, 5));
                c
            }
            4 => {
                let mut c = vec![s(r.pick(&["LPUSHX", "RPUSHX"])), key(r, LISTS)];
                c.extend(members(r, 3));
                c
            }
            5..=6 => {
                let mut c = vec![s(r.pick(&["LPOP", "RPOP"])), key(r, LISTS)];
                if r.chance(50) {
                    c.push(s(r.pick(COUNTS)));
                }
                c
            }
            7 => vec![s("LLEN"), key(r, LISTS)],
            8..=9 => vec![
                s("LRANGE"),
                key(r, LISTS),
                s(r.pick(INDEXES)),
                s(r.pick(INDEXES)),
            ],
            10 => vec![s("LINDEX"), key(r, LISTS), s(r.pick(INDEXES))],
            11 => vec![s("LSET"), key(r, LISTS), s(r.pick(INDEXES)), member(r)],
            12..=13 => vec![
                s("LINSERT"),
                key(r, LISTS),
                s(r.pick(&["BEFORE", "AFTER", "before", "after", "MIDDLE"])),
                member(r),
                member(r),
            ],
            14 => vec![
                s("LREM"),
                key(r, LISTS),
                s(r.pick(&["0", "1", "-1", "2", "-2", "5", "abc"])),
                member(r),
            ],
            15 => vec![
                s("LTRIM"),
                key(r, LISTS),
                s(r.pick(INDEXES)),
                s(r.pick(INDEXES)),
            ],
            16..=17 => lpos_command(r),
            18..=19 => vec![s("LMOVE"), key(r, LISTS), key(r, LISTS), end(r), end(r)],
            20 => vec![s("RPOPLPUSH"), key(r, LISTS), key(r, LISTS)],
            21..=22 => {
                let ks = keys(r, LISTS, 3);
                let mut c = vec![s("LMPOP")];
                c.extend(numkeys(r, &ks));
                c.push(end(r));
                if r.chance(50) {
                    c.extend([s("COUNT"), s(r.pick(COUNTS))]);
                }
                c
            }
            23..=24 => {
                let name = r.pick(&["BLPOP", "BRPOP"]);
                let ks = keys(r, LISTS, 3);
                return self.blocking(in_multi, &ks.clone(), move |t| {
                    let mut c = vec![s(name)];
                    c.extend(ks.iter().cloned());
                    c.push(t.to_vec());
                    c
                });
            }
            25 => {
                let (src, dst, from, to) = (key(r, LISTS), key(r, LISTS), end(r), end(r));
                let sources = [src.clone()];
                return self.blocking(in_multi, &sources, move |t| {
                    vec![
                        s("BLMOVE"),
                        src.clone(),
                        dst.clone(),
                        from.clone(),
                        to.clone(),
                        t.to_vec(),
                    ]
                });
            }
            26 => {
                let (src, dst) = (key(r, LISTS), key(r, LISTS));
                let sources = [src.clone()];
                return self.blocking(in_multi, &sources, move |t| {
                    vec![s("BRPOPLPUSH"), src.clone(), dst.clone(), t.to_vec()]
                });
            }
            27 => {
                let ks = keys(r, LISTS, 3);
                let mut tail = numkeys(r, &ks);
                tail.push(end(r));
                if r.chance(50) {
                    tail.extend([s("COUNT"), s(r.pick(COUNTS))]);
                }
                return self.blocking(in_multi, &ks, move |t| {
                    let mut c = vec![s("BLMPOP"), t.to_vec()];
                    c.extend(tail.iter().cloned());
                    c
                });
            }
            _ => arity_error(
                r,
                &[
                    "LPUSH", "LPOP", "LRANGE", "LINSERT", "LPOS", "LMOVE", "LMPOP",
                ],
            ),
        };
        vec![c]
    }

    fn zset_command(&mut self, in_multi: bool) -> Block {
        let r = &mut self.r;
        let c = match r.below(41) {
            0..=5 => zadd_command(r),
            6 => {
                let mut c = vec![s("ZREM"), key(r, ZSETS)];
                c.extend(members(r, 4));
                c
            }
            7 => vec![s("ZCARD"), key(r, ZSETS)],
            8 => vec![s("ZSCORE"), key(r, ZSETS), member(r)],
            9 => {
                let mut c = vec![s("ZMSCORE"), key(r, ZSETS)];
                c.extend(members(r, 4));
                c
            }
            10..=11 => vec![s("ZINCRBY"), key(r, ZSETS), s(r.pick(SCORES)), member(r)],
            12 => vec![s(r.pick(&["ZRANK", "ZREVRANK"])), key(r, ZSETS), member(r)],
            13 => vec![
                s("ZCOUNT"),
                key(r, ZSETS),
                s(r.pick(SCORE_BOUNDS)),
                s(r.pick(SCORE_BOUNDS)),
            ],
            14 => vec![
                s("ZLEXCOUNT"),
                key(r, ZSETS),
                s(r.pick(LEX_BOUNDS)),
                s(r.pick(LEX_BOUNDS)),
            ],
            15..=19 => {
                let k = key(r, ZSETS);
                zrange_command(r, "ZRANGE", vec![k])
            }
            20..=21 => {
                let (dst, src) = (key(r, ZSETS), key(r, ZSETS));
                zrange_command(r, "ZRANGESTORE", vec![dst, src])
            }
            22..=23 => old_zrange_command(r),
            24..=25 => {
                let mut c = vec![s(r.pick(&["ZPOPMIN", "ZPOPMAX"])), key(r, ZSETS)];
                if r.chance(50) {
                    c.push(s(r.pick(COUNTS)));
                }
                c
            }
            26 => {
                let ks = keys(r, ZSETS, 3);
                let mut c = vec![s("ZMPOP")];
                c.extend(numkeys(r, &ks));
                c.push(s(r.pick(&["MIN", "MAX", "min", "LEFT"])));
                if r.chance(50) {
                    c.extend([s("COUNT"), s(r.pick(COUNTS))]);
                }
                c
            }
            27 => vec![
                s("ZREMRANGEBYRANK"),
                key(r, ZSETS),
                s(r.pick(INDEXES)),
                s(r.pick(INDEXES)),
            ],
            28 => vec![
                s("ZREMRANGEBYSCORE"),
                key(r, ZSETS),
                s(r.pick(SCORE_BOUNDS)),
                s(r.pick(SCORE_BOUNDS)),
            ],
            29 => vec![
                s("ZREMRANGEBYLEX"),
                key(r, ZSETS),
                s(r.pick(LEX_BOUNDS)),
                s(r.pick(LEX_BOUNDS)),
            ],
            30..=33 => zsetop_command(r),
            34 => {
                let ks = keys(r, ZSETS, 3);
                let mut c = vec![s("ZINTERCARD")];
                c.extend(numkeys(r, &ks));
                if r.chance(40) {
                    c.extend([s("LIMIT"), s(r.pick(COUNTS))]);
                }
                c
            }
            35 => {
                let mut c = vec![s("ZRANDMEMBER"), key(r, ZSETS)];
                if r.chance(70) {
                    c.push(s(r.pick(&["1", "3", "10", "-3", "-10", "0", "abc"])));
                    if r.chance(50) {
                        c.push(s("WITHSCORES"));
                    }
                }
                c
            }
            36 => {
                let name = r.pick(&["BZPOPMIN", "BZPOPMAX"]);
                let ks = keys(r, ZSETS, 3);
                return self.blocking(in_multi, &ks.clone(), move |t| {
                    let mut c = vec![s(name)];
                    c.extend(ks.iter().cloned());
                    c.push(t.to_vec());
                    c
                });
            }
            37 => {
                let ks = keys(r, ZSETS, 3);
                let mut tail = numkeys(r, &ks);
                tail.push(s(r.pick(&["MIN", "MAX"])));
                if r.chance(50) {
                    tail.extend([s("COUNT"), s(r.pick(COUNTS))]);
                }
                return self.blocking(in_multi, &ks, move |t| {
                    let mut c = vec![s("BZMPOP"), t.to_vec()];
                    c.extend(tail.iter().cloned());
                    c
                });
            }
            38 => scan_command(r, "ZSCAN", ZSETS),
            _ => arity_error(
                r,
                &[
                    "ZADD",
                    "ZRANGE",
                    "ZUNIONSTORE",
                    "ZINCRBY",
                    "ZPOPMIN",
                    "ZSCAN",
                ],
            ),
        };
        vec![self.lex_guard(c, in_multi)]
    }

    /// A lex range over members of different scores has no specified answer (Redis's skiplist
    /// descent on unordered members even depends on its random levels), so a lex range command
    /// is only sent when its source's scores are all equal; otherwise ZCARD takes its place.
    /// Inside MULTI the state at run time is unknown: always ZCARD. Most lex range commands go
    /// to `zl`, whose scores are mostly all 0.
    ///
    /// (In listpack encoding Redis's answer is deterministic even then, but ferrodis differs:
    /// `ZADD zl 1 "" 0 a 3 b 0 2147483648` then `ZRANGE zl [b ( BYLEX REV` is `b` in Redis and
    /// `b "" a 2147483648` in ferrodis, which does not stop at the first member below the
    /// minimum, and even returns `""`, outside the range. Left to cmd/zsets.)
    fn lex_guard(&mut self, mut c: Cmd, in_multi: bool) -> Cmd {
        let name = upper(&c);
        let lex = name.contains("LEX") || c.iter().any(|a| a.eq_ignore_ascii_case(b"BYLEX"));
        if !lex || c.len() < 2 {
            return c;
        }
        let at = if name == "ZRANGESTORE" && c.len() > 2 {
            2
        } else {
            1
        };
        if self.r.chance(60) {
            c[at] = s("zl");
        }
        let src = c[at].clone();
        if !in_multi && self.equal_scores(&src) {
            c
        } else if !in_multi && src == b"zl" {
            vec![s("DEL"), src] // start `zl` over, with equal scores
        } else {
            vec![s("ZCARD"), src]
        }
    }

    /// True when every member of the sorted set at `key` has the same score (or it is no
    /// sorted set, where a lex command's answer is an error or empty anyway).
    fn equal_scores(&mut self, key: &[u8]) -> bool {
        let mut score = |index: &str| match self.pair.probe(&vec![
            s("ZRANGE"),
            key.to_vec(),
            s(index),
            s(index),
            s("WITHSCORES"),
        ]) {
            // RESP2: [member, score]; RESP3: [[member, score]].
            Value::Array(items) => match items.first() {
                Some(Value::Array(pair)) => pair.get(1).cloned(),
                _ => items.get(1).cloned(),
            },
            _ => None,
        };
        score("0") == score("-1")
    }
}

/// HSCAN/SSCAN/ZSCAN that complete in one call (every collection here is far smaller than
/// COUNT), so the cursor is 0 in both servers; now and then a malformed one.
fn scan_command(r: &mut Rng, name: &str, family: &[&str]) -> Cmd {
    let mut c = vec![s(name), key(r, family), s("0"), s("COUNT"), s("1000")];
    if r.chance(40) {
        c.extend([
            s("MATCH"),
            s(r.pick(&["*", "1*", "[ab]*", "?", "*o*", "-*", ""])),
        ]);
    }
    if r.chance(8) {
        match r.below(4) {
            // Not "-1": strtoull reads it as 2^64-1, a position in the dict that depends on
            // Redis's random hash seed.
            0 => c[2] = s(r.pick(&["abc", "1.5", "18446744073709551616"])),
            1 => c[4] = s(r.pick(&["0", "-1", "abc"])),
            2 => c.push(s("NOVALUES")),
            _ => c.push(s("MATCH")),
        }
    }
    c
}

/// `numkeys key...`, now and then with a wrong count.
fn numkeys(r: &mut Rng, ks: &[Vec<u8>]) -> Cmd {
    let n = if r.chance(8) {
        r.pick(&["0", "-1", "abc", "5"]).to_string()
    } else {
        ks.len().to_string()
    };
    let mut c = vec![n.into_bytes()];
    c.extend(ks.iter().cloned());
    c
}

/// A command of the family with too few arguments.
fn arity_error(r: &mut Rng, names: &[&str]) -> Cmd {
    let mut c = vec![s(r.pick(names))];
    if r.chance(50) {
        c.push(s("l0"));
    }
    c
}

fn lpos_command(r: &mut Rng) -> Cmd {
    let mut c = vec![s("LPOS"), key(r, LISTS), member(r)];
    for _ in 0..r.below(4) {
        match r.below(4) {
            0 => c.extend([
                s("RANK"),
                s(r.pick(&["1", "2", "-1", "-2", "0", "3", "abc"])),
            ]),
            1 => c.extend([s("COUNT"), s(r.pick(&["0", "1", "2", "5", "-1"]))]),
            2 => c.extend([s("MAXLEN"), s(r.pick(&["0", "1", "3", "10", "-1"]))]),
            _ => c.push(s(r.pick(&["RANK", "BAD"]))),
        }
    }
    c
}

fn hash_command(r: &mut Rng) -> Cmd {
    let field = |r: &mut Rng| member(r);
    let value = |r: &mut Rng| s(r.pick(VALUES));
    match r.below(27) {
        0..=4 => {
            let mut c = vec![s(r.pick(&["HSET", "HSET", "HMSET"])), key(r, HASHES)];
            let wide = r.chance(8);
            for _ in 0..if wide {
                10 + r.below(30)
            } else {
                1 + r.below(4)
            } {
                let f = if wide { wide_member(r) } else { field(r) };
                c.extend([f, value(r)]);
            }
            if r.chance(5) {
                c.pop();
            }
            c
        }
        5 => vec![s("HSETNX"), key(r, HASHES), field(r), value(r)],
        6..=7 => vec![s("HGET"), key(r, HASHES), field(r)],
        8 => {
            let mut c = vec![s("HMGET"), key(r, HASHES)];
            c.extend(members(r, 4));
            c
        }
        9..=10 => {
            let mut c = vec![s("HDEL"), key(r, HASHES)];
            c.extend(members(r, 3));
            c
        }
        11 => vec![s("HLEN"), key(r, HASHES)],
        12 => vec![s("HEXISTS"), key(r, HASHES), field(r)],
        13..=14 => vec![s("HGETALL"), key(r, HASHES)],
        15 => vec![s("HKEYS"), key(r, HASHES)],
        16 => vec![s("HVALS"), key(r, HASHES)],
        17..=18 => vec![s("HINCRBY"), key(r, HASHES), field(r), s(r.pick(INCRS))],
        19..=20 => vec![
            s("HINCRBYFLOAT"),
            key(r, HASHES),
            field(r),
            s(r.pick(FLOAT_INCRS)),
        ],
        21 => vec![s("HSTRLEN"), key(r, HASHES), field(r)],
        22 => {
            let mut c = vec![s("HRANDFIELD"), key(r, HASHES)];
            if r.chance(70) {
                c.push(s(r.pick(&["1", "3", "10", "-3", "-10", "0", "abc"])));
                if r.chance(50) {
                    c.push(s("WITHVALUES"));
                }
            }
            c
        }
        23 => vec![s("OBJECT"), s("ENCODING"), key(r, HASHES)],
        24 => scan_command(r, "HSCAN", HASHES),
        _ => arity_error(
            r,
            &[
                "HSET", "HGET", "HMGET", "HDEL", "HINCRBY", "HSETNX", "HSCAN",
            ],
        ),
    }
}

fn set_command(r: &mut Rng) -> Cmd {
    match r.below(30) {
        0..=5 => {
            let mut c = vec![s("SADD"), key(r, SETS)];
            c.extend(members(r, 5));
            c
        }
        6..=7 => {
            let mut c = vec![s("SREM"), key(r, SETS)];
            c.extend(members(r, 3));
            c
        }
        8 => vec![s("SCARD"), key(r, SETS)],
        9 => vec![s("SISMEMBER"), key(r, SETS), member(r)],
        10 => {
            let mut c = vec![s("SMISMEMBER"), key(r, SETS)];
            c.extend(members(r, 4));
            c
        }
        11..=12 => vec![s("SMEMBERS"), key(r, SETS)],
        13..=14 => vec![s("SMOVE"), key(r, SETS), key(r, SETS), member(r)],
        15..=22 => {
            let name = r.pick(&[
                "SINTER",
                "SINTERSTORE",
                "SUNION",
                "SUNIONSTORE",
                "SDIFF",
                "SDIFFSTORE",
            ]);
            let mut c = vec![s(name)];
            if name.ends_with("STORE") {
                c.push(key(r, SETS));
            }
            c.extend(keys(r, SETS, 3));
            c
        }
        23 => {
            let ks = keys(r, SETS, 3);
            let mut c = vec![s("SINTERCARD")];
            c.extend(numkeys(r, &ks));
            if r.chance(40) {
                c.extend([s("LIMIT"), s(r.pick(COUNTS))]);
            }
            c
        }
        24 => {
            // Only counts that take the whole set (or nothing, or an error): see the file doc.
            let count = r.pick(&["1000", "1000", "0", "-1", "abc"]);
            vec![s("SPOP"), key(r, SETS), s(count)]
        }
        25 => {
            let mut c = vec![s("SRANDMEMBER"), key(r, SETS)];
            if r.chance(70) {
                c.push(s(r.pick(&["1", "3", "10", "-3", "-10", "0", "abc"])));
            }
            c
        }
        26 => vec![s("OBJECT"), s("ENCODING"), key(r, SETS)],
        27 => scan_command(r, "SSCAN", SETS),
        _ => arity_error(r, &["SADD", "SREM", "SMOVE", "SINTERCARD", "SINTERSTORE"]),
    }
}

fn zadd_command(r: &mut Rng) -> Cmd {
    let k = key(r, ZSETS);
    let lex = k == b"zl" && r.chance(90);
    let mut c = vec![s("ZADD"), k];
    // Mostly valid option sets; now and then an incompatible or repeated one.
    for _ in 0..r.below(3) {
        c.push(s(r.pick(&[
            "NX", "XX", "GT", "LT", "CH", "CH", "INCR", "nx", "ch", "gt",
        ])));
    }
    let pairs = if r.chance(8) {
        10 + r.below(30)
    } else {
        1 + r.below(3)
    };
    let wide = pairs > 5;
    for _ in 0..pairs {
        let m = if wide { wide_member(r) } else { member(r) };
        let score = if lex { "0" } else { r.pick(SCORES) };
        c.extend([s(score), m]);
    }
    if r.chance(4) {
        c.pop();
    }
    c
}

/// ZRANGE / ZRANGESTORE with `prefix` keys: by rank, score or lex, REV, LIMIT, WITHSCORES.
fn zrange_command(r: &mut Rng, name: &str, prefix: Vec<Vec<u8>>) -> Cmd {
    let mut c = vec![s(name)];
    c.extend(prefix);
    let by = r.below(3);
    let bounds = match by {
        0 => INDEXES,
        1 => SCORE_BOUNDS,
        _ => LEX_BOUNDS,
    };
    c.extend([s(r.pick(bounds)), s(r.pick(bounds))]);
    match by {
        1 => c.push(s(r.pick(&["BYSCORE", "byscore"]))),
        2 => c.push(s("BYLEX")),
        _ => {}
    }
    if r.chance(30) {
        c.push(s("REV"));
    }
    if r.chance(30) {
        c.extend([
            s("LIMIT"),
            s(r.pick(&["0", "1", "2", "-1"])),
            s(r.pick(&["1", "2", "5", "-1", "0"])),
        ]);
    }
    if name == "ZRANGE" && r.chance(40) {
        c.push(s("WITHSCORES"));
    }
    if r.chance(3) {
        c.push(s(r.pick(&["BYSCORE", "BYLEX", "WITHSCORES", "LIMIT"])));
    }
    c
}

/// ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE.
fn old_zrange_command(r: &mut Rng) -> Cmd {
    let name = r.pick(&[
        "ZRANGEBYSCORE",
        "ZREVRANGEBYSCORE",
        "ZRANGEBYLEX",
        "ZREVRANGEBYLEX",
        "ZREVRANGE",
    ]);
    let bounds = match name {
        "ZREVRANGE" => INDEXES,
        n if n.ends_with("SCORE") => SCORE_BOUNDS,
        _ => LEX_BOUNDS,
    };
    let mut c = vec![s(name), key(r, ZSETS), s(r.pick(bounds)), s(r.pick(bounds))];
    if name != "ZREVRANGE" && r.chance(30) {
        c.extend([
            s("LIMIT"),
            s(r.pick(&["0", "1", "-1"])),
            s(r.pick(&["1", "3", "-1"])),
        ]);
    }
    if !name.ends_with("LEX") && r.chance(40) {
        c.push(s("WITHSCORES"));
    }
    c
}

/// ZUNION/ZINTER/ZDIFF, with or without STORE, over sorted sets and sets, WEIGHTS/AGGREGATE.
fn zsetop_command(r: &mut Rng) -> Cmd {
    let name = r.pick(&[
        "ZUNIONSTORE",
        "ZINTERSTORE",
        "ZDIFFSTORE",
        "ZUNION",
        "ZINTER",
        "ZDIFF",
    ]);
    let mut c = vec![s(name)];
    if name.ends_with("STORE") {
        c.push(key(r, ZSETS));
    }
    let n = 1 + r.below(3);
    let ks: Vec<Vec<u8>> = (0..n)
        .map(|_| {
            if r.chance(25) {
                key(r, SETS)
            } else {
                key(r, ZSETS)
            }
        })
        .collect();
    c.extend(numkeys(r, &ks));
    if !name.starts_with("ZDIFF") || r.chance(10) {
        if r.chance(40) {
            c.push(s("WEIGHTS"));
            let count = if r.chance(90) { n } else { n + 1 };
            for _ in 0..count {
                c.push(s(r.pick(WEIGHTS)));
            }
        }
        if r.chance(40) {
            c.extend([
                s("AGGREGATE"),
                s(r.pick(&["SUM", "MIN", "MAX", "min", "AVG"])),
            ]);
        }
    }
    if !name.ends_with("STORE") && r.chance(50) {
        c.push(s("WITHSCORES"));
    }
    c
}

fn hll_command(r: &mut Rng) -> Cmd {
    let element = |r: &mut Rng, range: usize| format!("e{}", r.below(range)).into_bytes();
    match r.below(10) {
        0..=4 => {
            let mut c = vec![s("PFADD"), key(r, HLLS)];
            let range = r.pick(&[20, 200, 5000]);
            for _ in 0..r.below(if range > 20 { 40 } else { 5 }) {
                c.push(element(r, range));
            }
            c
        }
        5..=7 => {
            let mut c = vec![s("PFCOUNT")];
            c.extend(keys(r, HLLS, 2));
            c
        }
        _ => {
            let mut c = vec![s("PFMERGE"), key(r, HLLS)];
            c.extend(keys(r, HLLS, 2));
            c
        }
    }
}

/// Generic key commands on collection keys, and cross-type mistakes.
fn generic_command(r: &mut Rng) -> Cmd {
    let any = |r: &mut Rng| s(r.pick(&all_keys()));
    match r.below(24) {
        0..=1 => {
            let mut c = vec![s(r.pick(&["DEL", "UNLINK"]))];
            c.extend((0..1 + r.below(2)).map(|_| any(r)));
            c
        }
        2 => {
            let mut c = vec![s("EXISTS")];
            c.extend((0..1 + r.below(3)).map(|_| any(r)));
            c
        }
        3..=4 => vec![s("TYPE"), any(r)],
        5..=6 => {
            let (a, b) = key_pair(r);
            vec![s(r.pick(&["RENAME", "RENAMENX"])), a, b]
        }
        7..=8 => {
            let (a, b) = key_pair(r);
            let mut c = vec![s("COPY"), a, b];
            if r.chance(15) {
                c.extend([s("DB"), s("1")]);
            }
            if r.chance(50) {
                c.push(s("REPLACE"));
            }
            c
        }
        9 => match r.below(4) {
            0 => vec![s("EXPIRE"), any(r), s("100000")],
            1 => vec![s("PEXPIRE"), any(r), s("150000000"), s("NX")],
            2 => vec![s("EXPIREAT"), any(r), s("1")], // in the past: deletes the key
            _ => vec![s("PERSIST"), any(r)],
        },
        10 => vec![s(r.pick(&["TTL", "PTTL"])), any(r)],
        11..=13 => vec![s("OBJECT"), s("ENCODING"), any(r)],
        14 => {
            let k = if r.chance(25) { any(r) } else { s("str") };
            vec![s("SET"), k, s(r.pick(&["x", "12", LONG]))]
        }
        // No GET: ferrodis's GET counts no keyspace hit for a key of another type, where
        // Redis counts one (cmd/strings.rs `get` returns WRONGTYPE before counting), and the
        // checkpoints compare hits. STRLEN reads strings (and meets other types) instead.
        15 => vec![s(r.pick(&["STRLEN", "STRLEN", "INCR"])), any(r)],
        16 => vec![s("APPEND"), s(r.pick(STRINGS)), s("x")],
        17 => vec![s("DEBUG"), s("DIGEST-VALUE"), any(r)],
        18 => vec![s("DBSIZE")],
        // Cross-type: a family's command on any key.
        19..=20 => vec![s(r.pick(&["LLEN", "HLEN", "SCARD", "ZCARD"])), any(r)],
        // Writes of one family to any key: WRONGTYPE, or a key of an unexpected type (which
        // `Gen::repair` deletes later).
        21 => match r.below(5) {
            0 => vec![s(r.pick(&["LPUSH", "SADD", "PFADD"])), any(r), s("1")],
            1 => vec![s("HSET"), any(r), s("f"), s("v")],
            2 => vec![s("ZADD"), any(r), s("1"), s("m")],
            _ => vec![s("SUNIONSTORE"), any(r), any(r), any(r)],
        },
        _ => vec![s("EXISTS"), any(r)],
    }
}

/// Two keys for RENAME and COPY: mostly of one family, now and then of any two.
fn key_pair(r: &mut Rng) -> (Vec<u8>, Vec<u8>) {
    let family = r.pick(&[LISTS, HASHES, SETS, ZSETS, HLLS]);
    if r.chance(20) {
        (s(r.pick(&all_keys())), s(r.pick(&all_keys())))
    } else {
        (s(r.pick(family)), s(r.pick(family)))
    }
}

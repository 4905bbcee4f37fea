//! Differential test: a seeded random stream of string and key commands, error-producing ones
//! included, is sent to ferrodis and to a real redis-server 7.0; every reply must be equal, and
//! so must DEBUG DIGEST at checkpoints and at the end.
//!
//! Replay a failure with `DIFF_SEED=<seed> cargo test -p ferrodis --test differential`
//! (`DIFF_COMMANDS=<n>` changes the length of each run).
//!
//! Commands whose replies legitimately differ between two servers are left out: RANDOMKEY,
//! SCAN cursors (only a SCAN that completes in one call is sent), OBJECT IDLETIME, TIME, INFO.
//! Every TTL is long or already past, so no key expires during a run, and active expiry is off
//! in both servers so keys set with a past time stay counted until touched, in both. TTL and
//! PTTL replies are compared as -2 / -1 / positive, since the two servers set relative times a
//! few milliseconds apart; EXPIRETIME and PEXPIRETIME exactly when the time was absolute.

mod common;

use common::{Server, reply};
use redis::Value;

const DEFAULT_SEEDS: &[u64] = &[1, 2, 3, 0x5eed_f00d];
const DEFAULT_COMMANDS: usize = 4000;
/// DEBUG DIGEST is compared every this many commands, to localise a divergence.
const DIGEST_EVERY: usize = 100;
/// Commands shown before the first differing one.
const CONTEXT: usize = 15;

/// splitmix64: small, seedable, and the same on every platform. Also counts the commands
/// generated (`step`), which relative times add to themselves: see `relative`.
struct Rng {
    state: u64,
    step: u64,
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng {
            state: seed,
            step: 0,
        }
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

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// True with probability `pct`/100.
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

const KEYS: &[&str] = &[
    "k0",
    "k1",
    "k2",
    "k3",
    "k4",
    "a:long:key:name:beyond:22:bytes",
    "",
];

/// Values covering every encoding and every parse edge (ints, near-ints, floats, binary).
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "7",
    "9999",
    "10000",
    "-10000",
    "123456789012",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "12345678901234567890",
    "01",
    "+1",
    " 1",
    "1 ",
    "-0",
    "1.5",
    "-2.25",
    "1e3",
    "0.1",
    "3.0",
    "5.0e3",
    "inf",
    "nan",
    "0x1f",
    "abc",
    "",
    "hello world",
    "foobar",
    "\u{0}\u{7f}\u{1}bin",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "the quick brown fox jumps over the lazy dog, then runs back over it again",
];

const INTS: &[&str] = &[
    "-9223372036854775808",
    "-100",
    "-10",
    "-3",
    "-2",
    "-1",
    "0",
    "1",
    "2",
    "3",
    "4",
    "7",
    "10",
    "100",
    "9223372036854775807",
    "1.5",
    "abc",
    "",
    "+5",
    "05",
];

const FLOATS: &[&str] = &[
    "1", "-1", "0.5", "-0.25", "1e2", "1.5e-3", "inf", "-inf", "nan", "abc", "", "5.0e3", "1e308",
    "3", "0x10", " 1", "17.5",
];

/// Relative times for EX/EXPIRE (seconds) and PX/PEXPIRE (ms), and invalid ones. The two
/// servers run a command a few ms apart, so GT/LT between relative times must not hinge on
/// that: valid times are far apart (also across units), and `relative` adds the command's
/// step, so a later command with the same base sets a strictly later time in both servers.
const SECONDS: &[&str] = &[
    "100000",
    "1000000",
    "10000000",
    "0",
    "-5",
    "abc",
    "1.5",
    "9223372036854775807",
    "9223372036854775",
];
const MILLIS: &[&str] = &[
    "150000000",
    "1500000000",
    "15000000000",
    "0",
    "-1",
    "9223372036854775807",
];
/// Absolute times: long past (the key is due at once) or far future.
const UNIX_SECONDS: &[&str] = &["1", "4102444800", "4102444801", "0", "-1", "4102444799"];
const UNIX_MILLIS: &[&str] = &[
    "1",
    "4102444800000",
    "4102444800001",
    "4102444799999",
    "4102444800499",
    "4102444800500",
    "9223372036854775807",
    "0",
];

const PATTERNS: &[&str] = &[
    "*", "k*", "k[0-2]", "k[^0-2]", "?1", "*:*", "a*s", "k\\1", "[k]?", "nomatch*", "*[", "",
];

const DBS: &[&str] = &[
    "0",
    "1",
    "2",
    "0",
    "1",
    "16",
    "-1",
    "abc",
    "4294967296",
    "2147483648",
    "-2147483649",
];

/// A relative time from `pool`: a valid base plus the command's step (see SECONDS).
fn relative(r: &mut Rng, pool: &[&str]) -> Vec<u8> {
    let base = r.pick(pool);
    match base.parse::<u64>() {
        Ok(n) if (100_000..1_000_000_000_000).contains(&n) => (n + r.step).to_string().into_bytes(),
        _ => s(base),
    }
}

fn key(r: &mut Rng) -> Vec<u8> {
    r.pick(KEYS).as_bytes().to_vec()
}

fn value(r: &mut Rng) -> Vec<u8> {
    r.pick(VALUES).as_bytes().to_vec()
}

fn s(x: &str) -> Vec<u8> {
    x.as_bytes().to_vec()
}

/// 1..=n distinct-or-not keys.
fn some_keys(r: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..1 + r.below(n)).map(|_| key(r)).collect()
}

/// An expiry option for SET/GETEX: (option, time) or a malformed variant.
fn expiry_option(r: &mut Rng) -> Vec<Vec<u8>> {
    match r.below(5) {
        0 => vec![s("EX"), relative(r, SECONDS)],
        1 => vec![s("PX"), relative(r, MILLIS)],
        2 => vec![s("EXAT"), s(r.pick(UNIX_SECONDS))],
        3 => vec![s("PXAT"), s(r.pick(UNIX_MILLIS))],
        _ => vec![s(r.pick(&["ex", "px", "EXAT"]))], // missing its argument
    }
}

fn set_command(r: &mut Rng) -> Vec<Vec<u8>> {
    let mut c = vec![s("SET"), key(r), value(r)];
    for _ in 0..r.below(4) {
        match r.below(8) {
            0 => c.push(s("NX")),
            1 => c.push(s("XX")),
            2 => c.push(s("GET")),
            3 => c.push(s("KEEPTTL")),
            4 => c.push(s(r.pick(&["nx", "get", "keepttl", "FOO"]))),
            _ => c.extend(expiry_option(r)),
        }
    }
    c
}

fn getex_command(r: &mut Rng) -> Vec<Vec<u8>> {
    let mut c = vec![s("GETEX"), key(r)];
    for _ in 0..r.below(3) {
        match r.below(4) {
            0 => c.push(s(r.pick(&["PERSIST", "persist", "FOO"]))),
            _ => c.extend(expiry_option(r)),
        }
    }
    c
}

fn expire_command(r: &mut Rng) -> Vec<Vec<u8>> {
    let (name, when) = match r.below(4) {
        0 => ("EXPIRE", relative(r, SECONDS)),
        1 => ("PEXPIRE", relative(r, MILLIS)),
        2 => ("EXPIREAT", s(r.pick(UNIX_SECONDS))),
        _ => ("PEXPIREAT", s(r.pick(UNIX_MILLIS))),
    };
    let mut c = vec![s(name), key(r), when];
    for _ in 0..r.below(3) {
        c.push(s(r.pick(&["NX", "XX", "GT", "LT", "gt", "xx", "BAD"])));
    }
    c
}

fn bit_range_args(r: &mut Rng, c: &mut Vec<Vec<u8>>, max: usize) {
    for i in 0..r.below(max + 1) {
        if i == 2 {
            c.push(s(r.pick(&["BYTE", "BIT", "bit", "byte", "WORD"])));
        } else {
            c.push(s(r.pick(INTS)));
        }
    }
}

fn lcs_command(r: &mut Rng) -> Vec<Vec<u8>> {
    let mut c = vec![s("LCS"), key(r), key(r)];
    for _ in 0..r.below(4) {
        match r.below(5) {
            0 => c.push(s("LEN")),
            1 => c.push(s("IDX")),
            2 => c.push(s("WITHMATCHLEN")),
            3 => c.extend([
                s("MINMATCHLEN"),
                s(r.pick(&["0", "1", "2", "4", "-1", "x"])),
            ]),
            _ => c.push(s(r.pick(&["idx", "len", "BAD", "MINMATCHLEN"]))),
        }
    }
    c
}

fn scan_command(r: &mut Rng) -> Vec<Vec<u8>> {
    // Only scans that complete in one call: the cursor then is 0 in both servers.
    let mut c = vec![s("SCAN"), s("0"), s("COUNT"), s("1000")];
    if r.chance(50) {
        c.extend([s("MATCH"), s(r.pick(PATTERNS))]);
    }
    if r.chance(30) {
        c.extend([
            s("TYPE"),
            s(r.pick(&["string", "STRING", "list", "nosuch"])),
        ]);
    }
    if r.chance(10) {
        // Malformed: a bad cursor, a bad COUNT, an unknown or incomplete option.
        match r.below(4) {
            0 => c[1] = s(r.pick(&["abc", "", "+0", "-0", "1.5", " 0", "18446744073709551616"])),
            1 => c[3] = s(r.pick(&["0", "-1", "abc"])),
            2 => c.push(s("FOO")),
            _ => c.push(s("MATCH")),
        }
    }
    c
}

/// One random command.
fn command(r: &mut Rng) -> Vec<Vec<u8>> {
    r.step += 1;
    match r.below(62) {
        0..=3 => vec![s("GET"), key(r)],
        4..=9 => set_command(r),
        10 => vec![s("SETNX"), key(r), value(r)],
        11 => vec![s("SETEX"), key(r), relative(r, SECONDS), value(r)],
        12 => vec![s("PSETEX"), key(r), relative(r, MILLIS), value(r)],
        13 => vec![s("GETSET"), key(r), value(r)],
        14 => vec![s("GETDEL"), key(r)],
        15 => getex_command(r),
        16 => [vec![s("MGET")], some_keys(r, 4)].concat(),
        17 | 18 => {
            let mut c = vec![s(r.pick(&["MSET", "MSETNX"]))];
            for _ in 0..1 + r.below(3) {
                c.extend([key(r), value(r)]);
            }
            if r.chance(10) {
                c.pop(); // an odd number of arguments
            }
            c
        }
        19 => vec![s(r.pick(&["INCR", "DECR"])), key(r)],
        20 | 21 => vec![s(r.pick(&["INCRBY", "DECRBY"])), key(r), s(r.pick(INTS))],
        22 => vec![s("INCRBYFLOAT"), key(r), s(r.pick(FLOATS))],
        23 | 24 => vec![s("APPEND"), key(r), value(r)],
        25 => vec![s("STRLEN"), key(r)],
        26 => vec![
            s(r.pick(&["GETRANGE", "SUBSTR"])),
            key(r),
            s(r.pick(INTS)),
            s(r.pick(INTS)),
        ],
        27 => {
            let off = r.pick(&["0", "1", "3", "10", "50", "-1", "abc", "536870912"]);
            vec![s("SETRANGE"), key(r), s(off), value(r)]
        }
        28 => {
            let off = if r.chance(85) {
                (r.below(120)).to_string()
            } else {
                r.pick(&["-1", "4294967296", "abc", "1.5"]).to_string()
            };
            let bit = r.pick(&["0", "1", "1", "2", "-1", "x"]);
            vec![s("SETBIT"), key(r), s(&off), s(bit)]
        }
        29 => {
            let off = if r.chance(85) {
                (r.below(160)).to_string()
            } else {
                r.pick(&["-1", "4294967296", "abc"]).to_string()
            };
            vec![s("GETBIT"), key(r), s(&off)]
        }
        30 => {
            let mut c = vec![s("BITCOUNT"), key(r)];
            bit_range_args(r, &mut c, 3);
            c
        }
        31 => {
            let mut c = vec![s("BITPOS"), key(r), s(r.pick(&["0", "1", "1", "2"]))];
            bit_range_args(r, &mut c, 3);
            c
        }
        32 => lcs_command(r),
        33 | 34 => [vec![s(r.pick(&["DEL", "UNLINK"]))], some_keys(r, 3)].concat(),
        35 => [vec![s("EXISTS")], some_keys(r, 4)].concat(),
        36 => vec![s("TYPE"), key(r)],
        37 => vec![s("KEYS"), s(r.pick(PATTERNS))],
        38 => scan_command(r),
        39 | 40 => vec![s(r.pick(&["RENAME", "RENAMENX"])), key(r), key(r)],
        41 => {
            let mut c = vec![s("COPY"), key(r), key(r)];
            if r.chance(50) {
                c.extend([s("DB"), s(r.pick(DBS))]);
            }
            if r.chance(40) {
                c.push(s(r.pick(&["REPLACE", "replace", "BAD"])));
            }
            c
        }
        42 => vec![s("MOVE"), key(r), s(r.pick(DBS))],
        43 => [vec![s("TOUCH")], some_keys(r, 3)].concat(),
        44 => {
            let sub = r.pick(&["ENCODING", "ENCODING", "REFCOUNT", "FREQ", "encoding"]);
            vec![s("OBJECT"), s(sub), key(r)]
        }
        45..=48 => expire_command(r),
        49 | 50 => {
            let name = r.pick(&["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]);
            vec![s(name), key(r)]
        }
        51 => vec![s("PERSIST"), key(r)],
        52 | 53 => vec![s("SELECT"), s(r.pick(DBS))],
        54 => vec![s("SWAPDB"), s(r.pick(DBS)), s(r.pick(DBS))],
        55 => {
            // Rare: a flush empties a lot.
            if r.chance(15) {
                let mut c = vec![s(r.pick(&["FLUSHDB", "FLUSHALL"]))];
                if r.chance(50) {
                    c.push(s(r.pick(&["ASYNC", "SYNC", "sync", "BAD"])));
                }
                c
            } else {
                vec![s("DBSIZE")]
            }
        }
        56 => vec![s("DBSIZE")],
        57 => [vec![s("DEBUG"), s("DIGEST-VALUE")], some_keys(r, 3)].concat(),
        // Arity errors and argument-count variants.
        58 => {
            let name = r.pick(&[
                "GET", "SET", "SETNX", "SETEX", "GETEX", "MGET", "MSET", "INCRBY", "APPEND",
                "GETRANGE", "SETBIT", "BITCOUNT", "BITPOS", "LCS", "DEL", "EXISTS", "RENAME",
                "COPY", "MOVE", "EXPIRE", "TTL", "SELECT", "SWAPDB", "FLUSHDB", "KEYS", "SCAN",
            ]);
            let mut c = vec![s(name)];
            for _ in 0..r.below(2) {
                c.push(key(r));
            }
            c
        }
        59 => vec![s("INCR"), key(r)],
        60 => vec![s("STRLEN"), key(r)],
        _ => vec![s("GET"), key(r)],
    }
}

/// Makes replies that legitimately differ comparable: key lists are sorted (their order is
/// the hash table's), remaining times and relative expiry times become 1.
fn normalize(cmd: &[Vec<u8>], v: Value) -> Value {
    let name = String::from_utf8_lossy(&cmd[0]).to_ascii_uppercase();
    match (name.as_str(), v) {
        ("KEYS", Value::Array(mut keys)) => {
            keys.sort_by(cmp_values);
            Value::Array(keys)
        }
        ("SCAN", Value::Array(mut parts)) if parts.len() == 2 => {
            if let Value::Array(keys) = &mut parts[1] {
                keys.sort_by(cmp_values);
            }
            Value::Array(parts)
        }
        ("TTL" | "PTTL", Value::Int(n)) if n > 0 => Value::Int(1),
        // Absolute times from UNIX_SECONDS/UNIX_MILLIS (year 2100 and later) compare exactly;
        // relative ones (now plus at most a few months) only as positive.
        ("EXPIRETIME", Value::Int(n)) if n > 0 && n < 4_000_000_000 => Value::Int(1),
        ("PEXPIRETIME", Value::Int(n)) if n > 0 && n < 4_000_000_000_000 => Value::Int(1),
        (_, v) => v,
    }
}

fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    format!("{a:?}").cmp(&format!("{b:?}"))
}

fn show(cmd: &[Vec<u8>]) -> String {
    cmd.iter()
        .map(|a| format!("{:?}", String::from_utf8_lossy(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// INFO stats keyspace_hits, keyspace_misses and expired_keys: which lookups count as reads
/// and which expired keys were deleted must be the same as in Redis.
fn key_stats(c: &mut redis::Connection) -> (u64, u64, u64) {
    let text = match reply(c, &[b"INFO", b"stats"]) {
        Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        Value::VerbatimString { text, .. } => text,
        other => panic!("INFO: {other:?}"),
    };
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("INFO stats has no {name}"))
            .trim()
            .parse()
            .expect("a number")
    };
    (
        field("keyspace_hits"),
        field("keyspace_misses"),
        field("expired_keys"),
    )
}

fn digest(c: &mut redis::Connection) -> Value {
    reply(c, &[b"DEBUG", b"DIGEST"])
}

/// Every key name of the generator, per database, with its value digest (DEBUG DIGEST-VALUE
/// sees keys that are logically expired but not yet deleted, as DEBUG DIGEST does), to say
/// where two digests differ. Reads nothing that would expire a key.
fn dump(c: &mut redis::Connection) -> Vec<String> {
    let mut out = Vec::new();
    for db in 0..3 {
        reply(c, &[b"SELECT", db.to_string().as_bytes()]);
        let size = reply(c, &[b"DBSIZE"]);
        out.push(format!("db{db} dbsize {size:?}"));
        for k in KEYS {
            let d = reply(c, &[b"DEBUG", b"DIGEST-VALUE", k.as_bytes()]);
            if d != Value::Array(vec![Value::SimpleString("0".repeat(40))]) {
                out.push(format!("db{db} {k:?} digest {d:?}"));
            }
        }
    }
    out
}

/// Runs one seeded stream against both servers; panics at the first difference.
fn run(seed: u64, n: usize, ours: &mut redis::Connection, theirs: &mut redis::Connection) {
    let mut rng = Rng::new(seed);
    let mut history: Vec<String> = Vec::new();
    for i in 0..n {
        let cmd = command(&mut rng);
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
        let got = normalize(&cmd, reply(ours, &args));
        let want = normalize(&cmd, reply(theirs, &args));
        history.push(show(&cmd));
        if got != want && std::env::var("DIFF_SURVEY").is_ok() {
            eprintln!(
                "#{i} {}\n   ours:   {got:?}\n   redis:  {want:?}",
                show(&cmd)
            );
            continue;
        }
        if got != want {
            let from = history.len().saturating_sub(CONTEXT + 1);
            panic!(
                "seed {seed}: command #{i} differs: {}\n  ferrodis: {got:?}\n  redis:    {want:?}\n\
                 preceding commands (replay with DIFF_SEED={seed}):\n  {}",
                show(&cmd),
                history[from..history.len() - 1].join("\n  ")
            );
        }
        let every = std::env::var("DIFF_STATS_EVERY").is_ok();
        if every || (i + 1) % DIGEST_EVERY == 0 || i + 1 == n {
            let (a, b) = (key_stats(ours), key_stats(theirs));
            if a != b {
                let from = history
                    .len()
                    .saturating_sub(if every { 1 } else { DIGEST_EVERY });
                panic!(
                    "seed {seed}: keyspace stats differ after command #{i}: ferrodis {a:?}, \
                     redis {b:?} (hits, misses, expired)\ncommands since last checkpoint:\n  {}",
                    history[from..].join("\n  ")
                );
            }
        }
        if (i + 1) % DIGEST_EVERY == 0 || i + 1 == n {
            let (a, b) = (digest(ours), digest(theirs));
            if a != b {
                let from = history.len().saturating_sub(DIGEST_EVERY);
                panic!(
                    "seed {seed}: DEBUG DIGEST differs after command #{i}: {a:?} vs {b:?}\n\
                     ferrodis keys:\n  {}\nredis keys:\n  {}\ncommands since last checkpoint:\n  {}",
                    dump(ours).join("\n  "),
                    dump(theirs).join("\n  "),
                    history[from..].join("\n  ")
                );
            }
        }
    }
}

fn seeds() -> Vec<u64> {
    match std::env::var("DIFF_SEED") {
        Ok(s) => vec![s.trim().parse().expect("DIFF_SEED must be a u64")],
        Err(_) => DEFAULT_SEEDS.to_vec(),
    }
}

fn commands_per_seed() -> usize {
    std::env::var("DIFF_COMMANDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(DEFAULT_COMMANDS)
}

#[test]
fn random_string_and_key_commands_reply_as_redis_does() {
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let (mut ours, mut theirs) = (ferrodis.conn(), redis.conn());
    let n = commands_per_seed();
    for seed in seeds() {
        for c in [&mut ours, &mut theirs] {
            assert_eq!(reply(c, &[b"FLUSHALL"]), Value::Okay);
            assert_eq!(reply(c, &[b"SELECT", b"0"]), Value::Okay);
            // Keys set with a past time must stay until touched, in both servers alike.
            assert_eq!(
                reply(c, &[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"]),
                Value::Okay
            );
            assert_eq!(reply(c, &[b"CONFIG", b"RESETSTAT"]), Value::Okay);
        }
        eprintln!("differential: seed {seed}, {n} commands");
        run(seed, n, &mut ours, &mut theirs);
        for db in 0..3 {
            let sel = db.to_string();
            let sizes: Vec<Value> = [&mut ours, &mut theirs]
                .into_iter()
                .map(|c| {
                    reply(c, &[b"SELECT", sel.as_bytes()]);
                    reply(c, &[b"DBSIZE"])
                })
                .collect();
            assert_eq!(sizes[0], sizes[1], "seed {seed}: DBSIZE of db {db}");
        }
    }
}

#[test]
fn random_commands_reply_as_redis_does_over_resp3() {
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let resp3 = |s: &Server| {
        redis::Client::open(format!("{}?protocol=resp3", s.url()))
            .and_then(|c| c.get_connection())
            .expect("connect with RESP3")
    };
    let (mut ours, mut theirs) = (resp3(&ferrodis), resp3(&redis));
    for c in [&mut ours, &mut theirs] {
        assert_eq!(
            reply(c, &[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"]),
            Value::Okay
        );
        assert_eq!(reply(c, &[b"CONFIG", b"RESETSTAT"]), Value::Okay);
        let info = reply(c, &[b"CLIENT", b"INFO"]);
        assert!(format!("{info:?}").contains("resp=3"), "{info:?}");
    }
    let seed = seeds()[0] ^ 0x3e5b;
    eprintln!("differential over RESP3: seed {seed}");
    run(seed, commands_per_seed() / 2, &mut ours, &mut theirs);
}

#[test]
fn empty_keyspace_digests_agree() {
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let zeros = Value::SimpleString("0".repeat(40));
    assert_eq!(digest(&mut ferrodis.conn()), zeros);
    assert_eq!(digest(&mut redis.conn()), zeros);
}

/// A random float text in strtold's grammar, or near it: decimal with or without point and
/// exponent, hex floats, huge and tiny magnitudes, specials, and malformed variants.
fn float_text(r: &mut Rng) -> String {
    let digits = |r: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + r.below(10) as u8))
            .collect()
    };
    let sign = match r.below(4) {
        0 => "-",
        1 => "+",
        _ => "",
    };
    match r.below(20) {
        0 => r
            .pick(&[
                "inf", "-inf", "nan", "Infinity", "1e", "e5", ".", "0x", "1.2.3", " 1",
            ])
            .into(),
        1 => {
            let hex: String = (0..1 + r.below(18))
                .map(|_| char::from_digit(r.below(16) as u32, 16).unwrap())
                .collect();
            let exp = if r.chance(50) {
                format!("p{}", r.below(200) as i64 - 100)
            } else {
                String::new()
            };
            format!("{sign}0x{hex}{exp}")
        }
        2 => format!("{sign}1e{}", 4900 + r.below(60)),
        3 => format!("{sign}1e-{}", 4920 + r.below(60)),
        4 => {
            let n = 30 + r.below(60);
            format!("{sign}{}", digits(r, n))
        }
        _ => {
            let n = r.below(22);
            let int = digits(r, n);
            let frac = if r.chance(60) {
                let n = r.below(25);
                format!(".{}", digits(r, n))
            } else {
                String::new()
            };
            let exp = if r.chance(30) {
                format!("e{}", r.below(80) as i64 - 40)
            } else {
                String::new()
            };
            let body = format!("{int}{frac}");
            let body = if body.is_empty() || body == "." {
                "0".to_string()
            } else {
                body
            };
            format!("{sign}{body}{exp}")
        }
    }
}

#[test]
fn incrbyfloat_agrees_with_redis_long_double_digit_for_digit() {
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let (mut ours, mut theirs) = (ferrodis.conn(), redis.conn());
    let seed = seeds()[0];
    let mut r = Rng::new(seed ^ 0xf10a7);
    for i in 0..2000 {
        let cmd: Vec<Vec<u8>> = if r.chance(25) {
            vec![s("SET"), s("f"), float_text(&mut r).into_bytes()]
        } else {
            vec![s("INCRBYFLOAT"), s("f"), float_text(&mut r).into_bytes()]
        };
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
        let (got, want) = (reply(&mut ours, &args), reply(&mut theirs, &args));
        assert_eq!(got, want, "seed {seed}: #{i} {}", show(&cmd));
        let enc: &[&[u8]] = &[b"OBJECT", b"ENCODING", b"f"];
        assert_eq!(
            reply(&mut ours, enc),
            reply(&mut theirs, enc),
            "#{i} {}",
            show(&cmd)
        );
    }
}

#[test]
fn glob_patterns_match_as_redis_does() {
    // Keys and patterns over a small alphabet full of glob metacharacters, so KEYS and SCAN
    // MATCH meet every corner of Redis's stringmatchlen: classes, ranges (reversed too),
    // negation, escapes, unterminated brackets, trailing backslashes.
    const ALPHABET: &[u8] = b"ab-^]\\[*?";
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let (mut ours, mut theirs) = (ferrodis.conn(), redis.conn());
    let seed = seeds()[0] ^ 0x610b;
    let mut r = Rng::new(seed);
    let word = |r: &mut Rng, max: usize| -> Vec<u8> {
        let n = r.below(max + 1);
        (0..n).map(|_| r.pick(ALPHABET)).collect()
    };
    for _ in 0..150 {
        let k = word(&mut r, 4);
        for c in [&mut ours, &mut theirs] {
            reply(c, &[b"SET", &k, b"v"]);
        }
    }
    for i in 0..1500 {
        let pattern = word(&mut r, 6);
        let cmds: [&[&[u8]]; 2] = [
            &[b"KEYS", &pattern],
            &[b"SCAN", b"0", b"COUNT", b"10000", b"MATCH", &pattern],
        ];
        for args in cmds {
            let cmd: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
            let got = normalize(&cmd, reply(&mut ours, args));
            let want = normalize(&cmd, reply(&mut theirs, args));
            assert_eq!(got, want, "seed {seed}: #{i} {}", show(&cmd));
        }
    }
}

#[test]
fn debug_populate_builds_the_same_dataset_as_redis() {
    // DEBUG POPULATE is how Redis's own tests fill a server; the digest shows the keys and
    // values (zero-padded or cut to the size asked) are Redis's.
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let (mut ours, mut theirs) = (ferrodis.conn(), redis.conn());
    for c in [&mut ours, &mut theirs] {
        for args in [
            &[&b"DEBUG"[..], b"POPULATE", b"1000"][..],
            &[b"DEBUG", b"POPULATE", b"100", b"padded", b"40"],
            &[b"DEBUG", b"POPULATE", b"100", b"cut", b"3"],
            &[b"SELECT", b"3"],
            &[b"DEBUG", b"POPULATE", b"10", b"key"],
        ] {
            assert_eq!(
                reply(c, args),
                Value::Okay,
                "{}",
                show(&args.iter().map(|a| a.to_vec()).collect::<Vec<_>>())
            );
        }
    }
    assert_eq!(digest(&mut ours), digest(&mut theirs));
    let probe: &[&[u8]] = &[b"DEBUG", b"DIGEST-VALUE", b"key:7"];
    assert_eq!(reply(&mut ours, probe), reply(&mut theirs, probe));
}

/// Hand-picked corner cases, each sent to both servers in order (state carries over).
const EDGE_CASES: &[&[&str]] = &[
    &["SET", "k", "v", "EX", "10", "GET", "KEEPTTL"],
    &["SET", "k", "v", "PX", "100000", "PX", "200000", "GET"],
    &["SET", "k", "v", "KEEPTTL", "GET", "NX"],
    &["SET", "k", "v", "nx", "xx"],
    &["SET", "k", "v", "EX", "10", "ex", "20", "EXAT", "1"],
    &["GETEX", "k", "PERSIST", "PERSIST"],
    &["GETEX", "k", "PERSIST", "EXAT", "1"],
    &["GETEX", "k", "EXAT", "4102444800", "PERSIST"],
    &["SETRANGE", "k", "0", ""],
    &["SET", "n", "1e5"],
    &["INCRBYFLOAT", "n", "1"],
    &["INCRBYFLOAT", "n", "-100001.5"],
    &["INCRBYFLOAT", "n", "0.5"],
    &["OBJECT", "ENCODING", "n"],
    &["INCR", "n"],
    &["OBJECT", "ENCODING", "n"],
    &["SET", "f", "1.0e3"],
    &["INCRBYFLOAT", "f", "0"],
    &["SET", "f", "0x1p3"],
    &["INCRBYFLOAT", "f", "0"],
    &["SET", "f", "-0.0"],
    &["INCRBYFLOAT", "f", "0"],
    &["INCRBYFLOAT", "f", "-0"],
    &["SET", "f", "3.14159265358979323846264338327950288"],
    &["INCRBYFLOAT", "f", "0"],
    &["INCRBYFLOAT", "f", "1e-17"],
    &["INCRBYFLOAT", "f", "1.5e-18"],
    &["INCRBYFLOAT", "tiny", "1e-4940"],
    &["INCRBYFLOAT", "tiny", "1e-4960"],
    &["INCRBYFLOAT", "huge", "1.18e4932"],
    &["INCRBYFLOAT", "huge", "1e4932"],
    &["DECRBY", "d", "-9223372036854775807"],
    &["DECRBY", "d", "1"],
    &["INCRBY", "d", "-9223372036854775807"],
    &["GETBIT", "k", "4294967295"],
    &["BITCOUNT", "k", "0", "-1", "BIT"],
    &[
        "BITCOUNT",
        "k",
        "-9223372036854775808",
        "9223372036854775807",
        "BIT",
    ],
    &[
        "BITPOS",
        "k",
        "1",
        "-9223372036854775808",
        "9223372036854775807",
        "BIT",
    ],
    &["BITPOS", "k", "0", "9223372036854775807"],
    &["OBJECT", "encoding", "k"],
    &["OBJECT", "Refcount", "k"],
    &["COPY", "k", "k2", "REPLACE", "REPLACE"],
    &["COPY", "k", "k2", "DB", "0", "DB", "1"],
    &["SCAN", "0", "count", "10", "match", "*", "type", "string"],
    &["SCAN", "0", "COUNT", "10", "COUNT", "20"],
    &["SCAN", "0", "MATCH", "k*", "MATCH", "n*"],
    &["EXPIRE", "k", "100", "nx", "NX"],
    // Relative times far apart: both servers decide GT/LT alike whatever ms they run in.
    &["EXPIRE", "k", "200", "xx", "gt", "XX"],
    &["EXPIRE", "k", "300", "lt", "LT"],
    &["EXPIRE", "k", "50", "lt", "LT"],
    &["RENAME", "k", "k"],
    &["RENAMENX", "k", "k"],
    &["RENAME", "nokey", "nokey"],
    &["MOVE", "k", "1"],
    &["MOVE", "k", "1"],
    &["SELECT", "1"],
    &["MOVE", "k", "0"],
    &["COPY", "k", "k", "DB", "0"],
    &["SELECT", "0"],
    &["SWAPDB", "0", "1"],
    &["SWAPDB", "1", "0"],
    &["DBSIZE"],
    &["TOUCH", "k", "k", "k2"],
    &["EXISTS", "k", "k", "nokey"],
    &["FLUSHALL", "async"],
    &["FLUSHDB", "sync"],
    &["SETRANGE", "e", "0", ""],
    &["EXISTS", "e"],
    &["APPEND", "e", ""],
    &["OBJECT", "ENCODING", "e"],
    &["STRLEN", "e"],
    &["GETRANGE", "e", "0", "0"],
    &["LCS", "e", "nokey", "IDX", "WITHMATCHLEN"],
    &["LCS", "e", "nokey", "LEN", "LEN"],
    &["MSET", "a", "abcde", "b", "xbcdy"],
    &["LCS", "a", "b", "IDX", "MINMATCHLEN", "-5"],
    &["LCS", "a", "b", "IDX", "MINMATCHLEN", "3"],
    &["LCS", "a", "b", "idx", "withmatchlen", "minmatchlen", "1"],
    &["SET", "s", ""],
    &["BITPOS", "s", "0", "0", "-1", "BIT"],
    &["BITCOUNT", "s", "0", "-1", "BIT"],
    &["SETBIT", "s", "0", "0"],
    &["GET", "s"],
    &["OBJECT", "ENCODING", "s"],
];

#[test]
fn edge_cases_reply_as_redis_does() {
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let (mut ours, mut theirs) = (ferrodis.conn(), redis.conn());
    for (i, case) in EDGE_CASES.iter().enumerate() {
        let cmd: Vec<Vec<u8>> = case.iter().map(|a| s(a)).collect();
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
        let got = normalize(&cmd, reply(&mut ours, &args));
        let want = normalize(&cmd, reply(&mut theirs, &args));
        assert_eq!(got, want, "#{i} {}", show(&cmd));
    }
    assert_eq!(digest(&mut ours), digest(&mut theirs));
}

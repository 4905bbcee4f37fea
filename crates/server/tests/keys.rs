//! Generic key and database commands as Redis 7.0 defines them: DEL, EXISTS, TYPE, KEYS, SCAN,
//! RANDOMKEY, RENAME, COPY, MOVE, TOUCH, OBJECT, the EXPIRE/TTL family, SELECT, SWAPDB,
//! FLUSHDB, FLUSHALL, DBSIZE; lazy and active expiry; DEBUG DIGEST against a real redis-server.
//! Each test starts its own server.
//!
//! The expectations are Redis's: `FERRODIS_TEST_AGAINST_REDIS=1 cargo test -p ferrodis --test
//! keys` runs this file against the installed redis-server to check them.

mod common;

use common::{Kind, Server, Session, reply, subject_kind};
use redis::Value;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const DB_RANGE: &str = "ERR DB index is out of range";
const SAME: &str = "ERR source and destination objects are the same";
const INT_RANGE: &str = "ERR value is out of range, value must between -2147483648 and 2147483647";
const ZERO_DIGEST: &str = "0000000000000000000000000000000000000000";

fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{cmd}' command")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Polls `check` every 10 ms until it holds; panics with `what` after a generous deadline.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One SCAN call: (next cursor, keys).
fn scan(s: &mut Session, args: &[&str]) -> (String, Vec<String>) {
    let mut full = vec!["SCAN"];
    full.extend_from_slice(args);
    match s.v(&full) {
        Value::Array(parts) if parts.len() == 2 => {
            let Value::BulkString(cursor) = &parts[0] else {
                panic!("cursor {:?}", parts[0]);
            };
            let Value::Array(keys) = &parts[1] else {
                panic!("keys {:?}", parts[1]);
            };
            let keys = keys
                .iter()
                .map(|k| match k {
                    Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                    other => panic!("key {other:?}"),
                })
                .collect();
            (String::from_utf8_lossy(cursor).into_owned(), keys)
        }
        other => panic!("{full:?}: {other:?}"),
    }
}

/// Every key a full SCAN iteration returns (with repeats), given the extra arguments.
fn scan_all(s: &mut Session, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut all = Vec::new();
    loop {
        let mut args = vec![cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, keys) = scan(s, &args);
        all.extend(keys);
        if next == "0" {
            return all;
        }
        cursor = next;
    }
}

#[test]
fn del_and_unlink_count_the_keys_removed() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(s.int(&["DEL", "a", "b", "missing", "a"]), 2);
    assert_eq!(s.int(&["UNLINK", "c", "c"]), 1);
    assert_eq!(s.int(&["DEL", "a"]), 0);
    assert_eq!(s.int(&["DBSIZE"]), 0);
}

#[test]
fn exists_counts_every_argument() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "a", "1", "b", "2"]);
    assert_eq!(s.int(&["EXISTS", "a", "a", "b", "missing"]), 3);
    assert_eq!(s.int(&["EXISTS", "missing"]), 0);
}

#[test]
fn type_reports_string_or_none() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "a", "1"]);
    assert_eq!(s.status(&["TYPE", "a"]), "string");
    assert_eq!(s.status(&["TYPE", "missing"]), "none");
}

#[test]
fn keys_matches_glob_patterns() {
    let mut s = Session::start(&[]);
    let names = [
        "hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "h*llo", "h?llo", "other",
    ];
    for n in names {
        s.ok(&["SET", n, "v"]);
    }
    for (pattern, want) in [
        (
            "h?llo",
            &["hallo", "hbllo", "hello", "hxllo", "h*llo", "h?llo"][..],
        ),
        (
            "h*llo",
            &[
                "hallo", "hbllo", "heeeello", "hello", "hllo", "hxllo", "h*llo", "h?llo",
            ],
        ),
        ("h[ae]llo", &["hallo", "hello"]),
        ("h[^e]llo", &["hallo", "hbllo", "hxllo", "h*llo", "h?llo"]),
        ("h[a-b]llo", &["hallo", "hbllo"]),
        ("h\\*llo", &["h*llo"]),
        ("h\\?llo", &["h?llo"]),
        ("nomatch*", &[]),
        ("*", &names),
    ] {
        let want: Vec<String> = sorted(want.iter().map(|s| s.to_string()).collect());
        assert_eq!(sorted(s.strings(&["KEYS", pattern])), want, "{pattern}");
    }
}

#[test]
fn keys_and_scan_skip_logically_expired_keys() {
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    s.ok(&["SET", "live", "v"]);
    s.ok(&["SET", "dead", "v", "PXAT", "1"]);
    assert_eq!(s.strings(&["KEYS", "*"]), ["live"]);
    // KEYS leaves the expired key in place; SCAN deletes the expired keys it meets.
    assert_eq!(s.int(&["DBSIZE"]), 2);
    assert_eq!(scan_all(&mut s, &[]), ["live"]);
    assert_eq!(s.int(&["DBSIZE"]), 1);
}

#[test]
fn scan_iterates_everything_with_match_count_and_type() {
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "POPULATE", "1000", "key"]);
    s.ok(&["DEBUG", "POPULATE", "100", "other"]);
    for count in ["1", "7", "100", "5000"] {
        let all = scan_all(&mut s, &["COUNT", count]);
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!(unique.len(), 1100, "COUNT {count}");
    }
    let matched: BTreeSet<String> = scan_all(&mut s, &["MATCH", "other:*", "COUNT", "50"])
        .into_iter()
        .collect();
    assert_eq!(matched.len(), 100);
    assert!(matched.iter().all(|k| k.starts_with("other:")));
    let strings: BTreeSet<String> = scan_all(&mut s, &["TYPE", "STRING"]).into_iter().collect();
    assert_eq!(strings.len(), 1100);
    assert!(scan_all(&mut s, &["TYPE", "list"]).is_empty());
    assert!(scan_all(&mut s, &["TYPE", "nosuchtype"]).is_empty());
    // An empty keyspace: one call, cursor 0.
    s.ok(&["FLUSHALL"]);
    assert_eq!(scan(&mut s, &["0"]), ("0".to_string(), vec![]));
}

#[test]
fn scan_errors_match_redis() {
    let mut s = Session::start(&[]);
    assert_eq!(s.err(&["SCAN", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(s.err(&["SCAN", "0", "COUNT", "-1"]), SYNTAX);
    assert_eq!(s.err(&["SCAN", "0", "COUNT", "x"]), NOT_INT);
    assert_eq!(s.err(&["SCAN", "0", "COUNT"]), SYNTAX);
    assert_eq!(s.err(&["SCAN", "0", "MATCH"]), SYNTAX);
    assert_eq!(s.err(&["SCAN", "0", "FOO", "bar"]), SYNTAX);
    for bad in ["abc", "1.5", " 0", "0 ", "18446744073709551616", "-"] {
        assert_eq!(s.err(&["SCAN", bad]), "ERR invalid cursor", "{bad:?}");
    }
    // The cursor is read as strtoul reads it: an empty cursor or a signed zero start over.
    for start in ["", "+0", "-0", "0"] {
        assert_eq!(scan(&mut s, &[start]).0, "0", "{start:?}");
    }
}

#[test]
fn scan_returns_every_stable_key_while_others_come_and_go() {
    // SCAN's guarantee: a key present for the whole iteration is returned (Redis: at least
    // once; ferrodis, by design, exactly once). Keys are added faster than removed between
    // calls so the table grows (and Redis rehashes) during the scan.
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "POPULATE", "2000", "stable"]);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut cursor = "0".to_string();
    let (mut added, mut removed) = (0usize, 0usize);
    loop {
        let (next, keys) = scan(&mut s, &[cursor.as_str(), "COUNT", "25"]);
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
        let mut mset = vec!["MSET".to_string()];
        for _ in 0..60 {
            mset.push(format!("churn:{added}"));
            mset.push("x".to_string());
            added += 1;
        }
        let args: Vec<&str> = mset.iter().map(|a| a.as_str()).collect();
        s.ok(&args);
        let mut del = vec!["DEL".to_string()];
        for _ in 0..20 {
            del.push(format!("churn:{removed}"));
            removed += 1;
        }
        let args: Vec<&str> = del.iter().map(|a| a.as_str()).collect();
        assert_eq!(s.int(&args), 20);
        if next == "0" {
            break;
        }
        cursor = next;
    }
    for i in 0..2000 {
        let k = format!("stable:{i}");
        let n = seen.get(&k).copied().unwrap_or(0);
        assert!(n >= 1, "{k} was never returned");
        if subject_kind() == Kind::Ferrodis {
            assert_eq!(n, 1, "{k} returned {n} times");
        }
    }
}

#[test]
fn randomkey_returns_an_existing_key_or_nil() {
    let mut s = Session::start(&[]);
    s.nil(&["RANDOMKEY"]);
    s.ok(&["SET", "only", "v"]);
    assert_eq!(s.bulk(&["RANDOMKEY"]).as_deref(), Some("only"));
    s.ok(&["MSET", "a", "1", "b", "2"]);
    for _ in 0..20 {
        let k = s.bulk(&["RANDOMKEY"]).unwrap();
        assert!(["only", "a", "b"].contains(&k.as_str()), "{k}");
    }
    // Only logically expired keys: RANDOMKEY expires them and finds nothing.
    s.ok(&["FLUSHALL"]);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    s.ok(&["SET", "dead1", "v", "PXAT", "1"]);
    s.ok(&["SET", "dead2", "v", "PXAT", "1"]);
    s.nil(&["RANDOMKEY"]);
    assert_eq!(s.int(&["DBSIZE"]), 0);
}

#[test]
fn rename_moves_the_value_and_its_ttl() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "a", "1", "PXAT", "4102444800000"]);
    s.ok(&["RENAME", "a", "b"]);
    assert_eq!(s.int(&["EXISTS", "a"]), 0);
    assert_eq!(s.bulk(&["GET", "b"]).as_deref(), Some("1"));
    assert_eq!(s.int(&["PEXPIRETIME", "b"]), 4102444800000);
    // Over an existing key: its value and TTL are replaced by the source's.
    s.ok(&["SET", "c", "3"]);
    s.ok(&["SET", "d", "4", "EX", "100"]);
    s.ok(&["RENAME", "c", "d"]);
    assert_eq!(s.bulk(&["GET", "d"]).as_deref(), Some("3"));
    assert_eq!(s.int(&["TTL", "d"]), -1);
    // Onto itself: fine if it exists.
    s.ok(&["RENAME", "d", "d"]);
    assert_eq!(s.err(&["RENAME", "missing", "x"]), "ERR no such key");
    assert_eq!(s.err(&["RENAME", "missing", "missing"]), "ERR no such key");
}

#[test]
fn renamenx_only_onto_a_missing_key() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "a", "1", "b", "2"]);
    assert_eq!(s.int(&["RENAMENX", "a", "b"]), 0);
    assert_eq!(s.bulk(&["GET", "a"]).as_deref(), Some("1"));
    assert_eq!(s.int(&["RENAMENX", "a", "a"]), 0);
    assert_eq!(s.int(&["RENAMENX", "a", "c"]), 1);
    assert_eq!(s.bulk(&["GET", "c"]).as_deref(), Some("1"));
    assert_eq!(s.err(&["RENAMENX", "missing", "x"]), "ERR no such key");
}

#[test]
fn copy_with_db_and_replace() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "a", "hello", "PXAT", "4102444800000"]);
    assert_eq!(s.int(&["COPY", "a", "b"]), 1);
    assert_eq!(s.bulk(&["GET", "b"]).as_deref(), Some("hello"));
    assert_eq!(s.int(&["PEXPIRETIME", "b"]), 4102444800000);
    s.ok(&["SET", "c", "other"]);
    assert_eq!(s.int(&["COPY", "a", "c"]), 0);
    assert_eq!(s.bulk(&["GET", "c"]).as_deref(), Some("other"));
    assert_eq!(s.int(&["COPY", "a", "c", "REPLACE"]), 1);
    assert_eq!(s.bulk(&["GET", "c"]).as_deref(), Some("hello"));
    assert_eq!(s.int(&["COPY", "missing", "x"]), 0);
    // To another database, even under the same name.
    assert_eq!(s.int(&["COPY", "a", "a", "DB", "3"]), 1);
    assert_eq!(s.int(&["COPY", "a", "a", "db", "3"]), 0);
    assert_eq!(s.int(&["COPY", "a", "a", "REPLACE", "DB", "3"]), 1);
    s.ok(&["SELECT", "3"]);
    assert_eq!(s.bulk(&["GET", "a"]).as_deref(), Some("hello"));
    assert_eq!(s.int(&["PEXPIRETIME", "a"]), 4102444800000);
    // The copy is independent.
    assert_eq!(s.int(&["APPEND", "a", "!"]), 6);
    s.ok(&["SELECT", "0"]);
    assert_eq!(s.bulk(&["GET", "a"]).as_deref(), Some("hello"));
    // Errors.
    assert_eq!(s.err(&["COPY", "a", "a"]), SAME);
    assert_eq!(s.err(&["COPY", "a", "a", "DB", "0"]), SAME);
    assert_eq!(s.err(&["COPY", "a", "b", "DB", "16"]), DB_RANGE);
    assert_eq!(s.err(&["COPY", "a", "b", "DB", "-1"]), DB_RANGE);
    assert_eq!(s.err(&["COPY", "a", "b", "DB", "abc"]), NOT_INT);
    assert_eq!(s.err(&["COPY", "a", "b", "DB", "4294967296"]), INT_RANGE);
    assert_eq!(s.err(&["COPY", "a", "b", "DB"]), SYNTAX);
    assert_eq!(s.err(&["COPY", "a", "b", "FOO"]), SYNTAX);
    // Options are checked before the source is looked up.
    assert_eq!(s.err(&["COPY", "missing", "b", "FOO"]), SYNTAX);
}

#[test]
fn move_to_another_database() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "a", "1", "PXAT", "4102444800000"]);
    assert_eq!(s.int(&["MOVE", "a", "1"]), 1);
    assert_eq!(s.int(&["EXISTS", "a"]), 0);
    s.ok(&["SELECT", "1"]);
    assert_eq!(s.bulk(&["GET", "a"]).as_deref(), Some("1"));
    assert_eq!(s.int(&["PEXPIRETIME", "a"]), 4102444800000);
    s.ok(&["SELECT", "0"]);
    s.ok(&["SET", "a", "0"]);
    // The target has the key: nothing moves.
    assert_eq!(s.int(&["MOVE", "a", "1"]), 0);
    assert_eq!(s.bulk(&["GET", "a"]).as_deref(), Some("0"));
    assert_eq!(s.int(&["MOVE", "missing", "1"]), 0);
    assert_eq!(s.err(&["MOVE", "a", "0"]), SAME);
    assert_eq!(s.err(&["MOVE", "missing", "0"]), SAME);
    assert_eq!(s.err(&["MOVE", "a", "16"]), DB_RANGE);
    assert_eq!(s.err(&["MOVE", "a", "-1"]), DB_RANGE);
    assert_eq!(s.err(&["MOVE", "a", "abc"]), NOT_INT);
    assert_eq!(s.err(&["MOVE", "a", "2147483648"]), INT_RANGE);
}

#[test]
fn touch_counts_existing_keys() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "a", "1", "b", "2"]);
    assert_eq!(s.int(&["TOUCH", "a", "b", "missing", "a"]), 3);
}

#[test]
fn object_subcommands() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "hello"]);
    assert_eq!(
        s.bulk(&["OBJECT", "ENCODING", "k"]).as_deref(),
        Some("embstr")
    );
    assert_eq!(s.int(&["OBJECT", "REFCOUNT", "k"]), 1);
    let idle = s.int(&["OBJECT", "IDLETIME", "k"]);
    assert!(idle >= 0, "{idle}");
    assert!(
        s.err(&["OBJECT", "FREQ", "k"]).starts_with(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked."
        )
    );
    for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"] {
        s.nil(&["OBJECT", sub, "missing"]);
    }
    assert_eq!(
        s.err(&["OBJECT", "FOO", "k"]),
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    );
    assert_eq!(
        s.err(&["OBJECT", "ENCODING"]),
        "ERR wrong number of arguments for 'object|encoding' command"
    );
    let help = s.strings(&["OBJECT", "HELP"]);
    assert!(help[0].starts_with("OBJECT <subcommand>"), "{help:?}");
}

#[test]
fn object_freq_and_idletime_under_an_lfu_policy() {
    let mut s = Session::start(&["--maxmemory-policy", "allkeys-lfu"]);
    s.ok(&["SET", "k", "v"]);
    assert!(s.int(&["OBJECT", "FREQ", "k"]) >= 0);
    assert!(
        s.err(&["OBJECT", "IDLETIME", "k"])
            .starts_with("ERR An LFU maxmemory policy is selected, idle time not tracked.")
    );
}

#[test]
fn object_idletime_is_reset_by_reads_and_writes_but_not_by_inspection() {
    // Redis touches a key on every lookup except EXISTS, TYPE, the TTL family, OBJECT and
    // SCAN's TYPE filter (LOOKUP_NOTOUCH); write lookups touch too, even when the write is
    // refused. Idle times are whole seconds: wait until untouched keys read 2 or more, then a
    // touched key reads at most 1 (a second boundary may pass in between).
    let mut s = Session::start(&[]);
    let touching: &[&[&str]] = &[
        &["GET", "t0"],
        &["STRLEN", "t1"],
        &["GETRANGE", "t2", "0", "1"],
        &["MGET", "t3"],
        &["GETBIT", "t4", "0"],
        &["BITCOUNT", "t5"],
        &["APPEND", "t6", "x"],
        &["INCR", "t7"],
        &["SETRANGE", "t8", "0", "x"],
        &["SETBIT", "t9", "0", "1"],
        &["EXPIRE", "t10", "1000"],
        &["EXPIRE", "t11", "1000", "XX"],
        &["PERSIST", "t12"],
        &["SETNX", "t13", "x"],
        &["SET", "t14", "x", "NX"],
        &["TOUCH", "t15"],
        &["GETEX", "t16"],
        &["LCS", "t17", "t17"],
        &["COPY", "t18", "copy"],
        &["RENAMENX", "t19", "t0"],
    ];
    let untouched: &[&[&str]] = &[
        &["EXISTS", "u0"],
        &["TYPE", "u1"],
        &["TTL", "u2"],
        &["PTTL", "u3"],
        &["EXPIRETIME", "u4"],
        &["OBJECT", "ENCODING", "u5"],
        &["OBJECT", "REFCOUNT", "u6"],
        &["DEBUG", "DIGEST-VALUE", "u7"],
    ];
    for (i, _) in touching.iter().enumerate() {
        s.ok(&["SET", &format!("t{i}"), "100000"]);
    }
    for (i, _) in untouched.iter().enumerate() {
        s.ok(&["SET", &format!("u{i}"), "v"]);
    }
    s.ok(&["SET", "probe", "v"]);
    eventually("an idle time of 2 s", || {
        s.int(&["OBJECT", "IDLETIME", "probe"]) >= 2
    });
    for cmd in touching.iter().chain(untouched) {
        s.v(cmd);
    }
    for global in [
        &["KEYS", "*"][..],
        &["SCAN", "0", "TYPE", "string"],
        &["DBSIZE"],
    ] {
        s.v(global);
    }
    for (i, cmd) in touching.iter().enumerate() {
        let idle = s.int(&["OBJECT", "IDLETIME", &format!("t{i}")]);
        assert!(idle <= 1, "{cmd:?} did not touch its key: idle {idle}");
    }
    for (i, cmd) in untouched.iter().enumerate() {
        let idle = s.int(&["OBJECT", "IDLETIME", &format!("u{i}")]);
        assert!(idle >= 2, "{cmd:?} touched its key: idle {idle}");
    }
    assert!(s.int(&["OBJECT", "IDLETIME", "probe"]) >= 2);
}

#[test]
fn expire_family_sets_ttls() {
    let mut s = Session::start(&[]);
    assert_eq!(s.int(&["EXPIRE", "missing", "100"]), 0);
    s.ok(&["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]);
    assert_eq!(s.int(&["EXPIRE", "a", "100"]), 1);
    let ttl = s.int(&["TTL", "a"]);
    assert!((1..=100).contains(&ttl), "{ttl}");
    assert_eq!(s.int(&["PEXPIRE", "b", "100000"]), 1);
    let pttl = s.int(&["PTTL", "b"]);
    assert!((1..=100000).contains(&pttl), "{pttl}");
    assert_eq!(s.int(&["EXPIREAT", "c", "4102444800"]), 1);
    assert_eq!(s.int(&["EXPIRETIME", "c"]), 4102444800);
    assert_eq!(s.int(&["PEXPIRETIME", "c"]), 4102444800000);
    // EXPIRETIME rounds to the nearest second, as TTL does.
    assert_eq!(s.int(&["PEXPIREAT", "d", "4102444800499"]), 1);
    assert_eq!(s.int(&["EXPIRETIME", "d"]), 4102444800);
    assert_eq!(s.int(&["PEXPIREAT", "d", "4102444800500"]), 1);
    assert_eq!(s.int(&["PEXPIRETIME", "d"]), 4102444800500);
    assert_eq!(s.int(&["EXPIRETIME", "d"]), 4102444801);
    // The largest absolute time is accepted, and its seconds computed without overflow.
    assert_eq!(s.int(&["PEXPIREAT", "d", "9223372036854775807"]), 1);
    assert_eq!(s.int(&["PEXPIRETIME", "d"]), 9223372036854775807);
    assert_eq!(s.int(&["EXPIRETIME", "d"]), 9223372036854776);
    assert!(s.int(&["TTL", "d"]) > 9223370000000000);
    assert!(s.int(&["PTTL", "d"]) > 9223370000000000000);
}

#[test]
fn expire_in_the_past_deletes_the_key() {
    let mut s = Session::start(&[]);
    for (cmd, t) in [
        ("EXPIRE", "-1"),
        ("EXPIRE", "0"),
        ("PEXPIRE", "-100"),
        ("EXPIREAT", "1"),
        ("PEXPIREAT", "0"),
        ("PEXPIRE", "-9223372036854775808"),
    ] {
        s.ok(&["SET", "k", "v"]);
        assert_eq!(s.int(&[cmd, "k", t]), 1, "{cmd} {t}");
        assert_eq!(s.int(&["DBSIZE"]), 0, "{cmd} {t}");
    }
}

#[test]
fn expire_nx_xx_gt_lt_conditions() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "v"]);
    // No TTL yet: XX and GT refuse (no TTL counts as infinite), NX and LT set.
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444800", "XX"]), 0);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444800", "GT"]), 0);
    assert_eq!(s.int(&["TTL", "k"]), -1);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444800", "NX"]), 1);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444900", "NX"]), 0);
    assert_eq!(s.int(&["EXPIRETIME", "k"]), 4102444800);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444900", "XX"]), 1);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444800", "GT"]), 0);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444900", "GT"]), 0);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102445000", "gt"]), 1);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102445000", "LT"]), 0);
    assert_eq!(s.int(&["EXPIREAT", "k", "4102444700", "LT", "XX"]), 1);
    assert_eq!(s.int(&["EXPIRETIME", "k"]), 4102444700);
    s.ok(&["SET", "n", "v"]);
    assert_eq!(s.int(&["EXPIREAT", "n", "4102444800", "LT"]), 1);
    // LT with a past time on a key without TTL deletes it; GT does not.
    s.ok(&["SET", "p", "v"]);
    assert_eq!(s.int(&["EXPIRE", "p", "-1", "GT"]), 0);
    assert_eq!(s.int(&["EXPIRE", "p", "-1", "LT"]), 1);
    assert_eq!(s.int(&["EXISTS", "p"]), 0);
}

#[test]
fn expire_errors_follow_redis_order() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "v"]);
    let incompatible = "ERR NX and XX, GT or LT options at the same time are not compatible";
    assert_eq!(s.err(&["EXPIRE", "k", "10", "NX", "XX"]), incompatible);
    assert_eq!(s.err(&["EXPIRE", "k", "10", "NX", "GT"]), incompatible);
    assert_eq!(s.err(&["EXPIRE", "k", "10", "LT", "NX"]), incompatible);
    assert_eq!(
        s.err(&["EXPIRE", "k", "10", "GT", "LT"]),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(
        s.err(&["EXPIRE", "k", "10", "foo"]),
        "ERR Unsupported option foo"
    );
    // Flags first, then the time, then the key.
    assert_eq!(
        s.err(&["EXPIRE", "k", "abc", "BAD"]),
        "ERR Unsupported option BAD"
    );
    assert_eq!(s.err(&["EXPIRE", "k", "abc", "NX", "XX"]), incompatible);
    assert_eq!(s.err(&["EXPIRE", "missing", "abc"]), NOT_INT);
    assert_eq!(s.err(&["EXPIRE", "k", "1.5"]), NOT_INT);
    for (cmd, t) in [
        ("EXPIRE", "9223372036854775807"),
        ("EXPIRE", "9223372036854776"),
        ("EXPIRE", "-9223372036854776"),
        ("EXPIREAT", "9223372036854776"),
        ("PEXPIRE", "9223372036854775807"),
    ] {
        assert_eq!(
            s.err(&[cmd, "missing", t]),
            invalid_expire(&cmd.to_lowercase())
        );
    }
    assert_eq!(s.int(&["TTL", "k"]), -1);
}

#[test]
fn ttl_family_and_persist() {
    let mut s = Session::start(&[]);
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(s.int(&[cmd, "missing"]), -2, "{cmd}");
    }
    s.ok(&["SET", "k", "v"]);
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(s.int(&[cmd, "k"]), -1, "{cmd}");
    }
    assert_eq!(s.int(&["PERSIST", "k"]), 0);
    assert_eq!(s.int(&["PERSIST", "missing"]), 0);
    s.ok(&["SET", "k", "v", "PX", "100000"]);
    let ttl = s.int(&["TTL", "k"]);
    assert!((1..=100).contains(&ttl), "{ttl}");
    assert_eq!(s.int(&["PERSIST", "k"]), 1);
    assert_eq!(s.int(&["PTTL", "k"]), -1);
    assert_eq!(s.int(&["PERSIST", "k"]), 0);
}

#[test]
fn select_dbsize_and_swapdb() {
    let mut s = Session::start(&[]);
    let mut other = s.server.conn();
    s.ok(&["SET", "in0", "a"]);
    s.ok(&["SELECT", "1"]);
    s.ok(&["MSET", "in1", "b", "x", "c"]);
    assert_eq!(s.int(&["DBSIZE"]), 2);
    s.ok(&["SELECT", "0"]);
    assert_eq!(s.int(&["DBSIZE"]), 1);
    // SWAPDB swaps contents for every client, including one already in db 0.
    s.ok(&["SWAPDB", "0", "1"]);
    assert_eq!(s.int(&["DBSIZE"]), 2);
    assert_eq!(
        reply(&mut other, &[b"GET", b"in1"]),
        Value::BulkString(b"b".to_vec())
    );
    s.ok(&["SWAPDB", "1", "1"]);
    s.ok(&["SELECT", "15"]);
    assert_eq!(s.err(&["SELECT", "16"]), DB_RANGE);
    assert_eq!(s.err(&["SELECT", "-1"]), DB_RANGE);
    assert_eq!(s.err(&["SELECT", "abc"]), NOT_INT);
    assert_eq!(s.err(&["SELECT", "4294967296"]), INT_RANGE);
    assert_eq!(s.err(&["SWAPDB", "0", "16"]), DB_RANGE);
    assert_eq!(s.err(&["SWAPDB", "-1", "0"]), DB_RANGE);
    assert_eq!(s.err(&["SWAPDB", "abc", "0"]), "ERR invalid first DB index");
    assert_eq!(
        s.err(&["SWAPDB", "0", "abc"]),
        "ERR invalid second DB index"
    );
    assert_eq!(
        s.err(&["SWAPDB", "4294967296", "0"]),
        "ERR invalid first DB index"
    );
}

#[test]
fn flushdb_and_flushall_with_modes() {
    let mut s = Session::start(&[]);
    let fill = |s: &mut Session| {
        for db in ["0", "1", "2"] {
            s.ok(&["SELECT", db]);
            s.ok(&["MSET", "a", "1", "b", "2"]);
        }
        s.ok(&["SELECT", "1"]);
    };
    let sizes = |s: &mut Session| -> Vec<i64> {
        let sizes = ["0", "1", "2"]
            .iter()
            .map(|db| {
                s.ok(&["SELECT", db]);
                s.int(&["DBSIZE"])
            })
            .collect();
        s.ok(&["SELECT", "1"]);
        sizes
    };
    for mode in [None, Some("SYNC"), Some("ASYNC"), Some("async")] {
        fill(&mut s);
        let mut args = vec!["FLUSHDB"];
        args.extend(mode);
        s.ok(&args);
        assert_eq!(sizes(&mut s), [2, 0, 2], "{args:?}");
        let mut args = vec!["FLUSHALL"];
        args.extend(mode);
        s.ok(&args);
        assert_eq!(sizes(&mut s), [0, 0, 0], "{args:?}");
    }
    assert_eq!(s.err(&["FLUSHDB", "FOO"]), SYNTAX);
    assert_eq!(s.err(&["FLUSHALL", "SYNC", "ASYNC"]), SYNTAX);
    // Flushing an empty keyspace is fine.
    s.ok(&["FLUSHALL"]);
    assert_eq!(s.status(&["DEBUG", "DIGEST"]), ZERO_DIGEST);
}

#[test]
fn lazy_expiry_deletes_a_key_when_it_is_accessed() {
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    s.ok(&["SET", "k", "v", "PX", "50"]);
    s.ok(&["SET", "keep", "v"]);
    std::thread::sleep(Duration::from_millis(100));
    // Not accessed yet: still counted.
    assert_eq!(s.int(&["DBSIZE"]), 2);
    s.nil(&["GET", "k"]);
    assert_eq!(s.int(&["DBSIZE"]), 1);
    assert_eq!(s.int(&["TTL", "k"]), -2);
}

#[test]
fn active_expiry_removes_unaccessed_keys_only_when_enabled() {
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for i in 0..200 {
        s.ok(&["SET", &format!("short:{i}"), "v", "PX", "20"]);
    }
    s.ok(&["SET", "keep", "v"]);
    // Once every key is past due (their PTTL is -2 when looked at; looking would delete them,
    // so wait for a sentinel with the same TTL, set last), they stay counted while disabled.
    s.ok(&["SET", "sentinel", "v", "PX", "20"]);
    std::thread::sleep(Duration::from_millis(30));
    eventually("the sentinel expires", || {
        s.int(&["PTTL", "sentinel"]) == -2
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.int(&["DBSIZE"]), 201);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    eventually("active expiry empties the short keys", || {
        s.int(&["DBSIZE"]) == 1
    });
    assert_eq!(s.strings(&["KEYS", "*"]), ["keep"]);
}

#[test]
fn active_expiry_is_on_by_default() {
    let mut s = Session::start(&[]);
    for i in 0..100 {
        s.ok(&["SET", &format!("short:{i}"), "v", "PX", "10"]);
    }
    eventually("active expiry removes keys nobody reads", || {
        s.int(&["DBSIZE"]) == 0
    });
}

#[test]
fn debug_digest_tracks_values_and_expiries() {
    let mut s = Session::start(&[]);
    assert_eq!(s.status(&["DEBUG", "DIGEST"]), ZERO_DIGEST);
    s.ok(&["SET", "a", "1"]);
    let one = s.status(&["DEBUG", "DIGEST"]);
    assert_ne!(one, ZERO_DIGEST);
    s.ok(&["SET", "a", "2"]);
    let two = s.status(&["DEBUG", "DIGEST"]);
    assert_ne!(two, one);
    s.ok(&["SET", "a", "1"]);
    assert_eq!(s.status(&["DEBUG", "DIGEST"]), one);
    // An expiry changes the digest (its presence, not its time).
    s.int(&["PEXPIREAT", "a", "4102444800000"]);
    let volatile = s.status(&["DEBUG", "DIGEST"]);
    assert_ne!(volatile, one);
    s.int(&["PEXPIREAT", "a", "4102444900000"]);
    assert_eq!(s.status(&["DEBUG", "DIGEST"]), volatile);
    s.int(&["PERSIST", "a"]);
    assert_eq!(s.status(&["DEBUG", "DIGEST"]), one);
    // The same data in another database is another digest.
    assert_eq!(s.int(&["MOVE", "a", "1"]), 1);
    assert_ne!(s.status(&["DEBUG", "DIGEST"]), one);
    s.ok(&["FLUSHALL"]);
    assert_eq!(s.status(&["DEBUG", "DIGEST"]), ZERO_DIGEST);
}

#[test]
fn debug_digest_value_is_per_value() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "a", "same", "b", "same", "c", "other"]);
    let d = s.strings(&["DEBUG", "DIGEST-VALUE", "a", "b", "c", "missing"]);
    assert_eq!(d[0], d[1]);
    assert_ne!(d[0], d[2]);
    assert_eq!(d[3], ZERO_DIGEST);
    assert!(s.strings(&["DEBUG", "DIGEST-VALUE"]).is_empty());
    s.int(&["EXPIRE", "b", "100"]);
    let d2 = s.strings(&["DEBUG", "DIGEST-VALUE", "a", "b"]);
    assert_ne!(d2[0], d2[1]);
    // Integers digest as their decimal text.
    s.ok(&["SET", "int", "12345"]);
    s.int(&["APPEND", "raw", "12345"]);
    s.int(&["SETRANGE", "raw", "0", "1"]);
    let d3 = s.strings(&["DEBUG", "DIGEST-VALUE", "int", "raw"]);
    assert_eq!(d3[0], d3[1]);
}

/// INFO stats keyspace_hits, keyspace_misses, expired_keys.
fn key_stats(s: &mut Session) -> [i64; 3] {
    let Value::BulkString(text) = s.v(&["INFO", "stats"]) else {
        panic!("INFO stats")
    };
    let text = String::from_utf8(text).unwrap();
    ["keyspace_hits", "keyspace_misses", "expired_keys"].map(|name| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("no {name}"))
            .trim()
            .parse()
            .unwrap()
    })
}

#[test]
fn reads_count_keyspace_hits_and_misses_and_writes_do_not() {
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    s.ok(&["MSET", "k", "v", "n", "1"]);
    s.ok(&["CONFIG", "RESETSTAT"]);
    for (args, delta) in [
        (&["GET", "k"][..], [1, 0, 0]),
        (&["GET", "missing"], [0, 1, 0]),
        (&["MGET", "k", "missing", "n"], [2, 1, 0]),
        (&["EXISTS", "k", "missing"], [1, 1, 0]),
        (&["TYPE", "k"], [1, 0, 0]),
        (&["TTL", "missing"], [0, 1, 0]),
        (&["PEXPIRETIME", "k"], [1, 0, 0]),
        (&["OBJECT", "ENCODING", "k"], [1, 0, 0]),
        (&["STRLEN", "k"], [1, 0, 0]),
        (&["TOUCH", "k", "missing"], [1, 1, 0]),
        (&["SET", "k", "w"], [0, 0, 0]),
        (&["SET", "k", "v", "GET"], [1, 0, 0]),
        (&["INCR", "n"], [0, 0, 0]),
        (&["APPEND", "k", "x"], [0, 0, 0]),
        (&["EXPIRE", "k", "1000"], [0, 0, 0]),
        (&["PERSIST", "k"], [0, 0, 0]),
        (&["COPY", "k", "k2"], [1, 0, 0]),
        (&["RENAME", "k2", "k3"], [0, 0, 0]),
        (&["DEL", "missing"], [0, 0, 0]),
        (&["KEYS", "*"], [0, 0, 0]),
        (&["SCAN", "0", "TYPE", "string"], [3, 0, 0]),
        (&["DEBUG", "DIGEST-VALUE", "k"], [0, 0, 0]),
        (&["DBSIZE"], [0, 0, 0]),
    ] {
        let before = key_stats(&mut s);
        s.v(args);
        let after = key_stats(&mut s);
        let got = [0, 1, 2].map(|i| after[i] - before[i]);
        assert_eq!(got, delta, "{args:?} (hits, misses, expired)");
    }
    // Overwriting a logically expired key expires it first, in any database.
    for args in [
        &["RENAME", "k3", "dead"][..],
        &["COPY", "k", "dead", "REPLACE"],
        &["MOVE", "n", "1"],
    ] {
        s.ok(&["SET", "dead", "v", "PXAT", "1"]);
        s.ok(&["SELECT", "1"]);
        s.ok(&["SET", "n", "v", "PXAT", "1"]);
        s.ok(&["SELECT", "0"]);
        let before = key_stats(&mut s);
        s.v(args);
        let after = key_stats(&mut s);
        assert_eq!(after[2] - before[2], 1, "{args:?} expires its destination");
        s.ok(&["SET", "k3", "v"]);
        s.ok(&["SET", "n", "1"]);
    }
}

/// The writes both servers get in `digests_equal_redis_for_the_same_writes`.
fn digest_workload() -> Vec<Vec<String>> {
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let mut c = |args: &[&str]| cmds.push(args.iter().map(|a| a.to_string()).collect());
    c(&["SET", "int", "12345"]);
    c(&["SET", "neg", "-9223372036854775808"]);
    c(&["SET", "embstr", "hello world"]);
    c(&["SET", "raw", &"r".repeat(100)]);
    c(&["SET", "empty", ""]);
    c(&["SET", "float", "1.5"]);
    c(&["INCRBYFLOAT", "float", "0.25"]);
    c(&["APPEND", "appended", "abc"]);
    c(&["APPEND", "appended", "def"]);
    c(&["SETBIT", "bits", "100", "1"]);
    c(&["SET", "ttl-rel", "v", "EX", "1000"]);
    c(&["SET", "ttl-abs", "v", "PXAT", "4102444800000"]);
    c(&["SETEX", "setex", "1000", "42"]);
    c(&["SET", "long-key-name-beyond-twenty-two-bytes", "v"]);
    c(&["SELECT", "1"]);
    c(&["SET", "int", "12345"]);
    c(&["SET", "db1", "value", "EX", "500"]);
    c(&["SELECT", "5"]);
    c(&["MSET", "a", "1", "b", "2", "c", "3"]);
    c(&["EXPIRE", "b", "1000"]);
    c(&["COPY", "a", "a", "DB", "9"]);
    c(&["SELECT", "0"]);
    c(&["SWAPDB", "5", "7"]);
    cmds
}

#[test]
fn digests_equal_redis_for_the_same_writes() {
    let ferrodis = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    let mut conns = [ferrodis.conn(), redis.conn()];
    for c in conns.iter_mut() {
        for cmd in digest_workload() {
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            let r = reply(c, &args);
            assert!(common::error_of(&r).is_none(), "{cmd:?}: {r:?}");
        }
    }
    let [ours, theirs] = &mut conns;
    assert_eq!(
        reply(ours, &[b"DEBUG", b"DIGEST"]),
        reply(theirs, &[b"DEBUG", b"DIGEST"])
    );
    for db in ["0", "1", "7", "9"] {
        let keys = {
            reply(ours, &[b"SELECT", db.as_bytes()]);
            reply(theirs, &[b"SELECT", db.as_bytes()]);
            match reply(theirs, &[b"KEYS", b"*"]) {
                Value::Array(keys) => keys,
                other => panic!("{other:?}"),
            }
        };
        assert!(!keys.is_empty(), "db {db}");
        for k in keys {
            let Value::BulkString(k) = k else { panic!() };
            assert_eq!(
                reply(ours, &[b"DEBUG", b"DIGEST-VALUE", &k]),
                reply(theirs, &[b"DEBUG", b"DIGEST-VALUE", &k]),
                "db {db} key {}",
                String::from_utf8_lossy(&k)
            );
        }
    }
    // And after flushing one database.
    for c in [&mut *ours, &mut *theirs] {
        reply(c, &[b"SELECT", b"1"]);
        assert_eq!(reply(c, &[b"FLUSHDB"]), Value::Okay);
    }
    assert_eq!(
        reply(ours, &[b"DEBUG", b"DIGEST"]),
        reply(theirs, &[b"DEBUG", b"DIGEST"])
    );
}

//! String commands as Redis 7.0 defines them: every option combination, every error with
//! Redis's exact text, and the int/embstr/raw encodings. Each test starts its own server.
//!
//! The expectations are Redis's: `FERRODIS_TEST_AGAINST_REDIS=1 cargo test -p ferrodis --test
//! strings` runs this file against the installed redis-server to check them.
//! (WRONGTYPE cases wait for a second data type.)

mod common;

use common::Session;
use redis::Value;

const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const OVERFLOW: &str = "ERR increment or decrement would overflow";
const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{cmd}' command")
}

/// Milliseconds since the epoch, as the server sees them (TIME).
fn server_ms(s: &mut Session) -> i64 {
    let t = s.strings(&["TIME"]);
    t[0].parse::<i64>().unwrap() * 1000 + t[1].parse::<i64>().unwrap() / 1000
}

#[test]
fn get_set_store_binary_and_empty_values() {
    let mut s = Session::start(&[]);
    s.nil(&["GET", "missing"]);
    s.ok(&["SET", "k", "v"]);
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("v"));
    let bin: &[u8] = b"\x00\xff\r\n\x80";
    assert_eq!(s.vb(&[b"SET", b"bin", bin]), Value::Okay);
    assert_eq!(s.bytes(&[b"GET", b"bin"]).as_deref(), Some(bin));
    s.ok(&["SET", "empty", ""]);
    assert_eq!(s.bulk(&["GET", "empty"]).as_deref(), Some(""));
    assert_eq!(s.int(&["EXISTS", "empty"]), 1);
    s.ok(&["SET", "", "empty key"]);
    assert_eq!(s.bulk(&["GET", ""]).as_deref(), Some("empty key"));
}

#[test]
fn set_nx_and_xx_follow_existence() {
    let mut s = Session::start(&[]);
    s.nil(&["SET", "k", "1", "XX"]);
    s.nil(&["GET", "k"]);
    s.ok(&["SET", "k", "1", "NX"]);
    s.nil(&["SET", "k", "2", "NX"]);
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("1"));
    s.ok(&["SET", "k", "3", "xx"]);
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("3"));
    assert_eq!(s.err(&["SET", "k", "4", "NX", "XX"]), SYNTAX);
    assert_eq!(s.err(&["SET", "k", "4", "XX", "NX"]), SYNTAX);
    // Repeating a flag is allowed.
    s.ok(&["SET", "k", "5", "XX", "XX"]);
}

#[test]
fn set_get_returns_the_old_value_even_when_nx_or_xx_refuse() {
    let mut s = Session::start(&[]);
    s.nil(&["SET", "k", "1", "GET"]);
    assert_eq!(s.bulk(&["SET", "k", "2", "GET"]).as_deref(), Some("1"));
    // NX refuses (key exists) but GET still answers the current value; nothing is written.
    assert_eq!(
        s.bulk(&["SET", "k", "3", "NX", "GET"]).as_deref(),
        Some("2")
    );
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("2"));
    // XX refuses on a missing key: nil, and no key.
    s.nil(&["SET", "other", "x", "XX", "GET"]);
    assert_eq!(s.int(&["EXISTS", "other"]), 0);
    // GET with an expiry sets both.
    assert_eq!(
        s.bulk(&["SET", "k", "4", "GET", "EX", "100"]).as_deref(),
        Some("2")
    );
    assert!(s.int(&["TTL", "k"]) > 0);
}

#[test]
fn set_expiry_options_set_exact_absolute_times() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "ex", "v", "EX", "100"]);
    let ttl = s.int(&["TTL", "ex"]);
    assert!((1..=100).contains(&ttl), "TTL {ttl}");
    s.ok(&["SET", "px", "v", "PX", "100000"]);
    let pttl = s.int(&["PTTL", "px"]);
    assert!((1..=100000).contains(&pttl), "PTTL {pttl}");
    s.ok(&["SET", "exat", "v", "EXAT", "4102444800"]);
    assert_eq!(s.int(&["EXPIRETIME", "exat"]), 4102444800);
    assert_eq!(s.int(&["PEXPIRETIME", "exat"]), 4102444800000);
    s.ok(&["SET", "pxat", "v", "PXAT", "4102444800123"]);
    assert_eq!(s.int(&["PEXPIRETIME", "pxat"]), 4102444800123);
    assert_eq!(s.int(&["EXPIRETIME", "pxat"]), 4102444800);
}

#[test]
fn set_keepttl_keeps_and_plain_set_clears_the_ttl() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "v", "PXAT", "4102444800000"]);
    s.ok(&["SET", "k", "w", "KEEPTTL"]);
    assert_eq!(s.int(&["PEXPIRETIME", "k"]), 4102444800000);
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("w"));
    s.ok(&["SET", "k", "x"]);
    assert_eq!(s.int(&["TTL", "k"]), -1);
    // KEEPTTL on a key without TTL, or on a missing key, sets no TTL.
    s.ok(&["SET", "new", "v", "KEEPTTL"]);
    assert_eq!(s.int(&["TTL", "new"]), -1);
}

#[test]
fn set_options_repeat_and_conflict_as_redis_parses_them() {
    let mut s = Session::start(&[]);
    // The same time option may repeat: the last one wins.
    s.ok(&["SET", "k", "v", "EXAT", "4102444800", "EXAT", "4102444801"]);
    assert_eq!(s.int(&["EXPIRETIME", "k"]), 4102444801);
    s.ok(&["SET", "k", "v", "KEEPTTL", "KEEPTTL"]);
    assert_eq!(
        s.bulk(&["SET", "k", "w", "GET", "get"]).as_deref(),
        Some("v")
    );
    // Different time options, or a time with KEEPTTL, conflict.
    for opts in [
        &["EX", "10", "PX", "10000"][..],
        &["PX", "10", "EXAT", "4102444800"],
        &["EXAT", "4102444800", "PXAT", "4102444800000"],
        &["EX", "10", "KEEPTTL"],
        &["KEEPTTL", "PXAT", "4102444800000"],
        &["EX"],
        &["EX", "10", "PX"],
        &["PERSIST"],
        &["FOO"],
    ] {
        let mut args = vec!["SET", "k", "v"];
        args.extend_from_slice(opts);
        assert_eq!(s.err(&args), SYNTAX, "{args:?}");
    }
    // Every option is parsed before any time is checked.
    assert_eq!(s.err(&["SET", "k", "v", "EX", "0", "FOO"]), SYNTAX);
    assert_eq!(s.err(&["SET", "k", "v", "EX", "abc", "KEEPTTL"]), SYNTAX);
}

#[test]
fn set_refuses_invalid_expire_times_with_redis_texts() {
    let mut s = Session::start(&[]);
    for (opt, t) in [
        ("EX", "0"),
        ("EX", "-1"),
        ("PX", "0"),
        ("PX", "-100"),
        ("EXAT", "0"),
        ("PXAT", "-5"),
        // Overflows: seconds to ms, or now + the time.
        ("EX", "9223372036854776"),
        ("EX", "9223372036854775"),
        ("PX", "9223372036854775807"),
    ] {
        assert_eq!(
            s.err(&["SET", "k", "v", opt, t]),
            invalid_expire("set"),
            "{opt} {t}"
        );
    }
    assert_eq!(s.err(&["SET", "k", "v", "EX", "abc"]), NOT_INT);
    assert_eq!(s.err(&["SET", "k", "v", "PX", "1.5"]), NOT_INT);
    assert_eq!(s.err(&["SET", "k", "v", "EX", " 1"]), NOT_INT);
    assert_eq!(s.int(&["EXISTS", "k"]), 0);
    // Large absolute times are fine.
    s.ok(&["SET", "k", "v", "PXAT", "9223372036854775807"]);
    assert_eq!(s.int(&["PEXPIRETIME", "k"]), 9223372036854775807);
}

#[test]
fn set_with_a_past_absolute_time_leaves_a_key_gone_on_access() {
    let mut s = Session::start(&[]);
    s.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    s.ok(&["SET", "k", "v", "PXAT", "1"]);
    // Stored (counted) until touched, as Redis does.
    assert_eq!(s.int(&["DBSIZE"]), 1);
    s.nil(&["GET", "k"]);
    assert_eq!(s.int(&["DBSIZE"]), 0);
    s.ok(&["SET", "k", "v", "EXAT", "1"]);
    assert_eq!(s.int(&["EXISTS", "k"]), 0);
}

#[test]
fn setnx_setex_psetex() {
    let mut s = Session::start(&[]);
    assert_eq!(s.int(&["SETNX", "k", "1"]), 1);
    assert_eq!(s.int(&["SETNX", "k", "2"]), 0);
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("1"));
    s.ok(&["SETEX", "k", "100", "v"]);
    let ttl = s.int(&["TTL", "k"]);
    assert!((1..=100).contains(&ttl), "TTL {ttl}");
    s.ok(&["PSETEX", "k", "100000", "w"]);
    let pttl = s.int(&["PTTL", "k"]);
    assert!((1..=100000).contains(&pttl), "PTTL {pttl}");
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("w"));
    assert_eq!(s.err(&["SETEX", "k", "0", "v"]), invalid_expire("setex"));
    assert_eq!(s.err(&["SETEX", "k", "-10", "v"]), invalid_expire("setex"));
    assert_eq!(s.err(&["PSETEX", "k", "0", "v"]), invalid_expire("psetex"));
    assert_eq!(s.err(&["SETEX", "k", "abc", "v"]), NOT_INT);
    assert_eq!(
        s.err(&["SETEX", "k", "v"]),
        "ERR wrong number of arguments for 'setex' command"
    );
}

#[test]
fn getset_and_getdel() {
    let mut s = Session::start(&[]);
    s.nil(&["GETSET", "k", "1"]);
    s.ok(&["SET", "k", "2", "EX", "100"]);
    assert_eq!(s.bulk(&["GETSET", "k", "3"]).as_deref(), Some("2"));
    // GETSET is a plain SET: the TTL goes.
    assert_eq!(s.int(&["TTL", "k"]), -1);
    assert_eq!(s.bulk(&["GETDEL", "k"]).as_deref(), Some("3"));
    assert_eq!(s.int(&["EXISTS", "k"]), 0);
    s.nil(&["GETDEL", "k"]);
}

#[test]
fn getex_sets_or_removes_the_ttl() {
    let mut s = Session::start(&[]);
    s.nil(&["GETEX", "missing"]);
    s.ok(&["SET", "k", "v"]);
    assert_eq!(s.bulk(&["GETEX", "k"]).as_deref(), Some("v"));
    assert_eq!(s.int(&["TTL", "k"]), -1);
    assert_eq!(s.bulk(&["GETEX", "k", "EX", "100"]).as_deref(), Some("v"));
    assert!(s.int(&["TTL", "k"]) > 0);
    assert_eq!(s.bulk(&["GETEX", "k", "PERSIST"]).as_deref(), Some("v"));
    assert_eq!(s.int(&["TTL", "k"]), -1);
    assert_eq!(
        s.bulk(&["GETEX", "k", "PXAT", "4102444800000"]).as_deref(),
        Some("v")
    );
    assert_eq!(s.int(&["PEXPIRETIME", "k"]), 4102444800000);
    assert_eq!(
        s.bulk(&["GETEX", "k", "EXAT", "4102444801", "EXAT", "4102444802"])
            .as_deref(),
        Some("v")
    );
    assert_eq!(s.int(&["EXPIRETIME", "k"]), 4102444802);
    // A time already past deletes the key after replying its value.
    assert_eq!(s.bulk(&["GETEX", "k", "EXAT", "1"]).as_deref(), Some("v"));
    assert_eq!(s.int(&["EXISTS", "k"]), 0);
}

#[test]
fn getex_errors_follow_redis_order() {
    let mut s = Session::start(&[]);
    // Options are parsed first; SET's own options are not GETEX's.
    for opts in [
        &["NX"][..],
        &["KEEPTTL"],
        &["GET"],
        &["EX", "10", "PERSIST"],
        &["PERSIST", "EX", "10"],
        &["EX", "10", "PX", "10"],
        &["EX"],
    ] {
        let mut args = vec!["GETEX", "missing"];
        args.extend_from_slice(opts);
        assert_eq!(s.err(&args), SYNTAX, "{args:?}");
    }
    // Then the key: a missing key is nil before its time is checked.
    s.nil(&["GETEX", "missing", "EX", "0"]);
    s.nil(&["GETEX", "missing", "EX", "abc"]);
    s.ok(&["SET", "k", "v"]);
    assert_eq!(s.err(&["GETEX", "k", "EX", "0"]), invalid_expire("getex"));
    assert_eq!(s.err(&["GETEX", "k", "PX", "abc"]), NOT_INT);
    assert_eq!(s.int(&["TTL", "k"]), -1);
}

#[test]
fn mget_mset_msetnx() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "a", "1", "b", "2", "a", "3"]);
    assert_eq!(
        s.strings(&["MGET", "a", "b", "c", "a"]),
        ["3", "2", "<nil>", "3"]
    );
    assert_eq!(
        s.err(&["MSET", "a", "1", "b"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        s.err(&["MSETNX", "a", "1", "b"]),
        "ERR wrong number of arguments for 'msetnx' command"
    );
    // MSETNX sets nothing if any key exists.
    assert_eq!(s.int(&["MSETNX", "c", "1", "a", "9"]), 0);
    assert_eq!(s.int(&["EXISTS", "c"]), 0);
    assert_eq!(s.int(&["MSETNX", "c", "1", "d", "2"]), 1);
    assert_eq!(s.strings(&["MGET", "c", "d"]), ["1", "2"]);
    // MSET clears TTLs.
    s.ok(&["SET", "t", "v", "EX", "100"]);
    s.ok(&["MSET", "t", "w"]);
    assert_eq!(s.int(&["TTL", "t"]), -1);
}

#[test]
fn incr_decr_family_with_redis_errors() {
    let mut s = Session::start(&[]);
    assert_eq!(s.int(&["INCR", "n"]), 1);
    assert_eq!(s.int(&["INCRBY", "n", "41"]), 42);
    assert_eq!(s.int(&["DECR", "n"]), 41);
    assert_eq!(s.int(&["DECRBY", "n", "-9"]), 50);
    assert_eq!(s.int(&["DECRBY", "fresh", "5"]), -5);
    for bad in [
        "abc",
        " 1",
        "1 ",
        "01",
        "+1",
        "-0",
        "1.5",
        "",
        "9223372036854775808",
    ] {
        s.ok(&["SET", "x", bad]);
        assert_eq!(s.err(&["INCR", "x"]), NOT_INT, "{bad:?}");
    }
    assert_eq!(s.err(&["INCRBY", "n", "1.5"]), NOT_INT);
    assert_eq!(s.err(&["INCRBY", "n", "abc"]), NOT_INT);
    s.ok(&["SET", "max", "9223372036854775807"]);
    assert_eq!(s.err(&["INCR", "max"]), OVERFLOW);
    assert_eq!(s.err(&["INCRBY", "max", "1"]), OVERFLOW);
    s.ok(&["SET", "min", "-9223372036854775808"]);
    assert_eq!(s.err(&["DECR", "min"]), OVERFLOW);
    assert_eq!(s.err(&["INCRBY", "min", "-1"]), OVERFLOW);
    assert_eq!(
        s.err(&["DECRBY", "n", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    assert_eq!(s.int(&["INCRBY", "min", "9223372036854775807"]), -1);
    // INCR keeps the TTL.
    s.ok(&["SET", "t", "1", "PXAT", "4102444800000"]);
    assert_eq!(s.int(&["INCR", "t"]), 2);
    assert_eq!(s.int(&["PEXPIRETIME", "t"]), 4102444800000);
}

#[test]
fn incrbyfloat_computes_in_long_double_as_redis() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "n", "12345678901234567890"]);
    let mut f = |args: &[&str]| s.bulk(args).unwrap();
    assert_eq!(f(&["INCRBYFLOAT", "f", "10.5"]), "10.5");
    assert_eq!(f(&["INCRBYFLOAT", "f", "0.1"]), "10.6");
    assert_eq!(f(&["INCRBYFLOAT", "g", "0.1"]), "0.1");
    // 0.30000000000000004 in double precision; Redis computes in long double.
    assert_eq!(f(&["INCRBYFLOAT", "g", "0.2"]), "0.3");
    assert_eq!(f(&["INCRBYFLOAT", "h", "5.0e3"]), "5000");
    assert_eq!(f(&["INCRBYFLOAT", "h", "2.0e2"]), "5200");
    assert_eq!(f(&["INCRBYFLOAT", "h", "-5200"]), "0");
    assert_eq!(f(&["INCRBYFLOAT", "i", "0x10"]), "16");
    assert_eq!(f(&["INCRBYFLOAT", "i", "-0.5"]), "15.5");
    assert_eq!(f(&["INCRBYFLOAT", "j", "1e-20"]), "0");
    // Beyond double range but within long double's.
    let big = f(&["INCRBYFLOAT", "big", "1e308"]);
    let bigger = f(&["INCRBYFLOAT", "big", "1e308"]);
    // Just under 1e308 (308 digits), then just under 2e308.
    assert_eq!(big.len(), 308);
    assert!(big.starts_with("99999999999999999996"), "{big}");
    assert_eq!(bigger.len(), 309);
    assert!(bigger.starts_with("19999999999999999"), "{bigger}");
    assert_eq!(f(&["INCRBYFLOAT", "n", "100"]), "12345678901234567990");
}

#[test]
fn incrbyfloat_errors_and_ttl() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "1"]);
    for bad in ["abc", "", " 1", "1 ", "nan", "1e", "0x"] {
        assert_eq!(s.err(&["INCRBYFLOAT", "k", bad]), NOT_FLOAT, "{bad:?}");
    }
    for inf in ["inf", "-inf", "+Infinity", "1e5000"] {
        let e = s.err(&["INCRBYFLOAT", "k", inf]);
        let want = if inf == "1e5000" {
            NOT_FLOAT
        } else {
            "ERR increment would produce NaN or Infinity"
        };
        assert_eq!(e, want, "{inf}");
    }
    s.ok(&["SET", "s", "abc"]);
    assert_eq!(s.err(&["INCRBYFLOAT", "s", "1"]), NOT_FLOAT);
    s.ok(&["SET", "t", "1.5", "PXAT", "4102444800000"]);
    assert_eq!(s.bulk(&["INCRBYFLOAT", "t", "1"]).as_deref(), Some("2.5"));
    assert_eq!(s.int(&["PEXPIRETIME", "t"]), 4102444800000);
    // The result is stored as text, never int-encoded.
    assert_eq!(s.bulk(&["INCRBYFLOAT", "t", "0.5"]).as_deref(), Some("3"));
    assert_eq!(
        s.bulk(&["OBJECT", "ENCODING", "t"]).as_deref(),
        Some("embstr")
    );
}

#[test]
fn append_and_strlen() {
    let mut s = Session::start(&[]);
    assert_eq!(s.int(&["STRLEN", "k"]), 0);
    assert_eq!(s.int(&["APPEND", "k", "hello"]), 5);
    assert_eq!(s.int(&["APPEND", "k", " world"]), 11);
    assert_eq!(s.bulk(&["GET", "k"]).as_deref(), Some("hello world"));
    assert_eq!(s.int(&["STRLEN", "k"]), 11);
    s.ok(&["SET", "n", "-12345"]);
    assert_eq!(s.int(&["STRLEN", "n"]), 6);
    assert_eq!(s.int(&["APPEND", "n", "6"]), 7);
    assert_eq!(s.int(&["INCR", "n"]), -123455);
    assert_eq!(s.int(&["APPEND", "e", ""]), 0);
    assert_eq!(s.int(&["EXISTS", "e"]), 1);
    // APPEND keeps the TTL.
    s.ok(&["SET", "t", "a", "PXAT", "4102444800000"]);
    assert_eq!(s.int(&["APPEND", "t", "b"]), 2);
    assert_eq!(s.int(&["PEXPIRETIME", "t"]), 4102444800000);
}

#[test]
fn getrange_and_substr_clamp_like_redis() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "This is a string"]);
    for (start, end, want) in [
        ("0", "3", "This"),
        ("-3", "-1", "ing"),
        ("0", "-1", "This is a string"),
        ("10", "100", "string"),
        ("5", "3", ""),
        ("-1", "-3", ""),
        ("-100", "2", "Thi"),
        ("-100", "-100", "T"),
        ("100", "200", ""),
        ("0", "-100", "T"),
        (
            "-9223372036854775808",
            "9223372036854775807",
            "This is a string",
        ),
    ] {
        for cmd in ["GETRANGE", "SUBSTR"] {
            assert_eq!(
                s.bulk(&[cmd, "k", start, end]).as_deref(),
                Some(want),
                "{cmd} {start} {end}"
            );
        }
    }
    assert_eq!(
        s.bulk(&["GETRANGE", "missing", "0", "-1"]).as_deref(),
        Some("")
    );
    s.ok(&["SET", "n", "1234"]);
    assert_eq!(s.bulk(&["GETRANGE", "n", "1", "2"]).as_deref(), Some("23"));
    s.ok(&["SET", "e", ""]);
    assert_eq!(s.bulk(&["GETRANGE", "e", "0", "-1"]).as_deref(), Some(""));
    assert_eq!(s.err(&["GETRANGE", "k", "a", "1"]), NOT_INT);
    assert_eq!(s.err(&["GETRANGE", "missing", "0", "x"]), NOT_INT);
}

#[test]
fn setrange_pads_with_zeros_and_checks_limits() {
    let mut s = Session::start(&[]);
    assert_eq!(s.int(&["SETRANGE", "k", "5", "ab"]), 7);
    assert_eq!(
        s.bytes(&[b"GET", b"k"]).as_deref(),
        Some(&b"\0\0\0\0\0ab"[..])
    );
    assert_eq!(s.int(&["SETRANGE", "k", "1", "XYZ"]), 7);
    assert_eq!(s.bytes(&[b"GET", b"k"]).as_deref(), Some(&b"\0XYZ\0ab"[..]));
    // An empty value changes nothing: 0 and no key when missing, the length otherwise.
    assert_eq!(s.int(&["SETRANGE", "missing", "10", ""]), 0);
    assert_eq!(s.int(&["EXISTS", "missing"]), 0);
    assert_eq!(s.int(&["SETRANGE", "k", "100", ""]), 7);
    s.ok(&["SET", "n", "12345"]);
    assert_eq!(s.int(&["SETRANGE", "n", "1", "x"]), 5);
    assert_eq!(s.bulk(&["GET", "n"]).as_deref(), Some("1x345"));
    assert_eq!(
        s.err(&["SETRANGE", "k", "-1", "x"]),
        "ERR offset is out of range"
    );
    assert_eq!(s.err(&["SETRANGE", "k", "abc", "x"]), NOT_INT);
    assert_eq!(s.err(&["SETRANGE", "k", "536870912", "x"]), TOO_LONG);
    assert_eq!(s.err(&["SETRANGE", "missing", "536870911", "xy"]), TOO_LONG);
    assert_eq!(s.int(&["EXISTS", "missing"]), 0);
    // The limit is proto-max-bulk-len.
    s.ok(&["CONFIG", "SET", "proto-max-bulk-len", "1048576"]);
    assert_eq!(s.err(&["SETRANGE", "k", "1048576", "x"]), TOO_LONG);
    assert_eq!(s.int(&["SETRANGE", "k", "1048575", "x"]), 1048576);
    assert_eq!(s.err(&["APPEND", "k", "x"]), TOO_LONG);
}

#[test]
fn setbit_and_getbit() {
    let mut s = Session::start(&[]);
    assert_eq!(s.int(&["SETBIT", "k", "7", "1"]), 0);
    assert_eq!(s.int(&["SETBIT", "k", "7", "1"]), 1);
    assert_eq!(s.bytes(&[b"GET", b"k"]).as_deref(), Some(&b"\x01"[..]));
    assert_eq!(s.int(&["SETBIT", "k", "17", "1"]), 0);
    assert_eq!(
        s.bytes(&[b"GET", b"k"]).as_deref(),
        Some(&b"\x01\x00\x40"[..])
    );
    assert_eq!(s.int(&["GETBIT", "k", "17"]), 1);
    assert_eq!(s.int(&["GETBIT", "k", "16"]), 0);
    assert_eq!(s.int(&["GETBIT", "k", "1000"]), 0);
    assert_eq!(s.int(&["GETBIT", "missing", "3"]), 0);
    assert_eq!(s.int(&["SETBIT", "k", "7", "0"]), 1);
    // Bits of an int-encoded value are those of its digits.
    s.ok(&["SET", "n", "1"]);
    assert_eq!(s.int(&["GETBIT", "n", "2"]), 1);
    assert_eq!(s.int(&["GETBIT", "n", "3"]), 1);
    assert_eq!(s.int(&["GETBIT", "n", "7"]), 1);
    for bad in ["-1", "4294967296", "abc", "1.5", "+1"] {
        assert_eq!(s.err(&["SETBIT", "k", bad, "1"]), BIT_OFFSET, "{bad}");
        assert_eq!(s.err(&["GETBIT", "k", bad]), BIT_OFFSET, "{bad}");
    }
    for bad in ["2", "-1", "x", "01", ""] {
        assert_eq!(
            s.err(&["SETBIT", "k", "1", bad]),
            "ERR bit is not an integer or out of range",
            "{bad:?}"
        );
    }
}

#[test]
fn bitcount_counts_byte_and_bit_ranges() {
    let mut s = Session::start(&[]);
    s.ok(&["SET", "k", "foobar"]);
    assert_eq!(s.int(&["BITCOUNT", "k"]), 26);
    assert_eq!(s.int(&["BITCOUNT", "k", "0", "0"]), 4);
    assert_eq!(s.int(&["BITCOUNT", "k", "1", "1"]), 6);
    assert_eq!(s.int(&["BITCOUNT", "k", "1", "1", "BYTE"]), 6);
    assert_eq!(s.int(&["BITCOUNT", "k", "5", "30", "BIT"]), 17);
    assert_eq!(s.int(&["BITCOUNT", "k", "-2", "-1"]), 7);
    assert_eq!(s.int(&["BITCOUNT", "k", "0", "-1", "bit"]), 26);
    assert_eq!(s.int(&["BITCOUNT", "k", "3", "1"]), 0);
    assert_eq!(s.int(&["BITCOUNT", "k", "0", "100"]), 26);
    assert_eq!(s.int(&["BITCOUNT", "k", "47", "47", "BIT"]), 0);
    assert_eq!(s.int(&["BITCOUNT", "k", "46", "46", "BIT"]), 1);
    assert_eq!(s.err(&["BITCOUNT", "k", "0"]), SYNTAX);
    assert_eq!(s.err(&["BITCOUNT", "k", "0", "1", "WORD"]), SYNTAX);
    assert_eq!(s.err(&["BITCOUNT", "k", "0", "1", "BIT", "x"]), SYNTAX);
    assert_eq!(s.err(&["BITCOUNT", "k", "a", "1"]), NOT_INT);
    // An empty negative range is 0 before the unit is looked at.
    assert_eq!(s.int(&["BITCOUNT", "k", "-1", "-2", "WORD"]), 0);
    // A missing key is 0 whatever the arguments.
    assert_eq!(s.int(&["BITCOUNT", "missing"]), 0);
    assert_eq!(s.int(&["BITCOUNT", "missing", "0"]), 0);
    assert_eq!(s.int(&["BITCOUNT", "missing", "a", "b", "c"]), 0);
}

#[test]
fn bitpos_finds_set_and_clear_bits_like_redis() {
    let mut s = Session::start(&[]);
    assert_eq!(s.vb(&[b"SET", b"k", b"\xff\xf0\x00"]), Value::Okay);
    assert_eq!(s.int(&["BITPOS", "k", "0"]), 12);
    assert_eq!(s.vb(&[b"SET", b"k", b"\x00\xff\xf0"]), Value::Okay);
    assert_eq!(s.int(&["BITPOS", "k", "1", "0"]), 8);
    assert_eq!(s.int(&["BITPOS", "k", "1", "2"]), 16);
    assert_eq!(s.int(&["BITPOS", "k", "1", "2", "-1", "BYTE"]), 16);
    assert_eq!(s.int(&["BITPOS", "k", "1", "7", "15", "BIT"]), 8);
    assert_eq!(s.int(&["BITPOS", "k", "1", "7", "-3", "BIT"]), 8);
    assert_eq!(s.int(&["BITPOS", "k", "0", "8", "15", "BIT"]), -1);
    assert_eq!(s.int(&["BITPOS", "k", "1", "3", "1"]), -1);
    // All ones: a clear bit is found past the end unless an end was given.
    assert_eq!(s.vb(&[b"SET", b"ones", b"\xff\xff"]), Value::Okay);
    assert_eq!(s.int(&["BITPOS", "ones", "0"]), 16);
    assert_eq!(s.int(&["BITPOS", "ones", "0", "1"]), 16);
    assert_eq!(s.int(&["BITPOS", "ones", "0", "0", "-1"]), -1);
    assert_eq!(s.int(&["BITPOS", "ones", "0", "2", "13", "BIT"]), -1);
    assert_eq!(s.vb(&[b"SET", b"zeros", b"\x00\x00"]), Value::Okay);
    assert_eq!(s.int(&["BITPOS", "zeros", "1"]), -1);
    // A missing key is all clear bits; an empty string has none of either.
    assert_eq!(s.int(&["BITPOS", "missing", "0"]), 0);
    assert_eq!(s.int(&["BITPOS", "missing", "1"]), -1);
    s.ok(&["SET", "empty", ""]);
    assert_eq!(s.int(&["BITPOS", "empty", "0"]), -1);
    assert_eq!(s.int(&["BITPOS", "empty", "1"]), -1);
    assert_eq!(
        s.err(&["BITPOS", "k", "2"]),
        "ERR The bit argument must be 1 or 0."
    );
    assert_eq!(
        s.err(&["BITPOS", "missing", "2"]),
        "ERR The bit argument must be 1 or 0."
    );
    assert_eq!(s.err(&["BITPOS", "k", "x"]), NOT_INT);
    assert_eq!(s.err(&["BITPOS", "k", "1", "0", "1", "WORD"]), SYNTAX);
    // The unit is checked before the end.
    assert_eq!(s.err(&["BITPOS", "k", "1", "0", "x", "WORD"]), SYNTAX);
    assert_eq!(s.err(&["BITPOS", "k", "1", "0", "x", "BIT"]), NOT_INT);
    assert_eq!(s.err(&["BITPOS", "k", "1", "0", "1", "BIT", "x"]), SYNTAX);
}

#[test]
fn lcs_reports_string_length_and_ranges() {
    let mut s = Session::start(&[]);
    s.ok(&["MSET", "key1", "ohmytext", "key2", "mynewtext"]);
    assert_eq!(s.bulk(&["LCS", "key1", "key2"]).as_deref(), Some("mytext"));
    assert_eq!(s.int(&["LCS", "key1", "key2", "LEN"]), 6);
    let int = Value::Int;
    let range = |a: i64, b: i64| Value::Array(vec![int(a), int(b)]);
    let matches = |ms: Vec<Value>, len: i64| {
        Value::Array(vec![
            Value::BulkString(b"matches".to_vec()),
            Value::Array(ms),
            Value::BulkString(b"len".to_vec()),
            int(len),
        ])
    };
    assert_eq!(
        s.v(&["LCS", "key1", "key2", "IDX"]),
        matches(
            vec![
                Value::Array(vec![range(4, 7), range(5, 8)]),
                Value::Array(vec![range(2, 3), range(0, 1)]),
            ],
            6
        )
    );
    assert_eq!(
        s.v(&[
            "LCS",
            "key1",
            "key2",
            "IDX",
            "MINMATCHLEN",
            "4",
            "WITHMATCHLEN"
        ]),
        matches(
            vec![Value::Array(vec![range(4, 7), range(5, 8), int(4)])],
            6
        )
    );
    assert_eq!(s.bulk(&["LCS", "key1", "missing"]).as_deref(), Some(""));
    assert_eq!(s.int(&["LCS", "missing", "missing", "LEN"]), 0);
    assert_eq!(
        s.err(&["LCS", "key1", "key2", "LEN", "IDX"]),
        "ERR If you want both the length and indexes, please just use IDX."
    );
    assert_eq!(s.err(&["LCS", "key1", "key2", "FOO"]), SYNTAX);
    assert_eq!(s.err(&["LCS", "key1", "key2", "MINMATCHLEN"]), SYNTAX);
    assert_eq!(s.err(&["LCS", "key1", "key2", "MINMATCHLEN", "x"]), NOT_INT);
}

#[test]
fn lcs_table_is_limited_by_proto_max_bulk_len() {
    let mut s = Session::start(&[]);
    s.ok(&["CONFIG", "SET", "proto-max-bulk-len", "1048576"]);
    let a = "a".repeat(600);
    s.ok(&["MSET", "a", &a, "b", &a]);
    // (601 * 601) cells of 4 bytes exceed 1 MiB.
    assert_eq!(
        s.err(&["LCS", "a", "b"]),
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
    );
    s.ok(&["SET", "b", &a[..400]]);
    assert_eq!(s.int(&["LCS", "a", "b", "LEN"]), 400);
}

#[test]
fn object_encoding_follows_int_embstr_raw_transitions() {
    let mut s = Session::start(&[]);
    let enc = |s: &mut Session, k: &str| s.bulk(&["OBJECT", "ENCODING", k]).unwrap();
    for (value, want) in [
        ("12345", "int"),
        ("-9223372036854775808", "int"),
        ("9223372036854775808", "embstr"),
        ("01", "embstr"),
        ("-0", "embstr"),
        ("1.5", "embstr"),
        ("hello", "embstr"),
        (&"x".repeat(44), "embstr"),
        (&"x".repeat(45), "raw"),
    ] {
        s.ok(&["SET", "k", value]);
        assert_eq!(enc(&mut s, "k"), want, "{value}");
    }
    // APPEND and SETRANGE make a raw string even when short.
    s.ok(&["SET", "k", "ab"]);
    s.int(&["APPEND", "k", "c"]);
    assert_eq!(enc(&mut s, "k"), "raw");
    s.ok(&["SET", "k", "abc"]);
    s.int(&["SETRANGE", "k", "0", "x"]);
    assert_eq!(enc(&mut s, "k"), "raw");
    s.int(&["SETBIT", "b", "1", "1"]);
    assert_eq!(enc(&mut s, "b"), "raw");
    // APPEND to a missing key stores the value as SET would.
    s.int(&["APPEND", "new", "123"]);
    assert_eq!(enc(&mut s, "new"), "int");
    // A raw string of digits becomes int through INCR; INCRBYFLOAT gives embstr.
    s.int(&["SETRANGE", "r", "0", "41"]);
    assert_eq!(enc(&mut s, "r"), "raw");
    s.int(&["INCR", "r"]);
    assert_eq!(enc(&mut s, "r"), "int");
    s.bulk(&["INCRBYFLOAT", "r", "1"]);
    assert_eq!(enc(&mut s, "r"), "embstr");
    s.bulk(&["GETSET", "g", "77"]);
    assert_eq!(enc(&mut s, "g"), "int");
    s.ok(&["MSET", "m1", "5", "m2", "five"]);
    assert_eq!(enc(&mut s, "m1"), "int");
    assert_eq!(enc(&mut s, "m2"), "embstr");
    s.nil(&["OBJECT", "ENCODING", "missing"]);
}

#[test]
fn object_refcount_shows_shared_small_integers() {
    let mut s = Session::start(&[]);
    for (value, want) in [
        ("0", 2147483647),
        ("9999", 2147483647),
        ("10000", 1),
        ("-1", 1),
        ("abc", 1),
    ] {
        s.ok(&["SET", "k", value]);
        assert_eq!(s.int(&["OBJECT", "REFCOUNT", "k"]), want, "{value}");
    }
    s.ok(&["SET", "k", "9998"]);
    s.int(&["INCR", "k"]);
    assert_eq!(s.int(&["OBJECT", "REFCOUNT", "k"]), 2147483647);
    s.int(&["INCR", "k"]);
    assert_eq!(s.int(&["OBJECT", "REFCOUNT", "k"]), 1);
    // COPY duplicates a shared integer into an object of its own.
    s.ok(&["SET", "small", "5"]);
    assert_eq!(s.int(&["COPY", "small", "copy"]), 1);
    assert_eq!(s.int(&["OBJECT", "REFCOUNT", "copy"]), 1);
    assert_eq!(
        s.bulk(&["OBJECT", "ENCODING", "copy"]).as_deref(),
        Some("int")
    );
    assert_eq!(s.int(&["INCR", "copy"]), 6);
    assert_eq!(s.int(&["OBJECT", "REFCOUNT", "copy"]), 2147483647);
}

#[test]
fn wrong_arity_is_reported_with_the_command_name() {
    let mut s = Session::start(&[]);
    for (args, name) in [
        (&["GET"][..], "get"),
        (&["GET", "a", "b"], "get"),
        (&["SET", "k"], "set"),
        (&["SETNX", "k"], "setnx"),
        (&["MGET"], "mget"),
        (&["MSET", "k"], "mset"),
        (&["INCRBY", "k"], "incrby"),
        (&["GETRANGE", "k", "0"], "getrange"),
        (&["SETBIT", "k", "0"], "setbit"),
        (&["BITCOUNT"], "bitcount"),
        (&["BITPOS", "k"], "bitpos"),
        (&["LCS", "a"], "lcs"),
        (&["GETEX"], "getex"),
        (&["STRLEN"], "strlen"),
        (&["SUBSTR", "k", "0"], "substr"),
    ] {
        assert_eq!(
            s.err(args),
            format!("ERR wrong number of arguments for '{name}' command"),
            "{args:?}"
        );
    }
}

#[test]
fn relative_times_count_from_a_now_not_before_time() {
    // A command sent after TIME replied must not see an earlier now: SET PX counts from it.
    let mut s = Session::start(&[]);
    let before = server_ms(&mut s);
    s.ok(&["SET", "k", "v", "PX", "500000"]);
    let at = s.int(&["PEXPIRETIME", "k"]);
    let after = server_ms(&mut s);
    assert!(
        at >= before + 500000 && at <= after + 500000,
        "{before} {at} {after}"
    );
}

//! RDB persistence against the real thing: files written by a real redis-server 7.0 are loaded
//! by ferrodis and the reverse (DEBUG DIGEST compared, `redis-check-rdb` run), DUMP payloads
//! move both ways, DEBUG RELOAD and restarts keep every type and encoding, corrupt files stop
//! the start-up, `-LOADING` while loading, BGSAVE is the dataset at the moment it started
//! while writes go on, FLUSHALL cancels it, and a failed save turns on `-MISCONF`.
//!
//! Error texts and start-up failures are checked against redis-server too wherever one command
//! line shows them, so the expectations are Redis's, not ours.

mod common;

use common::{Kind, Server, TestDir, error_of, reply, run_until_exit};
use redis::Value;
use std::path::Path;
use std::time::{Duration, Instant};

// ---- Helpers ----

/// Runs a command with text arguments; panics on an error reply.
fn ok(c: &mut redis::Connection, args: &[&str]) -> Value {
    let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    okb(c, &raw)
}

/// Runs a command with binary arguments; panics on an error reply.
fn okb(c: &mut redis::Connection, args: &[&[u8]]) -> Value {
    let v = reply(c, args);
    if let Some(e) = error_of(&v) {
        let shown: Vec<String> = args
            .iter()
            .take(3)
            .map(|a| String::from_utf8_lossy(&a[..a.len().min(40)]).into_owned())
            .collect();
        panic!("{shown:?}: unexpected error {e}");
    }
    v
}

/// The error text of a command expected to fail.
fn err(c: &mut redis::Connection, args: &[&[u8]]) -> String {
    let v = reply(c, args);
    error_of(&v).unwrap_or_else(|| panic!("expected an error, got {v:?}"))
}

fn int(c: &mut redis::Connection, args: &[&str]) -> i64 {
    match ok(c, args) {
        Value::Int(n) => n,
        other => panic!("{args:?}: expected an integer, got {other:?}"),
    }
}

fn status(v: Value) -> String {
    match v {
        Value::SimpleString(s) => s,
        Value::Okay => "OK".into(),
        other => panic!("expected a status reply, got {other:?}"),
    }
}

fn digest(c: &mut redis::Connection) -> String {
    status(ok(c, &["DEBUG", "DIGEST"]))
}

fn bulk(c: &mut redis::Connection, args: &[&str]) -> Vec<u8> {
    match ok(c, args) {
        Value::BulkString(b) => b,
        other => panic!("{args:?}: expected a bulk string, got {other:?}"),
    }
}

/// One field of `INFO persistence`.
fn info_field(c: &mut redis::Connection, field: &str) -> String {
    let text = String::from_utf8(bulk(c, &["INFO", "persistence"])).expect("utf-8 INFO");
    info_value(&text, field)
}

fn info_value(text: &str, field: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("INFO has no {field}:\n{text}"))
        .trim()
        .to_string()
}

/// Polls `cond` until it holds; panics with `what` at the deadline.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_bgsave_done(c: &mut redis::Connection) {
    wait_for("the background save to end", || {
        info_field(c, "rdb_bgsave_in_progress") == "0"
    });
}

/// DBSIZE of each of the 16 databases (leaves database 0 selected).
fn dbsizes(c: &mut redis::Connection) -> Vec<i64> {
    let sizes = (0..16)
        .map(|db| {
            ok(c, &["SELECT", &db.to_string()]);
            int(c, &["DBSIZE"])
        })
        .collect();
    ok(c, &["SELECT", "0"]);
    sizes
}

/// Incompressible bytes (xorshift), so LZF leaves them alone.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// Keys of every type and encoding Redis 7.0 has, in the selected database, without TTLs.
/// The comments give Redis's encoding at default thresholds.
fn fill_types(c: &mut redis::Connection) {
    ok(c, &["SET", "str:int", "12345"]); // int
    ok(c, &["SET", "str:negint", "-42"]); // int
    ok(c, &["SET", "str:int64", "-9223372036854775808"]); // int
    ok(c, &["SET", "str:bigint", "123456789012345678901234567890"]); // embstr
    ok(c, &["SET", "str:embstr", "hello world"]);
    ok(c, &["SET", "str:empty", ""]);
    ok(c, &["SET", "str:raw", &"raw-".repeat(15)]); // raw, LZF-compressible
    ok(c, &["SET", "str:lzf", &"abcdefghij".repeat(1024)]); // 10 KB, LZF-compressed
    okb(c, &[b"SET", b"str:noise", &noise(10 * 1024, 7)]); // 10 KB, stored plain

    ok(
        c,
        &["RPUSH", "list:small", "a", "b", "1", "-2", "3000000000"],
    );
    let large: Vec<String> = (0..300)
        .map(|i| {
            if i % 3 == 0 {
                i.to_string()
            } else {
                format!("item:{i}")
            }
        })
        .collect();
    push_all(c, &["RPUSH", "list:large"], &large);
    let long: Vec<String> = (0..10)
        .map(|i| format!("{i}:{}", "e".repeat(100)))
        .collect();
    push_all(c, &["RPUSH", "list:bigel"], &long);

    ok(
        c,
        &["HSET", "hash:small", "f1", "v1", "f2", "2", "f3", "-3"],
    ); // listpack
    let fields: Vec<String> = (0..600)
        .flat_map(|i| [format!("field:{i}"), format!("value:{}", i * 7)])
        .collect();
    push_all(c, &["HSET", "hash:large"], &fields); // hashtable (> 512 fields)
    ok(c, &["HSET", "hash:bigval", "f", &"y".repeat(100)]); // hashtable (value > 64)

    ok(c, &["SADD", "set:int", "1", "2", "3", "-5", "100000"]); // intset
    ok(c, &["SADD", "set:int64", "5000000000", "-5000000000", "7"]); // intset, 64-bit
    let ints: Vec<String> = (0..600).map(|i| (i * 7 - 1000).to_string()).collect();
    push_all(c, &["SADD", "set:intlarge"], &ints); // hashtable (> 512)
    ok(c, &["SADD", "set:str", "a", "b", "c", "12x"]); // hashtable

    let small = [
        "1.5", "a", "-2.25", "b", "inf", "c", "-inf", "d", "0", "e", "3", "f",
    ];
    push_all(c, &["ZADD", "zset:small"], &small.map(String::from)); // listpack
    let members: Vec<String> = (0..200)
        .flat_map(|i| [format!("{}", i as f64 * 0.37 - 20.0), format!("m{i}")])
        .chain(["inf", "top", "-inf", "bottom", "1e-300", "tiny"].map(String::from))
        .collect();
    push_all(c, &["ZADD", "zset:large"], &members); // skiplist (> 128)
    ok(c, &["ZADD", "zset:bigmember", "0.1", &"z".repeat(100)]); // skiplist (member > 64)
}

/// `prefix` followed by `items`, sent in one command.
fn push_all(c: &mut redis::Connection, prefix: &[&str], items: &[String]) {
    let mut args: Vec<&[u8]> = prefix.iter().map(|a| a.as_bytes()).collect();
    args.extend(items.iter().map(|i| i.as_bytes()));
    okb(c, &args);
}

/// Keys with TTLs, in the selected database (created by `fill_types`).
fn add_ttls(c: &mut redis::Connection) {
    ok(c, &["EXPIRE", "str:embstr", "100000"]);
    ok(c, &["PEXPIRE", "hash:small", "5000000"]);
    ok(c, &["EXPIRE", "list:large", "86400"]);
    ok(c, &["EXPIRE", "zset:small", "10000"]);
}

/// The golden dataset: every type in databases 0 and 3, `DEBUG POPULATE 1000`, TTLs, and a
/// few keys in database 9. Returns the number of keys.
fn fill_mixed(c: &mut redis::Connection) -> i64 {
    fill_types(c);
    add_ttls(c);
    ok(c, &["DEBUG", "POPULATE", "1000"]);
    ok(c, &["SELECT", "3"]);
    fill_types(c);
    ok(c, &["EXPIRE", "set:int", "50000"]);
    ok(c, &["SELECT", "9"]);
    ok(c, &["SET", "db9:str", "nine"]);
    ok(c, &["RPUSH", "db9:list", "x", "y"]);
    ok(c, &["ZADD", "db9:zset", "-0.5", "neg"]);
    ok(c, &["SELECT", "0"]);
    dbsizes(c).iter().sum()
}

/// Values read back from database 0 to compare between servers.
const READ_BACK: &[&[&str]] = &[
    &["GET", "str:noise"],
    &["GET", "str:lzf"],
    &["GET", "str:bigint"],
    &["LRANGE", "list:large", "0", "-1"],
    &["LRANGE", "list:bigel", "0", "-1"],
    &["HGETALL", "hash:small"],
    &["HGET", "hash:large", "field:599"],
    &["SMEMBERS", "set:int64"],
    &["ZRANGE", "zset:small", "0", "-1", "WITHSCORES"],
    &["ZRANGE", "zset:large", "0", "-1", "WITHSCORES"],
    &["GET", "key:999"],
];

/// Reads `READ_BACK` (hash and set replies sorted: their order is a hashtable's).
fn read_back(c: &mut redis::Connection) -> Vec<Value> {
    READ_BACK
        .iter()
        .map(|args| match (args[0], ok(c, args)) {
            ("HGETALL", Value::Array(items)) => {
                let mut pairs: Vec<(Value, Value)> = items
                    .chunks(2)
                    .map(|p| (p[0].clone(), p[1].clone()))
                    .collect();
                pairs.sort_by_key(|p| format!("{p:?}"));
                Value::Array(pairs.into_iter().flat_map(|(f, v)| [f, v]).collect())
            }
            ("SMEMBERS", Value::Array(mut items)) => {
                items.sort_by_key(|v| format!("{v:?}"));
                Value::Array(items)
            }
            (_, v) => v,
        })
        .collect()
}

/// Asserts two servers read back the same values, naming the first command that differs
/// (without printing 10 KB values).
fn assert_same_values(a: &[Value], b: &[Value], what: &str) {
    for ((args, x), y) in READ_BACK.iter().zip(a).zip(b) {
        if x != y {
            let (xs, ys) = (format!("{x:?}"), format!("{y:?}"));
            panic!(
                "{what}: {args:?} differs:\n{}\n{}",
                &xs[..xs.len().min(300)],
                &ys[..ys.len().min(300)]
            );
        }
    }
}

/// Every key of database 0 except DEBUG POPULATE's, sorted.
fn typed_keys(c: &mut redis::Connection) -> Vec<String> {
    let Value::Array(items) = ok(c, &["KEYS", "*:*"]) else {
        panic!("KEYS: not an array");
    };
    let mut keys: Vec<String> = items
        .into_iter()
        .filter_map(|v| match v {
            Value::BulkString(b) => Some(String::from_utf8(b).unwrap()),
            _ => None,
        })
        .filter(|k| !k.starts_with("key:"))
        .collect();
    keys.sort();
    keys
}

fn encoding(c: &mut redis::Connection, key: &str) -> String {
    String::from_utf8(bulk(c, &["OBJECT", "ENCODING", key])).unwrap()
}

/// The exit code and log of a ferrodis (or redis-server) started on `bytes` as its dump.rdb.
fn start_on_file(kind: Kind, bytes: &[u8]) -> (Option<i32>, String) {
    let dir = TestDir::with_dump_bytes(bytes);
    run_until_exit(kind, &dir.path, &[])
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

// ---- Golden files: Redis → ferrodis ----

/// rdbLoad: a file a real Redis 7.0 saved (every encoding, LZF on or off, TTLs, several
/// databases) loads into the same dataset: DEBUG DIGEST, per-database DBSIZE, values, TTLs.
fn redis_file_loads_identically(compression: &str) {
    let redis = Server::start_redis(&["--rdbcompression", compression]);
    let mut rc = redis.conn();
    let keys = fill_mixed(&mut rc);
    ok(&mut rc, &["SAVE"]);
    let file = std::fs::read(redis.dir.join("dump.rdb")).unwrap();
    let plain_run = "abcdefghij".repeat(1024);
    let has_plain_run = file
        .windows(plain_run.len())
        .any(|w| w == plain_run.as_bytes());
    assert_eq!(
        has_plain_run,
        compression == "no",
        "LZF use in Redis's file"
    );
    let dir = TestDir::with_dump_bytes(&file);
    let ours = Server::start_in(Kind::Ferrodis, &dir.path, &[]);
    let mut fc = ours.conn();
    assert_eq!(
        digest(&mut fc),
        digest(&mut rc),
        "DEBUG DIGEST after loading Redis's file"
    );
    assert_eq!(dbsizes(&mut fc), dbsizes(&mut rc));
    assert_same_values(&read_back(&mut fc), &read_back(&mut rc), "after loading");
    for key in ["str:embstr", "hash:small", "list:large", "zset:small"] {
        assert!(int(&mut fc, &["PTTL", key]) > 0, "{key} lost its TTL");
    }
    assert_eq!(int(&mut fc, &["PTTL", "str:raw"]), -1);
    let loaded = info_field(&mut fc, "rdb_last_load_keys_loaded");
    assert_eq!(loaded, keys.to_string());
    assert!(
        keys > 1000 + 2 * 20,
        "the dataset is the golden one ({keys} keys)"
    );
}

#[test]
fn rdb_load_of_redis_golden_file_with_lzf_keeps_digest() {
    redis_file_loads_identically("yes");
}

#[test]
fn rdb_load_of_redis_golden_file_without_compression_keeps_digest() {
    redis_file_loads_identically("no");
}

/// rdbLoad on a master: keys whose TTL passed before the load are dropped and counted in
/// rdb_last_load_keys_expired, as Redis counts them on the same file.
#[test]
fn rdb_load_drops_keys_already_expired() {
    let redis = Server::start_redis(&[]);
    let mut rc = redis.conn();
    ok(&mut rc, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    ok(&mut rc, &["SET", "live", "v", "EX", "1000"]);
    ok(&mut rc, &["SET", "stale1", "v", "PX", "1"]);
    ok(&mut rc, &["HSET", "stale2", "f", "v"]);
    ok(&mut rc, &["PEXPIRE", "stale2", "1"]);
    let set_at = unix_ms();
    wait_for("the TTLs to pass", || unix_ms() > set_at + 5);
    ok(&mut rc, &["SAVE"]); // an expired key never read is still in the dataset, and saved
    for kind in [Kind::Redis, Kind::Ferrodis] {
        let dir = TestDir::with_dump(&redis.dir.join("dump.rdb"));
        let s = Server::start_in(kind, &dir.path, &[]);
        let mut c = s.conn();
        assert_eq!(info_field(&mut c, "rdb_last_load_keys_expired"), "2");
        assert_eq!(info_field(&mut c, "rdb_last_load_keys_loaded"), "1");
        assert_eq!(int(&mut c, &["DBSIZE"]), 1);
        assert!(int(&mut c, &["PTTL", "live"]) > 0);
    }
}

// ---- Ferrodis → Redis ----

/// The type byte a record of `key` has in an RDB file (the byte before its length-prefixed
/// name; the keys asked about are short, so their length is one byte).
fn record_type(file: &[u8], key: &str) -> u8 {
    let mut needle = vec![key.len() as u8];
    needle.extend_from_slice(key.as_bytes());
    let at = file
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
        .unwrap_or_else(|| panic!("{key} not in the file"));
    file[at - 1]
}

/// rdbSave: our file passes redis-check-rdb and a real Redis loads the same dataset; small
/// collections are written in their compact encodings (RDB types 16, 17, 11, 18).
#[test]
fn rdb_save_is_loaded_by_redis_and_passes_redis_check_rdb() {
    let ours = Server::start(&[]);
    let mut fc = ours.conn();
    let keys = fill_mixed(&mut fc);
    ok(&mut fc, &["SAVE"]);
    let file = ours.dir.join("dump.rdb");

    let check = std::process::Command::new("redis-check-rdb")
        .arg(&file)
        .output()
        .expect("run redis-check-rdb");
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "redis-check-rdb failed:\n{out}");
    assert!(out.contains("RDB looks OK"), "{out}");

    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..9], b"REDIS0010", "RDB version 10");
    assert_eq!(
        record_type(&bytes, "hash:small"),
        16,
        "RDB_TYPE_HASH_LISTPACK"
    );
    assert_eq!(
        record_type(&bytes, "zset:small"),
        17,
        "RDB_TYPE_ZSET_LISTPACK"
    );
    assert_eq!(record_type(&bytes, "set:int"), 11, "RDB_TYPE_SET_INTSET");
    assert_eq!(
        record_type(&bytes, "list:small"),
        18,
        "RDB_TYPE_LIST_QUICKLIST_2"
    );
    assert_eq!(record_type(&bytes, "zset:large"), 5, "RDB_TYPE_ZSET_2");

    let dir = TestDir::with_dump(&file);
    let redis = Server::start_in(Kind::Redis, &dir.path, &[]);
    let mut rc = redis.conn();
    assert_eq!(
        digest(&mut rc),
        digest(&mut fc),
        "DEBUG DIGEST after Redis loaded our file"
    );
    assert_eq!(dbsizes(&mut rc), dbsizes(&mut fc));
    assert_eq!(dbsizes(&mut rc).iter().sum::<i64>(), keys);
    assert_same_values(
        &read_back(&mut rc),
        &read_back(&mut fc),
        "Redis on our file",
    );
    assert_eq!(encoding(&mut rc, "hash:small"), "listpack");
    assert_eq!(encoding(&mut rc, "zset:small"), "listpack");
    assert_eq!(encoding(&mut rc, "set:int"), "intset");
    assert!(int(&mut rc, &["PTTL", "str:embstr"]) > 0);
    let redis_log = redis.log_text();
    assert!(
        redis_log.contains("Done loading RDB, keys loaded"),
        "{redis_log}"
    );
}

// ---- Round trips on ferrodis ----

/// DEBUG RELOAD (save, flush, load) keeps DEBUG DIGEST for every type and encoding, and the
/// encodings after the reload are the ones Redis has after its own DEBUG RELOAD.
fn debug_reload_round_trip(config: &[&str]) {
    let ours = Server::start(config);
    let redis = Server::start_redis(config);
    let (mut fc, mut rc) = (ours.conn(), redis.conn());
    for c in [&mut fc, &mut rc] {
        fill_mixed(c);
    }
    let before = digest(&mut fc);
    assert_eq!(before, digest(&mut rc), "same dataset on both servers");
    ok(&mut fc, &["DEBUG", "RELOAD"]);
    ok(&mut rc, &["DEBUG", "RELOAD"]);
    assert_eq!(
        digest(&mut fc),
        before,
        "DEBUG DIGEST changed across DEBUG RELOAD"
    );
    assert_same_values(
        &read_back(&mut fc),
        &read_back(&mut rc),
        "after DEBUG RELOAD",
    );
    let keys = typed_keys(&mut fc);
    assert!(keys.len() >= 20);
    for key in keys {
        assert_eq!(
            encoding(&mut fc, &key),
            encoding(&mut rc, &key),
            "OBJECT ENCODING {key} after DEBUG RELOAD {config:?}"
        );
    }
}

#[test]
fn debug_reload_keeps_digest_and_redis_encodings() {
    debug_reload_round_trip(&[]);
}

#[test]
fn debug_reload_keeps_digest_with_tiny_encoding_thresholds() {
    debug_reload_round_trip(&[
        "--hash-max-listpack-entries",
        "2",
        "--zset-max-listpack-entries",
        "2",
        "--set-max-intset-entries",
        "2",
        "--list-max-listpack-size",
        "2",
    ]);
}

/// SHUTDOWN with save points configured saves; the next start loads the same dataset.
#[test]
fn shutdown_with_save_points_saves_and_restart_keeps_digest() {
    let args = ["--save", "900 1"];
    let mut first = Server::start(&args);
    let mut c = first.conn();
    let keys = fill_mixed(&mut c);
    let before = digest(&mut c);
    first.raw().send(b"SHUTDOWN\r\n");
    assert_eq!(first.wait_exit(Duration::from_secs(30)), Some(0));
    assert!(first.log_text().contains("DB saved on disk"));
    let dir = first.into_dir();
    assert!(dir.path.join("dump.rdb").exists());

    let second = Server::start_in(Kind::Ferrodis, &dir.path, &args);
    let mut c = second.conn();
    assert_eq!(digest(&mut c), before, "DEBUG DIGEST after restart");
    assert_eq!(dbsizes(&mut c).iter().sum::<i64>(), keys);
}

/// SHUTDOWN NOSAVE writes nothing even with save points.
#[test]
fn shutdown_nosave_does_not_write() {
    let mut s = Server::start(&["--save", "900 1"]);
    let mut c = s.conn();
    ok(&mut c, &["SET", "k", "v"]);
    s.raw().send(b"SHUTDOWN NOSAVE\r\n");
    assert_eq!(s.wait_exit(Duration::from_secs(30)), Some(0));
    assert!(
        !s.dir.join("dump.rdb").exists(),
        "SHUTDOWN NOSAVE wrote dump.rdb"
    );
    assert!(!s.log_text().contains("DB saved on disk"));
}

/// SIGTERM with save points saves the final snapshot before exiting.
#[test]
fn sigterm_with_save_points_saves() {
    let args = ["--save", "900 1"];
    let mut s = Server::start(&args);
    let mut c = s.conn();
    ok(&mut c, &["SET", "k", "v"]);
    s.signal("TERM");
    assert_eq!(s.wait_exit(Duration::from_secs(30)), Some(0));
    let log = s.log_text();
    assert!(log.contains("DB saved on disk"), "{log}");
    let dir = s.into_dir();
    let again = Server::start_in(Kind::Ferrodis, &dir.path, &args);
    assert_eq!(bulk(&mut again.conn(), &["GET", "k"]), b"v");
}

/// LASTSAVE and rdb_last_save_time move on SAVE; rdb_changes_since_last_save counts writes and
/// is cleared by SAVE and by a completed BGSAVE.
#[test]
fn save_updates_lastsave_and_clears_changes_since_last_save() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let start = int(&mut c, &["LASTSAVE"]);
    for i in 0..5 {
        ok(&mut c, &["SET", &format!("k{i}"), "v"]);
    }
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "5");
    // LASTSAVE has a resolution of seconds: let one pass so the change shows.
    wait_for("the next second", || (unix_ms() / 1000) as i64 > start);
    assert_eq!(ok(&mut c, &["SAVE"]), Value::Okay);
    let after = int(&mut c, &["LASTSAVE"]);
    assert!(after > start, "LASTSAVE {start} -> {after}");
    assert_eq!(info_field(&mut c, "rdb_last_save_time"), after.to_string());
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");

    for i in 0..3 {
        ok(&mut c, &["SET", &format!("k{i}"), "w"]);
    }
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "3");
    let started = status(ok(&mut c, &["BGSAVE"]));
    assert_eq!(started, "Background saving started");
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
}

// ---- DUMP / RESTORE ----

/// DUMP on `from` and RESTORE (no TTL) on `to` of every key `typed_keys` lists; returns them.
fn move_all(from: &mut redis::Connection, to: &mut redis::Connection) -> Vec<String> {
    let keys = typed_keys(from);
    for key in &keys {
        let Value::BulkString(payload) = okb(from, &[b"DUMP", key.as_bytes()]) else {
            panic!("DUMP {key}: not a bulk string");
        };
        let r = okb(to, &[b"RESTORE", key.as_bytes(), b"0", &payload]);
        assert_eq!(r, Value::Okay, "RESTORE {key}");
    }
    keys
}

/// DUMP payloads (RDB value + version + CRC64) move between Redis and ferrodis both ways, for
/// every type and encoding.
#[test]
fn dump_payloads_restore_across_redis_and_ferrodis() {
    let source = Server::start_redis(&[]);
    let ours = Server::start(&[]);
    let back = Server::start_redis(&[]);
    let (mut rc, mut fc, mut bc) = (source.conn(), ours.conn(), back.conn());
    fill_types(&mut rc);
    let keys = move_all(&mut rc, &mut fc);
    assert!(keys.len() >= 20);
    assert_eq!(
        digest(&mut fc),
        digest(&mut rc),
        "Redis payloads restored into ferrodis"
    );
    let (ours_values, redis_values) = (read_back(&mut fc), read_back(&mut rc));
    assert_same_values(&ours_values[..10], &redis_values[..10], "restored");
    for key in &keys {
        assert_eq!(
            encoding(&mut fc, key),
            encoding(&mut rc, key),
            "encoding of {key}"
        );
    }
    move_all(&mut fc, &mut bc);
    assert_eq!(
        digest(&mut bc),
        digest(&mut fc),
        "ferrodis payloads restored into Redis"
    );
    for key in &keys {
        assert_eq!(
            encoding(&mut bc, key),
            encoding(&mut rc, key),
            "encoding of {key}"
        );
    }
    // Compact encodings are Redis's listpacks and intsets byte for byte.
    for key in [
        "str:int",
        "str:embstr",
        "hash:small",
        "zset:small",
        "set:int",
        "set:int64",
    ] {
        let ours = okb(&mut fc, &[b"DUMP", key.as_bytes()]);
        assert_eq!(ours, okb(&mut rc, &[b"DUMP", key.as_bytes()]), "DUMP {key}");
    }
}

fn dump(c: &mut redis::Connection, key: &str) -> Vec<u8> {
    bulk(c, &["DUMP", key])
}

/// RESTORE's errors and options, each checked on Redis and ferrodis alike.
#[test]
fn restore_errors_and_options_match_redis() {
    let ours = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    for server in [&redis, &ours] {
        let mut c = server.conn();
        ok(&mut c, &["RPUSH", "src", "a", "b", "c"]);
        let payload = dump(&mut c, "src");

        let busy = err(&mut c, &[b"RESTORE", b"src", b"0", &payload]);
        assert_eq!(busy, "BUSYKEY Target key name already exists.");
        ok(&mut c, &["SET", "other", "x"]);
        okb(&mut c, &[b"RESTORE", b"other", b"0", &payload, b"REPLACE"]);
        assert_eq!(int(&mut c, &["LLEN", "other"]), 3);

        let mut bad = payload.clone();
        *bad.last_mut().unwrap() ^= 0x01;
        let checksum = err(&mut c, &[b"RESTORE", b"bad", b"0", &bad]);
        assert_eq!(checksum, "ERR DUMP payload version or checksum are wrong");
        let mut newer = payload.clone();
        let version_at = newer.len() - 10;
        newer[version_at] = 200;
        let version = err(&mut c, &[b"RESTORE", b"bad", b"0", &newer]);
        assert_eq!(version, "ERR DUMP payload version or checksum are wrong");
        assert_eq!(int(&mut c, &["EXISTS", "bad"]), 0);

        let neg = err(&mut c, &[b"RESTORE", b"neg", b"-1", &payload]);
        assert_eq!(neg, "ERR Invalid TTL value, must be >= 0");
        let syntax = err(&mut c, &[b"RESTORE", b"syn", b"0", &payload, b"BOGUS"]);
        assert_eq!(syntax, "ERR syntax error");
        let idle = err(
            &mut c,
            &[b"RESTORE", b"syn", b"0", &payload, b"IDLETIME", b"-1"],
        );
        assert_eq!(idle, "ERR Invalid IDLETIME value, must be >= 0");

        // An absolute TTL in the past: OK, and no key.
        let past = okb(&mut c, &[b"RESTORE", b"past", b"1000", &payload, b"ABSTTL"]);
        assert_eq!(past, Value::Okay);
        assert_eq!(int(&mut c, &["EXISTS", "past"]), 0);

        okb(&mut c, &[b"RESTORE", b"ttl", b"100000", &payload]);
        let pttl = int(&mut c, &["PTTL", "ttl"]);
        assert!(pttl > 90_000 && pttl <= 100_000, "PTTL {pttl}");
        let at_ms = (unix_ms() + 200_000).to_string();
        okb(
            &mut c,
            &[b"RESTORE", b"abs", at_ms.as_bytes(), &payload, b"ABSTTL"],
        );
        let pttl = int(&mut c, &["PTTL", "abs"]);
        assert!(
            pttl > 190_000 && pttl <= 200_000,
            "PTTL {pttl} after ABSTTL"
        );

        okb(
            &mut c,
            &[b"RESTORE", b"idle", b"0", &payload, b"IDLETIME", b"1000"],
        );
        let idle_s = int(&mut c, &["OBJECT", "IDLETIME", "idle"]);
        assert!((1000..1100).contains(&idle_s), "OBJECT IDLETIME {idle_s}");
        assert_eq!(int(&mut c, &["PTTL", "idle"]), -1);
    }
}

// ---- Corrupt and unreadable files ----

/// A file of every type plus a marker value to flip, as ferrodis saves it.
fn saved_file() -> Vec<u8> {
    let s = Server::start(&[]);
    let mut c = s.conn();
    fill_types(&mut c);
    ok(&mut c, &["SET", "marker", "MARKER-0123456789"]); // < 20 bytes: never compressed
    ok(&mut c, &["SAVE"]);
    std::fs::read(s.dir.join("dump.rdb")).unwrap()
}

/// rdbLoad on a truncated file: the start-up stops with exit code 1 and "Short read" (or an
/// internal error) in the log, never a half-loaded dataset; Redis does the same.
#[test]
fn truncated_rdb_stops_startup_with_short_read() {
    let file = saved_file();
    let len = file.len();
    for cut in [0, 5, 9, 30, len / 3, len / 2, len - 100, len - 9, len - 1] {
        let (code, log) = start_on_file(Kind::Ferrodis, &file[..cut]);
        assert_eq!(
            code,
            Some(1),
            "ferrodis on a file cut at {cut}/{len}:\n{log}"
        );
        assert!(
            log.contains("Short read") || log.contains("Internal error in RDB"),
            "cut at {cut}/{len}:\n{log}"
        );
        assert!(!log.contains("Ready to accept connections"), "{log}");
        assert!(!log.contains("panicked"), "{log}");
    }
    for cut in [9, len / 2, len - 1] {
        let (code, log) = start_on_file(Kind::Redis, &file[..cut]);
        assert_eq!(code, Some(1), "redis-server on a file cut at {cut}:\n{log}");
    }
}

/// rdbLoad with rdbchecksum: one flipped bit inside a value is a CRC error, exit code 1.
#[test]
fn bit_flipped_rdb_stops_startup_with_crc_error() {
    let mut file = saved_file();
    let at = file
        .windows(6)
        .position(|w| w == b"MARKER")
        .expect("marker in the file");
    file[at + 3] ^= 0x04;
    for kind in [Kind::Redis, Kind::Ferrodis] {
        let (code, log) = start_on_file(kind, &file);
        assert_eq!(code, Some(1), "{log}");
        assert!(log.contains("CRC error"), "{log}");
        assert!(!log.contains("Ready to accept connections"), "{log}");
    }
}

/// A dump.rdb that cannot be read: "Fatal error loading", exit code 1. A directory in its
/// place works as root too; chmod 000 only for other users.
#[test]
fn unreadable_rdb_stops_startup_with_fatal_error_loading() {
    for kind in [Kind::Redis, Kind::Ferrodis] {
        let dir = TestDir::new();
        std::fs::create_dir(dir.path.join("dump.rdb")).unwrap();
        let (code, log) = run_until_exit(kind, &dir.path, &[]);
        assert_eq!(code, Some(1), "{log}");
        // Redis opens the directory and fails its first read ("Short read"); we say why.
        if kind == Kind::Ferrodis {
            assert!(log.contains("Fatal error loading"), "{log}");
        }
    }
    if is_root() {
        eprintln!("running as root: skipping the chmod 000 case");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = TestDir::with_dump_bytes(&saved_file());
    let path = dir.path.join("dump.rdb");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (code, log) = run_until_exit(Kind::Ferrodis, &dir.path, &[]);
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Fatal error loading"), "{log}");
}

/// No dump.rdb: the server starts empty.
#[test]
fn missing_rdb_starts_empty() {
    let dir = TestDir::new();
    std::fs::write(dir.path.join("other.rdb"), saved_file()).unwrap();
    let s = Server::start_in(Kind::Ferrodis, &dir.path, &[]);
    let mut c = s.conn();
    assert_eq!(int(&mut c, &["DBSIZE"]), 0);
    assert_eq!(info_field(&mut c, "loading"), "0");
    assert!(!s.log_text().contains("Fatal"));
    let dir = s.into_dir();
    // The same directory, told to load other.rdb, has the keys: the empty start was the
    // missing file's doing.
    let s = Server::start_in(Kind::Ferrodis, &dir.path, &["--dbfilename", "other.rdb"]);
    assert!(int(&mut s.conn(), &["DBSIZE"]) >= 20);
}

// ---- Loading ----

/// While the dataset loads, commands that need it get -LOADING and INFO says loading:1; once
/// done, loading:0 and every key is there.
#[test]
fn loading_replies_loading_error_and_info_loading() {
    let maker = Server::start(&[]);
    let mut c = maker.conn();
    ok(&mut c, &["DEBUG", "POPULATE", "20000"]);
    ok(&mut c, &["SAVE"]);
    let dir = TestDir::with_dump(&maker.dir.join("dump.rdb"));
    drop(maker); // done with it: spare the two cores for the slow load

    let s = Server::start_in_no_wait(Kind::Ferrodis, &dir.path, &["--key-load-delay", "100"]);
    let mut raw = s.raw();
    let info = |raw: &mut common::Raw| {
        let r = raw.cmd(&[b"INFO", b"persistence"]);
        String::from_utf8_lossy(&r).into_owned()
    };
    wait_for("loading:1", || {
        info_value(&info(&mut raw), "loading") == "1"
    });
    let get = raw.cmd(&[b"GET", b"key:1"]);
    assert_eq!(get, b"-LOADING Redis is loading the dataset in memory\r\n");
    let during = info(&mut raw);
    assert_eq!(
        info_value(&during, "loading"),
        "1",
        "GET answered after the load ended"
    );
    assert!(during.contains("loading_total_bytes:"), "{during}");
    wait_for("loading:0", || {
        info_value(&info(&mut raw), "loading") == "0"
    });
    let mut c = s.conn();
    assert_eq!(int(&mut c, &["DBSIZE"]), 20000);
    assert_eq!(bulk(&mut c, &["GET", "key:1"]), b"value:1");
    assert_eq!(info_field(&mut c, "rdb_last_load_keys_loaded"), "20000");
}

// ---- BGSAVE ----

/// Fills `n` keys `k:<i>` with MSET (so they count as changes, unlike DEBUG POPULATE).
fn mset_keys(c: &mut redis::Connection, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let items: Vec<String> = chunk
            .iter()
            .flat_map(|i| [format!("k:{i}"), format!("v:{i}")])
            .collect();
        push_all(c, &["MSET"], &items);
    }
}

/// A background save is the dataset when BGSAVE ran, not later writes, and writes from other
/// clients are answered while it runs; the memory they made the snapshot copy is reported.
#[test]
fn bgsave_under_writes_saves_the_dataset_at_its_start() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let mut w = s.conn();
    mset_keys(&mut c, 20000);
    ok(&mut c, &["HSET", "h", "f", "v"]);
    ok(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "50"]);
    let before = digest(&mut c);
    assert_eq!(status(ok(&mut c, &["BGSAVE"])), "Background saving started");

    let mut answered_while_saving = 0;
    for round in 0..20000 {
        assert_eq!(
            ok(&mut w, &["SET", &format!("k:{round}"), "overwritten"]),
            Value::Okay
        );
        assert_eq!(int(&mut w, &["DEL", &format!("k:{}", 19999 - round)]), 1);
        assert_eq!(
            ok(&mut w, &["SET", &format!("new:{round}"), "x"]),
            Value::Okay
        );
        int(&mut w, &["HSET", "h", &format!("f{round}"), "v"]);
        if info_field(&mut w, "rdb_bgsave_in_progress") != "1" {
            break;
        }
        answered_while_saving += 1;
    }
    assert!(
        answered_while_saving > 0,
        "no write was answered while the save ran"
    );
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let after = digest(&mut c);
    assert_ne!(after, before, "the writes changed the dataset");
    let cow: u64 = info_field(&mut c, "rdb_last_cow_size").parse().unwrap();
    assert!(
        cow > 0,
        "rdb_last_cow_size is 0 after writes during a BGSAVE"
    );

    let dir = TestDir::with_dump(&s.dir.join("dump.rdb"));
    let check = Server::start_in(Kind::Ferrodis, &dir.path, &[]);
    let mut cc = check.conn();
    assert_eq!(
        digest(&mut cc),
        before,
        "the snapshot is not the dataset at BGSAVE"
    );
    assert_eq!(int(&mut cc, &["DBSIZE"]), 20001);
}

/// FLUSHALL kills a running BGSAVE (rdbRemoveTempFile): nothing is written and the changes
/// stay unsaved; the save status stays ok.
#[test]
fn flushall_cancels_a_running_bgsave() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    mset_keys(&mut c, 20000);
    ok(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "100"]);
    assert_eq!(status(ok(&mut c, &["BGSAVE"])), "Background saving started");
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1");
    ok(&mut c, &["FLUSHALL"]);
    wait_bgsave_done(&mut c);
    let temp_files = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("temp-"))
            .count()
    };
    wait_for("the temp file to be removed", || temp_files(&s.dir) == 0);
    assert!(
        !s.dir.join("dump.rdb").exists(),
        "the cancelled save wrote dump.rdb"
    );
    let changes: u64 = info_field(&mut c, "rdb_changes_since_last_save")
        .parse()
        .unwrap();
    assert!(changes >= 20000, "rdb_changes_since_last_save {changes}");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut c, "rdb_saves"), "0");
}

/// bgsaveCommand: while an RDB save runs, BGSAVE, BGSAVE SCHEDULE and SAVE are errors
/// (SCHEDULE only defers a save behind another kind of child, AOF rewrite), on Redis and here.
#[test]
fn bgsave_schedule_and_save_while_saving_are_errors() {
    let ours = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    for server in [&redis, &ours] {
        let mut c = server.conn();
        mset_keys(&mut c, 5000);
        ok(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "200"]);
        assert_eq!(status(ok(&mut c, &["BGSAVE"])), "Background saving started");
        for cmd in [&[&b"BGSAVE"[..]][..], &[b"BGSAVE", b"SCHEDULE"], &[b"SAVE"]] {
            let text = err(&mut c, cmd);
            assert_eq!(text, "ERR Background save already in progress", "{cmd:?}");
        }
        ok(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
        wait_bgsave_done(&mut c);
        assert_eq!(
            info_field(&mut c, "rdb_saves"),
            "1",
            "no save was scheduled"
        );
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    }
}

/// bgsaveCommand: BGSAVE inside MULTI/EXEC replies "Background saving scheduled" and serverCron
/// runs the save after the transaction; BGSAVE SCHEDULE with nothing running starts at once.
#[test]
fn bgsave_inside_exec_is_scheduled_and_runs_later() {
    let ours = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    for server in [&redis, &ours] {
        let mut c = server.conn();
        mset_keys(&mut c, 100);
        ok(&mut c, &["MULTI"]);
        ok(&mut c, &["BGSAVE"]);
        let Value::Array(replies) = ok(&mut c, &["EXEC"]) else {
            panic!("EXEC: not an array");
        };
        assert_eq!(status(replies[0].clone()), "Background saving scheduled");
        wait_for("the scheduled save", || {
            info_field(&mut c, "rdb_saves") == "1"
        });
        wait_bgsave_done(&mut c);

        let started = status(ok(&mut c, &["BGSAVE", "SCHEDULE"]));
        assert_eq!(started, "Background saving started");
        wait_for("the second save", || info_field(&mut c, "rdb_saves") == "2");
        wait_bgsave_done(&mut c);
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
        assert!(server.dir.join("dump.rdb").exists());
    }
}

// ---- MISCONF ----

/// After a failed background save, with save points and stop-writes-on-bgsave-error, writes
/// get -MISCONF (Redis's text) and reads work; turning the option off lets writes through.
#[test]
fn failed_bgsave_denies_writes_with_misconf() {
    let args = ["--save", "900 1", "--enable-protected-configs", "yes"];
    let ours = Server::start(&args);
    let redis = Server::start_redis(&args);
    let mut texts = Vec::new();
    for server in [&redis, &ours] {
        let mut c = server.conn();
        ok(&mut c, &["SET", "a", "1"]);
        // A directory that vanishes after CONFIG SET dir chdir'ed into it: creating the temp
        // file fails with ENOENT, as root too.
        let gone = TestDir::new();
        ok(
            &mut c,
            &["CONFIG", "SET", "dir", &gone.path.display().to_string()],
        );
        std::fs::remove_dir_all(&gone.path).unwrap();
        assert_eq!(status(ok(&mut c, &["BGSAVE"])), "Background saving started");
        wait_bgsave_done(&mut c);
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
        let denied = err(&mut c, &[b"SET", b"b", b"2"]);
        assert!(denied.starts_with("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."), "{denied}");
        assert_eq!(bulk(&mut c, &["GET", "a"]), b"1");
        assert_eq!(int(&mut c, &["EXISTS", "b"]), 0);
        texts.push(denied);
        ok(
            &mut c,
            &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
        );
        assert_eq!(ok(&mut c, &["SET", "b", "2"]), Value::Okay);
    }
    assert_eq!(texts[0], texts[1], "MISCONF text differs from Redis's");
    let log = ours.log_text();
    assert!(log.contains("Background saving error"), "{log}");
}

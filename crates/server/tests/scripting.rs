//! Lua scripting (issue 7, first part): EVAL/EVALSHA/SCRIPT replies compared byte for byte
//! with a real redis-server 7.0.15, and a script's writes replicated as its effects.

mod common;

use common::{Kind, Server, reply};
use std::time::{Duration, Instant};

/// Scripts whose replies (values and errors) must be Redis's exactly.
const CORPUS: &[(&str, &[&str])] = &[
    ("return 1", &[]),
    ("return 'x'", &[]),
    ("return 3.99", &[]),
    ("return -2.5", &[]),
    ("return true", &[]),
    ("return false", &[]),
    ("return nil", &[]),
    ("return {1, 'two', {3, 4}, false, 5}", &[]),
    ("return {1, nil, 3}", &[]),
    ("return redis.status_reply('FINE')", &[]),
    ("return redis.error_reply('MYERR bad thing')", &[]),
    ("return {ok='PONG'}", &[]),
    ("return {err='ERR custom'}", &[]),
    ("return redis.sha1hex('abc')", &[]),
    ("return KEYS", &["2", "k1", "k2", "a1"]),
    ("return ARGV", &["1", "k1", "a1", "a2"]),
    (
        "return redis.call('SET', KEYS[1], ARGV[1])",
        &["1", "s1", "v1"],
    ),
    ("return redis.call('GET', KEYS[1])", &["1", "s1"]),
    ("return redis.call('GET', 'nosuchkey')", &["0"]),
    ("return redis.call('INCRBY', 'n', 5)", &["0"]),
    ("return redis.call('INCRBYFLOAT', 'f', 1.5)", &["0"]),
    (
        "redis.call('RPUSH', 'l', 'a', 'b', 'c'); return redis.call('LRANGE', 'l', 0, -1)",
        &["0"],
    ),
    ("return redis.call('HSET', 'h', 'f', 1)", &["0"]),
    ("return redis.call('PING')", &["0"]),
    ("return redis.pcall('LPUSH', 's1', 'x')", &["0"]),
    ("return redis.call('LPUSH', 's1', 'x')", &["0"]),
    ("return redis.pcall('nosuchcommand')", &["0"]),
    ("return redis.call('nosuchcommand')", &["0"]),
    ("return redis.pcall('GET')", &["0"]),
    ("return redis.pcall('MULTI')", &["0"]),
    ("return nosuchvariable", &["0"]),
    ("return type(redis.call('GET', 'nosuchkey'))", &["0"]),
    ("local t = redis.call('HGETALL', 'h'); return #t", &["0"]),
    ("return redis.call('EXISTS', 's1', 'n', 'zz')", &["0"]),
    ("x = 1", &["0"]),
    ("redis.call = nil", &["0"]),
    (
        "redis.log(redis.LOG_WARNING, 'from a script'); return redis.LOG_NOTICE",
        &["0"],
    ),
    (
        "return redis.LOG_DEBUG .. redis.LOG_VERBOSE .. redis.LOG_WARNING",
        &["0"],
    ),
    ("redis.breakpoint(); redis.debug('x'); return 1", &["0"]),
    ("local t = {} t.x = 1 return t.x", &["0"]),
    ("return string.format('%d-%s', 5, 'a')", &["0"]),
];

fn eval_reply(s: &Server, script: &str, rest: &[&str]) -> Vec<u8> {
    let mut raw = s.raw();
    let mut args: Vec<&[u8]> = vec![b"EVAL", script.as_bytes()];
    if rest.is_empty() {
        args.push(b"0");
    } else {
        args.extend(rest.iter().map(|a| a.as_bytes()));
    }
    raw.cmd(&args)
}

#[test]
fn eval_replies_match_redis() {
    let ours = Server::start(&[]);
    let redis = Server::start_redis(&[]);
    for (script, rest) in CORPUS {
        let a = eval_reply(&ours, script, rest);
        let b = eval_reply(&redis, script, rest);
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "EVAL {script:?} {rest:?}"
        );
    }
}

#[test]
fn script_cache_and_evalsha_match_redis() {
    for kind in [Kind::Ferrodis, Kind::Redis] {
        let s = Server::start_kind(kind, &[]);
        let mut c = s.conn();
        let sha: String = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg("return ARGV[1]")
            .query(&mut c)
            .unwrap();
        assert_eq!(sha, "098e0f0d1448c0a81dafe820f66d460eb09263da");
        let v: String = redis::cmd("EVALSHA")
            .arg(&sha)
            .arg(0)
            .arg("hi")
            .query(&mut c)
            .unwrap();
        assert_eq!(v, "hi");
        let exists: Vec<i64> = redis::cmd("SCRIPT")
            .arg("EXISTS")
            .arg(&sha)
            .arg("ffff")
            .query(&mut c)
            .unwrap();
        assert_eq!(exists, vec![1, 0]);
        let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut c).unwrap();
        let err = redis::cmd("EVALSHA")
            .arg(&sha)
            .arg(0)
            .query::<String>(&mut c)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("No matching script. Please use EVAL."),
            "{err}"
        );
        let err = redis::cmd("EVAL")
            .arg("return 1")
            .arg(-1)
            .query::<i64>(&mut c)
            .unwrap_err();
        assert!(
            err.to_string().contains("Number of keys can't be negative"),
            "{err}"
        );
        let err = redis::cmd("EVAL")
            .arg("return 1")
            .arg(3)
            .arg("a")
            .query::<i64>(&mut c)
            .unwrap_err();
        assert!(
            err.to_string().contains("greater than number of args"),
            "{err}"
        );
    }
}

/// A script's writes reach a replica as the writes themselves, wrapped in MULTI/EXEC, in both
/// directions with real Redis; the digests agree.
#[test]
fn script_effects_replicate_to_a_redis_replica() {
    let master = Server::start(&["--repl-diskless-sync-delay", "0"]);
    let replica = Server::start_redis(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
    let mut m = master.conn();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut replica.conn())
            .unwrap();
        if info.contains("master_link_status:up") {
            break;
        }
        assert!(Instant::now() < deadline, "replica did not sync");
        std::thread::sleep(Duration::from_millis(50));
    }
    let script = "redis.call('SET', KEYS[1], 'a'); redis.call('INCR', KEYS[2]); redis.call('RPUSH', KEYS[3], 'x', 'y'); redis.call('EXPIRE', KEYS[1], 100); return redis.call('SPOP', 'none')";
    let _: redis::Value = redis::cmd("EVAL")
        .arg(script)
        .arg(3)
        .arg("a")
        .arg("b")
        .arg("c")
        .query(&mut m)
        .unwrap();
    let digest = |s: &Server| -> String {
        let v = reply(&mut s.conn(), &[b"DEBUG", b"DIGEST"]);
        format!("{v:?}")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while digest(&master) != digest(&replica) {
        assert!(Instant::now() < deadline, "digests differ");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ttl: i64 = redis::cmd("TTL")
        .arg("a")
        .query(&mut replica.conn())
        .unwrap();
    assert!(ttl > 0 && ttl <= 100, "{ttl}");
}

/// Writes from scripts meet the same walls as client writes, with Redis's texts: EVAL_RO
/// refuses them, a read-only replica answers READONLY, min-replicas-to-write NOREPLICAS.
#[test]
fn script_writes_are_refused_where_redis_refuses_them() {
    let write = "return redis.call('SET', 'x', '1')";
    for kind in [Kind::Ferrodis, Kind::Redis] {
        let master = Server::start_kind(kind, &[]);
        let replica = Server::start_kind(
            kind,
            &["--replicaof", "127.0.0.1", &master.port.to_string()],
        );
        let strip_sha = |v: Vec<u8>| -> String {
            let t = String::from_utf8_lossy(&v).into_owned();
            t.split(" script: ").next().unwrap_or("").to_string()
        };
        let mut raw = master.raw();
        let ro = strip_sha(raw.cmd(&[b"EVAL_RO", write.as_bytes(), b"0"]));
        assert_eq!(
            ro,
            "-ERR Write commands are not allowed from read-only scripts."
        );
        let read = raw.cmd(&[b"EVAL_RO", b"return redis.call('GET', 'x')", b"0"]);
        assert_eq!(read, b"$-1\r\n");
        let mut raw = replica.raw();
        let on_replica = strip_sha(raw.cmd(&[b"EVAL", write.as_bytes(), b"0"]));
        assert_eq!(
            on_replica,
            "-READONLY You can't write against a read only replica."
        );
        let mut raw = master.raw();
        raw.cmd(&[b"CONFIG", b"SET", b"min-replicas-to-write", b"5"]);
        let refused = strip_sha(raw.cmd(&[b"EVAL", write.as_bytes(), b"0"]));
        assert_eq!(refused, "-NOREPLICAS Not enough good replicas to write.");
    }
}

/// `redis.set_repl(redis.REPL_NONE)` keeps the writes that follow off the replication stream,
/// as in Redis (the replica then lacks them); `REPL_ALL` turns propagation back on.
#[test]
fn set_repl_controls_what_replicas_get() {
    for kind in [Kind::Ferrodis, Kind::Redis] {
        let master = Server::start_kind(kind, &["--repl-diskless-sync-delay", "0"]);
        let replica = Server::start_kind(
            kind,
            &["--replicaof", "127.0.0.1", &master.port.to_string()],
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let info: String = redis::cmd("INFO")
                .arg("replication")
                .query(&mut replica.conn())
                .unwrap();
            if info.contains("master_link_status:up") {
                break;
            }
            assert!(Instant::now() < deadline, "replica did not sync");
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut m = master.conn();
        let script = "redis.set_repl(redis.REPL_NONE); redis.call('SET', 'hidden', '1'); redis.set_repl(redis.REPL_ALL); redis.call('SET', 'shown', '2'); return redis.replicate_commands()";
        let r: i64 = redis::cmd("EVAL").arg(script).arg(0).query(&mut m).unwrap();
        assert_eq!(r, 1);
        let mut rc = replica.conn();
        let deadline = Instant::now() + Duration::from_secs(20);
        while redis::cmd("GET")
            .arg("shown")
            .query::<Option<String>>(&mut rc)
            .unwrap()
            .is_none()
        {
            assert!(Instant::now() < deadline, "shown never arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
        let hidden: Option<String> = redis::cmd("GET").arg("hidden").query(&mut rc).unwrap();
        assert_eq!(
            hidden,
            None,
            "{}",
            if kind == Kind::Redis {
                "redis"
            } else {
                "ferrodis"
            }
        );
        let bad = reply(&mut m, &[b"EVAL", b"redis.set_repl(42)", b"0"]);
        assert!(
            format!("{bad:?}").contains("Invalid replication flags"),
            "{bad:?}"
        );
    }
}

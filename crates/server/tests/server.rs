//! Server behaviour beyond the data commands: transactions and WATCH, pub/sub, connection
//! commands and authentication, INFO, CLIENT, SLOWLOG, LATENCY, MEMORY, COMMAND, DEBUG, limits
//! (maxclients, timeout), the unix socket, shutdown, and Redis's own tools (redis-cli,
//! redis-benchmark) against ferrodis. Where Redis's exact output is pinned, a real
//! redis-server 7.0 is run alongside as the reference.

mod common;

use common::{Kind, Raw, Server, err_text, q};
use ferrodis_resp::Frame;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

const BOTH: [(Kind, &str); 2] = [(Kind::Ferrodis, "ferrodis"), (Kind::Redis, "redis")];

/// Reply bytes as comparable text: CRLF shown as `\r\n`, bytes outside printable ASCII (and
/// tab, newline, carriage return) as `\xNN`, so no two byte strings look alike.
fn show(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for &c in b {
        match c {
            b' '..=b'~' | b'\t' | b'\n' | b'\r' => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.replace("\r\n", "\\r\\n")
}

/// Sends inline commands (one per line) and returns the text of `n` replies.
fn rt(raw: &mut Raw, commands: &str, n: usize) -> String {
    let mut payload = String::new();
    for line in commands.lines() {
        payload.push_str(line);
        payload.push_str("\r\n");
    }
    raw.send(payload.as_bytes());
    show(&raw.read_replies(n))
}

/// Parses every complete reply frame in `bytes`.
fn frames(bytes: &[u8]) -> Vec<Frame> {
    let limits = ferrodis_resp::Limits::default();
    let mut out = Vec::new();
    let mut at = 0;
    while let Ok(Some((f, used))) = ferrodis_resp::parse_frame(&bytes[at..], &limits) {
        out.push(f);
        at += used;
    }
    assert_eq!(at, bytes.len(), "trailing bytes: {}", show(&bytes[at..]));
    out
}

/// One command on a raw connection, its reply as a frame.
fn frame(raw: &mut Raw, args: &[&str]) -> Frame {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let bytes = raw.cmd(&args);
    let mut v = frames(&bytes);
    assert_eq!(v.len(), 1, "{}", show(&bytes));
    v.remove(0)
}

fn bulk_text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) => String::from_utf8_lossy(b).into_owned(),
        Frame::Verbatim { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("not a string: {other:?}"),
    }
}

/// Sends `payload` then QUIT on a new connection; returns the replies before QUIT's.
fn replies_then_quit(port: u16, payload: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    s.write_all(payload).unwrap();
    s.write_all(b"QUIT\r\n").unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("server closes after QUIT");
    assert!(got.ends_with(b"+OK\r\n"), "no QUIT reply: {}", show(&got));
    got.truncate(got.len() - 5);
    got
}

/// Replaces the client id in HELLO replies, which differs per server.
fn mask_ids(text: String) -> String {
    const ID: &str = "$2\\r\\nid\\r\\n:";
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(ID) {
        out.push_str(&rest[..at + ID.len()]);
        out.push_str("<id>");
        rest = &rest[at + ID.len()..];
        rest = &rest[rest.find("\\r").unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

fn assert_same_replies(f: &Server, r: &Server, payload: &str) -> String {
    let ours = mask_ids(show(&replies_then_quit(f.port, payload.as_bytes())));
    let theirs = mask_ids(show(&replies_then_quit(r.port, payload.as_bytes())));
    assert_eq!(
        ours, theirs,
        "replies differ from redis-server for {payload:?}"
    );
    ours
}

/// INFO [section] as a field map.
fn info(c: &mut redis::Connection, section: &str) -> BTreeMap<String, String> {
    let text: String = q(c, &["INFO", section]).expect("INFO");
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Polls `cond` until it holds; fails after a generous deadline.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// True if nothing arrives on `raw` for a short while (a command held by CLIENT PAUSE).
fn silent_for_a_while(raw: &mut Raw) -> bool {
    raw.s
        .set_read_timeout(Some(Duration::from_millis(300)))
        .ok();
    let mut b = [0u8; 64];
    let silent = matches!(raw.s.read(&mut b), Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut);
    raw.s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    silent
}

// ---- MULTI / EXEC / DISCARD / WATCH ---------------------------------------------------------

#[test]
fn multi_exec_discard_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let out = assert_same_replies(
        &f,
        &r,
        "MULTI\r\nSET a 1\r\nINCR a\r\nINCR a\r\nGET a\r\nEXEC\r\n\
         MULTI\r\nSET b 1\r\nDISCARD\r\nEXISTS b\r\n\
         EXEC\r\nDISCARD\r\n\
         MULTI\r\nMULTI\r\nWATCH a\r\nINCR a\r\nEXEC\r\n\
         SET s str\r\nMULTI\r\nINCR s\r\nSET t 1\r\nEXEC\r\nGET t\r\n\
         MULTI\r\nEXEC\r\n",
    );
    assert!(
        out.starts_with("+OK\\r\\n+QUEUED\\r\\n+QUEUED\\r\\n+QUEUED\\r\\n+QUEUED\\r\\n*4\\r\\n+OK\\r\\n:2\\r\\n:3\\r\\n$1\\r\\n3\\r\\n"),
        "{out}"
    );
    assert!(out.contains("-ERR MULTI calls can not be nested"), "{out}");
    assert!(
        out.contains("-ERR WATCH inside MULTI is not allowed"),
        "{out}"
    );
    // A runtime error inside EXEC does not stop the other commands.
    assert!(
        out.contains(
            "*2\\r\\n-ERR value is not an integer or out of range\\r\\n+OK\\r\\n$1\\r\\n1"
        ),
        "{out}"
    );
}

#[test]
fn execabort_after_unknown_command_or_wrong_arity() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let out = assert_same_replies(
        &f,
        &r,
        "MULTI\r\nSET a 1\r\nNOSUCHCMD x\r\nEXEC\r\nEXISTS a\r\n\
         MULTI\r\nSET a\r\nSET b 2\r\nEXEC\r\nEXISTS b\r\n\
         MULTI\r\nCONFIG NOSUCHSUB\r\nEXEC\r\n\
         MULTI\r\nSHUTDOWN\r\nEXEC\r\n",
    );
    assert_eq!(
        out.matches("-EXECABORT Transaction discarded because of previous errors.")
            .count(),
        4,
        "{out}"
    );
    assert!(
        !out.contains(":1\\r\\n"),
        "nothing of an aborted transaction ran: {out}"
    );
}

#[test]
fn monitor_inside_multi_is_refused_at_exec_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(&f, &r, "MULTI\r\nMONITOR\r\nPING\r\nEXEC\r\n");
}

/// Runs a WATCH scenario: `watcher` WATCHes, `other` runs `meddle`, then the watcher's EXEC.
fn watch_scenario(s: &Server, setup: &str, watch: &str, meddle: &str) -> String {
    let mut watcher = s.raw();
    let mut other = s.raw();
    if !setup.is_empty() {
        rt(&mut other, setup, setup.lines().count());
    }
    rt(&mut watcher, watch, watch.lines().count());
    if !meddle.is_empty() {
        rt(&mut other, meddle, meddle.lines().count());
    }
    rt(&mut watcher, "MULTI\nSET done 1\nEXEC", 3)
}

const EXEC_RAN: &str = "+OK\\r\\n+QUEUED\\r\\n*1\\r\\n+OK\\r\\n";
const EXEC_FAILED: &str = "+OK\\r\\n+QUEUED\\r\\n*-1\\r\\n";

#[test]
fn watch_fails_on_concurrent_modification() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let w = |setup, meddle| watch_scenario(&s, setup, "WATCH k", meddle);
        assert_eq!(w("SET k 1", ""), EXEC_RAN, "{name}: untouched");
        assert_eq!(w("SET k 1", "SET k 2"), EXEC_FAILED, "{name}: SET");
        assert_eq!(w("SET k 1", "INCR k"), EXEC_FAILED, "{name}: INCR");
        assert_eq!(w("SET k 1", "DEL k"), EXEC_FAILED, "{name}: DEL");
        assert_eq!(w("SET k 1", "EXPIRE k 100"), EXEC_FAILED, "{name}: EXPIRE");
        assert_eq!(w("DEL k", "SET k 1"), EXEC_FAILED, "{name}: created");
        assert_eq!(w("SET k 1", "RENAME k k2"), EXEC_FAILED, "{name}: RENAME");
        // Reads and writes to other keys or databases do not count.
        assert_eq!(w("SET k 1", "GET k\nSET other 1"), EXEC_RAN, "{name}: read");
        assert_eq!(
            w("SET k 1", "SELECT 1\nSET k 2"),
            EXEC_RAN,
            "{name}: other db"
        );
        // UNWATCH and a failed EXEC both forget the watch.
        assert_eq!(
            watch_scenario(&s, "SET k 1", "WATCH k\nUNWATCH", "SET k 2"),
            EXEC_RAN,
            "{name}: UNWATCH"
        );
    }
}

#[test]
fn watch_fails_on_flushdb_flushall_and_swapdb_like_redis() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let w = |setup, meddle| watch_scenario(&s, setup, "WATCH k", meddle);
        assert_eq!(w("SET k 1", "FLUSHDB"), EXEC_FAILED, "{name}: FLUSHDB");
        assert_eq!(w("SET k 1", "FLUSHALL"), EXEC_FAILED, "{name}: FLUSHALL");
        assert_eq!(
            w("SET k 1", "SWAPDB 0 1"),
            EXEC_FAILED,
            "{name}: SWAPDB away"
        );
        // Redis 7.0 only invalidates a watched key that existed in either swapped database.
        assert_eq!(
            w("FLUSHALL\nSELECT 1\nSET k 1\nSELECT 0", "SWAPDB 0 1"),
            EXEC_FAILED,
            "{name}: SWAPDB brings k in"
        );
        assert_eq!(
            w("FLUSHALL", "FLUSHDB"),
            EXEC_RAN,
            "{name}: FLUSHDB of a missing key"
        );
    }
}

/// Redis 7.0's touchAllWatchedKeysInDb: SWAPDB leaves alone a watched key that exists in
/// neither database.
#[test]
fn watch_survives_swapdb_when_the_key_is_in_neither_db() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let w = |setup, meddle| watch_scenario(&s, setup, "WATCH k", meddle);
        assert_eq!(w("FLUSHALL\nSET other 1", "SWAPDB 0 1"), EXEC_RAN, "{name}");
    }
}

#[test]
fn watch_fails_when_the_watched_key_expires() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut c = s.conn();
        // No active expiry and no access: only EXEC itself can notice the expiry.
        let _: () = q(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]).unwrap();
        let mut watcher = s.raw();
        rt(&mut watcher, "SET k 1 PX 100\nWATCH k", 2);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            rt(&mut watcher, "MULTI\nSET done 1\nEXEC", 3),
            EXEC_FAILED,
            "{name}"
        );
        // A key already expired when WATCHed does not fail EXEC (Redis 7.0).
        rt(&mut watcher, "SET k2 1 PX 1", 1);
        std::thread::sleep(Duration::from_millis(100));
        rt(&mut watcher, "WATCH k2", 1);
        assert_eq!(
            rt(&mut watcher, "MULTI\nSET done 1\nEXEC", 3),
            EXEC_RAN,
            "{name}"
        );
    }
}

/// Time is frozen for a whole EXEC: a key alive when EXEC starts stays alive inside it.
#[test]
fn time_is_frozen_inside_exec() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut raw = s.raw();
        let _ = rt(&mut raw, "DEBUG SET-ACTIVE-EXPIRE 0", 1);
        // One write, so EXEC starts right after SET; the sleep inside EXEC outlasts the TTL.
        let out = rt(
            &mut raw,
            "SET k v PX 500\nMULTI\nDEBUG SLEEP 1\nGET k\nPTTL k\nEXEC\nGET k",
            7,
        );
        // Inside EXEC the key is still alive after the sleep. (Redis 7.0 computes PTTL from
        // the wall clock even inside EXEC, so its value is not compared.)
        assert!(
            out.contains("*3\\r\\n+OK\\r\\n$1\\r\\nv\\r\\n:"),
            "{name}: GET inside EXEC did not see the key: {out}"
        );
        assert!(
            out.ends_with("$-1\\r\\n"),
            "{name}: the key expired after EXEC: {out}"
        );
    }
}

// ---- pub/sub --------------------------------------------------------------------------------

/// A subscriber's whole conversation, as raw bytes: subscriptions, messages published by
/// another client, the RESP2 context error, PING, unsubscriptions.
fn pubsub_transcript(s: &Server) -> String {
    let mut sub = s.raw();
    let mut publisher = s.raw();
    let mut t = rt(&mut sub, "SUBSCRIBE a b\nPSUBSCRIBE news.*", 3);
    t += &rt(
        &mut publisher,
        "PUBLISH a hello\nPUBLISH news.tech x\nPUBLISH nobody y\nPUBLISH b \"two words\"",
        4,
    );
    t += &show(&sub.read_replies(3));
    t += &rt(&mut publisher, "PUBSUB NUMSUB a b nobody\nPUBSUB NUMPAT", 2);
    t += &rt(&mut sub, "GET k\nPING\nPING hi\nUNSUBSCRIBE a", 4);
    t += &rt(&mut publisher, "PUBSUB NUMSUB a b", 1);
    t += &rt(&mut sub, "PUNSUBSCRIBE\nUNSUBSCRIBE\nUNSUBSCRIBE\nGET k", 4);
    t += &rt(&mut publisher, "PUBSUB NUMPAT\nPUBSUB CHANNELS", 2);
    t
}

#[test]
fn pubsub_resp2_conversation_is_byte_identical_to_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let ours = pubsub_transcript(&f);
    assert_eq!(ours, pubsub_transcript(&r));
    assert!(
        ours.contains("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
        "{ours}"
    );
    assert!(
        ours.contains("*2\\r\\n$4\\r\\npong\\r\\n$0\\r\\n\\r\\n"),
        "{ours}"
    );
}

#[test]
fn pubsub_channels_and_numsub_like_redis() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut subs: Vec<Raw> = (0..3).map(|_| s.raw()).collect();
        rt(&mut subs[0], "SUBSCRIBE news.tech news.art chat", 3);
        rt(&mut subs[1], "SUBSCRIBE news.tech", 1);
        rt(&mut subs[2], "PSUBSCRIBE news.* *", 2);
        let mut c = s.raw();
        let channels = |c: &mut Raw, args: &[&str]| -> BTreeSet<String> {
            match frame(c, args) {
                Frame::Array(v) => v.iter().map(bulk_text).collect(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            channels(&mut c, &["PUBSUB", "CHANNELS"]),
            ["chat", "news.art", "news.tech"].map(String::from).into(),
            "{name}"
        );
        assert_eq!(
            channels(&mut c, &["PUBSUB", "CHANNELS", "news.*"]),
            ["news.art", "news.tech"].map(String::from).into(),
            "{name}"
        );
        assert_eq!(
            rt(
                &mut c,
                "PUBSUB NUMSUB news.tech chat nope\nPUBSUB NUMPAT\nPUBSUB NUMSUB",
                3
            ),
            "*6\\r\\n$9\\r\\nnews.tech\\r\\n:2\\r\\n$4\\r\\nchat\\r\\n:1\\r\\n$4\\r\\nnope\\r\\n:0\\r\\n:2\\r\\n*0\\r\\n",
            "{name}"
        );
        // Publishing counts every receiving subscription, patterns included.
        assert_eq!(rt(&mut c, "PUBLISH news.tech m", 1), ":4\\r\\n", "{name}");
        // A closed subscriber is forgotten.
        drop(subs.remove(1));
        wait_for("the subscriber to be dropped", || {
            rt(&mut c, "PUBSUB NUMSUB news.tech", 1).ends_with(":1\\r\\n")
        });
    }
}

#[test]
fn resp3_subscriber_gets_push_frames_and_may_run_commands() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut sub = s.raw();
        rt(&mut sub, "HELLO 3", 1);
        assert_eq!(
            rt(&mut sub, "SUBSCRIBE ch\nSET k v\nGET k", 3),
            ">3\\r\\n$9\\r\\nsubscribe\\r\\n$2\\r\\nch\\r\\n:1\\r\\n+OK\\r\\n$1\\r\\nv\\r\\n",
            "{name}"
        );
        let mut c = s.conn();
        let _: i64 = q(&mut c, &["PUBLISH", "ch", "m"]).unwrap();
        assert_eq!(
            show(&sub.read_replies(1)),
            ">3\\r\\n$7\\r\\nmessage\\r\\n$2\\r\\nch\\r\\n$1\\r\\nm\\r\\n",
            "{name}"
        );
        assert_eq!(rt(&mut sub, "PING", 1), "+PONG\\r\\n", "{name}");
    }
}

// ---- connection commands and authentication ------------------------------------------------

#[test]
fn ping_echo_quit_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "PING\r\nPING hello\r\nPING a b\r\nECHO\r\nECHO \"x y\"\r\nECHO a b\r\nping\r\n",
    );
    for s in [&f, &r] {
        let mut raw = s.raw();
        assert_eq!(rt(&mut raw, "QUIT", 1), "+OK\\r\\n");
        assert!(raw.closed());
    }
}

#[test]
fn requirepass_noauth_and_wrongpass_like_redis() {
    let args = ["--requirepass", "s3cret"];
    let f = Server::start(&args);
    let r = Server::start_redis(&args);
    let out = assert_same_replies(
        &f,
        &r,
        "PING\r\nGET k\r\nAUTH wrong\r\nAUTH default wrong\r\nAUTH nobody s3cret\r\n\
         AUTH a b c\r\nSET k v\r\nAUTH s3cret\r\nGET k\r\nSET k v\r\nACL WHOAMI\r\n\
         AUTH default s3cret\r\nGET k\r\n",
    );
    assert!(
        out.starts_with("-NOAUTH Authentication required.\\r\\n"),
        "{out}"
    );
    assert!(
        out.contains("-WRONGPASS invalid username-password pair or user is disabled."),
        "{out}"
    );
    // CONFIG SET requirepass takes effect for new connections.
    let mut raw = f.raw();
    rt(&mut raw, "AUTH s3cret\nCONFIG SET requirepass other", 2);
    let mut fresh = f.raw();
    assert_eq!(
        rt(&mut fresh, "GET k\nAUTH s3cret\nAUTH other\nGET k", 4),
        "-NOAUTH Authentication required.\\r\\n-WRONGPASS invalid username-password pair or user is disabled.\\r\\n+OK\\r\\n$1\\r\\nv\\r\\n"
    );
}

#[test]
fn auth_without_requirepass_and_acl_whoami_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "AUTH foo\r\nAUTH default anything\r\nAUTH other x\r\nACL WHOAMI\r\nACL WHOAMI x\r\n",
    );
}

// ---- INFO -----------------------------------------------------------------------------------

fn info_field_names(s: &Server, section: &str) -> (Vec<String>, BTreeSet<String>) {
    let mut c = s.conn();
    let text: String = q(&mut c, &["INFO", section]).unwrap();
    let titles = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(String::from)
        .collect();
    let fields = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, _)| k.to_string())
        .filter(|k| k != "ferrodis_version")
        .collect();
    (titles, fields)
}

#[test]
fn info_sections_and_field_names_match_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    for s in [&f, &r] {
        // Something in every section: a key, a command, an error.
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "k", "v"]).unwrap();
        let _ = err_text(&mut c, &["INCR", "k"]);
    }
    for section in [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "keyspace",
        "errorstats",
    ] {
        let (ours_t, ours) = info_field_names(&f, section);
        let (theirs_t, theirs) = info_field_names(&r, section);
        assert_eq!(ours_t, theirs_t, "section titles of INFO {section}");
        let missing: Vec<_> = theirs.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&theirs).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "INFO {section}: missing {missing:?}, extra {extra:?}"
        );
    }
    for sections in ["", "everything", "all", "default", "keyspace server cpu"] {
        let (ours, _) = info_field_names(&f, sections);
        let (theirs, _) = info_field_names(&r, sections);
        assert_eq!(ours, theirs, "section order of INFO {sections}");
    }
    let mut c = f.conn();
    let ks = info(&mut c, "keyspace");
    assert_eq!(ks["db0"], "keys=1,expires=0,avg_ttl=0");
    let errs = info(&mut c, "errorstats");
    assert!(errs["errorstat_ERR"].starts_with("count="), "{errs:?}");
    let server = info(&mut c, "server");
    assert_eq!(server["redis_version"], "7.0.15");
    assert_eq!(server["tcp_port"], f.port.to_string());
    assert_eq!(server["process_id"], f.pid().to_string());
    assert_eq!(info(&mut c, "replication")["role"], "master");
}

#[test]
fn info_commandstats_format_like_redis() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut raw = s.raw();
        rt(&mut raw, "SET k v\nGET k\nGET k\nINCR k\nGET a b", 5);
        let mut c = s.conn();
        let stats = info(&mut c, "commandstats");
        let get = &stats["cmdstat_get"];
        assert!(get.starts_with("calls=2,usec="), "{name}: {get}");
        assert!(
            get.ends_with(",rejected_calls=1,failed_calls=0"),
            "{name}: {get}"
        );
        assert!(get.contains(",usec_per_call="), "{name}: {get}");
        assert!(
            stats["cmdstat_incr"].ends_with(",rejected_calls=0,failed_calls=1"),
            "{name}: {stats:?}"
        );
        let st = info(&mut c, "stats");
        assert!(
            st["total_commands_processed"].parse::<u64>().unwrap() >= 4,
            "{name}"
        );
        assert!(
            st["total_error_replies"].parse::<u64>().unwrap() >= 2,
            "{name}"
        );
    }
}

// ---- CLIENT ---------------------------------------------------------------------------------

/// `CLIENT LIST`/`CLIENT INFO` line as field pairs, in order.
fn client_fields(line: &str) -> Vec<(String, String)> {
    line.trim()
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("k=v");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn client_info(raw: &mut Raw) -> BTreeMap<String, String> {
    client_fields(&bulk_text(&frame(raw, &["CLIENT", "INFO"])))
        .into_iter()
        .collect()
}

#[test]
fn client_list_and_info_have_redis_fields() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let names = |s: &Server| -> Vec<String> {
        let mut raw = s.raw();
        let text = bulk_text(&frame(&mut raw, &["CLIENT", "LIST"]));
        client_fields(text.lines().next().unwrap())
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(names(&f), names(&r));

    let mut raw = f.raw();
    let id = match frame(&mut raw, &["CLIENT", "ID"]) {
        Frame::Integer(n) => n,
        other => panic!("{other:?}"),
    };
    rt(&mut raw, "CLIENT SETNAME worker\nSELECT 3", 2);
    let me = client_info(&mut raw);
    assert_eq!(me["id"], id.to_string());
    assert_eq!(me["name"], "worker");
    assert_eq!(me["db"], "3");
    assert_eq!(me["cmd"], "client|info");
    assert_eq!(me["flags"], "N");
    assert_eq!(me["resp"], "2");
    assert_eq!(me["laddr"], format!("127.0.0.1:{}", f.port));
    assert_eq!(me["addr"], raw.s.local_addr().unwrap().to_string());
    // The same line appears in CLIENT LIST, and CLIENT LIST ID filters.
    let list = bulk_text(&frame(&mut raw, &["CLIENT", "LIST", "ID", &id.to_string()]));
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains(&format!("id={id} ")) && list.contains("name=worker"));
    // Flags and protocol follow the client's state within one batch.
    rt(&mut raw, "CLIENT NO-EVICT on", 1);
    assert_eq!(client_info(&mut raw)["flags"], "e");
    rt(&mut raw, "CLIENT NO-EVICT off\nHELLO 3", 2);
    assert_eq!(client_info(&mut raw)["resp"], "3");
}

#[test]
fn client_list_type_and_flags_from_another_client() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut sub = s.raw();
        rt(&mut sub, "SUBSCRIBE ch", 1);
        let mut tx = s.raw();
        rt(&mut tx, "MULTI", 1);
        let mut c = s.raw();
        let pubsub = bulk_text(&frame(&mut c, &["CLIENT", "LIST", "TYPE", "pubsub"]));
        assert_eq!(pubsub.lines().count(), 1, "{name}: {pubsub}");
        assert!(
            pubsub.contains(" flags=P ") && pubsub.contains(" sub=1 "),
            "{name}: {pubsub}"
        );
        let all = bulk_text(&frame(&mut c, &["CLIENT", "LIST"]));
        assert!(
            all.contains(" flags=x ") && all.contains(" multi=0 "),
            "{name}: {all}"
        );
        assert_eq!(
            rt(&mut c, "CLIENT LIST TYPE nosuch", 1),
            "-ERR Unknown client type 'nosuch'\\r\\n",
            "{name}"
        );
    }
}

#[test]
fn client_setname_getname_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "CLIENT GETNAME\r\nCLIENT SETNAME \"a b\"\r\nCLIENT SETNAME \"x\\ny\"\r\n\
         CLIENT SETNAME good-name\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\n\
         CLIENT SETNAME\r\nCLIENT NOSUCH\r\n",
    );
}

#[test]
fn client_kill_by_addr_id_type_and_skipme() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut me = s.raw();
        let my_id = match frame(&mut me, &["CLIENT", "ID"]) {
            Frame::Integer(n) => n,
            other => panic!("{other:?}"),
        };
        // Old form: CLIENT KILL ip:port. Each victim runs a command first, so the server has
        // surely registered it.
        let mut victim = s.raw();
        rt(&mut victim, "PING", 1);
        let addr = victim.s.local_addr().unwrap().to_string();
        assert_eq!(
            rt(&mut me, &format!("CLIENT KILL {addr}"), 1),
            "+OK\\r\\n",
            "{name}"
        );
        assert!(victim.closed(), "{name}: killed by old form");
        assert_eq!(
            rt(&mut me, &format!("CLIENT KILL {addr}"), 1),
            "-ERR No such client\\r\\n",
            "{name}"
        );
        // New form: ADDR, ID.
        let mut victim = s.raw();
        rt(&mut victim, "PING", 1);
        let addr = victim.s.local_addr().unwrap().to_string();
        assert_eq!(
            rt(&mut me, &format!("CLIENT KILL ADDR {addr}"), 1),
            ":1\\r\\n",
            "{name}"
        );
        assert!(victim.closed(), "{name}: ADDR");
        let mut victim = s.raw();
        let id = match frame(&mut victim, &["CLIENT", "ID"]) {
            Frame::Integer(n) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            rt(&mut me, &format!("CLIENT KILL ID {id}"), 1),
            ":1\\r\\n",
            "{name}"
        );
        assert!(victim.closed(), "{name}: ID");
        // TYPE pubsub kills subscribers only.
        let mut sub = s.raw();
        rt(&mut sub, "SUBSCRIBE ch", 1);
        let mut bystander = s.raw();
        rt(&mut bystander, "PING", 1);
        assert_eq!(
            rt(&mut me, "CLIENT KILL TYPE pubsub", 1),
            ":1\\r\\n",
            "{name}"
        );
        assert!(sub.closed(), "{name}: TYPE pubsub");
        assert_eq!(rt(&mut bystander, "PING", 1), "+PONG\\r\\n", "{name}");
        // TYPE normal skips the caller unless SKIPME no.
        assert_eq!(
            rt(&mut me, "CLIENT KILL TYPE normal", 1),
            ":1\\r\\n",
            "{name}"
        );
        assert!(bystander.closed(), "{name}: TYPE normal");
        assert_eq!(
            rt(&mut me, "PING", 1),
            "+PONG\\r\\n",
            "{name}: SKIPME yes by default"
        );
        assert_eq!(
            rt(&mut me, &format!("CLIENT KILL ID {my_id} SKIPME no"), 1),
            ":1\\r\\n",
            "{name}"
        );
        assert!(me.closed(), "{name}: SKIPME no");
        // Errors as Redis words them.
        let mut c = s.raw();
        assert_eq!(
            rt(
                &mut c,
                "CLIENT KILL ID 0\nCLIENT KILL TYPE foo\nCLIENT KILL SKIPME maybe\nCLIENT KILL FOO bar\nCLIENT KILL ID 999999",
                5
            ),
            "-ERR client-id should be greater than 0\\r\\n-ERR Unknown client type 'foo'\\r\\n-ERR syntax error\\r\\n-ERR syntax error\\r\\n:0\\r\\n",
            "{name}"
        );
    }
}

#[test]
fn client_pause_holds_commands_until_unpause() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut admin = s.raw();
        let mut writer = s.raw();
        rt(&mut writer, "SET k 1", 1);
        assert_eq!(
            rt(&mut admin, "CLIENT PAUSE 100000 WRITE", 1),
            "+OK\\r\\n",
            "{name}"
        );
        // Reads go on; writes wait.
        assert_eq!(rt(&mut writer, "GET k", 1), "$1\\r\\n1\\r\\n", "{name}");
        writer.send(b"INCR k\r\n");
        assert!(
            silent_for_a_while(&mut writer),
            "{name}: INCR ran during PAUSE WRITE"
        );
        assert_eq!(rt(&mut admin, "CLIENT UNPAUSE", 1), "+OK\\r\\n", "{name}");
        assert_eq!(show(&writer.read_replies(1)), ":2\\r\\n", "{name}");
        // PAUSE ALL holds reads too, until it ends by itself (in Redis even CLIENT UNPAUSE
        // waits for it, so only its timeout can end it).
        rt(&mut admin, "CLIENT PAUSE 3000", 1);
        writer.send(b"GET k\r\n");
        assert!(
            silent_for_a_while(&mut writer),
            "{name}: GET ran during PAUSE ALL"
        );
        writer
            .s
            .set_read_timeout(Some(Duration::from_secs(30)))
            .ok();
        assert_eq!(show(&writer.read_replies(1)), "$1\\r\\n2\\r\\n", "{name}");
        // A pause ends by itself.
        rt(&mut admin, "CLIENT PAUSE 200", 1);
        assert_eq!(rt(&mut writer, "INCR k", 1), ":3\\r\\n", "{name}");
        assert_eq!(
            rt(
                &mut admin,
                "CLIENT PAUSE abc\nCLIENT PAUSE -1\nCLIENT PAUSE 10 FOO\nCLIENT PAUSE 10 WRITE x",
                4
            ),
            "-ERR timeout is not an integer or out of range\\r\\n-ERR timeout is negative\\r\\n-ERR CLIENT PAUSE mode must be WRITE or ALL\\r\\n-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\\r\\n",
            "{name}"
        );
    }
}

#[test]
fn client_reply_off_skip_on_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let out = assert_same_replies(
        &f,
        &r,
        "CLIENT REPLY OFF\r\nPING a\r\nSET k 1\r\nCLIENT REPLY ON\r\nPING b\r\n\
         CLIENT REPLY SKIP\r\nPING c\r\nPING d\r\nCLIENT REPLY FOO\r\nGET k\r\n",
    );
    assert_eq!(
        out,
        "+OK\\r\\n$1\\r\\nb\\r\\n$1\\r\\nd\\r\\n-ERR syntax error\\r\\n$1\\r\\n1\\r\\n"
    );
}

#[test]
fn client_no_evict_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "CLIENT NO-EVICT on\r\nCLIENT NO-EVICT OFF\r\nCLIENT NO-EVICT maybe\r\nCLIENT NO-EVICT\r\n",
    );
}

// ---- TIME, LASTSAVE, SHUTDOWN, signals ----------------------------------------------------------

#[test]
fn time_and_lastsave() {
    let s = Server::start(&[]);
    let mut raw = s.raw();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    match frame(&mut raw, &["TIME"]) {
        Frame::Array(v) => {
            assert_eq!(v.len(), 2);
            let secs: i64 = bulk_text(&v[0]).parse().unwrap();
            let micros: i64 = bulk_text(&v[1]).parse().unwrap();
            assert!((secs - now).abs() < 3600, "TIME {secs} vs {now}");
            assert!((0..1_000_000).contains(&micros));
        }
        other => panic!("{other:?}"),
    }
    match frame(&mut raw, &["LASTSAVE"]) {
        Frame::Integer(t) => assert!(t <= now + 3600 && t > now - 3600, "LASTSAVE {t}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn shutdown_nosave_exits_0_and_says_goodbye() {
    let mut s = Server::start(&[]);
    let mut raw = s.raw();
    raw.send(b"SHUTDOWN NOSAVE\r\n");
    // SHUTDOWN does not reply on success: the connection just closes.
    assert!(raw.closed());
    assert_eq!(s.wait_exit(Duration::from_secs(20)), Some(0));
    let log = s.log_text();
    assert!(log.contains("User requested shutdown..."), "{log}");
    assert!(
        log.contains("Redis is now ready to exit, bye bye..."),
        "{log}"
    );
}

#[test]
fn shutdown_errors_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(&f, &r, "SHUTDOWN ABORT\r\nSHUTDOWN FOO\r\n");
}

#[test]
fn sigterm_shuts_down_cleanly() {
    for (kind, name) in BOTH {
        let mut s = Server::start_kind(kind, &[]);
        let mut idle = s.raw();
        s.signal("TERM");
        assert_eq!(s.wait_exit(Duration::from_secs(20)), Some(0), "{name}");
        assert!(idle.closed(), "{name}");
        let log = s.log_text();
        assert!(
            log.contains("Received SIGTERM scheduling shutdown..."),
            "{name}: {log}"
        );
        assert!(log.contains("ready to exit, bye bye"), "{name}: {log}");
    }
}

// ---- MONITOR, SLOWLOG, LATENCY, MEMORY --------------------------------------------------------

/// Reads MONITOR lines (`+<secs>.<micros> [<db> <addr>] "arg" ...`) until `n` have arrived.
fn monitor_lines(mon: &mut Raw, n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(&mon.read_replies(n)).into_owned();
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The part of a MONITOR line after its timestamp.
fn after_timestamp(line: &str) -> &str {
    let (ts, rest) = line.split_once(' ').expect("timestamp");
    let (secs, micros) = ts
        .trim_start_matches('+')
        .split_once('.')
        .expect("secs.micros");
    assert!(secs.parse::<u64>().is_ok() && micros.len() == 6, "{line}");
    rest
}

#[test]
fn monitor_output_format_like_redis() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut mon = s.raw();
        assert_eq!(rt(&mut mon, "MONITOR", 1), "+OK\\r\\n", "{name}");
        let mut c = s.raw();
        let addr = c.s.local_addr().unwrap().to_string();
        c.send(b"*3\r\n$3\r\nSET\r\n$3\r\nk\"\\\r\n$5\r\na\x01\nb\xff\r\n");
        c.read_replies(1);
        rt(&mut c, "GET k\nCONFIG GET port\nMULTI\nINCR n\nEXEC", 5);
        let lines = monitor_lines(&mut mon, 5);
        let got: Vec<&str> = lines.iter().map(|l| after_timestamp(l)).collect();
        assert_eq!(
            got,
            [
                format!("[0 {addr}] \"SET\" \"k\\\"\\\\\" \"a\\x01\\nb\\xff\""),
                format!("[0 {addr}] \"GET\" \"k\""),
                // CONFIG is an admin command: not shown.
                format!("[0 {addr}] \"MULTI\""),
                format!("[0 {addr}] \"INCR\" \"n\""),
                format!("[0 {addr}] \"EXEC\""),
            ],
            "{name}"
        );
    }
}

/// Redis feeds MONITOR after the command ran: SELECT shows the new database, and passwords
/// are redacted.
#[test]
fn monitor_shows_select_db_after_and_redacts_auth() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut mon = s.raw();
        rt(&mut mon, "MONITOR", 1);
        let mut c = s.raw();
        let addr = c.s.local_addr().unwrap().to_string();
        rt(&mut c, "SELECT 2\nAUTH secret", 2);
        let lines = monitor_lines(&mut mon, 2);
        let got: Vec<&str> = lines.iter().map(|l| after_timestamp(l)).collect();
        assert_eq!(
            got,
            [
                format!("[2 {addr}] \"SELECT\" \"2\""),
                format!("[2 {addr}] \"AUTH\" \"(redacted)\""),
            ],
            "{name}"
        );
    }
}

#[test]
fn slowlog_get_len_reset_like_redis() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &["--slowlog-log-slower-than", "0"]);
        let mut c = s.raw();
        let addr = c.s.local_addr().unwrap().to_string();
        rt(&mut c, "CLIENT SETNAME slowpoke\nSLOWLOG RESET", 2);
        let long_key = "k".repeat(200);
        let mut mset = vec!["MSET".to_string()];
        for i in 1..=20 {
            mset.push(format!("k{i}"));
            mset.push(format!("v{i}"));
        }
        rt(
            &mut c,
            &format!("SET {long_key} v\n{}\nAUTH x", mset.join(" ")),
            3,
        );
        let entries = match frame(&mut c, &["SLOWLOG", "GET", "3"]) {
            Frame::Array(v) => v,
            other => panic!("{other:?}"),
        };
        assert_eq!(entries.len(), 3, "{name}");
        let fields = |e: &Frame| -> (i64, Vec<String>, String, String) {
            match e {
                Frame::Array(f) if f.len() == 6 => {
                    let id = match f[0] {
                        Frame::Integer(n) => n,
                        _ => panic!("{f:?}"),
                    };
                    assert!(matches!(f[1], Frame::Integer(t) if t > 0));
                    assert!(matches!(f[2], Frame::Integer(us) if us >= 0));
                    let args = match &f[3] {
                        Frame::Array(a) => a.iter().map(bulk_text).collect(),
                        _ => panic!("{f:?}"),
                    };
                    (id, args, bulk_text(&f[4]), bulk_text(&f[5]))
                }
                other => panic!("{other:?}"),
            }
        };
        let (auth_id, auth, a, n) = fields(&entries[0]);
        assert_eq!(auth, ["AUTH", "(redacted)"], "{name}");
        assert_eq!(
            (a.as_str(), n.as_str()),
            (addr.as_str(), "slowpoke"),
            "{name}"
        );
        let (mset_id, args, _, _) = fields(&entries[1]);
        assert_eq!(args.len(), 32, "{name}");
        assert_eq!(args[31], "... (10 more arguments)", "{name}");
        assert_eq!(args[30], "v15", "{name}");
        let (set_id, args, _, _) = fields(&entries[2]);
        assert_eq!(
            args[1],
            format!("{}... (72 more bytes)", "k".repeat(128)),
            "{name}"
        );
        assert!(auth_id > mset_id && mset_id > set_id, "{name}: ids grow");
        let len = rt(&mut c, "SLOWLOG LEN", 1);
        assert!(len.starts_with(':') && len != ":0\\r\\n", "{name}: {len}");
        assert_eq!(rt(&mut c, "SLOWLOG RESET", 1), "+OK\\r\\n", "{name}");
        // SLOWLOG RESET itself is logged once it has run.
        assert_eq!(rt(&mut c, "SLOWLOG LEN", 1), ":1\\r\\n", "{name}");
        assert_eq!(
            rt(&mut c, "SLOWLOG GET -2\nSLOWLOG GET abc", 2),
            "-ERR count should be greater than or equal to -1\\r\\n-ERR count should be greater than or equal to -1\\r\\n",
            "{name}"
        );
        // Above the threshold nothing is logged.
        rt(
            &mut c,
            "CONFIG SET slowlog-log-slower-than 10000000\nSLOWLOG RESET\nPING",
            3,
        );
        assert_eq!(rt(&mut c, "SLOWLOG LEN", 1), ":0\\r\\n", "{name}");
    }
}

#[test]
fn latency_latest_and_doctor_like_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "LATENCY LATEST\r\nLATENCY DOCTOR\r\nLATENCY HISTORY command\r\nLATENCY RESET\r\n\
         CONFIG SET latency-monitor-threshold 10000\r\nLATENCY DOCTOR\r\nHELLO 3\r\nLATENCY DOCTOR\r\n",
    );
}

#[test]
fn memory_usage_and_doctor() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "MEMORY USAGE nokey\r\nSET k v\r\nMEMORY USAGE k SAMPLES\r\nMEMORY USAGE k SAMPLES x\r\n\
         MEMORY USAGE k FOO 1\r\nMEMORY DOCTOR\r\n",
    );
    let mut raw = f.raw();
    let small = match frame(&mut raw, &["MEMORY", "USAGE", "k"]) {
        Frame::Integer(n) => n,
        other => panic!("{other:?}"),
    };
    let value = "x".repeat(10_000);
    rt(&mut raw, &format!("SET big {value}"), 1);
    let big = match frame(&mut raw, &["MEMORY", "USAGE", "big", "SAMPLES", "0"]) {
        Frame::Integer(n) => n,
        other => panic!("{other:?}"),
    };
    assert!(
        small > 0 && (10_000..20_000).contains(&big),
        "small {small}, big {big}"
    );
}

// ---- COMMAND --------------------------------------------------------------------------------

/// COMMAND INFO of one command: name, arity, flags, first key, last key, step.
fn command_info(raw: &mut Raw, name: &str) -> Option<(String, i64, BTreeSet<String>, [i64; 3])> {
    let v = match frame(raw, &["COMMAND", "INFO", name]) {
        Frame::Array(mut v) => v.remove(0),
        other => panic!("{other:?}"),
    };
    let f = match v {
        Frame::Array(f) => f,
        Frame::Null => return None,
        other => panic!("{other:?}"),
    };
    let int = |f: &Frame| match f {
        Frame::Integer(n) => *n,
        other => panic!("{other:?}"),
    };
    let flags = match &f[2] {
        Frame::Array(v) | Frame::Set(v) => v.iter().map(bulk_text).collect(),
        other => panic!("{other:?}"),
    };
    Some((
        bulk_text(&f[0]),
        int(&f[1]),
        flags,
        [int(&f[3]), int(&f[4]), int(&f[5])],
    ))
}

#[test]
fn command_count_list_info_docs() {
    let s = Server::start(&[]);
    let mut raw = s.raw();
    let count = match frame(&mut raw, &["COMMAND", "COUNT"]) {
        Frame::Integer(n) => n,
        other => panic!("{other:?}"),
    };
    let all = match frame(&mut raw, &["COMMAND"]) {
        Frame::Array(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(all.len() as i64, count);
    let list = match frame(&mut raw, &["COMMAND", "LIST"]) {
        Frame::Array(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(list.len() as i64, count);
    let (name, arity, flags, keys) = command_info(&mut raw, "get").unwrap();
    assert_eq!((name.as_str(), arity, keys), ("get", 2, [1, 1, 1]));
    assert_eq!(flags, ["fast", "readonly"].map(String::from).into());
    let (name, arity, _, _) = command_info(&mut raw, "CONFIG|GET").unwrap();
    assert_eq!((name.as_str(), arity), ("config|get", -3));
    assert_eq!(command_info(&mut raw, "nosuchcommand"), None);
    // COMMAND DOCS: a map per command with summary, since and group.
    match frame(&mut raw, &["COMMAND", "DOCS", "get"]) {
        Frame::Array(v) => {
            assert_eq!(bulk_text(&v[0]), "get");
            let doc: Vec<String> = match &v[1] {
                Frame::Array(d) => d
                    .iter()
                    .filter_map(|f| match f {
                        Frame::Bulk(_) => Some(bulk_text(f)),
                        _ => None,
                    })
                    .collect(),
                other => panic!("{other:?}"),
            };
            for key in ["summary", "since", "group"] {
                assert!(doc.contains(&key.to_string()), "{doc:?}");
            }
            assert!(doc.contains(&"string".to_string()), "{doc:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        rt(
            &mut raw,
            "COMMAND GETKEYS SET a b\nCOMMAND GETKEYS PING x",
            2
        ),
        "*1\\r\\n$1\\r\\na\\r\\n-ERR The command has no key arguments\\r\\n"
    );
    assert_eq!(
        rt(
            &mut raw,
            "COMMAND GETKEYS PING\nCOMMAND GETKEYS GET a b\nCOMMAND GETKEYS NOSUCH x",
            3
        ),
        "-ERR wrong number of arguments for 'command|getkeys' command\\r\\n-ERR Invalid number of arguments specified for command\\r\\n-ERR Invalid command specified\\r\\n"
    );
}

/// Every command ferrodis implements has Redis's arity, flags and key positions, so clients
/// that route by COMMAND INFO (cluster clients, proxies) treat both alike.
#[test]
fn command_info_matches_redis_for_every_implemented_command() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let (mut fr, mut rr) = (f.raw(), r.raw());
    let names: Vec<String> = match frame(&mut fr, &["COMMAND", "LIST"]) {
        Frame::Array(v) => v.iter().map(bulk_text).collect(),
        other => panic!("{other:?}"),
    };
    let mut subcommands = Vec::new();
    for name in &names {
        let Frame::Array(mut v) = frame(&mut fr, &["COMMAND", "INFO", name]) else {
            continue;
        };
        if let Frame::Array(info) = v.remove(0)
            && let Some(Frame::Array(subs)) = info.get(9)
        {
            for s in subs {
                if let Frame::Array(sf) = s {
                    subcommands.push(bulk_text(&sf[0]));
                }
            }
        }
    }
    let mut differences = Vec::new();
    for name in names.iter().chain(&subcommands) {
        let ours = command_info(&mut fr, name);
        let theirs = command_info(&mut rr, name);
        if ours != theirs {
            differences.push(format!("{name}: ours {ours:?}\n      redis {theirs:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "COMMAND INFO differs:\n{}",
        differences.join("\n")
    );
}

// ---- DEBUG ----------------------------------------------------------------------------------

#[test]
fn debug_populate_object_sleep_log() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        "DEBUG POPULATE 3\r\nDBSIZE\r\nGET key:0\r\nGET key:2\r\nDEBUG POPULATE 2 p 12\r\n\
         GET p:1\r\nSET key:0 mine\r\nDEBUG POPULATE 5\r\nGET key:0\r\nDBSIZE\r\n\
         DEBUG POPULATE -1\r\nDEBUG POPULATE abc\r\nDEBUG SLEEP 0\r\nDEBUG SLEEP 0.01\r\n\
         DEBUG OBJECT nokey\r\nDEBUG NOSUCH\r\nDEBUG LOG hello-from-the-test\r\n",
    );
    for s in [&f, &r] {
        let mut raw = s.raw();
        rt(&mut raw, "SET str hello\nSET num 12345", 2);
        for (key, encoding) in [("str", "embstr"), ("num", "int")] {
            let text = bulk_text(&frame(&mut raw, &["DEBUG", "OBJECT", key]));
            assert!(text.starts_with("Value at:0x"), "{text}");
            assert!(
                text.contains(&format!(" encoding:{encoding} "))
                    && text.contains(" lru_seconds_idle:"),
                "{text}"
            );
        }
        assert!(
            s.log_text().contains("DEBUG LOG: hello-from-the-test"),
            "{}",
            s.log_text()
        );
    }
}

#[test]
fn debug_is_refused_unless_enabled() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &["--enable-debug-command", "no"]);
        let mut raw = s.raw();
        assert_eq!(
            rt(&mut raw, "DEBUG SLEEP 0", 1),
            "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\\r\\n",
            "{name}"
        );
    }
}

// ---- limits: maxclients, timeout --------------------------------------------------------------

#[test]
fn maxclients_refuses_with_redis_error() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &["--maxclients", "2"]);
        // The harness's readiness probe may still hold a slot for a moment.
        let admitted = || {
            let mut found = None;
            wait_for("a client slot", || {
                let mut raw = s.raw();
                raw.send(b"PING\r\n");
                let ok = raw.read_replies(1) == b"+PONG\r\n";
                if ok {
                    found = Some(raw);
                }
                ok
            });
            found.unwrap()
        };
        let _a = admitted();
        let b = admitted();
        let mut third = s.raw();
        assert_eq!(
            show(&third.read_replies(1)),
            "-ERR max number of clients reached\\r\\n",
            "{name}"
        );
        assert!(third.closed(), "{name}");
        drop(b);
        // Once a slot frees up, new clients are accepted again.
        let mut again = admitted();
        let text = bulk_text(&frame(&mut again, &["INFO", "stats"]));
        assert!(
            !text.contains("rejected_connections:0\r\n"),
            "{name}: {text}"
        );
    }
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &["--timeout", "1"]);
        let mut idle = s.raw();
        assert_eq!(rt(&mut idle, "PING", 1), "+PONG\\r\\n");
        let mut sub = s.raw();
        rt(&mut sub, "SUBSCRIBE ch", 1);
        idle.s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        // Closed by the server (Redis checks idle clients from its cron).
        assert!(idle.closed(), "{name}: idle client not closed");
        // Subscribers are exempt.
        let mut c = s.conn();
        let n: i64 = q(&mut c, &["PUBLISH", "ch", "still-here"]).unwrap();
        assert_eq!(n, 1, "{name}");
        assert!(show(&sub.read_replies(1)).contains("still-here"), "{name}");
    }
}

// ---- unix socket, redis-cli, redis-benchmark ---------------------------------------------------

#[test]
fn unixsocket_serves_clients() {
    let dir = std::env::temp_dir().join(format!("ferrodis-sock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("redis.sock").display().to_string();
    let s = Server::start(&["--unixsocket", &path, "--unixsocketperm", "700"]);
    let mut sock = std::os::unix::net::UnixStream::connect(&path).expect("connect unix socket");
    sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
    sock.write_all(b"SET viasock 1\r\nCLIENT INFO\r\n").unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while common::count_frames(&buf) < 2 {
        let n = sock.read(&mut chunk).unwrap();
        assert!(n > 0);
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    assert!(text.starts_with("+OK\r\n"), "{text}");
    assert!(text.contains(&format!("addr={path}:0 ")), "{text}");
    let mode = std::fs::metadata(&path).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.permissions().mode() & 0o777, 0o700);
    // redis-cli over the socket sees the same data.
    let out = Command::new("redis-cli")
        .args(["-s", &path, "GET", "viasock"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn redis_cli_works() {
    let s = Server::start(&[]);
    assert_eq!(s.cli(&["set", "a", "b"]).trim(), "OK");
    assert_eq!(s.cli(&["get", "a"]).trim(), "b");
    assert_eq!(s.cli(&["incr", "n"]).trim(), "1");
    assert_eq!(s.cli(&["ping"]).trim(), "PONG");
    assert!(s.cli(&["info", "server"]).contains("redis_version:7.0.15"));
    assert_eq!(s.cli(&["--no-raw", "get", "missing"]).trim(), "(nil)");
    let err = s.cli(&["incr", "a"]);
    assert!(
        err.contains("ERR value is not an integer or out of range"),
        "{err}"
    );
    // Piped commands, as `redis-cli < file` runs them.
    let mut child = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &s.port.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"set p1 v1\nmset p2 v2 p3 v3\nmget p1 p2 p3\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\nOK\nv1\nv2\nv3\n");
}

fn benchmark(s: &Server, extra: &[&str]) {
    let out = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &s.port.to_string()])
        .args(["-t", "set,get,incr,mset", "-n", "2000", "-q"])
        .args(extra)
        .output()
        .expect("run redis-benchmark");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        !stdout.contains("ERR") && !stderr.contains("ERR"),
        "{stdout}\n{stderr}"
    );
    // -q still draws progress lines ending in a carriage return; results follow the last one.
    let results: Vec<&str> = stdout
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| l.contains("requests per second"))
        .collect();
    for test in ["SET:", "GET:", "INCR:", "MSET (10 keys):"] {
        assert!(
            results.iter().any(|l| l.starts_with(test)),
            "no {test} result:\n{stdout}"
        );
    }
}

#[test]
fn redis_benchmark_runs_without_errors() {
    let s = Server::start(&[]);
    benchmark(&s, &[]);
    let mut c = s.conn();
    assert_eq!(
        q::<String>(&mut c, &["GET", "counter:__rand_int__"]).unwrap(),
        "2000"
    );
}

#[test]
fn redis_benchmark_pipelined_runs_without_errors() {
    let s = Server::start(&[]);
    benchmark(&s, &["-P", "16"]);
    let mut c = s.conn();
    assert_eq!(
        q::<String>(&mut c, &["GET", "counter:__rand_int__"]).unwrap(),
        "2000"
    );
}

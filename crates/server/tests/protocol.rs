//! The wire protocol as clients see it: RESP2 and RESP3 replies byte for byte against a real
//! redis-server 7.0, HELLO, inline commands, deep pipelines, and every protocol error with
//! Redis's text followed by the connection closing. Each test starts its own servers.

mod common;

use common::{Kind, Server, q};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Both servers, for tests that pin a behaviour on ferrodis and on redis-server alike.
const BOTH: [(Kind, &str); 2] = [(Kind::Ferrodis, "ferrodis"), (Kind::Redis, "redis")];

/// Appended to a payload so its replies can be read without knowing how many frames they are.
const END: &[u8] = b"ECHO __end__\r\n";
const END_REPLY: &[u8] = b"$7\r\n__end__\r\n";

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    s
}

/// Sends `payload` plus an ECHO marker and returns every reply byte before the marker's.
fn exchange(s: &mut TcpStream, payload: &[u8]) -> Vec<u8> {
    s.write_all(payload).expect("write");
    s.write_all(END).expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    while !buf.ends_with(END_REPLY) {
        match s.read(&mut chunk) {
            Ok(0) => panic!("connection closed; got {:?}", String::from_utf8_lossy(&buf)),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("read: {e}; got {:?}", String::from_utf8_lossy(&buf)),
        }
    }
    buf.truncate(buf.len() - END_REPLY.len());
    buf
}

/// Sends `payload` on a new connection and reads until the server closes it; panics if it
/// stays open (the read times out).
fn until_closed(port: u16, payload: &[u8]) -> Vec<u8> {
    let mut s = connect(port);
    // The server may close before taking all of a large payload; that is what is tested.
    let _ = s.write_all(payload);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return buf,
            Err(e) => panic!(
                "connection was not closed ({e}); got {:?}",
                String::from_utf8_lossy(&buf)
            ),
        }
    }
}

/// Replaces the client id in HELLO replies (`$2\r\nid\r\n:<n>\r\n`), which differs per server.
fn mask_ids(bytes: &[u8]) -> Vec<u8> {
    const ID: &[u8] = b"$2\r\nid\r\n:";
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(ID) {
            out.extend_from_slice(ID);
            out.extend_from_slice(b"<id>");
            i += ID.len();
            while i < bytes.len() && bytes[i] != b'\r' {
                i += 1;
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

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

/// Sends `payload` then QUIT (allowed in every state, even before AUTH) on a new connection;
/// returns the replies before QUIT's.
fn replies_then_quit(port: u16, payload: &[u8]) -> Vec<u8> {
    let mut all = payload.to_vec();
    all.extend_from_slice(b"QUIT\r\n");
    let mut got = until_closed(port, &all);
    assert!(got.ends_with(b"+OK\r\n"), "no QUIT reply: {}", show(&got));
    got.truncate(got.len() - 5);
    got
}

/// Runs the same payload on a fresh connection to each server; the replies must be equal.
fn assert_same_replies(ferrodis: &Server, redis: &Server, payload: &[u8]) -> Vec<u8> {
    let ours = mask_ids(&replies_then_quit(ferrodis.port, payload));
    let theirs = mask_ids(&replies_then_quit(redis.port, payload));
    assert_eq!(
        show(&ours),
        show(&theirs),
        "replies differ from redis-server for {:?}",
        show(payload)
    );
    ours
}

fn info_field(s: &Server, section: &str, field: &str) -> String {
    info_field_on(&mut s.conn(), section, field)
}

fn info_field_on(c: &mut redis::Connection, section: &str, field: &str) -> String {
    let text: String = q(c, &["INFO", section]).expect("INFO");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("INFO has no {field}"))
        .to_string()
}

const TYPES: &[&str] = &[
    "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push",
    "verbatim", "true", "false",
];

#[test]
fn resp2_replies_are_byte_identical_to_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let mut payload = String::from(
        "HELLO 2\r\nSET k v\r\nGET k\r\nGET nokey\r\nINCR n\r\nMGET k nokey\r\nDEL k n\r\n\
         CONFIG GET maxmemory\r\nCONFIG GET nosuchparam\r\nPING\r\nPING hi\r\nECHO \"\"\r\n\
         MULTI\r\nSET a 1\r\nGET a\r\nEXEC\r\nEXISTS a\r\nDEBUG PROTOCOL nosuch\r\n",
    );
    for t in TYPES {
        payload.push_str(&format!("DEBUG PROTOCOL {t}\r\n"));
    }
    let ours = assert_same_replies(&f, &r, payload.as_bytes());
    // Spot-check the RESP2 forms: null bulk, map flattened to an array, no push.
    let text = show(&ours);
    assert!(text.contains("$-1\\r\\n"), "{text}");
    assert!(
        text.contains("-ERR RESP2 is not supported by this command"),
        "{text}"
    );
}

#[test]
fn resp3_map_set_null_double_push_replies_are_byte_identical_to_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let mut payload = String::from(
        "HELLO 3\r\nGET nokey\r\nMGET nokey\r\nCONFIG GET maxmemory\r\nCLIENT GETNAME\r\n",
    );
    for t in TYPES {
        payload.push_str(&format!("DEBUG PROTOCOL {t}\r\n"));
    }
    let ours = assert_same_replies(&f, &r, payload.as_bytes());
    let text = show(&ours);
    for expected in [
        "%7\\r\\n$6\\r\\nserver\\r\\n$5\\r\\nredis\\r\\n",
        "%1\\r\\n$9\\r\\nmaxmemory\\r\\n$1\\r\\n0\\r\\n",
        ",3.141\\r\\n",
        "~3\\r\\n:0\\r\\n:1\\r\\n:2\\r\\n",
        ">2\\r\\n$16\\r\\nserver-cpu-usage\\r\\n:42\\r\\n",
        "(1234567999999999999999999999999999999\\r\\n",
        "=29\\r\\ntxt:",
        "|1\\r\\n",
        "#t\\r\\n",
        "_\\r\\n",
    ] {
        assert!(text.contains(expected), "missing {expected} in {text}");
    }
}

#[test]
fn resp3_pubsub_messages_are_push_frames_like_redis() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut sub = connect(s.port);
        let hello = exchange(&mut sub, b"HELLO 3\r\n");
        assert!(hello.starts_with(b"%7\r\n"));
        let confirm = exchange(&mut sub, b"SUBSCRIBE ch\r\nPSUBSCRIBE c*\r\n");
        assert_eq!(
            show(&confirm),
            show(b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n>3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n"),
        );
        // RESP3 subscribers may still run ordinary commands.
        assert_eq!(exchange(&mut sub, b"GET nokey\r\n"), b"_\r\n");
        let mut c = s.conn();
        let n: i64 = q(&mut c, &["PUBLISH", "ch", "hello"]).unwrap();
        assert_eq!(n, 2);
        let got = exchange(&mut sub, b"");
        assert_eq!(
            show(&got),
            show(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n>4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$5\r\nhello\r\n"),
            "{name}"
        );
    }
}

#[test]
fn hello_with_auth_and_setname_like_redis() {
    let args = ["--requirepass", "s3cret"];
    let f = Server::start(&args);
    let r = Server::start_redis(&args);
    // Refused before authenticating, then each error as Redis words it.
    assert_same_replies(
        &f,
        &r,
        b"HELLO 3\r\nGET k\r\nHELLO 3 AUTH default wrong\r\nHELLO 3 AUTH nobody s3cret\r\n\
          HELLO 3 AUTH default\r\nHELLO 4 AUTH default s3cret\r\nHELLO abc\r\n\
          HELLO 3 SETNAME \"a b\" AUTH default s3cret\r\nGET k\r\n\
          HELLO 3 AUTH default wrong SETNAME \"a b\"\r\nHELLO 3 AUTH default s3cret FOO\r\nGET k\r\n",
    );
    // One HELLO authenticates, switches to RESP3 and names the connection.
    let ours = assert_same_replies(
        &f,
        &r,
        b"HELLO 3 AUTH default s3cret SETNAME worker-1\r\nCLIENT GETNAME\r\nGET nokey\r\n\
          HELLO 2\r\nGET nokey\r\nACL WHOAMI\r\n",
    );
    let text = show(&ours);
    assert!(text.starts_with("%7\\r\\n"), "{text}");
    assert!(
        text.contains("$8\\r\\nworker-1\\r\\n_\\r\\n*14\\r\\n"),
        "{text}"
    );
    assert!(text.ends_with("$-1\\r\\n$7\\r\\ndefault\\r\\n"), "{text}");
}

#[test]
fn hello_errors_without_requirepass_match_redis() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(
        &f,
        &r,
        b"HELLO 1\r\nHELLO 4\r\nHELLO -1\r\nHELLO 3 FOO\r\nHELLO 3 SETNAME\r\n\
          HELLO 3 AUTH default anything\r\nHELLO 2 SETNAME n1 SETNAME n2\r\nCLIENT GETNAME\r\n",
    );
}

#[test]
fn redis_crate_resp3_connection_works() {
    let s = Server::start(&[]);
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/?protocol=resp3", s.port))
        .expect("client");
    let mut c = client.get_connection().expect("connect resp3");
    let _: () = q(&mut c, &["SET", "k", "v"]).unwrap();
    let v: Option<String> = q(&mut c, &["GET", "k"]).unwrap();
    assert_eq!(v.as_deref(), Some("v"));
    let missing: redis::Value = q(&mut c, &["GET", "nokey"]).unwrap();
    assert_eq!(missing, redis::Value::Nil);
    let cfg: redis::Value = q(&mut c, &["CONFIG", "GET", "maxmemory"]).unwrap();
    assert!(
        matches!(cfg, redis::Value::Map(ref m) if m.len() == 1),
        "{cfg:?}"
    );
}

#[test]
fn inline_commands_with_quotes_like_telnet() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let payload: &[u8] = b"SET k \"hello world\"\r\nGET k\r\n\
        SET k2 'it\\'s'\r\nGET k2\r\n\
        SET k3 \"tab\\there\\nnl \\x41\\x42 \\\"q\\\"\"\r\nGET k3\r\n\
        set   spaced    value  \r\nget spaced\r\n\
        GET k\n\
        \r\n\
        SET empty \"\"\r\nSTRLEN empty\r\n\
        ECHO \"\\xzz\"\r\n";
    let ours = assert_same_replies(&f, &r, payload);
    let text = show(&ours);
    assert!(
        text.starts_with("+OK\\r\\n$11\\r\\nhello world\\r\\n+OK\\r\\n$4\\r\\nit's\\r\\n"),
        "{text}"
    );
    assert!(text.contains("tab\there\nnl AB \"q\""), "{text}");
    assert!(
        text.contains("$5\\r\\nvalue\\r\\n$11\\r\\nhello world\\r\\n"),
        "{text}"
    );
}

#[test]
fn inline_ping_on_raw_socket_like_the_test_harness() {
    let s = Server::start(&[]);
    let mut raw = s.raw();
    raw.send(b"PING\r\n");
    assert_eq!(raw.read_replies(1), b"+PONG\r\n");
    // Empty lines and non-positive multibulk counts are skipped, as Redis skips them.
    raw.send(b"\r\n\n*0\r\n*-1\r\nPING\r\n");
    assert_eq!(raw.read_replies(1), b"+PONG\r\n");
}

#[test]
fn pipeline_of_10000_commands_in_one_write_replies_in_order() {
    let s = Server::start(&[]);
    let mut payload = Vec::new();
    for i in 0..10_000 {
        match i % 4 {
            0 => payload.extend_from_slice(format!("SET key:{i} v{i}\r\n").as_bytes()),
            1 => payload.extend_from_slice(format!("GET key:{}\r\n", i - 1).as_bytes()),
            2 => {
                let arg = i.to_string();
                payload.extend_from_slice(
                    format!("*2\r\n$4\r\nECHO\r\n${}\r\n{arg}\r\n", arg.len()).as_bytes(),
                )
            }
            _ => payload.extend_from_slice(b"INCR counter\r\n"),
        }
    }
    let mut raw = s.raw();
    raw.send(&payload);
    let bytes = raw.read_replies(10_000);
    let limits = ferrodis_resp::Limits::default();
    let mut at = 0;
    for i in 0..10_000 {
        let (frame, used) = ferrodis_resp::parse_frame(&bytes[at..], &limits)
            .expect("valid reply")
            .unwrap_or_else(|| panic!("only {i} replies arrived"));
        at += used;
        use ferrodis_resp::Frame;
        let want = match i % 4 {
            0 => Frame::Simple("OK".into()),
            1 => Frame::Bulk(format!("v{}", i - 1).into()),
            2 => Frame::Bulk(i.to_string().into()),
            _ => Frame::Integer(i / 4 + 1),
        };
        assert_eq!(frame, want, "reply {i}");
    }
    assert_eq!(at, bytes.len(), "no extra replies");
}

/// Protocol errors: Redis replies with its exact text and closes the connection.
#[test]
fn protocol_errors_reply_redis_text_and_close() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let big_inline = vec![b'a'; 70_000];
    let mut big_mbulk = b"*".to_vec();
    big_mbulk.extend(std::iter::repeat_n(b'1', 70_000));
    let mut big_bulk_count = b"*1\r\n$".to_vec();
    big_bulk_count.extend(std::iter::repeat_n(b'1', 70_000));
    let cases: Vec<(&[u8], &str)> = vec![
        (b"*abc\r\n", "invalid multibulk length"),
        (b"*3000000000\r\n", "invalid multibulk length"),
        (b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            "expected '$', got 'f'",
        ),
        (b"*1\r\n$-5\r\n", "invalid bulk length"),
        (b"*1\r\n$abc\r\n", "invalid bulk length"),
        (b"*1\r\n$600000000\r\n", "invalid bulk length"),
        (b"set \"a b\r\n", "unbalanced quotes in request"),
        (b"set \"a\"b c\r\n", "unbalanced quotes in request"),
        (b"set 'a b\r\n", "unbalanced quotes in request"),
        (&big_inline, "too big inline request"),
        (&big_mbulk, "too big mbulk count string"),
        (&big_bulk_count, "too big bulk count string"),
    ];
    for (payload, text) in cases {
        let want = format!("-ERR Protocol error: {text}\r\n");
        for s in [&f, &r] {
            let got = until_closed(s.port, payload);
            assert_eq!(
                show(&got),
                show(want.as_bytes()),
                "payload {:?}",
                show(&payload[..payload.len().min(40)])
            );
        }
    }
    // Commands before the bad one in the same write still run and reply first.
    for s in [&f, &r] {
        let got = until_closed(s.port, b"PING\r\nSET k v\r\n*1\r\n$x\r\nPING\r\n");
        assert_eq!(
            show(&got),
            show(b"+PONG\r\n+OK\r\n-ERR Protocol error: invalid bulk length\r\n")
        );
    }
    // The server keeps serving everyone else.
    let mut c = f.conn();
    assert_eq!(q::<String>(&mut c, &["GET", "k"]).unwrap(), "v");
}

#[test]
fn bulk_longer_than_proto_max_bulk_len_is_refused() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut c = s.conn();
        // 1mb is the smallest value Redis accepts.
        let e = common::err_text(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "100"]);
        assert_eq!(
            e,
            "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"
        );
        let _: () = q(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "1mb"]).unwrap();
        let got = until_closed(s.port, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n");
        assert_eq!(
            show(&got),
            "-ERR Protocol error: invalid bulk length\\r\\n",
            "{name}"
        );
        // Exactly the limit is fine.
        let value = vec![b'x'; 1_048_576];
        let mut raw = s.raw();
        let reply = raw.cmd(&[b"SET", b"k", &value]);
        assert_eq!(reply, b"+OK\r\n", "{name}");
        assert_eq!(q::<i64>(&mut c, &["STRLEN", "k"]).unwrap(), 1_048_576);
    }
}

/// Redis 7.0 accepts any `*` count up to INT_MAX (6.x refused more than 1024*1024).
#[test]
fn multibulk_count_above_one_million_is_accepted_like_redis_7() {
    const ARGS: usize = 1024 * 1024 + 1;
    let mut payload = format!("*{ARGS}\r\n$6\r\nEXISTS\r\n").into_bytes();
    for _ in 1..ARGS {
        payload.extend_from_slice(b"$1\r\nk\r\n");
    }
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "k", "v"]).unwrap();
        let mut raw = s.raw();
        raw.s.set_read_timeout(Some(Duration::from_secs(120))).ok();
        raw.send(&payload);
        assert_eq!(
            raw.read_replies(1),
            format!(":{}\r\n", ARGS - 1).as_bytes(),
            "{name}"
        );
    }
}

/// With requirepass, Redis refuses large requests from clients that have not authenticated.
#[test]
fn unauthenticated_clients_get_small_request_limits() {
    let args = ["--requirepass", "pw"];
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &args);
        let got = until_closed(s.port, b"*11\r\n");
        assert_eq!(
            show(&got),
            "-ERR Protocol error: unauthenticated multibulk length\\r\\n",
            "{name}"
        );
        let got = until_closed(s.port, b"*2\r\n$4\r\nAUTH\r\n$16385\r\n");
        assert_eq!(
            show(&got),
            "-ERR Protocol error: unauthenticated bulk length\\r\\n",
            "{name}"
        );
        // Invalid lengths keep their own error.
        let got = until_closed(s.port, b"*3000000000\r\n");
        assert_eq!(
            show(&got),
            "-ERR Protocol error: invalid multibulk length\\r\\n",
            "{name}"
        );
        // AUTH lifts the limits for the very next command of the same write.
        let value = "x".repeat(20_000);
        let mut req = b"AUTH pw\r\n*13\r\n$4\r\nMSET\r\n".to_vec();
        for i in 0..5 {
            let k = format!("k{i}");
            req.extend_from_slice(
                format!("${}\r\n{k}\r\n${}\r\n{value}\r\n", k.len(), value.len()).as_bytes(),
            );
        }
        req.extend_from_slice(b"$2\r\nk5\r\n$1\r\nv\r\n");
        let mut raw = s.raw();
        raw.send(&req);
        assert_eq!(show(&raw.read_replies(2)), "+OK\\r\\n+OK\\r\\n", "{name}");
    }
}

#[test]
fn garbage_bytes_get_errors_and_the_server_keeps_serving() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    // Printable garbage is an unknown inline command; the connection stays usable.
    assert_same_replies(
        &f,
        &r,
        b":1\r\n+PING\r\n-ERR x\r\n$5\r\nhello\r\n\x7f\x01garbage here\r\n",
    );
    // Random binary: whatever the server answers, it survives and serves others.
    let mut seed: u64 = 0x5eed;
    for _ in 0..50 {
        let mut bytes = Vec::new();
        for _ in 0..512 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            bytes.push((seed >> 56) as u8);
        }
        let mut s = connect(f.port);
        let _ = s.write_all(&bytes);
        let _ = s.shutdown(Shutdown::Both);
    }
    let mut c = f.conn();
    assert_eq!(q::<String>(&mut c, &["PING"]).unwrap(), "PONG");
}

/// Redis echoes the bytes of an unknown command as they came, not as UTF-8.
#[test]
fn unknown_command_error_echoes_raw_bytes() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    assert_same_replies(&f, &r, b"\x01\x02\xff garbage \xfe\r\n");
}

#[test]
fn client_gone_mid_command_does_not_disturb_others() {
    let s = Server::start(&[]);
    let mut half = s.raw();
    half.send(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$10\r\nonly");
    // While that command is incomplete, others are served.
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "other", "1"]).unwrap();
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "half"]).unwrap(), 0);
    drop(half);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = info_field_on(&mut c, "clients", "connected_clients")
            .parse()
            .unwrap();
        if n == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dropped client is still listed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "half"]).unwrap(), 0);
    assert_eq!(q::<String>(&mut c, &["GET", "other"]).unwrap(), "1");
}

/// A declared length is only a claim: memory grows with the bytes that actually arrive.
#[test]
fn huge_declared_bulk_is_not_allocated_up_front() {
    let s = Server::start(&[]);
    let before: u64 = info_field(&s, "memory", "used_memory").parse().unwrap();
    let mut raw = s.raw();
    // The PING reply proves the server has parsed past the start of the huge argument.
    let mut req = b"PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\n".to_vec();
    req.extend(std::iter::repeat_n(b'x', 100_000));
    raw.send(&req);
    assert_eq!(raw.read_replies(1), b"+PONG\r\n");
    let after: u64 = info_field(&s, "memory", "used_memory").parse().unwrap();
    assert!(
        after < before + 32 * 1024 * 1024,
        "used_memory grew from {before} to {after} for a 512MB claim"
    );
}

#[test]
fn client_query_buffer_limit_closes_the_connection() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &["--client-query-buffer-limit", "1mb"]);
        let mut req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n".to_vec();
        req.extend(std::iter::repeat_n(b'x', 2_000_000));
        let got = until_closed(s.port, &req);
        assert!(got.is_empty(), "{name}: {}", show(&got));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !s
            .log_text()
            .contains("Closing client that reached max query buffer length")
        {
            assert!(
                Instant::now() < deadline,
                "{name}: no log line\n{}",
                s.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut c = s.conn();
        assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]).unwrap(), 0);
    }
}

#[test]
fn quit_replies_ok_then_closes() {
    let s = Server::start(&[]);
    let got = until_closed(s.port, b"PING\r\nQUIT\r\nPING\r\n");
    assert_eq!(got, b"+PONG\r\n+OK\r\n");
}

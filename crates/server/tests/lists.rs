//! List commands against a real redis-server 7.0 (every reply compared), and blocking pops:
//! FIFO service, timeouts, MULTI/EXEC wake-ups, CLIENT UNBLOCK, disconnects while blocked.

mod common;
use common::{Server, reply};
use std::time::Duration;

/// Runs each command on ferrodis and on redis-server and requires identical replies.
struct Twin {
    f: redis::Connection,
    r: redis::Connection,
    _servers: (Server, Server),
}

impl Twin {
    fn start() -> Twin {
        let fs = Server::start(&[]);
        let rs = Server::start_redis(&[]);
        Twin {
            f: fs.conn(),
            r: rs.conn(),
            _servers: (fs, rs),
        }
    }

    fn same(&mut self, args: &[&str]) -> redis::Value {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        let fv = reply(&mut self.f, &a);
        let rv = reply(&mut self.r, &a);
        assert_eq!(fv, rv, "reply to {args:?}");
        fv
    }
}

#[test]
fn list_commands_reply_as_redis() {
    let mut t = Twin::start();
    let script: &[&[&str]] = &[
        &[
            "RPUSH",
            "l",
            "a",
            "b",
            "c",
            "1",
            "2",
            "3",
            "-7",
            "12345678901234567890",
        ],
        &["LPUSH", "l", "x", "y"],
        &["LRANGE", "l", "0", "-1"],
        &["LRANGE", "l", "-3", "100"],
        &["LRANGE", "l", "5", "2"],
        &["LLEN", "l"],
        &["LINDEX", "l", "0"],
        &["LINDEX", "l", "-1"],
        &["LINDEX", "l", "99"],
        &["LINDEX", "l", "x"],
        &["LSET", "l", "1", "z"],
        &["LSET", "l", "99", "z"],
        &["LSET", "nolist", "0", "z"],
        &["LINSERT", "l", "BEFORE", "c", "ins"],
        &["LINSERT", "l", "AFTER", "3", "ins2"],
        &["LINSERT", "l", "AFTER", "missing", "q"],
        &["LINSERT", "nolist", "AFTER", "a", "q"],
        &["LINSERT", "l", "MIDDLE", "a", "q"],
        &["LPOS", "l", "ins"],
        &["LPOS", "l", "nope"],
        &["LPOS", "l", "a", "RANK", "-1"],
        &["LPOS", "l", "a", "RANK", "0"],
        &["LPOS", "l", "a", "COUNT", "0"],
        &["LPOS", "l", "a", "COUNT", "-1"],
        &["LPOS", "l", "a", "MAXLEN", "-1"],
        &["RPUSH", "dup", "a", "b", "a", "c", "a"],
        &["LPOS", "dup", "a", "COUNT", "2"],
        &["LPOS", "dup", "a", "RANK", "-2", "COUNT", "0"],
        &["LPOS", "dup", "a", "MAXLEN", "2", "COUNT", "0"],
        &["LREM", "dup", "-1", "a"],
        &["LRANGE", "dup", "0", "-1"],
        &["LREM", "dup", "0", "a"],
        &["LRANGE", "dup", "0", "-1"],
        &["LTRIM", "l", "1", "-2"],
        &["LRANGE", "l", "0", "-1"],
        &["LPOP", "l"],
        &["RPOP", "l", "2"],
        &["LPOP", "l", "0"],
        &["LPOP", "l", "-1"],
        &["LPOP", "nolist"],
        &["LPOP", "nolist", "2"],
        &["RPOP", "l", "100"],
        &["EXISTS", "l"],
        &["LPUSHX", "l", "a"],
        &["RPUSHX", "dup", "z"],
        &["LMOVE", "dup", "dst", "LEFT", "RIGHT"],
        &["LMOVE", "dup", "dst", "RIGHT", "LEFT"],
        &["LMOVE", "dup", "dup", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "dst", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["LMOVE", "nolist", "dst", "LEFT", "LEFT"],
        &["LMOVE", "dst", "dst", "UP", "LEFT"],
        &["SET", "str", "v"],
        &["LPUSH", "str", "a"],
        &["LRANGE", "str", "0", "1"],
        &["LMOVE", "dst", "str", "LEFT", "LEFT"],
        &["RPUSH", "m1", "1", "2", "3"],
        &["LMPOP", "2", "nolist", "m1", "LEFT", "COUNT", "2"],
        &["LMPOP", "2", "nolist", "m1", "RIGHT"],
        &["LMPOP", "1", "nolist", "LEFT"],
        &["LMPOP", "0", "m1", "LEFT"],
        &["LMPOP", "1", "m1", "LEFT", "COUNT", "0"],
        &["LMPOP", "1", "m1", "SIDEWAYS"],
        &["BLPOP", "nolist", "x"],
        &["BLPOP", "nolist", "-1"],
        &["RPUSH", "b", "1"],
        &["BLPOP", "nolist", "b", "0"],
        &["OBJECT", "ENCODING", "dst"],
        &["TYPE", "dst"],
        &["DEBUG", "DIGEST"],
    ];
    for cmd in script {
        t.same(cmd);
    }
}

#[test]
fn big_lists_span_chunks_and_match_redis() {
    let mut t = Twin::start();
    let mut args: Vec<String> = vec!["RPUSH".into(), "big".into()];
    for i in 0..3000 {
        args.push(if i % 3 == 0 {
            i.to_string()
        } else {
            format!("element-{i}-{}", "x".repeat(i % 50))
        });
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    t.same(&a);
    t.same(&["LRANGE", "big", "1000", "1010"]);
    t.same(&["LINDEX", "big", "2500"]);
    t.same(&["LSET", "big", "1500", "changed"]);
    t.same(&["LINSERT", "big", "BEFORE", "changed", "before-changed"]);
    t.same(&["LREM", "big", "0", "999"]);
    t.same(&["LTRIM", "big", "100", "-100"]);
    t.same(&["LLEN", "big"]);
    t.same(&["LPOS", "big", "before-changed"]);
    t.same(&["DEBUG", "DIGEST"]);
}

fn raw_cmd(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
    }
    out
}

/// Waits until INFO shows `n` blocked clients.
fn wait_blocked(c: &mut redis::Connection, n: usize) {
    for _ in 0..500 {
        let info: String = redis::cmd("INFO").arg("clients").query(c).unwrap();
        if info.contains(&format!("blocked_clients:{n}\r")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("never saw {n} blocked clients");
}

#[test]
fn blocked_clients_are_served_first_come_first_served() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let mut first = s.raw();
    first.send(&raw_cmd(&["BLPOP", "q", "0"]));
    wait_blocked(&mut c, 1);
    let mut second = s.raw();
    second.send(&raw_cmd(&["BLPOP", "q", "other", "0"]));
    wait_blocked(&mut c, 2);
    let _: i64 = redis::cmd("RPUSH")
        .arg("q")
        .arg("one")
        .arg("two")
        .query(&mut c)
        .unwrap();
    assert_eq!(first.read_replies(1), b"*2\r\n$1\r\nq\r\n$3\r\none\r\n");
    assert_eq!(second.read_replies(1), b"*2\r\n$1\r\nq\r\n$3\r\ntwo\r\n");
    let len: i64 = redis::cmd("LLEN").arg("q").query(&mut c).unwrap();
    assert_eq!(len, 0, "both elements went to the blocked clients");
}

#[test]
fn blocking_pop_times_out_with_a_null_reply() {
    let s = Server::start(&[]);
    let mut raw = s.raw();
    raw.send(&raw_cmd(&["BLPOP", "q", "0.1"]));
    assert_eq!(raw.read_replies(1), b"*-1\r\n");
    raw.send(&raw_cmd(&["BLMOVE", "q", "d", "LEFT", "LEFT", "0.1"]));
    assert_eq!(raw.read_replies(1), b"$-1\r\n");
    // The connection keeps working after a timeout.
    raw.send(&raw_cmd(&["PING"]));
    assert_eq!(raw.read_replies(1), b"+PONG\r\n");
}

#[test]
fn blocking_pop_inside_multi_does_not_block() {
    let s = Server::start(&[]);
    let mut raw = s.raw();
    raw.send(b"MULTI\r\nBLPOP q 0\r\nEXEC\r\n");
    assert_eq!(raw.read_replies(3), b"+OK\r\n+QUEUED\r\n*1\r\n*-1\r\n");
}

#[test]
fn push_inside_exec_wakes_a_blocked_client_after_the_transaction() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let mut blocked = s.raw();
    blocked.send(&raw_cmd(&["BRPOPLPUSH", "src", "dst", "0"]));
    wait_blocked(&mut c, 1);
    let mut raw = s.raw();
    raw.send(b"MULTI\r\nRPUSH src a b\r\nLLEN src\r\nEXEC\r\n");
    // Inside the transaction the element is still there: the blocked client is served after.
    assert_eq!(
        raw.read_replies(4),
        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:2\r\n:2\r\n"
    );
    assert_eq!(blocked.read_replies(1), b"$1\r\nb\r\n");
    let dst: Vec<String> = redis::cmd("LRANGE")
        .arg("dst")
        .arg(0)
        .arg(-1)
        .query(&mut c)
        .unwrap();
    assert_eq!(dst, ["b"]);
}

#[test]
fn client_unblock_ends_a_blocked_command() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let mut blocked = s.raw();
    blocked.send(&raw_cmd(&["CLIENT", "ID"]));
    let id_reply = blocked.read_replies(1);
    let id = String::from_utf8_lossy(&id_reply[1..id_reply.len() - 2]).to_string();
    blocked.send(&raw_cmd(&["BLPOP", "q", "0"]));
    wait_blocked(&mut c, 1);
    let n: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(&id)
        .arg("ERROR")
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        blocked.read_replies(1),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    let n: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(&id)
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 0, "no longer blocked");
}

#[test]
fn a_client_that_disconnects_while_blocked_takes_no_element() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    {
        let mut gone = s.raw();
        gone.send(&raw_cmd(&["BLPOP", "q", "0"]));
        wait_blocked(&mut c, 1);
    }
    wait_blocked(&mut c, 0);
    let _: i64 = redis::cmd("RPUSH")
        .arg("q")
        .arg("kept")
        .query(&mut c)
        .unwrap();
    let v: Vec<String> = redis::cmd("LRANGE")
        .arg("q")
        .arg(0)
        .arg(-1)
        .query(&mut c)
        .unwrap();
    assert_eq!(v, ["kept"]);
}

#[test]
fn an_emptied_list_no_longer_exists() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    for cmd in [
        vec!["LPOP", "l"],
        vec!["RPOP", "l", "5"],
        vec!["LREM", "l", "0", "a"],
        vec!["LTRIM", "l", "5", "1"],
        vec!["LMOVE", "l", "other", "LEFT", "LEFT"],
    ] {
        let _: i64 = redis::cmd("DEL")
            .arg("l")
            .arg("other")
            .query(&mut c)
            .unwrap();
        let _: i64 = redis::cmd("RPUSH").arg("l").arg("a").query(&mut c).unwrap();
        let _: redis::Value = common::q(&mut c, &cmd).unwrap();
        let exists: i64 = redis::cmd("EXISTS").arg("l").query(&mut c).unwrap();
        assert_eq!(exists, 0, "after {cmd:?}");
    }
}

#[test]
fn a_key_replaced_by_another_type_keeps_the_client_blocked() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let mut blocked = s.raw();
    blocked.send(&raw_cmd(&["BLPOP", "q", "0"]));
    wait_blocked(&mut c, 1);
    let _: () = redis::cmd("SET")
        .arg("q")
        .arg("a string")
        .query(&mut c)
        .unwrap();
    let _: i64 = redis::cmd("DEL").arg("q").query(&mut c).unwrap();
    wait_blocked(&mut c, 1);
    let _: i64 = redis::cmd("RPUSH").arg("q").arg("x").query(&mut c).unwrap();
    assert_eq!(blocked.read_replies(1), b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
}

#[test]
fn input_sent_while_blocked_runs_after_the_block_ends() {
    let s = Server::start(&[]);
    let mut raw = s.raw();
    raw.send(&raw_cmd(&["BLPOP", "q", "0.2"]));
    std::thread::sleep(Duration::from_millis(50));
    raw.send(&raw_cmd(&["PING"]));
    assert_eq!(raw.read_replies(2), b"*-1\r\n+PONG\r\n");
}

//! Replication with real processes on loopback: full sync (disk and diskless), partial resync
//! after a dropped link, a backlog too small for it, a chain of three, PSYNC2 promotion,
//! read-only replicas and expiry arriving as DEL, WAIT and min-replicas with a stopped replica,
//! stale reads during a slow sync, three replicas syncing under write load, restarts of a
//! replica and of a master from their RDB files, and the database the stream had selected
//! surviving a full sync, a partial resync and a replica restart.
//!
//! Every scenario that does not need two ferrodis also runs against a real redis-server 7.0 on
//! one side (interop), and where a test asserts a detail of Redis's behaviour (which commands a
//! replica answers for a logically expired key, error texts) it runs the same steps on a pair
//! of real redis-servers and compares. Servers are polled with deadlines, never timed.

mod common;

use common::{Kind, Server, TestDir, error_of, reply};
use redis::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const F: Kind = Kind::Ferrodis;
const R: Kind = Kind::Redis;

/// How long a condition may take to come true before the test fails.
const DEADLINE: Duration = Duration::from_secs(30);

// ---- Helpers ----

/// A server and one connection to it.
struct Node {
    s: Server,
    c: redis::Connection,
}

fn connect(s: &Server) -> redis::Connection {
    let c = s.conn();
    c.set_read_timeout(Some(Duration::from_secs(30))).ok();
    c.set_write_timeout(Some(Duration::from_secs(30))).ok();
    c
}

impl Node {
    /// Starts a server with no diskless delay (Redis's default is 5 s) plus `args`.
    fn start(kind: Kind, args: &[&str]) -> Node {
        let mut all = vec!["--repl-diskless-sync-delay", "0"];
        all.extend_from_slice(args);
        Node::from(Server::start_kind(kind, &all))
    }

    fn from(s: Server) -> Node {
        let c = connect(&s);
        Node { s, c }
    }

    fn port(&self) -> u16 {
        self.s.port
    }

    /// Runs a command; panics on an error reply.
    fn run(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let v = reply(&mut self.c, &raw);
        if let Some(e) = error_of(&v) {
            panic!("port {}: {args:?}: unexpected error {e}", self.port());
        }
        v
    }

    /// The whole reply, error replies included.
    fn v(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        reply(&mut self.c, &raw)
    }

    fn err(&mut self, args: &[&str]) -> String {
        let v = self.v(args);
        error_of(&v).unwrap_or_else(|| panic!("{args:?}: expected an error, got {v:?}"))
    }

    fn ok(&mut self, args: &[&str]) {
        assert_eq!(self.run(args), Value::Okay, "{args:?}");
    }

    fn int(&mut self, args: &[&str]) -> i64 {
        match self.run(args) {
            Value::Int(n) => n,
            other => panic!("{args:?}: expected an integer, got {other:?}"),
        }
    }

    fn bulk(&mut self, args: &[&str]) -> Option<String> {
        match self.run(args) {
            Value::Nil => None,
            Value::BulkString(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            other => panic!("{args:?}: expected a bulk string, got {other:?}"),
        }
    }

    fn info(&mut self, section: &str) -> String {
        match self.run(&["INFO", section]) {
            Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            Value::VerbatimString { text, .. } => text,
            other => panic!("INFO: unexpected {other:?}"),
        }
    }

    /// One `name:value` field of an INFO section ("" when absent).
    fn field(&mut self, section: &str, name: &str) -> String {
        info_field(&self.info(section), name).unwrap_or_default()
    }

    fn repl(&mut self, name: &str) -> String {
        self.field("replication", name)
    }

    fn stat(&mut self, name: &str) -> u64 {
        let v = self.field("stats", name);
        v.parse()
            .unwrap_or_else(|_| panic!("INFO stats {name}: {v:?}"))
    }

    fn offset(&mut self) -> u64 {
        let v = self.repl("master_repl_offset");
        v.parse()
            .unwrap_or_else(|_| panic!("master_repl_offset: {v:?}"))
    }

    fn link_up(&mut self) -> bool {
        self.repl("master_link_status") == "up"
    }

    fn replicaof(&mut self, master: &Node) {
        let port = master.port().to_string();
        self.ok(&["REPLICAOF", "127.0.0.1", &port]);
    }

    fn digest(&mut self) -> String {
        match self.run(&["DEBUG", "DIGEST"]) {
            Value::SimpleString(s) => s,
            Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("DEBUG DIGEST: unexpected {other:?}"),
        }
    }

    /// `keys=` and `expires=` of every database in INFO keyspace (avg_ttl differs by timing).
    fn keyspace(&mut self) -> Vec<String> {
        self.info("keyspace")
            .lines()
            .filter(|l| l.starts_with("db"))
            .map(|l| l.split(",avg_ttl").next().unwrap_or(l).to_string())
            .collect()
    }

    fn log(&self) -> String {
        self.s.log_text()
    }

    /// SHUTDOWN SAVE; waits for the process to exit and hands back its directory.
    fn shutdown_save(mut self) -> TestDir {
        let mut raw = self.s.raw();
        raw.cmd(&[b"SHUTDOWN", b"SAVE"]);
        let code = self.s.wait_exit(DEADLINE);
        assert_eq!(code, Some(0), "SHUTDOWN SAVE exit code:\n{}", self.log());
        self.s.into_dir()
    }
}

fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim_end().to_string())
    })
}

/// Polls `cond` until it holds; panics with `what` at the deadline.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until every replica's link is up and its offset equals the master's, then checks that
/// every replica holds the master's data (DEBUG DIGEST, INFO keyspace) at that offset. A write
/// made by the master in between (an expiry) just starts the wait again. Returns the offset.
fn wait_same_data(master: &mut Node, replicas: &mut [&mut Node]) -> u64 {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let offset = master.offset();
        let caught_up = replicas
            .iter_mut()
            .all(|r| r.link_up() && r.offset() == offset);
        if caught_up {
            let digest = master.digest();
            let keyspace = master.keyspace();
            let theirs: Vec<(String, Vec<String>)> = replicas
                .iter_mut()
                .map(|r| (r.digest(), r.keyspace()))
                .collect();
            if master.offset() == offset {
                for (i, (d, k)) in theirs.iter().enumerate() {
                    assert_eq!(
                        (d, k),
                        (&digest, &keyspace),
                        "replica {i} differs from its master at offset {offset}"
                    );
                }
                return offset;
            }
        }
        if Instant::now() > deadline {
            let states: Vec<String> = replicas
                .iter_mut()
                .map(|r| {
                    format!(
                        "link {} offset {}",
                        r.repl("master_link_status"),
                        r.offset()
                    )
                })
                .collect();
            panic!("replicas did not catch up with master offset {offset}: {states:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Data of every type, with TTLs, in databases 0, 1 and 9, plus 5000 DEBUG POPULATE keys.
fn load_dataset(n: &mut Node) {
    n.ok(&["DEBUG", "POPULATE", "5000", "key", "10"]);
    let items: Vec<String> = (0..1000).map(|i| format!("item:{i}")).collect();
    let fields: Vec<String> = (0..600)
        .flat_map(|i| [format!("f{i}"), format!("value-{i}")])
        .collect();
    let ints: Vec<String> = (0..200).map(|i| (i * 7).to_string()).collect();
    let members: Vec<String> = (0..600).map(|i| format!("m:{i}")).collect();
    let scored: Vec<String> = (0..300)
        .flat_map(|i| [format!("{}", i as f64 * 1.5), format!("z:{i}")])
        .collect();
    let mut p = redis::pipe();
    p.cmd("RPUSH").arg("biglist").arg(&items).ignore();
    p.cmd("RPUSH")
        .arg("smalllist")
        .arg(&["a", "b", "c", "1", "2"])
        .ignore();
    p.cmd("HSET").arg("bighash").arg(&fields).ignore();
    p.cmd("HSET")
        .arg("smallhash")
        .arg(&["a", "1", "b", "2"])
        .ignore();
    p.cmd("SADD").arg("intset").arg(&ints).ignore();
    p.cmd("SADD").arg("bigset").arg(&members).ignore();
    p.cmd("SADD").arg("smallset").arg(&["x", "y", "z"]).ignore();
    p.cmd("ZADD").arg("bigzset").arg(&scored).ignore();
    p.cmd("ZADD")
        .arg("smallzset")
        .arg(&["1", "a", "2.5", "b", "-3", "c"])
        .ignore();
    p.cmd("PFADD")
        .arg("hll")
        .arg(&["a", "b", "c", "d"])
        .ignore();
    p.cmd("SET")
        .arg("bigstring")
        .arg("x".repeat(100_000))
        .ignore();
    p.cmd("SET").arg("counter").arg("41").ignore();
    p.cmd("SET").arg("float").arg("3.5").ignore();
    p.cmd("SET")
        .arg("ttl:str")
        .arg("v")
        .arg("EX")
        .arg("100000")
        .ignore();
    p.cmd("PEXPIRE").arg("biglist").arg("500000000").ignore();
    p.cmd("EXPIRE").arg("smallhash").arg("100000").ignore();
    p.cmd("SELECT").arg("1").ignore();
    p.cmd("SET")
        .arg("db1:k")
        .arg("one")
        .arg("EX")
        .arg("3600")
        .ignore();
    p.cmd("LPUSH").arg("db1:list").arg(&["p", "q"]).ignore();
    p.cmd("SELECT").arg("9").ignore();
    p.cmd("HSET").arg("db9:h").arg(&["f", "v"]).ignore();
    p.cmd("ZADD").arg("db9:z").arg(&["1", "m"]).ignore();
    p.cmd("SADD").arg("db9:s").arg(&["1", "2", "3"]).ignore();
    p.cmd("SELECT").arg("0").ignore();
    p.query::<()>(&mut n.c).expect("load the dataset");
}

/// One round of writes of every kind whose propagation must be rewritten or wrapped: MULTI/EXEC,
/// EXPIRE (→ PEXPIREAT), SET EX, INCRBYFLOAT, SPOP (random), pops, moves, stores, and writes
/// in several databases. Needs `load_dataset`'s keys.
fn write_mix(n: &mut Node, round: usize) {
    let r = round.to_string();
    let k = |name: &str| format!("{name}:{round}");
    n.ok(&["SET", &k("s"), &r]);
    n.int(&["INCR", "counter"]);
    n.run(&["INCRBYFLOAT", "float", "0.1"]);
    n.int(&["APPEND", &k("s"), "-tail"]);
    n.ok(&["SET", &k("ex"), "v", "EX", "1000"]);
    n.int(&["EXPIRE", &k("s"), "5000"]);
    n.int(&["PEXPIRE", "counter", "90000000"]);
    n.run(&["GETSET", &k("gs"), "new"]);
    n.run(&["SET", &k("gs"), "newer", "GET"]);
    n.ok(&["MULTI"]);
    n.run(&["SET", &k("m"), "in-multi"]);
    n.run(&["INCRBY", &k("mi"), "5"]);
    n.run(&["LPUSH", &k("ml"), "a", "b"]);
    n.run(&["SPOP", "bigset"]);
    n.run(&["EXEC"]);
    n.run(&["SPOP", "bigset", "3"]);
    n.run(&["SPOP", "intset"]);
    n.run(&["LPOP", "biglist"]);
    n.run(&["RPOPLPUSH", "biglist", &k("moved")]);
    n.run(&["LMOVE", "biglist", "smalllist", "LEFT", "RIGHT"]);
    n.int(&["HINCRBY", "bighash", "counter", "3"]);
    n.run(&["HINCRBYFLOAT", "bighash", "fl", "1.25"]);
    n.run(&["ZINCRBY", "bigzset", "2", "z:5"]);
    n.run(&["ZPOPMIN", "bigzset"]);
    n.run(&["SINTERSTORE", &k("inter"), "bigset", "smallset"]);
    n.run(&["ZUNIONSTORE", &k("zu"), "2", "bigzset", "smallzset"]);
    n.run(&["PFADD", "hll", &r]);
    n.run(&["SETRANGE", "bigstring", "10", &r]);
    n.run(&["COPY", "smallset", &k("copy")]);
    n.run(&["RENAME", &k("copy"), &k("renamed")]);
    n.run(&["DEL", &k("inter")]);
    n.run(&["GETDEL", &k("gs")]);
    n.ok(&["SELECT", "3"]);
    n.ok(&["SET", &k("db3"), &r]);
    n.run(&["MOVE", &k("db3"), "4"]);
    n.ok(&["SELECT", "5"]);
    n.ok(&["SET", "doomed", "1"]);
    n.ok(&["FLUSHDB"]);
    n.ok(&["SELECT", "1"]);
    n.run(&["LPUSH", "db1:list", &r]);
    n.ok(&["SELECT", "0"]);
}

/// BLPOP on the master, served by a later LPUSH: the stream must carry the push and the pop.
fn blocked_pop_served_by_push(n: &mut Node) {
    let mut other = connect(&n.s);
    let waiter = std::thread::spawn(move || {
        let v: (String, String) = redis::cmd("BLPOP")
            .arg("bq")
            .arg("20")
            .query(&mut other)
            .expect("BLPOP");
        v
    });
    wait_for("BLPOP to block", || {
        n.field("clients", "blocked_clients") == "1"
    });
    n.int(&["LPUSH", "bq", "first", "second"]);
    let popped = waiter.join().expect("BLPOP thread");
    assert_eq!(popped, ("bq".to_string(), "second".to_string()));
}

fn role(n: &mut Node) -> Vec<Value> {
    match n.run(&["ROLE"]) {
        Value::Array(items) => items,
        other => panic!("ROLE: unexpected {other:?}"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        other => panic!("expected a string, got {other:?}"),
    }
}

/// SIGSTOP, then waits until every thread of the process is stopped (delivery is
/// asynchronous: a running thread could still send an ACK).
fn stop_process(s: &Server) {
    s.signal("STOP");
    let tasks = format!("/proc/{}/task", s.pid());
    wait_for("the process to stop", || {
        std::fs::read_dir(&tasks)
            .map(|dir| {
                dir.flatten().all(|t| {
                    let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
                    // The state follows the parenthesized command name.
                    stat.rsplit_once(") ")
                        .is_some_and(|(_, rest)| rest.starts_with('T'))
                })
            })
            .unwrap_or(false)
    });
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

// ---- 1, 2: full sync ----

/// A full sync carries every type, TTL and database, writes made during and after it follow,
/// and INFO replication and ROLE describe the link on both sides as Redis does.
fn full_sync(master_kind: Kind, replica_kind: Kind, diskless: bool) {
    let mut m = Node::start(master_kind, &["--repl-diskless-sync", yes_no(diskless)]);
    load_dataset(&mut m);
    let mut r = Node::start(replica_kind, &[]);
    r.ok(&["SET", "replica-only", "replaced by the sync"]);
    r.replicaof(&m);
    for round in 0..3 {
        write_mix(&mut m, round);
    }
    wait_for("the link to come up", || r.link_up());
    for round in 3..6 {
        write_mix(&mut m, round);
    }
    blocked_pop_served_by_push(&mut m);
    let offset = wait_same_data(&mut m, &mut [&mut r]);

    let target = if diskless { "replicas sockets" } else { "disk" };
    assert!(
        m.log()
            .contains(&format!("Starting BGSAVE for SYNC with target: {target}")),
        "master log:\n{}",
        m.log()
    );
    assert_eq!(r.bulk(&["GET", "replica-only"]), None);
    assert_eq!(r.int(&["DBSIZE"]), m.int(&["DBSIZE"]));
    assert!(r.int(&["TTL", "ttl:str"]) > 0);
    assert!(r.int(&["PTTL", "biglist"]) > 0);
    assert_eq!(r.bulk(&["LINDEX", "bq", "0"]).as_deref(), Some("first"));

    assert_eq!(m.repl("role"), "master");
    assert_eq!(m.repl("connected_slaves"), "1");
    let slave0 = m.repl("slave0");
    let prefix = format!("ip=127.0.0.1,port={},state=online,offset=", r.port());
    assert!(slave0.starts_with(&prefix), "slave0:{slave0}");
    assert_eq!(m.stat("sync_full"), 1);
    assert_eq!(r.repl("role"), "slave");
    assert_eq!(r.repl("master_host"), "127.0.0.1");
    assert_eq!(r.repl("master_port"), m.port().to_string());
    assert_eq!(r.repl("master_link_status"), "up");
    assert_eq!(r.repl("master_sync_in_progress"), "0");
    assert_eq!(r.repl("slave_repl_offset"), offset.to_string());
    assert_eq!(r.repl("master_replid"), m.repl("master_replid"));

    // The replica's ACKs reach the master: ROLE lists it at the master's offset.
    wait_for("the replica's ACK of the last offset", || {
        let master_role = role(&mut m);
        match &master_role[..] {
            [kind, off, Value::Array(replicas)] => {
                assert_eq!(text(kind), "master");
                assert_eq!(text(off), offset.to_string());
                assert_eq!(replicas.len(), 1);
                let Value::Array(entry) = &replicas[0] else {
                    panic!("ROLE replica entry: {replicas:?}");
                };
                assert_eq!(text(&entry[0]), "127.0.0.1");
                assert_eq!(text(&entry[1]), r.port().to_string());
                text(&entry[2]) == offset.to_string()
            }
            other => panic!("master ROLE: {other:?}"),
        }
    });
    let replica_role: Vec<String> = role(&mut r).iter().map(text).collect();
    assert_eq!(
        replica_role,
        [
            "slave".to_string(),
            "127.0.0.1".to_string(),
            m.port().to_string(),
            "connected".to_string(),
            offset.to_string()
        ]
    );
}

#[test]
fn full_sync_diskless_ferrodis_to_ferrodis() {
    full_sync(F, F, true);
}

#[test]
fn full_sync_disk_ferrodis_to_ferrodis() {
    full_sync(F, F, false);
}

#[test]
fn redis_replica_of_ferrodis_diskless() {
    full_sync(F, R, true);
}

#[test]
fn redis_replica_of_ferrodis_disk() {
    full_sync(F, R, false);
}

#[test]
fn ferrodis_replica_of_redis_diskless() {
    full_sync(R, F, true);
}

#[test]
fn ferrodis_replica_of_redis_disk() {
    full_sync(R, F, false);
}

// ---- 3: partial resync ----

/// After `CLIENT KILL TYPE master` on the replica it reconnects with PSYNC and the master
/// continues it from its backlog: sync_partial_ok +1, no new full sync, and writes made while
/// the link was down arrive.
///
/// With `stream_in_db7`, the stream had database 7 selected when the link dropped and the
/// first write after it is in database 7 too, so the backlog sent after `+CONTINUE` starts
/// without a SELECT: the replica must continue in the database its master client had
/// (Redis's cached master keeps it).
fn partial_resync_after_client_kill(master_kind: Kind, replica_kind: Kind, stream_in_db7: bool) {
    // No PINGs: nothing but our writes may bring the replica's data.
    let mut m = Node::start(master_kind, &["--repl-ping-replica-period", "3600"]);
    load_dataset(&mut m);
    let mut r = Node::start(replica_kind, &[]);
    r.replicaof(&m);
    write_mix(&mut m, 0);
    if stream_in_db7 {
        set_in_db7(&mut m, "before");
    }
    wait_same_data(&mut m, &mut [&mut r]);
    let full = m.stat("sync_full");
    let partial = m.stat("sync_partial_ok");
    assert_eq!(full, 1);

    let drops = m.log().matches("Connection with replica").count();
    assert_eq!(r.int(&["CLIENT", "KILL", "TYPE", "master"]), 1);
    // Writes from here on cannot reach the replica through the old link.
    wait_for("the master to see the link drop", || {
        m.log().matches("Connection with replica").count() > drops
    });
    if stream_in_db7 {
        set_in_db7(&mut m, "during");
    }
    for round in 1..4 {
        write_mix(&mut m, round);
    }
    m.ok(&["SET", "written-while-down", "yes"]);
    wait_for("the partial resync", || {
        m.stat("sync_partial_ok") == partial + 1
    });
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(m.stat("sync_full"), full);
    assert_eq!(m.stat("sync_partial_ok"), partial + 1);
    assert_eq!(
        r.bulk(&["GET", "written-while-down"]).as_deref(),
        Some("yes")
    );
    assert!(
        r.log()
            .contains("Successful partial resynchronization with master."),
        "replica log:\n{}",
        r.log()
    );
    if stream_in_db7 {
        assert_in_db7(&mut r, "during");
    }
}

/// Writes `key` in database 7 and leaves the connection in database 0: the stream's last
/// SELECT is 7 (`write_mix` flushes database 5).
fn set_in_db7(n: &mut Node, key: &str) {
    n.ok(&["SELECT", "7"]);
    n.ok(&["SET", key, "in-db7"]);
    n.ok(&["SELECT", "0"]);
}

fn assert_in_db7(n: &mut Node, key: &str) {
    n.ok(&["SELECT", "7"]);
    let v = n.bulk(&["GET", key]);
    n.ok(&["SELECT", "0"]);
    assert_eq!(v.as_deref(), Some("in-db7"), "{key} in database 7");
    assert_eq!(n.bulk(&["GET", key]), None, "{key} in database 0");
}

#[test]
fn partial_resync_after_client_kill_type_master_ferrodis_to_ferrodis() {
    partial_resync_after_client_kill(F, F, false);
}

#[test]
fn partial_resync_after_client_kill_type_master_ferrodis_replica_of_redis() {
    partial_resync_after_client_kill(R, F, false);
}

#[test]
fn partial_resync_after_client_kill_type_master_redis_replica_of_ferrodis() {
    partial_resync_after_client_kill(F, R, false);
}

#[test]
fn partial_resync_continues_in_the_database_the_stream_selected_ferrodis_to_ferrodis() {
    partial_resync_after_client_kill(F, F, true);
}

#[test]
fn partial_resync_continues_in_the_database_the_stream_selected_ferrodis_replica_of_redis() {
    partial_resync_after_client_kill(R, F, true);
}

#[test]
fn partial_resync_continues_in_the_database_the_stream_selected_redis_replica_of_ferrodis() {
    partial_resync_after_client_kill(F, R, true);
}

/// A full sync whose snapshot is taken while the stream has database 7 selected: the first
/// write after it, in database 7, must land in database 7 on the new replica (Redis's master
/// SELECTs again after the snapshot; its replica starts in the RDB's repl-stream-db).
fn full_sync_while_stream_in_db7(master_kind: Kind, replica_kind: Kind) {
    let mut m = Node::start(master_kind, &[]);
    // A first replica makes the stream live, so it has a selected database.
    let mut first = Node::start(F, &[]);
    first.replicaof(&m);
    set_in_db7(&mut m, "before");
    wait_same_data(&mut m, &mut [&mut first]);
    let mut r = Node::start(replica_kind, &[]);
    r.replicaof(&m);
    wait_for("the second replica's link", || r.link_up());
    set_in_db7(&mut m, "after");
    wait_same_data(&mut m, &mut [&mut first, &mut r]);
    assert_in_db7(&mut r, "after");
}

#[test]
fn full_sync_stream_continues_in_the_selected_database_ferrodis_to_ferrodis() {
    full_sync_while_stream_in_db7(F, F);
}

#[test]
fn full_sync_stream_continues_in_the_selected_database_ferrodis_replica_of_redis() {
    full_sync_while_stream_in_db7(R, F);
}

#[test]
fn full_sync_stream_continues_in_the_selected_database_redis_replica_of_ferrodis() {
    full_sync_while_stream_in_db7(F, R);
}

// ---- 4: backlog too small ----

/// A replica whose offset fell out of the master's backlog (16 KB, the smallest Redis uses)
/// gets a full sync: sync_full +1 and sync_partial_err +1.
fn backlog_too_small(master_kind: Kind) {
    let mut m = Node::start(master_kind, &["--repl-backlog-size", "16384"]);
    let mut r = Node::start(F, &[]);
    r.replicaof(&m);
    write_mix_small(&mut m, 0);
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(m.repl("repl_backlog_size"), "16384");
    let full = m.stat("sync_full");
    let partial_err = m.stat("sync_partial_err");

    // Stop the replica, drop its link on the master's side (nothing more is sent to it), then
    // write far more than the backlog holds.
    stop_process(&r.s);
    assert_eq!(m.int(&["CLIENT", "KILL", "TYPE", "replica"]), 1);
    let value = "v".repeat(1000);
    for i in 0..200 {
        m.ok(&["SET", &format!("big:{i}"), &value]);
    }
    r.s.signal("CONT");

    wait_for("the full resync", || m.stat("sync_full") == full + 1);
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(m.stat("sync_partial_err"), partial_err + 1);
    assert_eq!(r.log().matches("Full resync from master").count(), 2);
}

/// A few writes without `load_dataset`'s keys.
fn write_mix_small(n: &mut Node, round: usize) {
    let r = round.to_string();
    n.ok(&["SET", &format!("s:{round}"), &r]);
    n.int(&["RPUSH", "list", &r]);
    n.int(&["HSET", "hash", &r, &r]);
    n.ok(&["SELECT", "2"]);
    n.int(&["SADD", "set", &r]);
    n.ok(&["SELECT", "0"]);
}

#[test]
fn backlog_too_small_forces_full_sync() {
    backlog_too_small(F);
}

#[test]
fn backlog_too_small_forces_full_sync_from_redis_master() {
    backlog_too_small(R);
}

// ---- 5: chain ----

/// A → B → C: B forwards A's stream verbatim, so all three have the same replication ID and,
/// once quiet, the same offset.
#[test]
fn chain_of_three_forwards_identical_stream_and_offsets() {
    let mut a = Node::start(F, &[]);
    let mut b = Node::start(F, &[]);
    let mut c = Node::start(F, &[]);
    load_dataset(&mut a);
    b.replicaof(&a);
    c.replicaof(&b);
    for round in 0..4 {
        write_mix(&mut a, round);
    }
    blocked_pop_served_by_push(&mut a);
    wait_same_data(&mut a, &mut [&mut b, &mut c]);
    let replid = a.repl("master_replid");
    assert_eq!(b.repl("master_replid"), replid);
    assert_eq!(c.repl("master_replid"), replid);
    assert_eq!(b.repl("connected_slaves"), "1");
    assert_eq!(b.repl("role"), "slave");
    // More writes after the chain settled.
    write_mix(&mut a, 10);
    let offset = wait_same_data(&mut a, &mut [&mut b, &mut c]);
    assert_eq!(c.repl("slave_repl_offset"), offset.to_string());
}

// ---- 6: PSYNC2 ----

/// REPLICAOF NO ONE keeps the old master's ID as replid2 up to the promoted replica's offset;
/// a sibling and the old master itself then continue from it with a partial resync.
#[test]
fn psync2_promoted_replica_continues_sibling_and_old_master_partially() {
    // No PINGs from A in the stream: A's offset must stay where B's history ends.
    let mut a = Node::start(F, &["--repl-ping-replica-period", "3600"]);
    let mut b = Node::start(F, &[]);
    let mut c = Node::start(F, &[]);
    load_dataset(&mut a);
    b.replicaof(&a);
    c.replicaof(&a);
    write_mix(&mut a, 0);
    let offset = wait_same_data(&mut a, &mut [&mut b, &mut c]);
    let a_id = a.repl("master_replid");

    b.ok(&["REPLICAOF", "NO", "ONE"]);
    assert_eq!(b.repl("role"), "master");
    assert_eq!(b.repl("master_replid2"), a_id);
    assert_eq!(b.repl("second_repl_offset"), (offset + 1).to_string());
    let b_id = b.repl("master_replid");
    assert_ne!(b_id, a_id);
    assert_eq!(b.offset(), offset);

    c.replicaof(&b);
    wait_for("the sibling's partial resync", || {
        b.stat("sync_partial_ok") == 1
    });
    write_mix(&mut b, 1);
    wait_same_data(&mut b, &mut [&mut c]);
    assert_eq!(b.stat("sync_full"), 0);
    assert_eq!(c.repl("master_replid"), b_id);

    a.replicaof(&b);
    wait_for("the old master's partial resync", || {
        b.stat("sync_partial_ok") == 2
    });
    write_mix(&mut b, 2);
    wait_same_data(&mut b, &mut [&mut a, &mut c]);
    assert_eq!(b.stat("sync_full"), 0);
    assert_eq!(b.repl("connected_slaves"), "2");
    assert_eq!(a.repl("master_replid"), b_id);
    assert!(
        a.log()
            .contains("Successful partial resynchronization with master."),
        "old master's log:\n{}",
        a.log()
    );
}

// ---- 7: read-only replica, expiry ----

#[test]
fn replica_read_only_refuses_writes_until_configured_writable() {
    let mut m = Node::start(F, &[]);
    let mut r = Node::start(F, &[]);
    r.replicaof(&m);
    m.ok(&["SET", "k", "from-master"]);
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(r.repl("slave_read_only"), "1");
    assert_eq!(
        r.err(&["SET", "k", "local"]),
        "READONLY You can't write against a read only replica."
    );
    assert_eq!(
        r.err(&["LPUSH", "l", "x"]),
        "READONLY You can't write against a read only replica."
    );
    assert_eq!(r.bulk(&["GET", "k"]).as_deref(), Some("from-master"));
    r.ok(&["CONFIG", "SET", "replica-read-only", "no"]);
    assert_eq!(r.repl("slave_read_only"), "0");
    r.ok(&["SET", "local", "written"]);
    assert_eq!(r.bulk(&["GET", "local"]).as_deref(), Some("written"));
    // Local writes are not sent anywhere, and the master's writes still apply.
    m.ok(&["SET", "k", "again"]);
    wait_for("the master's write", || {
        r.bulk(&["GET", "k"]).as_deref() == Some("again")
    });
    assert_eq!(m.bulk(&["GET", "local"]), None);
}

/// What a replica answers about a key that is logically expired but that its master has not
/// deleted yet, and what it holds once the master's DEL arrives.
fn expiry_observations(kind: Kind) -> Vec<(String, Value)> {
    let mut m = Node::start(kind, &[]);
    let mut r = Node::start(kind, &[]);
    r.replicaof(&m);
    m.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    m.ok(&["SET", "e", "v"]);
    m.int(&["PEXPIRE", "e", "200"]);
    m.ok(&["SET", "keep", "v"]);
    wait_same_data(&mut m, &mut [&mut r]);
    // Let the key's time pass; neither server deletes it (no active expiry, no access on the
    // master; a replica never expires keys itself).
    std::thread::sleep(Duration::from_millis(400));
    let mut seen = Vec::new();
    for args in [
        &["GET", "e"][..],
        &["EXISTS", "e"],
        &["TTL", "e"],
        &["TYPE", "e"],
        &["DBSIZE"],
        &["KEYS", "*"],
        &["SCAN", "0", "COUNT", "100"],
        &["MGET", "e", "keep"],
    ] {
        seen.push((format!("hidden: {args:?}"), r.v(args)));
    }
    // The master deletes it on access and propagates a DEL.
    assert_eq!(m.bulk(&["GET", "e"]), None);
    wait_same_data(&mut m, &mut [&mut r]);
    seen.push(("after DEL: DBSIZE".into(), r.v(&["DBSIZE"])));

    // Active expiry on the master: the DEL arrives without anyone touching the key.
    m.ok(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    m.ok(&["SET", "a", "v", "PX", "100"]);
    wait_for("the key to reach the replica", || r.int(&["DBSIZE"]) == 2);
    wait_for("the master's active expiry to reach the replica", || {
        r.int(&["DBSIZE"]) == 1
    });
    seen.push(("after active expiry: KEYS".into(), r.v(&["KEYS", "*"])));
    seen
}

#[test]
fn replica_hides_logically_expired_keys_and_deletes_on_masters_del_as_redis() {
    let ours = expiry_observations(F);
    // KEYS order is the hash table's.
    let sorted = |mut v: Vec<(String, Value)>| {
        for (what, val) in v.iter_mut() {
            if let (true, Value::Array(items)) = (what.contains("KEYS"), val) {
                items.sort_by_key(|i| format!("{i:?}"));
            }
        }
        v
    };
    let ours = sorted(ours);
    // Redis's own behaviour, for the record: GET nil, EXISTS 0, TTL -2, TYPE none, but DBSIZE
    // still counts it (the replica has not deleted it).
    assert_eq!(ours[0].1, Value::Nil, "{:?}", ours[0]);
    assert_eq!(ours[1].1, Value::Int(0), "{:?}", ours[1]);
    assert_eq!(ours[2].1, Value::Int(-2), "{:?}", ours[2]);
    assert_eq!(ours[4].1, Value::Int(2), "{:?}", ours[4]);
    assert_eq!(ours[8].1, Value::Int(1), "{:?}", ours[8]);
    let redis = sorted(expiry_observations(R));
    assert_eq!(ours, redis);
}

// ---- 8: WAIT ----

#[test]
fn wait_counts_acknowledging_replicas_and_times_out_when_one_is_stopped() {
    let mut m = Node::start(F, &[]);
    let mut r = Node::start(F, &[]);
    r.replicaof(&m);
    wait_same_data(&mut m, &mut [&mut r]);
    m.ok(&["SET", "k", "1"]);
    assert_eq!(m.int(&["WAIT", "1", "5000"]), 1);
    assert_eq!(r.bulk(&["GET", "k"]).as_deref(), Some("1"));

    stop_process(&r.s);
    m.ok(&["SET", "k", "2"]);
    let started = Instant::now();
    let acked = m.int(&["WAIT", "1", "500"]);
    let waited = started.elapsed();
    r.s.signal("CONT");
    assert_eq!(acked, 0);
    assert!(
        waited >= Duration::from_millis(450),
        "WAIT returned after {waited:?}"
    );

    assert_eq!(m.int(&["WAIT", "1", "10000"]), 1);
    assert_eq!(r.bulk(&["GET", "k"]).as_deref(), Some("2"));
    // WAIT 0 needs nobody.
    assert_eq!(m.int(&["WAIT", "0", "0"]), 1);
}

#[test]
fn wait_on_a_replica_is_refused_as_redis() {
    let texts: Vec<String> = [F, R]
        .into_iter()
        .map(|kind| {
            let mut m = Node::start(kind, &[]);
            let mut r = Node::start(kind, &[]);
            r.replicaof(&m);
            wait_same_data(&mut m, &mut [&mut r]);
            r.err(&["WAIT", "1", "100"])
        })
        .collect();
    assert!(
        texts[0].starts_with("ERR WAIT cannot be used with replica instances."),
        "{}",
        texts[0]
    );
    assert_eq!(texts[0], texts[1]);
}

// ---- 9: min-replicas-to-write ----

#[test]
fn min_replicas_to_write_refuses_writes_while_the_replica_is_stopped() {
    let mut m = Node::start(
        F,
        &[
            "--min-replicas-to-write",
            "1",
            "--min-replicas-max-lag",
            "2",
        ],
    );
    assert_eq!(
        m.err(&["SET", "k", "v"]),
        "NOREPLICAS Not enough good replicas to write."
    );
    let mut r = Node::start(F, &[]);
    r.replicaof(&m);
    wait_for("a good replica", || m.v(&["SET", "k", "v"]) == Value::Okay);

    stop_process(&r.s);
    wait_for("NOREPLICAS with the replica stopped", || {
        error_of(&m.v(&["SET", "k", "v2"])).is_some()
    });
    assert_eq!(
        m.err(&["SET", "k", "v3"]),
        "NOREPLICAS Not enough good replicas to write."
    );
    // Reads are not refused.
    assert!(m.bulk(&["GET", "k"]).is_some());
    r.s.signal("CONT");
    wait_for("writes accepted again", || {
        m.v(&["SET", "k", "v4"]) == Value::Okay
    });
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(r.bulk(&["GET", "k"]).as_deref(), Some("v4"));
}

// ---- 10: stale data ----

/// While a slow full sync from a new master runs, the replica answers from its old data; then
/// it switches to the new data in one step.
#[test]
fn replica_serves_its_old_data_during_a_slow_full_sync() {
    // 5000 keys at 400 µs each: the snapshot takes about 2 s.
    let mut m = Node::start(F, &["--rdb-key-save-delay", "400"]);
    m.ok(&["DEBUG", "POPULATE", "5000", "new", "10"]);
    let mut r = Node::start(F, &[]);
    r.ok(&["SET", "old", "old-value"]);
    r.ok(&["DEBUG", "POPULATE", "100", "oldkey", "10"]);
    r.replicaof(&m);
    let mut stale_reads = 0;
    wait_for("the sync to finish", || {
        let before = r.repl("master_sync_in_progress");
        let value = r.bulk(&["GET", "old"]);
        let after = r.repl("master_sync_in_progress");
        if before == "1" && after == "1" {
            assert_eq!(value.as_deref(), Some("old-value"), "read during the sync");
            stale_reads += 1;
        }
        r.link_up()
    });
    assert!(stale_reads > 0, "never observed master_sync_in_progress:1");
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(r.bulk(&["GET", "old"]), None);
    assert_eq!(r.int(&["DBSIZE"]), 5000);
}

#[test]
fn replica_serve_stale_data_no_answers_masterdown_as_redis() {
    let dead_port = common::free_port().to_string();
    let texts: Vec<String> = [F, R]
        .into_iter()
        .map(|kind| {
            let args = [
                "--replica-serve-stale-data",
                "no",
                "--replicaof",
                "127.0.0.1",
                &dead_port,
            ];
            let mut r = Node::start(kind, &args);
            // INFO is served while the link is down.
            assert_eq!(r.repl("master_link_status"), "down");
            r.err(&["GET", "k"])
        })
        .collect();
    assert_eq!(
        texts[0],
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
    );
    assert_eq!(texts[0], texts[1]);
}

// ---- 11: three replicas under load ----

#[test]
fn three_replicas_syncing_at_once_under_write_load_end_equal() {
    let mut m = Node::start(F, &[]);
    load_dataset(&mut m);
    let stop = Arc::new(AtomicBool::new(false));
    let ops = Arc::new(AtomicU64::new(0));
    let mut wc = connect(&m.s);
    let writer = {
        let (stop, ops) = (Arc::clone(&stop), Arc::clone(&ops));
        std::thread::spawn(move || {
            let mut i: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                let db = (i % 2).to_string();
                let key = format!("w:{}", i % 500);
                redis::pipe()
                    .cmd("SELECT")
                    .arg(&db)
                    .ignore()
                    .cmd("SET")
                    .arg(&key)
                    .arg(i)
                    .ignore()
                    .cmd("INCR")
                    .arg("w:counter")
                    .ignore()
                    .cmd("LPUSH")
                    .arg("w:list")
                    .arg(i)
                    .ignore()
                    .cmd("LTRIM")
                    .arg("w:list")
                    .arg(0)
                    .arg(99)
                    .ignore()
                    .query::<()>(&mut wc)
                    .expect("writer");
                i += 1;
                ops.store(i, Ordering::Relaxed);
            }
        })
    };
    let mut replicas: Vec<Node> = (0..3).map(|_| Node::start(F, &[])).collect();
    for r in replicas.iter_mut() {
        r.replicaof(&m);
    }
    for r in replicas.iter_mut() {
        wait_for("every replica's link", || r.link_up());
    }
    let after_sync = ops.load(Ordering::Relaxed);
    wait_for("writes after the syncs", || {
        ops.load(Ordering::Relaxed) >= after_sync + 500
    });
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer thread");
    let [r1, r2, r3] = &mut replicas[..] else {
        unreachable!()
    };
    wait_same_data(&mut m, &mut [r1, r2, r3]);
    assert_eq!(m.stat("sync_full"), 3);
    assert_eq!(m.repl("connected_slaves"), "3");
}

// ---- 12: restarts ----

/// A replica that saved its RDB on SHUTDOWN restarts from it (same directory, `replicaof` in
/// argv) and continues with a partial resync.
///
/// With `stream_in_db7` the stream had database 7 selected at the shutdown and the first write
/// after it is in database 7: the restarted replica must continue in the database its RDB
/// recorded (`repl-stream-db`), as Redis does.
fn replica_restart(master_kind: Kind, replica_kind: Kind, stream_in_db7: bool) {
    let mut m = Node::start(master_kind, &["--repl-ping-replica-period", "3600"]);
    load_dataset(&mut m);
    let port = m.port().to_string();
    let args = ["--replicaof", "127.0.0.1", &port];
    let mut r = Node::start(replica_kind, &args);
    write_mix(&mut m, 0);
    if stream_in_db7 {
        set_in_db7(&mut m, "before");
    }
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(m.stat("sync_full"), 1);
    let partial = m.stat("sync_partial_ok");

    let dir = r.shutdown_save();
    if stream_in_db7 {
        set_in_db7(&mut m, "during");
    }
    write_mix(&mut m, 1);
    m.ok(&["SET", "written-while-down", "yes"]);
    let mut all = vec!["--repl-diskless-sync-delay", "0"];
    all.extend_from_slice(&args);
    let mut r = Node::from(Server::start_in(replica_kind, &dir.path, &all));
    wait_for("the restarted replica's partial resync", || {
        m.stat("sync_partial_ok") == partial + 1
    });
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(m.stat("sync_full"), 1);
    assert_eq!(
        r.bulk(&["GET", "written-while-down"]).as_deref(),
        Some("yes")
    );
    if stream_in_db7 {
        assert_in_db7(&mut r, "during");
    }
    drop(r);
    drop(dir);
}

#[test]
fn replica_restarted_from_its_rdb_continues_with_partial_resync() {
    replica_restart(F, F, false);
}

#[test]
fn redis_replica_restarted_from_its_rdb_continues_partially_with_ferrodis_master() {
    replica_restart(F, R, false);
}

#[test]
fn ferrodis_replica_restarted_from_its_rdb_continues_partially_with_redis_master() {
    replica_restart(R, F, false);
}

#[test]
fn restarted_replica_continues_in_the_database_its_rdb_recorded() {
    replica_restart(F, F, true);
}

#[test]
fn restarted_ferrodis_replica_continues_in_the_database_its_rdb_recorded_with_redis_master() {
    replica_restart(R, F, true);
}

#[test]
fn restarted_redis_replica_continues_in_the_database_its_rdb_recorded_with_ferrodis_master() {
    replica_restart(F, R, true);
}

/// A master restarted from its RDB (SHUTDOWN SAVE, same port and directory) keeps its
/// replication ID and offset, so its replica, reconnecting on its own, continues partially
/// (Redis 7.0).
fn master_restart(master_kind: Kind, replica_kind: Kind) {
    let mut m = Node::start(master_kind, &["--repl-ping-replica-period", "3600"]);
    load_dataset(&mut m);
    let mut r = Node::start(replica_kind, &[]);
    r.replicaof(&m);
    write_mix(&mut m, 0);
    wait_same_data(&mut m, &mut [&mut r]);
    let replid = m.repl("master_replid");
    let port = m.port();

    let dir = m.shutdown_save();
    // Redis's SHUTDOWN puts a REPLCONF GETACK in the stream and waits for the replicas to
    // acknowledge it before saving: the replica's offset is the one the RDB records.
    wait_for("the replica to see its master gone", || !r.link_up());
    let offset = r.offset();
    let args = [
        "--repl-diskless-sync-delay",
        "0",
        "--repl-ping-replica-period",
        "3600",
    ];
    let mut m = Node::from(Server::start_in_port(master_kind, &dir.path, port, &args));
    // Redis 7.0's loadDataFromDisk: the recorded ID becomes the secondary one, valid up to the
    // recorded offset, under a new ID.
    assert_eq!(m.repl("master_replid2"), replid);
    assert_eq!(m.repl("second_repl_offset"), (offset + 1).to_string());
    assert_ne!(m.repl("master_replid"), replid);
    assert_eq!(m.offset(), offset);
    assert_eq!(m.repl("repl_backlog_active"), "1");
    wait_for("the replica's partial resync", || {
        m.stat("sync_partial_ok") == 1
    });
    write_mix(&mut m, 1);
    wait_same_data(&mut m, &mut [&mut r]);
    assert_eq!(m.stat("sync_full"), 0);
    drop(m);
    drop(dir);
}

#[test]
fn master_restarted_from_its_rdb_accepts_partial_resync() {
    master_restart(F, F);
}

#[test]
fn redis_master_restarted_from_its_rdb_continues_ferrodis_replica_partially() {
    master_restart(R, F);
}

#[test]
fn ferrodis_master_restarted_from_its_rdb_continues_redis_replica_partially() {
    master_restart(F, R);
}

/// Where Redis is unsafe: a master restarted without its data (new replid, offset 0, no keys)
/// makes its replicas wipe themselves in the next full sync. With
/// `replica-protect-from-empty-master yes` (the default) a ferrodis replica refuses that sync,
/// says so in its log, keeps serving its data, and accepts once the operator says so.
#[test]
fn replica_refuses_empty_full_sync_from_master_restarted_without_data() {
    let mut master = Node::start(Kind::Ferrodis, &[]);
    master.run(&["DEBUG", "POPULATE", "300"]);
    let mut replica = Node::start(Kind::Ferrodis, &[]);
    replica.replicaof(&master);
    wait_for("replica synced 300 keys", || {
        replica.link_up() && replica.int(&["DBSIZE"]) == 300
    });
    let port = master.port();
    let dir = master.s.into_dir();
    // Restarted empty: the RDB is gone.
    let _ = std::fs::remove_file(dir.path.join("dump.rdb"));
    let restarted = Server::start_in_port(
        Kind::Ferrodis,
        &dir.path,
        port,
        &["--repl-diskless-sync-delay", "0"],
    );
    let mut master = Node::from(restarted);
    assert_eq!(master.int(&["DBSIZE"]), 0);
    wait_for("the replica logs its refusal", || {
        replica.log().contains("REFUSING to replace 300 keys")
    });
    assert_eq!(replica.int(&["DBSIZE"]), 300, "data kept");
    assert_eq!(replica.repl("master_link_status"), "down");
    // The operator decides: accept the empty dataset.
    replica.ok(&["CONFIG", "SET", "replica-protect-from-empty-master", "no"]);
    wait_for("replica took the empty dataset", || {
        replica.link_up() && replica.int(&["DBSIZE"]) == 0
    });
    master.ok(&["SET", "after", "1"]);
    wait_for("stream flows", || replica.bulk(&["GET", "after"]).is_some());
}

/// A fake master on a test socket: accepts one connection, answers the handshake, then sends
/// `after_psync` and closes.
fn fake_master(after_psync: &'static [u8]) -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake master");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let Ok((sock, _)) = listener.accept() else {
            return;
        };
        sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut reader = BufReader::new(sock.try_clone().expect("clone"));
        let mut w = sock;
        let mut line = String::new();
        // Each command is a RESP array: answer +OK/+PONG by command name, PSYNC with our bytes.
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let Some(n) = line
                .strip_prefix('*')
                .and_then(|n| n.trim().parse::<usize>().ok())
            else {
                continue;
            };
            let mut args = Vec::new();
            for _ in 0..n {
                let mut len = String::new();
                let mut arg = String::new();
                reader.read_line(&mut len).ok();
                reader.read_line(&mut arg).ok();
                args.push(arg.trim().to_ascii_uppercase());
            }
            match args.first().map(String::as_str) {
                Some("PING") => w.write_all(b"+PONG\r\n").ok(),
                Some("PSYNC") => {
                    let _ = w.write_all(after_psync);
                    std::thread::sleep(Duration::from_millis(300));
                    return;
                }
                _ => w.write_all(b"+OK\r\n").ok(),
            };
        }
    });
    (port, handle)
}

/// Bad input from a replication peer is an error, never a panic, and never a partial load: a
/// replica fed garbage, truncated or corrupt RDBs, or a broken stream keeps its data, logs the
/// fault and keeps retrying.
#[test]
fn replica_survives_a_master_that_speaks_garbage() {
    let id = "a".repeat(40);
    let cases: Vec<&'static [u8]> = vec![
        b"-ERR nope\r\n",
        b"+WHATEVER\r\n",
        b"+FULLRESYNC short 0\r\n",
        b"+FULLRESYNC aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0\r\n*garbage\r\n",
        b"+FULLRESYNC aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0\r\n$99999\r\nREDIS0010",
        b"+FULLRESYNC aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0\r\n$20\r\nNOTANRDBFILEATALL!!!",
        b"+FULLRESYNC aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0\r\n$EOF:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\nREDIS0010\xfa\x01",
        b"+CONTINUE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n*2\r\n$3\r\nSET\r\n$-5\r\n",
        b"+CONTINUE\r\n*1\r\n$999999999999\r\n",
    ];
    let _ = id;
    let mut replica = Node::start(Kind::Ferrodis, &[]);
    replica.ok(&["SET", "mine", "1"]);
    for bytes in cases {
        let (port, master) = fake_master(bytes);
        let port_s = port.to_string();
        replica.ok(&["REPLICAOF", "127.0.0.1", &port_s]);
        master.join().expect("fake master thread");
        // The replica is alive, answers, and still has its own data.
        assert_eq!(
            replica.bulk(&["GET", "mine"]).as_deref(),
            Some("1"),
            "{bytes:?}"
        );
        assert_ne!(replica.repl("master_link_status"), "up", "{bytes:?}");
        replica.ok(&["REPLICAOF", "NO", "ONE"]);
    }
    assert!(!replica.log().contains("panicked"), "{}", replica.log());
}

/// The master side of the same rule: a would-be replica sending nonsense gets errors or is
/// dropped, and the master keeps serving.
#[test]
fn master_survives_a_replica_that_speaks_garbage() {
    let mut master = Node::start(Kind::Ferrodis, &[]);
    master.ok(&["SET", "k", "v"]);
    let inputs: Vec<&[u8]> = vec![
        b"PSYNC x y\r\n",
        b"PSYNC ? -1 FAILOVER\r\n",
        b"REPLCONF ACK notanumber\r\nREPLCONF listening-port 99999999\r\n",
        b"REPLCONF capa\r\n",
        b"SYNC\r\n*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$3\r\nabc\r\n\x00\x01garbage\r\n",
    ];
    for bytes in inputs {
        let mut raw = master.s.raw();
        raw.send(bytes);
        std::thread::sleep(Duration::from_millis(100));
        drop(raw);
        assert_eq!(
            master.bulk(&["GET", "k"]).as_deref(),
            Some("v"),
            "{bytes:?}"
        );
    }
    // A replica (after its RDB) that sends a command producing a reply is dropped.
    let mut raw = master.s.raw();
    raw.send(b"PSYNC ? -1\r\n");
    std::thread::sleep(Duration::from_millis(500));
    raw.send(b"PING\r\n");
    wait_for("the master to drop the replica", || {
        master
            .log()
            .contains("Replica generated a reply to command 'ping'")
    });
    assert_eq!(master.bulk(&["GET", "k"]).as_deref(), Some("v"));
    assert!(
        master
            .log()
            .contains("Replica generated a reply to command 'ping'"),
        "{}",
        master.log()
    );
}

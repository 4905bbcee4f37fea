//! A real `redis-sentinel` (Debian's, 7.0.15) monitors a ferrodis master with a ferrodis
//! replica and fails it over when the master dies: what an operator running Sentinel needs
//! (ROLE, INFO replication, REPLICAOF, CONFIG REWRITE, CLIENT KILL TYPE, pub/sub HELLO).

mod common;

use common::{Kind, Server, TestDir, free_port};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A sentinel process owned by the test, stopped by PID when dropped.
struct Sentinel {
    child: Child,
    port: u16,
    _dir: TestDir,
}

impl Sentinel {
    fn start(master_port: u16) -> Sentinel {
        let dir = TestDir::new();
        let port = free_port();
        let conf = dir.path.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor mymaster 127.0.0.1 {master_port} 1\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 5000\n",
                dir.path.display()
            ),
        )
        .expect("write sentinel.conf");
        let log = std::fs::File::create(dir.path.join("log")).expect("sentinel log");
        let child = Command::new("redis-sentinel")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .expect("start redis-sentinel (Debian package redis-sentinel)");
        Sentinel {
            child,
            port,
            _dir: dir,
        }
    }

    fn cmd(&self, args: &[&str]) -> Option<redis::Value> {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).ok()?;
        let mut c = client.get_connection().ok()?;
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut c).ok()
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME mymaster` as (host, port).
    fn master_addr(&self) -> Option<(String, String)> {
        let v: Vec<String> = redis::from_redis_value(&self.cmd(&[
            "SENTINEL",
            "GET-MASTER-ADDR-BY-NAME",
            "mymaster",
        ])?)
        .ok()?;
        Some((v.first()?.clone(), v.get(1)?.clone()))
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn role(s: &Server) -> String {
    let mut c = s.conn();
    let v: Vec<redis::Value> = redis::cmd("ROLE").query(&mut c).expect("ROLE");
    redis::from_redis_value(&v[0]).expect("role name")
}

#[test]
fn sentinel_fails_over_a_ferrodis_master_to_its_ferrodis_replica() {
    let master = Server::start(&["--repl-diskless-sync-delay", "0"]);
    let replica = Server::start(&["--replicaof", "127.0.0.1", &master.port.to_string()]);
    let mut m = master.conn();
    let _: () = redis::cmd("SET")
        .arg("before")
        .arg("1")
        .query(&mut m)
        .expect("SET");
    wait_for("the replica to sync", || {
        let mut c = replica.conn();
        redis::cmd("GET")
            .arg("before")
            .query::<Option<String>>(&mut c)
            .ok()
            .flatten()
            .is_some()
    });
    let sentinel = Sentinel::start(master.port);
    // Sentinel discovers the replica through the master's INFO replication.
    wait_for("sentinel to see the replica", || {
        sentinel
            .cmd(&["SENTINEL", "REPLICAS", "mymaster"])
            .and_then(|v| redis::from_redis_value::<Vec<redis::Value>>(&v).ok())
            .is_some_and(|r| r.len() == 1)
    });
    assert_eq!(
        sentinel.master_addr(),
        Some(("127.0.0.1".into(), master.port.to_string()))
    );
    drop(m);
    drop(master); // killed: the master is down
    wait_for("sentinel to promote the replica", || {
        sentinel.master_addr() == Some(("127.0.0.1".into(), replica.port.to_string()))
    });
    wait_for("the replica to be a master", || role(&replica) == "master");
    let mut r = replica.conn();
    let before: Option<String> = redis::cmd("GET").arg("before").query(&mut r).expect("GET");
    assert_eq!(before.as_deref(), Some("1"), "data survived the failover");
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg("2")
        .query(&mut r)
        .expect("writable now");
}

#[test]
fn sentinel_sees_ferrodis_roles_like_redis() {
    // The same topology with real redis-server gives the same view from Sentinel.
    for kind in [Kind::Ferrodis, Kind::Redis] {
        let master = Server::start_kind(kind, &["--repl-diskless-sync-delay", "0"]);
        let port = master.port.to_string();
        let replica = Server::start_kind(kind, &["--replicaof", "127.0.0.1", &port]);
        let sentinel = Sentinel::start(master.port);
        wait_for("sentinel to see the replica", || {
            sentinel
                .cmd(&["SENTINEL", "REPLICAS", "mymaster"])
                .and_then(|v| redis::from_redis_value::<Vec<redis::Value>>(&v).ok())
                .is_some_and(|r| r.len() == 1)
        });
        let replicas = sentinel
            .cmd(&["SENTINEL", "REPLICAS", "mymaster"])
            .expect("SENTINEL REPLICAS");
        let text = format!("{replicas:?}");
        assert!(text.contains(&replica.port.to_string()), "{text}");
        assert_eq!(role(&replica), "slave");
    }
}

//! Test harness: starts the `ferrodis` binary (or a real `redis-server`) on a free loopback
//! port in its own temporary directory, and stops it by PID when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A running server process owned by a test.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    pub log: PathBuf,
}

/// Which server binary to start.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Ferrodis,
    Redis,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}

fn temp_dir() -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ferrodis-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

impl Server {
    /// Starts ferrodis with test defaults plus `args` (`["--maxclients", "2"]`).
    pub fn start(args: &[&str]) -> Server {
        Server::start_kind(Kind::Ferrodis, args)
    }

    /// Starts a real redis-server 7.0 with the same defaults (for differential and interop tests).
    pub fn start_redis(args: &[&str]) -> Server {
        Server::start_kind(Kind::Redis, args)
    }

    /// Starts the server a test is about: ferrodis, or a real redis-server when the environment
    /// sets `FERRODIS_TEST_AGAINST_REDIS=1`, which checks that the test's expectations are
    /// Redis's own behaviour rather than ours.
    pub fn start_subject(args: &[&str]) -> Server {
        Server::start_kind(subject_kind(), args)
    }

    pub fn start_kind(kind: Kind, args: &[&str]) -> Server {
        Server::start_with_config(kind, None, args)
    }

    /// Starts a server with a config file (written into its directory) and extra arguments.
    pub fn start_with_config(kind: Kind, config: Option<&str>, args: &[&str]) -> Server {
        for _attempt in 0..5 {
            let dir = temp_dir();
            let port = free_port();
            match Server::try_start(kind, &dir, port, config, args) {
                Ok(s) => return s,
                Err(log) if log.contains("Failed listening on port") => continue,
                Err(log) => panic!("server failed to start:\n{log}"),
            }
        }
        panic!("could not find a free port");
    }

    fn try_start(
        kind: Kind,
        dir: &Path,
        port: u16,
        config: Option<&str>,
        args: &[&str],
    ) -> Result<Server, String> {
        let log = dir.join("stdout");
        let bin = match kind {
            Kind::Ferrodis => PathBuf::from(env!("CARGO_BIN_EXE_ferrodis")),
            Kind::Redis => PathBuf::from("redis-server"),
        };
        let mut cmd = Command::new(bin);
        if let Some(text) = config {
            let path = dir.join("redis.conf");
            std::fs::write(&path, text).expect("write config");
            cmd.arg(path);
        }
        let port_s = port.to_string();
        let dir_s = dir.display().to_string();
        cmd.args([
            "--port",
            &port_s,
            "--bind",
            "127.0.0.1",
            "--dir",
            &dir_s,
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
        cmd.args(["--enable-debug-command", "yes", "--logfile", ""]);
        cmd.args(args);
        let out = std::fs::File::create(&log).expect("create log");
        let err = out.try_clone().expect("dup log");
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("Ready to accept connections")
                && TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                return Ok(Server {
                    child: Some(child),
                    port,
                    dir: dir.to_path_buf(),
                    log,
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited with {status}\n{text}"));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not become ready\n{text}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A `redis` crate connection (RESP2).
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection())
            .expect("connect")
    }

    /// A raw socket to the server.
    pub fn raw(&self) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("raw connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        Raw { s }
    }

    /// Runs `redis-cli -p <port> args...` and returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("run redis-cli (Debian package redis-tools)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit on its own; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status.code();
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal to the process.
    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A raw TCP connection for protocol-level tests.
pub struct Raw {
    pub s: TcpStream,
}

impl Raw {
    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("write");
    }

    /// Reads until `n` complete RESP replies arrived (or the peer closed); returns the bytes.
    pub fn read_replies(&mut self, n: usize) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 65536];
        loop {
            if count_frames(&buf) >= n {
                return buf;
            }
            match self.s.read(&mut chunk) {
                Ok(0) | Err(_) => return buf,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        }
    }

    /// Sends a command encoded as a multibulk and reads one reply.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.send(&out);
        self.read_replies(1)
    }

    /// True once the server closed the connection (reads EOF).
    pub fn closed(&mut self) -> bool {
        let mut b = [0u8; 1024];
        loop {
            match self.s.read(&mut b) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(_) => return false,
            }
        }
    }
}

/// Counts complete top-level RESP frames at the start of `buf`.
pub fn count_frames(buf: &[u8]) -> usize {
    let limits = ferrodis_resp::Limits::default();
    let mut n = 0;
    let mut at = 0;
    while at < buf.len() {
        match ferrodis_resp::parse_frame(&buf[at..], &limits) {
            Ok(Some((_, used))) => {
                at += used;
                n += 1;
            }
            _ => break,
        }
    }
    n
}

/// `redis::cmd` shortcut returning a typed result.
pub fn q<T: redis::FromRedisValue>(
    c: &mut redis::Connection,
    args: &[&str],
) -> redis::RedisResult<T> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c)
}

/// The error text of a failed command (`ERR syntax error`).
pub fn err_text(c: &mut redis::Connection, args: &[&str]) -> String {
    match q::<redis::Value>(c, args) {
        Ok(v) => panic!("expected an error from {args:?}, got {v:?}"),
        Err(e) => {
            let code = e.code().unwrap_or("");
            let detail = e.detail().unwrap_or("");
            if code.is_empty() {
                detail.to_string()
            } else {
                format!("{code} {detail}").trim().to_string()
            }
        }
    }
}

/// Which server `Server::start_subject` starts (see there).
pub fn subject_kind() -> Kind {
    match std::env::var("FERRODIS_TEST_AGAINST_REDIS").as_deref() {
        Ok("1") => Kind::Redis,
        _ => Kind::Ferrodis,
    }
}

/// Sends one command (binary-safe arguments) and returns its whole reply. An error reply is
/// `Value::ServerError` rather than an `Err`, so the replies of two servers compare directly.
pub fn reply(c: &mut redis::Connection, args: &[&[u8]]) -> redis::Value {
    use redis::ConnectionLike;
    let mut packed = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        packed.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        packed.extend_from_slice(a);
        packed.extend_from_slice(b"\r\n");
    }
    c.req_packed_command(&packed).expect("connection failed")
}

/// The text of an error reply (`ERR syntax error`), or None for any other reply.
pub fn error_of(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::ServerError(e) => Some(match e.details() {
            Some(d) => format!("{} {d}", e.code()),
            None => e.code().to_string(),
        }),
        _ => None,
    }
}

/// A server under test with one connection, and terse assertions on replies, for tests that
/// pin command behaviour (see `Server::start_subject`).
pub struct Session {
    pub server: Server,
    pub c: redis::Connection,
}

impl Session {
    /// Starts the subject server (`Server::start_subject`) and connects.
    pub fn start(args: &[&str]) -> Session {
        let server = Server::start_subject(args);
        let c = server.conn();
        Session { server, c }
    }

    /// The whole reply, error replies included.
    pub fn v(&mut self, args: &[&str]) -> redis::Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        reply(&mut self.c, &raw)
    }

    /// The whole reply to a command with binary arguments.
    pub fn vb(&mut self, args: &[&[u8]]) -> redis::Value {
        reply(&mut self.c, args)
    }

    pub fn ok(&mut self, args: &[&str]) {
        assert_eq!(self.v(args), redis::Value::Okay, "{args:?}");
    }

    pub fn int(&mut self, args: &[&str]) -> i64 {
        match self.v(args) {
            redis::Value::Int(n) => n,
            other => panic!("{args:?}: expected an integer, got {other:?}"),
        }
    }

    /// A bulk string reply as text; None for nil.
    pub fn bulk(&mut self, args: &[&str]) -> Option<String> {
        match self.v(args) {
            redis::Value::Nil => None,
            redis::Value::BulkString(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            other => panic!("{args:?}: expected a bulk string or nil, got {other:?}"),
        }
    }

    /// A bulk string reply's bytes; None for nil.
    pub fn bytes(&mut self, args: &[&[u8]]) -> Option<Vec<u8>> {
        match self.vb(args) {
            redis::Value::Nil => None,
            redis::Value::BulkString(b) => Some(b),
            other => panic!("expected a bulk string or nil, got {other:?}"),
        }
    }

    pub fn nil(&mut self, args: &[&str]) {
        assert_eq!(self.v(args), redis::Value::Nil, "{args:?}");
    }

    /// The error text a command replies (panics on any other reply).
    pub fn err(&mut self, args: &[&str]) -> String {
        let v = self.v(args);
        error_of(&v).unwrap_or_else(|| panic!("{args:?}: expected an error, got {v:?}"))
    }

    /// A simple-string reply (`TYPE`, `DEBUG DIGEST`).
    pub fn status(&mut self, args: &[&str]) -> String {
        match self.v(args) {
            redis::Value::SimpleString(s) => s,
            redis::Value::Okay => "OK".to_string(),
            other => panic!("{args:?}: expected a status reply, got {other:?}"),
        }
    }

    /// An array of bulk strings as text (nil elements as "<nil>").
    pub fn strings(&mut self, args: &[&str]) -> Vec<String> {
        match self.v(args) {
            redis::Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
                    redis::Value::SimpleString(s) => s,
                    redis::Value::Nil => "<nil>".to_string(),
                    other => panic!("{args:?}: unexpected element {other:?}"),
                })
                .collect(),
            other => panic!("{args:?}: expected an array, got {other:?}"),
        }
    }
}

// ---- Servers on existing directories (persistence tests) ----

/// A temporary directory of the test's own (files moved between servers), removed on drop.
pub struct TestDir {
    pub path: PathBuf,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir { path: temp_dir() }
    }

    /// A new directory holding a copy of `file` under the name `dump.rdb`.
    pub fn with_dump(file: &Path) -> TestDir {
        let dir = TestDir::new();
        std::fs::copy(file, dir.path.join("dump.rdb")).expect("copy the RDB file");
        dir
    }

    /// A new directory whose `dump.rdb` holds `bytes`.
    pub fn with_dump_bytes(bytes: &[u8]) -> TestDir {
        let dir = TestDir::new();
        std::fs::write(dir.path.join("dump.rdb"), bytes).expect("write the RDB file");
        dir
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Spawns a server on `dir` with the harness's defaults plus `args`, its output in `dir/stdout`,
/// without waiting for anything.
fn spawn_in(kind: Kind, dir: &Path, port: u16, args: &[&str]) -> Result<(Child, PathBuf), String> {
    let log = dir.join("stdout");
    let bin = match kind {
        Kind::Ferrodis => PathBuf::from(env!("CARGO_BIN_EXE_ferrodis")),
        Kind::Redis => PathBuf::from("redis-server"),
    };
    let port_s = port.to_string();
    let dir_s = dir.display().to_string();
    let out = std::fs::File::create(&log).map_err(|e| format!("create log: {e}"))?;
    let err = out.try_clone().map_err(|e| format!("dup log: {e}"))?;
    let child = Command::new(bin)
        .args(["--port", &port_s, "--bind", "127.0.0.1", "--dir", &dir_s])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--enable-debug-command", "yes", "--logfile", ""])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    Ok((child, log))
}

impl Server {
    /// Starts a server on an existing directory (loading its `dump.rdb`) and keeps the files
    /// there; waits for "Ready to accept connections". The directory is removed when the
    /// server is dropped, unless `into_dir` took it back.
    pub fn start_in(kind: Kind, dir: &Path, args: &[&str]) -> Server {
        for _attempt in 0..5 {
            match Server::try_start(kind, dir, free_port(), None, args) {
                Ok(s) => return s,
                Err(log) if log.contains("Failed listening on port") => continue,
                Err(log) => panic!("server failed to start:\n{log}"),
            }
        }
        panic!("could not find a free port");
    }

    /// Like `start_in`, but returns as soon as the port accepts connections: while the server
    /// may still be loading its dataset.
    pub fn start_in_no_wait(kind: Kind, dir: &Path, args: &[&str]) -> Server {
        for _attempt in 0..5 {
            let port = free_port();
            let (mut child, log) = spawn_in(kind, dir, port, args).expect("spawn server");
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Server {
                        child: Some(child),
                        port,
                        dir: dir.to_path_buf(),
                        log,
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if !text.contains("Failed listening on port") {
                panic!("server did not accept connections:\n{text}");
            }
        }
        panic!("could not find a free port");
    }

    /// Stops the server (kills it if it still runs) and hands its directory, with every file
    /// in it, to the caller.
    pub fn into_dir(mut self) -> TestDir {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // An empty path makes the drop's removal a no-op: the directory is the TestDir's now.
        TestDir {
            path: std::mem::take(&mut self.dir),
        }
    }
}

/// Starts a server on `dir` expecting it to exit by itself (a failed start-up); returns its exit
/// code (None if it was still running at the deadline and had to be killed) and its log.
pub fn run_until_exit(kind: Kind, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (mut child, log) = spawn_in(kind, dir, free_port(), args).expect("spawn server");
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (code, std::fs::read_to_string(&log).unwrap_or_default())
}

impl Server {
    /// Starts a server on an existing directory and a given port (a master restarted where
    /// its replicas expect it); waits for "Ready to accept connections".
    pub fn start_in_port(kind: Kind, dir: &Path, port: u16, args: &[&str]) -> Server {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match Server::try_start(kind, dir, port, None, args) {
                Ok(s) => return s,
                // The old process's socket may linger for a moment.
                Err(log)
                    if log.contains("Failed listening on port") && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(log) => panic!("server failed to start on port {port}:\n{log}"),
            }
        }
    }
}

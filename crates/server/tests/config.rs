//! Configuration as operators and Redis's test suite use it: start-up from a redis.conf (the
//! directives of Redis's tests/assets/default.conf), fatal errors for bad files, command-line
//! overrides, CONFIG GET/SET/RESETSTAT/REWRITE. Each behaviour is checked against a real
//! redis-server 7.0 where the two can be compared.

mod common;

use common::{Kind, Server, err_text, q};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BOTH: [(Kind, &str); 2] = [(Kind::Ferrodis, "ferrodis"), (Kind::Redis, "redis")];

static SCRATCH: AtomicUsize = AtomicUsize::new(0);

/// A directory of our own (pid files, unix sockets, config files), removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let n = SCRATCH.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ferrodis-cfg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Redis's tests/assets/default.conf with real values (REQUIREMENTS.md §0.1), with comments
/// and blank lines as a hand-written file has them.
fn default_conf(scratch: &Scratch) -> String {
    format!(
        "# Ferrodis test configuration, after Redis's tests/assets/default.conf\n\
         always-show-logo yes\n\
         notify-keyspace-events KEA\n\
         daemonize no\n\
         pidfile {pid}\n\
         port 6379\n\
         timeout 0\n\
         bind 127.0.0.1\n\
         loglevel verbose\n\
         logfile ''\n\
         databases 16\n\
         latency-monitor-threshold 1\n\
         repl-diskless-sync-delay 0\n\
         \n\
         # Persistence\n\
         save 900 1\n\
         rdbcompression yes\n\
         dbfilename dump.rdb\n\
         dir ./\n\
         \n\
         slave-serve-stale-data yes\n\
         appendonly no\n\
         appendfsync everysec\n\
         no-appendfsync-on-rewrite no\n\
         activerehashing yes\n\
         enable-protected-configs yes\n\
         enable-debug-command yes\n\
         enable-module-command yes\n\
         propagation-error-behavior panic\n\
         unixsocket {sock}\n",
        pid = scratch.path("redis.pid"),
        sock = scratch.path("socket"),
    )
}

/// Every parameter CONFIG GET * reports, as a map.
fn config_map(s: &Server) -> BTreeMap<String, String> {
    let mut c = s.conn();
    let flat: Vec<String> = q(&mut c, &["CONFIG", "GET", "*"]).expect("CONFIG GET *");
    assert!(flat.len().is_multiple_of(2));
    flat.chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect()
}

fn config_get(c: &mut redis::Connection, name: &str) -> String {
    let v: Vec<String> = q(c, &["CONFIG", "GET", name]).expect("CONFIG GET");
    assert_eq!(v.len(), 2, "CONFIG GET {name}: {v:?}");
    v[1].clone()
}

/// Runs a server binary that is expected to exit; returns its exit code and its output
/// (stdout and stderr together, as an operator's terminal shows them).
fn run_to_exit(kind: Kind, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let bin = match kind {
        Kind::Ferrodis => PathBuf::from(env!("CARGO_BIN_EXE_ferrodis")),
        Kind::Redis => PathBuf::from("redis-server"),
    };
    let out_path = dir.join(format!("out-{}", SCRATCH.fetch_add(1, Ordering::Relaxed)));
    let out = std::fs::File::create(&out_path).expect("create output file");
    let err = out.try_clone().expect("dup");
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "server did not exit:\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (code, std::fs::read_to_string(&out_path).unwrap_or_default())
}

/// The directive Ferrodis has and Redis has not (`replica-protect-from-empty-master`).
const OURS_ONLY: &str = "replica-protect-from-empty-master";

#[test]
fn default_conf_directives_start_and_read_back_like_redis() {
    let (fs, rs) = (Scratch::new(), Scratch::new());
    let f = Server::start_with_config(Kind::Ferrodis, Some(&default_conf(&fs)), &[]);
    let r = Server::start_with_config(Kind::Redis, Some(&default_conf(&rs)), &[]);
    let (mut ours, mut theirs) = (config_map(&f), config_map(&r));
    assert_eq!(ours["unixsocket"], fs.path("socket"));
    assert_eq!(ours["pidfile"], fs.path("redis.pid"));
    assert_eq!(ours["port"], f.port.to_string());
    for differs in ["port", "dir", "pidfile", "unixsocket"] {
        ours.remove(differs);
        theirs.remove(differs);
    }
    // Our one directive of our own (README): present here, unknown to Redis.
    assert_eq!(ours.remove(OURS_ONLY).as_deref(), Some("yes"));
    assert_eq!(ours, theirs, "CONFIG GET * differs from redis-server");
    assert_eq!(ours["loglevel"], "verbose");
    assert_eq!(ours["notify-keyspace-events"], "AKE");
    assert_eq!(ours["databases"], "16");
    assert_eq!(ours["slave-serve-stale-data"], "yes");
    assert_eq!(ours["propagation-error-behavior"], "panic");

    // The file's effects, not just its values: pid file, unix socket, 16 databases.
    let pid = std::fs::read_to_string(fs.path("redis.pid")).expect("pid file written");
    assert_eq!(pid.trim(), f.pid().to_string());
    let mut sock = std::os::unix::net::UnixStream::connect(fs.path("socket")).expect("unix socket");
    sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
    sock.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 7];
    sock.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"+PONG\r\n");
    let mut c = f.conn();
    let _: () = q(&mut c, &["SELECT", "15"]).unwrap();
    assert_eq!(
        err_text(&mut c, &["SELECT", "16"]),
        "ERR DB index is out of range"
    );
    assert!(
        f.log_text().contains("Configuration loaded"),
        "{}",
        f.log_text()
    );
}

#[test]
fn bad_config_file_exits_1_with_redis_fatal_error() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "port 6379\n# comment\nfoo bar\n",
            &[],
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
        ),
        (
            "maxmemory\n",
            &[],
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> 'maxmemory'\nwrong number of arguments\n",
        ),
        (
            "timeout 0\nport abc\n",
            &[],
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port abc'\nargument couldn't be parsed into an integer\n",
        ),
        (
            "appendonly maybe\n",
            &[],
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> 'appendonly maybe'\nargument must be 'yes' or 'no'\n",
        ),
        // Command-line options are read as lines after the file's and an empty line.
        (
            "port 6379\n",
            &["--no-such-directive", "1"],
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'no-such-directive \"1\"'\nBad directive or wrong number of arguments\n",
        ),
    ];
    let scratch = Scratch::new();
    for (i, (text, extra, expected)) in cases.iter().enumerate() {
        let conf = scratch.path(&format!("bad{i}.conf"));
        std::fs::write(&conf, text).unwrap();
        let mut args = vec![conf.as_str()];
        args.extend_from_slice(extra);
        for (kind, name) in BOTH {
            let (code, output) = run_to_exit(kind, &scratch.0, &args);
            assert_eq!(code, Some(1), "{name}, case {i}: {output}");
            assert_eq!(output, *expected, "{name}, case {i}");
        }
    }
}

#[test]
fn missing_config_file_is_fatal() {
    let scratch = Scratch::new();
    let missing = scratch.path("nope.conf");
    for (kind, name) in BOTH {
        let (code, output) = run_to_exit(kind, &scratch.0, &[&missing, "--port", "0"]);
        assert_eq!(code, Some(1), "{name}: {output}");
        assert!(
            output.contains("Fatal error, can't open config file"),
            "{name}: {output}"
        );
    }
}

#[test]
fn command_line_directives_override_the_file() {
    let conf = "# overrides\nmaxmemory 1mb\ntimeout 100\nhz 15\nmaxmemory-policy allkeys-lru\n";
    for (kind, name) in BOTH {
        let s = Server::start_with_config(kind, Some(conf), &["--maxmemory", "2mb", "--hz", "25"]);
        let mut c = s.conn();
        assert_eq!(config_get(&mut c, "maxmemory"), "2097152", "{name}");
        assert_eq!(config_get(&mut c, "hz"), "25", "{name}");
        assert_eq!(config_get(&mut c, "timeout"), "100", "{name}");
        assert_eq!(
            config_get(&mut c, "maxmemory-policy"),
            "allkeys-lru",
            "{name}"
        );
    }
}

#[test]
fn no_config_file_starts_and_warns() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    assert_eq!(config_get(&mut c, "port"), s.port.to_string());
    assert!(
        s.log_text()
            .contains("Warning: no config file specified, using the default config."),
        "{}",
        s.log_text()
    );
    assert_eq!(
        err_text(&mut c, &["CONFIG", "REWRITE"]),
        "ERR The server is running without a config file"
    );
    let info: String = q(&mut c, &["INFO", "server"]).unwrap();
    assert!(info.contains("config_file:\r\n"), "{info}");
}

/// Reads a raw reply to `CONFIG GET <patterns>` in the given protocol.
fn raw_config_get(s: &Server, resp3: bool, patterns: &[&str]) -> ferrodis_resp::Frame {
    let mut raw = s.raw();
    if resp3 {
        raw.send(b"HELLO 3\r\n");
        raw.read_replies(1);
    }
    let mut args: Vec<&[u8]> = vec![b"CONFIG", b"GET"];
    args.extend(patterns.iter().map(|p| p.as_bytes()));
    let bytes = raw.cmd(&args);
    let (frame, used) = ferrodis_resp::parse_frame(&bytes, &ferrodis_resp::Limits::default())
        .expect("valid")
        .expect("complete");
    assert_eq!(used, bytes.len());
    frame
}

/// Name/value pairs of a CONFIG GET reply, RESP2 flat array or RESP3 map alike, sorted (Redis
/// lists them in its hash table's order).
fn pairs(frame: ferrodis_resp::Frame) -> Vec<(String, String)> {
    use ferrodis_resp::Frame;
    let text = |f: &Frame| match f {
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not a bulk: {other:?}"),
    };
    let mut v: Vec<(String, String)> = match frame {
        Frame::Array(items) => {
            assert!(items.len().is_multiple_of(2));
            items
                .chunks(2)
                .map(|p| (text(&p[0]), text(&p[1])))
                .collect()
        }
        Frame::Map(entries) => entries.iter().map(|(k, v)| (text(k), text(v))).collect(),
        other => panic!("unexpected CONFIG GET reply {other:?}"),
    };
    v.sort();
    v
}

#[test]
fn config_get_globs_flat_in_resp2_map_in_resp3() {
    let f = Server::start(&[]);
    let r = Server::start_redis(&[]);
    let queries: &[&[&str]] = &[
        &["maxmemory*"],
        &["*max*entries*"],
        &["MAXMEMORY"],
        &["port", "bind"],
        &["maxmemory", "maxmemory*"],
        &["slave-serve-stale-data"],
        &["nosuch"],
        &["*"],
    ];
    for patterns in queries {
        for resp3 in [false, true] {
            let ours = raw_config_get(&f, resp3, patterns);
            use ferrodis_resp::Frame;
            match (&ours, resp3) {
                (Frame::Array(_), false) | (Frame::Map(_), true) => {}
                other => panic!("{patterns:?} resp3={resp3}: wrong reply type {other:?}"),
            }
            let theirs = raw_config_get(&r, resp3, patterns);
            // Port and dir are each server's own.
            let own = |v: Vec<(String, String)>| -> Vec<(String, String)> {
                v.into_iter()
                    .filter(|(k, _)| k != OURS_ONLY)
                    .map(|(k, v)| match k.as_str() {
                        "port" | "dir" => (k, String::new()),
                        _ => (k, v),
                    })
                    .collect()
            };
            assert_eq!(
                own(pairs(ours)),
                own(pairs(theirs)),
                "CONFIG GET {patterns:?} (resp3={resp3})"
            );
        }
    }
    let glob = pairs(raw_config_get(&f, false, &["maxmemory*"]));
    let names: Vec<&str> = glob.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        names.contains(&"maxmemory") && names.contains(&"maxmemory-policy"),
        "{names:?}"
    );
}

#[test]
fn config_set_several_pairs_is_atomic_with_redis_errors() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &[]);
        let mut c = s.conn();
        let _: () = q(
            &mut c,
            &[
                "CONFIG",
                "SET",
                "maxmemory",
                "10mb",
                "timeout",
                "5",
                "hz",
                "20",
            ],
        )
        .unwrap();
        assert_eq!(config_get(&mut c, "maxmemory"), "10485760", "{name}");
        assert_eq!(config_get(&mut c, "timeout"), "5", "{name}");
        assert_eq!(config_get(&mut c, "hz"), "20", "{name}");
        let failures: &[(&[&str], &str)] = &[
            (
                &["CONFIG", "SET", "maxmemory", "20mb", "timeout", "abc"],
                "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer",
            ),
            (
                &[
                    "CONFIG",
                    "SET",
                    "hz",
                    "30",
                    "maxmemory",
                    "1",
                    "maxmemory",
                    "2",
                ],
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter",
            ),
            (
                &["CONFIG", "SET", "maxmemory", "20mb", "foo", "bar"],
                "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
            ),
            (
                &["CONFIG", "SET", "port", "99999"],
                "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive",
            ),
            (
                &["CONFIG", "SET", "hz", "30", "daemonize", "yes"],
                "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
            ),
            (
                &["CONFIG", "SET", "maxmemory-policy", "sometimes"],
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
            ),
            (
                &["CONFIG", "SET", "maxmemory"],
                "ERR wrong number of arguments for 'config|set' command",
            ),
            (
                &["CONFIG", "SET", "maxmemory", "1", "timeout"],
                "ERR syntax error",
            ),
        ];
        for (args, want) in failures {
            assert_eq!(err_text(&mut c, args), *want, "{name}: {args:?}");
        }
        // Nothing of a refused CONFIG SET was applied.
        assert_eq!(config_get(&mut c, "maxmemory"), "10485760", "{name}");
        assert_eq!(config_get(&mut c, "timeout"), "5", "{name}");
        assert_eq!(config_get(&mut c, "hz"), "20", "{name}");
        assert_eq!(
            config_get(&mut c, "maxmemory-policy"),
            "noeviction",
            "{name}"
        );
    }
}

fn info(c: &mut redis::Connection, section: &str) -> String {
    q(c, &["INFO", section]).expect("INFO")
}

fn field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
}

#[test]
fn config_resetstat_clears_counters() {
    for (kind, name) in BOTH {
        let s = Server::start_kind(kind, &["--slowlog-log-slower-than", "0"]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "k", "v"]).unwrap();
        let _: Option<String> = q(&mut c, &["GET", "k"]).unwrap();
        let _: Option<String> = q(&mut c, &["GET", "missing"]).unwrap();
        let _ = err_text(&mut c, &["INCR", "k"]);
        let stats = info(&mut c, "stats");
        assert_ne!(
            field(&stats, "total_commands_processed").as_deref(),
            Some("0"),
            "{name}"
        );
        assert_eq!(
            field(&stats, "keyspace_hits").as_deref(),
            Some("1"),
            "{name}"
        );
        assert!(
            info(&mut c, "commandstats").contains("cmdstat_set:calls=1"),
            "{name}"
        );
        let errorstats = info(&mut c, "errorstats");
        // (The redis crate's CLIENT SETINFO on connect fails on 7.0 too: the count is >1.)
        assert!(
            errorstats.contains("errorstat_ERR:count="),
            "{name}: {errorstats}"
        );

        let len_before: i64 = q(&mut c, &["SLOWLOG", "LEN"]).unwrap();
        let _: () = q(&mut c, &["CONFIG", "RESETSTAT"]).unwrap();
        let stats = info(&mut c, "stats");
        for counter in [
            "keyspace_hits",
            "keyspace_misses",
            "total_error_replies",
            "rejected_connections",
        ] {
            assert_eq!(
                field(&stats, counter).as_deref(),
                Some("0"),
                "{name}: {counter}"
            );
        }
        // RESETSTAT itself is counted once it is done; the INFO reading the stats is not yet.
        assert_eq!(
            field(&stats, "total_commands_processed").as_deref(),
            Some("1"),
            "{name}"
        );
        let cmdstats = info(&mut c, "commandstats");
        assert!(!cmdstats.contains("cmdstat_set"), "{name}: {cmdstats}");
        assert!(
            !info(&mut c, "errorstats").contains("errorstat_ERR"),
            "{name}"
        );
        // The slowlog is not a statistic: RESETSTAT keeps it.
        let len_after: i64 = q(&mut c, &["SLOWLOG", "LEN"]).unwrap();
        assert!(
            len_after > len_before,
            "{name}: slowlog {len_before} -> {len_after}"
        );
        // The data is untouched.
        assert_eq!(q::<String>(&mut c, &["GET", "k"]).unwrap(), "v", "{name}");
    }
}

/// Replaces what legitimately differs between two servers' rewritten files.
fn normalize(text: &str, s: &Server, scratch: &Scratch) -> String {
    text.replace(&scratch.0.display().to_string(), "SCRATCH")
        .replace(&s.dir.display().to_string(), "DIR")
        .replace(&s.port.to_string(), "PORT")
}

#[test]
fn config_rewrite_keeps_comments_and_a_restart_keeps_the_values() {
    let mut rewritten = Vec::new();
    for (kind, name) in BOTH {
        let scratch = Scratch::new();
        let conf = default_conf(&scratch);
        let s = Server::start_with_config(kind, Some(&conf), &[]);
        let mut c = s.conn();
        let _: () = q(
            &mut c,
            &[
                "CONFIG",
                "SET",
                "timeout",
                "7",
                "maxmemory",
                "5mb",
                "hz",
                "20",
                "loglevel",
                "notice",
            ],
        )
        .unwrap();
        let _: () = q(&mut c, &["CONFIG", "REWRITE"]).unwrap();
        let text = std::fs::read_to_string(s.dir.join("redis.conf")).expect("rewritten file");
        let lines: Vec<&str> = text.lines().collect();
        let original: Vec<&str> = conf.lines().collect();
        // Comments and blank lines stay where they were; changed directives change in place.
        assert_eq!(lines[0], original[0], "{name}");
        let comment = original.iter().position(|l| *l == "# Persistence").unwrap();
        assert_eq!(lines[comment], "# Persistence", "{name}:\n{text}");
        let timeout = original.iter().position(|l| *l == "timeout 0").unwrap();
        assert_eq!(lines[timeout], "timeout 7", "{name}:\n{text}");
        let loglevel = original
            .iter()
            .position(|l| *l == "loglevel verbose")
            .unwrap();
        assert_eq!(lines[loglevel], "loglevel notice", "{name}:\n{text}");
        // Directives the file did not have are appended under Redis's marker.
        let marker = lines
            .iter()
            .position(|l| *l == "# Generated by CONFIG REWRITE")
            .unwrap_or_else(|| panic!("{name}: no marker\n{text}"));
        assert!(
            lines[marker..].contains(&"maxmemory 5mb"),
            "{name}:\n{text}"
        );
        assert!(lines[marker..].contains(&"hz 20"), "{name}:\n{text}");
        // Start again from the rewritten file: the values are back.
        let again = Server::start_with_config(kind, Some(&text), &[]);
        let mut c2 = again.conn();
        assert_eq!(config_get(&mut c2, "timeout"), "7", "{name}");
        assert_eq!(config_get(&mut c2, "maxmemory"), "5242880", "{name}");
        assert_eq!(config_get(&mut c2, "hz"), "20", "{name}");
        assert_eq!(config_get(&mut c2, "loglevel"), "notice", "{name}");
        assert_eq!(
            config_get(&mut c2, "notify-keyspace-events"),
            "AKE",
            "{name}"
        );
        let head = lines[..marker].join("\n");
        rewritten.push(normalize(&head, &s, &scratch));
    }
    // Everything above the marker is rewritten exactly as redis-server rewrites it.
    assert_eq!(rewritten[0], rewritten[1]);
}

#[test]
fn config_rewrite_after_a_restart_from_the_same_file() {
    // SHUTDOWN, then start the binary on the very file it rewrote, as Redis's tests do.
    let scratch = Scratch::new();
    let conf_path = scratch.path("redis.conf");
    std::fs::write(&conf_path, "# kept\nport 6379\nmaxmemory 1mb\n").unwrap();
    let port = common::free_port().to_string();
    let dir = scratch.0.display().to_string();
    let start = |extra_log: &str| -> (std::process::Child, PathBuf) {
        let log = scratch.0.join(extra_log);
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ferrodis"))
            .arg(&conf_path)
            .args([
                "--port",
                port.as_str(),
                "--dir",
                dir.as_str(),
                "--save",
                "",
                "--logfile",
                "",
            ])
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("Ready to accept")
        {
            assert!(Instant::now() < deadline, "not ready");
            std::thread::sleep(Duration::from_millis(20));
        }
        (child, log)
    };
    let (mut first, _) = start("log1");
    let mut s = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(b"CONFIG SET maxmemory 3mb\r\nCONFIG REWRITE\r\nSHUTDOWN NOSAVE\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(
        buf.starts_with(b"+OK\r\n+OK\r\n"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let text = std::fs::read_to_string(&conf_path).unwrap();
    assert!(text.starts_with("# kept\n"), "{text}");
    assert!(text.contains("maxmemory 3mb"), "{text}");

    let (mut second, _) = start("log2");
    let mut s = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(b"CONFIG GET maxmemory\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"*2\r\n$9\r\nmaxmemory\r\n$7\r\n3145728\r\n");
    let _ = second.kill();
    let _ = second.wait();
}

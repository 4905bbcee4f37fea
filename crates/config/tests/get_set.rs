//! CONFIG GET and CONFIG SET with Redis 7.0.15's rendering, rules and error replies.

mod common;

use common::{get1, set1, temp_dir};
use ferrodis_config::*;

fn get(c: &Config, patterns: &[&str]) -> Vec<(String, String)> {
    let p: Vec<&[u8]> = patterns.iter().map(|s| s.as_bytes()).collect();
    c.config_get(&p)
}

#[test]
fn values_render_as_redis_prints_them() {
    let c = Config::default();
    assert_eq!(get1(&c, "save"), "3600 1 300 100 60 10000");
    assert_eq!(
        get1(&c, "client-output-buffer-limit"),
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    );
    assert_eq!(get1(&c, "bind"), "* -::*");
    assert_eq!(get1(&c, "protected-mode"), "yes");
    assert_eq!(get1(&c, "maxmemory"), "0");
    assert_eq!(get1(&c, "repl-backlog-size"), "1048576");
    assert_eq!(get1(&c, "proto-max-bulk-len"), "536870912");
    assert_eq!(get1(&c, "maxmemory-policy"), "noeviction");
    assert_eq!(get1(&c, "notify-keyspace-events"), "");
    assert_eq!(get1(&c, "replicaof"), "");
    assert_eq!(get1(&c, "requirepass"), "");
    assert_eq!(get1(&c, "oom-score-adj-values"), "0 200 800");
    assert_eq!(get1(&c, "unixsocketperm"), "0");
    assert_eq!(get1(&c, "shutdown-on-sigterm"), "default");
    assert_eq!(get1(&c, "latency-tracking-info-percentiles"), "50 99 99.9");
    assert_eq!(get1(&c, "slowlog-log-slower-than"), "10000");
    assert_eq!(get1(&c, "list-max-listpack-size"), "-2");
    assert_eq!(
        get1(&c, "dir"),
        std::env::current_dir().unwrap().to_string_lossy()
    );
}

#[test]
fn get_patterns_follow_redis_rules() {
    let c = Config::default();
    let all = get(&c, &["*"]);
    assert!(
        all.iter().any(|(n, _)| n == "slave-read-only"),
        "aliases are listed in Redis 7.0"
    );
    assert!(
        !all.iter().any(|(n, _)| n == "key-load-delay"),
        "hidden configs need their exact name"
    );
    assert_eq!(
        get(&c, &["key-load-delay"]),
        vec![("key-load-delay".to_string(), "0".to_string())]
    );
    assert_eq!(
        get(&c, &["MAXMEMORY"]),
        vec![("MAXMEMORY".to_string(), "0".to_string())],
        "name as typed"
    );
    assert_eq!(get(&c, &["nonexistent"]), vec![]);

    // Several patterns: each config once.
    let names: Vec<String> = get(&c, &["maxmemory", "maxmemory*", "MAXMEMORY", "max*"])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names.len(), sorted.len(), "no duplicates: {names:?}");
    assert!(names.contains(&"maxmemory-policy".to_string()));
    assert!(names.contains(&"maxclients".to_string()));
    assert_eq!(
        names
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("maxmemory"))
            .count(),
        1
    );

    let repl: Vec<String> = get(&c, &["*-read-only"])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(repl, vec!["replica-read-only", "slave-read-only"]);

    // The predicate form.
    let only = c.get(|n| n == "port");
    assert_eq!(only, vec![("port".to_string(), "6379".to_string())]);
}

#[test]
fn set_and_read_back_through_alias_and_name() {
    let mut c = Config::default();
    assert_eq!(
        set1(&mut c, "slave-read-only", "no"),
        Ok(vec!["replica-read-only"])
    );
    assert!(!c.replica_read_only);
    assert_eq!(get1(&c, "replica-read-only"), "no");
    assert_eq!(get1(&c, "slave-read-only"), "no");
    set1(&mut c, "min-replicas-to-write", "1").unwrap();
    assert_eq!(
        get(&c, &["min-slaves-to-write"]),
        vec![("min-slaves-to-write".into(), "1".into())]
    );
    set1(&mut c, "MIN-SLAVES-MAX-LAG", "7").unwrap();
    assert_eq!(c.min_replicas_max_lag, 7);
}

#[test]
fn set_error_replies_are_exact() {
    let mut c = Config::default();
    assert_eq!(
        set1(&mut c, "foo", "bar"),
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
    );
    assert_eq!(
        set1(&mut c, "maxmemory", "lots"),
        Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value".into())
    );
    assert_eq!(
        set1(&mut c, "port", "99999"),
        Err("ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive".into())
    );
    assert_eq!(
        set1(&mut c, "daemonize", "yes"),
        Err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config".into())
    );
    assert_eq!(
        set1(&mut c, "Replicaof", "127.0.0.1 6380"),
        Err("ERR CONFIG SET failed (possibly related to argument 'Replicaof') - can't set immutable config".into())
    );
    assert_eq!(
        set1(&mut c, "dir", "/tmp"),
        Err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config".into())
    );
    assert_eq!(
        c.set(&[(b"hz", b"20"), (b"HZ", b"30")]),
        Err(
            "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"
                .into()
        )
    );
    assert_eq!(
        set1(&mut c, "slave-read-only", "maybe"),
        Err("ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'".into()),
        "the name in a value error is the registered one that was used"
    );
    assert_eq!(
        set1(&mut c, "appendfsync", "sometimes"),
        Err("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no".into())
    );
    assert_eq!(c, Config::default(), "failed sets change nothing");
}

#[test]
fn set_is_all_or_nothing() {
    let mut c = Config::default();
    let before = c.clone();
    let r = c.set(&[
        (b"maxmemory", b"10mb"),
        (b"save", b"10 1"),
        (b"timeout", b"-1"),
    ]);
    assert_eq!(
        r,
        Err("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive".into())
    );
    assert_eq!(c, before, "one bad pair changes nothing");
    let r = c.set(&[(b"maxmemory", b"10mb"), (b"nope", b"1")]);
    assert!(r.is_err());
    assert_eq!(c, before);

    let changed = c
        .set(&[(b"maxmemory", b"10mb"), (b"timeout", b"0"), (b"hz", b"20")])
        .unwrap();
    assert_eq!(
        changed,
        vec!["maxmemory", "hz"],
        "only changed values are reported"
    );
    assert_eq!(c.maxmemory, 10 << 20);
    assert_eq!(c.hz, 20);
}

#[test]
fn first_problem_wins_and_loading_is_its_own_reply() {
    let mut c = Config::default();
    assert_eq!(
        c.set(&[(b"daemonize", b"no"), (b"foo", b"1")]),
        Err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config".into())
    );
    let loading = SetContext {
        loading: true,
        client_is_local: false,
    };
    assert_eq!(
        c.set_with(&[(b"appendonly", b"yes")], loading),
        Err("LOADING Redis is loading the dataset in memory".into())
    );
    assert_eq!(
        c.set_with(&[(b"maxmemory", b"1mb")], loading),
        Ok(vec!["maxmemory"])
    );
}

#[test]
fn alias_and_name_are_distinct_configs_for_duplicates() {
    // Redis registers the alias as its own entry: both are applied, in order.
    let mut c = Config::default();
    c.set(&[(b"replica-read-only", b"no"), (b"slave-read-only", b"yes")])
        .unwrap();
    assert!(c.replica_read_only);
}

#[test]
fn protected_configs_follow_enable_protected_configs() {
    let dir = temp_dir("protected");
    let mut c = Config::from_str("enable-protected-configs local").unwrap();
    assert!(
        set1(&mut c, "dbfilename", "x.rdb").is_err(),
        "not allowed for a remote client"
    );
    let local = SetContext {
        loading: false,
        client_is_local: true,
    };
    let d = dir.to_string_lossy().into_owned();
    assert_eq!(
        c.set_with(&[(b"dir", d.as_bytes()), (b"dbfilename", b"x.rdb")], local),
        Ok(vec!["dir", "dbfilename"])
    );
    assert_eq!(get1(&c, "dir"), d);
    assert_eq!(c.dbfilename, "x.rdb");
    assert_eq!(
        c.set_with(&[(b"dir", b"/nonexistent/ferrodis")], local),
        Err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory".into())
    );
    assert_eq!(get1(&c, "dir"), d);
}

#[test]
fn multi_argument_values_are_one_string() {
    let mut c = Config::default();
    set1(&mut c, "save", "900 1 300 10").unwrap();
    assert_eq!(get1(&c, "save"), "900 1 300 10");
    set1(&mut c, "save", "3600 1").unwrap();
    assert_eq!(get1(&c, "save"), "3600 1", "CONFIG SET save replaces");
    set1(&mut c, "save", "").unwrap();
    assert!(c.save.is_empty());
    assert_eq!(get1(&c, "save"), "");
    assert!(
        set1(&mut c, "save", "900  1").is_err(),
        "values split on single spaces, as Redis"
    );

    set1(&mut c, "client-output-buffer-limit", "replica 128k 0 0").unwrap();
    assert_eq!(
        get1(&c, "client-output-buffer-limit"),
        "normal 0 0 0 slave 128000 0 0 pubsub 33554432 8388608 60"
    );
    set1(
        &mut c,
        "client-output-buffer-limit",
        "normal 1mb 1mb 1 slave 32768 32768 60",
    )
    .unwrap();
    assert_eq!(
        *c.obuf_limit(ClientClass::Normal),
        ClientOutputBufferLimit {
            hard_bytes: 1 << 20,
            soft_bytes: 1 << 20,
            soft_seconds: 1
        }
    );
    assert_eq!(
        *c.obuf_limit(ClientClass::Replica),
        ClientOutputBufferLimit {
            hard_bytes: 32768,
            soft_bytes: 32768,
            soft_seconds: 60
        }
    );
    let before = c.clone();
    assert_eq!(
        set1(&mut c, "client-output-buffer-limit", "normal 0 0 0 pubsub 1 2"),
        Err("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.".into())
    );
    assert_eq!(c, before);

    set1(&mut c, "bind", "127.0.0.1 -::1").unwrap();
    assert_eq!(c.bind, vec!["127.0.0.1", "-::1"]);
    set1(&mut c, "oom-score-adj-values", "0 100 200").unwrap();
    assert_eq!(c.oom_score_adj_values, [0, 100, 200]);
    assert_eq!(
        set1(&mut c, "oom-score-adj-values", "0 100 200"),
        Ok(vec![]),
        "unchanged"
    );
    set1(&mut c, "shutdown-on-sigterm", "nosave now").unwrap();
    assert_eq!(
        c.shutdown_on_sigterm,
        ShutdownOnSignal {
            nosave: true,
            now: true,
            ..Default::default()
        }
    );
    assert_eq!(get1(&c, "shutdown-on-sigterm"), "nosave now");
    set1(&mut c, "latency-tracking-info-percentiles", "99.99 50").unwrap();
    assert_eq!(get1(&c, "latency-tracking-info-percentiles"), "99.99 50");
}

#[test]
fn special_values() {
    let mut c = Config::default();
    set1(&mut c, "notify-keyspace-events", "KEA").unwrap();
    assert_eq!(get1(&c, "notify-keyspace-events"), "AKE");
    set1(&mut c, "notify-keyspace-events", "Egx$m").unwrap();
    assert_eq!(get1(&c, "notify-keyspace-events"), "g$xEm");
    set1(&mut c, "requirepass", "secret").unwrap();
    assert_eq!(c.requirepass.as_deref(), Some(&b"secret"[..]));
    set1(&mut c, "requirepass", "").unwrap();
    assert_eq!(c.requirepass, None);
    set1(&mut c, "maxmemory-clients", "50%").unwrap();
    assert_eq!(c.maxmemory_clients, MaxmemoryClients::Percent(50));
    assert_eq!(get1(&c, "maxmemory-clients"), "50%");
    set1(&mut c, "maxmemory-clients", "0%").unwrap();
    assert_eq!(c.maxmemory_clients, MaxmemoryClients::Bytes(0));
    set1(&mut c, "oom-score-adj", "relative").unwrap();
    assert_eq!(
        get1(&c, "oom-score-adj"),
        "yes",
        "Redis prints the first name of a value"
    );
    set1(&mut c, "hz", "1000").unwrap();
    assert_eq!(get1(&c, "hz"), "500");
    set1(&mut c, "maxmemory", "18446744073709551615").unwrap();
    assert_eq!(get1(&c, "maxmemory"), "18446744073709551615");
    set1(&mut c, "slowlog-log-slower-than", "-1").unwrap();
    assert_eq!(c.slowlog_log_slower_than, -1);
    set1(&mut c, "repl-diskless-load", "swapdb").unwrap();
    assert_eq!(c.repl_diskless_load, ReplDisklessLoad::Swapdb);
    set1(&mut c, "propagation-error-behavior", "IGNORE").unwrap();
    assert_eq!(
        c.propagation_error_behavior,
        PropagationErrorBehavior::Ignore
    );
    set1(&mut c, "loglevel", "debug").unwrap();
    assert_eq!(c.loglevel, LogLevel::Debug);
    set1(&mut c, "key-load-delay", "-10").unwrap();
    assert_eq!(c.key_load_delay, -10);
    set1(&mut c, "loading-process-events-interval-bytes", "1024").unwrap();
    assert_eq!(c.loading_process_events_interval_bytes, 1024);
}

#[test]
fn memory_units_on_set() {
    let mut c = Config::default();
    for (value, bytes) in [
        ("1k", 1000),
        ("1kb", 1024),
        ("1m", 1_000_000),
        ("1mb", 1 << 20),
        ("1g", 1_000_000_000),
        ("1gb", 1 << 30),
        ("5", 5),
        ("7B", 7),
    ] {
        set1(&mut c, "maxmemory", value).unwrap();
        assert_eq!(c.maxmemory, bytes, "{value}");
        assert_eq!(get1(&c, "maxmemory"), bytes.to_string());
    }
    set1(&mut c, "repl-backlog-size", "100mb").unwrap();
    assert_eq!(c.repl_backlog_size, 100 << 20);
}

#[test]
fn every_mutable_config_round_trips_its_own_value() {
    // Setting a config to what CONFIG GET prints must be accepted and change nothing.
    let dir = temp_dir("roundtrip-set");
    let mut c = Config::from_str(&format!(
        "enable-protected-configs yes\ndir {}",
        dir.display()
    ))
    .unwrap();
    let before = c.clone();
    for (name, value) in c.clone().config_get(&[b"*"]) {
        if matches!(name.as_str(), "enable-protected-configs") {
            continue;
        }
        match c.set(&[(name.as_bytes(), value.as_bytes())]) {
            Ok(_) => {}
            Err(e) => assert!(
                e.ends_with("can't set immutable config"),
                "{name} {value:?}: {e}"
            ),
        }
    }
    assert_eq!(c, before);
}

#[test]
fn sensitive_configs_are_flagged() {
    assert!(is_sensitive_config(b"requirepass"));
    assert!(is_sensitive_config(b"MASTERAUTH"));
    assert!(is_sensitive_config(b"masteruser"));
    assert!(!is_sensitive_config(b"port"));
    assert!(!is_sensitive_config(b"nope"));
}

/// A small deterministic generator, so failures replay.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const VALUES: &[&str] = &[
    "",
    " ",
    "  ",
    "0",
    "-1",
    "1",
    "18446744073709551616",
    "99999999999999999999kb",
    "1gb",
    "5%",
    "101%",
    "-5%",
    "yes",
    "no",
    "YES",
    "save",
    "900 1",
    "900 1 300",
    "replica 1 2 3",
    "normal 1 2 3 pubsub 1 2",
    "KEA",
    "\u{0}",
    "\u{ff}",
    "'",
    "\"",
    "a b c d e f g h i j k l m n o p q",
    "no one",
    "127.0.0.1 6380",
    "777",
    "0x10",
    "1e2",
    "nan",
    "inf",
    "{title}",
    "{",
    "x/y",
    "save nosave",
    "now force",
    "local",
    "\\x41",
];

#[test]
fn random_config_set_never_panics_and_failures_change_nothing() {
    let mut rng = Lcg(0x5eed);
    let names: Vec<&str> = directive_names()
        .chain(["slaveof", "slave-read-only", "nope", ""])
        .collect();
    let mut c = Config::default();
    for i in 0..5_000 {
        let n = 1 + (rng.next() % 3) as usize;
        let pairs: Vec<(String, String)> = (0..n)
            .map(|_| {
                let name = names[(rng.next() as usize) % names.len()].to_string();
                (name, rng.pick(VALUES).to_string())
            })
            .collect();
        let pairs: Vec<(&[u8], &[u8])> = pairs
            .iter()
            .map(|(a, b)| (a.as_bytes(), b.as_bytes()))
            .collect();
        let before = c.clone();
        if c.set_with(
            &pairs,
            SetContext {
                loading: false,
                client_is_local: true,
            },
        )
        .is_err()
        {
            assert_eq!(c, before);
        }
        if i % 100 == 0 {
            let _ = c.config_get(&[b"*", b"[", b"\\", b"*?[^a-"]);
        }
    }
}

#[test]
fn random_config_files_never_panic() {
    let mut rng = Lcg(42);
    let names: Vec<&str> = directive_names()
        .chain([
            "include",
            "user",
            "rename-command",
            "loadmodule",
            "sentinel",
            "a.b",
            "#",
            "\"",
            "'",
        ])
        .collect();
    for _ in 0..2_000 {
        let mut text = String::new();
        for _ in 0..(rng.next() % 6) {
            text.push_str(names[(rng.next() as usize) % names.len()]);
            for _ in 0..(rng.next() % 4) {
                text.push(' ');
                let v = rng.pick(VALUES);
                if rng.next().is_multiple_of(2) {
                    text.push_str(v)
                } else {
                    text.push_str(&format!("\"{v}\""))
                }
            }
            text.push('\n');
        }
        if let Ok(c) = Config::from_str(&text) {
            let _ = c.config_get(&[b"*"]);
        }
    }
}

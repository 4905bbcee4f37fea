//! Loading configuration files and command lines as redis-server 7.0.15 does.

mod common;

use common::{default_conf, temp_dir};
use ferrodis_config::*;

fn err(text: &str) -> ConfigError {
    Config::from_str(text).expect_err("config should be refused")
}

#[test]
fn default_conf_of_the_redis_test_suite_loads() {
    let dir = temp_dir("default-conf");
    let c = Config::from_str(&default_conf(&dir)).expect("default.conf");
    assert!(c.always_show_logo);
    assert_eq!(c.notify_keyspace_events.to_string(), "AKE");
    assert!(!c.daemonize);
    assert_eq!(c.pidfile.as_deref(), Some("/var/run/redis.pid"));
    assert_eq!(c.port, 21111);
    assert_eq!(c.timeout, 0);
    assert_eq!(c.bind, vec!["127.0.0.1".to_string()]);
    assert_eq!(c.loglevel, LogLevel::Verbose);
    assert_eq!(
        c.logfile, "",
        "logfile '' is the empty string: log to stdout"
    );
    assert_eq!(c.databases, 16);
    assert_eq!(c.latency_monitor_threshold, 1);
    assert_eq!(c.repl_diskless_sync_delay, 0);
    assert_eq!(
        c.save,
        vec![SavePoint {
            seconds: 900,
            changes: 1
        }],
        "the file's save replaces the defaults"
    );
    assert!(c.rdbcompression);
    assert_eq!(c.dbfilename, "dump.rdb");
    assert_eq!(c.dir, dir.to_string_lossy());
    assert!(
        c.replica_serve_stale_data,
        "slave-serve-stale-data is an alias"
    );
    assert!(!c.appendonly);
    assert_eq!(c.appendfsync, AppendFsync::Everysec);
    assert!(!c.no_appendfsync_on_rewrite);
    assert!(c.activerehashing);
    assert_eq!(c.enable_protected_configs, ProtectedAction::Yes);
    assert_eq!(c.enable_debug_command, ProtectedAction::Yes);
    assert_eq!(c.enable_module_command, ProtectedAction::Yes);
    assert_eq!(
        c.propagation_error_behavior,
        PropagationErrorBehavior::Panic
    );
    assert_eq!(c.unixsocket, Some(format!("{}/socket", dir.display())));
}

#[test]
fn built_in_defaults_are_redis_7_0() {
    let c = Config::default();
    assert_eq!(c.port, 6379);
    assert_eq!(c.bind, vec!["*", "-::*"]);
    assert!(c.protected_mode);
    assert_eq!(c.databases, 16);
    assert_eq!(c.hz, 10);
    assert!(c.dynamic_hz);
    assert_eq!(
        c.save,
        vec![
            SavePoint {
                seconds: 3600,
                changes: 1
            },
            SavePoint {
                seconds: 300,
                changes: 100
            },
            SavePoint {
                seconds: 60,
                changes: 10000
            }
        ]
    );
    assert_eq!(c.dbfilename, "dump.rdb");
    assert_eq!(c.dir, ".");
    assert_eq!(c.logfile, "");
    assert_eq!(c.loglevel, LogLevel::Notice);
    assert_eq!(c.repl_backlog_size, 1024 * 1024);
    assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(c.client_query_buffer_limit, 1024 * 1024 * 1024);
    assert_eq!(c.maxclients, 10000);
    assert_eq!(c.requirepass, None);
    assert_eq!(c.replicaof, None);
    assert_eq!(c.slowlog_log_slower_than, 10000);
    assert_eq!(c.slowlog_max_len, 128);
    assert_eq!(c.tcp_keepalive, 300);
    assert_eq!(c.active_expire_effort, 1);
    assert_eq!(c.repl_ping_replica_period, 10);
    assert_eq!(c.repl_timeout, 60);
    assert_eq!(c.repl_backlog_ttl, 3600);
    assert_eq!(
        c.obuf_limit(ClientClass::Replica).hard_bytes,
        256 * 1024 * 1024
    );
    assert_eq!(c.obuf_limit(ClientClass::Pubsub).soft_seconds, 60);
    assert_eq!(
        Config::from_str("").unwrap(),
        c,
        "an empty file is the defaults"
    );
}

#[test]
fn comments_blank_lines_quotes_and_case() {
    let c = Config::from_str(
        "# comment\n\n   \t\n  PORT 7000  \r\n  # indented comment\nLogLevel \"warning\"\n\
         masterauth \"p\\x41ss wo\\\"rd\\n\"\nrequirepass 'it\\'s'\nunixsocket \"\"\n",
    )
    .unwrap();
    assert_eq!(c.port, 7000);
    assert_eq!(c.loglevel, LogLevel::Warning);
    assert_eq!(c.masterauth.as_deref(), Some(&b"pAss wo\"rd\n"[..]));
    assert_eq!(c.requirepass.as_deref(), Some(&b"it's"[..]));
    assert_eq!(c.unixsocket, None, "empty string is NULL for unixsocket");
    let c = Config::from_str("requirepass ''").unwrap();
    assert_eq!(c.requirepass, None, "empty requirepass means no password");
    let c = Config::from_str("appendonly YES\nmaxmemory-policy AllKeys-LRU").unwrap();
    assert!(c.appendonly, "yes/no are case-insensitive");
    assert_eq!(c.maxmemory_policy, MaxmemoryPolicy::AllkeysLru);
}

#[test]
fn unknown_directive_names_line_and_text() {
    let e = err("port 7000\n\n  foo bar baz  \n");
    assert_eq!(e.line(), Some(3));
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n\
         >>> 'foo bar baz'\nBad directive or wrong number of arguments\n"
    );
}

#[test]
fn every_error_kind_has_redis_reason() {
    let cases: &[(&str, &str)] = &[
        ("port", "wrong number of arguments"),
        ("port 1 2", "wrong number of arguments"),
        ("port abc", "argument couldn't be parsed into an integer"),
        (
            "port 70000",
            "argument must be between 0 and 65535 inclusive",
        ),
        ("port -1", "argument must be between 0 and 65535 inclusive"),
        ("port 08", "argument couldn't be parsed into an integer"),
        (
            "databases 0",
            "argument must be between 1 and 2147483647 inclusive",
        ),
        (
            "maxclients -1",
            "argument must be between 1 and 4294967295 inclusive",
        ),
        (
            "slowlog-max-len -1",
            "argument must be between 0 and 9223372036854775807 inclusive",
        ),
        ("daemonize maybe", "argument must be 'yes' or 'no'"),
        ("maxmemory lots", "argument must be a memory value"),
        ("maxmemory -1", "argument must be a memory value"),
        (
            "repl-backlog-size 0",
            "argument must be between 1 and 9223372036854775807 inclusive",
        ),
        (
            "proto-max-bulk-len 1k",
            "argument must be between 1048576 and 9223372036854775807 inclusive",
        ),
        (
            "maxmemory-clients 101%",
            "percentage argument must be less or equal to 100",
        ),
        (
            "maxmemory-clients x",
            "argument must be a memory or percent value",
        ),
        (
            "unixsocketperm 800",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm 1000",
            "argument must be between 0 and 777 inclusive",
        ),
        (
            "loglevel loud",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        (
            "shutdown-on-sigterm save nosave",
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
        (
            "shutdown-on-sigterm now later",
            "argument(s) must be one of the following: default, save, nosave, now, force",
        ),
        (
            "logfile 'unbalanced",
            "Unbalanced quotes in configuration line",
        ),
        ("logfile \"a\"b", "Unbalanced quotes in configuration line"),
        ("save 900", "Invalid save parameters"),
        ("save 0 1", "Invalid save parameters"),
        ("save 900 -1", "Invalid save parameters"),
        ("save 900 1x", "Invalid save parameters"),
        ("replicaof localhost", "wrong number of arguments"),
        ("replicaof localhost 70000", "Invalid master port"),
        ("replicaof localhost port", "Invalid master port"),
        (
            "client-output-buffer-limit normal 0 0",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit master 0 0 0",
            "Invalid client class specified in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit pubsub 1x 0 0",
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        ),
        ("oom-score-adj-values 0 200", "wrong number of arguments"),
        (
            "oom-score-adj-values 0 200 9000",
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
        ),
        (
            "notify-keyspace-events KEQ",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        (
            "dbfilename dir/dump.rdb",
            "dbfilename can't be a path, just a filename",
        ),
        ("appendfilename ''", "appendfilename can't be empty"),
        ("dir /nonexistent/ferrodis/dir", "No such file or directory"),
        ("dir /etc/hostname", "Not a directory"),
        (
            "activedefrag yes",
            "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution",
        ),
        (
            "cluster-announce-hostname a_b",
            "Hostnames may only contain alphanumeric characters, hyphens or dots",
        ),
        (
            "proc-title-template {nope}",
            "template format is invalid or contains unknown variables",
        ),
        (
            "latency-tracking-info-percentiles 50 101",
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
        ),
        (
            "latency-tracking-info-percentiles 50 x",
            "Invalid latency-tracking-info-percentiles parameters",
        ),
        (
            "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
            "Too many bind addresses specified.",
        ),
        ("mymodule.option", "Module config specified without value"),
        (
            "sentinel monitor x",
            "sentinel directive while not in sentinel mode",
        ),
        ("include", "Bad directive or wrong number of arguments"),
        (
            "rename-command get",
            "Bad directive or wrong number of arguments",
        ),
        (
            "list-max-ziplist-entries 1 2",
            "Bad directive or wrong number of arguments",
        ),
    ];
    for (line, reason) in cases {
        let e = err(&format!("# first line\n{line}\n"));
        assert_eq!(e.reason(), *reason, "for {line:?}");
        assert_eq!(e.line(), Some(2), "for {line:?}");
        assert_eq!(e.line_text(), Some(*line), "for {line:?}");
    }
}

#[test]
fn whole_config_checks_have_no_line() {
    let e = err("cluster-enabled yes\nreplicaof 127.0.0.1 6379\n");
    assert_eq!(e.line(), None);
    assert_eq!(
        e.to_string(),
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n"
    );
}

#[test]
fn memory_units() {
    let c = Config::from_str(
        "maxmemory 100mb\nrepl-backlog-size 16k\nclient-query-buffer-limit 2GB\nproto-max-bulk-len 1000000000\n\
         hash-max-listpack-value 1kb\nauto-aof-rewrite-min-size 1g\nstream-node-max-bytes 100b\nmaxmemory-clients 10%",
    )
    .unwrap();
    assert_eq!(c.maxmemory, 100 * 1024 * 1024);
    assert_eq!(c.repl_backlog_size, 16000);
    assert_eq!(c.client_query_buffer_limit, 2 << 30);
    assert_eq!(c.proto_max_bulk_len, 1_000_000_000);
    assert_eq!(c.hash_max_listpack_value, 1024);
    assert_eq!(c.auto_aof_rewrite_min_size, 1_000_000_000);
    assert_eq!(c.stream_node_max_bytes, 100);
    assert_eq!(c.maxmemory_clients, MaxmemoryClients::Percent(10));
    let c = Config::from_str("maxmemory-clients 1mb").unwrap();
    assert_eq!(c.maxmemory_clients, MaxmemoryClients::Bytes(1 << 20));
}

#[test]
fn aliases_set_the_canonical_field() {
    let c = Config::from_str(
        "slave-read-only no\nslaveof 10.0.0.1 6380\nmin-slaves-to-write 2\nmin-slaves-max-lag 5\n\
         slave-announce-ip 1.2.3.4\nhash-max-ziplist-entries 7\nlua-time-limit 100\nrepl-ping-slave-period 3\n\
         slave-priority 0\nzset-max-ziplist-value 32\nlist-max-ziplist-size -3",
    )
    .unwrap();
    assert!(!c.replica_read_only);
    assert_eq!(
        c.replicaof,
        Some(ReplicaOf {
            host: "10.0.0.1".into(),
            port: 6380
        })
    );
    assert_eq!(c.min_replicas_to_write, 2);
    assert_eq!(c.min_replicas_max_lag, 5);
    assert_eq!(c.replica_announce_ip.as_deref(), Some("1.2.3.4"));
    assert_eq!(c.hash_max_listpack_entries, 7);
    assert_eq!(c.busy_reply_threshold, 100);
    assert_eq!(c.repl_ping_replica_period, 3);
    assert_eq!(c.replica_priority, 0);
    assert_eq!(c.zset_max_listpack_value, 32);
    assert_eq!(c.list_max_listpack_size, -3);
}

#[test]
fn save_lines_accumulate_and_empty_clears() {
    let c = Config::from_str("save 900 1\nsave 300 10\nsave 60 10000").unwrap();
    assert_eq!(
        c.get_one("save").unwrap(),
        "900 1 300 10 60 10000",
        "several save lines accumulate"
    );
    let c = Config::from_str("save 900 1 300 10").unwrap();
    assert_eq!(
        c.get_one("save").unwrap(),
        "900 1 300 10",
        "pairs on one line"
    );
    let c = Config::from_str("save \"900 1 300 10\"").unwrap();
    assert_eq!(
        c.get_one("save").unwrap(),
        "900 1 300 10",
        "one quoted argument is split"
    );
    let c = Config::from_str("save ''").unwrap();
    assert!(c.save.is_empty(), "save '' disables snapshots");
    let c = Config::from_str("save 900 1\nsave \"\"\nsave 60 5").unwrap();
    assert_eq!(
        c.get_one("save").unwrap(),
        "60 5",
        "save \"\" clears what came before"
    );
}

#[test]
fn replicaof_no_one_and_bind_forms() {
    let c = Config::from_str("replicaof 127.0.0.1 6380\nreplicaof no one").unwrap();
    assert_eq!(c.replicaof, None);
    let c = Config::from_str("bind 127.0.0.1 -::1 10.0.0.1").unwrap();
    assert_eq!(c.bind, vec!["127.0.0.1", "-::1", "10.0.0.1"]);
    let c = Config::from_str("bind \"\"").unwrap();
    assert!(c.bind.is_empty());
    let c = Config::from_str("unixsocketperm 700\nnotify-keyspace-events Ex").unwrap();
    assert_eq!(c.unixsocketperm, 0o700);
    assert_eq!(
        c.notify_keyspace_events.0,
        KeyspaceEvents::KEYEVENT | KeyspaceEvents::EXPIRED
    );
    let c =
        Config::from_str("client-output-buffer-limit replica 0 0 0 pubsub 1mb 512kb 30").unwrap();
    assert_eq!(
        *c.obuf_limit(ClientClass::Replica),
        ClientOutputBufferLimit {
            hard_bytes: 0,
            soft_bytes: 0,
            soft_seconds: 0
        }
    );
    assert_eq!(
        *c.obuf_limit(ClientClass::Pubsub),
        ClientOutputBufferLimit {
            hard_bytes: 1 << 20,
            soft_bytes: 512 << 10,
            soft_seconds: 30
        }
    );
    assert_eq!(c.obuf_limit(ClientClass::Normal).hard_bytes, 0);
}

#[test]
fn stored_directives_and_ignored_ones() {
    let c = Config::from_str(
        "rename-command FLUSHALL \"\"\nuser alice on >pw ~* +@all\nloadmodule /x/m.so a b\n\
         mymod.opt 1 2\nmymod.opt 3\nlist-max-ziplist-entries 512\nlua-replicate-commands yes\nsentinel\n",
    )
    .unwrap();
    assert_eq!(c.rename_command.len(), 1);
    assert_eq!(
        (
            c.rename_command[0].from.as_str(),
            c.rename_command[0].to.as_str()
        ),
        ("FLUSHALL", "")
    );
    assert_eq!(c.rename_command[0].source.line, 1);
    assert_eq!(c.user[0].args, vec!["alice", "on", ">pw", "~*", "+@all"]);
    assert_eq!(c.user[0].source.text, "user alice on >pw ~* +@all");
    assert_eq!(
        c.loadmodule,
        vec![LoadModule {
            path: "/x/m.so".into(),
            args: vec!["a".into(), "b".into()]
        }]
    );
    assert_eq!(
        c.module_configs,
        vec![("mymod.opt".to_string(), "3".to_string())]
    );
}

#[test]
fn hz_is_clamped() {
    assert_eq!(Config::from_str("hz 0").unwrap().hz, 1);
    assert_eq!(Config::from_str("hz 1000").unwrap().hz, 500);
}

#[test]
fn include_reads_files_with_their_own_line_numbers() {
    let dir = temp_dir("include");
    std::fs::write(dir.join("a.conf"), "port 7001\nsave 60 1\n").unwrap();
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::write(dir.join("conf.d/1.conf"), "maxmemory 1mb\n").unwrap();
    std::fs::write(dir.join("conf.d/2.conf"), "maxmemory 2mb\n").unwrap();
    std::fs::write(dir.join("bad.conf"), "\n\nnope\n").unwrap();
    let text = format!(
        "include {d}/a.conf\ninclude {d}/conf.d/*.conf\ninclude {d}/empty.d/*.conf\n",
        d = dir.display()
    );
    let c = Config::from_str(&text).unwrap();
    assert_eq!(c.port, 7001);
    assert_eq!(
        c.maxmemory,
        2 << 20,
        "wildcard matches are read in sorted order"
    );
    assert_eq!(c.get_one("save").unwrap(), "60 1");

    let e = Config::from_str(&format!("port 1\ninclude {}/bad.conf", dir.display())).unwrap_err();
    assert_eq!(
        e.line(),
        Some(3),
        "errors in an included file name its own line"
    );
    assert_eq!(e.line_text(), Some("nope"));

    let e = Config::from_str(&format!("include {}/missing.conf", dir.display())).unwrap_err();
    assert!(e.is_open_error());
    assert_eq!(
        e.to_string(),
        format!(
            "Fatal error, can't open config file '{}/missing.conf': No such file or directory",
            dir.display()
        )
    );

    // Relative includes follow `dir`, as Redis has chdir'ed into it.
    let c = Config::from_str(&format!("dir {}\ninclude a.conf", dir.display())).unwrap();
    assert_eq!(c.port, 7001);
}

#[test]
fn self_including_file_is_an_error_not_a_crash() {
    let dir = temp_dir("include-loop");
    let path = dir.join("loop.conf");
    std::fs::write(&path, format!("include {}\n", path.display())).unwrap();
    assert!(Config::from_str(&format!("include {}", path.display())).is_err());
}

#[test]
fn command_line_options_override_the_file() {
    let dir = temp_dir("args");
    let file = dir.join("redis.conf");
    std::fs::write(&file, default_conf(&dir)).unwrap();
    let args: Vec<String> = [
        file.to_str().unwrap(),
        "--port",
        "7777",
        "--save",
        "",
        "--replicaof",
        "127.0.0.1",
        "6380",
        "--loglevel",
        "warning",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (c, path) = Config::from_args(&args).unwrap();
    assert_eq!(path.as_deref(), Some(file.as_path()));
    assert_eq!(c.port, 7777);
    assert!(c.save.is_empty());
    assert_eq!(
        c.replicaof,
        Some(ReplicaOf {
            host: "127.0.0.1".into(),
            port: 6380
        })
    );
    assert_eq!(c.loglevel, LogLevel::Warning);
    assert_eq!(c.bind, vec!["127.0.0.1"], "file values not overridden stay");

    let args: Vec<String> = [
        "--port",
        "7000",
        "--save",
        "60",
        "5",
        "--client-output-buffer-limit",
        "replica 1mb 0 0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (c, path) = Config::from_args(&args).unwrap();
    assert_eq!(path, None);
    assert_eq!(c.port, 7000);
    assert_eq!(c.get_one("save").unwrap(), "60 5");
    assert_eq!(c.obuf_limit(ClientClass::Replica).hard_bytes, 1 << 20);
}

#[test]
fn command_line_errors_count_lines_after_the_file() {
    // Without a file the options start on line 2 (Redis joins file and options with "\n").
    let e = Config::from_args(&["--port".to_string(), "abc".to_string()]).unwrap_err();
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.line_text(), Some("port \"abc\""));
    assert_eq!(e.reason(), "argument couldn't be parsed into an integer");

    let e = Config::from_args(&["/nonexistent/ferrodis.conf".to_string()]).unwrap_err();
    assert!(e.is_open_error());
}

#[test]
fn logfile_must_be_openable_at_start_up() {
    let dir = temp_dir("logfile");
    let e = Config::from_args(&["--logfile".into(), "/nonexistent/dir/x.log".into()]).unwrap_err();
    assert_eq!(e.line(), None);
    assert_eq!(
        e.reason(),
        "Can't open the log file: No such file or directory"
    );
    let log = dir.join("x.log");
    let (c, _) =
        Config::from_args(&["--logfile".into(), log.to_string_lossy().into_owned()]).unwrap();
    assert_eq!(c.logfile, log.to_string_lossy());
    assert!(log.exists());
}

#[test]
fn bad_input_never_panics() {
    // A crude fuzz: every prefix of a config with every kind of directive, and some garbage.
    let text = "save 900 1 300\nport 65536\nbind \"\\x00\" 'a\nclient-output-buffer-limit slave 99999999999999999999999gb 1 -1\n\
                maxmemory 18446744073709551616\nunixsocketperm -0\nnotify-keyspace-events \"\\xff\"\n\
                latency-tracking-info-percentiles inf\nreplicaof \"\" \"\"\n\u{7f}\u{0}\u{1}x\nsave \"\\\"900\"\n";
    for end in 0..text.len() {
        if text.is_char_boundary(end) {
            let _ = Config::from_str(&text[..end]);
        }
    }
    let mut bytes: Vec<u8> = (0u8..=255).collect();
    bytes.extend_from_slice(b"\nport 1\n\"\n'\n");
    let _ = Config::from_bytes(&bytes);
}

#[test]
fn loglevel_nothing_is_not_a_7_0_value() {
    assert_eq!(
        Config::from_str("loglevel nothing").unwrap_err().reason(),
        "argument(s) must be one of the following: debug, verbose, notice, warning"
    );
    assert_eq!(LogLevel::parse("NOTICE"), Some(LogLevel::Notice));
    assert_eq!(LogLevel::parse("nothing"), None);
}

//! The directive table: every Redis 7.0.15 config (`static_configs[]` in `src/config.c`, TLS
//! ones included), with its alias, flags, type, bounds and default, and accessors to its
//! [`Config`] field. Order follows Redis's table (it decides CONFIG GET `*` order and where
//! CONFIG REWRITE appends lines).
//!
//! Data only: parsing values, rendering and rewriting live in `access.rs` and `rewrite.rs`.

use crate::config::Config;
use crate::types::*;

/// Config flags, Redis's `*_CONFIG` bits.
pub(crate) mod flag {
    /// Settable only at start-up.
    pub const IMMUTABLE: u16 = 1 << 0;
    /// Its value is redacted from logs (CONFIG SET arguments).
    pub const SENSITIVE: u16 = 1 << 1;
    /// Printed in DEBUG-ish diagnostics.
    pub const DEBUG: u16 = 1 << 2;
    /// Takes several arguments (a single one is split on spaces).
    pub const MULTI_ARG: u16 = 1 << 3;
    /// Not matched by CONFIG GET patterns, only by its exact name.
    pub const HIDDEN: u16 = 1 << 4;
    /// CONFIG SET needs `enable-protected-configs`.
    pub const PROTECTED: u16 = 1 << 5;
    /// CONFIG SET refused while loading.
    pub const DENY_LOADING: u16 = 1 << 6;
    /// Always counts as changed when set (TLS files that may change on disk).
    pub const VOLATILE: u16 = 1 << 9;
}

use flag::*;

/// How a number is written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumFormat {
    /// Plain decimal (`string2ll`).
    Integer,
    /// Bytes with optional units.
    Memory,
    /// Bytes with optional units, or `N%` (stored negated).
    MemoryOrPercent,
    /// Octal.
    Octal,
}

/// The special directives, each with hand-written parsing and printing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    Dir,
    Save,
    ClientOutputBufferLimit,
    OomScoreAdjValues,
    NotifyKeyspaceEvents,
    Bind,
    ReplicaOf,
    LatencyTrackingInfoPercentiles,
}

type Validator<T> = Option<fn(T) -> Result<(), &'static str>>;
type StrValidator = fn(&Config, &str) -> Result<(), &'static str>;

/// A directive's type, default and field accessors. Numbers travel as `i64` the way Redis moves
/// them through `long long` (unsigned 64-bit values keep their bit pattern).
pub(crate) enum Kind {
    Bool {
        get: fn(&Config) -> bool,
        set: fn(&mut Config, bool),
        default: bool,
        validate: Validator<bool>,
    },
    /// A C string; `None` is Redis's NULL.
    Str {
        get: fn(&Config) -> Option<&str>,
        set: fn(&mut Config, Option<String>),
        default: Option<&'static str>,
        empty_is_none: bool,
        validate: Option<StrValidator>,
    },
    /// A binary-safe string where empty means unset.
    Sds {
        get: fn(&Config) -> Option<&[u8]>,
        set: fn(&mut Config, Option<Vec<u8>>),
    },
    /// An enum; with [`flag::MULTI_ARG`] a set of bit flags.
    Enum {
        names: &'static [(&'static str, i64)],
        get: fn(&Config) -> i64,
        set: fn(&mut Config, i64),
        default: i64,
        validate: Validator<i64>,
    },
    Num {
        get: fn(&Config) -> i64,
        set: fn(&mut Config, i64),
        lower: i64,
        upper: i64,
        default: i64,
        /// Bounds compared as unsigned (C `unsigned int`, `unsigned long long`, `size_t`).
        unsigned: bool,
        format: NumFormat,
    },
    Special(Special),
}

/// One row of the table.
pub(crate) struct Directive {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u16,
    pub kind: Kind,
}

impl Directive {
    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }
}

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
const LLONG_MAX: i64 = i64::MAX;
/// `ULLONG_MAX` as a `long long`, as Redis stores the bound.
const ULLONG_MAX: i64 = -1;

macro_rules! boolean {
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $default:expr) => {
        boolean!($name, $alias, $flags, $field, $default, None)
    };
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $default:expr, $validate:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            kind: Kind::Bool {
                get: |c| c.$field,
                set: |c, v| c.$field = v,
                default: $default,
                validate: $validate,
            },
        }
    };
}

/// A string where empty is a value (Redis's `ALLOW_EMPTY_STRING`).
macro_rules! string {
    ($name:literal, $flags:expr, $field:ident, $default:literal, $validate:expr) => {
        Directive {
            name: $name,
            alias: None,
            flags: $flags,
            kind: Kind::Str {
                get: |c| Some(c.$field.as_str()),
                set: |c, v| c.$field = v.unwrap_or_default(),
                default: Some($default),
                empty_is_none: false,
                validate: $validate,
            },
        }
    };
}

/// A string where empty means unset (Redis's `EMPTY_STRING_IS_NULL`, default NULL).
macro_rules! opt_string {
    ($name:literal, $alias:expr, $flags:expr, $field:ident) => {
        opt_string!($name, $alias, $flags, $field, None)
    };
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $validate:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            kind: Kind::Str {
                get: |c| c.$field.as_deref(),
                set: |c, v| c.$field = v,
                default: None,
                empty_is_none: true,
                validate: $validate,
            },
        }
    };
}

macro_rules! sds {
    ($name:literal, $flags:expr, $field:ident) => {
        Directive {
            name: $name,
            alias: None,
            flags: $flags,
            kind: Kind::Sds {
                get: |c| c.$field.as_deref(),
                set: |c, v| c.$field = v,
            },
        }
    };
}

macro_rules! enumeration {
    ($name:literal, $flags:expr, $field:ident, $ty:ident, $default:ident) => {
        Directive {
            name: $name,
            alias: None,
            flags: $flags,
            kind: Kind::Enum {
                names: $ty::NAMES,
                get: |c| c.$field as i64,
                set: |c, v| {
                    if let Some(x) = $ty::from_code(v) {
                        c.$field = x;
                    }
                },
                default: $ty::$default as i64,
                validate: None,
            },
        }
    };
}

macro_rules! shutdown_flags {
    ($name:literal, $field:ident) => {
        Directive {
            name: $name,
            alias: None,
            flags: MULTI_ARG,
            kind: Kind::Enum {
                names: ShutdownOnSignal::NAMES,
                get: |c| c.$field.code(),
                set: |c, v| c.$field = ShutdownOnSignal::from_code(v),
                default: 0,
                validate: Some(valid_shutdown_flags),
            },
        }
    };
}

macro_rules! number {
    ($name:literal, $alias:expr, $flags:expr, $lower:expr, $upper:expr, $field:ident: $ty:ty,
     $default:expr, $format:ident, $unsigned:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            kind: Kind::Num {
                get: |c| c.$field as i64,
                set: |c, v| c.$field = v as $ty,
                lower: $lower,
                upper: $upper,
                default: $default,
                unsigned: $unsigned,
                format: NumFormat::$format,
            },
        }
    };
}

/// C `int`.
macro_rules! int {
    ($name:literal, $alias:expr, $flags:expr, $lower:expr, $upper:expr, $field:ident: $ty:ty, $default:expr) => {
        number!($name, $alias, $flags, $lower, $upper, $field: $ty, $default, Integer, false)
    };
}

macro_rules! special {
    ($name:literal, $alias:expr, $flags:expr, $special:ident) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            kind: Kind::Special(Special::$special),
        }
    };
}

fn valid_active_defrag(enable: bool) -> Result<(), &'static str> {
    if enable {
        return Err(
            "Active defragmentation cannot be enabled: it requires a Redis server compiled \
                    with a modified Jemalloc like the one shipped by default with the Redis source \
                    distribution",
        );
    }
    Ok(())
}

fn is_base_name(path: &str) -> bool {
    !path.contains('/') && !path.contains('\\')
}

fn valid_dbfilename(_: &Config, v: &str) -> Result<(), &'static str> {
    if !is_base_name(v) {
        return Err("dbfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_appendfilename(_: &Config, v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appendfilename can't be empty");
    }
    if !is_base_name(v) {
        return Err("appendfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_appenddirname(_: &Config, v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appenddirname can't be empty");
    }
    if !is_base_name(v) {
        return Err("appenddirname can't be a path, just a dirname");
    }
    Ok(())
}

fn valid_hostname(_: &Config, v: &str) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

/// `validateProcTitleTemplate`: `{var}` expansion must know every variable (`{{` is a literal
/// brace) and the result, with an empty title and trimmed of spaces, must not be empty.
fn valid_proc_title(c: &Config, template: &str) -> Result<(), &'static str> {
    const INVALID: &str = "template format is invalid or contains unknown variables";
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.is_empty() {
            return Err(INVALID);
        }
        if let Some(stripped) = after.strip_prefix('{') {
            out.push('{');
            rest = stripped;
            continue;
        }
        let close = after.find('}').ok_or(INVALID)?;
        let value = match &after[..close] {
            "title" => String::new(),
            "listen-addr" | "config-file" | "port" | "tls-port" => "x".to_string(),
            "server-mode" if c.cluster_enabled => "[cluster]".to_string(),
            "server-mode" => String::new(),
            "unixsocket" => c.unixsocket.clone().unwrap_or_default(),
            _ => return Err(INVALID),
        };
        out.push_str(&value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    if out.trim_matches(' ').is_empty() {
        return Err(INVALID);
    }
    Ok(())
}

fn valid_shutdown_flags(code: i64) -> Result<(), &'static str> {
    if code & 1 != 0 && code & 2 != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously");
    }
    Ok(())
}

/// Every directive, in Redis's table order.
#[rustfmt::skip]
pub(crate) static DIRECTIVES: &[Directive] = &[
    // Bool configs
    boolean!("rdbchecksum", None, IMMUTABLE, rdbchecksum, true),
    boolean!("daemonize", None, IMMUTABLE, daemonize, false),
    boolean!("io-threads-do-reads", None, DEBUG | IMMUTABLE, io_threads_do_reads, false),
    boolean!("always-show-logo", None, IMMUTABLE, always_show_logo, false),
    boolean!("protected-mode", None, 0, protected_mode, true),
    boolean!("rdbcompression", None, 0, rdbcompression, true),
    boolean!("rdb-del-sync-files", None, 0, rdb_del_sync_files, false),
    boolean!("activerehashing", None, 0, activerehashing, true),
    boolean!("stop-writes-on-bgsave-error", None, 0, stop_writes_on_bgsave_error, true),
    boolean!("set-proc-title", None, IMMUTABLE, set_proc_title, true),
    boolean!("dynamic-hz", None, 0, dynamic_hz, true),
    boolean!("lazyfree-lazy-eviction", None, DEBUG, lazyfree_lazy_eviction, false),
    boolean!("lazyfree-lazy-expire", None, DEBUG, lazyfree_lazy_expire, false),
    boolean!("lazyfree-lazy-server-del", None, DEBUG, lazyfree_lazy_server_del, false),
    boolean!("lazyfree-lazy-user-del", None, DEBUG, lazyfree_lazy_user_del, false),
    boolean!("lazyfree-lazy-user-flush", None, DEBUG, lazyfree_lazy_user_flush, false),
    boolean!("repl-disable-tcp-nodelay", None, 0, repl_disable_tcp_nodelay, false),
    boolean!("repl-diskless-sync", None, DEBUG, repl_diskless_sync, true),
    boolean!("aof-rewrite-incremental-fsync", None, 0, aof_rewrite_incremental_fsync, true),
    boolean!("no-appendfsync-on-rewrite", None, 0, no_appendfsync_on_rewrite, false),
    boolean!("cluster-require-full-coverage", None, 0, cluster_require_full_coverage, true),
    boolean!("rdb-save-incremental-fsync", None, 0, rdb_save_incremental_fsync, true),
    boolean!("aof-load-truncated", None, 0, aof_load_truncated, true),
    boolean!("aof-use-rdb-preamble", None, 0, aof_use_rdb_preamble, true),
    boolean!("aof-timestamp-enabled", None, 0, aof_timestamp_enabled, false),
    boolean!("cluster-replica-no-failover", Some("cluster-slave-no-failover"), 0, cluster_replica_no_failover, false),
    boolean!("replica-lazy-flush", Some("slave-lazy-flush"), 0, replica_lazy_flush, false),
    boolean!("replica-serve-stale-data", Some("slave-serve-stale-data"), 0, replica_serve_stale_data, true),
    // Ferrodis's own: see `Config::replica_protect_from_empty_master`.
    boolean!("replica-protect-from-empty-master", None, 0, replica_protect_from_empty_master, true),
    boolean!("replica-read-only", Some("slave-read-only"), DEBUG, replica_read_only, true),
    boolean!("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), 0, replica_ignore_maxmemory, true),
    boolean!("jemalloc-bg-thread", None, 0, jemalloc_bg_thread, true),
    boolean!("activedefrag", None, DEBUG, activedefrag, false, Some(valid_active_defrag)),
    boolean!("syslog-enabled", None, IMMUTABLE, syslog_enabled, false),
    boolean!("cluster-enabled", None, IMMUTABLE, cluster_enabled, false),
    boolean!("appendonly", None, DENY_LOADING, appendonly, false),
    boolean!("cluster-allow-reads-when-down", None, 0, cluster_allow_reads_when_down, false),
    boolean!("cluster-allow-pubsubshard-when-down", None, 0, cluster_allow_pubsubshard_when_down, true),
    boolean!("crash-log-enabled", None, 0, crash_log_enabled, true),
    boolean!("crash-memcheck-enabled", None, 0, crash_memcheck_enabled, true),
    boolean!("use-exit-on-panic", None, HIDDEN, use_exit_on_panic, false),
    boolean!("lua-enable-deprecated-api", None, IMMUTABLE | HIDDEN, lua_enable_deprecated_api, false),
    boolean!("disable-thp", None, IMMUTABLE, disable_thp, true),
    boolean!("cluster-allow-replica-migration", None, 0, cluster_allow_replica_migration, true),
    boolean!("replica-announced", None, 0, replica_announced, true),
    boolean!("latency-tracking", None, 0, latency_tracking, true),
    boolean!("aof-disable-auto-gc", None, 0, aof_disable_auto_gc, false),
    boolean!("replica-ignore-disk-write-errors", None, 0, replica_ignore_disk_write_errors, false),
    // String configs
    string!("aclfile", IMMUTABLE, aclfile, "", None),
    opt_string!("unixsocket", None, IMMUTABLE, unixsocket),
    opt_string!("pidfile", None, IMMUTABLE, pidfile),
    opt_string!("replica-announce-ip", Some("slave-announce-ip"), 0, replica_announce_ip),
    opt_string!("masteruser", None, SENSITIVE, masteruser),
    opt_string!("cluster-announce-ip", None, 0, cluster_announce_ip),
    string!("cluster-config-file", IMMUTABLE, cluster_config_file, "nodes.conf", None),
    opt_string!("cluster-announce-hostname", None, 0, cluster_announce_hostname, Some(valid_hostname)),
    string!("syslog-ident", IMMUTABLE, syslog_ident, "redis", None),
    string!("dbfilename", PROTECTED, dbfilename, "dump.rdb", Some(valid_dbfilename)),
    string!("appendfilename", IMMUTABLE, appendfilename, "appendonly.aof", Some(valid_appendfilename)),
    string!("appenddirname", IMMUTABLE, appenddirname, "appendonlydir", Some(valid_appenddirname)),
    opt_string!("server_cpulist", None, IMMUTABLE, server_cpulist),
    opt_string!("bio_cpulist", None, IMMUTABLE, bio_cpulist),
    opt_string!("aof_rewrite_cpulist", None, IMMUTABLE, aof_rewrite_cpulist),
    opt_string!("bgsave_cpulist", None, IMMUTABLE, bgsave_cpulist),
    string!("ignore-warnings", 0, ignore_warnings, "", None),
    string!("proc-title-template", 0, proc_title_template, "{title} {listen-addr} {server-mode}", Some(valid_proc_title)),
    opt_string!("bind-source-addr", None, 0, bind_source_addr),
    string!("logfile", IMMUTABLE, logfile, "", None),
    // SDS configs
    sds!("masterauth", SENSITIVE, masterauth),
    sds!("requirepass", SENSITIVE, requirepass),
    // Enum configs
    enumeration!("supervised", IMMUTABLE, supervised, Supervised, No),
    enumeration!("syslog-facility", IMMUTABLE, syslog_facility, SyslogFacility, Local0),
    enumeration!("repl-diskless-load", DEBUG | DENY_LOADING, repl_diskless_load, ReplDisklessLoad, Disabled),
    enumeration!("loglevel", 0, loglevel, LogLevel, Notice),
    enumeration!("maxmemory-policy", 0, maxmemory_policy, MaxmemoryPolicy, Noeviction),
    enumeration!("appendfsync", 0, appendfsync, AppendFsync, Everysec),
    enumeration!("oom-score-adj", 0, oom_score_adj, OomScoreAdj, No),
    enumeration!("acl-pubsub-default", 0, acl_pubsub_default, AclPubsubDefault, Resetchannels),
    enumeration!("sanitize-dump-payload", DEBUG, sanitize_dump_payload, SanitizeDumpPayload, No),
    enumeration!("enable-protected-configs", IMMUTABLE, enable_protected_configs, ProtectedAction, No),
    enumeration!("enable-debug-command", IMMUTABLE, enable_debug_command, ProtectedAction, No),
    enumeration!("enable-module-command", IMMUTABLE, enable_module_command, ProtectedAction, No),
    enumeration!("cluster-preferred-endpoint-type", 0, cluster_preferred_endpoint_type, ClusterPreferredEndpointType, Ip),
    enumeration!("propagation-error-behavior", 0, propagation_error_behavior, PropagationErrorBehavior, Ignore),
    shutdown_flags!("shutdown-on-sigint", shutdown_on_sigint),
    shutdown_flags!("shutdown-on-sigterm", shutdown_on_sigterm),
    // Integer configs
    int!("databases", None, IMMUTABLE, 1, INT_MAX, databases: u32, 16),
    int!("port", None, 0, 0, 65535, port: u16, 6379),
    int!("io-threads", None, DEBUG | IMMUTABLE, 1, 128, io_threads: u32, 1),
    int!("auto-aof-rewrite-percentage", None, 0, 0, INT_MAX, auto_aof_rewrite_percentage: u32, 100),
    int!("cluster-replica-validity-factor", Some("cluster-slave-validity-factor"), 0, 0, INT_MAX, cluster_replica_validity_factor: u32, 10),
    int!("list-max-listpack-size", Some("list-max-ziplist-size"), 0, INT_MIN, INT_MAX, list_max_listpack_size: i32, -2),
    int!("tcp-keepalive", None, 0, 0, INT_MAX, tcp_keepalive: u32, 300),
    int!("cluster-migration-barrier", None, 0, 0, INT_MAX, cluster_migration_barrier: u32, 1),
    int!("active-defrag-cycle-min", None, 0, 1, 99, active_defrag_cycle_min: u32, 1),
    int!("active-defrag-cycle-max", None, 0, 1, 99, active_defrag_cycle_max: u32, 25),
    int!("active-defrag-threshold-lower", None, 0, 0, 1000, active_defrag_threshold_lower: u32, 10),
    int!("active-defrag-threshold-upper", None, 0, 0, 1000, active_defrag_threshold_upper: u32, 100),
    int!("lfu-log-factor", None, 0, 0, INT_MAX, lfu_log_factor: u32, 10),
    int!("lfu-decay-time", None, 0, 0, INT_MAX, lfu_decay_time: u32, 1),
    int!("replica-priority", Some("slave-priority"), 0, 0, INT_MAX, replica_priority: u32, 100),
    int!("repl-diskless-sync-delay", None, 0, 0, INT_MAX, repl_diskless_sync_delay: u32, 5),
    int!("maxmemory-samples", None, 0, 1, INT_MAX, maxmemory_samples: u32, 5),
    int!("maxmemory-eviction-tenacity", None, 0, 0, 100, maxmemory_eviction_tenacity: u32, 10),
    int!("timeout", None, 0, 0, INT_MAX, timeout: u32, 0),
    int!("replica-announce-port", Some("slave-announce-port"), 0, 0, 65535, replica_announce_port: u16, 0),
    int!("tcp-backlog", None, IMMUTABLE, 0, INT_MAX, tcp_backlog: u32, 511),
    int!("cluster-port", None, IMMUTABLE, 0, 65535, cluster_port: u16, 0),
    int!("cluster-announce-bus-port", None, 0, 0, 65535, cluster_announce_bus_port: u16, 0),
    int!("cluster-announce-port", None, 0, 0, 65535, cluster_announce_port: u16, 0),
    int!("cluster-announce-tls-port", None, 0, 0, 65535, cluster_announce_tls_port: u16, 0),
    int!("repl-timeout", None, 0, 1, INT_MAX, repl_timeout: u32, 60),
    int!("repl-ping-replica-period", Some("repl-ping-slave-period"), 0, 1, INT_MAX, repl_ping_replica_period: u32, 10),
    int!("list-compress-depth", None, DEBUG, 0, INT_MAX, list_compress_depth: u32, 0),
    int!("rdb-key-save-delay", None, HIDDEN, INT_MIN, INT_MAX, rdb_key_save_delay: i32, 0),
    int!("key-load-delay", None, HIDDEN, INT_MIN, INT_MAX, key_load_delay: i32, 0),
    int!("active-expire-effort", None, 0, 1, 10, active_expire_effort: u32, 1),
    int!("hz", None, 0, 0, INT_MAX, hz: u32, 10),
    int!("min-replicas-to-write", Some("min-slaves-to-write"), 0, 0, INT_MAX, min_replicas_to_write: u32, 0),
    int!("min-replicas-max-lag", Some("min-slaves-max-lag"), 0, 0, INT_MAX, min_replicas_max_lag: u32, 10),
    int!("watchdog-period", None, HIDDEN, 0, INT_MAX, watchdog_period: u32, 0),
    int!("shutdown-timeout", None, 0, 0, INT_MAX, shutdown_timeout: u32, 10),
    int!("repl-diskless-sync-max-replicas", None, 0, 0, INT_MAX, repl_diskless_sync_max_replicas: u32, 0),
    // Unsigned int configs
    number!("maxclients", None, 0, 1, UINT_MAX, maxclients: u32, 10000, Integer, true),
    number!("unixsocketperm", None, IMMUTABLE, 0, 0o777, unixsocketperm: u32, 0, Octal, true),
    number!("socket-mark-id", None, IMMUTABLE, 0, UINT_MAX, socket_mark_id: u32, 0, Integer, true),
    // Unsigned long configs (bounds compared as signed, as in Redis)
    number!("active-defrag-max-scan-fields", None, 0, 1, LONG_MAX, active_defrag_max_scan_fields: u64, 1000, Integer, false),
    number!("slowlog-max-len", None, 0, 0, LONG_MAX, slowlog_max_len: u64, 128, Integer, false),
    number!("acllog-max-len", None, 0, 0, LONG_MAX, acllog_max_len: u64, 128, Integer, false),
    // Long long configs
    number!("busy-reply-threshold", Some("lua-time-limit"), 0, 0, LONG_MAX, busy_reply_threshold: u64, 5000, Integer, false),
    number!("cluster-node-timeout", None, 0, 0, LLONG_MAX, cluster_node_timeout: u64, 15000, Integer, false),
    number!("slowlog-log-slower-than", None, 0, -1, LLONG_MAX, slowlog_log_slower_than: i64, 10000, Integer, false),
    number!("latency-monitor-threshold", None, 0, 0, LLONG_MAX, latency_monitor_threshold: u64, 0, Integer, false),
    number!("proto-max-bulk-len", None, DEBUG, 1024 * 1024, LONG_MAX, proto_max_bulk_len: u64, 512 * 1024 * 1024, Memory, false),
    number!("stream-node-max-entries", None, 0, 0, LLONG_MAX, stream_node_max_entries: u64, 100, Integer, false),
    number!("repl-backlog-size", None, 0, 1, LLONG_MAX, repl_backlog_size: u64, 1024 * 1024, Memory, false),
    // Unsigned long long configs
    number!("maxmemory", None, 0, 0, ULLONG_MAX, maxmemory: u64, 0, Memory, true),
    number!("cluster-link-sendbuf-limit", None, 0, 0, ULLONG_MAX, cluster_link_sendbuf_limit: u64, 0, Memory, true),
    // Size_t configs
    number!("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), 0, 0, LONG_MAX, hash_max_listpack_entries: u64, 512, Integer, true),
    number!("set-max-intset-entries", None, 0, 0, LONG_MAX, set_max_intset_entries: u64, 512, Integer, true),
    number!("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), 0, 0, LONG_MAX, zset_max_listpack_entries: u64, 128, Integer, true),
    number!("active-defrag-ignore-bytes", None, 0, 1, LLONG_MAX, active_defrag_ignore_bytes: u64, 100 << 20, Memory, true),
    number!("hash-max-listpack-value", Some("hash-max-ziplist-value"), 0, 0, LONG_MAX, hash_max_listpack_value: u64, 64, Memory, true),
    number!("stream-node-max-bytes", None, 0, 0, LONG_MAX, stream_node_max_bytes: u64, 4096, Memory, true),
    number!("zset-max-listpack-value", Some("zset-max-ziplist-value"), 0, 0, LONG_MAX, zset_max_listpack_value: u64, 64, Memory, true),
    number!("hll-sparse-max-bytes", None, 0, 0, LONG_MAX, hll_sparse_max_bytes: u64, 3000, Memory, true),
    number!("tracking-table-max-keys", None, 0, 0, LONG_MAX, tracking_table_max_keys: u64, 1_000_000, Integer, true),
    number!("client-query-buffer-limit", None, DEBUG, 1024 * 1024, LONG_MAX, client_query_buffer_limit: u64, 1024 * 1024 * 1024, Memory, true),
    Directive {
        name: "maxmemory-clients",
        alias: None,
        flags: 0,
        kind: Kind::Num {
            get: |c| c.maxmemory_clients.code(),
            set: |c, v| c.maxmemory_clients = MaxmemoryClients::from_code(v),
            lower: -100,
            upper: i64::MAX,
            default: 0,
            unsigned: false,
            format: NumFormat::MemoryOrPercent,
        },
    },
    // Other numeric configs
    number!("repl-backlog-ttl", None, 0, 0, LONG_MAX, repl_backlog_ttl: u64, 3600, Integer, false),
    number!("auto-aof-rewrite-min-size", None, 0, 0, LLONG_MAX, auto_aof_rewrite_min_size: u64, 64 * 1024 * 1024, Memory, false),
    number!("loading-process-events-interval-bytes", None, HIDDEN, 1024, INT_MAX, loading_process_events_interval_bytes: u64, 2 * 1024 * 1024, Integer, false),
    // TLS configs
    int!("tls-port", None, 0, 0, 65535, tls_port: u16, 0),
    int!("tls-session-cache-size", None, 0, 0, INT_MAX, tls_session_cache_size: u32, 20 * 1024),
    int!("tls-session-cache-timeout", None, 0, 0, INT_MAX, tls_session_cache_timeout: u32, 300),
    boolean!("tls-cluster", None, 0, tls_cluster, false),
    boolean!("tls-replication", None, 0, tls_replication, false),
    enumeration!("tls-auth-clients", 0, tls_auth_clients, TlsAuthClients, Yes),
    boolean!("tls-prefer-server-ciphers", None, 0, tls_prefer_server_ciphers, false),
    boolean!("tls-session-caching", None, 0, tls_session_caching, true),
    opt_string!("tls-cert-file", None, VOLATILE, tls_cert_file),
    opt_string!("tls-key-file", None, VOLATILE, tls_key_file),
    opt_string!("tls-key-file-pass", None, 0, tls_key_file_pass),
    opt_string!("tls-client-cert-file", None, VOLATILE, tls_client_cert_file),
    opt_string!("tls-client-key-file", None, VOLATILE, tls_client_key_file),
    opt_string!("tls-client-key-file-pass", None, 0, tls_client_key_file_pass),
    opt_string!("tls-dh-params-file", None, VOLATILE, tls_dh_params_file),
    opt_string!("tls-ca-cert-file", None, VOLATILE, tls_ca_cert_file),
    opt_string!("tls-ca-cert-dir", None, VOLATILE, tls_ca_cert_dir),
    opt_string!("tls-protocols", None, 0, tls_protocols),
    opt_string!("tls-ciphers", None, 0, tls_ciphers),
    opt_string!("tls-ciphersuites", None, 0, tls_ciphersuites),
    // Special configs
    special!("dir", None, PROTECTED | DENY_LOADING, Dir),
    special!("save", None, MULTI_ARG, Save),
    special!("client-output-buffer-limit", None, MULTI_ARG, ClientOutputBufferLimit),
    special!("oom-score-adj-values", None, MULTI_ARG, OomScoreAdjValues),
    special!("notify-keyspace-events", None, 0, NotifyKeyspaceEvents),
    special!("bind", None, MULTI_ARG, Bind),
    special!("replicaof", Some("slaveof"), IMMUTABLE | MULTI_ARG, ReplicaOf),
    special!("latency-tracking-info-percentiles", None, MULTI_ARG, LatencyTrackingInfoPercentiles),
];

/// A table entry reached by one of its names: the row and whether the name was its alias
/// (Redis registers the alias as a separate config, which matters for duplicate detection and
/// for the name printed in errors and CONFIG GET).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub index: usize,
    pub is_alias: bool,
}

impl Entry {
    pub fn directive(self) -> &'static Directive {
        &DIRECTIVES[self.index]
    }

    /// The name this entry is registered under.
    pub fn name(self) -> &'static str {
        let d = self.directive();
        match (self.is_alias, d.alias) {
            (true, Some(alias)) => alias,
            _ => d.name,
        }
    }
}

/// Finds a directive by name or alias, case-insensitively.
pub(crate) fn lookup(name: &[u8]) -> Option<Entry> {
    DIRECTIVES.iter().enumerate().find_map(|(index, d)| {
        if name.eq_ignore_ascii_case(d.name.as_bytes()) {
            Some(Entry {
                index,
                is_alias: false,
            })
        } else if d
            .alias
            .is_some_and(|a| name.eq_ignore_ascii_case(a.as_bytes()))
        {
            Some(Entry {
                index,
                is_alias: true,
            })
        } else {
            None
        }
    })
}

/// Every registered name, primary names and aliases, in table order (alias right after its
/// primary, as Redis registers them).
pub(crate) fn entries() -> impl Iterator<Item = Entry> {
    DIRECTIVES.iter().enumerate().flat_map(|(index, d)| {
        let alias = d.alias.map(|_| Entry {
            index,
            is_alias: true,
        });
        std::iter::once(Entry {
            index,
            is_alias: false,
        })
        .chain(alias)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The top-level fields of `Config`'s Debug output, as (name, value text).
    fn fields(debug: &str) -> Vec<(String, String)> {
        let body = debug
            .strip_prefix("Config { ")
            .and_then(|b| b.strip_suffix(" }"))
            .unwrap_or("");
        let (mut out, mut depth, mut in_str, mut escaped, mut start) =
            (Vec::new(), 0i32, false, false, 0);
        let bytes = body.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if in_str {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth -= 1,
                b',' if depth == 0 => {
                    out.push(&body[start..i]);
                    start = i + 2;
                }
                _ => {}
            }
        }
        out.push(&body[start.min(body.len())..]);
        out.iter()
            .filter_map(|f| f.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn field_value(debug: &str, field: &str) -> Option<String> {
        fields(debug)
            .into_iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v)
    }

    #[test]
    fn names_are_unique_and_fields_exist() {
        let debug = format!("{:?}", Config::default());
        let mut seen = std::collections::HashSet::new();
        for d in DIRECTIVES {
            assert!(seen.insert(d.name), "duplicate {}", d.name);
            if let Some(a) = d.alias {
                assert!(seen.insert(a), "duplicate alias {a}");
            }
            let field = d.name.replace('-', "_");
            assert!(field_value(&debug, &field).is_some(), "no field {field}");
        }
        assert_eq!(
            DIRECTIVES.len(),
            179 + 1,
            "Redis 7.0.15 (Debian) has 179 standard configs (TLS included), plus Ferrodis's \
             replica-protect-from-empty-master"
        );
    }

    #[test]
    fn table_defaults_are_config_defaults() {
        let c = Config::default();
        for d in DIRECTIVES {
            match &d.kind {
                Kind::Bool { get, default, .. } => assert_eq!(get(&c), *default, "{}", d.name),
                Kind::Num { get, default, .. } => assert_eq!(get(&c), *default, "{}", d.name),
                Kind::Enum { get, default, .. } => assert_eq!(get(&c), *default, "{}", d.name),
                Kind::Str { get, default, .. } => assert_eq!(get(&c), *default, "{}", d.name),
                Kind::Sds { get, .. } => assert_eq!(get(&c), None, "{}", d.name),
                Kind::Special(_) => {}
            }
        }
    }

    #[test]
    fn each_accessor_writes_the_field_named_after_its_directive() {
        let base = Config::default();
        let base_fields = fields(&format!("{base:?}"));
        for d in DIRECTIVES {
            let field = d.name.replace('-', "_");
            let mut c = base.clone();
            match &d.kind {
                Kind::Bool { set, default, .. } => set(&mut c, !default),
                Kind::Num {
                    set,
                    default,
                    upper,
                    ..
                } => set(
                    &mut c,
                    if default < upper {
                        default + 1
                    } else {
                        default - 1
                    },
                ),
                Kind::Enum {
                    set,
                    default,
                    names,
                    ..
                } => {
                    let other = names
                        .iter()
                        .map(|(_, v)| *v)
                        .find(|v| v != default && *v != 0)
                        .unwrap_or(0);
                    set(&mut c, other);
                }
                Kind::Str { set, .. } => set(&mut c, Some("zz".into())),
                Kind::Sds { set, .. } => set(&mut c, Some(b"zz".to_vec())),
                Kind::Special(_) => continue,
            }
            let after = fields(&format!("{c:?}"));
            let changed: Vec<&str> = after
                .iter()
                .zip(&base_fields)
                .filter(|(a, b)| a != b)
                .map(|(a, _)| a.0.as_str())
                .collect();
            assert_eq!(
                changed,
                vec![field.as_str()],
                "setting {} must change exactly its field",
                d.name
            );
        }
    }

    #[test]
    fn lookup_is_case_insensitive_and_knows_aliases() {
        let e = lookup(b"SLAVEOF").unwrap();
        assert!(e.is_alias);
        assert_eq!(e.directive().name, "replicaof");
        assert_eq!(e.name(), "slaveof");
        assert_eq!(lookup(b"Port").unwrap().name(), "port");
        assert!(lookup(b"nope").is_none());
        assert_eq!(
            entries().count(),
            DIRECTIVES.len() + DIRECTIVES.iter().filter(|d| d.alias.is_some()).count()
        );
    }
}

//! `Config`: one typed field per Redis 7.0.15 directive (name = canonical directive name with
//! `-` turned into `_`), plus the directives Redis only stores for other subsystems (`user`,
//! `rename-command`, `loadmodule`, module configs). `Default` is redis-server's built-in
//! configuration (what it runs with when started without a file).
//!
//! Holds values only. The directive table (`directives.rs`) maps names to these fields; keeping
//! the two in step is checked by a test.

use crate::types::*;

/// The server configuration, typed. See the crate docs for the text formats.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    // ---- Booleans ----
    /// `rdbchecksum`: write and verify a CRC64 at the end of RDB files. Default yes.
    pub rdbchecksum: bool,
    /// `daemonize`: detach and run in the background. Default no.
    pub daemonize: bool,
    /// `io-threads-do-reads`: let I/O threads also read and parse. Default no.
    pub io_threads_do_reads: bool,
    /// `always-show-logo`: print the ASCII logo even when logging to a file. Default no.
    pub always_show_logo: bool,
    /// `protected-mode`: refuse non-loopback clients when no password and no bind are set. Default yes.
    pub protected_mode: bool,
    /// `rdbcompression`: LZF-compress strings in RDB files. Default yes.
    pub rdbcompression: bool,
    /// `rdb-del-sync-files`: delete RDB files used only for replication when persistence is off. Default no.
    pub rdb_del_sync_files: bool,
    /// `activerehashing`: spend CPU rehashing the main dictionaries incrementally. Default yes.
    pub activerehashing: bool,
    /// `stop-writes-on-bgsave-error`: refuse writes (MISCONF) after a failed background save. Default yes.
    pub stop_writes_on_bgsave_error: bool,
    /// `set-proc-title`: change the process title shown by ps. Default yes.
    pub set_proc_title: bool,
    /// `dynamic-hz`: raise hz temporarily with many clients. Default yes.
    pub dynamic_hz: bool,
    /// `lazyfree-lazy-eviction`: free evicted values in the background. Default no.
    pub lazyfree_lazy_eviction: bool,
    /// `lazyfree-lazy-expire`: free expired values in the background. Default no.
    pub lazyfree_lazy_expire: bool,
    /// `lazyfree-lazy-server-del`: free values deleted implicitly (RENAME, SET over) in the background. Default no.
    pub lazyfree_lazy_server_del: bool,
    /// `lazyfree-lazy-user-del`: make DEL behave like UNLINK. Default no.
    pub lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`: make FLUSHALL/FLUSHDB default to ASYNC. Default no.
    pub lazyfree_lazy_user_flush: bool,
    /// `lua-enable-deprecated-api`: offer setfenv, getfenv and newproxy to scripts. Default no.
    pub lua_enable_deprecated_api: bool,
    /// `repl-disable-tcp-nodelay`: set TCP_NODELAY off on replica links (fewer, bigger packets). Default no.
    pub repl_disable_tcp_nodelay: bool,
    /// `repl-diskless-sync`: send the full-sync RDB straight to replica sockets. Default yes.
    pub repl_diskless_sync: bool,
    /// `aof-rewrite-incremental-fsync`: fsync every 4 MB while rewriting the AOF. Default yes.
    pub aof_rewrite_incremental_fsync: bool,
    /// `no-appendfsync-on-rewrite`: skip AOF fsyncs while a child saves or rewrites. Default no.
    pub no_appendfsync_on_rewrite: bool,
    /// `cluster-require-full-coverage`: stop serving when some slot is uncovered. Default yes.
    pub cluster_require_full_coverage: bool,
    /// `rdb-save-incremental-fsync`: fsync every 4 MB while saving an RDB. Default yes.
    pub rdb_save_incremental_fsync: bool,
    /// `aof-load-truncated`: load a truncated AOF instead of refusing to start. Default yes.
    pub aof_load_truncated: bool,
    /// `aof-use-rdb-preamble`: start rewritten AOFs with an RDB snapshot. Default yes.
    pub aof_use_rdb_preamble: bool,
    /// `aof-timestamp-enabled`: write timestamp annotations in the AOF. Default no.
    pub aof_timestamp_enabled: bool,
    /// `cluster-replica-no-failover` (alias `cluster-slave-no-failover`): never fail over automatically. Default no.
    pub cluster_replica_no_failover: bool,
    /// `replica-lazy-flush` (alias `slave-lazy-flush`): flush the old dataset asynchronously on full sync. Default no.
    pub replica_lazy_flush: bool,
    /// `replica-serve-stale-data` (alias `slave-serve-stale-data`): answer reads while the master link is down. Default yes.
    pub replica_serve_stale_data: bool,
    /// `replica-protect-from-empty-master` (Ferrodis only): a replica refuses to replace its
    /// data with the empty dataset of the same master come back with a new ID at offset 0 (a
    /// master restarted without its RDB), instead of silently wiping itself as Redis does.
    /// Default yes.
    pub replica_protect_from_empty_master: bool,
    /// `replica-read-only` (alias `slave-read-only`): refuse writes from ordinary clients on a replica. Default yes.
    pub replica_read_only: bool,
    /// `replica-ignore-maxmemory` (alias `slave-ignore-maxmemory`): replicas do not evict on their own. Default yes.
    pub replica_ignore_maxmemory: bool,
    /// `jemalloc-bg-thread`: let jemalloc purge in a background thread. Default yes.
    pub jemalloc_bg_thread: bool,
    /// `activedefrag`: active defragmentation. Default no (enabling it is refused, as in a Redis built without it).
    pub activedefrag: bool,
    /// `syslog-enabled`: also log to syslog. Default no.
    pub syslog_enabled: bool,
    /// `cluster-enabled`: run in cluster mode. Default no.
    pub cluster_enabled: bool,
    /// `appendonly`: keep an append-only file. Default no.
    pub appendonly: bool,
    /// `cluster-allow-reads-when-down`: serve reads while the cluster is down. Default no.
    pub cluster_allow_reads_when_down: bool,
    /// `cluster-allow-pubsubshard-when-down`: serve shard Pub/Sub while the cluster is down. Default yes.
    pub cluster_allow_pubsubshard_when_down: bool,
    /// `crash-log-enabled`: print a stack trace on crash. Default yes.
    pub crash_log_enabled: bool,
    /// `crash-memcheck-enabled`: run a memory test on crash. Default yes.
    pub crash_memcheck_enabled: bool,
    /// `use-exit-on-panic` (hidden): exit() instead of abort() on panic, for tests. Default no.
    pub use_exit_on_panic: bool,
    /// `disable-thp`: turn transparent huge pages off for the process. Default yes.
    pub disable_thp: bool,
    /// `cluster-allow-replica-migration`: let replicas migrate to orphaned masters. Default yes.
    pub cluster_allow_replica_migration: bool,
    /// `replica-announced`: list this replica in Sentinel's answers. Default yes.
    pub replica_announced: bool,
    /// `latency-tracking`: keep per-command latency histograms. Default yes.
    pub latency_tracking: bool,
    /// `aof-disable-auto-gc`: keep history AOF files instead of deleting them. Default no.
    pub aof_disable_auto_gc: bool,
    /// `replica-ignore-disk-write-errors`: a replica keeps applying writes after a disk error. Default no.
    pub replica_ignore_disk_write_errors: bool,
    /// `tls-cluster`: use TLS on the cluster bus. Default no.
    pub tls_cluster: bool,
    /// `tls-replication`: use TLS on replication links. Default no.
    pub tls_replication: bool,
    /// `tls-prefer-server-ciphers`: prefer the server's cipher order. Default no.
    pub tls_prefer_server_ciphers: bool,
    /// `tls-session-caching`: cache TLS sessions. Default yes.
    pub tls_session_caching: bool,

    // ---- Strings ----
    /// `aclfile`: file holding ACL users (empty: users come from `user` lines). Default "".
    pub aclfile: String,
    /// `unixsocket`: path of the unix socket to listen on. Default none.
    pub unixsocket: Option<String>,
    /// `pidfile`: where to write the pid. Default none.
    pub pidfile: Option<String>,
    /// `replica-announce-ip` (alias `slave-announce-ip`): IP a replica reports to its master. Default none.
    pub replica_announce_ip: Option<String>,
    /// `masteruser`: ACL user a replica authenticates as. Default none.
    pub masteruser: Option<String>,
    /// `cluster-announce-ip`: IP announced on the cluster bus. Default none.
    pub cluster_announce_ip: Option<String>,
    /// `cluster-config-file`: the cluster node state file. Default "nodes.conf".
    pub cluster_config_file: String,
    /// `cluster-announce-hostname`: hostname announced on the cluster bus. Default none.
    pub cluster_announce_hostname: Option<String>,
    /// `syslog-ident`: syslog identity. Default "redis".
    pub syslog_ident: String,
    /// `dbfilename`: RDB file name inside `dir` (no path). Default "dump.rdb".
    pub dbfilename: String,
    /// `appendfilename`: AOF base name (no path). Default "appendonly.aof".
    pub appendfilename: String,
    /// `appenddirname`: AOF directory inside `dir`. Default "appendonlydir".
    pub appenddirname: String,
    /// `server_cpulist`: CPU affinity of the main thread. Default none.
    pub server_cpulist: Option<String>,
    /// `bio_cpulist`: CPU affinity of background I/O threads. Default none.
    pub bio_cpulist: Option<String>,
    /// `aof_rewrite_cpulist`: CPU affinity of the AOF rewrite child. Default none.
    pub aof_rewrite_cpulist: Option<String>,
    /// `bgsave_cpulist`: CPU affinity of the BGSAVE child. Default none.
    pub bgsave_cpulist: Option<String>,
    /// `ignore-warnings`: start-up warnings to silence. Default "".
    pub ignore_warnings: String,
    /// `proc-title-template`: process title template. Default "{title} {listen-addr} {server-mode}".
    pub proc_title_template: String,
    /// `bind-source-addr`: source address of outgoing connections. Default none.
    pub bind_source_addr: Option<String>,
    /// `logfile`: log file path; empty logs to standard output. Default "".
    pub logfile: String,
    /// `tls-cert-file`. Default none.
    pub tls_cert_file: Option<String>,
    /// `tls-key-file`. Default none.
    pub tls_key_file: Option<String>,
    /// `tls-key-file-pass`. Default none.
    pub tls_key_file_pass: Option<String>,
    /// `tls-client-cert-file`. Default none.
    pub tls_client_cert_file: Option<String>,
    /// `tls-client-key-file`. Default none.
    pub tls_client_key_file: Option<String>,
    /// `tls-client-key-file-pass`. Default none.
    pub tls_client_key_file_pass: Option<String>,
    /// `tls-dh-params-file`. Default none.
    pub tls_dh_params_file: Option<String>,
    /// `tls-ca-cert-file`. Default none.
    pub tls_ca_cert_file: Option<String>,
    /// `tls-ca-cert-dir`. Default none.
    pub tls_ca_cert_dir: Option<String>,
    /// `tls-protocols`. Default none.
    pub tls_protocols: Option<String>,
    /// `tls-ciphers`. Default none.
    pub tls_ciphers: Option<String>,
    /// `tls-ciphersuites`. Default none.
    pub tls_ciphersuites: Option<String>,

    // ---- Binary-safe strings (empty means unset) ----
    /// `masterauth`: password a replica sends to its master. Default none.
    pub masterauth: Option<Vec<u8>>,
    /// `requirepass`: password of the default user. Default none.
    pub requirepass: Option<Vec<u8>>,

    // ---- Enums ----
    /// `supervised`: init-system supervision. Default no.
    pub supervised: Supervised,
    /// `syslog-facility`. Default local0.
    pub syslog_facility: SyslogFacility,
    /// `repl-diskless-load`: how a replica loads the full-sync RDB. Default disabled.
    pub repl_diskless_load: ReplDisklessLoad,
    /// `loglevel`. Default notice.
    pub loglevel: LogLevel,
    /// `maxmemory-policy`. Default noeviction.
    pub maxmemory_policy: MaxmemoryPolicy,
    /// `appendfsync`. Default everysec.
    pub appendfsync: AppendFsync,
    /// `oom-score-adj`. Default no.
    pub oom_score_adj: OomScoreAdj,
    /// `acl-pubsub-default`. Default resetchannels.
    pub acl_pubsub_default: AclPubsubDefault,
    /// `sanitize-dump-payload`. Default no.
    pub sanitize_dump_payload: SanitizeDumpPayload,
    /// `enable-protected-configs`: who may CONFIG SET `dir`/`dbfilename`. Default no.
    pub enable_protected_configs: ProtectedAction,
    /// `enable-debug-command`: who may run DEBUG. Default no.
    pub enable_debug_command: ProtectedAction,
    /// `enable-module-command`: who may run MODULE. Default no.
    pub enable_module_command: ProtectedAction,
    /// `cluster-preferred-endpoint-type`. Default ip.
    pub cluster_preferred_endpoint_type: ClusterPreferredEndpointType,
    /// `propagation-error-behavior`: what a replica does when a command from its master fails. Default ignore.
    pub propagation_error_behavior: PropagationErrorBehavior,
    /// `shutdown-on-sigint`: SHUTDOWN flags used on SIGINT. Default `default` (no flag).
    pub shutdown_on_sigint: ShutdownOnSignal,
    /// `shutdown-on-sigterm`: SHUTDOWN flags used on SIGTERM. Default `default` (no flag).
    pub shutdown_on_sigterm: ShutdownOnSignal,
    /// `tls-auth-clients`. Default yes.
    pub tls_auth_clients: TlsAuthClients,

    // ---- Integers ----
    /// `databases`: number of databases. Default 16.
    pub databases: u32,
    /// `port`: TCP port (0 = no TCP listener). Default 6379.
    pub port: u16,
    /// `io-threads`: number of I/O threads (1..=128). Default 1.
    pub io_threads: u32,
    /// `auto-aof-rewrite-percentage`: AOF growth that triggers a rewrite (0 = never). Default 100.
    pub auto_aof_rewrite_percentage: u32,
    /// `cluster-replica-validity-factor` (alias `cluster-slave-validity-factor`). Default 10.
    pub cluster_replica_validity_factor: u32,
    /// `list-max-listpack-size` (alias `list-max-ziplist-size`): positive = entries, -1..-5 = 4..64 KB. Default -2.
    pub list_max_listpack_size: i32,
    /// `tcp-keepalive`: SO_KEEPALIVE interval in seconds (0 = off). Default 300.
    pub tcp_keepalive: u32,
    /// `cluster-migration-barrier`. Default 1.
    pub cluster_migration_barrier: u32,
    /// `active-defrag-cycle-min`: minimal defrag CPU percent. Default 1.
    pub active_defrag_cycle_min: u32,
    /// `active-defrag-cycle-max`: maximal defrag CPU percent. Default 25.
    pub active_defrag_cycle_max: u32,
    /// `active-defrag-threshold-lower`: fragmentation percent to start defrag. Default 10.
    pub active_defrag_threshold_lower: u32,
    /// `active-defrag-threshold-upper`: fragmentation percent for maximal effort. Default 100.
    pub active_defrag_threshold_upper: u32,
    /// `lfu-log-factor`. Default 10.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time` in minutes. Default 1.
    pub lfu_decay_time: u32,
    /// `replica-priority` (alias `slave-priority`): Sentinel promotion priority (0 = never). Default 100.
    pub replica_priority: u32,
    /// `repl-diskless-sync-delay`: seconds to wait for more replicas before a diskless transfer. Default 5.
    pub repl_diskless_sync_delay: u32,
    /// `maxmemory-samples`: keys sampled per eviction. Default 5.
    pub maxmemory_samples: u32,
    /// `maxmemory-eviction-tenacity` (0..=100). Default 10.
    pub maxmemory_eviction_tenacity: u32,
    /// `timeout`: close idle clients after this many seconds (0 = never). Default 0.
    pub timeout: u32,
    /// `replica-announce-port` (alias `slave-announce-port`): port a replica reports (0 = real one). Default 0.
    pub replica_announce_port: u16,
    /// `tcp-backlog`: listen(2) backlog. Default 511.
    pub tcp_backlog: u32,
    /// `cluster-port`: cluster bus port (0 = port + 10000). Default 0.
    pub cluster_port: u16,
    /// `cluster-announce-bus-port`. Default 0.
    pub cluster_announce_bus_port: u16,
    /// `cluster-announce-port`. Default 0.
    pub cluster_announce_port: u16,
    /// `cluster-announce-tls-port`. Default 0.
    pub cluster_announce_tls_port: u16,
    /// `repl-timeout`: replication timeout in seconds. Default 60.
    pub repl_timeout: u32,
    /// `repl-ping-replica-period` (alias `repl-ping-slave-period`): seconds between master PINGs. Default 10.
    pub repl_ping_replica_period: u32,
    /// `list-compress-depth`: uncompressed quicklist nodes at each end (0 = none compressed). Default 0.
    pub list_compress_depth: u32,
    /// `rdb-key-save-delay` (hidden, tests): microseconds to sleep per key while saving. Default 0.
    pub rdb_key_save_delay: i32,
    /// `key-load-delay` (hidden, tests): microseconds to sleep per key while loading. Default 0.
    pub key_load_delay: i32,
    /// `active-expire-effort` (1..=10). Default 1.
    pub active_expire_effort: u32,
    /// `hz`: timer frequency; values are clamped to 1..=500. Default 10.
    pub hz: u32,
    /// `min-replicas-to-write` (alias `min-slaves-to-write`): refuse writes with fewer good replicas (0 = off). Default 0.
    pub min_replicas_to_write: u32,
    /// `min-replicas-max-lag` (alias `min-slaves-max-lag`): seconds of ACK lag for a good replica. Default 10.
    pub min_replicas_max_lag: u32,
    /// `watchdog-period` (hidden): software watchdog period in ms (0 = off). Default 0.
    pub watchdog_period: u32,
    /// `shutdown-timeout`: seconds to wait for replicas on shutdown. Default 10.
    pub shutdown_timeout: u32,
    /// `repl-diskless-sync-max-replicas`: start a diskless transfer early at this many replicas (0 = off). Default 0.
    pub repl_diskless_sync_max_replicas: u32,
    /// `maxclients`. Default 10000.
    pub maxclients: u32,
    /// `unixsocketperm`: permissions of the unix socket, octal on the wire (0 = umask). Default 0.
    pub unixsocketperm: u32,
    /// `socket-mark-id`: SO_MARK of listening sockets. Default 0.
    pub socket_mark_id: u32,
    /// `active-defrag-max-scan-fields`. Default 1000.
    pub active_defrag_max_scan_fields: u64,
    /// `slowlog-max-len`: SLOWLOG entries kept. Default 128.
    pub slowlog_max_len: u64,
    /// `acllog-max-len`: ACL LOG entries kept. Default 128.
    pub acllog_max_len: u64,
    /// `busy-reply-threshold` (alias `lua-time-limit`): ms before a script is reported BUSY. Default 5000.
    pub busy_reply_threshold: u64,
    /// `cluster-node-timeout` in ms. Default 15000.
    pub cluster_node_timeout: u64,
    /// `slowlog-log-slower-than`: microseconds (-1 disables, 0 logs everything). Default 10000.
    pub slowlog_log_slower_than: i64,
    /// `latency-monitor-threshold`: ms (0 = off). Default 0.
    pub latency_monitor_threshold: u64,
    /// `proto-max-bulk-len`: largest bulk string in a request, bytes. Default 512mb.
    pub proto_max_bulk_len: u64,
    /// `stream-node-max-entries`. Default 100.
    pub stream_node_max_entries: u64,
    /// `repl-backlog-size`: replication backlog, bytes. Default 1mb.
    pub repl_backlog_size: u64,
    /// `maxmemory`: memory limit, bytes (0 = none). Default 0.
    pub maxmemory: u64,
    /// `cluster-link-sendbuf-limit`: bytes (0 = none). Default 0.
    pub cluster_link_sendbuf_limit: u64,
    /// `hash-max-listpack-entries` (alias `hash-max-ziplist-entries`). Default 512.
    pub hash_max_listpack_entries: u64,
    /// `set-max-intset-entries`. Default 512.
    pub set_max_intset_entries: u64,
    /// `zset-max-listpack-entries` (alias `zset-max-ziplist-entries`). Default 128.
    pub zset_max_listpack_entries: u64,
    /// `active-defrag-ignore-bytes`. Default 100mb.
    pub active_defrag_ignore_bytes: u64,
    /// `hash-max-listpack-value` (alias `hash-max-ziplist-value`), bytes. Default 64.
    pub hash_max_listpack_value: u64,
    /// `stream-node-max-bytes`. Default 4096.
    pub stream_node_max_bytes: u64,
    /// `zset-max-listpack-value` (alias `zset-max-ziplist-value`), bytes. Default 64.
    pub zset_max_listpack_value: u64,
    /// `hll-sparse-max-bytes`. Default 3000.
    pub hll_sparse_max_bytes: u64,
    /// `tracking-table-max-keys`. Default 1000000.
    pub tracking_table_max_keys: u64,
    /// `client-query-buffer-limit`: largest query buffer of a client, bytes. Default 1gb.
    pub client_query_buffer_limit: u64,
    /// `maxmemory-clients`: bytes or percent of maxmemory for all clients (0 = off). Default 0.
    pub maxmemory_clients: MaxmemoryClients,
    /// `repl-backlog-ttl`: seconds without replicas before the backlog is freed (0 = never). Default 3600.
    pub repl_backlog_ttl: u64,
    /// `auto-aof-rewrite-min-size`: bytes. Default 64mb.
    pub auto_aof_rewrite_min_size: u64,
    /// `loading-process-events-interval-bytes` (hidden): serve events every this many bytes while loading. Default 2097152.
    pub loading_process_events_interval_bytes: u64,
    /// `tls-port` (0 = no TLS listener). Default 0.
    pub tls_port: u16,
    /// `tls-session-cache-size`. Default 20480.
    pub tls_session_cache_size: u32,
    /// `tls-session-cache-timeout` in seconds. Default 300.
    pub tls_session_cache_timeout: u32,

    // ---- Special ----
    /// `dir`: working directory. Absolute once set from a file or CONFIG SET (resolved like chdir);
    /// `"."` by default, meaning the process's current directory. The server must chdir to it.
    pub dir: String,
    /// `save`: RDB save points, empty = no automatic snapshots. Default 3600 1, 300 100, 60 10000.
    pub save: Vec<SavePoint>,
    /// `client-output-buffer-limit`, indexed by [`ClientClass::index`]. Default normal 0 0 0,
    /// replica 256mb 64mb 60, pubsub 32mb 8mb 60.
    pub client_output_buffer_limit: [ClientOutputBufferLimit; 3],
    /// `oom-score-adj-values` for master, replica, background child. Default 0 200 800.
    pub oom_score_adj_values: [i32; 3],
    /// `notify-keyspace-events`: keyspace notification classes. Default "" (off).
    pub notify_keyspace_events: KeyspaceEvents,
    /// `bind`: addresses to listen on (a leading `-` marks an optional one); empty = all. Default `* -::*`.
    pub bind: Vec<String>,
    /// `replicaof` (alias `slaveof`): the master to replicate from. Default none.
    pub replicaof: Option<ReplicaOf>,
    /// `latency-tracking-info-percentiles`: percentiles INFO latencystats prints. Default 50 99 99.9.
    pub latency_tracking_info_percentiles: Vec<f64>,

    // ---- Stored for other subsystems ----
    /// `user` lines, for the ACL subsystem.
    pub user: Vec<UserDirective>,
    /// `rename-command` lines, for the command table.
    pub rename_command: Vec<RenameCommand>,
    /// `loadmodule` lines.
    pub loadmodule: Vec<LoadModule>,
    /// `<module>.<name> <value>` lines (module configs), last one per name.
    pub module_configs: Vec<(String, String)>,
}

/// The default `bind` addresses.
pub const DEFAULT_BIND: [&str; 2] = ["*", "-::*"];

/// The default `save` points.
pub const DEFAULT_SAVE: [SavePoint; 3] = [
    SavePoint {
        seconds: 3600,
        changes: 1,
    },
    SavePoint {
        seconds: 300,
        changes: 100,
    },
    SavePoint {
        seconds: 60,
        changes: 10000,
    },
];

/// The default `latency-tracking-info-percentiles`.
pub const DEFAULT_LATENCY_PERCENTILES: [f64; 3] = [50.0, 99.0, 99.9];

/// The default `oom-score-adj-values`.
pub const DEFAULT_OOM_SCORE_ADJ_VALUES: [i32; 3] = [0, 200, 800];

impl Default for Config {
    fn default() -> Config {
        Config {
            rdbchecksum: true,
            daemonize: false,
            io_threads_do_reads: false,
            always_show_logo: false,
            protected_mode: true,
            rdbcompression: true,
            rdb_del_sync_files: false,
            activerehashing: true,
            stop_writes_on_bgsave_error: true,
            set_proc_title: true,
            dynamic_hz: true,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            lua_enable_deprecated_api: false,
            repl_disable_tcp_nodelay: false,
            repl_diskless_sync: true,
            aof_rewrite_incremental_fsync: true,
            no_appendfsync_on_rewrite: false,
            cluster_require_full_coverage: true,
            rdb_save_incremental_fsync: true,
            aof_load_truncated: true,
            aof_use_rdb_preamble: true,
            aof_timestamp_enabled: false,
            cluster_replica_no_failover: false,
            replica_lazy_flush: false,
            replica_serve_stale_data: true,
            replica_protect_from_empty_master: true,
            replica_read_only: true,
            replica_ignore_maxmemory: true,
            jemalloc_bg_thread: true,
            activedefrag: false,
            syslog_enabled: false,
            cluster_enabled: false,
            appendonly: false,
            cluster_allow_reads_when_down: false,
            cluster_allow_pubsubshard_when_down: true,
            crash_log_enabled: true,
            crash_memcheck_enabled: true,
            use_exit_on_panic: false,
            disable_thp: true,
            cluster_allow_replica_migration: true,
            replica_announced: true,
            latency_tracking: true,
            aof_disable_auto_gc: false,
            replica_ignore_disk_write_errors: false,
            tls_cluster: false,
            tls_replication: false,
            tls_prefer_server_ciphers: false,
            tls_session_caching: true,

            aclfile: String::new(),
            unixsocket: None,
            pidfile: None,
            replica_announce_ip: None,
            masteruser: None,
            cluster_announce_ip: None,
            cluster_config_file: "nodes.conf".into(),
            cluster_announce_hostname: None,
            syslog_ident: "redis".into(),
            dbfilename: "dump.rdb".into(),
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            server_cpulist: None,
            bio_cpulist: None,
            aof_rewrite_cpulist: None,
            bgsave_cpulist: None,
            ignore_warnings: String::new(),
            proc_title_template: "{title} {listen-addr} {server-mode}".into(),
            bind_source_addr: None,
            logfile: String::new(),
            tls_cert_file: None,
            tls_key_file: None,
            tls_key_file_pass: None,
            tls_client_cert_file: None,
            tls_client_key_file: None,
            tls_client_key_file_pass: None,
            tls_dh_params_file: None,
            tls_ca_cert_file: None,
            tls_ca_cert_dir: None,
            tls_protocols: None,
            tls_ciphers: None,
            tls_ciphersuites: None,

            masterauth: None,
            requirepass: None,

            supervised: Supervised::No,
            syslog_facility: SyslogFacility::Local0,
            repl_diskless_load: ReplDisklessLoad::Disabled,
            loglevel: LogLevel::Notice,
            maxmemory_policy: MaxmemoryPolicy::Noeviction,
            appendfsync: AppendFsync::Everysec,
            oom_score_adj: OomScoreAdj::No,
            acl_pubsub_default: AclPubsubDefault::Resetchannels,
            sanitize_dump_payload: SanitizeDumpPayload::No,
            enable_protected_configs: ProtectedAction::No,
            enable_debug_command: ProtectedAction::No,
            enable_module_command: ProtectedAction::No,
            cluster_preferred_endpoint_type: ClusterPreferredEndpointType::Ip,
            propagation_error_behavior: PropagationErrorBehavior::Ignore,
            shutdown_on_sigint: ShutdownOnSignal::default(),
            shutdown_on_sigterm: ShutdownOnSignal::default(),
            tls_auth_clients: TlsAuthClients::Yes,

            databases: 16,
            port: 6379,
            io_threads: 1,
            auto_aof_rewrite_percentage: 100,
            cluster_replica_validity_factor: 10,
            list_max_listpack_size: -2,
            tcp_keepalive: 300,
            cluster_migration_barrier: 1,
            active_defrag_cycle_min: 1,
            active_defrag_cycle_max: 25,
            active_defrag_threshold_lower: 10,
            active_defrag_threshold_upper: 100,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            replica_priority: 100,
            repl_diskless_sync_delay: 5,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            timeout: 0,
            replica_announce_port: 0,
            tcp_backlog: 511,
            cluster_port: 0,
            cluster_announce_bus_port: 0,
            cluster_announce_port: 0,
            cluster_announce_tls_port: 0,
            repl_timeout: 60,
            repl_ping_replica_period: 10,
            list_compress_depth: 0,
            rdb_key_save_delay: 0,
            key_load_delay: 0,
            active_expire_effort: 1,
            hz: 10,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            watchdog_period: 0,
            shutdown_timeout: 10,
            repl_diskless_sync_max_replicas: 0,
            maxclients: 10000,
            unixsocketperm: 0,
            socket_mark_id: 0,
            active_defrag_max_scan_fields: 1000,
            slowlog_max_len: 128,
            acllog_max_len: 128,
            busy_reply_threshold: 5000,
            cluster_node_timeout: 15000,
            slowlog_log_slower_than: 10000,
            latency_monitor_threshold: 0,
            proto_max_bulk_len: 512 * 1024 * 1024,
            stream_node_max_entries: 100,
            repl_backlog_size: 1024 * 1024,
            maxmemory: 0,
            cluster_link_sendbuf_limit: 0,
            hash_max_listpack_entries: 512,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            active_defrag_ignore_bytes: 100 << 20,
            hash_max_listpack_value: 64,
            stream_node_max_bytes: 4096,
            zset_max_listpack_value: 64,
            hll_sparse_max_bytes: 3000,
            tracking_table_max_keys: 1_000_000,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            maxmemory_clients: MaxmemoryClients::Bytes(0),
            repl_backlog_ttl: 3600,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            loading_process_events_interval_bytes: 2 * 1024 * 1024,
            tls_port: 0,
            tls_session_cache_size: 20 * 1024,
            tls_session_cache_timeout: 300,

            dir: ".".into(),
            save: DEFAULT_SAVE.to_vec(),
            client_output_buffer_limit: DEFAULT_CLIENT_OUTPUT_BUFFER_LIMITS,
            oom_score_adj_values: DEFAULT_OOM_SCORE_ADJ_VALUES,
            notify_keyspace_events: KeyspaceEvents::default(),
            bind: DEFAULT_BIND.iter().map(|s| s.to_string()).collect(),
            replicaof: None,
            latency_tracking_info_percentiles: DEFAULT_LATENCY_PERCENTILES.to_vec(),

            user: Vec::new(),
            rename_command: Vec::new(),
            loadmodule: Vec::new(),
            module_configs: Vec::new(),
        }
    }
}

impl Config {
    /// The output buffer limit of a client class.
    pub fn obuf_limit(&self, class: ClientClass) -> &ClientOutputBufferLimit {
        &self.client_output_buffer_limit[class.index()]
    }
}

//! The shared server state. `Core` is everything commands touch, behind one mutex: holding it
//! *is* the write path's critical section (design.md, "One order for every write"). Connection
//! tasks lock it per batch of parsed commands, never across an await.
//!
//! `Shared` holds the mutex plus the few things tasks need without it (atomics, notifiers).

use crate::client::{ClientHandle, ClientId};
use crate::keyspace::Db;
use crate::pubsub::PubSub;
use crate::stats::{CommandStats, Slowlog, Stats};
use bytes::Bytes;
use ferrodis_config::Config;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;
use tokio::sync::Notify;

/// How SHUTDOWN was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownRequest {
    /// Save if save points are configured (plain SHUTDOWN, SIGTERM).
    Default,
    Save,
    NoSave,
}

/// CLIENT PAUSE state.
#[derive(Clone, Copy, Debug)]
pub struct Pause {
    pub until_ms: u64,
    /// true = PAUSE WRITE (only writes wait), false = PAUSE ALL.
    pub writes_only: bool,
}

/// Everything commands read and write, guarded by `Shared::core`.
pub struct Core {
    pub config: Config,
    pub config_path: Option<PathBuf>,
    /// Bumped by every CONFIG SET, so connection tasks refresh their cached settings.
    pub config_epoch: u64,
    pub dbs: Vec<Db>,
    pub clients: HashMap<ClientId, ClientHandle>,
    pub pubsub: PubSub,
    /// Clients waiting in blocking commands.
    pub blocking: crate::blocking::Blocking,
    pub stats: Stats,
    pub command_stats: CommandStats,
    pub slowlog: Slowlog,
    /// Writes since the last successful save (INFO rdb_changes_since_last_save).
    pub dirty: u64,
    /// DEBUG SET-ACTIVE-EXPIRE.
    pub active_expire_enabled: bool,
    pub replication: crate::replication::Replication,
    pub pause: Option<Pause>,
    pub run_id: String,
    pub lastsave_s: u64,
    pub shutdown: Option<ShutdownRequest>,
    pub rng: rand::rngs::SmallRng,
    /// Clients in MONITOR mode.
    pub monitors: Vec<(
        ClientId,
        tokio::sync::mpsc::UnboundedSender<crate::client::ClientMsg>,
    )>,
    /// Nesting of `cmd::call` (EXEC runs calls inside a call): effects are flushed to the
    /// stream when the outermost call ends, wrapped in MULTI/EXEC when there are several.
    pub call_depth: u32,
    pub pending_effects: Vec<(usize, Vec<Bytes>)>,
    pub started: Instant,
    /// Command time: one monotonic read per command (see `clock::Clock`).
    pub clock: crate::clock::Clock,
    /// Woken when CLIENT PAUSE ends (shared with `Shared::unpause_notify`).
    pub unpause_notify: Arc<Notify>,
    /// Highest used_memory seen by INFO.
    pub peak_memory: std::sync::atomic::AtomicU64,
    pub persistence: crate::persist::Persistence,
    /// What the RDB loaded at start said about replication (for partial resync after restart).
    pub loaded_repl_info: Option<crate::persist::RdbReplInfo>,
    /// `redis.set_repl` without REPL_REPLICA: the running script's next writes are not
    /// propagated.
    pub script_no_propagate: bool,
    /// DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call `noscript` commands.
    pub script_disable_deny: bool,
    /// Lua scripting: the states, the script cache, the function libraries.
    pub scripting: crate::scripting::Scripting,
    /// The `Shared` this core lives in, for threads a command starts (background saves).
    pub shared: crate::persist::SharedRef,
}

impl Core {
    pub fn new(config: Config, config_path: Option<PathBuf>) -> Core {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::from_os_rng();
        let hasher = foldhash::fast::FixedState::with_seed(rng.random());
        let dbs = (0..config.databases.max(1) as usize)
            .map(|_| Db::new(hasher))
            .collect();
        let mut hex40 = || -> String {
            (0..40)
                .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
                .collect()
        };
        let run_id = hex40();
        let replid = hex40();
        let lua_deprecated_api = config.lua_enable_deprecated_api;
        Core {
            config,
            config_path,
            config_epoch: 0,
            dbs,
            clients: HashMap::new(),
            pubsub: PubSub::default(),
            blocking: Default::default(),
            stats: Stats::default(),
            command_stats: CommandStats::default(),
            slowlog: Slowlog::default(),
            dirty: 0,
            active_expire_enabled: true,
            replication: crate::replication::Replication::new(replid),
            pause: None,
            run_id,
            lastsave_s: crate::clock::unix_ms() / 1000,
            shutdown: None,
            rng,
            monitors: Vec::new(),
            call_depth: 0,
            pending_effects: Vec::new(),
            started: Instant::now(),
            clock: crate::clock::Clock::new(),
            unpause_notify: Arc::new(Notify::new()),
            peak_memory: std::sync::atomic::AtomicU64::new(0),
            persistence: Default::default(),
            loaded_repl_info: None,
            scripting: crate::scripting::Scripting::new(
                Arc::new(crate::scripting::watch::ScriptWatch::default()),
                lua_deprecated_api,
            ),
            script_no_propagate: false,
            script_disable_deny: false,
            shared: std::sync::Weak::new(),
        }
    }

    /// True when this server replicates from a master.
    pub fn is_replica(&self) -> bool {
        self.replication.master.is_some()
    }

    /// Peak of used_memory, updated whenever it is read.
    pub fn stats_peak_memory(&self) -> u64 {
        let used = crate::used_memory() as u64;
        self.peak_memory
            .fetch_max(used, Ordering::Relaxed)
            .max(used)
    }

    pub fn monitors_empty(&self) -> bool {
        self.monitors.is_empty()
    }

    /// Sends a command line to every MONITOR client, in Redis's format:
    /// `+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`.
    pub fn feed_monitors(
        &mut self,
        client: &crate::client::Client,
        db: usize,
        args: &[Bytes],
        now_ms: u64,
    ) {
        let _ = now_ms;
        let us = crate::clock::unix_us();
        let mut line = format!(
            "+{}.{:06} [{} {}]",
            us / 1_000_000,
            us % 1_000_000,
            db,
            client.addr
        );
        for a in args {
            line.push_str(" \"");
            for &b in a.iter() {
                match b {
                    b'\\' => line.push_str("\\\\"),
                    b'"' => line.push_str("\\\""),
                    b'\n' => line.push_str("\\n"),
                    b'\r' => line.push_str("\\r"),
                    b'\t' => line.push_str("\\t"),
                    0x07 => line.push_str("\\a"),
                    0x08 => line.push_str("\\b"),
                    0x20..=0x7e => line.push(b as char),
                    _ => line.push_str(&format!("\\x{b:02x}")),
                }
            }
            line.push('"');
        }
        line.push_str("\r\n");
        let data = Bytes::from(line);
        self.monitors.retain(|(_, tx)| {
            tx.send(crate::client::ClientMsg::Data(data.clone()))
                .is_ok()
        });
    }

    /// Takes a command's effects into the stream. Inside a nested call (EXEC) they wait for
    /// the outermost call, which wraps several effects in MULTI/EXEC as Redis 7.0 does.
    pub fn propagate_effects(&mut self, effects: Vec<(usize, Vec<Bytes>)>) {
        self.pending_effects.extend(effects);
        if self.call_depth > 0 || self.pending_effects.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending_effects);
        // A replica applying its master's stream forwards the master's bytes instead.
        if !self.replication.active || self.replication.applying_master_stream {
            return;
        }
        let wrap = pending.len() > 1;
        if wrap {
            self.replication.feed(pending[0].0, &[&b"MULTI"[..]]);
        }
        let last_db = pending.last().map(|p| p.0).unwrap_or(0);
        for (db, args) in &pending {
            self.replication.feed(*db, args);
        }
        if wrap {
            self.replication.feed(last_db, &[&b"EXEC"[..]]);
        }
        if !self.replication.defer_flush {
            self.replication.flush();
        }
    }
}

/// State shared by all tasks.
pub struct Shared {
    pub core: Mutex<Core>,
    pub next_client_id: AtomicU64,
    pub connected_clients: AtomicUsize,
    /// Woken when SHUTDOWN is requested.
    pub shutdown_notify: Notify,
    /// Woken when CLIENT PAUSE ends or changes.
    pub unpause_notify: Arc<Notify>,
    /// The running script, readable without the lock (-BUSY, SCRIPT KILL, FUNCTION KILL).
    pub script_watch: Arc<crate::scripting::watch::ScriptWatch>,
}

impl Shared {
    pub fn new(mut core: Core) -> Arc<Shared> {
        let unpause_notify = Arc::clone(&core.unpause_notify);
        let script_watch = Arc::clone(&core.scripting.watch);
        Arc::new_cyclic(|me| {
            core.shared = me.clone();
            Shared {
                core: Mutex::new(core),
                next_client_id: AtomicU64::new(1),
                connected_clients: AtomicUsize::new(0),
                shutdown_notify: Notify::new(),
                unpause_notify,
                script_watch,
            }
        })
    }

    /// The core lock for async code: waits without blocking the runtime worker for long. A
    /// script past `busy-reply-threshold` holds the lock on one worker; a task blocked in
    /// `lock()` would take a second one, and with every worker stuck nobody polls the I/O
    /// driver (no -BUSY replies, no SCRIPT KILL). Never hold the guard across an await.
    pub async fn lock_core(&self) -> parking_lot::MutexGuard<'_, Core> {
        loop {
            if let Some(guard) = self.core.try_lock_for(std::time::Duration::from_millis(2)) {
                return guard;
            }
            tokio::task::yield_now().await;
        }
    }

    pub fn new_client_id(&self) -> ClientId {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }
}

//! The command table and the dispatcher: lookup, arity, auth, MULTI queueing, pub/sub context
//! checks, then `call`, which runs a handler and records stats, slowlog, MONITOR and the
//! command's replication effects. Handlers live in one module per family.
//!
//! A handler gets a `Ctx` (the locked core, its client, the reply buffer, the command's `now`)
//! and returns `Err` to reply with an error.

pub mod admin;
mod ctx;
pub mod debug;
mod docs;
pub mod hashes;
pub mod hll;
pub mod keys;
pub mod lists;
pub mod multi;
pub mod persist;
pub mod pubsub;
pub mod repl;
pub mod scripting;
pub mod server;
pub mod sets;
pub mod strings;
pub mod zsets;

pub use ctx::{CmdError, CmdResult, Ctx, Flow, count_error};

use crate::client::{Client, ClientKind, ReplyMode};
use crate::errors;
use crate::server::Core;
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Command flags, as in Redis's command table (names as COMMAND INFO prints them).
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const ALLOW_BUSY: u32 = 1 << 15;
    pub const MOVABLE_KEYS: u32 = 1 << 16;
    /// Refused while a replica loads its master's data in the background (async_loading).
    pub const NO_ASYNC_LOADING: u32 = 1 << 17;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 18;

    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
        (MOVABLE_KEYS, "movablekeys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
    ];
}

pub type Handler = fn(&mut Ctx, &[Bytes]) -> CmdResult;

/// One entry of the command table.
pub struct Command {
    /// Lower-case name; a subcommand's is `container|sub`.
    pub name: &'static str,
    /// Exact argument count including the name when positive, minimum when negative.
    pub arity: i32,
    pub flags: u32,
    /// First key argument, last (negative counts from the end), step; 0,0,0 = no keys.
    pub key_first: i32,
    pub key_last: i32,
    pub key_step: i32,
    /// None for containers that only dispatch to subcommands.
    pub handler: Option<Handler>,
    pub subcommands: &'static [Command],
    pub group: &'static str,
    pub summary: &'static str,
    pub since: &'static str,
}

impl Command {
    pub const fn new(name: &'static str, arity: i32, flags: u32, handler: Handler) -> Command {
        Command {
            name,
            arity,
            flags,
            key_first: 0,
            key_last: 0,
            key_step: 0,
            handler: Some(handler),
            subcommands: &[],
            group: "generic",
            summary: "",
            since: "1.0.0",
        }
    }

    /// Sets the key positions (first, last, step).
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> Command {
        self.key_first = first;
        self.key_last = last;
        self.key_step = step;
        self
    }

    pub const fn group(mut self, group: &'static str) -> Command {
        self.group = group;
        self
    }

    pub const fn doc(mut self, summary: &'static str, since: &'static str) -> Command {
        self.summary = summary;
        self.since = since;
        self
    }

    /// A container (CONFIG, CLIENT, ...) whose work is done by its subcommands.
    pub const fn container(
        name: &'static str,
        arity: i32,
        subcommands: &'static [Command],
    ) -> Command {
        Command {
            name,
            arity,
            flags: 0,
            key_first: 0,
            key_last: 0,
            key_step: 0,
            handler: None,
            subcommands,
            group: "server",
            summary: "",
            since: "1.0.0",
        }
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    pub fn is_write(&self) -> bool {
        self.has(flags::WRITE)
    }

    /// The key arguments of a call, by the table's positions.
    pub fn key_indexes(&self, argc: usize) -> Vec<usize> {
        if self.key_first <= 0 {
            return Vec::new();
        }
        let last = if self.key_last < 0 {
            argc as i32 + self.key_last
        } else {
            self.key_last
        };
        let step = self.key_step.max(1);
        let mut v = Vec::new();
        let mut i = self.key_first;
        while i <= last && (i as usize) < argc {
            v.push(i as usize);
            i += step;
        }
        v
    }

    fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }
}

/// Every top-level command.
pub fn table() -> &'static [&'static [Command]] {
    static TABLE: &[&[Command]] = &[
        strings::COMMANDS,
        keys::COMMANDS,
        lists::COMMANDS,
        hashes::COMMANDS,
        sets::COMMANDS,
        server::COMMANDS,
        pubsub::COMMANDS,
        multi::COMMANDS,
        admin::COMMANDS,
        debug::COMMANDS,
        hll::COMMANDS,
        zsets::COMMANDS,
        persist::COMMANDS,
        repl::COMMANDS,
        scripting::COMMANDS,
    ];
    TABLE
}

type CommandIndex = HashMap<&'static [u8], &'static Command, foldhash::fast::RandomState>;

fn index() -> &'static CommandIndex {
    static INDEX: OnceLock<CommandIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = CommandIndex::default();
        for family in table() {
            for c in family.iter() {
                m.insert(c.name.as_bytes(), c);
            }
        }
        m
    })
}

/// Every top-level command (for COMMAND, COMMAND COUNT).
pub fn all_commands() -> impl Iterator<Item = &'static Command> {
    table().iter().flat_map(|f| f.iter())
}

/// Finds a top-level command by name, case-insensitively.
pub fn lookup_name(name: &[u8]) -> Option<&'static Command> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    index().get(&*lower).copied()
}

/// Resolves the command of a call: a subcommand when the top-level one is a container.
pub enum Lookup {
    Found(&'static Command),
    UnknownCommand,
    UnknownSubcommand(&'static Command),
}

pub fn lookup(args: &[Bytes]) -> Lookup {
    let Some(cmd) = lookup_name(&args[0]) else {
        return Lookup::UnknownCommand;
    };
    if cmd.subcommands.is_empty() || args.len() < 2 {
        return Lookup::Found(cmd);
    }
    let sub = args[1].to_ascii_lowercase();
    let found = cmd.subcommands.iter().find(|s| {
        s.name
            .split_once('|')
            .is_some_and(|(_, n)| n.as_bytes() == sub.as_slice())
    });
    match found {
        Some(s) => Lookup::Found(s),
        None if cmd.handler.is_some() => Lookup::Found(cmd),
        None => Lookup::UnknownSubcommand(cmd),
    }
}

/// Commands a RESP2 client may run while subscribed.
fn allowed_in_pubsub_context(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "unsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ssubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// Runs one command a client sent: every check Redis's processCommand makes, then `call`.
pub fn dispatch(core: &mut Core, client: &mut Client, args: &[Bytes], out: &mut BytesMut) -> Flow {
    let now_ms = core.clock.unix_ms_at(core.clock.last_mark);
    let cmd = match lookup(args) {
        Lookup::Found(c) => c,
        Lookup::UnknownCommand => {
            let msg = errors::unknown_command(&args[0], &args[1..]);
            if let Some(m) = client.multi.as_mut() {
                m.aborted = true;
            }
            ctx::count_error(core, "ERR");
            ferrodis_resp::write_error(out, &msg);
            return Flow::Continue;
        }
        Lookup::UnknownSubcommand(container) => {
            let msg = errors::unknown_subcommand(&args[1], container.name);
            return reject(core, client, out, None, &msg);
        }
    };
    if !cmd.arity_ok(args.len()) {
        let msg = errors::arity(cmd.name);
        return reject(core, client, out, Some(cmd), &msg);
    }
    let auth_needed = core.config.requirepass.is_some() && !client.authenticated;
    if auth_needed && !cmd.has(flags::NO_AUTH) {
        return reject(core, client, out, Some(cmd), errors::NOAUTH);
    }
    if client.in_pubsub_context() && !allowed_in_pubsub_context(cmd.name) {
        let msg = format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            cmd.name
        );
        return reject(core, client, out, Some(cmd), &msg);
    }
    let from_master = client.kind == ClientKind::Master;
    if !from_master {
        // A script that declares flags is a write (or not, or allowed while stale) by them,
        // as Redis's evalGetCommandFlags / fcallGetCommandFlags.
        let (is_write, stale_ok) = match core.scripting.declared_flags(cmd.name, args) {
            Some(f) => (!f.no_writes, f.allow_stale),
            None => (cmd.is_write(), cmd.has(flags::STALE)),
        };
        if let Some(msg) = replication_refusal(core, is_write, stale_ok) {
            return reject(core, client, out, Some(cmd), msg);
        }
        if (is_write || cmd.name == "ping") && core.disk_error_denies_writes() {
            return reject(core, client, out, Some(cmd), errors::MISCONF);
        }
    }
    if let Some(loading) = &core.persistence.loading {
        let refused = if loading.asynchronous {
            cmd.has(flags::NO_ASYNC_LOADING)
        } else {
            !cmd.has(flags::LOADING)
        };
        if refused {
            return reject(core, client, out, Some(cmd), errors::LOADING);
        }
    }
    if client.multi.is_some() && !multi::runs_inside_multi(cmd.name) {
        if cmd.has(flags::NO_MULTI) {
            return reject(
                core,
                client,
                out,
                Some(cmd),
                "ERR Command not allowed inside a transaction",
            );
        }
        if let Some(m) = client.multi.as_mut() {
            m.queued.push(args.to_vec());
        }
        ferrodis_resp::write_simple(out, b"QUEUED");
        return Flow::Continue;
    }
    if let Some(p) = core.pause {
        let blocks = !p.writes_only || cmd.is_write() || cmd.has(flags::MAY_REPLICATE);
        if p.until_ms > now_ms && blocks {
            return Flow::WaitPause;
        }
        if p.until_ms <= now_ms {
            core.pause = None;
        }
    }
    call(core, client, out, now_ms, cmd, args)
}

/// Redis's replica checks in processCommand: writes refused on a read-only replica, and
/// everything but `stale` commands while the link is down with replica-serve-stale-data no.
/// Also min-replicas-to-write on a master.
fn replication_refusal(core: &Core, is_write: bool, stale_ok: bool) -> Option<&'static str> {
    if core.is_replica() {
        if core.config.replica_read_only && is_write {
            return Some(errors::READONLY);
        }
        if !core.config.replica_serve_stale_data && !core.replication.link_up() && !stale_ok {
            return Some(errors::MASTERDOWN);
        }
    } else if is_write && min_replicas_short(core) {
        return Some(errors::NOREPLICAS);
    }
    None
}

/// Replies with an error for a command that was refused before running.
fn reject(
    core: &mut Core,
    client: &mut Client,
    out: &mut BytesMut,
    cmd: Option<&'static Command>,
    msg: &str,
) -> Flow {
    if let Some(m) = client.multi.as_mut() {
        m.aborted = true;
    }
    if let Some(c) = cmd {
        core.command_stats.entry(c.name).rejected_calls += 1;
    }
    ctx::count_error(core, msg);
    ferrodis_resp::write_error(out, msg.as_bytes());
    Flow::Continue
}

/// `redis.call` from a script: Redis's scriptCall checks (unknown command, arity, commands
/// not allowed in scripts, stale replica, writes from read-only scripts, then the server-state
/// refusals until the script's first write), then `call` with the script's frozen time.
/// Errors are replies.
pub fn call_from_script(
    ctx: &mut Ctx,
    client: &mut Client,
    args: &[Bytes],
    out: &mut BytesMut,
    run: &mut crate::scripting::run::ScriptCall,
) {
    let cmd = match lookup(args) {
        Lookup::Found(c) => c,
        _ => {
            ferrodis_resp::write_error(out, b"ERR Unknown Redis command called from script");
            return;
        }
    };
    if !cmd.arity_ok(args.len()) {
        ferrodis_resp::write_error(
            out,
            b"ERR Wrong number of args calling Redis command from script",
        );
        return;
    }
    if cmd.has(flags::NOSCRIPT) && !ctx.core.script_disable_deny {
        ferrodis_resp::write_error(out, b"ERR This Redis command is not allowed from script");
        return;
    }
    let core = &*ctx.core;
    if core.is_replica()
        && !core.replication.link_up()
        && !core.config.replica_serve_stale_data
        && !cmd.has(flags::STALE)
    {
        ferrodis_resp::write_error(out, b"ERR Can not execute the command on a stale replica");
        return;
    }
    if run.read_only && (cmd.is_write() || cmd.has(flags::MAY_REPLICATE)) {
        ferrodis_resp::write_error(
            out,
            b"ERR Write commands are not allowed from read-only scripts.",
        );
        return;
    }
    if cmd.is_write() && !run.write_dirty {
        // The checks Redis makes of a script's writes, until its first: a read-only
        // replica, a failing disk, too few good replicas.
        if !run.obey {
            if core.is_replica() && core.config.replica_read_only {
                ferrodis_resp::write_error(out, errors::READONLY.as_bytes());
                return;
            }
            if core.disk_error_denies_writes() {
                ferrodis_resp::write_error(out, errors::MISCONF.as_bytes());
                return;
            }
        }
        if !core.is_replica() && min_replicas_short(core) {
            ferrodis_resp::write_error(out, errors::NOREPLICAS.as_bytes());
            return;
        }
    }
    if cmd.is_write() {
        run.write_dirty = true;
    }
    let now_ms = ctx.now_ms;
    let _ = call(ctx.core, client, out, now_ms, cmd, args);
}

/// A master configured with min-replicas-to-write that has fewer good replicas.
pub fn min_replicas_short(core: &Core) -> bool {
    if core.config.min_replicas_to_write == 0 {
        return false;
    }
    let good = core.replication.good_replicas(
        crate::clock::unix_ms(),
        core.config.min_replicas_max_lag as u64,
    );
    good < core.config.min_replicas_to_write as usize
}

/// Runs a command that passed every check, as Redis's call(): the handler, then stats,
/// slowlog, MONITOR and replication effects. Also used by EXEC for each queued command.
pub fn call(
    core: &mut Core,
    client: &mut Client,
    out: &mut BytesMut,
    now_ms: u64,
    cmd: &'static Command,
    args: &[Bytes],
) -> Flow {
    let Some(handler) = cmd.handler else {
        return Flow::Continue;
    };
    client.last_cmd = cmd.name;
    if client.reply_mode == ReplyMode::Skip {
        client.reply_mode = ReplyMode::SkipThis;
    }
    let reply_start = out.len();
    let started = core.clock.last_mark;
    core.call_depth += 1;
    let (flow, effects, failed) = {
        let mut ctx = Ctx::new(core, client, out, now_ms, cmd);
        let result = handler(&mut ctx, args);
        let failed = match result {
            Ok(()) => false,
            Err(e) => {
                ctx.error(&e.0);
                true
            }
        };
        let effects = ctx.take_effects(args);
        (ctx.flow, effects, failed)
    };
    let duration_us = core.clock.mark().duration_since(started).as_micros() as u64;
    core.call_depth -= 1;

    let stat = core.command_stats.entry(cmd.name);
    stat.calls += 1;
    stat.usec += duration_us;
    if failed {
        stat.failed_calls += 1;
    }
    core.stats.total_commands_processed += 1;
    record_slowlog(core, client, cmd, args, duration_us, now_ms);
    if !core.monitors_empty() && !cmd.has(flags::SKIP_MONITOR) && !cmd.has(flags::ADMIN) {
        let db = client.db;
        core.feed_monitors(client, db, &admin::redact_secrets(args), now_ms);
    }
    if core.is_replica() && client.kind != ClientKind::Master && cmd.is_write() {
        track_replica_keys_with_expire(core, client.db, cmd, args);
    }
    let wrote = !effects.is_empty();
    if !core.script_no_propagate {
        core.propagate_effects(effects);
    }
    if wrote {
        client.woff = core.replication.master_repl_offset;
    }
    // Writes that fed blocked clients: serve them now, before any other command runs.
    if core.call_depth == 0 && !core.blocking.ready.is_empty() && !client.serving_blocked {
        crate::blocking::serve_ready(core);
    }

    // A replica's connection carries the stream one way only: a command of it that produced
    // a reply is a misuse (Redis logs it and drops the connection).
    if client.kind == ClientKind::Replica
        && out.len() > reply_start
        && !matches!(cmd.name, "sync" | "psync")
    {
        out.truncate(reply_start);
        crate::log!(
            Warning,
            "Replica generated a reply to command '{}', disconnecting it: id={} addr={}",
            cmd.name,
            client.id,
            client.addr
        );
        return Flow::Close;
    }
    match client.reply_mode {
        ReplyMode::Off => out.truncate(reply_start),
        ReplyMode::SkipThis => {
            out.truncate(reply_start);
            client.reply_mode = ReplyMode::On;
        }
        _ => {}
    }
    flow
}

/// Keys a client wrote on a writable replica with a TTL are expired by the replica itself
/// (its master knows nothing of them), as Redis's rememberSlaveKeyWithExpire.
fn track_replica_keys_with_expire(core: &mut Core, db: usize, cmd: &Command, args: &[Bytes]) {
    for i in cmd.key_indexes(args.len()) {
        let key = &args[i];
        if core.dbs[db]
            .get(key)
            .is_some_and(|e| e.expire_at().is_some())
        {
            core.replication
                .replica_keys_with_expire
                .insert((db, crate::keyspace::Key::new(key)));
        }
    }
}

fn record_slowlog(
    core: &mut Core,
    client: &Client,
    cmd: &Command,
    args: &[Bytes],
    duration_us: u64,
    now_ms: u64,
) {
    let threshold = core.config.slowlog_log_slower_than;
    if threshold < 0 || cmd.has(flags::SKIP_SLOWLOG) || (duration_us as i64) < threshold {
        return;
    }
    let max_len = core.config.slowlog_max_len as usize;
    core.slowlog.push(
        crate::stats::SlowlogEntry {
            id: 0,
            time_s: now_ms / 1000,
            duration_us,
            args: args.to_vec(),
            addr: client.addr.clone(),
            name: client.name.clone().unwrap_or_default(),
        },
        max_len,
    );
}

//! Administration and introspection: CONFIG, CLIENT, SLOWLOG, LATENCY, MEMORY, COMMAND.

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx, Flow};
use crate::client::{ClientHandle, ClientKind, ClientMsg, ReplyMode};
use crate::errors;
use crate::log;
use crate::server::Pause;
use bytes::Bytes;

const ADM: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[Command] = &[
    Command::container("config", -2, CONFIG_SUBCOMMANDS),
    Command::container("client", -2, CLIENT_SUBCOMMANDS).group("connection"),
    Command::container("slowlog", -2, SLOWLOG_SUBCOMMANDS),
    Command::container("latency", -2, LATENCY_SUBCOMMANDS),
    Command::container("memory", -2, MEMORY_SUBCOMMANDS),
    Command {
        handler: Some(command_all),
        flags: LOADING | STALE,
        ..Command::container("command", -1, COMMAND_SUBCOMMANDS)
    },
];

static CONFIG_SUBCOMMANDS: &[Command] = &[
    Command::new("config|get", -3, ADM, config_get)
        .doc("Get the values of configuration parameters", "2.0.0"),
    Command::new("config|set", -4, ADM | MAY_REPLICATE, config_set)
        .doc("Set configuration parameters to the given values", "2.0.0"),
    Command::new("config|resetstat", 2, ADM, config_resetstat)
        .doc("Reset the stats returned by INFO", "2.0.0"),
    Command::new("config|rewrite", 2, ADM, config_rewrite).doc(
        "Rewrite the configuration file with the in memory configuration",
        "2.8.0",
    ),
    Command::new("config|help", 2, LOADING | STALE, config_help)
        .doc("Show helpful text about the different subcommands", "5.0.0"),
];

static CLIENT_SUBCOMMANDS: &[Command] = &[
    Command::new("client|id", 2, NOSCRIPT | LOADING | STALE, client_id)
        .group("connection")
        .doc("Returns the client ID for the current connection", "5.0.0"),
    Command::new("client|list", -2, ADM, client_list)
        .group("connection")
        .doc("Get the list of client connections", "2.4.0"),
    Command::new("client|info", 2, NOSCRIPT | LOADING | STALE, client_info)
        .group("connection")
        .doc(
            "Returns information about the current client connection.",
            "6.2.0",
        ),
    Command::new("client|kill", -3, ADM, client_kill)
        .group("connection")
        .doc("Kill the connection of a client", "2.4.0"),
    Command::new(
        "client|setname",
        3,
        NOSCRIPT | LOADING | STALE,
        client_setname,
    )
    .group("connection")
    .doc("Set the current connection name", "2.6.9"),
    Command::new(
        "client|getname",
        2,
        NOSCRIPT | LOADING | STALE,
        client_getname,
    )
    .group("connection")
    .doc("Get the current connection name", "2.6.9"),
    Command::new("client|pause", -3, ADM, client_pause)
        .group("connection")
        .doc(
            "Stop processing commands from clients for some time",
            "2.9.50",
        ),
    Command::new("client|unpause", 2, ADM, client_unpause)
        .group("connection")
        .doc("Resume processing of clients that were paused", "6.2.0"),
    Command::new("client|reply", 3, NOSCRIPT | LOADING | STALE, client_reply)
        .group("connection")
        .doc("Instruct the server whether to reply to commands", "3.2.0"),
    Command::new("client|unblock", -3, ADM, client_unblock)
        .group("connection")
        .doc(
            "Unblock a client blocked in a blocking command from a different connection",
            "5.0.0",
        ),
    Command::new("client|no-evict", 3, ADM, client_no_evict)
        .group("connection")
        .doc(
            "Set client eviction mode for the current connection",
            "7.0.0",
        ),
    Command::new("client|help", 2, LOADING | STALE, client_help)
        .group("connection")
        .doc("Show helpful text about the different subcommands", "5.0.0"),
];

static SLOWLOG_SUBCOMMANDS: &[Command] = &[
    Command::new("slowlog|get", -2, ADMIN | LOADING | STALE, slowlog_get)
        .doc("Get the slow log's entries", "2.2.12"),
    Command::new("slowlog|len", 2, ADMIN | LOADING | STALE, slowlog_len)
        .doc("Get the slow log's length", "2.2.12"),
    Command::new("slowlog|reset", 2, ADMIN | LOADING | STALE, slowlog_reset)
        .doc("Clear all entries from the slow log", "2.2.12"),
    Command::new("slowlog|help", 2, LOADING | STALE, slowlog_help)
        .doc("Show helpful text about the different subcommands", "6.2.0"),
];

static LATENCY_SUBCOMMANDS: &[Command] = &[
    Command::new("latency|latest", 2, ADM, latency_latest).doc(
        "Return the latest latency samples for all events.",
        "2.8.13",
    ),
    Command::new("latency|doctor", 2, ADM, latency_doctor)
        .doc("Return a human readable latency analysis report.", "2.8.13"),
    Command::new("latency|history", 3, ADM, latency_history)
        .doc("Return timestamp-latency samples for the event.", "2.8.13"),
    Command::new("latency|reset", -2, ADM, latency_reset)
        .doc("Reset latency data for one or more events.", "2.8.13"),
    Command::new("latency|help", 2, LOADING | STALE, latency_help).doc(
        "Show helpful text about the different subcommands.",
        "2.8.13",
    ),
];

static MEMORY_SUBCOMMANDS: &[Command] = &[
    Command::new("memory|usage", -3, READONLY, memory_usage)
        .keys(2, 2, 1)
        .doc("Estimate the memory usage of a key", "4.0.0"),
    Command::new("memory|doctor", 2, 0, memory_doctor)
        .doc("Outputs memory problems report", "4.0.0"),
    Command::new("memory|purge", 2, 0, memory_purge)
        .doc("Ask the allocator to release memory", "4.0.0"),
    Command::new("memory|help", 2, LOADING | STALE, memory_help)
        .doc("Show helpful text about the different subcommands", "4.0.0"),
];

static COMMAND_SUBCOMMANDS: &[Command] = &[
    Command::new("command|count", 2, LOADING | STALE, command_count)
        .doc("Get total number of Redis commands", "2.8.13"),
    Command::new("command|info", -2, LOADING | STALE, command_info).doc(
        "Get array of specific Redis command details, or all when no argument is given.",
        "2.8.13",
    ),
    Command::new("command|docs", -2, LOADING | STALE, command_docs)
        .doc("Get array of specific Redis command documentation", "7.0.0"),
    Command::new("command|list", -2, LOADING | STALE, command_list)
        .doc("Get an array of Redis command names", "7.0.0"),
    Command::new("command|getkeys", -4, LOADING | STALE, command_getkeys)
        .doc("Extract keys given a full Redis command", "2.8.13"),
    Command::new("command|help", 2, LOADING | STALE, command_help)
        .doc("Show helpful text about the different subcommands", "5.0.0"),
];

pub fn help(ctx: &mut Ctx, lines: &[&str]) -> CmdResult {
    ctx.array(lines.len());
    for l in lines {
        ctx.simple(l);
    }
    Ok(())
}

// ---- CONFIG -------------------------------------------------------------------------------

fn config_get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let patterns: Vec<&[u8]> = args[2..].iter().map(|p| p.as_ref()).collect();
    let pairs = ctx.core.config.config_get(&patterns);
    ctx.map(pairs.len());
    for (k, v) in pairs {
        ctx.bulk(k.as_bytes());
        ctx.bulk(v.as_bytes());
    }
    Ok(())
}

fn config_set(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Arity (-4) has let at least one pair through; an unpaired name is a syntax error.
    if !args.len().is_multiple_of(2) {
        return Err(errors::SYNTAX.into());
    }
    let pairs: Vec<(&[u8], &[u8])> = args[2..]
        .chunks(2)
        .map(|p| (p[0].as_ref(), p[1].as_ref()))
        .collect();
    // Redis's DENY_LOADING_CONFIG: these cannot change while a load (async included) runs.
    let deny_while_loading = |name: &[u8]| {
        [&b"appendonly"[..], b"repl-diskless-load", b"dir"]
            .iter()
            .any(|d| name.eq_ignore_ascii_case(d))
    };
    if ctx.core.persistence.loading.is_some() && pairs.iter().any(|(n, _)| deny_while_loading(n)) {
        return Err(errors::LOADING.into());
    }
    let changed = ctx.core.config.set(&pairs)?;
    ctx.core.config_epoch += 1;
    for name in changed {
        apply_config_change(ctx, name);
    }
    ctx.ok();
    Ok(())
}

/// Side effects of a CONFIG SET that the config table alone cannot apply.
fn apply_config_change(ctx: &mut Ctx, name: &str) {
    match name {
        "loglevel" => crate::log::set_level(crate::log_level(&ctx.core.config)),
        "client-output-buffer-limit" => {
            let l = ctx
                .core
                .config
                .obuf_limit(ferrodis_config::ClientClass::Replica);
            ctx.core.replication.replica_obuf_limit = (l.hard_bytes, l.soft_bytes, l.soft_seconds);
        }
        "repl-backlog-size" => {
            let size = ctx.core.config.repl_backlog_size;
            if let Some(b) = ctx.core.replication.backlog.as_mut() {
                b.resize(size);
            }
        }
        "logfile" => crate::log::set_logfile(&ctx.core.config.logfile),
        "dir" => {
            if let Err(e) = std::env::set_current_dir(ctx.core.config.effective_dir()) {
                log!(Warning, "Can't chdir to '{}': {e}", ctx.core.config.dir);
            }
        }
        "requirepass" if ctx.core.config.requirepass.is_none() => {
            ctx.client.authenticated = true;
        }
        _ => {}
    }
}

fn config_resetstat(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    // As Redis's resetServerStats: counters, command and error stats, peak memory; the
    // slowlog is left alone (SLOWLOG RESET clears it).
    ctx.core.stats = Default::default();
    ctx.core.command_stats = Default::default();
    let r = &mut ctx.core.replication;
    (r.sync_full, r.sync_partial_ok, r.sync_partial_err) = (0, 0, 0);
    ctx.core
        .peak_memory
        .store(0, std::sync::atomic::Ordering::Relaxed);
    ctx.ok();
    Ok(())
}

fn config_rewrite(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let Some(path) = ctx.core.config_path.clone() else {
        return Err("ERR The server is running without a config file".into());
    };
    match ctx.core.config.rewrite(&path) {
        Ok(()) => {
            log!(Notice, "CONFIG REWRITE executed with success.");
            ctx.ok();
            Ok(())
        }
        Err(e) => {
            log!(Warning, "CONFIG REWRITE failed: {e}");
            Err(format!("ERR Rewriting config file: {e}").into())
        }
    }
}

fn config_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(
        ctx,
        &[
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.",
        ],
    )
}

// ---- CLIENT -------------------------------------------------------------------------------

/// One CLIENT LIST line, fields as Redis 7.0 prints them.
fn client_line(h: &ClientHandle, now_ms: u64) -> String {
    let name = h
        .name
        .as_ref()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user=default redir=-1 resp={}",
        h.id,
        h.addr,
        h.laddr,
        h.fd,
        name,
        now_ms.saturating_sub(h.created_ms) / 1000,
        now_ms.saturating_sub(h.last_interaction_ms) / 1000,
        h.flags(),
        h.db,
        h.sub,
        h.psub,
        h.multi,
        h.last_cmd,
        if h.proto == ferrodis_resp::Proto::Resp3 {
            3
        } else {
            2
        },
    )
}

fn client_id(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.int(ctx.client.id as i64);
    Ok(())
}

/// Makes the running client's handle current before it is listed.
fn refresh_own_handle(ctx: &mut Ctx) {
    crate::conn::sync_handle(ctx.core, ctx.client);
    if let Some(h) = ctx.core.clients.get_mut(&ctx.client.id) {
        h.name = ctx.client.name.clone();
    }
}

fn client_list(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    refresh_own_handle(ctx);
    let mut kind = None;
    let mut ids: Option<Vec<u64>> = None;
    let mut i = 2;
    while i < args.len() {
        match args[i].to_ascii_uppercase().as_slice() {
            b"TYPE" if i + 1 < args.len() => {
                kind = Some(ClientKind::from_name(&args[i + 1]).ok_or_else(|| {
                    format!(
                        "ERR Unknown client type '{}'",
                        String::from_utf8_lossy(&args[i + 1])
                    )
                })?);
                i += 2;
            }
            b"ID" if i + 1 < args.len() => {
                let mut v = Vec::new();
                for a in &args[i + 1..] {
                    let n = parse_int(a).map_err(|_| "ERR Invalid client ID")?;
                    v.push(n as u64);
                }
                ids = Some(v);
                i = args.len();
            }
            _ => return Err(errors::SYNTAX.into()),
        }
    }
    let now = ctx.now_ms;
    let mut handles: Vec<&ClientHandle> = ctx
        .core
        .clients
        .values()
        .filter(|h| kind.is_none_or(|k| h.kind == k))
        .filter(|h| ids.as_ref().is_none_or(|ids| ids.contains(&h.id)))
        .collect();
    handles.sort_by_key(|h| h.id);
    let mut text = String::new();
    for h in handles {
        text.push_str(&client_line(h, now));
        text.push('\n');
    }
    ctx.verbatim(&text);
    Ok(())
}

fn client_info(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    refresh_own_handle(ctx);
    let now = ctx.now_ms;
    let line = ctx
        .core
        .clients
        .get(&ctx.client.id)
        .map(|h| client_line(h, now))
        .unwrap_or_default();
    ctx.verbatim(&format!("{line}\n"));
    Ok(())
}

/// CLIENT KILL filters (new form).
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<Bytes>,
    laddr: Option<Bytes>,
    kind: Option<ClientKind>,
    user: Option<Bytes>,
    skipme: bool,
    maxage: Option<u64>,
}

fn client_kill(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Old form: CLIENT KILL addr:port → OK or an error.
    if args.len() == 3 {
        let target = args[2].clone();
        let found: Vec<u64> = ctx
            .core
            .clients
            .values()
            .filter(|h| h.addr.as_bytes() == target.as_ref())
            .map(|h| h.id)
            .collect();
        if found.is_empty() {
            return Err("ERR No such client".into());
        }
        kill_ids(ctx, &found);
        ctx.ok();
        return Ok(());
    }
    let mut f = KillFilter {
        skipme: true,
        ..Default::default()
    };
    let mut i = 2;
    while i < args.len() {
        let Some(val) = args.get(i + 1) else {
            return Err(errors::SYNTAX.into());
        };
        match args[i].to_ascii_uppercase().as_slice() {
            b"ID" => {
                f.id = Some(
                    parse_int(val)
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("ERR client-id should be greater than 0")?
                        as u64,
                )
            }
            b"ADDR" => f.addr = Some(val.clone()),
            b"LADDR" => f.laddr = Some(val.clone()),
            b"TYPE" => {
                f.kind = Some(ClientKind::from_name(val).ok_or_else(|| {
                    format!("ERR Unknown client type '{}'", String::from_utf8_lossy(val))
                })?)
            }
            b"USER" => f.user = Some(val.clone()),
            b"SKIPME" => {
                f.skipme = match val.to_ascii_lowercase().as_slice() {
                    b"yes" => true,
                    b"no" => false,
                    _ => return Err(errors::SYNTAX.into()),
                }
            }
            b"MAXAGE" => f.maxage = Some(parse_int(val)? as u64),
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 2;
    }
    let me = ctx.client.id;
    let now = ctx.now_ms;
    let found: Vec<u64> = ctx
        .core
        .clients
        .values()
        .filter(|h| f.id.is_none_or(|id| h.id == id))
        .filter(|h| {
            f.addr
                .as_ref()
                .is_none_or(|a| h.addr.as_bytes() == a.as_ref())
        })
        .filter(|h| {
            f.laddr
                .as_ref()
                .is_none_or(|a| h.laddr.as_bytes() == a.as_ref())
        })
        .filter(|h| f.kind.is_none_or(|k| h.kind == k))
        .filter(|_| f.user.as_ref().is_none_or(|u| u.as_ref() == b"default"))
        .filter(|h| {
            f.maxage
                .is_none_or(|m| now.saturating_sub(h.created_ms) / 1000 >= m)
        })
        .filter(|h| !(f.skipme && h.id == me))
        .map(|h| h.id)
        .collect();
    kill_ids(ctx, &found);
    ctx.int(found.len() as i64);
    Ok(())
}

fn kill_ids(ctx: &mut Ctx, ids: &[u64]) {
    for id in ids {
        if *id == ctx.client.id {
            ctx.flow = Flow::Close;
        } else if let Some(h) = ctx.core.clients.get(id) {
            let _ = h.tx.send(ClientMsg::Kill);
            let addr = h.addr.clone();
            // A killed replica leaves at once, as Redis frees it: what only it still had queued
            // must not keep the backlog longer than repl-backlog-size allows.
            if ctx.core.replication.replicas.remove(id).is_some() {
                crate::log!(Notice, "Connection with replica {addr} lost.");
                if ctx.core.replication.replicas.is_empty() {
                    ctx.core.replication.no_replicas_since_ms = crate::clock::unix_ms();
                }
                ctx.core.replication.retrim_backlog();
            }
            let Some(h) = ctx.core.clients.get(id) else {
                continue;
            };
            if h.kind == crate::client::ClientKind::Master {
                // The link task may be waiting for the lock we hold (a DEBUG SLEEP in the same
                // EXEC): close its socket now, as Redis frees the master client at once.
                ctx.core.replication.shutdown_master_socket();
            }
        }
    }
}

/// Redis refuses names with spaces, newlines or other characters outside '!'..'~'.
pub fn validate_client_name(name: &[u8]) -> CmdResult {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(
            "ERR Client names cannot contain spaces, newlines or special characters.".into(),
        );
    }
    Ok(())
}

pub fn set_client_name(ctx: &mut Ctx, name: Bytes) {
    let name = if name.is_empty() { None } else { Some(name) };
    ctx.client.name = name.clone();
    if let Some(h) = ctx.core.clients.get_mut(&ctx.client.id) {
        h.name = name;
    }
}

fn client_setname(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    validate_client_name(&args[2])?;
    set_client_name(ctx, args[2].clone());
    ctx.ok();
    Ok(())
}

fn client_getname(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.bulk(&n),
        None => ctx.null(),
    }
    Ok(())
}

fn client_pause(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Redis checks the argument count, then the mode, then the timeout.
    if args.len() > 4 {
        return Err(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(&args[1])
        )
        .into());
    }
    let writes_only = match args.get(3).map(|a| a.to_ascii_uppercase()) {
        None => false,
        Some(m) if m == b"ALL" => false,
        Some(m) if m == b"WRITE" => true,
        Some(_) => return Err("ERR CLIENT PAUSE mode must be WRITE or ALL".into()),
    };
    let ms = parse_int(&args[2]).map_err(|_| "ERR timeout is not an integer or out of range")?;
    if ms < 0 {
        return Err(errors::TIMEOUT_NEGATIVE.into());
    }
    let until_ms = ctx.now_ms + ms as u64;
    // A second PAUSE extends the pause and makes it stricter, never weaker (as Redis).
    let merged = match ctx.core.pause {
        Some(p) => Pause {
            until_ms: p.until_ms.max(until_ms),
            writes_only: p.writes_only && writes_only,
        },
        None => Pause {
            until_ms,
            writes_only,
        },
    };
    ctx.core.pause = Some(merged);
    ctx.ok();
    Ok(())
}

fn client_unpause(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.core.pause = None;
    ctx.core.unpause_notify.notify_waiters();
    ctx.ok();
    Ok(())
}

fn client_reply(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match args[2].to_ascii_uppercase().as_slice() {
        b"ON" => {
            ctx.client.reply_mode = ReplyMode::On;
            ctx.ok();
        }
        b"OFF" => ctx.client.reply_mode = ReplyMode::Off,
        b"SKIP" => {
            if ctx.client.reply_mode != ReplyMode::Off {
                ctx.client.reply_mode = ReplyMode::Skip;
            }
        }
        _ => return Err(errors::SYNTAX.into()),
    }
    Ok(())
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking command, with its
/// timeout reply or with `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
fn client_unblock(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let id = parse_int(&args[2]).map_err(|_| errors::NOT_INTEGER)?;
    let as_error = match args.get(3).map(|a| a.to_ascii_uppercase()) {
        None => false,
        Some(m) if m == b"TIMEOUT" => false,
        Some(m) if m == b"ERROR" => true,
        Some(_) => return Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR".into()),
    };
    if args.len() > 4 {
        return Err(errors::SYNTAX.into());
    }
    let Some(blocked) = ctx.core.blocking.unblock(id as u64) else {
        ctx.int(0);
        return Ok(());
    };
    let mut reply = bytes::BytesMut::new();
    if as_error {
        ferrodis_resp::write_error(&mut reply, b"UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else {
        crate::blocking::write_timeout_reply(&mut reply, &blocked);
    }
    let _ = blocked.tx.send(ClientMsg::Unblocked(reply.freeze()));
    ctx.int(1);
    Ok(())
}

fn client_no_evict(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match args[2].to_ascii_lowercase().as_slice() {
        b"on" => ctx.client.no_evict = true,
        b"off" => ctx.client.no_evict = false,
        _ => return Err(errors::SYNTAX.into()),
    }
    ctx.ok();
    Ok(())
}

fn client_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(
        ctx,
        &[
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are: ID, TYPE, USER, ADDR, LADDR, SKIPME, MAXAGE.",
            "LIST [options ...]",
            "    Return information about client connections. Options: TYPE, ID.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "HELP",
            "    Prints this help.",
        ],
    )
}

// ---- SLOWLOG ------------------------------------------------------------------------------

fn slowlog_get(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let count = match args.get(2) {
        None => 10,
        Some(a) => {
            let n = parse_int(a).map_err(|_| "ERR count should be greater than or equal to -1")?;
            if n < -1 {
                return Err("ERR count should be greater than or equal to -1".into());
            }
            if n == -1 { usize::MAX } else { n as usize }
        }
    };
    let entries: Vec<_> = ctx
        .core
        .slowlog
        .entries
        .iter()
        .take(count)
        .map(|e| {
            (
                e.id,
                e.time_s,
                e.duration_us,
                redact_secrets(&e.args),
                e.addr.clone(),
                e.name.clone(),
            )
        })
        .collect();
    ctx.array(entries.len());
    for (id, time, dur, args, addr, name) in entries {
        ctx.array(6);
        ctx.int(id as i64);
        ctx.int(time as i64);
        ctx.int(dur as i64);
        ctx.array(args.len());
        for a in &args {
            ctx.bulk(a);
        }
        ctx.bulk(addr.as_bytes());
        ctx.bulk(&name);
    }
    Ok(())
}

/// Hides passwords as Redis's `redactClientCommandArgument` does: every argument of AUTH,
/// the two after HELLO's AUTH, and CONFIG SET values of sensitive directives.
// The recorder (`cmd::record_slowlog`) stores arguments as sent, so they are hidden here;
// MONITOR needs the same treatment where its lines are built.
pub fn redact_secrets(args: &[Bytes]) -> Vec<Bytes> {
    const REDACTED: Bytes = Bytes::from_static(b"(redacted)");
    let mut out = args.to_vec();
    let name = args
        .first()
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    match name.as_slice() {
        b"auth" => out[1..].fill(REDACTED),
        b"hello" => {
            if let Some(i) = args.iter().position(|a| a.eq_ignore_ascii_case(b"AUTH")) {
                for a in out.iter_mut().skip(i + 1).take(2) {
                    *a = REDACTED;
                }
            }
        }
        b"config" if args.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"SET")) => {
            for pair in out[2..].chunks_mut(2) {
                if pair.len() == 2 && ferrodis_config::is_sensitive_config(&pair[0]) {
                    pair[1] = REDACTED;
                }
            }
        }
        _ => {}
    }
    out
}

fn slowlog_len(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.core.slowlog.entries.len();
    ctx.int(n as i64);
    Ok(())
}

fn slowlog_reset(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.core.slowlog.entries.clear();
    ctx.ok();
    Ok(())
}

fn slowlog_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(
        ctx,
        &[
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
            "HELP",
            "    Prints this help.",
        ],
    )
}

// ---- LATENCY ------------------------------------------------------------------------------
// Ferrodis records no latency events yet; these answer as Redis does when none occurred.

fn latency_latest(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.array(0);
    Ok(())
}

fn latency_doctor(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    // Redis's two reports for an instance with no recorded event.
    let text = if ctx.core.config.latency_monitor_threshold == 0 {
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
    } else {
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
    };
    ctx.verbatim(text);
    Ok(())
}

fn latency_history(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.array(0);
    Ok(())
}

fn latency_reset(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.int(0);
    Ok(())
}

fn latency_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(
        ctx,
        &[
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HELP",
            "    Prints this help.",
        ],
    )
}

// ---- MEMORY -------------------------------------------------------------------------------

fn memory_usage(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        let ok = args.len() == 5 && args[3].eq_ignore_ascii_case(b"SAMPLES");
        if !ok {
            return Err(errors::SYNTAX.into());
        }
        parse_int(&args[4])?;
    }
    let key = &args[2];
    let slot = crate::keyspace::SLOT_BYTES;
    match ctx.lookup_quiet(key) {
        None => ctx.null(),
        Some(e) => {
            let bytes = slot + e.value.heap_size() + if key.len() > 22 { key.len() } else { 0 };
            ctx.int(bytes as i64);
        }
    }
    Ok(())
}

fn memory_doctor(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    // Redis declines to diagnose below 5MB allocated.
    let text = if crate::used_memory() < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
    };
    ctx.verbatim(text);
    Ok(())
}

fn memory_purge(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.ok();
    Ok(())
}

fn memory_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(
        ctx,
        &[
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return memory problems reports.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
            "HELP",
            "    Prints this help.",
        ],
    )
}

// ---- COMMAND ------------------------------------------------------------------------------

/// Flags in the order COMMAND INFO lists them (Redis's `addReplyCommandFlags`), which hides
/// `may_replicate` on purpose.
const LISTED_FLAGS: &[u32] = &[
    WRITE,
    READONLY,
    DENYOOM,
    ADMIN,
    PUBSUB,
    NOSCRIPT,
    BLOCKING,
    LOADING,
    STALE,
    SKIP_MONITOR,
    SKIP_SLOWLOG,
    FAST,
    NO_AUTH,
    NO_MANDATORY_KEYS,
    NO_ASYNC_LOADING,
    NO_MULTI,
    MOVABLE_KEYS,
    ALLOW_BUSY,
];

fn write_flags(ctx: &mut Ctx, flags: u32) {
    let names: Vec<&str> = LISTED_FLAGS
        .iter()
        .filter(|f| flags & **f != 0)
        .filter_map(|f| NAMES.iter().find(|(bit, _)| bit == f).map(|(_, n)| *n))
        .collect();
    ctx.set_len(names.len());
    for n in names {
        ctx.simple(n);
    }
}

/// One COMMAND INFO entry (Redis 7.0 layout: name, arity, flags, first, last, step,
/// ACL categories, tips, key specs, subcommands).
fn write_command_info(ctx: &mut Ctx, c: &Command) {
    ctx.array(10);
    ctx.bulk(c.name.as_bytes());
    ctx.int(c.arity as i64);
    write_flags(ctx, c.flags);
    ctx.int(c.key_first as i64);
    ctx.int(c.key_last as i64);
    ctx.int(c.key_step as i64);
    ctx.set_len(0);
    ctx.set_len(0);
    ctx.array(0);
    ctx.array(c.subcommands.len());
    for s in c.subcommands {
        write_command_info(ctx, s);
    }
}

fn command_all(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let all: Vec<&Command> = super::all_commands().collect();
    ctx.array(all.len());
    for c in all {
        write_command_info(ctx, c);
    }
    Ok(())
}

fn command_count(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.int(super::all_commands().count() as i64);
    Ok(())
}

/// Finds a command or subcommand by its name (`get`, `config|get`).
fn find_by_fullname(name: &[u8]) -> Option<&'static Command> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    match lower.split_once('|') {
        None => super::lookup_name(lower.as_bytes()),
        Some((parent, _)) => super::lookup_name(parent.as_bytes())?
            .subcommands
            .iter()
            .find(|s| s.name == lower),
    }
}

fn command_info(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() == 2 {
        return command_all(ctx, args);
    }
    ctx.array(args.len() - 2);
    for name in &args[2..] {
        match find_by_fullname(name) {
            Some(c) => write_command_info(ctx, c),
            None => ctx.null_array(),
        }
    }
    Ok(())
}

fn write_docs(ctx: &mut Ctx, c: &Command) {
    let has_subs = !c.subcommands.is_empty();
    let has_args = super::docs::has_arguments(c.name);
    ctx.map(3 + has_subs as usize + has_args as usize);
    ctx.bulk(b"summary");
    ctx.bulk(c.summary.as_bytes());
    ctx.bulk(b"since");
    ctx.bulk(c.since.as_bytes());
    ctx.bulk(b"group");
    ctx.bulk(c.group.as_bytes());
    if has_args {
        ctx.bulk(b"arguments");
        super::docs::write_arguments(ctx, c.name);
    }
    if has_subs {
        ctx.bulk(b"subcommands");
        ctx.map(c.subcommands.len());
        for s in c.subcommands {
            ctx.bulk(s.name.as_bytes());
            write_docs(ctx, s);
        }
    }
}

fn command_docs(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let list: Vec<&Command> = if args.len() == 2 {
        super::all_commands().collect()
    } else {
        args[2..]
            .iter()
            .filter_map(|n| find_by_fullname(n))
            .collect()
    };
    ctx.map(list.len());
    for c in list {
        ctx.bulk(c.name.as_bytes());
        write_docs(ctx, c);
    }
    Ok(())
}

fn command_list(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let names: Vec<&str> = super::all_commands().map(|c| c.name).collect();
    ctx.array(names.len());
    for n in names {
        ctx.bulk(n.as_bytes());
    }
    Ok(())
}

fn command_getkeys(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let call = &args[2..];
    let cmd = match super::lookup(call) {
        super::Lookup::Found(c) => c,
        _ => return Err("ERR Invalid command specified".into()),
    };
    if !cmd.arity_ok(call.len()) {
        return Err("ERR Invalid number of arguments specified for command".into());
    }
    let idx = if cmd.has(super::flags::MOVABLE_KEYS) && cmd.group == "scripting" {
        super::scripting::key_indexes(call)
    } else {
        cmd.key_indexes(call.len())
    };
    if idx.is_empty() {
        return Err("ERR The command has no key arguments".into());
    }
    ctx.array(idx.len());
    for i in idx {
        ctx.bulk(&call[i]);
    }
    Ok(())
}

fn command_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    help(
        ctx,
        &[
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "HELP",
            "    Prints this help.",
        ],
    )
}

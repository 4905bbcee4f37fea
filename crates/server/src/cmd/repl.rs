//! Replication commands: SYNC, PSYNC, REPLCONF, WAIT, REPLICAOF/SLAVEOF, ROLE. The drivers
//! live in `replication/`; the PSYNC decision in `ferrodis_repl`.

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx, Flow};
use crate::client::ClientKind;
use crate::replication::{ReplicaInfo, ReplicaState, replica};
use crate::{clock, errors, log};
use bytes::Bytes;
use ferrodis_repl::{PsyncDecision, decide_psync};

const ADM: u32 = ADMIN | NOSCRIPT;

pub static COMMANDS: &[Command] = &[
    Command::new("sync", 1, ADM | NO_ASYNC_LOADING | NO_MULTI, sync)
        .group("server")
        .doc("Internal command used for replication", "1.0.0"),
    Command::new("psync", -3, ADM | NO_ASYNC_LOADING | NO_MULTI, psync)
        .group("server")
        .doc("Internal command used for replication", "2.8.0"),
    Command::new("replconf", -1, ADM | LOADING | STALE | ALLOW_BUSY, replconf)
        .group("server")
        .doc(
            "An internal command for configuring the replication stream",
            "3.0.0",
        ),
    Command::new("wait", 3, NOSCRIPT, wait)
        .group("connection")
        .doc(
            "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
            "3.0.0",
        ),
    Command::new("replicaof", 3, ADM | STALE | NO_ASYNC_LOADING, replicaof)
        .group("server")
        .doc(
            "Make the server a replica of another instance, or promote it as master.",
            "5.0.0",
        ),
    Command::new("slaveof", 3, ADM | STALE | NO_ASYNC_LOADING, replicaof)
        .group("server")
        .doc(
            "Make the server a replica of another instance, or promote it as master.",
            "1.0.0",
        ),
    Command::new("failover", -1, ADM | STALE, failover)
        .group("server")
        .doc(
            "Start a coordinated failover between this server and one of its replicas.",
            "6.2.0",
        ),
    Command::new("role", 1, NOSCRIPT | LOADING | STALE | FAST, role)
        .group("server")
        .doc(
            "Return the role of the instance in the context of replication",
            "2.8.12",
        ),
];

fn sync(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    start_sync(ctx, "?", -1, false)
}

fn psync(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let replid = String::from_utf8_lossy(&args[1]).into_owned();
    let offset = parse_int(&args[2])?;
    if args.len() > 3 && args[3].eq_ignore_ascii_case(b"failover") {
        // Our master is handing its role over to us (its FAILOVER): promote, then continue
        // its stream under our new ID.
        if replid != ctx.core.replication.ids.replid {
            return Err("ERR PSYNC FAILOVER replid must match my replid.".into());
        }
        if ctx.core.is_replica() {
            replica::promote(ctx.core);
            log!(
                Notice,
                "MASTER MODE enabled (failover request from 'id={} addr={}')",
                ctx.client.id,
                ctx.client.addr
            );
        }
    }
    start_sync(ctx, &replid, offset, true)
}

/// SYNC/PSYNC: continue from the backlog, or hand the connection to a full resync.
fn start_sync(ctx: &mut Ctx, req_replid: &str, req_offset: i64, psync: bool) -> CmdResult {
    if ctx.client.kind == ClientKind::Replica {
        return Ok(());
    }
    if ctx.core.is_replica() && !ctx.core.replication.link_up() {
        return Err("NOMASTERLINK Can't SYNC while not connected with my master".into());
    }
    let addr = ctx.client.addr.clone();
    log!(Notice, "Replica {addr} asks for synchronization");
    let r = &mut ctx.core.replication;
    let decision = if psync {
        decide_psync(
            &r.ids,
            r.master_repl_offset,
            r.backlog.as_ref().map(|b| b.range()),
            req_replid,
            req_offset,
        )
    } else {
        PsyncDecision::FullResync {
            reason: "old SYNC".into(),
        }
    };
    ctx.client.kind = ClientKind::Replica;
    match decision {
        PsyncDecision::Continue { from_offset } => {
            let chunks = r
                .backlog
                .as_ref()
                .and_then(|b| b.since(from_offset))
                .unwrap_or_default();
            let line = if ctx.client.repl_capa_psync2 {
                format!("+CONTINUE {}\r\n", r.ids.replid)
            } else {
                "+CONTINUE\r\n".to_string()
            };
            ctx.out.extend_from_slice(line.as_bytes());
            let mut sent = 0;
            for c in &chunks {
                ctx.out.extend_from_slice(c);
                sent += c.len();
            }
            r.replicas.insert(
                ctx.client.id,
                ReplicaInfo::for_client(
                    ctx.client,
                    ReplicaState::Online,
                    from_offset.saturating_sub(1),
                ),
            );
            r.sync_partial_ok += 1;
            log!(
                Notice,
                "Partial resynchronization request from {addr} accepted. Sending {sent} bytes of backlog starting from offset {from_offset}."
            );
        }
        PsyncDecision::FullResync { reason } => {
            if psync && req_replid != "?" {
                r.sync_partial_err += 1;
                log!(Notice, "{reason}");
            } else if psync {
                log!(Notice, "Full resync requested by replica {addr}");
            }
            r.sync_full += 1;
            if r.backlog.is_none() {
                // As Redis: the first replica starts a new history with a fresh ID.
                let new_id = crate::replication::random_replid();
                r.ids = ferrodis_repl::ReplIds::new(new_id);
                let size = ctx.core.config.repl_backlog_size;
                ctx.core.replication.ensure_backlog(size);
                log!(
                    Notice,
                    "Replication backlog created, my new replication IDs are '{}' and '{}'",
                    ctx.core.replication.ids.replid,
                    ctx.core.replication.ids.replid2
                );
            }
            ctx.flow = Flow::FullSync {
                psync,
                capa_eof: ctx.client.repl_capa_eof,
            };
        }
    }
    Ok(())
}

fn replconf(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len().is_multiple_of(2) {
        return Err(errors::SYNTAX.into());
    }
    let mut i = 1;
    while i < args.len() {
        let opt = args[i].to_ascii_lowercase();
        let val = &args[i + 1];
        match opt.as_slice() {
            b"listening-port" => {
                let port = parse_int(val)?;
                ctx.client.repl_listening_port = u16::try_from(port).unwrap_or(0);
            }
            b"ip-address" => {
                ctx.client.repl_ip = Some(String::from_utf8_lossy(val).into_owned());
            }
            b"capa" => {
                if val.eq_ignore_ascii_case(b"eof") {
                    ctx.client.repl_capa_eof = true;
                } else if val.eq_ignore_ascii_case(b"psync2") {
                    ctx.client.repl_capa_psync2 = true;
                }
            }
            b"ack" => {
                // A replica's acknowledgement: no reply, ever.
                let offset = parse_int(val).unwrap_or(0).max(0) as u64;
                let now = clock::unix_ms();
                let id = ctx.client.id;
                let r = &mut ctx.core.replication;
                if let Some(info) = r.replicas.get_mut(&id) {
                    info.ack_offset = info.ack_offset.max(offset);
                    info.ack_time_ms = now;
                    r.ack_notify.notify_waiters();
                }
                return Ok(());
            }
            b"getack" => {
                // Answered by the replica's link task, which sees the command go by.
                if ctx.client.kind == ClientKind::Master {
                    ctx.core.replication.ack_requested = true;
                }
                return Ok(());
            }
            b"rdb-only" | b"rdb-filter-only" => {}
            _ => {
                return Err(format!(
                    "ERR Unrecognized REPLCONF option: {}",
                    String::from_utf8_lossy(&args[i])
                )
                .into());
            }
        }
        i += 2;
    }
    ctx.ok();
    Ok(())
}

fn wait(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if ctx.core.is_replica() {
        return Err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.".into());
    }
    let replicas = parse_int(&args[1])?;
    let timeout =
        parse_int(&args[2]).map_err(|_| "ERR timeout is not an integer or out of range")?;
    if timeout < 0 {
        return Err(errors::TIMEOUT_NEGATIVE.into());
    }
    let offset = ctx.client.woff;
    let acked = ctx.core.replication.replicas_acked(offset);
    if acked as i64 >= replicas || ctx.core.call_depth > 1 {
        ctx.int(acked as i64);
        return Ok(());
    }
    // Ask every replica for an ACK now rather than waiting for their next second.
    ctx.core.replication.request_acks();
    let deadline_ms = if timeout == 0 {
        0
    } else {
        ctx.now_ms + timeout as u64
    };
    ctx.flow = Flow::WaitReplicas {
        offset,
        replicas: replicas.max(0) as usize,
        deadline_ms,
    };
    Ok(())
}

fn replicaof(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let who = format!("id={} addr={}", ctx.client.id, ctx.client.addr);
    if args[1].eq_ignore_ascii_case(b"no") && args[2].eq_ignore_ascii_case(b"one") {
        if ctx.core.is_replica() {
            replica::promote(ctx.core);
            log!(Notice, "MASTER MODE enabled (user request from '{who}')");
        }
        ctx.ok();
        return Ok(());
    }
    let host = String::from_utf8_lossy(&args[1]).into_owned();
    let port = parse_int(&args[2])?;
    let Ok(port) = u16::try_from(port) else {
        return Err("ERR Invalid master port".into());
    };
    if let Some(m) = &ctx.core.replication.master
        && m.host == host
        && m.port == port
    {
        log!(
            Notice,
            "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed."
        );
        ctx.simple("OK Already connected to specified master");
        return Ok(());
    }
    replica::follow(ctx.core, host.clone(), port);
    log!(
        Notice,
        "REPLICAOF {host}:{port} enabled (user request from '{who}')"
    );
    ctx.ok();
    Ok(())
}

fn role(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let r = &ctx.core.replication;
    match &r.master {
        None => {
            let replicas: Vec<(String, u16, u64)> = r
                .replicas
                .values()
                .filter(|i| i.state == ReplicaState::Online)
                .map(|i| (i.ip.clone(), i.listening_port, i.ack_offset))
                .collect();
            let offset = r.master_repl_offset as i64;
            ctx.array(3);
            ctx.bulk(b"master");
            ctx.int(offset);
            ctx.array(replicas.len());
            for (ip, port, ack) in replicas {
                ctx.array(3);
                ctx.bulk(ip.as_bytes());
                ctx.bulk(port.to_string().as_bytes());
                ctx.bulk(ack.to_string().as_bytes());
            }
        }
        Some(m) => {
            let (host, port, state) = (m.host.clone(), m.port, m.state.role_name());
            let offset = if m.state == replica::LinkState::Connected {
                r.master_repl_offset as i64
            } else {
                -1
            };
            ctx.array(5);
            ctx.bulk(b"slave");
            ctx.bulk(host.as_bytes());
            ctx.int(port as i64);
            ctx.bulk(state.as_bytes());
            ctx.int(offset);
        }
    }
    Ok(())
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]
fn failover(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    use crate::replication::failover::{self as fo, Failover, FailoverState};
    let (mut target, mut force, mut abort, mut timeout_ms) = (None, false, false, 0i64);
    let mut i = 1;
    while i < args.len() {
        let opt = args[i].to_ascii_uppercase();
        match opt.as_slice() {
            b"TO" if i + 2 < args.len() && target.is_none() => {
                let host = String::from_utf8_lossy(&args[i + 1]).into_owned();
                let port = parse_int(&args[i + 2])?;
                let port =
                    u16::try_from(port).map_err(|_| "ERR FAILOVER target port is invalid")?;
                target = Some((host, port));
                i += 3;
                continue;
            }
            b"FORCE" if !force => force = true,
            b"ABORT" if !abort => abort = true,
            b"TIMEOUT" if i + 1 < args.len() && timeout_ms == 0 => {
                timeout_ms = parse_int(&args[i + 1])?;
                if timeout_ms <= 0 {
                    return Err("ERR FAILOVER timeout must be greater than 0".into());
                }
                i += 1;
            }
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 1;
    }
    if abort {
        if target.is_some() || force || timeout_ms != 0 {
            return Err("ERR FAILOVER ABORT can't be used with other arguments.".into());
        }
        if ctx.core.replication.failover.is_none() {
            return Err("ERR No failover in progress.".into());
        }
        fo::abort(ctx.core, "Failover manually aborted");
        ctx.ok();
        return Ok(());
    }
    if force && (target.is_none() || timeout_ms == 0) {
        return Err(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.".into(),
        );
    }
    if ctx.core.is_replica() {
        return Err("ERR FAILOVER is not valid when server is a replica.".into());
    }
    if ctx.core.replication.replicas.is_empty() {
        return Err("ERR FAILOVER requires connected replicas.".into());
    }
    if ctx.core.replication.failover.is_some() {
        return Err("ERR FAILOVER already in progress.".into());
    }
    if let Some((host, port)) = &target {
        let Some(r) = ctx
            .core
            .replication
            .replicas
            .values()
            .find(|r| r.ip == *host && r.listening_port == *port)
        else {
            return Err("ERR FAILOVER target HOST and PORT is not a replica.".into());
        };
        if r.state != ReplicaState::Online {
            return Err("ERR FAILOVER target replica is not online.".into());
        }
    }
    let deadline_ms = if timeout_ms > 0 {
        ctx.now_ms + timeout_ms as u64
    } else {
        0
    };
    fo::begin(
        ctx.core,
        Failover {
            target,
            force,
            deadline_ms,
            state: FailoverState::WaitingForSync,
        },
    );
    ctx.ok();
    Ok(())
}

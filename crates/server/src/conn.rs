//! One task per connection: read bytes, parse as many commands as arrived, run them as one
//! batch under the core lock, write the replies. Pushes from elsewhere (pub/sub, MONITOR,
//! CLIENT KILL) arrive on the client's channel. Parsing and socket I/O run outside the lock,
//! so they proceed in parallel on all cores; only command execution is serialized.

use crate::client::{Client, ClientHandle, ClientKind, ClientMsg};
use crate::cmd::{self, Flow};
use crate::server::{Core, Shared};
use crate::{clock, log};
use bytes::{Bytes, BytesMut};
use ferrodis_resp::{Limits, ProtocolError, RequestParser};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Commands run per lock acquisition, so one deep pipeline cannot starve other clients.
const MAX_BATCH: usize = 512;
/// Output kept in memory before it is written even mid-batch.
const FLUSH_BYTES: usize = 1 << 20;

/// A consumed read buffer larger than this is replaced by a small one.
const SHRINK_READ_ROOM: usize = 256 * 1024;

/// The largest free room a single read may be given.
const MAX_READ_ROOM: usize = 1 << 20;

/// Reads into `rbuf` with at least `room` bytes free; reports whether the read filled them.
async fn read_with_room<S: AsyncRead + Unpin>(
    stream: &mut S,
    rbuf: &mut BytesMut,
    room: usize,
) -> std::io::Result<(usize, bool)> {
    if rbuf.capacity() - rbuf.len() < room {
        rbuf.reserve(room);
    }
    let spare = rbuf.capacity() - rbuf.len();
    let n = stream.read_buf(rbuf).await?;
    Ok((n, n == spare))
}

/// Where a connection comes from, for CLIENT LIST and protected mode.
pub struct Peer {
    pub addr: String,
    pub laddr: String,
    pub fd: i64,
    pub is_loopback_or_unix: bool,
}

pub async fn serve<S>(shared: Arc<Shared>, mut stream: S, peer: Peer)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let id = shared.new_client_id();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut client = Client::new(id, tx.clone(), peer.addr.clone());
    let registered = match register(&shared, &mut client, &peer).await {
        Ok(registered) => registered,
        Err(reply) => {
            let _ = stream.write_all(reply.as_bytes()).await;
            return;
        }
    };

    let mut rbuf = BytesMut::with_capacity(16 * 1024);
    // How much free room a read gets: doubled whenever a read fills it, so a pipeline of large
    // commands arrives in one read (one batch, one reply write) instead of two.
    let mut read_room = 16 * 1024;
    let mut wbuf = BytesMut::with_capacity(16 * 1024);
    let mut parser = RequestParser::new();
    let mut batch: Vec<Vec<Bytes>> = Vec::new();
    let mut last_activity = tokio::time::Instant::now();
    let mut settings = if registered {
        ConnSettings::read(&*shared.lock_core().await)
    } else {
        // Arrived during a busy script: admitted with its first batch that gets the lock.
        client.admission = Some(peer);
        ConnSettings::provisional()
    };

    // Bytes pushed to this client (stream chunks for a replica) not yet written.
    let mut queued_out: u64 = 0;
    'conn: loop {
        let idle_timeout = settings.idle_timeout_s(&client);
        let deadline = last_activity + Duration::from_secs(idle_timeout.max(1));
        let mut bytes_in = 0usize;
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(ClientMsg::Data(d) | ClientMsg::Unblocked(d)) => {
                    wbuf.extend_from_slice(&d);
                    queued_out += d.len() as u64;
                }
                Some(ClientMsg::Kill) | None => break 'conn,
            },
            r = read_with_room(&mut stream, &mut rbuf, read_room) => match r {
                Ok((0, _)) | Err(_) => break 'conn,
                Ok((n, filled)) => {
                    bytes_in = n;
                    last_activity = tokio::time::Instant::now();
                    if filled {
                        read_room = (read_room * 2).min(MAX_READ_ROOM);
                    }
                }
            },
            _ = tokio::time::sleep_until(deadline), if idle_timeout > 0 => {
                log!(Verbose, "Closing idle client");
                break 'conn;
            }
        }
        while let Ok(msg) = rx.try_recv() {
            match msg {
                ClientMsg::Data(d) | ClientMsg::Unblocked(d) => {
                    wbuf.extend_from_slice(&d);
                    queued_out += d.len() as u64;
                }
                ClientMsg::Kill => break 'conn,
            }
        }

        if bytes_in > 0 && rbuf.len() + parser.pending_bytes() > settings.query_buffer_limit {
            log!(
                Warning,
                "Closing client that reached max query buffer length: id={} addr={} (qbuf initial bytes: {:?})",
                client.id,
                client.addr,
                String::from_utf8_lossy(&rbuf[..rbuf.len().min(64)])
            );
            break 'conn;
        }

        let mut closing = false;
        // SHUTDOWN: the replies before it are written first, then the server is told to stop.
        let mut shutting_down = false;
        loop {
            batch.clear();
            let mut protocol_error = None;
            // Until it authenticates, a client gets Redis's tighter request limits, and its
            // commands run one at a time so that an AUTH lifts them for the next command.
            let unauthenticated = settings.requirepass_set && !client.authenticated;
            let (limits, max_batch) = if unauthenticated {
                (&settings.unauth_limits, 1)
            } else {
                (&settings.limits, MAX_BATCH)
            };
            while batch.len() < max_batch {
                match parser.parse(&mut rbuf, limits) {
                    Ok(Some(args)) => batch.push(args),
                    Ok(None) => break,
                    Err(e) => {
                        protocol_error = Some(if unauthenticated {
                            unauthenticated_error(e, &rbuf, &settings.limits)
                        } else {
                            e.to_string()
                        });
                        break;
                    }
                }
            }
            // Input read while a blocking command waited lands in `rbuf` after this point.
            let unparsed_before_run = rbuf.len();
            if !batch.is_empty() {
                let mut io = BlockedIo {
                    stream: &mut stream,
                    rbuf: &mut rbuf,
                    rx: &mut rx,
                };
                match run_batch(
                    &shared,
                    &mut client,
                    &batch,
                    &mut wbuf,
                    bytes_in,
                    &mut settings,
                    &mut io,
                )
                .await
                {
                    Flow::Continue => {}
                    Flow::Close => closing = true,
                    Flow::Shutdown => {
                        shutting_down = true;
                        closing = true;
                    }
                    Flow::FullSync { psync, capa_eof } => {
                        if !wbuf.is_empty() {
                            if stream.write_all(&wbuf).await.is_err() {
                                break 'conn;
                            }
                            wbuf.clear();
                        }
                        let mut pushed = crate::replication::master::Pushed { rx: &mut rx };
                        let sync = crate::replication::master::full_sync(
                            &shared,
                            &mut stream,
                            &mut rbuf,
                            &client,
                            &mut pushed,
                            psync,
                            capa_eof,
                        );
                        if sync.await.is_err() {
                            break 'conn;
                        }
                    }
                    Flow::WaitPause | Flow::Block { .. } | Flow::WaitReplicas { .. } => {
                        unreachable!("run_batch waits out pauses, blocking and WAIT itself")
                    }
                }
                bytes_in = 0;
            }
            if let Some(e) = protocol_error {
                log!(
                    Verbose,
                    "Protocol error ({}) from client: id={} addr={}",
                    e,
                    client.id,
                    client.addr
                );
                let msg = format!("ERR {e}");
                ferrodis_resp::write_error(&mut wbuf, msg.as_bytes());
                closing = true;
            }
            let arrived_while_blocked = rbuf.len() > unparsed_before_run;
            if closing || (batch.len() < max_batch && !arrived_while_blocked) {
                break;
            }
            // A full batch: more commands may be waiting. Write a large output first.
            if wbuf.len() >= FLUSH_BYTES {
                if stream.write_all(&wbuf).await.is_err() {
                    break 'conn;
                }
                wbuf.clear();
            }
        }
        if !wbuf.is_empty() {
            if stream.write_all(&wbuf).await.is_err() {
                break 'conn;
            }
            wbuf.clear();
            if queued_out > 0 {
                // Pushed bytes are out of our hands now: a replica's output buffer shrinks.
                client.repl_queued.fetch_sub(
                    queued_out.min(
                        client
                            .repl_queued
                            .load(std::sync::atomic::Ordering::Relaxed),
                    ),
                    std::sync::atomic::Ordering::Relaxed,
                );
                queued_out = 0;
            }
            if wbuf.capacity() > 4 * FLUSH_BYTES {
                wbuf = BytesMut::with_capacity(16 * 1024);
            }
        }
        // A read room grown for one big pipeline is given back once it is consumed (as Redis
        // shrinks idle query buffers), so a burst does not pin a megabyte per connection.
        if rbuf.is_empty() && parser.pending_bytes() == 0 && rbuf.capacity() > SHRINK_READ_ROOM {
            rbuf = BytesMut::with_capacity(16 * 1024);
            read_room = 16 * 1024;
        }
        if shutting_down {
            let _ = stream.flush().await;
            shared.shutdown_notify.notify_one();
        }
        if closing {
            break 'conn;
        }
    }
    let _ = stream.flush().await;
    unregister(&shared, &mut client).await;
}

/// Runs parsed commands under the lock. A command held back by CLIENT PAUSE makes the task
/// release the lock, wait for the pause to end, and resume at that command.
/// What a blocked client's task watches while it waits: its socket (a disconnect ends the
/// wait; further input is kept for later) and its channel (the reply, pushes, CLIENT KILL).
struct BlockedIo<'a, S> {
    stream: &'a mut S,
    rbuf: &'a mut BytesMut,
    rx: &'a mut mpsc::UnboundedReceiver<ClientMsg>,
}

/// Runs parsed commands under the lock. A command held back by CLIENT PAUSE makes the task
/// release the lock, wait for the pause to end, and resume at that command; a blocking command
/// (BLPOP, ...) makes it wait for its reply, then resume after it.
async fn run_batch<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Shared,
    client: &mut Client,
    batch: &[Vec<Bytes>],
    wbuf: &mut BytesMut,
    bytes_in: usize,
    settings: &mut ConnSettings,
    io: &mut BlockedIo<'_, S>,
) -> Flow {
    let mut i = 0;
    let mut bytes_in = bytes_in;
    while i < batch.len() {
        let mut wait_until_ms = None;
        let mut blocked_until = None;
        let mut wait_replicas = None;
        let mut flow = Flow::Continue;
        {
            let Some(mut core) = lock_or_answer_busy(shared, client, batch, &mut i, wbuf).await
            else {
                continue;
            };
            if let Some(peer) = client.admission.take()
                && let Err(reply) = admit(shared, &mut core, client, &peer)
            {
                wbuf.extend_from_slice(reply.as_bytes());
                return Flow::Close;
            }
            core.stats.total_net_input_bytes += bytes_in as u64;
            core.clock.mark();
            bytes_in = 0;
            // The batch's effects go to replicas as one chunk (fewer, larger shared chunks:
            // less memory per queued byte), still before anyone else can write.
            core.replication.defer_flush = true;
            while i < batch.len() {
                match cmd::dispatch(&mut core, client, &batch[i], wbuf) {
                    Flow::Continue => i += 1,
                    Flow::WaitPause => {
                        wait_until_ms = core.pause.map(|p| p.until_ms);
                        break;
                    }
                    Flow::Block { deadline_ms } => {
                        i += 1;
                        blocked_until = Some(deadline_ms);
                        client.blocked = true;
                        break;
                    }
                    Flow::WaitReplicas {
                        offset,
                        replicas,
                        deadline_ms,
                    } => {
                        i += 1;
                        wait_replicas = Some((offset, replicas, deadline_ms));
                        break;
                    }
                    other => {
                        flow = other;
                        i = batch.len();
                    }
                }
            }
            core.replication.defer_flush = false;
            core.replication.flush();
            sync_handle(&mut core, client);
            if core.config_epoch != settings.epoch {
                *settings = ConnSettings::read(&core);
            }
        }
        if flow != Flow::Continue {
            return flow;
        }
        if let Some(until) = wait_until_ms {
            let now = clock::unix_ms();
            let wait = Duration::from_millis(until.saturating_sub(now).min(1000));
            let _ = tokio::time::timeout(wait, shared.unpause_notify.notified()).await;
        }
        if let Some((offset, replicas, deadline_ms)) = wait_replicas {
            let acked =
                crate::replication::master::wait_for_acks(shared, offset, replicas, deadline_ms)
                    .await;
            ferrodis_resp::write_integer(wbuf, acked as i64);
        }
        if let Some(deadline_ms) = blocked_until {
            let outcome = wait_unblocked(shared, client, wbuf, deadline_ms, io).await;
            client.blocked = false;
            sync_handle(&mut *shared.lock_core().await, client);
            if outcome != Flow::Continue {
                return outcome;
            }
        }
    }
    Flow::Continue
}

/// Takes the core lock for `batch[*i]`, unless a script holds it past `busy-reply-threshold`:
/// then the command is answered here without the lock (Redis's processEventsWhileBlocked):
/// SCRIPT KILL, FUNCTION KILL, FUNCTION STATS and SHUTDOWN NOSAVE act, others get `-BUSY`,
/// and the few other commands Redis allows while busy wait for the script to end. Returns
/// `None` when the command was answered (`*i` moved past it).
async fn lock_or_answer_busy<'a>(
    shared: &'a Shared,
    client: &mut Client,
    batch: &[Vec<Bytes>],
    i: &mut usize,
    wbuf: &mut BytesMut,
) -> Option<parking_lot::MutexGuard<'a, crate::server::Core>> {
    loop {
        if let Some(core) = shared.core.try_lock_for(Duration::from_millis(5)) {
            return Some(core);
        }
        let watch = &shared.script_watch;
        if watch.is_busy() && crate::scripting::busy::answer(watch, client, &batch[*i], wbuf) {
            *i += 1;
            return None;
        }
        tokio::task::yield_now().await;
    }
}

/// Waits until a blocked command is served (its reply arrives on the channel), times out
/// (the timeout reply is written here), or the client goes away.
async fn wait_unblocked<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Shared,
    client: &Client,
    wbuf: &mut BytesMut,
    deadline_ms: u64,
    io: &mut BlockedIo<'_, S>,
) -> Flow {
    // Replies of the commands before the blocking one go out now.
    if !wbuf.is_empty() {
        if io.stream.write_all(wbuf).await.is_err() {
            shared.lock_core().await.blocking.unblock(client.id);
            return Flow::Close;
        }
        wbuf.clear();
    }
    let mut timer_fired = false;
    loop {
        let now = clock::unix_ms();
        let left = Duration::from_millis(deadline_ms.saturating_sub(now));
        tokio::select! {
            msg = io.rx.recv() => match msg {
                Some(ClientMsg::Unblocked(reply)) => {
                    wbuf.extend_from_slice(&reply);
                    return Flow::Continue;
                }
                Some(ClientMsg::Data(d)) => {
                    if io.stream.write_all(&d).await.is_err() {
                        shared.lock_core().await.blocking.unblock(client.id);
                        return Flow::Close;
                    }
                }
                Some(ClientMsg::Kill) | None => {
                    shared.lock_core().await.blocking.unblock(client.id);
                    return Flow::Close;
                }
            },
            r = io.stream.read_buf(io.rbuf) => {
                if matches!(r, Ok(0) | Err(_)) {
                    shared.lock_core().await.blocking.unblock(client.id);
                    return Flow::Close;
                }
            }
            _ = tokio::time::sleep(left), if deadline_ms != 0 && !timer_fired => {
                let mut core = shared.lock_core().await;
                match core.blocking.unblock(client.id) {
                    Some(blocked) => {
                        crate::blocking::write_timeout_reply(wbuf, &blocked);
                        return Flow::Continue;
                    }
                    // Served at the same moment: the reply is already on the channel.
                    None => timer_fired = true,
                }
            }
        }
    }
}

/// Copies what CLIENT LIST shows from the task's client into the shared handle (also
/// called by CLIENT LIST/INFO mid-batch, so a client sees its own current state).
pub(crate) fn sync_handle(core: &mut Core, client: &Client) {
    let now = clock::unix_ms();
    if let Some(h) = core.clients.get_mut(&client.id) {
        h.db = client.db;
        h.last_cmd = client.last_cmd;
        h.last_interaction_ms = now;
        h.sub = client.channels.len();
        h.psub = client.patterns.len();
        h.multi = client.multi.as_ref().map_or(-1, |m| m.queued.len() as i64);
        h.watch = client.watched.len();
        h.proto = client.proto;
        h.kind = if client.kind == ClientKind::Normal && client.subscription_count() > 0 {
            ClientKind::PubSub
        } else {
            client.kind
        };
        h.flag_bits = client_flags(client);
    }
}

/// CLIENT LIST flag letters for a client, as a bit set (rendered by `ClientHandle::flags`).
fn client_flags(client: &Client) -> u16 {
    use crate::client::flag_bits as F;
    let mut f = 0;
    match client.kind {
        ClientKind::Replica => f |= F::REPLICA,
        ClientKind::Master => f |= F::MASTER,
        _ => {}
    }
    if client.subscription_count() > 0 {
        f |= F::PUBSUB;
    }
    if client.multi.is_some() {
        f |= F::MULTI;
    }
    if client.monitor {
        f |= F::MONITOR;
    }
    if client.watch_flag.load(std::sync::atomic::Ordering::Relaxed) {
        f |= F::DIRTY_CAS;
    }
    if client.no_evict {
        f |= F::NO_EVICT;
    }
    if client.blocked {
        f |= F::BLOCKED;
    }
    f
}

/// The configuration a connection task needs outside the lock, refreshed when CONFIG SET
/// changes anything (`Core::config_epoch`), so reads never take the lock just for settings.
struct ConnSettings {
    limits: Limits,
    /// Limits before authentication (`requirepass` set): Redis refuses a `*` count above 10
    /// and a bulk above 16 KiB from a client that has not authenticated yet.
    unauth_limits: Limits,
    requirepass_set: bool,
    query_buffer_limit: usize,
    timeout_s: u64,
    epoch: u64,
}

impl ConnSettings {
    /// Until the core can be read: default limits, and an epoch that forces a read.
    fn provisional() -> ConnSettings {
        ConnSettings {
            limits: Limits::default(),
            unauth_limits: Limits::default(),
            requirepass_set: false,
            query_buffer_limit: 1 << 30,
            timeout_s: 0,
            epoch: u64::MAX,
        }
    }

    fn read(core: &Core) -> ConnSettings {
        let limits = Limits {
            max_bulk_len: core.config.proto_max_bulk_len,
            // Redis 7.0 accepts any `*` count up to INT_MAX (6.x stopped at 1024*1024);
            // arguments are still allocated only as their bytes arrive.
            max_multibulk_len: i32::MAX as u64,
            ..Limits::default()
        };
        ConnSettings {
            limits,
            unauth_limits: Limits {
                max_multibulk_len: UNAUTH_MAX_MULTIBULK_LEN,
                max_bulk_len: limits.max_bulk_len.min(UNAUTH_MAX_BULK_LEN),
                ..limits
            },
            requirepass_set: core.config.requirepass.is_some(),
            query_buffer_limit: core.config.client_query_buffer_limit as usize,
            timeout_s: core.config.timeout as u64,
            epoch: core.config_epoch,
        }
    }

    /// Idle timeout for this client; pub/sub, MONITOR and replication links never time out.
    fn idle_timeout_s(&self, client: &Client) -> u64 {
        if client.subscription_count() > 0 || client.monitor || client.kind != ClientKind::Normal {
            return 0;
        }
        self.timeout_s
    }
}

/// Redis's limits for a client that must authenticate and has not (`networking.c`).
const UNAUTH_MAX_MULTIBULK_LEN: u64 = 10;
const UNAUTH_MAX_BULK_LEN: u64 = 16384;

/// The text of a protocol error met under the unauthenticated limits: a length that only
/// those limits refuse is reported as Redis reports it. The parser leaves the offending
/// `*` or `$` line at the front of `rbuf`, so it can be read again here.
fn unauthenticated_error(e: ProtocolError, rbuf: &[u8], limits: &Limits) -> String {
    let declared = || {
        let cr = rbuf.iter().position(|&b| b == b'\r')?;
        crate::keyspace::parse_i64_strict(&rbuf[1..cr])
    };
    match (e, rbuf.first()) {
        (ProtocolError::InvalidMultibulkLength, Some(b'*'))
            if declared().is_some_and(|n| n as u64 <= limits.max_multibulk_len) =>
        {
            "Protocol error: unauthenticated multibulk length".into()
        }
        (ProtocolError::InvalidBulkLength, Some(b'$'))
            if declared().is_some_and(|n| n >= 0 && n as u64 <= limits.max_bulk_len) =>
        {
            "Protocol error: unauthenticated bulk length".into()
        }
        _ => e.to_string(),
    }
}

/// Admits a new connection and registers it; `Ok(false)` when a busy script holds the lock
/// (the connection may still send SCRIPT KILL: it is admitted once the lock is free).
async fn register(shared: &Shared, client: &mut Client, peer: &Peer) -> Result<bool, String> {
    loop {
        if let Some(mut core) = shared.core.try_lock_for(Duration::from_millis(2)) {
            return admit(shared, &mut core, client, peer).map(|()| true);
        }
        if shared.script_watch.is_busy() {
            return Ok(false);
        }
        tokio::task::yield_now().await;
    }
}

/// maxclients, protected mode, then the client's entry in the core.
fn admit(shared: &Shared, core: &mut Core, client: &mut Client, peer: &Peer) -> Result<(), String> {
    if core.clients.len() >= core.config.maxclients as usize {
        core.stats.rejected_connections += 1;
        return Err(format!("-{}\r\n", crate::errors::MAX_CLIENTS));
    }
    if core.config.protected_mode
        && core.config.requirepass.is_none()
        && !peer.is_loopback_or_unix
        && core
            .config
            .bind
            .iter()
            .any(|b| b == "*" || b == "-::*" || b == "::*" || b == "0.0.0.0")
    {
        core.stats.rejected_connections += 1;
        return Err(format!("-{}\r\n", crate::errors::DENIED_PROTECTED));
    }
    core.stats.total_connections_received += 1;
    client.authenticated = core.config.requirepass.is_none();
    let now = clock::unix_ms();
    core.clients.insert(
        client.id,
        ClientHandle {
            id: client.id,
            addr: peer.addr.clone(),
            laddr: peer.laddr.clone(),
            fd: peer.fd,
            name: None,
            kind: ClientKind::Normal,
            db: 0,
            created_ms: now,
            last_interaction_ms: now,
            last_cmd: "NULL",
            sub: 0,
            psub: 0,
            multi: -1,
            watch: 0,
            proto: client.proto,
            flag_bits: 0,
            tx: client.tx.clone(),
        },
    );
    shared
        .connected_clients
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Forgets a closed connection everywhere it was registered.
async fn unregister(shared: &Shared, client: &mut Client) {
    let mut core = shared.lock_core().await;
    cmd::multi::unwatch_all(&mut core, client);
    for ch in client.channels.drain() {
        core.pubsub.unsubscribe(&ch, client.id);
    }
    for p in client.patterns.drain() {
        core.pubsub.punsubscribe(&p, client.id);
    }
    core.monitors.retain(|(id, _)| *id != client.id);
    if core.replication.replicas.remove(&client.id).is_some() {
        log!(Notice, "Connection with replica {} lost.", client.addr);
        if core.replication.replicas.is_empty() {
            core.replication.no_replicas_since_ms = clock::unix_ms();
        }
        // What only this replica still needed leaves the backlog now.
        core.replication.retrim_backlog();
    }
    core.clients.remove(&client.id);
    shared
        .connected_clients
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
}

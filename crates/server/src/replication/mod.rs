//! Replication drivers: the stream every write appends to (with the backlog and the replicas'
//! queues fed from it), the master's side of SYNC/PSYNC (`master.rs`) and the replica's link to
//! its master (`replica.rs`). The decisions (PSYNC, ID history, backlog addressing, handshake)
//! live in `ferrodis-repl`; this module does the I/O around them.
//!
//! One order: the stream is appended inside the core lock, in the order writes happen
//! (design.md). A chunk of stream is one `Bytes`: the backlog and every replica's queue hold
//! clones of it, nothing is copied per replica.

pub mod failover;
pub mod master;
pub mod replica;

use crate::client::{ClientId, ClientMsg};
use bytes::{Bytes, BytesMut};
use ferrodis_repl::{Backlog, ReplIds};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc::UnboundedSender;

/// The largest chunk of stream the backlog and the replicas' queues share.
const CHUNK_BYTES: usize = 16 * 1024;

/// A replica attached to this server, as the master sees it.
pub struct ReplicaInfo {
    /// The replica's IP (or `replica-announce-ip` it sent with REPLCONF ip-address).
    pub ip: String,
    /// REPLCONF listening-port.
    pub listening_port: u16,
    pub state: ReplicaState,
    /// The offset of its last REPLCONF ACK.
    pub ack_offset: u64,
    /// When its last ACK (or any data) arrived, unix ms.
    pub ack_time_ms: u64,
    pub tx: UnboundedSender<ClientMsg>,
    /// Stream bytes queued for this replica and not yet written to its socket (its output
    /// buffer, for `client-output-buffer-limit replica`). The connection task subtracts what
    /// it writes.
    pub queued: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Since when the soft limit has been exceeded, unix ms (0: it is not).
    pub soft_since_ms: u64,
    pub addr: String,
    pub client_id: ClientId,
}

/// A replica's sync state (INFO `state=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Waiting for the snapshot to start (diskless delay).
    WaitBgsave,
    /// A diskless RDB is being streamed; the stream is queued behind it. INFO calls it
    /// `wait_bgsave`, as Redis (its replica waits for the fork child that writes the socket).
    StreamingRdb,
    /// The RDB file is being sent; the stream is queued behind it.
    SendBulk,
    Online,
}

impl ReplicaInfo {
    /// The entry for a client that just became a replica (what it said with REPLCONF).
    pub fn for_client(
        client: &crate::client::Client,
        state: ReplicaState,
        ack_offset: u64,
    ) -> ReplicaInfo {
        ReplicaInfo {
            ip: client
                .repl_ip
                .clone()
                .unwrap_or_else(|| master::peer_ip(&client.addr)),
            listening_port: client.repl_listening_port,
            state,
            ack_offset,
            ack_time_ms: crate::clock::unix_ms(),
            tx: client.tx.clone(),
            queued: client.repl_queued.clone(),
            soft_since_ms: 0,
            addr: client.addr.clone(),
            client_id: client.id,
        }
    }

    /// Redis's checkClientOutputBufferLimits for a replica: over the hard limit, or over the
    /// soft one for longer than its seconds.
    fn over_obuf_limit(
        &mut self,
        queued: u64,
        (hard, soft, soft_s): (u64, u64, u64),
        now: u64,
    ) -> bool {
        if hard > 0 && queued >= hard {
            return true;
        }
        if soft > 0 && queued >= soft {
            if self.soft_since_ms == 0 {
                self.soft_since_ms = now;
            }
            return now.saturating_sub(self.soft_since_ms) >= soft_s * 1000;
        }
        self.soft_since_ms = 0;
        false
    }
}

impl ReplicaState {
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsave | ReplicaState::StreamingRdb => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }
}

/// This server's replication state: the stream, the backlog, attached replicas, and (on a
/// replica) the link to its master.
pub struct Replication {
    pub ids: ReplIds,
    /// Stream bytes produced (or, on a replica, received from the master and applied).
    pub master_repl_offset: u64,
    /// The database the stream last SELECTed (-1: the next effect selects).
    pub stream_db: i64,
    /// True once there is a backlog: only then are effects recorded (as Redis).
    pub active: bool,
    /// Stream bytes appended since the last `flush`.
    pub pending: BytesMut,
    pub backlog: Option<Backlog>,
    pub replicas: BTreeMap<ClientId, ReplicaInfo>,
    pub sync_full: u64,
    pub sync_partial_ok: u64,
    pub sync_partial_err: u64,
    /// Full syncs being transferred (counted in INFO rdb_bgsave_in_progress, as Redis's
    /// replication BGSAVE is).
    pub transfers: usize,
    /// Set while a replica applies its master's commands: their effects are not recorded, the
    /// master's own bytes are forwarded instead (`feed_raw`), so sub-replicas get identical
    /// bytes at identical offsets.
    pub applying_master_stream: bool,
    /// The replica role, when this server follows a master.
    pub master: Option<replica::MasterLink>,
    /// Bumped at every REPLICAOF: a link task whose epoch is old stops.
    pub link_epoch: u64,
    /// Clients waiting in WAIT are woken when an ACK arrives.
    pub ack_notify: std::sync::Arc<tokio::sync::Notify>,
    /// The master asked for an ACK (REPLCONF GETACK); the link task sends it.
    pub ack_requested: bool,
    /// This server's replid/offset describe data it holds (it synced, was a master with a
    /// backlog, or loaded them from its RDB): a replica may then ask for a partial resync.
    pub psync_possible: bool,
    /// Keys clients wrote with a TTL on this (writable) replica: expired by the replica's own
    /// cron (INFO slave_expires_tracked_keys).
    pub replica_keys_with_expire: std::collections::HashSet<(usize, crate::keyspace::Key)>,
    /// When the last replica went away (unix ms; 0 while some are attached): the backlog is
    /// freed after `repl-backlog-ttl` seconds without replicas.
    pub no_replicas_since_ms: u64,
    /// Set while a connection runs a batch: `propagate_effects` leaves the flush to the end of
    /// the batch (one chunk per batch).
    pub defer_flush: bool,
    /// When waiting diskless replicas were last told to start (max-replicas reached), unix ms.
    pub diskless_go_ms: u64,
    /// A FAILOVER in progress (INFO master_failover_state).
    pub failover: Option<failover::Failover>,
    /// The next handshake ends its PSYNC with FAILOVER.
    pub failover_psync: bool,
    /// On a replica: the database the master's stream last selected (kept across partial
    /// resyncs, which continue the stream without repeating the SELECT).
    pub master_db: usize,
    /// When the master last put a PING in the stream, unix ms.
    pub last_ping_ms: u64,
    /// `client-output-buffer-limit replica`, refreshed from the config at every flush caller's
    /// CONFIG SET (hard bytes, soft bytes, soft seconds; 0 = none).
    pub replica_obuf_limit: (u64, u64, u64),
}

impl Replication {
    pub fn new(replid: String) -> Replication {
        Replication {
            ids: ReplIds::new(replid),
            master_repl_offset: 0,
            stream_db: -1,
            active: false,
            pending: BytesMut::new(),
            backlog: None,
            replicas: BTreeMap::new(),
            sync_full: 0,
            sync_partial_ok: 0,
            sync_partial_err: 0,
            transfers: 0,
            applying_master_stream: false,
            master: None,
            link_epoch: 0,
            ack_notify: Default::default(),
            ack_requested: false,
            psync_possible: false,
            // The first PING comes one period after start (Redis pings when its cron loop count
            // is a multiple of the period).
            last_ping_ms: crate::clock::unix_ms(),
            replica_obuf_limit: (256 << 20, 64 << 20, 60),
            master_db: 0,
            failover: None,
            failover_psync: false,
            replica_keys_with_expire: Default::default(),
            no_replicas_since_ms: crate::clock::unix_ms(),
            diskless_go_ms: 0,
            defer_flush: false,
        }
    }

    /// Appends one effect, preceded by a SELECT when the stream's database changes.
    pub fn feed<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        if !self.active {
            return;
        }
        if self.stream_db != db as i64 {
            let mut itoa = itoa::Buffer::new();
            let dbs = itoa.format(db);
            let before = self.pending.len();
            ferrodis_resp::write_command(&mut self.pending, &[&b"SELECT"[..], dbs.as_bytes()]);
            self.master_repl_offset += (self.pending.len() - before) as u64;
            self.stream_db = db as i64;
        }
        let before = self.pending.len();
        ferrodis_resp::write_command(&mut self.pending, args);
        self.master_repl_offset += (self.pending.len() - before) as u64;
    }

    /// Appends bytes of the master's stream verbatim (a replica forwarding to its replicas).
    pub fn feed_raw(&mut self, bytes: &[u8]) {
        self.master_repl_offset += bytes.len() as u64;
        if self.active {
            self.pending.extend_from_slice(bytes);
        }
    }

    /// Moves what was appended into the backlog and every attached replica's queue.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        // Exact-size copies of at most CHUNK_BYTES (Redis's 16 KB reply blocks): chunks split
        // off a growing buffer would keep its whole allocation alive while any of them is
        // queued, and small chunks let the backlog give memory back at a fine grain.
        let pending = std::mem::take(&mut self.pending);
        for piece in pending.chunks(CHUNK_BYTES) {
            self.flush_chunk(Bytes::copy_from_slice(piece));
        }
        self.pending = pending;
        self.pending.clear();
    }

    fn flush_chunk(&mut self, chunk: Bytes) {
        // A replica still waiting for its snapshot gets nothing: its stream starts at the
        // snapshot's offset.
        let now = crate::clock::unix_ms();
        let (mut hard, soft, soft_s) = self.replica_obuf_limit;
        // As Redis 7: a replica's hard limit is never below the backlog size (it shares the
        // backlog's memory, and a lower limit would only cause psync loops).
        let backlog_size = self.backlog.as_ref().map_or(0, |b| b.size());
        if hard > 0 {
            hard = hard.max(backlog_size);
        }
        let limit = (hard, soft, soft_s);
        let mut max_queued = 0;
        for r in self.replicas.values_mut() {
            if r.state == ReplicaState::WaitBgsave {
                continue;
            }
            let _ = r.tx.send(ClientMsg::Data(chunk.clone()));
            let queued =
                r.queued.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            max_queued = max_queued.max(queued);
            if r.over_obuf_limit(queued, limit, now) {
                crate::log!(
                    Warning,
                    "Client id={} addr={} laddr=? fd=? name= age=? idle=? flags=S db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem={queued} tot-mem=0 events=r cmd=psync user=default redir=-1 resp=2 closed for overcoming of output buffer limits.",
                    r.client_id,
                    r.addr
                );
                let _ = r.tx.send(ClientMsg::Kill);
            }
        }
        // The floor first (it includes this chunk), then the chunk: appending first would trim
        // to the old floor and drop a chunk the slowest replica still needs.
        if let Some(b) = self.backlog.as_mut() {
            b.set_floor(max_queued);
            b.append(chunk);
        }
    }

    /// Creates the backlog (first replica, or a replica's first sync), as Redis's
    /// createReplicationBacklog: it starts at the current offset.
    pub fn ensure_backlog(&mut self, size: u64) {
        if self.backlog.is_none() {
            self.backlog = Some(Backlog::new(size, self.master_repl_offset));
            self.active = true;
        }
    }

    /// True on a replica whose link to its master is established.
    pub fn link_up(&self) -> bool {
        self.master
            .as_ref()
            .is_some_and(|m| m.state == replica::LinkState::Connected)
    }

    /// Puts `REPLCONF GETACK *` in the stream, so every replica acknowledges now (WAIT).
    pub fn request_acks(&mut self) {
        if !self.active || self.replicas.is_empty() {
            return;
        }
        // Not tied to a database: no SELECT needed before it.
        self.feed_raw(b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
        self.flush();
    }

    /// Closes the link to our master now (CLIENT KILL TYPE master, REPLICAOF): the link task
    /// notices and reconnects.
    pub fn shutdown_master_socket(&mut self) {
        if let Some(sock) = self.master.as_mut().and_then(|m| m.socket.take()) {
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets the backlog shrink back as replicas catch up or leave (cron).
    pub fn retrim_backlog(&mut self) {
        let max_queued = self
            .replicas
            .values()
            .map(|r| r.queued.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        if let Some(b) = self.backlog.as_mut() {
            b.set_floor(max_queued);
        }
    }

    /// Replicas whose ACK reached `offset` (WAIT).
    pub fn replicas_acked(&self, offset: u64) -> usize {
        self.replicas
            .values()
            .filter(|r| r.state == ReplicaState::Online && r.ack_offset >= offset)
            .count()
    }

    /// Replicas online whose last ACK is at most `max_lag_s` old (min-replicas-to-write).
    pub fn good_replicas(&self, now_ms: u64, max_lag_s: u64) -> usize {
        self.replicas
            .values()
            .filter(|r| {
                r.state == ReplicaState::Online
                    && now_ms.saturating_sub(r.ack_time_ms) <= max_lag_s * 1000
            })
            .count()
    }
}

/// A fresh 40-hex-character replication ID.
pub fn random_replid() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..40)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// INFO's replication section, field for field as Redis 7.0 prints it.
pub fn info(core: &crate::server::Core) -> String {
    use std::fmt::Write as _;
    let r = &core.replication;
    let now = crate::clock::unix_ms();
    let mut s = String::with_capacity(512);
    match &r.master {
        None => s.push_str("role:master\r\n"),
        Some(m) => {
            let up = m.state == replica::LinkState::Connected;
            let _ = write!(
                s,
                "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\nmaster_sync_in_progress:{}\r\nslave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
                m.host,
                m.port,
                if up { "up" } else { "down" },
                if up {
                    (now.saturating_sub(m.last_io_ms) / 1000) as i64
                } else {
                    -1
                },
                (m.state == replica::LinkState::Transfer) as u8,
                m.read_offset.max(r.master_repl_offset),
                r.master_repl_offset,
            );
            if m.state == replica::LinkState::Transfer {
                let total = m.sync_total_bytes;
                let read = m.sync_read_bytes;
                let left = if total >= 0 { total - read as i64 } else { -1 };
                let perc = if total > 0 {
                    read as f64 * 100.0 / total as f64
                } else {
                    0.0
                };
                let _ = write!(
                    s,
                    "master_sync_total_bytes:{total}\r\nmaster_sync_read_bytes:{read}\r\nmaster_sync_left_bytes:{left}\r\nmaster_sync_perc:{perc:.2}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
                    now.saturating_sub(m.last_io_ms) / 1000
                );
            }
            if !up {
                let _ = write!(
                    s,
                    "master_link_down_since_seconds:{}\r\n",
                    if m.down_since_ms == 0 {
                        -1
                    } else {
                        (now.saturating_sub(m.down_since_ms) / 1000) as i64
                    }
                );
            }
            let _ = write!(
                s,
                "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
                core.config.replica_priority,
                core.config.replica_read_only as u8,
                core.config.replica_announced as u8,
            );
        }
    }
    let _ = write!(s, "connected_slaves:{}\r\n", r.replicas.len());
    for (i, info) in r.replicas.values().enumerate() {
        let lag = now.saturating_sub(info.ack_time_ms) / 1000;
        let _ = write!(
            s,
            "slave{i}:ip={},port={},state={},offset={},lag={}\r\n",
            info.ip,
            info.listening_port,
            info.state.name(),
            info.ack_offset,
            lag
        );
    }
    let (first, histlen) = r.backlog.as_ref().map_or((0, 0), |b| b.range());
    let _ = write!(
        s,
        "master_failover_state:{}\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
        failover::state_name(r.failover.as_ref()),
        r.ids.replid,
        r.ids.replid2,
        r.master_repl_offset,
        r.ids.second_offset,
        r.backlog.is_some() as u8,
        core.config.repl_backlog_size,
        first,
        histlen,
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (Tcl replication-buffer "backlog can outgrow the backlog limit"): the
    /// backlog must keep everything the slowest replica still has queued, including the chunk
    /// just flushed (appending before raising the floor trimmed one chunk too many).
    #[test]
    fn backlog_keeps_every_byte_a_slow_replica_has_queued() {
        let mut r = Replication::new("a".repeat(40));
        r.ensure_backlog(16);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let queued: std::sync::Arc<std::sync::atomic::AtomicU64> = Default::default();
        r.replicas.insert(
            7,
            ReplicaInfo {
                ip: "127.0.0.1".into(),
                listening_port: 1,
                state: ReplicaState::SendBulk,
                ack_offset: 0,
                ack_time_ms: 0,
                tx,
                queued: queued.clone(),
                soft_since_ms: 0,
                addr: "127.0.0.1:1".into(),
                client_id: 7,
            },
        );
        r.replica_obuf_limit = (0, 0, 0);
        for _ in 0..5 {
            r.feed_raw(&[b'x'; 100]);
            r.flush();
        }
        let (first, histlen) = r.backlog.as_ref().unwrap().range();
        assert_eq!(queued.load(Ordering::Relaxed), 500);
        assert_eq!(
            (first, histlen),
            (1, 500),
            "the slow replica's 500 bytes are all kept"
        );
        // Once it is gone, the backlog shrinks back to its size.
        r.replicas.clear();
        r.retrim_backlog();
        assert_eq!(r.backlog.as_ref().unwrap().range(), (485, 16));
    }
}

//! The master's side: a full resync's RDB transfer (to disk then over the socket, or diskless
//! with `$EOF:` framing), and WAIT. The PSYNC decision itself is `ferrodis_repl::decide_psync`,
//! taken by the command handler (`cmd/repl.rs`) under the core lock.

use super::{ReplicaInfo, ReplicaState};
use crate::client::{Client, ClientMsg};
use crate::persist::{SaveProgress, Snapshot};
use crate::server::Shared;
use crate::{clock, log};
use std::io::Write;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// The connection's pushed-message side, lent to a full sync: stream chunks arriving during
/// the transfer are kept (shared, not copied) and written after the RDB; a Kill aborts it.
pub struct Pushed<'a> {
    pub rx: &'a mut mpsc::UnboundedReceiver<ClientMsg>,
}

/// Bytes per chunk handed from the serializing thread to the socket.
const CHUNK_BYTES: usize = 64 * 1024;

/// Sends a full resync to a replica: (after `repl-diskless-sync-delay` for diskless) takes the
/// snapshot and registers the replica at its offset, in one lock hold, so the stream queued
/// behind the RDB starts exactly where the snapshot ends; then transfers the RDB. On return the
/// connection streams what was queued. Err: the connection is to be closed.
pub async fn full_sync<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Shared,
    stream: &mut S,
    rbuf: &mut bytes::BytesMut,
    client: &Client,
    pushed: &mut Pushed<'_>,
    psync: bool,
    capa_eof: bool,
) -> Result<(), ()> {
    let (diskless, delay_s) = {
        let core = shared.lock_core().await;
        (
            core.config.repl_diskless_sync && capa_eof,
            core.config.repl_diskless_sync_delay,
        )
    };
    let info = ReplicaInfo::for_client(client, ReplicaState::WaitBgsave, 0);
    shared
        .core
        .lock()
        .replication
        .replicas
        .insert(client.id, info);
    if diskless && delay_s > 0 {
        // Let other replicas arrive (Redis shares one transfer among them; our snapshots are
        // cheap, so each gets its own), unless `repl-diskless-sync-max-replicas` are already
        // waiting. Newlines keep the link alive.
        let started = tokio::time::Instant::now();
        let waiting_since_ms = clock::unix_ms();
        let mut newline_at = started + Duration::from_secs(1);
        while started.elapsed() < Duration::from_secs(delay_s as u64) {
            let go = {
                let mut core = shared.lock_core().await;
                let max = core.config.repl_diskless_sync_max_replicas as usize;
                let r = &mut core.replication;
                let waiting = r
                    .replicas
                    .values()
                    .filter(|r| r.state == ReplicaState::WaitBgsave)
                    .count();
                if max > 0 && waiting >= max {
                    // Every replica waiting now starts too, not only the one that noticed.
                    r.diskless_go_ms = clock::unix_ms();
                }
                r.diskless_go_ms >= waiting_since_ms
            };
            if go {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            if tokio::time::Instant::now() >= newline_at {
                newline_at += Duration::from_secs(1);
                stream.write_all(b"\n").await.map_err(|_| ())?;
            }
        }
    }
    let (snapshot, replid, offset, filename) = {
        let mut core = shared.lock_core().await;
        let snapshot = Snapshot::take(&core);
        let replid = core.replication.ids.replid.clone();
        let offset = core.replication.master_repl_offset;
        match core.replication.replicas.get_mut(&client.id) {
            Some(r) => {
                r.state = if diskless {
                    ReplicaState::StreamingRdb
                } else {
                    ReplicaState::SendBulk
                }
            }
            // Killed while waiting.
            None => return Err(()),
        }
        core.replication.transfers += 1;
        // The new replica's master client starts in db 0, so the stream after the snapshot
        // must SELECT again (Redis's replicationSetupSlaveForFullResync forgets slaveseldb).
        core.replication.stream_db = -1;
        let id = core.persistence.next_id();
        let target = if diskless { "replicas sockets" } else { "disk" };
        log!(Notice, "Starting BGSAVE for SYNC with target: {target}");
        (
            snapshot,
            replid,
            offset,
            (core.config.dbfilename.clone(), id),
        )
    };
    // The stream queued meanwhile is kept for after the RDB; a CLIENT KILL ends the transfer.
    let mut queued: Vec<bytes::Bytes> = Vec::new();
    let mut result = {
        // The socket is watched while the RDB goes out: a replica that goes away mid-transfer
        // is noticed at once, not when the (maybe slow) snapshot next produces bytes.
        let (mut reader, mut writer) = tokio::io::split(&mut *stream);
        let sending = transfer(
            &mut writer,
            snapshot,
            psync,
            diskless,
            &replid,
            offset,
            filename,
        );
        tokio::pin!(sending);
        let mut peer_open = true;
        loop {
            tokio::select! {
                r = &mut sending => break r,
                msg = pushed.rx.recv() => match msg {
                    Some(ClientMsg::Data(d) | ClientMsg::Unblocked(d)) => queued.push(d),
                    Some(ClientMsg::Kill) | None => break Err("killed".to_string()),
                },
                r = reader.read_buf(rbuf), if peer_open => match r {
                    Ok(0) | Err(_) => break Err("the replica closed the connection".to_string()),
                    // Anything it sends early is kept for the command loop.
                    Ok(_) => peer_open = rbuf.len() < (1 << 20),
                },
            }
        }
    };
    if result.is_ok() && diskless && rbuf.is_empty() {
        // After an EOF-framed transfer the replica cannot tell RDB bytes from stream bytes
        // that follow the mark, so (as Redis) the stream starts once it acknowledges.
        let timeout =
            Duration::from_secs(shared.lock_core().await.config.repl_timeout.max(1) as u64);
        result = match tokio::time::timeout(timeout, stream.read_buf(rbuf)).await {
            Ok(Ok(n)) if n > 0 => Ok(()),
            Ok(_) => Err("connection lost waiting for the first ACK".into()),
            Err(_) => Err("timeout waiting for the first ACK".into()),
        };
    }
    if result.is_ok() {
        // The stream that queued up behind the RDB, oldest first.
        for chunk in queued {
            if let Err(e) = stream.write_all(&chunk).await {
                result = Err(e.to_string());
                break;
            }
            let _ = client.repl_queued.fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |q| Some(q.saturating_sub(chunk.len() as u64)),
            );
        }
    }
    let mut core = shared.lock_core().await;
    core.replication.transfers -= 1;
    match result {
        Ok(()) => {
            if let Some(r) = core.replication.replicas.get_mut(&client.id) {
                r.state = ReplicaState::Online;
                r.ack_time_ms = clock::unix_ms();
            }
            log!(
                Notice,
                "Synchronization with replica {} succeeded",
                client.addr
            );
            Ok(())
        }
        Err(e) => {
            log!(
                Warning,
                "Failed to send the RDB to replica {}: {e}",
                client.addr
            );
            Err(())
        }
    }
}

async fn transfer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    snapshot: Snapshot,
    psync: bool,
    diskless: bool,
    replid: &str,
    offset: u64,
    (filename, save_id): (String, u64),
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    if psync {
        let line = format!("+FULLRESYNC {replid} {offset}\r\n");
        stream.write_all(line.as_bytes()).await.map_err(io)?;
    }
    if diskless {
        let mark = super::random_replid();
        stream
            .write_all(format!("$EOF:{mark}\r\n").as_bytes())
            .await
            .map_err(io)?;
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(8);
        let writer = tokio::task::spawn_blocking(move || {
            let out = ChannelWriter {
                tx,
                buf: Vec::with_capacity(CHUNK_BYTES),
            };
            snapshot
                .write_to(out, &SaveProgress::default())
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        while let Some(chunk) = rx.recv().await {
            stream.write_all(&chunk).await.map_err(io)?;
        }
        writer.await.map_err(|e| e.to_string())??;
        stream.write_all(mark.as_bytes()).await.map_err(io)?;
        return Ok(());
    }
    // Disk: the snapshot is written to a file of its own (other transfers and saves may be
    // writing `dbfilename` at the same time), with a newline every second to keep the
    // replica's read from timing out; the file is sent as a bulk, then becomes the RDB file
    // (as Redis's BGSAVE for replication leaves it).
    let mut save = tokio::task::spawn_blocking(move || {
        snapshot
            .save_to_temp(save_id, &SaveProgress::default())
            .map_err(|e| e.to_string())
    });
    let temp = loop {
        tokio::select! {
            done = &mut save => break done.map_err(|e| e.to_string())??,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                stream.write_all(b"\n").await.map_err(io)?;
            }
        }
    };
    let sent = send_file(stream, &temp).await;
    if sent.is_ok() {
        let _ = crate::persist::install(&temp, &filename);
    }
    let _ = tokio::fs::remove_file(&temp).await;
    sent
}

async fn send_file<S: AsyncWrite + Unpin>(
    stream: &mut S,
    path: &std::path::Path,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    log!(Notice, "Background RDB transfer started");
    stream
        .write_all(format!("${len}\r\n").as_bytes())
        .await
        .map_err(io)?;
    // Large reads off the async threads (tokio's File hops to a thread per small read).
    let mut buf = vec![0u8; 1 << 20];
    let mut sent = 0u64;
    loop {
        let n =
            tokio::task::block_in_place(|| std::io::Read::read(&mut file, &mut buf)).map_err(io)?;
        if n == 0 {
            break;
        }
        stream.write_all(&buf[..n]).await.map_err(io)?;
        sent += n as u64;
    }
    if sent != len {
        return Err(format!(
            "RDB file changed size while sent ({sent} of {len} bytes)"
        ));
    }
    Ok(())
}

/// Hands serialized RDB bytes to the async side in chunks (a full channel makes the serializer
/// wait: the socket paces the snapshot, nothing piles up in memory).
struct ChannelWriter {
    tx: mpsc::Sender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_BYTES));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "replica gone"))
    }
}

/// The IP part of `ip:port` (or `[v6]:port`).
pub fn peer_ip(addr: &str) -> String {
    match addr.rsplit_once(':') {
        Some((ip, _)) => ip.trim_start_matches('[').trim_end_matches(']').to_string(),
        None => addr.to_string(),
    }
}

/// WAIT: until `replicas` replicas acknowledged `offset` or the deadline (unix ms, 0 = none);
/// returns how many did.
pub async fn wait_for_acks(
    shared: &Shared,
    offset: u64,
    replicas: usize,
    deadline_ms: u64,
) -> usize {
    loop {
        let notify = {
            let core = shared.lock_core().await;
            let acked = core.replication.replicas_acked(offset);
            if acked >= replicas || (deadline_ms != 0 && clock::unix_ms() >= deadline_ms) {
                return acked;
            }
            std::sync::Arc::clone(&core.replication.ack_notify)
        };
        let left = if deadline_ms == 0 {
            Duration::from_millis(100)
        } else {
            Duration::from_millis(deadline_ms.saturating_sub(clock::unix_ms()).clamp(1, 100))
        };
        let _ = tokio::time::timeout(left, notify.notified()).await;
    }
}

//! The replica's side: one task per `REPLICAOF`, which connects to the master, runs the
//! handshake (`ferrodis_repl::Handshake`), receives a full resync's RDB into a file and loads it
//! off the lock while the old data keeps being served, then applies the master's stream through
//! the ordinary command path and forwards its bytes verbatim to its own replicas. Reconnects
//! every second after a failure, asking for a partial resync from where it stopped.

use crate::client::{Client, ClientHandle, ClientKind, ClientMsg};
use crate::persist::LoadProgress;
use crate::persist::load::{LoadOptions, load_stream};
use crate::server::{Core, Shared};
use crate::{clock, cmd, log};
use bytes::BytesMut;
use ferrodis_repl::{Handshake, HandshakeStep, PsyncReply};
use ferrodis_resp::{Limits, RequestParser};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// The link's state, as ROLE and INFO show it (Redis's repl_state, collapsed as ROLE does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connect,
    Connecting,
    Handshake,
    /// Receiving and loading the RDB of a full resync.
    Transfer,
    Connected,
}

impl LinkState {
    /// ROLE's names.
    pub fn role_name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// The replica's view of its master.
pub struct MasterLink {
    pub host: String,
    pub port: u16,
    pub state: LinkState,
    /// Last time anything arrived from the master, unix ms.
    pub last_io_ms: u64,
    /// When the link went down (unix ms); 0 while up.
    pub down_since_ms: u64,
    /// Stream bytes read from the master (applied or not yet): INFO slave_read_repl_offset.
    pub read_offset: u64,
    /// Full sync transfer progress: total bytes (-1 unknown: EOF framing) and bytes read.
    pub sync_total_bytes: i64,
    pub sync_read_bytes: u64,
    /// The master client's id while connected (CLIENT LIST / CLIENT KILL TYPE master).
    pub client_id: Option<crate::client::ClientId>,
    /// A second handle on the master link's socket, to shut it down without the link task
    /// (which may be waiting for the core lock).
    pub socket: Option<std::net::TcpStream>,
    /// This link (this REPLICAOF) has synced at least once: the data we hold came from this
    /// master (see `replica-protect-from-empty-master`).
    pub synced_before: bool,
}

impl MasterLink {
    fn new(host: String, port: u16) -> MasterLink {
        MasterLink {
            host,
            port,
            state: LinkState::Connect,
            last_io_ms: 0,
            down_since_ms: clock::unix_ms(),
            read_offset: 0,
            sync_total_bytes: -1,
            sync_read_bytes: 0,
            client_id: None,
            socket: None,
            synced_before: false,
        }
    }
}

/// REPLICAOF host port: follow a (new) master. The data stays until a full resync replaces it.
pub fn follow(core: &mut Core, host: String, port: u16) {
    if core.replication.master.is_none() && core.replication.active {
        // A master turning replica keeps its history: it may continue partially (PSYNC2).
        core.replication.psync_possible = true;
    }
    drop_master_client(core);
    core.replication.link_epoch += 1;
    core.replication.master = Some(MasterLink::new(host.clone(), port));
    crate::log::set_replica_role(true);
    core.config.replicaof = Some(ferrodis_config::ReplicaOf { host, port });
    unblock_all_clients(core);
    let epoch = core.replication.link_epoch;
    if let Some(shared) = core.shared.upgrade() {
        tokio::spawn(run_link(shared, epoch));
    }
}

/// REPLICAOF NO ONE: become a master. The master's ID stays valid as our secondary ID up to
/// the current offset, so our replicas and the old master's other replicas continue with a
/// partial resync (PSYNC2).
pub fn promote(core: &mut Core) {
    drop_master_client(core);
    core.replication.link_epoch += 1;
    core.replication.master = None;
    core.config.replicaof = None;
    crate::log::set_replica_role(false);
    let r = &mut core.replication;
    let offset = r.master_repl_offset;
    r.ids.shift(super::random_replid(), offset);
    r.stream_db = -1;
    r.ensure_backlog(core.config.repl_backlog_size);
    // Our replicas must learn the new ID: disconnected, they reconnect and continue
    // partially (+CONTINUE <new id>), as Redis's replicationUnsetMaster does.
    for info in r.replicas.values() {
        let _ = info.tx.send(ClientMsg::Kill);
    }
    log!(
        Notice,
        "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
        r.ids.replid2,
        r.ids.second_offset,
        r.ids.replid
    );
    unblock_all_clients(core);
}

/// Clients blocked in BLPOP & co. are released with -UNBLOCKED when the role changes, as Redis
/// does (their command may no longer be valid).
fn unblock_all_clients(core: &mut Core) {
    let ids: Vec<_> = core.clients.keys().copied().collect();
    for id in ids {
        if core.blocking.unblock(id).is_some()
            && let Some(h) = core.clients.get(&id)
        {
            let _ = h.tx.send(ClientMsg::Unblocked(bytes::Bytes::from_static(
                b"-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n",
            )));
        }
    }
}

fn drop_master_client(core: &mut Core) {
    core.replication.shutdown_master_socket();
    if let Some(id) = core.replication.master.as_ref().and_then(|m| m.client_id)
        && let Some(h) = core.clients.remove(&id)
    {
        let _ = h.tx.send(ClientMsg::Kill);
    }
}

async fn current(shared: &Shared, epoch: u64) -> bool {
    shared.lock_core().await.replication.link_epoch == epoch
}

async fn set_state(shared: &Shared, epoch: u64, state: LinkState) -> bool {
    let mut core = shared.lock_core().await;
    if core.replication.link_epoch != epoch {
        return false;
    }
    if let Some(m) = core.replication.master.as_mut() {
        m.state = state;
    }
    true
}

/// The link task: connect, sync, stream; on failure wait a second and start again.
pub async fn run_link(shared: Arc<Shared>, epoch: u64) {
    loop {
        if !current(&shared, epoch).await {
            return;
        }
        let result = link_once(&shared, epoch).await;
        {
            let mut core = shared.lock_core().await;
            if core.replication.link_epoch != epoch {
                return;
            }
            if let Err(e) = result {
                log!(Warning, "{e}");
                if core.replication.failover.is_some() {
                    super::failover::abort(&mut core, "Failover target rejected psync request");
                    return;
                }
            }
            drop_master_client(&mut core);
            if let Some(m) = core.replication.master.as_mut() {
                if m.state == LinkState::Connected {
                    log!(Notice, "Connection with master lost.");
                    log!(Notice, "* Caching the disconnected master state.");
                    m.down_since_ms = clock::unix_ms();
                }
                m.state = LinkState::Connect;
                m.client_id = None;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What the link needs from the config, read once per connection attempt.
struct LinkConfig {
    host: String,
    port: u16,
    timeout: Duration,
    handshake: Handshake,
    /// PSYNC asks to continue (a cached master's ID and offset), not `? -1`.
    psync_tried: bool,
}

async fn link_config(shared: &Shared, epoch: u64) -> Option<LinkConfig> {
    let mut core = shared.lock_core().await;
    if core.replication.link_epoch != epoch {
        return None;
    }
    let c = &core.config;
    let auth = c
        .masterauth
        .clone()
        .map(|pass| (c.masteruser.clone().map(String::into_bytes), pass));
    let port = if c.replica_announce_port != 0 {
        c.replica_announce_port
    } else {
        c.port
    };
    let r = &core.replication;
    let (psync_id, psync_offset) = if r.psync_possible {
        (r.ids.replid.clone(), r.master_repl_offset as i64 + 1)
    } else {
        ("?".to_string(), -1)
    };
    let psync_tried = r.psync_possible;
    if psync_tried {
        log!(
            Notice,
            "Trying a partial resynchronization (request {psync_id}:{psync_offset})."
        );
    }
    let mut handshake = Handshake::new(
        auth,
        port,
        c.replica_announce_ip.clone(),
        psync_id,
        psync_offset,
    );
    let timeout = Duration::from_secs(c.repl_timeout.max(1) as u64);
    if std::mem::take(&mut core.replication.failover_psync) {
        handshake = handshake.with_failover();
    }
    let m = core.replication.master.as_mut()?;
    m.state = LinkState::Connecting;
    Some(LinkConfig {
        host: m.host.clone(),
        port: m.port,
        timeout,
        handshake,
        psync_tried,
    })
}

async fn link_once(shared: &Arc<Shared>, epoch: u64) -> Result<(), String> {
    let Some(mut lc) = link_config(shared, epoch).await else {
        return Ok(());
    };
    log!(Notice, "Connecting to MASTER {}:{}", lc.host, lc.port);
    log!(Notice, "MASTER <-> REPLICA sync started");
    let mut stream =
        match tokio::time::timeout(lc.timeout, TcpStream::connect((lc.host.as_str(), lc.port)))
            .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(format!("Error condition on socket for SYNC: {e}")),
            Err(_) => return Err("Timeout connecting to the MASTER...".into()),
        };
    let _ = stream.set_nodelay(true);
    log!(Notice, "Non blocking connect for SYNC fired the event.");
    if !set_state(shared, epoch, LinkState::Handshake).await {
        return Ok(());
    }
    let mut rbuf = BytesMut::with_capacity(64 * 1024);
    let mut step = lc.handshake.start();
    let reply = loop {
        match step {
            HandshakeStep::Send(args) => {
                let mut out = BytesMut::new();
                ferrodis_resp::write_command(&mut out, &args);
                stream
                    .write_all(&out)
                    .await
                    .map_err(|e| format!("Error writing to MASTER: {e}"))?;
                let line = read_line(&mut stream, &mut rbuf, lc.timeout).await?;
                if args[0] == b"PING" {
                    log!(
                        Notice,
                        "Master replied to PING, replication can continue..."
                    );
                }
                step = lc.handshake.on_reply(&line);
            }
            HandshakeStep::Done(reply) => break reply,
            HandshakeStep::Failed(msg) => return Err(msg),
        }
    };
    match reply {
        PsyncReply::FullResync { replid, offset } => {
            if !lc.psync_tried {
                log!(
                    Notice,
                    "Partial resynchronization not possible (no cached master)"
                );
            }
            log!(Notice, "Full resync from master: {replid}:{offset}");
            if !set_state(shared, epoch, LinkState::Transfer).await {
                return Ok(());
            }
            full_sync(
                shared,
                epoch,
                &mut stream,
                &mut rbuf,
                lc.timeout,
                replid,
                offset,
            )
            .await?;
        }
        PsyncReply::Continue { new_replid } => {
            let mut core = shared.lock_core().await;
            if core.replication.link_epoch != epoch {
                return Ok(());
            }
            log!(
                Notice,
                "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."
            );
            let r = &mut core.replication;
            if let Some(id) = new_replid
                && id != r.ids.replid
            {
                let offset = r.master_repl_offset;
                r.ids.shift(id.clone(), offset);
                log!(Notice, "Master replication ID changed to {id}");
                // Our own replicas follow the new ID: they must reconnect (they may continue).
                for info in r.replicas.values() {
                    let _ = info.tx.send(ClientMsg::Kill);
                }
            }
            let size = core.config.repl_backlog_size;
            core.replication.ensure_backlog(size);
            core.replication.psync_possible = true;
            if let Some(m) = core.replication.master.as_mut() {
                m.synced_before = true;
            }
            log!(Notice, "Successful partial resynchronization with master.");
        }
    }
    stream_from_master(shared, epoch, stream, rbuf, lc.timeout).await
}

/// Reads one reply line (CRLF or LF), skipping the empty lines masters send as keep-alives.
async fn read_line(
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    loop {
        if let Some(pos) = rbuf.iter().position(|&b| b == b'\n') {
            let line = rbuf.split_to(pos + 1);
            let line = line.strip_suffix(b"\n").unwrap_or(&line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            return Ok(line.to_vec());
        }
        if rbuf.len() > 64 * 1024 {
            return Err("Master sent an overlong reply line".into());
        }
        match tokio::time::timeout(timeout, stream.read_buf(rbuf)).await {
            Ok(Ok(0)) => return Err("Master closed the connection during the handshake".into()),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("Error reading from MASTER: {e}")),
            Err(_) => return Err("Timeout connecting to the MASTER...".into()),
        }
    }
}

/// Receives the RDB of a full resync into a file, loads it off the lock (the old data is served
/// meanwhile) and switches to it in one step.
async fn full_sync(
    shared: &Arc<Shared>,
    epoch: u64,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    timeout: Duration,
    replid: String,
    offset: u64,
) -> Result<(), String> {
    let header = read_line(stream, rbuf, timeout).await?;
    let from_socket = {
        let core = shared.lock_core().await;
        match core.config.repl_diskless_load {
            ferrodis_config::ReplDisklessLoad::Disabled => false,
            ferrodis_config::ReplDisklessLoad::OnEmptyDb => core.dbs.iter().all(|d| d.is_empty()),
            ferrodis_config::ReplDisklessLoad::Swapdb => true,
        }
    };
    if from_socket && header.first() == Some(&b'$') {
        return load_from_socket(
            shared, epoch, stream, rbuf, timeout, &header, replid, offset,
        )
        .await;
    }
    let temp = format!(
        "temp-{}.{}.rdb",
        clock::unix_ms() / 1000,
        std::process::id()
    );
    let mut file = std::fs::File::create(&temp)
        .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| {
            format!("Opening the temp file needed for MASTER <-> REPLICA synchronization: {e}")
        })?;
    let received = if let Some(mark) = header.strip_prefix(b"$EOF:") {
        log!(
            Notice,
            "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk"
        );
        let write = |b: &[u8]| file.write_all(b).map_err(|e| e.to_string());
        receive_until_mark(shared, stream, rbuf, mark, timeout, write).await
    } else if let Some(len) = header
        .strip_prefix(b"$")
        .and_then(|l| std::str::from_utf8(l).ok()?.parse::<u64>().ok())
    {
        log!(
            Notice,
            "MASTER <-> REPLICA sync: receiving {len} bytes from master to disk"
        );
        let write = |b: &[u8]| file.write_all(b).map_err(|e| e.to_string());
        receive_exact(shared, stream, rbuf, len, timeout, write).await
    } else if header.first() == Some(&b'-') {
        Err(format!(
            "MASTER aborted replication with an error: {}",
            String::from_utf8_lossy(&header)
        ))
    } else {
        Err(format!(
            "Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you sure the host and port are right?",
            String::from_utf8_lossy(&header)
        ))
    };
    if let Err(e) = received.and(
        tokio::task::block_in_place(|| file.flush().and_then(|()| file.get_ref().sync_all()))
            .map_err(|e| e.to_string()),
    ) {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(e);
    }
    drop(file);
    let (options, filename) = {
        let mut core = shared.lock_core().await;
        if core.replication.link_epoch != epoch {
            let _ = std::fs::remove_file(&temp);
            return Ok(());
        }
        let mut options = LoadOptions::for_core(&core);
        options.drop_expired = false;
        let total = std::fs::metadata(&temp).map_or(0, |m| m.len());
        core.persistence.loading = Some(Arc::new(LoadProgress {
            started_unix_s: clock::unix_ms() / 1000,
            started: Instant::now(),
            total_bytes: total,
            loaded_bytes: 0.into(),
            asynchronous: true,
        }));
        (options, core.config.dbfilename.clone())
    };
    std::fs::rename(&temp, &filename).map_err(|e| format!("Failed trying to rename the temp DB into {filename} in MASTER <-> REPLICA synchronization: {e}"))?;
    log!(Notice, "MASTER <-> REPLICA sync: Loading DB in memory");
    let progress = shared.lock_core().await.persistence.loading.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&filename).map_err(|e| e.to_string())?;
        load_stream(
            std::io::BufReader::with_capacity(1 << 16, file),
            &options,
            progress.as_deref(),
        )
        .map_err(|e| e.log_lines().join(" "))
    })
    .await
    .map_err(|e| e.to_string())?;
    switch_to_loaded(shared, epoch, loaded, replid, offset, "disk").await
}

/// Takes a loaded full sync in, in one lock hold: the new databases replace the old, the
/// replication state becomes the master's (ID, offset, a fresh backlog).
async fn switch_to_loaded(
    shared: &Shared,
    epoch: u64,
    loaded: Result<crate::persist::load::Loaded, String>,
    replid: String,
    offset: u64,
    source: &str,
) -> Result<(), String> {
    let mut core = shared.lock_core().await;
    core.persistence.loading = None;
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            log!(Warning, "{e}");
            return Err(format!(
                "Failed trying to load the MASTER synchronization DB from {source}, check server logs."
            ));
        }
    };
    if core.replication.link_epoch != epoch {
        return Ok(());
    }
    if refuses_empty_master(&core, &replid, offset, loaded.keys_loaded) {
        let held: usize = core.dbs.iter().map(|d| d.len()).sum();
        log!(
            Warning,
            "MASTER <-> REPLICA sync: REFUSING to replace {held} keys with the empty dataset of a master that came back with a new replication ID at offset 0 (restarted without its data?). Keeping our data and retrying. To accept it: CONFIG SET replica-protect-from-empty-master no, or REPLICAOF the master again."
        );
        return Err("Refused an empty full resync from a restarted master".into());
    }
    if let Some(m) = core.replication.master.as_mut() {
        m.synced_before = true;
    }
    log!(Notice, "MASTER <-> REPLICA sync: Flushing old data");
    for (live, mut new) in core.dbs.iter_mut().zip(loaded.dbs) {
        live.signal_all(true);
        live.swap_data(&mut new);
    }
    crate::persist::load::install_functions(&mut core, loaded.functions);
    core.persistence.last_load_keys_loaded = loaded.keys_loaded;
    core.persistence.last_load_keys_expired = loaded.keys_expired;
    let size = core.config.repl_backlog_size;
    let r = &mut core.replication;
    r.ids = ferrodis_repl::ReplIds::new(replid);
    r.master_repl_offset = offset;
    r.master_db = 0;
    r.stream_db = -1;
    r.pending.clear();
    r.backlog = None;
    r.ensure_backlog(size);
    r.psync_possible = true;
    // Our replicas followed the old history: they must sync again.
    for info in r.replicas.values() {
        let _ = info.tx.send(ClientMsg::Kill);
    }
    log!(Notice, "MASTER <-> REPLICA sync: Finished with success");
    Ok(())
}

/// Where Redis is unsafe: the master this link synced from before comes back with a new ID,
/// offset 0 and no keys (restarted without its RDB), and a full resync would wipe us. With
/// `replica-protect-from-empty-master yes` we refuse it (loudly) and keep our data.
fn refuses_empty_master(core: &Core, replid: &str, offset: u64, keys_loaded: u64) -> bool {
    let r = &core.replication;
    core.config.replica_protect_from_empty_master
        && r.master.as_ref().is_some_and(|m| m.synced_before)
        && offset == 0
        && keys_loaded == 0
        && replid != r.ids.replid
        && replid != r.ids.replid2
        && core.dbs.iter().any(|d| !d.is_empty())
}

/// `repl-diskless-load swapdb|on-empty-db`: the RDB is parsed as it arrives from the socket
/// into new databases (a reading thread fed by this task), while the old data stays in place:
/// served when the master's ID is ours (async_loading), refused with -LOADING otherwise; a
/// transfer that breaks leaves it untouched.
#[allow(clippy::too_many_arguments)]
async fn load_from_socket(
    shared: &Arc<Shared>,
    epoch: u64,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    timeout: Duration,
    header: &[u8],
    replid: String,
    offset: u64,
) -> Result<(), String> {
    let (options, asynchronous) = {
        let mut core = shared.lock_core().await;
        let mut options = LoadOptions::for_core(&core);
        options.drop_expired = false;
        let asynchronous = core.replication.ids.replid == replid;
        core.persistence.loading = Some(Arc::new(LoadProgress {
            started_unix_s: clock::unix_ms() / 1000,
            started: Instant::now(),
            total_bytes: 0,
            loaded_bytes: 0.into(),
            asynchronous,
        }));
        (options, asynchronous)
    };
    let _ = asynchronous;
    log!(Notice, "MASTER <-> REPLICA sync: Loading DB in memory");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
    let progress = shared.lock_core().await.persistence.loading.clone();
    let loader = tokio::task::spawn_blocking(move || {
        let reader = ChannelReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        };
        load_stream(
            std::io::BufReader::with_capacity(1 << 16, reader),
            &options,
            progress.as_deref(),
        )
        .map_err(|e| e.log_lines().join(" "))
    });
    let fed = feed_loader(shared, stream, rbuf, timeout, header, tx).await;
    let loaded = loader.await.map_err(|e| e.to_string())?;
    let loaded = match (fed, loaded) {
        (Ok(()), result) => result,
        (Err(e), _) => {
            log!(
                Warning,
                "Internal error in RDB reading offset 0, function at rdb.rs -> {e}"
            );
            Err(e)
        }
    };
    switch_to_loaded(shared, epoch, loaded, replid, offset, "socket").await
}

/// Forwards the RDB bytes (a `$<len>` bulk, or `$EOF:<mark>` framing) to the loading thread.
async fn feed_loader(
    shared: &Shared,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    timeout: Duration,
    header: &[u8],
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
) -> Result<(), String> {
    let send = |b: &[u8]| {
        tx.send(b.to_vec())
            .map_err(|_| "the loader stopped reading".to_string())
    };
    if let Some(mark) = header.strip_prefix(b"$EOF:") {
        return receive_until_mark(shared, stream, rbuf, mark, timeout, send).await;
    }
    let len: u64 = std::str::from_utf8(&header[1..])
        .ok()
        .and_then(|l| l.parse().ok())
        .ok_or("Bad bulk length from MASTER")?;
    receive_exact(shared, stream, rbuf, len, timeout, send).await
}

/// The loading thread's view of the socket: chunks handed over by `feed_loader`; the end of
/// the channel is the end of the RDB.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(next) => {
                    self.chunk = next;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

async fn read_more(
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    timeout: Duration,
) -> Result<usize, String> {
    match tokio::time::timeout(timeout, stream.read_buf(rbuf)).await {
        Ok(Ok(0)) => Err("I/O error trying to sync with MASTER: connection lost".into()),
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => Err(format!("I/O error trying to sync with MASTER: {e}")),
        Err(_) => Err("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.".into()),
    }
}

async fn note_transfer(shared: &Shared, total: i64, read: u64) {
    let mut core = shared.lock_core().await;
    if let Some(m) = core.replication.master.as_mut() {
        m.sync_total_bytes = total;
        m.sync_read_bytes = read;
        m.last_io_ms = clock::unix_ms();
    }
}

/// `$<len>` framing: exactly `len` bytes of RDB, handed to `sink` as they arrive (off the
/// async threads: the sinks write a file or wait on the loading thread).
async fn receive_exact(
    shared: &Shared,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    len: u64,
    timeout: Duration,
    mut sink: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let mut left = len;
    loop {
        let take = (rbuf.len() as u64).min(left) as usize;
        if take > 0 {
            let chunk = rbuf.split_to(take);
            tokio::task::block_in_place(|| sink(&chunk))?;
            left -= take as u64;
            note_transfer(shared, len as i64, len - left).await;
        }
        if left == 0 {
            return Ok(());
        }
        read_more(stream, rbuf, timeout).await?;
    }
}

/// Diskless framing: everything up to the 40-byte mark is the RDB. The master sends nothing
/// after the mark until we acknowledge, so the mark ends a read.
async fn receive_until_mark(
    shared: &Shared,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    mark: &[u8],
    timeout: Duration,
    mut sink: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    if mark.len() != 40 {
        return Err("Bad EOF mark from MASTER".into());
    }
    let mut read = 0u64;
    loop {
        if rbuf.len() >= mark.len() && rbuf.ends_with(mark) {
            let body = rbuf.split_to(rbuf.len() - mark.len());
            rbuf.clear();
            return tokio::task::block_in_place(|| sink(&body));
        }
        // Keep the last 40 bytes: the mark may be split across reads.
        if rbuf.len() > mark.len() {
            let body = rbuf.split_to(rbuf.len() - mark.len());
            read += body.len() as u64;
            tokio::task::block_in_place(|| sink(&body))?;
            note_transfer(shared, -1, read).await;
        }
        read_more(stream, rbuf, timeout).await?;
    }
}

/// Applies the master's stream: commands run through the ordinary path as the master client
/// (never refused as read-only, replies discarded), their bytes forwarded verbatim to our own
/// replicas; `REPLCONF ACK <offset>` every second and whenever the master asks.
async fn stream_from_master(
    shared: &Arc<Shared>,
    epoch: u64,
    mut stream: TcpStream,
    mut rbuf: BytesMut,
    timeout: Duration,
) -> Result<(), String> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (mut master, addr) = {
        let mut core = shared.lock_core().await;
        if core.replication.link_epoch != epoch {
            return Ok(());
        }
        let id = shared.new_client_id();
        let offset = core.replication.master_repl_offset;
        let Some(m) = core.replication.master.as_mut() else {
            return Ok(());
        };
        let addr = format!("{}:{}", m.host, m.port);
        m.state = LinkState::Connected;
        m.client_id = Some(id);
        m.socket = {
            use std::os::fd::AsFd;
            stream
                .as_fd()
                .try_clone_to_owned()
                .ok()
                .map(std::net::TcpStream::from)
        };
        m.down_since_ms = 0;
        m.last_io_ms = clock::unix_ms();
        m.read_offset = offset;
        let now = clock::unix_ms();
        core.clients.insert(
            id,
            ClientHandle {
                id,
                addr: addr.clone(),
                laddr: stream
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                fd: -1,
                name: None,
                kind: ClientKind::Master,
                db: 0,
                created_ms: now,
                last_interaction_ms: now,
                last_cmd: "NULL",
                sub: 0,
                psub: 0,
                multi: -1,
                watch: 0,
                proto: ferrodis_resp::Proto::Resp2,
                flag_bits: crate::client::flag_bits::MASTER,
                tx: tx.clone(),
            },
        );
        super::failover::completed(&mut core);
        let mut client = Client::new(id, tx, addr.clone());
        client.kind = ClientKind::Master;
        client.authenticated = true;
        // A partial resync continues the stream where it stopped: in the database the last
        // SELECT chose (Redis keeps it in its cached master client).
        client.db = core.replication.master_db;
        (client, addr)
    };
    let _ = addr;
    let offset = shared.lock_core().await.replication.master_repl_offset;
    send_ack(&mut stream, offset).await?;
    let mut parser = RequestParser::new();
    let limits = Limits {
        max_bulk_len: u64::MAX >> 1,
        max_multibulk_len: i32::MAX as u64,
        ..Limits::default()
    };
    let mut ack_timer = tokio::time::interval(Duration::from_secs(1));
    let mut raw = BytesMut::new();
    let mut scratch = BytesMut::new();
    // Bytes that arrived with the PSYNC reply or after the RDB are stream already.
    let mut have_input = !rbuf.is_empty();
    loop {
        if have_input {
            have_input = false;
            let acks = apply_stream(
                shared,
                epoch,
                &mut master,
                &mut parser,
                &limits,
                &mut rbuf,
                &mut raw,
                &mut scratch,
            )
            .await?;
            for offset in acks {
                send_ack(&mut stream, offset).await?;
            }
        }
        tokio::select! {
            r = stream.read_buf(&mut rbuf) => match r {
                Ok(0) => return Err("Connection with master lost (EOF).".into()),
                Err(e) => return Err(format!("Connection with master lost: {e}")),
                Ok(n) => {
                    let mut core = shared.lock_core().await;
                    if core.replication.link_epoch != epoch {
                        return Ok(());
                    }
                    if let Some(m) = core.replication.master.as_mut() {
                        m.last_io_ms = clock::unix_ms();
                        m.read_offset += n as u64;
                    }
                }
            },
            msg = rx.recv() => match msg {
                Some(ClientMsg::Kill) | None => return Err("Connection with master lost (killed).".into()),
                Some(_) => continue,
            },
            _ = ack_timer.tick() => {
                let (offset, last_io) = {
                    let core = shared.lock_core().await;
                    if core.replication.link_epoch != epoch {
                        return Ok(());
                    }
                    (core.replication.master_repl_offset, core.replication.master.as_ref().map_or(0, |m| m.last_io_ms))
                };
                if clock::unix_ms().saturating_sub(last_io) > timeout.as_millis() as u64 {
                    return Err("MASTER timeout: no data nor PING received...".into());
                }
                send_ack(&mut stream, offset).await?;
                continue;
            }
        }
        have_input = true;
    }
}

/// Applies every complete command in `rbuf` under one lock hold; returns the offsets of the
/// ACKs the master asked for (REPLCONF GETACK).
#[allow(clippy::too_many_arguments)]
async fn apply_stream(
    shared: &Shared,
    epoch: u64,
    master: &mut Client,
    parser: &mut RequestParser,
    limits: &Limits,
    rbuf: &mut BytesMut,
    raw: &mut BytesMut,
    scratch: &mut BytesMut,
) -> Result<Vec<u64>, String> {
    let mut acks = Vec::new();
    let mut core = shared.lock_core().await;
    if core.replication.link_epoch != epoch {
        return Ok(acks);
    }
    core.clock.mark();
    loop {
        let args = match parser.parse(rbuf, limits) {
            Ok(Some(args)) => args,
            Ok(None) => break,
            Err(e) => {
                core.replication.flush();
                return Err(format!(
                    "== CRITICAL == This replica is sending an error to its master: 'Protocol error: {e}' after processing the command '<unknown>'"
                ));
            }
        };
        raw.clear();
        ferrodis_resp::write_command(raw, &args);
        core.replication.applying_master_stream = true;
        scratch.clear();
        cmd::dispatch(&mut core, master, &args, scratch);
        core.replication.applying_master_stream = false;
        if scratch.first() == Some(&b'-') {
            let error = String::from_utf8_lossy(scratch.strip_suffix(b"\r\n").unwrap_or(scratch))
                .trim_start_matches('-')
                .to_string();
            log!(
                Warning,
                "== CRITICAL == This replica is sending an error to its master: '{error}' after processing the command '{}'",
                String::from_utf8_lossy(&args[0])
            );
            // `propagation-error-behavior panic|panic-on-replicas`: the operator prefers a dead
            // replica to a diverging one. A writable replica may legitimately diverge (its own
            // writes), so it never panics, as in Redis.
            if core.config.propagation_error_behavior
                != ferrodis_config::PropagationErrorBehavior::Ignore
                && core.config.replica_read_only
            {
                log!(
                    Warning,
                    "Guru Meditation: Replica received an error from its master (propagation-error-behavior is not ignore): {error} #replication"
                );
                std::process::exit(1);
            }
        }
        if std::mem::take(&mut core.replication.ack_requested) {
            acks.push(core.replication.master_repl_offset);
        }
        core.replication.feed_raw(raw);
    }
    core.replication.master_db = master.db;
    core.replication.flush();
    crate::blocking::serve_ready(&mut core);
    Ok(acks)
}

async fn send_ack(stream: &mut TcpStream, offset: u64) -> Result<(), String> {
    let mut out = BytesMut::new();
    let off = offset.to_string();
    ferrodis_resp::write_command(&mut out, &[&b"REPLCONF"[..], b"ACK", off.as_bytes()]);
    stream
        .write_all(&out)
        .await
        .map_err(|e| format!("Error writing ACK to MASTER: {e}"))
}

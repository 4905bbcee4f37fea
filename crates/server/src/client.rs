//! Clients: `Client` is the state a connection task owns (selected db, protocol, MULTI queue,
//! subscriptions); `ClientHandle` is what the rest of the server may see of it (CLIENT LIST,
//! CLIENT KILL, pub/sub delivery), kept in `Core::clients`.

use crate::keyspace::{Key, WatchFlag};
use bytes::Bytes;
use ferrodis_resp::Proto;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::sync::mpsc::UnboundedSender;

pub type ClientId = u64;

/// Messages to a connection task from elsewhere in the server.
#[derive(Debug)]
pub enum ClientMsg {
    /// Bytes to write as they are (pub/sub messages, MONITOR lines).
    Data(Bytes),
    /// CLIENT KILL, or the server is shutting down.
    Kill,
    /// The reply that ends a blocking command (served, or CLIENT UNBLOCK).
    Unblocked(Bytes),
}

/// CLIENT REPLY mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
    /// Set by SKIP: the command being run now has its reply dropped.
    SkipThis,
}

/// Connection kinds for CLIENT LIST flags and CLIENT KILL TYPE.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClientKind {
    Normal,
    Replica,
    Master,
    PubSub,
}

impl ClientKind {
    pub fn from_name(name: &[u8]) -> Option<ClientKind> {
        let n = name.to_ascii_lowercase();
        match n.as_slice() {
            b"normal" => Some(ClientKind::Normal),
            b"replica" | b"slave" => Some(ClientKind::Replica),
            b"master" => Some(ClientKind::Master),
            b"pubsub" => Some(ClientKind::PubSub),
            _ => None,
        }
    }
}

/// A queued MULTI transaction.
#[derive(Default)]
pub struct MultiState {
    pub queued: Vec<Vec<Bytes>>,
    /// A command failed to queue (unknown, arity): EXEC answers EXECABORT.
    pub aborted: bool,
}

/// State owned by the connection task.
pub struct Client {
    pub id: ClientId,
    pub db: usize,
    pub proto: Proto,
    pub authenticated: bool,
    pub name: Option<Bytes>,
    pub multi: Option<MultiState>,
    /// Raised by a write to any WATCHed key.
    pub watch_flag: WatchFlag,
    pub watched: Vec<(usize, Key)>,
    pub channels: HashSet<Bytes>,
    pub patterns: HashSet<Bytes>,
    pub reply_mode: ReplyMode,
    pub monitor: bool,
    pub no_evict: bool,
    pub tx: UnboundedSender<ClientMsg>,
    pub addr: String,
    /// Full name of the last command run (CLIENT LIST `cmd=`).
    pub last_cmd: &'static str,
    pub kind: ClientKind,
    /// Connected while a busy script held the lock: admitted (maxclients, registration) by
    /// its first batch that gets the lock.
    pub admission: Option<crate::conn::Peer>,
    /// Waiting in a blocking command (CLIENT LIST flag `b`).
    pub blocked: bool,
    /// Set on the stand-in client that re-runs a blocked command when its key is ready: the
    /// command must then either serve or report "still blocked", never register again.
    pub serving_blocked: bool,
    /// The stream offset right after this client's last write (WAIT waits for replicas to
    /// acknowledge it).
    pub woff: u64,
    /// What a would-be replica told us with REPLCONF before SYNC/PSYNC.
    pub repl_listening_port: u16,
    pub repl_ip: Option<String>,
    pub repl_capa_eof: bool,
    pub repl_capa_psync2: bool,
    /// A replica's queued stream bytes (see `ReplicaInfo::queued`).
    pub repl_queued: Arc<std::sync::atomic::AtomicU64>,
}

impl Client {
    pub fn new(id: ClientId, tx: UnboundedSender<ClientMsg>, addr: String) -> Client {
        Client {
            id,
            db: 0,
            proto: Proto::Resp2,
            authenticated: false,
            name: None,
            multi: None,
            watch_flag: Arc::new(AtomicBool::new(false)),
            watched: Vec::new(),
            channels: HashSet::new(),
            patterns: HashSet::new(),
            reply_mode: ReplyMode::On,
            monitor: false,
            no_evict: false,
            tx,
            addr,
            last_cmd: "NULL",
            kind: ClientKind::Normal,
            admission: None,
            blocked: false,
            serving_blocked: false,
            woff: 0,
            repl_listening_port: 0,
            repl_ip: None,
            repl_capa_eof: false,
            repl_capa_psync2: false,
            repl_queued: Default::default(),
        }
    }

    /// RESP2 clients with subscriptions may only run (un)subscribe commands, PING, QUIT, RESET.
    pub fn in_pubsub_context(&self) -> bool {
        self.proto == Proto::Resp2 && self.subscription_count() > 0
    }

    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
}

/// What the rest of the server sees of a client.
pub struct ClientHandle {
    pub id: ClientId,
    pub addr: String,
    pub laddr: String,
    pub fd: i64,
    pub name: Option<Bytes>,
    pub kind: ClientKind,
    pub db: usize,
    pub created_ms: u64,
    pub last_interaction_ms: u64,
    pub last_cmd: &'static str,
    pub sub: usize,
    pub psub: usize,
    pub multi: i64,
    pub watch: usize,
    pub proto: Proto,
    /// CLIENT LIST flags as `flag_bits`; rendered on demand by `flags()`.
    pub flag_bits: u16,
    pub tx: UnboundedSender<ClientMsg>,
}

/// Bits of `ClientHandle::flag_bits`, with the letters CLIENT LIST prints for them.
pub mod flag_bits {
    pub const REPLICA: u16 = 1 << 0;
    pub const MASTER: u16 = 1 << 1;
    pub const PUBSUB: u16 = 1 << 2;
    pub const MULTI: u16 = 1 << 3;
    pub const MONITOR: u16 = 1 << 4;
    pub const DIRTY_CAS: u16 = 1 << 5;
    pub const NO_EVICT: u16 = 1 << 6;
    pub const BLOCKED: u16 = 1 << 7;
    pub const LETTERS: &[(u16, char)] = &[
        (REPLICA, 'S'),
        (MASTER, 'M'),
        (PUBSUB, 'P'),
        (MULTI, 'x'),
        (MONITOR, 'O'),
        (DIRTY_CAS, 'd'),
        (NO_EVICT, 'e'),
        (BLOCKED, 'b'),
    ];
}

impl ClientHandle {
    /// The `flags=` field of CLIENT LIST (`N` when none is set).
    pub fn flags(&self) -> String {
        let s: String = flag_bits::LETTERS
            .iter()
            .filter(|(bit, _)| self.flag_bits & bit != 0)
            .map(|(_, c)| *c)
            .collect();
        if s.is_empty() { "N".into() } else { s }
    }
}

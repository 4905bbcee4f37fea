//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...). A blocked client's command waits here
//! with everything needed to run it again: when a write makes one of its keys ready, the
//! command is re-run *inside the same core-lock hold* as that write, in FIFO order per key, so
//! a blocked client is served before any other command can take the element (as Redis's
//! handleClientsBlockedOnKeys). The reply travels to the client's task on its channel.

use crate::client::{ClientId, ClientMsg};
use crate::keyspace::Key;
use bytes::Bytes;
use ferrodis_resp::Proto;
use std::collections::{HashMap, VecDeque};
use tokio::sync::mpsc::UnboundedSender;

/// What a blocked command replies when its timeout fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutReply {
    /// `*-1` (RESP3 `_`): BLPOP, BRPOP, BZPOPMIN, BZPOPMAX, BLMPOP, BZMPOP.
    NullArray,
    /// `$-1` (RESP3 `_`): BLMOVE, BRPOPLPUSH.
    NullBulk,
}

/// A client waiting for a key to become ready.
pub struct BlockedClient {
    pub db: usize,
    pub proto: Proto,
    pub args: Vec<Bytes>,
    pub keys: Vec<Key>,
    pub timeout_reply: TimeoutReply,
    pub tx: UnboundedSender<ClientMsg>,
    /// The client's name and address, so CLIENT LIST and MONITOR stay meaningful.
    pub addr: String,
}

#[derive(Default)]
pub struct Blocking {
    /// Clients blocked on each (db, key), first come first served.
    pub by_key: HashMap<(usize, Key), VecDeque<ClientId>>,
    pub clients: HashMap<ClientId, BlockedClient>,
    /// Keys written since the last serving pass that some client waits on.
    pub ready: Vec<(usize, Key)>,
}

impl Blocking {
    pub fn block(&mut self, id: ClientId, client: BlockedClient) {
        for k in &client.keys {
            self.by_key
                .entry((client.db, k.clone()))
                .or_default()
                .push_back(id);
        }
        self.clients.insert(id, client);
    }

    /// Removes a client from every key it waits on. Returns its record if it was blocked.
    pub fn unblock(&mut self, id: ClientId) -> Option<BlockedClient> {
        let client = self.clients.remove(&id)?;
        for k in &client.keys {
            let slot = (client.db, k.clone());
            if let Some(queue) = self.by_key.get_mut(&slot) {
                queue.retain(|c| *c != id);
                if queue.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        Some(client)
    }

    /// Notes that a key was written; cheap when nobody is blocked.
    #[inline]
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        let slot = (db, Key::new(key));
        if self.by_key.contains_key(&slot) && !self.ready.contains(&slot) {
            self.ready.push(slot);
        }
    }

    /// The clients waiting on a key, in arrival order.
    pub fn waiters(&self, db: usize, key: &Key) -> Vec<ClientId> {
        self.by_key
            .get(&(db, key.clone()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Sends a blocked client its final reply (and forgets it).
    pub fn reply(&mut self, id: ClientId, data: Bytes) {
        if let Some(c) = self.unblock(id) {
            let _ = c.tx.send(ClientMsg::Unblocked(data));
        }
    }
}

/// Writes what a blocked command answers when it times out.
pub fn write_timeout_reply(out: &mut bytes::BytesMut, blocked: &BlockedClient) {
    match blocked.timeout_reply {
        TimeoutReply::NullArray => ferrodis_resp::write_null_array(out, blocked.proto),
        TimeoutReply::NullBulk => ferrodis_resp::write_null(out, blocked.proto),
    }
}

/// Re-runs the commands of clients blocked on keys that writes made ready, in FIFO order per
/// key, inside the current lock hold (called when the outermost command ends). A served
/// command's effects enter the replication stream right after the write that fed it.
pub fn serve_ready(core: &mut crate::server::Core) {
    let mut rounds = 0;
    while !core.blocking.ready.is_empty() && rounds < 1_000_000 {
        rounds += 1;
        let (db, key) = core.blocking.ready.remove(0);
        for id in core.blocking.waiters(db, &key) {
            let Some(b) = core.blocking.clients.get(&id) else {
                continue;
            };
            let args = b.args.clone();
            let mut stand_in = crate::client::Client::new(id, b.tx.clone(), b.addr.clone());
            stand_in.db = b.db;
            stand_in.proto = b.proto;
            stand_in.authenticated = true;
            stand_in.serving_blocked = true;
            let crate::cmd::Lookup::Found(cmd) = crate::cmd::lookup(&args) else {
                core.blocking.unblock(id);
                continue;
            };
            let mut out = bytes::BytesMut::new();
            let now = core.clock.unix_ms_at(core.clock.last_mark);
            let flow = crate::cmd::call(core, &mut stand_in, &mut out, now, cmd, &args);
            if matches!(flow, crate::cmd::Flow::Block { .. }) {
                // Nothing left for this client: the key is drained for everyone after it too.
                break;
            }
            core.blocking.reply(id, out.freeze());
        }
    }
}

//! The network of the simulation: master → replica connections that deliver in order, with
//! seeded latency, stalls and fragmentation; cuts; `client-output-buffer-limit`; and what a
//! replica does with what arrives (applies complete commands and forwards exactly those
//! bytes, or loads a full sync's RDB).

use super::stream;
use super::{Body, Conn, ConnId, Link, Model, Msg, NodeId, Role, Sim};
use bytes::Bytes;
use ferrodis_repl::{Backlog, ReplIds};
use std::collections::VecDeque;

impl Sim {
    // ----- links ------------------------------------------------------------------------

    pub(super) fn open_conn(&mut self, master: NodeId, replica: NodeId) -> ConnId {
        let id = self.next_conn;
        self.next_conn += 1;
        self.conns.insert(
            id,
            Conn {
                master,
                replica,
                queue: VecDeque::new(),
                stream_bytes: 0,
                rdb_offset: None,
                last_at: self.now,
            },
        );
        id
    }

    /// Closes a connection: the replica's link goes down and it forgets what it read but did
    /// not apply (replicationCacheMaster); a streaming replica keeps its place for PSYNC.
    pub(super) fn cut(&mut self, cid: ConnId, why: &str) {
        let Some(conn) = self.conns.remove(&cid) else {
            return;
        };
        let backoff = if self.settling {
            0
        } else {
            self.rng.range(1, 5)
        };
        let now = self.now;
        let r = conn.replica;
        let node = &mut self.nodes[r];
        match node.role {
            Role::Replica {
                link: Link::Connected { conn },
                ..
            } if conn == cid => node.cached = true,
            Role::Replica {
                link: Link::Syncing { conn },
                ..
            } if conn == cid => {}
            _ => self.fail(format!("conn {cid} is not n{r}'s master link")),
        }
        if let Role::Replica { link, .. } = &mut node.role {
            *link = Link::Down {
                retry_at: now + backoff,
            };
        }
        node.qbuf.clear();
        node.read_offset = node.offset;
        self.stats.cuts += 1;
        self.note(format!("cut n{r}<-n{} ({why})", conn.master));
    }

    /// Drops `n`'s master link, if any.
    pub(super) fn drop_link(&mut self, n: NodeId) {
        self.cut_link(n);
    }

    /// disconnectSlaves().
    pub(super) fn cut_replicas_of(&mut self, n: NodeId, why: &str) {
        let cids: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.master == n)
            .map(|(&id, _)| id)
            .collect();
        for cid in cids {
            self.cut(cid, why);
        }
    }

    pub(super) fn push(&mut self, cid: ConnId, body: Body) {
        let max = self.cfg.max_latency_ticks;
        let latency = match (&body, self.settling) {
            (_, true) => 0,
            (Body::Stream { .. }, false) => self.rng.range(0, max),
            (Body::Rdb { .. }, false) => self.rng.range(0, 3 * max + 1),
        };
        let conn = self.conns.get_mut(&cid).expect("open conn");
        let at = conn.last_at.max(self.now + latency);
        conn.last_at = at;
        match &body {
            Body::Stream { bytes, .. } => conn.stream_bytes += bytes.len() as u64,
            Body::Rdb { offset, .. } => conn.rdb_offset = Some(*offset),
        }
        conn.queue.push_back(Msg { at, body });
    }

    /// Node `n` applied `bytes` (its offset already counts them): they join its backlog, and
    /// every replica link of `n` gets the very same bytes (verbatim forwarding).
    pub(super) fn feed(&mut self, n: NodeId, bytes: Bytes) {
        let node = &mut self.nodes[n];
        let start = node.offset + 1 - bytes.len() as u64;
        node.backlog.append(bytes.clone());
        let cids: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.master == n)
            .map(|(&id, _)| id)
            .collect();
        for cid in cids {
            self.push(
                cid,
                Body::Stream {
                    start,
                    bytes: bytes.clone(),
                },
            );
        }
    }

    /// `client-output-buffer-limit replica`: the master drops a replica too far behind.
    pub(super) fn enforce_output_limits(&mut self) {
        let over: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.stream_bytes > self.cfg.output_limit_bytes)
            .map(|(&id, _)| id)
            .collect();
        for cid in over {
            self.stats.output_limit_cuts += 1;
            self.cut(cid, "output buffer limit");
        }
    }

    pub(super) fn deliver(&mut self) {
        let cids: Vec<ConnId> = self.conns.keys().copied().collect();
        for cid in cids {
            if !self.settling && self.rng.chance(1, 4) {
                continue; // a stalled link this tick
            }
            let budget = if self.settling {
                u64::MAX
            } else {
                self.rng.range(1, 4)
            };
            for _ in 0..budget {
                if !self.deliver_one(cid) {
                    break;
                }
            }
        }
    }

    /// Delivers the next due message on `cid`, maybe only a fragment of it (TCP).
    pub(super) fn deliver_one(&mut self, cid: ConnId) -> bool {
        let settling = self.settling;
        let split = !settling && self.rng.chance(1, 3);
        let cut_at = self.rng.next_u64();
        let now = self.now;
        let Some(conn) = self.conns.get_mut(&cid) else {
            return false;
        };
        match conn.queue.front() {
            Some(front) if settling || front.at <= now => {}
            _ => return false,
        }
        let msg = conn.queue.pop_front().unwrap();
        let replica = conn.replica;
        match msg.body {
            Body::Stream { start, bytes } => {
                let bytes = if split && bytes.len() > 1 {
                    let k = 1 + (cut_at % (bytes.len() as u64 - 1)) as usize;
                    conn.queue.push_front(Msg {
                        at: msg.at,
                        body: Body::Stream {
                            start: start + k as u64,
                            bytes: bytes.slice(k..),
                        },
                    });
                    self.stats.fragments += 1;
                    bytes.slice(..k)
                } else {
                    bytes
                };
                conn.stream_bytes -= bytes.len() as u64;
                self.on_stream(replica, cid, start, bytes);
            }
            Body::Rdb {
                model,
                digest,
                replid,
                offset,
            } => {
                conn.rdb_offset = None;
                self.on_rdb(replica, cid, model, digest, replid, offset);
            }
        }
        true
    }

    /// Replica `n` reads stream bytes: it applies every complete command, in order, then
    /// forwards exactly the applied bytes to its own replicas as one chunk
    /// (replicationFeedStreamFromMasterStream).
    pub(super) fn on_stream(&mut self, n: NodeId, cid: ConnId, start: u64, bytes: Bytes) {
        let node = &mut self.nodes[n];
        if node.link() != Some(Link::Connected { conn: cid }) {
            self.fail(format!(
                "n{n} got stream bytes on conn {cid}, not its streaming link"
            ));
        }
        if start != node.read_offset + 1 {
            let read = node.read_offset;
            self.fail(format!(
                "n{n} got bytes from offset {start} but has read up to {read}: a byte skipped or read twice"
            ));
        }
        node.read_offset += bytes.len() as u64;
        node.qbuf.extend_from_slice(&bytes);
        let mut applied = 0;
        loop {
            let node = &mut self.nodes[n];
            let Some(len) = stream::complete_len(&node.qbuf[applied..]) else {
                break;
            };
            let cmd = &node.qbuf[applied..applied + len];
            stream::apply(&mut node.model, &mut node.digest, cmd);
            node.offset += len as u64;
            applied += len;
            self.check_history(n);
        }
        if applied > 0 {
            let bytes = self.nodes[n].qbuf.split_to(applied).freeze();
            self.feed(n, bytes);
        }
    }

    /// Replica `n` loads the RDB of a full sync: the dataset, the master's ID and offset, a
    /// fresh backlog; its own replicas must resync (replicationAttachToNewMaster).
    pub(super) fn on_rdb(
        &mut self,
        n: NodeId,
        cid: ConnId,
        model: Model,
        digest: u64,
        replid: String,
        offset: u64,
    ) {
        if self.nodes[n].link() != Some(Link::Syncing { conn: cid }) {
            self.fail(format!(
                "n{n} got an RDB on conn {cid}, not its syncing link"
            ));
        }
        self.cut_replicas_of(n, "full sync: sub-replicas must resync");
        let size = self.nodes[n].backlog.size();
        let node = &mut self.nodes[n];
        node.model = model;
        node.digest = digest;
        node.offset = offset;
        node.read_offset = offset;
        node.qbuf.clear();
        node.ids = ReplIds::new(replid);
        node.backlog = Backlog::new(size, offset);
        node.epoch += 1;
        node.cached = true;
        if let Role::Replica { link, .. } = &mut node.role {
            *link = Link::Connected { conn: cid };
        }
        self.stats.rdb_loads += 1;
        self.note(format!("n{n} loaded RDB at {offset}"));
        self.check_history(n);
    }

    /// After every applied command: the dataset is the one the history names.
    pub(super) fn check_history(&self, n: NodeId) {
        let node = &self.nodes[n];
        let want = self.hist.digest_at(&node.ids.replid, node.offset);
        if want != Some(node.digest) {
            self.fail(format!(
                "n{n} at {} under {} has dataset {:x}, but that history had {want:x?} there",
                node.offset,
                &node.ids.replid[..8],
                node.digest
            ));
        }
    }
}

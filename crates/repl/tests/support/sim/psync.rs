//! Reconnection: the replica's handshake through `Handshake`, the master's answers (PSYNC
//! through `decide_psync`, the backlog tail through `Backlog::since`), and what the replica
//! does with `+CONTINUE` or `+FULLRESYNC`.

use super::{Body, ConnId, Link, NodeId, Role, Sim, short};
use ferrodis_repl::{Handshake, HandshakeStep, PsyncDecision, PsyncReply, decide_psync};

impl Sim {
    pub(super) fn reconnect_due(&mut self) {
        for n in 0..self.nodes.len() {
            if let Some(Link::Down { retry_at }) = self.nodes[n].link()
                && (self.settling
                    || (retry_at <= self.now && self.nodes[n].partitioned_until <= self.now))
            {
                self.connect(n);
            }
        }
    }

    /// Replica `n`'s whole handshake with its master, through `Handshake`, the master
    /// answering as Redis does (PSYNC through `decide_psync`).
    pub fn connect(&mut self, n: NodeId) {
        let Role::Replica {
            master: m,
            link: Link::Down { .. },
        } = self.nodes[n].role
        else {
            return;
        };
        let node = &self.nodes[n];
        let (replid, offset) = if node.cached {
            (node.ids.replid.clone(), node.offset as i64 + 1)
        } else {
            ("?".to_string(), -1)
        };
        let auth = match self.rng.below(3) {
            0 => None,
            1 => Some((None, b"secret".to_vec())),
            _ => Some((Some(b"repl".to_vec()), b"secret".to_vec())),
        };
        let ip = self.rng.chance(1, 3).then(|| format!("10.0.0.{n}"));
        let port = 6380 + n as u16;
        let mut expected = vec!["PING".to_string()];
        match &auth {
            Some((Some(_), _)) => expected.push("AUTH repl secret".into()),
            Some((None, _)) => expected.push("AUTH secret".into()),
            None => {}
        }
        expected.push(format!("REPLCONF listening-port {port}"));
        if let Some(ip) = &ip {
            expected.push(format!("REPLCONF ip-address {ip}"));
        }
        expected.push("REPLCONF capa eof capa psync2".into());
        expected.push(format!("PSYNC {replid} {offset}"));

        let mut hs = Handshake::new(auth.clone(), port, ip, replid.clone(), offset);
        let mut step = hs.start();
        let mut sent = Vec::new();
        let mut conn = None;
        let outcome = loop {
            match step {
                HandshakeStep::Send(argv) => {
                    sent.push(
                        argv.iter()
                            .map(|a| String::from_utf8_lossy(a).into_owned())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                    let reply = self.master_reply(m, n, &argv, auth.is_some(), &mut conn);
                    step = hs.on_reply(reply.as_bytes());
                }
                HandshakeStep::Done(reply) => break Ok(reply),
                HandshakeStep::Failed(msg) => break Err(msg),
            }
        };
        if sent[..] != expected[..sent.len().min(expected.len())] || sent.len() > expected.len() {
            self.fail(format!(
                "handshake of n{n} sent {sent:?}, Redis's order is {expected:?}"
            ));
        }
        match outcome {
            Err(msg) => {
                if conn.is_some() {
                    self.fail(format!("handshake failed after PSYNC was answered: {msg}"));
                }
                let retry = self.now + self.rng.range(1, 8);
                self.nodes[n].role = Role::Replica {
                    master: m,
                    link: Link::Down { retry_at: retry },
                };
                self.nodes[n].stats.handshake_failed += 1;
                self.stats.handshake_failed += 1;
                self.note(format!("n{n} handshake with n{m} failed: {msg}"));
            }
            Ok(reply) => {
                if sent.len() != expected.len() {
                    self.fail(format!("handshake of n{n} ended early: {sent:?}"));
                }
                let cid = conn.unwrap_or_else(|| self.fail("PSYNC answered without a conn"));
                self.on_psync_reply(n, m, cid, reply);
            }
        }
    }

    /// What master `m` replies to one handshake command from `n`.
    pub(super) fn master_reply(
        &mut self,
        m: NodeId,
        n: NodeId,
        argv: &[Vec<u8>],
        has_auth: bool,
        conn: &mut Option<ConnId>,
    ) -> String {
        let refusals = !self.settling;
        match argv[0].as_slice() {
            b"PING" if refusals && self.nodes[m].loading_until > self.now => {
                "-LOADING Redis is loading the dataset in memory".into()
            }
            b"PING" if has_auth && self.rng.chance(1, 2) => {
                "-NOAUTH Authentication required.".into()
            }
            b"PING" => "+PONG".into(),
            b"AUTH" => "+OK".into(),
            b"REPLCONF" if refusals && self.rng.chance(1, 20) => {
                "-ERR Unrecognized REPLCONF option".into()
            }
            b"REPLCONF" => "+OK".into(),
            b"PSYNC" => {
                let replid = String::from_utf8_lossy(&argv[1]).into_owned();
                let offset: i64 = String::from_utf8_lossy(&argv[2])
                    .parse()
                    .unwrap_or_else(|_| self.fail(format!("bad PSYNC offset {:?}", argv[2])));
                self.answer_psync(m, n, &replid, offset, conn)
            }
            other => self.fail(format!(
                "unexpected handshake command {}",
                String::from_utf8_lossy(other)
            )),
        }
    }

    /// The master's PSYNC: syncCommand's NOMASTERLINK check, then `decide_psync`; the
    /// backlog tail or the RDB goes on a new connection.
    pub(super) fn answer_psync(
        &mut self,
        m: NodeId,
        n: NodeId,
        req_replid: &str,
        req_offset: i64,
        conn: &mut Option<ConnId>,
    ) -> String {
        if matches!(
            self.nodes[m].link(),
            Some(Link::Down { .. } | Link::Syncing { .. })
        ) {
            self.stats.nomasterlink += 1;
            return "-NOMASTERLINK Can't SYNC while not connected with my master".into();
        }
        let master = &self.nodes[m];
        let decision = decide_psync(
            &master.ids,
            master.offset,
            Some(master.backlog.range()),
            req_replid,
            req_offset,
        );
        let cid = self.open_conn(m, n);
        *conn = Some(cid);
        match decision {
            PsyncDecision::Continue { from_offset } => {
                self.check_continue(m, req_replid, req_offset, from_offset);
                let master = &self.nodes[m];
                let chunks = master
                    .backlog
                    .since(from_offset)
                    .unwrap_or_else(|| self.fail("CONTINUE but since() is None"));
                let (end, replid) = (master.offset + 1, master.ids.replid.clone());
                let psync2 = req_replid == master.ids.replid2;
                let mut start = from_offset;
                for chunk in chunks {
                    let len = chunk.len() as u64;
                    self.push(
                        cid,
                        Body::Stream {
                            start,
                            bytes: chunk,
                        },
                    );
                    start += len;
                }
                if start != end {
                    self.fail(format!(
                        "backlog since({from_offset}) ended at {start}, master is at {end}"
                    ));
                }
                self.stats.partial += 1;
                self.stats.partial_psync2 += u64::from(psync2);
                self.note(format!(
                    "n{n} PSYNC {} {req_offset} to n{m}: CONTINUE{}",
                    short(req_replid),
                    if psync2 { " (replid2)" } else { "" }
                ));
                format!("+CONTINUE {replid}")
            }
            PsyncDecision::FullResync { reason } => {
                if reason.contains("lack of backlog") {
                    self.stats.full_backlog_miss += 1;
                } else if reason.contains("ID mismatch") {
                    self.stats.full_id_mismatch += 1;
                } else if reason.contains("second ID") {
                    self.stats.full_second_offset += 1;
                }
                let master = &self.nodes[m];
                let body = Body::Rdb {
                    model: master.model.clone(),
                    digest: master.digest,
                    replid: master.ids.replid.clone(),
                    offset: master.offset,
                };
                let reply = format!("+FULLRESYNC {} {}", master.ids.replid, master.offset);
                self.push(cid, body);
                self.stats.full += 1;
                self.note(format!(
                    "n{n} PSYNC {} {req_offset} to n{m}: FULLRESYNC ({reason})",
                    short(req_replid)
                ));
                reply
            }
        }
    }

    /// A `+CONTINUE` must be safe: the offset is inside the backlog, and the replica's
    /// dataset at `offset - 1` is the one the master's own history had there (PSYNC2).
    pub(super) fn check_continue(&self, m: NodeId, req_replid: &str, req_offset: i64, from: u64) {
        let master = &self.nodes[m];
        let (first, histlen) = master.backlog.range();
        if from as i64 != req_offset || from == 0 {
            self.fail(format!(
                "CONTINUE from {from} for a request at {req_offset}"
            ));
        }
        if from < first || from > first + histlen || master.backlog.since(from).is_none() {
            self.fail(format!(
                "decide_psync said CONTINUE from {from}, the backlog holds [{first}, {})",
                first + histlen
            ));
        }
        let theirs = self.hist.digest_at(req_replid, from - 1);
        let ours = self.hist.digest_at(&master.ids.replid, from - 1);
        if theirs.is_none() || theirs != ours {
            self.fail(format!(
                "CONTINUE across diverged histories: {} at {} is {theirs:x?}, n{m}'s {} there is {ours:x?}",
                short(req_replid),
                from - 1,
                short(&master.ids.replid)
            ));
        }
    }

    pub(super) fn on_psync_reply(&mut self, n: NodeId, m: NodeId, cid: ConnId, reply: PsyncReply) {
        let master_id = self.nodes[m].ids.replid.clone();
        let master_offset = self.nodes[m].offset;
        match reply {
            PsyncReply::Continue { new_replid } => {
                if new_replid.as_deref() != Some(master_id.as_str()) {
                    self.fail(format!("+CONTINUE parsed as {new_replid:?}"));
                }
                let node = &mut self.nodes[n];
                let shifted = node.ids.replid != master_id;
                if shifted {
                    // "Master replication ID changed": the old ID stays valid up to here.
                    node.ids.shift(master_id, node.offset);
                }
                node.cached = true;
                node.role = Role::Replica {
                    master: m,
                    link: Link::Connected { conn: cid },
                };
                node.stats.partial += 1;
                if shifted {
                    node.stats.partial_psync2 += 1;
                    self.stats.partial_new_id += 1;
                    self.cut_replicas_of(n, "our replication ID changed");
                }
            }
            PsyncReply::FullResync { replid, offset } => {
                if replid != master_id || offset != master_offset {
                    self.fail(format!("+FULLRESYNC parsed as {replid} {offset}"));
                }
                let node = &mut self.nodes[n];
                // Redis's replicationDiscardCachedMaster: a failed transfer means PSYNC ? -1.
                // Ferrodis keeps asking with its (unchanged) ID and offset; both are safe.
                if self.cfg.discard_cached_master_on_fullresync {
                    node.cached = false;
                }
                node.role = Role::Replica {
                    master: m,
                    link: Link::Syncing { conn: cid },
                };
                node.stats.full += 1;
            }
        }
    }
}

//! What the simulation asserts: `invariants()` after every step, and at quiet points (every
//! link up, every queue drained) that each replica equals its master.

use super::stream;
use super::{Link, NO_ID, NodeId, Role, Sim, short};
use ferrodis_repl::Backlog;

impl Sim {
    // ----- quiet points -----------------------------------------------------------------

    pub(super) fn quiet(&self) -> bool {
        self.nodes.iter().all(|n| {
            matches!(
                n.role,
                Role::Master
                    | Role::Replica {
                        link: Link::Connected { .. },
                        ..
                    }
            )
        }) && self.conns.values().all(|c| c.queue.is_empty())
    }

    /// Heals every link and drains every queue (no new writes or faults), then checks that
    /// every replica equals its master. Not converging is a failure too (a resync loop).
    pub fn settle(&mut self) {
        self.settling = true;
        for node in &mut self.nodes {
            node.partitioned_until = 0;
        }
        let mut rounds = 0;
        while !self.quiet() {
            rounds += 1;
            if rounds > 4 * self.nodes.len() + 8 {
                self.fail(format!("no quiet point after {rounds} rounds"));
            }
            self.reconnect_due();
            self.deliver();
            self.invariants();
        }
        self.settling = false;
        if let Err(e) = self.check_quiet() {
            self.fail(format!("at a quiet point: {e}"));
        }
        self.stats.quiet_points += 1;
    }

    pub(super) fn check_quiet(&self) -> Result<(), String> {
        for (n, node) in self.nodes.iter().enumerate() {
            if node.digest != stream::digest_of(&node.model) {
                return Err(format!("n{n}'s incremental digest drifted"));
            }
            let Some(m) = node.master() else { continue };
            let master = &self.nodes[m];
            if node.model != master.model {
                return Err(format!("n{n}'s dataset differs from its master n{m}'s"));
            }
            if node.offset != master.offset {
                return Err(format!(
                    "n{n} at offset {}, its master n{m} at {}",
                    node.offset, master.offset
                ));
            }
            if node.ids.replid != master.ids.replid {
                return Err(format!("n{n}'s replid differs from its master n{m}'s"));
            }
            // Verbatim forwarding: where both backlogs hold an offset, they hold the same byte.
            let from = node
                .backlog
                .first_byte_offset()
                .max(master.backlog.first_byte_offset());
            let joined = |b: &Backlog| -> Vec<u8> {
                let mut out = Vec::new();
                for chunk in b.since(from).unwrap() {
                    out.extend_from_slice(&chunk);
                }
                out
            };
            if joined(&node.backlog) != joined(&master.backlog) {
                return Err(format!(
                    "n{n}'s backlog bytes differ from n{m}'s from {from}"
                ));
            }
        }
        Ok(())
    }

    // ----- invariants -------------------------------------------------------------------

    /// Checked after every step.
    pub fn invariants(&mut self) {
        if let Err(e) = self.check() {
            self.fail(e);
        }
        for (n, node) in self.nodes.iter().enumerate() {
            self.seen[n] = (node.epoch, node.offset);
        }
    }

    pub(super) fn check(&self) -> Result<(), String> {
        let masters = self.nodes.iter().filter(|n| n.role == Role::Master).count();
        if masters != 1 {
            return Err(format!("{masters} masters"));
        }
        for n in 0..self.nodes.len() {
            self.check_node(n)?;
        }
        for (&cid, conn) in &self.conns {
            let replica = &self.nodes[conn.replica];
            let linked = matches!(replica.link(),
                Some(Link::Syncing { conn } | Link::Connected { conn }) if conn == cid);
            if !linked || replica.master() != Some(conn.master) {
                return Err(format!("conn {cid} is nobody's master link"));
            }
        }
        Ok(())
    }

    pub(super) fn check_node(&self, n: NodeId) -> Result<(), String> {
        let node = &self.nodes[n];
        if !self.is_above(self.root(), n) {
            return Err(format!("n{n}'s chain does not reach the master"));
        }
        let (first, histlen) = node.backlog.range();
        if first + histlen != node.offset + 1 || histlen > node.backlog.size() {
            return Err(format!(
                "n{n}'s backlog {:?} does not end at its offset {}",
                node.backlog.range(),
                node.offset
            ));
        }
        if node.read_offset != node.offset + node.qbuf.len() as u64 {
            return Err(format!(
                "n{n}: read {} but applied {} + {} buffered",
                node.read_offset,
                node.offset,
                node.qbuf.len()
            ));
        }
        let ids = &node.ids;
        if ids.replid == ids.replid2
            || (ids.replid2 == NO_ID) != (ids.second_offset == -1)
            || ids.second_offset > node.offset as i64 + 1
        {
            return Err(format!("n{n}'s IDs are inconsistent: {ids:?}"));
        }
        if self.hist.digest_at(&ids.replid, node.offset) != Some(node.digest) {
            return Err(format!(
                "n{n}'s dataset is not what {} had at {}",
                short(&ids.replid),
                node.offset
            ));
        }
        let (epoch, offset) = self.seen[n];
        if node.epoch == epoch && node.offset < offset {
            return Err(format!(
                "n{n}'s offset went back from {offset} to {} without a resync",
                node.offset
            ));
        }
        let Role::Replica { master: m, link } = node.role else {
            return if node.qbuf.is_empty() {
                Ok(())
            } else {
                Err(format!("master n{n} has unapplied bytes"))
            };
        };
        let master = &self.nodes[m];
        match link {
            Link::Down { .. } => {}
            Link::Connected { conn } => {
                let c = self
                    .conns
                    .get(&conn)
                    .ok_or(format!("n{n}'s conn {conn} is gone"))?;
                // Every byte the master produced is applied, buffered, or in flight: once.
                if c.rdb_offset.is_some() || node.read_offset + c.stream_bytes != master.offset {
                    return Err(format!(
                        "n{n} read {} + {} in flight != master n{m}'s offset {}",
                        node.read_offset, c.stream_bytes, master.offset
                    ));
                }
                if node.ids.replid != master.ids.replid {
                    return Err(format!("n{n} streams from n{m} under another replid"));
                }
            }
            Link::Syncing { conn } => {
                let c = self
                    .conns
                    .get(&conn)
                    .ok_or(format!("n{n}'s conn {conn} is gone"))?;
                match c.rdb_offset {
                    Some(at) if at + c.stream_bytes == master.offset => {}
                    _ => {
                        return Err(format!(
                            "n{n}'s RDB + stream do not add up to n{m}'s offset"
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

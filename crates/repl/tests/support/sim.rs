//! The simulated replication group. One `Sim` is one seeded run: nodes, the links between them
//! and a logical clock (`now`, one tick per step). Inputs are events (`write`, `cut`,
//! `restart`, `promote`, `replicaof`, ...), each followed by `invariants()`; `settle()` drains
//! every link to a quiet point and checks that every replica equals its master.
//!
//! What is real and what is modelled:
//! - Real (the crate under test): `decide_psync` answers every PSYNC, `Backlog` holds every
//!   node's stream and serves `+CONTINUE` with `since`, `ReplIds` (and `shift`) carries the ID
//!   history, `Handshake` produces the replica's commands and parses the master's replies.
//! - Modelled after Redis 7.0's replication.c: a replica applies only complete commands and
//!   forwards exactly the bytes it applied (so offsets agree down a chain); it drops the
//!   unapplied tail of its query buffer when the link drops (replicationCacheMaster);
//!   `+CONTINUE <new id>` shifts the IDs and disconnects its own replicas; a full sync
//!   discards its backlog and disconnects its replicas (replicationAttachToNewMaster);
//!   `REPLICAOF NO ONE` shifts the IDs and disconnects its replicas; a demoted master
//!   caches itself as master (replicationCacheMasterUsingMyself); a replica without master
//!   link refuses PSYNC with `-NOMASTERLINK`; a master restarted from its RDB takes a new ID
//!   and keeps the RDB's as `replid2` (7.0); a replica restarted from its RDB resumes from the
//!   RDB's `repl-id`/`repl-offset`; an RDB saved without a master or cached master carries no
//!   replication info (rdbPopulateSaveInfo).
//!
//! Ground truth: `Histories` records the dataset every master had at every offset under its
//! ID, so "(replid, offset) names one dataset" is checked after every applied command.

mod checks;
mod link;
mod psync;

use super::history::Histories;
use super::rng::Rng;
use super::stream::{self, Model};
use bytes::{Bytes, BytesMut};
use ferrodis_repl::{Backlog, ReplIds};
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

pub type NodeId = usize;
pub type ConnId = u64;

/// How a run is shaped; `Sim::random` draws one from the seed.
#[derive(Clone, Debug)]
pub struct Config {
    pub nodes: usize,
    pub backlog_size_bytes: u64,
    /// `client-output-buffer-limit replica`: a link whose unsent stream exceeds this is cut.
    pub output_limit_bytes: u64,
    pub max_latency_ticks: u64,
    /// Multiplies the odds of faults (cuts, restarts, promotions, re-pointing); 0: none.
    pub fault_scale: u64,
    /// A quiet point is forced, on average, once every this many steps.
    pub settle_every: u64,
    /// After `+FULLRESYNC`, forget the cached master until the RDB is loaded (Redis), or keep
    /// it (the ferrodis server), so a failed transfer is retried with `PSYNC ? -1` or not.
    pub discard_cached_master_on_fullresync: bool,
}

impl Config {
    /// A fault-free group with a large backlog, for scripted scenarios.
    pub fn calm(nodes: usize) -> Config {
        Config {
            nodes,
            backlog_size_bytes: 1 << 20,
            output_limit_bytes: u64::MAX,
            max_latency_ticks: 3,
            fault_scale: 0,
            settle_every: u64::MAX,
            discard_cached_master_on_fullresync: true,
        }
    }
}

/// The replica's side of its master link (Redis's repl_state, folded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// No connection; the next handshake is attempted at `retry_at`.
    Down { retry_at: u64 },
    /// `+FULLRESYNC` received, the RDB is on its way on `conn`.
    Syncing { conn: ConnId },
    /// Streaming on `conn` (REPL_STATE_CONNECTED).
    Connected { conn: ConnId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    Replica { master: NodeId, link: Link },
}

/// How a node comes back from a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// SHUTDOWN: saves an RDB, then loads it.
    Shutdown,
    /// Crash: loads the last RDB it saved (possibly stale), or comes back empty.
    FromLastSave,
    /// Crash without any RDB.
    Empty,
}

/// An RDB file: the dataset and, when the server had one, its replication ID and offset
/// (the `repl-id` / `repl-offset` aux fields).
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub model: Model,
    pub digest: u64,
    pub repl: Option<(String, u64)>,
}

/// Per-node counters, for scenario assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    pub partial: u64,
    pub partial_psync2: u64,
    pub full: u64,
    pub handshake_failed: u64,
}

pub struct Node {
    pub model: Model,
    /// `digest_of(model)`, kept incrementally.
    pub digest: u64,
    /// master_repl_offset: stream bytes applied (and fed to the backlog and replicas).
    pub offset: u64,
    pub ids: ReplIds,
    pub backlog: Backlog,
    pub role: Role,
    /// Received stream bytes not yet applied (an incomplete command).
    qbuf: BytesMut,
    /// Offset of the last stream byte received (slave_read_repl_offset).
    read_offset: u64,
    /// The last RDB this node saved.
    rdb: Option<Snapshot>,
    /// The replica knows its place in a history (it has a master or a cached master), so it
    /// asks `PSYNC <replid> <offset+1>`; otherwise `PSYNC ? -1`.
    cached: bool,
    /// Until then, PING is answered `-LOADING`.
    loading_until: u64,
    /// Until then, the node cannot reach its master (a partition); `settle` heals it.
    partitioned_until: u64,
    /// Bumped whenever the offset may legitimately go back (full sync, restart).
    epoch: u64,
    pub stats: NodeStats,
}

impl Node {
    fn fresh(replid: String, backlog_size_bytes: u64) -> Node {
        Node {
            model: Model::new(),
            digest: 0,
            offset: 0,
            ids: ReplIds::new(replid),
            backlog: Backlog::new(backlog_size_bytes, 0),
            role: Role::Master,
            qbuf: BytesMut::new(),
            read_offset: 0,
            rdb: None,
            cached: false,
            loading_until: 0,
            partitioned_until: 0,
            epoch: 0,
            stats: NodeStats::default(),
        }
    }

    pub fn master(&self) -> Option<NodeId> {
        match self.role {
            Role::Master => None,
            Role::Replica { master, .. } => Some(master),
        }
    }

    pub fn link(&self) -> Option<Link> {
        match self.role {
            Role::Master => None,
            Role::Replica { link, .. } => Some(link),
        }
    }
}

enum Body {
    Stream {
        start: u64,
        bytes: Bytes,
    },
    Rdb {
        model: Model,
        digest: u64,
        replid: String,
        offset: u64,
    },
}

struct Msg {
    at: u64,
    body: Body,
}

/// One master → replica connection: what the master wrote and the replica has not read yet.
struct Conn {
    master: NodeId,
    replica: NodeId,
    queue: VecDeque<Msg>,
    /// Stream bytes in `queue`.
    stream_bytes: u64,
    /// The offset of the RDB in `queue`, if one is still in flight.
    rdb_offset: Option<u64>,
    /// Messages arrive in order: none before the previous one.
    last_at: u64,
}

/// Totals over a run (or many), to show what the runs exercised.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub steps: u64,
    pub writes: u64,
    pub cuts: u64,
    pub output_limit_cuts: u64,
    pub restarts: u64,
    pub saves: u64,
    pub promotions: u64,
    pub partitions: u64,
    pub backlog_resizes: u64,
    pub repoints: u64,
    pub partial: u64,
    pub partial_psync2: u64,
    pub partial_new_id: u64,
    pub full: u64,
    pub full_backlog_miss: u64,
    pub full_id_mismatch: u64,
    pub full_second_offset: u64,
    pub rdb_loads: u64,
    pub handshake_failed: u64,
    pub nomasterlink: u64,
    pub fragments: u64,
    pub quiet_points: u64,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.steps += o.steps;
        self.writes += o.writes;
        self.cuts += o.cuts;
        self.output_limit_cuts += o.output_limit_cuts;
        self.restarts += o.restarts;
        self.saves += o.saves;
        self.promotions += o.promotions;
        self.partitions += o.partitions;
        self.backlog_resizes += o.backlog_resizes;
        self.repoints += o.repoints;
        self.partial += o.partial;
        self.partial_psync2 += o.partial_psync2;
        self.partial_new_id += o.partial_new_id;
        self.full += o.full;
        self.full_backlog_miss += o.full_backlog_miss;
        self.full_id_mismatch += o.full_id_mismatch;
        self.full_second_offset += o.full_second_offset;
        self.rdb_loads += o.rdb_loads;
        self.handshake_failed += o.handshake_failed;
        self.nomasterlink += o.nomasterlink;
        self.fragments += o.fragments;
        self.quiet_points += o.quiet_points;
    }
}

pub struct Sim {
    pub seed: u64,
    pub cfg: Config,
    pub now: u64,
    pub nodes: Vec<Node>,
    pub stats: Stats,
    rng: Rng,
    conns: BTreeMap<ConnId, Conn>,
    next_conn: ConnId,
    hist: Histories,
    /// Inside `settle`: no latency, no stalls, no refusals.
    settling: bool,
    /// Per node, (epoch, offset) at the last check: offsets only go back with a new epoch.
    seen: Vec<(u64, u64)>,
    /// The last events, printed on failure.
    trace: VecDeque<String>,
    pub verbose: bool,
}

const TRACE_LEN: usize = 64;

impl Sim {
    /// A group whose node `i` replicates from `parents[i]` (None: the master; exactly one).
    pub fn new(seed: u64, cfg: Config, parents: &[Option<NodeId>]) -> Sim {
        Sim::with_rng(seed, Rng::new(seed), cfg, parents)
    }

    /// Everything drawn from the seed: size, backlog, limits, latency, fault rate, topology
    /// (a random tree, so chains happen).
    pub fn random(seed: u64) -> Sim {
        let mut rng = Rng::new(seed);
        let nodes = rng.range(3, 6) as usize;
        let backlog_size_bytes = rng.pick(&[48, 96, 200, 512, 2048, 8192]);
        let cfg = Config {
            nodes,
            backlog_size_bytes,
            output_limit_bytes: backlog_size_bytes * rng.range(2, 8),
            max_latency_ticks: rng.range(0, 6),
            fault_scale: rng.range(1, 4),
            settle_every: rng.pick(&[50, 150, 400]),
            discard_cached_master_on_fullresync: rng.chance(1, 2),
        };
        let parents: Vec<Option<NodeId>> = (0..nodes)
            .map(|i| (i > 0).then(|| rng.below(i as u64) as NodeId))
            .collect();
        Sim::with_rng(seed, rng, cfg, &parents)
    }

    fn with_rng(seed: u64, mut rng: Rng, cfg: Config, parents: &[Option<NodeId>]) -> Sim {
        assert_eq!(parents.len(), cfg.nodes);
        assert_eq!(parents.iter().filter(|p| p.is_none()).count(), 1);
        let mut hist = Histories::default();
        let nodes = parents
            .iter()
            .map(|parent| {
                let replid = rng.replid();
                hist.begin(&replid, None, 0, 0).unwrap();
                let mut node = Node::fresh(replid, cfg.backlog_size_bytes);
                if let Some(master) = *parent {
                    node.role = Role::Replica {
                        master,
                        link: Link::Down { retry_at: 0 },
                    };
                }
                node
            })
            .collect::<Vec<_>>();
        let mut sim = Sim {
            seed,
            now: 0,
            seen: vec![(0, 0); nodes.len()],
            nodes,
            stats: Stats::default(),
            rng,
            conns: BTreeMap::new(),
            next_conn: 1,
            hist,
            settling: false,
            trace: VecDeque::new(),
            verbose: false,
            cfg,
        };
        sim.invariants();
        sim
    }

    // ----- reporting -------------------------------------------------------------------

    fn note(&mut self, line: String) {
        if self.verbose {
            eprintln!("t={} {line}", self.now);
        }
        if self.trace.len() == TRACE_LEN {
            self.trace.pop_front();
        }
        self.trace.push_back(format!("t={} {line}", self.now));
    }

    /// One line per node.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let role = match n.role {
                Role::Master => "master".to_string(),
                Role::Replica { master, link } => format!("replica-of n{master} {link:?}"),
            };
            let _ = writeln!(
                out,
                "  n{i} {role} offset={} read={} replid={} replid2={} second_offset={} backlog={:?} epoch={} keys={} cached={}",
                n.offset,
                n.read_offset,
                &n.ids.replid[..8],
                &n.ids.replid2[..8],
                n.ids.second_offset,
                n.backlog.range(),
                n.epoch,
                n.model.len(),
                n.cached,
            );
        }
        out
    }

    #[track_caller]
    fn fail(&self, msg: impl std::fmt::Display) -> ! {
        let trace: String = self.trace.iter().map(|l| format!("  {l}\n")).collect();
        panic!(
            "simulation failed: seed={} now={}: {msg}\nnodes:\n{}last events:\n{trace}replay: SIM_SEED={} cargo test -p ferrodis-repl --test simulation",
            self.seed,
            self.now,
            self.describe(),
            self.seed,
        );
    }

    // ----- the random driver -----------------------------------------------------------

    /// `steps` random steps with quiet points along the way and one at the end.
    pub fn run(&mut self, steps: u64) {
        for _ in 0..steps {
            self.step();
            if self.rng.below(self.cfg.settle_every) == 0 {
                self.settle();
            }
        }
        self.settle();
    }

    /// One tick: maybe an event, then due reconnections, deliveries, output limits, and the
    /// invariants.
    pub fn step(&mut self) {
        self.now += 1;
        self.stats.steps += 1;
        self.random_event();
        self.reconnect_due();
        self.deliver();
        self.enforce_output_limits();
        self.invariants();
    }

    /// One tick without a random event: time passes, links deliver, replicas reconnect.
    pub fn tick(&mut self) {
        self.now += 1;
        self.reconnect_due();
        self.deliver();
        self.enforce_output_limits();
        self.invariants();
    }

    fn random_event(&mut self) {
        let f = self.cfg.fault_scale;
        let roll = self.rng.below(1000);
        let mut at = 0;
        let mut next = |odds: u64| {
            at += odds;
            roll < at
        };
        if next(350) {
            let cmds: Vec<Bytes> = (0..self.rng.range(1, 3))
                .map(|_| self.random_command())
                .collect();
            if self.rng.chance(1, 2) {
                self.write_batch(&cmds);
            } else {
                for cmd in cmds {
                    self.write(cmd);
                }
            }
        } else if next(30) {
            let cmd = if self.rng.chance(1, 2) {
                stream::encode(&[b"PING"])
            } else {
                stream::encode(&[b"REPLCONF", b"GETACK", b"*"])
            };
            self.write(cmd);
        } else if next(10 * f) {
            self.random_cut();
        } else if next(3 * f) {
            let n = self.rng.below(self.nodes.len() as u64) as NodeId;
            let mode = self.rng.pick(&[
                Restart::Shutdown,
                Restart::Shutdown,
                Restart::FromLastSave,
                Restart::FromLastSave,
                Restart::Empty,
            ]);
            self.restart(n, mode);
        } else if next(5) {
            let n = self.rng.below(self.nodes.len() as u64) as NodeId;
            self.bgsave(n);
        } else if next(3 * f) {
            let replicas: Vec<NodeId> = self.replicas().collect();
            if !replicas.is_empty() {
                let p = self.rng.pick(&replicas);
                let siblings = self.rng.chance(2, 3);
                self.promote(p, siblings);
            }
        } else if next(6 * f) {
            self.random_repoint();
        } else if next(2) {
            // CONFIG SET repl-backlog-size: shrinking drops the oldest history.
            let n = self.rng.below(self.nodes.len() as u64) as NodeId;
            let base = self.cfg.backlog_size_bytes;
            let size = self.rng.pick(&[base / 4, base / 2, base, base * 2]);
            self.nodes[n].backlog.resize(size);
            self.stats.backlog_resizes += 1;
            self.note(format!("n{n} CONFIG SET repl-backlog-size {size}"));
        } else if next(3 * f) {
            let replicas: Vec<NodeId> = self.replicas().collect();
            if !replicas.is_empty() {
                let n = self.rng.pick(&replicas);
                let ticks = self.rng.range(5, 300);
                self.partition(n, ticks);
            }
        }
    }

    fn random_command(&mut self) -> Bytes {
        let key = format!("k{}", self.rng.below(16));
        if self.rng.chance(1, 5) {
            return stream::encode(&[b"DEL", key.as_bytes()]);
        }
        let pad = "x".repeat(self.rng.below(40) as usize);
        let value = format!("v{}{pad}", self.now);
        stream::encode(&[b"SET", key.as_bytes(), value.as_bytes()])
    }

    fn random_cut(&mut self) {
        if self.conns.is_empty() {
            return;
        }
        let i = self.rng.below(self.conns.len() as u64) as usize;
        let cid = *self.conns.keys().nth(i).unwrap();
        self.cut(cid, "link cut");
    }

    fn random_repoint(&mut self) {
        let replicas: Vec<NodeId> = self.replicas().collect();
        if replicas.is_empty() {
            return;
        }
        let x = self.rng.pick(&replicas);
        let targets: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&y| y != x && self.nodes[x].master() != Some(y) && !self.is_above(x, y))
            .collect();
        if targets.is_empty() {
            return;
        }
        let y = self.rng.pick(&targets);
        self.replicaof(x, y);
    }

    fn replicas(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|&n| self.nodes[n].master().is_some())
    }

    /// Is `a` on `b`'s path to the master (or `b` itself)?
    fn is_above(&self, a: NodeId, b: NodeId) -> bool {
        let mut x = b;
        for _ in 0..=self.nodes.len() {
            if x == a {
                return true;
            }
            match self.nodes[x].master() {
                Some(m) => x = m,
                None => return false,
            }
        }
        self.fail("replication cycle")
    }

    /// The one master.
    pub fn root(&self) -> NodeId {
        self.nodes
            .iter()
            .position(|n| n.role == Role::Master)
            .unwrap_or_else(|| self.fail("no master"))
    }

    // ----- events -----------------------------------------------------------------------

    /// A client write on the master: applied, appended to the stream (backlog and every
    /// replica link), and recorded as the dataset at the new offset of the master's history.
    pub fn write(&mut self, cmd: Bytes) {
        self.write_batch(&[cmd]);
    }

    /// Several commands applied one by one but fed to the stream as one chunk (a pipeline,
    /// a MULTI/EXEC), so backlog chunks do not always end at command boundaries.
    pub fn write_batch(&mut self, cmds: &[Bytes]) {
        let m = self.root();
        let mut chunk = BytesMut::new();
        for cmd in cmds {
            let node = &mut self.nodes[m];
            stream::apply(&mut node.model, &mut node.digest, cmd);
            node.offset += cmd.len() as u64;
            node.read_offset = node.offset;
            chunk.extend_from_slice(cmd);
            if let Err(e) = self.hist.record(&node.ids.replid, node.offset, node.digest) {
                self.fail(e);
            }
            self.stats.writes += 1;
        }
        self.feed(m, chunk.freeze());
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.write(stream::encode(&[b"SET", key.as_bytes(), value.as_bytes()]));
    }

    /// Replica `n` loses its master link and cannot reconnect for `ticks` (u64::MAX: until
    /// the next `settle`).
    pub fn partition(&mut self, n: NodeId, ticks: u64) {
        self.cut_link(n);
        self.nodes[n].partitioned_until = self.now.saturating_add(ticks);
        self.stats.partitions += 1;
        self.note(format!("partition n{n} for {ticks} ticks"));
    }

    /// Cuts replica `n`'s link to its master, if it has one.
    pub fn cut_link(&mut self, n: NodeId) {
        if self.nodes[n].master().is_none() {
            return;
        }
        if let Some(Link::Syncing { conn } | Link::Connected { conn }) = self.nodes[n].link() {
            self.cut(conn, "link cut");
        }
    }

    /// REPLICAOF NO ONE on `p`; the old master becomes `p`'s replica, and with
    /// `repoint_siblings` so do the old master's other direct replicas (a failover).
    pub fn promote(&mut self, p: NodeId, repoint_siblings: bool) {
        let old = self.root();
        assert_ne!(p, old, "promote a replica");
        self.drop_link(p);
        let new_id = self.rng.replid();
        let node = &mut self.nodes[p];
        let old_id = node.ids.replid.clone();
        node.role = Role::Master;
        node.ids.shift(new_id.clone(), node.offset);
        node.qbuf.clear();
        node.read_offset = node.offset;
        let (offset, digest) = (node.offset, node.digest);
        if let Err(e) = self.hist.begin(&new_id, Some(&old_id), offset, digest) {
            self.fail(e);
        }
        self.stats.promotions += 1;
        self.note(format!(
            "promote n{p} at {offset}: replid2={} second_offset={}",
            &old_id[..8],
            offset + 1
        ));
        self.cut_replicas_of(p, "replicas of a promoted node learn its new ID");
        self.replicaof(old, p);
        if repoint_siblings {
            let siblings: Vec<NodeId> = (0..self.nodes.len())
                .filter(|&x| x != p && self.nodes[x].master() == Some(old))
                .collect();
            for x in siblings {
                self.replicaof(x, p);
            }
        }
    }

    /// REPLICAOF y on x (x must not be above y).
    pub fn replicaof(&mut self, x: NodeId, y: NodeId) {
        if x == y || self.is_above(x, y) {
            self.fail(format!("REPLICAOF n{y} on n{x} would make a cycle"));
        }
        if self.nodes[x].role == Role::Master {
            // replicationCacheMasterUsingMyself: PSYNC with our own ID and offset.
            self.nodes[x].cached = true;
        } else {
            self.drop_link(x);
            self.stats.repoints += 1;
        }
        self.nodes[x].role = Role::Replica {
            master: y,
            link: Link::Down { retry_at: self.now },
        };
        self.note(format!("n{x} REPLICAOF n{y}"));
    }

    /// The node saves an RDB (BGSAVE).
    pub fn bgsave(&mut self, n: NodeId) {
        let snapshot = self.snapshot(n);
        self.note(format!("n{n} BGSAVE repl={:?}", snapshot.repl));
        self.nodes[n].rdb = Some(snapshot);
        self.stats.saves += 1;
    }

    fn snapshot(&self, n: NodeId) -> Snapshot {
        let node = &self.nodes[n];
        // rdbPopulateSaveInfo: a master, or a replica with a master or cached master.
        let has_history = node.role == Role::Master || node.cached;
        Snapshot {
            model: node.model.clone(),
            digest: node.digest,
            repl: has_history.then(|| (node.ids.replid.clone(), node.offset)),
        }
    }

    /// The node stops (every link it has drops) and comes back as `mode` says, in the same
    /// role.
    pub fn restart(&mut self, n: NodeId, mode: Restart) {
        let touching: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.master == n || c.replica == n)
            .map(|(&id, _)| id)
            .collect();
        for cid in touching {
            self.cut(cid, "restart");
        }
        let snapshot = match mode {
            Restart::Shutdown => {
                let s = self.snapshot(n);
                self.nodes[n].rdb = Some(s.clone());
                Some(s)
            }
            Restart::FromLastSave => self.nodes[n].rdb.clone(),
            Restart::Empty => None,
        };
        let (model, digest, repl) = match snapshot {
            Some(s) => (s.model, s.digest, s.repl),
            None => (Model::new(), 0, None),
        };
        let new_id = self.rng.replid();
        let loading_ticks = self.rng.below(4);
        let size = self.nodes[n].backlog.size();
        let now = self.now;
        let node = &mut self.nodes[n];
        let is_master = node.role == Role::Master;
        node.model = model;
        node.digest = digest;
        node.qbuf.clear();
        node.epoch += 1;
        node.loading_until = now + loading_ticks;
        let begun = match (is_master, repl.clone()) {
            // Redis 7.0: a master keeps its RDB's history as the secondary ID.
            (true, Some((replid, offset))) => {
                node.ids = ReplIds::new(replid.clone());
                node.ids.shift(new_id.clone(), offset);
                node.offset = offset;
                self.hist.begin(&new_id, Some(&replid), offset, digest)
            }
            (false, Some((replid, offset))) => {
                node.ids = ReplIds::new(replid);
                node.offset = offset;
                node.cached = true;
                Ok(())
            }
            (_, None) => {
                node.ids = ReplIds::new(new_id.clone());
                node.offset = 0;
                node.cached = false;
                self.hist.begin(&new_id, None, 0, digest)
            }
        };
        node.read_offset = node.offset;
        node.backlog = Backlog::new(size, node.offset);
        if let Role::Replica { link, .. } = &mut node.role {
            *link = Link::Down { retry_at: now + 1 };
        }
        if let Err(e) = begun {
            self.fail(e);
        }
        self.stats.restarts += 1;
        self.note(format!("restart n{n} {mode:?} repl={repl:?}"));
    }
}

/// ferrodis_repl's NO_ID (not exported): 40 zeros.
const NO_ID: &str = "0000000000000000000000000000000000000000";

fn short(replid: &str) -> &str {
    &replid[..replid.len().min(8)]
}

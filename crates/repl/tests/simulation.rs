//! Deterministic simulation of replication (issue 5, "How it is checked"): seeded link cuts,
//! delays, fragmentation, restarts, promotions and re-pointing over the real `Backlog`,
//! `ReplIds`, `decide_psync` and `Handshake`; invariants after every step; every replica equal
//! to its master at every quiet point. A failure prints `seed=...`; replay one seed with
//! `SIM_SEED=123 cargo test -p ferrodis-repl --test simulation` (add `SIM_VERBOSE=1` for the
//! event log, `SIM_STEPS=n` for a longer run; `SIM_SEEDS=n` runs more seeds).
//!
//! Then scenarios, each pinning one named Redis behaviour.

mod support;

use support::sim::{Config, Link, Restart, Role, Sim, Stats};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}"))
    })
}

fn run_seed(seed: u64, steps: u64, verbose: bool) -> Stats {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut sim = Sim::random(seed);
        sim.verbose = verbose;
        if verbose {
            eprintln!("seed={seed} {:?}\n{}", sim.cfg, sim.describe());
        }
        sim.run(steps);
        sim.stats.clone()
    }));
    result.unwrap_or_else(|panic| {
        eprintln!(
            "simulation failed: seed={seed}; replay: SIM_SEED={seed} cargo test -p ferrodis-repl --test simulation"
        );
        std::panic::resume_unwind(panic)
    })
}

#[test]
fn random_runs_keep_every_replica_equal_to_its_master() {
    let steps = env_u64("SIM_STEPS").unwrap_or(2000);
    let verbose = std::env::var_os("SIM_VERBOSE").is_some();
    if let Some(seed) = env_u64("SIM_SEED") {
        let stats = run_seed(seed, steps, verbose);
        eprintln!("seed={seed} steps={steps}: {stats:#?}");
        return;
    }
    let seeds = env_u64("SIM_SEEDS").unwrap_or(200);
    let mut total = Stats::default();
    for seed in 0..seeds {
        total.add(&run_seed(seed, steps, verbose));
    }
    eprintln!("{seeds} seeds x {steps} steps: {total:#?}");
    // The runs are not vacuous: every mechanism was exercised.
    for (what, count) in [
        ("partial resyncs", total.partial),
        (
            "partial resyncs with replid2 (psync2)",
            total.partial_psync2,
        ),
        ("partial resyncs adopting a new ID", total.partial_new_id),
        ("full resyncs for lack of backlog", total.full_backlog_miss),
        ("full resyncs for an ID mismatch", total.full_id_mismatch),
        ("full resyncs past second_offset", total.full_second_offset),
        ("NOMASTERLINK refusals", total.nomasterlink),
        ("output-limit disconnections", total.output_limit_cuts),
        ("promotions", total.promotions),
        ("restarts", total.restarts),
        ("fragmented deliveries", total.fragments),
        ("quiet points", total.quiet_points),
    ] {
        assert!(count > 0, "no {what} in {seeds} seeds");
    }
}

// ----- scenarios ------------------------------------------------------------------------

/// A calm group: node `i` replicates from `parents[i]`, all synced and quiet.
fn group(parents: &[Option<usize>]) -> Sim {
    let mut sim = Sim::new(7, Config::calm(parents.len()), parents);
    sim.settle();
    sim
}

/// `n` writes on the master, one per tick (links deliver meanwhile, with latency).
fn writes(sim: &mut Sim, n: usize, tag: &str) {
    for i in 0..n {
        sim.set(&format!("k{}", i % 7), &format!("{tag}{i}"));
        sim.tick();
    }
}

/// Ticks until `n` has caught up with the master (without healing partitions).
fn catch_up(sim: &mut Sim, n: usize) {
    for _ in 0..100 {
        if sim.nodes[n].offset == sim.nodes[sim.root()].offset {
            return;
        }
        sim.tick();
    }
    panic!("n{n} did not catch up");
}

#[test]
fn fresh_replicas_full_sync_then_continue_after_a_link_cut() {
    let mut sim = group(&[None, Some(0), Some(0)]);
    assert_eq!(
        sim.nodes[1].stats.full, 1,
        "first sync is PSYNC ? -1 -> FULLRESYNC"
    );
    writes(&mut sim, 20, "a");
    sim.settle();
    sim.cut_link(1);
    writes(&mut sim, 20, "b");
    sim.settle();
    assert_eq!(sim.nodes[1].stats.full, 1);
    assert_eq!(
        sim.nodes[1].stats.partial, 1,
        "reconnect inside the backlog: +CONTINUE"
    );
    assert_eq!(sim.nodes[1].model, sim.nodes[0].model);
}

#[test]
fn replica_that_fell_out_of_the_backlog_gets_a_full_resync() {
    let cfg = Config {
        backlog_size_bytes: 200,
        ..Config::calm(2)
    };
    let mut sim = Sim::new(7, cfg, &[None, Some(0)]);
    sim.settle();
    sim.partition(1, u64::MAX);
    writes(&mut sim, 5, "short"); // well under 200 bytes
    sim.settle();
    assert_eq!(
        (sim.nodes[1].stats.partial, sim.nodes[1].stats.full),
        (1, 1)
    );
    sim.partition(1, u64::MAX);
    writes(&mut sim, 30, "long-enough-to-overflow-the-backlog");
    sim.settle();
    assert_eq!(
        (sim.nodes[1].stats.partial, sim.nodes[1].stats.full),
        (1, 2),
        "Unable to partial resync with replica: lack of backlog"
    );
    assert_eq!(sim.nodes[1].model, sim.nodes[0].model);
}

#[test]
fn sibling_continues_after_promotion_psync2() {
    let mut sim = group(&[None, Some(0), Some(0), Some(0)]);
    writes(&mut sim, 30, "a");
    sim.settle();
    let old_id = sim.nodes[0].ids.replid.clone();
    let offset = sim.nodes[1].offset;
    sim.promote(1, true);
    // REPLICAOF NO ONE: the old ID is valid up to the promotion offset (shiftReplicationId).
    assert_eq!(sim.nodes[1].ids.replid2, old_id);
    assert_eq!(sim.nodes[1].ids.second_offset, offset as i64 + 1);
    writes(&mut sim, 10, "b");
    sim.settle();
    for n in [0, 2, 3] {
        let s = sim.nodes[n].stats;
        let initial = if n == 0 { 0 } else { 1 };
        assert_eq!(s.full, initial, "n{n}: no full sync after the failover");
        assert_eq!(s.partial_psync2, 1, "n{n} continued under the new ID");
        assert_eq!(sim.nodes[n].master(), Some(1));
        assert_eq!(sim.nodes[n].model, sim.nodes[1].model);
    }
}

#[test]
fn sub_replicas_of_the_promoted_replica_continue_psync2() {
    // 0 <- 1 <- 2: promoting 1 changes its ID; 2 is disconnected and continues via replid2.
    let mut sim = group(&[None, Some(0), Some(1)]);
    writes(&mut sim, 20, "a");
    sim.settle();
    sim.promote(1, false);
    writes(&mut sim, 5, "b");
    sim.settle();
    assert_eq!(sim.nodes[2].stats.full, 1);
    assert_eq!(sim.nodes[2].stats.partial_psync2, 1);
    assert_eq!(sim.nodes[2].ids.replid, sim.nodes[1].ids.replid);
}

#[test]
fn demoted_master_with_writes_the_new_master_never_saw_gets_a_full_resync() {
    let mut sim = group(&[None, Some(0), Some(0)]);
    writes(&mut sim, 10, "a");
    sim.settle();
    sim.partition(1, u64::MAX);
    sim.set("lost", "write"); // only the old master and n2 get it
    catch_up(&mut sim, 2);
    sim.promote(1, true);
    sim.settle();
    // Requested offset for second ID is past second_replid_offset.
    assert_eq!(
        sim.nodes[0].stats.full, 1,
        "the old master was never a replica before"
    );
    assert_eq!(
        sim.stats.full_second_offset, 2,
        "old master and sibling both had the lost write"
    );
    assert!(!sim.nodes[0].model.contains_key("lost"));
    assert_eq!(sim.nodes[2].model, sim.nodes[1].model);
}

#[test]
fn chain_of_three_keeps_identical_offsets() {
    let mut sim = group(&[None, Some(0), Some(1)]);
    writes(&mut sim, 40, "a");
    sim.settle();
    let offsets: Vec<u64> = sim.nodes.iter().map(|n| n.offset).collect();
    assert_eq!(offsets, vec![offsets[0]; 3]);
    // The middle link drops: the sub-replica stays connected (Redis 7.0 keeps it), the middle
    // node continues, and the stream flows through to the end of the chain.
    let before = sim.nodes[2].stats;
    sim.partition(1, u64::MAX);
    writes(&mut sim, 10, "b");
    assert!(matches!(sim.nodes[2].link(), Some(Link::Connected { .. })));
    sim.settle();
    assert_eq!(sim.nodes[2].stats, before, "n2 needed no resync");
    assert_eq!(sim.nodes[1].stats.partial, 1);
    assert_eq!(sim.nodes[2].offset, sim.nodes[0].offset);
    assert_eq!(sim.nodes[2].model, sim.nodes[0].model);
}

#[test]
fn sub_replica_cannot_psync_while_its_master_has_no_master_link() {
    let mut sim = group(&[None, Some(0), Some(1)]);
    let failed = sim.nodes[2].stats.handshake_failed;
    sim.partition(1, u64::MAX);
    sim.cut_link(2);
    sim.connect(2);
    assert_eq!(
        sim.nodes[2].stats.handshake_failed,
        failed + 1,
        "-NOMASTERLINK"
    );
    assert!(matches!(sim.nodes[2].link(), Some(Link::Down { .. })));
    sim.settle();
    assert_eq!(sim.nodes[2].stats.partial, 1);
}

#[test]
fn replica_restarted_from_its_rdb_resumes_with_a_partial_resync() {
    let mut sim = group(&[None, Some(0)]);
    writes(&mut sim, 20, "a");
    sim.settle();
    sim.restart(1, Restart::Shutdown);
    writes(&mut sim, 5, "b");
    sim.settle();
    assert_eq!(
        (sim.nodes[1].stats.full, sim.nodes[1].stats.partial),
        (1, 1)
    );
    // Without an RDB it starts over: PSYNC ? -1.
    sim.restart(1, Restart::Empty);
    sim.settle();
    assert_eq!(sim.nodes[1].stats.full, 2);
    assert_eq!(sim.nodes[1].model, sim.nodes[0].model);
}

#[test]
fn master_restarted_from_its_rdb_keeps_accepting_partial_syncs() {
    let mut sim = group(&[None, Some(0), Some(0)]);
    writes(&mut sim, 20, "a");
    sim.settle();
    let id = sim.nodes[0].ids.replid.clone();
    sim.restart(0, Restart::Shutdown);
    // Redis 7.0: a new ID, the RDB's as replid2 up to its offset.
    assert_eq!(sim.nodes[0].ids.replid2, id);
    sim.settle();
    for n in [1, 2] {
        assert_eq!(sim.nodes[n].stats.full, 1, "n{n}");
        assert_eq!(sim.nodes[n].stats.partial_psync2, 1, "n{n}");
    }
}

#[test]
fn master_restarted_from_a_stale_rdb_full_syncs_replicas_that_are_ahead() {
    let mut sim = group(&[None, Some(0)]);
    writes(&mut sim, 10, "a");
    sim.bgsave(0);
    writes(&mut sim, 10, "b");
    sim.settle();
    sim.restart(0, Restart::FromLastSave);
    sim.settle();
    assert_eq!(
        sim.nodes[1].stats.full, 2,
        "its offset is past second_offset"
    );
    assert_eq!(sim.nodes[1].model, sim.nodes[0].model);
    assert_eq!(sim.nodes[1].model.get("k0").map(String::as_str), Some("a7"));
}

#[test]
fn replica_repointed_to_a_sibling_continues() {
    // Both follow 0 and are at the same offset: 2 can PSYNC to 1 with the same ID.
    let mut sim = group(&[None, Some(0), Some(0)]);
    writes(&mut sim, 10, "a");
    sim.settle();
    sim.replicaof(2, 1);
    sim.settle();
    assert_eq!(sim.nodes[2].stats.full, 1);
    assert_eq!(sim.nodes[2].stats.partial, 1);
    assert_eq!(sim.nodes[2].master(), Some(1));
    assert!(matches!(sim.nodes[0].role, Role::Master));
}

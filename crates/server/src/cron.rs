//! The periodic work Redis's serverCron does, as one task ticking `hz` times a second:
//! the active expiry cycle (each expired key deleted and recorded as a DEL effect) and the
//! end of CLIENT PAUSE.

use crate::server::{Core, Shared};
use crate::{clock, log};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Share of each tick the expiry cycle may use, as Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC.
const EXPIRE_TIME_PERCENT: u64 = 25;
/// Segments processed per lock hold, so other clients get the lock between slices.
const SEGMENTS_PER_SLICE: usize = 16;

pub fn spawn(shared: Arc<Shared>) {
    tokio::spawn(async move {
        loop {
            let hz = shared.lock_core().await.config.hz.clamp(1, 500);
            let period = Duration::from_millis(1000 / hz as u64);
            tokio::time::sleep(period).await;
            let budget = period * EXPIRE_TIME_PERCENT as u32 / 100;
            active_expire_cycle(&shared, budget).await;
            end_pause_if_due(&shared).await;
            shared.lock_core().await.save_points_due();
            replication_cron(&shared).await;
        }
    });
}

async fn end_pause_if_due(shared: &Shared) {
    let mut core = shared.lock_core().await;
    core.clock.recalibrate();
    if core.pause.is_some_and(|p| p.until_ms <= clock::unix_ms()) {
        core.pause = None;
        shared.unpause_notify.notify_waiters();
    }
}

/// Deletes expired keys in slices of segments until every database was visited or the time
/// budget is spent. A replica never expires keys itself: it waits for its master's DELs.
async fn active_expire_cycle(shared: &Shared, budget: Duration) {
    let started = Instant::now();
    let ndbs = shared.lock_core().await.dbs.len();
    for db in 0..ndbs {
        loop {
            let mut core = shared.lock_core().await;
            if !core.active_expire_enabled || core.is_replica() {
                return;
            }
            let now = clock::unix_ms();
            let step = core.dbs[db].expire_step(now, SEGMENTS_PER_SLICE);
            record_expired(&mut core, db, step.expired);
            drop(core);
            if step.wrapped {
                break;
            }
            if started.elapsed() >= budget {
                return;
            }
        }
    }
}

/// Counts expired keys and records each deletion as an effect, in the one write order.
fn record_expired(core: &mut Core, db: usize, keys: Vec<crate::keyspace::Key>) {
    if keys.is_empty() {
        return;
    }
    // Counted as expirations, not as changes: Redis's dirty counter ignores active expiry.
    core.stats.expired_keys += keys.len() as u64;
    let verb: &'static [u8] = if core.config.lazyfree_lazy_expire {
        b"UNLINK"
    } else {
        b"DEL"
    };
    for key in keys {
        core.dbs[db].signal_modified(key.as_bytes());
        core.propagate_effects(vec![(
            db,
            vec![
                Bytes::from_static(verb),
                Bytes::copy_from_slice(key.as_bytes()),
            ],
        )]);
    }
}

/// Redis's replicationCron, master side: a PING into the stream every
/// `repl-ping-replica-period` seconds (so replicas see the link alive and offsets move), and
/// replicas silent for longer than `repl-timeout` disconnected.
async fn replication_cron(shared: &Shared) {
    let mut core = shared.lock_core().await;
    expire_replica_keys(&mut core);
    crate::replication::failover::cron(&mut core);
    core.replication.retrim_backlog();
    let now = clock::unix_ms();
    let period_ms = core.config.repl_ping_replica_period.max(1) as u64 * 1000;
    let timeout_ms = core.config.repl_timeout.max(1) as u64 * 1000;
    let ttl_ms = core.config.repl_backlog_ttl * 1000;
    let r = &mut core.replication;
    // A master without replicas frees its backlog after repl-backlog-ttl; the next replica
    // starts a new history (Redis changes the ID so no one can continue from the old one).
    if r.master.is_none()
        && r.replicas.is_empty()
        && r.backlog.is_some()
        && ttl_ms > 0
        && now.saturating_sub(r.no_replicas_since_ms) > ttl_ms
    {
        r.backlog = None;
        r.active = false;
        r.ids = ferrodis_repl::ReplIds::new(crate::replication::random_replid());
        log!(
            Notice,
            "Replication backlog freed after {} seconds without connected replicas.",
            ttl_ms / 1000
        );
    }
    if r.master.is_none()
        && !r.replicas.is_empty()
        && now.saturating_sub(r.last_ping_ms) >= period_ms
    {
        r.last_ping_ms = now;
        r.feed_raw(b"*1\r\n$4\r\nPING\r\n");
        r.flush();
    }
    for info in r.replicas.values() {
        if info.state == crate::replication::ReplicaState::Online
            && now.saturating_sub(info.ack_time_ms) > timeout_ms
        {
            log!(
                Warning,
                "Disconnecting timedout replica (streaming sync): {}:{}",
                info.ip,
                info.listening_port
            );
            let _ = info.tx.send(crate::client::ClientMsg::Kill);
        }
    }
}

/// Redis's expireSlaveKeys: keys written with a TTL on a writable replica expire locally.
fn expire_replica_keys(core: &mut Core) {
    if core.replication.replica_keys_with_expire.is_empty() {
        return;
    }
    if !core.is_replica() {
        core.replication.replica_keys_with_expire.clear();
        return;
    }
    let now = clock::unix_ms();
    let tracked = std::mem::take(&mut core.replication.replica_keys_with_expire);
    let mut kept = std::collections::HashSet::new();
    for (db, key) in tracked {
        match core.dbs.get(db).and_then(|d| d.get(key.as_bytes())) {
            Some(e) if e.is_expired(now) => {
                core.dbs[db].remove(key.as_bytes());
                core.stats.expired_keys += 1;
            }
            Some(e) if e.expire_at().is_some() => {
                kept.insert((db, key));
            }
            _ => {}
        }
    }
    core.replication.replica_keys_with_expire = kept;
}

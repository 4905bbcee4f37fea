//! FAILOVER (Redis 7.0): a master hands its role to one of its replicas without losing a
//! write. Writes are paused; once the target's ACK reaches our offset (or the timeout passes
//! with FORCE) we become its replica and ask `PSYNC <our id> <offset> FAILOVER`, which makes it
//! promote itself and continue from exactly where we stopped. Reads are served throughout.

use super::replica;
use crate::server::{Core, Pause};
use crate::{clock, log};

/// INFO `master_failover_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverState {
    WaitingForSync,
    InProgress,
}

pub struct Failover {
    /// The replica to hand over to; None: the first that catches up.
    pub target: Option<(String, u16)>,
    pub force: bool,
    /// Unix ms; 0 = none.
    pub deadline_ms: u64,
    pub state: FailoverState,
}

pub fn state_name(f: Option<&Failover>) -> &'static str {
    match f.map(|f| f.state) {
        None => "no-failover",
        Some(FailoverState::WaitingForSync) => "waiting-for-sync",
        Some(FailoverState::InProgress) => "failover-in-progress",
    }
}

/// Starts waiting for the target to catch up: writes are paused from now on.
pub fn begin(core: &mut Core, failover: Failover) {
    match &failover.target {
        Some((h, p)) => log!(Notice, "FAILOVER requested to {h}:{p}."),
        None => log!(Notice, "FAILOVER requested to any replica."),
    }
    core.pause = Some(Pause {
        until_ms: u64::MAX,
        writes_only: true,
    });
    core.replication.failover = Some(failover);
    core.replication.request_acks();
}

/// Ends a failover (done or aborted): writes flow again.
fn end(core: &mut Core) {
    core.replication.failover = None;
    core.pause = None;
    core.unpause_notify.notify_waiters();
}

/// FAILOVER ABORT, a timeout, or a target that refused: we stay (or become again) a master.
pub fn abort(core: &mut Core, reason: &str) {
    let Some(f) = core.replication.failover.take() else {
        return;
    };
    let target = f
        .target
        .map_or_else(|| "any replica".to_string(), |(h, p)| format!("{h}:{p}"));
    log!(Notice, "FAILOVER to {target} aborted: {reason}");
    if f.state == FailoverState::InProgress {
        replica::promote(core);
    }
    end(core);
}

/// The replica link reached its master after `PSYNC ... FAILOVER`: the handover is done.
pub fn completed(core: &mut Core) {
    if core
        .replication
        .failover
        .as_ref()
        .is_some_and(|f| f.state == FailoverState::InProgress)
    {
        log!(
            Notice,
            "Failover target accepted psync request, failover succeeded."
        );
        end(core);
    }
}

/// Every cron tick while waiting: hand over once the target caught up, or give up (or force)
/// at the deadline.
pub fn cron(core: &mut Core) {
    let Some(f) = core.replication.failover.as_ref() else {
        return;
    };
    if f.state != FailoverState::WaitingForSync {
        return;
    }
    let offset = core.replication.master_repl_offset;
    let synced = core.replication.replicas.values().find(|r| {
        r.state == super::ReplicaState::Online
            && r.ack_offset >= offset
            && f.target
                .as_ref()
                .is_none_or(|(h, p)| *h == r.ip && *p == r.listening_port)
    });
    let target = match synced {
        Some(r) => {
            log!(
                Notice,
                "Failover target {}:{} is synced, failing over.",
                r.ip,
                r.listening_port
            );
            (r.ip.clone(), r.listening_port)
        }
        None if f.deadline_ms != 0 && clock::unix_ms() >= f.deadline_ms => {
            match (&f.target, f.force) {
                (Some((h, p)), true) => {
                    log!(
                        Notice,
                        "FAILOVER to {h}:{p} time out exceeded, failing over."
                    );
                    (h.clone(), *p)
                }
                _ => return abort(core, "Replica never caught up before timeout"),
            }
        }
        None => return,
    };
    if let Some(f) = core.replication.failover.as_mut() {
        f.state = FailoverState::InProgress;
    }
    core.replication.failover_psync = true;
    replica::follow(core, target.0, target.1);
}

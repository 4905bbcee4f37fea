//! The replication ID history and the master's PSYNC decision (Redis's
//! `masterTryPartialResynchronization`).

/// A server's replication IDs (INFO `master_replid`, `master_replid2`, `second_repl_offset`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplIds {
    /// The ID of the history this server's offsets belong to.
    pub replid: String,
    /// The ID this server followed before its last change of history (a promotion), valid for
    /// offsets up to `second_offset`; all zeros when none.
    pub replid2: String,
    /// The first offset that is *not* part of `replid2`'s history (-1 when none).
    pub second_offset: i64,
}

/// 40 zeros: "no ID".
pub const NO_ID: &str = "0000000000000000000000000000000000000000";

impl ReplIds {
    pub fn new(replid: String) -> ReplIds {
        ReplIds {
            replid,
            replid2: NO_ID.into(),
            second_offset: -1,
        }
    }

    /// PSYNC2 on promotion (or when a replica's master changes history): the old ID stays valid
    /// as `replid2` up to the current offset, and the server starts a history of its own.
    /// Redis's shiftReplicationId: `second_offset = master_repl_offset + 1`.
    pub fn shift(&mut self, new_replid: String, master_repl_offset: u64) {
        self.replid2 = std::mem::replace(&mut self.replid, new_replid);
        self.second_offset = master_repl_offset as i64 + 1;
    }

    /// Forgets the secondary ID (after a full sync from a new master).
    pub fn clear_secondary(&mut self) {
        self.replid2 = NO_ID.into();
        self.second_offset = -1;
    }
}

/// What the master answers to `PSYNC <replid> <offset>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PsyncDecision {
    /// `+CONTINUE <replid>`: send the backlog from `offset` on.
    Continue { from_offset: u64 },
    /// `+FULLRESYNC`: the reason is what Redis logs.
    FullResync { reason: String },
}

/// Redis's masterTryPartialResynchronization: a partial resync is possible when the replica
/// follows our current history, or our previous one up to where it ended, and the bytes it
/// misses are still in the backlog. `backlog` is `(first_byte_offset, histlen)`, or None when
/// there is no backlog.
pub fn decide_psync(
    ids: &ReplIds,
    master_repl_offset: u64,
    backlog: Option<(u64, u64)>,
    req_replid: &str,
    req_offset: i64,
) -> PsyncDecision {
    let follows_current = req_replid == ids.replid;
    let follows_previous = req_replid == ids.replid2 && req_offset <= ids.second_offset;
    if !follows_current && !follows_previous {
        let reason = if req_replid == "?" {
            "Full resync requested by replica".to_string()
        } else if req_replid == ids.replid2 {
            format!(
                "Partial resynchronization not accepted: Requested offset for second ID was {req_offset}, but I can reply up to {}",
                ids.second_offset
            )
        } else {
            format!(
                "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{req_replid}', my replication IDs are '{}' and '{}')",
                ids.replid, ids.replid2
            )
        };
        return PsyncDecision::FullResync { reason };
    }
    let Some((first, histlen)) = backlog else {
        return PsyncDecision::FullResync {
            reason: "Unable to partial resync with replica: no backlog".into(),
        };
    };
    // The replica wants bytes from `req_offset` on; we hold [first, first + histlen).
    let end = first + histlen;
    if req_offset < first as i64 || req_offset > end as i64 || end != master_repl_offset + 1 {
        return PsyncDecision::FullResync {
            reason: format!(
                "Unable to partial resync with replica: lack of backlog (Replica request was: {req_offset})."
            ),
        };
    }
    PsyncDecision::Continue {
        from_offset: req_offset as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> ReplIds {
        ReplIds::new("a".repeat(40))
    }

    #[test]
    fn continue_inside_the_backlog_with_the_current_id() {
        // Backlog holds offsets 101..=200 (first byte 101, 100 bytes), master at 200.
        let d = decide_psync(&ids(), 200, Some((101, 100)), &"a".repeat(40), 150);
        assert_eq!(d, PsyncDecision::Continue { from_offset: 150 });
        // Asking for the very next byte is fine: nothing to send.
        let d = decide_psync(&ids(), 200, Some((101, 100)), &"a".repeat(40), 201);
        assert_eq!(d, PsyncDecision::Continue { from_offset: 201 });
    }

    #[test]
    fn full_resync_outside_the_backlog_or_with_another_id() {
        let a = "a".repeat(40);
        for (offset, backlog) in [
            (100, Some((101, 100))),
            (202, Some((101, 100))),
            (150, None),
        ] {
            let d = decide_psync(&ids(), 200, backlog, &a, offset);
            assert!(matches!(d, PsyncDecision::FullResync { .. }), "{offset}");
        }
        let d = decide_psync(&ids(), 200, Some((101, 100)), &"b".repeat(40), 150);
        assert!(
            matches!(d, PsyncDecision::FullResync { reason } if reason.contains("ID mismatch"))
        );
        let d = decide_psync(&ids(), 200, Some((101, 100)), "?", -1);
        assert!(matches!(d, PsyncDecision::FullResync { .. }));
    }

    #[test]
    fn psync2_previous_id_is_valid_up_to_second_offset() {
        // A replica promoted at offset 150 (replid b, then a new id c).
        let mut ids = ReplIds::new("b".repeat(40));
        ids.shift("c".repeat(40), 150);
        assert_eq!(ids.second_offset, 151);
        let b = "b".repeat(40);
        // A sibling that stopped at 150 asks for 151: continue from there.
        let d = decide_psync(&ids, 180, Some((101, 80)), &b, 151);
        assert_eq!(d, PsyncDecision::Continue { from_offset: 151 });
        // One that (somehow) saw more of b's history than we did cannot continue.
        let d = decide_psync(&ids, 180, Some((101, 80)), &b, 152);
        assert!(matches!(d, PsyncDecision::FullResync { .. }));
    }
}

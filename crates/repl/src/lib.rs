//! Replication state machines, sans-IO: the replication ID history, the backlog addressed by
//! absolute offset, the PSYNC decision, the replica's handshake. Fed bytes, replies and offsets;
//! returning decisions and commands to send. No sockets, no clocks, no tokio: the server's
//! drivers do the I/O (design.md, "The shape").
//!
//! Offsets are Redis's: `master_repl_offset` is the number of stream bytes produced so far; a
//! replica that has processed up to offset `o` asks `PSYNC <replid> <o + 1>`.

mod backlog;
mod handshake;
mod ids;

pub use backlog::Backlog;
pub use handshake::{Handshake, HandshakeStep, PsyncReply};
pub use ids::{PsyncDecision, ReplIds, decide_psync};

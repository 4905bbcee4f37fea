//! Replication state machines (replid history, backlog, PSYNC decision, links), fed bytes and time,
//! returning actions. Filled in by the replication issue; no sockets, no clocks, no tokio.

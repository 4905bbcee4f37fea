//! A deterministic simulation of a Redis replication group built from the `ferrodis-repl`
//! pieces (TigerBeetle's VOPR, raft-rs's harness network, sled's model testing): N nodes,
//! each a model keyspace, an offset, `ReplIds` and a small `Backlog`; links that deliver the
//! stream with seeded latency, batching and fragmentation; seeded link cuts, restarts,
//! promotions and re-pointing. Everything random comes from one seed, so a failure replays.
//!
//! Owns no replication logic of its own where the crate has it: the master answers with
//! `decide_psync` and `Backlog::since`, the replica speaks through `Handshake`.

#![allow(dead_code)]

pub mod history;
pub mod rng;
pub mod sim;
pub mod stream;

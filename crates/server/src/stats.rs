//! Counters behind INFO stats/commandstats, and the SLOWLOG. Plain data; the dispatcher and
//! the connection tasks update it under the core lock.

use bytes::Bytes;
use std::collections::{HashMap, VecDeque};

/// INFO stats counters (names as in Redis's INFO).
#[derive(Default)]
pub struct Stats {
    pub total_connections_received: u64,
    pub total_commands_processed: u64,
    pub rejected_connections: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub total_net_input_bytes: u64,
    pub total_net_output_bytes: u64,
    pub total_error_replies: u64,
    pub unexpected_error_replies: u64,
    pub pubsub_messages: u64,
    pub total_reads_processed: u64,
    pub total_writes_processed: u64,
    /// Error replies by their first word (INFO errorstats).
    pub error_counts: HashMap<String, u64>,
}

/// Per-command counters for INFO commandstats.
#[derive(Default, Clone, Copy)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

#[derive(Default)]
pub struct CommandStats {
    /// Keyed by the full command name (`config|get`), as INFO prints it.
    pub by_name: HashMap<&'static str, CommandStat, foldhash::fast::RandomState>,
}

impl CommandStats {
    pub fn entry(&mut self, name: &'static str) -> &mut CommandStat {
        self.by_name.entry(name).or_default()
    }
}

pub struct SlowlogEntry {
    pub id: u64,
    pub time_s: u64,
    pub duration_us: u64,
    pub args: Vec<Bytes>,
    pub addr: String,
    pub name: Bytes,
}

#[derive(Default)]
pub struct Slowlog {
    pub entries: VecDeque<SlowlogEntry>,
    pub next_id: u64,
}

impl Slowlog {
    /// Records a command as Redis does: at most 32 arguments, each cut at 128 bytes.
    pub fn push(&mut self, mut entry: SlowlogEntry, max_len: usize) {
        const MAX_ARGS: usize = 32;
        const MAX_ARG_LEN: usize = 128;
        if entry.args.len() > MAX_ARGS {
            let more = entry.args.len() - (MAX_ARGS - 1);
            entry.args.truncate(MAX_ARGS - 1);
            entry
                .args
                .push(Bytes::from(format!("... ({more} more arguments)")));
        }
        for a in entry.args.iter_mut() {
            if a.len() > MAX_ARG_LEN {
                let more = a.len() - MAX_ARG_LEN;
                let mut v = a[..MAX_ARG_LEN].to_vec();
                v.extend_from_slice(format!("... ({more} more bytes)").as_bytes());
                *a = Bytes::from(v);
            }
        }
        entry.id = self.next_id;
        self.next_id += 1;
        self.entries.push_front(entry);
        while self.entries.len() > max_len {
            self.entries.pop_back();
        }
    }
}

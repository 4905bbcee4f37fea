//! INFO: Redis's sections and field names, which monitoring tools, Sentinel and Redis's test
//! suite parse. Renders from the core state; owns nothing.

use crate::server::Core;
use std::fmt::Write;

const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Every section in the order Redis prints them, whatever order they were asked in.
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// Which sections a list of INFO arguments selects, in Redis's output order.
fn selected(args: &[bytes::Bytes]) -> Vec<&'static str> {
    if args.is_empty() {
        return DEFAULT_SECTIONS.to_vec();
    }
    let mut wanted: Vec<&'static str> = Vec::new();
    for a in args {
        let s = String::from_utf8_lossy(a).to_ascii_lowercase();
        match s.as_str() {
            "default" => wanted.extend(DEFAULT_SECTIONS),
            "all" | "everything" => wanted.extend(ALL_SECTIONS),
            "modules" => wanted.push("module_list"),
            name => wanted.extend(ALL_SECTIONS.iter().filter(|s| **s == name)),
        }
    }
    ALL_SECTIONS
        .iter()
        .copied()
        .filter(|s| wanted.contains(s))
        .collect()
}

pub fn render(core: &Core, args: &[bytes::Bytes]) -> String {
    let mut out = String::new();
    for section in selected(args) {
        let body = match section {
            "server" => server(core),
            "clients" => clients(core),
            "memory" => memory(core),
            "persistence" => persistence(core),
            "stats" => stats(core),
            "replication" => replication(core),
            "cpu" => cpu(),
            "module_list" => String::new(),
            "errorstats" => errorstats(core),
            "cluster" => "cluster_enabled:0\r\n".into(),
            "keyspace" => keyspace(core),
            "commandstats" => commandstats(core),
            "latencystats" => String::new(),
            _ => continue,
        };
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let title = match section {
            "module_list" => "Modules".to_string(),
            "cpu" => "CPU".to_string(),
            s => {
                let mut c = s.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        };
        let _ = write!(out, "# {title}\r\n{body}");
    }
    out
}

fn server(core: &Core) -> String {
    let uptime = core.started.elapsed().as_secs();
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let config_file = core
        .config_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let now_us = crate::clock::unix_us();
    format!(
        "redis_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\nferrodis_version:{}\r\n",
        crate::REDIS_COMPAT_VERSION,
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::process::id(),
        core.run_id,
        core.config.port,
        now_us,
        uptime,
        uptime / 86400,
        core.config.hz,
        core.config.hz,
        (now_us / 1_000_000) & 0xFF_FFFF,
        exe,
        config_file,
        env!("CARGO_PKG_VERSION"),
    )
}

fn clients(core: &Core) -> String {
    format!(
        "connected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
        core.clients.len(),
        core.config.maxclients,
        core.blocking.clients.len(),
    )
}

/// Bytes as Redis's bytesToHuman prints them (`1.50M`).
pub fn human_bytes(n: u64) -> String {
    let f = n as f64;
    const K: f64 = 1024.0;
    if f < K {
        format!("{n}B")
    } else if f < K * K {
        format!("{:.2}K", f / K)
    } else if f < K * K * K {
        format!("{:.2}M", f / K / K)
    } else if f < K * K * K * K {
        format!("{:.2}G", f / K / K / K)
    } else {
        format!("{:.2}T", f / K / K / K / K)
    }
}

/// Resident set size from /proc/self/statm.
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

fn total_system_memory() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn memory(core: &Core) -> String {
    let used = crate::used_memory() as u64;
    let rss = rss_bytes();
    let peak = core.stats_peak_memory().max(used);
    let overhead: u64 = core.dbs.iter().map(|d| d.overhead_bytes() as u64).sum();
    let frag = if used > 0 {
        rss as f64 / used as f64
    } else {
        0.0
    };
    let maxmemory = core.config.maxmemory;
    let repl_backlog = core
        .replication
        .backlog
        .as_ref()
        .map_or(0, |b| b.held_bytes());
    // Chunks are shared: the backlog and every replica's queue are suffixes of one stream, so
    // the memory they hold together is the longest of them.
    let repl_buffers = core
        .replication
        .replicas
        .values()
        .map(|r| r.queued.load(std::sync::atomic::Ordering::Relaxed))
        .max()
        .unwrap_or(0)
        .max(repl_backlog);
    let lua = core.scripting.memory();
    let (lua_eval, lua_functions) = (lua.vm_eval, lua.vm_functions);
    let lua_total = lua_eval + lua_functions;
    let (scripts_eval, functions_mem) = (lua.scripts_eval, lua.functions);
    let scripts_mem = scripts_eval + functions_mem;
    let (cached_scripts, functions, libraries) =
        (lua.cached_scripts, lua.functions_count, lua.libraries);
    format!(
        "used_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2}%\r\nused_memory_overhead:{overhead}\r\nused_memory_startup:0\r\nused_memory_dataset:{}\r\nused_memory_dataset_perc:0.00%\r\nallocator_allocated:{used}\r\nallocator_active:{rss}\r\nallocator_resident:{rss}\r\ntotal_system_memory:{}\r\ntotal_system_memory_human:{}\r\nused_memory_lua:{lua_eval}\r\nused_memory_vm_eval:{lua_eval}\r\nused_memory_lua_human:{}\r\nused_memory_scripts_eval:{scripts_eval}\r\nnumber_of_cached_scripts:{cached_scripts}\r\nnumber_of_functions:{functions}\r\nnumber_of_libraries:{libraries}\r\nused_memory_vm_functions:{lua_functions}\r\nused_memory_vm_total:{lua_total}\r\nused_memory_vm_total_human:{}\r\nused_memory_functions:{functions_mem}\r\nused_memory_scripts:{scripts_mem}\r\nused_memory_scripts_human:{}\r\nmaxmemory:{maxmemory}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nallocator_frag_ratio:1.00\r\nallocator_frag_bytes:0\r\nallocator_rss_ratio:1.00\r\nallocator_rss_bytes:0\r\nrss_overhead_ratio:1.00\r\nrss_overhead_bytes:0\r\nmem_fragmentation_ratio:{frag:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_not_counted_for_evict:0\r\nmem_replication_backlog:{repl_backlog}\r\nmem_total_replication_buffers:{repl_buffers}\r\nmem_clients_slaves:0\r\nmem_clients_normal:0\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:mimalloc\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
        human_bytes(used),
        human_bytes(rss),
        human_bytes(peak),
        used as f64 * 100.0 / peak.max(1) as f64,
        used.saturating_sub(overhead),
        total_system_memory(),
        human_bytes(total_system_memory()),
        human_bytes(lua_eval),
        human_bytes(lua_total),
        human_bytes(scripts_mem),
        human_bytes(maxmemory),
        core.config.maxmemory_policy.as_str(),
        rss as i64 - used as i64,
    )
}

fn persistence(core: &Core) -> String {
    core.persistence
        .info(core.dirty, core.lastsave_s, core.replication.transfers)
}

fn stats(core: &Core) -> String {
    let s = &core.stats;
    format!(
        "total_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\ninstantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\nsync_full:{}\r\nsync_partial_ok:{}\r\nsync_partial_err:{}\r\nexpired_keys:{}\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\nevicted_keys:{}\r\nevicted_clients:0\r\ntotal_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:{}\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\nunexpected_error_replies:{}\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:{}\r\ntotal_writes_processed:{}\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
        s.total_connections_received,
        s.total_commands_processed,
        s.total_net_input_bytes,
        s.total_net_output_bytes,
        s.rejected_connections,
        core.replication.sync_full,
        core.replication.sync_partial_ok,
        core.replication.sync_partial_err,
        s.expired_keys,
        s.evicted_keys,
        s.keyspace_hits,
        s.keyspace_misses,
        core.pubsub.channels.len(),
        core.pubsub.patterns.len(),
        core.replication.replica_keys_with_expire.len(),
        s.unexpected_error_replies,
        s.total_error_replies,
        s.total_reads_processed,
        s.total_writes_processed,
    )
}

fn replication(core: &Core) -> String {
    crate::replication::info(core)
}

fn cpu() -> String {
    let usage = |who| {
        // SAFETY: getrusage fills the zeroed struct we own.
        let ru = unsafe {
            let mut ru: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut ru);
            ru
        };
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        (t(ru.ru_stime), t(ru.ru_utime))
    };
    let (sys, user) = usage(libc::RUSAGE_SELF);
    let (csys, cuser) = usage(libc::RUSAGE_CHILDREN);
    format!(
        "used_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:{csys:.6}\r\nused_cpu_user_children:{cuser:.6}\r\nused_cpu_sys_main_thread:{sys:.6}\r\nused_cpu_user_main_thread:{user:.6}\r\n"
    )
}

fn errorstats(core: &Core) -> String {
    let mut names: Vec<_> = core.stats.error_counts.iter().collect();
    names.sort();
    names
        .into_iter()
        .map(|(k, v)| format!("errorstat_{k}:count={v}\r\n"))
        .collect()
}

fn keyspace(core: &Core) -> String {
    let mut out = String::new();
    for (i, db) in core.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "db{i}:keys={},expires={},avg_ttl=0\r\n",
            db.len(),
            db.volatile_len()
        );
    }
    out
}

fn commandstats(core: &Core) -> String {
    let mut names: Vec<_> = core.command_stats.by_name.iter().collect();
    names.sort_by_key(|(k, _)| *k);
    let mut out = String::new();
    for (name, s) in names {
        let per_call = if s.calls > 0 {
            s.usec as f64 / s.calls as f64
        } else {
            0.0
        };
        let _ = write!(
            out,
            "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            s.calls, s.usec, s.rejected_calls, s.failed_calls
        );
    }
    out
}

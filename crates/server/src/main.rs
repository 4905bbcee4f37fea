//! `ferrodis [path/to/redis.conf] [--directive value ...]`: starts like redis-server.

mod blocking;
mod client;
mod clock;
mod cmd;
mod conn;
mod cron;
mod digest;
mod errors;
mod glob;
mod info;
mod keyspace;
mod log;
mod net;
mod persist;
mod pubsub;
mod replication;
mod scripting;
mod server;
mod stats;

use ferrodis_config::Config;
use server::{Core, Shared, ShutdownRequest};
use std::sync::Arc;

#[global_allocator]
static ALLOC: stats_alloc::Counting = stats_alloc::Counting;

mod stats_alloc {
    //! Counts live heap bytes for INFO used_memory, wrapping mimalloc.
    use std::alloc::{GlobalAlloc, Layout};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub static USED: AtomicUsize = AtomicUsize::new(0);
    pub struct Counting;

    // SAFETY: forwards every call unchanged to mimalloc, only counting sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            USED.fetch_add(layout.size(), Ordering::Relaxed);
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            USED.fetch_sub(layout.size(), Ordering::Relaxed);
            unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            USED.fetch_add(layout.size(), Ordering::Relaxed);
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            USED.fetch_add(new_size, Ordering::Relaxed);
            USED.fetch_sub(layout.size(), Ordering::Relaxed);
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

/// Live heap bytes (INFO used_memory).
pub fn used_memory() -> usize {
    stats_alloc::USED.load(std::sync::atomic::Ordering::Relaxed)
}

pub const REDIS_COMPAT_VERSION: &str = "7.0.15";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("-v" | "--version")) {
        println!(
            "Ferrodis server v={} (Redis {REDIS_COMPAT_VERSION} compatible) bits=64",
            env!("CARGO_PKG_VERSION")
        );
        return;
    }
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        println!(
            "Usage: ferrodis [/path/to/redis.conf] [options]\n       ferrodis - (read config from stdin)\n       ferrodis -v or --version\n\nExamples:\n       ferrodis (run the server with default conf)\n       ferrodis /etc/redis/6379.conf\n       ferrodis --port 7777\n       ferrodis --port 7777 --replicaof 127.0.0.1 8888"
        );
        return;
    }
    let (config, config_path) = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) if e.is_open_error() => {
            // Redis logs this one as a log line rather than the config-file banner.
            log!(Warning, "{}", e.to_string().trim());
            std::process::exit(1);
        }
        Err(e) => {
            eprint!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = std::env::set_current_dir(config.effective_dir()) {
        log!(Warning, "Can't chdir to '{}': {e}", config.dir);
        std::process::exit(1);
    }
    log::set_logfile(&config.logfile);
    log::set_level(log_level(&config));
    let pid = std::process::id();
    log!(Notice, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    log!(
        Notice,
        "Ferrodis version={}, redis_version={REDIS_COMPAT_VERSION}, bits=64, pid={pid}, just started",
        env!("CARGO_PKG_VERSION")
    );
    match &config_path {
        Some(p) => log!(Notice, "Configuration loaded from {}", p.display()),
        None => log!(
            Warning,
            "Warning: no config file specified, using the default config. In order to specify a config file use ferrodis /path/to/redis.conf"
        ),
    }
    let port = config.port;
    // One worker per core we may run on (pinned to one core: one worker, no lock contention).
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            log!(Warning, "Failed to start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async move {
        log!(
            Notice,
            "Ferrodis {} (Redis {REDIS_COMPAT_VERSION} compatible) 64 bit, standalone mode, port: {port}, PID: {pid}",
            env!("CARGO_PKG_VERSION")
        );
        let pidfile = config.pidfile.clone().unwrap_or_default();
        let mut core = Core::new(config, config_path);
        let l = core.config.obuf_limit(ferrodis_config::ClientClass::Replica);
        core.replication.replica_obuf_limit = (l.hard_bytes, l.soft_bytes, l.soft_seconds);
        let shared = Shared::new(core);
        let Ok((tcp, unix)) = net::bind_all(&shared).await else {
            return 1;
        };
        if !pidfile.is_empty() {
            let _ = std::fs::write(&pidfile, format!("{pid}\n"));
        }
        log!(Notice, "Server initialized");
        net::spawn_accept_loops(&shared, tcp, unix);
        let loader = Arc::clone(&shared);
        let _ = tokio::task::spawn_blocking(move || persist::load::load_at_startup(&loader)).await;
        {
            let mut core = shared.core.lock();
            if let Some(r) = core.config.replicaof.clone() {
                // A replica restarted from its RDB may continue where it stopped.
                if core.loaded_repl_info.as_ref().is_some_and(|i| i.repl_id.is_some()) {
                    core.replication.psync_possible = true;
                }
                replication::replica::follow(&mut core, r.host, r.port);
            }
        }
        cron::spawn(Arc::clone(&shared));
        log!(Notice, "Ready to accept connections");
        loop {
            let by_signal = wait_for_shutdown(&shared).await;
            if let Some(code) = shutdown(&shared, &pidfile, by_signal) {
                break code;
            }
        }
    });
    std::process::exit(code);
}

pub(crate) fn log_level(config: &Config) -> log::Level {
    use ferrodis_config::LogLevel as L;
    match config.loglevel {
        L::Debug => log::Level::Debug,
        L::Verbose => log::Level::Verbose,
        L::Notice => log::Level::Notice,
        L::Warning => log::Level::Warning,
        L::Nothing => log::Level::Nothing,
    }
}

/// Waits for SIGTERM, SIGINT or SHUTDOWN; true for a signal.
async fn wait_for_shutdown(shared: &Arc<Shared>) -> bool {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        shared.shutdown_notify.notified().await;
        return false;
    };
    tokio::select! {
        _ = term.recv() => log!(Warning, "Received SIGTERM scheduling shutdown..."),
        _ = int.recv() => log!(Warning, "Received SIGINT scheduling shutdown..."),
        _ = shared.shutdown_notify.notified() => return false,
    }
    true
}

/// The end of the process as Redis ends it: log, save when asked to (or when save points
/// exist), remove the pid file and socket, say goodbye. `None` when the final save failed: the
/// server keeps running rather than lose data, as Redis does.
fn shutdown(shared: &Shared, pidfile: &str, by_signal: bool) -> Option<i32> {
    let mut core = shared.core.lock();
    let request = core.shutdown.take().unwrap_or(ShutdownRequest::Default);
    // SHUTDOWN logged this itself, before its save.
    if by_signal {
        log!(Warning, "User requested shutdown...");
    }
    if core.persistence.bgsave.is_some() {
        log!(Warning, "There is a child saving an .rdb. Killing it!");
        core.cancel_bgsave();
    }
    // Never save while a load is running: the file on disk is the only full copy.
    let save = core.persistence.loading.is_none()
        && match request {
            ShutdownRequest::Save => true,
            ShutdownRequest::NoSave => false,
            ShutdownRequest::Default => !core.config.save.is_empty(),
        };
    if save {
        log!(Notice, "Saving the final RDB snapshot before exiting.");
        if core.save_now().is_err() {
            log!(Warning, "Error trying to save the DB, can't exit.");
            log!(
                Warning,
                "SIGTERM received but errors trying to shut down the server, check the logs for more information"
            );
            return None;
        }
    }
    for h in core.clients.values() {
        let _ = h.tx.send(client::ClientMsg::Kill);
    }
    if !pidfile.is_empty() {
        log!(Notice, "Removing the pid file.");
        let _ = std::fs::remove_file(pidfile);
    }
    if let Some(sock) = core.config.unixsocket.as_deref().filter(|s| !s.is_empty()) {
        log!(Notice, "Removing the unix socket file.");
        let _ = std::fs::remove_file(sock);
    }
    log!(Warning, "Redis is now ready to exit, bye bye...");
    Some(0)
}

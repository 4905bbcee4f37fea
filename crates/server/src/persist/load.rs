//! Loading an RDB stream into fresh databases, off the core lock; the caller swaps them in.

use super::decode::{self, Limits};
use super::{LoadProgress, RdbReplInfo};
use crate::keyspace::{Db, Entry};
use crate::server::{Core, Shared};
use crate::{clock, log};
use ferrodis_rdb::{ErrorKind, Reader, Record};
use foldhash::fast::FixedState;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// How to load.
pub struct LoadOptions {
    pub databases: usize,
    pub hasher: FixedState,
    pub limits: Limits,
    /// A master drops keys already expired; a replica keeps them for its master's DEL.
    pub drop_expired: bool,
    pub now_ms: u64,
    /// `key-load-delay`, µs per key.
    pub key_delay_us: i32,
    /// `rdbchecksum`: verify the CRC64 after EOF.
    pub verify_checksum: bool,
    /// Keep the names of keys dropped as expired (a restarted master propagates their DELs).
    pub collect_expired: bool,
}

impl LoadOptions {
    /// Loading into this server as it is configured now.
    pub fn for_core(core: &Core) -> LoadOptions {
        LoadOptions {
            databases: core.dbs.len(),
            hasher: core.dbs[0].hasher(),
            limits: Limits::from_config(&core.config),
            drop_expired: !core.is_replica(),
            now_ms: clock::unix_ms(),
            key_delay_us: core.config.key_load_delay,
            verify_checksum: core.config.rdbchecksum,
            collect_expired: false,
        }
    }
}

/// A loaded dataset and what the file said about itself.
pub struct Loaded {
    pub dbs: Vec<Db>,
    pub keys_loaded: u64,
    pub keys_expired: u64,
    pub repl_id: Option<String>,
    pub repl_offset: Option<i64>,
    pub repl_stream_db: Option<i64>,
    /// FUNCTION libraries (their code), to be compiled when the load is installed.
    pub functions: Vec<bytes::Bytes>,
    /// Keys dropped as expired, in file order (with `collect_expired`).
    pub expired: Vec<(usize, Vec<u8>)>,
}

/// Why a load failed. Nothing of a failed load is kept.
#[derive(Debug)]
pub enum LoadError {
    Format(ferrodis_rdb::Error),
    /// Well-formed records we cannot accept (a database index out of range, a duplicate key).
    Content {
        offset: u64,
        message: String,
    },
}

impl LoadError {
    /// The lines Redis logs for this failure (operators and tests grep for `CRC error`,
    /// `Short read`, `Internal error in RDB`).
    pub fn log_lines(&self) -> Vec<String> {
        match self {
            LoadError::Format(e) => match &e.kind {
                ErrorKind::BadChecksum { expected, found } => vec![
                    format!(
                        "Wrong RDB checksum expected: ({expected:x}) got ({found:x}). Aborting now."
                    ),
                    format!(
                        "Internal error in RDB reading offset {}, function at rdb.rs -> RDB CRC error",
                        e.offset
                    ),
                ],
                ErrorKind::Truncated => vec![format!(
                    "Short read or OOM loading DB. Unrecoverable error, aborting now. (offset {})",
                    e.offset
                )],
                kind => vec![format!(
                    "Internal error in RDB reading offset {}, function at rdb.rs -> {kind}",
                    e.offset
                )],
            },
            LoadError::Content { offset, message } => vec![format!(
                "Internal error in RDB reading offset {offset}, function at rdb.rs -> {message}"
            )],
        }
    }
}

/// Reads a whole RDB stream into new databases. `progress`, when given, is updated as bytes are
/// consumed (INFO loading_loaded_bytes).
pub fn load_stream<R: Read>(
    input: R,
    opts: &LoadOptions,
    progress: Option<&LoadProgress>,
) -> Result<Loaded, LoadError> {
    let mut reader = Reader::new(input).map_err(LoadError::Format)?;
    reader.set_verify_checksum(opts.verify_checksum);
    let mut loaded = Loaded {
        dbs: (0..opts.databases).map(|_| Db::new(opts.hasher)).collect(),
        keys_loaded: 0,
        keys_expired: 0,
        repl_id: None,
        repl_offset: None,
        repl_stream_db: None,
        functions: Vec::new(),
        expired: Vec::new(),
    };
    let mut db = 0usize;
    let lru_now = (opts.now_ms / 1000) as u32;
    loop {
        let record = reader.next_record().map_err(LoadError::Format)?;
        if let Some(p) = progress {
            p.loaded_bytes.store(reader.offset(), Ordering::Relaxed);
        }
        match record {
            Record::Eof => break,
            Record::SelectDb(n) => {
                if n >= opts.databases as u64 {
                    return Err(LoadError::Content {
                        offset: reader.offset(),
                        message: format!(
                            "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting",
                            opts.databases
                        ),
                    });
                }
                db = n as usize;
            }
            Record::ResizeDb { db_size, .. } => {
                // A hint from the file: capped, so a corrupt header cannot make us allocate.
                loaded.dbs[db].reserve(db_size.min(1 << 26) as usize);
            }
            Record::Aux { key, value } => note_aux(&mut loaded, &key, &value),
            Record::Function(code) => loaded.functions.push(bytes::Bytes::from(code)),
            Record::Key(k) => {
                if opts.key_delay_us > 0 {
                    std::thread::sleep(std::time::Duration::from_micros(opts.key_delay_us as u64));
                }
                let expire = k.expire_at_ms.map(|t| t.max(0) as u64);
                if opts.drop_expired && expire.is_some_and(|t| t < opts.now_ms) {
                    loaded.keys_expired += 1;
                    if opts.collect_expired {
                        loaded.expired.push((db, k.key));
                    }
                    continue;
                }
                let value =
                    decode::to_value(k.value, &opts.limits).map_err(|e| LoadError::Content {
                        offset: reader.offset(),
                        message: e.to_string(),
                    })?;
                let lru = k
                    .idle_s
                    .map_or(lru_now, |idle| lru_now.saturating_sub(idle as u32));
                if !loaded.dbs[db].insert_new(&k.key, Entry::restored(value, expire, lru)) {
                    return Err(LoadError::Content {
                        offset: reader.offset(),
                        message: format!(
                            "Duplicate key '{}' in DB {db}",
                            String::from_utf8_lossy(&k.key)
                        ),
                    });
                }
                loaded.keys_loaded += 1;
            }
        }
    }
    Ok(loaded)
}

fn note_aux(loaded: &mut Loaded, key: &[u8], value: &[u8]) {
    let text = String::from_utf8_lossy(value);
    match key {
        b"redis-ver" => log!(Notice, "Loading RDB produced by version {text}"),
        b"ctime" => {
            if let Ok(t) = text.parse::<i64>() {
                let age = (clock::unix_ms() / 1000) as i64 - t;
                log!(Notice, "RDB age {} seconds", age.max(0));
            }
        }
        b"used-mem" => {
            if let Ok(m) = text.parse::<u64>() {
                log!(
                    Notice,
                    "RDB memory usage when created {:.2} Mb",
                    m as f64 / (1024.0 * 1024.0)
                );
            }
        }
        b"repl-id" => loaded.repl_id = Some(text.into_owned()),
        b"repl-offset" => loaded.repl_offset = text.parse().ok(),
        b"repl-stream-db" => loaded.repl_stream_db = text.parse().ok(),
        // An old Redis saved its scripts here; 7.0 ignores them and so do we.
        _ => {}
    }
}

/// Loads `dir/dbfilename` at start-up while the server already answers (`-LOADING`), then
/// swaps the data in. A missing file is an empty dataset; any other failure ends the process
/// with Redis's log lines, so nothing is ever half-loaded.
pub fn load_at_startup(shared: &Arc<Shared>) {
    let (path, opts) = {
        let core = shared.core.lock();
        let mut opts = LoadOptions::for_core(&core);
        opts.collect_expired = opts.drop_expired;
        (core.config.dbfilename.clone(), opts)
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            log!(Warning, "Fatal error loading the DB: {e}. Exiting.");
            std::process::exit(1);
        }
    };
    let total_bytes = file.metadata().map_or(0, |m| m.len());
    let progress = Arc::new(LoadProgress {
        started_unix_s: clock::unix_ms() / 1000,
        started: Instant::now(),
        total_bytes,
        loaded_bytes: 0.into(),
        asynchronous: false,
    });
    shared.core.lock().persistence.loading = Some(Arc::clone(&progress));
    let started = Instant::now();
    match load_stream(
        std::io::BufReader::with_capacity(1 << 16, file),
        &opts,
        Some(&progress),
    ) {
        Ok(loaded) => {
            let mut core = shared.core.lock();
            for (live, mut new) in core.dbs.iter_mut().zip(loaded.dbs) {
                live.swap_data(&mut new);
            }
            install_functions(&mut core, loaded.functions);
            core.persistence.loading = None;
            core.persistence.last_load_keys_loaded = loaded.keys_loaded;
            core.persistence.last_load_keys_expired = loaded.keys_expired;
            let info = RdbReplInfo {
                repl_id: loaded.repl_id,
                repl_offset: loaded.repl_offset,
                repl_stream_db: loaded.repl_stream_db,
            };
            restore_replication(&mut core, &info, loaded.expired);
            core.loaded_repl_info = Some(info);
            log!(
                Notice,
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                loaded.keys_loaded,
                loaded.keys_expired
            );
            log!(
                Notice,
                "DB loaded from disk: {:.3} seconds",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            for line in e.log_lines() {
                log!(Warning, "{line}");
            }
            log!(
                Warning,
                "Fatal error loading the DB: Invalid argument. Exiting."
            );
            std::process::exit(1);
        }
    }
}

/// As Redis 7.0's loadDataFromDisk: a server restarted from its RDB takes the replication ID and
/// offset the file recorded. A master then keeps that ID as its secondary one (valid up to the
/// recorded offset), takes a new one and creates its backlog, so its replicas continue with a
/// partial resync; the keys it dropped as expired go into the stream as DELs, so replicas drop
/// them too (and offsets stay equal). A replica asks its master to continue from there.
fn restore_replication(core: &mut Core, info: &RdbReplInfo, expired: Vec<(usize, Vec<u8>)>) {
    let (Some(id), Some(offset)) = (&info.repl_id, info.repl_offset) else {
        return;
    };
    if id.len() != 40 || offset < 0 {
        return;
    }
    let size = core.config.repl_backlog_size;
    let verb: &'static [u8] = if core.config.lazyfree_lazy_expire {
        b"UNLINK"
    } else {
        b"DEL"
    };
    let r = &mut core.replication;
    r.ids = ferrodis_repl::ReplIds::new(id.clone());
    r.master_repl_offset = offset as u64;
    r.psync_possible = true;
    if core.config.replicaof.is_some() {
        r.master_db = info.repl_stream_db.unwrap_or(0).max(0) as usize;
        return;
    }
    r.ids
        .shift(crate::replication::random_replid(), offset as u64);
    r.stream_db = -1;
    r.ensure_backlog(size);
    for (db, key) in expired {
        r.feed(db, &[verb, key.as_slice()]);
    }
    r.flush();
}

/// Replaces the function libraries with those an RDB held (compiled under the lock: the Lua
/// state lives in the core). A library that fails to compile is logged and the old ones stay,
/// as the rest of the load cannot be undone at this point.
pub fn install_functions(core: &mut crate::server::Core, codes: Vec<bytes::Bytes>) {
    use crate::scripting::functions::RestorePolicy;
    if let Err(e) = core
        .scripting
        .functions
        .replace_with(codes, RestorePolicy::Flush, None)
    {
        log!(Warning, "Failed loading the functions of the RDB: {e}");
    }
}

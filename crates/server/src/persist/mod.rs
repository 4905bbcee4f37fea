//! Persistence drivers: RDB snapshots written and loaded without fork (design.md, "Snapshots
//! without fork").
//!
//! A save takes a `Snapshot` inside the write path (segment pointers cloned under the core
//! lock, so it is exactly the dataset at one replication offset), then serializes it: on the
//! caller's thread for SAVE, SHUTDOWN and DEBUG RELOAD, on a thread of its own for BGSAVE and
//! save points, while clients keep reading and writing. Files are replaced atomically (temp
//! file, fsync, rename, fsync of the directory).
//!
//! Loading builds fresh databases off the lock and swaps them in at once; meanwhile the server
//! answers `-LOADING` to commands that need the data.
//!
//! This module owns the persistence state (`Persistence` in `Core`) and the file formats'
//! mapping to our values (`encode`, `decode`). It does not parse the RDB format itself
//! (`ferrodis-rdb` does) nor decide when a client may write (the command dispatcher asks
//! `Persistence::write_error`).

pub mod decode;
pub mod encode;
pub mod load;

use crate::keyspace::DbSnapshot;
use crate::server::{Core, Shared};
use crate::{clock, log};
use ferrodis_rdb::{Writer, WriterOptions};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed background save, save points wait this
/// long before trying again.
const BGSAVE_RETRY_DELAY_S: u64 = 5;
/// How often the saving thread publishes its progress and checks for cancellation.
const PROGRESS_EVERY_KEYS: u64 = 1024;

/// INFO persistence's state and the running background save, if any.
pub struct Persistence {
    pub bgsave: Option<BgSave>,
    /// A BGSAVE inside EXEC: the next cron tick starts it.
    pub bgsave_scheduled: bool,
    pub last_bgsave_ok: bool,
    pub last_bgsave_time_s: i64,
    /// When the last background save was attempted (unix s), for the retry delay.
    pub last_bgsave_try_s: u64,
    /// Successful saves since start (INFO rdb_saves).
    pub rdb_saves: u64,
    /// Bytes the last background save caused writes to copy (INFO rdb_last_cow_size).
    pub last_cow_bytes: u64,
    /// Set while a dataset is being loaded: commands without the `loading` flag get -LOADING.
    pub loading: Option<Arc<LoadProgress>>,
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
    /// Numbers temp files and tells a finished background save from a cancelled one.
    next_save_id: u64,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            bgsave: None,
            bgsave_scheduled: false,
            last_bgsave_ok: true,
            last_bgsave_time_s: -1,
            last_bgsave_try_s: 0,
            rdb_saves: 0,
            last_cow_bytes: 0,
            loading: None,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            next_save_id: 0,
        }
    }
}

/// A background save in flight.
pub struct BgSave {
    id: u64,
    started: Instant,
    /// `Core::dirty` when the snapshot was taken: what a successful save makes clean.
    dirty_at_start: u64,
    /// `keyspace::cow_bytes()` when the snapshot was taken.
    cow_at_start: u64,
    pub progress: Arc<SaveProgress>,
}

/// What a saving thread publishes while it runs.
#[derive(Default)]
pub struct SaveProgress {
    pub keys_processed: AtomicU64,
    pub keys_total: u64,
    /// Raised by FLUSHALL, SHUTDOWN or a newer save: the thread stops and removes its temp file.
    pub cancel: AtomicBool,
}

/// What a loading thread publishes while it runs (INFO loading_*).
pub struct LoadProgress {
    pub started_unix_s: u64,
    pub started: Instant,
    pub total_bytes: u64,
    pub loaded_bytes: AtomicU64,
    /// True for a replica loading its master's data while serving the old (async_loading).
    pub asynchronous: bool,
}

/// The dataset at one replication offset, plus the aux fields that describe it.
pub struct Snapshot {
    pub dbs: Vec<DbSnapshot>,
    pub replid: String,
    pub repl_offset: u64,
    pub repl_stream_db: i64,
    pub used_mem: u64,
    /// FUNCTION libraries (their code), written before the databases as Redis does.
    pub functions: Vec<bytes::Bytes>,
    pub options: WriterOptions,
    /// `rdb-key-save-delay`, µs per key.
    pub key_delay_us: i32,
}

impl Snapshot {
    /// Takes the view. Called with the core locked: nothing can write in between.
    pub fn take(core: &Core) -> Snapshot {
        Snapshot {
            dbs: core.dbs.iter().map(|db| db.snapshot()).collect(),
            replid: core.replication.ids.replid.clone(),
            repl_offset: core.replication.master_repl_offset,
            // Where the stream continues after a restart: a replica's master's selected
            // database, or our own stream's.
            repl_stream_db: if core.is_replica() {
                core.replication.master_db as i64
            } else {
                core.replication.stream_db.max(0)
            },
            used_mem: crate::used_memory() as u64,
            functions: core.scripting.functions.codes(),
            options: WriterOptions {
                compression: core.config.rdbcompression,
                checksum: core.config.rdbchecksum,
            },
            key_delay_us: core.config.rdb_key_save_delay,
        }
    }

    pub fn keys(&self) -> u64 {
        self.dbs.iter().map(|d| d.len() as u64).sum()
    }

    /// Serializes the snapshot as an RDB stream into `out`.
    pub fn write_to<W: Write>(mut self, out: W, progress: &SaveProgress) -> Result<W, SaveError> {
        let mut w = Writer::new(out, self.options);
        w.header()?;
        w.aux(b"redis-ver", crate::REDIS_COMPAT_VERSION.as_bytes())?;
        w.aux_int(b"redis-bits", 64)?;
        w.aux_int(b"ctime", (clock::unix_ms() / 1000) as i64)?;
        w.aux_int(b"used-mem", self.used_mem as i64)?;
        w.aux_int(b"repl-stream-db", self.repl_stream_db)?;
        w.aux(b"repl-id", self.replid.as_bytes())?;
        w.aux_int(b"repl-offset", self.repl_offset as i64)?;
        w.aux_int(b"aof-base", 0)?;
        for code in &self.functions {
            w.function(code)?;
        }
        let mut processed = 0u64;
        for (index, db) in std::mem::take(&mut self.dbs).into_iter().enumerate() {
            if db.is_empty() {
                continue;
            }
            w.select_db(index as u64)?;
            w.resize_db(db.len() as u64, db.volatile_len() as u64)?;
            // Each segment is released once written: writes to it stop copying.
            for segment in db.into_segments() {
                for (key, entry) in segment.iter() {
                    encode::write_key(&mut w, key.as_bytes(), entry)?;
                    processed += 1;
                    if self.key_delay_us > 0 {
                        std::thread::sleep(std::time::Duration::from_micros(
                            self.key_delay_us as u64,
                        ));
                    }
                    if processed.is_multiple_of(PROGRESS_EVERY_KEYS) || self.key_delay_us > 0 {
                        progress.keys_processed.store(processed, Ordering::Relaxed);
                        if progress.cancel.load(Ordering::Relaxed) {
                            return Err(SaveError::Cancelled);
                        }
                    }
                }
            }
        }
        progress.keys_processed.store(processed, Ordering::Relaxed);
        Ok(w.finish()?)
    }

    /// Writes the snapshot to `dir/filename` atomically: a temp file, fsync, rename, fsync of
    /// the directory. A failed or cancelled save removes its temp file and leaves the old one.
    pub fn save_to_file(
        self,
        filename: &str,
        id: u64,
        progress: &SaveProgress,
    ) -> Result<(), SaveError> {
        let temp = self.save_to_temp(id, progress)?;
        let renamed = install(&temp, filename);
        if renamed.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        renamed
    }

    /// Writes the snapshot to a temp file of its own (fsynced) and returns its path: a full
    /// resync sends exactly this file, whatever other saves do to `dbfilename` meanwhile.
    pub fn save_to_temp(self, id: u64, progress: &SaveProgress) -> Result<PathBuf, SaveError> {
        let temp = PathBuf::from(format!("temp-{}-{id}.rdb", std::process::id()));
        let result = self.write_file(&temp, progress);
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map(|()| temp)
    }

    fn write_file(self, temp: &Path, progress: &SaveProgress) -> Result<(), SaveError> {
        let file = File::create(temp).map_err(|e| {
            let cwd = std::env::current_dir().unwrap_or_default();
            SaveError::Open(format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {e}",
                temp.display(),
                cwd.display()
            ))
        })?;
        let out = self.write_to(BufWriter::with_capacity(1 << 16, file), progress)?;
        let file = out
            .into_inner()
            .map_err(|e| SaveError::Io(e.into_error()))?;
        file.sync_all()?;
        Ok(())
    }
}

/// Puts a written temp file in place of `filename`: rename, then fsync of the directory (the
/// rename is durable only once the directory entry is).
pub fn install(temp: &Path, filename: &str) -> Result<(), SaveError> {
    std::fs::rename(temp, filename).map_err(|e| {
        let cwd = std::env::current_dir().unwrap_or_default();
        SaveError::Open(format!(
            "Error moving temp DB file {} on the final destination {filename} (in server root dir {}): {e}",
            temp.display(),
            cwd.display()
        ))
    })?;
    if let Ok(dir) = File::open(".") {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Why a save did not complete.
#[derive(Debug)]
pub enum SaveError {
    Cancelled,
    Open(String),
    Io(std::io::Error),
    Format(ferrodis_rdb::Error),
}

impl From<std::io::Error> for SaveError {
    fn from(e: std::io::Error) -> Self {
        SaveError::Io(e)
    }
}

impl From<ferrodis_rdb::Error> for SaveError {
    fn from(e: ferrodis_rdb::Error) -> Self {
        SaveError::Format(e)
    }
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::Cancelled => write!(f, "save cancelled"),
            SaveError::Open(msg) => write!(f, "{msg}"),
            SaveError::Io(e) => write!(f, "Write error saving DB on disk: {e}"),
            SaveError::Format(e) => write!(f, "Write error saving DB on disk: {e}"),
        }
    }
}

impl Core {
    /// SAVE, SHUTDOWN's save, FLUSHALL's save: serializes on this thread, holding the lock (as
    /// Redis blocks), and records the outcome.
    pub fn save_now(&mut self) -> Result<(), SaveError> {
        let snapshot = Snapshot::take(self);
        let id = self.persistence.next_id();
        let progress = SaveProgress::default();
        match snapshot.save_to_file(&self.config.dbfilename, id, &progress) {
            Ok(()) => {
                log!(Notice, "DB saved on disk");
                self.dirty = 0;
                self.lastsave_s = clock::unix_ms() / 1000;
                self.persistence.last_bgsave_ok = true;
                self.persistence.rdb_saves += 1;
                Ok(())
            }
            Err(e) => {
                log!(Warning, "{e}");
                Err(e)
            }
        }
    }

    /// BGSAVE and save points: takes the snapshot now and serializes it on a thread of its own.
    /// Returns false if a save is already running.
    pub fn start_bgsave(&mut self) -> bool {
        if self.persistence.bgsave.is_some() {
            return false;
        }
        let Some(shared) = self.shared.upgrade() else {
            return false;
        };
        let snapshot = Snapshot::take(self);
        let id = self.persistence.next_id();
        let progress = Arc::new(SaveProgress {
            keys_total: snapshot.keys(),
            ..Default::default()
        });
        let filename = self.config.dbfilename.clone();
        let thread_progress = Arc::clone(&progress);
        let spawned = std::thread::Builder::new()
            .name("rdb-bgsave".into())
            .spawn(move || {
                let result = snapshot.save_to_file(&filename, id, &thread_progress);
                shared.core.lock().finish_bgsave(id, result);
            });
        if let Err(e) = spawned {
            log!(Warning, "Can't save in background: {e}");
            self.persistence.last_bgsave_ok = false;
            return false;
        }
        let now_s = clock::unix_ms() / 1000;
        self.persistence.last_bgsave_try_s = now_s;
        self.persistence.bgsave = Some(BgSave {
            id,
            started: Instant::now(),
            dirty_at_start: self.dirty,
            cow_at_start: crate::keyspace::cow_bytes(),
            progress,
        });
        log!(Notice, "Background saving started");
        true
    }

    /// Called by the saving thread when it is done.
    fn finish_bgsave(&mut self, id: u64, result: Result<(), SaveError>) {
        let Some(running) = self.persistence.bgsave.take_if(|b| b.id == id) else {
            return;
        };
        let p = &mut self.persistence;
        p.last_bgsave_time_s = running.started.elapsed().as_secs() as i64;
        p.last_cow_bytes = crate::keyspace::cow_bytes() - running.cow_at_start;
        match result {
            Ok(()) => {
                log!(Notice, "DB saved on disk");
                log!(Notice, "Background saving terminated with success");
                self.dirty = self.dirty.saturating_sub(running.dirty_at_start);
                self.lastsave_s = clock::unix_ms() / 1000;
                p.last_bgsave_ok = true;
                p.rdb_saves += 1;
            }
            Err(SaveError::Cancelled) => {
                log!(Warning, "Background saving terminated by signal 10");
            }
            Err(e) => {
                log!(Warning, "{e}");
                log!(Warning, "Background saving error");
                p.last_bgsave_ok = false;
            }
        }
    }

    /// Stops a running background save (FLUSHALL, SHUTDOWN): its thread removes its temp file.
    pub fn cancel_bgsave(&mut self) {
        if let Some(running) = self.persistence.bgsave.take() {
            running.progress.cancel.store(true, Ordering::Relaxed);
            log!(Notice, "Background saving cancelled");
        }
        self.persistence.bgsave_scheduled = false;
    }

    /// serverCron's save points: starts a background save when one is due, or was scheduled
    /// (BGSAVE inside EXEC).
    pub fn save_points_due(&mut self) {
        if self.persistence.bgsave.is_some() || self.persistence.loading.is_some() {
            return;
        }
        let now_s = clock::unix_ms() / 1000;
        let p = &self.persistence;
        let may_retry =
            p.last_bgsave_ok || now_s.saturating_sub(p.last_bgsave_try_s) > BGSAVE_RETRY_DELAY_S;
        let due = self.config.save.iter().find(|sp| {
            self.dirty >= sp.changes && now_s.saturating_sub(self.lastsave_s) > sp.seconds
        });
        if self.persistence.bgsave_scheduled && may_retry {
            self.persistence.bgsave_scheduled = false;
            self.start_bgsave();
            return;
        }
        if let Some(sp) = due.copied()
            && may_retry
        {
            log!(
                Notice,
                "{} changes in {} seconds. Saving...",
                sp.changes,
                sp.seconds
            );
            self.start_bgsave();
        }
    }

    /// The error a write must get while the data cannot be persisted (Redis's
    /// writeCommandsDeniedByDiskError), if any.
    pub fn disk_error_denies_writes(&self) -> bool {
        self.config.stop_writes_on_bgsave_error
            && !self.config.save.is_empty()
            && !self.persistence.last_bgsave_ok
    }
}

impl Persistence {
    pub fn next_id(&mut self) -> u64 {
        self.next_save_id += 1;
        self.next_save_id
    }

    /// INFO's persistence section.
    pub fn info(&self, core_dirty: u64, lastsave_s: u64, repl_transfers: usize) -> String {
        let mut s = String::with_capacity(1024);
        use std::fmt::Write as _;
        let loading = self.loading.as_ref();
        let _ = write!(
            s,
            "loading:{}\r\nasync_loading:{}\r\n",
            loading.is_some_and(|l| !l.asynchronous) as u8,
            loading.is_some_and(|l| l.asynchronous) as u8
        );
        if let Some(l) = loading {
            let loaded = l.loaded_bytes.load(Ordering::Relaxed);
            let perc = if l.total_bytes > 0 {
                loaded as f64 * 100.0 / l.total_bytes as f64
            } else {
                0.0
            };
            let elapsed = l.started.elapsed().as_secs_f64();
            let eta = if loaded > 0 && l.total_bytes > loaded {
                ((l.total_bytes - loaded) as f64 * elapsed / loaded as f64) as u64
            } else {
                1
            };
            let _ = write!(
                s,
                "loading_start_time:{}\r\nloading_total_bytes:{}\r\nloading_rdb_used_mem:0\r\nloading_loaded_bytes:{loaded}\r\nloading_loaded_perc:{perc:.2}\r\nloading_eta_seconds:{eta}\r\n",
                l.started_unix_s, l.total_bytes
            );
        }
        let (processed, total, current_s) = match &self.bgsave {
            Some(b) => (
                b.progress.keys_processed.load(Ordering::Relaxed),
                b.progress.keys_total,
                b.started.elapsed().as_secs() as i64,
            ),
            None => (0, 0, -1),
        };
        let cow_now = self
            .bgsave
            .as_ref()
            .map_or(0, |b| crate::keyspace::cow_bytes() - b.cow_at_start);
        let perc = if total > 0 {
            processed as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        let _ = write!(
            s,
            "current_cow_peak:{cow_now}\r\ncurrent_cow_size:{cow_now}\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:{perc:.2}\r\ncurrent_save_keys_processed:{processed}\r\ncurrent_save_keys_total:{total}\r\nrdb_changes_since_last_save:{core_dirty}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{lastsave_s}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{current_s}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n",
            (self.bgsave.is_some() || repl_transfers > 0) as u8,
            if self.last_bgsave_ok { "ok" } else { "err" },
            self.last_bgsave_time_s,
            self.rdb_saves,
            self.last_cow_bytes,
            self.last_load_keys_expired,
            self.last_load_keys_loaded,
        );
        s.push_str("aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n");
        s
    }
}

/// The replication position an RDB file recorded (aux `repl-id`, `repl-offset`,
/// `repl-stream-db`): a restarted server resumes partial syncs from it.
#[derive(Clone, Debug, Default)]
#[allow(dead_code)] // `repl_stream_db` and the whole record are read by replication (issue 5).
pub struct RdbReplInfo {
    pub repl_id: Option<String>,
    pub repl_offset: Option<i64>,
    pub repl_stream_db: Option<i64>,
}

/// Keeps `Shared` reachable from `Core` for threads a command starts (a background save
/// reports back by locking the core).
pub type SharedRef = std::sync::Weak<Shared>;

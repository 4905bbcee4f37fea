//! `ScriptWatch`: what the rest of the server may know about the script that is running while
//! the core lock is held by it. Connections read it *without* the lock, to answer `-BUSY` once
//! a script has run past `busy-reply-threshold`, and to take SCRIPT KILL, FUNCTION KILL,
//! FUNCTION STATS and SHUTDOWN NOSAVE meanwhile (Redis's processEventsWhileBlocked). The Lua
//! hook reads the same struct every 100,000 instructions to notice the timeout and a kill.
//!
//! Owns no Lua and no keyspace: only atomics and one small mutex for the script's name.

use bytes::Bytes;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// The running script's identity, for FUNCTION STATS and the slow-script log line.
#[derive(Clone, Debug)]
pub struct RunningScript {
    /// The function name, or the script's SHA1 for EVAL.
    pub name: String,
    /// The command that started it (`fcall test 0`).
    pub command: Vec<Bytes>,
    pub started: Instant,
    /// EVAL/EVALSHA (killed by SCRIPT KILL) rather than FCALL (FUNCTION KILL).
    pub eval_mode: bool,
    /// Sent by our master: never killable.
    pub from_master: bool,
}

/// Why a kill request was refused, in Redis's words.
#[derive(Debug, PartialEq, Eq)]
pub enum KillRefusal {
    NotBusy,
    FromMaster,
    Wrote,
    WrongKind { eval_mode: bool },
}

impl KillRefusal {
    pub fn message(&self) -> &'static str {
        match self {
            KillRefusal::NotBusy => "NOTBUSY No scripts in execution right now.",
            KillRefusal::FromMaster => {
                "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed."
            }
            KillRefusal::Wrote => {
                "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
            }
            KillRefusal::WrongKind { eval_mode: true } => BUSY_EVAL,
            KillRefusal::WrongKind { eval_mode: false } => BUSY_FUNCTION,
        }
    }
}

pub const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

#[derive(Default)]
pub struct ScriptWatch {
    current: Mutex<Option<RunningScript>>,
    /// Past `busy-reply-threshold`: other clients get -BUSY.
    timed_out: AtomicBool,
    /// SCRIPT KILL / FUNCTION KILL accepted: the hook raises an error at the next check.
    kill: AtomicBool,
    /// The script has run a write command: it can no longer be killed.
    wrote: AtomicBool,
    /// `busy-reply-threshold` in ms (0: never busy), copied at each script start.
    threshold_ms: AtomicU64,
    /// A FUNCTION LOAD is running its library code, with this deadline (Redis: 500 ms).
    load_deadline: Mutex<Option<Instant>>,
    /// Libraries and functions loaded, for FUNCTION STATS while busy.
    function_counts: Mutex<(usize, usize)>,
}

impl ScriptWatch {
    pub fn start(&self, script: RunningScript, threshold_ms: u64) {
        self.timed_out.store(false, Ordering::SeqCst);
        self.kill.store(false, Ordering::SeqCst);
        self.wrote.store(false, Ordering::SeqCst);
        self.threshold_ms.store(threshold_ms, Ordering::SeqCst);
        *self.current.lock() = Some(script);
    }

    /// The script ended; returns whether it had been killed.
    pub fn finish(&self) -> bool {
        *self.current.lock() = None;
        self.timed_out.store(false, Ordering::SeqCst);
        self.kill.swap(false, Ordering::SeqCst)
    }

    pub fn note_write(&self) {
        self.wrote.store(true, Ordering::Relaxed);
    }

    /// A script is running and has passed the threshold: the server answers -BUSY.
    pub fn is_busy(&self) -> bool {
        self.timed_out.load(Ordering::SeqCst)
    }

    /// The -BUSY error for the running script's kind.
    pub fn busy_error(&self) -> &'static str {
        match &*self.current.lock() {
            Some(s) if !s.eval_mode => BUSY_FUNCTION,
            _ => BUSY_EVAL,
        }
    }

    pub fn current(&self) -> Option<RunningScript> {
        self.current.lock().clone()
    }

    /// Called by the Lua hook: notices the timeout (logging it once, as Redis) and reports
    /// whether the script must stop.
    pub fn check(&self) -> bool {
        if !self.timed_out.load(Ordering::Relaxed) {
            let threshold = self.threshold_ms.load(Ordering::Relaxed);
            let guard = self.current.lock();
            let Some(script) = &*guard else { return false };
            let elapsed = script.started.elapsed().as_millis() as u64;
            if threshold == 0 || elapsed < threshold {
                return false;
            }
            crate::log!(
                Warning,
                "Slow script detected: still in execution after {elapsed} milliseconds. You can try killing the script using the {} command. Script name is: {}.",
                if script.eval_mode {
                    "SCRIPT KILL"
                } else {
                    "FUNCTION KILL"
                },
                script.name
            );
            drop(guard);
            self.timed_out.store(true, Ordering::SeqCst);
            wake_idle_worker();
        }
        self.kill.load(Ordering::SeqCst)
    }

    pub fn set_function_counts(&self, libraries: usize, functions: usize) {
        *self.function_counts.lock() = (libraries, functions);
    }

    pub fn function_counts(&self) -> (usize, usize) {
        *self.function_counts.lock()
    }

    /// FUNCTION LOAD starts running library code; `limit` is None for our master's loads.
    pub fn start_load(&self, limit: Option<std::time::Duration>) {
        *self.load_deadline.lock() = limit.map(|l| Instant::now() + l);
    }

    pub fn finish_load(&self) {
        *self.load_deadline.lock() = None;
    }

    /// The instruction hook's question: must the Lua code stop now, and with which error?
    pub fn check_stop(&self) -> Option<&'static str> {
        if let Some(deadline) = *self.load_deadline.lock() {
            return (Instant::now() > deadline).then_some("FUNCTION LOAD timeout");
        }
        if self.check() {
            crate::log!(Warning, "Lua script killed by user with SCRIPT KILL.");
            return Some("Script killed by user with SCRIPT KILL...");
        }
        None
    }

    /// SCRIPT KILL (`by_eval`) or FUNCTION KILL.
    pub fn request_kill(&self, by_eval: bool) -> Result<(), KillRefusal> {
        let guard = self.current.lock();
        let Some(script) = &*guard else {
            return Err(KillRefusal::NotBusy);
        };
        if script.from_master {
            return Err(KillRefusal::FromMaster);
        }
        if self.wrote.load(Ordering::SeqCst) {
            return Err(KillRefusal::Wrote);
        }
        if by_eval != script.eval_mode {
            return Err(KillRefusal::WrongKind {
                eval_mode: script.eval_mode,
            });
        }
        self.kill.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// The script runs on a tokio worker thread, which it blocks. A worker only polls the I/O
/// driver when it parks, so if the other workers sleep, nobody would notice the clients that
/// want their -BUSY answer or a SCRIPT KILL. A task spawned from outside the runtime goes to
/// the shared queue and wakes a sleeping worker; after running it, that worker parks on the
/// driver and serves the other connections. (Spawned from this worker, it would sit in this
/// worker's LIFO slot, which no other worker can take.)
fn wake_idle_worker() {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        let _ = std::thread::Builder::new()
            .name("busy-wake".into())
            .spawn(move || drop(handle.spawn(async {})));
    }
}

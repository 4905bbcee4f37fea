//! Logging in Redis's format, which operators and Redis's own test suite grep:
//! `pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message`, to `logfile` (empty = stdout).
//! Owns the process-wide log settings; knows nothing else.

use parking_lot::Mutex;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[repr(u8)]
pub enum Level {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
    Nothing = 4,
}

impl Level {
    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning | Level::Nothing => '#',
        }
    }
}

static MIN_LEVEL: AtomicU8 = AtomicU8::new(Level::Notice as u8);
/// 'M' master, 'S' replica, 'C' child, 'X' sentinel: the role mark of every line.
static ROLE: AtomicU8 = AtomicU8::new(b'M');
static LOGFILE: Mutex<String> = Mutex::new(String::new());

/// Marks the following lines as a replica's (`S`) or a master's (`M`).
pub fn set_replica_role(replica: bool) {
    ROLE.store(if replica { b'S' } else { b'M' }, Ordering::Relaxed);
}

pub fn set_level(level: Level) {
    MIN_LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn set_logfile(path: &str) {
    *LOGFILE.lock() = path.to_string();
}

pub fn enabled(level: Level) -> bool {
    level as u8 >= MIN_LEVEL.load(Ordering::Relaxed) && level != Level::Nothing
}

/// Writes one line (the caller checked `enabled`). Raw writes (no prefix) serve the logo.
pub fn write_line(level: Level, msg: &str) {
    let line = format!(
        "{}:{} {} {} {}\n",
        std::process::id(),
        ROLE.load(Ordering::Relaxed) as char,
        timestamp(),
        level.mark(),
        msg
    );
    write_raw(&line);
}

pub fn write_raw(text: &str) {
    let path = LOGFILE.lock();
    if path.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    } else if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&*path)
    {
        let _ = f.write_all(text.as_bytes());
    }
}

/// `26 Nov 2026 01:12:51.123` in local time, as Redis prints it.
fn timestamp() -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: localtime_r writes into the zeroed `tm` we own; `secs` is a valid time_t.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        MONTHS[(tm.tm_mon.clamp(0, 11)) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}

/// `log!(Notice, "Ready to accept connections")`.
#[macro_export]
macro_rules! log {
    ($level:ident, $($arg:tt)*) => {
        if $crate::log::enabled($crate::log::Level::$level) {
            $crate::log::write_line($crate::log::Level::$level, &format!($($arg)*));
        }
    };
}

//! Wall-clock helpers. Commands never call these directly: each command sees the one `now_ms`
//! its context was given (frozen for a whole MULTI/EXEC), see design.md "Time".

use std::time::{SystemTime, UNIX_EPOCH};

pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Unix time derived from the monotonic clock, so a command needs one clock read (its end,
/// which is also the next command's start) for both its `now` and its duration. Recalibrated
/// against the wall clock every cron tick, so wall-clock changes are followed within a tick.
pub struct Clock {
    base_instant: std::time::Instant,
    base_unix_us: u64,
    /// When the last command ended (the next one's start); reset at each batch start.
    pub last_mark: std::time::Instant,
}

impl Clock {
    pub fn new() -> Clock {
        let now = std::time::Instant::now();
        Clock {
            base_instant: now,
            base_unix_us: unix_us(),
            last_mark: now,
        }
    }

    pub fn recalibrate(&mut self) {
        self.base_instant = std::time::Instant::now();
        self.base_unix_us = unix_us();
    }

    /// Unix ms at a monotonic instant (never before the calibration point's value).
    pub fn unix_ms_at(&self, t: std::time::Instant) -> u64 {
        let elapsed_us = t.saturating_duration_since(self.base_instant).as_micros() as u64;
        (self.base_unix_us + elapsed_us) / 1000
    }

    /// Marks now as the start of the next command and returns it.
    pub fn mark(&mut self) -> std::time::Instant {
        self.last_mark = std::time::Instant::now();
        self.last_mark
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

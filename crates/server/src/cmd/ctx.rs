//! `Ctx`: what a command handler works with. Reply helpers write straight into the client's
//! output buffer in its protocol; key helpers apply lazy expiry (a master deletes an expired
//! key and records a `DEL` effect; a replica only hides it) and keep WATCH marks and the
//! dirty counter right, so handlers cannot forget them.

use super::Command;
use crate::client::Client;
use crate::errors;
use crate::keyspace::{Db, Entry, ReadLookup, Value};
use crate::server::Core;
use bytes::{Bytes, BytesMut};
use ferrodis_resp::{self as resp, Proto};
use std::borrow::Cow;

/// An error reply (full text, e.g. `ERR syntax error`).
#[derive(Debug)]
pub struct CmdError(pub Cow<'static, str>);

impl From<&'static str> for CmdError {
    fn from(s: &'static str) -> CmdError {
        CmdError(Cow::Borrowed(s))
    }
}

impl From<String> for CmdError {
    fn from(s: String) -> CmdError {
        CmdError(Cow::Owned(s))
    }
}

pub type CmdResult = Result<(), CmdError>;

/// What the connection task must do after a command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flow {
    Continue,
    /// Write pending replies, then close (QUIT, CLIENT KILL of oneself).
    Close,
    /// The server is shutting down.
    Shutdown,
    /// CLIENT PAUSE is in force: wait, then run the same command again.
    WaitPause,
    /// The command blocked (registered in `Core::blocking`): wait for its reply, which arrives
    /// on the client's channel, or for the deadline (unix ms; 0 = none).
    Block {
        deadline_ms: u64,
    },
    /// SYNC/PSYNC asked for a full resync: the connection sends the RDB, then streams.
    FullSync {
        /// PSYNC (announce +FULLRESYNC) rather than the old SYNC.
        psync: bool,
        /// The replica reads `$EOF:` framing (diskless transfers possible).
        capa_eof: bool,
    },
    /// WAIT: reply once `replicas` replicas acknowledged `offset`, or at the deadline (0 = none).
    WaitReplicas {
        offset: u64,
        replicas: usize,
        deadline_ms: u64,
    },
}

pub struct Ctx<'a> {
    pub core: &'a mut Core,
    pub client: &'a mut Client,
    pub out: &'a mut BytesMut,
    /// The command's one notion of now (frozen for a whole MULTI/EXEC).
    pub now_ms: u64,
    pub cmd: &'static Command,
    pub flow: Flow,
    /// Changes this command made (added to the server's dirty counter; >0 means the command's
    /// own effect is propagated unless rewritten or suppressed).
    pub dirty: u64,
    /// Replaces the command's own effect in the replication stream.
    rewritten: Option<Vec<Bytes>>,
    /// Effects recorded before the command's own, with their database (lazy-expiry DELs, ...).
    also: Vec<(usize, Vec<Bytes>)>,
    /// The command's own arguments are not propagated (it recorded its effects in `also`).
    suppress_own: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(
        core: &'a mut Core,
        client: &'a mut Client,
        out: &'a mut BytesMut,
        now_ms: u64,
        cmd: &'static Command,
    ) -> Ctx<'a> {
        Ctx {
            core,
            client,
            out,
            now_ms,
            cmd,
            flow: Flow::Continue,
            dirty: 0,
            rewritten: None,
            also: Vec::new(),
            suppress_own: false,
        }
    }

    pub fn proto(&self) -> Proto {
        self.client.proto
    }

    // ---- replies -------------------------------------------------------------------------

    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"+OK\r\n");
    }

    pub fn simple(&mut self, s: &str) {
        resp::write_simple(self.out, s.as_bytes());
    }

    pub fn int(&mut self, v: i64) {
        resp::write_integer(self.out, v);
    }

    pub fn bulk(&mut self, data: &[u8]) {
        resp::write_bulk(self.out, data);
    }

    pub fn bulk_value(&mut self, v: &Value) {
        let mut buf = itoa::Buffer::new();
        resp::write_bulk(self.out, v.str_bytes(&mut buf));
    }

    pub fn null(&mut self) {
        resp::write_null(self.out, self.client.proto);
    }

    pub fn null_array(&mut self) {
        resp::write_null_array(self.out, self.client.proto);
    }

    pub fn array(&mut self, n: usize) {
        resp::write_array_len(self.out, n);
    }

    pub fn map(&mut self, pairs: usize) {
        resp::write_map_len(self.out, self.client.proto, pairs);
    }

    pub fn set_len(&mut self, n: usize) {
        resp::write_set_len(self.out, self.client.proto, n);
    }

    pub fn double(&mut self, v: f64) {
        resp::write_double(self.out, self.client.proto, v);
    }

    pub fn boolean(&mut self, v: bool) {
        resp::write_bool(self.out, self.client.proto, v);
    }

    pub fn verbatim(&mut self, text: &str) {
        resp::write_verbatim(self.out, self.client.proto, b"txt", text.as_bytes());
    }

    /// Replies with an error and counts it in INFO errorstats.
    pub fn error(&mut self, msg: &str) {
        count_error(self.core, msg);
        resp::write_error(self.out, msg.as_bytes());
    }

    // ---- keys ----------------------------------------------------------------------------

    pub fn db(&mut self) -> &mut Db {
        &mut self.core.dbs[self.client.db]
    }

    /// Applies lazy expiry to `key`. Returns true if the key is logically expired: on a master
    /// it is then deleted and a DEL recorded; a replica keeps it and waits for its master's DEL.
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        // The master's commands see keys as the master did when it sent them (Redis's
        // expireIfNeeded returns "not expired" for the master client).
        if self.core.replication.applying_master_stream {
            return false;
        }
        let db = self.client.db;
        let expired = match self.core.dbs[db].get(key) {
            Some(e) => e.is_expired(self.now_ms),
            None => return false,
        };
        if !expired {
            return false;
        }
        if self.core.is_replica() {
            // A replica waits for its master's DEL, except that a write on a writable replica
            // sees the key as gone and may recreate it (Redis's EXPIRE_FORCE_DELETE_EXPIRED);
            // the deletion stays local.
            if self.cmd.is_write() {
                self.core.dbs[db].remove(key);
            }
            return true;
        }
        self.delete_expired(db, key);
        true
    }

    /// Deletes a key found expired and records the effect (`DEL`, or `UNLINK` with
    /// lazyfree-lazy-expire), as Redis's deleteExpiredKeyAndPropagate.
    fn delete_expired(&mut self, db: usize, key: &[u8]) {
        self.core.dbs[db].remove(key);
        self.record_expired(db, key);
    }

    /// Counts a key that expired and records its deletion effect.
    fn record_expired(&mut self, db: usize, key: &[u8]) {
        self.core.dbs[db].signal_modified(key);
        self.core.stats.expired_keys += 1;
        if self.core.replication.active {
            let verb: &'static [u8] = if self.core.config.lazyfree_lazy_expire {
                b"UNLINK"
            } else {
                b"DEL"
            };
            // Into the stream at once, on its own: an expiration is not part of the command
            // that noticed it (Redis 7.0 propagates it immediately, never inside the
            // command's MULTI/EXEC).
            let r = &mut self.core.replication;
            r.feed(db, &[verb, key]);
            if !r.defer_flush {
                r.flush();
            }
        }
    }

    /// Looks a key up for reading (counts hits/misses, updates its access time).
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&Entry> {
        let db = self.client.db;
        let live = match self.core.dbs[db].lookup_read(key, self.now_ms) {
            ReadLookup::Live(_) => true,
            ReadLookup::Missing => false,
            ReadLookup::Expired => {
                self.expire_if_needed(key);
                false
            }
        };
        if !live {
            self.core.stats.keyspace_misses += 1;
            return None;
        }
        self.core.stats.keyspace_hits += 1;
        self.core.dbs[db].get(key)
    }

    /// Looks a key up without touching stats or access time (EXISTS-like checks, TYPE).
    pub fn lookup_quiet(&mut self, key: &[u8]) -> Option<&Entry> {
        if self.expire_if_needed(key) {
            return None;
        }
        self.core.dbs[self.client.db].get(key)
    }

    /// The string a key holds: Ok(None) if missing, WRONGTYPE if not a string.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<Value>, CmdError> {
        match self.lookup_read(key) {
            None => Ok(None),
            Some(e) if e.value.is_string() => Ok(Some(e.value.clone())),
            Some(_) => Err(errors::WRONGTYPE.into()),
        }
    }

    /// Looks a key up for writing (Redis's lookupKeyWrite): an expired key is removed first,
    /// and the key counts as accessed.
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(key);
        let now = self.now_ms;
        self.core.dbs[self.client.db].get_value_mut(key, now)
    }

    /// lookupKeyWrite as an existence check (SETNX, RENAME, EXPIRE, ...): expires the key if
    /// due, and an existing key counts as accessed (unless a snapshot shares its segment: a
    /// check must not copy it).
    pub fn exists_for_write(&mut self, key: &[u8]) -> bool {
        if !self.exists(key) {
            return false;
        }
        let now = self.now_ms;
        self.db().touch_lru(key, now);
        true
    }

    /// A read that leaves the access time alone but counts a keyspace hit or miss: Redis's
    /// lookupKeyReadWithFlags(LOOKUP_NOTOUCH) (EXISTS, TYPE, the TTL family, OBJECT).
    pub fn lookup_notouch(&mut self, key: &[u8]) -> Option<&Entry> {
        let found = self.lookup_quiet(key).is_some();
        if found {
            self.core.stats.keyspace_hits += 1;
        } else {
            self.core.stats.keyspace_misses += 1;
        }
        self.lookup_quiet(key)
    }

    pub fn exists(&mut self, key: &[u8]) -> bool {
        self.lookup_quiet(key).is_some()
    }

    /// Stores a value (a write): signals WATCHers and counts one change. Replacing a key that
    /// had logically expired counts (and records) that expiry first, as Redis's lookupKeyWrite.
    pub fn set_key(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        let now = self.now_ms;
        let db = self.client.db;
        let old = self.core.dbs[db].insert(key, value, keep_ttl, now);
        if old.is_some_and(|o| o.is_expired(now)) && !self.core.is_replica() {
            self.record_expired(db, key);
        }
        self.modified(key);
    }

    /// Deletes a key (a write). Returns whether it existed.
    pub fn delete_key(&mut self, key: &[u8]) -> bool {
        if self.expire_if_needed(key) {
            return false;
        }
        if self.db().remove(key).is_some() {
            self.modified(key);
            true
        } else {
            false
        }
    }

    /// Deletes `key` if a command emptied its collection (an empty list, hash, set or sorted
    /// set never exists in Redis).
    pub fn delete_if_emptied(&mut self, key: &[u8]) {
        if self
            .db()
            .get(key)
            .is_some_and(|e| e.value.is_empty_collection())
        {
            self.db().remove(key);
        }
    }

    /// Records a modification of `key`: WATCH marks and the dirty counter.
    pub fn modified(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.core.dbs[db].signal_modified(key);
        self.core.blocking.signal(db, key);
        self.dirty += 1;
    }

    /// Whether a blocking command may block now: not inside MULTI/EXEC (there it behaves as
    /// with an immediate timeout, as Redis), not when re-run for a ready key.
    pub fn may_block(&self) -> bool {
        self.core.call_depth <= 1 && !self.client.serving_blocked
    }

    /// Blocks the client on `keys` until one is served, or `deadline_ms` (0 = never).
    /// When re-run for a ready key, only reports "still blocked" (the registration stays).
    pub fn block_on(
        &mut self,
        keys: &[Bytes],
        deadline_ms: u64,
        timeout_reply: crate::blocking::TimeoutReply,
        args: &[Bytes],
    ) {
        if !self.client.serving_blocked {
            let blocked = crate::blocking::BlockedClient {
                db: self.client.db,
                proto: self.client.proto,
                args: args.to_vec(),
                keys: keys.iter().map(|k| crate::keyspace::Key::new(k)).collect(),
                timeout_reply,
                tx: self.client.tx.clone(),
                addr: self.client.addr.clone(),
            };
            self.core.blocking.block(self.client.id, blocked);
        }
        self.flow = Flow::Block { deadline_ms };
    }

    /// Parses a blocking command's timeout (seconds as a long double, 0 = forever) into a
    /// deadline in unix ms (0 = none), with Redis 7.0's errors: a value whose milliseconds do not
    /// fit a 64-bit integer (`inf` included) wraps negative there, hence "timeout is negative".
    pub fn parse_block_timeout(&self, arg: &[u8]) -> Result<u64, CmdError> {
        let secs = super::strings::long_double::parse(arg)
            .map(|v| v.to_f64())
            .filter(|v| !v.is_nan())
            .ok_or(errors::TIMEOUT_INVALID)?;
        let ms = (secs * 1000.0).ceil();
        if ms < 0.0 || ms >= i64::MAX as f64 {
            return Err(errors::TIMEOUT_NEGATIVE.into());
        }
        let ms = ms as u64;
        Ok(if ms == 0 { 0 } else { self.now_ms + ms })
    }

    // ---- replication effects ----------------------------------------------------------------

    /// True when effects are being recorded (something consumes the stream).
    pub fn propagating(&self) -> bool {
        self.core.replication.active
    }

    /// Propagate `args` instead of the command as it was sent (e.g. `SET k v PXAT t`).
    pub fn rewrite_effect(&mut self, args: Vec<Bytes>) {
        self.rewritten = Some(args);
    }

    /// Records an extra effect in the current database, before the command's own.
    pub fn also_propagate(&mut self, args: Vec<Bytes>) {
        let db = self.client.db;
        self.also.push((db, args));
    }

    /// The command's own arguments are not propagated.
    pub fn suppress_own_effect(&mut self) {
        self.suppress_own = true;
    }

    /// The effects of this command, in stream order, with their databases.
    pub(super) fn take_effects(&mut self, args: &[Bytes]) -> Vec<(usize, Vec<Bytes>)> {
        self.core.dirty += self.dirty;
        let mut effects = std::mem::take(&mut self.also);
        if self.dirty > 0 && !self.suppress_own && self.core.replication.active {
            let own = self.rewritten.take().unwrap_or_else(|| args.to_vec());
            effects.push((self.client.db, own));
        }
        effects
    }
}

/// Counts an error reply in INFO stats and errorstats (by its first word).
pub fn count_error(core: &mut Core, msg: &str) {
    core.stats.total_error_replies += 1;
    let prefix = msg.split(' ').next().unwrap_or("ERR").to_string();
    *core.stats.error_counts.entry(prefix).or_insert(0) += 1;
}

/// Parses an integer argument (Redis's string2ll: strict, no spaces, no '+').
pub fn parse_int(arg: &[u8]) -> Result<i64, CmdError> {
    crate::keyspace::parse_i64_strict(arg).ok_or_else(|| errors::NOT_INTEGER.into())
}

pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.is_empty()
        || s.starts_with(|c: char| c.is_whitespace())
        || s.ends_with(|c: char| c.is_whitespace())
    {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let v = match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            if lower.contains("nan") || lower.contains("inf") || lower.starts_with("0x") {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    if v.is_nan() { None } else { Some(v) }
}

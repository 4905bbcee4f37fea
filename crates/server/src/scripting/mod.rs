//! Lua scripting: EVAL scripts and FUNCTION libraries, as Redis 7.0.
//!
//! - `sandbox.rs`: the Lua states (libraries, allow-list, read-only tables, the `redis` API).
//! - `run.rs`: one invocation: Redis's pre-run checks by script flags, `redis.call` through
//!   `cmd::call_from_script` with the script's frozen time, the reply, the busy watch.
//! - `functions.rs`: libraries: FUNCTION LOAD's metadata and registration, DUMP/RESTORE.
//! - `convert.rs`: replies ↔ Lua values (RESP2/RESP3).
//! - `watch.rs`: what connections may know of a running script without the core lock.
//!
//! Two states, as in Redis: one for EVAL (its script cache holds compiled chunks by SHA1),
//! one for functions. A script's writes are recorded as effects by the calls it makes, so they
//! replicate wrapped in MULTI/EXEC like a transaction's; FUNCTION LOAD/DELETE/FLUSH/RESTORE
//! replicate as themselves.

pub mod busy;
pub mod convert;
pub mod functions;
pub mod run;
pub mod sandbox;
pub mod watch;

use bytes::Bytes;
use sandbox::{Sandbox, StateKind};
use std::collections::HashMap;
use std::sync::Arc;
use watch::ScriptWatch;

/// Flags a script declares (`#!lua flags=...`) or a function registers with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot: bool,
    /// An EVAL script without a shebang: Redis's pre-7.0 rules, no declared flags.
    pub eval_compat: bool,
}

impl ScriptFlags {
    pub const COMPAT: ScriptFlags = ScriptFlags {
        no_writes: false,
        allow_oom: false,
        allow_stale: false,
        no_cluster: false,
        allow_cross_slot: false,
        eval_compat: true,
    };

    /// Sets the flag Redis names `name`; false if there is no such flag.
    pub fn set_named(&mut self, name: &[u8]) -> bool {
        match name {
            b"no-writes" => self.no_writes = true,
            b"allow-oom" => self.allow_oom = true,
            b"allow-stale" => self.allow_stale = true,
            b"no-cluster" => self.no_cluster = true,
            b"allow-cross-slot-keys" => self.allow_cross_slot = true,
            _ => return false,
        }
        true
    }

    /// The names, in Redis's order (FUNCTION LIST).
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.no_writes {
            v.push("no-writes");
        }
        if self.allow_oom {
            v.push("allow-oom");
        }
        if self.allow_stale {
            v.push("allow-stale");
        }
        if self.no_cluster {
            v.push("no-cluster");
        }
        if self.allow_cross_slot {
            v.push("allow-cross-slot-keys");
        }
        v
    }
}

/// A script in the EVAL cache.
pub struct CachedScript {
    pub function: mlua::Function,
    pub flags: ScriptFlags,
}

/// The scripting engines and what they hold.
pub struct Scripting {
    pub watch: Arc<ScriptWatch>,
    deprecated_api: bool,
    eval: Option<Sandbox>,
    /// SHA1 (lowercase hex) → compiled script, for EVALSHA and SCRIPT EXISTS.
    pub scripts: HashMap<String, CachedScript>,
    pub functions: functions::Functions,
    /// Invocations since the last incremental GC step.
    pub runs_since_gc: u32,
}

/// Lowercase hex SHA1, as Redis names scripts.
pub fn sha1_hex(body: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(body);
    let mut s = String::with_capacity(40);
    for b in digest.iter() {
        s.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        s.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
    }
    s
}

impl Scripting {
    pub fn new(watch: Arc<ScriptWatch>, deprecated_api: bool) -> Scripting {
        Scripting {
            functions: functions::Functions::new(watch.clone(), deprecated_api),
            watch,
            deprecated_api,
            eval: None,
            scripts: HashMap::new(),
            runs_since_gc: 0,
        }
    }

    /// The EVAL state, created on first use.
    pub fn eval_state(&mut self) -> Result<&Sandbox, String> {
        if self.eval.is_none() {
            let sandbox = Sandbox::new(
                StateKind::Eval,
                self.deprecated_api,
                self.watch.clone(),
                None,
            )
            .map_err(|e| format!("ERR Failed to create the Lua state: {e}"))?;
            self.eval = Some(sandbox);
        }
        Ok(self.eval.as_ref().expect("just created"))
    }

    /// SCRIPT FLUSH: a fresh state and an empty cache.
    pub fn flush(&mut self) {
        self.scripts.clear();
        self.eval = None;
    }

    /// Compiles `body` into the cache (EVAL of a new script, SCRIPT LOAD); returns its SHA1.
    pub fn cache_script(&mut self, body: &Bytes) -> Result<String, String> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let (flags, code_start) = parse_shebang(body)?;
        let state = self.eval_state()?;
        let function = state
            .lua
            .load(&body[code_start..])
            .set_name("@user_script")
            .set_environment(state.env.clone())
            .into_function()
            .map_err(|e| {
                format!(
                    "ERR Error compiling script (new function): {}",
                    sandbox::mlua_error_text(&e)
                )
            })?;
        self.scripts
            .insert(sha.clone(), CachedScript { function, flags });
        Ok(sha)
    }

    /// Flags the script of an EVAL-family call declares, if it declares any (for the
    /// command checks that depend on them, as Redis's evalGetCommandFlags).
    pub fn declared_flags(&self, name: &str, args: &[Bytes]) -> Option<ScriptFlags> {
        let flags = match name {
            "eval" | "eval_ro" => parse_shebang(args.get(1)?).ok()?.0,
            "evalsha" | "evalsha_ro" => {
                let sha = String::from_utf8_lossy(args.get(1)?).to_ascii_lowercase();
                self.scripts.get(&sha)?.flags
            }
            "fcall" | "fcall_ro" => self.functions.find(args.get(1)?)?.flags,
            _ => return None,
        };
        (!flags.eval_compat).then_some(flags)
    }
}

/// INFO memory's scripting fields.
pub struct ScriptMemory {
    pub vm_eval: u64,
    pub vm_functions: u64,
    pub scripts_eval: u64,
    pub functions: u64,
    pub cached_scripts: usize,
    pub functions_count: usize,
    pub libraries: usize,
}

/// What an unused Lua 5.1 state holds (Redis reports about this much before any script).
const EMPTY_LUA_BYTES: u64 = 31_744;

impl Scripting {
    pub fn memory(&self) -> ScriptMemory {
        let vm = |s: Option<&Sandbox>| s.map_or(EMPTY_LUA_BYTES, |s| s.lua.used_memory() as u64);
        ScriptMemory {
            vm_eval: vm(self.eval.as_ref()),
            vm_functions: vm(self.functions.sandbox()),
            scripts_eval: self.scripts.len() as u64 * std::mem::size_of::<CachedScript>() as u64,
            functions: self.functions.code_bytes(),
            cached_scripts: self.scripts.len(),
            functions_count: self.functions.function_count(),
            libraries: self.functions.libraries().count(),
        }
    }
}

/// Redis's evalExtractShebangFlags: the flags of a `#!lua flags=a,b` first line and where
/// the code starts (at the line's newline, so line numbers are kept).
pub fn parse_shebang(body: &[u8]) -> Result<(ScriptFlags, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((ScriptFlags::COMPAT, 0));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid script shebang".into());
    };
    let parts = ferrodis_config::split_args(&body[..end])
        .filter(|p| !p.is_empty())
        .ok_or_else(|| "ERR Invalid engine in script shebang".to_string())?;
    if parts[0] != b"#!lua" {
        return Err(format!(
            "ERR Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(&parts[0])
        ));
    }
    let mut flags = ScriptFlags::default();
    for part in &parts[1..] {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(format!(
                "ERR Unknown lua shebang option: {}",
                String::from_utf8_lossy(part)
            ));
        };
        for flag in list.split(|&b| b == b',') {
            if !flag.is_empty() && !flags.set_named(flag) {
                return Err(format!(
                    "ERR Unexpected flag in script shebang: {}",
                    String::from_utf8_lossy(flag)
                ));
            }
        }
    }
    Ok((flags, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_flags_and_errors() {
        let (f, at) = parse_shebang(b"#!lua flags=no-writes,allow-stale\nreturn 1").unwrap();
        assert!(f.no_writes && f.allow_stale && !f.eval_compat);
        assert_eq!(at, 33);
        assert!(parse_shebang(b"return 1").unwrap().0.eval_compat);
        assert!(parse_shebang(b"#!lua\nreturn 1").unwrap().0 == ScriptFlags::default());
        assert!(
            parse_shebang(b"#!not-lua\n")
                .unwrap_err()
                .contains("Unexpected engine")
        );
        assert!(
            parse_shebang(b"#!lua badger=data\n")
                .unwrap_err()
                .contains("Unknown lua shebang option")
        );
        assert!(
            parse_shebang(b"#!lua flags=bad\n")
                .unwrap_err()
                .contains("Unexpected flag")
        );
    }

    #[test]
    fn sha1_is_lowercase_hex() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }
}

//! One script invocation (EVAL*, FCALL*): Redis's scriptPrepareForRun checks by the script's
//! flags, the run itself with `redis.call` bound to this command's context, and the reply.
//!
//! `redis.call` reaches the server through a function created in an mlua scope for the length
//! of the run, so it can borrow the command's `Ctx` safely; every command it runs goes through
//! `cmd::call_from_script` (Redis's scriptCall checks, then the ordinary `call` with the
//! script's frozen `now_ms`). The busy watch is started and finished here.

use super::ScriptFlags;
use super::convert;
use super::sandbox::{self, Sandbox};
use super::watch::RunningScript;
use crate::client::{Client, ClientKind};
use crate::cmd::{self, CmdResult, Ctx};
use crate::errors;
use bytes::{Bytes, BytesMut};
use ferrodis_resp::{Frame, Proto};
use mlua::{Lua, MultiValue, Table, Value as LuaValue};
use std::cell::RefCell;
use std::time::Instant;

/// What is being run.
pub struct Invocation<'a> {
    pub function: mlua::Function,
    /// EVAL (a chunk, KEYS/ARGV globals) or FCALL (a callback taking keys and args).
    pub eval_mode: bool,
    /// The SHA1 for EVAL, the function's name for FCALL: named in errors and FUNCTION STATS.
    pub name: String,
    pub flags: ScriptFlags,
    /// EVAL_RO, EVALSHA_RO, FCALL_RO.
    pub ro_command: bool,
    pub keys: &'a [Bytes],
    pub argv: &'a [Bytes],
    /// The whole command, for FUNCTION STATS.
    pub command: &'a [Bytes],
}

/// The per-run facts `redis.call` needs (Redis's scriptRunCtx flags).
pub struct ScriptCall {
    /// No write commands (EVAL_RO/FCALL_RO, or a `no-writes` script).
    pub read_only: bool,
    /// A write command has run: later writes are not refused (the script cannot be undone).
    pub write_dirty: bool,
    /// Sent by our master: write refusals do not apply.
    pub obey: bool,
}

/// Runs an invocation, writing its reply (or returning its error).
pub fn invoke(ctx: &mut Ctx, inv: Invocation) -> CmdResult {
    let read_only = prepare(ctx, inv.flags, inv.ro_command)?;
    let state = if inv.eval_mode {
        clone_handles(ctx.core.scripting.eval_state()?)
    } else {
        clone_handles(ctx.core.scripting.functions.state()?)
    };
    let watch = ctx.core.scripting.watch.clone();
    let obey = ctx.client.kind == ClientKind::Master;
    watch.start(
        RunningScript {
            name: inv.name.clone(),
            command: inv.command.to_vec(),
            started: Instant::now(),
            eval_mode: inv.eval_mode,
            from_master: obey,
        },
        ctx.core.config.busy_reply_threshold,
    );
    let caller_proto = ctx.client.proto;
    let mut script_client = Client::new(0, ctx.client.tx.clone(), ctx.client.addr.clone());
    script_client.db = ctx.client.db;
    script_client.authenticated = true;
    script_client.kind = ctx.client.kind;
    let call_state = ScriptCall {
        read_only,
        write_dirty: false,
        obey,
    };
    let cell = RefCell::new((ctx, script_client, call_state));
    let lua = state.lua.clone();
    let command = |lua: &Lua, args: MultiValue| -> mlua::Result<(LuaValue, bool)> {
        let mut guard = cell.borrow_mut();
        let (ctx, client, call_state) = &mut *guard;
        let result = redis_call(lua, ctx, client, call_state, &state.private, args);
        if call_state.write_dirty {
            ctx.core.scripting.watch.note_write();
        }
        result
    };
    let outcome: mlua::Result<(bool, LuaValue, bool)> = lua.scope(|scope| {
        let call = scope.create_function(|lua, args: MultiValue| match command(lua, args)? {
            (LuaValue::Table(t), true) => {
                let msg = t.raw_get::<String>("err").unwrap_or_default();
                Err(mlua::Error::external(sandbox::CallError(msg)))
            }
            (value, _) => Ok(value),
        })?;
        let pcall = scope.create_function(|lua, args: MultiValue| Ok(command(lua, args)?.0))?;
        state.redis.raw_set("call", call)?;
        state.redis.raw_set("pcall", pcall)?;
        state.private.raw_set("resp", 2)?;
        state.private.raw_set("repl", 3)?;
        let keys = string_array(&lua, inv.keys)?;
        let argv = string_array(&lua, inv.argv)?;
        let (ok, value): (bool, LuaValue) = if inv.eval_mode {
            state.globals.raw_set("KEYS", keys)?;
            state.globals.raw_set("ARGV", argv)?;
            state.runner.call(inv.function.clone())?
        } else {
            state.runner.call((inv.function.clone(), keys, argv))?
        };
        let resp3 = state.private.raw_get::<i64>("resp").unwrap_or(2) == 3;
        state.redis.raw_set("call", LuaValue::Nil)?;
        state.redis.raw_set("pcall", LuaValue::Nil)?;
        Ok((ok, value, resp3))
    });
    let (ctx, _, _) = cell.into_inner();
    ctx.core.script_no_propagate = false;
    // A little garbage collection every 50 runs, as Redis: a full cycle now and then would
    // cost more latency than these steps.
    ctx.core.scripting.runs_since_gc += 1;
    if ctx.core.scripting.runs_since_gc >= 50 {
        ctx.core.scripting.runs_since_gc = 0;
        let _ = lua.gc_step();
    }
    if watch.finish() {
        let _ = sandbox::install_hook(&lua, watch, false);
    }
    match outcome {
        Ok((true, value, resp3)) => {
            // A returned error table is an error reply: counted in the error stats, unless it is
            // a refusal redis.pcall already counted.
            if let LuaValue::Table(t) = &value
                && let Ok(LuaValue::String(e)) = t.raw_get::<LuaValue>("err")
                && !already_counted(&value)
            {
                crate::cmd::count_error(ctx.core, &String::from_utf8_lossy(&e.as_bytes()));
            }
            convert::write_reply(ctx.out, caller_proto, resp3, &value);
            Ok(())
        }
        Ok((false, err, _)) => {
            let text = error_reply(&err, &inv.name);
            if already_counted(&err) {
                ferrodis_resp::write_error(ctx.out, text.as_bytes());
                return Ok(());
            }
            Err(text.into())
        }
        Err(e) => Err(format!(
            "ERR Error running script {}, {}",
            inv.name,
            sandbox::mlua_error_text(&e)
        )
        .into()),
    }
}

struct Handles {
    lua: Lua,
    redis: Table,
    globals: Table,
    private: Table,
    runner: mlua::Function,
}

fn clone_handles(s: &Sandbox) -> Handles {
    Handles {
        lua: s.lua.clone(),
        redis: s.redis.clone(),
        globals: s.globals.clone(),
        private: s.private.clone(),
        runner: s.runner.clone(),
    }
}

fn string_array(lua: &Lua, items: &[Bytes]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(item)?)?;
    }
    Ok(t)
}

/// Redis's scriptPrepareForRun: refusals by the script's flags and the server's state.
/// Returns whether the run is read-only.
fn prepare(ctx: &Ctx, flags: ScriptFlags, ro_command: bool) -> Result<bool, String> {
    let core = &*ctx.core;
    let running_stale =
        core.is_replica() && !core.replication.link_up() && !core.config.replica_serve_stale_data;
    let obey = ctx.client.kind == ClientKind::Master;
    if flags.eval_compat {
        if running_stale {
            return Err(errors::MASTERDOWN.into());
        }
        return Ok(ro_command);
    }
    if running_stale && !flags.allow_stale {
        return Err("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.".into());
    }
    if !flags.no_writes {
        if core.is_replica() && core.config.replica_read_only && !obey {
            return Err("READONLY Can not run script with write flag on readonly replica".into());
        }
        if core.disk_error_denies_writes() && !obey {
            return Err("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.".into());
        }
        if ro_command {
            return Err("ERR Can not execute a script with write flag using *_ro command.".into());
        }
        if !core.is_replica() && cmd::min_replicas_short(core) {
            return Err(errors::NOREPLICAS.into());
        }
    }
    Ok(ro_command || flags.no_writes)
}

/// One `redis.call`/`redis.pcall`: the reply as a Lua value, and whether it is an error
/// (which `redis.call` raises).
fn redis_call(
    lua: &Lua,
    ctx: &mut Ctx,
    client: &mut Client,
    call_state: &mut ScriptCall,
    private: &Table,
    args: MultiValue,
) -> mlua::Result<(LuaValue, bool)> {
    let mut argv: Vec<Bytes> = Vec::with_capacity(args.len());
    for v in args.iter() {
        match v {
            LuaValue::String(s) => argv.push(Bytes::copy_from_slice(&s.as_bytes())),
            LuaValue::Integer(n) => argv.push(Bytes::from(n.to_string())),
            LuaValue::Number(n) => argv.push(Bytes::from(convert::argument_number_text(*n))),
            _ => {
                return error_value(
                    lua,
                    "ERR Lua redis lib command arguments must be strings or integers",
                );
            }
        }
    }
    if argv.is_empty() {
        return error_value(
            lua,
            "ERR Please specify at least one argument for this redis lib call",
        );
    }
    let resp3 = private.raw_get::<i64>("resp").unwrap_or(2) == 3;
    client.proto = if resp3 { Proto::Resp3 } else { Proto::Resp2 };
    let repl = private.raw_get::<i64>("repl").unwrap_or(3);
    // Without the replica bit the writes that follow are not propagated (we have no AOF, so
    // REPL_AOF alone means "not to replicas" too).
    ctx.core.script_no_propagate = repl & 2 == 0;
    let mut out = BytesMut::new();
    cmd::call_from_script(ctx, client, &argv, &mut out, call_state);
    let frame = convert::parse_reply(&out);
    let is_error = matches!(frame, Frame::Error(_));
    Ok((convert::frame_to_lua(lua, frame, resp3)?, is_error))
}

fn error_value(lua: &Lua, msg: &str) -> mlua::Result<(LuaValue, bool)> {
    let t = lua.create_table()?;
    t.raw_set("err", msg)?;
    Ok((LuaValue::Table(t), true))
}

/// An error raised by `redis.call` for a command that failed: the command's own reply
/// counted it in the error stats already (Redis's ignore_error_stats_update).
fn already_counted(err: &LuaValue) -> bool {
    matches!(err, LuaValue::Table(t)
        if t.raw_get::<bool>("ignore_error_stats_update").unwrap_or(false))
}

/// The caller's error for a script that raised: `<err> script: <name>, on <source>:<line>.`
fn error_reply(err: &LuaValue, name: &str) -> String {
    let LuaValue::Table(t) = err else {
        let text = sandbox::error_text(err);
        let short: String = text.chars().take(100).collect();
        return format!("ERR Error running script {name}, {short}");
    };
    let msg = match t.raw_get::<LuaValue>("err") {
        Ok(LuaValue::String(s)) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        _ => "ERR unknown error".to_string(),
    };
    let source = t.raw_get::<Option<String>>("source").ok().flatten();
    let line = t.raw_get::<Option<i64>>("line").ok().flatten();
    match (source, line) {
        (Some(source), Some(line)) => format!("{msg} script: {name}, on {source}:{line}."),
        _ => msg,
    }
}

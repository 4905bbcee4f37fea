//! The Lua states scripts run in, built as Redis 7.0.15 builds its own: Lua 5.1 with the base,
//! table, string and math libraries plus `cjson`, `cmsgpack`, `bit` and `struct`; only the
//! globals on Redis's allow-list (`setfenv`, `getfenv`, `newproxy` only with
//! `lua-enable-deprecated-api yes`); Redis's `pcall` (an error table becomes its message);
//! the `redis` API; and every table reachable from the globals read-only.
//!
//! Vanilla Lua has no read-only tables (Redis patches its VM for them), so protection is by
//! proxies: each library table and the globals table the scripts see are empty tables whose
//! metatable reads from the real one and raises `Attempt to modify a readonly table` on
//! writes; `setmetatable` and `rawset` refuse protected tables; `getmetatable` of a protected
//! table gives a sealed empty table, never the real metatable.
//!
//! Everything per-run (`redis.call`'s access to the server, RESP version, replication flags)
//! reaches Lua through the private table `priv`, which `run.rs` fills for the length of one
//! call. This module owns the shape of the state, not the running of scripts.

use mlua::{HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value as LuaValue, VmState};
use std::sync::Arc;

use super::watch::ScriptWatch;

/// Which API a state offers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StateKind {
    /// EVAL/EVALSHA: scripts are chunks; KEYS and ARGV are globals.
    Eval,
    /// FUNCTION/FCALL: libraries register functions while loading, under a reduced API.
    Functions,
}

/// `redis.register_function`'s native half (functions state only): an error message or none.
pub type RegisterFn = fn(&Lua, mlua::MultiValue) -> mlua::Result<Option<String>>;

/// One sandboxed state and the handles `run.rs` and `functions.rs` need into it.
pub struct Sandbox {
    pub lua: Lua,
    /// The `redis` table behind its read-only view: each run sets `call` and `pcall` here.
    pub redis: Table,
    /// The real globals behind the read-only view (KEYS and ARGV are set here for EVAL).
    pub globals: Table,
    /// The environment scripts and library code run with.
    pub env: Table,
    /// Per-run slots: `call` (the server), `resp`, `repl`, `loading`.
    pub private: Table,
    /// `run(f, keys, args)`: calls `f` under Redis's error handler; returns ok, value-or-error.
    pub runner: mlua::Function,
    /// Functions state only: switches the environment to the load-time API and back.
    pub set_load_mode: Option<mlua::Function>,
}

/// Lua code of the sandbox, run once per state. Ours; the behaviour it reproduces is Redis's
/// `luaRegisterRedisAPI`, `luaSetAllowListProtection`, `luaRedisPcall` and the error handler.
const BOOTSTRAP: &str = r#"
local kind, deprecated_api, native = ...
local G = _G
local raw_setmetatable, raw_getmetatable, raw_rawset, raw_rawget = setmetatable, getmetatable, rawset, rawget
local raw_error, raw_type, raw_tostring, raw_pcall, raw_xpcall = error, type, tostring, pcall, xpcall
local raw_loadstring, raw_select, raw_unpack, raw_pairs, raw_next = loadstring, select, unpack, pairs, next
local raw_tonumber = tonumber
local concat, maxn = table.concat, table.maxn
local dbg = debug

local readonly = raw_setmetatable({}, {__mode = 'k'})
local function ro_error() raw_error('Attempt to modify a readonly table', 2) end
local sealed = {}
raw_setmetatable(sealed, {__newindex = ro_error, __metatable = sealed})
readonly[sealed] = true

-- A read-only view of t: reads go to t, writes fail, its metatable is not reachable.
local function protect(t, missing)
  local p = {}
  raw_setmetatable(p, {__index = t, __newindex = ro_error, __metatable = sealed})
  if missing then
    raw_setmetatable(t, {__index = missing})
  end
  readonly[p] = true
  return p
end

local function missing_global(_, name)
  raw_error("Script attempted to access nonexistent global variable '" .. raw_tostring(name) .. "'", 2)
end

-- Library functions implemented natively raise mlua errors; scripts must see plain messages.
local function clean(lib)
  local out = {}
  for k, v in raw_pairs(lib) do
    if raw_type(v) == 'function' then
      local f = v
      out[k] = function(...)
        local r = {raw_pcall(f, ...)}
        if not r[1] then raw_error(native.errmsg(r[2]), 2) end
        return raw_unpack(r, 2, maxn(r))
      end
    else
      out[k] = v
    end
  end
  return out
end

-- Redis's allow-list of globals; everything else is removed.
local allowed = {
  string = true, cjson = true, bit = true, cmsgpack = true, math = true, table = true, struct = true,
  xpcall = true, tostring = true, setmetatable = true, next = true, assert = true, tonumber = true,
  rawequal = true, collectgarbage = true, getmetatable = true, rawset = true, pcall = true,
  coroutine = true, type = true, _G = true, select = true, unpack = true, gcinfo = true, pairs = true,
  rawget = true, loadstring = true, ipairs = true, _VERSION = true, load = true, error = true,
}
if deprecated_api then
  allowed.newproxy = true; allowed.setfenv = true; allowed.getfenv = true
end
local names = {}
for k in raw_pairs(G) do names[#names + 1] = k end
for _, k in ipairs(names) do
  if not allowed[k] then raw_rawset(G, k, nil) end
end

for _, lib in ipairs({'cjson', 'cmsgpack', 'bit', 'struct'}) do
  if raw_rawget(G, lib) then raw_rawset(G, lib, clean(raw_rawget(G, lib))) end
end

-- Redis's pcall: an error table (what redis.call raises) is caught as its message.
local function pcall_result(ok, ...)
  if ok then return true, ... end
  local e = ...
  if raw_type(e) == 'table' and raw_type(raw_rawget(e, 'err')) == 'string' then e = raw_rawget(e, 'err')
  elseif raw_type(e) == 'userdata' then e = native.errreply(e) end
  return false, e
end
G.pcall = function(...) return pcall_result(raw_pcall(...)) end

-- Lua 5.1.5's unpack overflows the stack check for ranges near 2^31 (Redis patches its copy);
-- a range no stack could hold is refused before it reaches it.
G.unpack = function(...)
  local t, i, j = ...
  local first = i == nil and 1 or raw_tonumber(i)
  local last = j == nil and (raw_type(t) == 'table' and #t or 0) or raw_tonumber(j)
  if first and last and last >= first and last - first >= 8000 then
    raw_error('too many results to unpack', 0)
  end
  -- Forwarded as given: unpack's stack check counts its own arguments.
  return raw_unpack(...)
end

G.setmetatable = function(t, mt)
  if readonly[t] then raw_error('Attempt to modify a readonly table', 2) end
  return raw_setmetatable(t, mt)
end
G.rawset = function(t, k, v)
  if readonly[t] then raw_error('Attempt to modify a readonly table', 2) end
  return raw_rawset(t, k, v)
end
-- Source only: precompiled chunks could break the VM's invariants.
G.loadstring = function(s, name)
  if raw_type(s) == 'string' and s:byte(1) == 27 then
    return nil, 'binary chunks are not allowed'
  end
  return raw_loadstring(s, name)
end
G.load = function(f, name)
  local parts = {}
  while true do
    local piece = f()
    if piece == nil or piece == '' then break end
    parts[#parts + 1] = piece
  end
  return G.loadstring(concat(parts), name)
end

-- The per-run slots, filled from Rust.
local priv = {}

local function fail(msg) raw_error({err = 'ERR ' .. msg}) end

-- redis.call and redis.pcall are set by each run (Rust functions bound to its command).
local redis = {}
redis.replicate_commands = function() return true end
redis.REPL_NONE = 0; redis.REPL_AOF = 1; redis.REPL_SLAVE = 2; redis.REPL_REPLICA = 2; redis.REPL_ALL = 3
local function single_field(field, ...)
  if raw_select('#', ...) ~= 1 or raw_type((...)) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  return {[field] = (...)}
end
redis.status_reply = function(...) return single_field('ok', ...) end
redis.error_reply = function(...)
  local t = single_field('err', ...)
  local e = t.err
  if raw_select('#', ...) == 1 and raw_type(e) == 'string' then
    if e:sub(1, 1) == '-' then e = e:sub(2) end
    if not e:find(' ', 1, true) then e = 'ERR ' .. e end
    t.err = (e:gsub('[\r\n]+$', ''))
  end
  return t
end
local function log(...)
  local n = raw_select('#', ...)
  if n < 2 then fail('redis.log() requires two arguments or more.') end
  local level = ...
  if raw_type(level) ~= 'number' then fail('First argument must be a number (log level).') end
  if level < 0 or level > 3 then fail('Invalid debug level.') end
  local parts = {}
  for i = 2, n do
    local v = raw_select(i, ...)
    if raw_type(v) == 'string' or raw_type(v) == 'number' then parts[#parts + 1] = raw_tostring(v) end
  end
  native.log(level, concat(parts, ' '))
end
redis.log = log
redis.LOG_DEBUG = 0; redis.LOG_VERBOSE = 1; redis.LOG_NOTICE = 2; redis.LOG_WARNING = 3
redis.REDIS_VERSION = native.version
redis.REDIS_VERSION_NUM = native.version_num
-- No script debugger: outside a debugging session these do nothing, as in Redis.
redis.breakpoint = function() return false end
redis.debug = function() end

G.redis = protect(redis)
for _, lib in ipairs({'string', 'math', 'table', 'coroutine', 'cjson', 'cmsgpack', 'bit', 'struct'}) do
  if raw_rawget(G, lib) then raw_rawset(G, lib, protect(raw_rawget(G, lib))) end
end
-- The string metatable is shared by every string: keep scripts from rewriting it.
raw_getmetatable('').__metatable = sealed

-- Redis's error handler: an error becomes a table {err=..., source=..., line=...} naming the
-- script's frame (not a C function's, not the sandbox's own wrappers).
local function handler(err)
  local level = 2
  local info
  while true do
    info = dbg.getinfo(level, 'nSl')
    if not info then break end
    -- Skip C functions, the sandbox's own wrappers and the marks tail calls leave.
    if info.what ~= 'C' and info.what ~= 'tail' and info.source ~= '=sandbox' then break end
    level = level + 1
  end
  if raw_type(err) ~= 'table' then
    -- A redis.call error was already counted in the error stats by the command that failed.
    local text, counted = native.errreply(err)
    err = {err = text, ignore_error_stats_update = counted}
  end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end

local runner
if kind == 'eval' then
  runner = function(f) return raw_xpcall(f, handler) end
else
  runner = function(f, keys, args)
    return raw_xpcall(function() return f(keys, args) end, handler)
  end
end

-- The globals scripts see: an empty table reading from G, erroring on unknown names.
local env = protect(G, missing_global)
raw_rawset(G, '_G', env)

local set_load_mode
if kind == 'functions' then
  -- While a library loads, its code sees only redis.register_function, redis.log and the
  -- version fields (an unknown name is an error even inside `redis`); afterwards the
  -- functions it registered see the full API.
  local load_redis = {
    register_function = function(...)
      if not priv.loading then
        fail('redis.register_function can only be called on FUNCTION LOAD command')
      end
      local msg = native.register(...)
      if msg then raw_error({err = 'ERR ' .. msg}) end
    end,
    log = log,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REDIS_VERSION = native.version, REDIS_VERSION_NUM = native.version_num,
  }
  local load_api = {redis = protect(load_redis, missing_global)}
  raw_setmetatable(load_api, {__index = missing_global})
  local env_meta = {__newindex = ro_error, __metatable = sealed}
  env = {}
  raw_setmetatable(env, env_meta)
  readonly[env] = true
  env_meta.__index = G
  raw_rawset(G, '_G', env)
  set_load_mode = function(on)
    priv.loading = on
    env_meta.__index = on and load_api or G
  end
end

G.debug = nil
return G, env, priv, runner, set_load_mode, redis
"#;

impl Sandbox {
    /// A new state of `kind`. `watch` is consulted by the instruction hook (busy scripts,
    /// kills, FUNCTION LOAD's time limit).
    pub fn new(
        kind: StateKind,
        deprecated_api: bool,
        watch: Arc<ScriptWatch>,
        register: Option<RegisterFn>,
    ) -> mlua::Result<Sandbox> {
        // SAFETY: `debug` is the only library mlua calls unsafe. The bootstrap keeps it in one
        // local (the error handler needs `debug.getinfo`) and removes the global before any
        // script runs, as Redis does; scripts never reach it.
        let lua = unsafe {
            Lua::unsafe_new_with(
                StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::DEBUG,
                LuaOptions::default(),
            )
        };
        ferrodis_lualibs::open_all(&lua)?;
        let native = lua.create_table()?;
        native.set(
            "errmsg",
            lua.create_function(|_, v: LuaValue| Ok(error_text(&v)))?,
        )?;
        native.set(
            "errreply",
            lua.create_function(|_, v: LuaValue| Ok(error_reply_text(&v)))?,
        )?;
        native.set(
            "log",
            lua.create_function(|_, (level, line): (i64, mlua::LuaString)| {
                let line = String::from_utf8_lossy(&line.as_bytes()).into_owned();
                match level {
                    0 => crate::log!(Debug, "{line}"),
                    1 => crate::log!(Verbose, "{line}"),
                    2 => crate::log!(Notice, "{line}"),
                    _ => crate::log!(Warning, "{line}"),
                }
                Ok(())
            })?,
        )?;
        native.set("version", crate::REDIS_COMPAT_VERSION)?;
        native.set("version_num", version_num(crate::REDIS_COMPAT_VERSION))?;
        if let Some(register) = register {
            native.set("register", lua.create_function(register)?)?;
        }
        let kind_name = match kind {
            StateKind::Eval => "eval",
            StateKind::Functions => "functions",
        };
        let (globals, env, private, runner, set_load_mode, redis): (
            Table,
            Table,
            Table,
            mlua::Function,
            Option<mlua::Function>,
            Table,
        ) = lua
            .load(BOOTSTRAP)
            .set_name("=sandbox")
            .call((kind_name, deprecated_api, native))?;
        add_native_api(&lua, &redis, &private)?;
        lua.set_globals(env.clone())?;
        install_hook(&lua, watch, false)?;
        // The bootstrap's garbage goes now, so INFO used_memory_lua starts from what the state
        // really holds.
        lua.gc_collect()?;
        lua.gc_collect()?;
        // Start each GC cycle when memory grows by half rather than doubling (Lua's default):
        // every call leaves a little garbage (its KEYS/ARGV tables, the run's redis.call
        // binding), and a state that doubles before collecting reads as a leak in INFO.
        lua.gc_set_mode(mlua::state::GcMode::Incremental(
            mlua::state::GcIncParams::default().pause(150),
        ));
        Ok(Sandbox {
            lua,
            redis,
            globals,
            env,
            private,
            runner,
            set_load_mode,
        })
    }
}

/// The parts of the `redis` API that can fail, as Rust functions: a C function keeps its
/// caller's frame even when called as `return redis.setresp(4)`, so errors name the script's
/// line (a Lua wrapper would be tail-called and leave no trace of it).
fn add_native_api(lua: &Lua, redis: &Table, private: &Table) -> mlua::Result<()> {
    fn raise(msg: &str) -> mlua::Error {
        mlua::Error::external(CallError(format!("ERR {msg}")))
    }
    let slots = private.clone();
    redis.raw_set(
        "setresp",
        lua.create_function(move |_, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise("redis.setresp() requires one argument."));
            }
            match number_arg(&args[0]) {
                Some(v) if v == 2.0 || v == 3.0 => slots.raw_set("resp", v as i64),
                _ => Err(raise("RESP version must be 2 or 3.")),
            }
        })?,
    )?;
    let slots = private.clone();
    redis.raw_set(
        "set_repl",
        lua.create_function(move |_, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise("redis.set_repl() requires two arguments."));
            }
            match number_arg(&args[0]) {
                Some(v) if v.fract() == 0.0 && (0.0..=3.0).contains(&v) => {
                    slots.raw_set("repl", v as i64)
                }
                _ => Err(raise(
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                )),
            }
        })?,
    )?;
    redis.raw_set(
        "sha1hex",
        lua.create_function(|_, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise("wrong number of arguments"));
            }
            let bytes = match &args[0] {
                LuaValue::String(s) => s.as_bytes().to_vec(),
                LuaValue::Integer(n) => n.to_string().into_bytes(),
                LuaValue::Number(n) => super::convert::lua_number_text(*n).into_bytes(),
                _ => Vec::new(),
            };
            Ok(super::sha1_hex(&bytes))
        })?,
    )?;
    Ok(())
}

fn number_arg(v: &LuaValue) -> Option<f64> {
    match v {
        LuaValue::Integer(n) => Some(*n as f64),
        LuaValue::Number(n) => Some(*n),
        LuaValue::String(s) => std::str::from_utf8(&s.as_bytes()).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// The instruction hook: every 100,000 instructions it asks the watch whether the script
/// must stop (killed, or FUNCTION LOAD over its time). Once a kill is seen, it fires on every
/// line, so a script cannot swallow the error with pcall and carry on (as Redis does).
pub fn install_hook(lua: &Lua, watch: Arc<ScriptWatch>, every_line: bool) -> mlua::Result<()> {
    let triggers = if every_line {
        HookTriggers::EVERY_LINE
    } else {
        HookTriggers::new().every_nth_instruction(100_000)
    };
    lua.set_hook(triggers, move |lua, _| {
        if let Some(msg) = watch.check_stop() {
            if !every_line {
                install_hook(lua, watch.clone(), true)?;
            }
            return Err(mlua::Error::runtime(msg));
        }
        Ok(VmState::Continue)
    })
}

/// The message inside a Lua error value as a script would print it: a string as is, an
/// error table's `err`, an mlua error's innermost runtime message.
pub fn error_text(v: &LuaValue) -> String {
    match v {
        LuaValue::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        LuaValue::Error(e) => mlua_error_text(e),
        LuaValue::Table(t) => match t.raw_get::<LuaValue>("err") {
            Ok(LuaValue::String(s)) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
            _ => "execution failure".to_string(),
        },
        LuaValue::Nil => "nil".to_string(),
        LuaValue::Boolean(b) => b.to_string(),
        LuaValue::Integer(n) => n.to_string(),
        LuaValue::Number(n) => super::convert::lua_number_text(*n),
        other => other.type_name().to_string(),
    }
}

/// An error raised by `redis.call`: the reply's text, code included (`ERR ...`, `WRONGTYPE ...`).
#[derive(Debug)]
pub struct CallError(pub String);

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CallError {}

/// The error reply a raised value becomes: a `redis.call` error keeps its code, anything else
/// is `ERR <message>`.
pub fn error_reply_text(v: &LuaValue) -> String {
    if let LuaValue::Error(e) = v
        && let Some(call) = find_call_error(e)
    {
        return call.0.clone();
    }
    format!("ERR {}", error_text(v))
}

fn find_call_error(e: &mlua::Error) -> Option<&CallError> {
    match e {
        mlua::Error::CallbackError { cause, .. } => find_call_error(cause),
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<CallError>(),
        _ => None,
    }
}

/// The innermost message of an mlua error (callback errors wrap the Rust function's).
pub fn mlua_error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => mlua_error_text(cause),
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::ExternalError(inner) => inner.to_string(),
        mlua::Error::BadArgument {
            pos, name, cause, ..
        } => format!(
            "bad argument #{pos} to '{}' ({})",
            name.as_deref().unwrap_or("?"),
            mlua_error_text(cause)
        ),
        mlua::Error::FromLuaConversionError { from, to, .. } => {
            format!("{to} expected, got {from}")
        }
        other => other.to_string(),
    }
}

/// `7.0.15` → 0x00070f, as REDIS_VERSION_NUM.
fn version_num(version: &str) -> i64 {
    version
        .split('.')
        .take(3)
        .fold(0, |acc, part| (acc << 8) | part.parse::<i64>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_num_packs_three_bytes() {
        assert_eq!(version_num("7.0.15"), 0x07000f);
    }
}

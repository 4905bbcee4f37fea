//! Lua scripting (EVAL, EVALSHA, SCRIPT): one Lua 5.1 state (mlua, vendored), the script
//! cache by SHA1, `redis.call`/`redis.pcall` running commands through the ordinary path
//! (`cmd::call`) with the script's frozen time, and Redis's conversions between replies and
//! Lua values. A script's writes are recorded as effects by the calls it makes, so they
//! replicate wrapped in MULTI/EXEC like a transaction's.
//!
//! Work in progress (issue 7): FUNCTION, the cjson/cmsgpack/bit/struct libraries, shebang
//! flags, script timeouts and SCRIPT KILL are not here yet.

use crate::client::Client;
use crate::cmd::{self, Ctx};
use bytes::{Bytes, BytesMut};
use ferrodis_resp::{Frame, Limits};
use mlua::{Lua, MultiValue, Value as LuaValue};
use std::cell::RefCell;
use std::collections::HashMap;

/// The Lua state and the scripts it knows.
pub struct Scripting {
    lua: Lua,
    /// SHA1 (lowercase hex) → body, for EVALSHA and SCRIPT EXISTS.
    pub scripts: HashMap<String, Bytes>,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting {
            lua: Lua::new(),
            scripts: HashMap::new(),
        }
    }
}

/// Lowercase hex SHA1, as Redis names scripts.
pub fn sha1_hex(body: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(body);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Scripting {
    /// SCRIPT FLUSH.
    pub fn flush(&mut self) {
        self.scripts.clear();
        self.lua = Lua::new();
    }
}

/// Runs `body` with KEYS and ARGV, writing its reply to the client's output.
pub fn run(ctx: &mut Ctx, body: &Bytes, keys: &[Bytes], argv: &[Bytes]) -> Result<(), String> {
    let lua = ctx.core.scripting.lua.clone();
    let sha = sha1_hex(body);
    ctx.core.scripting.scripts.insert(sha.clone(), body.clone());
    let mut script_client = Client::new(0, ctx.client.tx.clone(), ctx.client.addr.clone());
    script_client.db = ctx.client.db;
    script_client.authenticated = true;
    let shared = RefCell::new((ctx, script_client));
    let result: mlua::Result<Result<Frame, String>> = lua.scope(|scope| {
        let globals = lua.globals();
        let redis = lua.create_table()?;
        let call = scope.create_function_mut(|lua, args: MultiValue| {
            let mut guard = shared.borrow_mut();
            let (ctx, client) = &mut *guard;
            let reply = redis_call(ctx, client, args)?;
            match reply {
                Frame::Error(e) => Err(mlua::Error::external(String::from_utf8_lossy(&e).into_owned())),
                other => frame_to_lua(lua, other),
            }
        })?;
        let pcall = scope.create_function_mut(|lua, args: MultiValue| {
            let mut guard = shared.borrow_mut();
            let (ctx, client) = &mut *guard;
            let reply = redis_call(ctx, client, args)?;
            frame_to_lua(lua, reply)
        })?;
        redis.set("call", call)?;
        redis.set("pcall", pcall)?;
        redis.set(
            "status_reply",
            lua.create_function(|lua, s: mlua::LuaString| {
                let t = lua.create_table()?;
                t.set("ok", s)?;
                Ok(t)
            })?,
        )?;
        redis.set(
            "error_reply",
            lua.create_function(|lua, s: mlua::LuaString| {
                let t = lua.create_table()?;
                t.set("err", s)?;
                Ok(t)
            })?,
        )?;
        redis.set(
            "sha1hex",
            lua.create_function(|_, s: mlua::LuaString| Ok(sha1_hex(&s.as_bytes())))?,
        )?;
        redis.set("LOG_DEBUG", 0)?;
        redis.set("LOG_VERBOSE", 1)?;
        redis.set("LOG_NOTICE", 2)?;
        redis.set("LOG_WARNING", 3)?;
        redis.set(
            "log",
            lua.create_function(|_, (level, parts): (i64, MultiValue)| {
                let msg: Vec<String> = parts
                    .iter()
                    .map(|v| match v {
                        LuaValue::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
                        LuaValue::Integer(n) => n.to_string(),
                        LuaValue::Number(n) => format_lua_number(*n),
                        _ => String::new(),
                    })
                    .collect();
                let line = msg.join(" ");
                match level {
                    0 => crate::log!(Debug, "{line}"),
                    1 => crate::log!(Verbose, "{line}"),
                    2 => crate::log!(Notice, "{line}"),
                    _ => crate::log!(Warning, "{line}"),
                }
                Ok(())
            })?,
        )?;
        // Scripts are always replicated by their effects (Redis 7): this only says so.
        redis.set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
        redis.set("REPL_NONE", 0)?;
        redis.set("REPL_AOF", 1)?;
        redis.set("REPL_SLAVE", 2)?;
        redis.set("REPL_REPLICA", 2)?;
        redis.set("REPL_ALL", 3)?;
        let set_repl = scope.create_function_mut(|_, flags: i64| {
            if !(0..=3).contains(&flags) {
                return Err(mlua::Error::runtime(
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                ));
            }
            // Without the replica bit, the writes that follow are not propagated (we have no
            // AOF, so REPL_AOF alone means "not to replicas" too).
            shared.borrow_mut().0.core.script_no_propagate = flags & 2 == 0;
            Ok(())
        })?;
        redis.set("set_repl", set_repl)?;
        // No script debugger: these are no-ops, as Redis outside a debugging session.
        redis.set("breakpoint", lua.create_function(|_, ()| Ok(false))?)?;
        redis.set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
        // `redis` is read-only to scripts: a proxy whose writes fail.
        let proxy = lua.create_table()?;
        let meta = lua.create_table()?;
        meta.raw_set("__index", redis)?;
        proxy.set_metatable(Some(meta))?;
        globals.raw_set("redis", proxy)?;
        globals.raw_set("KEYS", lua.create_sequence_from(keys.iter().map(|k| lua.create_string(k)).collect::<mlua::Result<Vec<_>>>()?)?)?;
        globals.raw_set("ARGV", lua.create_sequence_from(argv.iter().map(|a| lua.create_string(a)).collect::<mlua::Result<Vec<_>>>()?)?)?;
        // Redis's globals protection: reading an undefined global is an error, not nil. In Lua,
        // so that `error(..., 2)` names the script line, as Redis's does.
        lua.load(
            "local ro = function() error(\"Attempt to modify a readonly table\", 2) end \
             getmetatable(rawget(_G, 'redis')).__newindex = ro \
             setmetatable(_G, {__index = function(_, name) error(\"Script attempted to access nonexistent global variable '\" .. tostring(name) .. \"'\", 2) end, __newindex = ro})",
        )
        .set_name("=protect")
        .exec()?;
        let chunk = lua.load(&body[..]).set_name("@user_script");
        match chunk.eval::<LuaValue>() {
            Ok(v) => Ok(Ok(lua_to_frame(&v))),
            Err(e) => Ok(Err(script_error(&e, &sha))),
        }
    });
    let (ctx, _) = shared.into_inner();
    ctx.core.script_no_propagate = false;
    match result {
        Ok(Ok(frame)) => {
            write_frame(ctx.out, &frame);
            Ok(())
        }
        Ok(Err(msg)) | Err(mlua::Error::RuntimeError(msg)) => Err(msg),
        Err(e) => Err(format!("ERR {e}")),
    }
}

/// `ERR user_script:1: <message> script: <sha>, on @user_script:1.` as Redis 7.0 words a
/// runtime error; an error reply raised by redis.call keeps its own text.
fn script_error(e: &mlua::Error, sha: &str) -> String {
    let text = match e {
        // An error reply raised by redis.call keeps its text, with the script's place.
        mlua::Error::CallbackError { cause, .. } => {
            return format!("{} script: {sha}, on @user_script:1.", cause_text(cause));
        }
        mlua::Error::RuntimeError(m) | mlua::Error::SyntaxError { message: m, .. } => m.clone(),
        other => other.to_string(),
    };
    let text = text.lines().next().unwrap_or("").to_string();
    format!("ERR {text} script: {sha}, on @user_script:1.")
}

fn cause_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => cause_text(cause),
        mlua::Error::ExternalError(inner) => inner.to_string(),
        other => format!("ERR {other}"),
    }
}

/// One `redis.call`: arguments as strings (numbers formatted as Lua prints them), the command
/// run through the ordinary path with the script's frozen time, its reply parsed back.
fn redis_call(ctx: &mut Ctx, client: &mut Client, args: MultiValue) -> mlua::Result<Frame> {
    let mut argv: Vec<Bytes> = Vec::with_capacity(args.len());
    for v in args.iter() {
        match v {
            LuaValue::String(s) => argv.push(Bytes::copy_from_slice(&s.as_bytes())),
            LuaValue::Integer(n) => argv.push(Bytes::from(n.to_string())),
            LuaValue::Number(n) => argv.push(Bytes::from(format_lua_number(*n))),
            _ => {
                return Ok(Frame::Error(Bytes::from_static(
                    b"ERR Lua redis lib command arguments must be strings or integers",
                )));
            }
        }
    }
    if argv.is_empty() {
        return Ok(Frame::Error(Bytes::from_static(
            b"ERR Please specify at least one argument for this redis lib call",
        )));
    }
    let mut out = BytesMut::new();
    cmd::call_from_script(ctx, client, &argv, &mut out);
    match ferrodis_resp::parse_frame(&out, &Limits::default()) {
        Ok(Some((frame, _))) => Ok(frame),
        _ => Ok(Frame::Null),
    }
}

/// Lua's `%.14g`.
fn format_lua_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let s = format!("{n:.14e}");
    let v: f64 = s.parse().unwrap_or(n);
    format!("{v}")
}

/// A reply as Redis hands it to Lua (RESP2 rules).
fn frame_to_lua(lua: &Lua, frame: Frame) -> mlua::Result<LuaValue> {
    Ok(match frame {
        Frame::Integer(n) => LuaValue::Integer(n),
        Frame::Bulk(b) => LuaValue::String(lua.create_string(&b)?),
        Frame::Null => LuaValue::Boolean(false),
        Frame::Simple(s) => {
            let t = lua.create_table()?;
            t.set("ok", lua.create_string(&s)?)?;
            LuaValue::Table(t)
        }
        Frame::Error(e) => {
            let t = lua.create_table()?;
            t.set("err", lua.create_string(&e)?)?;
            LuaValue::Table(t)
        }
        Frame::Array(items) => {
            let t = lua.create_table()?;
            for (i, item) in items.into_iter().enumerate() {
                t.set(i + 1, frame_to_lua(lua, item)?)?;
            }
            LuaValue::Table(t)
        }
        Frame::Boolean(b) => LuaValue::Boolean(b),
        Frame::Double(d) => LuaValue::Number(d),
        Frame::BigNumber(b) | Frame::Verbatim { text: b, .. } => {
            LuaValue::String(lua.create_string(&b)?)
        }
        _ => LuaValue::Boolean(false),
    })
}

/// A script's return value as Redis replies it (RESP2 rules).
fn lua_to_frame(v: &LuaValue) -> Frame {
    match v {
        LuaValue::Nil => Frame::Null,
        LuaValue::Boolean(true) => Frame::Integer(1),
        LuaValue::Boolean(false) => Frame::Null,
        LuaValue::Integer(n) => Frame::Integer(*n),
        LuaValue::Number(n) => Frame::Integer(*n as i64),
        LuaValue::String(s) => Frame::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        LuaValue::Table(t) => {
            if let Ok(LuaValue::String(e)) = t.raw_get::<LuaValue>("err") {
                return Frame::Error(Bytes::copy_from_slice(&e.as_bytes()));
            }
            if let Ok(LuaValue::String(s)) = t.raw_get::<LuaValue>("ok") {
                return Frame::Simple(Bytes::copy_from_slice(&s.as_bytes()));
            }
            let mut items = Vec::new();
            for i in 1.. {
                match t.raw_get::<LuaValue>(i) {
                    Ok(LuaValue::Nil) | Err(_) => break,
                    Ok(v) => items.push(lua_to_frame(&v)),
                }
            }
            Frame::Array(items)
        }
        _ => Frame::Null,
    }
}

fn write_frame(out: &mut BytesMut, frame: &Frame) {
    match frame {
        Frame::Null => out.extend_from_slice(b"$-1\r\n"),
        Frame::Integer(n) => ferrodis_resp::write_integer(out, *n),
        Frame::Bulk(b) => ferrodis_resp::write_bulk(out, b),
        Frame::Simple(s) => ferrodis_resp::write_simple(out, s),
        Frame::Error(e) => ferrodis_resp::write_error(out, e),
        Frame::Array(items) => {
            ferrodis_resp::write_array_len(out, items.len());
            for i in items {
                write_frame(out, i);
            }
        }
        _ => out.extend_from_slice(b"$-1\r\n"),
    }
}

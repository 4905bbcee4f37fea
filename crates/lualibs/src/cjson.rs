//! `cjson`: Lua CJSON 2.1.0 as Redis 7.0 bundles it (`deps/lua/src/lua_cjson.c`), the JSON
//! library of Redis scripts.
//!
//! Owns the module table (`encode`, `decode`, the seven configuration functions, `new`, `null`,
//! `_NAME`, `_VERSION`) and the configuration they share. A table made by `cjson.new()` has its own
//! configuration, like Lua CJSON's. Configuration persists in the Lua state across calls (and, on
//! Redis, across scripts until the state is reset). Encoding lives in [`encode`], decoding in
//! [`decode`]; neither knows about the other.

mod decode;
mod encode;

use std::sync::{Arc, Mutex, MutexGuard};

use mlua::{LightUserData, Lua, Table, Value};

use crate::boundary::{self, Args, Fail, RawNext, Ret};

/// Settings shared by one cjson table's functions, with Lua CJSON's defaults.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    /// `encode_sparse_array` convert: encode excessively sparse arrays as objects (else error).
    pub(crate) sparse_convert: i32,
    /// `encode_sparse_array` ratio: 0 allows any sparseness.
    pub(crate) sparse_ratio: i32,
    /// `encode_sparse_array` safe: arrays up to this index are never "excessively sparse".
    pub(crate) sparse_safe: i32,
    pub(crate) encode_max_depth: i32,
    pub(crate) decode_max_depth: i32,
    /// 0: error on NaN/Inf, 1: encode them as `nan`/`inf`, 2: encode them as `null`.
    pub(crate) encode_invalid_numbers: i32,
    pub(crate) encode_number_precision: i32,
    /// Only a memory-reuse switch in C; kept so that reading it back works.
    pub(crate) encode_keep_buffer: i32,
    /// Accept `Infinity`, `NaN`, hexadecimal and other strtod forms when decoding.
    pub(crate) decode_invalid_numbers: i32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sparse_convert: 0,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: 0,
            encode_number_precision: 14,
            encode_keep_buffer: 1,
            decode_invalid_numbers: 1,
        }
    }
}

type Shared = Arc<Mutex<Config>>;

fn lock(config: &Shared) -> MutexGuard<'_, Config> {
    // The configuration is plain data: a panic elsewhere cannot leave it inconsistent.
    config
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `cjson.null`: the NULL light userdata JSON null decodes to.
pub(crate) fn null() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

/// Builds a cjson module table with a fresh configuration (`luaopen_cjson`, `cjson.new`).
pub(crate) fn open(lua: &Lua) -> mlua::Result<Table> {
    let config: Shared = Arc::default();
    let next = RawNext::new(lua)?;
    let t = lua.create_table()?;

    let cfg = config.clone();
    t.raw_set(
        "encode",
        boundary::function(lua, move |lua, args| {
            args.arg_check(args.len() == 1, 1, "expected 1 argument")?;
            let settings = *lock(&cfg);
            let json = encode::encode(lua, &next, settings, args.value(1)?)?;
            Ret::one(Value::String(lua.create_string(json)?))
        })?,
    )?;
    let cfg = config.clone();
    t.raw_set(
        "decode",
        boundary::function(lua, move |lua, args| {
            args.arg_check(args.len() == 1, 1, "expected 1 argument")?;
            let settings = *lock(&cfg);
            let text = args.check_string(1)?;
            Ret::one(decode::decode(lua, settings, &text.as_bytes())?)
        })?,
    )?;
    t.raw_set(
        "encode_sparse_array",
        config_fn(lua, &config, 3, encode_sparse_array)?,
    )?;
    t.raw_set(
        "encode_max_depth",
        config_fn(lua, &config, 1, |args, c| {
            integer_option(args, 1, &mut c.encode_max_depth, 1, i32::MAX)
        })?,
    )?;
    t.raw_set(
        "decode_max_depth",
        config_fn(lua, &config, 1, |args, c| {
            integer_option(args, 1, &mut c.decode_max_depth, 1, i32::MAX)
        })?,
    )?;
    t.raw_set(
        "encode_number_precision",
        config_fn(lua, &config, 1, |args, c| {
            integer_option(args, 1, &mut c.encode_number_precision, 1, 14)
        })?,
    )?;
    t.raw_set(
        "encode_keep_buffer",
        config_fn(lua, &config, 1, |args, c| {
            enum_option(args, 1, &mut c.encode_keep_buffer, BOOL_OPTIONS, 1)
        })?,
    )?;
    t.raw_set(
        "encode_invalid_numbers",
        config_fn(lua, &config, 1, |args, c| {
            enum_option(
                args,
                1,
                &mut c.encode_invalid_numbers,
                &["off", "on", "null"],
                1,
            )
        })?,
    )?;
    t.raw_set(
        "decode_invalid_numbers",
        config_fn(lua, &config, 1, |args, c| {
            enum_option(args, 1, &mut c.decode_invalid_numbers, BOOL_OPTIONS, 1)
        })?,
    )?;
    t.raw_set(
        "new",
        boundary::function(lua, |lua, _args| Ret::one(Value::Table(open(lua)?)))?,
    )?;
    t.raw_set("null", null())?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

/// A configuration function taking at most `max_args` arguments (`json_arg_init`). `body` edits
/// the shared settings in place, so that an option set before a later argument fails stays set,
/// as in C.
fn config_fn<F>(
    lua: &Lua,
    config: &Shared,
    max_args: usize,
    body: F,
) -> mlua::Result<mlua::Function>
where
    F: Fn(&Args, &mut Config) -> Result<Vec<Value>, Fail> + Send + 'static,
{
    let config = config.clone();
    boundary::function(lua, move |_lua, args| {
        args.arg_check(
            args.len() <= max_args,
            max_args as i64 + 1,
            "found too many arguments",
        )?;
        let mut settings = lock(&config);
        body(args, &mut settings).map(Ret::Values)
    })
}

fn encode_sparse_array(args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    let convert = enum_option(args, 1, &mut c.sparse_convert, BOOL_OPTIONS, 1)?;
    let ratio = integer_option(args, 2, &mut c.sparse_ratio, 0, i32::MAX)?;
    let safe = integer_option(args, 3, &mut c.sparse_safe, 0, i32::MAX)?;
    Ok([convert, ratio, safe].concat())
}

const BOOL_OPTIONS: &[&str] = &["off", "on"];

/// `json_integer_option`: sets `setting` when the argument is given, returns its value. The
/// range error always names argument #1, whichever argument is wrong, as in C.
fn integer_option(
    args: &Args,
    n: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> Result<Vec<Value>, Fail> {
    if !args.is_nil(n)? {
        // `int value = luaL_checkinteger(...)`: the lua_Integer is truncated to 32 bits.
        let value = args.check_integer(n)? as i32;
        if !(min <= value && value <= max) {
            return Err(args.arg_error(1, format!("expected integer between {min} and {max}")));
        }
        *setting = value;
    }
    Ok(vec![Value::Number(f64::from(*setting))])
}

/// `json_enum_option`: a boolean (worth `bool_true`) or one of `options` by name; answers a
/// boolean for the off/on values and the option's name otherwise.
fn enum_option(
    args: &Args,
    n: usize,
    setting: &mut i32,
    options: &[&str],
    bool_true: i32,
) -> Result<Vec<Value>, Fail> {
    match args.get(n)? {
        None | Some(Value::Nil) => {}
        Some(Value::Boolean(b)) => *setting = i32::from(b) * bool_true,
        Some(_) => {
            // luaL_checkoption
            let name = args.check_string(n)?;
            let name = name.as_bytes();
            match options.iter().position(|o| o.as_bytes() == &name[..]) {
                Some(i) => *setting = i as i32,
                None => {
                    let mut msg = b"invalid option '".to_vec();
                    msg.extend_from_slice(&name);
                    msg.push(b'\'');
                    return Err(args.arg_error(n as i64, msg));
                }
            }
        }
    }
    let value = if *setting == 0 || *setting == bool_true {
        Value::Boolean(*setting != 0)
    } else {
        Value::String(args_lua_string(args, options[*setting as usize])?)
    };
    Ok(vec![value])
}

fn args_lua_string(args: &Args, s: &str) -> Result<mlua::LuaString, Fail> {
    Ok(args.lua().create_string(s)?)
}

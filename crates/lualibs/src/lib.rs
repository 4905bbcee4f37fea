//! The Lua libraries Redis 7.0 bundles into its scripting environment, for Ferrodis:
//! `cjson`, `cmsgpack`, `bit` and `struct`, written in Rust on mlua (Lua 5.1) and matching what a
//! script sees on Redis 7.0.15: the same encodings byte for byte, the same numbers, the same error
//! messages (as plain strings, with the caller's `chunk:line:` prefix where Redis has one).
//!
//! Code map:
//! - [`open_all`]: registers the four library tables as globals.
//! - `cjson`: JSON (`cjson.encode`, `cjson.decode`, configuration), Lua CJSON 2.1.0.
//! - `cmsgpack`: MessagePack (`pack`, `unpack`, `unpack_one`, `unpack_limit`), lua-cmsgpack 0.4.0.
//! - `bit`: 32-bit bitwise operations, LuaBitOp.
//! - `structlib`: the `struct` library (`pack`, `unpack`, `size`).
//! - `boundary`: how a Rust function behaves like a lauxlib C function (errors, argument checks,
//!   stack limits); the only module using the raw Lua C API.
//! - `cnum`: the C library's number formatting and parsing (`%.14g`, `strtod`, casts).
//!
//! Architecture invariants: the libraries never touch anything but the tables they create (no
//! metatables, no globals besides their own names in [`open_all`]); no input makes them panic,
//! and no input makes them hold a number of Lua references that grows with its size or depth
//! (mlua's reference stack is as small as Lua's). Behaviour is taken from Redis's C sources as
//! facts and checked against a real redis-server (`tests/`), not translated from them.

mod bit;
mod boundary;
mod cjson;
mod cmsgpack;
mod cnum;
mod structlib;

/// Registers `cjson`, `cmsgpack`, `bit` and `struct` as globals of `lua`, as Redis's scripting environment has them.
///
/// Each global is a plain table of functions and constants without a metatable, so the caller can
/// make it read-only afterwards. Call it once per Lua state; the `cjson` configuration
/// (`cjson.encode_max_depth(...)` and the like) lives in that state from then on.
pub fn open_all(lua: &mlua::Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.raw_set("cjson", cjson::open(lua)?)?;
    globals.raw_set("struct", structlib::open(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack::open(lua)?)?;
    globals.raw_set("bit", bit::open(lua)?)?;
    Ok(())
}

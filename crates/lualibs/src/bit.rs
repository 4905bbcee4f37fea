//! `bit`: LuaBitOp 1.0.2 as Redis 7.0 bundles it (`deps/lua/src/lua_bit.c`), 32-bit bitwise
//! operations on Lua numbers.
//!
//! Owns the module table (`tobit`, `bnot`, `band`, `bor`, `bxor`, `lshift`, `rshift`, `arshift`,
//! `rol`, `ror`, `bswap`, `tohex`). Every argument is normalised the way LuaBitOp does it on
//! doubles: add 2^52 + 2^51 and keep the low 32 bits of the result, which rounds to the nearest
//! integer (ties to even) and wraps modulo 2^32 for moderate magnitudes, and gives 0 for
//! infinities and NaN. Results are signed 32-bit numbers. Shift counts use their low 5 bits.

use mlua::{Lua, Table, Value};

use crate::boundary::{self, Args, Fail, Ret};

pub(crate) fn open(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("tobit", unary(lua, |b| b)?)?;
    t.raw_set("bnot", unary(lua, |b| !b)?)?;
    t.raw_set("bswap", unary(lua, u32::swap_bytes)?)?;
    t.raw_set("band", fold(lua, |a, b| a & b)?)?;
    t.raw_set("bor", fold(lua, |a, b| a | b)?)?;
    t.raw_set("bxor", fold(lua, |a, b| a ^ b)?)?;
    t.raw_set("lshift", shift(lua, |b, n| b << n)?)?;
    t.raw_set("rshift", shift(lua, |b, n| b >> n)?)?;
    t.raw_set("arshift", shift(lua, |b, n| ((b as i32) >> n) as u32)?)?;
    t.raw_set("rol", shift(lua, u32::rotate_left)?)?;
    t.raw_set("ror", shift(lua, u32::rotate_right)?)?;
    t.raw_set("tohex", boundary::function(lua, tohex)?)?;
    Ok(t)
}

/// `barg`: argument `n` as 32 bits. Non-numbers read as 0, which is then an error unless the
/// argument really was a number (so `bit.tobit(0)` works and `bit.tobit("x")` does not).
fn barg(args: &Args, n: usize) -> Result<u32, Fail> {
    let number = args.to_number(n)?;
    let b = (number.unwrap_or(0.0) + 6_755_399_441_055_744.0).to_bits() as u32;
    if b == 0 && number.is_none() {
        return Err(args.type_error(n, "number")?);
    }
    Ok(b)
}

/// `BRET`: the result as a signed 32-bit number.
fn bret(b: u32) -> Result<Ret, Fail> {
    Ret::one(Value::Number(f64::from(b as i32)))
}

fn unary(lua: &Lua, op: fn(u32) -> u32) -> mlua::Result<mlua::Function> {
    boundary::function(lua, move |_lua, args| bret(op(barg(args, 1)?)))
}

/// `band`/`bor`/`bxor`: the first argument, then the others from the last one down (which
/// decides which bad argument is reported).
fn fold(lua: &Lua, op: fn(u32, u32) -> u32) -> mlua::Result<mlua::Function> {
    boundary::function(lua, move |_lua, args| {
        let mut b = barg(args, 1)?;
        for i in (2..=args.len()).rev() {
            b = op(b, barg(args, i)?);
        }
        bret(b)
    })
}

fn shift(lua: &Lua, op: fn(u32, u32) -> u32) -> mlua::Result<mlua::Function> {
    boundary::function(lua, move |_lua, args| {
        let b = barg(args, 1)?;
        let n = barg(args, 2)? & 31;
        bret(op(b, n))
    })
}

/// `tohex(x [, n])`: the low `|n|` hex digits (at most 8, default 8), upper case for negative n.
fn tohex(lua: &Lua, args: &Args) -> Result<Ret, Fail> {
    let mut b = barg(args, 1)?;
    let mut n = if args.is_none(2) {
        8
    } else {
        barg(args, 2)? as i32
    };
    if n == i32::MIN {
        n = i32::MIN + 1;
    }
    let digits: &[u8; 16] = if n < 0 {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let n = n.unsigned_abs().min(8) as usize;
    let mut buf = [0u8; 8];
    for slot in buf[..n].iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    Ret::one(Value::String(lua.create_string(&buf[..n])?))
}

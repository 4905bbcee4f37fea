//! Conversions between Redis replies and Lua values, by Redis 7.0's rules.
//!
//! - A command's reply → Lua (`redis.call`'s result): RESP2 or RESP3 according to the
//!   script's `redis.setresp`: status `{ok=}`, error `{err=}`, RESP2 nulls `false`, the RESP3
//!   null `nil`, `{map=}`, `{set=}`, `{double=}`, `{big_number=}`, `{verbatim_string=}`,
//!   booleans; attributes are dropped.
//! - A script's return value → the caller's reply, written straight into its output buffer in
//!   the caller's protocol; tables are read raw (a metatable cannot run code here), arrays stop
//!   at the first nil, and nesting deeper than Lua's stack would allow becomes
//!   `-ERR reached lua stack limit` in place.

use bytes::BytesMut;
use ferrodis_resp::{Frame, Proto};
use mlua::{Lua, Table, Value as LuaValue};

/// How deep a returned table may nest before the reply is cut with an error (Redis runs out
/// of Lua stack at about this depth).
const MAX_REPLY_DEPTH: usize = 2000;

/// C's `%.<precision>g`.
pub fn format_g(v: f64, precision: usize) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A Lua number as Lua prints it (`%.14g`).
pub fn lua_number_text(n: f64) -> String {
    format_g(n, 14)
}

/// A number passed to `redis.call`, as Redis formats it (`%.17g`, so no precision is lost).
pub fn argument_number_text(n: f64) -> String {
    format_g(n, 17)
}

/// A command's reply as the script sees it; `resp3` is the script's `redis.setresp(3)`.
pub fn frame_to_lua(lua: &Lua, frame: Frame, resp3: bool) -> mlua::Result<LuaValue> {
    Ok(match frame {
        Frame::Integer(n) => LuaValue::Integer(n),
        Frame::Bulk(b) => LuaValue::String(lua.create_string(&b)?),
        Frame::Null if resp3 => LuaValue::Nil,
        Frame::Null => LuaValue::Boolean(false),
        Frame::Simple(s) => single(lua, "ok", LuaValue::String(lua.create_string(&s)?))?,
        Frame::Error(e) => single(lua, "err", LuaValue::String(lua.create_string(&e)?))?,
        Frame::Array(items) | Frame::Push(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.into_iter().enumerate() {
                t.raw_set(i + 1, frame_to_lua(lua, item, resp3)?)?;
            }
            LuaValue::Table(t)
        }
        // Filled from empty, as Redis's lua_newtable: integer keys then land where Redis's
        // tables put them, so the map's and set's iteration order is Redis's.
        Frame::Map(pairs) => {
            let t = lua.create_table()?;
            for (k, v) in pairs {
                t.raw_set(frame_to_lua(lua, k, resp3)?, frame_to_lua(lua, v, resp3)?)?;
            }
            single(lua, "map", LuaValue::Table(t))?
        }
        Frame::Set(items) => {
            let t = lua.create_table()?;
            for item in items {
                t.raw_set(frame_to_lua(lua, item, resp3)?, true)?;
            }
            single(lua, "set", LuaValue::Table(t))?
        }
        Frame::Double(d) => single(lua, "double", LuaValue::Number(d))?,
        Frame::Boolean(b) => LuaValue::Boolean(b),
        Frame::BigNumber(b) => single(lua, "big_number", LuaValue::String(lua.create_string(&b)?))?,
        Frame::Verbatim { format, text } => {
            let t = lua.create_table()?;
            t.raw_set("format", lua.create_string(&format)?)?;
            t.raw_set("string", lua.create_string(&text)?)?;
            single(lua, "verbatim_string", LuaValue::Table(t))?
        }
        Frame::Attribute(_) => LuaValue::Nil,
    })
}

fn single(lua: &Lua, field: &str, value: LuaValue) -> mlua::Result<LuaValue> {
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set(field, value)?;
    Ok(LuaValue::Table(t))
}

/// Writes a script's return value as the caller's reply. `caller` is the caller's protocol,
/// `script_resp3` the script's `redis.setresp` (booleans follow it, as in Redis).
pub fn write_reply(out: &mut BytesMut, caller: Proto, script_resp3: bool, v: &LuaValue) {
    write_value(out, caller, script_resp3, v, 0)
}

fn write_value(out: &mut BytesMut, caller: Proto, resp3: bool, v: &LuaValue, depth: usize) {
    use ferrodis_resp as resp;
    match v {
        LuaValue::String(s) => resp::write_bulk(out, &s.as_bytes()),
        LuaValue::Boolean(b) if resp3 => resp::write_bool(out, caller, *b),
        LuaValue::Boolean(true) => resp::write_integer(out, 1),
        LuaValue::Boolean(false) => resp::write_null(out, caller),
        LuaValue::Integer(n) => resp::write_integer(out, *n),
        LuaValue::Number(n) => resp::write_integer(out, number_to_i64(*n)),
        LuaValue::Table(t) => {
            if depth >= MAX_REPLY_DEPTH {
                resp::write_error(out, b"ERR reached lua stack limit");
                return;
            }
            write_table(out, caller, resp3, t, depth)
        }
        _ => resp::write_null(out, caller),
    }
}

/// C's `(long long)` of a double: truncation, saturating as x86 does not (but never UB here).
fn number_to_i64(n: f64) -> i64 {
    if n.is_nan() { i64::MIN } else { n as i64 }
}

fn write_table(out: &mut BytesMut, caller: Proto, resp3: bool, t: &Table, depth: usize) {
    use ferrodis_resp as resp;
    let field = |name: &str| t.raw_get::<LuaValue>(name).unwrap_or(LuaValue::Nil);
    if let LuaValue::String(e) = field("err") {
        let msg = sanitize(&e.as_bytes());
        resp::write_error(out, &msg);
        return;
    }
    if let LuaValue::String(s) = field("ok") {
        resp::write_simple(out, &sanitize(&s.as_bytes()));
        return;
    }
    match field("double") {
        LuaValue::Number(d) => return resp::write_double(out, caller, d),
        LuaValue::Integer(d) => return resp::write_double(out, caller, d as f64),
        _ => {}
    }
    if let LuaValue::String(s) = field("big_number") {
        let text = sanitize(&s.as_bytes());
        match caller {
            Proto::Resp3 => {
                out.extend_from_slice(b"(");
                out.extend_from_slice(&text);
                out.extend_from_slice(b"\r\n");
            }
            Proto::Resp2 => resp::write_bulk(out, &text),
        }
        return;
    }
    if let LuaValue::Table(map) = field("map") {
        let pairs: Vec<(LuaValue, LuaValue)> =
            map.pairs::<LuaValue, LuaValue>().flatten().collect();
        resp::write_map_len(out, caller, pairs.len());
        for (k, v) in &pairs {
            write_value(out, caller, resp3, k, depth + 1);
            write_value(out, caller, resp3, v, depth + 1);
        }
        return;
    }
    if let LuaValue::Table(set) = field("set") {
        let members: Vec<LuaValue> = set
            .pairs::<LuaValue, LuaValue>()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        resp::write_set_len(out, caller, members.len());
        for m in &members {
            write_value(out, caller, resp3, m, depth + 1);
        }
        return;
    }
    if let LuaValue::Table(vs) = field("verbatim_string") {
        let format = vs.raw_get::<LuaValue>("format").unwrap_or(LuaValue::Nil);
        let text = vs.raw_get::<LuaValue>("string").unwrap_or(LuaValue::Nil);
        if let (LuaValue::String(format), LuaValue::String(text)) = (format, text) {
            let format = format.as_bytes();
            if format.len() == 3 {
                let f = [format[0], format[1], format[2]];
                resp::write_verbatim(out, caller, &f, &text.as_bytes());
                return;
            }
        }
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<LuaValue>(i) {
            Ok(LuaValue::Nil) | Err(_) => break,
            Ok(v) => items.push(v),
        }
    }
    resp::write_array_len(out, items.len());
    for item in &items {
        write_value(out, caller, resp3, item, depth + 1);
    }
}

/// Error and status texts are one line: CR and LF become spaces, as Redis does.
fn sanitize(s: &[u8]) -> Vec<u8> {
    s.iter()
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect()
}

/// Frames of a reply buffer, for converting a command's output.
pub fn parse_reply(out: &[u8]) -> Frame {
    let limits = ferrodis_resp::Limits {
        max_bulk_len: u64::MAX / 2,
        ..Default::default()
    };
    match ferrodis_resp::parse_frame(out, &limits) {
        // Attributes are not shown to scripts: the reply is the frame after them.
        Ok(Some((Frame::Attribute(_), used))) => parse_reply(&out[used..]),
        // A push is not a reply: Redis's parser gives the script nil for it.
        Ok(Some((Frame::Push(_), _))) => Frame::Null,
        Ok(Some((frame, _))) => frame,
        _ => Frame::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_matches_c() {
        assert_eq!(format_g(9007199254740991.0, 17), "9007199254740991");
        assert_eq!(format_g(0.1, 17), "0.10000000000000001");
        assert_eq!(format_g(3.0, 14), "3");
        assert_eq!(format_g(1e20, 14), "1e+20");
        assert_eq!(format_g(1.5e-7, 14), "1.5e-07");
        assert_eq!(format_g(123456.789, 14), "123456.789");
        assert_eq!(format_g(-2.5, 17), "-2.5");
        assert_eq!(format_g(1e15, 14), "1e+15");
        assert_eq!(format_g(f64::INFINITY, 17), "inf");
    }
}

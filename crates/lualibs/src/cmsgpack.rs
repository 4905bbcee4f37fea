//! `cmsgpack`: lua-cmsgpack 0.4.0 as Redis 7.0 bundles it (`deps/lua/src/lua_cmsgpack.c`),
//! MessagePack for Redis scripts.
//!
//! Owns the module table (`pack`, `unpack`, `unpack_one`, `unpack_limit` and the `_NAME`,
//! `_VERSION`, `_COPYRIGHT`, `_DESCRIPTION` fields) and both codecs. The encodings a script can
//! observe:
//! - numbers that an `int64_t` holds exactly are integers in the smallest form (positive/negative
//!   fixint, uint8..uint64, int8..int64); others are float32 when a float holds them exactly,
//!   else float64;
//! - strings use fixstr/str8/str16/str32 (never bin);
//! - a table whose keys are exactly 1..n is an array (the empty table is `0x90`), any other a map;
//!   tables nested 16 deep encode as nil (how circular references end);
//! - nil, functions, threads and userdata encode as nil.
//!
//! Decoding returns every value in the input (or a limited number, after the next offset),
//! pushes uint64 as a signed `lua_Integer` (so values >= 2^63 come out negative), rejects bin and
//! ext types ("Bad data format in input."), and fails where the C version runs out of Lua stack.

use mlua::{Lua, Table, Value};

use crate::boundary::{self, Args, Fail, Parked, Ret, number, stack_has_room};
use crate::cnum;

/// Tables nested this deep encode as nil.
const MAX_NESTING: usize = 16;

pub(crate) fn open(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", boundary::function(lua, pack)?)?;
    t.raw_set(
        "unpack",
        boundary::function(lua, |lua, args| {
            let base = args.len();
            unpack_full(
                lua,
                args,
                Request {
                    limit: 0,
                    offset: 0,
                    base,
                },
            )
        })?,
    )?;
    t.raw_set(
        "unpack_one",
        boundary::function(lua, |lua, args| {
            let offset = args.opt_integer(2, 0)?;
            unpack_full(
                lua,
                args,
                Request {
                    limit: 1,
                    offset,
                    base: args.len().min(1),
                },
            )
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        boundary::function(lua, |lua, args| {
            let limit = args.check_integer(2)?;
            let offset = args.opt_integer(3, 0)?;
            unpack_full(
                lua,
                args,
                Request {
                    limit,
                    offset,
                    base: args.len().min(1),
                },
            )
        })?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}

/// `mp_pack`: every argument encoded, concatenated.
fn pack(lua: &Lua, args: &Args) -> Result<Ret, Fail> {
    let nargs = args.len();
    if nargs == 0 {
        return Err(args.arg_error(0, "MessagePack pack needs input."));
    }
    if !stack_has_room(nargs, nargs) {
        return Err(args.arg_error(0, "Too many arguments for MessagePack pack."));
    }
    let mut out = Vec::new();
    for i in 1..=nargs {
        encode(&mut out, &args.value(i)?, 0)?;
    }
    Ret::one(Value::String(lua.create_string(out)?))
}

/// `mp_encode_lua_type`. Recursion is bounded by [`MAX_NESTING`].
fn encode(out: &mut Vec<u8>, v: &Value, level: usize) -> Result<(), Fail> {
    match v {
        Value::Table(_) if level == MAX_NESTING => out.push(0xc0),
        Value::String(s) => encode_bytes(out, &s.as_bytes()),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(_) | Value::Number(_) => encode_number(out, number(v).unwrap_or(0.0)),
        Value::Table(t) => {
            if let Some(len) = array_length(t)? {
                encode_header(out, len as u64, 0x90, 0xdc);
                for j in 1..=len {
                    encode(out, &t.raw_get(j)?, level + 1)?;
                }
            } else {
                let mut count = 0u64;
                for pair in t.pairs::<Value, Value>() {
                    pair?;
                    count += 1;
                }
                encode_header(out, count, 0x80, 0xde);
                for pair in t.pairs::<Value, Value>() {
                    let (key, value) = pair?;
                    encode(out, &key, level + 1)?;
                    encode(out, &value, level + 1)?;
                }
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

/// `table_is_an_array`: the length when the keys are exactly 1..n (all numbers that an `int`
/// holds exactly, positive, as many as the largest), `None` for a map.
fn array_length(t: &Table) -> Result<Option<usize>, Fail> {
    let mut count: i32 = 0;
    let mut max: i32 = 0;
    for pair in t.pairs::<Value, Value>() {
        let (key, _) = pair?;
        match number(&key) {
            Some(n) if n > 0.0 && n.is_finite() && f64::from(cnum::f64_to_i32(n)) == n => {
                max = max.max(n as i32);
                count += 1;
            }
            _ => return Ok(None),
        }
    }
    Ok((max == count).then_some(count as usize))
}

/// Strings: fixstr, str8, str16, str32.
fn encode_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// Array (`fix` 0x90, 16-bit 0xdc) and map (0x80, 0xde) headers; the 32-bit form follows the
/// 16-bit one.
fn encode_header(out: &mut Vec<u8>, n: u64, fix: u8, sixteen: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(sixteen);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(sixteen + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// `mp_encode_lua_number`: an integer when `int64_t` holds the value exactly, else a float.
fn encode_number(out: &mut Vec<u8>, x: f64) {
    let i = cnum::f64_to_i64(x);
    if !x.is_infinite() && i as f64 == x {
        encode_int(out, i);
    } else if f64::from(x as f32) == x {
        out.push(0xca);
        out.extend_from_slice(&(x as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&x.to_be_bytes());
    }
}

/// `mp_encode_int`: the smallest encoding for the sign.
fn encode_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// What `mp_unpack_full` was asked for.
struct Request {
    /// How many values; 0 with offset 0 means all of them, without the offset result.
    limit: i64,
    offset: i64,
    /// Stack slots the C function holds before decoding: its arguments.
    base: usize,
}

/// `mp_unpack_full`.
fn unpack_full(lua: &Lua, args: &Args, req: Request) -> Result<Ret, Fail> {
    let input = args.check_string(1)?;
    let data = input.as_bytes();
    let len = data.len();
    if req.offset < 0 || req.limit < 0 {
        return Err(Fail::error(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            req.offset as i32, len as i32
        )));
    }
    if req.offset as u64 > len as u64 {
        return Err(Fail::error(format!(
            "Start offset {} greater than input length {}.",
            req.offset as i32, len as i32
        )));
    }
    let decode_all = req.limit == 0 && req.offset == 0;
    let limit = if decode_all {
        i64::from(i32::MAX)
    } else {
        req.limit
    };
    // Without `decode_all` the next offset comes first.
    let first = if decode_all { 1 } else { 2 };
    let results = lua.create_table()?;
    let mut decoder = Decoder {
        lua,
        data: &data,
        pos: req.offset as usize,
        slots: req.base,
    };
    let mut count: i64 = 0;
    while decoder.pos < len && count < limit {
        let value = decoder.value()?;
        results.raw_set(first + count, value)?;
        count += 1;
        decoder.slots += 1;
    }
    let mut total = count as usize;
    if !decode_all {
        if !stack_has_room(decoder.slots, 1) {
            return Err(Fail::error("stack overflow (in function mp_unpack_full)"));
        }
        let next = if decoder.pos == len {
            -1
        } else {
            decoder.pos as i64
        };
        results.raw_set(1, next)?;
        total += 1;
    }
    Ok(Ret::Packed {
        count: total,
        table: results,
    })
}

struct Decoder<'a> {
    lua: &'a Lua,
    data: &'a [u8],
    pos: usize,
    /// Lua stack slots the C decoder holds at this point.
    slots: usize,
}

/// An open array or map; its table is the decoder's innermost (`cur`) or parked.
enum Frame {
    Array {
        remaining: u64,
        next: i64,
    },
    /// While `has_key`, the key waits on top of the parked stack.
    Map {
        remaining: u64,
        has_key: bool,
    },
}

impl Frame {
    /// Stack slots the C decoder holds inside this container: the table, and the index (array) or
    /// the key (map, once read).
    fn slots(&self) -> usize {
        match self {
            Frame::Array { .. } => 2,
            Frame::Map { has_key, .. } => 1 + usize::from(*has_key),
        }
    }
}

/// How decoding one item header ended.
enum Item {
    Value(Value),
    /// An array or map header with this many entries (a map's count is of pairs).
    Array(u64),
    Map(u64),
}

impl Decoder<'_> {
    /// `mp_decode_to_lua_type` for one top-level value, iteratively.
    fn value(&mut self) -> Result<Value, Fail> {
        let mut frames: Vec<Frame> = Vec::new();
        let mut cur: Option<Table> = None;
        let mut parked: Option<Parked> = None;
        loop {
            let mut done = match self.item()? {
                Item::Value(v) => v,
                Item::Array(n) | Item::Map(n) if n == 0 => Value::Table(self.lua.create_table()?),
                item => {
                    if let Some(parent) = cur.take() {
                        let parked = match &mut parked {
                            Some(parked) => parked,
                            None => parked.insert(Parked::new(self.lua)?),
                        };
                        parked.push(parent)?;
                    }
                    cur = Some(self.lua.create_table()?);
                    let frame = match item {
                        Item::Array(remaining) => Frame::Array { remaining, next: 1 },
                        Item::Map(remaining) => Frame::Map {
                            remaining,
                            has_key: false,
                        },
                        Item::Value(_) => unreachable!("values are handled above"),
                    };
                    self.slots += frame.slots();
                    frames.push(frame);
                    continue;
                }
            };
            // Store finished values until a container wants another one.
            loop {
                let Some(frame) = frames.last_mut() else {
                    return Ok(done);
                };
                let table = cur.as_ref().expect("an open frame has its table");
                let before = frame.slots();
                let remaining = match frame {
                    Frame::Array { remaining, next } => {
                        table.raw_set(*next, done)?;
                        *next += 1;
                        *remaining -= 1;
                        *remaining
                    }
                    Frame::Map {
                        has_key: has_key @ false,
                        ..
                    } => {
                        let parked = match &mut parked {
                            Some(parked) => parked,
                            None => parked.insert(Parked::new(self.lua)?),
                        };
                        parked.push(done)?;
                        *has_key = true;
                        self.slots += 1;
                        break;
                    }
                    Frame::Map { remaining, has_key } => {
                        let key: Value = parked.as_mut().expect("a parked key").pop()?;
                        set_field(table, key, done)?;
                        *has_key = false;
                        *remaining -= 1;
                        *remaining
                    }
                };
                self.slots = self.slots + frame.slots() - before;
                if remaining > 0 {
                    break;
                }
                let closed = frames.pop().expect("the frame just used");
                self.slots -= closed.slots();
                done = Value::Table(cur.take().expect("an open frame has its table"));
                if !frames.is_empty() {
                    cur = Some(parked.as_mut().expect("a parked parent").pop()?);
                }
            }
        }
    }

    /// Reads one item header (and a scalar's payload), with the C version's checks in its order:
    /// a byte must be there, then a stack slot for the value, then the rest of the item.
    fn item(&mut self) -> Result<Item, Fail> {
        let Some(&tag) = self.data.get(self.pos) else {
            return Err(missing_bytes());
        };
        if !stack_has_room(self.slots, 1) {
            return Err(Fail::error(
                "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
            ));
        }
        let num = |x: f64| Ok(Item::Value(Value::Number(x)));
        match tag {
            0xc0 => self.skip(1, Item::Value(Value::Nil)),
            0xc2 => self.skip(1, Item::Value(Value::Boolean(false))),
            0xc3 => self.skip(1, Item::Value(Value::Boolean(true))),
            0xcc => num(f64::from(self.take::<1>(1)?[0])),
            0xcd => num(f64::from(u16::from_be_bytes(self.take(1)?))),
            0xce => num(f64::from(u32::from_be_bytes(self.take(1)?))),
            // lua_pushunsigned is lua_pushinteger on 64-bit builds: a signed 64-bit value.
            0xcf => num(u64::from_be_bytes(self.take(1)?) as i64 as f64),
            0xd0 => num(f64::from(self.take::<1>(1)?[0] as i8)),
            0xd1 => num(f64::from(i16::from_be_bytes(self.take(1)?))),
            0xd2 => num(f64::from(i32::from_be_bytes(self.take(1)?))),
            0xd3 => num(i64::from_be_bytes(self.take(1)?) as f64),
            0xca => num(f64::from(f32::from_be_bytes(self.take(1)?))),
            0xcb => num(f64::from_be_bytes(self.take(1)?)),
            0xd9 => {
                let len = usize::from(self.take::<1>(1)?[0]);
                self.string(0, len)
            }
            0xda => {
                let len = usize::from(u16::from_be_bytes(self.take(1)?));
                self.string(0, len)
            }
            0xdb => {
                let len = u32::from_be_bytes(self.take(1)?) as usize;
                self.string(0, len)
            }
            0xdc => Ok(Item::Array(self.container_len::<2>()?)),
            0xdd => Ok(Item::Array(self.container_len::<4>()?)),
            0xde => Ok(Item::Map(self.container_len::<2>()?)),
            0xdf => Ok(Item::Map(self.container_len::<4>()?)),
            0x00..=0x7f => self.skip(1, Item::Value(Value::Number(f64::from(tag)))),
            0xe0..=0xff => self.skip(1, Item::Value(Value::Number(f64::from(tag as i8)))),
            0xa0..=0xbf => self.string(1, usize::from(tag & 0x1f)),
            0x90..=0x9f => {
                self.pos += 1;
                self.array_slot_check()?;
                Ok(Item::Array(u64::from(tag & 0x0f)))
            }
            0x80..=0x8f => self.skip(1, Item::Map(u64::from(tag & 0x0f))),
            _ => Err(Fail::error("Bad data format in input.")),
        }
    }

    fn skip(&mut self, len: usize, item: Item) -> Result<Item, Fail> {
        self.pos += len;
        Ok(item)
    }

    /// The `N` bytes after the tag (and `header - 1` more tag bytes), consuming them.
    fn take<const N: usize>(&mut self, header: usize) -> Result<[u8; N], Fail> {
        let start = self.pos + header;
        let bytes = self.data.get(start..start + N).ok_or_else(missing_bytes)?;
        self.pos = start + N;
        Ok(bytes.try_into().expect("slice of length N"))
    }

    /// A string of `len` bytes, `header` bytes after the current position.
    fn string(&mut self, header: usize, len: usize) -> Result<Item, Fail> {
        let start = self.pos + header;
        let end = start
            .checked_add(len)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(missing_bytes)?;
        let s = self.lua.create_string(&self.data[start..end])?;
        self.pos = end;
        Ok(Item::Value(Value::String(s)))
    }

    /// The big-endian entry count of an array or map header. For arrays the C decoder creates
    /// the table and then checks for one more stack slot.
    fn container_len<const N: usize>(&mut self) -> Result<u64, Fail> {
        let tag = self.data[self.pos];
        let bytes: [u8; N] = self.take(1)?;
        if tag == 0xdc || tag == 0xdd {
            self.array_slot_check()?;
        }
        Ok(bytes.iter().fold(0, |n, &b| n << 8 | u64::from(b)))
    }

    /// `luaL_checkstack(L, 1, ...)` in `mp_decode_to_lua_array`, after the new table is pushed.
    fn array_slot_check(&self) -> Result<(), Fail> {
        if stack_has_room(self.slots + 1, 1) {
            Ok(())
        } else {
            Err(Fail::error(
                "stack overflow (in function mp_decode_to_lua_array)",
            ))
        }
    }
}

fn missing_bytes() -> Fail {
    Fail::error("Missing bytes in input.")
}

/// `lua_settable` on a fresh table: the Lua VM's errors for nil and NaN keys.
fn set_field(table: &Table, key: Value, value: Value) -> Result<(), Fail> {
    match key {
        Value::Nil => Err(Fail::Raw(b"table index is nil".to_vec())),
        Value::Number(x) if x.is_nan() => Err(Fail::Raw(b"table index is NaN".to_vec())),
        key => Ok(table.raw_set(key, value)?),
    }
}

//! `struct`: Roberto Ierusalimschy's struct library as Redis 7.0 bundles it
//! (`deps/lua/src/lua_struct.c`), packing Lua values into binary strings and back.
//!
//! Owns the module table (`pack`, `unpack`, `size`) and the format language, as Redis's x86-64
//! build reads it:
//! - `<` little endian (the default), `>` big endian, `!n` maximum alignment (default 8, a power
//!   of 2), spaces ignored; a NUL byte ends the format;
//! - `b`/`B` 1 byte, `h`/`H` 2, `l`/`L` 8, `T` 8, `i`/`I` 4 or `in` bytes (n <= 32), signed when
//!   lower case; `f` float, `d` double; `x` a zero byte; `cn` n bytes (default 1; `c0` the whole
//!   string when packing, the size given by the previous result when unpacking); `s` a
//!   NUL-terminated string;
//! - an item of size s is aligned to min(s, !n) (not `c`, `s`).
//!
//! Integers go through a 64-bit `unsigned long`: wider fields get zero bytes beyond 8 when
//! packing, and keep only 8 bytes when unpacking.

use mlua::{Lua, Table, Value};

use crate::boundary::{self, Args, Fail, Ret, stack_has_room, to_number};
use crate::cnum;

/// The largest integral size, in bytes.
const MAX_INT_SIZE: i32 = 32;

/// Default `!` alignment: the alignment of a double in a struct.
const MAX_ALIGN: i32 = 8;

pub(crate) fn open(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", boundary::function(lua, pack)?)?;
    t.raw_set("unpack", boundary::function(lua, unpack)?)?;
    t.raw_set("size", boundary::function(lua, size)?)?;
    Ok(t)
}

/// Endianness and maximum alignment, changed by the control options.
struct Header {
    little: bool,
    align: usize,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            little: true,
            align: 1,
        }
    }
}

/// A format string being read, one option at a time.
struct Format {
    bytes: Vec<u8>,
    pos: usize,
}

impl Format {
    /// `luaL_checkstring(L, 1)`, read as a C string.
    fn from_arg(args: &Args) -> Result<Self, Fail> {
        let s = args.check_string(1)?;
        let s = s.as_bytes();
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        Ok(Format {
            bytes: s[..end].to_vec(),
            pos: 0,
        })
    }

    fn next_option(&mut self) -> Option<u8> {
        let opt = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(opt)
    }

    /// `getnum`: a decimal number at the current position, or `default` when there is none.
    fn number(&mut self, default: i32) -> Result<i32, Fail> {
        if !self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut a: i32 = 0;
        while let Some(&c) = self.bytes.get(self.pos).filter(|c| c.is_ascii_digit()) {
            let d = i32::from(c - b'0');
            if a > i32::MAX / 10 || a * 10 > i32::MAX - d {
                return Err(Fail::error("integral size overflow"));
            }
            a = a * 10 + d;
            self.pos += 1;
        }
        Ok(a)
    }

    /// `optsize`: the size of option `opt`, reading its number if it takes one; 0 for options
    /// without a fixed size (and for control options).
    fn size(&mut self, opt: u8) -> Result<usize, Fail> {
        Ok(match opt {
            b'B' | b'b' => 1,
            b'H' | b'h' => 2,
            b'L' | b'l' | b'T' | b'd' => 8,
            b'f' => 4,
            b'x' => 1,
            b'c' => self.number(1)? as usize,
            b'i' | b'I' => {
                let size = self.number(4)?;
                if size > MAX_INT_SIZE {
                    return Err(Fail::error(format!(
                        "integral size {size} is larger than limit of {MAX_INT_SIZE}"
                    )));
                }
                size as usize
            }
            _ => 0,
        })
    }

    /// `controloptions`: endianness, alignment, spaces; anything else is an invalid option.
    fn control(&mut self, args: &Args, opt: u8, h: &mut Header) -> Result<(), Fail> {
        match opt {
            b' ' => {}
            b'>' => h.little = false,
            b'<' => h.little = true,
            b'!' => {
                let a = self.number(MAX_ALIGN)?;
                if !(a > 0 && a & (a - 1) == 0) {
                    return Err(Fail::error(format!("alignment {a} is not a power of 2")));
                }
                h.align = a as usize;
            }
            _ => {
                let mut msg = b"invalid format option '".to_vec();
                msg.push(opt);
                msg.push(b'\'');
                return Err(args.arg_error(1, msg));
            }
        }
        Ok(())
    }
}

/// `gettoalign`: padding before an item of `size` bytes at offset `len`. Sizes that are not
/// powers of 2 (`i3`) give the same odd results as in C.
fn padding(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    size.wrapping_sub(len & (size - 1)) & (size - 1)
}

fn is_integer_option(opt: u8) -> bool {
    matches!(
        opt,
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I'
    )
}

/// `struct.pack(fmt, ...)`. In C a nil is pushed after the arguments (a marker before the string
/// buffer), so a missing value reads as nil rather than none.
fn pack(lua: &Lua, args: &Args) -> Result<Ret, Fail> {
    let missing = |arg: usize, expected: &str| {
        if arg > args.len() {
            Err(args.arg_error(arg as i64, format!("{expected} expected, got nil")))
        } else {
            Ok(())
        }
    };
    let mut fmt = Format::from_arg(args)?;
    let mut h = Header::default();
    let mut arg = 2;
    let mut out: Vec<u8> = Vec::new();
    while let Some(opt) = fmt.next_option() {
        let mut size = fmt.size(opt)?;
        let pad = padding(out.len(), &h, opt, size);
        out.resize(out.len() + pad, 0);
        match opt {
            _ if is_integer_option(opt) => {
                missing(arg, "number")?;
                let n = args.check_number(arg)?;
                arg += 1;
                put_integer(&mut out, n, h.little, size);
            }
            b'x' => out.push(0),
            b'f' => {
                missing(arg, "number")?;
                let bytes = (args.check_number(arg)? as f32).to_le_bytes();
                arg += 1;
                put_ordered(&mut out, &bytes, h.little);
            }
            b'd' => {
                missing(arg, "number")?;
                let bytes = args.check_number(arg)?.to_le_bytes();
                arg += 1;
                put_ordered(&mut out, &bytes, h.little);
            }
            b'c' | b's' => {
                missing(arg, "string")?;
                let s = args.check_string(arg)?;
                let s = s.as_bytes();
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                // The argument number reported is the one after the string, as in C.
                args.arg_check(s.len() >= size, arg as i64, "string too short")?;
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => fmt.control(args, opt, &mut h)?,
        }
    }
    Ret::one(Value::String(lua.create_string(out)?))
}

/// `putinteger`: through an `unsigned long` (negative numbers via `long`), low byte first or
/// last; bytes beyond the 8th are zero.
fn put_integer(out: &mut Vec<u8>, n: f64, little: bool, size: usize) {
    let mut value = if n < 0.0 {
        cnum::f64_to_i64(n) as u64
    } else {
        cnum::f64_to_u64(n)
    };
    let start = out.len();
    for _ in 0..size {
        out.push(value as u8);
        value >>= 8;
    }
    if !little {
        out[start..].reverse();
    }
}

/// Appends little-endian `bytes` in the requested byte order.
fn put_ordered(out: &mut Vec<u8>, bytes: &[u8], little: bool) {
    if little {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

/// `struct.unpack(fmt, data [, pos])`: the values, then the position after them.
fn unpack(lua: &Lua, args: &Args) -> Result<Ret, Fail> {
    let mut fmt = Format::from_arg(args)?;
    let data = args.check_string(2)?;
    let data = data.as_bytes();
    let ld = data.len();
    // `size_t pos = luaL_optinteger(L, 3, 1)`: negative positions wrap to huge ones.
    let mut pos = args.opt_integer(3, 1)? as u64 as usize;
    args.arg_check(pos > 0, 3, "offset must be 1 or greater")?;
    pos -= 1;
    let mut h = Header::default();
    let results = lua.create_table()?;
    let mut n: usize = 0;
    let too_short = || args.arg_error(2, "data string too short");
    while let Some(opt) = fmt.next_option() {
        let mut size = fmt.size(opt)?;
        pos = pos.wrapping_add(padding(pos, &h, opt, size));
        if !(size <= ld && pos <= ld - size) {
            return Err(too_short());
        }
        if !stack_has_room(args.len() + n, 2) {
            return Err(Fail::error("stack overflow (too many results)"));
        }
        match opt {
            _ if is_integer_option(opt) => {
                let value = get_integer(&data[pos..pos + size], h.little, opt.is_ascii_lowercase());
                n += 1;
                results.raw_set(n, value)?;
            }
            b'x' => {}
            b'f' => {
                let bytes = ordered::<4>(&data[pos..pos + 4], h.little);
                n += 1;
                results.raw_set(n, f64::from(f32::from_le_bytes(bytes)))?;
            }
            b'd' => {
                let bytes = ordered::<8>(&data[pos..pos + 8], h.little);
                n += 1;
                results.raw_set(n, f64::from_le_bytes(bytes))?;
            }
            b'c' => {
                if size == 0 {
                    // The size is the previous result, which must be a number (or a numeric
                    // string) and is consumed.
                    let previous = if n == 0 {
                        None
                    } else {
                        to_number(lua, results.raw_get::<Value>(n)?)?
                    };
                    let Some(count) = previous else {
                        return Err(Fail::error("format 'c0' needs a previous size"));
                    };
                    size = cnum::f64_to_u64(count) as usize;
                    results.raw_set(n, Value::Nil)?;
                    n -= 1;
                    if !(size <= ld && pos <= ld - size) {
                        return Err(too_short());
                    }
                }
                n += 1;
                results.raw_set(n, lua.create_string(&data[pos..pos + size])?)?;
            }
            b's' => {
                let Some(len) = data[pos..].iter().position(|&c| c == 0) else {
                    return Err(Fail::error("unfinished string in data"));
                };
                size = len + 1;
                n += 1;
                results.raw_set(n, lua.create_string(&data[pos..pos + len])?)?;
            }
            _ => fmt.control(args, opt, &mut h)?,
        }
        pos = pos.wrapping_add(size);
    }
    n += 1;
    results.raw_set(n, pos.wrapping_add(1) as i64)?;
    Ok(Ret::Packed {
        count: n,
        table: results,
    })
}

/// `getinteger`: up to the last 8 bytes in significance order, sign-extended from the field's
/// top bit when signed. For fields wider than 8 bytes (or 0) the shift that builds the sign mask
/// is taken modulo 64, as the x86 instruction does.
fn get_integer(bytes: &[u8], little: bool, signed: bool) -> f64 {
    let fold = |acc: u64, &b: &u8| acc << 8 | u64::from(b);
    let mut value = if little {
        bytes.iter().rev().fold(0, fold)
    } else {
        bytes.iter().fold(0, fold)
    };
    if !signed {
        return value as f64;
    }
    let shift = (bytes.len() as u32 * 8).wrapping_sub(1) & 63;
    let mask = u64::MAX << shift;
    if value & mask != 0 {
        value |= mask;
    }
    value as i64 as f64
}

/// `N` bytes read in the given byte order, as little-endian bytes.
fn ordered<const N: usize>(bytes: &[u8], little: bool) -> [u8; N] {
    let mut out: [u8; N] = bytes.try_into().expect("N bytes");
    if !little {
        out.reverse();
    }
    out
}

/// `struct.size(fmt)`: the packed size of a format without variable-size items. Letters that
/// are not options count as nothing here.
fn size(_lua: &Lua, args: &Args) -> Result<Ret, Fail> {
    let mut fmt = Format::from_arg(args)?;
    let mut h = Header::default();
    let mut pos: usize = 0;
    while let Some(opt) = fmt.next_option() {
        let size = fmt.size(opt)?;
        pos = pos.wrapping_add(padding(pos, &h, opt, size));
        if opt == b's' {
            return Err(args.arg_error(1, "option 's' has no fixed size"));
        }
        if opt == b'c' && size == 0 {
            return Err(args.arg_error(1, "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            fmt.control(args, opt, &mut h)?;
        }
        pos = pos.wrapping_add(size);
    }
    Ret::one(Value::Number(pos as i64 as f64))
}

//! `cjson.encode`: a Lua value to JSON text, byte for byte as Lua CJSON writes it.
//!
//! The rules a script can observe: a table is an array when all its keys are positive integers
//! and it is not "excessively sparse" (max index > ratio * items and > safe), else an object (the
//! empty table is `{}`); array holes are `null`; object members come in `next()` order; numbers are
//! `%.14g` (configurable precision), NaN/Inf per `encode_invalid_numbers`; strings escape `"`,
//! `\`, `/`, control characters and DEL, and pass other bytes through.
//!
//! Iterative, with the outer levels parked in Lua: depth is bounded only by `encode_max_depth`
//! and by the Lua stack slots the C version would use (1 per enclosing array, 2 per enclosing
//! object, 3 reserved), which is where Redis reports "excessive nesting" when the configured
//! depth is larger.

use mlua::{Lua, Table, Value};

use super::Config;
use crate::boundary::{Fail, Parked, RawNext, number, stack_has_room, type_name};
use crate::cnum;

pub(super) fn encode(
    lua: &Lua,
    next: &RawNext,
    cfg: Config,
    value: Value,
) -> Result<Vec<u8>, Fail> {
    let mut encoder = Encoder {
        lua,
        next,
        cfg,
        out: Vec::new(),
        frames: Vec::new(),
        slots: 1,
        cur: None,
        cur_key: Value::Nil,
        parked: None,
    };
    encoder.run(value)?;
    Ok(encoder.out)
}

/// An open array or object; the table itself is `Encoder::cur` (innermost) or parked.
enum Frame {
    Array { len: i32, next: i32 },
    Object { first: bool },
}

/// What the innermost frame does next.
enum Step {
    Close(u8),
    Element(i32),
    Member { first: bool },
}

impl Frame {
    /// Lua stack slots the C encoder holds while inside this container (value; key and value).
    fn slots(&self) -> usize {
        match self {
            Frame::Array { .. } => 1,
            Frame::Object { .. } => 2,
        }
    }
}

struct Encoder<'a> {
    lua: &'a Lua,
    next: &'a RawNext,
    cfg: Config,
    out: Vec<u8>,
    frames: Vec<Frame>,
    /// Stack slots in use by the C encoder at this point: the argument plus the frames'.
    slots: usize,
    /// The innermost open table and, for an object, the key last visited.
    cur: Option<Table>,
    cur_key: Value,
    /// Tables (and keys) of the enclosing frames.
    parked: Option<Parked>,
}

impl Encoder<'_> {
    fn run(&mut self, value: Value) -> Result<(), Fail> {
        let mut pending = Some(value);
        loop {
            match pending.take() {
                Some(Value::Table(t)) => self.open(t)?,
                Some(v) => self.append_scalar(&v)?,
                None => {}
            }
            let step = match self.frames.last_mut() {
                None => return Ok(()),
                Some(Frame::Array { len, next }) if *next > *len => Step::Close(b']'),
                Some(Frame::Array { next, .. }) => {
                    *next += 1;
                    Step::Element(*next - 1)
                }
                Some(Frame::Object { first }) => Step::Member {
                    first: std::mem::replace(first, false),
                },
            };
            let cur = self.cur.as_ref().expect("an open frame has its table");
            match step {
                Step::Close(bracket) => {
                    self.out.push(bracket);
                    self.close()?;
                }
                Step::Element(i) => {
                    if i > 1 {
                        self.out.push(b',');
                    }
                    pending = Some(cur.raw_get(i)?);
                }
                Step::Member { first } => {
                    let key = std::mem::take(&mut self.cur_key);
                    match self.next.next(cur, key)? {
                        None => {
                            self.out.push(b'}');
                            self.close()?;
                        }
                        Some((k, v)) => {
                            if !first {
                                self.out.push(b',');
                            }
                            self.append_key(&k)?;
                            self.cur_key = k;
                            pending = Some(v);
                        }
                    }
                }
            }
        }
    }

    /// Starts encoding table `t`: depth check, array or object, opening bracket.
    fn open(&mut self, t: Table) -> Result<(), Fail> {
        let depth = self.frames.len() + 1;
        if depth > self.cfg.encode_max_depth as usize || !stack_has_room(self.slots, 3) {
            return Err(Fail::error(format!(
                "Cannot serialise, excessive nesting ({depth})"
            )));
        }
        let len = self.array_length(&t)?;
        if let Some(parent) = self.cur.take() {
            let parked = match &mut self.parked {
                Some(parked) => parked,
                None => self.parked.insert(Parked::new(self.lua)?),
            };
            parked.push(parent)?;
            if matches!(self.frames.last(), Some(Frame::Object { .. })) {
                parked.push(std::mem::take(&mut self.cur_key))?;
            }
        }
        self.cur = Some(t);
        let frame = if len > 0 {
            self.out.push(b'[');
            Frame::Array { len, next: 1 }
        } else {
            self.out.push(b'{');
            Frame::Object { first: true }
        };
        self.slots += frame.slots();
        self.frames.push(frame);
        Ok(())
    }

    /// Ends the innermost frame (its closing bracket is written) and resumes its parent.
    fn close(&mut self) -> Result<(), Fail> {
        if let Some(frame) = self.frames.pop() {
            self.slots -= frame.slots();
        }
        self.cur = None;
        if let (Some(parent), Some(parked)) = (self.frames.last(), &mut self.parked) {
            if matches!(parent, Frame::Object { .. }) {
                self.cur_key = parked.pop()?;
            }
            self.cur = Some(parked.pop()?);
        }
        Ok(())
    }

    /// `lua_array_length`: the array length to encode, or -1 for an object. The running maximum
    /// is a C `int` (indexes of 2^31 and beyond make it `INT_MIN`), and `items * ratio` wraps.
    fn array_length(&self, t: &Table) -> Result<i32, Fail> {
        let mut max: i32 = 0;
        let mut items: i32 = 0;
        for pair in t.pairs::<Value, Value>() {
            let (key, _) = pair?;
            match number(&key) {
                Some(k) if k != 0.0 && k.floor() == k && k >= 1.0 => {
                    if k > f64::from(max) {
                        max = cnum::f64_to_i32(k);
                    }
                    items += 1;
                }
                _ => return Ok(-1),
            }
        }
        let cfg = &self.cfg;
        if cfg.sparse_ratio > 0
            && max > items.wrapping_mul(cfg.sparse_ratio)
            && max > cfg.sparse_safe
        {
            if cfg.sparse_convert == 0 {
                return Err(Fail::error(
                    "Cannot serialise table: excessively sparse array",
                ));
            }
            return Ok(-1);
        }
        Ok(max)
    }

    fn append_scalar(&mut self, v: &Value) -> Result<(), Fail> {
        match v {
            Value::String(s) => append_string(&mut self.out, &s.as_bytes()),
            Value::Integer(_) | Value::Number(_) => self.append_number(number(v).unwrap_or(0.0))?,
            Value::Boolean(true) => self.out.extend_from_slice(b"true"),
            Value::Boolean(false) => self.out.extend_from_slice(b"false"),
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(p) if p.0.is_null() => self.out.extend_from_slice(b"null"),
            other => {
                let kind = type_name(Some(other));
                return Err(Fail::error(format!(
                    "Cannot serialise {kind}: type not supported"
                )));
            }
        }
        Ok(())
    }

    fn append_key(&mut self, key: &Value) -> Result<(), Fail> {
        match key {
            Value::String(s) => {
                append_string(&mut self.out, &s.as_bytes());
                self.out.push(b':');
            }
            Value::Integer(_) | Value::Number(_) => {
                self.out.push(b'"');
                self.append_number(number(key).unwrap_or(0.0))?;
                self.out.extend_from_slice(b"\":");
            }
            other => {
                let kind = type_name(Some(other));
                return Err(Fail::error(format!(
                    "Cannot serialise {kind}: table key must be a number or string"
                )));
            }
        }
        Ok(())
    }

    fn append_number(&mut self, x: f64) -> Result<(), Fail> {
        match self.cfg.encode_invalid_numbers {
            0 if !x.is_finite() => {
                return Err(Fail::error(
                    "Cannot serialise number: must not be NaN or Inf",
                ));
            }
            1 if x.is_nan() => {
                // Always "nan", never "-nan".
                self.out.extend_from_slice(b"nan");
                return Ok(());
            }
            2 if !x.is_finite() => {
                self.out.extend_from_slice(b"null");
                return Ok(());
            }
            _ => {}
        }
        cnum::format_g(&mut self.out, x, self.cfg.encode_number_precision as usize);
        Ok(())
    }
}

/// A JSON string: `"`, `\` and `/` escaped with a backslash, control characters as `\b \t \n \f
/// \r` or `\u00XX`, DEL as `\u007f`; everything else (UTF-8 or not) copied.
fn append_string(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut plain_from = 0;
    for (i, &c) in s.iter().enumerate() {
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'/' => b"\\/",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f | 0x7f => b"",
            _ => continue,
        };
        out.extend_from_slice(&s[plain_from..i]);
        plain_from = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 15)]);
        } else {
            out.extend_from_slice(escape);
        }
    }
    out.extend_from_slice(&s[plain_from..]);
    out.push(b'"');
}

//! `cjson.decode`: JSON text to Lua values, with Lua CJSON's tokenizer and its error messages
//! ("Expected value but found invalid token at character 1").
//!
//! Observable rules kept: the text is a C string (a NUL byte ends it); numbers are whatever
//! `strtod` reads (so `0x10`, `+5`, `Infinity`, `NaN` and `01` decode unless
//! `decode_invalid_numbers` is off); `null` is `cjson.null`; duplicate keys keep the last value;
//! `\u` escapes become UTF-8 (surrogate pairs combined, lone surrogates rejected); other bytes
//! pass through unchecked.
//!
//! Iterative, with enclosing containers parked in Lua; depth is bounded by `decode_max_depth`
//! and by the Lua stack slots the C parser would use (1 per enclosing array, 2 per enclosing
//! object, plus 2 or 3 reserved to descend), reported as "Found too many nested data structures".

use mlua::{Lua, Table, Value};

use super::{Config, null};
use crate::boundary::{Fail, Parked, stack_has_room};
use crate::cnum;

pub(super) fn decode(lua: &Lua, cfg: Config, data: &[u8]) -> Result<Value, Fail> {
    if data.len() >= 2 && (data[0] == 0 || data[1] == 0) {
        return Err(Fail::error("JSON parser does not support UTF-16 or UTF-32"));
    }
    let mut parser = Parser {
        lua,
        cfg,
        data,
        pos: 0,
        tmp: Vec::new(),
    };
    parser.document()
}

/// `json_token_type_t`, with the values the token carries.
enum Token {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    /// The decoded bytes are in `Parser::tmp`.
    Str,
    Number(f64),
    Boolean(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Token {
    /// How error messages name what was found.
    fn name(&self) -> &'static str {
        match self {
            Token::ObjBegin => "T_OBJ_BEGIN",
            Token::ObjEnd => "T_OBJ_END",
            Token::ArrBegin => "T_ARR_BEGIN",
            Token::ArrEnd => "T_ARR_END",
            Token::Str => "T_STRING",
            Token::Number(_) => "T_NUMBER",
            Token::Boolean(_) => "T_BOOLEAN",
            Token::Null => "T_NULL",
            Token::Colon => "T_COLON",
            Token::Comma => "T_COMMA",
            Token::End => "T_END",
            Token::Error(what) => what,
        }
    }
}

/// An open container; its table is `cur` (innermost) or parked.
enum Frame {
    /// The index the next element goes to.
    Array(i64),
    /// The key the value being parsed goes to.
    Object(Vec<u8>),
}

impl Frame {
    /// Lua stack slots the C parser holds while inside this container (table; table and key).
    fn slots(&self) -> usize {
        match self {
            Frame::Array(_) => 1,
            Frame::Object(_) => 2,
        }
    }
}

/// What follows in the enclosing container after a value ends.
enum Next {
    /// A value starts at this token.
    Value(Token, usize),
    /// The innermost container ended.
    Close,
}

struct Parser<'a> {
    lua: &'a Lua,
    cfg: Config,
    data: &'a [u8],
    pos: usize,
    /// The last string token's bytes.
    tmp: Vec<u8>,
}

/// The open containers: frames in Rust, the innermost table at hand, the outer ones parked.
struct Nest {
    frames: Vec<Frame>,
    /// Slots in use: the argument plus the frames'.
    slots: usize,
    cur: Option<Table>,
    parked: Option<Parked>,
}

impl Parser<'_> {
    /// `json_decode`: one value, then the end of the text.
    fn document(&mut self) -> Result<Value, Fail> {
        let mut nest = Nest {
            frames: Vec::new(),
            slots: 1,
            cur: None,
            parked: None,
        };
        let (mut token, mut index) = self.next_token();
        loop {
            // A value starts at `token`: a scalar, or a container whose first element or member
            // we read right away.
            let mut done = match token {
                Token::ArrBegin => {
                    self.descend(&mut nest, Frame::Array(1), 2)?;
                    match self.next_token() {
                        (Token::ArrEnd, _) => Some(self.ascend(&mut nest)?),
                        (t, i) => {
                            (token, index) = (t, i);
                            continue;
                        }
                    }
                }
                Token::ObjBegin => {
                    self.descend(&mut nest, Frame::Object(Vec::new()), 3)?;
                    match self.next_token() {
                        (Token::ObjEnd, _) => Some(self.ascend(&mut nest)?),
                        (t, i) => {
                            (token, index) = self.member_value(&mut nest, t, i)?;
                            continue;
                        }
                    }
                }
                Token::Str => Some(Value::String(self.lua.create_string(&self.tmp)?)),
                Token::Number(x) => Some(Value::Number(x)),
                Token::Boolean(b) => Some(Value::Boolean(b)),
                Token::Null => Some(null()),
                other => return Err(self.parse_error("value", &other, index)),
            };
            // Store finished values in their containers until one asks for another value.
            while let Some(value) = done.take() {
                if nest.frames.is_empty() {
                    let (token, index) = self.next_token();
                    if !matches!(token, Token::End) {
                        return Err(self.parse_error("the end", &token, index));
                    }
                    return Ok(value);
                }
                match self.after_value(&mut nest, value)? {
                    Next::Value(t, i) => (token, index) = (t, i),
                    Next::Close => done = Some(self.ascend(&mut nest)?),
                }
            }
        }
    }

    /// Stores a finished value in the innermost container and reads what follows it: the next
    /// value or the container's end.
    fn after_value(&mut self, nest: &mut Nest, value: Value) -> Result<Next, Fail> {
        let frame = nest.frames.last_mut().expect("a value inside a container");
        let cur = nest.cur.as_ref().expect("an open frame has its table");
        match frame {
            Frame::Array(i) => {
                cur.raw_set(*i, value)?;
                *i += 1;
                match self.next_token() {
                    (Token::ArrEnd, _) => Ok(Next::Close),
                    (Token::Comma, _) => {
                        let (t, i) = self.next_token();
                        Ok(Next::Value(t, i))
                    }
                    (t, i) => Err(self.parse_error("comma or array end", &t, i)),
                }
            }
            Frame::Object(key) => {
                cur.raw_set(self.lua.create_string(key.as_slice())?, value)?;
                match self.next_token() {
                    (Token::ObjEnd, _) => Ok(Next::Close),
                    (Token::Comma, _) => {
                        let (t, i) = self.next_token();
                        let (t, i) = self.member_value(nest, t, i)?;
                        Ok(Next::Value(t, i))
                    }
                    (t, i) => Err(self.parse_error("comma or object end", &t, i)),
                }
            }
        }
    }

    /// Reads `"key" :` starting at `token` in the innermost object, and returns the token that
    /// starts the member's value.
    fn member_value(
        &mut self,
        nest: &mut Nest,
        token: Token,
        index: usize,
    ) -> Result<(Token, usize), Fail> {
        if !matches!(token, Token::Str) {
            return Err(self.parse_error("object key string", &token, index));
        }
        if let Some(Frame::Object(key)) = nest.frames.last_mut() {
            key.clear();
            key.extend_from_slice(&self.tmp);
        }
        match self.next_token() {
            (Token::Colon, _) => Ok(self.next_token()),
            (t, i) => Err(self.parse_error("colon", &t, i)),
        }
    }

    /// `json_decode_descend` and a new table: fails like C when too deep, where `reserve` is the
    /// slots the C parser checks for (2 for arrays, 3 for objects).
    fn descend(&mut self, nest: &mut Nest, frame: Frame, reserve: usize) -> Result<(), Fail> {
        let depth = nest.frames.len() + 1;
        if depth > self.cfg.decode_max_depth as usize || !stack_has_room(nest.slots, reserve) {
            return Err(Fail::error(format!(
                "Found too many nested data structures ({depth}) at character {}",
                self.pos
            )));
        }
        if let Some(parent) = nest.cur.take() {
            let parked = match &mut nest.parked {
                Some(parked) => parked,
                None => nest.parked.insert(Parked::new(self.lua)?),
            };
            parked.push(parent)?;
        }
        nest.cur = Some(self.lua.create_table()?);
        nest.slots += frame.slots();
        nest.frames.push(frame);
        Ok(())
    }

    /// Closes the innermost container, returning its table and resuming its parent.
    fn ascend(&mut self, nest: &mut Nest) -> Result<Value, Fail> {
        if let Some(frame) = nest.frames.pop() {
            nest.slots -= frame.slots();
        }
        let table = nest.cur.take().expect("an open frame has its table");
        if let (false, Some(parked)) = (nest.frames.is_empty(), &mut nest.parked) {
            nest.cur = Some(parked.pop()?);
        }
        Ok(Value::Table(table))
    }

    /// "Expected {expected} but found {token} at character {index + 1}".
    fn parse_error(&self, expected: &str, token: &Token, index: usize) -> Fail {
        Fail::error(format!(
            "Expected {expected} but found {} at character {}",
            token.name(),
            index + 1
        ))
    }

    /// The byte at `i`, 0 past the end (the text is a C string).
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    fn looking_at(&self, word: &[u8]) -> bool {
        self.data.get(self.pos..self.pos + word.len()) == Some(word)
    }

    /// `json_next_token`: the next token and the index it starts at (for error tokens, where the
    /// error is).
    fn next_token(&mut self) -> (Token, usize) {
        while matches!(self.at(self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let start = self.pos;
        let single = match self.at(start) {
            b'{' => Some(Token::ObjBegin),
            b'}' => Some(Token::ObjEnd),
            b'[' => Some(Token::ArrBegin),
            b']' => Some(Token::ArrEnd),
            b',' => Some(Token::Comma),
            b':' => Some(Token::Colon),
            0 => return (Token::End, start),
            _ => None,
        };
        if let Some(token) = single {
            self.pos += 1;
            return (token, start);
        }
        match self.at(start) {
            b'"' => self.string_token(),
            b'-' | b'0'..=b'9' => {
                if self.cfg.decode_invalid_numbers == 0 && self.is_invalid_number() {
                    return (Token::Error("invalid number"), start);
                }
                (self.number_token(), start)
            }
            b'f' | b'i' | b'I' | b'n' | b'N' | b't' | b'+' => {
                if self.looking_at(b"true") {
                    self.pos += 4;
                    (Token::Boolean(true), start)
                } else if self.looking_at(b"false") {
                    self.pos += 5;
                    (Token::Boolean(false), start)
                } else if self.looking_at(b"null") {
                    self.pos += 4;
                    (Token::Null, start)
                } else if self.cfg.decode_invalid_numbers != 0 && self.is_invalid_number() {
                    (self.number_token(), start)
                } else {
                    (Token::Error("invalid token"), start)
                }
            }
            _ => (Token::Error("invalid token"), start),
        }
    }

    /// `json_is_invalid_number`: forms strtod reads but strict JSON forbids (leading `+`, hex,
    /// leading zeros, inf, nan).
    fn is_invalid_number(&self) -> bool {
        let mut p = self.pos;
        if self.at(p) == b'+' {
            return true;
        }
        if self.at(p) == b'-' {
            p += 1;
        }
        let c = self.at(p);
        if c == b'0' {
            let c2 = self.at(p + 1);
            return c2 | 0x20 == b'x' || c2.is_ascii_digit();
        }
        // `*p <= '9'` on a signed char: also true for bytes >= 0x80.
        if c <= b'9' || c >= 0x80 {
            return false;
        }
        let rest = self.data.get(p..).unwrap_or_default();
        let starts = |w: &[u8]| rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(w);
        starts(b"inf") || starts(b"nan")
    }

    fn number_token(&mut self) -> Token {
        // strtod stops at a NUL byte as at the end: no need to cut the text there.
        match cnum::strtod(&self.data[self.pos..]) {
            Some((value, len)) => {
                self.pos += len;
                Token::Number(value)
            }
            None => Token::Error("invalid number"),
        }
    }

    /// `json_next_string_token`, starting at the opening quote; the bytes go to `tmp`.
    fn string_token(&mut self) -> (Token, usize) {
        let start = self.pos;
        self.pos += 1;
        self.tmp.clear();
        loop {
            let c = self.at(self.pos);
            match c {
                b'"' => break,
                0 => return (Token::Error("unexpected end of string"), self.pos),
                b'\\' => {
                    let unescaped = match self.at(self.pos + 1) {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b't' => b'\t',
                        b'n' => b'\n',
                        b'f' => 0x0c,
                        b'r' => b'\r',
                        b'u' => match self.unicode_escape() {
                            Some(len) => {
                                self.pos += len;
                                continue;
                            }
                            None => return (Token::Error("invalid unicode escape code"), self.pos),
                        },
                        _ => return (Token::Error("invalid escape code"), self.pos),
                    };
                    self.tmp.push(unescaped);
                    self.pos += 2;
                }
                _ => {
                    self.tmp.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        (Token::Str, start)
    }

    /// `json_append_unicode_escape` at `\uXXXX` (or a `\uD8XX\uDCXX` pair): appends the UTF-8
    /// bytes to `tmp` and returns the escape's length.
    fn unicode_escape(&mut self) -> Option<usize> {
        let mut codepoint = self.hex4(self.pos + 2)?;
        let mut len = 6;
        if codepoint & 0xf800 == 0xd800 {
            if codepoint & 0x400 != 0 {
                return None; // a low surrogate first
            }
            if self.at(self.pos + 6) != b'\\' || self.at(self.pos + 7) != b'u' {
                return None;
            }
            let low = self.hex4(self.pos + 8)?;
            if low & 0xfc00 != 0xdc00 {
                return None;
            }
            codepoint = (((codepoint & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
            len = 12;
        }
        let ch = char::from_u32(codepoint).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0; 4];
        self.tmp
            .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Some(len)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        (0..4).try_fold(0, |acc, i| {
            Some(acc << 4 | (self.at(at + i) as char).to_digit(16)?)
        })
    }
}

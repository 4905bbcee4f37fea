//! Shared harness: run a Lua snippet in a fresh state after `open_all`, the way Redis runs an
//! `EVAL` body (chunk name `@user_script`), and compare its reply with the expected one.
//!
//! Every case table also yields an ignored test that runs the same snippets on a real Redis 7.0.15
//! and checks that the expectations are Redis's: start `redis-server --port 6399` and run
//! `LUALIBS_REDIS_ADDR=127.0.0.1:6399 cargo test -p ferrodis-lualibs -- --ignored`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use mlua::{Lua, Value};

/// Put before every snippet, on the same line (so that positions read `user_script:1:`):
/// restores cjson's defaults (Redis keeps them across scripts) and defines `hex(s)` and
/// `perr(f, ...)` ("ok:<result>" or "err:<message>").
pub const PRELUDE: &str = "cjson.encode_max_depth(1000) cjson.decode_max_depth(1000) \
cjson.encode_number_precision(14) cjson.encode_keep_buffer(true) cjson.encode_invalid_numbers(false) \
cjson.decode_invalid_numbers(true) cjson.encode_sparse_array(false, 2, 10) \
local function hex(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end \
local function perr(f, ...) local ok, e = pcall(f, ...) if ok then return 'ok:' .. tostring(e) end return 'err:' .. tostring(e) end ";

/// A fresh Lua state with the libraries registered.
pub fn lua() -> Lua {
    let lua = Lua::new();
    ferrodis_lualibs::open_all(&lua).expect("open_all");
    lua
}

/// Runs `PRELUDE` + `code` and renders the result as Redis would reply to `EVAL`: strings as
/// they are, numbers truncated to integers, nil and false as `(nil)`, errors as `ERR <message>`.
pub fn eval(code: &str) -> String {
    eval_in(&lua(), code)
}

pub fn eval_in(lua: &Lua, code: &str) -> String {
    let chunk = lua
        .load(format!("{PRELUDE}{code}"))
        .set_name("@user_script");
    match chunk.eval::<Value>() {
        Ok(Value::String(s)) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
        Ok(Value::Integer(i)) => i.to_string(),
        Ok(Value::Number(x)) => (x as i64).to_string(),
        Ok(Value::Boolean(true)) => "1".to_string(),
        Ok(Value::Nil | Value::Boolean(false)) => "(nil)".to_string(),
        Ok(other) => panic!(
            "snippet returned an unsupported {}: {code}",
            other.type_name()
        ),
        // mlua appends a traceback to errors escaping a chunk; Redis replies with the message.
        Err(mlua::Error::RuntimeError(msg)) => {
            let msg = msg.split("\nstack traceback:").next().unwrap_or_default();
            format!("ERR {msg}")
        }
        Err(err) => format!("ERR (not a Lua string error) {err}"),
    }
}

pub fn check(code: &str, expected: &str) {
    assert_eq!(eval(code), expected, "snippet: {code}");
}

/// Runs every case on the Redis at `LUALIBS_REDIS_ADDR` and fails listing the cases whose
/// expectation is not what Redis answers.
pub fn check_against_redis(cases: &[(&str, &str, &str)]) {
    let addr = std::env::var("LUALIBS_REDIS_ADDR").unwrap_or_else(|_| "127.0.0.1:6379".to_string());
    let mut redis = Redis::connect(&addr);
    let mut mismatches = Vec::new();
    for (name, code, expected) in cases {
        let got = redis.eval(&format!("{PRELUDE}{code}"));
        if got != *expected {
            mismatches.push(format!(
                "{name}:\n  expected: {expected:?}\n  redis:    {got:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} case(s) differ from Redis:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Runs each snippet here and on the Redis at `LUALIBS_REDIS_ADDR`, and fails listing the ones
/// whose replies differ.
pub fn compare_with_redis(snippets: &[String]) {
    let addr = std::env::var("LUALIBS_REDIS_ADDR").unwrap_or_else(|_| "127.0.0.1:6379".to_string());
    let mut redis = Redis::connect(&addr);
    let lua = lua();
    let mut mismatches = Vec::new();
    for code in snippets {
        let ours = eval_in(&lua, code);
        let theirs = redis.eval(&format!("{PRELUDE}{code}"));
        if ours != theirs {
            mismatches.push(format!("{code}\n  ours:  {ours:?}\n  redis: {theirs:?}"));
        }
    }
    let shown: Vec<&String> = mismatches.iter().take(20).collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} snippets differ from Redis; first ones:\n{}",
        mismatches.len(),
        snippets.len(),
        shown
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Declares a table of snippet cases: one test per case, plus the ignored Redis parity test.
#[macro_export]
macro_rules! lua_cases {
    ($($(#[doc = $doc:literal])* $name:ident: $code:expr => $expected:expr;)*) => {
        $(
            $(#[doc = $doc])*
            #[test]
            fn $name() {
                common::check($code, $expected);
            }
        )*

        #[test]
        #[ignore = "needs redis-server 7.0.15 at LUALIBS_REDIS_ADDR"]
        fn expectations_match_real_redis() {
            common::check_against_redis(&[$((stringify!($name), $code, $expected)),*]);
        }
    };
}

/// A minimal RESP2 client: enough for `EVAL <script> 0`.
struct Redis {
    reader: BufReader<TcpStream>,
}

impl Redis {
    fn connect(addr: &str) -> Self {
        let stream =
            TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to redis at {addr}: {e}"));
        Redis {
            reader: BufReader::new(stream),
        }
    }

    fn eval(&mut self, script: &str) -> String {
        let mut req = Vec::new();
        for arg in [&b"EVAL"[..], script.as_bytes(), b"0"] {
            req.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            req.extend_from_slice(arg);
            req.extend_from_slice(b"\r\n");
        }
        let mut msg = b"*3\r\n".to_vec();
        msg.extend_from_slice(&req);
        self.reader.get_mut().write_all(&msg).expect("send EVAL");
        self.reply()
    }

    fn line(&mut self) -> String {
        let mut line = Vec::new();
        self.reader
            .read_until(b'\n', &mut line)
            .expect("read reply");
        line.truncate(line.len().saturating_sub(2));
        String::from_utf8_lossy(&line).into_owned()
    }

    fn reply(&mut self) -> String {
        let line = self.line();
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" | ":" => rest.to_string(),
            // "ERR user_script:1: msg script: <sha>, on @user_script:1."
            "-" => match rest.rfind(" script: ") {
                Some(at) => rest[..at].to_string(),
                None => rest.to_string(),
            },
            "$" => {
                let len: i64 = rest.parse().expect("bulk length");
                if len < 0 {
                    return "(nil)".to_string();
                }
                let mut body = vec![0; len as usize + 2];
                self.reader.read_exact(&mut body).expect("bulk body");
                body.truncate(len as usize);
                String::from_utf8_lossy(&body).into_owned()
            }
            "*" => {
                let len: i64 = rest.parse().expect("array length");
                let items: Vec<String> = (0..len.max(0)).map(|_| self.reply()).collect();
                format!("[{}]", items.join(","))
            }
            _ => panic!("unexpected reply {line:?}"),
        }
    }
}

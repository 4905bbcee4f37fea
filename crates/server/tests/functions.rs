//! Redis 7.0 functions (FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS, FCALL, FCALL_RO)
//! pinned against a real redis-server 7.0.15: the same command sequences on both servers give
//! the same replies, values and error texts; DUMP payloads and RDB files carrying libraries
//! (`FUNCTION2` records) cross between the two; libraries survive a restart; FUNCTION changes
//! and a function's writes reach ferrodis and Redis replicas, and a read-only replica refuses
//! write functions as Redis does.
//!
//! Redis keeps libraries and functions in hash tables, so FUNCTION LIST's order is not part of
//! its behaviour: replies to it are compared in a canonical order (`canonical_list`).

mod common;

use common::{Kind, Server, TestDir, error_of, reply};
use redis::Value;
use std::time::{Duration, Instant};

const F: Kind = Kind::Ferrodis;
const R: Kind = Kind::Redis;

/// How long a condition may take to come true before the test fails.
const DEADLINE: Duration = Duration::from_secs(30);

// ---- Helpers ----

/// Library code with its `#!lua name=` line.
fn lib(name: &str, body: &str) -> String {
    format!("#!lua name={name}\n{body}")
}

/// A library whose functions read, write and carry flags and a description (the named and the
/// positional forms of `redis.register_function`). Line numbers matter: error texts cite them.
fn mylib() -> String {
    lib(
        "mylib",
        r#"redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a key'}
redis.register_function{function_name='w', callback=function(keys, args) return redis.call('SET', keys[1], args[1]) end}
redis.register_function{function_name='nw', callback=function(keys, args) return redis.call('SET', keys[1], args[1]) end, flags={'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}
redis.register_function('echo', function(keys, args) return {keys, args} end)
redis.register_function('fail', function(keys, args) return redis.call('INCR', keys[1]) end)
redis.register_function('pfail', function(keys, args) return redis.pcall('INCR', keys[1]) end)
redis.register_function('status', function() return redis.status_reply('FINE') end)
redis.register_function('err', function() return redis.error_reply('MYERR custom') end)
redis.register_function('global', function() x = 1 end)"#,
    )
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Okay => "OK".to_string(),
        Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

/// FUNCTION LIST in a canonical order: libraries by name, each library's functions by name.
fn canonical_list(v: Value) -> Value {
    let Value::Array(mut libs) = v else { return v };
    for lib in libs.iter_mut() {
        let Value::Array(fields) = lib else { continue };
        for i in (0..fields.len()).step_by(2) {
            if text(&fields[i]) == "functions"
                && let Some(Value::Array(fs)) = fields.get_mut(i + 1)
            {
                fs.sort_by_key(|f| format!("{f:?}"));
            }
        }
    }
    libs.sort_by_key(|l| format!("{l:?}"));
    Value::Array(libs)
}

/// Runs commands on one server and records every reply (FUNCTION LIST made canonical).
struct Rec {
    c: redis::Connection,
    log: Vec<(String, Value)>,
}

impl Rec {
    fn new(s: &Server) -> Rec {
        Rec {
            c: connect(s),
            log: Vec::new(),
        }
    }

    fn run(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.runb(&raw)
    }

    fn runb(&mut self, args: &[&[u8]]) -> Value {
        let mut v = reply(&mut self.c, args);
        if is_function_list(args) {
            v = canonical_list(v);
        }
        self.log.push((label(args), v.clone()));
        v
    }

    /// A bulk reply's bytes (FUNCTION DUMP), not recorded: a payload of several libraries
    /// holds them in Redis's hash order.
    fn bytes(&mut self, args: &[&str]) -> Vec<u8> {
        match run(&mut self.c, args) {
            Value::BulkString(b) => b,
            other => panic!("{args:?}: expected a bulk string, got {other:?}"),
        }
    }
}

fn is_function_list(args: &[&[u8]]) -> bool {
    args.len() >= 2
        && args[0].eq_ignore_ascii_case(b"function")
        && args[1].eq_ignore_ascii_case(b"list")
}

/// A command for failure messages: its arguments, long ones cut.
fn label(args: &[&[u8]]) -> String {
    args.iter()
        .map(|a| {
            let t = String::from_utf8_lossy(a).replace('\n', "\\n");
            if t.chars().count() > 60 {
                format!("{}...", t.chars().take(60).collect::<String>())
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn connect(s: &Server) -> redis::Connection {
    let c = s.conn();
    c.set_read_timeout(Some(Duration::from_secs(30))).ok();
    c
}

/// Runs `steps` on a fresh ferrodis and a fresh redis-server and asserts that every reply is
/// the same; returns ferrodis's replies for further checks.
fn same_on_both(args: &[&str], steps: impl Fn(&mut Rec)) -> Vec<(String, Value)> {
    let record = |kind: Kind| {
        let s = Server::start_kind(kind, args);
        let mut rec = Rec::new(&s);
        steps(&mut rec);
        rec.log
    };
    let ours = record(F);
    let theirs = record(R);
    assert_eq!(ours.len(), theirs.len(), "the sequences ran differently");
    let diffs: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, b)| format!("{}\n  ferrodis: {:?}\n  redis:    {:?}", a.0, a.1, b.1))
        .collect();
    assert!(
        diffs.is_empty(),
        "{} of {} replies differ from redis-server's:\n{}",
        diffs.len(),
        ours.len(),
        diffs.join("\n")
    );
    ours
}

/// The reply recorded for the first command whose label starts with `prefix`.
fn recorded<'a>(log: &'a [(String, Value)], prefix: &str) -> &'a Value {
    &log.iter()
        .find(|(l, _)| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no command {prefix:?} was recorded"))
        .1
}

/// Polls `cond` until it holds; panics with `what` at the deadline.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(c: &mut redis::Connection, args: &[&str]) -> Value {
    let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    reply(c, &raw)
}

/// Runs a command that must succeed.
fn must(c: &mut redis::Connection, args: &[&str]) -> Value {
    let v = run(c, args);
    if let Some(e) = error_of(&v) {
        panic!("{args:?}: unexpected error {e}");
    }
    v
}

fn function_list(c: &mut redis::Connection) -> Value {
    canonical_list(must(c, &["FUNCTION", "LIST", "WITHCODE"]))
}

fn bulk(v: &Value) -> Vec<u8> {
    match v {
        Value::BulkString(b) => b.clone(),
        other => panic!("expected a bulk string, got {other:?}"),
    }
}

// ---- Command corpus ----

/// FUNCTION LOAD's refusals: metadata, engine, names, collisions, register_function misuse, the
/// load-time sandbox (no redis.call, no globals), each with Redis's text.
#[test]
fn function_load_errors_match_redis() {
    let bad_loads: Vec<String> = vec![
        "return 1".to_string(),
        "#!lua\nreturn 1".to_string(),
        "#!lua name=a name=b\nreturn 1".to_string(),
        "#!lua name=a foo=bar\nreturn 1".to_string(),
        "#!lua name=nolf".to_string(),
        "#!js name=jslib\nreturn 1".to_string(),
        lib("bad-name", "redis.register_function('f', function() end)"),
        lib("nothing", "return 1"),
        lib("syntax", "local x = "),
        lib("noargs", "redis.register_function()"),
        lib(
            "threeargs",
            "redis.register_function('f', function() end, 3)",
        ),
        lib("onestr", "redis.register_function('f')"),
        lib("tblname", "redis.register_function({}, function() end)"),
        lib("nofunc", "redis.register_function('f', 'g')"),
        lib(
            "badfname",
            "redis.register_function('bad name', function() end)",
        ),
        lib("emptyfname", "redis.register_function('', function() end)"),
        lib(
            "dupf",
            "redis.register_function('f', function() end)\nredis.register_function('f', function() end)",
        ),
        lib("emptytbl", "redis.register_function({})"),
        lib("posargs", "redis.register_function{[1]='f'}"),
        lib(
            "unkarg",
            "redis.register_function{function_name='f', callback=function() end, unknown=1}",
        ),
        lib(
            "flagstr",
            "redis.register_function{function_name='f', callback=function() end, flags='no-writes'}",
        ),
        lib(
            "badflag",
            "redis.register_function{function_name='f', callback=function() end, flags={'no-writes', 'bad-flag'}}",
        ),
        lib(
            "numflag",
            "redis.register_function{function_name='f', callback=function() end, flags={1}}",
        ),
        lib(
            "cbnum",
            "redis.register_function{function_name='f', callback=1}",
        ),
        lib(
            "nametbl",
            "redis.register_function{function_name={}, callback=function() end}",
        ),
        lib(
            "desctbl",
            "redis.register_function{function_name='f', callback=function() end, description={}}",
        ),
        lib("noname", "redis.register_function{callback=function() end}"),
        lib("nocb", "redis.register_function{function_name='f'}"),
        lib(
            "loadcall",
            "redis.register_function('f', function() end)\nredis.call('SET', 'x', 'y')",
        ),
        lib(
            "loadpcall",
            "redis.register_function('f', function() end)\nredis.pcall('PING')",
        ),
        lib(
            "global",
            "redis.register_function('f', function() end)\nx = 1",
        ),
        lib(
            "redisfield",
            "redis.register_function('f', function() end)\nredis.foo = 1",
        ),
        lib(
            "readglobal",
            "local a = y\nredis.register_function('f', function() end)",
        ),
        lib("error", "error('boom')"),
        lib("os", "os.exit()"),
        lib("string", "local s = string.rep('x', 2)"),
        lib("setresp", "redis.setresp(3)"),
        // Library code that does not return within FUNCTION LOAD's 500 ms.
        lib("spin", "while true do end"),
        lib(
            "spinafter",
            "redis.register_function('f', function() end)\nwhile true do end",
        ),
    ];
    let log = same_on_both(&[], |r| {
        for code in &bad_loads {
            r.run(&["FUNCTION", "LOAD", code]);
        }
        // Nothing was loaded by any of them.
        r.run(&["FUNCTION", "LIST"]);
        r.run(&["FUNCTION", "STATS"]);
        // Option parsing and arity.
        r.run(&["FUNCTION", "LOAD"]);
        r.run(&["FUNCTION", "LOAD", "REPLACE"]);
        r.run(&["FUNCTION", "LOAD", "FOO", &lib("opt", "return 1")]);
    });
    assert_eq!(
        error_of(recorded(&log, "FUNCTION LOAD return 1")).as_deref(),
        Some("ERR Missing library metadata")
    );
    assert_eq!(
        error_of(recorded(&log, "FUNCTION LOAD #!lua name=loadcall")).as_deref(),
        Some(
            "ERR Error registering functions: ERR user_function:3: Script attempted to access nonexistent global variable 'call'"
        )
    );
    assert_eq!(
        error_of(recorded(&log, "FUNCTION LOAD #!lua name=spin\\n")).as_deref(),
        Some("ERR Error registering functions: ERR FUNCTION LOAD timeout")
    );
    assert_eq!(recorded(&log, "FUNCTION LIST"), &Value::Array(vec![]));
}

/// Libraries that load: both forms of register_function, flags, descriptions; LOAD REPLACE;
/// collisions with other libraries; FUNCTION LIST and its filters; FCALL and FCALL_RO with
/// their refusals; DELETE, FLUSH and STATS.
#[test]
fn function_commands_match_redis() {
    let log = same_on_both(&[], |r| {
        r.run(&["FUNCTION", "LIST"]);
        r.run(&["FUNCTION", "STATS"]);
        r.run(&["FUNCTION", "LOAD", &mylib()]);
        r.run(&["FUNCTION", "LOAD", &mylib()]);
        r.run(&["FUNCTION", "LOAD", "REPLACE", &mylib()]);
        r.run(&["FUNCTION", "LOAD", "replace", &mylib()]);
        // A function name taken by another library.
        r.run(&[
            "FUNCTION",
            "LOAD",
            &lib("other", "redis.register_function('w', function() end)"),
        ]);
        r.run(&[
            "FUNCTION",
            "LOAD",
            &lib("other", "redis.register_function('W', function() end)"),
        ]);
        r.run(&[
            "FUNCTION",
            "LOAD",
            &lib(
                "other",
                "redis.register_function{function_name='o1', callback=function() return 'o1' end, description='the first'}\nredis.register_function{function_name=12, callback=function() return 12 end, description=5}",
            ),
        ]);
        r.run(&["FUNCTION", "LIST"]);
        r.run(&["FUNCTION", "LIST", "WITHCODE"]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME", "my*"]);
        r.run(&["FUNCTION", "LIST", "libraryname", "oth?r", "withcode"]);
        r.run(&["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "mylib"]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME"]);
        r.run(&["FUNCTION", "LIST", "WITHCODE", "WITHCODE"]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"]);
        r.run(&["FUNCTION", "LIST", "foo"]);
        r.run(&["FUNCTION", "STATS"]);
        r.run(&["FUNCTION", "STATS", "extra"]);
        // FCALL and FCALL_RO.
        r.run(&["FCALL", "w", "1", "k", "v1"]);
        r.run(&["FCALL", "ro", "1", "k"]);
        r.run(&["FCALL", "RO", "1", "k"]);
        r.run(&["FCALL_RO", "ro", "1", "k"]);
        r.run(&["FCALL_RO", "w", "1", "k", "v2"]);
        r.run(&["FCALL", "nw", "1", "k", "v3"]);
        r.run(&["FCALL_RO", "nw", "1", "k", "v3"]);
        r.run(&["GET", "k"]);
        r.run(&["FCALL", "echo", "2", "a", "b", "c", "d"]);
        r.run(&["FCALL", "echo", "0"]);
        r.run(&["FCALL", "fail", "1", "k"]);
        r.run(&["FCALL", "pfail", "1", "k"]);
        r.run(&["FCALL", "status", "0"]);
        r.run(&["FCALL", "err", "0"]);
        r.run(&["FCALL", "global", "0"]);
        r.run(&["FCALL", "o1", "0"]);
        r.run(&["FCALL", "12", "0"]);
        r.run(&["FCALL", "nosuch", "0"]);
        r.run(&["FCALL_RO", "nosuch", "0"]);
        r.run(&["FCALL", "ro", "x"]);
        r.run(&["FCALL", "ro", "-1"]);
        r.run(&["FCALL", "ro", "2", "k"]);
        r.run(&["FCALL", "ro"]);
        // DELETE and FLUSH.
        r.run(&["FUNCTION", "DELETE", "nosuch"]);
        r.run(&["FUNCTION", "DELETE"]);
        r.run(&["FUNCTION", "DELETE", "other"]);
        r.run(&["FCALL", "o1", "0"]);
        r.run(&["FUNCTION", "LIST"]);
        r.run(&["FUNCTION", "STATS"]);
        r.run(&["FUNCTION", "FLUSH", "foo"]);
        r.run(&["FUNCTION", "FLUSH", "ASYNC"]);
        r.run(&["FCALL", "ro", "1", "k"]);
        r.run(&["FUNCTION", "LOAD", &mylib()]);
        r.run(&["FUNCTION", "FLUSH", "sync"]);
        r.run(&["FUNCTION", "LOAD", &mylib()]);
        r.run(&["FUNCTION", "FLUSH"]);
        r.run(&["FUNCTION", "LIST"]);
        r.run(&["FUNCTION", "STATS"]);
    });
    assert_eq!(
        recorded(&log, "FUNCTION LOAD #!lua name=mylib"),
        &Value::BulkString(b"mylib".to_vec())
    );
    assert_eq!(
        recorded(&log, "FCALL_RO ro 1 k"),
        &Value::BulkString(b"v1".to_vec())
    );
    assert_eq!(
        error_of(recorded(&log, "FCALL_RO w 1 k v2")).as_deref(),
        Some("ERR Can not execute a script with write flag using *_ro command.")
    );
    assert_eq!(
        error_of(recorded(&log, "FCALL nw 1 k v3")).as_deref(),
        Some(
            "ERR Write commands are not allowed from read-only scripts. script: nw, on @user_function:4."
        )
    );
    assert_eq!(
        error_of(recorded(&log, "FCALL nosuch 0")).as_deref(),
        Some("ERR Function not found")
    );
    assert_eq!(
        error_of(recorded(&log, "FCALL ro x")).as_deref(),
        Some("ERR Bad number of keys provided")
    );
}

/// Redis keeps library names case-sensitive (functions.c's librariesDictType uses
/// dictSdsKeyCompare): `lib1` and `LIB1` are two libraries, and DELETE needs the exact name.
/// Function names, by contrast, are case-insensitive (FCALL RO finds `ro`).
#[test]
fn library_names_are_case_sensitive_as_redis() {
    let log = same_on_both(&[], |r| {
        r.run(&[
            "FUNCTION",
            "LOAD",
            &lib(
                "lib1",
                "redis.register_function('a1', function() return 1 end)",
            ),
        ]);
        r.run(&[
            "FUNCTION",
            "LOAD",
            &lib(
                "LIB1",
                "redis.register_function('a2', function() return 2 end)",
            ),
        ]);
        r.run(&["FUNCTION", "LIST"]);
        r.run(&["FUNCTION", "DELETE", "Lib1"]);
        r.run(&["FUNCTION", "DELETE", "LIB1"]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME", "lib*"]);
        r.run(&["FCALL", "a1", "0"]);
    });
    assert_eq!(
        recorded(&log, "FUNCTION LOAD #!lua name=LIB1"),
        &Value::BulkString(b"LIB1".to_vec())
    );
}

/// Redis matches FUNCTION LIST LIBRARYNAME's pattern without regard to case (functions.c:
/// `stringmatchlen(..., 1)`).
#[test]
fn function_list_libraryname_pattern_ignores_case_as_redis() {
    let log = same_on_both(&[], |r| {
        r.run(&["FUNCTION", "LOAD", &mylib()]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME", "MY*"]);
        r.run(&["FUNCTION", "LIST", "LIBRARYNAME", "MyLib", "WITHCODE"]);
    });
    assert_ne!(
        recorded(&log, "FUNCTION LIST LIBRARYNAME MY*"),
        &Value::Array(vec![])
    );
}

/// Redis's FCALL looks the function up before it parses numkeys (fcallCommandGeneric).
#[test]
fn fcall_unknown_function_is_reported_before_bad_numkeys_as_redis() {
    let log = same_on_both(&[], |r| {
        r.run(&["FCALL", "nosuch", "x"]);
        r.run(&["FCALL_RO", "nosuch", "x"]);
    });
    assert_eq!(
        error_of(recorded(&log, "FCALL nosuch x")).as_deref(),
        Some("ERR Function not found")
    );
}

/// Redis's subcommand syntax error echoes the subcommand as the client typed it
/// (`addReplySubcommandSyntaxError` prints `c->argv[1]`).
#[test]
fn function_subcommand_syntax_errors_echo_the_subcommand_as_redis() {
    same_on_both(&[], |r| {
        r.run(&["FUNCTION", "FLUSH", "SYNC", "extra"]);
        r.run(&["FUNCTION", "Flush", "SYNC", "extra"]);
        r.run(&["FUNCTION", "RESTORE", "x", "FLUSH", "extra"]);
    });
}

/// A key's DUMP payload given to FUNCTION RESTORE: Redis reads the type byte, sees a string
/// rather than a function record, and says so (functionRestoreCommand).
#[test]
fn function_restore_of_a_key_dump_is_refused_as_redis() {
    let log = same_on_both(&[], |r| {
        r.run(&["SET", "str", "value"]);
        let key_dump = r.bytes(&["DUMP", "str"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &key_dump]);
        r.run(&["RPUSH", "list", "a", "b"]);
        let key_dump = r.bytes(&["DUMP", "list"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &key_dump]);
        r.run(&["FUNCTION", "LIST"]);
    });
    assert_eq!(
        error_of(recorded(&log, "FUNCTION RESTORE")).as_deref(),
        Some("ERR given type is not a function")
    );
}

/// A function runs in the functions sandbox: the libraries Redis offers (cjson, bit, string,
/// math, table), no `os`, no register_function at run time, and Redis's error texts with the
/// function name and line.
#[test]
fn function_runtime_sandbox_matches_redis() {
    let code = lib(
        "rt",
        r#"redis.register_function('reg', function() redis.register_function('z', function() end) end)
redis.register_function('boom', function() error('boom') end)
redis.register_function('rglob', function() return y end)
redis.register_function('nest', function() return redis.call('FCALL', 'reg', 0) end)
redis.register_function('ev', function() return redis.call('EVAL', 'return 1', 0) end)
redis.register_function('libs', function() return {cjson.encode({a=1}), bit.band(7, 3), string.rep('x', 3), math.floor(2.5), table.concat({'a', 'b'}), redis.sha1hex('')} end)
redis.register_function('os', function() return os.clock() end)
redis.register_function('resp', function(keys) redis.setresp(3) return redis.call('HGETALL', keys[1]) end)
redis.register_function('version', function() return {type(redis.REDIS_VERSION), type(redis.REDIS_VERSION_NUM)} end)"#,
    );
    let log = same_on_both(&[], |r| {
        r.run(&["FUNCTION", "LOAD", &code]);
        r.run(&["HSET", "h", "f", "1"]);
        for f in [
            "reg", "boom", "rglob", "nest", "ev", "libs", "os", "resp", "version",
        ] {
            r.run(&["FCALL", f, "1", "h"]);
        }
    });
    assert_eq!(
        error_of(recorded(&log, "FCALL boom")).as_deref(),
        Some("ERR user_function:3: boom script: boom, on @user_function:3.")
    );
}

// ---- DUMP and RESTORE ----

/// RESTORE's policies (APPEND, REPLACE, FLUSH) and refusals on both servers, each from its own
/// DUMP; and a payload of one library is byte-identical on both.
#[test]
fn function_dump_and_restore_match_redis() {
    let a = lib(
        "liba",
        "redis.register_function('fa', function() return 'a' end)",
    );
    let a2 = lib(
        "liba",
        "redis.register_function('fa2', function() return 'a2' end)",
    );
    let b = lib(
        "libb",
        "redis.register_function('fb', function() return 'b' end)",
    );
    let thief = lib(
        "thief",
        "redis.register_function('fa', function() return 't' end)",
    );
    let log = same_on_both(&[], |r| {
        r.run(&["FUNCTION", "LOAD", &a]);
        let one = r.bytes(&["FUNCTION", "DUMP"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"APPEND"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"REPLACE"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"replace"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"BAD"]);
        r.run(&["FCALL", "fa", "0"]);
        // REPLACE swaps a library for the payload's version of it.
        r.run(&["FUNCTION", "LOAD", "REPLACE", &a2]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"REPLACE"]);
        r.run(&["FCALL", "fa", "0"]);
        r.run(&["FCALL", "fa2", "0"]);
        // FLUSH drops libraries the payload lacks.
        r.run(&["FUNCTION", "LOAD", &b]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"FLUSH"]);
        r.run(&["FCALL", "fb", "0"]);
        r.run(&["FUNCTION", "LIST", "WITHCODE"]);
        // A function name held by another library: refused by APPEND and REPLACE alike.
        r.run(&["FUNCTION", "FLUSH"]);
        r.run(&["FUNCTION", "LOAD", &thief]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"REPLACE"]);
        r.run(&["FUNCTION", "LIST"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &one, b"FLUSH"]);
        r.run(&["FCALL", "fa", "0"]);
        // Two libraries in one payload, restored into an empty server.
        r.run(&["FUNCTION", "LOAD", &b]);
        let two = r.bytes(&["FUNCTION", "DUMP"]);
        r.run(&["FUNCTION", "FLUSH"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &two]);
        r.run(&["FUNCTION", "LIST", "WITHCODE"]);
        r.run(&["FCALL", "fb", "0"]);
        // An empty payload restores nothing, with every policy.
        r.run(&["FUNCTION", "FLUSH"]);
        let empty = r.bytes(&["FUNCTION", "DUMP"]);
        r.runb(&[b"FUNCTION", b"RESTORE", &empty]);
        r.runb(&[b"FUNCTION", b"RESTORE", &two]);
        r.runb(&[b"FUNCTION", b"RESTORE", &empty, b"FLUSH"]);
        r.run(&["FUNCTION", "LIST"]);
        // Damaged payloads, and a key's DUMP.
        r.runb(&[b"FUNCTION", b"RESTORE", b"garbage"]);
        r.runb(&[b"FUNCTION", b"RESTORE", b""]);
        let mut flipped = one.clone();
        flipped[5] ^= 0x20;
        r.runb(&[b"FUNCTION", b"RESTORE", &flipped]);
        let mut old_version = one.clone();
        let n = old_version.len();
        old_version[n - 10] = 99;
        r.runb(&[b"FUNCTION", b"RESTORE", &old_version]);
        r.run(&["FUNCTION", "DUMP", "extra"]);
        r.run(&["FUNCTION", "RESTORE"]);
        r.run(&["FUNCTION", "LIST"]);
    });
    assert_eq!(
        error_of(recorded(&log, "FUNCTION RESTORE")).as_deref(),
        Some("ERR Library liba already exists"),
        "the first RESTORE of an existing library"
    );
    // The one-library payload is the same bytes on both servers.
    let dump_of = |kind: Kind| {
        let s = Server::start_kind(kind, &[]);
        let mut c = connect(&s);
        must(&mut c, &["FUNCTION", "LOAD", &a]);
        bulk(&must(&mut c, &["FUNCTION", "DUMP"]))
    };
    assert_eq!(dump_of(F), dump_of(R), "FUNCTION DUMP of one library");
}

/// A payload dumped by one server restores into the other, with every library and function
/// (the FUNCTION2 record format and the DUMP footer agree).
#[test]
fn function_dump_payloads_cross_between_ferrodis_and_redis() {
    let libs = [
        mylib(),
        lib(
            "second",
            "redis.register_function{function_name='s1', callback=function(keys, args) return 's1:' .. args[1] end, description='second library', flags={'no-writes'}}",
        ),
    ];
    for (from, to) in [(F, R), (R, F)] {
        let source = Server::start_kind(from, &[]);
        let target = Server::start_kind(to, &[]);
        let mut s = connect(&source);
        let mut t = connect(&target);
        for code in &libs {
            must(&mut s, &["FUNCTION", "LOAD", code]);
        }
        let payload = bulk(&must(&mut s, &["FUNCTION", "DUMP"]));
        assert_eq!(
            reply(&mut t, &[b"FUNCTION", b"RESTORE", &payload]),
            Value::Okay,
            "RESTORE on {} of a DUMP from {}",
            name(to),
            name(from)
        );
        assert_eq!(function_list(&mut t), function_list(&mut s));
        assert_eq!(
            must(&mut t, &["FCALL", "s1", "0", "x"]),
            Value::BulkString(b"s1:x".to_vec())
        );
        assert_eq!(must(&mut t, &["FCALL", "w", "1", "k", "v"]), Value::Okay);
        assert_eq!(
            must(&mut t, &["FCALL_RO", "ro", "1", "k"]),
            Value::BulkString(b"v".to_vec())
        );
    }
}

fn name(kind: Kind) -> &'static str {
    match kind {
        F => "ferrodis",
        R => "redis-server",
    }
}

// ---- Persistence ----

/// Loads two libraries and a key, SAVEs, and hands back the directory with the RDB and the
/// FUNCTION LIST WITHCODE seen before.
fn saved_with_functions(kind: Kind) -> (TestDir, Value) {
    let s = Server::start_kind(kind, &[]);
    let mut c = connect(&s);
    must(&mut c, &["FUNCTION", "LOAD", &mylib()]);
    must(
        &mut c,
        &[
            "FUNCTION",
            "LOAD",
            &lib(
                "counter",
                "redis.register_function{function_name='bump', callback=function(keys) return redis.call('INCR', keys[1]) end, description='adds one'}",
            ),
        ],
    );
    must(&mut c, &["SET", "k", "before"]);
    let list = function_list(&mut c);
    assert_eq!(must(&mut c, &["SAVE"]), Value::Okay);
    drop(c);
    (s.into_dir(), list)
}

/// Starts `kind` on a directory holding an RDB with `saved_with_functions`'s libraries and
/// checks they are all there and callable.
fn assert_functions_loaded(kind: Kind, dir: &TestDir, expected: &Value) {
    let s = Server::start_in(kind, &dir.path, &[]);
    let mut c = connect(&s);
    assert_eq!(&function_list(&mut c), expected, "{}", name(kind));
    assert_eq!(
        must(&mut c, &["FCALL_RO", "ro", "1", "k"]),
        Value::BulkString(b"before".to_vec())
    );
    assert_eq!(must(&mut c, &["FCALL", "bump", "1", "n"]), Value::Int(1));
    assert_eq!(
        must(&mut c, &["FCALL", "w", "1", "k", "after"]),
        Value::Okay
    );
    // The RDB's libraries are library code: a second LOAD of one is refused as a duplicate.
    let v = run(&mut c, &["FUNCTION", "LOAD", &mylib()]);
    assert_eq!(
        error_of(&v).as_deref(),
        Some("ERR Library 'mylib' already exists")
    );
}

#[test]
fn functions_survive_save_and_restart() {
    let (dir, list) = saved_with_functions(F);
    assert_functions_loaded(F, &dir, &list);
}

#[test]
fn redis_rdb_with_functions_loads_into_ferrodis() {
    let (dir, list) = saved_with_functions(R);
    assert_functions_loaded(F, &dir, &list);
}

#[test]
fn ferrodis_rdb_with_functions_loads_into_redis() {
    let (dir, list) = saved_with_functions(F);
    assert_functions_loaded(R, &dir, &list);
}

/// DEBUG RELOAD (save and load the RDB in place) keeps libraries on both servers.
#[test]
fn debug_reload_keeps_functions_as_redis() {
    same_on_both(&[], |r| {
        r.run(&["FUNCTION", "LOAD", &mylib()]);
        r.run(&["DEBUG", "RELOAD"]);
        r.run(&["FUNCTION", "LIST", "WITHCODE"]);
        r.run(&["FCALL", "w", "1", "k", "v"]);
        r.run(&["FCALL_RO", "ro", "1", "k"]);
    });
}

// ---- Replication ----

/// A server with one connection.
struct Node {
    s: Server,
    c: redis::Connection,
}

impl Node {
    fn start(kind: Kind, args: &[&str]) -> Node {
        let mut all = vec!["--repl-diskless-sync-delay", "0"];
        all.extend_from_slice(args);
        let s = Server::start_kind(kind, &all);
        let c = connect(&s);
        Node { s, c }
    }

    fn replica_of(kind: Kind, master: &Node, args: &[&str]) -> Node {
        let port = master.s.port.to_string();
        let mut all = vec!["--replicaof", "127.0.0.1", &port];
        all.extend_from_slice(args);
        Node::start(kind, &all)
    }

    fn run(&mut self, args: &[&str]) -> Value {
        must(&mut self.c, args)
    }

    fn v(&mut self, args: &[&str]) -> Value {
        run(&mut self.c, args)
    }

    fn list(&mut self) -> Value {
        function_list(&mut self.c)
    }

    fn info_field(&mut self, name: &str) -> String {
        let info = text(&self.run(&["INFO", "replication"]));
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .unwrap_or("")
            .trim_end()
            .to_string()
    }

    fn wait_link_up(&mut self) {
        wait_for("the replica's link to come up", || {
            self.info_field("master_link_status") == "up"
        });
    }
}

/// Waits until every replica lists the master's libraries.
fn wait_same_functions(master: &mut Node, replicas: &mut [&mut Node]) {
    let expected = master.list();
    for r in replicas.iter_mut() {
        wait_for("a replica to list the master's libraries", || {
            r.list() == expected
        });
    }
}

/// FUNCTION LOAD, LOAD REPLACE, RESTORE, DELETE and FLUSH on a ferrodis master reach a ferrodis
/// and a redis-server replica.
#[test]
fn function_changes_reach_ferrodis_and_redis_replicas() {
    let mut m = Node::start(F, &[]);
    let mut rf = Node::replica_of(F, &m, &[]);
    let mut rr = Node::replica_of(R, &m, &[]);
    rf.wait_link_up();
    rr.wait_link_up();
    let other = lib(
        "other",
        "redis.register_function{function_name='o1', callback=function() return 'o1' end, flags={'no-writes'}}",
    );
    let other2 = lib(
        "other",
        "redis.register_function{function_name='o2', callback=function() return 'o2' end, flags={'no-writes'}}",
    );
    m.run(&["FUNCTION", "LOAD", &mylib()]);
    m.run(&["FUNCTION", "LOAD", &other]);
    wait_same_functions(&mut m, &mut [&mut rf, &mut rr]);
    assert!(
        matches!(rr.list(), Value::Array(ref libs) if libs.len() == 2),
        "{:?}",
        rr.list()
    );
    m.run(&["FUNCTION", "LOAD", "REPLACE", &other2]);
    wait_same_functions(&mut m, &mut [&mut rf, &mut rr]);
    m.run(&["FUNCTION", "DELETE", "mylib"]);
    wait_same_functions(&mut m, &mut [&mut rf, &mut rr]);
    for r in [&mut rf, &mut rr] {
        assert_eq!(
            r.v(&["FCALL_RO", "o2", "0"]),
            Value::BulkString(b"o2".to_vec())
        );
        assert_eq!(
            error_of(&r.v(&["FCALL_RO", "ro", "1", "k"])).as_deref(),
            Some("ERR Function not found")
        );
    }
    let payload = bulk(&m.run(&["FUNCTION", "DUMP"]));
    m.run(&["FUNCTION", "FLUSH"]);
    wait_same_functions(&mut m, &mut [&mut rf, &mut rr]);
    assert_eq!(rr.list(), Value::Array(vec![]));
    assert_eq!(
        reply(&mut m.c, &[b"FUNCTION", b"RESTORE", &payload]),
        Value::Okay
    );
    wait_same_functions(&mut m, &mut [&mut rf, &mut rr]);
    assert!(matches!(rr.list(), Value::Array(ref libs) if libs.len() == 1));
}

/// A function's writes reach replicas as the writes themselves: a value the function computes
/// from TIME is the master's on both replicas (a replica re-running the function would compute
/// its own).
#[test]
fn function_writes_replicate_as_effects() {
    let mut m = Node::start(F, &[]);
    let mut rf = Node::replica_of(F, &m, &[]);
    let mut rr = Node::replica_of(R, &m, &[]);
    rf.wait_link_up();
    rr.wait_link_up();
    m.run(&[
        "FUNCTION",
        "LOAD",
        &lib(
            "stamp",
            "redis.register_function('stamp', function(keys) local t = redis.call('TIME') redis.call('SET', keys[1], t[1] .. '.' .. t[2]) redis.call('RPUSH', keys[2], t[2]) return t[2] end)",
        ),
    ]);
    let mut stamps = Vec::new();
    for _ in 0..3 {
        stamps.push(m.run(&["FCALL", "stamp", "2", "when", "all"]));
    }
    let when = m.run(&["GET", "when"]);
    let all = m.run(&["LRANGE", "all", "0", "-1"]);
    assert_eq!(all, Value::Array(stamps));
    for r in [&mut rf, &mut rr] {
        wait_for("the function's writes on the replica", || {
            r.run(&["LLEN", "all"]) == Value::Int(3)
        });
        assert_eq!(r.run(&["GET", "when"]), when);
        assert_eq!(r.run(&["LRANGE", "all", "0", "-1"]), all);
    }
}

/// A replica that full-syncs after the libraries were loaded gets them through the RDB, from a
/// ferrodis master (to both kinds of replica) and from a redis-server master (to ferrodis).
#[test]
fn full_sync_carries_libraries_to_replicas() {
    for (master_kind, replica_kinds) in [(F, vec![F, R]), (R, vec![F])] {
        for diskless in ["yes", "no"] {
            let mut m = Node::start(master_kind, &["--repl-diskless-sync", diskless]);
            m.run(&["FUNCTION", "LOAD", &mylib()]);
            m.run(&["FCALL", "w", "1", "k", "synced"]);
            for kind in &replica_kinds {
                let mut r = Node::replica_of(*kind, &m, &[]);
                r.wait_link_up();
                assert_eq!(
                    r.list(),
                    m.list(),
                    "{} replica of {} (diskless {diskless})",
                    name(*kind),
                    name(master_kind)
                );
                assert_eq!(
                    r.v(&["FCALL_RO", "ro", "1", "k"]),
                    Value::BulkString(b"synced".to_vec())
                );
            }
        }
    }
}

/// On a read-only replica a function without `no-writes` is refused before it runs (FCALL is a
/// write command then), as by Redis; a `no-writes` one runs, and a `no-writes` function that
/// writes anyway meets the read-only script wall.
#[test]
fn readonly_replica_refuses_write_functions_as_redis() {
    let replies: Vec<Vec<Value>> = [F, R]
        .into_iter()
        .map(|kind| {
            let mut m = Node::start(kind, &[]);
            let mut r = Node::replica_of(kind, &m, &[]);
            r.wait_link_up();
            m.run(&["FUNCTION", "LOAD", &mylib()]);
            m.run(&["SET", "k", "from-master"]);
            wait_for("the library on the replica", || {
                r.v(&["FCALL_RO", "ro", "1", "k"]) == Value::BulkString(b"from-master".to_vec())
            });
            vec![
                r.v(&["FCALL", "w", "1", "k", "v"]),
                r.v(&["FCALL", "ro", "1", "k"]),
                r.v(&["FCALL_RO", "ro", "1", "k"]),
                r.v(&["FCALL", "nw", "1", "k", "v"]),
                r.v(&["FCALL", "echo", "1", "a", "b"]),
                r.v(&[
                    "FUNCTION",
                    "LOAD",
                    &lib("x", "redis.register_function('x', function() end)"),
                ]),
                r.v(&["FUNCTION", "DELETE", "mylib"]),
                r.v(&["FUNCTION", "FLUSH"]),
            ]
        })
        .collect();
    assert_eq!(
        error_of(&replies[0][0]).as_deref(),
        Some("READONLY You can't write against a read only replica.")
    );
    assert_eq!(replies[0][1], Value::BulkString(b"from-master".to_vec()));
    assert_eq!(replies[0], replies[1], "ferrodis vs redis-server");
}

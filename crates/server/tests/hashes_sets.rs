//! Hash and set commands against a real redis-server 7.0: every reply compared (members of
//! unordered replies compared as sorted lists), encodings, empty-key deletion, DEBUG DIGEST.

mod common;
use common::{Server, reply};
use redis::Value;

struct Twin {
    f: redis::Connection,
    r: redis::Connection,
    _servers: (Server, Server),
}

/// Sorts the elements of arrays/sets (recursively one level) so unordered replies compare.
fn normalized(v: Value) -> Value {
    match v {
        Value::Array(mut items) => {
            items.sort_by_key(|i| format!("{i:?}"));
            Value::Array(items)
        }
        Value::Set(mut items) => {
            items.sort_by_key(|i| format!("{i:?}"));
            Value::Array(items)
        }
        Value::Map(mut pairs) => {
            pairs.sort_by_key(|p| format!("{p:?}"));
            Value::Map(pairs)
        }
        other => other,
    }
}

impl Twin {
    fn start() -> Twin {
        let fs = Server::start(&[]);
        let rs = Server::start_redis(&[]);
        Twin {
            f: fs.conn(),
            r: rs.conn(),
            _servers: (fs, rs),
        }
    }

    fn run(&mut self, args: &[&str]) -> (Value, Value) {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        (reply(&mut self.f, &a), reply(&mut self.r, &a))
    }

    /// Replies must be identical, order included.
    fn same(&mut self, args: &[&str]) {
        let (f, r) = self.run(args);
        assert_eq!(f, r, "reply to {args:?}");
    }

    /// Replies must hold the same elements, in any order.
    fn same_unordered(&mut self, args: &[&str]) {
        let (f, r) = self.run(args);
        assert_eq!(normalized(f), normalized(r), "reply to {args:?}");
    }
}

#[test]
fn hash_commands_reply_as_redis() {
    let mut t = Twin::start();
    let ordered: &[&[&str]] = &[
        &["HSET", "h", "f1", "v1", "f2", "v2", "n", "10", "fl", "1.5"],
        &["HSET", "h", "f1", "v1b"],
        &["HSET", "h", "odd"],
        &["HMSET", "h", "a", "1", "b", "2"],
        &["HSETNX", "h", "a", "x"],
        &["HSETNX", "h", "new", "y"],
        &["HGET", "h", "f1"],
        &["HGET", "h", "nope"],
        &["HGET", "nokey", "f"],
        &["HMGET", "h", "f1", "nope", "a"],
        &["HLEN", "h"],
        &["HEXISTS", "h", "f2"],
        &["HEXISTS", "h", "zz"],
        &["HSTRLEN", "h", "f1"],
        &["HINCRBY", "h", "n", "5"],
        &["HINCRBY", "h", "n", "x"],
        &["HINCRBY", "h", "f1", "1"],
        &["HINCRBY", "h", "n", "9223372036854775807"],
        &["HINCRBYFLOAT", "h", "fl", "0.1"],
        &["HINCRBYFLOAT", "h", "f1", "1"],
        &["HINCRBYFLOAT", "h", "newfl", "3.0e3"],
        &["OBJECT", "ENCODING", "h"],
        &["HDEL", "h", "f1", "f2", "nope"],
        &["HSCAN", "h", "0"],
        &["HSCAN", "h", "0", "MATCH", "n*"],
        &["HSCAN", "h", "0", "COUNT", "0"],
        &["HRANDFIELD", "nokey"],
        &["HRANDFIELD", "nokey", "3"],
        &["HRANDFIELD", "h", "0"],
        &["HRANDFIELD", "h", "100", "WITHVALUES"],
        &["HRANDFIELD", "h", "1", "BAD"],
        &["HGETALL", "h"],
        &["HINCRBYFLOAT", "h", "fl", "1e308"],
        &["OBJECT", "ENCODING", "h"],
        &["SET", "str", "v"],
        &["HSET", "str", "a", "b"],
        &["HGET", "str", "a"],
        &["HDEL", "h", "n", "fl", "a", "b", "new", "newfl"],
        &["EXISTS", "h"],
        &["DEBUG", "DIGEST"],
    ];
    for cmd in ordered {
        t.same(cmd);
    }
    // The 1e308 value made the hash a table on both sides: its order is the table's own.
    t.same_unordered(&["HKEYS", "h"]);
    t.same_unordered(&["HVALS", "h"]);
    // A big hash converts to a table: contents and digest still match.
    let mut args: Vec<String> = vec!["HSET".into(), "big".into()];
    for i in 0..600 {
        args.push(format!("field:{i}"));
        args.push(format!("value:{i}"));
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    t.same(&a);
    t.same(&["OBJECT", "ENCODING", "big"]);
    t.same(&["HSET", "long", "f", &"x".repeat(65)]);
    t.same(&["OBJECT", "ENCODING", "long"]);
    t.same_unordered(&["HKEYS", "big"]);
    t.same(&["HLEN", "big"]);
    t.same(&["DEBUG", "DIGEST"]);
}

#[test]
fn set_commands_reply_as_redis() {
    let mut t = Twin::start();
    let ordered: &[&[&str]] = &[
        &["SADD", "ints", "3", "1", "2", "-5", "1"],
        &["SMEMBERS", "ints"],
        &["OBJECT", "ENCODING", "ints"],
        &["SADD", "s", "a", "b", "c", "1"],
        &["OBJECT", "ENCODING", "s"],
        &["SCARD", "s"],
        &["SISMEMBER", "s", "a"],
        &["SISMEMBER", "s", "z"],
        &["SMISMEMBER", "s", "a", "z", "1"],
        &["SREM", "s", "a", "z"],
        &["SCARD", "nokey"],
        &["SPOP", "nokey"],
        &["SPOP", "nokey", "2"],
        &["SPOP", "s", "-1"],
        &["SPOP", "s", "0"],
        &["SRANDMEMBER", "nokey"],
        &["SRANDMEMBER", "nokey", "5"],
        &["SMOVE", "ints", "moved", "2"],
        &["SMOVE", "ints", "moved", "99"],
        &["SMOVE", "nokey", "moved", "1"],
        &["SINTERCARD", "0", "s"],
        &["SINTERCARD", "2", "s", "ints", "LIMIT", "-1"],
        &["SINTERCARD", "2", "s", "ints", "LIMIT", "1"],
        &["SINTERSTORE", "dst", "ints", "nokey"],
        &["EXISTS", "dst"],
        &["SSCAN", "ints", "0"],
        &["SET", "str", "v"],
        &["SADD", "str", "a"],
        &["SINTER", "s", "str"],
        &["SMOVE", "s", "str", "b"],
        &["DEBUG", "DIGEST"],
    ];
    for cmd in ordered {
        t.same(cmd);
    }
    let unordered: &[&[&str]] = &[
        &["SMEMBERS", "s"],
        &["SADD", "t", "b", "c", "d", "1"],
        &["SINTER", "s", "t"],
        &["SUNION", "s", "t", "ints"],
        &["SDIFF", "t", "s"],
        &["SINTERSTORE", "i", "s", "t"],
        &["SUNIONSTORE", "u", "s", "t", "ints"],
        &["SDIFFSTORE", "d", "t", "s"],
        &["SMEMBERS", "u"],
        &["SMEMBERS", "d"],
        &["SINTERCARD", "2", "s", "t"],
    ];
    for cmd in unordered {
        t.same_unordered(cmd);
    }
    t.same(&["DEBUG", "DIGEST"]);
    // Growing past set-max-intset-entries converts to a table, as in Redis.
    let mut args: Vec<String> = vec!["SADD".into(), "many".into()];
    args.extend((0..600).map(|i| i.to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    t.same(&a);
    t.same(&["OBJECT", "ENCODING", "many"]);
    t.same(&["SCARD", "many"]);
    t.same(&["DEBUG", "DIGEST"]);
}

#[test]
fn spop_and_srandmember_return_members_and_shrink_the_set() {
    let s = Server::start(&[]);
    let mut c = s.conn();
    let _: i64 = redis::cmd("SADD")
        .arg("s")
        .arg(&["a", "b", "c", "d", "e"])
        .query(&mut c)
        .unwrap();
    let popped: Vec<String> = redis::cmd("SPOP").arg("s").arg(2).query(&mut c).unwrap();
    assert_eq!(popped.len(), 2);
    let card: i64 = redis::cmd("SCARD").arg("s").query(&mut c).unwrap();
    assert_eq!(card, 3);
    let some: Vec<String> = redis::cmd("SRANDMEMBER")
        .arg("s")
        .arg(-10)
        .query(&mut c)
        .unwrap();
    assert_eq!(some.len(), 10, "a negative count allows repeats");
    let distinct: Vec<String> = redis::cmd("SRANDMEMBER")
        .arg("s")
        .arg(10)
        .query(&mut c)
        .unwrap();
    assert_eq!(distinct.len(), 3);
    let rest: Vec<String> = redis::cmd("SPOP").arg("s").arg(10).query(&mut c).unwrap();
    assert_eq!(rest.len(), 3);
    let exists: i64 = redis::cmd("EXISTS").arg("s").query(&mut c).unwrap();
    assert_eq!(exists, 0, "an emptied set no longer exists");
}

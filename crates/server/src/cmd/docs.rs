//! COMMAND DOCS arguments. Each command's syntax is written once, as Redis's documentation
//! writes it (`key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]`), and turned into
//! the nested argument maps that redis-cli renders as its typing hints.

use super::Ctx;

/// Syntax of the arguments after the command name, by full command name.
static SYNTAX: &[(&str, &str)] = &[
    ("get", "key"),
    (
        "set",
        "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
    ),
    ("setnx", "key value"),
    ("setex", "key seconds value"),
    ("psetex", "key milliseconds value"),
    ("getset", "key value"),
    ("getdel", "key"),
    (
        "getex",
        "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]",
    ),
    ("mget", "key [key ...]"),
    ("mset", "key value [key value ...]"),
    ("msetnx", "key value [key value ...]"),
    ("incr", "key"),
    ("decr", "key"),
    ("incrby", "key increment"),
    ("decrby", "key decrement"),
    ("incrbyfloat", "key increment"),
    ("append", "key value"),
    ("strlen", "key"),
    ("getrange", "key start end"),
    ("substr", "key start end"),
    ("setrange", "key offset value"),
    ("setbit", "key offset value"),
    ("getbit", "key offset"),
    ("bitcount", "key [start end [BYTE|BIT]]"),
    ("bitpos", "key bit [start [end [BYTE|BIT]]]"),
    (
        "lcs",
        "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
    ),
    ("lpush", "key element [element ...]"),
    ("rpush", "key element [element ...]"),
    ("lpushx", "key element [element ...]"),
    ("rpushx", "key element [element ...]"),
    ("lpop", "key [count]"),
    ("rpop", "key [count]"),
    ("llen", "key"),
    ("lrange", "key start stop"),
    ("lindex", "key index"),
    ("lset", "key index element"),
    ("linsert", "key BEFORE|AFTER pivot element"),
    ("lrem", "key count element"),
    ("ltrim", "key start stop"),
    (
        "lpos",
        "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
    ),
    ("lmove", "source destination LEFT|RIGHT LEFT|RIGHT"),
    ("rpoplpush", "source destination"),
    ("lmpop", "numkeys key [key ...] LEFT|RIGHT [COUNT count]"),
    ("blpop", "key [key ...] timeout"),
    ("brpop", "key [key ...] timeout"),
    ("blmove", "source destination LEFT|RIGHT LEFT|RIGHT timeout"),
    ("brpoplpush", "source destination timeout"),
    (
        "blmpop",
        "timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]",
    ),
    ("hset", "key field value [field value ...]"),
    ("hmset", "key field value [field value ...]"),
    ("hsetnx", "key field value"),
    ("hget", "key field"),
    ("hmget", "key field [field ...]"),
    ("hdel", "key field [field ...]"),
    ("hlen", "key"),
    ("hexists", "key field"),
    ("hstrlen", "key field"),
    ("hgetall", "key"),
    ("hkeys", "key"),
    ("hvals", "key"),
    ("hincrby", "key field increment"),
    ("hincrbyfloat", "key field increment"),
    ("hscan", "key cursor [MATCH pattern] [COUNT count]"),
    ("hrandfield", "key [count [WITHVALUES]]"),
    ("sadd", "key member [member ...]"),
    ("srem", "key member [member ...]"),
    ("scard", "key"),
    ("sismember", "key member"),
    ("smismember", "key member [member ...]"),
    ("smembers", "key"),
    ("spop", "key [count]"),
    ("srandmember", "key [count]"),
    ("smove", "source destination member"),
    ("sinter", "key [key ...]"),
    ("sintercard", "numkeys key [key ...] [LIMIT limit]"),
    ("sinterstore", "destination key [key ...]"),
    ("sunion", "key [key ...]"),
    ("sunionstore", "destination key [key ...]"),
    ("sdiff", "key [key ...]"),
    ("sdiffstore", "destination key [key ...]"),
    ("sscan", "key cursor [MATCH pattern] [COUNT count]"),
    ("del", "key [key ...]"),
    ("unlink", "key [key ...]"),
    ("exists", "key [key ...]"),
    ("type", "key"),
    ("keys", "pattern"),
    ("scan", "cursor [MATCH pattern] [COUNT count] [TYPE type]"),
    ("randomkey", ""),
    ("rename", "key newkey"),
    ("renamenx", "key newkey"),
    ("copy", "source destination [DB destination-db] [REPLACE]"),
    ("move", "key db"),
    ("touch", "key [key ...]"),
    ("object|encoding", "key"),
    ("object|refcount", "key"),
    ("object|idletime", "key"),
    ("object|freq", "key"),
    ("expire", "key seconds [NX|XX|GT|LT]"),
    ("pexpire", "key milliseconds [NX|XX|GT|LT]"),
    ("expireat", "key unix-time-seconds [NX|XX|GT|LT]"),
    ("pexpireat", "key unix-time-milliseconds [NX|XX|GT|LT]"),
    ("ttl", "key"),
    ("pttl", "key"),
    ("expiretime", "key"),
    ("pexpiretime", "key"),
    ("persist", "key"),
    ("dbsize", ""),
    ("select", "index"),
    ("swapdb", "index1 index2"),
    ("flushdb", "[ASYNC|SYNC]"),
    ("flushall", "[ASYNC|SYNC]"),
    ("multi", ""),
    ("exec", ""),
    ("discard", ""),
    ("watch", "key [key ...]"),
    ("unwatch", ""),
    ("subscribe", "channel [channel ...]"),
    ("unsubscribe", "[channel [channel ...]]"),
    ("psubscribe", "pattern [pattern ...]"),
    ("punsubscribe", "[pattern [pattern ...]]"),
    ("publish", "channel message"),
    ("pubsub|channels", "[pattern]"),
    ("pubsub|numsub", "[channel [channel ...]]"),
    ("ping", "[message]"),
    ("echo", "message"),
    ("auth", "[username] password"),
    (
        "hello",
        "[protover [AUTH username password] [SETNAME clientname]]",
    ),
    ("info", "[section [section ...]]"),
    ("shutdown", "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]"),
    ("config|get", "parameter [parameter ...]"),
    ("config|set", "parameter value [parameter value ...]"),
    (
        "client|kill",
        "[ip:port] [ID client-id] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no] [MAXAGE maxage]",
    ),
    (
        "client|list",
        "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]",
    ),
    ("client|setname", "connection-name"),
    ("client|pause", "timeout [WRITE|ALL]"),
    ("client|reply", "ON|OFF|SKIP"),
    ("client|no-evict", "ON|OFF"),
    ("client|unblock", "client-id [TIMEOUT|ERROR]"),
    ("slowlog|get", "[count]"),
    ("latency|history", "event"),
    ("latency|reset", "[event [event ...]]"),
    ("memory|usage", "key [SAMPLES count]"),
    ("command|info", "[command-name [command-name ...]]"),
    ("command|docs", "[command-name [command-name ...]]"),
    ("command|getkeys", "command [arg [arg ...]]"),
    ("debug", "subcommand [argument [argument ...]]"),
    ("pfadd", "key [element [element ...]]"),
    ("pfcount", "key [key ...]"),
    ("pfmerge", "destkey sourcekey [sourcekey ...]"),
    ("pfdebug", "subcommand key"),
    ("pfselftest", ""),
    (
        "zadd",
        "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]",
    ),
    ("zincrby", "key increment member"),
    ("zrem", "key member [member ...]"),
    ("zcard", "key"),
    ("zscore", "key member"),
    ("zmscore", "key member [member ...]"),
    ("zrank", "key member"),
    ("zrevrank", "key member"),
    ("zcount", "key min max"),
    ("zlexcount", "key min max"),
    (
        "zrange",
        "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
    ),
    (
        "zrangestore",
        "dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]",
    ),
    (
        "zrangebyscore",
        "key min max [WITHSCORES] [LIMIT offset count]",
    ),
    (
        "zrevrangebyscore",
        "key max min [WITHSCORES] [LIMIT offset count]",
    ),
    ("zrangebylex", "key min max [LIMIT offset count]"),
    ("zrevrangebylex", "key max min [LIMIT offset count]"),
    ("zrevrange", "key start stop [WITHSCORES]"),
    ("zpopmin", "key [count]"),
    ("zpopmax", "key [count]"),
    ("zmpop", "numkeys key [key ...] MIN|MAX [COUNT count]"),
    ("zrandmember", "key [count [WITHSCORES]]"),
    ("zremrangebyrank", "key start stop"),
    ("zremrangebyscore", "key min max"),
    ("zremrangebylex", "key min max"),
    (
        "zunion",
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]",
    ),
    (
        "zinter",
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]",
    ),
    ("zdiff", "numkeys key [key ...] [WITHSCORES]"),
    (
        "zunionstore",
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]",
    ),
    (
        "zinterstore",
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]",
    ),
    ("zdiffstore", "destination numkeys key [key ...]"),
    ("zintercard", "numkeys key [key ...] [LIMIT limit]"),
    ("zscan", "key cursor [MATCH pattern] [COUNT count]"),
    ("bzpopmin", "key [key ...] timeout"),
    ("bzpopmax", "key [key ...] timeout"),
    (
        "bzmpop",
        "timeout numkeys key [key ...] MIN|MAX [COUNT count]",
    ),
];

/// One documented argument, as COMMAND DOCS describes it.
#[derive(Debug, Clone, PartialEq)]
struct Arg {
    name: String,
    kind: &'static str,
    token: Option<String>,
    optional: bool,
    multiple: bool,
    children: Vec<Arg>,
}

impl Arg {
    fn leaf(name: &str) -> Arg {
        Arg {
            name: name.to_string(),
            kind: kind_of(name),
            token: None,
            optional: false,
            multiple: false,
            children: Vec::new(),
        }
    }
}

/// The argument type a name suggests (as in Redis's JSON command files).
fn kind_of(name: &str) -> &'static str {
    match name {
        "key" | "key1" | "key2" | "newkey" | "source" | "destination" | "destkey" | "sourcekey"
        | "dst" | "src" => "key",
        "pattern" => "pattern",
        "unix-time-seconds" | "unix-time-milliseconds" => "unix-time",
        "seconds" | "milliseconds" | "count" | "offset" | "start" | "end" | "index" | "index1"
        | "index2" | "db" | "destination-db" | "increment" | "decrement" | "timeout" | "bit"
        | "min-match-len" | "maxage" | "client-id" | "protover" | "cursor" | "stop" | "rank"
        | "num-matches" | "len" | "limit" | "numkeys" | "weight" => "integer",
        "score" | "min" | "max" => "double",
        _ => "string",
    }
}

fn is_token(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_uppercase()) && !word.chars().any(|c| c.is_ascii_lowercase())
}

/// Parses a syntax string into arguments.
fn parse(syntax: &str) -> Vec<Arg> {
    let spaced = syntax
        .replace('[', " [ ")
        .replace(']', " ] ")
        .replace('|', " | ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    parse_seq(&words, &mut pos)
}

/// A sequence up to `]` or the end; `a|b` inside it makes a oneof.
fn parse_seq(words: &[&str], pos: &mut usize) -> Vec<Arg> {
    let mut alternatives: Vec<Vec<Arg>> = vec![Vec::new()];
    while *pos < words.len() {
        let w = words[*pos];
        match w {
            "]" => break,
            "|" => {
                *pos += 1;
                alternatives.push(Vec::new());
            }
            "[" => {
                *pos += 1;
                let inner = parse_seq(words, pos);
                *pos += 1; // the closing ']'
                let current = alternatives.last_mut().expect("at least one alternative");
                // `x [x ...]`: the bracket repeats the previous argument.
                if inner.last().is_some_and(|a| a.name == "...") {
                    // `x [x ...]` or `k v [k v ...]`: the bracket repeats the arguments before it.
                    let k = (inner.len() - 1).clamp(1, current.len().max(1));
                    let start = current.len().saturating_sub(k);
                    let repeated: Vec<Arg> = current.drain(start..).collect();
                    let mut group = group_of(repeated);
                    group.multiple = true;
                    current.push(group);
                    continue;
                }
                let mut group = group_of(inner);
                group.optional = true;
                current.push(group);
            }
            "..." => {
                *pos += 1;
                alternatives
                    .last_mut()
                    .expect("alternative")
                    .push(Arg::leaf("..."));
            }
            _ => {
                *pos += 1;
                let mut arg = if is_token(w) {
                    let value = words
                        .get(*pos)
                        .filter(|n| !is_token(n) && !["[", "]", "|", "..."].contains(*n));
                    match value {
                        Some(v) => {
                            *pos += 1;
                            let mut a = Arg::leaf(&v.to_ascii_lowercase());
                            a.token = Some(w.to_string());
                            a
                        }
                        None => Arg {
                            kind: "pure-token",
                            token: Some(w.to_string()),
                            ..Arg::leaf(&w.to_ascii_lowercase())
                        },
                    }
                } else {
                    Arg::leaf(w)
                };
                arg.name = arg.name.replace('/', "-");
                alternatives.last_mut().expect("alternative").push(arg);
            }
        }
    }
    if alternatives.len() == 1 {
        return alternatives.pop().unwrap_or_default();
    }
    let options: Vec<Arg> = alternatives.into_iter().map(group_of).collect();
    let name = options
        .iter()
        .map(|o| o.name.clone())
        .collect::<Vec<_>>()
        .join("-");
    vec![Arg {
        name,
        kind: "oneof",
        token: None,
        optional: false,
        multiple: false,
        children: options,
    }]
}

/// Several arguments in sequence become one block; one stays itself.
fn group_of(mut args: Vec<Arg>) -> Arg {
    if args.len() == 1 {
        return args.pop().expect("one argument");
    }
    Arg {
        name: args.first().map(|a| a.name.clone()).unwrap_or_default(),
        kind: "block",
        token: None,
        optional: false,
        multiple: false,
        children: args,
    }
}

fn write_arg(ctx: &mut Ctx, a: &Arg) {
    let mut flags = Vec::new();
    if a.optional {
        flags.push("optional");
    }
    if a.multiple {
        flags.push("multiple");
    }
    let fields = 2
        + a.token.is_some() as usize
        + !flags.is_empty() as usize
        + !a.children.is_empty() as usize;
    ctx.map(fields);
    ctx.bulk(b"name");
    ctx.bulk(a.name.as_bytes());
    ctx.bulk(b"type");
    ctx.bulk(a.kind.as_bytes());
    if let Some(t) = &a.token {
        ctx.bulk(b"token");
        ctx.bulk(t.as_bytes());
    }
    if !flags.is_empty() {
        ctx.bulk(b"flags");
        ctx.set_len(flags.len());
        for f in flags {
            ctx.simple(f);
        }
    }
    if !a.children.is_empty() {
        ctx.bulk(b"arguments");
        ctx.array(a.children.len());
        for c in &a.children {
            write_arg(ctx, c);
        }
    }
}

/// True when the command has documented arguments.
pub fn has_arguments(name: &str) -> bool {
    SYNTAX.iter().any(|(n, s)| *n == name && !s.is_empty())
}

/// Writes the `arguments` array of a command's docs.
pub fn write_arguments(ctx: &mut Ctx, name: &str) {
    let syntax = SYNTAX
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, s)| s);
    let args = parse(syntax);
    ctx.array(args.len());
    for a in &args {
        write_arg(ctx, a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders arguments the way redis-cli renders its hints.
    fn hint(args: &[Arg], sep: &str) -> String {
        args.iter().map(render).collect::<Vec<_>>().join(sep)
    }

    fn render(a: &Arg) -> String {
        let token = a
            .token
            .as_ref()
            .map(|t| format!("{t} "))
            .unwrap_or_default();
        let repeat = match a.kind {
            "oneof" => hint(&a.children, "|"),
            "block" => hint(&a.children, " "),
            "pure-token" => String::new(),
            _ => a.name.clone(),
        };
        let mut s = format!("{token}{repeat}").trim_end().to_string();
        if a.multiple {
            s = format!("{s} [{repeat} ...]");
        }
        if a.optional { format!("[{s}]") } else { s }
    }

    #[test]
    fn syntax_round_trips_through_redis_cli_rendering() {
        for (name, syntax) in SYNTAX {
            if syntax.contains("ip:port] [ID") {
                continue; // CLIENT KILL's legacy form is documented apart.
            }
            let rendered = hint(&parse(syntax), " ");
            assert_eq!(&rendered, syntax, "{name}");
        }
    }
}

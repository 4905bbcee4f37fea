//! Golden tests against the real thing: a `redis-server` (7.0) fills a keyspace with every
//! type in its small and large encodings, TTLs, a second database and a function library,
//! then `SAVE`s; our reader must read back exactly that data, from the file and from `DUMP`
//! payloads. And every listpack Redis wrote must be what our `listpack::Builder` writes for
//! the same elements, byte for byte (Redis loads the server's listpacks as they are).
//!
//! Skipped, with a note, when `redis-server` is not installed.

use ferrodis_rdb::{Object, Reader, Record, dump, listpack};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// A redis-server child, killed (by its pid) when dropped.
struct Server {
    child: Child,
    dir: PathBuf,
    conn: BufReader<TcpStream>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug, PartialEq)]
enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

impl Server {
    fn start(name: &str) -> Option<Server> {
        if !std::path::Path::new(REDIS_SERVER).exists() {
            eprintln!("note: {REDIS_SERVER} not found, skipping the golden test {name}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("ferrodis-rdb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(REDIS_SERVER)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&dir)
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => panic!("redis-server did not start: {e}"),
            }
        };
        Some(Server {
            child,
            dir,
            conn: BufReader::new(stream),
        })
    }

    fn cmd(&mut self, args: &[&[u8]]) -> Reply {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.conn.get_mut().write_all(&out).unwrap();
        let reply = self.reply();
        if let Reply::Error(e) = &reply {
            panic!("{:?}: {e}", String::from_utf8_lossy(args[0]));
        }
        reply
    }

    fn ok(&mut self, args: &[&str]) {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd(&args);
    }

    fn reply(&mut self) -> Reply {
        let mut line = Vec::new();
        self.conn.read_until(b'\n', &mut line).unwrap();
        let text = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
        match line[0] {
            b'+' => Reply::Status(text),
            b'-' => Reply::Error(text),
            b':' => Reply::Int(text.parse().unwrap()),
            b'$' => {
                let n: i64 = text.parse().unwrap();
                if n < 0 {
                    return Reply::Bulk(None);
                }
                let mut data = vec![0u8; n as usize + 2];
                std::io::Read::read_exact(&mut self.conn, &mut data).unwrap();
                data.truncate(n as usize);
                Reply::Bulk(Some(data))
            }
            b'*' => {
                let n: i64 = text.parse().unwrap();
                Reply::Array((0..n.max(0)).map(|_| self.reply()).collect())
            }
            other => panic!("unexpected reply byte {other}"),
        }
    }

    fn dump(&mut self, key: &[u8]) -> Vec<u8> {
        match self.cmd(&[b"DUMP", key]) {
            Reply::Bulk(Some(payload)) => payload,
            other => panic!("DUMP {key:?}: {other:?}"),
        }
    }
}

/// A value in a form where two equal keyspaces compare equal (sets, hashes and sorted sets
/// sorted; lists keep their order).
#[derive(Debug, PartialEq, Clone)]
enum Value {
    String(Vec<u8>),
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    ZSet(Vec<(Vec<u8>, f64)>),
}

fn normalize(o: Object) -> Value {
    match o {
        Object::String(s) => Value::String(s),
        Object::List(l) => Value::List(l),
        Object::Set(mut s) => {
            s.sort();
            Value::Set(s)
        }
        Object::Hash(h) => {
            let mut pairs: Vec<_> = h
                .into_iter()
                .map(|f| {
                    assert_eq!(f.expire_at_ms, None);
                    (f.field, f.value)
                })
                .collect();
            pairs.sort();
            Value::Hash(pairs)
        }
        Object::ZSet(mut z) => {
            z.sort_by(|a, b| a.0.cmp(&b.0));
            Value::ZSet(z)
        }
    }
}

/// Deterministic bytes that do not compress.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 56) as u8
        })
        .collect()
}

type Keyspace = BTreeMap<(u64, Vec<u8>), (Value, Option<i64>)>;

/// Fills the server and returns what it now holds.
fn fill(server: &mut Server) -> Keyspace {
    let mut want = Keyspace::new();
    let mut put = |db: u64, key: &str, v: Value, ttl: Option<i64>| {
        want.insert((db, key.as_bytes().to_vec()), (v, ttl));
    };
    let s = |x: &str| x.as_bytes().to_vec();

    // Strings: raw, int-encoded, LZF-compressible, incompressible and large, binary.
    let strings: Vec<(&str, Vec<u8>)> = vec![
        ("str:small", s("hello")),
        ("str:int", s("12345")),
        ("str:neg", s("-7")),
        ("str:i8", s("-128")),
        ("str:i32", s("2147483647")),
        ("str:i64", s("123456789012")),
        ("str:lead0", s("007")),
        ("str:empty", s("")),
        ("str:lzf", b"abc".repeat(400)),
        ("str:noise", noise(200_000, 1)),
        ("str:binary", vec![0, 255, 13, 10, 0]),
    ];
    for (k, v) in &strings {
        server.cmd(&[b"SET", k.as_bytes(), v]);
        put(0, k, Value::String(v.clone()), None);
    }

    // Lists: one listpack node of every element width; many nodes; big elements.
    let widths: Vec<Vec<u8>> = [
        "a",
        "1",
        "-1",
        "300",
        "127",
        "128",
        "-4096",
        "4095",
        "-4097",
        "32767",
        "-32768",
        "32768",
        "8388607",
        "-8388608",
        "8388608",
        "2147483647",
        "-2147483648",
        "2147483648",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "01",
        "-0",
        "+1",
        " 1",
        "1.5",
    ]
    .iter()
    .map(|x| s(x))
    .chain([
        vec![b'x'; 63],
        vec![b'y'; 64],
        vec![b'z'; 4095],
        vec![b'w'; 4096],
    ])
    .collect();
    let mut args: Vec<&[u8]> = vec![b"RPUSH", b"list:small"];
    args.extend(widths.iter().map(Vec::as_slice));
    server.cmd(&args);
    put(0, "list:small", Value::List(widths.clone()), None);

    let many: Vec<Vec<u8>> = (0..3000)
        .map(|i| format!("elem-{i}").into_bytes())
        .collect();
    for chunk in many.chunks(500) {
        let mut args: Vec<&[u8]> = vec![b"RPUSH", b"list:big"];
        args.extend(chunk.iter().map(Vec::as_slice));
        server.cmd(&args);
    }
    put(0, "list:big", Value::List(many), None);
    let bigs: Vec<Vec<u8>> = (0..3).map(|i| noise(20_000, 10 + i)).collect();
    server.cmd(&[b"RPUSH", b"list:bigelems", &bigs[0], &bigs[1], &bigs[2]]);
    put(0, "list:bigelems", Value::List(bigs), None);

    // Sets: intset (16/32/64-bit), hashtable of strings, hashtable of many ints.
    server.ok(&["SADD", "set:int16", "3", "1", "2", "-5"]);
    put(
        0,
        "set:int16",
        Value::Set(vec![s("-5"), s("1"), s("2"), s("3")]),
        None,
    );
    server.ok(&["SADD", "set:int64", "1", "5000000000", "-70000"]);
    put(
        0,
        "set:int64",
        Value::Set(vec![s("-70000"), s("1"), s("5000000000")]),
        None,
    );
    server.ok(&["SADD", "set:str", "a", "b", "c"]);
    put(0, "set:str", Value::Set(vec![s("a"), s("b"), s("c")]), None);
    let ints: Vec<String> = (0..600).map(|i| (i * 7).to_string()).collect();
    let mut args: Vec<&[u8]> = vec![b"SADD", b"set:bigint"];
    args.extend(ints.iter().map(|x| x.as_bytes()));
    server.cmd(&args);
    let mut sorted: Vec<Vec<u8>> = ints.iter().map(|x| s(x)).collect();
    sorted.sort();
    put(0, "set:bigint", Value::Set(sorted), None);

    // Sorted sets: listpack, skiplist.
    server.ok(&[
        "ZADD",
        "zset:small",
        "1",
        "a",
        "1.5",
        "b",
        "-inf",
        "c",
        "100",
        "d",
        "0.1",
        "e",
    ]);
    put(
        0,
        "zset:small",
        Value::ZSet(vec![
            (s("a"), 1.0),
            (s("b"), 1.5),
            (s("c"), f64::NEG_INFINITY),
            (s("d"), 100.0),
            (s("e"), 0.1),
        ]),
        None,
    );
    let mut zbig = Vec::new();
    for i in 0..200 {
        let member = format!("member-{i:03}");
        let score = i as f64 * 0.5 - 7.25;
        server.ok(&["ZADD", "zset:big", &score.to_string(), &member]);
        zbig.push((member.into_bytes(), score));
    }
    put(0, "zset:big", Value::ZSet(zbig), None);

    // Hashes: listpack, hashtable by count, hashtable by value size.
    server.ok(&["HSET", "hash:small", "f1", "v1", "f2", "2", "f3", "-300"]);
    put(
        0,
        "hash:small",
        Value::Hash(vec![
            (s("f1"), s("v1")),
            (s("f2"), s("2")),
            (s("f3"), s("-300")),
        ]),
        None,
    );
    let mut hbig = Vec::new();
    for i in 0..200 {
        let (f, v) = (format!("field-{i:03}"), format!("value-{i}"));
        server.ok(&["HSET", "hash:big", &f, &v]);
        hbig.push((f.into_bytes(), v.into_bytes()));
    }
    put(0, "hash:big", Value::Hash(hbig), None);
    let long = "v".repeat(100);
    server.ok(&["HSET", "hash:longval", "f", &long]);
    put(
        0,
        "hash:longval",
        Value::Hash(vec![(s("f"), s(&long))]),
        None,
    );

    // TTLs, a second database.
    let at = 4_102_444_800_000i64; // 2100-01-01
    for (k, ttl) in [
        ("str:small", at),
        ("list:small", at + 1),
        ("hash:big", at + 2),
    ] {
        server.ok(&["PEXPIREAT", k, &ttl.to_string()]);
        want.get_mut(&(0, s(k))).unwrap().1 = Some(ttl);
    }
    server.ok(&["SELECT", "1"]);
    server.ok(&["SET", "db1:key", "in db 1"]);
    want.insert((1, s("db1:key")), (Value::String(s("in db 1")), None));
    server.ok(&["SELECT", "0"]);
    want
}

const LIBRARY: &str =
    "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)";

#[test]
fn reads_what_redis_saves() {
    let Some(mut server) = Server::start("save") else {
        return;
    };
    let want = fill(&mut server);
    server.ok(&["FUNCTION", "LOAD", LIBRARY]);
    server.ok(&["SAVE"]);

    let file = std::fs::File::open(server.dir.join("dump.rdb")).unwrap();
    let mut reader = Reader::new(file).unwrap();
    assert_eq!(reader.version(), 10);
    let mut got = Keyspace::new();
    let mut db = 0;
    let mut functions = Vec::new();
    let mut aux = BTreeMap::new();
    loop {
        match reader.next_record().unwrap() {
            Record::Aux { key, value } => {
                aux.insert(key, value);
            }
            Record::SelectDb(n) => db = n,
            Record::ResizeDb { .. } => {}
            Record::Function(code) => functions.push(code),
            Record::Key(k) => {
                got.insert((db, k.key), (normalize(k.value), k.expire_at_ms));
            }
            Record::Eof => break,
        }
    }
    assert_eq!(reader.empty_keys_skipped(), 0);
    assert!(aux.contains_key(b"redis-ver".as_slice()));
    assert_eq!(functions, vec![LIBRARY.as_bytes().to_vec()]);
    let want: Keyspace = want
        .into_iter()
        .map(|(k, (v, ttl))| (k, (normalize_value(v), ttl)))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, v) in &want {
        assert_eq!(
            got.get(k),
            Some(v),
            "key {:?}",
            String::from_utf8_lossy(&k.1)
        );
    }
}

/// The expected values, sorted the way `normalize` sorts what was read.
fn normalize_value(v: Value) -> Value {
    match v {
        Value::Set(mut s) => {
            s.sort();
            Value::Set(s)
        }
        Value::Hash(mut h) => {
            h.sort();
            Value::Hash(h)
        }
        Value::ZSet(mut z) => {
            z.sort_by(|a, b| a.0.cmp(&b.0));
            Value::ZSet(z)
        }
        other => other,
    }
}

#[test]
fn reads_what_redis_dumps_and_writes_the_same_listpacks() {
    let Some(mut server) = Server::start("dump") else {
        return;
    };
    let want = fill(&mut server);
    for compression in ["yes", "no"] {
        server.ok(&["CONFIG", "SET", "rdbcompression", compression]);
        for ((db, key), (value, _)) in &want {
            server.ok(&["SELECT", &db.to_string()]);
            let payload = server.dump(key);
            let (version, body) = dump::open(&payload).unwrap();
            let (&type_byte, object) = body.split_first().unwrap();
            let mut reader = Reader::without_header(object, version);
            let got = reader.read_object(type_byte).unwrap();
            assert_eq!(
                reader.offset(),
                object.len() as u64,
                "{key:?}: trailing bytes"
            );
            assert_eq!(
                normalize(got),
                normalize_value(value.clone()),
                "key {:?}",
                String::from_utf8_lossy(key)
            );
            if compression == "no" {
                check_listpacks(type_byte, object, key);
            }
        }
    }
}

/// Every listpack in an uncompressed DUMP body must be what `Builder` makes of its elements.
fn check_listpacks(type_byte: u8, mut body: &[u8], key: &[u8]) {
    let blobs: Vec<&[u8]> = match type_byte {
        // Hash, zset and set listpacks: one string.
        16 | 17 | 20 => vec![take_string(&mut body)],
        // Quicklist 2: nodes of (container, string).
        18 => {
            let nodes = take_len(&mut body);
            (0..nodes)
                .filter_map(|_| {
                    let container = take_len(&mut body);
                    let blob = take_string(&mut body);
                    (container == 2).then_some(blob)
                })
                .collect()
        }
        _ => return,
    };
    for blob in blobs {
        let mut builder = listpack::Builder::new();
        for item in listpack::decode(blob).unwrap() {
            builder.push(&item);
        }
        assert_eq!(
            builder.finish(),
            blob,
            "listpack of {:?} differs",
            String::from_utf8_lossy(key)
        );
    }
}

fn take_len(body: &mut &[u8]) -> u64 {
    let b = body[0];
    let (n, used) = match b >> 6 {
        0 => (u64::from(b & 0x3F), 1),
        1 => ((u64::from(b & 0x3F) << 8) | u64::from(body[1]), 2),
        _ if b == 0x80 => (
            u64::from(u32::from_be_bytes(body[1..5].try_into().unwrap())),
            5,
        ),
        _ => panic!("unexpected length byte {b:#x} in an uncompressed DUMP"),
    };
    *body = &body[used..];
    n
}

fn take_string<'a>(body: &mut &'a [u8]) -> &'a [u8] {
    let n = take_len(body) as usize;
    let (s, rest) = body.split_at(n);
    *body = rest;
    s
}

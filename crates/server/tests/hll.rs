//! HyperLogLog against a real redis-server 7.0: the same commands sent to both must give the same
//! replies and leave byte-identical strings (GET), before and after PFCOUNT writes its cached
//! cardinality, through the sparse encoding, its promotion to dense (by register value and by
//! hll-sparse-max-bytes) and the dense encoding; a HLL made by Redis counts the same here; and
//! the errors (a string that is not a HLL, a corrupted sparse one) have Redis's texts.
//!
//! Element sets are drawn from a seeded splitmix64, so a failure replays exactly.

mod common;

use common::{Server, error_of, reply};
use redis::{ConnectionLike, Value};

const HLL_WRONGTYPE: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const HLL_INVALID: &str = "INVALIDOBJ Corrupted HLL object detected";
/// The set sizes every differential test walks through: empty, sparse, around the promotion,
/// dense.
const SIZES: &[usize] = &[0, 1, 10, 100, 1000, 5000, 100_000];

/// splitmix64: small, seedable, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// An element: mostly distinct text, some binary, a few empty or repeated ones.
    fn element(&mut self, i: usize) -> Vec<u8> {
        match self.below(10) {
            0 => (0..self.below(24)).map(|_| self.next() as u8).collect(),
            1 => format!("dup:{}", self.below(50)).into_bytes(),
            2 if self.below(20) == 0 => Vec::new(),
            _ => format!("ele:{i}:{}", self.next() % 1000).into_bytes(),
        }
    }

    fn elements(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| self.element(i)).collect()
    }
}

/// ferrodis and redis-server side by side, one connection each.
struct Pair {
    _ferrodis: Server,
    _redis: Server,
    f: redis::Connection,
    r: redis::Connection,
}

fn pack(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl Pair {
    fn start(args: &[&str]) -> Pair {
        let ferrodis = Server::start(args);
        let redis = Server::start_redis(args);
        let f = ferrodis.conn();
        let r = redis.conn();
        Pair {
            _ferrodis: ferrodis,
            _redis: redis,
            f,
            r,
        }
    }

    /// Sends a command to both; the replies must be equal. Returns it.
    fn both(&mut self, args: &[&[u8]]) -> Value {
        let want = reply(&mut self.r, args);
        let got = reply(&mut self.f, args);
        assert_eq!(got, want, "{}", show(args));
        got
    }

    fn both_s(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.both(&raw)
    }

    /// Sends a batch of commands to both in one pipeline; every reply must be equal.
    fn pipeline(&mut self, cmds: &[Vec<&[u8]>]) {
        let mut packed = Vec::new();
        for c in cmds {
            pack(c, &mut packed);
        }
        let want = self
            .r
            .req_packed_commands(&packed, 0, cmds.len())
            .expect("redis");
        let got = self
            .f
            .req_packed_commands(&packed, 0, cmds.len())
            .expect("ferrodis");
        assert_eq!(want.len(), cmds.len());
        assert_eq!(got.len(), cmds.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "reply {i}: {}", show(&cmds[i]));
        }
    }

    /// GET on both; the bytes must be equal. Returns them.
    fn get(&mut self, key: &str) -> Vec<u8> {
        match self.both_s(&["GET", key]) {
            Value::BulkString(b) => b,
            Value::Nil => Vec::new(),
            other => panic!("GET {key}: {other:?}"),
        }
    }

    /// PFCOUNT on both, equal replies; the stored bytes equal before and after (the cache).
    fn count(&mut self, keys: &[&str]) -> i64 {
        for k in keys {
            self.get(k);
        }
        let mut args = vec!["PFCOUNT"];
        args.extend_from_slice(keys);
        let n = match self.both_s(&args) {
            Value::Int(n) => n,
            other => panic!("{args:?}: {other:?}"),
        };
        for k in keys {
            self.get(k);
        }
        n
    }

    /// PFADDs `elements` to `key` on both: one element per command at first (every register
    /// update shows in a reply), then commands of 1..64 elements, pipelined; GET and PFCOUNT
    /// are compared every few batches so the cache is invalidated and rewritten on the way.
    fn add_all(&mut self, key: &str, elements: &[Vec<u8>], rng: &mut Rng) {
        if elements.is_empty() {
            self.both_s(&["PFADD", key]);
            return;
        }
        let mut cmds: Vec<Vec<&[u8]>> = Vec::new();
        let mut i = 0;
        while i < elements.len() {
            let n = if i < 300 { 1 } else { 1 + rng.below(64) };
            let end = (i + n).min(elements.len());
            let mut c: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
            c.extend(elements[i..end].iter().map(|e| e.as_slice()));
            cmds.push(c);
            i = end;
        }
        for (b, batch) in cmds.chunks(100).enumerate() {
            self.pipeline(batch);
            if b % 5 == 0 {
                self.count(&[key]);
            }
        }
    }
}

fn show(args: &[&[u8]]) -> String {
    let words: Vec<String> = args
        .iter()
        .take(4)
        .map(|a| String::from_utf8_lossy(&a[..a.len().min(40)]).into_owned())
        .collect();
    format!("{} ({} args)", words.join(" "), args.len())
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        other => panic!("expected an integer, got {other:?}"),
    }
}

fn status(v: &Value) -> String {
    match v {
        Value::SimpleString(s) => s.clone(),
        Value::Okay => "OK".into(),
        other => panic!("expected a status, got {other:?}"),
    }
}

#[test]
fn pfadd_and_pfcount_build_redis_bytes_at_every_size() {
    let mut p = Pair::start(&[]);
    let mut rng = Rng(0x4859_4c4c);
    for &n in SIZES {
        let key = format!("hll:{n}");
        let elements = rng.elements(n);
        p.add_all(&key, &elements, &mut rng);
        let before = p.get(&key);
        assert_eq!(&before[..4], b"HYLL");
        let card = p.count(&[&key]);
        let after = p.get(&key);
        // PFCOUNT stored its answer as the (now valid) cached cardinality.
        assert_eq!(&after[8..16], &(card as u64).to_le_bytes(), "size {n}");
        let distinct = elements
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len() as i64;
        assert!(
            (card - distinct).abs() <= 2 + distinct / 50,
            "size {n}: {card} estimated for {distinct} distinct elements"
        );
        assert_eq!(before[16..], after[16..]);
        // A second PFCOUNT answers from the cache; adding nothing new keeps it valid.
        assert_eq!(p.count(&[&key]), card);
        if let Some(e) = elements.first() {
            assert_eq!(int(&p.both(&[b"PFADD", key.as_bytes(), e])), 0);
            assert_eq!(p.get(&key), after);
        }
        let encoding = p.both_s(&["PFDEBUG", "ENCODING", &key]);
        let expect = if n >= 5000 { "dense" } else { "sparse" };
        assert_eq!(status(&encoding), expect, "size {n}");
        p.both_s(&["OBJECT", "ENCODING", &key]);
    }
}

#[test]
fn promotion_follows_hll_sparse_max_bytes() {
    for max in ["0", "40", "500", "10000"] {
        let mut p = Pair::start(&["--hll-sparse-max-bytes", max]);
        let mut rng = Rng(0x5eed ^ max.len() as u64);
        for &n in &[1usize, 10, 100, 1000, 5000] {
            let key = format!("hll:{n}");
            let elements = rng.elements(n);
            p.add_all(&key, &elements, &mut rng);
            p.count(&[&key]);
            p.both_s(&["PFDEBUG", "ENCODING", &key]);
        }
    }
    // CONFIG SET applies to the next update of an existing sparse HLL.
    let mut p = Pair::start(&[]);
    let mut rng = Rng(77);
    let elements = rng.elements(200);
    p.add_all("k", &elements, &mut rng);
    p.both_s(&["CONFIG", "SET", "hll-sparse-max-bytes", "100"]);
    let more = rng.elements(20);
    p.add_all("k", &more, &mut rng);
    assert_eq!(status(&p.both_s(&["PFDEBUG", "ENCODING", "k"])), "dense");
}

/// Builds keys of every size on both servers, then merges them in many combinations.
#[test]
fn pfmerge_and_multi_key_pfcount_match_redis() {
    let mut p = Pair::start(&[]);
    let mut rng = Rng(0x6d_6572_6765);
    for &n in SIZES {
        let elements = rng.elements(n.min(20_000));
        p.add_all(&format!("src:{n}"), &elements, &mut rng);
    }
    let combos: &[&[&str]] = &[
        &["src:0"],
        &["src:1", "src:10"],
        &["src:10", "src:100", "src:1000"],
        &["src:1000", "src:1000"],
        &["src:100", "src:5000"],
        &["src:5000", "src:100000"],
        &["missing", "src:10"],
        &["missing"],
        &[],
    ];
    for (i, srcs) in combos.iter().enumerate() {
        let dest = format!("dest:{i}");
        let mut args = vec!["PFMERGE", dest.as_str()];
        args.extend_from_slice(srcs);
        assert_eq!(status(&p.both_s(&args)), "OK");
        p.get(&dest);
        p.count(&[&dest]);
        if !srcs.is_empty() {
            p.count(srcs);
        }
        p.both_s(&["PFDEBUG", "ENCODING", &dest]);
    }
    // Into an existing sparse destination, and into an existing dense one.
    for dest in ["src:10", "src:1000", "src:100000"] {
        for extra in [&["src:1"][..], &["src:100", "src:1000"], &["src:5000"]] {
            let mut args = vec!["PFMERGE", dest];
            args.extend_from_slice(extra);
            p.both_s(&args);
            p.count(&[dest]);
        }
    }
    // A union of many keys in one PFCOUNT.
    p.count(&[
        "src:0", "src:1", "src:10", "src:100", "src:1000", "src:5000",
    ]);
    p.count(&["missing", "missing2"]);
    // The destination alone.
    p.both_s(&["PFMERGE", "alone"]);
    p.get("alone");
    p.both_s(&["PFMERGE", "src:100"]);
    p.count(&["src:100"]);
}

/// A HLL made by Redis, copied byte for byte into ferrodis, counts the same and grows into the
/// same bytes.
#[test]
fn redis_made_hll_counts_the_same_here() {
    let redis = Server::start_redis(&[]);
    let ferrodis = Server::start(&[]);
    let mut r = redis.conn();
    let mut f = ferrodis.conn();
    let mut rng = Rng(0xc0_01);
    for &n in SIZES {
        let key = format!("hll:{n}");
        for chunk in rng.elements(n).chunks(1000) {
            let mut args: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
            args.extend(chunk.iter().map(|e| e.as_slice()));
            reply(&mut r, &args);
        }
        if n == 0 {
            reply(&mut r, &[b"PFADD", key.as_bytes()]);
        }
        for merged in [false, true] {
            // A merged copy (cache invalid, possibly other encoding) as well as the original.
            let src = if merged {
                let m = format!("merged:{n}");
                reply(&mut r, &[b"PFMERGE", m.as_bytes(), key.as_bytes()]);
                m
            } else {
                key.clone()
            };
            let Value::BulkString(bytes) = reply(&mut r, &[b"GET", src.as_bytes()]) else {
                panic!("GET {src}");
            };
            reply(&mut f, &[b"SET", src.as_bytes(), &bytes]);
            let want = reply(&mut r, &[b"PFCOUNT", src.as_bytes()]);
            assert_eq!(reply(&mut f, &[b"PFCOUNT", src.as_bytes()]), want, "{src}");
            let extra = rng.elements(50);
            for e in &extra {
                let args: &[&[u8]] = &[b"PFADD", src.as_bytes(), e];
                assert_eq!(reply(&mut f, args), reply(&mut r, args), "{src}");
            }
            let get: &[&[u8]] = &[b"GET", src.as_bytes()];
            assert_eq!(reply(&mut f, get), reply(&mut r, get), "{src}");
        }
    }
}

#[test]
fn wrong_strings_get_hll_wrongtype() {
    let mut p = Pair::start(&[]);
    let sparse_header = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0".to_vec();
    let mut bad_encoding = sparse_header.clone();
    bad_encoding[4] = 2;
    let mut short_dense = sparse_header.clone();
    short_dense[4] = 0;
    short_dense.extend_from_slice(&[0; 100]);
    let not_hll: &[&[u8]] = &[
        b"foo",
        b"12345",
        b"-9223372036854775808",
        b"",
        b"HYLL",
        b"HYLX\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff",
        &bad_encoding,
        &short_dense,
    ];
    for v in not_hll {
        p.both(&[b"SET", b"s", v]);
        for cmd in [
            &[&b"PFADD"[..], b"s", b"a"][..],
            &[b"PFADD", b"s"],
            &[b"PFCOUNT", b"s"],
            &[b"PFCOUNT", b"s", b"other"],
            &[b"PFMERGE", b"d", b"s"],
            &[b"PFMERGE", b"s", b"d"],
            &[b"PFDEBUG", b"ENCODING", b"s"],
        ] {
            let got = p.both(cmd);
            assert_eq!(error_of(&got).as_deref(), Some(HLL_WRONGTYPE), "{v:?}");
        }
        assert_eq!(p.get("s"), v.to_vec(), "not modified");
        p.both_s(&["OBJECT", "ENCODING", "s"]);
        p.both_s(&["EXISTS", "d"]);
    }
    // A header with no body passes the type check (with a valid cache it even counts).
    p.both(&[b"SET", b"h", &sparse_header]);
    assert_eq!(int(&p.both_s(&["PFCOUNT", "h"])), 0);
    let mut no_body = sparse_header.clone();
    no_body[15] = 0x80;
    p.both(&[b"SET", b"h", &no_body]);
    let got = p.both_s(&["PFCOUNT", "h"]);
    assert_eq!(error_of(&got).as_deref(), Some(HLL_INVALID));
    p.both_s(&["PFADD", "h", "a"]);
    p.both_s(&["PFDEBUG", "DECODE", "h"]);
    p.both_s(&["PFDEBUG", "nope", "h"]);
    p.both_s(&["PFDEBUG", "ENCODING", "nokey"]);
}

#[test]
fn corrupted_sparse_hlls_give_invalidobj_like_redis() {
    let mut p = Pair::start(&[]);
    let header = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
    let with = |body: &[u8]| {
        let mut v = header.clone();
        v.extend_from_slice(body);
        v
    };
    // (body, whether Redis finds it corrupted)
    let cases: Vec<(Vec<u8>, bool)> = vec![
        (with(b"\x7f\xff\x8c"), true), // Z:16384 v:4,1: a VAL past the last register
        (with(b"\x40\x00\x7f\xfe"), false), // Z:1 Z:16383: valid, if not canonical
        (with(b"\x40\xfe\x7f"), false), // Z:255, then an XZERO cut off: Redis reads its
        // string's terminating NUL, so Z:16129
        (with(b"\x7f\xfe"), true),         // Z:16383, one register short
        (with(b"\x7f\xff\x00"), true),     // one register too many
        (with(b"\x3f"), true),             // z:64
        (with(b"\x7f"), true),             // an XZERO cut off by the end
        (with(b"\x7f\xfc\x8f\x8f"), true), // Z:16381 v:4,4 v:4,4
        (with(b"\x40\x00\x7f\xfe\x8c"), true), // Z:1 Z:16383 v:4,1
        (with(b"\xff\xff\xff\xff"), true), // v:32,4 only
    ];
    for (v, corrupt) in &cases {
        p.both(&[b"SET", b"c", v]);
        let got = p.both_s(&["PFCOUNT", "c"]);
        let want = corrupt.then_some(HLL_INVALID);
        assert_eq!(error_of(&got).as_deref(), want, "{v:?}");
        p.both_s(&["PFCOUNT", "c", "c"]);
        p.both_s(&["PFMERGE", "d", "c"]);
        p.both_s(&["PFDEBUG", "DECODE", "c"]);
        p.both_s(&["PFADD", "c", "a", "b", "c", "d", "e"]);
        p.get("c");
        p.both_s(&["PFDEBUG", "TODENSE", "c"]);
        p.get("c");
        p.both_s(&["DEL", "c", "d"]);
    }
}

/// Whether the last opcode of a sparse body is an XZERO missing its second byte. Splitting such
/// an opcode makes Redis write the last byte of the new opcodes past the end of its string, where
/// it later reads that byte back as the missing one; ferrodis keeps no byte past the end and
/// reads 0 there. This is the one known way our bytes differ from Redis's, and only for a
/// string that was corrupted this way by hand.
fn ends_in_cut_xzero(body: &[u8]) -> bool {
    let mut p = 0;
    while p < body.len() {
        let xzero = body[p] & 0xc0 == 0x40;
        if xzero && p + 1 == body.len() {
            return true;
        }
        p += if xzero { 2 } else { 1 };
    }
    false
}

/// Random byte corruption of Redis-made sparse HLLs: every command must answer as Redis does
/// and leave the same bytes, whatever the opcodes say (but see `ends_in_cut_xzero`).
#[test]
fn randomly_corrupted_hlls_behave_like_redis() {
    let mut p = Pair::start(&[]);
    let mut rng = Rng(0xbad_b10b);
    for round in 0..150 {
        let n = [3usize, 20, 200][round % 3];
        let elements = rng.elements(n);
        p.both_s(&["DEL", "x"]);
        let mut args: Vec<&[u8]> = vec![b"PFADD", b"x"];
        args.extend(elements.iter().map(|e| e.as_slice()));
        p.both(&args);
        let mut v = p.get("x");
        for _ in 0..1 + rng.below(3) {
            let at = 16 + rng.below(v.len() - 16);
            v[at] = rng.next() as u8;
        }
        if rng.below(4) == 0 {
            v.truncate(16 + rng.below(v.len() - 16));
        }
        if ends_in_cut_xzero(&v[16..]) {
            v.push(rng.next() as u8);
        }
        p.both(&[b"SET", b"x", &v]);
        p.both_s(&["PFDEBUG", "DECODE", "x"]);
        let more = rng.elements(10);
        let mut args: Vec<&[u8]> = vec![b"PFADD", b"x"];
        args.extend(more.iter().map(|e| e.as_slice()));
        p.both(&args);
        p.get("x");
        p.both_s(&["PFCOUNT", "x"]);
        p.both_s(&["PFCOUNT", "x", "missing"]);
        p.both_s(&["PFMERGE", "y", "x"]);
        p.get("y");
        p.both_s(&["DEL", "y"]);
        p.get("x");
    }
}

/// A sparse body of random opcodes covering exactly the 16384 registers, in forms Redis itself
/// would not write (short XZEROs, runs of ZEROs, equal VALs side by side), so updates go
/// through every split and merge path.
fn random_sparse_body(rng: &mut Rng) -> Vec<u8> {
    let mut body = Vec::new();
    let mut left = 16384usize;
    while left > 0 {
        let op = rng.below(10);
        if op < 3 {
            let n = (1 + rng.below(64)).min(left);
            body.push((n - 1) as u8);
            left -= n;
        } else if op < 5 {
            let max = if rng.below(2) == 0 { 200 } else { 16384 };
            let n = (1 + rng.below(max)).min(left);
            body.push(((n - 1) >> 8) as u8 | 0x40);
            body.push((n - 1) as u8);
            left -= n;
        } else {
            let n = (1 + rng.below(4)).min(left);
            let max = if rng.below(2) == 0 { 4 } else { 32 };
            let v = 1 + rng.below(max);
            body.push(0x80 | ((v - 1) << 2) as u8 | (n - 1) as u8);
            left -= n;
        }
    }
    body
}

#[test]
fn non_canonical_sparse_hlls_are_updated_like_redis() {
    let mut p = Pair::start(&[]);
    let mut rng = Rng(0x0dd_0b5);
    for round in 0..60 {
        let mut v = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        v.extend(random_sparse_body(&mut rng));
        p.both(&[b"SET", b"x", &v]);
        p.count(&["x"]);
        p.both_s(&["PFMERGE", "m", "x"]);
        p.get("m");
        p.both_s(&["DEL", "m"]);
        let elements = rng.elements(20 + 20 * (round % 5));
        for chunk in elements.chunks(1 + rng.below(4)) {
            let mut args: Vec<&[u8]> = vec![b"PFADD", b"x"];
            args.extend(chunk.iter().map(|e| e.as_slice()));
            p.both(&args);
            p.get("x");
        }
        p.both_s(&["PFDEBUG", "DECODE", "x"]);
        p.count(&["x"]);
    }
}

#[test]
fn pfdebug_matches_redis() {
    let mut p = Pair::start(&[]);
    let mut rng = Rng(0xdeb);
    let elements = rng.elements(30);
    p.add_all("k", &elements, &mut rng);
    p.both_s(&["PFDEBUG", "DECODE", "k"]);
    p.both_s(&["PFDEBUG", "encoding", "k"]);
    p.both_s(&["PFDEBUG", "GETREG", "k"]);
    p.get("k");
    assert_eq!(status(&p.both_s(&["PFDEBUG", "ENCODING", "k"])), "dense");
    p.both_s(&["PFDEBUG", "DECODE", "k"]);
    p.both_s(&["PFDEBUG", "TODENSE", "k"]);
    p.both_s(&["PFADD", "k2", "a", "b"]);
    p.both_s(&["PFDEBUG", "TODENSE", "k2"]);
    p.get("k2");
    p.both_s(&["PFDEBUG", "ENCODING", "missing"]);
    p.both_s(&["PFDEBUG", "ENCODING"]);
    p.both_s(&["PFADD"]);
    p.both_s(&["PFCOUNT"]);
    p.both_s(&["PFMERGE"]);
}

#[test]
fn pfcount_cache_write_is_seen_by_watch() {
    let server = Server::start(&[]);
    let mut c = server.conn();
    let mut other = server.conn();
    reply(&mut c, &[b"PFADD", b"k", b"a", b"b", b"c"]);
    reply(&mut c, &[b"WATCH", b"k"]);
    // Redis signals the key when PFCOUNT rewrites its cache: the transaction aborts.
    assert_eq!(int(&reply(&mut other, &[b"PFCOUNT", b"k"])), 3);
    reply(&mut c, &[b"MULTI"]);
    reply(&mut c, &[b"PING"]);
    assert_eq!(reply(&mut c, &[b"EXEC"]), Value::Nil);
    // A cached answer changes nothing.
    reply(&mut c, &[b"WATCH", b"k"]);
    assert_eq!(int(&reply(&mut other, &[b"PFCOUNT", b"k"])), 3);
    reply(&mut c, &[b"MULTI"]);
    reply(&mut c, &[b"PING"]);
    assert!(matches!(reply(&mut c, &[b"EXEC"]), Value::Array(_)));
}

#[test]
fn command_info_matches_redis() {
    let mut p = Pair::start(&[]);
    for name in ["pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"] {
        let Value::Array(f) = p.f_cmd(&["COMMAND", "INFO", name]) else {
            panic!("COMMAND INFO {name}");
        };
        let Value::Array(r) = p.r_cmd(&["COMMAND", "INFO", name]) else {
            panic!("COMMAND INFO {name}");
        };
        let (Value::Array(f), Value::Array(r)) = (&f[0], &r[0]) else {
            panic!("COMMAND INFO {name} entry");
        };
        // Name, arity, flags, first key, last key, step.
        assert_eq!(f[..6], r[..6], "{name}");
    }
}

impl Pair {
    fn f_cmd(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        reply(&mut self.f, &raw)
    }

    fn r_cmd(&mut self, args: &[&str]) -> Value {
        let raw: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        reply(&mut self.r, &raw)
    }
}

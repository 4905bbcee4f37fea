//! The reader against hand-built streams: every opcode, every value encoding Redis 2.x–7.4
//! writes, the checks Redis's loader makes (duplicates, NaN scores, empty keys), and damage of
//! every kind (truncation at each byte, bit flips) giving errors, never panics.

mod support;

use ferrodis_rdb::{ErrorKind, HashField, KeyRecord, Object, Reader, Record, types};
use std::io::Read;
use support::{LZF_ABC4, Rdb, intset, lp, ziplist, zipmap};

fn records(bytes: &[u8]) -> Result<Vec<Record>, ferrodis_rdb::Error> {
    let mut reader = Reader::new(bytes)?;
    let mut out = Vec::new();
    loop {
        let record = reader.next_record()?;
        let eof = record == Record::Eof;
        out.push(record);
        if eof {
            return Ok(out);
        }
    }
}

fn keys(bytes: &[u8]) -> Vec<KeyRecord> {
    records(bytes)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r {
            Record::Key(k) => Some(k),
            _ => None,
        })
        .collect()
}

/// The value of a lone key `k` of this type, in a version-12 file.
fn value(type_byte: u8, body: Rdb) -> Result<Object, ferrodis_rdb::Error> {
    let bytes = Rdb::new(12).key(type_byte, b"k").raw(&body.done()).eof();
    let mut reader = Reader::new(&bytes[..])?;
    match reader.next_record()? {
        Record::Key(k) => {
            assert_eq!(reader.next_record()?, Record::Eof);
            Ok(k.value)
        }
        other => panic!("expected a key, got {other:?}"),
    }
}

/// The same body through `read_object` (DUMP style).
fn object(type_byte: u8, body: Rdb) -> Result<Object, ferrodis_rdb::Error> {
    let bytes = body.done();
    Reader::without_header(&bytes[..], 11).read_object(type_byte)
}

fn corrupt(result: Result<Object, ferrodis_rdb::Error>) -> String {
    match result {
        Err(e) => match e.kind {
            ErrorKind::Corrupt(what) => what,
            other => panic!("expected a corrupt error, got {other:?}"),
        },
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

fn strs(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn fields(pairs: &[(&str, &str)]) -> Vec<HashField> {
    pairs
        .iter()
        .map(|(f, v)| HashField {
            field: f.as_bytes().to_vec(),
            value: v.as_bytes().to_vec(),
            expire_at_ms: None,
        })
        .collect()
}

fn zset(pairs: &[(&str, f64)]) -> Object {
    Object::ZSet(
        pairs
            .iter()
            .map(|(m, s)| (m.as_bytes().to_vec(), *s))
            .collect(),
    )
}

// ---- header and opcodes ----

#[test]
fn header_magic_and_versions() {
    assert!(matches!(
        Reader::new(&b"REDIX0009"[..]).err().unwrap().kind,
        ErrorKind::BadMagic
    ));
    assert!(matches!(
        Reader::new(&b"REDIS00a9"[..]).err().unwrap().kind,
        ErrorKind::BadMagic
    ));
    for bad in [0u16, 13, 9999] {
        let header = format!("REDIS{bad:04}");
        assert!(matches!(
            Reader::new(header.as_bytes()).err().unwrap().kind,
            ErrorKind::UnsupportedVersion(v) if v == bad
        ));
    }
    for good in 1..=12u16 {
        let header = format!("REDIS{good:04}");
        let reader = Reader::new(header.as_bytes()).unwrap();
        assert_eq!(reader.version(), good);
        assert_eq!(reader.offset(), 9);
    }
    assert!(Reader::new(&b"REDIS00"[..]).err().unwrap().is_truncated());
}

#[test]
fn opcodes_in_order() {
    let bytes = Rdb::new(11)
        .u8(250)
        .str(b"redis-ver")
        .str(b"7.2.4")
        .u8(250)
        .str(b"redis-bits")
        .raw(&[0xC0, 64]) // INT8-encoded "64"
        .u8(254)
        .len(3)
        .u8(251)
        .len(2)
        .len(1)
        .u8(245)
        .str(b"#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        .key(types::STRING, b"a")
        .str(b"1")
        .eof();
    let got = records(&bytes).unwrap();
    assert_eq!(
        got,
        vec![
            Record::Aux {
                key: b"redis-ver".to_vec(),
                value: b"7.2.4".to_vec()
            },
            Record::Aux {
                key: b"redis-bits".to_vec(),
                value: b"64".to_vec()
            },
            Record::SelectDb(3),
            Record::ResizeDb {
                db_size: 2,
                expires_size: 1
            },
            Record::Function(
                b"#!lua name=lib\nredis.register_function('f', function() return 1 end)".to_vec()
            ),
            Record::Key(KeyRecord {
                key: b"a".to_vec(),
                expire_at_ms: None,
                idle_s: None,
                freq: None,
                value: Object::String(b"1".to_vec()),
            }),
            Record::Eof,
        ]
    );
}

#[test]
fn prefixes_attach_to_the_next_key_only() {
    let bytes = Rdb::new(9)
        .u8(252)
        .raw(&1_700_000_000_123i64.to_le_bytes())
        .u8(248)
        .len(500)
        .u8(250) // an AUX in between keeps the prefixes pending
        .str(b"x")
        .str(b"y")
        .key(types::STRING, b"a")
        .str(b"1")
        .u8(253)
        .raw(&1_600_000_000i32.to_le_bytes())
        .u8(249)
        .u8(7)
        .key(types::STRING, b"b")
        .str(b"2")
        .key(types::STRING, b"c")
        .str(b"3")
        .eof();
    let k = keys(&bytes);
    assert_eq!(k[0].expire_at_ms, Some(1_700_000_000_123));
    assert_eq!(k[0].idle_s, Some(500));
    assert_eq!(k[0].freq, None);
    assert_eq!(k[1].expire_at_ms, Some(1_600_000_000_000));
    assert_eq!(k[1].freq, Some(7));
    assert_eq!(k[1].idle_s, None);
    assert_eq!(
        (k[2].expire_at_ms, k[2].idle_s, k[2].freq),
        (None, None, None)
    );
}

#[test]
fn slot_info_and_module_aux_are_skipped() {
    let bytes = Rdb::new(12)
        .u8(244)
        .len(100)
        .len(5)
        .len(1)
        .u8(247) // MODULE_AUX: module id, when_opcode UINT, when, then typed values
        .len(0x1234_5678_9ABC)
        .len(2)
        .len(2)
        .len(1)
        .len(77) // SINT
        .len(5)
        .str(b"module state") // STRING
        .len(3)
        .raw(&1.5f32.to_le_bytes()) // FLOAT
        .len(4)
        .raw(&2.5f64.to_le_bytes()) // DOUBLE
        .len(0) // EOF
        .key(types::STRING, b"a")
        .str(b"1")
        .eof();
    let mut reader = Reader::new(&bytes[..]).unwrap();
    assert!(matches!(reader.next_record().unwrap(), Record::Key(_)));
    assert_eq!(reader.next_record().unwrap(), Record::Eof);
    assert_eq!(reader.module_aux_skipped(), 1);

    let bad_when = Rdb::new(12).u8(247).len(1).len(5).len(2).len(0).eof();
    assert!(matches!(
        records(&bad_when).unwrap_err().kind,
        ErrorKind::Corrupt(_)
    ));
    let bad_opcode = Rdb::new(12).u8(247).len(1).len(2).len(2).len(9).eof();
    assert!(matches!(
        records(&bad_opcode).unwrap_err().kind,
        ErrorKind::Corrupt(_)
    ));
}

/// 7.0's rdbFunctionLoad turns the RC format into `#!<engine> name=<name>\n<code>`.
#[test]
fn function_pre_ga_is_translated() {
    let with_desc = Rdb::new(10)
        .u8(246)
        .str(b"mylib")
        .str(b"LUA")
        .len(1)
        .str(b"a description")
        .str(b"redis.register_function('f', function() return 1 end)")
        .eof();
    let without = Rdb::new(10)
        .u8(246)
        .str(b"mylib")
        .str(b"LUA")
        .len(0)
        .str(b"return 1")
        .eof();
    assert_eq!(
        records(&with_desc).unwrap()[0],
        Record::Function(
            b"#!LUA name=mylib\nredis.register_function('f', function() return 1 end)".to_vec()
        )
    );
    assert_eq!(
        records(&without).unwrap()[0],
        Record::Function(b"#!LUA name=mylib\nreturn 1".to_vec())
    );
}

#[test]
fn checksum_rules() {
    let good = Rdb::new(10).key(0, b"a").str(b"1").eof();
    assert!(records(&good).is_ok());

    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x40;
    let err = records(&bad).unwrap_err();
    assert!(err.is_checksum(), "{err}");
    assert_eq!(err.offset, (n - 8) as u64);

    let mut reader = Reader::new(&bad[..]).unwrap();
    reader.set_verify_checksum(false);
    assert!(matches!(reader.next_record().unwrap(), Record::Key(_)));
    assert_eq!(reader.next_record().unwrap(), Record::Eof);

    // A zero checksum means "not computed" (rdbchecksum no).
    let zero = Rdb::new(10).key(0, b"a").str(b"1").eof_no_crc();
    assert!(records(&zero).is_ok());

    // Before version 5 there is no checksum at all.
    let v4 = Rdb::new(4).key(0, b"a").str(b"1").u8(255).done();
    let mut reader = Reader::new(&v4[..]).unwrap();
    assert!(matches!(reader.next_record().unwrap(), Record::Key(_)));
    assert_eq!(reader.next_record().unwrap(), Record::Eof);
    assert_eq!(reader.offset(), v4.len() as u64);

    // After EOF: EOF again, and nothing more consumed.
    assert_eq!(reader.next_record().unwrap(), Record::Eof);
    assert_eq!(reader.offset(), v4.len() as u64);

    // A missing checksum is a truncation.
    let cut = &good[..good.len() - 3];
    assert!(records(cut).unwrap_err().is_truncated());
}

#[test]
fn leftover_bytes_after_eof_are_returned() {
    let mut bytes = Rdb::new(10).key(0, b"a").str(b"1").eof();
    let rdb_len = bytes.len() as u64;
    bytes.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let mut reader = Reader::new(&bytes[..]).unwrap();
    while reader.next_record().unwrap() != Record::Eof {}
    assert_eq!(reader.offset(), rdb_len);
    let (_, rest) = reader.into_parts();
    assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n");
}

// ---- lengths and strings ----

#[test]
fn length_encodings() {
    let forms: &[(&[u8], u64)] = &[
        (&[0x05], 5),
        (&[0x7F, 0xFF], 0x3FFF),
        (&[0x80, 0, 1, 0, 0], 65536),
        (&[0x81, 0, 0, 0, 1, 0, 0, 0, 0], 1 << 32),
    ];
    for (bytes, n) in forms {
        let rdb = Rdb::new(10).u8(254).raw(bytes).eof();
        assert_eq!(records(&rdb).unwrap()[0], Record::SelectDb(*n));
    }
    let unknown = Rdb::new(10).u8(254).u8(0x82).eof();
    assert!(matches!(
        records(&unknown).unwrap_err().kind,
        ErrorKind::Corrupt(_)
    ));
}

#[test]
fn string_encodings() {
    let cases: Vec<(Rdb, &[u8])> = vec![
        (Rdb::body().str(b""), b""),
        (Rdb::body().raw(&[0xC0, 0x80]), b"-128"),
        (Rdb::body().raw(&[0xC1, 0x39, 0x30]), b"12345"),
        (Rdb::body().raw(&[0xC1, 0x00, 0x80]), b"-32768"),
        (
            Rdb::body().raw(&[0xC2, 0xFF, 0xFF, 0xFF, 0x7F]),
            b"2147483647",
        ),
        (
            Rdb::body()
                .u8(0xC3)
                .len(LZF_ABC4.len() as u64)
                .len(12)
                .raw(LZF_ABC4),
            b"abcabcabcabc",
        ),
        // LZF with an uncompressed length of 0, as Redis accepts it.
        (Rdb::body().u8(0xC3).len(0).len(0), b""),
    ];
    for (body, want) in cases {
        assert_eq!(value(0, body).unwrap(), Object::String(want.to_vec()));
    }
    let bad_lzf = Rdb::body()
        .u8(0xC3)
        .len(LZF_ABC4.len() as u64)
        .len(13)
        .raw(LZF_ABC4);
    assert!(corrupt(value(0, bad_lzf)).contains("LZF"));
    let bomb = Rdb::body().u8(0xC3).len(1).len(1 << 31).raw(&[0]);
    assert!(corrupt(value(0, bomb)).contains("LZF"));
    let unknown_enc = Rdb::body().u8(0xC4);
    assert!(corrupt(value(0, unknown_enc)).contains("encoding"));
}

#[test]
fn strings_longer_than_the_buffer() {
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let bytes = Rdb::new(10).key(0, b"big").str(&big).eof();
    let k = keys(&bytes);
    assert_eq!(k[0].value, Object::String(big));
}

#[test]
fn claimed_lengths_are_not_trusted() {
    // 4 GiB claimed, 3 bytes present: truncated, without allocating 4 GiB.
    let bytes = Rdb::new(10)
        .key(0, b"k")
        .len(u32::MAX as u64)
        .raw(b"abc")
        .done();
    let err = records(&bytes).unwrap_err();
    assert!(err.is_truncated());
    assert_eq!(err.offset, bytes.len() as u64);
    // Beyond the cap: too large.
    let bytes = Rdb::new(10).key(0, b"k").len(1 << 40).done();
    assert!(matches!(
        records(&bytes).unwrap_err().kind,
        ErrorKind::TooLarge { .. }
    ));
    // A collection claiming 2^60 elements fails at the end of the input.
    let bytes = Rdb::new(10).key(1, b"k").len(1 << 60).str(b"a").done();
    assert!(records(&bytes).unwrap_err().is_truncated());
}

/// A reader that hands out one byte per call: every buffer boundary case.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((b, rest)), Some(slot)) => {
                *slot = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn byte_at_a_time_input_reads_the_same() {
    let bytes = rich_file();
    let whole = records(&bytes).unwrap();
    let mut reader = Reader::new(Trickle(&bytes)).unwrap();
    let mut trickled = Vec::new();
    loop {
        let r = reader.next_record().unwrap();
        let eof = r == Record::Eof;
        trickled.push(r);
        if eof {
            break;
        }
    }
    assert_eq!(whole, trickled);
    assert_eq!(reader.offset(), bytes.len() as u64);
}

// ---- value encodings ----

#[test]
fn plain_encodings() {
    assert_eq!(
        value(
            types::LIST,
            Rdb::body().len(3).str(b"a").raw(&[0xC0, 7]).str(b"c")
        )
        .unwrap(),
        Object::List(strs(&["a", "7", "c"]))
    );
    assert_eq!(
        value(types::SET, Rdb::body().len(2).str(b"x").str(b"y")).unwrap(),
        Object::Set(strs(&["x", "y"]))
    );
    assert_eq!(
        value(
            types::HASH,
            Rdb::body().len(2).str(b"f").str(b"v").str(b"g").str(b"w")
        )
        .unwrap(),
        Object::Hash(fields(&[("f", "v"), ("g", "w")]))
    );
    let z1 = Rdb::body()
        .len(4)
        .str(b"a")
        .str(b"1.5")
        .str(b"b")
        .u8(254)
        .str(b"c")
        .u8(255)
        .str(b"d")
        .str(b"-3");
    assert_eq!(
        value(types::ZSET, z1).unwrap(),
        zset(&[
            ("a", 1.5),
            ("b", f64::INFINITY),
            ("c", f64::NEG_INFINITY),
            ("d", -3.0)
        ])
    );
    let z2 = Rdb::body()
        .len(2)
        .str(b"a")
        .raw(&0.25f64.to_le_bytes())
        .str(b"b")
        .raw(&(-1e300f64).to_le_bytes());
    assert_eq!(
        value(types::ZSET_2, z2).unwrap(),
        zset(&[("a", 0.25), ("b", -1e300)])
    );
}

#[test]
fn nan_scores_are_corrupt() {
    let z1 = Rdb::body().len(1).str(b"a").u8(253);
    assert!(corrupt(value(types::ZSET, z1)).contains("NAN"));
    let z2 = Rdb::body().len(1).str(b"a").raw(&f64::NAN.to_le_bytes());
    assert!(corrupt(value(types::ZSET_2, z2)).contains("NAN"));
    let lp_nan = Rdb::body().str(&lp(&[b"a", b"nan"]));
    assert!(corrupt(value(types::ZSET_LISTPACK, lp_nan)).contains("NAN"));
    let zl_bad = Rdb::body().str(&ziplist(&[b"a", b"not a number"]));
    assert!(corrupt(value(types::ZSET_ZIPLIST, zl_bad)).contains("score"));
    let bad_ascii = Rdb::body().len(1).str(b"a").str(b"x1");
    assert!(corrupt(value(types::ZSET, bad_ascii)).contains("double"));
}

#[test]
fn legacy_compact_encodings() {
    let big = vec![b'z'; 300];
    let zm = zipmap(&[(b"f1", b"v1"), (b"f2", &big)], 2);
    assert_eq!(
        value(types::HASH_ZIPMAP, Rdb::body().str(&zm)).unwrap(),
        Object::Hash(vec![
            HashField {
                field: b"f1".to_vec(),
                value: b"v1".to_vec(),
                expire_at_ms: None
            },
            HashField {
                field: b"f2".to_vec(),
                value: big.clone(),
                expire_at_ms: None
            },
        ])
    );
    let zl = ziplist(&[b"a", b"1", b"-70000", &big]);
    assert_eq!(
        value(types::LIST_ZIPLIST, Rdb::body().str(&zl)).unwrap(),
        Object::List(vec![
            b"a".to_vec(),
            b"1".to_vec(),
            b"-70000".to_vec(),
            big.clone()
        ])
    );
    assert_eq!(
        value(types::SET_INTSET, Rdb::body().str(&intset(&[5, -1, 70000]))).unwrap(),
        Object::Set(strs(&["-1", "5", "70000"]))
    );
    let zz = ziplist(&[b"m1", b"1", b"m2", b"2.5", b"m3", b"inf"]);
    assert_eq!(
        value(types::ZSET_ZIPLIST, Rdb::body().str(&zz)).unwrap(),
        zset(&[("m1", 1.0), ("m2", 2.5), ("m3", f64::INFINITY)])
    );
    let hz = ziplist(&[b"f", b"v", b"n", b"42"]);
    assert_eq!(
        value(types::HASH_ZIPLIST, Rdb::body().str(&hz)).unwrap(),
        Object::Hash(fields(&[("f", "v"), ("n", "42")]))
    );
    // Quicklist 1: ziplist nodes; an empty node is skipped, as Redis does.
    let q = Rdb::body()
        .len(3)
        .str(&ziplist(&[b"a", b"b"]))
        .str(&ziplist(&[]))
        .str(&ziplist(&[b"3"]));
    assert_eq!(
        value(types::LIST_QUICKLIST, q).unwrap(),
        Object::List(strs(&["a", "b", "3"]))
    );
    // A quicklist node LZF-compressed as an RDB string.
    let node = ziplist(&[b"abcabcabcabc"]);
    // An all-literal LZF stream: a control byte per 32 literals.
    let mut packed = Vec::new();
    for chunk in node.chunks(32) {
        packed.push((chunk.len() - 1) as u8);
        packed.extend_from_slice(chunk);
    }
    let q = Rdb::body()
        .len(1)
        .u8(0xC3)
        .len(packed.len() as u64)
        .len(node.len() as u64)
        .raw(&packed);
    assert_eq!(
        value(types::LIST_QUICKLIST, q).unwrap(),
        Object::List(strs(&["abcabcabcabc"]))
    );
}

#[test]
fn listpack_encodings() {
    let big = vec![b'q'; 5000];
    assert_eq!(
        value(
            types::HASH_LISTPACK,
            Rdb::body().str(&lp(&[b"f", b"1", b"g", &big]))
        )
        .unwrap(),
        Object::Hash(vec![
            HashField {
                field: b"f".to_vec(),
                value: b"1".to_vec(),
                expire_at_ms: None
            },
            HashField {
                field: b"g".to_vec(),
                value: big.clone(),
                expire_at_ms: None
            },
        ])
    );
    assert_eq!(
        value(
            types::ZSET_LISTPACK,
            Rdb::body().str(&lp(&[b"a", b"1", b"b", b"1.5", b"c", b"-inf"]))
        )
        .unwrap(),
        zset(&[("a", 1.0), ("b", 1.5), ("c", f64::NEG_INFINITY)])
    );
    assert_eq!(
        value(
            types::SET_LISTPACK,
            Rdb::body().str(&lp(&[b"x", b"12", b"y"]))
        )
        .unwrap(),
        Object::Set(strs(&["x", "12", "y"]))
    );
    // Quicklist 2: PACKED listpacks and PLAIN raw elements.
    let q = Rdb::body()
        .len(3)
        .len(2)
        .str(&lp(&[b"a", b"1"]))
        .len(1)
        .str(&big)
        .len(2)
        .str(&lp(&[b"-5"]));
    assert_eq!(
        value(types::LIST_QUICKLIST_2, q).unwrap(),
        Object::List(vec![
            b"a".to_vec(),
            b"1".to_vec(),
            big.clone(),
            b"-5".to_vec()
        ])
    );
    let bad_container = Rdb::body().len(1).len(3).str(&lp(&[b"a"]));
    assert!(corrupt(value(types::LIST_QUICKLIST_2, bad_container)).contains("Quicklist"));
    let empty_node = Rdb::body().len(1).len(1).str(b"");
    assert!(corrupt(value(types::LIST_QUICKLIST_2, empty_node)).contains("empty"));
}

fn ttl_field(f: &str, v: &str, ttl: Option<i64>) -> HashField {
    HashField {
        field: f.as_bytes().to_vec(),
        value: v.as_bytes().to_vec(),
        expire_at_ms: ttl,
    }
}

/// Redis 7.4's hash field expiry encodings (rdb.c, RDB_TYPE_HASH_METADATA and
/// RDB_TYPE_HASH_LISTPACK_EX, with their release-candidate forms).
#[test]
fn hash_field_expiry_encodings() {
    let min = 1_800_000_000_000u64;
    // GA: minimum expiry, then TTLs relative to it (+1; 0 = none).
    let meta = Rdb::body()
        .raw(&min.to_le_bytes())
        .len(3)
        .len(1)
        .str(b"a")
        .str(b"1")
        .len(0)
        .str(b"b")
        .str(b"2")
        .len(5001)
        .str(b"c")
        .str(b"3");
    assert_eq!(
        value(types::HASH_METADATA, meta).unwrap(),
        Object::Hash(vec![
            ttl_field("a", "1", Some(min as i64)),
            ttl_field("b", "2", None),
            ttl_field("c", "3", Some(min as i64 + 5000)),
        ])
    );
    // Release candidates: absolute TTLs, no minimum.
    let pre = Rdb::body()
        .len(2)
        .len(min)
        .str(b"a")
        .str(b"1")
        .len(0)
        .str(b"b")
        .str(b"2");
    assert_eq!(
        value(types::HASH_METADATA_PRE_GA, pre).unwrap(),
        Object::Hash(vec![
            ttl_field("a", "1", Some(min as i64)),
            ttl_field("b", "2", None)
        ])
    );
    let too_late = Rdb::body().len(1).len(1 << 48).str(b"a").str(b"1");
    assert!(corrupt(value(types::HASH_METADATA_PRE_GA, too_late)).contains("expireAt"));

    // Listpack triples: field, value, expiry (0 = none), expiring fields first, ascending.
    let min_s = min.to_string();
    let later = (min + 10).to_string();
    let blob = lp(&[
        b"a",
        b"1",
        min_s.as_bytes(),
        b"b",
        b"x",
        later.as_bytes(),
        b"c",
        b"3",
        b"0",
    ]);
    let want = Object::Hash(vec![
        ttl_field("a", "1", Some(min as i64)),
        ttl_field("b", "x", Some(min as i64 + 10)),
        ttl_field("c", "3", None),
    ]);
    let ex = Rdb::body().raw(&min.to_le_bytes()).str(&blob);
    assert_eq!(value(types::HASH_LISTPACK_EX, ex).unwrap(), want);
    let ex_pre = Rdb::body().str(&blob);
    assert_eq!(value(types::HASH_LISTPACK_EX_PRE_GA, ex_pre).unwrap(), want);

    let unordered = lp(&[b"a", b"1", later.as_bytes(), b"b", b"x", min_s.as_bytes()]);
    assert!(
        corrupt(value(
            types::HASH_LISTPACK_EX_PRE_GA,
            Rdb::body().str(&unordered)
        ))
        .contains("order")
    );
    let ttl_after_none = lp(&[b"a", b"1", b"0", b"b", b"x", min_s.as_bytes()]);
    assert!(
        corrupt(value(
            types::HASH_LISTPACK_EX_PRE_GA,
            Rdb::body().str(&ttl_after_none)
        ))
        .contains("order")
    );
    let not_int = lp(&[b"a", b"1", b"soon"]);
    assert!(
        corrupt(value(
            types::HASH_LISTPACK_EX_PRE_GA,
            Rdb::body().str(&not_int)
        ))
        .contains("expiry")
    );
    let pairs_only = lp(&[b"a", b"1"]);
    assert!(
        corrupt(value(
            types::HASH_LISTPACK_EX_PRE_GA,
            Rdb::body().str(&pairs_only)
        ))
        .contains("multiple")
    );
}

#[test]
fn streams_modules_and_unknown_types_are_clear_errors() {
    for t in [
        types::STREAM_LISTPACKS,
        types::STREAM_LISTPACKS_2,
        types::STREAM_LISTPACKS_3,
    ] {
        assert!(matches!(
            value(t, Rdb::body().len(0)).unwrap_err().kind,
            ErrorKind::UnsupportedType("stream")
        ));
    }
    for t in [types::MODULE_PRE_GA, types::MODULE_2] {
        assert!(matches!(
            value(t, Rdb::body().len(0)).unwrap_err().kind,
            ErrorKind::UnsupportedType("module")
        ));
    }
    for t in [8u8, 26, 100, 243] {
        assert!(matches!(
            value(t, Rdb::body().len(0)).unwrap_err().kind,
            ErrorKind::UnknownType(b) if b == t
        ));
    }
}

// ---- Redis's loader checks ----

/// rdbLoad skips empty keys ("empty keys skipped"); RESTORE refuses them.
#[test]
fn empty_collections_are_skipped_keys() {
    let empties: Vec<(u8, Rdb)> = vec![
        (types::LIST, Rdb::body().len(0)),
        (types::SET, Rdb::body().len(0)),
        (types::ZSET, Rdb::body().len(0)),
        (types::ZSET_2, Rdb::body().len(0)),
        (types::HASH, Rdb::body().len(0)),
        (types::HASH_METADATA, Rdb::body().raw(&[0; 8]).len(0)),
        (types::LIST_QUICKLIST, Rdb::body().len(0)),
        (types::LIST_QUICKLIST, Rdb::body().len(1).str(&ziplist(&[]))),
        (
            types::LIST_QUICKLIST_2,
            Rdb::body().len(1).len(2).str(&lp(&[])),
        ),
        (types::LIST_ZIPLIST, Rdb::body().str(&ziplist(&[]))),
        (types::ZSET_ZIPLIST, Rdb::body().str(&ziplist(&[]))),
        (types::HASH_ZIPLIST, Rdb::body().str(&ziplist(&[]))),
        (types::HASH_LISTPACK, Rdb::body().str(&lp(&[]))),
        (types::ZSET_LISTPACK, Rdb::body().str(&lp(&[]))),
        (types::SET_LISTPACK, Rdb::body().str(&lp(&[]))),
        (
            types::HASH_LISTPACK_EX,
            Rdb::body().raw(&[0; 8]).str(&lp(&[])),
        ),
    ];
    for (t, body) in empties {
        let body = body.done();
        let bytes = Rdb::new(12)
            .u8(252)
            .raw(&5i64.to_le_bytes())
            .key(t, b"empty")
            .raw(&body)
            .key(types::STRING, b"next")
            .str(b"v")
            .eof();
        let mut reader = Reader::new(&bytes[..]).unwrap();
        match reader.next_record().unwrap() {
            // The skipped key's expiry does not leak onto the next key.
            Record::Key(k) => {
                assert_eq!(k.key, b"next", "type {t}");
                assert_eq!(k.expire_at_ms, None, "type {t}");
            }
            other => panic!("type {t}: {other:?}"),
        }
        assert_eq!(reader.next_record().unwrap(), Record::Eof);
        assert_eq!(reader.empty_keys_skipped(), 1, "type {t}");
        assert!(
            corrupt(Reader::without_header(&body[..], 12).read_object(t)).contains("empty"),
            "type {t}"
        );
    }
    // Empty intsets and zipmaps fail their integrity checks in Redis: corrupt, not skipped.
    assert!(corrupt(value(types::SET_INTSET, Rdb::body().str(&intset(&[])))).contains("empty"));
    assert!(corrupt(value(types::HASH_ZIPMAP, Rdb::body().str(&zipmap(&[], 0)))).contains("empty"));
}

#[test]
fn duplicates_are_corrupt() {
    let dup_cases: Vec<(u8, Rdb)> = vec![
        (types::SET, Rdb::body().len(2).str(b"a").str(b"a")),
        (
            types::HASH,
            Rdb::body().len(2).str(b"f").str(b"1").str(b"f").str(b"2"),
        ),
        (
            types::ZSET_2,
            Rdb::body()
                .len(2)
                .str(b"m")
                .raw(&1f64.to_le_bytes())
                .str(b"m")
                .raw(&2f64.to_le_bytes()),
        ),
        (
            types::ZSET,
            Rdb::body().len(2).str(b"m").str(b"1").str(b"m").str(b"2"),
        ),
        (
            types::HASH_METADATA_PRE_GA,
            Rdb::body()
                .len(2)
                .len(0)
                .str(b"f")
                .str(b"1")
                .len(0)
                .str(b"f")
                .str(b"2"),
        ),
        (
            types::HASH_ZIPMAP,
            Rdb::body().str(&zipmap(&[(b"f", b"1"), (b"f", b"2")], 0)),
        ),
        (
            types::HASH_ZIPLIST,
            Rdb::body().str(&ziplist(&[b"f", b"1", b"f", b"2"])),
        ),
        (
            types::ZSET_ZIPLIST,
            Rdb::body().str(&ziplist(&[b"m", b"1", b"m", b"2"])),
        ),
        (
            types::HASH_LISTPACK,
            Rdb::body().str(&lp(&[b"f", b"1", b"f", b"2"])),
        ),
        (
            types::ZSET_LISTPACK,
            Rdb::body().str(&lp(&[b"m", b"1", b"m", b"2"])),
        ),
        (
            types::SET_LISTPACK,
            Rdb::body().str(&lp(&[b"x", b"7", b"x"])),
        ),
        (
            types::HASH_LISTPACK_EX_PRE_GA,
            Rdb::body().str(&lp(&[b"f", b"1", b"0", b"f", b"2", b"0"])),
        ),
    ];
    for (t, body) in dup_cases {
        assert!(corrupt(value(t, body)).contains("duplicate"), "type {t}");
    }
    // An integer entry and the same digits as a string are the same member.
    let mut b = ferrodis_rdb::listpack::Builder::new();
    b.push_int(7);
    b.push(b"x");
    let mut blob = b.finish();
    // Hand-append a string-encoded "7" (0x81 '7' backlen 2) before the terminator.
    blob.pop();
    blob.extend_from_slice(&[0x81, b'7', 2, 0xFF]);
    let total = blob.len() as u32;
    blob[..4].copy_from_slice(&total.to_le_bytes());
    blob[4] = 3;
    assert!(corrupt(value(types::SET_LISTPACK, Rdb::body().str(&blob))).contains("duplicate"));
    // Many members: the hashed path.
    let many: Vec<String> = (0..100).map(|i| format!("m{}", i % 99)).collect();
    let mut body = Rdb::body().len(100);
    for m in &many {
        body = body.str(m.as_bytes());
    }
    assert!(corrupt(value(types::SET, body)).contains("duplicate"));
}

#[test]
fn odd_pair_counts_are_corrupt() {
    assert!(
        corrupt(value(
            types::HASH_LISTPACK,
            Rdb::body().str(&lp(&[b"f", b"v", b"g"]))
        ))
        .contains("multiple")
    );
    assert!(corrupt(value(types::ZSET_LISTPACK, Rdb::body().str(&lp(&[b"m"])))).contains("odd"));
    assert!(
        corrupt(value(
            types::HASH_ZIPLIST,
            Rdb::body().str(&ziplist(&[b"f"]))
        ))
        .contains("multiple")
    );
}

#[test]
fn damaged_blobs_are_corrupt() {
    let mut zl = ziplist(&[b"a", b"b"]);
    zl[0] += 1; // total bytes no longer match
    assert!(corrupt(value(types::LIST_ZIPLIST, Rdb::body().str(&zl))).contains("ziplist"));
    let mut blob = lp(&[b"a", b"b"]);
    let n = blob.len();
    blob[n - 2] = 9; // a backlen
    assert!(corrupt(value(types::SET_LISTPACK, Rdb::body().str(&blob))).contains("listpack"));
    let mut is = intset(&[1, 2]);
    is.push(0);
    assert!(corrupt(value(types::SET_INTSET, Rdb::body().str(&is))).contains("intset"));
}

#[test]
fn read_object_matches_next_record() {
    let cases: Vec<(u8, Rdb)> = vec![
        (types::STRING, Rdb::body().str(b"hello")),
        (
            types::LIST_QUICKLIST_2,
            Rdb::body().len(1).len(2).str(&lp(&[b"a", b"b"])),
        ),
        (types::SET_INTSET, Rdb::body().str(&intset(&[1, 2, 3]))),
        (types::HASH_LISTPACK, Rdb::body().str(&lp(&[b"f", b"v"]))),
        (types::ZSET_LISTPACK, Rdb::body().str(&lp(&[b"m", b"2"]))),
    ];
    for (t, body) in cases {
        let bytes = body.done();
        let via_key = value(t, Rdb::body().raw(&bytes)).unwrap();
        let via_object = object(t, Rdb::body().raw(&bytes)).unwrap();
        assert_eq!(via_key, via_object);
    }
}

// ---- damage ----

/// One key of every encoding, with prefixes and opcodes around them.
fn rich_file() -> Vec<u8> {
    let big = vec![b'B'; 70_000];
    Rdb::new(12)
        .u8(250)
        .str(b"redis-ver")
        .str(b"7.4.0")
        .u8(254)
        .len(0)
        .u8(251)
        .len(20)
        .len(2)
        .u8(252)
        .raw(&1_900_000_000_000i64.to_le_bytes())
        .key(types::STRING, b"s")
        .str(b"plain")
        .key(types::STRING, b"lzf")
        .u8(0xC3)
        .len(LZF_ABC4.len() as u64)
        .len(12)
        .raw(LZF_ABC4)
        .key(types::STRING, b"big")
        .str(&big)
        .key(types::LIST, b"l")
        .len(2)
        .str(b"a")
        .raw(&[0xC1, 0, 1])
        .key(types::SET, b"set")
        .len(2)
        .str(b"a")
        .str(b"b")
        .key(types::ZSET, b"z1")
        .len(1)
        .str(b"a")
        .str(b"2.5")
        .key(types::ZSET_2, b"z2")
        .len(1)
        .str(b"a")
        .raw(&3f64.to_le_bytes())
        .key(types::HASH, b"h")
        .len(1)
        .str(b"f")
        .str(b"v")
        .key(types::HASH_ZIPMAP, b"hzm")
        .str(&zipmap(&[(b"f", b"v")], 1))
        .key(types::LIST_ZIPLIST, b"lzl")
        .str(&ziplist(&[b"a", b"12"]))
        .key(types::SET_INTSET, b"si")
        .str(&intset(&[1, 100_000]))
        .key(types::ZSET_ZIPLIST, b"zzl")
        .str(&ziplist(&[b"a", b"1"]))
        .key(types::HASH_ZIPLIST, b"hzl")
        .str(&ziplist(&[b"f", b"v"]))
        .key(types::LIST_QUICKLIST, b"lq")
        .len(1)
        .str(&ziplist(&[b"x"]))
        .key(types::HASH_LISTPACK, b"hlp")
        .str(&lp(&[b"f", b"v"]))
        .key(types::ZSET_LISTPACK, b"zlp")
        .str(&lp(&[b"m", b"1.5"]))
        .key(types::LIST_QUICKLIST_2, b"lq2")
        .len(2)
        .len(2)
        .str(&lp(&[b"a"]))
        .len(1)
        .str(b"plain node")
        .key(types::SET_LISTPACK, b"slp")
        .str(&lp(&[b"a", b"b"]))
        .key(types::HASH_METADATA, b"hm")
        .raw(&1000u64.to_le_bytes())
        .len(1)
        .len(1)
        .str(b"f")
        .str(b"v")
        .key(types::HASH_LISTPACK_EX, b"hlx")
        .raw(&1000u64.to_le_bytes())
        .str(&lp(&[b"f", b"v", b"1000"]))
        .u8(245)
        .str(b"#!lua name=x\n")
        .eof()
}

#[test]
fn rich_file_reads() {
    let k = keys(&rich_file());
    assert_eq!(k.len(), 20);
    assert_eq!(k[0].expire_at_ms, Some(1_900_000_000_000));
    assert_eq!(k[1].value, Object::String(b"abcabcabcabc".to_vec()));
}

#[test]
fn truncation_at_every_byte_is_an_error() {
    let bytes = rich_file();
    // The big string is long: cut densely around the structure, sparsely inside it.
    for cut in (0..bytes.len()).filter(|c| *c < 200 || c % 97 == 0 || bytes.len() - c < 2000) {
        let err = records(&bytes[..cut]).expect_err("a truncated file must not load");
        assert!(err.is_truncated(), "cut at {cut}: {err}");
    }
}

#[test]
fn bit_flips_never_panic() {
    // A file without the 70 KB string, so every bit of it can be flipped.
    let bytes = Rdb::new(12)
        .key(types::LIST_QUICKLIST_2, b"l")
        .len(1)
        .len(2)
        .str(&lp(&[b"a", b"300", b"-1"]))
        .key(types::HASH_ZIPLIST, b"h")
        .str(&ziplist(&[b"f", b"v", b"n", b"9"]))
        .key(types::HASH_ZIPMAP, b"m")
        .str(&zipmap(&[(b"f", b"v")], 1))
        .key(types::SET_INTSET, b"s")
        .str(&intset(&[1, 2]))
        .key(types::ZSET_2, b"z")
        .len(1)
        .str(b"a")
        .raw(&1f64.to_le_bytes())
        .eof();
    assert_eq!(keys(&bytes).len(), 5);
    let mut errors = 0;
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut damaged = bytes.clone();
            damaged[i] ^= 1 << bit;
            let mut reader = Reader::new(&damaged[..]);
            if let Ok(reader) = reader.as_mut() {
                reader.set_verify_checksum(i % 2 == 0);
            }
            let result = reader.and_then(|mut r| {
                loop {
                    if r.next_record()? == Record::Eof {
                        return Ok(());
                    }
                }
            });
            errors += usize::from(result.is_err());
        }
    }
    // With checksums verified, every flip outside the checksum must be caught.
    assert!(errors > bytes.len() * 4, "only {errors} flips detected");
}

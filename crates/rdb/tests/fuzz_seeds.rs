//! Replays the `rdb_reader` fuzz seeds (`fuzz/corpus/rdb_reader/`) through the fuzz target's
//! own check, so `cargo test` on stable exercises every seed. `regenerate_seeds` (ignored)
//! rewrites the hand-built ones.

#[path = "../../../fuzz/src/rdb.rs"]
mod checks;
mod support;

use ferrodis_rdb::types;
use std::path::PathBuf;
use support::{LZF_ABC4, Rdb, intset, lp, ziplist, zipmap};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/rdb_reader")
}

#[test]
fn rdb_seeds_pass_the_fuzz_check() {
    let mut seeds: Vec<_> = std::fs::read_dir(corpus())
        .expect("fuzz/corpus/rdb_reader")
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 25, "only {} seeds", seeds.len());
    for path in seeds {
        eprintln!("seed {}", path.display());
        checks::check_rdb(&std::fs::read(&path).unwrap());
    }
}

/// The hand-built seeds, by name. Valid files of every encoding and opcode, then broken ones.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let big = vec![b'b'; 300];
    let v12 = || Rdb::new(12);
    vec![
        (
            "ok_strings",
            v12()
                .key(types::STRING, b"raw")
                .str(b"hello")
                .key(types::STRING, b"i8")
                .raw(&[0xC0, 0x85])
                .key(types::STRING, b"i16")
                .raw(&[0xC1, 0x39, 0x30])
                .key(types::STRING, b"i32")
                .raw(&[0xC2, 1, 2, 3, 4])
                .key(types::STRING, b"lzf")
                .u8(0xC3)
                .len(LZF_ABC4.len() as u64)
                .len(12)
                .raw(LZF_ABC4)
                .key(types::STRING, b"long")
                .str(&big)
                .eof(),
        ),
        (
            "ok_opcodes",
            v12()
                .u8(250)
                .str(b"redis-ver")
                .str(b"7.4.0")
                .u8(254)
                .len(2)
                .u8(251)
                .len(3)
                .len(1)
                .u8(244)
                .len(7)
                .len(1)
                .len(0)
                .u8(247)
                .len(99)
                .len(2)
                .len(1)
                .len(5)
                .str(b"aux")
                .len(4)
                .raw(&1f64.to_le_bytes())
                .len(0)
                .u8(245)
                .str(b"#!lua name=l\n")
                .u8(246)
                .str(b"n")
                .str(b"LUA")
                .len(1)
                .str(b"d")
                .str(b"return 1")
                .u8(252)
                .raw(&1_900_000_000_000i64.to_le_bytes())
                .u8(248)
                .len(10)
                .u8(249)
                .u8(5)
                .key(types::STRING, b"k")
                .str(b"v")
                .u8(253)
                .raw(&1_900_000_000i32.to_le_bytes())
                .key(types::STRING, b"k2")
                .str(b"v")
                .eof(),
        ),
        (
            "ok_plain_collections",
            v12()
                .key(types::LIST, b"l")
                .len(2)
                .str(b"a")
                .raw(&[0xC0, 7])
                .key(types::SET, b"s")
                .len(2)
                .str(b"a")
                .str(b"b")
                .key(types::HASH, b"h")
                .len(1)
                .str(b"f")
                .str(b"v")
                .eof(),
        ),
        (
            "ok_zset_ascii",
            v12()
                .key(types::ZSET, b"z")
                .len(3)
                .str(b"a")
                .str(b"1.5")
                .str(b"b")
                .u8(254)
                .str(b"c")
                .u8(255)
                .eof(),
        ),
        (
            "ok_zset2",
            v12()
                .key(types::ZSET_2, b"z")
                .len(1)
                .str(b"a")
                .raw(&2.5f64.to_le_bytes())
                .eof(),
        ),
        (
            "ok_hash_zipmap",
            Rdb::new(3)
                .key(types::HASH_ZIPMAP, b"h")
                .str(&zipmap(&[(b"f1", b"v1"), (b"f2", &big)], 1))
                .u8(255)
                .done(),
        ),
        (
            "ok_list_ziplist",
            Rdb::new(6)
                .key(types::LIST_ZIPLIST, b"l")
                .str(&ziplist(&[b"a", b"1", b"-70000", b"5000000000", &big]))
                .eof(),
        ),
        (
            "ok_set_intset",
            v12()
                .key(types::SET_INTSET, b"s16")
                .str(&intset(&[1, 2, 3]))
                .key(types::SET_INTSET, b"s64")
                .str(&intset(&[-1, 1 << 40]))
                .eof(),
        ),
        (
            "ok_zset_ziplist",
            Rdb::new(9)
                .key(types::ZSET_ZIPLIST, b"z")
                .str(&ziplist(&[b"a", b"1", b"b", b"2.5"]))
                .eof(),
        ),
        (
            "ok_hash_ziplist",
            Rdb::new(9)
                .key(types::HASH_ZIPLIST, b"h")
                .str(&ziplist(&[b"f", b"v", b"n", b"12"]))
                .eof(),
        ),
        (
            "ok_list_quicklist",
            Rdb::new(9)
                .key(types::LIST_QUICKLIST, b"l")
                .len(2)
                .str(&ziplist(&[b"a", b"b"]))
                .str(&ziplist(&[b"3"]))
                .eof(),
        ),
        (
            "ok_hash_listpack",
            v12()
                .key(types::HASH_LISTPACK, b"h")
                .str(&lp(&[b"f", b"1", b"g", &big]))
                .eof(),
        ),
        (
            "ok_zset_listpack",
            v12()
                .key(types::ZSET_LISTPACK, b"z")
                .str(&lp(&[b"a", b"1", b"b", b"-inf"]))
                .eof(),
        ),
        (
            "ok_list_quicklist2",
            v12()
                .key(types::LIST_QUICKLIST_2, b"l")
                .len(2)
                .len(2)
                .str(&lp(&[b"a", b"300", b"-1"]))
                .len(1)
                .str(b"a plain node")
                .eof(),
        ),
        (
            "ok_set_listpack",
            v12()
                .key(types::SET_LISTPACK, b"s")
                .str(&lp(&[b"x", b"12", b"y"]))
                .eof(),
        ),
        (
            "ok_hash_metadata",
            v12()
                .key(types::HASH_METADATA, b"h")
                .raw(&1_800_000_000_000u64.to_le_bytes())
                .len(2)
                .len(1)
                .str(b"a")
                .str(b"1")
                .len(0)
                .str(b"b")
                .str(b"2")
                .key(types::HASH_METADATA_PRE_GA, b"h2")
                .len(1)
                .len(1_800_000_000_000)
                .str(b"a")
                .str(b"1")
                .eof(),
        ),
        (
            "ok_hash_listpack_ex",
            v12()
                .key(types::HASH_LISTPACK_EX, b"h")
                .raw(&1_800_000_000_000u64.to_le_bytes())
                .str(&lp(&[b"a", b"1", b"1800000000000", b"b", b"2", b"0"]))
                .key(types::HASH_LISTPACK_EX_PRE_GA, b"h2")
                .str(&lp(&[b"a", b"1", b"0"]))
                .eof(),
        ),
        (
            "ok_empty_keys_skipped",
            v12()
                .key(types::LIST, b"l")
                .len(0)
                .key(types::HASH_LISTPACK, b"h")
                .str(&lp(&[]))
                .key(types::STRING, b"k")
                .str(b"v")
                .eof(),
        ),
        (
            "ok_v4_no_checksum",
            Rdb::new(4)
                .u8(254)
                .len(0)
                .key(types::STRING, b"k")
                .str(b"v")
                .u8(255)
                .done(),
        ),
        (
            "ok_zero_checksum",
            Rdb::new(10).key(types::STRING, b"k").str(b"v").eof_no_crc(),
        ),
        ("dump_hash_listpack", {
            let mut d = vec![types::HASH_LISTPACK];
            d.extend(Rdb::body().str(&lp(&[b"f", b"v"])).done());
            d
        }),
        ("dump_set_intset", {
            let mut d = vec![types::SET_INTSET];
            d.extend(Rdb::body().str(&intset(&[7, 8])).done());
            d
        }),
        ("blob_listpack", lp(&[b"a", b"1", b"-5000", &big])),
        ("blob_intset", intset(&[1, 70000, -3])),
        ("err_bad_checksum", {
            let mut b = Rdb::new(10).key(types::STRING, b"k").str(b"v").eof();
            let n = b.len();
            b[n - 1] ^= 1;
            b
        }),
        ("err_truncated", {
            let b = Rdb::new(10)
                .key(types::SET, b"s")
                .len(3)
                .str(b"a")
                .str(b"b")
                .eof();
            b[..b.len() - 12].to_vec()
        }),
        (
            "err_dup_set",
            v12().key(types::SET, b"s").len(2).str(b"a").str(b"a").eof(),
        ),
        (
            "err_nan_score",
            v12()
                .key(types::ZSET_2, b"z")
                .len(1)
                .str(b"a")
                .raw(&f64::NAN.to_le_bytes())
                .eof(),
        ),
        ("err_listpack_backlen", {
            let mut blob = lp(&[b"a", b"b"]);
            let n = blob.len();
            blob[n - 2] = 9;
            v12().key(types::SET_LISTPACK, b"s").str(&blob).eof()
        }),
        ("err_ziplist_tail", {
            let mut blob = ziplist(&[b"a", b"b"]);
            blob[4] += 1;
            Rdb::new(9).key(types::LIST_ZIPLIST, b"l").str(&blob).eof()
        }),
        (
            "err_stream",
            v12().key(types::STREAM_LISTPACKS, b"x").len(0).eof(),
        ),
        (
            "err_huge_length",
            v12()
                .key(types::STRING, b"k")
                .len(u32::MAX as u64)
                .raw(b"abc")
                .done(),
        ),
        (
            "err_lzf_bomb",
            v12()
                .key(types::STRING, b"k")
                .u8(0xC3)
                .len(1)
                .len(1 << 31)
                .u8(0)
                .eof(),
        ),
        ("err_bad_magic", b"REDIX0010\xff".to_vec()),
        ("err_version_13", b"REDIS0013\xff".to_vec()),
    ]
}

/// Rewrites the hand-built seeds (files of other names, such as minimized crashes, stay).
#[test]
#[ignore]
fn regenerate_seeds() {
    std::fs::create_dir_all(corpus()).unwrap();
    for (name, bytes) in seeds() {
        std::fs::write(corpus().join(name), bytes).unwrap();
    }
}

/// The hand-built seeds pass the check even before they are written out.
#[test]
fn generated_seeds_pass_the_fuzz_check() {
    for (name, bytes) in seeds() {
        eprintln!("seed {name}");
        checks::check_rdb(&bytes);
    }
}

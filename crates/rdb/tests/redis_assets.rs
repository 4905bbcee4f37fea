//! Redis's own test files (`tests/assets/*.rdb` of its source tree, written by Redis 2.x to
//! 7.0), read with what Redis's test suite expects of them. They are not in this repository:
//! point `REDIS_TEST_ASSETS` at a Redis source tree's `tests/assets` (Debian: `apt-get source
//! redis`). Skipped, with a note, when they are not found.

use ferrodis_rdb::{ErrorKind, HashField, Object, Reader, Record};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn assets() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("REDIS_TEST_ASSETS").map(PathBuf::from),
        Some(PathBuf::from("/work/redis-src/tests/assets")),
        Some(PathBuf::from("/tmp/redis-deb/redis-7.0.15/tests/assets")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("encodings.rdb").exists());
    if found.is_none() {
        eprintln!("note: Redis's tests/assets not found (set REDIS_TEST_ASSETS), skipping");
    }
    found
}

struct Loaded {
    keys: BTreeMap<Vec<u8>, Object>,
    aux: BTreeMap<Vec<u8>, Vec<u8>>,
    empty_keys_skipped: u64,
}

fn load(name: &str) -> Option<Result<Loaded, ferrodis_rdb::Error>> {
    let path = assets()?.join(name);
    let file = std::fs::File::open(&path).unwrap();
    let result = (|| {
        let mut reader = Reader::new(file)?;
        let mut loaded = Loaded {
            keys: BTreeMap::new(),
            aux: BTreeMap::new(),
            empty_keys_skipped: 0,
        };
        loop {
            match reader.next_record()? {
                Record::Key(k) => {
                    loaded.keys.insert(k.key, k.value);
                }
                Record::Aux { key, value } => {
                    loaded.aux.insert(key, value);
                }
                Record::Eof => break,
                _ => {}
            }
        }
        loaded.empty_keys_skipped = reader.empty_keys_skipped();
        Ok(loaded)
    })();
    Some(result)
}

fn s(x: &str) -> Vec<u8> {
    x.as_bytes().to_vec()
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

fn hash_pairs(fields: &[HashField]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    fields
        .iter()
        .map(|f| (f.field.clone(), f.value.clone()))
        .collect()
}

/// tests/integration/rdb.tcl, "RDB encoding loading test" (a version 4 file: zipmap-era
/// ziplists and intsets).
#[test]
fn encodings_rdb() {
    let Some(loaded) = load("encodings.rdb") else {
        return;
    };
    let k = loaded.unwrap().keys;
    assert_eq!(k.len(), 13);
    assert_eq!(k[&s("string")], Object::String(s("Hello World")));
    assert_eq!(k[&s("number")], Object::String(s("10")));
    let Object::String(compressible) = &k[&s("compressible")] else {
        panic!()
    };
    assert!(compressible.len() > 100 && compressible.iter().all(|&b| b == b'a'));
    let list_zipped: Vec<Vec<u8>> = ["1", "2", "3", "a", "b", "c", "100000", "6000000000"]
        .iter()
        .map(|x| s(x))
        .collect();
    assert_eq!(k[&s("list_zipped")], Object::List(list_zipped.clone()));
    assert_eq!(
        k[&s("list")],
        Object::List(
            [
                list_zipped.clone(),
                list_zipped.clone(),
                list_zipped.clone()
            ]
            .concat()
        )
    );
    let Object::Set(set) = &k[&s("set_zipped_3")] else {
        panic!()
    };
    assert_eq!(
        sorted(set.clone()),
        sorted(
            (1..=6)
                .map(|i| (i * 1_000_000_000i64).to_string().into_bytes())
                .collect()
        )
    );
    let Object::Hash(h) = &k[&s("hash")] else {
        panic!()
    };
    assert_eq!(hash_pairs(h)[&s("eee")], s("5000000000"));
    assert_eq!(h.len(), 11);
    let Object::ZSet(z) = &k[&s("zset")] else {
        panic!()
    };
    assert!(z.contains(&(s("bbbb"), 5_000_000_000.0)));
    assert_eq!(z.len(), 12);
    let Object::ZSet(zz) = &k[&s("zset_zipped")] else {
        panic!()
    };
    assert_eq!(zz, &vec![(s("a"), 1.0), (s("b"), 2.0), (s("c"), 3.0)]);
}

/// tests/integration/convert-zipmap-hash-on-load.tcl and convert-ziplist-*-on-load.tcl.
#[test]
fn legacy_small_encodings() {
    for name in ["hash-zipmap.rdb", "hash-ziplist.rdb"] {
        let Some(loaded) = load(name) else {
            return;
        };
        let k = loaded.unwrap().keys;
        let Object::Hash(h) = &k[&s("hash")] else {
            panic!()
        };
        assert_eq!(
            hash_pairs(h),
            BTreeMap::from([(s("f1"), s("v1")), (s("f2"), s("v2"))]),
            "{name}"
        );
    }
    if let Some(loaded) = load("zset-ziplist.rdb") {
        let k = loaded.unwrap().keys;
        assert_eq!(
            k[&s("zset")],
            Object::ZSet(vec![(s("one"), 1.0), (s("two"), 2.0)])
        );
    }
    if let Some(loaded) = load("list-quicklist.rdb") {
        let k = loaded.unwrap().keys;
        assert_eq!(k[&s("list")], Object::List(vec![s("7")]));
        assert_eq!(k[&s("x")], Object::String(s("7")));
    }
}

/// tests/integration/rdb.tcl: "Test RDB load info" / scripts kept as an AUX field.
#[test]
fn scriptbackup_rdb() {
    let Some(loaded) = load("scriptbackup.rdb") else {
        return;
    };
    let loaded = loaded.unwrap();
    assert!(loaded.keys.is_empty());
    assert_eq!(
        loaded.aux[&s("lua")],
        s("return redis.call('set', 'foo', 'bar')")
    );
}

/// "corrupt payload: load corrupted rdb with empty keys": Redis 7.0 loads 0 keys and logs
/// "empty keys skipped: 9".
#[test]
fn corrupt_empty_keys_rdb() {
    let Some(loaded) = load("corrupt_empty_keys.rdb") else {
        return;
    };
    let loaded = loaded.unwrap();
    assert!(loaded.keys.is_empty());
    assert_eq!(loaded.empty_keys_skipped, 9);
}

/// "corrupt payload: load corrupted rdb with no CRC - #3505": Redis refuses it (ziplist
/// integrity check failed).
#[test]
fn corrupt_ziplist_rdb() {
    let Some(loaded) = load("corrupt_ziplist.rdb") else {
        return;
    };
    let err = loaded.err().expect("a corrupt ziplist must not load");
    assert!(
        matches!(&err.kind, ErrorKind::Corrupt(what) if what.contains("ziplist")),
        "{err}"
    );
}

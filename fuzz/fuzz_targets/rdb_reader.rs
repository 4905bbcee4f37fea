//! The RDB reader on arbitrary bytes (as a file, in pieces, as a DUMP body): never panics,
//! reads the same however the bytes arrive. The checks live in `src/rdb.rs`.
#![no_main]

#[path = "../src/rdb.rs"]
mod rdb;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rdb::check_rdb(data);
});

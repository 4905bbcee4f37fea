//! parse_frame on arbitrary bytes: never panics, never claims more bytes than
//! it was given, and each frame survives `write_frame`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrodis_fuzz::check_frame(data);
});

//! RequestParser on arbitrary bytes: never panics, gives the same commands
//! however the bytes are chunked, and each command survives `write_command`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ferrodis_fuzz::check_request(data);
});

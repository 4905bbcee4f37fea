//! The property the `rdb_reader` fuzz target checks, in one place.
//!
//! Not a module of `lib.rs` (which `crates/resp/tests/fuzz_seeds.rs` includes, and which must
//! not make the resp crate depend on the rdb crate): the fuzz target and
//! `crates/rdb/tests/fuzz_seeds.rs` both include this file by path. Keep it free of
//! libFuzzer: only `ferrodis_rdb` and std.

use ferrodis_rdb::{Error, Reader, Record, intset, listpack};
use std::io::Read;

/// Inputs up to this size are also read in 7-byte pieces and compared.
const CHUNKED_MAX_LEN: usize = 4096;

/// Everything a reader produced from an input: its records, then how it stopped.
#[derive(Debug, PartialEq)]
struct Outcome {
    records: Vec<Record>,
    /// `None` after EOF; else the error's text and offset.
    error: Option<(String, u64)>,
    offset: u64,
}

/// Feeds `input` to the reader as a file, through a reader that returns at most `piece`
/// bytes per call.
fn read_all(input: &[u8], piece: usize, verify_checksum: bool) -> Outcome {
    let source = Pieces { data: input, piece };
    let mut records = Vec::new();
    let mut reader = match Reader::new(source) {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                records,
                error: Some(describe(&e)),
                offset: 0,
            };
        }
    };
    reader.set_verify_checksum(verify_checksum);
    let mut last_offset = reader.offset();
    // Every record consumes at least one byte: more than len + 1 of them is a loop.
    for _ in 0..=input.len() + 1 {
        let result = reader.next_record();
        let offset = reader.offset();
        assert!(offset >= last_offset, "offset went backwards");
        assert!(
            offset <= input.len() as u64,
            "offset {offset} past the input"
        );
        last_offset = offset;
        match result {
            Ok(Record::Eof) => {
                // EOF is sticky and consumes nothing more.
                assert_eq!(reader.next_record().unwrap(), Record::Eof);
                assert_eq!(reader.offset(), offset);
                return Outcome {
                    records,
                    error: None,
                    offset,
                };
            }
            Ok(record) => records.push(record),
            Err(e) => {
                assert!(
                    e.offset <= input.len() as u64,
                    "error offset past the input"
                );
                return Outcome {
                    records,
                    error: Some(describe(&e)),
                    offset,
                };
            }
        }
    }
    panic!("more records than bytes");
}

fn describe(e: &Error) -> (String, u64) {
    (e.kind.to_string(), e.offset)
}

struct Pieces<'a> {
    data: &'a [u8],
    piece: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.data.len().min(buf.len()).min(self.piece);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The reader on arbitrary bytes, as a file and as a DUMP body; the public blob decoders too.
///
/// Must hold: no panic; offsets never pass the input or go backwards; EOF is sticky; reading
/// in small pieces gives the same records and the same error at the same offset; a listpack
/// or intset rebuilt from what was decoded decodes to the same elements.
pub fn check_rdb(input: &[u8]) {
    let whole = read_all(input, usize::MAX, true);
    if input.len() <= CHUNKED_MAX_LEN {
        assert_eq!(whole, read_all(input, 7, true), "piecewise reading differs");
    }
    let _ = read_all(input, usize::MAX, false);

    // A DUMP body: the first byte is the type, the rest the object.
    if let Some((&type_byte, body)) = input.split_first() {
        for version in [9, 10, 12] {
            let mut reader = Reader::without_header(body, version);
            let _ = reader.read_object(type_byte);
            assert!(reader.offset() <= body.len() as u64);
        }
    }

    if let Ok(items) = listpack::decode(input) {
        let mut builder = listpack::Builder::new();
        for item in &items {
            builder.push(item);
        }
        assert_eq!(builder.count(), items.len());
        assert_eq!(listpack::decode(&builder.finish()).unwrap(), items);
    }
    if let Ok(values) = intset::decode(input) {
        assert_eq!(intset::decode(&intset::build(&values)).unwrap(), values);
    }
}

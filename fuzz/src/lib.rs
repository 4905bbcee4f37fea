//! The properties the fuzz targets check, in one place.
//!
//! `crates/resp/tests/fuzz_seeds.rs` includes this file by path and replays
//! every seed of `corpus/` through these same functions, so `cargo test` on
//! stable exercises the seeds. Keep it free of libFuzzer: only `bytes` and
//! `ferrodis_resp`.

use bytes::{Bytes, BytesMut};
use ferrodis_resp::{
    Frame, Limits, ProtocolError, RequestParser, parse_frame, write_command, write_frame,
};

/// Tight limits, so short inputs reach the limit checks too.
const SMALL_LIMITS: Limits = Limits {
    max_bulk_len: 64,
    max_multibulk_len: 8,
    max_inline_len: 16,
};

/// Inputs up to this size are also fed one byte at a time.
const BYTEWISE_MAX_LEN: usize = 4096;

/// What feeding an input to a fresh `RequestParser` produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    commands: Vec<Vec<Bytes>>,
    error: Option<ProtocolError>,
    /// Unconsumed bytes at the end (meaningless after an error).
    rest: Vec<u8>,
    in_progress: bool,
    pending_bytes: usize,
}

/// Feeds `input` in chunks ending at `cuts` (ascending, last = input.len()),
/// parsing every command the bytes so far allow after each chunk.
fn feed(input: &[u8], cuts: &[usize], limits: &Limits) -> Outcome {
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::new();
    let mut commands = Vec::new();
    let mut from = 0;
    for &to in cuts {
        buf.extend_from_slice(&input[from..to]);
        from = to;
        loop {
            let before = buf.len();
            match parser.parse(&mut buf, limits) {
                Ok(Some(args)) => {
                    assert!(!args.is_empty(), "an empty command was returned");
                    assert!(buf.len() < before, "a command consumed no byte");
                    commands.push(args);
                }
                Ok(None) => break,
                Err(error) => {
                    return Outcome {
                        commands,
                        error: Some(error),
                        rest: Vec::new(),
                        in_progress: false,
                        pending_bytes: 0,
                    };
                }
            }
        }
    }
    Outcome {
        commands,
        error: None,
        rest: buf.to_vec(),
        in_progress: parser.in_progress(),
        pending_bytes: parser.pending_bytes(),
    }
}

/// FNV-1a, to derive chunkings from the input itself so a seed file is plain
/// protocol bytes.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Chunk ends of random sizes (1 to 64 bytes) from a xorshift seeded by `seed`.
fn random_cuts(len: usize, seed: u64) -> Vec<usize> {
    let mut state = seed | 1;
    let mut cuts = Vec::new();
    let mut at = 0;
    while at < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        at = (at + 1 + (state % 64) as usize).min(len);
        cuts.push(at);
    }
    cuts
}

/// The chunkings every input is fed in: whole, random, byte by byte.
fn chunkings(input: &[u8]) -> Vec<Vec<usize>> {
    let seed = fnv1a(input);
    let mut all = vec![vec![input.len()], random_cuts(input.len(), seed)];
    all.push(random_cuts(input.len(), seed.rotate_left(32)));
    if input.len() <= BYTEWISE_MAX_LEN {
        all.push((1..=input.len()).collect());
    }
    all
}

/// `RequestParser` never panics; under Redis's default limits (where no
/// error depends on how much has arrived, for inputs under 64KB) every
/// chunking gives the same outcome; every command re-encoded with
/// `write_command` parses back to itself.
pub fn check_request(input: &[u8]) {
    let defaults = Limits::default();
    let whole = feed(input, &[input.len()], &defaults);
    for cuts in chunkings(input) {
        let chunked = feed(input, &cuts, &defaults);
        if input.len() <= defaults.max_inline_len {
            assert_eq!(chunked, whole, "chunking changed the outcome");
        }
    }
    for args in &whole.commands {
        check_command_round_trip(args);
    }

    // Under tight limits a "too big" error may come earlier when fewer bytes
    // have arrived, so only the commands before any error must agree.
    let whole_small = feed(input, &[input.len()], &SMALL_LIMITS);
    for cuts in chunkings(input) {
        let chunked = feed(input, &cuts, &SMALL_LIMITS);
        let n = chunked.commands.len().min(whole_small.commands.len());
        assert_eq!(chunked.commands[..n], whole_small.commands[..n]);
        if chunked.error.is_none() && whole_small.error.is_none() {
            assert_eq!(chunked, whole_small);
        }
    }
    for args in &whole_small.commands {
        check_command_round_trip(args);
    }
}

fn check_command_round_trip(args: &[Bytes]) {
    let mut encoded = BytesMut::new();
    write_command(&mut encoded, args);
    let mut parser = RequestParser::new();
    let parsed = parser.parse(&mut encoded, &Limits::default());
    assert_eq!(
        parsed,
        Ok(Some(args.to_vec())),
        "write_command did not round-trip"
    );
    assert!(encoded.is_empty() && !parser.in_progress());
}

/// Encoded form of a frame, to compare frames holding NaN.
fn encoded(frame: &Frame) -> BytesMut {
    let mut out = BytesMut::new();
    write_frame(&mut out, frame);
    out
}

/// Frames at most this long also have every strict prefix checked.
const PREFIX_CHECK_MAX_LEN: usize = 512;

/// `parse_frame` never panics and never reports more bytes than given; a
/// frame parses the same from exactly its bytes, every strict prefix of it is
/// incomplete, and it survives `write_frame`.
pub fn check_frame(input: &[u8]) {
    for limits in [Limits::default(), SMALL_LIMITS] {
        let Ok(Some((frame, used))) = parse_frame(input, &limits) else {
            continue;
        };
        assert!(
            used > 0 && used <= input.len(),
            "used {used} of {}",
            input.len()
        );
        let (again, used_again) = parse_frame(&input[..used], &limits)
            .expect("valid on its own bytes")
            .expect("complete on its own bytes");
        assert_eq!(used_again, used);
        assert_eq!(encoded(&again), encoded(&frame));
        if used <= PREFIX_CHECK_MAX_LEN {
            for cut in 0..used {
                assert_eq!(
                    parse_frame(&input[..cut], &limits),
                    Ok(None),
                    "prefix {cut}"
                );
            }
        }
    }
    let Ok(Some((frame, _))) = parse_frame(input, &Limits::default()) else {
        return;
    };
    let bytes = encoded(&frame);
    let (back, used) = parse_frame(&bytes, &Limits::default())
        .expect("write_frame output is valid")
        .expect("write_frame output is complete");
    assert_eq!(used, bytes.len());
    assert_eq!(encoded(&back), bytes, "write_frame did not round-trip");
}

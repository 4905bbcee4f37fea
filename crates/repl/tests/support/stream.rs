//! The replication stream as the simulation writes it: RESP arrays (`SET`, `DEL`, and the
//! master's `PING` / `REPLCONF GETACK *`), an incremental parser that tells a complete command
//! from an incomplete one (the stream arrives in arbitrary fragments), the model keyspace the
//! commands apply to, and an order-independent digest of it (as `DEBUG DIGEST` is).

use bytes::Bytes;
use std::collections::BTreeMap;

pub type Model = BTreeMap<String, String>;

pub fn encode(args: &[&[u8]]) -> Bytes {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    Bytes::from(out)
}

/// Index of the `\r` of the first CRLF at or after `from`, None when not all there yet.
fn line_end(buf: &[u8], from: usize) -> Option<usize> {
    let rel = buf.get(from..)?.windows(2).position(|w| w == b"\r\n")?;
    Some(from + rel)
}

fn number(digits: &[u8]) -> usize {
    std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad length in our own stream: {digits:?}"))
}

/// Length of the first complete command in `buf`, or None when it is incomplete. The stream is
/// our own, so malformed input is a simulation bug and panics.
pub fn complete_len(buf: &[u8]) -> Option<usize> {
    let first = *buf.first()?;
    assert_eq!(
        first,
        b'*',
        "stream out of step: {:?}",
        String::from_utf8_lossy(buf)
    );
    let end = line_end(buf, 1)?;
    let argc = number(&buf[1..end]);
    let mut pos = end + 2;
    for _ in 0..argc {
        let marker = *buf.get(pos)?;
        assert_eq!(marker, b'$', "stream out of step at {pos}");
        let end = line_end(buf, pos + 1)?;
        pos = end + 2 + number(&buf[pos + 1..end]) + 2;
        if pos > buf.len() {
            return None;
        }
    }
    Some(pos)
}

/// The arguments of one complete command.
pub fn args(cmd: &[u8]) -> Vec<&[u8]> {
    let end = line_end(cmd, 1).expect("complete command");
    let argc = number(&cmd[1..end]);
    let mut pos = end + 2;
    let mut out = Vec::with_capacity(argc);
    for _ in 0..argc {
        let end = line_end(cmd, pos + 1).expect("complete command");
        let len = number(&cmd[pos + 1..end]);
        out.push(&cmd[end + 2..end + 2 + len]);
        pos = end + 2 + len + 2;
    }
    out
}

/// One key-value pair's share of the digest.
fn entry_hash(key: &str, value: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [key.as_bytes(), &[0xff], value.as_bytes()] {
        for &b in part {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The digest of a whole keyspace: the XOR of its entries, so writes update it in O(1).
pub fn digest_of(model: &Model) -> u64 {
    model.iter().fold(0, |d, (k, v)| d ^ entry_hash(k, v))
}

fn text(arg: &[u8]) -> String {
    String::from_utf8(arg.to_vec()).expect("our keys and values are text")
}

/// Applies one complete command to the model, keeping `digest` equal to `digest_of(model)`.
pub fn apply(model: &mut Model, digest: &mut u64, cmd: &[u8]) {
    let argv = args(cmd);
    match argv[0] {
        b"SET" => {
            let (key, value) = (text(argv[1]), text(argv[2]));
            *digest ^= entry_hash(&key, &value);
            if let Some(old) = model.insert(key.clone(), value) {
                *digest ^= entry_hash(&key, &old);
            }
        }
        b"DEL" => {
            let key = text(argv[1]);
            if let Some(old) = model.remove(&key) {
                *digest ^= entry_hash(&key, &old);
            }
        }
        b"PING" | b"REPLCONF" => {}
        other => panic!(
            "unknown command in stream: {}",
            String::from_utf8_lossy(other)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_incomplete_until_the_last_byte() {
        let cmd = encode(&[b"SET", b"k", b"hello"]);
        for cut in 0..cmd.len() {
            assert_eq!(complete_len(&cmd[..cut]), None, "{cut}");
        }
        assert_eq!(complete_len(&cmd), Some(cmd.len()));
        assert_eq!(args(&cmd), vec![&b"SET"[..], b"k", b"hello"]);
    }
}

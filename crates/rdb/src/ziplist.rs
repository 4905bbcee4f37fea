//! Ziplists: the compact encoding of small lists, hashes and sorted sets before Redis 7
//! (`*_ZIPLIST` types, quicklist 1 nodes). Read only: Redis 7 converts them to listpacks on
//! load, and so do we. The checks are `ziplistValidateIntegrity`'s deep mode.
//!
//! Layout: total bytes (u32 LE), offset of the last entry (u32 LE), entry count (u16 LE,
//! 65535 = "count it"), entries, 0xFF. An entry is the previous entry's size (1 byte, or 0xFE
//! and u32 LE), an encoding (string length or integer kind), and the data.

use crate::listpack::Entry;

const HEADER_SIZE: usize = 10;
const END: u8 = 0xFF;
const BIG_PREVLEN: u8 = 0xFE;

/// Checks `blob` entirely and returns its elements in order.
pub fn entries(blob: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    if blob.len() < HEADER_SIZE + 1 {
        return Err(format!(
            "ziplist of {} bytes is shorter than its header",
            blob.len()
        ));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if total != blob.len() {
        return Err(format!(
            "ziplist header says {total} bytes, blob has {}",
            blob.len()
        ));
    }
    let last = blob.len() - 1;
    if blob[last] != END {
        return Err("ziplist does not end with 0xFF".into());
    }
    let tail = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if tail > last {
        return Err("ziplist tail offset is out of range".into());
    }
    let header_count = u16::from_le_bytes([blob[8], blob[9]]);
    let mut out = Vec::with_capacity(usize::from(header_count));
    let mut p = HEADER_SIZE;
    let mut prev: Option<usize> = None;
    let mut prev_size = 0usize;
    while blob[p] != END {
        let (entry, size) = read_entry(blob, p, last)?;
        let prevlen = decode_prevlen(blob, p)?;
        if prevlen != prev_size {
            return Err(format!(
                "ziplist entry at {p}: previous-entry length is wrong"
            ));
        }
        out.push(entry);
        prev = Some(p);
        prev_size = size;
        p += size;
        if p > last {
            return Err(format!("ziplist entry at {p} runs past the end"));
        }
    }
    if p != last {
        return Err("ziplist terminator found before the end".into());
    }
    if prev.is_some_and(|prev| prev != tail) {
        return Err("ziplist tail offset does not point at the last entry".into());
    }
    if header_count != u16::MAX && usize::from(header_count) != out.len() {
        return Err(format!(
            "ziplist header counts {header_count} entries, found {}",
            out.len()
        ));
    }
    Ok(out)
}

/// The previous entry's size recorded at `p` (which is before the terminator).
fn decode_prevlen(blob: &[u8], p: usize) -> Result<usize, String> {
    if blob[p] < BIG_PREVLEN {
        return Ok(usize::from(blob[p]));
    }
    match blob.get(p + 1..p + 5) {
        Some(&[a, b, c, d]) => Ok(u32::from_le_bytes([a, b, c, d]) as usize),
        _ => Err(format!(
            "ziplist entry at {p}: previous length runs past the end"
        )),
    }
}

/// Reads the entry at `p`: the element and the entry's whole size (prevlen included).
/// Every byte read is checked to lie before `last` (the terminator).
fn read_entry(blob: &[u8], p: usize, last: usize) -> Result<(Entry<'_>, usize), String> {
    let bad = |what: &str| format!("ziplist entry at {p}: {what}");
    let byte = |i: usize| -> Result<u8, String> {
        if i < last {
            Ok(blob[i])
        } else {
            Err(bad("header runs past the end"))
        }
    };
    let prevlen_size = if blob[p] < BIG_PREVLEN { 1 } else { 5 };
    let e = p + prevlen_size;
    let enc = byte(e)?;
    // (encoding size, data size, integer kind or None for a string)
    let (enc_size, data_len, int_kind): (usize, usize, Option<u8>) = if enc < 0xC0 {
        match enc & 0xC0 {
            0x00 => (1, usize::from(enc & 0x3F), None),
            0x40 => (
                2,
                (usize::from(enc & 0x3F) << 8) | usize::from(byte(e + 1)?),
                None,
            ),
            _ => {
                let len =
                    u32::from_be_bytes([byte(e + 1)?, byte(e + 2)?, byte(e + 3)?, byte(e + 4)?]);
                (5, len as usize, None)
            }
        }
    } else {
        match enc {
            0xC0 => (1, 2, Some(enc)),
            0xD0 => (1, 4, Some(enc)),
            0xE0 => (1, 8, Some(enc)),
            0xF0 => (1, 3, Some(enc)),
            0xFE => (1, 1, Some(enc)),
            0xF1..=0xFD => (1, 0, Some(enc)),
            _ => return Err(bad(&format!("invalid encoding byte {enc:#04x}"))),
        }
    };
    let data_start = e + enc_size;
    let end = data_start
        .checked_add(data_len)
        .filter(|&end| end <= last)
        .ok_or_else(|| bad("runs past the end"))?;
    let data = &blob[data_start..end];
    let entry = match int_kind {
        None => Entry::Str(data),
        Some(kind) => Entry::Int(match (kind, data) {
            (0xC0, &[a, b]) => i64::from(i16::from_le_bytes([a, b])),
            (0xD0, &[a, b, c, d]) => i64::from(i32::from_le_bytes([a, b, c, d])),
            (0xE0, &[a, b, c, d, f, g, h, i]) => i64::from_le_bytes([a, b, c, d, f, g, h, i]),
            (0xF0, &[a, b, c]) => i64::from(i32::from_le_bytes([0, a, b, c])) >> 8,
            (0xFE, &[a]) => i64::from(a as i8),
            (imm, _) => i64::from(imm & 0x0F) - 1,
        }),
    };
    Ok((entry, end - p))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ziplist of these entries, built the way Redis 6 does (strings as strings, canonical
    /// integers in the narrowest integer encoding).
    pub(crate) fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev_size = 0usize;
        let mut tail = HEADER_SIZE;
        for item in items {
            let start = body.len();
            tail = HEADER_SIZE + start;
            if prev_size < 254 {
                body.push(prev_size as u8);
            } else {
                body.push(BIG_PREVLEN);
                body.extend_from_slice(&(prev_size as u32).to_le_bytes());
            }
            match crate::listpack::string_to_i64(item) {
                Some(v @ 0..=12) => body.push(0xF1 + v as u8),
                Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
                Some(v) if i16::try_from(v).is_ok() => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    body.push(0xD0);
                    body.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                None if item.len() < 64 => {
                    body.push(item.len() as u8);
                    body.extend_from_slice(item);
                }
                None if item.len() < 16384 => {
                    body.push(0x40 | (item.len() >> 8) as u8);
                    body.push(item.len() as u8);
                    body.extend_from_slice(item);
                }
                None => {
                    body.push(0x80);
                    body.extend_from_slice(&(item.len() as u32).to_be_bytes());
                    body.extend_from_slice(item);
                }
            }
            prev_size = body.len() - start;
        }
        let total = HEADER_SIZE + body.len() + 1;
        let mut out = Vec::new();
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(END);
        out
    }

    #[test]
    fn every_encoding_round_trips() {
        let big = vec![b'b'; 300];
        let huge = vec![b'h'; 20000];
        let nums: Vec<String> = [
            0i64,
            12,
            13,
            -1,
            127,
            -128,
            128,
            32767,
            -32768,
            32768,
            8388607,
            -8388608,
            8388608,
            2147483647,
            -2147483648,
            2147483648,
            i64::MAX,
            i64::MIN,
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        let mut items: Vec<&[u8]> = vec![b"", b"a", &big, &huge, b"-0"];
        items.extend(nums.iter().map(|s| s.as_bytes()));
        let blob = build(&items);
        let got: Vec<Vec<u8>> = entries(&blob)
            .unwrap()
            .iter()
            .map(Entry::to_bytes)
            .collect();
        assert_eq!(got, items.iter().map(|s| s.to_vec()).collect::<Vec<_>>());
    }

    #[test]
    fn empty_is_valid_here() {
        assert!(entries(&build(&[])).unwrap().is_empty());
    }

    #[test]
    fn rejects_damage() {
        let big = vec![b'b'; 300];
        let blob = build(&[b"x", &big, b"7", b"1000"]);
        for cut in 0..blob.len() {
            assert!(entries(&blob[..cut]).is_err());
        }
        for i in 0..blob.len() {
            for bit in 0..8 {
                let mut b = blob.clone();
                b[i] ^= 1 << bit;
                let _ = entries(&b);
            }
        }
        let mut bad_tail = blob.clone();
        bad_tail[4] += 1;
        assert!(entries(&bad_tail).is_err());
        let mut bad_prevlen = blob;
        bad_prevlen[13] = 5; // the second entry's prevlen (first entry is 3 bytes)
        assert!(entries(&bad_prevlen).is_err());
    }
}

//! Listpacks: Redis 7's compact encoding of small lists, hashes, sets and sorted sets, as RDB
//! stores them (`*_LISTPACK` types, quicklist 2 nodes). Both directions: `Builder` makes the
//! bytes Redis's `lpAppend` makes (byte for byte: Redis 7.0 loads them as they are), `entries`
//! and `decode` check a blob the way `lpValidateIntegrity` does in deep mode and read it.
//!
//! Layout: total bytes (u32 LE), element count (u16 LE, 65535 = "count it"), entries, 0xFF.
//! An entry is an encoding byte (+ length bytes), its data, and a "backlen": the entry's size
//! written backwards 7 bits per byte, so the listpack can be walked from the tail.

const HEADER_SIZE: usize = 6;
const EOF: u8 = 0xFF;
/// The header's element count when there are 65535 or more.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One listpack element: a string, or an integer Redis chose to store as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl Entry<'_> {
    /// The element as Redis shows it: integers in decimal.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Entry::Str(s) => s.to_vec(),
            Entry::Int(v) => v.to_string().into_bytes(),
        }
    }

    /// The integer value, for an integer entry or a string that is a canonical integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Entry::Int(v) => Some(*v),
            Entry::Str(s) => string_to_i64(s),
        }
    }
}

/// Builds a listpack blob as Redis's lpAppend does.
#[derive(Default)]
pub struct Builder {
    /// Entries only; the header is put in front by `finish`.
    buf: Vec<u8>,
    count: usize,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Appends a string, integer-encoded when it is a canonical integer (lpStringToInt64).
    ///
    /// Panics if `s` is 4 GiB or longer (no Redis value is).
    pub fn push(&mut self, s: &[u8]) {
        if let Some(v) = string_to_i64(s) {
            return self.push_int(v);
        }
        let start = self.buf.len();
        let len = s.len();
        if len < 64 {
            self.buf.push(0x80 | len as u8);
        } else if len < 4096 {
            self.buf.push(0xE0 | (len >> 8) as u8);
            self.buf.push((len & 0xFF) as u8);
        } else {
            let len32 = u32::try_from(len).expect("listpack strings are shorter than 4 GiB");
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&len32.to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.finish_entry(start);
    }

    /// Appends an integer in the narrowest encoding (lpEncodeIntegerGetType).
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u64) & 0x1FFF;
            self.buf.push(0xC0 | (u >> 8) as u8);
            self.buf.push((u & 0xFF) as u8);
        } else if (-32768..=32767).contains(&v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.finish_entry(start);
    }

    /// Appends the backlen of the entry that starts at `start`.
    fn finish_entry(&mut self, start: usize) {
        let len = (self.buf.len() - start) as u64;
        let mut backlen = [0u8; 5];
        let n = encode_backlen(len, &mut backlen);
        self.buf.extend_from_slice(&backlen[..n]);
        self.count += 1;
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// The blob: header (total bytes, element count), entries, 0xFF.
    ///
    /// Panics if the listpack would reach 4 GiB (Redis caps listpacks far below that).
    pub fn finish(self) -> Vec<u8> {
        let total = HEADER_SIZE + self.buf.len() + 1;
        let total32 = u32::try_from(total).expect("listpacks are smaller than 4 GiB");
        // 65535 itself also means "count them" (lpInsert stops counting there).
        let count16 = u16::try_from(self.count).unwrap_or(COUNT_UNKNOWN);
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&total32.to_le_bytes());
        out.extend_from_slice(&count16.to_le_bytes());
        out.extend_from_slice(&self.buf);
        out.push(EOF);
        out
    }
}

/// Writes the backlen of an entry of `len` bytes (lpEncodeBacklen); returns its size.
fn encode_backlen(len: u64, out: &mut [u8; 5]) -> usize {
    if len <= 127 {
        out[0] = len as u8;
        1
    } else if len < 16383 {
        out[0] = (len >> 7) as u8;
        out[1] = ((len & 127) | 128) as u8;
        2
    } else if len < 2_097_151 {
        out[0] = (len >> 14) as u8;
        out[1] = (((len >> 7) & 127) | 128) as u8;
        out[2] = ((len & 127) | 128) as u8;
        3
    } else if len < 268_435_455 {
        out[0] = (len >> 21) as u8;
        out[1] = (((len >> 14) & 127) | 128) as u8;
        out[2] = (((len >> 7) & 127) | 128) as u8;
        out[3] = ((len & 127) | 128) as u8;
        4
    } else {
        out[0] = (len >> 28) as u8;
        out[1] = (((len >> 21) & 127) | 128) as u8;
        out[2] = (((len >> 14) & 127) | 128) as u8;
        out[3] = (((len >> 7) & 127) | 128) as u8;
        out[4] = ((len & 127) | 128) as u8;
        5
    }
}

/// Reads a backlen backwards from `blob[end - 1]` (lpDecodeBacklen), never before `floor`.
fn decode_backlen(blob: &[u8], end: usize, floor: usize) -> Option<u64> {
    let mut val = 0u64;
    let mut shift = 0u32;
    let mut i = end;
    loop {
        if i <= floor {
            return None;
        }
        i -= 1;
        let b = *blob.get(i)?;
        val |= u64::from(b & 127) << shift;
        if b & 128 == 0 {
            return Some(val);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
    }
}

/// Redis's lpStringToInt64 (and string2ll): true for the canonical decimal form of an i64
/// only ("0", "-5", "123"; not "+1", "01", "-0", " 1").
pub fn string_to_i64(s: &[u8]) -> Option<i64> {
    // LONG_STR_SIZE is 21.
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Checks `blob` entirely (header size and count, every entry's bounds and backlen, the
/// terminator) and returns its elements in order.
pub fn entries(blob: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    if blob.len() < HEADER_SIZE + 1 {
        return Err(format!(
            "listpack of {} bytes is shorter than its header",
            blob.len()
        ));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    if total != blob.len() {
        return Err(format!(
            "listpack header says {total} bytes, blob has {}",
            blob.len()
        ));
    }
    if blob[blob.len() - 1] != EOF {
        return Err("listpack does not end with 0xFF".into());
    }
    let header_count = u16::from_le_bytes([blob[4], blob[5]]);
    let last = blob.len() - 1;
    let mut out = Vec::with_capacity(usize::from(header_count).min(1 << 16));
    let mut p = HEADER_SIZE;
    while p < last {
        let (entry, next) = read_entry(blob, p, last)?;
        out.push(entry);
        p = next;
    }
    if p != last {
        return Err("listpack entries overrun the terminator".into());
    }
    if header_count != COUNT_UNKNOWN && usize::from(header_count) != out.len() {
        return Err(format!(
            "listpack header counts {header_count} elements, found {}",
            out.len()
        ));
    }
    Ok(out)
}

/// Checks a listpack and returns its elements as bytes (integers in decimal).
pub fn decode(blob: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    Ok(entries(blob)?.iter().map(Entry::to_bytes).collect())
}

/// Reads the entry at `p` (which is before `last`, the terminator's index): the element and
/// where the next entry starts.
fn read_entry(blob: &[u8], p: usize, last: usize) -> Result<(Entry<'_>, usize), String> {
    let bad = |what: &str| format!("listpack entry at {p}: {what}");
    let byte = |i: usize| -> Result<u8, String> {
        if i < last {
            Ok(blob[i])
        } else {
            Err(bad("header runs past the end"))
        }
    };
    let b = blob[p];
    // (header size, data size, how to read it)
    let (head, data_len, is_int): (usize, usize, bool) = if b & 0x80 == 0 {
        (1, 0, true)
    } else if b & 0xC0 == 0x80 {
        (1, usize::from(b & 0x3F), false)
    } else if b & 0xE0 == 0xC0 {
        (1, 1, true)
    } else if b & 0xF0 == 0xE0 {
        (
            2,
            (usize::from(b & 0x0F) << 8) | usize::from(byte(p + 1)?),
            false,
        )
    } else {
        match b {
            0xF0 => {
                let len =
                    u32::from_le_bytes([byte(p + 1)?, byte(p + 2)?, byte(p + 3)?, byte(p + 4)?]);
                (5, len as usize, false)
            }
            0xF1 => (1, 2, true),
            0xF2 => (1, 3, true),
            0xF3 => (1, 4, true),
            0xF4 => (1, 8, true),
            _ => return Err(bad(&format!("invalid encoding byte {b:#04x}"))),
        }
    };
    let encoded_len = head
        .checked_add(data_len)
        .ok_or_else(|| bad("length overflows"))?;
    let mut scratch = [0u8; 5];
    let backlen_size = encode_backlen(encoded_len as u64, &mut scratch);
    let next = p
        .checked_add(encoded_len)
        .and_then(|n| n.checked_add(backlen_size))
        .filter(|&n| n <= last)
        .ok_or_else(|| bad("runs past the end"))?;
    let backlen = decode_backlen(blob, next, p).ok_or_else(|| bad("bad backlen"))?;
    if backlen != encoded_len as u64 {
        return Err(bad("backlen does not match the entry size"));
    }
    let data = &blob[p + head..p + encoded_len];
    let entry = if !is_int {
        Entry::Str(data)
    } else {
        Entry::Int(match b {
            _ if b & 0x80 == 0 => i64::from(b),
            _ if b & 0xE0 == 0xC0 => {
                let u = (i64::from(b & 0x1F) << 8) | i64::from(data[0]);
                (u << 51) >> 51
            }
            0xF1 => i64::from(i16::from_le_bytes([data[0], data[1]])),
            0xF2 => (i64::from(i32::from_le_bytes([0, data[0], data[1], data[2]]))) >> 8,
            0xF3 => i64::from(i32::from_le_bytes([data[0], data[1], data[2], data[3]])),
            _ => i64::from_le_bytes([
                data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7],
            ]),
        })
    };
    Ok((entry, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(items: &[&[u8]]) -> Vec<u8> {
        let mut b = Builder::new();
        for item in items {
            b.push(item);
        }
        assert_eq!(b.count(), items.len());
        let blob = b.finish();
        let back = decode(&blob).unwrap();
        assert_eq!(back, items.iter().map(|s| s.to_vec()).collect::<Vec<_>>());
        blob
    }

    #[test]
    fn canonical_integers_only() {
        for ok in [
            "0",
            "1",
            "-1",
            "127",
            "9223372036854775807",
            "-9223372036854775808",
        ] {
            assert!(string_to_i64(ok.as_bytes()).is_some(), "{ok}");
        }
        for bad in [
            "",
            "-",
            "-0",
            "01",
            "+1",
            " 1",
            "1 ",
            "9223372036854775808",
            "1.0",
            "0x1",
            "-9223372036854775809",
            "000",
        ] {
            assert!(string_to_i64(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    /// `a 1 -1 300`, encoded by hand from listpack.c's rules (a 6-bit string, a 7-bit uint,
    /// two 13-bit ints, one-byte backlens). The golden tests compare with redis-server too.
    #[test]
    fn matches_redis_bytes() {
        let blob = round_trip(&[b"a", b"1", b"-1", b"300"]);
        assert_eq!(
            blob,
            vec![
                18, 0, 0, 0, 4, 0, // header
                0x81, b'a', 2, // "a"
                0x01, 1, // 1
                0xDF, 0xFF, 2, // -1 as 13-bit
                0xC1, 0x2C, 2, // 300 as 13-bit
                0xFF
            ]
        );
    }

    #[test]
    fn every_width() {
        let values: Vec<String> = [
            0i64,
            127,
            128,
            -4096,
            4095,
            4096,
            -4097,
            32767,
            -32768,
            32768,
            8_388_607,
            -8_388_608,
            8_388_608,
            2_147_483_647,
            -2_147_483_648,
            2_147_483_648,
            i64::MAX,
            i64::MIN,
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        let items: Vec<&[u8]> = values.iter().map(|s| s.as_bytes()).collect();
        round_trip(&items);
        let long63 = vec![b'x'; 63];
        let long64 = vec![b'y'; 64];
        let long4095 = vec![b'z'; 4095];
        let long4096 = vec![b'w'; 4096];
        let huge = vec![b'h'; 20000];
        round_trip(&[
            &long63, &long64, &long4095, &long4096, &huge, b"", b"-0", b"01",
        ]);
    }

    #[test]
    fn count_saturates() {
        let mut b = Builder::new();
        for i in 0..70000 {
            b.push_int(i % 100);
        }
        let blob = b.finish();
        assert_eq!(&blob[4..6], &[0xFF, 0xFF]);
        assert_eq!(entries(&blob).unwrap().len(), 70000);
    }

    #[test]
    fn rejects_damage() {
        let blob = round_trip(&[b"hello", b"12345", b"x"]);
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
        let mut wrong_count = blob.clone();
        wrong_count[4] = 2;
        assert!(entries(&wrong_count).is_err());
    }
}

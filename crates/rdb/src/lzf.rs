//! LZF, as Redis uses it for strings longer than 20 bytes when `rdbcompression yes`.
//!
//! Decompression is the `lzf-rust` crate's. Compression is ours: the crates available zero a
//! 64K-entry hash table on every call, which for RDB's many small strings (a 100-byte value
//! per key) cost more than the rest of the save together. `Compressor` keeps its table across
//! calls and tells this call's entries from older ones by position instead (a stale entry is
//! at worst a candidate whose bytes are compared before use), as liblzf does with its
//! uninitialised table. The output is plain LZF: any LZF decoder, Redis's included, reads it.

/// Bits of the match-finder hash (liblzf's HLOG).
const HASH_LOG: u32 = 14;
const MAX_LITERAL: usize = 32;
const MAX_OFFSET: usize = 1 << 13;
const MAX_MATCH: usize = (1 << 8) + (1 << 3);

/// An LZF compressor that reuses its hash table between calls.
pub struct Compressor {
    /// Absolute positions (`base` + index) of the last 3-byte sequence with each hash.
    table: Vec<u32>,
    /// Absolute position of this call's first byte; entries below it belong to older calls.
    base: u32,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor {
            table: vec![0; 1 << HASH_LOG],
            base: 1,
        }
    }
}

impl Compressor {
    /// Compresses `input` if that saves at least 4 bytes (Redis's rule: a compressed string
    /// costs two lengths more than a plain one). `None` means: store it plain.
    pub fn compress(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let n = input.len();
        if n <= 4 || n >= (u32::MAX / 2) as usize {
            return None;
        }
        if (self.base as usize) + n >= u32::MAX as usize {
            self.table.fill(0);
            self.base = 1;
        }
        let limit = n - 4;
        let mut out = Vec::with_capacity(limit);
        let base = self.base as usize;
        let mut lit_start = 0;
        let mut ip = 0;
        while ip + 2 < n {
            let seq = u32::from(input[ip]) << 16
                | u32::from(input[ip + 1]) << 8
                | u32::from(input[ip + 2]);
            let h = (seq.wrapping_mul(0x1e35_a7bd) >> (32 - HASH_LOG)) as usize;
            let stored = self.table[h] as usize;
            self.table[h] = (base + ip) as u32;
            let candidate = stored
                .checked_sub(base)
                .filter(|&r| r < ip && ip - r <= MAX_OFFSET);
            let Some(r) = candidate.filter(|&r| input[r..r + 3] == input[ip..ip + 3]) else {
                ip += 1;
                continue;
            };
            let max_len = MAX_MATCH.min(n - ip);
            let mut len = 3;
            while len < max_len && input[r + len] == input[ip + len] {
                len += 1;
            }
            push_literals(&mut out, &input[lit_start..ip]);
            push_backref(&mut out, ip - r - 1, len);
            if out.len() > limit {
                return self.done(n, None);
            }
            ip += len;
            lit_start = ip;
        }
        push_literals(&mut out, &input[lit_start..]);
        let result = (out.len() <= limit).then_some(out);
        self.done(n, result)
    }

    fn done(&mut self, n: usize, result: Option<Vec<u8>>) -> Option<Vec<u8>> {
        self.base += n as u32 + 1;
        result
    }
}

fn push_literals(out: &mut Vec<u8>, mut lit: &[u8]) {
    while !lit.is_empty() {
        let run = lit.len().min(MAX_LITERAL);
        out.push((run - 1) as u8);
        out.extend_from_slice(&lit[..run]);
        lit = &lit[run..];
    }
}

/// A back reference: `len` bytes (3..=264) copied from `off + 1` bytes back.
fn push_backref(out: &mut Vec<u8>, off: usize, len: usize) {
    let l = len - 2;
    let off_hi = (off >> 8) as u8;
    if l < 7 {
        out.push(((l as u8) << 5) | off_hi);
    } else {
        out.push((7 << 5) | off_hi);
        out.push((l - 7) as u8);
    }
    out.push(off as u8);
}

/// Decompresses `input` into exactly `expected_len` bytes; `None` if the data is corrupt or does
/// not produce that many bytes.
pub fn decompress(input: &[u8], expected_len: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; expected_len];
    match lzf_rust::decompress(input, &mut out) {
        Ok(n) if n == expected_len => Some(out),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_incompressible() {
        let mut c = Compressor::default();
        let text = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(10);
        let packed = c.compress(&text).expect("repetitive text compresses");
        assert!(packed.len() < text.len());
        assert_eq!(decompress(&packed, text.len()).unwrap(), text);
        assert!(c.compress(&[1, 2, 3, 4, 5, 6, 7, 8]).is_none());
        assert!(decompress(&packed, text.len() + 1).is_none());
    }

    #[test]
    fn many_inputs_through_one_table_round_trip() {
        let mut c = Compressor::default();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..3000usize {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 5 + (seed as usize % 3000);
            let alphabet = 1 + (round % 7) as u64;
            let input: Vec<u8> = (0..len)
                .map(|i| (((seed >> (i % 50)) ^ (i as u64 / 3)) % alphabet) as u8 + b'a')
                .collect();
            if let Some(packed) = c.compress(&input) {
                assert!(packed.len() <= input.len() - 4);
                assert_eq!(
                    decompress(&packed, input.len()).unwrap(),
                    input,
                    "round {round}"
                );
            }
        }
        let zeros = vec![0u8; 100_000];
        let packed = c.compress(&zeros).unwrap();
        assert_eq!(decompress(&packed, zeros.len()).unwrap(), zeros);
    }
}

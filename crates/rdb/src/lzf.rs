//! LZF, as Redis uses it for strings longer than 20 bytes when `rdbcompression yes`.

/// Compresses `input` if that saves at least 4 bytes (Redis's rule: a compressed string costs
/// two lengths more than a plain one). `None` means: store it plain.
pub fn compress(input: &[u8]) -> Option<Vec<u8>> {
    if input.len() <= 4 {
        return None;
    }
    let mut out = vec![0u8; input.len() - 4];
    match lzf_rust::compress(input, &mut out) {
        Ok(n) if n > 0 => {
            out.truncate(n);
            Some(out)
        }
        _ => None,
    }
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
    #[test]
    fn round_trip_and_incompressible() {
        let text = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(10);
        let packed = super::compress(&text).expect("repetitive text compresses");
        assert!(packed.len() < text.len());
        assert_eq!(super::decompress(&packed, text.len()).unwrap(), text);
        assert!(super::compress(&[1, 2, 3, 4, 5, 6, 7, 8]).is_none());
        assert!(super::decompress(&packed, text.len() + 1).is_none());
    }
}

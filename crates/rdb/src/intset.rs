//! Intsets: sorted arrays of integers all stored in the narrowest width that fits the widest
//! (2, 4 or 8 bytes), as RDB's `SET_INTSET` type stores small all-integer sets.
//!
//! Layout: encoding (u32 LE: the width in bytes), length (u32 LE), the values LE, ascending.

const HEADER_SIZE: usize = 8;

/// An intset blob for these values (sorted, deduplicated, narrowest width).
pub fn build(values: &[i64]) -> Vec<u8> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let width: usize = if sorted.iter().all(|&v| i16::try_from(v).is_ok()) {
        2
    } else if sorted.iter().all(|&v| i32::try_from(v).is_ok()) {
        4
    } else {
        8
    };
    let count = u32::try_from(sorted.len()).expect("intsets hold fewer than 2^32 values");
    let mut out = Vec::with_capacity(HEADER_SIZE + sorted.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    for v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// Checks an intset as Redis's deep `intsetValidateIntegrity` does (a known width, a size that
/// matches the length, not empty, strictly ascending) and returns its values.
pub fn decode(blob: &[u8]) -> Result<Vec<i64>, String> {
    let Some((header, body)) = blob.split_first_chunk::<HEADER_SIZE>() else {
        return Err(format!(
            "intset of {} bytes is shorter than its header",
            blob.len()
        ));
    };
    let width = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let width = match width {
        2 | 4 | 8 => width as usize,
        _ => return Err(format!("intset encoding {width} is not 2, 4 or 8")),
    };
    if (count as u64) * (width as u64) != body.len() as u64 {
        return Err(format!(
            "intset of {count} {width}-byte values in {} bytes",
            body.len()
        ));
    }
    if count == 0 {
        return Err("empty intset".into());
    }
    let mut out = Vec::with_capacity(count as usize);
    for chunk in body.chunks_exact(width) {
        let v = match *chunk {
            [a, b] => i64::from(i16::from_le_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => unreachable!("chunks_exact yields width-sized chunks"),
        };
        if out.last().is_some_and(|&prev| prev >= v) {
            return Err("intset values are not strictly ascending".into());
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowest_width_sorted_dedup() {
        assert_eq!(
            build(&[3, 1, 2, 1]),
            vec![2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0, 3, 0]
        );
        assert_eq!(build(&[40000])[..4], [4, 0, 0, 0]);
        assert_eq!(build(&[-32769])[..4], [4, 0, 0, 0]);
        assert_eq!(build(&[1 << 31])[..4], [8, 0, 0, 0]);
        for values in [
            vec![5i64, -7, 32767, -32768],
            vec![1 << 40, -1, 0],
            vec![i64::MIN, i64::MAX],
        ] {
            let mut sorted = values.clone();
            sorted.sort();
            assert_eq!(decode(&build(&values)).unwrap(), sorted);
        }
    }

    #[test]
    fn rejects_damage() {
        assert!(decode(&build(&[])).is_err(), "empty");
        let blob = build(&[1, 2, 3]);
        for cut in 0..blob.len() {
            assert!(decode(&blob[..cut]).is_err());
        }
        let mut unsorted = blob.clone();
        unsorted[8] = 9;
        assert!(decode(&unsorted).is_err());
        let mut bad_width = blob.clone();
        bad_width[0] = 3;
        assert!(decode(&bad_width).is_err());
        let mut huge_count = blob;
        huge_count[7] = 0xFF;
        assert!(decode(&huge_count).is_err());
    }
}

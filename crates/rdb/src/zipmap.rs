//! Zipmaps: Redis 2.x's small-hash encoding (`HASH_ZIPMAP`). Read only; the checks are
//! `zipmapValidateIntegrity`'s deep mode.
//!
//! Layout: a count byte (254 = "count it"), then per pair: field length, field, value
//! length, a "free" byte, value, that many unused bytes; then 0xFF. A length is one byte
//! below 254, or 254 and a u32 LE.

/// A field and its value.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

const END: u8 = 0xFF;
const BIGLEN: u8 = 254;

/// Checks `blob` entirely and returns its field-value pairs in order. Empty zipmaps are
/// corrupt, as in Redis.
pub fn pairs(blob: &[u8]) -> Result<Vec<Pair<'_>>, String> {
    if blob.len() < 2 {
        return Err(format!("zipmap of {} bytes is too short", blob.len()));
    }
    let last = blob.len() - 1;
    if blob[last] != END {
        return Err("zipmap does not end with 0xFF".into());
    }
    let mut out = Vec::new();
    let mut p = 1;
    while blob[p] != END {
        let past_end = || "zipmap entry runs past the end".to_string();
        let (field_start, field_len) = read_len(blob, p, last)?;
        let field_end = field_start
            .checked_add(field_len)
            .filter(|&e| e < last)
            .ok_or_else(past_end)?;
        let (free_at, value_len) = read_len(blob, field_end, last)?;
        if free_at >= last {
            return Err(past_end());
        }
        let value_start = free_at + 1;
        let value_end = value_start
            .checked_add(value_len)
            .filter(|&e| e <= last)
            .ok_or_else(past_end)?;
        let end = value_end
            .checked_add(usize::from(blob[free_at]))
            .filter(|&e| e <= last)
            .ok_or_else(past_end)?;
        out.push((&blob[field_start..field_end], &blob[value_start..value_end]));
        p = end;
    }
    if p != last {
        return Err("zipmap terminator found before the end".into());
    }
    if out.is_empty() {
        return Err("empty zipmap".into());
    }
    if blob[0] != BIGLEN && usize::from(blob[0]) != out.len() {
        return Err(format!(
            "zipmap header counts {}, found {}",
            blob[0],
            out.len()
        ));
    }
    Ok(out)
}

/// Reads the length at `p` (before `last`): the index after it (at most `last`) and the
/// length.
fn read_len(blob: &[u8], p: usize, last: usize) -> Result<(usize, usize), String> {
    let b = blob[p];
    if b < BIGLEN {
        return Ok((p + 1, usize::from(b)));
    }
    match blob.get(p + 1..p + 5) {
        Some(&[a, b, c, d]) if p + 5 <= last => {
            Ok((p + 5, u32::from_le_bytes([a, b, c, d]) as usize))
        }
        _ => Err("zipmap length runs past the end".into()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A zipmap of these pairs, each value followed by `free` unused bytes.
    pub(crate) fn build(pairs: &[(&[u8], &[u8])], free: u8) -> Vec<u8> {
        let mut out = vec![pairs.len().min(254) as u8];
        let len = |out: &mut Vec<u8>, l: usize| {
            if l < 254 {
                out.push(l as u8);
            } else {
                out.push(BIGLEN);
                out.extend_from_slice(&(l as u32).to_le_bytes());
            }
        };
        for (f, v) in pairs {
            len(&mut out, f.len());
            out.extend_from_slice(f);
            len(&mut out, v.len());
            out.push(free);
            out.extend_from_slice(v);
            out.extend(std::iter::repeat_n(0u8, usize::from(free)));
        }
        out.push(END);
        out
    }

    #[test]
    fn round_trips() {
        let big = vec![b'v'; 300];
        let items: Vec<(&[u8], &[u8])> = vec![(b"a", b"1"), (b"field", &big), (b"", b"")];
        for free in [0, 3] {
            assert_eq!(pairs(&build(&items, free)).unwrap(), items);
        }
    }

    #[test]
    fn rejects_damage() {
        assert!(pairs(&build(&[], 0)).is_err(), "empty");
        let blob = build(&[(b"k", b"v"), (b"k2", b"value")], 1);
        for cut in 0..blob.len() {
            assert!(pairs(&blob[..cut]).is_err());
        }
        for i in 0..blob.len() {
            for bit in 0..8 {
                let mut b = blob.clone();
                b[i] ^= 1 << bit;
                let _ = pairs(&b);
            }
        }
        let mut wrong_count = blob;
        wrong_count[0] = 3;
        assert!(pairs(&wrong_count).is_err());
    }
}

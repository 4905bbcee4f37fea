//! Redis's glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes.
//! Used by KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET and CLIENT KILL patterns.
//! Iterative with single-star backtracking, so no pattern can blow the stack.

/// True when `text` matches the glob `pattern`.
pub fn matches(pattern: &[u8], text: &[u8], nocase: bool) -> bool {
    // Redis's matcher never matches an empty string, except with an empty pattern ("*" too).
    if text.is_empty() {
        return pattern.is_empty();
    }
    let (mut p, mut t) = (0usize, 0usize);
    // Where to resume after the last `*`: (pattern index after the star, text index it absorbed up to).
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    while p < pattern.len() && pattern[p] == b'*' {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    star = Some((p, t));
                    continue;
                }
                _ => {
                    if let Some(next_p) = match_one(pattern, p, text[t], nocase) {
                        p = next_p;
                        t += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// Matches one text byte against the pattern element at `p` (not `*`); returns the index after it.
fn match_one(pattern: &[u8], mut p: usize, c: u8, nocase: bool) -> Option<usize> {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    match pattern[p] {
        b'?' => Some(p + 1),
        b'[' => {
            p += 1;
            let negate = p < pattern.len() && pattern[p] == b'^';
            if negate {
                p += 1;
            }
            let mut hit = false;
            loop {
                if p >= pattern.len() {
                    // Unterminated class: Redis treats the end of the pattern as its end.
                    break;
                }
                if pattern[p] == b'\\' && p + 1 < pattern.len() {
                    p += 1;
                    hit |= eq(pattern[p], c);
                } else if pattern[p] == b']' {
                    p += 1;
                    break;
                } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' {
                    let (mut lo, mut hi) = (pattern[p], pattern[p + 2]);
                    if lo > hi {
                        std::mem::swap(&mut lo, &mut hi);
                    }
                    let cc = if nocase { c.to_ascii_lowercase() } else { c };
                    let (lo2, hi2) = if nocase {
                        (lo.to_ascii_lowercase(), hi.to_ascii_lowercase())
                    } else {
                        (lo, hi)
                    };
                    hit |= (c >= lo && c <= hi) || (nocase && cc >= lo2 && cc <= hi2);
                    p += 2;
                } else {
                    hit |= eq(pattern[p], c);
                }
                p += 1;
            }
            if hit != negate { Some(p) } else { None }
        }
        b'\\' if p + 1 < pattern.len() => eq(pattern[p + 1], c).then_some(p + 2),
        other => eq(other, c).then_some(p + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn redis_glob_cases() {
        let m = |p: &str, t: &str| matches(p.as_bytes(), t.as_bytes(), false);
        assert!(!m("*", ""));
        assert!(m("", ""));
        assert!(m("*", "anything"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("*a*b*c", "xxaxxbxxc"));
        assert!(!m("*a*b*c", "xxaxxbxx"));
        assert!(m("user:*:name", "user:1000:name"));
        assert!(matches(b"HELLO*", b"hello world", true));
        assert!(!m("a", "ab"));
        assert!(m("a**", "a"));
    }
}

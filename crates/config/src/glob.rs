//! Redis's glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes, with
//! Redis's edge cases (an unterminated `[` class runs to the end of the pattern; a reversed range
//! is swapped; the empty string matches only the empty pattern). Used by CONFIG GET and by
//! `include` with wildcards.
//!
//! Iterative with one backtrack point, so a hostile pattern cannot exhaust the stack.

/// Matches one non-`*` pattern element at `p` against byte `c`. Returns whether it matched and
/// where the next element starts.
fn match_one(pat: &[u8], p: usize, c: u8, nocase: bool) -> (bool, usize) {
    let lower = |b: u8| if nocase { b.to_ascii_lowercase() } else { b };
    match pat[p] {
        b'?' => (true, p + 1),
        b'[' => match_class(pat, p + 1, c, nocase),
        b'\\' if p + 1 < pat.len() => (lower(pat[p + 1]) == lower(c), p + 2),
        lit => (lower(lit) == lower(c), p + 1),
    }
}

/// Matches a `[...]` class whose body starts at `i` (just after `[`).
fn match_class(pat: &[u8], mut i: usize, c: u8, nocase: bool) -> (bool, usize) {
    let negate = pat.get(i) == Some(&b'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    // An unterminated class swallows the rest of the pattern.
    while let Some(&b) = pat.get(i) {
        if b == b'\\' && pat.len() - i >= 2 {
            i += 1;
            if pat[i] == c {
                matched = true;
            }
        } else if b == b']' {
            i += 1;
            break;
        } else if pat.len() - i >= 3 && pat[i + 1] == b'-' {
            let (mut start, mut end) = (pat[i], pat[i + 2]);
            if start > end {
                std::mem::swap(&mut start, &mut end);
            }
            let mut ch = c;
            if nocase {
                start = start.to_ascii_lowercase();
                end = end.to_ascii_lowercase();
                ch = ch.to_ascii_lowercase();
            }
            i += 2;
            if (start..=end).contains(&ch) {
                matched = true;
            }
        } else if (nocase && b.eq_ignore_ascii_case(&c)) || b == c {
            matched = true;
        }
        i += 1;
    }
    (matched != negate, i.min(pat.len()))
}

/// Whether `string` matches the glob `pattern`.
pub fn stringmatch(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    let (mut p, mut s) = (0usize, 0usize);
    // After a `*`: where the rest of the pattern starts and how much of the string it skipped.
    let mut star: Option<(usize, usize)> = None;
    while s < string.len() {
        if p < pattern.len() {
            if pattern[p] == b'*' {
                while p < pattern.len() && pattern[p] == b'*' {
                    p += 1;
                }
                if p == pattern.len() {
                    return true;
                }
                star = Some((p, s));
                continue;
            }
            let (ok, next) = match_one(pattern, p, string[s], nocase);
            if ok {
                p = next;
                s += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                star = Some((sp, ss + 1));
                p = sp;
                s = ss + 1;
            }
            None => return false,
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::stringmatch;

    fn m(p: &str, s: &str) -> bool {
        stringmatch(p.as_bytes(), s.as_bytes(), true)
    }

    #[test]
    fn globs_like_redis() {
        assert!(m("*", "maxmemory"));
        assert!(m("max*", "maxmemory"));
        assert!(m("MAX*", "maxmemory"));
        assert!(m("*memory*", "maxmemory-policy"));
        assert!(m("m?xmemory", "maxmemory"));
        assert!(m("[lm]axmemory", "maxmemory"));
        assert!(m("[^x]axmemory", "maxmemory"));
        assert!(!m("[^m]axmemory", "maxmemory"));
        assert!(m("[a-z]*", "port"));
        assert!(m("[z-a]ort", "port"));
        assert!(m("p\\ort", "port"));
        assert!(!m("port", "ports"));
        assert!(!m("ports", "port"));
        assert!(m("port**", "port"));
        assert!(m("*a*b*c", "xxaxxbxxc"));
        assert!(!m("*a*b*c", "xxaxxbxxd"));
        assert!(m("[abc", "c"));
        assert!(!m("*", ""));
        assert!(m("", ""));
        assert!(!stringmatch(b"PORT", b"port", false));
    }

    #[test]
    fn hostile_pattern_is_fast() {
        let pat = "*a".repeat(1000) + "b";
        let s = "a".repeat(3000);
        assert!(!m(&pat, &s));
    }
}

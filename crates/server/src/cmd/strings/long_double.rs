//! INCRBYFLOAT's arithmetic as Redis 7.0 does it on x86-64: in C `long double` (the x87 80-bit
//! format, a 64-bit significand), with `strtold`'s parsing and `printf("%.17Lf")`'s rounding,
//! emulated exactly so results agree digit for digit: "0.1" + "0.2" is "0.3" (in f64 it would
//! be 0.30000000000000004), and "1e308" + "1e308" is a 309-digit number, not an overflow.

use std::cmp::Ordering;

/// Significand bits of the x87 extended format.
const SIG_BITS: i64 = 64;
/// Exponent of the top significand bit, for normal numbers.
const MAX_TOP_EXP: i64 = 16383;
const MIN_TOP_EXP: i64 = -16382;
/// Exponent of the lowest significand bit of the smallest subnormal.
const MIN_LSB_EXP: i64 = MIN_TOP_EXP - (SIG_BITS - 1);
/// Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are not numbers.
const MAX_CHARS: usize = 5 * 1024;

/// A long double: infinite, or (-1)^neg × mant × 2^exp (zero when `mant` is 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ld {
    Finite { neg: bool, mant: u64, exp: i64 },
    Infinite { neg: bool },
}

impl Ld {
    pub fn from_i64(v: i64) -> Ld {
        round(&Big::from_u128(v.unsigned_abs() as u128), 0, false, v < 0)
    }

    pub fn is_finite(self) -> bool {
        matches!(self, Ld::Finite { .. })
    }

    /// The nearest f64 (for comparisons and timeouts, where long double precision is moot).
    pub fn to_f64(self) -> f64 {
        match self {
            Ld::Infinite { neg } => {
                if neg {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Ld::Finite { neg, mant, exp } => {
                let v = (mant as f64) * 2f64.powi(exp.clamp(-2000, 2000) as i32);
                if neg { -v } else { v }
            }
        }
    }
}

/// An unsigned big integer, little-endian 32-bit limbs, no trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut limbs = Vec::new();
        while v != 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Big(limbs)
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn bit_len(&self) -> i64 {
        match self.0.last() {
            None => 0,
            Some(top) => self.0.len() as i64 * 32 - top.leading_zeros() as i64,
        }
    }

    fn bit(&self, i: i64) -> bool {
        let limb = (i / 32) as usize;
        i >= 0 && limb < self.0.len() && (self.0[limb] >> (i % 32)) & 1 == 1
    }

    /// True if any bit below position `i` is set.
    fn any_below(&self, i: i64) -> bool {
        let full = (i.max(0) / 32) as usize;
        self.0.iter().take(full).any(|&l| l != 0)
            || (full < self.0.len() && i % 32 != 0 && self.0[full] << (32 - i % 32) != 0)
    }

    fn mul_add_small(&mut self, m: u32, add: u32) {
        let mut carry = add as u64;
        for limb in &mut self.0 {
            let v = *limb as u64 * m as u64 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        self.mul_add_small(10u32.pow(n as u32), 0);
    }

    fn shl(&self, bits: i64) -> Big {
        if self.is_zero() {
            return self.clone();
        }
        let (limbs, rem) = ((bits / 32) as usize, (bits % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            out.push((l << rem) | carry);
            carry = if rem == 0 { 0 } else { l >> (32 - rem) };
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn shr(&self, bits: i64) -> Big {
        let (limbs, rem) = ((bits / 32) as usize, (bits % 32) as u32);
        if limbs >= self.0.len() {
            return Big(Vec::new());
        }
        let src = &self.0[limbs..];
        let mut out: Vec<u32> = (0..src.len())
            .map(|i| {
                let hi = if rem == 0 {
                    0
                } else {
                    src.get(i + 1).map_or(0, |h| h << (32 - rem))
                };
                (src[i] >> rem) | hi
            })
            .collect();
        while out.last() == Some(&0) {
            out.pop();
        }
        Big(out)
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// self -= other; requires self >= other.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = self.0[i] as i64 - other.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            borrow = (v < 0) as i64;
            self.0[i] = v.rem_euclid(1 << 32) as u32;
        }
        self.trim();
    }

    fn add(&self, other: &Big) -> Big {
        let n = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = self.0.get(i).copied().unwrap_or(0) as u64
                + other.0.get(i).copied().unwrap_or(0) as u64
                + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// Decimal digits ("0" for zero).
    fn to_decimal(&self) -> String {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let v = (rem << 32) | *l as u64;
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(rem as u32);
        }
        let mut s = chunks.pop().map_or("0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

/// Rounds (mag + something below its last bit if `sticky`) × 2^exp2 to the nearest long
/// double, ties to even, with subnormals and overflow to infinity, as the x87 FPU does.
fn round(mag: &Big, exp2: i64, sticky: bool, neg: bool) -> Ld {
    if mag.is_zero() {
        return Ld::Finite {
            neg,
            mant: 0,
            exp: 0,
        };
    }
    let len = mag.bit_len();
    let shift = (len - SIG_BITS).max(MIN_LSB_EXP - exp2);
    let (mant, mut exp) = if shift <= 0 {
        debug_assert!(!sticky, "inexact input needs guard bits");
        let m = mag.shl(-shift);
        (
            m.0.iter().rev().fold(0u64, |a, &l| (a << 32) | l as u64),
            exp2 + shift,
        )
    } else {
        let q = mag.shr(shift);
        let q = q.0.iter().rev().fold(0u128, |a, &l| (a << 32) | l as u128);
        let half = mag.bit(shift - 1);
        let rest = sticky || mag.any_below(shift - 1);
        let up = half && (rest || q & 1 == 1);
        let mut m = q + up as u128;
        let mut e = exp2 + shift;
        if m >> SIG_BITS != 0 {
            m >>= 1;
            e += 1;
        }
        (m as u64, e)
    };
    if mant == 0 {
        exp = 0;
    } else if exp + (64 - mant.leading_zeros() as i64) - 1 > MAX_TOP_EXP {
        return Ld::Infinite { neg };
    }
    Ld::Finite { neg, mant, exp }
}

/// floor(p / q) with a flag for a non-zero remainder, for quotients below 2^68.
fn div_small_quotient(p: &Big, q: &Big) -> (Big, bool) {
    let mut rem = p.clone();
    let mut quot = 0u128;
    for i in (0..68).rev() {
        let d = q.shl(i);
        if rem.cmp(&d) != Ordering::Less {
            rem.sub(&d);
            quot |= 1 << i;
        }
    }
    (Big::from_u128(quot), !rem.is_zero())
}

/// n × 10^e10, correctly rounded.
fn from_decimal(n: &Big, e10: i64, neg: bool) -> Ld {
    if e10 >= 0 {
        let mut m = n.clone();
        m.mul_pow10(e10 as u64);
        return round(&m, 0, false, neg);
    }
    let mut den = Big::from_u128(1);
    den.mul_pow10((-e10) as u64);
    // Scale so the quotient has 66 or 67 bits: guard bits for a correct rounding.
    let k = 66 - (n.bit_len() - den.bit_len());
    let (num, den) = if k >= 0 {
        (n.shl(k), den)
    } else {
        (n.clone(), den.shl(-k))
    };
    let (q, inexact) = div_small_quotient(&num, &den);
    round(&q, -k, inexact, neg)
}

/// Parses as Redis's string2ld: glibc `strtold` (decimal, hex, inf; never NaN) over the
/// whole argument, no leading space, and an overflow or a result flushed to zero refused.
pub fn parse(s: &[u8]) -> Option<Ld> {
    if s.is_empty() || s.len() >= MAX_CHARS || s[0].is_ascii_whitespace() || s[0] == 0x0b {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == b"inf" || lower == b"infinity" {
        return Some(Ld::Infinite { neg });
    }
    let hex = lower.len() > 2 && lower.starts_with(b"0x");
    let (radix, digits) = if hex {
        (16u32, &lower[2..])
    } else {
        (10, &lower[..])
    };
    let exp_char = if hex { b'p' } else { b'e' };
    let (mantissa, exponent) = match digits.iter().position(|&c| c == exp_char) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let mut n = Big(Vec::new());
    let mut frac_digits = 0i64;
    let mut seen_point = false;
    let mut seen_digit = false;
    let mut int_digits = 0i64; // significant digits before the point (decimal only)
    for &c in mantissa {
        if c == b'.' && !seen_point {
            seen_point = true;
            continue;
        }
        let d = (c as char).to_digit(radix)?;
        seen_digit = true;
        if !n.is_zero() || d != 0 {
            n.mul_add_small(radix, d);
            if !seen_point {
                int_digits += 1;
            }
        }
        if seen_point {
            frac_digits += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    let exp = match exponent {
        None => 0,
        Some(e) => {
            let (eneg, edigits) = match e.first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if edigits.is_empty() || !edigits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let v = edigits
                .iter()
                .fold(0i64, |a, &c| (a * 10 + (c - b'0') as i64).min(1 << 40));
            if eneg { -v } else { v }
        }
    };
    if n.is_zero() {
        return Some(Ld::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    }
    let result = if hex {
        let e2 = exp - 4 * frac_digits;
        let top = n.bit_len() + e2;
        if top > MAX_TOP_EXP + 2 {
            return None;
        }
        if top < MIN_LSB_EXP - 2 {
            return None;
        }
        round(&n, e2, false, neg)
    } else {
        let e10 = exp - frac_digits;
        // The value is below 10^magnitude and at least 10^(magnitude-1).
        let digits_total = if int_digits > 0 {
            int_digits
        } else {
            n.to_decimal().len() as i64 - frac_digits
        };
        let magnitude = digits_total + exp;
        if magnitude > 4934 {
            return None;
        }
        if magnitude < -4952 {
            return None;
        }
        from_decimal(&n, e10, neg)
    };
    match result {
        Ld::Finite { mant: 0, .. } | Ld::Infinite { .. } => None,
        ok => Some(ok),
    }
}

/// a + b, rounded once. None when the sum is infinite (or NaN).
pub fn add(a: Ld, b: Ld) -> Option<Ld> {
    let (
        Ld::Finite {
            neg: an,
            mant: am,
            exp: ae,
        },
        Ld::Finite {
            neg: bn,
            mant: bm,
            exp: be,
        },
    ) = (a, b)
    else {
        return None;
    };
    if am == 0 {
        return Some(if bm == 0 {
            Ld::Finite {
                neg: an && bn,
                mant: 0,
                exp: 0,
            }
        } else {
            b
        });
    }
    if bm == 0 {
        return Some(a);
    }
    let base = ae.min(be);
    let x = Big::from_u128(am as u128).shl(ae - base);
    let y = Big::from_u128(bm as u128).shl(be - base);
    let (mag, neg) = if an == bn {
        (x.add(&y), an)
    } else {
        match x.cmp(&y) {
            Ordering::Equal => {
                return Some(Ld::Finite {
                    neg: false,
                    mant: 0,
                    exp: 0,
                });
            }
            Ordering::Greater => {
                let mut d = x;
                d.sub(&y);
                (d, an)
            }
            Ordering::Less => {
                let mut d = y;
                d.sub(&x);
                (d, bn)
            }
        }
    };
    let r = round(&mag, base, false, neg);
    r.is_finite().then_some(r)
}

/// Formats as Redis's ld2string(LD_STR_HUMAN): `%.17Lf` (exactly rounded, ties to even),
/// trailing zeros and point removed, "-0" written "0".
pub fn format_human(v: Ld) -> String {
    let Ld::Finite { neg, mant, exp } = v else {
        return if matches!(v, Ld::Infinite { neg: true }) {
            "-inf"
        } else {
            "inf"
        }
        .into();
    };
    let scaled: Big = if exp >= 0 {
        let mut b = Big::from_u128(mant as u128).shl(exp);
        b.mul_pow10(17);
        b
    } else {
        // mant × 10^17 < 2^121: fits a u128.
        let x = mant as u128 * 10u128.pow(17);
        let sh = -exp;
        let q = if sh >= 128 {
            0
        } else {
            let q = x >> sh;
            let rem = x & ((1u128 << sh) - 1);
            let half = 1u128 << (sh - 1);
            q + (rem > half || (rem == half && q & 1 == 1)) as u128
        };
        Big::from_u128(q)
    };
    let digits = format!("{:0>18}", scaled.to_decimal());
    let (int_part, frac) = digits.split_at(digits.len() - 17);
    let frac = frac.trim_end_matches('0');
    let mut out = String::with_capacity(digits.len() + 2);
    if neg {
        out.push('-');
    }
    out.push_str(int_part);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if out == "-0" {
        out.remove(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incr(a: &str, b: &str) -> Option<String> {
        add(parse(a.as_bytes())?, parse(b.as_bytes())?).map(format_human)
    }

    #[test]
    fn sums_print_as_redis_long_double_prints_them() {
        assert_eq!(incr("0.1", "0.2").as_deref(), Some("0.3"));
        assert_eq!(incr("10.5", "0.1").as_deref(), Some("10.6"));
        assert_eq!(incr("5.0e3", "2.0e2").as_deref(), Some("5200"));
        assert_eq!(incr("1", "-1").as_deref(), Some("0"));
        assert_eq!(incr("-0.5", "0").as_deref(), Some("-0.5"));
        assert_eq!(incr("0x10", "1.5").as_deref(), Some("17.5"));
        assert_eq!(incr("1e-20", "0").as_deref(), Some("0"));
        assert_eq!(incr("-1e-20", "0").as_deref(), Some("0"));
        assert_eq!(
            incr("12345678901234567890", "100").as_deref(),
            Some("12345678901234567990")
        );
    }

    #[test]
    fn parse_refuses_what_string2ld_refuses() {
        for bad in [
            "", " 1", "1 ", "nan", "-nan", "1e", "e1", ".", "0x", "1e99999", "1e-99999", "abc",
            "1.2.3", "infin",
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        for good in [
            "1.", ".5", "+1", "-inf", "Infinity", "0x1p-2", "1E5", "0e99999",
        ] {
            assert!(parse(good.as_bytes()).is_some(), "{good:?}");
        }
    }
}

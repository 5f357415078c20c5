//! Simple word rules: case changes, leetspeak and digit/year/symbol suffixes.
//!
//! Every word expands to exactly [`VARIANTS`] slots (`transform × suffix`), so candidate
//! positions (`--skip`) are `word_index * VARIANTS + slot`. Slots whose transform leaves the
//! word unchanged (e.g. `upper` on `ABC`) are skipped but still counted.

/// Longest candidate a rule writes; longer words are passed through the identity slot only.
pub const MAX_LEN: usize = 128;

const TRANSFORMS: usize = 6; // identity, lower, upper, capitalize, toggle case, leetspeak

const SYMBOLS: &[&[u8]] = &[
    b"!", b"!!", b"@", b"#", b"$", b"*", b"?", b".", b"123", b"1234", b"12345", b"!@#", b"@123",
];
const YEAR_FIRST: u32 = 1970;
const YEAR_LAST: u32 = 2030;

/// Suffixes: none, 0-9, 00-99, years, symbols.
const SUFFIXES: usize = 1 + 10 + 100 + (YEAR_LAST - YEAR_FIRST + 1) as usize + SYMBOLS.len();

/// Candidate slots per word.
pub const VARIANTS: usize = TRANSFORMS * SUFFIXES;

fn suffix(i: usize, buf: &mut [u8; 4]) -> &[u8] {
    match i {
        0 => &[],
        1..=10 => {
            buf[0] = b'0' + (i - 1) as u8;
            &buf[..1]
        }
        11..=110 => {
            let n = i - 11;
            buf[0] = b'0' + (n / 10) as u8;
            buf[1] = b'0' + (n % 10) as u8;
            &buf[..2]
        }
        _ => {
            let y = i - 111;
            let years = (YEAR_LAST - YEAR_FIRST + 1) as usize;
            if y < years {
                let year = YEAR_FIRST as usize + y;
                buf.copy_from_slice(&[
                    b'0' + (year / 1000) as u8,
                    b'0' + (year / 100 % 10) as u8,
                    b'0' + (year / 10 % 10) as u8,
                    b'0' + (year % 10) as u8,
                ]);
                &buf[..4]
            } else {
                SYMBOLS[y - years]
            }
        }
    }
}

fn leet(b: u8) -> u8 {
    match b {
        b'a' | b'A' => b'4',
        b'e' | b'E' => b'3',
        b'i' | b'I' => b'1',
        b'o' | b'O' => b'0',
        b's' | b'S' => b'5',
        b't' | b'T' => b'7',
        other => other,
    }
}

/// Writes variant `slot` of `word` into `out` and returns its length, or `None` when the slot
/// is skipped (the transform does not change the word, or the result would exceed [`MAX_LEN`]).
/// No allocation.
pub fn apply(word: &[u8], slot: usize, out: &mut [u8; MAX_LEN]) -> Option<usize> {
    debug_assert!(slot < VARIANTS);
    let t = slot / SUFFIXES;
    let s = slot % SUFFIXES;
    let mut sbuf = [0u8; 4];
    let suf = suffix(s, &mut sbuf);
    let len = word.len() + suf.len();
    if len > MAX_LEN {
        return None;
    }
    let w = &mut out[..word.len()];
    w.copy_from_slice(word);
    match t {
        0 => {}
        1 => w.make_ascii_lowercase(),
        2 => w.make_ascii_uppercase(),
        3 => {
            w.make_ascii_lowercase();
            if let Some(f) = w.first_mut() {
                f.make_ascii_uppercase();
            }
        }
        4 => {
            for b in w.iter_mut() {
                if b.is_ascii_lowercase() {
                    b.make_ascii_uppercase();
                } else if b.is_ascii_uppercase() {
                    b.make_ascii_lowercase();
                }
            }
        }
        _ => {
            for b in w.iter_mut() {
                *b = leet(*b);
            }
        }
    }
    if t != 0 && &out[..word.len()] == word {
        return None;
    }
    out[word.len()..len].copy_from_slice(suf);
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(word: &str) -> Vec<String> {
        let mut out = [0u8; MAX_LEN];
        (0..VARIANTS)
            .filter_map(|s| {
                apply(word.as_bytes(), s, &mut out)
                    .map(|n| String::from_utf8_lossy(&out[..n]).into_owned())
            })
            .collect()
    }

    #[test]
    fn variants() {
        let v = all("secret");
        for want in [
            "secret",
            "Secret",
            "SECRET",
            "secret1",
            "secret07",
            "Secret2024",
            "SECRET!",
            "secret123",
            "53cr37",
        ] {
            assert!(v.iter().any(|x| x == want), "{want} missing");
        }
        // `lower` on an all-lowercase word is skipped, so no duplicates of the identity.
        assert_eq!(v.iter().filter(|x| *x == "secret").count(), 1);
        assert_eq!(v.len(), VARIANTS - SUFFIXES);
    }
}

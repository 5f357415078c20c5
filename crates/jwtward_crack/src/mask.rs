//! hashcat-style masks: `?l ?u ?d ?h ?H ?s ?a ?b`, custom charsets `?1`-`?4`, `??` for a
//! literal `?`, any other byte literal; optional increment over lengths.

use thiserror::Error;

/// A bad mask, with the position of the problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MaskError {
    #[error("`{mask}`: `?` at position {pos} ends the mask (use `??` for a literal `?`)")]
    Dangling { mask: String, pos: usize },
    #[error(
        "`{mask}`: unknown placeholder `?{c}` at position {pos} (known: ?l ?u ?d ?h ?H ?s ?a ?b ?1-?4 ??)"
    )]
    Unknown { mask: String, pos: usize, c: char },
    #[error(
        "`{mask}`: `?{n}` at position {pos} uses custom charset {n}, which was not given (--custom-charset{n})"
    )]
    MissingCustom { mask: String, pos: usize, n: u8 },
    #[error("the mask is empty")]
    Empty,
    #[error("custom charset {n} is empty")]
    EmptyCustom { n: u8 },
    #[error("increment range {min}..{max} is outside the mask length {len}")]
    Increment { min: usize, max: usize, len: usize },
}

const SPECIALS: &[u8] = b" !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

fn builtin_charset(c: u8) -> Option<Vec<u8>> {
    Some(match c {
        b'l' => (b'a'..=b'z').collect(),
        b'u' => (b'A'..=b'Z').collect(),
        b'd' => (b'0'..=b'9').collect(),
        b'h' => (b'0'..=b'9').chain(b'a'..=b'f').collect(),
        b'H' => (b'0'..=b'9').chain(b'A'..=b'F').collect(),
        b's' => SPECIALS.to_vec(),
        b'a' => (b'a'..=b'z')
            .chain(b'A'..=b'Z')
            .chain(b'0'..=b'9')
            .chain(SPECIALS.iter().copied())
            .collect(),
        b'b' => (0..=255).collect(),
        _ => return None,
    })
}

/// Expands a custom charset definition (it may use `?l` and friends).
fn expand_custom(def: &str, n: u8) -> Result<Vec<u8>, MaskError> {
    let b = def.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'?' && i + 1 < b.len() {
            if b[i + 1] == b'?' {
                out.push(b'?');
            } else if let Some(cs) = builtin_charset(b[i + 1]) {
                out.extend(cs);
            } else {
                out.push(b'?');
                out.push(b[i + 1]);
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let mut seen = [false; 256];
    out.retain(|&c| !std::mem::replace(&mut seen[c as usize], true));
    if out.is_empty() {
        return Err(MaskError::EmptyCustom { n });
    }
    Ok(out)
}

/// A parsed mask: one charset per position, and the lengths to enumerate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    positions: Vec<Vec<u8>>,
    min_len: usize,
    max_len: usize,
}

impl Mask {
    /// Parses `mask` with up to four custom charsets (`custom[0]` is `?1`).
    pub fn parse(mask: &str, custom: &[Option<String>; 4]) -> Result<Mask, MaskError> {
        let b = mask.as_bytes();
        let mut positions = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'?' {
                let Some(&c) = b.get(i + 1) else {
                    return Err(MaskError::Dangling {
                        mask: mask.into(),
                        pos: i + 1,
                    });
                };
                let cs = match c {
                    b'?' => vec![b'?'],
                    b'1'..=b'4' => {
                        let n = c - b'0';
                        let def = custom[(n - 1) as usize].as_deref().ok_or_else(|| {
                            MaskError::MissingCustom {
                                mask: mask.into(),
                                pos: i + 1,
                                n,
                            }
                        })?;
                        expand_custom(def, n)?
                    }
                    _ => builtin_charset(c).ok_or_else(|| MaskError::Unknown {
                        mask: mask.into(),
                        pos: i + 1,
                        c: char::from(c),
                    })?,
                };
                positions.push(cs);
                i += 2;
            } else {
                positions.push(vec![b[i]]);
                i += 1;
            }
        }
        if positions.is_empty() {
            return Err(MaskError::Empty);
        }
        let n = positions.len();
        Ok(Mask {
            positions,
            min_len: n,
            max_len: n,
        })
    }

    /// Enumerate lengths `min..=max` (hashcat's `--increment`); `None` means 1 / the full length.
    pub fn with_increment(
        mut self,
        min: Option<usize>,
        max: Option<usize>,
    ) -> Result<Mask, MaskError> {
        let len = self.positions.len();
        let (lo, hi) = (min.unwrap_or(1), max.unwrap_or(len));
        if lo == 0 || lo > hi || hi > len {
            return Err(MaskError::Increment {
                min: lo,
                max: hi,
                len,
            });
        }
        self.min_len = lo;
        self.max_len = hi;
        Ok(self)
    }

    /// Number of positions of the full mask.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The lengths enumerated, shortest first.
    pub fn lengths(&self) -> std::ops::RangeInclusive<usize> {
        self.min_len..=self.max_len
    }

    /// Candidates of length `len` (saturating at `u64::MAX`).
    pub fn keyspace_len(&self, len: usize) -> u64 {
        self.positions[..len]
            .iter()
            .fold(1u64, |acc, p| acc.saturating_mul(p.len() as u64))
    }

    /// All candidates over every enumerated length.
    pub fn keyspace(&self) -> u64 {
        self.lengths()
            .fold(0u64, |acc, l| acc.saturating_add(self.keyspace_len(l)))
    }

    pub(crate) fn charsets(&self, len: usize) -> &[Vec<u8>] {
        &self.positions[..len]
    }
}

/// Walks the candidates of one length from an index on (last position changes fastest).
pub(crate) struct Odometer<'a> {
    sets: &'a [Vec<u8>],
    idx: Vec<usize>,
    pub word: Vec<u8>,
    /// The first 16 bytes of `word`, zero-padded (copied with one fixed-size move).
    pub head: [u8; 16],
}

impl<'a> Odometer<'a> {
    pub fn new(sets: &'a [Vec<u8>], mut start: u64) -> Odometer<'a> {
        let mut idx = vec![0; sets.len()];
        for p in (0..sets.len()).rev() {
            let n = sets[p].len() as u64;
            idx[p] = (start % n) as usize;
            start /= n;
        }
        let word: Vec<u8> = idx.iter().zip(sets).map(|(&i, s)| s[i]).collect();
        let mut head = [0u8; 16];
        let n = word.len().min(16);
        head[..n].copy_from_slice(&word[..n]);
        Odometer {
            sets,
            idx,
            word,
            head,
        }
    }

    /// Moves to the next candidate (wraps around after the last).
    #[inline]
    pub fn advance(&mut self) {
        for p in (0..self.sets.len()).rev() {
            self.idx[p] += 1;
            let wrapped = self.idx[p] == self.sets[p].len();
            if wrapped {
                self.idx[p] = 0;
            }
            let c = self.sets[p][self.idx[p]];
            self.word[p] = c;
            if p < 16 {
                self.head[p] = c;
            }
            if !wrapped {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> [Option<String>; 4] {
        [None, None, None, None]
    }

    #[test]
    fn parse_and_count() {
        let m = Mask::parse("?l?d!", &none()).unwrap();
        assert_eq!(m.keyspace(), 260);
        let m = Mask::parse("?a?a", &none()).unwrap();
        assert_eq!(m.keyspace(), 95 * 95);
        let m = Mask::parse("?1?1", &[Some("ab?d".into()), None, None, None]).unwrap();
        assert_eq!(m.keyspace(), 144);
        let m = Mask::parse("?d?d?d", &none())
            .unwrap()
            .with_increment(None, None)
            .unwrap();
        assert_eq!(m.keyspace(), 10 + 100 + 1000);
    }

    #[test]
    fn errors_name_the_place() {
        let e = Mask::parse("ab?", &none()).unwrap_err().to_string();
        assert!(e.contains("position 3"), "{e}");
        let e = Mask::parse("?l?x", &none()).unwrap_err().to_string();
        assert!(e.contains("`?x` at position 3"), "{e}");
        let e = Mask::parse("?2", &none()).unwrap_err().to_string();
        assert!(e.contains("custom charset 2"), "{e}");
    }

    #[test]
    fn odometer_matches_index() {
        let m = Mask::parse("?d?l", &none()).unwrap();
        let sets = m.charsets(2);
        let mut o = Odometer::new(sets, 0);
        for i in 0..260u64 {
            let fresh = Odometer::new(sets, i);
            assert_eq!(o.word, fresh.word);
            assert_eq!(o.head, fresh.head);
            o.advance();
        }
        assert_eq!(Odometer::new(sets, 27).word, b"1b");
    }
}

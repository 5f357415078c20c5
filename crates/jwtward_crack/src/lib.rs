//! jwtward's HMAC secret search.
//!
//! * [`Target`]: the signing input and tag of an HS256/384/512 token.
//! * [`Engine`]: checks batches of keys; runtime CPU dispatch between AVX-512 multi-buffer,
//!   SHA-NI (through `sha2`'s compression function), AVX2 multi-buffer, portable scalar code and
//!   the `hmac` crate reference ([`EngineKind`]).
//! * Candidate sources: the built-in list of weak and default JWT secrets ([`builtin_secrets`]),
//!   wordlists (memory-mapped, or gzip streamed), hashcat-style masks ([`Mask`]) and simple
//!   word rules ([`rules`]).
//! * [`search`]: runs the sources on all cores and reports progress through [`Progress`];
//!   [`crack_token`] is the one-call form for other front ends (`probe`): bounded, silent.

mod consts;
mod engine;
mod mask;
pub mod rules;
mod search;
mod target;
mod wordlist;

pub use engine::{Engine, EngineKind};
pub use mask::{Mask, MaskError};
pub use search::{Outcome, Progress, SearchOptions, search};
pub use target::{HmacAlg, Target};

use std::path::Path;
use thiserror::Error;

/// Why a search could not run. Messages name the problem and its place.
#[derive(Debug, Error)]
pub enum CrackError {
    #[error("{0}")]
    Token(jwtward_jose::JoseError),
    #[error(
        "the token is signed with {0}, not HMAC: only HS256/HS384/HS512 keys can be searched offline"
    )]
    NotHmac(String),
    #[error(
        "the signature is {got} bytes but {alg} signatures are {want} bytes (truncated token?)"
    )]
    TagLength {
        alg: &'static str,
        got: usize,
        want: usize,
    },
    #[error("engine `{0}` needs a CPU feature this machine lacks")]
    EngineUnavailable(&'static str),
    #[error("wordlist {path}: {source}")]
    Wordlist {
        path: String,
        source: std::io::Error,
    },
    #[error("mask: {0}")]
    Mask(#[from] MaskError),
    #[error("nothing to search: no built-in list, wordlist or mask selected")]
    NoSource,
}

const BUILTIN: &str = include_str!("builtin_secrets.txt");

/// The built-in list of weak, default and example JWT secrets (one per line in
/// `builtin_secrets.txt`; `#` lines are comments).
pub fn builtin_secrets() -> impl Iterator<Item = &'static str> {
    BUILTIN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
}

/// The built-in candidates as one newline-separated text (what the search engine reads): the
/// listed secrets, then every lowercase word of 1-3 letters, then the numbers 0-9999.
pub(crate) fn builtin_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let mut s = String::new();
        for l in builtin_secrets() {
            s.push_str(l);
            s.push('\n');
        }
        let letters = b'a'..=b'z';
        for a in letters.clone() {
            s.push(char::from(a));
            s.push('\n');
        }
        for a in letters.clone() {
            for b in letters.clone() {
                s.push(char::from(a));
                s.push(char::from(b));
                s.push('\n');
            }
        }
        for a in letters.clone() {
            for b in letters.clone() {
                for c in letters.clone() {
                    s.push(char::from(a));
                    s.push(char::from(b));
                    s.push(char::from(c));
                    s.push('\n');
                }
            }
        }
        for n in 0..10_000 {
            s.push_str(&n.to_string());
            s.push('\n');
        }
        s
    })
}

/// True when `key` is one of the built-in candidates (the listed secrets, the 1-3 letter
/// lowercase words or a number 0-9999), i.e. what [`check_builtin`] and [`crack_token`] try first.
pub fn is_builtin(key: &[u8]) -> bool {
    builtin_text().lines().any(|l| l.as_bytes() == key)
}

/// Number of built-in candidates.
pub fn builtin_count() -> u64 {
    wordlist::count_lines(builtin_text().as_bytes())
}

/// Tries only the built-in list (a few thousand keys: milliseconds). Silent.
pub fn check_builtin(target: &Target) -> Option<Vec<u8>> {
    let opts = SearchOptions {
        builtin: true,
        ..SearchOptions::default()
    };
    search(target, &opts, &Progress::new()).ok()?.key
}

/// The one call for other front ends: parses `token`, tries the built-in list and then
/// `wordlist` (when given), at most `max_candidates` keys in all, on all cores, printing
/// nothing. `Ok(Some(key))` when found, `Ok(None)` when not (or the bound was reached).
pub fn crack_token(
    token: &str,
    wordlist: Option<&Path>,
    max_candidates: u64,
) -> Result<Option<Vec<u8>>, CrackError> {
    let target = Target::from_token(token)?;
    let opts = SearchOptions {
        builtin: true,
        wordlist: wordlist.map(Path::to_path_buf),
        limit: Some(max_candidates),
        count_total: false,
        ..SearchOptions::default()
    };
    Ok(search(&target, &opts, &Progress::new())?.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The total a progress bar shows is counted when asked for and unknown when not; the
    /// search itself runs the same either way.
    #[test]
    fn total_is_counted_only_when_asked() {
        let path = std::env::temp_dir().join(format!("jwtward-total-{}.txt", std::process::id()));
        std::fs::write(&path, "a\nb\nc\nlast-without-newline").unwrap();
        let target = Target {
            alg: HmacAlg::HS256,
            signing_input: b"x.y".to_vec(),
            tag: vec![0; 32],
        };
        for count_total in [true, false] {
            let opts = SearchOptions {
                wordlist: Some(path.clone()),
                count_total,
                ..SearchOptions::default()
            };
            let progress = Progress::new();
            let out = search(&target, &opts, &progress).unwrap();
            assert_eq!(progress.total(), count_total.then_some(4));
            assert_eq!(progress.tried(), 4);
            assert!(out.key.is_none());
        }
        std::fs::remove_file(&path).ok();
    }

    #[test]
    fn builtin_list_shape() {
        let listed: Vec<&str> = builtin_secrets().collect();
        assert!(listed.len() > 600);
        for must in ["secret", "your-256-bit-secret", "changeme", "super-secret"] {
            assert!(listed.contains(&must), "{must}");
        }
        let mut dedup = listed.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(
            dedup.len(),
            listed.len(),
            "duplicates in builtin_secrets.txt"
        );
        assert!(is_builtin(b"zzz") && is_builtin(b"9999") && is_builtin(b"changeme"));
        assert!(!is_builtin(b"10000") && !is_builtin(b"not-a-builtin"));
        assert_eq!(
            builtin_count(),
            listed.len() as u64 + 26 + 676 + 17_576 + 10_000
        );
    }
}

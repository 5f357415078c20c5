//! The HMAC engines: one [`Engine`] per token, built once, then asked to check batches of
//! candidate keys. Every engine returns the same answers as the reference (`hmac` crate); the
//! fast ones only compare the first tag word and confirm a hit with the reference.

#[macro_use]
mod lanes;
#[cfg(target_arch = "x86_64")]
mod keys512;
pub(crate) mod prep;
#[cfg(target_arch = "x86_64")]
mod shani;

use crate::CrackError;
use crate::target::{HmacAlg, Target};
use prep::{Prep, key_words_256, key_words_512, padded_tail};
use std::fmt;
use std::str::FromStr;

/// Which implementation checks the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// The fastest this CPU runs (AVX-512, then SHA-NI, then AVX2, then portable).
    Auto,
    /// AVX-512 multi-buffer: 16 SHA-256 lanes or 8 SHA-512 lanes per step.
    Avx512,
    /// x86 SHA extensions, two keys interleaved (HS256). HS384/HS512, and CPUs without the
    /// extensions, use [`EngineKind::Compress`].
    ShaNi,
    /// `sha2::block_api::compress256/512`, one key at a time (sha2 picks SHA-NI / AVX2 itself).
    Compress,
    /// AVX2 multi-buffer: 8 SHA-256 lanes or 4 SHA-512 lanes per step.
    Avx2,
    /// Portable scalar code with precomputed message schedules (any CPU).
    Portable,
    /// The `hmac` crate, one key object per candidate (the baseline every engine is tested against).
    Reference,
}

impl EngineKind {
    pub const ALL: [EngineKind; 7] = [
        EngineKind::Auto,
        EngineKind::Avx512,
        EngineKind::ShaNi,
        EngineKind::Compress,
        EngineKind::Avx2,
        EngineKind::Portable,
        EngineKind::Reference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Auto => "auto",
            EngineKind::Avx512 => "avx512",
            EngineKind::ShaNi => "sha-ni",
            EngineKind::Compress => "compress",
            EngineKind::Avx2 => "avx2",
            EngineKind::Portable => "portable",
            EngineKind::Reference => "reference",
        }
    }

    /// True when this CPU can run the engine (always for portable, reference and auto).
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                EngineKind::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
                EngineKind::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
                _ => true,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            !matches!(self, EngineKind::Avx512 | EngineKind::Avx2)
        }
    }

    /// What `Auto` picks for `alg` on this CPU.
    pub fn best_for(alg: HmacAlg) -> EngineKind {
        if EngineKind::Avx512.available() {
            return EngineKind::Avx512;
        }
        #[cfg(target_arch = "x86_64")]
        if alg == HmacAlg::HS256 && has_sha_ni() {
            return EngineKind::ShaNi;
        }
        let _ = alg;
        if EngineKind::Avx2.available() {
            return EngineKind::Avx2;
        }
        EngineKind::Portable
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EngineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EngineKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s || (s == "shani" && *k == EngineKind::ShaNi))
            .ok_or_else(|| {
                format!(
                    "unknown engine `{s}` (expected one of: auto, avx512, sha-ni, compress, avx2, portable, reference)"
                )
            })
    }
}

#[cfg(target_arch = "x86_64")]
fn has_sha_ni() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse4.1")
        && std::arch::is_x86_feature_detected!("ssse3")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Width {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// `simd_keys`: the CPU also has AVX-512 BW/VL, used to lay out short keys.
    #[cfg(target_arch = "x86_64")]
    Avx512 {
        simd_keys: bool,
    },
}

#[derive(Clone, Debug)]
enum Imp {
    Reference,
    Compress256 {
        blocks: Vec<[u8; 64]>,
        final_tail: [u8; 64],
        tag0: u32,
    },
    Compress512 {
        blocks: Vec<[u8; 128]>,
        final_tail: [u8; 128],
        tag0: u64,
    },
    Lanes256(Prep<u32>, Width),
    #[cfg(target_arch = "x86_64")]
    ShaNi2(Prep<u32>),
    Lanes512(Prep<u64>, Width),
}

/// A token's key checker. Cheap to share between threads (`&Engine` is `Sync`).
#[derive(Clone, Debug)]
pub struct Engine {
    target: Target,
    kind: EngineKind,
    imp: Imp,
}

impl Engine {
    /// Prepares `kind` for `target` (`Auto` resolves to the fastest available). Errors when the
    /// CPU cannot run the engine asked for.
    pub fn new(target: &Target, kind: EngineKind) -> Result<Engine, CrackError> {
        let kind = if kind == EngineKind::Auto {
            EngineKind::best_for(target.alg)
        } else {
            kind
        };
        if !kind.available() {
            return Err(CrackError::EngineUnavailable(kind.as_str()));
        }
        let wide = target.alg != HmacAlg::HS256;
        let width = match kind {
            #[cfg(target_arch = "x86_64")]
            EngineKind::Avx512 => Some(Width::Avx512 {
                simd_keys: keys512::available(),
            }),
            #[cfg(target_arch = "x86_64")]
            EngineKind::Avx2 => Some(Width::Avx2),
            EngineKind::Portable => Some(Width::Portable),
            _ => None,
        };
        let imp = match (kind, width) {
            (EngineKind::Reference, _) => Imp::Reference,
            #[cfg(target_arch = "x86_64")]
            (EngineKind::ShaNi, _) if !wide && has_sha_ni() => Imp::ShaNi2(Prep::sha256(target)),
            (_, Some(w)) if wide => Imp::Lanes512(Prep::sha512(target), w),
            (_, Some(w)) => Imp::Lanes256(Prep::sha256(target), w),
            (_, None) if wide => {
                let msg = padded_tail(&target.signing_input, 128);
                let out = target.alg.tag_len();
                let mut final_tail = [0u8; 128];
                final_tail[out] = 0x80;
                final_tail[112..].copy_from_slice(&(((128 + out) as u128) * 8).to_be_bytes());
                Imp::Compress512 {
                    blocks: msg
                        .chunks(128)
                        .map(|c| c.try_into().expect("128"))
                        .collect(),
                    final_tail,
                    tag0: u64::from_be_bytes(target.tag[..8].try_into().expect("8")),
                }
            }
            (_, None) => {
                let msg = padded_tail(&target.signing_input, 64);
                let mut final_tail = [0u8; 64];
                final_tail[32] = 0x80;
                final_tail[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
                Imp::Compress256 {
                    blocks: msg.chunks(64).map(|c| c.try_into().expect("64")).collect(),
                    final_tail,
                    tag0: u32::from_be_bytes(target.tag[..4].try_into().expect("4")),
                }
            }
        };
        Ok(Engine {
            target: target.clone(),
            kind,
            imp,
        })
    }

    /// The engine actually used (`Auto` resolved).
    pub fn kind(&self) -> EngineKind {
        self.kind
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Keys per SIMD step (1 for scalar engines). Batches of a multiple of this are fastest.
    pub fn lanes(&self) -> usize {
        match &self.imp {
            Imp::Lanes256(_, w) => match w {
                Width::Portable => 1,
                #[cfg(target_arch = "x86_64")]
                Width::Avx2 => 8,
                #[cfg(target_arch = "x86_64")]
                Width::Avx512 { .. } => 16,
            },
            Imp::Lanes512(_, w) => match w {
                Width::Portable => 1,
                #[cfg(target_arch = "x86_64")]
                Width::Avx2 => 4,
                #[cfg(target_arch = "x86_64")]
                Width::Avx512 { .. } => 8,
            },
            #[cfg(target_arch = "x86_64")]
            Imp::ShaNi2(_) => 2,
            _ => 1,
        }
    }

    /// Checks a batch of keys; returns the index of the first key that signs the token.
    /// Allocation-free.
    #[allow(unused_unsafe)] // the portable kernels are safe functions
    pub fn check(&self, keys: &[&[u8]]) -> Option<usize> {
        match &self.imp {
            Imp::Reference => keys.iter().position(|k| self.target.verify(k)),
            Imp::Compress256 {
                blocks,
                final_tail,
                tag0,
            } => keys.iter().position(|k| {
                compress256_first_word(k, blocks, final_tail) == *tag0 && self.target.verify(k)
            }),
            Imp::Compress512 {
                blocks,
                final_tail,
                tag0,
            } => keys.iter().position(|k| {
                compress512_first_word(k, self.target.alg, blocks, final_tail) == *tag0
                    && self.target.verify(k)
            }),
            Imp::Lanes256(p, w) => match w {
                Width::Portable => run::<1, u32, 4>(
                    keys,
                    &self.target,
                    short_block,
                    |b| lanes::portable256::check::<4, 8>(p, b),
                    |b| lanes::portable256::check::<16, 8>(p, b),
                ),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Engine::new` checked that the CPU has AVX2.
                Width::Avx2 => run::<8, u32, 4>(
                    keys,
                    &self.target,
                    short_block,
                    |b| unsafe { lanes::avx2_256::check::<4, 8>(p, b) },
                    |b| unsafe { lanes::avx2_256::check::<16, 8>(p, b) },
                ),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Engine::new` checked that the CPU has AVX-512F.
                Width::Avx512 { simd_keys } => run::<16, u32, 4>(
                    keys,
                    &self.target,
                    |g| {
                        if *simd_keys {
                            // SAFETY: `simd_keys` is set only when the CPU has AVX-512 BW/VL.
                            unsafe { keys512::short_block_32(g) }
                        } else {
                            short_block(g)
                        }
                    },
                    |b| unsafe { lanes::avx512_256::check::<4, 8>(p, b) },
                    |b| unsafe { lanes::avx512_256::check::<16, 8>(p, b) },
                ),
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Engine::new` checked that the CPU has SHA, SSE4.1 and SSSE3.
            Imp::ShaNi2(p) => {
                run_full::<2, u32>(keys, &self.target, |b| unsafe { shani::check2(p, b) })
            }
            Imp::Lanes512(p, w) => {
                macro_rules! wide {
                    ($n:literal, $m:ident, $words:expr) => {
                        if p.out_words == 6 {
                            run::<$n, u64, 2>(
                                keys,
                                &self.target,
                                $words,
                                |b| unsafe { lanes::$m::check::<2, 6>(p, b) },
                                |b| unsafe { lanes::$m::check::<16, 6>(p, b) },
                            )
                        } else {
                            run::<$n, u64, 2>(
                                keys,
                                &self.target,
                                $words,
                                |b| unsafe { lanes::$m::check::<2, 8>(p, b) },
                                |b| unsafe { lanes::$m::check::<16, 8>(p, b) },
                            )
                        }
                    };
                }
                match w {
                    Width::Portable => wide!(1, portable512, short_block),
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `Engine::new` checked that the CPU has AVX2.
                    Width::Avx2 => wide!(4, avx2_512, short_block),
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `Engine::new` checked that the CPU has AVX-512F.
                    Width::Avx512 { simd_keys } => wide!(8, avx512_512, |g| {
                        if *simd_keys {
                            // SAFETY: `simd_keys` is set only when the CPU has AVX-512 BW/VL.
                            unsafe { keys512::short_block_64(g) }
                        } else {
                            short_block(g)
                        }
                    }),
                }
            }
        }
    }
}

/// Block words of a key: any key as a whole block (keys longer than the hash block are hashed
/// first), or a key of at most 16 bytes as its first `16 / size_of::<W>()` words.
trait KeyWord: Copy + Default {
    fn block(key: &[u8], alg: HmacAlg) -> [Self; 16];
    /// The 16-byte zero-padded key as words; only for keys of at most 16 bytes.
    fn short(b: [u8; 16], i: usize) -> Self;
}

impl KeyWord for u32 {
    #[inline(always)]
    fn block(key: &[u8], _alg: HmacAlg) -> [u32; 16] {
        key_words_256(key)
    }
    #[inline(always)]
    fn short(b: [u8; 16], i: usize) -> u32 {
        u32::from_be_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
    }
}

impl KeyWord for u64 {
    #[inline(always)]
    fn block(key: &[u8], alg: HmacAlg) -> [u64; 16] {
        key_words_512(key, alg)
    }
    #[inline(always)]
    fn short(b: [u8; 16], i: usize) -> u64 {
        u64::from_be_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"))
    }
}

/// A key of at most 16 bytes, zero-padded, without a `memcpy` call: two overlapping loads.
#[inline(always)]
fn short_key(key: &[u8]) -> [u8; 16] {
    let n = key.len();
    debug_assert!(n <= 16);
    let mut b = [0u8; 16];
    if n >= 8 {
        let lo = u64::from_le_bytes(key[..8].try_into().expect("8 bytes"));
        let hi = u64::from_le_bytes(key[n - 8..n].try_into().expect("8 bytes"));
        b[n - 8..n].copy_from_slice(&hi.to_le_bytes());
        b[..8].copy_from_slice(&lo.to_le_bytes());
    } else if n >= 4 {
        let lo = u32::from_le_bytes(key[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(key[n - 4..n].try_into().expect("4 bytes"));
        b[n - 4..n].copy_from_slice(&hi.to_le_bytes());
        b[..4].copy_from_slice(&lo.to_le_bytes());
    } else {
        for (i, &c) in key.iter().enumerate() {
            b[i] = c;
        }
    }
    b
}

/// Up to `N` keys of at most 16 bytes as `NK` block words in `[word][lane]` order (missing
/// lanes repeat the first key), byte by byte.
#[inline(always)]
fn short_block<const N: usize, W: KeyWord, const NK: usize>(group: &[&[u8]]) -> [[W; N]; NK] {
    let mut block = [[W::default(); N]; NK];
    for lane in 0..N {
        let b = short_key(group.get(lane).unwrap_or(&group[0]));
        for (j, row) in block.iter_mut().enumerate() {
            row[lane] = W::short(b, j);
        }
    }
    block
}

/// Feeds `keys` to an `N`-lane kernel, transposing each group into `[word][lane]` order. A
/// group whose keys all fit in 16 bytes goes through `words` (a [`short_block`]) to `short`
/// (`NK` key words, the rest known zero), any other to `full`. Keys longer than the hash block
/// are replaced by their digest.
#[inline(always)]
fn run<const N: usize, W: KeyWord, const NK: usize>(
    keys: &[&[u8]],
    target: &Target,
    words: impl Fn(&[&[u8]]) -> [[W; N]; NK],
    short: impl Fn(&[[W; N]; NK]) -> u32,
    full: impl Fn(&[[W; N]; 16]) -> u32,
) -> Option<usize> {
    for (g, group) in keys.chunks(N).enumerate() {
        let mask = if group.iter().all(|k| k.len() <= 16) {
            short(&words(group))
        } else {
            full(&full_block(group, target.alg))
        };
        if let Some(i) = confirm(group, mask, target) {
            return Some(g * N + i);
        }
    }
    None
}

/// [`run`] for a kernel that only takes whole blocks.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn run_full<const N: usize, W: KeyWord>(
    keys: &[&[u8]],
    target: &Target,
    full: impl Fn(&[[W; N]; 16]) -> u32,
) -> Option<usize> {
    for (g, group) in keys.chunks(N).enumerate() {
        let mask = full(&full_block(group, target.alg));
        if let Some(i) = confirm(group, mask, target) {
            return Some(g * N + i);
        }
    }
    None
}

/// A group of up to `N` keys as block words in `[word][lane]` order (missing lanes repeat the
/// first key).
#[inline(always)]
fn full_block<const N: usize, W: KeyWord>(group: &[&[u8]], alg: HmacAlg) -> [[W; N]; 16] {
    let mut block = [[W::default(); N]; 16];
    for lane in 0..N {
        let words = W::block(group.get(lane).unwrap_or(&group[0]), alg);
        for (j, row) in block.iter_mut().enumerate() {
            row[lane] = words[j];
        }
    }
    block
}

/// The first lane of `mask` (lanes whose compared tag word matched) whose key really signs the
/// token, checked with the reference implementation.
#[inline(always)]
fn confirm(group: &[&[u8]], mut mask: u32, target: &Target) -> Option<usize> {
    if group.len() < 32 {
        mask &= (1u32 << group.len()) - 1;
    }
    while mask != 0 {
        let lane = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        if target.verify(group[lane]) {
            return Some(lane);
        }
    }
    None
}

#[inline]
fn compress256_first_word(key: &[u8], blocks: &[[u8; 64]], final_tail: &[u8; 64]) -> u32 {
    use sha2::Digest;
    use sha2::block_api::compress256;
    let mut kb = [0u8; 64];
    if key.len() > 64 {
        kb[..32].copy_from_slice(&sha2::Sha256::digest(key));
    } else {
        kb[..key.len()].copy_from_slice(key);
    }
    let mut pad = [0u8; 64];
    for i in 0..64 {
        pad[i] = kb[i] ^ 0x36;
    }
    let mut inner = crate::consts::IV256;
    compress256(&mut inner, std::slice::from_ref(&pad));
    compress256(&mut inner, blocks);
    for i in 0..64 {
        pad[i] = kb[i] ^ 0x5c;
    }
    let mut outer = crate::consts::IV256;
    compress256(&mut outer, std::slice::from_ref(&pad));
    let mut fin = *final_tail;
    for (i, w) in inner.iter().enumerate() {
        fin[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
    }
    compress256(&mut outer, std::slice::from_ref(&fin));
    outer[0]
}

#[inline]
fn compress512_first_word(
    key: &[u8],
    alg: HmacAlg,
    blocks: &[[u8; 128]],
    final_tail: &[u8; 128],
) -> u64 {
    use sha2::block_api::compress512;
    let words = key_words_512(key, alg);
    let mut kb = [0u8; 128];
    for (i, w) in words.iter().enumerate() {
        kb[i * 8..i * 8 + 8].copy_from_slice(&w.to_be_bytes());
    }
    let iv = if alg == HmacAlg::HS384 {
        crate::consts::IV384
    } else {
        crate::consts::IV512
    };
    let mut pad = [0u8; 128];
    for i in 0..128 {
        pad[i] = kb[i] ^ 0x36;
    }
    let mut inner = iv;
    compress512(&mut inner, std::slice::from_ref(&pad));
    compress512(&mut inner, blocks);
    for i in 0..128 {
        pad[i] = kb[i] ^ 0x5c;
    }
    let mut outer = iv;
    compress512(&mut outer, std::slice::from_ref(&pad));
    let mut fin = *final_tail;
    let out_words = alg.tag_len() / 8;
    for (i, w) in inner.iter().take(out_words).enumerate() {
        fin[i * 8..i * 8 + 8].copy_from_slice(&w.to_be_bytes());
    }
    compress512(&mut outer, std::slice::from_ref(&fin));
    outer[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    fn tag(alg: HmacAlg, key: &[u8], input: &[u8]) -> Vec<u8> {
        fn t<M: Mac + KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
            let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
            m.update(input);
            m.finalize().into_bytes().to_vec()
        }
        match alg {
            HmacAlg::HS256 => t::<Hmac<sha2::Sha256>>(key, input),
            HmacAlg::HS384 => t::<Hmac<sha2::Sha384>>(key, input),
            HmacAlg::HS512 => t::<Hmac<sha2::Sha512>>(key, input),
        }
    }

    /// The AVX-512 short-key layout equals the byte-by-byte one for keys of every length 0-16,
    /// in full and partial groups.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_short_keys_match_the_scalar_layout() {
        if !keys512::available() {
            eprintln!("skipped: no AVX-512 BW/VL on this CPU");
            return;
        }
        let mut rng = Rng(0x5eed_cafe);
        for round in 0..200 {
            let lens: Vec<usize> = (0..16).map(|i| (i + round) % 17).collect();
            let owned: Vec<Vec<u8>> = lens.iter().map(|&n| rng.bytes(n)).collect();
            let keys: Vec<&[u8]> = owned.iter().map(|k| k.as_slice()).collect();
            for n in [1, 5, 8, 16] {
                let group = &keys[..n];
                // SAFETY: checked above that the CPU has AVX-512 BW/VL.
                let simd = unsafe { keys512::short_block_32(group) };
                assert_eq!(simd, short_block::<16, u32, 4>(group), "{lens:?} n={n}");
                let group = &keys[..n.min(8)];
                // SAFETY: as above.
                let simd = unsafe { keys512::short_block_64(group) };
                assert_eq!(simd, short_block::<8, u64, 2>(group), "{lens:?} n={n}");
            }
        }
    }

    /// Every engine finds the key among random decoys for every key length 0-200, for inputs
    /// of several block counts, and finds nothing when the key is absent.
    #[test]
    fn every_engine_matches_the_reference() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let kinds: Vec<EngineKind> = EngineKind::ALL
            .iter()
            .copied()
            .filter(|k| k.available())
            .collect();
        assert!(kinds.contains(&EngineKind::Portable));
        for alg in [HmacAlg::HS256, HmacAlg::HS384, HmacAlg::HS512] {
            for (case, input_len) in [0usize, 55, 56, 111, 112, 209, 300].iter().enumerate() {
                let input: Vec<u8> = rng
                    .bytes(*input_len)
                    .iter()
                    .map(|b| b'A' + b % 26)
                    .collect();
                let lens: Vec<usize> = if case == 5 {
                    (0..=200).collect()
                } else {
                    vec![0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 200]
                };
                for len in lens {
                    let key = rng.bytes(len);
                    let target = Target {
                        alg,
                        signing_input: input.clone(),
                        tag: tag(alg, &key, &input),
                    };
                    let decoys: Vec<Vec<u8>> = (0..7)
                        .map(|i| rng.bytes((len + i) % 201))
                        .filter(|d| *d != key)
                        .collect();
                    let at = (rng.next() % (decoys.len() as u64 + 1)) as usize;
                    let mut batch: Vec<&[u8]> = decoys.iter().map(Vec::as_slice).collect();
                    let without = batch.clone();
                    batch.insert(at, &key);
                    for &kind in &kinds {
                        let e = Engine::new(&target, kind).unwrap();
                        assert_eq!(
                            e.check(&batch),
                            Some(at),
                            "{kind} {alg:?} input {input_len} key {len}"
                        );
                        assert_eq!(e.check(&without), None, "{kind} {alg:?} false positive");
                    }
                }
            }
        }
    }

    #[test]
    fn auto_resolves() {
        let t = Target {
            alg: HmacAlg::HS256,
            signing_input: b"x".to_vec(),
            tag: vec![0; 32],
        };
        let e = Engine::new(&t, EngineKind::Auto).unwrap();
        assert_ne!(e.kind(), EngineKind::Auto);
        assert!(e.kind().available());
    }
}

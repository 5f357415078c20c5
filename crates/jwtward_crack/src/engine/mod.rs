//! The HMAC engines: one [`Engine`] per token, built once, then asked to check batches of
//! candidate keys. Every engine returns the same answers as the reference (`hmac` crate); the
//! fast ones only compare the first tag word and confirm a hit with the reference.

#[macro_use]
mod lanes;
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
    #[cfg(target_arch = "x86_64")]
    Avx512,
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
            EngineKind::Avx512 => Some(Width::Avx512),
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
                Width::Avx512 => 16,
            },
            Imp::Lanes512(_, w) => match w {
                Width::Portable => 1,
                #[cfg(target_arch = "x86_64")]
                Width::Avx2 => 4,
                #[cfg(target_arch = "x86_64")]
                Width::Avx512 => 8,
            },
            #[cfg(target_arch = "x86_64")]
            Imp::ShaNi2(_) => 2,
            _ => 1,
        }
    }

    /// Checks a batch of keys; returns the index of the first key that signs the token.
    /// Allocation-free.
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
                Width::Portable => run::<1, u32>(keys, &self.target, fill_256, |b| {
                    lanes::portable256::check(p, b)
                }),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Engine::new` checked that the CPU has AVX2.
                Width::Avx2 => run::<8, u32>(keys, &self.target, fill_256, |b| unsafe {
                    lanes::avx2_256::check(p, b)
                }),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Engine::new` checked that the CPU has AVX-512F.
                Width::Avx512 => run::<16, u32>(keys, &self.target, fill_256, |b| unsafe {
                    lanes::avx512_256::check(p, b)
                }),
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Engine::new` checked that the CPU has SHA, SSE4.1 and SSSE3.
            Imp::ShaNi2(p) => run::<2, u32>(keys, &self.target, fill_256, |b| unsafe {
                shani::check2(p, b)
            }),
            Imp::Lanes512(p, w) => {
                let alg = self.target.alg;
                match w {
                    Width::Portable => run::<1, u64>(
                        keys,
                        &self.target,
                        |k, b, l| fill_512(k, alg, b, l),
                        |b| lanes::portable512::check(p, b),
                    ),
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `Engine::new` checked that the CPU has AVX2.
                    Width::Avx2 => run::<4, u64>(
                        keys,
                        &self.target,
                        |k, b, l| fill_512(k, alg, b, l),
                        |b| unsafe { lanes::avx2_512::check(p, b) },
                    ),
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `Engine::new` checked that the CPU has AVX-512F.
                    Width::Avx512 => run::<8, u64>(
                        keys,
                        &self.target,
                        |k, b, l| fill_512(k, alg, b, l),
                        |b| unsafe { lanes::avx512_512::check(p, b) },
                    ),
                }
            }
        }
    }
}

/// Feeds `keys` to a `N`-lane kernel, transposing each group into `[word][lane]` order.
/// `fill` writes one key's non-zero block words into its lane of a zeroed block.
#[inline(always)]
fn run<const N: usize, W: Copy + Default>(
    keys: &[&[u8]],
    target: &Target,
    fill: impl Fn(&[u8], &mut [[W; N]; 16], usize),
    kernel: impl Fn(&[[W; N]; 16]) -> u32,
) -> Option<usize> {
    for (g, group) in keys.chunks(N).enumerate() {
        let mut block = [[W::default(); N]; 16];
        for lane in 0..N {
            fill(group.get(lane).unwrap_or(&group[0]), &mut block, lane);
        }
        let mut mask = kernel(&block);
        if group.len() < N {
            mask &= (1u32 << group.len()) - 1;
        }
        while mask != 0 {
            let lane = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if target.verify(group[lane]) {
                return Some(g * N + lane);
            }
        }
    }
    None
}

/// Writes `key` as big-endian 32-bit words into `lane` (keys over 64 bytes are hashed first).
#[inline(always)]
fn fill_256<const N: usize>(key: &[u8], block: &mut [[u32; N]; 16], lane: usize) {
    if key.len() > 64 {
        for (j, w) in key_words_256(key).iter().enumerate() {
            block[j][lane] = *w;
        }
        return;
    }
    let mut chunks = key.chunks_exact(4);
    let mut j = 0;
    for c in &mut chunks {
        block[j][lane] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        j += 1;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 4];
        b[..rest.len()].copy_from_slice(rest);
        block[j][lane] = u32::from_be_bytes(b);
    }
}

/// Writes `key` as big-endian 64-bit words into `lane` (keys over 128 bytes are hashed first).
#[inline(always)]
fn fill_512<const N: usize>(key: &[u8], alg: HmacAlg, block: &mut [[u64; N]; 16], lane: usize) {
    if key.len() > 128 {
        for (j, w) in key_words_512(key, alg).iter().enumerate() {
            block[j][lane] = *w;
        }
        return;
    }
    let mut chunks = key.chunks_exact(8);
    let mut j = 0;
    for c in &mut chunks {
        block[j][lane] = u64::from_be_bytes(c.try_into().expect("8 bytes"));
        j += 1;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        block[j][lane] = u64::from_be_bytes(b);
    }
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

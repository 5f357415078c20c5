//! One HMAC-SHA-2 kernel, written once as a macro and instantiated for every vector width:
//! the portable scalar engine (1 lane), AVX2 (8×32-bit / 4×64-bit lanes) and AVX-512
//! (16×32-bit / 8×64-bit lanes). Each instance checks `LANES` keys at once:
//! ipad block (full schedule), the key-independent inner blocks (precomputed `K + W`), opad
//! block, final block (stopped early); then compares one word of the state in every lane.

/// One SHA-2 round with the register names rotated by the caller: updates `$d` and `$h`.
///
/// - `kw: x`: `x` is this round's `K + W` word. It is added to `h` first, and `Σ1(e)` last,
///   which keeps the chain from `e` to the new `e` short (about 10% faster than the textbook
///   order on Sapphire Rapids).
/// - `ahead: x`: `$h` already holds `h + K + W`; `x` is the next round's word, added to `$g`
///   (the next round's `h`) here, off the critical path.
/// - nothing: like `ahead`, for the last round of a compression.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, kw: $kw:expr) => {
        let t1 = add(add(add($h, $kw), ch($e, $f, $g)), bsig1($e));
        $d = add($d, t1);
        $h = add(t1, add(bsig0($a), maj($a, $b, $c)));
    };
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, ahead: $next:expr) => {
        let t1 = add(add($h, ch($e, $f, $g)), bsig1($e));
        $g = add($g, $next);
        $d = add($d, t1);
        $h = add(t1, add(bsig0($a), maj($a, $b, $c)));
    };
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident) => {
        let t1 = add(add($h, ch($e, $f, $g)), bsig1($e));
        $d = add($d, t1);
        $h = add(t1, add(bsig0($a), maj($a, $b, $c)));
    };
}

/// Eight rounds starting at round `$t0`, the `K + W` word of round `$t` being `$kw`. With
/// `ahead`, `$h` already holds round `$t0`'s word and `$kw` is asked for rounds `$t0 + 1 ..=
/// $t0 + 8`; with `ahead last`, the eighth round ends the compression (nothing more is asked).
macro_rules! eight_rounds {
    ($s:tt, $t0:expr, |$t:ident| $kw:expr) => {{
        rounds!($s, kw, $t0, [0, 1, 2, 3, 4, 5, 6, 7], |$t| $kw);
    }};
    ($s:tt, $t0:expr, ahead, |$t:ident| $kw:expr) => {{
        rounds!($s, ahead, $t0, [1, 2, 3, 4, 5, 6, 7, 8], |$t| $kw);
    }};
    ([$a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident], $t0:expr, ahead last, |$t:ident| $kw:expr) => {{
        rounds!(
            [$a, $b, $c, $d, $e, $f, $g, $h],
            ahead,
            $t0,
            [1, 2, 3, 4, 5, 6, 7],
            |$t| $kw
        );
        round!($b, $c, $d, $e, $f, $g, $h, $a);
    }};
}

/// One `round!` (`$kind`: `kw` or `ahead`) per offset, the word asked for being that of round
/// `$t0 + offset`; the register names rotate by one each round.
macro_rules! rounds {
    ([$a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident], $kind:ident, $t0:expr, [$o:expr $(, $rest:expr)*], |$t:ident| $kw:expr) => {
        round!($a, $b, $c, $d, $e, $f, $g, $h, $kind: {
            let $t = $t0 + $o;
            $kw
        });
        rounds!([$h, $a, $b, $c, $d, $e, $f, $g], $kind, $t0, [$($rest),*], |$t| $kw);
    };
    ($s:tt, $kind:ident, $t0:expr, [], |$t:ident| $kw:expr) => {};
}

/// Rounds `0 .. 8 * $groups` of one compression of the 16-word block `$w` (a local array),
/// computing the message schedule in place. The first four groups are written out, so that
/// the block words the compiler knows (zero key words, padding) fold into the schedule.
macro_rules! schedule_rounds {
    ([$a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident], $w:ident, $k:ident, $groups:expr) => {
        eight_rounds!([$a, $b, $c, $d, $e, $f, $g, $h], 0, |t| add(
            splat($k[t]),
            $w[t]
        ));
        eight_rounds!([$a, $b, $c, $d, $e, $f, $g, $h], 8, |t| add(
            splat($k[t]),
            $w[t]
        ));
        eight_rounds!([$a, $b, $c, $d, $e, $f, $g, $h], 16, |t| sched(
            &mut $w, $k[t], t
        ));
        eight_rounds!([$a, $b, $c, $d, $e, $f, $g, $h], 24, |t| sched(
            &mut $w, $k[t], t
        ));
        for i in 4..$groups {
            eight_rounds!([$a, $b, $c, $d, $e, $f, $g, $h], i * 8, |t| sched(
                &mut $w, $k[t], t
            ));
        }
    };
}

/// Instantiates the kernel. `$ops` must provide, for vector type `$V` over words `$W`:
/// `splat add sub xor ch maj bsig0 bsig1 ssig0 ssig1 load eq_mask`. `$iv` is the initial
/// hash value, an expression that may use the const parameter `OUT` (tag words kept).
///
/// Compile-time constants do much of the work: `check::<NK, OUT>` knows that key words
/// `NK..16` are zero (so those words of the ipad/opad blocks are constants and the compiler folds
/// their part of the message schedule), and that the final block holds the inner hash followed
/// by constant padding. The final compression stops seven rounds early (five for SHA-384): the
/// `a` of that state follows from the tag by running the last rounds backwards, so that is what
/// is compared.
macro_rules! hmac_kernel {
    ($modname:ident, [$(#[$attr:meta])*], $W:ty, $V:ty, $LANES:expr, $ROUNDS:expr, $K:path, $iv:expr, $ops:ident) => {
        pub(crate) mod $modname {
            #![allow(unused_unsafe, clippy::missing_safety_doc)]
            use crate::engine::prep::Prep;
            #[allow(unused_imports)]
            use super::$ops::*;

            const WORD: usize = std::mem::size_of::<$W>();

            /// The ipad (`PAD = 0x36`) or opad (`0x5c`) block of keys whose words `NK..16` are
            /// zero, from the initial hash value.
            $(#[$attr])*
            #[inline]
            fn key_block<const NK: usize, const PAD: u8, const OUT: usize>(kv: &[$V; NK]) -> [$V; 8] {
                let pad = splat(<$W>::from_ne_bytes([PAD; WORD]));
                let mut w = [pad; 16];
                for i in 0..NK {
                    w[i] = xor(kv[i], pad);
                }
                let iv: [$W; 8] = $iv;
                let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = iv.map(|x| splat(x));
                let k = &$K;
                schedule_rounds!([a, b, c, d, e, f, g, h], w, k, $ROUNDS / 8);
                let s = [a, b, c, d, e, f, g, h];
                let mut st = [splat(0); 8];
                for i in 0..8 {
                    st[i] = add(splat(iv[i]), s[i]);
                }
                st
            }

            /// One compression with the `K + W` words precomputed (a key-independent block).
            /// `NK` only gives every `check` instance a copy of its own, which the compiler
            /// inlines (one shared out-of-line copy made the kernel about 10% slower).
            $(#[$attr])*
            #[inline]
            fn compress_pre<const NK: usize>(st: &mut [$V; 8], kw: &[$W]) {
                let kw: &[$W; $ROUNDS] = kw.try_into().expect("one block of K+W");
                let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *st;
                h = add(h, splat(kw[0]));
                for i in 0..($ROUNDS / 8 - 1) {
                    eight_rounds!([a, b, c, d, e, f, g, h], i * 8, ahead, |t| splat(kw[t]));
                }
                eight_rounds!([a, b, c, d, e, f, g, h], $ROUNDS - 8, ahead last, |t| splat(kw[t]));
                let s = [a, b, c, d, e, f, g, h];
                for i in 0..8 {
                    st[i] = add(st[i], s[i]);
                }
            }

            /// Message schedule word `t >= 16` (kept in the 16-word ring `w`), plus `K[t]`.
            $(#[$attr])*
            #[inline]
            fn sched(w: &mut [$V; 16], k: $W, t: usize) -> $V {
                let x = add(
                    add(ssig1(w[(t + 14) & 15]), w[(t + 9) & 15]),
                    add(ssig0(w[(t + 1) & 15]), w[t & 15]),
                );
                w[t & 15] = x;
                add(splat(k), x)
            }

            /// The final outer block (the inner hash, then constant padding) up to round
            /// `R - 4 - REV` (`REV = OUT - 4`); returns the `a` that round makes, `A[R - 3 - REV]`
            /// (numbering states, not rounds: state `R` is the last). [`reversed_a`] gives the
            /// value it must have. `NK`: as for `compress_pre`.
            $(#[$attr])*
            #[inline]
            fn final_block_a<const NK: usize, const OUT: usize>(st: &[$V; 8], inner: &[$V; 8]) -> $V {
                let mut w = [splat(0); 16];
                for i in 0..16 {
                    w[i] = if i < OUT {
                        inner[i]
                    } else if i == OUT {
                        splat((0x80 as $W) << (<$W>::BITS - 8))
                    } else if i == 15 {
                        splat(((16 * WORD + OUT * WORD) * 8) as $W)
                    } else {
                        splat(0)
                    };
                }
                let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *st;
                let k = &$K;
                schedule_rounds!([a, b, c, d, e, f, g, h], w, k, $ROUNDS / 8 - 1);
                // The last group: one of its rounds for a full tag, three (R-8 .. R-6)
                // for SHA-384's six words.
                let t0 = $ROUNDS - 8;
                round!(a, b, c, d, e, f, g, h, kw: sched(&mut w, k[t0], t0));
                if OUT == 8 {
                    return h;
                }
                assert!(OUT == 6, "a tag of 6 or 8 words");
                round!(h, a, b, c, d, e, f, g, kw: sched(&mut w, k[t0 + 1], t0 + 1));
                round!(g, h, a, b, c, d, e, f, kw: sched(&mut w, k[t0 + 2], t0 + 2));
                let _ = (a, b, c, d, e, g, h);
                f
            }

            /// The `a` the final compression's round `R - 4 - REV` must make for the tag,
            /// found by running the last rounds backwards from the tag. With `S = tag - st`
            /// (the state after the last round: `S = [A[R], A[R-1], A[R-2], A[R-3], E[R], ..,
            /// E[R-3]]`), each round `j` gives `A[j - 4] = E[j] - A[j] + Σ0(A[j - 1]) +
            /// Maj(A[j - 1], A[j - 2], A[j - 3])`: no message word needed. A full tag (8 words)
            /// allows four steps, SHA-384's six words two. Each step saves a round and a
            /// schedule word in every lane.
            $(#[$attr])*
            #[inline]
            fn reversed_a<const OUT: usize>(p: &Prep<$W>, st: &[$V; 8]) -> $V {
                let mut s = [splat(0); 8];
                for i in 0..8 {
                    s[i] = sub(splat(p.tag[i]), st[i]);
                }
                // x[i] = A[R - i]; x[0..4] and E[R - i] = s[4 + i] come from the tag.
                let mut x = [s[0], s[1], s[2], s[3], splat(0), splat(0), splat(0), splat(0)];
                for i in 0..(OUT - 4) {
                    x[i + 4] = add(
                        sub(s[4 + i], x[i]),
                        add(bsig0(x[i + 1]), maj(x[i + 1], x[i + 2], x[i + 3])),
                    );
                }
                x[OUT - 1]
            }

            /// Checks `LANES` keys given as block words (`keys[word][lane]`, words `NK..16`
            /// zero). `OUT` is the number of inner-hash words in the final block (8, or 6 for
            /// SHA-384). Returns a bit mask of the lanes whose final compression reaches the
            /// `a` the tag implies seven (five) rounds before its end: a candidate, confirmed by
            /// the caller with the reference implementation.
            $(#[$attr])*
            pub(crate) fn check<const NK: usize, const OUT: usize>(
                p: &Prep<$W>,
                keys: &[[$W; $LANES]; NK],
            ) -> u32 {
                let mut kv = [splat(0); NK];
                for i in 0..NK {
                    kv[i] = load(&keys[i]);
                }
                let mut inner = key_block::<NK, 0x36, OUT>(&kv);
                for block in p.kw.chunks_exact(p.rounds) {
                    compress_pre::<NK>(&mut inner, block);
                }
                let outer = key_block::<NK, 0x5c, OUT>(&kv);
                let a = final_block_a::<NK, OUT>(&outer, &inner);
                eq_mask(a, reversed_a::<OUT>(p, &outer))
            }
        }
    };
}

/// The four SHA-2 sigma functions of an ops module, written with the module's own `ror!(x,
/// n)`, `shr!(x, n)` and `xor3(a, b, c)`. The amounts are FIPS 180-4's: `Σ0`, `Σ1` (three
/// rotations each), `σ0`, `σ1` (two rotations and a shift each), for 32-bit (SHA-256) or
/// 64-bit (SHA-384/512) words.
macro_rules! sigmas {
    ($attrs:tt, $V:ty, 32) => {
        sigmas!($attrs, $V, [2, 13, 22], [6, 11, 25], [7, 18, 3], [17, 19, 10]);
    };
    ($attrs:tt, $V:ty, 64) => {
        sigmas!($attrs, $V, [28, 34, 39], [14, 18, 41], [1, 8, 7], [19, 61, 6]);
    };
    ([$($attr:meta),*], $V:ty, [$a0:literal, $a1:literal, $a2:literal], [$b0:literal, $b1:literal, $b2:literal], [$c0:literal, $c1:literal, $c2:literal], [$d0:literal, $d1:literal, $d2:literal]) => {
        $(#[$attr])*
        pub fn bsig0(x: $V) -> $V {
            xor3(ror!(x, $a0), ror!(x, $a1), ror!(x, $a2))
        }
        $(#[$attr])*
        pub fn bsig1(x: $V) -> $V {
            xor3(ror!(x, $b0), ror!(x, $b1), ror!(x, $b2))
        }
        $(#[$attr])*
        pub fn ssig0(x: $V) -> $V {
            xor3(ror!(x, $c0), ror!(x, $c1), shr!(x, $c2))
        }
        $(#[$attr])*
        pub fn ssig1(x: $V) -> $V {
            xor3(ror!(x, $d0), ror!(x, $d1), shr!(x, $d2))
        }
    };
}

// The ops modules below are written once per instruction family and instantiated for 32- and
// 64-bit words. `$d` is always `$`: it lets the generated module define its own `ror!`/`shr!`
// macros.

/// Scalar operations (one lane): the portable engine.
// rustfmt re-indents the nested `$d` macros on every run: formatted by hand.
#[rustfmt::skip]
macro_rules! scalar_ops {
    ($d:tt, $m:ident, $W:ty, $bits:tt) => {
        pub(crate) mod $m {
            #[inline(always)]
            pub fn sub(a: $W, b: $W) -> $W {
                a.wrapping_sub(b)
            }
            #[inline(always)]
            pub fn eq_mask(a: $W, b: $W) -> u32 {
                u32::from(a == b)
            }
            #[inline(always)]
            pub fn splat(x: $W) -> $W {
                x
            }
            #[inline(always)]
            pub fn add(a: $W, b: $W) -> $W {
                a.wrapping_add(b)
            }
            #[inline(always)]
            pub fn xor(a: $W, b: $W) -> $W {
                a ^ b
            }
            #[inline(always)]
            pub fn ch(e: $W, f: $W, g: $W) -> $W {
                (e & f) ^ (!e & g)
            }
            #[inline(always)]
            pub fn maj(a: $W, b: $W, c: $W) -> $W {
                (a & b) ^ (a & c) ^ (b & c)
            }
            macro_rules! ror {
                ($d x:expr, $d n:literal) => {
                    $d x.rotate_right($d n)
                };
            }
            macro_rules! shr {
                ($d x:expr, $d n:literal) => {
                    $d x >> $d n
                };
            }
            #[inline(always)]
            fn xor3(a: $W, b: $W, c: $W) -> $W {
                a ^ b ^ c
            }
            sigmas!([inline(always)], $W, $bits);
            #[inline(always)]
            pub fn load(x: &[$W; 1]) -> $W {
                x[0]
            }
        }
    };
}

scalar_ops!($, scalar32, u32, 32);
scalar_ops!($, scalar64, u64, 64);

hmac_kernel!(
    portable256,
    [],
    u32,
    u32,
    1,
    64,
    crate::consts::K256,
    crate::consts::IV256,
    scalar32
);
hmac_kernel!(
    portable512,
    [],
    u64,
    u64,
    1,
    80,
    crate::consts::K512,
    if OUT == 6 {
        crate::consts::IV384
    } else {
        crate::consts::IV512
    },
    scalar64
);

/// AVX-512F operations on 16 32-bit or 8 64-bit lanes; the `$…` intrinsics are the word size's.
#[cfg(target_arch = "x86_64")]
// rustfmt re-indents the nested `$d` macros on every run: formatted by hand.
#[rustfmt::skip]
macro_rules! avx512_ops {
    ($d:tt, $m:ident, $W:ty, $I:ty, $bits:tt, $lanes:literal, $sub:ident, $add:ident, $set1:ident, $cmpeq:ident, $tern:ident, $ror:ident, $srli:ident) => {
        pub(crate) mod $m {
            use std::arch::x86_64::*;
            pub type V = __m512i;
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn sub(a: V, b: V) -> V {
                $sub(a, b)
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn eq_mask(a: V, b: V) -> u32 {
                u32::from($cmpeq(a, b))
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn splat(x: $W) -> V {
                $set1(x as $I)
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn add(a: V, b: V) -> V {
                $add(a, b)
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn xor(a: V, b: V) -> V {
                _mm512_xor_si512(a, b)
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn ch(e: V, f: V, g: V) -> V {
                $tern::<0xCA>(e, f, g)
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn maj(a: V, b: V, c: V) -> V {
                $tern::<0xE8>(a, b, c)
            }
            macro_rules! ror {
                ($d x:expr, $d n:literal) => {
                    $ror::<$d n>($d x)
                };
            }
            macro_rules! shr {
                ($d x:expr, $d n:literal) => {
                    $srli::<$d n>($d x)
                };
            }
            #[inline]
            #[target_feature(enable = "avx512f")]
            fn xor3(a: V, b: V, c: V) -> V {
                $tern::<0x96>(a, b, c)
            }
            sigmas!([inline, target_feature(enable = "avx512f")], V, $bits);
            #[inline]
            #[target_feature(enable = "avx512f")]
            pub fn load(x: &[$W; $lanes]) -> V {
                // SAFETY: 64 readable bytes; unaligned load.
                unsafe { _mm512_loadu_si512(x.as_ptr().cast()) }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
avx512_ops!($, avx512_32, u32, i32, 32, 16, _mm512_sub_epi32, _mm512_add_epi32, _mm512_set1_epi32, _mm512_cmpeq_epi32_mask, _mm512_ternarylogic_epi32, _mm512_ror_epi32, _mm512_srli_epi32);
#[cfg(target_arch = "x86_64")]
avx512_ops!($, avx512_64, u64, i64, 64, 8, _mm512_sub_epi64, _mm512_add_epi64, _mm512_set1_epi64, _mm512_cmpeq_epi64_mask, _mm512_ternarylogic_epi64, _mm512_ror_epi64, _mm512_srli_epi64);

/// AVX2 operations on 8 32-bit or 4 64-bit lanes (rotations from two shifts); the `$…`
/// intrinsics are the word size's.
#[cfg(target_arch = "x86_64")]
// rustfmt re-indents the nested `$d` macros on every run: formatted by hand.
#[rustfmt::skip]
macro_rules! avx2_ops {
    ($d:tt, $m:ident, $W:ty, $I:ty, $bits:tt, $lanes:literal, $sub:ident, $add:ident, $set1:ident, $cmpeq:ident, $movemask:ident, $cast:ident, $srli:ident, $slli:ident) => {
        pub(crate) mod $m {
            use std::arch::x86_64::*;
            pub type V = __m256i;
            macro_rules! ror {
                ($d x:expr, $d n:literal) => {
                    _mm256_or_si256($srli::<$d n>($d x), $slli::<{ $bits - $d n }>($d x))
                };
            }
            macro_rules! shr {
                ($d x:expr, $d n:literal) => {
                    $srli::<$d n>($d x)
                };
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn sub(a: V, b: V) -> V {
                $sub(a, b)
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn eq_mask(a: V, b: V) -> u32 {
                $movemask($cast($cmpeq(a, b))) as u32
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn splat(x: $W) -> V {
                $set1(x as $I)
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn add(a: V, b: V) -> V {
                $add(a, b)
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn xor(a: V, b: V) -> V {
                _mm256_xor_si256(a, b)
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn ch(e: V, f: V, g: V) -> V {
                _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g))
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn maj(a: V, b: V, c: V) -> V {
                _mm256_or_si256(
                    _mm256_and_si256(a, b),
                    _mm256_and_si256(c, _mm256_or_si256(a, b)),
                )
            }
            #[inline]
            #[target_feature(enable = "avx2")]
            fn xor3(a: V, b: V, c: V) -> V {
                _mm256_xor_si256(_mm256_xor_si256(a, b), c)
            }
            sigmas!([inline, target_feature(enable = "avx2")], V, $bits);
            #[inline]
            #[target_feature(enable = "avx2")]
            pub fn load(x: &[$W; $lanes]) -> V {
                // SAFETY: 32 readable bytes; unaligned load.
                unsafe { _mm256_loadu_si256(x.as_ptr().cast()) }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
avx2_ops!($, avx2_32, u32, i32, 32, 8, _mm256_sub_epi32, _mm256_add_epi32, _mm256_set1_epi32, _mm256_cmpeq_epi32, _mm256_movemask_ps, _mm256_castsi256_ps, _mm256_srli_epi32, _mm256_slli_epi32);
#[cfg(target_arch = "x86_64")]
avx2_ops!($, avx2_64, u64, i64, 64, 4, _mm256_sub_epi64, _mm256_add_epi64, _mm256_set1_epi64x, _mm256_cmpeq_epi64, _mm256_movemask_pd, _mm256_castsi256_pd, _mm256_srli_epi64, _mm256_slli_epi64);

#[cfg(target_arch = "x86_64")]
hmac_kernel!(avx512_256, [#[target_feature(enable = "avx512f")]], u32, std::arch::x86_64::__m512i, 16, 64, crate::consts::K256, crate::consts::IV256, avx512_32);
#[cfg(target_arch = "x86_64")]
hmac_kernel!(avx512_512, [#[target_feature(enable = "avx512f")]], u64, std::arch::x86_64::__m512i, 8, 80, crate::consts::K512, if OUT == 6 { crate::consts::IV384 } else { crate::consts::IV512 }, avx512_64);
#[cfg(target_arch = "x86_64")]
hmac_kernel!(avx2_256, [#[target_feature(enable = "avx2")]], u32, std::arch::x86_64::__m256i, 8, 64, crate::consts::K256, crate::consts::IV256, avx2_32);
#[cfg(target_arch = "x86_64")]
hmac_kernel!(avx2_512, [#[target_feature(enable = "avx2")]], u64, std::arch::x86_64::__m256i, 4, 80, crate::consts::K512, if OUT == 6 { crate::consts::IV384 } else { crate::consts::IV512 }, avx2_64);

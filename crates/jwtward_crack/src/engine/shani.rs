//! HMAC-SHA-256 with the x86 SHA extensions, two keys interleaved so that the latency of one
//! `sha256rnds2` chain is hidden behind the other. State in the SHA-NI layout (ABEF / CDGH);
//! the key-independent inner blocks use the precomputed `K + W` words.

use super::prep::Prep;
use crate::consts::K256;
use std::arch::x86_64::*;

type State = [__m128i; 2];

#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn to_ni(s: &[u32; 8]) -> State {
    // SAFETY: 16 readable bytes each.
    let (abcd, efgh) = unsafe {
        (
            _mm_loadu_si128(s.as_ptr().cast()),
            _mm_loadu_si128(s[4..].as_ptr().cast()),
        )
    };
    let badc = _mm_shuffle_epi32::<0xB1>(abcd);
    let hgfe = _mm_shuffle_epi32::<0x1B>(efgh);
    [
        _mm_alignr_epi8::<8>(badc, hgfe),
        _mm_blend_epi16::<0xF0>(hgfe, badc),
    ]
}

/// Back to `[a, b, c, d]`, `[e, f, g, h]` vectors (the first 8 words of the final block).
#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn from_ni(s: State) -> [__m128i; 2] {
    let abef = _mm_shuffle_epi32::<0x1B>(s[0]);
    let cdgh = _mm_shuffle_epi32::<0xB1>(s[1]);
    [
        _mm_blend_epi16::<0xF0>(abef, cdgh),
        _mm_alignr_epi8::<8>(cdgh, abef),
    ]
}

#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn load4(w: &[u32]) -> __m128i {
    assert!(w.len() >= 4);
    // SAFETY: at least 16 readable bytes (checked above).
    unsafe { _mm_loadu_si128(w.as_ptr().cast()) }
}

/// Two compressions with the message schedule computed on the fly, interleaved.
#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn compress2(st: &mut [State; 2], m: &mut [[__m128i; 4]; 2]) {
    let saved = *st;
    for i in 0..16 {
        let k = load4(&K256[i * 4..]);
        for l in 0..2 {
            let w = if i < 4 {
                m[l][i]
            } else {
                let mm = &mut m[l];
                let t = _mm_add_epi32(
                    _mm_sha256msg1_epu32(mm[i & 3], mm[(i + 1) & 3]),
                    _mm_alignr_epi8::<4>(mm[(i + 3) & 3], mm[(i + 2) & 3]),
                );
                mm[i & 3] = _mm_sha256msg2_epu32(t, mm[(i + 3) & 3]);
                mm[i & 3]
            };
            let msg = _mm_add_epi32(w, k);
            st[l][1] = _mm_sha256rnds2_epu32(st[l][1], st[l][0], msg);
            st[l][0] = _mm_sha256rnds2_epu32(st[l][0], st[l][1], _mm_shuffle_epi32::<0x0E>(msg));
        }
    }
    for l in 0..2 {
        st[l][0] = _mm_add_epi32(st[l][0], saved[l][0]);
        st[l][1] = _mm_add_epi32(st[l][1], saved[l][1]);
    }
}

/// Two compressions of the same precomputed block (`K + W`, 64 words).
#[inline]
#[target_feature(enable = "sha,sse4.1,ssse3")]
fn compress2_pre(st: &mut [State; 2], kw: &[u32]) {
    let saved = *st;
    for i in 0..16 {
        let msg = load4(&kw[i * 4..]);
        let hi = _mm_shuffle_epi32::<0x0E>(msg);
        for s in st.iter_mut() {
            s[1] = _mm_sha256rnds2_epu32(s[1], s[0], msg);
            s[0] = _mm_sha256rnds2_epu32(s[0], s[1], hi);
        }
    }
    for l in 0..2 {
        st[l][0] = _mm_add_epi32(st[l][0], saved[l][0]);
        st[l][1] = _mm_add_epi32(st[l][1], saved[l][1]);
    }
}

/// Checks two keys (block words, `keys[word][lane]`); bit `l` of the result is set when key
/// `l`'s first tag word matches.
#[target_feature(enable = "sha,sse4.1,ssse3")]
pub(crate) fn check2(p: &Prep<u32>, keys: &[[u32; 2]; 16]) -> u32 {
    let keys: [[u32; 16]; 2] = std::array::from_fn(|l| std::array::from_fn(|j| keys[j][l]));
    let iv = to_ni(&p.iv);
    let ipad = _mm_set1_epi32(0x3636_3636);
    let opad = _mm_set1_epi32(0x5c5c_5c5c);
    let mut kv = [[_mm_setzero_si128(); 4]; 2];
    for l in 0..2 {
        for j in 0..4 {
            kv[l][j] = load4(&keys[l][j * 4..]);
        }
    }
    let mut m = [[_mm_setzero_si128(); 4]; 2];
    for l in 0..2 {
        for j in 0..4 {
            m[l][j] = _mm_xor_si128(kv[l][j], ipad);
        }
    }
    let mut inner = [iv, iv];
    compress2(&mut inner, &mut m);
    for block in p.kw.chunks_exact(64) {
        compress2_pre(&mut inner, block);
    }
    for l in 0..2 {
        for j in 0..4 {
            m[l][j] = _mm_xor_si128(kv[l][j], opad);
        }
    }
    let mut outer = [iv, iv];
    compress2(&mut outer, &mut m);
    let tail = [load4(&p.final_block[8..]), load4(&p.final_block[12..])];
    for l in 0..2 {
        let h = from_ni(inner[l]);
        m[l] = [h[0], h[1], tail[0], tail[1]];
    }
    compress2(&mut outer, &mut m);
    let mut mask = 0;
    for (l, s) in outer.iter().enumerate() {
        // `a` is the top word of ABEF.
        if _mm_extract_epi32::<3>(s[0]) as u32 == p.tag[0] {
            mask |= 1 << l;
        }
    }
    mask
}

//! Short keys (at most 16 bytes) into the AVX-512 kernels' `[word][lane]` layout with vector
//! loads and shuffles: one byte-masked load per key (the mask zero-pads it), then a byte swap
//! to big-endian words and a transposition, about 25 shuffles per group. The scalar version
//! (byte gathers per lane and word) took about 4% of a wordlist run's time, this one under 2%.

use std::arch::x86_64::*;

/// True when this CPU can run the functions below.
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

/// Key `i` of `group` (a missing lane repeats the first key) as 16 zero-padded bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn load16(group: &[&[u8]], i: usize) -> __m128i {
    let key = group.get(i).unwrap_or(&group[0]);
    assert!(key.len() <= 16, "short keys only");
    let mask = ((1u32 << key.len()) - 1) as __mmask16;
    // SAFETY: the mask selects the key's own `key.len()` bytes; masked-off bytes are neither
    // read nor able to fault.
    unsafe { _mm_maskz_loadu_epi8(mask, key.as_ptr().cast()) }
}

/// Keys `4q .. 4q + 4` side by side, 16 bytes each.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn four_keys(group: &[&[u8]], q: usize) -> __m512i {
    let z = _mm512_castsi128_si512(load16(group, 4 * q));
    let z = _mm512_inserti32x4::<1>(z, load16(group, 4 * q + 1));
    let z = _mm512_inserti32x4::<2>(z, load16(group, 4 * q + 2));
    _mm512_inserti32x4::<3>(z, load16(group, 4 * q + 3))
}

/// Up to 16 keys of at most 16 bytes as four big-endian 32-bit words per lane:
/// `out[word][lane]`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) fn short_block_32(group: &[&[u8]]) -> [[u32; 16]; 4] {
    let swap = _mm512_broadcast_i32x4(_mm_setr_epi8(
        3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
    ));
    // z[q] holds words 0..4 of keys 4q..4q+4: element 4l + j is word j of key 4q + l. (Written
    // out: an `array::from_fn` closure was not inlined.)
    let z = [
        _mm512_shuffle_epi8(four_keys(group, 0), swap),
        _mm512_shuffle_epi8(four_keys(group, 1), swap),
        _mm512_shuffle_epi8(four_keys(group, 2), swap),
        _mm512_shuffle_epi8(four_keys(group, 3), swap),
    ];
    // Element 4k + j of the pair (z0, z1) is word j of key k (k < 8).
    let lo = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    let hi = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    let w01a = _mm512_permutex2var_epi32(z[0], lo, z[1]); // words 0, 1 of keys 0..8
    let w23a = _mm512_permutex2var_epi32(z[0], hi, z[1]);
    let w01b = _mm512_permutex2var_epi32(z[2], lo, z[3]); // words 0, 1 of keys 8..16
    let w23b = _mm512_permutex2var_epi32(z[2], hi, z[3]);
    let rows = [
        _mm512_shuffle_i64x2::<0x44>(w01a, w01b),
        _mm512_shuffle_i64x2::<0xEE>(w01a, w01b),
        _mm512_shuffle_i64x2::<0x44>(w23a, w23b),
        _mm512_shuffle_i64x2::<0xEE>(w23a, w23b),
    ];
    let mut out = [[0u32; 16]; 4];
    for (row, v) in out.iter_mut().zip(rows) {
        // SAFETY: 64 writable bytes.
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), v) };
    }
    out
}

/// Up to 8 keys of at most 16 bytes as two big-endian 64-bit words per lane: `out[word][lane]`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) fn short_block_64(group: &[&[u8]]) -> [[u64; 8]; 2] {
    let swap = _mm512_broadcast_i32x4(_mm_setr_epi8(
        7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
    ));
    let z0 = _mm512_shuffle_epi8(four_keys(group, 0), swap);
    let z1 = _mm512_shuffle_epi8(four_keys(group, 1), swap);
    // Element 2k + j of the pair (z0, z1) is word j of key k.
    let rows = [
        _mm512_permutex2var_epi64(z0, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), z1),
        _mm512_permutex2var_epi64(z0, _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15), z1),
    ];
    let mut out = [[0u64; 8]; 2];
    for (row, v) in out.iter_mut().zip(rows) {
        // SAFETY: 64 writable bytes.
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), v) };
    }
    out
}

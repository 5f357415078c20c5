//! What every SIMD/scalar engine precomputes once per token: the message schedules of the
//! key-independent inner blocks (folded with the round constants), the constant part of the
//! final outer block, and the tag as words.

use crate::consts::{IV256, IV384, IV512, K256, K512};
use crate::target::{HmacAlg, Target};

/// Precomputed data for one token, over 32-bit (SHA-256) or 64-bit (SHA-384/512) words.
#[derive(Clone, Debug)]
pub(crate) struct Prep<W> {
    /// `K[t] + W[t]` for every round of every inner message block (stride `rounds`).
    pub kw: Vec<W>,
    pub rounds: usize,
    pub iv: [W; 8],
    /// Words of the inner hash carried into the final block (8, or 6 for SHA-384).
    pub out_words: usize,
    /// The final outer block; words `0..out_words` are replaced by the inner hash.
    pub final_block: [W; 16],
    pub tag: [W; 8],
}

fn ssig0_32(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}
fn ssig1_32(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}
fn ssig0_64(x: u64) -> u64 {
    x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7)
}
fn ssig1_64(x: u64) -> u64 {
    x.rotate_right(19) ^ x.rotate_right(61) ^ (x >> 6)
}

/// The message after the ipad block, padded: `input || 0x80 || 0.. || bit length`.
pub(crate) fn padded_tail(input: &[u8], block: usize) -> Vec<u8> {
    let len_field = if block == 64 { 8 } else { 16 };
    let total_bits = ((block + input.len()) as u128) * 8;
    let mut m = input.to_vec();
    m.push(0x80);
    while !(m.len() + len_field).is_multiple_of(block) {
        m.push(0);
    }
    let bits = total_bits.to_be_bytes();
    m.extend_from_slice(&bits[16 - len_field..]);
    m
}

impl Prep<u32> {
    pub fn sha256(t: &Target) -> Prep<u32> {
        assert_eq!(t.alg, HmacAlg::HS256);
        let msg = padded_tail(&t.signing_input, 64);
        let mut kw = Vec::with_capacity(msg.len());
        for block in msg.chunks(64) {
            let mut w = [0u32; 64];
            for (i, c) in block.chunks(4).enumerate() {
                w[i] = u32::from_be_bytes(c.try_into().expect("4 bytes"));
            }
            for i in 16..64 {
                w[i] = ssig1_32(w[i - 2])
                    .wrapping_add(w[i - 7])
                    .wrapping_add(ssig0_32(w[i - 15]))
                    .wrapping_add(w[i - 16]);
            }
            kw.extend((0..64).map(|i| w[i].wrapping_add(K256[i])));
        }
        let mut final_block = [0u32; 16];
        final_block[8] = 0x8000_0000;
        final_block[15] = (64 + 32) * 8;
        let mut tag = [0u32; 8];
        for (i, c) in t.tag.chunks(4).enumerate() {
            tag[i] = u32::from_be_bytes(c.try_into().expect("4 bytes"));
        }
        Prep {
            kw,
            rounds: 64,
            iv: IV256,
            out_words: 8,
            final_block,
            tag,
        }
    }
}

impl Prep<u64> {
    pub fn sha512(t: &Target) -> Prep<u64> {
        let (iv, out_words) = match t.alg {
            HmacAlg::HS384 => (IV384, 6),
            HmacAlg::HS512 => (IV512, 8),
            HmacAlg::HS256 => panic!("Prep::sha512 on an HS256 target"),
        };
        let msg = padded_tail(&t.signing_input, 128);
        let mut kw = Vec::with_capacity(msg.len());
        for block in msg.chunks(128) {
            let mut w = [0u64; 80];
            for (i, c) in block.chunks(8).enumerate() {
                w[i] = u64::from_be_bytes(c.try_into().expect("8 bytes"));
            }
            for i in 16..80 {
                w[i] = ssig1_64(w[i - 2])
                    .wrapping_add(w[i - 7])
                    .wrapping_add(ssig0_64(w[i - 15]))
                    .wrapping_add(w[i - 16]);
            }
            kw.extend((0..80).map(|i| w[i].wrapping_add(K512[i])));
        }
        let mut final_block = [0u64; 16];
        final_block[out_words] = 0x80 << 56;
        final_block[15] = (128 + out_words as u64 * 8) * 8;
        let mut tag = [0u64; 8];
        for (i, c) in t.tag.chunks(8).enumerate() {
            tag[i] = u64::from_be_bytes(c.try_into().expect("8 bytes"));
        }
        Prep {
            kw,
            rounds: 80,
            iv,
            out_words,
            final_block,
            tag,
        }
    }
}

/// A key as one hash block of big-endian words (keys longer than the block are hashed first,
/// as HMAC prescribes). No allocation.
#[inline]
pub(crate) fn key_words_256(key: &[u8]) -> [u32; 16] {
    use sha2::Digest;
    let mut buf = [0u8; 64];
    if key.len() > 64 {
        buf[..32].copy_from_slice(&sha2::Sha256::digest(key));
    } else {
        buf[..key.len()].copy_from_slice(key);
    }
    let mut w = [0u32; 16];
    for (i, c) in buf.chunks_exact(4).enumerate() {
        w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    w
}

/// Same as [`key_words_256`] for SHA-384/512 (128-byte blocks).
#[inline]
pub(crate) fn key_words_512(key: &[u8], alg: HmacAlg) -> [u64; 16] {
    use sha2::Digest;
    let mut buf = [0u8; 128];
    if key.len() > 128 {
        if alg == HmacAlg::HS384 {
            buf[..48].copy_from_slice(&sha2::Sha384::digest(key));
        } else {
            buf[..64].copy_from_slice(&sha2::Sha512::digest(key));
        }
    } else {
        buf[..key.len()].copy_from_slice(key);
    }
    let mut w = [0u64; 16];
    for (i, c) in buf.chunks_exact(8).enumerate() {
        w[i] = u64::from_be_bytes(c.try_into().expect("8 bytes"));
    }
    w
}

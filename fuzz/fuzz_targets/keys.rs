//! Key loading (PEM, DER, JWK, JWKS) and every key operation: public parts, JWK/PEM export,
//! thumbprints, algorithm-confusion secrets, signing and verifying with each fitting algorithm.
#![no_main]

#[path = "../targets/keys.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));

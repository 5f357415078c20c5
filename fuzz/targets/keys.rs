//! Key loading (PEM, DER, JWK, JWKS) and every key operation: public parts, JWK/PEM export,
//! thumbprints, algorithm-confusion secrets, signing and verifying with each fitting algorithm.
//!
//! The body of the `keys` fuzz target (`fuzz/fuzz_targets/keys.rs`), shared with the
//! stable seed-corpus test (`crates/jwtward/tests/fuzz_corpus.rs`): a panic is a crash.

use jwtward_jose::{Alg, confusion_secrets, jwk_thumbprint, load_keys, sign, verify};

const ALGS: &[Alg] = &[
    Alg::HS256,
    Alg::HS384,
    Alg::HS512,
    Alg::RS256,
    Alg::PS256,
    Alg::ES256,
    Alg::ES384,
    Alg::EdDSA,
];

pub fn run(data: &[u8]) {
    let Ok(keys) = load_keys(data) else {
        return;
    };
    for lk in keys.iter().take(4) {
        let k = &lk.key;
        let _ = (k.kind_name(), k.is_private(), k.algorithms());
        let _ = k.to_jwk();
        let _ = k.to_public_jwk();
        let _ = k.public_spki_der();
        let _ = k.public_pem();
        let _ = k.rsa_pkcs1_public_der();
        let _ = k.private_pkcs8_pem();
        let _ = jwk_thumbprint(k);
        let _ = confusion_secrets(k, Some(lk.original.as_slice()));
        if let Some(p) = k.public() {
            // A public key exported and loaded again is the same key.
            if let Some(pem) = p.public_pem() {
                let again = load_keys(pem.as_bytes()).expect("own PEM loads");
                assert_eq!(again[0].key.public_spki_der(), p.public_spki_der());
            }
        }
        for &alg in ALGS {
            if !k.fits(alg) {
                continue;
            }
            if let Ok(sig) = sign(alg, k, b"header.payload") {
                let _ = verify(alg, k, b"header.payload", &sig);
            }
            let _ = verify(alg, k, b"header.payload", data);
        }
    }
}

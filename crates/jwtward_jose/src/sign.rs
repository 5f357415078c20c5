use crate::error::JoseError;
use crate::jws::Jws;
use crate::keys::Key;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::fmt;
use std::str::FromStr;

/// The JWS algorithms jwtward signs and verifies (`none` included: it "signs" with nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alg {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
    None,
}

/// What kind of key an algorithm needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlgFamily {
    Hmac,
    Rsa,
    RsaPss,
    EcP256,
    EcP384,
    Ed25519,
    None,
}

impl Alg {
    /// Every algorithm, `none` last.
    pub const ALL: [Alg; 13] = [
        Alg::HS256,
        Alg::HS384,
        Alg::HS512,
        Alg::RS256,
        Alg::RS384,
        Alg::RS512,
        Alg::PS256,
        Alg::PS384,
        Alg::PS512,
        Alg::ES256,
        Alg::ES384,
        Alg::EdDSA,
        Alg::None,
    ];

    /// The registered name (`HS256`, ..., `EdDSA`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::EdDSA => "EdDSA",
            Alg::None => "none",
        }
    }

    pub fn family(self) -> AlgFamily {
        match self {
            Alg::HS256 | Alg::HS384 | Alg::HS512 => AlgFamily::Hmac,
            Alg::RS256 | Alg::RS384 | Alg::RS512 => AlgFamily::Rsa,
            Alg::PS256 | Alg::PS384 | Alg::PS512 => AlgFamily::RsaPss,
            Alg::ES256 => AlgFamily::EcP256,
            Alg::ES384 => AlgFamily::EcP384,
            Alg::EdDSA => AlgFamily::Ed25519,
            Alg::None => AlgFamily::None,
        }
    }

    /// True for HS256/384/512.
    pub fn is_hmac(self) -> bool {
        self.family() == AlgFamily::Hmac
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Alg {
    type Err = JoseError;
    /// Exact registered names; any case form of `none` parses as [`Alg::None`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("none") {
            return Ok(Alg::None);
        }
        Alg::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| JoseError::UnsupportedAlg(s.to_string()))
    }
}

fn mismatch(alg: Alg, needs: &'static str, key: &Key) -> JoseError {
    JoseError::KeyMismatch {
        alg: alg.to_string(),
        needs,
        got: key.kind_name(),
    }
}

fn hmac_tag<M: Mac + KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(input);
    mac.finalize().into_bytes().to_vec()
}

/// Signs `signing_input` (`header_b64.payload_b64`) and returns the raw signature bytes
/// (JWS format: RSA big-endian, ECDSA `r || s` fixed width, Ed25519 64 bytes; empty for none).
pub fn sign(alg: Alg, key: &Key, signing_input: &[u8]) -> Result<Vec<u8>, JoseError> {
    use signature_traits::*;
    let fail = |e: &dyn fmt::Display| JoseError::Sign(e.to_string());
    match alg {
        Alg::None => Ok(Vec::new()),
        Alg::HS256 | Alg::HS384 | Alg::HS512 => {
            let Key::Hmac(secret) = key else {
                return Err(mismatch(alg, "an HMAC secret", key));
            };
            Ok(match alg {
                Alg::HS256 => hmac_tag::<Hmac<Sha256>>(secret, signing_input),
                Alg::HS384 => hmac_tag::<Hmac<Sha384>>(secret, signing_input),
                _ => hmac_tag::<Hmac<Sha512>>(secret, signing_input),
            })
        }
        Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512 => {
            let Key::RsaPrivate(k) = key else {
                return Err(mismatch(alg, "an RSA private key", key));
            };
            let k = (**k).clone();
            let sig: Box<[u8]> = match alg {
                Alg::RS256 => rsa::pkcs1v15::SigningKey::<Sha256>::new(k)
                    .try_sign(signing_input)
                    .map_err(|e| fail(&e))?
                    .to_bytes(),
                Alg::RS384 => rsa::pkcs1v15::SigningKey::<Sha384>::new(k)
                    .try_sign(signing_input)
                    .map_err(|e| fail(&e))?
                    .to_bytes(),
                Alg::RS512 => rsa::pkcs1v15::SigningKey::<Sha512>::new(k)
                    .try_sign(signing_input)
                    .map_err(|e| fail(&e))?
                    .to_bytes(),
                Alg::PS256 => rsa::pss::SigningKey::<Sha256>::new(k)
                    .try_sign(signing_input)
                    .map_err(|e| fail(&e))?
                    .to_bytes(),
                Alg::PS384 => rsa::pss::SigningKey::<Sha384>::new(k)
                    .try_sign(signing_input)
                    .map_err(|e| fail(&e))?
                    .to_bytes(),
                _ => rsa::pss::SigningKey::<Sha512>::new(k)
                    .try_sign(signing_input)
                    .map_err(|e| fail(&e))?
                    .to_bytes(),
            };
            Ok(sig.into_vec())
        }
        Alg::ES256 => {
            let Key::EcP256Private(k) = key else {
                return Err(mismatch(alg, "a P-256 private key", key));
            };
            let sig: p256::ecdsa::Signature = k.try_sign(signing_input).map_err(|e| fail(&e))?;
            Ok(sig.to_bytes().to_vec())
        }
        Alg::ES384 => {
            let Key::EcP384Private(k) = key else {
                return Err(mismatch(alg, "a P-384 private key", key));
            };
            let sig: p384::ecdsa::Signature = k.try_sign(signing_input).map_err(|e| fail(&e))?;
            Ok(sig.to_bytes().to_vec())
        }
        Alg::EdDSA => {
            let Key::Ed25519Private(k) = key else {
                return Err(mismatch(alg, "an Ed25519 private key", key));
            };
            let sig: ed25519_dalek::Signature = k.try_sign(signing_input).map_err(|e| fail(&e))?;
            Ok(sig.to_bytes().to_vec())
        }
    }
}

mod signature_traits {
    pub use ed25519_dalek::Signer as _;
    pub use rsa::signature::SignatureEncoding as _;
}

/// Checks a signature. Public and private keys both work for the asymmetric algorithms.
/// `Ok(false)` means "does not verify"; `Err` means the key cannot be used with `alg`.
/// `none` verifies only an empty signature.
pub fn verify(
    alg: Alg,
    key: &Key,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<bool, JoseError> {
    use rsa::signature::Verifier;
    match alg {
        Alg::None => Ok(signature.is_empty()),
        Alg::HS256 | Alg::HS384 | Alg::HS512 => {
            let expect = sign(alg, key, signing_input)?;
            Ok(expect.len() == signature.len()
                && expect
                    .iter()
                    .zip(signature)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0)
        }
        Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512 => {
            let pk = match key {
                Key::RsaPublic(k) => (**k).clone(),
                Key::RsaPrivate(k) => k.to_public_key(),
                _ => return Err(mismatch(alg, "an RSA key", key)),
            };
            let ok = match alg {
                Alg::RS256 | Alg::RS384 | Alg::RS512 => {
                    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
                        return Ok(false);
                    };
                    match alg {
                        Alg::RS256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(pk)
                            .verify(signing_input, &sig)
                            .is_ok(),
                        Alg::RS384 => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(pk)
                            .verify(signing_input, &sig)
                            .is_ok(),
                        _ => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(pk)
                            .verify(signing_input, &sig)
                            .is_ok(),
                    }
                }
                _ => {
                    let Ok(sig) = rsa::pss::Signature::try_from(signature) else {
                        return Ok(false);
                    };
                    match alg {
                        Alg::PS256 => rsa::pss::VerifyingKey::<Sha256>::new(pk)
                            .verify(signing_input, &sig)
                            .is_ok(),
                        Alg::PS384 => rsa::pss::VerifyingKey::<Sha384>::new(pk)
                            .verify(signing_input, &sig)
                            .is_ok(),
                        _ => rsa::pss::VerifyingKey::<Sha512>::new(pk)
                            .verify(signing_input, &sig)
                            .is_ok(),
                    }
                }
            };
            Ok(ok)
        }
        Alg::ES256 => {
            let vk = match key {
                Key::EcP256Public(k) => *k,
                Key::EcP256Private(k) => *k.verifying_key(),
                _ => return Err(mismatch(alg, "a P-256 key", key)),
            };
            let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(vk.verify(signing_input, &sig).is_ok())
        }
        Alg::ES384 => {
            let vk = match key {
                Key::EcP384Public(k) => *k,
                Key::EcP384Private(k) => *k.verifying_key(),
                _ => return Err(mismatch(alg, "a P-384 key", key)),
            };
            let Ok(sig) = p384::ecdsa::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(vk.verify(signing_input, &sig).is_ok())
        }
        Alg::EdDSA => {
            let vk = match key {
                Key::Ed25519Public(k) => *k,
                Key::Ed25519Private(k) => k.verifying_key(),
                _ => return Err(mismatch(alg, "an Ed25519 key", key)),
            };
            let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(vk.verify_strict(signing_input, &sig).is_ok())
        }
    }
}

/// Builds and signs a token: `header` gets `alg` set (other members kept in order; `typ: JWT`
/// added when absent), `claims` is serialised compactly.
pub fn sign_token(
    alg: Alg,
    key: &Key,
    header: &Value,
    claims: &Value,
) -> Result<String, JoseError> {
    let mut h = header.clone();
    if !h.is_object() {
        h = Value::Object(Default::default());
    }
    let obj = h.as_object_mut().expect("object");
    obj.insert("alg".into(), Value::String(alg.as_str().into()));
    if !obj.contains_key("typ") {
        obj.insert("typ".into(), Value::String("JWT".into()));
    }
    Ok(Jws::from_parts(&h, claims).signed(alg, key)?.to_compact())
}

/// SHA-256 of `data` (used for JWK thumbprints and tests).
pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

//! Attacker-side JOSE for jwtward.
//!
//! Unlike a validating JWT library, this crate never refuses a token: it splits compact JWS
//! tokens keeping the original base64url segments byte for byte ([`Jws`]), rebuilds them with an
//! edited header or payload, corrupts or strips signatures, produces every `alg: none` variant
//! ([`none_variants`]), signs with HS*/RS*/PS*/ES256/ES384/EdDSA ([`sign`]), loads key material
//! from PEM, DER, JWK and JWKS ([`load_keys`]) and lists the encodings of a public key that a
//! server confused into HMAC mode may use as its secret ([`confusion_secrets`]).
//!
//! [`audit`] holds the offline token audit (`jwtward token inspect`) and its rules.

pub mod audit;
pub mod b64;
mod error;
mod jws;
mod keys;
mod sign;

pub use error::JoseError;
pub use jws::{Jws, NONE_CASE_FORMS, NoneSignature, NoneToken, encode_json_segment, none_variants};
pub use keys::{
    ConfusionSecret, Key, KeyFormat, LoadedKey, confusion_secrets, jwk_thumbprint, load_keys,
};
pub use sign::{Alg, AlgFamily, sign, sign_token, verify};

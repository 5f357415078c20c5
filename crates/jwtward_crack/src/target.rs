use crate::CrackError;
use hmac::{Hmac, KeyInit, Mac};
use jwtward_jose::Jws;
use sha2::{Sha256, Sha384, Sha512};

/// The HMAC algorithms a key can be searched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HmacAlg {
    HS256,
    HS384,
    HS512,
}

impl HmacAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            HmacAlg::HS256 => "HS256",
            HmacAlg::HS384 => "HS384",
            HmacAlg::HS512 => "HS512",
        }
    }
    /// Tag length in bytes.
    pub fn tag_len(self) -> usize {
        match self {
            HmacAlg::HS256 => 32,
            HmacAlg::HS384 => 48,
            HmacAlg::HS512 => 64,
        }
    }
    /// Hash block size in bytes (keys longer than this are hashed first).
    pub fn block_len(self) -> usize {
        match self {
            HmacAlg::HS256 => 64,
            _ => 128,
        }
    }
}

/// What is searched: the signing input and tag of an HMAC-signed token.
#[derive(Clone, Debug)]
pub struct Target {
    pub alg: HmacAlg,
    /// `header_b64.payload_b64` exactly as in the token.
    pub signing_input: Vec<u8>,
    /// The decoded signature.
    pub tag: Vec<u8>,
}

impl Target {
    /// Reads a compact JWS. Errors (with a message naming the problem) for anything that is not
    /// an HS256/384/512 token with a signature of the right length.
    pub fn from_token(token: &str) -> Result<Target, CrackError> {
        let jws = Jws::parse(token).map_err(CrackError::Token)?;
        Target::from_jws(&jws)
    }

    /// Like [`Target::from_token`] for an already parsed token.
    pub fn from_jws(jws: &Jws) -> Result<Target, CrackError> {
        let alg = match jws.alg() {
            Some("HS256") => HmacAlg::HS256,
            Some("HS384") => HmacAlg::HS384,
            Some("HS512") => HmacAlg::HS512,
            Some(other) => return Err(CrackError::NotHmac(other.to_string())),
            None => return Err(CrackError::NotHmac(jws.header()["alg"].to_string())),
        };
        let tag = jws.signature().to_vec();
        if tag.len() != alg.tag_len() {
            return Err(CrackError::TagLength {
                alg: alg.as_str(),
                got: tag.len(),
                want: alg.tag_len(),
            });
        }
        Ok(Target {
            alg,
            signing_input: jws.signing_input().into_bytes(),
            tag,
        })
    }

    /// Checks one key with the `hmac` crate (the reference implementation).
    pub fn verify(&self, key: &[u8]) -> bool {
        fn check<M: Mac + KeyInit>(key: &[u8], input: &[u8], tag: &[u8]) -> bool {
            let mut m = <M as KeyInit>::new_from_slice(key).expect("any key length");
            m.update(input);
            m.verify_slice(tag).is_ok()
        }
        match self.alg {
            HmacAlg::HS256 => check::<Hmac<Sha256>>(key, &self.signing_input, &self.tag),
            HmacAlg::HS384 => check::<Hmac<Sha384>>(key, &self.signing_input, &self.tag),
            HmacAlg::HS512 => check::<Hmac<Sha512>>(key, &self.signing_input, &self.tag),
        }
    }
}

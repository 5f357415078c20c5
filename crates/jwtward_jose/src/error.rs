use thiserror::Error;

/// Everything that can go wrong reading a token or key material. Messages name the part of the
/// input that is wrong (which segment, which JWK member...), so they can be shown as they are.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum JoseError {
    #[error("the token is empty")]
    EmptyToken,
    #[error(
        "the token is {len} bytes, over the {max}-byte limit (real tokens are a few kilobytes); not read"
    )]
    TooLarge { len: usize, max: usize },
    #[error(
        "not a JWT: expected 3 dot-separated segments (header.payload.signature), found {found}"
    )]
    SegmentCount { found: usize },
    #[error(
        "this is a JWE (encrypted token, 5 segments), not a signed JWT; its claims cannot be read without the key"
    )]
    Jwe,
    #[error("the {segment} segment (segment {index}) is empty")]
    EmptySegment { segment: &'static str, index: usize },
    #[error("the {segment} segment (segment {index}) is not base64url: {detail}")]
    Base64 {
        segment: &'static str,
        index: usize,
        detail: String,
    },
    #[error("the {segment} segment (segment {index}) is not JSON: {detail}")]
    Json {
        segment: &'static str,
        index: usize,
        detail: String,
    },
    #[error("the header is not a JSON object")]
    HeaderNotObject,
    #[error("the header has no \"alg\"")]
    MissingAlg,
    #[error("unsupported algorithm `{0}`")]
    UnsupportedAlg(String),
    #[error("algorithm {alg} needs {needs}, but the key given is {got}")]
    KeyMismatch {
        alg: String,
        needs: &'static str,
        got: &'static str,
    },
    #[error("invalid key material: {0}")]
    Key(String),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("invalid base64: {0}")]
    Base64Input(String),
}

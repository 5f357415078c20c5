//! base64url (RFC 4648 §5) with and without padding.
//!
//! Decoding is lenient the way attacks need: padding is optional, non-canonical trailing bits
//! are accepted. [`decode_any`] additionally accepts the standard alphabet (`+/`).

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
const URL_PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(true),
);
const STD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// base64url without padding (what JWS uses).
pub fn encode(data: impl AsRef<[u8]>) -> String {
    URL_LENIENT.encode(data)
}

/// base64url with `=` padding (some libraries accept it; useful for parser-differential tests).
pub fn encode_padded(data: impl AsRef<[u8]>) -> String {
    URL_PADDED.encode(data)
}

/// Standard base64 (`+/`, padded), as PEM bodies and `x5c` use.
pub fn encode_standard(data: impl AsRef<[u8]>) -> String {
    STD_LENIENT.encode(data)
}

/// Decodes base64url, with or without padding. The error says which byte is wrong.
pub fn decode(s: impl AsRef<[u8]>) -> Result<Vec<u8>, String> {
    URL_LENIENT.decode(s).map_err(describe)
}

/// Decodes base64url or standard base64, with or without padding (JWK members written by
/// careless tools, PEM bodies).
pub fn decode_any(s: impl AsRef<[u8]>) -> Result<Vec<u8>, String> {
    let s = s.as_ref();
    if s.iter().any(|&b| b == b'+' || b == b'/') {
        STD_LENIENT.decode(s).map_err(describe)
    } else {
        URL_LENIENT.decode(s).map_err(describe)
    }
}

fn describe(e: base64::DecodeError) -> String {
    match e {
        base64::DecodeError::InvalidByte(offset, byte) => {
            format!(
                "invalid character {:?} at offset {offset}",
                char::from(byte)
            )
        }
        base64::DecodeError::InvalidLength(len) => {
            format!("invalid length {len} (a base64 text cannot have 4n+1 characters)")
        }
        base64::DecodeError::InvalidLastSymbol {
            offset,
            symbol: byte,
            ..
        } => {
            format!(
                "invalid last character {:?} at offset {offset}",
                char::from(byte)
            )
        }
        base64::DecodeError::InvalidPadding => "invalid padding".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trip_unpadded(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let e = encode(&data);
            prop_assert!(!e.contains('=') && !e.contains('+') && !e.contains('/'));
            prop_assert_eq!(decode(&e).unwrap(), data);
        }

        #[test]
        fn round_trip_padded(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let e = encode_padded(&data);
            prop_assert_eq!(e.len() % 4, 0);
            prop_assert_eq!(decode(&e).unwrap(), data.clone());
            prop_assert_eq!(decode_any(encode_standard(&data)).unwrap(), data);
        }

        #[test]
        fn garbage_never_panics(s in "\\PC{0,64}") {
            let _ = decode(&s);
            let _ = decode_any(&s);
        }
    }

    #[test]
    fn errors_name_the_byte() {
        let e = decode("ab*d").unwrap_err();
        assert!(e.contains("'*'") && e.contains("offset 2"), "{e}");
        assert!(decode("abcde").unwrap_err().contains("length"));
    }
}

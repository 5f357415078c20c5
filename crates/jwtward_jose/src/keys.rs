use crate::b64;
use crate::error::JoseError;
use crate::sign::{Alg, AlgFamily};
use rsa::BoxedUint;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde_json::{Map, Value, json};

/// Key material of any kind jwtward signs or verifies with.
#[derive(Clone, Debug)]
pub enum Key {
    /// An HMAC secret (HS256/384/512), raw bytes.
    Hmac(Vec<u8>),
    RsaPrivate(Box<rsa::PrivateKey>),
    RsaPublic(Box<rsa::PublicKey>),
    EcP256Private(p256::ecdsa::SigningKey),
    EcP256Public(p256::ecdsa::VerifyingKey),
    EcP384Private(p384::ecdsa::SigningKey),
    EcP384Public(p384::ecdsa::VerifyingKey),
    Ed25519Private(ed25519_dalek::SigningKey),
    Ed25519Public(ed25519_dalek::VerifyingKey),
}

/// Where a loaded key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    Pem,
    Der,
    Jwk,
    Jwks,
}

/// A key read by [`load_keys`], with what the source said about it.
#[derive(Clone, Debug)]
pub struct LoadedKey {
    pub key: Key,
    pub format: KeyFormat,
    /// The JWK's `kid`, when there was one.
    pub kid: Option<String>,
    /// The JWK's `alg`, when there was one.
    pub alg: Option<String>,
    /// This key's bytes exactly as given (the PEM block, the DER, the JWK's JSON text).
    /// Key confusion tries these too: a server may use its key file's bytes verbatim.
    pub original: Vec<u8>,
}

impl Key {
    /// A short description for messages (`an RSA public key`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Key::Hmac(_) => "an HMAC secret",
            Key::RsaPrivate(_) => "an RSA private key",
            Key::RsaPublic(_) => "an RSA public key",
            Key::EcP256Private(_) => "a P-256 private key",
            Key::EcP256Public(_) => "a P-256 public key",
            Key::EcP384Private(_) => "a P-384 private key",
            Key::EcP384Public(_) => "a P-384 public key",
            Key::Ed25519Private(_) => "an Ed25519 private key",
            Key::Ed25519Public(_) => "an Ed25519 public key",
        }
    }

    /// True for keys that can sign asymmetric algorithms (and HMAC secrets).
    pub fn is_private(&self) -> bool {
        matches!(
            self,
            Key::Hmac(_)
                | Key::RsaPrivate(_)
                | Key::EcP256Private(_)
                | Key::EcP384Private(_)
                | Key::Ed25519Private(_)
        )
    }

    /// The public half (`None` for HMAC secrets). A public key returns a copy of itself.
    pub fn public(&self) -> Option<Key> {
        Some(match self {
            Key::Hmac(_) => return None,
            Key::RsaPrivate(k) => Key::RsaPublic(Box::new(k.to_public_key())),
            Key::RsaPublic(k) => Key::RsaPublic(k.clone()),
            Key::EcP256Private(k) => Key::EcP256Public(*k.verifying_key()),
            Key::EcP256Public(k) => Key::EcP256Public(*k),
            Key::EcP384Private(k) => Key::EcP384Public(*k.verifying_key()),
            Key::EcP384Public(k) => Key::EcP384Public(*k),
            Key::Ed25519Private(k) => Key::Ed25519Public(k.verifying_key()),
            Key::Ed25519Public(k) => Key::Ed25519Public(*k),
        })
    }

    /// The algorithms this key signs or verifies.
    pub fn algorithms(&self) -> &'static [Alg] {
        match self {
            Key::Hmac(_) => &[Alg::HS256, Alg::HS384, Alg::HS512],
            Key::RsaPrivate(_) | Key::RsaPublic(_) => &[
                Alg::RS256,
                Alg::RS384,
                Alg::RS512,
                Alg::PS256,
                Alg::PS384,
                Alg::PS512,
            ],
            Key::EcP256Private(_) | Key::EcP256Public(_) => &[Alg::ES256],
            Key::EcP384Private(_) | Key::EcP384Public(_) => &[Alg::ES384],
            Key::Ed25519Private(_) | Key::Ed25519Public(_) => &[Alg::EdDSA],
        }
    }

    /// True when `alg` is usable with this key.
    pub fn fits(&self, alg: Alg) -> bool {
        alg.family() == AlgFamily::None || self.algorithms().contains(&alg)
    }

    /// A fresh random P-256 key (for embedded-`jwk` / `jku` attacks).
    pub fn generate_p256() -> Key {
        use rsa::Generate;
        Key::EcP256Private(p256::ecdsa::SigningKey::generate())
    }

    /// A fresh random Ed25519 key.
    pub fn generate_ed25519() -> Key {
        use rsa::Generate;
        let seed = <[u8; 32]>::generate();
        Key::Ed25519Private(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// A fresh 2048-bit RSA key (takes a fraction of a second to a few seconds in debug builds).
    pub fn generate_rsa() -> Key {
        use rsa::Generate;
        Key::RsaPrivate(Box::new(rsa::PrivateKey::generate()))
    }

    /// The public JWK (RFC 7517) of this key, members in the usual order (`kty` first).
    /// HMAC secrets give an `oct` JWK with `k`.
    pub fn to_public_jwk(&self) -> Value {
        match self.public() {
            None => match self {
                Key::Hmac(s) => json!({"kty": "oct", "k": b64::encode(s)}),
                _ => unreachable!("only HMAC secrets have no public half"),
            },
            Some(Key::RsaPublic(k)) => json!({
                "kty": "RSA",
                "n": b64::encode(k.n().to_be_bytes_trimmed_vartime()),
                "e": b64::encode(k.e().to_be_bytes_trimmed_vartime()),
            }),
            Some(Key::EcP256Public(k)) => {
                let p = k.to_sec1_bytes();
                json!({"kty": "EC", "crv": "P-256", "x": b64::encode(&p[1..33]), "y": b64::encode(&p[33..65])})
            }
            Some(Key::EcP384Public(k)) => {
                let p = k.to_sec1_bytes();
                json!({"kty": "EC", "crv": "P-384", "x": b64::encode(&p[1..49]), "y": b64::encode(&p[49..97])})
            }
            Some(Key::Ed25519Public(k)) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(k.as_bytes())})
            }
            Some(_) => unreachable!("public() returns public keys"),
        }
    }

    /// The full JWK, private members included for private keys.
    pub fn to_jwk(&self) -> Value {
        let mut jwk = self.to_public_jwk();
        let obj = jwk.as_object_mut().expect("object");
        match self {
            Key::RsaPrivate(k) => {
                obj.insert(
                    "d".into(),
                    b64::encode(k.d().to_be_bytes_trimmed_vartime()).into(),
                );
                let primes = k.primes();
                if primes.len() == 2 {
                    obj.insert(
                        "p".into(),
                        b64::encode(primes[0].to_be_bytes_trimmed_vartime()).into(),
                    );
                    obj.insert(
                        "q".into(),
                        b64::encode(primes[1].to_be_bytes_trimmed_vartime()).into(),
                    );
                }
            }
            Key::EcP256Private(k) => {
                obj.insert("d".into(), b64::encode(k.to_bytes()).into());
            }
            Key::EcP384Private(k) => {
                obj.insert("d".into(), b64::encode(k.to_bytes()).into());
            }
            Key::Ed25519Private(k) => {
                obj.insert("d".into(), b64::encode(k.to_bytes()).into());
            }
            _ => {}
        }
        jwk
    }

    /// The public key as SubjectPublicKeyInfo DER (`None` for HMAC secrets).
    pub fn public_spki_der(&self) -> Option<Vec<u8>> {
        use p256::pkcs8::EncodePublicKey as _;
        let der = match self.public()? {
            Key::RsaPublic(k) => rsa::pkcs8::EncodePublicKey::to_public_key_der(&*k).ok()?,
            Key::EcP256Public(k) => k.to_public_key_der().ok()?,
            Key::EcP384Public(k) => k.to_public_key_der().ok()?,
            Key::Ed25519Public(k) => k.to_public_key_der().ok()?,
            _ => return None,
        };
        Some(der.as_bytes().to_vec())
    }

    /// The public key as a `-----BEGIN PUBLIC KEY-----` PEM, ending with a newline.
    pub fn public_pem(&self) -> Option<String> {
        Some(pem_encode("PUBLIC KEY", &self.public_spki_der()?))
    }

    /// For RSA keys: the public key as PKCS#1 DER (`RSAPublicKey`).
    pub fn rsa_pkcs1_public_der(&self) -> Option<Vec<u8>> {
        match self.public()? {
            Key::RsaPublic(k) => Some(
                rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&*k)
                    .ok()?
                    .as_bytes()
                    .to_vec(),
            ),
            _ => None,
        }
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), for handing to other tools.
    pub fn private_pkcs8_pem(&self) -> Option<String> {
        use p256::pkcs8::EncodePrivateKey as _;
        let der = match self {
            Key::RsaPrivate(k) => rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&**k).ok()?,
            Key::EcP256Private(k) => k.to_pkcs8_der().ok()?,
            Key::EcP384Private(k) => k.to_pkcs8_der().ok()?,
            Key::Ed25519Private(k) => k.to_pkcs8_der().ok()?,
            _ => return None,
        };
        Some(pem_encode("PRIVATE KEY", der.as_bytes()))
    }
}

/// PEM with 64-column lines and a trailing newline.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = b64::encode_standard(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Reads every key in `input`: PEM (any number of blocks: PKCS#8, PKCS#1, SEC1, SPKI),
/// DER (one key), a JWK or a JWKS (`{"keys": [...]}`). An empty result is an error.
pub fn load_keys(input: &[u8]) -> Result<Vec<LoadedKey>, JoseError> {
    let text = std::str::from_utf8(input).ok().map(str::trim);
    if let Some(t) = text {
        if t.starts_with('{') {
            let v: Value = serde_json::from_str(t)
                .map_err(|e| JoseError::Key(format!("JSON key material is not valid JSON: {e}")))?;
            if let Some(keys) = v.get("keys") {
                let arr = keys
                    .as_array()
                    .ok_or_else(|| JoseError::Key("JWKS member \"keys\" is not an array".into()))?;
                let mut out = Vec::new();
                for (i, k) in arr.iter().enumerate() {
                    match jwk_to_key(k) {
                        Ok(mut lk) => {
                            lk.format = KeyFormat::Jwks;
                            out.push(lk)
                        }
                        // Keys of unknown types in a JWKS are skipped, not fatal.
                        Err(JoseError::UnsupportedAlg(_)) => {}
                        Err(e) => return Err(JoseError::Key(format!("JWKS key #{i}: {e}"))),
                    }
                }
                if out.is_empty() {
                    return Err(JoseError::Key(
                        "the JWKS holds no key of a supported type (RSA, EC P-256/P-384, OKP Ed25519, oct)".into(),
                    ));
                }
                return Ok(out);
            }
            return Ok(vec![jwk_to_key(&v)?]);
        }
        if t.contains("-----BEGIN ") {
            return load_pem(t);
        }
    }
    let key = der_to_key(input).ok_or_else(|| {
        JoseError::Key(
            "not a PEM, DER, JWK or JWKS key (DER tried as PKCS#8, PKCS#1, SEC1 and SubjectPublicKeyInfo)"
                .into(),
        )
    })?;
    Ok(vec![LoadedKey {
        key,
        format: KeyFormat::Der,
        kid: None,
        alg: None,
        original: input.to_vec(),
    }])
}

fn load_pem(text: &str) -> Result<Vec<LoadedKey>, JoseError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after
            .find("-----")
            .ok_or_else(|| JoseError::Key("PEM: unterminated BEGIN line".into()))?;
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        // The END line is looked for after the BEGIN line only: in `-----BEGIN X-----END X-----`
        // the first `-----END X-----` starts inside the BEGIN line's closing dashes.
        let body_start = label_end + 5;
        let end = after[body_start..]
            .find(&end_marker)
            .map(|i| body_start + i)
            .ok_or_else(|| {
                JoseError::Key(format!(
                    "PEM: `-----BEGIN {label}-----` has no `{end_marker}`"
                ))
            })?;
        let body: String = after[body_start..end]
            .lines()
            .filter(|l| !l.contains(':')) // RFC 1421 headers (Proc-Type, DEK-Info)
            .collect::<String>()
            .split_whitespace()
            .collect();
        let block_text = &rest[start..start + 11 + end + end_marker.len()];
        let der = b64::decode_any(&body)
            .map_err(|e| JoseError::Key(format!("PEM block `{label}`: body is not base64: {e}")))?;
        let key = match label {
            "ENCRYPTED PRIVATE KEY" => {
                return Err(JoseError::Key(
                    "PEM block `ENCRYPTED PRIVATE KEY`: encrypted keys are not supported; decrypt it first (openssl pkey -in KEY -out PLAIN)".into(),
                ));
            }
            "CERTIFICATE" => {
                return Err(JoseError::Key(
                    "PEM block `CERTIFICATE`: certificates are not read; extract the public key first (openssl x509 -pubkey -noout -in CERT)".into(),
                ));
            }
            _ => der_to_key(&der).ok_or_else(|| {
                JoseError::Key(format!("PEM block `{label}` does not hold a key jwtward reads (RSA, EC P-256/P-384, Ed25519)"))
            })?,
        };
        out.push(LoadedKey {
            key,
            format: KeyFormat::Pem,
            kid: None,
            alg: None,
            original: block_text.as_bytes().to_vec(),
        });
        rest = &after[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(JoseError::Key("no PEM block found".into()));
    }
    Ok(out)
}

/// Tries every DER structure jwtward knows.
fn der_to_key(der: &[u8]) -> Option<Key> {
    use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
    use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
    if let Ok(k) = rsa::PrivateKey::from_pkcs8_der(der) {
        return Some(Key::RsaPrivate(Box::new(k)));
    }
    if let Ok(k) = rsa::PublicKey::from_public_key_der(der) {
        return Some(Key::RsaPublic(Box::new(k)));
    }
    if let Ok(k) = rsa::PrivateKey::from_pkcs1_der(der) {
        return Some(Key::RsaPrivate(Box::new(k)));
    }
    if let Ok(k) = rsa::PublicKey::from_pkcs1_der(der) {
        return Some(Key::RsaPublic(Box::new(k)));
    }
    if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
        return Some(Key::EcP256Private(k.into()));
    }
    if let Ok(k) = p256::PublicKey::from_public_key_der(der) {
        return Some(Key::EcP256Public(k.into()));
    }
    if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        return Some(Key::EcP256Private(k.into()));
    }
    if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
        return Some(Key::EcP384Private(k.into()));
    }
    if let Ok(k) = p384::PublicKey::from_public_key_der(der) {
        return Some(Key::EcP384Public(k.into()));
    }
    if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        return Some(Key::EcP384Private(k.into()));
    }
    if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(der) {
        return Some(Key::Ed25519Private(k));
    }
    if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
        return Some(Key::Ed25519Public(k));
    }
    None
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, JoseError> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JoseError::Key(format!(
            "JWK member \"{name}\" is not a string"
        ))),
    }
}

fn bytes_member(jwk: &Map<String, Value>, name: &str) -> Result<Option<Vec<u8>>, JoseError> {
    member(jwk, name)?
        .map(|s| {
            b64::decode_any(s)
                .map_err(|e| JoseError::Key(format!("JWK member \"{name}\" is not base64url: {e}")))
        })
        .transpose()
}

fn required(jwk: &Map<String, Value>, name: &str, kty: &str) -> Result<Vec<u8>, JoseError> {
    bytes_member(jwk, name)?.ok_or_else(|| JoseError::Key(format!("{kty} JWK has no \"{name}\"")))
}

fn big(b: &[u8]) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(b)
}

/// Reads one JWK (`kty` RSA, EC P-256/P-384, OKP Ed25519 or oct).
fn jwk_to_key(v: &Value) -> Result<LoadedKey, JoseError> {
    let jwk = v
        .as_object()
        .ok_or_else(|| JoseError::Key("a JWK must be a JSON object".into()))?;
    let kty = member(jwk, "kty")?.ok_or_else(|| JoseError::Key("JWK has no \"kty\"".into()))?;
    let bad = |what: &str, e: &dyn std::fmt::Display| JoseError::Key(format!("{what}: {e}"));
    let key = match kty {
        "RSA" => {
            let n = required(jwk, "n", "RSA")?;
            let e = required(jwk, "e", "RSA")?;
            match bytes_member(jwk, "d")? {
                Some(d) => {
                    let mut primes = Vec::new();
                    if let (Some(p), Some(q)) = (bytes_member(jwk, "p")?, bytes_member(jwk, "q")?) {
                        primes = vec![big(&p), big(&q)];
                    }
                    let k = rsa::PrivateKey::from_components(big(&n), big(&e), big(&d), primes)
                        .map_err(|e| bad("RSA JWK private key is invalid", &e))?;
                    Key::RsaPrivate(Box::new(k))
                }
                None => Key::RsaPublic(Box::new(
                    rsa::PublicKey::new(big(&n), big(&e))
                        .map_err(|e| bad("RSA JWK public key is invalid", &e))?,
                )),
            }
        }
        "EC" => {
            let crv = member(jwk, "crv")?
                .ok_or_else(|| JoseError::Key("EC JWK has no \"crv\"".into()))?;
            let x = required(jwk, "x", "EC")?;
            let y = required(jwk, "y", "EC")?;
            let d = bytes_member(jwk, "d")?;
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            match (crv, d) {
                ("P-256", Some(d)) => Key::EcP256Private(
                    p256::ecdsa::SigningKey::from_slice(&d)
                        .map_err(|e| bad("EC JWK \"d\" is not a P-256 scalar", &e))?,
                ),
                ("P-256", None) => Key::EcP256Public(
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                        .map_err(|e| bad("EC JWK x/y is not a P-256 point", &e))?,
                ),
                ("P-384", Some(d)) => Key::EcP384Private(
                    p384::ecdsa::SigningKey::from_slice(&d)
                        .map_err(|e| bad("EC JWK \"d\" is not a P-384 scalar", &e))?,
                ),
                ("P-384", None) => Key::EcP384Public(
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                        .map_err(|e| bad("EC JWK x/y is not a P-384 point", &e))?,
                ),
                (other, _) => {
                    return Err(JoseError::UnsupportedAlg(format!("EC curve {other}")));
                }
            }
        }
        "OKP" => {
            let crv = member(jwk, "crv")?.unwrap_or("");
            if crv != "Ed25519" {
                return Err(JoseError::UnsupportedAlg(format!("OKP curve {crv}")));
            }
            match bytes_member(jwk, "d")? {
                Some(d) => {
                    let seed: [u8; 32] = d
                        .as_slice()
                        .try_into()
                        .map_err(|_| JoseError::Key("OKP JWK \"d\" must be 32 bytes".into()))?;
                    Key::Ed25519Private(ed25519_dalek::SigningKey::from_bytes(&seed))
                }
                None => {
                    let x = required(jwk, "x", "OKP")?;
                    let x: [u8; 32] = x
                        .as_slice()
                        .try_into()
                        .map_err(|_| JoseError::Key("OKP JWK \"x\" must be 32 bytes".into()))?;
                    Key::Ed25519Public(
                        ed25519_dalek::VerifyingKey::from_bytes(&x)
                            .map_err(|e| bad("OKP JWK \"x\" is not an Ed25519 point", &e))?,
                    )
                }
            }
        }
        "oct" => Key::Hmac(required(jwk, "k", "oct")?),
        other => return Err(JoseError::UnsupportedAlg(format!("JWK kty {other}"))),
    };
    Ok(LoadedKey {
        key,
        format: KeyFormat::Jwk,
        kid: member(jwk, "kid")?.map(str::to_string),
        alg: member(jwk, "alg")?.map(str::to_string),
        original: serde_json::to_vec(v).expect("JSON serialises"),
    })
}

/// One HMAC secret to try in an RS/ES→HS key-confusion attack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionSecret {
    /// What the bytes are, for messages (`SPKI PEM with trailing newline`, ...).
    pub label: String,
    pub secret: Vec<u8>,
}

/// The byte strings a server confused into HMAC mode may use as its secret when it was given
/// `key`'s public half: the SubjectPublicKeyInfo PEM with and without the trailing newline and
/// with CRLF line ends, the PKCS#1 PEM (RSA), the DER forms, the raw point (EC/Ed25519), and
/// the JWK as JSON (compact, RFC 7638 member order, and Python's `json.dumps` spacing).
/// `original` (the key file's bytes, e.g. [`LoadedKey::original`]) is tried first, with and
/// without a trailing newline. Duplicates are removed; HMAC secrets give an empty list.
pub fn confusion_secrets(key: &Key, original: Option<&[u8]>) -> Vec<ConfusionSecret> {
    let mut out: Vec<ConfusionSecret> = Vec::new();
    let mut push = |label: &str, secret: Vec<u8>| {
        if !secret.is_empty() && !out.iter().any(|c| c.secret == secret) {
            out.push(ConfusionSecret {
                label: label.to_string(),
                secret,
            });
        }
    };
    let Some(public) = key.public() else {
        return Vec::new();
    };
    if let Some(orig) = original {
        push("the key file as given", orig.to_vec());
        let trimmed = orig.trim_ascii_end();
        push("the key file without trailing newline", trimmed.to_vec());
        let mut nl = trimmed.to_vec();
        nl.push(b'\n');
        push("the key file with a trailing newline", nl);
    }
    if let Some(pem) = public.public_pem() {
        push("SPKI PEM with trailing newline", pem.clone().into_bytes());
        push(
            "SPKI PEM without trailing newline",
            pem.trim_end().as_bytes().to_vec(),
        );
        push("SPKI PEM with CRLF", pem.replace('\n', "\r\n").into_bytes());
    }
    if let Some(der) = public.rsa_pkcs1_public_der() {
        let pem = pem_encode("RSA PUBLIC KEY", &der);
        push("PKCS#1 PEM with trailing newline", pem.clone().into_bytes());
        push(
            "PKCS#1 PEM without trailing newline",
            pem.trim_end().as_bytes().to_vec(),
        );
    }
    if let Some(der) = public.public_spki_der() {
        push("SPKI DER", der);
    }
    if let Some(der) = public.rsa_pkcs1_public_der() {
        push("PKCS#1 DER", der);
    }
    match &public {
        Key::EcP256Public(k) => push("SEC1 uncompressed point", k.to_sec1_bytes().to_vec()),
        Key::EcP384Public(k) => push("SEC1 uncompressed point", k.to_sec1_bytes().to_vec()),
        Key::Ed25519Public(k) => push("raw Ed25519 public key", k.as_bytes().to_vec()),
        _ => {}
    }
    let jwk = public.to_public_jwk();
    push(
        "JWK JSON (compact)",
        serde_json::to_vec(&jwk).expect("JSON serialises"),
    );
    let sorted: std::collections::BTreeMap<_, _> = jwk
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    push(
        "JWK JSON (RFC 7638 member order)",
        serde_json::to_vec(&sorted).expect("JSON serialises"),
    );
    push(
        "JWK JSON (Python json.dumps)",
        python_dumps(&jwk).into_bytes(),
    );
    out
}

/// `json.dumps(obj)` spacing: `{"a": 1, "b": "x"}`.
fn python_dumps(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), python_dumps(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(python_dumps).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key.
pub fn jwk_thumbprint(key: &Key) -> String {
    let jwk = key.to_public_jwk();
    let obj = jwk.as_object().expect("object");
    let required: &[&str] = match obj.get("kty").and_then(Value::as_str) {
        Some("RSA") => &["e", "kty", "n"],
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("OKP") => &["crv", "kty", "x"],
        _ => &["k", "kty"],
    };
    let mut m = Map::new();
    for name in required {
        if let Some(v) = obj.get(*name) {
            m.insert((*name).to_string(), v.clone());
        }
    }
    b64::encode(crate::sign::sha256(
        &serde_json::to_vec(&Value::Object(m)).expect("JSON serialises"),
    ))
}

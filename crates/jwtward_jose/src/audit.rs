//! The offline token audit behind `jwtward token inspect` (and reused by `probe` on the tokens
//! it captures): rules as data ([`RULES`]) and [`audit`], which turns a [`Jws`] into findings of
//! the shared model.

use crate::jws::Jws;
use jwtward_report::{Finding, RuleMeta, Severity};
use serde_json::Value;

macro_rules! rule {
    ($id:ident, $name:literal, $sev:ident, [$($cwe:literal),*], $summary:literal, $expl:literal, $fix:literal, $ex:literal, $fixed:literal) => {
        #[doc = $summary]
        pub static $id: RuleMeta = RuleMeta {
            name: $name,
            severity: Severity::$sev,
            cwe: &[$($cwe),*],
            summary: $summary,
            explanation: $expl,
            remediation: $fix,
            example: $ex,
            fixed_example: $fixed,
        };
    };
}

rule!(
    ALG_NONE,
    "alg-none",
    Critical,
    [347],
    "The token is unsigned (`alg: none`).",
    "A server that accepts this token accepts any claims anyone writes: there is no signature to check.",
    "Reject `none` (in every letter case): pass an explicit `algorithms=[...]` list to the decoder.",
    "{\"alg\":\"none\"}.{\"sub\":\"admin\"}.",
    "{\"alg\":\"HS256\"}.{\"sub\":\"admin\"}.<signature>"
);
rule!(
    WEAK_SECRET,
    "weak-secret",
    Critical,
    [326, 798],
    "The HMAC key is a known weak or default secret.",
    "Anyone who guesses the key signs tokens for any user: the key was found in jwtward's built-in list of weak and example JWT secrets.",
    "Generate a random key of at least 32 bytes (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), keep it out of the source, and rotate it: every token signed with the old key must stop working.",
    "SECRET_KEY = \"secret\"",
    "SECRET_KEY = os.environ[\"JWT_SECRET\"]  # 32+ random bytes"
);
rule!(
    HMAC_ALGORITHM,
    "hmac-algorithm",
    Info,
    [],
    "The token is signed with a shared HMAC secret (HS256/384/512).",
    "Every service that verifies the token can also mint one, and the key can be searched offline from any captured token (`jwtward crack`).",
    "Use a random secret of at least the hash size, or an asymmetric algorithm (RS256/ES256/EdDSA) when other services only need to verify.",
    "{\"alg\":\"HS256\"}",
    "{\"alg\":\"ES256\",\"kid\":\"2026-01\"}"
);
rule!(
    MISSING_EXP,
    "missing-exp",
    Medium,
    [613],
    "The token has no expiry (`exp`).",
    "A stolen token works forever, unless the server tracks revocation itself.",
    "Set `exp` to a short lifetime (minutes to hours) and require it when decoding (`options={\"require\": [\"exp\"]}`).",
    "{\"sub\":\"alice\"}",
    "{\"sub\":\"alice\",\"exp\":1767225600}"
);
rule!(
    LONG_TOKEN_LIFETIME,
    "long-token-lifetime",
    Low,
    [613],
    "The token lives longer than the threshold (`exp - iat`).",
    "A long-lived token gives a thief a long window; access tokens are usually valid for minutes.",
    "Shorten the access-token lifetime and use refresh tokens for long sessions.",
    "{\"iat\":1700000000,\"exp\":1731536000}",
    "{\"iat\":1700000000,\"exp\":1700001800}"
);
rule!(
    TOKEN_EXPIRED,
    "token-expired",
    Info,
    [],
    "The token's `exp` is already past.",
    "An expired token should be refused; if the server still accepts it, expiry is not checked (try it with `jwtward probe`).",
    "Verify `exp` (every mainstream library does unless told not to: look for `verify_exp: False`).",
    "{\"exp\":1600000000}",
    "{\"exp\":<now + 15 minutes>}"
);
rule!(
    MISSING_AUD,
    "missing-aud",
    Low,
    [287],
    "The token has no audience (`aud`).",
    "Without an audience, a token issued for one service is accepted by every other service sharing the key.",
    "Issue tokens with `aud` and check it when decoding (`audience=`).",
    "{\"sub\":\"alice\"}",
    "{\"sub\":\"alice\",\"aud\":\"orders-api\"}"
);
rule!(
    MISSING_ISS,
    "missing-iss",
    Low,
    [287],
    "The token has no issuer (`iss`).",
    "Without an issuer the verifier cannot tell which authority minted the token.",
    "Issue tokens with `iss` and check it when decoding (`issuer=`).",
    "{\"sub\":\"alice\"}",
    "{\"sub\":\"alice\",\"iss\":\"https://auth.example.com\"}"
);
rule!(
    MISSING_JTI,
    "missing-jti",
    Info,
    [],
    "The token has no unique id (`jti`).",
    "Without `jti` a single token cannot be revoked or detected when replayed.",
    "Add a random `jti` and keep a deny-list for logouts.",
    "{\"sub\":\"alice\"}",
    "{\"sub\":\"alice\",\"jti\":\"8f14e45f\"}"
);
rule!(
    MISSING_SUB,
    "missing-sub",
    Info,
    [],
    "The token has no subject (`sub`).",
    "Applications that identify the user from another claim often trust a claim the issuer does not control.",
    "Put the user's stable id in `sub`.",
    "{\"username\":\"alice\"}",
    "{\"sub\":\"42\",\"username\":\"alice\"}"
);
rule!(
    KEY_HEADER_PRESENT,
    "key-header-present",
    Medium,
    [347],
    "The header names or carries its own key (`kid`, `jku`, `x5u`, `jwk`, `x5c`).",
    "Servers that pick the verification key from the token (`jku`/`x5u` URLs, an embedded `jwk`/`x5c`, a `kid` used as a path or SQL value) can be made to verify with the attacker's key.",
    "Choose the key from a fixed server-side set; treat `kid` as an opaque lookup key, never a path or query; ignore `jku`, `x5u`, `jwk` and `x5c`.",
    "{\"alg\":\"RS256\",\"jku\":\"https://attacker.example/jwks.json\"}",
    "{\"alg\":\"RS256\",\"kid\":\"2026-01\"}"
);
rule!(
    SENSITIVE_CLAIM,
    "sensitive-claim",
    Medium,
    [312, 359],
    "The claims carry sensitive data (a password, an e-mail address, a card number, an API key).",
    "A JWS is signed, not encrypted: anyone holding the token (browser storage, logs, proxies) reads every claim.",
    "Keep secrets and personal data out of tokens; reference them by id, or use an encrypted token (JWE).",
    "{\"sub\":\"alice\",\"password\":\"hunter2\"}",
    "{\"sub\":\"42\"}"
);

rule!(
    TRUNCATED_SIGNATURE,
    "truncated-signature",
    Medium,
    [347],
    "The signature is missing or has the wrong length for the token's algorithm.",
    "A token without its signature (two segments, or an empty third one) or with a cut signature cannot be verified. Either it was cut when copied (then every other finding is about an incomplete token), or something issued or accepted it that way: a service that accepts it does not check signatures.",
    "Copy the whole token (three segments, the last one the full signature). If a service issued or accepts the token as it is, make it sign every token and reject tokens whose signature does not verify.",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.<43 characters: 32 bytes of HS256>"
);

/// The signature length `alg` produces, when it is fixed (not for RSA: the key decides).
pub fn signature_len(alg: &str) -> Option<usize> {
    Some(match alg {
        "HS256" => 32,
        "HS384" => 48,
        "HS512" | "ES256" | "ES256K" | "EdDSA" | "Ed25519" => 64,
        "ES384" => 96,
        "ES512" => 132,
        _ => return None,
    })
}

/// Every rule `token inspect` reports, in documentation order.
pub static RULES: &[&RuleMeta] = &[
    &ALG_NONE,
    &TRUNCATED_SIGNATURE,
    &WEAK_SECRET,
    &HMAC_ALGORITHM,
    &MISSING_EXP,
    &LONG_TOKEN_LIFETIME,
    &TOKEN_EXPIRED,
    &MISSING_AUD,
    &MISSING_ISS,
    &MISSING_JTI,
    &MISSING_SUB,
    &KEY_HEADER_PRESENT,
    &SENSITIVE_CLAIM,
];

/// What [`audit`] needs besides the token.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// The current time, seconds since the Unix epoch.
    pub now: i64,
    /// `exp - iat` (or `exp - now` without `iat`) above this many seconds is `long-token-lifetime`.
    pub max_lifetime_secs: i64,
    /// The HMAC key when the caller found it (e.g. with `jwtward_crack`): reported as
    /// `weak-secret` with the key in the message.
    pub found_secret: Option<Vec<u8>>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            max_lifetime_secs: 24 * 3600,
            found_secret: None,
        }
    }
}

/// A key shown in a message: as text when printable, else as hex.
pub fn display_secret(secret: &[u8]) -> String {
    match std::str::from_utf8(secret) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("{s:?}"),
        _ => {
            let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
            format!("hex:{hex}")
        }
    }
}

/// The largest token [`parse_for_audit`] reads, in bytes. Real tokens are a few kilobytes
/// (servers refuse headers over 8-16 KiB); a bigger input is an attack on the audit, whose
/// built-in key check HMACs the whole signing input once per candidate.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The most findings of one rule [`audit`] lists; the rest are counted in one more finding of
/// that rule.
pub const MAX_FINDINGS_PER_RULE: usize = 20;

/// The latest time claim taken as a real time: 9999-12-31 23:59:59 UTC.
pub const MAX_PLAUSIBLE_TIME: i64 = 253_402_300_799;

/// [`Jws::parse`] for the audit: refuses tokens over [`MAX_TOKEN_BYTES`].
pub fn parse_for_audit(token: &str) -> Result<Jws, crate::JoseError> {
    let len = token.trim().len();
    if len > MAX_TOKEN_BYTES {
        return Err(crate::JoseError::TooLarge {
            len,
            max: MAX_TOKEN_BYTES,
        });
    }
    Jws::parse(token)
}

/// Keeps the first [`MAX_FINDINGS_PER_RULE`] findings of each rule and replaces the others by
/// one finding of the rule saying how many were left out.
fn cap_per_rule(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let mut out = Vec::new();
    let mut left_out: Vec<(Finding, usize)> = Vec::new();
    for f in findings {
        let n = seen.entry(f.rule.clone()).or_default();
        *n += 1;
        if *n <= MAX_FINDINGS_PER_RULE {
            out.push(f);
        } else if let Some(e) = left_out.iter_mut().find(|(g, _)| g.rule == f.rule) {
            e.1 += 1;
        } else {
            left_out.push((f, 1));
        }
    }
    for (mut f, n) in left_out {
        f.message = format!(
            "{n} more `{}` findings not listed (at most {MAX_FINDINGS_PER_RULE} per rule)",
            f.rule
        );
        out.push(f);
    }
    out
}

fn numeric(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Audits a token: header and claims only (no key needed), plus `weak-secret` when
/// `opts.found_secret` is set.
pub fn audit(jws: &Jws, opts: &AuditOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    let alg = jws.alg().unwrap_or("");
    if alg.eq_ignore_ascii_case("none") {
        out.push(Finding::new(
            &ALG_NONE,
            format!("header \"alg\" is \"{alg}\": the token carries no signature"),
        ));
    }
    let sig = jws.signature().len();
    if !alg.eq_ignore_ascii_case("none") {
        let want = signature_len(alg);
        if sig == 0 {
            out.push(Finding::new(
                &TRUNCATED_SIGNATURE,
                format!(
                    "the token has no signature although \"alg\" is \"{alg}\"{}: it cannot be verified",
                    want.map(|n| format!(" ({n} bytes expected)"))
                        .unwrap_or_default()
                ),
            ));
        } else if let Some(n) = want.filter(|&n| n != sig) {
            out.push(Finding::new(
                &TRUNCATED_SIGNATURE,
                format!(
                    "the signature is {sig} bytes; {alg} signatures are {n}: the token was cut or altered and cannot verify"
                ),
            ));
        }
    }
    if alg.starts_with("HS") {
        out.push(Finding::new(
            &HMAC_ALGORITHM,
            format!("header \"alg\" is \"{alg}\": a shared secret signs and verifies this token"),
        ));
    }
    if let Some(secret) = &opts.found_secret {
        out.push(Finding::new(
            &WEAK_SECRET,
            format!(
                "the {alg} key is {} (found in the built-in list of weak JWT secrets)",
                display_secret(secret)
            ),
        ));
    }
    for name in ["kid", "jku", "x5u", "jwk", "x5c"] {
        if let Some(v) = jws.header().get(name) {
            let shown = match v {
                Value::String(s) => format!("{s:?}"),
                other => {
                    let s = other.to_string();
                    if s.len() > 60 {
                        format!("{}...", &s[..s.floor_char_boundary(60)])
                    } else {
                        s
                    }
                }
            };
            let f = Finding::new(
                &KEY_HEADER_PRESENT,
                format!("header \"{name}\" is present: {shown}"),
            );
            out.push(if name == "kid" {
                f.with_severity(Severity::Low)
            } else {
                f
            });
        }
    }
    let Some(claims) = jws.payload().and_then(Value::as_object) else {
        return out;
    };
    let exp = numeric(claims.get("exp"));
    // A time claim outside 1970..=9999 is no real time; the arithmetic below saturates (an
    // `exp` of 1e300 with an `iat` of -1e300 must not wrap around to a short lifetime).
    let plausible = |t: i64| (0..=MAX_PLAUSIBLE_TIME).contains(&t);
    let iat_claim = numeric(claims.get("iat"));
    let iat = iat_claim.filter(|&t| plausible(t));
    match exp {
        None => out.push(Finding::new(
            &MISSING_EXP,
            "claim \"exp\" is missing: the token never expires",
        )),
        Some(exp) if exp > MAX_PLAUSIBLE_TIME => out.push(Finding::new(
            &LONG_TOKEN_LIFETIME,
            format!(
                "claim \"exp\" is {exp}, not a real time (after the year 9999): the token never expires"
            ),
        )),
        Some(exp) if exp < 0 => out.push(Finding::new(
            &TOKEN_EXPIRED,
            format!("claim \"exp\" is {exp}, not a real time (before 1970): already past"),
        )),
        Some(exp) => {
            if exp <= opts.now {
                out.push(Finding::new(
                    &TOKEN_EXPIRED,
                    format!(
                        "claim \"exp\" is {} ({} ago)",
                        human_time(exp),
                        human_duration(opts.now.saturating_sub(exp))
                    ),
                ));
            }
            let (lifetime, from) = match (iat, iat_claim) {
                (Some(iat), _) => (exp.saturating_sub(iat), "\"iat\""),
                (None, Some(_)) => (
                    exp.saturating_sub(opts.now),
                    "now (\"iat\" is not a real time)",
                ),
                (None, None) => (exp.saturating_sub(opts.now), "now"),
            };
            if lifetime > opts.max_lifetime_secs {
                out.push(Finding::new(
                    &LONG_TOKEN_LIFETIME,
                    format!(
                        "claim \"exp\" is {} after {from} (threshold {})",
                        human_duration(lifetime),
                        human_duration(opts.max_lifetime_secs)
                    ),
                ));
            }
        }
    }
    for (name, rule) in [
        ("aud", &MISSING_AUD),
        ("iss", &MISSING_ISS),
        ("jti", &MISSING_JTI),
        ("sub", &MISSING_SUB),
    ] {
        if !claims.contains_key(name) {
            out.push(Finding::new(rule, format!("claim \"{name}\" is missing")));
        }
    }
    for (path, what) in sensitive_claims(claims) {
        let f = Finding::new(&SENSITIVE_CLAIM, format!("claim \"{path}\" holds {what}"));
        out.push(
            if what.starts_with("a password") || what.starts_with("a secret") {
                f.with_severity(Severity::High)
            } else {
                f
            },
        );
    }
    cap_per_rule(out)
}

const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "client_secret",
    "private_key",
    "privatekey",
    "api_key",
    "apikey",
    "access_key",
    "secret_key",
    "ssn",
    "credit_card",
    "card_number",
    "cardnumber",
    "cvv",
    "pin",
];

fn sensitive_claims(claims: &serde_json::Map<String, Value>) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (k, v) in claims {
        walk(k, k, v, &mut out, 0);
    }
    out
}

fn walk(path: &str, name: &str, v: &Value, out: &mut Vec<(String, &'static str)>, depth: usize) {
    if depth > 8 {
        return;
    }
    let lname = name.to_ascii_lowercase().replace('-', "_");
    let named_secret = SECRET_NAMES.contains(&lname.as_str())
        || lname.ends_with("_password")
        || lname.ends_with("_secret")
        || lname.ends_with("_api_key");
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                walk(&format!("{path}.{k}"), k, v, out, depth + 1);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                walk(&format!("{path}[{i}]"), name, v, out, depth + 1);
            }
        }
        Value::String(s) if !s.is_empty() => {
            if named_secret {
                let what = if lname.contains("pass") || lname == "pwd" || lname == "pin" {
                    "a password"
                } else if lname.contains("card") || lname == "cvv" || lname == "ssn" {
                    "payment or identity data"
                } else {
                    "a secret or API key"
                };
                out.push((path.to_string(), what));
            } else if let Some(what) = classify_value(s) {
                out.push((path.to_string(), what));
            }
        }
        Value::Number(n) if named_secret => {
            let _ = n;
            out.push((path.to_string(), "a secret value"));
        }
        Value::Number(n) => {
            if let Some(what) = n.as_u64().and_then(|n| classify_value(&n.to_string())) {
                out.push((path.to_string(), what));
            }
        }
        _ => {}
    }
}

fn classify_value(s: &str) -> Option<&'static str> {
    let s = s.trim();
    if is_email(s) {
        return Some("an e-mail address");
    }
    if is_card_number(s) {
        return Some("a payment card number");
    }
    if is_api_key(s) {
        return Some("an API key or private key");
    }
    None
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// 13-19 digits (spaces and dashes allowed) passing the Luhn check.
fn is_card_number(s: &str) -> bool {
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return false;
    }
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) || digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_api_key(s: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "AIza",
        "glpat-",
        "sk-",
        "-----BEGIN",
    ];
    if PREFIXES.iter().any(|p| s.starts_with(p)) && s.len() >= 16 {
        return true;
    }
    // AWS access key ids
    s.len() == 20
        && (s.starts_with("AKIA") || s.starts_with("ASIA"))
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn human_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A duration as `3d 4h`, `2h 5m`, `42s`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let sign = if secs < 0 { "-" } else { "" };
    if d >= 365 {
        format!("{sign}{:.1} years", s as f64 / (365.25 * 86_400.0))
    } else if d > 0 {
        format!("{sign}{d}d {h}h")
    } else if h > 0 {
        format!("{sign}{h}h {m}m")
    } else if m > 0 {
        format!("{sign}{m}m {sec}s")
    } else {
        format!("{sign}{sec}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Alg, Key, sign_token};
    use serde_json::json;

    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn times() {
        assert_eq!(human_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(human_time(1_767_225_600), "2026-01-01 00:00:00 UTC");
        assert_eq!(human_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(human_duration(90), "1m 30s");
        assert_eq!(human_duration(86_400 * 2 + 3600), "2d 1h");
    }

    #[test]
    fn finds_what_it_should() {
        let t = sign_token(
            Alg::HS256,
            &Key::Hmac(b"k".to_vec()),
            &json!({"kid": "../../dev/null", "jku": "http://x/jwks"}),
            &json!({"iat": 1000, "exp": 1000 + 86_400 * 30, "email": "a@b.example",
                    "profile": {"password": "hunter2"}, "cc": "4111 1111 1111 1111",
                    "k": "AKIAABCDEFGHIJKLMNOP", "plain": "hello"}),
        )
        .unwrap();
        let jws = Jws::parse(&t).unwrap();
        let f = audit(
            &jws,
            &AuditOptions {
                now: 2_000_000_000,
                ..Default::default()
            },
        );
        let r = rules(&f);
        for want in [
            "hmac-algorithm",
            "token-expired",
            "long-token-lifetime",
            "missing-aud",
            "missing-iss",
            "missing-jti",
            "missing-sub",
            "key-header-present",
        ] {
            assert!(r.contains(&want), "{want} missing from {r:?}");
        }
        assert!(!r.contains(&"missing-exp") && !r.contains(&"alg-none"));
        let sensitive: Vec<_> = f
            .iter()
            .filter(|f| f.rule == "sensitive-claim")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(sensitive.len(), 4, "{sensitive:?}");
        assert!(sensitive.iter().any(|m| m.contains("profile.password")));
        assert!(!sensitive.iter().any(|m| m.contains("plain")));
    }

    #[test]
    fn none_and_no_exp() {
        let jws = Jws::parse("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.").unwrap();
        let f = audit(&jws, &AuditOptions::default());
        let r = rules(&f);
        assert!(r.contains(&"alg-none") && r.contains(&"missing-exp"));
        assert!(!r.contains(&"missing-sub"));
    }
}

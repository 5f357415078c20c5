//! Hostile input to key loading and the token audit: errors, never panics or blow-ups.
//! Every test here failed (panicked, wrapped or grew without bound) before its fix.

use jwtward_jose::audit::{
    AuditOptions, MAX_FINDINGS_PER_RULE, MAX_TOKEN_BYTES, audit, parse_for_audit,
};
use jwtward_jose::{JoseError, Jws, encode_json_segment, load_keys};
use serde_json::{Map, Value, json};

/// `-----BEGIN X-----END X-----`: the END marker overlaps the BEGIN line's closing dashes
/// (sliced with `begin > end` before the fix; all 49 crashes of the key fuzzer).
#[test]
fn pem_end_marker_inside_the_begin_line_is_an_error() {
    for input in [
        "-----BEGIN X-----END X-----",
        "-----BEGIN PUBLIC KEY-----END PUBLIC KEY-----",
        "junk -----BEGIN A-----END A----- more",
        "-----BEGIN -----END -----",
    ] {
        let err = load_keys(input.as_bytes()).expect_err(input);
        assert!(
            matches!(&err, JoseError::Key(m) if m.contains("has no")),
            "{input}: {err}"
        );
    }
    // A real block right after a degenerate BEGIN line still needs its own END line.
    let err = load_keys(b"-----BEGIN X-----\n-----END X-----").unwrap_err();
    assert!(!err.to_string().is_empty());
}

fn token(claims: &Value) -> String {
    format!(
        "{}.{}.c2ln",
        encode_json_segment(&json!({"alg": "HS256"})),
        encode_json_segment(claims)
    )
}

fn rules_of(claims: Value, now: i64) -> Vec<(String, String)> {
    let jws = Jws::parse(&token(&claims)).unwrap();
    audit(
        &jws,
        &AuditOptions {
            now,
            max_lifetime_secs: 3600,
            found_secret: None,
        },
    )
    .into_iter()
    .map(|f| (f.rule, f.message))
    .collect()
}

fn has(found: &[(String, String)], rule: &str) -> bool {
    found.iter().any(|(r, _)| r == rule)
}

/// `exp: 1e300` with `iat: -1e300`: `exp - iat` wrapped to a negative lifetime, reported as
/// nothing; now it is a token that never expires.
#[test]
fn absurd_exp_and_iat_do_not_wrap() {
    let now = 1_767_225_600;
    let f = rules_of(json!({"exp": 1e300, "iat": -1e300, "sub": "a"}), now);
    assert!(has(&f, "long-token-lifetime"), "{f:?}");
    assert!(!has(&f, "token-expired"), "{f:?}");
    let msg = &f
        .iter()
        .find(|(r, _)| r == "long-token-lifetime")
        .unwrap()
        .1;
    assert!(msg.contains("not a real time"), "{msg}");
    // i64::MAX and i64::MIN against either extreme of `now`.
    for now in [i64::MIN, 0, now, i64::MAX] {
        let _ = rules_of(json!({"exp": i64::MAX, "iat": i64::MIN}), now);
        let _ = rules_of(json!({"exp": i64::MIN, "iat": i64::MAX}), now);
        let _ = rules_of(json!({"exp": 1e300, "iat": "-1e300"}), now);
    }
}

/// `exp = i64::MIN` was both expired and "292 billion years" away (`exp - now` wrapped).
#[test]
fn exp_at_i64_min_is_expired_only() {
    let f = rules_of(json!({"exp": i64::MIN, "sub": "a"}), 1_767_225_600);
    assert!(has(&f, "token-expired"), "{f:?}");
    assert!(!has(&f, "long-token-lifetime"), "{f:?}");
    let msg = &f.iter().find(|(r, _)| r == "token-expired").unwrap().1;
    assert!(msg.contains("not a real time"), "{msg}");
}

/// A plausible `exp` with an absurd `iat` is measured from now, and says so.
#[test]
fn absurd_iat_is_not_used_for_the_lifetime() {
    let now = 1_767_225_600;
    let f = rules_of(json!({"exp": now + 86_400 * 30, "iat": -1e300}), now);
    let msg = &f
        .iter()
        .find(|(r, _)| r == "long-token-lifetime")
        .unwrap()
        .1;
    assert!(
        msg.contains("after now (\"iat\" is not a real time)"),
        "{msg}"
    );
    let f = rules_of(json!({"exp": now + 60, "iat": 1e300}), now);
    assert!(!has(&f, "long-token-lifetime"), "{f:?}");
}

/// A 10 MB payload took 41 s (the built-in key check HMACs the whole input per candidate):
/// the audit refuses tokens over the limit, with the limit in the message.
#[test]
fn oversized_tokens_are_refused_with_the_limit() {
    let big = token(&json!({"pad": "x".repeat(MAX_TOKEN_BYTES)}));
    let err = parse_for_audit(&big).unwrap_err();
    assert!(matches!(
        err,
        JoseError::TooLarge {
            max: MAX_TOKEN_BYTES,
            ..
        }
    ));
    assert!(
        err.to_string().contains(&MAX_TOKEN_BYTES.to_string()),
        "{err}"
    );
    // Just under the limit is read.
    let ok = token(&json!({"pad": "x".repeat(MAX_TOKEN_BYTES / 2)}));
    assert!(parse_for_audit(&ok).is_ok());
}

/// A payload with a thousand e-mail claims gave a thousand findings (a million gave 1.3 GB):
/// at most MAX_FINDINGS_PER_RULE per rule, then one finding counting the rest.
#[test]
fn findings_are_capped_per_rule_with_a_summary() {
    let mut claims = Map::new();
    for i in 0..1000 {
        claims.insert(format!("mail{i}"), json!(format!("user{i}@example.com")));
    }
    let f = rules_of(Value::Object(claims), 0);
    let sensitive: Vec<_> = f.iter().filter(|(r, _)| r == "sensitive-claim").collect();
    assert_eq!(sensitive.len(), MAX_FINDINGS_PER_RULE + 1, "{sensitive:?}");
    let last = &sensitive.last().unwrap().1;
    assert!(
        last.contains(&format!("{} more", 1000 - MAX_FINDINGS_PER_RULE)),
        "{last}"
    );
}

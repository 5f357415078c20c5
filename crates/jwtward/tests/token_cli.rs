//! `jwtward token inspect` end to end, on tokens made by PyJWT.

use assert_cmd::Command;
use serde_json::{Value, json};

mod pyjwt_support;
use pyjwt_support::pyjwt_tokens;

const NOW: i64 = 1_800_000_000;

fn inspect_json(token: &str, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("jwtward")
        .unwrap()
        .args(["token", "inspect", token, "--format", "json", "--now"])
        .arg(NOW.to_string())
        .args(extra)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

fn rules(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn finding<'a>(v: &'a Value, rule: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {v}"))
}

#[test]
fn inspect_reports_what_the_token_shows() {
    let t = pyjwt_tokens(&json!([
        // weak key, no exp, card number and e-mail in the claims, kid + jku headers
        {"alg": "HS256", "key": "changeme",
         "claims": {"sub": "7", "email": "alice@example.com", "card": "4111-1111-1111-1111"},
         "headers": {"kid": "../../dev/null", "jku": "https://attacker.example/jwks.json"}},
        // strong key, every registered claim, short life
        {"alg": "HS512", "key": "hex:8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
         "claims": {"sub": "7", "iss": "https://auth", "aud": "api", "jti": "a1",
                    "iat": NOW - 60, "exp": NOW + 600}},
        // expired, 30-day lifetime
        {"alg": "HS256", "key": "hex:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
         "claims": {"sub": "7", "iat": NOW - 40 * 86400, "exp": NOW - 10 * 86400}},
        // unsigned
        {"alg": "none", "key": null, "claims": {"sub": "admin"}},
    ]));

    let (code, v) = inspect_json(&t[0], &[]);
    assert_eq!(code, 1, "{v}");
    let r = rules(&v);
    for want in [
        "weak-secret",
        "hmac-algorithm",
        "missing-exp",
        "missing-aud",
        "missing-iss",
        "missing-jti",
        "key-header-present",
        "sensitive-claim",
    ] {
        assert!(r.contains(&want.to_string()), "{want} missing: {r:?}");
    }
    assert!(!r.contains(&"missing-sub".to_string()));
    let weak = finding(&v, "weak-secret");
    assert_eq!(weak["severity"], "critical");
    assert!(weak["message"].as_str().unwrap().contains("\"changeme\""));
    assert!(v["findings"][0]["location"].is_null());
    let sensitive: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "sensitive-claim")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        sensitive
            .iter()
            .any(|m| m.contains("\"email\"") && m.contains("e-mail"))
    );
    assert!(
        sensitive
            .iter()
            .any(|m| m.contains("\"card\"") && m.contains("card number"))
    );
    let jku = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("\"jku\""))
        .expect("jku finding");
    assert_eq!(jku["rule"], "key-header-present");

    let (code, v) = inspect_json(&t[1], &[]);
    assert_eq!(rules(&v), vec!["hmac-algorithm"], "{v}");
    assert_eq!(code, 0);

    let (_, v) = inspect_json(&t[2], &[]);
    let r = rules(&v);
    assert!(
        r.contains(&"token-expired".to_string()) && r.contains(&"long-token-lifetime".to_string())
    );
    assert!(
        finding(&v, "long-token-lifetime")["message"]
            .as_str()
            .unwrap()
            .contains("30d")
    );
    // a higher threshold silences the lifetime finding
    let (_, v) = inspect_json(&t[2], &["--max-lifetime", "31d"]);
    assert!(!rules(&v).contains(&"long-token-lifetime".to_string()));

    let (code, v) = inspect_json(&t[3], &["--fail-on", "critical"]);
    assert_eq!(code, 1);
    assert_eq!(finding(&v, "alg-none")["severity"], "critical");

    // --no-crack skips the key search
    let (_, v) = inspect_json(&t[0], &["--no-crack"]);
    assert!(!rules(&v).contains(&"weak-secret".to_string()));
}

#[test]
fn inspect_text_shows_header_claims_and_times() {
    let t = pyjwt_tokens(&json!([
        {"alg": "HS256", "key": "secret", "claims": {"sub": "7", "exp": 1_767_225_600}},
    ]));
    Command::cargo_bin("jwtward")
        .unwrap()
        .args(["token", "inspect", "--now", "1767222000"])
        .write_stdin(format!("Bearer {}\n", t[0]))
        .assert()
        .code(1)
        .stdout(predicates::str::contains("\"alg\": \"HS256\""))
        .stdout(predicates::str::contains("\"sub\": \"7\""))
        .stdout(predicates::str::contains(
            "exp: 2026-01-01 00:00:00 UTC (in 1h 0m)",
        ))
        .stdout(predicates::str::contains("weak-secret"))
        .stdout(predicates::str::contains("\"secret\""));
}

#[test]
fn inspect_rejects_bad_tokens_clearly() {
    for (token, want) in [
        ("hello", "not a JWT"),
        ("a.b.c.d.e", "JWE"),
        (
            "eyJhbGciOiJIUzI1NiJ9.e30.abc$",
            "signature segment (segment 3) is not base64url",
        ),
        ("e30.e30.", "no \"alg\""),
        ("W10.e30.", "not a JSON object"),
        ("", "the token is empty"),
    ] {
        let out = Command::cargo_bin("jwtward")
            .unwrap()
            .args(["token", "inspect", token])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{token}: {stderr}");
        assert!(stderr.contains(want), "{token}: `{stderr}` lacks `{want}`");
        assert!(!stderr.contains("panicked"));
    }
}

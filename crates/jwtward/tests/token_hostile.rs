//! `jwtward token inspect` on hostile tokens. Each test failed before its fix: a 10 MB
//! payload took 41 s (the built-in key check HMACs the whole input once per candidate), and
//! `exp = i64::MIN` overflowed the "in ... / ... ago" arithmetic of the text output.

use assert_cmd::Command;
use jwtward_jose::b64::encode as b64;
use std::time::{Duration, Instant};

fn token(payload: &str) -> String {
    format!("{}.{}.c2ln", b64(r#"{"alg":"HS256"}"#), b64(payload))
}

#[test]
fn oversized_token_is_refused_fast_with_the_limit() {
    let big = token(&format!(r#"{{"pad":"{}"}}"#, "x".repeat(10 << 20)));
    let t = Instant::now();
    let out = Command::cargo_bin("jwtward")
        .unwrap()
        .args(["token", "inspect", "-"])
        .write_stdin(big)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("over the 65536-byte limit"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
}

#[test]
fn extreme_time_claims_print_without_overflow() {
    for payload in [
        format!(r#"{{"exp":{},"iat":{}}}"#, i64::MIN, i64::MAX),
        format!(r#"{{"exp":{},"nbf":{}}}"#, i64::MAX, i64::MIN),
        r#"{"exp":1e300,"iat":-1e300}"#.to_string(),
    ] {
        for format in ["text", "json"] {
            let out = Command::cargo_bin("jwtward")
                .unwrap()
                .args(["token", "inspect", &token(&payload), "--no-crack"])
                .args(["--format", format, "--now", "1767222000"])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{payload} {format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("not a real time"),
                "{payload} {format}: {text}"
            );
        }
    }
}

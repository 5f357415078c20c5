//! The offline HMAC key search, through `jwtward_crack` (its built-in list of weak and
//! default secrets, then `--wordlist`). No request is sent. A recovered key becomes a
//! `weak-secret` finding (with the command that reproduces the search) and the signing key
//! of the later families.

use crate::context::{Ctx, Signing, error};
use crate::rules::WEAK_SECRET;
use jwtward_crack::CrackError;
use jwtward_jose::{Alg, Key};
use jwtward_report::{Evidence, Finding};
use std::collections::BTreeMap;
use std::path::Path;

/// The most candidates tried per token (a bound for huge wordlists).
pub const MAX_CANDIDATES: u64 = 200_000_000;

/// For each HS-signed token of `tokens`, the key found: `(index, key, where it was found)`.
/// Tokens that are not HMAC-signed JWTs are skipped; an unreadable wordlist is an error.
pub fn crack_tokens(
    tokens: &[String],
    wordlist: Option<&Path>,
) -> anyhow::Result<Vec<(usize, Vec<u8>, String)>> {
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let raw = token.trim().trim_start_matches("Bearer ").trim();
        match jwtward_crack::crack_token(raw, wordlist, MAX_CANDIDATES) {
            Ok(Some(key)) => {
                let builtin = std::str::from_utf8(&key)
                    .is_ok_and(|k| jwtward_crack::builtin_secrets().any(|b| b == k));
                let label = if builtin {
                    "found in jwtward's built-in list of weak and default secrets".to_string()
                } else {
                    match wordlist {
                        Some(w) => format!("found in the wordlist {}", w.display()),
                        None => "found by the dictionary search".to_string(),
                    }
                };
                found.push((i, key, label));
            }
            Ok(None) => {}
            Err(CrackError::Wordlist { path, source }) => {
                anyhow::bail!("--wordlist {path}: {source}")
            }
            Err(_) => {} // not an HMAC-signed JWT: nothing to search
        }
    }
    Ok(found)
}

fn show_secret(secret: &[u8]) -> String {
    match std::str::from_utf8(secret) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("`{s}`"),
        _ => format!(
            "hex {}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
    }
}

/// Reports the keys found and keeps the first token's key for signing.
pub fn report(
    ctx: &Ctx,
    tokens: &[String],
    wordlist: Option<&Path>,
    result: anyhow::Result<Vec<(usize, Vec<u8>, String)>>,
) {
    let found = match result {
        Ok(f) => f,
        Err(e) => {
            ctx.push_error(error("crack", format!("{e:#}")));
            return;
        }
    };
    for (i, secret, label) in found {
        // A property of the token, not of an endpoint: no method or path.
        let mut f = Finding::new(
            &WEAK_SECRET,
            format!(
                "the HMAC key of {} is {} ({label}): anyone can sign tokens for any user",
                if i == 0 {
                    "the token".to_string()
                } else {
                    format!("token #{}", i + 1)
                },
                show_secret(&secret)
            ),
        );
        f.url = Some(ctx.engine.origin_url());
        let mut repro = format!(
            "jwtward crack {}",
            crate::http::shell_quote(tokens[i].trim().trim_start_matches("Bearer ").trim())
        );
        if !label.contains("built-in")
            && let Some(w) = wordlist
        {
            repro.push_str(&format!(
                " --wordlist {}",
                crate::http::shell_quote(&w.display().to_string())
            ));
        }
        f.evidence = Some(Evidence {
            request: format!("offline dictionary search on --token #{}", i + 1),
            status: 0,
            body_excerpt: format!("key: {}", show_secret(&secret)),
            baselines: BTreeMap::new(),
        });
        f.curl = Some(repro.clone());
        ctx.push_finding(f);
        if i == 0 {
            let alg = ctx
                .token
                .as_ref()
                .and_then(|t| t.alg())
                .unwrap_or(Alg::HS256);
            *ctx.signing.lock().expect("signing") = Some(Signing {
                key: Key::Hmac(secret),
                alg,
                source: format!("the recovered key ({label})"),
                given: false,
                repro: Some(repro),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwtward_jose::{Alg, Key, sign_token};
    use serde_json::json;

    #[test]
    fn the_fastapi_tutorial_key_is_recovered_and_strong_keys_are_not() {
        let tutorial = b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7".to_vec();
        let weak = sign_token(
            Alg::HS256,
            &Key::Hmac(tutorial.clone()),
            &json!({}),
            &json!({"sub": "a"}),
        )
        .unwrap();
        let strong = sign_token(
            Alg::HS256,
            &Key::Hmac(b"jwtward-unit-test-strong-key-0b7e2f9d41c3a5".to_vec()),
            &json!({}),
            &json!({"sub": "a"}),
        )
        .unwrap();
        let found = crack_tokens(&[strong, "not-a-jwt".into(), weak], None).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 2);
        assert_eq!(found[0].1, tutorial);
        assert!(found[0].2.contains("built-in"));
    }

    #[test]
    fn a_missing_wordlist_is_a_clear_error() {
        let t = sign_token(
            Alg::HS256,
            &Key::Hmac(b"k".to_vec()),
            &json!({}),
            &json!({}),
        )
        .unwrap();
        let e = crack_tokens(&[t], Some(Path::new("/nonexistent/words.txt")));
        // The built-in list may already hold `k`; only an actual read error must say where.
        if let Err(e) = e {
            assert!(e.to_string().contains("/nonexistent/words.txt"), "{e}");
        }
    }
}

//! JWS parsing and the whole `token inspect` audit, plus every token rewrite the probe makes.
//!
//! The body of the `token` fuzz target (`fuzz/fuzz_targets/token.rs`), shared with the
//! stable seed-corpus test (`crates/jwtward/tests/fuzz_corpus.rs`): a panic is a crash.

use jwtward_jose::audit::{AuditOptions, audit, human_duration, human_time};
use jwtward_jose::{Jws, none_variants};
use serde_json::json;

pub fn run(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jws) = jwtward_jose::audit::parse_for_audit(token) else {
        return;
    };
    for now in [0, 1_767_225_600, i64::MIN, i64::MAX] {
        let f = audit(
            &jws,
            &AuditOptions {
                now,
                max_lifetime_secs: 3600,
                found_secret: Some(b"secret".to_vec()),
            },
        );
        for f in &f {
            let _ = f.message.len();
        }
        let _ = human_time(now);
        let _ = human_duration(now);
    }
    let _ = none_variants(&jws);
    let _ = jws.with_corrupted_signature().to_compact();
    let _ = jws.with_empty_signature().to_compact();
    let _ = jws.without_signature_segment().to_compact();
    let _ = jws.with_claim("exp", Some(json!(1))).to_compact();
    let _ = jws.with_header_member("kid", None).to_compact();
    let _ = jws.signing_input();
    if jws.alg().is_some_and(|a| a.starts_with("HS"))
        && let Ok(t) = jwtward_crack::Target::from_jws(&jws)
    {
        let _ = t.verify(b"secret");
    }
    // What was parsed is what is written back.
    if jws.signature_b64().is_some() {
        assert_eq!(
            Jws::parse(&jws.to_compact()).unwrap().to_compact(),
            jws.to_compact()
        );
    }
}

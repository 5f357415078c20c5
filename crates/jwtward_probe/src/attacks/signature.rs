//! Signature: the corrupted-signature baseline accepted, a stripped signature, or a
//! tampered payload with the original signature.

use crate::context::{Ctx, State, diff_note, differential, random_payload};
use crate::rules::SIGNATURE_NOT_VERIFIED;
use serde_json::Value;
use std::sync::atomic::Ordering;

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    if st.unverified
        && let Some((creq, cresp)) = &st.corrupted
    {
        // The corrupted-signature baseline was accepted: confirm with a tampered `sub`.
        let d = differential(ctx, st, Some(random_payload(ctx, jws).to_compact())).await;
        st.hit("signature");
        ctx.unverified_seen.store(true, Ordering::Relaxed);
        ctx.report(
            st,
            &SIGNATURE_NOT_VERIFIED,
            format!(
                "accepts the token with a corrupted signature: the signature is not verified{}",
                diff_note(d.as_ref(), "sub")
            ),
            creq,
            cresp,
        );
        return;
    }
    let tampered = jws.with_claim("jwtward", Some(Value::String(ctx.nonce.clone())));
    let attempts = [
        (
            "stripped signature",
            jws.with_empty_signature(),
            "with an empty signature",
        ),
        (
            "tampered payload",
            tampered,
            "with an extra claim and the original signature",
        ),
    ];
    for (label, t, how) in attempts {
        let Some((v, req, resp)) = ctx.attack(st, &t.to_compact(), label).await else {
            return;
        };
        if v.accepted() {
            let forged = if label == "stripped signature" {
                random_payload(ctx, jws).with_empty_signature()
            } else {
                random_payload(ctx, jws)
            };
            let d = differential(ctx, st, Some(forged.to_compact())).await;
            st.hit("signature");
            ctx.unverified_seen.store(true, Ordering::Relaxed);
            ctx.report(
                st,
                &SIGNATURE_NOT_VERIFIED,
                format!(
                    "accepts the token {how}: the signature is not verified{}",
                    diff_note(d.as_ref(), "sub")
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

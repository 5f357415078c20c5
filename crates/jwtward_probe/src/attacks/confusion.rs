//! Algorithm confusion: HS* tokens whose HMAC secret is the server's public key.

use crate::context::{Ctx, State, diff_note, differential, random_payload};
use crate::rules::ALGORITHM_CONFUSION;
use jwtward_jose::{Alg, Jws, Key, confusion_secrets};

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    let alg = match ctx.token.as_ref().and_then(|t| t.alg()) {
        Some(Alg::RS384 | Alg::PS384 | Alg::ES384) => Alg::HS384,
        Some(Alg::RS512 | Alg::PS512) => Alg::HS512,
        _ => Alg::HS256,
    };
    for (source, key, original) in &ctx.public_keys {
        let mut secrets = confusion_secrets(key, Some(original));
        if !st.rep {
            secrets.truncate(4);
        }
        for secret in secrets {
            let hmac = Key::Hmac(secret.secret.clone());
            let make = |base: &Jws| base.signed(alg, &hmac).ok().map(|j| j.to_compact());
            let Some(token) = make(jws) else { continue };
            let Some((v, req, resp)) = ctx.attack(st, &token, "algorithm-confusion").await else {
                return;
            };
            if v.accepted() {
                let d = differential(ctx, st, make(&random_payload(ctx, jws))).await;
                ctx.report(
                    st,
                    &ALGORITHM_CONFUSION,
                    format!(
                        "accepts an {alg} token whose HMAC secret is the public key from {source} ({}){}",
                        secret.label,
                        diff_note(d.as_ref(), "sub")
                    ),
                    &req,
                    &resp,
                );
                return;
            }
        }
    }
}

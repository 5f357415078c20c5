//! `any-token-accepted`: garbage, the corrupted signature and another identity all get
//! the valid answer while a request without credentials is refused.

use crate::context::{Ctx, State, error};
use crate::rules::ANY_TOKEN_ACCEPTED;
use serde_json::Value;

pub async fn run(ctx: &Ctx, st: &State) {
    let (Some(p), Some((greq, gresp))) = (&st.profile, &st.garbage) else {
        return;
    };
    // The third probe: another identity (the payload's `sub` changed, signature kept).
    let other = match ctx.jws() {
        Some(jws) => {
            let t = jws
                .with_claim("sub", Some(Value::String(ctx.random_sub())))
                .to_compact();
            let req = ctx.request(&st.ep, Some(&t));
            match ctx.send(&req).await {
                Some(r) => Some(p.like_valid(&r)),
                None => return,
            }
        }
        None => None,
    };
    if other == Some(false) {
        ctx.push_error(error(
            "untested",
            format!(
                "{} {}: a garbage token gets the valid answer but a token naming another `sub` does not: the endpoint falls back to a default identity on bad tokens; not tested further",
                st.ep.method, st.ep.path
            ),
        ));
        return;
    }
    let nstatus = st.no_creds.1.status;
    ctx.report(
        st,
        &ANY_TOKEN_ACCEPTED,
        format!(
            "refuses requests without credentials ({nstatus}) but gives the valid answer to a garbage token, to the valid token with a corrupted signature{}: it only checks that a token is present",
            if other.is_some() {
                " and to a token naming another `sub`"
            } else {
                ""
            }
        ),
        greq,
        gresp,
    );
}

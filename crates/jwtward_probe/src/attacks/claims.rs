//! Tokens jwtward makes itself: with a recovered key (`forged-token-accepted`), with the
//! user's `--signing-key` (never a finding by itself), or by tampering the payload of an
//! endpoint that does not verify signatures. Then the claims matrix: expired, no `exp`,
//! `exp: null` and `exp` as a string, wrong `aud`, wrong `iss` (also when the original has
//! none), future `nbf`, and the identity claim removed. The identity claim is learnt: the
//! claim whose change alters the answer.

use crate::context::{
    Ctx, IDENTITY_CLAIMS, Signing, State, diff_note, differential, error, finding, is_2xx,
    is_rejection, now, set, unset,
};
use crate::http::Resp;
use crate::oracle::{self, Verdict, Whose};
use crate::rules::*;
use jwtward_jose::Jws;
use jwtward_report::RuleMeta;
use serde_json::{Value, json};

/// How tokens are made for one endpoint.
#[derive(Clone)]
pub enum Maker {
    /// Signed with a key (given or recovered).
    Key(Box<Signing>),
    /// The payload rewritten, the original signature kept (the signature is not verified).
    Tamper,
}

impl Maker {
    pub fn for_endpoint(ctx: &Ctx, st: &State) -> Option<Maker> {
        if let Some(s) = ctx.signing() {
            return Some(Maker::Key(Box::new(s)));
        }
        (st.unverified || st.has_hit("signature")).then_some(Maker::Tamper)
    }

    pub fn make(&self, jws: &Jws, claims: &Value) -> Option<String> {
        match self {
            Maker::Key(s) => jws
                .with_payload(claims)
                .signed(s.alg, &s.key)
                .ok()
                .map(|j| j.to_compact()),
            Maker::Tamper => Some(jws.with_payload(claims).to_compact()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Maker::Key(s) => format!("signed with {} ({})", s.source, s.alg),
            Maker::Tamper => "tampered (the signature is not verified)".to_string(),
        }
    }
}

/// The claims of the valid token with fresh times.
pub fn fresh_claims(payload: &Value) -> Value {
    let t = now();
    let mut fresh = payload.clone();
    set(&mut fresh, "iat", json!(t));
    if fresh.get("exp").is_some() {
        set(&mut fresh, "exp", json!(t + 3600));
    }
    if fresh.get("nbf").is_some() {
        set(&mut fresh, "nbf", json!(t - 60));
    }
    fresh
}

/// The token got through authentication: accepted by the oracle, or a 2xx that is no
/// rejection on an endpoint that refuses requests without credentials.
pub fn passes(st: &State, v: Verdict, resp: &Resp) -> bool {
    if v.accepted() {
        return true;
    }
    let Some(p) = &st.profile else { return false };
    is_2xx(resp)
        && is_rejection(&st.no_creds.1)
        && p.like_rejection(resp).is_none()
        && !oracle::looks_like_auth_error(&resp.body)
}

/// The claim the API takes the identity from: the first whose change to an unknown value
/// alters the answer (refused, or answered as another identity). Learnt once per run, from
/// the first endpoint whose answer shows it; `sub` where none does.
async fn identity_claim(ctx: &Ctx, st: &State, maker: &Maker, jws: &Jws, fresh: &Value) -> String {
    if let Some(c) = ctx.identity.lock().expect("identity").clone() {
        return c;
    }
    let forged = ctx.random_sub();
    for c in IDENTITY_CLAIMS {
        if fresh.get(c).is_none() {
            continue;
        }
        let mut other = fresh.clone();
        set(&mut other, c, Value::String(forged.clone()));
        let Some(t) = maker.make(jws, &other) else {
            continue;
        };
        let Some((v, _, r)) = ctx.attack(st, &t, "identity").await else {
            break;
        };
        let changed =
            !passes(st, v, &r) || matches!(ctx.whose(st, Some(&forged), &r), Whose::Other(_));
        if changed {
            *ctx.identity.lock().expect("identity") = Some(c.to_string());
            return c.to_string();
        }
    }
    "sub".to_string()
}

pub async fn run(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.jws() else { return };
    let Some(payload) = jws.payload().filter(|p| p.is_object()).cloned() else {
        return;
    };
    let Some(maker) = Maker::for_endpoint(ctx, st) else {
        return;
    };
    let fresh = fresh_claims(&payload);
    let Some(token) = maker.make(jws, &fresh) else {
        return;
    };
    let Some((v, req, resp)) = ctx.attack(st, &token, "fresh").await else {
        return;
    };
    if !passes(st, v, &resp) {
        if st.rep {
            ctx.push_error(error(
                "signing-key",
                format!(
                    "{} {}: a fresh token {} is refused (HTTP {}): the key does not match, the claims matrix is skipped here",
                    st.ep.method,
                    st.ep.path,
                    maker.describe(),
                    resp.status
                ),
            ));
        }
        return;
    }
    let identity = identity_claim(ctx, st, &maker, jws, &fresh).await;
    if let Maker::Key(s) = &maker
        && !s.given
    {
        // A recovered key: the forgery is the finding.
        let mut other = fresh.clone();
        set(&mut other, &identity, Value::String(ctx.random_sub()));
        let d = differential(ctx, st, maker.make(jws, &other)).await;
        let note = diff_note(d.as_ref(), &identity);
        ctx.report(
            st,
            &FORGED_TOKEN_ACCEPTED,
            format!(
                "accepts a token freshly signed by jwtward with {} ({}){note}",
                s.source, s.alg
            ),
            &req,
            &resp,
        );
    }
    for (rule, claims, what) in matrix(&fresh, &identity) {
        let Some(token) = maker.make(jws, &claims) else {
            continue;
        };
        let Some((v, req, resp)) = ctx.attack(st, &token, rule.name).await else {
            return;
        };
        if !passes(st, v, &resp) {
            continue;
        }
        // Without the identity claim: whose answer is it?
        let whose = if rule.name == MISSING_SUB_ACCEPTED.name {
            match ctx.whose(st, None, &resp) {
                // The identity still comes through (another claim): nothing falls back.
                Whose::Same(_) => continue,
                Whose::Other(why) => format!(" and answers as another identity ({why})"),
                Whose::Unknown(why) => format!(" ({why})"),
            }
        } else {
            String::new()
        };
        ctx.push_finding(finding(
            rule,
            st,
            format!(
                "{} {} accepts a token with {what}{whose}, {}",
                st.ep.method,
                st.ep.path,
                maker.describe()
            ),
            &req,
            &resp,
        ));
    }
}

/// The claims matrix: `(rule, claims, what was changed)`.
pub fn matrix(fresh: &Value, identity: &str) -> Vec<(&'static RuleMeta, Value, String)> {
    let t = now();
    let mut m: Vec<(&'static RuleMeta, Value, String)> = Vec::new();
    let with = |k: &str, v: Value| {
        let mut c = fresh.clone();
        set(&mut c, k, v);
        c
    };
    let mut expired = with("exp", json!(t - 86400));
    set(&mut expired, "iat", json!(t - 2 * 86400));
    m.push((
        &EXPIRED_TOKEN_ACCEPTED,
        expired,
        "`exp` one day in the past".into(),
    ));
    let mut no_exp = fresh.clone();
    unset(&mut no_exp, "exp");
    m.push((&TOKEN_WITHOUT_EXP_ACCEPTED, no_exp, "no `exp` claim".into()));
    m.push((
        &TOKEN_WITHOUT_EXP_ACCEPTED,
        with("exp", Value::Null),
        "`exp: null`".into(),
    ));
    m.push((
        &TOKEN_WITHOUT_EXP_ACCEPTED,
        with("exp", json!("never")),
        "`exp: \"never\"` (a string)".into(),
    ));
    m.push((
        &WRONG_AUDIENCE_ACCEPTED,
        with("aud", json!("jwtward-wrong-audience")),
        "`aud` = `jwtward-wrong-audience` (a token minted for another service)".into(),
    ));
    m.push((
        &WRONG_ISSUER_ACCEPTED,
        with("iss", json!("https://issuer.jwtward.invalid")),
        "`iss` = `https://issuer.jwtward.invalid`".into(),
    ));
    m.push((
        &NOT_YET_VALID_ACCEPTED,
        with("nbf", json!(t + 86400)),
        "`nbf` one day in the future".into(),
    ));
    if fresh.get(identity).is_some() {
        let mut no_id = fresh.clone();
        unset(&mut no_id, identity);
        m.push((
            &MISSING_SUB_ACCEPTED,
            no_id,
            format!("no `{identity}` claim (the identity claim this API uses)"),
        ));
    }
    m
}

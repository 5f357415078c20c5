//! Tokens jwtward makes itself: with a recovered key (`forged-token-accepted`), with the
//! user's `--signing-key` (never a finding by itself), or by tampering the payload of an
//! endpoint that does not verify signatures. Then the claims matrix: expired, no `exp`,
//! `exp: null` and `exp` as a string, wrong `aud`, wrong `iss` (also when the original has
//! none), future `nbf`, and the identity claim removed. The identity claim is learnt: the
//! claim whose change alters the answer.

use crate::context::{
    Ctx, Signing, State, diff_note, error, finding, is_2xx, is_rejection, now, set, unset,
};
use crate::http::Resp;
use crate::oracle::{self, Verdict};
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

/// Identity claims, in the order tried.
const IDENTITY_CLAIMS: [&str; 8] = [
    "sub",
    "uid",
    "user_id",
    "userId",
    "id",
    "username",
    "email",
    "preferred_username",
];

/// The claim the API takes the identity from: the first whose change to an unknown value
/// alters the answer (learnt once per run).
async fn identity_claim(ctx: &Ctx, st: &State, maker: &Maker, jws: &Jws, fresh: &Value) -> String {
    if let Some(c) = ctx.identity.lock().expect("identity").clone() {
        return c;
    }
    let mut found = None;
    for c in IDENTITY_CLAIMS {
        if fresh.get(c).is_none() {
            continue;
        }
        let mut other = fresh.clone();
        set(&mut other, c, Value::String(ctx.random_sub()));
        let Some(t) = maker.make(jws, &other) else {
            continue;
        };
        let Some((v, _, _)) = ctx.attack(st, &t, "identity").await else {
            break;
        };
        if v != (Verdict::Accepted { exact: true }) {
            found = Some(c.to_string());
            break;
        }
    }
    let c = found.unwrap_or_else(|| "sub".to_string());
    *ctx.identity.lock().expect("identity") = Some(c.clone());
    c
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
        let d = match maker.make(jws, &other) {
            Some(t) => ctx
                .attack(st, &t, "random-identity")
                .await
                .map(|(v, _, _)| !v.accepted()),
            None => None,
        };
        let note = diff_note(d).replace("`sub`", &format!("`{identity}`"));
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
        if passes(st, v, &resp) {
            ctx.push_finding(finding(
                rule,
                st,
                format!(
                    "{} {} accepts a token with {what}, {}",
                    st.ep.method,
                    st.ep.path,
                    maker.describe()
                ),
                &req,
                &resp,
            ));
        }
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

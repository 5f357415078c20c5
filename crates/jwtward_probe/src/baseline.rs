//! Baselines: per endpoint, what the valid token gets (twice, to learn the dynamic parts;
//! once for an unsafe operation), no credentials, a garbage token, the valid token with a
//! corrupted signature, and an id that cannot exist; plus, once per run, the router's own
//! answer to a path that cannot exist. All of them but the valid one are rejections.
//!
//! An endpoint is eligible for acceptance attacks only when the valid token gets a success
//! (2xx, a 3xx to the app itself, or the planned 422 of an unsafe operation) that no
//! rejection looks like; every other endpoint is listed in `errors` with the reason.

use crate::context::{Ctx, GARBAGE, State, Untested, error, is_rejection};
use crate::http::{Req, Resp};
use crate::oracle::{self, Mask, Profile};
use crate::plan::Endpoint;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

/// The router's own answers: a path that cannot exist, with the valid token and without.
#[derive(Default)]
pub struct Router {
    pub answers: Vec<(String, Resp)>,
}

/// Learns the router's answer to `/jwtward-<nonce>` (with the token when there is one).
pub async fn learn_router(ctx: &Ctx, origin: &str, prefix: &str) -> Router {
    let url = format!("{origin}{prefix}/jwtward-{}", ctx.nonce);
    let mut router = Router::default();
    let mut req = Req::new("GET", url);
    if let Some(t) = ctx.original() {
        req = req.header("Authorization", format!("{} {t}", ctx.auth_scheme));
    }
    if let Some(r) = ctx.send(&req).await
        && r.is_answer()
    {
        router.answers.push(("router-404".to_string(), r));
    }
    router
}

/// Baselines of `endpoints`, concurrently; a panicking task becomes an error entry.
pub async fn baselines(
    ctx: &Arc<Ctx>,
    router: &Arc<Router>,
    endpoints: Vec<Endpoint>,
) -> Vec<State> {
    let mut set = JoinSet::new();
    for (i, ep) in endpoints.into_iter().enumerate() {
        let ctx = ctx.clone();
        let router = router.clone();
        set.spawn(async move { (i, baseline(&ctx, &router, ep).await) });
    }
    let mut out: Vec<(usize, State)> = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok((i, Some(s))) => out.push((i, s)),
            Ok((_, None)) => {}
            Err(e) => ctx.push_error(error(
                "internal",
                format!("a baseline task failed ({e}); its endpoint is not tested"),
            )),
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, s)| s).collect()
}

/// Marks the first eligible endpoint of each rejection group as its representative.
pub fn pick_representatives(states: &mut [State]) {
    let mut seen = BTreeSet::new();
    for s in states.iter_mut() {
        if s.eligible && seen.insert(s.group) {
            s.rep = true;
        }
    }
}

/// A success answer for an acceptance baseline.
fn success(ctx: &Ctx, ep: &Endpoint, r: &Resp) -> bool {
    if ep.unsafe_op {
        return r.status == 422;
    }
    match r.status {
        200..=299 => true,
        300..=399 => r.header("location").is_some_and(|l| {
            l.starts_with('/') && !l.starts_with("//") || ctx.engine.same_origin(l)
        }),
        _ => false,
    }
}

async fn baseline(ctx: &Ctx, router: &Router, ep: Endpoint) -> Option<State> {
    let no_req = ctx.request(&ep, None);
    let mut valid = None;
    let mut garbage = None;
    let mut corrupted = None;
    let mut missing = None;
    let mut mask = Mask::default();
    let no_resp;
    let mut stable = true;
    if let Some(tok) = &ctx.token {
        let vreq = ctx.request(&ep, Some(&tok.raw));
        let greq = ctx.request(&ep, Some(GARBAGE));
        // An unsafe operation gets the valid token once.
        let replay = async {
            if ep.unsafe_op {
                None
            } else {
                ctx.send(&vreq).await
            }
        };
        let (a, b, n, g) = tokio::join!(ctx.send(&vreq), replay, ctx.send(&no_req), async {
            ctx.send(&greq).await.map(|r| (greq.clone(), r))
        });
        let (a, n) = (a?, n?);
        mask = match &b {
            Some(b) => Mask::learn(&[&a, b]),
            None => Mask::default(),
        };
        no_resp = n;
        garbage = g;
        if let Some(jws) = &tok.jws {
            let c = jws.with_corrupted_signature().to_compact();
            let creq = ctx.request(&ep, Some(&c));
            if let Some(r) = ctx.send(&creq).await {
                corrupted = Some((creq, r));
            }
        }
        if let Some(b) = &b
            && a.status != b.status
        {
            stable = false;
        }
        // The id that cannot exist, with the valid token (a safe operation only).
        if let Some(u) = &ep.missing_url
            && !ep.unsafe_op
            && success(ctx, &ep, &a)
        {
            let mreq = ctx.request(
                &Endpoint {
                    url: u.clone(),
                    ..ep.clone()
                },
                Some(&tok.raw),
            );
            if let Some(r) = ctx.send(&mreq).await {
                missing = Some(r);
            }
        }
        valid = Some((vreq, a));
        if !stable {
            let (s1, s2) = (
                valid
                    .as_ref()
                    .map(|v: &(Req, Resp)| v.1.status)
                    .unwrap_or(0),
                b.as_ref().map(|r| r.status).unwrap_or(0),
            );
            return Some(finish(
                ctx,
                router,
                ep,
                valid,
                no_req,
                no_resp,
                garbage,
                corrupted,
                missing,
                mask,
                Some(Untested::Unstable(s1, s2)),
            ));
        }
    } else {
        no_resp = ctx.send(&no_req).await?;
    }
    Some(finish(
        ctx, router, ep, valid, no_req, no_resp, garbage, corrupted, missing, mask, None,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    ctx: &Ctx,
    router: &Router,
    ep: Endpoint,
    valid: Option<(Req, Resp)>,
    no_req: Req,
    no_resp: Resp,
    garbage: Option<(Req, Resp)>,
    corrupted: Option<(Req, Resp)>,
    missing: Option<Resp>,
    mask: Mask,
    mut untested: Option<Untested>,
) -> State {
    let mut profile = None;
    let mut eligible = false;
    let mut unverified = false;
    let mut any_token = false;
    let mut group = 0u64;
    if ctx.token.is_none() {
        untested = Some(Untested::NoToken);
    }
    if let Some((_, v)) = &valid {
        let mut p = Profile::new(mask, v);
        p.add_rejection("no-credentials", &no_resp);
        for (name, r) in &router.answers {
            p.add_rejection(name, r);
        }
        if let Some(m) = &missing {
            p.add_rejection("missing-id", m);
        }
        let garbage_like_valid = garbage.as_ref().is_some_and(|(_, g)| p.like_valid(g));
        let corrupted_like_valid = corrupted.as_ref().is_some_and(|(_, c)| p.like_valid(c));
        let ok = success(ctx, &ep, v);
        if untested.is_none() {
            untested = if !v.is_answer() || v.status >= 500 {
                Some(Untested::NoAnswer(if v.is_answer() {
                    format!("HTTP {}", v.status)
                } else {
                    v.error.clone().unwrap_or_default()
                }))
            } else if v.truncated {
                Some(Untested::Truncated)
            } else if oracle::is_auth_rejection_status(v.status) && !ep.unsafe_op {
                Some(Untested::Refused(v.status))
            } else if !ok {
                Some(Untested::NotSuccess(v.status))
            } else {
                None
            };
        }
        // Presence only: garbage and the corrupted signature get the valid answer while
        // the request without credentials is refused (the third probe, another identity,
        // is sent by the any-token family).
        if untested.is_none()
            && garbage_like_valid
            && (corrupted.is_none() || corrupted_like_valid)
            && is_rejection(&no_resp)
            && !p.like_valid(&no_resp)
        {
            any_token = true;
        }
        if let Some((_, g)) = &garbage {
            p.add_rejection("garbage", g);
        }
        let like = p
            .rejections
            .iter()
            .find(|(_, f)| f.same(&p.valid))
            .map(|(n, _)| n.clone());
        let auth_text = no_resp.status == v.status && oracle::looks_like_auth_error(&v.body);
        if untested.is_none() {
            if let Some(n) = &like {
                untested = Some(Untested::NotDistinct(n.clone()));
            } else if auth_text {
                untested = Some(Untested::NotDistinct(
                    "no-credentials (an auth-error text)".into(),
                ));
            }
        }
        if let Some((_, c)) = &corrupted {
            if untested.is_none() && p.like_valid(c) {
                unverified = true;
            } else {
                p.add_rejection("corrupted-signature", c);
            }
        }
        eligible = untested.is_none();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{:?}", ep.channel).hash(&mut h);
        for (n, f) in &p.rejections {
            (n, f.status, f.www_authenticate, f.fingerprint).hash(&mut h);
        }
        group = h.finish();
        profile = Some(p);
    }
    State {
        ep,
        valid,
        no_creds: (no_req, no_resp),
        garbage,
        corrupted,
        profile,
        eligible,
        untested,
        unverified,
        any_token,
        rep: false,
        group,
        server_errors: Mutex::new(Vec::new()),
        hits: Mutex::new(BTreeSet::new()),
    }
}

/// The reason an endpoint is not attacked, as an `errors` entry (none when eligible).
pub fn untested_entry(st: &State) -> Option<jwtward_report::ErrorEntry> {
    let u = st.untested.as_ref()?;
    if st.any_token {
        return None;
    }
    let route = format!("{} {}", st.ep.method, st.ep.path);
    let filled = if st.ep.filled.is_empty() {
        String::new()
    } else {
        format!(" (parameters: {})", st.ep.filled.join(", "))
    };
    let why = match u {
        Untested::NoToken => return None,
        Untested::NotSuccess(s) => format!(
            "the valid token gets HTTP {s}, not a success{filled}: no acceptance can be proven here"
        ),
        Untested::Refused(s) => format!(
            "the valid token is refused (HTTP {s}){filled}: only privilege escalation is tried here"
        ),
        Untested::NotDistinct(n)
            if n == "no-credentials" && crate::context::is_2xx(&st.no_creds.1) =>
        {
            "answers the same without credentials: a public endpoint, nothing to bypass".to_string()
        }
        Untested::NotDistinct(n) => format!(
            "the valid answer looks like the {n} rejection: acceptance cannot be told from refusal here"
        ),
        Untested::Unstable(a, b) => {
            format!("the valid token got {a} then {b}: the endpoint is skipped for token attacks")
        }
        Untested::Truncated => {
            "the valid answer is larger than --max-body: it cannot be compared".to_string()
        }
        Untested::NoAnswer(e) => format!("no usable answer to the valid token ({e})"),
    };
    let kind = if matches!(u, Untested::Unstable(..)) {
        "unstable-baseline"
    } else {
        "untested"
    };
    Some(error(kind, format!("{route}: {why}")))
}

/// The rejection status learnt from the no-credentials baselines.
pub fn learn_rejection_status(states: &[Arc<State>]) -> Option<u16> {
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for s in states {
        let st = s.no_creds.1.status;
        if oracle::is_auth_rejection_status(st) {
            *counts.entry(st).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(s, _)| s)
}

/// Re-sends the valid request of the first eligible safe endpoint; stops the run when the
/// valid token stopped working.
pub async fn health_check(ctx: &Ctx, states: &[Arc<State>], family: &str) {
    let Some(st) = states.iter().find(|s| s.eligible && !s.ep.unsafe_op) else {
        return;
    };
    let (Some((req, _)), Some(p)) = (&st.valid, &st.profile) else {
        return;
    };
    for _ in 0..2 {
        match ctx.send(req).await {
            Some(r) if p.like_valid(&r) || p.judge(&r).accepted() => return,
            Some(_) => continue,
            None => return,
        }
    }
    ctx.engine.stop_because(format!(
        "after the {family} attacks the valid token no longer works on {} {} (revoked, locked out or rate-limited?): the run stopped",
        st.ep.method, st.ep.path
    ));
}

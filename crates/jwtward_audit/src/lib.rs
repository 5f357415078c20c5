//! `jwtward audit`: start the app the scan found, probe it, and give every static finding a
//! verdict.
//!
//! - [`discover`]: which `MODULE:ATTR` to start, from the scan's route table.
//! - [`launch`]: the interpreter, the process group, the readiness wait, the output tail,
//!   the teardown.
//! - [`mint`]: a token signed with a key the scan resolved, with the app's own claims.
//! - [`spec`]: the OpenAPI document completed from the source's route table.
//! - [`correlate`]: the mapping table and the verdicts.
//!
//! The scan itself is the caller's (it is the `scan` subcommand's pipeline); the probe is
//! called through [`jwtward_probe::run`] only, in [`audit`].

pub mod correlate;
pub mod discover;
pub mod dotenv;
pub mod http;
pub mod launch;
pub mod mint;
pub mod render;
pub mod source;
pub mod spec;
pub mod ws;

use anyhow::{Context as _, bail};
use correlate::{Correlated, Run};
use jwtward_fastapi::RouteInfo;
use jwtward_python::Project;
use jwtward_report::{ErrorEntry, Finding};
use launch::{Launch, Running};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// HTTP methods of an OpenAPI path item.
pub const METHODS: [&str; 8] = [
    "get", "head", "options", "post", "put", "patch", "delete", "trace",
];

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The scanned project directory.
    pub project: PathBuf,
    /// `--app MODULE:ATTR`.
    pub app: Option<String>,
    /// `--factory`: `ATTR` is a function returning the app.
    pub factory: bool,
    pub python: Option<PathBuf>,
    /// `--run "CMD {port}"`.
    pub run: Option<String>,
    /// `--url`: an instance already running.
    pub url: Option<String>,
    /// `--allow-remote`: accept a `--url` that is not loopback.
    pub allow_remote: bool,
    pub tokens: Vec<String>,
    pub signing_key: Option<Vec<u8>>,
    pub unsafe_methods: bool,
    /// Per-request timeout of the probe.
    pub timeout: Duration,
    /// How long the app may take to open its port.
    pub startup_timeout: Duration,
    pub max_requests: usize,
    pub concurrency: usize,
    /// `--auth-scheme`: the word before the token in `Authorization`.
    pub auth_scheme: Option<String>,
}

/// What the audit did and found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Correlated>,
    /// Run-time findings, each with its route's handler and dependencies.
    pub dynamic: Vec<Finding>,
    pub errors: Vec<ErrorEntry>,
    pub requests: usize,
    pub endpoints: usize,
    /// The URL probed.
    pub target: String,
    /// How the app was started (`None` for `--url`).
    pub launched: Option<String>,
    /// How the credentials were obtained.
    pub credentials: String,
    /// The claims of the minted token, when one was minted.
    pub minted_claims: Option<serde_json::Value>,
    /// Routes the source declares that the app's own OpenAPI document lacks.
    pub added_routes: Vec<(String, String)>,
    pub skipped_routes: Vec<(String, String, String)>,
    /// The app's last output lines.
    pub app_tail: Vec<String>,
    /// What the app answered to the minted token, before the probe ran.
    pub key_check: Option<KeyCheck>,
    /// The word before the token in `Authorization` (`Bearer`, or what the app wants).
    pub auth_scheme: String,
    /// The WebSocket routes handshaken: path and what each handshake got.
    pub websockets: Vec<(String, String)>,
    /// The token names the source reads (given to the probe).
    pub source_names: source::TokenNames,
    /// The identity claim the source reads, with the decode call it reads it after.
    pub identity_claim: Option<(String, String)>,
}

/// The minted token tried on protected routes before the probe runs.
#[derive(Clone, Debug, Default)]
pub struct KeyCheck {
    /// The token was answered 2xx where no token is refused: it is a usable identity.
    pub accepted: bool,
    /// The app's answer differs from its answer to the same claims signed with a random
    /// key: the signature check passed (the key is the app's), even if the identity was not
    /// accepted.
    pub key_proven: bool,
    /// `GET /x: no token -> 401 ...; minted -> 200 ...; random key -> 401 ...`.
    pub evidence: String,
    pub curl: String,
}

/// A concrete path for a route template: every parameter `1`.
pub fn sample_path(template: &str) -> String {
    let t = spec::template(template);
    let mut out = String::new();
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push('1');
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

/// `path` and headers carrying `token` where the route's source reads it: the
/// `Authorization` header, unless the source reads it only from another header, a cookie
/// or the query.
pub fn with_token(
    r: &RouteInfo,
    path: &str,
    token: &str,
    scheme: &str,
) -> (String, Vec<(String, String)>) {
    let reads_authorization = r.token_sources.is_empty()
        || r.token_sources
            .iter()
            .any(|(k, n)| k == "header" && n.eq_ignore_ascii_case("authorization"));
    match r.token_sources.first() {
        Some((k, n)) if !reads_authorization => match k.as_str() {
            "cookie" => (
                path.to_string(),
                vec![("Cookie".into(), format!("{n}={token}"))],
            ),
            "query" => {
                let sep = if path.contains('?') { '&' } else { '?' };
                (format!("{path}{sep}{n}={token}"), Vec::new())
            }
            _ => (
                path.to_string(),
                vec![(n.replace('_', "-"), token.to_string())],
            ),
        },
        _ => (
            path.to_string(),
            vec![("Authorization".into(), format!("{scheme} {token}"))],
        ),
    }
}

/// Words some APIs want instead of `Bearer` before the token (`Authorization: Token <jwt>`).
const OTHER_SCHEMES: &[&str] = &["Token", "JWT"];

/// The word the app wants before the token in `Authorization`, when it is not `Bearer`: a
/// protected GET route that refuses `Bearer T` and accepts `Token T` (or `JWT T`).
/// `(word, evidence)`.
fn detect_scheme(
    port: u16,
    token: &str,
    routes: &[RouteInfo],
    plan: &spec::Plan,
    timeout: Duration,
) -> Option<(String, String)> {
    let candidates = routes
        .iter()
        .filter(|r| r.auth == jwtward_fastapi::Auth::Protected && r.kind == "api")
        .filter(|r| r.methods.iter().any(|x| x == "GET"))
        .filter(|r| !spec::looks_destructive(&r.path))
        .filter(|r| {
            r.token_sources.is_empty()
                || r.token_sources
                    .iter()
                    .any(|(k, n)| k == "header" && n.eq_ignore_ascii_case("authorization"))
        })
        .take(3);
    let ok = |a: &http::Answer| (200..300).contains(&a.status);
    for r in candidates {
        let path = format!(
            "{}{}",
            plan.prefix(&spec::route_key("GET", &r.path)),
            spec::sample_target(r)
        );
        let with = |word: &str| {
            let h = vec![("Authorization".to_string(), format!("{word} {token}"))];
            http::request(port, "GET", &path, &h, timeout).ok()
        };
        let bearer = with("Bearer")?;
        if ok(&bearer) {
            return None;
        }
        for w in OTHER_SCHEMES {
            if let Some(a) = with(w)
                && ok(&a)
            {
                return Some((
                    w.to_string(),
                    format!(
                        "GET {path}: `Authorization: Bearer <token>` {} {}; `Authorization: {w} <token>` {}",
                        bearer.status, bearer.body, a.status
                    ),
                ));
            }
        }
    }
    None
}

/// Tries `minted` on up to five protected GET routes: no token, the token, the same claims
/// under a random key.
fn check_key(
    port: u16,
    base: &str,
    m: &mint::Minted,
    routes: &[RouteInfo],
    plan: &spec::Plan,
    scheme: &str,
    timeout: Duration,
) -> Option<KeyCheck> {
    let random = jwtward_jose::sign_token(
        jwtward_jose::Alg::HS256,
        &jwtward_jose::Key::Hmac(b"jwtward-audit-random-key-0f3a9c7e5b1d".to_vec()),
        &serde_json::json!({}),
        &m.claims,
    )
    .ok()?;
    let mut first: Option<KeyCheck> = None;
    let candidates = routes
        .iter()
        .filter(|r| r.auth == jwtward_fastapi::Auth::Protected && r.kind == "api")
        .filter(|r| r.methods.iter().any(|x| x == "GET"))
        .filter(|r| !spec::looks_destructive(&r.path))
        .take(5);
    for r in candidates {
        let path = format!(
            "{}{}",
            plan.prefix(&spec::route_key("GET", &r.path)),
            spec::sample_target(r)
        );
        let none = http::request(port, "GET", &path, &[], timeout).ok()?;
        let (gpath, gh) = with_token(r, &path, &m.token, scheme);
        let good = http::request(port, "GET", &gpath, &gh, timeout).ok()?;
        let (bpath, bh) = with_token(r, &path, &random, scheme);
        let bad = http::request(port, "GET", &bpath, &bh, timeout).ok()?;
        let ok2 = |a: &http::Answer| (200..300).contains(&a.status);
        let accepted = ok2(&good) && !ok2(&none);
        let key_proven =
            accepted || (!ok2(&bad) && (good.status != bad.status || good.body != bad.body));
        let check = KeyCheck {
            accepted,
            key_proven,
            evidence: format!(
                "GET {path}: without a token {} {}; with the minted token {} {}; with the same claims signed with a random key {} {}",
                none.status, none.body, good.status, good.body, bad.status, bad.body
            ),
            curl: {
                let (p, h) = with_token(r, &path, &m.token, scheme);
                let hs: String = h.iter().map(|(n, v)| format!(" -H '{n}: {v}'")).collect();
                format!("curl -sS -i{hs} '{base}{p}'")
            },
        };
        if accepted {
            return Some(check);
        }
        if first.is_none() || (key_proven && !first.as_ref().is_some_and(|c| c.key_proven)) {
            first = Some(check);
        }
    }
    first
}

/// Is `url` on loopback (127.0.0.0/8, ::1, localhost)?
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let Some(rest) = rest else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The launch for `req`: `--run`, else uvicorn on the chosen app.
pub fn plan_launch(
    req: &Request,
    project: &Project,
    routes: &[RouteInfo],
) -> anyhow::Result<(Launch, String)> {
    let project_dir = if req.project.is_file() {
        req.project
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
    } else {
        req.project.clone()
    };
    if let Some(cmd) = &req.run {
        if !cmd.contains("{port}") {
            bail!(
                "--run `{cmd}`: the command must contain `{{port}}` (the port audit chooses), e.g. --run \"uvicorn main:app --port {{port}}\""
            );
        }
        return Ok((
            Launch::Run {
                command: cmd.clone(),
                root: project_dir,
            },
            "--run".into(),
        ));
    }
    let apps = discover::apps(project, routes);
    let (target, root) = match &req.app {
        Some(a) => {
            let Some((module, _attr)) = a.split_once(':') else {
                bail!("--app `{a}`: expected MODULE:ATTR, e.g. app.main:app");
            };
            let root = match apps.iter().find(|x| x.target == *a) {
                Some(x) => x.root.clone(),
                None => match project.module_by_name(module) {
                    Some(m) => discover::import_root(m, module),
                    None => project_dir.clone(),
                },
            };
            (a.clone(), root)
        }
        None => match apps.as_slice() {
            [] => bail!(
                "no FastAPI or Starlette app found in {} (no module-level `app = FastAPI()`, no routes attached to an app); give --app MODULE:ATTR or --run \"CMD {{port}}\"",
                req.project.display()
            ),
            [one] => (one.target.clone(), one.root.clone()),
            many => bail!(
                "several apps found; choose one with --app:\n{}",
                many.iter()
                    .map(|a| format!("  --app {}   ({})", a.target, a.place))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        },
    };
    // The scanned directory is itself a package (`./__init__.py`), so its modules are
    // named `dir.main`; such projects are run from the directory (`uvicorn main:app`, their
    // imports are `from api... import`), not from its parent.
    let (target, root) = match (
        std::fs::canonicalize(&root),
        std::fs::canonicalize(&project_dir),
    ) {
        (Ok(r), Ok(p)) if p.parent() == Some(r.as_path()) && req.app.is_none() => {
            let dir = p.file_name().map(|n| n.to_string_lossy().to_string());
            match (dir, target.split_once('.')) {
                (Some(d), Some((first, rest))) if d == first => {
                    (rest.to_string(), project_dir.clone())
                }
                _ => (target, root),
            }
        }
        _ => (target, root),
    };
    let (python, why) = launch::choose_python(req.python.as_deref(), &root, &project_dir);
    Ok((
        Launch::Uvicorn {
            python,
            app: target.clone(),
            root,
            factory: req.factory,
        },
        format!("uvicorn {target} ({why})"),
    ))
}

/// Runs the audit: starts the app (unless `--url`), probes it, correlates `findings`.
pub fn audit(
    req: &Request,
    project: &Project,
    findings: Vec<Finding>,
    routes: &[RouteInfo],
    observer: Option<Box<dyn Fn(usize) + Send + Sync>>,
) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    // Where the app is: checked before anything starts.
    let launch = match &req.url {
        Some(u) => {
            if !is_loopback_url(u) && !req.allow_remote {
                bail!(
                    "--url {u} is not a loopback address: audit attacks what it is pointed at; pass --allow-remote if this instance is yours to test"
                );
            }
            None
        }
        None => Some(plan_launch(req, project, routes)?),
    };

    // Credentials.
    let model = jwtward_scan::JwtModel::build(project);
    // The app's environment: ours (it inherits it) and the `.env` files it loads.
    let start_dir = match &launch {
        Some((Launch::Uvicorn { root, .. } | Launch::Run { root, .. }, _)) => root.clone(),
        None if req.project.is_file() => req
            .project
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => req.project.clone(),
    };
    let dotenv = dotenv::loaded(project, &start_dir);
    let resolution = mint::resolve(project, &model, &|v| {
        if std::env::var_os(v).is_some() {
            mint::EnvState::Process
        } else if let Some(d) = dotenv.get(v) {
            mint::EnvState::Dotenv(d)
        } else {
            mint::EnvState::Unset
        }
    });
    let mut tokens = req.tokens.clone();
    let mut signing_key = req.signing_key.clone();
    let mut key_at = None;
    out.credentials = if !tokens.is_empty() {
        "--token".into()
    } else {
        String::new()
    };
    if signing_key.is_none()
        && let Some(m) = &resolution.minted
    {
        signing_key = Some(m.key.material.clone());
        key_at = Some((m.key.location.file.clone(), m.key.location.line));
        if tokens.is_empty() {
            tokens.push(m.token.clone());
            out.credentials = format!(
                "a token signed with {} ({})",
                m.key.describe(),
                m.key.alg.as_str()
            );
            out.minted_claims = Some(m.claims.clone());
        } else {
            out.credentials
                .push_str(&format!(", re-signed with {}", m.key.describe()));
        }
    }
    if out.credentials.is_empty() {
        out.credentials = format!(
            "no token and no key: only the anonymous and garbage-token checks ran ({})",
            resolution.notes.join("; ")
        );
    }
    for n in &resolution.notes {
        out.errors.push(ErrorEntry {
            kind: "audit-credentials".into(),
            message: n.clone(),
            file: None,
            line: None,
            column: None,
        });
    }

    // The app.
    let mut running: Option<Running> = None;
    let (base, port) = match (&req.url, &launch) {
        (Some(u), _) => {
            let port = u
                .rsplit_once(':')
                .and_then(|(_, p)| p.split('/').next()?.parse::<u16>().ok());
            (u.trim_end_matches('/').to_string(), port)
        }
        (None, Some((l, how))) => {
            let r = launch::start(l, &[], req.startup_timeout)
                .map_err(anyhow::Error::new)
                .with_context(|| format!("starting the app ({how})"))?;
            out.launched = Some(format!("{} ({how})", r.command));
            let b = (r.base_url(), Some(r.port));
            running = Some(r);
            b
        }
        (None, None) => unreachable!("a launch is planned without --url"),
    };
    out.target = base.clone();
    let evidence_port = port.filter(|_| is_loopback_url(&base));

    // The spec: the app's own document, completed from the source.
    let live = evidence_port.and_then(|p| {
        let a = http::request(p, "GET", "/openapi.json", &[], req.timeout).ok()?;
        (a.status == 200).then_some(())?;
        // The excerpt is cut: read the document in full.
        fetch_json(p, "/openapi.json", req.timeout)
    });
    let expect_auth: BTreeSet<(String, String)> = findings
        .iter()
        .filter(|f| f.rule == "unprotected-route")
        .filter_map(|f| Some(spec::route_key(f.method.as_deref()?, f.path.as_deref()?)))
        .collect();
    let mut plan = spec::build(live, routes, &expect_auth, req.unsafe_methods);

    // The word before the token: `--auth-scheme`, else what a protected route accepts.
    let mut scheme = req
        .auth_scheme
        .clone()
        .unwrap_or_else(|| "Bearer".to_string());
    if req.auth_scheme.is_none()
        && let (Some(t), Some(p)) = (tokens.first(), evidence_port)
    {
        let t = t.trim().trim_start_matches("Bearer ").trim();
        if let Some((w, why)) = detect_scheme(p, t, routes, &plan, req.timeout) {
            out.credentials.push_str(&format!(
                "; the app wants `Authorization: {w} <token>` ({why})"
            ));
            scheme = w;
        }
    }
    out.auth_scheme = scheme.clone();

    // The minted token: an identity the app accepts, or at least a key it verifies with.
    if req.tokens.is_empty()
        && let (Some(m), Some(p)) = (&resolution.minted, evidence_port)
    {
        let check = check_key(p, &base, m, routes, &plan, &scheme, req.timeout);
        if let Some(c) = &check
            && !c.accepted
        {
            tokens.clear();
            out.credentials = format!(
                "{}; the app refused it as an identity ({}), so the checks that need a valid token did not run (give --token)",
                out.credentials, c.evidence
            );
        }
        out.key_check = check;
    }

    let spec_file = std::env::temp_dir().join(format!(
        "jwtward-audit-{}-{}.json",
        std::process::id(),
        port.unwrap_or(0)
    ));
    std::fs::write(&spec_file, serde_json::to_vec(&plan.spec)?)
        .with_context(|| format!("cannot write {}", spec_file.display()))?;
    out.added_routes = plan.added.clone();
    out.skipped_routes = plan.skipped.clone();

    // What the source says about tokens: where they are read, whose identity they carry.
    let names = source::token_names(routes);
    let identity = source::identity_claim(&model);
    out.source_names = names.clone();
    out.identity_claim = identity.clone();
    let config = jwtward_probe::Config {
        target: base.clone(),
        spec: Some(jwtward_probe::SpecSource::File(spec_file.clone())),
        tokens: tokens.clone(),
        signing_key,
        public_keys: Vec::new(),
        public_key_urls: Vec::new(),
        wordlist: None,
        mask: None,
        skip_destructive: Vec::new(),
        cookie_names: names.cookies.clone(),
        query_names: names.queries.clone(),
        identity_claim: identity.as_ref().map(|(c, _)| c.clone()),
        auth_scheme: (scheme != "Bearer").then(|| scheme.clone()),
        headers: Vec::new(),
        include: Vec::new(),
        exclude: Vec::new(),
        unsafe_methods: req.unsafe_methods,
        limits: jwtward_probe::Limits {
            concurrency: req.concurrency.max(1),
            rate: None,
            timeout: req.timeout,
            max_body: 256 * 1024,
            max_requests: req.max_requests,
            insecure: false,
            ..jwtward_probe::Limits::default()
        },
        callback_url: None,
    };
    let probed = jwtward_probe::run(config, observer);
    let _ = std::fs::remove_file(&spec_file);
    // A probe that tested nothing (no HTTP answer, budget or deadline spent) must not turn
    // every static finding into `not-reproduced`: it is an error, like a start-up failure.
    let probed = probed.and_then(|p| match &p.failed {
        Some(why) => Err(anyhow::anyhow!("the probe tested nothing: {why}")),
        None => Ok(p),
    });
    let probed = match probed {
        Ok(p) => p,
        Err(e) => {
            if let Some(r) = &running {
                out.app_tail = r.tail.lines();
            }
            return Err(e.context(format!(
                "probing {base}{}",
                if out.app_tail.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the app's last lines:\n  | {}",
                        out.app_tail.join("\n  | ")
                    )
                }
            )));
        }
    };
    out.requests = probed.requests;
    out.endpoints = probed.endpoints;
    // What the probe really tested: it leaves out more than the plan (its own destructive
    // words, such as `cancel`), and says why in its errors.
    let probe_tested: BTreeSet<(String, String)> = probed
        .tested
        .iter()
        .filter_map(|t| t.split_once(' '))
        .map(|(m, p)| spec::route_key(m, p))
        .collect();
    let dropped: Vec<(String, String)> = plan
        .tested
        .iter()
        .filter(|k| !probe_tested.contains(*k))
        .cloned()
        .collect();
    for k in dropped {
        plan.tested.remove(&k);
        let why = probed
            .errors
            .iter()
            .find_map(|e| {
                let (head, rest) = e.message.split_once(": ")?;
                let (m, p) = head.split_once(' ')?;
                (spec::route_key(m, p) == k).then(|| rest.to_string())
            })
            .unwrap_or_else(|| "the probe did not test it".to_string());
        plan.skipped.push((
            k.0.clone(),
            k.1.clone(),
            format!("the probe left it out: {why}"),
        ));
    }
    out.skipped_routes = plan.skipped.clone();
    out.dynamic = probed.findings;
    // WebSocket routes: the handshakes.
    if let Some(p) = evidence_port {
        let checked = ws::check(
            p,
            &base,
            routes,
            tokens.first().map(String::as_str),
            &expect_auth,
            req.timeout,
        );
        out.requests += checked.requests;
        out.endpoints += checked.tested.len();
        out.dynamic.extend(checked.findings);
        plan.tested.extend(checked.tested);
        out.websockets = checked
            .evidence
            .iter()
            .map(|((_, p), e)| (p.clone(), e.clone()))
            .collect();
        plan.ws_evidence = checked.evidence;
        plan.ws_valid_only = checked.valid_only;
    }
    correlate::annotate(&mut out.dynamic, routes, &plan);
    let notes: Vec<String> = probed.errors.iter().map(|e| e.message.clone()).collect();
    out.errors.extend(probed.errors);

    let timeout = req.timeout;
    let evidence = move |method: &str, path: &str| -> Option<String> {
        let p = evidence_port?;
        let a = http::request(p, method, path, &[], timeout).ok()?;
        Some(match &a.location {
            Some(l) if (300..400).contains(&a.status) => {
                format!("{} (to {l}) {}", a.status, a.body)
            }
            _ => format!("{} {}", a.status, a.body),
        })
    };
    let send = move |path: &str, headers: &[(String, String)]| -> Option<http::Answer> {
        http::request(evidence_port?, "GET", path, headers, timeout).ok()
    };
    let token_claims: Option<serde_json::Value> = match (req.tokens.first(), &out.minted_claims) {
        (Some(t), _) => jwtward_jose::Jws::parse(t.trim())
            .ok()
            .and_then(|j| j.payload().cloned()),
        (None, Some(c)) if !tokens.is_empty() => Some(c.clone()),
        _ => None,
    };
    let run = Run {
        dynamic: &out.dynamic,
        token_claims: token_claims.as_ref(),
        routes,
        plan: &plan,
        have_token: !tokens.is_empty(),
        token: tokens.first().map(|t| {
            t.trim()
                .trim_start_matches("Bearer ")
                .trim_start_matches("bearer ")
                .to_string()
        }),
        base: &base,
        send: &send,
        key_at,
        key_check: out.key_check.as_ref(),
        credentials: &out.credentials,
        probe_notes: &notes,
        unsafe_methods: req.unsafe_methods,
        not_in_force: &resolution.not_in_force,
        evidence: &evidence,
        enclosing: &|loc| enclosing_function_name(project, loc),
    };
    out.findings = correlate::correlate(findings, &run);
    if let Some(mut r) = running.take() {
        out.app_tail = r.tail.lines();
        r.stop(Duration::from_secs(3));
    }
    Ok(out)
}

/// The name of the function whose body holds `loc`.
fn enclosing_function_name(project: &Project, loc: &jwtward_report::Location) -> Option<String> {
    let m = project
        .modules
        .iter()
        .find(|m| m.display_path == loc.file)?;
    let mut best: Option<String> = None;
    fn walk(
        m: &jwtward_python::Module,
        body: &[jwtward_python::ast::Stmt],
        line: u32,
        best: &mut Option<String>,
    ) {
        use jwtward_python::Ranged;
        for s in body {
            let (a, b) = (
                m.line_column(s.range().start()).0,
                m.line_column(s.range().end()).0,
            );
            if line < a || line > b {
                continue;
            }
            match s {
                jwtward_python::ast::Stmt::FunctionDef(f) => {
                    *best = Some(f.name.to_string());
                    walk(m, &f.body, line, best);
                }
                jwtward_python::ast::Stmt::ClassDef(c) => walk(m, &c.body, line, best),
                _ => {}
            }
        }
    }
    walk(m, &m.ast().body, loc.line, &mut best);
    best
}

/// GET a JSON document of any size from the loopback app.
fn fetch_json(port: u16, path: &str, timeout: Duration) -> Option<serde_json::Value> {
    use std::io::{Read, Write};
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let mut s = std::net::TcpStream::connect_timeout(&addr, timeout).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    s.take(16 * 1024 * 1024).read_to_end(&mut buf).ok()?;
    let at = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    serde_json::from_slice(&buf[at..]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:8000"));
        assert!(is_loopback_url("http://localhost/api"));
        assert!(is_loopback_url("http://[::1]:80/"));
        assert!(is_loopback_url("http://127.1.2.3"));
        assert!(!is_loopback_url("http://example.com"));
        assert!(!is_loopback_url("http://127.0.0.1.evil.com/"));
        assert!(!is_loopback_url("http://user@10.0.0.1/"));
        assert!(!is_loopback_url("ftp://127.0.0.1"));
    }
}

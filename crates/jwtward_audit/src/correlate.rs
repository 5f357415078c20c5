//! Static findings against run-time findings: the mapping table and the verdicts.

use crate::spec::{Plan, route_key};
use jwtward_fastapi::RouteInfo;
use jwtward_report::{Finding, TraceStep};
use serde::Serialize;

/// What a static finding is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The finding's route (method + path; a dependency's routes when it has no route).
    Route,
    /// The key the finding is about: proven by a token signed with it.
    Key,
    /// The token handling of the whole app: any endpoint.
    App,
}

/// One row of the mapping table.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub rule: &'static str,
    /// Probe rules whose finding proves it; empty: no run-time test.
    pub proven_by: &'static [&'static str],
    pub scope: Scope,
    /// The test needs a token the app accepts (`--token`, or one minted with a resolved key):
    /// the probe compares with the valid identity, and sends garbage and corrupted tokens
    /// only next to one.
    pub needs_token: bool,
    /// Why there is no run-time test (rows with no `proven_by`).
    pub untestable: &'static str,
}

const fn row(
    rule: &'static str,
    proven_by: &'static [&'static str],
    scope: Scope,
    needs_token: bool,
) -> Mapping {
    Mapping {
        rule,
        proven_by,
        scope,
        needs_token,
        untestable: "",
    }
}

const fn none(rule: &'static str, why: &'static str) -> Mapping {
    Mapping {
        rule,
        proven_by: &[],
        scope: Scope::App,
        needs_token: false,
        untestable: why,
    }
}

/// The mapping table (documented in the README, section `jwtward audit`).
pub const MAPPING: &[Mapping] = &[
    row(
        "weak-secret",
        &["forged-token-accepted", "weak-secret"],
        Scope::Key,
        false,
    ),
    row(
        "hardcoded-secret",
        &["forged-token-accepted"],
        Scope::Key,
        false,
    ),
    row(
        "unprotected-route",
        &[
            "missing-auth",
            "method-bypass",
            "path-variant-bypass",
            "websocket-missing-auth",
        ],
        Scope::Route,
        false,
    ),
    row(
        "fail-open-auth-dependency",
        &[
            "optional-auth",
            "invalid-token-accepted",
            "websocket-missing-auth",
            "websocket-invalid-token-accepted",
        ],
        Scope::Route,
        true,
    ),
    row(
        "fail-open-auth-middleware",
        &[
            "optional-auth",
            "invalid-token-accepted",
            "missing-auth",
            "websocket-missing-auth",
            "websocket-invalid-token-accepted",
        ],
        Scope::Route,
        true,
    ),
    row(
        "optional-auth-scheme",
        &[
            "optional-auth",
            "invalid-token-accepted",
            "websocket-missing-auth",
            "websocket-invalid-token-accepted",
        ],
        Scope::Route,
        true,
    ),
    row(
        "public-fallback-route",
        &[
            "optional-auth",
            "invalid-token-accepted",
            "websocket-missing-auth",
            "websocket-invalid-token-accepted",
        ],
        Scope::Route,
        true,
    ),
    row(
        "auth-disabled-by-default",
        &["missing-auth"],
        Scope::Route,
        false,
    ),
    row(
        "auth-exemption-too-broad",
        &["missing-auth", "path-variant-bypass"],
        Scope::Route,
        false,
    ),
    row(
        "missing-www-authenticate",
        &["missing-www-authenticate"],
        Scope::Route,
        false,
    ),
    row(
        "signature-not-verified",
        &["signature-not-verified", "alg-none-accepted"],
        Scope::App,
        true,
    ),
    row(
        "none-algorithm-allowed",
        &["alg-none-accepted"],
        Scope::App,
        true,
    ),
    row(
        "algorithm-confusion",
        &["algorithm-confusion"],
        Scope::App,
        true,
    ),
    row(
        "expiration-not-verified",
        &["expired-token-accepted"],
        Scope::App,
        true,
    ),
    row(
        "expiration-not-required",
        &["token-without-exp-accepted"],
        Scope::App,
        true,
    ),
    row(
        "audience-not-verified",
        &["wrong-audience-accepted"],
        Scope::App,
        true,
    ),
    row(
        "issuer-not-verified",
        &["wrong-issuer-accepted"],
        Scope::App,
        true,
    ),
    row(
        "token-from-cookie",
        &["token-in-cookie-accepted"],
        Scope::App,
        true,
    ),
    row(
        "token-from-query",
        &["token-in-query-accepted"],
        Scope::App,
        true,
    ),
    row("error-detail-leak", &["auth-error-leak"], Scope::App, true),
    row(
        "token-not-verified",
        &[
            "any-token-accepted",
            "signature-not-verified",
            "websocket-invalid-token-accepted",
        ],
        Scope::Route,
        true,
    ),
    none(
        "untrusted-verification-input",
        "the probe does not place a key or an algorithm list in the request",
    ),
    none(
        "long-token-lifetime",
        "a lifetime is read from the token the app issues; audit does not log in",
    ),
    none(
        "login-without-rate-limit",
        "proving it needs many login attempts; audit sends no credentials guessing",
    ),
    none(
        "no-revocation-check",
        "proving it needs a logout or a revoked token of a real session",
    ),
    none(
        "claims-not-checked",
        "which claim the handler should check is application logic",
    ),
    none(
        "insecure-token-cookie",
        "the cookie flags are set by a login response; audit does not log in",
    ),
    none(
        "algorithms-not-pinned",
        "the library's default list decides; covered by alg-none and algorithm confusion when they apply",
    ),
    none(
        "auth-dependency-overridden",
        "an override in test or start-up code does not show on the running app's routes",
    ),
];

pub fn mapping(rule: &str) -> Option<&'static Mapping> {
    MAPPING.iter().find(|m| m.rule == rule)
}

/// The verdict on one static finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Confirmed,
    NotReproduced,
    NotTested,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::NotReproduced => "not-reproduced",
            Status::NotTested => "not-tested",
        }
    }
}

/// The run-time finding that proves a static one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Proof {
    /// The probe rule that fired.
    pub rule: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub body_excerpt: String,
}

impl Proof {
    fn of(f: &Finding) -> Proof {
        Proof {
            rule: f.rule.clone(),
            message: f.message.clone(),
            curl: f.curl.clone(),
            status: f.evidence.as_ref().map(|e| e.status),
            body_excerpt: f
                .evidence
                .as_ref()
                .map(|e| e.body_excerpt.clone())
                .unwrap_or_default(),
        }
    }
}

/// A static finding with its verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Correlated {
    #[serde(flatten)]
    pub finding: Finding,
    pub status: Status,
    /// Confirmed: the run-time proof.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
    /// Not reproduced: what was sent and what came back; not tested: why.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Sends `GET path` with headers to the loopback app.
pub type SendFn<'a> = dyn Fn(&str, &[(String, String)]) -> Option<crate::http::Answer> + 'a;

/// What the correlation knows about the run.
pub struct Run<'a> {
    pub dynamic: &'a [Finding],
    pub routes: &'a [RouteInfo],
    pub plan: &'a Plan,
    /// A token the app should accept was available (given or minted).
    pub have_token: bool,
    /// Where the key the audit signed with is written (file, line), when it did.
    pub key_at: Option<(String, u32)>,
    /// What the app answered to the minted token before the probe ran.
    pub key_check: Option<&'a crate::KeyCheck>,
    /// The claims of the token the probe used as the valid identity.
    pub token_claims: Option<&'a serde_json::Value>,
    /// The name of the function around a source location.
    pub enclosing: &'a dyn Fn(&jwtward_report::Location) -> Option<String>,
    /// How the credentials were obtained, for reasons.
    pub credentials: &'a str,
    /// Messages of the probe's errors (a refused minted token...).
    pub probe_notes: &'a [String],
    pub unsafe_methods: bool,
    /// Fallback keys not in force (their variable is set), with the reason.
    pub not_in_force: &'a [(jwtward_report::Location, String)],
    /// The valid token (given or minted), without a `Bearer ` prefix.
    pub token: Option<String>,
    /// The probed base URL, for curl commands.
    pub base: &'a str,
    /// Sends `GET path` with headers to the loopback app.
    pub send: &'a SendFn<'a>,
    /// Sends an unauthenticated request for evidence: `(method, path) -> "STATUS excerpt"`.
    pub evidence: &'a dyn Fn(&str, &str) -> Option<String>,
}

/// The routes a finding without a route is about: the routes whose dependency chain has a
/// link at the finding's line.
fn routes_of_finding<'r>(f: &Finding, routes: &'r [RouteInfo]) -> Vec<&'r RouteInfo> {
    let Some(loc) = &f.location else {
        return Vec::new();
    };
    routes
        .iter()
        .filter(|r| {
            r.chain
                .iter()
                .any(|l| l.file == loc.file && l.line == loc.line)
        })
        .collect()
}

fn keys_of(f: &Finding, run: &Run<'_>) -> Vec<(String, String)> {
    if let (Some(m), Some(p)) = (&f.method, &f.path) {
        return vec![route_key(m, p)];
    }
    let mut routes = routes_of_finding(f, run.routes);
    // A finding inside a dependency function: the routes whose chain names it.
    if routes.is_empty()
        && let Some(name) = f.location.as_ref().and_then(|l| (run.enclosing)(l))
    {
        let called = format!("({name})");
        routes = run
            .routes
            .iter()
            .filter(|r| {
                r.chain.iter().any(|l| l.dependency.contains(&called))
                    || r.handler
                        .as_deref()
                        .is_some_and(|h| h == name || h.ends_with(&format!(".{name}")))
            })
            .collect();
    }
    routes
        .iter()
        .flat_map(|r| r.methods.iter().map(|m| route_key(m, &r.path)))
        .collect()
}

/// The keys of `f` as the probe knows them (a prefix the model missed applied).
fn served_keys_of(f: &Finding, run: &Run<'_>) -> Vec<(String, String)> {
    keys_of(f, run)
        .iter()
        .map(|k| run.plan.served_key(k))
        .collect()
}

fn dynamic_key(f: &Finding) -> Option<(String, String)> {
    Some(route_key(f.method.as_deref()?, f.path.as_deref()?))
}

fn needs_token(run: &Run<'_>) -> String {
    match run.key_check {
        Some(_) => "needs a token the app accepts as an identity: the minted one was refused (give --token)".into(),
        None => "needs a token the app accepts: give --token (the scan resolved no key to sign one)".into(),
    }
}

/// `token-from-cookie` / `token-from-query`: audit's own request to a route of the
/// finding's dependency, with the valid token only in the cookie or query parameter the
/// source reads there (the probe tests another channel only next to a header baseline,
/// and a route that reads the cookie alone has none).
fn channel_check(f: &Finding, run: &Run<'_>) -> Option<Proof> {
    let kind = match f.rule.as_str() {
        "token-from-cookie" => "cookie",
        "token-from-query" => "query",
        _ => return None,
    };
    let token = run.token.as_deref()?;
    let keys = keys_of(f, run);
    // A WebSocket route of the dependency that opens with the token (placed where the source
    // reads it) and refuses without it.
    for r in run.routes {
        let sk = route_key("WEBSOCKET", &r.path);
        if !r.methods.iter().any(|m| m == "WEBSOCKET") || !keys.contains(&sk) {
            continue;
        }
        let reads = r.token_sources.iter().any(|(k, _)| k == kind)
            || (kind == "query"
                && r.params.iter().any(|p| {
                    p.location == "query" && p.name.to_ascii_lowercase().contains("token")
                }));
        if let (true, Some(curl)) = (reads, run.plan.ws_valid_only.get(&sk)) {
            return Some(Proof {
                rule: if kind == "cookie" {
                    "token-in-cookie-accepted"
                } else {
                    "token-in-query-accepted"
                }
                .into(),
                message: format!(
                    "the WebSocket handshake of {} with the valid token where the source reads it opens the socket; without a token and with a garbage one it is refused ({})",
                    r.path,
                    run.plan.ws_evidence.get(&sk).cloned().unwrap_or_default()
                ),
                curl: Some(curl.clone()),
                status: Some(101),
                body_excerpt: String::new(),
            });
        }
    }
    for r in run.routes {
        if r.kind != "api" || !r.methods.iter().any(|m| m == "GET") {
            continue;
        }
        let sk = route_key("GET", &r.path);
        if !keys.contains(&sk) || !run.plan.tested.contains(&run.plan.served_key(&sk)) {
            continue;
        }
        let Some((_, name)) = r.token_sources.iter().find(|(k, _)| k == kind) else {
            continue;
        };
        let path = format!("{}{}", run.plan.prefix(&sk), crate::spec::sample_target(r));
        let (with_path, headers) = if kind == "cookie" {
            (
                path.clone(),
                vec![("Cookie".to_string(), format!("{name}={token}"))],
            )
        } else {
            let sep = if path.contains('?') { '&' } else { '?' };
            (format!("{path}{sep}{name}={token}"), Vec::new())
        };
        let Some(without) = (run.send)(&path, &[]) else {
            continue;
        };
        let Some(with) = (run.send)(&with_path, &headers) else {
            continue;
        };
        let ok = |a: &crate::http::Answer| (200..300).contains(&a.status);
        if ok(&with) && !ok(&without) {
            let hs: String = headers
                .iter()
                .map(|(n, v)| format!(" -H '{n}: {v}'"))
                .collect();
            let rule = if kind == "cookie" {
                "token-in-cookie-accepted"
            } else {
                "token-in-query-accepted"
            };
            return Some(Proof {
                rule: rule.into(),
                message: format!(
                    "audit's request: GET {path} with the token only in the `{name}` {} answers {} (without it: {} {})",
                    if kind == "cookie" {
                        "cookie"
                    } else {
                        "query parameter"
                    },
                    with.status,
                    without.status,
                    without.body
                ),
                curl: Some(format!("curl -sS -i{hs} '{}{with_path}'", run.base)),
                status: Some(with.status),
                body_excerpt: with.body,
            });
        }
    }
    None
}

/// The verdict on every static finding.
pub fn correlate(findings: Vec<Finding>, run: &Run<'_>) -> Vec<Correlated> {
    findings.into_iter().map(|f| verdict(f, run)).collect()
}

fn verdict(f: Finding, run: &Run<'_>) -> Correlated {
    let done = |status, proof, reason: String| Correlated {
        finding: f.clone(),
        status,
        proof,
        reason,
    };
    let Some(m) = mapping(&f.rule) else {
        return done(
            Status::NotTested,
            None,
            format!("no run-time test is mapped to `{}`", f.rule),
        );
    };
    if m.proven_by.is_empty() {
        return done(Status::NotTested, None, m.untestable.to_string());
    }
    // `error-detail-leak` outside token validation (the scan says "internal error messages
    // can expose..." rather than "which token check failed"): the probe's garbage tokens
    // reach token checks only, so its `auth-error-leak` neither proves nor refutes it.
    if f.rule == "error-detail-leak" && !f.message.contains("token check") {
        return done(
            Status::NotTested,
            None,
            "the exception is not a token check's (the `try` decodes no token): the probe's bad tokens cannot raise it; proving it needs the handler's own error".into(),
        );
    }
    // The first proving rule of the row that fired (the table lists the strongest first).
    let firing = |key: Option<&(String, String)>| {
        m.proven_by.iter().find_map(|rule| {
            run.dynamic
                .iter()
                .find(|d| d.rule == *rule && key.is_none_or(|k| dynamic_key(d).as_ref() == Some(k)))
        })
    };
    match m.scope {
        Scope::Key => {
            let at = f.location.as_ref().map(|l| (l.file.clone(), l.line));
            if let Some((_, why)) = run
                .not_in_force
                .iter()
                .find(|(l, _)| Some((l.file.clone(), l.line)) == at)
            {
                return done(
                    Status::NotTested,
                    None,
                    format!("this fallback key is not in force: {why}"),
                );
            }
            if at.is_none() || at != run.key_at {
                if let Some(d) = run
                    .dynamic
                    .iter()
                    .find(|d| d.rule == "weak-secret" && f.rule == "weak-secret")
                {
                    return done(Status::Confirmed, Some(Proof::of(d)), String::new());
                }
                return done(
                    Status::NotTested,
                    None,
                    match &run.key_at {
                        Some((file, line)) => format!(
                            "the audit signed its tokens with the key at {file}:{line}, not this one"
                        ),
                        None => format!("no token was signed with this key ({})", run.credentials),
                    },
                );
            }
            if let Some(d) = firing(None) {
                return done(Status::Confirmed, Some(Proof::of(d)), String::new());
            }
            if let Some(c) = run.key_check.filter(|c| c.key_proven) {
                return done(
                    Status::Confirmed,
                    Some(Proof {
                        rule: "minted-token".into(),
                        message: format!(
                            "a token signed with this key passes the app's signature check: {}",
                            c.evidence
                        ),
                        curl: Some(c.curl.clone()),
                        status: None,
                        body_excerpt: String::new(),
                    }),
                    String::new(),
                );
            }
            if let Some(c) = run.key_check {
                return done(
                    Status::NotReproduced,
                    None,
                    format!(
                        "the app answers a token signed with this key like one signed with a random key: {}",
                        c.evidence
                    ),
                );
            }
            let refused: Vec<&String> = run
                .probe_notes
                .iter()
                .filter(|n| n.contains("freshly signed") || n.contains("refused"))
                .take(2)
                .collect();
            done(
                Status::NotReproduced,
                None,
                if refused.is_empty() {
                    format!(
                        "tokens signed with this key ({}) were not accepted by any endpoint the probe tested",
                        run.credentials
                    )
                } else {
                    format!(
                        "tokens signed with this key ({}) were refused: {}",
                        run.credentials,
                        refused
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                },
            )
        }
        Scope::Route => {
            let keys = served_keys_of(&f, run);
            if keys.is_empty() {
                return done(
                    Status::NotTested,
                    None,
                    "no route of the model uses it".to_string(),
                );
            }
            for k in &keys {
                if let Some(d) = firing(Some(k)) {
                    return done(Status::Confirmed, Some(Proof::of(d)), String::new());
                }
            }
            let tested: Vec<&(String, String)> = keys
                .iter()
                .filter(|k| run.plan.tested.contains(*k))
                .collect();
            if tested.is_empty() {
                let k = &keys[0];
                let skipped = run
                    .plan
                    .skipped
                    .iter()
                    .find(|(sm, sp, _)| &route_key(sm, sp) == k)
                    .map(|(_, _, why)| why.clone());
                let why = match skipped {
                    Some(w) => w,
                    None if !run.unsafe_methods
                        && !matches!(k.0.as_str(), "GET" | "HEAD" | "OPTIONS") =>
                    {
                        format!("{} needs --unsafe-methods", k.0)
                    }
                    None => "the running app does not serve this route".to_string(),
                };
                return done(Status::NotTested, None, format!("{} {}: {why}", k.0, k.1));
            }
            if m.needs_token && !run.have_token {
                return done(Status::NotTested, None, needs_token(run));
            }
            let k = tested[0];
            let route = run.routes.iter().find_map(|r| {
                r.methods.iter().find_map(|m| {
                    let sk = route_key(m, &r.path);
                    (run.plan.served_key(&sk) == *k).then(|| (r, run.plan.prefix(&sk)))
                })
            });
            let path = match (route, &f.method, &f.path) {
                (Some((r, prefix)), _, _) => format!("{prefix}{}", crate::spec::sample_target(r)),
                (None, Some(_), Some(p)) => crate::sample_path(p),
                _ => crate::sample_path(&k.1),
            };
            if k.0 == "WEBSOCKET" {
                let shakes = run.plan.ws_evidence.get(k).cloned().unwrap_or_default();
                return done(
                    Status::NotReproduced,
                    None,
                    format!(
                        "the audit opened WEBSOCKET {path} and no handshake that should fail succeeded ({shakes})"
                    ),
                );
            }
            let answer = if matches!(k.0.as_str(), "GET" | "HEAD" | "OPTIONS") {
                (run.evidence)(&k.0, &path)
            } else {
                None
            };
            if let Some(a) = &answer
                && a.starts_with('3')
            {
                return done(
                    Status::NotTested,
                    None,
                    format!(
                        "the app redirects instead of answering (a set-up page, a login page?), so nothing was served to compare: {} {path} without credentials answered {a}",
                        k.0
                    ),
                );
            }
            if let Some(a) = &answer
                && a.starts_with('5')
            {
                return done(
                    Status::NotTested,
                    None,
                    format!(
                        "the app fails on this route (its database or a service it needs is missing?): {} {path} without credentials answered {a}",
                        k.0
                    ),
                );
            }
            if let Some(a) = &answer
                && (a.starts_with("404 ") || a.starts_with("422 "))
            {
                return done(
                    Status::NotTested,
                    None,
                    format!(
                        "the route needs data the audit could not find: {} {path} without credentials answered {a}",
                        k.0
                    ),
                );
            }
            let sent = answer
                .map(|a| format!("; {} {path} without credentials answered {a}", k.0))
                .unwrap_or_default();
            done(
                Status::NotReproduced,
                None,
                format!(
                    "the probe tested {} {} ({}) and none was accepted{sent}",
                    k.0,
                    k.1,
                    m.proven_by.join(", ")
                ),
            )
        }
        Scope::App => {
            if let Some(d) = firing(None) {
                return done(Status::Confirmed, Some(Proof::of(d)), String::new());
            }
            if m.needs_token && !run.have_token {
                return done(Status::NotTested, None, needs_token(run));
            }
            if let Some(p) = channel_check(&f, run) {
                return done(Status::Confirmed, Some(p), String::new());
            }
            // The probe swaps a claim only in a token that has it.
            let claim = match m.rule {
                "audience-not-verified" => Some("aud"),
                "issuer-not-verified" => Some("iss"),
                "expiration-not-required" => Some("exp"),
                _ => None,
            };
            if let (Some(c), Some(claims)) = (claim, run.token_claims)
                && claims.get(c).is_none()
            {
                return done(
                    Status::NotTested,
                    None,
                    format!(
                        "the token the probe used carries no `{c}` claim (a minted one has the claims the app's encode sites write), so there was no `{c}` to replace"
                    ),
                );
            }
            if run.plan.tested.is_empty() {
                return done(
                    Status::NotTested,
                    None,
                    "the probe had no endpoint to test".into(),
                );
            }
            done(
                Status::NotReproduced,
                None,
                format!(
                    "the probe's {} attacks on {} endpoint(s) were all refused",
                    m.proven_by.join(", "),
                    run.plan.tested.len()
                ),
            )
        }
    }
}

/// Each run-time finding with its route's handler and dependency lines from the model.
pub fn annotate(dynamic: &mut [Finding], routes: &[RouteInfo], plan: &Plan) {
    for d in dynamic {
        let Some(k) = dynamic_key(d) else { continue };
        let Some(r) = routes.iter().find(|r| {
            r.methods
                .iter()
                .any(|m| plan.served_key(&route_key(m, &r.path)) == k)
        }) else {
            continue;
        };
        let (file, line) = r
            .handler_location
            .as_ref()
            .map(|l| (l.file.clone(), l.line))
            .unwrap_or((r.location.file.clone(), r.location.line));
        d.trace.push(TraceStep {
            file: Some(file),
            line: Some(line),
            note: format!(
                "handler `{}` (source: {:?})",
                r.handler.clone().unwrap_or_else(|| "?".into()),
                r.auth
            ),
        });
        for l in &r.chain {
            d.trace.push(TraceStep {
                file: Some(l.file.clone()),
                line: Some(l.line),
                note: format!("{} ({})", l.dependency, l.effect),
            });
        }
    }
}

/// Counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub confirmed: usize,
    pub not_reproduced: usize,
    pub not_tested: usize,
}

pub fn counts(c: &[Correlated]) -> Counts {
    let mut out = Counts::default();
    for x in c {
        match x.status {
            Status::Confirmed => out.confirmed += 1,
            Status::NotReproduced => out.not_reproduced += 1,
            Status::NotTested => out.not_tested += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Plan;
    use jwtward_report::{Location, RuleMeta, Severity};

    #[test]
    fn every_static_rule_has_a_row_and_every_proving_rule_exists() {
        for r in jwtward_scan::RULES
            .iter()
            .chain(jwtward_fastapi::RULES.iter())
        {
            assert!(mapping(r.name).is_some(), "no mapping row for `{}`", r.name);
        }
        for m in MAPPING {
            for p in m.proven_by {
                assert!(
                    jwtward_probe::rules::rule(p).is_some()
                        || crate::ws::RULES.iter().any(|r| r.name == *p),
                    "`{}` is proven by unknown probe rule `{p}`",
                    m.rule
                );
            }
            assert!(!m.proven_by.is_empty() || !m.untestable.is_empty());
        }
    }

    fn finding(rule: &str, method: Option<&str>, path: Option<&str>) -> Finding {
        let meta = RuleMeta {
            name: "x",
            severity: Severity::High,
            cwe: &[],
            summary: "",
            explanation: "",
            remediation: "",
            example: "",
            fixed_example: "",
        };
        let mut f = Finding::new(&meta, "m");
        f.rule = rule.into();
        f.method = method.map(str::to_string);
        f.path = path.map(str::to_string);
        f.location = Some(Location {
            file: "a.py".into(),
            line: 3,
            column: 1,
            end_line: 3,
            end_column: 2,
        });
        f
    }

    #[test]
    fn verdicts() {
        let mut plan = Plan::default();
        plan.tested.insert(route_key("GET", "/a/{id}"));
        plan.skipped.push((
            "DELETE".into(),
            "/a/{id}".into(),
            "DELETE needs --unsafe-methods".into(),
        ));
        let mut proof = finding("missing-auth", Some("GET"), Some("/a/{item}"));
        proof.curl = Some("curl x".into());
        let dynamic = vec![proof];
        let evidence = |_: &str, p: &str| Some(format!("401 for {p}"));
        let run = Run {
            dynamic: &dynamic,
            routes: &[],
            plan: &plan,
            have_token: false,
            key_at: None,
            key_check: None,
            token_claims: None,
            enclosing: &|_| None,
            credentials: "none",
            probe_notes: &[],
            unsafe_methods: false,
            not_in_force: &[],
            token: None,
            base: "http://127.0.0.1:1",
            send: &|_, _| None,
            evidence: &evidence,
        };
        let out = correlate(
            vec![
                finding("unprotected-route", Some("GET"), Some("/a/{id}/")),
                finding("unprotected-route", Some("DELETE"), Some("/a/{id}")),
                finding("expiration-not-verified", None, None),
                finding("long-token-lifetime", None, None),
                finding("weak-secret", None, None),
                finding("error-detail-leak", None, None),
            ],
            &run,
        );
        assert_eq!(out[5].status, Status::NotTested);
        assert!(
            out[5].reason.contains("not a token check"),
            "{}",
            out[5].reason
        );
        assert_eq!(out[0].status, Status::Confirmed);
        assert_eq!(
            out[0].proof.as_ref().unwrap().curl.as_deref(),
            Some("curl x")
        );
        assert_eq!(out[1].status, Status::NotTested);
        assert!(
            out[1].reason.contains("--unsafe-methods"),
            "{}",
            out[1].reason
        );
        assert_eq!(out[2].status, Status::NotTested);
        assert!(out[2].reason.contains("--token"));
        assert_eq!(out[3].status, Status::NotTested);
        assert_eq!(out[4].status, Status::NotTested);
        // A tested route where nothing fired: not reproduced, with the evidence request.
        let none: Vec<Finding> = Vec::new();
        let run = Run {
            dynamic: &none,
            ..run
        };
        let out = correlate(
            vec![finding("unprotected-route", Some("GET"), Some("/a/{id}"))],
            &run,
        );
        assert_eq!(out[0].status, Status::NotReproduced);
        assert!(out[0].reason.contains("401 for /a/1"), "{}", out[0].reason);
    }
}

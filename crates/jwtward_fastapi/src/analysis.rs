//! Routes with their full dependency sets, what each dependency and middleware does for
//! authentication, and the effective authentication of every route.

use crate::flow::{Analyzer, Point, SourceKind};
use crate::model::{DepTarget, DepUse, Func, Model, ObjKind, RouteKind, join_path};
use jwtward_python::ModuleId;
use jwtward_report::{Location, TraceStep};
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;

/// Where a dependency of a route is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// `FastAPI(dependencies=[...])`
    App,
    /// `include_router(..., dependencies=[...])`
    Include,
    /// `APIRouter(dependencies=[...])`
    Router,
    /// `@router.get(..., dependencies=[...])`
    Decorator,
    /// A handler parameter (`Depends`, `Security`, `Annotated`).
    Parameter,
    /// A dependency of a dependency.
    Nested,
    /// Middleware wrapping the app.
    Middleware,
}

/// The test that every refusal of a middleware's `dispatch` sits under when that test requires
/// a token to be present (`if token and not is_exempt:`), while `call_next` also runs outside
/// it: a request without a token passes. `None` when some refusal does not need a token.
/// `refuses` tells an ASGI refusal statement (`await self._reject(scope, send)`), which is
/// an expression, not a `raise` or a `return`.
fn token_gated_refusals<'a>(
    body: &'a [Stmt],
    refuses: &dyn Fn(&'a Expr) -> bool,
) -> Option<TextRange> {
    fn token_name(n: &str) -> bool {
        let n = n.to_ascii_lowercase();
        ["token", "jwt", "credential", "bearer", "auth"]
            .iter()
            .any(|w| n.contains(w))
    }
    // The test holds only when a token variable is present (truthy).
    fn needs_token(test: &Expr) -> bool {
        match test {
            Expr::Name(n) => token_name(n.id.as_str()),
            Expr::BoolOp(b) if matches!(b.op, ruff_python_ast::BoolOp::And) => {
                b.values.iter().any(needs_token)
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                matches!(c.ops[0], ruff_python_ast::CmpOp::IsNot)
                    && matches!(c.comparators.first(), Some(Expr::NoneLiteral(_)))
                    && needs_token(&c.left)
            }
            _ => false,
        }
    }
    // `call_next(request)`, or an ASGI middleware's `self.app(scope, receive, send)`.
    fn passes_on(e: &Expr) -> bool {
        crate::flow::calls_in_expr(e)
            .iter()
            .any(|c| match &*c.func {
                Expr::Name(n) => n.id.as_str() == "call_next",
                Expr::Attribute(a) => {
                    a.attr.as_str() == "app"
                        && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self")
                }
                _ => false,
            })
    }
    #[derive(Default)]
    struct Seen {
        gated: Option<TextRange>,
        ungated_refusal: bool,
        ungated_pass: bool,
    }
    fn walk<'a>(
        body: &'a [Stmt],
        gate: Option<TextRange>,
        seen: &mut Seen,
        refuses: &dyn Fn(&'a Expr) -> bool,
    ) {
        for st in body {
            match st {
                Stmt::If(i) => {
                    let g = gate.or_else(|| needs_token(&i.test).then(|| i.test.range()));
                    walk(&i.body, g, seen, refuses);
                    for c in &i.elif_else_clauses {
                        walk(&c.body, gate, seen, refuses);
                    }
                }
                Stmt::With(w) => walk(&w.body, gate, seen, refuses),
                Stmt::Try(t) => {
                    walk(&t.body, gate, seen, refuses);
                    for h in &t.handlers {
                        let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                        walk(&h.body, gate, seen, refuses);
                    }
                    walk(&t.orelse, gate, seen, refuses);
                    walk(&t.finalbody, gate, seen, refuses);
                }
                Stmt::For(f) => walk(&f.body, gate, seen, refuses),
                Stmt::While(w) => walk(&w.body, gate, seen, refuses),
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::Raise(_) => match gate {
                    Some(g) => {
                        seen.gated.get_or_insert(g);
                    }
                    None => seen.ungated_refusal = true,
                },
                Stmt::Return(r) => {
                    let Some(v) = r.value.as_deref() else {
                        continue;
                    };
                    let pass =
                        passes_on(v) || matches!(v, Expr::Name(n) if n.id.as_str() == "response");
                    match (pass, gate) {
                        (true, None) => seen.ungated_pass = true,
                        (true, Some(_)) => {}
                        (false, Some(g)) => {
                            seen.gated.get_or_insert(g);
                        }
                        (false, None) => seen.ungated_refusal = true,
                    }
                }
                Stmt::Expr(e) if refuses(&e.value) => match gate {
                    Some(g) => {
                        seen.gated.get_or_insert(g);
                    }
                    None => seen.ungated_refusal = true,
                },
                _ => {
                    if gate.is_none() {
                        for e in crate::flow::stmt_exprs(st) {
                            if passes_on(e) {
                                seen.ungated_pass = true;
                            }
                        }
                    }
                }
            }
        }
    }
    let mut seen = Seen::default();
    walk(body, None, &mut seen, refuses);
    match seen {
        Seen {
            gated: Some(g),
            ungated_refusal: false,
            ungated_pass: true,
        } => Some(g),
        _ => None,
    }
}

/// The text of an ASGI callable hands an identity on through the scope: `scope["user"] =
/// ...`, or the request state (`scope.setdefault("state", {})["principal"] = claims`, which
/// handlers read as `request.state.principal`).
pub(crate) fn sets_scope_identity(t: &str) -> bool {
    [
        "scope[\"user\"]",
        "scope['user']",
        "setdefault(\"state\"",
        "setdefault('state'",
        "scope[\"state\"][",
        "scope['state'][",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// The test of an `if` at the top of a middleware body that passes the request on (`return
/// await call_next(request)`, `await self.app(...)`) when the configuration says so (`if
/// self.auth_manager.config.type == "none":`, `if not settings.auth_enabled:`), reading
/// nothing of the request.
fn config_pass(md: &jwtward_python::Module, body: &[Stmt]) -> Option<String> {
    body.iter().find_map(|st| {
        let Stmt::If(i) = st else { return None };
        let t = md.slice(i.test.range());
        let l = t.to_ascii_lowercase();
        let reads_request = [
            "path", "method", "url", "header", "cookie", "request.", "scope",
        ]
        .iter()
        .any(|w| l.contains(w));
        let on_config = [
            "config.",
            "settings.",
            "_enabled",
            "disabled",
            "auth_type",
            "== \"none\"",
            "== 'none'",
        ]
        .iter()
        .any(|w| l.contains(w));
        let passes = i.body.iter().any(|b| {
            let text = md.slice(b.range());
            matches!(b, Stmt::Return(_))
                && (text.contains("call_next(") || text.contains("self.app("))
        });
        (on_config && !reads_request && passes).then(|| t.to_string())
    })
}

/// The last non-empty segment of a path, lower-cased.
fn last_segment(path: &str) -> String {
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The effective authentication of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// A dependency or middleware rejects requests without a valid token.
    Protected,
    /// Authentication is optional: a scheme with `auto_error=False` yields None and the
    /// route runs anyway.
    Optional,
    /// An authentication dependency or middleware lets invalid or missing tokens through
    /// and the handler does not refuse.
    FailOpen,
    /// No authentication at all.
    None,
    /// No authentication, and obviously meant to be public (health, docs, login...).
    PublicByDesign,
}

impl Auth {
    pub fn as_str(self) -> &'static str {
        match self {
            Auth::Protected => "protected",
            Auth::Optional => "optional",
            Auth::FailOpen => "fail-open",
            Auth::None => "none",
            Auth::PublicByDesign => "public-by-design",
        }
    }
}

/// What a dependency does for authentication.
#[derive(Clone, Debug)]
pub(crate) enum DepClass {
    Protected,
    FailOpen(Point),
    Optional(usize),
    RateLimit,
    Other,
}

impl DepClass {
    pub fn effect(&self) -> &'static str {
        match self {
            DepClass::Protected => "authenticates",
            DepClass::FailOpen(_) => "fail-open",
            DepClass::Optional(_) => "optional",
            DepClass::RateLimit => "rate-limit",
            DepClass::Other => "other",
        }
    }
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            DepClass::Protected | DepClass::FailOpen(_) | DepClass::Optional(_)
        )
    }
}

pub(crate) struct MwInfo<'p> {
    pub obj: usize,
    pub idx: usize,
    pub func: Option<Func<'p>>,
    pub is_auth: bool,
    pub is_rate_limit: bool,
    pub fail_open: Vec<Point>,
    /// Its exemptions: the tests on the request path that pass a request on before the
    /// credential check (exact model, see [`crate::exempt`]).
    pub exempt: Vec<crate::exempt::Exemption>,
    pub exempt_at: Option<TextRange>,
    /// Attributes it sets on `request.state` (`user`, `claims`...).
    pub state_attrs: Vec<String>,
    /// The `if` on settings its registration (`app.add_middleware`) runs under.
    pub reg_gate: Option<crate::defaults::Gate>,
    /// A test on the configuration under which it passes every request on before any check
    /// (`if self.auth_manager.config.type == "none": return await call_next(request)`).
    pub config_pass: Option<String>,
}

/// What the handler does with a possibly-missing identity.
#[derive(Clone, Debug)]
pub(crate) enum IdentityUse {
    /// Refuses (raises, or dereferences the identity) whenever it is missing.
    Checked,
    /// Branches on the missing identity and still serves (the check's range).
    ServesWhenMissing(TextRange),
    /// Never checks; serves with the identity missing.
    Unchecked,
}

pub(crate) struct FullRoute<'p> {
    pub methods: Vec<String>,
    pub path: String,
    pub kind: RouteKind,
    pub handler: Option<Func<'p>>,
    pub mid: ModuleId,
    pub range: TextRange,
    pub decl_obj: usize,
    /// The app the route is served by (the mounted sub-app for mounted routes).
    pub app: usize,
    /// The top-level app the route belongs to (routes of different apps are never siblings).
    pub root: usize,
    pub deps: Vec<(DepUse<'p>, Level)>,
    pub middleware: Vec<usize>,
    /// Mounts from the root app down to this route's app: (parent app, mount index).
    pub mounts: Vec<(usize, usize)>,
    /// The app, then each router included on the way to `decl_obj` (the last), with the
    /// path prefix under which each one's routes are served.
    pub via: Vec<(usize, String)>,
    pub decorators: &'p [ruff_python_ast::Decorator],
    /// The configuration test an `include_router` on the way runs under: the route exists
    /// only in some configurations.
    pub gate: Option<String>,
    /// The `if` test that picks the handler among alternatives that differ in their
    /// dependencies (see [`crate::model::RouteDecl::handler_gate`]).
    pub handler_gate: Option<String>,
    /// Middleware of the app that never runs for this route: `BaseHTTPMiddleware` and
    /// `@app.middleware("http")` around a WebSocket route.
    pub http_only_mw: Vec<usize>,
    /// Registration order: the position of each `include_router` call on the way, then of
    /// the route's declaration (compared where two routes' ways part, in one module).
    pub order: Vec<(ModuleId, u32)>,
}

pub(crate) struct RouteAuthInfo<'p> {
    pub auth: Auth,
    /// Fail-open or optional dependencies the route consumes, with what the handler does.
    pub weak: Vec<(DepUse<'p>, Level, DepClass, Option<IdentityUse>)>,
    /// Fail-open middleware covering the route, with what the handler does.
    pub weak_mw: Vec<(usize, IdentityUse)>,
    /// An auth middleware exempts this route.
    pub exempted_by: Option<usize>,
    /// ... by an exact test (`path in {"/health", ...}`, `==`): the developer lists the
    /// route as public.
    pub exempt_exact: bool,
    pub protected_by: Option<String>,
    /// A read whose handler takes a credential itself as an optional parameter
    /// (`x_api_key: str | None = Header(None)`): anonymous callers get the public view.
    pub optional_param: Option<String>,
    /// A sign-in flow route's own credential check (the password or refresh token it
    /// exchanges), which leaves the route public by design.
    pub flow_check: Option<String>,
    /// An app- or router-level guard lists this route's path among those it lets through
    /// (`if path in EXEMPT_PATHS: return`): the route is public by the project's own list.
    pub dep_exempt: Option<String>,
    /// ... by a broader test (a prefix): the guard and the test.
    pub dep_exempt_by: Option<(String, String)>,
}

pub(crate) struct Ctx<'m, 'p> {
    pub an: Analyzer<'m, 'p>,
    pub routes: Vec<FullRoute<'p>>,
    pub mws: Vec<MwInfo<'p>>,
    pub auths: Vec<RouteAuthInfo<'p>>,
    class_memo: RefCell<HashMap<String, DepClass>>,
    /// The `if`s on settings that switch each function's credential check (see
    /// [`Ctx::gates`]).
    gates_memo: RefCell<HashMap<crate::model::FuncKey, std::rc::Rc<Vec<crate::defaults::Gate>>>>,
    /// Dependencies (by their text) whose authentication a setting can switch off, with
    /// the test that does (`not require_login()`).
    pub conditional: RefCell<HashMap<String, String>>,
    /// The same, by the dependency function (its uses may be spelled differently).
    conditional_fn: RefCell<HashMap<crate::model::FuncKey, String>>,
    /// The top-level app (or orphan router) being walked while collecting routes.
    cur_root: usize,
    /// The app and routers being walked, with their prefixes (see [`FullRoute::via`]).
    cur_via: Vec<(usize, String)>,
    /// The configuration gate of the includes being walked (see [`FullRoute::gate`]).
    cur_gate: Option<String>,
    /// The positions of the includes being walked (see [`FullRoute::order`]).
    cur_order: Vec<(ModuleId, u32)>,
    /// A route that never runs: an earlier route of the same app answers the same method
    /// and every path it matches (FastAPI tries routes in registration order).
    pub shadowed_by: Vec<Option<usize>>,
    /// The guarded route (registered later, never run) that a route shadows, with what
    /// guards it.
    pub shadows_guarded: Vec<Option<(usize, String)>>,
    /// Paths the project lists as public next to its login path (see
    /// [`Ctx::listed_public`]), computed once.
    listed_public_memo: std::cell::OnceCell<std::collections::HashSet<String>>,
    /// The functions that protect some route as its dependency (by definition address).
    guard_fns: std::collections::HashSet<usize>,
    /// The path exemptions of app- and router-level guards (see [`Ctx::dep_exemption`]).
    dep_exempt_memo: RefCell<HashMap<usize, Vec<crate::exempt::Exemption>>>,
    /// [`Ctx::public_reason`] of each route, computed once.
    public_memo: RefCell<HashMap<usize, Option<String>>>,
}

pub(crate) const LOGIN_SEGMENTS: &[&str] = &[
    "token",
    "login",
    "signin",
    "sign-in",
    "access-token",
    "access_token",
];

fn is_rate_limit_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    n.contains("limit") || n.contains("throttl") || n.contains("rate_") || n.contains("slowapi")
}

fn is_auth_name(n: &str) -> bool {
    // "author" (a book's) is not "auth"; "authorize"/"authorization" are.
    let n = n
        .to_ascii_lowercase()
        .replace("authoriz", "AUTHZ")
        .replace("authoris", "AUTHZ")
        .replace("author", "")
        .replace("AUTHZ", "authoriz");
    [
        "current_user",
        "auth",
        "token",
        "jwt",
        "principal",
        "verify",
        "require_user",
        "login_required",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// `X.state.attr = ...` targets anywhere in a body.
fn state_attrs(body: &[Stmt]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in body {
        let targets: Vec<&Expr> = match s {
            Stmt::Assign(a) => a.targets.iter().collect(),
            Stmt::AnnAssign(a) => vec![&*a.target],
            _ => Vec::new(),
        };
        for t in targets {
            if let Expr::Attribute(a) = t
                && let Expr::Attribute(inner) = &*a.value
                && inner.attr.as_str() == "state"
                && !out.iter().any(|x| x == a.attr.as_str())
            {
                out.push(a.attr.to_string());
            }
        }
        let nested: Vec<&[Stmt]> = match s {
            Stmt::If(i) => std::iter::once(&i.body[..])
                .chain(i.elif_else_clauses.iter().map(|c| &c.body[..]))
                .collect(),
            Stmt::Try(t) => {
                let mut v: Vec<&[Stmt]> = vec![&t.body[..], &t.orelse[..], &t.finalbody[..]];
                for h in &t.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                    v.push(&h.body[..]);
                }
                v
            }
            Stmt::With(w) => vec![&w.body[..]],
            _ => Vec::new(),
        };
        for b in nested {
            for a in state_attrs(b) {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

/// Public-by-design path segments, each with the recogniser's name (what the route is).
const PUBLIC_KINDS: &[(&[&str], &str)] = &[
    (
        &[
            "health",
            "healthz",
            "healthcheck",
            "health-check",
            "health_check",
            "livez",
            "readyz",
            "ready",
            "liveness",
            "readiness",
            "status",
            "ping",
            "version",
            "heartbeat",
        ],
        "health/status probe",
    ),
    (
        &[
            "docs",
            "redoc",
            "openapi.json",
            "openapi",
            "swagger",
            "swagger-ui",
        ],
        "API documentation",
    ),
    (
        &[
            "login",
            "logout",
            "token",
            "refresh",
            "signin",
            "sign-in",
            "sign_in",
            "access-token",
            "access_token",
        ],
        "login / token issuing",
    ),
    (
        &["signup", "sign-up", "sign_up", "register", "registration"],
        "registration",
    ),
    (
        &[
            "verify",
            "verification",
            "verify-email",
            "verify_email",
            "confirm",
            "confirm-email",
            "activate",
            "activation",
        ],
        "email / account verification",
    ),
    (
        &[
            "oauth",
            "oauth2",
            "authorize",
            "callback",
            "sso",
            "saml",
            "oidc",
        ],
        "OAuth / SSO flow",
    ),
    (
        &["first_install", "first-install", "first_run", "first-run"],
        "first-run setup",
    ),
    (&["jwks", "jwks.json"], "public key discovery"),
    (&["about"], "application information (about)"),
    (
        &[
            "favicon.ico",
            "robots.txt",
            "manifest.json",
            "service-worker.js",
            "sw.js",
            "static",
            "sitemap.xml",
        ],
        "static asset / manifest",
    ),
    (&["public"], "a path marked public"),
];

/// A read: every method is GET, HEAD or OPTIONS.
pub(crate) fn is_read(methods: &[String]) -> bool {
    methods
        .iter()
        .all(|m| m == "GET" || m == "HEAD" || m == "OPTIONS")
}

/// Calls that send the browser to an identity provider (an OAuth/SSO start).
pub(crate) const IDP_REDIRECT_CALLS: &[&str] = &[
    "authorize_redirect(",
    "login_redirect(",
    "authorization_url(",
];

/// A guard as written, without its keyword arguments: `Security(verify_oauth_client,
/// scopes=[USER_READ])` and `Security(verify_oauth_client, scopes=[USER_DELETE])` are one
/// guard; a factory's own arguments stay (`Depends(auth_wrapper(public=True))`).
fn guard_key(by: &str) -> &str {
    let mut depth = 0;
    for (i, c) in by.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 1 => return by[..i].trim_end(),
            _ => {}
        }
    }
    by
}

/// `CsrfOriginMiddleware` as `csrf_origin_middleware` (words of a class name).
fn snake_case(n: &str) -> String {
    let mut out = String::with_capacity(n.len() + 4);
    for (i, c) in n.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A public-by-design reason that names a step of the sign-in flow (see
/// [`Ctx::public_reason`]): a route whose credential check is the flow's own.
fn is_flow_reason(why: &str) -> bool {
    [
        "login",
        "registration",
        "email / account verification",
        "OAuth / SSO flow",
        "first-run setup",
        "password reset",
        "accepts an invitation",
        "capability URL",
    ]
    .iter()
    .any(|w| why.starts_with(w))
}

/// Parts of a path segment that mark account-recovery flows (public: the caller has no
/// token yet).
const PUBLIC_PARTS: &[&str] = &[
    "password-recovery",
    "password_recovery",
    "recover-password",
    "forgot",
    "reset-password",
    "password-reset",
    "reset_password",
    "password_reset",
    "verify-email",
    "confirm-email",
    "email-verification",
];

/// Segments of public forms: anyone may write to them (POST only).
const PUBLIC_FORMS: &[&str] = &[
    "waitlist",
    "newsletter",
    "newsletters",
    "subscribe",
    "contact",
    "contact-us",
    "contact_us",
    "inquiries",
    "faq-inquiries",
    "feedback",
    "applications",
    "apply",
];

/// Segments of routes that look sensitive anywhere in an app that authenticates.
const SENSITIVE: &[&str] = &[
    "admin",
    "internal",
    "debug",
    "export",
    "secrets",
    "secret",
    "settings",
    "keys",
    "apikeys",
    "api-keys",
    "api_keys",
    "billing",
    "users",
    "superuser",
    "env",
];

/// The recogniser that makes `path` public by design, from the path alone.
pub(crate) fn public_path_reason(path: &str) -> Option<&'static str> {
    if path == "/" || path.is_empty() {
        return Some("the root page");
    }
    // A step of the sign-in flow under an auth segment: `/auth/magic` (a magic-link e-mail),
    // `/auth/redirect` (the identity provider's return).
    let segs: Vec<String> = path.split('/').map(|x| x.to_ascii_lowercase()).collect();
    if let Some(i) = segs
        .iter()
        .position(|x| matches!(x.as_str(), "auth" | "oauth" | "oauth2" | "sso" | "login"))
        && segs[i + 1..]
            .iter()
            .any(|x| matches!(x.as_str(), "magic" | "redirect" | "callback" | "start"))
    {
        return Some("OAuth / SSO flow");
    }
    // A session opened by an e-mailed code: `/customer-session/request` sends the code,
    // `/customer-session/authenticate` exchanges it.
    if segs.windows(2).any(|w| {
        w[0].split(['-', '_']).any(|x| x == "session")
            && matches!(w[1].as_str(), "request" | "authenticate")
    }) || segs.last().is_some_and(|x| x == "authenticate")
    {
        return Some("login / token issuing");
    }
    for seg in path.split('/') {
        let s = seg.to_ascii_lowercase();
        if s.starts_with(".well-known") {
            return Some("public key discovery");
        }
        if let Some((_, why)) = PUBLIC_KINDS
            .iter()
            .find(|(segs, _)| segs.contains(&s.as_str()))
        {
            return Some(why);
        }
        if PUBLIC_PARTS.iter().any(|p| s.contains(p)) {
            return Some("password reset / account recovery");
        }
        let words: Vec<&str> = s.split(['-', '_', '.']).collect();
        // `ui_version`, `api-status`: a health word as the last word of a compound segment.
        if words.len() > 1
            && words.last().is_some_and(|w| {
                matches!(
                    *w,
                    "health" | "healthz" | "status" | "version" | "ping" | "heartbeat"
                )
            })
        {
            return Some("health/status probe");
        }
        if words.iter().any(|w| {
            matches!(
                *w,
                "login" | "signin" | "logout" | "signup" | "oauth" | "oauth2" | "sso"
            )
        }) {
            return Some("login / token issuing");
        }
        if words.contains(&"token")
            && words.iter().any(|w| {
                matches!(
                    *w,
                    "refresh" | "request" | "verify" | "access" | "magic" | "reset" | "obtain"
                )
            })
            || s == "magic-link"
            || s == "magic_link"
        {
            return Some("login / token issuing");
        }
        // `send-verification-email`, `resend_verify_email`: a verification e-mail's steps.
        if words.contains(&"email")
            && words
                .iter()
                .any(|w| matches!(*w, "verification" | "verify" | "confirmation"))
        {
            return Some("email / account verification");
        }
        if words.iter().any(|w| matches!(*w, "regist" | "captcha")) {
            return Some("registration / captcha");
        }
        if words.contains(&"public") {
            return Some("a path marked public");
        }
        if words.iter().any(|w| matches!(*w, "webhook" | "webhooks")) {
            return Some("webhook (authenticated by the sender's signature, not a user token)");
        }
        if [
            ".js",
            ".css",
            ".webmanifest",
            ".png",
            ".svg",
            ".ico",
            ".txt",
            ".map",
            ".html",
        ]
        .iter()
        .any(|x| s.ends_with(x))
            && (!s.starts_with('{') || s.contains("}."))
        {
            return Some("static asset / manifest");
        }
    }
    None
}

/// Why a decode call accepts forged tokens, if it does.
fn forgeable_decode(dc: &jwtward_scan::DecodeCall<'_>) -> Option<String> {
    use jwtward_scan::{Algorithms, Check, DecodeKind};
    match dc.kind {
        DecodeKind::UnverifiedHeader => return None,
        DecodeKind::UnverifiedClaims => {
            return Some(format!(
                "{} reads the claims without verifying the signature",
                dc.callee
            ));
        }
        _ => {}
    }
    if matches!(dc.signature, Check::Off(_) | Check::Never) {
        return Some(format!("{} does not verify the signature", dc.callee));
    }
    if let Algorithms::List(l) = &dc.algorithms
        && l.iter().any(|(a, _)| a.eq_ignore_ascii_case("none"))
    {
        return Some(format!("{} accepts alg none", dc.callee));
    }
    let key = dc.key.as_ref()?;
    let (bytes, var, _) = key.value.secret_bytes()?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("PUBLIC KEY") || text.contains("BEGIN CERTIFICATE") || bytes.is_empty() {
        return None;
    }
    let shown: String = text.chars().take(24).collect();
    Some(match var {
        Some(v) => format!("verifies with the committed fallback \"{shown}\" of ${v}"),
        None => format!("verifies with the committed key \"{shown}\""),
    })
}

/// A function whose body (past its docstring) is a single `return` of a literal.
fn returns_constant(def: &ruff_python_ast::StmtFunctionDef, api_root: bool) -> bool {
    let body: Vec<&Stmt> = def
        .body
        .iter()
        .filter(|s| !matches!(s, Stmt::Expr(e) if e.value.is_string_literal_expr()))
        .collect();
    // A greeting, or, at the API root (`/api/v1`), a dict/list written out of literals only
    // (`{"name": "api", "v": 1}`). Under a resource path an inline list often stands for data
    // (a stub), so only a string counts there.
    if !api_root {
        return matches!(body.as_slice(), [Stmt::Return(r)]
            if r.value.as_deref().is_some_and(|e| matches!(e, Expr::StringLiteral(_))));
    }
    fn literal(e: &Expr) -> bool {
        match e {
            Expr::StringLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_) => true,
            Expr::Dict(d) => d
                .items
                .iter()
                .all(|i| i.key.as_ref().is_some_and(literal) && literal(&i.value)),
            Expr::List(l) => l.elts.iter().all(literal),
            Expr::Tuple(t) => t.elts.iter().all(literal),
            _ => false,
        }
    }
    matches!(body.as_slice(), [Stmt::Return(r)] if r.value.as_deref().is_some_and(literal))
}

/// The static segments of a path that name its resource family: the first one that is
/// not `api`, a version (`v1`, `2`) or a parameter.
/// Singular and plural name one family (`/tier/{name}` and `/tiers`, `/post` and `/posts`).
pub(crate) fn family(path: &str) -> &str {
    let f = path
        .split('/')
        .find(|s| {
            !s.is_empty()
                && !s.starts_with('{')
                && *s != "api"
                && !(s
                    .trim_start_matches(['v', 'V'])
                    .chars()
                    .all(|c| c.is_ascii_digit()))
        })
        .unwrap_or("");
    match f.strip_suffix('s') {
        Some(stem) if stem.len() >= 3 && !stem.ends_with('s') => stem,
        _ => f,
    }
}

/// A request path a route template serves: each `{param}` as `value`.
pub(crate) fn sample_path(template: &str, value: &str) -> String {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                value
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A dependency as written, and the function that decides when it is not the one named.
fn dep_label(d: &DepUse<'_>, f: Func<'_>) -> String {
    if d.text.contains(f.def.name.as_str()) {
        d.text.clone()
    } else {
        format!("{} (through {}())", d.text, f.display())
    }
}

/// True when every request path that `later` matches is matched by `earlier` too (path
/// templates, `{x}` one segment, `{x:path}` the rest).
pub(crate) fn path_covers(earlier: &str, later: &str) -> bool {
    let a: Vec<&str> = earlier.split('/').collect();
    let b: Vec<&str> = later.split('/').collect();
    for (k, sa) in a.iter().enumerate() {
        let is_param = sa.starts_with('{') && sa.ends_with('}');
        if is_param && sa.ends_with(":path}") {
            return b.len() > k && b[k..].iter().any(|s| !s.is_empty());
        }
        let Some(sb) = b.get(k) else { return false };
        if is_param {
            if sb.is_empty() {
                return false;
            }
            // `{x}` matches any one segment, but a later `{y:path}` matches more.
            if sb.ends_with(":path}") {
                return false;
            }
        } else if sa != sb {
            return false;
        }
    }
    a.len() == b.len()
}

/// True when the route at `a` is registered before the route at `b`: at the first place
/// their ways (includes, then the declaration) part, both positions are in one module and
/// `a`'s comes first.
pub(crate) fn registered_before(a: &[(ModuleId, u32)], b: &[(ModuleId, u32)]) -> bool {
    for (x, y) in a.iter().zip(b) {
        if x == y {
            continue;
        }
        return x.0 == y.0 && x.1 < y.1;
    }
    false
}

/// A path that looks sensitive (admin, debug, keys, users...).
pub(crate) fn is_sensitive(path: &str) -> bool {
    path.split('/')
        .any(|seg| SENSITIVE.contains(&seg.to_ascii_lowercase().as_str()))
}

impl<'m, 'p> Ctx<'m, 'p> {
    pub fn new(
        m: &'m Model<'p>,
        jwt: &'m jwtward_scan::JwtModel<'p>,
        settings: &'m crate::Settings,
    ) -> Self {
        let mut cx = Ctx {
            an: Analyzer::new(m, jwt, settings),
            routes: Vec::new(),
            mws: Vec::new(),
            auths: Vec::new(),
            class_memo: RefCell::new(HashMap::new()),
            gates_memo: RefCell::new(HashMap::new()),
            conditional: RefCell::new(HashMap::new()),
            conditional_fn: RefCell::new(HashMap::new()),
            cur_root: 0,
            cur_via: Vec::new(),
            cur_gate: None,
            cur_order: Vec::new(),
            shadowed_by: Vec::new(),
            shadows_guarded: Vec::new(),
            listed_public_memo: std::cell::OnceCell::new(),
            guard_fns: std::collections::HashSet::new(),
            dep_exempt_memo: RefCell::new(HashMap::new()),
            public_memo: RefCell::new(HashMap::new()),
        };
        cx.collect_routes();
        cx.collect_middleware();
        // `BaseHTTPMiddleware.dispatch` and `@app.middleware("http")` run for HTTP requests
        // only: a WebSocket connection meets pure ASGI middleware alone.
        for ri in 0..cx.routes.len() {
            if cx.routes[ri].kind != RouteKind::WebSocket {
                continue;
            }
            let mws = &cx.mws;
            let (asgi, http): (Vec<usize>, Vec<usize>) =
                cx.routes[ri].middleware.iter().partition(|&&w| {
                    mws[w]
                        .func
                        .is_none_or(|f| crate::flow::takes_asgi_send(f.def))
                });
            cx.routes[ri].middleware = asgi;
            cx.routes[ri].http_only_mw = http;
        }
        let mut guards = std::collections::HashSet::new();
        for r in &cx.routes {
            for (d, _) in &r.deps {
                if let DepTarget::Func(f) = &d.target
                    && matches!(cx.classify(d), DepClass::Protected)
                {
                    guards.insert(f.def as *const ruff_python_ast::StmtFunctionDef as usize);
                    // The check a guard returns through (`get_api_client` is `return
                    // api_auth(api_key, db)`): a handler calling it in its body is guarded
                    // the same way.
                    for st in &f.def.body {
                        let Stmt::Return(r) = st else { continue };
                        let v = match r.value.as_deref() {
                            Some(Expr::Await(a)) => &*a.value,
                            Some(v) => v,
                            None => continue,
                        };
                        if let Expr::Call(c) = v
                            && let Some(g) = cx.an.callee(*f, &c.func)
                            && cx.an.summary(g).raises
                            && cx.an.rejects_credentials(g)
                        {
                            guards
                                .insert(g.def as *const ruff_python_ast::StmtFunctionDef as usize);
                        }
                    }
                }
            }
        }
        cx.guard_fns = guards;
        let auths: Vec<RouteAuthInfo<'p>> =
            (0..cx.routes.len()).map(|i| cx.route_auth(i)).collect();
        cx.auths = auths;
        // A public read next to protected writes on the same path is public by design.
        let public_reads: Vec<usize> = (0..cx.routes.len())
            .filter(|&i| {
                let a = &cx.auths[i];
                // No guard at all, or only a middleware that lets anonymous requests on.
                (a.auth == Auth::None || a.auth == Auth::FailOpen && a.weak.is_empty())
                    && is_read(&cx.routes[i].methods)
            })
            .filter(|&i| {
                let r = &cx.routes[i];
                let same_path = (0..cx.routes.len()).any(|j| {
                    cx.routes[j].root == r.root
                        && cx.routes[j].path == r.path
                        && !is_read(&cx.routes[j].methods)
                        && cx.auths[j].auth == Auth::Protected
                });
                // A catalogue: the family's protected routes are all writes.
                let fam = family(&r.path);
                let family_protected: Vec<usize> = (0..cx.routes.len())
                    .filter(|&j| {
                        j != i
                            && cx.routes[j].root == r.root
                            && cx.auths[j].auth == Auth::Protected
                            && !fam.is_empty()
                            && family(&cx.routes[j].path) == fam
                    })
                    .collect();
                // ... or an admin-curated one: every protected route of the family, reads
                // included (the subscriber list of a newsletter), takes an administrator's
                // guard, and this read takes none: what the admins publish for everyone.
                let admin_only = |j: usize| {
                    cx.auths[j].protected_by.as_deref().is_some_and(|b| {
                        let b = b.to_ascii_lowercase();
                        ["admin", "superuser", "super_user"]
                            .iter()
                            .any(|w| b.contains(w))
                    })
                };
                !cx.not_a_catalogue(i)
                    && (same_path
                        || !family_protected.is_empty()
                            && (family_protected
                                .iter()
                                .all(|&j| !is_read(&cx.routes[j].methods))
                                || !is_sensitive(&r.path)
                                    && family_protected.iter().all(|&j| admin_only(j))))
            })
            .collect();
        for i in public_reads {
            cx.auths[i].auth = Auth::PublicByDesign;
        }
        // A step of the sign-in flow (login, token refresh, password reset, OAuth authorize,
        // the token endpoint) rejects callers without the flow's own credential: a password,
        // a refresh or reset token, a client secret. That check is the flow, not a guard of
        // the route: the route is public by design when no route outside the sign-in flow
        // takes the same guard (a logout behind the app's `get_current_user` stays
        // protected).
        // Logging out needs the session being ended: its guard is the app's, not the flow's.
        let flow: Vec<Option<String>> = (0..cx.routes.len())
            .map(|i| {
                let p = cx.routes[i].path.to_ascii_lowercase();
                if ["logout", "signout", "sign-out", "sign_out", "log-out"]
                    .iter()
                    .any(|w| p.contains(w))
                {
                    return None;
                }
                cx.public_reason(i).filter(|w| is_flow_reason(w))
            })
            .collect();
        let flow_own: Vec<usize> = (0..cx.routes.len())
            .filter(|&i| {
                let a = &cx.auths[i];
                a.auth == Auth::Protected
                    && flow[i].is_some()
                    && a.protected_by.as_deref().is_some_and(|by| {
                        !(0..cx.routes.len()).any(|j| {
                            j != i
                                && flow[j].is_none()
                                && cx.auths[j]
                                    .protected_by
                                    .as_deref()
                                    .is_some_and(|b| guard_key(b) == guard_key(by))
                        })
                    })
            })
            .collect();
        for i in flow_own {
            let by = cx.auths[i].protected_by.clone().unwrap_or_default();
            cx.auths[i].auth = Auth::PublicByDesign;
            cx.auths[i].flow_check = Some(by);
        }
        cx.apply_first_match();
        cx
    }

    /// A read that the catalogue recognisers ("public reads beside protected writes") must
    /// not make public: the users family (one user's record is another's personal data), or
    /// a family of per-user records with no consistent guard: a protected route of the family
    /// hands the caller's identity on to its store (`create(db, region, current_user.id)`),
    /// so the records belong to users, and some unguarded route writes to the family, so
    /// its open reads show no design, only guards left out.
    pub(crate) fn not_a_catalogue(&self, ri: usize) -> bool {
        let r = &self.routes[ri];
        let fam = family(&r.path);
        if matches!(fam, "user" | "account" | "profile" | "member") {
            return true;
        }
        let in_family = |j: usize| {
            j != ri && self.routes[j].root == r.root && family(&self.routes[j].path) == fam
        };
        let open_write = (0..self.routes.len()).any(|j| {
            in_family(j)
                && !is_read(&self.routes[j].methods)
                && self.auths[j].auth == Auth::None
                && self.public_reason(j).is_none()
        });
        open_write
            && (0..self.routes.len()).any(|j| {
                in_family(j) && self.auths[j].auth == Auth::Protected && self.uses_identity(j)
            })
    }

    /// The handler of route `ri` uses the identity its authentication dependency hands it
    /// (the parameter appears in its body), not only the guard.
    fn uses_identity(&self, ri: usize) -> bool {
        let r = &self.routes[ri];
        let Some(h) = r.handler else { return false };
        let md = self.an.m.ix.module(h.mid);
        r.deps.iter().any(|(d, level)| {
            *level == Level::Parameter
                && d.param.as_ref().is_some_and(|p| {
                    self.classify(d).is_auth()
                        && h.def.body.iter().any(|st| {
                            md.slice(st.range())
                                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                                .any(|w| w == p)
                        })
                })
        })
    }

    /// The exemption of guard `f` (an app- or router-level dependency) that lets `path`
    /// through, if one does: an early bare `return` under a test on the request path.
    fn dep_exemption(&self, f: Func<'p>, path: &str) -> Option<crate::exempt::Exemption> {
        let key = f.def as *const ruff_python_ast::StmtFunctionDef as usize;
        let ex = {
            let mut memo = self.dep_exempt_memo.borrow_mut();
            memo.entry(key)
                .or_insert_with(|| {
                    crate::exempt::Reader::new(self.an.m, f, &[]).dependency_exemptions()
                })
                .clone()
        };
        let samples = [sample_path(path, "x"), sample_path(path, "q7")];
        ex.into_iter()
            .find(|e| e.test.matches(path) || samples.iter().all(|s| e.test.matches(s)))
    }

    /// A guard (a function some route takes as its authenticating dependency) that `h` calls
    /// as a statement of its own body, `try` and `with` blocks included: its name.
    fn awaited_guard(&self, h: Func<'p>) -> Option<String> {
        if self.guard_fns.is_empty() {
            return None;
        }
        fn flat<'s>(body: &'s [Stmt], out: &mut Vec<&'s Stmt>) {
            for s in body {
                match s {
                    Stmt::Try(t) => {
                        flat(&t.body, out);
                        for hd in &t.handlers {
                            let ruff_python_ast::ExceptHandler::ExceptHandler(hd) = hd;
                            flat(&hd.body, out);
                        }
                    }
                    Stmt::With(w) => flat(&w.body, out),
                    s => out.push(s),
                }
            }
        }
        let mut stmts = Vec::new();
        flat(&h.def.body, &mut stmts);
        stmts.iter().find_map(|st| {
            // `await require_access(...)`, or `client = api_auth(api_key, db)`.
            let value = match st {
                Stmt::Expr(e) => &*e.value,
                Stmt::Assign(a) => &*a.value,
                _ => return None,
            };
            let call = match value {
                Expr::Await(a) => &*a.value,
                v => v,
            };
            let Expr::Call(c) = call else { return None };
            let g = self.an.callee(h, &c.func)?;
            self.guard_fns
                .contains(&(g.def as *const ruff_python_ast::StmtFunctionDef as usize))
                .then(|| g.def.name.to_string())
        })
    }

    /// `a` and `b` are registered in different branches of one `if`/`else` (`if
    /// NO_AUTH_METRICS: @router.get("/processing") ... else: @router.get("/processing")`):
    /// only one of them exists in a run, neither shadows the other.
    pub(crate) fn alternative_branches(&self, mid: ModuleId, a: TextRange, b: TextRange) -> bool {
        let md = self.an.m.ix.module(mid);
        let mut found = false;
        crate::model::for_each_stmt(&md.ast().body, None, &mut |st, _| {
            let Stmt::If(i) = st else { return };
            if i.elif_else_clauses.is_empty() || found {
                return;
            }
            let branch_of = |r: TextRange| -> Option<usize> {
                if i.body.iter().any(|s| s.range().contains_range(r)) {
                    return Some(0);
                }
                i.elif_else_clauses
                    .iter()
                    .position(|c| c.body.iter().any(|s| s.range().contains_range(r)))
                    .map(|k| k + 1)
            };
            if let (Some(x), Some(y)) = (branch_of(a), branch_of(b))
                && x != y
            {
                found = true;
            }
        });
        found
    }

    /// FastAPI's first-match semantics: a route whose method and every path are answered by
    /// a route registered before it in the same app never runs; it gets the authentication
    /// of the route that does.
    fn apply_first_match(&mut self) {
        let n = self.routes.len();
        self.shadowed_by = vec![None; n];
        self.shadows_guarded = vec![None; n];
        for j in 0..n {
            let shadow = (0..n).find(|&i| {
                i != j && {
                    let (a, b) = (&self.routes[i], &self.routes[j]);
                    a.root == b.root
                        && a.app == b.app
                        && a.mounts == b.mounts
                        && (a.kind == RouteKind::WebSocket) == (b.kind == RouteKind::WebSocket)
                        && b.methods.iter().all(|m| a.methods.contains(m))
                        && path_covers(&a.path, &b.path)
                        && registered_before(&a.order, &b.order)
                        && !(a.mid == b.mid && self.alternative_branches(a.mid, a.range, b.range))
                }
            });
            self.shadowed_by[j] = shadow;
        }
        for j in 0..n {
            let Some(i) = self.shadowed_by[j] else {
                continue;
            };
            if self.auths[j].auth == Auth::Protected
                && self.auths[i].auth != Auth::Protected
                && self.shadows_guarded[i].is_none()
            {
                let by = self.auths[j].protected_by.clone().unwrap_or_default();
                self.shadows_guarded[i] = Some((j, by));
            }
            let (auth, by) = (self.auths[i].auth, self.auths[i].protected_by.clone());
            self.auths[j].auth = auth;
            self.auths[j].protected_by = by;
        }
    }

    pub fn m(&self) -> &'m Model<'p> {
        self.an.m
    }

    /// The source of a function (a handler), lower-cased, for the recognisers that read it.
    pub(crate) fn func_text_lower(&self, f: Func<'p>) -> String {
        self.an
            .m
            .ix
            .module(f.mid)
            .slice(f.def.range())
            .to_ascii_lowercase()
    }

    /// Summarises every function and method of a module (robustness runs).
    pub fn summarize_module(&self, mid: ModuleId) -> usize {
        fn walk<'p>(
            cx: &Ctx<'_, 'p>,
            mid: ModuleId,
            body: &'p [Stmt],
            class: Option<&'p ruff_python_ast::StmtClassDef>,
        ) -> usize {
            let mut n = 0;
            for s in body {
                match s {
                    Stmt::FunctionDef(def) => {
                        let f = Func {
                            mid,
                            def,
                            class,
                            bound: None,
                        };
                        let _ = cx.an.summary(f);
                        n += 1 + walk(cx, mid, &def.body, None);
                    }
                    Stmt::ClassDef(c) => n += walk(cx, mid, &c.body, Some(c)),
                    _ => {}
                }
            }
            n
        }
        walk(self, mid, &self.an.m.ix.module(mid).ast().body, None)
    }

    fn collect_routes(&mut self) {
        let m = self.an.m;
        // Apps and routers built in test code (a hand-made app of a unit test) serve nothing
        // in production: their routes are left out, and a router only they include is taken
        // as no app's.
        let test_obj = |o: &crate::model::Obj<'_>| {
            !self.an.settings.include_test_code && m.ix.module(o.mid).is_test
        };
        let mut included = vec![false; m.objs.len()];
        for o in m.objs.iter().filter(|o| !test_obj(o)) {
            for i in &o.includes {
                included[i.router] = true;
            }
            for mt in &o.mounts {
                included[mt.app] = true;
            }
        }
        for (id, o) in m.objs.iter().enumerate() {
            if included[id] || test_obj(o) {
                continue;
            }
            self.cur_root = id;
            match o.kind {
                ObjKind::App => self.walk_app(id, "", Vec::new(), Vec::new(), 0),
                // A router no app includes (a library, or an app outside the scan): its own
                // prefix and dependencies only.
                ObjKind::Router => {
                    if !o.routes.is_empty() || !o.includes.is_empty() {
                        self.walk_router(id, "", Vec::new(), id, Vec::new(), Vec::new(), 0)
                    }
                }
            }
        }
    }

    fn walk_app(
        &mut self,
        app: usize,
        prefix: &str,
        mw: Vec<usize>,
        mounts: Vec<(usize, usize)>,
        depth: u32,
    ) {
        if depth > 12 {
            return;
        }
        let m = self.an.m;
        let o = &m.objs[app];
        let mut mw = mw;
        for i in 0..o.middleware.len() {
            mw.push(self.mw_index(app, i));
        }
        let app_deps: Vec<(DepUse<'p>, Level)> =
            o.deps.iter().map(|d| (d.clone(), Level::App)).collect();
        self.walk_router(
            app,
            prefix,
            app_deps,
            app,
            mw.clone(),
            mounts.clone(),
            depth,
        );
        for (i, mt) in o.mounts.iter().enumerate() {
            let mut chain = mounts.clone();
            chain.push((app, i));
            self.walk_app(
                mt.app,
                &join_path(prefix, &mt.path),
                mw.clone(),
                chain,
                depth + 1,
            );
        }
    }

    fn mw_index(&mut self, obj: usize, idx: usize) -> usize {
        if let Some(i) = self.mws.iter().position(|w| w.obj == obj && w.idx == idx) {
            return i;
        }
        self.mws.push(MwInfo {
            obj,
            idx,
            func: self.an.m.objs[obj].middleware[idx].func,
            is_auth: false,
            is_rate_limit: false,
            fail_open: Vec::new(),
            exempt: Vec::new(),
            exempt_at: None,
            state_attrs: Vec::new(),
            reg_gate: None,
            config_pass: None,
        });
        self.mws.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_router(
        &mut self,
        obj: usize,
        prefix: &str,
        deps: Vec<(DepUse<'p>, Level)>,
        app: usize,
        mw: Vec<usize>,
        mounts: Vec<(usize, usize)>,
        depth: u32,
    ) {
        if depth > 12 {
            return;
        }
        let m = self.an.m;
        let o = &m.objs[obj];
        let prefix = join_path(prefix, &o.prefix);
        let prefix = if prefix == "/" { String::new() } else { prefix };
        let mut deps = deps;
        if o.kind == ObjKind::Router {
            deps.extend(o.deps.iter().map(|d| (d.clone(), Level::Router)));
        }
        self.cur_via.push((obj, prefix.clone()));
        for r in &o.routes {
            // A test that adds routes to an app built by production code (`server_app =
            // OpalServer(...).app; @server_app.get("/fetchable_data")`) changes its own copy.
            // A router a test module creates and production includes is served, routes and all.
            if !self.an.settings.include_test_code
                && m.ix.module(r.mid).is_test
                && !m.ix.module(o.mid).is_test
            {
                continue;
            }
            let mut rd: Vec<(DepUse<'p>, Level)> = if r.kind == RouteKind::Starlette {
                Vec::new()
            } else {
                deps.clone()
            };
            if r.kind != RouteKind::Starlette {
                rd.extend(r.deps.iter().map(|d| (d.clone(), Level::Decorator)));
                if let Some(h) = r.handler {
                    for p in self.an.params(h).iter() {
                        if let Some(d) = &p.dep {
                            rd.push((d.clone(), Level::Parameter));
                        }
                    }
                    // A class-based view (`@controller(router)` / `@cbv(router)` class whose
                    // methods are the routes): its class-level `user: User =
                    // Depends(get_current_user)` attributes are injected into every route.
                    rd.extend(
                        m.class_view_deps(h.def)
                            .into_iter()
                            .map(|d| (d, Level::Parameter)),
                    );
                }
            }
            let path = join_path(&prefix, &r.path);
            let mut order = self.cur_order.clone();
            order.push((r.mid, u32::from(r.range.start())));
            self.routes.push(FullRoute {
                order,
                methods: r.methods.clone(),
                path,
                kind: r.kind,
                handler: r.handler,
                mid: r.mid,
                range: r.range,
                decl_obj: obj,
                app,
                root: self.cur_root,
                deps: rd,
                middleware: mw.clone(),
                mounts: mounts.clone(),
                via: self.cur_via.clone(),
                decorators: r.decorators,
                gate: self.cur_gate.clone(),
                handler_gate: r.handler_gate.clone(),
                http_only_mw: Vec::new(),
            });
        }
        for inc in &o.includes {
            let mut d = deps.clone();
            d.extend(inc.deps.iter().map(|x| (x.clone(), Level::Include)));
            let saved = self.cur_gate.clone();
            if self.cur_gate.is_none() {
                self.cur_gate = inc.gate.clone();
            }
            self.cur_order.push((inc.mid, u32::from(inc.range.start())));
            self.walk_router(
                inc.router,
                &join_path(&prefix, &inc.prefix),
                d,
                app,
                mw.clone(),
                mounts.clone(),
                depth + 1,
            );
            self.cur_gate = saved;
            self.cur_order.pop();
        }
        self.cur_via.pop();
    }

    /// `f` returns a 401/403 response somewhere, built in place or by a helper
    /// (`return deny("missing token")`).
    fn returns_denial(&self, f: Func<'p>) -> bool {
        let mentions = |t: &str| {
            ["401", "403", "HTTP_401", "HTTP_403"]
                .iter()
                .any(|w| t.contains(w))
        };
        let md = self.an.m.ix.module(f.mid);
        let mut found = false;
        crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, scope| {
            let Stmt::Return(r) = st else { return };
            if found || !scope.is_some_and(|d| std::ptr::eq(d, f.def)) {
                return;
            }
            let v = match r.value.as_deref() {
                Some(Expr::Await(a)) => &*a.value,
                Some(v) => v,
                None => return,
            };
            let Expr::Call(c) = v else { return };
            found = mentions(md.slice(c.range()))
                || self
                    .an
                    .callee(f, &c.func)
                    .is_some_and(|g| mentions(self.an.m.ix.module(g.mid).slice(g.def.range())));
        });
        found
    }

    /// `f` is a pure ASGI callable (`async def __call__(self, scope, receive, send)`) and one of
    /// its statements answers 401/403 (see [`Analyzer::asgi_refusal`]).
    fn asgi_refuses(&self, f: Func<'p>) -> bool {
        if !crate::flow::takes_asgi_send(f.def) {
            return false;
        }
        let mut found = false;
        crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, scope| {
            if !found
                && scope.is_some_and(|d| std::ptr::eq(d, f.def))
                && let Stmt::Expr(e) = st
            {
                found = self.an.asgi_refusal(f, &e.value, true);
            }
        });
        found
    }

    /// Every `if` of `f`'s body (at any depth) that refuses (raises, or returns a 401/403)
    /// tests a CSRF check (`not check_csrf(request)`, `"x-csrf-token" not in headers`), and
    /// there is one.
    fn refuses_only_under_csrf_tests(&self, f: Func<'p>) -> bool {
        let md = self.an.m.ix.module(f.mid);
        let mut refusals = 0;
        let mut csrf = 0;
        crate::model::for_each_stmt(&f.def.body, None, &mut |st, _| {
            if let Stmt::If(i) = st {
                let body: String = i
                    .body
                    .iter()
                    .map(|b| md.slice(b.range()))
                    .collect::<Vec<_>>()
                    .join("\n");
                if crate::defaults::is_denial_text(&body) {
                    refusals += 1;
                    if crate::flow::non_identity_purpose(md.slice(i.test.range()))
                        == Some("a CSRF token")
                    {
                        csrf += 1;
                    }
                }
            }
        });
        refusals > 0 && csrf == refusals
    }

    fn collect_middleware(&mut self) {
        for i in 0..self.mws.len() {
            let Some(f) = self.mws[i].func else {
                let name = &self.an.m.objs[self.mws[i].obj].middleware[self.mws[i].idx].name;
                self.mws[i].is_rate_limit = is_rate_limit_name(name);
                continue;
            };
            let s = self.an.summary(f);
            let reads_auth_header = s.sources.iter().any(|t| {
                t.kind == SourceKind::Header && t.is_token_like() || t.kind == SourceKind::Cookie
            });
            let name = &self.an.m.objs[self.mws[i].obj].middleware[self.mws[i].idx].name;
            self.mws[i].is_rate_limit = is_rate_limit_name(name);
            // A middleware that reads only request values no credential travels in (an
            // `x-project-name` header) and answers 403 for a bad one checks that value, not
            // who is calling.
            let reads_only_other_values = !s.sources.is_empty()
                && s.sources.iter().all(|t| {
                    let n = t.name.to_ascii_lowercase();
                    !t.is_token_like()
                        && ![
                            "auth",
                            "key",
                            "secret",
                            "session",
                            "credential",
                            "pass",
                            "user",
                            "sign",
                            "cookie",
                            "bearer",
                        ]
                        .iter()
                        .any(|w| n.contains(w))
                });
            // A pure ASGI middleware refuses by sending a 401/403 itself; that is a credential
            // check when it decodes, verifies or reads a credential (an API-version gate that
            // answers 404 is not).
            let asgi_refuses = self.asgi_refuses(f)
                && (s.decodes.is_some()
                    || s.verifies.is_some()
                    || reads_auth_header
                    || crate::defaults::mentions_credential(
                        self.an.m.ix.module(f.mid).slice(f.def.range()),
                    ));
            let rejects =
                (self.an.rejects_credentials(f) || asgi_refuses) && !reads_only_other_values;
            // A middleware that reads or decodes the token but can never turn a request
            // away (no raise, no 401/403, no path that serves without the identity) only
            // looks at it: tenant context, logging.
            // A middleware that never refuses counts only when it hands an identity on
            // (`request.state.user = ...`): then its pass-through is fail-open. One that only
            // sets context (tenant, admin scope, trace ids) is not authentication.
            let hands_identity = !state_attrs(&f.def.body).is_empty() || {
                let t = self.an.m.ix.module(f.mid).slice(f.def.range());
                sets_scope_identity(t)
            };
            let can_deny = rejects
                || asgi_refuses
                || s.raises
                || (!s.fail_open.is_empty() && hands_identity)
                || self.returns_denial(f);
            // A CSRF defence refuses cross-site requests, not anonymous ones: a middleware
            // named for it (`CsrfOriginMiddleware`), or one whose every refusal sits under a
            // CSRF test (`if not check_csrf(request): return JSONResponse(status_code=401)`),
            // lets a request without any credential through.
            let csrf_only = self.is_csrf_middleware(i) || self.refuses_only_under_csrf_tests(f);
            // An address filter (`if not self._is_ip_allowed(request.client.host): return
            // PlainTextResponse(status_code=403)`) refuses by network origin, not by a
            // credential: a caller from an allowed address needs none.
            let ip_filter = {
                self.refuses_by_address(f)
                    && s.decodes.is_none()
                    && s.verifies.is_none()
                    && !reads_auth_header
            };
            let csrf_only = csrf_only || ip_filter;
            self.mws[i].is_auth = !csrf_only
                && (s.decodes.is_some() || s.verifies.is_some() || reads_auth_header || rejects)
                && can_deny;
            if self.mws[i].is_auth {
                let decl = &self.an.m.objs[self.mws[i].obj].middleware[self.mws[i].idx];
                self.mws[i].reg_gate =
                    crate::defaults::registration_gate(self.an.m, decl.mid, decl.range);
                self.mws[i].state_attrs = state_attrs(&f.def.body);
                self.mws[i].fail_open = s.fail_open.clone();
                // Every refusal sits under a test that the request carries a token
                // (`if token and not exempt: ... return deny`): a request without one is
                // passed on untouched.
                // Starlette's AuthenticationMiddleware refuses only when the backend raises
                // `AuthenticationError`; a request without credentials goes on as anonymous
                // (`None` or an `UnauthenticatedUser`), by design.
                if self.mws[i].fail_open.is_empty()
                    && decl.name.ends_with("AuthenticationMiddleware")
                {
                    let at = decl.range;
                    let mid = decl.mid;
                    self.mws[i].fail_open.push(Point {
                        mid,
                        range: at,
                        trace: vec![self.an.step(
                            mid,
                            at,
                            "AuthenticationMiddleware lets a request without credentials through as anonymous",
                        )],
                    });
                }
                if self.mws[i].fail_open.is_empty()
                    && let Some(at) =
                        token_gated_refusals(&f.def.body, &|e| self.an.asgi_refusal(f, e, false))
                {
                    self.mws[i].fail_open.push(Point {
                        mid: f.mid,
                        range: at,
                        trace: vec![self.an.step(
                            f.mid,
                            at,
                            "refuses only requests that carry a token: one without a token is passed on",
                        )],
                    });
                }
                self.mws[i].config_pass = config_pass(self.an.m.ix.module(f.mid), &f.def.body);
                let kwargs = &self.an.m.objs[self.mws[i].obj].middleware[self.mws[i].idx].kwargs;
                let ex = crate::exempt::Reader::new(self.an.m, f, kwargs).exemptions();
                self.mws[i].exempt_at = ex.first().map(|e| e.range);
                self.mws[i].exempt = ex;
            }
        }
    }

    /// Middleware `w` is a CSRF defence: named for CSRF (`CsrfOriginMiddleware`), or its
    /// function or class is.
    pub(crate) fn is_csrf_middleware(&self, w: usize) -> bool {
        let mw = &self.mws[w];
        let name = &self.an.m.objs[mw.obj].middleware[mw.idx].name;
        let class = mw.func.and_then(|f| f.class).map(|c| c.name.as_str());
        let func = mw.func.map(|f| f.def.name.as_str());
        [Some(name.as_str()), class, func]
            .into_iter()
            .flatten()
            .any(|n| crate::flow::non_identity_purpose(&snake_case(n)) == Some("a CSRF token"))
    }

    /// True when the dependency is one of the configured `auth-dependencies`: by the name
    /// it is spelled with at the use, the definition it resolves to, or (for names the
    /// model cannot resolve) the name as written.
    pub fn is_configured_auth_dep(&self, d: &DepUse<'p>) -> bool {
        let names = &self.an.settings.auth_dependencies;
        if names.is_empty() {
            return false;
        }
        let mut cands: Vec<String> = d.spelled.iter().cloned().collect();
        match &d.target {
            DepTarget::External(q) => cands.push(q.clone()),
            DepTarget::Func(f) => {
                let module = &self.an.m.ix.module(f.mid).name;
                cands.push(match f.class {
                    Some(c) => format!("{module}.{}", c.name.as_str()),
                    None => format!("{module}.{}", f.def.name.as_str()),
                });
            }
            DepTarget::Unknown(t) => cands.extend(
                t.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            ),
            DepTarget::Scheme(_) => {}
        }
        names
            .iter()
            .any(|n| cands.iter().any(|c| crate::name_matches(n, c)))
    }

    /// What a dependency use does for authentication (memoised on its target).
    pub fn classify(&self, d: &DepUse<'p>) -> DepClass {
        // The configuration says it raises when the token is missing or invalid.
        if self.is_configured_auth_dep(d) {
            return DepClass::Protected;
        }
        let key = match &d.target {
            DepTarget::Func(f) => format!("f{:?}", f.key()),
            DepTarget::Scheme(s) => format!("s{s}"),
            DepTarget::External(q) => format!("e{q}"),
            DepTarget::Unknown(t) => format!("u{t}"),
        };
        let memo = self.class_memo.borrow().get(&key).cloned();
        let c = match memo {
            Some(c) => c,
            None => {
                // A provisional answer breaks cycles of dependencies depending on each other.
                self.class_memo
                    .borrow_mut()
                    .insert(key.clone(), DepClass::Other);
                let c = self.classify_uncached(d);
                self.class_memo.borrow_mut().insert(key, c.clone());
                c
            }
        };
        // A guard built on a sub-dependency that a setting switches off is switched off with
        // it (`require_listener_token(claims = Depends(authenticator))` when the
        // authenticator lets everyone in without a public key).
        if matches!(c, DepClass::Protected)
            && let DepTarget::Func(f) = &d.target
            && !self.conditional.borrow().contains_key(&d.text)
        {
            let own = self.conditional_fn.borrow().get(&f.key()).cloned();
            let inherited = own.or_else(|| {
                self.an
                    .params(*f)
                    .iter()
                    .filter_map(|p| p.dep.as_ref())
                    .find_map(|sd| {
                        let DepTarget::Func(g) = &sd.target else {
                            return None;
                        };
                        // A gate that keeps the check on by default is no switch.
                        if !matches!(self.classify(sd), DepClass::Protected)
                            || self.on_gate(*g).is_some()
                        {
                            return None;
                        }
                        self.conditional_fn.borrow().get(&g.key()).cloned()
                    })
            });
            if let Some(g) = inherited {
                self.conditional_fn.borrow_mut().insert(f.key(), g.clone());
                self.conditional.borrow_mut().insert(d.text.clone(), g);
            }
        }
        c
    }

    fn classify_uncached(&self, d: &DepUse<'p>) -> DepClass {
        match &d.target {
            DepTarget::Scheme(s) => {
                if self.an.m.schemes[*s].auto_error {
                    DepClass::Protected
                } else {
                    DepClass::Optional(*s)
                }
            }
            DepTarget::External(q) | DepTarget::Unknown(q) => {
                // fastapi-users' factory (`fastapi_users.current_user(active=True)`,
                // `authenticator.current_user(...)`): a dependency that raises 401/403
                // unless `optional=True`.
                if let Some((_, args)) = q.split_once(".current_user(") {
                    let compact: String = args.chars().filter(|c| !c.is_whitespace()).collect();
                    if !compact.contains("optional=True") {
                        return DepClass::Protected;
                    }
                }
                if is_rate_limit_name(q) {
                    DepClass::RateLimit
                } else {
                    DepClass::Other
                }
            }
            DepTarget::Func(f) => {
                let name = match f.class {
                    Some(c) => c.name.to_string(),
                    None => f.def.name.to_string(),
                };
                if is_rate_limit_name(&name) {
                    return DepClass::RateLimit;
                }
                // A CSRF check, an OAuth state or cursor check: it rejects with 403, but
                // nobody is identified (its request inputs are all of that purpose).
                if crate::flow::non_identity_purpose(&name).is_some()
                    && self.an.params(*f).iter().all(|p| {
                        p.dep.is_none()
                            && p.source.as_ref().is_none_or(|t| {
                                crate::flow::non_identity_purpose(&t.name).is_some()
                            })
                    })
                {
                    return DepClass::Other;
                }
                let s = self.an.summary(*f);
                let sub: Vec<DepClass> = self
                    .an
                    .params(*f)
                    .iter()
                    .filter_map(|p| p.dep.as_ref())
                    .map(|d| self.classify(d))
                    .collect();
                let is_auth = s.decodes.is_some()
                    || s.verifies.is_some()
                    || s.verifies_params
                        .iter()
                        .any(|(p, _)| crate::flow::is_token_name(p))
                    || s.sources.iter().any(|t| t.is_token_like())
                    || sub.iter().any(DepClass::is_auth)
                    // A name alone only counts for a dependency that can reject the request:
                    // `get_auth_service` returning a service object authenticates nothing.
                    || (is_auth_name(&name) && s.raises && !self.raises_only_server_errors(*f))
                    // Any credential check that rejects: an opaque session or API key
                    // looked up in a store, then 401/403.
                    || (s.raises && self.an.rejects_credentials(*f));
                if !is_auth || self.is_feature_switch(*f, &sub) {
                    return DepClass::Other;
                }
                // Every way `f` serves without an identity is under a test that the identity a
                // sub-dependency gave is missing, and that sub-dependency's check is on by
                // default (`if AUTH_DISABLED: return None`, off unless set): in the default
                // configuration it yields no None, and `f` is as protected as it is.
                if !s.fail_open.is_empty() && self.fail_open_only_from_on_gated(*f, &s.fail_open) {
                    return DepClass::Protected;
                }
                if !s.fail_open.is_empty()
                    && let Some(gate) = self.config_gate(*f, &s.fail_open)
                {
                    // Authentication switched off by a setting: it yields no identity only
                    // when the app is configured without login.
                    self.conditional_fn
                        .borrow_mut()
                        .insert(f.key(), gate.clone());
                    self.conditional.borrow_mut().insert(d.text.clone(), gate);
                    return DepClass::Protected;
                }
                if let Some(p) = s.fail_open.first() {
                    // Named optional (`optional_user`, `get_optional_login_session`): no
                    // identity is the design, the handler decides.
                    let lname = name.to_ascii_lowercase();
                    if ["optional", "maybe", "or_none", "if_present"]
                        .iter()
                        .any(|w| lname.contains(w))
                        && let Some(sc) = s.optional_uses.first().map(|(sc, _)| *sc).or_else(|| {
                            self.an.params(*f).iter().find_map(|p| match &p.dep {
                                Some(DepUse {
                                    target: DepTarget::Scheme(sc),
                                    ..
                                }) => Some(*sc),
                                _ => None,
                            })
                        })
                    {
                        return DepClass::Optional(sc);
                    }
                    if let Some((sc, _)) = s.optional_uses.first()
                        && s.decodes.is_none()
                        && !sub.iter().any(|c| matches!(c, DepClass::FailOpen(_)))
                    {
                        return DepClass::Optional(*sc);
                    }
                    return DepClass::FailOpen(p.clone());
                }
                // A wrapper that returns what a project function that rejects returns
                // (`return await _check_account_exists(r, token, usr)`) rejects too.
                let delegates_rejection = || {
                    f.def.body.iter().any(|st| {
                        let Stmt::Return(ret) = st else { return false };
                        let v = match ret.value.as_deref() {
                            Some(Expr::Await(a)) => &*a.value,
                            Some(v) => v,
                            None => return false,
                        };
                        let Expr::Call(c) = v else { return false };
                        self.an.callee(*f, &c.func).is_some_and(|g| {
                            let gs = self.an.summary(g);
                            gs.raises && gs.fail_open.is_empty()
                        })
                    })
                };
                if !s.raises
                    && !sub.iter().any(|c| matches!(c, DepClass::Protected))
                    && !delegates_rejection()
                    && let Some(sc) = sub.iter().find_map(|c| match c {
                        DepClass::Optional(s) => Some(*s),
                        _ => None,
                    })
                {
                    return DepClass::Optional(sc);
                }
                DepClass::Protected
            }
        }
    }

    /// The source of a websocket handler and of the project functions its body calls
    /// directly (`return await messages(websocket=websocket, ...)`): where the credential
    /// check and the `close()` of a delegating handler are.
    /// A WebSocket handler that authenticates in its prologue: before anything it serves,
    /// it passes one of its credential parameters (`apikey`, `token`) to a project function
    /// that rejects bad credentials (raises 401/403, or decodes and raises), either
    /// unguarded (its exception ends the connection) or in a `try` whose every `except`
    /// returns or raises; the statements before that call only talk to the socket (accept,
    /// send a message, return). Returning from a WebSocket handler ends the connection, so
    /// no path without valid credentials reaches the rest. The credential check, if so.
    fn ws_prologue_auth(&self, h: Func<'p>) -> Option<String> {
        let params = self.an.params(h);
        let creds: Vec<&str> = params
            .iter()
            .filter(|p| !p.is_request && p.dep.is_none())
            .map(|p| p.name.as_str())
            .filter(|n| {
                let l = n.to_ascii_lowercase();
                crate::flow::is_token_name(&l)
                    || ["key", "session", "auth"].iter().any(|w| l.contains(w))
            })
            .collect();
        if creds.is_empty() {
            return None;
        }
        // The credential check of a statement: a call of a rejecting project function on a
        // credential parameter, as the statement itself (`x = await check(...)`).
        let check_of = |st: &'p Stmt| -> Option<Func<'p>> {
            let v = match st {
                Stmt::Assign(a) => &*a.value,
                Stmt::AnnAssign(a) => a.value.as_deref()?,
                Stmt::Expr(e) => &*e.value,
                _ => return None,
            };
            let v = match v {
                Expr::Await(a) => &*a.value,
                v => v,
            };
            let Expr::Call(c) = v else { return None };
            let reads_cred = c
                .arguments
                .args
                .iter()
                .chain(c.arguments.keywords.iter().map(|k| &k.value))
                .any(|a| matches!(a, Expr::Name(n) if creds.contains(&n.id.as_str())));
            if !reads_cred {
                return None;
            }
            let g = self.an.callee(h, &c.func)?;
            let s = self.an.summary(g);
            let rejects = self.an.rejects_credentials(g) || (s.decodes.is_some() && s.raises);
            (rejects && s.fail_open.is_empty()).then_some(g)
        };
        let ends = |b: &[Stmt]| matches!(b.last(), Some(Stmt::Return(_) | Stmt::Raise(_)));
        // Only socket talk and logging before the check: no project call serves anything.
        let quiet = |st: &'p Stmt| {
            let mut calls = false;
            crate::model::for_each_stmt(std::slice::from_ref(st), Some(h.def), &mut |s2, _| {
                for e in crate::flow::stmt_exprs(s2) {
                    for c in crate::flow::calls_in_expr(e) {
                        if self.an.callee(h, &c.func).is_some() {
                            calls = true;
                        }
                    }
                }
            });
            !calls
        };
        for st in &h.def.body {
            if let Some(g) = check_of(st) {
                return Some(format!("{}()", g.display()));
            }
            if let Stmt::Try(t) = st
                && let Some(g) = t.body.iter().find_map(check_of)
            {
                let handlers_end = t.handlers.iter().all(|x| {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(x) = x;
                    ends(&x.body)
                });
                let before_quiet = t
                    .body
                    .iter()
                    .take_while(|s2| check_of(s2).is_none())
                    .all(quiet);
                if handlers_end && before_quiet && t.finalbody.is_empty() {
                    return Some(format!("{}()", g.display()));
                }
                return None;
            }
            if !quiet(st) {
                return None;
            }
        }
        None
    }

    fn ws_texts(&self, h: Func<'p>) -> Vec<&'p str> {
        let mut out = vec![self.an.m.ix.module(h.mid).slice(h.def.range())];
        for st in &h.def.body {
            let e = match st {
                Stmt::Expr(e) => &*e.value,
                Stmt::Return(r) => match &r.value {
                    Some(v) => &**v,
                    None => continue,
                },
                _ => continue,
            };
            let e = match e {
                Expr::Await(a) => &*a.value,
                e => e,
            };
            if let Expr::Call(c) = e
                && let Some(g) = self.an.callee(h, &c.func)
            {
                out.push(self.an.m.ix.module(g.mid).slice(g.def.range()));
            }
        }
        out
    }

    /// The configuration test under which every fail-open point of `f` yields no
    /// identity (`if not require_login(): return None`, `if not settings.AUTH_ENABLED:`),
    /// if they are all gated by one.
    /// `f` refuses by the caller's network address (`if request.client.host not in
    /// ("127.0.0.1", "::1"): raise HTTPException(403)`) and reads no credential.
    fn refuses_by_address(&self, f: Func<'p>) -> bool {
        let md = self.an.m.ix.module(f.mid);
        let t = md.slice(f.def.range());
        let l = t.to_ascii_lowercase();
        if !(l.contains(".client.host") || l.contains("remote_addr") || l.contains("client_ip"))
            || crate::defaults::mentions_credential(t)
        {
            return false;
        }
        // The address is what an `if` that refuses tests (not only a log line).
        let mut by_address = false;
        crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, _| {
            if let Stmt::If(i) = st {
                let test = md.slice(i.test.range()).to_ascii_lowercase();
                if [
                    ".client.host",
                    "client_ip",
                    "remote_addr",
                    "_ip_",
                    "localhost",
                    "127.0.0.1",
                ]
                .iter()
                .any(|w| test.contains(w))
                {
                    by_address = true;
                }
            }
        });
        by_address
    }

    /// Every error `f` raises is a server error (`raise HTTPException(500, "auth manager
    /// not initialised")` in a getter named for auth): it refuses no caller.
    fn raises_only_server_errors(&self, f: Func<'p>) -> bool {
        let t = self.an.m.ix.module(f.mid).slice(f.def.range());
        let server = ["status_code=500", "HTTP_500", "HTTPException(500", "(500,"]
            .iter()
            .any(|w| t.contains(w));
        server
            && !crate::flow::DENIAL_WORDS
                .iter()
                .any(|w| t.to_ascii_lowercase().contains(w))
    }

    /// `f` refuses only by the application's own state, never by who is calling: every `if`
    /// that raises tests a setting or `request.app.state` (`if request.app.state.read_only:
    /// raise HTTPException(403)`, `if not settings.agents_enabled: raise ...(404)`), and `f`
    /// reads no credential, identity or token (no header or cookie source, no decode, no
    /// authenticating sub-dependency, no `user`, `token`, `key` or `session` in its text). A
    /// feature switch, not authentication.
    fn is_feature_switch(&self, f: Func<'p>, sub: &[DepClass]) -> bool {
        let s = self.an.summary(f);
        if s.decodes.is_some()
            || s.verifies.is_some()
            || !s.sources.is_empty()
            || sub.iter().any(DepClass::is_auth)
        {
            return false;
        }
        let md = self.an.m.ix.module(f.mid);
        let text = md.slice(f.def.range()).to_ascii_lowercase();
        if crate::defaults::mentions_credential(&text)
            || ["user", "session", "principal", "identity", "role", "scope"]
                .iter()
                .any(|w| text.contains(w))
        {
            return false;
        }
        let mut refusals = 0;
        let mut by_state = 0;
        crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, _| {
            if let Stmt::If(i) = st
                && i.body.iter().any(|b| matches!(b, Stmt::Raise(_)))
            {
                refusals += 1;
                let t = md.slice(i.test.range()).to_ascii_lowercase();
                if t.contains(".app.state.")
                    || t.contains("settings")
                    || t.contains("config")
                    || t.contains("enabled")
                    || t.contains("read_only")
                {
                    by_state += 1;
                }
            }
        });
        refusals > 0 && by_state == refusals
    }

    /// Each of `points` lies under an `if` testing that a parameter is missing (`if user is
    /// None:`, `if not user:`) whose dependency protects (it yields None only after a secret
    /// the caller proved, or when a setting switches it off) and is on by default.
    fn fail_open_only_from_on_gated(&self, f: Func<'p>, points: &[crate::flow::Point]) -> bool {
        let gated: Vec<String> = self
            .an
            .params(f)
            .iter()
            .filter(|p| {
                matches!(&p.dep, Some(d @ DepUse { target: DepTarget::Func(g), .. })
                    if self.on_gate(*g).is_some() && matches!(self.classify(d), DepClass::Protected))
            })
            .map(|p| p.name.clone())
            .collect();
        if gated.is_empty() {
            return false;
        }
        let md = self.an.m.ix.module(f.mid);
        points.iter().all(|p| {
            let mut under = false;
            crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, _| {
                if let Stmt::If(i) = st
                    && i.body.iter().any(|b| b.range().contains_range(p.range))
                {
                    let t = md.slice(i.test.range());
                    under |= gated
                        .iter()
                        .any(|n| t == format!("{n} is None") || t == format!("not {n}"));
                }
            });
            under
        })
    }

    fn config_gate(&self, f: Func<'p>, points: &[crate::flow::Point]) -> Option<String> {
        let mut gate = None;
        for p in points {
            let mut found = None;
            let md = self.an.m.ix.module(f.mid);
            // `return verify_logged_in(self._verifier, token)`: the gate is in the helper
            // (`if not verifier.enabled: return {}`).
            let mut helper = None;
            crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, _| {
                if let Stmt::Return(r) = st
                    && r.range == p.range
                    && let Some(v) = r.value.as_deref()
                {
                    let v = match v {
                        Expr::Await(a) => &*a.value,
                        v => v,
                    };
                    if let Expr::Call(c) = v {
                        helper = self.an.callee(f, &c.func);
                    }
                }
            });
            if let Some(g) = helper
                && g.key() != f.key()
            {
                let gs = self.an.summary(g);
                if !gs.fail_open.is_empty()
                    && let Some(t) = self.config_gate(g, &gs.fail_open)
                {
                    gate = Some(t);
                    continue;
                }
            }
            crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, _| {
                if let Stmt::If(i) = st
                    && found.is_none()
                    && i.body.iter().any(|b| b.range().contains_range(p.range))
                {
                    let t = md.slice(i.test.range());
                    let l = t.to_ascii_lowercase();
                    if [
                        "settings.",
                        "config",
                        "environ",
                        "getenv",
                        "require_login",
                        "enabled",
                        "debug",
                        "disable",
                        "is_dev",
                        "testing",
                        "auth_required",
                        "login_required",
                    ]
                    .iter()
                    .any(|w| l.contains(w))
                    {
                        found = Some(t.to_string());
                    }
                }
            });
            gate = Some(found?);
        }
        gate
    }

    /// What `handler` does when `vars` are missing.
    pub fn identity_use(
        &self,
        handler: Func<'p>,
        vars: Vec<(String, Vec<TraceStep>)>,
    ) -> IdentityUse {
        let keys: Vec<String> = vars.iter().map(|(k, _)| k.clone()).collect();
        let s = self.an.interpret_with(handler, vars);
        let mut unchecked = false;
        for r in &s.returns {
            for (k, known, root) in &r.missing {
                let from_identity =
                    keys.contains(k) || root.as_ref().is_some_and(|r| keys.contains(r));
                if !from_identity {
                    continue;
                }
                match known {
                    Some(at) => return IdentityUse::ServesWhenMissing(*at),
                    None => unchecked = true,
                }
            }
        }
        if unchecked {
            IdentityUse::Unchecked
        } else {
            IdentityUse::Checked
        }
    }

    fn route_auth(&self, ri: usize) -> RouteAuthInfo<'p> {
        let r = &self.routes[ri];
        let mut info = RouteAuthInfo {
            auth: Auth::None,
            weak: Vec::new(),
            weak_mw: Vec::new(),
            exempted_by: None,
            exempt_exact: false,
            protected_by: None,
            optional_param: None,
            flow_check: None,
            dep_exempt: None,
            dep_exempt_by: None,
        };
        let mut protected = false;
        // Starlette's `@requires("authenticated")` (or any scope list) under the app's
        // AuthenticationMiddleware: a caller without those scopes gets 403 (or the redirect).
        if let Some(d) = r.decorators.iter().find(|d| {
            let call = match &d.expression {
                Expr::Call(c) => &*c.func,
                e => e,
            };
            matches!(self.an.m.ix.resolve_expr(r.mid, call), Some(crate::index::Sym::External(q)) if q.ends_with("authentication.requires"))
        }) {
            protected = true;
            let text = self.an.m.ix.module(r.mid).slice(d.expression.range()).to_string();
            info.protected_by.get_or_insert_with(|| format!("@{text}"));
        }
        let mut best_rank: Option<u8> = info.protected_by.as_ref().map(|_| 5);
        for (d, level) in &r.deps {
            let c = self.classify(d);
            match &c {
                // An app- or router-level guard that returns early for listed paths
                // (`if path in EXEMPT_PATHS: return`) does not guard those routes.
                DepClass::Protected
                    if matches!(level, Level::App | Level::Include | Level::Router)
                        && let DepTarget::Func(f) = &d.target
                        && let Some(e) = self.dep_exemption(*f, &r.path) =>
                {
                    if e.test.is_exact() {
                        info.dep_exempt.get_or_insert_with(|| d.text.clone());
                    } else {
                        info.dep_exempt_by
                            .get_or_insert_with(|| (d.text.clone(), e.text.clone()));
                    }
                }
                DepClass::Protected => {
                    protected = true;
                    // The most specific guard names the route's protection (a route's own
                    // dependency over the app's default one).
                    let rank = match level {
                        Level::App | Level::Middleware => 0,
                        Level::Include => 1,
                        Level::Router => 2,
                        Level::Decorator | Level::Nested => 3,
                        Level::Parameter => 4,
                    };
                    if best_rank.is_none_or(|b| rank > b) {
                        best_rank = Some(rank);
                        info.protected_by = Some(d.text.clone());
                    }
                }
                DepClass::FailOpen(_) | DepClass::Optional(_) => {
                    let use_ = match (&d.param, r.handler) {
                        (Some(p), Some(h)) if *level == Level::Parameter => {
                            let why = self.an.dep_nullable(d).map(|x| x.0).unwrap_or_default();
                            Some(self.identity_use(h, vec![(p.clone(), why)]))
                        }
                        _ => None,
                    };
                    if matches!(use_, Some(IdentityUse::Checked)) {
                        protected = true;
                        info.protected_by.get_or_insert_with(|| d.text.clone());
                    }
                    info.weak.push((d.clone(), *level, c.clone(), use_));
                }
                _ => {}
            }
        }
        for &w in &r.middleware {
            let mw = &self.mws[w];
            if !mw.is_auth {
                continue;
            }
            // The template itself, or the request paths it serves whatever the parameters
            // (`/public/{slug}` as `/public/x` and as `/public/q7`).
            let samples = [sample_path(&r.path, "x"), sample_path(&r.path, "q7")];
            let hit = mw
                .exempt
                .iter()
                .find(|e| e.test.matches(&r.path) || samples.iter().all(|s| e.test.matches(s)));
            let exempt = hit.is_some();
            if info.exempted_by.is_none()
                && hit.is_some_and(|e| e.test.is_exact() || e.test.lists_exactly(&r.path))
            {
                info.exempt_exact = true;
            }
            if exempt {
                info.exempted_by.get_or_insert(w);
                continue;
            }
            if mw.fail_open.is_empty() {
                protected = true;
                info.protected_by
                    .get_or_insert_with(|| self.an.m.objs[mw.obj].middleware[mw.idx].name.clone());
                continue;
            }
            let use_ = match r.handler {
                Some(h) => {
                    let req: Vec<String> = self
                        .an
                        .params(h)
                        .iter()
                        .filter(|p| p.is_request)
                        .flat_map(|p| {
                            let attrs = if mw.state_attrs.is_empty() {
                                vec!["user".to_string()]
                            } else {
                                mw.state_attrs.clone()
                            };
                            attrs
                                .into_iter()
                                .map(move |a| format!("{}.state.{a}", p.name))
                        })
                        .collect();
                    if req.is_empty() {
                        IdentityUse::Unchecked
                    } else {
                        self.identity_use(h, req.into_iter().map(|k| (k, Vec::new())).collect())
                    }
                }
                None => IdentityUse::Unchecked,
            };
            if matches!(use_, IdentityUse::Checked) {
                protected = true;
            }
            info.weak_mw.push((w, use_));
        }
        // A handler whose prologue checks a credential and rejects with 401/403 (an
        // API key or session looked up in a store) authenticates, unless the route is a
        // public-by-design one (a login form rejects bad passwords with 401 too).
        if !protected
            && info.weak.is_empty()
            && let Some(h) = r.handler
            && self.an.rejects_credentials(h)
            && !self.refuses_by_address(h)
            && !self.rejects_only_purpose_tokens(h)
            && !self.an.mints(h)
            && public_path_reason(&r.path).is_none()
        {
            protected = true;
            info.protected_by.get_or_insert_with(|| {
                format!("{}() (rejects with 401/403 itself)", h.def.name.as_str())
            });
        }
        // A handler that awaits, before it answers, a guard other routes take as their
        // dependency (`await require_camera_access(event.camera, request=request)` after
        // looking the event up): the guard's refusal is the route's. Also when the route's
        // own dependency yields None without a key: `client = api_auth(api_key, db)` in the
        // handler refuses that None.
        if !protected
            && let Some(h) = r.handler
            && let Some(g) = self.awaited_guard(h)
        {
            protected = true;
            info.protected_by
                .get_or_insert_with(|| format!("{}() calls the guard {g}()", h.def.name.as_str()));
        }
        // A handler that decodes the token itself and raises on failure authenticates.
        if !protected
            && let Some(h) = r.handler
            && (self.an.may_decode(h)
                || r.kind == RouteKind::WebSocket
                || !self.an.settings.token_helpers.is_empty())
        {
            let s = self.an.summary(h);
            // A WebSocket handler refuses by closing the socket and returning (there is no
            // HTTP error to raise): there a bare `return` after a failed decode ends the
            // connection, it serves nothing.
            let ws_refusal = r.kind == RouteKind::WebSocket
                && self
                    .ws_texts(h)
                    .iter()
                    .any(|t| t.contains(".close(") || t.contains("WebSocketException"));
            let serving_gaps = s
                .fail_open
                .iter()
                .filter(|p| {
                    let t = self.an.m.ix.module(p.mid).slice(p.range).trim();
                    !(ws_refusal && (t == "return" || t == "return None"))
                })
                .count();
            let refuses = s.raises || ws_refusal;
            // A delegating handler whose project callee checks a credential and closes, or
            // a handler that looks an API key or session up and closes. (A bare library
            // `verify_token` call in the handler is not taken on trust.)
            let ws_credential = ws_refusal
                && self.ws_texts(h).iter().enumerate().any(|(i, t)| {
                    let t = t.to_ascii_lowercase();
                    let words: &[&str] = if i == 0 {
                        &["api_key", "apikey", "api-key", "session"]
                    } else {
                        &[
                            "token",
                            "api_key",
                            "apikey",
                            "api-key",
                            "authenticate",
                            "session",
                        ]
                    };
                    words.iter().any(|w| t.contains(w))
                        && (i == 0 || t.contains(".close(") || t.contains("websocketexception"))
                });
            if let Some(by) = (r.kind == RouteKind::WebSocket)
                .then(|| self.ws_prologue_auth(h))
                .flatten()
            {
                protected = true;
                info.protected_by.get_or_insert_with(|| {
                    format!(
                        "{}() (authenticates in its prologue: {by}, returns without serving on failure)",
                        h.def.name.as_str()
                    )
                });
            } else if ws_credential {
                protected = true;
                info.protected_by.get_or_insert_with(|| {
                    format!(
                        "{}() (checks the credential and closes the socket)",
                        h.def.name.as_str()
                    )
                });
            } else if s.decodes.is_some() && refuses && serving_gaps == 0 {
                protected = true;
                info.protected_by.get_or_insert_with(|| {
                    format!("{}() (decodes the token itself)", h.def.name.as_str())
                });
            } else if s.fail_open.is_empty() && self.an.verified(h).is_some() {
                // A configured token helper verifies the request's token on every path.
                protected = true;
                info.protected_by.get_or_insert_with(|| {
                    format!("{}() (verifies the token itself)", h.def.name.as_str())
                });
            }
        }
        info.auth = if protected {
            Auth::Protected
        } else if (info.exempt_exact || info.dep_exempt.is_some())
            && info.weak.is_empty()
            && !self.mints_unchecked(ri)
        {
            Auth::PublicByDesign
        } else if (!info.weak.is_empty() || !info.weak_mw.is_empty()) && self.is_public(ri) {
            // Health, docs, login, reset... behind a middleware or with a dependency that lets
            // anonymous requests through (a login page reads an optional session): public by
            // design, there is nothing to refuse there.
            Auth::PublicByDesign
        } else if info
            .weak
            .iter()
            .any(|(_, _, c, _)| matches!(c, DepClass::FailOpen(_)))
            || !info.weak_mw.is_empty()
        {
            Auth::FailOpen
        } else if !info.weak.is_empty() {
            Auth::Optional
        } else if self.is_public(ri) {
            Auth::PublicByDesign
        } else if let Some(p) = self.optional_credential_param(ri) {
            info.optional_param = Some(p);
            Auth::Optional
        } else {
            Auth::None
        };
        info
    }

    /// A read (GET, HEAD) whose handler reads a credential itself from an optional header,
    /// cookie or query parameter (`x_api_key: str | None = Header(None)`): like a read through
    /// `get_optional_user`, a public view that a credential only extends. The parameter as
    /// declared.
    fn optional_credential_param(&self, ri: usize) -> Option<String> {
        let r = &self.routes[ri];
        if r.methods.is_empty() || !r.methods.iter().all(|m| m == "GET" || m == "HEAD") {
            return None;
        }
        let h = r.handler?;
        self.an.params(h).iter().find_map(|p| {
            let src = p.source.as_ref()?;
            let n = src.name.to_ascii_lowercase().replace('-', "_");
            let credential = src.is_token_like() || n.contains("api_key") || n.contains("apikey");
            (p.optional && credential).then(|| self.an.text(h.mid, p.range))
        })
    }

    /// Obviously public: health, docs, login, sign-up (a login form)...
    pub fn is_public(&self, ri: usize) -> bool {
        self.public_reason(ri).is_some()
    }

    /// The recogniser that makes a route public by design, if one does (see the README's
    /// "Public by design"). A route that mints a token for a caller-chosen subject with no
    /// check at all is never public, whatever its path.
    /// The paths of module-level tuples, lists and sets of path strings that also name a
    /// login path (`PUBLIC_PATHS = ("/api/v1/user/login", "/api/v1/env", ...)`): the
    /// project's own list of what anonymous callers may reach, whichever code reads it.
    fn listed_public(&self) -> &std::collections::HashSet<String> {
        self.listed_public_memo.get_or_init(|| {
            let mut out = std::collections::HashSet::new();
            for m in &self.an.m.ix.project.modules {
                // Only modules with a quoted login path can hold such a list: the check runs
                // on the text, so the others are not parsed for it.
                let quoted_login = m
                    .source
                    .lines()
                    .any(|l| l.contains("login") && (l.contains("\"/") || l.contains("'/")));
                if m.is_test || !quoted_login {
                    continue;
                }
                for st in &m.ast().body {
                    let value = match st {
                        Stmt::Assign(a) => &*a.value,
                        Stmt::AnnAssign(a) => match a.value.as_deref() {
                            Some(v) => v,
                            None => continue,
                        },
                        _ => continue,
                    };
                    let elts: &[Expr] = match value {
                        Expr::Tuple(t) => &t.elts,
                        Expr::List(l) => &l.elts,
                        Expr::Set(x) => &x.elts,
                        _ => continue,
                    };
                    let paths: Vec<String> = elts
                        .iter()
                        .filter_map(|e| match e {
                            Expr::StringLiteral(l) => Some(l.value.to_str().to_string()),
                            _ => None,
                        })
                        .filter(|p| p.starts_with('/'))
                        .collect();
                    if paths.len() >= 3 && paths.iter().any(|p| p.contains("login")) {
                        out.extend(paths);
                    }
                }
            }
            out
        })
    }

    pub fn public_reason(&self, ri: usize) -> Option<String> {
        // It reads the route and the code only (no authentication result): computed once.
        if let Some(v) = self.public_memo.borrow().get(&ri) {
            return v.clone();
        }
        let v = self.public_reason_uncached(ri);
        self.public_memo.borrow_mut().insert(ri, v.clone());
        v
    }

    fn public_reason_uncached(&self, ri: usize) -> Option<String> {
        let r = &self.routes[ri];
        // A token minted on an OAuth authorize/callback route is the flow's `state`, not an
        // identity handed out to the caller.
        let oauth = public_path_reason(&r.path) == Some("OAuth / SSO flow");
        if self.mints_unchecked(ri) && !oauth {
            return None;
        }
        // Public forms, also as words of a segment (`newsletter-subscription`).
        let last_post = r.methods.iter().any(|m| m == "POST")
            && r.path.split('/').any(|seg| {
                let seg = seg.to_ascii_lowercase();
                PUBLIC_FORMS.contains(&seg.as_str())
                    || seg
                        .split(['-', '_'])
                        .any(|w| PUBLIC_FORMS.contains(&w) && w.len() > 5)
            });
        if last_post {
            return Some("public form (waitlist, newsletter, contact)".into());
        }
        if let Some(why) = public_path_reason(&r.path) {
            // A write to a status path (`POST /api-status` upserting the status page) is not
            // a probe: only reads of health and status paths are.
            let reads = r
                .methods
                .iter()
                .all(|m| matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"));
            if !matches!(
                why,
                "health/status probe" | "application information (about)"
            ) || reads
            {
                return Some(why.into());
            }
        }
        // A capability URL (`/checkouts/client/{client_secret}`, `/claim/{invitation_token}`):
        // the unguessable secret in the path is the credential handed to the visitor.
        if let Some(p) = r.path.split('/').find_map(|seg| {
            let p = seg.strip_prefix('{')?.strip_suffix('}')?;
            let l = p.to_ascii_lowercase();
            (l.contains("secret") || l.contains("token")).then_some(p)
        }) {
            return Some(format!(
                "capability URL: the `{p}` in the path is the credential"
            ));
        }
        // A route the developer marks public with a dependency that lets everyone through
        // (`dependencies=[Depends(allow_public())]`, whose checker always returns): the
        // project's own declaration, as an exempt-path list is.
        if let Some(d) = r.deps.iter().find_map(|(d, _)| {
            let DepTarget::Func(f) = &d.target else {
                return None;
            };
            let public = |n: &str| {
                n.to_ascii_lowercase()
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == "public" || w == "anonymous")
            };
            ((public(f.def.name.as_str()) || public(d.spelled.as_deref().unwrap_or("")))
                && !self.an.summary(*f).raises)
                .then_some(d)
        }) {
            return Some(format!("declared public by its dependency {}", d.text));
        }
        // A signed link as the only credential: a dependency named for one
        // (`validate_file_token`, `verify_download_link`) rejects without it; what the link
        // grants (a file an authenticated user exported) is the capability handed out.
        if let Some(d) = r.deps.iter().find_map(|(d, _)| match &d.target {
            DepTarget::Func(f)
                if crate::flow::non_identity_purpose(f.def.name.as_str())
                    == Some("a signed link")
                    && self.an.summary(*f).raises =>
            {
                Some(d)
            }
            _ => None,
        }) {
            return Some(format!(
                "capability: {} checks a signed link, not an identity",
                d.text
            ));
        }
        if self.is_login(ri) {
            return Some("login / token issuing".into());
        }
        let h = r.handler?;
        if self.an.params(h).iter().any(|p| p.is_login_form) {
            return Some("login form (OAuth2PasswordRequestForm)".into());
        }
        let text = self.func_text_lower(h);
        // Reference data: a GET of a fixed list of choices the UI offers before anyone signs
        // in (`/api/agents/options`, `/podcasts/voices`, `/v1/models/vllm-supported`, a
        // handler named `get_builtin_prompts`), with no path parameter to select a record.
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD") && !r.path.contains('{') {
            let last = last_segment(&r.path);
            const CHOICES: &[&str] = &[
                "options",
                "choices",
                "languages",
                "voices",
                "currencies",
                "countries",
                "timezones",
                "locales",
                "families",
            ];
            let name = h.def.name.as_str().to_ascii_lowercase();
            if CHOICES.contains(&last.as_str())
                || last.ends_with("-supported")
                || last.ends_with("_supported")
                || name.contains("builtin")
            {
                return Some(
                    "reference data: a fixed list of choices (options, languages, built-ins)"
                        .into(),
                );
            }
        }
        // The handler tells its store the request is anonymous
        // (`create_bulk_privacy_requests(data, authenticated=False)`): the developer's own
        // statement that the route takes no identity.
        if let Some(flag) = ["authenticated=false", "is_authenticated=false"]
            .iter()
            .find(|w| text.replace(' ', "").contains(*w))
        {
            return Some(format!(
                "declared anonymous by the handler (`{}`)",
                flag.replace("false", "False")
            ));
        }
        // A POST that sends a verification code to the identity it was given
        // (`send_verification_code(...)`): the first step of a request verified by e-mail or
        // SMS, as `send-verification-email` is.
        if r.methods.iter().all(|m| m == "POST") && text.contains("send_verification") {
            return Some("sends a verification code to the identity it was given".into());
        }
        // A password reset by a reset token/key sent by mail.
        if r.path.split('/').any(|s| s.eq_ignore_ascii_case("reset"))
            && (text.contains("password")
                || text.contains("reset_key")
                || text.contains("reset_token"))
        {
            return Some("password reset by a reset token".into());
        }
        // Self-registration without a keyword in the path: a POST to the user/account
        // collection that hashes the password it was sent.
        let last_static = r
            .path
            .rsplit('/')
            .find(|s| !s.is_empty() && !s.starts_with('{'))
            .unwrap_or("")
            .to_ascii_lowercase();
        if r.methods.iter().all(|m| m == "POST")
            && !r.path.contains('{')
            && matches!(
                last_static.as_str(),
                "user" | "users" | "account" | "accounts"
            )
            && text.contains("password")
            && text.contains("hash")
        {
            return Some("registration: creates an account with the password it was sent".into());
        }
        // A static file or the single-page app's shell: the handler returns a file of the
        // build or public directory.
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD")
            && text.contains("fileresponse(")
            && [
                "static",
                "public",
                "build",
                "index.html",
                "assets",
                "favicon",
                "logo",
            ]
            .iter()
            .any(|w| text.contains(w))
            && r.path
                .split('/')
                .filter(|s| s.starts_with('{'))
                .all(|s| s.ends_with(":path}") || s.contains("avatar") || s.contains("filename"))
        {
            return Some("static asset / single-page app file".into());
        }
        // The single-page app's shell on the root catch-all (`GET /{full_path:path}` returning
        // the index page as HTML): every client-side route loads the same page, whose data
        // comes from the guarded API.
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD")
            && r.path.trim_start_matches('/').starts_with('{')
            && r.path.trim_end_matches('/').ends_with(":path}")
            && !r.path.trim_start_matches('/').contains('/')
            && (text.contains("htmlresponse(")
                || text.contains("fileresponse(")
                || text.contains("templateresponse("))
        {
            return Some("the single-page app's shell on the catch-all path".into());
        }
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD")
            && self.listed_public().contains(r.path.trim_end_matches('/'))
        {
            return Some("listed as public next to the login path (the project's own list)".into());
        }
        // Accepting an invitation by the token it was sent with (`POST /seats/claim` with
        // `invitation_token`): the invitee has no session yet, the token is the credential.
        if r.methods.iter().all(|m| m == "POST" || m == "PUT")
            && (text.contains("invitation_token") || text.contains("invite_token"))
        {
            return Some("accepts an invitation by its token".into());
        }
        // An invitation link (`GET /users/invitation?token=...`): the route under an
        // `invitation` segment looks the invitation up by the token it takes, whose holder is
        // the invitee.
        if r.path.split('/').any(|seg| {
            let seg = seg.to_ascii_lowercase();
            seg == "invitation" || seg == "invite" || seg == "invitations"
        }) && self.an.params(h).iter().any(|p| {
            p.dep.is_none() && matches!(p.name.as_str(), "token" | "invitation" | "invite" | "code")
        }) && text.contains("invitation")
            && text.contains("token")
        {
            return Some("opens an invitation link by its token".into());
        }
        // The handler's docstring says the route needs no authentication ("This endpoint
        // doesn't require authentication and can be used on a public client"): the developer
        // lists it as public, as an exempt-path list does.
        if let Some(Stmt::Expr(e)) = h.def.body.first()
            && let Expr::StringLiteral(doc) = &*e.value
        {
            let d = doc.value.to_str().to_ascii_lowercase().replace('\n', " ");
            let d: String = d.split_whitespace().collect::<Vec<_>>().join(" ");
            if [
                "doesn't require authentication",
                "does not require authentication",
                "requires no authentication",
                "no authentication required",
                "no authentication is required",
                "no auth required",
                "endpoint is public",
                "authentication is not required",
                "public endpoint",
                "no auth dependency",
                "without authentication by design",
            ]
            .iter()
            .any(|w| d.contains(w))
            {
                return Some("documented as needing no authentication (its docstring)".into());
            }
        }
        // A retired route that answers an error status unconditionally (`return
        // JSONResponse(status_code=410, content=GONE)`): it serves nothing.
        let body: Vec<&Stmt> = h
            .def
            .body
            .iter()
            .filter(|st| !matches!(st, Stmt::Expr(e) if e.value.is_string_literal_expr()))
            .collect();
        if let [Stmt::Return(ret)] = body[..]
            && let Some(Expr::Call(c)) = ret.value.as_deref()
            && c.arguments.find_keyword("status_code").is_some_and(|k| {
                let t = self.an.m.ix.module(h.mid).slice(k.value.range());
                ["410", "501", "GONE", "NOT_IMPLEMENTED"]
                    .iter()
                    .any(|w| t.contains(w))
            })
        {
            return Some("answers an error status unconditionally (a retired route)".into());
        }
        // A page shell: the handler's whole body renders a template with nothing but the
        // request (`return templates.TemplateResponse(request, name="agents/index.html")`);
        // the page's data comes from API calls, which are guarded on their own.
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD")
            && let [Stmt::Return(ret)] = &h.def.body[..]
            && let Some(Expr::Call(c)) = ret.value.as_deref()
            && matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "TemplateResponse")
            && c.arguments.keywords.iter().all(|k| {
                k.arg.as_ref().is_some_and(|a| a.as_str() == "name")
                    && matches!(k.value, Expr::StringLiteral(_))
            })
            && c.arguments.args.iter().all(|a| {
                matches!(a, Expr::StringLiteral(_))
                    || matches!(a, Expr::Name(n) if n.id.as_str() == "request")
            })
        {
            return Some("a page template rendered without data".into());
        }
        // A template served the same to everyone: a read under a `template(s)` segment
        // whose handler takes nothing at all (no path or query value, no dependency), so it
        // can pick nobody's data (Skyvern's global workflow templates, a blank import
        // sheet).
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD")
            && r.path
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .any(|s| matches!(s.to_ascii_lowercase().as_str(), "template" | "templates"))
            && !r.path.contains('{')
            && h.def.parameters.is_empty()
        {
            return Some(
                "a template served alike to every caller (the handler takes no input)".into(),
            );
        }
        // The UI's translations (`/translations`, `/i18n/{lang}`, `/locales`): text the
        // interface shows before anyone logs in.
        if r.methods.iter().all(|m| m == "GET" || m == "HEAD")
            && r.path.split('/').any(|s| {
                matches!(
                    s.to_ascii_lowercase().as_str(),
                    "translations" | "translation" | "i18n" | "l10n" | "locales" | "locale"
                )
            })
        {
            return Some("UI translations".into());
        }
        // Token issuing through helpers, after a credential check that rejects.
        if self.an.mints(h) && self.an.summary(h).raises {
            return Some(format!(
                "token issuing: {}() mints a token after a credential check",
                h.def.name.as_str()
            ));
        }
        // An OAuth/SSO redirect or callback: the handler's body (not its signature, where
        // `verify_oauth_client` or `oauth2_scheme` is a guard, nor its docstring) starts the
        // redirect or uses an `oauth`/`sso` client (`oauth.google...`, `provider_sso`).
        let md = self.an.m.ix.module(h.mid);
        let body_text: String = h
            .def
            .body
            .iter()
            .filter(|st| !matches!(st, Stmt::Expr(e) if e.value.is_string_literal_expr()))
            .map(|st| md.slice(st.range()).to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        let flow_client = body_text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| {
                let parts: Vec<&str> = w.split('_').filter(|p| !p.is_empty()).collect();
                w == "sso"
                    || w == "oauth"
                    || parts.first().is_some_and(|p| *p == "sso" || *p == "oauth")
                    || parts.last().is_some_and(|p| *p == "sso")
            });
        let name_words: Vec<String> = h
            .def
            .name
            .as_str()
            .to_ascii_lowercase()
            .split('_')
            .map(str::to_string)
            .collect();
        if (flow_client
            || name_words
                .iter()
                .any(|w| w == "sso" || w == "oauth" || w == "oauth2")
            || IDP_REDIRECT_CALLS.iter().any(|w| body_text.contains(w)))
            && r.methods.iter().all(|m| m == "GET")
        {
            return Some("OAuth / SSO flow".into());
        }
        // Nothing to protect: the handler returns a constant that names no secret.
        if returns_constant(h.def, family(&r.path).is_empty()) && {
            let t = text.as_str();
            ![
                "secret",
                "password",
                "key",
                "token",
                "credential",
                "private",
            ]
            .iter()
            .any(|w| t.contains(w))
        } {
            return Some(format!("{}() returns a constant", h.def.name.as_str()));
        }
        // Nothing to expose: the answer is a function of what the caller sent (a decoder, a
        // fee calculator, a payment provider's landing page) and of the code. It must do
        // work (a read makes a call, a write calls something on its input): a bare stub's
        // inline literal stands for data.
        let reads = r
            .methods
            .iter()
            .all(|m| m == "GET" || m == "HEAD" || m == "OPTIONS");
        if crate::pure::makes_calls(h, !reads)
            && !crate::pure::returns_inline_rows(h)
            && crate::pure::computes_from_input(&self.an, h)
        {
            return Some(format!(
                "{}() computes its answer from the request's own input alone (no store, no secret)",
                h.def.name.as_str()
            ));
        }
        None
    }

    /// A route whose handler mints a token and never rejects (no raise anywhere), reached
    /// with GET: it hands out a token for whoever the caller names.
    pub fn mints_unchecked(&self, ri: usize) -> bool {
        let r = &self.routes[ri];
        let Some(h) = r.handler else { return false };
        let ps = self.an.params(h);
        r.methods.iter().all(|m| m == "GET")
            && r.kind == RouteKind::Api
            && ps.iter().any(|p| !p.is_request && p.dep.is_none())
            && self.an.mints(h)
            && !ps.iter().any(|p| p.dep.is_some())
            && !self.an.summary(h).raises
            && !self
                .an
                .m
                .ix
                .module(h.mid)
                .slice(h.def.range())
                .contains("raise ")
    }

    /// A token-issuing endpoint: an `OAuth2PasswordRequestForm` parameter, or a POST to
    /// `/token`, `/login`...
    pub fn is_login(&self, ri: usize) -> bool {
        let r = &self.routes[ri];
        // A login form whose handler hands out a token (not a sign-up form).
        if let Some(h) = r.handler
            && self.an.params(h).iter().any(|p| p.is_login_form)
            && self
                .func_text_lower(h)
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|w| {
                    w == "access_token"
                        || w == "refresh_token"
                        || w.contains("jwt")
                        || w == "encode"
                        || w.starts_with("create_") && w.contains("token")
                        || w.starts_with("issue")
                })
        {
            return true;
        }
        let last = last_segment(&r.path);
        r.methods.iter().any(|m| m == "POST") && LOGIN_SEGMENTS.contains(&last.as_str())
    }

    /// The route is throttled: a rate-limiting dependency (at any depth), middleware or
    /// decorator.
    pub fn is_throttled(&self, ri: usize) -> bool {
        let r = &self.routes[ri];
        let deps_throttle = r.deps.iter().any(|(d, _)| self.dep_throttles(d, 0));
        let mw = r.middleware.iter().any(|&w| self.mws[w].is_rate_limit);
        let deco = r
            .decorators
            .iter()
            .any(|d| is_rate_limit_name(self.an.m.ix.module(r.mid).slice(d.expression.range())));
        deps_throttle || mw || deco
    }

    fn dep_throttles(&self, d: &DepUse<'p>, depth: u32) -> bool {
        if depth > 6 {
            return false;
        }
        if matches!(self.classify(d), DepClass::RateLimit) {
            return true;
        }
        if let DepTarget::Func(f) = &d.target {
            return self
                .an
                .params(*f)
                .iter()
                .filter_map(|p| p.dep.as_ref())
                .any(|x| self.dep_throttles(x, depth + 1));
        }
        false
    }

    /// The class of a route in the route table (`protected`, `forgeable`, `optional`,
    /// `fail-open`, `public`, `unprotected`) and the reason: the dependency or middleware
    /// that decides it, or the recogniser that made it public.
    pub fn route_class(&self, ri: usize) -> (&'static str, String) {
        if let Some(i) = self.shadowed_by[ri] {
            let s = &self.routes[i];
            let md = self.an.m.ix.module(s.mid);
            let (class, why) = self.route_class(i);
            return (
                class,
                format!(
                    "never runs: {} {} at {}:{} is registered first and answers it ({why})",
                    s.methods.join(","),
                    s.path,
                    md.display_path,
                    md.line_column(s.range.start()).0
                ),
            );
        }
        let a = &self.auths[ri];
        let r = &self.routes[ri];
        let weak = |want_fail_open: bool| {
            a.weak
                .iter()
                .find(|(_, _, c, _)| matches!(c, DepClass::FailOpen(_)) == want_fail_open)
                .map(|(d, _, _, _)| d.text.clone())
                .or_else(|| {
                    a.weak_mw.first().map(|(w, _)| {
                        let mw = &self.mws[*w];
                        self.an.m.objs[mw.obj].middleware[mw.idx].name.clone()
                    })
                })
                .unwrap_or_default()
        };
        if let Some(g) = &r.handler_gate
            && !matches!(a.auth, Auth::Protected)
        {
            return (
                "conditional",
                format!("the handler is chosen by `if {g}:`, and only one choice takes a guard"),
            );
        }
        if let Some(g) = &r.gate
            && !matches!(a.auth, Auth::Protected)
        {
            return (
                "conditional",
                format!("the router is included only when {g}"),
            );
        }
        if let Some((g, what)) = self.off_by_default(ri) {
            return (
                "conditional",
                format!(
                    "{what} authenticates only when a setting differs from its default: {}",
                    g.describe_settings()
                ),
            );
        }
        if let Some((sc, _)) = self.presence_only(ri) {
            return (
                "unprotected",
                format!(
                    "{} only checks that a token is present; nothing verifies it",
                    self.an.m.schemes[sc].name
                ),
            );
        }
        match a.auth {
            Auth::Protected => {
                let by = a.protected_by.clone().unwrap_or_default();
                // Every guard of the route is a dependency added only when a setting is on
                // (`dependencies.append(Depends(is_authenticated))` under `if
                // authentication_enabled:`).
                let guards: Vec<&DepUse<'p>> = r
                    .deps
                    .iter()
                    .map(|(d, _)| d)
                    .filter(|d| matches!(self.classify(d), DepClass::Protected))
                    .collect();
                let gated = self.an.m.gated_deps.borrow();
                let gate_of = |d: &DepUse<'p>| gated.get(&(d.mid, u32::from(d.range.start()))).cloned();
                if !guards.is_empty()
                    && a.weak_mw.is_empty()
                    && guards.iter().all(|d| gate_of(d).is_some())
                    && r.middleware.iter().all(|&w| !self.mws[w].is_auth)
                {
                    let g = gate_of(guards[0]).unwrap_or_default();
                    return (
                        "conditional",
                        format!("{by} is added only when `{g}`"),
                    );
                }
                drop(gated);
                // Protected by a middleware that lets everything through under a setting.
                if let Some(mw) = r.middleware.iter().map(|&w| &self.mws[w]).find(|mw| {
                    mw.is_auth && self.an.m.objs[mw.obj].middleware[mw.idx].name == by
                }) && let Some(g) = &mw.config_pass
                {
                    return (
                        "conditional",
                        format!("{by} lets every request through when `{g}`"),
                    );
                }
                let on_by_default = r.deps.iter().any(|(d, _)| {
                    d.text == by
                        && matches!(&d.target, DepTarget::Func(f) if self.on_gate(*f).is_some())
                });
                if !on_by_default && let Some(gate) = self.conditional.borrow().get(&by) {
                    return (
                        "conditional",
                        format!("{by} authenticates unless a setting turns it off ({gate})"),
                    );
                }
                match self.forgeable(ri) {
                    Some(why) => ("forgeable", format!("{by}: {why}")),
                    None => ("protected", by),
                }
            }
            Auth::Optional => match &a.optional_param {
                Some(p) => (
                    "optional",
                    format!(
                        "the handler takes an optional credential itself ({p}): a read that serves without one"
                    ),
                ),
                None => (
                    "optional",
                    format!(
                        "{} yields no identity without a token and the handler serves",
                        weak(false)
                    ),
                ),
            },
            Auth::FailOpen => (
                "fail-open",
                format!("{} lets requests without a valid token through", weak(true)),
            ),
            Auth::PublicByDesign => (
                "public",
                self.public_reason(ri)
                    .map(|why| match &a.flow_check {
                        Some(by) => format!("{why}: {by} checks the flow's own credential"),
                        None => why,
                    })
                    .or_else(|| {
                        a.dep_exempt
                            .as_ref()
                            .map(|d| format!("listed as a public path by the guard {d}"))
                    })
                    .or_else(|| {
                        let w = a.exempted_by.filter(|_| a.exempt_exact)?;
                        let mw = &self.mws[w];
                        Some(format!(
                            "listed as a public path by middleware {}",
                            self.an.m.objs[mw.obj].middleware[mw.idx].name
                        ))
                    })
                    .unwrap_or_else(|| {
                        "public read: the protected routes of its resource are writes, or all take an administrator's guard".into()
                    }),
            ),
            Auth::None => {
                if let Some((guard, test)) = &a.dep_exempt_by {
                    return (
                        "unprotected",
                        format!("the guard {guard} lets it through (`{test}`)"),
                    );
                }
                if let Some(w) = a.exempted_by {
                    let mw = &self.mws[w];
                    let name = &self.an.m.objs[mw.obj].middleware[mw.idx].name;
                    return ("unprotected", format!("exempted by middleware {name}"));
                }
                if self.mints_unchecked(ri) {
                    return (
                        "unprotected",
                        "mints a token for a caller-chosen subject with no credential check".into(),
                    );
                }
                if let Some((j, by)) = &self.shadows_guarded[ri] {
                    let s = &self.routes[*j];
                    let md = self.an.m.ix.module(s.mid);
                    return (
                        "unprotected",
                        format!(
                            "no authentication, and registered first it answers for the copy at {}:{} that requires {by}",
                            md.display_path,
                            md.line_column(s.range.start()).0
                        ),
                    );
                }
                let _ = r;
                (
                    "unprotected",
                    "no authentication dependency or middleware".into(),
                )
            }
        }
    }

    /// A protected route whose only guard is a bearer scheme (`HTTPBearer()`,
    /// `OAuth2PasswordBearer`) whose value is never verified: the scheme checks that an
    /// `Authorization` header is present, nothing decodes it. The scheme and the dependency
    /// use, when so.
    pub fn presence_only(&self, ri: usize) -> Option<(usize, &DepUse<'p>)> {
        let r = &self.routes[ri];
        // A route that never runs (an earlier one answers it) guards nothing.
        if self.auths[ri].auth != Auth::Protected || self.shadowed_by[ri].is_some() {
            return None;
        }
        if r.middleware.iter().any(|&w| self.mws[w].is_auth) {
            return None;
        }
        // A router no app includes (plugins wired at run time): which middleware it will run
        // under is not known, and an app of the project verifies tokens in a middleware.
        if self.an.m.objs[r.root].kind == ObjKind::Router
            && self
                .mws
                .iter()
                .any(|w| w.is_auth && self.an.m.objs[w.obj].kind == ObjKind::App)
        {
            return None;
        }
        let mut found = None;
        for (d, level) in &r.deps {
            let c = self.classify(d);
            if !c.is_auth() {
                continue;
            }
            let DepTarget::Scheme(sc) = &d.target else {
                return None;
            };
            let kind = &self.an.m.schemes[*sc].kind;
            if !(kind.contains("Bearer") || kind.contains("OAuth2")) {
                return None;
            }
            // A parameter that receives the token: the handler must never read it.
            if *level == Level::Parameter
                && let (Some(p), Some(h)) = (&d.param, r.handler)
            {
                let md = self.an.m.ix.module(h.mid);
                let used = h.def.body.iter().any(|st| {
                    md.slice(st.range())
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == p)
                });
                if used {
                    return None;
                }
            }
            found.get_or_insert((*sc, d));
        }
        let h = r.handler?;
        if self.an.may_decode(h) || self.an.rejects_credentials(h) {
            return None;
        }
        found
    }

    /// Why the authentication a protected route gets can be forged: the token it decodes
    /// is not signature-checked, `none` is accepted, or the key is written in the source (a
    /// literal, or the fallback of an environment variable).
    pub fn forgeable(&self, ri: usize) -> Option<String> {
        self.forgeable_site(ri).map(|(why, _)| why)
    }

    /// Why the route's guard accepts forged tokens, with the decode call that does.
    pub fn forgeable_site(&self, ri: usize) -> Option<(String, Location)> {
        let r = &self.routes[ri];
        let mut funcs: Vec<Func<'p>> = Vec::new();
        fn collect<'p>(cx: &Ctx<'_, 'p>, d: &DepUse<'p>, out: &mut Vec<Func<'p>>, depth: u32) {
            if depth > 6 || !cx.classify(d).is_auth() {
                return;
            }
            if let DepTarget::Func(f) = &d.target {
                if out.iter().any(|g| g.key() == f.key()) {
                    return;
                }
                out.push(*f);
                for p in cx.an.params(*f).iter() {
                    if let Some(sub) = &p.dep {
                        collect(cx, sub, out, depth + 1);
                    }
                }
            }
        }
        for (d, _) in &r.deps {
            collect(self, d, &mut funcs, 0);
        }
        for &w in &r.middleware {
            if self.mws[w].is_auth
                && let Some(f) = self.mws[w].func
            {
                funcs.push(f);
            }
        }
        if let Some(h) = r.handler {
            funcs.push(h);
        }
        let jwt = self.an.jwt();
        let scan_settings = jwtward_scan::Settings::default();
        let scan = jwtward_scan::Ctx {
            project: self.an.m.ix.project,
            model: jwt,
            settings: &scan_settings,
        };
        for f in funcs {
            for dc in jwt.decodes_in(&self.an.qualname(f)) {
                // A token that must also be found as stored (the exact string) is refused
                // when forged, whatever the key.
                if dc.module.is_test || jwt.store_checked(dc).is_some() {
                    continue;
                }
                // Claims read without the signature but trusted for nothing (the token is
                // verified next, or they only pick the key or reach log lines): what
                // `signature-not-verified` leaves unreported does not make the route forgeable.
                if dc.kind == jwtward_scan::DecodeKind::UnverifiedClaims
                    && jwtward_scan::rules::signature_not_verified::unverified_claims_harmless(
                        &scan, dc,
                    )
                {
                    continue;
                }
                if let Some(why) = forgeable_decode(dc) {
                    return Some((why, dc.module.location(dc.call.range())));
                }
            }
        }
        None
    }

    /// A handler whose 401/403 can only be about a token of another purpose: it takes a
    /// cursor, an OAuth state or a CSRF token and nothing that identifies the caller (an
    /// API key, a session, a password, an `Authorization` header, a user dependency).
    fn rejects_only_purpose_tokens(&self, h: Func<'p>) -> bool {
        let ps = self.an.params(h);
        let purpose = ps.iter().any(|p| {
            crate::flow::non_identity_purpose(&p.name).is_some()
                || p.source
                    .as_ref()
                    .is_some_and(|t| crate::flow::non_identity_purpose(&t.name).is_some())
        });
        if !purpose || ps.iter().any(|p| p.dep.is_some()) {
            return false;
        }
        let text = self.func_text_lower(h);
        ![
            "api_key",
            "apikey",
            "api-key",
            "session",
            "password",
            "authorization",
            "current_user",
            "credential",
            "bearer",
            ".user",
        ]
        .iter()
        .any(|w| text.contains(w))
    }

    /// The `if`s on settings that switch `f`'s credential check, evaluated with the
    /// defaults (memoised).
    pub fn gates(&self, f: Func<'p>) -> std::rc::Rc<Vec<crate::defaults::Gate>> {
        if let Some(g) = self.gates_memo.borrow().get(&f.key()) {
            return g.clone();
        }
        let anonymous: Vec<String> = self
            .an
            .params(f)
            .iter()
            .filter(|p| !p.is_request && (p.dep.is_some() || p.source.is_some()))
            .map(|p| p.name.clone())
            .collect();
        let g = std::rc::Rc::new(crate::defaults::gates_of(self.an.m, f, anonymous));
        self.gates_memo.borrow_mut().insert(f.key(), g.clone());
        g
    }

    /// The gate of `f` that leaves its credential check off by default, if any.
    pub fn off_gate(&self, f: Func<'p>) -> Option<crate::defaults::Gate> {
        self.gates(f).iter().find(|g| g.off_by_default()).cloned()
    }

    /// A gate of `f` that keeps its credential check on by default, if any.
    pub fn on_gate(&self, f: Func<'p>) -> Option<crate::defaults::Gate> {
        self.gates(f).iter().find(|g| g.on_by_default()).cloned()
    }

    /// The auth dependency (at any depth below `d`) whose credential check is off by
    /// default, with the gate.
    fn dep_off_gate(
        &self,
        d: &DepUse<'p>,
        depth: u32,
    ) -> Option<(Func<'p>, crate::defaults::Gate)> {
        if depth > 6 || !self.classify(d).is_auth() {
            return None;
        }
        let DepTarget::Func(f) = &d.target else {
            return None;
        };
        if let Some(g) = self.off_gate(*f) {
            return Some((*f, g));
        }
        self.an
            .params(*f)
            .iter()
            .filter_map(|p| p.dep.as_ref())
            .find_map(|sub| self.dep_off_gate(sub, depth + 1))
    }

    /// What authenticates route `ri` is off unless a setting differs from its default:
    /// the gate, the element it switches (a dependency, a middleware, the handler) and
    /// where that element is. None when anything else authenticates the route.
    pub fn off_by_default(&self, ri: usize) -> Option<(crate::defaults::Gate, String)> {
        let r = &self.routes[ri];
        let mut gated: Option<(crate::defaults::Gate, String)> = None;
        let mut ungated = false;
        for (d, _) in &r.deps {
            match self.classify(d) {
                DepClass::Protected => match self.dep_off_gate(d, 0) {
                    Some((f, g)) => {
                        gated.get_or_insert((g, dep_label(d, f)));
                    }
                    None => ungated = true,
                },
                DepClass::FailOpen(_) | DepClass::Optional(_) => {
                    if let Some((f, g)) = self.dep_off_gate(d, 0) {
                        gated.get_or_insert((g, dep_label(d, f)));
                    }
                }
                _ => {}
            }
        }
        let exempt = self.auths[ri].exempted_by;
        for &w in &r.middleware {
            let mw = &self.mws[w];
            if !mw.is_auth || exempt == Some(w) {
                continue;
            }
            let name = self.an.m.objs[mw.obj].middleware[mw.idx].name.clone();
            let g = mw
                .reg_gate
                .clone()
                .filter(|g| g.off_by_default())
                .or_else(|| mw.func.and_then(|f| self.off_gate(f)));
            match g {
                Some(g) => {
                    gated.get_or_insert((g, format!("middleware {name}")));
                }
                None if mw.fail_open.is_empty() => ungated = true,
                None => {}
            }
        }
        if let Some(h) = r.handler
            && let Some(g) = self.off_gate(h)
        {
            gated.get_or_insert((g, format!("{}()", h.def.name.as_str())));
        } else if let Some(h) = r.handler
            && self.auths[ri]
                .protected_by
                .as_deref()
                .is_some_and(|b| b.starts_with(&format!("{}()", h.def.name.as_str())))
        {
            ungated = true;
        }
        if ungated { None } else { gated }
    }

    pub fn route_step(&self, ri: usize) -> TraceStep {
        let r = &self.routes[ri];
        let handler = r
            .handler
            .map(|h| format!(" handled by {}()", h.display()))
            .unwrap_or_default();
        self.an.step(
            r.mid,
            r.range,
            format!("{} {}{handler}", r.methods.join(","), r.path),
        )
    }
}

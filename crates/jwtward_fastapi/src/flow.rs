//! Interprocedural summaries of dependencies, helpers, middleware and handlers.
//!
//! A small flow-sensitive walk over a function body tracks which variables may hold "no
//! identity" (None, a swallowed decode error, a missing claim) and why, refines them on
//! `if x is None` / `if not x` tests, and records where the function returns or raises in
//! each state. That answers the questions the rules ask: does a dependency return None
//! instead of raising when the token is missing or invalid, does a handler serve a response
//! when its identity is missing, does middleware pass the request on after a decode error.

use crate::index::{Sym, is_framework};
use crate::model::{Bound, DepTarget, DepUse, Func, FuncKey, Model, str_lit};
use jwtward_python::ModuleId;
use jwtward_report::TraceStep;
use jwtward_scan::{Check, DecodeKind, JwtModel};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    BoolOp, CmpOp, ExceptHandler, Expr, ExprCall, ParameterWithDefault, Stmt, UnaryOp,
};
use ruff_text_size::{Ranged, TextRange};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// One step of an explanation at a place in the project.
#[derive(Clone, Debug)]
pub(crate) struct Point {
    pub mid: ModuleId,
    pub range: TextRange,
    /// Steps from this point to the root cause.
    pub trace: Vec<TraceStep>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceKind {
    Header,
    Cookie,
    Query,
}

#[derive(Clone, Debug)]
pub(crate) struct TokenSource {
    pub kind: SourceKind,
    pub name: String,
    pub mid: ModuleId,
    pub range: TextRange,
}

impl TokenSource {
    /// A header a reverse proxy sets with the identity it checked (`Remote-User`,
    /// `X-Forwarded-User`): a credential for the app, but no HTTP authentication scheme.
    pub fn is_proxy_identity(&self) -> bool {
        let n = self.name.to_ascii_lowercase();
        self.kind == SourceKind::Header
            && [
                "remote-user",
                "remote_user",
                "remote-role",
                "remote_role",
                "forwarded-user",
                "forwarded-email",
                "auth-request-user",
                "auth-request-email",
                "webauth-user",
            ]
            .iter()
            .any(|w| n.contains(w))
    }

    pub fn is_token_like(&self) -> bool {
        // A CSRF token, an OAuth state, a cursor: not a credential.
        if non_identity_purpose(&self.name).is_some() {
            return false;
        }
        let n = self.name.to_ascii_lowercase();
        match self.kind {
            SourceKind::Header => {
                n.contains("authorization")
                    || n.contains("token")
                    || n.contains("jwt")
                    // The identity a reverse proxy asserts after its own check (nginx
                    // `auth_request`, oauth2-proxy): `Remote-User`, `X-Forwarded-User`.
                    || self.is_proxy_identity()
            }
            SourceKind::Cookie => [
                "token", "jwt", "session", "auth", "access", "sid", "bearer", "id_token",
            ]
            .iter()
            .any(|k| n.contains(k)),
            SourceKind::Query => {
                n.contains("token") || n.contains("jwt") || n == "auth" || n.contains("bearer")
            }
        }
    }
}

/// A parameter of a function as FastAPI sees it.
#[derive(Clone, Debug)]
pub(crate) struct ParamInfo<'p> {
    pub name: String,
    pub dep: Option<DepUse<'p>>,
    pub source: Option<TokenSource>,
    /// The default is None (`Header(default=None)`, `= None`).
    pub optional: bool,
    /// Annotated with `Request`, `HTTPConnection` or `WebSocket`.
    pub is_request: bool,
    /// `OAuth2PasswordRequestForm` (a login form).
    pub is_login_form: bool,
    pub range: TextRange,
}

/// Why a value may be missing.
#[derive(Clone, Debug)]
struct Nullable {
    why: Vec<TraceStep>,
    /// Set when a test refined the value to "missing" in this branch (the test's range).
    known: Option<TextRange>,
    claim: bool,
    scheme: Option<usize>,
    /// Named in a test together with other values whose then-branch raised
    /// (`if a is None and b is None: raise`): at least one of them is present.
    guarded: bool,
    /// The identity variable this value was copied from (handler analysis).
    root: Option<String>,
}

type State = BTreeMap<String, Nullable>;

#[derive(Clone, Debug)]
pub(crate) struct ReturnEvent {
    /// Variables that may be missing here: (variable, the check that made it
    /// known-missing, the identity variable it was copied from).
    pub missing: Vec<(String, Option<TextRange>, Option<String>)>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Summary {
    /// Where the function yields no identity (returns None, or continues) instead of raising.
    pub fail_open: Vec<Point>,
    /// Where it returns a claim that may be missing (`payload.get("sub")`).
    pub claim_gaps: Vec<Point>,
    /// Optional schemes (auto_error=False) whose None reaches a non-raising return here.
    pub optional_uses: Vec<(usize, Point)>,
    pub raises: bool,
    pub always_raises: bool,
    /// Where a JWT is decoded: the decode call, or the call of the helper that decodes.
    pub decodes: Option<Point>,
    /// Where a configured token helper (`token-helpers`) verifies the request's token: the
    /// helper's call, or the call of a project function that does.
    pub verifies: Option<Point>,
    /// Token-helper calls on one of this function's plain parameters (whose value the
    /// caller decides): (parameter, the call).
    pub verifies_params: Vec<(String, Point)>,
    /// The verification above happens on every path that returns (it is not skipped by a
    /// branch, nor swallowed by an `except`).
    pub verifies_always: bool,
    pub sources: Vec<TokenSource>,
    pub returns: Vec<ReturnEvent>,
}

pub(crate) struct Analyzer<'m, 'p> {
    pub m: &'m Model<'p>,
    /// The JWT-library model of part 1: decode calls (also through wrappers) and their
    /// validation.
    jwt: &'m JwtModel<'p>,
    decode_by_call: HashMap<usize, usize>,
    memo: RefCell<HashMap<FuncKey, Rc<Summary>>>,
    busy: RefCell<HashSet<FuncKey>>,
    params_memo: RefCell<HashMap<FuncKey, Rc<Vec<ParamInfo<'p>>>>>,
    /// `auth-dependencies` and `token-helpers` of the configuration.
    pub settings: &'m crate::Settings,
    origins_memo: RefCell<HashMap<FuncKey, Rc<HashMap<String, Origin>>>>,
    /// Functions that mint a JWT (an encode call), directly or through project calls.
    minting: std::cell::OnceCell<HashSet<String>>,
}

/// Where a value of a function comes from, as far as tokens go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    /// Read from the request: a `Request`, a `Header`/`Cookie`/`Query` parameter, a
    /// security scheme, a dependency that reads a token.
    pub request: bool,
    /// Derived from these plain parameters (the caller decides what they hold).
    pub params: Vec<String>,
}

impl Origin {
    fn merge(&mut self, o: &Origin) -> bool {
        let before = (self.request, self.params.len());
        self.request |= o.request;
        for p in &o.params {
            if !self.params.contains(p) {
                self.params.push(p.clone());
            }
        }
        before != (self.request, self.params.len())
    }
}

/// A parameter name that holds a token when FastAPI fills it from the request (`token`,
/// `access_token`, `authorization`, `credentials`...).
pub(crate) fn is_token_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    ["token", "jwt", "authorization", "bearer", "credential"]
        .iter()
        .any(|k| n.contains(k))
}

/// What a token named `name` (a variable, parameter, field or function name) is for, when
/// it is not identity: an OAuth `state`, a pagination cursor, a CSRF token, a signed link.
/// Decoding one and rejecting a bad one authenticates nobody.
pub(crate) fn non_identity_purpose(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let words: Vec<&str> = n
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    if has(&["state"]) {
        Some("an OAuth state")
    } else if has(&["cursor", "pagination", "paginate", "continuation", "page"]) {
        Some("a pagination cursor")
    } else if has(&["csrf", "xsrf"]) {
        Some("a CSRF token")
    } else if has(&["captcha", "recaptcha", "hcaptcha", "turnstile"]) {
        Some("a CAPTCHA answer")
    } else if has(&[
        "signed",
        "signature",
        "share",
        "shared",
        "link",
        "download",
        "unsubscribe",
        "invite",
        "invitation",
    ]) || has(&["file"]) && has(&["token", "jwt"])
    {
        Some("a signed link")
    } else {
        None
    }
}

/// The purpose of a function that decodes a token, from its name (`decode_cursor`,
/// `verify_state`, `load_signed_link`), when it is not identity.
pub(crate) fn purpose_of_function(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let decoder = [
        "decode", "verify", "validate", "parse", "check", "load", "read", "unsign",
    ]
    .iter()
    .any(|w| n.contains(w));
    if decoder {
        non_identity_purpose(&n)
    } else {
        None
    }
}

/// The purpose of the token a call decodes, from its first argument's name (`state`,
/// `data.cursor`, `request.query_params["cursor"]`), when it is not identity.
pub(crate) fn decoded_purpose(c: &ExprCall) -> Option<&'static str> {
    let a = c.arguments.args.first().or_else(|| {
        c.arguments
            .keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|n| n.as_str() == "token" || n.as_str() == "jwt")
            })
            .map(|k| &k.value)
    })?;
    let name = match a {
        Expr::Subscript(s) => str_lit(&s.slice)?,
        Expr::Call(inner) => match &*inner.func {
            Expr::Attribute(at) if at.attr.as_str() == "get" => {
                str_lit(inner.arguments.args.first()?)?
            }
            _ => return None,
        },
        e => {
            let k = key_of(e)?;
            k.rsplit('.').next()?.to_string()
        }
    };
    non_identity_purpose(&name)
}

/// Words of a 401/403 denial in the text of a raise or a response (lower case).
pub(crate) const DENIAL_WORDS: &[&str] = &[
    "401",
    "403",
    "unauthorized",
    "forbidden",
    "notauthenticated",
    "permissiondenied",
    "authenticationfailed",
];

/// The `self.<attr> = value` (or annotated) assignment of a method body, if there is one.
pub(crate) fn self_attr_value<'p>(body: &'p [Stmt], attr: &str) -> Option<&'p Expr> {
    let is_self_attr = |t: &Expr| {
        matches!(t, Expr::Attribute(ta) if ta.attr.as_str() == attr
            && matches!(&*ta.value, Expr::Name(n) if n.id.as_str() == "self"))
    };
    body.iter().find_map(|s| match s {
        Stmt::Assign(asg) if asg.targets.iter().any(is_self_attr) => Some(&*asg.value),
        Stmt::AnnAssign(asg) if is_self_attr(&asg.target) => asg.value.as_deref(),
        _ => None,
    })
}

/// The pseudo-variable that stays in the state until a token helper verified the token.
const UNVERIFIED: &str = "$unverified";

/// Constant-time comparisons and password-hash checks of a presented secret.
const SECRET_COMPARES: &[&str] = &[
    "secrets.compare_digest",
    "hmac.compare_digest",
    "bcrypt.checkpw",
    "werkzeug.security.check_password_hash",
];

pub(crate) const DECODERS: &[&str] = &[
    "jwt.decode",
    "jwt.decode_complete",
    "jwt.api_jwt.decode",
    "jwt.PyJWT.decode",
    "jose.jwt.decode",
    "authlib.jose.jwt.decode",
    "joserfc.jwt.decode",
];

const STRING_METHODS: &[&str] = &[
    "removeprefix",
    "removesuffix",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "replace",
];

const IDENTITY_CLAIMS: &[&str] = &[
    "sub",
    "user_id",
    "userid",
    "uid",
    "username",
    "user",
    "email",
    "id",
    "user_name",
    "login",
];

/// `a.b.c` for a Name/Attribute chain; `getattr(x, "y", ...)` as `x.y`.
pub(crate) fn key_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(format!("{}.{}", key_of(&a.value)?, a.attr.as_str())),
        Expr::Call(c) => {
            if matches!(&*c.func, Expr::Name(n) if n.id.as_str() == "getattr") {
                let obj = c.arguments.args.first()?;
                let attr = c.arguments.args.get(1).and_then(str_lit)?;
                Some(format!("{}.{attr}", key_of(obj)?))
            } else {
                None
            }
        }
        Expr::Await(a) => key_of(&a.value),
        _ => None,
    }
}

fn is_none_like(e: &Expr) -> bool {
    match e {
        Expr::NoneLiteral(_) => true,
        Expr::Dict(d) => d.items.is_empty(),
        Expr::StringLiteral(s) => s.value.to_str().is_empty(),
        Expr::BooleanLiteral(b) => !b.value,
        _ => false,
    }
}

/// `x.get("sub")`: the receiver and claim name.
fn claim_get(e: &Expr) -> Option<(&Expr, String)> {
    let Expr::Call(c) = e else { return None };
    let Expr::Attribute(a) = &*c.func else {
        return None;
    };
    if a.attr.as_str() != "get" || c.arguments.args.len() != 1 {
        return None;
    }
    let claim = str_lit(&c.arguments.args[0])?;
    IDENTITY_CLAIMS
        .contains(&claim.as_str())
        .then_some((&*a.value, claim))
}

struct Interp<'a, 'm, 'p> {
    an: &'a Analyzer<'m, 'p>,
    func: Func<'p>,
    depth: u32,
    except_ctx: Vec<(String, TextRange)>,
    /// The `if` tests enclosing the statement being walked (then-branches only).
    tests: Vec<String>,
    /// How many of those tests compare a presented secret with the expected one
    /// (`elif creds and verify_password(...)`): a branch that authenticates another way.
    secret_tests: u32,
    /// A return was reached before any token helper verified the token.
    unverified_return: bool,
    out: Summary,
}

impl<'m, 'p> Analyzer<'m, 'p> {
    pub fn new(m: &'m Model<'p>, jwt: &'m JwtModel<'p>, settings: &'m crate::Settings) -> Self {
        let decode_by_call = jwt
            .decodes
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind != DecodeKind::UnverifiedHeader)
            .map(|(i, d)| (d.call as *const ExprCall as usize, i))
            .collect();
        Analyzer {
            m,
            jwt,
            decode_by_call,
            memo: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            params_memo: RefCell::new(HashMap::new()),
            settings,
            origins_memo: RefCell::new(HashMap::new()),
            minting: std::cell::OnceCell::new(),
        }
    }

    /// A credential check that rejects: `f` raises (or returns) a 401/403, or calls a
    /// fastapi-jwt-auth style `jwt_required()`. Judged on its text; the callers use it for
    /// dependencies, middleware and handler prologues whose identity comes from an opaque
    /// session, an API key or a store rather than a JWT decode.
    pub fn rejects_credentials(&self, f: Func<'p>) -> bool {
        let text = self.m.ix.module(f.mid).slice(f.def.range());
        if [
            "jwt_required(",
            "fresh_jwt_required(",
            "jwt_refresh_token_required(",
        ]
        .iter()
        .any(|w| text.contains(w))
        {
            return true;
        }
        let raises = text.contains("raise ");
        let responds = text.contains("status_code=401") || text.contains("status_code=403");
        let lower = text.to_ascii_lowercase();
        (raises || responds) && DENIAL_WORDS.iter().any(|w| lower.contains(w))
    }

    /// An awaited call of the ASGI callable `f` that answers 401/403 or (unless `http_only`)
    /// closes the WebSocket: `await send({"type": "http.response.start", "status": 401})`, `await
    /// JSONResponse(..., status_code=403)(scope, receive, send)`, `await denied(scope, receive,
    /// send)` of a response built so in `f`, or a project function that does one of these
    /// (`await self._reject(scope, receive, send)`).
    pub(crate) fn asgi_refusal(&self, f: Func<'p>, e: &'p Expr, http_only: bool) -> bool {
        if !takes_asgi_send(f.def) {
            return false;
        }
        let Expr::Await(a) = e else { return false };
        let Expr::Call(c) = &*a.value else {
            return false;
        };
        let md = self.m.ix.module(f.mid);
        if asgi_denial_text(md.slice(c.range()), http_only) {
            return true;
        }
        // A response object of `f`'s own, called with the ASGI triple.
        if let Expr::Name(n) = &*c.func {
            let mut built = false;
            crate::model::for_each_stmt(&f.def.body, None, &mut |st, _| {
                if let Stmt::Assign(asg) = st
                    && asg
                        .targets
                        .iter()
                        .any(|t| matches!(t, Expr::Name(t) if t.id == n.id))
                    && asgi_denial_text(md.slice(asg.value.range()), http_only)
                {
                    built = true;
                }
            });
            if built {
                return true;
            }
        }
        self.callee(f, &c.func).is_some_and(|g| {
            let t = self.m.ix.module(g.mid).slice(g.def.range());
            (t.contains("send(") || t.contains("(scope, receive, send)"))
                && asgi_denial_text(t, http_only)
        })
    }

    /// The JWT-library model.
    pub fn jwt(&self) -> &'m JwtModel<'p> {
        self.jwt
    }

    /// The qualified name of a function (`module.name`, `module.Class.name`), as the JWT
    /// model names them.
    pub fn qualname(&self, f: Func<'p>) -> String {
        let md = self.m.ix.module(f.mid);
        match f.class {
            Some(c) => format!("{}.{}.{}", md.name, c.name.as_str(), f.def.name.as_str()),
            None => format!("{}.{}", md.name, f.def.name.as_str()),
        }
    }

    /// True when `f` mints a JWT: it calls an encode of a JWT library, directly or through
    /// project functions (`create_access_token`), or a token-issuing method of an auth
    /// library (`Authorize.create_access_token`, `strategy.write_token`).
    pub fn mints(&self, f: Func<'p>) -> bool {
        let set = self.minting.get_or_init(|| {
            let mut out = HashSet::new();
            for e in self.jwt.app_encodes() {
                let Some(fun) = &e.function else { continue };
                // A cursor, an OAuth state or a CSRF token is signed, not a credential.
                if non_identity_purpose(fun.rsplit('.').next().unwrap_or("")).is_some() {
                    continue;
                }
                if out.insert(fun.clone()) {
                    for site in self.jwt.callers(fun, 512) {
                        if let Some(c) = site.caller {
                            out.insert(c);
                        }
                    }
                }
            }
            out
        });
        self.mints_depth(f, set, 0)
    }

    fn mints_depth(&self, f: Func<'p>, set: &HashSet<String>, depth: u32) -> bool {
        if set.contains(&self.qualname(f)) {
            return true;
        }
        let text = self.m.ix.module(f.mid).slice(f.def.range());
        if [
            "create_access_token(",
            "create_refresh_token(",
            "write_token(",
            ".encode_token(",
        ]
        .iter()
        .any(|w| text.contains(w))
        {
            return true;
        }
        if depth >= 3 {
            return false;
        }
        // Through project calls the JWT model's call graph does not see (methods of
        // module-level instances: `auth_service.issue(user)`).
        let mut found = false;
        crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |st, _| {
            if found {
                return;
            }
            let exprs: Vec<&'p Expr> = match st {
                Stmt::Expr(e) => vec![&*e.value],
                Stmt::Return(r) => r.value.as_deref().into_iter().collect(),
                Stmt::Assign(a) => vec![&*a.value],
                Stmt::AnnAssign(a) => a.value.as_deref().into_iter().collect(),
                _ => Vec::new(),
            };
            for e in exprs {
                jwtward_python::walk::for_each_subexpr(e, &mut |x| {
                    if found {
                        return;
                    }
                    if let Expr::Call(c) = x
                        && let Some(g) = self.callee(f, &c.func)
                        && g.key() != f.key()
                        && self.mints_depth(g, set, depth + 1)
                    {
                        found = true;
                    }
                });
            }
        });
        found
    }

    /// True when a call of `call` (from module `mid`) calls a configured token helper.
    pub fn is_helper_call(&self, mid: ModuleId, call: &ExprCall) -> bool {
        let names = &self.settings.token_helpers;
        if names.is_empty() {
            return false;
        }
        let mut cands: Vec<String> = Vec::new();
        cands.extend(self.m.ix.spelled(mid, &call.func));
        match self.m.ix.resolve_expr(mid, &call.func) {
            Some(Sym::External(q)) => cands.push(q),
            Some(Sym::Function(fm, f)) => {
                cands.push(format!("{}.{}", self.m.ix.module(fm).name, f.name.as_str()))
            }
            _ => {}
        }
        // `self.verify(...)`, a name the module does not bind: its last part.
        if cands.is_empty()
            && let Expr::Attribute(a) = &*call.func
        {
            cands.push(a.attr.to_string());
        }
        names
            .iter()
            .any(|n| cands.iter().any(|c| crate::name_matches(n, c)))
    }

    /// Where each variable of `f` comes from (flow-insensitive: parameters, then every
    /// assignment in the body until nothing changes).
    pub fn origins(&self, f: Func<'p>) -> Rc<HashMap<String, Origin>> {
        if let Some(o) = self.origins_memo.borrow().get(&f.key()) {
            return o.clone();
        }
        let mut map: HashMap<String, Origin> = HashMap::new();
        for p in self.params(f).iter() {
            let request = p.is_request
                || p.source.is_some()
                || match p.dep.as_ref().map(|d| &d.target) {
                    Some(DepTarget::Scheme(_)) => true,
                    // `token: str = Depends(get_token)` where get_token reads the token.
                    Some(DepTarget::Func(g)) if g.key() != f.key() => self
                        .summary(*g)
                        .sources
                        .iter()
                        .any(TokenSource::is_token_like),
                    _ => false,
                };
            let o = if request {
                Origin {
                    request: true,
                    params: Vec::new(),
                }
            } else if p.dep.is_none() {
                Origin {
                    request: false,
                    params: vec![p.name.clone()],
                }
            } else {
                continue;
            };
            map.insert(p.name.clone(), o);
        }
        let mut assigns: Vec<(&'p Expr, &'p Expr)> = Vec::new();
        crate::model::for_each_stmt(&f.def.body, Some(f.def), &mut |s, scope| {
            if scope.map(|d| std::ptr::eq(d, f.def)) != Some(true) {
                return;
            }
            match s {
                Stmt::Assign(a) => assigns.extend(a.targets.iter().map(|t| (t, &*a.value))),
                Stmt::AnnAssign(a) => {
                    if let Some(v) = &a.value {
                        assigns.push((&*a.target, &**v));
                    }
                }
                _ => {}
            }
        });
        for _ in 0..4 {
            let mut changed = false;
            for (t, v) in &assigns {
                let o = origin_of(v, &map);
                if o == Origin::default() {
                    continue;
                }
                let targets: Vec<&Expr> = match t {
                    Expr::Tuple(tt) => tt.elts.iter().collect(),
                    t => vec![*t],
                };
                for t in targets {
                    if let Some(k) = key_of(t) {
                        changed |= map.entry(k).or_default().merge(&o);
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let rc = Rc::new(map);
        self.origins_memo.borrow_mut().insert(f.key(), rc.clone());
        rc
    }

    /// Where `f`, used as a dependency or handler, verifies the request's token with a
    /// token helper on every path: its own calls on request data, or calls on a plain
    /// parameter named like a token (`token: str` is read from the request by FastAPI).
    pub fn verified(&self, f: Func<'p>) -> Option<Point> {
        let s = self.summary(f);
        if !s.verifies_always {
            return None;
        }
        s.verifies.clone().or_else(|| {
            s.verifies_params
                .iter()
                .find(|(p, _)| is_token_name(p))
                .map(|(_, pt)| pt.clone())
        })
    }

    pub fn step(&self, mid: ModuleId, range: TextRange, note: impl Into<String>) -> TraceStep {
        let md = self.m.ix.module(mid);
        TraceStep {
            file: Some(md.display_path.clone()),
            line: Some(md.line_column(range.start()).0),
            note: note.into(),
        }
    }

    pub fn text(&self, mid: ModuleId, range: TextRange) -> String {
        let s = self.m.ix.module(mid).slice(range);
        let first = s.lines().next().unwrap_or("");
        if first.len() > 80 {
            format!("{}...", &first[..first.floor_char_boundary(77)])
        } else if s.contains('\n') {
            format!("{first}...")
        } else {
            first.to_string()
        }
    }

    /// "decodes the token with PyJWT jwt.decode (signature verified, exp checked...)".
    pub fn decode_note(&self, mid: ModuleId, call: &ExprCall) -> String {
        let text = self.text(mid, call.range());
        let Some(&i) = self.decode_by_call.get(&(call as *const ExprCall as usize)) else {
            return format!("decodes the token: {text}");
        };
        let d = &self.jwt.decodes[i];
        // Only the signature verdict goes into traces: the finer validation details belong
        // to the JWT rules of `jwtward_scan`, which report them on their own.
        let verdict = match d.signature {
            Check::Off(_) | Check::Never => " without verifying the signature",
            _ => "",
        };
        format!(
            "decodes the token with {} {}{verdict}",
            d.library.name(),
            d.callee
        )
    }

    /// Cheap pre-check that `f` may decode a token: the JWT model says so (through project
    /// calls), or its text mentions decoding. Lets the callers skip summaries of handlers.
    pub fn may_decode(&self, f: Func<'p>) -> bool {
        let md = self.m.ix.module(f.mid);
        let qual = match f.class {
            Some(c) => format!("{}.{}.{}", md.name, c.name.as_str(), f.def.name.as_str()),
            None => format!("{}.{}", md.name, f.def.name.as_str()),
        };
        self.jwt.decodes_jwt(&qual) || md.slice(f.def.range()).contains("decode")
    }

    /// The project function a call's callee refers to, seen from inside `from`.
    pub fn callee(&self, from: Func<'p>, func: &'p Expr) -> Option<Func<'p>> {
        match func {
            Expr::Name(n) => {
                if let Some(d) = crate::model::local_def(from.def, n.id.as_str()) {
                    return Some(Func {
                        mid: from.mid,
                        def: d,
                        class: None,
                        bound: None,
                    });
                }
                match self.m.ix.resolve_name(from.mid, n.id.as_str(), 0)? {
                    Sym::Function(fm, f) => Some(Func {
                        mid: fm,
                        def: f,
                        class: None,
                        bound: None,
                    }),
                    _ => None,
                }
            }
            Expr::Attribute(a) => {
                // `super().__call__(...)`: the method of a base class.
                if let Expr::Call(sc) = &*a.value
                    && matches!(&*sc.func, Expr::Name(n) if n.id.as_str() == "super")
                    && let Some(c) = from.class
                {
                    return c.arguments.as_ref()?.args.iter().find_map(|b| {
                        let Some(Sym::Class(bm, bc)) = self.m.ix.resolve_expr(from.mid, b) else {
                            return None;
                        };
                        let (fm, f) = self.m.ix.method(bm, bc, a.attr.as_str(), 0)?;
                        Some(Func {
                            mid: fm,
                            def: f,
                            class: Some(bc),
                            bound: None,
                        })
                    });
                }
                if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self" || n.id.as_str() == "cls")
                    && let Some(c) = from.class
                {
                    let (fm, f) = self.m.ix.method(from.mid, c, a.attr.as_str(), 0)?;
                    return Some(Func {
                        mid: fm,
                        def: f,
                        class: Some(c),
                        bound: None,
                    });
                }
                if let Some((fm, f, class)) = self.m.ix.bound_method(from.mid, func) {
                    return Some(Func {
                        mid: fm,
                        def: f,
                        class: Some(class),
                        bound: None,
                    });
                }
                // A method of a parameter annotated with a project class
                // (`auth_jwt: AuthJwt = Depends()` then `auth_jwt.get_subject()`).
                if let Expr::Name(n) = &*a.value {
                    let ps = &from.def.parameters;
                    if let Some(ann) = ps
                        .posonlyargs
                        .iter()
                        .chain(&ps.args)
                        .chain(&ps.kwonlyargs)
                        .find(|p| p.name().as_str() == n.id.as_str())
                        .and_then(|p| p.parameter.annotation())
                        && let Some(Sym::Class(cm, class)) = self.m.ix.resolve_expr(from.mid, ann)
                        && let Some((fm, f)) = self.m.ix.method(cm, class, a.attr.as_str(), 0)
                    {
                        return Some(Func {
                            mid: fm,
                            def: f,
                            class: Some(class),
                            bound: None,
                        });
                    }
                }
                match self.m.ix.resolve_expr(from.mid, func) {
                    Some(Sym::Function(fm, f)) => Some(Func {
                        mid: fm,
                        def: f,
                        class: None,
                        bound: None,
                    }),
                    Some(_) => None,
                    None => self.unique_decoding_method(from, a),
                }
            }
            _ => None,
        }
    }

    /// `obj.verify_token(...)` on an object whose class is not known (a factory's result, a
    /// parameter): the project method of that name that decodes a token, when there is
    /// exactly one. A receiver that names an import from outside the project or a module is
    /// never matched.
    fn unique_decoding_method(
        &self,
        from: Func<'p>,
        a: &'p ruff_python_ast::ExprAttribute,
    ) -> Option<Func<'p>> {
        if let Expr::Name(n) = &*a.value
            && matches!(
                self.m.ix.resolve_name(from.mid, n.id.as_str(), 0),
                Some(Sym::External(_) | Sym::Module(_))
            )
        {
            return None;
        }
        let [q] = self.jwt.decoding_methods_named(a.attr.as_str()) else {
            return None;
        };
        let (class_q, method) = q.rsplit_once('.')?;
        let (module, class) = class_q.rsplit_once('.')?;
        let md = self.m.ix.project.module_by_name(module)?;
        let c = md.ast().body.iter().find_map(|s| match s {
            Stmt::ClassDef(c) if c.name.as_str() == class => Some(c),
            _ => None,
        })?;
        let def = crate::index::class_method(c, method)?;
        Some(Func {
            mid: md.id,
            def,
            class: Some(c),
            bound: None,
        })
    }

    /// True when `e` compares a presented secret with the expected one, itself or through
    /// a project helper (`secrets.compare_digest(password, config["password"])`,
    /// `verify_auth(config, creds.username, creds.password)`).
    pub fn compares_secret(&self, from: Func<'p>, e: &'p Expr, depth: u32) -> bool {
        calls_in_expr(e).into_iter().any(|c| {
            if let Some(Sym::External(q)) = self.m.ix.resolve_expr(from.mid, &c.func)
                && SECRET_COMPARES.contains(&q.as_str())
            {
                return true;
            }
            // A method of a provider the model cannot type (`self.crypto.verify_api_key(raw,
            // hashed)`): its name says what it checks.
            if let Expr::Attribute(a) = &*c.func {
                let n = a.attr.as_str().to_ascii_lowercase();
                if ["verify", "check", "compare"]
                    .iter()
                    .any(|w| n.starts_with(w))
                    && ["password", "api_key", "secret", "digest", "hash"]
                        .iter()
                        .any(|w| n.contains(w))
                {
                    return true;
                }
            }
            if depth >= 2 {
                return false;
            }
            let Some(callee) = self.callee(from, &c.func) else {
                return false;
            };
            let mut found = false;
            crate::model::for_each_stmt(&callee.def.body, Some(callee.def), &mut |s, _| {
                if !found {
                    found = stmt_exprs(s)
                        .into_iter()
                        .any(|x| self.compares_secret(callee, x, depth + 1));
                }
            });
            found
        })
    }

    pub fn is_decode_call(&self, mid: ModuleId, call: &ExprCall) -> bool {
        if self
            .decode_by_call
            .contains_key(&(call as *const ExprCall as usize))
        {
            return true;
        }
        match self.m.ix.resolve_expr(mid, &call.func) {
            Some(Sym::External(q)) => DECODERS.contains(&q.as_str()),
            _ => false,
        }
    }

    /// The parameters of a function as FastAPI sees them.
    pub fn params(&self, f: Func<'p>) -> Rc<Vec<ParamInfo<'p>>> {
        if let Some(p) = self.params_memo.borrow().get(&f.key()) {
            return p.clone();
        }
        let mut out = Vec::new();
        let ps = &f.def.parameters;
        for p in ps.posonlyargs.iter().chain(&ps.args).chain(&ps.kwonlyargs) {
            if f.class.is_some() && p.name().as_str() == "self" {
                continue;
            }
            out.push(self.param_info(f, p));
        }
        let rc = Rc::new(out);
        self.params_memo.borrow_mut().insert(f.key(), rc.clone());
        rc
    }

    /// `Annotated[T, meta...]` (directly or through an alias): the module the metadata is
    /// written in, `T`, and the metadata.
    fn annotated(
        &self,
        mid: ModuleId,
        ann: &'p Expr,
        depth: u32,
    ) -> Option<(ModuleId, &'p Expr, Vec<&'p Expr>)> {
        if depth > 6 {
            return None;
        }
        match ann {
            Expr::Subscript(s) => {
                let is_annotated = match self.m.ix.resolve_expr(mid, &s.value) {
                    Some(Sym::External(q)) => q.ends_with("Annotated"),
                    _ => matches!(&*s.value, Expr::Name(n) if n.id.as_str() == "Annotated"),
                };
                if !is_annotated {
                    return None;
                }
                let Expr::Tuple(t) = &*s.slice else {
                    return None;
                };
                let mut it = t.elts.iter();
                let ty = it.next()?;
                Some((mid, ty, it.collect()))
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                if !self.m.ix.may_define(mid, ann, &["Annotated"]) {
                    return None;
                }
                match self.m.ix.resolve_expr(mid, ann)? {
                    Sym::Value(vm, v) => self.annotated(vm, v, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn param_info(&self, f: Func<'p>, p: &'p ParameterWithDefault) -> ParamInfo<'p> {
        let name = p.name().to_string();
        let mut info = ParamInfo {
            name: name.clone(),
            dep: None,
            source: None,
            optional: p
                .default()
                .is_some_and(|d| matches!(d, Expr::NoneLiteral(_))),
            is_request: false,
            is_login_form: false,
            range: p.range(),
        };
        let ann = p.parameter.annotation();
        let mut metas: Vec<(ModuleId, &'p Expr)> = Vec::new();
        let mut ty: Option<(ModuleId, &'p Expr)> = ann.map(|a| (f.mid, a));
        if let Some(a) = ann
            && let Some((am, t, ms)) = self.annotated(f.mid, a, 0)
        {
            ty = Some((am, t));
            metas.extend(ms.into_iter().map(|m| (am, m)));
        }
        if let Some(d) = p.default() {
            metas.push((f.mid, d));
        }
        // Defaults are evaluated where the function is defined: a handler nested in a router
        // factory or a method sees the factory's locals and `self`.
        let scope = self.m.enclosing_fn(f.def);
        for (mm, meta) in metas {
            let ty_expr = ty.filter(|(tm, _)| *tm == mm).map(|(_, t)| t);
            if let Some(mut dep) = self
                .m
                .depends_call(mm, scope, meta, ty_expr, Some(name.clone()))
            {
                if matches!(&dep.target, DepTarget::External(q)
                    if q.ends_with("OAuth2PasswordRequestForm")
                        || q.ends_with("OAuth2PasswordRequestFormStrict"))
                {
                    info.is_login_form = true;
                }
                // `x: Service = Depends()`: the class in the annotation is the dependency. An
                // explicit callable that did not resolve (a factory's local) stays as it is.
                let explicit = matches!(meta, Expr::Call(c)
                    if c.arguments.find_argument_value("dependency", 0).is_some());
                if let (DepTarget::Unknown(_), Some((tm, t))) = (&dep.target, ty)
                    && !explicit
                {
                    dep.target = self.m.dep_target(tm, None, t, 0);
                }
                info.dep = Some(dep);
                continue;
            }
            if let Expr::Call(c) = meta
                && let Some(Sym::External(q)) = self.m.ix.resolve_expr(mm, &c.func)
            {
                let kind = if is_framework(&q, &["Header"]) {
                    Some(SourceKind::Header)
                } else if is_framework(&q, &["Cookie"]) {
                    Some(SourceKind::Cookie)
                } else if is_framework(&q, &["Query"]) {
                    Some(SourceKind::Query)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let alias = c
                        .arguments
                        .find_keyword("alias")
                        .and_then(|k| str_lit(&k.value));
                    let default = c.arguments.find_argument_value("default", 0);
                    if default.is_some_and(|d| matches!(d, Expr::NoneLiteral(_))) {
                        info.optional = true;
                    }
                    info.source = Some(TokenSource {
                        kind,
                        name: alias.unwrap_or_else(|| name.clone()),
                        mid: f.mid,
                        range: p.range(),
                    });
                }
            }
        }
        if let Some((tm, t)) = ty {
            let t = match t {
                Expr::BinOp(b) => &*b.left,
                t => t,
            };
            let last = match t {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.as_str(),
                _ => "",
            };
            let interesting = matches!(
                last,
                "Request"
                    | "HTTPConnection"
                    | "WebSocket"
                    | "OAuth2PasswordRequestForm"
                    | "OAuth2PasswordRequestFormStrict"
            );
            if interesting && let Some(Sym::External(q)) = self.m.ix.resolve_expr(tm, t) {
                if is_framework(&q, &["Request", "HTTPConnection", "WebSocket"]) {
                    info.is_request = true;
                }
                if q.ends_with("OAuth2PasswordRequestForm")
                    || q.ends_with("OAuth2PasswordRequestFormStrict")
                {
                    info.is_login_form = true;
                }
            }
        }
        info
    }

    /// The summary of a function (memoised; recursion is cut off).
    pub fn summary(&self, f: Func<'p>) -> Rc<Summary> {
        self.summary_depth(f, 0)
    }

    fn summary_depth(&self, f: Func<'p>, depth: u32) -> Rc<Summary> {
        if let Some(s) = self.memo.borrow().get(&f.key()) {
            return s.clone();
        }
        if depth > 6 || !self.busy.borrow_mut().insert(f.key()) {
            return Rc::new(Summary::default());
        }
        let init = self.initial_state(f);
        let s = Rc::new(self.interpret(f, init, depth));
        self.busy.borrow_mut().remove(&f.key());
        self.memo.borrow_mut().insert(f.key(), s.clone());
        s
    }

    /// What a dependency use yields: None (and why), from its target.
    pub fn dep_nullable(&self, d: &DepUse<'p>) -> Option<(Vec<TraceStep>, Option<usize>)> {
        match &d.target {
            DepTarget::Scheme(s) => {
                let sc = &self.m.schemes[*s];
                if sc.auto_error {
                    return None;
                }
                let (am, ar) = sc.auto_error_at.unwrap_or((sc.mid, sc.range));
                Some((
                    vec![self.step(
                        am,
                        ar,
                        format!(
                            "`{}` has auto_error=False: it yields None when the credentials are missing",
                            sc.name
                        ),
                    )],
                    Some(*s),
                ))
            }
            DepTarget::Func(f) => {
                let s = self.summary(*f);
                let p = s.fail_open.first()?;
                let scheme = s.optional_uses.first().map(|(s, _)| *s);
                Some((p.trace.clone(), scheme))
            }
            _ => None,
        }
    }

    fn initial_state(&self, f: Func<'p>) -> State {
        let mut st = State::new();
        for p in self.params(f).iter() {
            if let Some(d) = &p.dep {
                if let Some((why, scheme)) = self.dep_nullable(d) {
                    let mut trace = vec![self.step(
                        d.mid,
                        d.range,
                        format!("`{}` comes from {}, which may yield None", p.name, d.text),
                    )];
                    trace.extend(why);
                    st.insert(
                        p.name.clone(),
                        Nullable {
                            why: trace,
                            known: None,
                            claim: false,
                            scheme,
                            guarded: false,
                            root: None,
                        },
                    );
                }
            } else if p.optional && p.source.as_ref().is_some_and(TokenSource::is_token_like) {
                st.insert(
                    p.name.clone(),
                    Nullable {
                        why: vec![self.step(
                            f.mid,
                            p.range,
                            format!("`{}` is None when the request has no token", p.name),
                        )],
                        known: None,
                        claim: false,
                        scheme: None,
                        guarded: false,
                        root: None,
                    },
                );
            }
        }
        st
    }

    /// Runs the walk over `f` from `init` and returns what it found.
    pub fn interpret_with(&self, f: Func<'p>, init: Vec<(String, Vec<TraceStep>)>) -> Summary {
        let mut st = State::new();
        for (k, why) in init {
            st.insert(
                k.clone(),
                Nullable {
                    root: Some(k),
                    why,
                    known: None,
                    claim: false,
                    scheme: None,
                    guarded: false,
                },
            );
        }
        self.interpret(f, st, 0)
    }

    fn interpret(&self, f: Func<'p>, init: State, depth: u32) -> Summary {
        let mut init = init;
        if !self.settings.token_helpers.is_empty() {
            init.insert(
                UNVERIFIED.into(),
                Nullable {
                    why: Vec::new(),
                    known: None,
                    claim: false,
                    scheme: None,
                    guarded: false,
                    root: None,
                },
            );
        }
        let mut it = Interp {
            an: self,
            func: f,
            depth,
            except_ctx: Vec::new(),
            tests: Vec::new(),
            secret_tests: 0,
            unverified_return: false,
            out: Summary::default(),
        };
        for p in self.params(f).iter() {
            if let Some(s) = &p.source {
                it.out.sources.push(s.clone());
            }
            if let Some(d) = &p.dep
                && let DepTarget::Scheme(s) = d.target
            {
                let sc = &self.m.schemes[s];
                let kind = match sc.source() {
                    "cookie" => SourceKind::Cookie,
                    "query" => SourceKind::Query,
                    _ => SourceKind::Header,
                };
                it.out.sources.push(TokenSource {
                    kind,
                    // HTTP and OAuth2 schemes read the Authorization header.
                    name: sc
                        .key_name
                        .clone()
                        .unwrap_or_else(|| "Authorization".into()),
                    mid: d.mid,
                    range: d.range,
                });
            }
        }
        let end = it.block(&f.def.body, init);
        if let Some(st) = end {
            let r = TextRange::empty(f.def.range().end());
            it.on_return(r, None, &st);
        }
        // A token helper raises on a missing or invalid token: when it runs on every path
        // that returns, the function fails closed like one that raises itself.
        let verifies = it.out.verifies.is_some() || !it.out.verifies_params.is_empty();
        it.out.verifies_always = verifies && !it.unverified_return;
        if it.out.verifies_always {
            it.out.raises = true;
        }
        it.out.always_raises = it.out.raises && it.out.returns.is_empty();
        // Explain with the invalid-token path first when there is one: it is the bypass.
        it.out.fail_open.sort_by_key(|p| {
            !p.trace
                .iter()
                .any(|s| s.note.contains("caught") || s.note.contains("swallows"))
        });
        it.out
    }
}

/// The origin of an expression: the union of the origins of the variables it reads
/// (lambdas excluded).
fn origin_of(e: &Expr, map: &HashMap<String, Origin>) -> Origin {
    struct V<'a> {
        map: &'a HashMap<String, Origin>,
        out: Origin,
    }
    impl<'e> Visitor<'e> for V<'_> {
        fn visit_expr(&mut self, e: &'e Expr) {
            if let Expr::Lambda(_) = e {
                return;
            }
            if let Some(k) = key_of(e)
                && let Some(o) = self.map.get(&k)
            {
                self.out.merge(o);
                return;
            }
            if let Expr::Name(n) = e
                && let Some(o) = self.map.get(n.id.as_str())
            {
                self.out.merge(o);
            }
            visitor::walk_expr(self, e);
        }
    }
    let mut v = V {
        map,
        out: Origin::default(),
    };
    v.visit_expr(e);
    v.out
}

struct SourceFinder<'a, 'p> {
    mid: ModuleId,
    out: &'a mut Vec<TokenSource>,
    _p: std::marker::PhantomData<&'p ()>,
}

impl<'p> Visitor<'p> for SourceFinder<'_, 'p> {
    fn visit_expr(&mut self, e: &'p Expr) {
        // The key read: a literal, else the name of the constant or attribute holding it
        // (`cookies.get(self._access_cookie_key)` reads `_access_cookie_key`).
        let key = |k: &Expr| {
            str_lit(k).or_else(|| match k {
                Expr::Name(n) => Some(n.id.to_string()),
                Expr::Attribute(a) => Some(a.attr.to_string()),
                _ => None,
            })
        };
        let hit = match e {
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(a) if a.attr.as_str() == "get" => {
                    Some((&*a.value, c.arguments.args.first().and_then(key)))
                }
                _ => None,
            },
            Expr::Subscript(s) => Some((&*s.value, key(&s.slice))),
            _ => None,
        };
        if let Some((Expr::Attribute(obj), Some(name))) = hit {
            let kind = match obj.attr.as_str() {
                "headers" => Some(SourceKind::Header),
                "cookies" => Some(SourceKind::Cookie),
                "query_params" => Some(SourceKind::Query),
                _ => None,
            };
            if let Some(kind) = kind {
                self.out.push(TokenSource {
                    kind,
                    name,
                    mid: self.mid,
                    range: e.range(),
                });
            }
        }
        visitor::walk_expr(self, e);
    }
}

struct CallFinder<'p> {
    calls: Vec<&'p ExprCall>,
}

impl<'p> Visitor<'p> for CallFinder<'p> {
    fn visit_expr(&mut self, e: &'p Expr) {
        if let Expr::Call(c) = e {
            self.calls.push(c);
        }
        // Lambdas and comprehensions are part of the statement; nested defs are not visited
        // because statements are visited one at a time by the interpreter.
        visitor::walk_expr(self, e);
    }
}

pub(crate) fn calls_in_expr(e: &Expr) -> Vec<&ExprCall> {
    let mut cf = CallFinder { calls: Vec::new() };
    cf.visit_expr(e);
    cf.calls
}

/// Expressions evaluated by a simple statement (not the bodies of compound statements).
pub(crate) fn stmt_exprs(s: &Stmt) -> Vec<&Expr> {
    match s {
        Stmt::Expr(e) => vec![&e.value],
        Stmt::Assign(a) => {
            let mut v = vec![&*a.value];
            v.extend(a.targets.iter());
            v
        }
        Stmt::AnnAssign(a) => a.value.as_deref().into_iter().collect(),
        Stmt::AugAssign(a) => vec![&a.value],
        Stmt::Return(r) => r.value.as_deref().into_iter().collect(),
        Stmt::Raise(r) => r.exc.as_deref().into_iter().collect(),
        Stmt::If(i) => vec![&i.test],
        Stmt::While(w) => vec![&w.test],
        Stmt::For(f) => vec![&f.iter],
        Stmt::With(w) => w.items.iter().map(|i| &i.context_expr).collect(),
        Stmt::Assert(a) => vec![&a.test],
        Stmt::Match(m) => vec![&m.subject],
        _ => Vec::new(),
    }
}

impl<'a, 'm, 'p> Interp<'a, 'm, 'p> {
    /// See [`bound_truth`].
    fn bound_truth(&self, test: &Expr) -> Option<bool> {
        bound_truth(self.an.m, self.func, test)
    }

    fn step(&self, range: TextRange, note: impl Into<String>) -> TraceStep {
        self.an.step(self.func.mid, range, note)
    }

    fn name(&self) -> String {
        self.func.display()
    }

    /// Notes the calls, token reads and dereferences a statement makes.
    fn scan_exprs(&mut self, s: &'p Stmt, st: &mut State) {
        for e in stmt_exprs(s) {
            let mut sf = SourceFinder {
                mid: self.func.mid,
                out: &mut self.out.sources,
                _p: std::marker::PhantomData,
            };
            sf.visit_expr(e);
            for c in calls_in_expr(e) {
                self.note_verification(c, st);
                // A token decoded for another purpose (an OAuth `state`, a pagination
                // cursor, a CSRF token, a signed link) identifies nobody.
                if self.out.decodes.is_none()
                    && purpose_of_function(self.func.def.name.as_str()).is_none()
                    && decoded_purpose(c).is_none()
                {
                    if self.an.is_decode_call(self.func.mid, c) {
                        self.out.decodes = Some(Point {
                            mid: self.func.mid,
                            range: c.range(),
                            trace: vec![
                                self.step(c.range(), self.an.decode_note(self.func.mid, c)),
                            ],
                        });
                    } else if let Some(callee) = self.an.callee(self.func, &c.func) {
                        let sum = self.an.summary_depth(callee, self.depth + 1);
                        if let Some(d) = &sum.decodes {
                            let mut trace =
                                vec![self.step(c.range(), format!("calls {}()", callee.display()))];
                            trace.extend(d.trace.iter().cloned());
                            self.out.decodes = Some(Point {
                                mid: self.func.mid,
                                range: c.range(),
                                trace,
                            });
                        }
                        if self.out.sources.len() < 64 {
                            self.out.sources.extend(sum.sources.iter().cloned());
                        }
                    }
                }
            }
            deref_scan(e, st);
        }
    }

    /// A call that verifies a token with a configured token helper: the helper itself on
    /// request data or on plain parameters, or a project function that does so on every
    /// path, given request data or plain parameters. The origin of the verified value and
    /// the point to report.
    fn verification(&self, c: &'p ExprCall) -> Option<(Origin, Point)> {
        if self.an.settings.token_helpers.is_empty() {
            return None;
        }
        let origins = self.an.origins(self.func);
        if self.an.is_helper_call(self.func.mid, c) {
            let mut o = Origin::default();
            for a in c.arguments.args.iter() {
                o.merge(&origin_of(a, &origins));
            }
            for k in c.arguments.keywords.iter() {
                o.merge(&origin_of(&k.value, &origins));
            }
            if !o.request && o.params.is_empty() {
                return None;
            }
            let note = format!(
                "verifies the token with the token helper `{}`",
                self.an.text(self.func.mid, c.range())
            );
            let pt = Point {
                mid: self.func.mid,
                range: c.range(),
                trace: vec![self.step(c.range(), note)],
            };
            return Some((o, pt));
        }
        let callee = self.an.callee(self.func, &c.func)?;
        let sum = self.an.summary_depth(callee, self.depth + 1);
        if !sum.verifies_always {
            return None;
        }
        let mut o = Origin {
            request: sum.verifies.is_some(),
            params: Vec::new(),
        };
        let cps = self.an.params(callee);
        for (p, _) in &sum.verifies_params {
            let arg = cps
                .iter()
                .position(|x| x.name == *p)
                .and_then(|i| c.arguments.args.get(i))
                .filter(|a| !matches!(a, Expr::Starred(_)))
                .or_else(|| c.arguments.find_keyword(p).map(|k| &k.value));
            if let Some(a) = arg {
                o.merge(&origin_of(a, &origins));
            }
        }
        if !o.request && o.params.is_empty() {
            return None;
        }
        let inner = sum
            .verifies
            .as_ref()
            .or_else(|| sum.verifies_params.first().map(|(_, p)| p))?;
        let mut trace = vec![self.step(c.range(), format!("calls {}()", callee.display()))];
        trace.extend(inner.trace.iter().cloned());
        Some((
            o,
            Point {
                mid: self.func.mid,
                range: c.range(),
                trace,
            },
        ))
    }

    /// Records a token-helper verification made by `c`: after it the token is there (the
    /// helper raised otherwise).
    fn note_verification(&mut self, c: &'p ExprCall, st: &mut State) {
        let Some((o, pt)) = self.verification(c) else {
            return;
        };
        if o.request && self.out.verifies.is_none() {
            self.out.verifies = Some(pt.clone());
        }
        for p in o.params {
            if !self.out.verifies_params.iter().any(|(q, _)| *q == p) {
                self.out.verifies_params.push((p, pt.clone()));
            }
        }
        st.remove(UNVERIFIED);
        for a in c.arguments.args.iter() {
            if let Some(k) = key_of(a) {
                st.remove(&k);
            }
        }
    }

    fn block(&mut self, body: &'p [Stmt], mut st: State) -> Option<State> {
        for s in body {
            st = self.stmt(s, st)?;
        }
        Some(st)
    }

    fn nullable_of(&mut self, e: &'p Expr, st: &State) -> Option<Nullable> {
        match e {
            Expr::Await(a) => self.nullable_of(&a.value, st),
            Expr::NoneLiteral(_) => Some(Nullable {
                why: vec![self.step(e.range(), "starts as None")],
                known: None,
                claim: false,
                scheme: None,
                guarded: false,
                root: None,
            }),
            Expr::If(i) => {
                if is_none_like(&i.body) || is_none_like(&i.orelse) {
                    let mut why = vec![self.step(
                        e.range(),
                        format!(
                            "is None when `{}` is false",
                            self.an.text(self.func.mid, i.test.range())
                        ),
                    )];
                    if let Some(k) = key_of(&i.test)
                        && let Some(n) = st.get(&k)
                    {
                        why.extend(n.why.iter().cloned());
                    }
                    return Some(Nullable {
                        why,
                        known: None,
                        claim: false,
                        scheme: st
                            .get(&key_of(&i.test).unwrap_or_default())
                            .and_then(|n| n.scheme),
                        guarded: false,
                        root: None,
                    });
                }
                self.nullable_of(&i.body, st)
                    .or_else(|| self.nullable_of(&i.orelse, st))
            }
            Expr::BoolOp(b) if b.op == BoolOp::Or => {
                // `a or b` is missing only when every operand may be, and a guard like
                // `if a is None and b is None: raise` has not ruled that out.
                let mut last = None;
                for v in &b.values {
                    let n = self.nullable_of(v, st)?;
                    if n.guarded {
                        return None;
                    }
                    last = Some(n);
                }
                last
            }
            Expr::Call(c) => {
                if let Some((recv, claim)) = claim_get(e) {
                    let _ = recv;
                    return Some(Nullable {
                        why: vec![self.step(
                            e.range(),
                            format!(
                                "{} is None when the token has no `{claim}` claim",
                                self.an.text(self.func.mid, e.range())
                            ),
                        )],
                        known: None,
                        claim: true,
                        scheme: None,
                        guarded: false,
                        root: None,
                    });
                }
                if let Some(k) = key_of(e)
                    && let Some(n) = st.get(&k)
                {
                    return Some(n.clone());
                }
                if let Expr::Attribute(a) = &*c.func {
                    // String clean-up keeps a missing token missing.
                    if STRING_METHODS.contains(&a.attr.as_str()) {
                        return self.nullable_of(&a.value, st);
                    }
                    // `request.headers.get("authorization")`: absent from the request.
                    if a.attr.as_str() == "get"
                        && let Expr::Attribute(obj) = &*a.value
                        && let Some(name) = c.arguments.args.first().and_then(str_lit)
                    {
                        let kind = match obj.attr.as_str() {
                            "headers" => Some(SourceKind::Header),
                            "cookies" => Some(SourceKind::Cookie),
                            "query_params" => Some(SourceKind::Query),
                            _ => None,
                        };
                        if let Some(kind) = kind {
                            let src = TokenSource {
                                kind,
                                name: name.clone(),
                                mid: self.func.mid,
                                range: e.range(),
                            };
                            if src.is_token_like() {
                                return Some(Nullable {
                                    why: vec![self.step(
                                        e.range(),
                                        format!("`{name}` may be absent from the request"),
                                    )],
                                    known: None,
                                    claim: false,
                                    scheme: None,
                                    guarded: false,
                                    root: None,
                                });
                            }
                        }
                    }
                }
                // A configured token helper raises instead of returning None.
                if self.an.is_helper_call(self.func.mid, c) {
                    return None;
                }
                let callee = self.an.callee(self.func, &c.func)?;
                // Arguments that may be missing reach the callee: follow its summary. Only
                // token helpers count: a database helper that swallows an IntegrityError
                // says nothing about authentication.
                let sum = self.an.summary_depth(callee, self.depth + 1);
                let token_helper =
                    sum.decodes.is_some() || sum.sources.iter().any(TokenSource::is_token_like);
                if !token_helper {
                    return None;
                }
                let p = sum.fail_open.first()?;
                let mut why =
                    vec![self.step(e.range(), format!("{}() may return None", callee.display()))];
                why.extend(p.trace.iter().cloned());
                let scheme = c
                    .arguments
                    .args
                    .iter()
                    .filter_map(key_of)
                    .find_map(|k| st.get(&k).and_then(|n| n.scheme));
                Some(Nullable {
                    why,
                    known: None,
                    claim: false,
                    scheme,
                    guarded: false,
                    root: None,
                })
            }
            _ => {
                let k = key_of(e)?;
                st.get(&k).cloned()
            }
        }
    }

    fn on_return(&mut self, range: TextRange, value: Option<&'p Expr>, st: &State) {
        if st.contains_key(UNVERIFIED) {
            self.unverified_return = true;
        }
        // A WebSocket handler that returns before accepting the connection refuses it:
        // Starlette closes the socket (an HTTP 403 to the upgrade request).
        if value.is_none() && !range.is_empty() && self.ws_return_before_accept(range) {
            self.out.raises = true;
            return;
        }
        let missing: Vec<(String, Option<TextRange>, Option<String>)> = st
            .iter()
            .filter(|(k, _)| !k.starts_with('$'))
            .map(|(k, n)| (k.clone(), n.known, n.root.clone()))
            .collect();
        self.out.returns.push(ReturnEvent { missing });
        let implicit = value.is_none() && range.is_empty();
        // A pure ASGI callable returns nothing: it has sent its answer, or passed the request
        // on. It fails open when it passes it on with the identity known to be missing.
        if value.is_none() && takes_asgi_send(self.func.def) {
            if st.contains_key("$passed")
                && !self.under_path_test(range)
                && let Some((k, n)) = st
                    .iter()
                    .find(|(k, n)| n.known.is_some() && !n.claim && !k.starts_with('$'))
            {
                let mut trace = vec![self.step(
                    range,
                    format!(
                        "{} passes the request on when `{k}` is missing",
                        self.name()
                    ),
                )];
                trace.extend(n.why.iter().cloned());
                self.out.fail_open.push(Point {
                    mid: self.func.mid,
                    range,
                    trace,
                });
            }
            return;
        }
        let mut point: Option<(Vec<TraceStep>, bool, Option<usize>)> = None;
        // A guard declared `-> None` returns nothing on every path: a bare return is the
        // check passing, unless it swallows an exception or follows a missing value.
        // So is one that returns nothing anywhere and raises to refuse (a dependency for
        // `dependencies=[...]`, like Frigate's `allow_any_authenticated()` checker).
        let guard_passes = (matches!(self.func.def.returns.as_deref(), Some(Expr::NoneLiteral(_)))
            || returns_nothing_and_raises(self.func.def))
            && self.except_ctx.is_empty()
            && !st
                .iter()
                .any(|(k, n)| n.known.is_some() && !k.starts_with('$'));
        // A return under a secret comparison that passed (`if ADMIN_KEY and
        // compare_digest(x_api_key, ADMIN_KEY): return None`) follows a credential the caller
        // proved: whatever it returns, it is no request let through without one.
        let proved = self.secret_tests > 0;
        match value {
            _ if proved => {}
            Some(v) if is_none_like(v) && !guard_passes => {
                point = Some(self.none_return_note(range, st));
            }
            None if !implicit && !guard_passes => {
                point = Some(self.none_return_note(range, st));
            }
            Some(v) => {
                if let Some(n) = self.nullable_of(v, st) {
                    let what = self.an.text(self.func.mid, v.range());
                    let mut trace = vec![self.step(
                        range,
                        format!("{} returns `{what}`, which may be None", self.name()),
                    )];
                    trace.extend(n.why.iter().cloned());
                    point = Some((trace, n.claim, n.scheme));
                }
            }
            None => {}
        }
        if point.is_none()
            && self.secret_tests == 0
            && let Some(n) = st.get("$decode")
        {
            let mut trace = vec![self.step(
                range,
                format!(
                    "{} carries on after the token failed to decode",
                    self.name()
                ),
            )];
            trace.extend(n.why.iter().cloned());
            point = Some((trace, false, None));
        }
        // A response served (or a value returned) in a branch where the token or identity
        // is known to be missing, unless it is a 401/403 denial.
        if point.is_none()
            && !implicit
            && self.secret_tests == 0
            && let Some(v) = value
            && !self.is_denial(v)
            && let Some((k, n)) = st
                .iter()
                .find(|(k, n)| n.known.is_some() && !n.claim && !k.starts_with('$'))
            && !self.other_credential_checked(k, range)
        {
            let what = self.an.text(self.func.mid, v.range());
            let mut trace = vec![self.step(
                range,
                format!("{} returns `{what}` when `{k}` is missing", self.name()),
            )];
            trace.extend(n.why.iter().cloned());
            point = Some((trace, false, n.scheme));
        }
        // A return under a test on the request path (`if path in PUBLIC_PATHS: return`,
        // `if pattern.match(request.url.path): return`) exempts the paths listed there: each
        // route is either one of them or goes on to the check below.
        if point.as_ref().is_some_and(|(_, claim, _)| !claim) && self.under_path_test(range) {
            point = None;
        }
        if let Some((trace, claim, scheme)) = point {
            let p = Point {
                mid: self.func.mid,
                range,
                trace,
            };
            if claim {
                self.out.claim_gaps.push(p);
            } else {
                if let Some(s) = scheme {
                    self.out.optional_uses.push((s, p.clone()));
                }
                self.out.fail_open.push(p);
            }
        }
    }

    /// The return at `at` sits in a branch taken when another credential of the request is
    /// present (`if api_key is not None:`, `elif key:`; a credential parameter other than
    /// `missing`), and that branch refuses before it (`user = KEYS.get(key)`, `if user is
    /// None: raise ...`): the caller took the second way in, which is checked there. `elif
    /// creds: return creds.username` checks nothing and still fails open.
    fn other_credential_checked(&self, missing: &str, at: TextRange) -> bool {
        let md = self.an.m.ix.module(self.func.mid);
        let others: Vec<String> = self
            .an
            .params(self.func)
            .iter()
            .filter(|p| {
                p.name != missing
                    && (p.source.as_ref().is_some_and(TokenSource::is_token_like)
                        || matches!(
                            &p.dep,
                            Some(DepUse {
                                target: DepTarget::Scheme(_),
                                ..
                            })
                        ))
            })
            .map(|p| p.name.clone())
            .collect();
        if others.is_empty() {
            return false;
        }
        let present = |t: &str| {
            others
                .iter()
                .any(|n| t == format!("{n} is not None") || t == n)
        };
        let refuses_before = |body: &[Stmt]| {
            let mut hit = false;
            crate::model::for_each_stmt(body, None, &mut |st, _| {
                if st.range().end() <= at.start() && matches!(st, Stmt::Raise(_)) {
                    hit = true;
                }
            });
            hit
        };
        let mut found = false;
        crate::model::for_each_stmt(&self.func.def.body, Some(self.func.def), &mut |st, _| {
            let Stmt::If(i) = st else { return };
            let mut branches: Vec<(Option<&Expr>, &[Stmt])> = vec![(Some(&*i.test), &i.body)];
            branches.extend(
                i.elif_else_clauses
                    .iter()
                    .map(|c| (c.test.as_ref(), &c.body[..])),
            );
            for (test, body) in branches {
                if let Some(t) = test
                    && present(md.slice(t.range()))
                    && body.iter().any(|b| b.range().contains_range(at))
                    && refuses_before(body)
                {
                    found = true;
                }
            }
        });
        found
    }

    /// `f` takes a `WebSocket` parameter and no `.accept(` call of it comes before `at`.
    fn ws_return_before_accept(&self, at: TextRange) -> bool {
        let md = self.an.m.ix.module(self.func.mid);
        let Some(ws) = self
            .func
            .def
            .parameters
            .iter_non_variadic_params()
            .find(|p| {
                p.parameter
                    .annotation
                    .as_deref()
                    .is_some_and(|a| md.slice(a.range()).ends_with("WebSocket"))
            })
        else {
            return false;
        };
        let name = ws.parameter.name.as_str();
        let start = self.func.def.range().start();
        if at.start() <= start {
            return false;
        }
        let before = md.slice(TextRange::new(start, at.start()));
        !before.contains(&format!("{name}.accept("))
    }

    /// `at` lies in the body of an `if` (or a loop under one) whose test reads the request
    /// path, in a function that reads `request.url.path` (or `scope["path"]`).
    fn under_path_test(&self, at: TextRange) -> bool {
        let md = self.an.m.ix.module(self.func.mid);
        let body_text = md.slice(self.func.def.range());
        if !(body_text.contains(".url.path") || body_text.contains("[\"path\"]")) {
            return false;
        }
        fn walk(body: &[Stmt], at: TextRange, md: &jwtward_python::Module) -> bool {
            for st in body {
                if !st.range().contains_range(at) {
                    continue;
                }
                return match st {
                    Stmt::If(i) => {
                        let t = md.slice(i.test.range());
                        if i.body.iter().any(|b| b.range().contains_range(at)) && t.contains("path")
                        {
                            return true;
                        }
                        walk(&i.body, at, md)
                            || i.elif_else_clauses.iter().any(|c| walk(&c.body, at, md))
                    }
                    Stmt::For(f) => walk(&f.body, at, md),
                    Stmt::With(w) => walk(&w.body, at, md),
                    Stmt::Try(t) => walk(&t.body, at, md),
                    _ => false,
                };
            }
            false
        }
        walk(&self.func.def.body, at, md)
    }

    /// A 401/403 response or a call of a helper that builds one (`deny("...")`).
    fn is_denial(&self, v: &'p Expr) -> bool {
        let v = match v {
            Expr::Await(a) => &*a.value,
            v => v,
        };
        let Expr::Call(c) = v else { return false };
        let mentions = |t: &str| {
            t.contains("401")
                || t.contains("403")
                || t.contains("HTTP_401")
                || t.contains("HTTP_403")
        };
        let md = self.an.m.ix.module(self.func.mid);
        if mentions(md.slice(c.range())) {
            return true;
        }
        self.an
            .callee(self.func, &c.func)
            .is_some_and(|f| mentions(self.an.m.ix.module(f.mid).slice(f.def.range())))
    }

    /// Why a `return None` happens: inside an `except`, or under a missing-value test.
    fn none_return_note(
        &self,
        range: TextRange,
        st: &State,
    ) -> (Vec<TraceStep>, bool, Option<usize>) {
        if let Some((exc, _)) = self.except_ctx.last() {
            return (
                vec![self.step(
                    range,
                    format!(
                        "{} returns None instead of raising when `{exc}` is caught",
                        self.name()
                    ),
                )],
                false,
                None,
            );
        }
        if let Some((k, n)) = st
            .iter()
            .find(|(k, n)| n.known.is_some() && !k.starts_with('$'))
        {
            let mut trace = vec![self.step(
                range,
                format!("{} returns None when `{k}` is missing", self.name()),
            )];
            trace.extend(n.why.iter().cloned());
            return (trace, false, n.scheme);
        }
        let note = match self.tests.last() {
            Some(t) => format!("{} returns None when `{t}`", self.name()),
            None => format!("{} returns None", self.name()),
        };
        (vec![self.step(range, note)], false, None)
    }

    fn stmt(&mut self, s: &'p Stmt, mut st: State) -> Option<State> {
        if !matches!(s, Stmt::Return(_)) {
            self.scan_exprs(s, &mut st);
        }
        match s {
            Stmt::Return(r) => {
                // Dereferences in the returned value happen before the return.
                if let Some(v) = &r.value {
                    let bare = key_of(v).is_some_and(|k| st.contains_key(&k));
                    let mut copy = st.clone();
                    self.scan_exprs(s, &mut copy);
                    if !bare {
                        st = copy;
                    }
                }
                self.on_return(r.range, r.value.as_deref(), &st);
                None
            }
            Stmt::Raise(_) => {
                self.out.raises = true;
                None
            }
            Stmt::Expr(e) => {
                let inner = match &*e.value {
                    Expr::Await(a) => &*a.value,
                    v => v,
                };
                if let Expr::Call(c) = inner
                    && let Some(callee) = self.an.callee(self.func, &c.func)
                    && self.an.summary_depth(callee, self.depth + 1).always_raises
                {
                    self.out.raises = true;
                    return None;
                }
                // `await websocket.close(code=1008)`: the connection is refused, like a 401
                // (whatever the function returns afterwards reaches no handler that serves).
                // Only a close with a code other than 1000 (normal closure) refuses: a plain
                // `close()` ends a session that was served.
                let refusing_code = |c: &ExprCall| {
                    c.arguments
                        .find_argument_value("code", 0)
                        .is_some_and(|v| match v {
                            Expr::NumberLiteral(n) => !matches!(&n.value,
                                ruff_python_ast::Number::Int(i) if i.as_u16() == Some(1000)),
                            Expr::Attribute(a) => !a.attr.as_str().contains("NORMAL"),
                            _ => true,
                        })
                };
                if let Expr::Call(c) = inner
                    && refusing_code(c)
                    && let Expr::Attribute(a) = &*c.func
                    && a.attr.as_str() == "close"
                    && let Expr::Name(n) = &*a.value
                    && self
                        .an
                        .params(self.func)
                        .iter()
                        .any(|p| p.is_request && p.name == n.id.as_str())
                {
                    self.out.raises = true;
                    return None;
                }
                // A pure ASGI callable refuses by sending the answer itself (`await
                // self._reject(scope, receive, send)`): the path ends there, like a raise.
                if self.an.asgi_refusal(self.func, &e.value, false) {
                    self.out.raises = true;
                    return None;
                }
                // ... or passes the request on to the app (`await self.app(scope, receive,
                // send)`).
                if takes_asgi_send(self.func.def) && passes_to_app(&e.value) {
                    st.insert(
                        "$passed".into(),
                        Nullable {
                            why: vec![self.step(e.range(), "passes the request on to the app")],
                            known: None,
                            claim: false,
                            scheme: None,
                            guarded: false,
                            root: None,
                        },
                    );
                }
                Some(st)
            }
            Stmt::Assign(a) => {
                let n = self.nullable_of(&a.value, &st);
                for t in &a.targets {
                    self.assign(t, n.clone(), &mut st);
                }
                Some(st)
            }
            Stmt::AnnAssign(a) => {
                let n = a.value.as_deref().and_then(|v| self.nullable_of(v, &st));
                self.assign(&a.target, n, &mut st);
                Some(st)
            }
            Stmt::If(i) => {
                let mut branches: Vec<(Option<&'p Expr>, &'p [Stmt])> =
                    vec![(Some(&*i.test), &i.body)];
                for c in &i.elif_else_clauses {
                    branches.push((c.test.as_ref(), &c.body));
                }
                self.if_chain(&branches, st)
            }
            Stmt::Try(t) => {
                let before = st.clone();
                let body_out = self.block(&t.body, st);
                let body_out = match body_out {
                    Some(b) => self.block(&t.orelse, b),
                    None => None,
                };
                let assigned = assigned_names(&t.body);
                let decodes_in_body = self.body_decodes(&t.body);
                let mut outs: Vec<State> = body_out.into_iter().collect();
                for h in &t.handlers {
                    let ExceptHandler::ExceptHandler(h) = h;
                    let exc = h
                        .type_
                        .as_deref()
                        .map(|e| self.an.text(self.func.mid, e.range()))
                        .unwrap_or_else(|| "BaseException".into());
                    let mut hin = before.clone();
                    let why = vec![self.step(
                        h.range,
                        format!("`except {exc}` swallows the error and carries on"),
                    )];
                    // Only a swallowed token error leaves the identity missing; other
                    // swallowed errors (database, parsing) are not authentication.
                    let token_error = decodes_in_body
                        || ["JWT", "Jose", "Token", "Signature", "Decode", "Claims"]
                            .iter()
                            .any(|k| exc.contains(k));
                    for name in assigned.iter().filter(|_| token_error) {
                        if !hin.contains_key(name) || hin[name].known.is_none() {
                            let mut w = why.clone();
                            if let Some(prev) = before.get(name) {
                                w.extend(prev.why.iter().cloned());
                            }
                            hin.insert(
                                name.clone(),
                                Nullable {
                                    why: w,
                                    known: None,
                                    claim: false,
                                    scheme: None,
                                    guarded: false,
                                    root: None,
                                },
                            );
                        }
                    }
                    self.except_ctx.push((exc, h.range));
                    let hout = self.block(&h.body, hin);
                    self.except_ctx.pop();
                    // The handler completed without raising or returning: the request
                    // carries on although the token failed to decode.
                    if let Some(mut hout) = hout {
                        if decodes_in_body {
                            hout.insert(
                                "$decode".into(),
                                Nullable {
                                    why: why.clone(),
                                    known: None,
                                    claim: false,
                                    scheme: None,
                                    guarded: false,
                                    root: None,
                                },
                            );
                        }
                        outs.push(hout);
                    }
                }
                let joined = join_all(outs);
                match joined {
                    Some(j) if !t.finalbody.is_empty() => self.block(&t.finalbody, j),
                    other => other,
                }
            }
            Stmt::With(w) => self.block(&w.body, st),
            Stmt::For(f) => {
                let body = self.block(&f.body, st.clone());
                let orelse = self.block(&f.orelse, st);
                join_all(body.into_iter().chain(orelse).collect())
            }
            Stmt::While(w) => {
                let body = self.block(&w.body, st.clone());
                let orelse = self.block(&w.orelse, st);
                join_all(body.into_iter().chain(orelse).collect())
            }
            Stmt::Match(m) => {
                let mut outs = Vec::new();
                for c in &m.cases {
                    outs.extend(self.block(&c.body, st.clone()));
                }
                outs.push(st);
                join_all(outs)
            }
            _ => Some(st),
        }
    }

    fn body_decodes(&self, body: &'p [Stmt]) -> bool {
        for s in body {
            for e in stmt_exprs(s) {
                for c in calls_in_expr(e) {
                    if self.an.is_decode_call(self.func.mid, c) || self.verification(c).is_some() {
                        return true;
                    }
                    if let Some(callee) = self.an.callee(self.func, &c.func)
                        && self
                            .an
                            .summary_depth(callee, self.depth + 1)
                            .decodes
                            .is_some()
                    {
                        return true;
                    }
                }
            }
            match s {
                Stmt::If(i) if self.body_decodes(&i.body) => return true,
                Stmt::With(w) if self.body_decodes(&w.body) => return true,
                _ => {}
            }
        }
        false
    }

    fn assign(&mut self, target: &'p Expr, n: Option<Nullable>, st: &mut State) {
        match target {
            Expr::Tuple(t) => {
                for e in &t.elts {
                    self.assign(e, None, st);
                }
            }
            _ => {
                if let Some(k) = key_of(target) {
                    // Assigning a new value forgets what was known about longer keys too.
                    let prefix = format!("{k}.");
                    st.retain(|key, _| !key.starts_with(&prefix));
                    match n {
                        Some(n) => {
                            let mut n = n;
                            n.known = None;
                            st.insert(k, n);
                        }
                        None => {
                            st.remove(&k);
                        }
                    }
                }
            }
        }
    }

    fn if_chain(
        &mut self,
        branches: &[(Option<&'p Expr>, &'p [Stmt])],
        st: State,
    ) -> Option<State> {
        let Some(((test, body), rest)) = branches.split_first() else {
            return Some(st);
        };
        let Some(test) = test else {
            return self.block(body, st);
        };
        // A test on the factory's arguments (`if optional:` in the closure that
        // `current_user(optional=False)` returns) takes one branch for this call.
        match self.bound_truth(test) {
            Some(true) => return self.block(body, st),
            Some(false) => return self.if_chain(rest, st),
            None => {}
        }
        let (mut then_st, mut else_st) = (st.clone(), st);
        refine(test, true, &mut then_st, test.range());
        refine(test, false, &mut else_st, test.range());
        self.tests.push(self.an.text(self.func.mid, test.range()));
        let secret = self.an.compares_secret(self.func, test, 0);
        self.secret_tests += u32::from(secret);
        let then_out = self.block(body, then_st);
        self.secret_tests -= u32::from(secret);
        self.tests.pop();
        if then_out.is_none()
            && let Expr::BoolOp(b) = test
            && b.op == BoolOp::And
        {
            for v in &b.values {
                let k = match v {
                    Expr::Compare(c) => key_of(&c.left),
                    Expr::UnaryOp(u) if u.op == UnaryOp::Not => key_of(&u.operand),
                    _ => None,
                };
                if let Some(k) = k
                    && let Some(n) = else_st.get_mut(&k)
                {
                    n.guarded = true;
                }
            }
        }
        let else_out = if rest.is_empty() {
            Some(else_st)
        } else {
            self.if_chain(rest, else_st)
        };
        join_all(then_out.into_iter().chain(else_out).collect())
    }
}

/// Names and keys assigned anywhere in a body (not nested functions).
fn assigned_names(body: &[Stmt]) -> Vec<String> {
    let mut out = Vec::new();
    for s in body {
        match s {
            Stmt::Assign(a) => out.extend(a.targets.iter().filter_map(key_of)),
            Stmt::AnnAssign(a) => out.extend(key_of(&a.target)),
            Stmt::If(i) => {
                out.extend(assigned_names(&i.body));
                for c in &i.elif_else_clauses {
                    out.extend(assigned_names(&c.body));
                }
            }
            Stmt::With(w) => out.extend(assigned_names(&w.body)),
            _ => {}
        }
    }
    out
}

/// Attribute or subscript access on a possibly-missing value raises on None (fail-closed),
/// so after it the value is known to be present.
fn deref_scan(e: &Expr, st: &mut State) {
    struct D<'s> {
        st: &'s mut State,
    }
    impl<'a> Visitor<'a> for D<'_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            let base = match e {
                Expr::Attribute(a) => Some(&*a.value),
                Expr::Subscript(s) => Some(&*s.value),
                _ => None,
            };
            if let Some(b) = base
                && let Some(k) = key_of(b)
                && self.st.get(&k).is_some_and(|n| n.known.is_none())
            {
                self.st.remove(&k);
            }
            if let Expr::Lambda(_) = e {
                return;
            }
            visitor::walk_expr(self, e);
        }
    }
    // Tests like `x is None` mention x without dereferencing it; only dereferences count.
    D { st }.visit_expr(e);
}

/// Applies what `test` being `truth` says about missing values.
fn refine(test: &Expr, truth: bool, st: &mut State, at: TextRange) {
    match test {
        Expr::Compare(c) if c.ops.len() == 1 && c.comparators.len() == 1 => {
            let none_cmp = matches!(c.comparators[0], Expr::NoneLiteral(_));
            if !none_cmp {
                // `x == y`, `x in s`... on a missing x: nothing learned.
                return;
            }
            let Some(k) = key_of(&c.left) else { return };
            let is_none = match c.ops[0] {
                CmpOp::Is | CmpOp::Eq => truth,
                CmpOp::IsNot | CmpOp::NotEq => !truth,
                _ => return,
            };
            set_missing(st, &k, is_none, at);
        }
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => refine(&u.operand, !truth, st, at),
        Expr::BoolOp(b) => {
            let all = (b.op == BoolOp::And) == truth;
            if all {
                for v in &b.values {
                    refine(v, truth, st, at);
                }
            } else if let Some(first) = b.values.first() {
                // `x is None or ...` true: x may be missing (unknown); false: every part false.
                let _ = first;
            }
        }
        Expr::Named(n) => {
            if let Some(k) = key_of(&n.target) {
                set_missing(st, &k, !truth, at);
            }
        }
        e => {
            if let Some(k) = key_of(e) {
                set_missing(st, &k, !truth, at);
            }
        }
    }
}

fn set_missing(st: &mut State, k: &str, missing: bool, at: TextRange) {
    if missing {
        if let Some(n) = st.get_mut(k) {
            n.known = Some(at);
        }
    } else {
        st.remove(k);
    }
}

fn join_all(states: Vec<State>) -> Option<State> {
    let mut it = states.into_iter();
    let mut acc = it.next()?;
    for s in it {
        // A value missing in one branch only is "maybe missing" after the join.
        for (k, a) in acc.iter_mut() {
            match s.get(k) {
                Some(n) => a.known = a.known.and(n.known),
                None => a.known = None,
            }
        }
        for (k, n) in s {
            acc.entry(k).or_insert_with(|| {
                let mut n = n;
                n.known = None;
                n
            });
        }
    }
    Some(acc)
}

/// `a and b` / `a or b` from the truth of each operand: decided by one decisive operand, or
/// by all of them when every one is known.
fn bool_op_truth(op: BoolOp, vals: Vec<Option<bool>>) -> Option<bool> {
    let decisive = op == BoolOp::Or;
    if vals.contains(&Some(decisive)) {
        Some(decisive)
    } else if vals.iter().all(|v| v.is_some()) {
        Some(!decisive)
    } else {
        None
    }
}

/// The truth of `test` when it only reads free variables of a closure that its factory
/// call fixes (the call's argument, else the parameter's default), with `not`, `and`,
/// `or`; None otherwise or when the function is no bound closure.
pub(crate) fn bound_truth<'p>(m: &Model<'p>, func: Func<'p>, test: &Expr) -> Option<bool> {
    let b = func.bound?;
    match test {
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => bound_truth(m, func, &u.operand).map(|t| !t),
        Expr::BoolOp(bo) => bool_op_truth(
            bo.op,
            bo.values.iter().map(|v| bound_truth(m, func, v)).collect(),
        ),
        Expr::Name(n) => {
            let name = n.id.as_str();
            // Not free in the closure: its own parameter or a local.
            let own = &func.def.parameters;
            if own.iter().any(|p| p.name().as_str() == name)
                || assigned_names(&func.def.body).iter().any(|a| a == name)
            {
                return None;
            }
            bound_value(m, &b, name)?.truthy()
        }
        _ => None,
    }
}

/// The value the factory call `b` gives its parameter `name`: the argument, else the
/// parameter's default. None when `name` is no parameter of the factory.
pub(crate) fn bound_value<'p>(
    m: &Model<'p>,
    b: &Bound<'p>,
    name: &str,
) -> Option<jwtward_python::Const> {
    let ps = &b.factory.parameters;
    let positional: Vec<&ParameterWithDefault> = ps.posonlyargs.iter().chain(&ps.args).collect();
    let param = positional
        .iter()
        .copied()
        .chain(&ps.kwonlyargs)
        .find(|p| p.name().as_str() == name)?;
    let project = m.ix.project;
    let arg = b
        .call
        .arguments
        .find_keyword(name)
        .map(|k| &k.value)
        .or_else(|| {
            let i = positional.iter().position(|p| p.name().as_str() == name)?;
            b.call
                .arguments
                .args
                .get(i)
                .filter(|a| !matches!(a, Expr::Starred(_)))
        });
    Some(match arg {
        Some(a) => project.eval(&jwtward_python::Scope::module(m.ix.module(b.call_mid)), a),
        None => project.eval(
            &jwtward_python::Scope::module(m.ix.module(b.factory_mid)),
            param.default()?,
        ),
    })
}

/// The truth of a test in the body of the factory `b.factory` itself, for the call `b`:
/// its parameters (`if require_workspace == "yes":`, `if allow_user and not allow_service:`)
/// take the call's arguments or their defaults. None when the test reads anything else.
pub(crate) fn factory_truth<'p>(m: &Model<'p>, b: &Bound<'p>, test: &Expr) -> Option<bool> {
    use jwtward_python::Value;
    match test {
        Expr::UnaryOp(u) if u.op == UnaryOp::Not => factory_truth(m, b, &u.operand).map(|t| !t),
        Expr::BoolOp(bo) => bool_op_truth(
            bo.op,
            bo.values.iter().map(|v| factory_truth(m, b, v)).collect(),
        ),
        Expr::Name(n) => bound_value(m, b, n.id.as_str())?.truthy(),
        Expr::Compare(c) if c.ops.len() == 1 && c.comparators.len() == 1 => {
            let Expr::Name(n) = &*c.left else { return None };
            let v = bound_value(m, b, n.id.as_str())?;
            let lit = match &c.comparators[0] {
                Expr::StringLiteral(sl) => Value::Str(sl.value.to_str().to_string()),
                Expr::BooleanLiteral(bl) => Value::Bool(bl.value),
                Expr::NoneLiteral(_) => Value::None,
                _ => return None,
            };
            let same = match (&v.value, &lit) {
                (Value::Str(a), Value::Str(l)) => a == l,
                (Value::Bool(a), Value::Bool(l)) => a == l,
                (Value::None, Value::None) => true,
                (Value::Str(_) | Value::Bool(_) | Value::None, _) => false,
                _ => return None,
            };
            match c.ops[0] {
                CmpOp::Eq | CmpOp::Is => Some(same),
                CmpOp::NotEq | CmpOp::IsNot => Some(!same),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Every `return` of `f` (its own, not of nested functions) is bare or `return None`, and `f`
/// raises somewhere: it refuses by raising and hands nothing on, a guard.
fn returns_nothing_and_raises(f: &ruff_python_ast::StmtFunctionDef) -> bool {
    let mut values = false;
    let mut raises = false;
    crate::model::for_each_stmt(&f.body, Some(f), &mut |st, scope| {
        if scope.map(|d| std::ptr::eq(d, f)) != Some(true) {
            return;
        }
        match st {
            Stmt::Return(r)
                if r.value
                    .as_deref()
                    .is_some_and(|v| !matches!(v, Expr::NoneLiteral(_))) =>
            {
                values = true;
            }
            Stmt::Raise(_) => raises = true,
            _ => {}
        }
    });
    raises && !values
}

/// `def` takes the ASGI `send` callable (`__call__(self, scope, receive, send)`).
pub(crate) fn takes_asgi_send(def: &ruff_python_ast::StmtFunctionDef) -> bool {
    let names: Vec<&str> = def
        .parameters
        .iter_non_variadic_params()
        .map(|p| p.parameter.name.as_str())
        .collect();
    names.contains(&"send") && names.contains(&"receive")
}

/// Text of an ASGI answer that refuses: a 401/403 status, or (unless `http_only`) a
/// WebSocket close.
fn asgi_denial_text(t: &str, http_only: bool) -> bool {
    ["401", "403"].iter().any(|w| t.contains(w))
        || !http_only
            && ["websocket.close", "WebSocketClose", "WS_1008"]
                .iter()
                .any(|w| t.contains(w))
}

/// `await self.app(scope, receive, send)`: an ASGI middleware hands the request on.
fn passes_to_app(e: &Expr) -> bool {
    let e = match e {
        Expr::Await(a) => &*a.value,
        e => e,
    };
    matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Attribute(a)
        if a.attr.as_str() == "app" && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self")))
}

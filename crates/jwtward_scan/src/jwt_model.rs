//! The JWT-library model: every call into PyJWT, python-jose or Authlib, with the validation
//! it performs once the options, algorithms and keys are resolved.
//!
//! Library facts this model relies on (checked against PyJWT 2.15.1, python-jose 3.5.0 and
//! Authlib 1.9.10):
//! * PyJWT 2 refuses to decode without `algorithms=` when it verifies the signature; with
//!   `options={"verify_signature": False}` every other `verify_*` option defaults to off too.
//!   It checks `exp`, `nbf`, `iat` when present but requires none of them unless
//!   `options={"require": [...]}`. It checks `aud` only when the token has one or `audience=`
//!   is given. The `verify=` argument of PyJWT 1 does nothing in PyJWT 2.
//! * python-jose accepts any algorithm the header names that fits the key when `algorithms` is
//!   missing; it checks `exp` when present (`require_exp` makes it mandatory).
//! * Authlib's `jwt.decode` only checks the signature: no claim (not even `exp`) is checked until
//!   `claims.validate()`. The module-level `authlib.jose.jwt` accepts every registered
//!   algorithm the header names (HS*, RS*, ES*, PS*, EdDSA); `JsonWebToken([...])` pins a list.

use jwtward_python::ast::{Expr, ExprCall, Stmt};
use jwtward_python::walk::{self, Frame};
use jwtward_python::{Binding, Const, Module, Origin, Project, Scope, TextRange, Value};
use jwtward_python::{CallSite, Ranged};
use std::collections::{HashMap, HashSet};

/// A JWT library.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Library {
    PyJwt,
    Jose,
    Authlib,
    /// joserfc (Authlib's successor): `jwt.decode` checks the signature with the
    /// "recommended" algorithms by default; claims only through `JWTClaimsRegistry.validate`.
    Joserfc,
    /// python_jwt (`python_jwt.verify_jwt`, `process_jwt`, `generate_jwt`; imported as `jwt`
    /// by its old releases).
    PythonJwt,
    /// jwcrypto (`jwcrypto.jwt.JWT(jwt=token, key=key, check_claims=...)`, `.deserialize`;
    /// `JWT(header=, claims=).make_signed_token(key)` mints).
    Jwcrypto,
}

impl Library {
    pub fn name(self) -> &'static str {
        match self {
            Library::PyJwt => "PyJWT",
            Library::Jose => "python-jose",
            Library::Authlib => "Authlib",
            Library::Joserfc => "joserfc",
            Library::PythonJwt => "python_jwt",
            Library::Jwcrypto => "jwcrypto",
        }
    }
}

/// What a call does with a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeKind {
    /// Decodes and (unless options say otherwise) verifies: `jwt.decode`, `decode_complete`,
    /// `jws.verify`, Authlib `jwt.decode`.
    Decode,
    /// Signature-only verification without claims (`PyJWS().decode`, jose `jws.verify`).
    SignatureOnly,
    /// Reads the claims without verification (jose `get_unverified_claims`).
    UnverifiedClaims,
    /// Reads the header without verification (`get_unverified_header`): the key-selection peek.
    UnverifiedHeader,
}

/// Whether a check is done, and where it is switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    On,
    /// Switched off at this place.
    Off(Origin),
    /// The library never does it for this call.
    Never,
    /// Depends on a value not known statically.
    Unknown,
}

impl Check {
    pub fn is_off(self) -> bool {
        matches!(self, Check::Off(_) | Check::Never)
    }
}

/// The allowed-algorithms list of a decode.
#[derive(Clone, Debug, PartialEq)]
pub enum Algorithms {
    /// No allowlist given (the library default applies).
    NotGiven,
    /// An explicit list, each with where it was written.
    List(Vec<(String, Option<Origin>)>),
    /// Taken from the unverified token header.
    FromHeader(Origin),
    Unknown,
}

impl Algorithms {
    pub fn names(&self) -> Vec<&str> {
        match self {
            Algorithms::List(v) => v.iter().map(|(a, _)| a.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// A key argument, evaluated.
#[derive(Clone, Debug)]
pub struct KeyArg<'p> {
    pub expr: &'p Expr,
    pub value: Const,
    /// A stable identity for "the same key" across calls (qualified name or literal place).
    pub identity: Option<String>,
}

/// A call of a wrapper function through which a library call was evaluated.
#[derive(Clone, Debug)]
pub struct Via<'p> {
    pub site: CallSite<'p>,
    /// The wrapper's parameters, evaluated at that call site.
    pub bindings: Vec<(String, Const)>,
}

/// One call that decodes or inspects a token.
#[derive(Clone, Debug)]
pub struct DecodeCall<'p> {
    pub module: &'p Module,
    pub call: &'p ExprCall,
    /// Qualified name of the enclosing function.
    pub function: Option<String>,
    /// What was called, e.g. `jwt.decode`, `jose.jwt.get_unverified_claims`,
    /// `authlib.jose.JsonWebToken.decode`.
    pub callee: String,
    pub library: Library,
    pub kind: DecodeKind,
    pub signature: Check,
    pub exp: Check,
    /// `exp` is mandatory (PyJWT `require`, jose `require_exp`, Authlib `essential`).
    pub exp_required: bool,
    pub audience: Check,
    pub issuer: Check,
    pub algorithms: Algorithms,
    pub key: Option<KeyArg<'p>>,
    /// `leeway` in seconds and where it was written (PyJWT `leeway=`, jose `options["leeway"]`).
    pub leeway: Option<(f64, Origin)>,
    /// `verify_nbf` / `verify_iat` switched off, and where.
    pub time_checks_off: Vec<(&'static str, Origin)>,
    /// The token argument, as written.
    pub token: Option<&'p Expr>,
    /// The wrapper call site this instance was evaluated for (parameters bound).
    pub via: Option<Via<'p>>,
}

/// One call that mints a token.
#[derive(Clone, Debug)]
pub struct EncodeCall<'p> {
    pub module: &'p Module,
    pub call: &'p ExprCall,
    pub function: Option<String>,
    pub callee: String,
    pub library: Library,
    /// The signing algorithm (`None` when not statically known).
    pub algorithm: Option<(String, Option<Origin>)>,
    pub key: Option<KeyArg<'p>>,
    pub payload: Option<&'p Expr>,
    /// The library adds `exp` itself whatever the payload (jwcrypto
    /// `JWT(default_claims={"exp": ...})`).
    pub sets_exp: bool,
    pub via: Option<Via<'p>>,
}

/// A signing key (and token lifetime) handed to a library that signs and verifies by itself:
/// fastapi-users `JWTStrategy(secret=..., lifetime_seconds=...)`, authx
/// `AuthXConfig(JWT_SECRET_KEY=...)`, fastapi-jwt-auth settings `authjwt_secret_key`,
/// Starlette `SessionMiddleware(secret_key=...)`.
#[derive(Clone, Debug)]
pub struct KeySite<'p> {
    pub module: &'p Module,
    /// The whole constructor call or settings assignment.
    pub range: TextRange,
    pub key: KeyArg<'p>,
    /// "`JWTStrategy(secret=...)` at users.py:42".
    pub used_by: String,
    /// The token lifetime given to the library and its expression (`lifetime_seconds=`).
    pub lifetime: Option<(Const, &'p Expr)>,
    /// The library mints tokens without `exp` when the lifetime is `None` (fastapi-users
    /// `lifetime_seconds=None`, authx `JWT_ACCESS_TOKEN_EXPIRES=None`).
    pub none_lifetime_never_expires: bool,
    /// ... or `False` (fastapi-jwt-auth `authjwt_access_token_expires = False`).
    pub false_lifetime_never_expires: bool,
    /// The decode leeway given to the library (fastapi-jwt-auth `authjwt_decode_leeway`).
    pub leeway: Option<(Const, &'p Expr)>,
    /// HMAC-signed session cookies rather than JWTs.
    pub session: bool,
    /// The decode the library runs with these settings, for libraries that verify tokens
    /// themselves (fastapi-jwt-auth, authx).
    pub decode: Option<LibDecode>,
}

/// The claims a FastAPI auth library's own decode checks, from its settings.
///
/// Checked with async-fastapi-jwt-auth 0.6.6 and authx 1.7.1: both verify with PyJWT 2,
/// `algorithms=[<the configured algorithm>]` (fastapi-jwt-auth: `authjwt_decode_algorithms`
/// or `[authjwt_algorithm]`; authx: `[JWT_ALGORITHM]`, its `JWT_DECODE_ALGORITHMS` is never
/// read), `audience=` the decode audience and `issuer=` the decode issuer (fastapi-jwt-auth:
/// for access tokens). So the algorithm is always pinned and `none` is refused
/// (fastapi-jwt-auth raises "Algorithm none could not be found", authx's settings reject
/// `JWT_ALGORITHM="none"`); with no decode audience a token that carries `aud` is refused
/// and one without is accepted, as with PyJWT; with no decode issuer `iss` is not checked.
#[derive(Clone, Debug)]
pub struct LibDecode {
    /// "fastapi-jwt-auth", "authx".
    pub library: &'static str,
    /// The settings, for messages: "`AuthXConfig(...)`", "the settings class `AuthSettings`".
    pub settings: String,
    /// Where a missing check is reported: the settings class's name, the `AuthXConfig(...)`
    /// call.
    pub at: Origin,
    pub audience: Check,
    pub issuer: Check,
    /// The settings that give them (`authjwt_decode_audience`, `JWT_DECODE_AUDIENCE`).
    pub audience_field: &'static str,
    pub issuer_field: &'static str,
    /// Where the project mints tokens through the library (`create_access_token(...)` at
    /// file:line), outside test code.
    pub mints_at: Option<String>,
}

/// One `VAR=value` line of a `.env` file the settings read.
#[derive(Clone, Debug)]
pub struct DotEnvEntry {
    /// Display path (the scanned root joined with the path below it).
    pub file: String,
    pub line: u32,
    pub var: String,
    pub value: String,
    /// How the project reads it (`env_file=".env"`, `load_dotenv()`, `yaml.safe_load` in
    /// config.py).
    pub read_by: String,
    /// A YAML/TOML/JSON configuration template rather than a `.env` file: `var` is the key
    /// (the last component of a nested one), matched to settings fields without regard to
    /// case.
    pub config: bool,
}

/// The model of every JWT library call in a project.
pub struct JwtModel<'p> {
    pub project: &'p Project,
    pub decodes: Vec<DecodeCall<'p>>,
    pub encodes: Vec<EncodeCall<'p>>,
    pub key_sites: Vec<KeySite<'p>>,
    /// `VAR=value` lines of the `.env` files the project's settings read (`env_file=`,
    /// python-dotenv).
    pub dotenv: Vec<DotEnvEntry>,
    /// fastapi-jwt-auth `create_access_token(..., expires_time=False)`: an access token minted
    /// without `exp`, at the argument.
    pub no_exp_mints: Vec<(&'p Module, &'p Expr)>,
    /// PyJWT major version when a requirements file pins it below 2.
    pub pyjwt_v1: bool,
    /// A requirements file pins PyJWT 2 or later.
    pub pyjwt_v2: bool,
    /// Function -> indices into `decodes` of the calls it makes, directly or through
    /// project functions it calls.
    decoders: HashMap<String, Vec<usize>>,
    /// Method name -> the methods (`module.Class.name`) of that name that decode or verify a
    /// JWT, sorted (built once with `decoders`).
    decoding_methods: HashMap<String, Vec<String>>,
    /// Functions calling `.validate(` (Authlib claims), directly.
    validating: HashSet<String>,
}

/// Method names worth looking at; a call whose last name is not one of them is skipped.
const METHODS: &[&str] = &[
    "decode",
    "decode_complete",
    "encode",
    "get_unverified_header",
    "get_unverified_headers",
    "get_unverified_claims",
    "verify",
    "sign",
    "process_jwt",
    "verify_jwt",
    "generate_jwt",
    "JWT",
    "deserialize",
    "make_signed_token",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Decode,
    DecodeComplete,
    Header,
    Claims,
    JwsVerify,
    Encode,
}

/// Classifies a fully qualified callee.
fn classify(q: &str) -> Option<(Library, Op)> {
    Some(match q {
        "jwt.decode" | "jwt.api_jwt.decode" => (Library::PyJwt, Op::Decode),
        "jwt.decode_complete" | "jwt.api_jwt.decode_complete" => {
            (Library::PyJwt, Op::DecodeComplete)
        }
        "jwt.get_unverified_header" | "jwt.api_jws.get_unverified_header" => {
            (Library::PyJwt, Op::Header)
        }
        "jwt.encode" | "jwt.api_jwt.encode" => (Library::PyJwt, Op::Encode),
        "jose.jwt.decode" => (Library::Jose, Op::Decode),
        "jose.jwt.get_unverified_claims" | "jose.jws.get_unverified_claims" => {
            (Library::Jose, Op::Claims)
        }
        "jose.jwt.get_unverified_header"
        | "jose.jwt.get_unverified_headers"
        | "jose.jws.get_unverified_header"
        | "jose.jws.get_unverified_headers" => (Library::Jose, Op::Header),
        "jose.jws.verify" => (Library::Jose, Op::JwsVerify),
        "jose.jwt.encode" | "jose.jws.sign" => (Library::Jose, Op::Encode),
        "authlib.jose.jwt.decode" => (Library::Authlib, Op::Decode),
        "authlib.jose.jwt.encode" => (Library::Authlib, Op::Encode),
        "joserfc.jwt.decode" => (Library::Joserfc, Op::Decode),
        "joserfc.jwt.encode" => (Library::Joserfc, Op::Encode),
        // python_jwt (checked with 4.1.0); PyJWT has no function of these names, so `jwt.`
        // is python_jwt's old import name.
        "python_jwt.process_jwt" | "jwt.process_jwt" => (Library::PythonJwt, Op::Claims),
        "python_jwt.verify_jwt" | "jwt.verify_jwt" => (Library::PythonJwt, Op::Decode),
        "python_jwt.generate_jwt" | "jwt.generate_jwt" => (Library::PythonJwt, Op::Encode),
        // `JWT(jwt=token, key=key)` decodes and verifies in the constructor.
        "jwcrypto.jwt.JWT" => (Library::Jwcrypto, Op::Decode),
        _ => return None,
    })
}

fn is_class(q: &str, names: &[&str]) -> bool {
    names.contains(&q)
}

const PYJWT_CLASSES: &[&str] = &["jwt.PyJWT", "jwt.api_jwt.PyJWT"];
const PYJWS_CLASSES: &[&str] = &["jwt.PyJWS", "jwt.api_jws.PyJWS"];
const JWCRYPTO_CLASSES: &[&str] = &["jwcrypto.jwt.JWT"];
const AUTHLIB_CLASSES: &[&str] = &[
    "authlib.jose.JsonWebToken",
    "authlib.jose.rfc7519.JsonWebToken",
    "authlib.jose.rfc7519.jwt.JsonWebToken",
];

/// The receiver's constructor call: `X(...)` itself, or a name assigned from one.
fn receiver_ctor<'p>(
    project: &'p Project,
    scope: &Scope<'p>,
    expr: &'p Expr,
) -> Option<(&'p Module, &'p ExprCall, String)> {
    match expr {
        Expr::Call(c) => {
            let q = project.qualified_name(scope.module, &c.func)?;
            Some((scope.module, c, q))
        }
        Expr::Name(n) => {
            if let Some(f) = scope.function {
                let assigns = local_assigns(&f.body, n.id.as_str());
                if let Some(Expr::Call(c)) = assigns.last().copied() {
                    let q = project.qualified_name(scope.module, &c.func)?;
                    return Some((scope.module, c, q));
                }
            }
            let q = project.qualified_name(scope.module, expr)?;
            ctor_of_qname(project, &q)
        }
        Expr::Attribute(_) => {
            let q = project.qualified_name(scope.module, expr)?;
            ctor_of_qname(project, &q)
        }
        _ => None,
    }
}

fn ctor_of_qname<'p>(project: &'p Project, q: &str) -> Option<(&'p Module, &'p ExprCall, String)> {
    match project.lookup(q)? {
        Binding::Assign {
            module,
            value: Some(Expr::Call(c)),
            ..
        } => {
            let cq = project.qualified_name(module, &c.func)?;
            Some((module, c, cq))
        }
        _ => None,
    }
}

fn local_assigns<'a>(body: &'a [Stmt], name: &str) -> Vec<&'a Expr> {
    let mut out = Vec::new();
    walk::for_each_stmt_shallow(body, &mut |s| {
        if let Stmt::Assign(a) = s {
            for t in &a.targets {
                if let Expr::Name(n) = t
                    && n.id.as_str() == name
                {
                    out.push(&*a.value);
                }
            }
        }
    });
    out
}

/// A library call found in the source, before evaluation.
struct Raw<'p> {
    module: &'p Module,
    call: &'p ExprCall,
    function: Option<jwtward_python::FunctionRef<'p>>,
    callee: String,
    library: Library,
    op: Op,
    /// PyJWS instead of PyJWT.
    jws: bool,
    /// Constructor of the receiving instance (PyJWT(options=...), JsonWebToken([...])).
    ctor: Option<(&'p Module, &'p ExprCall)>,
}

/// The entries of a call's `**mapping` arguments (see [`JwtModel::spread`]).
#[derive(Default)]
struct Spread<'p> {
    entries: Vec<(String, Const, &'p Expr)>,
    unknown: bool,
}

impl<'p> Spread<'p> {
    /// The last entry `name` (Python raises on a repeated keyword; the last one is as good).
    fn get(&self, name: &str) -> Option<(&Const, &'p Expr)> {
        self.entries
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, c, e)| (c, *e))
    }
}

fn kw<'a>(call: &'a ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| &k.value)
}

/// Keyword `name`, else positional `pos`.
fn arg<'a>(call: &'a ExprCall, name: &str, pos: Option<usize>) -> Option<&'a Expr> {
    kw(call, name).or_else(|| pos.and_then(|p| call.arguments.args.get(p)))
}

fn origin_of(module: &Module, e: &Expr) -> Origin {
    Origin {
        module: module.id,
        range: e.range(),
    }
}

/// True when the expression reads the token header's `alg` (`header["alg"]`, `.get("alg")`).
fn reads_alg(scope: &Scope<'_>, e: &Expr, depth: u32) -> Option<TextRange> {
    if depth > 8 {
        return None;
    }
    let mut found = None;
    walk::for_each_subexpr(e, &mut |x| {
        if found.is_some() {
            return;
        }
        match x {
            Expr::Subscript(s) => {
                if let Expr::StringLiteral(l) = &*s.slice
                    && l.value.to_str() == "alg"
                {
                    found = Some(x.range());
                }
            }
            Expr::Call(c) => {
                if let Expr::Attribute(a) = &*c.func
                    && a.attr.as_str() == "get"
                    && let Some(Expr::StringLiteral(l)) = c.arguments.args.first()
                    && l.value.to_str() == "alg"
                {
                    found = Some(x.range());
                }
            }
            _ => {}
        }
    });
    if found.is_none()
        && let Some(f) = scope.function
    {
        let mut names = Vec::new();
        walk::for_each_subexpr(e, &mut |x| {
            if let Expr::Name(n) = x {
                names.push(n.id.as_str().to_string());
            }
        });
        for n in names {
            for v in local_assigns(&f.body, &n) {
                if !matches!(v, Expr::Name(_))
                    && let Some(r) = reads_alg(scope, v, depth + 1)
                {
                    return Some(r);
                }
            }
        }
    }
    found
}

impl<'p> JwtModel<'p> {
    /// Finds and evaluates every JWT library call of the project.
    pub fn build(project: &'p Project) -> JwtModel<'p> {
        let pin = detect_pyjwt_pin(project);
        let pyjwt_v1 = pin == Some(1);
        let pyjwt_v2 = pin == Some(2);
        let raws = find_raw_calls(project);
        let mut model = JwtModel {
            project,
            decodes: Vec::new(),
            encodes: Vec::new(),
            key_sites: Vec::new(),
            dotenv: find_dotenv(project),
            no_exp_mints: Vec::new(),
            pyjwt_v1,
            pyjwt_v2,
            decoders: HashMap::new(),
            decoding_methods: HashMap::new(),
            validating: HashSet::new(),
        };
        model.index_validating();
        for raw in &raws {
            model.evaluate(raw);
        }
        model.index_functions();
        model.key_sites = find_key_sites(&model);
        model.no_exp_mints = find_no_exp_mints(project);
        // Configuration templates only matter for keys read from settings or the environment.
        let env_key =
            |k: Option<&KeyArg<'_>>| k.is_some_and(|k| matches!(k.value.value, Value::Env { .. }));
        if model.decodes.iter().any(|d| env_key(d.key.as_ref()))
            || model.encodes.iter().any(|e| env_key(e.key.as_ref()))
            || model.key_sites.iter().any(|k| env_key(Some(&k.key)))
        {
            model.dotenv.extend(find_config_templates(project));
        }
        model
    }

    /// The key sites outside test code.
    pub fn app_key_sites(&self) -> impl Iterator<Item = &KeySite<'p>> {
        self.key_sites.iter().filter(|k| !k.module.is_test)
    }

    /// Decode calls made by `function` itself or by project functions it calls (transitively).
    pub fn decodes_in(&self, function: &str) -> Vec<&DecodeCall<'p>> {
        self.decoders
            .get(function)
            .map(|v| v.iter().map(|&i| &self.decodes[i]).collect())
            .unwrap_or_default()
    }

    /// The decode calls the rules check: those outside test code (a test decoding or minting
    /// tokens is not how the app verifies them).
    pub fn app_decodes(&self) -> impl Iterator<Item = &DecodeCall<'p>> {
        self.decodes
            .iter()
            .filter(|d| !d.module.is_test && !self.only_tests_call(d.function.as_deref()))
    }

    /// A function that has callers, all in test code (`decode_expired_token` used by tests
    /// only).
    fn only_tests_call(&self, function: Option<&str>) -> bool {
        let Some(f) = function else { return false };
        let sites = self.project.call_sites_of(f);
        !sites.is_empty() && sites.iter().all(|s| s.module.is_test)
    }

    /// The encode calls outside test code (see [`JwtModel::app_decodes`]).
    pub fn app_encodes(&self) -> impl Iterator<Item = &EncodeCall<'p>> {
        self.encodes.iter().filter(|e| !e.module.is_test)
    }

    /// The methods (`module.Class.name`) named `name` that (transitively) decode or verify a
    /// JWT: how a call on an object whose class the analysis cannot infer
    /// (`get_verifier().verify_token(t)`) is matched to the project's verifier.
    pub fn decoding_methods_named(&self, name: &str) -> &[String] {
        self.decoding_methods
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// When the token `d` verifies must also be found, as the exact string, in a store
    /// before anything is accepted (a database row, a cache keyed by the token): who does
    /// it. A token forged with the signing key is refused there. See [`crate::store_check`].
    pub fn store_checked(&self, d: &DecodeCall<'p>) -> Option<String> {
        crate::store_check::store_checked(self.project, d)
    }

    /// True when `function` (transitively) decodes or verifies a JWT.
    pub fn decodes_jwt(&self, function: &str) -> bool {
        self.decodes_in(function)
            .iter()
            .any(|d| d.kind != DecodeKind::UnverifiedHeader)
    }

    /// True when `function` or one of its (transitive) callers calls `.validate()`.
    pub fn validates_claims(&self, function: Option<&str>) -> bool {
        let Some(f) = function else { return false };
        let mut todo = vec![f.to_string()];
        let mut seen = HashSet::new();
        while let Some(f) = todo.pop() {
            if !seen.insert(f.clone()) || seen.len() > 64 {
                continue;
            }
            if self.validating.contains(&f) {
                return true;
            }
            for site in self.project.call_sites_of(&f) {
                if let Some(c) = site.caller {
                    todo.push(c);
                }
            }
        }
        false
    }

    /// Callers of `function`, transitively (up to `limit`), as (caller, site).
    pub fn callers(&self, function: &str, limit: usize) -> Vec<CallSite<'p>> {
        let mut out = Vec::new();
        let mut todo = vec![function.to_string()];
        let mut seen = HashSet::new();
        while let Some(f) = todo.pop() {
            if !seen.insert(f.clone()) {
                continue;
            }
            for site in self.project.call_sites_of(&f) {
                if out.len() >= limit {
                    return out;
                }
                if let Some(c) = &site.caller {
                    todo.push(c.clone());
                }
                out.push(site);
            }
        }
        out
    }

    fn index_functions(&mut self) {
        // Direct decoders.
        let mut direct: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in self.decodes.iter().enumerate() {
            if let Some(f) = &d.function {
                direct.entry(f.clone()).or_default().push(i);
            }
        }
        // Propagate to callers (bounded worklist).
        let mut all = direct.clone();
        let mut todo: Vec<String> = direct.keys().cloned().collect();
        let mut steps = 0;
        while let Some(f) = todo.pop() {
            steps += 1;
            if steps > 4096 {
                break;
            }
            let ids = all.get(&f).cloned().unwrap_or_default();
            for site in self.project.call_sites_of(&f) {
                let Some(caller) = site.caller else { continue };
                let entry = all.entry(caller.clone()).or_default();
                let before = entry.len();
                for &i in &ids {
                    if !entry.contains(&i) {
                        entry.push(i);
                    }
                }
                if entry.len() != before {
                    todo.push(caller);
                }
            }
        }
        self.decoders = all;
        let mut methods: HashMap<String, Vec<String>> = HashMap::new();
        for q in self.decoders.keys() {
            if q.matches('.').count() >= 2
                && self.decodes_jwt(q)
                && let Some((_, name)) = q.rsplit_once('.')
            {
                methods.entry(name.to_string()).or_default().push(q.clone());
            }
        }
        for v in methods.values_mut() {
            v.sort_unstable();
        }
        self.decoding_methods = methods;
    }

    fn index_validating(&mut self) {
        // Functions calling `.validate(...)` (Authlib claims validation).
        for m in &self.project.modules {
            if !m.interesting || !m.source.contains(".validate(") {
                continue;
            }
            walk::for_each_expr(&m.ast().body, &mut |e, frames| {
                if let Expr::Call(c) = e
                    && let Expr::Attribute(a) = &*c.func
                    && a.attr.as_str() == "validate"
                    && let Some(name) = enclosing_name(m, frames)
                {
                    self.validating.insert(name);
                }
            });
        }
    }

    /// Bindings for each call site of the wrapper `f` whose parameters the call depends on,
    /// or a single evaluation without bindings.
    fn contexts(&self, raw: &Raw<'p>, depends: bool) -> Vec<(Scope<'p>, Option<Via<'p>>)> {
        let base = match &raw.function {
            Some(f) => Scope::function(raw.module, f.def),
            None => Scope::module(raw.module),
        };
        let Some(f) = raw.function.as_ref().filter(|_| depends) else {
            return vec![(base, None)];
        };
        let sites = self.project.call_sites_of(&f.qualname);
        if sites.is_empty() {
            return vec![(base, None)];
        }
        let mut out = Vec::new();
        for site in sites.into_iter().take(32) {
            let caller_scope = match self
                .project
                .enclosing_function(site.module, site.call.start())
            {
                Some(cf) => Scope::function(site.module, cf.def),
                None => Scope::module(site.module),
            };
            let mut bindings = Vec::new();
            let params = f.params();
            for p in &params {
                if let Some(a) = f.argument_for(site.call, p.name) {
                    bindings.push((p.name.to_string(), self.project.eval(&caller_scope, a)));
                }
            }
            // `def f(token, **kwargs)`: the keywords of the call that no other parameter
            // takes, as a dict (`f(t, options={...})`).
            if let Some(kwarg) = f.def.parameters.kwarg.as_ref() {
                let mut items = Vec::new();
                let mut known = true;
                for k in &site.call.arguments.keywords {
                    match &k.arg {
                        Some(name) if params.iter().any(|p| p.name == name.as_str()) => {}
                        Some(name) => items.push((
                            Const::new(Value::Str(name.as_str().to_string()), site.module, k.range),
                            self.project.eval(&caller_scope, &k.value),
                        )),
                        None => match self.project.eval(&caller_scope, &k.value).value {
                            Value::Dict(inner) => items.extend(inner),
                            _ => known = false,
                        },
                    }
                }
                let value = if known {
                    Const::new(Value::Dict(items), site.module, site.call.range())
                } else {
                    Const::unknown()
                };
                bindings.push((kwarg.name.as_str().to_string(), value));
            }
            out.push((
                base.clone().with_bindings(bindings.clone()),
                Some(Via { site, bindings }),
            ));
        }
        out
    }

    fn evaluate(&mut self, raw: &Raw<'p>) {
        // Does the call depend on the enclosing function's parameters?
        let depends = raw.function.as_ref().is_some_and(|f| {
            let params: HashSet<&str> = f.params().iter().map(|p| p.name).collect();
            let mut dep = false;
            for k in &raw.call.arguments.keywords {
                walk::for_each_subexpr(&k.value, &mut |e| {
                    if let Expr::Name(n) = e
                        && params.contains(n.id.as_str())
                    {
                        dep = true;
                    }
                });
            }
            for a in raw.call.arguments.args.iter().skip(1) {
                walk::for_each_subexpr(a, &mut |e| {
                    if let Expr::Name(n) = e
                        && params.contains(n.id.as_str())
                    {
                        dep = true;
                    }
                });
            }
            // Options held in local variables built from parameters.
            if !dep {
                for k in &raw.call.arguments.keywords {
                    if let Expr::Name(n) = &k.value {
                        for v in local_assigns(&f.def.body, n.id.as_str()) {
                            walk::for_each_subexpr(v, &mut |e| {
                                if let Expr::Name(n) = e
                                    && params.contains(n.id.as_str())
                                {
                                    dep = true;
                                }
                            });
                        }
                    }
                }
            }
            dep
        });
        for (scope, via) in self.contexts(raw, depends) {
            if raw.op == Op::Encode {
                let e = self.eval_encode(raw, &scope, via);
                self.encodes.push(e);
            } else {
                let d = self.eval_decode(raw, &scope, via);
                self.decodes.push(d);
            }
        }
    }

    fn key_arg(&self, scope: &Scope<'p>, e: Option<&'p Expr>) -> Option<KeyArg<'p>> {
        let e = e?;
        let value = self.project.eval(scope, e);
        let identity = match e {
            Expr::Name(_) | Expr::Attribute(_) => {
                let local_name = matches!(e, Expr::Name(n) if scope.function.is_some_and(|f| !local_assigns(&f.body, n.id.as_str()).is_empty()));
                // A parameter is whatever each caller passes: the same key only when it
                // resolves to the same definition, never by the parameter's name.
                let parameter = matches!(e, Expr::Name(n) if scope.function.is_some_and(|f| f.parameters.includes(n.id.as_str())));
                if local_name || parameter {
                    value.origin.map(|o| format!("@{}:{:?}", o.module, o.range))
                } else {
                    self.project.qualified_name(scope.module, e)
                }
            }
            _ => value.origin.map(|o| format!("@{}:{:?}", o.module, o.range)),
        };
        Some(KeyArg {
            expr: e,
            value,
            identity,
        })
    }

    /// A jwcrypto key argument: identified by the expression written (the `JWK` object), its
    /// value the secret the key is built from when that is known: `jwk.JWK(kty="oct", k=...)`
    /// (`k=base64url_encode(secret)` included) and `JWK.from_password(secret)` (checked with
    /// jwcrypto 1.6.1: the password's UTF-8 bytes are the HMAC key). `JWK.generate(...)` draws
    /// from `os.urandom` and keys read from PEM or JSON are not secrets written here.
    fn jwk_key(&self, scope: &Scope<'p>, e: Option<&'p Expr>) -> Option<KeyArg<'p>> {
        let mut k = self.key_arg(scope, e)?;
        if let Some(v) = self.jwk_secret(scope, k.expr, 0) {
            k.value = v;
        }
        Some(k)
    }

    fn jwk_secret(&self, scope: &Scope<'p>, e: &'p Expr, depth: u32) -> Option<Const> {
        if depth > 6 {
            return None;
        }
        let p = self.project;
        match e {
            Expr::Call(c) => {
                let q = p.qualified_name(scope.module, &c.func)?;
                match q.as_str() {
                    "jwcrypto.jwk.JWK" => {
                        if let Some(kty) = kw(c, "kty")
                            && p.eval(scope, kty).as_str() != Some("oct")
                        {
                            return None;
                        }
                        let k = kw(c, "k")?;
                        let k = match k {
                            Expr::Call(b)
                                if p.qualified_name(scope.module, &b.func)
                                    .is_some_and(|q| q.ends_with("base64url_encode")) =>
                            {
                                b.arguments.args.first()?
                            }
                            _ => k,
                        };
                        Some(p.eval(scope, k))
                    }
                    "jwcrypto.jwk.JWK.from_password" => {
                        Some(p.eval(scope, arg(c, "password", Some(0))?))
                    }
                    _ => None,
                }
            }
            Expr::Name(n) => {
                if let Some(f) = scope.function {
                    let assigns = local_assigns(&f.body, n.id.as_str());
                    if let Some(v) = assigns.last() {
                        return self.jwk_secret(scope, v, depth + 1);
                    }
                }
                self.jwk_secret_global(scope, e, depth)
            }
            Expr::Attribute(_) => self.jwk_secret_global(scope, e, depth),
            _ => None,
        }
    }

    fn jwk_secret_global(&self, scope: &Scope<'p>, e: &'p Expr, depth: u32) -> Option<Const> {
        let q = self.project.qualified_name(scope.module, e)?;
        match self.project.lookup(&q)? {
            Binding::Assign {
                module,
                value: Some(v),
                ..
            } => self.jwk_secret(&Scope::module(module), v, depth + 1),
            _ => None,
        }
    }

    /// The `**mapping` arguments of a call, evaluated (`jwt.decode(t, **DECODE_KW)`,
    /// `**kwargs` bound by a caller): each entry with the spread expression; `true` when one
    /// of them is not a known dict (any argument may come from it).
    fn spread(&self, scope: &Scope<'p>, call: &'p ExprCall) -> Spread<'p> {
        let mut out = Spread::default();
        for k in &call.arguments.keywords {
            if k.arg.is_some() {
                continue;
            }
            match self.project.eval(scope, &k.value).value {
                Value::Dict(items) => {
                    for (key, v) in items {
                        if let Some(name) = key.as_str() {
                            out.entries.push((name.to_string(), v, &k.value));
                        }
                    }
                }
                _ => out.unknown = true,
            }
        }
        out
    }

    /// A key given in a spread (`**{"key": KEY}`).
    fn spread_key(&self, sp: &Spread<'p>, name: &str) -> Option<KeyArg<'p>> {
        let (c, e) = sp.get(name)?;
        Some(KeyArg {
            expr: e,
            identity: c.origin.map(|o| format!("@{}:{:?}", o.module, o.range)),
            value: c.clone(),
        })
    }

    fn eval_decode(
        &self,
        raw: &Raw<'p>,
        scope: &Scope<'p>,
        via: Option<Via<'p>>,
    ) -> DecodeCall<'p> {
        let p = self.project;
        let call = raw.call;
        let m = raw.module;
        // The range only: cloning the call copied its whole argument tree, once per call of
        // a nested chain (`jwt.decode(jwt.decode(...))`: quadratic).
        let call_origin = Origin {
            module: m.id,
            range: call.range(),
        };
        let mut d = DecodeCall {
            module: m,
            call,
            function: raw.function.as_ref().map(|f| f.qualname.clone()),
            callee: raw.callee.clone(),
            library: raw.library,
            kind: DecodeKind::Decode,
            signature: Check::On,
            exp: Check::On,
            exp_required: false,
            audience: Check::Never,
            issuer: Check::Never,
            algorithms: Algorithms::NotGiven,
            key: None,
            leeway: None,
            time_checks_off: Vec::new(),
            token: arg(call, "token", Some(0)).or(kw(call, "jwt")),
            via,
        };
        // python-jose applies `options` with `dict.update`, so a list of pairs works as a dict
        // (checked with 3.5.0); PyJWT 2 calls `options.get` and raises on a list.
        let jose = raw.library == Library::Jose;
        let option = |opts: &Const, name: &str| -> Option<Const> {
            if let Some(v) = opts.dict_get(name) {
                return Some(v.clone());
            }
            if jose && let Value::List(items) | Value::Tuple(items) = &opts.value {
                return items.iter().rev().find_map(|it| match &it.value {
                    Value::Tuple(kv) | Value::List(kv)
                        if kv.len() == 2 && kv[0].as_str() == Some(name) =>
                    {
                        Some(kv[1].clone())
                    }
                    _ => None,
                });
            }
            None
        };
        match (raw.library, raw.op) {
            (_, Op::Header) => {
                d.kind = DecodeKind::UnverifiedHeader;
                d.signature = Check::Never;
                d.exp = Check::Never;
            }
            (_, Op::Claims) => {
                d.kind = DecodeKind::UnverifiedClaims;
                d.signature = Check::Off(call_origin);
                d.exp = Check::Never;
            }
            (Library::PyJwt, Op::Decode | Op::DecodeComplete) => {
                let sp = self.spread(scope, call);
                d.key = self
                    .key_arg(scope, arg(call, "key", Some(1)))
                    .or_else(|| self.spread_key(&sp, "key"));
                let algs_expr = arg(
                    call,
                    "algorithms",
                    if self.pyjwt_v1 { Some(3) } else { Some(2) },
                );
                d.algorithms = match (algs_expr, sp.get("algorithms")) {
                    (None, Some((c, _))) => algorithms_of(c),
                    (None, None) if sp.unknown => Algorithms::Unknown,
                    _ => self.algorithms(scope, algs_expr),
                };
                // Options: constructor options (PyJWT(options=...)) then call options.
                let mut opts: Vec<Const> = Vec::new();
                if let Some((cm, ctor)) = raw.ctor
                    && let Some(o) = arg(ctor, "options", Some(0))
                {
                    opts.push(p.eval(&Scope::module(cm), o));
                }
                if let Some(o) = arg(
                    call,
                    "options",
                    if self.pyjwt_v1 { Some(4) } else { Some(3) },
                ) {
                    opts.push(p.eval(scope, o));
                } else if let Some((o, _)) = sp.get("options") {
                    opts.push(o.clone());
                }
                let get = |name: &str| opts.iter().rev().find_map(|o| option(o, name));
                let opts_unknown = opts.iter().any(|o| o.is_unknown())
                    || sp.unknown && sp.get("options").is_none();
                let sig = get("verify_signature");
                d.signature = tri(sig.as_ref(), opts_unknown);
                // PyJWT 1: verify=False.
                let verify = kw(call, "verify")
                    .map(|v| (p.eval(scope, v), origin_of(m, v)))
                    .or_else(|| sp.get("verify").map(|(c, e)| (c.clone(), origin_of(m, e))));
                if let Some((c, at)) = verify
                    && c.truthy() == Some(false)
                    && self.pyjwt_v1_or_unknown()
                {
                    d.signature = Check::Off(c.origin.unwrap_or(at));
                }
                if raw.jws {
                    d.kind = DecodeKind::SignatureOnly;
                }
                if d.signature.is_off() {
                    d.kind = DecodeKind::UnverifiedClaims;
                    // `decode_complete(...)["header"]`: a header peek, not a claims read.
                    if raw.op == Op::DecodeComplete && header_only(raw, call) {
                        d.kind = DecodeKind::UnverifiedHeader;
                        d.signature = Check::Never;
                    }
                }
                let sig_on = !d.signature.is_off();
                let sub = |name: &str| -> Check {
                    match get(name) {
                        Some(c) => tri(Some(&c), false),
                        None if !sig_on => Check::Off(call_origin),
                        None if opts_unknown => Check::Unknown,
                        None => Check::On,
                    }
                };
                d.exp = if raw.jws {
                    Check::Never
                } else {
                    sub("verify_exp")
                };
                if sig_on && !raw.jws {
                    for (name, claim) in [("verify_nbf", "nbf"), ("verify_iat", "iat")] {
                        if let Check::Off(o) = sub(name) {
                            d.time_checks_off.push((claim, o));
                        }
                    }
                }
                d.exp_required = get("require")
                    .and_then(|r| {
                        r.elements()
                            .map(|v| v.iter().any(|x| x.as_str() == Some("exp")))
                    })
                    .unwrap_or(opts_unknown)
                    || get("require_exp").and_then(|c| c.truthy()).unwrap_or(false);
                let leeway = kw(call, "leeway")
                    .map(|l| (p.eval(scope, l), origin_of(m, l)))
                    .or_else(|| sp.get("leeway").map(|(c, e)| (c.clone(), origin_of(m, e))));
                if let Some((c, at)) = leeway
                    && let Some(secs) = c.seconds()
                {
                    d.leeway = Some((secs, c.origin.unwrap_or(at)));
                }
                d.audience =
                    claim_check(p, scope, call, &sp, "audience", sub("verify_aud"), raw.jws);
                d.issuer = claim_check(p, scope, call, &sp, "issuer", sub("verify_iss"), raw.jws);
            }
            (Library::Jose, Op::Decode) => {
                let sp = self.spread(scope, call);
                d.key = self
                    .key_arg(scope, arg(call, "key", Some(1)))
                    .or_else(|| self.spread_key(&sp, "key"));
                let algs_expr = arg(call, "algorithms", Some(2));
                d.algorithms = match (algs_expr, sp.get("algorithms")) {
                    (None, Some((c, _))) => algorithms_of(c),
                    (None, None) if sp.unknown => Algorithms::Unknown,
                    _ => self.algorithms(scope, algs_expr),
                };
                let opts = arg(call, "options", Some(3))
                    .map(|o| p.eval(scope, o))
                    .or_else(|| sp.get("options").map(|(c, _)| c.clone()));
                let opts_unknown =
                    opts.as_ref().is_some_and(Const::is_unknown) || opts.is_none() && sp.unknown;
                let get = |name: &str| opts.as_ref().and_then(|o| option(o, name));
                d.signature = tri(get("verify_signature").as_ref(), opts_unknown);
                if d.signature.is_off() {
                    d.kind = DecodeKind::UnverifiedClaims;
                }
                let sub = |name: &str| match get(name) {
                    Some(c) => tri(Some(&c), false),
                    None if opts_unknown => Check::Unknown,
                    None => Check::On,
                };
                d.exp = sub("verify_exp");
                if !d.signature.is_off() {
                    for (name, claim) in [("verify_nbf", "nbf"), ("verify_iat", "iat")] {
                        if let Check::Off(o) = sub(name) {
                            d.time_checks_off.push((claim, o));
                        }
                    }
                }
                d.exp_required = get("require_exp")
                    .and_then(|c| c.truthy())
                    .unwrap_or(opts_unknown);
                d.audience = claim_check(p, scope, call, &sp, "audience", sub("verify_aud"), false);
                d.issuer = claim_check(p, scope, call, &sp, "issuer", sub("verify_iss"), false);
            }
            (Library::Jose, Op::JwsVerify) => {
                d.kind = DecodeKind::SignatureOnly;
                d.key = self.key_arg(scope, arg(call, "key", Some(1)));
                d.algorithms = self.algorithms(scope, arg(call, "algorithms", Some(2)));
                if let Some(v) = arg(call, "verify", Some(3)) {
                    let c = p.eval(scope, v);
                    if c.truthy() == Some(false) {
                        d.signature = Check::Off(c.origin.unwrap_or(origin_of(m, v)));
                        d.kind = DecodeKind::UnverifiedClaims;
                    }
                }
                d.exp = Check::Never;
            }
            (Library::Jwcrypto, Op::Decode) => {
                // Checked with jwcrypto 1.6.1: `JWT(jwt=token, key=key)` and
                // `JWT(...).deserialize(token, key)` verify the signature (the key's type
                // binds the algorithm family), then check the claims `check_claims` names:
                // by default `exp`/`nbf` when present (60 s leeway) and nothing else;
                // `check_claims=False` or a dict without `exp` leaves an expired token valid;
                // `{"exp": None}` makes `exp` mandatory.
                let ctor = raw.ctor.map(|(_, c)| c).unwrap_or(call);
                let key_expr = if std::ptr::eq(ctor, call) {
                    arg(call, "key", Some(3))
                } else {
                    arg(call, "key", Some(1))
                };
                d.key = self.jwk_key(scope, key_expr);
                d.token = if std::ptr::eq(ctor, call) {
                    arg(call, "jwt", Some(2))
                } else {
                    arg(call, "jwt", Some(0))
                };
                d.algorithms = Algorithms::Unknown;
                let cscope = match raw.ctor {
                    Some((cm, _)) if cm.id != m.id => Scope::module(cm),
                    _ => scope.clone(),
                };
                let checks = arg(ctor, "check_claims", Some(6)).map(|e| (p.eval(&cscope, e), e));
                d.audience = Check::Never;
                d.issuer = Check::Never;
                if let Some((c, e)) = checks {
                    let at = c.origin.unwrap_or(origin_of(m, e));
                    match &c.value {
                        Value::Bool(false) => d.exp = Check::Off(at),
                        Value::Dict(_) => {
                            if c.dict_get("exp").is_some() {
                                d.exp_required = true;
                            } else {
                                d.exp = Check::Off(at);
                            }
                            if c.dict_get("aud").is_some() {
                                d.audience = Check::On;
                            }
                            if c.dict_get("iss").is_some() {
                                d.issuer = Check::On;
                            }
                        }
                        Value::None => {}
                        _ => {
                            d.exp = Check::Unknown;
                            d.audience = Check::Unknown;
                            d.issuer = Check::Unknown;
                        }
                    }
                }
            }
            (Library::PythonJwt, Op::Decode) => {
                // Checked with python_jwt 4.1.0: `verify_jwt(token, pub_key, allowed_algs,
                // iat_skew, checks_optional, ignore_not_implemented)` rejects an algorithm not
                // in `allowed_algs` (None is an empty list), verifies with `pub_key` unless the
                // token says `none` and `none` is allowed, and requires `typ`, `iat`, `nbf`
                // and `exp` unless `checks_optional=True`. It never checks `aud` or `iss`.
                d.key = self.key_arg(scope, arg(call, "pub_key", Some(1)));
                d.algorithms = match arg(call, "allowed_algs", Some(2)) {
                    Some(a) => match self.algorithms(scope, Some(a)) {
                        Algorithms::NotGiven => Algorithms::List(Vec::new()),
                        other => other,
                    },
                    None => Algorithms::List(Vec::new()),
                };
                d.exp_required = match arg(call, "checks_optional", Some(4)) {
                    Some(c) => p.eval(scope, c).truthy() != Some(true),
                    None => true,
                };
                // No algorithm allowed: the call raises on every token, no claim is trusted.
                let never_succeeds = d.algorithms == Algorithms::List(Vec::new());
                d.audience = if never_succeeds {
                    Check::Unknown
                } else {
                    Check::Never
                };
                d.issuer = d.audience;
            }
            (Library::Joserfc, Op::Decode) => {
                // Checked with joserfc 1.8.0: `jwt.decode` verifies the signature (default
                // algorithms: the recommended ones, key types bound) and no claim; an expired
                // token decodes until `JWTClaimsRegistry(...).validate(token.claims)`.
                d.key = self.key_arg(scope, arg(call, "key", Some(1)));
                d.algorithms = match arg(call, "algorithms", Some(2)) {
                    Some(a) => self.algorithms(scope, Some(a)),
                    None => Algorithms::Unknown,
                };
                let validated = self.validates_claims(d.function.as_deref())
                    || raw.function.is_none() && m.source.contains(".validate(");
                d.exp = if validated { Check::On } else { Check::Never };
                d.exp_required = true;
                d.audience = Check::Unknown;
                d.issuer = Check::Unknown;
            }
            (Library::Authlib, Op::Decode) => {
                d.key = self.key_arg(scope, arg(call, "key", Some(1)));
                d.algorithms = match raw.ctor {
                    Some((cm, ctor)) => match arg(ctor, "algorithms", Some(0)) {
                        Some(a) => self.algorithms(&Scope::module(cm), Some(a)),
                        None => Algorithms::NotGiven,
                    },
                    None => Algorithms::NotGiven,
                };
                let validated = self.validates_claims(d.function.as_deref())
                    || raw.function.is_none() && m.source.contains(".validate(");
                let claims_opts = arg(call, "claims_options", Some(3)).map(|o| p.eval(scope, o));
                let essential = |name: &str| -> Option<bool> {
                    let o = claims_opts.as_ref()?;
                    if o.is_unknown() {
                        return Some(true);
                    }
                    let c = o.dict_get(name)?;
                    Some(
                        c.dict_get("essential")
                            .and_then(|e| e.truthy())
                            .unwrap_or(false)
                            || c.dict_get("value").is_some()
                            || c.dict_get("values").is_some(),
                    )
                };
                if validated {
                    d.exp = Check::On;
                    d.exp_required = essential("exp").unwrap_or(false);
                    d.audience = if essential("aud").unwrap_or(false) {
                        Check::On
                    } else {
                        Check::Never
                    };
                    d.issuer = if essential("iss").unwrap_or(false) {
                        Check::On
                    } else {
                        Check::Never
                    };
                } else {
                    d.exp = Check::Never;
                    d.audience = Check::Never;
                    d.issuer = Check::Never;
                }
            }
            _ => {}
        }
        d
    }

    /// The one PyJWT version assumption of every rule: PyJWT 1 semantics (`verify=False`
    /// skips the signature check, a missing `algorithms=` lets the header choose) unless a
    /// requirements file pins PyJWT 2, where `verify=` is ignored and a missing
    /// `algorithms=` raises.
    pub fn pyjwt_v1_or_unknown(&self) -> bool {
        self.pyjwt_v1 || !self.pyjwt_v2
    }

    fn algorithms(&self, scope: &Scope<'p>, e: Option<&'p Expr>) -> Algorithms {
        let Some(e) = e else {
            return Algorithms::NotGiven;
        };
        if let Some(r) = reads_alg(scope, e, 0) {
            // `if alg not in ALLOWED: raise` before the decode pins the header's value.
            if let Some(list) = self.allowlist_guard(scope, e) {
                return list;
            }
            return Algorithms::FromHeader(Origin {
                module: scope.module.id,
                range: r,
            });
        }
        // A list written in place: each element a string, a constant or `ALGORITHMS.X`.
        if let Expr::List(jwtward_python::ast::ExprList { elts, .. })
        | Expr::Tuple(jwtward_python::ast::ExprTuple { elts, .. }) = e
        {
            let mut out = Vec::new();
            for el in elts {
                let c = self.project.eval(scope, el);
                if let Some(s) = c.as_str() {
                    out.push((
                        s.to_string(),
                        c.origin.or(Some(origin_of(scope.module, el))),
                    ));
                    continue;
                }
                let q = self.project.qualified_name(scope.module, el);
                match q.as_deref() {
                    Some(q) if q.contains("ALGORITHMS.") || q.contains("Algorithms.") => {
                        let last = q.rsplit('.').next().unwrap_or(q);
                        out.push((last.to_string(), Some(origin_of(scope.module, el))));
                    }
                    _ => return Algorithms::Unknown,
                }
            }
            return Algorithms::List(out);
        }
        algorithms_of(&self.project.eval(scope, e))
    }

    /// An `if NAME not in <allowlist>: raise` (or `return`) before `e` is used, for a name of
    /// `e`: the algorithms are pinned to that allowlist.
    fn allowlist_guard(&self, scope: &Scope<'p>, e: &'p Expr) -> Option<Algorithms> {
        let f = scope.function?;
        let mut names = Vec::new();
        walk::for_each_subexpr(e, &mut |x| {
            if let Expr::Name(n) = x {
                names.push(n.id.as_str().to_string());
            }
        });
        let mut found = None;
        walk::for_each_stmt_shallow(&f.body, &mut |s| {
            if found.is_some() || s.range().start() >= e.range().start() {
                return;
            }
            let Stmt::If(i) = s else { return };
            let Expr::Compare(c) = &*i.test else { return };
            let (Expr::Name(n), [jwtward_python::ast::CmpOp::NotIn], [allowed]) =
                (&*c.left, &*c.ops, &*c.comparators)
            else {
                return;
            };
            if !names.iter().any(|x| x == n.id.as_str()) {
                return;
            }
            let exits = i
                .body
                .iter()
                .any(|b| matches!(b, Stmt::Raise(_) | Stmt::Return(_)));
            if !exits {
                return;
            }
            let c = self.project.eval(scope, allowed);
            if let Some(items) = c.elements() {
                let mut out = Vec::new();
                for it in items {
                    match it.as_str() {
                        Some(a) => out.push((a.to_string(), it.origin)),
                        None => return,
                    }
                }
                found = Some(Algorithms::List(out));
            }
        });
        found
    }

    fn eval_encode(
        &self,
        raw: &Raw<'p>,
        scope: &Scope<'p>,
        via: Option<Via<'p>>,
    ) -> EncodeCall<'p> {
        let p = self.project;
        let call = raw.call;
        let (payload, key, algorithm) = match raw.library {
            Library::PyJwt | Library::Jose => {
                let payload = arg(call, "payload", Some(0)).or(kw(call, "claims"));
                let key = arg(call, "key", Some(1));
                let alg = match arg(call, "algorithm", Some(2)) {
                    Some(a) => {
                        let c = p.eval(scope, a);
                        // PyJWT: `algorithm=None` signs with "none" (checked with 2.15.1).
                        if matches!(c.value, Value::None) && raw.library == Library::PyJwt {
                            Some((
                                "none".to_string(),
                                c.origin.or(Some(origin_of(raw.module, a))),
                            ))
                        } else {
                            // `config("JWT_ALG", default="HS256")`: the default, as for keys.
                            let d = c.or_default();
                            d.as_str().map(|s| {
                                (s.to_string(), d.origin.or(Some(origin_of(raw.module, a))))
                            })
                        }
                    }
                    None if raw.callee.ends_with("jws.sign") => Some(("HS256".to_string(), None)),
                    None => Some(("HS256".to_string(), None)),
                };
                (payload, key, alg)
            }
            Library::Jwcrypto => {
                // Checked with jwcrypto 1.6.1: `JWT(header={"alg": ...}, claims={...})` then
                // `.make_signed_token(key)` signs with the header's algorithm. `alg: none`
                // raises "Algorithm not allowed" unless the constructor's `algs=` lists
                // `none` (then the token is unsigned, whatever the key). The claims are
                // signed as given: no `exp` unless they carry one or `default_claims` names
                // `exp` (`{"exp": None}` adds now + `validity`, 600 s by default).
                let (cm, ctor) = raw.ctor.unwrap_or((raw.module, call));
                let cscope = if cm.id != raw.module.id {
                    Scope::module(cm)
                } else {
                    scope.clone()
                };
                let header = arg(ctor, "header", Some(0)).map(|h| p.eval(&cscope, h));
                let mut alg = header.as_ref().and_then(|h| {
                    h.dict_get("alg")
                        .and_then(|a| a.as_str().map(|s| (s.to_string(), a.origin)))
                });
                if alg.as_ref().is_some_and(|(a, _)| a == "none") {
                    let allowed = arg(ctor, "algs", Some(4))
                        .map(|a| p.eval(&cscope, a))
                        .and_then(|a| {
                            a.elements()
                                .map(|v| v.iter().any(|x| x.as_str() == Some("none")))
                        })
                        .unwrap_or(false);
                    if !allowed {
                        alg = None;
                    }
                }
                (arg(ctor, "claims", Some(1)), arg(call, "key", Some(0)), alg)
            }
            Library::PythonJwt => {
                // `generate_jwt(claims, priv_key=None, algorithm="PS512", ...)`: without a key
                // the token is unsigned, `alg: none` (checked with 4.1.0).
                let key = arg(call, "priv_key", Some(1));
                let keyless = key.is_none_or(|k| {
                    let c = p.eval(scope, k);
                    matches!(c.value, Value::None) || c.truthy() == Some(false)
                });
                let alg = if keyless {
                    Some((
                        "none".to_string(),
                        Some(key.map_or(origin_of(raw.module, &call.func), |k| {
                            origin_of(raw.module, k)
                        })),
                    ))
                } else {
                    match arg(call, "algorithm", Some(2)) {
                        Some(a) => {
                            let c = p.eval(scope, a);
                            c.as_str().map(|s| {
                                (s.to_string(), c.origin.or(Some(origin_of(raw.module, a))))
                            })
                        }
                        None => Some(("PS512".to_string(), None)),
                    }
                };
                (arg(call, "claims", Some(0)), key, alg)
            }
            Library::Authlib | Library::Joserfc => {
                let header = arg(call, "header", Some(0));
                let alg = header.and_then(|h| {
                    let c = p.eval(scope, h);
                    c.dict_get("alg")
                        .and_then(|a| a.as_str().map(|s| (s.to_string(), a.origin)))
                });
                (
                    arg(call, "payload", Some(1)),
                    arg(call, "key", Some(2)),
                    alg,
                )
            }
        };
        let sets_exp = raw.library == Library::Jwcrypto
            && raw.ctor.is_some_and(|(cm, ctor)| {
                arg(ctor, "default_claims", Some(5)).is_some_and(|dc| {
                    let sc = if cm.id != raw.module.id {
                        Scope::module(cm)
                    } else {
                        scope.clone()
                    };
                    p.eval(&sc, dc).dict_get("exp").is_some()
                })
            });
        EncodeCall {
            module: raw.module,
            call,
            function: raw.function.as_ref().map(|f| f.qualname.clone()),
            callee: raw.callee.clone(),
            library: raw.library,
            algorithm,
            key: if raw.library == Library::Jwcrypto {
                self.jwk_key(scope, key)
            } else {
                self.key_arg(scope, key)
            },
            payload,
            sets_exp,
            via,
        }
    }
}

/// The allowed algorithms of an evaluated `algorithms=` value.
fn algorithms_of(c: &Const) -> Algorithms {
    if matches!(c.value, Value::None) {
        return Algorithms::NotGiven;
    }
    match c.elements() {
        Some(items) => {
            let mut out = Vec::new();
            for it in items {
                match it.as_str() {
                    Some(s) => out.push((s.to_string(), it.origin)),
                    None => return Algorithms::Unknown,
                }
            }
            Algorithms::List(out)
        }
        None => Algorithms::Unknown,
    }
}

/// True when the result of `call` is only used through `["header"]` in its function.
fn header_only(raw: &Raw<'_>, call: &ExprCall) -> bool {
    let Some(f) = &raw.function else { return false };
    let body = &f.def.body;
    let is_header = |e: &Expr| matches!(e, Expr::StringLiteral(l) if l.value.to_str() == "header");
    // Directly subscripted.
    let mut direct = false;
    walk::for_each_expr_shallow(body, &mut |e| {
        if let Expr::Subscript(s) = e
            && s.value.range() == call.range()
            && is_header(&s.slice)
        {
            direct = true;
        }
    });
    if direct {
        return true;
    }
    // Assigned to a name that is only ever subscripted with "header".
    let mut target: Option<String> = None;
    walk::for_each_stmt_shallow(body, &mut |s| {
        if let Stmt::Assign(a) = s
            && a.value.range() == call.range()
            && let [Expr::Name(n)] = a.targets.as_slice()
        {
            target = Some(n.id.as_str().to_string());
        }
    });
    let Some(name) = target else { return false };
    let mut header_uses = 0usize;
    let mut all_uses = 0usize;
    walk::for_each_expr_shallow(body, &mut |e| match e {
        Expr::Subscript(s)
            if matches!(&*s.value, Expr::Name(n) if n.id.as_str() == name)
                && is_header(&s.slice) =>
        {
            header_uses += 1;
        }
        Expr::Name(n) if n.id.as_str() == name && n.ctx.is_load() => all_uses += 1,
        _ => {}
    });
    header_uses > 0 && header_uses == all_uses
}

fn enclosing_name(m: &Module, frames: &[Frame]) -> Option<String> {
    let i = frames.iter().rposition(|f| !f.is_class)?;
    let local = walk::frames_name(&frames[..=i]);
    Some(if m.name.is_empty() {
        local
    } else {
        format!("{}.{}", m.name, local)
    })
}

fn tri(c: Option<&Const>, unknown: bool) -> Check {
    match c {
        None if unknown => Check::Unknown,
        None => Check::On,
        Some(c) => match c.truthy() {
            Some(true) => Check::On,
            Some(false) => match c.origin {
                Some(o) => Check::Off(o),
                None => Check::Unknown,
            },
            None => Check::Unknown,
        },
    }
}

/// `audience=`/`issuer=` given (and not None), unless the matching `verify_*` is off.
fn claim_check(
    p: &Project,
    scope: &Scope<'_>,
    call: &ExprCall,
    spread: &Spread<'_>,
    name: &str,
    verify: Check,
    never: bool,
) -> Check {
    if never {
        return Check::Never;
    }
    if let Check::Off(o) = verify {
        return Check::Off(o);
    }
    let value = kw(call, name)
        .map(|e| p.eval(scope, e))
        .or_else(|| spread.get(name).map(|(c, _)| c.clone()));
    match value {
        None if spread.unknown => Check::Unknown,
        None => Check::Never,
        Some(c) => match c.value {
            Value::None => Check::Never,
            Value::Env { default: None, .. } | Value::Unknown => Check::Unknown,
            _ => Check::On,
        },
    }
}

fn find_raw_calls(project: &Project) -> Vec<Raw<'_>> {
    let mut out = Vec::new();
    for m in &project.modules {
        if !m.interesting
            || !(m.source.contains("jwt")
                || m.source.contains("jose")
                || m.source.contains("JsonWebToken"))
        {
            continue;
        }
        let ast = m.ast();
        let mut found: Vec<(&ExprCall, Vec<Frame>)> = Vec::new();
        walk::for_each_expr(&ast.body, &mut |e, frames| {
            let Expr::Call(c) = e else { return };
            let last = match &*c.func {
                Expr::Attribute(a) => a.attr.as_str(),
                Expr::Name(n) => {
                    let id = n.id.as_str();
                    match m.imports().get(id) {
                        Some(t) => t.rsplit('.').next().unwrap_or(t),
                        None => return,
                    }
                }
                _ => return,
            };
            if METHODS.contains(&last) {
                found.push((c, frames.to_vec()));
            }
        });
        let functions = project.functions(m);
        for (call, frames) in found {
            let function = frames.iter().rposition(|f| !f.is_class).and_then(|i| {
                let range = frames[i].range;
                functions.iter().find(|f| f.def.range == range).cloned()
            });
            let scope = match &function {
                Some(f) => Scope::function(m, f.def),
                None => Scope::module(m),
            };
            let mut raw = None;
            if let Some(q) = project.qualified_name(m, &call.func)
                && let Some((library, op)) = classify(&q)
            {
                // jwcrypto: only `JWT(jwt=token, key=...)` decodes; `JWT(header=, claims=)`
                // builds a token to sign, and without a key nothing is verified or readable.
                let jwcrypto_skip = library == Library::Jwcrypto
                    && (arg(call, "jwt", Some(2)).is_none() || arg(call, "key", Some(3)).is_none());
                if !jwcrypto_skip {
                    raw = Some((q.clone(), library, op, false, Some((m, call))));
                }
                if library != Library::Jwcrypto {
                    raw = raw.map(|(q, l, o, j, _)| (q, l, o, j, None));
                }
            }
            if raw.is_none()
                && let Expr::Attribute(a) = &*call.func
                && let Some((cm, ctor, cq)) = receiver_ctor(project, &scope, &a.value)
            {
                let method = a.attr.as_str();
                let pyjwt = is_class(&cq, PYJWT_CLASSES);
                let pyjws = is_class(&cq, PYJWS_CLASSES);
                let authlib = is_class(&cq, AUTHLIB_CLASSES);
                let op = match method {
                    // jwcrypto: `JWT(header=, claims=)` then `.make_signed_token(key)`.
                    "make_signed_token" if is_class(&cq, JWCRYPTO_CLASSES) => Some(Op::Encode),
                    "decode" | "deserialize" => Some(Op::Decode),
                    "decode_complete" => Some(Op::DecodeComplete),
                    "encode" => Some(Op::Encode),
                    "get_unverified_header" => Some(Op::Header),
                    _ => None,
                };
                if let Some(op) = op {
                    if pyjwt || pyjws {
                        raw = Some((
                            format!("{cq}.{method}"),
                            Library::PyJwt,
                            op,
                            pyjws,
                            Some((cm, ctor)),
                        ));
                    } else if is_class(&cq, JWCRYPTO_CLASSES) && op == Op::Encode {
                        raw = Some((
                            format!("{cq}.make_signed_token"),
                            Library::Jwcrypto,
                            Op::Encode,
                            false,
                            Some((cm, ctor)),
                        ));
                    } else if is_class(&cq, JWCRYPTO_CLASSES)
                        && method == "deserialize"
                        && arg(call, "key", Some(1)).is_some()
                    {
                        raw = Some((
                            format!("{cq}.deserialize"),
                            Library::Jwcrypto,
                            Op::Decode,
                            false,
                            Some((cm, ctor)),
                        ));
                    } else if authlib && matches!(op, Op::Decode | Op::Encode) {
                        raw = Some((
                            format!("{cq}.{method}"),
                            Library::Authlib,
                            op,
                            false,
                            Some((cm, ctor)),
                        ));
                    }
                }
            }
            if let Some((callee, library, op, jws, ctor)) = raw {
                out.push(Raw {
                    module: m,
                    call,
                    function: function.clone(),
                    callee,
                    library,
                    op,
                    jws,
                    ctor,
                });
            }
        }
    }
    out
}

/// The PyJWT major version pinned by a requirements file next to the scanned paths.
fn detect_pyjwt_pin(project: &Project) -> Option<u32> {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for r in &project.roots {
        if r.is_dir() {
            dirs.push(r.clone());
        } else if let Some(p) = r.parent() {
            dirs.push(p.to_path_buf());
        }
    }
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_lowercase();
            let wanted = (name.starts_with("requirements") && name.ends_with(".txt"))
                || name == "pyproject.toml"
                || name == "setup.cfg"
                || name == "setup.py"
                || name == "pipfile";
            if !wanted {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            for line in text.lines() {
                let l = line.to_lowercase();
                let Some(i) = l.find("pyjwt") else { continue };
                let spec: String = l[i + 5..]
                    .chars()
                    .skip_while(|c| {
                        c.is_whitespace()
                            || *c == '['
                            || c.is_alphanumeric()
                            || *c == ']'
                            || *c == '"'
                            || *c == '\''
                    })
                    .collect();
                let spec = spec.replace([' ', '"', '\''], "");
                if spec.starts_with("==1")
                    || spec.starts_with("~=1")
                    || spec.starts_with("<2")
                    || spec.starts_with("<=1")
                    || spec.contains(",<2")
                    || spec.starts_with("=\"^1")
                    || spec.starts_with("=^1")
                {
                    return Some(1);
                }
                if spec.starts_with("==2")
                    || spec.starts_with(">=2")
                    || spec.starts_with("~=2")
                    || spec.starts_with("=^2")
                    || spec.starts_with(">2")
                {
                    return Some(2);
                }
            }
        }
    }
    None
}

/// Finds the library constructors and settings that take a signing key ([`KeySite`]).
fn find_key_sites<'p>(model: &JwtModel<'p>) -> Vec<KeySite<'p>> {
    let project = model.project;
    let mut out = Vec::new();
    for m in &project.modules {
        if !m.interesting
            || !(m.source.contains("JWTStrategy")
                || m.source.contains("generate_jwt")
                || m.source.contains("decode_jwt")
                || m.source.contains("SessionMiddleware")
                || m.source.contains("AuthXConfig")
                || m.source.contains("authjwt_secret_key")
                || m.source.contains("_token_secret"))
        {
            continue;
        }
        let ast = m.ast();
        let scope_at =
            |offset: jwtward_python::TextSize| match project.enclosing_function(m, offset) {
                Some(f) => Scope::function(m, f.def),
                None => Scope::module(m),
            };
        let place = |r: TextRange| {
            let (l, _) = m.line_column(r.start());
            format!("{}:{l}", m.display_path)
        };
        let at = |r: TextRange| Origin {
            module: m.id,
            range: r,
        };
        walk::for_each_expr(&ast.body, &mut |e, _| {
            let Expr::Call(c) = e else { return };
            let Some(q) = project.qualified_name(m, &c.func) else {
                return;
            };
            let last = q.rsplit('.').next().unwrap_or(&q);
            // `app.add_middleware(SessionMiddleware, ...)`, `Middleware(SessionMiddleware, ...)`.
            let middleware_of = |c: &ExprCall| {
                c.arguments
                    .args
                    .first()
                    .and_then(|a| project.qualified_name(m, a))
                    .is_some_and(|a| a.ends_with("SessionMiddleware"))
            };
            // A project subclass of fastapi-users' `JWTStrategy` (`class
            // IatJWTStrategy(JWTStrategy[models.UP, models.ID])`) is built the same way.
            let strategy_subclass = || {
                project.class(&q).is_some_and(|cls| {
                    cls.def.arguments.as_ref().is_some_and(|a| {
                        a.args.iter().any(|b| {
                            let b = match b {
                                Expr::Subscript(s) => &*s.value,
                                b => b,
                            };
                            project.qualified_name(cls.module, b).is_some_and(|bq| {
                                bq.starts_with("fastapi_users") && bq.ends_with("JWTStrategy")
                            })
                        })
                    })
                })
            };
            let (lib, key_expr, lifetime, never, session) = if last == "JWTStrategy"
                && (q.starts_with("fastapi_users") || q == "JWTStrategy")
                || strategy_subclass()
            {
                (
                    "JWTStrategy(secret=...)",
                    arg(c, "secret", Some(0)),
                    arg(c, "lifetime_seconds", Some(1)),
                    true,
                    false,
                )
            } else if q == "fastapi_users.jwt.generate_jwt" {
                // `generate_jwt(data, secret, lifetime_seconds=None, algorithm="HS256")`
                // (fastapi-users 15.0.5): `exp` only when a lifetime is given.
                (
                    "generate_jwt(secret=...)",
                    arg(c, "secret", Some(1)),
                    Some(arg(c, "lifetime_seconds", Some(2)).unwrap_or(&*c.func)),
                    true,
                    false,
                )
            } else if q == "fastapi_users.jwt.decode_jwt" {
                // `decode_jwt(token, secret, audience, algorithms=["HS256"])`: PyJWT with the
                // audience checked.
                (
                    "decode_jwt(secret=...)",
                    arg(c, "secret", Some(1)),
                    None,
                    false,
                    false,
                )
            } else if last == "AuthXConfig" {
                (
                    "AuthXConfig(JWT_SECRET_KEY=...)",
                    kw(c, "JWT_SECRET_KEY"),
                    kw(c, "JWT_ACCESS_TOKEN_EXPIRES"),
                    // authx 1.7.1: `JWT_ACCESS_TOKEN_EXPIRES=None` mints access tokens
                    // without `exp`, and its `decode_token` does not require one.
                    true,
                    false,
                )
            } else if last == "SessionMiddleware"
                || (last == "add_middleware" || last == "Middleware") && middleware_of(c)
            {
                (
                    "SessionMiddleware(secret_key=...)",
                    arg(c, "secret_key", Some(1)),
                    None,
                    false,
                    true,
                )
            } else {
                return;
            };
            let Some(key_expr) = key_expr else { return };
            let scope = scope_at(c.start());
            let Some(key) = model.key_arg(&scope, Some(key_expr)) else {
                return;
            };
            let decode = (last == "AuthXConfig").then(|| {
                // `AuthXConfig(**options)`: any setting may come from the mapping.
                let spread = c.arguments.keywords.iter().any(|k| k.arg.is_none());
                let check = |name: &str| match kw(c, name) {
                    Some(v) => setting_check(project, &scope, v),
                    None if spread => Check::Unknown,
                    None => Check::Never,
                };
                LibDecode {
                    library: "authx",
                    settings: "`AuthXConfig(...)`".to_string(),
                    at: at(c.range()),
                    audience: check("JWT_DECODE_AUDIENCE"),
                    issuer: check("JWT_DECODE_ISSUER"),
                    audience_field: "JWT_DECODE_AUDIENCE",
                    issuer_field: "JWT_DECODE_ISSUER",
                    mints_at: library_mint(project, "authx"),
                }
            });
            out.push(KeySite {
                module: m,
                range: c.range(),
                key,
                used_by: format!("`{lib}` at {}", place(c.range())),
                lifetime: lifetime.map(|l| {
                    // `generate_jwt(data, secret)`: no lifetime given is `None`.
                    let v = if std::ptr::eq(l, &*c.func) {
                        Const::new(Value::None, m, c.range())
                    } else {
                        project.eval(&scope, l)
                    };
                    (v, l)
                }),
                none_lifetime_never_expires: never,
                false_lifetime_never_expires: false,
                leeway: None,
                session,
                decode,
            });
        });
        // fastapi-users: a `BaseUserManager` subclass signs its password-reset and
        // email-verification tokens with `generate_jwt(secret=reset_password_token_secret)`
        // (fastapi-users 15.0.5, HS256, audience `fastapi-users:reset` / `:verify`). Whoever
        // knows the secret resets any user's password.
        if m.source.contains("_token_secret") {
            walk::for_each_stmt(&ast.body, &mut |s| {
                let Stmt::ClassDef(cd) = s else { return };
                let manager = cd.arguments.as_ref().is_some_and(|a| {
                    a.args.iter().any(|b| {
                        let b = match b {
                            Expr::Subscript(s) => &*s.value,
                            b => b,
                        };
                        project.qualified_name(m, b).is_some_and(|q| {
                            q.starts_with("fastapi_users") && q.ends_with("BaseUserManager")
                        })
                    })
                });
                if !manager {
                    return;
                }
                let scope = Scope::module(m);
                for st in &cd.body {
                    let (target, value) = match st {
                        Stmt::AnnAssign(a) => (&*a.target, a.value.as_deref()),
                        Stmt::Assign(a) if a.targets.len() == 1 => (&a.targets[0], Some(&*a.value)),
                        _ => continue,
                    };
                    let (Expr::Name(n), Some(v)) = (target, value) else {
                        continue;
                    };
                    let field = n.id.as_str();
                    if !matches!(
                        field,
                        "reset_password_token_secret" | "verification_token_secret"
                    ) {
                        continue;
                    }
                    let Some(k) = model.key_arg(&scope, Some(v)) else {
                        continue;
                    };
                    out.push(KeySite {
                        module: m,
                        range: st.range(),
                        key: k,
                        used_by: format!(
                            "fastapi-users `{}.{field}` at {}",
                            cd.name.as_str(),
                            place(st.range())
                        ),
                        lifetime: None,
                        none_lifetime_never_expires: false,
                        false_lifetime_never_expires: false,
                        leeway: None,
                        session: false,
                        decode: None,
                    });
                }
            });
        }
        // fastapi-jwt-auth: a settings class read by `@AuthJWT.load_config`.
        if m.source.contains("authjwt_secret_key") {
            walk::for_each_stmt(&ast.body, &mut |s| {
                let Stmt::ClassDef(cd) = s else { return };
                let mut key = None;
                let mut life = None;
                let mut leeway = None;
                let scope = Scope::module(m);
                let mut audience = Check::Never;
                let mut issuer = Check::Never;
                for st in &cd.body {
                    let (target, value) = match st {
                        Stmt::AnnAssign(a) => (&*a.target, a.value.as_deref()),
                        Stmt::Assign(a) if a.targets.len() == 1 => (&a.targets[0], Some(&*a.value)),
                        _ => continue,
                    };
                    let Expr::Name(n) = target else { continue };
                    // A field without a value is read from the environment (pydantic
                    // `BaseSettings`): whether it is set is not known here.
                    let claim = value.map_or(Check::Unknown, |v| setting_check(project, &scope, v));
                    match n.id.as_str() {
                        "authjwt_decode_audience" => audience = claim,
                        "authjwt_decode_issuer" => issuer = claim,
                        _ => {}
                    }
                    let Some(v) = value else { continue };
                    match n.id.as_str() {
                        "authjwt_secret_key" => key = Some((st.range(), v)),
                        "authjwt_access_token_expires" => life = Some(v),
                        "authjwt_decode_leeway" => leeway = Some(v),
                        _ => {}
                    }
                }
                let Some((range, v)) = key else { return };
                let Some(k) = model.key_arg(&scope, Some(v)) else {
                    return;
                };
                out.push(KeySite {
                    module: m,
                    range,
                    key: k,
                    used_by: format!("fastapi-jwt-auth `authjwt_secret_key` at {}", place(range)),
                    lifetime: life.map(|l| (project.eval(&scope, l), l)),
                    // Checked with async-fastapi-jwt-auth 0.6.6: `False` mints access tokens
                    // without `exp`; the PyJWT decode it runs does not require one. The
                    // leeway goes to that decode.
                    none_lifetime_never_expires: false,
                    false_lifetime_never_expires: true,
                    leeway: leeway.map(|l| (project.eval(&scope, l), l)),
                    session: false,
                    decode: Some(LibDecode {
                        library: "fastapi-jwt-auth",
                        settings: format!("the settings class `{}`", cd.name.as_str()),
                        at: at(cd.name.range()),
                        audience,
                        issuer,
                        audience_field: "authjwt_decode_audience",
                        issuer_field: "authjwt_decode_issuer",
                        mints_at: library_mint(project, "fastapi-jwt-auth"),
                    }),
                });
            });
        }
    }
    out
}

/// A decode setting's value: `None` leaves the claim unchecked, a value the analysis cannot
/// see may set it, anything else sets it.
fn setting_check(project: &Project, scope: &Scope<'_>, e: &Expr) -> Check {
    let c = project.eval(scope, e);
    match c.value {
        Value::None => Check::Never,
        Value::Env { default: None, .. } | Value::Unknown => Check::Unknown,
        Value::Env {
            default: Some(d), ..
        } if matches!(d.value, Value::None) => Check::Unknown,
        _ => Check::On,
    }
}

/// Where the project mints a token through fastapi-jwt-auth (`library` "fastapi-jwt-auth") or
/// authx ("authx"): the first `.create_access_token(...)` / `.create_refresh_token(...)` call
/// outside test code whose receiver is that library's object, as file:line. The receiver is
/// a parameter annotated with `AuthJWT` (`Authorize: AuthJWT = Depends()`), or a name
/// assigned from `AuthJWT()` / `AuthX(...)`; a receiver the analysis cannot resolve counts for
/// the library its module imports (the instance is often imported from the module that
/// configures it, so a module that names neither counts for both).
fn library_mint(project: &Project, library: &str) -> Option<String> {
    let (class, marker) = match library {
        "authx" => ("AuthX", "authx"),
        _ => ("AuthJWT", "fastapi_jwt_auth"),
    };
    let other = if library == "authx" {
        "fastapi_jwt_auth"
    } else {
        "authx"
    };
    for m in &project.modules {
        if m.is_test
            || !(m.source.contains("create_access_token")
                || m.source.contains("create_refresh_token"))
        {
            continue;
        }
        let mut found = None;
        walk::for_each_expr(&m.ast().body, &mut |e, _| {
            if found.is_some() {
                return;
            }
            let Expr::Call(c) = e else { return };
            let Expr::Attribute(a) = &*c.func else { return };
            if !matches!(
                a.attr.as_str(),
                "create_access_token" | "create_refresh_token"
            ) {
                return;
            }
            let function = project.enclosing_function(m, c.start());
            let scope = match &function {
                Some(f) => Scope::function(m, f.def),
                None => Scope::module(m),
            };
            let is_class = |q: &str| q.rsplit('.').next() == Some(class);
            let annotated = match (&*a.value, &function) {
                (Expr::Name(n), Some(f)) => f
                    .params()
                    .iter()
                    .find(|p| p.name == n.id.as_str())
                    .and_then(|p| p.annotation)
                    .map(|t| project.qualified_name(m, t)),
                _ => None,
            };
            let resolved = match annotated {
                Some(t) => t,
                None => receiver_ctor(project, &scope, &a.value).map(|(_, _, q)| q),
            };
            let ours = match resolved {
                Some(q) => is_class(&q),
                None => m.source.contains(marker) || !m.source.contains(other),
            };
            if ours {
                let (l, _) = m.line_column(c.start());
                found = Some(format!("{}:{l}", m.display_path));
            }
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The `.env` files named by the project's settings (`env_file=".env"`, `env_file = "prod.env"`,
/// python-dotenv's `load_dotenv()` reads `.env`), found under the scanned roots.
fn find_dotenv(project: &Project) -> Vec<DotEnvEntry> {
    let mut names: Vec<(String, String)> = Vec::new();
    for m in &project.modules {
        if m.is_test {
            continue;
        }
        let src = m.source.as_str();
        let mut rest = src;
        while let Some(i) = rest.find("env_file") {
            let after = &rest[i + 8..];
            let after_trim = after.trim_start_matches([' ', '=', ':']);
            if after.trim_start().starts_with('=')
                && let Some(q) = after_trim
                    .chars()
                    .next()
                    .filter(|c| *c == '"' || *c == '\'')
                && let Some(end) = after_trim[1..].find(q)
            {
                let path = &after_trim[1..1 + end];
                let base = path.rsplit('/').next().unwrap_or(path).to_string();
                if !base.is_empty() && !names.iter().any(|(b, _)| *b == base) {
                    names.push((base, format!("`env_file=\"{path}\"` in {}", m.display_path)));
                }
            }
            rest = &rest[i + 8..];
        }
        if src.contains("load_dotenv(") && !names.iter().any(|(b, _)| b == ".env") {
            names.push((
                ".env".into(),
                format!("`load_dotenv()` in {}", m.display_path),
            ));
        }
    }
    if names.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let skip = |name: &str| {
        matches!(
            name,
            ".git" | "node_modules" | ".venv" | "venv" | "__pycache__" | "tests"
        )
    };
    walk_project_files(project, &skip, &mut |_, name, path| {
        let Some((_, read_by)) = names.iter().find(|(b, _)| *b == name) else {
            return;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        for (i, line) in text.lines().enumerate() {
            let l = line.trim().trim_start_matches("export ").trim();
            if l.starts_with('#') {
                continue;
            }
            let Some((var, value)) = l.split_once('=') else {
                continue;
            };
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            out.push(DotEnvEntry {
                file: path.display().to_string(),
                line: i as u32 + 1,
                var: var.trim().to_string(),
                value: value.to_string(),
                read_by: read_by.clone(),
                config: false,
            });
        }
    });
    out
}

/// Visits every file below the project's roots, four directory levels deep at most,
/// skipping the directories `skip` names: `visit(entry, file name, path)`.
fn walk_project_files(
    project: &Project,
    skip: &dyn Fn(&str) -> bool,
    visit: &mut dyn FnMut(&std::fs::DirEntry, &str, &std::path::Path),
) {
    for root in &project.roots {
        let mut todo = vec![(root.clone(), 0u32)];
        while let Some((dir, depth)) = todo.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                let path = e.path();
                if path.is_dir() {
                    if depth < 4 && !skip(&name) {
                        todo.push((path, depth + 1));
                    }
                    continue;
                }
                visit(&e, &name, &path);
            }
        }
    }
}

/// Configuration loaders: a call that parses a YAML, TOML or JSON file.
const CONFIG_LOADERS: &[&str] = &[
    "yaml.safe_load(",
    "yaml.load(",
    "yaml.full_load(",
    "tomllib.load(",
    "tomllib.loads(",
    "toml.load(",
    "tomli.load(",
    "json.load(",
];

/// `key: value` / `key = value` / `"key": "value"` entries of the configuration templates
/// shipped in the tree (`config*.yaml|yml|toml|json`, `settings*.…`, or any such file whose
/// name a module that calls a loader writes as a string) that a non-test module of the
/// project both names and parses with a loader (`yaml.safe_load`, `tomllib.load`,
/// `json.load`).
fn find_config_templates(project: &Project) -> Vec<DotEnvEntry> {
    let loaders: Vec<(&Module, &str)> = project
        .modules
        .iter()
        .filter(|m| !m.is_test && m.source.contains("load"))
        .filter_map(|m| {
            CONFIG_LOADERS
                .iter()
                .find(|l| m.source.contains(*l))
                .map(|l| (m, l.trim_end_matches('(')))
        })
        .collect();
    if loaders.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let skip = |name: &str| {
        name.starts_with('.')
            || matches!(
                name,
                "node_modules" | "venv" | "__pycache__" | "tests" | "test"
            )
    };
    walk_project_files(project, &skip, &mut |e, name, path| {
        let lower = name.to_ascii_lowercase();
        // Configuration templates by name: `config.yaml`, `app_config.toml`,
        // `settings.json`, `secrets.yml`.
        if !["config", "settings", "secret", "conf."]
            .iter()
            .any(|w| lower.contains(w))
        {
            return;
        }
        let Some(kind) = [".yaml", ".yml", ".toml", ".json"]
            .iter()
            .find(|x| lower.ends_with(*x))
        else {
            return;
        };
        // The module that names the file and parses configuration.
        let quoted = |m: &Module| {
            m.source.contains(&format!("\"{name}\""))
                || m.source.contains(&format!("'{name}'"))
                || m.source.contains(&format!("/{name}\""))
                || m.source.contains(&format!("/{name}'"))
        };
        let Some((m, loader)) = loaders.iter().find(|(m, _)| quoted(m)) else {
            return;
        };
        let Ok(meta) = e.metadata() else { return };
        if meta.len() > 256 * 1024 {
            return;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let read_by = format!("`{loader}` in {}, which names `{name}`", m.display_path);
        for (line, key, value) in config_entries(kind, &text) {
            out.push(DotEnvEntry {
                file: path.display().to_string(),
                line,
                var: key,
                value,
                read_by: read_by.clone(),
                config: true,
            });
        }
    });
    out
}

/// Scalar string entries of a YAML, TOML or JSON text, line by line: `(line, key, value)`
/// with the key's last component. YAML tags (`!env VAR`), anchors, lists, block scalars and
/// values that are not plain strings or numbers are skipped.
fn config_entries(kind: &str, text: &str) -> Vec<(u32, String, String)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with("//") || l.starts_with('[') {
            continue;
        }
        let (key, value) = match kind {
            ".toml" => match l.split_once('=') {
                Some(kv) => kv,
                None => continue,
            },
            _ => {
                // `key: value`, `"key": "value",` (a `:` inside a quoted key is rare).
                let Some(idx) = l
                    .find(": ")
                    .or_else(|| l.strip_suffix(':').map(|_| l.len() - 1))
                else {
                    continue;
                };
                (&l[..idx], &l[idx + 1..])
            }
        };
        let key = key
            .trim()
            .trim_start_matches("- ")
            .trim_matches(['"', '\''])
            .trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            continue;
        }
        let mut value = value.trim().trim_end_matches(',').trim();
        if value.is_empty() || value.starts_with(['!', '&', '*', '|', '>', '{', '[']) {
            continue;
        }
        let quoted = value.starts_with(['"', '\'']);
        if quoted {
            let q = value.chars().next().unwrap_or('"');
            match value[1..].find(q) {
                Some(end) => value = &value[1..1 + end],
                None => continue,
            }
        } else {
            if kind == ".json" {
                continue;
            }
            // An unquoted YAML/TOML scalar ends at a comment.
            if let Some(c) = value.find(" #") {
                value = value[..c].trim();
            }
            if matches!(value, "null" | "~" | "true" | "false" | "True" | "False") {
                continue;
            }
        }
        let leaf = key.rsplit('.').next().unwrap_or(key);
        out.push((i as u32 + 1, leaf.to_string(), value.to_string()));
    }
    out
}

/// `Authorize.create_access_token(subject=..., expires_time=False)` in a module that uses
/// fastapi-jwt-auth (or async-fastapi-jwt-auth): checked with async-fastapi-jwt-auth 0.6.6,
/// `False` mints the access token without `exp`.
fn find_no_exp_mints(project: &Project) -> Vec<(&Module, &Expr)> {
    let mut out = Vec::new();
    for m in &project.modules {
        if m.is_test
            || !m.source.contains("fastapi_jwt_auth")
            || !m.source.contains("create_access_token")
        {
            continue;
        }
        walk::for_each_expr(&m.ast().body, &mut |e, _| {
            if let Expr::Call(c) = e
                && let Expr::Attribute(a) = &*c.func
                && a.attr.as_str() == "create_access_token"
                && let Some(v) = kw(c, "expires_time")
            {
                let scope = match project.enclosing_function(m, c.start()) {
                    Some(f) => Scope::function(m, f.def),
                    None => Scope::module(m),
                };
                if matches!(project.eval(&scope, v).value, Value::Bool(false)) {
                    out.push((m, v));
                }
            }
        });
    }
    out
}

//! Tokens minted with a key the scan resolved.
//!
//! When the static model knows the key a decode call verifies with (a string in the source,
//! or the default of `os.getenv("VAR", "...")` while `VAR` is unset in the environment the
//! app is started with), `audit` signs a token with it. Its claims are the ones the app's
//! own encode sites write (string-keyed dict literals in the encoding function and in the
//! arguments its callers pass, constant values kept: `"type": "access"`), plus what the
//! decode call requires (`audience=`, `issuer=`), with fresh `iat`/`exp`/`nbf`. A minted
//! token the app accepts proves the key finding: anyone with the source can sign tokens.

use jwtward_jose::{Alg, Key};
use jwtward_python::ast::{self, Expr, Stmt, StmtFunctionDef};
use jwtward_python::{Module, Project, Ranged, Scope, TextRange, Value};
use jwtward_report::Location;
use jwtward_scan::JwtModel;
use jwtward_scan::jwt_model::{DecodeCall, DecodeKind};
use serde_json::{Map, Value as Json, json};

/// A key the app verifies tokens with, as the scan resolved it.
#[derive(Clone, Debug)]
pub struct SourceKey {
    pub material: Vec<u8>,
    pub alg: Alg,
    /// The environment variable whose fallback this is.
    pub env: Option<String>,
    /// Where the key is written.
    pub location: Location,
    /// The `.env` setting the key comes from (its variable's fallback is not in force).
    pub dotenv: Option<crate::dotenv::Setting>,
}

/// The directory the project's display paths are relative to.
fn project_root(project: &Project) -> &std::path::Path {
    project
        .roots
        .first()
        .map(std::path::PathBuf::as_path)
        .unwrap_or(std::path::Path::new("."))
}

impl SourceKey {
    pub fn describe(&self) -> String {
        if let (Some(v), Some(d)) = (&self.env, &self.dotenv) {
            return format!(
                "the value of `{v}` at {}:{} ({} loads it)",
                self.location.file, self.location.line, d.loader
            );
        }
        match &self.env {
            Some(v) => format!(
                "the fallback of `{v}` at {}:{} (unset in the app's environment)",
                self.location.file, self.location.line
            ),
            None => format!(
                "the key written at {}:{}",
                self.location.file, self.location.line
            ),
        }
    }
}

/// A minted token and how it was made.
#[derive(Clone, Debug)]
pub struct Minted {
    pub token: String,
    pub key: SourceKey,
    pub claims: Json,
}

/// What credential resolution found: the minted token, or why there is none.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    pub minted: Option<Minted>,
    pub notes: Vec<String>,
    /// Fallback keys that are not in force, where they are written, and why.
    pub not_in_force: Vec<(Location, String)>,
}

/// Where an environment variable of the app stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvState {
    Unset,
    /// Set in the environment the app is started with.
    Process,
    /// Set by a `.env` file the app loads.
    Dotenv(crate::dotenv::Setting),
}

pub(crate) fn enclosing_function(module: &Module, range: TextRange) -> Option<&StmtFunctionDef> {
    fn go(body: &[Stmt], range: TextRange) -> Option<&StmtFunctionDef> {
        for s in body {
            if !s.range().contains_range(range) {
                continue;
            }
            return match s {
                Stmt::FunctionDef(f) => go(&f.body, range).or(Some(f)),
                Stmt::ClassDef(c) => go(&c.body, range),
                Stmt::If(i) => go(&i.body, range)
                    .or_else(|| i.elif_else_clauses.iter().find_map(|c| go(&c.body, range))),
                Stmt::Try(t) => go(&t.body, range),
                Stmt::With(w) => go(&w.body, range),
                _ => None,
            };
        }
        None
    }
    go(&module.ast().body, range)
}

fn kw<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| &k.value)
}

/// A JSON value for a constant, when it is one.
fn json_of(v: &Value) -> Option<Json> {
    Some(match v {
        Value::Str(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Float(f) => json!(f),
        Value::List(items) | Value::Tuple(items) => Json::Array(
            items
                .iter()
                .map(|c| json_of(&c.value))
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
}

/// String-keyed entries of the dict literals under `exprs` (nested ones too).
fn dict_entries<'a>(exprs: impl IntoIterator<Item = &'a Expr>, out: &mut Vec<(String, &'a Expr)>) {
    use ast::visitor::{Visitor, walk_expr};
    struct V<'a, 'o> {
        out: &'o mut Vec<(String, &'a Expr)>,
    }
    impl<'a> Visitor<'a> for V<'a, '_> {
        fn visit_expr(&mut self, e: &'a Expr) {
            if let Expr::Dict(d) = e {
                for item in &d.items {
                    if let Some(Expr::StringLiteral(k)) = &item.key {
                        self.out.push((k.value.to_str().to_string(), &item.value));
                    }
                }
            }
            walk_expr(self, e);
        }
    }
    let mut v = V { out };
    for e in exprs {
        v.visit_expr(e);
    }
}

fn body_exprs(f: &StmtFunctionDef) -> Vec<&Expr> {
    use ast::visitor::{Visitor, walk_stmt};
    struct S<'a> {
        out: Vec<&'a Expr>,
    }
    impl<'a> Visitor<'a> for S<'a> {
        fn visit_expr(&mut self, e: &'a Expr) {
            self.out.push(e);
        }
        fn visit_stmt(&mut self, s: &'a Stmt) {
            if matches!(s, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                return;
            }
            walk_stmt(self, s);
        }
    }
    let mut s = S { out: Vec::new() };
    for st in &f.body {
        s.visit_stmt(st);
    }
    s.out
}

/// The claims the app's encode sites write: `name -> constant value` (None: not constant).
fn encoded_claims(project: &Project, model: &JwtModel<'_>) -> Vec<(String, Option<Json>)> {
    let mut out: Vec<(String, Option<Json>)> = Vec::new();
    for e in model.app_encodes() {
        let mut entries: Vec<(String, &Expr)> = Vec::new();
        let func = enclosing_function(e.module, e.call.range());
        match func {
            Some(f) => dict_entries(body_exprs(f), &mut entries),
            None => dict_entries(e.payload, &mut entries),
        }
        let scope = match func {
            Some(f) => Scope::function(e.module, f),
            None => Scope::module(e.module),
        };
        let mut found: Vec<(String, Option<Json>)> = entries
            .iter()
            .map(|(k, v)| (k.clone(), json_of(&project.eval(&scope, v).value)))
            .collect();
        // What callers pass: `create_access_token(data={"sub": user.email, "scope": "x"})`.
        if let Some(name) = &e.function {
            for site in model.callers(name, 20) {
                let mut entries: Vec<(String, &Expr)> = Vec::new();
                dict_entries(
                    site.call
                        .arguments
                        .args
                        .iter()
                        .chain(site.call.arguments.keywords.iter().map(|k| &k.value)),
                    &mut entries,
                );
                let scope = Scope::module(site.module);
                found.extend(
                    entries
                        .iter()
                        .map(|(k, v)| (k.clone(), json_of(&project.eval(&scope, v).value))),
                );
            }
        }
        for (k, v) in found {
            match out.iter_mut().find(|(n, _)| *n == k) {
                Some(slot) => {
                    if slot.1.is_none() {
                        slot.1 = v;
                    }
                }
                None => out.push((k, v)),
            }
        }
    }
    out
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Claims for a token the app should accept.
fn claims_for(
    project: &Project,
    model: &JwtModel<'_>,
    decode: &DecodeCall<'_>,
    notes: &mut Vec<String>,
) -> Json {
    let t = now();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!("1"));
    for (name, value) in encoded_claims(project, model) {
        let v = match (name.as_str(), value) {
            ("exp", _) => json!(t + 3600),
            ("iat", _) => json!(t),
            ("nbf", _) => json!(t - 60),
            ("sub", Some(Json::String(s))) => Json::String(s),
            ("sub", _) => json!("1"),
            (_, Some(v)) => v,
            (_, None) => json!("jwtward"),
        };
        claims.insert(name, v);
    }
    claims.entry("iat").or_insert(json!(t));
    claims.entry("exp").or_insert(json!(t + 3600));
    let func = enclosing_function(decode.module, decode.call.range());
    let scope = match func {
        Some(f) => Scope::function(decode.module, f),
        None => Scope::module(decode.module),
    };
    for (arg, claim) in [("audience", "aud"), ("issuer", "iss")] {
        if let Some(e) = kw(decode.call, arg) {
            match json_of(&project.eval(&scope, e).value) {
                Some(Json::Array(a)) if !a.is_empty() => {
                    claims.insert(claim.into(), a[0].clone());
                }
                Some(v @ Json::String(_)) => {
                    claims.insert(claim.into(), v);
                }
                _ => notes.push(format!(
                    "the decode call requires `{claim}` ({arg}=) with a value the scan could not resolve: the minted token carries none"
                )),
            }
        }
    }
    Json::Object(claims)
}

/// The key of the first verifying decode call the scan resolved, and a token minted with it.
/// `env` says where a variable stands in the app's environment. A fallback is in force only
/// when its variable is unset; a variable a loaded `.env` sets gives the key its value.
pub fn resolve(
    project: &Project,
    model: &JwtModel<'_>,
    env: &dyn Fn(&str) -> EnvState,
) -> Resolution {
    let env_state = env;
    let mut res = Resolution::default();
    for d in model.app_decodes() {
        if !matches!(d.kind, DecodeKind::Decode | DecodeKind::SignatureOnly) {
            continue;
        }
        let Some(k) = &d.key else { continue };
        let Some((bytes, env, origin)) = k.value.secret_bytes() else {
            continue;
        };
        // A key bound from a caller in test code (`decode(token, "test-key")` in a test) is
        // not the key the running app verifies with.
        if project.module(origin.module).is_test {
            continue;
        }
        let mut location = project.module(origin.module).location(origin.range);
        let mut bytes = bytes;
        let mut from_dotenv = None;
        if let Some(var) = env {
            let why = match env_state(var) {
                EnvState::Unset => None,
                EnvState::Process => Some(format!("`{var}` is set in the app's environment")),
                EnvState::Dotenv(d) if d.value.is_empty() => Some(format!(
                    "`{var}` is set (to an empty value) by {}:{}, which {} loads",
                    d.file.display(),
                    d.line,
                    d.loader
                )),
                EnvState::Dotenv(d) => {
                    let why = format!(
                        "`{var}` is set by {}:{}, which {} loads",
                        d.file.display(),
                        d.line,
                        d.loader
                    );
                    res.not_in_force.push((location.clone(), why.clone()));
                    res.notes.push(format!(
                        "the fallback key of `{var}` at {}:{} is not in force: {why}; tokens are signed with the value there",
                        location.file, location.line
                    ));
                    bytes = d.value.as_bytes().to_vec();
                    let shown = d
                        .file
                        .strip_prefix(project_root(project))
                        .unwrap_or(&d.file)
                        .display()
                        .to_string();
                    location = Location {
                        file: shown,
                        line: d.line,
                        column: 1,
                        end_line: d.line,
                        end_column: 1,
                    };
                    from_dotenv = Some(d);
                    None
                }
            };
            if let Some(why) = why {
                res.notes.push(format!(
                    "the fallback key of `{var}` at {}:{} is not in force: {why}",
                    location.file, location.line
                ));
                res.not_in_force.push((location, why));
                continue;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let (key, alg) = if text.contains("-----BEGIN") {
            let Ok(keys) = jwtward_jose::load_keys(&bytes) else {
                continue;
            };
            let Some(key) = keys.into_iter().map(|k| k.key).find(Key::is_private) else {
                continue; // a public key proves nothing
            };
            let alg = d
                .algorithms
                .names()
                .iter()
                .filter_map(|a| a.parse::<Alg>().ok())
                .find(|a| key.fits(*a))
                .unwrap_or(key.algorithms()[0]);
            (key, alg)
        } else {
            let alg = d
                .algorithms
                .names()
                .iter()
                .filter_map(|a| a.parse::<Alg>().ok())
                .find(|a| a.is_hmac())
                .unwrap_or(Alg::HS256);
            (Key::Hmac(bytes.clone()), alg)
        };
        let mut notes = Vec::new();
        let claims = claims_for(project, model, d, &mut notes);
        let Ok(token) = jwtward_jose::sign_token(alg, &key, &json!({}), &claims) else {
            continue;
        };
        res.notes.extend(notes);
        res.minted = Some(Minted {
            token,
            key: SourceKey {
                material: bytes,
                alg,
                env: env.map(str::to_string),
                location,
                dotenv: from_dotenv,
            },
            claims,
        });
        return res;
    }
    if res.notes.is_empty() {
        res.notes.push(
            "the scan resolved no signing key the app verifies with (no key in the source, no fallback in force)".into(),
        );
    }
    res
}

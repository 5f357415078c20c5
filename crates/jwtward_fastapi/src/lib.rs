//! The FastAPI authentication model of jwtward and the route-level bypass rules.
//!
//! From the AST of a [`Project`] (across modules, through imports and re-exports) this crate
//! builds:
//!
//! * **apps and routers**: `FastAPI(...)` / `APIRouter(...)` and their subclasses, with
//!   `prefix=` and `dependencies=`, `include_router` chains, `mount`, `add_api_route`,
//!   `api_route`, `add_route` (Starlette routes) and websockets, also when created inside an
//!   app factory;
//! * **routes**: method, full path, handler, and every dependency that runs for it (app,
//!   include, router, decorator and parameter level: `Depends`, `Security`, `Annotated`
//!   and aliases of it, class instances with `__call__`, closures returned by factories);
//! * **security schemes** (`HTTPBearer`, `OAuth2PasswordBearer`, `APIKey*`...) and
//!   subclasses, with their effective `auto_error`;
//! * **middleware** (`@app.middleware("http")`, `BaseHTTPMiddleware.dispatch`, ASGI
//!   `__call__`) with the paths it exempts;
//! * **summaries** of dependencies, helpers and handlers: where they return no identity
//!   instead of raising (and why, through helpers), what token sources they read, whether
//!   they decode a JWT.
//!
//! [`check`] runs the rules of [`RULES`]; [`route_table`] gives every route of every app
//! with its effective authentication ([`Auth`]) and dependency chain.

mod analysis;
mod classes;
mod defaults;
pub mod docs;
mod exempt;
mod flow;
mod index;
mod model;
mod pure;
mod rules;

pub use analysis::{Auth, Level};
use jwtward_python::Project;
use jwtward_report::{Finding, Location, RuleMeta};
pub use jwtward_scan::JwtModel;
use serde::Serialize;

/// Options of the FastAPI analysis and its rules.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Also report findings located in test code (`tests/`, `test_*.py`, `conftest.py`).
    /// Off by default: tests override auth dependencies and raise bare 401s on purpose.
    pub include_test_code: bool,
    /// Project-specific authentication dependencies (`auth-dependencies` of the
    /// configuration): dependencies that raise when the token is missing or invalid, named
    /// by qualified name (`company_auth.require_user`, `app.deps.require_user`) or bare
    /// name (`require_user`). A dependency use matching one authenticates the route, also
    /// when it is imported from a package outside the scan or cannot be summarised.
    /// See [`name_matches`] for the matching.
    pub auth_dependencies: Vec<String>,
    /// Token helpers (`token-helpers` of the configuration): functions that decode *and*
    /// verify a token and raise on an invalid one (`company_auth.jwt.verify`, or a bare
    /// name). A dependency (or handler) that calls one on the request's token verifies it,
    /// like a verifying `jwt.decode` that raises.
    pub token_helpers: Vec<String>,
}

/// True when the configured name `configured` (of `auth-dependencies` / `token-helpers`)
/// designates the dotted name `qualified`. A dotted configured name matches the same name
/// or a dotted suffix of it (`deps.require_user` matches `app.deps.require_user`); a bare
/// name matches the last component (`require_user` matches `company_auth.require_user`).
pub fn name_matches(configured: &str, qualified: &str) -> bool {
    let c = configured.trim();
    if c.is_empty() {
        return false;
    }
    if c.contains('.') {
        qualified == c
            || qualified
                .strip_suffix(c)
                .is_some_and(|head| head.ends_with('.'))
    } else {
        qualified.rsplit('.').next() == Some(c)
    }
}

/// Robustness check: builds the model over every module (not only those that mention
/// FastAPI or Starlette) and summarises every function and method of the project.
/// Returns the number of functions summarised. Used by the stdlib test and the benchmark.
#[doc(hidden)]
pub fn summarize_everything(project: &Project) -> usize {
    let m = model::Model::build_all(project);
    let jwt = JwtModel::build(project);
    let settings = Settings::default();
    let cx = analysis::Ctx::new(&m, &jwt, &settings);
    let mut n = 0;
    for md in &project.modules {
        n += cx.summarize_module(md.id);
    }
    n
}

/// Every rule of this crate, in documentation order.
pub static RULES: &[RuleMeta] = &[
    rules::fail_open_auth_dependency::META,
    rules::optional_auth_scheme::META,
    rules::public_fallback_route::META,
    rules::unprotected_route::META,
    rules::token_not_verified::META,
    rules::auth_disabled_by_default::META,
    rules::auth_exemption_too_broad::META,
    rules::fail_open_auth_middleware::META,
    rules::auth_dependency_overridden::META,
    rules::claims_not_checked::META,
    rules::token_from_cookie::META,
    rules::token_from_query::META,
    rules::no_revocation_check::META,
    rules::login_without_rate_limit::META,
    rules::missing_www_authenticate::META,
];

/// Runs every FastAPI rule over the project. Findings are not sorted (the report sorts).
pub fn check(project: &Project, settings: &Settings) -> Vec<Finding> {
    let jwt = JwtModel::build(project);
    check_with_model(project, &jwt, settings)
}

/// [`check`] with the JWT-library model of `jwtward_scan` already built (the scan command
/// builds it once for both rule sets).
pub fn check_with_model(
    project: &Project,
    jwt: &JwtModel<'_>,
    settings: &Settings,
) -> Vec<Finding> {
    let t0 = std::time::Instant::now();
    let m = model::Model::build(project);
    let t1 = std::time::Instant::now();
    let cx = analysis::Ctx::new(&m, jwt, settings);
    let t2 = std::time::Instant::now();
    let mut out = Vec::new();
    rules::run_all(&cx, &mut out);
    if std::env::var_os("JWTWARD_FASTAPI_TIMING").is_some() {
        eprintln!(
            "TIMING model {:?} ctx {:?} rules {:?}",
            t1 - t0,
            t2 - t1,
            t2.elapsed()
        );
    }
    drop_test_findings(project, settings, &mut out);
    out
}

/// Without `include_test_code`, drops the findings located in test code.
fn drop_test_findings(project: &Project, settings: &Settings, out: &mut Vec<Finding>) {
    if settings.include_test_code {
        return;
    }
    let test_files: std::collections::HashSet<&str> = project
        .modules
        .iter()
        .filter(|md| md.is_test)
        .map(|md| md.display_path.as_str())
        .collect();
    out.retain(|f| {
        f.location
            .as_ref()
            .is_none_or(|l| !test_files.contains(l.file.as_str()))
    });
}

/// One link of a route's dependency chain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainLink {
    pub level: Level,
    /// The dependency as written (`Depends(get_current_user)`) or the middleware's name.
    pub dependency: String,
    pub file: String,
    pub line: u32,
    /// `authenticates`, `fail-open`, `optional`, `rate-limit` or `other`.
    pub effect: String,
}

/// One route of one app, as the route table reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteInfo {
    /// The app serving the route (`FastAPI()` at `file:line`; a mounted sub-app for
    /// mounted routes, a router for routers no app includes).
    pub app: String,
    /// The serving app's variable (`app.main.app`), when it is assigned to one.
    pub app_name: Option<String>,
    /// The router (or app) the route is registered on: its variable's qualified name
    /// (`app.routers.items.router`), or `APIRouter() at file:line`.
    pub router: String,
    /// The path prefix under which that router's routes are served: mount paths, include
    /// prefixes and the router's own `prefix=`, joined (empty at the root).
    pub router_prefix: String,
    /// How the router is reached: the serving app, then each router included on the way,
    /// each as `name (prefix)`; the last one is [`RouteInfo::router`].
    pub include_chain: Vec<String>,
    /// Where the serving app is mounted (`/admin`), for routes of mounted sub-apps.
    pub mount: Option<String>,
    /// Methods (`GET`...; `WEBSOCKET` for websocket routes).
    pub methods: Vec<String>,
    /// The full path, every prefix joined.
    pub path: String,
    /// `api`, `websocket` or `starlette` (a plain Starlette route: no dependencies run).
    pub kind: String,
    /// Where the route is declared (the decorator or the `add_*route` call).
    pub location: Location,
    /// The handler's name and location, when it was resolved.
    pub handler: Option<String>,
    pub handler_location: Option<Location>,
    pub auth: Auth,
    /// The route-table class: `protected`, `forgeable` (protected by a guard that accepts
    /// forged tokens), `optional`, `fail-open`, `public` (public by design) or
    /// `unprotected`.
    pub class: &'static str,
    /// Why: the dependency or middleware that decides the class, or the recogniser that
    /// made the route public.
    pub reason: String,
    /// App, include, router, decorator and parameter dependencies, then middleware.
    pub chain: Vec<ChainLink>,
    /// For a `forgeable` route: the decode call its guard reaches that accepts forged
    /// tokens (the key's findings name the routes it protects through it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forged_at: Option<Location>,
    /// Where the route's handler, dependencies (nested ones too) and auth middleware read a
    /// token from: `(header|cookie|query, name)`, token-like names only, in reading order.
    /// Not serialised (the route table's output is unchanged); `jwtward audit` sends its
    /// tokens under these names.
    #[serde(skip)]
    pub token_sources: Vec<(String, String)>,
    /// The handler's path, query, header and cookie parameters (not its dependencies,
    /// bodies or `Request`), as its signature declares them. Not serialised.
    #[serde(skip)]
    pub params: Vec<RouteParam>,
}

/// A request parameter of a handler, from its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteParam {
    /// The name the request carries (the `alias=`; a header's `_` as `-`).
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: &'static str,
    /// `integer`, `number`, `boolean`, `string`, `uuid`, `date-time`, `date` or `array`.
    pub ty: &'static str,
    /// The default, as text (`10`, `true`, `asc`), when it is a literal other than None.
    pub default: Option<String>,
    /// A value the type admits (the first of a `Literal[...]`), when the type restricts it.
    pub example: Option<String>,
    pub required: bool,
}

/// The last name of a dotted expression (`fastapi.Query` -> `Query`).
fn last_name(e: &ruff_python_ast::Expr) -> &str {
    use ruff_python_ast::Expr;
    match e {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => "",
    }
}

/// A literal as text: `(text, is_none)`.
fn literal_text(e: &ruff_python_ast::Expr) -> Option<(String, bool)> {
    use ruff_python_ast::{Expr, Number, UnaryOp};
    Some(match e {
        Expr::NoneLiteral(_) => (String::new(), true),
        Expr::StringLiteral(s) => (s.value.to_str().to_string(), false),
        Expr::BooleanLiteral(b) => (b.value.to_string(), false),
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => (i.to_string(), false),
            Number::Float(f) => (f.to_string(), false),
            Number::Complex { .. } => return None,
        },
        Expr::UnaryOp(u) if u.op == UnaryOp::USub => {
            let (t, _) = literal_text(&u.operand)?;
            (format!("-{t}"), false)
        }
        _ => return None,
    })
}

/// The request type of an annotation: `Some(ty, example)` for a scalar (or a list of
/// scalars), `None` for anything else (a body model, a dependency class).
fn scalar_type(e: &ruff_python_ast::Expr, depth: u32) -> Option<(&'static str, Option<String>)> {
    use ruff_python_ast::{Expr, Operator};
    if depth > 4 {
        return None;
    }
    match e {
        Expr::BinOp(b) if b.op == Operator::BitOr => {
            let side = |x: &ruff_python_ast::Expr| !matches!(x, Expr::NoneLiteral(_));
            let t = if side(&b.left) { &b.left } else { &b.right };
            scalar_type(t, depth + 1)
        }
        Expr::Subscript(s) => {
            let outer = last_name(&s.value);
            let first = match &*s.slice {
                Expr::Tuple(t) => t.elts.first()?,
                x => x,
            };
            match outer {
                "Optional" | "Union" | "Annotated" => scalar_type(first, depth + 1),
                "list" | "List" | "set" | "Set" | "tuple" | "Tuple" | "Sequence" => {
                    scalar_type(first, depth + 1).map(|_| ("array", None))
                }
                "Literal" => {
                    let (t, _) = literal_text(first)?;
                    let ty = match first {
                        Expr::NumberLiteral(_) => "integer",
                        Expr::BooleanLiteral(_) => "boolean",
                        _ => "string",
                    };
                    Some((ty, Some(t)))
                }
                _ => None,
            }
        }
        Expr::StringLiteral(s) => {
            // A forward reference: `"int"`.
            let t = s.value.to_str();
            scalar_type(
                &ruff_python_ast::Expr::Name(ruff_python_ast::ExprName {
                    range: s.range,
                    node_index: Default::default(),
                    id: t.into(),
                    ctx: ruff_python_ast::ExprContext::Load,
                }),
                depth + 1,
            )
        }
        _ => Some(match last_name(e) {
            "int" | "conint" | "PositiveInt" | "NonNegativeInt" => ("integer", None),
            "float" | "Decimal" | "confloat" => ("number", None),
            "bool" | "StrictBool" => ("boolean", None),
            "str" | "constr" | "SecretStr" => ("string", None),
            "EmailStr" => ("string", Some("user@example.com".to_string())),
            "UUID" | "UUID4" | "UUID1" => ("uuid", None),
            "datetime" => ("date-time", None),
            "date" => ("date", None),
            _ => return None,
        }),
    }
}

/// The request parameters a handler's signature declares.
fn handler_params<'p>(
    cx: &analysis::Ctx<'_, 'p>,
    h: model::Func<'p>,
    path: &str,
) -> Vec<RouteParam> {
    use ruff_python_ast::Expr;
    let in_path: Vec<String> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(n, _)| n.split(':').next().unwrap_or(n).to_string())
        .collect();
    let infos = cx.an.params(h);
    let ps = &h.def.parameters;
    let mut out = Vec::new();
    for p in ps.posonlyargs.iter().chain(&ps.args).chain(&ps.kwonlyargs) {
        let name = p.name().as_str();
        let Some(info) = infos.iter().find(|i| i.name == name) else {
            continue;
        };
        if info.dep.is_some() || info.is_request || info.is_login_form {
            continue;
        }
        // The type and the FastAPI marker (`Query(...)`, in `Annotated` or as default).
        let mut ty_expr = p.parameter.annotation();
        let mut metas: Vec<&Expr> = Vec::new();
        if let Some(Expr::Subscript(s)) = ty_expr
            && last_name(&s.value) == "Annotated"
            && let Expr::Tuple(t) = &*s.slice
        {
            ty_expr = t.elts.first();
            metas.extend(t.elts.iter().skip(1));
        }
        if let Some(d) = p.default() {
            metas.push(d);
        }
        let marker = metas.iter().find_map(|m| match m {
            Expr::Call(c) => {
                let n = last_name(&c.func);
                matches!(
                    n,
                    "Path" | "Query" | "Header" | "Cookie" | "Body" | "Form" | "File"
                )
                .then_some((n, c))
            }
            _ => None,
        });
        let location = match marker.map(|(n, _)| n) {
            Some("Path") => "path",
            Some("Query") => "query",
            Some("Header") => "header",
            Some("Cookie") => "cookie",
            Some(_) => continue, // a body
            None if in_path.iter().any(|n| n == name) => "path",
            None => "query",
        };
        let (ty, example) = match ty_expr {
            Some(t) => match scalar_type(t, 0) {
                Some(x) => x,
                // A model without a marker is the body; with a marker, a string.
                None if marker.is_none() && location != "path" => continue,
                None => ("string", None),
            },
            None => ("string", None),
        };
        // `x: int = Query(10)`: the marker's default; `x: Annotated[int, Query()] = 10`:
        // the parameter's.
        let marker_is_default = match (marker, p.default()) {
            (Some((_, c)), Some(Expr::Call(d))) => std::ptr::eq(c, d),
            _ => false,
        };
        let default_expr = match marker {
            Some((_, c)) if marker_is_default => c.arguments.find_argument_value("default", 0),
            _ => p.default(),
        };
        let (default, required) = match default_expr {
            None | Some(Expr::EllipsisLiteral(_)) => (None, true),
            Some(d) => match literal_text(d) {
                Some((_, true)) => (None, false),
                Some((t, false)) => (Some(t), false),
                None => (None, false),
            },
        };
        let alias = marker.and_then(|(_, c)| {
            c.arguments
                .find_keyword("alias")
                .and_then(|k| model::str_lit(&k.value))
        });
        let convert = marker
            .and_then(|(_, c)| c.arguments.find_keyword("convert_underscores"))
            .is_none_or(|k| !matches!(&k.value, Expr::BooleanLiteral(b) if !b.value));
        let name = match alias {
            Some(a) => a,
            None if location == "header" && convert => name.replace('_', "-"),
            None => name.to_string(),
        };
        out.push(RouteParam {
            name,
            location,
            ty,
            default,
            example,
            required: required || location == "path",
        });
    }
    out
}

fn push_sources(s: &[flow::TokenSource], out: &mut Vec<(String, String)>) {
    for t in s.iter().filter(|t| t.is_token_like()) {
        let kind = match t.kind {
            flow::SourceKind::Header => "header",
            flow::SourceKind::Cookie => "cookie",
            flow::SourceKind::Query => "query",
        };
        let item = (kind.to_string(), t.name.clone());
        if !out.contains(&item) {
            out.push(item);
        }
    }
}

/// The token sources of `f`, its parameters and the dependencies they declare.
fn func_sources<'p>(
    cx: &analysis::Ctx<'_, 'p>,
    f: model::Func<'p>,
    out: &mut Vec<(String, String)>,
    depth: u32,
) {
    push_sources(&cx.an.summary(f).sources, out);
    if depth >= 6 {
        return;
    }
    for p in cx.an.params(f).iter() {
        if let Some(s) = &p.source {
            push_sources(std::slice::from_ref(s), out);
        }
        if let Some(model::DepUse {
            target: model::DepTarget::Func(g),
            ..
        }) = &p.dep
        {
            func_sources(cx, *g, out, depth + 1);
        }
    }
}

/// A dependency and, below it, the dependencies it declares (`Level::Nested`).
fn push_dep<'p>(
    cx: &analysis::Ctx<'_, 'p>,
    d: &model::DepUse<'p>,
    level: Level,
    chain: &mut Vec<ChainLink>,
    depth: u32,
) {
    let dm = cx.m().ix.module(d.mid);
    chain.push(ChainLink {
        level,
        dependency: d.text.clone(),
        file: dm.display_path.clone(),
        line: dm.line_column(d.range.start()).0,
        effect: cx.classify(d).effect().to_string(),
    });
    if depth >= 6 {
        return;
    }
    if let model::DepTarget::Func(f) = &d.target {
        for p in cx.an.params(*f).iter() {
            if let Some(sub) = &p.dep {
                push_dep(cx, sub, Level::Nested, chain, depth + 1);
            }
        }
    }
}

/// Every route of every app (and of routers no app includes), in declaration order, with
/// the default [`Settings`].
pub fn route_table(project: &Project) -> Vec<RouteInfo> {
    route_table_with_settings(project, &Settings::default())
}

/// [`route_table`] with the configured auth dependencies and token helpers.
pub fn route_table_with_settings(project: &Project, settings: &Settings) -> Vec<RouteInfo> {
    let jwt = JwtModel::build(project);
    route_table_with_model(project, &jwt, settings)
}

/// [`route_table_with_settings`] with the JWT-library model already built.
pub fn route_table_with_model(
    project: &Project,
    jwt: &JwtModel<'_>,
    settings: &Settings,
) -> Vec<RouteInfo> {
    let m = model::Model::build(project);
    let cx = analysis::Ctx::new(&m, jwt, settings);
    routes_of(&m, &cx)
}

/// The rules' findings and the route table from one build of the FastAPI model (what the
/// HTML report and `public-paths` need), instead of [`check_with_model`] and
/// [`route_table_with_model`] each building it.
pub fn check_and_route_table(
    project: &Project,
    jwt: &JwtModel<'_>,
    settings: &Settings,
) -> (Vec<Finding>, Vec<RouteInfo>) {
    let m = model::Model::build(project);
    let cx = analysis::Ctx::new(&m, jwt, settings);
    let mut findings = Vec::new();
    rules::run_all(&cx, &mut findings);
    drop_test_findings(project, settings, &mut findings);
    (findings, routes_of(&m, &cx))
}

/// The route table of an analysed model.
fn routes_of(m: &model::Model<'_>, cx: &analysis::Ctx<'_, '_>) -> Vec<RouteInfo> {
    let mut out = Vec::new();
    for (i, r) in cx.routes.iter().enumerate() {
        let md = m.ix.module(r.mid);
        let mut chain: Vec<ChainLink> = Vec::new();
        for (d, level) in &r.deps {
            push_dep(cx, d, *level, &mut chain, 0);
        }
        for &w in &r.middleware {
            let mw = &cx.mws[w];
            let decl = &m.objs[mw.obj].middleware[mw.idx];
            let dm = m.ix.module(decl.mid);
            let effect = if mw.is_auth && mw.fail_open.is_empty() {
                "authenticates"
            } else if mw.is_auth {
                "fail-open"
            } else if mw.is_rate_limit {
                "rate-limit"
            } else {
                "other"
            };
            chain.push(ChainLink {
                level: Level::Middleware,
                dependency: decl.name.clone(),
                file: dm.display_path.clone(),
                line: dm.line_column(decl.range.start()).0,
                effect: effect.into(),
            });
        }
        let mut token_sources = Vec::new();
        for (d, _) in &r.deps {
            if let model::DepTarget::Func(f) = &d.target {
                func_sources(cx, *f, &mut token_sources, 0);
            }
        }
        if let Some(h) = r.handler {
            func_sources(cx, h, &mut token_sources, 0);
        }
        for &w in &r.middleware {
            if let Some(f) = cx.mws[w].func.filter(|_| cx.mws[w].is_auth) {
                func_sources(cx, f, &mut token_sources, 0);
            }
        }
        let params = r
            .handler
            .map(|h| handler_params(cx, h, &r.path))
            .unwrap_or_default();
        let (class, reason) = cx.route_class(i);
        let app = &m.objs[r.app];
        let am = m.ix.module(app.mid);
        let include_chain = r
            .via
            .iter()
            .map(|(o, prefix)| {
                format!(
                    "{} ({})",
                    m.obj_label(*o),
                    if prefix.is_empty() { "/" } else { prefix }
                )
            })
            .collect();
        let mount = (!r.mounts.is_empty()).then(|| {
            r.mounts.iter().fold(String::new(), |acc, &(parent, mi)| {
                model::join_path(&acc, &m.objs[parent].mounts[mi].path)
            })
        });
        out.push(RouteInfo {
            app: format!(
                "{} at {}:{}",
                app.name,
                am.display_path,
                am.line_column(app.range.start()).0
            ),
            app_name: app.var.clone(),
            router: m.obj_label(r.decl_obj),
            router_prefix: r.via.last().map(|(_, p)| p.clone()).unwrap_or_default(),
            include_chain,
            mount,
            methods: r.methods.clone(),
            path: r.path.clone(),
            kind: match r.kind {
                model::RouteKind::Api => "api",
                model::RouteKind::WebSocket => "websocket",
                model::RouteKind::Starlette => "starlette",
            }
            .into(),
            location: md.location(r.range),
            handler: r.handler.map(|h| h.display()),
            handler_location: r
                .handler
                .map(|h| m.ix.module(h.mid).location(h.def.name.range)),
            auth: cx.auths[i].auth,
            class,
            reason,
            chain,
            forged_at: (class == "forgeable")
                .then(|| cx.forgeable_site(i).map(|(_, at)| at))
                .flatten(),
            token_sources,
            params,
        });
    }
    out
}

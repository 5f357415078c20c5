//! The FastAPI application model: apps, routers, routes with their dependencies, security
//! schemes, middleware and `dependency_overrides`, built from the AST across modules.

use crate::index::{Index, Sym, is_framework};
use jwtward_python::{ModuleId, Project};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Decorator, Expr, ExprCall, Stmt, StmtClassDef, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};
use std::collections::HashMap;

/// A function of the project: a dependency, a handler, a helper, a method.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Func<'p> {
    pub mid: ModuleId,
    pub def: &'p StmtFunctionDef,
    /// The class when this is a method (`__call__`, `dispatch`, `__init__`).
    pub class: Option<&'p StmtClassDef>,
    /// For a closure returned by a factory (`current_user(optional=True)` returning
    /// `_current_user`): the factory call whose arguments the closure's free variables take.
    pub bound: Option<Bound<'p>>,
}

/// A factory call that produced a closure: the factory's parameters hold the call's
/// arguments (or their defaults) for the closure.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bound<'p> {
    pub factory: &'p StmtFunctionDef,
    /// The module of the factory (where its defaults are evaluated).
    pub factory_mid: ModuleId,
    pub call: &'p ExprCall,
    /// The module of the call (where its arguments are evaluated).
    pub call_mid: ModuleId,
}

/// Identifies a function, and for a closure the factory call it was evaluated for.
pub(crate) type FuncKey = (usize, usize);

impl<'p> Func<'p> {
    pub fn key(&self) -> FuncKey {
        (
            self.def as *const StmtFunctionDef as usize,
            self.bound.map_or(0, |b| b.call as *const ExprCall as usize),
        )
    }
    pub fn display(&self) -> String {
        match self.class {
            Some(c) if self.def.name.as_str() == "__call__" => format!("{}()", c.name.as_str()),
            Some(c) => format!("{}.{}", c.name.as_str(), self.def.name.as_str()),
            None => self.def.name.as_str().to_string(),
        }
    }
}

/// What a `Depends(...)` / `Security(...)` / security scheme resolves to.
#[derive(Clone, Debug)]
pub(crate) enum DepTarget<'p> {
    Func(Func<'p>),
    Scheme(usize),
    /// Outside the project (`fastapi_limiter.depends.RateLimiter`), or a class used as a
    /// dependency (`Depends()` on `OAuth2PasswordRequestForm`).
    External(String),
    Unknown(String),
}

/// One use of a dependency.
#[derive(Clone, Debug)]
pub(crate) struct DepUse<'p> {
    pub target: DepTarget<'p>,
    pub mid: ModuleId,
    pub range: TextRange,
    /// Source text of the use (`Depends(current_owner)`).
    pub text: String,
    /// The parameter that receives the value (parameter dependencies only).
    pub param: Option<String>,
    /// The dependency's dotted name as written at the use, imports applied
    /// (`company_auth.require_user`), for matching `auth-dependencies`.
    pub spelled: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObjKind {
    App,
    Router,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RouteKind {
    Api,
    WebSocket,
    /// `add_route` / `add_websocket_route`: plain Starlette routes, no dependencies.
    Starlette,
}

#[derive(Clone, Debug)]
pub(crate) struct RouteDecl<'p> {
    pub methods: Vec<String>,
    pub path: String,
    pub handler: Option<Func<'p>>,
    /// The handler is one of two functions an `if` picks (`if is_auth: h = guarded else: h =
    /// anonymous`): the test, when the alternatives differ in what they depend on.
    pub handler_gate: Option<String>,
    pub deps: Vec<DepUse<'p>>,
    pub kind: RouteKind,
    pub mid: ModuleId,
    pub range: TextRange,
    pub decorators: &'p [Decorator],
}

#[derive(Clone, Debug)]
pub(crate) struct Include<'p> {
    pub router: usize,
    pub prefix: String,
    pub deps: Vec<DepUse<'p>>,
    /// The configuration test the `include_router` call runs under
    /// (`if settings.ENVIRONMENT == "local":`), when one guards it.
    pub gate: Option<String>,
    /// The `include_router` call (registration order).
    pub mid: ModuleId,
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub(crate) struct Mount {
    pub path: String,
    pub app: usize,
    pub mid: ModuleId,
    pub range: TextRange,
}

#[derive(Clone, Debug)]
pub(crate) struct Middleware<'p> {
    pub name: String,
    /// `dispatch`, the `@app.middleware("http")` function, or an ASGI `__call__`.
    pub func: Option<Func<'p>>,
    pub mid: ModuleId,
    pub range: TextRange,
    /// The keyword arguments of `add_middleware(Class, name=value...)`: what the class's
    /// `__init__` receives.
    pub kwargs: Vec<(String, &'p Expr)>,
}

#[derive(Debug)]
pub(crate) struct Obj<'p> {
    pub kind: ObjKind,
    pub name: String,
    /// The qualified name of the variable the object is assigned to
    /// (`app.routers.items.router`; `module.factory.var` inside a factory function).
    pub var: Option<String>,
    pub mid: ModuleId,
    pub range: TextRange,
    pub prefix: String,
    pub deps: Vec<DepUse<'p>>,
    pub routes: Vec<RouteDecl<'p>>,
    pub includes: Vec<Include<'p>>,
    pub mounts: Vec<Mount>,
    pub middleware: Vec<Middleware<'p>>,
}

#[derive(Debug)]
pub(crate) struct Scheme {
    /// `HTTPBearer`, `OAuth2PasswordBearer`, `APIKeyCookie`...
    pub kind: String,
    pub name: String,
    /// The header, cookie or query parameter name (`name=` of the `APIKey*` schemes).
    pub key_name: Option<String>,
    pub auto_error: bool,
    /// Where `auto_error=False` is set.
    pub auto_error_at: Option<(ModuleId, TextRange)>,
    pub mid: ModuleId,
    pub range: TextRange,
}

impl Scheme {
    pub fn source(&self) -> &'static str {
        match self.kind.as_str() {
            "APIKeyCookie" => "cookie",
            "APIKeyQuery" => "query",
            _ => "header",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Override<'p> {
    pub key: DepTarget<'p>,
    pub key_text: String,
    /// The key's dotted name as written, imports applied.
    pub spelled: Option<String>,
    pub mid: ModuleId,
    pub range: TextRange,
}

pub(crate) const SCHEME_CLASSES: &[&str] = &[
    "HTTPBearer",
    "HTTPBasic",
    "HTTPDigest",
    "OAuth2PasswordBearer",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2",
    "OpenIdConnect",
    "APIKeyHeader",
    "APIKeyCookie",
    "APIKeyQuery",
];

const ROUTE_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

pub(crate) struct Model<'p> {
    pub ix: Index<'p>,
    pub objs: Vec<Obj<'p>>,
    pub schemes: Vec<Scheme>,
    pub overrides: Vec<Override<'p>>,
    obj_by_call: HashMap<usize, usize>,
    /// The project's calls of a function, by the function (see [`Model::call_sites`]).
    call_sites: std::cell::RefCell<HashMap<usize, CallSites<'p>>>,
    /// Dependency uses that apply only when a setting is on, by (module, start): the test
    /// (`[Depends(restrict_access_by_viewers)] if authentication_enabled else []`, or
    /// `dependencies.append(Depends(is_authenticated))` under `if authentication_enabled:`).
    pub(crate) gated_deps: std::cell::RefCell<HashMap<(ModuleId, u32), String>>,
    scheme_by_call: HashMap<usize, usize>,
    /// The class of each method, and of each function nested in a method (by definition).
    pub(crate) method_class: HashMap<usize, crate::classes::Class<'p>>,
    /// The function each nested function is defined in (by definition).
    pub(crate) enclosing: HashMap<usize, &'p StmtFunctionDef>,
    /// Every class of the modules the model reads.
    pub(crate) classes: Vec<crate::classes::Class<'p>>,
    /// (object, subclass) -> the subclass's own copy of an object an ancestor's method
    /// creates in a `self.<attr>` (see `classes::clone_class_objs`).
    pub(crate) class_objs: HashMap<(usize, usize), usize>,
    /// Settings fields by name with their default (see `defaults::Eval::field_default`).
    pub field_defaults:
        std::cell::RefCell<HashMap<String, Option<crate::defaults::FieldDefault<'p>>>>,
}

pub(crate) fn ptr(e: &Expr) -> usize {
    e as *const Expr as usize
}

pub(crate) fn str_lit(e: &Expr) -> Option<String> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
        _ => None,
    }
}

fn bool_lit(e: &Expr) -> Option<bool> {
    match e {
        Expr::BooleanLiteral(b) => Some(b.value),
        _ => None,
    }
}

pub(crate) fn join_path(a: &str, b: &str) -> String {
    let a = a.trim_end_matches('/');
    if b.is_empty() {
        return if a.is_empty() { "/".into() } else { a.into() };
    }
    if b.starts_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// Every statement in a body, recursively through compound statements (not into nested
/// functions or classes), with the function it belongs to.
pub(crate) fn for_each_stmt<'p>(
    body: &'p [Stmt],
    scope: Option<&'p StmtFunctionDef>,
    f: &mut dyn FnMut(&'p Stmt, Option<&'p StmtFunctionDef>),
) {
    for s in body {
        f(s, scope);
        match s {
            Stmt::FunctionDef(d) => for_each_stmt(&d.body, Some(d), f),
            Stmt::ClassDef(c) => for_each_stmt(&c.body, scope, f),
            Stmt::If(i) => {
                for_each_stmt(&i.body, scope, f);
                for c in &i.elif_else_clauses {
                    for_each_stmt(&c.body, scope, f);
                }
            }
            Stmt::With(w) => for_each_stmt(&w.body, scope, f),
            Stmt::For(w) => {
                for_each_stmt(&w.body, scope, f);
                for_each_stmt(&w.orelse, scope, f);
            }
            Stmt::While(w) => {
                for_each_stmt(&w.body, scope, f);
                for_each_stmt(&w.orelse, scope, f);
            }
            Stmt::Try(t) => {
                for_each_stmt(&t.body, scope, f);
                for h in &t.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                    for_each_stmt(&h.body, scope, f);
                }
                for_each_stmt(&t.orelse, scope, f);
                for_each_stmt(&t.finalbody, scope, f);
            }
            Stmt::Match(m) => {
                for c in &m.cases {
                    for_each_stmt(&c.body, scope, f);
                }
            }
            _ => {}
        }
    }
}

/// The last value assigned to `name` directly in a function body (not nested functions).
/// The `methods=[...]` of a route registration, upper-cased, else `default`.
fn methods_kw(args: &ruff_python_ast::Arguments, default: &str) -> Vec<String> {
    let mut methods: Vec<String> = args
        .find_keyword("methods")
        .map(|k| match &k.value {
            Expr::List(l) => l.elts.iter().filter_map(str_lit).collect(),
            Expr::Tuple(t) => t.elts.iter().filter_map(str_lit).collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    if methods.is_empty() {
        methods.push(default.into());
    }
    methods
        .into_iter()
        .map(|m| m.to_ascii_uppercase())
        .collect()
}

/// `test` is a parameter of `scope` with a boolean default: that default.
fn param_default_truth(test: &Expr, scope: Option<&StmtFunctionDef>) -> Option<bool> {
    match (test, scope) {
        (Expr::Name(n), Some(f)) => f
            .parameters
            .iter_non_variadic_params()
            .find(|p| p.name().as_str() == n.id.as_str())
            .and_then(|p| p.default())
            .and_then(bool_lit),
        _ => None,
    }
}

/// The annotation of `name: T = ...` in `f`'s own body.
fn local_annotation<'p>(f: &'p StmtFunctionDef, name: &str) -> Option<&'p Expr> {
    let mut found = None;
    for_each_stmt(&f.body, Some(f), &mut |s, scope| {
        if scope.map(|d| std::ptr::eq(d, f)) == Some(true)
            && let Stmt::AnnAssign(a) = s
            && matches!(&*a.target, Expr::Name(n) if n.id.as_str() == name)
        {
            found.get_or_insert(&*a.annotation);
        }
    });
    found
}

/// `a, b, c = value` at the top of `body` (not in nested functions) unpacking into `name`:
/// the value and `name`'s position.
fn unpacked_from<'p>(body: &'p [Stmt], name: &str) -> Option<(&'p Expr, usize)> {
    let mut found = None;
    for_each_stmt(body, None, &mut |s, scope| {
        if found.is_some() || scope.is_some() && !body.iter().any(|b| std::ptr::eq(b, s)) {
            return;
        }
        let Stmt::Assign(a) = s else { return };
        for t in &a.targets {
            let elts = match t {
                Expr::Tuple(t) => &t.elts,
                Expr::List(l) => &l.elts,
                _ => continue,
            };
            if elts.iter().any(|x| matches!(x, Expr::Starred(_))) {
                continue;
            }
            if let Some(k) = elts
                .iter()
                .position(|x| matches!(x, Expr::Name(n) if n.id.as_str() == name))
            {
                found = Some((&*a.value, k));
            }
        }
    });
    found
}

pub(crate) fn local_assign<'p>(f: &'p StmtFunctionDef, name: &str) -> Option<&'p Expr> {
    let mut found = None;
    // A rebinding that wraps the name's own value (`app = instrument_middleware(app)`)
    // keeps the object it was built from: the earlier assignment says what it is.
    let take = |v: &'p Expr, found: &mut Option<&'p Expr>| {
        if found.is_none() || !mentions_name(v, name) {
            *found = Some(v);
        }
    };
    for_each_stmt(&f.body, Some(f), &mut |s, scope| {
        if scope.map(|d| std::ptr::eq(d, f)) != Some(true) {
            return;
        }
        match s {
            Stmt::Assign(a)
                if a.targets
                    .iter()
                    .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name)) =>
            {
                take(&a.value, &mut found);
            }
            Stmt::AnnAssign(a) => {
                if matches!(&*a.target, Expr::Name(n) if n.id.as_str() == name)
                    && let Some(v) = &a.value
                {
                    take(v, &mut found);
                }
            }
            _ => {}
        }
    });
    found
}

/// `e` reads the variable `name` somewhere.
fn mentions_name(e: &Expr, name: &str) -> bool {
    use ruff_python_ast::visitor::{self, Visitor};
    struct V<'n>(&'n str, bool);
    impl<'a> Visitor<'a> for V<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && n.id.as_str() == self.0
            {
                self.1 = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut v = V(name, false);
    v.visit_expr(e);
    v.1
}

/// The last statement at `f`'s own level (not in nested functions) that `pick` accepts.
fn own_stmt<'p, T>(f: &'p StmtFunctionDef, pick: impl Fn(&'p Stmt) -> Option<T>) -> Option<T> {
    let mut found = None;
    for_each_stmt(&f.body, Some(f), &mut |s, scope| {
        if scope.map(|x| std::ptr::eq(x, f)) == Some(true)
            && let Some(t) = pick(s)
        {
            found = Some(t);
        }
    });
    found
}

/// A class defined inside `f` under `name`.
pub(crate) fn local_class<'p>(f: &'p StmtFunctionDef, name: &str) -> Option<&'p StmtClassDef> {
    own_stmt(f, |s| match s {
        Stmt::ClassDef(c) if c.name.as_str() == name => Some(c),
        _ => None,
    })
}

/// A function defined inside `f` under `name`.
pub(crate) fn local_def<'p>(f: &'p StmtFunctionDef, name: &str) -> Option<&'p StmtFunctionDef> {
    own_stmt(f, |s| match s {
        Stmt::FunctionDef(d) if d.name.as_str() == name => Some(d),
        _ => None,
    })
}

/// The calls of a function: (module, enclosing function, the call).
pub(crate) type CallSites<'p> = Vec<(ModuleId, Option<&'p StmtFunctionDef>, &'p ExprCall)>;

/// The position of parameter `name` of `f` among those that can be passed by position
/// (`usize::MAX` for a keyword-only one), None when `f` has no such parameter.
fn param_position(f: &StmtFunctionDef, name: &str) -> Option<usize> {
    let ps = &f.parameters;
    if let Some(k) = ps
        .posonlyargs
        .iter()
        .chain(&ps.args)
        .position(|p| p.name().as_str() == name)
    {
        return Some(k);
    }
    ps.kwonlyargs
        .iter()
        .any(|p| p.name().as_str() == name)
        .then_some(usize::MAX)
}

/// The calls of functions named `name`, with the function each call is in.
struct ScopedCalls<'p, 'n> {
    name: &'n str,
    scope: Vec<&'p StmtFunctionDef>,
    out: Vec<(Option<&'p StmtFunctionDef>, &'p ExprCall)>,
}

impl<'p> Visitor<'p> for ScopedCalls<'p, '_> {
    fn visit_stmt(&mut self, stmt: &'p Stmt) {
        if let Stmt::FunctionDef(d) = stmt {
            self.scope.push(d);
            visitor::walk_stmt(self, stmt);
            self.scope.pop();
        } else {
            visitor::walk_stmt(self, stmt);
        }
    }
    fn visit_expr(&mut self, expr: &'p Expr) {
        if let Expr::Call(c) = expr {
            let last = match &*c.func {
                Expr::Name(n) => Some(n.id.as_str()),
                Expr::Attribute(a) => Some(a.attr.as_str()),
                _ => None,
            };
            if last == Some(self.name) {
                self.out.push((self.scope.last().copied(), c));
            }
        }
        visitor::walk_expr(self, expr);
    }
}

struct CallCollector<'p> {
    calls: Vec<&'p ExprCall>,
    exprs: Vec<&'p Expr>,
}

impl<'p> Visitor<'p> for CallCollector<'p> {
    fn visit_expr(&mut self, expr: &'p Expr) {
        if let Expr::Call(c) = expr {
            self.calls.push(c);
            self.exprs.push(expr);
        }
        visitor::walk_expr(self, expr);
    }
}

impl<'p> Model<'p> {
    pub fn build(project: &'p Project) -> Model<'p> {
        Self::build_filtered(project, false)
    }

    /// The model over every module, whether it mentions FastAPI or not.
    pub fn build_all(project: &'p Project) -> Model<'p> {
        Self::build_filtered(project, true)
    }

    fn build_filtered(project: &'p Project, all: bool) -> Model<'p> {
        let mut m = Model {
            ix: Index::new(project),
            objs: Vec::new(),
            schemes: Vec::new(),
            overrides: Vec::new(),
            obj_by_call: HashMap::new(),
            call_sites: Default::default(),
            gated_deps: Default::default(),
            scheme_by_call: HashMap::new(),
            method_class: HashMap::new(),
            enclosing: HashMap::new(),
            classes: Vec::new(),
            class_objs: HashMap::new(),
            field_defaults: Default::default(),
        };
        let mentions_framework = |src: &str| {
            src.contains("fastapi")
                || src.contains("starlette")
                || src.contains("dependency_overrides")
                // A package `__init__` that only nests its submodules' routers.
                || src.contains("include_router(")
        };
        let mut interesting: Vec<ModuleId> = project
            .modules
            .iter()
            .filter(|md| all || mentions_framework(&md.source))
            .map(|md| md.id)
            .collect();
        // Modules that build apps or routers from the project's own subclasses
        // (`router = UserAPIRouter(prefix="/shared")`, the subclass of `APIRouter` defined
        // elsewhere) without naming the framework.
        if !all {
            let mut subclasses: Vec<&str> = Vec::new();
            for &mid in &interesting {
                for s in &m.ix.module(mid).ast().body {
                    if let Stmt::ClassDef(c) = s
                        && m.ix
                            .class_ancestors(mid, c)
                            .iter()
                            .any(|a| is_framework(a, &["FastAPI", "Starlette", "APIRouter"]))
                    {
                        subclasses.push(c.name.as_str());
                    }
                }
            }
            if !subclasses.is_empty() {
                let known: std::collections::HashSet<ModuleId> =
                    interesting.iter().copied().collect();
                interesting.extend(
                    project
                        .modules
                        .iter()
                        .filter(|md| {
                            !known.contains(&md.id)
                                && subclasses.iter().any(|c| md.source.contains(c))
                        })
                        .map(|md| md.id),
                );
                interesting.sort_unstable();
            }
        }
        m.index_classes(&interesting);
        // 1. Objects (apps, routers) and security schemes: every call that creates one.
        for &mid in &interesting {
            let ast = m.ix.module(mid).ast();
            let mut cc = CallCollector {
                calls: Vec::new(),
                exprs: Vec::new(),
            };
            for s in &ast.body {
                cc.visit_stmt(s);
            }
            for (call, expr) in cc.calls.iter().zip(cc.exprs.iter()) {
                m.classify_creation(mid, call, expr);
            }
        }
        // The variables apps and routers are assigned to, for the route table.
        let mut held = Vec::new();
        for &mid in &interesting {
            let md = m.ix.module(mid);
            let mut found: Vec<(usize, String)> = Vec::new();
            for_each_stmt(&md.ast().body, None, &mut |s, scope| {
                let (targets, value): (Vec<&Expr>, &Expr) = match s {
                    Stmt::Assign(a) => (a.targets.iter().collect(), &a.value),
                    Stmt::AnnAssign(a) => match &a.value {
                        Some(v) => (vec![&*a.target], &**v),
                        None => return,
                    },
                    _ => return,
                };
                let Some(&id) = m.obj_by_call.get(&ptr(value)) else {
                    return;
                };
                // `self.router = APIRouter()` in a method: the class's router.
                if let Some(((cm, c), attr)) = targets.iter().find_map(|t| m.held_by(scope, t)) {
                    found.push((id, format!("{}.{}.{attr}", m.ix.module(cm).name, c.name)));
                    held.push((id, (cm, c), attr));
                    return;
                }
                if let Some(k) = targets.iter().find_map(|t| crate::flow::key_of(t)) {
                    let q = match scope {
                        Some(f) => format!("{}.{}.{k}", md.name, f.name.as_str()),
                        None => format!("{}.{k}", md.name),
                    };
                    found.push((id, q));
                }
            });
            for (id, q) in found {
                m.objs[id].var.get_or_insert(q);
            }
        }
        m.clone_class_objs(held);
        // 2. Routes, includes, mounts, middleware, overrides.
        for &mid in &interesting {
            let ast = m.ix.module(mid).ast();
            let mut stmts = Vec::new();
            for_each_stmt(&ast.body, None, &mut |s, scope| stmts.push((s, scope)));
            for (s, scope) in stmts {
                m.statement(mid, scope, s);
            }
        }
        m
    }

    fn creation_kind(&self, mid: ModuleId, func: &Expr) -> Option<(ObjKindOrScheme, String)> {
        match self.ix.resolve_expr(mid, func)? {
            Sym::External(q) => {
                if is_framework(&q, &["FastAPI", "Starlette"]) {
                    Some((ObjKindOrScheme::Obj(ObjKind::App), q))
                } else if is_framework(&q, &["APIRouter"]) {
                    Some((ObjKindOrScheme::Obj(ObjKind::Router), q))
                } else if is_framework(&q, SCHEME_CLASSES) {
                    let last = q.rsplit('.').next().unwrap_or(&q).to_string();
                    Some((ObjKindOrScheme::Scheme(last), q))
                } else {
                    None
                }
            }
            Sym::Class(cm, c) => {
                for a in self.ix.class_ancestors(cm, c) {
                    if is_framework(&a, &["FastAPI", "Starlette"]) {
                        return Some((ObjKindOrScheme::Obj(ObjKind::App), c.name.to_string()));
                    }
                    if is_framework(&a, &["APIRouter"]) {
                        return Some((ObjKindOrScheme::Obj(ObjKind::Router), c.name.to_string()));
                    }
                    if is_framework(&a, SCHEME_CLASSES) {
                        let last = a.rsplit('.').next().unwrap_or(&a).to_string();
                        return Some((ObjKindOrScheme::Scheme(last), c.name.to_string()));
                    }
                }
                None
            }
            // A class built by a factory (`APIRouter = get_api_router_class(APIRoute)`, which
            // returns a local `class _CustomAPIRouter(fastapi.APIRouter)`).
            Sym::Value(vm, Expr::Call(c)) => {
                let Some(Sym::Function(fm, f)) = self.ix.resolve_expr(vm, &c.func) else {
                    return None;
                };
                let Some(Expr::Name(n)) = crate::classes::first_return(f) else {
                    return None;
                };
                let k = local_class(f, n.id.as_str())?;
                let ancestors = self.ix.class_ancestors(fm, k);
                let name = match func {
                    Expr::Name(n) => n.id.to_string(),
                    Expr::Attribute(a) => a.attr.to_string(),
                    _ => k.name.to_string(),
                };
                if ancestors
                    .iter()
                    .any(|a| is_framework(a, &["FastAPI", "Starlette"]))
                {
                    Some((ObjKindOrScheme::Obj(ObjKind::App), name))
                } else if ancestors.iter().any(|a| is_framework(a, &["APIRouter"])) {
                    Some((ObjKindOrScheme::Obj(ObjKind::Router), name))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The innermost function of module `mid` whose body holds `at`.
    fn innermost_fn(&self, mid: ModuleId, at: TextRange) -> Option<&'p StmtFunctionDef> {
        let mut best: Option<&'p StmtFunctionDef> = None;
        for_each_stmt(&self.ix.module(mid).ast().body, None, &mut |st, _| {
            if let Stmt::FunctionDef(d) = st
                && d.body.iter().any(|b| b.range().contains_range(at))
                && best.is_none_or(|b| b.range().contains_range(d.range()))
            {
                best = Some(d);
            }
        });
        best
    }

    fn classify_creation(&mut self, mid: ModuleId, call: &'p ExprCall, expr: &'p Expr) {
        // Apps, routers and schemes are classes: skip calls of lower-case names cheaply.
        let last = match &*call.func {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return,
        };
        if !last.starts_with(|c: char| c.is_ascii_uppercase()) {
            return;
        }
        if !self.ix.may_define(
            mid,
            &call.func,
            &[
                "FastAPI",
                "Starlette",
                "APIRouter",
                "fastapi.security",
                "Bearer",
                "APIKey",
                "HTTPBasic",
                "HTTPDigest",
                "OAuth2",
                "OpenIdConnect",
            ],
        ) {
            return;
        }
        let Some((kind, class)) = self.creation_kind(mid, &call.func) else {
            return;
        };
        let module = self.ix.module(mid);
        match kind {
            ObjKindOrScheme::Obj(kind) => {
                let mut prefix = call
                    .arguments
                    .find_keyword("prefix")
                    .and_then(|k| self.string(mid, None, &k.value));
                // Dependencies are evaluated where the object is built: a router made in a
                // factory sees the factory's locals (`dependencies=[Depends(require_peer)]`
                // with `require_peer` defined there).
                let scope = self.innermost_fn(mid, call.range());
                let mut deps =
                    self.deps_list(mid, scope, call.arguments.find_keyword("dependencies"));
                // A project subclass whose `__init__` passes its own `prefix=` and
                // `dependencies=` up (`super().__init__(dependencies=[Depends(get_admin_user)])`).
                if let Some(Sym::Class(cm, c)) = self.ix.resolve_expr(mid, &call.func)
                    && let Some((im, init, sup)) = self.super_init_call(cm, c)
                {
                    deps.extend(self.deps_list(
                        im,
                        Some(init),
                        sup.arguments.find_keyword("dependencies"),
                    ));
                    if prefix.is_none()
                        && let Some(k) = sup.arguments.find_keyword("prefix")
                    {
                        prefix = self.init_argument(mid, call, im, init, &k.value);
                    }
                }
                let prefix = prefix.unwrap_or_default();
                let id = self.objs.len();
                self.objs.push(Obj {
                    kind,
                    name: format!("{}()", class.rsplit('.').next().unwrap_or(&class)),
                    var: None,
                    mid,
                    range: call.range(),
                    prefix,
                    deps,
                    routes: Vec::new(),
                    includes: Vec::new(),
                    mounts: Vec::new(),
                    middleware: Vec::new(),
                });
                self.obj_by_call.insert(ptr(expr), id);
            }
            ObjKindOrScheme::Scheme(kind) => {
                let mut auto_error = true;
                let mut at = None;
                if let Some(k) = call.arguments.find_keyword("auto_error") {
                    if let Some(b) = bool_lit(&k.value) {
                        auto_error = b;
                        at = Some((mid, k.range()));
                    }
                } else if let Some(Sym::Class(cm, c)) = self.ix.resolve_expr(mid, &call.func)
                    && let Some((b, place)) = self.subclass_auto_error(mid, cm, c, call)
                {
                    auto_error = b;
                    at = Some(place);
                }
                let id = self.schemes.len();
                self.schemes.push(Scheme {
                    kind,
                    name: module.slice(call.range()).to_string(),
                    key_name: call
                        .arguments
                        .find_keyword("name")
                        .and_then(|k| str_lit(&k.value)),
                    auto_error,
                    auto_error_at: at,
                    mid,
                    range: call.range(),
                });
                self.scheme_by_call.insert(ptr(expr), id);
            }
        }
    }

    /// The `super().__init__(...)` call of the `__init__` a project class (or its nearest
    /// project ancestor) defines.
    fn super_init_call(
        &self,
        cm: ModuleId,
        c: &'p StmtClassDef,
    ) -> Option<(ModuleId, &'p StmtFunctionDef, &'p ExprCall)> {
        let (im, init, mut ups) = self.init_up_calls(cm, c)?;
        (!ups.is_empty()).then(|| (im, init, ups.remove(0)))
    }

    /// The `__init__` a project class (or its nearest project ancestor) defines, with the
    /// `....__init__(...)` calls in its body (`super().__init__(...)`), in order.
    fn init_up_calls(
        &self,
        cm: ModuleId,
        c: &'p StmtClassDef,
    ) -> Option<(ModuleId, &'p StmtFunctionDef, Vec<&'p ExprCall>)> {
        let (im, init) = self.ix.method(cm, c, "__init__", 0)?;
        let mut cc = CallCollector {
            calls: Vec::new(),
            exprs: Vec::new(),
        };
        for s in &init.body {
            cc.visit_stmt(s);
        }
        let ups = cc
            .calls
            .into_iter()
            .filter(|sc| matches!(&*sc.func, Expr::Attribute(a) if a.attr.as_str() == "__init__"))
            .collect();
        Some((im, init, ups))
    }

    /// A string `__init__` passes up: a literal or constant, or one of its parameters, which
    /// is what the instantiation `call` gives it by keyword, else the parameter's default.
    fn init_argument(
        &self,
        call_mid: ModuleId,
        call: &'p ExprCall,
        im: ModuleId,
        init: &'p StmtFunctionDef,
        e: &'p Expr,
    ) -> Option<String> {
        if let Expr::Name(n) = e
            && let Some(p) = init
                .parameters
                .iter_non_variadic_params()
                .find(|p| p.name().as_str() == n.id.as_str())
        {
            if let Some(k) = call.arguments.find_keyword(n.id.as_str()) {
                return self.string(call_mid, None, &k.value);
            }
            return p.default().and_then(|d| self.string(im, None, d));
        }
        self.string(im, Some(init), e)
    }

    /// `auto_error` set by a subclass `__init__` (`super().__init__(auto_error=False)`).
    fn subclass_auto_error(
        &self,
        call_mid: ModuleId,
        cm: ModuleId,
        c: &'p StmtClassDef,
        call: &ExprCall,
    ) -> Option<(bool, (ModuleId, TextRange))> {
        let (im, init, ups) = self.init_up_calls(cm, c)?;
        for sc in ups {
            let Some(k) = sc.arguments.find_keyword("auto_error") else {
                continue;
            };
            if let Some(b) = bool_lit(&k.value) {
                return Some((b, (im, k.range())));
            }
            // `auto_error=auto_error`: the argument of the instantiation or the default.
            if let Expr::Name(n) = &k.value {
                if let Some(v) = call.arguments.find_keyword(n.id.as_str())
                    && let Some(b) = bool_lit(&v.value)
                {
                    return Some((b, (call_mid, v.range())));
                }
                for p in init.parameters.iter_non_variadic_params() {
                    if p.name().as_str() == n.id.as_str()
                        && let Some(d) = p.default()
                        && let Some(b) = bool_lit(d)
                    {
                        return Some((b, (im, p.range())));
                    }
                }
            }
        }
        None
    }

    /// A string argument: a literal, or a constant the project model evaluates
    /// (`prefix=settings.API_V1_STR`, `f"{API}/users"`).
    fn string(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
    ) -> Option<String> {
        if let Some(s) = str_lit(e) {
            return Some(s);
        }
        let md = self.ix.module(mid);
        let sc = match scope {
            Some(f) => jwtward_python::Scope::function(md, f),
            None => jwtward_python::Scope::module(md),
        };
        // A setting read from the environment (`settings.API_V1_STR`) serves its default
        // when the variable is not set: that is the path the app has out of the box.
        let v = self.ix.project.eval(&sc, e);
        let found = match &v.value {
            jwtward_python::Value::Env {
                default: Some(d), ..
            } => d.as_str().map(str::to_string),
            _ => v.as_str().map(str::to_string),
        };
        if found.is_some() {
            return found;
        }
        // A settings object the project evaluator cannot follow (`settings =
        // get_app_settings()` picking a class by environment): the field's default where
        // the settings classes declare it (`api_prefix: str = "/api"`).
        let func = scope.map(|def| Func {
            mid,
            def,
            class: None,
            bound: None,
        });
        match crate::defaults::Eval::new(self, mid, func).eval(e, 0)? {
            crate::defaults::Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The object (app or router) an expression refers to (the first, when it may be
    /// several: see [`Model::resolve_objs`]).
    pub fn resolve_obj(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        depth: u32,
    ) -> Option<usize> {
        self.resolve_obj_in(mid, scope, e, depth, None)
    }

    /// [`Model::resolve_obj`] with `self` an instance of `this` (else of the class `scope`
    /// is a method of).
    pub(crate) fn resolve_obj_in(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        depth: u32,
        this: Option<crate::classes::Class<'p>>,
    ) -> Option<usize> {
        let mut out = Vec::new();
        self.resolve_objs_into(mid, scope, e, depth, this, &mut out);
        out.first().copied()
    }

    /// Every object an expression may refer to: one, except for a parameter of a function
    /// the project calls with different apps or routers (`def include_routers(router):`
    /// called as `include_routers(APIRouter())` and `include_routers(APIRouter(prefix=...))`).
    pub fn resolve_objs(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
    ) -> Vec<usize> {
        let mut out = Vec::new();
        self.resolve_objs_into(mid, scope, e, 0, None, &mut out);
        let mut seen = std::collections::HashSet::new();
        out.retain(|id| seen.insert(*id));
        out
    }

    fn resolve_objs_into(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        depth: u32,
        this: Option<crate::classes::Class<'p>>,
        out: &mut Vec<usize>,
    ) {
        if depth > 8 {
            return;
        }
        if let Some(&id) = self.obj_by_call.get(&ptr(e)) {
            out.push(id);
            return;
        }
        let value = |sym: Option<Sym<'p>>, out: &mut Vec<usize>| {
            if let Some(Sym::Value(vm, v)) = sym {
                self.resolve_objs_into(vm, None, v, depth + 1, None, out);
            }
        };
        match e {
            Expr::Name(n) => {
                let name = n.id.as_str();
                if let Some(f) = scope {
                    if let Some(v) = local_assign(f, name) {
                        return self.resolve_objs_into(mid, Some(f), v, depth + 1, this, out);
                    }
                    if let Some(sym) = self.ix.resolve_local_import(mid, f, name) {
                        return value(Some(sym), out);
                    }
                    // A method's parameter bound at its `self.m(...)` calls, or annotated
                    // with a class that holds a router.
                    if let Some(id) = self.param_obj(mid, f, name, depth + 1, this) {
                        out.push(id);
                        return;
                    }
                    // A parameter (`def configure_routes(app):`): what each call passes,
                    // unless its annotation says it is something else (`request: Request`).
                    if let Some(k) = param_position(f, name)
                        && self.may_be_obj_param(mid, f, name)
                    {
                        for (cm, cs, call) in self.call_sites(mid, f) {
                            if let Some(arg) = call.arguments.find_argument_value(name, k) {
                                self.resolve_objs_into(cm, cs, arg, depth + 1, None, out);
                            }
                        }
                        return;
                    }
                }
                // `public_app, app, app_apikey = get_routers()`: the element of what the
                // call returns (`return public_app, app, app_apikey`).
                let body = match scope {
                    Some(f) => &f.body[..],
                    None => &self.ix.module(mid).ast().body[..],
                };
                if (scope.is_some() || self.ix.binds(mid).get(name).is_none())
                    && let Some((v, k)) = unpacked_from(body, name)
                {
                    return self.resolve_element(mid, scope, v, k, depth + 1, out);
                }
                // `from routers.core import app` where `core` unpacks it.
                if let Some(crate::index::Bind::Import {
                    module,
                    level,
                    name: Some(n),
                }) = self.ix.binds(mid).get(name)
                    && let Some(m) = self
                        .ix
                        .project
                        .module_by_name(&self.ix.absolute_module(mid, module, *level))
                    && self.ix.binds(m.id).get(*n).is_none()
                    && let Some((v, k)) = unpacked_from(&m.ast().body, n)
                {
                    return self.resolve_element(m.id, None, v, k, depth + 1, out);
                }
                value(self.ix.resolve_name(mid, name, 0), out)
            }
            Expr::Attribute(a) => {
                if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self")
                    && let Some(cls) = this.or_else(|| scope.and_then(|f| self.self_class(f)))
                {
                    out.extend(self.self_attr_obj(cls, a.attr.as_str(), depth + 1));
                    return;
                }
                // `api._router` of a parameter annotated with a project class (`api:
                // "RESTfulAPI"`) whose `__init__` sets `self._router = APIRouter()`.
                if !matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self")
                    && let Some(cls) = self.instance_class(mid, scope, &a.value, this, depth + 1)
                    && let Some(id) = self.self_attr_obj(cls, a.attr.as_str(), depth + 1)
                {
                    out.push(id);
                    return;
                }
                // `core.app` where module `core` unpacks it (`public_app, app = get_routers()`).
                if let Some(Sym::Module(m)) = self.ix.resolve_expr(mid, &a.value)
                    && self.ix.binds(m).get(a.attr.as_str()).is_none()
                    && let Some((v, k)) =
                        unpacked_from(&self.ix.module(m).ast().body, a.attr.as_str())
                {
                    return self.resolve_element(m, None, v, k, depth + 1, out);
                }
                value(self.ix.resolve_expr(mid, e), out)
            }
            Expr::Call(c) => {
                let callee = self.resolve_callee(mid, scope, &c.func);
                if callee.is_none() && matches!(&*c.func, Expr::Attribute(_)) {
                    out.extend(self.method_call_obj(mid, scope, c, depth + 1, this));
                    return;
                }
                let Some(Sym::Function(fm, f)) = callee else {
                    return;
                };
                let Some(ret) = crate::classes::first_return(f) else {
                    return;
                };
                // `return router`, the parameter: this call's argument
                // (`tenant_router = include_routers(APIRouter(prefix="/{tenant}"))`).
                if let Expr::Name(n) = ret
                    && local_assign(f, n.id.as_str()).is_none()
                    && let Some(k) = param_position(f, n.id.as_str())
                {
                    if let Some(arg) = c.arguments.find_argument_value(n.id.as_str(), k) {
                        self.resolve_objs_into(mid, scope, arg, depth + 1, this, out);
                    }
                    return;
                }
                self.resolve_objs_into(fm, Some(f), ret, depth + 1, None, out)
            }
            _ => {}
        }
    }

    /// The objects element `k` of `value` holds: of a tuple or list written there, or of the
    /// tuple a project function returns (`return public_app, app, app_apikey`).
    fn resolve_element(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        value: &'p Expr,
        k: usize,
        depth: u32,
        out: &mut Vec<usize>,
    ) {
        if depth > 8 {
            return;
        }
        match value {
            Expr::Tuple(t) => {
                if let Some(x) = t.elts.get(k) {
                    self.resolve_objs_into(mid, scope, x, depth + 1, None, out);
                }
            }
            Expr::List(t) => {
                if let Some(x) = t.elts.get(k) {
                    self.resolve_objs_into(mid, scope, x, depth + 1, None, out);
                }
            }
            Expr::Call(c) => {
                let Some(Sym::Function(fm, f)) = self.resolve_callee(mid, scope, &c.func) else {
                    return;
                };
                let Some(ret) = crate::classes::first_return(f) else {
                    return;
                };
                let ret = match ret {
                    Expr::Name(n) => local_assign(f, n.id.as_str()).unwrap_or(ret),
                    r => r,
                };
                if matches!(ret, Expr::Tuple(_) | Expr::List(_)) {
                    self.resolve_element(fm, Some(f), ret, k, depth + 1, out);
                }
            }
            _ => {}
        }
    }

    /// Parameter `name` of `f` may hold an app or router: unannotated, or annotated with
    /// one (`router: APIRouter`, `app: "FastAPI"`, a project subclass).
    fn may_be_obj_param(&self, mid: ModuleId, f: &'p StmtFunctionDef, name: &str) -> bool {
        let Some(p) = f
            .parameters
            .iter_non_variadic_params()
            .find(|p| p.name().as_str() == name)
        else {
            return false;
        };
        let Some(ann) = p.annotation() else {
            return true;
        };
        let text = self.ix.module(mid).slice(ann.range());
        ["FastAPI", "Starlette", "Router", "App"]
            .iter()
            .any(|w| text.contains(w))
    }

    /// What the callee of a call is, function-local imports first.
    fn resolve_callee(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        func: &'p Expr,
    ) -> Option<Sym<'p>> {
        if let (Some(f), Expr::Name(n)) = (scope, func)
            && let Some(sym) = self.ix.resolve_local_import(mid, f, n.id.as_str())
        {
            return Some(sym);
        }
        self.ix.resolve_expr(mid, func)
    }

    /// The calls of module-level function `f` (of module `fm`) in the project's non-test
    /// modules, each with its module and enclosing function.
    pub fn call_sites(&self, fm: ModuleId, f: &'p StmtFunctionDef) -> CallSites<'p> {
        let key = f as *const StmtFunctionDef as usize;
        if let Some(v) = self.call_sites.borrow().get(&key) {
            return v.clone();
        }
        // Not re-entered for the same function while searching.
        self.call_sites.borrow_mut().insert(key, Vec::new());
        let name = f.name.as_str();
        let mut sites = Vec::new();
        for md in &self.ix.project.modules {
            if md.is_test || !md.source.contains(name) {
                continue;
            }
            let mut v = ScopedCalls {
                name,
                scope: Vec::new(),
                out: Vec::new(),
            };
            for s in &md.ast().body {
                v.visit_stmt(s);
            }
            for (scope, call) in v.out {
                if let Some(Sym::Function(cfm, cf)) = self.resolve_callee(md.id, scope, &call.func)
                    && cfm == fm
                    && std::ptr::eq(cf, f)
                {
                    sites.push((md.id, scope, call));
                }
            }
        }
        self.call_sites.borrow_mut().insert(key, sites.clone());
        sites
    }

    fn scheme_of_value(&self, e: &'p Expr) -> Option<usize> {
        self.scheme_by_call.get(&ptr(e)).copied()
    }

    /// What the callable `e` given to `Depends(e)` is.
    pub fn dep_target(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        depth: u32,
    ) -> DepTarget<'p> {
        let text = || self.ix.module(mid).slice(e.range()).to_string();
        if depth > 8 {
            return DepTarget::Unknown(text());
        }
        if let Some(s) = self.scheme_of_value(e) {
            return DepTarget::Scheme(s);
        }
        match e {
            Expr::Name(n) => {
                if let Some(f) = scope {
                    if let Some(d) = local_def(f, n.id.as_str()) {
                        return DepTarget::Func(Func {
                            mid,
                            def: d,
                            class: None,
                            bound: None,
                        });
                    }
                    if let Some(v) = local_assign(f, n.id.as_str()) {
                        let t = self.dep_target(mid, Some(f), v, depth + 1);
                        // `auth_service: AdvancedAuthService = api._app.state.advanced_auth`:
                        // what the value is cannot be read, the annotation says.
                        if matches!(t, DepTarget::Unknown(_))
                            && let Some(ann) = local_annotation(f, n.id.as_str())
                            && let Some((cm, class)) = self.annotation_class(mid, ann, 0)
                            && let Some((fm, call)) = self.ix.method(cm, class, "__call__", 0)
                        {
                            return DepTarget::Func(Func {
                                mid: fm,
                                def: call,
                                class: Some(class),
                                bound: None,
                            });
                        }
                        return t;
                    }
                    if let Some(sym) = self.local_import(mid, f, n.id.as_str()) {
                        return self.dep_of_sym(mid, Some(sym), e, depth);
                    }
                    // A parameter of the factory this function is in (`def
                    // init_callbacks_api(authenticator): ... Depends(authenticator)`): what
                    // the factory's calls pass, when they agree on a function.
                    let mut owner = Some(f);
                    while let Some(g) = owner {
                        if let Some(k) = param_position(g, n.id.as_str()) {
                            let mut found: Option<DepTarget<'p>> = None;
                            for (cm, cs, call) in self.call_sites(mid, g) {
                                let Some(arg) =
                                    call.arguments.find_argument_value(n.id.as_str(), k)
                                else {
                                    continue;
                                };
                                match (self.dep_target(cm, cs, arg, depth + 1), &found) {
                                    (DepTarget::Func(t), None) => found = Some(DepTarget::Func(t)),
                                    (DepTarget::Func(t), Some(DepTarget::Func(u)))
                                        if std::ptr::eq(t.def, u.def) => {}
                                    _ => {
                                        found = None;
                                        break;
                                    }
                                }
                            }
                            if let Some(t) = found {
                                return t;
                            }
                            break;
                        }
                        owner = self.enclosing_fn(g);
                    }
                }
                self.dep_of_sym(mid, self.ix.resolve_name(mid, n.id.as_str(), 0), e, depth)
            }
            // `base_user = current_chat_accessible_user if allow_anonymous else current_user`
            // in a factory: the branch the parameter's default picks (`allow_anonymous: bool
            // = False`), else the first that names a function.
            Expr::If(t) => {
                let by_default = param_default_truth(&t.test, scope);
                let order: [&'p Expr; 2] = if by_default == Some(false) {
                    [&t.orelse, &t.body]
                } else {
                    [&t.body, &t.orelse]
                };
                let first = self.dep_target(mid, scope, order[0], depth + 1);
                if by_default.is_some() || matches!(first, DepTarget::Func(_)) {
                    return first;
                }
                self.dep_target(mid, scope, order[1], depth + 1)
            }
            Expr::Attribute(_) => {
                if let Some((fm, f, class)) = self.ix.bound_method(mid, e) {
                    return DepTarget::Func(Func {
                        mid: fm,
                        def: f,
                        class: Some(class),
                        bound: None,
                    });
                }
                // An attribute of an instance whose class the model knows (`auth =
                // api._auth_service` with `api: "RESTfulAPI"` setting `self._auth_service =
                // AuthService(...)` in `__init__`): the object it holds.
                if let Expr::Attribute(a) = e
                    && let Some(cls) = self.instance_class(mid, scope, &a.value, None, depth + 1)
                {
                    for (am, f, v) in self.self_attr_values(cls, a.attr.as_str()) {
                        if let t @ DepTarget::Func(_) = self.dep_target(am, Some(f), v, depth + 1) {
                            return t;
                        }
                    }
                    // A method of that instance (`api.list_models` as a route's endpoint).
                    if let Some((fm, f)) = self.ix.method(cls.0, cls.1, a.attr.as_str(), 0) {
                        return DepTarget::Func(Func {
                            mid: fm,
                            def: f,
                            class: Some(cls.1),
                            bound: None,
                        });
                    }
                }
                // A class method (`Depends(UserPayload.get_login_user)`): keep the class, so
                // `cls.x(...)` inside resolves.
                if let Expr::Attribute(a) = e
                    && let Some(Sym::Class(cm, class)) = self.ix.resolve_expr(mid, &a.value)
                    && let Some((fm, f)) = self.ix.method(cm, class, a.attr.as_str(), 0)
                {
                    return DepTarget::Func(Func {
                        mid: fm,
                        def: f,
                        class: Some(class),
                        bound: None,
                    });
                }
                self.dep_of_sym(mid, self.ix.resolve_expr(mid, e), e, depth)
            }
            Expr::Call(c) => match self
                .resolve_in(mid, scope, &c.func)
                .or_else(|| self.method_sym(mid, scope, &c.func))
            {
                Some(Sym::Class(cm, class)) => match self.ix.method(cm, class, "__call__", 0) {
                    Some((fm, f)) => DepTarget::Func(Func {
                        mid: fm,
                        def: f,
                        class: Some(class),
                        bound: None,
                    }),
                    None => DepTarget::Unknown(text()),
                },
                // A copy of a function (`copy_func(verify_oauth_client)` rebuilding it with
                // `FunctionType(...)` and `update_wrapper`) runs the function it copies.
                Some(Sym::Function(fm, f))
                    if {
                        let body = self.ix.module(fm).slice(f.range());
                        body.contains("FunctionType(") || body.contains("update_wrapper(")
                    } && c.arguments.args.first().is_some_and(|a| {
                        matches!(
                            self.dep_target(mid, scope, a, depth + 1),
                            DepTarget::Func(_)
                        )
                    }) =>
                {
                    self.dep_target(mid, scope, &c.arguments.args[0], depth + 1)
                }
                // `functools.partial(check, ...)`: the function it wraps.
                Some(Sym::External(q))
                    if q == "functools.partial" && !c.arguments.args.is_empty() =>
                {
                    self.dep_target(mid, scope, &c.arguments.args[0], depth + 1)
                }
                Some(Sym::Function(fm, f)) => {
                    // A factory: `Depends(require_scope("admin"))` returns a closure.
                    let mut ret = None;
                    for_each_stmt(&f.body, Some(f), &mut |s, sc| {
                        if let Stmt::Return(r) = s
                            && sc.map(|x| std::ptr::eq(x, f)) == Some(true)
                            && let Some(v) = &r.value
                        {
                            ret = Some(&**v);
                        }
                    });
                    // `return a if required else b`: the branch the call's keyword picks
                    // (`required=False`), else the one the parameter's default picks.
                    let ret = match ret {
                        Some(Expr::If(t)) => {
                            let flag = match &*t.test {
                                Expr::Name(n) => c
                                    .arguments
                                    .find_keyword(n.id.as_str())
                                    .and_then(|k| bool_lit(&k.value))
                                    .or_else(|| {
                                        let ps = &f.parameters;
                                        ps.args
                                            .iter()
                                            .chain(&ps.kwonlyargs)
                                            .find(|p| p.name().as_str() == n.id.as_str())
                                            .and_then(|p| p.default())
                                            .and_then(bool_lit)
                                    }),
                                _ => None,
                            };
                            Some(if flag == Some(false) {
                                &*t.orelse
                            } else {
                                &*t.body
                            })
                        }
                        r => r,
                    };
                    match ret {
                        Some(v) => match self.dep_target(fm, Some(f), v, depth + 1) {
                            // A closure defined in the factory: evaluated with this call's
                            // arguments (`current_user(optional=True)`).
                            DepTarget::Func(mut g)
                                if g.bound.is_none()
                                    && g.mid == fm
                                    && f.range().contains_range(g.def.range()) =>
                            {
                                g.bound = Some(Bound {
                                    factory: f,
                                    factory_mid: fm,
                                    call: c,
                                    call_mid: mid,
                                });
                                DepTarget::Func(g)
                            }
                            t => t,
                        },
                        None => DepTarget::Unknown(text()),
                    }
                }
                Some(Sym::External(q)) => DepTarget::External(q),
                // An instance of a class defined in the factory (`return
                // _AuthenticatorSignature(...)`): its `__call__`.
                None if let (Expr::Name(n), Some(f)) = (&*c.func, scope)
                    && let Some(class) = local_class(f, n.id.as_str())
                    && let Some((fm, call)) = self.ix.method(mid, class, "__call__", 0) =>
                {
                    // `return await super().__call__(...)` only re-declares the signature: the
                    // base's `__call__` is the check.
                    let delegates = matches!(call.body.last(), Some(Stmt::Return(r))
                    if r.value.as_deref().is_some_and(|v| {
                        let v = match v { Expr::Await(a) => &*a.value, v => v };
                        matches!(v, Expr::Call(sc) if matches!(&*sc.func,
                            Expr::Attribute(a) if matches!(&*a.value,
                                Expr::Call(s) if matches!(&*s.func,
                                    Expr::Name(n) if n.id.as_str() == "super"))))
                    }));
                    let base = delegates
                        .then_some(class.arguments.as_ref())
                        .flatten()
                        .and_then(|a| a.args.first())
                        .and_then(|b| match self.ix.resolve_expr(mid, b) {
                            Some(Sym::Class(bm, bc)) => self
                                .ix
                                .method(bm, bc, "__call__", 0)
                                .map(|(m2, f2)| (m2, f2, bc)),
                            _ => None,
                        });
                    match base {
                        Some((bm, bf, bc)) => DepTarget::Func(Func {
                            mid: bm,
                            def: bf,
                            class: Some(bc),
                            bound: None,
                        }),
                        None => DepTarget::Func(Func {
                            mid: fm,
                            def: call,
                            class: Some(class),
                            bound: None,
                        }),
                    }
                }
                _ => DepTarget::Unknown(text()),
            },
            _ => DepTarget::Unknown(text()),
        }
    }

    fn dep_of_sym(
        &self,
        _mid: ModuleId,
        sym: Option<Sym<'p>>,
        e: &'p Expr,
        depth: u32,
    ) -> DepTarget<'p> {
        match sym {
            Some(Sym::Function(fm, f)) => DepTarget::Func(Func {
                mid: fm,
                def: f,
                class: None,
                bound: None,
            }),
            Some(Sym::Value(vm, v)) => self.dep_target(vm, None, v, depth + 1),
            Some(Sym::Class(cm, c)) => match self.ix.method(cm, c, "__init__", 0) {
                Some((fm, f)) => DepTarget::Func(Func {
                    mid: fm,
                    def: f,
                    class: Some(c),
                    bound: None,
                }),
                None => DepTarget::External(c.name.to_string()),
            },
            Some(Sym::External(q)) => DepTarget::External(q),
            _ => DepTarget::Unknown(
                match e {
                    Expr::Name(n) => n.id.to_string(),
                    _ => String::from("?"),
                }
                .to_string(),
            ),
        }
    }

    /// `Depends(x)` / `Security(x)` as a dependency use, when `call` is one.
    pub fn depends_call(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        annotation: Option<&'p Expr>,
        param: Option<String>,
    ) -> Option<DepUse<'p>> {
        // A module-level constant holding the use (`LoginUserDep = Depends(get_login_user)`,
        // here or imported from another module).
        if matches!(e, Expr::Name(_) | Expr::Attribute(_))
            && self.ix.may_define(mid, e, &["Depends", "Security"])
            && let Some(Sym::Value(vm, v)) = self.ix.resolve_expr(mid, e)
            && matches!(v, Expr::Call(_))
        {
            return self.depends_call(vm, None, v, annotation.filter(|_| vm == mid), param);
        }
        let Expr::Call(call) = e else {
            return None;
        };
        match self.ix.resolve_expr(mid, &call.func) {
            Some(Sym::External(q)) if is_framework(&q, &["Depends", "Security"]) => {}
            // A factory that returns the use itself (`RoleACL(allow_user=True)` whose branches
            // `return Depends(role_dependency_...)`), in `Annotated[Role, RoleACL(...)]` or as
            // a parameter's default: the use of the branch this call's arguments pick.
            Some(Sym::Function(fm, f)) => {
                let bound = Bound {
                    factory: f,
                    factory_mid: fm,
                    call,
                    call_mid: mid,
                };
                let ret = self.depends_factory_return(&bound)?;
                let mut d = self.depends_call(fm, Some(f), ret, None, param)?;
                if let DepTarget::Func(g) = &mut d.target
                    && g.bound.is_none()
                    && g.mid == fm
                    && f.range().contains_range(g.def.range())
                {
                    g.bound = Some(bound);
                }
                d.mid = mid;
                d.range = call.range();
                d.text = self.ix.module(mid).slice(call.range()).to_string();
                d.spelled = self.ix.spelled(mid, &call.func);
                return Some(d);
            }
            _ => return None,
        }
        let callable = call
            .arguments
            .find_argument_value("dependency", 0)
            .or(annotation);
        let target = match callable {
            Some(d) => self.dep_target(mid, scope, d, 0),
            None => DepTarget::Unknown("Depends()".into()),
        };
        // `Depends(require_role("admin"))`: the factory's name.
        let spelled = callable.and_then(|d| match d {
            Expr::Call(c) => self.ix.spelled(mid, &c.func),
            d => self.ix.spelled(mid, d),
        });
        Some(DepUse {
            target,
            mid,
            range: call.range(),
            text: self.ix.module(mid).slice(call.range()).to_string(),
            param,
            spelled,
        })
    }

    /// The `Depends(...)` / `Security(...)` a factory call returns (`b.call` of
    /// `b.factory`): the first one reached, taking at each `if` of the factory the branch the
    /// call's arguments (or the parameters' defaults) pick, and both in turn when they cannot
    /// be told. None when the factory returns anything else on the way.
    fn depends_factory_return(&self, b: &Bound<'p>) -> Option<&'p Expr> {
        fn pick<'p>(
            m: &Model<'p>,
            b: &Bound<'p>,
            body: &'p [Stmt],
            depth: u32,
        ) -> Option<Option<&'p Expr>> {
            // Some(Some(e)): returns the use e; Some(None): falls through; None: returns
            // something else.
            if depth > 8 {
                return None;
            }
            for st in body {
                match st {
                    Stmt::Return(r) => {
                        let v = r.value.as_deref()?;
                        let Expr::Call(c) = v else { return None };
                        return match m.ix.resolve_expr(b.factory_mid, &c.func) {
                            Some(Sym::External(q))
                                if is_framework(&q, &["Depends", "Security"]) =>
                            {
                                Some(Some(v))
                            }
                            _ => None,
                        };
                    }
                    Stmt::If(i) => {
                        let mut branches: Vec<(Option<&'p Expr>, &'p [Stmt])> =
                            vec![(Some(&*i.test), &i.body[..])];
                        branches.extend(
                            i.elif_else_clauses
                                .iter()
                                .map(|c| (c.test.as_ref(), &c.body[..])),
                        );
                        for (test, body) in branches {
                            match test.map(|t| crate::flow::factory_truth(m, b, t)) {
                                Some(Some(false)) => continue,
                                Some(Some(true)) | None => {
                                    if let Some(e) = pick(m, b, body, depth + 1)? {
                                        return Some(Some(e));
                                    }
                                    break;
                                }
                                // Undecided: this branch if it returns a use, else on.
                                Some(None) => {
                                    if let Some(Some(e)) = pick(m, b, body, depth + 1) {
                                        return Some(Some(e));
                                    }
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Some(None)
        }
        pick(self, b, &b.factory.body, 0)?
    }

    /// The `dependencies=[...]` keyword.
    pub fn deps_list(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        kw: Option<&'p ruff_python_ast::Keyword>,
    ) -> Vec<DepUse<'p>> {
        let Some(kw) = kw else {
            return Vec::new();
        };
        let md = self.ix.module(mid);
        let mut gate: Option<String> = None;
        // `dependencies=[Depends(require_admin())] if enforce_default_admin else []`: the
        // branch a factory parameter's default picks, else the one with dependencies (which
        // then apply only when the test holds).
        let value = match &kw.value {
            Expr::If(t) => {
                let by_default = param_default_truth(&t.test, scope);
                if by_default == Some(false) {
                    &*t.orelse
                } else {
                    if by_default.is_none() {
                        gate = Some(md.slice(t.test.range()).to_string());
                    }
                    &*t.body
                }
            }
            v => v,
        };
        // `dependencies=dependencies`, a local list the function appends to, some items under
        // an `if` (`if authentication_enabled: dependencies.append(Depends(is_authenticated))`).
        if let (Expr::Name(n), Some(f)) = (value, scope)
            && let Some(list) = local_assign(f, n.id.as_str())
        {
            let mut out = self.deps_of_list_expr(mid, scope, list);
            let name = n.id.as_str();
            let mut appended: Vec<(&'p Expr, Option<String>)> = Vec::new();
            fn walk<'p>(
                body: &'p [Stmt],
                name: &str,
                test: Option<&str>,
                md: &jwtward_python::Module,
                out: &mut Vec<(&'p Expr, Option<String>)>,
            ) {
                for st in body {
                    match st {
                        Stmt::Expr(e) => {
                            if let Expr::Call(c) = &*e.value
                                && let Expr::Attribute(a) = &*c.func
                                && a.attr.as_str() == "append"
                                && matches!(&*a.value, Expr::Name(x) if x.id.as_str() == name)
                                && let Some(arg) = c.arguments.args.first()
                            {
                                out.push((arg, test.map(str::to_string)));
                            }
                        }
                        Stmt::If(i) => {
                            let t = test
                                .map(str::to_string)
                                .unwrap_or_else(|| md.slice(i.test.range()).to_string());
                            walk(&i.body, name, Some(&t), md, out);
                            for c in &i.elif_else_clauses {
                                walk(&c.body, name, Some(&t), md, out);
                            }
                        }
                        _ => {}
                    }
                }
            }
            walk(&f.body, name, None, md, &mut appended);
            for (arg, test) in appended {
                if let Some(d) = self.depends_call(mid, scope, arg, None, None) {
                    if let Some(t) = test {
                        self.gated_deps
                            .borrow_mut()
                            .insert((mid, u32::from(d.range.start())), t);
                    }
                    out.push(d);
                }
            }
            return out;
        }
        let out = self.deps_of_list_expr(mid, scope, value);
        if let Some(g) = gate {
            let mut gd = self.gated_deps.borrow_mut();
            for d in &out {
                gd.insert((d.mid, u32::from(d.range.start())), g.clone());
            }
        }
        out
    }

    /// The dependency uses of a list expression.
    fn deps_of_list_expr(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        value: &'p Expr,
    ) -> Vec<DepUse<'p>> {
        // `[Depends(JWTAuth()), Depends(ProjectAuthorizer("projectId"))] + extra_dependencies`:
        // the literal lists of a concatenation (a part the model cannot read adds nothing
        // it knows).
        fn lists<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
            match e {
                Expr::List(l) => out.extend(l.elts.iter()),
                Expr::Tuple(t) => out.extend(t.elts.iter()),
                Expr::BinOp(b) if b.op == ruff_python_ast::Operator::Add => {
                    lists(&b.left, out);
                    lists(&b.right, out);
                }
                _ => {}
            }
        }
        let mut elts = Vec::new();
        lists(value, &mut elts);
        elts.into_iter()
            .filter_map(|e| self.depends_call(mid, scope, e, None, None))
            .collect()
    }

    /// `e` names a local that an `if`/`else` of `scope` binds to two different functions
    /// (`get_handler = get_handler_auth` / `get_handler = get_handler_anon`) of which one
    /// takes a dependency the other does not: the `if`'s test.
    fn handler_alternatives(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
    ) -> Option<String> {
        let (Expr::Name(n), Some(f)) = (e, scope) else {
            return None;
        };
        let name = n.id.as_str();
        let md = self.ix.module(mid);
        let assigned = |body: &'p [Stmt]| -> Option<&'p Expr> {
            let mut v = None;
            for_each_stmt(body, Some(f), &mut |st, sc| {
                if sc.map(|d| std::ptr::eq(d, f)) == Some(true)
                    && let Stmt::Assign(a) = st
                    && a.targets
                        .iter()
                        .any(|t| matches!(t, Expr::Name(t) if t.id.as_str() == name))
                {
                    v = Some(&*a.value);
                }
            });
            v
        };
        let mut found = None;
        for_each_stmt(&f.body, Some(f), &mut |st, sc| {
            if found.is_some() || sc.map(|d| std::ptr::eq(d, f)) != Some(true) {
                return;
            }
            let Stmt::If(i) = st else { return };
            let [other] = i.elif_else_clauses.as_slice() else {
                return;
            };
            let (Some(a), Some(b)) = (assigned(&i.body), assigned(&other.body)) else {
                return;
            };
            let deps = |v: &'p Expr| -> Option<usize> {
                let g = self.func_of(mid, Some(f), v)?;
                Some(
                    g.def
                        .parameters
                        .iter_non_variadic_params()
                        .filter(|p| {
                            p.default.as_deref().is_some_and(|d| {
                                let t = md.slice(d.range());
                                t.starts_with("Depends(") || t.starts_with("Security(")
                            })
                        })
                        .count(),
                )
            };
            if let (Some(x), Some(y)) = (deps(a), deps(b))
                && x != y
            {
                found = Some(md.slice(i.test.range()).to_string());
            }
        });
        found
    }

    fn func_of(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
    ) -> Option<Func<'p>> {
        match self.dep_target(mid, scope, e, 0) {
            DepTarget::Func(f) => Some(f),
            _ => None,
        }
    }

    fn statement(&mut self, mid: ModuleId, scope: Option<&'p StmtFunctionDef>, s: &'p Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.decorator(mid, scope, f, d);
                }
            }
            Stmt::Expr(e) => {
                let inner = match &*e.value {
                    Expr::Await(a) => &*a.value,
                    v => v,
                };
                if let Expr::Call(c) = inner {
                    self.call_stmt(mid, scope, c);
                }
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    if let Expr::Subscript(sub) = t
                        && let Expr::Attribute(attr) = &*sub.value
                        && attr.attr.as_str() == "dependency_overrides"
                    {
                        self.add_override(mid, scope, &sub.slice);
                    }
                }
            }
            _ => {}
        }
    }

    /// The test of an `if` on configuration (settings, environment, debug flags) whose
    /// body contains `range`, in module `mid`.
    pub fn config_gate_at(&self, mid: ModuleId, range: TextRange) -> Option<String> {
        let md = self.ix.module(mid);
        let mut found = None;
        for_each_stmt(&md.ast().body, None, &mut |st, _| {
            if let Stmt::If(i) = st
                && found.is_none()
                && i.body.iter().any(|b| b.range().contains_range(range))
            {
                let t = md.slice(i.test.range());
                let l = t.to_ascii_lowercase();
                if [
                    "settings.",
                    "config",
                    "environ",
                    "getenv",
                    "debug",
                    "env",
                    "enabled",
                ]
                .iter()
                .any(|w| l.contains(w))
                {
                    found = Some(t.to_string());
                }
            }
        });
        found
    }

    fn add_override(&mut self, mid: ModuleId, scope: Option<&'p StmtFunctionDef>, key: &'p Expr) {
        let target = self.dep_target(mid, scope, key, 0);
        let text = self.ix.module(mid).slice(key.range()).to_string();
        let spelled = self.ix.spelled(mid, key);
        self.overrides.push(Override {
            key: target,
            key_text: text,
            spelled,
            mid,
            range: key.range(),
        });
    }

    fn decorator(
        &mut self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        f: &'p StmtFunctionDef,
        d: &'p Decorator,
    ) {
        let Expr::Call(call) = &d.expression else {
            return;
        };
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        let method = attr.attr.as_str();
        let registers = ROUTE_METHODS.contains(&method)
            || [
                "api_route",
                "route",
                "websocket",
                "websocket_route",
                "middleware",
            ]
            .contains(&method);
        if !registers {
            return;
        }
        let objs = self.resolve_objs(mid, scope, &attr.value);
        if objs.is_empty() {
            return;
        }
        let handler = Some(Func {
            mid,
            def: f,
            class: None,
            bound: None,
        });
        let path = || {
            call.arguments
                .find_argument_value("path", 0)
                .and_then(|e| self.string(mid, scope, e))
                .unwrap_or_default()
        };
        let (methods, kind) = if ROUTE_METHODS.contains(&method) {
            (vec![method.to_ascii_uppercase()], RouteKind::Api)
        } else if method == "api_route" || method == "route" {
            let ms = methods_kw(&call.arguments, "GET");
            let kind = if method == "route" {
                RouteKind::Starlette
            } else {
                RouteKind::Api
            };
            (ms, kind)
        } else if method == "websocket" || method == "websocket_route" {
            let kind = if method == "websocket" {
                RouteKind::WebSocket
            } else {
                RouteKind::Starlette
            };
            (vec!["WEBSOCKET".into()], kind)
        } else if method == "middleware" {
            let range = d.range();
            let mw = Middleware {
                name: f.name.to_string(),
                func: handler,
                mid,
                range,
                kwargs: Vec::new(),
            };
            for obj in objs {
                self.objs[obj].middleware.push(mw.clone());
            }
            return;
        } else {
            return;
        };
        let deps = self.deps_list(mid, scope, call.arguments.find_keyword("dependencies"));
        let path = path();
        let route = RouteDecl {
            methods,
            path,
            handler,
            handler_gate: None,
            deps,
            kind,
            mid,
            range: d.range(),
            decorators: &f.decorator_list,
        };
        for obj in objs {
            self.objs[obj].routes.push(route.clone());
        }
    }

    fn call_stmt(&mut self, mid: ModuleId, scope: Option<&'p StmtFunctionDef>, c: &'p ExprCall) {
        let Expr::Attribute(attr) = &*c.func else {
            return;
        };
        let method = attr.attr.as_str();
        if method == "update"
            && let Expr::Attribute(inner) = &*attr.value
            && inner.attr.as_str() == "dependency_overrides"
        {
            if let Some(Expr::Dict(d)) = c.arguments.args.first() {
                for item in &d.items {
                    if let Some(k) = &item.key {
                        self.add_override(mid, scope, k);
                    }
                }
            }
            return;
        }
        // `app.routes.append(Route("/sse", endpoint=...))`, `app.router.routes.append(...)`:
        // a Starlette route (or a mount) added to the route list directly.
        if method == "append"
            && let Expr::Attribute(list) = &*attr.value
            && list.attr.as_str() == "routes"
            && let Some(Expr::Call(rc)) = c.arguments.args.first()
        {
            let owner = match &*list.value {
                Expr::Attribute(r) if r.attr.as_str() == "router" => &*r.value,
                v => v,
            };
            let objs = self.resolve_objs(mid, scope, owner);
            let class = match &*rc.func {
                Expr::Name(n) => n.id.as_str(),
                Expr::Attribute(a) => a.attr.as_str(),
                _ => "",
            };
            if objs.is_empty() || !matches!(class, "Route" | "WebSocketRoute" | "Mount") {
                return;
            }
            let args = &rc.arguments;
            let path = args
                .find_argument_value("path", 0)
                .and_then(|e| self.string(mid, scope, e))
                .unwrap_or_default();
            if class == "Mount" {
                if let Some(a) = args.find_argument_value("app", 1)
                    && let Some(sub) = self.resolve_obj(mid, scope, a, 0)
                {
                    let item = Mount {
                        path,
                        app: sub,
                        mid,
                        range: c.range(),
                    };
                    for &obj in &objs {
                        self.objs[obj].mounts.push(item.clone());
                    }
                }
                return;
            }
            let handler = args
                .find_argument_value("endpoint", 1)
                .and_then(|e| self.func_of(mid, scope, e));
            let methods = methods_kw(
                args,
                if class == "WebSocketRoute" {
                    "WEBSOCKET"
                } else {
                    "GET"
                },
            );
            let item = RouteDecl {
                methods,
                path,
                handler,
                handler_gate: None,
                deps: Vec::new(),
                kind: RouteKind::Starlette,
                mid,
                range: c.range(),
                decorators: &[],
            };
            for &obj in &objs {
                self.objs[obj].routes.push(item.clone());
            }
            return;
        }
        const REGISTRATIONS: &[&str] = &[
            "include_router",
            "mount",
            "add_api_route",
            "add_route",
            "add_api_websocket_route",
            "add_websocket_route",
            "add_middleware",
        ];
        if !REGISTRATIONS.contains(&method) {
            return;
        }
        let objs = self.resolve_objs(mid, scope, &attr.value);
        if objs.is_empty() {
            return;
        }
        let args = &c.arguments;
        match method {
            "include_router" => {
                let Some(r) = args.find_argument_value("router", 0) else {
                    return;
                };
                let Some(router) = self.resolve_obj(mid, scope, r, 0) else {
                    return;
                };
                let prefix = args
                    .find_keyword("prefix")
                    .and_then(|k| self.string(mid, scope, &k.value))
                    .unwrap_or_default();
                let deps = self.deps_list(mid, scope, args.find_keyword("dependencies"));
                let gate = self.config_gate_at(mid, c.range());
                let item = Include {
                    gate,
                    mid,
                    range: c.range(),
                    router,
                    prefix,
                    deps,
                };
                for &obj in &objs {
                    self.objs[obj].includes.push(item.clone());
                }
            }
            "mount" => {
                let path = args
                    .find_argument_value("path", 0)
                    .and_then(|e| self.string(mid, scope, e))
                    .unwrap_or_default();
                let Some(a) = args.find_argument_value("app", 1) else {
                    return;
                };
                if let Some(sub) = self.resolve_obj(mid, scope, a, 0) {
                    let item = Mount {
                        path,
                        app: sub,
                        mid,
                        range: c.range(),
                    };
                    for &obj in &objs {
                        self.objs[obj].mounts.push(item.clone());
                    }
                }
            }
            "add_api_route" | "add_route" | "add_api_websocket_route" | "add_websocket_route" => {
                let path = args
                    .find_argument_value("path", 0)
                    .and_then(|e| self.string(mid, scope, e))
                    .unwrap_or_default();
                let endpoint = args
                    .find_argument_value("endpoint", 1)
                    .or_else(|| args.find_argument_value("route", 1));
                let handler = endpoint.and_then(|e| self.func_of(mid, scope, e));
                let handler_gate = endpoint.and_then(|e| self.handler_alternatives(mid, scope, e));
                let (kind, default_method) = match method {
                    "add_api_route" => (RouteKind::Api, "GET"),
                    "add_api_websocket_route" => (RouteKind::WebSocket, "WEBSOCKET"),
                    "add_websocket_route" => (RouteKind::Starlette, "WEBSOCKET"),
                    _ => (RouteKind::Starlette, "GET"),
                };
                let methods = methods_kw(args, default_method);
                let deps = if kind == RouteKind::Starlette {
                    Vec::new()
                } else {
                    self.deps_list(mid, scope, args.find_keyword("dependencies"))
                };
                let item = RouteDecl {
                    methods,
                    path,
                    handler,
                    handler_gate,
                    deps,
                    kind,
                    mid,
                    range: c.range(),
                    decorators: &[],
                };
                for &obj in &objs {
                    self.objs[obj].routes.push(item.clone());
                }
            }
            "add_middleware" => {
                let Some(cls) = args.find_argument_value("middleware_class", 0) else {
                    return;
                };
                let name = self.ix.module(mid).slice(cls.range()).to_string();
                let func = match self.ix.resolve_expr(mid, cls) {
                    Some(Sym::Class(cm, class)) => self
                        .ix
                        .method(cm, class, "dispatch", 0)
                        .or_else(|| self.ix.method(cm, class, "__call__", 0))
                        .map(|(fm, f)| Func {
                            mid: fm,
                            def: f,
                            class: Some(class),
                            bound: None,
                        }),
                    // Starlette's `AuthenticationMiddleware(backend=JwtBackend())`: the
                    // backend's `authenticate` decides (it raises `AuthenticationError` to
                    // refuse, returns None to let an anonymous request through).
                    Some(Sym::External(q)) if q.ends_with("AuthenticationMiddleware") => args
                        .find_argument_value("backend", 1)
                        .and_then(|b| match b {
                            Expr::Call(bc) => Some(&*bc.func),
                            _ => None,
                        })
                        .and_then(|bf| match self.ix.resolve_expr(mid, bf) {
                            Some(Sym::Class(cm, class)) => self
                                .ix
                                .method(cm, class, "authenticate", 0)
                                .map(|(fm, f)| Func {
                                    mid: fm,
                                    def: f,
                                    class: Some(class),
                                    bound: None,
                                }),
                            _ => None,
                        }),
                    _ => None,
                };
                let kwargs = args
                    .keywords
                    .iter()
                    .filter_map(|k| Some((k.arg.as_ref()?.to_string(), &k.value)))
                    .collect();
                let item = Middleware {
                    name,
                    func,
                    mid,
                    range: c.range(),
                    kwargs,
                };
                for &obj in &objs {
                    self.objs[obj].middleware.push(item.clone());
                }
            }
            _ => {}
        }
    }
}

impl Model<'_> {
    /// How the route table names an app or router: its variable
    /// (`app.routers.items.router`), else its creation (`APIRouter() at file:line`).
    pub fn obj_label(&self, id: usize) -> String {
        let o = &self.objs[id];
        match &o.var {
            Some(v) => v.clone(),
            None => {
                let md = self.ix.module(o.mid);
                format!(
                    "{} at {}:{}",
                    o.name,
                    md.display_path,
                    md.line_column(o.range.start()).0
                )
            }
        }
    }
}

enum ObjKindOrScheme {
    Obj(ObjKind),
    Scheme(String),
}

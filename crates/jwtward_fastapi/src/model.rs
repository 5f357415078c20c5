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
}

impl<'p> Func<'p> {
    pub fn key(&self) -> usize {
        self.def as *const StmtFunctionDef as usize
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

#[derive(Debug)]
pub(crate) struct RouteDecl<'p> {
    pub methods: Vec<String>,
    pub path: String,
    pub handler: Option<Func<'p>>,
    pub deps: Vec<DepUse<'p>>,
    pub kind: RouteKind,
    pub mid: ModuleId,
    pub range: TextRange,
    pub decorators: &'p [Decorator],
}

#[derive(Debug)]
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

#[derive(Debug)]
pub(crate) struct Mount {
    pub path: String,
    pub app: usize,
    pub mid: ModuleId,
    pub range: TextRange,
}

#[derive(Debug)]
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
    scheme_by_call: HashMap<usize, usize>,
}

fn ptr(e: &Expr) -> usize {
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
pub(crate) fn local_assign<'p>(f: &'p StmtFunctionDef, name: &str) -> Option<&'p Expr> {
    let mut found = None;
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
                found = Some(&*a.value);
            }
            Stmt::AnnAssign(a) => {
                if matches!(&*a.target, Expr::Name(n) if n.id.as_str() == name)
                    && let Some(v) = &a.value
                {
                    found = Some(&**v);
                }
            }
            _ => {}
        }
    });
    found
}

/// A function defined inside `f` under `name`.
pub(crate) fn local_def<'p>(f: &'p StmtFunctionDef, name: &str) -> Option<&'p StmtFunctionDef> {
    let mut found = None;
    for_each_stmt(&f.body, Some(f), &mut |s, scope| {
        if let Stmt::FunctionDef(d) = s
            && scope.map(|x| std::ptr::eq(x, f)) == Some(true)
            && d.name.as_str() == name
        {
            found = Some(d);
        }
    });
    found
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
            scheme_by_call: HashMap::new(),
        };
        let interesting: Vec<ModuleId> = project
            .modules
            .iter()
            .filter(|md| {
                all || md.source.contains("fastapi")
                    || md.source.contains("starlette")
                    || md.source.contains("dependency_overrides")
            })
            .map(|md| md.id)
            .collect();
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
            _ => None,
        }
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
                let prefix = call
                    .arguments
                    .find_keyword("prefix")
                    .and_then(|k| self.string(mid, None, &k.value))
                    .unwrap_or_default();
                let deps = self.deps_list(mid, None, call.arguments.find_keyword("dependencies"));
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

    /// `auto_error` set by a subclass `__init__` (`super().__init__(auto_error=False)`).
    fn subclass_auto_error(
        &self,
        call_mid: ModuleId,
        cm: ModuleId,
        c: &'p StmtClassDef,
        call: &ExprCall,
    ) -> Option<(bool, (ModuleId, TextRange))> {
        let (im, init) = self.ix.method(cm, c, "__init__", 0)?;
        let mut cc = CallCollector {
            calls: Vec::new(),
            exprs: Vec::new(),
        };
        for s in &init.body {
            cc.visit_stmt(s);
        }
        for sc in cc.calls {
            let Expr::Attribute(a) = &*sc.func else {
                continue;
            };
            if a.attr.as_str() != "__init__" {
                continue;
            }
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
        match &v.value {
            jwtward_python::Value::Env {
                default: Some(d), ..
            } => d.as_str().map(str::to_string),
            _ => v.as_str().map(str::to_string),
        }
    }

    /// The object (app or router) an expression refers to.
    pub fn resolve_obj(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        depth: u32,
    ) -> Option<usize> {
        if depth > 8 {
            return None;
        }
        if let Some(&id) = self.obj_by_call.get(&ptr(e)) {
            return Some(id);
        }
        match e {
            Expr::Name(n) => {
                if let Some(f) = scope
                    && let Some(v) = local_assign(f, n.id.as_str())
                {
                    return self.resolve_obj(mid, Some(f), v, depth + 1);
                }
                match self.ix.resolve_name(mid, n.id.as_str(), 0)? {
                    Sym::Value(vm, v) => self.resolve_obj(vm, None, v, depth + 1),
                    _ => None,
                }
            }
            Expr::Attribute(_) => match self.ix.resolve_expr(mid, e)? {
                Sym::Value(vm, v) => self.resolve_obj(vm, None, v, depth + 1),
                _ => None,
            },
            Expr::Call(c) => match self.ix.resolve_expr(mid, &c.func)? {
                Sym::Function(fm, f) => {
                    let mut found = None;
                    for_each_stmt(&f.body, Some(f), &mut |s, sc| {
                        if let Stmt::Return(r) = s
                            && sc.map(|x| std::ptr::eq(x, f)) == Some(true)
                            && let Some(v) = &r.value
                            && found.is_none()
                        {
                            found = Some(&**v);
                        }
                    });
                    self.resolve_obj(fm, Some(f), found?, depth + 1)
                }
                _ => None,
            },
            _ => None,
        }
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
                        });
                    }
                    if let Some(v) = local_assign(f, n.id.as_str()) {
                        return self.dep_target(mid, Some(f), v, depth + 1);
                    }
                }
                self.dep_of_sym(mid, self.ix.resolve_name(mid, n.id.as_str(), 0), e, depth)
            }
            Expr::Attribute(_) => {
                if let Some((fm, f, class)) = self.ix.bound_method(mid, e) {
                    return DepTarget::Func(Func {
                        mid: fm,
                        def: f,
                        class: Some(class),
                    });
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
                    });
                }
                self.dep_of_sym(mid, self.ix.resolve_expr(mid, e), e, depth)
            }
            Expr::Call(c) => match self.ix.resolve_expr(mid, &c.func) {
                Some(Sym::Class(cm, class)) => match self.ix.method(cm, class, "__call__", 0) {
                    Some((fm, f)) => DepTarget::Func(Func {
                        mid: fm,
                        def: f,
                        class: Some(class),
                    }),
                    None => DepTarget::Unknown(text()),
                },
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
                        Some(v) => self.dep_target(fm, Some(f), v, depth + 1),
                        None => DepTarget::Unknown(text()),
                    }
                }
                Some(Sym::External(q)) => DepTarget::External(q),
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
            }),
            Some(Sym::Value(vm, v)) => self.dep_target(vm, None, v, depth + 1),
            Some(Sym::Class(cm, c)) => match self.ix.method(cm, c, "__init__", 0) {
                Some((fm, f)) => DepTarget::Func(Func {
                    mid: fm,
                    def: f,
                    class: Some(c),
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
        let Expr::Call(call) = e else {
            return None;
        };
        match self.ix.resolve_expr(mid, &call.func) {
            Some(Sym::External(q)) if is_framework(&q, &["Depends", "Security"]) => {}
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
        let elts: &[Expr] = match &kw.value {
            Expr::List(l) => &l.elts,
            Expr::Tuple(t) => &t.elts,
            _ => return Vec::new(),
        };
        elts.iter()
            .filter_map(|e| self.depends_call(mid, scope, e, None, None))
            .collect()
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
        let Some(obj) = self.resolve_obj(mid, scope, &attr.value, 0) else {
            return;
        };
        let method = attr.attr.as_str();
        let handler = Some(Func {
            mid,
            def: f,
            class: None,
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
            let mut ms: Vec<String> = call
                .arguments
                .find_keyword("methods")
                .map(|k| match &k.value {
                    Expr::List(l) => l.elts.iter().filter_map(str_lit).collect(),
                    Expr::Tuple(t) => t.elts.iter().filter_map(str_lit).collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            if ms.is_empty() {
                ms.push("GET".into());
            }
            let ms = ms.into_iter().map(|m| m.to_ascii_uppercase()).collect();
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
            self.objs[obj].middleware.push(Middleware {
                name: f.name.to_string(),
                func: handler,
                mid,
                range,
                kwargs: Vec::new(),
            });
            return;
        } else {
            return;
        };
        let deps = self.deps_list(mid, scope, call.arguments.find_keyword("dependencies"));
        let path = path();
        self.objs[obj].routes.push(RouteDecl {
            methods,
            path,
            handler,
            deps,
            kind,
            mid,
            range: d.range(),
            decorators: &f.decorator_list,
        });
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
        let Some(obj) = self.resolve_obj(mid, scope, &attr.value, 0) else {
            return;
        };
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
                self.objs[obj].includes.push(Include {
                    gate,
                    mid,
                    range: c.range(),
                    router,
                    prefix,
                    deps,
                });
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
                    self.objs[obj].mounts.push(Mount {
                        path,
                        app: sub,
                        mid,
                        range: c.range(),
                    });
                }
            }
            "add_api_route" | "add_route" | "add_api_websocket_route" | "add_websocket_route" => {
                let path = args
                    .find_argument_value("path", 0)
                    .and_then(|e| self.string(mid, scope, e))
                    .unwrap_or_default();
                let handler = args
                    .find_argument_value("endpoint", 1)
                    .or_else(|| args.find_argument_value("route", 1))
                    .and_then(|e| self.func_of(mid, scope, e));
                let (kind, default_method) = match method {
                    "add_api_route" => (RouteKind::Api, "GET"),
                    "add_api_websocket_route" => (RouteKind::WebSocket, "WEBSOCKET"),
                    "add_websocket_route" => (RouteKind::Starlette, "WEBSOCKET"),
                    _ => (RouteKind::Starlette, "GET"),
                };
                let mut methods: Vec<String> = args
                    .find_keyword("methods")
                    .map(|k| match &k.value {
                        Expr::List(l) => l.elts.iter().filter_map(str_lit).collect(),
                        Expr::Tuple(t) => t.elts.iter().filter_map(str_lit).collect(),
                        _ => Vec::new(),
                    })
                    .unwrap_or_default();
                if methods.is_empty() {
                    methods.push(default_method.into());
                }
                let deps = if kind == RouteKind::Starlette {
                    Vec::new()
                } else {
                    self.deps_list(mid, scope, args.find_keyword("dependencies"))
                };
                self.objs[obj].routes.push(RouteDecl {
                    methods: methods
                        .into_iter()
                        .map(|m| m.to_ascii_uppercase())
                        .collect(),
                    path,
                    handler,
                    deps,
                    kind,
                    mid,
                    range: c.range(),
                    decorators: &[],
                });
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
                        }),
                    _ => None,
                };
                let kwargs = args
                    .keywords
                    .iter()
                    .filter_map(|k| Some((k.arg.as_ref()?.to_string(), &k.value)))
                    .collect();
                self.objs[obj].middleware.push(Middleware {
                    name,
                    func,
                    mid,
                    range: c.range(),
                    kwargs,
                });
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

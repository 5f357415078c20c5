//! Apps and routers held by objects and built by methods: `self.app = FastAPI()` in one
//! method and `self.app.include_router(...)` in another; class-based routers (`self.router =
//! APIRouter()` in a base class `__init__`, routes declared on `self.router` by each
//! subclass: one router per subclass); method parameters bound at their `self.m(...)` call
//! sites; routers returned by methods of project objects (`users.get_auth_router(backend)`);
//! names imported inside a function body.

use crate::index::is_framework;
use crate::index::{Sym, class_method};
use crate::model::{Model, Obj, for_each_stmt};
use jwtward_python::ModuleId;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt, StmtClassDef, StmtFunctionDef};

/// A project class: its module and definition.
pub(crate) type Class<'p> = (ModuleId, &'p StmtClassDef);

fn class_key(c: &StmtClassDef) -> usize {
    c as *const StmtClassDef as usize
}

fn func_key(f: &StmtFunctionDef) -> usize {
    f as *const StmtFunctionDef as usize
}

/// The bodies nested in a compound statement (not functions or classes).
fn child_bodies(s: &Stmt) -> Vec<&[Stmt]> {
    match s {
        Stmt::If(i) => std::iter::once(&i.body[..])
            .chain(i.elif_else_clauses.iter().map(|c| &c.body[..]))
            .collect(),
        Stmt::With(w) => vec![&w.body[..]],
        Stmt::For(f) => vec![&f.body[..], &f.orelse[..]],
        Stmt::While(w) => vec![&w.body[..], &w.orelse[..]],
        Stmt::Try(t) => {
            let mut v: Vec<&[Stmt]> = vec![&t.body[..], &t.orelse[..], &t.finalbody[..]];
            for h in &t.handlers {
                let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                v.push(&h.body[..]);
            }
            v
        }
        Stmt::Match(m) => m.cases.iter().map(|c| &c.body[..]).collect(),
        _ => Vec::new(),
    }
}

/// `self.<attr>` as an assignment target.
fn self_attr_target(t: &Expr) -> Option<&str> {
    match t {
        Expr::Attribute(a) if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self") => {
            Some(a.attr.as_str())
        }
        _ => None,
    }
}

/// `Base[T]` (a generic base, `FastAPIUsers[User, UUID](...)`): `Base`.
fn strip_subscript(e: &Expr) -> &Expr {
    match e {
        Expr::Subscript(s) => &s.value,
        e => e,
    }
}

struct Calls<'p>(Vec<&'p ExprCall>);

impl<'p> Visitor<'p> for Calls<'p> {
    fn visit_expr(&mut self, expr: &'p Expr) {
        if let Expr::Call(c) = expr {
            self.0.push(c);
        }
        visitor::walk_expr(self, expr);
    }
}

/// The first value `f` returns (at its own level, not in nested functions).
pub(crate) fn first_return(f: &StmtFunctionDef) -> Option<&Expr> {
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
    found
}

impl<'p> Model<'p> {
    /// Records every class of the modules and the class each method (and each function
    /// nested in a method, whose `self` is the method's) belongs to.
    pub(crate) fn index_classes(&mut self, mids: &[ModuleId]) {
        fn walk<'p>(
            m: &mut Model<'p>,
            mid: ModuleId,
            body: &'p [Stmt],
            owner: Option<&'p StmtClassDef>,
            func: Option<&'p StmtFunctionDef>,
        ) {
            for s in body {
                match s {
                    Stmt::ClassDef(c) => {
                        m.classes.push((mid, c));
                        walk(m, mid, &c.body, Some(c), None);
                    }
                    Stmt::FunctionDef(d) => {
                        if let Some(c) = owner {
                            m.method_class.insert(func_key(d), (mid, c));
                        }
                        if let Some(f) = func {
                            m.enclosing.insert(func_key(d), f);
                        }
                        walk(m, mid, &d.body, owner, Some(d));
                    }
                    s => {
                        for b in child_bodies(s) {
                            walk(m, mid, b, owner, func);
                        }
                    }
                }
            }
        }
        for &mid in mids {
            let ast = self.ix.module(mid).ast();
            walk(self, mid, &ast.body, None, None);
        }
    }

    /// The function `f` is defined in (its parameter defaults and decorators are evaluated
    /// there), when it is nested in one.
    pub(crate) fn enclosing_fn(&self, f: &StmtFunctionDef) -> Option<&'p StmtFunctionDef> {
        self.enclosing.get(&func_key(f)).copied()
    }

    /// The class whose instance `self` is inside `f`: the class of a method, or of the
    /// method a nested function is defined in.
    pub(crate) fn self_class(&self, f: &StmtFunctionDef) -> Option<Class<'p>> {
        self.method_class.get(&func_key(f)).copied()
    }

    /// `c` then its project ancestors, depth-first: the order Python looks attributes up
    /// in (for single inheritance).
    pub(crate) fn mro(&self, c: Class<'p>) -> Vec<Class<'p>> {
        fn into<'p>(m: &Model<'p>, c: Class<'p>, out: &mut Vec<Class<'p>>, depth: u32) {
            if depth > 8 || out.iter().any(|k| std::ptr::eq(k.1, c.1)) {
                return;
            }
            out.push(c);
            let Some(args) = &c.1.arguments else {
                return;
            };
            for base in args.args.iter() {
                if let Some(Sym::Class(bm, b)) = m.ix.resolve_expr(c.0, strip_subscript(base)) {
                    into(m, (bm, b), out, depth + 1);
                }
            }
        }
        let mut out = Vec::new();
        into(self, c, &mut out, 0);
        out
    }

    /// A method of `c` or of its project ancestors.
    fn class_method_of(&self, c: Class<'p>, name: &str) -> Option<(ModuleId, &'p StmtFunctionDef)> {
        self.mro(c)
            .into_iter()
            .find_map(|(m, k)| class_method(k, name).map(|f| (m, f)))
    }

    /// The values assigned to `self.<attr>` in the methods of `c` and its ancestors, each
    /// with the method it is assigned in (subclass first, then in source order).
    pub(crate) fn self_attr_values(
        &self,
        c: Class<'p>,
        attr: &str,
    ) -> Vec<(ModuleId, &'p StmtFunctionDef, &'p Expr)> {
        let mut out = Vec::new();
        for (km, k) in self.mro(c) {
            for s in &k.body {
                let Stmt::FunctionDef(f) = s else { continue };
                for_each_stmt(&f.body, Some(f), &mut |s, scope| {
                    if scope.map(|d| std::ptr::eq(d, f)) != Some(true) {
                        return;
                    }
                    match s {
                        Stmt::Assign(a)
                            if a.targets.iter().any(|t| self_attr_target(t) == Some(attr)) =>
                        {
                            out.push((km, f, &*a.value));
                        }
                        Stmt::AnnAssign(a) if self_attr_target(&a.target) == Some(attr) => {
                            if let Some(v) = &a.value {
                                out.push((km, f, &**v));
                            }
                        }
                        _ => {}
                    }
                });
            }
        }
        out
    }

    /// The app or router `self.<attr>` holds in an instance of `this`; for a router created
    /// in an ancestor's method, the copy that belongs to `this` (see [`Model::clone_class_objs`]).
    pub(crate) fn self_attr_obj(&self, this: Class<'p>, attr: &str, depth: u32) -> Option<usize> {
        for (am, f, v) in self.self_attr_values(this, attr) {
            if let Some(id) = self.resolve_obj_in(am, Some(f), v, depth + 1, Some(this)) {
                return Some(self.own_obj(id, this));
            }
        }
        None
    }

    fn own_obj(&self, id: usize, this: Class<'p>) -> usize {
        self.class_objs
            .get(&(id, class_key(this.1)))
            .copied()
            .unwrap_or(id)
    }

    /// The one router an instance of `c` holds in a `self.<attr>` (a class-based router:
    /// `UsersRouter` whose base sets `self.router = APIRouter()`), when it holds exactly one.
    fn held_router(&self, c: Class<'p>, depth: u32) -> Option<usize> {
        let mut attrs: Vec<&str> = Vec::new();
        for (_, k) in self.mro(c) {
            for s in &k.body {
                let Stmt::FunctionDef(f) = s else { continue };
                for_each_stmt(&f.body, Some(f), &mut |s, _| {
                    let targets: Vec<&Expr> = match s {
                        Stmt::Assign(a) => a.targets.iter().collect(),
                        Stmt::AnnAssign(a) => vec![&*a.target],
                        _ => return,
                    };
                    for t in targets {
                        if let Some(a) = self_attr_target(t)
                            && !attrs.contains(&a)
                        {
                            attrs.push(a);
                        }
                    }
                });
            }
        }
        let mut found: Option<usize> = None;
        for a in attrs {
            let Some(id) = self.self_attr_obj(c, a, depth + 1) else {
                continue;
            };
            if self.objs[id].kind != crate::model::ObjKind::Router {
                continue;
            }
            match found {
                Some(f) if f != id => return None,
                _ => found = Some(id),
            }
        }
        found
    }

    /// The object a parameter `name` of `f` receives: the argument of the `self.f(...)`
    /// calls of its class when `f` is a method, else, for a parameter annotated with a
    /// project class that holds one router, that router.
    pub(crate) fn param_obj(
        &self,
        mid: ModuleId,
        f: &'p StmtFunctionDef,
        name: &str,
        depth: u32,
        this: Option<Class<'p>>,
    ) -> Option<usize> {
        let ps = &f.parameters;
        let positional: Vec<_> = ps.posonlyargs.iter().chain(&ps.args).collect();
        let pos = positional.iter().position(|p| p.name().as_str() == name);
        let param = positional
            .iter()
            .copied()
            .chain(&ps.kwonlyargs)
            .find(|p| p.name().as_str() == name)?;
        let is_method = positional.first().map(|p| p.name().as_str()) == Some("self");
        if is_method
            && pos != Some(0)
            && let Some(cls) = this.or_else(|| self.self_class(f))
        {
            for (km, k) in self.mro(cls) {
                for s in &k.body {
                    let Stmt::FunctionDef(caller) = s else {
                        continue;
                    };
                    let mut calls = Calls(Vec::new());
                    for st in &caller.body {
                        calls.visit_stmt(st);
                    }
                    for call in calls.0 {
                        let Expr::Attribute(a) = &*call.func else {
                            continue;
                        };
                        if a.attr.as_str() != f.name.as_str()
                            || !matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self")
                        {
                            continue;
                        }
                        let arg = pos
                            .and_then(|i| i.checked_sub(1))
                            .and_then(|i| call.arguments.args.get(i))
                            .filter(|e| !matches!(e, Expr::Starred(_)))
                            .or_else(|| call.arguments.find_keyword(name).map(|k| &k.value));
                        if let Some(arg) = arg
                            && let Some(id) =
                                self.resolve_obj_in(km, Some(caller), arg, depth + 1, Some(cls))
                        {
                            return Some(id);
                        }
                    }
                }
            }
        }
        let ann = param.annotation()?;
        let ann = match ann {
            // `Optional[UsersRouter]`, `UsersRouter | None`
            Expr::Subscript(s) => &*s.slice,
            Expr::BinOp(b) => &*b.left,
            a => a,
        };
        match self.ix.resolve_expr(mid, ann)? {
            Sym::Class(km, k)
                if !self
                    .ix
                    .class_ancestors(km, k)
                    .iter()
                    .any(|a| is_framework(a, &["FastAPI", "Starlette", "APIRouter"])) =>
            {
                self.held_router((km, k), depth + 1)
            }
            _ => None,
        }
    }

    /// The project class an expression is an instance of: `self`, `Class(...)`, or a
    /// variable assigned one (`fastapi_users = FastAPIUsers[User, UUID](...)`).
    pub(crate) fn instance_class(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
        this: Option<Class<'p>>,
        depth: u32,
    ) -> Option<Class<'p>> {
        if depth > 8 {
            return None;
        }
        match e {
            Expr::Name(n) if n.id.as_str() == "self" => this.or_else(|| self.self_class(scope?)),
            Expr::Call(c) => match self.resolve_in(mid, scope, strip_subscript(&c.func))? {
                Sym::Class(km, k) => Some((km, k)),
                _ => None,
            },
            Expr::Name(n) => {
                if let Some(f) = scope {
                    if let Some(v) = crate::model::local_assign(f, n.id.as_str()) {
                        return self.instance_class(mid, Some(f), v, this, depth + 1);
                    }
                    // A parameter annotated with a project class (`providers: R2RProviders`).
                    let ps = &f.parameters;
                    if let Some(p) = ps
                        .posonlyargs
                        .iter()
                        .chain(&ps.args)
                        .chain(&ps.kwonlyargs)
                        .find(|p| p.name().as_str() == n.id.as_str())
                    {
                        return self.annotation_class(mid, p.annotation()?, 0);
                    }
                }
                match self.resolve_in(mid, scope, e)? {
                    Sym::Value(vm, v) => self.instance_class(vm, None, v, None, depth + 1),
                    _ => None,
                }
            }
            Expr::Attribute(a) => {
                if let Some(k) = self.instance_class(mid, scope, &a.value, this, depth + 1) {
                    return self.attr_class(k, a.attr.as_str(), depth + 1);
                }
                match self.ix.resolve_expr(mid, e)? {
                    Sym::Value(vm, v) => self.instance_class(vm, None, v, None, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The class of attribute `attr` of an instance of `k`: what a method assigns to
    /// `self.<attr>`, else the class-level annotation (`auth: R2RAuthProvider | JwtAuthProvider`,
    /// a pydantic or dataclass field).
    fn attr_class(&self, k: Class<'p>, attr: &str, depth: u32) -> Option<Class<'p>> {
        for (am, f, v) in self.self_attr_values(k, attr) {
            if let Some(c) = self.instance_class(am, Some(f), v, Some(k), depth + 1) {
                return Some(c);
            }
        }
        for (km, c) in self.mro(k) {
            for s in &c.body {
                if let Stmt::AnnAssign(a) = s
                    && matches!(&*a.target, Expr::Name(n) if n.id.as_str() == attr)
                {
                    return self.annotation_class(km, &a.annotation, 0);
                }
            }
        }
        None
    }

    /// The project class an annotation names: `X`, `Optional[X]`, the first project class of
    /// `X | Y`.
    pub(crate) fn annotation_class(
        &self,
        mid: ModuleId,
        ann: &'p Expr,
        depth: u32,
    ) -> Option<Class<'p>> {
        if depth > 8 {
            return None;
        }
        match ann {
            Expr::Subscript(s) => self.annotation_class(mid, &s.slice, depth + 1),
            Expr::BinOp(b) => self
                .annotation_class(mid, &b.left, depth + 1)
                .or_else(|| self.annotation_class(mid, &b.right, depth + 1)),
            Expr::Tuple(t) => t
                .elts
                .iter()
                .find_map(|e| self.annotation_class(mid, e, depth + 1)),
            // `api: "RESTfulAPI"` (imported under `if TYPE_CHECKING:`).
            Expr::StringLiteral(sl) => {
                let text = sl.value.to_str();
                let name = text.rsplit('.').next().unwrap_or(text).trim();
                match self.ix.resolve_name(mid, name, 0)? {
                    Sym::Class(km, k) => Some((km, k)),
                    _ => None,
                }
            }
            e => match self.ix.resolve_expr(mid, e)? {
                Sym::Class(km, k) => Some((km, k)),
                _ => None,
            },
        }
    }

    /// The method a call like `self.providers.auth.auth_wrapper()` calls, when the
    /// receiver's class is known.
    pub(crate) fn method_sym(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        func: &'p Expr,
    ) -> Option<Sym<'p>> {
        let Expr::Attribute(a) = func else {
            return None;
        };
        let cls = self.instance_class(mid, scope, &a.value, None, 0);
        let cls = cls?;
        let (fm, f) = self.class_method_of(cls, a.attr.as_str())?;
        Some(Sym::Function(fm, f))
    }

    /// The router a method call returns (`fastapi_users.get_auth_router(backend)`,
    /// `UsersRouter(...).get_router()`): the method's return value, with `self` the
    /// receiver's class.
    pub(crate) fn method_call_obj(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        c: &'p ExprCall,
        depth: u32,
        this: Option<Class<'p>>,
    ) -> Option<usize> {
        let Expr::Attribute(a) = &*c.func else {
            return None;
        };
        let cls = self.instance_class(mid, scope, &a.value, this, depth + 1)?;
        let (fm, f) = self.class_method_of(cls, a.attr.as_str())?;
        let ret = first_return(f)?;
        self.resolve_obj_in(fm, Some(f), ret, depth + 1, Some(cls))
    }

    /// A name as seen from inside `scope`: imported in the function body, else bound at
    /// module level.
    pub(crate) fn resolve_in(
        &self,
        mid: ModuleId,
        scope: Option<&'p StmtFunctionDef>,
        e: &'p Expr,
    ) -> Option<Sym<'p>> {
        if let Expr::Name(n) = e
            && let Some(f) = scope
            && let Some(sym) = self.local_import(mid, f, n.id.as_str())
        {
            return Some(sym);
        }
        self.ix.resolve_expr(mid, e)
    }

    /// What an import statement in the body of `f` binds to `name`.
    pub(crate) fn local_import(
        &self,
        mid: ModuleId,
        f: &'p StmtFunctionDef,
        name: &str,
    ) -> Option<Sym<'p>> {
        self.ix.resolve_local_import(mid, f, name)
    }

    /// The class-level dependencies of the class-based view a route method `f` belongs to
    /// (`user: PrivateUser = Depends(get_current_user)` in the class or its bases): the
    /// class is decorated (`@controller(router)`, `@cbv(router)`) and `f` takes `self`.
    pub(crate) fn class_view_deps(&self, f: &'p StmtFunctionDef) -> Vec<crate::model::DepUse<'p>> {
        let Some(cls) = self.self_class(f) else {
            return Vec::new();
        };
        let is_method = cls
            .1
            .body
            .iter()
            .any(|s| matches!(s, Stmt::FunctionDef(d) if std::ptr::eq(d, f)))
            && f.parameters.args.first().map(|p| p.name().as_str()) == Some("self");
        if !is_method || cls.1.decorator_list.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (km, k) in self.mro(cls) {
            for s in &k.body {
                let (value, ann, name) = match s {
                    Stmt::AnnAssign(a) => match (&*a.target, &a.value) {
                        (Expr::Name(n), Some(v)) => (&**v, Some(&*a.annotation), n.id.to_string()),
                        _ => continue,
                    },
                    Stmt::Assign(a) => match a.targets.first() {
                        Some(Expr::Name(n)) => (&*a.value, None, n.id.to_string()),
                        _ => continue,
                    },
                    _ => continue,
                };
                if let Some(d) = self.depends_call(km, None, value, ann, Some(name)) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// Gives each subclass of a class that creates a router in a `self.<attr>` its own copy
    /// of that router: every `UsersRouter(BaseRouter)` instance holds a distinct
    /// `self.router`, with the routes its own methods declare.
    pub(crate) fn clone_class_objs(&mut self, held: Vec<(usize, Class<'p>, String)>) {
        for (id, base, attr) in held {
            let subs: Vec<Class<'p>> = self
                .classes
                .iter()
                .copied()
                .filter(|&c| {
                    !std::ptr::eq(c.1, base.1)
                        && self
                            .mro(c)
                            .iter()
                            .skip(1)
                            .any(|k| std::ptr::eq(k.1, base.1))
                })
                .collect();
            for (cm, c) in subs {
                let o = &self.objs[id];
                let copy = Obj {
                    kind: o.kind,
                    name: o.name.clone(),
                    var: Some(format!(
                        "{}.{}.{attr}",
                        self.ix.module(cm).name,
                        c.name.as_str()
                    )),
                    mid: o.mid,
                    range: o.range,
                    prefix: o.prefix.clone(),
                    deps: o.deps.clone(),
                    routes: Vec::new(),
                    includes: Vec::new(),
                    mounts: Vec::new(),
                    middleware: Vec::new(),
                };
                let new = self.objs.len();
                self.objs.push(copy);
                self.class_objs.insert((id, class_key(c)), new);
            }
        }
    }

    /// `self.<attr> = <creation>` in a method: the class and attribute, for the route
    /// table's name of the object and for [`Model::clone_class_objs`].
    pub(crate) fn held_by(
        &self,
        scope: Option<&'p StmtFunctionDef>,
        target: &Expr,
    ) -> Option<(Class<'p>, String)> {
        let attr = self_attr_target(target)?;
        let cls = self.self_class(scope?)?;
        Some((cls, attr.to_string()))
    }
}

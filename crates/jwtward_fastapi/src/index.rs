//! Module-level bindings and name resolution, the small part of symbol resolution the
//! FastAPI model needs: which function, class, assignment or external name an expression
//! (a `Name` or a dotted `Attribute`) refers to, through imports, relative imports and
//! re-exports in `__init__.py`.

use jwtward_python::{Module, ModuleId, Project};
use ruff_python_ast::{Expr, Stmt, StmtClassDef, StmtFunctionDef};
use std::cell::OnceCell;
use std::collections::HashMap;

/// What a module-level name is bound to.
#[derive(Clone, Copy)]
pub(crate) enum Bind<'p> {
    Function(&'p StmtFunctionDef),
    Class(&'p StmtClassDef),
    Value(&'p Expr),
    /// `import a.b as x` (`name` None) or `from a.b import n as x` (`name` Some).
    Import {
        module: &'p str,
        level: u32,
        name: Option<&'p str>,
    },
}

/// A resolved symbol.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Sym<'p> {
    Module(ModuleId),
    Function(ModuleId, &'p StmtFunctionDef),
    Class(ModuleId, &'p StmtClassDef),
    Value(ModuleId, &'p Expr),
    /// A name outside the project, fully qualified (`fastapi.Depends`).
    External(String),
}

pub(crate) struct Index<'p> {
    pub project: &'p Project,
    binds: Vec<OnceCell<HashMap<&'p str, Bind<'p>>>>,
    /// The project modules each module star-imports (`from m import *`), in order.
    stars: Vec<OnceCell<Vec<ModuleId>>>,
}

fn collect_binds<'p>(body: &'p [Stmt], out: &mut HashMap<&'p str, Bind<'p>>) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(f) => {
                out.insert(f.name.as_str(), Bind::Function(f));
            }
            Stmt::ClassDef(c) => {
                out.insert(c.name.as_str(), Bind::Class(c));
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    match (t, &*a.value) {
                        (Expr::Name(n), _) => {
                            out.insert(n.id.as_str(), Bind::Value(&a.value));
                        }
                        // `public, private = APIRouter(), APIRouter(dependencies=[...])`.
                        (Expr::Tuple(tt), Expr::Tuple(vt)) if tt.elts.len() == vt.elts.len() => {
                            for (x, v) in tt.elts.iter().zip(&vt.elts) {
                                if let Expr::Name(n) = x {
                                    out.insert(n.id.as_str(), Bind::Value(v));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(v)) = (&*a.target, &a.value) {
                    out.insert(n.id.as_str(), Bind::Value(v));
                }
            }
            Stmt::TypeAlias(a) => {
                if let Expr::Name(n) = &*a.name {
                    out.insert(n.id.as_str(), Bind::Value(&a.value));
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => {
                            out.insert(
                                asname.as_str(),
                                Bind::Import {
                                    module: full,
                                    level: 0,
                                    name: None,
                                },
                            );
                        }
                        None => {
                            let top = full.split('.').next().unwrap_or(full);
                            out.insert(
                                top,
                                Bind::Import {
                                    module: top,
                                    level: 0,
                                    name: None,
                                },
                            );
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                for alias in &i.names {
                    if alias.name.as_str() == "*" {
                        continue;
                    }
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    out.insert(
                        local,
                        Bind::Import {
                            module,
                            level: i.level,
                            name: Some(alias.name.as_str()),
                        },
                    );
                }
            }
            // Definitions guarded by `if`/`try` (TYPE_CHECKING, optional imports) still bind.
            Stmt::If(s) => {
                collect_binds(&s.body, out);
                for c in &s.elif_else_clauses {
                    collect_binds(&c.body, out);
                }
            }
            Stmt::Try(s) => {
                collect_binds(&s.body, out);
                for h in &s.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                    collect_binds(&h.body, out);
                }
                collect_binds(&s.orelse, out);
            }
            _ => {}
        }
    }
}

impl<'p> Index<'p> {
    pub fn new(project: &'p Project) -> Self {
        Index {
            project,
            binds: (0..project.modules.len())
                .map(|_| OnceCell::new())
                .collect(),
            stars: (0..project.modules.len())
                .map(|_| OnceCell::new())
                .collect(),
        }
    }

    pub fn module(&self, id: ModuleId) -> &'p Module {
        &self.project.modules[id]
    }

    pub fn binds(&self, id: ModuleId) -> &HashMap<&'p str, Bind<'p>> {
        self.binds[id].get_or_init(|| {
            let mut out = HashMap::new();
            collect_binds(&self.project.modules[id].ast().body, &mut out);
            out
        })
    }

    /// The absolute module a (possibly relative) import names, seen from module `from`.
    pub fn absolute_module(&self, from: ModuleId, module: &str, level: u32) -> String {
        if level == 0 {
            return module.to_string();
        }
        let m = self.module(from);
        let mut parts: Vec<&str> = m.package().split('.').filter(|s| !s.is_empty()).collect();
        for _ in 1..level {
            parts.pop();
        }
        if !module.is_empty() {
            parts.push(module);
        }
        parts.join(".")
    }

    fn module_id(&self, name: &str) -> Option<ModuleId> {
        self.project.module_by_name(name).map(|m| m.id)
    }

    /// What `name` means at the top level of module `id`.
    pub fn resolve_name(&self, id: ModuleId, name: &str, depth: u32) -> Option<Sym<'p>> {
        if depth > 12 {
            return None;
        }
        let Some(bind) = self.binds(id).get(name) else {
            return self.star_imported(id, name, depth);
        };
        match *bind {
            Bind::Function(f) => Some(Sym::Function(id, f)),
            Bind::Class(c) => Some(Sym::Class(id, c)),
            Bind::Value(v) => Some(Sym::Value(id, v)),
            Bind::Import {
                module,
                level,
                name: None,
            } => {
                let abs = self.absolute_module(id, module, level);
                Some(match self.module_id(&abs) {
                    Some(m) => Sym::Module(m),
                    None => Sym::External(abs),
                })
            }
            Bind::Import {
                module,
                level,
                name: Some(n),
            } => {
                let abs = self.absolute_module(id, module, level);
                self.member(&abs, n, depth + 1)
            }
        }
    }

    /// `name` bound by an import inside function `f` of module `id` (`def configure_routes(app):
    /// from app.routers.api import api`).
    pub fn resolve_local_import(
        &self,
        id: ModuleId,
        f: &'p StmtFunctionDef,
        name: &str,
    ) -> Option<Sym<'p>> {
        let mut found = None;
        crate::model::for_each_stmt(&f.body, Some(f), &mut |s, scope| {
            if scope.map(|d| std::ptr::eq(d, f)) != Some(true) {
                return;
            }
            match s {
                Stmt::ImportFrom(i) => {
                    let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                    for alias in &i.names {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                        if local == name {
                            found = Some((module, i.level, Some(alias.name.as_str())));
                        }
                    }
                }
                Stmt::Import(i) => {
                    for alias in &i.names {
                        if alias.asname.as_ref().map(|a| a.as_str()) == Some(name) {
                            found = Some((alias.name.as_str(), 0, None));
                        }
                    }
                }
                _ => {}
            }
        });
        let (module, level, member) = found?;
        let abs = self.absolute_module(id, module, level);
        match member {
            Some(n) => self.member(&abs, n, 1),
            None => Some(match self.module_id(&abs) {
                Some(m) => Sym::Module(m),
                None => Sym::External(abs),
            }),
        }
    }

    /// `name` bound by a `from m import *` of module `id` (to a project module that binds
    /// it and, when it declares `__all__`, lists it there).
    fn star_imported(&self, id: ModuleId, name: &str, depth: u32) -> Option<Sym<'p>> {
        if depth > 8 {
            return None;
        }
        let stars = self.stars[id].get_or_init(|| {
            let md = self.module(id);
            if !md.source.contains("import *") {
                return Vec::new();
            }
            let mut out = Vec::new();
            for s in &md.ast().body {
                let Stmt::ImportFrom(i) = s else { continue };
                if !i.names.iter().any(|a| a.name.as_str() == "*") {
                    continue;
                }
                let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                let abs = self.absolute_module(id, module, i.level);
                if let Some(m) = self.module_id(&abs)
                    && m != id
                {
                    out.push(m);
                }
            }
            out
        });
        for &m in stars {
            if !self.exports(m, name) {
                continue;
            }
            if let Some(sym) = self.resolve_name(m, name, depth + 1) {
                return Some(sym);
            }
        }
        None
    }

    /// True when a star import of module `m` brings `name`: listed in its `__all__` when
    /// it has one, else any public name it binds (or star-imports in turn).
    fn exports(&self, m: ModuleId, name: &str) -> bool {
        if let Some(Bind::Value(v)) = self.binds(m).get("__all__") {
            let elts: &[Expr] = match v {
                Expr::List(l) => &l.elts,
                Expr::Tuple(t) => &t.elts,
                _ => return !name.starts_with('_'),
            };
            return elts
                .iter()
                .any(|e| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == name));
        }
        !name.starts_with('_')
    }

    /// `obj.method` where `obj` is a module-level instance of a project class
    /// (`user_service = UserService()`; `Depends(user_service.get_current_user)`): the
    /// method, its module and the instance's class (so `self.x` calls inside resolve).
    pub fn bound_method(
        &self,
        id: ModuleId,
        e: &Expr,
    ) -> Option<(ModuleId, &'p StmtFunctionDef, &'p StmtClassDef)> {
        let Expr::Attribute(a) = e else {
            return None;
        };
        let Sym::Value(vm, v) = self.resolve_expr(id, &a.value)? else {
            return None;
        };
        let Expr::Call(c) = v else {
            return None;
        };
        let Sym::Class(cm, class) = self.resolve_expr(vm, &c.func)? else {
            return None;
        };
        let (fm, f) = self.method(cm, class, a.attr.as_str(), 0)?;
        Some((fm, f, class))
    }

    /// `module.name` where `module` is an absolute dotted name.
    fn member(&self, module: &str, name: &str, depth: u32) -> Option<Sym<'p>> {
        let full = if module.is_empty() {
            name.to_string()
        } else {
            format!("{module}.{name}")
        };
        match self.module_id(module) {
            Some(m) => {
                // A package that imports its own submodule (`from . import auth` in
                // `routes/__init__.py`) binds the name to that submodule: resolving the
                // binding would come back here.
                let own_submodule = match self.binds(m).get(name) {
                    Some(&Bind::Import {
                        module: im,
                        level,
                        name: Some(n),
                    }) => n == name && self.absolute_module(m, im, level) == module,
                    _ => false,
                };
                if own_submodule && let Some(sub) = self.module_id(&full) {
                    return Some(Sym::Module(sub));
                }
                if self.binds(m).contains_key(name) {
                    return self.resolve_name(m, name, depth + 1);
                }
                if let Some((target, attr)) = self.lazy_export(m, name)
                    && depth < 12
                {
                    return self.member(&target, &attr, depth + 1);
                }
                // A package that re-exports with `from .providers import *`.
                if self.module_id(&full).is_none()
                    && let Some(sym) = self.star_imported(m, name, depth + 1)
                {
                    return Some(sym);
                }
                match self.module_id(&full) {
                    Some(sub) => Some(Sym::Module(sub)),
                    None => Some(Sym::External(full)),
                }
            }
            None => Some(match self.module_id(&full) {
                Some(sub) => Sym::Module(sub),
                None => Sym::External(full),
            }),
        }
    }

    /// A lazy export of a module `__getattr__` (PEP 562) that looks the name up in a
    /// module-level dict: `_EXPORTS = {"user_router": ("app.user.api", "router")}` gives
    /// (`app.user.api`, `router`); a value that is only a module path gives that module
    /// and the name itself.
    fn lazy_export(&self, m: ModuleId, name: &str) -> Option<(String, String)> {
        let Some(&Bind::Function(getattr)) = self.binds(m).get("__getattr__") else {
            return None;
        };
        let body = self.module(m).slice(ruff_text_size::Ranged::range(getattr));
        // The module-level dicts the function reads, in name order (deterministic).
        let mut tables: Vec<(&str, &ruff_python_ast::ExprDict)> = self
            .binds(m)
            .iter()
            .filter_map(|(k, b)| match b {
                Bind::Value(Expr::Dict(d)) if body.contains(k) => Some((*k, d)),
                _ => None,
            })
            .collect();
        tables.sort_by_key(|(k, _)| *k);
        let item = tables.iter().find_map(|(_, d)| {
            d.items.iter().find(
                |i| matches!(&i.key, Some(Expr::StringLiteral(k)) if k.value.to_str() == name),
            )
        })?;
        let lit = |e: &Expr| match e {
            Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            _ => None,
        };
        match &item.value {
            Expr::Tuple(t) if t.elts.len() == 2 => Some((lit(&t.elts[0])?, lit(&t.elts[1])?)),
            Expr::List(t) if t.elts.len() == 2 => Some((lit(&t.elts[0])?, lit(&t.elts[1])?)),
            v => Some((lit(v)?, name.to_string())),
        }
    }

    /// Resolves a `Name` or dotted `Attribute` at the top level of module `id`.
    pub fn resolve_expr(&self, id: ModuleId, expr: &Expr) -> Option<Sym<'p>> {
        match expr {
            Expr::Name(n) => self.resolve_name(id, n.id.as_str(), 0),
            Expr::Attribute(a) => match self.resolve_expr(id, &a.value)? {
                Sym::Module(m) => {
                    let name = self.module(m).name.clone();
                    self.member(&name, a.attr.as_str(), 0)
                }
                Sym::External(q) => Some(Sym::External(format!("{q}.{}", a.attr.as_str()))),
                Sym::Class(m, c) => self
                    .method(m, c, a.attr.as_str(), 0)
                    .map(|(fm, f)| Sym::Function(fm, f)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The dotted name `expr` is spelled as at the top level of module `id`, with the
    /// imports applied (`deps.require_user` after `from app import deps` is
    /// `app.deps.require_user`; a name defined in the module is `module.name`). Unlike
    /// [`Index::resolve_expr`] it does not follow re-exports: it is the name as the code
    /// writes it. None for names the module does not bind.
    pub fn spelled(&self, id: ModuleId, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(n) => match *self.binds(id).get(n.id.as_str())? {
                Bind::Import {
                    module,
                    level,
                    name: None,
                } => Some(self.absolute_module(id, module, level)),
                Bind::Import {
                    module,
                    level,
                    name: Some(m),
                } => {
                    let abs = self.absolute_module(id, module, level);
                    Some(if abs.is_empty() {
                        m.to_string()
                    } else {
                        format!("{abs}.{m}")
                    })
                }
                _ => Some(format!("{}.{}", self.module(id).name, n.id.as_str())),
            },
            Expr::Attribute(a) => Some(format!(
                "{}.{}",
                self.spelled(id, &a.value)?,
                a.attr.as_str()
            )),
            _ => None,
        }
    }

    /// A cheap test before resolving `e`: false when `e` comes from a project module whose
    /// source contains none of `needles` (so resolving it would only parse that module for
    /// nothing). Packages re-export, so they always pass.
    pub fn may_define(&self, id: ModuleId, e: &Expr, needles: &[&str]) -> bool {
        let name = match e {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => {
                let mut base = &*a.value;
                while let Expr::Attribute(inner) = base {
                    base = &inner.value;
                }
                match base {
                    Expr::Name(n) => n.id.as_str(),
                    _ => return true,
                }
            }
            _ => return true,
        };
        let Some(Bind::Import {
            module,
            level,
            name: member,
        }) = self.binds(id).get(name).copied()
        else {
            return true;
        };
        let abs = self.absolute_module(id, module, level);
        let target = match member {
            Some(m) => self
                .project
                .module_by_name(&format!("{abs}.{m}"))
                .or_else(|| self.project.module_by_name(&abs)),
            None => self.project.module_by_name(&abs),
        };
        match target {
            Some(md) => md.is_package || needles.iter().any(|k| md.source.contains(k)),
            None => true,
        }
    }

    /// The external names a class derives from, directly or through project classes.
    pub fn class_ancestors(&self, id: ModuleId, class: &'p StmtClassDef) -> Vec<String> {
        let mut out = Vec::new();
        self.ancestors_into(id, class, &mut out, 0);
        out
    }

    fn ancestors_into(
        &self,
        id: ModuleId,
        class: &'p StmtClassDef,
        out: &mut Vec<String>,
        depth: u32,
    ) {
        if depth > 8 {
            return;
        }
        let Some(args) = &class.arguments else {
            return;
        };
        for base in args.args.iter() {
            match self.resolve_expr(id, base) {
                Some(Sym::External(q)) => out.push(q),
                Some(Sym::Class(m, c)) => self.ancestors_into(m, c, out, depth + 1),
                _ => {}
            }
        }
    }

    /// A method of a class or of its project ancestors.
    pub fn method(
        &self,
        id: ModuleId,
        class: &'p StmtClassDef,
        name: &str,
        depth: u32,
    ) -> Option<(ModuleId, &'p StmtFunctionDef)> {
        if let Some(f) = class_method(class, name) {
            return Some((id, f));
        }
        if depth > 8 {
            return None;
        }
        for base in class.arguments.as_ref()?.args.iter() {
            if let Some(Sym::Class(m, c)) = self.resolve_expr(id, base)
                && let Some(found) = self.method(m, c, name, depth + 1)
            {
                return Some(found);
            }
        }
        None
    }
}

pub(crate) fn class_method<'p>(class: &'p StmtClassDef, name: &str) -> Option<&'p StmtFunctionDef> {
    class.body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.name.as_str() == name => Some(f),
        _ => None,
    })
}

/// True when `q` names `last` in FastAPI or Starlette (`fastapi.security.HTTPBearer`,
/// `fastapi.params.Depends`, `starlette.requests.Request`...).
pub(crate) fn is_framework(q: &str, last: &[&str]) -> bool {
    let framework = q.starts_with("fastapi") || q.starts_with("starlette");
    framework && last.iter().any(|l| q.rsplit('.').next() == Some(*l))
}

//! Handlers that expose nothing: their answer is computed from the request's own input and
//! the code alone (a decoder, a calculator, a redirect landing page, a constant list built by
//! a helper). Nothing is read from a store, from mutable module state or from a secret, so
//! running them without an identity gives an anonymous caller nothing it did not send.
//!
//! The check is conservative: a value it cannot place (a call on a module-level object it
//! does not know, an awaited library call, an I/O module, a dependency parameter) makes the
//! function impure.

use crate::flow::Analyzer;
use crate::index::Sym;
use crate::model::Func;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprContext, Stmt};
use std::collections::{HashMap, HashSet};

/// Top-level modules whose calls read or change the world outside the request: processes,
/// files, the network, databases, queues, payment providers.
const IO_MODULES: &[&str] = &[
    "os",
    "subprocess",
    "shutil",
    "socket",
    "pathlib",
    "tempfile",
    "pickle",
    "shelve",
    "dbm",
    "sqlite3",
    "importlib",
    "ctypes",
    "multiprocessing",
    "requests",
    "httpx",
    "aiohttp",
    "urllib",
    "urllib3",
    "smtplib",
    "ftplib",
    "aiofiles",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "psycopg2",
    "asyncpg",
    "aiosqlite",
    "databases",
    "pymongo",
    "motor",
    "beanie",
    "tortoise",
    "peewee",
    "redis",
    "aioredis",
    "boto3",
    "botocore",
    "aioboto3",
    "minio",
    "celery",
    "arq",
    "stripe",
    "fastapi_mail",
    "unittest",
    "pytest",
    "psutil",
    "logging",
];

/// Python builtins that compute on their arguments.
const PURE_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "ascii",
    "bin",
    "bool",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "complex",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "hex",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "oct",
    "ord",
    "pow",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "type",
    "zip",
    "print",
    "super",
    "object",
    "True",
    "False",
    "None",
    "NotImplemented",
    "Ellipsis",
];

/// Names of exception classes (`ValueError`, `KeyError`...), builtins too.
fn builtin_exception(name: &str) -> bool {
    name.ends_with("Error") || name.ends_with("Exception") || name == "StopIteration"
}

/// A name that holds a credential or a secret.
fn secret_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "secret",
        "password",
        "passwd",
        "token",
        "private",
        "credential",
        "api_key",
        "apikey",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n == "key"
        || n.ends_with("_key")
}

fn io_module(q: &str) -> bool {
    let top = q.split('.').next().unwrap_or(q);
    // Credential work (`auth.verify_token`, `jwt.decode`): authentication, which the model
    // judges as such, not "nothing to expose".
    let last = q.rsplit('.').next().unwrap_or(q).to_ascii_lowercase();
    let credential = secret_like(&last)
        || ["verify", "auth", "jwt", "jose"]
            .iter()
            .any(|w| last.contains(w) || top.eq_ignore_ascii_case(w));
    credential
        || IO_MODULES.contains(&top)
        || q == "builtins.open"
        // Serves a file from disk.
        || q.ends_with(".FileResponse")
        || q.starts_with("asyncio.create_subprocess")
        || ["http.client", "http.server", "http.cookiejar"]
            .iter()
            .any(|m| q.starts_with(m))
}

/// A literal that cannot serve as a store: a scalar, or a tuple of them.
fn immutable_literal(e: &Expr) -> bool {
    match e {
        Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_) => true,
        Expr::Tuple(t) => t.elts.iter().all(immutable_literal),
        _ => false,
    }
}

/// True when handler `h` answers from its own parameters and the code alone: none of its
/// parameters is a dependency or the raw request, and its body (and the project functions it
/// calls, a few levels deep) awaits no library call, calls no I/O module, reads no mutable
/// module-level state and no secret-named setting.
pub(crate) fn computes_from_input<'p>(an: &Analyzer<'_, 'p>, h: Func<'p>) -> bool {
    if an.params(h).iter().any(|p| p.dep.is_some() || p.is_request) {
        return false;
    }
    // A method of a class-based view: its attributes are the class's dependencies.
    if h.class.is_some()
        || h.def
            .parameters
            .posonlyargs
            .iter()
            .chain(&h.def.parameters.args)
            .next()
            .is_some_and(|p| matches!(p.name().as_str(), "self" | "cls"))
    {
        return false;
    }
    let mut seen = HashSet::new();
    pure_fn(an, h, 0, &mut seen)
}

fn pure_fn<'p>(
    an: &Analyzer<'_, 'p>,
    f: Func<'p>,
    depth: u32,
    seen: &mut HashSet<crate::model::FuncKey>,
) -> bool {
    if depth > 4 {
        return false;
    }
    // Already checked (and pure, or we would have stopped), or being checked higher up.
    if !seen.insert(f.key()) {
        return true;
    }
    let mut locals = Locals::default();
    let ps = &f.def.parameters;
    for p in ps.posonlyargs.iter().chain(&ps.args).chain(&ps.kwonlyargs) {
        locals.names.insert(p.name().to_string());
    }
    for p in ps.vararg.iter().chain(ps.kwarg.iter()) {
        locals.names.insert(p.name.to_string());
    }
    for s in &f.def.body {
        locals.visit_stmt(s);
    }
    let mut w = Walker {
        an,
        f,
        depth,
        seen,
        locals,
        pure: true,
    };
    for s in &f.def.body {
        if !w.pure {
            break;
        }
        w.visit_stmt(s);
    }
    w.pure
}

/// The names a function binds (assignments, loop and `with` targets, nested definitions,
/// `except ... as`), and the modules its local imports name.
#[derive(Default)]
struct Locals {
    names: HashSet<String>,
    imports: HashMap<String, String>,
}

impl<'p> Visitor<'p> for Locals {
    fn visit_stmt(&mut self, s: &'p Stmt) {
        match s {
            Stmt::FunctionDef(d) => {
                self.names.insert(d.name.to_string());
                return;
            }
            Stmt::ClassDef(c) => {
                self.names.insert(c.name.to_string());
                return;
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let full = a.name.to_string();
                    let local = a
                        .asname
                        .as_ref()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| full.split('.').next().unwrap_or("").to_string());
                    self.imports.insert(local, full);
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                for a in &i.names {
                    let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                    self.imports
                        .insert(local, format!("{module}.{}", a.name.as_str()));
                }
            }
            Stmt::Try(t) => {
                for h in &t.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        self.names.insert(n.to_string());
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, s);
    }
    fn visit_expr(&mut self, e: &'p Expr) {
        if let Expr::Name(n) = e
            && n.ctx == ExprContext::Store
        {
            self.names.insert(n.id.to_string());
        }
        visitor::walk_expr(self, e);
    }
}

struct Walker<'a, 'm, 'p> {
    an: &'a Analyzer<'m, 'p>,
    f: Func<'p>,
    depth: u32,
    seen: &'a mut HashSet<crate::model::FuncKey>,
    locals: Locals,
    pure: bool,
}

impl<'p> Walker<'_, '_, 'p> {
    /// The innermost value an attribute chain starts from (`a` of `a.b.c`), and the first
    /// attribute read on it.
    fn base(e: &'p Expr) -> (&'p Expr, Option<&'p str>) {
        let mut cur = e;
        let mut first = None;
        while let Expr::Attribute(a) = cur {
            first = Some(a.attr.as_str());
            cur = &a.value;
        }
        (cur, first)
    }

    /// A class that holds configuration (`Settings`, `AppConfig`, a pydantic `BaseSettings`).
    fn settings_class(
        &self,
        cm: jwtward_python::ModuleId,
        c: &'p ruff_python_ast::StmtClassDef,
    ) -> bool {
        let conf = |n: &str| {
            let n = n.rsplit('.').next().unwrap_or(n);
            n.ends_with("Settings") || n.ends_with("Config") || n.ends_with("Configuration")
        };
        conf(c.name.as_str()) || self.an.m.ix.class_ancestors(cm, c).iter().any(|a| conf(a))
    }

    /// `Class.attr` read (not called): an enum member or a method; any other class attribute
    /// may be state shared by all requests (`Jobs.running`).
    fn class_attr_ok(
        &self,
        cm: jwtward_python::ModuleId,
        c: &'p ruff_python_ast::StmtClassDef,
        attr: &str,
    ) -> bool {
        self.an
            .m
            .ix
            .class_ancestors(cm, c)
            .iter()
            .any(|a| a.ends_with("Enum") || a.ends_with("IntFlag") || a.ends_with("Flag"))
            || self.an.m.ix.method(cm, c, attr, 0).is_some()
    }

    /// A module-level value read by name: a scalar constant, or an attribute (not named like a
    /// secret) of an instance of a project class (a settings object). A list, dict or set,
    /// anything else a call builds, or the instance itself is state or may hold secrets.
    fn global_value_ok(
        &self,
        name: &str,
        vm: jwtward_python::ModuleId,
        v: &Expr,
        attr: Option<&str>,
    ) -> bool {
        if secret_like(name) {
            return false;
        }
        if immutable_literal(v) {
            return true;
        }
        if let (Expr::Call(c), Some(attr)) = (v, attr)
            && let Some(Sym::Class(cm, class)) = self.an.m.ix.resolve_expr(vm, &c.func)
        {
            return self.settings_class(cm, class) && !secret_like(attr);
        }
        false
    }

    /// A name read in the body (alone or as the start of `name.attr`).
    fn name_ok(&self, name: &str, attr: Option<&str>) -> bool {
        if self.locals.names.contains(name) {
            return true;
        }
        if let Some(q) = self.locals.imports.get(name) {
            return !io_module(q);
        }
        match self.an.m.ix.resolve_name(self.f.mid, name, 0) {
            Some(Sym::Function(..)) => true,
            Some(Sym::Class(cm, c)) => attr.is_none_or(|a| self.class_attr_ok(cm, c, a)),
            // `module.value`: judged as the value it names.
            Some(Sym::Module(m)) => match attr.map(|a| (a, self.an.m.ix.resolve_name(m, a, 0))) {
                Some((a, Some(Sym::Value(vm, v)))) => self.global_value_ok(a, vm, v, None),
                Some((_, Some(Sym::External(q)))) => !io_module(&q),
                _ => true,
            },
            Some(Sym::External(q)) => !io_module(&q),
            Some(Sym::Value(vm, v)) => self.global_value_ok(name, vm, v, attr),
            None => PURE_BUILTINS.contains(&name) || builtin_exception(name),
        }
    }

    fn call_ok(&mut self, c: &'p ruff_python_ast::ExprCall) -> bool {
        if let Some(g) = self.an.callee(self.f, &c.func) {
            return pure_fn(self.an, g, self.depth + 1, self.seen);
        }
        // A project class or function handed to code outside the project (a test runner, a
        // scheduler, a callback) runs code this walk does not follow.
        let type_test = matches!(&*c.func, Expr::Name(n)
            if matches!(n.id.as_str(), "isinstance" | "issubclass"));
        let hands_over_code = c
            .arguments
            .args
            .iter()
            .chain(c.arguments.keywords.iter().map(|k| &k.value))
            .any(|a| {
                matches!(a, Expr::Name(n)
                if !self.locals.names.contains(n.id.as_str())
                    && matches!(
                        self.an.m.ix.resolve_name(self.f.mid, n.id.as_str(), 0),
                        Some(Sym::Class(..) | Sym::Function(..))
                    ))
            });
        if hands_over_code && !type_test {
            return false;
        }
        let (base, first) = Self::base(&c.func);
        match base {
            Expr::Name(n) => {
                let name = n.id.as_str();
                if self.locals.names.contains(name) {
                    return true;
                }
                if let Some(q) = self.locals.imports.get(name) {
                    return !io_module(q);
                }
                match self.an.m.ix.resolve_expr(self.f.mid, &c.func) {
                    Some(Sym::Class(..)) => true,
                    Some(Sym::External(q)) => !io_module(&q),
                    Some(Sym::Function(..)) => true,
                    // Calling or calling a method of module-level state (a session factory, a
                    // client, a cache) the index cannot follow.
                    Some(Sym::Value(..) | Sym::Module(_)) => false,
                    None => match self.an.m.ix.resolve_name(self.f.mid, name, 0) {
                        Some(Sym::External(q)) => !io_module(&q),
                        Some(Sym::Value(..) | Sym::Module(_) | Sym::Function(..)) => false,
                        Some(Sym::Class(..)) => first.is_none(),
                        None => {
                            first.is_none()
                                && (PURE_BUILTINS.contains(&name) || builtin_exception(name))
                        }
                    },
                }
            }
            // A method of a literal (`", ".join(...)`) or of a value computed in the body.
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::Call(_)
            | Expr::Subscript(_)
            | Expr::List(_)
            | Expr::Dict(_)
            | Expr::Tuple(_)
            | Expr::FString(_) => first.is_some(),
            _ => false,
        }
    }
}

impl<'p> Visitor<'p> for Walker<'_, '_, 'p> {
    fn visit_stmt(&mut self, s: &'p Stmt) {
        if !self.pure {
            return;
        }
        match s {
            Stmt::Global(_) | Stmt::Nonlocal(_) => {
                self.pure = false;
                return;
            }
            // Imports bind names (judged where they are used).
            Stmt::Import(_) | Stmt::ImportFrom(_) => return,
            _ => {}
        }
        visitor::walk_stmt(self, s);
    }

    fn visit_expr(&mut self, e: &'p Expr) {
        if !self.pure {
            return;
        }
        match e {
            // Awaiting is I/O unless it awaits a project coroutine that is itself pure.
            Expr::Await(a) => {
                let Expr::Call(c) = &*a.value else {
                    self.pure = false;
                    return;
                };
                if self.an.callee(self.f, &c.func).is_none() {
                    self.pure = false;
                    return;
                }
                self.visit_expr(&a.value);
            }
            Expr::Call(c) => {
                if !self.call_ok(c) {
                    self.pure = false;
                    return;
                }
                let (base, _) = Self::base(&c.func);
                if !matches!(base, Expr::Name(_)) {
                    self.visit_expr(base);
                }
                for a in c.arguments.args.iter() {
                    self.visit_expr(a);
                }
                for k in c.arguments.keywords.iter() {
                    self.visit_expr(&k.value);
                }
            }
            Expr::Attribute(_) => {
                let (base, first) = Self::base(e);
                match base {
                    Expr::Name(n) if n.ctx == ExprContext::Load => {
                        if !self.name_ok(n.id.as_str(), first) {
                            self.pure = false;
                        }
                    }
                    _ => self.visit_expr(base),
                }
            }
            Expr::Name(n) if n.ctx == ExprContext::Load => {
                if !self.name_ok(n.id.as_str(), None) {
                    self.pure = false;
                }
            }
            _ => visitor::walk_expr(self, e),
        }
    }
}

/// True when a value `h` returns holds a collection literal of two or more literal items
/// (`"rows": [1, 2, 3]`): inline data standing for what a store would hold, not an answer
/// computed from the input.
pub(crate) fn returns_inline_rows(h: Func<'_>) -> bool {
    struct Finder(bool);
    impl<'p> Visitor<'p> for Finder {
        fn visit_stmt(&mut self, s: &'p Stmt) {
            if let Stmt::Return(r) = s
                && let Some(v) = r.value.as_deref()
            {
                self.visit_expr(v);
            }
            if !matches!(s, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                visitor::walk_stmt(self, s);
            }
        }
        fn visit_expr(&mut self, e: &'p Expr) {
            let items: Option<&[Expr]> = match e {
                Expr::List(l) => Some(&l.elts),
                Expr::Tuple(t) => Some(&t.elts),
                Expr::Set(t) => Some(&t.elts),
                _ => None,
            };
            if items.is_some_and(|xs| xs.len() >= 2 && xs.iter().all(|x| x.is_literal_expr())) {
                self.0 = true;
            }
            visitor::walk_expr(self, e);
        }
    }
    let mut f = Finder(false);
    for s in &h.def.body {
        f.visit_stmt(s);
    }
    f.0
}

/// True when handler `h` makes a call (any call, or for `on_input` one on a value that is
/// not a literal): it does work, it is not a stub whose inline literal stands for data.
pub(crate) fn makes_calls(h: Func<'_>, on_input: bool) -> bool {
    struct Finder(bool, bool);
    impl<'p> Visitor<'p> for Finder {
        fn visit_expr(&mut self, e: &'p Expr) {
            if let Expr::Call(c) = e
                && (!self.1
                    || c.arguments
                        .args
                        .iter()
                        .chain(c.arguments.keywords.iter().map(|k| &k.value))
                        .any(|a| !a.is_literal_expr()))
            {
                self.0 = true;
            }
            visitor::walk_expr(self, e);
        }
    }
    let mut f = Finder(false, on_input);
    for s in &h.def.body {
        f.visit_stmt(s);
    }
    f.0
}

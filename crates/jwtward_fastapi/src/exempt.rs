//! The exact model of a middleware's exemption test: which request paths an
//! `if <test on the path>: return await call_next(request)` lets through unauthenticated
//! (`startswith` on a string or a tuple, `endswith`, `in` on a set/list/tuple, `==`, regex
//! `match`/`fullmatch`/`search`, `path.split("/")[i]`, `any(... for p in PUBLIC)`, one level
//! of helper function), evaluated on concrete paths.

use crate::model::{Func, Model, str_lit};
use jwtward_python::ModuleId;
use ruff_python_ast::{BoolOp, CmpOp, Expr, Stmt, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReMode {
    /// `re.match`: anchored at the start.
    Match,
    /// `re.fullmatch`: the whole path.
    Full,
    /// `re.search`: anywhere.
    Search,
}

/// A test on the request path.
#[derive(Clone, Debug)]
pub(crate) enum PathTest {
    Prefix(Vec<String>),
    Suffix(Vec<String>),
    Exact(Vec<String>),
    /// `"x" in path`
    Contains(Vec<String>),
    Regex(Vec<(String, regex::Regex)>, ReMode),
    /// `path.split("/")[index]` tested by the inner test.
    Segment(i64, Box<PathTest>),
    Any(Vec<PathTest>),
    All(Vec<PathTest>),
    Not(Box<PathTest>),
}

impl PathTest {
    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathTest::Prefix(v) => v.iter().any(|p| path.starts_with(p.as_str())),
            PathTest::Suffix(v) => v.iter().any(|p| path.ends_with(p.as_str())),
            PathTest::Exact(v) => v.iter().any(|p| p == path),
            PathTest::Contains(v) => v.iter().any(|p| path.contains(p.as_str())),
            // Compiled anchored as the mode says (see [`compile`]).
            PathTest::Regex(v, _) => v.iter().any(|(_, re)| re.is_match(path)),
            PathTest::Segment(i, inner) => {
                let segs: Vec<&str> = path.split('/').collect();
                let k = if *i < 0 { segs.len() as i64 + i } else { *i };
                k >= 0 && (k as usize) < segs.len() && inner.matches(segs[k as usize])
            }
            PathTest::Any(v) => v.iter().any(|t| t.matches(path)),
            PathTest::All(v) => v.iter().all(|t| t.matches(path)),
            PathTest::Not(t) => !t.matches(path),
        }
    }

    /// The literal paths the test names (its public paths).
    pub fn literals(&self, out: &mut Vec<String>) {
        match self {
            PathTest::Prefix(v)
            | PathTest::Suffix(v)
            | PathTest::Exact(v)
            | PathTest::Contains(v) => out.extend(v.iter().cloned()),
            PathTest::Regex(v, _) => out.extend(v.iter().map(|(p, _)| p.clone())),
            PathTest::Segment(_, t) | PathTest::Not(t) => t.literals(out),
            PathTest::Any(v) | PathTest::All(v) => v.iter().for_each(|t| t.literals(out)),
        }
    }

    /// Exact tests only (`in` on literals, `==`): never broader than their paths.
    /// `path` is let through by an exact member of the test (`path in EXCLUDE_PATHS` inside a
    /// longer `or` of prefix and suffix tests): the project lists this very path.
    pub fn lists_exactly(&self, path: &str) -> bool {
        match self {
            PathTest::Exact(v) => v.iter().any(|p| p == path),
            PathTest::Any(v) => v.iter().any(|t| t.lists_exactly(path)),
            _ => false,
        }
    }

    pub fn is_exact(&self) -> bool {
        match self {
            PathTest::Exact(_) => true,
            PathTest::Any(v) => v.iter().all(PathTest::is_exact),
            PathTest::All(v) => v.iter().any(PathTest::is_exact),
            _ => false,
        }
    }

    /// Synthetic paths the test lets through that no public path of it names: for tests
    /// that match words anywhere (`endswith("health")`, `"static" in path`, an unanchored
    /// `re.search`), a protected-looking path built around the word.
    pub fn word_witnesses(&self, out: &mut Vec<String>) {
        match self {
            PathTest::Suffix(v) => {
                for s in v {
                    if !s.starts_with('/') && !s.is_empty() {
                        out.push(format!("/api/admin/un{s}"));
                    }
                }
            }
            PathTest::Contains(v) => {
                for s in v {
                    if !s.starts_with('/') && !s.is_empty() {
                        out.push(format!("/api/admin/x{}", s.trim_end_matches('/')));
                    }
                }
            }
            PathTest::Regex(v, ReMode::Search) => {
                for (p, _) in v {
                    if !p.starts_with('^') {
                        let word: String = p
                            .trim_start_matches('/')
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                            .collect();
                        if !word.is_empty() {
                            out.push(format!("/api/admin/x{word}"));
                        }
                    }
                }
            }
            PathTest::Any(v) => v.iter().for_each(|t| t.word_witnesses(out)),
            _ => {}
        }
    }
}

/// A Python pattern compiled to match as `re.match` (anchored at the start),
/// `re.fullmatch` (the whole path) or `re.search` (anywhere) does.
fn compile(p: &str, mode: ReMode) -> Option<regex::Regex> {
    let anchored = match mode {
        ReMode::Search => p.to_string(),
        ReMode::Match => format!("^(?:{p})"),
        ReMode::Full => format!("^(?:{p})$"),
    };
    regex::Regex::new(&anchored).ok()
}

/// One exemption of a middleware: the test, where it is, and the `if` it guards.
#[derive(Clone, Debug)]
pub(crate) struct Exemption {
    pub test: PathTest,
    pub mid: ModuleId,
    pub range: TextRange,
    pub text: String,
}

/// Reads exemption tests in a middleware function.
pub(crate) struct Reader<'a, 'p> {
    pub m: &'a Model<'p>,
    pub func: Func<'p>,
    /// `add_middleware(Cls, excluded_paths=[...])` keyword arguments.
    pub kwargs: &'a [(String, &'p Expr)],
    /// Local names that hold the request path.
    path_vars: Vec<String>,
}

fn is_pass_stmt_text(t: &str) -> bool {
    t.contains("call_next") || t.contains("self.app")
}

impl<'a, 'p> Reader<'a, 'p> {
    pub fn new(m: &'a Model<'p>, func: Func<'p>, kwargs: &'a [(String, &'p Expr)]) -> Self {
        let mut r = Reader {
            m,
            func,
            kwargs,
            path_vars: Vec::new(),
        };
        // `path = request.url.path`, `path = scope["path"]`.
        crate::model::for_each_stmt(&func.def.body, None, &mut |s, _| {
            if let Stmt::Assign(a) = s
                && let [Expr::Name(n)] = a.targets.as_slice()
                && r.is_path_expr(&a.value)
            {
                r.path_vars.push(n.id.to_string());
            }
        });
        r
    }

    fn md(&self) -> &'p jwtward_python::Module {
        self.m.ix.module(self.func.mid)
    }

    /// The request path: `request.url.path`, `scope["path"]`, `request.path`, a local
    /// holding one, or one of those lowered or stripped.
    fn is_path_expr(&self, e: &Expr) -> bool {
        match e {
            Expr::Attribute(a) => {
                a.attr.as_str() == "path"
                    && !matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "os")
            }
            Expr::Subscript(s) => str_lit(&s.slice).as_deref() == Some("path"),
            Expr::Name(n) => self.path_vars.iter().any(|v| v == n.id.as_str()),
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(a)
                    if matches!(
                        a.attr.as_str(),
                        "lower" | "rstrip" | "strip" | "removesuffix" | "casefold"
                    ) =>
                {
                    self.is_path_expr(&a.value)
                }
                Expr::Attribute(a) if a.attr.as_str() == "get" => {
                    c.arguments.args.first().and_then(str_lit).as_deref() == Some("path")
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The exemptions of the middleware: `if` statements of its body (top level) whose
    /// test is on the path and whose body passes the request on.
    pub fn exemptions(&mut self) -> Vec<Exemption> {
        self.exemptions_where(false)
    }

    /// The exemptions of an app- or router-level dependency (`if path in EXEMPT_PATHS:
    /// return` before its check): `if` statements on the path whose body returns nothing.
    pub fn dependency_exemptions(&mut self) -> Vec<Exemption> {
        self.exemptions_where(true)
    }

    fn exemptions_where(&mut self, dependency: bool) -> Vec<Exemption> {
        let md = self.md();
        let mut out = Vec::new();
        for s in &self.func.def.body {
            let Stmt::If(i) = s else { continue };
            let passes = if dependency {
                matches!(i.body.as_slice(), [Stmt::Return(r)]
                    if r.value.as_deref().is_none_or(|v| matches!(v, Expr::NoneLiteral(_))))
            } else {
                i.body
                    .iter()
                    .any(|b| is_pass_stmt_text(md.slice(b.range())))
            };
            if !passes {
                continue;
            }
            if let Some(t) = self.parse(&i.test, 0) {
                out.push(Exemption {
                    test: t,
                    mid: self.func.mid,
                    range: i.test.range(),
                    text: crate::defaults::compact(md.slice(i.test.range())),
                });
            }
        }
        out
    }

    /// The path test `e` is, if it is one.
    fn parse(&mut self, e: &'p Expr, depth: u32) -> Option<PathTest> {
        if depth > 6 {
            return None;
        }
        match e {
            Expr::BoolOp(b) => {
                let parts: Vec<PathTest> = b
                    .values
                    .iter()
                    .filter_map(|v| self.parse(v, depth + 1))
                    .collect();
                if parts.is_empty() {
                    return None;
                }
                Some(match b.op {
                    // Conditions on other things (the method) only narrow an `and`; in an
                    // `or` they exempt requests, not paths.
                    BoolOp::Or => PathTest::Any(parts),
                    BoolOp::And => PathTest::All(parts),
                })
            }
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => {
                Some(PathTest::Not(Box::new(self.parse(&u.operand, depth + 1)?)))
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                let (l, r) = (&*c.left, &c.comparators[0]);
                match c.ops[0] {
                    CmpOp::Eq if self.is_path_expr(l) => Some(PathTest::Exact(self.strings(r, 0)?)),
                    CmpOp::Eq if self.is_path_expr(r) => Some(PathTest::Exact(self.strings(l, 0)?)),
                    CmpOp::In if self.is_path_expr(l) => Some(PathTest::Exact(self.strings(r, 0)?)),
                    CmpOp::In if self.is_path_expr(r) => {
                        Some(PathTest::Contains(self.strings(l, 0)?))
                    }
                    CmpOp::Eq | CmpOp::In => {
                        // `path.split("/")[1] in {...}`
                        let (seg, other) = match (self.segment(l), self.segment(r)) {
                            (Some(i), _) => (i, r),
                            (_, Some(i)) => (i, l),
                            _ => return None,
                        };
                        Some(PathTest::Segment(
                            seg,
                            Box::new(PathTest::Exact(self.strings(other, 0)?)),
                        ))
                    }
                    _ => None,
                }
            }
            Expr::Call(c) => self.parse_call(c, depth),
            Expr::Await(a) => self.parse(&a.value, depth + 1),
            _ => None,
        }
    }

    /// `path.split("/")[i]`: the index.
    fn segment(&self, e: &Expr) -> Option<i64> {
        let Expr::Subscript(s) = e else { return None };
        let Expr::Call(c) = &*s.value else {
            return None;
        };
        let Expr::Attribute(a) = &*c.func else {
            return None;
        };
        if a.attr.as_str() != "split"
            || !self.is_path_expr(&a.value)
            || c.arguments.args.first().and_then(str_lit).as_deref() != Some("/")
        {
            return None;
        }
        match &*s.slice {
            Expr::NumberLiteral(n) => match &n.value {
                ruff_python_ast::Number::Int(i) => i.as_i64(),
                _ => None,
            },
            Expr::UnaryOp(u) if u.op == UnaryOp::USub => match &*u.operand {
                Expr::NumberLiteral(n) => match &n.value {
                    ruff_python_ast::Number::Int(i) => i.as_i64().map(|x| -x),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    fn parse_call(&mut self, c: &'p ruff_python_ast::ExprCall, depth: u32) -> Option<PathTest> {
        let md = self.md();
        // `path.startswith(X)`, `path.endswith(X)`, `path.split("/")[i].startswith(X)`.
        if let Expr::Attribute(a) = &*c.func
            && matches!(a.attr.as_str(), "startswith" | "endswith")
        {
            let arg = c.arguments.args.first()?;
            let v = self.strings(arg, 0)?;
            let t = if a.attr.as_str() == "startswith" {
                PathTest::Prefix(v)
            } else {
                PathTest::Suffix(v)
            };
            if self.is_path_expr(&a.value) {
                return Some(t);
            }
            return self
                .segment(&a.value)
                .map(|i| PathTest::Segment(i, Box::new(t)));
        }
        // `re.match(p, path)`, `PATTERN.match(path)`.
        if let Expr::Attribute(a) = &*c.func {
            let mode = match a.attr.as_str() {
                "match" => Some(ReMode::Match),
                "fullmatch" => Some(ReMode::Full),
                "search" => Some(ReMode::Search),
                _ => None,
            };
            if let Some(mode) = mode {
                let base = md.slice(a.value.range());
                if base == "re" || base == "regex" {
                    let (p, s) = (c.arguments.args.first()?, c.arguments.args.get(1)?);
                    if !self.is_path_expr(s) {
                        return None;
                    }
                    return Some(PathTest::Regex(self.regexes(p, mode, 0)?, mode));
                }
                let s = c.arguments.args.first()?;
                if !self.is_path_expr(s) {
                    return None;
                }
                return Some(PathTest::Regex(self.regexes(&a.value, mode, 0)?, mode));
            }
        }
        // `any(path.startswith(p) for p in PUBLIC)`
        if let Expr::Name(n) = &*c.func
            && n.id.as_str() == "any"
            && let Some(Expr::Generator(g)) = c.arguments.args.first()
            && let [comp] = g.generators.as_slice()
            && let Expr::Name(var) = &comp.target
        {
            let items = self.strings(&comp.iter, 0)?;
            let var = var.id.as_str();
            let uses_var = |e: &Expr| matches!(e, Expr::Name(x) if x.id.as_str() == var);
            return match &*g.elt {
                Expr::Call(inner) => {
                    if let Expr::Attribute(a) = &*inner.func
                        && inner.arguments.args.first().is_some_and(uses_var)
                        && self.is_path_expr(&a.value)
                    {
                        match a.attr.as_str() {
                            "startswith" => Some(PathTest::Prefix(items)),
                            "endswith" => Some(PathTest::Suffix(items)),
                            _ => None,
                        }
                    } else if let Expr::Attribute(a) = &*inner.func
                        && md.slice(a.value.range()) == "re"
                        && inner.arguments.args.first().is_some_and(uses_var)
                        && inner
                            .arguments
                            .args
                            .get(1)
                            .is_some_and(|s| self.is_path_expr(s))
                    {
                        let mode = match a.attr.as_str() {
                            "match" => ReMode::Match,
                            "fullmatch" => ReMode::Full,
                            "search" => ReMode::Search,
                            _ => return None,
                        };
                        let res = items
                            .into_iter()
                            .filter_map(|p| compile(&p, mode).map(|r| (p, r)))
                            .collect::<Vec<_>>();
                        (!res.is_empty()).then_some(PathTest::Regex(res, mode))
                    } else {
                        None
                    }
                }
                Expr::Compare(cmp)
                    if cmp.ops.len() == 1
                        && cmp.ops[0] == CmpOp::In
                        && uses_var(&cmp.left)
                        && self.is_path_expr(&cmp.comparators[0]) =>
                {
                    Some(PathTest::Contains(items))
                }
                Expr::Compare(cmp)
                    if cmp.ops.len() == 1
                        && cmp.ops[0] == CmpOp::Eq
                        && (uses_var(&cmp.left) && self.is_path_expr(&cmp.comparators[0])
                            || uses_var(&cmp.comparators[0]) && self.is_path_expr(&cmp.left)) =>
                {
                    Some(PathTest::Exact(items))
                }
                _ => None,
            };
        }
        // A helper: `if is_public(path)`, `if self._is_exempt(request.url.path)`.
        if depth < 3
            && let Some(pos) = c.arguments.args.iter().position(|a| self.is_path_expr(a))
        {
            let callee = match &*c.func {
                Expr::Attribute(a) if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self") => {
                    self.func
                        .class
                        .and_then(|cl| {
                            crate::index::class_method(cl, a.attr.as_str()).map(|d| (cl, d))
                        })
                        .map(|(cl, def)| Func {
                            mid: self.func.mid,
                            def,
                            class: Some(cl),
                            bound: None,
                        })
                }
                Expr::Name(n) => match self.m.ix.resolve_name(self.func.mid, n.id.as_str(), 0) {
                    Some(crate::index::Sym::Function(fm, def)) => Some(Func {
                        mid: fm,
                        def,
                        class: None,
                        bound: None,
                    }),
                    _ => None,
                },
                _ => None,
            }?;
            // The parameter receiving the path (skipping `self`).
            let params: Vec<&str> = callee
                .def
                .parameters
                .iter()
                .map(|p| p.name().as_str())
                .filter(|n| *n != "self" && *n != "cls")
                .collect();
            let pname = params.get(pos)?.to_string();
            let ret = callee.def.body.iter().find_map(|s| match s {
                Stmt::Return(r) => r.value.as_deref(),
                _ => None,
            })?;
            let mut sub = Reader {
                m: self.m,
                func: callee,
                kwargs: self.kwargs,
                path_vars: vec![pname],
            };
            return sub.parse(ret, depth + 1);
        }
        None
    }

    fn regexes(
        &mut self,
        e: &'p Expr,
        mode: ReMode,
        depth: u32,
    ) -> Option<Vec<(String, regex::Regex)>> {
        if depth > 6 {
            return None;
        }
        // `re.compile("...")` held in a constant.
        let pats = match e {
            Expr::Call(c)
                if self.md().slice(c.func.range()).ends_with("compile")
                    && !c.arguments.args.is_empty() =>
            {
                self.strings(&c.arguments.args[0], 0)?
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                let v = self.value_of(e)?;
                return self.regexes(v, mode, depth + 1);
            }
            e => self.strings(e, 0)?,
        };
        let out: Vec<(String, regex::Regex)> = pats
            .into_iter()
            .filter_map(|p| compile(&p, mode).map(|r| (p, r)))
            .collect();
        (!out.is_empty()).then_some(out)
    }

    /// The expression a name or `self.x` holds: a local assignment, a module constant, a
    /// class attribute, what `__init__` assigns (through its parameter, the keyword given
    /// to `add_middleware`, or the parameter's fallback `param or [...]`).
    fn value_of(&self, e: &'p Expr) -> Option<&'p Expr> {
        match e {
            Expr::Name(n) => {
                let name = n.id.as_str();
                let mut local = None;
                crate::model::for_each_stmt(&self.func.def.body, None, &mut |s, _| {
                    if let Stmt::Assign(a) = s
                        && matches!(a.targets.as_slice(), [Expr::Name(t)] if t.id.as_str() == name)
                    {
                        local.get_or_insert(&*a.value);
                    }
                });
                if local.is_some() {
                    return local;
                }
                // A closure's free variable: a local of the factory that made it
                // (`EXEMPT_PATHS = {...}` in `require_admin_by_default()`).
                if let Some(outer) = self.m.enclosing_fn(self.func.def)
                    && let Some(v) = crate::model::local_assign(outer, name)
                {
                    return Some(v);
                }
                match self.m.ix.resolve_name(self.func.mid, name, 0)? {
                    crate::index::Sym::Value(_, v) => Some(v),
                    _ => None,
                }
            }
            Expr::Attribute(a) if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self") => {
                let c = self.func.class?;
                let attr = a.attr.as_str();
                for s in &c.body {
                    match s {
                        Stmt::Assign(asg)
                            if asg
                                .targets
                                .iter()
                                .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == attr)) =>
                        {
                            return Some(&asg.value);
                        }
                        Stmt::AnnAssign(asg) if matches!(&*asg.target, Expr::Name(n) if n.id.as_str() == attr) =>
                        {
                            return asg.value.as_deref();
                        }
                        _ => {}
                    }
                }
                let init = crate::index::class_method(c, "__init__")?;
                let value = crate::flow::self_attr_value(&init.body, attr)?;
                // `param or [defaults]`, `param if param else [...]`, `param`, and each of
                // them wrapped in `set(...)`, `frozenset(...)`, `tuple(...)`, `list(...)`.
                let value = match value {
                    Expr::Call(c)
                        if matches!(&*c.func, Expr::Name(n) if matches!(n.id.as_str(), "set" | "frozenset" | "tuple" | "list"))
                            && c.arguments.args.len() == 1
                            && c.arguments.keywords.is_empty() =>
                    {
                        &c.arguments.args[0]
                    }
                    v => v,
                };
                let (param, fallback) = match value {
                    Expr::BoolOp(b) if b.op == BoolOp::Or && b.values.len() == 2 => {
                        (&b.values[0], Some(&b.values[1]))
                    }
                    Expr::If(i) => (&*i.test, Some(&*i.orelse)),
                    v => (v, None),
                };
                if let Expr::Name(p) = param
                    && init
                        .parameters
                        .iter()
                        .any(|x| x.name().as_str() == p.id.as_str())
                {
                    if let Some((_, given)) = self.kwargs.iter().find(|(k, _)| k == p.id.as_str()) {
                        return Some(given);
                    }
                    let default = init
                        .parameters
                        .iter_non_variadic_params()
                        .find(|x| x.parameter.name.as_str() == p.id.as_str())
                        .and_then(|x| x.default.as_deref())
                        .filter(|d| !matches!(d, Expr::NoneLiteral(_)));
                    return fallback.or(default);
                }
                Some(value)
            }
            _ => None,
        }
    }

    /// The strings an expression holds: a literal, a tuple/list/set of them, a name or
    /// attribute holding one, `set(...)`/`frozenset(...)`/`tuple(...)`, `a + b`.
    fn strings(&self, e: &'p Expr, depth: u32) -> Option<Vec<String>> {
        if depth > 6 {
            return None;
        }
        match e {
            Expr::StringLiteral(_) => Some(vec![str_lit(e)?]),
            Expr::Tuple(t) => self.all_strings(&t.elts, depth),
            Expr::List(t) => self.all_strings(&t.elts, depth),
            Expr::Set(t) => self.all_strings(&t.elts, depth),
            Expr::Call(c)
                if matches!(&*c.func, Expr::Name(n) if matches!(n.id.as_str(), "set" | "frozenset" | "tuple" | "list"))
                    && c.arguments.args.len() == 1 =>
            {
                self.strings(&c.arguments.args[0], depth + 1)
            }
            Expr::BinOp(b) if b.op == ruff_python_ast::Operator::Add => {
                let mut l = self.strings(&b.left, depth + 1)?;
                l.extend(self.strings(&b.right, depth + 1)?);
                Some(l)
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                if let Some(v) = self.value_of(e) {
                    return self.strings(v, depth + 1);
                }
                // A settings field with a literal default.
                let mut ev = crate::defaults::Eval::new(self.m, self.func.mid, Some(self.func));
                match ev.eval(e, 0)? {
                    crate::defaults::Val::List(items) => items
                        .into_iter()
                        .map(|v| match v {
                            crate::defaults::Val::Str(s) => Some(s),
                            _ => None,
                        })
                        .collect(),
                    crate::defaults::Val::Str(s) => Some(vec![s]),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The strings of a collection's elements. An element read from configuration at run
    /// time (`{HEALTH_PATH, "/token"}` with `HEALTH_PATH = config[...]`) is left out: the
    /// literal paths beside it are still exempt.
    fn all_strings(&self, elts: &'p [Expr], depth: u32) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for x in elts {
            out.extend(self.strings(x, depth + 1).unwrap_or_default());
        }
        (!out.is_empty()).then_some(out)
    }
}

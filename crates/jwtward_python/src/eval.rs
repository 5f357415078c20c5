//! Constant propagation: what an expression evaluates to, when that is knowable statically.

use crate::index::{Binding, ClassRef};
use crate::project::{Module, ModuleId, Project};
use crate::walk;
use ruff_python_ast::{BoolOp, Expr, ExprCall, Number, Operator, Stmt, StmtFunctionDef, UnaryOp};
use ruff_text_size::{Ranged, TextRange, TextSize};

/// Where a constant was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub module: ModuleId,
    pub range: TextRange,
}

/// A statically known value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Const>),
    Tuple(Vec<Const>),
    Dict(Vec<(Const, Const)>),
    /// A `datetime.timedelta`, in seconds.
    Duration(f64),
    /// Read from the environment (`os.getenv`, `os.environ`, settings classes, `Config(...)`):
    /// the variable and the fallback written in the source, if any.
    Env {
        var: String,
        default: Option<Box<Const>>,
    },
    /// Output of a generator that is not a source of secret keys (`random.choices(...)`,
    /// `uuid.uuid1()`, `time.time()`, a short `secrets.token_hex(4)`): what produced it and
    /// the size of the search space an attacker has to try, as a power of ten (`None` when the
    /// output is predictable from other outputs rather than small, e.g. the `random` module's
    /// Mersenne Twister).
    Generated {
        source: String,
        log10_candidates: Option<f64>,
    },
    /// The text of a file of the repository read at run time (`open("keys/private.pem").read()`,
    /// `Path("jwt.key").read_text()`): the display path and the contents.
    FileText {
        path: String,
        text: String,
    },
    /// An instance of the class with this qualified name (`Settings()`, `jwt.PyJWT(...)`).
    Instance {
        class: String,
        /// The constructor call, for instances created in the project.
        call: Option<Origin>,
    },
    Unknown,
}

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    pub value: Value,
    pub origin: Option<Origin>,
}

impl Const {
    pub fn unknown() -> Const {
        Const {
            value: Value::Unknown,
            origin: None,
        }
    }

    pub fn new(value: Value, module: &Module, range: TextRange) -> Const {
        Const {
            value,
            origin: Some(Origin {
                module: module.id,
                range,
            }),
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python truthiness, when known.
    pub fn truthy(&self) -> Option<bool> {
        Some(match &self.value {
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::None => false,
            Value::List(v) | Value::Tuple(v) => !v.is_empty(),
            Value::Dict(v) => !v.is_empty(),
            Value::Duration(d) => *d != 0.0,
            _ => return None,
        })
    }

    /// The entry `key` of a dict value.
    pub fn dict_get(&self, key: &str) -> Option<&Const> {
        match &self.value {
            Value::Dict(items) => items
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The elements of a list or tuple (a single string counts as a one-element list).
    pub fn elements(&self) -> Option<Vec<&Const>> {
        match &self.value {
            Value::List(v) | Value::Tuple(v) => Some(v.iter().collect()),
            Value::Str(_) => Some(vec![self]),
            _ => None,
        }
    }

    /// Number of seconds of a duration or a plain number.
    pub fn seconds(&self) -> Option<f64> {
        match &self.value {
            Value::Duration(d) => Some(*d),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            // A setting's default (`TOKEN_MINUTES: int = 60 * 24 * 8`): what ships.
            Value::Env {
                default: Some(d), ..
            } => d.seconds(),
            _ => None,
        }
    }

    /// The value itself, or the default of an environment/settings value (what ships when the
    /// variable is not set), with where it was written.
    pub fn or_default(&self) -> &Const {
        match &self.value {
            Value::Env {
                default: Some(d), ..
            } => d.or_default(),
            _ => self,
        }
    }

    /// The string or bytes content, the environment fallback included.
    pub fn secret_bytes(&self) -> Option<(Vec<u8>, Option<&str>, Origin)> {
        match &self.value {
            Value::Str(s) => Some((s.as_bytes().to_vec(), None, self.origin?)),
            Value::Bytes(b) => Some((b.clone(), None, self.origin?)),
            Value::FileText { text, .. } => Some((text.as_bytes().to_vec(), None, self.origin?)),
            Value::Env {
                var,
                default: Some(d),
            } => {
                let (b, _, o) = d.secret_bytes()?;
                Some((b, Some(var.as_str()), o))
            }
            _ => None,
        }
    }
}

/// Where an expression is evaluated: a module, optionally inside a function, with values
/// bound to that function's parameters (by a call site).
#[derive(Clone, Debug)]
pub struct Scope<'p> {
    pub module: &'p Module,
    pub function: Option<&'p StmtFunctionDef>,
    /// Parameter values given by a caller.
    pub bindings: Vec<(String, Const)>,
}

impl<'p> Scope<'p> {
    pub fn module(module: &'p Module) -> Scope<'p> {
        Scope {
            module,
            function: None,
            bindings: Vec::new(),
        }
    }

    pub fn function(module: &'p Module, def: &'p StmtFunctionDef) -> Scope<'p> {
        Scope {
            module,
            function: Some(def),
            bindings: Vec::new(),
        }
    }

    pub fn with_bindings(mut self, bindings: Vec<(String, Const)>) -> Scope<'p> {
        self.bindings = bindings;
        self
    }
}

const MAX_DEPTH: u32 = 24;

fn is_env_getter(q: &str) -> bool {
    matches!(
        q,
        "os.getenv"
            | "os.environ.get"
            | "os.environ.setdefault"
            | "os.getenvb"
            | "decouple.config"
            | "environ.get"
    )
}

/// The right-hand sides assigned to `name` in a function body (not in nested functions).
pub(crate) fn local_assignments<'a>(body: &'a [Stmt], name: &str) -> Vec<(&'a Expr, TextRange)> {
    let mut out = Vec::new();
    walk::for_each_stmt_shallow(body, &mut |s| match s {
        Stmt::Assign(a) => {
            for t in &a.targets {
                if let Expr::Name(n) = t
                    && n.id.as_str() == name
                {
                    out.push((&*a.value, s.range()));
                }
            }
        }
        Stmt::AnnAssign(a) => {
            if let (Expr::Name(n), Some(v)) = (&*a.target, &a.value)
                && n.id.as_str() == name
            {
                out.push((&**v, s.range()));
            }
        }
        _ => {}
    });
    out
}

impl Project {
    /// Evaluates `expr` in `scope`; [`Value::Unknown`] when it is not statically known.
    pub fn eval(&self, scope: &Scope<'_>, expr: &Expr) -> Const {
        self.eval_at(scope, expr, 0)
    }

    /// The value of the module-level (or class-level) name `qname`.
    pub fn eval_qname(&self, qname: &str) -> Const {
        self.eval_qname_at(qname, 0)
    }

    fn eval_qname_at(&self, qname: &str, depth: u32) -> Const {
        if depth > MAX_DEPTH {
            return Const::unknown();
        }
        match self.lookup(qname) {
            Some(Binding::Assign {
                module,
                class,
                value,
                qualname,
                annotation,
                ..
            }) => {
                let scope = Scope::module(module);
                let mut v = match value {
                    Some(v) => self.eval_field_default(&scope, v, depth + 1),
                    None => Const::unknown(),
                };
                // `settings: Settings = load_settings()`: a module-level name annotated with a
                // settings class of the project, whose value cannot be followed, is an
                // instance of that class (its fields' defaults are what ships).
                if class.is_none()
                    && v.is_unknown()
                    && let (Some(a), Some(e)) = (annotation, value)
                    && let Some(cq) = self.qualified_name(module, a)
                    && let Some(c) = self.class(&cq)
                    && self.is_settings_class(&c)
                {
                    v = Const {
                        value: Value::Instance {
                            class: c.qualname.clone(),
                            call: None,
                        },
                        origin: Some(Origin {
                            module: module.id,
                            range: e.range(),
                        }),
                    };
                }
                if let Some(cls) = class {
                    let cq = crate::names::join(&module.name, &cls);
                    if let Some(c) = self.class(&cq)
                        && self.is_settings_class(&c)
                    {
                        let var = qualname.rsplit('.').next().unwrap_or_default().to_string();
                        let default = if value.is_some() {
                            Some(Box::new(v))
                        } else {
                            None
                        };
                        return Const {
                            value: Value::Env { var, default },
                            origin: None,
                        };
                    }
                }
                v
            }
            _ => Const::unknown(),
        }
    }

    /// A class attribute value, `Field(default)` / `Field(default=...)` unwrapped.
    fn eval_field_default(&self, scope: &Scope<'_>, value: &Expr, depth: u32) -> Const {
        if let Expr::Call(c) = value
            && let Some(q) = self.qualified_name(scope.module, &c.func)
            && (q.ends_with(".Field") || q == "Field")
        {
            if let Some(k) = c
                .arguments
                .keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "default"))
            {
                return self.eval_at(scope, &k.value, depth);
            }
            if let Some(a) = c.arguments.args.first()
                && !matches!(a, Expr::EllipsisLiteral(_))
            {
                return self.eval_at(scope, a, depth);
            }
            return Const::unknown();
        }
        self.eval_at(scope, value, depth)
    }

    /// True for pydantic-settings style classes (a base named `BaseSettings`), whose fields
    /// are read from the environment with the class default as fallback.
    pub fn is_settings_class(&self, class: &ClassRef<'_>) -> bool {
        let mut todo = vec![class.clone()];
        let mut n = 0;
        while let Some(c) = todo.pop() {
            n += 1;
            if n > 16 {
                break;
            }
            for b in self.class_bases(&c) {
                if b.ends_with("BaseSettings") {
                    return true;
                }
                if let Some(bc) = self.class(&b) {
                    todo.push(bc);
                }
            }
        }
        false
    }

    fn eval_at(&self, scope: &Scope<'_>, expr: &Expr, depth: u32) -> Const {
        if depth > MAX_DEPTH {
            return Const::unknown();
        }
        let m = scope.module;
        let r = expr.range();
        let d = depth + 1;
        match expr {
            Expr::StringLiteral(s) => Const::new(Value::Str(s.value.to_str().to_string()), m, r),
            Expr::BytesLiteral(b) => Const::new(Value::Bytes(b.value.bytes().collect()), m, r),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => match i.as_i64() {
                    Some(v) => Const::new(Value::Int(v), m, r),
                    None => Const::unknown(),
                },
                Number::Float(f) => Const::new(Value::Float(*f), m, r),
                Number::Complex { .. } => Const::unknown(),
            },
            Expr::BooleanLiteral(b) => Const::new(Value::Bool(b.value), m, r),
            Expr::NoneLiteral(_) => Const::new(Value::None, m, r),
            Expr::List(l) => Const::new(
                Value::List(l.elts.iter().map(|e| self.eval_at(scope, e, d)).collect()),
                m,
                r,
            ),
            Expr::Tuple(t) => Const::new(
                Value::Tuple(t.elts.iter().map(|e| self.eval_at(scope, e, d)).collect()),
                m,
                r,
            ),
            Expr::Set(s) => Const::new(
                Value::List(s.elts.iter().map(|e| self.eval_at(scope, e, d)).collect()),
                m,
                r,
            ),
            Expr::Dict(dict) => {
                let mut items = Vec::new();
                for item in &dict.items {
                    match &item.key {
                        Some(k) => items.push((
                            self.eval_at(scope, k, d),
                            self.eval_at(scope, &item.value, d),
                        )),
                        None => {
                            // `**other`: splice a known dict.
                            if let Value::Dict(inner) = self.eval_at(scope, &item.value, d).value {
                                items.extend(inner);
                            }
                        }
                    }
                }
                Const::new(Value::Dict(items), m, r)
            }
            Expr::FString(f) => {
                let text = fstring_text(f, |e| match self.eval_at(scope, e, d).value {
                    Value::Str(v) => Some(v),
                    Value::Int(v) => Some(v.to_string()),
                    _ => None,
                });
                match text {
                    Some(s) => Const::new(Value::Str(s), m, r),
                    None => Const::unknown(),
                }
            }
            Expr::Name(n) => self.eval_name(scope, n.id.as_str(), r.start(), d),
            Expr::Attribute(a) => {
                if let Some(q) = self.qualified_name(m, expr) {
                    if let Some(text) = string_constant(&q) {
                        return Const::new(Value::Str(text.to_string()), m, r);
                    }
                    let v = self.eval_qname_at(&q, d);
                    if !v.is_unknown() {
                        return v;
                    }
                }
                if let Expr::Name(n) = &*a.value
                    && n.id.as_str() == "self"
                    && let Some(v) = self.self_attribute(scope, a.attr.as_str(), d)
                {
                    return v;
                }
                let base = self.eval_at(scope, &a.value, d);
                match &base.value {
                    // `uuid.uuid1().hex`: the same guessable value, spelled differently.
                    Value::Generated { .. } => base,
                    Value::Instance { class, .. } => {
                        if let Some(c) = self.class(class)
                            && let Some(Binding::Assign { qualname, .. }) =
                                self.class_attribute(&c, a.attr.as_str())
                        {
                            return self.eval_qname_at(&qualname, d);
                        }
                        Const::unknown()
                    }
                    _ => Const::unknown(),
                }
            }
            Expr::Call(call) => self.eval_call(scope, call, d),
            Expr::BinOp(b) => {
                let l = self.eval_at(scope, &b.left, d);
                let rv = self.eval_at(scope, &b.right, d);
                // A setting in arithmetic (`settings.TOKEN_HOURS * 3600`): computed on its
                // default, still read from the environment, reported where the default is.
                let env = [&l, &rv].into_iter().find_map(|c| match &c.value {
                    Value::Env {
                        var,
                        default: Some(def),
                    } => Some((var.clone(), def.or_default().origin)),
                    _ => None,
                });
                if let Some((var, at)) = env {
                    let (lv, rvv) = (&l.or_default().value, &rv.or_default().value);
                    return match binop(lv, b.op, rvv) {
                        Some(v) => Const {
                            value: Value::Env {
                                var,
                                default: Some(Box::new(Const {
                                    value: v,
                                    origin: at.or(Some(Origin {
                                        module: m.id,
                                        range: r,
                                    })),
                                })),
                            },
                            origin: Some(Origin {
                                module: m.id,
                                range: r,
                            }),
                        },
                        None => Const::unknown(),
                    };
                }
                match binop(&l.value, b.op, &rv.value) {
                    Some(v) => Const::new(v, m, r),
                    None => Const::unknown(),
                }
            }
            Expr::UnaryOp(u) => {
                let v = self.eval_at(scope, &u.operand, d);
                let out = match (u.op, &v.value) {
                    (UnaryOp::USub, Value::Int(i)) => Value::Int(-i),
                    (UnaryOp::USub, Value::Float(f)) => Value::Float(-f),
                    (UnaryOp::Not, _) => match v.truthy() {
                        Some(t) => Value::Bool(!t),
                        None => Value::Unknown,
                    },
                    _ => Value::Unknown,
                };
                Const::new(out, m, r)
            }
            // `a or b or c` is `a or (b or c)`.
            Expr::BoolOp(b) if b.op == BoolOp::Or && b.values.len() >= 2 => {
                let mut acc = self.eval_at(scope, &b.values[b.values.len() - 1], d);
                for v in b.values[..b.values.len() - 1].iter().rev() {
                    let l = self.eval_at(scope, v, d);
                    acc = match (&l.value, l.truthy()) {
                        (Value::Env { var, default: None }, _) => Const {
                            value: Value::Env {
                                var: var.clone(),
                                default: Some(Box::new(acc)),
                            },
                            origin: l.origin,
                        },
                        (_, Some(true)) => l,
                        (_, Some(false)) => acc,
                        _ => Const::unknown(),
                    };
                }
                acc
            }
            Expr::Subscript(s) => {
                if let Some(q) = self.qualified_name(m, &s.value)
                    && q == "os.environ"
                {
                    if let Some(var) = self.eval_at(scope, &s.slice, d).as_str() {
                        return Const::new(
                            Value::Env {
                                var: var.to_string(),
                                default: None,
                            },
                            m,
                            r,
                        );
                    }
                    return Const::unknown();
                }
                let base = self.eval_at(scope, &s.value, d);
                let key = self.eval_at(scope, &s.slice, d);
                // `CONFIGS[os.getenv("ENV", "local")]`: the entry chosen when the variable is
                // not set, which is what ships.
                let key = key.or_default();
                match (&base.value, &key.value) {
                    (Value::Dict(_), Value::Str(k)) => {
                        base.dict_get(k).cloned().unwrap_or_else(Const::unknown)
                    }
                    (Value::List(v) | Value::Tuple(v), Value::Int(i)) => {
                        let idx = if *i < 0 { v.len() as i64 + i } else { *i };
                        usize::try_from(idx)
                            .ok()
                            .and_then(|i| v.get(i).cloned())
                            .unwrap_or_else(Const::unknown)
                    }
                    _ => Const::unknown(),
                }
            }
            // `(random.choice(chars) for _ in range(8))`: eight draws.
            Expr::Generator(ruff_python_ast::ExprGenerator {
                elt, generators, ..
            })
            | Expr::ListComp(ruff_python_ast::ExprListComp {
                elt, generators, ..
            }) => {
                let el = self.eval_at(scope, elt, d);
                let Value::Generated {
                    source,
                    log10_candidates,
                } = el.value
                else {
                    return Const::unknown();
                };
                let draws = match generators.as_slice() {
                    [g] => match &g.iter {
                        Expr::Call(c)
                            if self.qualified_name(m, &c.func).as_deref() == Some("range")
                                && c.arguments.args.len() == 1 =>
                        {
                            match self.eval_at(scope, &c.arguments.args[0], d).value {
                                Value::Int(n) => Some(n.max(0) as f64),
                                _ => None,
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                };
                Const::new(
                    Value::Generated {
                        source: format!("{source} per character"),
                        log10_candidates: log10_candidates.zip(draws).map(|(a, n)| a * n),
                    },
                    m,
                    r,
                )
            }
            _ => Const::unknown(),
        }
    }

    fn eval_name(&self, scope: &Scope<'_>, name: &str, at: TextSize, d: u32) -> Const {
        if let Some((_, v)) = scope.bindings.iter().find(|(n, _)| n == name) {
            return v.clone();
        }
        if let Some(f) = scope.function {
            let assigns = local_assignments(&f.body, name);
            // `x = x or default`: inside its own assignment the name is the earlier value
            // (the parameter when nothing was assigned before).
            let inside_own = assigns.iter().any(|(_, r)| r.contains(at));
            let chosen = assigns
                .iter()
                .rev()
                .find(|(_, r)| r.end() <= at)
                .or(if inside_own { None } else { assigns.last() });
            if let Some((value, assigned)) = chosen {
                let v = self.eval_at(scope, value, d);
                return self.apply_mutations(scope, f, name, v, *assigned, at, d);
            }
            let params = &f.parameters;
            let param = params
                .posonlyargs
                .iter()
                .chain(&params.args)
                .chain(&params.kwonlyargs)
                .find(|p| p.parameter.name.as_str() == name);
            if let Some(p) = param {
                return match p.default.as_deref() {
                    // `api_config=Depends(get_api_config)`: FastAPI injects the value; the
                    // default is a marker, not what the parameter holds.
                    Some(Expr::Call(c))
                        if self.qualified_name(scope.module, &c.func).is_some_and(|q| {
                            q.starts_with("fastapi.") || q.starts_with("starlette.")
                        }) =>
                    {
                        Const::unknown()
                    }
                    Some(def) => self.eval_at(&Scope::module(scope.module), def, d),
                    None => Const::unknown(),
                };
            }
        }
        let m = scope.module;
        if let Some(e) = m.index().defs.get(name) {
            if e.kind == crate::index::DefKind::Assign {
                return self.eval_qname_at(&crate::names::join(&m.name, name), d);
            }
            return Const::unknown();
        }
        if let Some(q) = m.imports().get(name) {
            return self.eval_qname_at(q, d);
        }
        Const::unknown()
    }

    fn eval_call(&self, scope: &Scope<'_>, call: &ExprCall, d: u32) -> Const {
        let m = scope.module;
        let r = call.range();
        let args = &call.arguments;
        let kw = |name: &str| {
            args.keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        };
        // Methods on known values: "x".encode(), secret.get_secret_value().
        if let Expr::Attribute(a) = &*call.func {
            match a.attr.as_str() {
                // `DEFAULTS.copy()`: the same dict or list.
                "copy" if args.args.is_empty() && args.keywords.is_empty() => {
                    let base = self.eval_at(scope, &a.value, d);
                    if matches!(base.value, Value::Dict(_) | Value::List(_)) {
                        return base;
                    }
                }
                "encode" => {
                    let base = self.eval_at(scope, &a.value, d);
                    return match base.value {
                        Value::Str(s) => Const {
                            value: Value::Bytes(s.into_bytes()),
                            origin: base.origin,
                        },
                        _ => Const::unknown(),
                    };
                }
                "get_secret_value" | "strip" => return self.eval_at(scope, &a.value, d),
                // `open(P).read()`, `Path(P).read_text()`, `f.read()` of `with open(P) as f`.
                "read" | "read_text" | "read_bytes" => {
                    if let Some(v) = self.file_read(scope, &a.value, d) {
                        return v;
                    }
                    return Const::unknown();
                }
                "hex" | "hexdigest" | "upper" | "lower" | "decode" => {
                    let base = self.eval_at(scope, &a.value, d);
                    if matches!(base.value, Value::Generated { .. }) {
                        return base;
                    }
                }
                // `config.get("jwt_secret_key", "super-secret")` on a mapping read at run time
                // (a config file, a dict of options): the fallback ships like an env default.
                "get" if args.args.len() == 2 && args.keywords.is_empty() => {
                    let base = self.eval_at(scope, &a.value, d);
                    let key = self.eval_at(scope, &args.args[0], d);
                    if let (Value::Unknown, Some(var)) = (&base.value, key.as_str()) {
                        let default = self.eval_at(scope, &args.args[1], d);
                        if default.as_str().is_some() || matches!(default.value, Value::Bytes(_)) {
                            return Const::new(
                                Value::Env {
                                    var: var.to_string(),
                                    default: Some(Box::new(default)),
                                },
                                m,
                                r,
                            );
                        }
                    }
                    if let Value::Dict(_) = base.value
                        && let Some(k) = key.as_str()
                    {
                        return match base.dict_get(k) {
                            Some(v) => v.clone(),
                            None => self.eval_at(scope, &args.args[1], d),
                        };
                    }
                }
                // `"".join(random.choices(...))`: the generated characters, joined.
                "join" => {
                    let base = self.eval_at(scope, &a.value, d);
                    if let (Value::Str(_), Some(x)) = (&base.value, args.args.first()) {
                        let v = self.eval_at(scope, x, d);
                        if matches!(v.value, Value::Generated { .. }) {
                            return v;
                        }
                    }
                    return Const::unknown();
                }
                _ => {}
            }
        }
        let callee = self.qualified_name(m, &call.func);
        if let Some(q) = callee.as_deref() {
            let last = q.rsplit('.').next().unwrap_or(q);
            if is_env_getter(q) {
                let var = args
                    .args
                    .first()
                    .or(kw("key"))
                    .map(|e| self.eval_at(scope, e, d));
                let Some(var) = var.and_then(|v| v.as_str().map(str::to_string)) else {
                    return Const::unknown();
                };
                let default = args
                    .args
                    .get(1)
                    .or(kw("default"))
                    .map(|e| Box::new(self.eval_at(scope, e, d)));
                return Const::new(Value::Env { var, default }, m, r);
            }
            if let Some(g) = self.generated(scope, q, call, d) {
                return Const::new(g, m, r);
            }
            match q {
                "int" | "float" | "str" | "bool" => {
                    let Some(a) = args.args.first() else {
                        return Const::unknown();
                    };
                    let v = self.eval_at(scope, a, d);
                    return convert(q, v);
                }
                "datetime.timedelta" => {
                    const UNITS: [(&str, f64); 7] = [
                        ("days", 86400.0),
                        ("seconds", 1.0),
                        ("microseconds", 1e-6),
                        ("milliseconds", 1e-3),
                        ("minutes", 60.0),
                        ("hours", 3600.0),
                        ("weeks", 604800.0),
                    ];
                    let mut total = 0.0;
                    // Where a setting's default gave the amount: the finding's place.
                    let mut setting: Option<Origin> = None;
                    let mut note = |c: &Const| {
                        if matches!(c.value, Value::Env { .. }) {
                            setting = setting.or(c.or_default().origin);
                        }
                    };
                    for (i, a) in args.args.iter().enumerate() {
                        let c = self.eval_at(scope, a, d);
                        let Some(s) = c.seconds() else {
                            return Const::unknown();
                        };
                        note(&c);
                        total += s * UNITS.get(i).map_or(0.0, |u| u.1);
                    }
                    for k in &args.keywords {
                        let Some(name) = &k.arg else {
                            return Const::unknown();
                        };
                        let Some((_, mul)) = UNITS.iter().find(|u| u.0 == name.as_str()) else {
                            return Const::unknown();
                        };
                        let c = self.eval_at(scope, &k.value, d);
                        let Some(s) = c.seconds() else {
                            return Const::unknown();
                        };
                        note(&c);
                        total += s * mul;
                    }
                    let mut out = Const::new(Value::Duration(total), m, r);
                    if setting.is_some() {
                        out.origin = setting;
                    }
                    return out;
                }
                "dict" if args.args.len() <= 1 => {
                    // `dict(DEFAULTS, verify_exp=False)`, `dict(**DEFAULTS, leeway=10)`: the
                    // positional mapping, then the keywords in order.
                    let mut items = Vec::new();
                    if let Some(a) = args.args.first() {
                        match self.eval_at(scope, a, d).value {
                            Value::Dict(inner) => items.extend(inner),
                            _ => return Const::unknown(),
                        }
                    }
                    for k in &args.keywords {
                        match &k.arg {
                            Some(key) => items.push((
                                Const::new(Value::Str(key.as_str().to_string()), m, k.range),
                                self.eval_at(scope, &k.value, d),
                            )),
                            None => match self.eval_at(scope, &k.value, d).value {
                                Value::Dict(inner) => items.extend(inner),
                                _ => return Const::unknown(),
                            },
                        }
                    }
                    return Const::new(Value::Dict(items), m, r);
                }
                _ => {}
            }
            if matches!(last, "Secret" | "SecretStr" | "SecretBytes")
                && let Some(a) = args.args.first()
            {
                return self.eval_at(scope, a, d);
            }
            match self.lookup(q) {
                Some(Binding::Function(f)) => {
                    // A function that only returns an expression (`get_settings()`).
                    let body: Vec<&Stmt> = f
                        .def
                        .body
                        .iter()
                        .filter(|s| {
                            !matches!(s, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)))
                        })
                        .collect();
                    // A factory that builds a value and returns it last, with no other
                    // return (`s = Settings(_env_file=...); ...; return s`).
                    let mut returns = 0usize;
                    walk::for_each_stmt_shallow(&f.def.body, &mut |s| {
                        if matches!(s, Stmt::Return(_)) {
                            returns += 1;
                        }
                    });
                    let single = match body.as_slice() {
                        [Stmt::Return(ret)] => Some(ret),
                        [.., Stmt::Return(ret)] if returns == 1 => Some(ret),
                        _ => None,
                    };
                    if let Some(ret) = single
                        && let Some(v) = &ret.value
                    {
                        let mut bindings = Vec::new();
                        for p in f.params() {
                            if let Some(a) = f.argument_for(call, p.name) {
                                bindings.push((p.name.to_string(), self.eval_at(scope, a, d)));
                            }
                        }
                        let inner = Scope::function(f.module, f.def).with_bindings(bindings);
                        return self.eval_at(&inner, v, d);
                    }
                    return Const::unknown();
                }
                Some(Binding::Class(c)) => {
                    return Const::new(
                        Value::Instance {
                            class: c.qualname,
                            call: Some(Origin {
                                module: m.id,
                                range: r,
                            }),
                        },
                        m,
                        r,
                    );
                }
                _ => {}
            }
            if last.starts_with(|c: char| c.is_ascii_uppercase()) && q.contains('.') {
                return Const::new(
                    Value::Instance {
                        class: q.to_string(),
                        call: Some(Origin {
                            module: m.id,
                            range: r,
                        }),
                    },
                    m,
                    r,
                );
            }
        }
        // Calling an instance: starlette's `config("X", default=...)`.
        let target = self.eval_at(scope, &call.func, d);
        if let Value::Instance { class, .. } = &target.value
            && (class == "starlette.config.Config" || class.ends_with(".AutoConfig"))
        {
            let var = args.args.first().map(|e| self.eval_at(scope, e, d));
            if let Some(var) = var.and_then(|v| v.as_str().map(str::to_string)) {
                let default = kw("default").map(|e| Box::new(self.eval_at(scope, e, d)));
                return Const::new(Value::Env { var, default }, m, r);
            }
        }
        Const::unknown()
    }
}

impl Project {
    /// A local dict after the statements between its assignment and `at` that change it:
    /// `opts.update({...})` / `opts.update(k=v)` and `opts["k"] = v` (in any branch: a
    /// change on one path is a value the dict can have).
    #[allow(clippy::too_many_arguments)]
    fn apply_mutations(
        &self,
        scope: &Scope<'_>,
        f: &StmtFunctionDef,
        name: &str,
        v: Const,
        assigned: TextRange,
        at: TextSize,
        d: u32,
    ) -> Const {
        let Value::Dict(mut items) = v.value else {
            return v;
        };
        let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == name);
        walk::for_each_stmt_shallow(&f.body, &mut |s| {
            if s.start() < assigned.end() || s.end() > at {
                return;
            }
            match s {
                Stmt::Expr(e) => {
                    if let Expr::Call(c) = &*e.value
                        && let Expr::Attribute(a) = &*c.func
                        && a.attr.as_str() == "update"
                        && is_name(&a.value)
                    {
                        for arg in &c.arguments.args {
                            if let Value::Dict(more) = self.eval_at(scope, arg, d + 1).value {
                                items.extend(more);
                            }
                        }
                        for k in &c.arguments.keywords {
                            if let Some(key) = &k.arg {
                                items.push((
                                    Const::new(
                                        Value::Str(key.as_str().to_string()),
                                        scope.module,
                                        k.range,
                                    ),
                                    self.eval_at(scope, &k.value, d + 1),
                                ));
                            }
                        }
                    }
                }
                Stmt::Assign(a) => {
                    for t in &a.targets {
                        if let Expr::Subscript(sub) = t
                            && is_name(&sub.value)
                        {
                            items.push((
                                self.eval_at(scope, &sub.slice, d + 1),
                                self.eval_at(scope, &a.value, d + 1),
                            ));
                        }
                    }
                }
                _ => {}
            }
        });
        Const {
            value: Value::Dict(items),
            origin: v.origin,
        }
    }

    /// `self.attr` inside a method: the one `self.attr = value` of the class's methods
    /// (`self.jwt_secret = settings.jwt_secret` in `__init__`), evaluated in that method;
    /// `None` when the class assigns it in no method or in several places.
    fn self_attribute(&self, scope: &Scope<'_>, attr: &str, d: u32) -> Option<Const> {
        let f = scope.function?;
        let first = f
            .parameters
            .posonlyargs
            .iter()
            .chain(&f.parameters.args)
            .next()?;
        if first.parameter.name.as_str() != "self" {
            return None;
        }
        let m = scope.module;
        let mut class = None;
        walk::for_each_stmt(&m.ast().body, &mut |s| {
            if let Stmt::ClassDef(c) = s
                && c.body
                    .iter()
                    .any(|b| matches!(b, Stmt::FunctionDef(x) if std::ptr::eq(x, f)))
            {
                class = Some(c);
            }
        });
        let class = class?;
        let mut found: Vec<(&StmtFunctionDef, &Expr)> = Vec::new();
        for b in &class.body {
            let Stmt::FunctionDef(method) = b else {
                continue;
            };
            walk::for_each_stmt_shallow(&method.body, &mut |s| {
                let (targets, value): (Vec<&Expr>, &Expr) = match s {
                    Stmt::Assign(a) => (a.targets.iter().collect(), &a.value),
                    Stmt::AnnAssign(a) => match &a.value {
                        Some(v) => (vec![&*a.target], v),
                        None => return,
                    },
                    _ => return,
                };
                for t in targets {
                    if let Expr::Attribute(ta) = t
                        && ta.attr.as_str() == attr
                        && matches!(&*ta.value, Expr::Name(n) if n.id.as_str() == "self")
                    {
                        found.push((method, value));
                    }
                }
            });
        }
        match found.as_slice() {
            [(method, value)] => {
                let v = self.eval_at(&Scope::function(m, method), value, d + 1);
                (!v.is_unknown()).then_some(v)
            }
            _ => None,
        }
    }

    /// The file `opener` opens (`open(P)`, `Path(P)`, a `with open(P) as f` name), when it
    /// is a small file that exists in the tree (next to the module, or under a scanned root).
    fn file_read(&self, scope: &Scope<'_>, opener: &Expr, d: u32) -> Option<Const> {
        let m = scope.module;
        let call = match opener {
            Expr::Call(c) => c,
            Expr::Name(n) => {
                let body: &[Stmt] = match scope.function {
                    Some(f) => &f.body,
                    None => &m.ast().body,
                };
                let mut found = None;
                walk::for_each_stmt_shallow(body, &mut |s| {
                    if let Stmt::With(w) = s {
                        for it in &w.items {
                            if let (Some(Expr::Name(v)), Expr::Call(c)) =
                                (it.optional_vars.as_deref(), &it.context_expr)
                                && v.id.as_str() == n.id.as_str()
                            {
                                found = Some(c);
                            }
                        }
                    }
                });
                found?
            }
            _ => return None,
        };
        let q = self.qualified_name(m, &call.func)?;
        if !matches!(q.as_str(), "open" | "io.open" | "pathlib.Path" | "Path") {
            return None;
        }
        let rel = self.eval_at(scope, call.arguments.args.first()?, d);
        let rel = rel.as_str()?;
        let rel_path = std::path::Path::new(rel);
        if rel_path.is_absolute() || rel.is_empty() {
            return None;
        }
        let mut bases: Vec<std::path::PathBuf> = Vec::new();
        if let Some(dir) = m.path.parent() {
            let mut cur = Some(dir);
            while let Some(c) = cur {
                bases.push(c.to_path_buf());
                if self.roots.iter().any(|r| r == c) {
                    break;
                }
                cur = c.parent();
                if bases.len() > 8 {
                    break;
                }
            }
        }
        bases.extend(self.roots.iter().cloned());
        for b in bases {
            let p = b.join(rel_path);
            let Ok(meta) = std::fs::metadata(&p) else {
                continue;
            };
            if !meta.is_file() || meta.len() > 64 * 1024 {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            return Some(Const::new(
                Value::FileText {
                    path: p.display().to_string(),
                    text,
                },
                m,
                call.range(),
            ));
        }
        None
    }
}

/// The text of a `string` module constant (`string.digits`).
fn string_constant(q: &str) -> Option<&'static str> {
    Some(match q {
        "string.digits" => "0123456789",
        "string.octdigits" => "01234567",
        "string.hexdigits" => "0123456789abcdefABCDEF",
        "string.ascii_lowercase" => "abcdefghijklmnopqrstuvwxyz",
        "string.ascii_uppercase" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "string.ascii_letters" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "string.punctuation" => "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        "string.printable" => {
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c"
        }
        _ => return None,
    })
}

/// Distinct characters of a string, at least one.
fn alphabet(s: &str) -> f64 {
    let mut v: Vec<char> = s.chars().collect();
    v.sort_unstable();
    v.dedup();
    v.len().max(1) as f64
}

/// Bytes of randomness below which a `secrets`/`os.urandom` key is weak (128 bits).
const STRONG_RANDOM_BYTES: i64 = 16;

impl Project {
    /// A call of a generator that does not make secret keys (see [`Value::Generated`]).
    fn generated(&self, scope: &Scope<'_>, q: &str, call: &ExprCall, d: u32) -> Option<Value> {
        let args = &call.arguments;
        let kw = |name: &str| {
            args.keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        };
        let int = |e: Option<&Expr>| -> Option<i64> {
            match self.eval_at(scope, e?, d).or_default().value {
                Value::Int(i) => Some(i),
                _ => None,
            }
        };
        let short = m_source(self, scope, call);
        let (module, func) = q.rsplit_once('.')?;
        let log10 = match (module, func) {
            ("random", "choices") => {
                let pop = self.eval_at(scope, args.args.first().or(kw("population"))?, d);
                let k = int(kw("k")).unwrap_or(1);
                pop.as_str().map(|p| k as f64 * alphabet(p).log10())
            }
            ("random", "choice") => {
                let pop = self.eval_at(scope, args.args.first()?, d);
                pop.as_str().map(|p| alphabet(p).log10())
            }
            ("random", "sample") => {
                let pop = self.eval_at(scope, args.args.first()?, d);
                let k = int(args.args.get(1).or(kw("k"))).unwrap_or(1);
                pop.as_str().map(|p| {
                    let n = alphabet(p);
                    (0..k).map(|i| (n - i as f64).max(1.0).log10()).sum()
                })
            }
            ("random", "randint") => {
                let (a, b) = (int(args.args.first())?, int(args.args.get(1))?);
                Some(((b - a + 1).max(1) as f64).log10())
            }
            ("random", "randrange") => {
                let (a, b) = match (int(args.args.first()), int(args.args.get(1))) {
                    (Some(a), Some(b)) => (a, b),
                    (Some(b), None) => (0, b),
                    _ => return None,
                };
                Some(((b - a).max(1) as f64).log10())
            }
            ("random", "getrandbits") => int(args.args.first()).map(|n| n as f64 * 2f64.log10()),
            ("random", "random" | "uniform" | "randbytes" | "shuffle") => None,
            ("uuid", "uuid1") => None,
            ("time", "time" | "time_ns" | "monotonic") => Some(13.5),
            ("secrets", "token_hex" | "token_urlsafe" | "token_bytes") | ("os", "urandom") => {
                let default = if module == "os" { None } else { Some(32) };
                let n = match args.args.first().or(kw("nbytes")) {
                    Some(e) => int(Some(e))?,
                    None => default?,
                };
                if n >= STRONG_RANDOM_BYTES {
                    return None;
                }
                Some(n as f64 * 8.0 * 2f64.log10())
            }
            ("secrets", "randbelow") => int(args.args.first()).map(|n| (n.max(1) as f64).log10()),
            _ => return None,
        };
        if module == "random" && q != "random.SystemRandom" {
            return Some(Value::Generated {
                source: short,
                log10_candidates: log10,
            });
        }
        if matches!(module, "uuid" | "time" | "secrets" | "os") {
            return Some(Value::Generated {
                source: short,
                log10_candidates: log10,
            });
        }
        None
    }
}

/// The source text of a call, shortened for messages.
fn m_source(_p: &Project, scope: &Scope<'_>, call: &ExprCall) -> String {
    let t = scope.module.slice(call.range());
    let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > 48 {
        let head: String = t.chars().take(45).collect();
        format!("{head}...")
    } else {
        t
    }
}

fn convert(to: &str, v: Const) -> Const {
    let origin = v.origin;
    let value = match (to, v.value) {
        ("str" | "int", g @ Value::Generated { .. }) => g,
        (_, Value::Env { var, default }) => Value::Env {
            var,
            default: default.map(|d| Box::new(convert(to, *d))),
        },
        ("int", Value::Str(s)) => s.trim().parse().map(Value::Int).unwrap_or(Value::Unknown),
        ("int", Value::Int(i)) => Value::Int(i),
        ("int", Value::Float(f)) => Value::Int(f as i64),
        ("float", Value::Str(s)) => s.trim().parse().map(Value::Float).unwrap_or(Value::Unknown),
        ("float", Value::Int(i)) => Value::Float(i as f64),
        ("float", Value::Float(f)) => Value::Float(f),
        ("str", Value::Str(s)) => Value::Str(s),
        ("str", Value::Int(i)) => Value::Str(i.to_string()),
        ("bool", v) => match (Const { value: v, origin }).truthy() {
            Some(b) => Value::Bool(b),
            None => Value::Unknown,
        },
        _ => Value::Unknown,
    };
    Const { value, origin }
}

fn binop(l: &Value, op: Operator, r: &Value) -> Option<Value> {
    use Value::*;
    Some(match (l, op, r) {
        (Int(a), Operator::Add, Int(b)) => Int(a.checked_add(*b)?),
        (Int(a), Operator::Sub, Int(b)) => Int(a.checked_sub(*b)?),
        (Int(a), Operator::Mult, Int(b)) => Int(a.checked_mul(*b)?),
        (Int(a), Operator::FloorDiv, Int(b)) if *b != 0 => Int(a.div_euclid(*b)),
        (Int(a), Operator::Pow, Int(b)) if (0..64).contains(b) => Int(a.checked_pow(*b as u32)?),
        (
            Int(_) | Float(_),
            Operator::Add | Operator::Sub | Operator::Mult | Operator::Div,
            Int(_) | Float(_),
        ) => {
            let a = num(l)?;
            let b = num(r)?;
            Float(match op {
                Operator::Add => a + b,
                Operator::Sub => a - b,
                Operator::Mult => a * b,
                _ if b != 0.0 => a / b,
                _ => return Option::None,
            })
        }
        (Duration(a), Operator::Add, Duration(b)) => Duration(a + b),
        (Duration(a), Operator::Sub, Duration(b)) => Duration(a - b),
        (Duration(a), Operator::Mult, Int(_) | Float(_)) => Duration(a * num(r)?),
        (Int(_) | Float(_), Operator::Mult, Duration(b)) => Duration(num(l)? * b),
        (Str(a), Operator::Add, Str(b)) => Str(format!("{a}{b}")),
        (Str(a), Operator::Mult, Int(n)) if (0..4096).contains(n) => Str(a.repeat(*n as usize)),
        (Bytes(a), Operator::Add, Bytes(b)) => Bytes([a.as_slice(), b.as_slice()].concat()),
        // `DEFAULTS | {"verify_exp": False}`: the right side's entries win.
        (Dict(a), Operator::BitOr, Dict(b)) => Dict(a.iter().chain(b).cloned().collect()),
        (Str(_), Operator::Mod, _) => return Option::None,
        _ => return Option::None,
    })
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// The text of an f-string whose interpolations `interp` can turn into text (`None` when one
/// cannot).
pub fn fstring_text<'a>(
    f: &'a ruff_python_ast::ExprFString,
    mut interp: impl FnMut(&'a Expr) -> Option<String>,
) -> Option<String> {
    let mut s = String::new();
    for part in f.value.iter() {
        match part {
            ruff_python_ast::FStringPart::Literal(l) => s.push_str(&l.value),
            ruff_python_ast::FStringPart::FString(fs) => {
                for el in fs.elements.iter() {
                    match el {
                        ruff_python_ast::InterpolatedStringElement::Literal(l) => {
                            s.push_str(&l.value)
                        }
                        ruff_python_ast::InterpolatedStringElement::Interpolation(i) => {
                            s.push_str(&interp(&i.expression)?)
                        }
                    }
                }
            }
        }
    }
    Some(s)
}

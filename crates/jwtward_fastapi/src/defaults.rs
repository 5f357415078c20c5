//! Settings and their defaults: what an `if` on configuration evaluates to when nothing is
//! configured (`settings.require_authentication` with the field default `False`,
//! `os.getenv("APP_PASSWORD")` with no default, `AUTH_ENABLED = os.getenv(...) == "true"`),
//! and the `if`s that switch a credential check on or off (see the rule
//! `auth-disabled-by-default`).

use crate::model::{Func, Model, str_lit};
use jwtward_python::ModuleId;
use ruff_python_ast::{BoolOp, CmpOp, Expr, Stmt, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

/// A value of the small evaluator.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    None,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Val>),
}

impl Val {
    pub fn truthy(&self) -> bool {
        match self {
            Val::None => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
        }
    }

    /// As Python prints it.
    pub fn show(&self) -> String {
        match self {
            Val::None => "None".into(),
            Val::Bool(true) => "True".into(),
            Val::Bool(false) => "False".into(),
            Val::Int(i) => i.to_string(),
            Val::Str(s) => format!("{s:?}"),
            Val::List(l) => format!(
                "[{}]",
                l.iter().map(Val::show).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// A setting an `if` reads, with its default and where that default is written.
#[derive(Clone, Debug)]
pub(crate) struct SettingRead {
    /// As written in the test (`settings.first_install_token`, `self.password`).
    pub name: String,
    pub default: Val,
    /// Where the default comes from: a settings field, an environment read, an assignment.
    pub origin: String,
    pub mid: ModuleId,
    pub range: TextRange,
}

/// What an `if` on a setting does to a credential check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GateKind {
    /// The body returns before the credential check: authentication is skipped when the
    /// test holds.
    Skip,
    /// The body holds the credential check: authentication runs only when the test holds.
    Guard,
    /// The body registers the auth middleware: it wraps the app only when the test holds.
    Register,
}

/// An `if` on settings that switches authentication, evaluated with the defaults.
#[derive(Clone, Debug)]
pub(crate) struct Gate {
    pub kind: GateKind,
    pub mid: ModuleId,
    /// The test.
    pub test: TextRange,
    pub test_text: String,
    pub settings: Vec<SettingRead>,
    /// The test's value with every setting at its default, for a request without
    /// credentials (None: cannot tell).
    pub holds_by_default: Option<bool>,
}

impl Gate {
    /// Authentication is off when nothing is configured.
    pub fn off_by_default(&self) -> bool {
        match self.kind {
            GateKind::Skip => self.holds_by_default == Some(true),
            GateKind::Guard | GateKind::Register => self.holds_by_default == Some(false),
        }
    }
    /// Authentication is on when nothing is configured.
    pub fn on_by_default(&self) -> bool {
        match self.kind {
            GateKind::Skip => self.holds_by_default == Some(false),
            GateKind::Guard | GateKind::Register => self.holds_by_default == Some(true),
        }
    }
    /// `settings.x` (default None, field of Settings at settings.py:12), ...
    pub fn describe_settings(&self) -> String {
        self.settings
            .iter()
            .map(|s| format!("{} defaults to {} ({})", s.name, s.default.show(), s.origin))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

const MAX_DEPTH: u32 = 6;

/// Words of a rejection: a credential check that refuses.
pub(crate) fn is_denial_text(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    let raises = l.contains("raise ") || l.contains("status_code=");
    let denial = crate::flow::DENIAL_WORDS.iter().any(|w| l.contains(w));
    raises && denial || l.contains("jwt_required(")
}

/// Words of a credential being compared or checked.
pub(crate) fn mentions_credential(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    // A CAPTCHA (`turnstile_token`, `recaptcha_token`) proves a human, not who is calling.
    if l.contains("captcha") || l.contains("turnstile") {
        return false;
    }
    [
        "token",
        "password",
        "api_key",
        "apikey",
        "secret",
        "credential",
        "authorization",
        "jwt_required(",
        "bearer",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// An environment read: `os.getenv("X", d)`, `os.environ.get("X", d)`,
/// `get_secret_from_env("X")`, `env("X", default=d)`: the variable and the default
/// expression (None when there is none). `os.environ["X"]` is required: not a default.
fn env_read<'e>(
    c: &'e ruff_python_ast::ExprCall,
    md: &jwtward_python::Module,
) -> Option<(String, Option<&'e Expr>)> {
    let callee = md.slice(c.func.range()).to_ascii_lowercase();
    let last = callee.rsplit('.').next().unwrap_or("");
    let is_env = last == "getenv"
        || callee.ends_with("environ.get")
        || last.contains("env") && !last.contains("envelope");
    if !is_env {
        return None;
    }
    let var = str_lit(c.arguments.args.first()?)?;
    if var.is_empty()
        || !var
            .chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
    {
        return None;
    }
    let default = c.arguments.args.get(1).or_else(|| {
        c.arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "default"))
            .map(|k| &k.value)
    });
    Some((var, default))
}

/// The evaluator: one function's view of settings and of the request.
pub(crate) struct Eval<'a, 'p> {
    pub m: &'a Model<'p>,
    pub mid: ModuleId,
    pub func: Option<Func<'p>>,
    /// Parameters a request without credentials leaves None (credential dependencies,
    /// headers, cookies).
    pub anonymous: Vec<String>,
    pub reads: Vec<SettingRead>,
}

impl<'a, 'p> Eval<'a, 'p> {
    pub fn new(m: &'a Model<'p>, mid: ModuleId, func: Option<Func<'p>>) -> Self {
        Eval {
            m,
            mid,
            func,
            anonymous: Vec::new(),
            reads: Vec::new(),
        }
    }

    fn md(&self) -> &'p jwtward_python::Module {
        self.m.ix.module(self.mid)
    }

    /// The value of `e` (None: unknown).
    pub fn eval(&mut self, e: &'p Expr, depth: u32) -> Option<Val> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            Expr::NoneLiteral(_) => Some(Val::None),
            Expr::BooleanLiteral(b) => Some(Val::Bool(b.value)),
            Expr::StringLiteral(s) => Some(Val::Str(s.value.to_str().to_string())),
            Expr::NumberLiteral(n) => match &n.value {
                ruff_python_ast::Number::Int(i) => i.as_i64().map(Val::Int),
                _ => None,
            },
            Expr::Tuple(t) => self.list(&t.elts, depth),
            Expr::List(t) => self.list(&t.elts, depth),
            Expr::Set(t) => self.list(&t.elts, depth),
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => {
                let v = self.eval(&u.operand, depth + 1)?;
                Some(Val::Bool(!v.truthy()))
            }
            Expr::BoolOp(b) => {
                // Kleene logic on truthiness: unknown operands only matter when the known
                // ones do not decide.
                let vals: Vec<Option<bool>> = b
                    .values
                    .iter()
                    .map(|v| self.eval(v, depth + 1).map(|x| x.truthy()))
                    .collect();
                let (decide, other) = match b.op {
                    BoolOp::And => (false, true),
                    BoolOp::Or => (true, false),
                };
                if vals.contains(&Some(decide)) {
                    Some(Val::Bool(decide))
                } else if vals.iter().all(|v| *v == Some(other)) {
                    Some(Val::Bool(other))
                } else {
                    None
                }
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                let l = self.eval(&c.left, depth + 1)?;
                let r = self.eval(&c.comparators[0], depth + 1)?;
                let b = match c.ops[0] {
                    CmpOp::Eq => l == r,
                    CmpOp::NotEq => l != r,
                    CmpOp::Is => l == Val::None && r == Val::None,
                    CmpOp::IsNot => !(l == Val::None && r == Val::None),
                    CmpOp::In | CmpOp::NotIn => {
                        let found = match (&l, &r) {
                            (_, Val::List(items)) => items.contains(&l),
                            (Val::Str(a), Val::Str(b)) => b.contains(a.as_str()),
                            _ => return None,
                        };
                        if c.ops[0] == CmpOp::In { found } else { !found }
                    }
                    _ => return None,
                };
                Some(Val::Bool(b))
            }
            Expr::Call(c) => self.call(c, depth),
            // Paths built from settings: `f"{settings.API_PREFIX}/v1"`, `PREFIX + "/v1"`.
            Expr::FString(f) => {
                jwtward_python::fstring_text(f, |e| match self.eval(e, depth + 1)? {
                    Val::Str(v) => Some(v),
                    Val::Int(v) => Some(v.to_string()),
                    _ => None,
                })
                .map(Val::Str)
            }
            Expr::BinOp(b) if b.op == ruff_python_ast::Operator::Add => {
                match (
                    self.eval(&b.left, depth + 1)?,
                    self.eval(&b.right, depth + 1)?,
                ) {
                    (Val::Str(l), Val::Str(r)) => Some(Val::Str(l + &r)),
                    (Val::Int(l), Val::Int(r)) => l.checked_add(r).map(Val::Int),
                    _ => None,
                }
            }
            Expr::Name(n) => {
                let name = n.id.as_str();
                if self.anonymous.iter().any(|a| a == name) {
                    return Some(Val::None);
                }
                // A parameter or local of the function: not a setting.
                if let Some(f) = self.func
                    && (f.def.parameters.iter().any(|p| p.name().as_str() == name)
                        || assigned_in(&f.def.body, name))
                {
                    return None;
                }
                let is_setting_name = name
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
                    && name.chars().any(|ch| ch.is_ascii_uppercase());
                if !is_setting_name {
                    return None;
                }
                let Some(crate::index::Sym::Value(vm, v)) =
                    self.m.ix.resolve_name(self.mid, name, 0)
                else {
                    return None;
                };
                let saved = self.mid;
                self.mid = vm;
                let before = self.reads.len();
                let val = self.eval(v, depth + 1);
                self.mid = saved;
                if let Some(val) = &val
                    && self.reads.len() == before
                {
                    // A constant switch (`AUTH_ENABLED = False`): the setting is the name.
                    let vmd = self.m.ix.module(vm);
                    self.reads.push(SettingRead {
                        name: name.to_string(),
                        default: val.clone(),
                        origin: format!(
                            "assigned at {}:{}",
                            vmd.display_path,
                            vmd.line_column(v.range().start()).0
                        ),
                        mid: vm,
                        range: v.range(),
                    });
                }
                val
            }
            Expr::Attribute(a) => self.attribute(e, a, depth),
            _ => None,
        }
    }

    fn list(&mut self, elts: &'p [Expr], depth: u32) -> Option<Val> {
        let mut out = Vec::new();
        for x in elts {
            out.push(self.eval(x, depth + 1)?);
        }
        Some(Val::List(out))
    }

    fn call(&mut self, c: &'p ruff_python_ast::ExprCall, depth: u32) -> Option<Val> {
        let md = self.md();
        if let Some((var, default)) = env_read(c, md) {
            let val = match default {
                None => Val::None,
                Some(d) => self.eval(d, depth + 1)?,
            };
            self.reads.push(SettingRead {
                name: format!("${var}"),
                default: val.clone(),
                origin: format!(
                    "{} at {}:{}",
                    if default.is_none() {
                        "environment variable with no default, read"
                    } else {
                        "environment default, read"
                    },
                    md.display_path,
                    md.line_column(c.range().start()).0
                ),
                mid: self.mid,
                range: c.range(),
            });
            return Some(val);
        }
        // `x.lower()`, `x.strip()`, `bool(x)`, `str(x)`.
        match &*c.func {
            Expr::Attribute(a)
                if c.arguments.args.is_empty()
                    && matches!(a.attr.as_str(), "lower" | "upper" | "strip" | "casefold") =>
            {
                match self.eval(&a.value, depth + 1)? {
                    Val::Str(s) => Some(Val::Str(match a.attr.as_str() {
                        "upper" => s.to_ascii_uppercase(),
                        "strip" => s.trim().to_string(),
                        _ => s.to_ascii_lowercase(),
                    })),
                    _ => None,
                }
            }
            Expr::Name(n) if n.id.as_str() == "bool" && c.arguments.args.len() == 1 => {
                let v = self.eval(&c.arguments.args[0], depth + 1)?;
                Some(Val::Bool(v.truthy()))
            }
            Expr::Name(n) if n.id.as_str() == "str" && c.arguments.args.len() == 1 => {
                match self.eval(&c.arguments.args[0], depth + 1)? {
                    Val::Str(s) => Some(Val::Str(s)),
                    Val::None => Some(Val::Str("None".into())),
                    Val::Bool(b) => Some(Val::Str(if b { "True" } else { "False" }.into())),
                    Val::Int(i) => Some(Val::Str(i.to_string())),
                    Val::List(_) => None,
                }
            }
            _ => None,
        }
    }

    /// `settings.X`, `self.config.X`, `get_settings().X`: a field of a settings class of
    /// the project with its default; `self.X`: what `__init__` assigns.
    fn attribute(
        &mut self,
        whole: &'p Expr,
        a: &'p ruff_python_ast::ExprAttribute,
        depth: u32,
    ) -> Option<Val> {
        let attr = a.attr.as_str();
        let md = self.md();
        // `self.X` assigned in `__init__`.
        if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self")
            && let Some(f) = self.func
            && let Some(c) = f.class
        {
            let init = crate::index::class_method(c, "__init__")?;
            let value = crate::flow::self_attr_value(&init.body, attr)?;
            let saved = self.func;
            self.func = Some(Func {
                mid: f.mid,
                def: init,
                class: Some(c),
                bound: None,
            });
            let v = self.eval(value, depth + 1);
            self.func = saved;
            return v;
        }
        // The object must look like settings.
        let base = md.slice(a.value.range()).to_ascii_lowercase();
        let base_last = base.rsplit('.').next().unwrap_or("").trim_end_matches("()");
        let settingsish = ["settings", "config", "conf", "cfg", "env", "options"]
            .iter()
            .any(|w| base_last.contains(w));
        if !settingsish {
            return None;
        }
        let (fm, default, range, class) = self.field_default(attr)?;
        let saved = self.mid;
        self.mid = fm;
        let before = self.reads.len();
        let val = match default {
            Some(d) => self.eval(d, depth + 1),
            None => Some(Val::None),
        };
        self.mid = saved;
        let val = val?;
        self.reads.truncate(before);
        let fmd = self.m.ix.module(fm);
        self.reads.push(SettingRead {
            name: md.slice(whole.range()).to_string(),
            default: val.clone(),
            origin: format!(
                "field of {class} at {}:{}",
                fmd.display_path,
                fmd.line_column(range.start()).0
            ),
            mid: fm,
            range,
        });
        Some(val)
    }

    /// [`Eval::find_field_default`], memoised on the model.
    fn field_default(&self, attr: &str) -> Option<FieldDefault<'p>> {
        if let Some(v) = self.m.field_defaults.borrow().get(attr) {
            return v.clone();
        }
        let v = self.find_field_default(attr);
        self.m
            .field_defaults
            .borrow_mut()
            .insert(attr.to_string(), v.clone());
        v
    }

    /// The default of field `attr` of the project's settings classes: the one class-level
    /// declaration of that name with a default (`x: bool = False`, `x = Field(default=None)`,
    /// `x: str | None = Field(None)`), when all the classes that declare it agree.
    /// (module, default expression or None for `Field(None)`-like, its range, class name).
    fn find_field_default(&self, attr: &str) -> Option<FieldDefault<'p>> {
        // Per rank (settings classes, config classes, other models): the first declaration
        // and the distinct default texts.
        let mut found: [Option<FieldDefault<'p>>; 3] = [None, None, None];
        let mut texts: [Vec<String>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for md in &self.m.ix.project.modules {
            if md.is_test || !declares(&md.source, attr) {
                continue;
            }
            for s in &md.ast().body {
                let Stmt::ClassDef(c) = s else { continue };
                let bases = c
                    .arguments
                    .as_ref()
                    .map(|a| md.slice(a.range()).to_ascii_lowercase())
                    .unwrap_or_default();
                let cname = c.name.as_str().to_ascii_lowercase();
                let Some(rank) = ["settings", "config", "basemodel"]
                    .iter()
                    .position(|w| bases.contains(w) || cname.contains(w))
                else {
                    continue;
                };
                for st in &c.body {
                    let (target, value) = match st {
                        Stmt::AnnAssign(x) => (&*x.target, x.value.as_deref()),
                        Stmt::Assign(x) if x.targets.len() == 1 => (&x.targets[0], Some(&*x.value)),
                        _ => continue,
                    };
                    if !matches!(target, Expr::Name(n) if n.id.as_str() == attr) {
                        continue;
                    }
                    // Required (no default): cannot tell.
                    let Some(value) = value else {
                        texts[rank].push(String::from("<required>"));
                        continue;
                    };
                    let default = match value {
                        Expr::Call(call) if md.slice(call.func.range()).ends_with("Field") => {
                            let d = call.arguments.args.first().or_else(|| {
                                call.arguments
                                    .keywords
                                    .iter()
                                    .find(|k| {
                                        k.arg.as_ref().is_some_and(|a| a.as_str() == "default")
                                    })
                                    .map(|k| &k.value)
                            })?;
                            if matches!(d, Expr::EllipsisLiteral(_)) {
                                texts[rank].push(String::from("<required>"));
                                continue;
                            }
                            Some(d)
                        }
                        v => Some(v),
                    };
                    let text = default
                        .map(|d| md.slice(d.range()).to_string())
                        .unwrap_or_default();
                    if !texts[rank].contains(&text) {
                        texts[rank].push(text);
                    }
                    found[rank].get_or_insert((md.id, default, st.range(), c.name.to_string()));
                }
            }
        }
        let rank = (0..3).find(|&r| !texts[r].is_empty())?;
        let t = &texts[rank];
        (t.len() == 1 && t[0] != "<required>")
            .then(|| found[rank].take())
            .flatten()
    }
}

/// A settings field: its module, its default expression (None for a `None`-like
/// `Field`), where it is declared and the class.
pub(crate) type FieldDefault<'p> = (ModuleId, Option<&'p Expr>, TextRange, String);

/// The source may declare `name` (`name:` or `name =` after indentation): a cheap test
/// before parsing a module.
fn declares(source: &str, name: &str) -> bool {
    source.match_indices(name).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + name.len()..].trim_start_matches([' ', '\t']);
        matches!(before, Some(' ' | '\t'))
            && (after.starts_with(':') || after.starts_with('=') && !after.starts_with("=="))
    })
}

/// True when `name` is assigned somewhere in `body` (a local).
fn assigned_in(body: &[Stmt], name: &str) -> bool {
    let mut hit = false;
    crate::model::for_each_stmt(body, None, &mut |s, _| {
        let targets: Vec<&Expr> = match s {
            Stmt::Assign(a) => a.targets.iter().collect(),
            Stmt::AnnAssign(a) => vec![&*a.target],
            Stmt::AugAssign(a) => vec![&*a.target],
            _ => Vec::new(),
        };
        if targets
            .iter()
            .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == name))
        {
            hit = true;
        }
    });
    hit
}

/// The `if`s of a function body (top level, and inside `try`/`with`) that switch its
/// credential check on a setting: `if not settings.AUTH_ENABLED: return dev_user` (skip),
/// `if settings.API_TOKEN: <check the token, 401>` (guard). `anonymous` are the parameters
/// a request without credentials leaves None. `auth_after` says whether the function
/// checks credentials outside the `if` (for skips: the check that the `if` skips).
pub(crate) fn gates_of<'p>(m: &Model<'p>, f: Func<'p>, anonymous: Vec<String>) -> Vec<Gate> {
    let md = m.ix.module(f.mid);
    let mut out = Vec::new();
    let body: Vec<&'p Stmt> = flatten(&f.def.body);
    for (k, st) in body.iter().enumerate() {
        let Stmt::If(i) = st else { continue };
        if !i.elif_else_clauses.is_empty() {
            continue;
        }
        let body_text: String = i
            .body
            .iter()
            .map(|b| md.slice(b.range()))
            .collect::<Vec<_>>()
            .join("\n");
        let rest_text: String = body[k + 1..]
            .iter()
            .map(|b| md.slice(b.range()))
            .collect::<Vec<_>>()
            .join("\n");
        let returns = i.body.iter().any(|b| matches!(b, Stmt::Return(_)));
        let kind = if returns
            && !is_denial_text(&body_text)
            && (is_denial_text(&rest_text) || rest_text.contains("decode"))
        {
            GateKind::Skip
        } else if !returns
            && is_denial_text(&body_text)
            && mentions_credential(&body_text)
            && !is_denial_text(&rest_text)
        {
            GateKind::Guard
        } else {
            continue;
        };
        let mut ev = Eval::new(m, f.mid, Some(f));
        ev.anonymous = anonymous.clone();
        let v = ev.eval(&i.test, 0);
        if ev.reads.is_empty() {
            continue;
        }
        // A closure whose factory call decides the settings' part of the test
        // (`(not config.require_authentication or public) and auth is None` made by
        // `auth_wrapper(public=True)`): the branch does not depend on a setting there.
        if f.bound.is_some() && !undecided_reads_settings(m, f, &i.test, &anonymous) {
            continue;
        }
        out.push(Gate {
            kind,
            mid: f.mid,
            test: i.test.range(),
            test_text: compact(md.slice(i.test.range())),
            settings: ev.reads,
            holds_by_default: v.map(|v| v.truthy()),
        });
    }
    out
}

/// Whether a part of `test` that the closure's factory call leaves open reads a setting:
/// an `or` with an operand the call makes true, or any operand it fixes, is decided.
fn undecided_reads_settings<'p>(
    m: &Model<'p>,
    f: Func<'p>,
    test: &'p Expr,
    anonymous: &[String],
) -> bool {
    match test {
        Expr::BoolOp(b) if b.op == BoolOp::And => b
            .values
            .iter()
            .any(|v| undecided_reads_settings(m, f, v, anonymous)),
        Expr::BoolOp(b)
            if b.op == BoolOp::Or
                && b.values
                    .iter()
                    .any(|v| crate::flow::bound_truth(m, f, v) == Some(true)) =>
        {
            false
        }
        t if crate::flow::bound_truth(m, f, t).is_some() => false,
        t => {
            let mut ev = Eval::new(m, f.mid, Some(f));
            ev.anonymous = anonymous.to_vec();
            ev.eval(t, 0);
            !ev.reads.is_empty()
        }
    }
}

/// Source text on one line (`(a\n    or b)` -> `(a or b)`).
pub(crate) fn compact(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The statements of a body, with those of `try` and `with` blocks spliced in.
fn flatten(body: &[Stmt]) -> Vec<&Stmt> {
    let mut out = Vec::new();
    for s in body {
        match s {
            Stmt::Try(t) => out.extend(flatten(&t.body)),
            Stmt::With(w) => out.extend(flatten(&w.body)),
            s => out.push(s),
        }
    }
    out
}

/// The `if` on settings that a module-level (or factory) statement at `range` runs under,
/// evaluated with the defaults: the gate of an `app.add_middleware(...)`.
pub(crate) fn registration_gate<'p>(
    m: &Model<'p>,
    mid: ModuleId,
    range: TextRange,
) -> Option<Gate> {
    let md = m.ix.module(mid);
    let mut found: Option<(&'p Expr, Option<&'p ruff_python_ast::StmtFunctionDef>)> = None;
    crate::model::for_each_stmt(&md.ast().body, None, &mut |st, scope| {
        if let Stmt::If(i) = st
            && i.elif_else_clauses.is_empty()
            && i.body.iter().any(|b| b.range().contains_range(range))
        {
            found = Some((&i.test, scope));
        }
    });
    let (test, scope) = found?;
    let func = scope.map(|def| Func {
        mid,
        def,
        class: None,
        bound: None,
    });
    let mut ev = Eval::new(m, mid, func);
    let v = ev.eval(test, 0);
    if ev.reads.is_empty() {
        return None;
    }
    Some(Gate {
        kind: GateKind::Register,
        mid,
        test: test.range(),
        test_text: compact(md.slice(test.range())),
        settings: ev.reads,
        holds_by_default: v.map(|v| v.truthy()),
    })
}

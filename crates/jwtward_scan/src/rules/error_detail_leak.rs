use crate::rules::Seen;
use crate::{Ctx, finding};
use jwtward_python::ast::{ExceptHandler, Expr, ExprCall, Stmt};
use jwtward_python::{Origin, Ranged, TextRange, walk};
use jwtward_report::{Finding, RuleMeta, Severity};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

pub const META: RuleMeta = RuleMeta {
    name: "error-detail-leak",
    severity: Severity::Low,
    cwe: &[209],
    summary: "Exception text is sent to the client in an HTTP error detail.",
    explanation: "`detail=f\"Invalid token: {e}\"` or `detail=str(e)` hands the library's own error message to whoever sent the request. For token validation that tells an attacker exactly which check failed (signature, algorithm, expiry, audience, key format), turning blind guessing into a guided search, and other exceptions can leak paths, SQL or configuration. Reported: the text of `except Exception` (or a bare `except`), of a library's error (`smtplib.SMTPException`, a payment SDK's error, a JWT error), and of an application exception that somewhere carries such text (`raise StoreError(f\"insert failed: {e}\")` inside `except Exception as e`, `raise Upstream(response.text)`). Not reported: an application exception every raise of which (its subclasses included, outside tests) writes the app's own message or translates a specific error on purpose; `ValueError`, pydantic/FastAPI validation errors and YAML/JSON parse errors, whose messages describe the caller's input (unless the `try` decodes a token), and so does anything caught around a `try` that only decodes or parses a value (`base64.b64decode`, `json.loads`, `uuid.UUID`, `int`), even as `except Exception` (an application exception raised there is still the app's own message); a named field of the exception (`e.reason`, `e.errors()`, an `HTTPException`'s `e.detail`), which the class exposes on purpose; the exception object itself as the detail (`detail=e`), which cannot be serialised and ends in a plain 500; an `HTTPException` raised with a status that an app-level handler of `HTTPException` (`@app.exception_handler(StarletteHTTPException)`, `app.add_exception_handler(...)`) answers with a body of its own (`if exc.status_code >= 500: return JSONResponse({\"error\": \"server error\"}, 500)`), or any status when the handler never sends the exception's text.",
    remediation: "Return a fixed, generic message (`detail=\"Could not validate credentials\"`) and log the exception server-side instead.",
    example: "except jwt.InvalidTokenError as e:\n    raise HTTPException(status_code=401, detail=f\"Invalid token: {e}\")",
    fixed_example: "except jwt.InvalidTokenError:\n    logger.info(\"token rejected\", exc_info=True)\n    raise HTTPException(status_code=401, detail=\"Could not validate credentials\")",
};

/// Attributes of an exception that carry its message text or an upstream body: reading one
/// passes the text on like `str(e)` does. Any other attribute (`e.detail`, `e.reason`,
/// `e.errors()`, `e.error`) is a field the exception class exposes on purpose.
const TEXT_ATTRS: &[&str] = &[
    "args", "message", "msg", "text", "body", "content", "stderr", "stdout", "output",
];
/// Attributes holding another exception or a response: a leak once made text.
const OBJECT_ATTRS: &[&str] = &[
    "orig",
    "__cause__",
    "__context__",
    "response",
    "__str__",
    "__repr__",
];

/// True when `e` (anywhere inside) turns exception `name` into text: `str(name)`,
/// `f"{name}"`, `name.args`, a call with `name` as argument. `in_text` is false at the top of
/// the detail and inside containers, where the bare exception object is not text (JSON
/// serialisation of `detail=e` fails and the client gets a generic 500).
fn leaks_in(e: &Expr, name: &str, in_text: bool) -> bool {
    let is_name = |x: &Expr| matches!(x, Expr::Name(n) if n.id.as_str() == name);
    if !in_text {
        match e {
            Expr::Name(_) => return false,
            Expr::Attribute(a) if is_name(&a.value) => {
                return TEXT_ATTRS.contains(&a.attr.as_str());
            }
            Expr::Dict(d) => {
                return d.items.iter().any(|i| {
                    i.key.as_ref().is_some_and(|k| leaks_in(k, name, false))
                        || leaks_in(&i.value, name, false)
                });
            }
            Expr::List(l) => return l.elts.iter().any(|x| leaks_in(x, name, false)),
            Expr::Tuple(t) => return t.elts.iter().any(|x| leaks_in(x, name, false)),
            Expr::Set(t) => return t.elts.iter().any(|x| leaks_in(x, name, false)),
            Expr::BoolOp(b) => return b.values.iter().any(|x| leaks_in(x, name, false)),
            Expr::If(i) => {
                return leaks_in(&i.body, name, false) || leaks_in(&i.orelse, name, false);
            }
            Expr::Subscript(s) => return leaks_in(&s.value, name, false),
            Expr::Starred(s) => return leaks_in(&s.value, name, false),
            _ => {}
        }
    }
    // Text context: every reference counts but a field read (`e.reason`, `e.errors()`).
    let mut safe: Vec<TextRange> = Vec::new();
    let mut hit = false;
    walk::for_each_subexpr(e, &mut |x| match x {
        Expr::Attribute(a)
            if is_name(&a.value)
                && !TEXT_ATTRS.contains(&a.attr.as_str())
                && !OBJECT_ATTRS.contains(&a.attr.as_str()) =>
        {
            safe.push(a.value.range());
        }
        Expr::Name(n) if n.id.as_str() == name && !safe.contains(&x.range()) => hit = true,
        _ => {}
    });
    hit
}

fn leaks(e: &Expr, name: &str) -> Option<TextRange> {
    leaks_in(e, name, false).then(|| e.range())
}

/// Exception classes of the JWT libraries (and their aliases in FastAPI code).
const TOKEN_ERRORS: &[&str] = &[
    "PyJWTError",
    "InvalidTokenError",
    "DecodeError",
    "InvalidSignatureError",
    "ExpiredSignatureError",
    "InvalidAudienceError",
    "InvalidIssuerError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "MissingRequiredClaimError",
    "JWTError",
    "JWTClaimsError",
    "JWSError",
    "JoseError",
    "ExpiredTokenError",
    "InvalidClaimError",
    "MissingClaimError",
    "BadSignatureError",
];

/// Exceptions whose message describes the input that failed to parse or validate (the
/// caller's own data), by module and class name; builtins have no module.
const INPUT_ERRORS: &[(&str, &str)] = &[
    ("", "ValueError"),
    ("", "UnicodeError"),
    ("", "UnicodeDecodeError"),
    ("json", "JSONDecodeError"),
    ("pydantic", "ValidationError"),
    ("pydantic_core", "ValidationError"),
    ("fastapi", "RequestValidationError"),
    ("yaml", "YAMLError"),
];

fn is_input_error(q: &str) -> bool {
    let (module, last) = match q.rsplit_once('.') {
        Some((m, l)) => (m.split('.').next().unwrap_or(m), l),
        None => ("", q),
    };
    INPUT_ERRORS.iter().any(|&(m, l)| l == last && m == module)
}

/// What an `except` clause catches, as far as the text of the exception goes.
#[derive(Clone, Copy, PartialEq)]
enum Caught {
    /// `Exception`, `BaseException`, a library's error: any text, internal details included.
    Any,
    /// A token error of a JWT library.
    Token,
    /// An input-validation error: its message describes the caller's input.
    Input,
    /// An exception class of the project, each one raised with the app's own text.
    OwnText,
}

/// Project classes by name, with the names of their bases as written (last segment), read
/// from `class` lines without parsing: used to find the subclasses of an exception class.
struct ClassIndex<'p> {
    children: HashMap<&'p str, Vec<&'p str>>,
    /// Capitalised names called somewhere (`Name(`) -> the non-test modules calling them.
    called_in: HashMap<&'p str, Vec<usize>>,
}

fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    i
}

impl<'p> ClassIndex<'p> {
    fn build(project: &'p jwtward_python::Project) -> ClassIndex<'p> {
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut called_in: HashMap<&str, Vec<usize>> = HashMap::new();
        for (mi, m) in project.modules.iter().enumerate() {
            if m.is_test {
                continue;
            }
            let src = m.source.as_str();
            for line in src.lines() {
                let Some(rest) = line.trim_start().strip_prefix("class ") else {
                    continue;
                };
                let Some((name, bases)) = rest.split_once('(') else {
                    continue;
                };
                let name = name.trim();
                let bases = bases.split(')').next().unwrap_or("");
                for b in bases.split(',') {
                    let b = b.trim();
                    if b.contains('=') {
                        continue;
                    }
                    let b = b.split('[').next().unwrap_or(b);
                    let last = b.rsplit('.').next().unwrap_or(b).trim();
                    if !last.is_empty() {
                        children.entry(last).or_default().push(name);
                    }
                }
            }
            let b = src.as_bytes();
            let mut i = 0;
            while i < b.len() {
                let c = b[i];
                let starts = c.is_ascii_uppercase()
                    && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'));
                if !starts {
                    i += 1;
                    continue;
                }
                let end = ident_end(b, i);
                if end < b.len() && b[end] == b'(' {
                    let v = called_in.entry(&src[i..end]).or_default();
                    if v.last() != Some(&mi) {
                        v.push(mi);
                    }
                }
                i = end.max(i + 1);
            }
        }
        ClassIndex {
            children,
            called_in,
        }
    }

    /// `name` and the names of its subclasses (transitively).
    fn family(&self, name: &'p str) -> HashSet<&'p str> {
        let mut out: HashSet<&str> = HashSet::new();
        let mut todo = vec![name];
        while let Some(n) = todo.pop() {
            if out.len() > 4096 || !out.insert(n) {
                continue;
            }
            if let Some(c) = self.children.get(n) {
                todo.extend(c.iter().copied());
            }
        }
        out
    }
}

/// Names that hold the text of the exception caught by `handler` (its own name and locals
/// assigned from it in the handler body).
fn tainted_names(h: &jwtward_python::ast::ExceptHandlerExceptHandler) -> Vec<&str> {
    let Some(n) = &h.name else { return Vec::new() };
    let mut names = vec![n.as_str()];
    walk::for_each_stmt(&h.body, &mut |s| {
        if let Stmt::Assign(a) = s {
            let mentions = |e: &Expr| {
                let mut hit = false;
                walk::for_each_subexpr(e, &mut |x| {
                    hit |= matches!(x, Expr::Name(n) if names.contains(&n.id.as_str()));
                });
                hit
            };
            if mentions(&a.value) {
                for t in &a.targets {
                    if let Expr::Name(t) = t
                        && !names.contains(&t.id.as_str())
                    {
                        names.push(t.id.as_str());
                    }
                }
            }
        }
    });
    names
}

/// True when an argument of `call` carries foreign text: a caught exception (`names`), an
/// upstream response body (`response.text`, `.content`, `.json()`), a traceback.
fn carries_foreign_text(call: &ExprCall, names: &[&str]) -> bool {
    let mut hit = false;
    let args = call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|k| &k.value));
    for a in args {
        walk::for_each_subexpr(a, &mut |x| match x {
            Expr::Name(n) => hit |= names.contains(&n.id.as_str()),
            Expr::Attribute(at) => {
                hit |= matches!(
                    at.attr.as_str(),
                    "text" | "content" | "stderr" | "stdout" | "body" | "format_exc" | "json"
                )
            }
            _ => {}
        });
    }
    hit
}

/// True for a bare `except:` and for `Exception` / `BaseException` (alone or in a tuple).
fn catches_everything(ctx: &Ctx<'_, '_>, m: &jwtward_python::Module, ty: Option<&Expr>) -> bool {
    let Some(ty) = ty else { return true };
    let members: Vec<&Expr> = match ty {
        Expr::Tuple(t) => t.elts.iter().collect(),
        e => vec![e],
    };
    members.iter().any(|x| {
        ctx.project
            .qualified_name(m, x)
            .is_some_and(|q| q == "Exception" || q == "BaseException")
    })
}

/// True when every call of a `try` body only decodes or parses a value
/// (`content = base64.b64decode(raw, validate=True)`, `json.loads(body)`, `uuid.UUID(s)`):
/// whatever it catches, even as `except Exception`, describes that value, as a
/// `ValueError` does.
fn try_only_parses(ctx: &Ctx<'_, '_>, m: &jwtward_python::Module, body: &[Stmt]) -> bool {
    const PARSERS: &[&str] = &[
        "base64.b64decode",
        "base64.urlsafe_b64decode",
        "base64.standard_b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "binascii.unhexlify",
        "binascii.a2b_base64",
        "json.loads",
        "orjson.loads",
        "ujson.loads",
        "uuid.UUID",
        "int",
        "float",
        "bytes.fromhex",
        "datetime.datetime.fromisoformat",
        "datetime.date.fromisoformat",
        "ipaddress.ip_address",
        "ipaddress.ip_network",
        "decimal.Decimal",
    ];
    let mut calls = 0;
    let mut other = false;
    walk::for_each_expr(body, &mut |e, _| {
        let Expr::Call(c) = e else { return };
        calls += 1;
        // `raw.decode("utf-8")`, `text.encode()`: codecs on the value itself.
        if let Expr::Attribute(a) = &*c.func
            && matches!(a.attr.as_str(), "decode" | "encode" | "strip")
        {
            return;
        }
        let known = ctx
            .project
            .qualified_name(m, &c.func)
            .is_some_and(|q| PARSERS.contains(&q.as_str()));
        other |= !known;
    });
    calls > 0
        && !other
        && body.iter().all(|s| {
            matches!(
                s,
                Stmt::Assign(_) | Stmt::AnnAssign(_) | Stmt::Expr(_) | Stmt::Return(_)
            )
        })
}

/// True when the project class `last` (or a subclass) is ever constructed with foreign text
/// outside tests: `raise AppError(e)`, `raise AppError(f"failed: {response.text}")`.
fn class_takes_foreign_text(ctx: &Ctx<'_, '_>, index: &ClassIndex<'_>, last: &str) -> bool {
    let family = index.family(last);
    let mut modules: Vec<usize> = family
        .iter()
        .filter_map(|n| index.called_in.get(n))
        .flatten()
        .copied()
        .collect();
    modules.sort_unstable();
    modules.dedup();
    let constructs = |m: &jwtward_python::Module, c: &ExprCall| {
        let Some(q) = ctx.project.qualified_name(m, &c.func) else {
            return false;
        };
        family.contains(q.rsplit('.').next().unwrap_or(&q))
    };
    for mi in modules {
        let m = &ctx.project.modules[mi];
        let mut hit = false;
        // Inside a handler: the caught exception (or text made from it) passed on.
        walk::for_each_stmt(&m.ast().body, &mut |s| {
            let Stmt::Try(t) = s else { return };
            for h in &t.handlers {
                let ExceptHandler::ExceptHandler(h) = h;
                // A specific error translated into the app's exception is a deliberate
                // message; the text of whatever went wrong (`except Exception`) is not.
                if !catches_everything(ctx, m, h.type_.as_deref())
                    || try_only_parses(ctx, m, &t.body)
                {
                    continue;
                }
                let names = tainted_names(h);
                walk::for_each_expr(&h.body, &mut |e, _| {
                    if let Expr::Call(c) = e {
                        hit = hit || (constructs(m, c) && carries_foreign_text(c, &names));
                    }
                });
            }
        });
        // Anywhere: a response body or a traceback as the message.
        walk::for_each_expr(&m.ast().body, &mut |e, _| {
            if let Expr::Call(c) = e {
                hit = hit || (constructs(m, c) && carries_foreign_text(c, &[]));
            }
        });
        if hit {
            return true;
        }
    }
    false
}

/// What the `except` clause `ty` catches (the widest of a tuple's members).
fn caught(
    ctx: &Ctx<'_, '_>,
    m: &jwtward_python::Module,
    ty: &Expr,
    own_text: &mut dyn FnMut(&str) -> bool,
) -> Caught {
    let members: Vec<&Expr> = match ty {
        Expr::Tuple(t) => t.elts.iter().collect(),
        e => vec![e],
    };
    let mut out = None;
    for x in members {
        let Some(q) = ctx.project.qualified_name(m, x) else {
            return Caught::Any;
        };
        let last = q.rsplit('.').next().unwrap_or(&q);
        let lib = q.starts_with("jwt.") || q.starts_with("jose.") || q.starts_with("authlib.");
        let c = if lib && TOKEN_ERRORS.contains(&last) {
            Caught::Token
        } else if is_input_error(&q) {
            Caught::Input
        } else if ctx.project.class(&q).is_some() && own_text(last) {
            Caught::OwnText
        } else {
            Caught::Any
        };
        out = Some(match (out, c) {
            (None, c) => c,
            (Some(Caught::Any), _) | (_, Caught::Any) => Caught::Any,
            (Some(Caught::Token), _) | (_, Caught::Token) => Caught::Token,
            (Some(Caught::Input), _) | (_, Caught::Input) => Caught::Input,
            _ => Caught::OwnText,
        });
    }
    out.unwrap_or(Caught::Any)
}

/// True when the `try` body decodes a token, directly or through a project function that
/// does.
fn try_body_decodes(
    ctx: &Ctx<'_, '_>,
    m: &jwtward_python::Module,
    decode_ranges: &[TextRange],
    body: &[Stmt],
) -> bool {
    let Some(first) = body.first() else {
        return false;
    };
    let range = TextRange::new(
        first.range().start(),
        body.last().unwrap_or(first).range().end(),
    );
    if decode_ranges.iter().any(|r| range.contains_range(*r)) {
        return true;
    }
    let mut hit = false;
    walk::for_each_expr(body, &mut |e, _| {
        if let Expr::Call(c) = e
            && let Some(q) = ctx.project.qualified_name(m, &c.func)
        {
            hit |= ctx.model.decodes_jwt(&q);
        }
    });
    hit
}

/// Statuses an app-level handler for `HTTPException` answers with its own body, not the
/// exception's `detail`.
#[derive(Default)]
struct Rewritten {
    /// The handler never puts the exception's text in its answer.
    all: bool,
    /// `if exc.status_code == 500: return JSONResponse({"error": "Internal"}, 500)`: tests
    /// on the status whose branch answers without the text (op, code).
    when: Vec<(jwtward_python::ast::CmpOp, Vec<u16>)>,
}

impl Rewritten {
    fn hides(&self, status: Option<u16>) -> bool {
        use jwtward_python::ast::CmpOp;
        if self.all {
            return true;
        }
        let Some(s) = status else { return false };
        self.when.iter().any(|(op, codes)| match op {
            CmpOp::Eq | CmpOp::In => codes.contains(&s),
            CmpOp::GtE => codes.first().is_some_and(|&c| s >= c),
            CmpOp::Gt => codes.first().is_some_and(|&c| s > c),
            _ => false,
        })
    }
}

/// A status code as written: `500`, `status.HTTP_500_INTERNAL_SERVER_ERROR`,
/// `HTTPStatus.INTERNAL_SERVER_ERROR`.
fn status_code(e: &Expr) -> Option<u16> {
    match e {
        Expr::NumberLiteral(n) => match &n.value {
            jwtward_python::ast::Number::Int(i) => i.as_u16(),
            _ => None,
        },
        Expr::Attribute(a) => {
            let name = a.attr.as_str();
            if let Some(rest) = name.strip_prefix("HTTP_") {
                return rest.get(..3)?.parse().ok();
            }
            [
                ("INTERNAL_SERVER_ERROR", 500),
                ("NOT_IMPLEMENTED", 501),
                ("BAD_GATEWAY", 502),
                ("SERVICE_UNAVAILABLE", 503),
                ("GATEWAY_TIMEOUT", 504),
            ]
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, c)| c)
        }
        _ => None,
    }
}

/// The status an `HTTPException(...)` call is raised with, when written as a literal.
fn raised_status(c: &ExprCall) -> Option<u16> {
    c.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "status_code"))
        .map(|k| &k.value)
        .or(c.arguments.args.first())
        .and_then(status_code)
}

/// The app-level handlers of `HTTPException` (`@app.exception_handler(HTTPException)`,
/// `app.add_exception_handler(StarletteHTTPException, handler)`) of the project's non-test
/// modules, and the statuses whose `detail` they replace with a body of their own. Starlette
/// hands every `HTTPException` a route raises to such a handler, so `raise HTTPException(500,
/// str(e))` under one that answers 500s with a generic body sends the client no exception text.
fn rewritten_statuses(ctx: &Ctx<'_, '_>) -> Rewritten {
    let mut out = Rewritten::default();
    for m in &ctx.project.modules {
        if m.is_test || !m.source.contains("exception_handler") {
            continue;
        }
        let is_http_exc = |e: &Expr| {
            ctx.project.qualified_name(m, e).is_some_and(|q| {
                (q.starts_with("fastapi.") || q.starts_with("starlette."))
                    && q.ends_with(".HTTPException")
            })
        };
        let body = &m.ast().body;
        let mut handlers: Vec<&jwtward_python::ast::StmtFunctionDef> = Vec::new();
        walk::for_each_stmt(body, &mut |s| {
            if let Stmt::FunctionDef(d) = s
                && d.decorator_list.iter().any(|dec| {
                    matches!(&dec.expression, Expr::Call(c)
                        if matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "exception_handler")
                            && c.arguments.args.first().is_some_and(is_http_exc))
                })
            {
                handlers.push(d);
            }
        });
        walk::for_each_expr(body, &mut |e, _| {
            if let Expr::Call(c) = e
                && matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "add_exception_handler")
                && c.arguments.args.first().is_some_and(is_http_exc)
                && let Some(Expr::Name(h)) = c.arguments.args.get(1)
            {
                walk::for_each_stmt(body, &mut |s| {
                    if let Stmt::FunctionDef(d) = s
                        && d.name.as_str() == h.id.as_str()
                    {
                        handlers.push(d);
                    }
                });
            }
        });
        for h in handlers {
            let Some(exc) = h.parameters.iter_non_variadic_params().nth(1) else {
                continue;
            };
            let exc = exc.parameter.name.as_str();
            // The exception's text: its name outside a read of a field other than the text.
            let leaks_text = |stmts: &[Stmt]| {
                let mut hit = false;
                walk::for_each_expr(stmts, &mut |e, _| {
                    // Logging it server-side is what a handler like this is for.
                    if let Expr::Call(c) = e
                        && !matches!(&*c.func, Expr::Attribute(a)
                            if matches!(a.attr.as_str(), "debug" | "info" | "warning" | "error" | "exception" | "critical" | "log"))
                    {
                        let args = c
                            .arguments
                            .args
                            .iter()
                            .chain(c.arguments.keywords.iter().map(|k| &k.value));
                        for a in args {
                            // Handed on whole (`await http_exception_handler(request, exc)`).
                            hit |= matches!(a, Expr::Name(n) if n.id.as_str() == exc)
                                || leaks_in(a, exc, false)
                                || matches!(a, Expr::Attribute(at)
                                    if at.attr.as_str() == "detail"
                                        && matches!(&*at.value, Expr::Name(n) if n.id.as_str() == exc));
                            walk::for_each_subexpr(a, &mut |x| {
                                hit |= matches!(x, Expr::Attribute(at)
                                    if at.attr.as_str() == "detail"
                                        && matches!(&*at.value, Expr::Name(n) if n.id.as_str() == exc));
                            });
                        }
                    }
                });
                // Raised again: the default handler answers.
                walk::for_each_stmt(stmts, &mut |st| hit |= matches!(st, Stmt::Raise(_)));
                hit
            };
            if !leaks_text(&h.body) {
                out.all = true;
                continue;
            }
            for st in &h.body {
                let Stmt::If(i) = st else {
                    if leaks_text(std::slice::from_ref(st)) {
                        break;
                    }
                    continue;
                };
                let returns = i.body.iter().any(|b| matches!(b, Stmt::Return(_)));
                if i.elif_else_clauses.is_empty()
                    && returns
                    && !leaks_text(&i.body)
                    && let Expr::Compare(cmp) = &*i.test
                    && cmp.ops.len() == 1
                    && matches!(&*cmp.left, Expr::Attribute(a)
                        if a.attr.as_str() == "status_code"
                            && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == exc))
                {
                    let right = &cmp.comparators[0];
                    let codes: Vec<u16> = match right {
                        Expr::Tuple(t) => t.elts.iter().filter_map(status_code).collect(),
                        Expr::List(t) => t.elts.iter().filter_map(status_code).collect(),
                        Expr::Set(t) => t.elts.iter().filter_map(status_code).collect(),
                        e => status_code(e).into_iter().collect(),
                    };
                    if !codes.is_empty() {
                        out.when.push((cmp.ops[0], codes));
                    }
                    continue;
                }
                if leaks_text(std::slice::from_ref(st)) {
                    break;
                }
            }
        }
    }
    out
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let rewritten = std::cell::OnceCell::new();
    let mut seen = Seen::default();
    let class_index = std::cell::OnceCell::new();
    let own_text: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
    for m in &ctx.project.modules {
        if !m.interesting || !(m.source.contains("HTTPException") || m.source.contains("Response"))
        {
            continue;
        }
        // The decode calls of this module, for telling token errors from others.
        let decode_ranges: Vec<TextRange> = ctx
            .model
            .decodes
            .iter()
            .filter(|d| d.module.id == m.id)
            .map(|d| d.call.range())
            .collect();
        walk::for_each_stmt(&m.ast().body, &mut |s| {
            let Stmt::Try(t) = s else { return };
            // Worked out only for a `try` whose handler leaks.
            let body_decodes = std::cell::OnceCell::new();
            for h in &t.handlers {
                let ExceptHandler::ExceptHandler(h) = h;
                let Some(name) = &h.name else { continue };
                let name = name.as_str();
                let body_decodes = || {
                    *body_decodes.get_or_init(|| try_body_decodes(ctx, m, &decode_ranges, &t.body))
                };
                let kind = std::cell::OnceCell::new();
                let kind = || {
                    *kind.get_or_init(|| match h.type_.as_deref() {
                        None => Caught::Any,
                        Some(ty) => caught(ctx, m, ty, &mut |last| {
                            let mut memo = own_text.borrow_mut();
                            if let Some(&v) = memo.get(last) {
                                return v;
                            }
                            let index = class_index.get_or_init(|| ClassIndex::build(ctx.project));
                            let v = !class_takes_foreign_text(ctx, index, last);
                            memo.insert(last.to_string(), v);
                            v
                        }),
                    })
                };
                walk::for_each_expr(&h.body, &mut |e, _| {
                    let Expr::Call(c) = e else { return };
                    let Some(q) = ctx.project.qualified_name(m, &c.func) else {
                        return;
                    };
                    let last = q.rsplit('.').next().unwrap_or(&q);
                    let target = match last {
                        "HTTPException" | "WebSocketException" => c
                            .arguments
                            .keywords
                            .iter()
                            .find(|k| {
                                k.arg.as_ref().is_some_and(|a| {
                                    a.as_str() == "detail" || a.as_str() == "reason"
                                })
                            })
                            .map(|k| &k.value)
                            .or(c.arguments.args.get(1)),
                        "JSONResponse" | "PlainTextResponse" | "HTMLResponse" => c
                            .arguments
                            .keywords
                            .iter()
                            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "content"))
                            .map(|k| &k.value)
                            .or(c.arguments.args.first()),
                        _ => None,
                    };
                    let Some(target) = target else { return };
                    let Some(range) = leaks(target, name) else {
                        return;
                    };
                    // An app-level handler answers this status with its own body.
                    if matches!(last, "HTTPException")
                        && rewritten
                            .get_or_init(|| rewritten_statuses(ctx))
                            .hides(raised_status(c))
                    {
                        return;
                    }
                    // The app's own messages, and input errors about the caller's own data
                    // (unless the input is the token), are meant for the client.
                    let token_error = match kind() {
                        Caught::OwnText => return,
                        Caught::Any if !body_decodes() && try_only_parses(ctx, m, &t.body) => {
                            return;
                        }
                        Caught::Input if !body_decodes() => return,
                        Caught::Token => true,
                        _ => body_decodes(),
                    };
                    let loc = ctx.location(Origin {
                        module: m.id,
                        range,
                    });
                    if seen.first(&loc) {
                        let why = if token_error {
                            "it tells an attacker which token check failed"
                        } else {
                            "internal error messages can expose paths, queries or configuration"
                        };
                        out.push(finding(
                            &META,
                            format!(
                                "the text of exception `{name}` is sent to the client in the `{last}` body: {why}"
                            ),
                            loc,
                            Vec::new(),
                        ));
                    }
                });
            }
        });
    }
    out
}

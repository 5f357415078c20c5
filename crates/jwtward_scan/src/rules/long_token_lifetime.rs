use crate::rules::{Seen, short_callee};
use crate::{Ctx, encode_trace, finding};
use jwtward_python::ast::{Expr, Operator, Stmt};
use jwtward_python::{Const, FunctionRef, Origin, Ranged, Scope, Value, walk};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "long-token-lifetime",
    severity: Severity::Medium,
    cwe: &[613],
    summary: "Access tokens are minted with a lifetime above the threshold (default 24 hours).",
    explanation: "A JWT cannot be revoked before it expires unless the service keeps a deny-list. The longer an access token lives, the longer a leaked or stolen one (browser storage, logs, a proxy) lets an attacker act as the user, and the longer a fired employee or a changed role keeps access. The lifetime is followed through constants in other modules, settings, `timedelta(...)` arithmetic and the arguments callers pass to a token-minting helper. Refresh tokens (a function or `type` claim that says `refresh`) are not reported. The threshold is `--token-lifetime-threshold`. Nor are lifetimes written for another kind of token: a line (or the `if` right above it) that names a refresh, reset, verification or invitation token or an API key. A fallback lifetime (`delta or timedelta(days=7)`, or the `else` of `if delta is not None:`) counts only when some caller in the application leaves the parameter out or passes `None`.",
    remediation: "Keep access tokens short-lived (minutes to a few hours) and use refresh tokens, which can be rotated and revoked server-side, for long sessions.",
    example: "ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 30\nexpire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)\njwt.encode({\"sub\": user, \"exp\": expire}, key, algorithm=\"HS256\")",
    fixed_example: "ACCESS_TOKEN_EXPIRE_MINUTES = 15\nexpire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)\njwt.encode({\"sub\": user, \"exp\": expire}, key, algorithm=\"HS256\")",
};

/// A human duration (`30 days`, `8 hours`, `90 minutes`).
pub fn human(secs: f64) -> String {
    let s = secs.round() as i64;
    let plural = |n: i64, u: &str| format!("{n} {u}{}", if n == 1 { "" } else { "s" });
    if s % 86400 == 0 {
        plural(s / 86400, "day")
    } else if s % 3600 == 0 {
        plural(s / 3600, "hour")
    } else if s % 60 == 0 {
        plural(s / 60, "minute")
    } else {
        plural(s, "second")
    }
}

enum Item {
    Dur(f64, Origin),
    Param(String),
    /// A lifetime used only when the parameter is missing (`if delta is not None: ... else:
    /// expire = now + timedelta(days=7)`, `delta or timedelta(days=7)`).
    Fallback(String, f64, Origin),
}

/// The parameter whose absence the branch holding `at` depends on: the `else` of
/// `if p is not None:` / `if p:`, or the body of `if p is None:` / `if not p:`.
fn missing_guard(f: Option<&FunctionRef<'_>>, at: jwtward_python::TextRange) -> Option<String> {
    use jwtward_python::ast::{CmpOp, UnaryOp};
    let f = f?;
    let params: Vec<String> = f.params().iter().map(|p| p.name.to_string()).collect();
    fn tested(test: &Expr, params: &[String]) -> Option<(String, bool)> {
        // (parameter, true when the test's body is the "present" branch)
        match test {
            Expr::Name(n) if params.iter().any(|p| p == n.id.as_str()) => {
                Some((n.id.to_string(), true))
            }
            Expr::UnaryOp(u) if matches!(u.op, UnaryOp::Not) => {
                tested(&u.operand, params).map(|(p, present)| (p, !present))
            }
            Expr::Compare(c)
                if c.ops.len() == 1
                    && matches!(c.comparators.first(), Some(Expr::NoneLiteral(_))) =>
            {
                let (p, _) = tested(&c.left, params)?;
                match c.ops[0] {
                    CmpOp::IsNot | CmpOp::NotEq => Some((p, true)),
                    CmpOp::Is | CmpOp::Eq => Some((p, false)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    fn walk_body(
        body: &[Stmt],
        at: jwtward_python::TextRange,
        params: &[String],
    ) -> Option<String> {
        for st in body {
            if !st.range().contains_range(at) {
                continue;
            }
            if let Stmt::If(i) = st {
                let t = tested(&i.test, params);
                let in_body = i.body.iter().any(|b| b.range().contains_range(at));
                if let Some((p, present)) = &t {
                    if in_body && !present {
                        return Some(p.clone());
                    }
                    if !in_body && *present {
                        return Some(p.clone());
                    }
                }
                if in_body {
                    return walk_body(&i.body, at, params);
                }
                for c in &i.elif_else_clauses {
                    if c.range().contains_range(at) {
                        return walk_body(&c.body, at, params);
                    }
                }
                return None;
            }
            return match st {
                Stmt::With(w) => walk_body(&w.body, at, params),
                Stmt::Try(t) => walk_body(&t.body, at, params),
                _ => None,
            };
        }
        None
    }
    walk_body(&f.def.body, at, &params)
}

/// Marks the lifetimes of `items` as used only when `param` is missing.
fn as_fallback(param: &str, items: Vec<Item>) -> impl Iterator<Item = Item> + '_ {
    items.into_iter().map(move |it| match it {
        Item::Dur(s, o) => Item::Fallback(param.to_string(), s, o),
        other => other,
    })
}

fn looks_like_time(m: &jwtward_python::Module, e: &Expr) -> bool {
    let t = m.slice(e.range()).to_ascii_lowercase();
    t.contains("time") || t.contains("now") || t.contains("utc") || t.contains("timestamp")
}

fn durations(
    ctx: &Ctx<'_, '_>,
    scope: &Scope<'_>,
    f: Option<&FunctionRef<'_>>,
    e: &Expr,
    depth: u32,
    out: &mut Vec<Item>,
) {
    if depth > 8 {
        return;
    }
    let m = scope.module;
    match e {
        // `expires_delta or timedelta(hours=settings.TOKEN_HOURS)`.
        Expr::BoolOp(b) => {
            // `delta or timedelta(...)`: what follows a parameter is its fallback.
            let mut after_param: Option<String> = None;
            for v in &b.values {
                let c = ctx.project.eval(scope, v);
                let mut found = Vec::new();
                match c.value {
                    Value::Duration(s) => found.push(Item::Dur(s, origin(m, v, &c))),
                    _ => durations(ctx, scope, f, v, depth + 1, &mut found),
                }
                if let Some(p) = after_param.as_deref() {
                    out.extend(as_fallback(p, found));
                } else {
                    for it in &found {
                        if let Item::Param(p) = it {
                            after_param.get_or_insert_with(|| p.clone());
                        }
                    }
                    out.extend(found);
                }
            }
        }
        Expr::BinOp(b) if matches!(b.op, Operator::Add) => {
            for (side, other) in [(&*b.left, &*b.right), (&*b.right, &*b.left)] {
                let c = ctx.project.eval(scope, side);
                match c.value {
                    Value::Duration(s) => out.push(Item::Dur(s, origin(m, side, &c))),
                    Value::Int(_) | Value::Float(_) if looks_like_time(m, other) => {
                        out.push(Item::Dur(c.seconds().unwrap_or(0.0), origin(m, side, &c)))
                    }
                    _ => {
                        if let Expr::Name(n) = side {
                            let name = n.id.as_str();
                            let is_param =
                                f.is_some_and(|f| f.params().iter().any(|p| p.name == name));
                            let bound = scope.bindings.iter().any(|(b, _)| b == name);
                            if is_param && !bound && local(f, name).is_empty() {
                                out.push(Item::Param(name.to_string()));
                                continue;
                            }
                            for v in local(f, name) {
                                let mut found = Vec::new();
                                durations(ctx, scope, f, v, depth + 1, &mut found);
                                match missing_guard(f, v.range()) {
                                    Some(p) => out.extend(as_fallback(&p, found)),
                                    None => out.extend(found),
                                }
                            }
                        }
                    }
                }
            }
        }
        Expr::Name(n) => {
            let name = n.id.as_str();
            let is_param = f.is_some_and(|f| f.params().iter().any(|p| p.name == name));
            let bound = scope.bindings.iter().any(|(b, _)| b == name);
            for v in local(f, name) {
                // `delta = delta or timedelta(...)`: the parameter, then the fallback.
                let own = mentions(v, name);
                if own && is_param && !bound {
                    out.push(Item::Param(name.to_string()));
                }
                let c = ctx.project.eval(scope, v);
                let mut found = Vec::new();
                match c.value {
                    Value::Duration(s) if !own => found.push(Item::Dur(s, origin(m, v, &c))),
                    _ => durations(ctx, scope, f, v, depth + 1, &mut found),
                }
                match missing_guard(f, v.range()) {
                    Some(p) => out.extend(as_fallback(&p, found)),
                    None => out.extend(found),
                }
            }
        }
        Expr::Call(c) => {
            durations(ctx, scope, f, &c.func, depth + 1, out);
            for a in c.arguments.args.iter() {
                durations(ctx, scope, f, a, depth + 1, out);
            }
        }
        Expr::Attribute(a) => durations(ctx, scope, f, &a.value, depth + 1, out),
        _ => {}
    }
}

fn mentions(e: &Expr, name: &str) -> bool {
    let mut found = false;
    walk::for_each_subexpr(e, &mut |x| {
        if matches!(x, Expr::Name(n) if n.id.as_str() == name) {
            found = true;
        }
    });
    found
}

fn origin(m: &jwtward_python::Module, e: &Expr, c: &Const) -> Origin {
    c.origin.unwrap_or(Origin {
        module: m.id,
        range: e.range(),
    })
}

fn local<'p>(f: Option<&FunctionRef<'p>>, name: &str) -> Vec<&'p Expr> {
    let Some(f) = f else { return Vec::new() };
    let mut out = Vec::new();
    walk::for_each_stmt_shallow(&f.def.body, &mut |s| {
        if let Stmt::Assign(a) = s {
            for t in &a.targets {
                if matches!(t, Expr::Name(n) if n.id.as_str() == name) {
                    out.push(&*a.value);
                }
            }
        }
        if let Stmt::AnnAssign(a) = s
            && let (Expr::Name(n), Some(v)) = (&*a.target, &a.value)
            && n.id.as_str() == name
        {
            out.push(&**v);
        }
    });
    out
}

/// The expressions a function puts under the `exp` claim.
fn exp_exprs(body: &[Stmt]) -> (Vec<&Expr>, bool) {
    let mut out = Vec::new();
    let mut refresh = false;
    walk::for_each_expr_shallow(body, &mut |e| match e {
        Expr::Dict(d) => {
            for item in &d.items {
                let Some(Expr::StringLiteral(k)) = &item.key else {
                    continue;
                };
                let k = k.value.to_str();
                if k == "exp" {
                    out.push(&item.value);
                }
                if matches!(k, "type" | "token_type" | "typ" | "token_use")
                    && matches!(&item.value, Expr::StringLiteral(v) if v.value.to_str().to_ascii_lowercase().contains("refresh"))
                {
                    refresh = true;
                }
            }
        }
        // `payload.update(exp=...)`, `TokenClaims(exp=...).dict()`.
        Expr::Call(c) => {
            for k in &c.arguments.keywords {
                if k.arg.as_ref().is_some_and(|a| a.as_str() == "exp") {
                    out.push(&k.value);
                }
            }
        }
        _ => {}
    });
    walk::for_each_stmt_shallow(body, &mut |s| {
        if let Stmt::Assign(a) = s {
            for t in &a.targets {
                if let Expr::Subscript(sub) = t
                    && matches!(&*sub.slice, Expr::StringLiteral(k) if k.value.to_str() == "exp")
                {
                    out.push(&*a.value);
                }
            }
        }
    });
    (out, refresh)
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for e in ctx.model.app_encodes() {
        let f = e.function.as_deref().and_then(|q| ctx.project.function(q));
        if f.as_ref()
            .is_some_and(|f| f.name().to_ascii_lowercase().contains("refresh"))
        {
            continue;
        }
        let scope = match &f {
            Some(f) => Scope::function(e.module, f.def),
            None => Scope::module(e.module),
        };
        let scope = match &e.via {
            Some(v) => scope.with_bindings(v.bindings.clone()),
            None => scope,
        };
        let (mut exps, refresh) = match &f {
            Some(f) => exp_exprs(&f.def.body),
            None => (Vec::new(), false),
        };
        if refresh {
            continue;
        }
        if f.is_none()
            && let Some(Expr::Dict(d)) = e.payload
        {
            for item in &d.items {
                if matches!(&item.key, Some(Expr::StringLiteral(k)) if k.value.to_str() == "exp") {
                    exps.push(&item.value);
                }
            }
        }
        let mut items = Vec::new();
        for x in exps {
            durations(ctx, &scope, f.as_ref(), x, 0, &mut items);
        }
        let mut lifetimes: Vec<(f64, Origin)> = Vec::new();
        for it in items {
            match it {
                Item::Dur(s, o) => lifetimes.push((s, o)),
                Item::Fallback(name, s, o) => {
                    // Used only when a caller leaves the parameter out (or passes None); a
                    // lifetime no call ever falls back to is not one any token gets.
                    let Some(f) = &f else {
                        lifetimes.push((s, o));
                        continue;
                    };
                    let sites = ctx.project.call_sites_of(&f.qualname);
                    let app_sites: Vec<_> = sites.iter().filter(|c| !c.module.is_test).collect();
                    let falls_back = app_sites.is_empty()
                        || app_sites.iter().any(|site| {
                            f.argument_for(site.call, &name)
                                .is_none_or(|a| matches!(a, Expr::NoneLiteral(_)))
                        });
                    if falls_back {
                        lifetimes.push((s, o));
                    }
                }
                Item::Param(name) => {
                    let Some(f) = &f else { continue };
                    let sites = ctx.project.call_sites_of(&f.qualname);
                    // The parameter default, when some caller (or none) leaves it out.
                    let default = f
                        .def
                        .parameters
                        .iter_non_variadic_params()
                        .find(|p| p.parameter.name.as_str() == name)
                        .and_then(|p| p.default.as_deref());
                    if let Some(def) = default
                        && (sites.is_empty()
                            || sites
                                .iter()
                                .any(|s| f.argument_for(s.call, &name).is_none()))
                    {
                        let c = ctx.project.eval(&Scope::module(f.module), def);
                        if let Value::Duration(s) = c.value {
                            lifetimes.push((s, origin(f.module, def, &c)));
                        }
                    }
                    for site in sites {
                        let Some(arg) = f.argument_for(site.call, &name) else {
                            continue;
                        };
                        let caller_scope = match ctx
                            .project
                            .enclosing_function(site.module, site.call.start())
                        {
                            Some(cf) => Scope::function(site.module, cf.def),
                            None => Scope::module(site.module),
                        };
                        let c = ctx.project.eval(&caller_scope, arg);
                        if let Value::Duration(s) = c.value {
                            lifetimes.push((s, origin(site.module, arg, &c)));
                        }
                    }
                }
            }
        }
        report(ctx, &mut out, &mut seen, &e.callee, lifetimes, || {
            encode_trace(ctx, e)
        });
    }
    for k in ctx.model.app_key_sites() {
        let Some((c, expr)) = &k.lifetime else {
            continue;
        };
        let Some(secs) = c.seconds() else { continue };
        let o = origin(k.module, expr, c.or_default());
        let what = k
            .used_by
            .split(" at ")
            .next()
            .unwrap_or(&k.used_by)
            .to_string();
        report(ctx, &mut out, &mut seen, &what, vec![(secs, o)], Vec::new);
    }
    out
}

fn report(
    ctx: &Ctx<'_, '_>,
    out: &mut Vec<Finding>,
    seen: &mut Seen,
    callee: &str,
    lifetimes: Vec<(f64, Origin)>,
    trace: impl Fn() -> Vec<jwtward_report::TraceStep>,
) {
    let threshold = ctx.settings.long_token_lifetime_threshold_secs as f64;
    {
        for (secs, o) in lifetimes {
            if secs <= threshold || names_another_kind(ctx, o) {
                continue;
            }
            let loc = ctx.location(o);
            if !seen.first(&loc) {
                continue;
            }
            let name = if callee.contains('(') {
                callee.trim_matches('`').to_string()
            } else {
                short_callee(callee)
            };
            out.push(finding(
                &META,
                format!(
                    "tokens minted by `{name}` live {} (threshold {}): a leaked token stays usable that long",
                    human(secs),
                    human(threshold)
                ),
                loc,
                trace(),
            ));
        }
    }
}

/// The lifetime is written for another kind of token than the access token the routes
/// accept: its line (`EMAIL_RESET_TOKEN_EXPIRE_HOURS = 48`, `API_KEY_LIFETIME = ...`) or the
/// `if`/`elif` right above it (`elif token_type == "refresh":`) names a refresh token, a
/// password-reset or verification token, an invitation or an API key (stored and revocable).
fn names_another_kind(ctx: &Ctx<'_, '_>, o: Origin) -> bool {
    let m = ctx.project.module(o.module);
    let src = &m.source;
    let start = usize::from(o.range.start()).min(src.len());
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let mut text = src[line_start..line_end].to_ascii_lowercase();
    if line_start > 0 {
        let prev_start = src[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let prev = src[prev_start..line_start - 1]
            .trim_start()
            .to_ascii_lowercase();
        if prev.starts_with("if ") || prev.starts_with("elif ") {
            text.push(' ');
            text.push_str(&prev);
        }
    }
    [
        "refresh",
        "reset",
        "verif",
        "invite",
        "invitation",
        "api_key",
        "apikey",
        "api-key",
    ]
    .iter()
    .any(|w| text.contains(w))
}

use crate::jwt_model::{Check, DecodeKind, Library};
use crate::rules::Seen;
use crate::{Ctx, decode_trace, finding};
use jwtward_python::ast::{CmpOp, Expr, Stmt};
use jwtward_python::walk;
use jwtward_python::{Binding, Ranged, TextRange, Value};
use jwtward_report::{Finding, RuleMeta, Severity};

/// Both calls decode the same token: the same expression text.
fn same_token(a: &crate::DecodeCall<'_>, b: &crate::DecodeCall<'_>) -> bool {
    let text = |d: &crate::DecodeCall<'_>| {
        d.token.map(|t| {
            d.module
                .slice(t.range())
                .split_whitespace()
                .collect::<String>()
        })
    };
    matches!((text(a), text(b)), (Some(x), Some(y)) if x == y)
}

pub const META: RuleMeta = RuleMeta {
    name: "signature-not-verified",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "A token is decoded without checking its signature, and its claims are trusted.",
    explanation: "A JWT's claims are only as trustworthy as its signature. PyJWT skips the check with `options={\"verify_signature\": False}` (and PyJWT 1 with `verify=False`), python-jose with the same option, `jws.verify(..., verify=False)` or `jwt.get_unverified_claims`. Whoever calls the API can then write any `sub` or `role` into a token and be accepted. Reading the unverified header to choose a key, and then verifying, is the normal key-rotation pattern and is not reported; reading unverified claims is reported unless the same token (the same expression) is verified afterwards with a key in the same function, or at module level in the same module; a keyless `jwt.decode(token)` is not a verification, and a decode that is handed a key with verification switched off is not a peek (a peek has no key yet) whatever follows. Issuer routing is not reported either: the claims are bound to one name read only for `iss`, and that issuer is checked against a fixed set written in the code (`in` a literal set, list or tuple, an `Enum` conversion, a lookup in a dict literal with constant keys), so the token's other claims never leave the function. Nor a claim read only for log lines: the decoding function returns it and every caller uses the value only inside logging calls, or stores it in `request.state.X` that the project reads only inside logging calls (a middleware tagging request logs with the tenant a token names), or claims read only inside logging calls of the decoding function itself (a refused token's payload logged). Nor key selection (a function that returns only a yes/no about a peeked claim, every call of which sits inside a verified decode with a key), an expiry peek (a function named for expiry that reads only `exp` (and `sub`) and returns that comparison), or a token taken out of the claims of a token the same function verified first (a signed envelope around a provider's token). Options are followed through dicts in variables, `**mappings` (a module constant, a wrapper's `**kwargs` bound at each call site), `{**DEFAULTS, ...}`, `DEFAULTS | {...}`, `dict(DEFAULTS, ...)` and a local copy changed in place (`opts[\"verify_signature\"] = False`, `opts.update(...)`). python_jwt's `process_jwt` reads unverified claims like `get_unverified_claims`.",
    remediation: "Verify the signature on every token that drives an authentication or authorisation decision: call `jwt.decode(token, key, algorithms=[...])` with the verification options left on. If you need a claim to pick the key, read only the header (`get_unverified_header`) and verify afterwards.",
    example: "payload = jwt.decode(token, options={\"verify_signature\": False})\nuser_id = payload[\"sub\"]",
    fixed_example: "payload = jwt.decode(token, settings.jwt_key, algorithms=[\"HS256\"])\nuser_id = payload[\"sub\"]",
};

/// The unverified claims of `d` are not trusted for anything that matters: the token is
/// verified afterwards, they only route by issuer, only reach log lines, or only choose the
/// key a verified decode checks the token with. The route model asks this before calling a
/// guard that reaches `d` forgeable.
pub fn unverified_claims_harmless(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let decodes = &ctx.model.decodes;
    // Peek-then-verify: the same token is verified afterwards, with a key, in the same
    // function (or at module level).
    // A peek has no key yet (it reads the token to choose one): a decode that is handed
    // a key and switches verification off is a verification switched off, whatever
    // follows.
    let verifies = !has_key(ctx, d)
        && decodes.iter().any(|o| {
            o.module.id == d.module.id
                && o.function == d.function
                && o.call.start() > d.call.start()
                && matches!(o.kind, DecodeKind::Decode | DecodeKind::SignatureOnly)
                && !o.signature.is_off()
                && has_key(ctx, o)
                && same_token(d, o)
        });
    verifies
        || issuer_routing(ctx, d)
        || claims_only_logged(ctx, d)
        || (!has_key(ctx, d)
            && (claims_only_select_key(ctx, d)
                || claims_logged_here(ctx, d)
                || expiry_peek(ctx, d)
                || inside_verified_envelope(ctx, d)))
}

/// The decoding function's body and the name the unverified claims are bound to.
fn peek_binding<'a>(
    ctx: &Ctx<'_, 'a>,
    d: &crate::DecodeCall<'a>,
) -> Option<(jwtward_python::FunctionRef<'a>, String)> {
    let f = ctx.project.enclosing_function(d.module, d.call.start())?;
    let name = bound_name(&f.def.body, d.call.range())?.to_string();
    Some((f, name))
}

/// Every read of the unverified claims in the decoding function is inside a logging call
/// (`payload = jwt.decode(t, options=...)` in an `except` that only logs it after the
/// provider rejected the token).
fn claims_logged_here(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let Some((f, name)) = peek_binding(ctx, d) else {
        return false;
    };
    let logs = logging_ranges(&f.def.body);
    let mut loads = 0;
    let mut outside = false;
    walk::for_each_expr_shallow(&f.def.body, &mut |e| {
        if let Expr::Name(n) = e
            && n.id.as_str() == name
            && n.ctx.is_load()
        {
            loads += 1;
            outside |= !logs.iter().any(|r| r.contains_range(n.range()));
        }
    });
    loads > 0 && !outside
}

/// The function answers only whether the token has expired (`_is_token_expired`: it reads
/// `exp` from the unverified claims and every `return` is that comparison): at worst a forged
/// `exp` makes the app refresh early or late, the token itself is checked where it is used.
fn expiry_peek(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let Some((f, name)) = peek_binding(ctx, d) else {
        return false;
    };
    let md = d.module;
    let mut returns = 0;
    let mut only_exp = true;
    walk::for_each_stmt_shallow(&f.def.body, &mut |st| {
        if let Stmt::Return(r) = st {
            returns += 1;
            let t = r
                .value
                .as_deref()
                .map(|v| md.slice(v.range()))
                .unwrap_or("");
            let boolish = matches!(
                r.value.as_deref(),
                Some(
                    Expr::Compare(_) | Expr::BoolOp(_) | Expr::BooleanLiteral(_) | Expr::UnaryOp(_)
                )
            );
            only_exp &= boolish && (t.contains("exp") || t == "True" || t == "False");
        }
    });
    // The claims are read only for `exp` (and a sanity comparison of `sub`).
    let mut other_reads = false;
    walk::for_each_expr_shallow(&f.def.body, &mut |e| {
        let key = match e {
            Expr::Subscript(sub) if matches!(&*sub.value, Expr::Name(n) if n.id.as_str() == name) => {
                match &*sub.slice {
                    Expr::StringLiteral(l) => Some(l.value.to_str().to_string()),
                    _ => Some(String::new()),
                }
            }
            Expr::Call(c)
                if matches!(&*c.func, Expr::Attribute(a)
                    if a.attr.as_str() == "get"
                        && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == name)) =>
            {
                match c.arguments.args.first() {
                    Some(Expr::StringLiteral(l)) => Some(l.value.to_str().to_string()),
                    _ => Some(String::new()),
                }
            }
            _ => None,
        };
        if let Some(k) = key {
            other_reads |= !matches!(k.as_str(), "exp" | "sub");
        }
    });
    f.def.name.as_str().to_ascii_lowercase().contains("expir")
        && returns > 0
        && only_exp
        && !other_reads
}

/// The token peeked at was taken out of a token this function verified first (`decoded =
/// jwt.decode(signed, SECRET, algorithms=["HS256"])`, then `jwt.decode(decoded["access_token"],
/// options={"verify_signature": False})`): the outer signature vouches for the inner token.
fn inside_verified_envelope(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let Some(token) = d.token else { return false };
    let Some(f) = ctx.project.enclosing_function(d.module, d.call.start()) else {
        return false;
    };
    // The verified decodes of the function, by the name their claims are bound to.
    let verified: Vec<String> = ctx
        .model
        .decodes
        .iter()
        .filter(|o| {
            o.module.id == d.module.id
                && o.function == d.function
                && o.call.start() < d.call.start()
                && matches!(o.kind, DecodeKind::Decode | DecodeKind::SignatureOnly)
                && !o.signature.is_off()
                && has_key(ctx, o)
        })
        .filter_map(|o| bound_name(&f.def.body, o.call.range()).map(str::to_string))
        .collect();
    if verified.is_empty() {
        return false;
    }
    let from_claims = |e: &Expr| match e {
        Expr::Subscript(s) => {
            matches!(&*s.value, Expr::Name(n) if verified.iter().any(|v| v == n.id.as_str()))
        }
        Expr::Call(c) => matches!(&*c.func, Expr::Attribute(a)
            if a.attr.as_str() == "get"
                && matches!(&*a.value, Expr::Name(n) if verified.iter().any(|v| v == n.id.as_str()))),
        _ => false,
    };
    match token {
        e if from_claims(e) => true,
        Expr::Name(n) => {
            let mut ok = false;
            walk::for_each_stmt_shallow(&f.def.body, &mut |st| {
                if let Stmt::Assign(a) = st
                    && matches!(a.targets.as_slice(), [Expr::Name(t)] if t.id == n.id)
                    && from_claims(&a.value)
                {
                    ok = true;
                }
            });
            ok
        }
        _ => false,
    }
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for d in ctx.model.app_decodes() {
        if d.kind != DecodeKind::UnverifiedClaims {
            continue;
        }
        if unverified_claims_harmless(ctx, d) {
            continue;
        }
        let Check::Off(origin) = d.signature else {
            continue;
        };
        let loc = ctx.location(origin);
        if !seen.first(&loc) {
            continue;
        }
        let callee = crate::rules::short_callee(&d.callee);
        let msg = if d.callee.ends_with("get_unverified_claims")
            || d.callee.ends_with("process_jwt")
        {
            format!(
                "`{callee}` reads the token's claims without verifying its signature, and the token is never verified afterwards: a forged token is trusted"
            )
        } else if d.library == Library::Jose && d.callee.ends_with("jws.verify") {
            format!(
                "`{callee}` is called with `verify=False`: the signature is not checked and a forged token is accepted"
            )
        } else if d.library == Library::PyJwt
            && !ctx.model.pyjwt_v1
            && d.call
                .arguments
                .keywords
                .iter()
                .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "verify"))
        {
            format!(
                "`{callee}` is called with `verify=False`: with PyJWT 1 the signature is not checked and a forged token is accepted (no requirements file pins PyJWT 2, which ignores `verify=`)"
            )
        } else if origin.module != d.module.id || !d.call.range().contains_range(origin.range) {
            // Switched off away from the call (an options dict, a flag): name the decode.
            format!(
                "`{callee}` at {} decodes the token with signature verification switched off here: a forged token is accepted",
                crate::place(d.module, d.call.range())
            )
        } else {
            format!(
                "`{callee}` decodes the token with signature verification switched off here: a forged token is accepted"
            )
        };
        out.push(finding(&META, msg, loc, decode_trace(ctx, d)));
    }
    out
}

/// The decode is handed a key: not `None`, `False` or an empty string. A parameter counts as
/// a key (each caller passes its own) unless the call site this instance was evaluated for
/// binds it to no key; its default (`key=None`) is not what every caller passes.
fn has_key(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    // python_jwt's `verify_jwt` without a key raises unless `none` is allowed (reported by
    // `none-algorithm-allowed`): it verifies or stops.
    if d.library == Library::PythonJwt && d.kind == DecodeKind::Decode {
        return true;
    }
    let Some(k) = d.key.as_ref() else {
        return false;
    };
    if let Expr::Name(n) = k.expr
        && d.via
            .as_ref()
            .is_none_or(|v| v.bindings.iter().all(|(p, _)| p != n.id.as_str()))
        && let Some(f) = ctx.project.enclosing_function(d.module, d.call.start())
        && f.params().iter().any(|p| p.name == n.id.as_str())
    {
        return true;
    }
    match &k.value.value {
        Value::None | Value::Bool(_) => false,
        Value::Str(s) => !s.is_empty(),
        Value::Bytes(b) => !b.is_empty(),
        _ => true,
    }
}

/// Issuer routing: the unverified claims are bound to one name that is only read for `iss`
/// (`payload.get("iss")`, `payload["iss"]`), and that issuer is checked against a fixed set
/// written in the code: `in`/`not in` a literal set, list or tuple of constants, a conversion
/// to an `Enum` class, or a lookup in a dict literal with constant keys. The token's other
/// claims never leave the function, and the issuer it names can only be one of the allowed
/// ones: like a `kid` peek, it chooses which key verifies the token.
fn issuer_routing(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let function = d
        .function
        .as_ref()
        .and_then(|_| ctx.project.enclosing_function(d.module, d.call.start()));
    let body: &[Stmt] = match &function {
        Some(f) => &f.def.body,
        None => &d.module.ast().body,
    };
    // `payload = jwt.decode(...)`: the one name the claims are bound to.
    let Some(payload) = bound_name(body, d.call.range()) else {
        return false;
    };
    let is_payload = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == payload);
    let is_iss = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "iss");
    // Every read of `payload` is a read of its `iss` claim.
    let mut loads = 0usize;
    let mut iss_reads: Vec<TextRange> = Vec::new();
    walk::for_each_expr_shallow(body, &mut |e| match e {
        Expr::Name(n) if n.id.as_str() == payload && n.ctx.is_load() => loads += 1,
        Expr::Call(c)
            if c.arguments.keywords.is_empty()
                && matches!(c.arguments.args.len(), 1 | 2)
                && is_iss(&c.arguments.args[0])
                && matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "get" && is_payload(&a.value)) =>
        {
            iss_reads.push(c.range());
        }
        Expr::Subscript(s) if is_payload(&s.value) && is_iss(&s.slice) && s.ctx.is_load() => {
            iss_reads.push(s.range());
        }
        _ => {}
    });
    if loads == 0 || loads != iss_reads.len() {
        return false;
    }
    // Names the issuer is bound to (`issuer = payload.get("iss")`).
    let mut iss_names: Vec<&str> = Vec::new();
    walk::for_each_stmt_shallow(body, &mut |s| {
        if let Stmt::Assign(a) = s
            && let [Expr::Name(n)] = a.targets.as_slice()
            && iss_reads.contains(&a.value.range())
        {
            iss_names.push(n.id.as_str());
        }
    });
    let is_issuer = |e: &Expr| {
        iss_reads.contains(&e.range())
            || matches!(e, Expr::Name(n) if iss_names.contains(&n.id.as_str()))
    };
    let literal = |e: &Expr| {
        matches!(
            e,
            Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::BytesLiteral(_)
        )
    };
    let fixed_collection = |e: &Expr| {
        let elts = match e {
            Expr::Set(s) => &s.elts,
            Expr::List(l) => &l.elts,
            Expr::Tuple(t) => &t.elts,
            _ => return false,
        };
        !elts.is_empty() && elts.iter().all(literal)
    };
    // A dict literal with constant keys bound to `name` in the function or the module.
    let fixed_dict = |name: &str| {
        let mut values: Vec<&Expr> = Vec::new();
        walk::for_each_stmt_shallow(body, &mut |s| {
            if let Stmt::Assign(a) = s
                && let [Expr::Name(n)] = a.targets.as_slice()
                && n.id.as_str() == name
            {
                values.push(&a.value);
            }
        });
        if values.is_empty()
            && let Some(Binding::Assign { value: Some(v), .. }) =
                ctx.project.binding_in(d.module, name)
        {
            values.push(v);
        }
        !values.is_empty()
            && values.iter().all(|v| {
                matches!(v, Expr::Dict(dict) if !dict.items.is_empty()
                    && dict.items.iter().all(|it| it.key.as_ref().is_some_and(literal)))
            })
    };
    let is_enum = |func: &Expr| {
        let Some(q) = ctx.project.qualified_name(d.module, func) else {
            return false;
        };
        let Some(class) = ctx.project.class(&q) else {
            return false;
        };
        ctx.project.class_bases(&class).iter().any(|b| {
            matches!(
                b.as_str(),
                "enum.Enum" | "enum.StrEnum" | "enum.IntEnum" | "enum.Flag" | "enum.IntFlag"
            )
        })
    };
    let mut checked = false;
    walk::for_each_expr_shallow(body, &mut |e| match e {
        Expr::Compare(c)
            if matches!(c.ops.as_ref(), [CmpOp::In | CmpOp::NotIn])
                && is_issuer(&c.left)
                && fixed_collection(&c.comparators[0]) =>
        {
            checked = true;
        }
        Expr::Call(c)
            if c.arguments.args.len() == 1
                && is_issuer(&c.arguments.args[0])
                && is_enum(&c.func) =>
        {
            checked = true;
        }
        Expr::Subscript(s)
            if is_issuer(&s.slice)
                && matches!(&*s.value, Expr::Name(n) if fixed_dict(n.id.as_str())) =>
        {
            checked = true;
        }
        _ => {}
    });
    checked
}

/// A logging call: `logger.info(...)`, `logging.warning(...)`, `log.debug(...)`, `print(...)`.
fn is_logging_call(c: &jwtward_python::ast::ExprCall) -> bool {
    match &*c.func {
        Expr::Attribute(a) => matches!(
            a.attr.as_str(),
            "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical" | "log"
        ),
        Expr::Name(n) => n.id.as_str() == "print",
        _ => false,
    }
}

/// The ranges of the logging calls in `body` (nested functions included).
fn logging_ranges(body: &[Stmt]) -> Vec<TextRange> {
    let mut out = Vec::new();
    walk::for_each_expr(body, &mut |e, _| {
        if let Expr::Call(c) = e
            && is_logging_call(c)
        {
            out.push(c.range());
        }
    });
    out
}

/// The one name a call's result is bound to in `body` (`identity = _extract_identity(...)`).
pub(crate) fn bound_name(body: &[Stmt], call: TextRange) -> Option<&str> {
    let mut bound = None;
    walk::for_each_stmt_shallow(body, &mut |s| {
        if let Stmt::Assign(a) = s
            && let [Expr::Name(n)] = a.targets.as_slice()
            && a.value.range() == call
        {
            bound = Some(n.id.as_str());
        }
    });
    bound
}

/// The unverified claims only choose the key a verified decode then checks the token with:
/// the decoding function returns a yes/no answer (`return audience == spot.AUDIENCE`), never
/// the claims, and each of its calls sits inside a verified decode with a key (`jwt.decode(t,
/// key=SPOT_KEY if is_spot_token(t) else KEY, algorithms=..., audience=...)`). A forged
/// token only makes the decode try the other key.
fn claims_only_select_key(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let Some(q) = d.function.as_deref() else {
        return false;
    };
    let Some(f) = ctx.project.enclosing_function(d.module, d.call.start()) else {
        return false;
    };
    let mut answers = 0;
    let mut other = false;
    walk::for_each_stmt_shallow(&f.def.body, &mut |st| {
        if let Stmt::Return(r) = st {
            match r.value.as_deref() {
                Some(Expr::Compare(_) | Expr::BooleanLiteral(_)) => answers += 1,
                Some(Expr::UnaryOp(u)) if u.op == jwtward_python::ast::UnaryOp::Not => answers += 1,
                _ => other = true,
            }
        }
    });
    if answers == 0 || other {
        return false;
    }
    let sites = ctx.project.call_sites_of(q);
    !sites.is_empty()
        && sites.iter().all(|site| {
            ctx.model.decodes.iter().any(|o| {
                o.module.id == site.module.id
                    && o.call.range().contains_range(site.call.range())
                    && matches!(o.kind, DecodeKind::Decode | DecodeKind::SignatureOnly)
                    && !o.signature.is_off()
                    && has_key(ctx, o)
            })
        })
}

/// The unverified claims only feed log lines: the decoding function returns a claim, and
/// every caller binds the result to a name read only inside logging calls, or stored in
/// `request.state.X` where every read of `state.X` in the project is inside a logging call
/// (keep's `LoggingMiddleware` tagging request logs with a tenant id). Nothing decides on
/// them.
fn claims_only_logged(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let Some(q) = d.function.as_deref() else {
        return false;
    };
    let Some(f) = ctx.project.enclosing_function(d.module, d.call.start()) else {
        return false;
    };
    let Some(payload) = bound_name(&f.def.body, d.call.range()) else {
        return false;
    };
    // In the decoding function, the claims are only read to be returned.
    let mut returns: Vec<TextRange> = Vec::new();
    walk::for_each_stmt_shallow(&f.def.body, &mut |s| {
        if let Stmt::Return(r) = s
            && let Some(v) = &r.value
        {
            returns.push(v.range());
        }
    });
    let mut loads_ok = true;
    let mut loads = 0;
    walk::for_each_expr_shallow(&f.def.body, &mut |e| {
        if let Expr::Name(n) = e
            && n.id.as_str() == payload
            && n.ctx.is_load()
        {
            loads += 1;
            if !returns.iter().any(|r| r.contains_range(n.range())) {
                loads_ok = false;
            }
        }
    });
    if loads == 0 || !loads_ok {
        return false;
    }
    let sites = ctx.project.call_sites_of(q);
    if sites.is_empty() {
        return false;
    }
    let mut state_attrs: Vec<String> = Vec::new();
    for site in &sites {
        let Some(caller) = site.caller.as_deref().and_then(|c| ctx.project.function(c)) else {
            return false;
        };
        let body = &caller.def.body;
        let Some(v) = bound_name(body, site.call.range()) else {
            return false;
        };
        let logs = logging_ranges(body);
        let mut ok = true;
        // `request.state.tenant_id = identity`: the attribute it is stored in.
        let mut stores: Vec<TextRange> = Vec::new();
        walk::for_each_stmt_shallow(body, &mut |s| {
            if let Stmt::Assign(a) = s
                && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == v)
                && let [Expr::Attribute(t)] = a.targets.as_slice()
                && matches!(&*t.value, Expr::Attribute(st) if st.attr.as_str() == "state")
            {
                state_attrs.push(t.attr.to_string());
                stores.push(a.value.range());
            }
        });
        walk::for_each_expr_shallow(body, &mut |e| {
            if let Expr::Name(n) = e
                && n.id.as_str() == v
                && n.ctx.is_load()
                && !logs.iter().any(|r| r.contains_range(n.range()))
                && !stores.contains(&n.range())
            {
                ok = false;
            }
        });
        if !ok {
            return false;
        }
    }
    // Every read of `state.X` anywhere in the project is a log line.
    for m in &ctx.project.modules {
        if !state_attrs.iter().any(|a| m.source.contains(a.as_str())) {
            continue;
        }
        let body = &m.ast().body;
        let logs = logging_ranges(body);
        let mut ok = true;
        walk::for_each_expr(body, &mut |e, _| {
            if let Expr::Attribute(t) = e
                && t.ctx.is_load()
                && state_attrs.iter().any(|a| a == t.attr.as_str())
                && matches!(&*t.value, Expr::Attribute(st) if st.attr.as_str() == "state")
                && !logs.iter().any(|r| r.contains_range(t.range()))
            {
                ok = false;
            }
        });
        if !ok {
            return false;
        }
    }
    true
}

use crate::rules::Seen;
use crate::{Ctx, finding};
use jwtward_python::ast::{ExceptHandler, Expr, Stmt};
use jwtward_python::{Origin, Ranged, TextRange, walk};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "error-detail-leak",
    severity: Severity::Low,
    cwe: &[209],
    summary: "Exception text is sent to the client in an HTTP error detail.",
    explanation: "`detail=f\"Invalid token: {e}\"` or `detail=str(e)` hands the library's own error message to whoever sent the request. For token validation that tells an attacker exactly which check failed (signature, algorithm, expiry, audience, key format), turning blind guessing into a guided search, and other exceptions can leak paths, SQL or configuration. Passing on an `HTTPException`'s own `e.detail` is not reported.",
    remediation: "Return a fixed, generic message (`detail=\"Could not validate credentials\"`) and log the exception server-side instead.",
    example: "except jwt.InvalidTokenError as e:\n    raise HTTPException(status_code=401, detail=f\"Invalid token: {e}\")",
    fixed_example: "except jwt.InvalidTokenError:\n    logger.info(\"token rejected\", exc_info=True)\n    raise HTTPException(status_code=401, detail=\"Could not validate credentials\")",
};

/// Attributes of an exception that are meant for the client (an HTTPException's own fields).
const SAFE_ATTRS: &[&str] = &["detail", "status_code", "headers", "code"];

fn leaks(e: &Expr, name: &str) -> Option<TextRange> {
    let mut safe: Vec<TextRange> = Vec::new();
    let mut hit = None;
    walk::for_each_subexpr(e, &mut |x| match x {
        Expr::Attribute(a)
            if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == name)
                && SAFE_ATTRS.contains(&a.attr.as_str()) =>
        {
            safe.push(a.value.range());
        }
        Expr::Name(n) if n.id.as_str() == name && hit.is_none() && !safe.contains(&x.range()) => {
            hit = Some(x.range());
        }
        _ => {}
    });
    hit.map(|_| e.range())
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

/// True when the `except` clause names a token-validation error of PyJWT, python-jose or
/// Authlib (directly or in a tuple).
fn catches_token_error(ctx: &Ctx<'_, '_>, m: &jwtward_python::Module, ty: &Expr) -> bool {
    let mut hit = false;
    walk::for_each_subexpr(ty, &mut |x| {
        if matches!(x, Expr::Name(_) | Expr::Attribute(_))
            && let Some(q) = ctx.project.qualified_name(m, x)
        {
            let last = q.rsplit('.').next().unwrap_or(&q);
            let lib = q.starts_with("jwt.") || q.starts_with("jose.") || q.starts_with("authlib.");
            hit |= lib && TOKEN_ERRORS.contains(&last);
        }
    });
    hit
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

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
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
                let token_error = || {
                    *body_decodes.get_or_init(|| try_body_decodes(ctx, m, &decode_ranges, &t.body))
                        || h.type_
                            .as_deref()
                            .is_some_and(|ty| catches_token_error(ctx, m, ty))
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
                    let loc = ctx.location(Origin {
                        module: m.id,
                        range,
                    });
                    if seen.first(&loc) {
                        let why = if token_error() {
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

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

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for m in &ctx.project.modules {
        if !m.interesting || !(m.source.contains("HTTPException") || m.source.contains("Response"))
        {
            continue;
        }
        walk::for_each_stmt(&m.ast().body, &mut |s| {
            let Stmt::Try(t) = s else { return };
            for h in &t.handlers {
                let ExceptHandler::ExceptHandler(h) = h;
                let Some(name) = &h.name else { continue };
                let name = name.as_str();
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
                        out.push(finding(
                            &META,
                            format!(
                                "the text of exception `{name}` is sent to the client in the `{last}` body: it tells an attacker which check failed"
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

//! `missing-www-authenticate`: a 401 raised without a `WWW-Authenticate` header.

use super::finding;
use crate::analysis::Ctx;
use crate::index::Sym;
use jwtward_report::{Finding, RuleMeta, Severity};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

pub static META: RuleMeta = RuleMeta {
    name: "missing-www-authenticate",
    severity: Severity::Low,
    cwe: &[],
    summary: "A 401 response is raised without a WWW-Authenticate header",
    explanation: "RFC 9110 requires a 401 response to carry `WWW-Authenticate`, naming the \
scheme the client should use. Clients, proxies and API gateways rely on it to tell \"log in \
again\" from other failures, and FastAPI's own security schemes always send it; a bare 401 \
raised by hand is inconsistent with them.",
    remediation: "Pass `headers={\"WWW-Authenticate\": \"Bearer\"}` to every 401 \
`HTTPException` or response.",
    example: "raise HTTPException(status_code=401, detail=\"login required\")",
    fixed_example: "raise HTTPException(status_code=401, detail=\"login required\",\n                    headers={\"WWW-Authenticate\": \"Bearer\"})",
};

struct Calls<'p> {
    calls: Vec<&'p ExprCall>,
}

impl<'p> Visitor<'p> for Calls<'p> {
    fn visit_expr(&mut self, e: &'p Expr) {
        if let Expr::Call(c) = e {
            self.calls.push(c);
        }
        visitor::walk_expr(self, e);
    }
}

fn is_401(e: &Expr) -> bool {
    match e {
        Expr::NumberLiteral(n) => {
            matches!(&n.value, ruff_python_ast::Number::Int(i) if i.as_u16() == Some(401))
        }
        Expr::Attribute(a) => a.attr.as_str() == "HTTP_401_UNAUTHORIZED",
        _ => false,
    }
}

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let ix = &cx.m().ix;
    for md in ix.project.modules.iter() {
        let web = md.source.contains("fastapi") || md.source.contains("starlette");
        if md.is_test || !web || !md.source.contains("401") {
            continue;
        }
        let mut v = Calls { calls: Vec::new() };
        for s in &md.ast().body {
            v.visit_stmt(s);
        }
        for c in v.calls {
            let (status_pos, what) = match ix.resolve_expr(md.id, &c.func) {
                Some(Sym::External(q)) if q.ends_with("HTTPException") => {
                    (Some(0), "HTTPException")
                }
                Some(Sym::External(q))
                    if crate::index::is_framework(
                        &q,
                        &["JSONResponse", "Response", "PlainTextResponse"],
                    ) =>
                {
                    (None, "response")
                }
                _ => continue,
            };
            let status = c
                .arguments
                .find_keyword("status_code")
                .map(|k| &k.value)
                .or_else(|| status_pos.and_then(|p| c.arguments.find_positional(p)));
            if !status.is_some_and(is_401) {
                continue;
            }
            let ok = match c.arguments.find_keyword("headers").map(|k| &k.value) {
                None => false,
                Some(Expr::Dict(d)) => d.items.iter().any(|i| {
                    i.key.as_ref().is_none_or(|k| match k {
                        Expr::StringLiteral(s) => {
                            s.value.to_str().eq_ignore_ascii_case("www-authenticate")
                        }
                        _ => true,
                    })
                }),
                Some(Expr::NoneLiteral(_)) => false,
                Some(_) => true,
            };
            if ok {
                continue;
            }
            let trace = vec![cx.an.step(
                md.id,
                c.range(),
                format!("401 {what} without a WWW-Authenticate header"),
            )];
            let msg = format!("a 401 {what} is raised without a WWW-Authenticate header");
            out.push(finding(cx, &META, msg, md.id, c.range(), trace));
        }
    }
}

//! `missing-www-authenticate`: a 401 raised without a `WWW-Authenticate` header.

use super::{finding, reachable_deps};
use crate::analysis::Ctx;
use crate::flow::{SourceKind, TokenSource};
use crate::index::Sym;
use crate::model::{DepTarget, Func};
use jwtward_report::{Finding, RuleMeta, Severity};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;
use std::collections::HashSet;

pub static META: RuleMeta = RuleMeta {
    name: "missing-www-authenticate",
    severity: Severity::Low,
    cwe: &[],
    summary: "A 401 response is raised without a WWW-Authenticate header",
    explanation: "RFC 9110 requires a 401 response to carry `WWW-Authenticate`, naming the \
scheme the client should use. Clients, proxies and API gateways rely on it to tell \"log in \
again\" from other failures, and FastAPI's own security schemes always send it; a bare 401 \
raised by hand in a bearer dependency is inconsistent with them. Reported only where the 401 \
answers an HTTP authentication scheme: in a dependency, middleware or handler that takes the \
credential from the `Authorization` header (a bearer or basic scheme, directly or through a \
sub-dependency) or another token header. A 401 for a failed password login, a webhook \
signature, a cookie session, a signed link in the query string, an identity header a \
reverse proxy sets (`Remote-User`) or someone else's resource has no scheme to name and is \
not reported.",
    remediation: "Pass `headers={\"WWW-Authenticate\": \"Bearer\"}` to every 401 \
`HTTPException` or response.",
    example: "def current_user(creds = Depends(HTTPBearer(auto_error=False))):\n    if creds is None:\n        raise HTTPException(status_code=401, detail=\"login required\")",
    fixed_example: "def current_user(creds = Depends(HTTPBearer(auto_error=False))):\n    if creds is None:\n        raise HTTPException(status_code=401, detail=\"login required\",\n                            headers={\"WWW-Authenticate\": \"Bearer\"})",
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

/// The 401 responses built in `f`'s own body (not in nested functions) that carry no
/// `WWW-Authenticate` header: (the call, what it is).
fn bare_401s<'p>(cx: &Ctx<'_, 'p>, f: Func<'p>) -> Vec<(&'p ExprCall, &'static str)> {
    let ix = &cx.m().ix;
    let mut v = Calls { calls: Vec::new() };
    for s in &f.def.body {
        v.visit_stmt(s);
    }
    let mut out = Vec::new();
    for c in v.calls {
        let (status_pos, what) = match ix.resolve_expr(f.mid, &c.func) {
            Some(Sym::External(q)) if q.ends_with("HTTPException") => (Some(0), "HTTPException"),
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
        if !ok {
            out.push((c, what));
        }
    }
    out
}

/// The token-carrying header `f` reads its credential from, itself or (up to `depth`
/// levels) through the dependencies of its parameters.
fn header_source<'p>(cx: &Ctx<'_, 'p>, f: Func<'p>, depth: usize) -> Option<TokenSource> {
    let s = cx.an.summary(f);
    if let Some(t) = s
        .sources
        .iter()
        .find(|t| t.kind == SourceKind::Header && t.is_token_like() && !t.is_proxy_identity())
    {
        return Some(t.clone());
    }
    if depth == 0 {
        return None;
    }
    cx.an
        .params(f)
        .iter()
        .find_map(|p| match p.dep.as_ref().map(|d| &d.target) {
            Some(DepTarget::Func(g)) if g.key() != f.key() => header_source(cx, *g, depth - 1),
            _ => None,
        })
}

/// Only a 401 that answers an HTTP authentication scheme needs a challenge: one raised by a
/// dependency, middleware or handler that takes the credential from the `Authorization`
/// header (a bearer or basic scheme, `request.headers["authorization"]`) or another
/// token header. A 401 for a failed password login, a webhook signature, a cookie session,
/// a signed link in the query string or an ownership check has no scheme to name, and code
/// that only raises inside a helper whose caller turns the error into a response is not
/// where the answer is built.
pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let ix = &cx.m().ix;
    // Dependencies and middleware count the credential of their sub-dependencies (a
    // dependency on a bearer scheme, or on a function that reads the header); a handler only
    // its own, so that a 401 for someone else's resource behind `Depends(current_user)` is
    // not taken for an authentication challenge.
    let mut funcs: Vec<(Func, bool)> = reachable_deps(cx).into_iter().map(|f| (f, true)).collect();
    funcs.extend(
        cx.mws
            .iter()
            .filter(|w| w.is_auth)
            .filter_map(|w| w.func)
            .map(|f| (f, true)),
    );
    funcs.extend(
        cx.routes
            .iter()
            .filter_map(|r| r.handler)
            .map(|f| (f, false)),
    );
    let mut done = HashSet::new();
    let mut seen = HashSet::new();
    for (f, deep) in funcs {
        if !done.insert(f.key()) || ix.module(f.mid).is_test {
            continue;
        }
        let Some(src) = header_source(cx, f, if deep { 4 } else { 0 }) else {
            continue;
        };
        for (c, what) in bare_401s(cx, f) {
            if !seen.insert((f.mid, c.range().start())) {
                continue;
            }
            let trace = vec![
                cx.an.step(
                    src.mid,
                    src.range,
                    format!(
                        "{} takes the credential from the `{}` header",
                        f.display(),
                        src.name
                    ),
                ),
                cx.an.step(
                    f.mid,
                    c.range(),
                    format!("401 {what} without a WWW-Authenticate header"),
                ),
            ];
            let msg = format!(
                "{} answers a missing or invalid `{}` credential with a 401 {what} without a WWW-Authenticate header",
                f.display(),
                src.name
            );
            out.push(finding(cx, &META, msg, f.mid, c.range(), trace));
        }
    }
}

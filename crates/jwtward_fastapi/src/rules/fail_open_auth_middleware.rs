//! `fail-open-auth-middleware`: middleware that validates tokens but passes the request on
//! when validation fails.

use super::finding;
use crate::analysis::{Auth, Ctx};
use jwtward_report::{Finding, RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    name: "fail-open-auth-middleware",
    severity: Severity::High,
    cwe: &[287],
    summary: "Authentication middleware passes the request on when token validation fails",
    explanation: "Middleware that decodes the token but, on a decode error or a missing token, \
sets `request.state.user = None` (or swallows the exception) and calls `call_next` anyway \
turns authentication into a hint: every route behind it runs for anonymous callers and \
forged tokens unless each handler re-checks the user. A middleware that only identifies the \
caller is not reported: when every route behind it has its own guard that rejects (a \
dependency, the handler's own check) or is public by design, no route relies on it. Nor is Starlette's `AuthenticationMiddleware`, which lets anonymous \
requests through by design: the routes that rely on it are reported as `unprotected-route`. \
Nor is a middleware that hands no identity on (no `request.state.*`, no `scope[\"user\"]` or `scope[\"state\"]`): it \
only refuses some present tokens, and the routes without a guard of their own are reported \
one by one.",
    remediation: "Return a 401 response (`JSONResponse(status_code=401, headers={\"WWW-Authenticate\": \
\"Bearer\"})`) from the middleware on every failure path; only pass on requests whose token \
verified, plus an explicit list of public paths.",
    example: "async def dispatch(self, request, call_next):\n    try:\n        request.state.user = jwt.decode(token, KEY, algorithms=[\"HS256\"])\n    except jwt.PyJWTError:\n        request.state.user = None\n    return await call_next(request)",
    fixed_example: "async def dispatch(self, request, call_next):\n    try:\n        request.state.user = jwt.decode(token, KEY, algorithms=[\"HS256\"])\n    except jwt.PyJWTError:\n        return JSONResponse({\"detail\": \"invalid token\"}, status_code=401,\n                            headers={\"WWW-Authenticate\": \"Bearer\"})\n    return await call_next(request)",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    for (w, mw) in cx.mws.iter().enumerate() {
        if !mw.is_auth {
            continue;
        }
        let Some(p) = mw.fail_open.first() else {
            continue;
        };
        // A middleware that hands no identity on (no `request.state.*`, no `scope["user"]`):
        // the routes cannot lean on it for who the caller is, so those without a guard of
        // their own are reported one by one as `unprotected-route`; it only refuses some
        // present tokens (revoked, another tenant's).
        let hands_identity = !mw.state_attrs.is_empty()
            || mw.func.is_some_and(|f| {
                let t = cx.m().ix.module(f.mid).slice(f.def.range);
                crate::analysis::sets_scope_identity(t)
            });
        if !hands_identity {
            continue;
        }
        // Starlette's AuthenticationMiddleware lets anonymous requests through by design; the
        // fix belongs on the routes (`@requires`, a dependency), which `unprotected-route`
        // reports one by one.
        if cx.m().objs[mw.obj].middleware[mw.idx]
            .name
            .ends_with("AuthenticationMiddleware")
        {
            continue;
        }
        // A middleware that only identifies the caller: every route behind it is protected
        // by its own guard (a dependency that rejects, the handler's own check) or public by
        // design, so no route serves on the middleware's word alone.
        let behind: Vec<usize> = (0..cx.routes.len())
            .filter(|&ri| cx.routes[ri].middleware.contains(&w))
            .collect();
        let relies = |ri: &usize| {
            let a = &cx.auths[*ri];
            !matches!(a.auth, Auth::Protected | Auth::PublicByDesign)
                && a.weak_mw.iter().any(|(x, _)| *x == w)
        };
        if !behind.is_empty() && !behind.iter().any(relies) {
            continue;
        }
        if !seen.insert((p.mid, p.range.start())) {
            continue;
        }
        let decl = &cx.m().objs[mw.obj].middleware[mw.idx];
        let mut trace = vec![cx.an.step(
            decl.mid,
            decl.range,
            format!("middleware {} wraps the app", decl.name),
        )];
        trace.extend(p.trace.iter().cloned());
        if let Some(ri) = cx
            .routes
            .iter()
            .position(|r| r.middleware.iter().any(|&w| std::ptr::eq(&cx.mws[w], mw)))
        {
            trace.push(cx.route_step(ri));
        }
        let msg = format!(
            "middleware {} passes the request on when the token is missing or fails to verify",
            decl.name
        );
        out.push(finding(cx, &META, msg, p.mid, p.range, trace));
    }
}

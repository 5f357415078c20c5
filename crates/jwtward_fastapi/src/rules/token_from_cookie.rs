//! `token-from-cookie`: a token read from a cookie where the app authenticates by header,
//! or a header-to-cookie fallback.

use super::{finding, reachable_deps_by_root};
use crate::analysis::Ctx;
use crate::flow::SourceKind;
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::{BTreeSet, HashSet};

pub static META: RuleMeta = RuleMeta {
    name: "token-from-cookie",
    severity: Severity::High,
    cwe: &[287],
    summary: "A token is read from a cookie where the app otherwise authenticates by header, or a dependency falls back from header to cookie",
    explanation: "Browsers attach cookies to cross-site requests on their own. An API that \
authenticates by `Authorization` header is immune to CSRF; once one dependency or middleware \
also accepts the token from a cookie (often as a fallback when the header is missing), any \
site the victim visits can make authenticated requests with the victim's session, and \
header-only defences (CORS preflight assumptions, CSRF exemptions) no longer hold. A \
function that reads the cookie first and the header only when there is no cookie is a cookie \
scheme: it is reported only when another dependency of the same app authenticates by header \
alone. An app with a CSRF-defence middleware in front of its routes (`CsrfOriginMiddleware`) \
takes its cookie session on purpose and is not reported.",
    remediation: "Read the token from one place. If cookies are needed (a browser front end), \
make cookie authentication a separate, explicit scheme with `SameSite=strict` cookies and \
CSRF protection, and never fall back to it from the header path.",
    example: "token = request.headers.get(\"authorization\", \"\").removeprefix(\"Bearer \")\nif not token:\n    token = request.cookies.get(\"session\", \"\")",
    fixed_example: "token = request.headers.get(\"authorization\", \"\").removeprefix(\"Bearer \")\nif not token:\n    return deny(\"missing token\")",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // Auth functions with the apps they serve (middleware: the apps it is added to).
    let mut funcs: Vec<(crate::model::Func, BTreeSet<usize>)> = reachable_deps_by_root(cx);
    for w in cx.mws.iter().filter(|w| w.is_auth) {
        if let Some(f) = w.func {
            let roots = cx
                .routes
                .iter()
                .filter(|r| r.middleware.iter().any(|&x| std::ptr::eq(&cx.mws[x], w)))
                .map(|r| r.root)
                .collect();
            funcs.push((f, roots));
        }
    }
    let mut header_roots = BTreeSet::new();
    let mut per_func = Vec::new();
    for (f, roots) in funcs {
        let s = cx.an.summary(f);
        let is_auth = s.decodes.is_some()
            || s.verifies.is_some()
            || s.sources.iter().any(|t| t.is_token_like());
        if !is_auth {
            continue;
        }
        // The credential the function reads first is its scheme: header first (then a
        // cookie) is a header scheme with a cookie fallback; cookie first (then the header)
        // is a cookie scheme that also takes the header, which makes no header-only app.
        let first = |k: SourceKind| {
            s.sources
                .iter()
                .filter(|t| t.kind == k && t.is_token_like())
                .map(|t| (t.mid, t.range.start()))
                .min()
        };
        let header = match (first(SourceKind::Header), first(SourceKind::Cookie)) {
            (Some(h), Some(c)) => h.0 != c.0 || h.1 < c.1,
            (Some(_), None) => true,
            _ => false,
        };
        if header {
            header_roots.extend(roots.iter().copied());
        }
        per_func.push((f, header, roots, s));
    }
    // An app that runs a CSRF defence in front of its routes (`CsrfOriginMiddleware`
    // refusing cross-site writes that ride the cookie) takes its cookie session on purpose.
    let csrf_defended = |root: usize| {
        cx.routes
            .iter()
            .filter(|r| r.root == root)
            .any(|r| r.middleware.iter().any(|&w| cx.is_csrf_middleware(w)))
    };
    let mut seen = HashSet::new();
    for (f, header, roots, s) in per_func {
        // Routers no app includes (wired at run time) run under the middleware of the app
        // that mounts them, and test apps are not deployed: judged by the app's own apps.
        let apps: Vec<usize> = roots
            .iter()
            .copied()
            .filter(|&r| {
                let o = &cx.an.m.objs[r];
                o.kind == crate::model::ObjKind::App && !cx.an.m.ix.module(o.mid).is_test
            })
            .collect();
        if !apps.is_empty() && apps.iter().all(|&r| csrf_defended(r)) {
            continue;
        }
        let app_uses_header = roots.iter().any(|r| header_roots.contains(r));
        for c in s
            .sources
            .iter()
            .filter(|t| t.kind == SourceKind::Cookie && t.is_token_like())
        {
            if !header && !app_uses_header {
                continue;
            }
            // Only a cookie that carries the bearer credential: the function decodes or
            // verifies a token. An opaque session id looked up in a store is a session
            // cookie, not a token taken from a cookie.
            if s.decodes.is_none() && s.verifies.is_none() {
                continue;
            }
            if !seen.insert((c.mid, c.range.start())) {
                continue;
            }
            let (msg, note) = if header {
                (
                    format!(
                        "{} falls back from the Authorization header to the `{}` cookie",
                        f.display(),
                        c.name
                    ),
                    "reads the token from a cookie when the header is missing",
                )
            } else {
                (
                    format!(
                        "{} reads the token from the `{}` cookie while the app authenticates by header",
                        f.display(),
                        c.name
                    ),
                    "reads the token from a cookie",
                )
            };
            let trace = vec![
                cx.an.step(
                    f.mid,
                    f.def.name.range,
                    format!("{} authenticates requests", f.display()),
                ),
                cx.an.step(c.mid, c.range, note),
            ];
            out.push(finding(cx, &META, msg, c.mid, c.range, trace));
        }
    }
}

//! `unprotected-route`: a route without effective authentication where the app requires it.

use super::route_finding;
use crate::analysis::{Auth, Ctx, DepClass, IdentityUse, Level, family, is_read, is_sensitive};
use crate::model::{ObjKind, RouteKind};
use jwtward_report::{Finding, RuleMeta, Severity, TraceStep};

pub static META: RuleMeta = RuleMeta {
    name: "unprotected-route",
    severity: Severity::High,
    cwe: &[306],
    summary: "A route has no effective authentication although the app around it requires it",
    explanation: "Authentication in FastAPI is per route: a dependency has to run for each one. \
Routes slip through when a sibling forgets the dependency its neighbours have, when a \
sub-app is mounted (app-level `dependencies=` do not apply to mounted apps, nor to Starlette \
routes added with `add_route`), when an auth middleware exempts the path or lets invalid \
tokens through and the handler never checks, or when the route consumes a fail-open \
dependency without checking the identity. Obviously public routes (health, status, ping, \
docs, login and token issuing, `.well-known`, UI translations, a public read next to \
protected writes, a handler that answers from the caller's own input alone with no store, \
state or secret read) are not reported.",
    remediation: "Attach the authentication dependency at the router or include level so every \
route gets it, give mounted sub-apps their own `dependencies=`, keep middleware exemptions \
to public paths, and check the identity in handlers that receive an optional one.",
    example: "router = APIRouter(prefix=\"/issues\")\n\n@router.get(\"\")\ndef list_issues(user=Depends(get_current_user)): ...\n\n@router.delete(\"/{issue_id}\")\ndef delete_issue(issue_id: int): ...",
    fixed_example: "router = APIRouter(prefix=\"/issues\", dependencies=[Depends(get_current_user)])\n\n@router.get(\"\")\ndef list_issues(): ...\n\n@router.delete(\"/{issue_id}\")\ndef delete_issue(issue_id: int): ...",
};

fn parent(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit_once('/')
        .map(|(a, _)| a)
        .unwrap_or("")
}

/// The handler reads `request.user`, itself or in a project function it hands the request to
/// (`update_telemetry_state(request=request)`).
fn looks_at_user<'p>(cx: &Ctx<'_, 'p>, h: crate::model::Func<'p>) -> bool {
    use ruff_python_ast::visitor::{self, Visitor};
    let text = |f: crate::model::Func<'p>| cx.m().ix.module(f.mid).slice(f.def.range);
    if text(h).contains(".user") {
        return true;
    }
    struct Calls<'p>(Vec<&'p ruff_python_ast::ExprCall>);
    impl<'p> Visitor<'p> for Calls<'p> {
        fn visit_expr(&mut self, e: &'p ruff_python_ast::Expr) {
            if let ruff_python_ast::Expr::Call(c) = e {
                self.0.push(c);
            }
            visitor::walk_expr(self, e);
        }
    }
    let mut calls = Calls(Vec::new());
    for st in &h.def.body {
        calls.visit_stmt(st);
    }
    let hands_request = |c: &ruff_python_ast::ExprCall| {
        c.arguments
            .args
            .iter()
            .chain(c.arguments.keywords.iter().map(|k| &k.value))
            .any(|a| matches!(a, ruff_python_ast::Expr::Name(n) if n.id.as_str() == "request"))
    };
    calls.0.iter().any(|c| {
        hands_request(c)
            && cx
                .an
                .callee(h, &c.func)
                .is_some_and(|g| text(g).contains("request.user"))
    })
}

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ri, a) in cx.auths.iter().enumerate() {
        if matches!(a.auth, Auth::Protected | Auth::PublicByDesign) {
            continue;
        }
        let r = &cx.routes[ri];
        // Served only in some configurations (a router included under `if settings...`);
        // or never run (an earlier route answers it: that one is reported).
        if cx.is_public(ri)
            || r.gate.is_some()
            || r.handler_gate.is_some()
            || cx.shadowed_by[ri].is_some()
        {
            continue;
        }
        let m = cx.m();
        let mut reason: Option<(String, Vec<TraceStep>)> = None;

        // Registered before a guarded route of the same method and path: FastAPI runs the
        // first match, this one, and the guarded copy never runs.
        if let Some((j, by)) = &cx.shadows_guarded[ri] {
            let s = &cx.routes[*j];
            reason = Some((
                format!(
                    "it is registered before {} {} (which requires {by}) and FastAPI runs the first match, so the guarded copy never runs",
                    s.methods.join(","),
                    s.path
                ),
                vec![cx.an.step(
                    s.mid,
                    s.range,
                    format!(
                        "{} {} requires {by} but is registered later: never reached",
                        s.methods.join(","),
                        s.path
                    ),
                )],
            ));
        }

        // A mounted sub-app escapes the parent's app-level dependencies.
        for &(parent_app, mi) in r.mounts.iter().rev() {
            let po = &m.objs[parent_app];
            if let Some(d) = po.deps.iter().find(|d| cx.classify(d).is_auth()) {
                let mt = &po.mounts[mi];
                reason = Some((
                    format!(
                        "sub-app mounted at {} escapes the parent app's authentication dependencies",
                        mt.path
                    ),
                    vec![
                        cx.an.step(d.mid, d.range, format!("the parent app requires {}", d.text)),
                        cx.an.step(mt.mid, mt.range, format!(
                            "mounted at {}: app-level dependencies do not apply to mounted sub-apps",
                            mt.path
                        )),
                    ],
                ));
                break;
            }
        }
        // A Starlette route added with add_route escapes app-level dependencies.
        if reason.is_none() && r.kind == RouteKind::Starlette {
            let po = &m.objs[r.decl_obj];
            if po.kind == ObjKind::App
                && let Some(d) = po.deps.iter().find(|d| cx.classify(d).is_auth())
            {
                reason = Some((
                    "a Starlette route added with add_route escapes the app-level authentication dependencies".into(),
                    vec![
                        cx.an.step(d.mid, d.range, format!("the app requires {}", d.text)),
                        cx.an.step(r.mid, r.range, "add_route registers a plain Starlette route: no dependencies run"),
                    ],
                ));
            }
        }
        // An auth middleware exempts the path, or lets invalid tokens through.
        if reason.is_none()
            && let Some(w) = a.exempted_by
        {
            let mw = &cx.mws[w];
            let decl = &m.objs[mw.obj].middleware[mw.idx];
            let mut trace = vec![cx.an.step(
                decl.mid,
                decl.range,
                format!("auth middleware {}", decl.name),
            )];
            if let (Some(at), Some(f)) = (mw.exempt_at, mw.func) {
                trace.push(cx.an.step(
                    f.mid,
                    at,
                    format!("exempts {} from authentication", r.path),
                ));
            }
            reason = Some((
                format!(
                    "middleware {} exempts this route from authentication",
                    decl.name
                ),
                trace,
            ));
        }
        if reason.is_none() {
            for (w, use_) in &a.weak_mw {
                if matches!(use_, IdentityUse::Unchecked) {
                    let mw = &cx.mws[*w];
                    let decl = &m.objs[mw.obj].middleware[mw.idx];
                    // Starlette's AuthenticationMiddleware makes the identity optional by
                    // design (`request.user` is an `UnauthenticatedUser`): a read that looks
                    // at `request.user` to personalise is a public read, as with a dependency
                    // named optional. Writes are still reported.
                    let reads_only = r
                        .methods
                        .iter()
                        .all(|x| matches!(x.as_str(), "GET" | "HEAD" | "OPTIONS"));
                    if decl.name.ends_with("AuthenticationMiddleware")
                        && reads_only
                        && r.handler.is_some_and(|h| looks_at_user(cx, h))
                    {
                        continue;
                    }
                    let mut trace = vec![cx.an.step(
                        decl.mid,
                        decl.range,
                        format!("auth middleware {}", decl.name),
                    )];
                    if let Some(p) = mw.fail_open.first() {
                        trace.extend(p.trace.iter().cloned());
                    }
                    if let Some(h) = r.handler {
                        trace.push(cx.an.step(
                            h.mid,
                            h.def.name.range,
                            format!("{}() never checks the identity", h.def.name.as_str()),
                        ));
                    }
                    reason = Some((
                        format!(
                            "middleware {} passes requests without a valid token on and the handler never checks",
                            decl.name
                        ),
                        trace,
                    ));
                    break;
                }
            }
        }
        // The app's authentication is an HTTP middleware (`BaseHTTPMiddleware`,
        // `@app.middleware("http")`), which a WebSocket connection never meets, and the
        // WebSocket handler checks nothing itself.
        if reason.is_none()
            && a.auth == Auth::None
            && r.kind == RouteKind::WebSocket
            && let Some(&w) = r.http_only_mw.iter().find(|&&w| {
                let mw = &cx.mws[w];
                let samples = [
                    crate::analysis::sample_path(&r.path, "x"),
                    crate::analysis::sample_path(&r.path, "q7"),
                ];
                mw.is_auth
                    && !mw.exempt.iter().any(|e| {
                        e.test.matches(&r.path) || samples.iter().any(|p| e.test.matches(p))
                    })
            })
        {
            let mw = &cx.mws[w];
            let decl = &m.objs[mw.obj].middleware[mw.idx];
            reason = Some((
                format!(
                    "the app authenticates in the HTTP middleware {}, which never runs for a WebSocket connection, and the handler checks nothing",
                    decl.name
                ),
                vec![cx.an.step(
                    decl.mid,
                    decl.range,
                    format!(
                        "HTTP middleware {}: Starlette runs it for HTTP requests only",
                        decl.name
                    ),
                )],
            ));
        }
        // A fail-open dependency consumed without checking the identity.
        if reason.is_none() {
            for (d, level, class, use_) in &a.weak {
                let DepClass::FailOpen(p) = class else {
                    continue;
                };
                let unchecked = match use_ {
                    Some(IdentityUse::Unchecked) => true,
                    None => *level != Level::Parameter,
                    _ => false,
                };
                if !unchecked {
                    continue;
                }
                let mut trace =
                    vec![
                        cx.an
                            .step(d.mid, d.range, format!("{} may yield None", d.text)),
                    ];
                trace.extend(p.trace.iter().take(1).cloned());
                if let (Some(h), Some(param)) = (r.handler, &d.param) {
                    trace.push(cx.an.step(
                        h.mid,
                        h.def.name.range,
                        format!(
                            "{}() uses `{param}` without checking it",
                            h.def.name.as_str()
                        ),
                    ));
                }
                reason = Some((
                    format!(
                        "the route consumes the fail-open {} without checking the identity",
                        d.text
                    ),
                    trace,
                ));
                break;
            }
        }
        // An app- or router-level guard lets the path through by a broad test
        // (`path.startswith(("/api/items/",))`) and nothing else guards the route.
        if reason.is_none()
            && a.auth == Auth::None
            && let Some((guard, test)) = &a.dep_exempt_by
        {
            reason = Some((
                format!("the guard {guard} lets it through (`{test}`) and nothing else checks"),
                vec![cx.an.step(
                    r.mid,
                    r.range,
                    format!("{guard} returns early for this path: `{test}`"),
                )],
            ));
        }
        // A token minted for whoever the caller names, with no check at all.
        if reason.is_none()
            && cx.mints_unchecked(ri)
            && let Some(h) = r.handler
        {
            reason = Some((
                "it mints a token for a caller-chosen subject with no credential check".into(),
                vec![cx.an.step(
                    h.mid,
                    h.def.name.range,
                    format!("{}() issues a token and never rejects", h.def.name.as_str()),
                )],
            ));
        }
        // Protected comparable siblings: the same resource family, in the same router or
        // under the same parent path.
        if reason.is_none() && a.auth == Auth::None {
            let fam = family(&r.path);
            // A router that serves one resource (or a few) makes its routes comparable; a
            // catch-all router (`api_router` with status, rates, accounts...) does not.
            let router_families = || {
                let mut fams: Vec<&str> = cx
                    .routes
                    .iter()
                    .filter(|s| s.decl_obj == r.decl_obj)
                    .map(|s| family(&s.path))
                    .collect();
                fams.sort_unstable();
                fams.dedup();
                fams.len()
            };
            let few_families = router_families() <= 3;
            // A sibling whose handler rejects by itself (an ownership or role check) shows
            // authorization inside an app that may authenticate elsewhere (a class-based
            // view, a controller), not a pattern its neighbours forgot.
            let by_dependency = |si: usize| {
                !cx.auths[si]
                    .protected_by
                    .as_deref()
                    .is_some_and(|b| b.ends_with("(rejects with 401/403 itself)"))
            };
            let sibling = cx.routes.iter().enumerate().find(|(si, s)| {
                *si != ri
                    && s.root == r.root
                    // The other branch of an `if settings.open_metrics: ... else: ...`
                    // registration is a configuration alternative, not a sibling.
                    && !(s.mid == r.mid
                        && s.path == r.path
                        && cx.alternative_branches(r.mid, r.range, s.range))
                    && cx.auths[*si].auth == Auth::Protected
                    && by_dependency(*si)
                    && s.mounts == r.mounts
                    && (s.decl_obj == r.decl_obj
                        && m.objs[r.decl_obj].kind == ObjKind::Router
                        && (few_families || !fam.is_empty() && family(&s.path) == fam)
                        || !fam.is_empty()
                            && family(&s.path) == fam
                            && !parent(&r.path).is_empty()
                            && parent(&s.path) == parent(&r.path))
            });
            // A public read next to protected writes on the same path is deliberate, and so
            // is a read whose protected siblings in the family are all writes (a public
            // catalogue managed by authenticated writers).
            let public_read = is_read(&r.methods)
                && !cx.not_a_catalogue(ri)
                && (cx.routes.iter().enumerate().any(|(si, s)| {
                    si != ri
                        && s.root == r.root
                        && s.path == r.path
                        && !is_read(&s.methods)
                        && cx.auths[si].auth == Auth::Protected
                }) || sibling.is_some()
                    && cx.routes.iter().enumerate().all(|(si, s)| {
                        si == ri
                            || s.root != r.root
                            || cx.auths[si].auth != Auth::Protected
                            || family(&s.path) != fam
                            || !is_read(&s.methods)
                    }));
            // A sensitive-looking route in an app that otherwise authenticates.
            let sensitive = || {
                is_sensitive(&r.path)
                    .then(|| {
                        cx.routes.iter().enumerate().find(|(si, s)| {
                            *si != ri
                                && s.root == r.root
                                && s.mounts == r.mounts
                                && cx.auths[*si].auth == Auth::Protected
                                && by_dependency(*si)
                        })
                    })
                    .flatten()
            };
            if public_read {
            } else if let Some((si, s)) = sibling {
                let by = cx.auths[si].protected_by.clone().unwrap_or_default();
                reason = Some((
                    format!(
                        "{} {} is protected by {by}, this route has no authentication",
                        s.methods.join(","),
                        s.path
                    ),
                    vec![cx.an.step(
                        s.mid,
                        s.range,
                        format!("sibling {} {} requires {by}", s.methods.join(","), s.path),
                    )],
                ));
            } else if let Some((si, s)) = sensitive() {
                let by = cx.auths[si].protected_by.clone().unwrap_or_default();
                reason = Some((
                    format!(
                        "a sensitive-looking route in an app that authenticates elsewhere ({} {} requires {by})",
                        s.methods.join(","),
                        s.path
                    ),
                    vec![cx.an.step(
                        s.mid,
                        s.range,
                        format!("{} {} requires {by}", s.methods.join(","), s.path),
                    )],
                ));
            }
        }
        let Some((why, steps)) = reason else { continue };
        let mut trace = vec![cx.route_step(ri)];
        trace.extend(steps);
        let msg = format!(
            "{} {} has no effective authentication: {why}",
            r.methods.join(","),
            r.path
        );
        out.push(route_finding(cx, &META, ri, msg, trace));
    }
}

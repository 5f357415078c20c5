//! `public-fallback-route`: a route that branches on a missing identity and still serves.

use super::{anonymous_by_design, route_finding};
use crate::analysis::{Auth, Ctx, IdentityUse};
use jwtward_report::{Finding, RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    name: "public-fallback-route",
    severity: Severity::High,
    cwe: &[287],
    summary: "A route branches on a missing identity and still serves a successful response",
    explanation: "When the identity a route receives can be None (an optional scheme, a \
fail-open dependency or middleware), `if user is None: return ...` serves a response to \
anonymous callers and to callers whose token failed to verify. An attacker who strips or \
corrupts the token reaches that branch; whatever it returns is unauthenticated data.",
    remediation: "Raise `HTTPException(401)` when the identity is missing, or split the \
anonymous behaviour into a separate, deliberately public route.",
    example: "@router.get(\"/reports\")\ndef reports(principal: OptionalPrincipal):\n    if principal is None:\n        return {\"reports\": PUBLIC}\n    return {\"reports\": ALL}",
    fixed_example: "@router.get(\"/reports\")\ndef reports(principal: Principal):  # raises 401 when missing\n    return {\"reports\": ALL}",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ri, a) in cx.auths.iter().enumerate() {
        let r = &cx.routes[ri];
        let Some(h) = r.handler else { continue };
        // Another dependency or middleware refuses anonymous callers first, or the route is
        // public by design (a reset or login page that an identity only redirects).
        if a.auth == Auth::Protected || cx.is_public(ri) {
            continue;
        }
        let mut hit = None;
        for (d, _, _, use_) in &a.weak {
            if anonymous_by_design(cx, ri, Some(d)) {
                continue;
            }
            if let Some(IdentityUse::ServesWhenMissing(at)) = use_ {
                let mut trace = vec![
                    cx.route_step(ri),
                    cx.an.step(
                        d.mid,
                        d.range,
                        format!("{} may yield None", cx.an.text(d.mid, d.range)),
                    ),
                ];
                if let Some((why, _)) = cx.an.dep_nullable(d) {
                    trace.extend(why);
                }
                trace.push(cx.an.step(
                    h.mid,
                    *at,
                    format!(
                        "{}() branches on the missing identity and still returns a response",
                        h.def.name.as_str()
                    ),
                ));
                hit = Some((*at, trace, d.param.clone().unwrap_or_default()));
                break;
            }
        }
        if hit.is_none() {
            for (w, use_) in &a.weak_mw {
                if let IdentityUse::ServesWhenMissing(at) = use_ {
                    let mw = &cx.mws[*w];
                    let decl = &cx.m().objs[mw.obj].middleware[mw.idx];
                    let mut trace = vec![
                        cx.route_step(ri),
                        cx.an.step(
                            decl.mid,
                            decl.range,
                            format!("middleware {} lets invalid tokens through", decl.name),
                        ),
                    ];
                    if let Some(p) = mw.fail_open.first() {
                        trace.extend(p.trace.iter().cloned());
                    }
                    trace.push(cx.an.step(
                        h.mid,
                        *at,
                        "the handler branches on the missing identity and still returns a response",
                    ));
                    let attr = mw.state_attrs.first().map(String::as_str).unwrap_or("user");
                    hit = Some((*at, trace, format!("request.state.{attr}")));
                    break;
                }
            }
        }
        if let Some((_at, trace, what)) = hit {
            let msg = format!(
                "{}() serves a response when `{what}` is missing instead of refusing the request",
                h.def.name.as_str()
            );
            out.push(route_finding(cx, &META, ri, msg, trace));
        }
    }
}

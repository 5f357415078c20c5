//! `optional-auth-scheme`: a scheme with `auto_error=False` whose dependents do not raise.

use super::{anonymous_by_design, finding};
use crate::analysis::{Auth, Ctx, IdentityUse};
use crate::model::DepTarget;
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::HashSet;

pub static META: RuleMeta = RuleMeta {
    name: "optional-auth-scheme",
    severity: Severity::High,
    cwe: &[306],
    summary: "A security scheme with auto_error=False whose dependents do not raise when it yields None",
    explanation: "`HTTPBearer(auto_error=False)`, `OAuth2PasswordBearer(..., auto_error=False)` \
and subclasses that pass `auto_error=False` to `super().__init__` return None instead of \
answering 401 when the request has no credentials. That is only safe when every dependent \
raises on None; a dependent that returns None (or a handler that does not check) makes the \
route anonymous.",
    remediation: "Keep `auto_error=True` (the default) on schemes that protect routes, or raise \
`HTTPException(401)` in every dependency that receives the scheme's None.",
    example: "bearer = HTTPBearer(auto_error=False)\n\ndef principal(creds=Depends(bearer)):\n    if creds is None:\n        return None\n    return decode(creds.credentials)",
    fixed_example: "bearer = HTTPBearer()\n\ndef principal(creds=Depends(bearer)):\n    return decode(creds.credentials)",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    for (ri, a) in cx.auths.iter().enumerate() {
        if a.auth == Auth::Protected {
            continue;
        }
        for (d, _level, _class, use_) in &a.weak {
            if matches!(use_, Some(IdentityUse::Checked)) || anonymous_by_design(cx, ri, Some(d)) {
                continue;
            }
            // The scheme and the point in the dependent where its None gets through.
            let (scheme, point) = match &d.target {
                DepTarget::Scheme(s) => (*s, None),
                DepTarget::Func(f) => match cx.an.summary(*f).optional_uses.first() {
                    Some((x, p)) => (*x, Some(p.clone())),
                    None => continue,
                },
                _ => continue,
            };
            if !seen.insert(scheme) {
                continue;
            }
            let sc = &cx.m().schemes[scheme];
            let (am, ar) = sc.auto_error_at.unwrap_or((sc.mid, sc.range));
            let mut trace = vec![cx.an.step(
                am,
                ar,
                format!(
                    "{} has auto_error=False: None when the request has no credentials",
                    sc.name
                ),
            )];
            trace.push(cx.route_step(ri));
            trace.push(cx.an.step(d.mid, d.range, cx.an.text(d.mid, d.range)));
            if let Some(p) = point {
                trace.extend(p.trace.into_iter().take(1));
            }
            let r = &cx.routes[ri];
            if let (Some(IdentityUse::ServesWhenMissing(at)), Some(h)) = (use_, r.handler) {
                trace.push(cx.an.step(
                    h.mid,
                    *at,
                    "the handler serves when the identity is missing",
                ));
            }
            let msg = format!(
                "{} ({}) has auto_error=False and nothing raises when it yields None: {} {} accepts requests without credentials",
                sc.name,
                sc.kind,
                r.methods.join(","),
                r.path
            );
            out.push(finding(cx, &META, msg, am, ar, trace));
        }
    }
}

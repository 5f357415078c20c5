//! `fail-open-auth-dependency`: an auth dependency that returns None/empty instead of raising.

use super::{anonymous_by_design, finding};
use crate::analysis::{Auth, Ctx, DepClass, IdentityUse};
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::HashSet;

pub static META: RuleMeta = RuleMeta {
    name: "fail-open-auth-dependency",
    severity: Severity::High,
    cwe: &[287],
    summary: "An authentication dependency returns None or an empty value instead of raising when the token is missing or invalid",
    explanation: "FastAPI only refuses a request when a dependency raises. A dependency that \
catches the decode error and returns None (or `{}`, or falls through after `except Exception: \
pass`) hands the route an empty identity, and a route that does not check it runs for \
anonymous callers and for callers with forged or expired tokens. A helper that returns None \
to a caller that raises is fine; what matters is what the dependency the route consumes does.",
    remediation: "Raise `HTTPException(401, headers={\"WWW-Authenticate\": \"Bearer\"})` in the \
dependency on every failure path (missing header, decode error, missing claim) instead of \
returning None; keep optional authentication in a separately named dependency.",
    example: "def current_user(authorization: str | None = Header(None)):\n    try:\n        return jwt.decode(authorization, KEY, algorithms=[\"HS256\"])\n    except jwt.InvalidTokenError:\n        return None\n\n@app.get(\"/notes\")\ndef notes(user=Depends(current_user)):\n    return db.notes_for(user)",
    fixed_example: "def current_user(authorization: str | None = Header(None)):\n    try:\n        return jwt.decode(authorization or \"\", KEY, algorithms=[\"HS256\"])\n    except jwt.InvalidTokenError:\n        raise HTTPException(401, headers={\"WWW-Authenticate\": \"Bearer\"})",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    for (ri, a) in cx.auths.iter().enumerate() {
        // Another dependency or middleware authenticates the route: nothing runs without identity.
        if a.auth == Auth::Protected {
            continue;
        }
        for (d, _level, class, use_) in &a.weak {
            let DepClass::FailOpen(p) = class else {
                continue;
            };
            if anonymous_by_design(cx, ri, Some(d)) {
                continue;
            }
            let handler_note = match use_ {
                Some(IdentityUse::Checked) => continue,
                Some(IdentityUse::ServesWhenMissing(at)) => Some((
                    *at,
                    "the handler branches on the missing identity and still serves",
                )),
                Some(IdentityUse::Unchecked) => None,
                None => None,
            };
            if !seen.insert((p.mid, p.range.start())) {
                continue;
            }
            let dep = cx.an.text(d.mid, d.range);
            let r = &cx.routes[ri];
            let mut trace = vec![cx.route_step(ri), cx.an.step(d.mid, d.range, dep.clone())];
            trace.extend(p.trace.iter().cloned());
            match (handler_note, r.handler, &d.param) {
                (Some((at, note)), Some(h), _) => trace.push(cx.an.step(h.mid, at, note)),
                (None, Some(h), Some(param)) => trace.push(cx.an.step(
                    h.mid,
                    h.def.name.range,
                    format!(
                        "{}() uses `{param}` without checking it",
                        h.def.name.as_str()
                    ),
                )),
                _ => {}
            }
            let msg = format!(
                "{dep} yields no identity instead of raising when the token is missing or invalid, and {} {} runs without one",
                r.methods.join(","),
                r.path
            );
            out.push(
                finding(cx, &META, msg, p.mid, p.range, trace)
                    .with_route(r.methods.join(","), r.path.clone()),
            );
        }
    }
}

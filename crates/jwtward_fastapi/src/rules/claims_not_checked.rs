//! `claims-not-checked`: the identity taken with `.get("sub")` and returned without a None
//! check.

use super::{finding, reachable_deps};
use crate::analysis::Ctx;
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::HashSet;

pub static META: RuleMeta = RuleMeta {
    name: "claims-not-checked",
    severity: Severity::Medium,
    cwe: &[287],
    summary: "The identity is taken from the claims with .get() and used without a None check",
    explanation: "`payload.get(\"sub\")` is None for a token without that claim. A token the \
server signed for another purpose (a refresh token, an email-verification token, a token \
from another service sharing the key) decodes fine but carries no subject; returning the \
`.get()` result as the identity makes the route act for `None`, which database lookups \
often turn into \"any row\" or \"the first user\".",
    remediation: "Check the claim (`if sub is None: raise HTTPException(401)`), or require it \
at decode time (PyJWT `options={\"require\": [\"sub\"]}`) and index it with `payload[\"sub\"]`.",
    example: "def current_user(token=Depends(oauth2)):\n    payload = jwt.decode(token, KEY, algorithms=[\"HS256\"])\n    return payload.get(\"sub\")",
    fixed_example: "def current_user(token=Depends(oauth2)):\n    payload = jwt.decode(token, KEY, algorithms=[\"HS256\"])\n    sub = payload.get(\"sub\")\n    if sub is None:\n        raise HTTPException(401, headers={\"WWW-Authenticate\": \"Bearer\"})\n    return sub",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    let mut funcs = reachable_deps(cx);
    funcs.extend(cx.mws.iter().filter_map(|w| w.func));
    for f in funcs {
        let s = cx.an.summary(f);
        for p in &s.claim_gaps {
            if !seen.insert((p.mid, p.range.start())) {
                continue;
            }
            let msg = format!(
                "{} returns a claim that may be missing (no None check): routes act for `None`",
                f.display()
            );
            out.push(finding(cx, &META, msg, p.mid, p.range, p.trace.clone()));
        }
    }
}

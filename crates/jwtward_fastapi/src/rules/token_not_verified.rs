//! `token-not-verified`: a bearer scheme is a route's only guard and nothing verifies the
//! token it yields.

use super::finding;
use crate::analysis::Ctx;
use jwtward_report::{Finding, RuleMeta, Severity};
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    name: "token-not-verified",
    severity: Severity::Critical,
    cwe: &[287, 347],
    summary: "A route's only guard is a bearer scheme whose token nothing verifies",
    explanation: "`HTTPBearer()` and `OAuth2PasswordBearer(...)` only check that an \
`Authorization: Bearer ...` header is present and hand its value to the dependent. They verify \
nothing: any string passes. A route whose only authentication dependency is the scheme itself, \
and whose handler never reads (let alone decodes) the token, is open to anyone who sends \
`Authorization: Bearer x`.",
    remediation: "Depend on a function that decodes and verifies the token the scheme yields \
(signature, expiry) and raises 401 when it is invalid, and use that function on the routes.",
    example: "bearer = HTTPBearer()\n\n@app.get(\"/reports\")\ndef reports(creds=Depends(bearer)):\n    return REPORTS",
    fixed_example: "def current_user(creds=Depends(bearer)):\n    try:\n        return jwt.decode(creds.credentials, KEY, algorithms=[\"HS256\"])\n    except jwt.InvalidTokenError:\n        raise HTTPException(401, headers={\"WWW-Authenticate\": \"Bearer\"})\n\n@app.get(\"/reports\")\ndef reports(user=Depends(current_user)):\n    return REPORTS",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // One finding per scheme, with the routes it "protects".
    let mut by_scheme: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for ri in 0..cx.routes.len() {
        if let Some((sc, _)) = cx.presence_only(ri) {
            by_scheme.entry(sc).or_default().push(ri);
        }
    }
    for (sc, routes) in by_scheme {
        let s = &cx.m().schemes[sc];
        let mut trace = vec![cx.an.step(
            s.mid,
            s.range,
            format!(
                "{} checks that a bearer token is present, not that it is valid",
                s.name
            ),
        )];
        for &ri in &routes {
            let r = &cx.routes[ri];
            let (_, d) = cx.presence_only(ri).expect("collected above");
            trace.push(cx.route_step(ri));
            trace.push(cx.an.step(
                d.mid,
                d.range,
                format!(
                    "{} {} relies on {} alone and never verifies the token",
                    r.methods.join(","),
                    r.path,
                    d.text
                ),
            ));
        }
        let list: Vec<String> = routes
            .iter()
            .map(|&ri| format!("{} {}", cx.routes[ri].methods.join(","), cx.routes[ri].path))
            .collect();
        let msg = format!(
            "{} only checks that a token is present and nothing verifies it: {} accept any bearer string",
            s.name,
            list.join(", ")
        );
        out.push(finding(cx, &META, msg, s.mid, s.range, trace));
    }
}

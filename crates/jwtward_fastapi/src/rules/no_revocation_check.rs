//! `no-revocation-check`: token validation with no jti/denylist check anywhere in the project.

use super::{finding, reachable_deps};
use crate::analysis::Ctx;
use crate::model::DepTarget;
use jwtward_report::{Finding, RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    name: "no-revocation-check",
    severity: Severity::Low,
    cwe: &[613],
    summary: "A token-validating dependency with no jti/denylist check anywhere in the project",
    explanation: "Without a revocation check a token stays valid until it expires: logging \
out, changing a password or disabling a user does not stop a stolen token. A denylist of \
token ids (`jti`) or a per-user token version consulted when validating closes that window.",
    remediation: "Give tokens a `jti` claim and consult a denylist (Redis, database) in the \
validating dependency, or store a token version per user and compare it; keep access tokens \
short-lived either way.",
    example: "def current_user(token=Depends(oauth2)):\n    return jwt.decode(token, KEY, algorithms=[\"HS256\"])",
    fixed_example: "def current_user(token=Depends(oauth2)):\n    claims = jwt.decode(token, KEY, algorithms=[\"HS256\"])\n    if redis.sismember(\"revoked\", claims[\"jti\"]):\n        raise HTTPException(401, headers={\"WWW-Authenticate\": \"Bearer\"})\n    return claims",
};

const MARKERS: &[&str] = &[
    "\"jti\"",
    "'jti'",
    "revok",
    "denylist",
    "deny_list",
    "blacklist",
    "blocklist",
    "block_list",
    "token_version",
];

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // The innermost validating functions: they decode, and no dependency of theirs does.
    let mut funcs = Vec::new();
    for f in reachable_deps(cx) {
        let s = cx.an.summary(f);
        if s.decodes.is_none() {
            continue;
        }
        let sub_decodes = cx.an.params(f).iter().any(|p| {
            matches!(&p.dep, Some(d) if matches!(&d.target, DepTarget::Func(g) if cx.an.summary(*g).decodes.is_some()))
        });
        if !sub_decodes {
            funcs.push((f, s));
        }
    }
    for w in cx.mws.iter().filter(|w| w.is_auth) {
        if let Some(f) = w.func {
            let s = cx.an.summary(f);
            if s.decodes.is_some() {
                funcs.push((f, s));
            }
        }
    }
    if funcs.is_empty() {
        return;
    }
    let project = cx.m().ix.project;
    let revocation = project.modules.iter().filter(|m| !m.is_test).any(|m| {
        let lower = m.source.to_ascii_lowercase();
        MARKERS.iter().any(|k| lower.contains(k))
    });
    if revocation {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for (f, s) in funcs {
        if !seen.insert(f.key()) {
            continue;
        }
        let mut trace = vec![cx.an.step(
            f.mid,
            f.def.name.range,
            format!("{} validates tokens", f.display()),
        )];
        if let Some(d) = &s.decodes {
            trace.extend(d.trace.iter().cloned());
        }
        trace.push(jwtward_report::TraceStep {
            file: None,
            line: None,
            note: "no jti, denylist or token-version check anywhere in the project".into(),
        });
        let msg = format!(
            "{} validates tokens but nothing in the project can revoke one (no jti/denylist check)",
            f.display()
        );
        out.push(finding(cx, &META, msg, f.mid, f.def.name.range, trace));
    }
}

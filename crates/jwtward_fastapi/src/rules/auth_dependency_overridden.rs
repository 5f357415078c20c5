//! `auth-dependency-overridden`: `dependency_overrides` replacing an auth dependency outside
//! test code.

use super::finding;
use crate::analysis::Ctx;
use crate::model::{DepTarget, DepUse};
use jwtward_report::{Finding, RuleMeta, Severity};

pub static META: RuleMeta = RuleMeta {
    name: "auth-dependency-overridden",
    severity: Severity::Critical,
    cwe: &[287],
    summary: "dependency_overrides replaces an authentication dependency outside test code",
    explanation: "`app.dependency_overrides[get_current_user] = ...` swaps the real \
authentication for whatever the override returns, for every route, in the running \
process. In tests that is the intended use; in application code (a debug flag, a \
`DEV_LOGIN` environment variable, a factory option) one misconfigured deployment turns \
every protected route into an anonymous one that acts as the fake user.",
    remediation: "Only override dependencies in test code (fixtures, `conftest.py`). For local \
development, issue real tokens from a development identity provider instead.",
    example: "if os.getenv(\"DEV_LOGIN\"):\n    app.dependency_overrides[get_current_user] = lambda: \"developer\"",
    fixed_example: "# tests/conftest.py\napp.dependency_overrides[get_current_user] = lambda: \"tester\"",
};

pub(crate) fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for o in &cx.m().overrides {
        if cx.m().ix.module(o.mid).is_test {
            continue;
        }
        let d = DepUse {
            target: o.key.clone(),
            mid: o.mid,
            range: o.range,
            text: o.key_text.clone(),
            param: None,
            spelled: o.spelled.clone(),
        };
        let is_auth = cx.classify(&d).is_auth()
            || matches!(&o.key, DepTarget::External(q) | DepTarget::Unknown(q) if {
                let q = q.to_ascii_lowercase();
                q.contains("current_user") || q.contains("auth") || q.contains("token")
            });
        if !is_auth {
            continue;
        }
        let mut trace = vec![cx.an.step(
            o.mid,
            o.range,
            format!(
                "dependency_overrides[{}] replaces the authentication dependency",
                o.key_text
            ),
        )];
        if let DepTarget::Func(f) = &o.key {
            trace.push(cx.an.step(
                f.mid,
                f.def.name.range,
                format!("{} authenticates the routes that depend on it", f.display()),
            ));
        }
        let users = cx
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.deps
                    .iter()
                    .any(|(x, _)| x.text.contains(o.key_text.as_str()))
            })
            .count();
        let msg = format!(
            "dependency_overrides replaces the authentication dependency {} outside test code{}",
            o.key_text,
            if users > 0 {
                format!(" ({users} route(s) depend on it)")
            } else {
                String::new()
            }
        );
        out.push(finding(cx, &META, msg, o.mid, o.range, trace));
    }
}

use crate::rules::Seen;
use crate::rules::weak_secret::key_uses;
use crate::secrets::{is_pem, is_private_pem};
use crate::{Ctx, finding};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "hardcoded-secret",
    severity: Severity::Medium,
    cwe: &[798],
    summary: "A strong signing key (HMAC secret or private key) is written in the source.",
    explanation: "A key in the source is a key in every clone, fork, container image, CI log and backup of the repository. Anyone who can read the code can sign tokens the application accepts, and the key cannot be rotated without a release. Keys that are only used by test code (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`) are not reported; weak keys are reported by `weak-secret` instead; a strong fallback in `os.getenv(\"KEY\", \"...\")` is reported because it ships with the code.",
    remediation: "Move the key out of the source: read it from the environment or a secret manager at start-up, with no default, and rotate the key that was committed.",
    example: "SECRET_KEY = \"Zt8q1LrX0bVf3JmP7sWc5nYh2KgD9eRa6TuE4oIw\"",
    fixed_example: "SECRET_KEY = os.environ[\"SECRET_KEY\"]",
};

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for u in key_uses(ctx) {
        let private = is_private_pem(&u.bytes);
        if is_pem(&u.bytes) && !private {
            continue; // a public key is meant to be public
        }
        if !private && (u.hmac == Some(false) || ctx.weakness(&u.bytes).is_some()) {
            continue;
        }
        let loc = ctx.location(u.origin);
        if !seen.first(&loc) {
            continue;
        }
        let kind = if private {
            "private key"
        } else {
            "HMAC secret"
        };
        let msg = match &u.env {
            _ if u.file.is_some() => format!(
                "a {kind} is committed to the repository ({}) and read here at run time by {}: everyone with the code can sign tokens",
                u.file.as_deref().unwrap_or_default(),
                u.used_by
            ),
            Some(var) => format!(
                "a {kind} is written in the source as the fallback of environment variable `{var}` and used by {}: everyone with the code can sign tokens",
                u.used_by
            ),
            None => format!(
                "a {kind} is written in the source and used by {}: everyone with the code can sign tokens",
                u.used_by
            ),
        };
        out.push(finding(&META, msg, loc, u.trace));
    }
    out
}

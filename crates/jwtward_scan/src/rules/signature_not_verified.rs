use crate::jwt_model::{Check, DecodeKind, Library};
use crate::rules::Seen;
use crate::{Ctx, decode_trace, finding};
use jwtward_python::{Ranged, Value};
use jwtward_report::{Finding, RuleMeta, Severity};

/// Both calls decode the same token: the same expression text.
fn same_token(a: &crate::DecodeCall<'_>, b: &crate::DecodeCall<'_>) -> bool {
    let text = |d: &crate::DecodeCall<'_>| {
        d.token.map(|t| {
            d.module
                .slice(t.range())
                .split_whitespace()
                .collect::<String>()
        })
    };
    matches!((text(a), text(b)), (Some(x), Some(y)) if x == y)
}

pub const META: RuleMeta = RuleMeta {
    name: "signature-not-verified",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "A token is decoded without checking its signature, and its claims are trusted.",
    explanation: "A JWT's claims are only as trustworthy as its signature. PyJWT skips the check with `options={\"verify_signature\": False}` (and PyJWT 1 with `verify=False`), python-jose with the same option, `jws.verify(..., verify=False)` or `jwt.get_unverified_claims`. Whoever calls the API can then write any `sub` or `role` into a token and be accepted. Reading the unverified header to choose a key, and then verifying, is the normal key-rotation pattern and is not reported; reading unverified claims is reported unless the same token (the same expression) is verified afterwards with a key in the same function, or at module level in the same module; a keyless `jwt.decode(token)` is not a verification.",
    remediation: "Verify the signature on every token that drives an authentication or authorisation decision: call `jwt.decode(token, key, algorithms=[...])` with the verification options left on. If you need a claim to pick the key, read only the header (`get_unverified_header`) and verify afterwards.",
    example: "payload = jwt.decode(token, options={\"verify_signature\": False})\nuser_id = payload[\"sub\"]",
    fixed_example: "payload = jwt.decode(token, settings.jwt_key, algorithms=[\"HS256\"])\nuser_id = payload[\"sub\"]",
};

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    let decodes = &ctx.model.decodes;
    for d in ctx.model.app_decodes() {
        if d.kind != DecodeKind::UnverifiedClaims {
            continue;
        }
        // Peek-then-verify: the same token is verified afterwards, with a key, in the same
        // function (or at module level).
        let verifies = decodes.iter().any(|o| {
            o.module.id == d.module.id
                && o.function == d.function
                && o.call.start() > d.call.start()
                && matches!(o.kind, DecodeKind::Decode | DecodeKind::SignatureOnly)
                && !o.signature.is_off()
                && o.key
                    .as_ref()
                    .is_some_and(|k| !matches!(k.value.value, Value::None | Value::Bool(_)))
                && same_token(d, o)
        });
        if verifies {
            continue;
        }
        let Check::Off(origin) = d.signature else {
            continue;
        };
        let loc = ctx.location(origin);
        if !seen.first(&loc) {
            continue;
        }
        let callee = crate::rules::short_callee(&d.callee);
        let msg = if d.callee.ends_with("get_unverified_claims") {
            format!(
                "`{callee}` reads the token's claims without verifying its signature, and the token is never verified afterwards: a forged token is trusted"
            )
        } else if d.library == Library::Jose && d.callee.ends_with("jws.verify") {
            format!(
                "`{callee}` is called with `verify=False`: the signature is not checked and a forged token is accepted"
            )
        } else if d.library == Library::PyJwt
            && !ctx.model.pyjwt_v1
            && d.call
                .arguments
                .keywords
                .iter()
                .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "verify"))
        {
            format!(
                "`{callee}` is called with `verify=False`: with PyJWT 1 the signature is not checked and a forged token is accepted (no requirements file pins PyJWT 2, which ignores `verify=`)"
            )
        } else {
            format!(
                "`{callee}` decodes the token with signature verification switched off here: a forged token is accepted"
            )
        };
        out.push(finding(&META, msg, loc, decode_trace(ctx, d)));
    }
    out
}

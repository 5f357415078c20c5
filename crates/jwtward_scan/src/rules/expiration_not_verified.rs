use crate::jwt_model::{Check, DecodeKind, Library};
use crate::rules::{Seen, call_origin, short_callee};
use crate::{Ctx, decode_trace, finding};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "expiration-not-verified",
    severity: Severity::High,
    cwe: &[613],
    summary: "Token expiry is not checked: `verify_exp` is off, a `leeway` of more than an hour, or the library never checks `exp` on this path; `verify_nbf` / `verify_iat` off are reported too.",
    explanation: "`exp` is what makes a stolen or leaked token stop working. With `options={\"verify_exp\": False}` (PyJWT, python-jose) an expired token is accepted forever. Authlib's `jwt.decode` checks only the signature: `exp`, `nbf` and `iat` are checked by `claims.validate()`, so code that never calls it (in the function or in its callers) accepts expired tokens, unless it compares `exp` itself (joserfc's `jwt.decode` likewise), or reads nothing of the token but its `jti` (`decoded.claims.get(\"jti\")`), looked up in a store whose record carries the expiry. PyJWT's `PyJWS.decode` checks only the signature, never claims. A `leeway` of more than an hour (clock skew needs seconds) keeps expired tokens valid just as well. `options={\"verify_nbf\": False}` or `{\"verify_iat\": False}` (PyJWT, python-jose; a python-jose list of pairs counts, as the library applies it with `dict.update`) lets tokens that are not yet valid pass, and is reported at the option. jwcrypto checks only the claims `check_claims` names: `check_claims=False`, or a dict without `exp`, accepts expired tokens (by default `exp` is checked when present). fastapi-jwt-auth's `authjwt_decode_leeway` over an hour is reported at the setting.",
    remediation: "Leave expiry verification on (drop `verify_exp: False`), and with Authlib call `claims.validate()` on the result of `jwt.decode` before trusting it.",
    example: "claims = jwt.decode(token, key)  # authlib\nuser = claims[\"sub\"]",
    fixed_example: "claims = jwt.decode(token, key)  # authlib\nclaims.validate()\nuser = claims[\"sub\"]",
};

/// The code handles `exp` itself after switching the library's check off: the function that
/// decodes, or a function that calls it (one level up: a `_decode_*` helper whose callers
/// validate), compares or reads `exp` (`payload["exp"] < now`, `payload.get("exp")`,
/// `claims.exp`) or calls a function whose name says expiry (`_validate_token_expiry(...)`).
fn checks_exp_by_hand(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    crate::rules::claim_checked_by_hand(ctx, d, "exp", &["expir"])
}

/// The decoded token is read only for its `jti` (`decoded.claims.get("jti")`), which the
/// code then looks up: the stored record, not the token, says whether it is still valid
/// (Phoenix's `JwtStore`, whose records carry the expiry).
fn only_jti_read(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    use jwtward_python::ast::Expr;
    use jwtward_python::{Ranged, walk};
    let Some(f) = ctx.project.enclosing_function(d.module, d.call.start()) else {
        return false;
    };
    let Some(name) = crate::rules::signature_not_verified::bound_name(&f.def.body, d.call.range())
    else {
        return false;
    };
    let is_jti = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "jti");
    // `x.get("jti")` / `x["jti"]` where `x` is the name or `name.claims`.
    let reads_jti = |e: &Expr| -> Option<jwtward_python::TextRange> {
        let (recv, key) = match e {
            Expr::Call(c)
                if matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "get")
                    && c.arguments.args.first().is_some_and(is_jti) =>
            {
                let Expr::Attribute(a) = &*c.func else {
                    return None;
                };
                (&*a.value, true)
            }
            Expr::Subscript(s) if is_jti(&s.slice) => (&*s.value, true),
            _ => return None,
        };
        if !key {
            return None;
        }
        let base = match recv {
            Expr::Attribute(a) if a.attr.as_str() == "claims" => &*a.value,
            r => r,
        };
        matches!(base, Expr::Name(n) if n.id.as_str() == name).then(|| base.range())
    };
    let mut jti_reads = Vec::new();
    let mut loads = Vec::new();
    walk::for_each_expr_shallow(&f.def.body, &mut |e| {
        if let Some(r) = reads_jti(e) {
            jti_reads.push(r);
        }
        if let Expr::Name(n) = e
            && n.id.as_str() == name
            && n.ctx.is_load()
        {
            loads.push(n.range());
        }
    });
    !loads.is_empty() && loads.iter().all(|r| jti_reads.contains(r))
}

/// Every call of the decoding function is in test code: the decode never runs in the app.
fn only_called_from_tests(ctx: &Ctx<'_, '_>, d: &crate::DecodeCall<'_>) -> bool {
    let Some(q) = d.function.as_deref() else {
        return false;
    };
    let sites = ctx.project.call_sites_of(q);
    !sites.is_empty() && sites.iter().all(|c| c.module.is_test)
}

const MAX_LEEWAY_SECS: f64 = 3600.0;

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    // A leeway handed to a library that decodes by itself (fastapi-jwt-auth).
    for k in ctx.model.app_key_sites() {
        let Some((c, expr)) = &k.leeway else { continue };
        let Some(secs) = c.or_default().seconds() else {
            continue;
        };
        if secs <= MAX_LEEWAY_SECS {
            continue;
        }
        let o = c.or_default().origin.unwrap_or(jwtward_python::Origin {
            module: k.module.id,
            range: jwtward_python::Ranged::range(*expr),
        });
        let loc = ctx.location(o);
        if seen.first(&loc) {
            out.push(finding(
                &META,
                format!(
                    "`authjwt_decode_leeway` makes fastapi-jwt-auth (settings at {}) accept tokens up to {} after they expired: expiry is effectively not checked",
                    k.used_by.rsplit(" at ").next().unwrap_or(&k.used_by),
                    crate::rules::long_token_lifetime::human(secs)
                ),
                loc,
                Vec::new(),
            ));
        }
    }
    for d in ctx.model.app_decodes() {
        if d.signature.is_off() {
            continue; // signature-not-verified already covers it
        }
        let callee = short_callee(&d.callee);
        let leeway = d
            .leeway
            .filter(|(secs, _)| *secs > MAX_LEEWAY_SECS && d.kind == DecodeKind::Decode);
        let (origin, msg) = match (d.kind, d.exp, leeway) {
            (_, Check::On | Check::Unknown, Some((secs, o))) => (
                o,
                format!(
                    "`{callee}` accepts tokens up to {} after they expired (`leeway`): expiry is effectively not checked",
                    crate::rules::long_token_lifetime::human(secs)
                ),
            ),
            // Switched off, or never checked by the library (Authlib, joserfc), and the code
            // compares `exp` itself (`if expiration <= now: return fail`).
            (DecodeKind::Decode, Check::Off(_) | Check::Never, _)
                if checks_exp_by_hand(ctx, d)
                    || only_called_from_tests(ctx, d)
                    || only_jti_read(ctx, d) =>
            {
                continue;
            }
            (DecodeKind::Decode, Check::Off(o), _) if d.library == Library::Jwcrypto => (
                o,
                format!(
                    "`{callee}` (jwcrypto) is given `check_claims` without `exp` here: expired tokens are accepted"
                ),
            ),
            (DecodeKind::Decode, Check::Off(o), _) => (
                o,
                format!(
                    "`{callee}` is called with expiry verification switched off here (`verify_exp`): expired tokens are accepted"
                ),
            ),
            (DecodeKind::Decode, Check::Never, _) if d.library == Library::Authlib => (
                call_origin(d.module, d.call),
                format!(
                    "`{callee}` (Authlib) checks only the signature and `claims.validate()` is never called: expired tokens are accepted"
                ),
            ),
            (DecodeKind::Decode, Check::Never, _) if d.library == Library::Joserfc => (
                call_origin(d.module, d.call),
                format!(
                    "`{callee}` (joserfc) checks only the signature and no `JWTClaimsRegistry(...).validate(token.claims)` follows: expired tokens are accepted"
                ),
            ),
            (DecodeKind::SignatureOnly, _, _) if d.library == Library::PyJwt => (
                call_origin(d.module, d.call),
                format!(
                    "`{callee}` verifies only the signature and never checks `exp`: expired tokens are accepted"
                ),
            ),
            _ => continue,
        };
        let loc = ctx.location(origin);
        if seen.first(&loc) {
            out.push(finding(&META, msg, loc, decode_trace(ctx, d)));
        }
    }
    // `verify_nbf` / `verify_iat` off: tokens not yet valid (or issued in the future) pass.
    for d in ctx.model.app_decodes() {
        for (claim, o) in &d.time_checks_off {
            let loc = ctx.location(*o);
            if !seen.first(&loc) {
                continue;
            }
            let what = if *claim == "nbf" {
                "tokens before their `nbf` (not before) time are accepted: a token minted to become valid later works now"
            } else {
                "the `iat` (issued at) claim is not checked: tokens dated in the future are accepted"
            };
            out.push(finding(
                &META,
                format!(
                    "`{}` is called with `verify_{claim}` switched off here: {what}",
                    short_callee(&d.callee)
                ),
                loc,
                decode_trace(ctx, d),
            ));
        }
    }
    out
}

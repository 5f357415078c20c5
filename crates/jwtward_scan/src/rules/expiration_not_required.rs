use crate::issuer::{ExpSet, Issuer, exp_set, token_issuer};
use crate::jwt_model::{Check, Library};
use crate::rules::{Seen, call_origin, short_callee, verified_decode};
use crate::{Ctx, decode_trace, finding, place};
use jwtward_python::ast::Expr;
use jwtward_python::{Origin, Ranged, Value, walk};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "expiration-not-required",
    severity: Severity::Medium,
    cwe: &[613],
    summary: "`exp` is checked only when present: a token without `exp` never expires.",
    explanation: "PyJWT and python-jose verify `exp` when the token has one but accept a token that has none, and Authlib's `claims.validate()` does the same unless `exp` is essential. Any token minted without `exp` (by a bug, a debugging script, another service sharing the key) is then valid forever. This is not reported when the function checks `exp` itself (for example `if \"exp\" not in payload`), nor when this project mints every token the decode accepts (the same HMAC key) and every one of those encodes sets `exp` on every path. It is medium when an encode sets `exp` only on some paths (`if expires_delta:`), low when the project's own encodes cannot be followed. When no code in this project mints with the key (another service holds it), only the key's holder can mint a token and whether it ever leaves out `exp` is not visible here: a low note, reported only when the rule is selected by name. Libraries that mint tokens without `exp` and read them back without requiring it are reported at the setting: fastapi-users `JWTStrategy(lifetime_seconds=None)` and `generate_jwt(...)` without a lifetime, fastapi-jwt-auth `authjwt_access_token_expires = False` and `create_access_token(..., expires_time=False)`, authx `JWT_ACCESS_TOKEN_EXPIRES=None`. python_jwt's `verify_jwt(..., checks_optional=True)` and jwcrypto without `check_claims={\"exp\": None}` accept a token without `exp`. Tokens of an identity provider (verified with a key pair or a key set) always carry `exp`, and only its private key mints one without: that case is a low note reported only when the rule is selected by name.",
    remediation: "Make `exp` mandatory: PyJWT `options={\"require\": [\"exp\"]}`, python-jose `options={\"require_exp\": True}`, Authlib `claims_options={\"exp\": {\"essential\": True}}`.",
    example: "payload = jwt.decode(token, key, algorithms=[\"HS256\"], audience=AUD, issuer=ISS)",
    fixed_example: "payload = jwt.decode(\n    token, key, algorithms=[\"HS256\"], audience=AUD, issuer=ISS,\n    options={\"require\": [\"exp\", \"sub\"]},\n)",
};

/// The function mentions `"exp"` in a comparison or lookup (a hand-written check).
fn checks_exp_by_hand(ctx: &Ctx<'_, '_>, function: Option<&str>) -> bool {
    let Some(f) = function.and_then(|f| ctx.project.function(f)) else {
        return false;
    };
    let mut found = false;
    walk::for_each_expr_shallow(&f.def.body, &mut |e| {
        if let Expr::Compare(c) = e {
            for x in std::iter::once(&*c.left).chain(c.comparators.iter()) {
                walk::for_each_subexpr(x, &mut |y| {
                    if matches!(y, Expr::StringLiteral(l) if l.value.to_str() == "exp") {
                        found = true;
                    }
                });
            }
        }
    });
    found
}

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    // fastapi-users `JWTStrategy(lifetime_seconds=None)`: tokens minted without `exp`, read
    // back without requiring it.
    for k in ctx.model.app_key_sites() {
        let Some((c, expr)) = &k.lifetime else {
            continue;
        };
        let written = match c.or_default().value {
            Value::None if k.none_lifetime_never_expires => "None",
            Value::Bool(false) if k.false_lifetime_never_expires => "False",
            _ => continue,
        };
        let loc = ctx.location(Origin {
            module: k.module.id,
            range: expr.range(),
        });
        if seen.first(&loc) {
            out.push(finding(
                &META,
                if k.used_by.contains("JWTStrategy") {
                    format!(
                        "{} is given `lifetime_seconds=None`: fastapi-users then mints tokens without `exp` and does not require it when reading them, so they never expire",
                        k.used_by
                    )
                } else if k.used_by.contains("generate_jwt") {
                    format!(
                        "{} is called without a lifetime (`lifetime_seconds` is `None`): fastapi-users then mints the token without `exp`, and its `decode_jwt` does not require one, so it never expires",
                        k.used_by
                    )
                } else {
                    let (field, lib) = if k.used_by.contains("AuthXConfig") {
                        ("JWT_ACCESS_TOKEN_EXPIRES", "authx")
                    } else {
                        ("authjwt_access_token_expires", "fastapi-jwt-auth")
                    };
                    format!(
                        "`{field}` is `{written}` (settings at {}): {lib} then mints access tokens without `exp` and does not require it when reading them, so they never expire",
                        k.used_by.rsplit(" at ").next().unwrap_or(&k.used_by)
                    )
                },
                loc,
                Vec::new(),
            ));
        }
    }
    for (m, e) in &ctx.model.no_exp_mints {
        let loc = ctx.location(Origin {
            module: m.id,
            range: e.range(),
        });
        if seen.first(&loc) {
            out.push(finding(
                &META,
                "`create_access_token(..., expires_time=False)`: fastapi-jwt-auth mints this access token without `exp`, and does not require one when reading it, so it never expires".to_string(),
                loc,
                Vec::new(),
            ));
        }
    }
    for d in ctx.model.app_decodes() {
        if !verified_decode(d) || d.exp != Check::On || d.exp_required {
            continue;
        }
        if checks_exp_by_hand(ctx, d.function.as_deref()) {
            continue;
        }
        let how = match d.library {
            Library::PyJwt => "`options={\"require\": [\"exp\"]}`",
            Library::Jose => "`options={\"require_exp\": True}`",
            Library::Authlib => "`claims_options={\"exp\": {\"essential\": True}}`",
            Library::Joserfc => "`JWTClaimsRegistry(exp={\"essential\": True})`",
            Library::PythonJwt => "the default `checks_optional=False`",
            Library::Jwcrypto => "`check_claims={\"exp\": None}`",
        };
        let issuer = token_issuer(ctx, d);
        let (severity, why) = match &issuer {
            Issuer::Own(encodes) => {
                let mut conditional = None;
                let mut unknown = None;
                for e in encodes {
                    match exp_set(ctx, e) {
                        ExpSet::Always => {}
                        ExpSet::Conditional(o) => {
                            conditional.get_or_insert((o, *e));
                        }
                        ExpSet::Unknown => {
                            unknown.get_or_insert(*e);
                        }
                    }
                }
                match (conditional, unknown) {
                    // Every token of the project carries `exp` and no other issuer holds the key.
                    (None, None) => continue,
                    (Some((o, e)), _) => {
                        let m = ctx.project.module(o.module);
                        (
                            Severity::Medium,
                            format!(
                                "medium: `{}` at {} can mint tokens without `exp` (it is set only on some paths, {})",
                                short_callee(&e.callee),
                                place(e.module, e.call.range()),
                                place(m, o.range)
                            ),
                        )
                    }
                    (None, Some(e)) => (
                        Severity::Low,
                        format!(
                            "low: the HMAC key is held by this application; whether `{}` at {} always sets `exp` is not known",
                            short_callee(&e.callee),
                            place(e.module, e.call.range())
                        ),
                    ),
                }
            }
            // An identity provider (a key pair or key set) sets `exp` on every token it
            // issues, and only its private key mints one: hygiene, when asked for.
            Issuer::Shared(_, true) => {
                if !ctx.settings.selected.iter().any(|r| r == META.name) {
                    continue;
                }
                (
                    Severity::Low,
                    "low: the tokens come from an identity provider (a key pair or key set), which sets `exp` on every token it issues; only its private key mints one without".to_string(),
                )
            }
            // No code here mints with the key and nothing shows who else does: only the
            // secret's holder can mint a token, and whether it leaves out `exp` is not visible
            // here. Hygiene, when asked for.
            Issuer::Shared(..) => {
                if !ctx.settings.selected.iter().any(|r| r == META.name) {
                    continue;
                }
                (
                    Severity::Low,
                    format!(
                        "low: {}; only the key's holder can mint a token, and whether it ever leaves out `exp` is not visible here",
                        issuer.reason().trim_start_matches("medium: ")
                    ),
                )
            }
        };
        let loc = ctx.location(call_origin(d.module, d.call));
        if seen.first(&loc) {
            out.push(
                finding(
                    &META,
                    format!(
                        "`{}` checks `exp` only when the token has one ({how} is missing): a token without `exp` never expires ({why})",
                        short_callee(&d.callee)
                    ),
                    loc,
                    decode_trace(ctx, d),
                )
                .with_severity(severity),
            );
        }
    }
    out
}

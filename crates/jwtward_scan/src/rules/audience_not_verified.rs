use crate::issuer::{Issuer, token_issuer};
use crate::jwt_model::{Check, Library};
use crate::rules::{Seen, call_origin, short_callee, verified_decode};
use crate::{Ctx, decode_trace, finding};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "audience-not-verified",
    severity: Severity::Medium,
    cwe: &[287],
    summary: "A verified token's audience (`aud`) is not checked.",
    explanation: "Services that share a signing key or an identity provider accept each other's tokens unless each checks that the token was issued for it. Without `audience=` (or with `verify_aud: False`), a token minted for another service (or one without `aud` at all) is accepted here. Authlib checks `aud` in `claims.validate()` only when `claims_options` names it. Severity: medium when tokens come from an issuer that also serves others (verification by a public key, a JWKS or OIDC key set, or a secret no code in this project mints with), low when the key is an HMAC secret this application holds and mints with itself; the message says which case applies. The low case is hygiene, not a weakness anyone can use while the key stays this application's own: it is reported only when the rule is selected by name (`--select audience-not-verified` or `select = [...]`). With no `audience=`, PyJWT and python-jose refuse every token that carries an `aud` claim (checked against both libraries), so on the application's own key or an identity provider's key set (whose tokens carry `aud`) that case is not reported at all, and on a secret no code in this project mints with it is a low note, reported only when selected, saying that only tokens without `aud` pass. `verify_aud: False` (or no `audience=`) followed by a comparison of `aud` by hand, in the function, in a helper it calls (`_validate_token_audience(claims)`) or in its caller, is not reported. fastapi-jwt-auth and authx decode with the audience of their settings (`authjwt_decode_audience`, `AuthXConfig(JWT_DECODE_AUDIENCE=)`) and, without one, refuse a token that carries `aud` as PyJWT does (checked with async-fastapi-jwt-auth 0.6.6 and authx 1.7.1): judged the same way and reported at the settings, nothing when the project mints through the library, the low note otherwise.",
    remediation: "Pass the audience this API expects: PyJWT and python-jose `audience=\"my-api\"`, Authlib `claims_options={\"aud\": {\"essential\": True, \"value\": \"my-api\"}}`, fastapi-jwt-auth `authjwt_decode_audience`, authx `JWT_DECODE_AUDIENCE`, and keep `verify_aud` on.",
    example: "payload = jwt.decode(token, key, algorithms=[\"RS256\"])",
    fixed_example: "payload = jwt.decode(token, key, algorithms=[\"RS256\"], audience=\"notes-api\")",
};

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    claim_rule(ctx, &META, |d| d.audience, "audience", "aud")
}

pub(crate) fn claim_rule(
    ctx: &Ctx<'_, '_>,
    meta: &jwtward_report::RuleMeta,
    get: impl Fn(&crate::DecodeCall<'_>) -> Check,
    word: &str,
    claim: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    library_settings(ctx, meta, word, claim, &mut seen, &mut out);
    for d in ctx.model.app_decodes() {
        if !verified_decode(d) {
            continue;
        }
        let callee = short_callee(&d.callee);
        let (origin, msg) = match get(d) {
            Check::Off(o) => (
                o,
                format!(
                    "`{callee}` is called with `verify_{claim}` switched off here: tokens issued for any {word} are accepted"
                ),
            ),
            Check::Never => {
                let how = match d.library {
                    Library::Authlib => format!("`claims_options` does not name `{claim}`"),
                    Library::Joserfc => format!("the claims registry does not name `{claim}`"),
                    Library::Jwcrypto => format!("`check_claims` does not name `{claim}`"),
                    Library::PythonJwt => {
                        format!("python_jwt never checks `{claim}`: compare it by hand")
                    }
                    _ => format!("no `{word}=` argument"),
                };
                let what = if claim == "aud" && matches!(d.library, Library::PyJwt | Library::Jose)
                {
                    format!(
                        "tokens without an `aud` claim are accepted ({} refuses a token that carries one when no `audience=` is given)",
                        d.library.name()
                    )
                } else {
                    format!("tokens minted for another {word} are accepted")
                };
                (
                    call_origin(d.module, d.call),
                    format!("`{callee}` does not check the token's {word} ({how}): {what}"),
                )
            }
            _ => continue,
        };
        // The library's check is off (or never on) because the code compares the claim
        // itself right after (`_validate_token_audience(claims)`, `claims["iss"] != ISSUER`).
        let words: &[&str] = match claim {
            "aud" => &["audience"],
            "iss" => &["issuer"],
            _ => &[],
        };
        if crate::rules::claim_checked_by_hand(ctx, d, claim, words) {
            continue;
        }
        let issuer = token_issuer(ctx, d);
        let mut hygiene: Option<&str> = None;
        if let Issuer::Own(_) = issuer {
            // With no `audience=`, PyJWT and python-jose refuse every token that carries an
            // `aud`: the only tokens that pass are this application's own, minted with a key
            // only it holds. Nothing to report.
            if claim == "aud"
                && matches!(get(d), Check::Never)
                && matches!(d.library, Library::PyJwt | Library::Jose)
            {
                continue;
            }
            // Otherwise a hygiene note, for users who ask for the rule by name.
            if !ctx.settings.selected.iter().any(|r| r == meta.name) {
                continue;
            }
        }
        if let Issuer::Shared(_, true) = issuer {
            // An identity provider's tokens carry `aud`, which PyJWT and python-jose then
            // refuse without `audience=`: nothing gets through.
            if claim == "aud"
                && matches!(get(d), Check::Never)
                && matches!(d.library, Library::PyJwt | Library::Jose)
            {
                continue;
            }
            // A key set belongs to its issuer: a token that verifies was issued by the key's
            // owner. Checking `iss` matters where one key set serves several issuers
            // (multi-tenant endpoints): hygiene, when asked for.
            if claim == "iss" {
                if !ctx.settings.selected.iter().any(|r| r == meta.name) {
                    continue;
                }
                hygiene = Some(
                    "low: the key set belongs to its issuer, so a token that verifies was issued by the key's owner; checking `iss` matters where one key set serves several issuers (multi-tenant endpoints)",
                );
            }
        }
        // No code here mints with the key, and nothing shows who else holds it. Without
        // `audience=`, PyJWT and python-jose refuse every token that carries `aud`; with an
        // HMAC secret, whoever holds the secret is the issuer, so `iss` tells apart only
        // issuers that share one secret. Hygiene, when asked for.
        if let Issuer::Shared(_, false) = issuer
            && matches!(get(d), Check::Never)
        {
            let note = match claim {
                "aud" if matches!(d.library, Library::PyJwt | Library::Jose) => Some(
                    "low: no code in this project mints with this key; only tokens without `aud` pass, and which other service holds the key (and mints such tokens) is not visible here",
                ),
                "iss" if crate::issuer::hmac_only(&d.algorithms.names()) == Some(true) => Some(
                    "low: the tokens are signed with an HMAC secret, so whoever holds the secret is the issuer; `iss` tells issuers apart only where several of them share one secret",
                ),
                _ => None,
            };
            if let Some(n) = note {
                if !ctx.settings.selected.iter().any(|r| r == meta.name) {
                    continue;
                }
                hygiene = Some(n);
            }
        }
        let loc = ctx.location(origin);
        if seen.first(&loc) {
            out.push(
                finding(
                    meta,
                    format!(
                        "{msg} ({})",
                        hygiene
                            .map(str::to_string)
                            .unwrap_or_else(|| issuer.reason())
                    ),
                    loc,
                    decode_trace(ctx, d),
                )
                .with_severity(if hygiene.is_some() {
                    Severity::Low
                } else {
                    issuer.severity()
                }),
            );
        }
    }
    out
}

/// fastapi-jwt-auth and authx decode with the audience and issuer of their settings
/// ([`crate::jwt_model::LibDecode`]): a missing setting leaves the claim unchecked. They
/// verify with the HMAC secret of their settings and the PyJWT policy applies: with no
/// audience their decode refuses a token that carries `aud`, so on tokens the project mints
/// itself through the library that case is nothing, and where nothing mints through it only
/// tokens without `aud` pass (a low note); with an HMAC secret whoever holds it is the issuer,
/// so a missing issuer is a low note either way. Low notes only when the rule is selected by
/// name.
fn library_settings(
    ctx: &Ctx<'_, '_>,
    meta: &jwtward_report::RuleMeta,
    word: &str,
    claim: &str,
    seen: &mut Seen,
    out: &mut Vec<Finding>,
) {
    if !ctx.settings.selected.iter().any(|r| r == meta.name) {
        return;
    }
    for k in ctx.model.app_key_sites() {
        let Some(l) = &k.decode else { continue };
        let (check, field) = if claim == "aud" {
            (l.audience, l.audience_field)
        } else {
            (l.issuer, l.issuer_field)
        };
        if check != Check::Never {
            continue;
        }
        let why = match (&l.mints_at, claim) {
            (Some(_), "aud") => continue,
            (Some(at), _) => format!(
                "low: the HMAC key is held by this application, which mints these tokens itself through {} (`create_access_token` at {at}); it matters once another service shares the key",
                l.library
            ),
            (None, "aud") => format!(
                "low: nothing in this project mints tokens through {}; only tokens without `aud` pass, and which other service holds the key (and mints such tokens) is not visible here",
                l.library
            ),
            (None, _) => "low: the tokens are signed with an HMAC secret, so whoever holds the secret is the issuer; `iss` tells issuers apart only where several of them share one secret".to_string(),
        };
        let what = if claim == "aud" {
            format!(
                "tokens without an `aud` claim are accepted ({} refuses a token that carries one when no audience is set)",
                l.library
            )
        } else {
            format!("tokens minted for another {word} are accepted")
        };
        let loc = ctx.location(l.at);
        if seen.first(&loc) {
            out.push(
                finding(
                    meta,
                    format!(
                        "{} sets no `{field}`: {}'s decode does not check the token's {word}: {what} ({why})",
                        l.settings, l.library
                    ),
                    loc,
                    Vec::new(),
                )
                .with_severity(Severity::Low),
            );
        }
    }
}

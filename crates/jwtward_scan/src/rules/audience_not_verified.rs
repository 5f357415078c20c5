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
    explanation: "Services that share a signing key or an identity provider accept each other's tokens unless each checks that the token was issued for it. Without `audience=` (or with `verify_aud: False`), a token minted for another service (or one without `aud` at all) is accepted here. Authlib checks `aud` in `claims.validate()` only when `claims_options` names it. Severity: medium when tokens come from an issuer that also serves others (verification by a public key, a JWKS or OIDC key set, or a secret no code in this project mints with), low when the key is an HMAC secret this application holds and mints with itself; the message says which case applies. The low case is hygiene, not a weakness anyone can use while the key stays this application's own: it is reported only when the rule is selected by name (`--select audience-not-verified` or `select = [...]`). With no `audience=`, PyJWT and python-jose refuse every token that carries an `aud` claim (checked against both libraries), so on the application's own key or an identity provider's key set (whose tokens carry `aud`) that case is not reported at all, and elsewhere (a secret shared with another service) the message says that only tokens without `aud` pass.",
    remediation: "Pass the audience this API expects: PyJWT and python-jose `audience=\"my-api\"`, Authlib `claims_options={\"aud\": {\"essential\": True, \"value\": \"my-api\"}}`, and keep `verify_aud` on.",
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

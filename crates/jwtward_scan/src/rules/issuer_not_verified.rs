use crate::Ctx;
use crate::rules::audience_not_verified::claim_rule;
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "issuer-not-verified",
    severity: Severity::Medium,
    cwe: &[287],
    summary: "A verified token's issuer (`iss`) is not checked.",
    explanation: "When keys come from several issuers (a JWKS of an identity provider used by many tenants, a key shared by staging and production), a valid signature does not say who issued the token. Without `issuer=` (or with `verify_iss: False`), a token issued by another tenant or environment is accepted. Authlib checks `iss` in `claims.validate()` only when `claims_options` names it. Severity: medium when tokens come from an issuer that also serves others (verification by a public key, a JWKS or OIDC key set, or a secret no code in this project mints with), low when the key is an HMAC secret this application holds and mints with itself; the message says which case applies. The low case is hygiene, not a weakness anyone can use while the key stays this application's own: it is reported only when the rule is selected by name (`--select issuer-not-verified` or `select = [...]`). So is a missing `iss` check on an identity provider's key set (a JWKS, OIDC discovery): the key set belongs to its issuer, so a token that verifies was issued by the key's owner; the check matters where one key set serves several issuers (multi-tenant endpoints). And so is an HMAC secret no code in this project mints with: whoever holds the secret is the issuer, and `iss` tells issuers apart only where several share one secret. `iss` compared by hand after the decode (in the function, a helper it calls or its caller) counts as checked. fastapi-jwt-auth and authx check `iss` only when their settings name a decode issuer (`authjwt_decode_issuer`, `AuthXConfig(JWT_DECODE_ISSUER=)`; checked with async-fastapi-jwt-auth 0.6.6 and authx 1.7.1): they verify with the HMAC secret of their settings, whose holder is the issuer, so a missing one is a low note reported at the settings when the rule is selected by name.",
    remediation: "Pass the expected issuer: PyJWT and python-jose `issuer=\"https://auth.example.com/\"`, Authlib `claims_options={\"iss\": {\"essential\": True, \"value\": ISSUER}}`, fastapi-jwt-auth `authjwt_decode_issuer`, authx `JWT_DECODE_ISSUER`, and keep `verify_iss` on.",
    example: "payload = jwt.decode(token, key, algorithms=[\"RS256\"], audience=\"notes-api\")",
    fixed_example: "payload = jwt.decode(\n    token, key, algorithms=[\"RS256\"], audience=\"notes-api\", issuer=\"https://auth.example.com/\",\n)",
};

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    claim_rule(ctx, &META, |d| d.issuer, "issuer", "iss")
}

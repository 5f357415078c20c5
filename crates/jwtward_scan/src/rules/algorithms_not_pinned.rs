use crate::issuer::{Issuer, hmac_only, key_from_key_set, token_issuer};
use crate::jwt_model::{Algorithms, DecodeKind, Library};
use crate::rules::{Seen, call_origin, short_callee};
use crate::{Ctx, decode_trace, finding};
use jwtward_report::{Finding, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "algorithms-not-pinned",
    severity: Severity::High,
    cwe: &[347],
    summary: "A token is verified without an explicit algorithm allowlist, or with the algorithm the token itself names.",
    explanation: "When the verifier lets the token's header choose the algorithm, an attacker picks the one that suits them: an HMAC algorithm with the server's public key as the secret, or a weaker one. python-jose's `jwt.decode` without `algorithms=` accepts any algorithm the header names that fits the key; Authlib's module-level `jwt` (`authlib.jose.jwt`) accepts every registered HS/RS/ES/PS/EdDSA algorithm the header asks for; PyJWT 1 without `algorithms=` accepts the header's algorithm. PyJWT 2 refuses to decode without `algorithms=`, so it is not reported. Nor is python-jose when the key is an HMAC secret this application mints HS tokens with: the header can then only choose another HS algorithm, which needs the same secret, and python-jose builds neither an RSA/EC key nor `none` from a string secret (checked with python-jose 3.5). Nor python-jose with a JWK taken from a key set (a JWKS or OIDC document): it builds the key class the header names and that class refuses a JWK of another `kty`, so an RSA JWK cannot verify an HS or EC token, and `none` has no key class. Passing `algorithms=[header[\"alg\"]]` (read from the unverified header) pins nothing, with any library. fastapi-jwt-auth and authx always decode with the algorithm of their settings (`authjwt_decode_algorithms` or `authjwt_algorithm`; authx `JWT_ALGORITHM`, its `JWT_DECODE_ALGORITHMS` is never read), so they are never reported.",
    remediation: "Pass the fixed list of algorithms your keys are meant for, written in your code or configuration (`algorithms=[\"RS256\"]`), and for Authlib build the verifier with `JsonWebToken([\"RS256\"])`. Never take the list from the token.",
    example: "from jose import jwt\nclaims = jwt.decode(token, PUBLIC_KEY)",
    fixed_example: "from jose import jwt\nclaims = jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])",
};

pub fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    for d in ctx.model.app_decodes() {
        if !matches!(d.kind, DecodeKind::Decode | DecodeKind::SignatureOnly) || d.signature.is_off()
        {
            continue;
        }
        // `jwt.decode(token)` without a key verifies nothing (PyJWT raises): not this rule.
        let keyless = d
            .key
            .as_ref()
            .is_none_or(|k| matches!(k.value.value, jwtward_python::Value::None));
        if keyless && d.library == Library::PyJwt {
            continue;
        }
        let callee = short_callee(&d.callee);
        let (origin, msg) = match &d.algorithms {
            Algorithms::FromHeader(o) => (
                *o,
                format!(
                    "`{callee}` takes its allowed algorithms from the unverified token header: the attacker chooses the algorithm"
                ),
            ),
            Algorithms::NotGiven => {
                // python-jose with an HMAC secret this application mints with (HS only): the
                // header can only choose HS256/384/512, all of which need the secret; "none"
                // and RS/ES keys cannot be built from it (checked with python-jose 3.5).
                if d.library == Library::Jose
                    && let Issuer::Own(encodes) = token_issuer(ctx, d)
                    && encodes.iter().all(|e| {
                        e.algorithm
                            .as_ref()
                            .is_some_and(|(a, _)| hmac_only(&[a.as_str()]) == Some(true))
                    })
                {
                    continue;
                }
                // python-jose with a JWK from a key set: `jwk.construct` builds the key class
                // the header's algorithm names and each class checks the JWK's `kty`, so an
                // RSA JWK refuses HS/EC algorithms and `none` has no key class (checked with
                // python-jose 3.5: "Incorrect key type. Expected: 'oct', Received: RSA").
                if d.library == Library::Jose && key_from_key_set(ctx, d) {
                    continue;
                }
                let msg = match d.library {
                    Library::Jose => format!(
                        "`{callee}` is called without `algorithms=`: python-jose accepts whatever algorithm the token header names"
                    ),
                    Library::Authlib => format!(
                        "`{callee}` uses a verifier without an algorithm allowlist: Authlib accepts any HS/RS/ES/PS/EdDSA algorithm the token header names"
                    ),
                    Library::PyJwt if ctx.model.pyjwt_v1 => format!(
                        "`{callee}` is called without `algorithms=` on PyJWT 1 (pinned in the requirements): the token header chooses the algorithm"
                    ),
                    Library::PyJwt if ctx.model.pyjwt_v1_or_unknown() => format!(
                        "`{callee}` is called without `algorithms=`: with PyJWT 1 the token header chooses the algorithm (no requirements file pins PyJWT 2, where this call raises instead)"
                    ),
                    Library::PyJwt | Library::Joserfc | Library::PythonJwt | Library::Jwcrypto => {
                        continue;
                    }
                };
                (call_origin(d.module, d.call), msg)
            }
            _ => continue,
        };
        let loc = ctx.location(origin);
        if seen.first(&loc) {
            out.push(finding(&META, msg, loc, decode_trace(ctx, d)));
        }
    }
    out
}

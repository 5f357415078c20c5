//! The probe rules, as data. Every finding of `jwtward probe` is built from one of these.

use jwtward_report::{RuleMeta, Severity};

pub const MISSING_AUTH: RuleMeta = RuleMeta {
    name: "missing-auth",
    severity: Severity::High,
    cwe: &[306],
    summary: "An endpoint that should require a token answers without one",
    explanation: "The OpenAPI document declares a security requirement for the operation, or its path looks sensitive (admin, internal, export, users, settings...) while its siblings require a token, yet the endpoint answers 2xx to a request without any credentials, with the same content the valid token gets. Anyone can call it.",
    remediation: "Attach the authentication dependency to the route (`Depends(get_current_user)`), or to the router with `APIRouter(dependencies=[...])`; never rely on the documentation alone.",
    example: "GET /admin/export  (no Authorization)\n-> 200 {\"rows\": [...]}",
    fixed_example: "GET /admin/export  (no Authorization)\n-> 401 {\"detail\": \"Not authenticated\"}",
};

pub const OPTIONAL_AUTH: RuleMeta = RuleMeta {
    name: "optional-auth",
    severity: Severity::Medium,
    cwe: &[287],
    summary: "The endpoint answers 2xx both without credentials and with the token, with different content",
    explanation: "Authentication is optional on this endpoint (`OAuth2PasswordBearer(auto_error=False)` or a dependency that returns an anonymous user). An anonymous caller gets a 2xx answer: if the handler does not check for the anonymous case everywhere, it exposes data or actions.",
    remediation: "Make the security dependency mandatory (`auto_error=True`, the default) unless the endpoint is meant to be public, and then document it as such.",
    example: "GET /me  (no Authorization)\n-> 200 {\"user\": null}",
    fixed_example: "GET /me  (no Authorization)\n-> 401 {\"detail\": \"Not authenticated\"}",
};

pub const INVALID_TOKEN_ACCEPTED: RuleMeta = RuleMeta {
    name: "invalid-token-accepted",
    severity: Severity::Medium,
    cwe: &[287],
    summary: "A garbage or corrupted token is answered 2xx (treated as anonymous instead of 401)",
    explanation: "Requests without credentials are rejected, but an unparseable or badly signed token gets a 2xx answer: the decode error is swallowed and the request continues as anonymous. Code that later trusts `request.state.user` or a default user becomes reachable with any token.",
    remediation: "Reject the request with 401 whenever the token does not decode and verify; do not catch `InvalidTokenError` into an anonymous user.",
    example: "GET /items  Authorization: Bearer garbage\n-> 200 {\"user\": \"anonymous\"}",
    fixed_example: "GET /items  Authorization: Bearer garbage\n-> 401 {\"detail\": \"Could not validate credentials\"}",
};

pub const ALG_NONE_ACCEPTED: RuleMeta = RuleMeta {
    name: "alg-none-accepted",
    severity: Severity::Critical,
    cwe: &[347, 327],
    summary: "An unsigned token (alg none) is accepted",
    explanation: "The server accepts a token whose header says `alg: none` (in some case form) with an empty or missing signature. Anyone can write any claims, including another user's `sub`, without a key.",
    remediation: "Pin the accepted algorithms when decoding (`algorithms=[\"HS256\"]`), never derive them from the token header, and never list `none`.",
    example: "GET /items  Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.\n-> 200",
    fixed_example: "GET /items  Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.\n-> 401",
};

pub const SIGNATURE_NOT_VERIFIED: RuleMeta = RuleMeta {
    name: "signature-not-verified",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "A token with a corrupted or stripped signature, or a tampered payload, is accepted",
    explanation: "The server decodes the token without verifying its signature (`options={\"verify_signature\": False}`, `get_unverified_claims`, Authlib without a key check...). Anyone can edit the claims of a token.",
    remediation: "Verify the signature with the server's key on every decode; use the unverified helpers only to read the header.",
    example: "GET /items  Authorization: Bearer <header>.<payload with sub=bob>.<alice's signature>\n-> 200",
    fixed_example: "GET /items  Authorization: Bearer <header>.<payload with sub=bob>.<alice's signature>\n-> 401",
};

pub const WEAK_SECRET: RuleMeta = RuleMeta {
    name: "weak-secret",
    severity: Severity::Critical,
    cwe: &[326, 798],
    summary: "The token's HMAC key was recovered by a dictionary search",
    explanation: "The HS256/384/512 key that signs the token is a known or guessable string (a default such as the FastAPI tutorial key, `secret`, `changeme`...). Whoever guesses it can mint tokens for any user.",
    remediation: "Generate a random key of at least 32 bytes (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), keep it out of the source, rotate it, and invalidate the tokens signed with the old one.",
    example: "token signed with HMAC key `secret`",
    fixed_example: "token signed with a random 256-bit key",
};

pub const FORGED_TOKEN_ACCEPTED: RuleMeta = RuleMeta {
    name: "forged-token-accepted",
    severity: Severity::Critical,
    cwe: &[287, 345],
    summary: "A token freshly signed with a key jwtward recovered is accepted",
    explanation: "jwtward recovered the signing key (a dictionary or PIN search of the token's HMAC key) and a token it signed itself was accepted; the identity differential (original `sub` accepted, random `sub` refused) shows whether the server trusts the forged identity. A key given with --signing-key never yields this rule: the user owns it, and tokens it signs are supposed to be accepted.",
    remediation: "Rotate the key, make it strong and secret, and keep it out of source control and images.",
    example: "GET /items  Authorization: Bearer <token signed by jwtward, sub=alice>\n-> 200",
    fixed_example: "GET /items  Authorization: Bearer <token signed by jwtward, sub=alice>\n-> 401",
};

pub const EXPIRED_TOKEN_ACCEPTED: RuleMeta = RuleMeta {
    name: "expired-token-accepted",
    severity: Severity::High,
    cwe: &[613],
    summary: "A token whose `exp` is in the past is accepted",
    explanation: "The server does not check the expiry (`verify_exp` off, Authlib claims never validated, a hand-written check). A stolen token works forever.",
    remediation: "Let the library verify `exp` (PyJWT does by default; call `claims.validate()` with Authlib) and require the claim.",
    example: "token with exp = now - 1 day\n-> 200",
    fixed_example: "token with exp = now - 1 day\n-> 401",
};

pub const TOKEN_WITHOUT_EXP_ACCEPTED: RuleMeta = RuleMeta {
    name: "token-without-exp-accepted",
    severity: Severity::Medium,
    cwe: &[613],
    summary: "A token without an `exp` claim is accepted",
    explanation: "PyJWT and python-jose only check `exp` when it is present. A token without one never expires.",
    remediation: "Require the claim: `jwt.decode(..., options={\"require\": [\"exp\"]})` (PyJWT) or `claims_options={\"exp\": {\"essential\": True}}` (Authlib).",
    example: "token without exp\n-> 200",
    fixed_example: "token without exp\n-> 401",
};

pub const WRONG_AUDIENCE_ACCEPTED: RuleMeta = RuleMeta {
    name: "wrong-audience-accepted",
    severity: Severity::Medium,
    cwe: &[287, 345],
    summary: "A token issued for another audience is accepted",
    explanation: "The token carries an `aud` but the server does not check it: a token minted for another service of the same issuer is accepted here.",
    remediation: "Pass `audience=` to the decode call (PyJWT, python-jose) or an `aud` claims option (Authlib).",
    example: "token with aud = another-service\n-> 200",
    fixed_example: "token with aud = another-service\n-> 401",
};

pub const WRONG_ISSUER_ACCEPTED: RuleMeta = RuleMeta {
    name: "wrong-issuer-accepted",
    severity: Severity::Medium,
    cwe: &[287, 345],
    summary: "A token from another issuer is accepted",
    explanation: "The token carries an `iss` but the server does not check it: tokens from any issuer sharing the key are accepted.",
    remediation: "Pass `issuer=` to the decode call or an `iss` claims option.",
    example: "token with iss = https://attacker.example\n-> 200",
    fixed_example: "token with iss = https://attacker.example\n-> 401",
};

pub const MISSING_SUB_ACCEPTED: RuleMeta = RuleMeta {
    name: "missing-sub-accepted",
    severity: Severity::Medium,
    cwe: &[287],
    summary: "A token without `sub` is accepted",
    explanation: "The server accepts a token that names no subject and falls back to some default identity.",
    remediation: "Require `sub` and reject the request when it names no known user.",
    example: "token without sub\n-> 200",
    fixed_example: "token without sub\n-> 401",
};

pub const NOT_YET_VALID_ACCEPTED: RuleMeta = RuleMeta {
    name: "not-yet-valid-accepted",
    severity: Severity::Medium,
    cwe: &[613],
    summary: "A token whose `nbf` is in the future is accepted",
    explanation: "The server ignores `nbf`: tokens issued for later use are valid now.",
    remediation: "Leave `verify_nbf` on (the default) and validate Authlib claims.",
    example: "token with nbf = now + 1 day\n-> 200",
    fixed_example: "token with nbf = now + 1 day\n-> 401",
};

pub const ALGORITHM_CONFUSION: RuleMeta = RuleMeta {
    name: "algorithm-confusion",
    severity: Severity::Critical,
    cwe: &[347],
    summary: "An HS256 token signed with the server's public key is accepted",
    explanation: "The server verifies asymmetric tokens but lets the token header choose the algorithm: an HS256 token whose HMAC secret is the (public) RSA/EC key is accepted, so anyone holding the public key can forge tokens.",
    remediation: "Pin the algorithm to the key type (`algorithms=[\"RS256\"]`) and use a library version that refuses public keys as HMAC secrets.",
    example: "HS256 token, HMAC key = the PEM from /.well-known/jwks.json\n-> 200",
    fixed_example: "HS256 token, HMAC key = the PEM from /.well-known/jwks.json\n-> 401",
};

pub const KID_INJECTION: RuleMeta = RuleMeta {
    name: "kid-injection",
    severity: Severity::Critical,
    cwe: &[22, 347],
    summary: "A token whose `kid` points at an empty file, signed with an empty key, is accepted",
    explanation: "The server uses the `kid` header as a file path (or lookup key) without restriction: `../../../../dev/null` yields an empty key that the attacker can sign with.",
    remediation: "Look `kid` up in a fixed table of known keys; never build a path or query from it.",
    example: "kid = ../../../../../../dev/null, HS256 with an empty key\n-> 200",
    fixed_example: "kid = ../../../../../../dev/null, HS256 with an empty key\n-> 401",
};

pub const JWK_HEADER_INJECTION: RuleMeta = RuleMeta {
    name: "jwk-header-injection",
    severity: Severity::Critical,
    cwe: &[347, 345],
    summary: "A token signed with a key embedded in its own `jwk` header is accepted",
    explanation: "The server verifies the token with the public key the token itself carries, so any self-signed token passes.",
    remediation: "Verify with keys from the server's own configuration or a pinned JWKS; ignore `jwk` in headers.",
    example: "RS256/ES256 token with an attacker `jwk` header\n-> 200",
    fixed_example: "RS256/ES256 token with an attacker `jwk` header\n-> 401",
};

pub const JKU_HEADER_INJECTION: RuleMeta = RuleMeta {
    name: "jku-header-injection",
    severity: Severity::Critical,
    cwe: &[347, 918],
    summary: "A token whose `jku` points at a JWKS served by jwtward is accepted",
    explanation: "The server fetches the verification keys from the URL in the token's `jku` header: an attacker hosts their own JWKS and signs any claims.",
    remediation: "Never fetch keys from token-supplied URLs; use a fixed JWKS URL from configuration (or an exact allowlist).",
    example: "token with jku = http://127.0.0.1:PORT/jwks.json (served by jwtward)\n-> 200",
    fixed_example: "token with jku = http://127.0.0.1:PORT/jwks.json (served by jwtward)\n-> 401",
};

pub const TOKEN_IN_COOKIE_ACCEPTED: RuleMeta = RuleMeta {
    name: "token-in-cookie-accepted",
    severity: Severity::Medium,
    cwe: &[352, 288],
    summary: "The token is also accepted from a cookie",
    explanation: "The endpoint documents header authentication but reads the token from a cookie too. Browsers attach cookies automatically, which opens cross-site request forgery, and the extra channel often has weaker checks.",
    remediation: "Read the token from one documented place; if cookies are needed, use SameSite cookies and CSRF protection.",
    example: "GET /items  Cookie: access_token=<token>\n-> 200",
    fixed_example: "GET /items  Cookie: access_token=<token>\n-> 401",
};

pub const TOKEN_IN_QUERY_ACCEPTED: RuleMeta = RuleMeta {
    name: "token-in-query-accepted",
    severity: Severity::Medium,
    cwe: &[598],
    summary: "The token is also accepted from a query parameter",
    explanation: "Tokens in URLs end up in access logs, browser history, proxies and Referer headers.",
    remediation: "Accept the token only in the Authorization header.",
    example: "GET /items?token=<token>\n-> 200",
    fixed_example: "GET /items?token=<token>\n-> 401",
};

pub const PATH_VARIANT_BYPASS: RuleMeta = RuleMeta {
    name: "path-variant-bypass",
    severity: Severity::High,
    cwe: &[288, 41],
    summary: "A protected path is reachable without credentials through a variant of its path",
    explanation: "The authentication check matches the path textually (a middleware with an exact or prefix match on the raw path) while the router normalises it: a trailing slash, another case, a double slash or a percent-encoded character skips the check.",
    remediation: "Authenticate in route dependencies, or compare the normalised, decoded path (`request.url.path`) in middleware.",
    example: "GET /reports -> 401, GET /repor%74s -> 200",
    fixed_example: "GET /repor%74s -> 401",
};

pub const METHOD_BYPASS: RuleMeta = RuleMeta {
    name: "method-bypass",
    severity: Severity::High,
    cwe: &[650, 288],
    summary: "A protected route answers without credentials to another method (HEAD, OPTIONS)",
    explanation: "The authentication check only runs for some methods, while the route also serves HEAD or OPTIONS: headers, sizes or the whole body leak without a token.",
    remediation: "Authenticate every method the route serves; do not exempt HEAD/OPTIONS in auth middleware (CORS preflights are answered by CORSMiddleware before it).",
    example: "HEAD /files (no Authorization) -> 200 Content-Length: 512",
    fixed_example: "HEAD /files (no Authorization) -> 401",
};

pub const AUTH_ERROR_LEAK: RuleMeta = RuleMeta {
    name: "auth-error-leak",
    severity: Severity::Low,
    cwe: &[209],
    summary: "A rejection body carries exception text or a stack trace",
    explanation: "The authentication error returns the library's exception message or a traceback, telling an attacker which library and check failed.",
    remediation: "Return a fixed message (`Could not validate credentials`) and log the exception server-side.",
    example: "401 {\"detail\": \"DecodeError: Not enough segments\"}",
    fixed_example: "401 {\"detail\": \"Could not validate credentials\"}",
};

pub const MISSING_WWW_AUTHENTICATE: RuleMeta = RuleMeta {
    name: "missing-www-authenticate",
    severity: Severity::Low,
    cwe: &[],
    summary: "A 401 answer without a WWW-Authenticate header",
    explanation: "RFC 9110 requires a WWW-Authenticate challenge with 401; clients and gateways rely on it to tell an authentication failure from other errors.",
    remediation: "Add `headers={\"WWW-Authenticate\": \"Bearer\"}` to the HTTPException raised on token errors.",
    example: "401 (no WWW-Authenticate)",
    fixed_example: "401 WWW-Authenticate: Bearer",
};

pub const SERVER_ERROR_ON_TOKEN: RuleMeta = RuleMeta {
    name: "server-error-on-token",
    severity: Severity::Low,
    cwe: &[755, 209],
    summary: "A malformed or forged token makes the server fail with 5xx",
    explanation: "An exception raised while decoding the token is not handled (PyJWT's `InvalidKeyError`, a missing header member, a bad `kid`...). It is not a bypass, but it shows unhandled paths in the authentication code and may leak details.",
    remediation: "Catch the library's exceptions around decoding and answer 401.",
    example: "Authorization: Bearer garbage -> 500 Internal Server Error",
    fixed_example: "Authorization: Bearer garbage -> 401",
};

/// Every probe rule, in the order of the issue's table.
pub const ANY_TOKEN_ACCEPTED: RuleMeta = RuleMeta {
    name: "any-token-accepted",
    severity: Severity::Critical,
    cwe: &[287, 347],
    summary: "The endpoint checks only that a token is present: garbage, a corrupted signature and another identity all get the valid answer",
    explanation: "Requests without credentials are refused, but a garbage string, the valid token with a corrupted signature and a token naming another `sub` all get exactly the answer the valid token gets. The security dependency only checks that an `Authorization` header is there (an `HTTPBearer` subclass that never decodes, a middleware that tests for the header): any string is a key.",
    remediation: "Decode and verify the token in the dependency (`jwt.decode(token, KEY, algorithms=[...])`) and reject the request with 401 when it fails; never treat the presence of a header as authentication.",
    example: "GET /items  Authorization: Bearer jwtward-invalid-token\n-> 200 (as with the valid token)",
    fixed_example: "GET /items  Authorization: Bearer jwtward-invalid-token\n-> 401",
};

pub const PRIVILEGE_ESCALATION: RuleMeta = RuleMeta {
    name: "privilege-escalation",
    severity: Severity::Critical,
    cwe: &[269, 287],
    summary: "A token forged with privileged claims (role admin, is_admin true, an admin `sub`) turns a refusal into a success",
    explanation: "jwtward could make tokens the server accepts (a recovered key, a given --signing-key, or a signature that is not verified) and added privileged claims (`role`/`roles`/`scope`/`groups` with admin values, `is_admin`/`is_superuser`/`admin` true, or a privileged `sub`). The valid token is refused on this endpoint (401/403) and the same forgery without the privileged claims is refused too, but the privileged forgery gets a success; or, where the valid token is accepted, the privileged forgery gets fields the valid answer lacks while the same forgery without them gets the valid answer. The server grants privileges from claims an attacker can write.",
    remediation: "Keep the signing key strong and secret; read roles from the server's own user record rather than from token claims, or at least only from tokens whose signature and issuer were verified.",
    example: "GET /admin/users  Authorization: Bearer <forged, role=admin>\n-> 200",
    fixed_example: "GET /admin/users  Authorization: Bearer <forged, role=admin>\n-> 403",
};

pub static RULES: &[RuleMeta] = &[
    MISSING_AUTH,
    OPTIONAL_AUTH,
    INVALID_TOKEN_ACCEPTED,
    ALG_NONE_ACCEPTED,
    SIGNATURE_NOT_VERIFIED,
    WEAK_SECRET,
    FORGED_TOKEN_ACCEPTED,
    EXPIRED_TOKEN_ACCEPTED,
    TOKEN_WITHOUT_EXP_ACCEPTED,
    WRONG_AUDIENCE_ACCEPTED,
    WRONG_ISSUER_ACCEPTED,
    MISSING_SUB_ACCEPTED,
    NOT_YET_VALID_ACCEPTED,
    ALGORITHM_CONFUSION,
    KID_INJECTION,
    JWK_HEADER_INJECTION,
    JKU_HEADER_INJECTION,
    TOKEN_IN_COOKIE_ACCEPTED,
    TOKEN_IN_QUERY_ACCEPTED,
    PATH_VARIANT_BYPASS,
    METHOD_BYPASS,
    AUTH_ERROR_LEAK,
    MISSING_WWW_AUTHENTICATE,
    SERVER_ERROR_ON_TOKEN,
    ANY_TOKEN_ACCEPTED,
    PRIVILEGE_ESCALATION,
];

/// The rule named `name`.
pub fn rule(name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        assert_eq!(RULES.len(), 26);
        assert!(rule("alg-none-accepted").is_some());
    }
}

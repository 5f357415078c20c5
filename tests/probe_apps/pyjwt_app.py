"""PyJWT fixture (HS256, strong secret). Every /vuln/... route has exactly one bug;
the /fixed/... route of the same name is its fixed twin. All routes are GET."""

import json
import urllib.request

import jwt
from fastapi import Cookie, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from common import AUDIENCE, HS_SECRET, ISSUER, USERS

app = FastAPI(title="jwtward probe fixture: PyJWT")
bearer = HTTPBearer()
bearer_optional = HTTPBearer(auto_error=False)
GUEST = {"name": "Guest", "email": "guest@example.com"}


def unauthorized():
    return HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def strict_claims(token):
    try:
        return jwt.decode(
            token,
            HS_SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iat"]},
        )
    except jwt.InvalidTokenError:
        raise unauthorized()


def known_user(claims):
    user = USERS.get(claims.get("sub"))
    if user is None:
        raise unauthorized()
    return user


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return known_user(strict_claims(creds.credentials))


def profile(route, user):
    return {"route": route, "name": user["name"], "email": user["email"]}


# --- signature-not-verified ------------------------------------------------------------
def unverified_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = jwt.decode(creds.credentials, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise unauthorized()
    return known_user(claims)


@app.get("/vuln/unverified")
def vuln_unverified(user=Depends(unverified_user)):
    return profile("unverified", user)


@app.get("/fixed/unverified")
def fixed_unverified(user=Depends(current_user)):
    return profile("unverified", user)


# --- alg-none-accepted ------------------------------------------------------------------
def none_tolerant_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    token = creds.credentials
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise unauthorized()
    if str(header.get("alg", "")).lower() == "none":
        # "Unsigned tokens come from our internal services": the bug.
        try:
            return known_user(jwt.decode(token, options={"verify_signature": False}))
        except jwt.InvalidTokenError:
            raise unauthorized()
    return known_user(strict_claims(token))


@app.get("/vuln/none")
def vuln_none(user=Depends(none_tolerant_user)):
    return profile("none", user)


@app.get("/fixed/none")
def fixed_none(user=Depends(current_user)):
    return profile("none", user)


# Unsafe methods: probed (with --unsafe-methods) only with a schema-invalid `{}` body, which
# FastAPI answers with 422 after the auth dependency and before the handler runs.
class Transfer(BaseModel):
    to: str
    amount: int


SIDE_EFFECTS = []


@app.get("/side-effects")
def side_effects():
    return {"handled": len(SIDE_EFFECTS)}


@app.post("/vuln/none")
def vuln_none_post(transfer: Transfer, user=Depends(none_tolerant_user)):
    SIDE_EFFECTS.append(transfer)
    return {"done": True}


@app.post("/fixed/none")
def fixed_none_post(transfer: Transfer, user=Depends(current_user)):
    SIDE_EFFECTS.append(transfer)
    return {"done": True}


# --- invalid-token-accepted -------------------------------------------------------------
def lenient_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        return known_user(strict_claims(creds.credentials))
    except HTTPException:
        return {"name": "anonymous", "email": None}


@app.get("/vuln/anonymous")
def vuln_anonymous(user=Depends(lenient_user)):
    return profile("anonymous", user)


@app.get("/fixed/anonymous")
def fixed_anonymous(user=Depends(current_user)):
    return profile("anonymous", user)


# --- optional-auth ----------------------------------------------------------------------
def optional_user(creds: HTTPAuthorizationCredentials | None = Depends(bearer_optional)):
    if creds is None:
        return GUEST
    return known_user(strict_claims(creds.credentials))


@app.get("/vuln/optional")
def vuln_optional(user=Depends(optional_user)):
    return profile("optional", user)


@app.get("/fixed/optional")
def fixed_optional(user=Depends(current_user)):
    return profile("optional", user)


# --- missing-auth: security declared in the spec, never enforced ---------------------------
@app.get("/vuln/declared")
def vuln_declared(creds: HTTPAuthorizationCredentials | None = Depends(bearer_optional)):
    return {"report": "quarterly numbers", "rows": [3, 1, 4]}


@app.get("/fixed/declared")
def fixed_declared(user=Depends(current_user)):
    return {"report": "quarterly numbers", "rows": [3, 1, 4]}


# --- missing-auth: a sensitive path with no security at all -------------------------------
@app.get("/vuln/admin/export")
def vuln_admin_export():
    return {"export": [{"user": "alice", "email": "alice@example.com"}]}


@app.get("/fixed/admin/export")
def fixed_admin_export(user=Depends(current_user)):
    return {"export": [{"user": "alice", "email": "alice@example.com"}]}


# --- missing-www-authenticate -----------------------------------------------------------
def no_challenge_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = jwt.decode(creds.credentials, HS_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.InvalidTokenError:
        raise HTTPException(401, "Could not validate credentials")
    return known_user(claims)


@app.get("/vuln/www")
def vuln_www(user=Depends(no_challenge_user)):
    return profile("www", user)


@app.get("/fixed/www")
def fixed_www(user=Depends(current_user)):
    return profile("www", user)


# --- auth-error-leak --------------------------------------------------------------------
def leaky_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = jwt.decode(creds.credentials, HS_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.InvalidTokenError as e:
        raise HTTPException(401, f"{type(e).__name__}: {e}", headers={"WWW-Authenticate": "Bearer"})
    return known_user(claims)


@app.get("/vuln/leak")
def vuln_leak(user=Depends(leaky_user)):
    return profile("leak", user)


@app.get("/fixed/leak")
def fixed_leak(user=Depends(current_user)):
    return profile("leak", user)


# --- server-error-on-token --------------------------------------------------------------
def crashing_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    claims = jwt.decode(creds.credentials, HS_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    return known_user(claims)


@app.get("/vuln/crash")
def vuln_crash(user=Depends(crashing_user)):
    return profile("crash", user)


@app.get("/fixed/crash")
def fixed_crash(user=Depends(current_user)):
    return profile("crash", user)


# --- token-in-cookie-accepted / token-in-query-accepted -----------------------------------
def header_or_cookie_user(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer_optional)):
    token = creds.credentials if creds else request.cookies.get("access_token")
    if not token:
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return known_user(strict_claims(token))


def header_or_query_user(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer_optional)):
    token = creds.credentials if creds else request.query_params.get("token")
    if not token:
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return known_user(strict_claims(token))


@app.get("/vuln/cookie")
def vuln_cookie(user=Depends(header_or_cookie_user)):
    return profile("cookie", user)


@app.get("/fixed/cookie")
def fixed_cookie(user=Depends(current_user)):
    return profile("cookie", user)


# The cookie as a declared parameter next to the bearer scheme (a summary of lnbits'
# `cookie_access_token: Annotated[str | None, Cookie()]`): the spec documents the cookie
# channel, so reading the token from it is not token-in-cookie-accepted.
def header_or_declared_cookie_user(
    cookie_access_token: str | None = Cookie(None),
    creds: HTTPAuthorizationCredentials | None = Depends(bearer_optional),
):
    token = creds.credentials if creds else cookie_access_token
    if not token:
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return known_user(strict_claims(token))


@app.get("/fixed/cookie-declared")
def fixed_cookie_declared(user=Depends(header_or_declared_cookie_user)):
    return profile("cookie-declared", user)


@app.get("/vuln/query")
def vuln_query(user=Depends(header_or_query_user)):
    return profile("query", user)


@app.get("/fixed/query")
def fixed_query(user=Depends(current_user)):
    return profile("query", user)


# --- jwk-header-injection ---------------------------------------------------------------
def jwk_trusting_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    token = creds.credentials
    try:
        header = jwt.get_unverified_header(token)
        if "jwk" in header:
            key = jwt.PyJWK(header["jwk"])
            claims = jwt.decode(token, key.key, algorithms=[header["alg"]], audience=AUDIENCE, issuer=ISSUER)
        else:
            claims = strict_claims(token)
    except (jwt.InvalidTokenError, jwt.PyJWKError, KeyError, ValueError, TypeError):
        raise unauthorized()
    return known_user(claims)


@app.get("/vuln/jwk")
def vuln_jwk(user=Depends(jwk_trusting_user)):
    return profile("jwk", user)


@app.get("/fixed/jwk")
def fixed_jwk(user=Depends(current_user)):
    return profile("jwk", user)


# --- jku-header-injection ---------------------------------------------------------------
def jku_trusting_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    token = creds.credentials
    try:
        header = jwt.get_unverified_header(token)
        if "jku" in header:
            with urllib.request.urlopen(header["jku"], timeout=3) as resp:
                jwks = json.loads(resp.read(65536))
            keyset = jwt.PyJWKSet.from_dict(jwks)
            key = next(k for k in keyset.keys if k.key_id == header.get("kid"))
            claims = jwt.decode(token, key.key, algorithms=[header["alg"]], audience=AUDIENCE, issuer=ISSUER)
        else:
            claims = strict_claims(token)
    except (jwt.InvalidTokenError, jwt.PyJWKError, jwt.PyJWKSetError, StopIteration, OSError, ValueError, KeyError):
        raise unauthorized()
    return known_user(claims)


@app.get("/vuln/jku")
def vuln_jku(user=Depends(jku_trusting_user)):
    return profile("jku", user)


@app.get("/fixed/jku")
def fixed_jku(user=Depends(current_user)):
    return profile("jku", user)


# --- path-variant-bypass and method-bypass: auth in middleware ----------------------------
RAW_PATH_PROTECTED = {"/vuln/mw/reports"}  # exact match on the raw (undecoded) path: the bug
GET_ONLY_PROTECTED = {"/vuln/mw/files"}  # HEAD and OPTIONS skip the check: the bug
FIXED_PREFIX = "/fixed/mw/"  # decoded path, every method


@app.middleware("http")
async def auth_middleware(request: Request, call_next):
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?")[0]
    path = request.url.path
    needs = (
        raw in RAW_PATH_PROTECTED
        or (path in GET_ONLY_PROTECTED and request.method not in ("HEAD", "OPTIONS"))
        or path.startswith(FIXED_PREFIX)
    )
    if needs:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer" or not token:
                raise unauthorized()
            known_user(strict_claims(token.strip()))
        except HTTPException as e:
            return JSONResponse({"detail": e.detail}, e.status_code, headers={"WWW-Authenticate": "Bearer"})
    return await call_next(request)


REPORT = {"report": "payroll", "rows": [{"name": "alice", "salary": 5100}]}
FILES = {"files": ["contract.pdf", "salaries.xlsx"]}


@app.get("/vuln/mw/reports")
def vuln_mw_reports():
    return REPORT


@app.get("/fixed/mw/reports")
def fixed_mw_reports():
    return REPORT


@app.api_route("/vuln/mw/files", methods=["GET", "HEAD"])
def vuln_mw_files():
    return FILES


@app.api_route("/fixed/mw/files", methods=["GET", "HEAD"])
def fixed_mw_files():
    return FILES

"""python-jose fixture (HS256 tokens with kid "main.key"). /vuln/... routes have one bug
each; /fixed/... routes are their twins. All routes are GET."""

import os

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwt

from common import AUDIENCE, ISSUER, KEYS, KID_SECRET, USERS

app = FastAPI(title="jwtward probe fixture: python-jose")
bearer = HTTPBearer()
GUEST = {"name": "Guest", "email": "guest@example.com"}
STRICT_OPTIONS = {"require_exp": True, "require_sub": True, "require_iat": True}


def unauthorized():
    return HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def known_user(claims):
    user = USERS.get(claims.get("sub"))
    if user is None:
        raise unauthorized()
    return user


def strict_claims(token, key=KID_SECRET):
    try:
        return jwt.decode(token, key, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, options=STRICT_OPTIONS)
    except (JWTError, TypeError):
        # python-jose raises TypeError (not JWTError) for `exp: null`: a fixed app catches it.
        raise unauthorized()


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return known_user(strict_claims(creds.credentials))


def profile(route, user):
    return {"route": route, "name": user["name"], "email": user["email"]}


# --- kid-injection: kid used as a file name ------------------------------------------------
def kid_file_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    token = creds.credentials
    try:
        kid = jwt.get_unverified_header(token).get("kid", "main.key")
        with open(os.path.join(KEYS, kid)) as f:  # the bug: ../../dev/null gives ""
            key = f.read()
    except (JWTError, OSError, TypeError):
        raise unauthorized()
    return known_user(strict_claims(token, key))


def kid_table_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    token = creds.credentials
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except JWTError:
        raise unauthorized()
    key = {"main.key": KID_SECRET}.get(kid)
    if key is None:
        raise unauthorized()
    return known_user(strict_claims(token, key))


@app.get("/vuln/kid")
def vuln_kid(user=Depends(kid_file_user)):
    return profile("kid", user)


@app.get("/fixed/kid")
def fixed_kid(user=Depends(kid_table_user)):
    return profile("kid", user)


# --- signature-not-verified --------------------------------------------------------------
def unverified_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = jwt.get_unverified_claims(creds.credentials)
    except JWTError:
        raise unauthorized()
    return known_user(claims)


@app.get("/vuln/unverified")
def vuln_unverified(user=Depends(unverified_user)):
    return profile("unverified", user)


@app.get("/fixed/unverified")
def fixed_unverified(user=Depends(current_user)):
    return profile("unverified", user)


# --- the claims matrix: every claim check switched off -------------------------------------
def unchecked_claims_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = jwt.decode(
            creds.credentials,
            KID_SECRET,
            algorithms=["HS256"],
            options={"verify_aud": False, "verify_iss": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except JWTError:
        raise unauthorized()
    return USERS.get(claims.get("sub"), GUEST)


@app.get("/vuln/claims")
def vuln_claims(user=Depends(unchecked_claims_user)):
    return profile("claims", user)


@app.get("/fixed/claims")
def fixed_claims(user=Depends(current_user)):
    return profile("claims", user)


# --- auth-error-leak --------------------------------------------------------------------
def leaky_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = jwt.decode(creds.credentials, KID_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except JWTError as e:
        raise HTTPException(401, str(e), headers={"WWW-Authenticate": "Bearer"})
    return known_user(claims)


@app.get("/vuln/leak")
def vuln_leak(user=Depends(leaky_user)):
    return profile("leak", user)


@app.get("/fixed/leak")
def fixed_leak(user=Depends(current_user)):
    return profile("leak", user)


# --- server-error-on-token --------------------------------------------------------------
def crashing_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return known_user(jwt.decode(creds.credentials, KID_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER))


@app.get("/vuln/crash")
def vuln_crash(user=Depends(crashing_user)):
    return profile("crash", user)


@app.get("/fixed/crash")
def fixed_crash(user=Depends(current_user)):
    return profile("crash", user)

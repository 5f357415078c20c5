"""Authlib fixture (HS256, strong secret). /vuln/... routes have one bug each; /fixed/...
routes are their twins. All routes are GET."""

import warnings

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

warnings.simplefilter("ignore")
from authlib.jose import JsonWebToken  # noqa: E402
from authlib.jose.errors import JoseError  # noqa: E402

from common import AUDIENCE, HS_SECRET, ISSUER, USERS  # noqa: E402

app = FastAPI(title="jwtward probe fixture: Authlib")
bearer = HTTPBearer()
GUEST = {"name": "Guest", "email": "guest@example.com"}
CLAIMS_OPTIONS = {
    "iss": {"essential": True, "value": ISSUER},
    "aud": {"essential": True, "value": AUDIENCE},
    "sub": {"essential": True},
    "exp": {"essential": True},
}
hs_only = JsonWebToken(["HS256"])
hs_or_none = JsonWebToken(["HS256", "none"])  # the bug of /vuln/none


def unauthorized():
    return HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def known_user(claims):
    user = USERS.get(claims.get("sub"))
    if user is None:
        raise unauthorized()
    return user


def decode(jwt_obj, token, validate=True):
    try:
        claims = jwt_obj.decode(token, HS_SECRET, claims_options=CLAIMS_OPTIONS)
        if validate:
            claims.validate(leeway=5)
        return claims
    except (JoseError, ValueError, TypeError):
        raise unauthorized()


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return known_user(decode(hs_only, creds.credentials))


def profile(route, user):
    return {"route": route, "name": user["name"], "email": user["email"]}


# --- alg-none-accepted ------------------------------------------------------------------
def none_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return known_user(decode(hs_or_none, creds.credentials))


@app.get("/vuln/none")
def vuln_none(user=Depends(none_user)):
    return profile("none", user)


@app.get("/fixed/none")
def fixed_none(user=Depends(current_user)):
    return profile("none", user)


# --- the claims matrix: claims decoded but never validated --------------------------------
def unvalidated_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    claims = decode(hs_only, creds.credentials, validate=False)
    return USERS.get(claims.get("sub"), GUEST)


@app.get("/vuln/claims")
def vuln_claims(user=Depends(unvalidated_user)):
    return profile("claims", user)


@app.get("/fixed/claims")
def fixed_claims(user=Depends(current_user)):
    return profile("claims", user)


# --- missing-www-authenticate -----------------------------------------------------------
def no_challenge_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        return known_user(decode(hs_only, creds.credentials))
    except HTTPException:
        raise HTTPException(401, "Could not validate credentials")


@app.get("/vuln/www")
def vuln_www(user=Depends(no_challenge_user)):
    return profile("www", user)


@app.get("/fixed/www")
def fixed_www(user=Depends(current_user)):
    return profile("www", user)

"""RS256 fixture: the public key is published at /.well-known/jwks.json. /vuln/confusion
verifies HS256 tokens with the public key as HMAC secret (hand-rolled check, as old
python-jose/Authlib did); /vuln/jwk trusts the key in the token header (Authlib).
/fixed/... routes are their twins."""

import hashlib
import hmac
import json
import warnings

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwk, jwt
from jose.utils import base64url_decode

warnings.simplefilter("ignore")
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402
from authlib.jose.errors import JoseError  # noqa: E402

from common import AUDIENCE, ISSUER, RSA_PUBLIC_PEM, USERS  # noqa: E402

app = FastAPI(title="jwtward probe fixture: RS256")
bearer = HTTPBearer()
PUBLIC_JWK = dict(jwk.construct(RSA_PUBLIC_PEM, "RS256").to_dict(), kid="server-1", use="sig")


def unauthorized():
    return HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def known_user(claims):
    user = USERS.get(claims.get("sub"))
    if user is None:
        raise unauthorized()
    return user


def strict_claims(token):
    try:
        return jwt.decode(token, RSA_PUBLIC_PEM, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)
    except JWTError:
        raise unauthorized()


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return known_user(strict_claims(creds.credentials))


def profile(route, user):
    return {"route": route, "name": user["name"], "email": user["email"]}


@app.get("/.well-known/jwks.json", include_in_schema=False)
def jwks():
    return {"keys": [PUBLIC_JWK]}


# --- algorithm-confusion ----------------------------------------------------------------
def confused_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    token = creds.credentials
    try:
        header = jwt.get_unverified_header(token)
    except JWTError:
        raise unauthorized()
    if header.get("alg") == "HS256":
        # The bug: the verification key is used as an HMAC secret when the token says HS256.
        signing_input, _, sig = token.rpartition(".")
        expected = hmac.new(RSA_PUBLIC_PEM.encode(), signing_input.encode(), hashlib.sha256).digest()
        try:
            ok = hmac.compare_digest(expected, base64url_decode(sig.encode()))
        except Exception:
            ok = False
        if not ok:
            raise unauthorized()
        claims = json.loads(base64url_decode(signing_input.split(".")[1].encode()))
        if claims.get("aud") != AUDIENCE or claims.get("iss") != ISSUER:
            raise unauthorized()
        return known_user(claims)
    return known_user(strict_claims(token))


@app.get("/vuln/confusion")
def vuln_confusion(user=Depends(confused_user)):
    return profile("confusion", user)


@app.get("/fixed/confusion")
def fixed_confusion(user=Depends(current_user)):
    return profile("confusion", user)


# --- jwk-header-injection (Authlib) --------------------------------------------------------
rs_or_es = JsonWebToken(["RS256", "ES256"])


def header_key(header, payload):
    if "jwk" in header:
        return JsonWebKey.import_key(header["jwk"])  # the bug
    return JsonWebKey.import_key(PUBLIC_JWK)


def jwk_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        claims = rs_or_es.decode(
            creds.credentials,
            header_key,
            claims_options={"aud": {"essential": True, "value": AUDIENCE}, "iss": {"essential": True, "value": ISSUER}},
        )
        claims.validate(leeway=5)
    except (JoseError, ValueError, TypeError, KeyError):
        raise unauthorized()
    return known_user(claims)


@app.get("/vuln/jwk")
def vuln_jwk(user=Depends(jwk_user)):
    return profile("jwk", user)


@app.get("/fixed/jwk")
def fixed_jwk(user=Depends(current_user)):
    return profile("jwk", user)

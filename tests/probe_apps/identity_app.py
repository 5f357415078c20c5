"""Whose answer is it: the identity held in `uid`, named in the answer (the "ident" token of
mint.py: `sub` alice and `uid` u-2001, HS256 with the crackable key IDENT_SECRET).

The key is a common password, so the probe recovers it and forges tokens. What it must tell
apart is whether an accepted forgery answers as the same user or as another identity:
- /vuln/me falls back to a guest identity when `uid` is missing and names whatever `uid` the
  token carries: a token without `uid` gets the guest's answer (missing-sub-accepted, as
  another identity), and a forged random `uid` is answered as that identity;
- /fixed/me requires a known account and, without `uid`, finds the account from `sub`: a
  token without `uid` still gets alice's own answer (the same identity: no finding);
- /vuln/catalogue answers the same whoever asks: accepted forgeries cannot show whose
  answer they get.
"""

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common import IDENT_SECRET, ISSUER

app = FastAPI(title="jwtward probe fixture: whose answer is it")
bearer = HTTPBearer()
ACCOUNTS = {
    "u-2001": {"login": "alice", "plan": "team"},
    "u-2002": {"login": "bob", "plan": "solo"},
}
UID_OF_LOGIN = {a["login"]: uid for uid, a in ACCOUNTS.items()}


def unauthorized():
    return HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def claims(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        return jwt.decode(creds.credentials, IDENT_SECRET, algorithms=["HS256"], issuer=ISSUER,
                          options={"require": ["exp", "iat", "iss"]})
    except jwt.InvalidTokenError:
        raise unauthorized()


@app.get("/vuln/me")
def vuln_me(c=Depends(claims)):
    uid = c.get("uid", "guest")  # the bug: no uid means the guest identity
    account = ACCOUNTS.get(uid, {"login": "guest", "plan": "free"})
    return {"uid": uid, "login": account["login"], "plan": account["plan"]}


@app.get("/fixed/me")
def fixed_me(c=Depends(claims)):
    uid = c.get("uid") or UID_OF_LOGIN.get(c.get("sub"))
    if uid not in ACCOUNTS:
        raise unauthorized()
    account = ACCOUNTS[uid]
    return {"uid": uid, "login": account["login"], "plan": account["plan"]}


@app.get("/vuln/catalogue")
def vuln_catalogue(c=Depends(claims)):
    return {"products": ["basic", "team", "enterprise"]}

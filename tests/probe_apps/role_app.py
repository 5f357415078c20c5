"""Crackable key, identity in `uid`, role trusted from the token (the "role" token of mint.py).

The HS256 key is `letmein123` (a common password with a digit suffix). Tokens carry
`uid` (no `sub`) and `role: user`. /vuln/admin/stats trusts the token's role, so only a
forged `role: admin` token gets 200; /fixed/admin/stats reads the role from the server's
user table. The key is not the user's: with it recovered, forged-token-accepted (on /me,
whose answer depends on `uid`) and privilege-escalation are proven; the fixed route stays
refused.
"""

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common import AUDIENCE, ISSUER, ROLE_SECRET

app = FastAPI(title="jwtward probe fixture: roles from a crackable key")
bearer = HTTPBearer()
ACCOUNTS = {
    "u-1001": {"username": "alice", "role": "user"},
    "u-1002": {"username": "bob", "role": "user"},
}


def claims(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        c = jwt.decode(creds.credentials, ROLE_SECRET, algorithms=["HS256"], audience=AUDIENCE,
                       issuer=ISSUER, options={"require": ["exp", "uid", "iat"]})
    except jwt.InvalidTokenError:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    if c.get("uid") not in ACCOUNTS:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    return c


@app.get("/me")
def me(c=Depends(claims)):
    return {"uid": c["uid"], "username": ACCOUNTS[c["uid"]]["username"]}


@app.get("/vuln/admin/stats")
def vuln_stats(c=Depends(claims)):
    if c.get("role") != "admin":  # the bug: the role comes from the token
        raise HTTPException(403, "Admins only")
    return {"accounts": len(ACCOUNTS)}


@app.get("/fixed/admin/stats")
def fixed_stats(c=Depends(claims)):
    if ACCOUNTS[c["uid"]]["role"] != "admin":
        raise HTTPException(403, "Admins only")
    return {"accounts": len(ACCOUNTS)}


@app.get("/vuln/report")
def vuln_report(c=Depends(claims)):
    out = {"rows": 3}
    if c.get("role") == "admin":  # the bug: extra data for a role claimed by the token
        out["audit_log"] = ["login alice", "login bob"]
    return out


@app.get("/fixed/report")
def fixed_report(c=Depends(claims)):
    out = {"rows": 3}
    if ACCOUNTS[c["uid"]]["role"] == "admin":
        out["audit_log"] = ["login alice", "login bob"]
    return out

"""Keys, users and token minting shared by the probe fixture apps and by mint.py.

Only PyJWT is imported here, so minting a token from a test is quick.
"""

import os
import time

import jwt

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")

# A strong HS256 secret: not in any wordlist.
HS_SECRET = "jwtward-fixture-strong-7c1e5a9d3b8f40e2a6d4c0b9e1f3a5c7"
# The FastAPI tutorial key, copied into many real apps: jwtward must recover it.
WEAK_SECRET = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
# A common password with a digit suffix: the probe's default crack tier must recover it.
ROLE_SECRET = "letmein123"
# A common password as it is: the identity fixture's key, recovered by the default tier.
IDENT_SECRET = "trustno1"
with open(os.path.join(KEYS, "main.key")) as f:
    KID_SECRET = f.read()
with open(os.path.join(KEYS, "server_rsa.pem")) as f:
    RSA_PRIVATE_PEM = f.read()
with open(os.path.join(KEYS, "server_rsa.pub.pem")) as f:
    RSA_PUBLIC_PEM = f.read()

AUDIENCE = "jwtward-fixture-api"
ISSUER = "https://issuer.jwtward.test"

USERS = {
    "alice": {"name": "Alice Liddell", "email": "alice@example.com", "role": "user"},
    "bob": {"name": "Bob Builder", "email": "bob@example.com", "role": "user"},
}


def claims(sub="alice"):
    now = int(time.time())
    return {"sub": sub, "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + 3600}


def mint(kind, sub="alice"):
    """A valid token of the given kind: hs (strong HS256), weak (tutorial key),
    kid (HS256 with kid main.key), rs (RS256 with kid server-1), role (`uid` and `role`
    claims, no `sub`, signed with the crackable ROLE_SECRET), ident (`sub` and `uid`, signed
    with the crackable IDENT_SECRET)."""
    if kind == "hs":
        return jwt.encode(claims(sub), HS_SECRET, algorithm="HS256")
    if kind == "weak":
        return jwt.encode(claims(sub), WEAK_SECRET, algorithm="HS256")
    if kind == "kid":
        return jwt.encode(claims(sub), KID_SECRET, algorithm="HS256", headers={"kid": "main.key"})
    if kind == "role":
        now = int(time.time())
        c = {"uid": "u-1001", "role": "user", "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + 3600}
        return jwt.encode(c, ROLE_SECRET, algorithm="HS256")
    if kind == "ident":
        now = int(time.time())
        c = {"sub": sub, "uid": "u-2001", "iss": ISSUER, "iat": now, "exp": now + 3600}
        return jwt.encode(c, IDENT_SECRET, algorithm="HS256")
    if kind == "rs":
        return jwt.encode(claims(sub), RSA_PRIVATE_PEM, algorithm="RS256", headers={"kid": "server-1"})
    raise SystemExit(f"unknown token kind {kind!r}")


def user_or_none(sub):
    return USERS.get(sub)

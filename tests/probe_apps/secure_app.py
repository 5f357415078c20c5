"""A secure PyJWT app (the "hs" token of mint.py): probed with its own key given as
--signing-key it must yield zero findings. Ids are random and only harvestable from the list
route; the admin route reads roles from the server's own table."""

import uuid

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common import AUDIENCE, HS_SECRET, ISSUER, USERS

app = FastAPI(title="jwtward probe fixture: secure")
bearer = HTTPBearer()
ORDERS = {str(uuid.uuid4()): {"total": 10 * i, "owner": "alice"} for i in range(1, 4)}
ROLES = {"alice": "user", "bob": "user"}


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    try:
        c = jwt.decode(creds.credentials, HS_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
                       options={"require": ["exp", "sub", "iat", "aud", "iss"]})
    except jwt.InvalidTokenError:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    if c["sub"] not in USERS:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    return c["sub"]


@app.get("/me")
def me(sub=Depends(current_user)):
    return {"sub": sub, "name": USERS[sub]["name"]}


@app.get("/orders")
def orders(sub=Depends(current_user)):
    return [{"id": k, "total": v["total"]} for k, v in ORDERS.items() if v["owner"] == sub]


@app.get("/orders/{order_id}")
def order(order_id: uuid.UUID, sub=Depends(current_user)):
    o = ORDERS.get(str(order_id))
    if o is None or o["owner"] != sub:
        raise HTTPException(404, "Order not found")
    return {"id": str(order_id), "total": o["total"]}


@app.get("/admin/users")
def admin_users(sub=Depends(current_user)):
    if ROLES.get(sub) != "admin":
        raise HTTPException(403, "Admins only")
    return {"users": sorted(USERS)}

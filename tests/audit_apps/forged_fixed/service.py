"""The fixed twin of forged_vuln: the key comes from the environment (no fallback), the
stats route requires a token, the feed refuses bad tokens."""

import os

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request

SIGNING_KEY = os.environ["INVENTORY_SIGNING_KEY"]

app = FastAPI()


def current_user(request: Request) -> dict:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(
            header[7:], SIGNING_KEY, algorithms=["HS256"], audience="inventory", issuer="inventory-auth",
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return {"name": claims["sub"]}


@app.get("/stock")
def stock(user: dict = Depends(current_user)):
    return {"owner": user["name"], "items": [{"sku": "A1", "count": 4}]}


@app.get("/stock/report")
def stock_report(user: dict = Depends(current_user)):
    return {"owner": user["name"], "total": 4}


@app.get("/stock/internal", include_in_schema=False)
def admin_stats(user: dict = Depends(current_user)):
    return {"users": 12, "revenue": 1234}


@app.get("/feed")
def feed(user: dict = Depends(current_user)):
    return {"items": ["public-1", "private-for-" + user["name"]]}

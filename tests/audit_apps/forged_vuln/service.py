"""Inventory service: a weak HMAC key, a hidden stats route without auth, a fail-open feed."""

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request

SIGNING_KEY = "secret"

app = FastAPI()


def current_user(request: Request) -> dict:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(header[7:], SIGNING_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return {"name": claims["sub"], "kind": claims.get("kind")}


def viewer_of(request: Request):
    header = request.headers.get("authorization", "")
    try:
        claims = jwt.decode(header[7:], SIGNING_KEY, algorithms=["HS256"])
    except Exception:
        return None
    return claims


def issue(name: str) -> str:
    return jwt.encode({"sub": name, "kind": "access"}, SIGNING_KEY, algorithm="HS256")


@app.get("/stock")
def stock(user: dict = Depends(current_user)):
    if user["kind"] != "access":
        raise HTTPException(status_code=401, detail="Wrong token kind")
    return {"owner": user["name"], "items": [{"sku": "A1", "count": 4}]}


@app.get("/stock/report")
def stock_report(user: dict = Depends(current_user)):
    return {"owner": user["name"], "total": 4}


@app.get("/stock/internal", include_in_schema=False)
def admin_stats():
    return {"users": 12, "revenue": 1234}


@app.get("/feed")
def feed(viewer=Depends(viewer_of)):
    if viewer is None:
        return {"items": ["public-1"]}
    return {"items": ["public-1", "private-for-" + viewer["sub"]]}

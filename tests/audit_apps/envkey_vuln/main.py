"""Orders API: the signing key falls back to a value in the source when ORDERS_JWT_KEY is
unset; tokens carry a `scope` claim the dependency insists on."""

import os

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwt

KEY = os.getenv("ORDERS_JWT_KEY", "orders-dev-key")
bearer = HTTPBearer()
app = FastAPI()


def make_token(user_id: str) -> str:
    return jwt.encode({"sub": user_id, "scope": "orders"}, KEY, algorithm="HS256")


def caller(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> str:
    try:
        claims = jwt.decode(creds.credentials, KEY, algorithms=["HS256"])
    except JWTError:
        raise HTTPException(status_code=401, detail="bad token", headers={"WWW-Authenticate": "Bearer"})
    if claims.get("scope") != "orders":
        raise HTTPException(status_code=403, detail="wrong scope")
    return claims["sub"]


@app.get("/orders")
def orders(user: str = Depends(caller)):
    return {"user": user, "orders": [101, 102]}

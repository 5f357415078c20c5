"""An API that wants `Authorization: Token <jwt>` rather than `Bearer` (audit fixture):
audit finds the word on a protected route and sends its tokens with it."""

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader

KEY = "4f8a1d6c9b2e7f3a0d5c8b1e6f9a2d7c4b0e3f8a"
header = APIKeyHeader(name="Authorization")
app = FastAPI()


def issue(name: str) -> str:
    return jwt.encode({"sub": name}, KEY, algorithm="HS256")


def account(value: str = Depends(header)) -> str:
    word, _, token = value.partition(" ")
    if word != "Token":
        raise HTTPException(403, "unsupported authorization type")
    try:
        return jwt.decode(token, KEY, algorithms=["HS256"])["sub"]
    except (jwt.PyJWTError, KeyError):
        raise HTTPException(403, "could not validate credentials")


@app.get("/profile")
def profile(who: str = Depends(account)):
    return {"user": who}

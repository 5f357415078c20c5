"""The dashboard API of cookie_vuln, fixed (audit fixture): the widget route authenticates
by the `Authorization` header like the others."""

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

KEY = "9d2f6a1c8e4b7d3f0a5c9e2b6d8f1a4c7e0b3d5f"
app = FastAPI()


def issue(user: str) -> str:
    return jwt.encode({"sub": user}, KEY, algorithm="HS256")


def _subject(token: str) -> str:
    try:
        return jwt.decode(token, KEY, algorithms=["HS256"])["sub"]
    except (jwt.PyJWTError, KeyError):
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})


def by_header(creds: HTTPAuthorizationCredentials = Depends(HTTPBearer())) -> str:
    return _subject(creds.credentials)


@app.get("/me")
def me(user: str = Depends(by_header)):
    return {"user": user}


@app.get("/me/widget")
def widget(user: str = Depends(by_header)):
    return {"user": user, "widget": "weather"}

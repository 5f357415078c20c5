"""A dashboard API that authenticates by `Authorization` header, except for one widget
route whose dependency takes the token from the `session_token` cookie (audit fixture,
vulnerable twin: `token-from-cookie`, proven by a request with the token in the cookie
only)."""

import jwt
from fastapi import Cookie, Depends, FastAPI, HTTPException
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


def by_cookie(session_token: str | None = Cookie(default=None)) -> str:
    if session_token is None:
        raise HTTPException(401, "no session", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(session_token, KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return claims["sub"]


@app.get("/me")
def me(user: str = Depends(by_header)):
    return {"user": user}


@app.get("/me/widget")
def widget(user: str = Depends(by_cookie)):
    return {"user": user, "widget": "weather"}

"""A ledger API whose signing key is `LEDGER_JWT_SECRET`, with a development fallback in the
source, and a `.env` file loaded at start-up (audit fixture: in dotenv_set the `.env` sets
the variable, so the fallback is not in force; in dotenv_unset it does not)."""

import os

import jwt
from dotenv import load_dotenv
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

load_dotenv()

SECRET = os.getenv("LEDGER_JWT_SECRET", "ledger-dev-secret")
bearer = HTTPBearer()
app = FastAPI()


def issue(account: str) -> str:
    return jwt.encode({"sub": account}, SECRET, algorithm="HS256")


def account(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> str:
    try:
        claims = jwt.decode(creds.credentials, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return claims["sub"]


@app.get("/balance")
def balance(who: str = Depends(account)):
    return {"account": who, "balance": 0}

"""PyJWT fixture signed with the FastAPI tutorial key (weak-secret, forged-token-accepted).
Its fixed twin for those rules is pyjwt_app.py, whose key is strong."""

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

from common import AUDIENCE, ISSUER, USERS, WEAK_SECRET

app = FastAPI(title="jwtward probe fixture: weak secret")
oauth2 = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2)):
    try:
        claims = jwt.decode(token, WEAK_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.InvalidTokenError:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    user = USERS.get(claims.get("sub"))
    if user is None:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/users/me")
def me(user=Depends(current_user)):
    return {"name": user["name"], "email": user["email"]}


@app.get("/items/{item_id}")
def item(item_id: int, user=Depends(current_user)):
    return {"item_id": item_id, "owner": user["name"]}

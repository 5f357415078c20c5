"""Sign-up and login."""

import secrets

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from fastapi import Depends

from config import settings
from db import User, store
from security import create_access_token, hash_password, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/signup", status_code=status.HTTP_201_CREATED)
def signup(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    if form.username in store.users:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Username taken")
    salt = secrets.token_hex(16)
    store.users[form.username] = User(form.username, salt, hash_password(form.password, salt))
    return {"username": form.username}


@router.post("/token")
def login(response: Response, form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = store.users.get(form.username)
    if user is None or not verify_password(form.password, user.salt, user.password_hash):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Bad credentials")
    token = create_access_token(user.username)
    response.set_cookie(settings.cookie_name, token, samesite="lax")
    return {"access_token": token, "token_type": "bearer"}

"""Password hashing and token helpers."""

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import jwt

from config import settings

JWT_OPTIONS = {"verify_exp": True}


def hash_password(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 100_000).hex()


def verify_password(password: str, salt: str, expected: str) -> bool:
    return hmac.compare_digest(hash_password(password, salt), expected)


def create_access_token(subject: str, expires_delta: timedelta | None = None) -> str:
    now = datetime.now(timezone.utc)
    if expires_delta is None:
        expires_delta = timedelta(minutes=settings.access_token_expire_minutes)
    payload = {"sub": subject, "iat": now, "exp": now + expires_delta}
    return jwt.encode(payload, settings.secret_key, algorithm=settings.algorithm)


def decode_access_token(token: str) -> dict:
    return jwt.decode(
        token,
        settings.secret_key,
        algorithms=[settings.algorithm],
        options=JWT_OPTIONS,
    )


def peek_claims(token: str) -> dict:
    # Used by the "remember me" shortcut: no need to check the signature again.
    return jwt.decode(token, options={"verify_signature": False})

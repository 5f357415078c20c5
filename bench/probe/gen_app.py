"""Writes a FastAPI app with N protected GET endpoints (PyJWT HS256, the FastAPI tutorial
pattern) to the given directory, plus mint.py that prints a valid token."""

import os
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
os.makedirs(out, exist_ok=True)
SECRET = "bench-probe-strong-secret-4f2a9c7e1b3d5f608a2c4e6b8d0f1a3c"
head = f'''import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

SECRET = "{SECRET}"
app = FastAPI(title="bench: {n} protected endpoints")
oauth2 = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2)):
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={{"require": ["exp", "sub"]}})
    except jwt.InvalidTokenError:
        raise HTTPException(401, "Could not validate credentials", headers={{"WWW-Authenticate": "Bearer"}})
    if claims["sub"] != "alice":
        raise HTTPException(401, "Could not validate credentials", headers={{"WWW-Authenticate": "Bearer"}})
    return claims["sub"]
'''
routes = []
for i in range(n):
    if i % 2:
        routes.append(f'''

@app.get("/resource{i}/{{item_id}}")
def resource{i}(item_id: int, user: str = Depends(current_user)):
    return {{"resource": {i}, "item": item_id, "owner": user}}
''')
    else:
        routes.append(f'''

@app.get("/resource{i}")
def resource{i}(user: str = Depends(current_user)):
    return {{"resource": {i}, "owner": user, "items": [1, 2, 3]}}
''')
with open(os.path.join(out, "bench_app.py"), "w") as f:
    f.write(head + "".join(routes))
with open(os.path.join(out, "mint.py"), "w") as f:
    f.write(f'''import time
import jwt
print(jwt.encode({{"sub": "alice", "exp": int(time.time()) + 3600}}, "{SECRET}", algorithm="HS256"))
''')

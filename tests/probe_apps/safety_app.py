"""Safety and oracle-truth fixture (PyJWT, strong HS256 key, the "hs" token of mint.py).

Summaries of what real APIs do that broke the probe:
- destructive operations behind valid auth, whatever the method (GET /vuln/del_items,
  GET /maintenance/purge-sessions, a body-less POST, a PATCH with only optional fields):
  the default probe and even --unsafe-methods must leave /state unchanged;
- a presence-only bearer class (/vuln/presence) and its decoding twin;
- notes keyed by random UUIDs: only an id harvested from GET /notes gives a success;
  /vuln/shared/{note_id} declares security in the spec but enforces none;
- a token taken from a declared query parameter (/vuln/feed, `access_token: str = Query()`)
  and from an undeclared cookie with an unusual name (/vuln/quick reads `qa_sess`), both
  accepting `alg: none`, with strict twins.
"""

import uuid

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from common import AUDIENCE, HS_SECRET, ISSUER, USERS

app = FastAPI(title="jwtward probe fixture: safety and oracle truth")
bearer = HTTPBearer()

STATE = {"items": ["a", "b", "c"], "sessions": 3, "handled": 0}
HOSTS = set()


@app.middleware("http")
async def record_host(request: Request, call_next):
    HOSTS.add(request.headers.get("host", ""))
    return await call_next(request)
NOTES = {str(uuid.uuid4()): {"title": f"note {i}", "owner": "alice"} for i in range(3)}


def unauthorized():
    return HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


def strict(token):
    try:
        claims = jwt.decode(token, HS_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
                            options={"require": ["exp", "sub", "iat"]})
    except jwt.InvalidTokenError:
        raise unauthorized()
    user = USERS.get(claims.get("sub"))
    if user is None:
        raise unauthorized()
    return user


def none_tolerant(token):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise unauthorized()
    if str(header.get("alg", "")).lower() == "none":
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise unauthorized()
        user = USERS.get(claims.get("sub"))
        if user is None:
            raise unauthorized()
        return user
    return strict(token)


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)):
    return strict(creds.credentials)


@app.get("/state", include_in_schema=False)
def state():
    return {"items": len(STATE["items"]), "sessions": STATE["sessions"], "handled": STATE["handled"],
            "hosts": sorted(HOSTS)}


# --- destructive operations: never called by the default probe ---------------------------
@app.get("/vuln/del_items")
def del_items(user=Depends(current_user)):
    STATE["items"].clear()
    return {"deleted": True}


@app.get("/maintenance/purge-sessions")
def purge_sessions(user=Depends(current_user)):
    STATE["sessions"] = 0
    return {"purged": True}


@app.post("/sessions/logout-all")
def logout_all(user=Depends(current_user)):
    STATE["sessions"] = 0
    return {"done": True}


class Profile(BaseModel):
    name: str | None = None
    email: str | None = None


@app.patch("/profile")
def patch_profile(p: Profile, user=Depends(current_user)):
    STATE["handled"] += 1
    return {"done": True}


class Item(BaseModel):
    name: str
    price: int


@app.post("/items")
def create_item(item: Item, user=Depends(current_user)):
    STATE["handled"] += 1
    return {"done": True}


# --- any-token-accepted: a bearer class that only checks presence -------------------------
class PresenceBearer(HTTPBearer):
    async def __call__(self, request: Request):
        creds = await super().__call__(request)
        return creds  # the bug: never decoded


presence = PresenceBearer()


@app.get("/vuln/presence")
def vuln_presence(creds=Depends(presence)):
    return {"route": "presence", "items": ["a", "b", "c"]}


@app.get("/fixed/presence")
def fixed_presence(user=Depends(current_user)):
    return {"route": "presence", "items": ["a", "b", "c"]}


# --- notes keyed by random UUIDs -----------------------------------------------------------
@app.get("/notes")
def list_notes(user=Depends(current_user)):
    return [{"id": k, "title": v["title"]} for k, v in NOTES.items()]


def note_or_404(note_id: uuid.UUID):
    note = NOTES.get(str(note_id))
    if note is None:
        raise HTTPException(404, "Note not found")
    return {"id": str(note_id), **note}


@app.get("/vuln/shared/{note_id}", openapi_extra={"security": [{"HTTPBearer": []}]})
def vuln_shared(note_id: uuid.UUID):
    return note_or_404(note_id)


@app.get("/fixed/shared/{note_id}")
def fixed_shared(note_id: uuid.UUID, user=Depends(current_user)):
    return note_or_404(note_id)


# --- credentials in a declared query parameter and in an unusual cookie --------------------
@app.get("/vuln/feed")
def vuln_feed(access_token: str = Query(...)):
    user = none_tolerant(access_token)
    return {"route": "feed", "name": user["name"]}


@app.get("/fixed/feed")
def fixed_feed(access_token: str = Query(...)):
    user = strict(access_token)
    return {"route": "feed", "name": user["name"]}


@app.get("/vuln/quick")
def vuln_quick(request: Request):
    token = request.cookies.get("qa_sess")
    if not token:
        raise unauthorized()
    user = none_tolerant(token)
    return {"route": "quick", "name": user["name"]}


@app.get("/fixed/quick")
def fixed_quick(request: Request):
    token = request.cookies.get("qa_sess")
    if not token:
        raise unauthorized()
    user = strict(token)
    return {"route": "quick", "name": user["name"]}

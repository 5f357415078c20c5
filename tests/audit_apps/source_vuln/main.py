"""A telemetry service that reads its token from `X-Session-Token`, names the caller by the
`uid` claim, and has a WebSocket feed (audit fixture, vulnerable twin).

- the signing key is written in the source;
- GET /exports/{export_id}/rows is hidden from the schema, takes a UUID and a required
  `fmt: Literal["csv", "json"]` query parameter, and has no authentication (its siblings
  have);
- the WebSocket feed's dependency yields None when the token is missing or invalid, and the
  handler accepts anyway.
"""

import uuid
from typing import Literal

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Query, WebSocket

SIGNING_KEY = "telemetry-signing-key"

app = FastAPI()


def mint(uid: str) -> str:
    return jwt.encode({"uid": uid, "scope": "telemetry"}, SIGNING_KEY, algorithm="HS256")


def current_uid(x_session_token: str = Header()) -> str:
    try:
        payload = jwt.decode(x_session_token, SIGNING_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="bad session token")
    uid = payload["uid"]
    if not uid:
        raise HTTPException(status_code=401, detail="no uid")
    return uid


def feed_uid(token: str | None = Query(default=None)) -> str | None:
    if token is None:
        return None
    try:
        payload = jwt.decode(token, SIGNING_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return payload.get("uid")


@app.get("/metrics/{metric_id}")
def read_metric(metric_id: int, uid: str = Depends(current_uid)):
    return {"metric": metric_id, "owner": uid}


@app.get("/exports/{export_id}/status")
def export_status(export_id: uuid.UUID, uid: str = Depends(current_uid)):
    return {"export": str(export_id), "owner": uid}


@app.get("/exports/{export_id}/rows", include_in_schema=False)
def download_export(export_id: uuid.UUID, fmt: Literal["csv", "json"] = Query()):
    return {"export": str(export_id), "format": fmt, "rows": [1, 2, 3]}


@app.websocket("/feed")
async def feed(websocket: WebSocket, uid: str | None = Depends(feed_uid)):
    await websocket.accept()
    await websocket.send_json({"hello": uid or "anonymous"})
    await websocket.close()

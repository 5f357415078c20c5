"""The telemetry service of source_vuln, fixed (audit fixture): the key comes from the
environment (no fallback), the export download is authenticated, and the WebSocket feed
refuses the handshake without a valid token."""

import os
import uuid
from typing import Literal

import jwt
from fastapi import (
    Depends,
    FastAPI,
    Header,
    HTTPException,
    Query,
    WebSocket,
    WebSocketException,
    status,
)

SIGNING_KEY = os.environ["TELEMETRY_SIGNING_KEY"]

app = FastAPI()


def current_uid(x_session_token: str = Header()) -> str:
    try:
        payload = jwt.decode(x_session_token, SIGNING_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(
            status_code=401, detail="bad session token", headers={"WWW-Authenticate": "Bearer"}
        )
    uid = payload["uid"]
    if not uid:
        raise HTTPException(status_code=401, detail="no uid", headers={"WWW-Authenticate": "Bearer"})
    return uid


def feed_uid(token: str | None = Query(default=None)) -> str:
    if token is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)
    try:
        payload = jwt.decode(token, SIGNING_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)
    return payload["uid"]


@app.get("/metrics/{metric_id}")
def read_metric(metric_id: int, uid: str = Depends(current_uid)):
    return {"metric": metric_id, "owner": uid}


@app.get("/exports/{export_id}/status")
def export_status(export_id: uuid.UUID, uid: str = Depends(current_uid)):
    return {"export": str(export_id), "owner": uid}


@app.get("/exports/{export_id}/rows", include_in_schema=False)
def download_export(
    export_id: uuid.UUID,
    fmt: Literal["csv", "json"] = Query(),
    uid: str = Depends(current_uid),
):
    return {"export": str(export_id), "format": fmt, "owner": uid}


@app.websocket("/feed")
async def feed(websocket: WebSocket, uid: str = Depends(feed_uid)):
    await websocket.accept()
    await websocket.send_json({"hello": uid})
    await websocket.close()

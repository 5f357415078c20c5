"""Sharing notes by link: anyone with the link sees a preview, the owner manages sharing."""

import jwt
from fastapi import APIRouter, Depends, Header, HTTPException, status

from db import User, store
from deps import get_current_user
from security import decode_access_token

router = APIRouter(prefix="/shared", tags=["sharing"])


def get_viewer(authorization: str | None = Header(default=None)) -> User | None:
    """The caller when the request carries a valid token, else None."""
    if not authorization:
        return None
    try:
        payload = decode_access_token(authorization.removeprefix("Bearer "))
    except jwt.PyJWTError:
        return None
    return store.users.get(payload.get("sub", ""))


@router.get("/{note_id}")
def read_shared(note_id: int, viewer: User | None = Depends(get_viewer)) -> dict:
    note = store.notes.get(note_id)
    if note is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="No such note")
    if viewer is None:
        return {"id": note.id, "preview": note.text[:40]}
    return vars(note)


@router.post("/{note_id}")
def share(note_id: int, user: User = Depends(get_current_user)) -> dict:
    note = store.notes.get(note_id)
    if note is None or note.owner != user.username:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="No such note")
    return {"link": f"/shared/{note_id}"}


@router.delete("/{note_id}")
def unshare(note_id: int) -> dict:
    store.notes.pop(note_id, None)
    return {"unshared": note_id}

"""The notes themselves."""

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from db import User, store
from deps import get_current_user, get_remembered_user

router = APIRouter(prefix="/notes", tags=["notes"])


class NoteIn(BaseModel):
    text: str


@router.get("/")
def list_notes(user: User = Depends(get_current_user)) -> list[dict]:
    return [vars(n) for n in store.notes.values() if n.owner == user.username]


@router.post("/", status_code=status.HTTP_201_CREATED)
def create_note(body: NoteIn, user: User = Depends(get_current_user)) -> dict:
    return vars(store.add_note(user.username, body.text))


@router.get("/quick")
def quick_notes(user: User = Depends(get_remembered_user)) -> list[dict]:
    return [vars(n) for n in store.notes.values() if n.owner == user.username]


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: int, user: User = Depends(get_current_user)) -> None:
    note = store.notes.get(note_id)
    if note is None or note.owner != user.username:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="No such note")
    del store.notes[note_id]

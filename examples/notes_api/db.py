"""An in-memory store, enough for the example."""

from dataclasses import dataclass, field


@dataclass
class User:
    username: str
    salt: str
    password_hash: str
    is_admin: bool = False


@dataclass
class Note:
    id: int
    owner: str
    text: str


@dataclass
class Store:
    users: dict[str, User] = field(default_factory=dict)
    notes: dict[int, Note] = field(default_factory=dict)
    next_id: int = 1

    def add_note(self, owner: str, text: str) -> Note:
        note = Note(id=self.next_id, owner=owner, text=text)
        self.notes[note.id] = note
        self.next_id += 1
        return note


store = Store()

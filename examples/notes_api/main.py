"""The notes API: `uvicorn main:app` from this directory."""

from fastapi import FastAPI

from routers import auth, notes, sharing

app = FastAPI(title="Notes API", version="1.0.0")
app.include_router(auth.router)
app.include_router(notes.router)
app.include_router(sharing.router)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}

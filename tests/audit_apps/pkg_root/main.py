"""A project whose directory is itself a package (it has an `__init__.py`) but is run from
that directory, `uvicorn main:app`, with absolute imports of its siblings (audit fixture)."""

from fastapi import FastAPI

from routes import router

app = FastAPI()
app.include_router(router)

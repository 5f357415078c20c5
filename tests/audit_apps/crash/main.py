"""An app that fails at import: its configuration is missing."""

from fastapi import FastAPI

app = FastAPI()

raise RuntimeError("DATABASE_URL is not configured")

"""An app built by a factory and assigned at module level (`app = get_application()`):
audit starts `main:app` without --app (audit fixture)."""

from fastapi import APIRouter, FastAPI

router = APIRouter()


@router.get("/status")
def status():
    return {"ok": True}


def get_application() -> FastAPI:
    application = FastAPI(title="factory-assigned")
    application.include_router(router, prefix="/api")
    return application


app = get_application()

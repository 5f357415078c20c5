from fastapi import FastAPI

admin = FastAPI()


@admin.get("/status")
def status():
    return {"ok": True}

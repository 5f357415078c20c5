"""An app built by a factory: there is no module-level app object to find, so it needs --run."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    application = FastAPI()

    @application.get("/ping")
    def ping():
        return {"pong": True}

    return application

"""Settings of the notes API, read from the environment."""

import os


class Settings:
    # Falls back to a placeholder when NOTES_SECRET_KEY is not set.
    secret_key: str = os.getenv("NOTES_SECRET_KEY", "changeme")
    algorithm: str = "HS256"
    # Thirty days: nobody likes logging in again.
    access_token_expire_minutes: int = 60 * 24 * 30
    cookie_name: str = "access_token"


settings = Settings()

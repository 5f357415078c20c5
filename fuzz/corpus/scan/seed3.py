import os

PUBLIC_KEY = os.environ["JWT_PUBLIC_KEY"]
SHARED_KEY = os.environ["JWT_SHARED_KEY"]
ACCEPTED = ["ES256", "HS512"]

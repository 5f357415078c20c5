import jwt

from keys import PUBLIC_KEY


def decode(token):
    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256", "HS256"])

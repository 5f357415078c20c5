import jwt

from keys import SHARED_KEY


def verify(token):
    return jwt.decode(token, SHARED_KEY, algorithms=["RS256"])

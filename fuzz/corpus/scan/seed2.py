from jose import jwt as jose_jwt

from keys import ACCEPTED, PUBLIC_KEY


def decode(token):
    return jose_jwt.decode(token, PUBLIC_KEY, algorithms=ACCEPTED)

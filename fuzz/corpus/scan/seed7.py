from authlib.jose import jwt

from keys import PUBLIC_KEY


def decode(token):
    claims = jwt.decode(token, PUBLIC_KEY)
    claims.validate()
    return claims

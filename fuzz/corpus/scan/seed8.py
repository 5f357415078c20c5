import jwt as pyjwt

from keys import PUBLIC_KEY


def decode(token):
    alg = pyjwt.get_unverified_header(token)["alg"]
    return pyjwt.decode(token, PUBLIC_KEY, algorithms=[alg])

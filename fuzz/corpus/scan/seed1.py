import jwt

import keys


def mint(sub):
    return jwt.encode({"sub": sub}, keys.SHARED_KEY, algorithm="HS256")

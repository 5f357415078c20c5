"""Makes tokens with PyJWT for jwtward's token/crack CLI tests.

stdin: a JSON list of {"alg", "key" (text; "hex:..." for bytes; "rsa" for a fresh RSA key),
"claims", "headers"}; stdout: the JSON list of tokens in the same order.
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def key_of(spec):
    k = spec.get("key")
    if k == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if k is None:
        return None
    if k.startswith("hex:"):
        return bytes.fromhex(k[4:])
    return k.encode()


out = []
for spec in json.load(sys.stdin):
    out.append(jwt.encode(spec.get("claims", {}), key_of(spec), algorithm=spec["alg"],
                          headers=spec.get("headers")))
json.dump(out, sys.stdout)

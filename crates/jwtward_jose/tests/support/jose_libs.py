"""jwtward_jose round-trip helper: drives PyJWT, python-jose and Authlib.

Reads one JSON request on stdin, writes one JSON answer on stdout.
  {"op": "sign", "claims": {...}}        -> keys (PEM + JWK) and tokens signed by each library
  {"op": "verify", "keys": {...}, "tokens": [{"alg", "token"}]}
                                          -> what each library makes of each token
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")

import jwt as pyjwt  # PyJWT
from jose import jwt as jose_jwt  # python-jose
from authlib.jose import JsonWebToken  # Authlib
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

HMAC_SECRET = b"jwtward round-trip secret, 64 bytes long..........................."[:64]

PYJWT_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384",
              "PS512", "ES256", "ES384", "EdDSA"]
JOSE_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384"]
AUTHLIB_ALGS = PYJWT_ALGS


def family(alg):
    if alg.startswith("HS"):
        return "hmac"
    if alg.startswith("RS") or alg.startswith("PS"):
        return "rsa"
    return {"ES256": "p256", "ES384": "p384", "EdDSA": "ed25519"}[alg]


def pem_private(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()


def pem_public(k):
    return k.public_key().public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(req):
    keys = {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
        "ed25519": ed25519.Ed25519PrivateKey.generate(),
    }
    out_keys = {"hmac": {"secret_hex": HMAC_SECRET.hex()}}
    for name, k in keys.items():
        jwk_alg = {"rsa": pyjwt.algorithms.RSAAlgorithm, "p256": pyjwt.algorithms.ECAlgorithm,
                   "p384": pyjwt.algorithms.ECAlgorithm,
                   "ed25519": pyjwt.algorithms.OKPAlgorithm}[name]
        out_keys[name] = {
            "private_pem": pem_private(k),
            "public_pem": pem_public(k),
            "public_jwk": json.loads(jwk_alg.to_jwk(k.public_key())),
            "private_jwk": json.loads(jwk_alg.to_jwk(k)),
        }
    claims = req["claims"]
    tokens = []

    def priv(alg):
        return HMAC_SECRET if family(alg) == "hmac" else out_keys[family(alg)]["private_pem"]

    for alg in PYJWT_ALGS:
        tokens.append({"lib": "pyjwt", "alg": alg,
                       "token": pyjwt.encode(claims, priv(alg), algorithm=alg,
                                             headers={"kid": "k-" + alg})})
    for alg in JOSE_ALGS:
        key = HMAC_SECRET.decode() if family(alg) == "hmac" else priv(alg)
        tokens.append({"lib": "python-jose", "alg": alg,
                       "token": jose_jwt.encode(claims, key, algorithm=alg)})
    for alg in AUTHLIB_ALGS:
        key = priv(alg)
        if isinstance(key, str):
            key = key.encode()
        t = JsonWebToken([alg]).encode({"alg": alg}, claims, key)
        tokens.append({"lib": "authlib", "alg": alg, "token": t.decode()})
    return {"keys": out_keys, "tokens": tokens}


def verify(req):
    keys = req["keys"]
    results = []
    for item in req["tokens"]:
        alg, token = item["alg"], item["token"]
        fam = family(alg)
        secret = bytes.fromhex(keys["hmac"]["secret_hex"]) if fam == "hmac" else None
        public = None if fam == "hmac" else keys[fam]["public_pem"]
        res = {"alg": alg}
        for lib in ("pyjwt", "python-jose", "authlib"):
            if lib == "python-jose" and alg not in JOSE_ALGS:
                continue
            try:
                if lib == "pyjwt":
                    claims = pyjwt.decode(token, secret if secret else public, algorithms=[alg],
                                          options={"verify_aud": False})
                elif lib == "python-jose":
                    claims = jose_jwt.decode(token, secret.decode() if secret else public,
                                             algorithms=[alg])
                else:
                    key = secret if secret else public.encode()
                    claims = dict(JsonWebToken([alg]).decode(token, key))
                res[lib] = {"ok": True, "claims": claims}
            except Exception as e:  # noqa: BLE001 - the failure is the answer
                res[lib] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        results.append(res)
    return {"results": results}


def main():
    req = json.load(sys.stdin)
    out = sign(req) if req["op"] == "sign" else verify(req)
    json.dump(out, sys.stdout)


main()

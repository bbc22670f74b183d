"""Compact JWS (JWT) signing for NetSuite's OAuth 2.0 client credentials.

NetSuite accepts PS256/384/512 and ES256/384/512 client assertions. ES signatures are the raw
r‖s concatenation of RFC 7518, not DER.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from revrec_pipeline.settings import JWT_ALGORITHMS

_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_SIZES = {"256": 32, "384": 48, "512": 66}
ALGORITHMS = JWT_ALGORITHMS


class JWTError(ValueError):
    """A token that cannot be made or does not verify; the reason is in the message."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(pem: str):
    try:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        # Never echo the key: only say what is wrong with it.
        raise JWTError("the private key is not an unencrypted PEM private key") from None


def encode(payload: dict[str, Any], private_key_pem: str, algorithm: str, kid: str) -> str:
    if algorithm not in ALGORITHMS:
        raise JWTError(f"algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
    key = load_private_key(private_key_pem)
    header = {"alg": algorithm, "typ": "JWT", "kid": kid}
    signing_input = (
        f"{b64url(json.dumps(header, separators=(',', ':')).encode())}."
        f"{b64url(json.dumps(payload, separators=(',', ':')).encode())}"
    ).encode("ascii")
    digest = _HASHES[algorithm[2:]]()
    if algorithm.startswith("PS"):
        if not isinstance(key, rsa.RSAPrivateKey):
            raise JWTError(f"{algorithm} needs an RSA private key")
        signature = key.sign(
            signing_input, padding.PSS(padding.MGF1(digest), digest.digest_size), digest
        )
    else:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise JWTError(f"{algorithm} needs an EC private key")
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(digest)))
        size = _EC_SIZES[algorithm[2:]]
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"

"""OAuth 2.0 client credentials, as NetSuite's token endpoint checks them (the M2M flow that
succeeds TBA from 2027.1): a client assertion JWT signed with the integration's certificate key
(PS256/384/512 or ES256/384/512, `kid` = certificate id) is exchanged for a bearer token.

Independent of the pipeline: the verification here is its own code.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME_S = 3600
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_SIZES = {"256": 32, "384": 48, "512": 66}


class OAuth2Error(Exception):
    """`error` is the OAuth error code returned; `reason` goes to the login audit trail."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_assertion(
    assertion: str,
    *,
    public_key_pem: str,
    client_id: str,
    certificate_id: str,
    token_url: str,
    now: float | None = None,
) -> None:
    now = time.time() if now is None else now
    try:
        header_text, payload_text, signature_text = assertion.split(".")
        header = json.loads(_b64url_decode(header_text))
        payload = json.loads(_b64url_decode(payload_text))
        signature = _b64url_decode(signature_text)
    except (ValueError, json.JSONDecodeError):
        raise OAuth2Error("invalid_request", "MalformedAssertion") from None
    algorithm = header.get("alg", "")
    if algorithm[:2] not in ("PS", "ES") or algorithm[2:] not in _HASHES:
        raise OAuth2Error("invalid_request", "UnknownAlgorithm")
    if header.get("kid") != certificate_id:
        raise OAuth2Error("invalid_client", "UnknownCertificate")
    if payload.get("iss") != client_id:
        raise OAuth2Error("invalid_client", "UnknownClient")
    if payload.get("aud") != token_url:
        raise OAuth2Error("invalid_request", "InvalidAudience")
    scope = payload.get("scope")
    scopes = scope if isinstance(scope, list) else str(scope or "").replace(",", " ").split()
    if "rest_webservices" not in scopes:
        raise OAuth2Error("invalid_scope", "MissingScope")
    issued, expires = payload.get("iat"), payload.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise OAuth2Error("invalid_request", "MissingTimes")
    if expires <= now or issued > now + 300 or expires - issued > MAX_ASSERTION_LIFETIME_S:
        raise OAuth2Error("invalid_grant", "InvalidTimestamp")
    key = serialization.load_pem_public_key(public_key_pem.encode())
    signing_input = f"{header_text}.{payload_text}".encode("ascii")
    digest = _HASHES[algorithm[2:]]()
    try:
        if algorithm.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(
                signature,
                signing_input,
                padding.PSS(padding.MGF1(digest), digest.digest_size),
                digest,
            )
        elif algorithm.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            size = _EC_SIZES[algorithm[2:]]
            r, s = (
                int.from_bytes(signature[:size], "big"),
                int.from_bytes(signature[size:], "big"),
            )
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(digest))
        else:
            raise OAuth2Error("invalid_client", "KeyTypeMismatch")
    except InvalidSignature:
        raise OAuth2Error("invalid_client", "InvalidSignature") from None


class TokenStore:
    """Bearer tokens issued by the token endpoint, with their expiry."""

    def __init__(self) -> None:
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, lifetime_s: int) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.time() + lifetime_s
            self.issued += 1
        return token

    def valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
            return expiry is not None and expiry > time.time()

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()


def generate_key_pair(algorithm: str = "PS256") -> tuple[str, str]:
    """(private PEM, public PEM) for tests and `sandbox serve` users; RSA for PS, P-curve for ES."""
    if algorithm.startswith("PS"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        curve = {"256": ec.SECP256R1, "384": ec.SECP384R1, "512": ec.SECP521R1}[algorithm[2:]]
        key = ec.generate_private_key(curve())
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public

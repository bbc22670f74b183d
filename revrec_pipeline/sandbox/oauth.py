"""OAuth 1.0a (TBA) verification, written with the stdlib only.

The sandbox must be an independent check of the client, so it does not reuse oauthlib: it
rebuilds the signature base string the way NetSuite documents it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

from .config import SandboxConfig

_PARAM_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"')
_REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
)


class AuthError(Exception):
    """Authentication failed; `reason` is what NetSuite's Login Audit Trail would show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def enc(value: str) -> str:
    """RFC 3986 percent-encoding as OAuth 1.0 requires (only unreserved chars kept)."""
    return quote(value, safe="~-._")


def parse_authorization(header: str | None) -> dict[str, str]:
    """Parse `OAuth k="v", ...` into decoded params; raises AuthError when malformed."""
    if not header or not header.strip().lower().startswith("oauth "):
        raise AuthError("MissingAuthorization")
    params = {k: unquote(v) for k, v in _PARAM_RE.findall(header.strip()[6:])}
    missing = [k for k in _REQUIRED if not params.get(k)]
    if missing:
        raise AuthError("InvalidRequest")
    return params


def base_url(scheme: str, host_header: str, path: str) -> str:
    """scheme://host[:port]/path with lower-cased scheme/host and default ports dropped."""
    scheme = scheme.lower()
    host = host_header.strip().lower()
    default = {"http": ":80", "https": ":443"}[scheme]
    if host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}{path}"


def signature_base_string(method: str, url: str, oauth: dict[str, str], query: str) -> str:
    """METHOD & enc(url) & enc(sorted encoded params); realm and the signature excluded."""
    pairs = [(k, v) for k, v in oauth.items() if k.startswith("oauth_") and k != "oauth_signature"]
    pairs += parse_qsl(query, keep_blank_values=True)
    encoded = sorted((enc(k), enc(v)) for k, v in pairs)
    normalized = "&".join(f"{k}={v}" for k, v in encoded)
    return "&".join((method.upper(), enc(url), enc(normalized)))


def sign(base: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{enc(consumer_secret)}&{enc(token_secret)}".encode()
    digest = hmac.new(key, base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass
class RequestInfo:
    method: str
    scheme: str
    host: str
    path: str
    query: str
    authorization: str | None


class NonceCache:
    """(nonce, timestamp) pairs already used inside the timestamp window."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def use(self, nonce: str, timestamp: str, window_s: int) -> bool:
        """Record the pair; False when it was already used (a replay)."""
        now = time.time()
        with self._lock:
            if len(self._seen) > 50_000:
                # Old pairs fall outside the timestamp window anyway, so forgetting them is safe.
                horizon = now - 2 * window_s
                self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
            if (nonce, timestamp) in self._seen:
                return False
            self._seen[(nonce, timestamp)] = now
            return True


def verify(req: RequestInfo, config: SandboxConfig, nonces: NonceCache) -> None:
    """Check a request as NetSuite does; raise AuthError(reason) on the first failure."""
    params = parse_authorization(req.authorization)
    if params["oauth_signature_method"] != "HMAC-SHA256":
        raise AuthError("UnknownAlgorithm")
    if params.get("oauth_version", "1.0") != "1.0":
        raise AuthError("InvalidVersion")
    if params.get("realm") != config.realm:
        raise AuthError("InvalidRealm")
    if not hmac.compare_digest(params["oauth_consumer_key"], config.consumer_key):
        raise AuthError("consumer_key_unknown")
    if not hmac.compare_digest(params["oauth_token"], config.token_id):
        raise AuthError("token_rejected")
    _check_timestamp(params["oauth_timestamp"], config.timestamp_window_s)
    if len(params["oauth_nonce"]) < 6:
        raise AuthError("nonce_rejected")
    url = base_url(req.scheme, req.host, req.path)
    base = signature_base_string(req.method, url, params, req.query)
    expected = sign(base, config.consumer_secret, config.token_secret)
    if not hmac.compare_digest(expected, params["oauth_signature"]):
        raise AuthError("InvalidSignature")
    # Only a correctly signed request burns its nonce, so the replay check is meaningful.
    if not nonces.use(params["oauth_nonce"], params["oauth_timestamp"], config.timestamp_window_s):
        raise AuthError("NonceUsed")


def _check_timestamp(value: str, window_s: int) -> None:
    try:
        stamp = int(value)
    except ValueError:
        raise AuthError("InvalidTimestamp") from None
    if abs(time.time() - stamp) > window_s:
        raise AuthError("InvalidTimestamp")

"""Authentication for NetSuite REST.

Every request is signed when it is prepared, so a retried request gets a fresh nonce and
timestamp. TBA (OAuth 1.0a) is NetSuite's method until 2027.1; OAuth 2.0 client credentials
(a certificate-signed JWT exchanged for a bearer token) plugs in as another `NetSuiteAuth`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Protocol

import requests
from requests_oauthlib import OAuth1

from revrec_pipeline.netsuite import jwt
from revrec_pipeline.netsuite.errors import NetSuiteAuthError, NetSuiteServerError
from revrec_pipeline.settings import realm_for

# oauthlib logs the consumer key, the token id and the signed Authorization header at DEBUG:
# keep them out of every log, whatever level a deployment turns on.
for _name in ("oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class NetSuiteAuth(Protocol):
    """Signs one prepared request; called again for every retry."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest: ...

    def secrets(self) -> tuple[str, ...]:
        """Secret values that must never appear in any message (used to scrub)."""
        ...


class TokenBasedAuth(requests.auth.AuthBase):
    """NetSuite TBA: OAuth 1.0a, HMAC-SHA256, realm = account id upper-case with `_`."""

    def __init__(
        self,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
    ) -> None:
        self.realm = realm_for(account_id)
        self._secrets = (consumer_key, consumer_secret, token_id, token_secret)
        self._oauth = OAuth1(
            client_key=consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token_id,
            resource_owner_secret=token_secret,
            realm=self.realm,
            signature_method="HMAC-SHA256",
        )

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return self._oauth(request)

    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def __repr__(self) -> str:  # never show keys in a traceback or a log line
        return f"TokenBasedAuth(realm={self.realm!r})"


class ClientCredentialsAuth(requests.auth.AuthBase):
    """NetSuite OAuth 2.0 client credentials (M2M), TBA's successor from 2027.1.

    A client assertion JWT signed with the certificate's private key (`kid` = certificate id)
    is exchanged at the token endpoint for a bearer token, cached until shortly before it
    expires and shared by every thread.
    """

    TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
    REFRESH_MARGIN_S = 120

    def __init__(
        self,
        account_id: str,
        base_url: str,
        client_id: str,
        certificate_id: str,
        private_key_pem: str,
        algorithm: str = "PS256",
        scope: str = "rest_webservices",
        timeout_seconds: float = 60.0,
    ) -> None:
        self.account_id = account_id
        self.token_url = base_url.rstrip("/") + self.TOKEN_PATH
        self._client_id = client_id
        self._certificate_id = certificate_id
        self._private_key_pem = private_key_pem
        self.algorithm = algorithm
        self.scope = scope
        self.timeout_seconds = timeout_seconds
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def secrets(self) -> tuple[str, ...]:
        return (self._private_key_pem, self._client_id, self._certificate_id, self._token or "")

    def invalidate(self) -> None:
        """Forget the cached token (NetSuite answered 401: revoked or expired early)."""
        with self._lock:
            self._token, self._expires_at = None, 0.0

    def _assertion(self) -> str:
        now = int(time.time())
        payload = {
            "iss": self._client_id,
            "scope": self.scope,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 3600,  # NetSuite's maximum assertion lifetime
        }
        try:
            return jwt.encode(payload, self._private_key_pem, self.algorithm, self._certificate_id)
        except jwt.JWTError as exc:
            raise NetSuiteAuthError(
                f"Cannot sign the OAuth 2.0 client assertion for account {self.account_id}: "
                f"{exc}. Check NETSUITE_PRIVATE_KEY and NETSUITE_JWT_ALGORITHM."
            ) from None

    TOKEN_ATTEMPTS = 4

    def _post_assertion(self) -> requests.Response:
        """The token request, retried (with a fresh assertion) on 429, 5xx and network errors."""
        for attempt in range(self.TOKEN_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.5 * 2**attempt))
            try:
                response = requests.post(
                    self.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_assertion_type": (
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                        ),
                        "client_assertion": self._assertion(),
                    },
                    timeout=self.timeout_seconds,
                )
            except (requests.ConnectionError, requests.Timeout):
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
        raise NetSuiteServerError(
            f"NetSuite's OAuth 2.0 token endpoint for account {self.account_id} did not answer "
            f"after {self.TOKEN_ATTEMPTS} attempts; check the network and NETSUITE_BASE_URL."
        )

    def _fetch(self) -> None:
        response = self._post_assertion()
        if response.status_code != 200:
            try:
                code = response.json().get("error", "")
            except ValueError:
                code = ""
            raise NetSuiteAuthError(
                f"NetSuite refused the OAuth 2.0 client credentials for account "
                f"{self.account_id} ({code or response.status_code}). Check the client id, the "
                "certificate id and that the private key matches the certificate uploaded to "
                "the integration's M2M setup; NetSuite's Login Audit Trail has the reason.",
                response.status_code,
                code,
            )
        try:
            body = response.json()
            self._token = str(body["access_token"])
            self._expires_at = time.monotonic() + float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise NetSuiteAuthError(
                f"NetSuite's OAuth 2.0 token answer for account {self.account_id} held no "
                "access token; a proxy or a wrong NETSUITE_BASE_URL may be answering instead."
            ) from None
        self.tokens_fetched += 1

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            if self._token is None or time.monotonic() > self._expires_at - self.REFRESH_MARGIN_S:
                self._fetch()
            request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(account={self.account_id!r}, algorithm={self.algorithm!r})"

"""Authentication for NetSuite REST.

Every request is signed when it is prepared, so a retried request gets a fresh nonce and
timestamp. TBA (OAuth 1.0a) is NetSuite's method until 2027.1; OAuth 2.0 client credentials
(a certificate-signed JWT exchanged for a bearer token) plugs in as another `NetSuiteAuth`.
"""

from __future__ import annotations

import logging
from typing import Protocol

import requests
from requests_oauthlib import OAuth1

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

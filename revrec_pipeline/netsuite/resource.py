"""The NetSuite client as a Dagster resource; secrets arrive as `EnvVar`s only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from revrec_pipeline.netsuite.auth import ClientCredentialsAuth, TokenBasedAuth
from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.settings import (
    CREDENTIAL_FIELDS,
    ConfigurationError,
    host_account_id,
    parse_account_id,
    parse_timezone,
)

# Every credential field and the environment variable it is bound to (SPEC §2).
_VARIABLES = {field: var for fields in CREDENTIAL_FIELDS.values() for field, var in fields.items()}


def _secret(field: str) -> Any:
    # Not `dagster__is_secret`: Dagster masks a secret field's default, and the default of a
    # field bound to an EnvVar is `{env: NAME}`, so the Launchpad scaffolded "********" and
    # submitted it as the credential (INVALID_LOGIN). An EnvVar shows only its name anyway.
    return Field(
        default="",
        repr=False,
        description=f"Secret: {{env: {_VARIABLES[field]}}} only, never a value.",
    )


class NetSuiteResource(dg.ConfigurableResource):
    """Connection to one NetSuite account (TBA or OAuth 2.0). Secrets are bound as `dg.EnvVar`
    only: the UI and the run config then hold the variable's name, resolved at run time, and
    repr() leaves them out, so a traceback never prints them."""

    account_id: str = Field(description="Account id as NetSuite shows it, e.g. 1234567_SB1.")
    auth_method: str = Field(default="tba", description="tba (OAuth 1.0a) or oauth2 (M2M).")
    # TBA
    consumer_key: str = _secret("consumer_key")
    consumer_secret: str = _secret("consumer_secret")
    token_id: str = _secret("token_id")
    token_secret: str = _secret("token_secret")
    # OAuth 2.0 client credentials
    client_id: str = _secret("client_id")
    certificate_id: str = _secret("certificate_id")
    private_key: str = _secret("private_key")
    private_key_file: str = Field(default="", description="PEM file, instead of private_key.")
    jwt_algorithm: str = Field(default="PS256", description="PS256/384/512 or ES256/384/512.")
    base_url: str = Field(default="", description="REST base URL override (sandbox, proxy).")
    timezone: str = Field(default="UTC", description="IANA time zone of the NetSuite account.")
    max_concurrency: int = Field(default=4, description="Most requests in flight from here.")
    overlap_minutes: int = Field(default=60, description="Re-read margin before a watermark.")
    journal_approved: bool = Field(
        default=False,
        description=(
            "NETSUITE_JOURNAL_APPROVED: send approved: true with each journal entry, so an "
            "account that requires journal approval posts it at once. Needs the role's Journal "
            "Approval permission."
        ),
    )
    timeout_seconds: float = 120.0
    max_attempts: int = 8
    backoff_base_seconds: float = 0.5

    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"https://{host_account_id(self.account_id)}.suitetalk.api.netsuite.com"

    def _auth(self):
        if self.auth_method == "oauth2":
            private_key = self.private_key
            if not private_key and self.private_key_file:
                try:
                    private_key = Path(self.private_key_file).read_text(encoding="utf-8")
                except OSError as exc:
                    raise ConfigurationError(
                        f"NETSUITE_PRIVATE_KEY_FILE {self.private_key_file} cannot be read "
                        f"({exc.strerror}); expected a PEM private key file."
                    ) from None
            return ClientCredentialsAuth(
                self.account_id,
                self.resolved_base_url(),
                self.client_id,
                self.certificate_id,
                private_key,
                self.jwt_algorithm,
                timeout_seconds=self.timeout_seconds,
            )
        return TokenBasedAuth(
            self.account_id,
            self.consumer_key,
            self.consumer_secret,
            self.token_id,
            self.token_secret,
        )

    def get_client(self, log=None) -> NetSuiteClient:
        # Fail before any request, naming the variable (SPEC §2).
        parse_account_id(self.account_id)
        parse_timezone(self.timezone)
        return NetSuiteClient(
            self.resolved_base_url(),
            self.account_id,
            self._auth(),
            max_concurrency=self.max_concurrency,
            timeout_seconds=self.timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_base_seconds=self.backoff_base_seconds,
            log=log,
        )

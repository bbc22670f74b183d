"""The NetSuite client as a Dagster resource; secrets arrive as `EnvVar`s only."""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from revrec_pipeline.netsuite.auth import TokenBasedAuth
from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.settings import host_account_id, parse_account_id, parse_timezone


class NetSuiteResource(dg.ConfigurableResource):
    """Connection to one NetSuite account (TBA). Build secrets with `dg.EnvVar(...)`."""

    account_id: str = Field(description="Account id as NetSuite shows it, e.g. 1234567_SB1.")
    consumer_key: str = Field(json_schema_extra={"dagster__is_secret": True})
    consumer_secret: str = Field(json_schema_extra={"dagster__is_secret": True})
    token_id: str = Field(json_schema_extra={"dagster__is_secret": True})
    token_secret: str = Field(json_schema_extra={"dagster__is_secret": True})
    base_url: str = Field(default="", description="REST base URL override (sandbox, proxy).")
    timezone: str = Field(default="UTC", description="IANA time zone of the NetSuite account.")
    max_concurrency: int = Field(default=4, description="Most requests in flight from here.")
    overlap_minutes: int = Field(default=60, description="Re-read margin before a watermark.")
    timeout_seconds: float = 120.0
    max_attempts: int = 8
    backoff_base_seconds: float = 0.5

    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"https://{host_account_id(self.account_id)}.suitetalk.api.netsuite.com"

    def get_client(self, log=None) -> NetSuiteClient:
        # Fail before any request, naming the variable (SPEC §2).
        parse_account_id(self.account_id)
        parse_timezone(self.timezone)
        auth = TokenBasedAuth(
            self.account_id,
            self.consumer_key,
            self.consumer_secret,
            self.token_id,
            self.token_secret,
        )
        return NetSuiteClient(
            self.resolved_base_url(),
            self.account_id,
            auth,
            max_concurrency=self.max_concurrency,
            timeout_seconds=self.timeout_seconds,
            max_attempts=self.max_attempts,
            backoff_base_seconds=self.backoff_base_seconds,
            log=log,
        )

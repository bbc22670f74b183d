"""NetSuite REST client: authentication, SuiteQL paging, governance, errors, journal upsert."""

from revrec_pipeline.netsuite.auth import ClientCredentialsAuth, NetSuiteAuth, TokenBasedAuth
from revrec_pipeline.netsuite.client import NetSuiteClient, RequestStats
from revrec_pipeline.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteError,
    NetSuiteQueryError,
    NetSuiteRateLimitError,
    NetSuiteServerError,
)

__all__ = [
    "ClientCredentialsAuth",
    "NetSuiteAuth",
    "NetSuiteAuthError",
    "NetSuiteClient",
    "NetSuiteError",
    "NetSuiteQueryError",
    "NetSuiteRateLimitError",
    "NetSuiteServerError",
    "RequestStats",
    "TokenBasedAuth",
]

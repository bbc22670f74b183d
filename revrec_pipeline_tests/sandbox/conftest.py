"""Fixtures: the sandbox on a real socket, and an independent OAuth client (requests-oauthlib)."""

from __future__ import annotations

import pytest
import requests
from requests_oauthlib import OAuth1

from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset

SUITEQL = "/services/rest/query/v1/suiteql"
JOURNAL = "/services/rest/record/v1/journalEntry"


@pytest.fixture(scope="session")
def small():
    return generate_dataset(seed=42, size="small")


@pytest.fixture
def sandbox(small):
    with NetSuiteSandbox(SandboxConfig(), small) as sb:
        yield sb


def oauth(sb: NetSuiteSandbox, **overrides) -> OAuth1:
    """Sign as a real NetSuite client does; overrides replace any OAuth1 argument."""
    cfg = sb.config
    args = {
        "client_key": cfg.consumer_key,
        "client_secret": cfg.consumer_secret,
        "resource_owner_key": cfg.token_id,
        "resource_owner_secret": cfg.token_secret,
        "realm": cfg.account_id.upper().replace("-", "_"),
        "signature_method": "HMAC-SHA256",
        **overrides,
    }
    return OAuth1(**args)


def suiteql(
    sb: NetSuiteSandbox,
    q: str,
    params=(),
    limit=None,
    offset=None,
    auth=None,
    headers=None,
    timeout=10,
) -> requests.Response:
    query = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
    return requests.post(
        sb.url + SUITEQL,
        params=query,
        json={"q": q, "params": list(params)},
        headers={"Prefer": "transient", **(headers or {})},
        auth=auth or oauth(sb),
        timeout=timeout,
    )


def rows(sb: NetSuiteSandbox, q: str, params=()) -> list[dict]:
    response = suiteql(sb, q, params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def error_of(response: requests.Response) -> dict:
    """The first o:errorDetails entry of a NetSuite error envelope."""
    assert response.headers["Content-Type"].startswith("application/vnd.oracle.resource+json")
    body = response.json()
    assert body["type"].startswith("https://www.w3.org/Protocols/rfc2616")
    assert body["status"] == response.status_code
    return body["o:errorDetails"][0]


def netsuite_client(sb: NetSuiteSandbox):
    """The project's own HTTP client pointed at the sandbox (fast backoff for tests)."""
    from revrec_pipeline.netsuite.resource import NetSuiteResource

    cfg = sb.config
    return NetSuiteResource(
        account_id=cfg.account_id,
        consumer_key=cfg.consumer_key,
        consumer_secret=cfg.consumer_secret,
        token_id=cfg.token_id,
        token_secret=cfg.token_secret,
        base_url=sb.url,
        timezone=cfg.timezone,
        backoff_base_seconds=0.01,
        timeout_seconds=10.0,
    ).get_client()

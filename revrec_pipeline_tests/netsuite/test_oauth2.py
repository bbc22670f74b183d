"""OAuth 2.0 client credentials against the sandbox over a real socket: the same guarantees as
TBA (both account forms, clear errors with no secret, extraction complete), plus the token
cache and refresh."""

from __future__ import annotations

import logging

import pytest

from revrec_pipeline.netsuite.errors import NetSuiteAuthError
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.sandbox.oauth2 import generate_key_pair
from revrec_pipeline_tests.sandbox_helpers import expected_lines, extract_all, stored_lines

QUERY = "SELECT id FROM customer WHERE id > ? ORDER BY id"


@pytest.fixture(scope="module")
def tiny():
    return generate_dataset(seed=8, size="tiny")


@pytest.fixture(scope="module", params=["PS256", "ES256"])
def keys(request):
    private, public = generate_key_pair(request.param)
    return request.param, private, public


def oauth2_resource(sb: NetSuiteSandbox, algorithm: str, private_key: str, **overrides):
    values = {
        "account_id": sb.config.account_id,
        "auth_method": "oauth2",
        "client_id": sb.config.oauth2_client_id,
        "certificate_id": sb.config.oauth2_certificate_id,
        "private_key": private_key,
        "jwt_algorithm": algorithm,
        "base_url": sb.url,
        "timezone": sb.config.timezone,
        "backoff_base_seconds": 0.01,
        **overrides,
    }
    return NetSuiteResource(**values)


@pytest.mark.parametrize("account_id", ["1234567", "1234567_SB1"])
def test_client_credentials_work_and_the_token_is_cached(tiny, keys, account_id):
    algorithm, private, public = keys
    config = SandboxConfig(account_id=account_id, oauth2_public_key_pem=public)
    with NetSuiteSandbox(config, tiny) as sb:
        client = oauth2_resource(sb, algorithm, private).get_client()
        for _ in range(5):
            assert client.suiteql_page(QUERY, [0])["count"] > 0
        assert client.auth.tokens_fetched == 1 and sb.oauth2_tokens.issued == 1
        assert sb.login_audit_trail == []


def test_expired_token_is_refreshed_transparently(tiny, keys):
    algorithm, private, public = keys
    with NetSuiteSandbox(SandboxConfig(oauth2_public_key_pem=public), tiny) as sb:
        client = oauth2_resource(sb, algorithm, private).get_client()
        client.suiteql_page(QUERY, [0])
        sb.oauth2_tokens.expire_all()  # revoked or expired on NetSuite's side
        assert client.suiteql_page(QUERY, [0])["count"] > 0
        assert client.auth.tokens_fetched == 2


def test_wrong_key_fails_clearly_without_any_secret(tiny, keys, caplog, capsys):
    algorithm, _private, public = keys
    other_private, _ = generate_key_pair(algorithm)
    with NetSuiteSandbox(SandboxConfig(oauth2_public_key_pem=public), tiny) as sb:
        client = oauth2_resource(sb, algorithm, other_private).get_client(log=logging.warning)
        with caplog.at_level(logging.DEBUG), pytest.raises(NetSuiteAuthError) as caught:
            client.suiteql_page(QUERY, [0])
        assert str(caught.value) == (
            "NetSuite refused the OAuth 2.0 client credentials for account 1234567_SB1 "
            "(invalid_client). Check the client id, the certificate id and that the private key "
            "matches the certificate uploaded to the integration's M2M setup; NetSuite's Login "
            "Audit Trail has the reason."
        )
        assert [reason for _, reason in sb.login_audit_trail] == ["InvalidSignature"]
        outputs = [
            str(caught.value),
            repr(caught.value),
            caplog.text,
            *capsys.readouterr(),
            repr(client.auth),
        ]
        key_body = other_private.splitlines()[1]
        for output in outputs:
            assert key_body not in output and sb.config.oauth2_client_id not in output


def test_not_a_private_key_names_the_setting(tiny, keys):
    algorithm, _private, public = keys
    with NetSuiteSandbox(SandboxConfig(oauth2_public_key_pem=public), tiny) as sb:
        client = oauth2_resource(sb, algorithm, "-----BEGIN NONSENSE-----").get_client()
        with pytest.raises(NetSuiteAuthError, match="NETSUITE_PRIVATE_KEY") as caught:
            client.suiteql_page(QUERY, [0])
        assert "NONSENSE" not in str(caught.value)


def test_extraction_over_oauth2_is_complete(keys, sqlite_database_url):
    from revrec_pipeline.store import RevRecStore

    algorithm, private, public = keys
    store = RevRecStore(sqlite_database_url)
    store.create_all()
    config = SandboxConfig(oauth2_public_key_pem=public, row_cap=2_500, max_concurrency=2)
    with NetSuiteSandbox(config, generate_dataset(seed=4, size=4000)) as sb:
        resource = oauth2_resource(sb, algorithm, private)
        extract_all(
            sb,
            store,
            **{k: v for k, v in resource.model_dump().items() if k not in ("base_url", "timezone")},
        )
        assert stored_lines(store) == expected_lines(sb)
        assert sb.stats.max_in_flight <= 4


def test_token_endpoint_5xx_is_retried(tiny, keys):
    algorithm, private, public = keys
    with NetSuiteSandbox(SandboxConfig(oauth2_public_key_pem=public), tiny) as sb:
        client = oauth2_resource(sb, algorithm, private).get_client()
        sb.fail_next(2, status=503)  # the first two token requests
        assert client.suiteql_page(QUERY, [0])["count"] > 0
        assert client.auth.tokens_fetched == 1

"""TBA verification exactly as NetSuite checks it (SPEC §3, reference §1)."""

from __future__ import annotations

import time

import pytest
from oauthlib.oauth1 import Client

from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig

from .conftest import SUITEQL, error_of, oauth, suiteql

Q = "SELECT id FROM currency ORDER BY id"


def assert_rejected(sb: NetSuiteSandbox, response, reason: str) -> None:
    assert response.status_code == 401
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_LOGIN"
    assert detail["detail"].startswith("Invalid login attempt.")
    assert response.json()["title"] == "Unauthorized"
    assert sb.login_audit_trail[-1][1] == reason


@pytest.mark.parametrize("account_id", ["1234567", "1234567_SB1", "1234567-sb1"])
def test_good_signature_is_accepted(small, account_id):
    with NetSuiteSandbox(SandboxConfig(account_id=account_id), small) as sb:
        response = suiteql(sb, Q)
        assert response.status_code == 200, response.text
        assert sb.login_audit_trail == []


def test_wrong_token_secret_is_generic_401_with_real_reason_in_audit_trail(sandbox):
    response = suiteql(sandbox, Q, auth=oauth(sandbox, resource_owner_secret="wrong-secret"))
    assert_rejected(sandbox, response, "InvalidSignature")
    for secret in (sandbox.config.consumer_secret, sandbox.config.token_secret, "wrong-secret"):
        assert secret not in response.text


def test_lower_case_realm_is_rejected(sandbox):
    response = suiteql(sandbox, Q, auth=oauth(sandbox, realm="1234567_sb1"))
    assert_rejected(sandbox, response, "InvalidRealm")


def test_hmac_sha1_is_refused(sandbox):
    response = suiteql(sandbox, Q, auth=oauth(sandbox, signature_method="HMAC-SHA1"))
    assert_rejected(sandbox, response, "UnknownAlgorithm")


def test_unknown_token_and_consumer_key(sandbox):
    assert_rejected(
        sandbox,
        suiteql(sandbox, Q, auth=oauth(sandbox, resource_owner_key="nope")),
        "token_rejected",
    )
    assert_rejected(
        sandbox, suiteql(sandbox, Q, auth=oauth(sandbox, client_key="nope")), "consumer_key_unknown"
    )


def test_missing_authorization(sandbox):
    import requests

    response = requests.post(sandbox.url + SUITEQL, json={"q": Q}, headers={"Prefer": "transient"})
    assert_rejected(sandbox, response, "MissingAuthorization")


def _signed_headers(sb: NetSuiteSandbox, **client_args) -> dict:
    cfg = sb.config
    client = Client(
        cfg.consumer_key,
        cfg.consumer_secret,
        cfg.token_id,
        cfg.token_secret,
        realm=cfg.realm,
        signature_method="HMAC-SHA256",
        **client_args,
    )
    _, headers, _ = client.sign(sb.url + SUITEQL + "?limit=5", http_method="POST")
    return headers


def _post_with(sb: NetSuiteSandbox, headers: dict):
    import requests

    return requests.post(
        sb.url + SUITEQL + "?limit=5", json={"q": Q}, headers={"Prefer": "transient", **headers}
    )


def test_replayed_nonce_is_rejected(sandbox):
    headers = _signed_headers(sandbox)
    assert _post_with(sandbox, headers).status_code == 200
    assert_rejected(sandbox, _post_with(sandbox, headers), "NonceUsed")


def test_stale_timestamp_is_rejected(sandbox):
    stale = str(int(time.time()) - 301)
    assert_rejected(
        sandbox, _post_with(sandbox, _signed_headers(sandbox, timestamp=stale)), "InvalidTimestamp"
    )
    fresh = str(int(time.time()) - 200)  # inside the ±300 s window
    assert _post_with(sandbox, _signed_headers(sandbox, timestamp=fresh)).status_code == 200


def test_short_nonce_is_rejected(sandbox):
    assert_rejected(
        sandbox, _post_with(sandbox, _signed_headers(sandbox, nonce="abc")), "nonce_rejected"
    )


def test_query_string_is_part_of_the_signature(sandbox):
    import requests

    headers = _signed_headers(sandbox)  # signed for ?limit=5
    response = requests.post(
        sandbox.url + SUITEQL + "?limit=6",
        json={"q": Q},
        headers={"Prefer": "transient", **headers},
    )
    assert_rejected(sandbox, response, "InvalidSignature")

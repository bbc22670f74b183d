"""The NetSuite client against the sandbox over a real socket (SPEC §3)."""

from __future__ import annotations

import logging

import pytest
import requests
from requests_oauthlib import OAuth1

from revrec_pipeline.netsuite.errors import NetSuiteAuthError, NetSuiteError
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline_tests.sandbox_helpers import netsuite_resource


@pytest.fixture(scope="module")
def tiny():
    return generate_dataset(seed=7, size="tiny")


@pytest.fixture
def sandbox(tiny):
    with NetSuiteSandbox(SandboxConfig(account_id="1234567_SB1"), tiny) as sb:
        yield sb


@pytest.mark.parametrize("account_id", ["1234567", "1234567_SB1"])
def test_correct_credentials_work(tiny, account_id):
    with NetSuiteSandbox(SandboxConfig(account_id=account_id), tiny) as sb:
        client = netsuite_resource(sb).get_client()
        page = client.suiteql_page(
            "SELECT id, entityid FROM customer WHERE id > ? ORDER BY id", [0]
        )
        assert page["count"] > 0 and all("id" in row for row in page["items"])
        assert sb.login_audit_trail == []


def test_wrong_secret_fails_clearly_and_never_shows_a_secret(sandbox, caplog, capsys):
    wrong = "wrong-token-secret-7f3a9c"
    client = netsuite_resource(sandbox, token_secret=wrong).get_client(log=logging.warning)
    with caplog.at_level(logging.DEBUG), pytest.raises(NetSuiteAuthError) as caught:
        client.suiteql_page("SELECT id FROM customer WHERE id > ? ORDER BY id", [0])
    message = str(caught.value)
    assert message == (
        "NetSuite rejected the credentials for account 1234567_SB1 (INVALID_LOGIN). Check the "
        "token and consumer keys and the role's permissions; NetSuite's Login Audit Trail has "
        "the reason."
    )
    assert caught.value.status == 401
    # The sandbox's audit trail knows the real reason, as NetSuite's does.
    assert {reason for _, reason in sandbox.login_audit_trail} == {"InvalidSignature"}
    # A 401 under load may be the concurrency limit: retried a few times, then reported.
    assert client.stats.requests == 3
    outputs = [message, repr(caught.value), caplog.text, *capsys.readouterr(), repr(client.auth)]
    secrets = [
        wrong,
        *[getattr(sandbox.config, k) for k in ("consumer_secret", "consumer_key", "token_id")],
    ]
    for secret in secrets:
        for output in outputs:
            assert secret not in output


def test_client_always_sends_the_upper_case_realm(sandbox):
    # Configured with the lower-case form a user may copy from a URL, the client still works.
    client = netsuite_resource(sandbox, account_id="1234567_sb1").get_client()
    sent: list[str] = []
    session = client._session()
    session.hooks["response"].append(
        lambda r, *a, **k: sent.append(r.request.headers["Authorization"].decode())
    )
    client.suiteql_page("SELECT id FROM customer WHERE id > ? ORDER BY id", [0])
    assert 'realm="1234567_SB1"' in sent[0]
    assert "HMAC-SHA256" in sent[0]


def test_lower_case_realm_is_what_netsuite_rejects(sandbox):
    config = sandbox.config
    auth = OAuth1(
        config.consumer_key,
        config.consumer_secret,
        config.token_id,
        config.token_secret,
        realm="1234567_sb1",
        signature_method="HMAC-SHA256",
    )
    response = requests.post(
        f"{sandbox.url}/services/rest/query/v1/suiteql",
        params={"limit": 1},
        json={"q": "SELECT id FROM customer"},
        headers={"Prefer": "transient"},
        auth=auth,
    )
    assert response.status_code == 401
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


def test_5xx_and_timeouts_are_retried_and_re_signed(sandbox):
    client = netsuite_resource(sandbox, timeout_seconds=0.5).get_client()
    query = "SELECT id FROM customer WHERE id > ? ORDER BY id"
    sandbox.fail_next(2, status=503)
    assert client.suiteql_page(query, [0])["count"] > 0
    assert client.stats.retries == 2
    sandbox.hang_next(1, seconds=2.0)  # past the client's 0.5 s timeout
    assert client.suiteql_page(query, [0])["count"] > 0
    assert client.stats.retries == 3
    # Each attempt carried a fresh nonce: the sandbox refuses replays, and none was refused.
    assert sandbox.login_audit_trail == []


def test_error_envelope_becomes_a_clear_message(sandbox):
    client = netsuite_resource(sandbox).get_client()
    with pytest.raises(NetSuiteError) as caught:
        client.suiteql_page("SELECT nosuchcolumn FROM customer")
    message = str(caught.value)
    assert message.startswith("NetSuite answered 400 ")
    assert (
        "POST /services/rest/query/v1/suiteql for account 1234567_SB1 (INVALID_PARAMETER)"
        in message
    )


def test_retries_give_up_with_a_clear_message(sandbox):
    client = netsuite_resource(sandbox, max_attempts=3).get_client()
    sandbox.fail_next(5, status=500)
    with pytest.raises(NetSuiteError, match=r"NetSuite answered 500 .* for account 1234567_SB1"):
        client.suiteql_page("SELECT id FROM customer WHERE id > ? ORDER BY id", [0])
    assert client.stats.requests == 3


def test_unreachable_netsuite_names_the_base_url_setting():
    from revrec_pipeline.netsuite.resource import NetSuiteResource

    client = NetSuiteResource(
        account_id="1234567",
        consumer_key="k",
        consumer_secret="s",
        token_id="t",
        token_secret="x",
        base_url="http://127.0.0.1:9",
        max_attempts=2,
        backoff_base_seconds=0.01,
    ).get_client()
    with pytest.raises(NetSuiteError, match=r"after 2 attempts .*NETSUITE_BASE_URL"):
        client.suiteql_page("SELECT id FROM customer")


def test_journal_entry_upsert_by_external_id(sandbox):
    client = netsuite_resource(sandbox).get_client()
    accounts = sandbox.execute("SELECT id FROM account ORDER BY id")
    debit, credit = str(accounts[0]["id"]), str(accounts[1]["id"])
    body = {
        "externalId": "revrec-2026-10-revenue-USD-1",
        "tranDate": "2026-10-31",
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "line": {
            "items": [
                {"account": {"id": debit}, "debit": 100.25},
                {"account": {"id": credit}, "credit": 100.25},
            ]
        },
    }
    first = client.upsert_journal_entry("revrec-2026-10-revenue-USD-1", body)
    second = client.upsert_journal_entry("revrec-2026-10-revenue-USD-1", body)
    assert first == second and first.isdigit()
    entry = client.get_journal_entry("eid:revrec-2026-10-revenue-USD-1")
    assert str(entry["id"]) == first and len(entry["line"]["items"]) == 2
    assert client.get_journal_entry("eid:nope") is None
    assert (
        len(
            [
                j
                for j in sandbox.journal_entries()
                if j.get("externalId", j.get("externalid")) == "revrec-2026-10-revenue-USD-1"
            ]
        )
        == 1
    )

    # DELETE by internal id (204); a second delete finds nothing (404), which is not an error.
    assert client.delete_journal_entry(first) is True
    assert client.get_journal_entry("eid:revrec-2026-10-revenue-USD-1") is None
    assert client.delete_journal_entry(first) is False
    assert client.delete_journal_entry("eid:revrec-2026-10-revenue-USD-1") is False


def test_resource_repr_never_shows_a_secret():
    from revrec_pipeline.netsuite.resource import NetSuiteResource

    values = {
        name: f"{name}-SECRET-91c2"
        for name in (
            "consumer_key",
            "consumer_secret",
            "token_id",
            "token_secret",
            "client_id",
            "certificate_id",
            "private_key",
        )
    }
    resource = NetSuiteResource(account_id="1234567", **values)
    for text in (repr(resource), str(resource)):
        assert "SECRET-91c2" not in text


def test_a_non_json_answer_names_the_likely_cause():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from revrec_pipeline.netsuite.resource import NetSuiteResource

    class Proxy(BaseHTTPRequestHandler):
        def do_POST(self):  # a captive portal or proxy login page
            body = b"<html>Please sign in</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = NetSuiteResource(
            account_id="1234567",
            consumer_key="k",
            consumer_secret="s",
            token_id="t",
            token_secret="x",
            base_url=f"http://127.0.0.1:{server.server_address[1]}",
        ).get_client()
        with pytest.raises(NetSuiteError, match=r"was not JSON .*text/html.*NETSUITE_BASE_URL"):
            client.suiteql_page("SELECT id FROM customer")
    finally:
        server.shutdown()


def test_watermark_never_passes_the_run_start():
    from datetime import datetime, timedelta

    from revrec_pipeline.netsuite.extract import CLOCK_MARGIN, capped

    started = datetime(2026, 11, 26, 12, 0)
    assert capped(None, started) is None
    assert capped(started - timedelta(hours=3), started) == started - timedelta(hours=3)
    assert capped(started + timedelta(minutes=1), started) == started - CLOCK_MARGIN


def test_a_page_of_rows_is_normalized_as_each_row_would_be():
    """Rows whose keys are lower case lose only `links` (in place, the fast path); a row with
    other casing is rebuilt, as normalize_row always did; null columns stay absent."""
    from revrec_pipeline.netsuite.client import normalize_row, normalize_rows

    page = [
        {"id": "1", "tranid": "INV-1", "links": []},
        {"id": "2", "links": []},  # tranid null: absent
        {"ID": "3", "TranId": "INV-3", "Links": []},
        {"id": "4", "tranid": "INV-4", "links": []},
    ]
    expected = [normalize_row(dict(row)) for row in page]
    assert normalize_rows([dict(row) for row in page]) == expected
    assert expected == [
        {"id": "1", "tranid": "INV-1"},
        {"id": "2"},
        {"id": "3", "tranid": "INV-3"},
        {"id": "4", "tranid": "INV-4"},
    ]


def test_a_json_body_in_another_encoding_is_still_read():
    """orjson reads UTF-8 only; a body in UTF-16 falls back to requests' own decoding."""
    import json

    import requests

    from revrec_pipeline.netsuite.client import _json_body

    body = {"items": [{"id": "1", "companyname": "Müller GmbH"}], "hasMore": False}
    for encoding in ("utf-8", "utf-16"):
        response = requests.Response()
        response._content = json.dumps(body, ensure_ascii=False).encode(encoding)
        response.status_code = 200
        assert _json_body(response) == body
    response = requests.Response()
    response._content = b"<html>login</html>"
    with pytest.raises(ValueError):
        _json_body(response)

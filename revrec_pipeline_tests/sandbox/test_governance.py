"""Concurrency limit (429), injected faults and the admin endpoints."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from .conftest import error_of, suiteql

Q = "SELECT id FROM currency ORDER BY id"


def _burst(sb, n: int) -> list[int]:
    statuses: list[int] = []
    barrier = threading.Barrier(n)

    def call() -> None:
        barrier.wait()
        statuses.append(suiteql(sb, Q).status_code)

    threads = [threading.Thread(target=call) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_over_the_limit_is_429_immediately(sandbox):
    sandbox.config.max_concurrency = 3
    sandbox.config.latency_ms = 400  # slots held long enough for all 8 to overlap
    started = time.monotonic()
    statuses = _burst(sandbox, 8)
    assert statuses.count(200) == 3 and statuses.count(429) == 5
    assert time.monotonic() - started < 2.0  # rejected ones were not queued
    stats = sandbox.stats
    # A rejected arrival counts while present: the peak exceeds the limit.
    assert stats.rejected_429 == 5 and 4 <= stats.max_in_flight <= 8
    assert stats.by_status == {200: 3, 429: 5} and stats.requests == 8


def test_429_envelope_has_no_retry_after(sandbox):
    sandbox.config.max_concurrency = 0
    response = suiteql(sandbox, Q)
    assert response.status_code == 429 and "Retry-After" not in response.headers
    detail = error_of(response)
    assert detail == {
        "detail": "Concurrent request limit exceeded. Request blocked.",
        "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
    }
    assert response.json()["title"] == "Too Many Requests"
    assert sandbox.login_audit_trail == []  # 429 comes before authentication


def test_within_the_limit_nothing_is_rejected(sandbox):
    sandbox.config.latency_ms = 100
    assert _burst(sandbox, 5) == [200] * 5
    assert sandbox.stats.max_in_flight == 5
    sandbox.reset_stats()
    assert sandbox.stats.requests == 0


def test_fail_next_then_normal(sandbox):
    sandbox.fail_next(2, status=502)
    codes = [suiteql(sandbox, Q).status_code for _ in range(3)]
    assert codes == [502, 502, 200]
    assert sandbox.stats.injected_faults == 2


def test_fail_next_envelope(sandbox):
    sandbox.fail_next(1)
    response = suiteql(sandbox, Q)
    assert response.status_code == 503 and error_of(response)["o:errorCode"] == "UNEXPECTED_ERROR"


def test_hang_next_times_the_client_out_then_answers(sandbox):
    sandbox.hang_next(1, seconds=1.0)
    with pytest.raises(requests.Timeout):
        suiteql(sandbox, Q, timeout=0.3)
    assert suiteql(sandbox, Q).status_code == 200


def test_fault_rate_is_deterministic(sandbox):
    def run() -> list[int]:
        sandbox.config.fault_seed = 7
        sandbox._rng = None  # same seed, same sequence
        return [suiteql(sandbox, Q).status_code for _ in range(20)]

    sandbox.config.fault_rate = 0.3
    first, second = run(), run()
    assert first == second
    assert any(c >= 500 for c in first) and 200 in first


def test_admin_endpoints_need_no_auth(sandbox):
    stats = requests.get(sandbox.url + "/sandbox/v1/stats").json()
    for credential in ("consumer_key", "consumer_secret", "token_id", "token_secret"):
        assert getattr(sandbox.config, credential) not in json.dumps(stats)
    assert stats["config"]["max_concurrency"] == 5
    changed = requests.post(
        sandbox.url + "/sandbox/v1/config", json={"latency_ms": 5, "row_cap": 2500}
    ).json()
    assert changed["config"]["row_cap"] == 2500 and sandbox.config.latency_ms == 5
    bad = requests.post(sandbox.url + "/sandbox/v1/config", json={"token_secret": "x"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/services/rest/record/v1/customer/1"),
        ("GET", "/services/rest/record/v1/metadata-catalog/journalentry"),
        ("POST", "/services/rest/record/v1/invoice"),
        ("GET", "/services/rest/system/v1/governanceLimits"),
    ],
)
def test_unimplemented_paths_say_so(sandbox, method, path):
    from .conftest import oauth

    response = requests.request(method, sandbox.url + path, auth=oauth(sandbox), json={})
    assert response.status_code == 501 and response.json()["title"] == "Not Implemented"
    assert error_of(response)["detail"] == f"{method} {path} is not implemented by the sandbox."

"""Journal entries: upsert by external id, NetSuite's validations, storage visible to SuiteQL."""

from __future__ import annotations

import pytest
import requests

from .conftest import JOURNAL, error_of, oauth, rows


def entry(
    external_id="revrec-2026-10-revenue-USD-1",
    amount="187.00",
    day="2026-10-31",
    lines=None,
    **extra,
) -> dict:
    return {
        "externalId": external_id,
        "tranDate": day,
        "subsidiary": {"id": "1"},
        "currency": {"id": "1"},
        "memo": "Revenue Oct 2026",
        "line": {
            "items": lines
            or [
                {
                    "account": {"id": "58"},
                    "debit": float(amount),
                    "memo": "deferred",
                    "department": {"id": "1"},
                    "class": {"id": "2"},
                    "location": {"id": "3"},
                    "cseg_region": {"id": "7"},
                },
                {"account": {"id": "61"}, "credit": amount},
            ]
        },
        **extra,
    }


def put(sb, external_id: str, body: dict, replace: bool = True) -> requests.Response:
    params = {"replace": "line"} if replace else {}
    return requests.put(
        f"{sb.url}{JOURNAL}/eid:{external_id}", params=params, json=body, auth=oauth(sb)
    )


def get(sb, ident: str) -> requests.Response:
    return requests.get(f"{sb.url}{JOURNAL}/{ident}", auth=oauth(sb))


def test_upsert_creates_then_replaces(sandbox):
    first = put(sandbox, "je-1", entry("je-1"))
    assert first.status_code == 204 and first.content == b""
    internal_id = first.headers["Location"].rsplit("/", 1)[1]
    assert first.headers["Location"] == f"{sandbox.url}{JOURNAL}/{internal_id}"

    lines = [
        {"account": {"id": "63"}, "debit": 10},
        {"account": {"id": "58"}, "credit": 4},
        {"account": {"id": "58"}, "credit": 6},
    ]
    again = put(sandbox, "je-1", entry("je-1", lines=lines))
    assert again.status_code == 204 and again.headers["Location"] == first.headers["Location"]
    journals = sandbox.journal_entries()
    assert len(journals) == 1 and len(journals[0]["line"]["items"]) == 3

    record = get(sandbox, internal_id).json()
    assert record == get(sandbox, "eid:je-1").json()
    assert record["externalId"] == "je-1" and record["tranId"] == "JE1"
    assert record["postingPeriod"]["refName"] == "Oct 2026" and record["tranDate"] == "2026-10-31"
    assert [ln["account"]["id"] for ln in record["line"]["items"]] == ["63", "58", "58"]


def test_put_without_replace_appends_lines(sandbox):
    assert put(sandbox, "je-2", entry("je-2")).status_code == 204
    assert put(sandbox, "je-2", entry("je-2"), replace=False).status_code == 204
    (journal,) = sandbox.journal_entries()
    assert len(journal["line"]["items"]) == 4  # NetSuite appends to a non-keyed sublist


def test_journal_is_stored_like_netsuite(sandbox):
    put(sandbox, "je-3", entry("je-3"))
    (header,) = rows(
        sandbox,
        "SELECT id, tranid, type, externalid, posting, postingperiod, "
        "TO_CHAR(trandate, 'YYYY-MM-DD') AS d FROM transaction "
        "WHERE type = 'Journal'",
    )
    assert header["tranid"] == "JE1" and header["externalid"] == "je-3" and header["posting"] == "T"
    lines = rows(
        sandbox,
        "SELECT id, account, debit, credit, department, class, location, memo "
        "FROM transactionline WHERE transaction = ? ORDER BY id",
        [header["id"]],
    )
    assert lines[0]["debit"] == "187" and "credit" not in lines[0] and lines[0]["class"] == "2"
    assert lines[1]["credit"] == "187" and lines[1]["account"] == "61"
    segments = sandbox.execute("SELECT customsegments FROM transactionline WHERE account = 58")
    assert '"cseg_region": "7"' in segments[-1]["customsegments"]
    record = get(sandbox, "eid:je-3").json()
    assert record["line"]["items"][0]["cseg_region"] == {"id": "7"}


def test_post_creates_and_refuses_duplicates(sandbox):
    url = f"{sandbox.url}/services/rest/record/v1/journalentry"  # case-insensitive record name
    created = requests.post(url, json=entry("je-4"), auth=oauth(sandbox))
    assert created.status_code == 204 and "Location" in created.headers
    duplicate = requests.post(url, json=entry("je-4"), auth=oauth(sandbox))
    assert duplicate.status_code == 400
    detail = error_of(duplicate)
    assert detail["o:errorCode"] == "DUP_RCRD" and "already exists" in detail["detail"]


def test_get_absent_is_404(sandbox):
    for ident in ("eid:nope", "999999"):
        response = get(sandbox, ident)
        assert response.status_code == 404 and error_of(response)["o:errorCode"] == "NONEXISTENT_ID"


@pytest.mark.parametrize(
    ("body", "code", "text", "path"),
    [
        (
            entry(
                lines=[
                    {"account": {"id": "58"}, "debit": 10},
                    {"account": {"id": "61"}, "credit": 9.99},
                ]
            ),
            "USER_ERROR",
            "The amounts in a journal entry must balance.",
            None,
        ),
        (
            entry(
                lines=[
                    {"account": {"id": "58"}, "debit": 1},
                    {"account": {"id": "9999"}, "credit": 1},
                ]
            ),
            "INVALID_CONTENT",
            "Invalid Field Value 9999 for the following field: account",
            "line.items[1].account",
        ),
        (
            entry(
                lines=[
                    {"account": {"id": "58"}, "debit": 1},
                    {"account": {"id": "99"}, "credit": 1},
                ]
            ),
            "INVALID_CONTENT",
            "Invalid Field Value 99 for the following field: account",
            "line.items[1].account",
        ),  # inactive account
        (
            entry(
                lines=[
                    {"account": {"id": "58"}, "debit": 1, "department": {"id": "42"}},
                    {"account": {"id": "61"}, "credit": 1},
                ]
            ),
            "INVALID_CONTENT",
            "following field: department",
            "line.items[0].department",
        ),
        (
            {k: v for k, v in entry().items() if k != "subsidiary"},
            "USER_ERROR",
            "Please enter a value for subsidiary.",
            None,
        ),
        (
            entry(subsidiary={"id": "77"}),
            "INVALID_CONTENT",
            "following field: subsidiary",
            "subsidiary",
        ),
        (entry(currency={"id": "77"}), "INVALID_CONTENT", "following field: currency", "currency"),
        (entry(day="2024-06-30"), "USER_ERROR", "Jun 2024", None),
        (
            entry(lines=[{"account": {"id": "58"}, "debit": 1}]),
            "USER_ERROR",
            "at least two lines",
            None,
        ),
        (
            entry(
                lines=[
                    {"account": {"id": "58"}, "debit": 1, "credit": 1},
                    {"account": {"id": "61"}, "credit": 0},
                ]
            ),
            "USER_ERROR",
            "either a debit",
            None,
        ),
        (
            entry(
                lines=[
                    {"account": {"id": "58"}, "debit": -5},
                    {"account": {"id": "61"}, "credit": -5},
                ]
            ),
            "USER_ERROR",
            "negative",
            None,
        ),
        (
            entry(
                lines=[{"account": {"id": "58"}, "debit": 1}] * 501
                + [{"account": {"id": "61"}, "credit": 1}] * 501
            ),
            "USER_ERROR",
            "more than 1,000 lines",
            None,
        ),
    ],
)
def test_validations(sandbox, body, code, text, path):
    response = put(sandbox, "je-bad", body)
    assert response.status_code == 400, response.text
    detail = error_of(response)
    assert detail["o:errorCode"] == code and text in detail["detail"]
    assert detail.get("o:errorPath") == path
    assert sandbox.journal_entries() == []


def test_balance_is_checked_in_decimal(sandbox):
    lines = [
        {"account": {"id": "58"}, "debit": 0.1},
        {"account": {"id": "58"}, "debit": 0.2},
        {"account": {"id": "61"}, "credit": 0.3},
    ]
    assert put(sandbox, "je-dec", entry("je-dec", lines=lines)).status_code == 204


def test_closed_period_is_refused(sandbox):
    sandbox.set_period_closed("Oct 2026")
    response = put(sandbox, "je-5", entry("je-5"))
    assert response.status_code == 400 and "Oct 2026" in error_of(response)["detail"]
    sandbox.set_period_closed("2026-10", closed=False)
    assert put(sandbox, "je-5", entry("je-5")).status_code == 204


def test_fail_journal(sandbox):
    sandbox.fail_journal("je-6", status=500, times=2)
    assert [put(sandbox, "je-6", entry("je-6")).status_code for _ in range(3)] == [500, 500, 204]
    assert len(sandbox.journal_entries()) == 1
    # after_commit: saved, but the answer is lost; the retry upserts the same record.
    sandbox.fail_journal("je-7", status=502, after_commit=True)
    assert put(sandbox, "je-7", entry("je-7")).status_code == 502
    assert put(sandbox, "je-7", entry("je-7")).status_code == 204
    assert len(sandbox.journal_entries()) == 2

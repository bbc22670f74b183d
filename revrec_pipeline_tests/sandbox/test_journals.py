"""Journal entries: upsert by external id, NetSuite's validations, storage visible to SuiteQL,
sublists as links unless expanded, the line sub-resource, DELETE, field-name validation, account
features, journal approval and a workflow that clears a field."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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


def put(
    sb, external_id: str, body: dict, replace: bool = True, validation: str | None = None
) -> requests.Response:
    params = {"replace": "line"} if replace else {}
    headers = {"X-NetSuite-PropertyNameValidation": validation} if validation else {}
    return requests.put(
        f"{sb.url}{JOURNAL}/eid:{external_id}",
        params=params,
        json=body,
        headers=headers,
        auth=oauth(sb),
    )


def get(sb, ident: str, expand: bool = False) -> requests.Response:
    params = {"expandSubResources": "true"} if expand else {}
    return requests.get(f"{sb.url}{JOURNAL}/{ident}", params=params, auth=oauth(sb))


def internal_id_of(response: requests.Response) -> str:
    return response.headers["Location"].rsplit("/", 1)[1]


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

    record = get(sandbox, internal_id, expand=True).json()
    assert record == get(sandbox, "eid:je-1", expand=True).json()
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
    record = get(sandbox, "eid:je-3", expand=True).json()
    assert record["line"]["items"][0]["cseg_region"]["id"] == "7"


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


# --- reading: sublists, references, the line sub-resource ----------------------------------


def test_get_returns_lines_only_when_sub_resources_are_expanded(sandbox):
    internal_id = internal_id_of(put(sandbox, "je-8", entry("je-8")))
    record_url = f"{sandbox.url}{JOURNAL}/{internal_id}"

    plain = get(sandbox, "eid:je-8").json()
    assert plain["line"] == {"links": [{"rel": "self", "href": f"{record_url}/line"}]}
    assert plain["links"] == [{"rel": "self", "href": record_url}]

    expanded = get(sandbox, "eid:je-8", expand=True).json()
    assert {k: v for k, v in expanded.items() if k != "line"} == {
        k: v for k, v in plain.items() if k != "line"
    }
    first, second = expanded["line"]["items"]
    assert expanded["line"]["totalResults"] == 2
    base = f"{sandbox.url}/services/rest/record/v1"
    assert first["account"] == {
        "links": [{"rel": "self", "href": f"{base}/account/58"}],
        "id": "58",
        "refName": "2400 Deferred Revenue",
    }
    assert first["debit"] == 187.0 and "credit" not in first and first["memo"] == "deferred"
    assert first["department"]["refName"] == "Sales" and first["department"]["id"] == "1"
    assert first["class"] == {
        "links": [{"rel": "self", "href": f"{base}/classification/2"}],
        "id": "2",
        "refName": "Services",
    }
    assert first["location"]["refName"] == "Europe"
    assert first["cseg_region"]["id"] == "7" and first["cseg_region"]["links"]
    assert second["credit"] == 187.0 and "department" not in second
    assert expanded["postingPeriod"]["refName"] == "Oct 2026"
    assert expanded["postingPeriod"]["links"][0]["href"].startswith(f"{base}/accountingPeriod/")
    assert expanded["subsidiary"]["id"] == "1" and expanded["currency"]["refName"] == "USD"


def test_line_sub_resource(sandbox):
    internal_id = internal_id_of(put(sandbox, "je-9", entry("je-9")))
    expanded = get(sandbox, internal_id, expand=True).json()["line"]
    for ident in (internal_id, "eid:je-9"):
        response = requests.get(f"{sandbox.url}{JOURNAL}/{ident}/line", auth=oauth(sandbox))
        assert response.status_code == 200, response.text
        assert response.json() == expanded
    absent = requests.get(f"{sandbox.url}{JOURNAL}/eid:nope/line", auth=oauth(sandbox))
    assert absent.status_code == 404 and error_of(absent)["o:errorCode"] == "NONEXISTENT_ID"


# --- DELETE -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "type_value"),
    [("id", "journalentry"), ("code", "Journal"), ("label", "Journal")],
)
@pytest.mark.parametrize("zone", ["account", "utc"])
def test_delete_by_id_or_external_id(sandbox, form, type_value, zone):
    sandbox.config.deleted_type_form = form
    sandbox.config.deleted_date_zone = zone
    kept = internal_id_of(put(sandbox, "je-keep", entry("je-keep")))
    by_id = internal_id_of(put(sandbox, "je-10", entry("je-10")))
    by_eid = internal_id_of(put(sandbox, "je-11", entry("je-11")))

    for ident in (by_id, "eid:je-11"):
        deleted = requests.delete(f"{sandbox.url}{JOURNAL}/{ident}", auth=oauth(sandbox))
        assert deleted.status_code == 204 and deleted.content == b""
        assert get(sandbox, ident).status_code == 404
        again = requests.delete(f"{sandbox.url}{JOURNAL}/{ident}", auth=oauth(sandbox))
        assert again.status_code == 404 and error_of(again)["o:errorCode"] == "NONEXISTENT_ID"

    # A transaction: its header and lines are gone from SuiteQL, the other entry stays.
    held = rows(sandbox, "SELECT id FROM transaction WHERE type = 'Journal' ORDER BY id")
    assert [r["id"] for r in held] == [kept]
    (count,) = rows(
        sandbox,
        "SELECT COUNT(id) AS n FROM transactionline WHERE transaction IN (?, ?)",
        [by_id, by_eid],
    )
    assert count["n"] == "0"
    logged = rows(
        sandbox,
        "SELECT recordid, type, recordtypeid, TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS d, "
        "TO_CHAR(deleteddateusertz, 'YYYY-MM-DD HH24:MI:SS') AS u FROM DeletedRecord "
        "WHERE recordtypeid = 'journalentry' ORDER BY recordid",
    )
    assert [(r["recordid"], r["type"], r["recordtypeid"]) for r in logged] == [
        (by_id, type_value, "journalentry"),
        (by_eid, type_value, "journalentry"),
    ]
    expected_zone = UTC if zone == "utc" else ZoneInfo(sandbox.config.timezone)
    for row in logged:
        noted = datetime.fromisoformat(row["d"]).replace(tzinfo=expected_zone)
        assert abs((datetime.now(UTC) - noted).total_seconds()) < 300
        in_account_zone = datetime.fromisoformat(row["u"]).replace(
            tzinfo=ZoneInfo(sandbox.config.timezone)
        )
        assert abs((datetime.now(UTC) - in_account_zone).total_seconds()) < 300


# --- X-NetSuite-PropertyNameValidation ------------------------------------------------------


def misspelled() -> dict:
    body = entry("je-12", custbody_nope="x")
    body["line"]["items"][0]["clas"] = {"id": "2"}
    return body


def test_unknown_fields_are_dropped_silently_by_default(sandbox):
    for validation in (None, "warning", "ignore"):
        assert put(sandbox, "je-12", misspelled(), validation=validation).status_code == 204
    (record,) = sandbox.journal_entries()
    assert "custbody_nope" not in record and "clas" not in record["line"]["items"][0]
    assert record["line"]["items"][0]["class"]["id"] == "2"  # the real field is kept


@pytest.mark.parametrize(
    ("where", "field", "path"),
    [("line", "clas", "line.items[0].clas"), ("body", "custbody_nope", "custbody_nope")],
)
def test_unknown_fields_are_refused_with_validation_error(sandbox, where, field, path):
    body = entry("je-13")
    if where == "line":
        body["line"]["items"][0][field] = {"id": "2"}
    else:
        body[field] = "x"
    response = put(sandbox, "je-13", body, validation="error")
    assert response.status_code == 400, response.text
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_CONTENT" and detail["o:errorPath"] == path
    assert field in detail["detail"]
    assert sandbox.journal_entries() == []
    assert put(sandbox, "je-13", entry("je-13"), validation="error").status_code == 204


def test_a_bad_validation_header_is_refused(sandbox):
    response = put(sandbox, "je-14", entry("je-14"), validation="strict")
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorHeader"] == "X-NetSuite-PropertyNameValidation"
    assert sandbox.journal_entries() == []


# --- account features -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feature", "field", "path"),
    [
        ("departments", "department", "line.items[0].department"),
        ("classes", "class", "line.items[0].class"),
        ("locations", "location", "line.items[0].location"),
        ("oneworld", "subsidiary", "subsidiary"),
        ("multi_currency", "currency", "currency"),
        ("multi_currency", "exchangeRate", "exchangeRate"),
    ],
)
def test_a_field_whose_feature_is_off_is_an_unknown_field(sandbox, feature, field, path):
    setattr(sandbox.config, feature, False)
    body = {k: v for k, v in entry("je-15").items() if k != "currency" or field == "currency"}
    if field == "exchangeRate":
        body["exchangeRate"] = 1.0
    refused = put(sandbox, "je-15", body, validation="error")
    assert refused.status_code == 400, refused.text
    assert error_of(refused)["o:errorPath"] == path and field in error_of(refused)["detail"]
    assert sandbox.journal_entries() == []

    # The default drops it: the entry is saved without the field, as the account shows it.
    assert put(sandbox, "je-15", body).status_code == 204
    (record,) = sandbox.journal_entries()
    held = record["line"]["items"][0] if path.startswith("line.") else record
    assert field not in held
    if feature == "oneworld":  # one subsidiary and no subsidiary field: none needs sending
        without = {k: v for k, v in entry("je-16").items() if k != "subsidiary"}
        assert put(sandbox, "je-16", without, validation="error").status_code == 204


def test_with_a_feature_on_its_values_are_validated(sandbox):
    body = entry("je-17")
    body["line"]["items"][0]["class"] = {"id": "42"}
    refused = put(sandbox, "je-17", body, validation="error")
    assert refused.status_code == 400
    assert error_of(refused)["o:errorPath"] == "line.items[0].class"
    assert "Invalid Field Value 42 for the following field: class" in error_of(refused)["detail"]


# --- journal approval -------------------------------------------------------------------


def approval(sb, ident: str) -> tuple:
    record = get(sb, ident).json()
    (row,) = rows(
        sb,
        "SELECT approvalstatus, posting, status FROM transaction WHERE externalid = ?",
        [ident[4:]],
    )
    return (
        record.get("approvalStatus"),
        record.get("approved"),
        {k: row[k] for k in ("approvalstatus", "posting", "status")},
    )


def test_without_approval_required_entries_are_approved_and_post(sandbox):
    put(sandbox, "je-18", entry("je-18"))
    status, approved, row = approval(sandbox, "eid:je-18")
    assert status == {"id": "2", "refName": "Approved"} and approved is True
    assert row == {"approvalstatus": "2", "posting": "T", "status": "B"}


def test_with_approval_required_entries_wait_unless_sent_approved(sandbox):
    sandbox.config.journal_approval = True
    put(sandbox, "je-19", entry("je-19"))
    status, approved, row = approval(sandbox, "eid:je-19")
    assert status == {"id": "1", "refName": "Pending Approval"} and approved is False
    assert row == {"approvalstatus": "1", "posting": "F", "status": "A"}

    put(sandbox, "je-19", entry("je-19", approved=True), validation="error")
    status, approved, row = approval(sandbox, "eid:je-19")
    assert status == {"id": "2", "refName": "Approved"} and approved is True
    assert row == {"approvalstatus": "2", "posting": "T", "status": "B"}

    put(sandbox, "je-19", entry("je-19"))  # an update over REST waits for approval again
    assert approval(sandbox, "eid:je-19")[2]["approvalstatus"] == "1"


@pytest.mark.parametrize(
    ("form", "shown"),
    [
        ("status", {"approvalStatus"}),
        ("approved", {"approved"}),
        ("none", set()),
    ],
)
def test_approval_can_show_in_each_form(sandbox, form, shown):
    sandbox.config.journal_approval = True
    sandbox.set_journal_approval_form(form)
    put(sandbox, "je-20", entry("je-20"))
    record = get(sandbox, "eid:je-20").json()
    assert {"approvalStatus", "approved"} & set(record) == shown
    assert approval(sandbox, "eid:je-20")[2]["approvalstatus"] == "1"  # SuiteQL always tells


# --- a workflow clearing a field ------------------------------------------------------------


def test_drop_journal_field_stores_lines_without_it(sandbox):
    sandbox.drop_journal_field("class", "cseg_region")
    assert put(sandbox, "je-21", entry("je-21"), validation="error").status_code == 204
    first = get(sandbox, "eid:je-21", expand=True).json()["line"]["items"][0]
    assert "class" not in first and "cseg_region" not in first
    assert first["department"]["id"] == "1" and first["location"]["id"] == "3"
    sandbox.drop_journal_field()
    put(sandbox, "je-21", entry("je-21"))
    assert get(sandbox, "eid:je-21", expand=True).json()["line"]["items"][0]["class"]["id"] == "2"
    with pytest.raises(ValueError, match="account"):
        sandbox.drop_journal_field("account")


def test_the_journal_page_a_link_opens_shows_the_record(sandbox):
    """`/app/accounting/transactions/journal.nl?id=N`: what the UI's NetSuite links open."""
    internal_id = internal_id_of(put(sandbox, "je-page", entry("je-page", amount="187.25")))
    page = requests.get(f"{sandbox.url}/app/accounting/transactions/journal.nl?id={internal_id}")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "je-page" in page.text and "187.25" in page.text and "Oct 2026" in page.text
    missing = requests.get(f"{sandbox.url}/app/accounting/transactions/journal.nl?id=999999")
    assert missing.status_code == 404 and "not found" in missing.text

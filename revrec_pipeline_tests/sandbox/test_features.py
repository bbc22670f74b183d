"""Account features: each one off removes its fields and records as NetSuite does, and the
account's data is consistent with it (no segment values, one currency, one company)."""

from __future__ import annotations

import pytest

from revrec_pipeline.netsuite.profile import discover_profile
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig

from .conftest import error_of, netsuite_client, rows, suiteql

PREFIX = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "


def removed(record: str, name: str, feature: str) -> str:
    return (
        f"{PREFIX}Field '{name}' for record '{record}' was not found. "
        f"Reason: REMOVED - Feature {feature} is not enabled."
    )


def refused(sb, q: str) -> str:
    response = suiteql(sb, q)
    assert response.status_code == 400, response.text
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_PARAMETER" and detail["o:errorQueryParam"] == "q"
    return detail["detail"]


@pytest.fixture
def account(small, request):
    with NetSuiteSandbox(SandboxConfig(**request.param), small) as sb:
        yield sb


SEGMENTS = [
    ("departments", "department", "department", "DEPARTMENTS"),
    ("classes", "class", "classification", "CLASSES"),
    ("locations", "location", "location", "LOCATIONS"),
]


@pytest.mark.parametrize(
    ("account", "column", "record", "feature"),
    [({name: False}, column, record, feature) for name, column, record, feature in SEGMENTS],
    indirect=["account"],
)
def test_a_segment_feature_off_removes_its_field_and_record(account, column, record, feature):
    message = removed("transactionLine", column, feature)
    assert refused(account, f"SELECT tl.{column} FROM transactionline tl") == message
    assert refused(account, f"SELECT id FROM transactionline WHERE {column} = 1") == message
    assert refused(account, f"SELECT BUILTIN.DF(tl.{column}) FROM transactionline tl") == message
    assert refused(account, f"SELECT id, name FROM {record}") == (
        f"{PREFIX}Record '{record}' was not found. Reason: REMOVED - Feature {feature} is not "
        "enabled."
    )
    others = [c for _, c, _, _ in SEGMENTS if c != column]
    got = rows(account, f"SELECT {', '.join(others)} FROM transactionline WHERE id = 1")
    assert any(set(others) <= set(r) for r in got)  # the other segments are still there
    stored = account.execute(f"SELECT COUNT(*) AS n FROM transactionline WHERE {column} > 0")
    assert stored == [{"n": 0}]  # no line of this account carries one
    assert account.manifest[dict((c, n) for n, c, _, _ in SEGMENTS)[column]] == []


@pytest.mark.parametrize("account", [{"oneworld": False}], indirect=True)
def test_without_oneworld_there_is_no_subsidiary(account):
    feature = "SUBSIDIARIES"
    assert refused(account, "SELECT subsidiary FROM transactionline") == removed(
        "transactionLine", "subsidiary", feature
    )
    assert refused(account, "SELECT c.subsidiary FROM customer c") == removed(
        "customer", "subsidiary", feature
    )
    assert "Record 'subsidiary' was not found" in refused(account, "SELECT id FROM subsidiary")
    assert account.execute("SELECT id FROM subsidiary") == [{"id": 1}]  # one company
    assert rows(account, "SELECT id, entityid FROM customer WHERE id = 101")


@pytest.mark.parametrize("account", [{"multi_currency": False}], indirect=True)
def test_without_multiple_currencies_everything_is_in_the_base_currency(account):
    for column in ("currency", "exchangerate"):
        assert refused(account, f"SELECT t.{column} FROM transaction t") == removed(
            "transaction", column, "MULTICURRENCY"
        )
    currencies = rows(account, "SELECT id, symbol, isbasecurrency FROM currency")
    assert [(c["id"], c["symbol"], c["isbasecurrency"]) for c in currencies] == [("1", "USD", "T")]
    assert account.manifest["currencies"] == {"USD": 1}
    stored = account.execute(
        "SELECT DISTINCT currency, exchangerate FROM \"transaction\" WHERE type <> 'Journal'"
    )
    assert stored == [{"currency": 1, "exchangerate": 1.0}]
    assert account.execute("SELECT DISTINCT currency FROM customer") == [{"currency": 1}]
    lines = rows(
        account,
        "SELECT netamount, foreignamount FROM transactionline WHERE foreignamount IS NOT NULL",
    )
    assert lines and all(ln["netamount"] == ln["foreignamount"] for ln in lines)
    gbp = account.manifest["invoice_gbp"]  # a GBP invoice elsewhere: here a USD one
    assert rows(account, "SELECT id FROM transaction WHERE id = ?", [gbp])


@pytest.mark.parametrize(
    "account",
    [
        {
            "departments": False,
            "classes": False,
            "locations": False,
            "oneworld": False,
            "multi_currency": False,
        }
    ],
    indirect=True,
)
def test_the_client_discovers_what_the_account_lacks(account):
    profile = discover_profile(netsuite_client(account), account.config.account_id)
    assert profile.columns == ("transactionline.revrecstartdate", "transactionline.revrecenddate")
    assert profile.features["classes"] is False and profile.features["multi_currency"] is False


def test_all_features_on_by_default_and_discovered(sandbox):
    profile = discover_profile(netsuite_client(sandbox), sandbox.config.account_id)
    assert all(
        profile.features[name]
        for name in ("departments", "classes", "locations", "oneworld", "multi_currency")
    )
    assert "transactionline.class" in profile.columns and "transaction.currency" in profile.columns


def test_a_switch_changed_at_runtime_refuses_at_once(sandbox):
    assert rows(sandbox, "SELECT class FROM transactionline WHERE id = 1")
    sandbox.config.classes = False
    assert "Feature CLASSES is not enabled" in refused(sandbox, "SELECT class FROM transactionline")
    sandbox.config.classes = True
    assert rows(sandbox, "SELECT class FROM transactionline WHERE id = 1")


def test_a_database_is_reused_only_with_the_features_it_was_loaded_with(small, tmp_path):
    path = str(tmp_path / "ns.db")
    NetSuiteSandbox(SandboxConfig(classes=False), small, db_path=path).close()
    assert NetSuiteSandbox(SandboxConfig(classes=False), db_path=path).manifest["classes"] == []
    with pytest.raises(ValueError, match=r"was loaded with other features \(classes differ\)"):
        NetSuiteSandbox(SandboxConfig(), db_path=path)
    # journal approval changes no data: any value reuses the database
    NetSuiteSandbox(SandboxConfig(classes=False, journal_approval=True), db_path=path).close()


def test_add_invoice_follows_the_features(small):
    with NetSuiteSandbox(SandboxConfig(departments=False), small) as sb:
        line = {"item": 1, "amount": "10.00"}
        invoice = sb.add_invoice(101, [line], trandate=sb.now_local().date())
        stored = sb.execute(
            'SELECT department, class FROM transactionline WHERE "transaction" = ? AND id = 1',
            [invoice],
        )
        assert stored == [{"department": None, "class": 1}]
        with pytest.raises(ValueError, match="a department was given, but this sandbox has"):
            sb.add_invoice(101, [{**line, "department": 2}], trandate=sb.now_local().date())

"""OneWorld with several subsidiaries (SandboxConfig(subsidiaries="several")), over a real
socket with the project's own NetSuite client: the subsidiary table, customers and documents
spread over the subsidiaries by currency, accounts restricted per subsidiary, journal entries
refused with NetSuite's wording, the GL view per subsidiary, and the one-subsidiary account
left as it was."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
import requests

from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig

from .conftest import JOURNAL, error_of, netsuite_client, oauth

PARENT, UK, GERMANY, ELIMINATION = 1, 2, 3, 4
USD, EUR, GBP = 1, 2, 3
UK_DEFERRED, NON_UK_DEFERRED, REVENUE = 59, 60, 61


@pytest.fixture(scope="module")
def several(small):
    with NetSuiteSandbox(SandboxConfig(subsidiaries="several"), small) as sb:
        yield sb


@pytest.fixture(scope="module")
def client(several):
    return netsuite_client(several)


def entry(subsidiary: int | None, currency: int, debit_account: int, amount: str = "250.00"):
    body = {
        "tranDate": "2026-10-31",
        "currency": {"id": str(currency)},
        "memo": "Revenue Oct 2026",
        "line": {
            "items": [
                {"account": {"id": str(debit_account)}, "debit": amount},
                {"account": {"id": str(REVENUE)}, "credit": amount},
            ]
        },
    }
    if subsidiary is not None:
        body["subsidiary"] = {"id": str(subsidiary)}
    return body


def refusal(client, external_id: str, body: dict) -> NetSuiteError:
    with pytest.raises(NetSuiteError) as caught:
        client.upsert_journal_entry(external_id, body)
    assert caught.value.status == 400
    assert client.get_journal_entry(f"eid:{external_id}") is None  # nothing was stored
    return caught.value


# --- the subsidiary table ---------------------------------------------------------------------


def test_subsidiary_table_holds_the_parent_two_foreign_subsidiaries_and_an_elimination(client):
    rows = client.query_small(
        "SELECT id, name, fullname, currency, BUILTIN.DF(currency) AS currencyname, parent, "
        "iselimination, isinactive FROM subsidiary ORDER BY id"
    )
    # SuiteQL leaves out a null field: the parent has no `parent` key.
    assert rows == [
        {
            "id": "1",
            "name": "Parent Company",
            "fullname": "Parent Company",
            "currency": "1",
            "currencyname": "US Dollar",
            "iselimination": "F",
            "isinactive": "F",
        },
        {
            "id": "2",
            "name": "UK Ltd",
            "fullname": "Parent Company : UK Ltd",
            "currency": "3",
            "currencyname": "British Pound",
            "parent": "1",
            "iselimination": "F",
            "isinactive": "F",
        },
        {
            "id": "3",
            "name": "Germany GmbH",
            "fullname": "Parent Company : Germany GmbH",
            "currency": "2",
            "currencyname": "Euro",
            "parent": "1",
            "iselimination": "F",
            "isinactive": "F",
        },
        {
            "id": "4",
            "name": "Elimination",
            "fullname": "Parent Company : Elimination",
            "currency": "1",
            "currencyname": "US Dollar",
            "parent": "1",
            "iselimination": "T",
            "isinactive": "F",
        },
    ]


def test_manifest_describes_the_subsidiaries(several):
    m = several.manifest
    assert {
        i: (s["name"], s["currency"], s["parent"], s["elimination"])
        for i, s in m["subsidiaries"].items()
    } == {
        PARENT: ("Parent Company", "USD", None, False),
        UK: ("UK Ltd", "GBP", PARENT, False),
        GERMANY: ("Germany GmbH", "EUR", PARENT, False),
        ELIMINATION: ("Elimination", "USD", PARENT, True),
    }
    assert m["subsidiary_accounts"] == {
        "uk_deferred_revenue": UK_DEFERRED,
        "non_uk_deferred_revenue": NON_UK_DEFERRED,
    }
    assert m["subsidiary_ids"] == {"parent": 1, "uk": 2, "germany": 3, "elimination": 4}
    assert m["subsidiaries"][UK]["journal_currencies"] == ["GBP", "USD"]
    assert m["subsidiaries"][PARENT]["journal_currencies"] == ["USD"]
    # the manifest's existing keys are the dataset's
    for key in ("accounts", "subsidiary_id", "currencies", "billed_cents", "invoice_gbp"):
        assert m[key] == several.dataset.manifest[key]


# --- customers and documents --------------------------------------------------------------------


def test_customers_are_in_the_subsidiary_of_their_currency(client, several):
    base = {
        int(r["id"]): int(r["currency"])
        for r in client.query_small("SELECT id, currency FROM subsidiary")
    }
    customers = client.query_small("SELECT id, currency, subsidiary FROM customer ORDER BY id")
    assert {int(c["subsidiary"]) for c in customers} == {PARENT, UK, GERMANY}  # no elimination
    assert all(base[int(c["subsidiary"])] == int(c["currency"]) for c in customers)
    per_subsidiary = {
        s: sum(1 for c in customers if int(c["subsidiary"]) == s) for s in (PARENT, UK, GERMANY)
    }
    assert per_subsidiary == {
        s: counts["customers"] for s, counts in several.manifest["subsidiary_counts"].items()
    }


def test_documents_are_in_the_subsidiary_of_their_currency_on_every_line(client, several):
    mainlines = client.query_small(
        "SELECT t.id, t.type, t.currency, t.exchangerate, tl.subsidiary, s.currency AS base "
        "FROM transaction t JOIN transactionline tl ON tl.transaction = t.id "
        "AND tl.mainline = 'T' JOIN subsidiary s ON s.id = tl.subsidiary "
        "WHERE t.type IN ('CustInvc', 'CustCred') ORDER BY t.id"
    )
    assert {int(r["subsidiary"]) for r in mainlines} == {PARENT, UK, GERMANY}
    # each document is in its subsidiary's base currency, so at rate 1 to it
    assert all(r["currency"] == r["base"] for r in mainlines)
    assert {Decimal(r["exchangerate"]) for r in mainlines} == {Decimal(1)}
    # its item (and every other) line carries the document's subsidiary
    strays = client.query_small(
        "SELECT COUNT(tl.id) AS n FROM transactionline tl JOIN transactionline ml "
        "ON ml.transaction = tl.transaction AND ml.mainline = 'T' "
        "WHERE tl.subsidiary <> ml.subsidiary"
    )
    assert strays == [{"n": "0"}]
    counts = several.manifest["subsidiary_counts"]
    for sub in (PARENT, UK, GERMANY):
        kinds = [r["type"] for r in mainlines if int(r["subsidiary"]) == sub]
        assert kinds.count("CustInvc") == counts[sub]["invoices"] > 0
        assert kinds.count("CustCred") == counts[sub]["credit_memos"]
    # A document follows its currency, not its customer: the GBP invoice of a USD customer
    # (primary subsidiary: the parent) is the UK's.
    gbp = next(r for r in mainlines if int(r["id"]) == several.manifest["invoice_gbp"])
    customer = client.query_small(
        "SELECT c.subsidiary FROM customer c JOIN transaction t ON t.entity = c.id "
        f"WHERE t.id = {int(gbp['id'])}"
    )
    assert (int(gbp["subsidiary"]), int(gbp["currency"])) == (UK, GBP)
    assert customer == [{"subsidiary": str(PARENT)}]


def test_customers_are_assigned_to_every_subsidiary_they_have_documents_in(client):
    relations = client.query_small(
        "SELECT r.entity, r.subsidiary, r.isprimarysub, r.primarycurrency, c.subsidiary AS "
        "primary_sub, c.currency FROM customersubsidiaryrelationship r "
        "JOIN customer c ON c.id = r.entity ORDER BY r.entity, r.subsidiary"
    )
    primaries = [r for r in relations if r["isprimarysub"] == "T"]
    customers = client.query_small("SELECT COUNT(id) AS n FROM customer")
    assert len(primaries) == int(customers[0]["n"])  # one primary each: customer.subsidiary
    assert all(r["subsidiary"] == r["primary_sub"] for r in primaries)
    assert all(r["primarycurrency"] == r["currency"] for r in relations)
    secondary = {(int(r["entity"]), int(r["subsidiary"])) for r in relations} - {
        (int(r["entity"]), int(r["subsidiary"])) for r in primaries
    }
    assert (104, UK) in secondary and (105, GERMANY) in secondary  # the GBP and EUR specials
    documents = client.query_small(
        "SELECT DISTINCT t.entity, tl.subsidiary FROM transaction t JOIN transactionline tl "
        "ON tl.transaction = t.id AND tl.mainline = 'T' WHERE t.type IN ('CustInvc', 'CustCred')"
    )
    assigned = {(int(r["entity"]), int(r["subsidiary"])) for r in relations}
    assert {(int(d["entity"]), int(d["subsidiary"])) for d in documents} <= assigned


def test_crm_orders_name_the_subsidiary_only_where_it_is_not_the_customers(small, tmp_path):
    _, orders_path = small.write_crm_csv(tmp_path, subsidiaries="several")
    with orders_path.open(encoding="utf-8") as fh:
        orders = list(csv.DictReader(fh))
    named = {(o["order_number"], o["currency"], o["subsidiary"]) for o in orders if o["subsidiary"]}
    gbp_order = f"SO-{small.manifest['invoice_gbp']}"
    assert (gbp_order, "GBP", str(UK)) in named  # a USD customer's GBP invoice: the UK's
    assert {(c, s) for _, c, s in named} <= {("GBP", str(UK)), ("EUR", str(GERMANY))}
    _, default_path = small.write_crm_csv(tmp_path / "one")
    with default_path.open(encoding="utf-8") as fh:
        assert "subsidiary" not in next(csv.reader(fh))  # the default CSV is as it was


def test_the_gl_balances_per_subsidiary_in_its_base_currency(client):
    """transactionaccountingline with several subsidiaries: every posting document nets to zero
    in its own subsidiary's books."""
    rows = client.query_small(
        "SELECT tl.subsidiary, SUM(tal.debit) AS debits, SUM(tal.credit) AS credits "
        "FROM transactionaccountingline tal JOIN transactionline tl "
        "ON tl.transaction = tal.transaction AND tl.id = tal.transactionline "
        "WHERE tal.posting = 'T' GROUP BY tl.subsidiary ORDER BY tl.subsidiary"
    )
    assert [int(r["subsidiary"]) for r in rows] == [PARENT, UK, GERMANY]
    for r in rows:
        debits = Decimal(r["debits"]).quantize(Decimal("0.01"))
        assert debits > 0 and debits == Decimal(r["credits"]).quantize(Decimal("0.01"))


# --- accounts per subsidiary --------------------------------------------------------------------


def test_account_subsidiary_map_restricts_two_accounts(client, several):
    rows = client.query_small(
        "SELECT account, subsidiary FROM accountsubsidiarymap ORDER BY subsidiary, account"
    )
    usable: dict[int, list[int]] = {}
    for r in rows:
        usable.setdefault(int(r["subsidiary"]), []).append(int(r["account"]))
    assert usable == several.manifest["accounts_by_subsidiary"]
    assert [s for s, accounts in usable.items() if UK_DEFERRED in accounts] == [UK]
    assert [s for s, accounts in usable.items() if NON_UK_DEFERRED not in accounts] == [UK]
    shared = {int(r["id"]) for r in client.query_small("SELECT id FROM account")} - {
        UK_DEFERRED,
        NON_UK_DEFERRED,
    }
    assert all(shared <= set(accounts) for accounts in usable.values())


# --- journal entries ------------------------------------------------------------------------


def test_uk_entry_in_gbp_with_a_uk_account_posts_and_reads_back(client, several):
    internal_id = client.upsert_journal_entry("ow-uk-gbp", entry(UK, GBP, UK_DEFERRED))
    record = client.get_journal_entry("eid:ow-uk-gbp")
    assert record["id"] == internal_id
    assert (record["subsidiary"]["id"], record["subsidiary"]["refName"]) == ("2", "UK Ltd")
    assert (record["currency"]["id"], record["exchangeRate"]) == ("3", 1.0)
    assert [ln["account"]["id"] for ln in record["line"]["items"]] == ["59", "61"]
    lines = client.query_small(
        "SELECT tl.subsidiary, tal.amount FROM transactionline tl "
        "JOIN transactionaccountingline tal ON tal.transaction = tl.transaction "
        f"AND tal.transactionline = tl.id WHERE tl.transaction = {int(internal_id)} "
        "ORDER BY tl.id"
    )
    assert lines == [
        {"subsidiary": "2", "amount": "250"},
        {"subsidiary": "2", "amount": "-250"},
    ]


def test_uk_entry_in_the_groups_usd_keeps_its_rate_to_gbp(client, several):
    internal_id = client.upsert_journal_entry("ow-uk-usd", entry(UK, USD, REVENUE, "127.00"))
    record = client.get_journal_entry("eid:ow-uk-usd")
    rate = Decimal(str(record["exchangeRate"]))
    assert rate == Decimal("0.787402")  # USD 1.0 over GBP 1.27, the currencies' rates
    amounts = client.query_small(
        "SELECT tal.debit FROM transactionaccountingline tal "
        f"WHERE tal.transaction = {int(internal_id)} AND tal.debit IS NOT NULL"
    )
    assert [Decimal(a["debit"]) for a in amounts] == [Decimal("100.00")]  # GBP, the UK's books


def test_account_the_uk_may_not_use_is_refused_with_netsuites_sentence(client):
    refused = refusal(client, "ow-uk-non-uk-account", entry(UK, GBP, NON_UK_DEFERRED))
    assert refused.detail == "Invalid account reference key 60 for subsidiary 2."
    assert refused.code == "INVALID_KEY_OR_REF"
    assert "at line.items[0].account" in str(refused)
    # and the UK's own account anywhere else
    refused = refusal(client, "ow-parent-uk-account", entry(PARENT, USD, UK_DEFERRED))
    assert refused.detail == "Invalid account reference key 59 for subsidiary 1."


def test_currency_the_uk_may_not_use_is_refused_with_netsuites_sentence(client):
    refused = refusal(client, "ow-uk-eur", entry(UK, EUR, REVENUE))
    assert refused.detail == "Invalid currency reference key 2 for subsidiary 2."
    assert refused.code == "INVALID_KEY_OR_REF"
    refused = refusal(client, "ow-parent-gbp", entry(PARENT, GBP, REVENUE))
    assert refused.detail == "Invalid currency reference key 3 for subsidiary 1."


def test_any_currency_switch_follows_the_documented_wider_rule(client, several):
    """journal_currencies='any': an entry may be in any account currency, at its rate to the
    subsidiary's base (EUR 1.08 over GBP 1.27 for the UK)."""
    several.apply_config({"journal_currencies": "any"})
    try:
        client.upsert_journal_entry("ow-uk-eur-any", entry(UK, EUR, REVENUE, "127.00"))
        record = client.get_journal_entry("eid:ow-uk-eur-any")
        assert (record["currency"]["id"], record["exchangeRate"]) == ("2", 0.850394)
        debit = client.query_small(
            "SELECT tal.debit FROM transactionaccountingline tal "
            f"WHERE tal.transaction = {int(record['id'])} AND tal.debit IS NOT NULL"
        )
        assert [Decimal(d["debit"]) for d in debit] == [Decimal("108.00")]
        # the account restriction still holds
        refused = refusal(client, "ow-uk-any-account", entry(UK, EUR, NON_UK_DEFERRED))
        assert refused.detail == "Invalid account reference key 60 for subsidiary 2."
    finally:
        several.apply_config({"journal_currencies": "subsidiary"})
    with pytest.raises(ValueError, match="journal_currencies is 'some'"):
        several.apply_config({"journal_currencies": "some"})
    assert several.config.journal_currencies == "subsidiary"


def test_elimination_subsidiary_is_refused(client):
    refused = refusal(client, "ow-elimination", entry(ELIMINATION, USD, REVENUE))
    assert refused.detail == (
        "You have entered an Invalid Field Value 4 for the following field: subsidiary"
    )
    assert refused.code == "INVALID_CONTENT"


def test_missing_subsidiary_is_refused(client):
    refused = refusal(client, "ow-no-subsidiary", entry(None, USD, REVENUE))
    assert refused.detail == "Please enter a value for subsidiary."
    assert refused.code == "USER_ERROR"


def test_moving_an_entry_checks_the_lines_it_keeps(client, several):
    """An update naming another subsidiary keeps the stored lines: their accounts must be
    available to the new subsidiary too."""
    client.upsert_journal_entry("ow-move", entry(UK, GBP, UK_DEFERRED))
    moved = requests.put(  # no line sublist and no ?replace: the stored lines stay
        f"{several.url}{JOURNAL}/eid:ow-move",
        json={"subsidiary": {"id": "1"}, "currency": {"id": "1"}},
        auth=oauth(several),
        timeout=10,
    )
    assert moved.status_code == 400
    assert error_of(moved) == {
        "detail": "Invalid account reference key 59 for subsidiary 1.",
        "o:errorCode": "INVALID_KEY_OR_REF",
        "o:errorPath": "line.items[0].account",
    }
    assert client.get_journal_entry("eid:ow-move")["subsidiary"]["id"] == "2"


# --- switches ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"subsidiaries": "several", "oneworld": False},
            "subsidiaries='several' needs the OneWorld feature: an account without OneWorld "
            "has one subsidiary.",
        ),
        (
            {"subsidiaries": "several", "multi_currency": False},
            "subsidiaries='several' needs the Multiple Currencies feature: the foreign "
            "subsidiaries keep their books in GBP and EUR.",
        ),
        ({"subsidiaries": "many"}, "subsidiaries is 'many'; expected one of one, several."),
    ],
)
def test_config_refuses_what_cannot_be_served(kwargs, message):
    with pytest.raises(ValueError) as caught:
        SandboxConfig(**kwargs)
    assert str(caught.value) == message


def test_features_list_sets_the_subsidiary_mode():
    config = SandboxConfig()
    config.set_features("default,subsidiaries=several")
    assert config.subsidiaries == "several" and config.oneworld
    config.set_features("subsidiaries=one")  # alone: the features stay as they were
    assert config.subsidiaries == "one" and config.features() == SandboxConfig().features()
    config.set_features("subsidiaries=several")
    with pytest.raises(ValueError, match="needs the OneWorld feature"):
        config.set_features("default,-oneworld")
    assert config.oneworld and config.subsidiaries == "several"  # all or nothing


def test_a_database_loaded_with_several_subsidiaries_is_not_reused_with_one(small, tmp_path):
    path = str(tmp_path / "several.db")
    NetSuiteSandbox(SandboxConfig(subsidiaries="several"), small, db_path=path).close()
    with pytest.raises(ValueError, match=r"loaded with other features \(subsidiaries differ\)"):
        NetSuiteSandbox(SandboxConfig(), db_path=path)
    reused = NetSuiteSandbox(SandboxConfig(subsidiaries="several"), db_path=path)
    assert set(reused.manifest["subsidiaries"]) == {1, 2, 3, 4}  # int keys, as when loaded
    assert set(reused.manifest["subsidiary_counts"]) == {1, 2, 3}
    reused.close()


# --- the one-subsidiary account is unchanged ------------------------------------------------------


DOCUMENT_COLUMNS = {
    "customer": "id, entityid, altname, currency, externalid, lastmodifieddate",
    '"transaction"': "id, tranid, type, trandate, entity, status, currency, foreigntotal, "
    "posting, postingperiod, lastmodifieddate",
    "transactionline": 'uniquekey, "transaction", id, item, account, foreignamount, '
    "department, revrecstartdate, revrecenddate",
}


def test_several_subsidiaries_keep_the_same_documents_as_the_default_account(small):
    with (
        NetSuiteSandbox(SandboxConfig(), small) as default,
        NetSuiteSandbox(SandboxConfig(subsidiaries="several"), small) as several,
    ):
        for table, columns in DOCUMENT_COLUMNS.items():
            sql = f"SELECT {columns} FROM {table} ORDER BY 1"
            assert default.execute(sql) == several.execute(sql), table
        # the default account: everything in the parent, at the documents' own rates
        assert default.execute("SELECT DISTINCT subsidiary FROM customer") == [{"subsidiary": 1}]
        assert default.execute("SELECT DISTINCT subsidiary FROM transactionline") == [
            {"subsidiary": 1}
        ]
        gbp = default.manifest["invoice_gbp"]
        rate = default.execute(f'SELECT exchangerate FROM "transaction" WHERE id = {gbp}')
        assert rate[0]["exchangerate"] > 1.2  # GBP → the parent's USD
        assert default.manifest == small.manifest


def test_the_default_account_keeps_its_subsidiaries_and_journal_rules(small):
    with NetSuiteSandbox(SandboxConfig(), small) as default:
        client = netsuite_client(default)
        assert client.query_small(
            "SELECT id, name, currency, parent, iselimination FROM subsidiary ORDER BY id"
        ) == [
            {"id": "1", "name": "Parent Company", "currency": "1", "iselimination": "F"},
            {"id": "2", "name": "EMEA Ltd", "currency": "3", "parent": "1", "iselimination": "F"},
        ]
        relations = client.query_small(
            "SELECT DISTINCT subsidiary, isprimarysub FROM customersubsidiaryrelationship"
        )
        assert relations == [{"subsidiary": "1", "isprimarysub": "T"}]
        mapped = client.query_small("SELECT COUNT(account) AS n FROM accountsubsidiarymap")
        accounts = client.query_small("SELECT COUNT(id) AS n FROM account")
        assert int(mapped[0]["n"]) == 2 * int(accounts[0]["n"])  # every account, everywhere
        # no account or currency restriction: a EUR entry in the parent posts as before
        internal_id = client.upsert_journal_entry("one-eur", entry(PARENT, EUR, 58))
        record = client.get_journal_entry("eid:one-eur")
        assert record["id"] == internal_id and record["exchangeRate"] == 1.0


def test_without_oneworld_the_account_subsidiary_map_is_removed(small):
    with NetSuiteSandbox(SandboxConfig(oneworld=False), small) as account:
        client = netsuite_client(account)
        with pytest.raises(NetSuiteError) as caught:
            client.query_small("SELECT account FROM accountsubsidiarymap")
        assert caught.value.detail.endswith(
            "Record 'accountSubsidiaryMap' was not found. "
            "Reason: REMOVED - Feature SUBSIDIARIES is not enabled."
        )

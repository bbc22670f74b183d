"""Extraction as the real NetSuite needs it (SPEC §3/§4, reference §9), over a real socket:
billing lines decided in SuiteQL and kept auditable, line-only edits, deletions in every
DeletedRecord form and deleteddate zone, the SuiteQL 500 policy, and only query constructs
NetSuite is known to accept.

Data the sandbox's generator does not make in this branch (structural lines, line-only edits,
DeletedRecord forms) is written straight into its SQLite by the helpers of sandbox_helpers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from revrec_pipeline.netsuite.errors import NetSuiteQueryError
from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.netsuite.queries import CREDIT_MEMO, INVOICE
from revrec_pipeline.netsuite.rows import to_local
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig
from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline_tests.sandbox_helpers import (
    EXTRACT_TABLES,
    add_item,
    add_line,
    delete_document,
    edit_line_only,
    expected_lines,
    extract_all,
    extractor,
    line_only_changes,
    recording_client,
    stored_lines,
    stored_segments,
)

TOKYO = ZoneInfo("Asia/Tokyo")  # ahead of UTC: a UTC deleteddate looks 9 hours old there


def stored_line_audit(store: RevRecStore, tran_id: int) -> dict[int, tuple]:
    table = schema.netsuite_transaction_line
    with store.read() as conn:
        rows = conn.execute(
            select(
                table.c.line_id,
                table.c.itemtype,
                table.c.iscogs,
                table.c.donotdisplayline,
                table.c.is_billing_line,
                table.c.foreign_amount_cents,
            ).where(table.c.transaction_id == tran_id)
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def stored_document_ids(store: RevRecStore) -> set[int]:
    return {row[0] for row in store.snapshot("netsuite_transaction")}


# -- billing lines ------------------------------------------------------------------------------


def add_structure(sandbox: NetSuiteSandbox, tran_id: int) -> dict[str, int]:
    """The lines of reference §9 on one invoice (GL signs: invoice item lines negative)."""
    items = {
        kind: add_item(sandbox, 9000 + n, f"{kind} item", kind)
        for n, kind in enumerate(
            ("ShipItem", "Subtotal", "Group", "EndGroup", "Description", "Markup", "InvtPart")
        )
    }
    items_total = sandbox.execute(
        'SELECT SUM(foreignamount) AS s FROM transactionline WHERE "transaction" = ? '
        "AND mainline = 'F' AND taxline = 'F'",
        (tran_id,),
    )[0]["s"]

    def line(kind: str, amount: str | None, item: int | None = None, **flags) -> int:
        return add_line(
            sandbox,
            tran_id,
            item=items.get(kind) if item is None else item,
            itemtype=kind,
            amount=amount,
            **flags,
        )

    discount_item = sandbox.manifest["discount_item_id"]
    return {
        "subtotal": line("Subtotal", str(Decimal(str(items_total)))),
        "group": line("Group", None),
        "shipping": line("ShipItem", "-25.00"),
        "end_group": line("EndGroup", "-25.00"),
        "description": line("Description", None),
        "cogs_debit": line("InvtPart", "40.00", iscogs=True),
        "cogs_credit": line("InvtPart", "-40.00", iscogs=True),
        "technical": line("NonInvtPart", "-12.34", item=1, donotdisplayline=True),
        "discount": line("Discount", "10.00", item=discount_item),
        "markup": line("Markup", "-5.00"),
    }


def test_structural_lines_are_stored_with_their_type_and_not_billed(sandbox, store):
    invoice = sandbox.manifest["invoice_open"]
    lines = add_structure(sandbox, invoice)

    extract_all(sandbox, store)

    assert stored_lines(store) == expected_lines(sandbox)
    audit = stored_line_audit(store, invoice)
    # (itemtype, iscogs, donotdisplayline, is_billing_line, GL cents)
    assert audit[lines["group"]] == ("Group", False, False, False, 0)
    assert audit[lines["end_group"]] == ("EndGroup", False, False, False, -2500)
    assert audit[lines["description"]] == ("Description", False, False, False, 0)
    assert audit[lines["subtotal"]][:4] == ("Subtotal", False, False, False)
    assert audit[lines["cogs_debit"]] == ("InvtPart", True, False, False, 4000)
    assert audit[lines["cogs_credit"]] == ("InvtPart", True, False, False, -4000)
    assert audit[lines["technical"]] == ("NonInvtPart", False, True, False, -1234)
    # Discount, Markup and ShipItem lines are billing lines, each with its own sign.
    assert audit[lines["shipping"]] == ("ShipItem", False, False, True, -2500)
    assert audit[lines["discount"]] == ("Discount", False, False, True, 1000)
    assert audit[lines["markup"]] == ("Markup", False, False, True, -500)
    # The original item lines are still billing lines.
    original = [k for k, v in audit.items() if k not in lines.values()]
    assert original and all(audit[k][3] for k in original)


# -- change detection -------------------------------------------------------------------------


def oldest_invoice_line(sandbox: NetSuiteSandbox) -> tuple[int, int]:
    """The pulled invoice modified longest ago (its header is outside any incremental window)
    and its first item line."""
    tran = sandbox.execute(
        "SELECT id FROM \"transaction\" WHERE type = 'CustInvc' AND posting = 'T' "
        "AND voided = 'F' AND status NOT IN ('D', 'E') ORDER BY lastmodifieddate, id LIMIT 1"
    )[0]["id"]
    line = sandbox.execute(
        'SELECT MIN(id) AS id FROM transactionline WHERE "transaction" = ? '
        "AND mainline = 'F' AND taxline = 'F' AND COALESCE(iscogs, 'F') = 'F' "
        "AND COALESCE(donotdisplayline, 'F') = 'F' AND itemtype NOT IN "
        "('Subtotal', 'Description', 'Group', 'EndGroup')",
        (tran,),
    )[0]["id"]
    return tran, line


def test_a_line_edited_without_its_header_is_picked_up_by_the_next_sync(sandbox, store):
    first = extract_all(sandbox, store)
    zone = ZoneInfo(sandbox.config.timezone)
    window_start = to_local(first["invoices"].watermark - timedelta(hours=1), zone)
    tran, line = oldest_invoice_line(sandbox)
    assert (
        sandbox.execute('SELECT lastmodifieddate FROM "transaction" WHERE id = ?', (tran,))[0][
            "lastmodifieddate"
        ]
        < window_start
    )
    header_stamp = sandbox.execute(
        'SELECT lastmodifieddate FROM "transaction" WHERE id = ?', (tran,)
    )[0]["lastmodifieddate"]

    edit_line_only(sandbox, tran, line, "-321.09")
    second = extract_all(sandbox, store)

    assert (
        sandbox.execute('SELECT lastmodifieddate FROM "transaction" WHERE id = ?', (tran,))[0][
            "lastmodifieddate"
        ]
        == header_stamp
    )  # the header never moved
    amounts = {(t, t_line): cents for t, t_line, cents, _b in stored_lines(store)}
    assert amounts[(tran, line)] == -32109
    assert stored_lines(store) == expected_lines(sandbox)
    # Exactly the documents with a line change in the window and no header change were re-read.
    line_only = line_only_changes(sandbox, INVOICE, window_start)
    assert tran in line_only
    assert second["invoices"].line_changes == len(line_only)
    # The line's stamp moved the watermark (to the run's start at most).
    assert second["invoices"].watermark > first["invoices"].watermark

    # The next sync re-reads the edit (it is inside the overlap) and changes nothing.
    before = {table: store.snapshot(table) for table in EXTRACT_TABLES}
    extract_all(sandbox, store)
    assert {table: store.snapshot(table) for table in EXTRACT_TABLES} == before


# -- deletions ----------------------------------------------------------------------------------

# (DeletedRecord.type, DeletedRecord.recordtypeid): id, code and label forms of `type`; a type
# no rule knows with the record type id; a known type with no record type id.
DELETED_FORMS = {
    INVOICE: [
        ("invoice", "invoice"),
        ("CustInvc", "invoice"),
        ("Invoice", "invoice"),
        (None, "invoice"),
        ("custinvc", None),
    ],
    CREDIT_MEMO: [
        ("creditmemo", "creditmemo"),
        ("CustCred", "creditmemo"),
        ("Credit Memo", "creditmemo"),
        (None, "creditmemo"),
        ("CREDIT MEMO", None),
    ],
}


def new_documents(sb: NetSuiteSandbox, count: int) -> dict[str, list[int]]:
    customer = sb.manifest["exact_customer"]
    line = [{"item": 1, "amount": Decimal("100.00"), "quantity": 1}]
    return {
        INVOICE: [sb.add_invoice(customer, line, date(2026, 11, 2)) for _ in range(count)],
        CREDIT_MEMO: [sb.add_credit_memo(customer, line, date(2026, 11, 3)) for _ in range(count)],
    }


def first_deletions(sb, store, docs, delete) -> None:
    """One deletion of each kind, synced: the deletion watermarks move up to its stamps."""
    for kind in (INVOICE, CREDIT_MEMO):
        delete(kind, docs[kind].pop(0))
    results = extract_all(sb, store)
    assert results["invoices"].deleted == results["credit_memos"].deleted == 1


@pytest.mark.parametrize("zone", ["account", "utc"])
def test_deleted_documents_leave_the_store_in_every_form_and_zone(zone, tiny, store):
    with NetSuiteSandbox(SandboxConfig(timezone="Asia/Tokyo"), tiny) as sb:
        docs = new_documents(sb, len(DELETED_FORMS[INVOICE]) + 1)
        extract_all(sb, store)
        assert set(docs[INVOICE] + docs[CREDIT_MEMO]) <= stored_document_ids(store)
        # Stamped now in the account's zone: the next deletion window starts just before now,
        # so a deletion stamped in UTC (9 hours earlier here) shows only in a wider window.
        first_deletions(
            sb, store, docs, lambda kind, doc: delete_document(sb, doc, *DELETED_FORMS[kind][0])
        )
        now = datetime.now(UTC).replace(tzinfo=None)
        for kind in (INVOICE, CREDIT_MEMO):
            assert now - store.watermarks()[f"deleted:{kind}"] < timedelta(minutes=10)
        plain_start = {  # where a window without the extra day would start, account-local
            kind: to_local(store.watermarks()[f"deleted:{kind}"] - timedelta(hours=1), TOKYO)
            for kind in (INVOICE, CREDIT_MEMO)
        }
        for kind, forms in DELETED_FORMS.items():
            for doc, (type_value, recordtypeid) in zip(docs[kind], forms, strict=True):
                delete_document(sb, doc, type_value, recordtypeid, zone)
        if zone == "utc":  # the stamps really are before that window
            for kind in (INVOICE, CREDIT_MEMO):
                stamps = sb.execute(
                    "SELECT deleteddate FROM deletedrecord WHERE recordid IN "
                    f"({', '.join(str(d) for d in docs[kind])})"
                )
                assert all(str(r["deleteddate"]) < plain_start[kind] for r in stamps)

        results = extract_all(sb, store)

    deleted = set(docs[INVOICE] + docs[CREDIT_MEMO])
    assert not deleted & stored_document_ids(store)
    assert not deleted & {t for t, *_ in stored_lines(store)}
    assert results["invoices"].deleted == len(DELETED_FORMS[INVOICE])
    assert results["credit_memos"].deleted == len(DELETED_FORMS[CREDIT_MEMO])


# needs the sandbox helper's feature switches (deleted_type_form, deleted_date_zone)
@pytest.mark.parametrize("form", ["id", "code", "label"])
@pytest.mark.parametrize("zone", ["account", "utc"])
def test_deleted_documents_leave_the_store_in_each_sandbox_form(form, zone, tiny, store):
    config = SandboxConfig(timezone="Asia/Tokyo", deleted_type_form=form, deleted_date_zone=zone)
    with NetSuiteSandbox(config, tiny) as sb:
        docs = new_documents(sb, 3)
        extract_all(sb, store)
        first_deletions(sb, store, docs, lambda _kind, doc: sb.delete_transaction(doc))
        for doc in docs[INVOICE] + docs[CREDIT_MEMO]:
            sb.delete_transaction(doc)
        results = extract_all(sb, store)
    deleted = set(docs[INVOICE] + docs[CREDIT_MEMO])
    assert not deleted & stored_document_ids(store)
    assert results["invoices"].deleted == results["credit_memos"].deleted == 2


# -- retry policy -------------------------------------------------------------------------------


def test_a_suiteql_500_is_tried_three_times_then_named_in_one_sentence(sandbox, store):
    profile = AccountProfile.everything(sandbox.config.account_id)  # no discovery requests
    ex = extractor(sandbox, store, profile=profile)
    requests_before = sandbox.stats.requests
    sandbox.fail_next(3, status=500)
    with pytest.raises(NetSuiteQueryError) as caught:
        ex.extract_transactions(CREDIT_MEMO)
    assert str(caught.value) == (
        "NetSuite failed the credit memos size query 3 times (500 UNEXPECTED_ERROR); it asked "
        "for t.id, t.type: a field the account does not have is the usual cause; run "
        "`revrec connect` to re-profile the account."
    )
    # Three attempts in all, the three injected failures, then nothing more.
    assert sandbox.stats.requests - requests_before == 3
    assert sandbox.stats.injected_faults == 3
    assert store.watermarks().get("transactions:CustCred") is None  # nothing committed

    # Two 500s are retried through.
    sandbox.fail_next(2, status=500)
    result = ex.extract_transactions(CREDIT_MEMO)
    assert result.upserted > 0 and sandbox.stats.injected_faults == 5


# -- query constructs -------------------------------------------------------------------------

LITERAL = r"'\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}', 'YYYY-MM-DD HH24:MI:SS'"


def test_only_constructs_netsuite_accepts_are_sent(sandbox, store):
    client = recording_client(sandbox)
    extract_all(sandbox, store, client=client)
    manifest = sandbox.manifest
    now = sandbox.now_local()
    tran, line = oldest_invoice_line(sandbox)
    edit_line_only(sandbox, tran, line, "-1.00")
    header_edit = next(m for m in (manifest["invoice_gbp"], manifest["invoice_open"]) if m != tran)
    sandbox.update_transaction(header_edit, modified_at=now, memo="changed")
    sandbox.delete_transaction(manifest["credit_memo_standalone"], deleted_at=now)
    extract_all(sandbox, store, client=client)

    texts = [text for text, _params in client.sent]
    # Every kind of statement of a sync was sent, so the checks below cover them all.
    for needle in (
        "COUNT(t.id)",
        "LEFT OUTER JOIN transactionline ml",
        "AS isbillingline",
        "AS ispulled",
        "SELECT DISTINCT tl.transaction",
        "t.id IN (",
        "tl.transaction IN (",
        "LOWER(deletedrecord.recordtypeid)",
    ):
        assert any(needle in text for text in texts), needle
    for text, params in client.sent:
        assert not re.search(r"COUNT\s*\(\s*\*\s*\)", text, re.IGNORECASE), text
        assert not re.search(r"TO_(TIMESTAMP|DATE)\s*\(\s*\?", text, re.IGNORECASE), text
        for inside in re.findall(r"TO_TIMESTAMP\(([^)]*)\)", text):
            assert re.fullmatch(LITERAL, inside), text
        # Bound parameters: one per `?`, each in a plain comparison.
        assert text.count("?") == len(params), text
        assert len(re.findall(r"(?:<=|>=|<|>|=)\s*\?", text)) == text.count("?"), text
        # createdfrom is only ever read from the mainline row of transactionline.
        assert text.count("createdfrom") == text.count("ml.createdfrom"), text
        for listed in re.findall(r"\bIN \(([\d, ]+)\)", text):
            assert len(listed.split(",")) <= 1000
    assert stored_lines(store) == expected_lines(sandbox)


def test_columns_of_features_that_are_off_are_never_asked_for(sandbox, store):
    everything = AccountProfile.everything(sandbox.config.account_id)
    off = {"transactionline.department", "transactionline.class", "transactionline.location"}
    profile = AccountProfile(
        everything.account_id,
        {**everything.features, "departments": False, "classes": False, "locations": False},
        tuple(c for c in everything.columns if c not in off),
    )
    client = recording_client(sandbox)
    extract_all(sandbox, store, client=client, profile=profile)
    for text, _params in client.sent:
        assert not re.search(r"\btl\.(department|class|location)\b", text), text
    assert stored_segments(store) == [(None, None, None)]
    assert stored_lines(store) == expected_lines(sandbox)

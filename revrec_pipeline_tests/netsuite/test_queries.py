"""The SuiteQL the sync builds from an account profile, and the sentence a failed query becomes
(pure: no NetSuite; the same statements run against the sandbox in test_fidelity)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from revrec_pipeline.netsuite.errors import NetSuiteError, NetSuiteQueryError
from revrec_pipeline.netsuite.paging import id_shards
from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.netsuite.queries import (
    CREDIT_MEMO,
    INVOICE,
    DocumentQueries,
    billing_line_sql,
    deletions,
    explain,
    id_list,
    rehearsal,
)

EVERYTHING = AccountProfile.everything("1234567_SB1")
NO_CLASSES = replace(
    EVERYTHING, columns=tuple(c for c in EVERYTHING.columns if c != "transactionline.class")
)
START = "2026-11-25 09:00:00"


def test_the_billing_line_rule_is_spec_4():
    assert billing_line_sql("tl") == (
        "tl.mainline = 'F' AND tl.taxline = 'F' AND NVL(tl.iscogs, 'F') = 'F' "
        "AND NVL(tl.donotdisplayline, 'F') = 'F' "
        "AND NVL(tl.itemtype, '-') NOT IN ('Subtotal', 'Description', 'Group', 'EndGroup')"
    )
    lines = DocumentQueries(EVERYTHING, INVOICE, START).lines().text
    assert f"CASE WHEN {billing_line_sql('tl')} THEN 'T' ELSE 'F' END AS isbillingline" in lines
    # Every item-side line is read (and stored), billed or not.
    assert "tl.mainline = 'F' AND tl.taxline = 'F' AND tl.transaction > ?" in lines


def test_a_column_whose_feature_is_off_is_not_named():
    with_classes = DocumentQueries(EVERYTHING, INVOICE, START)
    without = DocumentQueries(NO_CLASSES, INVOICE, START)
    assert "tl.class" in with_classes.lines().text
    for query in (without.lines(), without.lines_by_id([5])):
        assert "tl.class" not in query.text and "tl.department" in query.text
    single_currency = replace(
        EVERYTHING, columns=tuple(c for c in EVERYTHING.columns if not c.startswith("transaction."))
    )
    header = DocumentQueries(single_currency, CREDIT_MEMO, None).headers().text
    assert "t.currency" not in header and "t.exchangerate" not in header


def test_windows_are_inlined_literals_and_counts_name_a_column():
    queries = DocumentQueries(EVERYTHING, INVOICE, START)
    literal = "TO_TIMESTAMP('2026-11-25 09:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    assert queries.size().text == (
        "SELECT MIN(t.id) AS lo, MAX(t.id) AS hi, COUNT(t.id) AS n FROM transaction t "
        f"WHERE t.type = 'CustInvc' AND t.lastmodifieddate >= {literal}"
    )
    assert (
        f"tl.linelastmodifieddate >= {literal} AND t.lastmodifieddate < {literal}"
        in queries.changed_lines().text
    )
    with pytest.raises(ValueError, match="is not a 'YYYY-MM-DD HH:MM:SS' datetime"):
        DocumentQueries(EVERYTHING, INVOICE, "2026-11-25' OR 1=1 --").size()


def test_deletions_match_type_or_recordtypeid_in_every_known_form():
    text = deletions(CREDIT_MEMO, START).text
    forms = "('creditmemo', 'custcred', 'credit memo')"
    assert (
        f"(LOWER(deletedrecord.type) IN {forms} OR LOWER(deletedrecord.recordtypeid) IN {forms})"
        in text
    )
    assert "deletedrecord.deleteddate >= TO_TIMESTAMP('2026-11-25 09:00:00'" in text


def test_id_lists_hold_ints_only_and_at_most_1000():
    assert id_list([3, 10]) == "3, 10"
    assert id_list(range(1000)).count(",") == 999
    with pytest.raises(ValueError, match="1 to 1000 ids, not 1001"):
        id_list(list(range(1001)))
    with pytest.raises(ValueError):
        id_list(["1) OR (1=1"])


def test_the_rehearsal_covers_every_statement_of_a_sync():
    names = {(q.stream, q.name) for q, _params in rehearsal(EVERYTHING, START)}
    for stream in ("invoices", "credit memos"):
        for name in (
            "size",
            "header",
            "line",
            "changed-line",
            "header re-read",
            "line re-read",
            "deletion",
        ):
            assert (stream, name) in names
    assert {("customers", "customer"), ("items", "item"), ("customers", "deletion")} <= names
    for query, params in rehearsal(EVERYTHING, START):
        assert query.text.count("?") == len(params), query.text


def test_a_500_becomes_one_sentence_naming_stream_fields_and_features():
    query = DocumentQueries(EVERYTHING, CREDIT_MEMO, START).lines()
    failed = NetSuiteError("NetSuite answered 500", 500, "UNEXPECTED_ERROR", attempts=3)
    message = str(explain(query, failed))
    assert message.startswith(
        "NetSuite failed the credit memos line query 3 times (500 UNEXPECTED_ERROR); it asked "
        "for tl.class, tl.department, tl.location, tl.revrecenddate, tl.revrecstartdate, "
        "t.approvalstatus, "
    )
    assert message.endswith(
        ": a field the account does not have is the usual cause (the account may not have the "
        "Classes, Departments, Locations or Revenue Recognition (line rev rec dates) feature); "
        "run `revrec connect` to re-profile the account."
    )
    assert isinstance(explain(query, failed), NetSuiteQueryError)


def test_a_400_naming_a_field_names_its_feature():
    query = DocumentQueries(EVERYTHING, INVOICE, START).lines()
    detail = (
        "Invalid search query. Detailed unprocessed description follows. Search error "
        "occurred: Unknown identifier 'class'. Available identifiers are: {id, item, memo}."
    )
    refused = NetSuiteError("NetSuite answered 400", 400, "INVALID_PARAMETER", detail=detail)
    message = str(explain(query, refused))
    assert message.startswith(
        "NetSuite refused the invoices line query (400 INVALID_PARAMETER: Unknown identifier "
        "'class'); it asked for tl.class, "
    )
    assert "(the account may not have the Classes feature)" in message
    assert "Available identifiers" not in message


def test_other_errors_pass_unchanged():
    query = DocumentQueries(EVERYTHING, INVOICE, START).lines()
    for error in (
        NetSuiteError("rejected", 401, "INVALID_LOGIN"),
        NetSuiteError("bad", 400, "INVALID_PARAMETER", detail="Invalid value for limit."),
    ):
        assert explain(query, error) is error


def test_shards_cover_the_id_range_exactly():
    assert id_shards({"n": "0"}, slots=4) == []
    shards = id_shards({"lo": "101", "hi": "5100", "n": "5000"}, slots=4, min_shard_documents=500)
    assert shards[0][0] == 100 and shards[-1][1] == 5100 and len(shards) == 10
    assert all(a[1] == b[0] for a, b in itertools.pairwise(shards))
